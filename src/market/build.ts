/**
 * The risk oracle's tool: market data (spots, vols, instrument terms) -> risk parameters.
 *
 * `buildRiskParams(market)` validates a market file (docs/market-format.md) and produces
 *   - `params`: version-3 risk parameters (README "Input rules"), with one risk group per underlying
 *     (group id = the underlying's `groupId`, by default its 1-based position in `underlyings`) and
 *     a SPAN-style risk array of K = 16 scenarios per instrument, and
 *   - `report`: a greeks report (value, delta, gamma, vega, worst scenario) for the risk desk.
 *
 * Exactness: everything that is a decimal in the input stays an exact rational (bigints). Perpetual
 * and zero-rate future risk arrays are therefore exact. Option values are computed in doubles
 * (Black-Scholes); the double P&L is then converted *exactly* to a rational and multiplied exactly by
 * the contract size and the extreme-scenario cover fraction. Every risk value is rounded DOWN to
 * 8 decimals (toward -infinity: a loss is never understated, a gain never overstated); the short
 * option minimum is rounded UP.
 */
import { ZkMarginError, show } from "../errors.js";
import { LAYOUT_V3 } from "../config/layout.js";
import {
  ID_LIMIT,
  MAX_TOKEN_DECIMALS,
  TIME_BITS,
  TIME_LIMIT,
  UNIT_VALUE_BITS,
  UNIT_VALUE_LIMIT,
  USD_PLACES,
  baseUnitScale,
  showLimit,
} from "../config/limits.js";
import { divCeil, divFloor, formatScaledTrim, parseDecimal } from "../util/decimal.js";
import { blackScholesGreeks, blackScholesPrice } from "./blackScholes.js";

// ---------------------------------------------------------------------------------------------
// Types

export type MarketInstrumentKind = "perpetual" | "future" | "call" | "put";
export type ParamsInstrumentKind = "perpetual" | "future" | "option";

export interface MarketScan {
  /** Extreme move as a multiple of the price scan range (default "2"). */
  extremeMultiple?: string;
  /** Share of the extreme-scenario P&L that is counted (default "0.35"). */
  extremeCoverFraction?: string;
  /** Short option minimum per unit, as a fraction of spot x contract size (default "0.005"). */
  shortOptionMinimumRate?: string;
  /** Continuously compounded risk-free rate, may be negative (default "0"). */
  riskFreeRate?: string;
  /** Floor for the "vol down" volatility (default "0.01"). */
  minVolatility?: string;
}

export interface MarketUnderlying {
  symbol: string;
  /** USD per one unit of the underlying. */
  spot: string;
  /** Annualised volatility (0.62 = 62%), used by options that do not set their own. */
  volatility: string;
  /** Price scan range as a fraction of spot (0.12 = +/-12%). */
  priceScanRange: string;
  /** Vol scan range as an absolute change of annualised vol (0.10 = +/-10 vol points). */
  volScanRange: string;
  /** Id of the underlying's risk group (default: its 1-based position in `underlyings`). */
  groupId?: number;
}

export interface MarketInstrument {
  id: number;
  symbol: string;
  kind: MarketInstrumentKind;
  underlying: string;
  /** Units of the underlying per one whole unit of the instrument. */
  contractSize: string;
  /** Position size step (0..18). */
  decimals: number;
  /** ISO 8601 instant; futures and options only. */
  expiry?: string;
  /** USD; options only. */
  strike?: string;
  /** Overrides the underlying's volatility; options only. */
  volatility?: string;
}

/** The risk desk's market file, the input of buildRiskParams (docs/market-format.md). */
export interface MarketFile {
  version: 1;
  epoch: number;
  /** Whole seconds (the params commit asOf as unix seconds). */
  asOf: string;
  /** Optional end of the parameters' validity window (not committed), copied to the params. */
  validUntil?: string;
  /** Seconds; copied to the params (default 3600). */
  maxStatementAge?: number;
  scan?: MarketScan;
  underlyings: MarketUnderlying[];
  /** Collateral assets, copied through to the params unchanged (the params parser validates them). */
  assets: unknown[];
  instruments: MarketInstrument[];
  /** Venues whose holdings statements the pool accepts, copied through (the params parser validates them). */
  venues?: unknown[];
}

export interface InstrumentParamsJson {
  id: number;
  symbol: string;
  kind: ParamsInstrumentKind;
  /** The symbol of the instrument's risk group (= its underlying's symbol). */
  group: string;
  decimals: number;
  /** K decimal strings: USD P&L of one whole long unit per scenario, at most 8 decimals. */
  riskArray: string[];
  /** USD per whole unit of a short position, at most 8 decimals, "0" for linear instruments. */
  shortOptionMinimum: string;
}

export interface GroupParamsJson {
  id: number;
  symbol: string;
}

/** Version-3 risk parameters in their published JSON form, as buildRiskParams writes them. */
export interface RiskParamsJson {
  version: 3;
  epoch: number;
  asOf: string;
  /** Copied from the market file when it has one (not committed under paramsRoot). */
  validUntil?: string;
  maxStatementAge: number;
  scenarios: string[];
  /** Copied from the market file (sorted by id); see README "Input rules" for their shape. */
  assets: unknown[];
  /** One per underlying, sorted by id. */
  groups: GroupParamsJson[];
  instruments: InstrumentParamsJson[];
  /** Copied from the market file (sorted by id), or []. */
  venues: unknown[];
}

/** Default statement freshness window (seconds) when the market file does not set one. */
export const DEFAULT_MAX_STATEMENT_AGE = 3600;

export interface ResolvedScan {
  extremeMultiple: string;
  extremeCoverFraction: string;
  shortOptionMinimumRate: string;
  riskFreeRate: string;
  minVolatility: string;
}

export interface InstrumentGreeks {
  id: number;
  symbol: string;
  kind: MarketInstrumentKind;
  underlying: string;
  contractSize: string;
  /** Underlying spot, as given. */
  spot: string;
  strike?: string;
  expiry?: string;
  /** ACT/365 years from asOf to expiry. */
  timeToExpiryYears?: number;
  /** Volatility used for the option (its own or the underlying's). */
  volatility?: number;
  /** Theoretical value of one whole unit (perpetual: spot x size; future: forward x size; option: BS x size). */
  price: number;
  /** dValue/dSpot of one whole unit. */
  delta: number;
  /** d2Value/dSpot2 of one whole unit. */
  gamma: number;
  /** dValue per +1 vol point (0.01) of one whole unit. */
  vega: number;
  /** 0-based index of the scenario with the lowest risk-array value (worst for a long). */
  worstScenario: number;
  /** Loss of one long unit in that scenario (= -riskArray[worstScenario]); negative if every scenario gains. */
  worstLoss: string;
  /** Short option minimum per unit (as in the params). */
  shortOptionMinimum: string;
}

/** buildRiskParams' greeks table (the `params build --report` file): the scan, and per instrument its value and greeks. */
export interface GreeksReport {
  epoch: number;
  asOf: string;
  scan: ResolvedScan;
  scenarios: string[];
  underlyings: MarketUnderlying[];
  instruments: InstrumentGreeks[];
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface ScenarioDef {
  label: string;
  /** Price move in units of the scan range: num/3 (or +/-extremeMultiple for extremes). */
  thirds: number;
  vol: "up" | "down" | "none";
  extreme: boolean;
}

function makeScenarios(): ScenarioDef[] {
  const out: ScenarioDef[] = [];
  const both = (name: string, thirds: number): void => {
    out.push({ label: `${name}, vol up`, thirds, vol: "up", extreme: false });
    out.push({ label: `${name}, vol down`, thirds, vol: "down", extreme: false });
  };
  both("unchanged", 0);
  for (const n of [1, 2, 3]) {
    both(`up ${n}/3`, n);
    both(`down ${n}/3`, -n);
  }
  out.push({ label: "extreme up", thirds: 1, vol: "none", extreme: true });
  out.push({ label: "extreme down", thirds: -1, vol: "none", extreme: true });
  return out;
}

const SCENARIO_DEFS: readonly ScenarioDef[] = Object.freeze(makeScenarios());
if (SCENARIO_DEFS.length !== LAYOUT_V3.scenarios) {
  throw new Error(`market scenarios (${SCENARIO_DEFS.length}) do not match the layout's K = ${LAYOUT_V3.scenarios}`);
}

/** The 16 scenario labels, in risk-array order. */
export const SCENARIO_LABELS: readonly string[] = Object.freeze(SCENARIO_DEFS.map((s) => s.label));

// ---------------------------------------------------------------------------------------------
// Exact rationals

interface Rat {
  n: bigint;
  /** > 0 */
  d: bigint;
}

const E8 = 10n ** BigInt(USD_PLACES);
const rat = (n: bigint, d: bigint = 1n): Rat => (d < 0n ? { n: -n, d: -d } : { n, d });
const fromE8 = (v: bigint): Rat => rat(v, E8);
const mul = (a: Rat, b: Rat): Rat => rat(a.n * b.n, a.d * b.d);
const add = (a: Rat, b: Rat): Rat => rat(a.n * b.d + b.n * a.d, a.d * b.d);
const sub = (a: Rat, b: Rat): Rat => rat(a.n * b.d - b.n * a.d, a.d * b.d);
const ONE: Rat = { n: 1n, d: 1n };
const toNumber = (a: Rat): number => {
  // Reduce magnitudes first so both fit in doubles comfortably.
  const g = gcd(a.n < 0n ? -a.n : a.n, a.d);
  return Number(a.n / g) / Number(a.d / g);
};
function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

/** The exact value of a finite double as a rational m * 2^e. */
export function exactRational(x: number): { n: bigint; d: bigint } {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  if (x === 0) return { n: 0n, d: 1n };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  const n = negative ? -mantissa : mantissa;
  return exponent >= 0 ? { n: n << BigInt(exponent), d: 1n } : { n, d: 1n << BigInt(-exponent) };
}

/**
 * A double as a plain decimal string with at most `places` decimals, rounded exactly (the double's
 * exact binary value is used, not its shortest printout). Never exponent notation, never "-0",
 * trailing zeros stripped.
 */
export function doubleToDecimal(x: number, places: number = USD_PLACES, rounding: "down" | "up" = "down"): string {
  const r = exactRational(x);
  return formatScaledTrim(roundRat(r, places, rounding), places);
}

function roundRat(r: Rat, places: number, rounding: "down" | "up"): bigint {
  const num = r.n * 10n ** BigInt(places);
  return rounding === "down" ? divFloor(num, r.d) : divCeil(num, r.d);
}

// ---------------------------------------------------------------------------------------------
// Validation helpers (every problem is a ZkMarginError naming the JSON path, the value and the limit)

function fail(message: string, path: string | undefined, value?: unknown, limit?: string): never {
  const opts: { path?: string; value?: unknown; limit?: string } = { value };
  if (path) opts.path = path;
  if (limit !== undefined) opts.limit = limit;
  throw new ZkMarginError("MARKET", message, opts);
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function expectObject(
  v: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[],
  what: string,
): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    fail(`${what} must be a JSON object, got ${typeName(v)}`, path, v, "a JSON object");
  }
  const obj = v as Record<string, unknown>;
  const allowed = new Set([...required, ...optional]);
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      fail(`unknown field ${show(key)} in ${what}`, join(path, key), obj[key], `allowed fields: ${[...allowed].join(", ")}`);
    }
  }
  for (const key of required) {
    if (!(key in obj) || obj[key] === undefined) {
      fail(`missing required field ${show(key)} in ${what}`, join(path, key), undefined, "required");
    }
  }
  return obj;
}

function expectArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(`must be a JSON array, got ${typeName(v)}`, path, v, "a JSON array");
  return v;
}

function expectInteger(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    fail(`must be an integer (a JSON number), got ${show(v)}`, path, v, `integer ${min}..${max}`);
  }
  if (v < min || v > max) fail(`${v} is out of range`, path, v, `integer ${min}..${max}`);
  return v;
}

const SYMBOL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$/; // same rule as the params parser

function expectSymbol(v: unknown, path: string): string {
  const limit = "1-64 characters A-Z a-z 0-9 . _ : / + -, starting with a letter or digit, not all digits";
  if (typeof v !== "string") fail(`must be a string, got ${show(v)}`, path, v, limit);
  if (!SYMBOL_RE.test(v) || /^[0-9]+$/.test(v)) fail(`${show(v)} is not a valid symbol`, path, v, limit);
  return v;
}

interface Bounds {
  /** Minimum (inclusive unless minExclusive), as a decimal string. */
  min?: string;
  minExclusive?: boolean;
  max?: string;
  maxExclusive?: boolean;
}

/** Parse a decimal string with at most 8 places into an E8 bigint, checking bounds. */
function expectDecimal(v: unknown, path: string, bounds: Bounds, signed = false): bigint {
  const x = parseDecimal(v, path, { places: USD_PLACES, signed, placesWhat: `${USD_PLACES} decimal places` });
  const lo = bounds.min === undefined ? undefined : parseDecimal(bounds.min, "min", { places: USD_PLACES, signed: true });
  const hi = bounds.max === undefined ? undefined : parseDecimal(bounds.max, "max", { places: USD_PLACES, signed: true });
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`${bounds.minExclusive ? ">" : ">="} ${bounds.min}`);
  if (bounds.max !== undefined) parts.push(`${bounds.maxExclusive ? "<" : "<="} ${bounds.max}`);
  const limit = parts.join(" and ");
  if (lo !== undefined && (bounds.minExclusive ? x <= lo : x < lo)) fail(`${show(v)} is out of range`, path, v, limit);
  if (hi !== undefined && (bounds.maxExclusive ? x >= hi : x > hi)) fail(`${show(v)} is out of range`, path, v, limit);
  return x;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** Strict ISO 8601 instant (`2026-11-20T16:00:00Z`, offsets `+02:00` allowed) -> epoch milliseconds. */
function expectInstant(v: unknown, path: string): number {
  const limit = 'ISO 8601 instant "YYYY-MM-DDTHH:MM[:SS[.sss]]" + "Z" or "+HH:MM"';
  if (typeof v !== "string") fail(`must be an ISO 8601 date-time string, got ${show(v)}`, path, v, limit);
  const m = ISO_RE.exec(v);
  if (!m) fail(`${show(v)} is not an ISO 8601 instant`, path, v, limit);
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    fail(`${show(v)} is not a valid calendar date and time`, path, v, limit);
  }
  let offsetMinutes = 0;
  const tz = m[8] as string;
  if (tz !== "Z") {
    const oh = Number(tz.slice(1, 3));
    const om = Number(tz.slice(4, 6));
    if (oh > 23 || om > 59) fail(`${show(v)} has an invalid UTC offset`, path, v, limit);
    offsetMinutes = (tz[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const base = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0..99 to 1900..1999; the year is 4 digits, so rebuild it explicitly.
  const d = new Date(base);
  d.setUTCFullYear(year);
  return d.getTime() - offsetMinutes * 60_000;
}

// ---------------------------------------------------------------------------------------------
// Parsed forms

const DEFAULT_SCAN: Required<MarketScan> = Object.freeze({
  extremeMultiple: "2",
  extremeCoverFraction: "0.35",
  shortOptionMinimumRate: "0.005",
  riskFreeRate: "0",
  minVolatility: "0.01",
});

const MAX_VOL = "10"; // 1000% annualised

interface Scan {
  raw: ResolvedScan;
  extremeMultiple: bigint;
  extremeCoverFraction: bigint;
  shortOptionMinimumRate: bigint;
  riskFreeRate: bigint;
  minVolatility: bigint;
}

interface Underlying {
  raw: MarketUnderlying;
  index: number;
  groupId: number;
  spot: bigint;
  volatility: bigint;
  priceScanRange: bigint;
  volScanRange: bigint;
}

interface Instrument {
  raw: MarketInstrument;
  index: number;
  path: string;
  underlying: Underlying;
  contractSize: bigint;
  expiryMs?: number;
  strike?: bigint;
  volatility?: bigint;
}

function parseScan(v: unknown): Scan {
  const keys = Object.keys(DEFAULT_SCAN);
  const obj = v === undefined ? {} : expectObject(v, "scan", [], keys, "scan");
  const get = (k: keyof MarketScan): unknown => (obj[k] === undefined ? DEFAULT_SCAN[k] : obj[k]);
  const extremeMultiple = expectDecimal(get("extremeMultiple"), "scan.extremeMultiple", { min: "1", max: "100" });
  const extremeCoverFraction = expectDecimal(get("extremeCoverFraction"), "scan.extremeCoverFraction", { min: "0", max: "1" });
  const shortOptionMinimumRate = expectDecimal(get("shortOptionMinimumRate"), "scan.shortOptionMinimumRate", { min: "0", max: "1" });
  const riskFreeRate = expectDecimal(get("riskFreeRate"), "scan.riskFreeRate", { min: "-1", max: "1" }, true);
  const minVolatility = expectDecimal(get("minVolatility"), "scan.minVolatility", { min: "0", minExclusive: true, max: MAX_VOL });
  const raw: ResolvedScan = {
    extremeMultiple: get("extremeMultiple") as string,
    extremeCoverFraction: get("extremeCoverFraction") as string,
    shortOptionMinimumRate: get("shortOptionMinimumRate") as string,
    riskFreeRate: get("riskFreeRate") as string,
    minVolatility: get("minVolatility") as string,
  };
  return { raw, extremeMultiple, extremeCoverFraction, shortOptionMinimumRate, riskFreeRate, minVolatility };
}

function parseUnderlyings(v: unknown, scan: Scan): Map<string, Underlying> {
  const list = expectArray(v, "underlyings");
  const bySymbol = new Map<string, Underlying>();
  list.forEach((item, index) => {
    const path = `underlyings[${index}]`;
    const o = expectObject(item, path, ["symbol", "spot", "volatility", "priceScanRange", "volScanRange"], ["groupId"], "an underlying");
    const symbol = expectSymbol(o.symbol, `${path}.symbol`);
    const first = [...bySymbol.values()].find((u) => u.raw.symbol.toUpperCase() === symbol.toUpperCase());
    if (first) fail(`duplicate underlying symbol ${show(symbol)} (symbols are case-insensitive)`, `${path}.symbol`, symbol, `unique; already used by underlyings[${first.index}]`);
    const groupId = o.groupId === undefined ? index + 1 : expectInteger(o.groupId, `${path}.groupId`, 0, Number(ID_LIMIT) - 1);
    const sameGroup = [...bySymbol.values()].find((u) => u.groupId === groupId);
    if (sameGroup) {
      fail(
        `risk group id ${groupId} is also the group of underlyings[${sameGroup.index}] (${sameGroup.raw.symbol}); each underlying is its own group`,
        `${path}.groupId`,
        o.groupId ?? groupId,
        `unique; by default an underlying's group id is its 1-based position in "underlyings"`,
      );
    }
    const spot = expectDecimal(o.spot, `${path}.spot`, { min: "0", minExclusive: true });
    const volatility = expectDecimal(o.volatility, `${path}.volatility`, { min: scan.raw.minVolatility, max: MAX_VOL });
    const priceScanRange = expectDecimal(o.priceScanRange, `${path}.priceScanRange`, { min: "0", minExclusive: true });
    // The extreme down move must leave a positive price: extremeMultiple * priceScanRange < 1.
    if (priceScanRange * scan.extremeMultiple >= E8 * E8) {
      const maxRange = formatScaledTrim(divFloor(E8 * E8, scan.extremeMultiple), USD_PLACES);
      fail(
        `extremeMultiple (${scan.raw.extremeMultiple}) x priceScanRange must be < 1 so the extreme down price stays positive`,
        `${path}.priceScanRange`,
        o.priceScanRange,
        `< 1/${scan.raw.extremeMultiple} (~${maxRange})`,
      );
    }
    const volScanRange = expectDecimal(o.volScanRange, `${path}.volScanRange`, { min: "0", max: MAX_VOL });
    const raw: MarketUnderlying = {
      symbol,
      spot: o.spot as string,
      volatility: o.volatility as string,
      priceScanRange: o.priceScanRange as string,
      volScanRange: o.volScanRange as string,
    };
    if (o.groupId !== undefined) raw.groupId = groupId;
    bySymbol.set(symbol, { raw, index, groupId, spot, volatility, priceScanRange, volScanRange });
  });
  return bySymbol;
}

const KINDS: readonly MarketInstrumentKind[] = ["perpetual", "future", "call", "put"];
const BASE_FIELDS = ["id", "symbol", "kind", "underlying", "contractSize", "decimals"] as const;

function parseInstruments(v: unknown, underlyings: Map<string, Underlying>, scan: Scan, asOfMs: number): Instrument[] {
  const list = expectArray(v, "instruments");
  const byId = new Map<number, number>();
  const bySymbol = new Map<string, number>();
  return list.map((item, index) => {
    const path = `instruments[${index}]`;
    // Read the kind first: it decides which fields are allowed.
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      fail(`an instrument must be a JSON object, got ${typeName(item)}`, path, item, "a JSON object");
    }
    const kindValue = (item as Record<string, unknown>).kind;
    if (kindValue === undefined) fail(`missing required field "kind" in an instrument`, `${path}.kind`, undefined, "required");
    if (typeof kindValue !== "string" || !(KINDS as readonly string[]).includes(kindValue)) {
      fail(`unknown instrument kind ${show(kindValue)}`, `${path}.kind`, kindValue, `one of ${KINDS.join(", ")}`);
    }
    const kind = kindValue as MarketInstrumentKind;
    const required: string[] = [...BASE_FIELDS];
    const optional: string[] = [];
    if (kind === "future") required.push("expiry");
    if (kind === "call" || kind === "put") {
      required.push("expiry", "strike");
      optional.push("volatility");
    }
    const o = expectObject(item, path, required, optional, `a ${kind} instrument`);

    const id = expectInteger(o.id, `${path}.id`, 0, Number(ID_LIMIT) - 1);
    const firstId = byId.get(id);
    if (firstId !== undefined) fail(`duplicate instrument id ${id}`, `${path}.id`, id, `unique; already used by instruments[${firstId}]`);
    byId.set(id, index);

    const symbol = expectSymbol(o.symbol, `${path}.symbol`);
    const firstSym = bySymbol.get(symbol.toUpperCase());
    if (firstSym !== undefined) {
      fail(`duplicate instrument symbol ${show(symbol)} (symbols are case-insensitive)`, `${path}.symbol`, symbol, `unique; already used by instruments[${firstSym}]`);
    }
    bySymbol.set(symbol.toUpperCase(), index);

    if (typeof o.underlying !== "string") fail(`must be an underlying symbol (a string), got ${show(o.underlying)}`, `${path}.underlying`, o.underlying);
    const underlying = underlyings.get(o.underlying);
    if (!underlying) {
      const known = [...underlyings.keys()];
      fail(`unknown underlying ${show(o.underlying)}`, `${path}.underlying`, o.underlying, known.length ? `one of ${known.join(", ")}` : "no underlyings are defined");
    }
    const contractSize = expectDecimal(o.contractSize, `${path}.contractSize`, { min: "0", minExclusive: true });
    const decimals = expectInteger(o.decimals, `${path}.decimals`, 0, MAX_TOKEN_DECIMALS);

    const raw: MarketInstrument = { id, symbol, kind, underlying: underlying.raw.symbol, contractSize: o.contractSize as string, decimals };
    const inst: Instrument = { raw, index, path, underlying, contractSize };

    if (kind !== "perpetual") {
      const expiryMs = expectInstant(o.expiry, `${path}.expiry`);
      if (expiryMs <= asOfMs) {
        fail(`${show(o.expiry)} is not after asOf: the instrument has expired`, `${path}.expiry`, o.expiry, "> asOf");
      }
      raw.expiry = o.expiry as string;
      inst.expiryMs = expiryMs;
    }
    if (kind === "call" || kind === "put") {
      inst.strike = expectDecimal(o.strike, `${path}.strike`, { min: "0", minExclusive: true });
      raw.strike = o.strike as string;
      if (o.volatility !== undefined) {
        inst.volatility = expectDecimal(o.volatility, `${path}.volatility`, { min: scan.raw.minVolatility, max: MAX_VOL });
        raw.volatility = o.volatility as string;
      }
    }
    return inst;
  });
}

// ---------------------------------------------------------------------------------------------
// Pricing

const MS_PER_YEAR = 365 * 86_400_000; // ACT/365

interface Priced {
  riskE8: bigint[];
  shortMinE8: bigint;
  greeks: Omit<InstrumentGreeks, "worstScenario" | "worstLoss" | "shortOptionMinimum">;
}

function priceInstrument(inst: Instrument, scan: Scan, asOfMs: number): Priced {
  const u = inst.underlying;
  const S = fromE8(u.spot);
  const range = fromE8(u.priceScanRange);
  const cs = fromE8(inst.contractSize);
  const cover = fromE8(scan.extremeCoverFraction);
  const multiple = fromE8(scan.extremeMultiple);
  const r = Number(scan.raw.riskFreeRate);
  const spotNum = toNumber(S);
  const csNum = toNumber(cs);
  const T = inst.expiryMs === undefined ? undefined : (inst.expiryMs - asOfMs) / MS_PER_YEAR;

  const finite = (x: number, what: string): number => {
    if (!Number.isFinite(x)) fail(`${what} is not a finite number (${x}); check spot, strike, expiry and rates`, inst.path, inst.raw.symbol);
    return x;
  };

  // Exact price move of scenario k: S * range * thirds/3 (or * +/-extremeMultiple).
  const moveOf = (sc: ScenarioDef): Rat => {
    const frac = sc.extreme ? mul(multiple, rat(BigInt(sc.thirds))) : rat(BigInt(sc.thirds), 3n);
    return mul(mul(S, range), frac);
  };
  const weightOf = (sc: ScenarioDef): Rat => (sc.extreme ? cover : ONE);

  const base = {
    id: inst.raw.id,
    symbol: inst.raw.symbol,
    kind: inst.raw.kind,
    underlying: u.raw.symbol,
    contractSize: inst.raw.contractSize,
    spot: u.raw.spot,
  };

  if (inst.raw.kind === "perpetual") {
    const riskE8 = SCENARIO_DEFS.map((sc) => roundRat(mul(mul(cs, moveOf(sc)), weightOf(sc)), USD_PLACES, "down"));
    return { riskE8, shortMinE8: 0n, greeks: { ...base, price: spotNum * csNum, delta: csNum, gamma: 0, vega: 0 } };
  }

  const time = T as number;
  if (inst.raw.kind === "future") {
    const growthNum = finite(Math.exp(r * time), "the forward factor e^(rT)");
    const growth: Rat = r === 0 ? ONE : exactRational(growthNum);
    const riskE8 = SCENARIO_DEFS.map((sc) =>
      roundRat(mul(mul(mul(cs, growth), moveOf(sc)), weightOf(sc)), USD_PLACES, "down"),
    );
    return {
      riskE8,
      shortMinE8: 0n,
      greeks: {
        ...base,
        expiry: inst.raw.expiry as string,
        timeToExpiryYears: time,
        price: finite(spotNum * growthNum * csNum, "the forward price"),
        delta: growthNum * csNum,
        gamma: 0,
        vega: 0,
      },
    };
  }

  // Options.
  const right = inst.raw.kind;
  const sigma = inst.volatility ?? u.volatility;
  const sigmaNum = Number(formatScaledTrim(sigma, USD_PLACES));
  const up = sigma + u.volScanRange;
  const down = sigma - u.volScanRange > scan.minVolatility ? sigma - u.volScanRange : scan.minVolatility;
  const strike = toNumber(fromE8(inst.strike as bigint));
  const g = blackScholesGreeks({ right, spot: spotNum, strike, time, vol: sigmaNum, rate: r });
  const v0 = finite(g.price, "the option value");
  const riskE8 = SCENARIO_DEFS.map((sc) => {
    const volE8 = sc.vol === "up" ? up : sc.vol === "down" ? down : sigma;
    const spot1 = toNumber(add(S, moveOf(sc)));
    const v1 = blackScholesPrice({ right, spot: spot1, strike, time, vol: Number(formatScaledTrim(volE8, USD_PLACES)), rate: r });
    const pnl = exactRational(finite(v1 - v0, `the option value in scenario "${sc.label}"`));
    return roundRat(mul(mul(cs, pnl), weightOf(sc)), USD_PLACES, "down");
  });
  const shortMinE8 = roundRat(mul(mul(fromE8(scan.shortOptionMinimumRate), S), cs), USD_PLACES, "up");
  return {
    riskE8,
    shortMinE8,
    greeks: {
      ...base,
      strike: inst.raw.strike as string,
      expiry: inst.raw.expiry as string,
      timeToExpiryYears: time,
      volatility: sigmaNum,
      price: v0 * csNum,
      delta: g.delta * csNum,
      gamma: g.gamma * csNum,
      vega: g.vegaPerPoint * csNum,
    },
  };
}

function checkUnitValue(valueE8: bigint, inst: Instrument, what: string): void {
  const abs = valueE8 < 0n ? -valueE8 : valueE8;
  const perBaseUnit = abs * baseUnitScale(inst.raw.decimals);
  if (perBaseUnit >= UNIT_VALUE_LIMIT) {
    fail(
      `${what} = ${formatScaledTrim(valueE8, USD_PLACES)} USD per unit is too large for decimals ${inst.raw.decimals}: ` +
        `|value| x 10^(26 - decimals) = ${perBaseUnit} must be < ${showLimit(UNIT_VALUE_BITS)} (bit budget); ` +
        `use a smaller contractSize or more decimals`,
      inst.path,
      formatScaledTrim(valueE8, USD_PLACES),
      `< ${showLimit(UNIT_VALUE_BITS)} per base unit in 1e-26 USD`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Validate a market file and build the risk parameters and a greeks report. */
export function buildRiskParams(market: unknown): { params: RiskParamsJson; report: GreeksReport } {
  const root = expectObject(
    market,
    "",
    ["version", "epoch", "asOf", "underlyings", "assets", "instruments"],
    ["scan", "maxStatementAge", "venues", "validUntil"],
    "the market file",
  );
  if (root.version !== 1) fail(`unsupported market file version ${show(root.version)}`, "version", root.version, "1");
  const epoch = expectInteger(root.epoch, "epoch", 0, Number.MAX_SAFE_INTEGER);
  const asOfMs = expectInstant(root.asOf, "asOf");
  const asOf = root.asOf as string;
  if (asOfMs % 1000 !== 0) fail(`${show(asOf)} is not a whole second: the parameters commit asOf as unix seconds`, "asOf", asOf, "whole seconds");
  if (asOfMs < 0 || BigInt(asOfMs / 1000) >= TIME_LIMIT) fail(`${show(asOf)} is before 1970 or too far ahead`, "asOf", asOf, `0 <= unix seconds < 2^${TIME_BITS}`);
  let validUntil: string | undefined;
  if (root.validUntil !== undefined) {
    const ms = expectInstant(root.validUntil, "validUntil");
    validUntil = root.validUntil as string;
    if (ms % 1000 !== 0) fail(`${show(validUntil)} is not a whole second: the registry takes unix seconds`, "validUntil", validUntil, "whole seconds");
    if (ms <= asOfMs) fail(`${show(validUntil)} is not after asOf ${show(asOf)}`, "validUntil", validUntil, "> asOf");
    if (BigInt(ms / 1000) >= TIME_LIMIT) fail(`${show(validUntil)} is too far ahead`, "validUntil", validUntil, `unix seconds < 2^${TIME_BITS}`);
  }
  const maxStatementAge =
    root.maxStatementAge === undefined
      ? DEFAULT_MAX_STATEMENT_AGE
      : expectInteger(root.maxStatementAge, "maxStatementAge", 0, Number(TIME_LIMIT) - 1);
  const venuesIn = root.venues === undefined ? [] : expectArray(root.venues, "venues");
  const venues = (structuredClone(venuesIn) as unknown[])
    .map((a, i) => ({ a, i }))
    .sort((x, y) => assetKey(x.a) - assetKey(y.a) || x.i - y.i)
    .map((x) => x.a);
  const scan = parseScan(root.scan);
  const underlyings = parseUnderlyings(root.underlyings, scan);

  const assetsIn = expectArray(root.assets, "assets");
  const assets = (structuredClone(assetsIn) as unknown[])
    .map((a, i) => ({ a: withDefaultDebtBps(a), i }))
    .sort((x, y) => assetKey(x.a) - assetKey(y.a) || x.i - y.i)
    .map((x) => x.a);

  const instruments = parseInstruments(root.instruments, underlyings, scan, asOfMs).sort((a, b) => a.raw.id - b.raw.id);

  const paramsInstruments: InstrumentParamsJson[] = [];
  const reportInstruments: InstrumentGreeks[] = [];
  for (const inst of instruments) {
    const priced = priceInstrument(inst, scan, asOfMs);
    priced.riskE8.forEach((v, k) => checkUnitValue(v, inst, `the risk value for scenario "${SCENARIO_LABELS[k]}"`));
    checkUnitValue(priced.shortMinE8, inst, "the short option minimum");
    let worst = 0;
    priced.riskE8.forEach((v, k) => {
      if (v < (priced.riskE8[worst] as bigint)) worst = k;
    });
    const riskArray = priced.riskE8.map((v) => formatScaledTrim(v, USD_PLACES));
    const shortOptionMinimum = formatScaledTrim(priced.shortMinE8, USD_PLACES);
    paramsInstruments.push({
      id: inst.raw.id,
      symbol: inst.raw.symbol,
      kind: inst.raw.kind === "call" || inst.raw.kind === "put" ? "option" : inst.raw.kind,
      group: inst.underlying.raw.symbol,
      decimals: inst.raw.decimals,
      riskArray,
      shortOptionMinimum,
    });
    reportInstruments.push({
      ...priced.greeks,
      worstScenario: worst,
      worstLoss: formatScaledTrim(-(priced.riskE8[worst] as bigint), USD_PLACES),
      shortOptionMinimum,
    });
  }

  const scenarios = [...SCENARIO_LABELS];
  const groups: GroupParamsJson[] = [...underlyings.values()]
    .map((u) => ({ id: u.groupId, symbol: u.raw.symbol }))
    .sort((a, b) => a.id - b.id);
  const params: RiskParamsJson = {
    version: 3,
    epoch,
    asOf,
    ...(validUntil !== undefined ? { validUntil } : {}),
    maxStatementAge,
    scenarios,
    assets,
    groups,
    instruments: paramsInstruments,
    venues,
  };
  const report: GreeksReport = {
    epoch,
    asOf,
    scan: { ...scan.raw },
    scenarios: [...SCENARIO_LABELS],
    underlyings: [...underlyings.values()].map((u) => ({ ...u.raw })),
    instruments: reportInstruments,
  };
  return { params, report };
}

/**
 * An asset's `debtBps` (the markup on a debt in it), from the market file, or by default its last
 * haircut tier's bps: the move the pool guards against when it haircuts a holding of the asset is
 * the move that would grow a debt in it before it is repaid, so a debt is marked up by as much as
 * the largest holding is marked down (USDC with a top tier of 8% -> a USDC debt counts 108%).
 * Anything malformed is left for the params parser to report with its JSON path.
 */
function withDefaultDebtBps(a: unknown): unknown {
  if (typeof a !== "object" || a === null || Array.isArray(a) || "debtBps" in a) return a;
  const tiers = (a as { haircuts?: unknown }).haircuts;
  const last = Array.isArray(tiers) ? (tiers.at(-1) as { bps?: unknown } | undefined) : undefined;
  if (typeof last?.bps !== "number") return a;
  const { id, symbol, decimals, price, haircuts, ...rest } = a as Record<string, unknown>;
  return { id, symbol, decimals, price, debtBps: last.bps, haircuts, ...rest };
}

function assetKey(a: unknown): number {
  if (typeof a === "object" && a !== null && typeof (a as { id?: unknown }).id === "number") {
    return (a as { id: number }).id;
  }
  return Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------
// Text report

function fmtNum(x: number | undefined, digits: number): string {
  if (x === undefined) return "";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e12) return x.toFixed(digits);
  return x.toExponential(3);
}

function fmtPct(x: string): string {
  return `${(Number(x) * 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

/** An aligned, plain-text greeks and scenario-risk table. */
export function formatGreeksReport(report: GreeksReport): string {
  const lines: string[] = [];
  const s = report.scan;
  lines.push(`Risk parameters, epoch ${report.epoch}, as of ${report.asOf}`);
  lines.push(
    `Scan: extreme move ${s.extremeMultiple} x range (${fmtPct(s.extremeCoverFraction)} of its P&L counted), ` +
      `short option minimum ${fmtPct(s.shortOptionMinimumRate)} of spot, r = ${s.riskFreeRate}, min vol ${s.minVolatility}`,
  );
  lines.push("Values are per ONE whole long unit in USD; vega per vol point; worst loss = -min(risk array).");
  lines.push("");

  const uHead = ["Underlying", "Spot", "Vol", "Price scan", "Vol scan"];
  const uRows = report.underlyings.map((u) => [u.symbol, u.spot, u.volatility, `+/-${fmtPct(u.priceScanRange)}`, `+/-${u.volScanRange}`]);
  lines.push(...table(uHead, uRows, [false, true, true, true, true]));
  lines.push("");

  const head = ["ID", "Symbol", "Kind", "Und", "Strike", "Expiry", "T (y)", "Vol", "Price", "Delta", "Gamma", "Vega/pt", "Worst scenario", "Worst loss", "Short min"];
  const rows = report.instruments.map((i) => [
    String(i.id),
    i.symbol,
    i.kind,
    i.underlying,
    i.strike ?? "",
    i.expiry ? i.expiry.slice(0, 10) : "",
    fmtNum(i.timeToExpiryYears, 4),
    i.volatility === undefined ? "" : i.volatility.toFixed(4),
    fmtNum(i.price, 4),
    fmtNum(i.delta, 4),
    fmtNum(i.gamma, 6),
    fmtNum(i.vega, 4),
    report.scenarios[i.worstScenario] ?? String(i.worstScenario),
    i.worstLoss,
    i.shortOptionMinimum,
  ]);
  const right = [true, false, false, false, true, false, true, true, true, true, true, true, false, true, true];
  lines.push(...table(head, rows, right));
  return `${lines.join("\n")}\n`;
}

function table(head: string[], rows: string[][], rightAlign: boolean[]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (rightAlign[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}
