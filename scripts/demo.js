#!/usr/bin/env node
// `npm run demo`: the whole flow on the embedded example data, each command with the part of its
// output that matters here (the commands themselves print more: run them to see it).
// 1. the risk oracle builds risk parameters from examples/market.json and computes their root;
// 2. the prover checks five example books against them at the pool's 12,500 bps (1.25x), among
//    them a BTC/ETH pair trade that per-group margin refuses (its per-group requirements shown);
// 3. trusted setups of the "small" circuit and of its verified-mode twin "small-verified" (INSECURE
//    dev keys, cached after the first run);
// 4. the prover proves the hedged book privately; the demo shows once what the verifier receives
//    (the bundle's fields) next to what stayed private (the opening), and a verifier checks it;
// 5. proving the naked book is refused with its shortfall;
// 6. on an embedded in-process EVM: deploy the pool's contracts, post the root, prove with the
//    contract's context for the trader's account and a 15,000 USD credit limit, submit, read the
//    account's status, borrow 10,000 within the limit, and see a further 6,000 refused;
// 7. verified mode: the oracle lists a custodian next to the exchange (new parameters, next epoch);
//    both venues sign holdings statements for the trader (collateral at the custodian, options,
//    perpetuals and more USDC at the exchange); the trader proves from the statements alone, the
//    pool records a verified attestation (submitVerified, bound to the trader's address); a
//    statement tampered with after signing is refused.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoRunner } from "./demo-runner.js";

const root = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");
// No progress lines from the long steps unless asked for (ZKMARGIN_PROGRESS=1): the demo says
// itself which steps are slow, and snarkjs's logging (a setup's raw hash dumps) stays out of it.
process.env.ZKMARGIN_PROGRESS ??= "0";
const { runCli } = await import(join(root, "dist/src/cli/main.js"));
const { checkOpening, parseRiskParams, portfolioToJson } = await import(join(root, "dist/src/index.js"));
const { cacheDir } = await import(join(root, "dist/src/circuit/paths.js"));
const { hasSetup } = await import(join(root, "dist/src/chain/artifacts.js"));
const { getConfig } = await import(join(root, "dist/src/config/circuits.js"));
const out = join(root, ".cache/demo");
mkdirSync(out, { recursive: true });
const params = join(out, "params.json");

const { rel, say, step, linesOf, run } = demoRunner(root, runCli);
/** Of check's breakdown: the per-group requirements and the verdict. */
const verdict = (lines) => {
  const from = lines.findIndex((l) => l.startsWith("Requirement per risk group"));
  return lines.slice(from).filter((l) => l.startsWith("  ") || /^(Requirement per|required at|haircut-adjusted|excess|shortfall|health|PASS|FAIL)/.test(l));
};
/** The first line of a command's output and its INSECURE notice. */
const headline = (lines) => [...lines.slice(0, 1), ...lines.slice(1).filter((l) => /^INSECURE/.test(l))];
/** A long number (decimal or hex) as its first and last digits. */
const abbrev = (v) => (typeof v === "string" && v.length > 24 && /^(0x)?[0-9a-fA-F]+$/.test(v) ? `${v.slice(0, 12)}...${v.slice(-6)}` : String(v));

say("zkmargin demo: a pool's risk parameters; five books checked against them; one proven without");
say("showing it, and what its verifier receives; the proof on-chain as a credit line; verified mode.");
say(`Files go to ${rel(out)}/. Each command is shown with the lines of its output that matter here.`);
{
  const missing = [];
  for (const name of ["small", "small-verified"]) if (!hasSetup(getConfig(name))) missing.push(name);
  say(
    missing.length
      ? `First run: it compiles and sets up the ${missing.map((n) => `"${n}"`).join(" and ")} circuit${missing.length > 1 ? "s" : ""} (INSECURE dev keys), about ${missing.length * 40} s on 2 cores (circom compile ~30 s, key ~5 s each), cached in ${cacheDir()} for the next runs.`
      : `The small and small-verified setups are already cached in ${cacheDir()}: no waiting.`,
  );
}

step("Risk oracle: risk parameters from market data, and the root the pool posts on-chain");
await run(["params", "build", join(root, "examples/market.json"), "-o", params], [0], (lines) => lines.filter((l) => /^(wrote|paramsRoot)/.test(l)));

const books = [
  ["hedged-book.json", "a hedged options book: scenario netting keeps the requirement low", 0],
  ["naked-short-calls.json", "the same short calls without the hedge", 1],
  ["concentrated-collateral.json", "concentrated collateral pushed into upper haircut tiers", 1],
  ["pair-trade.json", "a BTC/ETH pair trade on 1,000 USDC: each risk group is margined on its own, no netting across underlyings", 1],
  ["cross-hedge.json", "ETH perpetuals 'hedged' with BTC puts: the hedge sits in another risk group", 1],
];
const results = [];
for (const [file, what, expected] of books) {
  step(`Prover: ${what}`);
  // check prints its breakdown on stdout whether the book passes (exit 0) or not (exit 1)
  const argv = ["check", "--params", params, "--portfolio", join(root, "examples", file), "--health-bps", "12500"];
  say(`$ zkmargin ${rel(argv.join(" "))}`);
  const text = [];
  const code = await runCli(argv, { out: (t) => text.push(t.endsWith("\n") ? t : `${t}\n`), err: () => {} });
  if (code !== expected) {
    process.stdout.write(text.join(""));
    process.stderr.write(`demo: expected exit ${expected}, got ${code}\n`);
    process.exit(1);
  }
  for (const l of verdict(linesOf(text))) say(l);
  results.push([file, code === 0 ? "PASS" : "FAIL"]);
}

step("Trusted setups of the small circuit and its verified-mode twin (INSECURE dev keys; about 40 s each the first time, cached after)");
await run(["setup", "--config", "small"], [0], headline);
await run(["setup", "--config", "small-verified"], [0], headline);

const proof = join(out, "proof.json");
const opening = join(out, "opening.json");
// A verifier's fresh challenge (off-chain); on-chain the pool's contract derives it.
const context = `0x${randomBytes(31).toString("hex")}`;
step("Prover: prove the hedged book at 12,500 bps without revealing it");
await run(["prove", "--params", params, "--portfolio", join(root, "examples/hedged-book.json"), "--health-bps", "12500", "--context", context, "-o", proof, "--opening", opening], [0], headline);

step("What the verifier receives, and what stays with the prover");
const bundle = JSON.parse(readFileSync(proof, "utf8"));
const notes = {
  config: "the circuit",
  paramsRoot: "the published parameters",
  healthBps: "the claim: health >= 1.25x",
  creditLimitCents: "the debt the claim covers",
  context: "the verifier's challenge: no replay",
  commitment: "binds the book without showing it",
  publicSignals: "what the proof is checked against: commitment, paramsRoot, healthBps + creditLimitCents * 2^32, context",
};
const shape = (v) => {
  if (Array.isArray(v)) return `[${v.map(abbrev).join(", ")}]`;
  if (v && typeof v === "object") return Object.entries(v).map(([k, x]) => `${k} ${Array.isArray(x) ? `(${x.flat().length} numbers)` : abbrev(x)}`).join(", ");
  return abbrev(v);
};
say(`PUBLIC: ${rel(proof)}, the proof bundle: all that a verifier (or the pool's contract) receives`);
for (const [k, v] of Object.entries(bundle)) say(`  ${k.padEnd(17)} ${shape(v)}${notes[k] ? `  (${notes[k]})` : ""}`);
const open = JSON.parse(readFileSync(opening, "utf8"));
const held = portfolioToJson(checkOpening(open, parseRiskParams(JSON.parse(readFileSync(params, "utf8")))).portfolio);
const holdings = (o) => Object.entries(o).map(([symbol, q]) => `${q} ${symbol}`).join(", ");
say(`PRIVATE: ${rel(opening)}, the commitment's opening: never sent to the verifier (an attestor may see it)`);
say(`  salt              ${open.salt}`);
say(`  collateral        ${holdings(held.collateral)}`);
say(`  positions         ${holdings(held.positions)}`);
say("  and every figure computed from them: values, losses, requirement, health (check's breakdown)");
const sent = JSON.stringify(bundle);
const leaked = [open.salt.slice(2), ...Object.keys(held.collateral), ...Object.keys(held.positions)].filter((x) => sent.includes(x));
if (leaked.length > 0) throw new Error(`demo: the bundle contains ${leaked.join(", ")}`);
say(`The opening opens the bundle's commitment ${abbrev(bundle.commitment)} (checkOpening); the bundle holds neither the salt nor any holding's name.`);

step("Verifier: check the bundle against the published parameters and its challenge");
await run(["verify", proof, "--params", params, "--min-health-bps", "12500", "--context", context], [0]);
step("Prover: the naked book cannot be proven");
await run(["prove", "--params", params, "--portfolio", join(root, "examples/naked-short-calls.json"), "--health-bps", "12500", "--context", context, "-o", join(out, "never.json")], [1]);

step("Pool: deploy both verifiers, the registry, attestation contract and example pool (embedded EVM)");
await run(["chain", "deploy"], [0], (lines) => lines.filter((l) => !/^wrote /.test(l)));
step("Risk oracle: post the parameters' root on-chain");
const validUntil = String(Math.floor(Date.now() / 1000) + 7 * 86400);
await run(["chain", "post-params", params, "--valid-until", validUntil], [0]);
const contextFor = async () => {
  const captured = [];
  if ((await runCli(["chain", "context", "--json"], { out: (t) => captured.push(t), err: (t) => process.stderr.write(t) })) !== 0) process.exit(1);
  const c = JSON.parse(captured.join(""));
  say(`$ zkmargin chain context\n${c.context}  (account ${c.account}, nonce ${c.nonce})`);
  return c;
};
step("Trader: the context the contract will derive for the trader's account and nonce");
const ctx = await contextFor();
const chainProof = join(out, "proof-onchain.json");
step("Trader: prove bound to that context with a 15,000 USD credit limit, then submit one transaction");
// the hedged book covers at most 71,591.57 / 1.25 - 38,942.44 = 18,330.81 USD of credit at 1.25x
await run(["prove", "--params", params, "--portfolio", join(root, "examples/hedged-book.json"), "--health-bps", "12500", "--credit-limit", "15000", "--context", ctx.context, "-o", chainProof], [0], headline);
await run(["chain", "submit", chainProof], [0]);
step("Pool: is the account healthy at 1.25x, and what may it owe?");
await run(["chain", "status", ctx.account, "--min-health-bps", "12500"], [0]);
step("Trader: borrow 10,000 USD from the example pool, within the attested credit limit");
await run(["chain", "borrow", "10000"], [0]);
step("Trader: borrowing 6,000 USD more would exceed the 15,000 USD limit: the pool refuses");
await run(["chain", "borrow", "6000"], [1, 2]);
step("Trader: repay 4,000 USD");
await run(["chain", "repay", "4000"], [0]);

// ---------------------------------------------------------------- verified mode
const file = (name, x) => {
  const f = join(out, name);
  writeFileSync(f, `${JSON.stringify(x, null, 2)}\n`);
  return f;
};
step("Risk oracle: list a custodian next to the exchange (its key from `venue keygen`; new parameters, next epoch)");
// the exchange's development key (docs/market-format.md): ASCII "zkmargin example venue 1", zero-padded
const exchangeKey = file("exchange.key.json", {
  zkmarginVenueKey: 1,
  privateKey: `0x${Buffer.concat([Buffer.from("zkmargin example venue 1", "ascii"), Buffer.alloc(8)]).toString("hex")}`,
});
const custodianKey = join(out, "custodian.key.json");
rmSync(custodianKey, { force: true }); // keygen never overwrites a key
await run(["venue", "keygen", "-o", custodianKey], [0], (lines) => lines.filter((l) => /^wrote/.test(l)));
const base = JSON.parse(readFileSync(params, "utf8"));
const venueParams = file("params-venues.json", {
  ...base,
  epoch: base.epoch + 1,
  venues: [...base.venues, { id: 2, name: "Example Custodian", publicKey: JSON.parse(readFileSync(custodianKey, "utf8")).publicKey }],
});
await run(["chain", "post-params", venueParams, "--valid-until", validUntil], [0]);
step("Venues: each signs what it holds for the trader (USDC at both; ETH at the custodian; options and perps at the exchange)");
const asOf = String(Math.floor(Date.parse(base.asOf) / 1000) - 600); // within maxStatementAge of the parameters' asOf
const hedged = JSON.parse(readFileSync(join(root, "examples/hedged-book.json"), "utf8"));
const exchangeStmt = join(out, "statement-exchange.json");
const custodianStmt = join(out, "statement-custodian.json");
const exchangeHoldings = file("holdings-exchange.json", { collateral: { USDC: "20000" }, positions: hedged.positions });
const custodianHoldings = file("holdings-custodian.json", { collateral: { USDC: "40000", ETH: hedged.collateral.ETH } });
await run(["venue", "sign", exchangeHoldings, "--account", ctx.account, "--as-of", asOf, "--key", exchangeKey, "--params", venueParams, "-o", exchangeStmt], [0]);
await run(["venue", "sign", custodianHoldings, "--account", ctx.account, "--as-of", asOf, "--key", custodianKey, "--params", venueParams, "-o", custodianStmt], [0]);
step("Anyone: check a statement against the parameters (signature, listed key, freshness, account)");
await run(["venue", "verify", custodianStmt, "--params", venueParams, "--account", ctx.account], [0]);
step("Trader: prove from the two statements alone, bound to the contract's next context, with a 15,000 USD credit limit");
const vctx = await contextFor();
const verifiedProof = join(out, "proof-verified.json");
await run(
  ["prove", "--params", venueParams, "--statement", exchangeStmt, "--statement", custodianStmt, "--account", ctx.account, "--health-bps", "12500", "--credit-limit", "15000", "--context", vctx.context, "-o", verifiedProof],
  [0],
  headline,
);
step("Verifier: the bundle is a verified proof for the trader's account");
await run(["verify", verifiedProof, "--params", venueParams, "--account", ctx.account, "--min-health-bps", "12500", "--context", vctx.context], [0], (lines) =>
  lines.filter((l) => /^(ok +(mode|verified|account) |VALID|INSECURE)/.test(l)),
);
step("Trader: submit it (submitVerified: the proof's account must be the sender); the pool records a verified attestation");
await run(["chain", "submit", verifiedProof], [0]);
await run(["chain", "status", ctx.account, "--min-health-bps", "12500"], [0], (lines) => lines.filter((l) => /HEALTHY| (credit limit|epoch|verified) /.test(l)));
step("A statement edited after signing (the custodian's USDC raised tenfold) is refused");
const forged = JSON.parse(readFileSync(custodianStmt, "utf8"));
forged.collateral["1"] = (BigInt(forged.collateral["1"]) * 10n).toString();
const forgedStmt = file("statement-custodian-forged.json", forged);
await run(["venue", "verify", forgedStmt, "--params", venueParams], [1]);
await run(["prove", "--params", venueParams, "--statement", exchangeStmt, "--statement", forgedStmt, "--account", ctx.account, "--health-bps", "12500", "--context", vctx.context, "-o", join(out, "never-verified.json")], [1, 2]);

step("Summary at 12,500 bps");
for (const [name, result] of results) say(`  ${result}  examples/${name}`);
say(`  proof bundle ${rel(proof)} (public), commitment opening ${rel(opening)} (PRIVATE)`);
say(`  on-chain: ${ctx.account} attested healthy at 12,500 bps with a 15,000 USD credit limit on the embedded EVM; borrowed 10,000, a further 6,000 refused, repaid 4,000`);
say("  verified: the same book as two venues' signed statements, proven from the statements alone and recorded as verified on-chain; a tampered statement refused");
