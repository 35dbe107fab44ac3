import type { TreeLayout } from "../config/layout.js";

/** One haircut tier as published: cumulative USD threshold (E8) or null for the last tier. */
export interface HaircutTier {
  upToE8: bigint | null;
  bps: number;
}

export interface AssetParams {
  id: number;
  symbol: string;
  decimals: number;
  /** USD per whole token, 8 decimals. */
  priceE8: bigint;
  /** The price as published (exact decimal string). */
  price: string;
  haircuts: HaircutTier[];
  /** Value of one base unit in 1e-26 USD: priceE8 * 10^(18 - decimals). */
  unitValueE26: bigint;
  /** Leaf index in the asset tree (assets sorted by id). */
  index: number;
}

export type InstrumentKind = "perpetual" | "future" | "option";

export interface InstrumentParams {
  id: number;
  symbol: string;
  kind: InstrumentKind;
  decimals: number;
  /** Per scenario, USD P&L of one whole long unit, 8 decimals. */
  riskE8: bigint[];
  /** USD per whole short unit, 8 decimals. */
  shortOptionMinimumE8: bigint;
  /** Per scenario, P&L of one base unit (one size step) in 1e-26 USD. */
  riskUnitE26: bigint[];
  /** Short-option minimum of one base unit in 1e-26 USD. */
  shortOptionMinimumUnitE26: bigint;
  /** Leaf index in the instrument tree (instruments sorted by id). */
  index: number;
}

/** Validated, normalized risk parameters. Assets and instruments are sorted by id. */
export interface RiskParams {
  version: 1;
  epoch: bigint;
  asOf: string;
  scenarios: string[];
  assets: AssetParams[];
  instruments: InstrumentParams[];
  layout: TreeLayout;
}
