import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { relative } from "node:path";
import * as esbuild from "esbuild";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { checkMargin, describeParams, parseContextValue, randomContext, verify } from "../../src/browser.js";
import { vkeySha256 } from "../../src/prove/bundle.js";
import { randomSalt } from "../../src/prove/commitment.js";
import { devSecret } from "../../src/prove/devKey.js";
import { DEFAULT_DEV_PTAU_SEED } from "../../setup/devPtau.js";
import { repoFile, throwsZk } from "../helpers.js";

// zkmargin/browser (src/browser.ts) must run in a browser: no Node built-in anywhere in its import
// graph (checked by bundling it for the browser with esbuild), no Node globals (Buffer, process: checked
// by type-checking it without Node's types), and the replacements for node:crypto agree with it.

const ROOT = repoFile("");

/** Bundle an entry for the browser; every Node built-in import found, with its importer. */
async function bundleForBrowser(entry: string): Promise<{ builtins: string[]; errors: string[]; inputs: string[] }> {
  const builtins: string[] = [];
  const noNode: esbuild.Plugin = {
    name: "no-node-builtins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        builtins.push(`${args.path} (imported by ${relative(ROOT, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
  try {
    const r = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      outdir: "out",
      metafile: true,
      logLevel: "silent",
      plugins: [noNode],
    });
    return { builtins, errors: [], inputs: Object.keys(r.metafile.inputs) };
  } catch (e) {
    const errors = ((e as { errors?: esbuild.Message[] }).errors ?? [{ text: String(e) } as esbuild.Message]).map(
      (m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ""}${m.text}`,
    );
    return { builtins, errors, inputs: [] };
  }
}

describe("browser entry (zkmargin/browser): no Node built-ins", function () {
  this.timeout(120_000);

  it("bundles for the browser (esbuild, platform browser) with no Node built-in in its import graph", async () => {
    const r = await bundleForBrowser("src/browser.ts");
    assert.deepEqual(r.errors, [], "esbuild could not bundle src/browser.ts for the browser");
    assert.deepEqual(r.builtins, [], "src/browser.ts reaches Node built-ins");
    // snarkjs's browser build (its package.json "browser" condition), and nothing Node-only of ours.
    assert.ok(r.inputs.includes("node_modules/snarkjs/build/browser.esm.js"), "snarkjs's browser build is not the one bundled");
    for (const f of ["src/prove/prove.ts", "src/prove/artifacts.ts", "setup/groth16.ts", "setup/devPtau.ts", "src/util/json.ts", "src/statements/eddsa.ts"]) {
      assert.ok(!r.inputs.includes(f), `${f} (Node-only) is in the browser bundle`);
    }
    for (const f of ["src/prove/core.ts", "src/prove/verify.ts", "src/prove/devKey.ts", "src/prove/artifactsCore.ts"]) {
      assert.ok(r.inputs.includes(f), `${f} not reached (the walk is broken)`);
    }
  });

  it("the check catches a Node built-in (sanity: the Node prover does import them)", async () => {
    const r = await bundleForBrowser("src/prove/prove.ts");
    assert.ok(r.builtins.some((b) => b.startsWith("node:fs")), JSON.stringify(r));
  });

  it("the entry and the example page type-check without Node's types (no Buffer, process, require)", () => {
    const tsc = spawnSync(process.execPath, [repoFile("node_modules/typescript/bin/tsc"), "-p", repoFile("examples/browser/tsconfig.json")], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it("hashes and randomness without node:crypto agree with it", () => {
    const vkey = { protocol: "groth16", curve: "bn128", nPublic: 4, note: "ünïcode ✓" };
    assert.equal(vkeySha256(vkey), createHash("sha256").update(JSON.stringify(vkey)).digest("hex"));
    for (const label of ["alpha", "beta"] as const) {
      let expected = 0n;
      for (let ctr = 0; ; ctr++) {
        const d = createHash("sha512").update(`zkmargin dev ptau|${label}|${ctr}|${DEFAULT_DEV_PTAU_SEED}`).digest("hex");
        expected = BigInt(`0x${d}`) % 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
        if (expected !== 0n) break;
      }
      assert.equal(devSecret(DEFAULT_DEV_PTAU_SEED, label), expected);
    }
    const salts = new Set(Array.from({ length: 64 }, () => randomSalt()));
    assert.equal(salts.size, 64);
    for (const s of salts) assert.ok(s >= 0n && s < FIELD_MODULUS);
    assert.ok([...salts].some((s) => s >= 1n << 250n), "salts should use the full 254 bits");
    const c = randomContext();
    assert.match(c, /^0x00[0-9a-f]{62}$/);
    assert.ok(parseContextValue(c) < FIELD_MODULUS);
  });

  it("parses the page's inputs as the CLI does (context, credit limit, strict JSON)", async () => {
    assert.equal(parseContextValue("0x1f"), 31n);
    assert.equal(parseContextValue("42"), 42n);
    throwsZk(() => parseContextValue("0xzz"), "ARGUMENT", "context");
    throwsZk(() => parseContextValue(FIELD_MODULUS.toString()), "OUT_OF_RANGE", "context");
    const params = readFileSync(repoFile("examples/params.json"), "utf8");
    const book = readFileSync(repoFile("examples/hedged-book.json"), "utf8");
    const d = describeParams(params);
    assert.match(d.paramsRoot, /^0x[0-9a-f]{64}$/);
    assert.deepEqual(d.assets, ["USDC", "USDT", "ETH", "WBTC", "stETH"]);
    const r = checkMargin({ params, portfolio: book, healthBps: 12500, creditLimit: "15000" });
    assert.equal(r.ok, true);
    assert.equal(r.creditLimit, "15000.00000000");
    assert.equal(checkMargin({ params, portfolio: book, healthBps: 12500, creditLimit: "30000" }).ok, false);
    throwsZk(() => checkMargin({ params, portfolio: book, healthBps: 12500, creditLimit: "1.005" }), "DECIMAL_PRECISION", "creditLimit");
    throwsZk(() => checkMargin({ params, portfolio: '{"collateral": {"USDC": "1", "USDC": "2"}}', healthBps: 12500 }), "DUPLICATE_KEY", "collateral.USDC");
    await assert.rejects(verify("{}", {}), /not a zkmargin Groth16 verification key|proof bundle/);
  });
});
