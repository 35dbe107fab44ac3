import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provingArtifacts, releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { runCli } from "../../src/cli/main.js";
import { getConfig } from "../../src/config/circuits.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { toHex32 } from "../../src/crypto/poseidon.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { packTerms, type ProofBundle } from "../../src/prove/bundle.js";
import { checkOpening } from "../../src/prove/commitment.js";
import { isDevKey } from "../../src/prove/devKey.js";
import { proveMargin, type ProveResult } from "../../src/prove/prove.js";
import { parseBundle, verifyMargin } from "../../src/prove/verify.js";
import { clone, fixtureJson, smallParams, throwsZk } from "../helpers.js";

// The trust fixes on real proofs of the margin circuit (small, INSECURE dev setup): INSECURE is
// decided from the key, and the opening `prove` writes is checked by recomputing its commitment.
describe("trust: real proofs under the dev setup (small)", function () {
  this.timeout(1_800_000);
  const params = smallParams();
  const config = getConfig("small");
  const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  let setup: SetupArtifacts;
  let vkey: unknown;
  let proved: ProveResult;

  before(async () => {
    setup = await setupCircuit(config);
    vkey = JSON.parse(readFileSync(setup.vkey, "utf8"));
    proved = await proveMargin({
      params,
      portfolio: parsePortfolio(book, params),
      healthBps: 12500,
      creditLimitCents: 150_000n,
      context: 0xc0ffeen,
      config,
      artifacts: provingArtifacts(setup),
    });
  });
  after(releaseCurve);

  it("the dev setup's verification key is recognised as INSECURE from the key alone", () => {
    assert.equal(setup.record.insecure, true);
    assert.equal(isDevKey(vkey), true);
  });

  it("a v2 bundle: terms = healthBps + creditLimitCents * 2^32, verified with insecure: true", async () => {
    const b = proved.bundle;
    assert.equal(b.zkmargin, 2);
    assert.equal(b.creditLimitCents, "150000");
    assert.deepEqual(b.publicSignals, [BigInt(b.commitment), BigInt(b.paramsRoot), packTerms(12500, 150_000n), 0xc0ffeen].map(String));
    const r = await verifyMargin(parseBundle(clone(b)), vkey, { params, minHealthBps: 12500, minCreditLimitCents: 150_000n, context: 0xc0ffeen });
    assert.equal(r.valid, true, JSON.stringify(r.checks));
    assert.equal(r.insecure, true);
    assert.equal((await verifyMargin(b, vkey, { minCreditLimitCents: 150_001n })).valid, false);
    const more = clone(b);
    more.creditLimitCents = "150001";
    more.publicSignals[2] = packTerms(12500, 150_001n).toString();
    assert.equal((await verifyMargin(more, vkey)).checks.find((c) => c.name === "proof")?.ok, false, "a changed credit limit is not proven");
  });

  it("a dev-setup bundle edited to setup.insecure: false still yields the INSECURE warning (SDK and CLI)", async () => {
    const lying: ProofBundle = clone(proved.bundle);
    lying.setup.insecure = false;
    lying.setup.label = "phase-1 file powersOfTau28_hez_final_17.ptau";
    const r = await verifyMargin(lying, vkey);
    assert.equal(r.valid, true);
    assert.equal(r.insecure, true);
    assert.ok(r.warnings.some((w) => /verification key is from an INSECURE dev setup/.test(w)), JSON.stringify(r.warnings));

    const dir = mkdtempSync(join(tmpdir(), "zkm-trust-"));
    const file = join(dir, "lying.json");
    writeFileSync(file, JSON.stringify(lying));
    for (const args of [["--vkey", setup.vkey], []]) {
      let out = "";
      let err = "";
      const code = await runCli(["verify", file, ...args], { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
      assert.equal(code, 0, out + err);
      assert.match(out, /^VALID: health >= 12500 bps with a credit limit of 1500\.00 USD/m);
      assert.match(out, /^INSECURE: /m);
      assert.match(err, /INSECURE dev verification key/);
    }
  });

  it("the opening names holdings by id, carries paramsRoot, and checkOpening recomputes the commitment", () => {
    const o = proved.opening;
    assert.equal(o.zkmarginOpening, 2);
    assert.equal(o.paramsRoot, proved.bundle.paramsRoot);
    assert.equal(o.commitment, proved.bundle.commitment);
    assert.equal(toHex32(checkOpening(clone(o), params).commitment), proved.bundle.commitment);
  });

  it("checkOpening refuses the proof's opening with one balance changed, under another paramsRoot, or with a wrong salt", () => {
    const o = proved.opening;
    const balance = clone(o);
    const k = Object.keys(balance.collateral)[0]!;
    balance.collateral[k] = (BigInt(balance.collateral[k]!) - 1n).toString();
    throwsZk(() => checkOpening(balance, params), "MISMATCH", "opening.commitment", o.commitment);
    const other = fixtureJson("params-small.json");
    other.epoch += 1;
    throwsZk(() => checkOpening(clone(o), parseRiskParams(other)), "MISMATCH", "opening.paramsRoot", o.paramsRoot);
    throwsZk(() => checkOpening({ ...clone(o), salt: toHex32((BigInt(o.salt) + 1n) % FIELD_MODULUS) }, params), "MISMATCH", "opening.commitment");
  });
});
