import type { TreeLayout } from "../config/layout.js";

/** One haircut tier as published: cumulative USD threshold (E8) or null for the last tier. */
export interface HaircutTier {
  upToE8: bigint | null;
  bps: number;
}

/** A collateral asset of validated risk parameters: price, haircut tiers and its unit value in 1e-26 USD. */
export interface AssetParams {
  id: number;
  symbol: string;
  decimals: number;
  /** USD per whole token, 8 decimals. */
  priceE8: bigint;
  /** The price as published (exact decimal string). */
  price: string;
  haircuts: HaircutTier[];
  /**
   * Markup on a debt in this asset (0..10000 bps): a net negative holding counts as a liability of
   * |value| * (10000 + debtBps) / 10000, never through the haircut tiers. Committed in the leaf.
   */
  debtBps: number;
  /** Value of one base unit in 1e-26 USD: priceE8 * 10^(18 - decimals). */
  unitValueE26: bigint;
  /** Leaf index in the asset tree (assets sorted by id). */
  index: number;
}

/** A risk group (normally one underlying). Scenario k of a group moves only its instruments. */
export interface GroupParams {
  id: number;
  symbol: string;
  /** Leaf index in the group tree (groups sorted by id). */
  index: number;
}

/** An instrument's kind: a label (not committed); only options may have a short-option minimum. */
export type InstrumentKind = "perpetual" | "future" | "option";

/** A derivative instrument of validated risk parameters: its group, risk array and short-option minimum. */
export interface InstrumentParams {
  id: number;
  symbol: string;
  kind: InstrumentKind;
  decimals: number;
  /** The id of the instrument's risk group. */
  groupId: number;
  /** Per scenario, USD P&L of one whole long unit, 8 decimals. */
  riskE8: bigint[];
  /** USD per whole short unit, 8 decimals. */
  shortOptionMinimumE8: bigint;
  /** Per scenario, P&L of one base unit (one size step) in 1e-26 USD. */
  riskUnitE26: bigint[];
  /** Short-option minimum of one base unit in 1e-26 USD. */
  shortOptionMinimumUnitE26: bigint;
  /** Leaf index inside its group's instrument subtree (the group's instruments sorted by id). */
  index: number;
}

/** A venue whose holdings statements the pool accepts (verified mode): Baby Jubjub EdDSA key. */
export interface VenueParams {
  id: number;
  name: string;
  /** Public key (Ax, Ay), field elements. */
  publicKey: [bigint, bigint];
  /** Leaf index in the venue tree (venues sorted by id). */
  index: number;
}

/**
 * Validated, normalized risk parameters (version 3: version 2 plus each asset's debtBps). Assets, groups, instruments and venues are
 * sorted by id. Every instrument's `groupId` names one of `groups`.
 */
export interface RiskParams {
  version: 3;
  epoch: bigint;
  /** As published (ISO 8601 with a zone). */
  asOf: string;
  /** asOf as unix seconds (committed under paramsRoot). */
  asOfUnix: bigint;
  /**
   * Optional, NOT committed under paramsRoot: the last second the risk oracle means the parameters
   * to be used (ISO 8601 with a zone, after asOf). `chain post-params` posts it as the registry's
   * validity window unless --valid-until is given; without it the window ends at asOf + 7 days.
   */
  validUntil?: string;
  /** validUntil as unix seconds. */
  validUntilUnix?: bigint;
  /** Seconds; a venue statement is fresh iff |asOf(statement) - asOf| <= maxStatementAge. Committed. */
  maxStatementAge: bigint;
  scenarios: string[];
  assets: AssetParams[];
  groups: GroupParams[];
  instruments: InstrumentParams[];
  venues: VenueParams[];
  layout: TreeLayout;
}
