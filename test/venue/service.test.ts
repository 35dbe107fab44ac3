import { strict as assert } from "node:assert";
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseRiskParams } from "../../src/params/parse.js";
import { portfolioFromStatements } from "../../src/statements/portfolio.js";
import { verifyStatement } from "../../src/statements/verify.js";
import { statementPublicKey } from "../../src/statements/keys.js";
import { openStatementResponse, prepareStatementRequest, requestStatement, VenueServiceError } from "../../src/venue/client.js";
import { startVenueService, type VenueService, type VenueServiceOptions } from "../../src/venue/service.js";
import { repoFile } from "../helpers.js";
import {
  ALICE_HOLDINGS,
  AMOUNTS,
  BOB_HOLDINGS,
  EXAMPLE_VENUE_KEY,
  PARAMS_TIME_MS,
  alice,
  bob,
  captureLogger,
  carol,
  ledgerOf,
  postJson,
  tempDir,
  until,
} from "./helpers.js";

const params = parseRiskParams(JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8")));

describe("venue service (in-process, SDK): startVenueService + requestStatement", function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let ledger: string;
  let clock: number;
  let service: VenueService | undefined;
  let logs: ReturnType<typeof captureLogger>;

  const start = async (extra: Partial<VenueServiceOptions> = {}): Promise<VenueService> => {
    service = await startVenueService({
      venueId: 1,
      privateKey: EXAMPLE_VENUE_KEY,
      ledgerFile: ledger,
      ledgerPollMs: 50,
      logger: logs.logger,
      now: () => clock,
      ...extra,
    } as VenueServiceOptions);
    return service;
  };
  const ask = (signer = alice, extra: Record<string, unknown> = {}) => requestStatement({ url: service!.url, venueId: 1, signer, now: clock, ...extra });
  const refusal = async (p: Promise<unknown>): Promise<VenueServiceError> => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof VenueServiceError, String(e));
      return e;
    }
    assert.fail("expected a refusal");
  };

  beforeEach(() => {
    tmp = tempDir();
    ledger = join(tmp.dir, "ledger.json");
    writeFileSync(ledger, ledgerOf({ [alice.address]: ALICE_HOLDINGS, [bob.address.toLowerCase()]: BOB_HOLDINGS }));
    clock = PARAMS_TIME_MS;
    logs = captureLogger();
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    tmp.cleanup();
  });

  it("happy path: request -> decrypt -> verifyStatement under parameters listing the venue -> portfolioFromStatements", async () => {
    await start();
    assert.deepEqual(service!.publicKey, statementPublicKey(EXAMPLE_VENUE_KEY));
    const statement = await ask();
    assert.equal(statement.zkmarginStatement, 2);
    assert.equal(statement.venue, 1);
    assert.equal(statement.account, alice.address.toLowerCase());
    assert.equal(statement.asOf, Math.floor(clock / 1000), "asOf = now");
    assert.deepEqual(statement.collateral, { "1": "-1250000987654", "3": "150250000000000987654" });
    assert.deepEqual(statement.positions, { "1001": "5000987", "1002": "-120987654" });
    const v = verifyStatement(statement, params, { account: alice.address });
    assert.equal(v.venue.id, 1);
    const p = portfolioFromStatements([statement], params, { account: alice.address });
    assert.equal(p.entryCount, 4);
    assert.equal(p.portfolio.positions.length, 2);
  });

  it("GET /healthz and GET /v1/venue", async () => {
    await start();
    const h = await fetch(`${service!.url}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: "ok", venue: 1, store: "memory" });
    const v = (await (await fetch(`${service!.url}/v1/venue`)).json()) as Record<string, any>;
    assert.equal(v.venue, 1);
    assert.deepEqual(v.publicKey, statementPublicKey(EXAMPLE_VENUE_KEY));
    assert.equal(v.eip712.domain.name, "zkmargin venue");
    assert.equal(v.encryption, "x25519-hkdf-sha256-aes-256-gcm");
    assert.equal(v.maxLifetimeSeconds, 300);
    const nf = await fetch(`${service!.url}/nope`);
    assert.equal(nf.status, 404);
    assert.equal(((await nf.json()) as any).error.code, "NOT_FOUND");
    const m = await fetch(`${service!.url}/v1/statement`);
    assert.equal(m.status, 405);
    assert.equal(((await m.json()) as any).error.field, "method");
  });

  it("a replayed request (same nonce) is refused with 409 NONCE_REUSED, and reveals nothing", async () => {
    await start();
    const prepared = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock });
    const first = await postJson(`${service!.url}/v1/statement`, prepared.body);
    assert.equal(first.status, 200);
    openStatementResponse(prepared, first.json);
    const again = await postJson(`${service!.url}/v1/statement`, prepared.body);
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, "NONCE_REUSED");
    assert.equal(again.json.error.field, "request.nonce");
    assert.equal(again.json.ciphertext, undefined);
  });

  it("an intercepted request raced to the venue first yields only a ciphertext its sender alone can open", async () => {
    await start();
    const prepared = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock });
    const stolen = await postJson(`${service!.url}/v1/statement`, prepared.body); // the attacker is first
    assert.equal(stolen.status, 200);
    assert.ok(!JSON.stringify(stolen.json).includes("1250000987654"), "no plaintext amounts in the answer");
    // The attacker has no responsePrivateKey; another key does not decrypt.
    const other = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock });
    assert.throws(() => openStatementResponse({ ...prepared, responsePrivateKey: other.responsePrivateKey }, stolen.json), /does not decrypt/);
    // A key substituted in the request breaks the signature.
    const swapped = { ...prepared.body, request: { ...prepared.body.request, responseKey: other.body.request.responseKey, nonce: other.body.request.nonce } };
    const r = await postJson(`${service!.url}/v1/statement`, swapped);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, "BAD_SIGNATURE");
    // The sender can open the answer; an altered ciphertext does not open.
    assert.equal(openStatementResponse(prepared, stolen.json).account, alice.address.toLowerCase());
    const flipped = Buffer.from(stolen.json.ciphertext, "base64");
    flipped[0]! ^= 1;
    assert.throws(() => openStatementResponse(prepared, { ...stolen.json, ciphertext: flipped.toString("base64") }), /does not decrypt/);
  });

  it("expired requests are refused (401 EXPIRED), and so are requests living longer than the maximum (400 LIFETIME)", async () => {
    await start({ maxLifetimeSeconds: 120 });
    const old = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock, lifetimeSeconds: 30 });
    clock += 31_000;
    const r = await postJson(`${service!.url}/v1/statement`, old.body);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, "EXPIRED");
    assert.equal(r.json.error.field, "request.expiry");
    const long = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock, lifetimeSeconds: 121 });
    const r2 = await postJson(`${service!.url}/v1/statement`, long.body);
    assert.equal(r2.status, 400);
    assert.equal(r2.json.error.code, "LIFETIME");
    assert.match(r2.json.error.limit, /now \+ 120/);
    const ok = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock, lifetimeSeconds: 120 });
    assert.equal((await postJson(`${service!.url}/v1/statement`, ok.body)).status, 200);
  });

  it("a request for account A signed by B is refused (401 BAD_SIGNATURE)", async () => {
    await start();
    const byBob = await prepareStatementRequest({ venueId: 1, signer: bob, now: clock });
    // Bob signs a request naming Alice's account.
    const request = { ...byBob.body.request, account: alice.address.toLowerCase() };
    const { STATEMENT_REQUEST_TYPES, VENUE_EIP712_DOMAIN } = await import("../../src/venue/request.js");
    const signature = await bob.signTypedData(VENUE_EIP712_DOMAIN, STATEMENT_REQUEST_TYPES as any, request);
    const r = await postJson(`${service!.url}/v1/statement`, { request, signature });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, "BAD_SIGNATURE");
    assert.equal(r.json.error.field, "signature");
  });

  it("a tampered request is refused: any signed field changed after signing", async () => {
    await start();
    const prepared = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock });
    const changes: Record<string, unknown> = {
      expiry: prepared.body.request.expiry - 1,
      nonce: `0x${"ab".repeat(32)}`,
      responseKey: `0x${"09".repeat(32)}`,
      account: bob.address,
    };
    for (const [field, value] of Object.entries(changes)) {
      const r = await postJson(`${service!.url}/v1/statement`, { ...prepared.body, request: { ...prepared.body.request, [field]: value } });
      assert.equal(r.status, 401, field);
      assert.equal(r.json.error.code, "BAD_SIGNATURE", field);
    }
    const sig = prepared.body.signature;
    const r = await postJson(`${service!.url}/v1/statement`, { ...prepared.body, signature: `${sig.slice(0, 10)}${sig[10] === "0" ? "1" : "0"}${sig.slice(11)}` });
    assert.ok(r.status === 401, `status ${r.status}`);
    // The untampered request still works (nothing above used its nonce).
    assert.equal((await postJson(`${service!.url}/v1/statement`, prepared.body)).status, 200);
  });

  it("bad requests get 4xx { error: { code, message, field } } naming the field and the limit", async () => {
    await start({ maxBodyBytes: 2048 });
    const prepared = await prepareStatementRequest({ venueId: 1, signer: alice, now: clock });
    const url = `${service!.url}/v1/statement`;
    const cases: [unknown, number, string, string][] = [
      ["{not json", 400, "INVALID_JSON", "body"],
      [[], 400, "INVALID_FIELD", "body"],
      [{ ...prepared.body, extra: 1 }, 400, "INVALID_FIELD", "extra"],
      [{ signature: prepared.body.signature }, 400, "INVALID_FIELD", "request"],
      [{ ...prepared.body, request: { ...prepared.body.request, venue: "1" } }, 400, "INVALID_FIELD", "request.venue"],
      [{ ...prepared.body, request: { ...prepared.body.request, venue: 2 ** 32 } }, 400, "INVALID_FIELD", "request.venue"],
      [{ ...prepared.body, request: { ...prepared.body.request, venue: 2 } }, 400, "WRONG_VENUE", "request.venue"],
      [{ ...prepared.body, request: { ...prepared.body.request, account: "0x1234" } }, 400, "INVALID_FIELD", "request.account"],
      [{ ...prepared.body, request: { ...prepared.body.request, nonce: "0x12" } }, 400, "INVALID_FIELD", "request.nonce"],
      [{ ...prepared.body, request: { ...prepared.body.request, expiry: 1.5 } }, 400, "INVALID_FIELD", "request.expiry"],
      [{ ...prepared.body, request: { ...prepared.body.request, responseKey: "abc" } }, 400, "INVALID_FIELD", "request.responseKey"],
      [{ ...prepared.body, request: { ...prepared.body.request, colour: "red" } }, 400, "INVALID_FIELD", "request.colour"],
      [{ ...prepared.body, signature: "0x00" }, 400, "INVALID_FIELD", "signature"],
      [JSON.stringify({ pad: "x".repeat(4096) }), 413, "BODY_TOO_LARGE", "body"],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await postJson(url, body);
      assert.equal(r.status, status, `${field}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, code, field);
      assert.equal(r.json.error.field, field, code);
      assert.equal(typeof r.json.error.message, "string");
    }
    const big = await postJson(url, JSON.stringify({ pad: "x".repeat(4096) }));
    assert.equal(big.json.error.limit, "2048 bytes");
  });

  it("an account the venue holds nothing for gets 404 UNKNOWN_ACCOUNT", async () => {
    writeFileSync(ledger, ledgerOf({ [alice.address]: ALICE_HOLDINGS, [bob.address]: { collateral: { "1": "0" }, positions: {} } }));
    await start();
    const e = await refusal(ask(carol));
    assert.equal(e.status, 404);
    assert.equal(e.code, "UNKNOWN_ACCOUNT");
    assert.equal(e.field, "request.account");
    const z = await refusal(ask(bob)); // listed, but every amount 0: nothing to sign
    assert.equal(z.code, "UNKNOWN_ACCOUNT");
  });

  it("per-account rate limit: 429 with Retry-After; other accounts unaffected; a new window allows again", async () => {
    await start({ rateLimit: { requests: 3, windowSeconds: 60 } });
    clock = Math.floor(PARAMS_TIME_MS / 60_000) * 60_000 + 15_000; // 15 s into a window
    for (let i = 0; i < 3; i++) await ask();
    const e = await refusal(ask());
    assert.equal(e.status, 429);
    assert.equal(e.code, "RATE_LIMITED");
    assert.equal(e.retryAfter, 45);
    assert.equal(e.retryable, true);
    await ask(bob);
    clock += 45_000;
    await ask();
  });

  it("the ledger file's changes are picked up (rewritten in place and replaced by rename)", async () => {
    await start();
    assert.deepEqual((await ask(carol).catch((e) => e)).code, "UNKNOWN_ACCOUNT");
    writeFileSync(ledger, ledgerOf({ [alice.address]: ALICE_HOLDINGS, [carol.address]: { collateral: { "2": "5" } } }));
    await until(async () => (await ask(carol).then(() => true, () => false)), 5000, "carol in the ledger");
    const tmpFile = join(tmp.dir, "ledger.json.new");
    writeFileSync(tmpFile, ledgerOf({ [carol.address]: { collateral: { "2": "6" } } }));
    renameSync(tmpFile, ledger);
    await until(async () => (await ask(carol)).collateral["2"] === "6", 5000, "the renamed ledger");
    assert.equal((await ask(alice).catch((e) => e)).code, "UNKNOWN_ACCOUNT");
  });

  it("a malformed ledger update keeps the last good ledger in service and logs an error without amounts", async () => {
    await start();
    writeFileSync(ledger, '{ "0x70997970c51812dc3a010c7d01b50e20d4dc79c8": { "collateral": { "1": "12.5" } } }');
    await until(() => logs.entries().some((e) => e.event === "ledger.error"), 5000, "ledger.error");
    const err = logs.entries().find((e) => e.event === "ledger.error")!;
    assert.equal(err.level, "error");
    assert.equal(err.code, "DECIMAL_FORMAT");
    assert.ok(!JSON.stringify(err).includes("12.5"), "the amount is not logged");
    writeFileSync(ledger, "{ truncated");
    await until(() => logs.entries().filter((e) => e.event === "ledger.error").length >= 2, 5000, "second ledger.error");
    const s = await ask(alice);
    assert.equal(s.collateral["1"], "-1250000987654", "still the last good ledger");
    writeFileSync(ledger, ledgerOf({ [alice.address]: { collateral: { "1": "42" } } }));
    await until(async () => (await ask(alice)).collateral["1"] === "42", 5000, "the fixed ledger");
  });

  it("a holdings callback as the source (SDK)", async () => {
    const seen: string[] = [];
    await start({
      ledgerFile: undefined,
      holdings: async (account: string) => {
        seen.push(account);
        return account === alice.address.toLowerCase() ? ALICE_HOLDINGS : undefined;
      },
    } as Partial<VenueServiceOptions>);
    const s = await ask(alice);
    assert.equal(s.positions["1002"], "-120987654");
    assert.equal((await refusal(ask(bob))).status, 404);
    assert.deepEqual(seen, [alice.address.toLowerCase(), bob.address.toLowerCase()]);
  });

  it("logs: one JSON object per line with time, level, event, account, status, latency; never an amount", async () => {
    await start({ rateLimit: { requests: 2, windowSeconds: 60 } });
    await ask(alice);
    await ask(bob);
    await ask(alice);
    await ask(alice).catch(() => {});
    await ask(carol).catch(() => {});
    const prepared = await prepareStatementRequest({ venueId: 1, signer: bob, now: clock });
    await postJson(`${service!.url}/v1/statement`, prepared.body);
    await postJson(`${service!.url}/v1/statement`, prepared.body);
    const entries = logs.entries();
    const requests = entries.filter((e) => e.event === "request");
    assert.equal(requests.length, 7);
    for (const r of requests) {
      for (const k of ["time", "level", "event", "account", "status", "latencyMs"]) assert.ok(k in r, `${k} in ${JSON.stringify(r)}`);
    }
    assert.deepEqual(requests.map((r) => r.status), [200, 200, 200, 429, 404, 200, 409]);
    const text = logs.lines.join("");
    for (const amount of AMOUNTS) assert.ok(!text.includes(amount), `the logs contain ${amount}`);
    assert.ok(!/collateral|positions/.test(text), "no holdings fields in the logs");
  });

  it("graceful shutdown: a request in flight finishes; new connections are refused; the store is closed", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    let storeClosed = false;
    const { MemoryStore } = await import("../../src/venue/store.js");
    const store = new MemoryStore(() => clock);
    const origClose = store.close.bind(store);
    store.close = async () => {
      storeClosed = true;
      await origClose();
    };
    await start({
      ledgerFile: undefined,
      store,
      holdings: async () => {
        entered();
        await gate;
        return ALICE_HOLDINGS;
      },
    } as Partial<VenueServiceOptions>);
    const url = service!.url;
    const inFlight = ask(alice);
    await inside;
    const closing = service!.close();
    service = undefined;
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(fetch(`${url}/healthz`), "no new connections while closing");
    assert.equal(storeClosed, false, "the store stays open while a request is in flight");
    release();
    const s = await inFlight;
    assert.equal(s.account, alice.address.toLowerCase());
    await closing;
    assert.equal(storeClosed, true);
    const events = logs.entries().map((e) => e.event);
    assert.ok(events.indexOf("shutdown.start") < events.lastIndexOf("request"));
    assert.equal(events.at(-1), "shutdown.done");
  });

  it("a key file readable by others (0644) is refused at start with the chmod fix; 0600 starts", async () => {
    const keyFile = join(tmp.dir, "venue.key.json");
    writeFileSync(keyFile, JSON.stringify({ zkmarginVenueKey: 1, privateKey: EXAMPLE_VENUE_KEY, publicKey: statementPublicKey(EXAMPLE_VENUE_KEY) }));
    chmodSync(keyFile, 0o644);
    await assert.rejects(start({ privateKey: undefined, keyFile } as Partial<VenueServiceOptions>), (e: Error) => {
      assert.match(e.message, /mode 0644/);
      assert.match(e.message, /chmod 600/);
      return true;
    });
    service = undefined;
    chmodSync(keyFile, 0o600);
    await start({ privateKey: undefined, keyFile } as Partial<VenueServiceOptions>);
    assert.equal((await ask()).venue, 1);
  });
});
