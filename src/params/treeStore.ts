/**
 * The parameters' Poseidon trees on disk, for the command line: every `zkmargin prove`, `verify`
 * and `params root` is a new process, and hashing the trees of a parameters file again each time
 * costs 0.1-0.3 s (more for big books of instruments). paramsTree (tree.ts) keeps the trees of the
 * last few parameter sets in memory; with this store installed (useParamsTreeDiskCache) it also
 * looks in, and writes to, <cache>/params-tree/<content key>.json, the key being paramsContentKey
 * (the sha256 of every field of the parsed parameters: a file that differs in anything is another
 * key). The file holds the trees' node hashes; a file that cannot be read or does not have the
 * layout's shape is ignored and written again. Like the setups' verification keys in the same
 * folder, the cache is trusted: whoever can write to it can make `verify` report another root.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../circuit/paths.js";
import { writeFileAtomic } from "../util/files.js";
import { paramsTreeFromJson, paramsTreeToJson, setParamsTreeStore, type ParamsTreeStore } from "./tree.js";

/** How many parameter sets' trees the folder keeps (the oldest written go first). */
export const PARAMS_TREE_FILES = 64;

const dir = (): string => join(cacheDir(), "params-tree");

/** The store itself (exported for tests); useParamsTreeDiskCache installs it. */
export const diskParamsTreeStore: ParamsTreeStore = {
  get(key, params) {
    let text: string;
    try {
      text = readFileSync(join(dir(), `${key}.json`), "utf8");
    } catch {
      return undefined;
    }
    try {
      return paramsTreeFromJson(JSON.parse(text), key, params);
    } catch {
      return undefined; // damaged or from another version: built again and rewritten
    }
  },
  set(key, tree) {
    try {
      mkdirSync(dir(), { recursive: true });
      writeFileAtomic(join(dir(), `${key}.json`), JSON.stringify(paramsTreeToJson(tree, key)));
      prune();
    } catch {
      /* a cache that cannot be written only costs time */
    }
  },
};

function prune(): void {
  const files = readdirSync(dir()).filter((f) => /^[0-9a-f]{64}\.json$/.test(f));
  if (files.length <= PARAMS_TREE_FILES) return;
  const byAge = files
    .map((f) => {
      try {
        return { f, t: statSync(join(dir(), f)).mtimeMs };
      } catch {
        return { f, t: 0 };
      }
    })
    .sort((a, b) => a.t - b.t);
  for (const { f } of byAge.slice(0, files.length - PARAMS_TREE_FILES)) rmSync(join(dir(), f), { force: true });
}

/** Make paramsTree read and write the trees in the cache folder (the CLI does, once per process). */
export function useParamsTreeDiskCache(): void {
  setParamsTreeStore(diskParamsTreeStore);
}
