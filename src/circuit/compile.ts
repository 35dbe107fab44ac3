import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { type CircuitConfig, mainCircomSource } from "../config/circuits.js";
import { ZkMarginError } from "../errors.js";
import { type ProgressFn, silent, timed } from "../util/progress.js";
import { cacheDir, circom2Cli, circuitsDir, commonAncestor, nodeModulesFor, packageRoot } from "./paths.js";

export interface CompiledCircuit {
  config: CircuitConfig;
  /** Hash of everything the circuit is compiled from (sources, main, compiler, options). */
  circuitHash: string;
  dir: string;
  r1cs: string;
  wasm: string;
  sym: string;
  constraints: number;
  /** Smallest power of two whose domain holds the circuit (what setup needs from a ptau). */
  power: number;
  compileSeconds: number;
}

const INCLUDE_RE = /^\s*include\s+"([^"]+)"\s*;/gm;

/**
 * Our circuit files a main component depends on: the closure of its `include`s that resolve inside
 * circuits/ (relative to the including file, else to circuits/ as circom's `-l circuits` does;
 * circomlib's files are covered by its package version). Sorted, so the hash is stable; a change to
 * a file that a configuration does not include does not invalidate that configuration's setup.
 */
function includedCircom(mainSource: string): string[] {
  const root = circuitsDir();
  const seen = new Set<string>();
  const visit = (source: string, fromDir: string) => {
    for (const m of source.matchAll(INCLUDE_RE)) {
      const name = m[1]!;
      const file = [join(fromDir, name), join(root, name)].find((f) => f.startsWith(root) && existsSync(f));
      if (!file || seen.has(file)) continue;
      seen.add(file);
      visit(readFileSync(file, "utf8"), dirname(file));
    }
  };
  visit(mainSource, root);
  return [...seen].sort();
}

/** Hash of the circuit sources, the generated main, circomlib, the compiler and the options. */
export function circuitHash(config: CircuitConfig): string {
  const h = createHash("sha256");
  const root = circuitsDir();
  const main = mainCircomSource(config);
  for (const f of includedCircom(main)) h.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
  h.update(main);
  const circomlibDir = join(nodeModulesFor("circomlib"), "circomlib");
  h.update(readFileSync(join(circomlibDir, "package.json")));
  h.update(readFileSync(join(nodeModulesFor("circom2"), "circom2", "package.json")));
  h.update(config.optimization);
  return h.digest("hex");
}

/** Runs circom2 (WASI) with `args` from `cwd`; resolves with its output, rejects on an error. */
export function runCircom(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [circom2Cli(), ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      // circom2 (WASI) reports some errors with exit 0: look at the text too.
      const clean = out.replace(/\x1b\[[0-9;]*m/g, "");
      if (code !== 0 || /error\[|previous errors were found/.test(clean)) reject(new Error(`circom failed:\n${clean}`));
      else resolve(clean);
    });
  });
}

/** Where compileCircuit caches a configuration's compiled circuit. */
export function compiledCircuitDir(config: CircuitConfig, hash = circuitHash(config)): string {
  return join(cacheDir(), "circuits", `${config.name}-${hash.slice(0, 12)}`);
}

/**
 * Compile a configuration's circuit (r1cs, wasm, sym), cached under
 * <cache>/circuits/<name>-<hash>/: a second call is instant, a changed circuit is rebuilt.
 * `lax: true` (tests only) also builds a witness generator whose assertions are removed, so that a
 * forged or failing input still yields a full witness for the constraint check to judge; the r1cs
 * is the same one.
 */
export async function compileCircuit(
  config: CircuitConfig,
  opts: { progress?: ProgressFn; lax?: boolean; withLaxTwin?: boolean; withCpp?: boolean } = {},
): Promise<CompiledCircuit> {
  const progress = opts.progress ?? silent;
  const lax = opts.lax ?? false;
  const hash = circuitHash(config);
  const dir = `${compiledCircuitDir(config, hash)}${lax ? "-lax" : ""}`;
  const meta = join(dir, "meta.json");
  // withLaxTwin (tests): one circom run writes both the wasm and the wat, and the lax twin is
  // assembled from that wat, instead of a second full compile.
  const laxDir = `${dir}-lax`;
  const twin = !lax && (opts.withLaxTwin ?? false) && !existsSync(join(laxDir, "meta.json"));
  // withCpp (tests, before buildNativeWitness): the same run also writes circom's C++ witness code,
  // left in <dir>/cpp/ for buildNativeWitness to take (it then skips its own circom --c run).
  const cpp = !lax && (opts.withCpp ?? false);
  if (!existsSync(meta) || twin) {
    mkdirSync(join(cacheDir(), "circuits"), { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, "main.circom"), mainCircomSource(config));
    const start = Date.now();
    // Include paths through Node's module resolution (in a consumer install circomlib sits beside
    // zkmargin in node_modules). circom2 (WASI) cannot open `..` paths, so it runs from the deepest
    // folder holding the sources, circomlib and the output.
    const libs = [circuitsDir(), nodeModulesFor("circomlib")];
    const cwd = commonAncestor([...libs, tmp]) ?? packageRoot();
    const log = await timed(progress, `compiling the ${config.name} circuit (circom --${config.optimization})`, () =>
      runCircom(
        [
          join(tmp, "main.circom"),
          "--r1cs",
          ...(lax ? ["--wat"] : twin ? ["--wasm", "--wat"] : ["--wasm"]),
          ...(cpp ? ["--c"] : []),
          "--sym",
          `--${config.optimization}`,
          ...libs.flatMap((l) => ["-l", l]),
          "-o",
          tmp,
        ],
        cwd,
      ),
    ).catch((e: Error) => {
      rmSync(tmp, { recursive: true, force: true });
      throw new ZkMarginError("FILE", `compiling the ${config.name} circuit failed: ${e.message}`);
    });
    if (lax) await assembleWithoutAsserts(join(tmp, "main_js", "main.wat"), join(tmp, "main_js", "main.wasm"));
    const nl = /non-linear constraints: (\d+)/.exec(log);
    const l = /(?<!non-)linear constraints: (\d+)/.exec(log);
    const constraints = Number(nl?.[1] ?? 0) + Number(l?.[1] ?? 0);
    const publics = 4;
    let power = 1;
    while (2 ** power < constraints + publics + 1) power++;
    writeFileSync(
      join(tmp, "meta.json"),
      JSON.stringify({ config: config.name, circuitHash: hash, constraints, power, compileSeconds: (Date.now() - start) / 1000 }, null, 2),
    );
    if (cpp) {
      // With --c, circom names every output main_c ("main" is reserved in C++): main_c.r1cs,
      // main_c_js/main_c.wasm, main_c_cpp/. The files are the same as without --c; give them the
      // usual names and keep the C++ folder as cpp/.
      renameSync(join(tmp, "main_c_js"), join(tmp, "main_js"));
      for (const [from, to] of [
        ["main_c.r1cs", "main.r1cs"],
        ["main_c.sym", "main.sym"],
        ["main_js/main_c.wasm", "main_js/main.wasm"],
        ["main_js/main_c.wat", "main_js/main.wat"],
      ] as const) {
        if (existsSync(join(tmp, from))) renameSync(join(tmp, from), join(tmp, to));
      }
      renameSync(join(tmp, "main_c_cpp"), join(tmp, "cpp"));
    }
    if (twin) {
      const laxTmp = `${laxDir}.tmp-${process.pid}`;
      rmSync(laxTmp, { recursive: true, force: true });
      mkdirSync(join(laxTmp, "main_js"), { recursive: true });
      for (const f of ["main.r1cs", "main.sym", "meta.json"]) copyFileSync(join(tmp, f), join(laxTmp, f));
      await assembleWithoutAsserts(join(tmp, "main_js", "main.wat"), join(laxTmp, "main_js", "main.wasm"));
      rmSync(join(tmp, "main_js", "main.wat"), { force: true });
      rmSync(laxDir, { recursive: true, force: true });
      renameSync(laxTmp, laxDir);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  const m = JSON.parse(readFileSync(meta, "utf8")) as { constraints: number; power: number; compileSeconds: number };
  return {
    config,
    circuitHash: hash,
    dir,
    r1cs: join(dir, "main.r1cs"),
    wasm: join(dir, "main_js", "main.wasm"),
    sym: join(dir, "main.sym"),
    constraints: m.constraints,
    power: m.power,
    compileSeconds: m.compileSeconds,
  };
}

/**
 * circom's generated code returns error 4 from a template when a `===` or `assert` fails. Drop
 * those early returns (the message is still recorded) and assemble the text to wasm.
 */
async function assembleWithoutAsserts(watFile: string, wasmFile: string): Promise<void> {
  const wat = readFileSync(watFile, "utf8");
  const pattern = /call \$printErrorMessage\ni32\.const 4\nreturn\n/g;
  const count = (wat.match(pattern) ?? []).length;
  if (count === 0) throw new Error("no assertion blocks found in the generated wat");
  const patched = wat
    .replace(pattern, "call $printErrorMessage\n")
    // circom also emits some pre-standard instruction names that wabt no longer parses
    .replace(/\bget_local\b/g, "local.get")
    .replace(/\bset_local\b/g, "local.set")
    .replace(/\btee_local\b/g, "local.tee")
    .replace(/\bget_global\b/g, "global.get")
    .replace(/\bset_global\b/g, "global.set")
    .replace(/\bi32\.wrap\/i64\b/g, "i32.wrap_i64")
    .replace(/\bi64\.extend_u\/i32\b/g, "i64.extend_i32_u")
    .replace(/\bi64\.extend_s\/i32\b/g, "i64.extend_i32_s");
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat("main.wat", patched, { mutable_globals: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true });
  writeFileSync(wasmFile, Buffer.from(mod.toBinary({}).buffer));
  mod.destroy();
  rmSync(watFile);
}
