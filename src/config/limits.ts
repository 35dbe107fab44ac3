/**
 * Units and bit budgets shared by the parsers, the engine, the tree builder and (later) the circuit.
 *
 * The common unit is 1e-26 USD ("E26"): prices and risk values have at most 8 decimals (E8) and
 * token/contract amounts at most 18 decimals, so `amount * price` is an exact integer in E26 once
 * the per-whole-unit E8 value is scaled to a per-base-unit value:
 *
 *     unitValueE26 = valueE8 * 10^(18 - decimals)        (value of ONE base unit, in 1e-26 USD)
 *     holdingE26   = amountBaseUnits * unitValueE26
 *
 * Haircut-adjusted amounts carry an extra factor of 10000 (bps): "E30" = E26 * 1e4.
 *
 * Bit budget (worst case, all magnitudes):
 *   amount (collateral balance, |position|)  < 2^AMOUNT_BITS       = 2^96   (checked by the parser)
 *   unit value (asset, risk, short-opt. min) < 2^UNIT_VALUE_BITS   = 2^112  (checked by the tree builder)
 *   one holding's value or scenario P&L      < 2^VALUE_BITS        = 2^208
 *   haircut thresholds (upTo, E26)           < 2^VALUE_BITS        = 2^208  (checked by the tree builder)
 *   bps factors                              <= 10000              < 2^14
 *   healthBps                                <= MAX_HEALTH_BPS     < 2^20
 * The circuit adds the slot counts on top (see circuits/README.md); every total stays below 2^252.
 */
export const USD_PLACES = 8; // prices, risk values, thresholds: at most 8 decimals
export const MAX_TOKEN_DECIMALS = 18;
export const E26_PLACES = 26; // the common unit: 1e-26 USD
export const BPS = 10000n;

export const AMOUNT_BITS = 96;
export const UNIT_VALUE_BITS = 112;
export const VALUE_BITS = AMOUNT_BITS + UNIT_VALUE_BITS; // 208
export const ID_BITS = 32;
export const EPOCH_BITS = 64;
/** The lowest health level a statement may use: 10000 bps, the maintenance check (1.0x). */
export const MIN_HEALTH_BPS = 10000;
/** The highest health level the SDK accepts: 1,000,000 bps (100x). */
export const MAX_HEALTH_BPS = 1_000_000; // 100x; < 2^20
export const HEALTH_BITS = 20;

/**
 * Credit limit (the statement's public creditLimit): USD in integer cents, 0 <= creditLimitCents < 2^64.
 * In E26: creditLimitCents * 10^24 < 2^144.
 */
export const CREDIT_BITS = 64;
/** A credit limit in cents must be below this: 2^64. */
export const CREDIT_LIMIT_CENTS_LIMIT = 1n << BigInt(CREDIT_BITS);
export const CENTS_TO_E26 = 10n ** 24n;

/**
 * Per-group risk bound of the circuit: every group's scenario loss |loss_{g,k}| and its short-option
 * minimum must be below 2^GROUP_RISK_BITS x 1e-26 USD (~1.43e19 USD, far above any real book). The
 * circuit proves m_g >= candidate with a (GROUP_RISK_BITS + 1)-bit range check of the difference,
 * which is complete exactly for books inside this bound (the prover refuses others with a clear
 * error) and sound for every book (see circuits/margin/margin.circom).
 */
export const GROUP_RISK_BITS = 150;
export const GROUP_RISK_LIMIT = 1n << BigInt(GROUP_RISK_BITS);

/** Statement freshness window (seconds) and asOf (unix seconds): both committed, both < 2^40. */
export const TIME_BITS = 40;
export const TIME_LIMIT = 1n << BigInt(TIME_BITS);

export const AMOUNT_LIMIT = 1n << BigInt(AMOUNT_BITS);
export const UNIT_VALUE_LIMIT = 1n << BigInt(UNIT_VALUE_BITS);
export const VALUE_LIMIT = 1n << BigInt(VALUE_BITS);
export const ID_LIMIT = 1n << BigInt(ID_BITS);
export const EPOCH_LIMIT = 1n << BigInt(EPOCH_BITS);

/** BN254 scalar field modulus (the field of circom and Poseidon). */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** 10^(18 - decimals): converts a per-whole-unit E8 value to a per-base-unit E26 value. */
export function baseUnitScale(decimals: number): bigint {
  return 10n ** BigInt(MAX_TOKEN_DECIMALS - decimals);
}

/** Human form of a power-of-two limit, e.g. `2^112 (~5.19e33)`. */
export function showLimit(bits: number): string {
  const v = 1n << BigInt(bits);
  const s = v.toString();
  return `2^${bits} (~${s[0]}.${s.slice(1, 3)}e${s.length - 1})`;
}
