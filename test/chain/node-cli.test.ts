import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoFile } from "../helpers.js";

// A real JSON-RPC node as a separate process on 127.0.0.1, and the `zkmargin` command driven
// against it with --rpc, as a user would: deploy, post parameters, prove, submit, status.
describe("chain: the CLI against a local JSON-RPC node (separate process)", function () {
  this.timeout(600_000);
  let node: ChildProcess;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), "zkm-node-"));
  const deployment = join(dir, "deployment.json");
  const BIN = repoFile("bin/zkmargin.js");
  const zk = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const onNode = (cmd: string, ...args: string[]) => zk("chain", cmd, ...args, "--rpc", url, "--deployment", deployment);

  before(async () => {
    // `zkmargin chain node` is the user-facing way to run the node
    node = spawn(process.execPath, [repoFile("bin/zkmargin.js"), "chain", "node", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    url = await new Promise<string>((resolve, reject) => {
      let buf = "";
      node.stdout!.on("data", (d) => {
        buf += d;
        const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
        if (m) resolve(m[1]!);
      });
      node.on("exit", (c) => reject(new Error(`node exited ${c}`)));
      setTimeout(() => reject(new Error("node did not start")), 30_000);
    });
  });
  after(() => {
    node?.kill("SIGTERM");
  });

  it("deploys, posts the root, proves with the contract's context, submits, and reads a healthy status", () => {
    assert.equal(zk("setup", "--config", "small").code, 0);
    const dep = onNode("deploy", "--json");
    assert.equal(dep.code, 0, dep.err);
    assert.equal(JSON.parse(readFileSync(deployment, "utf8")).chainId, 31337);
    const validUntil = String(Math.floor(Date.now() / 1000) + 7 * 86400);
    const post = onNode("post-params", repoFile("examples/params.json"), "--valid-until", validUntil);
    assert.equal(post.code, 0, post.err);
    assert.match(post.out, /posted epoch 7 root 0x[0-9a-f]{64}/);
    const ctx = JSON.parse(onNode("context", "--json").out);
    const proof = join(dir, "proof.json");
    const p = zk("prove", "--params", repoFile("examples/params.json"), "--portfolio", repoFile("examples/hedged-book.json"), "--health-bps", "12500", "--context", ctx.context, "-o", proof);
    assert.equal(p.code, 0, p.err);
    const sub = onNode("submit", proof, "--json");
    assert.equal(sub.code, 0, sub.err);
    assert.ok(JSON.parse(sub.out).gasUsed < 300_000);
    const st = onNode("status", ctx.account, "--min-health-bps", "12500", "--json");
    assert.equal(st.code, 0, st.err);
    const s = JSON.parse(st.out);
    assert.equal(s.healthy, true);
    assert.equal(s.healthBps, 12500);
    assert.equal(s.epoch, 7);
    assert.equal(s.nonce, 1);
    // not healthy at a higher bar: exit 1
    assert.equal(onNode("status", ctx.account, "--min-health-bps", "20000").code, 1);

    // adversarial, through the CLI: the SDK refuses a stale context before sending...
    const again = onNode("submit", proof);
    assert.equal(again.code, 2);
    assert.match(again.err, /is not this pool's context .* prove with --context 0x[0-9a-f]{64}/);
    // ...another account's submission of it reverts on-chain, decoded into a plain message
    const other = onNode("submit", proof, "--dev-account", "4");
    assert.equal(other.code, 2);
    assert.match(other.err, /context/);
    // a non-oracle cannot post parameters; the revert is decoded
    const bad = onNode("post-params", repoFile("examples/params.json"), "--dev-account", "5", "--valid-until", validUntil);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /RiskParamsRegistry__NotOracle: only the risk oracle may post parameters/);
    assert.ok(!/\n\s+at /.test(bad.err));
  });

  it("reports an unreachable node as bad input", () => {
    const r = zk("chain", "status", "0x0000000000000000000000000000000000000001", "--rpc", "http://127.0.0.1:9");
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot reach a JSON-RPC node at http:\/\/127\.0\.0\.1:9/);
  });
});
