import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheDir } from "../../src/circuit/paths.js";
import { repoFile } from "../helpers.js";

// `npm run demo` (scripts/demo.js, over dist/: `npm test` builds it first) as a user sees it: on a
// terminal when `script` (util-linux) can give it one, where the long steps would print progress.
// Its output is short, shows once what the verifier receives (every field of the bundle it wrote)
// next to what stayed private (the opening's salt and holdings), and has none of snarkjs's logging.
// The setups come from the repository's cache (the demo makes them when missing: minutes); the
// embedded chain's state goes to a cache folder of its own.

const ROOT = repoFile("");

describe("npm run demo: short, readable, shows what the verifier receives and what stays private", function () {
  this.timeout(1_800_000);
  let dir = "";
  let output = "";
  let exit: number | null = null;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkm-demo-"));
    const cache = join(dir, "cache");
    mkdirSync(cache);
    for (const sub of ["circuits", "ptau", "setup", "contracts"]) {
      mkdirSync(join(cacheDir(), sub), { recursive: true });
      symlinkSync(join(cacheDir(), sub), join(cache, sub));
    }
    const env: NodeJS.ProcessEnv = { ...process.env, ZKMARGIN_CACHE: cache };
    delete env.CI; // a user's terminal: progress would be on
    delete env.ZKMARGIN_PROGRESS;
    const demo = `${JSON.stringify(process.execPath)} scripts/demo.js`;
    const tty = spawnSync("script", ["--version"]).status === 0;
    const child = tty ? spawn("script", ["-qec", demo, "/dev/null"], { cwd: ROOT, env }) : spawn(process.execPath, ["scripts/demo.js"], { cwd: ROOT, env });
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    exit = await new Promise((resolve) => child.on("close", resolve));
    output = output.replace(/\r\n/g, "\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs to its summary in under 260 lines", () => {
    assert.equal(exit, 0, output);
    assert.match(output, /^== Summary at 12,500 bps ==$/m, output);
    for (const book of ["hedged-book", "naked-short-calls", "concentrated-collateral", "pair-trade", "cross-hedge"]) {
      assert.match(output, new RegExp(`^ {2}(PASS|FAIL) {2}examples/${book}\\.json$`, "m"));
    }
    const lines = output.trimEnd().split("\n").length;
    assert.ok(lines < 260, `the demo printed ${lines} lines:\n${output}`);
  });

  it("has no snarkjs logging (hash dumps) and no progress lines", () => {
    assert.doesNotMatch(output, /\t\t[0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}/);
    assert.doesNotMatch(output, /(Circuit|Contribution) [Hh]ash:/);
    assert.doesNotMatch(output, /: done in [\d.]+ s$/m);
  });

  it("shows once every field of the bundle the verifier receives, and apart from it the opening's salt and holdings", () => {
    const bundle = JSON.parse(readFileSync(repoFile(".cache/demo/proof.json"), "utf8")) as Record<string, unknown>;
    const opening = JSON.parse(readFileSync(repoFile(".cache/demo/opening.json"), "utf8")) as { salt: string };
    assert.equal(output.match(/^PUBLIC: /gm)?.length, 1, "one PUBLIC block");
    const [, pub = "", priv = ""] = /^PUBLIC: [^\n]*\n((?: {2}.*\n)+)PRIVATE: [^\n]*\n((?: {2}.*\n)+)/m.exec(output) ?? [];
    assert.ok(pub && priv, `no PUBLIC block followed by a PRIVATE block:\n${output}`);
    for (const key of Object.keys(bundle)) assert.match(pub, new RegExp(`^ {2}${key} `, "m"), `the bundle's ${key} is not shown:\n${pub}`);
    assert.equal(pub.trimEnd().split("\n").length, Object.keys(bundle).length, `one line per field of the bundle:\n${pub}`);
    assert.match(pub, new RegExp(`^ {2}healthBps +12500\\b`, "m"));
    assert.ok(priv.includes(opening.salt), `the opening's salt is not in the PRIVATE block:\n${priv}`);
    assert.ok(!pub.includes(opening.salt.slice(2, 14)), "the salt is in the PUBLIC block");
    assert.match(priv, /^ {2}collateral +60000 USDC, 5 ETH$/m);
    assert.match(priv, /^ {2}positions +480 ETH-PERP, 450 ETH-26DEC26-2600-P, -900 ETH-26DEC26-3000-C, 360 ETH-26MAR27-3500-C$/m);
  });
});
