#!/usr/bin/env node
// Gas of the on-chain flow, measured on the embedded EVM (EDR, Cancun) with real proofs from the
// small circuit's setup: deploy, post-params, submit (first attestation, refresh, with attestor).
// Prints a table and writes bench/results/gas.json. Used by `npm run bench`.
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

export async function measureGas() {
  const config = getConfig("small");
  const setup = await setupCircuit(config);
  const artifacts = await pool.compilePoolContracts(readFileSync(setup.verifierSol, "utf8"));
  const chain = await createEmbeddedChain({});
  const provider = ethersProviderFor(chain);
  const [owner, oracle, trader, , attestor] = devWallets(provider);
  const dep = await pool.deployPool({ signer: owner, artifacts, oracle: oracle.address, config: "small", circuitHash: setup.record.circuitHash, insecure: setup.record.insecure });
  const params = parseRiskParams(JSON.parse(readFileSync(join(root, "examples/params.json"), "utf8")));
  const registry = pool.registryAt(dep, artifacts, oracle);
  const now = async () => (await provider.getBlock("latest")).timestamp;
  const posted = await pool.postParams(registry, params, { validUntil: (await now()) + 7 * 86400 });
  const attestations = pool.attestationsAt(dep, artifacts, trader);
  const portfolio = parsePortfolio(JSON.parse(readFileSync(join(root, "examples/hedged-book.json"), "utf8")), params);
  const prove = async () =>
    (
      await proveMargin({
        params,
        portfolio,
        healthBps: 12500,
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
    verifierAloneAsTransaction: verifierOnly,
    target: { submit: 265000 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const g = await measureGas();
  const rows = [
    ["deploy Groth16Verifier", g.deploy.verifier],
    ["deploy RiskParamsRegistry", g.deploy.registry],
    ["deploy MarginAttestations", g.deploy.attestations],
    ["deploy ExamplePool", g.deploy.pool],
    ["post-params", g.postParams],
    ["submit, first attestation of an account", g.submitFirstSelfDeclared],
    ["submit, refresh (self-declared)", g.submitRefreshSelfDeclared],
    ["submit, refresh with attestor signature", g.submitRefreshWithAttestor],
    ["verifier alone, as a transaction", g.verifierAloneAsTransaction],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(42)} ${String(v).padStart(9)}\n`);
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/gas.json"), `${JSON.stringify(g, null, 2)}\n`);
  process.exit(0);
}
