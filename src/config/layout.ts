/**
 * The risk-parameter tree layout: how many scenarios (K) and haircut tiers (T) a leaf holds, and
 * the arity of each level of the asset and instrument trees (leaf level first).
 *
 * Why these arities: the circuit opens one leaf per slot, and an opening costs one Poseidon per
 * level plus a small selector. Measured with circom 2.2.3 --O2 (non-linear constraints):
 * Poseidon(2) 240, Poseidon(4) 297, Poseidon(8) 402, Poseidon(16) 609. For 2^14 instruments:
 *   binary,  14 levels: 14 * (240 + 3)          = 3,402
 *   4-ary,    7 levels:  7 * (297 + 7)          = 2,128
 *   16-ary, 3.5 levels:  3 * (609 + 31) + 304   = 2,224
 *   [4,8,8,8,8]:         304 + 4 * (402 + 15)   = 1,972   <- chosen
 * An instrument leaf is Poseidon(4)(tag, id, shortOptionMinimum, Poseidon(16)(riskArray)) = 906,
 * so one position-slot opening is ~2,880 constraints; a whole position slot measures 3,129
 * (docs/params-tree.md has the derivation).
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
  /** Arity of each instrument-tree level, leaf level first. */
  readonly instrumentArities: readonly number[];
}

export const LAYOUT_V1: TreeLayout = Object.freeze({
  name: "zkmargin/params/v1/K16/T4",
  scenarios: 16,
  tiers: 4,
  assetArities: Object.freeze([8, 8]),
  instrumentArities: Object.freeze([4, 8, 8, 8, 8]),
});

export function capacity(arities: readonly number[]): number {
  return arities.reduce((a, b) => a * b, 1);
}

/** The layout's name as a field element: its ASCII bytes read big-endian. */
export function layoutTag(layout: TreeLayout): bigint {
  const bytes = Buffer.from(layout.name, "ascii");
  if (bytes.length > 31) throw new Error(`layout name ${layout.name} is longer than 31 bytes`);
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString("hex")}`);
}
