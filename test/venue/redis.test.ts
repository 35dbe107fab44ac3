import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareStatementRequest, requestStatement, VenueServiceError } from "../../src/venue/client.js";
import { RespClient, parseRedisUrl } from "../../src/venue/resp.js";
import { startVenueService, type VenueService } from "../../src/venue/service.js";
import { RedisStore } from "../../src/venue/store.js";
import { ALICE_HOLDINGS, EXAMPLE_VENUE_KEY, PARAMS_TIME_MS, alice, bob, captureLogger, ledgerOf, postJson, redisAvailable, startRedis, tempDir } from "./helpers.js";

// Several instances behind one address share a real redis-server (started here on a random loopback
// port, nothing saved). CI installs it (.ci/run); without it these tests are skipped, saying why.
describe("venue service with a shared Redis store: two instances", function () {
  this.timeout(60_000);
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  let tmp: ReturnType<typeof tempDir>;
  let a: VenueService | undefined;
  let b: VenueService | undefined;
  const clock = PARAMS_TIME_MS;

  before(async function () {
    if (!redisAvailable()) {
      process.stderr.write("    (skipped: redis-server is not installed; `apt-get install -y redis-server` runs these tests)\n");
      this.skip();
    }
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    tmp = tempDir();
    const ledger = join(tmp.dir, "ledger.json");
    writeFileSync(ledger, ledgerOf({ [alice.address]: ALICE_HOLDINGS, [bob.address]: ALICE_HOLDINGS }));
    const common = { venueId: 1, privateKey: EXAMPLE_VENUE_KEY, ledgerFile: ledger, logger: captureLogger().logger, now: () => clock, rateLimit: { requests: 3, windowSeconds: 3600 } };
    // Flush between tests: every test starts with no nonces and no counters.
    const c = new RespClient(parseRedisUrl(redis!.url));
    await c.command("FLUSHALL");
    await c.close();
    a = await startVenueService({ ...common, store: { redisUrl: redis!.url } });
    b = await startVenueService({ ...common, store: { redisUrl: redis!.url } });
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
    tmp.cleanup();
  });

  it("the RESP client: SET NX EX is once only, EVAL increments, errors are errors", async () => {
    const store = new RedisStore(redis!.url, "test:");
    assert.equal(await store.reserve("k", 10), true);
    assert.equal(await store.reserve("k", 10), false);
    assert.equal(await store.increment("n", 10), 1);
    assert.equal(await store.increment("n", 10), 2);
    const c = new RespClient(parseRedisUrl(redis!.url));
    assert.equal(await c.command("TTL", "test:n"), 10);
    await assert.rejects(c.command("NOSUCHCOMMAND"), /unknown command/i);
    assert.equal(await c.command("PING"), "PONG", "the connection survives an error reply");
    await c.close();
    await store.close();
  });

  it("/healthz names the redis store", async () => {
    const h = await fetch(`${a!.url}/healthz`);
    assert.deepEqual(await h.json(), { status: "ok", venue: 1, store: "redis" });
  });

  it("a request served by one instance is refused as a replay by the other", async () => {
    const prepared = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock });
    assert.equal((await postJson(`${a!.url}/v1/statement`, prepared.body)).status, 200);
    const replay = await postJson(`${b!.url}/v1/statement`, prepared.body);
    assert.equal(replay.status, 409);
    assert.equal(replay.json.error.code, "NONCE_REUSED");
  });

  it("the same request raced to both instances at once is served exactly once", async () => {
    for (let i = 0; i < 2; i++) {
      const prepared = await prepareStatementRequest({ venueId: 1, signer: bob, now: clock, lifetimeSeconds: 60 });
      const statuses = (await Promise.all([a!, b!].map((s) => postJson(`${s.url}/v1/statement`, prepared.body)))).map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 409], `round ${i}`);
    }
  });

  it("the per-account rate limit is counted across instances", async () => {
    await requestStatement({ url: a!.url, venueId: 1, signer: alice, now: clock });
    await requestStatement({ url: b!.url, venueId: 1, signer: alice, now: clock });
    await requestStatement({ url: a!.url, venueId: 1, signer: alice, now: clock });
    await assert.rejects(requestStatement({ url: b!.url, venueId: 1, signer: alice, now: clock }), (e: VenueServiceError) => e.status === 429 && e.retryAfter! > 0);
  });

  it("redis down: /healthz says 503 and requests get 503 UNAVAILABLE (a retryable refusal), nothing is served", async () => {
    const own = await startRedis();
    const ledger = join(tmp.dir, "ledger.json");
    const log = captureLogger();
    const s = await startVenueService({ venueId: 1, privateKey: EXAMPLE_VENUE_KEY, ledgerFile: ledger, logger: log.logger, now: () => clock, store: { redisUrl: own.url } });
    try {
      await own.stop();
      const h = await fetch(`${s.url}/healthz`);
      assert.equal(h.status, 503);
      await assert.rejects(requestStatement({ url: s.url, venueId: 1, signer: alice, now: clock }), (e: VenueServiceError) => e.status === 503 && e.code === "UNAVAILABLE" && e.retryable);
      assert.ok(log.entries().some((e) => e.event === "store.error"));
    } finally {
      await s.close();
    }
  });
});
