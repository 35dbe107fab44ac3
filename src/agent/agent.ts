import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Contract, JsonRpcProvider, Transaction, ZeroAddress, type JsonRpcApiProvider, type Wallet } from "ethers";
import { fitsConfig, getConfig, isVerifiedConfig, smallestConfigFor, type CircuitConfig, type SlotNeeds } from "../config/circuits.js";
import { toHex32 } from "../crypto/poseidon.js";
import { computeMargin, parseCreditLimit } from "../engine/margin.js";
import { actualHealthBps } from "../engine/report.js";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import type { RiskParams } from "../params/types.js";
import { parsePortfolio, type Portfolio } from "../portfolio/parse.js";
import type { ProofBundle } from "../prove/bundle.js";
import type { StatementJson } from "../statements/types.js";
import { parseJsonStrict, readJsonFile } from "../util/json.js";
import type { AgentConfig } from "./config.js";
import { attestationOf, decodeRevert, attestationsContract, chainNow, contextAt, poolContract, registryContract, type OnChainAttestation } from "./contracts.js";
import { loadAgentWallet } from "./key.js";
import { jsonLineLogger, type Logger, type LogRecord } from "./log.js";
import { newMetrics, serveMetrics, type AgentMetrics, type MetricsServer } from "./metrics.js";
import { AgentFault, sleep, withRetry, type FailureKind } from "./retry.js";
import { paramsSource, statementSources, type ParamsSource, type StatementSource, type VenueClient } from "./sources.js";
import { StateStore, acquireLock, isSettled, readState, writeFileDurable, type AgentState, type Round } from "./state.js";
import { postWebhook } from "./webhook.js";

/**
 * The prover agent (docs/agent.md): keeps an account's margin attestation alive. Each pass reads
 * the registry's latest epoch and the account's attestation; on a new epoch, or when the
 * attestation would lapse within `refreshBeforeSeconds`, it fetches the parameters and the book,
 * computes its health against the pool's maintenance and borrow health (warning below the
 * configured headroom), proves with the configuration that holds the book, and submits, recording
 * each phase durably first so that a restart after any crash resumes without submitting twice.
 */
export interface RunAgentOptions {
  /** One pass, then return (cron). */
  once?: boolean;
  /** Stop the loop (and any wait) when aborted. */
  signal?: AbortSignal;
  /** JSON-lines logger (default: stderr). */
  log?: Logger;
  /** A provider to use instead of `config.rpcUrl` (an embedded chain in tests). */
  provider?: JsonRpcApiProvider;
  /** How to ask a venue statement service for a statement (default: the SDK's venue client). */
  venueClient?: VenueClient;
  /** Metrics to update (default: new ones); served on config.metricsPort when set and not `once`. */
  metrics?: AgentMetrics;
  /** Called after each pass. */
  onPass?: (result: PassResult) => void;
}

export type PassAction =
  | "no-params"
  | "up-to-date"
  | "submitted"
  | "waiting"
  | "shortfall"
  | "failed"
  | "cannot-extend";

export interface PassResult {
  action: PassAction;
  /** The registry's latest epoch (null: nothing posted). */
  epoch: number | null;
  attestation: OnChainAttestation;
  /** When the account's attestation lapses (chain time, unix; null: none live). */
  lapsesAt: number | null;
  /** The book's health at the configured credit limit, when computed in this pass. */
  actualHealthBps?: number | null;
  round?: Round;
  message: string;
}

const CRASH_POINTS = new Set(["after-fetch", "after-proof", "after-intent", "after-broadcast"]);

/**
 * TEST ONLY: `ZKMARGIN_AGENT_CRASH_AT=<point>` makes the process SIGKILL itself at that point
 * (after-fetch, after-proof, after-intent, after-broadcast), as a crash or kill -9 would, so the
 * crash-safety tests can restart it there. Never set it in production.
 */
function crashPoint(point: string): void {
  const at = process.env.ZKMARGIN_AGENT_CRASH_AT;
  if (at && at === point && CRASH_POINTS.has(point)) process.kill(process.pid, "SIGKILL");
}

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace(/\.000Z$/, "Z");

/** A human sentence about when the attestation lapses. */
export function lapseSentence(a: OnChainAttestation, now: number): string {
  if (!a.attested) return "the account has no attestation";
  if (a.expiresAt <= now) return `the attestation (epoch ${a.epoch}) lapsed at ${iso(a.expiresAt)}`;
  return `the attestation (epoch ${a.epoch}) lapses at ${iso(a.expiresAt)} (unix ${a.expiresAt}, in ${a.expiresAt - now} s)`;
}

interface ChainView {
  hasParams: boolean;
  latestEpoch: number;
  root: bigint;
  /** The latest epoch's acceptance end (its validUntil while current). */
  acceptedUntil: number;
  attestation: OnChainAttestation;
  now: number;
}

interface Addresses {
  registry: string;
  attestations: string;
  pool?: string;
  /** The pool's verifiers' configurations (from a deployment record). */
  poolConfig?: string;
  poolVerifiedConfig?: string;
  fromBlock: number;
}

function addressesOf(config: AgentConfig, chainId: number): Addresses {
  if (config.contracts) return { ...config.contracts, fromBlock: 0 };
  const d = readJsonFile(config.deployment!, "deployment record", "deployment") as {
    chainId?: number;
    registry?: string;
    attestations?: string;
    pool?: string;
    config?: string;
    verified?: { config?: string };
    blockNumber?: number;
  };
  if (d.chainId !== chainId) {
    throw new ZkMarginError("MISMATCH", `the deployment record ${config.deployment} is for chain ${d.chainId}; ${config.rpcUrl} is chain ${chainId}`, {
      path: "deployment",
      value: d.chainId,
      limit: String(chainId),
    });
  }
  if (!d.registry || !d.attestations) throw new ZkMarginError("FILE", `the deployment record ${config.deployment} names no registry or attestation contract`, { path: "deployment" });
  return {
    registry: d.registry,
    attestations: d.attestations,
    ...(d.pool ? { pool: d.pool } : {}),
    ...(d.config ? { poolConfig: d.config } : {}),
    ...(d.verified?.config ? { poolVerifiedConfig: d.verified.config } : {}),
    fromBlock: d.blockNumber ?? 0,
  };
}

/**
 * A transient fault worth retrying: a network or node error, a venue's 429 / 5xx, a file not there
 * yet; not one of our input errors, nor a venue's 4xx refusal.
 */
const transient = (e: unknown) => {
  if ((e as { retryable?: unknown })?.retryable === false) return false;
  return !isZkMarginError(e) || e.code === "FILE";
};

export class Agent {
  readonly metrics: AgentMetrics;
  private readonly log: Logger;
  private readonly signal: AbortSignal | undefined;
  private store!: StateStore;
  private wallet!: Wallet;
  private attestations!: Contract;
  private registry!: Contract;
  private addresses!: Addresses;
  private chainId!: number;
  private maintenanceHealthBps!: number;
  private borrowHealthBps: number | null = null;
  private paramsSrc!: ParamsSource;
  private statementSrcs: StatementSource[] = [];
  private readonly creditLimitCents: bigint;
  private releaseLock: (() => void) | undefined;
  private ownsProvider = false;

  constructor(
    readonly config: AgentConfig,
    private readonly opts: RunAgentOptions = {},
    private provider?: JsonRpcApiProvider,
  ) {
    this.metrics = opts.metrics ?? newMetrics();
    this.log = opts.log ?? jsonLineLogger();
    this.signal = opts.signal;
    this.creditLimitCents = parseCreditLimit(config.creditLimit, "creditLimit");
  }

  get account(): string {
    return this.wallet.address;
  }

  get state(): AgentState {
    return this.store.state;
  }

  private fail(kind: FailureKind): void {
    this.metrics.failures.set(kind, (this.metrics.failures.get(kind) ?? 0) + 1);
  }

  private rpc<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(what, "rpc", fn, { retry: this.config.retry, log: this.log, signal: this.signal, retryable: transient, onFailure: (k) => this.fail(k) });
  }

  /** Connect, load the key, check the pool takes this mode, open (and lock) the state. */
  async start(): Promise<void> {
    if (!this.provider) {
      this.provider = new JsonRpcProvider(this.config.rpcUrl, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
      this.ownsProvider = true;
    }
    const provider = this.provider;
    this.chainId = await this.rpc(`reach the JSON-RPC node at ${this.config.rpcUrl}`, async () => Number((await provider.getNetwork()).chainId));
    this.wallet = (await loadAgentWallet(this.config, this.chainId, (m) => this.log({ level: "warn", event: "key", msg: m }))).connect(provider);
    this.addresses = addressesOf(this.config, this.chainId);
    this.attestations = attestationsContract(this.addresses.attestations, this.wallet);
    this.registry = registryContract(this.addresses.registry, provider);
    const code = await this.rpc("read the contracts' code", async () =>
      Promise.all([provider.getCode(this.addresses.attestations), provider.getCode(this.addresses.registry)]),
    );
    if (code[0] === "0x" || code[1] === "0x") {
      throw new ZkMarginError(
        "STALE_DEPLOYMENT",
        `no contract at ${code[0] === "0x" ? `attestations ${this.addresses.attestations}` : `registry ${this.addresses.registry}`} on chain ${this.chainId} (${this.config.rpcUrl}); deploy again or fix ${this.config.deployment ? "deployment" : "contracts"}`,
        { path: this.config.deployment ? "deployment" : "contracts" },
      );
    }
    const [minHealth, requireVerified, verifiedVerifier] = await this.rpc("read the pool's policy", async () =>
      Promise.all([
        this.attestations.getFunction("minHealthBps")() as Promise<bigint>,
        this.attestations.getFunction("requireVerified")() as Promise<boolean>,
        this.attestations.getFunction("verifiedVerifier")() as Promise<string>,
      ]),
    );
    if (this.config.mode === "verified" && verifiedVerifier === ZeroAddress) {
      throw new ZkMarginError("ARGUMENT", "mode is \"verified\", but this pool has no verifier for verified proofs (submitVerified is refused); use self-declared", { path: "mode" });
    }
    if (this.config.mode === "self-declared" && requireVerified) {
      throw new ZkMarginError("ARGUMENT", 'this pool accepts only verified proofs; set mode "verified" with venue statements', { path: "mode" });
    }
    if (this.config.healthBps < Number(minHealth)) {
      throw new ZkMarginError("OUT_OF_RANGE", `${this.config.healthBps} bps is below the pool's minimum health ${minHealth} bps`, { path: "healthBps", value: this.config.healthBps, limit: `>= ${minHealth}` });
    }
    this.maintenanceHealthBps = Number(minHealth);
    if (this.addresses.pool) {
      const pool = poolContract(this.addresses.pool, provider);
      const [b, m] = await this.rpc("read the pool's borrow and maintenance health", async () =>
        Promise.all([pool.getFunction("borrowHealthBps")() as Promise<bigint>, pool.getFunction("maintenanceHealthBps")() as Promise<bigint>]),
      );
      this.borrowHealthBps = Number(b);
      this.maintenanceHealthBps = Number(m);
    }
    this.paramsSrc = paramsSource(this.config.params, this.config.params && "posted" in this.config.params ? this.postedParamsSource() : undefined);
    if (this.config.statements) {
      const needsClient = this.config.statements.some((x) => "url" in x);
      this.statementSrcs = statementSources(this.config.statements, this.opts.venueClient ?? (needsClient ? await defaultVenueClient() : undefined));
    }
    this.releaseLock = acquireLock(this.config.stateDir);
    this.store = new StateStore(this.config.stateDir, {
      account: this.wallet.address,
      chainId: this.chainId,
      attestations: this.addresses.attestations,
      registry: this.addresses.registry,
    });
    this.log({
      level: "info",
      event: "start",
      msg: `agent for ${this.wallet.address} on chain ${this.chainId}: ${this.config.mode} proofs at ${this.config.healthBps} bps with a credit limit of ${this.config.creditLimit} USD`,
      account: this.wallet.address,
      chainId: this.chainId,
      attestations: this.addresses.attestations,
      registry: this.addresses.registry,
      maintenanceHealthBps: this.maintenanceHealthBps,
      borrowHealthBps: this.borrowHealthBps,
    });
  }

  async stop(): Promise<void> {
    this.releaseLock?.();
    this.releaseLock = undefined;
    if (this.ownsProvider) this.provider?.destroy();
  }

  /** The parameters file announced with the root (ParamsUri), checked against the posted root. */
  private postedParamsSource(): ParamsSource {
    return {
      describe: "the URI posted with the root",
      fetch: async (req) => {
        // zkmargin/chain's fetchPostedParams: the URI announced with the root (ParamsUri), the file's root checked
        const { fetchPostedParams } = await import("../chain/registry.js");
        const r = await fetchPostedParams(this.registry, { epoch: req.epoch, fromBlock: this.addresses.fromBlock });
        return r.params;
      },
    };
  }

  private async readChain(): Promise<ChainView> {
    return this.rpc("read the registry and the attestation", async () => {
      const [hasParams, latest, attestation, now] = await Promise.all([
        this.registry.getFunction("hasParams")() as Promise<boolean>,
        this.registry.getFunction("latestEpoch")() as Promise<bigint>,
        attestationOf(this.attestations, this.wallet.address),
        chainNow(this.provider!),
      ]);
      let root = 0n;
      let acceptedUntil = 0;
      if (hasParams) {
        const p = (await this.registry.getFunction("paramsOf")(latest)) as { root: bigint };
        const [, until] = (await this.registry.getFunction("isAcceptable")(latest)) as [boolean, bigint];
        root = p.root;
        acceptedUntil = Number(until);
      }
      return { hasParams, latestEpoch: Number(latest), root, acceptedUntil, attestation, now };
    });
  }

  private updateChainMetrics(v: ChainView): void {
    if (v.hasParams) this.metrics.epoch = v.latestEpoch;
    if (v.attestation.attested) this.metrics.attestedEpoch = v.attestation.epoch;
    this.metrics.attestationExpiry = v.attestation.attested ? v.attestation.expiresAt : 0;
  }

  private result(action: PassAction, v: ChainView, message: string, extra: Partial<PassResult> = {}): PassResult {
    const lapsesAt = v.attestation.attested && v.attestation.expiresAt > v.now ? v.attestation.expiresAt : null;
    this.store.state.last = { ...this.store.state.last, epoch: v.hasParams ? v.latestEpoch : undefined, expiresAt: v.attestation.expiresAt, lapsesAt, passAt: new Date().toISOString() };
    this.store.save();
    return { action, epoch: v.hasParams ? v.latestEpoch : null, attestation: v.attestation, lapsesAt, message, ...extra };
  }

  private async webhook(event: string, level: string, message: string, fields: Record<string, unknown>): Promise<void> {
    const url = this.config.webhookUrl;
    if (!url) return;
    const body = { event, level, message, account: this.wallet.address, chainId: this.chainId, attestations: this.addresses.attestations, at: new Date().toISOString(), ...fields };
    try {
      await withRetry(`POST the ${event} warning to the webhook`, "webhook", () => postWebhook(url, body), {
        retry: { ...this.config.retry, attempts: Math.min(this.config.retry.attempts, 3) },
        log: this.log,
        signal: this.signal,
        onFailure: (k) => this.fail(k),
      });
    } catch (e) {
      this.log({ level: "error", event: "webhook", msg: (e as Error).message });
    }
  }

  /** Log (and POST once per epoch and kind) a warning. */
  private async warnOnce(round: Round | undefined, epoch: number, key: string, rec: LogRecord, fields: Record<string, unknown>): Promise<void> {
    this.log(rec);
    const warned = (this.store.state as AgentState & { warned?: Record<string, string[]> }).warned ?? {};
    const list = (warned[String(epoch)] ??= []);
    if (list.includes(key)) return;
    list.push(key);
    (this.store.state as AgentState & { warned?: Record<string, string[]> }).warned = Object.fromEntries(Object.entries(warned).slice(-16));
    this.store.save();
    void round;
    await this.webhook(rec.event, rec.level, rec.msg, { epoch, ...fields });
  }

  /** One pass: settle any open round, then decide whether to prove and submit. */
  async pass(): Promise<PassResult> {
    this.metrics.passes++;
    let v = await this.readChain();
    this.updateChainMetrics(v);
    const open = this.store.open();
    if (open) {
      const settled = await this.resume(open, v);
      if (settled) return settled;
      v = await this.readChain();
      this.updateChainMetrics(v);
    }
    if (!v.hasParams) return this.result("no-params", v, "no risk parameters posted yet");
    const a = v.attestation;
    let trigger: Round["trigger"] | undefined;
    if (!a.attested) trigger = "no-attestation";
    else if (a.epoch < v.latestEpoch) trigger = "new-epoch";
    else if (a.expiresAt - v.now <= this.config.refreshBeforeSeconds) {
      // Same epoch, about to lapse: a refresh helps only if it would end later than the current one.
      const ttl = Number(await this.rpc("read the attestation TTL", async () => (await this.attestations.getFunction("attestationTtl")()) as bigint));
      const newExpiry = Math.min(v.now + ttl, v.acceptedUntil);
      if (newExpiry <= a.expiresAt) {
        const msg = `${lapseSentence(a, v.now)}; epoch ${v.latestEpoch}'s parameters are accepted only until ${iso(v.acceptedUntil)}, so proving again under them cannot extend it: waiting for the risk oracle's next epoch`;
        await this.warnOnce(undefined, v.latestEpoch, "cannot-extend", { level: "warn", event: "cannot-extend", msg, epoch: v.latestEpoch, lapsesAt: a.expiresAt }, { lapsesAt: a.expiresAt });
        return this.result("cannot-extend", v, msg);
      }
      trigger = "refresh";
    }
    if (!trigger) {
      return this.result("up-to-date", v, `attested under epoch ${a.epoch}; ${lapseSentence(a, v.now)}`);
    }
    return this.round(trigger, v);
  }

  /** Fetch, check, prove and submit for the latest epoch. */
  private async round(trigger: Round["trigger"], v: ChainView): Promise<PassResult> {
    const epoch = v.latestEpoch;
    const lapse = lapseSentence(v.attestation, v.now);
    const lapsesAt = v.attestation.attested ? v.attestation.expiresAt : null;
    const failed = async (kind: FailureKind, e: unknown, round?: Round): Promise<PassResult> => {
      if (!(e instanceof AgentFault)) this.fail(kind); // an AgentFault's tries were each counted already
      const reason = (e as Error)?.message ?? String(e);
      const msg = `cannot ${kind === "submit" || kind === "reverted" ? "submit" : "prove"} for epoch ${epoch}: ${reason}; ${lapse}`;
      if (round) this.store.update(round, { phase: "failed", error: { kind, message: reason } });
      await this.warnOnce(round, epoch, `failure:${kind}`, { level: "error", event: kind === "shortfall" ? "shortfall" : "failure", msg, kind, epoch, lapsesAt }, { kind, lapsesAt, reason });
      return this.result(kind === "shortfall" ? "shortfall" : "failed", v, msg, round ? { round } : {});
    };
    this.log({ level: "info", event: "round", msg: `epoch ${epoch}: ${trigger === "refresh" ? "refreshing the attestation before it lapses" : trigger === "new-epoch" ? "new epoch: proving under its parameters" : "no attestation yet: proving"}`, epoch, trigger });

    // 1. The parameters of the posted epoch (their root checked) and the book.
    let params: RiskParams;
    try {
      params = await withRetry(`fetch epoch ${epoch}'s parameters from ${this.paramsSrc.describe}`, "params", () => this.paramsSrc.fetch({ epoch, root: v.root, signal: this.signal }), {
        retry: this.config.retry,
        log: this.log,
        signal: this.signal,
        retryable: transient,
        onFailure: (k) => this.fail(k),
      });
    } catch (e) {
      return failed("params", e);
    }
    let book: Portfolio;
    let statements: StatementJson[] | undefined;
    let entries = 0;
    try {
      if (this.config.mode === "verified") {
        statements = [];
        for (const src of this.statementSrcs) {
          statements.push(
            await withRetry(`fetch venue ${src.venueId}'s statement from ${src.describe}`, "venue", () => src.fetch({ account: this.wallet.address, wallet: this.wallet, params, signal: this.signal }), {
              retry: this.config.retry,
              log: this.log,
              signal: this.signal,
              retryable: transient,
              onFailure: (k) => this.fail(k),
            }),
          );
        }
      } else {
        const json = readJsonFile(this.config.portfolio!, "portfolio", "portfolio");
        book = parsePortfolio(json, params);
      }
    } catch (e) {
      return failed(e instanceof AgentFault ? e.kind : "venue", e);
    }
    if (statements) {
      try {
        const { portfolioFromStatements } = await import("../statements/portfolio.js");
        const r = portfolioFromStatements(statements, params, { account: this.wallet.address });
        book = r.portfolio;
        entries = r.entryCount;
      } catch (e) {
        return failed("statement", e);
      }
    }

    // 2. Health against the pool's maintenance and borrow health; warn below the configured headroom.
    const margin = computeMargin(params, book!, this.config.healthBps, this.creditLimitCents);
    const health = actualHealthBps(margin);
    const headroom = {
      maintenance: health === null ? null : health - this.maintenanceHealthBps,
      borrow: health === null || this.borrowHealthBps === null ? null : health - this.borrowHealthBps,
    };
    if (health !== null) this.metrics.healthBps = health;
    if (headroom.maintenance !== null) this.metrics.headroomMaintenanceBps = headroom.maintenance;
    if (headroom.borrow !== null) this.metrics.headroomBorrowBps = headroom.borrow;
    this.log({ level: "info", event: "health", msg: `epoch ${epoch}: health ${health ?? "unbounded"} bps at a credit limit of ${this.config.creditLimit} USD`, epoch, actualHealthBps: health, headroomBps: headroom });
    if (headroom.maintenance !== null && headroom.maintenance < this.config.warnHeadroomBps) {
      const msg =
        `epoch ${epoch}: the book's health ${health} bps is ${headroom.maintenance} bps above the pool's maintenance health ${this.maintenanceHealthBps} bps, ` +
        `below the warning level of ${this.config.warnHeadroomBps} bps${headroom.borrow !== null && headroom.borrow < 0 ? ` (and below the borrow health ${this.borrowHealthBps} bps)` : ""}`;
      await this.warnOnce(undefined, epoch, "headroom-low", { level: "warn", event: "headroom-low", msg, epoch, actualHealthBps: health, headroomBps: headroom }, {
        actualHealthBps: health,
        headroomBps: headroom,
        maintenanceHealthBps: this.maintenanceHealthBps,
        borrowHealthBps: this.borrowHealthBps,
        warnHeadroomBps: this.config.warnHeadroomBps,
        lapsesAt,
      });
    }
    const round = this.store.begin({ epoch, trigger, phase: "fetched", paramsRoot: toHex32(v.root), actualHealthBps: health, headroomBps: headroom });
    crashPoint("after-fetch");
    if (!margin.ok) {
      return failed("shortfall", new Error(`the book does not meet ${this.config.healthBps} bps with a credit limit of ${this.config.creditLimit} USD (health ${health ?? "unbounded"} bps): nothing is proven or submitted`), round);
    }

    // 3. The configuration and its setup (never compiled or set up here).
    let config: CircuitConfig;
    let artifacts: import("../prove/prove.js").ProvingArtifacts;
    try {
      config = this.chooseConfig(book!, statements?.length ?? 0, entries);
      artifacts = await this.provingArtifacts(config);
    } catch (e) {
      return failed("setup", e, round);
    }

    // 4. Prove, bound to the context of the account's current nonce.
    const nonce = (await this.readChain()).attestation.nonce;
    const context = contextAt(this.chainId, this.addresses.attestations, this.wallet.address, nonce);
    let bundle: ProofBundle;
    try {
      const onChain = (await this.rpc("read the contract's context", async () => (await this.attestations.getFunction("contextOf")(this.wallet.address)) as bigint)) as bigint;
      if (onChain !== context) throw new Error(`the contract's context ${toHex32(onChain)} is not the derived ${toHex32(context)} (nonce ${nonce})`);
      const { proveMargin } = await import("../prove/prove.js");
      const r = await proveMargin({
        params,
        ...(statements ? { statements, account: this.wallet.address } : { portfolio: book! }),
        healthBps: this.config.healthBps,
        creditLimitCents: this.creditLimitCents,
        context,
        config,
        artifacts,
        prover: this.config.prover,
        warn: (m) => this.log({ level: "warn", event: "prover", msg: m }),
      });
      bundle = r.bundle;
      const dir = join(this.config.stateDir, "proofs");
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const proofFile = join("proofs", `epoch-${epoch}-nonce-${nonce}.json`);
      writeFileDurable(join(this.config.stateDir, proofFile), `${JSON.stringify(bundle, null, 2)}\n`, dir, 0o644);
      writeFileDurable(join(dir, `epoch-${epoch}-nonce-${nonce}.opening.json`), `${JSON.stringify(r.opening, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2)}\n`, dir, 0o600);
      this.store.update(round, { phase: "proved", nonce, context: toHex32(context), config: config.name, proof: proofFile });
      this.store.state.last.proofAt = new Date().toISOString();
      this.store.save();
      this.metrics.lastProofTime = Math.floor(Date.now() / 1000);
      this.log({ level: "info", event: "proved", msg: `epoch ${epoch}: proved with the "${config.name}" circuit in ${r.seconds.total.toFixed(1)} s (nonce ${nonce})`, epoch, nonce, config: config.name, seconds: r.seconds.total });
    } catch (e) {
      return failed("prove", e, round);
    }
    crashPoint("after-proof");
    return this.submit(round, bundle, await this.readChain());
  }

  private chooseConfig(book: Portfolio, statements: number, entries: number): CircuitConfig {
    const needs: SlotNeeds = {
      collateral: book.collateral.length,
      positions: book.positions.length,
      groups: new Set(book.positions.map((p) => p.instrument.groupId)).size,
      statements,
      entries,
    };
    const pool = this.config.mode === "verified" ? this.addresses.poolVerifiedConfig : this.addresses.poolConfig;
    const name = this.config.circuit ?? pool;
    if (name === undefined) return smallestConfigFor(needs);
    const c = getConfig(name, this.config.circuit ? "circuit" : "deployment");
    if (isVerifiedConfig(c) !== (this.config.mode === "verified")) {
      throw new ZkMarginError("ARGUMENT", `the "${c.name}" circuit is ${isVerifiedConfig(c) ? "verified" : "self-declared"}; mode is ${this.config.mode}`, { path: "circuit" });
    }
    if (!fitsConfig(c, needs)) {
      const smallest = smallestConfigFor(needs);
      throw new ZkMarginError(
        "CAPACITY",
        `the book needs the "${smallest.name}" circuit (${needs.collateral} collateral, ${needs.positions} positions, ${needs.groups} groups${statements ? `, ${statements} statements, ${entries} entries` : ""}); ` +
          `the pool verifies "${c.name}" proofs`,
        { path: "circuit", value: smallest.name, limit: c.name },
      );
    }
    return c;
  }

  private async provingArtifacts(config: CircuitConfig): Promise<import("../prove/prove.js").ProvingArtifacts> {
    if (this.config.artifacts) {
      const { loadArtifacts } = await import("../prove/artifacts.js");
      const loaded = await loadArtifacts(this.config.artifacts);
      if (loaded.config.name !== config.name) {
        throw new ZkMarginError("MISMATCH", `the artifacts in ${this.config.artifacts} are for the "${loaded.config.name}" circuit, not "${config.name}"`, { path: "artifacts" });
      }
      return loaded;
    }
    const [{ findSetup, provingArtifacts }, { cacheDir }] = await Promise.all([import("../../setup/groth16.js"), import("../circuit/paths.js")]);
    const setup = await findSetup(config);
    if (!setup) {
      throw new ZkMarginError("FILE", `no trusted setup for the "${config.name}" circuit in ${cacheDir()}; run \`zkmargin setup --config ${config.name}\` (or set "artifacts")`, {
        path: "circuit",
        value: config.name,
      });
    }
    return provingArtifacts(setup);
  }

  /**
   * Submit a proved round: sign the transaction, record it (the intent) durably, then broadcast
   * those exact bytes and wait for the receipt.
   */
  private async submit(round: Round, bundle: ProofBundle, v: ChainView): Promise<PassResult> {
    const lapse = lapseSentence(v.attestation, v.now);
    if (v.attestation.nonce !== round.nonce) {
      this.store.update(round, { phase: "superseded", error: { kind: "nonce", message: `the account's nonce moved from ${round.nonce} to ${v.attestation.nonce} before submission` } });
      return this.result("failed", v, `the proof for nonce ${round.nonce} is stale (the account's nonce is ${v.attestation.nonce}); ${lapse}`, { round });
    }
    const method = bundle.account !== undefined ? "submitVerified" : "submit";
    const p = bundle.proof;
    const proof = {
      a: [p.pi_a[0]!, p.pi_a[1]!],
      b: [
        [p.pi_b[0]![1]!, p.pi_b[0]![0]!],
        [p.pi_b[1]![1]!, p.pi_b[1]![0]!],
      ],
      c: [p.pi_c[0]!, p.pi_c[1]!],
    };
    const args = [proof, BigInt(bundle.commitment), BigInt(bundle.paramsRoot), bundle.healthBps, BigInt(bundle.creditLimitCents)];
    let raw: string;
    let hash: string;
    let accountNonce: number;
    try {
      const req = await this.attestations.getFunction(method).populateTransaction(...args);
      // A proof the contract would refuse is caught here (estimateGas runs it): nothing is sent.
      const gas = await this.provider!.estimateGas({ ...req, from: this.wallet.address });
      accountNonce = await this.rpc("read the account's transaction count", () => this.provider!.getTransactionCount(this.wallet.address, "pending"));
      const populated = await this.wallet.populateTransaction({ ...req, gasLimit: (gas * 13n) / 10n, nonce: accountNonce });
      raw = await this.wallet.signTransaction(populated);
      hash = Transaction.from(raw).hash!;
    } catch (e) {
      const d = decodeRevert(e);
      const reason = d ? `the contract refuses it: ${d.message}` : (e as Error).message.split("\n")[0]!;
      this.fail(d ? "reverted" : "submit");
      this.store.update(round, { phase: "failed", error: { kind: d ? "reverted" : "submit", message: reason } });
      const msg = `cannot submit for epoch ${round.epoch}: ${reason}; nothing was sent; ${lapse}`;
      await this.warnOnce(round, round.epoch, "failure:submit", { level: "error", event: "failure", msg, kind: "submit", epoch: round.epoch }, { kind: "submit", reason, lapsesAt: v.attestation.expiresAt || null });
      return this.result("failed", v, msg, { round });
    }
    // The intent: once this is on disk, the only transaction this round ever sends is `raw`.
    this.store.update(round, { phase: "submitting", tx: { hash, raw, from: this.wallet.address, accountNonce, method } });
    this.log({ level: "info", event: "submitting", msg: `epoch ${round.epoch}: sending ${method} (tx ${hash}, account nonce ${accountNonce}, attestation nonce ${round.nonce})`, epoch: round.epoch, txHash: hash });
    crashPoint("after-intent");
    return this.broadcastAndWait(round, v);
  }

  private async broadcastAndWait(round: Round, v: ChainView): Promise<PassResult> {
    const tx = round.tx!;
    try {
      await this.rpc(`broadcast ${tx.hash}`, async () => {
        try {
          await this.provider!.broadcastTransaction(tx.raw);
        } catch (e) {
          // the node already has it (a re-broadcast), or it was mined meanwhile: not a failure
          if (/already known|known transaction|already imported|nonce too low|nonce has already been used/i.test((e as Error).message)) return;
          throw e;
        }
      });
    } catch (e) {
      this.fail("submit");
      this.log({ level: "error", event: "broadcast", msg: `could not broadcast ${tx.hash}: ${(e as Error).message}; the next pass checks the chain and re-sends the same transaction`, txHash: tx.hash });
      return this.result("waiting", v, `transaction ${tx.hash} not yet accepted by the node; ${lapseSentence(v.attestation, v.now)}`, { round });
    }
    if (round.phase !== "submitted") this.store.update(round, { phase: "submitted" });
    crashPoint("after-broadcast");
    return this.awaitReceipt(round, v);
  }

  private async awaitReceipt(round: Round, v: ChainView): Promise<PassResult> {
    const tx = round.tx!;
    const deadline = Date.now() + this.config.receiptTimeoutSeconds * 1000;
    for (;;) {
      const receipt = await this.rpc(`read the receipt of ${tx.hash}`, () => this.provider!.getTransactionReceipt(tx.hash));
      if (receipt) {
        const after = await this.readChain();
        this.updateChainMetrics(after);
        if (receipt.status !== 1) {
          this.fail("reverted");
          this.store.update(round, { phase: "failed", blockNumber: receipt.blockNumber, error: { kind: "reverted", message: `transaction ${tx.hash} reverted in block ${receipt.blockNumber}` } });
          const msg = `epoch ${round.epoch}: transaction ${tx.hash} reverted; ${lapseSentence(after.attestation, after.now)}`;
          await this.warnOnce(round, round.epoch, "failure:reverted", { level: "error", event: "failure", msg, kind: "reverted", epoch: round.epoch }, { kind: "reverted", txHash: tx.hash });
          return this.result("failed", after, msg, { round });
        }
        this.store.update(round, { phase: "confirmed", blockNumber: receipt.blockNumber, expiresAt: after.attestation.expiresAt });
        const nowSec = Math.floor(Date.now() / 1000);
        Object.assign(this.store.state.last, { submissionAt: new Date().toISOString(), submissionEpoch: round.epoch, txHash: tx.hash });
        this.store.save();
        this.metrics.lastSubmissionTime = nowSec;
        this.metrics.lastSubmissionEpoch = round.epoch;
        const msg = `epoch ${round.epoch}: attested in block ${receipt.blockNumber} (tx ${tx.hash}); ${lapseSentence(after.attestation, after.now)}`;
        this.log({ level: "info", event: "confirmed", msg, epoch: round.epoch, txHash: tx.hash, blockNumber: receipt.blockNumber, expiresAt: after.attestation.expiresAt });
        return this.result("submitted", after, msg, { round, actualHealthBps: round.actualHealthBps ?? null });
      }
      if (Date.now() > deadline || this.signal?.aborted) {
        return this.result("waiting", v, `transaction ${tx.hash} sent, not yet mined; the next pass checks it again; ${lapseSentence(v.attestation, v.now)}`, { round });
      }
      await sleep(250, this.signal);
    }
  }

  /**
   * Settle a round a previous run left open (killed, or a receipt not yet seen). The chain decides:
   * - fetched: nothing was proven or sent; the round is dropped and the pass decides afresh.
   * - proved: no transaction was signed for it (the intent is recorded before any is); it is
   *   submitted if the account's nonce is still the proof's, else dropped (stale).
   * - submitting / submitted: the recorded transaction's receipt settles it; without one, if the
   *   account's attestation nonce moved on, something else consumed it (the recorded transaction can
   *   only revert now: its proof is bound to the old nonce); if the node knows the transaction it is
   *   awaited; if not, and its account nonce is still free, the same signed bytes are re-broadcast
   *   (at most one transaction with that account nonce can ever be mined); if its account nonce was
   *   used by another transaction, it can never be mined, and the proof is submitted in a new one.
   * Returns a pass result when this pass should end here; undefined to go on deciding.
   */
  private async resume(round: Round, v: ChainView): Promise<PassResult | undefined> {
    this.log({ level: "info", event: "resume", msg: `resuming the epoch ${round.epoch} round left in phase "${round.phase}"`, epoch: round.epoch, phase: round.phase, txHash: round.tx?.hash });
    if (round.phase === "fetched") {
      this.store.update(round, { phase: "superseded", error: { kind: "interrupted", message: "interrupted before proving" } });
      return undefined;
    }
    if (round.phase === "proved") {
      if (round.nonce !== v.attestation.nonce || round.epoch !== v.latestEpoch || !round.proof) {
        this.store.update(round, { phase: "superseded", error: { kind: "stale", message: `proof for nonce ${round.nonce} / epoch ${round.epoch}; the chain is at nonce ${v.attestation.nonce} / epoch ${v.latestEpoch}` } });
        return undefined;
      }
      const { parseBundle } = await import("../prove/verify.js");
      const bundle = parseBundle(parseJsonStrict(readFileSync(join(this.config.stateDir, round.proof), "utf8"), "proof bundle"));
      return this.submit(round, bundle, v);
    }
    if (!isSettled(round.phase) && round.tx) {
      const tx = round.tx;
      const receipt = await this.rpc(`read the receipt of ${tx.hash}`, () => this.provider!.getTransactionReceipt(tx.hash));
      if (receipt) return this.awaitReceipt(round, v);
      if (round.nonce !== undefined && v.attestation.nonce > round.nonce) {
        this.store.update(round, {
          phase: "superseded",
          error: { kind: "nonce", message: `the attestation nonce moved from ${round.nonce} to ${v.attestation.nonce} without transaction ${tx.hash}` },
        });
        this.log({ level: "warn", event: "superseded", msg: `the account's attestation nonce moved past ${round.nonce} without ${tx.hash} (another submitter?); not re-sending` });
        return undefined;
      }
      const known = await this.rpc(`look up ${tx.hash}`, () => this.provider!.getTransaction(tx.hash));
      if (known) return this.awaitReceipt(round, v);
      const used = await this.rpc("read the account's transaction count", () => this.provider!.getTransactionCount(tx.from, "latest"));
      if (used > tx.accountNonce) {
        // that account nonce went to another transaction: ours can never be mined; send the proof anew
        this.log({ level: "warn", event: "dropped", msg: `transaction ${tx.hash} was dropped (account nonce ${tx.accountNonce} used by another transaction); submitting the proof in a new one` });
        this.store.update(round, { phase: "proved", tx: undefined });
        return this.resume(round, v);
      }
      this.log({ level: "info", event: "rebroadcast", msg: `re-sending the recorded transaction ${tx.hash} (same bytes, account nonce ${tx.accountNonce})`, txHash: tx.hash });
      return this.broadcastAndWait(round, v);
    }
    return undefined;
  }
}

/** The SDK's venue client (docs/venue-api.md): a request signed by the account's key, the answer decrypted. */
async function defaultVenueClient(): Promise<VenueClient> {
  const { requestStatement } = await import("../venue/client.js");
  return ({ url, venueId, wallet, signal }) =>
    requestStatement({ url, venueId, signer: wallet as unknown as import("../venue/client.js").TypedDataSigner, ...(signal ? { signal } : {}) });
}

/**
 * Run the agent: one pass with `once`, else passes every `pollIntervalSeconds` until `signal`
 * aborts (serving metrics on `metricsPort` meanwhile). Returns the last pass's result.
 */
export async function runAgent(config: AgentConfig, opts: RunAgentOptions = {}): Promise<PassResult | undefined> {
  const agent = new Agent(config, opts, opts.provider);
  const log = opts.log ?? jsonLineLogger();
  let server: MetricsServer | undefined;
  let last: PassResult | undefined;
  try {
    await agent.start();
    if (!opts.once && config.metricsPort !== undefined) {
      server = await serveMetrics(agent.metrics, config.metricsHost, config.metricsPort);
      log({ level: "info", event: "metrics", msg: `metrics on ${server.url}`, url: server.url, port: server.port });
    }
    for (;;) {
      try {
        last = await agent.pass();
        log({ level: last.action === "failed" || last.action === "shortfall" ? "error" : "info", event: "pass", msg: last.message, action: last.action, epoch: last.epoch, lapsesAt: last.lapsesAt });
        opts.onPass?.(last);
      } catch (e) {
        log({ level: "error", event: "pass-error", msg: `pass failed: ${(e as Error).message}`, kind: e instanceof AgentFault ? e.kind : undefined });
        if (opts.once) throw e;
      }
      if (opts.once || opts.signal?.aborted) break;
      await sleep(config.pollIntervalSeconds * 1000, opts.signal);
      if (opts.signal?.aborted) break;
    }
    return last;
  } finally {
    await server?.close();
    await agent.stop();
    const { releaseCurve } = await import("../../setup/groth16.js");
    await releaseCurve();
  }
}

/** What `agent status` shows: the saved state and, when the chain answers, the attestation now. */
export interface AgentStatus {
  stateDir: string;
  state: AgentState | null;
  openRound: Round | null;
  chain: { reachable: true; chainId: number; account: string; now: number; latestEpoch: number | null; attestation: OnChainAttestation; lapsesAt: number | null; lapse: string } | { reachable: false; error: string };
}

export async function agentStatus(config: AgentConfig, opts: { provider?: JsonRpcApiProvider } = {}): Promise<AgentStatus> {
  const state = existsSync(config.stateDir) ? (readState(config.stateDir) ?? null) : null;
  let openRound: Round | null = null;
  if (state) for (const e of Object.values(state.epochs)) openRound ??= e.rounds.find((r) => !isSettled(r.phase)) ?? null;
  const provider = opts.provider ?? new JsonRpcProvider(config.rpcUrl, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const account = state?.account ?? (await loadAgentWallet(config, chainId)).address;
    const addresses = addressesOf(config, chainId);
    const att = attestationsContract(addresses.attestations, provider);
    const reg = registryContract(addresses.registry, provider);
    const [a, now, has] = await Promise.all([attestationOf(att, account), chainNow(provider), reg.getFunction("hasParams")() as Promise<boolean>]);
    const latestEpoch = has ? Number((await reg.getFunction("latestEpoch")()) as bigint) : null;
    return {
      stateDir: config.stateDir,
      state,
      openRound,
      chain: { reachable: true, chainId, account, now, latestEpoch, attestation: a, lapsesAt: a.attested && a.expiresAt > now ? a.expiresAt : null, lapse: lapseSentence(a, now) },
    };
  } catch (e) {
    return { stateDir: config.stateDir, state, openRound, chain: { reachable: false, error: (e as Error).message.split("\n")[0]! } };
  } finally {
    if (!opts.provider) provider.destroy();
  }
}
