/**
 * The venue statement service (docs/venue-api.md): a venue serves its accounts' holdings statements
 * over HTTP to the accounts themselves (EIP-712-signed requests, answers encrypted to the requester),
 * and the client that asks for one.
 */
export { startVenueService, parseRequestBody, VenueRequestError, type VenueService, type VenueServiceOptions } from "./service.js";
export {
  requestStatement,
  prepareStatementRequest,
  openStatementResponse,
  VenueServiceError,
  type RequestStatementOptions,
  type PreparedStatementRequest,
  type TypedDataSigner,
} from "./client.js";
export {
  VENUE_EIP712_DOMAIN,
  STATEMENT_REQUEST_TYPES,
  STATEMENT_REQUEST_PRIMARY_TYPE,
  RESPONSE_ENCRYPTION,
  RESPONSE_HKDF_INFO,
  statementRequestDigest,
  generateResponseKeyPair,
  sealResponse,
  openResponse,
  type StatementRequest,
  type StatementRequestBody,
  type EncryptedStatementResponse,
} from "./request.js";
export { MemoryStore, RedisStore, type VenueStore } from "./store.js";
export { LedgerFileSource, readLedger, type HoldingsCallback, type HoldingsSource } from "./holdings.js";
export { createStatementSigner, type StatementSigner, type FastSignInput } from "./signer.js";
export { jsonLogger, silentLogger, type VenueLogger, type LogFields, type LogLevel } from "./log.js";
export { readPrivateKeyFile } from "./keyfile.js";
