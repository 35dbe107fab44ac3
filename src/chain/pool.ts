import { BaseContract, Contract, ZeroAddress, ContractFactory, Interface, type ContractRunner, type Signer } from "ethers";
import { compileContracts } from "./solc.js";
import { ZkMarginError } from "../errors.js";

/**
 * The pool's on-chain side with ethers v6: compile and deploy, the deployment record, borrow and
 * repay against the example pool, and turn the contracts' custom errors into plain messages.
 * Posting parameters is in registry.ts, contexts, submission and status in attestations.ts; both
 * are re-exported from here (the paths callers import stay the same).
 */
export interface CompiledContract {
  abi: unknown[];
  bytecode: string;
}

export interface PoolArtifacts {
  /** The self-declared configuration's generated verifier (4 public signals). */
  Groth16Verifier: CompiledContract;
  /** The verified configuration's generated verifier (5 public signals), when one was compiled in. */
  VerifiedGroth16Verifier?: CompiledContract;
  RiskParamsRegistry: CompiledContract;
  MarginAttestations: CompiledContract;
  ExamplePool: CompiledContract;
  ExampleUSD: CompiledContract;
}

export interface PoolPolicy {
  /** Seconds a superseded root stays accepted after the next epoch is posted. */
  gracePeriod: number;
  /** Minimum health an attestation must prove. */
  minHealthBps: number;
  /** Seconds an attestation lasts (capped by its epoch's acceptance). */
  attestationTtl: number;
  /** Whether a self-declared portfolio must be signed by an approved attestor (verified proofs need none). */
  requireAttestor: boolean;
  /**
   * Whether only verified proofs (venue-signed statements, `submitVerified`) are accepted and count.
   * Needs a verified verifier. Absent in records made before verified mode (= false).
   */
  requireVerified: boolean;
  /** Maximum age in seconds of an attestor's signature. */
  maxAttestorAge: number;
  /** The example pool: health an attestation must show to borrow, and below which its limit stops counting. */
  borrowHealthBps: number;
  maintenanceHealthBps: number;
}

export const DEFAULT_POLICY: PoolPolicy = {
  gracePeriod: 3600,
  minHealthBps: 10000,
  attestationTtl: 86400,
  requireAttestor: false,
  requireVerified: false,
  maxAttestorAge: 86400,
  borrowHealthBps: 12500,
  maintenanceHealthBps: 10000,
};

/** Policy bounds enforced by the contracts (MarginAttestations, RiskParamsRegistry constants). */
export const POLICY_BOUNDS = {
  minHealthBps: { min: 10000, max: 1_000_000 },
  attestationTtl: { min: 60, max: 365 * 86400 },
  maxAttestorAge: { min: 60, max: 30 * 86400 },
  gracePeriod: { min: 0, max: 30 * 86400 },
} as const;

/** The example pool's token: a test USD stablecoin, 6 decimals, valued at 1.00 USD per token. */
export const POOL_TOKEN_DECIMALS = 6;
/** Liquidity the deployer supplies to the example pool by default: 1,000,000 tokens. */
export const DEFAULT_POOL_LIQUIDITY = 1_000_000n * 10n ** BigInt(POOL_TOKEN_DECIMALS);

/**
 * Exported proving artifacts (`zkmargin export`) a verifier was deployed from: where they were
 * loaded from and the sha256 of their manifest.json (which names every file's sha256).
 */
export interface ArtifactsOrigin {
  /** The folder (absolute path) or URL the artifacts were loaded from. */
  source: string;
  /** sha256 of the manifest.json bytes, lowercase hex. */
  manifestSha256: string;
}

/** The verified-mode verifier of a deployment and the setup it was generated from. */
export interface VerifiedDeployment {
  verifier: string;
  /** Its circuit configuration (small-verified, standard-verified, ...). */
  config: string;
  circuitHash: string;
  insecure: boolean;
  vkeySha256?: string;
  /** The exported artifacts it was deployed from (absent: from a local setup). */
  artifacts?: ArtifactsOrigin;
}

/** One contract of a deployment: where it is and the transaction that created it. */
export interface DeployedContract {
  /** Its name in the ABI package (`zkmargin/abi`), e.g. "MarginAttestations"; "Groth16Verifier" for a generated verifier. */
  contract: string;
  address: string;
  /** The creation transaction. */
  txHash: string;
  blockNumber: number;
  blockHash: string;
  gasUsed: number;
}

/** The record's roles: verifier, verifiedVerifier (when deployed), registry, attestations, pool, token. */
export type DeploymentRole = "verifier" | "verifiedVerifier" | "registry" | "attestations" | "pool" | "token";

export interface Deployment {
  chainId: number;
  /**
   * Each contract with its creation transaction and block. Absent in records made before contract
   * artifacts (their addresses are still the flat fields below).
   */
  contracts?: Partial<Record<DeploymentRole, DeployedContract>>;
  /** The first block of the deployment (from which to scan the contracts' logs). */
  blockNumber?: number;
  /** The account that deployed (and owns) the contracts. */
  deployer?: string;
  /** sha256 of the setup's verification key (as `vkeySha256` in proof bundles), when known. */
  vkeySha256?: string;
  /** The exported artifacts the (self-declared) verifier was deployed from (absent: from a local setup). */
  artifacts?: ArtifactsOrigin;
  verifier: string;
  /** The verified-mode verifier (submitVerified); absent when the deployment takes no verified proofs. */
  verified?: VerifiedDeployment;
  registry: string;
  attestations: string;
  pool: string;
  /** The example pool's token (ExampleUSD, 6 decimals). Absent in records made before v2. */
  token?: string;
  oracle: string;
  owner: string;
  config: string;
  circuitHash: string;
  insecure: boolean;
  policy: PoolPolicy;
  gas: Record<string, number>;
  deployedAt: string;
}

/** Source names of the generated verifiers in the pool's compilation. */
export const VERIFIER_SOURCE = "generated/Groth16Verifier.sol";
export const VERIFIED_VERIFIER_SOURCE = "generated/verified/Groth16Verifier.sol";

/** The pool's contracts without the generated verifiers (they depend on no setup). */
export type PoolContracts = Omit<PoolArtifacts, "Groth16Verifier" | "VerifiedGroth16Verifier">;

type CompileProgress = { progress?: (message: string) => void };

async function compilePackage(opts: CompileProgress) {
  return compileContracts({ ...(opts.progress ? { progress: opts.progress } : {}), label: "the pool's contracts" });
}

function pickFrom(compiled: { contracts: Record<string, { abi: unknown; bytecode: string }> }, name: string): CompiledContract {
  const c = compiled.contracts[name];
  if (!c) throw new Error(`contract ${name} missing from the compilation`);
  return { abi: c.abi as unknown[], bytecode: c.bytecode };
}

/**
 * The package's contracts (registry, attestations, example pool and token), compiled on their own:
 * they do not depend on a setup, so this compilation is shared by every deployment (and cached).
 */
export async function compilePoolOnly(opts: CompileProgress = {}): Promise<PoolContracts> {
  const compiled = await compilePackage(opts);
  return {
    RiskParamsRegistry: pickFrom(compiled, "RiskParamsRegistry"),
    MarginAttestations: pickFrom(compiled, "MarginAttestations"),
    ExamplePool: pickFrom(compiled, "ExamplePool"),
    ExampleUSD: pickFrom(compiled, "ExampleUSD"),
  };
}

/**
 * The pool's ABIs with no setup at all, for calling deployed contracts: the verifier entries carry
 * the interfaces' ABIs (IGroth16Verifier, IVerifiedGroth16Verifier) and no bytecode ("0x": they
 * cannot be deployed from this).
 */
export async function poolAbis(opts: CompileProgress = {}): Promise<PoolArtifacts> {
  const compiled = await compilePackage(opts);
  return {
    Groth16Verifier: { abi: pickFrom(compiled, "IGroth16Verifier").abi, bytecode: "0x" },
    VerifiedGroth16Verifier: { abi: pickFrom(compiled, "IVerifiedGroth16Verifier").abi, bytecode: "0x" },
    RiskParamsRegistry: pickFrom(compiled, "RiskParamsRegistry"),
    MarginAttestations: pickFrom(compiled, "MarginAttestations"),
    ExamplePool: pickFrom(compiled, "ExamplePool"),
    ExampleUSD: pickFrom(compiled, "ExampleUSD"),
  };
}

/** A generated verifier compiled on its own source unit (`name` VERIFIER_SOURCE or VERIFIED_VERIFIER_SOURCE). */
async function compileVerifier(name: string, source: string, label: string, opts: CompileProgress): Promise<CompiledContract> {
  const compiled = await compileContracts({ contractsDir: null, extraSources: { [name]: source }, label, ...(opts.progress ? { progress: opts.progress } : {}) });
  return pickFrom(compiled, `${name}:Groth16Verifier`);
}

/**
 * Compile the pool's contracts and a setup's generated Groth16 verifier and, optionally, a
 * verified configuration's. Both generated contracts are named Groth16Verifier: each is compiled
 * as is (never edited) on its own, under its source name (`generated/Groth16Verifier.sol`,
 * `generated/verified/Groth16Verifier.sol`); the pool's contracts are compiled apart from them
 * (they import no generated source), so their compilation is cached once for every setup.
 * `progress` is told before and after each compilation that misses the cache.
 */
export async function compilePoolContracts(verifierSource: string, verifiedVerifierSource?: string, opts: CompileProgress = {}): Promise<PoolArtifacts> {
  const pool = await compilePoolOnly(opts);
  const verifier = await compileVerifier(VERIFIER_SOURCE, verifierSource, "the verifier", opts);
  const verified = verifiedVerifierSource === undefined ? undefined : await compileVerifier(VERIFIED_VERIFIER_SOURCE, verifiedVerifierSource, "the verified verifier", opts);
  return { Groth16Verifier: verifier, ...(verified ? { VerifiedGroth16Verifier: verified } : {}), ...pool };
}

async function deployContract(signer: Signer, name: string, c: CompiledContract, args: unknown[]): Promise<DeployedContract & { gas: number }> {
  const factory = new ContractFactory(c.abi as never, c.bytecode, signer);
  const contract = await factory.deploy(...args);
  const receipt = (await contract.deploymentTransaction()!.wait())!;
  return {
    contract: name,
    address: await contract.getAddress(),
    txHash: receipt.hash,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    gasUsed: Number(receipt.gasUsed),
    gas: Number(receipt.gasUsed),
  };
}

const deployed = ({ gas: _gas, ...c }: DeployedContract & { gas: number }): DeployedContract => c;

/**
 * Deploy the generated verifier, the registry, the attestation contract, the example pool and its
 * test token; the deployer mints `liquidity` tokens (default 1,000,000) and deposits them into the
 * pool as its lender. With `verified` (and artifacts compiled with a verified verifier) the
 * verified-mode verifier is deployed too and the attestation contract accepts `submitVerified`;
 * `policy.requireVerified` needs it.
 */
export async function deployPool(args: {
  signer: Signer;
  artifacts: PoolArtifacts;
  oracle: string;
  policy?: Partial<PoolPolicy>;
  config: string;
  circuitHash: string;
  insecure: boolean;
  /** Token base units supplied to the pool (default DEFAULT_POOL_LIQUIDITY; 0n for none). */
  liquidity?: bigint;
  /** Deploy the verified verifier (artifacts.VerifiedGroth16Verifier), generated from this setup. */
  verified?: { config: string; circuitHash: string; insecure: boolean; vkeySha256?: string; artifacts?: ArtifactsOrigin };
  /** sha256 of the setup's verification key, recorded in the deployment (see loadPoolBuild). */
  vkeySha256?: string;
  /** The exported artifacts the verifier came from, recorded in the deployment (see loadPoolBuildFromArtifacts). */
  artifactsOrigin?: ArtifactsOrigin;
  /** Told as each contract is deployed. */
  progress?: (message: string) => void;
}): Promise<Deployment> {
  const policy: PoolPolicy = { ...DEFAULT_POLICY, ...args.policy };
  checkPolicy(policy);
  const { signer, artifacts: a } = args;
  if (args.verified && !a.VerifiedGroth16Verifier) {
    throw new ZkMarginError("ARGUMENT", "no verified verifier was compiled in: compilePoolContracts(verifier, verifiedVerifier)", { path: "verified" });
  }
  if (policy.requireVerified && !args.verified) {
    throw new ZkMarginError(
      "ARGUMENT",
      "a pool that requires verified proofs needs a verified verifier (a verified configuration's setup, e.g. `zkmargin setup --config small-verified`)",
      { path: "policy.requireVerified" },
    );
  }
  const progress = args.progress ?? (() => {});
  const deployOne = async (name: string, c: CompiledContract, params: unknown[], what = name) => {
    progress(`deploying ${what}...`);
    const r = await deployContract(signer, name, c, params);
    progress(`deployed ${what} at ${r.address} (${r.gas} gas)`);
    return r;
  };
  const v = await deployOne("Groth16Verifier", a.Groth16Verifier, [], `the ${args.config} verifier`);
  const vv = args.verified ? await deployOne("Groth16Verifier", a.VerifiedGroth16Verifier!, [], `the ${args.verified.config} verifier`) : undefined;
  const r = await deployOne("RiskParamsRegistry", a.RiskParamsRegistry, [args.oracle, policy.gracePeriod]);
  const m = await deployOne("MarginAttestations", a.MarginAttestations, [
    v.address,
    vv?.address ?? ZeroAddress,
    r.address,
    policy.minHealthBps,
    policy.attestationTtl,
    policy.requireAttestor,
    policy.maxAttestorAge,
    policy.requireVerified,
  ]);
  const t = await deployOne("ExampleUSD", a.ExampleUSD, []);
  const p = await deployOne("ExamplePool", a.ExamplePool, [m.address, t.address, policy.borrowHealthBps, policy.maintenanceHealthBps]);
  const liquidity = args.liquidity ?? DEFAULT_POOL_LIQUIDITY;
  if (liquidity > 0n) {
    progress(`supplying ${formatTokenAmount(liquidity)} test tokens to the example pool...`);
    const token = new Contract(t.address, a.ExampleUSD.abi as never, signer);
    const pool = new Contract(p.address, a.ExamplePool.abi as never, signer);
    await (await token.getFunction("mint")(await signer.getAddress(), liquidity)).wait();
    await (await token.getFunction("approve")(p.address, liquidity)).wait();
    await (await pool.getFunction("deposit")(liquidity)).wait();
  }
  const network = await signer.provider!.getNetwork();
  const deployer = await signer.getAddress();
  return {
    chainId: Number(network.chainId),
    blockNumber: v.blockNumber,
    deployer,
    verifier: v.address,
    ...(args.verified && vv ? { verified: { verifier: vv.address, ...args.verified } } : {}),
    registry: r.address,
    attestations: m.address,
    pool: p.address,
    token: t.address,
    oracle: args.oracle,
    owner: deployer,
    config: args.config,
    circuitHash: args.circuitHash,
    ...(args.vkeySha256 ? { vkeySha256: args.vkeySha256 } : {}),
    ...(args.artifactsOrigin ? { artifacts: args.artifactsOrigin } : {}),
    insecure: args.insecure,
    policy,
    contracts: {
      verifier: deployed(v),
      ...(vv ? { verifiedVerifier: deployed(vv) } : {}),
      registry: deployed(r),
      attestations: deployed(m),
      pool: deployed(p),
      token: deployed(t),
    },
    gas: { verifier: v.gas, ...(vv ? { verifiedVerifier: vv.gas } : {}), registry: r.gas, attestations: m.gas, pool: p.gas, token: t.gas },
    deployedAt: new Date().toISOString(),
  };
}

export const registryAt = (d: Deployment, a: PoolArtifacts, runner: ContractRunner) =>
  new Contract(d.registry, a.RiskParamsRegistry.abi as never, runner);
export const attestationsAt = (d: Deployment, a: PoolArtifacts, runner: ContractRunner) =>
  new Contract(d.attestations, a.MarginAttestations.abi as never, runner);
export const poolAt = (d: Deployment, a: PoolArtifacts, runner: ContractRunner) => new Contract(d.pool, a.ExamplePool.abi as never, runner);
export function tokenAt(d: Deployment, a: PoolArtifacts, runner: ContractRunner): Contract {
  if (!d.token) {
    throw new ZkMarginError("FILE", "this deployment record has no pool token (it predates credit limits); run `zkmargin chain deploy` again", {
      path: "deployment.token",
    });
  }
  return new Contract(d.token, a.ExampleUSD.abi as never, runner);
}

/**
 * Refuse a policy the contracts would refuse (same bounds) before deploying; the error's path is
 * `policy.<field>`, or the name given in `names` (e.g. a CLI flag).
 */
export function checkPolicy(policy: PoolPolicy, names: Partial<Record<keyof PoolPolicy, string>> = {}): void {
  const path = (k: keyof PoolPolicy) => names[k] ?? `policy.${k}`;
  for (const [k, b] of Object.entries(POLICY_BOUNDS) as Array<[keyof typeof POLICY_BOUNDS, { min: number; max: number }]>) {
    const v = policy[k];
    if (!Number.isInteger(v) || v < b.min || v > b.max) {
      throw new ZkMarginError("OUT_OF_RANGE", `must be an integer from ${b.min} to ${b.max}, got ${v}`, { path: path(k), value: v, limit: `${b.min}..${b.max}` });
    }
  }
  if (!Number.isInteger(policy.maintenanceHealthBps) || policy.maintenanceHealthBps < 10000) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be an integer >= 10000, got ${policy.maintenanceHealthBps}`, {
      path: path("maintenanceHealthBps"),
      value: policy.maintenanceHealthBps,
      limit: ">= 10000",
    });
  }
  if (!Number.isInteger(policy.borrowHealthBps) || policy.borrowHealthBps < policy.maintenanceHealthBps) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be an integer >= the maintenance health ${policy.maintenanceHealthBps}, got ${policy.borrowHealthBps}`, {
      path: path("borrowHealthBps"),
      value: policy.borrowHealthBps,
      limit: `>= ${policy.maintenanceHealthBps}`,
    });
  }
}

// Posting parameters lives in registry.ts (re-exported here for the existing imports).
export { defaultValidUntil, postParams } from "./registry.js";

// Contexts, attestor signatures, submission and status live in attestations.ts (re-exported here).
export {
  deriveContext,
  contextFor,
  proofCalldata,
  attestorDomain,
  PORTFOLIO_TYPES,
  signPortfolioAttestation,
  submitAttestation,
  checkVerifiedSender,
  statusOf,
  type ProofCalldata,
  type AttestorSignature,
  type AttestationStatus,
} from "./attestations.js";

// ------------------------------------------------------------------ the example pool

/** USD cents as "12,345.67" (a bigint or decimal string). */
export function formatCents(cents: bigint | string): string {
  const c = BigInt(cents);
  const neg = c < 0n;
  const abs = neg ? -c : c;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${whole}.${(abs % 100n).toString().padStart(2, "0")}`;
}

/** Token base units as a decimal amount of whole tokens with at least 2 decimals: "2,500.00", "0.000001". */
export function formatTokenAmount(units: bigint | string, decimals = POOL_TOKEN_DECIMALS): string {
  const u = BigInt(units);
  const scale = 10n ** BigInt(decimals);
  const whole = (u / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let frac = (u % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${whole}.${frac}`;
}

/** A token amount given in whole tokens ("2500", "0.5") as base units; more decimals than the token has is an error. */
export function parseTokenAmount(text: string, decimals = POOL_TOKEN_DECIMALS, path = "amount"): bigint {
  const m = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(text);
  if (!m) throw new ZkMarginError("ARGUMENT", `must be a decimal amount of tokens such as 2500 or 0.5, got ${JSON.stringify(text)}`, { path, value: text });
  const frac = m[2] ?? "";
  if (frac.length > decimals) {
    throw new ZkMarginError("ARGUMENT", `has more than the token's ${decimals} decimals (never rounded)`, { path, value: text, limit: `${decimals} decimals` });
  }
  const units = BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  if (units === 0n) throw new ZkMarginError("ARGUMENT", "must be above 0", { path, value: text });
  return units;
}

/** An account's position at the example pool, amounts in token base units and USD cents. */
export interface PoolAccount {
  account: string;
  /** Debt in token base units (decimal string). */
  debt: string;
  /** Debt in USD cents, rounded up (1 token = 1.00 USD). */
  debtCents: string;
  /** The credit limit that counts for borrowing now (creditLimitOf at the pool's borrow health). */
  borrowLimitCents: string;
  /** The credit limit that counts against liquidation now (at the maintenance health). */
  maintenanceLimitCents: string;
  /** What the account can still borrow now, in cents (0 if none). */
  headroomCents: string;
  /** Total claims liquidators hold against the account (base units). */
  claims: string;
  liquidatable: boolean;
  /** The account's token balance (base units). */
  tokenBalance: string;
}

export async function poolAccountOf(pool: BaseContract, token: BaseContract, account: string): Promise<PoolAccount> {
  const call = async (name: string, ...args: unknown[]) => (await pool.getFunction(name)(...args)) as bigint;
  const attestations = new Contract(
    (await pool.getFunction("attestations")()) as string,
    ["function creditLimitOf(address,uint32) view returns (uint64)"],
    pool.runner,
  );
  const debt = await call("debtOf", account);
  const debtCents = await call("debtCents", debt);
  const borrowLimit = (await attestations.getFunction("creditLimitOf")(account, await call("borrowHealthBps"))) as bigint;
  const maintenanceLimit = (await attestations.getFunction("creditLimitOf")(account, await call("maintenanceHealthBps"))) as bigint;
  return {
    account,
    debt: debt.toString(),
    debtCents: debtCents.toString(),
    borrowLimitCents: borrowLimit.toString(),
    maintenanceLimitCents: maintenanceLimit.toString(),
    headroomCents: (borrowLimit > debtCents ? borrowLimit - debtCents : 0n).toString(),
    claims: (await call("claimsOf", account)).toString(),
    liquidatable: (await pool.getFunction("isLiquidatable")(account)) as boolean,
    tokenBalance: ((await token.getFunction("balanceOf")(account)) as bigint).toString(),
  };
}

async function sent(tx: Promise<{ wait(): Promise<unknown> }>) {
  const receipt = (await (await tx).wait()) as { gasUsed: bigint; hash: string };
  return { gasUsed: Number(receipt.gasUsed), txHash: receipt.hash };
}

/** Approve the pool for `amount` of the token if the current allowance is lower. */
async function ensureAllowance(token: BaseContract, owner: string, spender: string, amount: bigint): Promise<void> {
  const current = (await token.getFunction("allowance")(owner, spender)) as bigint;
  if (current < amount) await (await token.getFunction("approve")(spender, amount)).wait();
}

const signerAddress = async (c: BaseContract): Promise<string> => {
  const r = c.runner as Signer | null;
  if (!r || typeof (r as Signer).getAddress !== "function") throw new ZkMarginError("ARGUMENT", "the pool contract needs a signer", { path: "pool.runner" });
  return r.getAddress();
};

/** Borrow `amount` base units from the pool (signer = borrower). */
export async function borrowFromPool(pool: BaseContract, amount: bigint) {
  return sent(pool.getFunction("borrow")(amount));
}

/** Repay `amount` base units (default: the whole debt) of the signer's debt; approves the pool first if needed. */
export async function repayToPool(pool: BaseContract, token: BaseContract, amount?: bigint) {
  const who = await signerAddress(pool);
  const value = amount ?? ((await pool.getFunction("debtOf")(who)) as bigint);
  if (value === 0n) throw new ZkMarginError("ARGUMENT", `account ${who} has no debt to repay`, { path: "amount", value: "0" });
  await ensureAllowance(token, who, await pool.getAddress(), value);
  return { amount: value, ...(await sent(pool.getFunction("repay")(value))) };
}

/** Liquidate `account`: the signer repays its whole debt (approving the pool first) and takes over the claim. */
export async function liquidateAccount(pool: BaseContract, token: BaseContract, account: string) {
  const who = await signerAddress(pool);
  const debt = (await pool.getFunction("debtOf")(account)) as bigint;
  await ensureAllowance(token, who, await pool.getAddress(), debt);
  return { debt, ...(await sent(pool.getFunction("liquidate")(account))) };
}

const usd = (cents: unknown) => `${formatCents(cents as bigint)} USD`;
const tok = (units: unknown, decimals: number) => `${formatTokenAmount(units as bigint, decimals)} USD`;

const PLAIN: Record<string, (args: readonly unknown[], decimals: number) => string> = {
  RiskParamsRegistry__NotOwner: () => "only the registry's owner may do this",
  RiskParamsRegistry__NotOracle: () => "only the risk oracle may post parameters",
  RiskParamsRegistry__EpochNotIncreasing: ([e, l]) => `epoch ${e} is not above the latest posted epoch ${l}; epochs only increase`,
  RiskParamsRegistry__RootNotInField: ([r]) => `root ${r} is not a BN254 field element`,
  RiskParamsRegistry__RootAlreadyPosted: ([r]) => `root ${r} was already posted`,
  RiskParamsRegistry__BadValidity: ([a, v]) => `validity window ends at ${v}, which is not after asOf ${a} and now`,
  RiskParamsRegistry__GracePeriodTooLong: ([g, m]) => `a grace period of ${g} s is longer than the maximum ${m} s`,
  RiskParamsRegistry__UnknownEpoch: ([e]) => `epoch ${e} was never posted`,
  MarginAttestations__NotOwner: () => "only the attestation contract's owner may do this",
  MarginAttestations__SignalNotInField: ([i, v]) => `public signal ${i} (${v}) is not below the BN254 field modulus`,
  MarginAttestations__UnknownRoot: ([r]) => `paramsRoot 0x${BigInt(r as bigint).toString(16)} was never posted to the registry`,
  MarginAttestations__RootNotAcceptable: ([e]) =>
    `risk parameters of epoch ${e} are expired or superseded past their grace period; prove again under the current root`,
  MarginAttestations__HealthTooLow: ([h, m]) => `proven health ${h} bps is below the pool's minimum ${m} bps`,
  MarginAttestations__InvalidProof: () =>
    "the proof does not verify for this account: it was made for another context (account, nonce, chain or contract), " +
    "another health or credit limit, replayed, or altered",
  MarginAttestations__AttestorRequired: () => "this pool requires an attestor's signature over the portfolio commitment",
  MarginAttestations__VerifiedProofRequired: () =>
    "this pool accepts only verified proofs: prove from venue-signed holdings statements (`zkmargin prove --statement ... --account`) with a verified configuration",
  MarginAttestations__VerifiedProofsNotSupported: () =>
    "this deployment has no verifier for verified proofs (it was deployed without a verified setup); submit a self-declared proof or redeploy with one",
  MarginAttestations__InvalidAttestorSignature: () => "the attestor signature is malformed",
  MarginAttestations__AttestorNotApproved: ([a]) =>
    `signer ${a} is not an approved attestor (or the signature is over another account or commitment)`,
  MarginAttestations__AttestorSignatureStale: ([a, m]) => `attestor signature asOf ${a} is in the future or older than ${m} s`,
  MarginAttestations__MinHealthOutOfRange: ([v, lo, hi]) => `a minimum health of ${v} bps is outside ${lo}..${hi} bps`,
  MarginAttestations__TtlOutOfRange: ([v, lo, hi]) => `an attestation TTL of ${v} s is outside ${lo}..${hi} s`,
  MarginAttestations__AttestorAgeOutOfRange: ([v, lo, hi]) => `a maximum attestor signature age of ${v} s is outside ${lo}..${hi} s`,
  ExamplePool__NotHealthy: ([a, h]) => `account ${a} has no live attestation of at least ${h} bps right now`,
  ExamplePool__CreditLimitExceeded: ([, amount, debt, debtCents, limit], dec) =>
    `borrow of ${tok(amount, dec)} would bring debt to ${tok(debt, dec)}` +
    `${(debt as bigint) % 10n ** BigInt(Math.max(dec - 2, 0)) === 0n ? "" : ` (${usd(debtCents)} rounded up to the cent)`}, ` +
    `above the attested credit limit ${usd(limit)}`,
  ExamplePool__NotLiquidatable: ([a, debtCents, limit]) =>
    `account ${a} is not liquidatable: its debt ${usd(debtCents)} is within its live credit limit ${usd(limit)}`,
  ExamplePool__OutstandingClaims: ([a, c], dec) => `account ${a} owes ${tok(c, dec)} to liquidators (payClaim) and cannot borrow until it settles`,
  ExamplePool__InsufficientBalance: ([have, want], dec) => `${tok(want, dec)} requested, but only ${tok(have, dec)} is owed or deposited`,
  ExamplePool__InsufficientLiquidity: ([have, want], dec) => `the pool holds ${tok(have, dec)}, less than the ${tok(want, dec)} requested`,
  ExamplePool__ZeroAmount: () => "the amount must be above 0",
  ExamplePool__TransferFailed: () => "the token refused the transfer",
  ExampleUSD__InsufficientBalance: ([a, have, want], dec) => `account ${a} holds ${tok(have, dec)} of the pool token, less than the ${tok(want, dec)} needed`,
  ExampleUSD__InsufficientAllowance: ([sp, have, want], dec) =>
    `${sp} may move only ${tok(have, dec)} of the pool token, less than the ${tok(want, dec)} needed (approve it first)`,
  ExampleUSD__NotOwner: () => "only the token's owner may mint",
};

/** Every ABI our contracts' errors are declared in, for decodeContractError. */
export const poolErrorAbis = (a: PoolArtifacts): unknown[][] => [
  a.MarginAttestations.abi,
  a.RiskParamsRegistry.abi,
  a.ExamplePool.abi,
  a.ExampleUSD.abi,
];

/**
 * Decode a revert from our contracts into { name, args, message }; undefined if it is not one of
 * ours. Works with ethers errors (error.data / error.info.error.data / error.revert). Token amounts
 * are printed with `tokenDecimals` (default: the example pool token's 6), as USD (1 token = 1.00 USD).
 */
export function decodeContractError(
  e: unknown,
  abis: readonly (readonly unknown[])[],
  opts: { tokenDecimals?: number } = {},
): { name: string; args: unknown[]; message: string } | undefined {
  const data = findRevertData(e);
  if (!data) return undefined;
  for (const abi of abis) {
    try {
      const parsed = new Interface(abi as never).parseError(data);
      if (parsed) {
        const args = [...parsed.args];
        const plain = PLAIN[parsed.name]?.(args, opts.tokenDecimals ?? POOL_TOKEN_DECIMALS) ?? parsed.name;
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
