import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Contract, JsonRpcProvider, Wallet, encryptKeystoreJsonSync } from "ethers";
import { getConfig } from "../../src/config/circuits.js";
import { computeMargin } from "../../src/engine/margin.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { devWallets } from "../../src/chain/edr.js";
import { attestationsAt, compilePoolContracts, deployPool, registryAt, type Deployment, type PoolArtifacts } from "../../src/chain/pool.js";
import { setupCircuit } from "../../setup/groth16.js";
import { repoFile } from "../helpers.js";
import { GOOD_BOOK, epochClock, paramsForEpoch, tmp, webhookServer, writeJson } from "./fixture.js";

// The agent as a user runs it: `zkmargin agent` processes (bin/zkmargin.js, i.e. dist/) against a
// `zkmargin chain node` process on loopback, with an encrypted keystore. The crash points
// (ZKMARGIN_AGENT_CRASH_AT, test-only) make the agent SIGKILL itself mid-round; the restarted agent
// must settle the round from the chain and submit exactly once per epoch.
describe("agent: kill -9 mid-submission and restart (real processes)", function () {
  this.timeout(1_800_000);
  const BIN = repoFile("bin/zkmargin.js");
  let node: ChildProcess;
  let url: string;
  let provider: JsonRpcProvider;
  let artifacts: PoolArtifacts;
  let d: Deployment;
  let oracle: Wallet, trader: Wallet;
  let registry: Contract, attestations: Contract;
  const dir = tmp("zkm-agent-proc-");
  const configFile = join(dir, "agent.json");
  let hook: Awaited<ReturnType<typeof webhookServer>>;

  const agent = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [BIN, "agent", ...args, "--config", configFile], {
      encoding: "utf8",
      env: { ...process.env, CI: "1", AGENT_TEST_PASSWORD: "correct horse", ...env },
      timeout: 300_000,
    });
    return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
  };
  const state = () => JSON.parse(readFileSync(join(dir, "state", "state.json"), "utf8"));
  const { now, advance, post } = epochClock(() => ({ provider, registry, dir }));
  async function recorded(epoch: number): Promise<string[]> {
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(trader.address, epoch));
    return logs.map((l) => l.transactionHash);
  }

  before(async () => {
    node = spawn(process.execPath, [BIN, "chain", "node", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    url = await new Promise<string>((resolve, reject) => {
      let buf = "";
      node.stdout!.on("data", (c) => {
        buf += c;
        const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
        if (m) resolve(m[1]!);
      });
      node.on("exit", (c) => reject(new Error(`node exited ${c}`)));
      setTimeout(() => reject(new Error("node did not start")), 30_000);
    });
    provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
    const wallets = devWallets(provider);
    const owner = wallets[0]!;
    oracle = wallets[1]!;
    trader = wallets[2]!;
    const setup = await setupCircuit(getConfig("small"));
    artifacts = await compilePoolContracts(readFileSync(setup.verifierSol, "utf8"));
    d = await deployPool({ signer: owner, artifacts, oracle: oracle.address, config: "small", circuitHash: setup.record.circuitHash, insecure: true });
    registry = registryAt(d, artifacts, oracle);
    attestations = attestationsAt(d, artifacts, provider);
    writeJson(join(dir, "deployment.json"), d);
    writeJson(join(dir, "book.json"), GOOD_BOOK);
    // the trader's key as an encrypted keystore (light scrypt: a test), its password in the environment
    writeFileSync(join(dir, "trader.keystore.json"), encryptKeystoreJsonSync({ address: trader.address, privateKey: trader.privateKey }, "correct horse", { scrypt: { N: 1024 } }));
    hook = await webhookServer();
    const { params } = paramsForEpoch(1, await now());
    const m = computeMargin(params, parsePortfolio(GOOD_BOOK, params), 12500, 0n);
    const limit = ((m.adjustedCollateralE30 - 12500n * m.requirementE26) / (12500n * 10n ** 24n) / 200n).toString();
    writeJson(configFile, {
      rpcUrl: url,
      deployment: "deployment.json",
      mode: "self-declared",
      params: { file: "params.json" },
      portfolio: "book.json",
      healthBps: 12500,
      creditLimit: limit,
      key: { keystore: "trader.keystore.json", passwordEnv: "AGENT_TEST_PASSWORD" },
      stateDir: "state",
      warnHeadroomBps: 0,
      webhookUrl: hook.url,
      metricsPort: 0,
      pollIntervalSeconds: 0.3,
      retry: { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 },
    });
  });
  after(async () => {
    provider?.destroy();
    node?.kill("SIGTERM");
    await hook?.close();
  });

  for (const [epoch, point] of [
    [1, "after-intent"],
    [2, "after-broadcast"],
    [3, "after-proof"],
    [4, "after-fetch"],
  ] as const) {
    it(`epoch ${epoch}: killed ${point.replace("-", " ")}, restarted: exactly one submission`, async () => {
      if (epoch > 1) await advance(6 * 3600);
      await post(epoch);
      const crashed = agent(["--once"], { ZKMARGIN_AGENT_CRASH_AT: point });
      assert.equal(crashed.signal, "SIGKILL", `the agent should have killed itself ${point}: exit ${crashed.code}\n${crashed.err}`);
      const open = state().epochs[String(epoch)].rounds.at(-1);
      const expectedPhase = { "after-intent": "submitting", "after-broadcast": "submitted", "after-proof": "proved", "after-fetch": "fetched" }[point];
      assert.equal(open.phase, expectedPhase);
      if (point === "after-intent") {
        assert.ok(open.tx.hash && open.tx.raw, "the signed transaction is recorded before it is sent");
        assert.equal(await provider.getTransaction(open.tx.hash), null, "and was not sent");
        assert.deepEqual(await recorded(epoch), []);
      }
      if (point === "after-broadcast") assert.deepEqual(await recorded(epoch), [open.tx.hash]);
      const restarted = agent(["--once"]);
      assert.equal(restarted.code, 0, restarted.err);
      assert.match(restarted.err, /"event":"resume"/);
      const hashes = await recorded(epoch);
      assert.equal(hashes.length, 1, `exactly one AttestationRecorded for epoch ${epoch}: ${hashes.join(", ")}`);
      const round = state().epochs[String(epoch)].rounds.find((r: { phase: string }) => r.phase === "confirmed");
      assert.ok(round, JSON.stringify(state().epochs[String(epoch)]));
      assert.equal(round.tx.hash, hashes[0]);
      if (point === "after-intent" || point === "after-broadcast") assert.equal(hashes[0], open.tx.hash, "the recorded transaction itself landed (re-sent, never re-signed)");
      // and a third run does nothing
      const third = agent(["--once", "--json"]);
      assert.equal(third.code, 0, third.err);
      assert.equal(JSON.parse(third.out).action, "up-to-date");
      assert.equal((await recorded(epoch)).length, 1);
    });
  }

  it("agent status prints the state and the attestation's expiry", async () => {
    const s = agent(["status"]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, new RegExp(`account ${trader.address} on chain 31337: the attestation \\(epoch 4\\) lapses at`));
    assert.match(s.out, /epoch 1 +confirmed/);
    assert.match(s.out, /epoch 4 +superseded/); // the round killed before proving
    const j = JSON.parse(agent(["status", "--json"]).out);
    assert.equal(j.chain.attestation.epoch, 4);
    assert.equal(typeof j.chain.lapsesAt, "number");
    assert.equal(j.openRound, null);
  });

  it("runs as a long-lived process: serves metrics, follows a new epoch, stops on SIGTERM", async () => {
    await advance(6 * 3600);
    await post(5);
    const p = spawn(process.execPath, [BIN, "agent", "--config", configFile], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AGENT_TEST_PASSWORD: "correct horse" } });
    let err = "";
    p.stderr!.on("data", (c) => (err += c));
    try {
      const t0 = Date.now();
      while (!/"event":"confirmed"/.test(err) && Date.now() - t0 < 240_000) await new Promise((r) => setTimeout(r, 200));
      const m = /"event":"metrics"[^\n]*"url":"([^"]+)"/.exec(err);
      assert.ok(m, err);
      const text = await (await fetch(m[1]!)).text();
      assert.match(text, /^zkmargin_agent_epoch 5$/m);
      assert.match(text, /^zkmargin_agent_last_submission_epoch 5$/m);
      assert.equal((await recorded(5)).length, 1);
    } finally {
      p.kill("SIGTERM");
    }
    const code = await new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
    assert.equal(code, 0, err);
    for (const line of err.trim().split("\n")) assert.doesNotThrow(() => JSON.parse(line), `a JSON log line: ${line}`);
  });

  it("refuses a raw private key off a dev chain, and names the field of a bad configuration", () => {
    const bad = join(dir, "bad.json");
    writeJson(bad, { ...JSON.parse(readFileSync(configFile, "utf8")), healthBps: "12500" });
    const r = spawnSync(process.execPath, [BIN, "agent", "--once", "--config", bad, "--json"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    const e = JSON.parse(r.stderr.trim().split("\n").at(-1)!).error;
    assert.equal(e.path, "healthBps");
    assert.match(e.message, /healthBps: must be an integer from 10000/);
    const raw = join(dir, "raw.json");
    writeJson(raw, { ...JSON.parse(readFileSync(configFile, "utf8")), key: { privateKey: trader.privateKey }, devChainIds: [1337], stateDir: "state-raw" });
    const r2 = spawnSync(process.execPath, [BIN, "agent", "--once", "--config", raw], { encoding: "utf8" });
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /a raw private key is accepted only on a dev chain.*chain 31337 needs an encrypted keystore/);
  });
});
