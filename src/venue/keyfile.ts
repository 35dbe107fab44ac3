import { readFileSync, statSync } from "node:fs";
import { ZkMarginError } from "../errors.js";
import { parseStatementKeyFile, type StatementKey } from "../statements/keys.js";
import { parseJsonStrict } from "../util/json.js";

/**
 * Read a venue key file (`zkmargin venue keygen`) for a service, refusing one that others can read:
 * its mode must give nothing to group and others (0600 or 0400) and it must be owned by the user
 * running the service. The message says how to fix it.
 */
export function readPrivateKeyFile(file: string, flag = "--key"): StatementKey {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ZkMarginError("FILE", `cannot read the venue key file ${JSON.stringify(file)}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`, { path: flag, value: file });
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ZkMarginError(
      "FILE",
      `the venue key file ${JSON.stringify(file)} has mode 0${mode.toString(8)}: group or others can read it, and anyone who reads it can sign statements for this venue. Make it private to its owner: chmod 600 ${JSON.stringify(file)}`,
      { path: flag, value: `0${mode.toString(8)}`, limit: "0600 (no access for group and others)" },
    );
  }
  if (typeof process.getuid === "function" && st.uid !== process.getuid()) {
    throw new ZkMarginError(
      "FILE",
      `the venue key file ${JSON.stringify(file)} is owned by uid ${st.uid}, not by the user running the service (uid ${process.getuid()}): chown it to that user (and chmod 600)`,
      { path: flag, value: st.uid, limit: `owner uid ${process.getuid()}` },
    );
  }
  const text = readFileSync(file, "utf8");
  return parseStatementKeyFile(parseJsonStrict(text, `venue key file ${JSON.stringify(file)}`), file);
}
