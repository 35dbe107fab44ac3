#!/usr/bin/env node
// `npm run demo`: the whole flow on the embedded example data.
// 1. the risk oracle builds risk parameters from examples/market.json and computes their root;
// 2. the prover checks five example books against them at the pool's 12,500 bps (1.25x), among
//    them a BTC/ETH pair trade that per-group margin refuses (its per-group breakdown is printed);
// 3. trusted setups of the "small" circuit and of its verified-mode twin "small-verified" (INSECURE
//    dev ptau, cached after the first run);
// 4. the prover proves the hedged book privately, and a verifier checks the proof bundle;
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

const root = fileURLToPath(new URL("..", import.meta.url));
const { runCli } = await import(join(root, "dist/src/cli/main.js"));
const out = join(root, ".cache/demo");
mkdirSync(out, { recursive: true });
const params = join(out, "params.json");

const step = (title) => process.stdout.write(`\n=== ${title} ===\n\n`);
const run = async (argv, expect) => {
  process.stdout.write(`$ zkmargin ${argv.join(" ").replaceAll(root, "")}\n`);
  const code = await runCli(argv);
  if (!expect.includes(code)) {
    process.stderr.write(`demo: expected exit ${expect.join(" or ")}, got ${code}\n`);
    process.exit(1);
  }
  return code;
};

step("Risk oracle: risk arrays from market data");
await run(["params", "build", join(root, "examples/market.json"), "-o", params], [0]);
step("Risk oracle: the root the pool posts on-chain");
await run(["params", "root", params], [0]);

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
  const code = await run(["check", "--params", params, "--portfolio", join(root, "examples", file), "--health-bps", "12500"], [expected]);
  results.push([file, code === 0 ? "PASS" : "FAIL"]);
}
step("Trusted setup of the small circuit (INSECURE dev ptau; cached after the first run)");
await run(["setup", "--config", "small"], [0]);
step("Trusted setup of the small-verified circuit: the same book over venue-signed statements (INSECURE; cached)");
await run(["setup", "--config", "small-verified"], [0]);

const proof = join(out, "proof.json");
const opening = join(out, "opening.json");
// A verifier's fresh challenge (off-chain); on-chain the pool's contract derives it.
const context = `0x${randomBytes(31).toString("hex")}`;
step("Prover: prove the hedged book at 12,500 bps without revealing it");
await run(["prove", "--params", params, "--portfolio", join(root, "examples/hedged-book.json"), "--health-bps", "12500", "--context", context, "-o", proof, "--opening", opening], [0]);
step("Verifier: check the bundle against the published parameters and its challenge");
await run(["verify", proof, "--params", params, "--min-health-bps", "12500", "--context", context], [0]);
step("Prover: the naked book cannot be proven");
await run(["prove", "--params", params, "--portfolio", join(root, "examples/naked-short-calls.json"), "--health-bps", "12500", "--context", context, "-o", join(out, "never.json")], [1]);

step("Pool: deploy both verifiers, the registry, attestation contract and example pool (embedded EVM)");
await run(["chain", "deploy"], [0]);
step("Risk oracle: post the parameters' root on-chain");
const validUntil = String(Math.floor(Date.now() / 1000) + 7 * 86400);
await run(["chain", "post-params", params, "--valid-until", validUntil], [0]);
step("Trader: the context the contract will derive for the trader's account and nonce");
const captured = [];
const code = await runCli(["chain", "context", "--json"], { out: (t) => captured.push(t), err: (t) => process.stderr.write(t) });
if (code !== 0) process.exit(1);
const ctx = JSON.parse(captured.join(""));
process.stdout.write(`$ zkmargin chain context\n${ctx.context}  (account ${ctx.account}, nonce ${ctx.nonce})\n`);
const chainProof = join(out, "proof-onchain.json");
step("Trader: prove bound to that context with a 15,000 USD credit limit, then submit one transaction");
// the hedged book covers at most 71,591.58 / 1.25 - 38,942.43 = 18,330.83 USD of credit at 1.25x
await run(["prove", "--params", params, "--portfolio", join(root, "examples/hedged-book.json"), "--health-bps", "12500", "--credit-limit", "15000", "--context", ctx.context, "-o", chainProof], [0]);
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
await run(["venue", "keygen", "-o", custodianKey], [0]);
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
const next = [];
if ((await runCli(["chain", "context", "--json"], { out: (t) => next.push(t), err: (t) => process.stderr.write(t) })) !== 0) process.exit(1);
const vctx = JSON.parse(next.join(""));
process.stdout.write(`$ zkmargin chain context\n${vctx.context}  (account ${vctx.account}, nonce ${vctx.nonce})\n`);
const verifiedProof = join(out, "proof-verified.json");
await run(
  ["prove", "--params", venueParams, "--statement", exchangeStmt, "--statement", custodianStmt, "--account", ctx.account, "--health-bps", "12500", "--credit-limit", "15000", "--context", vctx.context, "-o", verifiedProof],
  [0],
);
step("Verifier: the bundle is a verified proof for the trader's account");
await run(["verify", verifiedProof, "--params", venueParams, "--account", ctx.account, "--min-health-bps", "12500", "--context", vctx.context], [0]);
step("Trader: submit it (submitVerified: the proof's account must be the sender); the pool records a verified attestation");
await run(["chain", "submit", verifiedProof], [0]);
await run(["chain", "status", ctx.account, "--min-health-bps", "12500"], [0]);
step("A statement edited after signing (the custodian's USDC raised tenfold) is refused");
const forged = JSON.parse(readFileSync(custodianStmt, "utf8"));
forged.collateral["1"] = (BigInt(forged.collateral["1"]) * 10n).toString();
const forgedStmt = file("statement-custodian-forged.json", forged);
await run(["venue", "verify", forgedStmt, "--params", venueParams], [1]);
await run(["prove", "--params", venueParams, "--statement", exchangeStmt, "--statement", forgedStmt, "--account", ctx.account, "--health-bps", "12500", "--context", vctx.context, "-o", join(out, "never-verified.json")], [1, 2]);

step("Summary at 12,500 bps");
for (const [file, verdict] of results) process.stdout.write(`  ${verdict}  examples/${file}\n`);
process.stdout.write(`  proof bundle ${proof.replace(root, "")} (public), commitment opening ${opening.replace(root, "")} (PRIVATE)\n`);
process.stdout.write(`  on-chain: ${ctx.account} attested healthy at 12,500 bps with a 15,000 USD credit limit on the embedded EVM; borrowed 10,000, a further 6,000 refused, repaid 4,000\n`);
process.stdout.write(`  verified: the same book as two venues' signed statements, proven from the statements alone and recorded as verified on-chain; a tampered statement refused\n`);
