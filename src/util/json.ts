import { readFileSync } from "node:fs";
import { ZkMarginError } from "../errors.js";
import { parseJsonStrict } from "./strictJson.js";

export { parseJsonStrict };

/** Read and strictly parse a JSON file; file-system problems become FILE errors. */
export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new ZkMarginError("FILE", `cannot read ${what} file ${JSON.stringify(file)}: ${reason}`, { value: file });
  }
  return parseJsonStrict(text, `${what} file ${JSON.stringify(file)}`);
}
