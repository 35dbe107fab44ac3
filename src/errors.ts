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
  | "STATEMENT"
  /** The command line does not parse (unknown option, missing argument); set by the CLI. */
  | "USAGE"
  /** A portfolio that does not meet margin at the health asked for: ShortfallError (in the SDK and the CLI). */
  | "SHORTFALL"
  /** A time window does not hold now: parameters whose validity window has passed, and the like. */
  | "VALIDITY"
  /** A transaction our contracts reverted (value: the contract error's name). */
  | "REVERTED"
  /** A deployment record that does not match the chain: another chain id, or no contract at its addresses (a node restarted without its state). */
  | "STALE_DEPLOYMENT"
  /** A bug, not bad input; set by the CLI for any error that is not a ZkMarginError. */
  | "INTERNAL";

/** The brand of ZkMarginErrors: a registered symbol, the same in every copy of this module. */
const ZKMARGIN_ERROR: unique symbol = Symbol.for("zkmargin.ZkMarginError");

/**
 * Every error a user can cause: a stable `code`, the `path` (JSON path or CLI flag) it is about, the
 * offending `value` and the `limit` it broke.
 */
export class ZkMarginError extends Error {
  override readonly name = "ZkMarginError";
  readonly code: ErrorCode;
  /** JSON path (`assets[1].haircuts[0].bps`) or CLI flag (`--health-bps`) the error is about. */
  readonly path: string | undefined;
  readonly value: unknown;
  readonly limit: string | undefined;
  /** The file the error is in, when it came from one (`path` is then a JSON path inside it); see inFile. */
  file: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { path?: string; value?: unknown; limit?: string; file?: string } = {}) {
    super(opts.path ? `${opts.path}: ${message}` : message);
    this.code = code;
    this.path = opts.path;
    this.value = opts.value;
    this.limit = opts.limit;
    this.file = undefined;
    // The brand isZkMarginError recognizes in whichever copy of this module made the error.
    Object.defineProperty(this, ZKMARGIN_ERROR, { value: true });
    if (opts.file !== undefined) this.inFile(opts.file);
  }

  /**
   * Say which file the error is in: sets `file` and, unless the message already names the file,
   * prefixes it (`risk parameters file "p.json": assets[1].price: ...`). The first file named wins.
   */
  inFile(file: string, what?: string): this {
    if (this.file !== undefined) return this;
    this.file = file;
    const quoted = JSON.stringify(file);
    if (!this.message.includes(quoted)) this.message = `${what ? `${what} file` : "file"} ${quoted}: ${this.message}`;
    return this;
  }
}

/**
 * Whether `e` is a ZkMarginError: of this module's class, or of another instance of this module
 * (the CLI imports its commands when they run; a loader that gives a dynamic import its own copy of
 * a module, as tsx under mocha does, or a second copy of the package, makes errors of a twin class).
 */
export function isZkMarginError(e: unknown): e is ZkMarginError {
  return e instanceof ZkMarginError || (e instanceof Error && (e as { [ZKMARGIN_ERROR]?: unknown })[ZKMARGIN_ERROR] === true);
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
