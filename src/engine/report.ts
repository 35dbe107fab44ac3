import { USD_PLACES } from "../config/limits.js";
import type { RiskParams } from "../params/types.js";
import { divFloor, formatScaled, formatScaledTrim, parseDecimal, roundScaled, type Rounding } from "../util/decimal.js";
import type { MarginResult } from "./margin.js";

/**
 * Display forms of a MarginResult. USD figures are decimal strings with 8 places, rounded for
 * display only and always against the prover: collateral down, losses and requirement up,
 * excess down. `ok` comes from the exact integers.
 */
const E26 = 26;
const E30 = 30;
const down26 = (x: bigint) => roundScaled(x, E26, USD_PLACES, "down");
const up26 = (x: bigint) => roundScaled(x, E26, USD_PLACES, "up");
const down30 = (x: bigint) => roundScaled(x, E30, USD_PLACES, "down");
const up30 = (x: bigint) => roundScaled(x, E30, USD_PLACES, "up");

/** One risk group in the JSON report; USD figures are 8-place strings, rounded up. */
export interface GroupReportJson {
  /** The group's symbol. */
  group: string;
  scanRisk: string;
  /** 0-based index of the group's worst scenario (first on ties); its label is scenarios[worstScenario].label. */
  worstScenario: number;
  shortOptionMinimum: string;
  /** max(scanRisk, shortOptionMinimum) */
  requirement: string;
  /** The group's net loss per scenario (rounded up; negative = profit). */
  scenarios: { index: number; label: string; loss: string }[];
}

/** The JSON report of `zkmargin check --json` (marginReportJson); USD figures are 8-place strings. */
export interface MarginReportJson {
  ok: boolean;
  healthBps: number;
  /** The credit limit the statement covers (USD, 8 places; it is a whole number of cents). */
  creditLimit: string;
  /**
   * Actual health in bps, floor(10000 * adjustedCollateral / (requirement + creditLimit)); null when
   * requirement + creditLimit is 0.
   */
  actualHealthBps: number | null;
  epoch: number;
  asOf: string;
  collateralValue: string;
  adjustedCollateral: string;
  /** Sum of the groups' exact scan risks, rounded up once (not the sum of the rounded per-group figures). */
  scanRisk: string;
  /** Sum of the groups' exact short-option minimums, rounded up once. */
  shortOptionMinimum: string;
  /** Sum of the groups' exact requirements, rounded up once: the requirement the proof is about. */
  requirement: string;
  excess: string;
  /** One entry per group the book touches, in group order. */
  groups: GroupReportJson[];
  /**
   * Holdings and debts. A debt (a negative balance: `debt` true) has a negative `amount` and
   * `value`, no tiers, and counts `adjusted` = value * (10000 + debtBps) / 10000 (negative).
   */
  collateral: {
    symbol: string;
    amount: string;
    price: string;
    value: string;
    adjusted: string;
    debt: boolean;
    debtBps: number;
    tiers: { from: string; to: string | null; bps: number; portion: string; adjusted: string }[];
  }[];
  /** The debts as they count, marked up (a positive USD figure, rounded up; "0.00000000" without debts). */
  debts: string;
  /** `worstScenarioLoss` is the position's loss in its group's worst scenario. */
  positions: { symbol: string; group: string; quantity: string; worstScenarioLoss: string; shortOptionMinimum: string }[];
}

/** floor(10000 x adjustedCollateral / (requirement + creditLimit)) in bps; null when the denominator is 0. */
export function actualHealthBps(r: MarginResult): number | null {
  const denominator = r.requirementE26 + r.creditLimitE26;
  if (denominator === 0n) return null;
  const h = divFloor(r.adjustedCollateralE30, denominator);
  return h > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(h);
}

/** Sum of 8-place decimal strings (exact). */
function sumE8(xs: string[]): string {
  return formatScaled(
    xs.reduce((s, x) => s + parseDecimal(x, "sum", { places: USD_PLACES, signed: true }), 0n),
    USD_PLACES,
  );
}

/**
 * The JSON report (`check --json`). Every figure is rounded once from the exact integers: per-group
 * figures up, and the top-level scanRisk, shortOptionMinimum and requirement are the exact totals
 * rounded up (so they can be up to one unit of the last place per group below the sum of the rounded
 * per-group figures, and never below the exact value). `ok` and `excess` come from the exact integers.
 */
export function marginReportJson(r: MarginResult, params: RiskParams): MarginReportJson {
  const groups: GroupReportJson[] = r.groups.map((g) => ({
    group: g.symbol,
    scanRisk: up26(g.scanRiskE26),
    worstScenario: g.worstScenario,
    shortOptionMinimum: up26(g.shortOptionMinimumE26),
    requirement: up26(g.requirementE26),
    scenarios: g.scenarioLossE26.map((l, k) => ({ index: k, label: params.scenarios[k] ?? "", loss: up26(l) })),
  }));
  const byId = new Map(r.groups.map((g) => [g.groupId, g]));
  return {
    ok: r.ok,
    healthBps: r.healthBps,
    creditLimit: down26(r.creditLimitE26),
    actualHealthBps: actualHealthBps(r),
    epoch: Number(params.epoch),
    asOf: params.asOf,
    collateralValue: down26(r.collateralValueE26),
    adjustedCollateral: down30(r.adjustedCollateralE30),
    scanRisk: up26(r.scanRiskE26),
    shortOptionMinimum: up26(r.shortOptionMinimumE26),
    requirement: up26(r.requirementE26),
    excess: down30(r.excessE30),
    groups,
    debts: up30(-r.collateral.reduce((s, c) => s + (c.debt ? c.adjustedE30 : 0n), 0n)),
    collateral: r.collateral.map((c) => ({
      symbol: c.symbol,
      amount: formatScaledTrim(c.amountBase, c.decimals),
      price: formatScaledTrim(c.priceE8, USD_PLACES),
      value: down26(c.valueE26),
      adjusted: down30(c.adjustedE30),
      debt: c.debt,
      debtBps: c.debtBps,
      tiers: c.tiers.map((t) => ({
        from: down26(t.fromE26),
        to: t.toE26 === null ? null : down26(t.toE26),
        bps: t.bps,
        portion: down26(t.portionE26),
        adjusted: down30(t.adjustedE30),
      })),
    })),
    positions: r.positions.map((p) => {
      const g = byId.get(p.groupId);
      return {
        symbol: p.symbol,
        group: g?.symbol ?? String(p.groupId),
        quantity: formatScaledTrim(p.quantityBase, p.decimals),
        worstScenarioLoss: up26(p.lossE26[g?.worstScenario ?? 0] ?? 0n),
        shortOptionMinimum: up26(p.shortOptionMinimumE26),
      };
    }),
  };
}

/**
 * Thousands separators and 2 decimals for reading (the JSON keeps 8 exact places). Rounded against
 * the prover like the JSON: "up" for losses and requirements, "down" for collateral and excess.
 */
function usd(s: string, rounding: Rounding = "down"): string {
  const cents = roundScaled(parseDecimal(s, "usd", { places: USD_PLACES, signed: true }), USD_PLACES, 2, rounding);
  const neg = cents.startsWith("-");
  const [i, f = ""] = (neg ? cents.slice(1) : cents).split(".");
  const grouped = (i ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg && /[1-9]/.test(cents) ? "-" : ""}${grouped}.${f}`;
}
const up = (s: string): string => usd(s, "up");

function table(rows: string[][], right: boolean[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r.map((cell, c) => (right[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd(),
  );
}

/** A readable breakdown for the terminal. */
export function formatMarginReport(j: MarginReportJson): string {
  const out: string[] = [];
  out.push(`Risk parameters: epoch ${j.epoch}, as of ${j.asOf}`);
  out.push("");
  out.push("Collateral (USD)");
  const holdings = j.collateral.filter((c) => !c.debt);
  const debts = j.collateral.filter((c) => c.debt);
  if (holdings.length === 0) out.push("  (none)");
  else {
    const rows: string[][] = [["  asset", "amount", "price", "value", "tier", "haircut", "portion", "adjusted"]];
    for (const c of holdings) {
      c.tiers.forEach((t, i) => {
        const range = t.to === null ? `above ${usd(t.from)}` : `${usd(t.from)}-${usd(t.to)}`;
        rows.push([
          i === 0 ? `  ${c.symbol}` : "",
          i === 0 ? c.amount : "",
          i === 0 ? c.price : "",
          i === 0 ? usd(c.value) : "",
          range,
          `${(t.bps / 100).toFixed(2)}%`,
          usd(t.portion),
          usd(t.adjusted),
        ]);
      });
      if (c.tiers.length > 1) rows.push(["", "", "", "", "", "", "", `= ${usd(c.adjusted)}`]);
    }
    out.push(...table(rows, [false, true, true, true, false, true, true, true]));
  }
  if (debts.length > 0) {
    out.push("");
    out.push("Debts (USD; a negative balance counts its value marked up by the asset's debtBps, no haircut tier)");
    const rows: string[][] = [["  asset", "amount", "price", "value", "markup", "counts"]];
    for (const c of debts) rows.push([`  ${c.symbol}`, c.amount, c.price, usd(c.value), `${(c.debtBps / 100).toFixed(2)}%`, usd(c.adjusted)]);
    out.push(...table(rows, [false, true, true, true, true, true]));
    out.push(`  debts as counted ${up(j.debts)}`);
  }
  out.push(`  total value ${usd(j.collateralValue)}, haircut-adjusted ${usd(j.adjustedCollateral)}${debts.length > 0 ? " (debts included)" : ""}`);
  out.push("");
  out.push("Positions");
  if (j.positions.length === 0) out.push("  (none)");
  else {
    const rows = [["  instrument", "group", "quantity", "loss in group's worst scenario", "short-option min."]];
    for (const p of j.positions) rows.push([`  ${p.symbol}`, p.group, p.quantity, up(p.worstScenarioLoss), up(p.shortOptionMinimum)]);
    out.push(...table(rows, [false, false, true, true, true]));
  }
  if (j.groups.length > 0) {
    out.push("");
    out.push("Scenario losses per risk group (USD, loss > 0; * = the group's worst)");
    const head = ["  #", "scenario", ...j.groups.map((g) => g.group)];
    const srows = [head];
    const K = j.groups[0]!.scenarios.length;
    for (let k = 0; k < K; k++) {
      srows.push([
        `  ${k}`,
        j.groups[0]!.scenarios[k]!.label,
        ...j.groups.map((g) => `${up(g.scenarios[k]!.loss)}${g.worstScenario === k ? " *" : "  "}`),
      ]);
    }
    out.push(...table(srows, [true, false, ...j.groups.map(() => true)]));
  }
  out.push("");
  out.push("Requirement per risk group (USD; no credit between groups)");
  if (j.groups.length === 0) out.push("  (no positions)");
  else {
    const grows = [["  group", "scan risk", "worst scenario", "short-option min.", "requirement"]];
    for (const g of j.groups) {
      grows.push([`  ${g.group}`, up(g.scanRisk), `${g.worstScenario} (${g.scenarios[g.worstScenario]?.label ?? ""})`, up(g.shortOptionMinimum), up(g.requirement)]);
    }
    grows.push(["  sum", up(j.scanRisk), "", up(j.shortOptionMinimum), up(j.requirement)]);
    out.push(...table(grows, [false, true, false, true, true]));
  }
  out.push("");
  const ratio = (j.healthBps / 10000).toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  const covered = sumE8([j.requirement, j.creditLimit]);
  const lines = [
    ["requirement (sum of groups)", up(j.requirement)],
    ["credit limit", usd(j.creditLimit)],
    ["requirement + credit limit", up(covered)],
    [`required at ${j.healthBps} bps (${ratio}x)`, up(ceilHealth(covered, j.healthBps))],
    ["haircut-adjusted collateral", usd(j.adjustedCollateral)],
    // excess rounds down: a shortfall's magnitude rounds up
    [j.excess.startsWith("-") ? "shortfall" : "excess", usd(j.excess).replace(/^-/, "")],
    [
      "health",
      j.actualHealthBps === null ? "no requirement" : `${j.actualHealthBps} bps (${(j.actualHealthBps / 10000).toFixed(4)}x)`,
    ],
  ];
  out.push(...table(lines, [false, true]));
  out.push("");
  out.push(j.ok ? `PASS at ${j.healthBps} bps` : `FAIL at ${j.healthBps} bps`);
  return out.join("\n");
}

function ceilHealth(requirement: string, healthBps: number): string {
  const [i, f = ""] = requirement.split(".");
  const e8 = BigInt(`${i}${f.padEnd(8, "0")}`);
  return roundScaled(e8 * BigInt(healthBps), 12, 8, "up");
}
