import { strict as assert } from "node:assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseRiskParams } from "../../src/params/parse.js";
import { statementPublicKey } from "../../src/statements/keys.js";
import { verifyStatement } from "../../src/statements/verify.js";
import { isoOf } from "../../src/statements/time.js";
import { prepareStatementRequest, requestStatement, VenueServiceError } from "../../src/venue/client.js";
import { repoFile } from "../helpers.js";
import { ALICE_HOLDINGS, AMOUNTS, EXAMPLE_VENUE_KEY, alice, carol, ledgerOf, postJson, redisAvailable, startRedis, tempDir } from "./helpers.js";

// `zkmargin venue serve` as real processes (bin/zkmargin.js -> dist/: `npm test` builds it first).
const BIN = repoFile("bin/zkmargin.js");
/** Every service process's pid seen in a listening line (cluster workers too): killed after each test if still alive. */
const pids: number[] = [];

interface Served {
  child: ChildProcess;
  url: string;
  lines: string[];
  exited: Promise<number | null>;
}

/** Start `zkmargin venue serve ...`; resolves once a "listening" line names the URL. */
function serve(args: string[], opts: { listening?: number } = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "venue", "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
  const lines: string[] = [];
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buf = "";
    let urls: string[] = [];
    const timer = setTimeout(() => reject(new Error(`no listening line within 20 s: ${stderr}`)), 20_000);
    child.stdout!.on("data", (d) => {
      buf += String(d);
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        const e = JSON.parse(l) as { event: string; url?: string };
        if (e.event === "listening") {
          urls.push(e.url!);
          pids.push((e as { pid?: number }).pid!);
        }
        if (urls.length === (opts.listening ?? 1)) {
          clearTimeout(timer);
          resolve({ child, url: urls[0]!, lines, exited });
        }
      }
    });
    child.stderr!.on("data", (d) => (stderr += String(d)));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening: ${stderr}`));
    });
  });
}

describe("zkmargin venue serve (real processes)", function () {
  this.timeout(90_000);
  let tmp: ReturnType<typeof tempDir>;
  let keyFile: string;
  let ledger: string;
  const running: ChildProcess[] = [];

  beforeEach(() => {
    tmp = tempDir("zkm-venue-cli-");
    keyFile = join(tmp.dir, "venue.key.json");
    writeFileSync(keyFile, JSON.stringify({ zkmarginVenueKey: 1, privateKey: EXAMPLE_VENUE_KEY, publicKey: statementPublicKey(EXAMPLE_VENUE_KEY) }), { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    ledger = join(tmp.dir, "ledger.json");
    writeFileSync(ledger, ledgerOf({ [alice.address]: ALICE_HOLDINGS }));
  });
  afterEach(() => {
    for (const c of running.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
    for (const pid of pids.splice(0)) {
      try {
        // only if that pid is still one of ours (not reused by another process)
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(tmp.dir)) process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    tmp.cleanup();
  });

  it("serves a statement the SDK verifies (venue id found from --params), logs no amounts, and stops on SIGTERM with exit 0", async () => {
    // The example parameters, re-dated to now so that a statement as of now is fresh under them.
    const paramsJson = JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8"));
    const s = await serve(["--key", keyFile, "--ledger", ledger, "--params", repoFile("examples/params.json")]);
    running.push(s.child);
    const statement = await requestStatement({ url: s.url, venueId: 1, signer: alice });
    paramsJson.asOf = isoOf(BigInt(statement.asOf));
    const v = verifyStatement(statement, parseRiskParams(paramsJson), { account: alice.address });
    assert.equal(v.venue.name, "Example Exchange");
    await assert.rejects(requestStatement({ url: s.url, venueId: 1, signer: carol }), (e: VenueServiceError) => e.status === 404);
    s.child.kill("SIGTERM");
    assert.equal(await s.exited, 0);
    const events = s.lines.map((l) => JSON.parse(l).event);
    assert.deepEqual(events.slice(-2), ["shutdown.start", "shutdown.done"]);
    const text = s.lines.join("\n");
    for (const amount of AMOUNTS) assert.ok(!text.includes(amount), `the logs contain ${amount}`);
  });

  it("refuses to start with a key file others can read (0644), saying chmod 600; exit 2", () => {
    chmodSync(keyFile, 0o644);
    const r = spawnSync(process.execPath, [BIN, "venue", "serve", "--key", keyFile, "--ledger", ledger, "--venue-id", "1", "--port", "0"], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /mode 0644/);
    assert.match(r.stderr, /chmod 600/);
    const j = spawnSync(process.execPath, [BIN, "venue", "serve", "--key", keyFile, "--ledger", ledger, "--venue-id", "1", "--json"], { encoding: "utf8" });
    assert.equal(JSON.parse(j.stderr.trim().split("\n").at(-1)!).error.path, "--key");
  });

  it("refuses --workers 2 without --redis, and a malformed ledger at start (exit 2)", () => {
    const w = spawnSync(process.execPath, [BIN, "venue", "serve", "--key", keyFile, "--ledger", ledger, "--venue-id", "1", "--workers", "2"], { encoding: "utf8" });
    assert.equal(w.status, 2);
    assert.match(w.stderr, /shared store \(--redis/);
    writeFileSync(ledger, "{");
    const l = spawnSync(process.execPath, [BIN, "venue", "serve", "--key", keyFile, "--ledger", ledger, "--venue-id", "1", "--port", "0"], { encoding: "utf8" });
    assert.equal(l.status, 2, l.stderr);
    assert.match(l.stderr, /ledger/);
  });

  describe("with a real redis-server", () => {
    let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
    before(async function () {
      if (!redisAvailable()) {
        process.stderr.write("    (skipped: redis-server is not installed; `apt-get install -y redis-server` runs these tests)\n");
        this.skip();
      }
      redis = await startRedis();
    });
    after(async () => redis?.stop());

    it("two separate processes sharing redis: a request served by one is refused as a replay by the other", async () => {
      const one = await serve(["--key", keyFile, "--ledger", ledger, "--venue-id", "1", "--redis", redis!.url]);
      running.push(one.child);
      const two = await serve(["--key", keyFile, "--ledger", ledger, "--venue-id", "1", "--redis", redis!.url]);
      running.push(two.child);
      const prepared = await prepareStatementRequest({ venueId: 1, signer: alice });
      assert.equal((await postJson(`${one.url}/v1/statement`, prepared.body)).status, 200);
      const replay = await postJson(`${two.url}/v1/statement`, prepared.body);
      assert.equal(replay.status, 409);
      assert.equal(replay.json.error.code, "NONCE_REUSED");
      one.child.kill("SIGTERM");
      two.child.kill("SIGTERM");
      assert.deepEqual([await one.exited, await two.exited], [0, 0]);
    });

    it("--workers 2 (node:cluster) on one port: both workers serve; SIGTERM stops them all (exit 0)", async () => {
      const s = await serve(["--key", keyFile, "--ledger", ledger, "--venue-id", "1", "--redis", redis!.url, "--workers", "2", "--rate-limit", "off"], { listening: 2 });
      running.push(s.child);
      const ports = new Set(s.lines.map((l) => JSON.parse(l)).filter((e) => e.event === "listening").map((e) => e.url));
      assert.equal(ports.size, 1, "one address");
      const results = await Promise.all(Array.from({ length: 8 }, () => requestStatement({ url: s.url, venueId: 1, signer: alice })));
      assert.equal(results.length, 8);
      s.child.kill("SIGTERM");
      assert.equal(await s.exited, 0);
      await new Promise((r) => setTimeout(r, 200));
      const events = s.lines.map((l) => JSON.parse(l).event);
      assert.equal(events.filter((e) => e === "shutdown.done").length, 2);
      assert.equal(events.at(-1), "primary.stopped");
    });
  });
});
