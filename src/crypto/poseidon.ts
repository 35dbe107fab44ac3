import { FIELD_MODULUS } from "../config/limits.js";
import { lazyRequire } from "../util/lazyRequire.js";

type Hash = (inputs: bigint[]) => bigint;

/**
 * poseidon-lite's function per arity, each loaded on first use (poseidon-lite/poseidonN: its own
 * round constants only; the package's index decodes all 16 arities' constants, 0.1-0.2 s).
 */
const byArity: (Hash | undefined)[] = [];
function hashOf(arity: number): Hash {
  return (byArity[arity] ??= lazyRequire<Record<string, Hash>>(`poseidon-lite/poseidon${arity}`)[`poseidon${arity}`]!);
}

/**
 * circomlib-compatible Poseidon over BN254 with 1..16 inputs (the same function as circomlib's
 * `Poseidon(n)` template). Inputs must already be field elements in [0, p).
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  const n = inputs.length;
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new RangeError(`Poseidon takes 1 to 16 inputs, got ${n}`);
  for (const x of inputs) {
    if (x < 0n || x >= FIELD_MODULUS) throw new RangeError(`Poseidon input ${x} is not a field element`);
  }
  return hashOf(n)([...inputs]);
}

/** A signed integer as a BN254 field element (negative values wrap to p - |x|). */
export function toField(x: bigint): bigint {
  const r = x % FIELD_MODULUS;
  return r < 0n ? r + FIELD_MODULUS : r;
}

export function toHex32(x: bigint): string {
  return `0x${x.toString(16).padStart(64, "0")}`;
}
