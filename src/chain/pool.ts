import { AbiCoder, Contract, ContractFactory, Interface, Signature, keccak256, type ContractRunner, type Signer, type TypedDataDomain } from "ethers";
import { FIELD_MODULUS } from "../config/limits.js";
import { compileContracts } from "./solc.js";
import type { ProofBundle } from "../prove/bundle.js";
import type { RiskParams } from "../params/types.js";
import { buildParamsTree } from "../params/tree.js";

/**
 * The pool's on-chain side with ethers v6: deploy, post parameters, derive the proof context,
 * submit attestations, read status, and turn the contracts' custom errors into plain messages.
 */
export interface CompiledContract {
  abi: unknown[];
  bytecode: string;
}

export interface PoolArtifacts {
  Groth16Verifier: CompiledContract;
  RiskParamsRegistry: CompiledContract;
  MarginAttestations: CompiledContract;
  ExamplePool: CompiledContract;
}

export interface PoolPolicy {
  /** Seconds a superseded root stays accepted after the next epoch is posted. */
  gracePeriod: number;
  /** Minimum health an attestation must prove. */
  minHealthBps: number;
  /** Seconds an attestation lasts (capped by its epoch's acceptance). */
  attestationTtl: number;
  /** Whether a portfolio must be signed by an approved attestor. */
  requireAttestor: boolean;
  /** Maximum age in seconds of an attestor's signature. */
  maxAttestorAge: number;
  /** The example pool's thresholds. */
  borrowHealthBps: number;
  withdrawHealthBps: number;
  maintenanceHealthBps: number;
}

export const DEFAULT_POLICY: PoolPolicy = {
  gracePeriod: 3600,
  minHealthBps: 10000,
  attestationTtl: 86400,
  requireAttestor: false,
  maxAttestorAge: 86400,
  borrowHealthBps: 12500,
  withdrawHealthBps: 12500,
  maintenanceHealthBps: 10000,
};

export interface Deployment {
  chainId: number;
  verifier: string;
  registry: string;
  attestations: string;
  pool: string;
  oracle: string;
  owner: string;
  config: string;
  circuitHash: string;
  insecure: boolean;
  policy: PoolPolicy;
  gas: Record<string, number>;
  deployedAt: string;
}

/** Compile the pool's contracts together with a setup's generated Groth16 verifier. */
export async function compilePoolContracts(verifierSource: string): Promise<PoolArtifacts> {
  const compiled = await compileContracts({ extraSources: { "generated/Groth16Verifier.sol": verifierSource } });
  const pick = (name: string): CompiledContract => {
    const c = compiled.contracts[name];
    if (!c) throw new Error(`contract ${name} missing from the compilation`);
    return { abi: c.abi as unknown[], bytecode: c.bytecode };
  };
  return {
    Groth16Verifier: pick("Groth16Verifier"),
    RiskParamsRegistry: pick("RiskParamsRegistry"),
    MarginAttestations: pick("MarginAttestations"),
    ExamplePool: pick("ExamplePool"),
  };
}

async function deployOne(signer: Signer, c: CompiledContract, args: unknown[]): Promise<{ address: string; gas: number }> {
  const factory = new ContractFactory(c.abi as never, c.bytecode, signer);
  const contract = await factory.deploy(...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  return { address: await contract.getAddress(), gas: Number(receipt!.gasUsed) };
}

/** Deploy the generated verifier, the registry, the attestation contract and the example pool. */
export async function deployPool(args: {
  signer: Signer;
  artifacts: PoolArtifacts;
  oracle: string;
  policy?: Partial<PoolPolicy>;
  config: string;
  circuitHash: string;
  insecure: boolean;
}): Promise<Deployment> {
  const policy = { ...DEFAULT_POLICY, ...args.policy };
  const { signer, artifacts: a } = args;
  const v = await deployOne(signer, a.Groth16Verifier, []);
  const r = await deployOne(signer, a.RiskParamsRegistry, [args.oracle, policy.gracePeriod]);
  const m = await deployOne(signer, a.MarginAttestations, [
    v.address,
    r.address,
    policy.minHealthBps,
    policy.attestationTtl,
    policy.requireAttestor,
    policy.maxAttestorAge,
  ]);
  const p = await deployOne(signer, a.ExamplePool, [m.address, policy.borrowHealthBps, policy.withdrawHealthBps, policy.maintenanceHealthBps]);
  const network = await signer.provider!.getNetwork();
  return {
    chainId: Number(network.chainId),
    verifier: v.address,
    registry: r.address,
    attestations: m.address,
    pool: p.address,
    oracle: args.oracle,
    owner: await signer.getAddress(),
    config: args.config,
    circuitHash: args.circuitHash,
    insecure: args.insecure,
    policy,
    gas: { verifier: v.gas, registry: r.gas, attestations: m.gas, pool: p.gas },
    deployedAt: new Date().toISOString(),
  };
}

export const registryAt = (d: Deployment, a: PoolArtifacts, runner: ContractRunner) =>
  new Contract(d.registry, a.RiskParamsRegistry.abi as never, runner);
export const attestationsAt = (d: Deployment, a: PoolArtifacts, runner: ContractRunner) =>
  new Contract(d.attestations, a.MarginAttestations.abi as never, runner);
export const poolAt = (d: Deployment, a: PoolArtifacts, runner: ContractRunner) => new Contract(d.pool, a.ExamplePool.abi as never, runner);

/** Post a parameter set's root (oracle only). validUntil defaults to asOf + 7 days. */
export async function postParams(registry: Contract, params: RiskParams, opts: { validUntil?: number } = {}) {
  const root = buildParamsTree(params).paramsRoot;
  const asOf = Math.floor(Date.parse(params.asOf) / 1000);
  const validUntil = opts.validUntil ?? asOf + 7 * 86400;
  const tx = await registry.getFunction("postParams")(root, params.epoch, asOf, validUntil);
  const receipt = await tx.wait();
  return { root, epoch: params.epoch, asOf, validUntil, gasUsed: Number(receipt.gasUsed), txHash: receipt.hash as string };
}

/**
 * The context a proof must carry to be accepted from `account` by the attestation contract at
 * `contract` on `chainId`, for the account's current `nonce`: exactly the contract's derivation,
 * uint256(keccak256(abi.encode(chainId, contract, account, nonce))) mod p.
 */
export function deriveContext(chainId: bigint | number, contract: string, account: string, nonce: bigint | number): bigint {
  const enc = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "address", "uint32"], [chainId, contract, account, nonce]);
  return BigInt(keccak256(enc)) % FIELD_MODULUS;
}

export async function contextFor(attestations: Contract, account: string): Promise<{ context: bigint; nonce: bigint; chainId: bigint }> {
  const [att] = (await attestations.getFunction("attestationOf")(account)) as [{ nonce: bigint }];
  const network = await attestations.runner!.provider!.getNetwork();
  const context = deriveContext(network.chainId, await attestations.getAddress(), account, att.nonce);
  return { context, nonce: att.nonce, chainId: network.chainId };
}

export function proofCalldata(bundle: ProofBundle) {
  const p = bundle.proof;
  return {
    a: [p.pi_a[0], p.pi_a[1]],
    // snarkjs's G2 coordinates are (c0, c1); the EVM pairing precompile takes (c1, c0)
    b: [
      [p.pi_b[0]![1], p.pi_b[0]![0]],
      [p.pi_b[1]![1], p.pi_b[1]![0]],
    ],
    c: [p.pi_c[0], p.pi_c[1]],
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

/** The low 72 bits of a commitment, as the attestation contract stores it. */
export const commitmentTag = (commitment: string | bigint): string =>
  `0x${(BigInt(commitment) & ((1n << 72n) - 1n)).toString(16).padStart(18, "0")}`;

/** Submit a proof bundle from the signer's account (the bundle's context must be contextFor(account)). */
export async function submitAttestation(attestations: Contract, bundle: ProofBundle, attestor?: AttestorSignature) {
  const proof = proofCalldata(bundle);
  const args = [proof, BigInt(bundle.commitment), BigInt(bundle.paramsRoot), bundle.healthBps] as const;
  const tx = attestor
    ? await attestations.getFunction("submitAttested")(...args, attestor)
    : await attestations.getFunction("submit")(...args);
  const receipt = await tx.wait();
  return { gasUsed: Number(receipt.gasUsed), txHash: receipt.hash as string, blockNumber: Number(receipt.blockNumber) };
}

export interface AttestationStatus {
  account: string;
  attested: boolean;
  healthBps: number;
  epoch: number;
  expiresAt: number;
  expired: boolean;
  epochAccepted: boolean;
  healthy: boolean;
  /** Low 72 bits of the portfolio commitment (the full value is in the AttestationRecorded event). */
  commitmentTag: string;
  nonce: number;
  attestor: string | null;
}

export async function statusOf(attestations: Contract, registry: Contract, account: string, minHealthBps = 10000): Promise<AttestationStatus> {
  const [a, attestor] = (await attestations.getFunction("attestationOf")(account)) as [
    { commitmentTag: bigint; healthBps: bigint; epoch: bigint; expiresAt: bigint; nonce: bigint; attestorId: bigint },
    string,
  ];
  const block = await attestations.runner!.provider!.getBlock("latest");
  const now = block!.timestamp;
  const [accepted] = (await registry.getFunction("isAcceptable")(a.epoch)) as [boolean, bigint];
  const healthy = (await attestations.getFunction("isHealthy")(account, minHealthBps)) as boolean;
  return {
    account,
    attested: a.expiresAt !== 0n,
    healthBps: Number(a.healthBps),
    epoch: Number(a.epoch),
    expiresAt: Number(a.expiresAt),
    expired: a.expiresAt !== 0n && now > Number(a.expiresAt),
    epochAccepted: accepted,
    healthy,
    commitmentTag: `0x${a.commitmentTag.toString(16).padStart(18, "0")}`,
    nonce: Number(a.nonce),
    attestor: a.attestorId === 0n ? null : attestor,
  };
}

const PLAIN: Record<string, (args: readonly unknown[]) => string> = {
  RiskParamsRegistry__NotOwner: () => "only the registry's owner may do this",
  RiskParamsRegistry__NotOracle: () => "only the risk oracle may post parameters",
  RiskParamsRegistry__EpochNotIncreasing: ([e, l]) => `epoch ${e} is not above the latest posted epoch ${l}; epochs only increase`,
  RiskParamsRegistry__RootNotInField: ([r]) => `root ${r} is not a BN254 field element`,
  RiskParamsRegistry__RootAlreadyPosted: ([r]) => `root ${r} was already posted`,
  RiskParamsRegistry__BadValidity: ([a, v]) => `validity window ends at ${v}, which is not after asOf ${a} and now`,
  MarginAttestations__NotOwner: () => "only the attestation contract's owner may do this",
  MarginAttestations__SignalNotInField: ([i, v]) => `public signal ${i} (${v}) is not below the BN254 field modulus`,
  MarginAttestations__UnknownRoot: ([r]) => `paramsRoot 0x${BigInt(r as bigint).toString(16)} was never posted to the registry`,
  MarginAttestations__RootNotAcceptable: ([e]) =>
    `risk parameters of epoch ${e} are expired or superseded past their grace period; prove again under the current root`,
  MarginAttestations__HealthTooLow: ([h, m]) => `proven health ${h} bps is below the pool's minimum ${m} bps`,
  MarginAttestations__InvalidProof: () =>
    "the proof does not verify for this account: it was made for another context (account, nonce, chain or contract), replayed, or altered",
  MarginAttestations__AttestorRequired: () => "this pool requires an attestor's signature over the portfolio commitment",
  MarginAttestations__InvalidAttestorSignature: () => "the attestor signature is malformed",
  MarginAttestations__AttestorNotApproved: ([a]) =>
    `signer ${a} is not an approved attestor (or the signature is over another account or commitment)`,
  MarginAttestations__AttestorSignatureStale: ([a, m]) => `attestor signature asOf ${a} is in the future or older than ${m} s`,
  ExamplePool__NotHealthy: ([a, h]) => `account ${a} has no attestation of at least ${h} bps right now`,
  ExamplePool__NotLiquidatable: ([a]) => `account ${a} is not liquidatable`,
};

/**
 * Decode a revert from our contracts into { name, args, message }; undefined if it is not one of
 * ours. Works with ethers errors (error.data / error.info.error.data / error.revert).
 */
export function decodeContractError(e: unknown, abis: unknown[][]): { name: string; args: unknown[]; message: string } | undefined {
  const data = findRevertData(e);
  if (!data) return undefined;
  for (const abi of abis) {
    try {
      const parsed = new Interface(abi as never).parseError(data);
      if (parsed) {
        const args = [...parsed.args];
        const plain = PLAIN[parsed.name]?.(args) ?? parsed.name;
        return { name: parsed.name, args, message: `${parsed.name}: ${plain}` };
      }
    } catch {
      /* try the next ABI */
    }
  }
  return undefined;
}

function findRevertData(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== "object" || depth > 6) return undefined;
  const o = e as Record<string, unknown>;
  if (typeof o.data === "string" && o.data.startsWith("0x") && o.data.length >= 10) return o.data;
  for (const k of ["error", "info", "cause", "revert", "data"]) {
    const d = findRevertData(o[k], depth + 1);
    if (d) return d;
  }
  return undefined;
}
