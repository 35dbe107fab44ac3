import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";
import type { CircuitConfig } from "../config/circuits.js";
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
  portfolio: Portfolio;
  healthBps: number;
  creditLimitCents?: bigint;
  context: bigint;
  config: CircuitConfig;
  artifacts: ProvingArtifacts;
  salt?: bigint;
  tree?: ParamsTree;
  progress?: ProgressFn;
}): Promise<ProveResult> {
  const progress = args.progress ?? silent;
  const t0 = performance.now();
  const creditLimitCents = args.creditLimitCents ?? 0n;
  const margin = computeMargin(args.params, args.portfolio, args.healthBps, creditLimitCents);
  if (!margin.ok) throw new ShortfallError(marginReportJson(margin, args.params));
  const tree = args.tree ?? buildParamsTree(args.params);
  const salt = args.salt ?? randomSalt();
  const w = buildWitnessInput({
    params: args.params,
    tree,
    portfolio: args.portfolio,
    healthBps: args.healthBps,
    creditLimitCents,
    context: args.context,
    salt,
    config: args.config,
  });
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
    portfolio: args.portfolio,
  });
  return { bundle, opening, margin, seconds: { witnessInput: (t1 - t0) / 1000, prove: (t2 - t1) / 1000, total: (t2 - t0) / 1000 } };
}
