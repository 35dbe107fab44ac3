import { AbiCoder, Contract, Interface, keccak256, type ContractRunner, type JsonRpcApiProvider } from "ethers";
import { FIELD_MODULUS } from "../config/limits.js";

/**
 * The few contract functions the agent uses, as ABI fragments (no solc, no compiled artifacts: the
 * agent runs where only the package and a JSON-RPC URL are). The events and errors are the
 * contracts' own (contracts/interfaces/*.sol), so reverts decode with decodeContractError.
 */
const ATTESTATION_TUPLE = "tuple(uint32 healthBps, uint64 creditLimitCents, uint64 epoch, uint40 expiresAt, uint32 nonce, uint16 attestorId, bool verified)";
const PROOF_TUPLE = "tuple(uint256[2] a, uint256[2][2] b, uint256[2] c)";

export const ATTESTATIONS_ABI = [
  `function attestationOf(address account) view returns (${ATTESTATION_TUPLE}, address attestor)`,
  "function minHealthBps() view returns (uint32)",
  "function attestationTtl() view returns (uint64)",
  "function contextOf(address account) view returns (uint256)",
  "function requireVerified() view returns (bool)",
  "function requireAttestor() view returns (bool)",
  "function verifiedVerifier() view returns (address)",
  "function registry() view returns (address)",
  `function submit(${PROOF_TUPLE} proof, uint256 commitment, uint256 paramsRoot, uint32 healthBps, uint64 creditLimitCents)`,
  `function submitVerified(${PROOF_TUPLE} proof, uint256 commitment, uint256 paramsRoot, uint32 healthBps, uint64 creditLimitCents)`,
  "event AttestationRecorded(address indexed account, uint64 indexed epoch, address indexed attestor, uint32 healthBps, uint64 creditLimitCents, uint64 expiresAt, uint256 commitment, bool verified)",
  "error MarginAttestations__SignalNotInField(uint256 index, uint256 value)",
  "error MarginAttestations__UnknownRoot(uint256 root)",
  "error MarginAttestations__RootNotAcceptable(uint64 epoch)",
  "error MarginAttestations__HealthTooLow(uint32 healthBps, uint32 minHealthBps)",
  "error MarginAttestations__InvalidProof()",
  "error MarginAttestations__AttestorRequired()",
  "error MarginAttestations__VerifiedProofRequired()",
  "error MarginAttestations__VerifiedProofsNotSupported()",
];

export const REGISTRY_ABI = [
  "function latestEpoch() view returns (uint64)",
  "function hasParams() view returns (bool)",
  "function gracePeriod() view returns (uint64)",
  "function paramsOf(uint64 epoch) view returns (tuple(uint256 root, uint64 asOf, uint64 validUntil, uint64 supersededAt))",
  "function epochOfRoot(uint256 root) view returns (uint64 epoch, bool known)",
  "function isAcceptable(uint64 epoch) view returns (bool acceptable, uint64 acceptedUntil)",
  "event ParamsPosted(uint64 indexed epoch, uint256 indexed root, uint64 asOf, uint64 validUntil)",
  "event ParamsUri(uint64 indexed epoch, uint256 indexed root, string uri)",
];

export const POOL_ABI = ["function borrowHealthBps() view returns (uint32)", "function maintenanceHealthBps() view returns (uint32)"];

export const attestationsContract = (address: string, runner: ContractRunner) => new Contract(address, ATTESTATIONS_ABI, runner);
export const registryContract = (address: string, runner: ContractRunner) => new Contract(address, REGISTRY_ABI, runner);
export const poolContract = (address: string, runner: ContractRunner) => new Contract(address, POOL_ABI, runner);

export interface OnChainAttestation {
  attested: boolean;
  healthBps: number;
  creditLimitCents: bigint;
  epoch: number;
  /** Effective expiry (capped by the epoch's acceptance end); 0 when never attested. */
  expiresAt: number;
  /** The next proof's nonce (submissions so far). */
  nonce: number;
  verified: boolean;
}

export async function attestationOf(attestations: Contract, account: string): Promise<OnChainAttestation> {
  const [a] = (await attestations.getFunction("attestationOf")(account)) as [
    { healthBps: bigint; creditLimitCents: bigint; epoch: bigint; expiresAt: bigint; nonce: bigint; verified: boolean },
  ];
  return {
    attested: a.expiresAt !== 0n,
    healthBps: Number(a.healthBps),
    creditLimitCents: a.creditLimitCents,
    epoch: Number(a.epoch),
    expiresAt: Number(a.expiresAt),
    nonce: Number(a.nonce),
    verified: a.verified,
  };
}

/**
 * "Now" as the contracts will see it at inclusion: the pending block's time when the node builds
 * one ahead of the latest block, else the later of the latest block's time and the wall clock
 * (the same rule as the `chain` commands).
 */
export async function chainNow(provider: JsonRpcApiProvider): Promise<number> {
  const latest = (await provider.getBlock("latest"))?.timestamp ?? 0;
  const pending = await provider.send("eth_getBlockByNumber", ["pending", false]).then(
    (b: { timestamp?: unknown } | null) => (typeof b?.timestamp === "string" && /^0x[0-9a-fA-F]{1,12}$/.test(b.timestamp) ? Number(b.timestamp) : undefined),
    () => undefined,
  );
  if (pending !== undefined && pending > latest) return pending;
  return Math.max(latest, Math.floor(Date.now() / 1000));
}

/**
 * The context a proof must carry to be accepted from `account` at its attestation `nonce`: the
 * contract's own derivation, uint256(keccak256(abi.encode(chainId, contract, account, nonce))) mod p
 * (as deriveContext in zkmargin/chain; the agent checks it against the contract's contextOf).
 */
export function contextAt(chainId: bigint | number, contract: string, account: string, nonce: number): bigint {
  const enc = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "address", "uint32"], [chainId, contract, account, nonce]);
  return BigInt(keccak256(enc)) % FIELD_MODULUS;
}

const ERRORS = new Interface([...ATTESTATIONS_ABI, ...REGISTRY_ABI]);

/** A revert of the attestation contract or the registry as `{ name, message }` (e.g. from estimateGas); undefined otherwise. */
export function decodeRevert(e: unknown): { name: string; message: string } | undefined {
  const data = findData(e, 0);
  if (!data) return undefined;
  try {
    const parsed = ERRORS.parseError(data);
    if (!parsed) return undefined;
    return { name: parsed.name, message: `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})` };
  } catch {
    return undefined;
  }
}

function findData(e: unknown, depth: number): string | undefined {
  if (!e || typeof e !== "object" || depth > 6) return undefined;
  const o = e as Record<string, unknown>;
  if (typeof o.data === "string" && o.data.startsWith("0x") && o.data.length >= 10) return o.data;
  for (const k of ["error", "info", "cause", "revert", "data"]) {
    const d = findData(o[k], depth + 1);
    if (d) return d;
  }
  return undefined;
}
