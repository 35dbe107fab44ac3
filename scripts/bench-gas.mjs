#!/usr/bin/env node
// Gas of the on-chain flow, measured on the embedded EVM (EDR, Cancun) with real proofs from the
// small circuit's setup: deploy, post-params, submit (first attestation, refresh, with attestor),
// all with a non-zero credit limit (half the hedged book's largest at 1.25x), then the example
// pool's borrow, repay and a liquidation; and verified mode with real proofs of the small-verified
// circuit (the same book, signed as two venues' holdings statements): submitVerified, first and
// refresh. Prints a table and writes bench/results/gas.json. Used by `npm run bench`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const d = (p) => import(join(root, "dist", p));
const { getConfig } = await d("src/config/circuits.js");
const { setupCircuit, releaseCurve, provingArtifacts } = await d("setup/groth16.js");
const { createEmbeddedChain, ethersProviderFor, devWallets } = await d("src/chain/edr.js");
const pool = await d("src/chain/pool.js");
const { parseRiskParams } = await d("src/params/parse.js");
const { parsePortfolio } = await d("src/portfolio/parse.js");
const { proveMargin } = await d("src/prove/prove.js");
const { computeMargin } = await d("src/engine/margin.js");
const { devStatementKey: keyOf, holdingsFromPortfolioJson, signStatement, statementPublicKey } = await d("src/statements/index.js");

/** examples/params.json's venue 1 key (docs/market-format.md) and a second venue's, for the bench only. */
const VENUE1_KEY = keyOf("zkmargin example venue 1");
const VENUE2_KEY = keyOf("zkmargin bench venue 2");

export async function measureGas() {
  const config = getConfig("small");
  const vconfig = getConfig("small-verified");
  const setup = await setupCircuit(config);
  const vsetup = await setupCircuit(vconfig);
  const artifacts = await pool.compilePoolContracts(readFileSync(setup.verifierSol, "utf8"), readFileSync(vsetup.verifierSol, "utf8"));
  const chain = await createEmbeddedChain({});
  const provider = ethersProviderFor(chain);
  const [owner, oracle, trader, , attestor] = devWallets(provider);
  const dep = await pool.deployPool({
    signer: owner,
    artifacts,
    oracle: oracle.address,
    config: "small",
    circuitHash: setup.record.circuitHash,
    insecure: setup.record.insecure,
    verified: { config: vconfig.name, circuitHash: vsetup.record.circuitHash, insecure: vsetup.record.insecure },
  });
  const paramsJson = JSON.parse(readFileSync(join(root, "examples/params.json"), "utf8"));
  paramsJson.venues.push({ id: 2, name: "Bench Custodian", publicKey: statementPublicKey(VENUE2_KEY) });
  const params = parseRiskParams(paramsJson);
  const registry = pool.registryAt(dep, artifacts, oracle);
  const now = async () => (await provider.getBlock("latest")).timestamp;
  const posted = await pool.postParams(registry, params, { validUntil: (await now()) + 7 * 86400 });
  const attestations = pool.attestationsAt(dep, artifacts, trader);
  const bookJson = JSON.parse(readFileSync(join(root, "examples/hedged-book.json"), "utf8"));
  const portfolio = parsePortfolio(bookJson, params);
  // the largest credit limit the book supports at 1.25x: 10000 * adjusted >= 12500 * (requirement + L)
  const m = computeMargin(params, portfolio, 12500, 0n);
  const maxCents = (m.adjustedCollateralE30 - 12500n * m.requirementE26) / (12500n * 10n ** 24n);
  const creditLimitCents = maxCents / 2n;
  if (creditLimitCents <= 0n) throw new Error("the hedged book supports no credit limit at 1.25x");
  const prove = async () =>
    (
      await proveMargin({
        params,
        portfolio,
        healthBps: 12500,
        creditLimitCents,
        context: (await pool.contextFor(attestations, trader.address)).context,
        config,
        artifacts: provingArtifacts(setup),
      })
    ).bundle;
  const first = await pool.submitAttestation(attestations, await prove());
  const refresh = await pool.submitAttestation(attestations, await prove());
  await (await attestations.connect(owner).getFunction("setAttestor")(attestor.address, true)).wait();
  const b = await prove();
  const sig = await pool.signPortfolioAttestation(attestor, pool.attestorDomain(dep.chainId, dep.attestations), { commitment: BigInt(b.commitment), account: trader.address, asOf: await now() });
  const attested = await pool.submitAttestation(attestations, b, sig);
  // verified mode: the same book as an exchange's statement (positions) and a custodian's (collateral)
  const asOf = Math.floor(Date.parse(params.asOf) / 1000) - 600;
  const statements = [
    signStatement({ venueId: 1, account: trader.address, asOf, privateKey: VENUE1_KEY, holdings: holdingsFromPortfolioJson({ positions: bookJson.positions }, params) }),
    signStatement({ venueId: 2, account: trader.address, asOf, privateKey: VENUE2_KEY, holdings: holdingsFromPortfolioJson({ collateral: bookJson.collateral }, params) }),
  ];
  const proveVerified = async () =>
    (
      await proveMargin({
        params,
        statements,
        account: trader.address,
        healthBps: 12500,
        creditLimitCents,
        context: (await pool.contextFor(attestations, trader.address)).context,
        config: vconfig,
        artifacts: provingArtifacts(vsetup),
      })
    ).bundle;
  // the account's first verified attestation replaces a self-declared one (same storage word)
  const verifiedFirst = await pool.submitAttestation(attestations, await proveVerified());
  const verifiedRefresh = await pool.submitAttestation(attestations, await proveVerified());
  // the example pool: borrow a quarter of the limit (first borrow: fresh debt slot), again, repay
  // part, then a liquidation after the attestation expires (the liquidator repays the debt)
  const lent = pool.poolAt(dep, artifacts, trader);
  const token = pool.tokenAt(dep, artifacts, trader);
  const quarter = (creditLimitCents / 4n) * 10n ** 4n; // a quarter of the limit, in base units
  const borrowFirst = await pool.borrowFromPool(lent, quarter);
  const borrowAgain = await pool.borrowFromPool(lent, quarter);
  await (await token.getFunction("approve")(dep.pool, quarter)).wait();
  const repay = (await (await lent.getFunction("repay")(quarter / 2n)).wait()).gasUsed;
  await provider.send("evm_increaseTime", [86401]);
  await provider.send("evm_mine", []);
  const liquidator = devWallets(provider)[5];
  const debt = await lent.getFunction("debtOf")(trader.address);
  await (await token.connect(owner).getFunction("mint")(liquidator.address, debt)).wait();
  await (await token.connect(liquidator).getFunction("approve")(dep.pool, debt)).wait();
  const liquidate = (await (await lent.connect(liquidator).getFunction("liquidate")(trader.address)).wait()).gasUsed;
  // the verifier alone, as a transaction (for reference)
  const v = new (await import("ethers")).Contract(dep.verifier, artifacts.Groth16Verifier.abi, trader);
  const p = pool.proofCalldata(b);
  const verifierOnly = Number(await v.getFunction("verifyProof").estimateGas(p.a, p.b, p.c, b.publicSignals));
  provider.destroy();
  await chain.close();
  await releaseCurve();
  return {
    network: "embedded EDR 0.13.0 (Cancun), solc 0.8.28 optimizer 200 runs",
    deploy: dep.gas,
    postParams: posted.gasUsed,
    submitFirstSelfDeclared: first.gasUsed,
    submitRefreshSelfDeclared: refresh.gasUsed,
    submitRefreshWithAttestor: attested.gasUsed,
    submitVerifiedAfterSelfDeclared: verifiedFirst.gasUsed,
    submitRefreshVerified: verifiedRefresh.gasUsed,
    verifierAloneAsTransaction: verifierOnly,
    creditLimitCents: creditLimitCents.toString(),
    poolBorrowFirst: borrowFirst.gasUsed,
    poolBorrowAgain: borrowAgain.gasUsed,
    poolRepay: Number(repay),
    poolLiquidate: Number(liquidate),
    target: { submit: 265000, submitVerified: 275000 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const g = await measureGas();
  const rows = [
    ["deploy Groth16Verifier", g.deploy.verifier],
    ["deploy Groth16Verifier (small-verified)", g.deploy.verifiedVerifier],
    ["deploy RiskParamsRegistry", g.deploy.registry],
    ["deploy MarginAttestations", g.deploy.attestations],
    ["deploy ExamplePool", g.deploy.pool],
    ["deploy ExampleUSD (test token)", g.deploy.token],
    ["post-params", g.postParams],
    ["submit, first attestation of an account", g.submitFirstSelfDeclared],
    ["submit, refresh (self-declared)", g.submitRefreshSelfDeclared],
    ["submit, refresh with attestor signature", g.submitRefreshWithAttestor],
    ["submitVerified, refresh (verified)", g.submitRefreshVerified],
    ["verifier alone, as a transaction", g.verifierAloneAsTransaction],
    ["pool borrow (first / again)", `${g.poolBorrowFirst} / ${g.poolBorrowAgain}`],
    ["pool repay", g.poolRepay],
    ["pool liquidate (liquidator repays)", g.poolLiquidate],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(42)} ${String(v).padStart(9)}\n`);
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/gas.json"), `${JSON.stringify(g, null, 2)}\n`);
  process.exit(0);
}
