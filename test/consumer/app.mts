// A consumer's program, copied by consumer.test.ts into a fresh project as `consumer.ts` where
// `zkmargin` is installed from its packed tarball next to the consumer's own ethers, TypeScript and
// @types/node. It is type-checked there with the consumer's TypeScript in strict mode (library
// checks on: the package's .d.ts files are checked too), compiled and run with node. It may use only
// what the package exports: `zkmargin`, `zkmargin/chain`, `zkmargin/abi`, `zkmargin/abi/*.json`,
// `zkmargin/factories`. (The `.mts` name keeps it out of the repository's own type-check, which
// runs before dist/ is built; mocha does not load it.)
//
// Inputs (environment): ZKM_RPC, the JSON-RPC URL of `zkmargin chain node`; ZKM_DEPLOYMENT, the
// record `zkmargin chain deploy` wrote; the `small` setup in ZKMARGIN_CACHE (`zkmargin setup`); the
// parameters already posted (`zkmargin chain post-params`). Prints one JSON line `{"ok":true,...}`.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Contract, JsonRpcProvider, Wallet } from "ethers";
import {
  computeMargin,
  findSetup,
  getConfig,
  isDevKey,
  isZkMarginError,
  parseBundle,
  parsePortfolio,
  parseRiskParams,
  proveMargin,
  provingArtifacts,
  readJsonFile,
  releaseCurve,
  verifyMargin,
  type ProofBundle,
  type VerifyResult,
} from "zkmargin";
import {
  checkDeployment,
  decodeContractError,
  deriveContext,
  proofCalldata,
  statusOf,
  submitAttestation,
  type Deployment,
} from "zkmargin/chain";
import { marginAttestationsAbi, riskParamsRegistryAbi } from "zkmargin/abi";
import { MarginAttestations__factory, RiskParamsRegistry__factory, type MarginAttestations } from "zkmargin/factories";
import marginAttestationsJson from "zkmargin/abi/MarginAttestations.json" with { type: "json" };

const rpc = process.env.ZKM_RPC;
const deploymentFile = process.env.ZKM_DEPLOYMENT;
if (!rpc || !deploymentFile) throw new Error("set ZKM_RPC and ZKM_DEPLOYMENT");

// The package's own examples, found through its exported package.json.
const pkgRoot = dirname(createRequire(import.meta.url).resolve("zkmargin/package.json"));
const example = (name: string) => join(pkgRoot, "examples", name);

// The trader's own key (the local node's well-known dev account 2, funded for gas).
const TRADER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const HEALTH_BPS = 12500;
const CREDIT_LIMIT_CENTS = 1_500_000n; // 15,000.00 USD

// proofCalldata's declared type is `{ a: (string | undefined)[]; b: (string | undefined)[][]; ... }`,
// not the tuples the typed factory's `submit` takes, so it cannot be passed to it as is: this
// narrows it (and still compiles once proofCalldata declares the tuples).
type Pair = [string, string];
function asTuples(p: { a: readonly (string | undefined)[]; b: readonly (readonly (string | undefined)[])[]; c: readonly (string | undefined)[] }) {
  const pair = (xs: readonly (string | undefined)[] | undefined, what: string): Pair => {
    const [x, y] = xs ?? [];
    if (xs?.length !== 2 || x === undefined || y === undefined) throw new Error(`proofCalldata: ${what} is not a pair`);
    return [x, y];
  };
  return { a: pair(p.a, "a"), b: [pair(p.b[0], "b[0]"), pair(p.b[1], "b[1]")] as [Pair, Pair], c: pair(p.c, "c") };
}

try {
  // 1. Parameters and book from the package's examples; the exact margin check first.
  const params = parseRiskParams(readJsonFile(example("params.json"), "risk parameters"));
  const portfolio = parsePortfolio(readJsonFile(example("hedged-book.json"), "portfolio"), params);
  const margin = computeMargin(params, portfolio, HEALTH_BPS, CREDIT_LIMIT_CENTS);
  assert.equal(margin.ok, true, "the hedged book passes at 1.25x with a 15,000 USD credit limit");

  // 2. The `small` setup `npx zkmargin setup --config small` made (never compiles here: findSetup
  //    returns undefined when there is no setup for this package's circuit).
  const config = getConfig("small");
  const setup = await findSetup(config);
  if (!setup) throw new Error(`no "small" setup in ${process.env.ZKMARGIN_CACHE ?? "the cache"}: run \`npx zkmargin setup --config small\``);
  const vkey: unknown = JSON.parse(readFileSync(setup.vkey, "utf8"));
  assert.equal(isDevKey(vkey), true, "the dev setup's key is recognised as INSECURE");

  // 3. The user's own ethers provider and wallet, against `zkmargin chain node`.
  const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, polling: true, pollingInterval: 100 });
  const trader = new Wallet(TRADER_KEY, provider);
  const deployment = JSON.parse(readFileSync(deploymentFile, "utf8")) as Deployment;
  await checkDeployment(deployment, provider, { file: deploymentFile, chain: rpc });
  const { chainId } = await provider.getNetwork();
  assert.equal(Number(chainId), deployment.chainId);

  // Typed contracts from zkmargin/factories: the posted root, the account's nonce and context.
  const registry = RiskParamsRegistry__factory.connect(deployment.registry, provider);
  const attestations: MarginAttestations = MarginAttestations__factory.connect(deployment.attestations, trader);
  const posted = await registry.paramsOf(params.epoch);
  const [before] = await attestations.attestationOf(trader.address);
  const context = deriveContext(chainId, deployment.attestations, trader.address, before.nonce);
  assert.equal(await attestations.contextOf(trader.address), context, "deriveContext matches the contract's contextOf");

  // 4. Prove, bound to the contract's context for the trader, with the credit limit.
  const t0 = performance.now();
  const { bundle } = await proveMargin({
    params,
    portfolio,
    healthBps: HEALTH_BPS,
    creditLimitCents: CREDIT_LIMIT_CENTS,
    context,
    config,
    artifacts: provingArtifacts(setup),
  });
  const proveMs = performance.now() - t0;
  assert.equal(BigInt(bundle.paramsRoot), posted.root, "the bundle's root is the one `chain post-params` posted");

  // 5. Verify as a verifier would: the bundle as received (JSON), the key, its own requirements.
  const received: ProofBundle = parseBundle(JSON.parse(JSON.stringify(bundle)));
  const result: VerifyResult = await verifyMargin(received, vkey, {
    params,
    minHealthBps: HEALTH_BPS,
    minCreditLimitCents: CREDIT_LIMIT_CENTS,
    context,
  });
  const failed = result.checks.filter((c) => c.status === "fail");
  assert.equal(result.valid, true, `verifyMargin: ${JSON.stringify(failed)}`);
  assert.equal(result.insecure, true);

  // 6. On-chain: a dry run through the typed factory's `submit` (its argument types), then the
  //    SDK's submitAttestation with an ethers Contract over the shipped ABI.
  const call = [asTuples(proofCalldata(received)), BigInt(received.commitment), BigInt(received.paramsRoot), received.healthBps, BigInt(received.creditLimitCents)] as const;
  const gasEstimate = await attestations.submit.estimateGas(...call);
  const sent = await submitAttestation(new Contract(deployment.attestations, marginAttestationsAbi, trader), received);

  // 7. Read the attestation back through the typed factory (and the JSON ABI, and the SDK).
  const [att] = await attestations.attestationOf(trader.address);
  assert.equal(att.healthBps, BigInt(HEALTH_BPS));
  assert.equal(att.creditLimitCents, CREDIT_LIMIT_CENTS);
  assert.equal(att.epoch, BigInt(params.epoch));
  assert.equal(att.nonce, before.nonce + 1n);
  assert.equal(att.verified, false);
  assert.equal(await attestations.isHealthy(trader.address, HEALTH_BPS), true);
  assert.equal(await attestations.isHealthy(trader.address, 20000), false);
  assert.equal(await attestations.creditLimitOf(trader.address, HEALTH_BPS), CREDIT_LIMIT_CENTS);
  const events = await attestations.queryFilter(attestations.filters.AttestationRecorded(trader.address), sent.blockNumber);
  assert.equal(events.length, 1);
  const recorded = attestations.interface.parseLog(events[0]!);
  assert.equal(recorded?.args.getValue("commitment"), BigInt(received.commitment));
  const plain = new Contract(deployment.attestations, marginAttestationsJson, provider);
  assert.equal(await plain.getFunction("creditLimitOf")(trader.address, HEALTH_BPS), CREDIT_LIMIT_CENTS);
  const status = await statusOf(
    new Contract(deployment.attestations, marginAttestationsAbi, provider),
    new Contract(deployment.registry, riskParamsRegistryAbi, provider),
    trader.address,
    HEALTH_BPS,
  );
  assert.equal(status.healthy, true);
  assert.equal(status.commitment, received.commitment);

  // 8. The same proof again: the nonce moved, so the contract derives another context and the
  //    proof no longer verifies; the SDK decodes the custom error with the shipped ABI.
  let replay: string | undefined;
  try {
    await attestations.submit.staticCall(...call);
  } catch (e) {
    replay = decodeContractError(e, [[...marginAttestationsAbi]])?.name;
  }
  assert.equal(replay, "MarginAttestations__InvalidProof");

  console.log(
    JSON.stringify({
      ok: true,
      account: trader.address,
      healthBps: Number(att.healthBps),
      creditLimitCents: att.creditLimitCents.toString(),
      epoch: Number(att.epoch),
      commitment: received.commitment,
      gasUsed: sent.gasUsed,
      gasEstimate: gasEstimate.toString(),
      replay,
      proveMs: Math.round(proveMs),
    }),
  );
  provider.destroy();
} catch (e) {
  if (isZkMarginError(e)) console.error(`zkmargin error [${e.code}] ${e.message}`);
  throw e;
} finally {
  await releaseCurve();
}
