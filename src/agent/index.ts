/**
 * zkmargin/agent: the prover agent (docs/agent.md) as a library: `runAgent(config, { once, signal })`
 * keeps an account's margin attestation alive; `agentStatus(config)` reads its state and the
 * attestation's expiry. Uses ethers (a peer dependency) and a JSON-RPC node; loads neither solc nor
 * the embedded EVM.
 */
import { useNodeRequire } from "../util/nodeRequire.js";
export { runAgent, agentStatus, lapseSentence, Agent, type RunAgentOptions, type PassResult, type PassAction, type AgentStatus } from "./agent.js";
export {
  parseAgentConfig,
  loadAgentConfig,
  DEFAULT_RETRY,
  DEFAULT_DEV_CHAIN_IDS,
  type AgentConfig,
  type AgentMode,
  type KeyConfig,
  type RetryConfig,
  type ParamsSourceConfig,
  type StatementSourceConfig,
} from "./config.js";
export {
  fileParamsSource,
  urlParamsSource,
  fileStatementSource,
  venueStatementSource,
  checkParams,
  type ParamsSource,
  type ParamsRequest,
  type StatementSource,
  type StatementRequest,
  type VenueClient,
} from "./sources.js";
export { newMetrics, renderMetrics, serveMetrics, type AgentMetrics, type MetricsServer } from "./metrics.js";
export { readState, STATE_FILE, type AgentState, type Round, type RoundPhase, type RoundTx } from "./state.js";
export { jsonLineLogger, type Logger, type LogRecord, type LogLevel } from "./log.js";
export { AgentFault, backoffDelay, withRetry, type FailureKind } from "./retry.js";
export { loadAgentWallet } from "./key.js";

// Dependencies load on first use (src/util/lazyRequire.ts) on every Node version.
useNodeRequire();
