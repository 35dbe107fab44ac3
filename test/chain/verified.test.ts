import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import type { Contract, Wallet } from "ethers";
import { getConfig } from "../../src/config/circuits.js";
import { computeMargin } from "../../src/engine/margin.js";
import { parseRiskParams } from "../../src/params/parse.js";
import type { RiskParams } from "../../src/params/types.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import type { ProofBundle } from "../../src/prove/bundle.js";
import { proveMargin } from "../../src/prove/prove.js";
import { portfolioFromStatements, signStatement, statementPublicKey, type StatementJson } from "../../src/statements/index.js";
import {
  attestationsAt,
  contextFor,
  deployPool,
  postParams,
  proofCalldata,
  registryAt,
  statusOf,
  submitAttestation,
  type Deployment,
  type PoolArtifacts,
} from "../../src/chain/pool.js";
import { ZkMarginError } from "../../src/errors.js";
import { provingArtifacts, releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { fixtureJson } from "../helpers.js";
import { type ChainFixture, chainFixture, expectRevert as expectRevertIn } from "./fixture.js";

/** test/fixtures/params-small.json's venue 1: the ASCII "zkmargin test venue 1", zero-padded to 32 bytes. */
const VENUE1_KEY = (() => {
  const k = Buffer.alloc(32);
  Buffer.from("zkmargin test venue 1", "ascii").copy(k);
  return `0x${k.toString("hex")}`;
})();
/** A second venue (a custodian), added to a copy of the parameters here. */
const VENUE2_KEY = `0x${"42".repeat(32)}`;
/** 2026-11-20T15:30:00Z: within params-small.json's window (asOf 16:00 +/- 3600 s). */
const AS_OF = 1795188600;

// Verified mode on an in-process EVM with real proofs: the small-verified circuit's dev setup next
// to the small one's, two venues' signed statements, submitVerified binding `account` to msg.sender.
describe("chain: verified proofs on an in-process EVM", function () {
  this.timeout(1_800_000);
  const config = getConfig("small");
  const vconfig = getConfig("small-verified");
  let params: RiskParams;
  let setup: SetupArtifacts, vsetup: SetupArtifacts;
  let fx: ChainFixture;
  let artifacts: PoolArtifacts;
  let d: Deployment;
  let owner: Wallet, oracle: Wallet, trader: Wallet, other: Wallet;
  let attestations: Contract, registry: Contract;
  let LIMIT: bigint;
  const gas: Record<string, number> = {};

  /** The trader's statements: collateral at a custodian (venue 2), positions and more of the same assets at an exchange (venue 1). */
  const statementsFor = (account: string): StatementJson[] => [
    signStatement({
      venueId: 1,
      account,
      asOf: AS_OF,
      privateKey: VENUE1_KEY,
      holdings: { collateral: { "1": "4000000000", "2": "1000000000000000000" }, positions: { "1001": "50000", "2001": "-10000" } },
    }),
    signStatement({
      venueId: 2,
      account,
      asOf: AS_OF - 600,
      privateKey: VENUE2_KEY,
      holdings: { collateral: { "1": "6000000000", "2": "2000000000000000000" }, positions: {} },
    }),
  ];

  const expectRevert = (p: Promise<unknown>, name: string) => expectRevertIn(p, name, artifacts);
  /** A verified proof from the trader's statements, bound to `contextOf(contextAccount)`. */
  async function proveVerified(contextAccount: string, statementsAccount = trader.address): Promise<ProofBundle> {
    const r = await proveMargin({
      params,
      statements: statementsFor(statementsAccount),
      account: statementsAccount,
      healthBps: 12500,
      creditLimitCents: LIMIT,
      context: (await contextFor(attestations, contextAccount)).context,
      config: vconfig,
      artifacts: provingArtifacts(vsetup),
    });
    return r.bundle;
  }
  const as = (w: Wallet) => attestations.connect(w) as Contract;
  const now = async () => (await fx.provider.getBlock("latest"))!.timestamp;

  before(async () => {
    const j = fixtureJson("params-small.json");
    j.venues.push({ id: 2, name: "Test Custodian", publicKey: statementPublicKey(VENUE2_KEY) });
    params = parseRiskParams(j);
    setup = await setupCircuit(config);
    vsetup = await setupCircuit(vconfig);
    fx = await chainFixture(readFileSync(setup.verifierSol, "utf8"), 31337, readFileSync(vsetup.verifierSol, "utf8"));
    artifacts = fx.artifacts;
    [owner, oracle, trader, other] = fx.wallets as [Wallet, Wallet, Wallet, Wallet];
    d = await deployPool({
      signer: owner,
      artifacts,
      oracle: oracle.address,
      config: "small",
      circuitHash: setup.record.circuitHash,
      insecure: true,
      verified: { config: vconfig.name, circuitHash: vsetup.record.circuitHash, insecure: vsetup.record.insecure },
    });
    gas["deploy verified verifier"] = d.gas.verifiedVerifier!;
    registry = registryAt(d, artifacts, oracle);
    attestations = attestationsAt(d, artifacts, trader);
    await postParams(registry, params, { validUntil: (await now()) + 7 * 86400 });
    // half the largest credit limit the statements' sum supports at 1.25x
    const { portfolio } = portfolioFromStatements(statementsFor(trader.address), params);
    const m = computeMargin(params, portfolio, 12500, 0n);
    LIMIT = (m.adjustedCollateralE30 - 12500n * m.requirementE26) / (12500n * 10n ** 24n) / 2n;
    assert.ok(LIMIT > 0n);
  });
  after(async () => {
    await releaseCurve();
    await fx?.close();
    process.stdout.write(`      gas: ${JSON.stringify(gas)}\n`);
  });

  let first: ProofBundle;
  it("accepts a verified proof made from two venues' statements and records it as verified", async () => {
    first = await proveVerified(trader.address);
    assert.equal(first.account, trader.address.toLowerCase());
    assert.equal(first.publicSignals.length, 5);
    assert.equal(BigInt(first.publicSignals[4]!), BigInt(trader.address));
    const r = await submitAttestation(as(trader), first);
    gas["submitVerified, first"] = r.gasUsed;
    const st = await statusOf(attestations, registry, trader.address, 12500);
    assert.equal(st.verified, true);
    assert.equal(st.healthy, true);
    assert.equal(st.creditLimitCents, LIMIT.toString());
    assert.equal(st.liveCreditLimitCents, LIMIT.toString());
    assert.equal(st.commitment, first.commitment);
    assert.equal(st.attestor, null);
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(trader.address));
    const ev = (logs.at(-1) as unknown as { args: { verified: boolean; commitment: bigint } }).args;
    assert.equal(ev.verified, true);
    assert.equal(ev.commitment, BigInt(first.commitment));
  });

  it("a verified refresh stays within 275,000 gas", async () => {
    const b = await proveVerified(trader.address);
    const r = await submitAttestation(as(trader), b);
    gas["submitVerified, refresh"] = r.gasUsed;
    assert.ok(r.gasUsed <= 275_000, `verified refresh used ${r.gasUsed} gas`);
    first = b;
  });

  it("the account is bound to msg.sender: the same proof from another account is refused", async () => {
    // the trader's next proof, sent by `other`: the SDK refuses to send it ...
    const b = await proveVerified(trader.address);
    await assert.rejects(submitAttestation(as(other), b), (e: unknown) => e instanceof ZkMarginError && e.path === "bundle.account");
    // ... and the contract refuses it (other's context differs, and so does the account signal)
    const call = (w: Wallet, x: ProofBundle) =>
      as(w).getFunction("submitVerified")(proofCalldata(x), BigInt(x.commitment), BigInt(x.paramsRoot), x.healthBps, BigInt(x.creditLimitCents));
    await expectRevert(call(other, b), "MarginAttestations__InvalidProof");
    // a proof of the trader's statements bound to other's context: only the account signal differs
    const forOthersContext = await proveVerified(other.address);
    await expectRevert(call(other, forOthersContext), "MarginAttestations__InvalidProof");
    // the trader's own proof is still good (nothing was recorded for either account)
    assert.equal((await statusOf(attestations, registry, other.address)).attested, false);
    await submitAttestation(as(trader), b);
  });

  it("refuses a verified proof submitted with another credit limit, or as a self-declared one", async () => {
    const b = await proveVerified(trader.address);
    await expectRevert(submitAttestation(as(trader), { ...b, creditLimitCents: (LIMIT + 1n).toString() }), "MarginAttestations__InvalidProof");
    const { account: _drop, ...selfDeclared } = b;
    await expectRevert(submitAttestation(as(trader), selfDeclared as ProofBundle), "MarginAttestations__InvalidProof");
    await submitAttestation(as(trader), b);
  });

  it("a pool requiring verified proofs refuses a self-declared one, and counts only verified attestations", async () => {
    const book = parsePortfolio({ collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } }, params);
    const selfDeclared = async (w: Wallet) =>
      (
        await proveMargin({
          params,
          portfolio: book,
          healthBps: 12500,
          creditLimitCents: LIMIT,
          context: (await contextFor(attestations, w.address)).context,
          config,
          artifacts: provingArtifacts(setup),
        })
      ).bundle;
    // before the policy: other records a self-declared attestation (and its refresh gas is measured)
    await submitAttestation(as(other), await selfDeclared(other));
    const r = await submitAttestation(as(other), await selfDeclared(other));
    gas["submit, refresh (self-declared)"] = r.gasUsed;
    assert.ok(r.gasUsed <= 265_000, `self-declared refresh used ${r.gasUsed} gas`);
    assert.equal(await attestations.getFunction("isHealthy")(other.address, 12500), true);
    await (await (attestations.connect(owner) as Contract).getFunction("setRequireVerified")(true)).wait();
    try {
      const e = await expectRevert(submitAttestation(as(other), await selfDeclared(other)), "MarginAttestations__VerifiedProofRequired");
      assert.match(e.message, /accepts only verified proofs/);
      assert.equal(await attestations.getFunction("isHealthy")(other.address, 12500), false);
      assert.equal(await attestations.getFunction("creditLimitOf")(other.address, 12500), 0n);
      assert.equal(await attestations.getFunction("isHealthy")(trader.address, 12500), true);
      assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 12500), LIMIT);
      // a verified proof is accepted under the policy
      await submitAttestation(as(trader), await proveVerified(trader.address));
      assert.equal((await statusOf(attestations, registry, trader.address)).verified, true);
    } finally {
      await (await (attestations.connect(owner) as Contract).getFunction("setRequireVerified")(false)).wait();
    }
  });
});
