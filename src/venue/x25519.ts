import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";

// X25519 keys as raw bytes <-> node:crypto KeyObjects. Kept out of request.ts so that the public
// type declarations never mention node:crypto (consumers may compile without @types/node).

export const X25519_SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
export const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** A raw 32-byte X25519 public key as a KeyObject. */
export function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

/** A raw 32-byte X25519 private key as a KeyObject. */
export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: "der", type: "pkcs8" });
}
