/**
 * Native witness calculators: circom's C++ output for a circuit (`circom --c`), compiled with the
 * machine's g++ against zkmargin's own runtime (native/witness/runtime/: the field arithmetic of
 * native/src/field.hpp instead of GMP and assembly, a JSON reader, a .wtns writer). One is built per
 * circuit hash and cached under <cache>/witness/<config>-<hash>/; the native prover path uses it
 * instead of the circuit's wasm when it is there (src/prove/native.ts), and the wasm otherwise.
 *
 * The witness is the same, byte for byte, as snarkjs's wasm calculator's (test/native/witness.test.ts),
 * and a circuit that refuses an input (a failed `assert` or `===` while computing the witness) makes
 * the native calculator refuse it too: exit code 3 and the template and line that failed.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { circuitHash, compiledCircuitDir, runCircom } from "../circuit/compile.js";
import { cacheDir, circuitsDir, commonAncestor, nodeModulesFor, packageRoot } from "../circuit/paths.js";
import { CONFIGS, type CircuitConfig, mainCircomSource, VERIFIED_CONFIGS } from "../config/circuits.js";
import { type ProgressFn, silent, timed } from "../util/progress.js";

/** The runtime the generated code is compiled against, and the field code it uses. */
const RUNTIME_FILES = ["circom.hpp", "calcwit.hpp", "fr.hpp", "failure.hpp", "fr.cpp", "calcwit.cpp", "driver.cpp"];
const FIELD_FILES = ["field.hpp", "u256.hpp"];
const RUNTIME_SOURCES = ["fr.cpp", "calcwit.cpp", "driver.cpp"];
/**
 * circom's generated code is tens of MB of straight-line C++ (53 MB for `small`); as it is, g++ -O1
 * needs about 18 minutes of CPU on it. Compacted (compactConstantCopies) it is a fifth of that, and
 * -O1 over parts compiled in parallel takes about 20 s of CPU for `small`.
 */
const GENERATED_FLAGS = ["-std=c++17", "-O1", "-w"];
const RUNTIME_FLAGS = ["-std=c++17", "-O2", "-Wall", "-Wextra"];
/**
 * The tests' AddressSanitizer + UBSan build (ZKMARGIN_NATIVE_SANITIZE=1), for every object and the
 * link: -O0 with line tables only (-g1), as scripts/build-native.mjs's sanitizer build.
 */
const SANITIZE_FLAGS = ["-O0", "-g1", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"];
/** Bump when compactConstantCopies changes what it writes: it is part of every calculator's hash. */
const REWRITE_VERSION = 2;
/** Split the compacted generated code into parts of about this many bytes (each one g++ process). */
const PART_BYTES = 1 << 20;

export interface NativeWitnessStatus {
  available: boolean;
  /** The calculator and the circuit's data file, when available. */
  binary?: string;
  dat?: string;
  dir?: string;
  /** Why it is not available. */
  reason?: string;
}

export interface NativeWitnessRecord {
  ok: boolean;
  config: string;
  circuitHash: string;
  runtimeHash: string;
  compiler?: string;
  generatedFlags?: string[];
  parts?: number;
  seconds?: { circom: number; compile: number };
  reason?: string;
  at: string;
}

const witnessRoot = (): string => join(cacheDir(), "witness");
const runtimeDir = (): string => join(packageRoot(), "native", "witness", "runtime");
const binaryName = process.platform === "win32" ? "witness.exe" : "witness";

/** Where the calculator for `config` (at its current circuit hash) lives. */
export function nativeWitnessDir(config: CircuitConfig, hash = circuitHash(config)): string {
  return join(witnessRoot(), `${config.name}-${hash.slice(0, 12)}`);
}

/** Hash of the runtime sources and the flags: a change rebuilds every calculator. */
export function witnessRuntimeHash(sanitize = false): string {
  const h = createHash("sha256");
  for (const f of RUNTIME_FILES) h.update(f).update("\0").update(readFileSync(join(runtimeDir(), f))).update("\0");
  for (const f of FIELD_FILES) h.update(f).update("\0").update(readFileSync(join(packageRoot(), "native", "src", f))).update("\0");
  h.update(JSON.stringify([GENERATED_FLAGS, RUNTIME_FLAGS, REWRITE_VERSION]));
  if (sanitize) h.update(JSON.stringify(SANITIZE_FLAGS));
  return h.digest("hex");
}

function disabled(): string | undefined {
  if (process.env.ZKMARGIN_NATIVE === "off") return "disabled by ZKMARGIN_NATIVE=off";
  if (process.env.ZKMARGIN_NATIVE_WITNESS === "off") return "disabled by ZKMARGIN_NATIVE_WITNESS=off";
  return undefined;
}

function readRecord(dir: string): NativeWitnessRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "status.json"), "utf8")) as NativeWitnessRecord;
  } catch {
    return undefined;
  }
}

function statusOf(dir: string, hash: string, label: string, sanitize = false): NativeWitnessStatus {
  const record = readRecord(dir);
  if (!record) return { available: false, reason: `the native witness calculator for ${label} is not built` };
  if (!record.ok) return { available: false, reason: `the native witness calculator for ${label} did not build: ${record.reason ?? "unknown reason"}` };
  if (record.circuitHash !== hash) return { available: false, reason: `the native witness calculator in ${dir} is for another circuit` };
  let runtimeHash: string;
  try {
    runtimeHash = witnessRuntimeHash(sanitize);
  } catch (e) {
    return { available: false, reason: `the native witness runtime sources are missing (${(e as Error).message})` };
  }
  if (record.runtimeHash !== runtimeHash) return { available: false, reason: `the native witness calculator for ${label} was built from other runtime sources; rebuild it` };
  const binary = join(dir, binaryName);
  const dat = join(dir, "circuit.dat");
  if (!existsSync(binary) || !existsSync(dat)) return { available: false, reason: `the native witness calculator in ${dir} is incomplete` };
  if (process.platform !== "win32" && (statSync(binary).mode & 0o111) === 0) return { available: false, reason: `${binary} is not executable` };
  return { available: true, binary, dat, dir };
}

/** Whether the calculator for `config` is built for its current sources. */
export function nativeWitnessStatus(config: CircuitConfig): NativeWitnessStatus {
  const off = disabled();
  if (off) return { available: false, reason: off };
  const hash = circuitHash(config);
  return statusOf(nativeWitnessDir(config, hash), hash, `the "${config.name}" circuit`);
}

/** The calculator for a circuit hash (what proving artifacts carry), whatever its configuration's name. */
export function nativeWitnessForHash(hash: string): NativeWitnessStatus {
  const off = disabled();
  if (off) return { available: false, reason: off };
  const label = `circuit ${hash.slice(0, 12)}`;
  let names: string[] = [];
  try {
    names = readdirSync(witnessRoot());
  } catch {
    /* nothing built yet */
  }
  const dir = names.find((n) => n.endsWith(`-${hash.slice(0, 12)}`) && !n.includes(".tmp-"));
  if (!dir) return { available: false, reason: `the native witness calculator for ${label} is not built` };
  return statusOf(join(witnessRoot(), dir), hash, label);
}

/** The configuration whose circuit has this hash (with the sources here), if any. */
export function configNameForHash(hash: string): string | undefined {
  for (const c of [...Object.values(CONFIGS), ...Object.values(VERIFIED_CONFIGS)]) {
    try {
      if (circuitHash(c) === hash) return c.name;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", (e) => resolve({ code: -1, stdout, stderr: stderr + String(e) }));
    child.on("close", (code, signal) => resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr }));
    if (opts.input !== undefined) {
      child.stdin!.on("error", () => {
        /* the exit code tells */
      });
      child.stdin!.end(opts.input);
    }
  });
}

async function pool<T>(tasks: (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  return results;
}

const firstError = (text: string): string =>
  (text.split("\n").find((l) => /error/i.test(l)) ?? text.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 300);

const TOP_LEVEL_DEF = /^void ([A-Za-z0-9_]+)\((.*)\)\s*\{\{?$/;
const LVAR_DEST = /^PFrElement aux_dest = &lvar\[(\d+)\];$/;
const CONST_COPY = /^Fr_copy\(aux_dest,&circuitConstants\[(\d+)\]\);$/;

/**
 * Most of circom's generated code (80 % of the lines of `small`) is blocks that copy one constant
 * into a local variable, thousands in a row (Poseidon's round constants and matrices, loaded by
 * every instance of a round template):
 *
 *     {
 *     PFrElement aux_dest = &lvar[D];
 *     // load src
 *     // end load src
 *     Fr_copy(aux_dest,&circuitConstants[S]);
 *     }
 *
 * A run of them becomes one table of (D, S, n) triples (n consecutive variables from n consecutive
 * constants) and one call that does the same copies in the same order (Fr_copyConstants,
 * runtime/fr.cpp): a fifth of the code to compile, and faster.
 */
export function compactConstantCopies(lines: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  const blockAt = (k: number): [string, string] | undefined => {
    if (lines[k] !== "{" || lines[k + 2] !== "// load src" || lines[k + 3] !== "// end load src" || lines[k + 5] !== "}") return undefined;
    const d = LVAR_DEST.exec(lines[k + 1] ?? "");
    const c = d && CONST_COPY.exec(lines[k + 4] ?? "");
    return d && c ? [d[1]!, c[1]!] : undefined;
  };
  while (i < lines.length) {
    // (D, S, n): n consecutive destinations from n consecutive constants
    const runs: [number, number, number][] = [];
    let copies = 0;
    let b: [string, string] | undefined;
    let k = i;
    while ((b = blockAt(k))) {
      const d = Number(b[0]);
      const c = Number(b[1]);
      const last = runs[runs.length - 1];
      if (last && last[0] + last[2] === d && last[1] + last[2] === c) last[2]++;
      else runs.push([d, c, 1]);
      copies++;
      k += 6;
    }
    if (copies >= 2) {
      out.push("{", `static const uint32_t zkm_copies[] = {${runs.map((r) => r.join(",")).join(",")}};`, `Fr_copyConstants(lvar, circuitConstants, zkm_copies, ${runs.length});`, "}");
      i = k;
    } else {
      out.push(lines[i]!);
      i++;
    }
  }
  return out;
}

/**
 * Splits circom's generated <circuit>.cpp into translation units at top-level function definitions
 * (the generated code is not indented: a definition is a line starting with `void`), after
 * compactConstantCopies: at least `minParts`, of about `partBytes` each. The first part
 * keeps the prelude (function tables, sizes); every part declares every function.
 */
export function splitGeneratedCpp(source: string, minParts: number, partBytes = PART_BYTES): string[] {
  const lines = compactConstantCopies(source.split("\n"));
  let bytes = 0;
  for (const l of lines) bytes += l.length + 1;
  const parts = Math.max(minParts, Math.ceil(bytes / partBytes));
  const starts: number[] = [];
  const decls: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = TOP_LEVEL_DEF.exec(lines[i]!);
    if (m && m[1] !== "release_memory_component") {
      starts.push(i);
      decls.push(`void ${m[1]}(${m[2]});`);
    }
  }
  if (starts.length === 0) throw new Error("no function definitions found in the generated C++");
  const first = starts[0]!;
  const prelude = lines.slice(0, first);
  const header = [
    ...prelude.filter((l) => l.startsWith("#include")),
    "void release_memory_component(Circom_CalcWit* ctx, uint pos);",
    ...decls,
    ...prelude.filter((l) => l.startsWith("Circom_TemplateFunction ")).map((l) => `extern ${l.replace(/\s*=.*$/, "")};`),
  ].join("\n");
  // cut points by size: the first definition at or after each target line
  const n = Math.max(1, Math.min(parts, starts.length));
  const bounds = [first];
  let s = 0;
  for (let j = 1; j < n; j++) {
    const target = first + Math.floor(((lines.length - first) * j) / n);
    while (s < starts.length && starts[s]! < target) s++;
    if (s >= starts.length) break;
    if (starts[s]! > bounds[bounds.length - 1]!) bounds.push(starts[s]!);
  }
  bounds.push(lines.length);
  const out: string[] = [];
  for (let j = 0; j + 1 < bounds.length; j++) {
    const body = lines.slice(bounds[j], bounds[j + 1]).join("\n");
    out.push(j === 0 ? `${prelude.join("\n")}\n${decls.join("\n")}\n${body}\n` : `${header}\n${body}\n`);
  }
  return out;
}

type Built = NativeWitnessStatus & { available: true; binary: string; dat: string; dir: string };

/**
 * Builds (or finds, unless `force`) the native witness calculator for `config`: circom --c with the
 * compile options of compileCircuit (so the witness matches the r1cs the setup used), then g++.
 * Takes minutes (`standard`: about 1.5 min of circom and 1.5 min of g++ CPU); progress reports
 * the steps. Throws with the reason when it cannot be built (the record says so too).
 */
export async function buildNativeWitness(config: CircuitConfig, opts: { progress?: ProgressFn; force?: boolean; jobs?: number } = {}): Promise<Built> {
  const off = disabled();
  if (off) throw new Error(`the native witness calculator is ${off}`);
  const hash = circuitHash(config);
  return buildWitnessCalculator({
    ...opts,
    name: config.name,
    label: `the "${config.name}" circuit`,
    source: mainCircomSource(config),
    libs: [circuitsDir(), nodeModulesFor("circomlib")],
    optimization: config.optimization,
    hash,
    dir: nativeWitnessDir(config, hash),
    // the C++ that compileCircuit's run wrote when asked (withCpp), if it is there
    generated: join(compiledCircuitDir(config, hash), "cpp"),
  });
}

/**
 * The calculator of any circom main `source` (compiled with `-l` for each of `libs` and
 * --`optimization`) in `dir`, recorded under `hash`: what buildNativeWitness does for a
 * configuration, and the tests for circuits of their own.
 */
export async function buildWitnessCalculator(args: {
  name: string;
  label: string;
  source: string;
  libs: string[];
  optimization: string;
  hash: string;
  dir: string;
  progress?: ProgressFn;
  force?: boolean;
  jobs?: number;
  /** Build with AddressSanitizer and UBSan (tests). */
  sanitize?: boolean;
  /**
   * A folder holding circom's C++ output for this very source and options (compileCircuit's
   * withCpp): taken (moved) instead of running circom --c again, when it is there.
   */
  generated?: string;
}): Promise<Built> {
  const { name, label, hash, dir } = args;
  const sanitize = args.sanitize ?? false;
  const progress = args.progress ?? silent;
  if (!args.force) {
    const s = statusOf(dir, hash, label, sanitize);
    if (s.available) return s as Built;
  }
  const runtimeHash = witnessRuntimeHash(sanitize);
  const extra = sanitize ? SANITIZE_FLAGS : [];
  const cxx = process.env.CXX || "g++";
  const jobs = args.jobs ?? Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const record = (r: Partial<NativeWitnessRecord>): NativeWitnessRecord => ({ ok: false, config: name, circuitHash: hash, runtimeHash, at: new Date().toISOString(), ...r });
  const failWith = (reason: string): never => {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "status.json"), `${JSON.stringify(record({ ok: false, reason }), null, 2)}\n`);
    throw new Error(`the native witness calculator for ${label} did not build: ${reason}`);
  };
  try {
    // 1. circom's C++
    writeFileSync(join(tmp, "main.circom"), args.source);
    const cwd = commonAncestor([...args.libs, tmp]) ?? packageRoot();
    const t0 = Date.now();
    if (args.generated && existsSync(args.generated)) renameSync(args.generated, join(tmp, "given_cpp"));
    else
      await timed(progress, `generating the ${name} circuit's C++ witness code (circom --c --${args.optimization})`, () =>
        runCircom([join(tmp, "main.circom"), "--c", `--${args.optimization}`, ...args.libs.flatMap((l) => ["-l", l]), "-o", tmp], cwd),
      ).catch((e: Error) => failWith(`circom --c failed: ${firstError(e.message)}`));
    const circomSeconds = (Date.now() - t0) / 1000;
    // circom names the files after the main file, "main" being reserved: main_c_cpp/main_c.{cpp,dat}
    const genDir = readdirSync(tmp).map((d) => join(tmp, d)).find((d) => d.endsWith("_cpp"));
    const cppName = genDir && readdirSync(genDir).find((f) => f.endsWith(".cpp") && f !== "main.cpp" && f !== "calcwit.cpp" && f !== "fr.cpp");
    if (!genDir || !cppName) return failWith("circom wrote no C++ witness code");
    const generated = join(genDir, cppName);
    const datFile = generated.replace(/\.cpp$/, ".dat");
    // 2. compact, split, compile in parallel, link
    const source = readFileSync(generated, "utf8");
    const parts = splitGeneratedCpp(source, jobs);
    const objDir = join(tmp, "obj");
    mkdirSync(objDir);
    const partFiles = parts.map((p, i) => {
      const f = join(objDir, `part${i}.cpp`);
      writeFileSync(f, p);
      return f;
    });
    rmSync(generated);
    const rt = runtimeDir();
    const tasks = [
      ...RUNTIME_SOURCES.map((s) => ({ src: join(rt, s), obj: join(objDir, s.replace(/\.cpp$/, ".o")), flags: [...RUNTIME_FLAGS, ...extra] })),
      ...partFiles.map((f) => ({ src: f, obj: f.replace(/\.cpp$/, ".o"), flags: [...GENERATED_FLAGS, ...extra, `-I${rt}`] })),
    ];
    const t1 = Date.now();
    const results = await timed(progress, `compiling the ${name} witness calculator (${parts.length} parts, ${jobs} at a time)`, () =>
      pool(
        tasks.map((t) => () => run(cxx, [...t.flags, "-c", t.src, "-o", t.obj])),
        jobs,
      ),
    );
    const bad = results.findIndex((r) => r.code !== 0);
    if (bad >= 0) return failWith(`${cxx} ${tasks[bad]!.src.split(/[\\/]/).pop()}: ${firstError(results[bad]!.stderr) || `exit code ${results[bad]!.code}`}`);
    const link = await run(cxx, [...extra, "-o", join(tmp, binaryName), ...tasks.map((t) => t.obj)]);
    if (link.code !== 0) return failWith(`link: ${firstError(link.stderr) || `exit code ${link.code}`}`);
    const compileSeconds = (Date.now() - t1) / 1000;
    renameSync(datFile, join(tmp, "circuit.dat"));
    rmSync(genDir, { recursive: true, force: true });
    rmSync(objDir, { recursive: true, force: true });
    const version = await run(cxx, ["--version"]);
    writeFileSync(
      join(tmp, "status.json"),
      `${JSON.stringify(
        record({
          ok: true,
          compiler: version.stdout.split("\n")[0]?.trim(),
          generatedFlags: [...GENERATED_FLAGS, ...extra],
          parts: parts.length,
          seconds: { circom: circomSeconds, compile: compileSeconds },
        }),
        null,
        2,
      )}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const s = statusOf(dir, hash, label, sanitize);
  if (!s.available) throw new Error(s.reason);
  return s as Built;
}

/** The circuit refused the input while computing the witness (a failed `assert` or `===`). */
export class WitnessRefused extends Error {
  constructor(readonly detail: string) {
    super(`the witness calculator refused the input: ${detail}`);
  }
}

/** What the native calculator spent, in milliseconds (from its --timings line). */
export interface NativeWitnessTimings {
  load: number;
  input: number;
  calc: number;
  write: number;
  total: number;
}

/**
 * Computes the witness of `input` with a built calculator and writes the .wtns to `wtnsFile`.
 * Throws WitnessRefused when the circuit refuses the input, another Error when the calculator fails.
 */
export async function computeNativeWitness(
  calc: Pick<NativeWitnessStatus, "binary" | "dat">,
  input: unknown,
  wtnsFile: string,
): Promise<NativeWitnessTimings | undefined> {
  const json = JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  const r = await run(calc.binary!, [calc.dat!, "-", wtnsFile, "--timings"], { input: json });
  const lines = r.stderr.trim().split("\n");
  if (r.code === 3) throw new WitnessRefused(lines[lines.length - 1]!.replace(/^the circuit refused the input: /, ""));
  if (r.code !== 0) throw new Error(`the native witness calculator failed (${r.code}): ${lines.slice(-3).join(" ")}`);
  try {
    return JSON.parse(lines[lines.length - 1]!) as NativeWitnessTimings;
  } catch {
    return undefined;
  }
}
