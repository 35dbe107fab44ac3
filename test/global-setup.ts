/**
 * Mocha global fixture (.mocharc.json "require"): runs once in the main process before the test
 * files, which then run in parallel workers (`--parallel --jobs 2`). It makes the artifacts that many
 * files share, one at a time, so that no two workers compile the same circuit or write the same setup
 * folder at once: the `small` and `small-verified` circuits and their INSECURE dev setups, and (when
 * the native binary is built) their native witness calculators. Each is cached per circuit hash, so a
 * second run finds them at once; the tests that check these steps still run them (on their own inputs
 * or against the cache).
 */
import { compileCircuit } from "../src/circuit/compile.js";
import { getConfig } from "../src/config/circuits.js";
import { nativeProverStatus } from "../src/prove/native.js";
import { buildNativeWitness } from "../src/prove/nativeWitness.js";
import { releaseCurve, setupCircuit } from "../setup/groth16.js";

export async function mochaGlobalSetup(): Promise<void> {
  const t0 = Date.now();
  const at = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  const log = (m: string) => process.stderr.write(`[global setup] ${m}\n`);
  const names = ["small", "small-verified"];
  const nativeWitness = nativeProverStatus().available && process.env.ZKMARGIN_NATIVE_WITNESS !== "off";
  // One pipeline per circuit, both at once, so that neither core waits for the slower circuit:
  // compile (one single-threaded circom run that also writes the C++ of the native witness
  // calculator; the lax twin is derived from its wasm), then the dev setup (queued: on the snarkjs
  // path the setups share the dev powers of tau) and the calculator's g++ build.
  let setups: Promise<unknown> = Promise.resolve();
  await Promise.all(
    names.map(async (name) => {
      const c = getConfig(name);
      await compileCircuit(c, { lax: true, withCpp: nativeWitness });
      log(`${name}: compiled (and its lax twin) at ${at()}`);
      const setup = (setups = setups.then(() => setupCircuit(c)));
      const calculator = nativeWitness
        ? buildNativeWitness(c).catch((e: Error) => {
            // the native witness tests report this themselves; the rest falls back to the wasm
            log(`${name}: native witness calculator not built: ${e.message.split("\n")[0]}`);
          })
        : undefined;
      await Promise.all([setup, calculator]);
      log(`${name}: set up${nativeWitness ? " and its native witness calculator built" : ""} at ${at()}`);
    }),
  );
  await releaseCurve();
  log(`small and small-verified compiled and set up in ${at()}`);
}

/**
 * With ZKMARGIN_TEST_TIMES=<file>, each test file's wall time (hooks included) is appended to
 * <file> as one JSON line {file, seconds, cpu, sys, rssMiB, start}: root hooks run once per file in
 * parallel mode. `cpu` is the CPU seconds of the worker and of the child processes it waited for
 * (compilers, provers, CLIs; /proc/self/stat's utime, stime, cutime and cstime), `sys` the kernel's
 * part of it, where a file's wall time also counts its waits; `rssMiB` the worker's resident memory
 * at the end (each spawn forks the worker: its cost grows with that). For finding where the suite's
 * time goes (not an assertion).
 */
const timesFile = process.env.ZKMARGIN_TEST_TIMES;
let fileStart = 0;
let cpuStart = { user: 0, sys: 0 };
/** CPU seconds (user, system) of this process and its reaped children (Linux), or NaN. */
async function cpuSeconds(): Promise<{ user: number; sys: number }> {
  try {
    const { readFileSync } = await import("node:fs");
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields 14-17 of proc(5) (utime, stime, cutime, cstime) are f[11..14] after the command name
    return { user: (Number(f[11]) + Number(f[13])) / 100, sys: (Number(f[12]) + Number(f[14])) / 100 };
  } catch {
    return { user: Number.NaN, sys: Number.NaN };
  }
}
export const mochaHooks = timesFile
  ? {
      async beforeAll(this: Mocha.Context) {
        fileStart = Date.now();
        cpuStart = await cpuSeconds();
      },
      async afterAll(this: Mocha.Context) {
        const { appendFileSync } = await import("node:fs");
        const root = this.test?.parent;
        const file = root?.suites.find((s) => s.file)?.file ?? root?.file ?? "?";
        const now = await cpuSeconds();
        const r1 = (x: number) => Math.round(x * 10) / 10;
        const line = {
          file: file.replace(`${process.cwd()}/`, ""),
          seconds: (Date.now() - fileStart) / 1000,
          cpu: r1(now.user + now.sys - cpuStart.user - cpuStart.sys),
          sys: r1(now.sys - cpuStart.sys),
          rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
          start: fileStart,
        };
        appendFileSync(timesFile, `${JSON.stringify(line)}\n`);
      },
    }
  : {};
