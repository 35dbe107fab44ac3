#!/usr/bin/env node
// `npm run bench [-- --config small,standard] [--runs 5]`: constraint counts (total and per slot),
// compile and setup time, witness / prove / verify time, SDK overhead over raw snarkjs, artifact
// sizes, next to the targets. Uses the built SDK (dist/): run `npm run build` first.
//
// Writes bench/results/<config>.json per configuration and bench/results/latest.json (every
// configuration's latest result), prints one table per configuration and a combined markdown table
// to stdout; progress goes to stderr. The setup is the INSECURE dev one (cached after its first run;
// its times are the ones recorded when it was made).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (p) => import(join(root, "dist", p));
const { CONFIGS, getConfig } = await dist("src/config/circuits.js");
const { compileCircuit } = await dist("src/circuit/compile.js");
const { setupCircuit, releaseCurve, provingArtifacts } = await dist("setup/groth16.js");
const { parseRiskParams } = await dist("src/params/parse.js");
const { buildParamsTree } = await dist("src/params/tree.js");
const { parsePortfolio } = await dist("src/portfolio/parse.js");
const { buildWitnessInput } = await dist("src/prove/witness.js");
const { proveMargin } = await dist("src/prove/prove.js");
const { verifyMargin } = await dist("src/prove/verify.js");

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const out = { configs: Object.keys(CONFIGS), runs: 5, healthBps: 12500, gas: true };
  const args = argv.filter((a) => a !== "--");
  for (let i = 0; i < args.length; i++) {
    let [k, v] = args[i].split(/=(.*)/s, 2);
    const value = () => {
      if (v === undefined) v = args[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    if (k === "--config" || k === "--configs") out.configs = value().split(",").map((s) => s.trim()).filter(Boolean);
    else if (k === "--runs") out.runs = Number(value());
    else if (k === "--health-bps") out.healthBps = Number(value());
    else if (k === "--no-gas") out.gas = false;
    else if (k === "-h" || k === "--help") {
      process.stdout.write("usage: npm run bench [-- --config small,standard] [--runs 5] [--health-bps 12500] [--no-gas]\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(args[i])}`);
  }
  if (!Number.isInteger(out.runs) || out.runs < 1 || out.runs > 100) throw new Error("--runs must be an integer from 1 to 100");
  for (const c of out.configs) getConfig(c);
  return out;
}

// ---------------------------------------------------------------- helpers
const t0 = Date.now();
const log = (m) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.map((x) => round(x, 4)) });
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const now = () => performance.now();
const sec = (a, b) => (b - a) / 1000;
const fmtInt = (n) => n.toLocaleString("en-US");
const fmtS = (s) => (s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);
const fmtBytes = (b) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : b >= 1 << 10 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);
const fmtPct = (p) => `${p >= 0 ? "+" : ""}${p.toFixed(1)} %`;

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    ramGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
    date: new Date().toISOString(),
  };
}
const machineLine = (m) => `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os}, ${m.date.slice(0, 10)}`;

// ---------------------------------------------------------------- books
function loadParams() {
  return parseRiskParams(JSON.parse(readFileSync(join(root, "examples/params.json"), "utf8")));
}

/**
 * A book that fits the configuration and passes: the small one is examples/hedged-book.json; for
 * larger configurations, every collateral asset (up to the slots) with plenty of USDC, and up to
 * ~20 positions (up to the slots) with small sizes, alternating long and short.
 */
function bookFor(config, params) {
  if (config.collateralSlots <= 2 || config.positionSlots <= 4) {
    return { source: "examples/hedged-book.json", json: JSON.parse(readFileSync(join(root, "examples/hedged-book.json"), "utf8")) };
  }
  const collateralAmounts = { USDC: "2000000", USDT: "250000", ETH: "20", WBTC: "1.5", stETH: "10" };
  const collateral = {};
  for (const a of params.assets.slice(0, config.collateralSlots)) collateral[a.symbol] = collateralAmounts[a.symbol] ?? "1";
  const sizes = { perpetual: ["0.5", "-4", "50"], future: ["3"], option: ["2", "-1", "1", "-2", "3", "1", "-1", "2", "10", "-15", "5", "-10", "20", "8", "-6", "12"] };
  const used = { perpetual: 0, future: 0, option: 0 };
  const positions = {};
  for (const ins of params.instruments.slice(0, Math.min(20, config.positionSlots))) {
    const list = sizes[ins.kind] ?? ["1"];
    positions[ins.symbol] = list[used[ins.kind]++ % list.length] ?? "1";
  }
  return { source: `generated: ${Object.keys(collateral).length} collateral assets, ${Object.keys(positions).length} positions (examples/params.json)`, json: { collateral, positions } };
}

// ---------------------------------------------------------------- constraint breakdown
const variant = (base, c, p) =>
  Object.freeze({
    ...base,
    name: `bench-c${c}p${p}`,
    // fixed text: the description is part of the generated main (and its hash), keep variants shared
    description: `benchmark variant: ${c} collateral slot(s), ${p} position slot(s)`,
    collateralSlots: c,
    positionSlots: p,
  });

async function constraintBreakdown(config, progress) {
  const c1p1 = await compileCircuit(variant(config, 1, 1), { progress });
  const c2p1 = await compileCircuit(variant(config, 2, 1), { progress });
  const c1p2 = await compileCircuit(variant(config, 1, 2), { progress });
  const perCollateralSlot = c2p1.constraints - c1p1.constraints;
  const perPositionSlot = c1p2.constraints - c1p1.constraints;
  const fixed = c1p1.constraints - perCollateralSlot - perPositionSlot;
  return { c1p1: c1p1.constraints, c2p1: c2p1.constraints, c1p2: c1p2.constraints, perPositionSlot, perCollateralSlot, fixed };
}

// ---------------------------------------------------------------- one configuration
async function benchConfig(name, opts, machine) {
  const config = getConfig(name);
  const progress = (m) => log(`  ${m}`);
  log(`${name}: compiling (cached when unchanged)`);
  const compiled = await compileCircuit(config, { progress });
  const info = await snarkjs.r1cs.info(compiled.r1cs);
  const r1csConstraints = Number(info.nConstraints);
  if (r1csConstraints !== compiled.constraints) log(`${name}: WARNING compile log says ${compiled.constraints} constraints, the r1cs has ${r1csConstraints}`);

  log(`${name}: per-slot constraints (variants c1p1, c2p1, c1p2)`);
  const breakdown = await constraintBreakdown(config, progress);
  const predicted = breakdown.fixed + config.collateralSlots * breakdown.perCollateralSlot + config.positionSlots * breakdown.perPositionSlot;

  log(`${name}: trusted setup (INSECURE dev; cached after its first run)`);
  const setupStart = Date.now();
  const setup = await setupCircuit(config, { progress });
  const setupWasCached = Date.parse(setup.record.createdAt) < setupStart;
  const artifacts = provingArtifacts(setup);
  const vkey = JSON.parse(readFileSync(setup.vkey, "utf8"));

  const params = loadParams();
  const book = bookFor(config, params);
  const portfolio = parsePortfolio(book.json, params);
  const context = BigInt(`0x${randomBytes(31).toString("hex")}`);
  const healthBps = opts.healthBps;
  log(`${name}: book ${book.source}: ${portfolio.collateral.length} collateral, ${portfolio.positions.length} positions, ${healthBps} bps`);

  // Warm-up (curve workers, wasm compile caches): one SDK proof, not counted.
  log(`${name}: warm-up proof (not counted)`);
  let tw = now();
  const warm = await proveMargin({ params, portfolio, healthBps, context, config, artifacts });
  const warmSeconds = sec(tw, now());

  const sdkTotal = [];
  const sdkProve = [];
  const sdkInput = [];
  const rawWtns = [];
  const rawProve = [];
  const rawTotal = [];
  let bundle = warm.bundle;
  for (let i = 0; i < opts.runs; i++) {
    // SDK: proveMargin as a caller uses it (engine check, params tree, input, fullProve, bundle)
    const salt = BigInt(`0x${randomBytes(31).toString("hex")}`);
    const a = now();
    const r = await proveMargin({ params, portfolio, healthBps, context, config, artifacts, salt });
    const b = now();
    sdkTotal.push(sec(a, b));
    sdkProve.push(r.seconds.prove);
    sdkInput.push(r.seconds.witnessInput);
    bundle = r.bundle;
    // raw snarkjs on the same witness: wtns.calculate then groth16.prove
    const w = buildWitnessInput({ params, tree: buildParamsTree(params), portfolio, healthBps, context, salt, config });
    const wtns = { type: "mem" };
    const c = now();
    await snarkjs.wtns.calculate(w.input, artifacts.wasm, wtns);
    const d = now();
    const { publicSignals } = await snarkjs.groth16.prove(artifacts.zkey, wtns);
    const e = now();
    if (JSON.stringify(publicSignals) !== JSON.stringify(r.bundle.publicSignals)) throw new Error("raw and SDK public signals differ");
    rawWtns.push(sec(c, d));
    rawProve.push(sec(d, e));
    rawTotal.push(sec(c, e));
    log(`${name}: run ${i + 1}/${opts.runs}: proveMargin ${fmtS(sec(a, b))}, raw witness ${fmtS(sec(c, d))} + prove ${fmtS(sec(d, e))}`);
  }

  const verifyTimes = [];
  const rawVerifyTimes = [];
  for (let i = 0; i < opts.runs; i++) {
    const a = now();
    const v = await verifyMargin(bundle, vkey, { minHealthBps: healthBps, context });
    const b = now();
    if (!v.valid) throw new Error(`verification failed: ${JSON.stringify(v.checks)}`);
    const ok = await snarkjs.groth16.verify(vkey, bundle.publicSignals, bundle.proof);
    const c = now();
    if (!ok) throw new Error("raw verification failed");
    verifyTimes.push(sec(a, b));
    rawVerifyTimes.push(sec(b, c));
  }
  const withParams = now();
  const vp = await verifyMargin(bundle, vkey, { params, minHealthBps: healthBps, context });
  const verifyWithParamsSeconds = sec(withParams, now());
  if (!vp.valid) throw new Error("verification with params failed");

  const sdkMedian = median(sdkTotal);
  const rawMedian = median(rawTotal);
  const overheadPct = ((sdkMedian - rawMedian) / rawMedian) * 100;
  const proveTarget = name === "small" ? { op: "<", value: 3 } : name === "standard" ? { op: "<=", value: 12 } : null;
  const s = setup.record.seconds;
  const targets = {
    perPositionSlot: { target: "<= 3,200", measured: breakdown.perPositionSlot, met: breakdown.perPositionSlot <= 3200 },
    perCollateralSlot: { target: "<= 2,500", measured: breakdown.perCollateralSlot, met: breakdown.perCollateralSlot <= 2500 },
    ...(name === "standard" ? { constraints: { target: "< 131,072", measured: r1csConstraints, met: r1csConstraints < 131072 } } : {}),
    ...(proveTarget
      ? {
          proveMedianSeconds: {
            target: `${proveTarget.op === "<" ? "<" : "<="} ${proveTarget.value} s`,
            measured: round(sdkMedian),
            met: proveTarget.op === "<" ? sdkMedian < proveTarget.value : sdkMedian <= proveTarget.value,
          },
        }
      : {}),
    sdkOverheadPct: { target: "< 10 %", measured: round(overheadPct, 1), met: overheadPct < 10 },
  };
  const proofBytes = Buffer.byteLength(JSON.stringify(bundle.proof));
  return {
    config: name,
    description: config.description,
    machine,
    circuit: {
      circuitHash: compiled.circuitHash,
      collateralSlots: config.collateralSlots,
      positionSlots: config.positionSlots,
      layout: config.layout.name,
      optimization: config.optimization,
      constraints: r1csConstraints,
      constraintsFromCompileLog: compiled.constraints,
      wires: Number(info.nVars),
      power: compiled.power,
      perPositionSlot: breakdown.perPositionSlot,
      perCollateralSlot: breakdown.perCollateralSlot,
      fixed: breakdown.fixed,
      predicted,
      predictionError: r1csConstraints - predicted,
      variants: { c1p1: breakdown.c1p1, c2p1: breakdown.c2p1, c1p2: breakdown.c1p2 },
    },
    seconds: {
      compile: round(compiled.compileSeconds),
      setup: {
        insecure: setup.record.insecure,
        label: setup.record.insecure ? "INSECURE dev setup (dev ptau from a public seed, 1 local phase-2 contribution)" : setup.record.ptau.label,
        cached: setupWasCached,
        createdAt: setup.record.createdAt,
        ptau: round(s.ptau),
        zkey: round(s.zkey),
        contributions: round(s.contributions),
        verify: round(s.verify),
        total: round(s.total),
        note: "from the setup record (times of the run that made the setup; ptau 0 when the dev ptau file was already cached)",
      },
      warmupProof: round(warmSeconds),
      proveMargin: stats(sdkTotal),
      proveMarginFullProve: stats(sdkProve),
      proveMarginInputBuild: stats(sdkInput),
      witness: stats(rawWtns),
      rawGroth16Prove: stats(rawProve),
      rawWitnessPlusProve: stats(rawTotal),
      verifyMargin: stats(verifyTimes),
      rawGroth16Verify: stats(rawVerifyTimes),
      verifyMarginWithParamsRoot: round(verifyWithParamsSeconds, 4),
    },
    sdkOverheadPct: round(overheadPct, 1),
    sizes: {
      proofJsonBytes: proofBytes,
      bundleJsonBytes: Buffer.byteLength(JSON.stringify(bundle)),
      zkeyBytes: statSync(setup.zkey).size,
      vkeyBytes: statSync(setup.vkey).size,
    },
    book: { source: book.source, healthBps, collateral: portfolio.collateral.length, positions: portfolio.positions.length, json: book.json },
    runs: opts.runs,
    loadAvgAfter: os.loadavg().map((x) => round(x, 2)),
    targets,
  };
}

// ---------------------------------------------------------------- output
const mark = (t) => (t ? (t.met ? "met" : "MISSED") : "");

function rows(r) {
  const t = r.targets;
  const s = r.seconds;
  const su = s.setup;
  return [
    ["Constraints (r1cs)", fmtInt(r.circuit.constraints), t.constraints?.target ?? "", mark(t.constraints)],
    ["Domain power", `2^${r.circuit.power}`, "", ""],
    ["Slots (collateral / position)", `${r.circuit.collateralSlots} / ${r.circuit.positionSlots}`, "", ""],
    ["Per position slot", fmtInt(r.circuit.perPositionSlot), t.perPositionSlot.target, mark(t.perPositionSlot)],
    ["Per collateral slot", fmtInt(r.circuit.perCollateralSlot), t.perCollateralSlot.target, mark(t.perCollateralSlot)],
    ["Fixed", fmtInt(r.circuit.fixed), "", ""],
    ["Optimization", `--${r.circuit.optimization}`, "", ""],
    ["Compile", fmtS(s.compile), "", ""],
    [
      `Setup${su.insecure ? " (INSECURE dev)" : ""}: ptau / zkey / contrib.`,
      `${fmtS(su.ptau)} / ${fmtS(su.zkey)} / ${fmtS(su.contributions)}`,
      "",
      "",
    ],
    ["Witness (median)", fmtS(s.witness.median), "", ""],
    ["Prove, proveMargin (median)", fmtS(s.proveMargin.median), t.proveMedianSeconds?.target ?? "", mark(t.proveMedianSeconds)],
    ["Raw snarkjs witness + prove (median)", `${fmtS(s.rawWitnessPlusProve.median)} (prove ${fmtS(s.rawGroth16Prove.median)})`, "", ""],
    ["SDK overhead", fmtPct(r.sdkOverheadPct), t.sdkOverheadPct.target, mark(t.sdkOverheadPct)],
    ["Verify, verifyMargin (median)", fmtS(s.verifyMargin.median), "", ""],
    ["Proof size (JSON)", `${fmtInt(r.sizes.proofJsonBytes)} B`, "", ""],
    ["zkey size", fmtBytes(r.sizes.zkeyBytes), "", ""],
    ["vkey size", fmtBytes(r.sizes.vkeyBytes), "", ""],
  ];
}

function printTable(r) {
  const table = rows(r);
  const w = [0, 1, 2].map((i) => Math.max(...table.map((row) => row[i].length), ["metric", "measured", "target"][i].length));
  const line = (c) => `  ${c[0].padEnd(w[0])}  ${c[1].padStart(w[1])}  ${c[2].padEnd(w[2])}  ${c[3]}`.trimEnd();
  const out = [
    "",
    `${r.config}: ${r.description}`,
    `  ${r.book.source}; ${r.runs} runs; ${r.seconds.setup.insecure ? "INSECURE dev setup" : "production setup"}`,
    line(["metric", "measured", "target", ""]),
    line(["-".repeat(w[0]), "-".repeat(w[1]), "-".repeat(w[2]), ""]),
    ...table.map(line),
    `  (fixed + slots x per-slot predicts ${fmtInt(r.circuit.predicted)}, off by ${r.circuit.predictionError})`,
    "",
  ];
  process.stdout.write(out.join("\n"));
}

function markdown(results) {
  const names = Object.keys(results);
  const tabs = names.map((n) => rows(results[n]));
  const head = `| Metric | Target | ${names.map((n) => `\`${n}\``).join(" | ")} |`;
  const sep = `|---|---|${names.map(() => "---:").join("|")}|`;
  const body = tabs[0].map((row, i) => {
    const target = tabs.map((t) => t[i][2]).find(Boolean) ?? "";
    const cells = tabs.map((t) => `${t[i][1]}${t[i][3] === "MISSED" ? " **(missed)**" : ""}`);
    return `| ${row[0]} | ${target} | ${cells.join(" | ")} |`;
  });
  const machines = [...new Set(names.map((n) => machineLine(results[n].machine)))];
  return [head, sep, ...body, "", ...machines.map((m) => `Machine: ${m}.`)].join("\n");
}

// ---------------------------------------------------------------- main
let code = 0;
try {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
  const machine = machineInfo();
  log(`machine: ${machineLine(machine)}; load ${machine.loadAvgAtStart.join(" ")}`);
  const resultsDir = join(root, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  for (const name of opts.configs) {
    const r = await benchConfig(name, opts, machine);
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(r, null, 2)}\n`);
    log(`${name}: wrote bench/results/${name}.json`);
    printTable(r);
  }
  // latest.json: the latest result of every configuration (each carries its own machine and date)
  const latest = {};
  for (const name of Object.keys(CONFIGS)) {
    const f = join(resultsDir, `${name}.json`);
    if (existsSync(f)) latest[name] = JSON.parse(readFileSync(f, "utf8"));
  }
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify({ generatedAt: new Date().toISOString(), configs: latest }, null, 2)}\n`);
  log("wrote bench/results/latest.json");
  process.stdout.write(`\nMarkdown (bench/results/latest.json):\n\n${markdown(latest)}\n`);
  if (opts.gas) {
    log("gas: deploy, post-params and submit on the embedded EVM (small circuit's setup)");
    const { measureGas } = await import("./bench-gas.mjs");
    const g = await measureGas();
    g.machine = machine;
    writeFileSync(join(resultsDir, "gas.json"), `${JSON.stringify(g, null, 2)}\n`);
    const rows = [
      ["deploy Groth16Verifier / RiskParamsRegistry / MarginAttestations / ExamplePool", `${g.deploy.verifier} / ${g.deploy.registry} / ${g.deploy.attestations} / ${g.deploy.pool}`],
      ["post-params", g.postParams],
      ["submit, first attestation of an account", g.submitFirstSelfDeclared],
      ["submit, refresh (self-declared)", `${g.submitRefreshSelfDeclared} (target <= ${g.target.submit})`],
      ["submit, refresh with attestor signature", g.submitRefreshWithAttestor],
      ["verifier alone, as a transaction", g.verifierAloneAsTransaction],
    ];
    process.stdout.write(`\nGas (${g.network}):\n\n| operation | gas |\n|---|---:|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n`);
  }
  const missed = Object.values(latest).flatMap((r) => Object.entries(r.targets).filter(([, t]) => !t.met).map(([k, t]) => `${r.config} ${k}: ${t.measured} (target ${t.target})`));
  if (missed.length) process.stdout.write(`\nMissed targets:\n${missed.map((m) => `  - ${m}`).join("\n")}\n`);
} catch (e) {
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  code = 1;
} finally {
  await releaseCurve().catch(() => {});
}
process.exit(code);
