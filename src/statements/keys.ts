import { randomBytes } from "node:crypto";
import { ZkMarginError, show } from "../errors.js";
import { publicKeyOf } from "./eddsa.js";

/** A venue's statement key pair, JSON-friendly: the private key as 0x + 64 hex digits, the public key as decimal strings. */
export interface StatementKey {
  privateKey: string;
  publicKey: [string, string];
}

/** The key file written by `zkmargin venue keygen` (docs/statements.md, "Keys"). */
export interface StatementKeyFile extends StatementKey {
  zkmarginVenueKey: 1;
}

/**
 * A fresh statement key: 32 bytes from the operating system's CSPRNG as the EdDSA private key (the
 * "seed" hashed by BLAKE-512, as circomlibjs's prv2pub / signPoseidon take it), and its public key.
 */
export function generateStatementKey(): StatementKey {
  const privateKey = randomBytes(32);
  const [x, y] = publicKeyOf(privateKey);
  return { privateKey: `0x${privateKey.toString("hex")}`, publicKey: [x.toString(), y.toString()] };
}

/**
 * A private key as 32 raw bytes, from 0x + 64 hex digits (or the bytes themselves): a Node Buffer,
 * declared as the Uint8Array it is, so that the package's types need no @types/node.
 */
export function privateKeyBytes(key: string | Uint8Array, path = "privateKey"): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new ZkMarginError("ARGUMENT", `must be 32 bytes, got ${key.length}`, { path, limit: "32 bytes" });
    return Buffer.from(key);
  }
  if (typeof key !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new ZkMarginError("ARGUMENT", "must be a statement private key: 0x followed by 64 hex digits (32 bytes)", { path, value: "(hidden)" });
  }
  return Buffer.from(key.slice(2), "hex");
}

/**
 * A PUBLIC development key: ASCII `text` (at most 32 characters) zero-padded to 32 bytes, as
 * 0x + 64 hex digits. Anyone can sign with it: for examples, tests and benchmarks only (the example
 * venue's key is devStatementKey("zkmargin example venue 1"), docs/market-format.md).
 */
export function devStatementKey(text: string): string {
  const bytes = Buffer.from(text, "ascii");
  if (bytes.length > 32) throw new ZkMarginError("ARGUMENT", `a development key's text is at most 32 characters, got ${bytes.length}`, { path: "text", value: text, limit: "<= 32" });
  return `0x${Buffer.concat([bytes, Buffer.alloc(32 - bytes.length)]).toString("hex")}`;
}

/** The public key of a private key, as decimal strings. */
export function statementPublicKey(privateKey: string | Uint8Array): [string, string] {
  const [x, y] = publicKeyOf(privateKeyBytes(privateKey));
  return [x.toString(), y.toString()];
}

/** Read a key file: the private key, checked against the public key it lists (if any). */
export function parseStatementKeyFile(json: unknown, path = "key file"): StatementKey {
  const raw = json as Partial<StatementKeyFile> | null;
  if (!raw || typeof raw !== "object" || raw.zkmarginVenueKey !== 1) {
    throw new ZkMarginError("SCHEMA", `is not a venue statement key file (expected "zkmarginVenueKey": 1; make one with \`zkmargin venue keygen\`)`, { path });
  }
  for (const k of Object.keys(raw)) {
    if (!["zkmarginVenueKey", "privateKey", "publicKey"].includes(k)) throw new ZkMarginError("SCHEMA", `unknown field "${k}" in the key file`, { path, value: k });
  }
  const publicKey = statementPublicKey(privateKeyBytes(raw.privateKey as string, `${path}: privateKey`));
  if (raw.publicKey !== undefined && (raw.publicKey?.[0] !== publicKey[0] || raw.publicKey?.[1] !== publicKey[1])) {
    throw new ZkMarginError("MISMATCH", `its publicKey ${show(raw.publicKey)} is not the public key of its privateKey (${show(publicKey)})`, {
      path: `${path}: publicKey`,
      value: raw.publicKey,
    });
  }
  return { privateKey: raw.privateKey as string, publicKey };
}
