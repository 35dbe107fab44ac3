#!/usr/bin/env node
// `npm run bench [-- --config small,standard] [--runs 5] [--no-gas] [--no-verified] [--no-cli] [--no-venue]`: constraint counts (total and
// per collateral / position / group slot, from compiled variants), compile and setup time, witness /
// prove / verify time for a full book (every slot used) and a sparse one, SDK overhead over raw
// snarkjs, artifact sizes, next to the targets; then gas (scripts/bench-gas.mjs) and CLI start-up
// (scripts/bench-cli.mjs: whole `zkmargin` processes, bench/results/cli.json) and the venue statement
// service's throughput (scripts/bench-venue.mjs, bench/results/venue.json). Uses the built SDK
// (dist/): run `npm run build` first. Parameters: bench/market-synthetic.json through buildRiskParams.
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
const { buildRiskParams } = await dist("src/market/build.js");
const { computeMargin } = await dist("src/engine/margin.js");
const { buildParamsTree } = await dist("src/params/tree.js");
const { parsePortfolio } = await dist("src/portfolio/parse.js");
const { buildWitnessInput } = await dist("src/prove/witness.js");
const { proveMargin } = await dist("src/prove/prove.js");
const { verifyMargin } = await dist("src/prove/verify.js");

// ---------------------------------------------------------------- arguments
function parseArgs(argv) {
  const out = { configs: Object.keys(CONFIGS).filter((c) => c !== "large"), runs: 5, healthBps: 12500, gas: true, verified: true, native: true, setup: true, cli: true, venue: true };
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
    else if (k === "--no-verified") out.verified = false;
    else if (k === "--no-native") out.native = false;
    else if (k === "--no-setup") out.setup = false;
    else if (k === "--no-cli") out.cli = false;
    else if (k === "--no-venue") out.venue = false;
    else if (k === "-h" || k === "--help") {
      process.stdout.write("usage: npm run bench [-- --config small,standard] [--runs 5] [--health-bps 12500] [--no-gas] [--no-verified] [--no-native] [--no-setup] [--no-cli] [--no-venue]\n(--config= with no configuration runs only the gas, CLI start-up and venue service steps)\n");
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
const cpuSec = (u) => (u.user + u.system) / 1e6;
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
// The benchmark's parameters: bench/market-synthetic.json (a synthetic market: 8 underlyings, each
// one risk group with a perpetual, a future and three options, 40 instruments; 9 collateral assets;
// spots and vols of late 2026, not live data) built with buildRiskParams, exactly as `zkmargin params
// build` does. examples/params.json has too few underlyings to fill the standard circuit's 8 groups.
const MARKET_FILE = "bench/market-synthetic.json";

function loadParams() {
  const market = JSON.parse(readFileSync(join(root, MARKET_FILE), "utf8"));
  const params = parseRiskParams(buildRiskParams(market).params);
  const spots = new Map(market.underlyings.map((u) => [u.symbol, Number(u.spot)]));
  return { params, spots };
}

// Collateral amounts in whole tokens (by symbol); any other asset gets 1.
const COLLATERAL_AMOUNTS = { USDC: "2000000", USDT: "250000", ETH: "20", WBTC: "1.5", stETH: "10", DAI: "100000", SOL: "500", BNB: "50", LINK: "1000" };
// Positions in a group, in instrument order (perpetual, future, call, put, call), as multiples of
// about $25,000 of underlying notional: long perp, short future (a calendar spread), short call,
// long put, long call.
const POSITION_MULTIPLES = [1, -0.5, -1, 1, 0.5];
const NOTIONAL_USD = 25000;

/** `x` (a positive real) as a decimal string with at most `decimals` places, at least one base unit. */
function sizeString(x, decimals) {
  const base = Math.max(1, Math.round(x * 10 ** decimals));
  const s = String(base).padStart(decimals + 1, "0");
  return decimals === 0 ? s : `${s.slice(0, -decimals)}.${s.slice(-decimals)}`.replace(/\.?0+$/, "");
}

/**
 * A book of `collateral` assets (the first by id) and `positionsPerGroup` positions in each of
 * `groups` risk groups (the first by id), with a credit limit of half the largest the book supports
 * at `healthBps` (so the proof covers a non-zero credit limit, as a borrower's would).
 */
function makeBook({ params, spots }, { collateral, groups, positionsPerGroup }, healthBps) {
  const coll = {};
  for (const a of params.assets.slice(0, collateral)) coll[a.symbol] = COLLATERAL_AMOUNTS[a.symbol] ?? "1";
  const positions = {};
  for (const g of params.groups.slice(0, groups)) {
    const spot = spots.get(g.symbol);
    const instruments = params.instruments.filter((i) => i.groupId === g.id);
    if (instruments.length < positionsPerGroup) throw new Error(`group ${g.symbol} has ${instruments.length} instruments, the book needs ${positionsPerGroup}`);
    instruments.slice(0, positionsPerGroup).forEach((ins, n) => {
      const m = POSITION_MULTIPLES[n % POSITION_MULTIPLES.length];
      const s = sizeString((Math.abs(m) * NOTIONAL_USD) / spot, ins.decimals);
      positions[ins.symbol] = m < 0 ? `-${s}` : s;
    });
  }
  const json = { collateral: coll, positions };
  const portfolio = parsePortfolio(json, params);
  const m0 = computeMargin(params, portfolio, healthBps, 0n);
  if (!m0.ok) throw new Error(`the generated book does not pass at ${healthBps} bps`);
  const maxCents = (m0.adjustedCollateralE30 - BigInt(healthBps) * m0.requirementE26) / (BigInt(healthBps) * 10n ** 24n);
  const creditLimitCents = maxCents / 2n;
  const m = computeMargin(params, portfolio, healthBps, creditLimitCents);
  return {
    json,
    portfolio,
    creditLimitCents,
    collateral: portfolio.collateral.length,
    positions: portfolio.positions.length,
    groups: m.groups.length,
    requirementUsd: Number(m.requirementE26 / 10n ** 18n) / 1e8,
    adjustedCollateralUsd: Number(m.adjustedCollateralE30 / 10n ** 22n) / 1e8,
  };
}

/** The full book fills every slot of the configuration; the sparse one is 1 asset, 2 positions in 1 group. */
function booksFor(config, market, healthBps) {
  if (config.positionSlots % config.groupSlots !== 0) throw new Error(`${config.name}: position slots are not a multiple of group slots`);
  const full = makeBook(market, { collateral: config.collateralSlots, groups: config.groupSlots, positionsPerGroup: config.positionSlots / config.groupSlots }, healthBps);
  const sparse = makeBook(market, { collateral: 1, groups: 1, positionsPerGroup: 2 }, healthBps);
  if (full.collateral !== config.collateralSlots || full.positions !== config.positionSlots || full.groups !== config.groupSlots) {
    throw new Error(`${config.name}: the full book does not fill every slot (${full.collateral}/${full.positions}/${full.groups})`);
  }
  return { full, sparse };
}

// ---------------------------------------------------------------- constraint breakdown
// Model: constraints(C, P, G) = F + a*C + b0*P + g0*G + x*P*G. The cross term is real: every
// position slot adds its signed quantity, short-option minimum and K scenario P&Ls to each group
// slot's sums (one product each), so a position slot costs b0 + x*G and a group slot g0 + x*P.
// Five variants around (C, P, G) = (1, 3, 4) give the five coefficients by differences. P steps
// 3 -> 4 and G steps 4 -> 8 (groupSlots must be a power of two >= 2); P = 3 and 4 have the same
// ceil(log2 P), so the bit widths that depend on it do not move.
const VARIANTS = [
  [1, 3, 4],
  [2, 3, 4],
  [1, 4, 4],
  [1, 3, 8],
  [1, 4, 8],
];
const variant = (base, c, p, g) =>
  Object.freeze({
    ...base,
    // name and description are part of the generated main (and its hash): fixed text, so every
    // configuration shares the cached variants
    name: `bench-c${c}p${p}g${g}`,
    description: `benchmark variant: ${c} collateral slot(s), ${p} position slot(s), ${g} group slot(s)`,
    collateralSlots: c,
    positionSlots: p,
    groupSlots: g,
  });

const breakdownCache = new Map();
async function constraintModel(config, progress) {
  const key = `${config.layout.name}/${config.optimization}`;
  if (breakdownCache.has(key)) return breakdownCache.get(key);
  const n = {};
  const compileSeconds = {};
  for (const [c, p, g] of VARIANTS) {
    const r = await compileCircuit(variant(config, c, p, g), { progress });
    n[`c${c}p${p}g${g}`] = r.constraints;
    compileSeconds[`c${c}p${p}g${g}`] = round(r.compileSeconds, 1);
  }
  const a = n.c2p3g4 - n.c1p3g4;
  const bAtG4 = n.c1p4g4 - n.c1p3g4;
  const bAtG8 = n.c1p4g8 - n.c1p3g8;
  const x = (bAtG8 - bAtG4) / 4;
  const b0 = bAtG4 - 4 * x;
  const gAtP3 = (n.c1p3g8 - n.c1p3g4) / 4;
  const g0 = gAtP3 - 3 * x;
  const F = n.c1p3g4 - a - 3 * b0 - 4 * g0 - 12 * x;
  const model = { variants: n, variantCompileSeconds: compileSeconds, a, b0, g0, x, F };
  breakdownCache.set(key, model);
  return model;
}

/** The model at a configuration: per-slot costs there, the prediction and the tangent-plane formula. */
function breakdownAt(model, C, P, G) {
  const { a, b0, g0, x, F } = model;
  const perPositionSlot = b0 + x * G;
  const perGroupSlot = g0 + x * P;
  const predicted = F + a * C + b0 * P + g0 * G + x * P * G;
  // linear in (C, P, G) and exact at this configuration: F + x*P*G ~ x*(P0*G + G0*P - P0*G0)
  const linearFixed = F - x * P * G;
  return { perCollateralSlot: a, perPositionSlot, perGroupSlot, predicted, linearFixed };
}

// ---------------------------------------------------------------- proving one book
async function timeBook({ label, book, params, tree, config, artifacts, vkey, healthBps, runs }) {
  const { portfolio, creditLimitCents } = book;
  const context = BigInt(`0x${randomBytes(31).toString("hex")}`);
  const sdkTotal = [];
  const sdkProve = [];
  const sdkInput = [];
  const rawWtns = [];
  const rawProve = [];
  const rawTotal = [];
  const load1 = [];
  const sdkCpu = [];
  const rawCpu = [];
  let bundle;
  for (let i = 0; i < runs; i++) {
    // SDK: proveMargin as a caller uses it (engine check, params tree, input, fullProve, bundle)
    const salt = BigInt(`0x${randomBytes(31).toString("hex")}`);
    const cpuA = process.cpuUsage();
    const a = now();
    const r = await proveMargin({ params, portfolio, healthBps, creditLimitCents, context, config, artifacts, salt, prover: "snarkjs" });
    const b = now();
    sdkCpu.push(cpuSec(process.cpuUsage(cpuA)));
    sdkTotal.push(sec(a, b));
    sdkProve.push(r.seconds.prove);
    sdkInput.push(r.seconds.witnessInput);
    bundle = r.bundle;
    // raw snarkjs on the same witness: wtns.calculate then groth16.prove
    const w = buildWitnessInput({ params, tree, portfolio, healthBps, creditLimitCents, context, salt, config });
    const wtns = { type: "mem" };
    const cpuC = process.cpuUsage();
    const c = now();
    await snarkjs.wtns.calculate(w.input, artifacts.wasm, wtns);
    const d = now();
    const { publicSignals } = await snarkjs.groth16.prove(artifacts.zkey, wtns);
    const e = now();
    rawCpu.push(cpuSec(process.cpuUsage(cpuC)));
    if (JSON.stringify(publicSignals) !== JSON.stringify(r.bundle.publicSignals)) throw new Error("raw and SDK public signals differ");
    rawWtns.push(sec(c, d));
    rawProve.push(sec(d, e));
    rawTotal.push(sec(c, e));
    load1.push(round(os.loadavg()[0], 2));
    log(`${config.name} ${label}: run ${i + 1}/${runs}: proveMargin ${fmtS(sec(a, b))}, raw witness ${fmtS(sec(c, d))} + prove ${fmtS(sec(d, e))}`);
  }
  const verifyTimes = [];
  const rawVerifyTimes = [];
  for (let i = 0; i < runs; i++) {
    const a = now();
    const v = await verifyMargin(bundle, vkey, { minHealthBps: healthBps, minCreditLimitCents: creditLimitCents, context });
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
  return {
    book: {
      collateral: book.collateral,
      positions: book.positions,
      groups: book.groups,
      healthBps,
      creditLimitCents: creditLimitCents.toString(),
      requirementUsd: book.requirementUsd,
      adjustedCollateralUsd: book.adjustedCollateralUsd,
      json: book.json,
    },
    seconds: {
      proveMargin: stats(sdkTotal),
      proveMarginFullProve: stats(sdkProve),
      proveMarginInputBuild: stats(sdkInput),
      witness: stats(rawWtns),
      rawGroth16Prove: stats(rawProve),
      rawWitnessPlusProve: stats(rawTotal),
      verifyMargin: stats(verifyTimes),
      rawGroth16Verify: stats(rawVerifyTimes),
      verifyMarginWithParamsRoot: round(verifyWithParamsSeconds, 4),
      // CPU time of this process (main thread and snarkjs's worker threads) per proof: unlike wall
      // time, it hardly moves when other processes share the machine
      proveMarginCpu: stats(sdkCpu),
      rawWitnessPlusProveCpu: stats(rawCpu),
    },
    sdkOverheadPct: round(((sdkMedian - rawMedian) / rawMedian) * 100, 1),
    // the same from CPU time: what the target is judged on (wall times move with other load)
    sdkOverheadCpuPct: round(((median(sdkCpu) - median(rawCpu)) / median(rawCpu)) * 100, 1),
    // 1-minute load average after each run (2 cores: above ~2 means other processes shared the CPU)
    loadAvg1AfterRuns: load1,
    bundle,
  };
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

  log(`${name}: per-slot constraints (variants ${VARIANTS.map((v) => `c${v[0]}p${v[1]}g${v[2]}`).join(", ")}; cached when unchanged)`);
  const model = await constraintModel(config, progress);
  const at = breakdownAt(model, config.collateralSlots, config.positionSlots, config.groupSlots);

  log(`${name}: trusted setup (INSECURE dev; cached after its first run)`);
  const setupStart = Date.now();
  const setup = await setupCircuit(config, { progress });
  const setupWasCached = Date.parse(setup.record.createdAt) < setupStart;
  const artifacts = provingArtifacts(setup);
  const vkey = JSON.parse(readFileSync(setup.vkey, "utf8"));

  const market = loadParams();
  const { params } = market;
  const tree = buildParamsTree(params);
  const healthBps = opts.healthBps;
  const books = booksFor(config, market, healthBps);
  for (const [k, b] of Object.entries(books)) {
    log(`${name}: ${k} book: ${b.collateral} collateral, ${b.positions} positions in ${b.groups} groups, credit limit ${b.creditLimitCents} cents, ${healthBps} bps`);
  }

  // Warm-up (curve workers, wasm compile caches): one SDK proof of the full book, not counted.
  log(`${name}: warm-up proof (not counted)`);
  const tw = now();
  await proveMargin({ params, portfolio: books.full.portfolio, healthBps, creditLimitCents: books.full.creditLimitCents, context: 1n, config, artifacts, prover: "snarkjs" });
  const warmSeconds = sec(tw, now());

  const full = await timeBook({ label: "full book", book: books.full, params, tree, config, artifacts, vkey, healthBps, runs: opts.runs });
  const sparse = await timeBook({ label: "sparse book", book: books.sparse, params, tree, config, artifacts, vkey, healthBps, runs: opts.runs });

  const s = setup.record.seconds;
  const sdkMedian = full.seconds.proveMargin.median;
  const proveTarget = name === "small" ? { op: "<", value: 3 } : name === "standard" ? { op: "<=", value: 12 } : null;
  const targets = {
    ...(name === "standard" ? { constraints: { target: "< 131,072", measured: r1csConstraints, met: r1csConstraints < 131072 } } : {}),
    perPositionSlot: { target: "<= 3,200", measured: round(at.perPositionSlot, 1), met: at.perPositionSlot <= 3200 },
    perCollateralSlot: { target: "<= 2,500", measured: at.perCollateralSlot, met: at.perCollateralSlot <= 2500 },
    ...(proveTarget
      ? {
          proveMedianSeconds: {
            target: `${proveTarget.op} ${proveTarget.value} s (full book)`,
            measured: round(sdkMedian),
            met: proveTarget.op === "<" ? sdkMedian < proveTarget.value : sdkMedian <= proveTarget.value,
          },
        }
      : {}),
    sdkOverheadPct: { target: "< 10 % (CPU time)", measured: full.sdkOverheadCpuPct, met: full.sdkOverheadCpuPct < 10 },
  };
  const { bundle } = full;
  delete full.bundle;
  delete sparse.bundle;
  return {
    config: name,
    description: config.description,
    machine,
    circuit: {
      circuitHash: compiled.circuitHash,
      collateralSlots: config.collateralSlots,
      positionSlots: config.positionSlots,
      groupSlots: config.groupSlots,
      layout: config.layout.name,
      optimization: config.optimization,
      constraints: r1csConstraints,
      constraintsFromCompileLog: compiled.constraints,
      wires: Number(info.nVars),
      power: compiled.power,
      perPositionSlot: round(at.perPositionSlot, 2),
      perCollateralSlot: at.perCollateralSlot,
      perGroupSlot: round(at.perGroupSlot, 2),
      fixed: round(at.linearFixed, 2),
      predicted: round(at.predicted, 2),
      predictionError: round(r1csConstraints - at.predicted, 2),
      model: {
        formula: "constraints(C, P, G) = F + a*C + b0*P + g0*G + x*P*G",
        a: model.a,
        b0: round(model.b0, 3),
        g0: round(model.g0, 3),
        x: round(model.x, 3),
        F: round(model.F, 3),
        linearAtThisConfig: `constraints ~= ${at.perCollateralSlot}*C + ${round(at.perPositionSlot, 1)}*P + ${round(at.perGroupSlot, 1)}*G + ${round(at.linearFixed, 1)} (tangent plane at C=${config.collateralSlots}, P=${config.positionSlots}, G=${config.groupSlots})`,
        variants: model.variants,
        variantCompileSeconds: model.variantCompileSeconds,
      },
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
      // the full book's figures (the sparse book's are under books.sparse)
      ...full.seconds,
    },
    sdkOverheadPct: full.sdkOverheadPct,
    sdkOverheadCpuPct: full.sdkOverheadCpuPct,
    sizes: {
      proofJsonBytes: Buffer.byteLength(JSON.stringify(bundle.proof)),
      bundleJsonBytes: Buffer.byteLength(JSON.stringify(bundle)),
      zkeyBytes: statSync(setup.zkey).size,
      vkeyBytes: statSync(setup.vkey).size,
    },
    params: {
      source: `${MARKET_FILE} (synthetic market) via buildRiskParams`,
      assets: params.assets.length,
      groups: params.groups.length,
      instruments: params.instruments.length,
      epoch: Number(params.epoch),
      asOf: params.asOf,
    },
    books: { full, sparse },
    runs: opts.runs,
    loadAvgAfter: os.loadavg().map((x) => round(x, 2)),
    targets,
  };
}

// ---------------------------------------------------------------- output
const mark = (t) => (t ? (t.met ? "met" : "MISSED") : "");
const fmtC = (n) => (Number.isInteger(n) ? fmtInt(n) : n.toLocaleString("en-US", { maximumFractionDigits: 1 }));

function rows(r) {
  const t = r.targets;
  const s = r.seconds;
  const su = s.setup;
  const c = r.circuit;
  const sp = r.books.sparse;
  const fb = r.books.full.book;
  return [
    ["Slots (collateral / position / group)", `${c.collateralSlots} / ${c.positionSlots} / ${c.groupSlots}`, "", ""],
    ["Constraints (r1cs)", fmtInt(c.constraints), t.constraints?.target ?? "", mark(t.constraints)],
    ["Domain power", `2^${c.power}`, "", ""],
    [`Per position slot (b0 + x*G, G = ${c.groupSlots})`, fmtC(c.perPositionSlot), t.perPositionSlot.target, mark(t.perPositionSlot)],
    ["Per collateral slot (a)", fmtC(c.perCollateralSlot), t.perCollateralSlot.target, mark(t.perCollateralSlot)],
    [`Per group slot (g0 + x*P, P = ${c.positionSlots})`, fmtC(c.perGroupSlot), "", ""],
    ["Model: fixed F / cross term x per position x group", `${fmtC(c.model.F)} / ${fmtC(c.model.x)}`, "", ""],
    ["Model: prediction error", `${c.predictionError >= 0 ? "+" : ""}${fmtC(c.predictionError)}`, "", ""],
    ["Optimization", `--${c.optimization}`, "", ""],
    ["Compile", fmtS(s.compile), "", ""],
    [
      `Setup${su.insecure ? " (INSECURE dev)" : ""}: ptau / zkey / contrib.`,
      `${fmtS(su.ptau)} / ${fmtS(su.zkey)} / ${fmtS(su.contributions)}`,
      "",
      "",
    ],
    [`Full book (${fb.collateral} coll. / ${fb.positions} pos. / ${fb.groups} groups): witness (median)`, fmtS(s.witness.median), "", ""],
    ["Full book: prove, proveMargin (median)", fmtS(s.proveMargin.median), t.proveMedianSeconds?.target ?? "", mark(t.proveMedianSeconds)],
    ["Full book: proveMargin CPU time, all threads (median)", s.proveMarginCpu ? `${fmtS(s.proveMarginCpu.median)} CPU` : "n/a", "", ""],
    ["Full book: raw snarkjs witness + prove (median)", `${fmtS(s.rawWitnessPlusProve.median)} (prove ${fmtS(s.rawGroth16Prove.median)})`, "", ""],
    ["SDK overhead (full book): CPU time / wall time", `${r.sdkOverheadCpuPct === undefined ? "n/a" : fmtPct(r.sdkOverheadCpuPct)} / ${fmtPct(r.sdkOverheadPct)}`, t.sdkOverheadPct.target, mark(t.sdkOverheadPct)],
    [
      `Sparse book (${sp.book.collateral} / ${sp.book.positions} / ${sp.book.groups}): witness / proveMargin (median)`,
      `${fmtS(sp.seconds.witness.median)} / ${fmtS(sp.seconds.proveMargin.median)}`,
      "",
      "",
    ],
    ["Sparse book: SDK overhead, CPU time / wall time", `${sp.sdkOverheadCpuPct === undefined ? "n/a" : fmtPct(sp.sdkOverheadCpuPct)} / ${fmtPct(sp.sdkOverheadPct)}`, "", ""],
    ["Sparse book: proveMargin CPU time (median)", sp.seconds.proveMarginCpu ? `${fmtS(sp.seconds.proveMarginCpu.median)} CPU` : "n/a", "", ""],
    ["Load average (1 min) during the timed runs", r.books.full.loadAvg1AfterRuns ? `${median([...r.books.full.loadAvg1AfterRuns, ...(sp.loadAvg1AfterRuns ?? [])]).toFixed(1)} (2 cores)` : "n/a", "", ""],
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
  const m = r.circuit.model;
  const out = [
    "",
    `${r.config}: ${r.description}`,
    `  parameters ${r.params.source}: ${r.params.assets} assets, ${r.params.groups} groups, ${r.params.instruments} instruments; ${r.runs} runs; ${r.seconds.setup.insecure ? "INSECURE dev setup" : "production setup"}`,
    line(["metric", "measured", "target", ""]),
    line(["-".repeat(w[0]), "-".repeat(w[1]), "-".repeat(w[2]), ""]),
    ...table.map(line),
    `  ${m.formula}: a = ${m.a}, b0 = ${m.b0}, g0 = ${m.g0}, x = ${m.x}, F = ${m.F}`,
    `  predicts ${fmtC(r.circuit.predicted)}, off by ${r.circuit.predictionError}; ${m.linearAtThisConfig}`,
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
    const ts = tabs.map((t) => t[i][2]);
    const distinct = [...new Set(ts.filter(Boolean))];
    const target = distinct.length <= 1 ? (distinct[0] ?? "") : ts.map((t, k) => (t ? `${names[k]} ${t}` : "")).filter(Boolean).join(", ");
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
    const r = existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : null;
    // results of an older benchmark format (no books, no group slots) are left out
    if (r?.books && r.circuit?.groupSlots) latest[name] = r;
  }
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify({ generatedAt: new Date().toISOString(), configs: latest }, null, 2)}\n`);
  log("wrote bench/results/latest.json");
  if (Object.keys(latest).length) process.stdout.write(`\nMarkdown (bench/results/latest.json):\n\n${markdown(latest)}\n`);
  let gas = null;
  if (opts.gas) {
    log("gas: scripts/bench-gas.mjs (deploy, post-params, submit, pool; small circuit's setup, embedded EVM)");
    try {
      const { measureGas } = await import("./bench-gas.mjs");
      gas = await measureGas();
      gas.machine = machine;
      writeFileSync(join(resultsDir, "gas.json"), `${JSON.stringify(gas, null, 2)}\n`);
      const g = gas;
      const opt = (v) => (v === undefined ? "n/a" : v);
      const rows = [
        ["deploy Groth16Verifier / RiskParamsRegistry / MarginAttestations / ExamplePool", `${g.deploy.verifier} / ${g.deploy.registry} / ${g.deploy.attestations} / ${g.deploy.pool}`],
        ["post-params", g.postParams],
        ["submit, first attestation of an account", g.submitFirstSelfDeclared],
        ["submit, refresh (self-declared)", `${g.submitRefreshSelfDeclared} (target <= ${g.target.submit}: ${g.submitRefreshSelfDeclared <= g.target.submit ? "met" : "MISSED"})`],
        ["submit, refresh with attestor signature", g.submitRefreshWithAttestor],
        ["submitVerified, refresh (verified)", g.submitRefreshVerified === undefined ? "n/a" : `${g.submitRefreshVerified} (target <= ${g.target.submitVerified}: ${g.submitRefreshVerified <= g.target.submitVerified ? "met" : "MISSED"})`],
        ["verifier alone, as a transaction", g.verifierAloneAsTransaction],
        ["pool borrow (first / again)", `${opt(g.poolBorrowFirst)} / ${opt(g.poolBorrowAgain)}`],
        ["pool repay / liquidate", `${opt(g.poolRepay)} / ${opt(g.poolLiquidate)}`],
      ];
      process.stdout.write(`\nGas (${g.network}):\n\n| operation | gas |\n|---|---:|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n`);
    } catch (e) {
      // bench-gas.mjs and the contracts belong to their own owner and may be mid-change: record, go on
      const message = String(e?.message ?? e).split("\n").slice(0, 6).join("\n");
      log(`gas: FAILED (not measured): ${message}`);
      writeFileSync(join(resultsDir, "gas.json"), `${JSON.stringify({ measured: false, error: message, machine }, null, 2)}\n`);
      process.stdout.write(`\nGas: not measured (scripts/bench-gas.mjs failed: ${message.split("\n")[0]})\n`);
    }
  }
  if (opts.verified) {
    log("verified mode: scripts/bench-verified.mjs (constraints of every verified configuration, per entry and per venue slot from compiled variants; prove times: small-verified, and standard-verified / large-verified on the institutional book when their setups are cached)");
    const { measureVerified, verifiedTable } = await import("./bench-verified.mjs");
    const v = await measureVerified({ runs: opts.runs, log });
    writeFileSync(join(resultsDir, "verified.json"), `${JSON.stringify(v, null, 2)}\n`);
    process.stdout.write(`\nVerified mode (bench/results/verified.json):\n\n${verifiedTable(v)}\n`);
  }
  if (opts.native) {
    log("native prover: scripts/bench-native.mjs (native vs snarkjs on full books: small, standard, and large when its setup is cached)");
    const { measureNative, nativeTable } = await import("./bench-native.mjs");
    const n = await measureNative({ runs: Math.min(opts.runs, 3), log });
    writeFileSync(join(resultsDir, "native.json"), `${JSON.stringify(n, null, 2)}\n`);
    process.stdout.write(`\n${nativeTable(n)}\n`);
  }
  if (opts.setup) {
    log("setup: scripts/bench-setup.mjs (native INSECURE dev keys of small and standard; a production ceremony on small)");
    const { measureSetup, setupTable } = await import("./bench-setup.mjs");
    const s = await measureSetup({ runs: Math.min(opts.runs, 3), log });
    s.machine = machine;
    writeFileSync(join(resultsDir, "setup.json"), `${JSON.stringify(s, null, 2)}\n`);
    process.stdout.write(`\nTrusted setup (bench/results/setup.json):\n\n${setupTable(s)}\n`);
  }
  if (opts.cli) {
    log("CLI start-up: scripts/bench-cli.mjs (whole zkmargin processes: --version, --help, check, prove and verify of the demo book per cached setup)");
    const { measureCli, cliTable } = await import("./bench-cli.mjs");
    const c = await measureCli({ runs: opts.runs, configs: opts.configs.length ? opts.configs : ["small"], log });
    writeFileSync(join(resultsDir, "cli.json"), `${JSON.stringify(c, null, 2)}\n`);
    process.stdout.write(`\n${cliTable(c)}\n`);
  }
  if (opts.venue) {
    log("venue service: scripts/bench-venue.mjs (zkmargin venue serve processes, 50 concurrent clients: in-process store, Redis, 2 cluster workers)");
    const { measureVenue, venueTable } = await import("./bench-venue.mjs");
    const v = await measureVenue({ log });
    writeFileSync(join(resultsDir, "venue.json"), `${JSON.stringify(v, null, 2)}\n`);
    process.stdout.write(`\n${venueTable(v)}\n`);
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
