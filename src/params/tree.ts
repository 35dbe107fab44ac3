import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { capacity, layoutTag, type TreeLayout } from "../config/layout.js";
import { poseidon, toField } from "../crypto/poseidon.js";
import { EPOCH_LIMIT, FIELD_MODULUS, ID_LIMIT, TIME_LIMIT, UNIT_VALUE_LIMIT, VALUE_LIMIT } from "../config/limits.js";
import { hasSmallOrder, isOnCurve } from "../crypto/babyJubjub.js";
import { ZkMarginError } from "../errors.js";
import type { AssetParams, GroupParams, InstrumentParams, RiskParams, VenueParams } from "./types.js";

/**
 * The risk-parameter commitment, layout v3 (docs/params-tree.md is the normative description).
 *
 *   assetLeaf      = Poseidon(2T+3)(1, id, unitValueE26, u_1..u_{T-1}, h_1..h_T, debtBps)
 *   instrumentLeaf = Poseidon(4)(2, id, shortOptionMinimumUnitE26, Poseidon(K)(riskUnitE26[0..K-1] mod p))
 *   groupLeaf      = Poseidon(3)(3, id, instrumentSubtreeRoot)   (the group's instruments, sorted by id)
 *   venueLeaf      = Poseidon(4)(4, id, Ax, Ay)
 *   padding leaf   = 0
 *   node           = Poseidon(arity)(children...)      (per-level arity from the layout)
 *   paramsRoot     = Poseidon(7)(layoutTag, epoch, asOfUnix, maxStatementAge, assetRoot, groupRoot, venueRoot)
 *
 * Tier padding: an asset with n < T tiers is padded at the FRONT with zero-width tiers
 * (threshold 0, bps equal to its first tier), so the unbounded tier is always tier T.
 * Thresholds u_t are cumulative USD values in 1e-26 USD (upTo * 10^26).
 * The first input of each leaf is its type tag and the four kinds use different Poseidon widths
 * (2T+3, 4, 3, 4) in different trees, so a leaf of one kind can never be opened as another (the
 * instrument and venue leaves share a width but differ in tag and live in different trees), and the
 * padding leaf 0 has no preimage under any of them.
 */
export const TAG_ASSET = 1n;
export const TAG_INSTRUMENT = 2n;
export const TAG_GROUP = 3n;
export const TAG_VENUE = 4n;
export const PADDING_LEAF = 0n;
const E18 = 10n ** 18n;

/** The T-1 thresholds (E26) and T bps of an asset after front padding. */
export function paddedTiers(asset: AssetParams, tiers: number): { thresholdsE26: bigint[]; bps: bigint[] } {
  const n = asset.haircuts.length;
  if (n < 1 || n > tiers) throw new RangeError(`asset ${asset.symbol} has ${n} tiers, layout allows 1..${tiers}`);
  const first = asset.haircuts[0]!.bps;
  const thresholdsE26 = [
    ...Array<bigint>(tiers - n).fill(0n),
    ...asset.haircuts.slice(0, -1).map((t) => (t.upToE8 as bigint) * E18),
  ];
  const bps = [...Array<bigint>(tiers - n).fill(BigInt(first)), ...asset.haircuts.map((t) => BigInt(t.bps))];
  return { thresholdsE26, bps };
}

export function assetLeafInputs(asset: AssetParams, layout: TreeLayout): bigint[] {
  const { thresholdsE26, bps } = paddedTiers(asset, layout.tiers);
  return [TAG_ASSET, BigInt(asset.id), asset.unitValueE26, ...thresholdsE26, ...bps, BigInt(asset.debtBps)];
}

export function assetLeaf(asset: AssetParams, layout: TreeLayout): bigint {
  return poseidon(assetLeafInputs(asset, layout));
}

export function riskArrayHash(ins: InstrumentParams): bigint {
  return poseidon(ins.riskUnitE26.map(toField));
}

export function instrumentLeaf(ins: InstrumentParams): bigint {
  return poseidon([TAG_INSTRUMENT, BigInt(ins.id), ins.shortOptionMinimumUnitE26, riskArrayHash(ins)]);
}

export function groupLeaf(group: GroupParams, instrumentSubtreeRoot: bigint): bigint {
  return poseidon([TAG_GROUP, BigInt(group.id), instrumentSubtreeRoot]);
}

export function venueLeaf(venue: VenueParams): bigint {
  return poseidon([TAG_VENUE, BigInt(venue.id), venue.publicKey[0], venue.publicKey[1]]);
}

/** Sibling data for one level of an opening: the other arity-1 children, in order, and our position. */
export interface OpeningLevel {
  position: number;
  siblings: bigint[];
}

/** A leaf's Merkle opening: its index and value, the siblings level by level, and the root they give. */
export interface MerkleOpening {
  leafIndex: number;
  leaf: bigint;
  levels: OpeningLevel[];
  root: bigint;
}

/**
 * A fixed-shape Merkle tree with mixed arity per level. Leaves beyond `leaves.length` are
 * PADDING_LEAF; whole empty subtrees use precomputed zero hashes, so only the filled prefix is
 * hashed.
 */
export class MixedArityTree {
  readonly arities: readonly number[];
  readonly capacity: number;
  /** levels[0] = leaves (filled prefix), levels[d] = root level. */
  private readonly levels: bigint[][];
  /** zero[d] = hash of an empty subtree whose root is at level d. */
  private readonly zero: bigint[];

  constructor(arities: readonly number[], leaves: readonly bigint[], hashed?: { levels: bigint[][]; zero: bigint[] }) {
    this.arities = arities;
    this.capacity = capacity(arities);
    if (leaves.length > this.capacity) throw new RangeError(`${leaves.length} leaves exceed tree capacity ${this.capacity}`);
    if (hashed) {
      // Node hashes saved before (paramsTreeFromJson): their shape is checked, their values trusted.
      const { levels, zero } = hashed;
      const shaped =
        zero.length === arities.length + 1 &&
        levels.length === arities.length + 1 &&
        levels[0]!.length === leaves.length &&
        leaves.every((x, i) => levels[0]![i] === x) &&
        arities.every((a, d) => levels[d + 1]!.length === Math.ceil(levels[d]!.length / a));
      if (!shaped) throw new RangeError("saved tree does not have the layout's shape");
      this.levels = levels;
      this.zero = zero;
      return;
    }
    this.zero = [PADDING_LEAF];
    for (const a of arities) this.zero.push(poseidon(Array<bigint>(a).fill(this.zero[this.zero.length - 1]!)));
    this.levels = [[...leaves]];
    arities.forEach((a, d) => {
      const below = this.levels[d]!;
      const above: bigint[] = [];
      for (let i = 0; i < below.length; i += a) {
        const children: bigint[] = [];
        for (let j = 0; j < a; j++) children.push(below[i + j] ?? this.zero[d]!);
        above.push(poseidon(children));
      }
      this.levels.push(above);
    });
  }

  /** The node hashes (levels and empty-subtree hashes), to save the tree (paramsTreeToJson). */
  hashes(): { levels: readonly (readonly bigint[])[]; zero: readonly bigint[] } {
    return { levels: this.levels, zero: this.zero };
  }

  get root(): bigint {
    return this.levels[this.arities.length]![0] ?? this.zero[this.arities.length]!;
  }

  open(leafIndex: number): MerkleOpening {
    if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= this.capacity) {
      throw new RangeError(`leaf index ${leafIndex} outside 0..${this.capacity - 1}`);
    }
    const levels: OpeningLevel[] = [];
    let idx = leafIndex;
    this.arities.forEach((a, d) => {
      const position = idx % a;
      const start = idx - position;
      const siblings: bigint[] = [];
      for (let j = 0; j < a; j++) if (j !== position) siblings.push(this.levels[d]![start + j] ?? this.zero[d]!);
      levels.push({ position, siblings });
      idx = Math.floor(idx / a);
    });
    return { leafIndex, leaf: this.levels[0]![leafIndex] ?? PADDING_LEAF, levels, root: this.root };
  }
}

/** Recompute a root from an opening (what the circuit does, in TypeScript). */
export function rootFromOpening(leaf: bigint, levels: readonly OpeningLevel[]): bigint {
  let h = leaf;
  for (const { position, siblings } of levels) {
    const children = [...siblings];
    children.splice(position, 0, h);
    h = poseidon(children);
  }
  return h;
}

/**
 * The Poseidon trees of a set of risk parameters (buildParamsTree): the asset, group and venue trees,
 * one instrument subtree per group, their roots and `paramsRoot` (docs/params-tree.md).
 */
export interface ParamsTree {
  layout: TreeLayout;
  epoch: bigint;
  asOfUnix: bigint;
  maxStatementAge: bigint;
  assetTree: MixedArityTree;
  groupTree: MixedArityTree;
  /** One instrument subtree per group, by group index (params.groups order). */
  instrumentTrees: MixedArityTree[];
  venueTree: MixedArityTree;
  assetRoot: bigint;
  groupRoot: bigint;
  venueRoot: bigint;
  paramsRoot: bigint;
}

/**
 * paramsRoot = Poseidon(7)(layoutTag, epoch, asOf, maxStatementAge, assetRoot, groupRoot, venueRoot)
 * (docs/params-tree.md, "Trees"), from the layout and the roots and committed fields.
 */
export function computeParamsRoot(
  layout: TreeLayout,
  fields: { epoch: bigint; asOfUnix: bigint; maxStatementAge: bigint; assetRoot: bigint; groupRoot: bigint; venueRoot: bigint },
): bigint {
  return poseidon([layoutTag(layout), fields.epoch, fields.asOfUnix, fields.maxStatementAge, fields.assetRoot, fields.groupRoot, fields.venueRoot]);
}

/**
 * The tree builder's own check (the circuit relies on it, see docs/params-tree.md): the same
 * structural rules as a published file (at least one asset; ids unique and sorted; indexes as the
 * layout places them; every instrument in a listed group; capacities) and every committed value
 * within its documented width. parseRiskParams gives the same guarantees with JSON paths; this
 * guards parameters built in code, so two leaves with the same id can never reach a root.
 */
export function checkLeafBounds(params: RiskParams): void {
  const { layout } = params;
  const fail = (what: string, value: unknown, limit: string) => {
    throw new ZkMarginError("BIT_BUDGET", `${what} is outside the tree's rules (${limit})`, { path: what, value: String(value), limit });
  };
  if (params.version !== 3) fail("version", params.version, "3");
  if (params.assets.length < 1) fail("assets", params.assets.length, "at least one asset");
  if (params.assets.length > capacity(layout.assetArities)) fail("assets", params.assets.length, `<= ${capacity(layout.assetArities)}`);
  if (params.groups.length > capacity(layout.groupArities)) fail("groups", params.groups.length, `<= ${capacity(layout.groupArities)}`);
  if (params.venues.length > capacity(layout.venueArities)) fail("venues", params.venues.length, `<= ${capacity(layout.venueArities)}`);
  if (params.epoch < 0n || params.epoch >= EPOCH_LIMIT) fail("epoch", params.epoch, "< 2^64");
  if (params.asOfUnix < 0n || params.asOfUnix >= TIME_LIMIT) fail("asOf", params.asOfUnix, "0 <= unix seconds < 2^40");
  if (params.maxStatementAge < 0n || params.maxStatementAge >= TIME_LIMIT) fail("maxStatementAge", params.maxStatementAge, "0 <= seconds < 2^40");
  const sortedUnique = (list: readonly { id: number }[], what: string) => {
    list.forEach((x, i) => {
      if (!Number.isInteger(x.id) || x.id < 0 || BigInt(x.id) >= ID_LIMIT) fail(`${what}[${i}].id`, x.id, "0 <= id < 2^32");
      if (i > 0 && x.id <= list[i - 1]!.id) fail(`${what}[${i}].id`, x.id, `unique and sorted by id: above ${list[i - 1]!.id}`);
    });
  };
  sortedUnique(params.assets, "assets");
  sortedUnique(params.groups, "groups");
  sortedUnique(params.instruments, "instruments");
  sortedUnique(params.venues, "venues");
  params.assets.forEach((a, i) => {
    if (a.index !== i) fail(`asset ${a.symbol} index`, a.index, `${i} (its position by id)`);
  });
  params.groups.forEach((g, i) => {
    if (g.index !== i) fail(`group ${g.symbol} index`, g.index, `${i} (its position by id)`);
  });
  params.venues.forEach((v, i) => {
    if (v.index !== i) fail(`venue ${v.name} index`, v.index, `${i} (its position by id)`);
    for (const c of v.publicKey) if (c < 0n || c >= FIELD_MODULUS) fail(`venue ${v.name} public key`, c, "a field element < p");
    // the same rule as a parameters file: a key off the curve or of small order lets anyone sign
    if (!isOnCurve(v.publicKey)) fail(`venue ${v.name} public key`, v.publicKey.join(", "), "a point on Baby Jubjub");
    if (hasSmallOrder(v.publicKey)) fail(`venue ${v.name} public key`, v.publicKey.join(", "), "not of small order (8 * key != identity)");
  });
  const perGroup = new Map<number, number>();
  const groupIds = new Set(params.groups.map((g) => g.id));
  const instCap = capacity(layout.instrumentArities);
  for (const ins of params.instruments) {
    if (!groupIds.has(ins.groupId)) fail(`instrument ${ins.symbol} group`, ins.groupId, "a listed group id");
    const n = perGroup.get(ins.groupId) ?? 0;
    if (ins.index !== n) fail(`instrument ${ins.symbol} index`, ins.index, `${n} (its position by id within its group)`);
    if (n + 1 > instCap) fail(`group ${ins.groupId} instruments`, n + 1, `<= ${instCap}`);
    perGroup.set(ins.groupId, n + 1);
  }
  for (const a of params.assets) {
    const at = `asset ${a.symbol}`;
    if (a.unitValueE26 <= 0n || a.unitValueE26 >= UNIT_VALUE_LIMIT) fail(`${at} unit value`, a.unitValueE26, "0 < v < 2^112");
    const { thresholdsE26, bps } = paddedTiers(a, layout.tiers);
    thresholdsE26.forEach((u, t) => {
      if (u < 0n || u >= VALUE_LIMIT || (t > 0 && u < thresholdsE26[t - 1]!)) fail(`${at} threshold ${t}`, u, "non-decreasing, < 2^208");
    });
    bps.forEach((h, t) => {
      if (h < 0n || h > 10000n || (t > 0 && h < bps[t - 1]!)) fail(`${at} bps ${t}`, h, "non-decreasing, 0..10000");
    });
    if (!Number.isInteger(a.debtBps) || a.debtBps < 0 || a.debtBps > 10000) fail(`${at} debtBps`, a.debtBps, "an integer 0..10000");
  }
  for (const i of params.instruments) {
    const at = `instrument ${i.symbol}`;
    if (i.riskUnitE26.length !== layout.scenarios) fail(`${at} risk array`, i.riskUnitE26.length, `${layout.scenarios} values`);
    for (const r of i.riskUnitE26) if (r <= -UNIT_VALUE_LIMIT || r >= UNIT_VALUE_LIMIT) fail(`${at} risk value`, r, "|r| < 2^112");
    const m = i.shortOptionMinimumUnitE26;
    if (m < 0n || m >= UNIT_VALUE_LIMIT) fail(`${at} short-option minimum`, m, "0 <= m < 2^112");
  }
}

/** Build the trees and the root the pool posts on-chain (after checkLeafBounds). */
export function buildParamsTree(params: RiskParams): ParamsTree {
  checkLeafBounds(params);
  const { layout } = params;
  const assetTree = new MixedArityTree(layout.assetArities, params.assets.map((a) => assetLeaf(a, layout)));
  const instrumentTrees = params.groups.map(
    (g) => new MixedArityTree(layout.instrumentArities, params.instruments.filter((i) => i.groupId === g.id).map(instrumentLeaf)),
  );
  const groupTree = new MixedArityTree(
    layout.groupArities,
    params.groups.map((g, gi) => groupLeaf(g, instrumentTrees[gi]!.root)),
  );
  const venueTree = new MixedArityTree(layout.venueArities, params.venues.map(venueLeaf));
  const fields = {
    epoch: params.epoch,
    asOfUnix: params.asOfUnix,
    maxStatementAge: params.maxStatementAge,
    assetRoot: assetTree.root,
    groupRoot: groupTree.root,
    venueRoot: venueTree.root,
  };
  return {
    layout,
    ...fields,
    assetTree,
    groupTree,
    instrumentTrees,
    venueTree,
    paramsRoot: computeParamsRoot(layout, fields),
  };
}

/**
 * A key for the content of risk parameters: the sha256 of every field (the layout included), each
 * value tagged with its type (bigint 5n and the string "5" differ). Parameters with the same key
 * build the same tree; parameters that differ in anything, even a field the tree does not commit,
 * get another key. Content, not object identity: a parameters object changed after use gets a new key.
 */
export function paramsContentKey(params: RiskParams): string {
  const text = JSON.stringify(params, (_k, v: unknown) => {
    switch (typeof v) {
      case "bigint":
        return `b:${v}`;
      case "string":
        return `s:${v}`;
      case "number":
        return Object.is(v, -0) ? "n:-0" : `n:${v}`;
      case "boolean":
        return `t:${v}`;
      case "undefined":
        return "u:";
      default:
        return v;
    }
  });
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * A second level for paramsTree's cache, beyond this process (the CLI's is a folder:
 * src/params/treeStore.ts). `get` returns the tree saved under a content key or undefined; `set`
 * saves one (errors are the store's to swallow).
 */
export interface ParamsTreeStore {
  get(key: string, params: RiskParams): ParamsTree | undefined;
  set(key: string, tree: ParamsTree): void;
}
let treeStore: ParamsTreeStore | undefined;

/** Give paramsTree a second-level store (undefined: memory only, the default). */
export function setParamsTreeStore(store: ParamsTreeStore | undefined): void {
  treeStore = store;
}

type SavedTree = { levels: string[][]; zero: string[] };
const hex = (x: bigint) => x.toString(16);
const saveTree = (t: MixedArityTree): SavedTree => {
  const { levels, zero } = t.hashes();
  return { levels: levels.map((l) => l.map(hex)), zero: zero.map(hex) };
};

/** A ParamsTree as JSON (its node hashes in hex), for a ParamsTreeStore; `key` is its content key. */
export function paramsTreeToJson(tree: ParamsTree, key: string): unknown {
  return {
    zkmarginParamsTree: 1,
    key,
    paramsRoot: hex(tree.paramsRoot),
    asset: saveTree(tree.assetTree),
    group: saveTree(tree.groupTree),
    venue: saveTree(tree.venueTree),
    instruments: tree.instrumentTrees.map(saveTree),
  };
}

/**
 * The ParamsTree of `params` from paramsTreeToJson's output saved under content key `key` (which the
 * caller computed from `params`): the parameters pass checkLeafBounds and each tree has the shape
 * their layout and leaf counts give, or this throws; the hashes themselves are not recomputed (that
 * is the point), so the store must be trusted.
 */
export function paramsTreeFromJson(json: unknown, key: string, params: RiskParams): ParamsTree {
  const j = json as { zkmarginParamsTree?: unknown; key?: unknown; paramsRoot?: unknown; asset: SavedTree; group: SavedTree; venue: SavedTree; instruments: SavedTree[] };
  if (j?.zkmarginParamsTree !== 1 || j.key !== key || typeof j.paramsRoot !== "string") throw new RangeError("not a saved tree of these parameters");
  checkLeafBounds(params);
  const { layout } = params;
  const big = (s: string) => {
    if (!/^[0-9a-f]{1,64}$/.test(s)) throw new RangeError("not a hash");
    return BigInt(`0x${s}`);
  };
  const load = (arities: readonly number[], leafCount: number, t: SavedTree) => {
    const levels = t.levels.map((l) => l.map(big));
    const zero = t.zero.map(big);
    if (levels[0]?.length !== leafCount) throw new RangeError("saved tree has another number of leaves");
    return new MixedArityTree(arities, levels[0], { levels, zero });
  };
  if (!Array.isArray(j.instruments) || j.instruments.length !== params.groups.length) throw new RangeError("saved tree has another number of groups");
  const assetTree = load(layout.assetArities, params.assets.length, j.asset);
  const instrumentTrees = params.groups.map((g, gi) => load(layout.instrumentArities, params.instruments.filter((i) => i.groupId === g.id).length, j.instruments[gi]!));
  const groupTree = load(layout.groupArities, params.groups.length, j.group);
  const venueTree = load(layout.venueArities, params.venues.length, j.venue);
  return {
    layout,
    epoch: params.epoch,
    asOfUnix: params.asOfUnix,
    maxStatementAge: params.maxStatementAge,
    assetTree,
    groupTree,
    instrumentTrees,
    venueTree,
    assetRoot: assetTree.root,
    groupRoot: groupTree.root,
    venueRoot: venueTree.root,
    paramsRoot: big(j.paramsRoot),
  };
}

/** How many parameter sets' trees paramsTree keeps (least recently used out first). */
export const PARAMS_TREE_CACHE_SIZE = 8;
const treeCache = new Map<string, ParamsTree>();
const treeCacheStats = { hits: 0, misses: 0 };

/**
 * buildParamsTree, cached by content (paramsContentKey) for the last PARAMS_TREE_CACHE_SIZE parameter
 * sets: proving and verifying again under the same parameters does not hash the trees again (about
 * 0.1-0.3 s for the examples). A store given to setParamsTreeStore is asked on a miss (and told
 * every tree built): the CLI keeps the trees in its cache folder across processes. The tree returned is shared (frozen): read it, do not change it.
 * Parameters that fail checkLeafBounds throw every time and are not cached.
 */
export function paramsTree(params: RiskParams): ParamsTree {
  const key = paramsContentKey(params);
  const hit = treeCache.get(key);
  if (hit) {
    treeCacheStats.hits++;
    treeCache.delete(key); // most recently used last
    treeCache.set(key, hit);
    return hit;
  }
  treeCacheStats.misses++;
  const saved = treeStore?.get(key, params);
  const built = saved ?? buildParamsTree(params);
  const tree = Object.freeze({ ...built, instrumentTrees: Object.freeze([...built.instrumentTrees]) as MixedArityTree[] });
  if (!saved) treeStore?.set(key, tree);
  treeCache.set(key, tree);
  while (treeCache.size > PARAMS_TREE_CACHE_SIZE) treeCache.delete(treeCache.keys().next().value!);
  return tree;
}

/** paramsTree's cache: entries held, hits and misses since the last clear. */
export function paramsTreeCacheStats(): { size: number; hits: number; misses: number } {
  return { size: treeCache.size, ...treeCacheStats };
}

/** Empty paramsTree's cache (and zero its counts). */
export function clearParamsTreeCache(): void {
  treeCache.clear();
  treeCacheStats.hits = 0;
  treeCacheStats.misses = 0;
}
