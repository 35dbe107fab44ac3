import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from "node:crypto";
import { X25519_PKCS8_PREFIX, X25519_SPKI_PREFIX, x25519PrivateKey, x25519PublicKey } from "./x25519.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { recoverAddress } from "ethers";

/**
 * The statement request (docs/venue-api.md): what an account signs to ask a venue for its
 * holdings statement, and how the venue's answer is encrypted to the requester.
 *
 * EIP-712, domain { name: "zkmargin venue", version: "1" } (no chainId: a statement is not tied
 * to a chain, and a wallet asked to sign a domain with a chainId must be on that chain), message
 *
 *     StatementRequest(uint32 venue,address account,bytes32 nonce,uint64 expiry,bytes32 responseKey)
 *
 * `responseKey` is a fresh X25519 public key of the requester: the venue encrypts the statement to
 * it (X25519 ECDH with a fresh key of the venue, HKDF-SHA256, AES-256-GCM), so a request intercepted
 * and raced to the venue yields only a ciphertext that the requester alone can open.
 */

export const VENUE_EIP712_DOMAIN = { name: "zkmargin venue", version: "1" } as const;
export const STATEMENT_REQUEST_TYPES = {
  StatementRequest: [
    { name: "venue", type: "uint32" },
    { name: "account", type: "address" },
    { name: "nonce", type: "bytes32" },
    { name: "expiry", type: "uint64" },
    { name: "responseKey", type: "bytes32" },
  ],
} as const;
export const STATEMENT_REQUEST_PRIMARY_TYPE = "StatementRequest";
/** The `encryption` field of a response: the scheme below. */
export const RESPONSE_ENCRYPTION = "x25519-hkdf-sha256-aes-256-gcm";
/** HKDF's info prefix (ASCII), followed by the request's EIP-712 digest. */
export const RESPONSE_HKDF_INFO = "zkmargin venue statement v1";

/** The signed fields of a request (JSON form: hex strings for bytes32, numbers for venue and expiry). */
export interface StatementRequest {
  /** The venue id (0 .. 2^32 - 1). */
  venue: number;
  /** The account's address (0x + 40 hex digits). */
  account: string;
  /** 32 random bytes, 0x + 64 hex digits: never used twice by an account at a venue. */
  nonce: string;
  /** Unix seconds after which the venue refuses the request. */
  expiry: number;
  /** The requester's X25519 public key (32 bytes, 0x + 64 hex digits). */
  responseKey: string;
}

/** The body of `POST /v1/statement`. */
export interface StatementRequestBody {
  request: StatementRequest;
  /** The account's EIP-712 signature of `request`: 0x + 130 hex digits (r, s, v) or 128 (EIP-2098 compact). */
  signature: string;
}

/** The body of a 200 answer to `POST /v1/statement`. */
export interface EncryptedStatementResponse {
  venue: number;
  account: string;
  /** The statement's asOf (unix seconds): not secret (the request's time). */
  asOf: number;
  encryption: typeof RESPONSE_ENCRYPTION;
  /** The venue's fresh X25519 public key for this answer, 0x + 64 hex digits. */
  serverKey: string;
  /** AES-GCM's 12-byte IV, 0x + 24 hex digits. */
  iv: string;
  /** base64 (RFC 4648, with padding) of the AES-256-GCM ciphertext of the statement JSON (UTF-8) followed by the 16-byte tag. */
  ciphertext: string;
}

const utf8 = (t: string): Uint8Array => new TextEncoder().encode(t);
/** keccak256("StatementRequest(uint32 venue,address account,bytes32 nonce,uint64 expiry,bytes32 responseKey)"). */
export const STATEMENT_REQUEST_TYPEHASH: Uint8Array = keccak_256(
  utf8(`${STATEMENT_REQUEST_PRIMARY_TYPE}(${STATEMENT_REQUEST_TYPES.StatementRequest.map((f) => `${f.type} ${f.name}`).join(",")})`),
);
/** The EIP-712 domain separator: keccak256(keccak256("EIP712Domain(string name,string version)") || keccak256("zkmargin venue") || keccak256("1")). */
export const VENUE_DOMAIN_SEPARATOR: Uint8Array = keccak_256(
  concatBytes(keccak_256(utf8("EIP712Domain(string name,string version)")), keccak_256(utf8(VENUE_EIP712_DOMAIN.name)), keccak_256(utf8(VENUE_EIP712_DOMAIN.version))),
);

/** A whole number (< 2^53) as a 32-byte big-endian word. */
function word(x: number | bigint, into: Uint8Array, at: number): void {
  let v = BigInt(x);
  for (let i = 31; i >= 0; i--) {
    into[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * The EIP-712 digest keccak256(0x19 0x01 || domainSeparator || hashStruct(request)), 0x + 64 hex
 * digits, where hashStruct = keccak256(typeHash || venue || account || nonce || expiry || responseKey),
 * each a 32-byte word (numbers and the address left-padded with zeros). The same value as ethers'
 * TypedDataEncoder.hash (test/venue/request.test.ts), without its generic encoder. The fields must
 * already be well-formed (parseRequestBody).
 */
export function statementRequestDigest(request: StatementRequest): string {
  const struct = new Uint8Array(192);
  struct.set(STATEMENT_REQUEST_TYPEHASH, 0);
  word(request.venue, struct, 32);
  struct.set(hexToBytes(request.account.slice(2)), 64 + 12);
  struct.set(hexToBytes(request.nonce.slice(2)), 96);
  word(request.expiry, struct, 128);
  struct.set(hexToBytes(request.responseKey.slice(2)), 160);
  const msg = new Uint8Array(66);
  msg[0] = 0x19;
  msg[1] = 0x01;
  msg.set(VENUE_DOMAIN_SEPARATOR, 2);
  msg.set(keccak_256(struct), 34);
  return `0x${bytesToHex(keccak_256(msg))}`;
}

/** The address that signed `digest` (ethers' recoverAddress; throws on a malformed signature). */
export function recoverSigner(digest: string, signature: string): string {
  return recoverAddress(digest, signature);
}

// ---------------------------------------------------------------- X25519 keys as raw bytes

/** A fresh X25519 key pair: raw 32-byte keys. */
export function generateResponseKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const priv = privateKey.export({ format: "der", type: "pkcs8" }).subarray(X25519_PKCS8_PREFIX.length);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(X25519_SPKI_PREFIX.length);
  return { privateKey: new Uint8Array(priv), publicKey: new Uint8Array(pub) };
}

const hexBytes = (hex: string): Buffer => Buffer.from(hex.slice(2), "hex");
const toHex = (b: Uint8Array): string => `0x${Buffer.from(b).toString("hex")}`;

function deriveKey(shared: Buffer, responseKey: Uint8Array, serverKey: Uint8Array, digest: string): Buffer {
  if (shared.every((b) => b === 0)) throw new Error("X25519 shared secret is zero (a low-order public key)");
  const salt = Buffer.concat([responseKey, serverKey]);
  const info = Buffer.concat([Buffer.from(RESPONSE_HKDF_INFO, "ascii"), hexBytes(digest)]);
  return Buffer.from(hkdfSync("sha256", shared, salt, info, 32));
}

/**
 * The venue's side: encrypt `plaintext` (the statement JSON) to the request's responseKey. A fresh
 * X25519 key pair per answer; key = HKDF-SHA256(ikm = X25519 shared secret, salt = responseKey ||
 * serverKey, info = "zkmargin venue statement v1" || digest, 32 bytes); AES-256-GCM with a random
 * 12-byte IV and the digest (32 bytes) as additional data. Throws for a low-order responseKey.
 */
export function sealResponse(
  plaintext: string,
  responseKey: string,
  digest: string,
  /** Fixed server key and IV: for test vectors only (docs/venue-api.md), never in service. */
  fixed: { serverPrivateKey?: Uint8Array; iv?: Uint8Array } = {},
): { serverKey: string; iv: string; ciphertext: string } {
  const peer = hexBytes(responseKey);
  const privateKey = fixed.serverPrivateKey ? x25519PrivateKey(fixed.serverPrivateKey) : generateKeyPairSync("x25519").privateKey;
  const serverKey = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(X25519_SPKI_PREFIX.length);
  const shared = diffieHellman({ privateKey, publicKey: x25519PublicKey(peer) });
  const key = deriveKey(shared, peer, serverKey, digest);
  const iv = fixed.iv ? Buffer.from(fixed.iv) : randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(hexBytes(digest));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { serverKey: toHex(serverKey), iv: toHex(iv), ciphertext: body.toString("base64") };
}

/** The requester's side: decrypt a response with the responseKey's private key. Throws if it does not authenticate. */
export function openResponse(response: Pick<EncryptedStatementResponse, "serverKey" | "iv" | "ciphertext">, responsePrivateKey: Uint8Array, responseKey: string, digest: string): string {
  const serverKey = hexBytes(response.serverKey);
  const shared = diffieHellman({ privateKey: x25519PrivateKey(responsePrivateKey), publicKey: x25519PublicKey(serverKey) });
  const key = deriveKey(shared, hexBytes(responseKey), serverKey, digest);
  const body = Buffer.from(response.ciphertext, "base64");
  if (body.length < 16) throw new Error("ciphertext is shorter than the 16-byte tag");
  const decipher = createDecipheriv("aes-256-gcm", key, hexBytes(response.iv));
  decipher.setAAD(hexBytes(digest));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
}
