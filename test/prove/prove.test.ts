import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getConfig } from "../../src/config/circuits.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { clearParamsTreeCache, paramsTreeCacheStats } from "../../src/params/tree.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { checkOpening, commitPortfolio } from "../../src/prove/commitment.js";
import { proveMargin, ShortfallError, type ProveResult } from "../../src/prove/prove.js";
import { parseBundle, verifyMargin } from "../../src/prove/verify.js";
import { provingArtifacts, releaseCurve, setupCircuit, snarkjsDir, type SetupArtifacts } from "../../setup/groth16.js";
import { repoFile, smallParams, throwsZk } from "../helpers.js";
import type { ProofBundle } from "../../src/prove/bundle.js";

const SNARKJS_CLI = join(snarkjsDir(), "build", "cli.cjs");

describe("prove and verify (small, INSECURE dev setup)", function () {
  this.timeout(1_800_000);
  const params = smallParams();
  const config = getConfig("small");
  const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  let setup: SetupArtifacts;
  let proved: ProveResult;
  let vkey: unknown;
  const artifacts = () => provingArtifacts(setup);

  before(async () => {
    setup = await setupCircuit(config);
    vkey = JSON.parse(readFileSync(setup.vkey, "utf8"));
    proved = await proveMargin({
      params,
      portfolio: parsePortfolio(book, params),
      healthBps: 12500,
      context: 0xc0ffeen,
      config,
      artifacts: artifacts(),
    });
  });
  after(releaseCurve);

  it("the dev setup is labelled INSECURE and cached", async () => {
    assert.equal(setup.record.insecure, true);
    assert.match(setup.record.ptau.label, /INSECURE/);
    // made natively from the seed (no ptau file) or by snarkjs from the dev ptau
    assert.match(setup.record.ptau.file, /INSECURE-dev-\d+\.ptau\)?$/);
    if (setup.record.method === "native-dev") assert.match(setup.record.contributions[0]!.name, /INSECURE/);
    assert.match(readFileSync(setup.verifierSol, "utf8"), /^\/\/ INSECURE/);
    const t = Date.now();
    const again = await setupCircuit(config);
    assert.equal(again.dir, setup.dir);
    assert.ok(Date.now() - t < 20_000, "cached setup should be quick");
  });

  it("proveMargin and verifyMargin build the parameters' tree once per parameters (by content), not on every call", async () => {
    clearParamsTreeCache();
    const again = await proveMargin({ params, portfolio: parsePortfolio(book, params), healthBps: 12500, context: 7n, config, artifacts: artifacts() });
    assert.deepEqual(paramsTreeCacheStats(), { size: 1, hits: 0, misses: 1 });
    // equal parameters in another object (parsed again): the same tree
    const reparsed = smallParams();
    await proveMargin({ params: reparsed, portfolio: parsePortfolio(book, reparsed), healthBps: 12500, context: 8n, config, artifacts: artifacts() });
    const r = await verifyMargin(again.bundle, vkey, { params: reparsed });
    assert.ok(r.valid, JSON.stringify(r.checks));
    assert.deepEqual(paramsTreeCacheStats(), { size: 1, hits: 2, misses: 1 });
    assert.equal(again.bundle.paramsRoot, proved.bundle.paramsRoot);
  });

  it("a bundle verifies, names its public signals, and carries no secrets", async () => {
    const b = proved.bundle;
    const r = await verifyMargin(parseBundle(JSON.parse(JSON.stringify(b))), vkey, { params, minHealthBps: 12500, context: 0xc0ffeen });
    assert.ok(r.valid, JSON.stringify(r.checks));
    assert.equal(b.healthBps, 12500);
    assert.equal(b.setup.insecure, true);
    assert.deepEqual(b.publicSignals, [BigInt(b.commitment), BigInt(b.paramsRoot), 12500n, 0xc0ffeen].map(String));
    const text = JSON.stringify(b);
    assert.ok(!text.includes(proved.opening.salt.slice(2)), "salt leaked into the bundle");
    assert.ok(!/USDC|ETH-PERP|10000000000/.test(text), "portfolio leaked into the bundle");
  });

  it("the opening lets an attestor recompute the commitment", () => {
    const o = proved.opening;
    assert.equal(o.paramsRoot, proved.bundle.paramsRoot);
    const c = checkOpening(JSON.parse(JSON.stringify(o)), params).commitment;
    assert.equal(`0x${c.toString(16).padStart(64, "0")}`, proved.bundle.commitment);
  });

  it("any changed public signal makes the bundle invalid", async () => {
    for (let i = 0; i < 4; i++) {
      const b: ProofBundle = JSON.parse(JSON.stringify(proved.bundle));
      b.publicSignals[i] = (BigInt(b.publicSignals[i]!) + 1n).toString();
      assert.equal((await verifyMargin(b, vkey)).valid, false, `signal ${i}`);
      // also when the named field is changed consistently
      const named = ["commitment", "paramsRoot", "healthBps", "context"] as const;
      const k = named[i]!;
      if (k === "healthBps") b.healthBps += 1;
      else b[k] = `0x${BigInt(b.publicSignals[i]!).toString(16).padStart(64, "0")}`;
      assert.equal((await verifyMargin(b, vkey)).valid, false, `signal ${i} with its field`);
    }
    const big: ProofBundle = JSON.parse(JSON.stringify(proved.bundle));
    big.publicSignals[3] = (BigInt(big.publicSignals[3]!) + FIELD_MODULUS).toString();
    big.context = `0x${BigInt(big.publicSignals[3]).toString(16).padStart(64, "0")}`;
    const r = await verifyMargin(big, vkey);
    assert.equal(r.valid, false);
    assert.equal(r.checks.find((c) => c.name === "field")?.ok, false);
  });

  it("a verifier's own requirements are enforced: other params, higher health, another challenge", async () => {
    const other = JSON.parse(readFileSync(repoFile("test/fixtures/params-small.json"), "utf8"));
    other.epoch = 4;
    const r = await verifyMargin(proved.bundle, vkey, { params: parseRiskParams(other) });
    assert.equal(r.checks.find((c) => c.name === "paramsRoot")?.ok, false);
    assert.equal((await verifyMargin(proved.bundle, vkey, { minHealthBps: 15000 })).valid, false);
    assert.equal((await verifyMargin(proved.bundle, vkey, { context: 1n })).valid, false);
  });

  it("independent check: plain `snarkjs groth16 verify` accepts the bundle and rejects a changed signal", () => {
    const dir = mkdtempSync(join(tmpdir(), "zkm-snarkjs-"));
    writeFileSync(join(dir, "proof.json"), JSON.stringify(proved.bundle.proof));
    writeFileSync(join(dir, "public.json"), JSON.stringify(proved.bundle.publicSignals));
    const run = () => spawnSync(process.execPath, [SNARKJS_CLI, "groth16", "verify", setup.vkey, join(dir, "public.json"), join(dir, "proof.json")], { encoding: "utf8" });
    const ok = run();
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /OK!/);
    const tampered = [...proved.bundle.publicSignals];
    tampered[2] = "20000";
    writeFileSync(join(dir, "public.json"), JSON.stringify(tampered));
    const bad = run();
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout + bad.stderr, /Invalid proof/);
  });

  it("refuses a failing book before proving, with the shortfall", async () => {
    const weak = parsePortfolio({ collateral: { USDC: "1000" }, positions: { "ETH-C-2200": "-100" } }, params);
    await assert.rejects(
      proveMargin({ params, portfolio: weak, healthBps: 12500, context: 1n, config, artifacts: artifacts() }),
      (e: unknown) => e instanceof ShortfallError && e.code === "SHORTFALL" && /shortfall/.test(e.message) && e.report.ok === false,
    );
  });

  it("refuses a portfolio over the configuration's capacity, naming the limit", async () => {
    const wide = parsePortfolio({ collateral: { USDC: "1", ETH: "1", WBTC: "1" } }, params);
    await assert.rejects(
      proveMargin({ params, portfolio: wide, healthBps: 10000, context: 1n, config, artifacts: artifacts() }),
      (e: any) => e.code === "CAPACITY" && e.path === "collateral" && /2 collateral slots/.test(e.message),
    );
    throwsZk(() => commitPortfolio(wide, config, 1n), "CAPACITY", "collateral");
  });
});
