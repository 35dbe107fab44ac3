import { strict as assert } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import { circuitHash } from "../../src/circuit/compile.js";
import { cacheDir } from "../../src/circuit/paths.js";
import { getConfig } from "../../src/config/circuits.js";
import { nativeProverStatus } from "../../src/prove/native.js";
import { repoFile } from "../helpers.js";

// The package as a consumer gets it: `npm pack` (dist/ is already built by `pretest`), installed
// from the tarball into a fresh project beside the consumer's own ethers v6, TypeScript and
// @types/node; the CLI driven with `npx` from there (setup, a `chain node` in the background,
// deploy, post-params, status); and a consumer program (app.mts, copied as consumer.ts) that uses
// only the package's public entry points, type-checked with the consumer's TypeScript in strict mode
// (library checks on), compiled and run with node: it proves a book from the package's examples,
// verifies it with the SDK, submits it through ethers and reads the attestation back through the
// typed factories. Two TypeScripts: 5.9 and 7 (what `npm install typescript` gives now; installed
// under the alias typescript7), each checking the package's declarations entry point by entry point
// with no @types/node, and README's "Use as a library" program, taken from the installed README
// with its tsconfig.json, compiled and run as README says. Each command's stdout and stderr are in
// the failure message.
const ROOT = repoFile("");
const HEALTH_BPS = 12500;
const CREDIT_LIMIT_CENTS = "1500000"; // app.mts proves 15,000.00 USD

interface PackFile {
  path: string;
  size: number;
}

describe("consumer: the packed package installed into a fresh project (TypeScript strict, ethers, CLI, chain node)", function () {
  this.timeout(600_000);
  let work = "";
  let proj = "";
  let deployment = "";
  const timings: string[] = [];
  let failed = false;
  let tarball: string | undefined;
  let installed = false;
  let rpc: string | undefined;
  let node: ChildProcess | undefined;
  let appOut: { ok: boolean; account: string; commitment: string; creditLimitCents: string } | undefined;

  // The consumer's environment: no npm lifecycle variables of the repository's `npm test` (they
  // would point npm at this package), no repository bin folders on PATH (every tool must come from
  // the consumer's node_modules) and the repository's cache (below). The install skips the native
  // prover's build (`ZKMARGIN_NATIVE=off` for `npm install` only: the build is tested in
  // test/native/; this keeps the install fast); when the repository's own build is there, it is
  // copied where the install would have built it, so the consumer's programs prove natively, as
  // they do after a normal install (snarkjs's path is tested in test/prove/prover-choice.test.ts).
  const env: NodeJS.ProcessEnv = {};
  const keepNpm = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig", "npm_config_globalconfig"]);
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !keepNpm.has(k.toLowerCase())) continue;
    if (k === "INIT_CWD") continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((p) => !p.startsWith(ROOT) && !/[\\/]node_modules[\\/]\.bin$/.test(p))
    .join(delimiter);
  delete env.ZKMARGIN_NATIVE;
  delete env.ZKMARGIN_NATIVE_DIR;
  env.CI = "1";
  // The repository's cache (the dev checkout's .cache/zkmargin, or ZKMARGIN_CACHE), so the installed
  // package reuses the `small` setup made by the other tests instead of a 5-10 minute compile and
  // setup: the tarball ships the same circuit sources and npm resolves the same circom2 and
  // circomlib, so the circuit hash (and the setup's folder) is the same. Without a cached setup
  // `zkmargin setup` makes one here (slower, still correct).
  env.ZKMARGIN_CACHE = cacheDir();

  /** Runs a command (in the project by default); resolves with its output, rejects with the command, exit status, stdout and stderr. */
  const run = (label: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ out: string; err: string; seconds: number }> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const cwd = opts.cwd ?? proj;
      const child = spawn(cmd, args, { cwd, env: { ...env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      let settled = false;
      const done = (status: string | undefined) => {
        if (settled) return;
        settled = true;
        const seconds = (performance.now() - t0) / 1000;
        timings.push(`${label} ${seconds.toFixed(1)} s`);
        if (status === undefined) resolve({ out, err, seconds });
        else reject(new Error(`${label}: \`${cmd} ${args.join(" ")}\` (in ${cwd}) ${status} after ${seconds.toFixed(1)} s\n--- stdout ---\n${out}\n--- stderr ---\n${err}`));
      };
      child.on("error", (e) => done(`could not start: ${e.message}`));
      child.on("close", (code, signal) => done(code === 0 ? undefined : `exited ${code ?? ""}${signal ? ` (signal ${signal})` : ""}`));
    });
  const zkmargin = (label: string, ...args: string[]) => run(label, "npx", ["--no", "--", "zkmargin", ...args]);
  // The consumer's two TypeScripts: `tsc` is 5.9; TypeScript 7 (a native compiler behind a node
  // launcher) is the alias typescript7, whose `tsc` bin the first one's shadows.
  const tsc = (version: 5 | 7, label: string, args: string[], cwd?: string) =>
    version === 5
      ? run(label, "npx", ["--no", "--", "tsc", ...args], { cwd })
      : run(label, process.execPath, [join(proj, "node_modules", "typescript7", "bin", "tsc"), ...args], { cwd });
  /** The first fenced block of a language in README's "Use as a library" section (the installed README's). */
  const readmeBlock = (lang: string): string => {
    const readme = readFileSync(join(proj, "node_modules", "zkmargin", "README.md"), "utf8");
    const section = readme.split(/^## Use as a library\s*$/m)[1]?.split(/^## /m)[0];
    assert.ok(section, "the installed README has no '## Use as a library' section");
    const block = new RegExp(`^\`\`\`${lang}\n([\\s\\S]*?)^\`\`\`$`, "m").exec(section)?.[1];
    assert.ok(block, `README's "Use as a library" has no \`\`\`${lang} block`);
    return block;
  };
  const json = (label: string, text: string): any => {
    try {
      return JSON.parse(text);
    } catch {
      assert.fail(`${label}: stdout is not one JSON document:\n${text}`);
    }
  };

  before(() => {
    work = mkdtempSync(join(tmpdir(), "zkm-consumer-"));
    proj = join(work, "project");
    deployment = join(proj, "deployment.json");
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });
  after(async function () {
    if (node?.pid !== undefined && node.exitCode === null) {
      const exited = new Promise((r) => node!.once("exit", r));
      try {
        process.kill(-node.pid, "SIGTERM"); // its process group: npx and the node under it
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    console.log(`      consumer test: ${timings.join(", ")}`);
    if (failed) console.log(`      consumer test: kept ${work} for inspection`);
    else if (work) rmSync(work, { recursive: true, force: true });
  });

  it("npm pack ships what a consumer needs (dist, ABIs, circuits, contracts, examples, native sources) and nothing else", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    assert.ok(existsSync(join(ROOT, "dist/src/index.js")), "dist/ is not built (npm test builds it in pretest; alone: npm run build)");
    const r = await run("npm pack", "npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: ROOT });
    const [info] = json("npm pack", r.out) as Array<{ filename: string; files: PackFile[]; unpackedSize: number }>;
    assert.ok(info, r.out);
    tarball = join(work, info.filename);
    assert.ok(existsSync(tarball), `no ${tarball}`);
    const files = new Set(info.files.map((f) => f.path));
    const has = (p: string) => files.has(p);
    const under = (dir: string) => info.files.some((f) => f.path.startsWith(`${dir}/`));
    const list = () => [...files].sort().join("\n");

    const expected = [
      "package.json",
      "README.md",
      "LICENSE",
      "bin/zkmargin.js",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/chain/index.js",
      "dist/src/chain/index.d.ts",
      "dist/src/chain/node-main.js",
      "dist/src/browser.js",
      "dist/src/cli/main.js",
      "dist/setup/groth16.js",
      "dist/abi/index.js",
      "dist/abi/index.d.ts",
      "dist/abi/factories.js",
      "dist/abi/factories.d.ts",
      "dist/abi/MarginAttestations.json",
      "circuits/README.md",
      "contracts/MarginAttestations.sol",
      "contracts/RiskParamsRegistry.sol",
      "contracts/interfaces/IMarginAttestations.sol",
      "examples/params.json",
      "examples/hedged-book.json",
      "docs/model.md",
    ];
    for (const f of expected) assert.ok(has(f), `the tarball lacks ${f}; it has:\n${list()}`);
    assert.ok(info.files.some((f) => /^circuits\/.+\.circom$/.test(f.path)), `no circuits/*.circom in the tarball:\n${list()}`);
    // The native prover builds on install from its sources (scripts/build-native.mjs).
    assert.ok(has("scripts/build-native.mjs"), `the tarball lacks scripts/build-native.mjs:\n${list()}`);
    assert.ok(info.files.some((f) => /^native\/src\/.+\.cpp$/.test(f.path)), `the tarball lacks native/src/*.cpp:\n${list()}`);
    for (const script of ["install", "preinstall", "postinstall"]) {
      const m = /^node (\S+)/.exec(pkg.scripts?.[script] ?? "");
      if (m) assert.ok(has(m[1]!), `the "${script}" script runs ${m[1]}, which the tarball lacks`);
    }

    // Every target package.json points a consumer at is in the tarball.
    const targets: string[] = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)];
    const walk = (v: unknown): void => {
      if (typeof v === "string") targets.push(v);
      else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(pkg.exports);
    for (const t of targets) {
      const p = t.replace(/^\.\//, "");
      if (p.includes("*")) {
        const [pre, post] = p.split("*") as [string, string];
        assert.ok(info.files.some((f) => f.path.startsWith(pre) && f.path.endsWith(post)), `no file in the tarball matches the export target ${t}`);
      } else assert.ok(has(p), `the export/bin target ${t} is not in the tarball`);
    }

    for (const dir of [".cache", "test", "build", "native/build", "node_modules", "src", "setup", "bench", ".ci", ".git"]) {
      assert.ok(!under(dir), `the tarball ships ${dir}/: ${info.files.filter((f) => f.path.startsWith(`${dir}/`)).slice(0, 5).map((f) => f.path).join(", ")}`);
    }
    assert.ok(info.unpackedSize < 20e6, `the package unpacks to ${(info.unpackedSize / 1e6).toFixed(1)} MB`);
  });

  it("installs from the tarball into a fresh project beside ethers v6, TypeScript 5.9 and 7 and @types/node", async () => {
    assert.ok(tarball, "no tarball: the pack step failed");
    mkdirSync(proj, { recursive: true });
    writeFileSync(join(proj, "package.json"), `${JSON.stringify({ name: "zkmargin-consumer", type: "module", private: true }, null, 2)}\n`);
    // npm's cache is warm after `npm ci` in the repository: --prefer-offline skips revalidating it.
    await run("npm install", "npm", [
      "install",
      tarball,
      "ethers@6",
      "typescript@~5.9",
      "typescript7@npm:typescript@^7",
      "@types/node@20",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
    ], { env: { ZKMARGIN_NATIVE: "off" } });
    const native = nativeProverStatus();
    if (native.available) {
      const to = join(proj, "node_modules", "zkmargin", "native", "build");
      mkdirSync(to, { recursive: true });
      for (const f of [basename(native.binary!), "status.json"]) copyFileSync(join(dirname(native.binary!), f), join(to, f));
    }
    // ethers is a peer dependency: one copy, the consumer's, so the SDK takes the consumer's
    // providers, wallets and contracts (and their types) as its own.
    const ls = await run("npm ls", "npm", ["ls", "ethers", "--all", "--parseable"]);
    assert.deepEqual(ls.out.trim().split("\n"), [join(proj, "node_modules", "ethers")], `more than one ethers installed:\n${ls.out}`);
    for (const d of ["dist", "circuits", "contracts", "examples", "bin"]) assert.ok(existsSync(join(proj, "node_modules/zkmargin", d)), `node_modules/zkmargin/${d} missing`);
    installed = true;
  });

  it("the CLI from the project: setup --config small (cached), chain node, chain deploy, chain post-params", async () => {
    assert.ok(installed, "not installed: an earlier step failed");
    const setup = json("setup", (await zkmargin("zkmargin setup", "setup", "--config", "small", "--json")).out);
    assert.equal(setup.config, "small");
    assert.equal(setup.insecure, true);
    assert.equal(setup.cacheDir, env.ZKMARGIN_CACHE);
    const repoHash = circuitHash(getConfig("small"));
    if (setup.circuitHash !== repoHash) {
      // Not a failure: npm resolved another circom2 or circomlib than the repository's lock file, so
      // the installed package made its own setup (the time above).
      console.log(`      note: the installed package's small circuit ${String(setup.circuitHash).slice(0, 12)} is not the repository's ${repoHash.slice(0, 12)}`);
    }

    // `zkmargin chain node` on a free port, in the background (its own process group, killed in
    // after()); its output goes to a file, so nothing blocks on a full pipe.
    const log = join(work, "chain-node.log");
    const fd = openSync(log, "w");
    node = spawn("npx", ["--no", "--", "zkmargin", "chain", "node", "--port", "0"], { cwd: proj, env, stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    const t0 = performance.now();
    rpc = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const text = readFileSync(log, "utf8");
        const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
        if (m) {
          clearInterval(timer);
          resolve(m[1]!);
        } else if (node!.exitCode !== null || performance.now() - t0 > 60_000) {
          clearInterval(timer);
          reject(new Error(`\`npx zkmargin chain node --port 0\` ${node!.exitCode !== null ? `exited ${node!.exitCode}` : "did not start in 60 s"}; its output:\n${text}`));
        }
      }, 100);
    });
    timings.push(`chain node ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const onNode = (cmd: string, ...args: string[]) => zkmargin(`zkmargin chain ${cmd}`, "chain", cmd, ...args, "--rpc", rpc!, "--deployment", deployment, "--json");
    const dep = json("chain deploy", (await onNode("deploy")).out);
    assert.equal(dep.chainId, 31337);
    assert.equal(dep.config, "small");
    assert.equal(dep.circuitHash, setup.circuitHash);
    assert.ok(existsSync(deployment), `chain deploy wrote no ${deployment}`);
    const post = json("chain post-params", (await onNode("post-params", "node_modules/zkmargin/examples/params.json")).out);
    assert.equal(post.epoch, 7);
    assert.match(post.paramsRoot, /^0x[0-9a-f]{64}$/);
  });

  it("consumer.ts type-checks (strict, nodenext) under the consumer's TypeScript 5.9 and 7 and compiles", async () => {
    assert.ok(installed, "not installed: an earlier step failed");
    copyFileSync(repoFile("test/consumer/app.mts"), join(proj, "consumer.ts"));
    writeFileSync(
      join(proj, "tsconfig.json"),
      `${JSON.stringify(
        {
          compilerOptions: {
            strict: true,
            noUncheckedIndexedAccess: true,
            module: "nodenext",
            moduleResolution: "nodenext",
            target: "es2022",
            resolveJsonModule: true,
            skipLibCheck: false, // the package's .d.ts files are checked too
            types: ["node"], // consumer.ts's own node:fs, process, ...: TypeScript 7 includes no @types unless listed
            noEmitOnError: true,
            outDir: "out",
          },
          files: ["consumer.ts"],
        },
        null,
        2,
      )}\n`,
    );
    const v = await tsc(5, "tsc --version", ["--version"]);
    assert.match(v.out, /^Version 5\.9\./, v.out);
    const v7 = await tsc(7, "tsc 7 --version", ["--version"]);
    assert.match(v7.out, /^Version 7\./, v7.out);
    await tsc(7, "tsc 7", ["-p", ".", "--noEmit"]);
    await tsc(5, "tsc", ["-p", "."]);
    assert.ok(existsSync(join(proj, "out/consumer.js")));
  });

  it("the package's type declarations check without @types/node, entry point by entry point (TypeScript 7), and all at once under TypeScript 5.9", async () => {
    assert.ok(installed, "not installed: an earlier step failed");
    // One program per entry point: zkmargin/chain's declarations bring ethers', which reference
    // @types/node and would hide a missing reference in another entry point's. That is a property
    // of the declarations, not of the compiler: TypeScript 7 (native, about 1 s a program) checks
    // each entry alone; TypeScript 5.9 (3-8 s a program) checks every declaration once, in one
    // program of all the entries.
    const dir = join(proj, "types-only");
    mkdirSync(dir, { recursive: true });
    const entries = ["zkmargin", "zkmargin/browser", "zkmargin/abi", "zkmargin/factories", "zkmargin/chain", "zkmargin/agent"];
    const compilerOptions = { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", types: [], skipLibCheck: false, noEmit: true };
    for (const [i, entry] of entries.entries()) {
      writeFileSync(join(dir, `entry${i}.ts`), `import * as entry from "${entry}";\nexport const names: string[] = Object.keys(entry);\n`);
      writeFileSync(join(dir, `tsconfig.entry${i}.json`), `${JSON.stringify({ compilerOptions, files: [`entry${i}.ts`] }, null, 2)}\n`);
    }
    writeFileSync(join(dir, "tsconfig.all.json"), `${JSON.stringify({ compilerOptions, files: entries.map((_, i) => `entry${i}.ts`) }, null, 2)}\n`);
    const failures: string[] = [];
    for (const [i, entry] of entries.entries()) {
      await tsc(7, `tsc 7 ${entry}`, ["-p", `tsconfig.entry${i}.json`], dir).catch((e: Error) => failures.push(e.message));
    }
    await tsc(5, "tsc 5 (every entry point)", ["-p", "tsconfig.all.json"], dir).catch((e: Error) => failures.push(e.message));
    assert.equal(failures.length, 0, failures.join("\n\n"));
  });

  it("README's 'Use as a library' program with README's tsconfig.json compiles under TypeScript 5.9 and 7 and runs as README says", async () => {
    assert.ok(installed, "not installed: an earlier step failed");
    // README: save the program as app.ts in the project ("type": "module") next to its
    // tsconfig.json, `npx tsc && node app.js`.
    const dir = join(proj, "readme-app");
    mkdirSync(dir, { recursive: true });
    const tsconfig = readmeBlock("json");
    assert.deepEqual(JSON.parse(tsconfig).files, ["app.ts"], "README's tsconfig.json is not the one for app.ts");
    writeFileSync(join(dir, "tsconfig.json"), tsconfig);
    writeFileSync(join(dir, "app.ts"), readmeBlock("ts"));
    await tsc(5, "tsc 5.9 (README's program)", ["--noEmit"], dir);
    await tsc(7, "tsc 7 (README's program)", [], dir);
    assert.ok(existsSync(join(dir, "app.js")), "tsc wrote no app.js");
    const r = await run("node app.js (README's program)", process.execPath, ["app.js"], { cwd: dir });
    assert.match(r.out, /^PASS at 12500 bps$/m, r.out + r.err);
    assert.match(r.out, /^opening matches commitment true$/m, r.out + r.err);
    assert.match(r.out, /^VALID \(INSECURE dev key\)$/m, r.out + r.err);
  });

  it("consumer.js proves, verifies, submits through ethers and reads the attestation back through the typed factory", async () => {
    assert.ok(rpc && existsSync(join(proj, "out/consumer.js")), "no chain node or no compiled consumer: an earlier step failed");
    const r = await run("node consumer.js", process.execPath, ["out/consumer.js"], { env: { ZKM_RPC: rpc, ZKM_DEPLOYMENT: deployment } });
    const last = r.out.trim().split("\n").at(-1) ?? "";
    appOut = json("consumer.js", last);
    assert.equal(appOut!.ok, true, r.out + r.err);
    assert.equal(appOut!.creditLimitCents, CREDIT_LIMIT_CENTS);
  });

  it("the CLI reads the attestation the consumer's program recorded", async () => {
    assert.ok(appOut && rpc, "the consumer program did not run: an earlier step failed");
    const st = json(
      "chain status",
      (await zkmargin("zkmargin chain status", "chain", "status", appOut.account, "--min-health-bps", String(HEALTH_BPS), "--rpc", rpc, "--deployment", deployment, "--json")).out,
    );
    assert.equal(st.healthy, true);
    assert.equal(st.healthBps, HEALTH_BPS);
    assert.equal(st.creditLimitCents, CREDIT_LIMIT_CENTS);
    assert.equal(st.liveCreditLimitCents, CREDIT_LIMIT_CENTS);
    assert.equal(st.epoch, 7);
    assert.equal(st.verified, false);
    assert.equal(st.commitment, appOut.commitment);
  });
});
