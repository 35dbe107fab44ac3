import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import { isVerifiedConfig, type CircuitConfig } from "../config/circuits.js";
import { computeMargin, type MarginResult } from "../engine/margin.js";
import { marginReportJson, type MarginReportJson } from "../engine/report.js";
import { ZkMarginError } from "../errors.js";
import { buildParamsTree, type ParamsTree } from "../params/tree.js";
import type { RiskParams } from "../params/types.js";
import type { Portfolio } from "../portfolio/parse.js";
import { type ProgressFn, silent, timed } from "../util/progress.js";
import { toHex32 } from "../crypto/poseidon.js";
import { type CommitmentOpening, type Groth16Proof, type ProofBundle, vkeySha256 } from "./bundle.js";
import { randomSalt } from "./commitment.js";
import { makeOpening } from "./opening.js";
import { buildWitnessInput } from "./witness.js";
import { buildVerifiedWitnessInput, statementWitnessOf, type StatementWitness } from "./verifiedWitness.js";
import { portfolioFromStatements } from "../statements/portfolio.js";
import type { Statement, StatementJson } from "../statements/types.js";

/** What proving needs from a setup: the wasm witness generator, the final zkey and its vkey. */
export interface ProvingArtifacts {
  circuitHash: string;
  wasm: string;
  zkey: string;
  vkey: string;
  insecure: boolean;
  label: string;
}

/** The portfolio does not pass at the requested health: nothing is proven. */
export class ShortfallError extends ZkMarginError {
  readonly report: MarginReportJson;
  constructor(report: MarginReportJson) {
    super(
      "OUT_OF_RANGE",
      `the portfolio does not pass at ${report.healthBps} bps: haircut-adjusted collateral ${report.adjustedCollateral} USD, ` +
        `requirement ${report.requirement} USD, shortfall ${report.excess.replace(/^-/, "")} USD at that health; no proof was made`,
      { path: "--health-bps", value: report.healthBps, limit: report.actualHealthBps === null ? undefined : `<= ${report.actualHealthBps}` },
    );
    this.report = report;
  }
}

export interface ProveResult {
  bundle: ProofBundle;
  opening: CommitmentOpening;
  margin: MarginResult;
  seconds: { witnessInput: number; prove: number; total: number };
}

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
    const fromStatements = portfolioFromStatements(args.statements, args.params, { account, maxStatements: args.config.statementSlots });
    portfolio = fromStatements.portfolio;
    verified = { account: BigInt(fromStatements.account), statements: fromStatements.statements.map((v) => statementWitnessOf(v.statement)) };
  } else {
    if (!args.portfolio) throw new ZkMarginError("ARGUMENT", "give a portfolio (or, in verified mode, venue statements)", { path: "portfolio" });
    if (isVerifiedConfig(args.config)) {
      throw new ZkMarginError("ARGUMENT", `the "${args.config.name}" circuit is verified-mode: give the venue statements the portfolio is made of`, { path: "statements" });
    }
    portfolio = args.portfolio;
  }
  const margin = computeMargin(args.params, portfolio, args.healthBps, creditLimitCents);
  if (!margin.ok) throw new ShortfallError(marginReportJson(margin, args.params));
  const tree = args.tree ?? buildParamsTree(args.params);
  const salt = args.salt ?? randomSalt();
  const base = {
    params: args.params,
    tree,
    portfolio,
    healthBps: args.healthBps,
    creditLimitCents,
    context: args.context,
    salt,
    config: args.config,
  };
  const w = verified ? buildVerifiedWitnessInput({ ...base, ...verified }) : buildWitnessInput(base);
  const t1 = performance.now();
  const { proof, publicSignals } = (await timed(progress, `proving (${args.config.name})`, () =>
    snarkjs.groth16.fullProve(w.input, args.artifacts.wasm, args.artifacts.zkey),
  )) as { proof: Groth16Proof; publicSignals: string[] };
  const t2 = performance.now();
  const expected = w.publicSignals.map(String);
  if (JSON.stringify(publicSignals) !== JSON.stringify(expected)) {
    throw new Error(`the circuit's public signals ${JSON.stringify(publicSignals)} differ from the SDK's ${JSON.stringify(expected)}`);
  }
  const vkey = JSON.parse(readFileSync(args.artifacts.vkey, "utf8")) as unknown;
  const bundle: ProofBundle = {
    zkmargin: 2,
    protocol: "groth16",
    curve: "bn128",
    config: args.config.name,
    circuitHash: args.artifacts.circuitHash,
    paramsRoot: toHex32(tree.paramsRoot),
    epoch: Number(args.params.epoch),
    healthBps: args.healthBps,
    creditLimitCents: creditLimitCents.toString(),
    context: toHex32(args.context),
    commitment: toHex32(w.commitment),
    ...(verified ? { account: `0x${verified.account.toString(16).padStart(40, "0")}` } : {}),
    publicSignals,
    proof: { pi_a: proof.pi_a, pi_b: proof.pi_b, pi_c: proof.pi_c, protocol: "groth16", curve: "bn128" },
    setup: { insecure: args.artifacts.insecure, label: args.artifacts.label, vkeySha256: vkeySha256(vkey) },
    createdAt: new Date().toISOString(),
  };
  const opening: CommitmentOpening = makeOpening({
    config: args.config,
    paramsRoot: tree.paramsRoot,
    epoch: args.params.epoch,
    commitment: w.commitment,
    salt,
    portfolio,
  });
  return { bundle, opening, margin, seconds: { witnessInput: (t1 - t0) / 1000, prove: (t2 - t1) / 1000, total: (t2 - t0) / 1000 } };
}
