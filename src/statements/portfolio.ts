import { AMOUNT_BITS, AMOUNT_LIMIT } from "../config/limits.js";
import { ZkMarginError } from "../errors.js";
import type { RiskParams } from "../params/types.js";
import type { CollateralHolding, Portfolio, PositionHolding } from "../portfolio/parse.js";
import { StatementError } from "./errors.js";
import { parseAccount } from "./parse.js";
import type { Statement, StatementJson } from "./types.js";
import { verifyStatement, type VerifiedStatement, type VerifyStatementOptions } from "./verify.js";

/** Options of portfolioFromStatements: verifyStatement's, and the number of statement slots. */
export interface PortfolioFromStatementsOptions extends VerifyStatementOptions {
  /** At most this many statements (the circuit's venue-statement slots V). Not checked when absent. */
  maxStatements?: number;
}

/** What portfolioFromStatements returns. */
export interface StatementPortfolio {
  /** The per-asset and per-instrument totals over the statements (zero totals left out). */
  portfolio: Portfolio;
  /** The verified statements, sorted by venue id (the circuit's statement-slot order). */
  statements: VerifiedStatement[];
  /** Balances the portfolio leaves out because the parameters do not list their asset. */
  notCounted: { venueId: number; assetId: number; amount: bigint }[];
  /** The account all statements are for (lowercase address). */
  account: string;
}

/**
 * The portfolio that 1..V holdings statements add up to (docs/statements.md, "From statements to a
 * portfolio"): every statement verified (verifyStatement), one per venue, all for one account;
 * collateral summed per asset (assets the parameters do not list are not counted and reported in
 * `notCounted`), positions summed per instrument (an instrument netting to exactly zero is refused:
 * the circuit has no slot to count it in).
 */
export function portfolioFromStatements(
  statements: readonly (Statement | StatementJson)[],
  params: RiskParams,
  opts: PortfolioFromStatementsOptions = {},
): StatementPortfolio {
  if (statements.length === 0) throw new ZkMarginError("ARGUMENT", "needs at least one holdings statement", { path: "statements", value: 0, limit: ">= 1" });
  if (opts.maxStatements !== undefined && statements.length > opts.maxStatements) {
    throw new ZkMarginError("CAPACITY", `${statements.length} statements; at most ${opts.maxStatements} (one per venue-statement slot)`, {
      path: "statements",
      value: statements.length,
      limit: String(opts.maxStatements),
    });
  }
  const verified = statements.map((s, i) => {
    try {
      return verifyStatement(s, params, opts);
    } catch (e) {
      throw e instanceof ZkMarginError ? inStatement(e, i) : e;
    }
  });

  const byVenue = new Map<number, number>();
  verified.forEach((v, i) => {
    const prev = byVenue.get(v.venue.id);
    if (prev !== undefined) {
      throw new StatementError(
        "duplicate-venue",
        `venue ${v.venue.id} (${v.venue.name}) signed statements ${prev + 1} and ${i + 1}; use one statement per venue (its latest)`,
        { path: `statements[${i}]`, value: v.venue.id },
      );
    }
    byVenue.set(v.venue.id, i);
  });
  const account = opts.account !== undefined ? parseAccount(opts.account, "account") : verified[0]!.statement.account;
  verified.forEach((v, i) => {
    if (v.statement.account !== account) {
      throw new StatementError("account", `statement ${i + 1} is for account ${v.statement.account}, statement 1 for ${account}: all statements must be for one account`, {
        path: `statements[${i}].account`,
        value: v.statement.account,
        limit: account,
      });
    }
  });

  const collateral = new Map<number, CollateralHolding>();
  const positions = new Map<number, PositionHolding>();
  const notCounted: StatementPortfolio["notCounted"] = [];
  const tooBig = (what: string, total: bigint): ZkMarginError =>
    new ZkMarginError("BIT_BUDGET", `the statements' total of ${what} is ${total} base units, over the limit 2^${AMOUNT_BITS} - 1`, {
      path: "statements",
      value: total.toString(),
      limit: `< 2^${AMOUNT_BITS}`,
    });
  for (const v of verified) {
    for (const c of v.collateral) {
      const h = collateral.get(c.asset.id) ?? { asset: c.asset, amountBase: 0n };
      h.amountBase += c.amount;
      if (h.amountBase >= AMOUNT_LIMIT) throw tooBig(c.asset.symbol, h.amountBase);
      collateral.set(c.asset.id, h);
    }
    for (const p of v.positions) {
      const h = positions.get(p.instrument.id) ?? { instrument: p.instrument, quantityBase: 0n };
      h.quantityBase += p.quantity;
      if ((h.quantityBase < 0n ? -h.quantityBase : h.quantityBase) >= AMOUNT_LIMIT) throw tooBig(p.instrument.symbol, h.quantityBase);
      positions.set(p.instrument.id, h);
    }
    for (const n of v.notCounted) notCounted.push({ venueId: v.venue.id, ...n });
  }

  for (const p of positions.values()) {
    if (p.quantityBase === 0n) {
      // The circuit matches every statement position to the portfolio slot of its instrument; an
      // instrument that nets to zero has no slot (docs/statements.md, "From statements to a portfolio").
      throw new ZkMarginError(
        "ARGUMENT",
        `the statements' positions in ${p.instrument.symbol} (instrument ${p.instrument.id}) net to exactly 0 across venues; a verified proof cannot count an instrument with no net position yet (prove without one of these statements, or after one position changes)`,
        { path: "statements", value: p.instrument.symbol },
      );
    }
  }
  const groupIndex = new Map(params.groups.map((g) => [g.id, g.index]));
  const gi = (p: PositionHolding): number => groupIndex.get(p.instrument.groupId) ?? -1;
  const portfolio: Portfolio = {
    collateral: [...collateral.values()].sort((a, b) => a.asset.index - b.asset.index),
    positions: [...positions.values()].sort((a, b) => gi(a) - gi(b) || a.instrument.index - b.instrument.index),
  };
  return { portfolio, statements: [...verified].sort((a, b) => a.venue.id - b.venue.id), notCounted, account };
}

/** The same error, located in statement i (path `statements[i].<path>`). */
function inStatement(e: ZkMarginError, i: number): ZkMarginError {
  const bare = e.path !== undefined && e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message;
  const sub = e.path === undefined || e.path === "(top level)" ? "" : e.path.startsWith("[") ? e.path : `.${e.path}`;
  const opts = { path: `statements[${i}]${sub}`, value: e.value, ...(e.limit !== undefined ? { limit: e.limit } : {}) };
  return e instanceof StatementError ? new StatementError(e.rule, bare, opts) : new ZkMarginError(e.code, bare, opts);
}
