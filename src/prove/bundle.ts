import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { MAX_HEALTH_BPS, MIN_HEALTH_BPS } from "../config/limits.js";
import { compileValidator } from "../util/schema.js";

/**
 * A proof bundle: everything a verifier needs except the verification key. JSON, no secrets.
 * publicSignals are in snarkjs order: [commitment, paramsRoot, terms, context], where
 * terms = healthBps + creditLimitCents * 2^32 (healthBps < 2^32, creditLimitCents < 2^64): the two
 * statement parameters packed into one public signal to keep on-chain verification in budget.
 */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: "groth16";
  curve: "bn128";
}

/** A proof bundle (docs/model.md, "Proof bundle"). */
export interface ProofBundle {
  zkmargin: 2;
  protocol: "groth16";
  curve: "bn128";
  /** Circuit configuration name (small, standard, ...). */
  config: string;
  /** Hash of the circuit sources the proof was made with. */
  circuitHash: string;
  /** Risk-parameter root the proof was made against (0x, 32 bytes). */
  paramsRoot: string;
  /** Epoch of those parameters (informational; bound through paramsRoot). */
  epoch: number;
  healthBps: number;
  /** The credit limit the statement covers, USD in integer cents (decimal string). */
  creditLimitCents: string;
  /** The verifier's challenge or the on-chain binding (0x, 32 bytes). */
  context: string;
  /** Poseidon commitment to the portfolio (0x, 32 bytes). */
  commitment: string;
  /**
   * Verified mode only: the EVM account (0x, 20 bytes, lowercase) the venue statements were signed
   * for; then publicSignals has a fifth entry, the account as an integer.
   */
  account?: string;
  publicSignals: string[];
  proof: Groth16Proof;
  setup: { insecure: boolean; label: string; vkeySha256: string };
  /**
   * Which Groth16 prover made the proof: zkmargin's native C++ prover or snarkjs (absent in bundles
   * from before provers were recorded). Informational: the proof verifies the same either way.
   */
  prover?: "native" | "snarkjs";
  createdAt: string;
}

/**
 * The private opening of a bundle's commitment (`prove --opening`): give it only to an attestor or an
 * auditor. Holdings are named by id (symbols are labels, not committed) in base units, and the
 * opening carries the paramsRoot it was made under, so whoever holds it and the parameters can
 * recompute the commitment (checkOpening). JSON object keys are decimal ids.
 */
export interface CommitmentOpening {
  zkmarginOpening: 2;
  /** Circuit configuration name (its slot counts shape the commitment). */
  config: string;
  /** Risk-parameter root the holdings were resolved under (0x, 32 bytes). */
  paramsRoot: string;
  /** Epoch of those parameters (informational; bound through paramsRoot). */
  epoch: number;
  /** Poseidon commitment to the portfolio (0x, 32 bytes). */
  commitment: string;
  /** The commitment's random salt (0x, 32 bytes): SECRET. */
  salt: string;
  /** Asset id -> balance in the asset's base units (decimal string, > 0). */
  collateral: Record<string, string>;
  /** Instrument id -> signed size in the instrument's base units (decimal string, != 0). */
  positions: Record<string, string>;
}

const hex32 = { type: "string", pattern: "^0x[0-9a-f]{64}$", description: "0x followed by 64 lowercase hex digits" };
const dec = { type: "string", pattern: "^(0|[1-9][0-9]*)$", description: "a decimal integer string" };
export const bundleSchema = {
  type: "object",
  additionalProperties: false,
  required: ["zkmargin", "protocol", "curve", "config", "circuitHash", "paramsRoot", "epoch", "healthBps", "creditLimitCents", "context", "commitment", "publicSignals", "proof", "setup", "createdAt"],
  properties: {
    zkmargin: { const: 2 },
    protocol: { const: "groth16" },
    curve: { const: "bn128" },
    config: { type: "string" },
    circuitHash: { type: "string", pattern: "^[0-9a-f]{64}$", description: "64 hex digits" },
    paramsRoot: hex32,
    epoch: { type: "integer", minimum: 0 },
    healthBps: { type: "integer", minimum: MIN_HEALTH_BPS, maximum: MAX_HEALTH_BPS },
    creditLimitCents: { ...dec, maxLength: 20 },
    context: hex32,
    commitment: hex32,
    account: { type: "string", pattern: "^0x[0-9a-f]{40}$", description: "0x followed by 40 lowercase hex digits" },
    publicSignals: { type: "array", minItems: 4, maxItems: 5, items: dec },
    proof: {
      type: "object",
      required: ["pi_a", "pi_b", "pi_c", "protocol", "curve"],
      additionalProperties: false,
      properties: {
        pi_a: { type: "array", minItems: 3, maxItems: 3, items: dec },
        pi_b: { type: "array", minItems: 3, maxItems: 3, items: { type: "array", minItems: 2, maxItems: 2, items: dec } },
        pi_c: { type: "array", minItems: 3, maxItems: 3, items: dec },
        protocol: { const: "groth16" },
        curve: { const: "bn128" },
      },
    },
    setup: {
      type: "object",
      additionalProperties: false,
      required: ["insecure", "label", "vkeySha256"],
      properties: { insecure: { type: "boolean" }, label: { type: "string" }, vkeySha256: { type: "string" } },
    },
    prover: { enum: ["native", "snarkjs"] },
    createdAt: { type: "string" },
  },
} as const;

export const validateBundleShape = compileValidator(bundleSchema, "proof bundle");

const id = { type: "string", pattern: "^(0|[1-9][0-9]{0,9})$", description: "a decimal id" };
export const openingSchema = {
  type: "object",
  additionalProperties: false,
  required: ["zkmarginOpening", "config", "paramsRoot", "epoch", "commitment", "salt", "collateral", "positions"],
  properties: {
    zkmarginOpening: { const: 2 },
    config: { type: "string" },
    paramsRoot: hex32,
    epoch: { type: "integer", minimum: 0 },
    commitment: hex32,
    salt: hex32,
    collateral: {
      type: "object",
      propertyNames: id,
      additionalProperties: { type: "string", pattern: "^-?[1-9][0-9]{0,39}$", description: "a nonzero signed whole number of base units (negative: a debt)" },
    },
    positions: {
      type: "object",
      propertyNames: id,
      additionalProperties: { type: "string", pattern: "^-?[1-9][0-9]{0,39}$", description: "a nonzero signed whole number of base units" },
    },
  },
} as const;

export const validateOpeningShape = compileValidator(openingSchema, "commitment opening");

/** SHA-256 (hex) of JSON.stringify(vkey), as recorded in a bundle's `setup.vkeySha256`. */
export function vkeySha256(vkey: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(vkey))));
}

/**
 * The packed public signal `terms` = healthBps + creditLimitCents * 2^32. Unique only while
 * healthBps < 2^32 and creditLimitCents < 2^64 (then terms < 2^96 < p): a verifier checks both.
 */
export const TERMS_SHIFT = 1n << 32n;
/** terms = healthBps + creditLimitCents * 2^32. */
export function packTerms(healthBps: number, creditLimitCents: bigint): bigint {
  return BigInt(healthBps) + creditLimitCents * TERMS_SHIFT;
}
/** The inverse of packTerms (meaningful for terms < 2^96). */
export function unpackTerms(terms: bigint): { healthBps: bigint; creditLimitCents: bigint } {
  return { healthBps: terms % TERMS_SHIFT, creditLimitCents: terms / TERMS_SHIFT };
}
