import { ZkMarginError, show } from "../errors.js";
import { TIME_BITS, TIME_LIMIT } from "../config/limits.js";
import { parseAsOf } from "../params/parse.js";

/** A statement time: unix seconds (number, bigint or digit string) or an ISO 8601 date-time with a zone, in whole seconds. */
export function parseStatementTime(value: unknown, path: string): bigint {
  let x: bigint;
  if (typeof value === "bigint") x = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) x = BigInt(value);
  else if (typeof value === "string" && /^(0|[1-9][0-9]*)$/.test(value)) x = BigInt(value);
  else if (typeof value === "string") return parseAsOf(value, path);
  else {
    throw new ZkMarginError("ARGUMENT", `must be unix seconds or an ISO 8601 date-time with a zone (e.g. "2026-11-20T16:00:00Z"), got ${show(value)}`, {
      path,
      value,
    });
  }
  if (x < 0n || x >= TIME_LIMIT) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be unix seconds from 0 to below 2^${TIME_BITS}, got ${show(value)}`, {
      path,
      value,
      limit: `< 2^${TIME_BITS}`,
    });
  }
  return x;
}

/** Unix seconds as ISO 8601 (UTC, whole seconds). */
export function isoOf(unix: bigint): string {
  return new Date(Number(unix) * 1000).toISOString().replace(".000Z", "Z");
}
