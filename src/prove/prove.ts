import { readFileSync } from "node:fs";
import { isVerifiedConfig, type CircuitConfig } from "../config/circuits.js";
import { ZkMarginError } from "../errors.js";
import type { ParamsTree } from "../params/tree.js";
import type { RiskParams } from "../params/types.js";
import type { Portfolio } from "../portfolio/parse.js";
import { type ProgressFn, silent } from "../util/progress.js";
import { proveCore, textProgress, type ProveResult } from "./core.js";
import type { StatementWitness } from "./verifiedWitness.js";
import { chooseFullProve, type NativeTimings, type ProverChoice } from "./native.js";
import type { Statement, StatementJson } from "../statements/types.js";

/** What proving needs from a setup: the wasm witness generator, the final zkey and its vkey. */
export interface ProvingArtifacts {
  circuitHash: string;
  /** A file path, or the file's bytes (loadArtifacts from a URL or buffers). */
  wasm: string | Uint8Array;
  zkey: string | Uint8Array;
  /** The verification key's file path, or the parsed key. */
  vkey: string | object;
  insecure: boolean;
  label: string;
}

// The proving itself is src/prove/core.ts (no Node built-ins; the browser entry uses it too).
export { ShortfallError, type ProveResult } from "./core.js";

/**
 * Prove that `portfolio` meets margin at `healthBps` with credit limit `creditLimitCents` (USD
 * cents, default 0) under `params`, bound to `context`:
 * 10000 * adjustedCollateral >= healthBps * (requirement + creditLimit).
 * Refuses (ShortfallError, with the engine's breakdown) before proving when the book fails.
 */
export async function proveMargin(args: {
  params: RiskParams;
  /** The book; in verified mode it is derived from the statements (give one or the other). */
  portfolio?: Portfolio;
  healthBps: number;
  creditLimitCents?: bigint;
  context: bigint;
  /**
   * Verified mode (a configuration with statementSlots): 1..V venue-signed holdings statements
   * (docs/statements.md) and the account they were signed for. The portfolio proven is their sum
   * (portfolioFromStatements), every statement verified first.
   */
  statements?: readonly (Statement | StatementJson)[];
  account?: string | bigint;
  config: CircuitConfig;
  artifacts: ProvingArtifacts;
  salt?: bigint;
  tree?: ParamsTree;
  progress?: ProgressFn;
  /**
   * Which Groth16 prover: `auto` (default) uses zkmargin's native prover when it built and snarkjs
   * otherwise; `native` requires it; `snarkjs` never uses it. Native proofs are verified against
   * the verification key before they are returned; the bundle records the prover.
   */
  prover?: ProverChoice;
  /** Notes a person should see (the prover fell back to snarkjs, and why); default: none. */
  warn?: (message: string) => void;
  /** Native prover only: threads (default: every core). */
  threads?: number;
  /** Native prover only: receives what the proof cost, phase by phase. */
  timings?: (t: NativeTimings) => void;
}): Promise<ProveResult> {
  const progress = args.progress ?? silent;
  const t0 = performance.now();
  const creditLimitCents = args.creditLimitCents ?? 0n;
  let portfolio: Portfolio;
  let verified: { account: bigint; statements: StatementWitness[] } | undefined;
  if (args.statements) {
    if (args.portfolio) throw new ZkMarginError("ARGUMENT", "give either a portfolio or venue statements, not both: a verified proof proves the statements' sum", { path: "portfolio" });
    if (!isVerifiedConfig(args.config)) {
      throw new ZkMarginError("ARGUMENT", `the "${args.config.name}" circuit is self-declared: venue statements need a verified configuration`, { path: "--config" });
    }
    const account = args.account === undefined ? undefined : typeof args.account === "bigint" ? `0x${args.account.toString(16).padStart(40, "0")}` : args.account;
    // Verified mode only (they load ethers, for addresses): not on a self-declared proof's path.
    const [{ portfolioFromStatements }, { statementWitnessOf }] = await Promise.all([import("../statements/portfolio.js"), import("./verifiedWitness.js")]);
    const fromStatements = portfolioFromStatements(args.statements, args.params, { account }); // capacity: buildVerifiedWitnessInput names the configuration that would take them
    portfolio = fromStatements.portfolio;
    verified = { account: BigInt(fromStatements.account), statements: fromStatements.statements.map((v) => statementWitnessOf(v.statement)) };
  } else {
    if (!args.portfolio) throw new ZkMarginError("ARGUMENT", "give a portfolio (or, in verified mode, venue statements)", { path: "portfolio" });
    if (isVerifiedConfig(args.config)) {
      throw new ZkMarginError("ARGUMENT", `the "${args.config.name}" circuit is verified-mode: give the venue statements the portfolio is made of`, { path: "statements" });
    }
    portfolio = args.portfolio;
  }
  const vkey = typeof args.artifacts.vkey === "string" ? (JSON.parse(readFileSync(args.artifacts.vkey, "utf8")) as unknown) : args.artifacts.vkey;
  return proveCore({
    params: args.params,
    portfolio,
    healthBps: args.healthBps,
    creditLimitCents,
    context: args.context,
    config: args.config,
    artifacts: { ...args.artifacts, vkey },
    verified,
    salt: args.salt,
    tree: args.tree,
    startedAt: t0,
    fullProve: chooseFullProve(args.prover ?? "auto", { warn: args.warn, threads: args.threads, timings: args.timings }).fullProve,
    onProgress: textProgress(progress, `proving (${args.config.name})`),
  });
}
