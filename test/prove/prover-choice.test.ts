import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getConfig } from "../../src/config/circuits.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { proveMargin } from "../../src/prove/prove.js";
import { parseBundle, verifyMargin } from "../../src/prove/verify.js";
import { chooseFullProve, nativeProverStatus, parseProverChoice } from "../../src/prove/native.js";
import { provingArtifacts, releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { fixture, repoFile, smallParams } from "../helpers.js";

/**
 * The prover choice (issue 10): auto uses the native prover when it built, snarkjs otherwise; a
 * native proof is verified before it is returned and the bundle records which prover made it.
 * The native binary must be built for this file (CI builds it on `npm install`); with
 * ZKMARGIN_NATIVE=off the native cases are not run.
 */
describe("prover choice: native or snarkjs", function () {
  this.timeout(600_000);
  const params = smallParams();
  const config = getConfig("small");
  const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  const nativeOff = process.env.ZKMARGIN_NATIVE === "off";
  let setup: SetupArtifacts;
  let vkey: unknown;

  before(async function () {
    setup = await setupCircuit(config);
    vkey = JSON.parse(readFileSync(setup.vkey, "utf8"));
  });
  after(releaseCurve);

  const prove = (prover: "auto" | "native" | "snarkjs", warn?: (m: string) => void) =>
    proveMargin({ params, portfolio: parsePortfolio(book, params), healthBps: 12500, context: 7n, config, artifacts: provingArtifacts(setup), prover, warn });

  it("the native prover is built (npm install builds it; run `npm run build:native`)", function () {
    if (nativeOff) this.skip();
    const s = nativeProverStatus();
    assert.ok(s.available, `native prover unavailable: ${s.reason}`);
  });

  it("auto and native prove natively; the bundle says so and verifies", async function () {
    if (nativeOff) this.skip();
    for (const choice of ["auto", "native"] as const) {
      const r = await prove(choice);
      assert.equal(r.bundle.prover, "native");
      const v = await verifyMargin(parseBundle(JSON.parse(JSON.stringify(r.bundle))), vkey, { params, minHealthBps: 12500, context: 7n });
      assert.ok(v.valid, JSON.stringify(v.checks));
    }
  });

  it("snarkjs is used when asked, and the bundle says so", async () => {
    const r = await prove("snarkjs");
    assert.equal(r.bundle.prover, "snarkjs");
    const v = await verifyMargin(parseBundle(JSON.parse(JSON.stringify(r.bundle))), vkey, { params, minHealthBps: 12500, context: 7n });
    assert.ok(v.valid);
  });

  it("a native binary that returns a bad proof is caught: native fails, auto falls back to snarkjs with a warning", async function () {
    if (nativeOff) this.skip();
    // A stand-in "prover" that writes a well-formed but wrong proof (pi_a negated) and the right
    // public signals: the check against the verification key must reject it.
    const real = nativeProverStatus().binary!;
    const dir = mkdtempSync(join(tmpdir(), "zkm-badprover-"));
    const bad = join(dir, "zkmargin-prover");
    writeFileSync(
      bad,
      `#!/bin/sh\n"${real}" "$@" || exit $?\nnode -e 'const f=require("fs");const p=JSON.parse(f.readFileSync(process.argv[1]));const q=21888242871839275222246405745257275088696311157297823662689037025645130838016n+1n;p.pi_a[1]=(q-BigInt(p.pi_a[1])).toString();f.writeFileSync(process.argv[1],JSON.stringify(p))' "$4"\n`,
    );
    chmodSync(bad, 0o755);
    const warnings: string[] = [];
    const artifacts = { ...provingArtifacts(setup), vkey: vkey as object };
    const run = (prover: "auto" | "native") =>
      withEnv({ ZKMARGIN_NATIVE_DIR: dir }, () =>
        proveMargin({ params, portfolio: parsePortfolio(book, params), healthBps: 12500, context: 7n, config, artifacts, prover, warn: (m) => warnings.push(m) }),
      );
    await assert.rejects(run("native"), /does not verify against the verification key/);
    const r = await run("auto");
    assert.equal(r.bundle.prover, "snarkjs");
    assert.ok(warnings.some((w) => /does not verify/.test(w) && /snarkjs/.test(w)), warnings.join("\n"));
  });

  it("without a native build, auto says once that it uses snarkjs and why; native is an error", async () => {
    await withEnv({ ZKMARGIN_NATIVE_DIR: mkdtempSync(join(tmpdir(), "zkm-nonative-")) }, async () => {
      assert.equal(nativeProverStatus().available, false);
      assert.throws(() => chooseFullProve("native"), /native prover is not available: the native prover is not built/);
    });
    // The CLI: a fresh process, prover auto, native disabled: one note on stderr, proof by snarkjs.
    const dir = mkdtempSync(join(tmpdir(), "zkm-cli-prover-"));
    writeFileSync(join(dir, "book.json"), JSON.stringify(book));
    copyFileSync(fixture("params-small.json"), join(dir, "params.json"));
    const r = spawnSync(
      process.execPath,
      [repoFile("bin/zkmargin.js"), "prove", "--params", join(dir, "params.json"), "--portfolio", join(dir, "book.json"), "--health-bps", "12500", "--context", "9", "--config", "small", "-o", join(dir, "proof.json")],
      { encoding: "utf8", env: { ...process.env, ZKMARGIN_NATIVE: "off" } },
    );
    assert.equal(r.status, 0, r.stderr);
    const notes = r.stderr.split("\n").filter((l) => /snarkjs \(slower\)/.test(l));
    assert.equal(notes.length, 1, r.stderr);
    assert.match(notes[0]!, /disabled by ZKMARGIN_NATIVE=off/);
    assert.equal(JSON.parse(readFileSync(join(dir, "proof.json"), "utf8")).prover, "snarkjs");
    const bad = spawnSync(process.execPath, [repoFile("bin/zkmargin.js"), "prove", "--params", join(dir, "params.json"), "--portfolio", join(dir, "book.json"), "--health-bps", "12500", "--context", "9", "--prover", "fast", "--json"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    const err = JSON.parse(bad.stderr.trim().split("\n").pop()!).error;
    assert.equal(err.path, "--prover");
    assert.equal(err.value, "fast");
  });

  it("`zkmargin native` says whether the native prover is used, and `native build` (re)builds it in place", function () {
    if (nativeOff) this.skip();
    const cli = (...args: string[]) => spawnSync(process.execPath, [repoFile("bin/zkmargin.js"), ...args], { encoding: "utf8" });
    const s = cli("native", "--json");
    assert.equal(s.status, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).available, true);
    const b = cli("native", "build", "--json"); // sources unchanged: the build is skipped, the status stands
    assert.equal(b.status, 0, b.stderr);
    assert.equal(JSON.parse(b.stdout).available, true);
    const off = spawnSync(process.execPath, [repoFile("bin/zkmargin.js"), "native"], { encoding: "utf8", env: { ...process.env, ZKMARGIN_NATIVE: "off" } });
    assert.match(off.stdout, /not available: disabled by ZKMARGIN_NATIVE=off; `prove` uses snarkjs/);
  });

  it("parseProverChoice names the choices", () => {
    assert.equal(parseProverChoice("auto"), "auto");
    assert.throws(() => parseProverChoice("gpu"), /auto, native, snarkjs/);
  });
});

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T> | T): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(vars)) {
    saved[k] = process.env[k];
    process.env[k] = vars[k];
  }
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(vars)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}
