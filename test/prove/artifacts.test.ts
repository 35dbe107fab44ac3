import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { commonAncestor, defaultCacheDir, insideNodeModules } from "../../src/circuit/paths.js";
import { getConfig } from "../../src/config/circuits.js";
import { ZkMarginError } from "../../src/errors.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { ARTIFACT_FILES, exportArtifacts, loadArtifacts, type ArtifactsManifest, type ExportResult } from "../../src/prove/artifacts.js";
import { vkeySha256 } from "../../src/prove/bundle.js";
import { isDevKey } from "../../src/prove/devKey.js";
import { proveMargin } from "../../src/prove/prove.js";
import { verifyMargin } from "../../src/prove/verify.js";
import { releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { smallParams } from "../helpers.js";

async function rejects(p: Promise<unknown>, code: string, includes: RegExp): Promise<ZkMarginError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ZkMarginError, `expected a ZkMarginError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, includes);
    return e;
  }
  assert.fail("expected a rejection");
}

describe("artifacts: export, manifest, load (small, INSECURE dev setup)", function () {
  this.timeout(600_000);
  const params = smallParams();
  const config = getConfig("small");
  const book = parsePortfolio({ collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } }, params);
  const tmp = mkdtempSync(join(tmpdir(), "zkm-artifacts-"));
  const out = join(tmp, "small");
  let setup: SetupArtifacts;
  let exported: ExportResult;
  const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
  const copy = (name: string) => {
    const d = join(tmp, name);
    cpSync(out, d, { recursive: true });
    return d;
  };

  before(async () => {
    setup = await setupCircuit(config); // cached
    exported = await exportArtifacts(config, out);
  });
  after(async () => {
    await releaseCurve();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("writes the four files and a manifest naming config, circuit hash, sha256 and size of each, INSECURE", () => {
    assert.deepEqual(readdirSync(out).sort(), ["Groth16Verifier.sol", "final.zkey", "main.wasm", "manifest.json", "verification_key.json"]);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as ArtifactsManifest;
    assert.deepEqual(m, exported.manifest);
    assert.equal(m.zkmarginArtifacts, 1);
    assert.deepEqual(m.config, { name: "small", collateralSlots: 2, positionSlots: 4, groupSlots: 2, statementSlots: 0, optimization: "O2" });
    assert.equal(m.circuitHash, setup.record.circuitHash);
    assert.equal(m.layout, config.layout.name);
    assert.equal(m.nPublic, 4);
    assert.deepEqual(Object.keys(m.files).sort(), Object.values(ARTIFACT_FILES).sort());
    for (const [name, f] of Object.entries(m.files)) {
      assert.equal(f.sha256, sha(join(out, name)), name);
      assert.equal(f.bytes, readFileSync(join(out, name)).length, name);
    }
    assert.equal(m.files["final.zkey"]!.sha256, sha(setup.zkey));
    assert.equal(m.insecure, true);
    assert.equal(isDevKey(JSON.parse(readFileSync(join(out, "verification_key.json"), "utf8"))), true);
    assert.match(m.label, /INSECURE/);
    assert.match(m.versions.snarkjs!, /^\d+\.\d+\.\d+/);
    assert.match(m.versions.circom!, /^2\.\d+\.\d+/);
    assert.match(m.versions.zkmargin!, /^\d+\.\d+\.\d+/);
    assert.ok(!Number.isNaN(Date.parse(m.createdAt)));
  });

  it("loaded from the folder: proves and verifies without the local setup", async () => {
    const a = await loadArtifacts(out);
    assert.equal(a.config, config);
    assert.equal(a.insecure, true);
    assert.equal(a.wasm, join(out, "main.wasm"));
    const r = await proveMargin({ params, portfolio: book, healthBps: 12500, context: 0xabcn, config: a.config, artifacts: a });
    assert.equal(r.bundle.circuitHash, exported.manifest.circuitHash);
    assert.equal(r.bundle.setup.insecure, true);
    assert.equal(r.bundle.setup.vkeySha256, vkeySha256(a.vkeyJson));
    const v = await verifyMargin(r.bundle, a.vkeyJson, { params, context: 0xabcn, minHealthBps: 12500 });
    assert.ok(v.valid, JSON.stringify(v.checks));
    assert.equal(v.insecure, true);
    // a file: URL is a folder too
    assert.equal((await loadArtifacts(pathToFileURL(out).href)).zkey, join(out, "final.zkey"));
  });

  it("loaded from bytes: proves with the wasm and zkey in memory", async () => {
    const bytes = (n: string) => new Uint8Array(readFileSync(join(out, n)));
    const a = await loadArtifacts({
      manifest: bytes("manifest.json"),
      wasm: bytes("main.wasm"),
      zkey: bytes("final.zkey"),
      vkey: bytes("verification_key.json"),
    });
    assert.ok(a.wasm instanceof Uint8Array && a.zkey instanceof Uint8Array);
    assert.equal(typeof a.vkey, "object");
    const r = await proveMargin({ params, portfolio: book, healthBps: 12500, context: 7n, config: a.config, artifacts: a });
    assert.ok((await verifyMargin(r.bundle, a.vkeyJson, { params, context: 7n })).valid);
    // a flipped byte in memory is refused too
    const wasm = bytes("main.wasm");
    wasm[100]! ^= 1;
    await rejects(
      loadArtifacts({ manifest: bytes("manifest.json"), wasm, zkey: bytes("final.zkey"), vkey: bytes("verification_key.json") }),
      "MISMATCH",
      /main\.wasm .*does not match its manifest: sha256/,
    );
  });

  it("loaded from a base URL (http): every file fetched and checked; keyOnly fetches only the key", async () => {
    const served: string[] = [];
    const server: Server = createServer((req, res) => {
      const name = decodeURIComponent(new URL(req.url!, "http://x").pathname).replace(/^\/art\//, "");
      served.push(name);
      try {
        res.end(readFileSync(join(out, name)));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/art`;
      const a = await loadArtifacts(base);
      assert.ok(a.zkey instanceof Uint8Array);
      assert.equal(a.zkey.length, exported.manifest.files["final.zkey"]!.bytes);
      assert.match(a.verifier ?? "", /contract Groth16Verifier/);
      served.length = 0;
      const k = await loadArtifacts(`${base}/`, { keyOnly: true });
      assert.deepEqual(served.sort(), ["manifest.json", "verification_key.json"]);
      assert.equal(k.insecure, true);
      await rejects(loadArtifacts(`${base}/nothing/`), "FILE", /cannot fetch .*manifest\.json: HTTP 404/);
    } finally {
      server.close();
    }
  });

  it("refuses a tampered file, naming it", async () => {
    const d = copy("tampered-zkey");
    const zkey = readFileSync(join(d, "final.zkey"));
    zkey[zkey.length - 10]! ^= 0xff;
    writeFileSync(join(d, "final.zkey"), zkey);
    const e = await rejects(loadArtifacts(d), "MISMATCH", /final\.zkey in .* does not match its manifest: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}.*refusing it/);
    assert.equal(e.path, "final.zkey");
    // keyOnly does not read the zkey: a verifier is not held up by it
    assert.equal((await loadArtifacts(d, { keyOnly: true })).insecure, true);

    const v = copy("tampered-vkey");
    const vk = JSON.parse(readFileSync(join(v, "verification_key.json"), "utf8"));
    vk.IC.reverse();
    writeFileSync(join(v, "verification_key.json"), JSON.stringify(vk, null, 2));
    await rejects(loadArtifacts(v, { keyOnly: true }), "MISMATCH", /verification_key\.json in .* does not match its manifest/);

    const w = copy("truncated-wasm");
    writeFileSync(join(w, "main.wasm"), readFileSync(join(w, "main.wasm")).subarray(1));
    await rejects(loadArtifacts(w), "MISMATCH", /main\.wasm in .* bytes, the manifest says/);
  });

  it("refuses a manifest that calls a dev key secure, one for another circuit shape, and a folder without one", async () => {
    const edit = async (name: string, f: (m: ArtifactsManifest) => void) => {
      const d = copy(name);
      const m = JSON.parse(readFileSync(join(d, "manifest.json"), "utf8")) as ArtifactsManifest;
      f(m);
      writeFileSync(join(d, "manifest.json"), JSON.stringify(m));
      return loadArtifacts(d, { keyOnly: true });
    };
    await rejects(
      edit("lying", (m) => {
        m.insecure = false;
        m.label = "phase-1 file powersOfTau28_hez_final_17.ptau";
      }),
      "FILE",
      /manifest says the setup is secure .* INSECURE dev key/,
    );
    await rejects(edit("shape", (m) => (m.config.positionSlots = 8)), "FILE", /positionSlots 8 in the manifest but 4 in this version/);
    await rejects(edit("unknown", (m) => (m.config.name = "huge")), "FILE", /unknown circuit configuration "huge"/);
    await rejects(edit("version", (m) => ((m as { zkmarginArtifacts: number }).zkmarginArtifacts = 2)), "FILE", /zkmarginArtifacts must be 1/);
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    await rejects(loadArtifacts(empty), "FILE", /holds no manifest\.json: not an artifacts folder .*zkmargin export/);
  });
});

describe("cache dir rule", () => {
  const root = mkdtempSync(join(tmpdir(), "zkm-root-")); // no .git: an installed package
  const env = (e: Record<string, string>) => ({ env: e, root, home: "/home/u" });

  it("$ZKMARGIN_CACHE wins; else the user cache dir of the platform", () => {
    assert.equal(defaultCacheDir({ ...env({ ZKMARGIN_CACHE: "/data/zk" }), platform: "linux" }), "/data/zk");
    assert.equal(defaultCacheDir({ ...env({}), platform: "linux" }), "/home/u/.cache/zkmargin");
    assert.equal(defaultCacheDir({ ...env({ XDG_CACHE_HOME: "/xdg" }), platform: "linux" }), "/xdg/zkmargin");
    assert.equal(defaultCacheDir({ ...env({ XDG_CACHE_HOME: "relative" }), platform: "linux" }), "/home/u/.cache/zkmargin");
    assert.equal(defaultCacheDir({ ...env({ ZKMARGIN_CACHE: "" }), platform: "freebsd" }), "/home/u/.cache/zkmargin");
    assert.equal(defaultCacheDir({ ...env({ XDG_CACHE_HOME: "/xdg" }), platform: "darwin" }), "/home/u/Library/Caches/zkmargin");
    assert.equal(
      defaultCacheDir({ env: { LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" }, root, home: "C:\\Users\\u", platform: "win32" }),
      "C:\\Users\\u\\AppData\\Local\\zkmargin\\Cache",
    );
    assert.equal(defaultCacheDir({ env: {}, root, home: "C:\\Users\\u", platform: "win32" }), "C:\\Users\\u\\AppData\\Local\\zkmargin\\Cache");
  });

  it("a development checkout (.git at its root, not under node_modules) keeps <root>/.cache/zkmargin; an install never writes into node_modules", () => {
    const checkout = mkdtempSync(join(tmpdir(), "zkm-checkout-"));
    mkdirSync(join(checkout, ".git"));
    assert.equal(defaultCacheDir({ env: {}, root: checkout, home: "/home/u", platform: "linux" }), join(checkout, ".cache", "zkmargin"));
    const installed = join(checkout, "node_modules", "zkmargin");
    mkdirSync(join(installed, ".git"), { recursive: true });
    assert.equal(insideNodeModules(installed), true);
    assert.equal(defaultCacheDir({ env: {}, root: installed, home: "/home/u", platform: "linux" }), "/home/u/.cache/zkmargin");
    rmSync(checkout, { recursive: true, force: true });
  });

  it("commonAncestor: the deepest folder holding every path (circom2 runs from there: it cannot open `..` paths)", () => {
    assert.equal(commonAncestor(["/p/node_modules/zkmargin/circuits", "/p/node_modules", "/home/u/.cache/zkmargin/circuits/x.tmp"]), "/");
    assert.equal(commonAncestor(["/p/node_modules/zkmargin/circuits", "/p/node_modules", "/p/.cache/x"]), "/p");
    assert.equal(commonAncestor(["/p/a"]), "/p/a");
    assert.equal(commonAncestor([]), undefined);
  });
});
