import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree, clearParamsTreeCache, paramsContentKey, paramsTree, paramsTreeCacheStats, setParamsTreeStore, type ParamsTree } from "../../src/params/tree.js";
import { diskParamsTreeStore, PARAMS_TREE_FILES } from "../../src/params/treeStore.js";
import { fixtureJson, repoFile } from "../helpers.js";

/** Everything a prover reads from a tree: the roots and every leaf's opening. */
function summary(t: ParamsTree) {
  const open = (tree: ParamsTree["assetTree"]) => Array.from({ length: Math.min(tree.capacity, 40) }, (_, i) => tree.open(i));
  return {
    roots: [t.paramsRoot, t.assetRoot, t.groupRoot, t.venueRoot, t.epoch, t.asOfUnix, t.maxStatementAge],
    asset: open(t.assetTree),
    group: open(t.groupTree),
    venue: open(t.venueTree),
    instruments: t.instrumentTrees.map(open),
  };
}

describe("params: the trees saved in the cache folder (the CLI's paramsTree store)", function () {
  let dir: string;
  let before: string | undefined;
  beforeEach(() => {
    before = process.env.ZKMARGIN_CACHE;
    dir = mkdtempSync(join(tmpdir(), "zkm-tree-store-"));
    process.env.ZKMARGIN_CACHE = dir;
    clearParamsTreeCache();
  });
  afterEach(() => {
    setParamsTreeStore(undefined);
    clearParamsTreeCache();
    if (before === undefined) delete process.env.ZKMARGIN_CACHE;
    else process.env.ZKMARGIN_CACHE = before;
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, load] of [
    ["examples/params.json", () => parseRiskParams(JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8")))],
    ["the small fixture", () => parseRiskParams(fixtureJson("params-small.json"))],
  ] as const) {
    it(`${name}: saved once, read back with the same roots and openings, without hashing`, () => {
      const params = load();
      const key = paramsContentKey(params);
      setParamsTreeStore(diskParamsTreeStore);
      const first = paramsTree(params);
      const file = join(dir, "params-tree", `${key}.json`);
      assert.ok(existsSync(file));
      const saved = diskParamsTreeStore.get(key, params);
      assert.ok(saved);
      assert.deepEqual(summary(saved), summary(buildParamsTree(params)));
      clearParamsTreeCache(); // a new process: memory empty, the file there
      assert.deepEqual(summary(paramsTree(params)), summary(first));
      assert.equal(paramsTreeCacheStats().misses, 1);
    });
  }

  it("a damaged file, one of other parameters or of another shape is not used (the tree is built and saved again)", () => {
    const params = parseRiskParams(JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8")));
    const key = paramsContentKey(params);
    const file = join(dir, "params-tree", `${key}.json`);
    diskParamsTreeStore.set(key, buildParamsTree(params));
    const good = JSON.parse(readFileSync(file, "utf8"));
    const bad = (edit: (j: any) => void) => {
      const j = structuredClone(good);
      edit(j);
      writeFileSync(file, JSON.stringify(j));
      assert.equal(diskParamsTreeStore.get(key, params), undefined);
    };
    bad((j) => (j.key = "0".repeat(64)));
    bad((j) => (j.zkmarginParamsTree = 2));
    bad((j) => j.asset.levels[0].pop());
    bad((j) => j.asset.levels[1].push("1"));
    bad((j) => (j.asset.levels[0][0] = "zz"));
    bad((j) => j.instruments.pop());
    bad((j) => j.venue.zero.pop());
    writeFileSync(file, "{ not json");
    assert.equal(diskParamsTreeStore.get(key, params), undefined);
    // another key for parameters that differ in anything
    const other = parseRiskParams({ ...JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8")), epoch: 8 });
    assert.notEqual(paramsContentKey(other), key);
    // through paramsTree: the damaged file is replaced by a good one
    setParamsTreeStore(diskParamsTreeStore);
    assert.equal(paramsTree(params).paramsRoot, buildParamsTree(params).paramsRoot);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), good);
  });

  it(`keeps the ${PARAMS_TREE_FILES} newest files`, () => {
    const base = JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8"));
    const first = parseRiskParams({ ...base, epoch: 1000 });
    diskParamsTreeStore.set(paramsContentKey(first), buildParamsTree(first));
    const tree = buildParamsTree(first);
    for (let i = 1; i <= PARAMS_TREE_FILES; i++) diskParamsTreeStore.set(`${i.toString(16).padStart(64, "0")}`, tree);
    const files = readdirSync(join(dir, "params-tree"));
    assert.equal(files.length, PARAMS_TREE_FILES);
    assert.ok(!files.includes(`${paramsContentKey(first)}.json`), "the oldest went first");
  });
});
