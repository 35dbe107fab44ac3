import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { type CircuitConfig, mainCircomSource } from "../config/circuits.js";
import { ZkMarginError } from "../errors.js";
import { type ProgressFn, silent, timed } from "../util/progress.js";
import { laxWitnessWasm } from "./laxWasm.js";
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
 * `lax: true` (tests only) gives instead the circuit's lax twin (<name>-<hash>-lax2/): the same r1cs
 * and a witness generator whose failed checks are reported but not fatal (laxWasm.ts, derived from
 * the compiled wasm in a fraction of a second), so that a forged or failing input still yields a
 * full witness for the constraint check to judge.
 */
export async function compileCircuit(config: CircuitConfig, opts: { progress?: ProgressFn; lax?: boolean; withCpp?: boolean } = {}): Promise<CompiledCircuit> {
  if (opts.lax) {
    const strict = await compileCircuit(config, { progress: opts.progress, withCpp: opts.withCpp });
    return laxTwin(strict);
  }
  const progress = opts.progress ?? silent;
  const hash = circuitHash(config);
  const dir = compiledCircuitDir(config, hash);
  const meta = join(dir, "meta.json");
  // withCpp (tests, before buildNativeWitness): the same run also writes circom's C++ witness code,
  // left in <dir>/cpp/ for buildNativeWitness to take (it then skips its own circom --c run).
  const cpp = opts.withCpp ?? false;
  if (!existsSync(meta)) {
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
          "--wasm",
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
      ] as const) {
        if (existsSync(join(tmp, from))) renameSync(join(tmp, from), join(tmp, to));
      }
      renameSync(join(tmp, "main_c_cpp"), join(tmp, "cpp"));
    }
    publishDir(tmp, dir);
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
 * The lax twin of a compiled circuit, derived once into <dir>-lax2/ (cached like the circuit; "2":
 * made by laxWasm.ts, where <dir>-lax/ of older caches holds a twin assembled by wabt, which is not
 * the same bytes). Two processes may derive it at once: each writes its own temporary folder
 * (publishDir).
 */
function laxTwin(strict: CompiledCircuit): CompiledCircuit {
  const dir = `${strict.dir}-lax2`;
  const wasm = join(dir, "main_js", "main.wasm");
  if (!existsSync(join(dir, "meta.json"))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, "main_js"), { recursive: true });
    writeFileSync(join(tmp, "main_js", "main.wasm"), laxWitnessWasm(readFileSync(strict.wasm)).wasm);
    for (const f of ["main.r1cs", "main.sym", "meta.json"]) copyFileSync(join(strict.dir, f), join(tmp, f));
    publishDir(tmp, dir);
  }
  return { ...strict, dir, r1cs: join(dir, "main.r1cs"), wasm, sym: join(dir, "main.sym") };
}

/**
 * Moves a finished cache folder `tmp` (with its meta.json) to `dir`. A `dir` without meta.json (an
 * interrupted or older layout) is replaced; when another process has published `dir` meanwhile,
 * its folder stays (the outputs are the same for the same hash) and `tmp` is dropped, so a folder
 * another process is reading is never deleted under it.
 */
export function publishDir(tmp: string, dir: string): void {
  if (existsSync(dir) && !existsSync(join(dir, "meta.json"))) rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code !== "EEXIST" && code !== "ENOTEMPTY") || !existsSync(join(dir, "meta.json"))) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
}
