import { USD_PLACES } from "../config/limits.js";
import type { RiskParams } from "../params/types.js";
import { divFloor, formatScaledTrim, roundScaled } from "../util/decimal.js";
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

export interface MarginReportJson {
  ok: boolean;
  healthBps: number;
  /** Actual health in bps, floor(10000 * adjustedCollateral / requirement); null when requirement is 0. */
  actualHealthBps: number | null;
  epoch: number;
  asOf: string;
  collateralValue: string;
  adjustedCollateral: string;
  scanRisk: string;
  worstScenario: number;
  worstScenarioLabel: string;
  shortOptionMinimum: string;
  requirement: string;
  excess: string;
  collateral: {
    symbol: string;
    amount: string;
    price: string;
    value: string;
    adjusted: string;
    tiers: { from: string; to: string | null; bps: number; portion: string; adjusted: string }[];
  }[];
  positions: { symbol: string; quantity: string; worstScenarioLoss: string; shortOptionMinimum: string }[];
  scenarios: { index: number; label: string; loss: string }[];
}

export function actualHealthBps(r: MarginResult): number | null {
  if (r.requirementE26 === 0n) return null;
  const h = divFloor(r.adjustedCollateralE30, r.requirementE26);
  return h > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(h);
}

export function marginReportJson(r: MarginResult, params: RiskParams): MarginReportJson {
  return {
    ok: r.ok,
    healthBps: r.healthBps,
    actualHealthBps: actualHealthBps(r),
    epoch: Number(params.epoch),
    asOf: params.asOf,
    collateralValue: down26(r.collateralValueE26),
    adjustedCollateral: down30(r.adjustedCollateralE30),
    scanRisk: up26(r.scanRiskE26),
    worstScenario: r.worstScenario,
    worstScenarioLabel: params.scenarios[r.worstScenario] ?? "",
    shortOptionMinimum: up26(r.shortOptionMinimumE26),
    requirement: up26(r.requirementE26),
    excess: down30(r.excessE30),
    collateral: r.collateral.map((c) => ({
      symbol: c.symbol,
      amount: formatScaledTrim(c.amountBase, c.decimals),
      price: formatScaledTrim(c.priceE8, USD_PLACES),
      value: down26(c.valueE26),
      adjusted: down30(c.adjustedE30),
      tiers: c.tiers.map((t) => ({
        from: down26(t.fromE26),
        to: t.toE26 === null ? null : down26(t.toE26),
        bps: t.bps,
        portion: down26(t.portionE26),
        adjusted: down30(t.adjustedE30),
      })),
    })),
    positions: r.positions.map((p) => ({
      symbol: p.symbol,
      quantity: formatScaledTrim(p.quantityBase, p.decimals),
      worstScenarioLoss: up26(p.lossE26[r.worstScenario] ?? 0n),
      shortOptionMinimum: up26(p.shortOptionMinimumE26),
    })),
    scenarios: r.scenarioLossE26.map((l, k) => ({ index: k, label: params.scenarios[k] ?? "", loss: up26(l) })),
  };
}

/** Thousands separators and 2 decimals for reading (the JSON keeps 8 exact places). */
function usd(s: string): string {
  const neg = s.startsWith("-");
  const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
  const grouped = (i ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${grouped}.${f.padEnd(2, "0").slice(0, 2)}`;
}

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
  if (j.collateral.length === 0) out.push("  (none)");
  else {
    const rows: string[][] = [["  asset", "amount", "price", "value", "tier", "haircut", "portion", "adjusted"]];
    for (const c of j.collateral) {
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
  out.push(`  total value ${usd(j.collateralValue)}, haircut-adjusted ${usd(j.adjustedCollateral)}`);
  out.push("");
  out.push("Positions");
  if (j.positions.length === 0) out.push("  (none)");
  else {
    const rows = [["  instrument", "quantity", "loss in worst scenario", "short-option min."]];
    for (const p of j.positions) rows.push([`  ${p.symbol}`, p.quantity, usd(p.worstScenarioLoss), usd(p.shortOptionMinimum)]);
    out.push(...table(rows, [false, true, true, true]));
  }
  out.push("");
  out.push("Scenario losses (USD, loss > 0)");
  const srows = [["  #", "scenario", "loss", ""]];
  for (const s of j.scenarios) {
    srows.push([`  ${s.index}`, s.label, usd(s.loss), s.index === j.worstScenario ? "<- worst" : ""]);
  }
  out.push(...table(srows, [true, false, true, false]));
  out.push("");
  const ratio = (j.healthBps / 10000).toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  const lines = [
    ["scan risk", usd(j.scanRisk)],
    ["short-option minimum", usd(j.shortOptionMinimum)],
    ["requirement", usd(j.requirement)],
    [`required at ${j.healthBps} bps (${ratio}x)`, usd(ceilHealth(j.requirement, j.healthBps))],
    ["haircut-adjusted collateral", usd(j.adjustedCollateral)],
    [BigInt(j.excess.replace(".", "")) >= 0n ? "excess" : "shortfall", usd(j.excess.replace(/^-/, ""))],
    ["health", j.actualHealthBps === null ? "no requirement" : `${j.actualHealthBps} bps (${(j.actualHealthBps / 10000).toFixed(4)}x)`],
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
