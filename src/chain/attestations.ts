/**
 * The attestation contract from ethers v6: the proof context an account must prove for, attestor
 * signatures (EIP-712), submitting a proof bundle (self-declared, attested or verified) and reading
 * an account's attestation.
 */
import { AbiCoder, type BaseContract, Signature, keccak256, type Signer, type TypedDataDomain } from "ethers";
import { FIELD_MODULUS } from "../config/limits.js";
import { ZkMarginError } from "../errors.js";
import type { ProofBundle } from "../prove/bundle.js";

const signerAddress = async (c: BaseContract): Promise<string> => {
  const r = c.runner as Signer | null;
  if (!r || typeof (r as Signer).getAddress !== "function") throw new ZkMarginError("ARGUMENT", "the contract needs a signer", { path: "attestations.runner" });
  return r.getAddress();
};

/**
 * The context a proof must carry to be accepted from `account` by the attestation contract at
 * `contract` on `chainId`, for the account's current `nonce`: exactly the contract's derivation,
 * uint256(keccak256(abi.encode(chainId, contract, account, nonce))) mod p.
 */
export function deriveContext(chainId: bigint | number, contract: string, account: string, nonce: bigint | number): bigint {
  const enc = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "address", "uint32"], [chainId, contract, account, nonce]);
  return BigInt(keccak256(enc)) % FIELD_MODULUS;
}

export async function contextFor(attestations: BaseContract, account: string): Promise<{ context: bigint; nonce: bigint; chainId: bigint }> {
  const [att] = (await attestations.getFunction("attestationOf")(account)) as [{ nonce: bigint }];
  const network = await attestations.runner!.provider!.getNetwork();
  const context = deriveContext(network.chainId, await attestations.getAddress(), account, att.nonce);
  return { context, nonce: att.nonce, chainId: network.chainId };
}

/** A Groth16 proof as the verifier contracts take it: a, b (G2, coordinates swapped), c. */
export interface ProofCalldata {
  a: [string, string];
  b: [[string, string], [string, string]];
  c: [string, string];
}

export function proofCalldata(bundle: ProofBundle): ProofCalldata {
  const p = bundle.proof;
  return {
    a: [p.pi_a[0]!, p.pi_a[1]!],
    // snarkjs's G2 coordinates are (c0, c1); the EVM pairing precompile takes (c1, c0)
    b: [
      [p.pi_b[0]![1]!, p.pi_b[0]![0]!],
      [p.pi_b[1]![1]!, p.pi_b[1]![0]!],
    ],
    c: [p.pi_c[0]!, p.pi_c[1]!],
  };
}

/** An attestor's EIP-712 signature in the compact EIP-2098 form the contract takes. */
export interface AttestorSignature {
  asOf: number;
  r: string;
  vs: string;
}

export function attestorDomain(chainId: bigint | number, attestations: string): TypedDataDomain {
  return { name: "zkmargin", version: "1", chainId, verifyingContract: attestations };
}

export const PORTFOLIO_TYPES = {
  PortfolioAttestation: [
    { name: "commitment", type: "uint256" },
    { name: "account", type: "address" },
    { name: "asOf", type: "uint64" },
  ],
};

/** An attestor (custodian, prime broker, venue) signs that `account` holds the portfolio behind `commitment`. */
export async function signPortfolioAttestation(
  attestor: Signer,
  domain: TypedDataDomain,
  value: { commitment: bigint; account: string; asOf: number },
): Promise<AttestorSignature> {
  const sig = Signature.from(await attestor.signTypedData(domain, PORTFOLIO_TYPES, value));
  return { asOf: value.asOf, r: sig.r, vs: sig.yParityAndS };
}

/**
 * Submit a proof bundle (zkmargin 2) from the signer's account: its commitment, paramsRoot,
 * healthBps and creditLimitCents (the contract packs the last two into the `terms` signal itself).
 * The bundle's context must be contextFor(account). A verified bundle (`bundle.account` set) goes
 * through `submitVerified`, which binds the account signal to the sender: it is refused here,
 * before sending, unless the signer is that account (and it takes no attestor signature).
 */
export async function submitAttestation(attestations: BaseContract, bundle: ProofBundle, attestor?: AttestorSignature) {
  const proof = proofCalldata(bundle);
  const args = [proof, BigInt(bundle.commitment), BigInt(bundle.paramsRoot), bundle.healthBps, BigInt(bundle.creditLimitCents)] as const;
  if (bundle.account !== undefined) {
    if (attestor) {
      throw new ZkMarginError("ARGUMENT", "a verified proof takes no attestor signature: the venues' statements vouch for the holdings", { path: "attestor" });
    }
    checkVerifiedSender(bundle, await signerAddress(attestations));
  }
  const tx =
    bundle.account !== undefined
      ? await attestations.getFunction("submitVerified")(...args)
      : attestor
        ? await attestations.getFunction("submitAttested")(...args, attestor)
        : await attestations.getFunction("submit")(...args);
  const receipt = await tx.wait();
  return { gasUsed: Number(receipt.gasUsed), txHash: receipt.hash as string, blockNumber: Number(receipt.blockNumber) };
}

/**
 * Refuse to send a verified bundle from an account other than the one its statements were signed
 * for (the contract would refuse it: the proof's account signal is the sender's address).
 */
export function checkVerifiedSender(bundle: ProofBundle, sender: string): void {
  if (bundle.account === undefined) return;
  if (bundle.account.toLowerCase() !== sender.toLowerCase()) {
    throw new ZkMarginError(
      "ARGUMENT",
      `this verified proof was made from statements signed for ${bundle.account}; it can only be submitted by that account, ` +
        `not by ${sender} (sign with that account's key)`,
      { path: "bundle.account", value: bundle.account, limit: sender.toLowerCase() },
    );
  }
}

export interface AttestationStatus {
  account: string;
  attested: boolean;
  /** Recorded from a verified proof: the portfolio is the sum of venue-signed statements for the account. */
  verified: boolean;
  healthBps: number;
  /** The proven credit limit, USD in integer cents (decimal string). */
  creditLimitCents: string;
  epoch: number;
  /** Effective expiry (unix seconds): the recorded one, capped by the end of its epoch's acceptance. */
  expiresAt: number;
  expired: boolean;
  epochAccepted: boolean;
  /** isHealthy(account, minHealthBps) */
  healthy: boolean;
  /** creditLimitOf(account, minHealthBps): the limit that counts now at that health, else "0". */
  liveCreditLimitCents: string;
  /** The full commitment, from the account's latest AttestationRecorded event (null if not found). */
  commitment: string | null;
  nonce: number;
  attestor: string | null;
}

export async function statusOf(attestations: BaseContract, registry: BaseContract, account: string, minHealthBps = 10000): Promise<AttestationStatus> {
  const [a, attestor] = (await attestations.getFunction("attestationOf")(account)) as [
    { healthBps: bigint; creditLimitCents: bigint; epoch: bigint; expiresAt: bigint; nonce: bigint; attestorId: bigint; verified: boolean },
    string,
  ];
  const block = await attestations.runner!.provider!.getBlock("latest");
  const now = block!.timestamp;
  const [accepted] = (await registry.getFunction("isAcceptable")(a.epoch)) as [boolean, bigint];
  const healthy = (await attestations.getFunction("isHealthy")(account, minHealthBps)) as boolean;
  const live = (await attestations.getFunction("creditLimitOf")(account, minHealthBps)) as bigint;
  return {
    account,
    attested: a.expiresAt !== 0n,
    verified: a.verified,
    healthBps: Number(a.healthBps),
    creditLimitCents: a.creditLimitCents.toString(),
    epoch: Number(a.epoch),
    expiresAt: Number(a.expiresAt),
    expired: a.expiresAt !== 0n && now > Number(a.expiresAt),
    epochAccepted: accepted,
    healthy,
    liveCreditLimitCents: live.toString(),
    commitment: a.expiresAt === 0n ? null : await latestCommitment(attestations, account),
    nonce: Number(a.nonce),
    attestor: a.attestorId === 0n ? null : attestor,
  };
}

/** The commitment of the account's latest AttestationRecorded event; null if logs are unavailable. */
async function latestCommitment(attestations: BaseContract, account: string): Promise<string | null> {
  try {
    const logs = await attestations.queryFilter(attestations.filters.AttestationRecorded!(account));
    const last = logs.at(-1) as { args?: { commitment?: bigint } } | undefined;
    return last?.args?.commitment === undefined ? null : `0x${last.args.commitment.toString(16).padStart(64, "0")}`;
  } catch {
    return null; // a node that limits log queries: the status is still complete without it
  }
}
