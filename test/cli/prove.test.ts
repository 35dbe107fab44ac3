import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoFile } from "../helpers.js";

// setup, prove and verify through the real `zkmargin` command, as a user runs them.
const BIN = repoFile("bin/zkmargin.js");
const zk = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const PARAMS = repoFile("examples/params.json");
const ex = (f: string) => repoFile(`examples/${f}`);
const P = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

describe("cli: setup, prove, verify", function () {
  this.timeout(1_800_000);
  const dir = mkdtempSync(join(tmpdir(), "zkm-cli-prove-"));
  const proof = join(dir, "proof.json");
  const opening = join(dir, "opening.json");

  it("setup --config small makes (or reuses) an INSECURE dev setup", () => {
    const r = zk("setup", "--config", "small", "--json");
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.insecure, true);
    assert.equal(j.config, "small");
    assert.ok(existsSync(j.zkey) && existsSync(j.vkey) && existsSync(j.verifier));
  });

  it("prove writes a bundle and a private opening; verify accepts it against the params", () => {
    const r = zk("prove", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--context", "0xabc123", "-o", proof, "--opening", opening);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /proved health >= 12500 bps/);
    assert.match(r.out, /INSECURE/);
    const b = JSON.parse(readFileSync(proof, "utf8"));
    assert.equal(b.config, "small");
    assert.equal(b.context, `0x${"abc123".padStart(64, "0")}`);
    const o = JSON.parse(readFileSync(opening, "utf8"));
    assert.equal(statSync(opening).mode & 0o777, 0o600, "the private opening is readable by its owner only");
    assert.equal(o.commitment, b.commitment);
    assert.equal(o.paramsRoot, b.paramsRoot);
    assert.deepEqual(Object.keys(o.positions).length, 4);
    const v = zk("verify", proof, "--params", PARAMS, "--min-health-bps", "12500", "--context", "0xabc123");
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, /^VALID/m);
    const j = JSON.parse(zk("verify", proof, "--json").out);
    assert.equal(j.valid, true);
  });

  it("verify exits 1 on a tampered bundle or unmet requirements", () => {
    const b = JSON.parse(readFileSync(proof, "utf8"));
    b.healthBps = 15000;
    b.publicSignals[2] = "15000";
    const forged = join(dir, "forged.json");
    writeFileSync(forged, JSON.stringify(b));
    const r = zk("verify", forged);
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL\s+proof/);
    assert.match(r.out, /^INVALID/m);
    assert.equal(zk("verify", proof, "--min-health-bps", "20000").code, 1);
    assert.equal(zk("verify", proof, "--context", "0x1").code, 1);
  });

  it("prove refuses a failing book with its shortfall (exit 1) and writes nothing", () => {
    const out = join(dir, "never.json");
    const r = zk("prove", "--params", PARAMS, "--portfolio", ex("naked-short-calls.json"), "--health-bps", "12500", "--context", "1", "-o", out);
    assert.equal(r.code, 1);
    assert.match(r.err, /shortfall/);
    assert.match(r.err, /FAIL at 12500 bps/);
    assert.ok(!existsSync(out));
  });

  it("prove --credit-limit: the limit is proven, recorded and checked by verify --min-credit-limit", () => {
    // hedged book at 12,500 bps: adjusted 71,591.5775, requirement 38,942.43196320 USD, so the
    // largest credit limit it covers is 71,591.5775 / 1.25 - 38,942.43196320 = 18,330.83 USD.
    const credit = join(dir, "credit.json");
    const r = zk("prove", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--credit-limit", "18000", "--context", "7", "-o", credit);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /credit limit of 18000\.00 USD/);
    const b = JSON.parse(readFileSync(credit, "utf8"));
    assert.equal(b.creditLimitCents, "1800000");
    assert.equal(BigInt(b.publicSignals[2]), 12500n + 1_800_000n * 2n ** 32n);
    assert.equal(zk("verify", credit, "--min-credit-limit", "18000").code, 0);
    assert.equal(zk("verify", credit, "--min-credit-limit", "18000.01").code, 1);
    const over = zk("prove", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--credit-limit", "18331", "--context", "7", "-o", join(dir, "never2.json"));
    assert.equal(over.code, 1, over.out + over.err);
    assert.match(over.err, /shortfall/);
    assert.ok(!existsSync(join(dir, "never2.json")));
  });

  it("prove exits 2 on a book spanning more risk groups than the chosen circuit has group slots", () => {
    const book = join(dir, "three-groups.json");
    writeFileSync(book, JSON.stringify({ collateral: { USDC: "1000000" }, positions: { "BTC-PERP": "1", "ETH-PERP": "1", "SOL-PERP": "1" } }));
    const r = zk("prove", "--params", PARAMS, "--portfolio", book, "--health-bps", "10000", "--context", "1", "--config", "small", "-o", join(dir, "x.json"));
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /positions: positions span 3 risk groups \(BTC, ETH, SOL\); the "small" circuit has 2 group slots/);
  });

  const bad: [string, string[], RegExp][] = [
    ["a missing --context", ["--health-bps", "12500"], /required option '--context <value>' not specified/],
    ["a context at the field modulus", ["--health-bps", "12500", "--context", P], /--context: must be below the BN254 field modulus/],
    ["a context that is not a number", ["--health-bps", "12500", "--context", "hello"], /--context: must be a 0x-prefixed hex number or a decimal integer/],
    ["a credit limit with fractions of a cent", ["--health-bps", "12500", "--context", "1", "--credit-limit", "10.001"], /--credit-limit: /],
    ["a negative credit limit", ["--health-bps", "12500", "--context", "1", "--credit-limit", "-5"], /--credit-limit: /],
    ["an unknown configuration", ["--health-bps", "12500", "--context", "1", "--config", "huge"], /--config: unknown circuit configuration "huge"; known: small, standard/],
    ["a book over the small circuit's capacity", ["--health-bps", "10000", "--context", "1", "--config", "small", "--portfolio", ex("concentrated-collateral.json")], /collateral: holds 3 collateral assets; the "small" circuit has 2 collateral slots/],
  ];
  for (const [what, args, message] of bad) {
    it(`prove exits 2 on ${what}`, () => {
      const base = ["prove", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "-o", join(dir, "x.json")];
      const i = args.indexOf("--portfolio");
      if (i >= 0) base[4] = args.splice(i, 2)[1]!;
      const r = zk(...base, ...args);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, message);
      assert.ok(!/\n\s+at /.test(r.err), r.err);
    });
  }

  it("verify exits 2 on a file that is not a bundle", () => {
    const f = join(dir, "notbundle.json");
    writeFileSync(f, JSON.stringify({ proof: 1 }));
    const r = zk("verify", f);
    assert.equal(r.code, 2);
    assert.match(r.err, /missing required field "zkmargin" in proof bundle/);
  });
});
