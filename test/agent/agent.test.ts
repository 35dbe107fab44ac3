import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Contract, Wallet } from "ethers";
import { getConfig } from "../../src/config/circuits.js";
import { computeMargin } from "../../src/engine/margin.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { signStatement } from "../../src/statements/index.js";
import { createEmbeddedChain, devWallets, ethersProviderFor, type EmbeddedChain, type Eip1193JsonRpcProvider } from "../../src/chain/edr.js";
import { attestationsAt, compilePoolContracts, deployPool, postParams, registryAt, type Deployment, type PoolArtifacts } from "../../src/chain/pool.js";
import { releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { parseAgentConfig, runAgent, agentStatus, newMetrics, renderMetrics, type PassResult, type LogRecord } from "../../src/agent/index.js";
import { startVenueService, type VenueService } from "../../src/venue/index.js";
import { FAILING_BOOK, GOOD_BOOK, VENUE1_KEY, VENUE2_KEY, epochClock, paramsForEpoch, tmp, webhookServer, writeJson } from "./fixture.js";

// The prover agent through the SDK against the pool's contracts on an in-process EVM, with real
// proofs (small and small-verified dev setups), over several epochs in accelerated chain time.
describe("agent: keeps the attestation alive over epochs (in-process chain, SDK)", function () {
  this.timeout(1_800_000);
  let setup: SetupArtifacts, vsetup: SetupArtifacts;
  let chain: EmbeddedChain;
  let provider: Eip1193JsonRpcProvider;
  let artifacts: PoolArtifacts;
  let d: Deployment;
  let owner: Wallet, oracle: Wallet, trader: Wallet;
  let registry: Contract, attestations: Contract;
  let dir: string;
  let hook: Awaited<ReturnType<typeof webhookServer>>;
  let limitUsd: string;
  const logs: LogRecord[] = [];
  const log = (r: LogRecord) => logs.push(r);

  const { now, advance, post } = epochClock(() => ({ provider, registry, dir }));
  /** AttestationRecorded events of the trader, by epoch. */
  async function recordedByEpoch(): Promise<Map<number, number>> {
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(trader.address));
    const m = new Map<number, number>();
    for (const l of logs as unknown as Array<{ args: { epoch: bigint } }>) m.set(Number(l.args.epoch), (m.get(Number(l.args.epoch)) ?? 0) + 1);
    return m;
  }
  const configJson = (over: Record<string, unknown> = {}) => ({
    rpcUrl: "http://127.0.0.1:1", // unused: the SDK is given the in-process provider
    deployment: join(dir, "deployment.json"),
    mode: "self-declared",
    params: { file: join(dir, "params.json") },
    portfolio: join(dir, "book.json"),
    healthBps: 12500,
    creditLimit: limitUsd,
    key: { privateKey: trader.privateKey },
    stateDir: join(dir, "state"),
    warnHeadroomBps: 0,
    webhookUrl: hook.url,
    refreshBeforeSeconds: 1800,
    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
    ...over,
  });
  const once = async (over: Record<string, unknown> = {}): Promise<PassResult> => (await runAgent(parseAgentConfig(configJson(over)), { once: true, provider, log }))!;

  before(async () => {
    setup = await setupCircuit(getConfig("small"));
    vsetup = await setupCircuit(getConfig("small-verified"));
    artifacts = await compilePoolContracts(readFileSync(setup.verifierSol, "utf8"), readFileSync(vsetup.verifierSol, "utf8"));
    chain = await createEmbeddedChain({ chainId: 31337 });
    provider = ethersProviderFor(chain);
    [owner, oracle, trader] = devWallets(provider) as [Wallet, Wallet, Wallet];
    d = await deployPool({
      signer: owner,
      artifacts,
      oracle: oracle.address,
      config: "small",
      circuitHash: setup.record.circuitHash,
      insecure: true,
      verified: { config: "small-verified", circuitHash: vsetup.record.circuitHash, insecure: true },
      policy: { gracePeriod: 3600, attestationTtl: 86400 },
    });
    registry = registryAt(d, artifacts, oracle);
    attestations = attestationsAt(d, artifacts, provider);
    dir = tmp("zkm-agent-");
    writeJson(join(dir, "deployment.json"), d);
    writeJson(join(dir, "book.json"), GOOD_BOOK);
    hook = await webhookServer();
    // half the largest credit limit the book supports at 1.25x, in whole dollars
    const { params } = paramsForEpoch(1, await now());
    const m = computeMargin(params, parsePortfolio(GOOD_BOOK, params), 12500, 0n);
    limitUsd = ((m.adjustedCollateralE30 - 12500n * m.requirementE26) / (12500n * 10n ** 24n) / 200n).toString();
    assert.ok(BigInt(limitUsd) > 0n);
  });
  after(async () => {
    await releaseCurve();
    await hook?.close();
    provider?.destroy();
    await chain?.close();
  });

  it("proves and submits once per epoch over 5 epochs (6 h apart): the attestation never lapses", async () => {
    const before = await once();
    assert.equal(before.action, "no-params");
    for (let epoch = 1; epoch <= 5; epoch++) {
      await post(epoch);
      const r = await once();
      assert.equal(r.action, "submitted", r.message);
      assert.equal(r.attestation.epoch, epoch);
      assert.ok(r.lapsesAt !== null && r.lapsesAt > (await now()));
      assert.match(r.message, /lapses at/);
      // a second pass in the same epoch does nothing
      const again = await once();
      assert.equal(again.action, "up-to-date", again.message);
      assert.equal(((await attestations.getFunction("isHealthy")(trader.address, 12500)) as boolean), true);
      await advance(6 * 3600);
      assert.equal(((await attestations.getFunction("isHealthy")(trader.address, 12500)) as boolean), true, `healthy 6 h into epoch ${epoch}`);
    }
    const byEpoch = await recordedByEpoch();
    assert.deepEqual([...byEpoch.entries()].sort(), [1, 2, 3, 4, 5].map((e) => [e, 1]));
    const st = await agentStatus(parseAgentConfig(configJson()), { provider });
    assert.ok(st.state);
    assert.ok(st.chain.reachable);
    assert.equal(st.chain.reachable && st.chain.attestation.epoch, 5);
    for (let e = 1; e <= 5; e++) assert.equal(st.state.epochs[String(e)]!.rounds.at(-1)!.phase, "confirmed");
    assert.equal(st.openRound, null);
  });

  it("refreshes an attestation about to lapse (TTL) under the same epoch only when that extends it", async () => {
    // epoch 5's attestation (TTL 1 day) was recorded 6 h ago; move to 10 min before it lapses
    const a0 = (await once()).attestation;
    await advance(a0.expiresAt - (await now()) - 600);
    const r = await once();
    assert.equal(r.action, "submitted", r.message);
    assert.equal(r.round?.trigger, "refresh");
    assert.ok(r.attestation.expiresAt > a0.expiresAt);
    assert.equal((await recordedByEpoch()).get(5), 2);
    assert.equal((await once()).action, "up-to-date");
  });

  it("warns (log line and webhook) when the headroom is below the configured level, and still proves", async () => {
    hook.bodies.length = 0;
    await advance(3600);
    await post(6);
    const r = await once({ warnHeadroomBps: 1_000_000 });
    assert.equal(r.action, "submitted", r.message);
    const w = hook.bodies.find((b) => b.event === "headroom-low");
    assert.ok(w, JSON.stringify(hook.bodies));
    assert.equal(w.epoch, 6);
    assert.equal(w.account, trader.address);
    assert.equal(typeof w.actualHealthBps, "number");
    assert.equal(w.maintenanceHealthBps, 10000);
    assert.equal(w.borrowHealthBps, 12500);
    assert.ok(logs.some((l) => l.event === "headroom-low" && l.level === "warn"));
    // once per epoch: the next pass does not post it again
    await once({ warnHeadroomBps: 1_000_000 });
    assert.equal(hook.bodies.filter((b) => b.event === "headroom-low").length, 1);
  });

  it("a book that fails margin: warns (webhook), submits nothing, says when the attestation lapses; it lapses after grace", async () => {
    hook.bodies.length = 0;
    writeJson(join(dir, "book.json"), FAILING_BOOK);
    const prev = (await once()).attestation; // epoch 6's, still live
    await advance(3600);
    await post(7);
    const r = await once();
    assert.equal(r.action, "shortfall", r.message);
    assert.match(r.message, /does not meet 12500 bps/);
    assert.match(r.message, /lapses at/);
    assert.ok(r.lapsesAt !== null && r.lapsesAt <= (await now()) + 3600 + 5, "the old epoch's attestation lapses at the end of its grace period");
    const w = hook.bodies.find((b) => b.event === "shortfall");
    assert.ok(w, JSON.stringify(hook.bodies));
    assert.equal(w.epoch, 7);
    assert.equal(w.lapsesAt, r.lapsesAt);
    assert.equal((await recordedByEpoch()).get(7), undefined, "nothing submitted for epoch 7");
    assert.equal(prev.epoch, 6);
    // still failing on the next pass: nothing submitted, the webhook not repeated
    assert.equal((await once()).action, "shortfall");
    assert.equal(hook.bodies.filter((b) => b.event === "shortfall").length, 1);
    await advance(3600 + 60);
    assert.equal(((await attestations.getFunction("isHealthy")(trader.address, 10000)) as boolean), false, "lapsed after the grace period");
    const after = await once();
    assert.equal(after.lapsesAt, null);
    assert.match(after.message, /lapsed at/);
    // the book is fixed: the next pass proves epoch 7 again
    writeJson(join(dir, "book.json"), GOOD_BOOK);
    const fixed = await once();
    assert.equal(fixed.action, "submitted", fixed.message);
    assert.equal(fixed.attestation.epoch, 7);
  });

  it("verified mode from two venues' statement files: one verified attestation per epoch", async () => {
    const stateDir = join(dir, "state-verified");
    const sign = (asOf: number) => {
      writeJson(
        join(dir, "venue1.json"),
        signStatement({ venueId: 1, account: trader.address, asOf, privateKey: VENUE1_KEY, holdings: { collateral: { "1": "4000000000", "2": "1000000000000000000" }, positions: { "1001": "50000", "2001": "-10000" } } }),
      );
      writeJson(join(dir, "venue2.json"), signStatement({ venueId: 2, account: trader.address, asOf, privateKey: VENUE2_KEY, holdings: { collateral: { "1": "6000000000", "2": "2000000000000000000" }, positions: {} } }));
    };
    const cfg = {
      mode: "verified",
      portfolio: undefined,
      statements: [
        { venueId: 1, file: join(dir, "venue1.json") },
        { venueId: 2, file: join(dir, "venue2.json") },
      ],
      creditLimit: "100",
      stateDir,
    };
    for (const epoch of [8, 9]) {
      await advance(3600);
      const { asOf } = await post(epoch);
      sign(asOf - 60);
      const r = await once(cfg);
      assert.equal(r.action, "submitted", r.message);
      assert.equal(r.attestation.verified, true);
      assert.equal(r.attestation.epoch, epoch);
      assert.equal(r.round?.config, "small-verified");
      assert.equal((await once(cfg)).action, "up-to-date");
    }
    const byEpoch = await recordedByEpoch();
    assert.equal(byEpoch.get(8), 1);
    assert.equal(byEpoch.get(9), 1);
  });

  it("verified mode from two venue statement services; a venue down for a pass: retried, reported with the lapse time, then recovered", async () => {
    const stateDir = join(dir, "state-venues");
    const holdings: Record<number, { collateral: Record<string, string>; positions: Record<string, string> }> = {
      1: { collateral: { "1": "4000000000", "2": "1000000000000000000" }, positions: { "1001": "50000", "2001": "-10000" } },
      2: { collateral: { "1": "6000000000", "2": "2000000000000000000" }, positions: {} },
    };
    const start = (venueId: number, key: string, port = 0) =>
      startVenueService({ venueId, privateKey: key, port, logger: false, holdings: (acct) => (acct === trader.address.toLowerCase() ? holdings[venueId] : undefined) });
    const v1: VenueService = await start(1, VENUE1_KEY);
    let v2: VenueService = await start(2, VENUE2_KEY);
    const cfg = {
      mode: "verified",
      portfolio: undefined,
      statements: [
        { venueId: 1, url: v1.url },
        { venueId: 2, url: v2.url },
      ],
      creditLimit: "100",
      stateDir,
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
    };
    /** Post an epoch dated by the wall clock (the venues sign as of their clock; the chain runs ahead). */
    const postWall = async (epoch: number) => {
      await advance(3600);
      const { json, params } = paramsForEpoch(epoch, Math.floor(Date.now() / 1000));
      writeJson(join(dir, "params.json"), json);
      await postParams(registry, params, { validUntil: (await now()) + 7 * 86400 });
    };
    try {
      await postWall(11);
      const r = await once(cfg);
      assert.equal(r.action, "submitted", r.message);
      assert.equal(r.attestation.verified, true);
      assert.equal(r.attestation.epoch, 11);
      // venue 2 goes down for the next epoch
      const port2 = v2.port;
      await v2.close();
      hook.bodies.length = 0;
      logs.length = 0;
      await postWall(12);
      const metrics = newMetrics();
      const down = (await runAgent(parseAgentConfig(configJson(cfg)), { once: true, provider, log, metrics }))!;
      assert.match(renderMetrics(metrics), /^zkmargin_agent_failures_total\{kind="venue"\} 3$/m);
      assert.equal(down.action, "failed", down.message);
      assert.match(down.message, /venue 2's statement/);
      assert.match(down.message, /failed after 3 tries/);
      assert.match(down.message, /the attestation \(epoch 11\) lapses at/);
      assert.equal(logs.filter((l) => l.event === "retry" && l.kind === "venue").length, 2);
      assert.ok(hook.bodies.some((b) => b.event === "failure" && b.kind === "venue" && b.epoch === 12 && typeof b.lapsesAt === "number"), JSON.stringify(hook.bodies));
      assert.equal((await recordedByEpoch()).get(12), undefined);
      // back up (same address): the next pass proves epoch 12
      v2 = await start(2, VENUE2_KEY, port2);
      const up = await once(cfg);
      assert.equal(up.action, "submitted", up.message);
      assert.equal(up.attestation.epoch, 12);
      assert.equal((await recordedByEpoch()).get(12), 1);
    } finally {
      await v1.close();
      await v2.close().catch(() => {});
    }
  });

  it("params: posted fetches the file from the URI announced with the root and refuses one with another root", async () => {
    const stateDir = join(dir, "state-posted");
    const cfg = { params: { posted: true }, stateDir };
    await advance(3600);
    const asOf = await now();
    const { json, params } = paramsForEpoch(14, asOf);
    const file = join(dir, "params-14.json");
    writeJson(file, json);
    await postParams(registry, params, { validUntil: asOf + 7 * 86400, uri: pathToFileURL(file).href });
    const r = await once(cfg);
    assert.equal(r.action, "submitted", r.message);
    assert.equal(r.attestation.epoch, 14);
    // epoch 15 announces a file whose root is not the posted one
    await advance(3600);
    const asOf15 = await now();
    const p15 = paramsForEpoch(15, asOf15);
    const wrong = join(dir, "params-15-wrong.json");
    writeJson(wrong, { ...p15.json, maxStatementAge: 1800 });
    await postParams(registry, p15.params, { validUntil: asOf15 + 7 * 86400, uri: pathToFileURL(wrong).href });
    logs.length = 0;
    const bad = await once(cfg);
    assert.equal(bad.action, "failed", bad.message);
    assert.match(bad.message, /root .* but the registry posted root/);
    assert.equal(logs.filter((l) => l.event === "retry").length, 0, "a root mismatch is not retried");
    assert.equal((await recordedByEpoch()).get(15), undefined);
  });

  it("serves Prometheus metrics while it runs", async () => {
    await advance(3600);
    await post(16);
    const controller = new AbortController();
    let url: string | undefined;
    const passes: PassResult[] = [];
    const done = runAgent(parseAgentConfig(configJson({ metricsPort: 0, pollIntervalSeconds: 0.2 })), {
      provider,
      signal: controller.signal,
      log: (r) => {
        if (r.event === "metrics") url = r.url as string;
        logs.push(r);
      },
      onPass: (p) => passes.push(p),
    });
    try {
      const t0 = Date.now();
      while (passes.length < 2 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
      assert.ok(url, "the metrics URL is logged");
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
      const text = await res.text();
      assert.match(text, /^zkmargin_agent_epoch 16$/m);
      assert.match(text, /^zkmargin_agent_attested_epoch 16$/m);
      assert.match(text, /^zkmargin_agent_health_bps \d+$/m);
      assert.match(text, /^zkmargin_agent_headroom_bps\{against="maintenance"\} -?\d+$/m);
      assert.match(text, /^zkmargin_agent_last_proof_timestamp_seconds \d+$/m);
      assert.match(text, /^zkmargin_agent_last_submission_timestamp_seconds \d+$/m);
      assert.match(text, /^zkmargin_agent_last_submission_epoch 16$/m);
      assert.match(text, /^zkmargin_agent_attestation_expiry_timestamp_seconds \d+$/m);
      assert.match(text, /^# TYPE zkmargin_agent_failures_total counter$/m);
      assert.match(text, /^zkmargin_agent_passes_total [2-9]\d*$/m);
    } finally {
      controller.abort();
      await done;
    }
  });
});
