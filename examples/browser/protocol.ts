/**
 * Messages between the page (main.ts) and the prover's Web Worker (worker.ts). Type-only imports:
 * the page's own bundle carries no proving code.
 */
import type { CommitmentOpening, MarginReportJson, ParamsSummary, ProofBundle, ProveProgress, VerifyCheck } from "../../src/browser.js";

export interface ProveRequest {
  params: string;
  portfolio: string;
  healthBps: number;
  /** USD, at most 2 decimals ("" is 0). */
  creditLimit: string;
  /** The verifier's challenge (0x-hex or decimal). */
  context: string;
}

export type ToWorker =
  /** Fetch and check the proving artifacts under `base` (manifest.json and its files). */
  | { type: "load"; base: string }
  /** Parse risk parameters and describe them. */
  | { type: "params"; id: number; text: string }
  /** The engine's margin check of a book, no proof. */
  | { type: "check"; id: number; request: Omit<ProveRequest, "context"> }
  | { type: "prove"; request: ProveRequest };

export type { ParamsSummary };

export interface WorkerError {
  message: string;
  /** The input the error is about (a JSON path such as collateral.ETH, or healthBps, context). */
  path?: string;
  /** A book that falls short: the engine's breakdown. */
  report?: MarginReportJson;
}

export type FromWorker =
  | { type: "progress"; progress: ProveProgress }
  | { type: "loaded"; config: string; circuitHash: string; insecure: boolean; label: string; bytes: number }
  | { type: "params"; id: number; summary?: ParamsSummary; error?: WorkerError }
  | { type: "report"; id: number; report?: MarginReportJson; error?: WorkerError }
  | {
      type: "proved";
      bundle: ProofBundle;
      opening: CommitmentOpening;
      report: MarginReportJson;
      seconds: { witnessInput: number; prove: number; total: number };
      /** The bundle checked in the worker against the key, the parameters and the context. */
      verification: { valid: boolean; insecure: boolean; checks: VerifyCheck[]; warnings: string[] };
    }
  | { type: "error"; during: "load" | "prove"; error: WorkerError };
