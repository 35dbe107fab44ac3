import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Wallet, encryptKeystoreJsonSync } from "ethers";
import { ZkMarginError } from "../../src/errors.js";
import { backoffDelay, loadAgentWallet, parseAgentConfig, renderMetrics, newMetrics, DEFAULT_RETRY } from "../../src/agent/index.js";
import { StateStore, acquireLock, readState } from "../../src/agent/state.js";
import { tmp } from "./fixture.js";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // dev account 1 (public)

const base = () => ({
  rpcUrl: "http://127.0.0.1:8545",
  deployment: "deployment.json",
  mode: "self-declared",
  params: { file: "params.json" },
  portfolio: "book.json",
  healthBps: 12500,
  creditLimit: "15000",
  key: { privateKey: KEY },
  stateDir: "state",
});

function refused(json: unknown, path: string, message?: RegExp): ZkMarginError {
  try {
    parseAgentConfig(json, { file: "/etc/zkm/agent.json" });
  } catch (e) {
    assert.ok(e instanceof ZkMarginError, String(e));
    assert.equal(e.path, path, e.message);
    assert.match(e.message, /^agent configuration file "\/etc\/zkm\/agent\.json": /);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a refusal naming ${path}`);
}

describe("agent: configuration, key, state, backoff, metrics", () => {
  it("parses a configuration: defaults, paths resolved against the file's folder", () => {
    const c = parseAgentConfig(base(), { file: "/etc/zkm/agent.json" });
    assert.equal(c.deployment, "/etc/zkm/deployment.json");
    assert.deepEqual(c.params, { file: "/etc/zkm/params.json" });
    assert.equal(c.stateDir, "/etc/zkm/state");
    assert.deepEqual(c.retry, DEFAULT_RETRY);
    assert.equal(c.pollIntervalSeconds, 30);
    assert.equal(c.metricsHost, "127.0.0.1");
    assert.deepEqual(c.devChainIds, [31337, 1337]);
  });

  it("refuses a bad configuration naming the field", () => {
    refused({ ...base(), healthBps: 9000 }, "healthBps", /from 10000 to 1000000/);
    refused({ ...base(), creditLimit: 15000 }, "creditLimit", /string of USD/);
    refused({ ...base(), rpcUrl: "127.0.0.1:8545" }, "rpcUrl", /http\(s\) URL/);
    refused({ ...base(), mode: "trust-me" }, "mode");
    refused({ ...base(), colour: "blue" }, "colour", /unknown field/);
    refused({ ...base(), contracts: { registry: "0x1", attestations: "0x2" } }, "deployment", /not both/);
    refused({ ...base(), retry: { attempts: 0 } }, "retry.attempts");
    refused({ ...base(), retry: { initialDelayMs: 1000, maxDelayMs: 10 } }, "retry.maxDelayMs");
    refused({ ...base(), key: { keystore: "k.json" } }, "key", /passwordFile.*passwordEnv/);
    refused({ ...base(), key: { privateKey: "0x12" } }, "key.privateKey");
    refused({ ...base(), params: { file: "a", url: "http://x" } }, "params");
    refused({ ...base(), mode: "verified" }, "portfolio", /self-declared/);
    const v = { ...base(), mode: "verified", portfolio: undefined };
    refused(v, "statements", /non-empty array/);
    refused({ ...v, statements: [{ venueId: 1, file: "a" }, { venueId: 1, url: "http://v" }] }, "statements[1].venueId", /twice/);
    refused({ ...v, statements: [{ venueId: 1 }] }, "statements[0]", /exactly one of "file" and "url"/);
  });

  it("a raw private key only on a dev chain; an encrypted keystore with its password from a file or the environment", async () => {
    const c = parseAgentConfig(base());
    assert.equal((await loadAgentWallet(c, 31337)).address, new Wallet(KEY).address);
    await assert.rejects(loadAgentWallet(c, 1), (e: ZkMarginError) => e.path === "key" && /only on a dev chain/.test(e.message) && /chain 1 needs an encrypted keystore/.test(e.message));
    const dir = tmp("zkm-agent-key-");
    writeFileSync(join(dir, "k.json"), encryptKeystoreJsonSync({ address: new Wallet(KEY).address, privateKey: KEY }, "s3cret", { scrypt: { N: 1024 } }));
    writeFileSync(join(dir, "pw"), "s3cret\n", { mode: 0o600 });
    const fromFile = parseAgentConfig({ ...base(), key: { keystore: "k.json", passwordFile: "pw" } }, { baseDir: dir });
    assert.equal((await loadAgentWallet(fromFile, 1)).address, new Wallet(KEY).address);
    process.env.ZKM_AGENT_TEST_PW = "wrong";
    const fromEnv = parseAgentConfig({ ...base(), key: { keystore: "k.json", passwordEnv: "ZKM_AGENT_TEST_PW" } }, { baseDir: dir });
    await assert.rejects(loadAgentWallet(fromEnv, 1), /password is wrong/);
    delete process.env.ZKM_AGENT_TEST_PW;
    await assert.rejects(loadAgentWallet(fromEnv, 1), /ZKM_AGENT_TEST_PW .* is not set/);
  });

  it("state: written durably (no temp file left), reloaded, refused for another account; one agent per state folder", () => {
    const dir = tmp("zkm-agent-state-");
    const id = { account: "0xabc", chainId: 31337, attestations: "0x1", registry: "0x2" };
    const s = new StateStore(dir, id);
    const r = s.begin({ epoch: 3, trigger: "new-epoch", phase: "fetched", paramsRoot: "0x00" });
    s.update(r, { phase: "proved", nonce: 0 });
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp")), []);
    assert.equal((statSync(join(dir, "state.json")).mode & 0o777).toString(8), "600");
    assert.equal(readState(dir)!.epochs["3"]!.rounds[0]!.phase, "proved");
    assert.equal(new StateStore(dir, id).open()?.phase, "proved");
    assert.throws(() => new StateStore(dir, { ...id, account: "0xdef" }), /for account 0xabc/);
    const release = acquireLock(dir);
    writeFileSync(join(dir, "agent.lock"), String(process.ppid)); // a live process holds it
    assert.throws(() => acquireLock(dir), /another agent \(pid \d+\) is running/);
    writeFileSync(join(dir, "agent.lock"), "999999999"); // left by a process that is gone
    acquireLock(dir)();
    release();
    assert.equal(existsSync(join(dir, "agent.lock")), false);
    assert.ok(readFileSync(join(dir, "state.json"), "utf8").endsWith("\n"));
  });

  it("backoff grows by the factor up to the cap, with jitter", () => {
    const cfg = { attempts: 10, initialDelayMs: 100, maxDelayMs: 1000, factor: 2 };
    const mid = () => 0.5;
    assert.deepEqual([2, 3, 4, 5, 6].map((a) => backoffDelay(cfg, a, mid)), [100, 200, 400, 800, 1000]);
    assert.equal(backoffDelay(cfg, 2, () => 0), 80);
    assert.equal(backoffDelay(cfg, 2, () => 1), 120);
  });

  it("metrics: gauges only once known, counters by kind", () => {
    const m = newMetrics();
    assert.doesNotMatch(renderMetrics(m), /zkmargin_agent_epoch/);
    m.epoch = 7;
    m.failures.set("rpc", 2);
    const t = renderMetrics(m);
    assert.match(t, /^# TYPE zkmargin_agent_epoch gauge\nzkmargin_agent_epoch 7$/m);
    assert.match(t, /^zkmargin_agent_failures_total\{kind="rpc"\} 2$/m);
  });
});
