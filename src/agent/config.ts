import { dirname, isAbsolute, resolve } from "node:path";
import { ZkMarginError } from "../errors.js";
import { readJsonFile } from "../util/json.js";

/**
 * The prover agent's configuration (agent.json; docs/agent.md "Configuration"). Every field is
 * checked here, and an error names the field (`agent.json: retry.maxDelayMs: ...`). Relative paths
 * are resolved against the configuration file's folder.
 */
export type AgentMode = "verified" | "self-declared";

/** Where a venue's statement comes from: a file (re-read every time), or a venue statement service. */
export type StatementSourceConfig = { venueId: number; file: string } | { venueId: number; url: string };

/** Where the risk parameters come from: a file (re-read every time), a URL, or the URI posted with the root. */
export type ParamsSourceConfig = { file: string } | { url: string } | { posted: true };

export type KeyConfig =
  | { keystore: string; passwordFile?: string; passwordEnv?: string }
  | { privateKey?: string; privateKeyEnv?: string };

export interface RetryConfig {
  /** Tries per operation (1 = no retry). */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export interface AgentConfig {
  /** The file it was read from (resolved), when read from one. */
  file?: string;
  rpcUrl: string;
  /** A deployment record (`zkmargin chain deploy` writes one) or the addresses themselves. */
  deployment?: string;
  contracts?: { registry: string; attestations: string; pool?: string };
  mode: AgentMode;
  params: ParamsSourceConfig;
  statements?: StatementSourceConfig[];
  portfolio?: string;
  /** Health to prove, bps (10000 = 1.0x). */
  healthBps: number;
  /** Credit limit to prove, USD with at most 2 decimals ("15000", "2500.50"). */
  creditLimit: string;
  key: KeyConfig;
  stateDir: string;
  /** Warn when the book's health is less than this many bps above the pool's maintenance health. */
  warnHeadroomBps: number;
  webhookUrl?: string;
  /** Prometheus metrics on this port (0: any free port; absent: none). */
  metricsPort?: number;
  metricsHost: string;
  pollIntervalSeconds: number;
  retry: RetryConfig;
  /** Refresh the attestation when it would lapse within this many seconds (chain time). */
  refreshBeforeSeconds: number;
  /** Seconds to wait for a transaction's receipt before leaving it to the next pass. */
  receiptTimeoutSeconds: number;
  /** Circuit configuration to prove with; default: the pool's (deployment record) or the smallest that holds the book. */
  circuit?: string;
  /** Exported artifacts (`zkmargin export`) to prove with instead of the local setup. */
  artifacts?: string;
  prover: "auto" | "native" | "snarkjs";
  /** Chain ids on which a raw private key is accepted (dev chains). */
  devChainIds: number[];
}

export const DEFAULT_RETRY: RetryConfig = { attempts: 5, initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 };
export const DEFAULT_DEV_CHAIN_IDS = [31337, 1337];

const KNOWN = new Set([
  "rpcUrl",
  "deployment",
  "contracts",
  "mode",
  "params",
  "statements",
  "portfolio",
  "healthBps",
  "creditLimit",
  "key",
  "stateDir",
  "warnHeadroomBps",
  "webhookUrl",
  "metricsPort",
  "metricsHost",
  "pollIntervalSeconds",
  "retry",
  "refreshBeforeSeconds",
  "receiptTimeoutSeconds",
  "circuit",
  "artifacts",
  "prover",
  "devChainIds",
  "$comment",
]);

const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));

class Checker {
  constructor(
    private readonly base: string,
    private readonly file: string | undefined,
  ) {}
  err(path: string, message: string, value?: unknown, limit?: string): ZkMarginError {
    const e = new ZkMarginError("SCHEMA", message, { path, value, ...(limit ? { limit } : {}) });
    return this.file ? e.inFile(this.file, "agent configuration") : e;
  }
  obj(v: unknown, path: string): Record<string, unknown> {
    if (!v || typeof v !== "object" || Array.isArray(v)) throw this.err(path, `must be an object, got ${show(v)}`, v);
    return v as Record<string, unknown>;
  }
  str(v: unknown, path: string): string {
    if (typeof v !== "string" || v.length === 0) throw this.err(path, `must be a non-empty string, got ${show(v)}`, v);
    return v;
  }
  int(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw this.err(path, `must be an integer from ${min} to ${max}, got ${show(v)}`, v, `${min}..${max}`);
    return v;
  }
  num(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) throw this.err(path, `must be a number from ${min} to ${max}, got ${show(v)}`, v, `${min}..${max}`);
    return v;
  }
  url(v: unknown, path: string): string {
    const s = this.str(v, path);
    if (!/^https?:\/\/[^\s]+$/.test(s)) throw this.err(path, `must be an http(s) URL, got ${show(v)}`, v);
    return s;
  }
  address(v: unknown, path: string): string {
    const s = this.str(v, path);
    if (!/^0x[0-9a-fA-F]{40}$/.test(s)) throw this.err(path, `must be a 0x-prefixed 20-byte address, got ${show(v)}`, v);
    return s;
  }
  path(v: unknown, path: string): string {
    const s = this.str(v, path);
    return isAbsolute(s) ? s : resolve(this.base, s);
  }
  only(o: Record<string, unknown>, path: string, keys: string[]): void {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) throw this.err(`${path}.${k}`, `unknown field (known: ${keys.join(", ")})`, k);
    }
  }
}

/**
 * Check an agent configuration (parsed JSON). `baseDir` resolves relative paths (default: the
 * folder of `file`, else the working directory).
 */
export function parseAgentConfig(json: unknown, opts: { file?: string; baseDir?: string } = {}): AgentConfig {
  const base = opts.baseDir ?? (opts.file ? dirname(resolve(opts.file)) : process.cwd());
  const c = new Checker(base, opts.file);
  const j = c.obj(json, "(root)");
  for (const k of Object.keys(j)) if (!KNOWN.has(k)) throw c.err(k, `unknown field (known: ${[...KNOWN].filter((x) => x !== "$comment").join(", ")})`, k);

  const rpcUrl = c.url(j.rpcUrl, "rpcUrl");
  let deployment: string | undefined;
  let contracts: AgentConfig["contracts"];
  if ((j.deployment === undefined) === (j.contracts === undefined)) {
    throw c.err("deployment", "give either a deployment record file (deployment) or the contract addresses (contracts: { registry, attestations, pool? }), not both");
  }
  if (j.deployment !== undefined) deployment = c.path(j.deployment, "deployment");
  else {
    const o = c.obj(j.contracts, "contracts");
    c.only(o, "contracts", ["registry", "attestations", "pool"]);
    contracts = {
      registry: c.address(o.registry, "contracts.registry"),
      attestations: c.address(o.attestations, "contracts.attestations"),
      ...(o.pool === undefined ? {} : { pool: c.address(o.pool, "contracts.pool") }),
    };
  }

  if (j.mode !== "verified" && j.mode !== "self-declared") throw c.err("mode", `must be "verified" or "self-declared", got ${show(j.mode)}`, j.mode);
  const mode = j.mode;

  const p = c.obj(j.params, "params");
  let params: ParamsSourceConfig;
  const pk = Object.keys(p);
  if (pk.length !== 1) throw c.err("params", 'must have exactly one of "file", "url" or "posted": true', pk.join(", "));
  if (p.file !== undefined) params = { file: c.path(p.file, "params.file") };
  else if (p.url !== undefined) params = { url: c.url(p.url, "params.url") };
  else if (p.posted === true) params = { posted: true };
  else throw c.err(`params.${pk[0]}`, 'must be one of "file" (a path), "url" (an http(s) URL) or "posted": true (the URI the oracle posted with the root)');

  let statements: StatementSourceConfig[] | undefined;
  let portfolio: string | undefined;
  if (mode === "verified") {
    if (j.portfolio !== undefined) throw c.err("portfolio", 'is for mode "self-declared"; verified mode proves from venue statements (statements)');
    if (!Array.isArray(j.statements) || j.statements.length === 0) throw c.err("statements", "must be a non-empty array of { venueId, file } or { venueId, url }", j.statements);
    const seen = new Set<number>();
    statements = j.statements.map((s, i) => {
      const path = `statements[${i}]`;
      const o = c.obj(s, path);
      c.only(o, path, ["venueId", "file", "url"]);
      const venueId = c.int(o.venueId, `${path}.venueId`, 1, 2 ** 32 - 1);
      if (seen.has(venueId)) throw c.err(`${path}.venueId`, `venue ${venueId} is listed twice (one statement per venue)`, venueId);
      seen.add(venueId);
      if ((o.file === undefined) === (o.url === undefined)) throw c.err(path, 'must have exactly one of "file" and "url"');
      return o.file !== undefined ? { venueId, file: c.path(o.file, `${path}.file`) } : { venueId, url: c.url(o.url, `${path}.url`) };
    });
  } else {
    if (j.statements !== undefined) throw c.err("statements", 'is for mode "verified"; a self-declared proof proves a portfolio file (portfolio)');
    portfolio = c.path(j.portfolio, "portfolio");
  }

  const healthBps = c.int(j.healthBps, "healthBps", 10000, 1_000_000);
  if (typeof j.creditLimit !== "string" || !/^(0|[1-9][0-9]{0,16})(\.[0-9]{1,2})?$/.test(j.creditLimit)) {
    throw c.err("creditLimit", `must be a string of USD with at most 2 decimals such as "15000" or "2500.50", got ${show(j.creditLimit)}`, j.creditLimit);
  }
  const creditLimit = j.creditLimit;

  const k = c.obj(j.key, "key");
  let key: KeyConfig;
  if (k.keystore !== undefined) {
    c.only(k, "key", ["keystore", "passwordFile", "passwordEnv"]);
    if ((k.passwordFile === undefined) === (k.passwordEnv === undefined)) throw c.err("key", 'an encrypted keystore needs exactly one of "passwordFile" and "passwordEnv"');
    key = {
      keystore: c.path(k.keystore, "key.keystore"),
      ...(k.passwordFile !== undefined ? { passwordFile: c.path(k.passwordFile, "key.passwordFile") } : { passwordEnv: c.str(k.passwordEnv, "key.passwordEnv") }),
    };
  } else {
    c.only(k, "key", ["privateKey", "privateKeyEnv"]);
    if ((k.privateKey === undefined) === (k.privateKeyEnv === undefined)) {
      throw c.err("key", 'must have "keystore" (with "passwordFile" or "passwordEnv"), or, on a dev chain only, one of "privateKey" and "privateKeyEnv"');
    }
    if (k.privateKey !== undefined) {
      const s = c.str(k.privateKey, "key.privateKey");
      if (!/^0x[0-9a-fA-F]{64}$/.test(s)) throw c.err("key.privateKey", "must be a 0x-prefixed 32-byte hex private key");
      key = { privateKey: s };
    } else key = { privateKeyEnv: c.str(k.privateKeyEnv, "key.privateKeyEnv") };
  }

  const stateDir = c.path(j.stateDir, "stateDir");
  const warnHeadroomBps = j.warnHeadroomBps === undefined ? 1000 : c.int(j.warnHeadroomBps, "warnHeadroomBps", 0, 1_000_000);
  const webhookUrl = j.webhookUrl === undefined ? undefined : c.url(j.webhookUrl, "webhookUrl");
  const metricsPort = j.metricsPort === undefined ? undefined : c.int(j.metricsPort, "metricsPort", 0, 65535);
  const metricsHost = j.metricsHost === undefined ? "127.0.0.1" : c.str(j.metricsHost, "metricsHost");
  const pollIntervalSeconds = j.pollIntervalSeconds === undefined ? 30 : c.num(j.pollIntervalSeconds, "pollIntervalSeconds", 0.05, 86400);
  let retry = DEFAULT_RETRY;
  if (j.retry !== undefined) {
    const r = c.obj(j.retry, "retry");
    c.only(r, "retry", ["attempts", "initialDelayMs", "maxDelayMs", "factor"]);
    retry = {
      attempts: r.attempts === undefined ? DEFAULT_RETRY.attempts : c.int(r.attempts, "retry.attempts", 1, 100),
      initialDelayMs: r.initialDelayMs === undefined ? DEFAULT_RETRY.initialDelayMs : c.int(r.initialDelayMs, "retry.initialDelayMs", 0, 3_600_000),
      maxDelayMs: r.maxDelayMs === undefined ? DEFAULT_RETRY.maxDelayMs : c.int(r.maxDelayMs, "retry.maxDelayMs", 0, 3_600_000),
      factor: r.factor === undefined ? DEFAULT_RETRY.factor : c.num(r.factor, "retry.factor", 1, 10),
    };
    if (retry.maxDelayMs < retry.initialDelayMs) throw c.err("retry.maxDelayMs", `must be at least retry.initialDelayMs (${retry.initialDelayMs})`, retry.maxDelayMs);
  }
  const refreshBeforeSeconds = j.refreshBeforeSeconds === undefined ? 900 : c.int(j.refreshBeforeSeconds, "refreshBeforeSeconds", 0, 365 * 86400);
  const receiptTimeoutSeconds = j.receiptTimeoutSeconds === undefined ? 120 : c.int(j.receiptTimeoutSeconds, "receiptTimeoutSeconds", 1, 86400);
  const circuit = j.circuit === undefined ? undefined : c.str(j.circuit, "circuit");
  const artifacts = j.artifacts === undefined ? undefined : /^https?:\/\//.test(String(j.artifacts)) ? c.url(j.artifacts, "artifacts") : c.path(j.artifacts, "artifacts");
  const prover = j.prover === undefined ? "auto" : j.prover;
  if (prover !== "auto" && prover !== "native" && prover !== "snarkjs") throw c.err("prover", `must be "auto", "native" or "snarkjs", got ${show(prover)}`, prover);
  let devChainIds = DEFAULT_DEV_CHAIN_IDS;
  if (j.devChainIds !== undefined) {
    if (!Array.isArray(j.devChainIds)) throw c.err("devChainIds", "must be an array of chain ids", j.devChainIds);
    devChainIds = j.devChainIds.map((v, i) => c.int(v, `devChainIds[${i}]`, 1, Number.MAX_SAFE_INTEGER));
  }

  return {
    ...(opts.file ? { file: resolve(opts.file) } : {}),
    rpcUrl,
    ...(deployment ? { deployment } : {}),
    ...(contracts ? { contracts } : {}),
    mode,
    params,
    ...(statements ? { statements } : {}),
    ...(portfolio ? { portfolio } : {}),
    healthBps,
    creditLimit,
    key,
    stateDir,
    warnHeadroomBps,
    ...(webhookUrl ? { webhookUrl } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    metricsHost,
    pollIntervalSeconds,
    retry,
    refreshBeforeSeconds,
    receiptTimeoutSeconds,
    ...(circuit ? { circuit } : {}),
    ...(artifacts ? { artifacts } : {}),
    prover,
    devChainIds,
  };
}

/** Read and check an agent configuration file (strict JSON: a key given twice is an error). */
export function loadAgentConfig(file: string): AgentConfig {
  return parseAgentConfig(readJsonFile(file, "agent configuration", "--config"), { file });
}
