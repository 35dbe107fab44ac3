import { BPS, MAX_HEALTH_BPS, MIN_HEALTH_BPS } from "../config/limits.js";
import { ZkMarginError, show } from "../errors.js";
import type { RiskParams } from "../params/types.js";
import type { Portfolio } from "../portfolio/parse.js";

/**
 * The reference margin engine (SPEC.md "The margin formulas"), in integers only.
 *
 * Units: E26 = 1e-26 USD; E30 = E26 * 1e4 (a bps-weighted E26 amount).
 *   holding value   V_a    = amountBase * unitValueE26                              [E26]
 *   tier portion    p_t    = clamp(V_a - upTo_{t-1}, 0, upTo_t - upTo_{t-1})         [E26]
 *   adjusted_a             = sum_t p_t * (10000 - h_t)                                [E30]
 *   loss_k                 = - sum_j q_j * riskUnitE26_j[k]                           [E26]
 *   scanRisk               = max(0, max_k loss_k)                                     [E26]
 *   shortOptionMinimum     = sum_j max(0, -q_j) * shortOptionMinimumUnitE26_j         [E26]
 *   requirement            = max(scanRisk, shortOptionMinimum)                        [E26]
 *   pass  <=>  adjustedE30 >= healthBps * requirementE26
 * (10000 * adjustedCollateral >= healthBps * requirement, with adjustedCollateral = adjustedE30 / 1e4.)
 * Every quantity is an exact integer, so the decision equals the one over exact rationals.
 */
export interface TierBreakdown {
  /** Lower bound of the tier (E26). */
  fromE26: bigint;
  /** Upper bound of the tier (E26), null for the unbounded last tier. */
  toE26: bigint | null;
  bps: number;
  /** Part of the holding's value that falls in this tier (E26). */
  portionE26: bigint;
  /** portion * (10000 - bps) (E30). */
  adjustedE30: bigint;
}

export interface CollateralBreakdown {
  assetId: number;
  symbol: string;
  amountBase: bigint;
  decimals: number;
  priceE8: bigint;
  valueE26: bigint;
  tiers: TierBreakdown[];
  adjustedE30: bigint;
}

export interface PositionBreakdown {
  instrumentId: number;
  symbol: string;
  quantityBase: bigint;
  decimals: number;
  /** This position's loss per scenario (E26), before netting. */
  lossE26: bigint[];
  shortOptionMinimumE26: bigint;
}

export interface MarginResult {
  healthBps: number;
  ok: boolean;
  collateral: CollateralBreakdown[];
  positions: PositionBreakdown[];
  collateralValueE26: bigint;
  adjustedCollateralE30: bigint;
  /** Net portfolio loss per scenario (E26); negative = profit. */
  scenarioLossE26: bigint[];
  /** 0-based index of the largest loss (first on ties). */
  worstScenario: number;
  scanRiskE26: bigint;
  shortOptionMinimumE26: bigint;
  requirementE26: bigint;
  /** adjustedE30 - healthBps * requirementE26: excess (>= 0) or shortfall (< 0), in E30. */
  excessE30: bigint;
}

export function checkHealthBps(healthBps: unknown, path = "healthBps"): number {
  if (typeof healthBps !== "number" || !Number.isInteger(healthBps) || healthBps < MIN_HEALTH_BPS || healthBps > MAX_HEALTH_BPS) {
    throw new ZkMarginError(
      "OUT_OF_RANGE",
      `must be an integer from ${MIN_HEALTH_BPS} (maintenance, 1.0x) to ${MAX_HEALTH_BPS} (100x), got ${show(healthBps)}`,
      { path, value: healthBps, limit: `${MIN_HEALTH_BPS}..${MAX_HEALTH_BPS}` },
    );
  }
  return healthBps;
}

const E18 = 10n ** 18n;

export function computeMargin(params: RiskParams, portfolio: Portfolio, healthBps: number): MarginResult {
  checkHealthBps(healthBps);
  const K = params.layout.scenarios;

  const collateral = portfolio.collateral.map(({ asset, amountBase }): CollateralBreakdown => {
    const valueE26 = amountBase * asset.unitValueE26;
    let lower = 0n;
    const tiers = asset.haircuts.map((t): TierBreakdown => {
      const upper = t.upToE8 === null ? null : t.upToE8 * E18;
      let portion = valueE26 - lower;
      if (portion < 0n) portion = 0n;
      if (upper !== null && portion > upper - lower) portion = upper - lower;
      const tier = { fromE26: lower, toE26: upper, bps: t.bps, portionE26: portion, adjustedE30: portion * (BPS - BigInt(t.bps)) };
      if (upper !== null) lower = upper;
      return tier;
    });
    return {
      assetId: asset.id,
      symbol: asset.symbol,
      amountBase,
      decimals: asset.decimals,
      priceE8: asset.priceE8,
      valueE26,
      tiers,
      adjustedE30: tiers.reduce((s, t) => s + t.adjustedE30, 0n),
    };
  });

  const positions = portfolio.positions.map(({ instrument, quantityBase }): PositionBreakdown => ({
    instrumentId: instrument.id,
    symbol: instrument.symbol,
    quantityBase,
    decimals: instrument.decimals,
    lossE26: instrument.riskUnitE26.map((r) => -quantityBase * r),
    shortOptionMinimumE26: quantityBase < 0n ? -quantityBase * instrument.shortOptionMinimumUnitE26 : 0n,
  }));

  const scenarioLossE26 = Array.from({ length: K }, (_, k) => positions.reduce((s, p) => s + p.lossE26[k]!, 0n));
  let worstScenario = 0;
  scenarioLossE26.forEach((l, k) => {
    if (l > scenarioLossE26[worstScenario]!) worstScenario = k;
  });
  const worstLoss = scenarioLossE26[worstScenario] ?? 0n;
  const scanRiskE26 = worstLoss > 0n ? worstLoss : 0n;
  const shortOptionMinimumE26 = positions.reduce((s, p) => s + p.shortOptionMinimumE26, 0n);
  const requirementE26 = scanRiskE26 > shortOptionMinimumE26 ? scanRiskE26 : shortOptionMinimumE26;
  const collateralValueE26 = collateral.reduce((s, c) => s + c.valueE26, 0n);
  const adjustedCollateralE30 = collateral.reduce((s, c) => s + c.adjustedE30, 0n);
  const excessE30 = adjustedCollateralE30 - BigInt(healthBps) * requirementE26;
  return {
    healthBps,
    ok: excessE30 >= 0n,
    collateral,
    positions,
    collateralValueE26,
    adjustedCollateralE30,
    scenarioLossE26,
    worstScenario,
    scanRiskE26,
    shortOptionMinimumE26,
    requirementE26,
    excessE30,
  };
}
