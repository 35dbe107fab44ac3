import { createHash } from "node:crypto";
import { compileValidator } from "../util/schema.js";

/**
 * A proof bundle: everything a verifier needs except the verification key. JSON, no secrets.
 * publicSignals are in snarkjs order: [commitment, paramsRoot, healthBps, context].
 */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: "groth16";
  curve: "bn128";
}

export interface ProofBundle {
  zkmargin: 1;
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
  /** The verifier's challenge or the on-chain binding (0x, 32 bytes). */
  context: string;
  /** Poseidon commitment to the portfolio (0x, 32 bytes). */
  commitment: string;
  publicSignals: string[];
  proof: Groth16Proof;
  setup: { insecure: boolean; label: string; vkeySha256: string };
  createdAt: string;
}

/** The private opening of a bundle's commitment: give it only to an attestor. */
export interface CommitmentOpening {
  zkmarginOpening: 1;
  config: string;
  commitment: string;
  salt: string;
  portfolio: { collateral: Record<string, string>; positions: Record<string, string> };
}

const hex32 = { type: "string", pattern: "^0x[0-9a-f]{64}$", description: "0x followed by 64 lowercase hex digits" };
const dec = { type: "string", pattern: "^(0|[1-9][0-9]*)$", description: "a decimal integer string" };
export const bundleSchema = {
  type: "object",
  additionalProperties: false,
  required: ["zkmargin", "protocol", "curve", "config", "circuitHash", "paramsRoot", "epoch", "healthBps", "context", "commitment", "publicSignals", "proof", "setup", "createdAt"],
  properties: {
    zkmargin: { const: 1 },
    protocol: { const: "groth16" },
    curve: { const: "bn128" },
    config: { type: "string" },
    circuitHash: { type: "string", pattern: "^[0-9a-f]{64}$", description: "64 hex digits" },
    paramsRoot: hex32,
    epoch: { type: "integer", minimum: 0 },
    healthBps: { type: "integer", minimum: 10000 },
    context: hex32,
    commitment: hex32,
    publicSignals: { type: "array", minItems: 4, maxItems: 4, items: dec },
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
    createdAt: { type: "string" },
  },
} as const;

export const validateBundleShape = compileValidator(bundleSchema, "proof bundle");

export function vkeySha256(vkey: unknown): string {
  return createHash("sha256").update(JSON.stringify(vkey)).digest("hex");
}
