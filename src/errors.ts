/**
 * Errors a user can cause (bad files, bad flags, unsupported values) are `ZkMarginError`s.
 * Each carries a stable `code`, the JSON path or flag it concerns, the offending value and the
 * limit it broke, so the CLI can print one plain line and programs can branch on `code`.
 */
export type ErrorCode =
  | "INVALID_JSON"
  | "DUPLICATE_KEY"
  | "SCHEMA"
  | "DECIMAL_FORMAT"
  | "DECIMAL_PRECISION"
  | "OUT_OF_RANGE"
  | "BIT_BUDGET"
  | "DUPLICATE"
  | "UNKNOWN_SYMBOL"
  | "HAIRCUT_TIERS"
  | "RISK_ARRAY"
  | "CAPACITY"
  | "FILE"
  | "MARKET"
  | "MISMATCH"
  | "ARGUMENT"
  | "STATEMENT";

export class ZkMarginError extends Error {
  override readonly name = "ZkMarginError";
  readonly code: ErrorCode;
  /** JSON path (`assets[1].haircuts[0].bps`) or CLI flag (`--health-bps`) the error is about. */
  readonly path: string | undefined;
  readonly value: unknown;
  readonly limit: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { path?: string; value?: unknown; limit?: string } = {}) {
    super(opts.path ? `${opts.path}: ${message}` : message);
    this.code = code;
    this.path = opts.path;
    this.value = opts.value;
    this.limit = opts.limit;
  }
}

export function isZkMarginError(e: unknown): e is ZkMarginError {
  return e instanceof ZkMarginError;
}

/** Short, quoted rendering of an offending value for error messages. */
export function show(value: unknown): string {
  let s: string;
  if (typeof value === "bigint") s = value.toString();
  else if (typeof value === "string") s = JSON.stringify(value);
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
