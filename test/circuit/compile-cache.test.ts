import { strict as assert } from "node:assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishDir } from "../../src/circuit/compile.js";

describe("circuit cache: publishing a compiled folder", () => {
  const root = mkdtempSync(join(tmpdir(), "zkm-publish-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const folder = (name: string, content: string, meta = true) => {
    const d = join(root, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "main.wasm"), content);
    if (meta) writeFileSync(join(d, "meta.json"), "{}");
    return d;
  };

  it("moves the folder in; a folder another process published first stays, and the late one is dropped", () => {
    const dir = join(root, "c1");
    publishDir(folder("c1.tmp-1", "first"), dir);
    assert.equal(readFileSync(join(dir, "main.wasm"), "utf8"), "first");
    const late = folder("c1.tmp-2", "second");
    publishDir(late, dir);
    assert.equal(readFileSync(join(dir, "main.wasm"), "utf8"), "first");
    assert.ok(!existsSync(late));
  });

  it("replaces a folder without meta.json (interrupted or older), and rethrows other errors", () => {
    const dir = folder("c2", "partial", false);
    publishDir(folder("c2.tmp-1", "complete"), dir);
    assert.equal(readFileSync(join(dir, "main.wasm"), "utf8"), "complete");
    assert.throws(() => publishDir(join(root, "missing.tmp"), join(root, "c3")), /ENOENT/);
  });
});
