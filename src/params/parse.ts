import { LAYOUT_V3, capacity, type TreeLayout } from "../config/layout.js";
import {
  FIELD_MODULUS,
  ID_LIMIT,
  TIME_BITS,
  TIME_LIMIT,
  UNIT_VALUE_BITS,
  UNIT_VALUE_LIMIT,
  USD_PLACES,
  VALUE_BITS,
  VALUE_LIMIT,
  baseUnitScale,
  showLimit,
} from "../config/limits.js";
import { hasSmallOrder, isOnCurve } from "../crypto/babyJubjub.js";
import { ZkMarginError, show } from "../errors.js";
import { formatScaledTrim, parseDecimal } from "../util/decimal.js";
import { compileValidator } from "../util/schema.js";
import { riskParamsSchema } from "./schema.js";
import type {
  AssetParams,
  GroupParams,
  HaircutTier,
  InstrumentKind,
  InstrumentParams,
  RiskParams,
  VenueParams,
} from "./types.js";

const validateShape = compileValidator(riskParamsSchema, "risk parameters");
const E18 = 10n ** 18n;

/** ISO 8601 date-time with an explicit zone, e.g. 2026-11-20T16:00:00Z. */
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})$/;

function isoError(value: unknown, path: string): ZkMarginError {
  return new ZkMarginError("SCHEMA", `must be an ISO 8601 date-time with a zone, e.g. "2026-11-20T16:00:00Z", got ${show(value)}`, {
    path,
    value,
  });
}

/** Check an ISO 8601 date-time with a zone (and a real calendar date) and return it in epoch ms. */
export function checkIsoTime(value: string, path: string): number {
  const m = ISO_RE.exec(value);
  const ms = Date.parse(value);
  if (!m || Number.isNaN(ms)) throw isoError(value, path);
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) throw isoError(value, path);
  return ms;
}

/**
 * `asOf` of version-2 parameters: an ISO 8601 date-time with a zone, in whole seconds (it is
 * committed under paramsRoot as unix seconds), from 1970 to below 2^40 seconds.
 */
export function parseAsOf(value: string, path = "asOf"): bigint {
  const ms = checkIsoTime(value, path);
  const frac = ISO_RE.exec(value)?.[7];
  if (frac !== undefined && /[^0]/.test(frac)) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be whole seconds (it is committed as unix seconds), got ${show(value)}`, {
      path,
      value,
      limit: "whole seconds",
    });
  }
  const seconds = BigInt(ms) / 1000n;
  if (ms < 0 || seconds >= TIME_LIMIT) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be from 1970-01-01T00:00:00Z to below 2^${TIME_BITS} unix seconds, got ${show(value)}`, {
      path,
      value,
      limit: `0 <= unix seconds < 2^${TIME_BITS}`,
    });
  }
  return seconds;
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
  debtBps: number;
  haircuts: { upTo: unknown; bps: number }[];
}
interface RawGroup {
  id: number;
  symbol: string;
}
interface RawInstrument {
  id: number;
  symbol: string;
  kind: InstrumentKind;
  group: unknown;
  decimals: number;
  riskArray: unknown[];
  shortOptionMinimum: unknown;
}
interface RawVenue {
  id: number;
  name: string;
  publicKey: unknown[];
}
interface RawParams {
  version: 3;
  epoch: number;
  asOf: string;
  validUntil?: string;
  maxStatementAge: number;
  scenarios: string[];
  assets: RawAsset[];
  groups: RawGroup[];
  instruments: RawInstrument[];
  venues?: RawVenue[];
}

/** Refuse version-1 and version-2 files with the way out (before the schema, which would only say "must be 3"). */
function checkVersion(json: unknown): void {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return;
  const version = (json as { version?: unknown }).version;
  if (version === 1 || version === 2) {
    throw new ZkMarginError(
      "SCHEMA",
      `version ${version} risk parameters are no longer accepted: version 3 ` +
        (version === 1 ? "adds risk groups (each instrument names its group, and risk is scanned per group) and " : "") +
        "gives each asset a committed debtBps (the markup on a debt in that asset: a negative balance counts as " +
        "|value| * (10000 + debtBps) / 10000). Rebuild them with `zkmargin params build <market.json>`",
      { path: "version", value: version, limit: "3" },
    );
  }
}

/**
 * An instrument's `group`: a group symbol (exact case), or a group id as an integer or a digit
 * string (symbols are never all digits, so the two cannot be confused).
 */
function resolveGroup(ref: unknown, path: string, groups: readonly RawGroup[]): RawGroup {
  const known = () =>
    groups.length === 0
      ? "no groups are listed"
      : `known groups: ${groups
          .slice(0, 12)
          .map((g) => `${g.symbol} (id ${g.id})`)
          .join(", ")}${groups.length > 12 ? ", ..." : ""}`;
  let found: RawGroup | undefined;
  if (typeof ref === "number" && Number.isInteger(ref)) found = groups.find((g) => g.id === ref);
  else if (typeof ref === "string" && /^[0-9]+$/.test(ref)) found = groups.find((g) => String(g.id) === ref);
  else if (typeof ref === "string") found = groups.find((g) => g.symbol === ref);
  else {
    throw new ZkMarginError("SCHEMA", `must be a group symbol (a string) or a group id (an integer), got ${show(ref)}; ${known()}`, {
      path,
      value: ref,
    });
  }
  if (found) return found;
  const ci = typeof ref === "string" ? groups.find((g) => g.symbol.toUpperCase() === ref.toUpperCase()) : undefined;
  throw new ZkMarginError(
    "UNKNOWN_SYMBOL",
    `unknown group ${show(ref)}: an instrument's group must be one of "groups"${ci ? `; did you mean "${ci.symbol}"?` : `; ${known()}`}`,
    { path, value: ref, limit: groups.length ? `one of ${groups.map((g) => g.symbol).join(", ")}` : "no groups are listed" },
  );
}

const DIGITS_RE = /^(0|[1-9][0-9]*)$/;

/** A venue's Baby Jubjub public key: two decimal strings, field elements, on the curve, not of small order. */
function parsePublicKey(raw: unknown[], path: string): [bigint, bigint] {
  const coords = raw.map((v, c) => {
    const cPath = `${path}[${c}]`;
    if (typeof v !== "string" || !DIGITS_RE.test(v)) {
      throw new ZkMarginError(
        "DECIMAL_FORMAT",
        `must be a field element as a decimal string of digits (no sign, no leading zeros${typeof v === "number" ? ", not a JSON number" : ""}), got ${show(v)}`,
        { path: cPath, value: v },
      );
    }
    const x = BigInt(v);
    if (x >= FIELD_MODULUS) {
      throw new ZkMarginError("OUT_OF_RANGE", `${show(v)} is not a field element: it must be below the BN254 scalar field modulus p = ${FIELD_MODULUS}`, {
        path: cPath,
        value: v,
        limit: "< p",
      });
    }
    return x;
  }) as [bigint, bigint];
  if (!isOnCurve(coords)) {
    throw new ZkMarginError(
      "OUT_OF_RANGE",
      `is not a point of the Baby Jubjub curve (168700*x^2 + y^2 = 1 + 168696*x^2*y^2 mod p): not an EdDSA public key`,
      { path, value: raw, limit: "a Baby Jubjub point" },
    );
  }
  if (hasSmallOrder(coords)) {
    throw new ZkMarginError("OUT_OF_RANGE", `is a point of small order (8 * key = identity): anyone could sign for it`, {
      path,
      value: raw,
      limit: "a point of large order",
    });
  }
  return coords;
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
 * Validate published risk parameters (version 3, README "Input rules") and normalize them to integers.
 * Throws a ZkMarginError naming the JSON path, the value and the limit for the first problem found.
 * A version-1 or version-2 file is refused with the way out (`zkmargin params build`).
 */
export function parseRiskParams(json: unknown, layout: TreeLayout = LAYOUT_V3): RiskParams {
  checkVersion(json);
  validateShape(json);
  const raw = json as RawParams;
  const rawVenues = raw.venues ?? [];
  const asOfUnix = parseAsOf(raw.asOf, "asOf");
  const validUntilUnix = raw.validUntil === undefined ? undefined : parseAsOf(raw.validUntil, "validUntil");
  if (validUntilUnix !== undefined && validUntilUnix <= asOfUnix) {
    throw new ZkMarginError("OUT_OF_RANGE", `${show(raw.validUntil)} is not after asOf ${show(raw.asOf)}: the validity window must end after asOf`, {
      path: "validUntil",
      value: raw.validUntil,
      limit: `> asOf (${raw.asOf})`,
    });
  }
  if (!Number.isSafeInteger(raw.epoch)) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be an integer below 2^53`, { path: "epoch", value: raw.epoch, limit: "2^53" });
  }
  if (BigInt(raw.maxStatementAge) >= TIME_LIMIT) {
    throw new ZkMarginError("OUT_OF_RANGE", `${raw.maxStatementAge} seconds is over the limit 2^${TIME_BITS} - 1`, {
      path: "maxStatementAge",
      value: raw.maxStatementAge,
      limit: `0..2^${TIME_BITS} - 1 seconds`,
    });
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
  const groupCap = capacity(layout.groupArities);
  if (raw.groups.length > groupCap) {
    throw new ZkMarginError("CAPACITY", `has ${raw.groups.length} groups; the tree holds at most ${groupCap}`, {
      path: "groups",
      value: raw.groups.length,
      limit: String(groupCap),
    });
  }
  const venueCap = capacity(layout.venueArities);
  if (rawVenues.length > venueCap) {
    throw new ZkMarginError("CAPACITY", `has ${rawVenues.length} venues; the tree holds at most ${venueCap}`, {
      path: "venues",
      value: rawVenues.length,
      limit: String(venueCap),
    });
  }
  for (const [list, items] of [
    ["assets", raw.assets],
    ["groups", raw.groups],
    ["instruments", raw.instruments],
    ["venues", rawVenues],
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
  }
  for (const [list, items] of [
    ["assets", raw.assets],
    ["groups", raw.groups],
    ["instruments", raw.instruments],
  ] as const) {
    checkUnique<{ symbol: string }>(items, (x) => x.symbol.toUpperCase(), "symbol (case-insensitive)", list, "symbol");
  }

  // Every instrument names a listed group; a group's subtree holds at most capacity(instrumentArities).
  const instCap = capacity(layout.instrumentArities);
  const groupOf = raw.instruments.map((ins, i) => resolveGroup(ins.group, `instruments[${i}].group`, raw.groups));
  const perGroup = new Map<number, number>();
  for (const g of groupOf) perGroup.set(g.id, (perGroup.get(g.id) ?? 0) + 1);
  const seenInGroup = new Map<number, number>();
  groupOf.forEach((g, i) => {
    const n = (seenInGroup.get(g.id) ?? 0) + 1;
    seenInGroup.set(g.id, n);
    if (n > instCap) {
      throw new ZkMarginError(
        "CAPACITY",
        `group ${show(g.symbol)} (id ${g.id}) has ${perGroup.get(g.id)} instruments; a group's instrument subtree holds at most ${instCap}` +
          " (split the underlying into more groups or publish fewer instruments)",
        { path: `instruments[${i}].group`, value: raw.instruments[i]!.group, limit: `${instCap} instruments per group` },
      );
    }
  });

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
      debtBps: a.debtBps,
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
      groupId: groupOf[i]!.id,
      riskE8,
      shortOptionMinimumE8: somE8,
      riskUnitE26,
      shortOptionMinimumUnitE26: somUnit,
      index: -1,
    };
  });

  const groups: GroupParams[] = raw.groups.map((g) => ({ id: g.id, symbol: g.symbol, index: -1 }));
  const venues: VenueParams[] = rawVenues.map((v, i) => ({
    id: v.id,
    name: v.name,
    publicKey: parsePublicKey(v.publicKey, `venues[${i}].publicKey`),
    index: -1,
  }));

  assets.sort((a, b) => a.id - b.id).forEach((a, i) => (a.index = i));
  groups.sort((a, b) => a.id - b.id).forEach((g, i) => (g.index = i));
  venues.sort((a, b) => a.id - b.id).forEach((v, i) => (v.index = i));
  // Instruments stay sorted by id overall; each one's index is its position among its group's.
  instruments.sort((a, b) => a.id - b.id);
  const nextIndex = new Map<number, number>();
  for (const ins of instruments) {
    const n = nextIndex.get(ins.groupId) ?? 0;
    ins.index = n;
    nextIndex.set(ins.groupId, n + 1);
  }
  return {
    version: 3,
    epoch: BigInt(raw.epoch),
    asOf: raw.asOf,
    asOfUnix,
    ...(raw.validUntil !== undefined ? { validUntil: raw.validUntil, validUntilUnix } : {}),
    maxStatementAge: BigInt(raw.maxStatementAge),
    scenarios: [...raw.scenarios],
    assets,
    groups,
    instruments,
    venues,
    layout,
  };
}

/** The instruments of one group, in subtree order (by id). */
export function groupInstruments(p: RiskParams, groupId: number): InstrumentParams[] {
  return p.instruments.filter((i) => i.groupId === groupId);
}

/**
 * Render normalized parameters back to the published JSON form (canonical: sorted by id; each
 * instrument's `group` as the group's symbol).
 */
export function riskParamsToJson(p: RiskParams): object {
  const groupSymbol = new Map(p.groups.map((g) => [g.id, g.symbol]));
  return {
    version: p.version,
    epoch: Number(p.epoch),
    asOf: p.asOf,
    ...(p.validUntil !== undefined ? { validUntil: p.validUntil } : {}),
    maxStatementAge: Number(p.maxStatementAge),
    scenarios: p.scenarios,
    assets: p.assets.map((a) => ({
      id: a.id,
      symbol: a.symbol,
      decimals: a.decimals,
      price: a.price,
      debtBps: a.debtBps,
      haircuts: a.haircuts.map((t) => ({ upTo: t.upToE8 === null ? null : formatScaledTrim(t.upToE8, USD_PLACES), bps: t.bps })),
    })),
    groups: p.groups.map((g) => ({ id: g.id, symbol: g.symbol })),
    instruments: p.instruments.map((ins) => ({
      id: ins.id,
      symbol: ins.symbol,
      kind: ins.kind,
      group: groupSymbol.get(ins.groupId) ?? ins.groupId,
      decimals: ins.decimals,
      riskArray: ins.riskE8.map((r) => formatScaledTrim(r, USD_PLACES)),
      shortOptionMinimum: formatScaledTrim(ins.shortOptionMinimumE8, USD_PLACES),
    })),
    venues: p.venues.map((v) => ({ id: v.id, name: v.name, publicKey: v.publicKey.map((c) => c.toString()) })),
  };
}

