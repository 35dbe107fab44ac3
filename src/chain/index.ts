/**
 * zkmargin/chain: the pool's on-chain side (`import { ... } from "zkmargin/chain"`), with ethers v6
 * (a peer dependency). Kept out of the main entry because it loads the heavy runtimes: solc (to
 * compile the contracts with a setup's generated verifier) and @nomicfoundation/edr (the embedded
 * in-process EVM and the local JSON-RPC node).
 */

import { useNodeRequire } from "../util/nodeRequire.js";

// The pool SDK: compile and deploy the contracts, post parameters, derive the proof context,
// submit attestations, read status, borrow/repay/liquidate on the example pool, decode reverts.
export {
  compilePoolContracts,
  compilePoolOnly,
  poolAbis,
  deployPool,
  registryAt,
  attestationsAt,
  poolAt,
  tokenAt,
  checkPolicy,
  deriveContext,
  contextFor,
  proofCalldata,
  attestorDomain,
  PORTFOLIO_TYPES,
  signPortfolioAttestation,
  submitAttestation,
  checkVerifiedSender,
  statusOf,
  poolAccountOf,
  borrowFromPool,
  repayToPool,
  liquidateAccount,
  decodeContractError,
  poolErrorAbis,
  formatCents,
  formatTokenAmount,
  parseTokenAmount,
  DEFAULT_POLICY,
  POLICY_BOUNDS,
  POOL_TOKEN_DECIMALS,
  DEFAULT_POOL_LIQUIDITY,
  VERIFIER_SOURCE,
  VERIFIED_VERIFIER_SOURCE,
  type CompiledContract,
  type PoolArtifacts,
  type PoolContracts,
  type ArtifactsOrigin,
  type PoolPolicy,
  type Deployment,
  type DeployedContract,
  type DeploymentRole,
  type VerifiedDeployment,
  type AttestorSignature,
  type AttestationStatus,
  type PoolAccount,
} from "./pool.js";

// The risk-parameter registry: post a root (with the URI its file can be fetched from, a ParamsUri
// event), read what was posted, and fetch the posted file back, refused unless its root is the posted one.
export {
  postParams,
  defaultValidUntil,
  setParamsUri,
  postedParams,
  fetchPostedParams,
  fetchLimited,
  checkParamsAgainstRoot,
  checkParamsUri,
  MAX_PARAMS_URI_LENGTH,
  DEFAULT_PARAMS_FETCH_TIMEOUT_MS,
  DEFAULT_PARAMS_MAX_BYTES,
  type PostedParams,
  type FetchedParams,
  type FetchLimits,
} from "./registry.js";

// Deployment records: check one against the chain it is used on (chain id, code at every address,
// the blocks its contracts were created in) before use; a stale one is a "STALE_DEPLOYMENT" error.
export { checkDeployment, deploymentAddresses, type CheckDeploymentOptions } from "./deployment.js";

// The contract artifacts the package ships (dist/abi: `zkmargin/abi`, `zkmargin/abi/<Name>.json`,
// `zkmargin/factories`), generated at build time; these make them (e.g. into another folder).
export {
  PUBLIC_CONTRACTS,
  abiExportName,
  buildAbiPackage,
  writeAbiPackage,
  renderAbiPackage,
  publicContractAbis,
  type PublicContract,
  type ContractAbi,
  type AbiPackage,
} from "./abi-package.js";

// The pool's contracts compiled for an existing setup (the self-declared configuration's verifier
// and, when set up, the matching verified configuration's), or for exported artifacts (`zkmargin
// export`: no local setup; each manifest's sha256 is recorded in the deployment).
export {
  loadPoolBuild,
  loadPoolBuildFromArtifacts,
  loadVerifierArtifacts,
  checkVerifierMatchesKey,
  expandArtifactSources,
  verifiedConfigFor,
  hasSetup,
  type PoolBuild,
  type VerifierArtifacts,
} from "./artifacts.js";

// The embedded chain (EDR, in-process): an EIP-1193 provider with dev accounts and an optional
// persisted state file, an ethers provider over it, dev wallets, and a local JSON-RPC node.
export {
  createEmbeddedChain,
  ethersProviderFor,
  devWallets,
  devAccounts,
  DEV_MNEMONIC,
  Eip1193JsonRpcProvider,
  ProviderRpcError,
  type EmbeddedChain,
  type EmbeddedChainOptions,
  type Eip1193Provider,
  type RequestArguments,
  type RpcParams,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type DevAccount,
  type DevAccountsOptions,
} from "./edr.js";
export { startRpcServer, type RpcServer, type RpcServerOptions } from "./node.js";

// Dependencies load on first use (src/util/lazyRequire.ts) on every Node version.
useNodeRequire();
