/**
 * The venue service's logs: one JSON object per line, `{ "time", "level", "event", ... }`. Callers
 * pass only the fields below (accounts, statuses, codes, latencies, counts, file names); holdings
 * and amounts are never given to the logger (test/venue/service.test.ts scans the logs for them).
 */
export type LogLevel = "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface VenueLogger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** A logger writing JSON lines to `write` (default: stdout). */
export function jsonLogger(write: (line: string) => void = (l) => void process.stdout.write(l)): VenueLogger {
  const log = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, event };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) entry[k] = v;
    write(`${JSON.stringify(entry)}\n`);
  };
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

/** A logger that drops everything. */
export const silentLogger: VenueLogger = { info: () => {}, warn: () => {}, error: () => {} };
