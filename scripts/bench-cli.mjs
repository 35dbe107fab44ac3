#!/usr/bin/env node
// CLI start-up: wall time of whole `zkmargin` processes (node start included), as a user and the
// CLI tests (one process per call) see it. `node scripts/bench-cli.mjs [--runs 5] [--bin path]
// [--config small,standard]`, also a step of `npm run bench` (--no-cli skips it).
//
// Commands: --version, --help, `check` and `prove --help` on the embedded demo files (examples/),
// and, for each configuration whose setup is cached (a prove that finds none exits 2 and the row is
// "skipped"), `prove --config <name>` of the hedged demo book (prover auto: native when built) and
// `verify` of that bundle. Each command runs --runs times, one after the other; the table shows
// the minimum and the median (the machine's load average is recorded: on a busy machine the
// minimum is the better estimate) and, on Linux, the CPU time each process and its children used
// (user + system, from /proc/self/stat's cutime + cstime: less sensitive to other load than the wall
// time, though not immune). Writes bench/results/cli.json. Needs dist/ (`npm run build`).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const ex = (f) => join(root, "examples", f);

/** Targets for whole `prove` processes (native prover), issue 15. */
export const CLI_TARGETS = { "prove small": 1.2, "prove standard": 2.5 };

/** CPU seconds of this process's waited-for children so far (Linux; undefined elsewhere). */
function childrenCpu() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 on: cutime, cstime are 16, 17
    return (Number(f[13]) + Number(f[14])) / 100; // USER_HZ: 100 on Linux
  } catch {
    return undefined;
  }
}

function time(bin, args) {
  const c0 = childrenCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  const seconds = (performance.now() - t0) / 1000;
  const c1 = childrenCpu();
  return { seconds, cpu: c0 === undefined || c1 === undefined ? undefined : c1 - c0, code: r.status, err: r.stderr };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 1000) / 1000;

/** Measure; `log` gets progress lines. */
export async function measureCli({ runs = 5, bin = join(root, "bin", "zkmargin.js"), configs = ["small", "standard"], log = () => {} } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), "zkm-bench-cli-"));
  const loadBefore = os.loadavg();
  const rows = [];
  const measure = (name, args, expect = [0]) => {
    const seconds = [];
    const cpu = [];
    for (let i = 0; i < runs; i++) {
      const r = time(bin, args);
      if (!expect.includes(r.code)) {
        log(`${name}: exit ${r.code}: ${r.err.trim().split("\n").slice(-1)[0] ?? ""}`);
        return { name, command: `zkmargin ${args.join(" ")}`, measured: false, exit: r.code, error: r.err.trim().split("\n").slice(-1)[0] ?? "" };
      }
      seconds.push(r.seconds);
      if (r.cpu !== undefined) cpu.push(r.cpu);
    }
    const row = { name, command: `zkmargin ${args.join(" ")}`, measured: true, runs, min: round(Math.min(...seconds)), median: round(median(seconds)), seconds: seconds.map(round) };
    if (cpu.length === runs) Object.assign(row, { cpuMin: round(Math.min(...cpu)), cpuMedian: round(median(cpu)) });
    if (CLI_TARGETS[name] !== undefined) row.target = { seconds: CLI_TARGETS[name], met: row.min <= CLI_TARGETS[name] };
    log(`${name}: min ${row.min.toFixed(2)} s, median ${row.median.toFixed(2)} s${row.cpuMedian !== undefined ? `, CPU ${row.cpuMedian.toFixed(2)} s` : ""}`);
    return row;
  };
  try {
    rows.push((() => {
      const seconds = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        spawnSync(process.execPath, ["-e", "0"]);
        seconds.push((performance.now() - t0) / 1000);
      }
      return { name: "node -e 0", command: "node -e 0 (the floor: node's own start)", measured: true, runs, min: round(Math.min(...seconds)), median: round(median(seconds)), seconds: seconds.map(round) };
    })());
    rows.push(measure("--version", ["--version"]));
    rows.push(measure("--help", ["--help"]));
    rows.push(measure("prove --help", ["prove", "--help"]));
    // check exits 0 (passes) on the hedged book at 1.25x.
    rows.push(measure("check", ["check", "--params", ex("params.json"), "--portfolio", ex("hedged-book.json"), "--health-bps", "12500"]));
    for (const config of configs) {
      const bundle = join(dir, `${config}.json`);
      const args = ["prove", "--params", ex("params.json"), "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--context", "0xabc123", "--config", config, "-o", bundle];
      const probe = time(bin, args);
      if (probe.code !== 0) {
        const why = probe.err.trim().split("\n").slice(-1)[0] ?? `exit ${probe.code}`;
        log(`prove ${config}: skipped (${why})`);
        rows.push({ name: `prove ${config}`, command: `zkmargin ${args.join(" ")}`, measured: false, skipped: why });
        continue;
      }
      rows.push(measure(`prove ${config}`, args));
      rows.push(measure(`verify ${config}`, ["verify", bundle, "--params", ex("params.json")]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    bin,
    runs,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}`, loadavgBefore: loadBefore.map(round), loadavgAfter: os.loadavg().map(round) },
    date: new Date().toISOString(),
    rows,
  };
}

/** A markdown table of a measureCli result. */
export function cliTable(r) {
  const lines = [
    `CLI start-up: whole processes, ${r.runs} runs each (load average ${r.machine.loadavgBefore[0]} before, ${r.machine.loadavgAfter[0]} after; ${r.machine.cpus} cores)`,
    "",
    "| command | min (s) | median (s) | CPU, median (s) | target (s) |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const row of r.rows) {
    if (!row.measured) lines.push(`| ${row.name} | ${row.skipped ? `skipped: ${row.skipped}` : `failed (exit ${row.exit}): ${row.error}`} | | | ${CLI_TARGETS[row.name] ?? ""} |`);
    else {
      const cpu = row.cpuMedian === undefined ? "" : row.cpuMedian.toFixed(2);
      lines.push(`| ${row.name} | ${row.min.toFixed(2)} | ${row.median.toFixed(2)} | ${cpu} | ${row.target ? `${row.target.seconds}${row.target.met ? "" : " (missed)"}` : ""} |`);
    }
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const opts = { runs: 5, bin: undefined, configs: ["small", "standard"] };
  const args = process.argv.slice(2).filter((a) => a !== "--");
  for (let i = 0; i < args.length; i++) {
    let [k, v] = args[i].split(/=(.*)/s, 2);
    const value = () => {
      if (v === undefined) v = args[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    if (k === "--runs") opts.runs = Number(value());
    else if (k === "--bin") opts.bin = value();
    else if (k === "--config" || k === "--configs") opts.configs = value().split(",").map((s) => s.trim()).filter(Boolean);
    else if (k === "-h" || k === "--help") {
      process.stdout.write("usage: node scripts/bench-cli.mjs [--runs 5] [--bin bin/zkmargin.js] [--config small,standard]\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(args[i])}`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > 100) throw new Error("--runs must be an integer from 1 to 100");
  const r = await measureCli({ ...opts, log: (m) => process.stderr.write(`bench-cli: ${m}\n`) });
  const resultsDir = join(root, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "cli.json"), `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`${cliTable(r)}\n\n(bench/results/cli.json)\n`);
}
