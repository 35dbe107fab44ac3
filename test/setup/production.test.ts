import { strict as assert } from "node:assert";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import * as snarkjs from "snarkjs";
import { compileCircuit } from "../../src/circuit/compile.js";
import { getConfig } from "../../src/config/circuits.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { proveMargin } from "../../src/prove/prove.js";
import { verifyMargin } from "../../src/prove/verify.js";
import { provingArtifacts, ptauInfo, releaseCurve, setupCircuit } from "../../setup/groth16.js";
import { generateDevPtau } from "../../setup/devPtau.js";
import { smallParams } from "../helpers.js";

// The production flow: a phase-1 file given by path, phase-2 contributions, a beacon, zkey verify.
// (No public ptau can be downloaded here, so the "given" file is a locally generated one; the flow
// does not know or care where it came from.) It runs in its own cache folder so that it does not
// replace the dev setup other tests use.
describe("setup: production flow from a given ptau", function () {
  this.timeout(1_800_000);
  const config = getConfig("small");
  const saved = process.env.ZKMARGIN_CACHE;
  let cache: string;
  let ptau: string;

  before(async () => {
    const compiled = await compileCircuit(config); // in the normal cache
    cache = mkdtempSync(join(tmpdir(), "zkm-prod-"));
    cpSync(compiled.dir, join(cache, "circuits", basename(compiled.dir)), { recursive: true });
    ptau = join(cache, `given-${compiled.power}.ptau`);
    await generateDevPtau({ power: compiled.power, outFile: ptau, seed: "production-flow test" });
    process.env.ZKMARGIN_CACHE = cache;
  });
  after(async () => {
    if (saved === undefined) delete process.env.ZKMARGIN_CACHE;
    else process.env.ZKMARGIN_CACHE = saved;
    await releaseCurve();
    rmSync(cache, { recursive: true, force: true }); // the given ptau, its setup and copies: ~110 MB
  });

  it("contributes twice, applies the beacon, verifies the zkey, exports vkey and verifier; proofs verify", async () => {
    const beacon = "5a".repeat(32);
    const a = await setupCircuit(config, { ptau, contributions: 2, beacon });
    assert.equal(a.record.insecure, false);
    assert.equal(a.record.verified, true);
    assert.deepEqual(a.record.contributions.map((c) => c.name), ["contribution 1", "contribution 2"]);
    assert.deepEqual(a.record.beacon, { hash: beacon, iterationsExp: 10 });
    assert.equal(a.record.ptau.kind, "file");
    assert.ok(a.dir.startsWith(cache));
    const sol = readFileSync(a.verifierSol, "utf8");
    assert.match(sol, /contract Groth16Verifier/);
    assert.doesNotMatch(sol, /INSECURE/);
    // the flow ran snarkjs's own `zkey verify` (verifyFromR1cs against the r1cs and the given ptau)
    // and refuses to finish when it fails; not repeated here, it is the slowest step
    assert.ok(a.record.seconds.verify > 0);
    // the zkey records both contributions and the beacon
    const params = smallParams();
    const r = await proveMargin({
      params,
      portfolio: parsePortfolio({ collateral: { USDC: "50000" }, positions: { "ETH-PERP": "-10" } }, params),
      healthBps: 10000,
      context: 42n,
      config,
      artifacts: provingArtifacts(a),
    });
    assert.equal(r.bundle.setup.insecure, false);
    const vkey = JSON.parse(readFileSync(a.vkey, "utf8"));
    assert.ok((await verifyMargin(r.bundle, vkey, { params })).valid);
    // a second run with the same ptau is cached
    const t = Date.now();
    await setupCircuit(config, { ptau });
    assert.ok(Date.now() - t < 20_000);
  });

  it("refuses a ptau that is too small, not prepared for phase 2, or not a ptau", async () => {
    const tiny = join(cache, "tiny.ptau");
    await generateDevPtau({ power: 8, outFile: tiny });
    await assert.rejects(setupCircuit(config, { ptau: tiny }), (e: any) => e.code === "CAPACITY" && e.path === "--ptau" && /2\^8/.test(e.message));
    const raw = join(cache, "raw.ptau");
    const curve = await (snarkjs as any).curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, 16, raw, undefined);
    assert.equal(ptauInfo(raw).prepared, false);
    await assert.rejects(setupCircuit(config, { ptau: raw }), (e: any) => e.code === "FILE" && /not prepared for phase 2/.test(e.message));
    const junk = join(cache, "junk.ptau");
    writeFileSync(junk, "not a ptau at all");
    await assert.rejects(setupCircuit(config, { ptau: junk }), (e: any) => e.code === "FILE" && /not a \.ptau file/.test(e.message));
    await assert.rejects(setupCircuit(config, { ptau: join(cache, "missing.ptau") }), (e: any) => e.code === "FILE" && /no such file/.test(e.message));
    assert.ok(!existsSync(join(cache, "setup", "nothing")));
  });
});
