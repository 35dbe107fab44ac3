import { ZkMarginError } from "../errors.js";
import type { RiskParams } from "../params/types.js";
import { parsePortfolio } from "../portfolio/parse.js";
import type { StatementHoldings } from "./types.js";

/**
 * A holdings file in the portfolio's form (keys are symbols or ids, amounts are decimal strings in
 * whole units, docs/model.md "Portfolio") turned into what a venue signs: ids and base units. The
 * parameters resolve symbols and decimals, so every key must be an asset or instrument they list.
 * A negative balance is a debt (signed as a negative collateral entry); `collateral` may be left out.
 */
export function holdingsFromPortfolioJson(json: unknown, params: RiskParams): StatementHoldings {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ZkMarginError("SCHEMA", `holdings must be an object { "collateral": {...}, "positions": {...} }`, { value: json });
  }
  const raw = json as { collateral?: unknown; positions?: unknown };
  const portfolio = parsePortfolio({ collateral: {}, ...raw }, params);
  return {
    collateral: Object.fromEntries(portfolio.collateral.map((c) => [String(c.asset.id), c.amountBase])),
    positions: Object.fromEntries(portfolio.positions.map((p) => [String(p.instrument.id), p.quantityBase])),
  };
}
