import { strict as assert } from "node:assert";
import { type Contract, ContractFactory, type Wallet, ZeroAddress } from "ethers";
import {
  attestationsAt,
  attestorDomain,
  contextFor,
  deployPool,
  registryAt,
  signPortfolioAttestation,
  statusOf,
  submitAttestation,
  type Deployment,
  type PoolArtifacts,
} from "../../src/chain/pool.js";
import { ZkMarginError } from "../../src/errors.js";
import { packTerms, type ProofBundle } from "../../src/prove/bundle.js";
import { type ChainFixture, chainFixture, expectRevert as expectRevertIn, MOCK_VERIFIER } from "./fixture.js";

/**
 * Stand-ins for the two generated verifiers, so the contract's verified-mode policy is tested
 * without proving (the same paths with real proofs are in verified.test.ts). Self-declared: a
 * "proof" for [commitment, paramsRoot, terms, context] is a = [terms, context]. Verified: a "proof"
 * for [commitment, paramsRoot, terms, context, account] is a = [terms, context], c = [account, 0].
 */
const MOCK_VERIFIED_VERIFIER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Groth16Verifier {
    function verifyProof(uint256[2] calldata pA, uint256[2][2] calldata, uint256[2] calldata pC, uint256[5] calldata pub) external pure returns (bool) {
        return pA[0] == pub[2] && pA[1] == pub[3] && pC[0] == pub[4];
    }
}
`;

const ROOT = 0x1234n;
const COMMITMENT = 0xc0ffeen;

describe("chain: verified-mode policy (mock verifiers)", function () {
  this.timeout(300_000);
  let fx: ChainFixture;
  let a: PoolArtifacts;
  let d: Deployment;
  let plain: Deployment;
  let owner: Wallet, oracle: Wallet, trader: Wallet, other: Wallet, attestor: Wallet;
  let attestations: Contract;

  const expectRevert = (p: Promise<unknown>, name: string) => expectRevertIn(p, name, a);

  /** A mock bundle for the account's current context at `c`; verified when `account` is given. */
  async function mockBundle(c: Contract, w: Wallet, opts: { account?: string; healthBps?: number; limit?: bigint } = {}): Promise<ProofBundle> {
    const { context } = await contextFor(c, w.address);
    const healthBps = opts.healthBps ?? 12500;
    const limit = opts.limit ?? 100_00n;
    const terms = packTerms(healthBps, limit);
    const signals = [COMMITMENT, ROOT, terms, context, ...(opts.account ? [BigInt(opts.account)] : [])];
    return {
      zkmargin: 2,
      protocol: "groth16",
      curve: "bn128",
      config: opts.account ? "mock-verified" : "mock",
      circuitHash: "",
      paramsRoot: `0x${ROOT.toString(16)}`,
      epoch: 1,
      healthBps,
      creditLimitCents: limit.toString(),
      context: `0x${context.toString(16)}`,
      commitment: `0x${COMMITMENT.toString(16)}`,
      ...(opts.account ? { account: opts.account.toLowerCase() } : {}),
      publicSignals: signals.map(String),
      proof: {
        pi_a: [terms.toString(), context.toString(), "1"],
        pi_b: [["0", "0"], ["0", "0"], ["1", "0"]],
        pi_c: [(opts.account ? BigInt(opts.account) : 0n).toString(), "0", "1"],
        protocol: "groth16",
        curve: "bn128",
      },
      setup: { insecure: true, label: "mock", vkeySha256: "" },
      createdAt: new Date().toISOString(),
    } as ProofBundle;
  }

  before(async () => {
    fx = await chainFixture(MOCK_VERIFIER, 31337, MOCK_VERIFIED_VERIFIER);
    a = fx.artifacts;
    [owner, oracle, trader, other, attestor] = fx.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet];
    const verified = { config: "mock-verified", circuitHash: "", insecure: true };
    d = await deployPool({ signer: owner, artifacts: a, oracle: oracle.address, config: "mock", circuitHash: "", insecure: true, verified });
    plain = await deployPool({ signer: owner, artifacts: a, oracle: oracle.address, config: "mock", circuitHash: "", insecure: true });
    for (const dep of [d, plain]) {
      const t = (await fx.provider.getBlock("latest"))!.timestamp;
      await (await registryAt(dep, a, oracle).getFunction("postParams")(ROOT, 1, t, t + 7 * 86400)).wait();
    }
    attestations = attestationsAt(d, a, trader);
  });
  after(async () => fx?.close());

  it("compiles both generated verifiers (same contract name) side by side and deploys the verified one", async () => {
    assert.ok(a.VerifiedGroth16Verifier);
    assert.notEqual(a.VerifiedGroth16Verifier.bytecode, a.Groth16Verifier.bytecode);
    const inputs = (art: { abi: unknown[] }) =>
      (art.abi as { name?: string; inputs?: { type: string }[] }[]).find((f) => f.name === "verifyProof")!.inputs!.map((i) => i.type);
    assert.equal(inputs(a.Groth16Verifier).at(-1), "uint256[4]");
    assert.equal(inputs(a.VerifiedGroth16Verifier).at(-1), "uint256[5]");
    assert.ok(d.verified);
    assert.equal(d.verified.config, "mock-verified");
    assert.equal(await attestations.getFunction("verifiedVerifier")(), d.verified.verifier);
    assert.equal(await attestationsAt(plain, a, trader).getFunction("verifiedVerifier")(), ZeroAddress);
    assert.equal(plain.verified, undefined);
  });

  it("records a verified attestation (attestationOf, event, status) bound to the sender", async () => {
    const b = await mockBundle(attestations, trader, { account: trader.address });
    const r = await submitAttestation(attestations, b);
    assert.ok(r.gasUsed > 0);
    const st = await statusOf(attestations, registryAt(d, a, trader), trader.address, 12500);
    assert.equal(st.verified, true);
    assert.equal(st.healthy, true);
    assert.equal(st.attestor, null);
    const [att] = (await attestations.getFunction("attestationOf")(trader.address)) as [{ verified: boolean; attestorId: bigint }];
    assert.equal(att.verified, true);
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(trader.address));
    assert.equal((logs.at(-1) as unknown as { args: { verified: boolean } }).args.verified, true);
    // a self-declared refresh replaces it with an unverified one
    await submitAttestation(attestations, await mockBundle(attestations, trader));
    assert.equal((await statusOf(attestations, registryAt(d, a, trader), trader.address)).verified, false);
    // a verified bundle for another account: the SDK refuses to send it, the contract refuses it too
    const forOther = await mockBundle(attestations, trader, { account: other.address });
    await assert.rejects(submitAttestation(attestations, forOther), (e: unknown) => e instanceof ZkMarginError && /can only be submitted by that account/.test(e.message));
    const p = forOther.proof;
    await expectRevert(
      attestations.getFunction("submitVerified")({ a: [p.pi_a[0], p.pi_a[1]], b: [["0", "0"], ["0", "0"]], c: [p.pi_c[0], p.pi_c[1]] }, COMMITMENT, ROOT, 12500, 100_00n),
      "MarginAttestations__InvalidProof",
    );
    // a verified bundle cannot carry an attestor signature
    await assert.rejects(
      submitAttestation(attestations, await mockBundle(attestations, trader, { account: trader.address }), { asOf: 0, r: `0x${"0".repeat(64)}`, vs: `0x${"0".repeat(64)}` }),
      (e: unknown) => e instanceof ZkMarginError && e.path === "attestor",
    );
  });

  it("a deployment without a verified verifier refuses verified proofs and a verified-only policy", async () => {
    const c = attestationsAt(plain, a, trader);
    const r = await expectRevert(submitAttestation(c, await mockBundle(c, trader, { account: trader.address })), "MarginAttestations__VerifiedProofsNotSupported");
    assert.match(r.message, /no verifier for verified proofs/);
    await expectRevert((c.connect(owner) as Contract).getFunction("setRequireVerified")(true), "MarginAttestations__VerifiedProofsNotSupported");
    const factory = new ContractFactory(a.MarginAttestations.abi as never, a.MarginAttestations.bytecode, owner);
    await expectRevert(factory.deploy(plain.verifier, ZeroAddress, plain.registry, 10000, 86400, false, 86400, true), "MarginAttestations__VerifiedProofsNotSupported");
    await assert.rejects(
      deployPool({ signer: owner, artifacts: a, oracle: oracle.address, config: "mock", circuitHash: "", insecure: true, policy: { requireVerified: true } }),
      (e: unknown) => e instanceof ZkMarginError && e.path === "policy.requireVerified",
    );
    // the self-declared path is unaffected
    await submitAttestation(c, await mockBundle(c, trader));
  });

  it("requireVerified: submit and submitAttested are refused, and only verified attestations count", async () => {
    // trader holds a self-declared attestation (previous test); other gets a verified one
    const asOther = attestations.connect(other) as Contract;
    await submitAttestation(asOther, await mockBundle(asOther, other, { account: other.address }));
    assert.equal(await attestations.getFunction("isHealthy")(trader.address, 12500), true);
    await expectRevert(attestations.getFunction("setRequireVerified")(true), "MarginAttestations__NotOwner");
    const c = attestations.connect(owner) as Contract;
    await (await c.getFunction("setRequireVerified")(true)).wait();
    assert.equal(await attestations.getFunction("requireVerified")(), true);
    try {
      // the self-declared attestation recorded before the policy no longer counts
      assert.equal(await attestations.getFunction("isHealthy")(trader.address, 12500), false);
      assert.equal(await attestations.getFunction("creditLimitOf")(trader.address, 12500), 0n);
      assert.equal(await attestations.getFunction("isHealthy")(other.address, 12500), true);
      assert.equal(await attestations.getFunction("creditLimitOf")(other.address, 12500), 100_00n);
      const r = await expectRevert(submitAttestation(attestations, await mockBundle(attestations, trader)), "MarginAttestations__VerifiedProofRequired");
      assert.match(r.message, /accepts only verified proofs/);
      await (await c.getFunction("setAttestor")(attestor.address, true)).wait();
      const b = await mockBundle(attestations, trader);
      const now = (await fx.provider.getBlock("latest"))!.timestamp;
      const sig = await signPortfolioAttestation(attestor, attestorDomain(d.chainId, d.attestations), { commitment: COMMITMENT, account: trader.address, asOf: now });
      await expectRevert(submitAttestation(attestations, b, sig), "MarginAttestations__VerifiedProofRequired");
      // the verified proof is accepted
      await submitAttestation(attestations, await mockBundle(attestations, trader, { account: trader.address }));
      assert.equal(await attestations.getFunction("isHealthy")(trader.address, 12500), true);
    } finally {
      await (await c.getFunction("setRequireVerified")(false)).wait();
    }
  });

  it("under an attestor policy, verified attestations count and verified proofs need no attestor", async () => {
    const c = attestations.connect(owner) as Contract;
    await (await c.getFunction("setPolicy")(true, 10000, 86400, 86400)).wait();
    try {
      await expectRevert(submitAttestation(attestations, await mockBundle(attestations, trader)), "MarginAttestations__AttestorRequired");
      await submitAttestation(attestations, await mockBundle(attestations, trader, { account: trader.address }));
      assert.equal(await attestations.getFunction("isHealthy")(trader.address, 12500), true);
    } finally {
      await (await c.getFunction("setPolicy")(false, 10000, 86400, 86400)).wait();
    }
  });
});
