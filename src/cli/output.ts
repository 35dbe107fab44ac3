import { CommanderError, type Command } from "commander";
import { isZkMarginError, type ErrorCode } from "../errors.js";
import { toJsonText } from "../util/files.js";

/**
 * Output for programs (`--json`). With `--json` anywhere on the command line (before a `--`):
 *
 * - a command that prints a result prints exactly one JSON document on stdout;
 * - stderr carries only JSON, one object per line: warnings `{"warning":{"code","message"}}` and, when
 *   the command fails, one `{"error":{"code","message","path","value","limit"}}` (last). `code` is a
 *   stable ErrorCode (src/errors.ts): a ZkMarginError's own, "USAGE" for a command line that does not
 *   parse, "INTERNAL" for anything else; `path` is the JSON path, flag or argument concerned, `value`
 *   the offending value, `limit` the limit it broke (each null when it does not apply); `file` (only
 *   when the error is about a file) the file, so an error at a JSON path says which file it is in.
 *
 * Exit codes are the same with or without `--json` (exitCodeFor). Progress lines are written on a
 * terminal only (util/progress.ts), never to a pipe.
 */

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/**
 * Exit codes, one meaning each, whatever the command:
 *
 * - 0: done, and the answer is yes: the book passes, the proof is valid, the account is healthy, the
 *   transaction went through.
 * - 1: the request was carried out and the answer is no: the book falls short (check, prove:
 *   SHORTFALL), the proof is invalid (verify), a venue statement breaks a rule (STATEMENT), the
 *   account is not healthy (chain status), the native prover is not available (native), or a
 *   contract refused the transaction (REVERTED, e.g. a borrow over the credit limit).
 * - 2: bad input, nothing done: a command line that does not parse (USAGE) and every other
 *   ZkMarginError code (a file, flag or value that is malformed or breaks a limit, a missing file or
 *   setup, a bundle for another pool, context or account, a stale deployment record, ...).
 * - 3: an internal error (a bug: INTERNAL).
 */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;

/** The error codes that are a "no" on the merits (exit 1) rather than bad input (exit 2). */
export const FAIL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["SHORTFALL", "STATEMENT", "REVERTED"]);

/** The exit code of an error (see EXIT_OK): 1 for FAIL_CODES, 2 for other input errors, 3 for anything else. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? EXIT_OK : EXIT_BAD_INPUT;
  }
  if (isZkMarginError(e)) return FAIL_CODES.has(e.code) ? EXIT_FAIL : EXIT_BAD_INPUT;
  return EXIT_INTERNAL;
}

/** `--json` is on the command line (options after a `--` terminator are arguments, not flags). */
export function wantsJson(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === "--") return false;
    if (a === "--json") return true;
  }
  return false;
}

export interface JsonError {
  code: ErrorCode;
  message: string;
  path: string | null;
  value: unknown;
  limit: string | null;
  /**
   * Extra fields when they apply: `file` (the file the error is in; `path` is then a JSON path inside
   * it, or the flag that named the file), `rule` (STATEMENT), `report` (SHORTFALL), `stack` (INTERNAL
   * with ZKMARGIN_DEBUG).
   */
  [extra: string]: unknown;
}

/** A value as plain JSON: bigints as decimal strings, undefined as null. */
export function plainJson(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "bigint") return v.toString();
  try {
    return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) ?? "null") as unknown;
  } catch {
    return String(v);
  }
}

/** The long flag of a commander option description: "-o, --out <file>" -> "--out". */
function flagOf(s: string | undefined): string | null {
  if (!s) return null;
  const parts = s.split(/[ ,|]+/);
  return parts.find((p) => p.startsWith("--")) ?? parts.find((p) => p.startsWith("-")) ?? parts[0] ?? null;
}

/** A commander parse error as a USAGE error naming the option or argument. */
function usageError(e: CommanderError): JsonError {
  const message = e.message.replace(/^error: /, "");
  const quoted = /'([^']+)'/.exec(message)?.[1];
  let path: string | null = null;
  let value: unknown = null;
  let limit: string | null = null;
  switch (e.code) {
    case "commander.unknownOption":
      path = flagOf(quoted);
      value = quoted ?? null;
      limit = "a known option (see --help)";
      break;
    case "commander.missingMandatoryOptionValue":
      path = flagOf(quoted);
      limit = "required";
      break;
    case "commander.optionMissingArgument":
      path = flagOf(quoted);
      limit = "a value";
      break;
    case "commander.missingArgument":
      path = quoted ?? null;
      limit = "required";
      break;
    case "commander.unknownCommand":
      value = quoted ?? null;
      limit = "a known command (see --help)";
      break;
    case "commander.excessArguments": {
      const m = /Expected (\d+) arguments? but got (\d+)/.exec(message);
      if (m) {
        value = Number(m[2]);
        limit = `at most ${m[1]}`;
      }
      break;
    }
    default:
      if (quoted?.startsWith("-")) path = flagOf(quoted);
  }
  return { code: "USAGE", message, path, value, limit };
}

/** Any error as the JSON error object: its stable code, message, path, value and limit. */
export function errorJson(e: unknown): JsonError {
  if (e instanceof CommanderError) return usageError(e);
  if (isZkMarginError(e)) {
    const rule = (e as { rule?: unknown }).rule;
    return {
      code: e.code,
      message: e.message,
      path: e.path ?? null,
      value: plainJson(e.value),
      limit: e.limit ?? null,
      ...(e.file !== undefined ? { file: e.file } : {}),
      ...(typeof rule === "string" ? { rule } : {}),
    };
  }
  const err = e as Error | undefined;
  return {
    code: "INTERNAL",
    message: err?.message ?? String(e),
    path: null,
    value: null,
    limit: null,
    ...(process.env.ZKMARGIN_DEBUG && err?.stack ? { stack: err.stack } : {}),
  };
}

/** Write `{"error": {...}}` as one line on stderr. */
export function writeJsonError(io: CliIo, error: JsonError): void {
  io.err(`${JSON.stringify({ error: error })}\n`);
}

/** A warning: `warning: ...` for people, `{"warning":{"code","message"}}` with --json. */
export function warn(io: CliIo, json: boolean | undefined, code: string, message: string): void {
  io.err(json ? `${JSON.stringify({ warning: { code, message } })}\n` : `warning: ${message}`);
}

/** Print one JSON document on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(toJsonText(value));
}

/**
 * With --json, commander must not print its own plain-text errors (and the usage hint): the error
 * handler prints them as JSON. Settings are copied to subcommands when they are made, so set them on
 * every command of the tree.
 */
export function quietCommanderErrors(program: Command): void {
  const visit = (c: Command) => {
    c.configureOutput({ outputError: () => {} });
    c.showHelpAfterError(false);
    c.commands.forEach(visit);
  };
  visit(program);
}

/**
 * The single error path of the CLI: print `e` (one plain line, or the JSON error with --json) and
 * return its exit code (exitCodeFor): 1 for a refusal on the merits (FAIL_CODES), 2 for bad input
 * (other ZkMarginErrors, a command line that does not parse), 3 for an internal error, 0 for
 * commander's help and version "errors".
 */
export function reportError(e: unknown, io: CliIo, json: boolean): number {
  const code = exitCodeFor(e);
  if (e instanceof CommanderError) {
    if (code !== EXIT_OK && json) writeJsonError(io, errorJson(e)); // without --json commander has printed it
    return code;
  }
  if (isZkMarginError(e)) {
    if (json) writeJsonError(io, errorJson(e));
    else io.err(`error: ${e.message}`);
    return code;
  }
  if (json) writeJsonError(io, errorJson(e));
  else {
    io.err(`internal error: ${(e as Error)?.message ?? String(e)}`);
    if (process.env.ZKMARGIN_DEBUG) io.err(String((e as Error)?.stack));
    else io.err("(set ZKMARGIN_DEBUG=1 for a stack trace, and please report it)");
  }
  return code;
}

/** Unix seconds as ISO 8601 in whole seconds: 1795190400 -> "2026-11-20T16:00:00Z". */
export function isoSeconds(unix: number | bigint): string {
  const ms = Number(unix) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `unix ${unix}`;
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}
