/**
 * zkmargin/browser: prove and verify margin in a browser page or a Web Worker.
 *
 * Everything here runs without Node built-ins (test/browser/bundle.test.ts bundles this entry for the
 * browser and fails on any): randomness from WebCrypto, the proving artifacts fetched from a URL
 * (or given as bytes) and checked against their manifest, the verification key as an object. Nothing
 * is sent anywhere: the only network access is fetching the artifacts. Run `prove` in a Web Worker
 * (examples/browser/worker.ts) so the page stays responsive; proving the small circuit takes a few
 * seconds, the standard one about half a minute.
 *
 *   const artifacts = await fetchArtifacts(new URL("artifacts/small/", location.href), { onProgress });
 *   const { bundle, opening, report } = await prove({ params, portfolio, healthBps: 12500, context, artifacts, onProgress });
 *   const { valid } = await verify(bundle, artifacts.vkeyJson, { params, context });
 *
 * Bundlers pick snarkjs's browser build through its package.json "browser" condition.
 */
import { provideBrowserModules } from "./util/browserModules.js";
import { getConfig, type CircuitConfig } from "./config/circuits.js";
import { computeMargin, parseCreditLimit, checkCreditLimitCents, checkHealthBps } from "./engine/margin.js";
import { marginReportJson, type MarginReportJson } from "./engine/report.js";
import { ZkMarginError } from "./errors.js";
import { parseRiskParams } from "./params/parse.js";
import { paramsTree } from "./params/tree.js";
import type { RiskParams } from "./params/types.js";
import { parsePortfolio, type Portfolio } from "./portfolio/parse.js";
import { toHex32 } from "./crypto/poseidon.js";
import { parseJsonStrict } from "./util/strictJson.js";
import type { CommitmentOpening, ProofBundle } from "./prove/bundle.js";
import { type LoadedArtifacts, loadArtifactsFromUrl } from "./prove/artifactsCore.js";
import { parseContextValue, proveCore, type ProveProgressFn } from "./prove/core.js";
import { parseBundle, verifyMargin, type VerifyResult } from "./prove/verify.js";

export { ZkMarginError, isZkMarginError } from "./errors.js";
export { parseJsonStrict } from "./util/strictJson.js";
export { parseRiskParams } from "./params/parse.js";
export { buildParamsTree, computeParamsRoot } from "./params/tree.js";
export type { RiskParams } from "./params/types.js";
export { parsePortfolio, type Portfolio } from "./portfolio/parse.js";
export { computeMargin, parseCreditLimit, formatCreditLimit, checkHealthBps, type MarginResult } from "./engine/margin.js";
export { marginReportJson, formatMarginReport, type MarginReportJson, type GroupReportJson } from "./engine/report.js";
export { CONFIGS, getConfig, smallestConfigFor, type CircuitConfig } from "./config/circuits.js";
export { ShortfallError, parseContextValue, randomContext, type ProveStage, type ProveProgress, type ProveProgressFn } from "./prove/core.js";
export { parseBundle, verifyMargin, type VerifyResult, type VerifyCheck, type VerifyOptions } from "./prove/verify.js";
export { checkOpening, type CheckedOpening } from "./prove/opening.js";
export { isDevKey } from "./prove/devKey.js";
export type { ProofBundle, CommitmentOpening, Groth16Proof } from "./prove/bundle.js";
export {
  loadArtifactsFromUrl,
  loadArtifactsFromBuffers,
  parseManifest,
  ARTIFACT_FILES,
  MANIFEST_FILE,
  type LoadedArtifacts,
  type ArtifactsManifest,
  type ArtifactBuffers,
} from "./prove/artifactsCore.js";

/** JSON text (parsed strictly: a key given twice is an error) or an already-parsed JSON value. */
export type JsonInput = string | object;

function json(input: JsonInput, what: string): unknown {
  return typeof input === "string" ? parseJsonStrict(input, what) : input;
}

function riskParams(input: JsonInput | RiskParams): RiskParams {
  return isParsedParams(input) ? input : parseRiskParams(json(input, "the risk parameters"));
}

function isParsedParams(x: unknown): x is RiskParams {
  // parseRiskParams's output has bigints (epoch); JSON never does.
  return typeof x === "object" && x !== null && typeof (x as { epoch?: unknown }).epoch === "bigint";
}

function creditCents(v: string | bigint | undefined): bigint {
  if (v === undefined) return 0n;
  return typeof v === "bigint" ? checkCreditLimitCents(v, "creditLimit") : parseCreditLimit(v.trim() === "" ? "0" : v.trim(), "creditLimit");
}

/**
 * Fetch a configuration's proving artifacts from `base` (the folder holding manifest.json,
 * main.wasm, final.zkey and verification_key.json, as `zkmargin export` writes it), reporting the
 * bytes received as "load" progress, and check every file against the manifest's sha256.
 */
export async function fetchArtifacts(
  base: string | URL,
  opts: { onProgress?: ProveProgressFn; fetch?: typeof fetch } = {},
): Promise<LoadedArtifacts<Uint8Array>> {
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const onProgress = opts.onProgress;
  if (!onProgress) return loadArtifactsFromUrl(base, fetchFn);
  const loaded = new Map<string, { got: number; total: number }>();
  const report = (file: string) => {
    let got = 0;
    let total = 0;
    for (const v of loaded.values()) {
      got += v.got;
      total += v.total;
    }
    const mb = (n: number) => (n / 1e6).toFixed(1);
    onProgress({ stage: "load", message: `downloading ${file} (${mb(got)} of ${mb(total)} MB)`, fraction: total > 0 ? Math.min(1, got / total) : 0 });
  };
  const counting: typeof fetch = async (input, init) => {
    const res = await fetchFn(input, init);
    const total = Number(res.headers.get("content-length") ?? 0);
    if (!res.ok || !res.body || !total) return res;
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const file = url.slice(url.lastIndexOf("/") + 1);
    const entry = { got: 0, total };
    loaded.set(url, entry);
    const reader = res.body.getReader();
    const data: Uint8Array<ArrayBuffer> = new Uint8Array(total);
    let chunks: Uint8Array[] | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!chunks && entry.got + value.length <= total) data.set(value, entry.got);
      else (chunks ??= [data.subarray(0, entry.got)]).push(value);
      entry.got += value.length;
      report(file);
    }
    const body = chunks ? concat(chunks) : entry.got === total ? data : data.subarray(0, entry.got);
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  const artifacts = await loadArtifactsFromUrl(base, counting);
  onProgress({ stage: "load", message: `loaded the ${artifacts.config.name} circuit's artifacts`, fraction: 1 });
  return artifacts;
}

function concat(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Proving artifacts as `prove` takes them: as fetchArtifacts returns them, or given piece by piece. */
export type BrowserArtifacts =
  | LoadedArtifacts<Uint8Array>
  | {
      config: CircuitConfig | string;
      circuitHash: string;
      /** The witness generator's bytes, or a URL snarkjs fetches. */
      wasm: Uint8Array | string;
      /** The proving key's bytes, or a URL snarkjs fetches. */
      zkey: Uint8Array | string;
      /** The verification key (snarkjs JSON object). */
      vkeyJson: unknown;
      insecure: boolean;
      label: string;
    };

/** What the browser entry's `prove` returns: the public bundle, the private opening, the engine's report, timings. */
export interface BrowserProveResult {
  /** The proof bundle: public; give it to the verifier. */
  bundle: ProofBundle;
  /** The commitment's opening (salt and holdings): PRIVATE, for an attestor or auditor only. */
  opening: CommitmentOpening;
  /** The engine's margin breakdown of the book proven. */
  report: MarginReportJson;
  seconds: { witnessInput: number; prove: number; total: number };
}

/**
 * Prove that a portfolio meets margin: `healthBps` (10000 = 1.0x) over the requirement plus
 * `creditLimit` (USD, at most 2 decimals, or cents as a bigint), under the risk parameters, bound to
 * the verifier's `context`. The book is checked with the engine first: one that falls short throws
 * ShortfallError (its `report` has the breakdown) and nothing is proven. Self-declared mode (venue
 * statements are proven with the Node SDK).
 */
export async function prove(args: {
  params: JsonInput | RiskParams;
  portfolio: JsonInput | Portfolio;
  healthBps: number;
  creditLimit?: string | bigint;
  context: string | bigint;
  artifacts: BrowserArtifacts;
  onProgress?: ProveProgressFn;
}): Promise<BrowserProveResult> {
  const t0 = performance.now();
  const params = riskParams(args.params);
  const portfolio = isParsedPortfolio(args.portfolio) ? args.portfolio : parsePortfolio(json(args.portfolio, "the portfolio"), params);
  const healthBps = checkHealthBps(args.healthBps, "healthBps");
  const creditLimitCents = creditCents(args.creditLimit);
  const context = parseContextValue(args.context, "context");
  const a = args.artifacts;
  const config = typeof a.config === "string" ? getConfig(a.config) : a.config;
  if ((config.statementSlots ?? 0) > 0) {
    throw new ZkMarginError("ARGUMENT", `the "${config.name}" circuit is verified-mode (venue statements): prove it with the Node SDK`, { path: "config" });
  }
  const r = await proveCore({
    params,
    portfolio,
    healthBps,
    creditLimitCents,
    context,
    config,
    artifacts: { circuitHash: a.circuitHash, wasm: a.wasm, zkey: a.zkey, vkey: a.vkeyJson, insecure: a.insecure, label: a.label },
    onProgress: args.onProgress,
    startedAt: t0,
  });
  return { bundle: r.bundle, opening: r.opening, report: marginReportJson(r.margin, params), seconds: r.seconds };
}

function isParsedPortfolio(x: unknown): x is Portfolio {
  const c = (x as { collateral?: unknown } | null)?.collateral;
  return Array.isArray(c);
}

/**
 * The engine's margin check, without a proof: the breakdown `prove` would refuse or prove (fast;
 * use it to show the numbers as the user edits).
 */
export function checkMargin(args: {
  params: JsonInput | RiskParams;
  portfolio: JsonInput | Portfolio;
  healthBps: number;
  creditLimit?: string | bigint;
}): MarginReportJson {
  const params = riskParams(args.params);
  const portfolio = isParsedPortfolio(args.portfolio) ? args.portfolio : parsePortfolio(json(args.portfolio, "the portfolio"), params);
  const healthBps = checkHealthBps(args.healthBps, "healthBps");
  return marginReportJson(computeMargin(params, portfolio, healthBps, creditCents(args.creditLimit)), params);
}

/** What a page shows about loaded risk parameters: the root a verifier compares, epoch, and contents. */
export interface ParamsSummary {
  paramsRoot: string;
  epoch: number;
  asOf: string;
  assets: string[];
  groups: { symbol: string; instruments: number }[];
  venues: number;
}

/** A summary of risk parameters for a page (describeParams). */
export function describeParams(input: JsonInput | RiskParams): ParamsSummary {
  const params = riskParams(input);
  return {
    paramsRoot: toHex32(paramsTree(params).paramsRoot), // cached: proving under them next reuses the tree
    epoch: Number(params.epoch),
    asOf: params.asOf,
    assets: params.assets.map((a) => a.symbol),
    groups: params.groups.map((g) => ({ symbol: g.symbol, instruments: params.instruments.filter((i) => i.groupId === g.id).length })),
    venues: params.venues.length,
  };
}

/**
 * Verify a proof bundle (object or JSON text) with a verification key (snarkjs JSON): as
 * verifyMargin, with the verifier's parameters, challenge and minimums given as the page has them.
 */
export async function verify(
  bundle: JsonInput,
  vkey: unknown,
  opts: { params?: JsonInput | RiskParams; context?: string | bigint; minHealthBps?: number; minCreditLimit?: string | bigint } = {},
): Promise<VerifyResult> {
  return verifyMargin(parseBundle(json(bundle, "the proof bundle")), typeof vkey === "string" ? parseJsonStrict(vkey, "the verification key") : vkey, {
    ...(opts.params !== undefined ? { params: riskParams(opts.params) } : {}),
    ...(opts.context !== undefined ? { context: parseContextValue(opts.context, "context") } : {}),
    ...(opts.minHealthBps !== undefined ? { minHealthBps: opts.minHealthBps } : {}),
    ...(opts.minCreditLimit !== undefined ? { minCreditLimitCents: creditCents(opts.minCreditLimit) } : {}),
  });
}

// The modules that Node loads on first use (src/util/lazyRequire.ts), loaded with this entry here.
provideBrowserModules();
