import { renameSync, rmSync, writeFileSync } from "node:fs";
import { ZkMarginError } from "../errors.js";

/** Write a file atomically (temp file + rename): a reader never sees half a file. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, content);
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
