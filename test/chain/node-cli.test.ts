import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeMargin } from "../../src/engine/margin.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { repoFile } from "../helpers.js";

// A real JSON-RPC node as a separate process on 127.0.0.1, and the `zkmargin` command driven
// against it with --rpc, as a user would: deploy, post parameters, prove with a credit limit,
// submit, status, borrow within the limit and beyond it, repay.
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

  it("deploys, posts the root, proves with the contract's context and a credit limit, submits, reads a healthy status, borrows", () => {
    // a credit limit the hedged book supports at 1.25x: half its largest, in whole dollars
    const params = parseRiskParams(JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8")));
    const book = parsePortfolio(JSON.parse(readFileSync(repoFile("examples/hedged-book.json"), "utf8")), params);
    const m = computeMargin(params, book, 12500, 0n);
    const maxCents = (m.adjustedCollateralE30 - 12500n * m.requirementE26) / (12500n * 10n ** 24n);
    const limitUsd = maxCents / 200n;
    assert.ok(limitUsd > 0n, "the hedged book supports a credit limit at 1.25x");
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
    const p = zk(
      "prove",
      "--params",
      repoFile("examples/params.json"),
      "--portfolio",
      repoFile("examples/hedged-book.json"),
      "--health-bps",
      "12500",
      "--credit-limit",
      limitUsd.toString(),
      "--context",
      ctx.context,
      "-o",
      proof,
    );
    assert.equal(p.code, 0, p.err);
    const sub = onNode("submit", proof, "--json");
    assert.equal(sub.code, 0, sub.err);
    assert.ok(JSON.parse(sub.out).gasUsed < 300_000);
    const st = onNode("status", ctx.account, "--min-health-bps", "12500", "--json");
    assert.equal(st.code, 0, st.err);
    const s = JSON.parse(st.out);
    assert.equal(s.healthy, true);
    assert.equal(s.healthBps, 12500);
    assert.equal(s.creditLimitCents, (limitUsd * 100n).toString());
    assert.equal(s.epoch, 7);
    assert.equal(s.nonce, 1);
    const text = onNode("status", ctx.account, "--min-health-bps", "12500");
    assert.match(text.out, new RegExp(`credit limit   ${limitUsd.toLocaleString("en-US")}\\.00 USD`));

    // the credit line: borrow within the limit, then beyond it (a plain sentence), then repay
    const half = (limitUsd / 2n).toString();
    const b1 = onNode("borrow", half);
    assert.equal(b1.code, 0, b1.err);
    assert.match(b1.out, /^borrowed [0-9,]+\.00 USD: debt [0-9,]+\.00 USD of an attested credit limit of [0-9,]+\.00 USD/);
    const over = onNode("borrow", limitUsd.toString());
    assert.equal(over.code, 1, "the contract refused it: exit 1 (a no), not 2 (bad input)");
    assert.match(over.err, /borrow of [0-9,]+\.00 USD would bring debt to [0-9,]+\.00 USD, above the attested credit limit [0-9,]+\.00 USD$/m);
    assert.ok(!/\n\s+at /.test(over.err));
    const rp = onNode("repay", "--json");
    assert.equal(rp.code, 0, rp.err);
    assert.equal(JSON.parse(rp.out).debt, "0");
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
    assert.equal(bad.code, 1, "a revert is exit 1");
    assert.match(bad.err, /RiskParamsRegistry__NotOracle: only the risk oracle may post parameters/);
    assert.ok(!/\n\s+at /.test(bad.err));
  });

  it("reports an unreachable node as bad input", () => {
    const r = zk("chain", "status", "0x0000000000000000000000000000000000000001", "--rpc", "http://127.0.0.1:9");
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot reach a JSON-RPC node at http:\/\/127\.0\.0\.1:9/);
  });

  it("refuses a policy the contracts would refuse before deploying, naming the flag", () => {
    const ttl = zk("chain", "deploy", "--ttl", "0", "--rpc", "http://127.0.0.1:9");
    assert.equal(ttl.code, 2);
    assert.match(ttl.err, /--ttl: must be an integer from 60 to 31536000, got 0/);
    const grace = zk("chain", "deploy", "--grace-period", "99999999", "--rpc", "http://127.0.0.1:9");
    assert.equal(grace.code, 2);
    assert.match(grace.err, /--grace-period: must be an integer from 0 to 2592000/);
    const borrowBelow = zk("chain", "deploy", "--borrow-health-bps", "9000", "--rpc", "http://127.0.0.1:9");
    assert.match(borrowBelow.err, /--borrow-health-bps: must be an integer >= the maintenance health 10000/);
  });
});
