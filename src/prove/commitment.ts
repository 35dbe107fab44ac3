import type { CircuitConfig } from "../config/circuits.js";
import { AMOUNT_BITS, FIELD_MODULUS } from "../config/limits.js";
import { poseidon } from "../crypto/poseidon.js";
import { ZkMarginError } from "../errors.js";
import type { Portfolio } from "../portfolio/parse.js";

/**
 * The portfolio commitment (the circuit's public output).
 *
 *   collateral slot: id * 2^97 + sign * 2^96 + |b|   (sign 1 = a debt; empty slot: 0)
 *   position slot:   id * 2^97 + sign * 2^96 + |q|   (sign 1 = short; empty slot: 0)
 *   h = salt; for each chunk of up to 15 slot values (collateral slots first, then positions,
 *   in leaf order, padded with empty slots to the configuration's slot counts):
 *   h = Poseidon(1 + len)(h, chunk)          commitment = h
 *
 * It binds asset and instrument ids and exact amounts (not leaf indexes), so an attestor can
 * recompute it from the holdings, the configuration's slot counts and the salt alone.
 * Hiding: the salt is a uniformly random field element.
 */
const SHIFT = 1n << BigInt(AMOUNT_BITS);

export function packedSlots(portfolio: Portfolio, config: CircuitConfig): bigint[] {
  checkCapacity(portfolio, config);
  const pack = (id: number, amount: bigint): bigint => BigInt(id) * 2n * SHIFT + (amount < 0n ? SHIFT - amount : amount);
  const c = portfolio.collateral.map((h) => pack(h.asset.id, h.amountBase));
  const p = portfolio.positions.map((h) => pack(h.instrument.id, h.quantityBase));
  return [
    ...c,
    ...Array<bigint>(config.collateralSlots - c.length).fill(0n),
    ...p,
    ...Array<bigint>(config.positionSlots - p.length).fill(0n),
  ];
}

/**
 * The portfolio commitment (docs/model.md, "The commitment"): a Poseidon chain from `salt` (a field
 * element) over the packed slots, padded to `config`'s slot counts, 15 slots per hash.
 */
export function commitPortfolio(portfolio: Portfolio, config: CircuitConfig, salt: bigint): bigint {
  checkFieldElement(salt, "salt");
  const values = packedSlots(portfolio, config);
  let h = salt;
  for (let i = 0; i < values.length; i += 15) h = poseidon([h, ...values.slice(i, i + 15)]);
  return h;
}

/**
 * A fresh uniformly random salt (rejection sampling below the field modulus), from WebCrypto's
 * getRandomValues (Node 20 and browsers alike).
 */
export function randomSalt(): bigint {
  const bytes = new Uint8Array(32);
  for (;;) {
    globalThis.crypto.getRandomValues(bytes);
    let x = 0n;
    for (const b of bytes) x = (x << 8n) | BigInt(b);
    x >>= 2n; // 254 bits
    if (x < FIELD_MODULUS) return x;
  }
}

export function checkCapacity(portfolio: Portfolio, config: CircuitConfig): void {
  if (portfolio.collateral.length > config.collateralSlots) {
    throw new ZkMarginError(
      "CAPACITY",
      `holds ${portfolio.collateral.length} collateral assets; the "${config.name}" circuit has ${config.collateralSlots} collateral slots (use a larger configuration)`,
      { path: "collateral", value: portfolio.collateral.length, limit: String(config.collateralSlots) },
    );
  }
  if (portfolio.positions.length > config.positionSlots) {
    throw new ZkMarginError(
      "CAPACITY",
      `holds ${portfolio.positions.length} positions; the "${config.name}" circuit has ${config.positionSlots} position slots (use a larger configuration)`,
      { path: "positions", value: portfolio.positions.length, limit: String(config.positionSlots) },
    );
  }
}

export function checkFieldElement(x: bigint, what: string): void {
  if (x < 0n || x >= FIELD_MODULUS) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be a field element: 0 <= ${what} < p (the BN254 scalar field modulus)`, {
      path: what,
      value: x.toString(),
      limit: "< p",
    });
  }
}

/** Check an opening against parameters and recompute its commitment (see opening.ts). */
export { checkOpening, makeOpening, type CheckedOpening } from "./opening.js";
