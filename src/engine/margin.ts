import {
  BPS,
  CENTS_TO_E26,
  CREDIT_BITS,
  CREDIT_LIMIT_CENTS_LIMIT,
  GROUP_RISK_BITS,
  GROUP_RISK_LIMIT,
  MAX_HEALTH_BPS,
  MIN_HEALTH_BPS,
  showLimit,
} from "../config/limits.js";
import { ZkMarginError, show } from "../errors.js";
import type { RiskParams } from "../params/types.js";
import type { Portfolio } from "../portfolio/parse.js";
import { formatScaled, parseDecimal } from "../util/decimal.js";

/**
 * The reference margin engine (README "The model"), version 3: risk scanned per risk group and
 * summed, plus a credit limit; a negative balance is a debt, counted exactly with its markup.
 * Integers only.
 *
 * Units: E26 = 1e-26 USD; E30 = E26 * 1e4 (a bps-weighted E26 amount); credit limit in cents.
 *   holding value   V_a    = amountBase * unitValueE26   (signed: negative for a debt)  [E26]
 *   tier portion    p_t    = clamp(V_a - upTo_{t-1}, 0, upTo_t - upTo_{t-1})         [E26]
 *   adjusted_a             = sum_t p_t * (10000 - h_t)           when V_a >= 0        [E30]
 *   adjusted_a             = V_a * (10000 + debtBps_a)           when V_a < 0 (a debt:
 *                            no tier applies; exact in E30, so no rounding)          [E30]
 *   loss_{g,k}             = - sum_{j in g} q_j * riskUnitE26_j[k]                    [E26]
 *   scanRisk_g             = max(0, max_k loss_{g,k})                                 [E26]
 *   shortOptionMinimum_g   = sum_{j in g} max(0, -q_j) * shortOptionMinimumUnitE26_j  [E26]
 *   requirement_g          = max(scanRisk_g, shortOptionMinimum_g)                    [E26]
 *   requirement            = sum_g requirement_g                                      [E26]
 *   creditLimitE26         = creditLimitCents * 10^24                                 [E26]
 *   pass  <=>  adjustedE30 >= healthBps * (requirementE26 + creditLimitE26)
 * (10000 * adjustedCollateral >= healthBps * (requirement + creditLimit), with adjustedCollateral =
 * adjustedE30 / 1e4.) Every quantity is an exact integer, so the decision equals the one over exact
 * rationals. There is no credit between groups: scenario k of a group moves only that group.
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

/**
 * One collateral holding in a MarginResult: its value and haircut-adjusted value, tier by tier; or,
 * for a negative balance, a debt: its (negative) value marked up by the asset's debtBps.
 */
export interface CollateralBreakdown {
  assetId: number;
  symbol: string;
  /** Signed: negative for a debt. */
  amountBase: bigint;
  decimals: number;
  priceE8: bigint;
  /** Signed value (E26). */
  valueE26: bigint;
  /** The haircut tiers (empty for a debt). */
  tiers: TierBreakdown[];
  /** Whether the balance is negative (a debt, counted at |value| * (10000 + debtBps) / 10000). */
  debt: boolean;
  /** The asset's markup on a debt (bps). */
  debtBps: number;
  /** Signed (E30): negative for a debt. */
  adjustedE30: bigint;
}

/** One position in a MarginResult: its loss per scenario before netting, and its short-option minimum. */
export interface PositionBreakdown {
  instrumentId: number;
  symbol: string;
  /** The id of the instrument's risk group. */
  groupId: number;
  quantityBase: bigint;
  decimals: number;
  /** This position's loss per scenario (E26), before netting. */
  lossE26: bigint[];
  shortOptionMinimumE26: bigint;
}

/** One risk group the book touches. */
export interface GroupBreakdown {
  groupId: number;
  symbol: string;
  /** Leaf index in the group tree. */
  groupIndex: number;
  /** Net loss of the group's positions per scenario (E26); negative = profit. */
  scenarioLossE26: bigint[];
  /** 0-based index of the group's largest loss (first on ties). */
  worstScenario: number;
  /** max(0, max_k scenarioLossE26[k]) */
  scanRiskE26: bigint;
  shortOptionMinimumE26: bigint;
  /** max(scanRiskE26, shortOptionMinimumE26) */
  requirementE26: bigint;
}

/**
 * The exact result of computeMargin: the decision `ok` and every figure behind it, as integers
 * (E26 = 1e-26 USD, E30 = E26 x 10^4; docs/model.md, "Exact integers").
 */
export interface MarginResult {
  healthBps: number;
  ok: boolean;
  /** The credit limit the statement covers, in USD cents (0 = the plain solvency statement). */
  creditLimitCents: bigint;
  /** creditLimitCents * 10^24 (E26). */
  creditLimitE26: bigint;
  collateral: CollateralBreakdown[];
  /** In portfolio order: by (group index, instrument index). */
  positions: PositionBreakdown[];
  /** One entry per group the book touches, in group index order. */
  groups: GroupBreakdown[];
  collateralValueE26: bigint;
  adjustedCollateralE30: bigint;
  /** Sum over groups. */
  scanRiskE26: bigint;
  /** Sum over groups. */
  shortOptionMinimumE26: bigint;
  /** Sum over groups of max(scan risk, short-option minimum). */
  requirementE26: bigint;
  /** adjustedE30 - healthBps * (requirementE26 + creditLimitE26): excess (>= 0) or shortfall (< 0), in E30. */
  excessE30: bigint;
}

/** Check a health level: an integer from MIN_HEALTH_BPS (10000, 1.0x) to MAX_HEALTH_BPS; returns it. */
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

/**
 * A credit limit as typed by a user: a USD decimal string with at most 2 decimal places (cents),
 * >= 0 and below 2^64 cents. Returns cents. Errors name the flag (or path), the value and the limit.
 */
export function parseCreditLimit(raw: string, path = "--credit-limit"): bigint {
  const cents = parseDecimal(raw, path, { places: 2, placesWhat: "2 decimal places (USD cents)" });
  return checkCreditLimitCents(cents, path, raw);
}

/** Check a credit limit in cents: an integer bigint, 0 <= cents < 2^64. */
export function checkCreditLimitCents(cents: unknown, path = "creditLimitCents", raw: unknown = cents): bigint {
  if (typeof cents !== "bigint" || cents < 0n || cents >= CREDIT_LIMIT_CENTS_LIMIT) {
    const max = typeof cents === "bigint" ? ` (at most ${formatCreditLimit(CREDIT_LIMIT_CENTS_LIMIT - 1n)} USD)` : "";
    throw new ZkMarginError("OUT_OF_RANGE", `a credit limit must be >= 0 and below 2^${CREDIT_BITS} cents${max}, got ${show(raw)}`, {
      path,
      value: raw,
      limit: `0 <= cents < 2^${CREDIT_BITS}`,
    });
  }
  return cents;
}

/** A credit limit in cents as a USD decimal string with 2 places (`123456` -> `"1234.56"`). */
export function formatCreditLimit(cents: bigint): string {
  return formatScaled(cents, 2);
}

const E18 = 10n ** 18n;

/**
 * The reference margin computation (docs/model.md, "The margin formulas"): does `portfolio` pass at
 * `healthBps` with a credit limit of `creditLimitCents` under `params`? Exact, integers only; throws
 * on an out-of-range health or credit limit.
 */
export function computeMargin(params: RiskParams, portfolio: Portfolio, healthBps: number, creditLimitCents: bigint = 0n): MarginResult {
  checkHealthBps(healthBps);
  checkCreditLimitCents(creditLimitCents);
  const K = params.layout.scenarios;

  const collateral = portfolio.collateral.map(({ asset, amountBase }): CollateralBreakdown => {
    const valueE26 = amountBase * asset.unitValueE26;
    const base = { assetId: asset.id, symbol: asset.symbol, amountBase, decimals: asset.decimals, priceE8: asset.priceE8, valueE26, debtBps: asset.debtBps };
    if (valueE26 < 0n) {
      // a debt: never through the tiers, marked up by debtBps (valueE26 < 0, so adjusted < 0)
      return { ...base, tiers: [], debt: true, adjustedE30: valueE26 * (BPS + BigInt(asset.debtBps)) };
    }
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
    return { ...base, tiers, debt: false, adjustedE30: tiers.reduce((s, t) => s + t.adjustedE30, 0n) };
  });

  const positions = portfolio.positions.map(({ instrument, quantityBase }): PositionBreakdown => ({
    instrumentId: instrument.id,
    symbol: instrument.symbol,
    groupId: instrument.groupId,
    quantityBase,
    decimals: instrument.decimals,
    lossE26: instrument.riskUnitE26.map((r) => -quantityBase * r),
    shortOptionMinimumE26: quantityBase < 0n ? -quantityBase * instrument.shortOptionMinimumUnitE26 : 0n,
  }));

  const orphan = positions.find((p) => !params.groups.some((g) => g.id === p.groupId));
  if (orphan) throw new RangeError(`instrument ${orphan.symbol} names group id ${orphan.groupId}, which the parameters do not list`);
  const groups: GroupBreakdown[] = [];
  for (const group of [...params.groups].sort((a, b) => a.index - b.index)) {
    const inGroup = positions.filter((p) => p.groupId === group.id);
    if (inGroup.length === 0) continue;
    const scenarioLossE26 = Array.from({ length: K }, (_, k) => inGroup.reduce((s, p) => s + p.lossE26[k]!, 0n));
    let worstScenario = 0;
    scenarioLossE26.forEach((l, k) => {
      if (l > scenarioLossE26[worstScenario]!) worstScenario = k;
    });
    const worstLoss = scenarioLossE26[worstScenario] ?? 0n;
    const scanRiskE26 = worstLoss > 0n ? worstLoss : 0n;
    const shortOptionMinimumE26 = inGroup.reduce((s, p) => s + p.shortOptionMinimumE26, 0n);
    groups.push({
      groupId: group.id,
      symbol: group.symbol,
      groupIndex: group.index,
      scenarioLossE26,
      worstScenario,
      scanRiskE26,
      shortOptionMinimumE26,
      requirementE26: scanRiskE26 > shortOptionMinimumE26 ? scanRiskE26 : shortOptionMinimumE26,
    });
  }

  const scanRiskE26 = groups.reduce((s, g) => s + g.scanRiskE26, 0n);
  const shortOptionMinimumE26 = groups.reduce((s, g) => s + g.shortOptionMinimumE26, 0n);
  const requirementE26 = groups.reduce((s, g) => s + g.requirementE26, 0n);
  const creditLimitE26 = creditLimitCents * CENTS_TO_E26;
  const collateralValueE26 = collateral.reduce((s, c) => s + c.valueE26, 0n);
  const adjustedCollateralE30 = collateral.reduce((s, c) => s + c.adjustedE30, 0n);
  const excessE30 = adjustedCollateralE30 - BigInt(healthBps) * (requirementE26 + creditLimitE26);
  return {
    healthBps,
    ok: excessE30 >= 0n,
    creditLimitCents,
    creditLimitE26,
    collateral,
    positions,
    groups,
    collateralValueE26,
    adjustedCollateralE30,
    scanRiskE26,
    shortOptionMinimumE26,
    requirementE26,
    excessE30,
  };
}

/**
 * The circuit's per-group bound: it proves a group's maximum loss with range checks that are
 * complete only while every |loss_{g,k}| and every short-option minimum is below 2^GROUP_RISK_BITS
 * x 1e-26 USD (~1.43e19 USD). Throws a BIT_BUDGET error naming the group and the scenario for a
 * book outside it (the prover calls this; `check` does not, the engine's figures stay exact).
 */
export function checkGroupRiskBound(result: MarginResult): void {
  for (const g of result.groups) {
    g.scenarioLossE26.forEach((loss, k) => {
      const mag = loss < 0n ? -loss : loss;
      if (mag >= GROUP_RISK_LIMIT) {
        throw new ZkMarginError(
          "BIT_BUDGET",
          `group ${g.symbol} (id ${g.groupId}): the ${loss < 0n ? "profit" : "loss"} in scenario ${k} is ${mag} x 1e-26 USD, ` +
            `at or over the circuit's per-group limit ${showLimit(GROUP_RISK_BITS)} x 1e-26 USD (~1.43e19 USD); this book cannot be proven`,
          { path: `groups.${g.symbol}.scenarioLoss[${k}]`, value: loss, limit: `|loss| < 2^${GROUP_RISK_BITS} x 1e-26 USD` },
        );
      }
    });
    if (g.shortOptionMinimumE26 >= GROUP_RISK_LIMIT) {
      throw new ZkMarginError(
        "BIT_BUDGET",
        `group ${g.symbol} (id ${g.groupId}): the short-option minimum is ${g.shortOptionMinimumE26} x 1e-26 USD, ` +
          `at or over the circuit's per-group limit ${showLimit(GROUP_RISK_BITS)} x 1e-26 USD (~1.43e19 USD); this book cannot be proven`,
        { path: `groups.${g.symbol}.shortOptionMinimum`, value: g.shortOptionMinimumE26, limit: `< 2^${GROUP_RISK_BITS} x 1e-26 USD` },
      );
    }
  }
}
