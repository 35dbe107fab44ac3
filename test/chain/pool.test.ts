import { strict as assert } from "node:assert";
import { type Contract, ContractFactory, type Wallet, ZeroAddress } from "ethers";
import {
  DEFAULT_POLICY,
  attestationsAt,
  borrowFromPool,
  checkPolicy,
  contextFor,
  deployPool,
  formatCents,
  formatTokenAmount,
  liquidateAccount,
  parseTokenAmount,
  poolAccountOf,
  poolAt,
  registryAt,
  repayToPool,
  statusOf,
  submitAttestation,
  tokenAt,
  type Deployment,
  type PoolArtifacts,
} from "../../src/chain/pool.js";
import { ZkMarginError } from "../../src/errors.js";
import { packTerms, type ProofBundle } from "../../src/prove/bundle.js";
import { type ChainFixture, chainFixture, expectRevert as expectRevertIn, MOCK_VERIFIER } from "./fixture.js";

// MOCK_VERIFIER (fixture.ts) accepts exactly the proofs made for the terms and context the contract
// passes, so the contracts' own logic (terms packing, credit limits, expiry, pool accounting, policy
// bounds) is tested here without proving; the same paths with real proofs are in attestations.test.ts.
const CENT = 10_000n; // token base units per cent (6 decimals, 1 token = 1.00 USD)
const ROOT = 0x1234n;
const COMMITMENT = 0xc0ffeen;

describe("chain: credit limits and the example pool (mock verifier)", function () {
  this.timeout(300_000);
  let fx: ChainFixture;
  let a: PoolArtifacts;
  let d: Deployment;
  let owner: Wallet, oracle: Wallet, trader: Wallet, liquidator: Wallet, other: Wallet;
  let registry: Contract, attestations: Contract, pool: Contract, token: Contract;
  const now = async () => (await fx.provider.getBlock("latest"))!.timestamp;

  const expectRevert = (p: Promise<unknown>, name: string) => expectRevertIn(p, name, a);

  /** A mock bundle "proving" (healthBps, creditLimitCents) for the account's current context. */
  async function mockBundle(w: Wallet, healthBps: number, creditLimitCents: bigint, root = ROOT): Promise<ProofBundle> {
    const { context } = await contextFor(attestations, w.address);
    const terms = packTerms(healthBps, creditLimitCents);
    return {
      zkmargin: 2,
      protocol: "groth16",
      curve: "bn128",
      config: "mock",
      circuitHash: "",
      paramsRoot: `0x${root.toString(16)}`,
      epoch: 0,
      healthBps,
      creditLimitCents: creditLimitCents.toString(),
      context: `0x${context.toString(16)}`,
      commitment: `0x${COMMITMENT.toString(16)}`,
      publicSignals: [COMMITMENT, root, terms, context].map(String),
      proof: { pi_a: [terms.toString(), context.toString(), "1"], pi_b: [["0", "0"], ["0", "0"], ["1", "0"]], pi_c: ["0", "0", "1"], protocol: "groth16", curve: "bn128" },
      setup: { insecure: true, label: "mock", vkeySha256: "" },
      createdAt: new Date().toISOString(),
    } as ProofBundle;
  }
  const attest = async (w: Wallet, healthBps: number, creditLimitCents: bigint, root = ROOT) =>
    submitAttestation(attestations.connect(w) as Contract, await mockBundle(w, healthBps, creditLimitCents, root));
  const post = async (root: bigint, epoch: number, validFor = 7 * 86400) => {
    const t = await now();
    await (await registry.getFunction("postParams")(root, epoch, t, t + validFor)).wait();
  };
  const mint = async (to: string, units: bigint) => (await (token.connect(owner) as Contract).getFunction("mint")(to, units)).wait();

  before(async () => {
    fx = await chainFixture(MOCK_VERIFIER);
    a = fx.artifacts;
    [owner, oracle, trader, liquidator, other] = fx.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet];
    d = await deployPool({ signer: owner, artifacts: a, oracle: oracle.address, config: "mock", circuitHash: "", insecure: true });
    registry = registryAt(d, a, oracle);
    attestations = attestationsAt(d, a, trader);
    pool = poolAt(d, a, trader);
    token = tokenAt(d, a, trader);
    await post(ROOT, 1);
  });
  after(async () => fx?.close());

  it("deploys the pool with its test token and 1,000,000 tokens of liquidity", async () => {
    assert.equal(await token.getFunction("decimals")(), 6n);
    assert.equal(await token.getFunction("balanceOf")(d.pool), 1_000_000n * 10n ** 6n);
    assert.equal(await pool.getFunction("depositOf")(owner.address), 1_000_000n * 10n ** 6n);
    assert.equal(await pool.getFunction("unitsPerCent")(), CENT);
    assert.equal(await pool.getFunction("borrowHealthBps")(), 12500n);
    assert.equal(await pool.getFunction("maintenanceHealthBps")(), 10000n);
  });

  it("records the credit limit, emits it, and packs terms = healthBps + creditLimitCents * 2^32", async () => {
    const limit = 1_000_000n; // 10,000.00 USD
    await attest(trader, 12500, limit);
    const st = await statusOf(attestations, registryAt(d, a, fx.provider), trader.address, 12500);
    assert.equal(st.creditLimitCents, "1000000");
    assert.equal(st.liveCreditLimitCents, "1000000");
    assert.equal(st.healthBps, 12500);
    assert.equal(st.commitment, `0x${COMMITMENT.toString(16).padStart(64, "0")}`);
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(trader.address));
    const ev = (logs.at(-1) as unknown as { args: { creditLimitCents: bigint; healthBps: bigint; commitment: bigint } }).args;
    assert.equal(ev.creditLimitCents, limit);
    assert.equal(ev.healthBps, 12500n);
    assert.equal(ev.commitment, COMMITMENT);
    // creditLimitOf: the limit while healthy at the asked level, else 0
    assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 12500), limit);
    assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 10000), limit);
    assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 12501), 0n);
    assert.equal(await attestations.getFunction("creditLimitOf")(other.address, 10000), 0n);
    // the largest limit the signal carries (2^64 - 1 cents) packs and records
    await attest(other, 10000, (1n << 64n) - 1n);
    assert.equal(await attestations.getFunction("creditLimitOf")(other.address, 10000), (1n << 64n) - 1n);
  });

  it("refuses a proof made for one credit limit or health submitted with another", async () => {
    const b = await mockBundle(trader, 12500, 500_000n);
    for (const [h, l] of [
      [12500, 500_001n],
      [12500, 499_999n],
      [12500, 0n],
      [12499, 500_000n],
      [12501, 500_000n],
    ] as const) {
      await expectRevert(submitAttestation(attestations, { ...b, healthBps: h, creditLimitCents: l.toString() }), "MarginAttestations__InvalidProof");
    }
    await submitAttestation(attestations, b);
    assert.equal((await statusOf(attestations, registryAt(d, a, fx.provider), trader.address)).creditLimitCents, "500000");
  });

  it("lends within the attested limit (debt valued at 1.00 USD per token, rounded up to the cent) and refuses beyond it", async () => {
    await attest(trader, 12500, 1_000_000n); // 10,000.00 USD
    const before = (await token.getFunction("balanceOf")(trader.address)) as bigint;
    await borrowFromPool(pool, 6_000n * 10n ** 6n);
    assert.equal((await token.getFunction("balanceOf")(trader.address)) - before, 6_000n * 10n ** 6n);
    // up to exactly the limit
    await borrowFromPool(pool, 4_000n * 10n ** 6n);
    let p = await poolAccountOf(pool, token, trader.address);
    assert.equal(p.debtCents, "1000000");
    assert.equal(p.headroomCents, "0");
    assert.equal(p.liquidatable, false);
    // one base unit more is a cent more (rounded up): refused, naming the debt and the limit
    const r = await expectRevert(borrowFromPool(pool, 1n), "ExamplePool__CreditLimitExceeded");
    assert.deepEqual(r.args.slice(1), [1n, 10_000n * 10n ** 6n + 1n, 1_000_001n, 1_000_000n]);
    assert.equal(
      r.message,
      "ExamplePool__CreditLimitExceeded: borrow of 0.000001 USD would bring debt to 10,000.000001 USD (10,000.01 USD rounded up to the cent), " +
        "above the attested credit limit 10,000.00 USD",
    );
    // repay part, borrow again within the limit
    await repayToPool(pool, token, 2_500n * 10n ** 6n);
    p = await poolAccountOf(pool, token, trader.address);
    assert.equal(p.debt, (7_500n * 10n ** 6n).toString());
    assert.equal(p.headroomCents, "250000");
    await expectRevert(borrowFromPool(pool, 2_500n * 10n ** 6n + 1n), "ExamplePool__CreditLimitExceeded");
    await borrowFromPool(pool, 2_500n * 10n ** 6n);
    // a healthy attestation below the pool's borrow health is not enough to borrow
    await attest(trader, 12000, 2_000_000n);
    await expectRevert(borrowFromPool(pool, 1n), "ExamplePool__NotHealthy");
    // ... but it still counts at maintenance: not liquidatable
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), false);
    await repayToPool(pool, token); // the whole debt
    assert.equal(await pool.getFunction("debtOf")(trader.address), 0n);
    await expectRevert(repayToPool(pool, token, 1n), "ExamplePool__InsufficientBalance");
  });

  it("liquidation: refused while within the live limit; needs the liquidator to repay the debt; the liquidator gets the claim", async () => {
    await attest(trader, 12500, 1_000_000n);
    await borrowFromPool(pool, 8_000n * 10n ** 6n);
    const asLiq = pool.connect(liquidator) as Contract;
    const liqToken = token.connect(liquidator) as Contract;
    await expectRevert(asLiq.getFunction("liquidate")(trader.address), "ExamplePool__NotLiquidatable");
    // the trader refreshes with a lower limit than its debt: liquidatable while the attestation is live
    await attest(trader, 12500, 700_000n);
    assert.equal(await attestations.getFunction("isHealthy")(trader.address, 12500), true);
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), true);
    // no wipe without repayment: a liquidator without tokens (or without approval) is refused
    await expectRevert(asLiq.getFunction("liquidate")(trader.address), "ExampleUSD__InsufficientAllowance");
    await (await liqToken.getFunction("approve")(d.pool, 8_000n * 10n ** 6n)).wait();
    await expectRevert(asLiq.getFunction("liquidate")(trader.address), "ExampleUSD__InsufficientBalance");
    assert.equal(await pool.getFunction("debtOf")(trader.address), 8_000n * 10n ** 6n);
    // with the tokens: the debt moves from the account to the liquidator's claim, the pool is repaid
    await mint(liquidator.address, 8_000n * 10n ** 6n);
    const poolCash = (await token.getFunction("balanceOf")(d.pool)) as bigint;
    const r = await liquidateAccount(asLiq, liqToken, trader.address);
    assert.equal(r.debt, 8_000n * 10n ** 6n);
    assert.equal(await token.getFunction("balanceOf")(d.pool), poolCash + 8_000n * 10n ** 6n);
    assert.equal(await token.getFunction("balanceOf")(liquidator.address), 0n);
    assert.equal(await pool.getFunction("debtOf")(trader.address), 0n);
    assert.equal(await pool.getFunction("claimOf")(trader.address, liquidator.address), 8_000n * 10n ** 6n);
    assert.equal(await pool.getFunction("claimsOf")(trader.address), 8_000n * 10n ** 6n);
    const logs = await pool.queryFilter(pool.filters.Liquidated!(trader.address));
    const ev = (logs.at(-1) as unknown as { args: { debt: bigint; debtCents: bigint; creditLimitCents: bigint } }).args;
    assert.deepEqual([ev.debt, ev.debtCents, ev.creditLimitCents], [8_000n * 10n ** 6n, 800_000n, 700_000n]);
    // an account with an outstanding claim cannot borrow until it pays the liquidator
    await expectRevert(borrowFromPool(pool, 1n), "ExamplePool__OutstandingClaims");
    await (await token.getFunction("approve")(d.pool, 8_000n * 10n ** 6n)).wait();
    await (await pool.getFunction("payClaim")(liquidator.address, 8_000n * 10n ** 6n)).wait();
    assert.equal(await token.getFunction("balanceOf")(liquidator.address), 8_000n * 10n ** 6n);
    assert.equal(await pool.getFunction("claimsOf")(trader.address), 0n);
    await borrowFromPool(pool, 1_000n * 10n ** 6n);
    await repayToPool(pool, token);
  });

  it("an expired attestation and a retired epoch make the debt liquidatable; attestationOf reads them as expired", async () => {
    const reg = registryAt(d, a, fx.provider);
    await attest(trader, 12500, 1_000_000n);
    await borrowFromPool(pool, 5_000n * 10n ** 6n);
    // TTL (1 day): expired
    await fx.increaseTime(86401);
    assert.equal((await statusOf(attestations, reg, trader.address)).expired, true);
    assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 10000), 0n);
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), true);
    await expectRevert(borrowFromPool(pool, 1n), "ExamplePool__NotHealthy");
    // refreshed: not liquidatable; then the epoch is superseded
    await attest(trader, 12500, 1_000_000n);
    const recorded = (await statusOf(attestations, reg, trader.address)).expiresAt;
    await post(ROOT + 1n, 2);
    const graceEnd = (await now()) + DEFAULT_POLICY.gracePeriod;
    let st = await statusOf(attestations, reg, trader.address);
    // within the grace period: live, its expiry now the grace end
    assert.equal(st.expiresAt, graceEnd);
    assert.ok(st.expiresAt < recorded);
    assert.equal(st.expired, false);
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), false);
    await fx.increaseTime(DEFAULT_POLICY.gracePeriod + 1);
    st = await statusOf(attestations, reg, trader.address);
    assert.equal(st.expired, true, "attestationOf reads the attestation as expired once its epoch's grace has ended");
    assert.equal(st.epochAccepted, false);
    assert.equal(st.healthy, false);
    const [raw] = (await attestations.getFunction("attestationOf")(trader.address)) as [{ expiresAt: bigint }];
    assert.equal(raw.expiresAt, BigInt(graceEnd));
    assert.equal(await pool.getFunction("isLiquidatable")(trader.address), true);
    await mint(liquidator.address, 5_000n * 10n ** 6n);
    await liquidateAccount(pool.connect(liquidator) as Contract, token.connect(liquidator) as Contract, trader.address);
    assert.equal(await pool.getFunction("claimOf")(trader.address, liquidator.address), 5_000n * 10n ** 6n);
    // a fresh attestation under the new epoch counts again
    await attest(trader, 12500, 1_000_000n, ROOT + 1n);
    assert.equal((await statusOf(attestations, reg, trader.address)).expired, false);
  });

  it("lenders deposit and withdraw while the pool holds the cash", async () => {
    const asOwner = pool.connect(owner) as Contract;
    await expectRevert(asOwner.getFunction("withdraw")(2_000_000n * 10n ** 6n), "ExamplePool__InsufficientBalance");
    const r = await expectRevert((pool.connect(other) as Contract).getFunction("withdraw")(1n), "ExamplePool__InsufficientBalance");
    assert.deepEqual(r.args, [0n, 1n]);
    await (await asOwner.getFunction("withdraw")(10n ** 6n)).wait();
    assert.equal(await pool.getFunction("depositOf")(owner.address), 999_999n * 10n ** 6n);
  });

  it("the owner cannot set a policy that would make later calls revert", async () => {
    const c = attestations.connect(owner) as Contract;
    const setPolicy = (minHealth: number, ttl: number | bigint, age: number | bigint) => c.getFunction("setPolicy")(false, minHealth, ttl, age);
    let r = await expectRevert(setPolicy(10000, 0, 86400), "MarginAttestations__TtlOutOfRange");
    assert.deepEqual(r.args, [0n, 60n, 365n * 86400n]);
    await expectRevert(setPolicy(10000, 365 * 86400 + 1, 86400), "MarginAttestations__TtlOutOfRange");
    await expectRevert(setPolicy(10000, (1n << 64n) - 1n, 86400), "MarginAttestations__TtlOutOfRange");
    r = await expectRevert(setPolicy(10000, 86400, 30 * 86400 + 1), "MarginAttestations__AttestorAgeOutOfRange");
    assert.match(r.message, /maximum attestor signature age of 2592001 s is outside 60\.\.2592000 s/);
    await expectRevert(setPolicy(10000, 86400, 59), "MarginAttestations__AttestorAgeOutOfRange");
    await expectRevert(setPolicy(9999, 86400, 86400), "MarginAttestations__MinHealthOutOfRange");
    await expectRevert(setPolicy(1_000_001, 86400, 86400), "MarginAttestations__MinHealthOutOfRange");
    // the bounds themselves are accepted, and submissions still work at them
    await (await setPolicy(1_000_000, 365 * 86400, 30 * 86400)).wait();
    await expectRevert(attest(trader, 12500, 0n, ROOT + 1n), "MarginAttestations__HealthTooLow");
    await (await setPolicy(10000, 60, 60)).wait();
    await attest(trader, 12500, 0n, ROOT + 1n);
    await (await setPolicy(10000, 86400, 86400)).wait();
    // the registry's grace period: bounded, so the oracle can always post the next epoch
    const reg = registryAt(d, a, owner);
    r = await expectRevert(reg.getFunction("setGracePeriod")((1n << 64n) - 1n), "RiskParamsRegistry__GracePeriodTooLong");
    assert.deepEqual(r.args, [(1n << 64n) - 1n, 30n * 86400n]);
    await (await reg.getFunction("setGracePeriod")(30 * 86400)).wait();
    await post(ROOT + 2n, 3);
    await (await reg.getFunction("setGracePeriod")(3600)).wait();
    // the constructors refuse them too
    const deploy = (c: { abi: unknown[]; bytecode: string }, args: unknown[]) => new ContractFactory(c.abi as never, c.bytecode, owner).deploy(...args);
    await expectRevert(deploy(a.RiskParamsRegistry, [oracle.address, 30 * 86400 + 1]), "RiskParamsRegistry__GracePeriodTooLong");
    await expectRevert(deploy(a.MarginAttestations, [d.verifier, ZeroAddress, d.registry, 10000, 0, false, 86400, false]), "MarginAttestations__TtlOutOfRange");
    await expectRevert(deploy(a.MarginAttestations, [d.verifier, ZeroAddress, d.registry, 10000, 86400, false, 0, false]), "MarginAttestations__AttestorAgeOutOfRange");
    await expectRevert(deploy(a.MarginAttestations, [d.verifier, ZeroAddress, d.registry, 5000, 86400, false, 86400, false]), "MarginAttestations__MinHealthOutOfRange");
    await expectRevert(deploy(a.ExamplePool, [d.attestations, d.token, 9000, 10000]), "ExamplePool__BadConfig");
    // the SDK refuses the same values before deploying, naming the field
    for (const [k, v] of [
      ["attestationTtl", 0],
      ["maxAttestorAge", 31 * 86400],
      ["gracePeriod", 31 * 86400],
      ["minHealthBps", 9000],
      ["borrowHealthBps", 9999],
    ] as const) {
      assert.throws(
        () => checkPolicy({ ...DEFAULT_POLICY, [k]: v }),
        (e: unknown) => e instanceof ZkMarginError && e.path === `policy.${k}`,
      );
    }
    await assert.rejects(
      deployPool({ signer: owner, artifacts: a, oracle: oracle.address, config: "mock", circuitHash: "", insecure: true, policy: { attestationTtl: 0 } }),
      (e: unknown) => e instanceof ZkMarginError && e.path === "policy.attestationTtl",
    );
  });

  it("formats and parses token amounts and cents exactly", () => {
    assert.equal(formatCents(123456789n), "1,234,567.89");
    assert.equal(formatCents("5"), "0.05");
    assert.equal(formatTokenAmount(1n), "0.000001");
    assert.equal(formatTokenAmount(2_500n * 10n ** 6n), "2,500.00");
    assert.equal(parseTokenAmount("2500"), 2_500n * 10n ** 6n);
    assert.equal(parseTokenAmount("0.000001"), 1n);
    assert.throws(() => parseTokenAmount("0.0000001"), (e: unknown) => e instanceof ZkMarginError && /6 decimals/.test(e.message));
    assert.throws(() => parseTokenAmount("1e3"), ZkMarginError);
    assert.throws(() => parseTokenAmount("0"), ZkMarginError);
  });
});
