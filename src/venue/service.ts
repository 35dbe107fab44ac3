import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import { EMPTY_STATEMENT_MESSAGE, parseAccount } from "../statements/parse.js";
import type { StatementHoldings } from "../statements/types.js";
import { callbackSource, LedgerFileSource, type HoldingsCallback, type HoldingsSource } from "./holdings.js";
import { readPrivateKeyFile } from "./keyfile.js";
import { jsonLogger, silentLogger, type VenueLogger } from "./log.js";
import {
  RESPONSE_ENCRYPTION,
  STATEMENT_REQUEST_PRIMARY_TYPE,
  STATEMENT_REQUEST_TYPES,
  VENUE_EIP712_DOMAIN,
  recoverSigner,
  sealResponse,
  statementRequestDigest,
  type EncryptedStatementResponse,
  type StatementRequest,
} from "./request.js";
import { createStatementSigner, type StatementSigner } from "./signer.js";
import { MemoryStore, RedisStore, type VenueStore } from "./store.js";

/**
 * The venue statement service (docs/venue-api.md): an HTTP JSON API that answers an account's
 * EIP-712-signed request with a fresh holdings statement (format 2, asOf = now) of that account,
 * encrypted to the request's X25519 responseKey. Handlers are thin: parse and check the request,
 * check its time, its signature, its nonce (once only, in the store), the account's rate limit (in
 * the store), read the holdings from the source, sign, encrypt.
 */

/** Options of startVenueService. Exactly one of `privateKey` / `keyFile`, and of `holdings` / `ledgerFile`. */
export interface VenueServiceOptions {
  /** The venue's id, as the pool's risk parameters list it (0 .. 2^32 - 1). */
  venueId: number;
  /** The venue's statement key (0x + 64 hex digits, or 32 bytes). */
  privateKey?: string | Uint8Array;
  /** A `zkmargin venue keygen` key file; refused unless private (mode 0600, owned by this user). */
  keyFile?: string;
  /** The holdings source: a callback `(account) => holdings | undefined` (account: lowercase address). */
  holdings?: HoldingsCallback;
  /** The holdings source: a ledger file (account -> holdings), re-read when it changes. */
  ledgerFile?: string;
  /** How often the ledger file's stat is checked besides fs.watch (ms, default 1000). */
  ledgerPollMs?: number;
  /** Bind address (default 127.0.0.1: loopback only). */
  host?: string;
  /** Port (default 0: any free port; the service's `port` says which). */
  port?: number;
  /** Shared state: a VenueStore, or `{ redisUrl }` for a RedisStore (default: a MemoryStore, one instance only). */
  store?: VenueStore | { redisUrl: string };
  /** The longest a request may live: its expiry at most this many seconds after now (default 300). */
  maxLifetimeSeconds?: number;
  /** Per-account rate limit (default 60 requests per 60 s); false for none. */
  rateLimit?: { requests: number; windowSeconds: number } | false;
  /** Where logs go: a VenueLogger, or false for none (default: JSON lines on stdout). */
  logger?: VenueLogger | false;
  /** Largest request body in bytes (default 16384). */
  maxBodyBytes?: number;
  /** How long close() waits for requests in flight before cutting connections (ms, default 10000). */
  shutdownTimeoutMs?: number;
  /** The clock, in milliseconds since 1970 (default Date.now; tests move it). */
  now?: () => number;
}

/** A running venue service. */
export interface VenueService {
  /** http://host:port */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly venueId: number;
  /** The venue's public key (Ax, Ay) as decimal strings: what the risk parameters must list for venueId. */
  readonly publicKey: [string, string];
  /** Stop accepting connections, finish the requests in flight, close the store and the ledger watcher. */
  close(): Promise<void>;
}

/** An error answer: HTTP status and `{ error: { code, message, field, limit? } }`. */
export class VenueRequestError extends Error {
  override readonly name = "VenueRequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
    readonly limit?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const SIGNATURE = /^0x([0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/;
const MAX_UINT32 = 0xffffffff;
const MAX_EXPIRY = 2 ** 53 - 1;

const bad = (field: string, message: string, limit?: string): VenueRequestError => new VenueRequestError(400, "INVALID_FIELD", `${field}: ${message}`, field, limit);

/** Check the body's shape and formats (docs/venue-api.md, "POST /v1/statement"). */
export function parseRequestBody(json: unknown): { request: StatementRequest; signature: string } {
  // request.account comes back in lowercase (the EIP-712 encoding of an address ignores case).
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad("body", "must be a JSON object { request, signature }");
  const body = json as Record<string, unknown>;
  for (const k of Object.keys(body)) if (k !== "request" && k !== "signature") throw bad(k, "unknown field", "request, signature");
  const r = body.request;
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw bad("request", "must be an object { venue, account, nonce, expiry, responseKey }");
  const req = r as Record<string, unknown>;
  const known = STATEMENT_REQUEST_TYPES.StatementRequest.map((f) => f.name as string);
  for (const k of Object.keys(req)) if (!known.includes(k)) throw bad(`request.${k}`, "unknown field", known.join(", "));
  for (const k of known) if (!(k in req)) throw bad(`request.${k}`, "is required");
  const { venue, account, nonce, expiry, responseKey } = req;
  if (typeof venue !== "number" || !Number.isInteger(venue) || venue < 0 || venue > MAX_UINT32) throw bad("request.venue", "must be a venue id: a JSON integer from 0 to 2^32 - 1", "0 .. 4294967295");
  if (typeof account !== "string") throw bad("request.account", "must be an address string: 0x followed by 40 hex digits");
  let acct: string;
  try {
    acct = parseAccount(account, "request.account");
  } catch (e) {
    throw bad("request.account", isZkMarginError(e) ? e.message.replace(/^request\.account: /, "") : String(e), "0x + 40 hex digits (EIP-55 checksum if mixed case)");
  }
  if (typeof nonce !== "string" || !HEX32.test(nonce)) throw bad("request.nonce", "must be 32 bytes: 0x followed by 64 hex digits", "0x + 64 hex digits");
  if (typeof expiry !== "number" || !Number.isInteger(expiry) || expiry < 0 || expiry > MAX_EXPIRY) throw bad("request.expiry", "must be unix seconds: a JSON integer", "0 .. 2^53 - 1");
  if (typeof responseKey !== "string" || !HEX32.test(responseKey)) throw bad("request.responseKey", "must be an X25519 public key: 0x followed by 64 hex digits (32 bytes)", "0x + 64 hex digits");
  const signature = body.signature;
  if (typeof signature !== "string" || !SIGNATURE.test(signature)) {
    throw bad("signature", "must be an EIP-712 signature: 0x followed by 130 hex digits (r, s, v) or 128 (EIP-2098 compact)", "0x + 130 or 128 hex digits");
  }
  return { request: { venue, account: acct, nonce: nonce.toLowerCase(), expiry, responseKey: responseKey.toLowerCase() }, signature };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new VenueRequestError(413, "BODY_TOO_LARGE", `the request body is ${declared} bytes; at most ${limit}`, "body", `${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new VenueRequestError(413, "BODY_TOO_LARGE", `the request body is over ${limit} bytes`, "body", `${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  // While the service shuts down, every answer closes its connection (keep-alive would hold it open).
  const closing = (res as ServerResponse & { [CLOSING]?: () => boolean })[CLOSING]?.() ? { connection: "close" } : {};
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": String(Buffer.byteLength(text)), ...headers, ...closing });
  res.end(text);
}

function sendError(res: ServerResponse, e: VenueRequestError): void {
  const error: Record<string, unknown> = { code: e.code, message: e.message, field: e.field };
  if (e.limit !== undefined) error.limit = e.limit;
  send(res, e.status, { error }, e.retryAfter !== undefined ? { "retry-after": String(e.retryAfter) } : {});
}

const CLOSING = Symbol("closing");

/** Start a venue statement service (docs/venue-api.md). Resolves once it listens. */
export async function startVenueService(options: VenueServiceOptions): Promise<VenueService> {
  const venueId = options.venueId;
  if (!Number.isInteger(venueId) || venueId < 0 || venueId > MAX_UINT32) {
    throw new ZkMarginError("ARGUMENT", `must be a venue id from 0 to 2^32 - 1, got ${JSON.stringify(venueId)}`, { path: "venueId", value: venueId });
  }
  if ((options.privateKey === undefined) === (options.keyFile === undefined)) {
    throw new ZkMarginError("ARGUMENT", "give exactly one of privateKey and keyFile", { path: "keyFile" });
  }
  if ((options.holdings === undefined) === (options.ledgerFile === undefined)) {
    throw new ZkMarginError("ARGUMENT", "give exactly one holdings source: holdings (a callback) or ledgerFile", { path: "ledgerFile" });
  }
  const maxLifetime = options.maxLifetimeSeconds ?? 300;
  if (!Number.isInteger(maxLifetime) || maxLifetime < 1 || maxLifetime > 86400) {
    throw new ZkMarginError("ARGUMENT", `must be whole seconds from 1 to 86400, got ${JSON.stringify(maxLifetime)}`, { path: "maxLifetimeSeconds", value: maxLifetime, limit: "1 .. 86400" });
  }
  const rateLimit = options.rateLimit === undefined ? { requests: 60, windowSeconds: 60 } : options.rateLimit;
  if (rateLimit && (!Number.isInteger(rateLimit.requests) || rateLimit.requests < 1 || !Number.isInteger(rateLimit.windowSeconds) || rateLimit.windowSeconds < 1)) {
    throw new ZkMarginError("ARGUMENT", `must be { requests, windowSeconds }, whole numbers >= 1, got ${JSON.stringify(rateLimit)}`, { path: "rateLimit", value: rateLimit });
  }
  const maxBody = options.maxBodyBytes ?? 16384;
  const now = options.now ?? Date.now;
  const log: VenueLogger = options.logger === false ? silentLogger : options.logger ?? jsonLogger();

  const key = options.keyFile !== undefined ? readPrivateKeyFile(options.keyFile).privateKey : options.privateKey!;
  const signer: StatementSigner = createStatementSigner(key, venueId);
  const store: VenueStore = !options.store ? new MemoryStore(now) : "redisUrl" in options.store ? new RedisStore(options.store.redisUrl) : options.store;
  try {
    await store.ping();
  } catch (e) {
    await store.close().catch(() => {});
    throw new ZkMarginError("ARGUMENT", `cannot reach the ${store.kind} store: ${(e as Error).message}`, { path: "store" });
  }
  let source: HoldingsSource;
  try {
    source = options.ledgerFile !== undefined ? new LedgerFileSource(options.ledgerFile, log, options.ledgerPollMs !== undefined ? { pollMs: options.ledgerPollMs } : {}) : callbackSource(options.holdings!);
  } catch (e) {
    await store.close().catch(() => {});
    if (isZkMarginError(e)) throw e.file === undefined ? e.inFile(options.ledgerFile!, "ledger") : e;
    throw new ZkMarginError("FILE", `ledger file ${JSON.stringify(options.ledgerFile)}: ${(e as Error).message}`, { path: "ledgerFile" });
  }

  let closing = false;

  async function statement(req: IncomingMessage, res: ServerResponse, ctx: { account?: string; code?: string }): Promise<void> {
    const text = await readBody(req, maxBody);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new VenueRequestError(400, "INVALID_JSON", "the request body is not JSON", "body");
    }
    const { request, signature } = parseRequestBody(json);
    const account = request.account;
    ctx.account = account;
    if (request.venue !== venueId) {
      throw new VenueRequestError(400, "WRONG_VENUE", `request.venue: this is venue ${venueId}, the request is for venue ${request.venue}`, "request.venue", String(venueId));
    }
    const nowS = Math.floor(now() / 1000);
    if (request.expiry <= nowS) {
      throw new VenueRequestError(401, "EXPIRED", `request.expiry: the request expired at ${request.expiry}; it is now ${nowS} (unix seconds): sign a new one`, "request.expiry", `> ${nowS}`);
    }
    if (request.expiry > nowS + maxLifetime) {
      throw new VenueRequestError(
        400,
        "LIFETIME",
        `request.expiry: ${request.expiry} is ${request.expiry - nowS} s from now; a request lives at most ${maxLifetime} s`,
        "request.expiry",
        `<= now + ${maxLifetime} (${nowS + maxLifetime})`,
      );
    }
    const digest = statementRequestDigest(request);
    let signer_: string;
    try {
      signer_ = recoverSigner(digest, signature).toLowerCase();
    } catch {
      throw new VenueRequestError(401, "BAD_SIGNATURE", "signature: not a valid secp256k1 signature of the request", "signature");
    }
    if (signer_ !== account) {
      throw new VenueRequestError(401, "BAD_SIGNATURE", "signature: the request is not signed by request.account (altered, or signed by another key)", "signature");
    }
    // Authenticated. The nonce first (a replay is refused without counting against the account's
    // limit), then the limit (a refused request has used its nonce: retry with a new one).
    let fresh: boolean;
    let count = 0;
    try {
      fresh = await store.reserve(`nonce:${venueId}:${account}:${request.nonce}`, request.expiry - nowS + 1);
      if (fresh && rateLimit) {
        const window = Math.floor(nowS / rateLimit.windowSeconds);
        count = await store.increment(`rate:${venueId}:${account}:${window}`, rateLimit.windowSeconds + 1);
      }
    } catch (e) {
      log.error("store.error", { store: store.kind, message: (e as Error).message });
      throw new VenueRequestError(503, "UNAVAILABLE", "the service's store is unavailable; retry later", null);
    }
    if (!fresh) {
      throw new VenueRequestError(409, "NONCE_REUSED", "request.nonce: this nonce was already used by this account at this venue: sign a new request with a fresh random nonce", "request.nonce");
    }
    if (rateLimit && count > rateLimit.requests) {
      const windowEnd = (Math.floor(nowS / rateLimit.windowSeconds) + 1) * rateLimit.windowSeconds;
      const retryAfter = Math.max(1, windowEnd - nowS);
      throw new VenueRequestError(
        429,
        "RATE_LIMITED",
        `account: more than ${rateLimit.requests} requests in ${rateLimit.windowSeconds} s; retry after ${retryAfter} s with a new request`,
        "request.account",
        `${rateLimit.requests} per ${rateLimit.windowSeconds} s`,
        retryAfter,
      );
    }
    let holdings: StatementHoldings | undefined | null;
    try {
      holdings = await source.get(account);
    } catch (e) {
      log.error("holdings.error", { account, message: isZkMarginError(e) ? e.code : (e as Error).name });
      throw new VenueRequestError(503, "UNAVAILABLE", "the venue's holdings source failed; retry later", null);
    }
    const unknown = () => new VenueRequestError(404, "UNKNOWN_ACCOUNT", `request.account: venue ${venueId} holds nothing for ${account} (a statement holds at least one entry)`, "request.account");
    if (!holdings) throw unknown();
    let signed;
    try {
      signed = signer.sign({ holdings, account, asOf: nowS });
    } catch (e) {
      if (isZkMarginError(e) && e.message.includes(EMPTY_STATEMENT_MESSAGE)) throw unknown();
      // Bad holdings from a callback: the venue's bug. Logged by code and path only (no amounts).
      log.error("holdings.invalid", { account, code: isZkMarginError(e) ? e.code : "INTERNAL", path: isZkMarginError(e) ? e.path ?? null : null });
      throw new VenueRequestError(500, "INTERNAL", "the venue could not sign this account's holdings", null);
    }
    let sealed;
    try {
      sealed = sealResponse(JSON.stringify(signed), request.responseKey, digest);
    } catch {
      throw new VenueRequestError(400, "INVALID_FIELD", "request.responseKey: not a usable X25519 public key (a low-order point)", "request.responseKey");
    }
    const body: EncryptedStatementResponse = { venue: venueId, account, asOf: nowS, encryption: RESPONSE_ENCRYPTION, ...sealed };
    send(res, 200, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    const ctx: { account?: string; code?: string } = {};
    (res as ServerResponse & { [CLOSING]?: () => boolean })[CLOSING] = () => closing;
    try {
      if (path === "/v1/statement") {
        if (req.method !== "POST") throw new VenueRequestError(405, "METHOD_NOT_ALLOWED", "use POST /v1/statement", "method", "POST");
        if (closing) throw new VenueRequestError(503, "UNAVAILABLE", "the service is shutting down", null);
        await statement(req, res, ctx);
      } else if (path === "/healthz") {
        if (req.method !== "GET" && req.method !== "HEAD") throw new VenueRequestError(405, "METHOD_NOT_ALLOWED", "use GET /healthz", "method", "GET");
        if (closing) send(res, 503, { status: "shutting-down", venue: venueId });
        else {
          try {
            await store.ping();
            send(res, 200, { status: "ok", venue: venueId, store: store.kind });
          } catch {
            send(res, 503, { status: "unavailable", venue: venueId, store: store.kind, reason: "store unreachable" });
          }
        }
      } else if (path === "/v1/venue") {
        if (req.method !== "GET") throw new VenueRequestError(405, "METHOD_NOT_ALLOWED", "use GET /v1/venue", "method", "GET");
        send(res, 200, {
          venue: venueId,
          publicKey: signer.publicKey,
          eip712: { domain: VENUE_EIP712_DOMAIN, types: STATEMENT_REQUEST_TYPES, primaryType: STATEMENT_REQUEST_PRIMARY_TYPE },
          encryption: RESPONSE_ENCRYPTION,
          maxLifetimeSeconds: maxLifetime,
          rateLimit: rateLimit || null,
        });
      } else throw new VenueRequestError(404, "NOT_FOUND", `no route ${req.method} ${path}: see docs/venue-api.md`, "path");
    } catch (e) {
      const err =
        e instanceof VenueRequestError
          ? e
          : (log.error("internal", { account: ctx.account, message: (e as Error).message?.slice(0, 200) }), new VenueRequestError(500, "INTERNAL", "internal error", null));
      ctx.code = err.code;
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    } finally {
      if (path !== "/healthz") {
        log.info("request", {
          method: req.method,
          path,
          account: ctx.account,
          status: res.statusCode,
          code: ctx.code,
          latencyMs: Math.round((performance.now() - t0) * 100) / 100,
        });
      }
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (e) => {
    source.close();
    await store.close().catch(() => {});
    throw new ZkMarginError("ARGUMENT", `cannot listen on ${options.host ?? "127.0.0.1"}:${options.port ?? 0}: ${(e as Error).message}`, { path: "port", value: options.port });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.address;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`;
  log.info("listening", { url, venue: venueId, store: store.kind, source: options.ledgerFile !== undefined ? "ledger" : "callback", pid: process.pid });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      log.info("shutdown.start", { pid: process.pid });
      const timeout = options.shutdownTimeoutMs ?? 10000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn("shutdown.timeout", { ms: timeout });
          server.closeAllConnections();
        }, timeout);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      source.close();
      await store.close().catch(() => {});
      log.info("shutdown.done", { pid: process.pid });
    })());

  return { url, host, port: addr.port, venueId, publicKey: signer.publicKey, close };
}
