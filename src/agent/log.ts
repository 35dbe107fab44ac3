/**
 * The agent's log: one JSON object per line (`{"time","level","event","msg",...}`), on stderr by
 * default. Never holdings or keys: only epochs, health figures, hashes, times and error messages.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogRecord {
  level: LogLevel;
  event: string;
  msg: string;
  [field: string]: unknown;
}

export type Logger = (record: LogRecord) => void;

/** A logger writing JSON lines to `write` (default: stderr). */
export function jsonLineLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return (r) => {
    const { level, event, msg, ...rest } = r;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, event, msg, ...rest }, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
  };
}
