import { strict as assert } from "node:assert";
import { failingConstraints } from "../../src/circuit/r1cs.js";
import { FIELD_MODULUS as p } from "../../src/config/limits.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { smallParams } from "../helpers.js";
import { type Harness, harness, inputFor, laxCheck, wire } from "./harness.js";
import type { WitnessInput } from "../../src/prove/witness.js";

// SPEC.md "Soundness rules for the circuit": each forged witness below must fail the CONSTRAINT
// check on the deployed r1cs. Input-level forgeries are computed with the assertion-free witness
// generator (every hint recomputed from the forged input, as a cheating prover would); hint-level
// forgeries edit wires of an honest witness.
describe("circuit (small): forged witnesses fail the constraint check", function () {
  this.timeout(600_000);
  const params = smallParams();
  const tree = buildParamsTree(params);
  // USDC 10,000 -> 9,800; ETH 3 -> 5,400; requirement 8,000; passes at 12,500 (needs 10,000).
  const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  let h: Harness;
  let honest: WitnessInput;
  before(async () => {
    h = await harness("small");
    honest = inputFor(h, params, book, { healthBps: 12500, tree }).input;
  });

  const clone = (x: WitnessInput): any => JSON.parse(JSON.stringify(x));
  async function expectRejected(edit: (i: any) => void) {
    const input = clone(honest);
    edit(input);
    const { failing } = await laxCheck(h, input);
    assert.ok(failing.length > 0, "forged witness satisfied every constraint");
    return failing;
  }

  it("control: the honest witness satisfies every constraint (lax and strict generators agree)", async () => {
    const { witness, failing } = await laxCheck(h, honest);
    assert.deepEqual(failing, []);
    assert.deepEqual(witness, await h.strict.calculate(honest));
  });

  const s = (x: bigint) => x.toString();
  const cases: [string, (i: any) => void][] = [
    // range checks
    ["a wrapped negative balance (p - 1 USDC)", (i) => (i.cBalance[0] = s(p - 1_000_000n))],
    ["a balance of 2^96 base units", (i) => (i.cBalance[1] = s(1n << 96n))],
    ["a position magnitude beyond 96 bits", (i) => (i.pMagnitude[0] = s((1n << 96n) + 50_000n))],
    ["a wrapped negative magnitude (long written as p - q)", (i) => ((i.pSign[1] = "0"), (i.pMagnitude[1] = s(p - 10_000n)))],
    ["a sign that is not a bit", (i) => (i.pSign[1] = "2")],
    ["a negative zero (sign 1, magnitude 0) in an empty slot", (i) => (i.pSign[3] = "1")],
    ["healthBps below 10000", (i) => (i.healthBps = "9999")],
    ["healthBps wrapped (p - 1)", (i) => (i.healthBps = s(p - 1n))],
    // comparators only see range-checked values
    ["a leaf index beyond the tree (comparator input 2^14 + 1)", (i) => (i.pIndex[1] = s((1n << 14n) + 1n))],
    ["a forged tier threshold of 2^208 fed to the tier comparator", (i) => (i.cThresholds[1][2] = s(1n << 208n))],
    // canonical slots
    ["the same asset in two slots", (i) => {
      for (const k of ["cIndex", "cId", "cUnitValue", "cThresholds", "cBps", "cSiblings"]) i[k][1] = i[k][0];
    }],
    ["unsorted position slots", (i) => {
      for (const k of ["pIndex", "pSign", "pMagnitude", "pId", "pShortMin", "pRisk", "pSiblings"]) [i[k][0], i[k][1]] = [i[k][1], i[k][0]];
    }],
    ["an empty slot before a used slot", (i) => {
      for (const k of ["pIndex", "pSign", "pMagnitude", "pId", "pShortMin", "pRisk", "pSiblings"]) [i[k][1], i[k][2]] = [i[k][2], i[k][1]];
    }],
    ["an empty slot with a non-zero index", (i) => (i.pIndex[3] = "2")],
    ["an empty slot with leaf data (a risk value)", (i) => (i.pRisk[3][5] = "7")],
    ["an empty slot with a sibling", (i) => (i.pSiblings[3][9] = "12345")],
    ["an empty collateral slot with a non-zero index", (i) => {
      i.cIndex[1] = i.cIndex[0];
      i.cBalance[1] = "0";
    }],
    // typed leaves and exact parameters
    ["an asset leaf opened as an instrument", (i) => {
      const a = tree.assetTree.open(0);
      i.pId[0] = "1";
      i.pShortMin[0] = i.cUnitValue[0];
      i.pIndex[0] = "0";
      i.pSiblings[0] = [...a.levels.flatMap((l) => { const r = [...l.siblings]; r.splice(l.position, 0, 0n); return r.map(String); }), ...Array(i.pSiblings[0].length - 16).fill("0")].slice(0, i.pSiblings[0].length);
    }],
    ["a padding leaf opened as an instrument", (i) => {
      const o = tree.instrumentTree.open(4); // the fixture has 4 instruments: leaf 4 is padding
      i.pIndex[3] = "4";
      i.pMagnitude[3] = "1";
      i.pSiblings[3] = o.levels.flatMap((l) => { const r = [...l.siblings]; r.splice(l.position, 0, 0n); return r.map(String); });
    }],
    ["a smaller haircut than the leaf's (wrong tier bps)", (i) => (i.cBps[1] = ["0", "0", "0", "0"])],
    ["a higher threshold than the leaf's (wrong tier boundary)", (i) => (i.cThresholds[1][2] = s(BigInt(i.cThresholds[1][2]) * 2n))],
    ["an inflated price (unit value)", (i) => (i.cUnitValue[0] = s(BigInt(i.cUnitValue[0]) * 2n))],
    ["an edited risk array value", (i) => (i.pRisk[1][10] = "0")],
    ["an edited short-option minimum", (i) => (i.pShortMin[1] = "0")],
    ["a different epoch", (i) => (i.epoch = "4")],
    ["a different params root", (i) => (i.paramsRoot = s(BigInt(i.paramsRoot) + 1n))],
    ["an instrument root from other parameters", (i) => (i.instrumentRoot = i.assetRoot)],
    // the inequality
    ["a book that does not pass at the stated health (12,500 -> 20,000)", (i) => (i.healthBps = "20000")],
    ["removing collateral below the requirement", (i) => ((i.cBalance[1] = "0"), (i.cBalance[0] = "1000000000"))],
  ];
  for (const [what, edit] of cases) {
    it(`rejects ${what}`, async () => {
      await expectRejected(edit);
    });
  }

  it("rejects changed public signals in an honest witness (commitment, paramsRoot, healthBps, context)", async () => {
    const w = await h.strict.calculate(honest);
    for (const idx of [1, 2, 3, 4]) {
      const forged = [...w];
      forged[idx] = (forged[idx]! + 1n) % p;
      assert.ok(failingConstraints(h.r1cs, forged).length > 0, `public signal ${idx}`);
    }
  });

  it("rejects forged comparator and IsZero hints", async () => {
    const w = await h.strict.calculate(honest);
    for (const name of ["cOrder[1].out", "pOrder[1].out", "cs[1].isEmpty.inv", "ps[0].isEmpty.inv", "cs[0].below[2].n2b.out[0]", "scenarioOk[10].bits[5]", "shortMinimumOk.bits[100]"]) {
      let idx: number;
      try {
        idx = wire(h, name);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
      const forged = [...w];
      forged[idx] = forged[idx] === 0n ? 1n : 0n;
      assert.ok(failingConstraints(h.r1cs, forged).length > 0, name);
    }
  });

  it("the public output is the commitment: another salt gives another commitment", async () => {
    const a = inputFor(h, params, book, { healthBps: 12500, tree, salt: 1n });
    const b = inputFor(h, params, book, { healthBps: 12500, tree, salt: 2n });
    assert.notEqual(a.commitment, b.commitment);
    assert.equal((await h.strict.calculate(a.input))[1], a.commitment);
  });
});
