import { randomBytes } from "node:crypto";
import { ZkMarginError } from "../errors.js";
import { parseAccount, parseStatement } from "../statements/parse.js";
import type { StatementJson } from "../statements/types.js";
import {
  RESPONSE_ENCRYPTION,
  STATEMENT_REQUEST_TYPES,
  VENUE_EIP712_DOMAIN,
  generateResponseKeyPair,
  openResponse,
  statementRequestDigest,
  type EncryptedStatementResponse,
  type StatementRequest,
  type StatementRequestBody,
} from "./request.js";

/** What signs a request: an ethers Signer (Wallet, JsonRpcSigner, ...) or anything with these two methods. */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(domain: Record<string, unknown>, types: Record<string, { name: string; type: string }[]>, value: Record<string, unknown>): Promise<string>;
}

/** A signed request ready to send, and what opens its answer (keep `responsePrivateKey` secret). */
export interface PreparedStatementRequest {
  body: StatementRequestBody;
  /** The request's EIP-712 digest (0x + 64 hex digits): HKDF info and AES-GCM additional data. */
  digest: string;
  /** The X25519 private key of `body.request.responseKey` (32 bytes). */
  responsePrivateKey: Uint8Array;
}

/**
 * Build and sign a statement request (docs/venue-api.md): a fresh random nonce, expiry = now +
 * lifetimeSeconds (default 60), a fresh X25519 response key; the account is the signer's address.
 */
export async function prepareStatementRequest(opts: { venueId: number; signer: TypedDataSigner; lifetimeSeconds?: number; now?: number }): Promise<PreparedStatementRequest> {
  const account = parseAccount((await opts.signer.getAddress()).toLowerCase(), "signer");
  const nowS = Math.floor((opts.now ?? Date.now()) / 1000);
  const keys = generateResponseKeyPair();
  const request: StatementRequest = {
    venue: opts.venueId,
    account,
    nonce: `0x${randomBytes(32).toString("hex")}`,
    expiry: nowS + (opts.lifetimeSeconds ?? 60),
    responseKey: `0x${Buffer.from(keys.publicKey).toString("hex")}`,
  };
  const signature = await opts.signer.signTypedData(
    { ...VENUE_EIP712_DOMAIN },
    STATEMENT_REQUEST_TYPES as unknown as Record<string, { name: string; type: string }[]>,
    { ...request },
  );
  return { body: { request, signature }, digest: statementRequestDigest(request), responsePrivateKey: keys.privateKey };
}

/**
 * Decrypt a venue's answer to a prepared request and check that it is a statement (format 2) of the
 * venue and account asked for. Does not check the venue's signature against the pool's parameters:
 * verifyStatement / portfolioFromStatements do, with the parameters.
 */
export function openStatementResponse(prepared: PreparedStatementRequest, response: EncryptedStatementResponse): StatementJson {
  if (response.encryption !== RESPONSE_ENCRYPTION) {
    throw new ZkMarginError("MISMATCH", `the venue answered with encryption ${JSON.stringify(response.encryption)}, expected ${RESPONSE_ENCRYPTION}`, { path: "encryption" });
  }
  let text: string;
  try {
    text = openResponse(response, prepared.responsePrivateKey, prepared.body.request.responseKey, prepared.digest);
  } catch (e) {
    throw new ZkMarginError("MISMATCH", `the venue's answer does not decrypt with this request's key (altered, or for another request): ${(e as Error).message}`, { path: "ciphertext" });
  }
  const json = JSON.parse(text) as StatementJson;
  const statement = parseStatement(json);
  const { venue, account } = prepared.body.request;
  if (statement.venueId !== venue) throw new ZkMarginError("MISMATCH", `the statement is from venue ${statement.venueId}, asked venue ${venue}`, { path: "venue", value: statement.venueId, limit: String(venue) });
  if (statement.account !== account) throw new ZkMarginError("MISMATCH", `the statement is for ${statement.account}, asked for ${account}`, { path: "account", value: statement.account, limit: account });
  return json;
}

/**
 * An error answer of a venue service: the HTTP `status`, the service's `code` (docs/venue-api.md,
 * "Errors"), the `field` it names, Retry-After (seconds) for 429. `retryable`: the same request
 * may succeed later with a NEW request (429, 503, other 5xx); a 4xx other than 429 will not.
 */
export class VenueServiceError extends Error {
  override readonly name = "VenueServiceError";
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
    readonly retryAfter: number | undefined,
  ) {
    super(`venue service: ${status} ${code}: ${message}`);
    this.retryable = status === 429 || status >= 500;
  }
}

/** Options of requestStatement. */
export interface RequestStatementOptions {
  /** The service's base URL (`http://127.0.0.1:8646`). */
  url: string;
  venueId: number;
  /** The account's key: the request is signed by it, and the statement is for its address. */
  signer: TypedDataSigner;
  /** The request's lifetime in seconds (default 60; the venue refuses more than its maximum, 300 by default). */
  lifetimeSeconds?: number;
  signal?: AbortSignal;
  /** fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
  /** The clock for the request's expiry, ms since 1970 (default Date.now). */
  now?: number;
}

/**
 * Ask a venue statement service for the signer's holdings statement (docs/venue-api.md): sign a
 * request, POST it to /v1/statement, decrypt the answer. Returns the statement (format 2). A refusal
 * is a VenueServiceError with the service's status, code and field (and Retry-After for 429).
 */
export async function requestStatement(opts: RequestStatementOptions): Promise<StatementJson> {
  const prepared = await prepareStatementRequest(opts);
  const doFetch = opts.fetch ?? fetch;
  const res = await doFetch(new URL("/v1/statement", opts.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(prepared.body),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VenueServiceError(res.status, "INVALID_RESPONSE", `the answer is not JSON (${text.slice(0, 80)})`, null, undefined);
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; field?: string | null } }).error ?? {};
    const retry = res.headers.get("retry-after");
    throw new VenueServiceError(res.status, err.code ?? "UNKNOWN", err.message ?? text.slice(0, 200), err.field ?? null, retry ? Number(retry) : undefined);
  }
  return openStatementResponse(prepared, json as EncryptedStatementResponse);
}
