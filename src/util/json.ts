import { readFileSync } from "node:fs";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import { parseJsonStrict } from "./strictJson.js";

export { parseJsonStrict };

/**
 * Read and strictly parse a JSON file; file-system problems become FILE errors. `flag` is the CLI
 * flag or argument that named the file (the errors' `path`); every error names the file (`file`).
 */
export function readJsonFile(file: string, what: string, flag?: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new ZkMarginError("FILE", `cannot read ${what} file ${JSON.stringify(file)}: ${reason}`, { value: file, ...(flag ? { path: flag } : {}) }).inFile(file);
  }
  try {
    return parseJsonStrict(text, `${what} file ${JSON.stringify(file)}`);
  } catch (e) {
    throw isZkMarginError(e) ? e.inFile(file, what) : e;
  }
}

/**
 * Read a JSON file and parse it with `parse`; an error of `parse` (a JSON path inside the file) also
 * names the file: `risk parameters file "p.json": assets[1].price: must not be negative`.
 */
export function parseJsonFile<T>(file: string, what: string, flag: string | undefined, parse: (json: unknown) => T): T {
  const json = readJsonFile(file, what, flag);
  try {
    return parse(json);
  } catch (e) {
    throw isZkMarginError(e) ? e.inFile(file, what) : e;
  }
}
