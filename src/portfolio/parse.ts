import { AMOUNT_BITS, AMOUNT_LIMIT, showLimit } from "../config/limits.js";
import { ZkMarginError, show } from "../errors.js";
import type { AssetParams, InstrumentParams, RiskParams } from "../params/types.js";
import { compileValidator } from "../util/schema.js";
import { portfolioSchema } from "../params/schema.js";
import { formatScaledTrim, parseDecimal } from "../util/decimal.js";

/** One collateral balance of a parsed portfolio. */
export interface CollateralHolding {
  asset: AssetParams;
  /** Balance in the asset's base units, signed: negative for a debt (never 0). */
  amountBase: bigint;
}

/** One net position of a parsed portfolio. */
export interface PositionHolding {
  instrument: InstrumentParams;
  /** Signed size in the instrument's size steps (negative = short, never 0). */
  quantityBase: bigint;
}

/**
 * A validated portfolio: each asset and instrument at most once, no zero holdings. Collateral is
 * sorted by asset index; positions by (group index, instrument index inside the group), which is the
 * circuit's slot order (the positions of one group are contiguous).
 */
export interface Portfolio {
  collateral: CollateralHolding[];
  positions: PositionHolding[];
}

const validateShape = compileValidator(portfolioSchema, "portfolio");

function resolve<T extends { id: number; symbol: string }>(
  key: string,
  items: readonly T[],
  path: string,
  what: string,
): T {
  const bySymbol = items.find((x) => x.symbol === key);
  if (bySymbol) return bySymbol;
  if (/^[0-9]+$/.test(key)) {
    const byId = items.find((x) => String(x.id) === key);
    if (byId) return byId;
  }
  const ci = items.find((x) => x.symbol.toUpperCase() === key.toUpperCase());
  const hint = ci
    ? `; did you mean "${ci.symbol}"?`
    : `; known ${what}s: ${items
        .slice(0, 12)
        .map((x) => x.symbol)
        .join(", ")}${items.length > 12 ? ", ..." : ""}`;
  throw new ZkMarginError("UNKNOWN_SYMBOL", `unknown ${what} ${show(key)} in the risk parameters${hint}`, { path, value: key });
}

function keyPath(section: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${section}.${key}` : `${section}[${JSON.stringify(key)}]`;
}

function checkAmount(base: bigint, path: string, raw: unknown, decimals: number, what: string): void {
  const mag = base < 0n ? -base : base;
  if (mag >= AMOUNT_LIMIT) {
    const maxWhole = formatScaledTrim(AMOUNT_LIMIT - 1n, decimals);
    throw new ZkMarginError(
      "BIT_BUDGET",
      `${show(raw)} is ${mag} base units, over the limit ${showLimit(AMOUNT_BITS)} base units for ${what} (at most ${maxWhole} with ${decimals} decimals)`,
      { path, value: raw, limit: `2^${AMOUNT_BITS} base units` },
    );
  }
}

/**
 * Validate a private portfolio against published risk parameters (README "Input rules").
 * Keys are symbols or numeric ids; amounts are decimal strings with at most the asset's or
 * instrument's decimals. Zero holdings are dropped; anything else invalid is a ZkMarginError.
 */
export function parsePortfolio(json: unknown, params: RiskParams): Portfolio {
  validateShape(json);
  const raw = json as { collateral: Record<string, unknown>; positions?: Record<string, unknown> };

  const collateral: CollateralHolding[] = [];
  const seenAssets = new Map<number, string>();
  for (const [key, value] of Object.entries(raw.collateral)) {
    const path = keyPath("collateral", key);
    const asset = resolve(key, params.assets, path, "collateral asset");
    const prev = seenAssets.get(asset.id);
    if (prev !== undefined) {
      throw new ZkMarginError(
        "DUPLICATE",
        `asset ${asset.symbol} (id ${asset.id}) is already listed as ${show(prev)}; list each asset once (split holdings would evade the tiered haircut)`,
        { path, value: key },
      );
    }
    seenAssets.set(asset.id, key);
    const amountBase = parseDecimal(value, path, {
      places: asset.decimals,
      signed: true, // a negative balance is a debt
      placesWhat: `${asset.symbol}'s ${asset.decimals} decimals`,
    });
    checkAmount(amountBase, path, value, asset.decimals, asset.symbol);
    if (amountBase !== 0n) collateral.push({ asset, amountBase });
  }

  const positions: PositionHolding[] = [];
  const seenInstruments = new Map<number, string>();
  for (const [key, value] of Object.entries(raw.positions ?? {})) {
    const path = keyPath("positions", key);
    const instrument = resolve(key, params.instruments, path, "instrument");
    const prev = seenInstruments.get(instrument.id);
    if (prev !== undefined) {
      throw new ZkMarginError(
        "DUPLICATE",
        `instrument ${instrument.symbol} (id ${instrument.id}) is already listed as ${show(prev)}; list each instrument once (net it)`,
        { path, value: key },
      );
    }
    seenInstruments.set(instrument.id, key);
    const quantityBase = parseDecimal(value, path, {
      places: instrument.decimals,
      signed: true,
      placesWhat: `${instrument.symbol}'s size step of ${instrument.decimals} decimals`,
    });
    checkAmount(quantityBase, path, value, instrument.decimals, instrument.symbol);
    if (quantityBase !== 0n) positions.push({ instrument, quantityBase });
  }

  const groupIndex = new Map(params.groups.map((g) => [g.id, g.index]));
  const gi = (p: PositionHolding): number => groupIndex.get(p.instrument.groupId) ?? -1;
  collateral.sort((a, b) => a.asset.index - b.asset.index);
  positions.sort((a, b) => gi(a) - gi(b) || a.instrument.index - b.instrument.index);
  return { collateral, positions };
}

/** Render a portfolio in the JSON file form (symbols, exact decimal strings, tree order). */
export function portfolioToJson(p: Portfolio): { collateral: Record<string, string>; positions: Record<string, string> } {
  return {
    collateral: Object.fromEntries(p.collateral.map((c) => [c.asset.symbol, formatScaledTrim(c.amountBase, c.asset.decimals)])),
    positions: Object.fromEntries(p.positions.map((q) => [q.instrument.symbol, formatScaledTrim(q.quantityBase, q.instrument.decimals)])),
  };
}
