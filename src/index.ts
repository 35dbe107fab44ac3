/**
 * zkmargin: the SDK's front door (`import { ... } from "zkmargin"`).
 *
 * Plain functions and plain data, grouped by task: risk parameters and portfolios, the margin
 * engine, circuit configurations, the trusted setup, proving and verifying, venue statements, and
 * errors. The chain runtime (the embedded EVM, solc, the pool's contracts) is not exported here:
 * it lives behind the subpath `zkmargin/chain` (src/chain/index.ts), so a prover or verifier that
 * imports this module never loads @nomicfoundation/edr or solc (test/index.test.ts checks the
 * import graph).
 */

import { useNodeRequire } from "./util/nodeRequire.js";

// Risk parameters and portfolios: parse and check the JSON a pool publishes and a prover holds,
// build the Poseidon parameters tree (its root is `paramsRoot`), and build risk arrays from market data.
export { parseRiskParams, riskParamsToJson, groupInstruments } from "./params/parse.js";
export { buildParamsTree, computeParamsRoot, rootFromOpening, type ParamsTree, type MerkleOpening, type OpeningLevel } from "./params/tree.js";
export { riskParamsSchema, portfolioSchema } from "./params/schema.js";
export type { RiskParams, AssetParams, HaircutTier, GroupParams, InstrumentParams, InstrumentKind, VenueParams } from "./params/types.js";
export { parsePortfolio, portfolioToJson, type Portfolio, type CollateralHolding, type PositionHolding } from "./portfolio/parse.js";
export {
  buildRiskParams,
  formatGreeksReport,
  type MarketFile,
  type RiskParamsJson,
  type GreeksReport,
} from "./market/build.js";
export { parseJsonStrict, readJsonFile } from "./util/json.js";

// The engine: the exact reference margin computation, its JSON and text reports, and the checks
// of health (basis points) and credit limit (USD cents) the CLI applies to its flags.
export {
  computeMargin,
  checkHealthBps,
  parseCreditLimit,
  checkCreditLimitCents,
  formatCreditLimit,
  type MarginResult,
  type GroupBreakdown,
  type CollateralBreakdown,
  type PositionBreakdown,
  type TierBreakdown,
} from "./engine/margin.js";
export { marginReportJson, formatMarginReport, actualHealthBps, type MarginReportJson, type GroupReportJson } from "./engine/report.js";
export { MIN_HEALTH_BPS, MAX_HEALTH_BPS, CREDIT_LIMIT_CENTS_LIMIT, FIELD_MODULUS } from "./config/limits.js";

// Circuit configurations: slots, tree depth and statement slots as data; pick the smallest that fits a book.
export {
  CONFIGS,
  VERIFIED_CONFIGS,
  getConfig,
  smallestConfigFor,
  fitsConfig,
  isVerifiedConfig,
  type CircuitConfig,
  type SlotNeeds,
} from "./config/circuits.js";

// Setup: compile the circuit and run (or reuse) its Groth16 setup (the dev one is INSECURE), find an
// existing setup, and turn it into what proveMargin needs. releaseCurve ends snarkjs's worker threads.
export {
  setupCircuit,
  findSetup,
  provingArtifacts,
  releaseCurve,
  type SetupArtifacts,
  type SetupRecord,
  type SetupOptions,
} from "../setup/groth16.js";
export type { ProgressFn } from "./util/progress.js";

// Proving and verifying: prove a book privately (a proof bundle plus the private commitment
// opening), check a bundle against a verification key and the verifier's own requirements, and
// check an opening against a bundle's commitment.
export { proveMargin, type ProveResult, type ProvingArtifacts } from "./prove/prove.js";
export { verifyMargin, parseBundle, type VerifyResult, type VerifyCheck, type VerifyStatus, type VerifyOptions } from "./prove/verify.js";
export {
  packTerms,
  unpackTerms,
  vkeySha256,
  type ProofBundle,
  type Groth16Proof,
  type CommitmentOpening,
} from "./prove/bundle.js";
export { commitPortfolio, randomSalt } from "./prove/commitment.js";
export { checkOpening, makeOpening, type CheckedOpening } from "./prove/opening.js";
export { isDevKey, checkDevKey, type DevKeyCheck } from "./prove/devKey.js";

// Exported artifacts: write a setup's wasm, zkey, verification key and Solidity verifier with a
// manifest (config, circuit hash, sha256 of each file, INSECURE) to a folder, and load them from a
// folder, a URL or bytes (every sha256 checked) for proveMargin / verifyMargin without a local setup.
export {
  exportArtifacts,
  loadArtifacts,
  loadArtifactsFromFolder,
  loadArtifactsFromUrl,
  loadArtifactsFromBuffers,
  verificationKeyFor,
  ARTIFACT_FILES,
  type ArtifactsManifest,
  type ArtifactBuffers,
  type LoadedArtifacts,
  type LoadOptions,
  type ExportResult,
  type VerificationKeyChoice,
} from "./prove/artifacts.js";
export { cacheDir } from "./circuit/paths.js";

// Venue statements (verified mode): keys, signing, verification, and summing statements into a
// portfolio. Everything src/statements/index.ts exports (its own front door).
export * from "./statements/index.js";

// The venue statement service (docs/venue-api.md): a venue serves each account its own fresh, signed
// holdings statement over HTTP (EIP-712-signed requests, answers encrypted to the requester), and the
// client an account asks with. Everything src/venue/index.ts exports.
export * from "./venue/index.js";

// Errors: every error a user can cause is a ZkMarginError with a stable `code`, the `path` (JSON
// path or flag), the offending `value` and the `limit`; StatementError adds the statement `rule`
// (exported with the statements above); ShortfallError carries the engine's report.
export { ZkMarginError, isZkMarginError, type ErrorCode } from "./errors.js";
export { ShortfallError } from "./prove/prove.js";

// Dependencies load on first use (src/util/lazyRequire.ts) on every Node version.
useNodeRequire();
