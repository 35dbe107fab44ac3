#!/usr/bin/env node
// Verified mode in the benchmark (`npm run bench` calls measureVerified; alone:
// `node scripts/bench-verified.mjs [--runs 5] [--no-variants]`, after `npm run build`). Writes
// bench/results/verified.json and prints a table with the targets.
//
// - Constraints of every verified configuration (compiled, cached; large-verified's first compile
//   takes about 10 minutes) next to its self-declared base, with its venue slots V and entries in all E.
// - Cost per statement entry and per venue slot, MEASURED from compiled variants of small-verified
//   (V = 2, E = 24; each cached after its first compile, about a minute each):
//     E 24 -> 39 at V = 2 (one more pool chunk of 15 entries, 15 more elements of the re-ordered list
//       and one more 15-element hash chunk of it): per entry, everything included (a whole period);
//     E 31 -> 36 at V = 2 (same pool chunks, same hash chunks of the list): per list element;
//     E 30 -> 31 at V = 2 (one more pool chunk and one more element): a pool chunk, less one element;
//     V 2 -> 3 at E = 24 (one more statement slot and the pool chunk it brings, CH = ceil(E/15) + V - 1).
//   Per venue slot is reported with its pool chunk and without it. `--no-variants` derives them from
//   circuits/README.md's per-template costs instead, and the output says so.
// - proveMargin times: small-verified on a 2-venue book (examples/hedged-book.json signed as an
//   exchange's positions and a custodian's collateral) with the native prover and with snarkjs;
//   standard-verified and large-verified on the institutional book of `npm run demo:institutional`
//   (examples/institutional/: three venues, 40 entries, 34 positions, a USDC debt, an instrument
//   netting to 0) with the native prover, each only when its setup is already in the cache (the bench
//   never makes those setups: `zkmargin setup --config standard-verified`); which witness calculator
//   ran (native or wasm) is recorded.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const d = (p) => import(join(root, "dist", p));
const { getConfig, statementChunks, VERIFIED_CONFIGS } = await d("src/config/circuits.js");
const { compileCircuit } = await d("src/circuit/compile.js");
const { setupCircuit, findSetup, releaseCurve, provingArtifacts } = await d("setup/groth16.js");
const { hasSetup } = await d("src/chain/artifacts.js");
const { parseRiskParams } = await d("src/params/parse.js");
const { buildParamsTree } = await d("src/params/tree.js");
const { buildRiskParams } = await d("src/market/build.js");
const { proveMargin } = await d("src/prove/prove.js");
const { verifyMargin } = await d("src/prove/verify.js");
const { nativeProverStatus } = await d("src/prove/native.js").catch(() => ({}));
const { devStatementKey: keyOf, holdingsFromPortfolioJson, signStatement, statementPublicKey } = await d("src/statements/index.js");

// examples/params.json's venue 1 key (docs/market-format.md) and a second venue's, for the bench only
const VENUE1_KEY = keyOf("zkmargin example venue 1");
const VENUE2_KEY = keyOf("zkmargin bench venue 2");
const ACCOUNT = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const TARGETS = {
  "standard-verified": { maxConstraints: 2 ** 18, maxProveSeconds: 3 },
  "large-verified": { maxConstraints: 2 ** 20, maxProveSeconds: 12 },
  perEntry: 300,
  perVenueSlot: 6000,
};
// circuits/README.md, "Verified mode": per-template costs (used only with --no-variants)
const README_COSTS = { perEntry: 233, perVenueSlot: 5600, perChunk: 660 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, n = 3) => Math.round(x * 10 ** n) / 10 ** n;
const met = (ok) => (ok ? "met" : "NOT MET");
const ctx = () => BigInt(`0x${randomBytes(31).toString("hex")}`);

/**
 * The institutional book of `npm run demo:institutional`: parameters from
 * examples/institutional/market.json, and the three venues' statements for `account` signed with
 * their public development keys ("zkmargin institutional venue <id>").
 */
export function institutionalBook(account = ACCOUNT) {
  const dir = join(root, "examples/institutional");
  const params = parseRiskParams(buildRiskParams(JSON.parse(readFileSync(join(dir, "market.json"), "utf8"))).params);
  const asOf = Number(params.asOfUnix) - 600;
  const statements = [
    [1, "alpha"],
    [2, "beta"],
    [3, "gamma"],
  ].map(([venueId, name]) =>
    signStatement({
      venueId,
      account,
      asOf,
      privateKey: keyOf(`zkmargin institutional venue ${venueId}`),
      holdings: holdingsFromPortfolioJson(JSON.parse(readFileSync(join(dir, `holdings-${name}.json`), "utf8")), params),
    }),
  );
  return { params, statements };
}

/** Per entry and per venue slot from compiled variants of small-verified (see the header). */
async function measureSlotCosts(log) {
  const base = getConfig("small-verified");
  const variant = (V, E) => Object.freeze({ ...base, name: `small-verified-v${V}e${E}`, statementSlots: V, statementEntries: E });
  const compile = async (c) => {
    log(`compiling ${c.name} (V = ${c.statementSlots}, E = ${c.statementEntries}, ${statementChunks(c)} pool chunks; cached after the first run)`);
    return (await compileCircuit(c)).constraints;
  };
  const b = await compile(base); // V 2, E 24: 3 pool chunks, a re-ordered list of L = E + C + P = 30
  const e39 = await compile(variant(2, 39)); // + 15 entries: + 1 pool chunk, + 15 list elements (one more 15-element hash chunk of the list)
  const e30 = await compile(variant(2, 30)); // 3 pool chunks, L 36
  const e31 = await compile(variant(2, 31)); // 4 pool chunks, L 37
  const e36 = await compile(variant(2, 36)); // 4 pool chunks, L 42 (same hash chunks of the list as E 31)
  const v3 = await compile(variant(3, 24)); // + 1 venue slot: + 1 pool chunk (CH = ceil(E / 15) + V - 1)
  const perEntry = (e39 - b) / 15;
  const perElement = (e36 - e31) / 5;
  const perChunk = e31 - e30 - perElement;
  return {
    source: "measured: compiled variants of small-verified (V = 2, E = 24)",
    variants: { "V2 E24": b, "V2 E39": e39, "V2 E30": e30, "V2 E31": e31, "V2 E36": e36, "V3 E24": v3 },
    perEntry: round(perEntry, 1),
    perReorderedElement: round(perElement, 1),
    perPoolChunk: Math.round(perChunk),
    perVenueSlot: v3 - b,
    perVenueSlotWithoutItsChunk: Math.round(v3 - b - perChunk),
  };
}

async function timeProve({ config, params, statements, prover, runs, log, label }) {
  const setup = await findSetup(config);
  const artifacts = provingArtifacts(setup);
  const vkey = JSON.parse(readFileSync(artifacts.vkey, "utf8"));
  const tree = buildParamsTree(params);
  let witness = null;
  const prove = () =>
    proveMargin({ params, tree, statements, account: ACCOUNT, healthBps: 12500, context: ctx(), config, artifacts, prover, timings: (t) => (witness = t.witness) });
  log(`${label}: warm-up proof (not counted)`);
  await prove();
  const total = [];
  const verify = [];
  for (let i = 0; i < runs; i++) {
    const r = await prove();
    total.push(r.seconds.total);
    const t = performance.now();
    const v = await verifyMargin(r.bundle, vkey, { params, account: BigInt(ACCOUNT) });
    verify.push((performance.now() - t) / 1000);
    if (!v.valid) throw new Error(`a ${config.name} bench proof did not verify`);
    log(`${label} run ${i + 1}/${runs}: proveMargin ${r.seconds.total.toFixed(2)} s`);
  }
  return {
    prover,
    witness: prover === "snarkjs" ? "wasm" : witness,
    proveMarginSeconds: { median: round(median(total)), runs: total.map((x) => round(x)) },
    verifySeconds: { median: round(median(verify), 4) },
  };
}

export async function measureVerified({ runs = 5, variants = true, log = (m) => process.stderr.write(`[bench-verified] ${m}\n`) } = {}) {
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  const constraints = {};
  for (const c of Object.values(VERIFIED_CONFIGS)) {
    const base = getConfig(c.name.replace(/-verified\d*$/, ""));
    log(`compiling ${c.name} and ${base.name} (cached after the first run)`);
    const v = await compileCircuit(c);
    const b = await compileCircuit(base);
    constraints[c.name] = {
      venueSlots: c.statementSlots,
      entries: c.statementEntries,
      poolChunks: statementChunks(c),
      constraints: v.constraints,
      power: v.power,
      compileSeconds: round(v.compileSeconds, 1),
      base: base.name,
      baseConstraints: b.constraints,
      verifiedOverhead: v.constraints - b.constraints,
    };
  }
  const slotCosts = variants
    ? await measureSlotCosts(log)
    : { source: "derived from circuits/README.md's per-template costs (not measured: --no-variants)", ...README_COSTS };

  // small-verified: a 2-venue book, native and snarkjs
  const config = getConfig("small-verified");
  log("setup of small-verified (INSECURE dev; cached after the first run)");
  await setupCircuit(config);
  const paramsJson = JSON.parse(readFileSync(join(root, "examples/params.json"), "utf8"));
  paramsJson.venues.push({ id: 2, name: "Bench Custodian", publicKey: statementPublicKey(VENUE2_KEY) });
  const params = parseRiskParams(paramsJson);
  const book = JSON.parse(readFileSync(join(root, "examples/hedged-book.json"), "utf8"));
  const asOf = Number(params.asOfUnix);
  const two = [
    signStatement({ venueId: 1, account: ACCOUNT, asOf, privateKey: VENUE1_KEY, holdings: holdingsFromPortfolioJson({ positions: book.positions }, params) }),
    signStatement({ venueId: 2, account: ACCOUNT, asOf, privateKey: VENUE2_KEY, holdings: holdingsFromPortfolioJson({ collateral: book.collateral }, params) }),
  ];
  const native = nativeProverStatus ? nativeProverStatus().available : true;
  const prove = {};
  const smallBook = "examples/hedged-book.json as two statements (positions: venue 1, collateral: venue 2), 12,500 bps";
  prove["small-verified"] = { book: smallBook, native: null, snarkjs: null };
  if (native) prove["small-verified"].native = await timeProve({ config, params, statements: two, prover: "native", runs, log, label: "small-verified native" });
  prove["small-verified"].snarkjs = await timeProve({ config, params, statements: two, prover: "snarkjs", runs, log, label: "small-verified snarkjs" });

  // standard-verified and large-verified: the institutional book, only when the setup is cached
  const inst = institutionalBook();
  const instBook = "examples/institutional (npm run demo:institutional): 3 venues, 40 entries, 34 positions netted to 30, a USDC debt, 12,500 bps";
  for (const name of ["standard-verified", "large-verified"]) {
    const c = getConfig(name);
    if (!hasSetup(c)) {
      log(`${name}: no setup in the cache, prove time not measured (zkmargin setup --config ${name})`);
      prove[name] = { book: instBook, measured: false, reason: `no setup in the cache (zkmargin setup --config ${name})` };
      continue;
    }
    if (!native) {
      prove[name] = { book: instBook, measured: false, reason: "the native prover is not available (zkmargin native)" };
      continue;
    }
    prove[name] = { book: instBook, measured: true, native: await timeProve({ config: c, ...inst, prover: "native", runs: Math.min(runs, 3), log, label: `${name} native` }) };
  }
  await releaseCurve();

  const targets = {};
  for (const name of ["standard-verified", "large-verified"]) {
    const t = TARGETS[name];
    const seconds = prove[name]?.native?.proveMarginSeconds.median;
    targets[name] = {
      constraints: { target: `< 2^${Math.log2(t.maxConstraints)}`, value: constraints[name].constraints, met: constraints[name].constraints < t.maxConstraints },
      proveMarginNative: { target: `<= ${t.maxProveSeconds} s`, value: seconds ?? null, met: seconds === undefined ? null : seconds <= t.maxProveSeconds },
    };
  }
  targets.perEntry = { target: `<= ${TARGETS.perEntry}`, value: slotCosts.perEntry, met: slotCosts.perEntry <= TARGETS.perEntry };
  targets.perVenueSlot = { target: `<= ${TARGETS.perVenueSlot}`, value: slotCosts.perVenueSlot, met: slotCosts.perVenueSlot <= TARGETS.perVenueSlot };
  if (slotCosts.perVenueSlotWithoutItsChunk !== undefined) {
    targets.perVenueSlotWithoutItsChunk = { target: `<= ${TARGETS.perVenueSlot}`, value: slotCosts.perVenueSlotWithoutItsChunk, met: slotCosts.perVenueSlotWithoutItsChunk <= TARGETS.perVenueSlot };
  }
  return {
    machine: {
      cpu: os.cpus()[0]?.model?.trim(),
      cores: os.cpus().length,
      node: process.version,
      date: new Date().toISOString(),
      loadAvgAtStart: loadAtStart,
      loadAvgAtEnd: os.loadavg().map((x) => round(x, 2)),
    },
    constraints,
    slotCosts,
    prove,
    targets,
  };
}

const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : String(n));
const seconds = (p) => (p ? `${p.proveMarginSeconds.median} s (${p.prover}, ${p.witness} witness)` : "n/a");

export function verifiedTable(r) {
  const rows = [["configuration", "venue slots V", "entries in all E", "constraints", "ptau", "self-declared base", "verified overhead"]];
  for (const [name, c] of Object.entries(r.constraints)) {
    rows.push([name, String(c.venueSlots), String(c.entries), fmt(c.constraints), `2^${c.power}`, `${c.base} ${fmt(c.baseConstraints)}`, fmt(c.verifiedOverhead)]);
  }
  const lines = rows.map((row) => `| ${row.join(" | ")} |`);
  lines.splice(1, 0, `|${rows[0].map(() => "---").join("|")}|`);
  const s = r.slotCosts;
  lines.push("", `Per statement entry and per venue slot (${s.source}):`);
  lines.push(`  per entry ${fmt(s.perEntry)}${s.perReorderedElement !== undefined ? ` (of which the re-ordered list ${fmt(s.perReorderedElement)}, the pool ${fmt(round(s.perEntry - s.perReorderedElement, 1))}; a pool chunk ${fmt(s.perPoolChunk)})` : ""}`);
  lines.push(`  per venue slot ${fmt(s.perVenueSlot)}${s.perVenueSlotWithoutItsChunk !== undefined ? ` with the pool chunk it brings, ${fmt(s.perVenueSlotWithoutItsChunk)} without it` : ""}`);
  if (s.variants) lines.push(`  variants: ${Object.entries(s.variants).map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`);
  lines.push("", "proveMargin (median):");
  for (const [name, p] of Object.entries(r.prove)) {
    if (p.measured === false) lines.push(`  ${name}: not measured: ${p.reason}`);
    else lines.push(`  ${name}, ${p.book}: ${p.native ? seconds(p.native) : ""}${p.snarkjs ? `${p.native ? "; " : ""}${seconds(p.snarkjs)}` : ""}`);
  }
  lines.push("", "Targets:");
  for (const [name, t] of Object.entries(r.targets)) {
    if (t.target) lines.push(`  ${name} ${t.target}: ${fmt(t.value)} ${met(t.met)}`);
    else
      for (const [k, x] of Object.entries(t)) lines.push(`  ${name} ${k} ${x.target}: ${x.value === null ? "not measured" : fmt(x.value)}${x.met === null ? "" : ` ${met(x.met)}`}`);
  }
  lines.push("", `machine: ${r.machine.cpu}, ${r.machine.cores} cores, node ${r.machine.node}, load average ${r.machine.loadAvgAtStart.join(" ")} at start, ${r.machine.loadAvgAtEnd.join(" ")} at end`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--runs");
  const r = await measureVerified({ runs: i > 0 ? Number(process.argv[i + 1]) : 5, variants: !process.argv.includes("--no-variants") });
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/verified.json"), `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`${verifiedTable(r)}\n`);
  process.exit(0);
}
