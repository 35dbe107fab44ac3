#!/usr/bin/env node
// Native prover vs snarkjs, side by side (issue 10). `node scripts/bench-native.mjs [--configs small,standard,large] [--runs 3] [--build-witness]
// [--rapidsnark /path/to/prover] [--keep-witness <dir>]` or as part of `npm run bench` (measureNative). Uses the built SDK (dist/) and the native binary
// (native/build, `npm run build:native`).
//
// For each configuration with a setup (small and standard are set up if missing; large is timed only
// when its setup is cached: it takes about an hour to make here), on a full book (every slot used):
//   - the witness (snarkjs's wasm witness calculator), once; and with the native witness calculator
//     when it is built (`zkmargin native witness --config <name>`, or --build-witness here), which
//     must give the same bytes, each run;
//   - snarkjs groth16.prove on that witness file, in a child process (so its peak memory is its own);
//   - the native prover on the same zkey and witness file (wall time, its phase timings, peak memory);
//   - proveMargin with the native prover, as a caller uses it (engine, params tree, witness, native
//     proof, verification against the key, bundle);
//   - with --rapidsnark <path> (or ZKMARGIN_RAPIDSNARK=<path>): iden3 rapidsnark's `prover` binary on
//     the same zkey and witness file, right after the native prover in each run (its proof must
//     verify too), and the ratio native / rapidsnark. rapidsnark is not shipped: build it yourself.
// Runs alternate between the provers; each run records the load average (1 min) before it. Writes
// bench/results/native.json.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (p) => import(join(root, "dist", p));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const fmtS = (s) => (s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);
const fmtMiB = (kb) => `${(kb / 1024).toFixed(0)} MiB`;

/** Targets from issue 10 (seconds; native, witness excluded unless said). */
export const NATIVE_TARGETS = {
  small: { prove: 0.6 },
  standard: { prove: 2.5, moonshot: 2.0, proveMargin: 4.0, witness: 0.15 },
  large: { proveMargin: 15 },
};

/**
 * The synthetic market (bench/market-synthetic.json: 8 underlyings of 5 instruments, 9 assets),
 * widened to `groups` underlyings of `perGroup` instruments and `assets` collateral assets by
 * repeating its entries under new symbols and ids (prices and strikes as the originals), so that a
 * full book fills the large configuration.
 */
function syntheticMarket({ groups, perGroup, assets }) {
  const base = JSON.parse(readFileSync(join(root, "bench", "market-synthetic.json"), "utf8"));
  const m = structuredClone(base);
  const baseUnderlyings = base.underlyings;
  while (m.underlyings.length < groups) {
    const k = m.underlyings.length;
    const src = baseUnderlyings[k % baseUnderlyings.length];
    m.underlyings.push({ ...src, symbol: `${src.symbol}${Math.floor(k / baseUnderlyings.length) + 1}` });
  }
  m.instruments = [];
  m.underlyings.forEach((u, g) => {
    const src = baseUnderlyings[g % baseUnderlyings.length];
    const template = base.instruments.filter((i) => i.underlying === src.symbol);
    for (let n = 0; n < perGroup; n++) {
      const t = template[n % template.length];
      const round_ = Math.floor(n / template.length);
      const i = { ...t, id: 10000 + g * 100 + n, underlying: u.symbol };
      const scale = 1 + 0.05 * round_;
      if (t.strike !== undefined && round_ > 0) i.strike = String(Number((Number(t.strike) * (t.kind === "put" ? 1 / scale : scale)).toPrecision(6)));
      i.symbol = `${u.symbol}-${t.kind}-${n}`;
      m.instruments.push(i);
    }
  });
  while (m.assets.length < assets) {
    const k = m.assets.length;
    const src = base.assets[k % base.assets.length];
    m.assets.push({ ...src, id: 100 + k, symbol: `${src.symbol}${Math.floor(k / base.assets.length) + 1}` });
  }
  return m;
}

const COLLATERAL_AMOUNTS = { USDC: "2000000", USDT: "250000", ETH: "20", WBTC: "1.5", stETH: "10", DAI: "100000", SOL: "500", BNB: "50", LINK: "1000" };
const MULTIPLES = [1, -0.5, -1, 1, 0.5, -0.25, 0.75, -0.5];

export async function fullBook(config, sdk) {
  const market = syntheticMarket({ groups: Math.max(8, config.groupSlots), perGroup: config.positionSlots / config.groupSlots, assets: Math.max(9, config.collateralSlots) });
  const params = sdk.parseRiskParams(sdk.buildRiskParams(market).params);
  const spots = new Map(market.underlyings.map((u) => [u.symbol, Number(u.spot)]));
  const collateral = {};
  for (const a of params.assets.slice(0, config.collateralSlots)) collateral[a.symbol] = COLLATERAL_AMOUNTS[a.symbol.replace(/\d+$/, "")] ?? "1";
  const positions = {};
  for (const g of params.groups.slice(0, config.groupSlots)) {
    const ins = params.instruments.filter((i) => i.groupId === g.id).slice(0, config.positionSlots / config.groupSlots);
    ins.forEach((i, n) => {
      const m = MULTIPLES[n % MULTIPLES.length];
      const units = Math.max(1, Math.round(((Math.abs(m) * 25000) / spots.get(g.symbol)) * 10 ** i.decimals));
      const s = (BigInt(units) * 10n ** 0n).toString().padStart(i.decimals + 1, "0");
      const dec = i.decimals === 0 ? s : `${s.slice(0, -i.decimals)}.${s.slice(-i.decimals)}`;
      positions[i.symbol] = m < 0 ? `-${dec}` : dec;
    });
  }
  const portfolio = sdk.parsePortfolio({ collateral, positions }, params);
  let healthBps = 12500;
  const mm = sdk.computeMargin(params, portfolio, 10000, 0n);
  if (!mm.ok) throw new Error(`${config.name}: the synthetic full book does not pass at 1.0x`);
  if (!sdk.computeMargin(params, portfolio, healthBps, 0n).ok) healthBps = 10000;
  return { params, portfolio, healthBps, collateral: portfolio.collateral.length, positions: portfolio.positions.length };
}

function timeCommand(cmd, args) {
  const useTime = existsSync("/usr/bin/time");
  const t = performance.now();
  const r = useTime ? spawnSync("/usr/bin/time", ["-f", "__PEAK_KB=%M", cmd, ...args], { encoding: "utf8", maxBuffer: 64 << 20 }) : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  const peak = /__PEAK_KB=(\d+)/.exec(r.stderr);
  return { seconds, peakKb: peak ? Number(peak[1]) : undefined, stdout: r.stdout, stderr: r.stderr };
}

/** snarkjs groth16.prove on a witness file, in a child process; its own timing and peak memory. */
function snarkjsProve(zkey, wtns) {
  const script = `
    const snarkjs = await import(${JSON.stringify(join(root, "node_modules", "snarkjs", "main.js"))});
    const t = performance.now();
    const { proof, publicSignals } = await snarkjs.groth16.prove(${JSON.stringify(zkey)}, ${JSON.stringify(wtns)});
    const s = (performance.now() - t) / 1000;
    process.stdout.write(JSON.stringify({ seconds: s, maxRssKb: process.resourceUsage().maxRSS, proof, publicSignals }));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`snarkjs prove failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export async function measureNative({
  configs = ["small", "standard", "large"],
  runs = 3,
  buildWitness = false,
  rapidsnark = process.env.ZKMARGIN_RAPIDSNARK || undefined,
  keepWitness = undefined,
  log = (m) => process.stderr.write(`${m}\n`),
} = {}) {
  const { getConfig } = await dist("src/config/circuits.js");
  const { setupCircuit, findSetup, provingArtifacts, releaseCurve } = await dist("setup/groth16.js");
  const { nativeProverStatus } = await dist("src/prove/native.js");
  const { buildNativeWitness, computeNativeWitness, nativeWitnessStatus } = await dist("src/prove/nativeWitness.js");
  const { proveMargin } = await dist("src/prove/prove.js");
  const { buildWitnessInput } = await dist("src/prove/witness.js");
  const { buildParamsTree } = await dist("src/params/tree.js");
  const sdk = {
    parseRiskParams: (await dist("src/params/parse.js")).parseRiskParams,
    buildRiskParams: (await dist("src/market/build.js")).buildRiskParams,
    parsePortfolio: (await dist("src/portfolio/parse.js")).parsePortfolio,
    computeMargin: (await dist("src/engine/margin.js")).computeMargin,
  };
  const status = nativeProverStatus();
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  const out = { machine, native: status, rapidsnark: rapidsnark ?? null, runs, configs: {} };
  if (rapidsnark && !existsSync(rapidsnark)) throw new Error(`rapidsnark prover not found at ${rapidsnark}`);
  if (!status.available) {
    log(`native: not available (${status.reason}); nothing to compare`);
    return out;
  }
  const tmp = mkdtempSync(join(os.tmpdir(), "zkm-bench-native-"));
  try {
    for (const name of configs) {
      const config = getConfig(name);
      const setup = name === "large" ? await findSetup(config) : await setupCircuit(config, { progress: (m) => log(`${name}: ${m}`) });
      if (!setup) {
        log(`${name}: no cached setup (\`zkmargin setup --config ${name}\` takes about an hour here); skipped`);
        out.configs[name] = { skipped: "no cached setup" };
        continue;
      }
      const artifacts = provingArtifacts(setup);
      const vkey = JSON.parse(readFileSync(artifacts.vkey, "utf8"));
      const book = await fullBook(config, sdk);
      const tree = buildParamsTree(book.params);
      const w = buildWitnessInput({ params: book.params, tree, portfolio: book.portfolio, healthBps: book.healthBps, creditLimitCents: 0n, context: 1n, salt: 5n, config });
      const wtnsFile = join(tmp, `${name}.wtns`);
      const tw = performance.now();
      await snarkjs.wtns.calculate(w.input, artifacts.wasm, wtnsFile);
      const witnessSeconds = (performance.now() - tw) / 1000;
      if (keepWitness) {
        mkdirSync(keepWitness, { recursive: true });
        writeFileSync(join(keepWitness, `${name}.wtns`), readFileSync(wtnsFile));
        log(`${name}: witness kept as ${join(keepWitness, `${name}.wtns`)} (for ${artifacts.zkey})`);
      }
      log(`${name}: full book ${book.collateral} collateral / ${book.positions} positions; witness ${fmtS(witnessSeconds)}`);
      if (buildWitness) {
        await buildNativeWitness(config, { progress: (m) => log(`${name}: ${m}`) }).catch((e) => log(`${name}: ${e.message}`));
      }
      const calc = nativeWitnessStatus(config);
      if (!calc.available) log(`${name}: native witness: ${calc.reason}`);
      const res = { snarkjs: [], snarkjsPeakKb: [], native: [], nativePeakKb: [], nativePhases: [], proveMargin: [], nativeWitness: [], nativeWitnessCalcMs: [], rapidsnark: [], rapidsnarkPeakKb: [], load: [] };
      for (let i = 0; i < runs; i++) {
        res.load.push(round(os.loadavg()[0], 2));
        if (calc.available) {
          const file = join(tmp, `${name}-native.wtns`);
          const t = performance.now();
          const phases = await computeNativeWitness(calc, w.input, file);
          res.nativeWitness.push((performance.now() - t) / 1000);
          if (phases) res.nativeWitnessCalcMs.push(phases.calc);
          if (!readFileSync(file).equals(readFileSync(wtnsFile))) throw new Error(`${name}: the native witness differs from the wasm one`);
        }
        const s = snarkjsProve(artifacts.zkey, wtnsFile);
        res.snarkjs.push(s.seconds);
        res.snarkjsPeakKb.push(s.maxRssKb);
        const proofFile = join(tmp, "proof.json");
        const pubFile = join(tmp, "public.json");
        const n = timeCommand(status.binary, ["prove", artifacts.zkey, wtnsFile, proofFile, pubFile, "--timings"]);
        res.native.push(n.seconds);
        if (n.peakKb) res.nativePeakKb.push(n.peakKb);
        const phases = n.stderr.split("\n").map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).filter((x) => x && typeof x === "object").pop();
        if (phases) res.nativePhases.push(phases);
        const ok = await snarkjs.groth16.verify(vkey, JSON.parse(readFileSync(pubFile, "utf8")), JSON.parse(readFileSync(proofFile, "utf8")));
        if (!ok) throw new Error(`${name}: the native proof does not verify`);
        if (rapidsnark) {
          const rs = timeCommand(rapidsnark, [artifacts.zkey, wtnsFile, proofFile, pubFile]);
          res.rapidsnark.push(rs.seconds);
          if (rs.peakKb) res.rapidsnarkPeakKb.push(rs.peakKb);
          const rsOk = await snarkjs.groth16.verify(vkey, JSON.parse(readFileSync(pubFile, "utf8")), JSON.parse(readFileSync(proofFile, "utf8")));
          if (!rsOk) throw new Error(`${name}: the rapidsnark proof does not verify`);
        }
        const t = performance.now();
        const r = await proveMargin({ params: book.params, portfolio: book.portfolio, healthBps: book.healthBps, context: 1n, config, artifacts, tree, prover: "native" });
        res.proveMargin.push((performance.now() - t) / 1000);
        if (r.bundle.prover !== "native") throw new Error(`${name}: proveMargin did not use the native prover`);
        log(`${name}: run ${i + 1}/${runs} (load ${res.load.at(-1)}): snarkjs ${fmtS(s.seconds)} (${fmtMiB(s.maxRssKb)}), native ${fmtS(n.seconds)}${n.peakKb ? ` (${fmtMiB(n.peakKb)})` : ""}${rapidsnark ? `, rapidsnark ${fmtS(res.rapidsnark.at(-1))} (native / rapidsnark ${(n.seconds / res.rapidsnark.at(-1)).toFixed(2)}x)` : ""}, proveMargin native ${fmtS(res.proveMargin.at(-1))}${calc.available ? `, native witness ${fmtS(res.nativeWitness.at(-1))}` : ""}`);
      }
      const phaseMedians = {};
      for (const k of Object.keys(res.nativePhases[0] ?? {})) {
        if (typeof res.nativePhases[0][k] === "number") phaseMedians[k] = round(median(res.nativePhases.map((p) => p[k])), 1);
      }
      out.configs[name] = {
        book: { collateral: book.collateral, positions: book.positions, healthBps: book.healthBps },
        witnessSeconds: round(witnessSeconds),
        nativeWitness: calc.available
          ? { median: round(median(res.nativeWitness)), runs: res.nativeWitness.map((x) => round(x)), calcMsMedian: round(median(res.nativeWitnessCalcMs), 1), sameBytesAsWasm: true }
          : { skipped: calc.reason },
        snarkjsProve: { median: round(median(res.snarkjs)), runs: res.snarkjs.map((x) => round(x)) },
        nativeProve: { median: round(median(res.native)), runs: res.native.map((x) => round(x)) },
        ratio: round(median(res.native) / median(res.snarkjs)),
        rapidsnarkProve: rapidsnark ? { median: round(median(res.rapidsnark)), runs: res.rapidsnark.map((x) => round(x)), peakMemoryKb: Math.max(...res.rapidsnarkPeakKb) } : null,
        ratioRapidsnark: rapidsnark ? round(median(res.native) / median(res.rapidsnark)) : null,
        ratioRapidsnarkPerRun: rapidsnark ? res.native.map((x, k) => round(x / res.rapidsnark[k])) : null,
        loadAverage: res.load,
        proveMarginNative: { median: round(median(res.proveMargin)), runs: res.proveMargin.map((x) => round(x)) },
        peakMemoryKb: { snarkjs: Math.max(...res.snarkjsPeakKb), native: res.nativePeakKb.length ? Math.max(...res.nativePeakKb) : null },
        nativePhasesMs: phaseMedians,
        targets: NATIVE_TARGETS[name] ?? {},
      };
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await releaseCurve().catch(() => {});
  }
  return out;
}

export function nativeTable(r) {
  const rs = Boolean(r.rapidsnark);
  const lines = [`Native prover vs snarkjs${rs ? " and rapidsnark" : ""} (${r.machine.cpus} cores, ${r.machine.model}; median of ${r.runs}; witness excluded except proveMargin)`, ""];
  lines.push(`| Configuration | Full book | snarkjs prove | native prove | ratio |${rs ? " rapidsnark prove | native / rapidsnark |" : ""} proveMargin (native, all in) | witness wasm / native (process) | peak memory snarkjs / native | load average | target |`);
  lines.push(`|---|---|---|---|---|${rs ? "---|---|" : ""}---|---|---|---|---|`);
  for (const [name, c] of Object.entries(r.configs)) {
    if (c.skipped) {
      lines.push(`| ${name} | ${c.skipped} | | | |${rs ? " | |" : ""} | | | | |`);
      continue;
    }
    const rsCells = rs ? ` ${c.rapidsnarkProve ? fmtS(c.rapidsnarkProve.median) : "n/a"} | ${c.ratioRapidsnark !== null ? `${c.ratioRapidsnark.toFixed(2)}x` : "n/a"} |` : "";
    const load = c.loadAverage?.length ? `${Math.min(...c.loadAverage).toFixed(1)}-${Math.max(...c.loadAverage).toFixed(1)}` : "";
    const t = c.targets;
    const nw = c.nativeWitness?.median;
    const target = [
      t.prove ? `prove ≤ ${t.prove} s ${c.nativeProve.median <= t.prove ? "✔" : "✘"}` : "",
      t.proveMargin ? `proveMargin ≤ ${t.proveMargin} s ${c.proveMarginNative.median <= t.proveMargin ? "✔" : "✘"}` : "",
      t.witness && nw !== undefined ? `witness ≤ ${fmtS(t.witness)} ${nw <= t.witness ? "✔" : "✘"}` : "",
    ].filter(Boolean).join("; ");
    lines.push(
      `| ${name} | ${c.book.collateral} / ${c.book.positions} | ${fmtS(c.snarkjsProve.median)} | ${fmtS(c.nativeProve.median)} | ${c.ratio.toFixed(2)}x |${rsCells} ${fmtS(c.proveMarginNative.median)} | ${fmtS(c.witnessSeconds)} / ${nw !== undefined ? fmtS(nw) : "not built"} | ${fmtMiB(c.peakMemoryKb.snarkjs)} / ${c.peakMemoryKb.native ? fmtMiB(c.peakMemoryKb.native) : "n/a"} | ${load} | ${target} |`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  let configs;
  let runs = 3;
  let buildWitness = false;
  let rapidsnark;
  let keepWitness;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--configs" || args[i] === "--config") configs = args[++i].split(",");
    else if (args[i] === "--runs") runs = Number(args[++i]);
    else if (args[i] === "--build-witness") buildWitness = true;
    else if (args[i] === "--rapidsnark") rapidsnark = args[++i];
    else if (args[i] === "--keep-witness") keepWitness = args[++i];
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const r = await measureNative({ configs, runs, buildWitness, keepWitness, ...(rapidsnark ? { rapidsnark } : {}) });
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "native.json"), `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`${nativeTable(r)}\n`);
  process.exit(0);
}
