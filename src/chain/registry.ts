/**
 * The risk-parameter registry from ethers v6: post a parameter set's root (optionally with the URI
 * its file can be fetched from, announced in a `ParamsUri` event), read what was posted, and fetch
 * the posted file back, refusing one whose root is not the posted root.
 */
import { readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BaseContract } from "ethers";
import { toHex32 } from "../crypto/poseidon.js";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import { parseRiskParams } from "../params/parse.js";
import { buildParamsTree } from "../params/tree.js";
import type { RiskParams } from "../params/types.js";
import { parseJsonStrict } from "../util/strictJson.js";

/** The end of the validity window posted by default: the parameters' own `validUntil`, else asOf + 7 days. */
export function defaultValidUntil(params: RiskParams): { validUntil: number; source: "validUntil" | "asOf + 7 days" } {
  if (params.validUntilUnix !== undefined) return { validUntil: Number(params.validUntilUnix), source: "validUntil" };
  return { validUntil: Math.floor(Date.parse(params.asOf) / 1000) + 7 * 86400, source: "asOf + 7 days" };
}

/** Longest parameters URI postParams accepts (the contract takes any string; this keeps the log small). */
export const MAX_PARAMS_URI_LENGTH = 2048;

/** Refuse a URI a prover could not fetch: http(s) or file, at most MAX_PARAMS_URI_LENGTH characters. */
export function checkParamsUri(uri: string, path = "uri"): string {
  if (uri.length === 0 || uri.length > MAX_PARAMS_URI_LENGTH) {
    throw new ZkMarginError("ARGUMENT", `must be a URI of 1 to ${MAX_PARAMS_URI_LENGTH} characters`, { path, value: uri.slice(0, 80), limit: `<= ${MAX_PARAMS_URI_LENGTH}` });
  }
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new ZkMarginError("ARGUMENT", `must be an absolute http(s):// or file:// URI, got ${JSON.stringify(uri)}`, { path, value: uri });
  }
  if (!["http:", "https:", "file:"].includes(u.protocol)) {
    throw new ZkMarginError("ARGUMENT", `must be an http(s):// or file:// URI (provers fetch nothing else), got ${u.protocol}`, { path, value: uri });
  }
  return uri;
}

/**
 * Post a parameter set's root (oracle only). validUntil defaults to defaultValidUntil(params). With
 * `uri` (http(s):// or file://) the same transaction announces where the parameter file can be
 * fetched (`postParamsWithUri`, a `ParamsUri` event): provers find it with fetchPostedParams.
 */
export async function postParams(registry: BaseContract, params: RiskParams, opts: { validUntil?: number; uri?: string } = {}) {
  const root = buildParamsTree(params).paramsRoot;
  const asOf = Math.floor(Date.parse(params.asOf) / 1000);
  const validUntil = opts.validUntil ?? defaultValidUntil(params).validUntil;
  const tx =
    opts.uri === undefined
      ? await registry.getFunction("postParams")(root, params.epoch, asOf, validUntil)
      : await registry.getFunction("postParamsWithUri")(root, params.epoch, asOf, validUntil, checkParamsUri(opts.uri));
  const receipt = await tx.wait();
  return {
    root,
    epoch: params.epoch,
    asOf,
    validUntil,
    ...(opts.uri === undefined ? {} : { uri: opts.uri }),
    gasUsed: Number(receipt.gasUsed),
    txHash: receipt.hash as string,
  };
}

/** Announce a new location of an already posted epoch's parameter file (oracle only; the latest announcement wins). */
export async function setParamsUri(registry: BaseContract, epoch: bigint | number, uri: string) {
  const receipt = await (await registry.getFunction("setParamsUri")(epoch, checkParamsUri(uri))).wait();
  return { epoch: BigInt(epoch), uri, gasUsed: Number(receipt.gasUsed), txHash: receipt.hash as string };
}

/** What the registry holds for an epoch, and the latest URI announced for it (null: none). */
export interface PostedParams {
  epoch: bigint;
  root: bigint;
  asOf: number;
  validUntil: number;
  /** When a later epoch was posted (0 while current). */
  supersededAt: number;
  uri: string | null;
  /** The transaction that announced `uri`. */
  uriTxHash: string | null;
}

/**
 * The root, window and announced URI of `epoch` (default: the latest posted epoch). `fromBlock`: the
 * first block to scan for ParamsUri logs (a deployment's `blockNumber`; default 0). Throws a
 * FILE error when nothing was posted, or the epoch was not.
 */
export async function postedParams(registry: BaseContract, opts: { epoch?: bigint | number; fromBlock?: number } = {}): Promise<PostedParams> {
  let epoch: bigint;
  if (opts.epoch === undefined) {
    if (!((await registry.getFunction("hasParams")()) as boolean)) {
      throw new ZkMarginError("FILE", `the registry ${await registry.getAddress()} has no parameters posted yet`, { path: "epoch" });
    }
    epoch = (await registry.getFunction("latestEpoch")()) as bigint;
  } else epoch = BigInt(opts.epoch);
  const p = (await registry.getFunction("paramsOf")(epoch)) as { root: bigint; asOf: bigint; validUntil: bigint; supersededAt: bigint };
  const [rootEpoch, known] = (await registry.getFunction("epochOfRoot")(p.root)) as [bigint, boolean];
  if (!known || rootEpoch !== epoch) {
    throw new ZkMarginError("FILE", `epoch ${epoch} was never posted to the registry ${await registry.getAddress()}`, { path: "epoch", value: Number(epoch) });
  }
  const filter = registry.filters.ParamsUri!(epoch);
  const logs = (await registry.queryFilter(filter, opts.fromBlock ?? 0)) as Array<{ args?: { root?: bigint; uri?: string }; transactionHash: string }>;
  const last = logs.filter((l) => l.args?.root === p.root).at(-1);
  return {
    epoch,
    root: p.root,
    asOf: Number(p.asOf),
    validUntil: Number(p.validUntil),
    supersededAt: Number(p.supersededAt),
    uri: last?.args?.uri ?? null,
    uriTxHash: last?.transactionHash ?? null,
  };
}

/** Limits for fetching a parameters file. */
export interface FetchLimits {
  /** Give up after this many milliseconds, connection and body together (default 15000). */
  timeoutMs?: number;
  /** Refuse a file larger than this many bytes (default 8 MiB). */
  maxBytes?: number;
}

export const DEFAULT_PARAMS_FETCH_TIMEOUT_MS = 15_000;
export const DEFAULT_PARAMS_MAX_BYTES = 8 * 1024 * 1024;

const tooLarge = (uri: string, max: number, got?: number) =>
  new ZkMarginError("FILE", `the parameters file at ${uri} is larger than the ${max}-byte limit${got !== undefined ? ` (${got} bytes)` : ""}: refusing it`, {
    path: "uri",
    value: uri,
    limit: `<= ${max} bytes`,
  });

/**
 * The bytes at an http(s):// or file:// URI, within a timeout and a size limit (a larger body is
 * refused as soon as it passes the limit, whatever its Content-Length says). Errors are FILE
 * errors naming the URI: unreachable, HTTP status, timeout, too large, another scheme.
 */
export async function fetchLimited(uri: string, limits: FetchLimits = {}): Promise<Uint8Array> {
  const timeoutMs = limits.timeoutMs ?? DEFAULT_PARAMS_FETCH_TIMEOUT_MS;
  const maxBytes = limits.maxBytes ?? DEFAULT_PARAMS_MAX_BYTES;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new ZkMarginError("FILE", `not a URI: ${JSON.stringify(uri)}`, { path: "uri", value: uri });
  }
  if (u.protocol === "file:") {
    const file = fileURLToPath(u);
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new ZkMarginError("FILE", `${uri} is not a file`, { path: "uri", value: uri });
      if (st.size > maxBytes) throw tooLarge(uri, maxBytes, st.size);
      const bytes = await readFile(file);
      if (bytes.length > maxBytes) throw tooLarge(uri, maxBytes, bytes.length);
      return new Uint8Array(bytes);
    } catch (e) {
      if (isZkMarginError(e)) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ZkMarginError("FILE", `cannot read the parameters file at ${uri}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`, { path: "uri", value: uri });
    }
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ZkMarginError("FILE", `cannot fetch ${uri}: only http(s):// and file:// URIs are fetched`, { path: "uri", value: uri });
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const failed = (e: unknown): never => {
    if (isZkMarginError(e)) throw e;
    if (timedOut) throw new ZkMarginError("FILE", `fetching ${uri} timed out after ${timeoutMs} ms`, { path: "uri", value: uri, limit: `${timeoutMs} ms` });
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.cause?.code ?? err.cause?.message ?? err.message;
    throw new ZkMarginError("FILE", `cannot fetch ${uri}: ${why}`, { path: "uri", value: uri });
  };
  try {
    let res: Response;
    try {
      res = await fetch(u, { signal: controller.signal, redirect: "follow" });
    } catch (e) {
      return failed(e);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new ZkMarginError("FILE", `cannot fetch ${uri}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`, { path: "uri", value: uri });
    }
    const declared = Number(res.headers.get("content-length") ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge(uri, maxBytes, declared);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      if (res.body) {
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.length;
          if (total > maxBytes) {
            await reader.cancel().catch(() => {});
            throw tooLarge(uri, maxBytes);
          }
          chunks.push(value);
        }
      }
    } catch (e) {
      return failed(e);
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** A parameters file fetched from the URI the registry announced for its epoch, checked against the posted root. */
export interface FetchedParams {
  params: RiskParams;
  /** The file as fetched (write these bytes to keep the exact file). */
  text: string;
  epoch: bigint;
  /** The posted root (= the file's root). */
  root: bigint;
  uri: string;
  posted: PostedParams;
}

/**
 * Check a parameter file's text against a posted root: parsed strictly, its paramsRoot recomputed
 * and compared. A different root is a MISMATCH error naming both roots.
 */
export function checkParamsAgainstRoot(text: string, root: bigint, where: string, epoch?: bigint): RiskParams {
  let params: RiskParams;
  try {
    params = parseRiskParams(parseJsonStrict(text, `the parameters file at ${where}`));
  } catch (e) {
    throw isZkMarginError(e) ? e.inFile(where, "risk parameters") : e;
  }
  const got = buildParamsTree(params).paramsRoot;
  if (got !== root) {
    throw new ZkMarginError(
      "MISMATCH",
      `the parameters file at ${where} has root ${toHex32(got)} (epoch ${params.epoch}), but the registry posted root ${toHex32(root)}` +
        `${epoch !== undefined ? ` for epoch ${epoch}` : ""}: refusing it`,
      { path: "paramsRoot", value: toHex32(got), limit: toHex32(root) },
    );
  }
  return params;
}

/**
 * Fetch the parameter file of `epoch` (default: the latest) from the URI the oracle announced with
 * its root, and refuse it unless its recomputed paramsRoot is the posted root (a MISMATCH error
 * naming both). Fetches http(s):// and file:// URIs within `timeoutMs` and `maxBytes`. `registry`:
 * a RiskParamsRegistry contract (registryAt(...)) with a provider.
 */
export async function fetchPostedParams(
  registry: BaseContract,
  opts: { epoch?: bigint | number; fromBlock?: number } & FetchLimits = {},
): Promise<FetchedParams> {
  const posted = await postedParams(registry, opts);
  if (posted.uri === null) {
    throw new ZkMarginError(
      "FILE",
      `epoch ${posted.epoch} (root ${toHex32(posted.root)}) was posted without a URI for its parameters file; get the file from the risk oracle ` +
        "(it can announce one with `zkmargin chain post-params --uri` or setParamsUri)",
      { path: "uri" },
    );
  }
  const bytes = await fetchLimited(posted.uri, opts);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const params = checkParamsAgainstRoot(text, posted.root, posted.uri, posted.epoch);
  return { params, text, epoch: posted.epoch, root: posted.root, uri: posted.uri, posted };
}
