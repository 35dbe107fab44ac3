#!/usr/bin/env node
// `npm run demo:institutional`: a verified institutional book, end to end, on the embedded EVM.
// 1. the risk oracle builds risk parameters from examples/institutional/market.json (33 instruments
//    in 4 risk groups, 5 collateral assets, 3 venues with public development keys);
// 2. trusted setups: `standard-verified` (4 venue slots, 128 entries in all; compile about 2.5
//    minutes the first time, then an INSECURE native dev setup) and `small` (the pool's
//    self-declared verifier; about half a minute); both cached;
// 3. on the embedded chain: deploy a pool that accepts only verified proofs, post the root, and read
//    the context the contract derives for the trader's account;
// 4. three venues sign what they hold for the trader: Alpha Exchange (options, perpetuals and a
//    3,000,000 USDC debt), Beta Exchange (perpetuals, USDT) and Gamma Custody (spot); 34 positions
//    and 40 entries in all, SOL-PERP long 5,000 at Alpha and short 5,000 at Beta (nets to 0);
// 5. the trader proves from the three statements alone (standard-verified), shows what was proven
//    (the netted book: the USDC debt offset by the custodian's USDC, no SOL-PERP slot), a verifier
//    checks the bundle, the pool records it through submitVerified, and `chain status` reads it;
// 6. the same book with the debt left out (Alpha's statement edited to drop its USDC entry) is
//    refused: the signature no longer verifies.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoRunner } from "./demo-runner.js";

const root = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");
process.env.ZKMARGIN_PROGRESS ??= "0";
const { runCli } = await import(join(root, "dist/src/cli/main.js"));
const { cacheDir, checkOpening, parseRiskParams, portfolioToJson } = await import(join(root, "dist/src/index.js"));
const { hasSetup } = await import(join(root, "dist/src/chain/artifacts.js"));
const { getConfig } = await import(join(root, "dist/src/config/circuits.js"));
const { nativeWitnessStatus } = await import(join(root, "dist/src/prove/nativeWitness.js"));
const examples = join(root, "examples/institutional");
const out = join(root, ".cache/demo-institutional");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const timings = [];
const started = Date.now();
const { rel, say, step, linesOf, run } = demoRunner(root, runCli, { showExit: true, onDone: (argv, seconds) => timings.push([argv.slice(0, 2).join(" "), seconds]) });
const headline = (lines) => [...lines.slice(0, 1), ...lines.slice(1).filter((l) => /^INSECURE/.test(l))];
const file = (name, x) => {
  const f = join(out, name);
  writeFileSync(f, `${JSON.stringify(x, null, 2)}\n`);
  return f;
};
const fmt = (s) => (s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);

const cached = ["standard-verified", "small"].filter((c) => hasSetup(getConfig(c)));
say("zkmargin institutional demo: one account's book held at three venues (two exchanges and a custodian),");
say("proven from the venues' signed holdings statements alone with the standard-verified circuit");
say("(8 collateral / 32 positions / 8 risk groups, 4 venue slots, 128 statement entries in all), and");
say("recorded on an embedded in-process EVM by a pool that accepts only verified proofs.");
say(`Setups: standard-verified (190,705 constraints, 2^18) and small (the pool's self-declared verifier), INSECURE dev keys.`);
say(
  cached.length === 2
    ? "Both are in the cache already: the demo takes about half a minute."
    : `Not yet in the cache: ${["standard-verified", "small"].filter((c) => !cached.includes(c)).join(", ")}. The first run compiles standard-verified ` +
        "(about 2.5 minutes; about 10 minutes on a busy 2-core machine) and makes its native dev key (about half a minute), " +
        "and small (about a minute): count 3 to 12 minutes; later runs take about half a minute.",
);
say(`Cache: ${rel(cacheDir())}/ (ZKMARGIN_CACHE overrides; the embedded chain's state is kept there too). Files: ${rel(out)}/.`);
say(
  nativeWitnessStatus(getConfig("standard-verified")).available
    ? "standard-verified's native witness calculator is built: prove uses it."
    : "Optional: `zkmargin native witness --config standard-verified` (minutes, once) builds the native witness calculator; prove then uses it (without it, snarkjs computes the witness from the wasm).",
);

step("Risk oracle: risk parameters for 33 instruments in 4 risk groups, 5 assets and 3 venues");
const params = join(out, "params.json");
await run(["params", "build", join(examples, "market.json"), "-o", params], [0], (lines) => lines.filter((l) => /^(wrote|paramsRoot)/.test(l)));
await run(["params", "root", params], [0], (lines) => lines.filter((l) => /^(paramsRoot|  venues|venue|  \d+ )/.test(l) || /venue/i.test(l)));

step("Trusted setups (INSECURE dev keys; cached after the first run)");
await run(["setup", "--config", "standard-verified"], [0], headline);
await run(["setup", "--config", "small"], [0], headline);

step("Pool: deploy contracts that accept only verified proofs (standard-verified) on the embedded EVM, post the root");
await run(["chain", "deploy", "--config", "small", "--verified-config", "standard-verified", "--require-verified"], [0], (lines) =>
  lines.filter((l) => /^(deployed|  (verified|policy))/.test(l)),
);
const validUntil = String(Math.floor(Date.now() / 1000) + 7 * 86400);
await run(["chain", "post-params", params, "--valid-until", validUntil], [0]);
step("Trader: the context the contract will derive for the trader's account");
const captured = [];
if ((await runCli(["chain", "context", "--json"], { out: (t) => captured.push(t), err: (t) => process.stderr.write(t) })) !== 0) process.exit(1);
const ctx = JSON.parse(captured.join(""));
say(`$ zkmargin chain context\n${ctx.context}  (account ${ctx.account}, nonce ${ctx.nonce})`);

step("Venues: each signs what it holds for the trader (public development keys: examples and demos only)");
const keyFile = (name, n) =>
  file(`${name}.key.json`, {
    zkmarginVenueKey: 1,
    privateKey: `0x${Buffer.concat([Buffer.from(`zkmargin institutional venue ${n}`, "ascii"), Buffer.alloc(32 - `zkmargin institutional venue ${n}`.length)]).toString("hex")}`,
  });
const base = JSON.parse(readFileSync(params, "utf8"));
const asOf = String(Math.floor(Date.parse(base.asOf) / 1000) - 600); // within maxStatementAge of the parameters' asOf
const venues = [
  ["alpha", 1, "Alpha Exchange: BTC, ETH and SOL options, perpetuals, and a USDC debt of 3,000,000"],
  ["beta", 2, "Beta Exchange: perpetuals (SOL-PERP short 5,000: Alpha's long 5,000 nets to 0), futures, AVAX options, USDT"],
  ["gamma", 3, "Gamma Custody: spot USDC, WBTC, ETH and SOL"],
];
const statements = {};
for (const [name, id, what] of venues) {
  say(`# ${what}`);
  statements[name] = join(out, `statement-${name}.json`);
  await run(["venue", "sign", join(examples, `holdings-${name}.json`), "--account", ctx.account, "--as-of", asOf, "--key", keyFile(name, id), "--params", params, "-o", statements[name]], [0]);
}
step("Anyone: check a statement against the parameters (signature, listed key, freshness, account)");
await run(["venue", "verify", statements.alpha, "--params", params, "--account", ctx.account], [0]);

step("Trader: prove from the three statements alone (standard-verified), health >= 1.25x with a 4,000,000 USD credit limit");
const proof = join(out, "proof-verified.json");
const opening = join(out, "opening.json");
const proved = await run(
  [
    "prove", "--params", params,
    "--statement", statements.alpha, "--statement", statements.beta, "--statement", statements.gamma,
    "--account", ctx.account, "--config", "standard-verified",
    "--health-bps", "12500", "--credit-limit", "4000000", "--context", ctx.context, "-o", proof, "--opening", opening,
  ],
  [0],
  headline,
);
const held = portfolioToJson(checkOpening(JSON.parse(readFileSync(opening, "utf8")), parseRiskParams(base)).portfolio);
const entries = venues.reduce((n, [name]) => {
  const s = JSON.parse(readFileSync(statements[name], "utf8"));
  return n + Object.keys(s.collateral).length + Object.keys(s.positions).length;
}, 0);
const positionEntries = venues.reduce((n, [name]) => n + Object.keys(JSON.parse(readFileSync(statements[name], "utf8")).positions).length, 0);
say(`PRIVATE (${rel(opening)}): the book the proof is about, netted by the circuit from ${entries} signed entries (${positionEntries} positions):`);
say(`  collateral  ${Object.entries(held.collateral).map(([s, q]) => `${q} ${s}`).join(", ")}`);
say(`              USDC ${held.collateral.USDC}: Alpha's debt of 3000000 less Gamma's 2000000, a debt marked up by its debtBps`);
say(`  positions   ${Object.keys(held.positions).length} instruments; SOL-PERP ${held.positions["SOL-PERP"] === undefined ? "absent: long 5000 at Alpha, short 5000 at Beta net to 0 and need no slot" : held.positions["SOL-PERP"]}`);

step("Verifier: the bundle is a verified proof for the trader's account");
await run(["verify", proof, "--params", params, "--account", ctx.account, "--min-health-bps", "12500", "--context", ctx.context], [0], (lines) =>
  lines.filter((l) => /^(ok +(mode|verified|account|credit) |VALID|INSECURE)/.test(l)),
);

step("Trader: submit it (submitVerified: the proof's account must be the sender); the pool records a verified attestation");
await run(["chain", "submit", proof], [0]);
await run(["chain", "status", ctx.account, "--min-health-bps", "12500"], [0], (lines) => lines.filter((l) => /HEALTHY| (proven health|credit limit|epoch|verified) /.test(l)));

step("The same book with the debt left out: Alpha's statement edited to drop its USDC entry, is refused");
const edited = JSON.parse(readFileSync(statements.alpha, "utf8"));
say(`Alpha's signed statement holds collateral ${JSON.stringify(edited.collateral)} (asset 1 = USDC, base units: a debt of 3,000,000 USDC); the edit deletes it.`);
delete edited.collateral["1"];
const noDebt = file("statement-alpha-no-debt.json", edited);
await run(["venue", "verify", noDebt, "--params", params, "--account", ctx.account], [1]);
await run(
  ["prove", "--params", params, "--statement", noDebt, "--statement", statements.beta, "--statement", statements.gamma, "--account", ctx.account, "--config", "standard-verified", "--health-bps", "12500", "--context", ctx.context, "-o", join(out, "never.json")],
  [1],
);

step("Summary");
say(`  ${ctx.account}: three venues' statements (${entries} entries, ${positionEntries} positions) proven with standard-verified in ${fmt(proved.seconds)} (prove, including the witness),`);
say("  verified, and recorded on-chain as a verified attestation at >= 12,500 bps with a 4,000,000 USD credit limit;");
say("  the book with its 3,000,000 USDC debt left out refused: the edited statement's signature no longer verifies (exit 1).");
say(`  steps: ${timings.filter(([, s]) => s >= 1).map(([c, s]) => `${c} ${fmt(s)}`).join("; ")}`);
say(`  total ${fmt((Date.now() - started) / 1000)}`);
