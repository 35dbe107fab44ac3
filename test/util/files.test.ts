import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/util/files.js";
import { ZkMarginError } from "../../src/errors.js";

const modeOf = (f: string) => statSync(f).mode & 0o777;

describe("util: writeFileAtomic", () => {
  const dir = mkdtempSync(join(tmpdir(), "zkm-files-"));

  it("writes the content and leaves no temp file", () => {
    const f = join(dir, "plain.json");
    writeFileAtomic(f, "{}\n");
    assert.equal(readFileSync(f, "utf8"), "{}\n");
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes(".tmp-")), []);
  });

  it("mode 0o600 (private files: openings, keys) gives exactly 0600, whatever the umask", () => {
    const f = join(dir, "opening.json");
    const old = process.umask(0);
    try {
      writeFileAtomic(f, "secret\n", { mode: 0o600 });
    } finally {
      process.umask(old);
    }
    assert.equal(modeOf(f), 0o600);
    assert.equal(readFileSync(f, "utf8"), "secret\n");
  });

  it("replacing a world-readable file makes it 0600 too", () => {
    const f = join(dir, "replaced.json");
    writeFileSync(f, "old\n", { mode: 0o644 });
    writeFileAtomic(f, "new\n", { mode: 0o600 });
    assert.equal(modeOf(f), 0o600);
    assert.equal(readFileSync(f, "utf8"), "new\n");
  });

  it("a file it cannot write is a FILE error naming it", () => {
    const f = join(dir, "no-such-dir", "x.json");
    assert.throws(() => writeFileAtomic(f, "x", { mode: 0o600 }), (e: unknown) => e instanceof ZkMarginError && e.code === "FILE" && e.message.includes("no-such-dir"));
  });
});
