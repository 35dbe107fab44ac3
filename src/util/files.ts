import { chmodSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { ZkMarginError } from "../errors.js";

/**
 * Write a file atomically (temp file + rename): a reader never sees half a file. `mode` (e.g. 0o600
 * for private files: openings, keys) is set on the temp file before it is renamed into place, so the
 * file is never readable by others, not even for a moment, whatever the umask or the mode of a file
 * it replaces.
 */
export function writeFileAtomic(file: string, content: string, opts: { mode?: number } = {}): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    if (opts.mode === undefined) writeFileSync(tmp, content);
    else {
      writeFileSync(tmp, content, { mode: opts.mode, flag: "wx" });
      chmodSync(tmp, opts.mode);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ZkMarginError("FILE", `cannot write ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
}

/** JSON with bigints as decimal strings, 2-space indent, trailing newline. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
