import { strict as assert } from "node:assert";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Contract, JsonRpcProvider, Wallet, encryptKeystoreJsonSync } from "ethers";
import { computeMargin } from "../../src/engine/margin.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { signStatement } from "../../src/statements/index.js";
import { portfolioFromStatements } from "../../src/statements/portfolio.js";
import { devWallets } from "../../src/chain/edr.js";
import { attestationsAt, liquidateAccount, poolAbis, poolAccountOf, poolAt, tokenAt, type Deployment, type PoolArtifacts } from "../../src/chain/pool.js";
import { prepareStatementRequest } from "../../src/venue/client.js";
import { fixtureJson } from "../helpers.js";
import { tmp, webhookServer, writeJson } from "../agent/fixture.js";
import { type Proc, stop, stopAll, waitForJson, zk } from "./processes.js";

// The whole system as separate processes on 127.0.0.1, as an operator runs it: a `zkmargin chain
// node`, the pool deployed and each epoch's parameters posted with `zkmargin chain deploy` /
// `chain post-params --uri` (the risk oracle), two `zkmargin venue serve` processes with their own
// 0600 key files (`venue keygen`) and ledger files, and a long-running `zkmargin agent` proving from
// the venues' statements (verified mode) with an encrypted keystore. Chain time is accelerated
// (evm_increaseTime / evm_mine): epochs are 6 h of chain time apart; the grace period (8 h) is longer
// than an epoch, so one missed epoch does not lapse the attestation.
//
// Clocks. Only the chain's clock is accelerated. Every off-chain clock is the wall clock: venues date
// their statements (and check request expiries) by it, and the oracle dates each epoch's parameters
// (`asOf`) by it when it posts them, so a statement is fresh (|statement.asOf - params.asOf| <=
// maxStatementAge) exactly as in a real deployment. The on-chain windows (validUntil, grace period,
// attestation TTL) are in chain time: validUntil is set from the chain's clock at posting (the
// registry requires it after both asOf and the block time). In a deployment the two clocks agree and
// the same commands work unchanged. Nothing in the contracts ties a root's asOf to block time.
describe("end to end: chain node, two venue services and the agent as real processes", function () {
  this.timeout(900_000);
  const EPOCH = 6 * 3600;
  const GRACE = 8 * 3600;
  const dir = tmp("zkm-e2e-");
  const deploymentFile = join(dir, "deployment.json");
  const configFile = join(dir, "agent.json");
  const ledger = (v: number) => join(dir, `venue${v}-ledger.json`);
  const keyFile = (v: number) => join(dir, `venue${v}.key.json`);
  const logFile = (name: string) => join(dir, `${name}.log`);

  let node: Proc;
  let rpc: string;
  let provider: JsonRpcProvider;
  let artifacts: PoolArtifacts;
  let d: Deployment;
  let owner: Wallet, trader: Wallet;
  let attestations: Contract;
  let hook: Awaited<ReturnType<typeof webhookServer>>;
  const venues: Record<number, { proc: Proc; url: string; port: number }> = {};
  let agent: Proc;
  let creditLimit: bigint;
  let epoch = 0;

  const HOLDINGS: Record<number, { collateral: Record<string, string>; positions: Record<string, string> }> = {
    1: { collateral: { "1": "4000000000", "2": "1000000000000000000" }, positions: { "1001": "50000", "2001": "-10000" } },
    2: { collateral: { "1": "6000000000", "2": "2000000000000000000" }, positions: {} },
  };
  /** Venue 1's book after the trader sold many more calls: fails margin. */
  const FAILING_VENUE1 = { collateral: { "1": "4000000000" }, positions: { "2001": "-5000000" } };

  const cli = async (args: string[], what: string): Promise<string> => {
    const p = zk(what, args);
    const r = await p.exited;
    assert.equal(r.code, 0, `${what} failed (${r.signal ?? r.code}):\n${p.tail()}`);
    return p.out.join("\n");
  };
  const chainNow = async () => (await provider.getBlock("latest"))!.timestamp;
  const advance = async (s: number) => {
    await provider.send("evm_increaseTime", [s]);
    await provider.send("evm_mine", []);
  };
  const healthy = async (bps = 12500) => (await attestations.getFunction("isHealthy")(trader.address, bps)) as boolean;
  async function recordedByEpoch(): Promise<Map<number, string[]>> {
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(trader.address));
    const m = new Map<number, string[]>();
    for (const l of logs as unknown as Array<{ args: { epoch: bigint }; transactionHash: string }>) {
      const e = Number(l.args.epoch);
      m.set(e, [...(m.get(e) ?? []), l.transactionHash]);
    }
    return m;
  }
  /** The fixture parameters listing both venues' keys, as epoch `e`, dated by the wall clock. */
  function paramsJson(e: number): any {
    const j = fixtureJson("params-small.json");
    const pub = (v: number) => JSON.parse(readFileSync(keyFile(v), "utf8")).publicKey;
    j.epoch = e;
    j.asOf = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
    delete j.validUntil;
    j.venues = [
      { id: 1, name: "E2E Exchange", publicKey: pub(1) },
      { id: 2, name: "E2E Custodian", publicKey: pub(2) },
    ];
    return j;
  }
  /** The oracle: write epoch `e`'s parameters and post them with their file:// URI (`chain post-params --uri`). */
  async function postEpoch(e: number): Promise<void> {
    const file = join(dir, `params-${e}.json`);
    writeJson(file, paramsJson(e));
    const validUntil = (await chainNow()) + 7 * 86400;
    const out = await cli(["chain", "post-params", file, "--uri", pathToFileURL(file).href, "--valid-until", String(validUntil), "--rpc", rpc, "--deployment", deploymentFile], `post-params ${e}`);
    assert.match(out, new RegExp(`posted epoch ${e} root 0x[0-9a-f]{64}`));
    epoch = e;
  }
  async function startVenue(v: number, port = 0): Promise<void> {
    const proc = zk(`venue${v}`, ["venue", "serve", "--key", keyFile(v), "--ledger", ledger(v), "--venue-id", String(v), "--host", "127.0.0.1", "--port", String(port), "--ledger-poll", "100"], {
      logFile: logFile(`venue${v}`),
    });
    const l = await waitForJson(proc, { event: "listening" }, { timeoutMs: 30_000 });
    venues[v] = { proc, url: l.url, port: Number(new URL(l.url).port) };
  }
  function startAgent(env: Record<string, string> = {}): Proc {
    agent = zk("agent", ["agent", "--config", configFile], { env: { E2E_TRADER_PASSWORD: "e2e password", ...env }, logFile: logFile("agent") });
    return agent;
  }
  /** Wait for the agent's `confirmed` line for epoch `e` (from line `from` of its log). */
  const confirmed = (e: number, from = 0, timeoutMs = 180_000) => waitForJson(agent, { event: "confirmed", epoch: e }, { stream: "err", from, timeoutMs });

  before(async () => {
    node = zk("node", ["chain", "node", "--port", "0", "--host", "127.0.0.1"], { logFile: logFile("node") });
    const line = await node.waitFor((l) => /^listening http:\/\/127\.0\.0\.1:\d+/.test(l), { timeoutMs: 30_000, what: "the listening line" });
    rpc = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;
    provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
    [owner, , trader] = devWallets(provider) as [Wallet, Wallet, Wallet];

    // the pool: verifiers of the small and small-verified dev setups (made by the global setup)
    await cli(["chain", "deploy", "--config", "small", "--verified-config", "small-verified", "--grace-period", String(GRACE), "--ttl", "86400", "--rpc", rpc, "--deployment", deploymentFile], "deploy");
    d = JSON.parse(readFileSync(deploymentFile, "utf8"));
    artifacts = await poolAbis();
    attestations = attestationsAt(d, artifacts, provider);

    // the venues: their own keys (0600) and ledgers
    for (const v of [1, 2]) {
      await cli(["venue", "keygen", "-o", keyFile(v), "--json"], `keygen ${v}`);
      assert.equal(statSync(keyFile(v)).mode & 0o777, 0o600);
      writeFileSync(ledger(v), `${JSON.stringify({ [trader.address]: HOLDINGS[v] }, null, 2)}\n`);
    }

    // the trader: half the largest credit limit the two statements support at 1.25x, whole dollars
    const params = parseRiskParams(paramsJson(1));
    const asOf = Math.floor(Date.now() / 1000);
    const sts = [1, 2].map((v) => signStatement({ venueId: v, account: trader.address, asOf, privateKey: JSON.parse(readFileSync(keyFile(v), "utf8")).privateKey, holdings: HOLDINGS[v]! }));
    const m = computeMargin(params, portfolioFromStatements(sts, params, { account: trader.address }).portfolio, 12500, 0n);
    creditLimit = (m.adjustedCollateralE30 - 12500n * m.requirementE26) / (12500n * 10n ** 24n) / 200n;
    assert.ok(creditLimit > 100n, `credit limit ${creditLimit}`);
    const failing = [signStatement({ venueId: 1, account: trader.address, asOf, privateKey: JSON.parse(readFileSync(keyFile(1), "utf8")).privateKey, holdings: FAILING_VENUE1 }), sts[1]!];
    const mf = computeMargin(params, portfolioFromStatements(failing, params, { account: trader.address }).portfolio, 10000, creditLimit * 100n);
    assert.equal(mf.ok, false, "the changed book fails margin even at 1x");

    writeFileSync(join(dir, "trader.keystore.json"), encryptKeystoreJsonSync({ address: trader.address, privateKey: trader.privateKey }, "e2e password", { scrypt: { N: 1024 } }));
    hook = await webhookServer();
    await startVenue(1);
    await startVenue(2);
    writeJson(configFile, {
      rpcUrl: rpc,
      deployment: "deployment.json",
      mode: "verified",
      params: { posted: true },
      statements: [
        { venueId: 1, url: venues[1]!.url },
        { venueId: 2, url: venues[2]!.url },
      ],
      healthBps: 12500,
      creditLimit: creditLimit.toString(),
      key: { keystore: "trader.keystore.json", passwordEnv: "E2E_TRADER_PASSWORD" },
      stateDir: "agent-state",
      warnHeadroomBps: 0,
      webhookUrl: hook.url,
      metricsPort: 0,
      pollIntervalSeconds: 0.5,
      retry: { attempts: 3, initialDelayMs: 100, maxDelayMs: 400 },
    });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") process.stderr.write(`    (the processes' logs and files are in ${dir}: node.log, venue1.log, venue2.log, agent.log)\n`);
  });
  after(async function () {
    this.timeout(60_000);
    provider?.destroy();
    await stopAll();
    await hook?.close();
  });

  it("(a) over epochs 1-2 the agent proves from both venues and submits once per epoch; metrics follow", async () => {
    startAgent();
    await waitForJson(agent, { event: "start" }, { stream: "err", timeoutMs: 60_000 });
    const idle = await waitForJson(agent, { event: "pass", action: "no-params" }, { stream: "err" });
    assert.equal(idle.epoch, null);
    for (const e of [1, 2]) {
      if (e > 1) {
        await advance(EPOCH);
        assert.equal(await healthy(), true, `healthy ${EPOCH} s into epoch ${e - 1}`);
      }
      const from = agent.err.length;
      await postEpoch(e);
      const c = await confirmed(e, from);
      assert.ok(c.expiresAt > (await chainNow()));
      assert.equal(await healthy(), true);
    }
    const rec = await recordedByEpoch();
    assert.deepEqual([...rec.keys()], [1, 2]);
    for (const hashes of rec.values()) assert.equal(hashes.length, 1);
    const [a] = (await attestations.getFunction("attestationOf")(trader.address)) as [{ epoch: bigint }];
    assert.equal(Number(a.epoch), 2);
    const m = agent.json("err").find((r) => r.event === "metrics");
    assert.ok(m, agent.tail());
    const text = await (await fetch(m.url)).text();
    assert.match(text, /^zkmargin_agent_epoch 2$/m);
    assert.match(text, /^zkmargin_agent_last_submission_epoch 2$/m);
    assert.match(new URL(m.url).hostname, /^127\.0\.0\.1$/);
  });

  it("(e) a replayed statement request is refused by the venue process; its logs hold no amounts", async () => {
    const prepared = await prepareStatementRequest({ venueId: 1, signer: trader });
    const post = async () => {
      const res = await fetch(`${venues[1]!.url}/v1/statement`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(prepared.body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    const first = await post();
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const replay = await post();
    assert.equal(replay.status, 409);
    assert.equal(replay.json.error.code, "NONCE_REUSED");
    const logs = venues[1]!.proc.out.join("\n");
    for (const amount of ["4000000000", "1000000000000000000", "50000", "10000"]) assert.ok(!logs.includes(`"${amount}"`), `venue 1's log quotes ${amount}`);
  });

  it("(b) venue 2 down for epoch 3: the agent retries, warns (webhook, with the lapse time), the attestation stays valid; restarted in epoch 4: recovered", async () => {
    await advance(EPOCH);
    const { port } = venues[2]!;
    venues[2]!.proc.child.kill("SIGKILL");
    await venues[2]!.proc.exited;
    hook.bodies.length = 0;
    const from = agent.err.length;
    await postEpoch(3);
    await waitForJson(agent, { event: "retry", kind: "venue" }, { stream: "err", from });
    const fail = await waitForJson(agent, { event: "pass", action: "failed", epoch: 3 }, { stream: "err", from });
    assert.match(fail.msg, /venue 2's statement/);
    assert.match(fail.msg, /failed after 3 tries/);
    assert.match(fail.msg, /the attestation \(epoch 2\) lapses at/);
    const t0 = Date.now();
    while (!hook.bodies.some((b) => b.event === "failure") && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    const w = hook.bodies.find((b) => b.event === "failure");
    assert.ok(w, JSON.stringify(hook.bodies));
    assert.equal(w.kind, "venue");
    assert.equal(w.epoch, 3);
    assert.equal(w.account, trader.address);
    assert.equal(typeof w.lapsesAt, "number");
    assert.ok(w.lapsesAt <= (await chainNow()) + GRACE + 5, "lapses at the end of epoch 2's grace period");
    // it keeps trying, and says it once per epoch to the webhook
    await waitForJson(agent, { event: "pass", action: "failed", epoch: 3 }, { stream: "err", from: agent.err.length });
    assert.equal(hook.bodies.filter((b) => b.event === "failure").length, 1);
    assert.equal((await recordedByEpoch()).get(3), undefined, "nothing submitted for epoch 3");

    // next epoch: still attested (epoch 2, inside its grace period); epoch 4 fails too until venue 2
    // is restarted on its address, then the agent recovers (epoch 3 is never submitted)
    await advance(EPOCH);
    assert.equal(await healthy(), true, "the epoch 2 attestation is still valid a whole epoch later");
    const from4 = agent.err.length;
    await postEpoch(4);
    await waitForJson(agent, { event: "pass", action: "failed", epoch: 4 }, { stream: "err", from: from4 });
    assert.equal(await healthy(), true);
    await startVenue(2, port);
    await confirmed(4, from4);
    assert.equal(await healthy(), true);
    const rec = await recordedByEpoch();
    assert.equal(rec.get(4)?.length, 1);
    assert.equal(rec.get(3), undefined);
  });

  it("(c) the agent killed mid-submission (signed, not sent) in epoch 5 and restarted: the same transaction lands, exactly one submission", async () => {
    assert.equal((await stop(agent)).code, 0, "SIGTERM: exit 0");
    await advance(EPOCH);
    await postEpoch(5);
    const crashed = startAgent({ ZKMARGIN_AGENT_CRASH_AT: "after-intent" });
    const r = await crashed.exited;
    assert.equal(r.signal, "SIGKILL", `the agent should have killed itself after recording its intent:\n${crashed.tail()}`);
    const state = JSON.parse(readFileSync(join(dir, "agent-state", "state.json"), "utf8"));
    const open = state.epochs["5"].rounds.at(-1);
    assert.equal(open.phase, "submitting");
    assert.equal(await provider.getTransaction(open.tx.hash), null, "recorded, not sent");
    assert.equal((await recordedByEpoch()).get(5), undefined);
    assert.equal(await healthy(), true, "epoch 4's attestation still holds meanwhile");
    startAgent();
    await waitForJson(agent, { event: "resume", epoch: 5 }, { stream: "err" });
    await confirmed(5);
    // a few passes later: still exactly one
    await waitForJson(agent, { event: "pass", action: "up-to-date", epoch: 5 }, { stream: "err" });
    const hashes = (await recordedByEpoch()).get(5)!;
    assert.deepEqual(hashes, [open.tx.hash], "the recorded transaction itself, re-sent, never re-signed");
    assert.equal(await healthy(), true);
  });

  it("(d) the book changed so that it fails margin: the agent warns, submits nothing, the attestation lapses after grace, and the pool liquidates", async () => {
    // the trader borrows against the attested credit limit (CLI, the trader's dev account)
    const borrowed = creditLimit / 2n;
    await cli(["chain", "borrow", borrowed.toString(), "--rpc", rpc, "--deployment", deploymentFile], "borrow");
    const pool = poolAt(d, artifacts, owner);
    const token = tokenAt(d, artifacts, owner);
    assert.equal((await poolAccountOf(pool, token, trader.address)).liquidatable, false);

    // venue 1's ledger now holds a book that fails margin; the service re-reads it
    const from = venues[1]!.proc.out.length;
    writeFileSync(ledger(1), `${JSON.stringify({ [trader.address]: FAILING_VENUE1 }, null, 2)}\n`);
    await waitForJson(venues[1]!.proc, { event: "ledger.loaded" }, { from });
    hook.bodies.length = 0;
    await advance(EPOCH);
    const fromAgent = agent.err.length;
    await postEpoch(6);
    const short = await waitForJson(agent, { event: "pass", action: "shortfall", epoch: 6 }, { stream: "err", from: fromAgent });
    assert.match(short.msg, /does not meet 12500 bps/);
    assert.match(short.msg, /the attestation \(epoch 5\) lapses at/);
    const t0 = Date.now();
    while (!hook.bodies.some((b) => b.event === "shortfall") && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    const w = hook.bodies.find((b) => b.event === "shortfall");
    assert.ok(w, JSON.stringify(hook.bodies));
    assert.equal(w.epoch, 6);
    assert.equal(w.lapsesAt, short.lapsesAt);
    assert.ok(agent.json("err").slice(fromAgent).every((r) => r.event !== "proved" && r.event !== "submitting"), "nothing proven or sent for epoch 6");
    assert.equal(await healthy(), true, "still inside epoch 5's grace period");

    // past the grace period: lapsed; the agent still submits nothing; the pool liquidates
    await advance(GRACE + 60);
    assert.equal(await healthy(10000), false, "lapsed after the grace period");
    const fromLapsed = agent.err.length;
    // (a pass that read the chain before the jump may still report the old lapse time: the next one says it lapsed)
    const lapsed = await waitForJson(agent, { event: "pass", action: "shortfall", epoch: 6, lapsesAt: null }, { stream: "err", from: fromLapsed });
    assert.match(lapsed.msg, /lapsed at/);
    assert.equal((await recordedByEpoch()).get(6), undefined, "nothing false submitted");
    assert.equal(hook.bodies.filter((b) => b.event === "shortfall").length, 1, "warned once for the epoch");

    const account = await poolAccountOf(pool, token, trader.address);
    assert.equal(account.liquidatable, true);
    await (await token.getFunction("mint")(owner.address, BigInt(account.debt))).wait();
    const liq = await liquidateAccount(pool, token, trader.address);
    assert.equal(liq.debt, borrowed * 10n ** 6n);
    const after = await poolAccountOf(pool, token, trader.address);
    assert.equal(BigInt(after.debt), 0n);
    assert.equal(BigInt(after.claims), borrowed * 10n ** 6n);
    const byEpoch = await recordedByEpoch();
    assert.deepEqual([...byEpoch.entries()].map(([e, h]) => [e, h.length]), [1, 2, 4, 5].map((e) => [e, 1]), "one submission per epoch proven; none for 3 (venue down) or 6 (shortfall)");
  });

  it("every process stops on SIGTERM with exit 0", async () => {
    const r = await Promise.all([stop(agent), stop(venues[1]!.proc), stop(venues[2]!.proc), stop(node)]);
    assert.deepEqual(
      r.map((x) => x.code),
      [0, 0, 0, 0],
    );
  });
});
