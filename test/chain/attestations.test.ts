import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import type { Contract, Wallet } from "ethers";
import * as snarkjs from "snarkjs";
import { getConfig } from "../../src/config/circuits.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { parseRiskParams } from "../../src/params/parse.js";
import type { RiskParams } from "../../src/params/types.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { proveMargin } from "../../src/prove/prove.js";
import type { ProofBundle } from "../../src/prove/bundle.js";
import { computeMargin } from "../../src/engine/margin.js";
import {
  attestationsAt,
  attestorDomain,
  borrowFromPool,
  contextFor,
  deployPool,
  deriveContext,
  liquidateAccount,
  poolAccountOf,
  poolAt,
  postParams,
  proofCalldata,
  registryAt,
  signPortfolioAttestation,
  statusOf,
  submitAttestation,
  tokenAt,
  type Deployment,
  type PoolArtifacts,
} from "../../src/chain/pool.js";
import { provingArtifacts, releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { fixtureJson } from "../helpers.js";
import { type ChainFixture, chainFixture, expectRevert as expectRevertIn } from "./fixture.js";

// The pool's contracts on an in-process EVM, with real proofs from the small circuit's dev setup.
describe("chain: attestations on an in-process EVM", function () {
  this.timeout(1_800_000);
  const config = getConfig("small");
  const params = parseRiskParams(fixtureJson("params-small.json"));
  const book = parsePortfolio({ collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } }, params);
  // The largest credit limit the book supports at 1.25x: 10000 * adjusted >= 12500 * (requirement + L).
  const m = computeMargin(params, book, 12500, 0n);
  const MAX_LIMIT = (m.adjustedCollateralE30 - 12500n * m.requirementE26) / (12500n * 10n ** 24n);
  const LIMIT = MAX_LIMIT / 2n; // the credit limit proven in most cases below (USD cents)
  const CENT = 10_000n; // pool token base units per cent
  let setup: SetupArtifacts;
  let fx: ChainFixture;
  let artifacts: PoolArtifacts;
  let d: Deployment;
  let owner: Wallet, oracle: Wallet, trader: Wallet, other: Wallet, attestor: Wallet;
  let registry: Contract, attestations: Contract, pool: Contract;
  const gas: Record<string, number> = {};

  const expectRevert = (p: Promise<unknown>, name: string) => expectRevertIn(p, name, artifacts);
  async function prove(opts: { healthBps?: number; creditLimitCents?: bigint; context: bigint; p?: RiskParams }): Promise<ProofBundle> {
    const r = await proveMargin({
      params: opts.p ?? params,
      portfolio: book,
      healthBps: opts.healthBps ?? 12500,
      creditLimitCents: opts.creditLimitCents ?? LIMIT,
      context: opts.context,
      config,
      artifacts: provingArtifacts(setup),
    });
    return r.bundle;
  }
  const as = (w: Wallet) => attestations.connect(w) as Contract;
  const now = async () => (await fx.provider.getBlock("latest"))!.timestamp;

  before(async () => {
    setup = await setupCircuit(config);
    fx = await chainFixture(readFileSync(setup.verifierSol, "utf8"));
    artifacts = fx.artifacts;
    [owner, oracle, trader, other, attestor] = fx.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet];
    d = await deployPool({ signer: owner, artifacts, oracle: oracle.address, config: "small", circuitHash: setup.record.circuitHash, insecure: true });
    Object.assign(gas, Object.fromEntries(Object.entries(d.gas).map(([k, v]) => [`deploy ${k}`, v])));
    registry = registryAt(d, artifacts, oracle);
    attestations = attestationsAt(d, artifacts, trader);
    pool = poolAt(d, artifacts, trader);
    const posted = await postParams(registry, params, { validUntil: (await now()) + 7 * 86400 });
    gas["post-params"] = posted.gasUsed;
  });
  after(async () => {
    await releaseCurve();
    await fx?.close();
  });

  it("the SDK derives the same context as the contract", async () => {
    for (const w of [trader, other]) {
      const onChain = (await attestations.getFunction("contextOf")(w.address)) as bigint;
      assert.equal((await contextFor(attestations, w.address)).context, onChain);
      assert.equal(deriveContext(d.chainId, d.attestations, w.address, 0), onChain);
    }
    assert.notEqual(deriveContext(d.chainId, d.attestations, trader.address, 0), deriveContext(d.chainId, d.attestations, trader.address, 1));
  });

  let first: ProofBundle;
  it("records a first attestation with its credit limit: isHealthy, creditLimitOf, status, event", async () => {
    assert.ok(LIMIT > 0n, `the test book supports a credit limit at 1.25x (max ${MAX_LIMIT} cents)`);
    first = await prove({ context: (await contextFor(attestations, trader.address)).context });
    assert.equal(first.creditLimitCents, LIMIT.toString());
    const r = await submitAttestation(as(trader), first);
    gas["submit, first (self-declared)"] = r.gasUsed;
    // the first attestation of an account pays ~20,000 for a fresh storage slot
    assert.ok(r.gasUsed <= 280_000, `first submit used ${r.gasUsed} gas`);
    const s = await statusOf(attestations, registry, trader.address, 12500);
    assert.equal(s.healthy, true);
    assert.equal(s.healthBps, 12500);
    assert.equal(s.creditLimitCents, LIMIT.toString());
    assert.equal(s.liveCreditLimitCents, LIMIT.toString());
    assert.equal(s.epoch, Number(params.epoch));
    assert.equal(s.commitment, first.commitment);
    assert.equal(s.nonce, 1);
    assert.equal(s.attestor, null);
    assert.equal(await attestations.getFunction("isHealthy")(trader.address, 12501), false);
    assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 12500), LIMIT);
    assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 12501), 0n);
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(trader.address));
    assert.equal(logs.length, 1);
    const ev = (logs[0] as unknown as { args: { creditLimitCents: bigint; healthBps: bigint; commitment: bigint } }).args;
    assert.equal(ev.creditLimitCents, LIMIT);
    assert.equal(ev.healthBps, 12500n);
    assert.equal(ev.commitment, BigInt(first.commitment));
  });

  it("proofs of one witness from the native prover and from snarkjs both verify on-chain, and differ", async function () {
    if (process.env.ZKMARGIN_NATIVE === "off") this.skip();
    const { context } = await contextFor(attestations, trader.address);
    const byProver = async (prover: "native" | "snarkjs") =>
      (await proveMargin({ params, portfolio: book, healthBps: 12500, creditLimitCents: LIMIT, context, config, artifacts: provingArtifacts(setup), salt: 77n, prover })).bundle;
    const native = await byProver("native");
    const viaSnarkjs = await byProver("snarkjs");
    assert.equal(native.prover, "native");
    assert.equal(viaSnarkjs.prover, "snarkjs");
    assert.deepEqual(native.publicSignals, viaSnarkjs.publicSignals, "same witness, same public signals");
    assert.notDeepEqual(native.proof, viaSnarkjs.proof, "fresh randomness in each proof");
    for (const b of [native, viaSnarkjs]) {
      const args = [proofCalldata(b), BigInt(b.commitment), BigInt(b.paramsRoot), b.healthBps, BigInt(b.creditLimitCents)];
      await as(trader).getFunction("submit").staticCall(...args); // reverts unless the contract's verifier accepts it
    }
    const bad = JSON.parse(JSON.stringify(native)) as ProofBundle;
    bad.proof.pi_c = viaSnarkjs.proof.pi_c;
    await expectRevert(as(trader).getFunction("submit").staticCall(proofCalldata(bad), BigInt(bad.commitment), BigInt(bad.paramsRoot), bad.healthBps, BigInt(bad.creditLimitCents)), "MarginAttestations__InvalidProof");
  });

  it("the pool lends up to the attested limit and refuses a borrow beyond it with a plain message", async () => {
    const lend = pool.connect(trader) as Contract;
    await borrowFromPool(lend, LIMIT * CENT);
    const p = await poolAccountOf(lend, tokenAt(d, artifacts, trader), trader.address);
    assert.equal(p.debtCents, LIMIT.toString());
    assert.equal(p.headroomCents, "0");
    assert.equal(p.tokenBalance, (LIMIT * CENT).toString());
    const r = await expectRevert(borrowFromPool(lend, CENT), "ExamplePool__CreditLimitExceeded");
    assert.deepEqual(r.args.slice(3), [LIMIT + 1n, LIMIT]);
    assert.match(r.message, /borrow of 0\.01 USD would bring debt to [0-9,]+\.[0-9]{2} USD, above the attested credit limit [0-9,]+\.[0-9]{2} USD/);
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), false);
  });

  it("a refresh (the account's next attestation) stays within 265,000 gas", async () => {
    const b = await prove({ context: (await contextFor(attestations, trader.address)).context });
    const r = await submitAttestation(as(trader), b);
    gas["submit, refresh (self-declared)"] = r.gasUsed;
    assert.ok(r.gasUsed <= 265_000, `refresh used ${r.gasUsed} gas`);
    first = b;
  });

  it("refuses a proof submitted with another credit limit or health than it was made for", async () => {
    const ctx = (await contextFor(attestations, trader.address)).context;
    const b = await prove({ context: ctx });
    for (const [healthBps, limit] of [
      [12500, LIMIT + 1n],
      [12500, LIMIT - 1n],
      [12500, 0n],
      [12500, LIMIT + (1n << 32n)],
      [12499, LIMIT],
      [12000, LIMIT],
    ] as const) {
      await expectRevert(submitAttestation(as(trader), { ...b, healthBps, creditLimitCents: limit.toString() }), "MarginAttestations__InvalidProof");
    }
    // a solvency proof (limit 0) cannot be recorded as a credit limit either
    const zero = await prove({ context: ctx, creditLimitCents: 0n });
    assert.equal(zero.creditLimitCents, "0");
    await expectRevert(submitAttestation(as(trader), { ...zero, creditLimitCents: LIMIT.toString() }), "MarginAttestations__InvalidProof");
    // the untampered proof is accepted
    await submitAttestation(as(trader), b);
    first = b;
  });

  it("rejects the same proof replayed (used nonce), by another account, and a re-randomized copy", async () => {
    // `first` is the most recently accepted proof
    await expectRevert(submitAttestation(as(trader), first), "MarginAttestations__InvalidProof");
    await expectRevert(submitAttestation(as(other), first), "MarginAttestations__InvalidProof");
    // (A, B, C) -> (-A, -B, C) still satisfies e(A, B) = ...: a valid proof of the same statement
    const m: ProofBundle = JSON.parse(JSON.stringify(first));
    const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n; // base field
    m.proof.pi_a[1] = (q - BigInt(m.proof.pi_a[1]!)).toString();
    m.proof.pi_b[1] = m.proof.pi_b[1]!.map((y) => (q - BigInt(y)).toString());
    const vkey = JSON.parse(readFileSync(setup.vkey, "utf8"));
    assert.equal(await snarkjs.groth16.verify(vkey, m.publicSignals, m.proof), true, "the malleated copy is a valid proof");
    await expectRevert(submitAttestation(as(trader), m), "MarginAttestations__InvalidProof");
  });

  it("rejects a proof bound to another chain id or another deployment", async () => {
    const nonce = BigInt((await statusOf(attestations, registry, trader.address)).nonce);
    const otherChain = await prove({ context: deriveContext(d.chainId + 1, d.attestations, trader.address, nonce) });
    await expectRevert(submitAttestation(as(trader), otherChain), "MarginAttestations__InvalidProof");
    const d2 = await deployPool({ signer: owner, artifacts, oracle: oracle.address, config: "small", circuitHash: "", insecure: true });
    const forD2 = await prove({ context: deriveContext(d.chainId, d2.attestations, trader.address, 0) });
    await expectRevert(submitAttestation(as(trader), forD2), "MarginAttestations__InvalidProof");
  });

  it("rejects public signals at or above the field modulus", async () => {
    const b: ProofBundle = JSON.parse(JSON.stringify(first));
    b.commitment = `0x${(BigInt(b.commitment) + FIELD_MODULUS).toString(16)}`;
    await expectRevert(submitAttestation(as(trader), b), "MarginAttestations__SignalNotInField");
    const c: ProofBundle = JSON.parse(JSON.stringify(first));
    c.paramsRoot = `0x${(BigInt(c.paramsRoot) + FIELD_MODULUS).toString(16)}`;
    await expectRevert(submitAttestation(as(trader), c), "MarginAttestations__SignalNotInField");
  });

  it("rejects an unknown root and a health below the pool's minimum", async () => {
    const ctx = (await contextFor(attestations, trader.address)).context;
    const otherJson = fixtureJson("params-small.json");
    otherJson.epoch = 99;
    const unposted = await prove({ context: ctx, p: parseRiskParams(otherJson) });
    await expectRevert(submitAttestation(as(trader), unposted), "MarginAttestations__UnknownRoot");
    await (await (attestations.connect(owner) as Contract).getFunction("setPolicy")(false, 13000, 86400, 86400)).wait();
    await expectRevert(submitAttestation(as(trader), await prove({ context: ctx })), "MarginAttestations__HealthTooLow");
    await (await (attestations.connect(owner) as Contract).getFunction("setPolicy")(false, 10000, 86400, 86400)).wait();
  });

  it("ownership: only the owner changes policy, and can hand it over", async () => {
    const asOther = attestations.connect(other) as Contract;
    await expectRevert(asOther.getFunction("setPolicy")(false, 10000, 86400, 86400), "MarginAttestations__NotOwner");
    await expectRevert(asOther.getFunction("transferOwnership")(other.address), "MarginAttestations__NotOwner");
    await (await (attestations.connect(owner) as Contract).getFunction("transferOwnership")(other.address)).wait();
    await (await asOther.getFunction("setPolicy")(false, 10000, 86400, 86400)).wait();
    await (await asOther.getFunction("transferOwnership")(owner.address)).wait();
    const reg = registry.connect(other) as Contract;
    await expectRevert(reg.getFunction("setOracle")(other.address), "RiskParamsRegistry__NotOwner");
    await expectRevert(reg.getFunction("transferOwnership")(other.address), "RiskParamsRegistry__NotOwner");
  });

  it("the registry: only the oracle posts, epochs only increase", async () => {
    const next = fixtureJson("params-small.json");
    next.epoch = Number(params.epoch) + 1;
    await expectRevert(postParams(registry.connect(other) as Contract, parseRiskParams(next)), "RiskParamsRegistry__NotOracle");
    const back = fixtureJson("params-small.json");
    back.epoch = Number(params.epoch) - 1;
    await expectRevert(postParams(registry, parseRiskParams(back), { validUntil: (await now()) + 86400 }), "RiskParamsRegistry__EpochNotIncreasing");
    await expectRevert(postParams(registry, params, { validUntil: (await now()) + 86400 }), "RiskParamsRegistry__EpochNotIncreasing");
  });

  it("attestors: required signature, approved signer, right account and commitment, revocation", async () => {
    await (await (attestations.connect(owner) as Contract).getFunction("setPolicy")(true, 10000, 86400, 86400)).wait();
    try {
      await attestorCases();
    } finally {
      await (await (attestations.connect(owner) as Contract).getFunction("setPolicy")(false, 10000, 86400, 86400)).wait();
    }
  });

  async function attestorCases() {
    const domain = attestorDomain(d.chainId, d.attestations);
    const ctx = (await contextFor(attestations, trader.address)).context;
    const b = await prove({ context: ctx });
    const asOf = await now();
    const sig = await signPortfolioAttestation(attestor, domain, { commitment: BigInt(b.commitment), account: trader.address, asOf });
    await expectRevert(submitAttestation(as(trader), b), "MarginAttestations__AttestorRequired");
    await expectRevert(submitAttestation(as(trader), b, sig), "MarginAttestations__AttestorNotApproved");
    await (await (attestations.connect(owner) as Contract).getFunction("setAttestor")(attestor.address, true)).wait();
    const forOther = await signPortfolioAttestation(attestor, domain, { commitment: BigInt(b.commitment), account: other.address, asOf });
    await expectRevert(submitAttestation(as(trader), b, forOther), "MarginAttestations__AttestorNotApproved");
    const otherCommitment = await signPortfolioAttestation(attestor, domain, { commitment: BigInt(b.commitment) + 1n, account: trader.address, asOf });
    await expectRevert(submitAttestation(as(trader), b, otherCommitment), "MarginAttestations__AttestorNotApproved");
    const stale = await signPortfolioAttestation(attestor, domain, { commitment: BigInt(b.commitment), account: trader.address, asOf: asOf - 90000 });
    await expectRevert(submitAttestation(as(trader), b, stale), "MarginAttestations__AttestorSignatureStale");
    // a signature from 80,000 s ago is still fresh, but the attestation cannot outlive it
    const older = await signPortfolioAttestation(attestor, domain, { commitment: BigInt(b.commitment), account: trader.address, asOf: asOf - 80000 });
    const r = await submitAttestation(as(trader), b, older);
    assert.equal((await statusOf(attestations, registry, trader.address)).expiresAt, asOf - 80000 + 86400);
    gas["submit, refresh (with attestor)"] = r.gasUsed;
    // the signature adds an ECDSA recovery (3,000) and the attestor lookup (2,100) to a refresh
    assert.ok(r.gasUsed <= 270_000, `attested refresh used ${r.gasUsed}`);
    assert.equal((await statusOf(attestations, registry, trader.address)).attestor, attestor.address);
    // revoked: the existing attestation no longer counts, and the next proof is refused
    await (await (attestations.connect(owner) as Contract).getFunction("setAttestor")(attestor.address, false)).wait();
    assert.equal(await attestations.getFunction("isHealthy")(trader.address, 10000), false);
    const b2 = await prove({ context: (await contextFor(attestations, trader.address)).context });
    const sig2 = await signPortfolioAttestation(attestor, domain, { commitment: BigInt(b2.commitment), account: trader.address, asOf: await now() });
    await expectRevert(submitAttestation(as(trader), b2, sig2), "MarginAttestations__AttestorNotApproved");
  }

  it("superseded roots stay accepted for the grace period, then the account is liquidatable", async () => {
    await submitAttestation(as(trader), await prove({ context: (await contextFor(attestations, trader.address)).context }));
    assert.equal(await attestations.getFunction("isHealthy")(trader.address, 10000), true);
    const recordedExpiry = (await statusOf(attestations, registry, trader.address)).expiresAt;
    const next = fixtureJson("params-small.json");
    next.epoch = Number(params.epoch) + 1;
    const nextParams = parseRiskParams(next);
    await postParams(registry, nextParams, { validUntil: (await now()) + 7 * 86400 });
    // within the grace period (1 h): still healthy, and a proof under the old root is still accepted
    assert.equal(await attestations.getFunction("isHealthy")(trader.address, 10000), true);
    const stillOk = await prove({ context: (await contextFor(attestations, trader.address)).context });
    await submitAttestation(as(trader), stillOk);
    const graceEnd = (await statusOf(attestations, registry, trader.address)).expiresAt;
    assert.ok(graceEnd < recordedExpiry + 1, "attestationOf caps the expiry at the grace end");
    await fx.increaseTime(3601);
    assert.equal(await attestations.getFunction("isHealthy")(trader.address, 10000), false);
    const st = await statusOf(attestations, registry, trader.address);
    assert.equal(st.expired, true, "attestationOf reads the attestation as expired once its epoch's grace has ended");
    assert.equal(st.expiresAt, graceEnd);
    assert.equal(st.liveCreditLimitCents, "0");
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), true);
    await expectRevert((pool.connect(trader) as Contract).getFunction("borrow")(1n), "ExamplePool__NotHealthy");
    // liquidation needs the debt repaid: refused without the tokens, then done by a funded liquidator
    const debt = (await pool.getFunction("debtOf")(trader.address)) as bigint;
    assert.ok(debt > 0n);
    const liq = fx.wallets[5]!;
    const token = tokenAt(d, artifacts, owner);
    await expectRevert((pool.connect(liq) as Contract).getFunction("liquidate")(trader.address), "ExampleUSD__InsufficientAllowance");
    await (await token.getFunction("mint")(liq.address, debt)).wait();
    const cash = (await token.getFunction("balanceOf")(d.pool)) as bigint;
    const lr = await liquidateAccount(pool.connect(liq) as Contract, token.connect(liq) as Contract, trader.address);
    gas["pool liquidate (liquidator repays)"] = lr.gasUsed;
    assert.equal(await token.getFunction("balanceOf")(d.pool), cash + debt);
    assert.equal(await pool.getFunction("debtOf")(trader.address), 0n);
    assert.equal(await pool.getFunction("claimOf")(trader.address, liq.address), debt);
    const late = await prove({ context: (await contextFor(attestations, trader.address)).context });
    await expectRevert(submitAttestation(as(trader), late), "MarginAttestations__RootNotAcceptable");
    // re-proving under the new root restores health; the account settles the liquidator's claim
    // (paid to the liquidator) before it may borrow again
    const fresh = await prove({ context: (await contextFor(attestations, trader.address)).context, p: nextParams });
    await submitAttestation(as(trader), fresh);
    const lend = pool.connect(trader) as Contract;
    await expectRevert(borrowFromPool(lend, CENT), "ExamplePool__OutstandingClaims");
    await (await (token.connect(trader) as Contract).getFunction("approve")(d.pool, debt)).wait();
    await (await lend.getFunction("payClaim")(liq.address, debt)).wait();
    assert.equal(await token.getFunction("balanceOf")(liq.address), debt);
    await borrowFromPool(lend, CENT);
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), false);
    // and an attestation expires after its TTL
    await fx.increaseTime(86401);
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), true);
    // a root past its validUntil (never superseded) is refused too
    await fx.increaseTime(7 * 86400);
    const expired = await prove({ context: (await contextFor(attestations, trader.address)).context, p: nextParams });
    await expectRevert(submitAttestation(as(trader), expired), "MarginAttestations__RootNotAcceptable");
  });

  after(() => {
    process.stdout.write(`      gas: ${JSON.stringify(gas)}\n`);
  });
});
