import { capacity, layoutTag, type TreeLayout } from "../config/layout.js";
import { poseidon, toField } from "../crypto/poseidon.js";
import { EPOCH_LIMIT, ID_LIMIT, UNIT_VALUE_LIMIT, VALUE_LIMIT } from "../config/limits.js";
import { ZkMarginError } from "../errors.js";
import type { AssetParams, InstrumentParams, RiskParams } from "./types.js";

/**
 * The risk-parameter commitment (docs/params-tree.md is the normative description).
 *
 *   assetLeaf      = Poseidon(2T+2)(1, id, unitValueE26, u_1..u_{T-1}, h_1..h_T)
 *   instrumentLeaf = Poseidon(4)(2, id, shortOptionMinimumUnitE26, Poseidon(K)(riskUnitE26[0..K-1] mod p))
 *   padding leaf   = 0
 *   node           = Poseidon(arity)(children...)      (per-level arity from the layout)
 *   paramsRoot     = Poseidon(4)(layoutTag, epoch, assetRoot, instrumentRoot)
 *
 * Tier padding: an asset with n < T tiers is padded at the FRONT with zero-width tiers
 * (threshold 0, bps equal to its first tier), so the unbounded tier is always tier T.
 * Thresholds u_t are cumulative USD values in 1e-26 USD (upTo * 10^26).
 * The first input of each leaf is its type tag, so an asset leaf can never be opened as an
 * instrument leaf (different tag and different Poseidon width) and the padding leaf 0 has no
 * preimage under either.
 */
export const TAG_ASSET = 1n;
export const TAG_INSTRUMENT = 2n;
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
  return [TAG_ASSET, BigInt(asset.id), asset.unitValueE26, ...thresholdsE26, ...bps];
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

/** Sibling data for one level of an opening: the other arity-1 children, in order, and our position. */
export interface OpeningLevel {
  position: number;
  siblings: bigint[];
}

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

  constructor(arities: readonly number[], leaves: readonly bigint[]) {
    this.arities = arities;
    this.capacity = capacity(arities);
    if (leaves.length > this.capacity) throw new RangeError(`${leaves.length} leaves exceed tree capacity ${this.capacity}`);
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

export interface ParamsTree {
  layout: TreeLayout;
  epoch: bigint;
  assetTree: MixedArityTree;
  instrumentTree: MixedArityTree;
  assetRoot: bigint;
  instrumentRoot: bigint;
  paramsRoot: bigint;
}

export function computeParamsRoot(layout: TreeLayout, epoch: bigint, assetRoot: bigint, instrumentRoot: bigint): bigint {
  return poseidon([layoutTag(layout), epoch, assetRoot, instrumentRoot]);
}

/**
 * The tree builder's own bound check (the circuit relies on it, see docs/params-tree.md): every
 * committed value within its documented width, tiers ordered. parseRiskParams gives the same
 * guarantees with JSON paths; this guards parameters built in code.
 */
export function checkLeafBounds(params: RiskParams): void {
  const { layout } = params;
  const fail = (what: string, value: unknown, limit: string) => {
    throw new ZkMarginError("BIT_BUDGET", `${what} is outside the tree's bit budget (${limit})`, { path: what, value, limit });
  };
  if (params.assets.length > capacity(layout.assetArities)) fail("assets", params.assets.length, `<= ${capacity(layout.assetArities)}`);
  if (params.instruments.length > capacity(layout.instrumentArities)) fail("instruments", params.instruments.length, `<= ${capacity(layout.instrumentArities)}`);
  if (params.epoch < 0n || params.epoch >= EPOCH_LIMIT) fail("epoch", params.epoch, "< 2^64");
  for (const a of params.assets) {
    const at = `asset ${a.symbol}`;
    if (a.id < 0 || BigInt(a.id) >= ID_LIMIT) fail(`${at} id`, a.id, "< 2^32");
    if (a.unitValueE26 <= 0n || a.unitValueE26 >= UNIT_VALUE_LIMIT) fail(`${at} unit value`, a.unitValueE26, "0 < v < 2^112");
    const { thresholdsE26, bps } = paddedTiers(a, layout.tiers);
    thresholdsE26.forEach((u, t) => {
      if (u < 0n || u >= VALUE_LIMIT || (t > 0 && u < thresholdsE26[t - 1]!)) fail(`${at} threshold ${t}`, u, "non-decreasing, < 2^208");
    });
    bps.forEach((h, t) => {
      if (h < 0n || h > 10000n || (t > 0 && h < bps[t - 1]!)) fail(`${at} bps ${t}`, h, "non-decreasing, 0..10000");
    });
  }
  for (const i of params.instruments) {
    const at = `instrument ${i.symbol}`;
    if (i.id < 0 || BigInt(i.id) >= ID_LIMIT) fail(`${at} id`, i.id, "< 2^32");
    if (i.riskUnitE26.length !== layout.scenarios) fail(`${at} risk array`, i.riskUnitE26.length, `${layout.scenarios} values`);
    for (const r of i.riskUnitE26) if (r <= -UNIT_VALUE_LIMIT || r >= UNIT_VALUE_LIMIT) fail(`${at} risk value`, r, "|r| < 2^112");
    const m = i.shortOptionMinimumUnitE26;
    if (m < 0n || m >= UNIT_VALUE_LIMIT) fail(`${at} short-option minimum`, m, "0 <= m < 2^112");
  }
}

/** Build both trees and the root the pool posts on-chain (after checkLeafBounds). */
export function buildParamsTree(params: RiskParams): ParamsTree {
  checkLeafBounds(params);
  const { layout } = params;
  const assetTree = new MixedArityTree(layout.assetArities, params.assets.map((a) => assetLeaf(a, layout)));
  const instrumentTree = new MixedArityTree(layout.instrumentArities, params.instruments.map(instrumentLeaf));
  return {
    layout,
    epoch: params.epoch,
    assetTree,
    instrumentTree,
    assetRoot: assetTree.root,
    instrumentRoot: instrumentTree.root,
    paramsRoot: computeParamsRoot(layout, params.epoch, assetTree.root, instrumentTree.root),
  };
}
