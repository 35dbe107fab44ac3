import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { cacheDir } from "../../src/circuit/paths.js";
import { repoFile } from "../helpers.js";

// "Works when installed": the cache location, `verify` without a local setup (asks for --vkey, never
// compiles), `export` and proving/verifying from exported artifacts with an empty cache. In-process
// (runCli, what bin/zkmargin.js calls); ZKMARGIN_CACHE is switched per test and restored.
async function zk(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s.endsWith("\n") ? s : `${s}\n`), err: (s) => (err += s.endsWith("\n") ? s : `${s}\n`) });
  return { code, out, err };
}
const PARAMS = repoFile("examples/params.json");
const BOOK = repoFile("examples/hedged-book.json");

describe("cli: works when installed (cache dir, verify without setup, export/--artifacts)", function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "zkm-cli-install-"));
  const proof = join(dir, "proof.json");
  const art = join(dir, "artifacts");
  const empty = join(dir, "empty-cache");
  const saved = process.env.ZKMARGIN_CACHE;
  let sharedCache: string;
  const withCache = async <T>(cache: string, f: () => Promise<T>): Promise<T> => {
    process.env.ZKMARGIN_CACHE = cache;
    try {
      return await f();
    } finally {
      if (saved === undefined) delete process.env.ZKMARGIN_CACHE;
      else process.env.ZKMARGIN_CACHE = saved;
    }
  };
  const emptyCacheUntouched = () => assert.ok(!existsSync(empty) || readdirSync(empty).length === 0, `the cache ${empty} was written to: ${existsSync(empty) ? readdirSync(empty).join(", ") : ""}`);

  before(async () => {
    sharedCache = cacheDir(); // the repository's cache (dev checkout rule, or ZKMARGIN_CACHE): small's setup is there
    const r = await zk("prove", "--params", PARAMS, "--portfolio", BOOK, "--health-bps", "12500", "--context", "0x77", "--config", "small", "-o", proof);
    assert.equal(r.code, 0, r.out + r.err);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("setup prints where the artifacts are cached", async () => {
    const r = await zk("setup", "--config", "small");
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes(`  cache         ${sharedCache} (ZKMARGIN_CACHE overrides`), r.out);
    assert.equal(JSON.parse((await zk("setup", "--config", "small", "--json")).out).cacheDir, sharedCache);
  });

  it("verify with an empty cache and no --vkey fails fast asking for --vkey, and compiles nothing", async () => {
    const t = performance.now();
    const r = await withCache(empty, () => zk("verify", proof));
    const ms = performance.now() - t;
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /error: (--vkey: )?no local setup for the "small" circuit [0-9a-f]{12} the bundle was made with \(looked in .*empty-cache\); pass --vkey <verification_key\.json>/);
    assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
    emptyCacheUntouched();
  });

  it("verify --vkey works with an empty cache; a key that is not the bundle's is named (and the proof fails)", async () => {
    const vkeyFile = JSON.parse((await zk("setup", "--config", "small", "--json")).out).vkey as string;
    const r = await withCache(empty, () => zk("verify", proof, "--vkey", vkeyFile, "--params", PARAMS, "--context", "0x77"));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^VALID/m);
    assert.ok(!/is not the key the bundle was made with/.test(r.err), r.err);
    const other = JSON.parse(readFileSync(vkeyFile, "utf8"));
    other.IC = [other.IC[1], other.IC[0], ...other.IC.slice(2)];
    const otherFile = join(dir, "other-vkey.json");
    writeFileSync(otherFile, JSON.stringify(other));
    const bad = await withCache(empty, () => zk("verify", proof, "--vkey", otherFile));
    assert.equal(bad.code, 1, bad.out + bad.err);
    assert.match(bad.err, /warning: the verification key .*other-vkey\.json \(sha256 [0-9a-f]{16}\.\.\.\) is not the key the bundle was made with \(setup\.vkeySha256 [0-9a-f]{16}\.\.\.\)/);
    emptyCacheUntouched();
  });

  it("export --config small --out <dir> writes the artifacts and their manifest", async () => {
    const r = await zk("export", "--config", "small", "--out", art);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /exported the INSECURE dev "small" artifacts to /);
    assert.match(r.out, /final\.zkey +\d+\.\d MB  sha256 [0-9a-f]{64}/);
    const j = JSON.parse((await zk("export", "--config", "small", "--out", art, "--json")).out);
    assert.equal(j.manifest.config.name, "small");
    assert.equal(j.manifest.insecure, true);
    assert.deepEqual(readdirSync(art).sort(), ["Groth16Verifier.sol", "final.zkey", "main.wasm", "manifest.json", "verification_key.json"]);
    assert.equal(JSON.parse(readFileSync(proof, "utf8")).circuitHash, j.manifest.circuitHash);
  });

  it("with an empty cache: prove --artifacts and verify --artifacts need no setup and compile nothing", async () => {
    const p2 = join(dir, "proof2.json");
    const r = await withCache(empty, () =>
      zk("prove", "--params", PARAMS, "--portfolio", BOOK, "--health-bps", "12500", "--context", "0x88", "--artifacts", art, "-o", p2),
    );
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /with the "small" circuit/);
    for (const f of [p2, proof]) {
      const v = await withCache(empty, () => zk("verify", f, "--artifacts", art, "--params", PARAMS));
      assert.equal(v.code, 0, v.out + v.err);
      assert.match(v.out, /^VALID/m);
      assert.match(v.out, /^INSECURE/m);
    }
    emptyCacheUntouched();
  });

  it("--artifacts refuses another configuration, another circuit, and a tampered file", async () => {
    const r = await withCache(empty, () =>
      zk("prove", "--params", PARAMS, "--portfolio", BOOK, "--health-bps", "12500", "--context", "1", "--artifacts", art, "--config", "standard"),
    );
    assert.equal(r.code, 2);
    assert.match(r.err, /are for the "small" circuit, not "standard"/);
    const b = JSON.parse(readFileSync(proof, "utf8"));
    b.circuitHash = "0".repeat(64);
    const other = join(dir, "other-circuit.json");
    writeFileSync(other, JSON.stringify(b));
    const v = await withCache(empty, () => zk("verify", other, "--artifacts", art));
    assert.equal(v.code, 2);
    assert.match(v.err, /are for the "small" circuit [0-9a-f]{12}; the bundle was made with "small" 000000000000/);
    const both = await zk("verify", proof, "--artifacts", art, "--vkey", join(art, "verification_key.json"));
    assert.equal(both.code, 2);
    assert.match(both.err, /give --vkey or --artifacts, not both/);
    const vk = join(art, "verification_key.json");
    writeFileSync(vk, readFileSync(vk, "utf8").replace(/\n/g, "\n "));
    const t = await withCache(empty, () => zk("verify", proof, "--artifacts", art));
    assert.equal(t.code, 2);
    assert.match(t.err, /verification_key\.json in .* does not match its manifest/);
    emptyCacheUntouched();
  });
});
