import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { repoFile } from "./helpers.js";

// The package's front door: src/index.ts (`zkmargin`) and src/chain/index.ts (`zkmargin/chain`).
// The main entry must never load the chain runtime (@nomicfoundation/edr, solc): checked on the
// static import graph of the sources and by importing the entry in a fresh process.

const ROOT = repoFile("");
const HEAVY = ["@nomicfoundation/edr", "solc"];

const FRONT_DOOR: Record<string, string[]> = {
  "parameters and portfolios": [
    "parseRiskParams",
    "riskParamsToJson",
    "groupInstruments",
    "buildParamsTree",
    "computeParamsRoot",
    "rootFromOpening",
    "riskParamsSchema",
    "portfolioSchema",
    "parsePortfolio",
    "portfolioToJson",
    "buildRiskParams",
    "formatGreeksReport",
    "parseJsonStrict",
    "readJsonFile",
  ],
  engine: [
    "computeMargin",
    "checkHealthBps",
    "parseCreditLimit",
    "checkCreditLimitCents",
    "formatCreditLimit",
    "marginReportJson",
    "formatMarginReport",
    "actualHealthBps",
    "MIN_HEALTH_BPS",
    "MAX_HEALTH_BPS",
    "CREDIT_LIMIT_CENTS_LIMIT",
    "FIELD_MODULUS",
  ],
  configurations: ["CONFIGS", "VERIFIED_CONFIGS", "getConfig", "smallestConfigFor", "fitsConfig", "isVerifiedConfig"],
  setup: ["setupCircuit", "findSetup", "provingArtifacts", "releaseCurve"],
  "proving and verifying": [
    "proveMargin",
    "verifyMargin",
    "parseBundle",
    "packTerms",
    "unpackTerms",
    "vkeySha256",
    "commitPortfolio",
    "randomSalt",
    "checkOpening",
    "makeOpening",
    "isDevKey",
    "checkDevKey",
  ],
  statements: [
    "generateStatementKey",
    "parseStatementKeyFile",
    "statementPublicKey",
    "signStatement",
    "statementMessage",
    "verifyStatement",
    "describeNotCounted",
    "portfolioFromStatements",
    "parseStatement",
    "statementToJson",
    "statementSchema",
    "holdingsFromPortfolioJson",
    "packEntry",
    "unpackEntry",
    "packedEntries",
    "entryChunks",
    "chunkChain",
    "entriesHash",
    "messageOf",
    "statementEntries",
    "statementEntryCount",
    "STATEMENT_DOMAIN",
    "STATEMENT_CHUNK",
    "STATEMENT_MAX_ENTRIES",
    "STATEMENT_FORMAT_VERSION",
  ],
  errors: ["ZkMarginError", "isZkMarginError", "StatementError", "ShortfallError"],
};

const CHAIN: string[] = [
  "compilePoolContracts",
  "deployPool",
  "registryAt",
  "attestationsAt",
  "poolAt",
  "tokenAt",
  "postParams",
  "deriveContext",
  "contextFor",
  "proofCalldata",
  "signPortfolioAttestation",
  "submitAttestation",
  "statusOf",
  "poolAccountOf",
  "borrowFromPool",
  "repayToPool",
  "liquidateAccount",
  "decodeContractError",
  "poolErrorAbis",
  "DEFAULT_POLICY",
  "loadPoolBuild",
  "createEmbeddedChain",
  "ethersProviderFor",
  "devWallets",
  "devAccounts",
  "DEV_MNEMONIC",
  "startRpcServer",
];

// ---------------------------------------------------------------------------------------------
// Static import graph of the TypeScript sources

interface Graph {
  /** Source files reached (absolute), each with the file that first imported it. */
  files: Map<string, string | undefined>;
  /** Packages imported (bare specifiers, by package name), each with the file importing it. */
  packages: Map<string, string>;
}

const BUILTINS = new Set(builtinModules);
const packageName = (spec: string) => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");

/**
 * Runtime import specifiers of a TypeScript source: static imports and re-exports (not type-only),
 * side-effect imports, and literal dynamic imports and require() calls.
 */
function runtimeImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/[^\n]*/g, "$1");
  const specs: string[] = [];
  for (const m of code.matchAll(/^[ \t]*(import|export)\s+(type\s+)?([^;]*?)\bfrom\s*["']([^"']+)["']/gm)) {
    if (!m[2]) specs.push(m[4]!);
  }
  for (const m of code.matchAll(/^[ \t]*import\s*["']([^"']+)["']/gm)) specs.push(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]!);
  // CommonJS loads through createRequire (solc, the EdDSA library): require("literal")
  for (const m of code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]!);
  return specs;
}

function importGraph(entry: string): Graph {
  const files = new Map<string, string | undefined>([[entry, undefined]]);
  const packages = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const spec of runtimeImports(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) {
        const base = resolve(dirname(file), spec);
        const target = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`].find((f) => existsSync(f) && !f.endsWith("/"));
        assert.ok(target, `${relative(ROOT, file)} imports ${spec}, which resolves to no file`);
        if (!files.has(target)) {
          files.set(target, file);
          if (target.endsWith(".ts")) queue.push(target);
        }
      } else if (!spec.startsWith("node:") && !BUILTINS.has(spec)) {
        const name = packageName(spec);
        if (!packages.has(name)) packages.set(name, file);
      }
    }
  }
  return { files, packages };
}

/** How `file` is reached from the entry: entry -> ... -> file. */
function chainOf(g: Graph, file: string): string {
  const path: string[] = [];
  for (let f: string | undefined = file; f; f = g.files.get(f)) path.unshift(relative(ROOT, f));
  return path.join(" -> ");
}

describe("package: front door (src/index.ts as `zkmargin`, src/chain/index.ts as `zkmargin/chain`)", function () {
  this.timeout(180_000);

  it("exports the SDK's verbs, grouped by task", async () => {
    const m = (await import("../src/index.js")) as Record<string, unknown>;
    for (const [group, names] of Object.entries(FRONT_DOOR)) {
      for (const name of names) assert.notEqual(m[name], undefined, `${group}: ${name} is not exported by src/index.ts`);
    }
    assert.equal(typeof m.proveMargin, "function");
    assert.equal((m.getConfig as (n: string) => { name: string })("small").name, "small");
  });

  it("the statements group is everything src/statements/index.ts exports", async () => {
    const front = (await import("../src/index.js")) as Record<string, unknown>;
    const statements = (await import("../src/statements/index.js")) as Record<string, unknown>;
    for (const [name, value] of Object.entries(statements)) assert.equal(front[name], value, name);
  });

  it("zkmargin/chain exports the chain SDK", async () => {
    const m = (await import("../src/chain/index.js")) as Record<string, unknown>;
    for (const name of CHAIN) assert.notEqual(m[name], undefined, `${name} is not exported by src/chain/index.ts`);
  });

  it("the static import graph of src/index.ts reaches no module under src/chain/ and no edr or solc import", () => {
    const g = importGraph(repoFile("src/index.ts"));
    // the walker sees through the re-exports (sanity: these are reached)
    for (const f of ["src/prove/prove.ts", "setup/groth16.ts", "src/statements/verify.ts", "src/errors.ts"]) {
      assert.ok(g.files.has(repoFile(f)), `${f} not reached`);
    }
    assert.ok(g.packages.has("snarkjs"));
    const chain = [...g.files.keys()].filter((f) => relative(repoFile("src/chain"), f).split(/[\\/]/)[0] !== "..");
    assert.deepEqual(chain.map((f) => chainOf(g, f)), [], "src/index.ts reaches src/chain/");
    for (const heavy of HEAVY) {
      const by = g.packages.get(heavy);
      assert.equal(by, undefined, `src/index.ts reaches ${heavy}: ${by ? chainOf(g, by) : ""}`);
    }
    // and the walker does find them from the chain entry
    const c = importGraph(repoFile("src/chain/index.ts"));
    for (const heavy of HEAVY) assert.ok(c.packages.has(heavy), `${heavy} not found from src/chain/index.ts`);
  });

  /** Import `entry` in a fresh Node process; every module URL resolved (ESM) or required (CJS). */
  function loadedBy(entry: string, tsx: boolean): string[] {
    const dir = mkdtempSync(join(tmpdir(), "zkm-front-door-"));
    const log = join(dir, "resolved.log");
    const hook = `data:text/javascript,${encodeURIComponent(
      `import { appendFileSync } from "node:fs";
       export async function resolve(specifier, context, next) {
         const r = await next(specifier, context);
         appendFileSync(${JSON.stringify(log)}, r.url + "\\n");
         return r;
       }`,
    )}`;
    const script = `
      import { register, createRequire } from "node:module";
      register(${JSON.stringify(hook)});
      await import(${JSON.stringify(pathToFileURL(entry).href)});
      const cjs = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify(cjs));`;
    const r = spawnSync(process.execPath, [...(tsx ? ["--import", "tsx"] : []), "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    try {
      assert.equal(r.status, 0, r.stderr);
      const esm = readFileSync(log, "utf8").split("\n").filter(Boolean);
      return [...esm, ...(JSON.parse(r.stdout) as string[])];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const heavyIn = (modules: string[]) =>
    modules.filter((u) => /[\\/]node_modules[\\/](@nomicfoundation[\\/]edr|solc)[\\/]|[\\/]src[\\/]chain[\\/]/.test(decodeURIComponent(u)));

  it("importing src/index.ts in a fresh process loads neither @nomicfoundation/edr nor solc", () => {
    const modules = loadedBy(repoFile("src/index.ts"), true);
    // @noble/hashes: always imported (params/tree.ts); snarkjs loads only when a proof is made with it,
    // poseidon-lite's arities when a hash of that arity is first computed (src/util/lazyRequire.ts).
    assert.ok(modules.some((u) => u.includes("/node_modules/@noble/hashes/")), "the resolve hook saw no @noble/hashes: it did not run");
    assert.deepEqual(heavyIn(modules), []);
    // the same probe does see them through the chain entry
    assert.ok(heavyIn(loadedBy(repoFile("src/chain/index.ts"), true)).some((u) => u.includes("@nomicfoundation")));
  });

  it("the built entry (dist/src/index.js, what `zkmargin` resolves to) loads neither either", function () {
    const built = repoFile("dist/src/index.js");
    if (!existsSync(built)) this.skip(); // `npm test` builds first (pretest)
    assert.deepEqual(heavyIn(loadedBy(built, false)), []);
  });

  it("package.json: exports point at the build outputs of the entries; ethers is a ^6 peer dependency", () => {
    const pkg = JSON.parse(readFileSync(repoFile("package.json"), "utf8"));
    const tsconfig = JSON.parse(readFileSync(repoFile("tsconfig.json"), "utf8"));
    // tsconfig.build.json emits <outDir>/<path relative to rootDir>
    const out = (src: string, ext: string) => `./${join(tsconfig.compilerOptions.outDir, relative(resolve(ROOT, tsconfig.compilerOptions.rootDir), repoFile(src))).replace(/\.ts$/, ext)}`;
    assert.deepEqual(pkg.exports["."], { types: out("src/index.ts", ".d.ts"), default: out("src/index.ts", ".js") });
    assert.deepEqual(pkg.exports["./chain"], { types: out("src/chain/index.ts", ".d.ts"), default: out("src/chain/index.ts", ".js") });
    assert.equal(`./${pkg.main}`, out("src/index.ts", ".js"));
    assert.equal(`./${pkg.types}`, out("src/index.ts", ".d.ts"));
    assert.ok(pkg.files.includes("dist/src") && pkg.files.includes("examples"));
    assert.equal(pkg.peerDependencies?.ethers, "^6");
    assert.equal(pkg.dependencies.ethers, undefined);
    assert.match(pkg.devDependencies.ethers, /^6\.\d+\.\d+$/);
  });

  it("README's 'Use as a library' example is examples/library.ts, and it type-checks against the package's exports", () => {
    const example = readFileSync(repoFile("examples/library.ts"), "utf8");
    const readme = readFileSync(repoFile("README.md"), "utf8");
    const section = readme.split(/^## Use as a library\s*$/m)[1]?.split(/^## /m)[0];
    assert.ok(section, "README has no '## Use as a library' section");
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(block, "the section has no ```ts block");
    assert.ok(example.includes(block), "README's example differs from examples/library.ts");
    assert.match(example, /from "zkmargin"/);
    // tsc with the repo's compiler options; `zkmargin` resolves by package self-reference through
    // package.json `exports` (TypeScript maps ./dist/src/index.d.ts back to src/index.ts).
    const dir = repoFile(".cache/test");
    mkdirSync(dir, { recursive: true });
    const config = join(dir, "tsconfig.library-example.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: repoFile("tsconfig.json"),
        compilerOptions: { noEmit: true },
        files: [repoFile("examples/library.ts"), repoFile("src/types.d.ts")],
      }),
    );
    const tsc = spawnSync(process.execPath, [repoFile("node_modules/typescript/bin/tsc"), "-p", config, "--traceResolution"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const errors = tsc.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
    assert.equal(tsc.status, 0, errors.join("\n") || tsc.stderr);
    assert.match(tsc.stdout, /Module name 'zkmargin' was successfully resolved to '[^']*\/src\/index\.ts'/);
    assert.match(tsc.stdout, /Using 'exports' subpath '\.' with target '\.\/dist\/src\/index\.d\.ts'/);
  });
});
