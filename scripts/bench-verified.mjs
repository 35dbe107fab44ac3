#!/usr/bin/env node
// Verified mode in the benchmark (`npm run bench` calls measureVerified; alone:
// `node scripts/bench-verified.mjs [--runs 5]`, after `npm run build`): constraint counts of every
// verified configuration (compiled, cached) next to their self-declared base, the cost per
// statement slot, and the prove time of `small-verified` for examples/hedged-book.json signed as two
// venues' holdings statements (positions at an exchange, collateral at a custodian). Writes
// bench/results/verified.json. standard-verified is timed too when its setup is already in the cache
// (`zkmargin setup --config standard-verified`, about 11 minutes here); the bench does not make it.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const d = (p) => import(join(root, "dist", p));
const { getConfig, VERIFIED_CONFIGS } = await d("src/config/circuits.js");
const { compileCircuit } = await d("src/circuit/compile.js");
const { setupCircuit, findSetup, releaseCurve, provingArtifacts } = await d("setup/groth16.js");
const { parseRiskParams } = await d("src/params/parse.js");
const { buildParamsTree } = await d("src/params/tree.js");
const { proveMargin } = await d("src/prove/prove.js");
const { verifyMargin } = await d("src/prove/verify.js");
const { devStatementKey: keyOf, holdingsFromPortfolioJson, signStatement, statementPublicKey } = await d("src/statements/index.js");

// examples/params.json's venue 1 key (docs/market-format.md) and a second venue's, for the bench only
const VENUE1_KEY = keyOf("zkmargin example venue 1");
const VENUE2_KEY = keyOf("zkmargin bench venue 2");
const ACCOUNT = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, n = 3) => Math.round(x * 10 ** n) / 10 ** n;

export async function measureVerified({ runs = 5, log = (m) => process.stderr.write(`[bench-verified] ${m}\n`) } = {}) {
  const constraints = {};
  for (const c of Object.values(VERIFIED_CONFIGS)) {
    const base = getConfig(c.name.replace(/-verified\d*$/, ""));
    log(`compiling ${c.name} and ${base.name} (cached after the first run)`);
    const v = await compileCircuit(c);
    const b = await compileCircuit(base);
    constraints[c.name] = {
      statementSlots: c.statementSlots,
      constraints: v.constraints,
      power: v.power,
      base: base.name,
      baseConstraints: b.constraints,
      perStatementSlot: Math.round((v.constraints - b.constraints) / c.statementSlots),
    };
  }

  const config = getConfig("small-verified");
  log("setup of small-verified (INSECURE dev; cached after the first run)");
  const setup = await setupCircuit(config);
  const artifacts = provingArtifacts(setup);
  const vkey = JSON.parse(readFileSync(artifacts.vkey, "utf8"));
  const paramsJson = JSON.parse(readFileSync(join(root, "examples/params.json"), "utf8"));
  paramsJson.venues.push({ id: 2, name: "Bench Custodian", publicKey: statementPublicKey(VENUE2_KEY) });
  const params = parseRiskParams(paramsJson);
  const tree = buildParamsTree(params);
  const book = JSON.parse(readFileSync(join(root, "examples/hedged-book.json"), "utf8"));
  const asOf = Number(params.asOfUnix);
  const statements = [
    signStatement({ venueId: 1, account: ACCOUNT, asOf, privateKey: VENUE1_KEY, holdings: holdingsFromPortfolioJson({ positions: book.positions }, params) }),
    signStatement({ venueId: 2, account: ACCOUNT, asOf, privateKey: VENUE2_KEY, holdings: holdingsFromPortfolioJson({ collateral: book.collateral }, params) }),
  ];
  const prove = () =>
    proveMargin({ params, tree, statements, account: ACCOUNT, healthBps: 12500, context: BigInt(`0x${randomBytes(31).toString("hex")}`), config, artifacts, prover: "snarkjs" });
  log("warm-up proof (not counted)");
  await prove();
  const total = [];
  const proveOnly = [];
  const verify = [];
  for (let i = 0; i < runs; i++) {
    const r = await prove();
    total.push(r.seconds.total);
    proveOnly.push(r.seconds.prove);
    const t = performance.now();
    const v = await verifyMargin(r.bundle, vkey, { params, account: BigInt(ACCOUNT) });
    verify.push((performance.now() - t) / 1000);
    if (!v.valid) throw new Error("a verified bench proof did not verify");
    log(`small-verified run ${i + 1}/${runs}: proveMargin ${r.seconds.total.toFixed(2)} s`);
  }
  // standard-verified: only when its (slow, 2^18) setup already exists
  let standardVerified = null;
  const stdConfig = getConfig("standard-verified");
  const stdSetup = await findSetup(stdConfig);
  if (stdSetup) {
    const stdArtifacts = provingArtifacts(stdSetup);
    const times = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      const r = await proveMargin({ params, tree, statements, account: ACCOUNT, healthBps: 12500, context: BigInt(`0x${randomBytes(31).toString("hex")}`), config: stdConfig, artifacts: stdArtifacts, prover: "snarkjs" });
      times.push(r.seconds.total);
      log(`standard-verified run ${i + 1}: proveMargin ${r.seconds.total.toFixed(2)} s`);
    }
    standardVerified = { book: "the same two statements", proveMarginSeconds: { median: round(median(times)), runs: times.map((x) => round(x)) } };
  } else {
    log("standard-verified: no setup in the cache, prove time not measured (zkmargin setup --config standard-verified)");
  }
  await releaseCurve();
  return {
    standardVerified,
    machine: { cpu: os.cpus()[0]?.model?.trim(), cores: os.cpus().length, node: process.version, date: new Date().toISOString(), loadAvg: os.loadavg().map((x) => round(x, 2)) },
    constraints,
    smallVerified: {
      book: "examples/hedged-book.json as two statements (positions: venue 1, collateral: venue 2), 12,500 bps",
      proveMarginSeconds: { median: round(median(total)), runs: total.map((x) => round(x)) },
      groth16Seconds: { median: round(median(proveOnly)) },
      verifySeconds: { median: round(median(verify), 4) },
    },
  };
}

export function verifiedTable(r) {
  const rows = [["configuration", "statement slots", "constraints", "ptau", "self-declared base", "per statement slot"]];
  for (const [name, c] of Object.entries(r.constraints)) {
    rows.push([name, String(c.statementSlots), c.constraints.toLocaleString("en-US"), `2^${c.power}`, `${c.base} ${c.baseConstraints.toLocaleString("en-US")}`, c.perStatementSlot.toLocaleString("en-US")]);
  }
  const lines = rows.map((row) => `| ${row.join(" | ")} |`);
  lines.splice(1, 0, `|${rows[0].map(() => "---").join("|")}|`);
  lines.push("", `small-verified, ${r.smallVerified.book}: proveMargin ${r.smallVerified.proveMarginSeconds.median} s (median), verifyMargin ${Math.round(r.smallVerified.verifySeconds.median * 1000)} ms`);
  lines.push(r.standardVerified ? `standard-verified, ${r.standardVerified.book}: proveMargin ${r.standardVerified.proveMarginSeconds.median} s (median)` : "standard-verified: prove time not measured (no setup in the cache)");
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--runs");
  const r = await measureVerified({ runs: i > 0 ? Number(process.argv[i + 1]) : 5 });
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/verified.json"), `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`${verifiedTable(r)}\n`);
  process.exit(0);
}
