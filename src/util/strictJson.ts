import { ZkMarginError } from "../errors.js";

// No Node built-ins here: the browser entry (src/browser.ts) parses pasted JSON with it.
/**
 * JSON.parse, but strict about what JSON.parse silently accepts: a key given twice in one object
 * (JSON.parse keeps the last one, which would silently drop a holding) is an error naming the path
 * and line. Syntax errors report line and column.
 */
function lineCol(text: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

// A small recursive-descent scanner used only to find duplicate keys; values come from JSON.parse.
function findDuplicateKey(text: string): { path: string; pos: number } | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  let found: { path: string; pos: number } | undefined;
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        const keyPos = i;
        const key = str();
        const childPath = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
        if (seen.has(key) && !found) found = { path: childPath.replace(/^\$\.?/, ""), pos: keyPos };
        seen.add(key);
        ws();
        i++; // colon
        value(childPath);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        i++; // closing brace
        return;
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        i++;
        return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !",]} \t\n\r".includes(text[i] as string)) i++;
    }
  };
  value("$");
  return found;
}

/**
 * JSON.parse that also refuses a key given twice in one object (an INVALID_JSON or DUPLICATE_KEY
 * ZkMarginError naming the line and column); `source` names the input in messages.
 */
export function parseJsonStrict(text: string, source = "input"): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m ? ` at ${lineCol(text, Number(m[1]))}` : "";
    throw new ZkMarginError("INVALID_JSON", `${source} is not valid JSON${where}: ${msg.replace(/ in JSON at position \d+.*$/, "")}`);
  }
  const dup = findDuplicateKey(text);
  if (dup) {
    throw new ZkMarginError(
      "DUPLICATE_KEY",
      `key given twice in ${source} (${lineCol(text, dup.pos)}); each key may appear once`,
      { path: dup.path, value: dup.path.split(/[.[]/).pop() },
    );
  }
  return parsed;
}
