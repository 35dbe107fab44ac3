import { strict as assert } from "node:assert";
import fc from "fast-check";
import { buildPoseidon } from "circomlibjs";
import { poseidon } from "../../src/crypto/poseidon.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { LAYOUT_V1, layoutTag } from "../../src/config/layout.js";
import { parseRiskParams } from "../../src/params/parse.js";
import {
  MixedArityTree,
  PADDING_LEAF,
  TAG_ASSET,
  TAG_INSTRUMENT,
  assetLeafInputs,
  buildParamsTree,
  paddedTiers,
  rootFromOpening,
} from "../../src/params/tree.js";
import { clone, fixtureJson } from "../helpers.js";

describe("params: Poseidon tree", function () {
  let circomlib: any;
  const h = (xs: bigint[]): bigint => circomlib.F.toObject(circomlib(xs));
  before(async () => {
    circomlib = await buildPoseidon();
  });

  it("poseidon-lite and circomlibjs agree for 1..16 inputs", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n }), { minLength: 1, maxLength: 16 }), (xs) => {
        assert.equal(poseidon(xs), h(xs));
      }),
      { numRuns: 64 },
    );
  });

  it("an outsider recomputes paramsRoot from the JSON with circomlibjs, following docs/params-tree.md", () => {
    const json = fixtureJson("params-small.json");
    // --- independent recomputation, from the documented encoding only ---
    const dec = (s: string, places: number) => {
      const neg = s.startsWith("-");
      const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
      const v = BigInt(i! + f.padEnd(places, "0"));
      return neg ? -v : v;
    };
    const fe = (x: bigint) => ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
    const assets = [...json.assets].sort((a: any, b: any) => a.id - b.id);
    const assetLeaves = assets.map((a: any) => {
      const unit = dec(a.price, 8) * 10n ** BigInt(18 - a.decimals);
      const n = a.haircuts.length;
      const ups = [...Array(4 - n).fill(0n), ...a.haircuts.slice(0, -1).map((t: any) => dec(t.upTo, 8) * 10n ** 18n)];
      const bps = [...Array(4 - n).fill(BigInt(a.haircuts[0].bps)), ...a.haircuts.map((t: any) => BigInt(t.bps))];
      return h([1n, BigInt(a.id), unit, ...ups, ...bps]);
    });
    const insts = [...json.instruments].sort((a: any, b: any) => a.id - b.id);
    const instLeaves = insts.map((i: any) => {
      const scale = 10n ** BigInt(18 - i.decimals);
      const risk = h(i.riskArray.map((r: string) => fe(dec(r, 8) * scale)));
      return h([2n, BigInt(i.id), dec(i.shortOptionMinimum, 8) * scale, risk]);
    });
    const root = (leaves: bigint[], arities: number[]) => {
      let level = leaves;
      let zero = 0n;
      for (const a of arities) {
        const next: bigint[] = [];
        for (let i = 0; i < Math.max(level.length, 1); i += a) {
          next.push(h(Array.from({ length: a }, (_, j) => level[i + j] ?? zero)));
        }
        zero = h(Array(a).fill(zero));
        level = next;
      }
      return level[0]!;
    };
    const tag = BigInt("0x" + Buffer.from("zkmargin/params/v1/K16/T4").toString("hex"));
    const expected = h([tag, BigInt(json.epoch), root(assetLeaves, [8, 8]), root(instLeaves, [4, 8, 8, 8, 8])]);
    // --- the SDK ---
    const tree = buildParamsTree(parseRiskParams(json));
    assert.equal(tree.paramsRoot, expected);
    assert.equal(layoutTag(LAYOUT_V1), tag);
  });

  it("openings recompute the root for every leaf, including padding leaves", () => {
    const tree = buildParamsTree(parseRiskParams(fixtureJson("params-small.json")));
    for (let i = 0; i < 4; i++) {
      const o = tree.instrumentTree.open(i);
      assert.equal(rootFromOpening(o.leaf, o.levels), tree.instrumentRoot);
    }
    for (const i of [4, 5, 16383]) {
      const o = tree.instrumentTree.open(i);
      assert.equal(o.leaf, PADDING_LEAF);
      assert.equal(rootFromOpening(o.leaf, o.levels), tree.instrumentRoot);
    }
    const a = tree.assetTree.open(2);
    assert.equal(rootFromOpening(a.leaf, a.levels), tree.assetRoot);
    assert.deepEqual(a.levels.map((l) => l.siblings.length), [7, 7]);
    assert.throws(() => tree.assetTree.open(64), RangeError);
  });

  it("a full tree and a sparse tree agree (zero-subtree shortcut is exact)", () => {
    const leaves = [5n, 6n, 7n];
    const sparse = new MixedArityTree([2, 3], leaves);
    const full = new MixedArityTree([2, 3], [5n, 6n, 7n, 0n, 0n, 0n]);
    assert.equal(sparse.root, full.root);
    assert.equal(sparse.root, poseidon([poseidon([5n, 6n]), poseidon([7n, 0n]), poseidon([0n, 0n])]));
  });

  it("typed leaves: an asset leaf starts with tag 1 and has 10 inputs, an instrument leaf tag 2 and 4", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const inputs = assetLeafInputs(p.assets[0]!, p.layout);
    assert.equal(inputs.length, 10);
    assert.equal(inputs[0], TAG_ASSET);
    assert.notEqual(TAG_ASSET, TAG_INSTRUMENT);
  });

  it("pads fewer tiers at the front with zero-width tiers", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const usdc = p.assets.find((a) => a.symbol === "USDC")!;
    assert.deepEqual(paddedTiers(usdc, 4), { thresholdsE26: [0n, 0n, 10n ** 6n * 10n ** 26n], bps: [200n, 200n, 200n, 800n] });
    const wbtc = p.assets.find((a) => a.symbol === "WBTC")!;
    assert.deepEqual(paddedTiers(wbtc, 4), { thresholdsE26: [0n, 0n, 0n], bps: [1500n, 1500n, 1500n, 1500n] });
  });

  it("every published value, the epoch and the layout change the root", () => {
    const json = fixtureJson("params-small.json");
    const root = (j: any) => buildParamsTree(parseRiskParams(j)).paramsRoot;
    const r0 = root(json);
    const edits: ((j: any) => void)[] = [
      (j) => (j.epoch = 4),
      (j) => (j.assets[0].price = "1.00000001"),
      (j) => (j.assets[1].decimals = 17),
      (j) => (j.assets[1].haircuts[1].bps = 2001),
      (j) => (j.assets[1].haircuts[0].upTo = "100000.01"),
      (j) => (j.assets[0].id = 9),
      (j) => (j.instruments[1].riskArray[15] = "-25.00000001"),
      (j) => (j.instruments[1].shortOptionMinimum = "20.00000001"),
      (j) => (j.instruments[0].id = 999),
      (j) => j.instruments.pop(),
    ];
    const seen = new Set([r0]);
    for (const e of edits) {
      const j = clone(json);
      e(j);
      const r = root(j);
      assert.ok(!seen.has(r));
      seen.add(r);
    }
    // symbols, kinds, scenario labels and asOf are not committed (documented)
    const j = clone(json);
    j.assets[0].symbol = "USDC.e";
    assert.equal(root(j), r0);
  });
});

describe("params: the tree builder re-checks its bit budget", () => {
  it("refuses parameters built in code with out-of-width leaf values", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const bad = structuredClone(p);
    bad.instruments[0]!.riskUnitE26[3] = 1n << 112n;
    assert.throws(() => buildParamsTree(bad), (e: any) => e.code === "BIT_BUDGET" && /risk value/.test(e.message));
    const bad2 = structuredClone(p);
    bad2.assets[0]!.unitValueE26 = 0n;
    assert.throws(() => buildParamsTree(bad2), (e: any) => e.code === "BIT_BUDGET");
    const bad3 = structuredClone(p);
    bad3.assets[1]!.haircuts[1]!.bps = 500; // decreasing after 1000
    assert.throws(() => buildParamsTree(bad3), (e: any) => e.code === "BIT_BUDGET" && /bps/.test(e.message));
    buildParamsTree(p);
  });
});
