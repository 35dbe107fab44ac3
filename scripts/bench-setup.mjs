#!/usr/bin/env node
// Trusted-setup benchmark: the INSECURE dev key computed natively from the seed (per configuration,
// compile excluded), and a production ceremony (zkey new from a given ptau, 3 contributions, the
// beacon, zkey verify) with the native binary. Prints a table and writes bench/results/setup.json.
//
//   node scripts/bench-setup.mjs [--dev small,standard,large|none] [--ceremony small|none] [--runs 3]
//   (also run by `npm run bench` unless --no-setup)
//
// Configurations whose circuit is not compiled yet are compiled first (not timed; `large` takes
// minutes). The ceremony's "given" ptau is a locally generated one of exactly the circuit's power
// (no public file can be downloaded here); its generation is not timed. Uses the built SDK (dist/).
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (p) => import(join(root, "dist", p));

const TARGETS = { dev: { small: 5, standard: 30, large: 180 }, ceremony: { standard: 600 } };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function measureSetup({ dev = ["small", "standard"], ceremony = ["small"], runs = 3, log = () => {} } = {}) {
  const { getConfig } = await dist("src/config/circuits.js");
  const { compileCircuit } = await dist("src/circuit/compile.js");
  const { nativeDevZkey } = await dist("setup/devZkey.js");
  const { nativeNewZkey, nativeContribute } = await dist("setup/phase2.js");
  const { generateDevPtau } = await dist("setup/devPtau.js");
  const { nativeProverStatus } = await dist("src/prove/native.js");
  const snarkjs = await import("snarkjs");
  const status = nativeProverStatus();
  if (!status.available) return { measured: false, reason: status.reason };
  const binary = status.binary;
  const tmp = mkdtempSync(join(os.tmpdir(), "zkm-bench-setup-"));
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const out = { measured: true, dev: [], ceremony: [] };
  try {
    for (const name of dev) {
      log(`setup bench: ${name}: compiling (cached after the first run)`);
      const c = await compileCircuit(getConfig(name));
      const secs = [];
      let last;
      const n = name === "large" ? 1 : runs;
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        last = await nativeDevZkey(binary, c.r1cs, join(tmp, `${name}.zkey`));
        secs.push((performance.now() - t) / 1000);
        log(`setup bench: ${name}: native dev key ${secs.at(-1).toFixed(2)} s`);
      }
      const zkeyBytes = statSync(join(tmp, `${name}.zkey`)).size;
      rmSync(join(tmp, `${name}.zkey`), { force: true });
      const s = median(secs);
      out.dev.push({ config: name, constraints: c.constraints, power: c.power, seconds: s, runs: secs, phasesMs: last.timings, zkeyBytes, target: TARGETS.dev[name] ?? null, met: TARGETS.dev[name] === undefined ? null : s <= TARGETS.dev[name] });
    }
    for (const name of ceremony) {
      log(`setup bench: ${name}: production ceremony (given ptau of power ${"k"}, not timed)`);
      const c = await compileCircuit(getConfig(name));
      const ptau = join(tmp, `given-${c.power}.ptau`);
      await generateDevPtau({ power: c.power, outFile: ptau, seed: "bench: a given phase-1 file" });
      const z = (i) => join(tmp, `${name}-${i}.zkey`);
      const times = {};
      let t = performance.now();
      const lap = (k) => {
        times[k] = (performance.now() - t) / 1000;
        log(`setup bench: ${name}: ${k} ${times[k].toFixed(1)} s`);
        t = performance.now();
      };
      await nativeNewZkey(binary, c.r1cs, ptau, z(0));
      lap("new");
      for (let i = 1; i <= 3; i++) {
        await nativeContribute(binary, z(i - 1), z(i), `contribution ${i}`, { kind: "random" });
        lap(`contribution${i}`);
      }
      await nativeContribute(binary, z(3), z(4), "final beacon", { kind: "beacon", hash: "ab".repeat(32), iterationsExp: 10 });
      lap("beacon");
      const ok = await snarkjs.zKey.verifyFromInit(z(0), ptau, z(4), quiet);
      lap("verify");
      if (!ok) throw new Error(`${name}: zkey verify failed`);
      const total = Object.values(times).reduce((a, b) => a + b, 0);
      out.ceremony.push({ config: name, constraints: c.constraints, power: c.power, seconds: times, total, verified: ok, target: TARGETS.ceremony[name] ?? null, met: TARGETS.ceremony[name] === undefined ? null : total <= TARGETS.ceremony[name] });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    const g = globalThis;
    if (g.curve_bn128) await g.curve_bn128.terminate();
  }
  return out;
}

export function setupTable(r) {
  if (!r.measured) return `Setup: not measured (${r.reason})`;
  const rows = ["| configuration | constraints | native INSECURE dev key | target |", "|---|---:|---:|---|"];
  for (const d of r.dev) rows.push(`| \`${d.config}\` | ${d.constraints.toLocaleString("en-US")} (2^${d.power}) | ${d.seconds.toFixed(2)} s | ${d.target === null ? "" : `<= ${d.target} s ${d.met ? "met" : "MISSED"}`} |`);
  const lines = [rows.join("\n")];
  for (const c of r.ceremony) {
    const s = c.seconds;
    lines.push(
      `Production ceremony on \`${c.config}\` (native, snarkjs formats): new ${s.new.toFixed(1)} s, 3 contributions ${(s.contribution1 + s.contribution2 + s.contribution3).toFixed(1)} s, beacon ${s.beacon.toFixed(1)} s, verify ${s.verify.toFixed(1)} s: total ${c.total.toFixed(1)} s${c.target === null ? "" : ` (target <= ${c.target} s: ${c.met ? "met" : "MISSED"})`}`,
    );
  }
  return lines.join("\n\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (k, d) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : d;
  };
  // "none" (or an empty list) skips that part
  const list = (v) => (v === "none" ? [] : v.split(",").filter(Boolean));
  const dev = list(opt("--dev", "small,standard"));
  const ceremony = list(opt("--ceremony", "small"));
  const runs = Number(opt("--runs", "3"));
  const r = await measureSetup({ dev, ceremony, runs, log: (m) => process.stderr.write(`${m}\n`) });
  r.machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg(), node: process.version, at: new Date().toISOString() };
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "setup.json"), `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`${setupTable(r)}\n`);
  process.exit(0);
}
