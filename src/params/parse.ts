import { LAYOUT_V1, capacity, type TreeLayout } from "../config/layout.js";
import {
  ID_LIMIT,
  UNIT_VALUE_BITS,
  UNIT_VALUE_LIMIT,
  USD_PLACES,
  VALUE_BITS,
  VALUE_LIMIT,
  baseUnitScale,
  showLimit,
} from "../config/limits.js";
import { ZkMarginError, show } from "../errors.js";
import { formatScaledTrim, parseDecimal } from "../util/decimal.js";
import { compileValidator } from "../util/schema.js";
import { riskParamsSchema } from "./schema.js";
import type { AssetParams, HaircutTier, InstrumentKind, InstrumentParams, RiskParams } from "./types.js";

const validateShape = compileValidator(riskParamsSchema, "risk parameters");
const E18 = 10n ** 18n;

/** ISO 8601 date-time with an explicit zone, e.g. 2026-11-20T16:00:00Z. */
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function checkIsoTime(value: string, path: string): void {
  if (!ISO_RE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ZkMarginError("SCHEMA", `must be an ISO 8601 date-time with a zone, e.g. "2026-11-20T16:00:00Z", got ${show(value)}`, {
      path,
      value,
    });
  }
}

function checkUnitValue(unitE26: bigint, path: string, raw: unknown, decimals: number): void {
  const mag = unitE26 < 0n ? -unitE26 : unitE26;
  if (mag >= UNIT_VALUE_LIMIT) {
    throw new ZkMarginError(
      "BIT_BUDGET",
      `${show(raw)} with ${decimals} decimals is ${mag} x 1e-26 USD per base unit, over the limit ${showLimit(UNIT_VALUE_BITS)}` +
        ` (value x 10^(26 - decimals) must stay below 2^${UNIT_VALUE_BITS})`,
      { path, value: raw, limit: `2^${UNIT_VALUE_BITS}` },
    );
  }
}

function checkUnique<T>(items: T[], key: (t: T) => string, what: string, listPath: string, field: string): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const prev = seen.get(k);
    if (prev !== undefined) {
      throw new ZkMarginError("DUPLICATE", `${what} ${show(k)} is also used by ${listPath}[${prev}]; each must be unique`, {
        path: `${listPath}[${i}].${field}`,
        value: k,
      });
    }
    seen.set(k, i);
  });
}

interface RawAsset {
  id: number;
  symbol: string;
  decimals: number;
  price: unknown;
  haircuts: { upTo: unknown; bps: number }[];
}
interface RawInstrument {
  id: number;
  symbol: string;
  kind: InstrumentKind;
  decimals: number;
  riskArray: unknown[];
  shortOptionMinimum: unknown;
}
interface RawParams {
  version: 1;
  epoch: number;
  asOf: string;
  scenarios: string[];
  assets: RawAsset[];
  instruments: RawInstrument[];
}

function parseHaircuts(raw: RawAsset, path: string, layout: TreeLayout): HaircutTier[] {
  const tiers = raw.haircuts;
  if (tiers.length > layout.tiers) {
    throw new ZkMarginError("HAIRCUT_TIERS", `has ${tiers.length} tiers, the layout allows at most ${layout.tiers}`, {
      path: `${path}.haircuts`,
      value: tiers.length,
      limit: String(layout.tiers),
    });
  }
  const out: HaircutTier[] = [];
  let prevUpTo = 0n;
  let prevBps = -1;
  tiers.forEach((t, i) => {
    const tPath = `${path}.haircuts[${i}]`;
    const last = i === tiers.length - 1;
    let upToE8: bigint | null = null;
    if (last) {
      if (t.upTo !== null) {
        throw new ZkMarginError("HAIRCUT_TIERS", `the last tier must be unbounded ("upTo": null), got ${show(t.upTo)}`, {
          path: `${tPath}.upTo`,
          value: t.upTo,
        });
      }
    } else {
      if (t.upTo === null) {
        throw new ZkMarginError("HAIRCUT_TIERS", `only the last tier may have "upTo": null`, { path: `${tPath}.upTo`, value: null });
      }
      upToE8 = parseDecimal(t.upTo, `${tPath}.upTo`, { places: USD_PLACES, placesWhat: "8 decimal places (USD)" });
      if (upToE8 <= prevUpTo) {
        throw new ZkMarginError(
          "HAIRCUT_TIERS",
          `tier thresholds must increase strictly: ${show(t.upTo)} is not above ${i === 0 ? "0" : show(formatScaledTrim(prevUpTo, USD_PLACES))}`,
          { path: `${tPath}.upTo`, value: t.upTo, limit: `> ${formatScaledTrim(prevUpTo, USD_PLACES)}` },
        );
      }
      if (upToE8 * E18 >= VALUE_LIMIT) {
        throw new ZkMarginError("BIT_BUDGET", `threshold ${show(t.upTo)} USD is over the limit ${showLimit(VALUE_BITS)} x 1e-26 USD`, {
          path: `${tPath}.upTo`,
          value: t.upTo,
          limit: `2^${VALUE_BITS}`,
        });
      }
      prevUpTo = upToE8;
    }
    if (t.bps < prevBps) {
      throw new ZkMarginError(
        "HAIRCUT_TIERS",
        `haircut bps must not decrease from tier to tier (a bigger holding never gets a smaller haircut): ${t.bps} < ${prevBps}`,
        { path: `${tPath}.bps`, value: t.bps, limit: `>= ${prevBps}` },
      );
    }
    prevBps = t.bps;
    out.push({ upToE8, bps: t.bps });
  });
  return out;
}

/**
 * Validate published risk parameters (SPEC.md "Risk parameters") and normalize them to integers.
 * Throws a ZkMarginError naming the JSON path, the value and the limit for the first problem found.
 */
export function parseRiskParams(json: unknown, layout: TreeLayout = LAYOUT_V1): RiskParams {
  validateShape(json);
  const raw = json as RawParams;
  checkIsoTime(raw.asOf, "asOf");
  if (!Number.isSafeInteger(raw.epoch)) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be an integer below 2^53`, { path: "epoch", value: raw.epoch, limit: "2^53" });
  }
  if (raw.scenarios.length !== layout.scenarios) {
    throw new ZkMarginError("RISK_ARRAY", `lists ${raw.scenarios.length} scenarios; the layout has exactly ${layout.scenarios}`, {
      path: "scenarios",
      value: raw.scenarios.length,
      limit: String(layout.scenarios),
    });
  }
  const assetCap = capacity(layout.assetArities);
  if (raw.assets.length > assetCap) {
    throw new ZkMarginError("CAPACITY", `has ${raw.assets.length} assets; the tree holds at most ${assetCap}`, {
      path: "assets",
      value: raw.assets.length,
      limit: String(assetCap),
    });
  }
  const instCap = capacity(layout.instrumentArities);
  if (raw.instruments.length > instCap) {
    throw new ZkMarginError("CAPACITY", `has ${raw.instruments.length} instruments; the tree holds at most ${instCap}`, {
      path: "instruments",
      value: raw.instruments.length,
      limit: String(instCap),
    });
  }
  for (const [list, items] of [
    ["assets", raw.assets],
    ["instruments", raw.instruments],
  ] as const) {
    items.forEach((it, i) => {
      if (BigInt(it.id) >= ID_LIMIT) {
        throw new ZkMarginError("OUT_OF_RANGE", `id ${it.id} is over the limit 2^32 - 1`, {
          path: `${list}[${i}].id`,
          value: it.id,
          limit: "2^32 - 1",
        });
      }
    });
    checkUnique<{ id: number }>(items, (x) => String(x.id), "id", list, "id");
    checkUnique<{ symbol: string }>(items, (x) => x.symbol.toUpperCase(), "symbol (case-insensitive)", list, "symbol");
  }

  const assets: AssetParams[] = raw.assets.map((a, i) => {
    const path = `assets[${i}]`;
    const priceE8 = parseDecimal(a.price, `${path}.price`, { places: USD_PLACES, placesWhat: "8 decimal places (USD)" });
    if (priceE8 === 0n) {
      throw new ZkMarginError("OUT_OF_RANGE", `must be above 0`, { path: `${path}.price`, value: a.price, limit: "> 0" });
    }
    const unitValueE26 = priceE8 * baseUnitScale(a.decimals);
    checkUnitValue(unitValueE26, `${path}.price`, a.price, a.decimals);
    return {
      id: a.id,
      symbol: a.symbol,
      decimals: a.decimals,
      priceE8,
      price: formatScaledTrim(priceE8, USD_PLACES),
      haircuts: parseHaircuts(a, path, layout),
      unitValueE26,
      index: -1,
    };
  });

  const instruments: InstrumentParams[] = raw.instruments.map((ins, i) => {
    const path = `instruments[${i}]`;
    if (ins.riskArray.length !== layout.scenarios) {
      throw new ZkMarginError("RISK_ARRAY", `has ${ins.riskArray.length} values; every instrument needs exactly ${layout.scenarios} (one per scenario)`, {
        path: `${path}.riskArray`,
        value: ins.riskArray.length,
        limit: String(layout.scenarios),
      });
    }
    const scale = baseUnitScale(ins.decimals);
    const riskE8 = ins.riskArray.map((v, k) =>
      parseDecimal(v, `${path}.riskArray[${k}]`, { places: USD_PLACES, signed: true, placesWhat: "8 decimal places (USD)" }),
    );
    const riskUnitE26 = riskE8.map((r, k) => {
      const u = r * scale;
      checkUnitValue(u, `${path}.riskArray[${k}]`, ins.riskArray[k], ins.decimals);
      return u;
    });
    const somPath = `${path}.shortOptionMinimum`;
    const somE8 = parseDecimal(ins.shortOptionMinimum, somPath, { places: USD_PLACES, placesWhat: "8 decimal places (USD)" });
    if (ins.kind !== "option" && somE8 !== 0n) {
      throw new ZkMarginError("OUT_OF_RANGE", `must be "0" for a linear instrument (kind "${ins.kind}")`, {
        path: somPath,
        value: ins.shortOptionMinimum,
        limit: "0",
      });
    }
    const somUnit = somE8 * scale;
    checkUnitValue(somUnit, somPath, ins.shortOptionMinimum, ins.decimals);
    return {
      id: ins.id,
      symbol: ins.symbol,
      kind: ins.kind,
      decimals: ins.decimals,
      riskE8,
      shortOptionMinimumE8: somE8,
      riskUnitE26,
      shortOptionMinimumUnitE26: somUnit,
      index: -1,
    };
  });

  assets.sort((a, b) => a.id - b.id).forEach((a, i) => (a.index = i));
  instruments.sort((a, b) => a.id - b.id).forEach((a, i) => (a.index = i));
  return {
    version: 1,
    epoch: BigInt(raw.epoch),
    asOf: raw.asOf,
    scenarios: [...raw.scenarios],
    assets,
    instruments,
    layout,
  };
}

/** Render normalized parameters back to the published JSON form (canonical: sorted by id). */
export function riskParamsToJson(p: RiskParams): object {
  return {
    version: p.version,
    epoch: Number(p.epoch),
    asOf: p.asOf,
    scenarios: p.scenarios,
    assets: p.assets.map((a) => ({
      id: a.id,
      symbol: a.symbol,
      decimals: a.decimals,
      price: a.price,
      haircuts: a.haircuts.map((t) => ({ upTo: t.upToE8 === null ? null : formatScaledTrim(t.upToE8, USD_PLACES), bps: t.bps })),
    })),
    instruments: p.instruments.map((ins) => ({
      id: ins.id,
      symbol: ins.symbol,
      kind: ins.kind,
      decimals: ins.decimals,
      riskArray: ins.riskE8.map((r) => formatScaledTrim(r, USD_PLACES)),
      shortOptionMinimum: formatScaledTrim(ins.shortOptionMinimumE8, USD_PLACES),
    })),
  };
}

