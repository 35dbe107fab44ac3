import { strict as assert } from "node:assert";
import fc from "fast-check";
import { buildEddsa, buildPoseidon } from "circomlibjs";
import { poseidon } from "../../src/crypto/poseidon.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { LAYOUT_V3, layoutTag } from "../../src/config/layout.js";
import { parseRiskParams } from "../../src/params/parse.js";
import {
  MixedArityTree,
  PADDING_LEAF,
  TAG_ASSET,
  TAG_GROUP,
  TAG_INSTRUMENT,
  TAG_VENUE,
  assetLeafInputs,
  groupLeaf,
  buildParamsTree,
  clearParamsTreeCache,
  paddedTiers,
  paramsContentKey,
  paramsTree,
  paramsTreeCacheStats,
  PARAMS_TREE_CACHE_SIZE,
  rootFromOpening,
} from "../../src/params/tree.js";
import { clone, fixtureJson, throwsZk } from "../helpers.js";

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

  it("an outsider recomputes paramsRoot from the JSON with circomlibjs, following docs/params-tree.md", async () => {
    const json = clone(fixtureJson("params-small.json"));
    // a venue with a real Baby Jubjub key, so that the venue tree is covered too
    const eddsa = await buildEddsa();
    const pub = eddsa.prv2pub(Buffer.alloc(32, 7));
    json.venues = [{ id: 5, name: "Example Exchange", publicKey: pub.map((c: any) => eddsa.F.toObject(c).toString()) }];
    // --- independent recomputation, from the documented encoding only ---
    const dec = (s: string, places: number) => {
      const neg = s.startsWith("-");
      const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
      const v = BigInt(i! + f.padEnd(places, "0"));
      return neg ? -v : v;
    };
    const fe = (x: bigint) => ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;
    const byId = (a: any, b: any) => a.id - b.id;
    const assetLeaves = [...json.assets].sort(byId).map((a: any) => {
      const unit = dec(a.price, 8) * 10n ** BigInt(18 - a.decimals);
      const n = a.haircuts.length;
      const ups = [...Array(4 - n).fill(0n), ...a.haircuts.slice(0, -1).map((t: any) => dec(t.upTo, 8) * 10n ** 18n)];
      const bps = [...Array(4 - n).fill(BigInt(a.haircuts[0].bps)), ...a.haircuts.map((t: any) => BigInt(t.bps))];
      return h([1n, BigInt(a.id), unit, ...ups, ...bps, BigInt(a.debtBps)]);
    });
    const instLeaf = (i: any) => {
      const scale = 10n ** BigInt(18 - i.decimals);
      const risk = h(i.riskArray.map((r: string) => fe(dec(r, 8) * scale)));
      return h([2n, BigInt(i.id), dec(i.shortOptionMinimum, 8) * scale, risk]);
    };
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
    const groupLeaves = [...json.groups].sort(byId).map((g: any) => {
      const mine = json.instruments.filter((i: any) => i.group === g.symbol || i.group === g.id).sort(byId);
      return h([3n, BigInt(g.id), root(mine.map(instLeaf), [8, 8, 8])]);
    });
    const venueLeaves = [...json.venues].sort(byId).map((v: any) => h([4n, BigInt(v.id), BigInt(v.publicKey[0]), BigInt(v.publicKey[1])]));
    const tag = BigInt("0x" + Buffer.from("zkmargin/params/v3/K16/T4").toString("hex"));
    const asOf = BigInt(Date.parse(json.asOf) / 1000);
    const expected = h([
      tag,
      BigInt(json.epoch),
      asOf,
      BigInt(json.maxStatementAge),
      root(assetLeaves, [8, 8]),
      root(groupLeaves, [8, 8]),
      root(venueLeaves, [4, 4]),
    ]);
    // --- the SDK ---
    const tree = buildParamsTree(parseRiskParams(json));
    assert.equal(tree.paramsRoot, expected);
    assert.equal(layoutTag(LAYOUT_V3), tag);
  });

  it("openings recompute the root for every leaf, including padding leaves", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const tree = buildParamsTree(p);
    p.groups.forEach((g, gi) => {
      const sub = tree.instrumentTrees[gi]!;
      const n = p.instruments.filter((i) => i.groupId === g.id).length;
      for (let i = 0; i < n; i++) {
        const o = sub.open(i);
        assert.equal(rootFromOpening(o.leaf, o.levels), sub.root);
      }
      for (const i of [n, 511]) {
        const o = sub.open(i);
        assert.equal(o.leaf, PADDING_LEAF);
        assert.equal(rootFromOpening(o.leaf, o.levels), sub.root);
      }
      const go = tree.groupTree.open(gi);
      assert.equal(go.leaf, groupLeaf(g, sub.root));
      assert.equal(rootFromOpening(go.leaf, go.levels), tree.groupRoot);
    });
    assert.throws(() => tree.instrumentTrees[0]!.open(512), RangeError);
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

  it("typed leaves: tags 1 asset (11 inputs), 2 instrument (4), 3 group (3), 4 venue (4)", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const inputs = assetLeafInputs(p.assets[0]!, p.layout);
    assert.equal(inputs.length, 11);
    assert.equal(inputs[10], BigInt(p.assets[0]!.debtBps));
    assert.equal(inputs[0], TAG_ASSET);
    assert.equal(new Set([TAG_ASSET, TAG_INSTRUMENT, TAG_GROUP, TAG_VENUE]).size, 4);
  });

  it("pads fewer tiers at the front with zero-width tiers", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const usdc = p.assets.find((a) => a.symbol === "USDC")!;
    assert.deepEqual(paddedTiers(usdc, 4), { thresholdsE26: [0n, 0n, 10n ** 6n * 10n ** 26n], bps: [200n, 200n, 200n, 800n] });
    const wbtc = p.assets.find((a) => a.symbol === "WBTC")!;
    assert.deepEqual(paddedTiers(wbtc, 4), { thresholdsE26: [0n, 0n, 0n], bps: [1500n, 1500n, 1500n, 1500n] });
  });

  it("every published value, the epoch, asOf, maxStatementAge, groups and venues change the root", () => {
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
      (j) => (j.instruments.find((i: any) => i.symbol === "ETH-C-2200").riskArray[15] = "-25.00000001"),
      (j) => (j.instruments.find((i: any) => i.symbol === "ETH-C-2200").shortOptionMinimum = "20.00000001"),
      (j) => (j.instruments[0].id = 999),
      (j) => j.instruments.pop(),
      (j) => (j.asOf = "2026-11-20T16:00:01Z"),
      (j) => (j.maxStatementAge = 3601),
      (j) => (j.instruments[0].group = j.groups.find((g: any) => g.symbol !== j.instruments[0].group).symbol),
      (j) => (j.groups[0].id = 99),
      (j) => j.groups.push({ id: 500, symbol: "NEW" }),
    ];
    const seen = new Set([r0]);
    for (const e of edits) {
      const j = clone(json);
      e(j);
      const r = root(j);
      assert.ok(!seen.has(r));
      seen.add(r);
    }
    // symbols, names, kinds and scenario labels are not committed (documented)
    const j = clone(json);
    j.assets[0].symbol = "USDC.e";
    j.groups[0].symbol = "XBT";
    for (const i of j.instruments) if (i.group === json.groups[0].symbol) i.group = "XBT";
    j.scenarios[0] = "relabelled";
    assert.equal(root(j), r0);
  });
});

describe("params: paramsTree caches trees by content", () => {
  beforeEach(clearParamsTreeCache);
  after(clearParamsTreeCache);

  it("equal parameters in different objects share one tree; any change is another tree", () => {
    const json = fixtureJson("params-small.json");
    const a = paramsTree(parseRiskParams(json));
    assert.equal(a.paramsRoot, buildParamsTree(parseRiskParams(json)).paramsRoot);
    assert.equal(paramsTree(parseRiskParams(clone(json))), a, "the same tree object for equal content");
    assert.deepEqual(paramsTreeCacheStats(), { size: 1, hits: 1, misses: 1 });
    // a change to a committed value: another tree with another root
    const edited = clone(json);
    edited.instruments[0].riskArray[3] = "100.00000001";
    const b = paramsTree(parseRiskParams(edited));
    assert.notEqual(b.paramsRoot, a.paramsRoot);
    // the same object changed in place after use is not served the old tree (content, not identity)
    const p = parseRiskParams(json);
    assert.equal(paramsTree(p), a);
    p.epoch += 1n;
    assert.notEqual(paramsTree(p).paramsRoot, a.paramsRoot);
    assert.equal(paramsTree(p).paramsRoot, buildParamsTree(p).paramsRoot);
    // the shared tree cannot be changed by a caller
    assert.throws(() => ((a as { paramsRoot: bigint }).paramsRoot = 1n), TypeError);
  });

  it("the key tells types apart: a bigint and a string of the same digits differ", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const q = { ...p, epoch: "3" } as unknown as typeof p;
    assert.notEqual(paramsContentKey(p), paramsContentKey(q));
    assert.equal(paramsContentKey(p), paramsContentKey(parseRiskParams(fixtureJson("params-small.json"))));
  });

  it("keeps the last PARAMS_TREE_CACHE_SIZE parameter sets, least recently used out first; bad parameters are not cached", () => {
    const json = fixtureJson("params-small.json");
    const epoch = (e: number) => parseRiskParams({ ...clone(json), epoch: e });
    const first = paramsTree(epoch(1));
    for (let e = 2; e <= PARAMS_TREE_CACHE_SIZE + 1; e++) {
      paramsTree(epoch(e));
      if (e === PARAMS_TREE_CACHE_SIZE) assert.equal(paramsTree(epoch(1)), first, "epoch 1 used again: most recent");
    }
    assert.equal(paramsTreeCacheStats().size, PARAMS_TREE_CACHE_SIZE);
    // epoch 2 was the least recently used: evicted; epoch 1 is still there
    assert.equal(paramsTree(epoch(1)), first);
    const misses = paramsTreeCacheStats().misses;
    paramsTree(epoch(2));
    assert.equal(paramsTreeCacheStats().misses, misses + 1);
    const bad = epoch(3);
    bad.assets = [];
    throwsZk(() => paramsTree(bad), "BIT_BUDGET", "assets");
    assert.equal(paramsTreeCacheStats().size, PARAMS_TREE_CACHE_SIZE);
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
    for (const debtBps of [-1, 10001, 1.5]) {
      const bad4 = structuredClone(p);
      bad4.assets[0]!.debtBps = debtBps;
      assert.throws(() => buildParamsTree(bad4), (e: any) => e.code === "BIT_BUDGET" && /debtBps/.test(e.message), String(debtBps));
    }
    buildParamsTree(p);
  });

  it("refuses a venue key off the curve or of small order on every path (code as well as a file)", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    assert.ok(p.venues.length > 0);
    const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    for (const [what, key, re] of [
      ["(1, 2), off the curve", [1n, 2n], /on Baby Jubjub/],
      ["(0, 1), the identity", [0n, 1n], /small order/],
      ["(0, p - 1), of order 2", [0n, P - 1n], /small order/],
    ] as const) {
      const bad = structuredClone(p);
      bad.venues[0]!.publicKey = [key[0], key[1]];
      assert.throws(() => buildParamsTree(bad), (e: any) => e.code === "BIT_BUDGET" && re.test(e.message), what);
      const json = structuredClone(fixtureJson("params-small.json"));
      json.venues[0].publicKey = key.map(String);
      assert.throws(() => parseRiskParams(json), (e: any) => e.path === "venues[0].publicKey", what);
    }
  });

  it("refuses parameters built in code that a file could not publish (duplicate or unsorted ids, no asset, unknown group)", () => {
    const p = parseRiskParams(fixtureJson("params-small.json"));
    const dupAsset = structuredClone(p);
    dupAsset.assets[1]!.id = dupAsset.assets[0]!.id;
    assert.throws(() => buildParamsTree(dupAsset), (e: any) => e.code === "BIT_BUDGET" && /unique and sorted/.test(e.message));
    const dupInstrument = structuredClone(p);
    dupInstrument.instruments[1]!.id = dupInstrument.instruments[0]!.id;
    assert.throws(() => buildParamsTree(dupInstrument), (e: any) => /unique and sorted/.test(e.message));
    const unsorted = structuredClone(p);
    unsorted.groups.reverse();
    assert.throws(() => buildParamsTree(unsorted), (e: any) => /unique and sorted/.test(e.message));
    const none = structuredClone(p);
    none.assets = [];
    assert.throws(() => buildParamsTree(none), (e: any) => /at least one asset/.test(e.message));
    const orphan = structuredClone(p);
    orphan.instruments[0]!.groupId = 12345;
    assert.throws(() => buildParamsTree(orphan), (e: any) => /listed group/.test(e.message));
    const badIndex = structuredClone(p);
    badIndex.instruments[0]!.index = 3;
    assert.throws(() => buildParamsTree(badIndex), (e: any) => /index/.test(e.message));
  });
});
