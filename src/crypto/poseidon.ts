import * as P from "poseidon-lite";
import { FIELD_MODULUS } from "../config/limits.js";

type Hash = (inputs: bigint[]) => bigint;
const BY_ARITY: Record<number, Hash> = {
  1: P.poseidon1, 2: P.poseidon2, 3: P.poseidon3, 4: P.poseidon4, 5: P.poseidon5, 6: P.poseidon6,
  7: P.poseidon7, 8: P.poseidon8, 9: P.poseidon9, 10: P.poseidon10, 11: P.poseidon11, 12: P.poseidon12,
  13: P.poseidon13, 14: P.poseidon14, 15: P.poseidon15, 16: P.poseidon16,
};

/**
 * circomlib-compatible Poseidon over BN254 with 1..16 inputs (the same function as circomlib's
 * `Poseidon(n)` template). Inputs must already be field elements in [0, p).
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  const h = BY_ARITY[inputs.length];
  if (!h) throw new RangeError(`Poseidon takes 1 to 16 inputs, got ${inputs.length}`);
  for (const x of inputs) {
    if (x < 0n || x >= FIELD_MODULUS) throw new RangeError(`Poseidon input ${x} is not a field element`);
  }
  return h([...inputs]);
}

/** A signed integer as a BN254 field element (negative values wrap to p - |x|). */
export function toField(x: bigint): bigint {
  const r = x % FIELD_MODULUS;
  return r < 0n ? r + FIELD_MODULUS : r;
}

export function toHex32(x: bigint): string {
  return `0x${x.toString(16).padStart(64, "0")}`;
}
