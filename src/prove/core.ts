// snarkjs (and ffjavascript under it) loads when a proof is made, not with this module.
import type { CircuitConfig } from "../config/circuits.js";
import { FIELD_MODULUS } from "../config/limits.js";
import { computeMargin, type MarginResult } from "../engine/margin.js";
import { marginReportJson, type MarginReportJson } from "../engine/report.js";
import { ZkMarginError } from "../errors.js";
import { paramsTree, type ParamsTree } from "../params/tree.js";
import type { RiskParams } from "../params/types.js";
import type { Portfolio } from "../portfolio/parse.js";
import { toHex32 } from "../crypto/poseidon.js";
import { type CommitmentOpening, type Groth16Proof, type ProofBundle, vkeySha256 } from "./bundle.js";
import { randomSalt } from "./commitment.js";
import { makeOpening } from "./opening.js";
import { buildWitnessInput, type WitnessInput } from "./witness.js";
import { buildVerifiedWitnessInput, type StatementWitness } from "./verifiedWitness.js";

/**
 * The proving core, free of Node built-ins: it runs in Node (src/prove/prove.ts wraps it with file
 * paths) and in a browser or Web Worker (src/browser.ts). The verification key is an object, the
 * wasm witness generator and the zkey are a file path (Node), a URL (fetched by snarkjs) or their
 * bytes, and randomness (the commitment's salt, Groth16's blinding) comes from WebCrypto's
 * `globalThis.crypto.getRandomValues`.
 */

/** A proving artifact: a file path (Node), a URL snarkjs fetches (browser), or the file's bytes. */
export type ArtifactSource = string | Uint8Array;

/** What proving needs from a setup, with the verification key as an object. */
export interface CoreArtifacts {
  circuitHash: string;
  wasm: ArtifactSource;
  zkey: ArtifactSource;
  /** The verification key (snarkjs JSON); the bundle records its SHA-256. */
  vkey: unknown;
  insecure: boolean;
  label: string;
}

/** The portfolio does not pass at the requested health: nothing is proven. */
export class ShortfallError extends ZkMarginError {
  readonly report: MarginReportJson;
  constructor(report: MarginReportJson) {
    super(
      "SHORTFALL",
      `the portfolio does not pass at ${report.healthBps} bps: haircut-adjusted collateral ${report.adjustedCollateral} USD, ` +
        `requirement ${report.requirement} USD, shortfall ${report.excess.replace(/^-/, "")} USD at that health; no proof was made`,
      { path: "--health-bps", value: report.healthBps, limit: report.actualHealthBps === null ? undefined : `<= ${report.actualHealthBps}` },
    );
    this.report = report;
  }
}

/** What proveMargin returns: the public bundle, the private opening, the engine's result and timings. */
export interface ProveResult {
  bundle: ProofBundle;
  opening: CommitmentOpening;
  margin: MarginResult;
  seconds: { witnessInput: number; prove: number; total: number };
}

/** Where a proof is: each stage in order; "load" (fetching artifacts) is the browser entry's. */
export type ProveStage = "load" | "margin" | "witness" | "prove" | "done";

/** A progress event while proving. */
export interface ProveProgress {
  stage: ProveStage;
  /** One line for a person ("multiexp B2", "computing the witness"). */
  message: string;
  /** Rough share of the work done, 0..1 (from the relative cost of the steps, not a clock). */
  fraction: number;
}

/** A callback that receives proving progress events. */
export type ProveProgressFn = (event: ProveProgress) => void;

/** A Groth16 prover: witness and proof from the circuit's input (default: snarkjs, wasm witness). */
export type FullProveFn = (
  input: WitnessInput,
  artifacts: CoreArtifacts,
  onProgress: ProveProgressFn,
) => Promise<{ proof: Groth16Proof; publicSignals: string[]; prover?: "native" | "snarkjs" }>;

/**
 * snarkjs's groth16.prove announces its steps through a logger; each with the share of the work done
 * when it starts (measured on the small circuit; the others are alike, dominated by the multiexps).
 */
const PROVE_STEPS: readonly (readonly [RegExp, string, number])[] = [
  [/^Reading Wtns/, "reading the witness", 0.19],
  [/^Reading Coeffs/, "reading the coefficients", 0.19],
  [/^Building ABC/, "building A, B, C", 0.2],
  [/^IFFT_A/, "FFTs", 0.3],
  [/^Join ABC/, "joining A, B, C", 0.36],
  [/^Reading A Points/, "multiexp A", 0.37],
  [/^Reading B1 Points/, "multiexp B1", 0.44],
  [/^Reading B2 Points/, "multiexp B2 (G2)", 0.49],
  [/^Reading C Points/, "multiexp C", 0.72],
  [/^Reading H Points/, "multiexp H", 0.81],
];

const quietLogger = (on: (msg: string) => void) => ({
  debug: (m: unknown) => on(String(m)),
  info: (m: unknown) => on(String(m)),
  warn: () => {},
  error: () => {},
});

function requireWebCrypto(): void {
  if (typeof globalThis.crypto?.getRandomValues !== "function") {
    // snarkjs would fall back to Math.random for the proof's blinding: refuse instead.
    throw new Error("no WebCrypto (globalThis.crypto.getRandomValues): proving needs a cryptographic random source");
  }
}

/** The default prover: snarkjs's wasm witness calculator, then snarkjs's Groth16 prover. */
export const snarkjsFullProve: FullProveFn = async (input, artifacts, onProgress) => {
  onProgress({ stage: "witness", message: "computing the witness", fraction: 0.01 });
  const snarkjs = await import("snarkjs");
  const wtns = { type: "mem" } as { type: "mem"; data?: Uint8Array };
  await snarkjs.wtns.calculate(input, artifacts.wasm, wtns);
  onProgress({ stage: "prove", message: "loading the proving key", fraction: 0.07 });
  let next = 0;
  const logger = quietLogger((msg) => {
    for (let i = next; i < PROVE_STEPS.length; i++) {
      const [re, label, fraction] = PROVE_STEPS[i]!;
      if (re.test(msg)) {
        next = i + 1;
        onProgress({ stage: "prove", message: label, fraction });
        return;
      }
    }
  });
  return (await snarkjs.groth16.prove(artifacts.zkey, wtns, logger)) as { proof: Groth16Proof; publicSignals: string[] };
};

/**
 * Prove that `portfolio` meets margin at `healthBps` with credit limit `creditLimitCents` (USD
 * cents, default 0) under `params`, bound to `context`:
 * 10000 * adjustedCollateral >= healthBps * (requirement + creditLimit).
 * Refuses (ShortfallError, with the engine's breakdown) before proving when the book fails.
 * Verified mode takes the statements already checked and summed into `portfolio` (prove.ts does that).
 */
export async function proveCore(args: {
  params: RiskParams;
  portfolio: Portfolio;
  healthBps: number;
  creditLimitCents?: bigint;
  context: bigint;
  config: CircuitConfig;
  artifacts: CoreArtifacts;
  /** Verified mode: the account and the statements the portfolio is the sum of. */
  verified?: { account: bigint; statements: StatementWitness[] };
  salt?: bigint;
  tree?: ParamsTree;
  onProgress?: ProveProgressFn;
  /** Another prover (same input, same proof); default snarkjs. */
  fullProve?: FullProveFn;
  /** performance.now() when the caller's work began (seconds.witnessInput and total count from it). */
  startedAt?: number;
}): Promise<ProveResult> {
  const onProgress = args.onProgress ?? (() => {});
  const t0 = args.startedAt ?? performance.now();
  requireWebCrypto();
  const creditLimitCents = args.creditLimitCents ?? 0n;
  onProgress({ stage: "margin", message: "checking the margin", fraction: 0 });
  const margin = computeMargin(args.params, args.portfolio, args.healthBps, creditLimitCents);
  if (!margin.ok) throw new ShortfallError(marginReportJson(margin, args.params));
  const tree = args.tree ?? paramsTree(args.params);
  const salt = args.salt ?? randomSalt();
  const base = {
    params: args.params,
    tree,
    portfolio: args.portfolio,
    healthBps: args.healthBps,
    creditLimitCents,
    context: args.context,
    salt,
    config: args.config,
  };
  const w = args.verified ? buildVerifiedWitnessInput({ ...base, ...args.verified }) : buildWitnessInput(base);
  const t1 = performance.now();
  const { proof, publicSignals, prover } = await (args.fullProve ?? snarkjsFullProve)(w.input, args.artifacts, onProgress);
  const t2 = performance.now();
  const expected = w.publicSignals.map(String);
  if (JSON.stringify(publicSignals) !== JSON.stringify(expected)) {
    throw new Error(`the circuit's public signals ${JSON.stringify(publicSignals)} differ from the SDK's ${JSON.stringify(expected)}`);
  }
  const account = args.verified ? `0x${args.verified.account.toString(16).padStart(40, "0")}` : undefined;
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
    ...(account ? { account } : {}),
    publicSignals,
    proof: { pi_a: proof.pi_a, pi_b: proof.pi_b, pi_c: proof.pi_c, protocol: "groth16", curve: "bn128" },
    setup: { insecure: args.artifacts.insecure, label: args.artifacts.label, vkeySha256: vkeySha256(args.artifacts.vkey) },
    prover: prover ?? "snarkjs",
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
  onProgress({ stage: "done", message: "proved", fraction: 1 });
  return { bundle, opening, margin, seconds: { witnessInput: (t1 - t0) / 1000, prove: (t2 - t1) / 1000, total: (t2 - t0) / 1000 } };
}

/**
 * Progress events as text lines (the CLI's terminal progress): `label...` when proving starts, one
 * indented line per step, and `label: done in N s`. Nothing before proving (a book that falls short
 * prints no proving line).
 */
export function textProgress(progress: (message: string) => void, label: string): ProveProgressFn {
  let start: number | undefined;
  return (e) => {
    if (e.stage === "margin" || e.stage === "load") return;
    if (start === undefined) {
      start = Date.now();
      progress(`${label}...`);
    }
    if (e.stage === "done") progress(`${label}: done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    else progress(`  ${label}: ${e.message}`);
  };
}

/** A context (the verifier's challenge or the on-chain binding): 0x-hex or decimal, below the field modulus. */
export function parseContextValue(v: string | bigint, path = "context"): bigint {
  let x: bigint;
  if (typeof v === "bigint") x = v;
  else if (/^0x[0-9a-fA-F]{1,64}$/.test(v) || /^(0|[1-9][0-9]{0,77})$/.test(v)) x = BigInt(v);
  else throw new ZkMarginError("ARGUMENT", `must be a 0x-prefixed hex number or a decimal integer, got ${JSON.stringify(v)}`, { path, value: v });
  if (x < 0n || x >= FIELD_MODULUS) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be below the BN254 field modulus p = ${FIELD_MODULUS} (reduce it mod p)`, {
      path,
      value: String(v),
      limit: "< p",
    });
  }
  return x;
}

/** A fresh random context (a verifier's challenge): 31 random bytes, so always below the field modulus. */
export function randomContext(): string {
  requireWebCrypto();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(31));
  return toHex32(bytes.reduce((x, b) => (x << 8n) | BigInt(b), 0n));
}
