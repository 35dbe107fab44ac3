import { AMOUNT_BITS, AMOUNT_LIMIT } from "../config/limits.js";
import { ZkMarginError } from "../errors.js";
import type { RiskParams } from "../params/types.js";
import type { CollateralHolding, Portfolio, PositionHolding } from "../portfolio/parse.js";
import { StatementError } from "./errors.js";
import { parseAccount } from "./parse.js";
import type { Statement, StatementJson } from "./types.js";
import { verifyOne, type VerifiedStatement, type VerifyStatementOptions } from "./verify.js";

/** Options of portfolioFromStatements: verifyStatement's, and the circuit's statement capacity. */
export interface PortfolioFromStatementsOptions extends VerifyStatementOptions {
  /** At most this many statements (the circuit's venue-statement slots V). Not checked when absent. */
  maxStatements?: number;
  /** At most this many entries over all statements (the sum of their n; the circuit's entry capacity). Not checked when absent. */
  maxEntries?: number;
}

/** The number of entries n of a statement: its non-zero balances and positions together (what its message binds). */
export function statementEntryCount(statement: Pick<Statement, "collateral" | "positions">): number {
  return statement.collateral.length + statement.positions.length;
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
  /** The entries of all statements together (the sum of their n). */
  entryCount: number;
}

/**
 * The portfolio that 1..V holdings statements add up to (docs/statements.md, "From statements to a
 * portfolio"): every statement verified (verifyStatement), one per venue, all for one account, at
 * most `maxEntries` entries in all; collateral netted per listed asset, debts included (a net of 0
 * gets no slot, a negative net is a debt in the portfolio); positive balances in assets the
 * parameters do not list are not counted (`notCounted`), a debt in one is a StatementError "debt";
 * positions netted per instrument (an instrument netting to exactly 0 gets no slot).
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
      return verifyOne(s, params, opts, "these statements");
    } catch (e) {
      throw e instanceof ZkMarginError ? inStatement(e, i) : e;
    }
  });
  const entryCount = verified.reduce((n, v) => n + statementEntryCount(v.statement), 0);
  if (opts.maxEntries !== undefined && entryCount > opts.maxEntries) {
    throw new ZkMarginError(
      "CAPACITY",
      `the statements hold ${entryCount} entries in all; at most ${opts.maxEntries} (the entry capacity: every entry of every statement is checked in the proof)`,
      { path: "statements", value: entryCount, limit: String(opts.maxEntries) },
    );
  }

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
    new ZkMarginError("BIT_BUDGET", `the statements' total of ${what} is ${total} base units, over the limit 2^${AMOUNT_BITS} - 1 in magnitude`, {
      path: "statements",
      value: total.toString(),
      limit: `|total| < 2^${AMOUNT_BITS}`,
    });
  for (const v of verified) {
    for (const c of v.collateral) {
      const h = collateral.get(c.asset.id) ?? { asset: c.asset, amountBase: 0n };
      h.amountBase += c.amount;
      collateral.set(c.asset.id, h);
    }
    for (const p of v.positions) {
      const h = positions.get(p.instrument.id) ?? { instrument: p.instrument, quantityBase: 0n };
      h.quantityBase += p.quantity;
      positions.set(p.instrument.id, h);
    }
    for (const n of v.notCounted) notCounted.push({ venueId: v.venue.id, ...n });
  }
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  for (const c of collateral.values()) if (abs(c.amountBase) >= AMOUNT_LIMIT) throw tooBig(c.asset.symbol, c.amountBase);
  for (const p of positions.values()) if (abs(p.quantityBase) >= AMOUNT_LIMIT) throw tooBig(p.instrument.symbol, p.quantityBase);

  // A total of exactly 0 (an asset whose balances and debts cancel, an instrument whose positions net
  // flat across venues) gets no portfolio slot (docs/statements.md, "From statements to a portfolio").
  const groupIndex = new Map(params.groups.map((g) => [g.id, g.index]));
  const gi = (p: PositionHolding): number => groupIndex.get(p.instrument.groupId) ?? -1;
  const portfolio: Portfolio = {
    collateral: [...collateral.values()].filter((c) => c.amountBase !== 0n).sort((a, b) => a.asset.index - b.asset.index),
    positions: [...positions.values()].filter((p) => p.quantityBase !== 0n).sort((a, b) => gi(a) - gi(b) || a.instrument.index - b.instrument.index),
  };
  return { portfolio, statements: [...verified].sort((a, b) => a.venue.id - b.venue.id), notCounted, account, entryCount };
}

/** The same error, located in statement i (path `statements[i].<path>`). */
function inStatement(e: ZkMarginError, i: number): ZkMarginError {
  const bare = e.path !== undefined && e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message;
  const sub = e.path === undefined || e.path === "(top level)" ? "" : e.path.startsWith("[") ? e.path : `.${e.path}`;
  const opts = { path: `statements[${i}]${sub}`, value: e.value, ...(e.limit !== undefined ? { limit: e.limit } : {}) };
  return e instanceof StatementError ? new StatementError(e.rule, bare, opts) : new ZkMarginError(e.code, bare, opts);
}
