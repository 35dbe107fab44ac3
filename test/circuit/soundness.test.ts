import { strict as assert } from "node:assert";
import { failingConstraints } from "../../src/circuit/r1cs.js";
import { FIELD_MODULUS as p } from "../../src/config/limits.js";
import { buildParamsTree, type MerkleOpening } from "../../src/params/tree.js";
import { packTerms } from "../../src/prove/bundle.js";
import { smallParams } from "../helpers.js";
import { type Harness, harness, inputFor, laxCheck, wire } from "./harness.js";
import type { WitnessInput } from "../../src/prove/witness.js";

// The circuit's soundness rules (circuits/README.md): each forged witness below must fail the
// CONSTRAINT check on the deployed r1cs. Input-level forgeries are computed with the assertion-free
// witness generator (every hint recomputed from the forged input, as a cheating prover would);
// hint-level forgeries edit wires of an honest witness.
//
// Fixture (test/fixtures/params-small.json): groups BTC (id 1, leaf 0), ETH (id 2, leaf 1), SOL
// (id 7, leaf 2). BTC subtree: BTC-PERP (leaf 0), BTC-P-45000 (leaf 1); ETH subtree: ETH-PERP (0),
// ETH-C-2200 (1), ETH-P-1800 (2), ETH-C-3000 (3); SOL subtree: SOL-PERP (0).
// The "full" book fills all 4 position slots in 2 groups (the small circuit has 2 group slots):
//   slot 0 BTC-PERP +1 (group slot 0), slot 1 BTC-P-45000 -2 (0), slot 2 ETH-PERP +50 (1),
//   slot 3 ETH-C-2200 -100 (1).
//   BTC requirement 7,100 (worst: extreme down), ETH 8,000 (up 3/3): requirement 15,100 USD.
//   USDC 30,000 -> 29,400; ETH 3 x 2,000 = 6,000 -> 5,400; adjusted 34,800 USD.
//   At 12,500 bps with a 5,000 USD credit limit: 1.25 x (15,100 + 5,000) = 25,125 <= 34,800: passes.
// The "sparse" book: USDC 20,000 only, ETH-PERP +50, ETH-C-2200 -100 (one group slot used, two
// position slots and one collateral slot empty).
describe("circuit (small): forged witnesses fail the constraint check", function () {
  this.timeout(600_000);
  const params = smallParams();
  const tree = buildParamsTree(params);
  const full = {
    collateral: { USDC: "30000", ETH: "3" },
    positions: { "BTC-PERP": "1", "BTC-P-45000": "-2", "ETH-PERP": "50", "ETH-C-2200": "-100" },
  };
  const sparse = { collateral: { USDC: "20000" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  const btcOnly = { collateral: { USDC: "30000" }, positions: { "BTC-PERP": "1", "BTC-P-45000": "-2" } };
  // a debt: ETH -1 ($2,000, debtBps 4000 -> counts $2,800); USDC 30,000 -> $29,400; adjusted $26,600.
  // requirement $8,000 (the hedged ETH book): passes up to health 33250; without the debt up to 36750.
  const withDebt = { collateral: { USDC: "30000", ETH: "-1" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  const CREDIT = 500_000n; // 5,000.00 USD
  let h: Harness;
  const honest: Record<string, WitnessInput> = {};
  before(async () => {
    h = await harness("small");
    honest.full = inputFor(h, params, full, { healthBps: 12500, creditLimitCents: CREDIT, tree }).input;
    honest.sparse = inputFor(h, params, sparse, { healthBps: 12500, tree }).input;
    honest.btcOnly = inputFor(h, params, btcOnly, { healthBps: 12500, tree }).input;
    honest.withDebt = inputFor(h, params, withDebt, { healthBps: 33250, tree }).input;
  });

  const clone = (x: WitnessInput): any => JSON.parse(JSON.stringify(x));
  const s = (x: bigint | number) => x.toString();
  const flat = (o: MerkleOpening) =>
    o.levels.flatMap((l) => {
      const r = [...l.siblings];
      r.splice(l.position, 0, 0n);
      return r.map(String);
    });
  const P_KEYS = ["pGroup", "pIndex", "pSign", "pMagnitude", "pId", "pShortMin", "pRisk", "pSiblings"];
  const G_KEYS = ["gUsed", "gIndex", "gId", "gSubtreeRoot", "gSiblings", "gBound"];
  const setTerms = (i: any) => (i.terms = s((BigInt(i.healthBps) + BigInt(i.creditLimitCents) * (1n << 32n)) % p));

  it("control: the honest witnesses satisfy every constraint (lax and strict generators agree)", async () => {
    for (const name of ["full", "sparse", "btcOnly", "withDebt"]) {
      const { witness, failing } = await laxCheck(h, honest[name]!);
      assert.deepEqual(failing, [], name);
      assert.deepEqual(witness, await h.strict.calculate(honest[name]!), name);
    }
  });

  const cases: [string, "full" | "sparse" | "btcOnly" | "withDebt", (i: any) => void][] = [
    // range checks
    ["a wrapped negative balance (p - 1 USDC, sign 0)", "full", (i) => (i.cMagnitude[0] = s(p - 1_000_000n))],
    ["a balance of 2^96 base units", "full", (i) => (i.cMagnitude[1] = s(1n << 96n))],
    ["a collateral sign that is not a bit", "withDebt", (i) => (i.cSign[1] = "2")],
    ["a negative zero (sign 1, magnitude 0) in an empty collateral slot", "sparse", (i) => (i.cSign[1] = "1")],
    // debts
    ["a debt book at a health it passes only with the debt left out (33,250 -> 35,000)", "withDebt", (i) => ((i.healthBps = "35000"), setTerms(i))],
    ["a smaller markup than the leaf's (debtBps 0)", "withDebt", (i) => (i.cDebtBps[1] = "0")],
    ["a debt's markup replaced by the asset's haircut (debtBps 4000 -> the leaf's, bps edited)", "withDebt", (i) => (i.cBps[1] = ["0", "0", "0", "0"])],
    ["a position magnitude beyond 96 bits", "full", (i) => (i.pMagnitude[0] = s((1n << 96n) + 1n))],
    ["a wrapped negative magnitude (long written as p - q)", "full", (i) => ((i.pSign[1] = "0"), (i.pMagnitude[1] = s(p - 2n)))],
    ["a sign that is not a bit", "full", (i) => (i.pSign[1] = "2")],
    ["a negative zero (sign 1, magnitude 0) in an empty slot", "sparse", (i) => (i.pSign[3] = "1")],
    ["healthBps below 10000 (terms consistent)", "full", (i) => ((i.healthBps = "9999"), setTerms(i))],
    ["healthBps wrapped to p - 1 (terms consistent)", "full", (i) => ((i.healthBps = s(p - 1n)), setTerms(i))],
    ["terms split another way (healthBps + 2^32, credit - 1)", "full", (i) => {
      i.healthBps = s(BigInt(i.healthBps) + (1n << 32n));
      i.creditLimitCents = s(BigInt(i.creditLimitCents) - 1n);
    }],
    ["a wrapped negative credit limit (same terms)", "full", (i) => {
      const terms = BigInt(i.terms);
      i.creditLimitCents = s(p - 1n);
      i.healthBps = s((((terms - (p - 1n) * (1n << 32n)) % p) + p) % p);
    }],
    ["a credit limit of 2^64 cents (terms consistent)", "full", (i) => ((i.creditLimitCents = s(1n << 64n)), setTerms(i))],
    ["a leaf index beyond the subtree (comparator input 2^9 + 1)", "full", (i) => (i.pIndex[1] = s((1n << 9n) + 1n))],
    ["a group slot number beyond the group slots", "full", (i) => (i.pGroup[3] = "2")],
    ["a forged tier threshold of 2^208 fed to the tier comparator", "full", (i) => (i.cThresholds[1][2] = s(1n << 208n))],
    ["a wrapped negative group bound (p - 1)", "full", (i) => (i.gBound[0] = s(p - 1n))],
    ["a group slot's used flag that is not a bit (gUsed = 2)", "sparse", (i) => (i.gUsed[0] = "2")],
    // canonical slots
    ["the same asset in two slots", "full", (i) => {
      for (const k of ["cIndex", "cId", "cUnitValue", "cThresholds", "cBps", "cDebtBps", "cSiblings"]) i[k][1] = i[k][0];
    }],
    ["unsorted position slots within a group", "full", (i) => {
      for (const k of P_KEYS) [i[k][0], i[k][1]] = [i[k][1], i[k][0]];
    }],
    ["positions of two groups interleaved", "full", (i) => {
      for (const k of P_KEYS) [i[k][1], i[k][2]] = [i[k][2], i[k][1]];
    }],
    ["an empty position slot before a used slot", "sparse", (i) => {
      for (const k of P_KEYS) [i[k][1], i[k][2]] = [i[k][2], i[k][1]];
    }],
    ["an empty position slot with a non-zero index", "sparse", (i) => (i.pIndex[3] = "2")],
    ["an empty position slot with leaf data (a risk value)", "sparse", (i) => (i.pRisk[3][5] = "7")],
    ["an empty position slot with a sibling", "sparse", (i) => (i.pSiblings[3][9] = "12345")],
    ["an empty position slot naming a group slot", "sparse", (i) => (i.pGroup[3] = "1")],
    ["an empty collateral slot with a non-zero index", "sparse", (i) => (i.cIndex[1] = "1")],
    // groups
    ["a group counted twice (BTC in both group slots, its positions split)", "btcOnly", (i) => {
      for (const k of G_KEYS) i[k][1] = i[k][0];
      i.pGroup[1] = "1";
    }],
    ["a position counted in the wrong group (the pair trade netted in BTC's slot)", "full", (i) => {
      i.pGroup[2] = "0";
      i.pGroup[3] = "0";
      for (const k of G_KEYS) i[k][1] = Array.isArray(i[k][1]) ? i[k][1].map(() => "0") : "0";
      i.gBound[0] = "0";
    }],
    ["an ETH instrument opened with the BTC group's subtree root", "full", (i) => (i.gSubtreeRoot[1] = i.gSubtreeRoot[0])],
    ["a group's loss left out (bound 0)", "full", (i) => (i.gBound[1] = "0")],
    ["a group's bound one unit below its requirement", "full", (i) => (i.gBound[0] = s(BigInt(i.gBound[0]) - 1n))],
    ["a used group hidden as unused (its opening and bound skipped)", "full", (i) => {
      for (const k of G_KEYS) i[k][1] = Array.isArray(i[k][1]) ? i[k][1].map(() => "0") : "0";
    }],
    ["an unused group slot carrying data", "sparse", (i) => (i.gId[1] = "7")],
    ["a used group slot with no position (SOL opened, nothing in it)", "sparse", (i) => {
      i.gUsed[1] = "1";
      i.gIndex[1] = "2";
      i.gId[1] = "7";
      i.gSubtreeRoot[1] = s(tree.instrumentTrees[2]!.root);
      i.gSiblings[1] = flat(tree.groupTree.open(2));
    }],
    ["positions starting in group slot 1 (slot 0 unused)", "sparse", (i) => {
      for (const k of G_KEYS) [i[k][0], i[k][1]] = [i[k][1], i[k][0]];
      i.pGroup[0] = "1";
      i.pGroup[1] = "1";
    }],
    // typed leaves and exact parameters
    ["a padding leaf opened as an instrument", "sparse", (i) => {
      i.pIndex[2] = "4"; // the ETH subtree has 4 instruments: leaf 4 is padding
      i.pMagnitude[2] = "1";
      i.pSiblings[2] = flat(tree.instrumentTrees[1]!.open(4));
    }],
    ["an asset leaf opened as an instrument", "sparse", (i) => {
      i.pId[1] = i.cId[0];
      i.pShortMin[1] = i.cUnitValue[0];
    }],
    ["a smaller haircut than the leaf's (wrong tier bps)", "full", (i) => (i.cBps[1] = ["0", "0", "0", "0"])],
    ["a higher threshold than the leaf's (wrong tier boundary)", "full", (i) => (i.cThresholds[1][2] = s(BigInt(i.cThresholds[1][2]) * 2n))],
    ["an inflated price (unit value)", "full", (i) => (i.cUnitValue[0] = s(BigInt(i.cUnitValue[0]) * 2n))],
    ["an edited risk array value", "full", (i) => (i.pRisk[1][15] = "0")],
    ["an edited short-option minimum", "full", (i) => (i.pShortMin[3] = "0")],
    ["a different epoch", "full", (i) => (i.epoch = "4")],
    ["a different asOf", "full", (i) => (i.asOf = s(BigInt(i.asOf) + 1n))],
    ["a different maxStatementAge", "full", (i) => (i.maxStatementAge = "7200")],
    ["a different venue root", "full", (i) => (i.venueRoot = "1")],
    ["a different params root", "full", (i) => (i.paramsRoot = s(BigInt(i.paramsRoot) + 1n))],
    ["a group root from other parameters", "full", (i) => (i.groupRoot = i.assetRoot)],
    // the inequality
    ["a book that does not pass at the stated health (12,500 -> 30,000)", "full", (i) => ((i.healthBps = "30000"), setTerms(i))],
    ["a credit limit above what the book covers (5,000 -> 20,000 USD)", "full", (i) => ((i.creditLimitCents = "2000000"), setTerms(i))],
    ["removing collateral below the requirement", "full", (i) => ((i.cMagnitude[1] = "0"), (i.cMagnitude[0] = "1000000000"))],
  ];
  for (const [what, base, edit] of cases) {
    it(`rejects ${what}`, async () => {
      const input = clone(honest[base]!);
      edit(input);
      const { failing } = await laxCheck(h, input);
      assert.ok(failing.length > 0, "forged witness satisfied every constraint");
    });
  }

  it("rejects changed public signals in an honest witness (commitment, paramsRoot, terms, context)", async () => {
    const w = await h.strict.calculate(honest.full!);
    for (const idx of [1, 2, 3, 4]) {
      const forged = [...w];
      forged[idx] = (forged[idx]! + 1n) % p;
      assert.ok(failingConstraints(h.r1cs, forged).length > 0, `public signal ${idx}`);
    }
  });

  it("rejects a credit limit changed after proving (terms of another credit limit)", async () => {
    const w = await h.strict.calculate(honest.full!);
    assert.equal(w[3], packTerms(12500, CREDIT));
    for (const credit of [0n, CREDIT + 1n, CREDIT * 2n]) {
      const forged = [...w];
      forged[3] = packTerms(12500, credit);
      assert.ok(failingConstraints(h.r1cs, forged).length > 0, `credit ${credit}`);
    }
  });

  it("rejects forged comparator and IsZero hints", async () => {
    const w = await h.strict.calculate(honest.full!);
    const names = [
      "cOrder[1].out",
      "pOrder[1].out",
      "pOrder[3].out",
      "gOrder[1].out",
      "cs[1].isEmpty.inv",
      "ps[0].isEmpty.inv",
      "cs[0].below[2].n2b.out[0]",
      "bounds[1].scenarioOk[10].bits[5]",
      "bounds[0].shortOk.bits[100]",
      "marginOk.bits[100]",
    ];
    for (const name of names) {
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

  it("rejects a debt dropped or counted smaller inside the witness (the marked-up debt, the adjusted total)", async () => {
    const w = await h.strict.calculate(honest.withDebt!);
    const debt = wire(h, "cs[1].debt");
    const adjusted = wire(h, "adjusted");
    // (--O2 folds the slot's sign-flipped term and its adjusted value into the total's constraint)
    // $2,000 x 1.4 = $2,800 in E30
    assert.equal(w[debt], 2_800n * 10n ** 30n);
    for (const [name, idx, value] of [
      ["the debt counted at 0", debt, 0n],
      ["the debt one unit smaller", debt, w[debt]! - 1n],
      ["the debt counted without its markup ($2,000)", debt, 2_000n * 10n ** 30n],
      ["the adjusted total without the debt", adjusted, w[adjusted]! + 2_800n * 10n ** 30n],
    ] as const) {
      const forged = [...w];
      forged[idx] = value;
      assert.ok(failingConstraints(h.r1cs, forged).length > 0, name);
    }
  });

  it("the public output is the commitment: another salt gives another commitment", async () => {
    const a = inputFor(h, params, full, { healthBps: 12500, tree, salt: 1n });
    const b = inputFor(h, params, full, { healthBps: 12500, tree, salt: 2n });
    assert.notEqual(a.commitment, b.commitment);
    assert.equal((await h.strict.calculate(a.input))[1], a.commitment);
  });
});
