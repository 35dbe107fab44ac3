import { ZkMarginError, show } from "../errors.js";

/**
 * Exact decimal strings <-> scaled bigints. No floats anywhere.
 *
 * Accepted syntax: an optional `-` (only where `signed`), an integer part without leading zeros
 * (`0`, `12`, not `012`), and an optional fractional part (`.5`, `.50`). Exponents, `+`, blanks,
 * `.5`, `5.` and JSON numbers are refused: amounts and prices are decimal strings.
 * Digits beyond `places` are an error unless they are zeros (never silently rounded).
 */
const DECIMAL_RE = /^(-)?(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export interface DecimalOptions {
  /** Decimal places allowed (the value is returned multiplied by 10^places). */
  places: number;
  /** Whether a leading `-` is allowed. */
  signed?: boolean;
  /** Name of the unit for messages, e.g. "the asset's 6 decimals". */
  placesWhat?: string;
}

export function parseDecimal(value: unknown, path: string, opts: DecimalOptions): bigint {
  if (typeof value === "number") {
    throw new ZkMarginError(
      "DECIMAL_FORMAT",
      `must be a decimal string such as "${String(value)}", not a JSON number (numbers lose precision)`,
      { path, value },
    );
  }
  if (typeof value !== "string") {
    throw new ZkMarginError("DECIMAL_FORMAT", `must be a decimal string, got ${show(value)}`, { path, value });
  }
  if (/[eE]/.test(value)) {
    throw new ZkMarginError("DECIMAL_FORMAT", `exponent notation is not accepted, got ${show(value)}; write all digits`, {
      path,
      value,
    });
  }
  const m = DECIMAL_RE.exec(value);
  if (!m) {
    throw new ZkMarginError(
      "DECIMAL_FORMAT",
      `${show(value)} is not a plain decimal (expected digits with an optional fraction, e.g. "-12.5", no "+", no leading zeros)`,
      { path, value },
    );
  }
  const negative = m[1] === "-";
  if (negative && !opts.signed) {
    throw new ZkMarginError("OUT_OF_RANGE", `must not be negative, got ${show(value)}`, { path, value, limit: ">= 0" });
  }
  const intPart = m[2] as string;
  let frac = m[3] ?? "";
  if (frac.length > opts.places) {
    const extra = frac.slice(opts.places);
    if (/[^0]/.test(extra)) {
      const what = opts.placesWhat ?? `${opts.places} decimal places`;
      throw new ZkMarginError(
        "DECIMAL_PRECISION",
        `${show(value)} has ${frac.replace(/0+$/, "").length} decimal places, more than ${what} allow; it is not rounded`,
        { path, value, limit: `${opts.places} decimal places` },
      );
    }
    frac = frac.slice(0, opts.places);
  }
  const digits = intPart + frac.padEnd(opts.places, "0");
  const magnitude = BigInt(digits);
  return negative ? -magnitude : magnitude;
}

/** Render `scaled / 10^places` exactly (no rounding), trimming nothing. */
export function formatScaled(scaled: bigint, places: number): string {
  const neg = scaled < 0n;
  const abs = neg ? -scaled : scaled;
  const s = abs.toString().padStart(places + 1, "0");
  const intPart = s.slice(0, s.length - places);
  const frac = places > 0 ? `.${s.slice(s.length - places)}` : "";
  return `${neg ? "-" : ""}${intPart}${frac}`;
}

/** Exact decimal with trailing fractional zeros removed (`1.50000000` -> `1.5`, `2.000` -> `2`). */
export function formatScaledTrim(scaled: bigint, places: number): string {
  const s = formatScaled(scaled, places);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** floor(a / b) for bigints, b > 0. */
export function divFloor(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** ceil(a / b) for bigints, b > 0. */
export function divCeil(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

export type Rounding = "down" | "up";

/** Convert an integer amount in units of 10^-fromPlaces to a decimal string with `places` places. */
export function roundScaled(scaled: bigint, fromPlaces: number, places: number, rounding: Rounding): string {
  if (fromPlaces < places) return formatScaled(scaled * 10n ** BigInt(places - fromPlaces), places);
  const div = 10n ** BigInt(fromPlaces - places);
  const q = rounding === "down" ? divFloor(scaled, div) : divCeil(scaled, div);
  return formatScaled(q, places);
}

export const pow10 = (n: number): bigint => 10n ** BigInt(n);
