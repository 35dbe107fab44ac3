#!/usr/bin/env node
// Builds the native Groth16 prover (native/src/*.cpp) into native/build/zkmargin-prover.
//
//   node scripts/build-native.mjs              (also `npm run build:native` and the npm install hook)
//   node scripts/build-native.mjs --force      rebuild even when the sources are unchanged
//   node scripts/build-native.mjs --sanitize   AddressSanitizer + UBSan build in native/build/sanitize/
//
// The normal build never fails `npm install`: on any problem it prints one line saying why and that
// zkmargin will use the (slower) snarkjs prover, records {"ok": false, "reason": ...} in
// native/build/status.json and exits 0. On success status.json records the compiler, the flags and
// a hash of the sources; an unchanged hash skips the rebuild. ZKMARGIN_NATIVE=off skips the build.
// The compiler is $CXX or g++ (-O3, portable: see EXTRA_FLAGS); files compile in parallel (one job
// per core), then link; the fresh binary must pass a quick self-check before it is kept.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const srcDir = join(root, "native", "src");
const args = process.argv.slice(2);
const sanitize = args.includes("--sanitize");
const force = args.includes("--force");
const outDir = sanitize ? join(root, "native", "build", "sanitize") : join(root, "native", "build");
const binary = join(outDir, "zkmargin-prover");
const statusFile = join(outDir, "status.json");
const rel = (p) => relative(root, p) || ".";
const FALLBACK = "zkmargin will use the slower snarkjs prover";

const BASE_FLAGS = ["-std=c++17", "-pthread", "-Wall", "-Wextra"];
// The sanitizer build (tests): -O0 with line tables only (-g1) compiles in about half the time of
// -O1 -g (19 s against 41 s on 2 cores) and reports the same errors with file and line.
const OPT_FLAGS = sanitize ? ["-O0", "-g1", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"] : ["-O3"];
// Extra flags to try first (e.g. ZKMARGIN_NATIVE_CXXFLAGS="-march=native"); the build falls back to
// the plain flags when they fail. -march=native is not the default: with GCC 12 on an AMD EPYC
// (Zen 4) it made the 4-limb Montgomery product ~50% slower (BMI2 mulx scheduling and register
// spills) and the whole prover ~20% slower, and a portable binary is worth having anyway.
const EXTRA_FLAGS = sanitize ? [] : String(process.env.ZKMARGIN_NATIVE_CXXFLAGS ?? "").split(/\s+/).filter(Boolean);

function writeStatus(status) {
  try {
    mkdirSync(outDir, { recursive: true });
    const tmp = `${statusFile}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
    renameSync(tmp, statusFile);
  } catch {
    // the status file is informative; never fail over it
  }
}

function fail(reason) {
  // a binary left from other sources must not be mistaken for this build
  try {
    rmSync(binary, { force: true });
  } catch {
    // ignore
  }
  if (sanitize) {
    process.stderr.write(`zkmargin: sanitizer build of the native prover failed: ${reason}\n`);
    writeStatus({ ok: false, reason, sanitize: true, at: new Date().toISOString() });
    process.exit(1);
  }
  process.stderr.write(`zkmargin: native prover not built (${reason}); ${FALLBACK}\n`);
  writeStatus({ ok: false, reason, at: new Date().toISOString() });
  process.exit(0);
}

function readStatus() {
  try {
    return JSON.parse(readFileSync(statusFile, "utf8"));
  } catch {
    return undefined;
  }
}

/** Runs a command, resolving with { code, stdout, stderr } (never rejects). */
function run(cmd, argv) {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let child;
    try {
      child = spawn(cmd, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      resolve({ code: -1, stdout, stderr: String(e) });
      return;
    }
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", (e) => resolve({ code: -1, stdout, stderr: stderr + String(e) }));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs tasks (functions returning promises) with at most `jobs` at a time. */
async function pool(tasks, jobs) {
  const results = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  return results;
}

function firstErrorLine(text) {
  const lines = String(text).split("\n");
  return (lines.find((l) => /error/i.test(l)) ?? lines.find((l) => l.trim()) ?? "").trim().slice(0, 300);
}

/** Compiles every .cpp to an object, then links. Returns undefined on success, else a reason. */
async function compileAll(cxx, flags, sources) {
  const objDir = join(outDir, "obj");
  mkdirSync(objDir, { recursive: true });
  const jobs = Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const objects = sources.map((s) => join(objDir, s.replace(/\.cpp$/, ".o")));
  const results = await pool(
    sources.map((s, i) => () => run(cxx, [...flags, "-c", join(srcDir, s), "-o", objects[i]])),
    jobs,
  );
  const bad = results.findIndex((r) => r.code !== 0);
  if (bad >= 0) return `${sources[bad]}: ${firstErrorLine(results[bad].stderr) || `exit code ${results[bad].code}`}`;
  const tmpBin = `${binary}.tmp-${process.pid}`;
  const link = await run(cxx, [...flags, "-o", tmpBin, ...objects]);
  if (link.code !== 0) return `link: ${firstErrorLine(link.stderr) || `exit code ${link.code}`}`;
  renameSync(tmpBin, binary);
  rmSync(objDir, { recursive: true, force: true });
  return undefined;
}

/** A quick self-check of the fresh binary: field, curve and MSM answers known in advance. */
function selfCheck() {
  const input = ["fq_mul 2 3", "fr_inv 1", "g1_mul 1 2 2", "g1_msm 0 -1 1 1 2 1 2 3 1 2 5", "g1_add 1 2 1 21888242871839275222246405745257275088696311157297823662689037894645226208581"].join("\n") + "\n";
  const want = [
    "6",
    "1",
    "1368015179489954701390400359078579693043519447331113978918064868415326638035 9918110051302171585080402603319702774565515993150576347155970296011118125764",
    // 8 G = (3 + 5) G
    "3932705576657793550893430333273221375907985235130430286685735064194643946083 18813763293032256545937756946359266117037834559191913266454084342712532869153",
    "0 0",
  ];
  const r = spawnSync(binary, ["test", "arith"], { input, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) return `self-check exited with ${r.status ?? r.signal}: ${firstErrorLine(r.stderr)}`;
  const got = r.stdout.trim().split("\n");
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) return `self-check gave a wrong answer for "${input.split("\n")[i]}"`;
  }
  return undefined;
}

async function main() {
  if (!sanitize && String(process.env.ZKMARGIN_NATIVE ?? "").toLowerCase() === "off") {
    process.stderr.write(`zkmargin: native prover build skipped (ZKMARGIN_NATIVE=off); ${FALLBACK}\n`);
    writeStatus({ ok: false, reason: "disabled by ZKMARGIN_NATIVE=off", at: new Date().toISOString() });
    return;
  }
  if (process.platform === "win32") fail("Windows is not supported by the native prover");
  if (!existsSync(srcDir)) fail(`sources not found at ${rel(srcDir)}`);
  const files = readdirSync(srcDir)
    .filter((f) => /\.(cpp|hpp)$/.test(f))
    .sort();
  const sources = files.filter((f) => f.endsWith(".cpp"));
  if (sources.length === 0) fail(`no sources in ${rel(srcDir)}`);

  const cxx = process.env.CXX || "g++";
  const ver = spawnSync(cxx, ["--version"], { encoding: "utf8" });
  if (ver.error || ver.status !== 0) fail(`no C++ compiler: "${cxx} --version" failed${ver.error ? ` (${ver.error.code ?? ver.error.message})` : ""}`);
  const compiler = ver.stdout.split("\n")[0].trim();

  const h = createHash("sha256");
  h.update(`build-native v1\0${cxx}\0${compiler}\0${OPT_FLAGS.join(" ")}\0${BASE_FLAGS.join(" ")}\0${EXTRA_FLAGS.join(" ")}\0`);
  for (const f of files) h.update(`${f}\0`).update(readFileSync(join(srcDir, f))).update("\0");
  const sourceHash = h.digest("hex");

  const prev = readStatus();
  if (!force && prev?.ok && prev.sourceHash === sourceHash && existsSync(binary)) {
    process.stderr.write(`zkmargin: native prover ${rel(binary)} is up to date\n`);
    return;
  }

  process.stderr.write(`zkmargin: building the native prover (${sources.length} files, ${compiler})...\n`);
  const t0 = Date.now();
  mkdirSync(outDir, { recursive: true });
  let flags = [...OPT_FLAGS, ...BASE_FLAGS, ...EXTRA_FLAGS];
  const reason = await compileAll(cxx, flags, sources);
  if (reason !== undefined) {
    if (EXTRA_FLAGS.length === 0) fail(`compilation failed: ${reason}`);
    // the extra flags may not suit this compiler / CPU: retry without them
    process.stderr.write(`zkmargin: native build with ${EXTRA_FLAGS.join(" ")} failed (${reason}); retrying without\n`);
    flags = [...OPT_FLAGS, ...BASE_FLAGS];
    const second = await compileAll(cxx, flags, sources);
    if (second !== undefined) fail(`compilation failed: ${second}`);
  }
  const check = selfCheck();
  if (check !== undefined) fail(check);
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  writeStatus({
    ok: true,
    binary: rel(binary),
    compiler,
    cxx,
    flags,
    sourceHash,
    sanitize,
    seconds,
    builtAt: new Date().toISOString(),
  });
  process.stderr.write(`zkmargin: built ${rel(binary)} in ${seconds} s (${flags.join(" ")})\n`);
}

main().catch((e) => fail(`unexpected error: ${e && e.message ? e.message : String(e)}`));
