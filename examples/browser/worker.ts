/**
 * The prover, in a module Web Worker: the page posts requests (protocol.ts) and gets progress and
 * results back, so proving never blocks the page. Everything stays in this worker and the page: the
 * only network requests are the artifacts' static files, fetched once from the page's own origin.
 */
import {
  checkMargin,
  describeParams,
  fetchArtifacts,
  isZkMarginError,
  prove,
  ShortfallError,
  verify,
  type LoadedArtifacts,
} from "../../src/browser.js";
import type { FromWorker, ToWorker, WorkerError } from "./protocol.js";

// The worker's global scope, typed with what is used here (the page's tsconfig has the DOM library).
const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const post = (m: FromWorker) => scope.postMessage(m);

let artifacts: Promise<LoadedArtifacts<Uint8Array>> | undefined;

function asError(e: unknown): WorkerError {
  if (e instanceof ShortfallError) return { message: e.message, path: e.path, report: e.report };
  if (isZkMarginError(e)) return { message: e.message, ...(e.path ? { path: e.path } : {}) };
  return { message: e instanceof Error ? e.message : String(e) };
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case "load": {
      artifacts = fetchArtifacts(new URL(m.base, self.location.href), { onProgress: (progress) => post({ type: "progress", progress }) });
      try {
        const a = await artifacts;
        post({
          type: "loaded",
          config: a.config.name,
          circuitHash: a.circuitHash,
          insecure: a.insecure,
          label: a.label,
          bytes: a.wasm.length + a.zkey.length,
        });
      } catch (e) {
        artifacts = undefined;
        post({ type: "error", during: "load", error: asError(e) });
      }
      return;
    }
    case "params":
      try {
        post({ type: "params", id: m.id, summary: describeParams(m.text) });
      } catch (e) {
        post({ type: "params", id: m.id, error: asError(e) });
      }
      return;
    case "check":
      try {
        post({ type: "report", id: m.id, report: checkMargin(m.request) });
      } catch (e) {
        post({ type: "report", id: m.id, error: asError(e) });
      }
      return;
    case "prove": {
      try {
        if (!artifacts) throw new Error("the proving artifacts are not loaded");
        const a = await artifacts;
        const r = await prove({ ...m.request, artifacts: a, onProgress: (progress) => post({ type: "progress", progress }) });
        // Check the bundle as a verifier would, here in the page: key, parameters, challenge.
        const v = await verify(r.bundle, a.vkeyJson, { params: m.request.params, context: m.request.context, minHealthBps: m.request.healthBps });
        post({
          type: "proved",
          bundle: r.bundle,
          opening: r.opening,
          report: r.report,
          seconds: r.seconds,
          verification: { valid: v.valid, insecure: v.insecure, checks: v.checks, warnings: v.warnings },
        });
      } catch (e) {
        post({ type: "error", during: "prove", error: asError(e) });
      }
      return;
    }
  }
}

// Requests run as they come: checks answer at once, even while the artifacts download or a proof
// runs (the page allows one proof at a time).
scope.onmessage = (event) => {
  void handle(event.data);
};
