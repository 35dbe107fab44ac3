/**
 * The risk-parameter tree layout (v3: v2's trees, each asset leaf also commits its debtBps): how many scenarios (K) and haircut tiers (T) a leaf holds,
 * and the arity of each level of the four trees (leaf level first).
 *
 *   asset tree                  8 x 8      = 64 assets
 *   group tree                  8 x 8      = 64 risk groups
 *   instrument subtree (per group) 8 x 8 x 8 = 512 instruments in each group
 *   venue tree                  4 x 4      = 16 venues
 *
 * Each group leaf carries the root of its own instrument subtree, so a proof opens a group once per
 * group slot and each position only inside its group's subtree (3 levels instead of v1's 5). That
 * shorter path pays for the per-group checks (docs/params-tree.md has the costs).
 *
 * Measured with circom 2.2.3 --O2 (non-linear constraints): Poseidon(2) 240, Poseidon(4) 297,
 * Poseidon(8) 402, Poseidon(16) 609; a level of arity a adds a position selector (a + 2^nb - 2).
 */
export interface TreeLayout {
  /** Name hashed into paramsRoot (at most 31 ASCII bytes). */
  readonly name: string;
  /** Scenarios per instrument. */
  readonly scenarios: number;
  /** Haircut tiers per asset leaf (assets may declare fewer; they are padded). */
  readonly tiers: number;
  /** Arity of each asset-tree level, leaf level first. */
  readonly assetArities: readonly number[];
  /** Arity of each group-tree level, leaf level first. */
  readonly groupArities: readonly number[];
  /** Arity of each level of one group's instrument subtree, leaf level first. */
  readonly instrumentArities: readonly number[];
  /** Arity of each venue-tree level, leaf level first. */
  readonly venueArities: readonly number[];
}

export const LAYOUT_V3: TreeLayout = Object.freeze({
  name: "zkmargin/params/v3/K16/T4",
  scenarios: 16,
  tiers: 4,
  assetArities: Object.freeze([8, 8]),
  groupArities: Object.freeze([8, 8]),
  instrumentArities: Object.freeze([8, 8, 8]),
  venueArities: Object.freeze([4, 4]),
});

export function capacity(arities: readonly number[]): number {
  return arities.reduce((a, b) => a * b, 1);
}

/** The layout's name as a field element: its ASCII bytes read big-endian. */
export function layoutTag(layout: TreeLayout): bigint {
  if (layout.name.length > 31) throw new Error(`layout name ${layout.name} is longer than 31 bytes`);
  return asciiBigEndian(layout.name);
}

/** ASCII text's bytes read as a big-endian integer (no Node Buffer: the browser entry uses this). */
export function asciiBigEndian(text: string): bigint {
  let x = 0n;
  for (let i = 0; i < text.length; i++) x = (x << 8n) | BigInt(text.charCodeAt(i) & 0xff);
  return x;
}
