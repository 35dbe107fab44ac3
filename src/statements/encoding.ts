import { AMOUNT_BITS, ID_BITS } from "../config/limits.js";
import { poseidon } from "../crypto/poseidon.js";
import { STATEMENT_ENTRIES, STATEMENT_TAG_TEXT, statementTag } from "../config/statement.js";

/**
 * The signed message of a holdings statement (docs/statements.md, "Message"). A venue signs ONE
 * field element so that the circuit can check the signature with circomlib's EdDSAPoseidonVerifier:
 *
 *     entry       = kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude
 *                   (kind 0 collateral, 1 position; sign 1 = short; 1 <= magnitude < 2^96)
 *     entriesHash = Poseidon(16)(entry_0, ..., entry_15)
 *                   (collateral by asset id ascending, then positions by instrument id ascending,
 *                    unused entries 0 at the end)
 *     M           = Poseidon(5)(STATEMENT_DOMAIN_TAG, venueId, account, asOf, entriesHash)
 *
 * Cost in the circuit: one Poseidon(16) and one Poseidon(5) per statement, plus the entry unpacking
 * (a 131-bit decomposition per entry).
 */

/** The domain tag as text: its ASCII bytes read as one big-endian integer are the first input of M. */
export const STATEMENT_DOMAIN = STATEMENT_TAG_TEXT;
/** `STATEMENT_DOMAIN` as a field element (21 bytes, big-endian). */
export const STATEMENT_DOMAIN_TAG: bigint = statementTag();
/**
 * Statement capacity E: the number of entry slots hashed (one asset balance or one position each).
 * Declared once in src/config/statement.ts, which the circuit's main generator reads too.
 */
export { STATEMENT_ENTRIES };
/** The format version written as `"zkmarginStatement": 1`. */
export const STATEMENT_FORMAT_VERSION = 1;

/** Bit positions of the packed entry. */
export const ENTRY_SIGN_SHIFT = BigInt(AMOUNT_BITS); // 96
/** Bit position of the id in a packed entry (97). */
export const ENTRY_ID_SHIFT = ENTRY_SIGN_SHIFT + 1n; // 97
/** Bit position of the kind in a packed entry (130). */
export const ENTRY_KIND_SHIFT = 130n; // ids are < 2^32, so bit 129 is always 0
/** A packed entry is below 2^131. */
export const ENTRY_BITS = 131;

export const ENTRY_KIND_COLLATERAL = 0n;
export const ENTRY_KIND_POSITION = 1n;

const MAGNITUDE_LIMIT = 1n << ENTRY_SIGN_SHIFT;
const ID_LIMIT = 1n << BigInt(ID_BITS);

/** One entry of a statement: an asset balance (kind 0, amount >= 1) or a position (kind 1, amount != 0). */
export interface StatementEntry {
  kind: "collateral" | "position";
  /** Asset id (collateral) or instrument id (position), < 2^32. */
  id: number;
  /** Base units; signed for positions (negative = short), never 0. */
  amount: bigint;
}

/** Pack one entry into a field element (throws RangeError on values the format cannot hold). */
export function packEntry(e: StatementEntry): bigint {
  const id = BigInt(e.id);
  if (!Number.isInteger(e.id) || id < 0n || id >= ID_LIMIT) throw new RangeError(`entry id ${e.id} is not an integer in 0..2^32 - 1`);
  const mag = e.amount < 0n ? -e.amount : e.amount;
  if (mag === 0n || mag >= MAGNITUDE_LIMIT) throw new RangeError(`entry amount ${e.amount} must be non-zero with magnitude below 2^96`);
  if (e.kind === "collateral" && e.amount < 0n) throw new RangeError(`collateral entry ${e.id} is negative (${e.amount})`);
  const kind = e.kind === "position" ? ENTRY_KIND_POSITION : ENTRY_KIND_COLLATERAL;
  const sign = e.amount < 0n ? 1n : 0n;
  return (kind << ENTRY_KIND_SHIFT) + (id << ENTRY_ID_SHIFT) + (sign << ENTRY_SIGN_SHIFT) + mag;
}

/** Inverse of packEntry (0 and malformed values throw RangeError). */
export function unpackEntry(packed: bigint): StatementEntry {
  if (packed <= 0n || packed >= 1n << BigInt(ENTRY_BITS)) throw new RangeError(`${packed} is not a packed entry`);
  const kind = packed >> ENTRY_KIND_SHIFT;
  const id = (packed >> ENTRY_ID_SHIFT) & ((1n << 33n) - 1n);
  if (id >= ID_LIMIT) throw new RangeError(`${packed} is not a packed entry (bit 129 set)`);
  const sign = (packed >> ENTRY_SIGN_SHIFT) & 1n;
  const mag = packed & (MAGNITUDE_LIMIT - 1n);
  if (mag === 0n || (kind === 0n && sign === 1n)) throw new RangeError(`${packed} is not a packed entry`);
  return { kind: kind === 1n ? "position" : "collateral", id: Number(id), amount: sign === 1n ? -mag : mag };
}

/**
 * The E packed entry slots in canonical order: collateral by asset id ascending, then positions by
 * instrument id ascending, then zeros. The entries must already be valid (no zero, no duplicate
 * (kind, id), at most E): parseStatement and signStatement check that with clear errors first.
 */
export function packedEntries(entries: readonly StatementEntry[]): bigint[] {
  if (entries.length > STATEMENT_ENTRIES) throw new RangeError(`${entries.length} entries; a statement holds at most ${STATEMENT_ENTRIES}`);
  const sorted = [...entries].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === "collateral" ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.kind === sorted[i - 1]!.kind && sorted[i]!.id === sorted[i - 1]!.id) {
      throw new RangeError(`${sorted[i]!.kind} id ${sorted[i]!.id} appears twice`);
    }
  }
  const packed = sorted.map(packEntry);
  while (packed.length < STATEMENT_ENTRIES) packed.push(0n);
  return packed;
}

/** entriesHash = Poseidon(16) over the E = 16 packed entry slots. */
export function entriesHash(entries: readonly StatementEntry[]): bigint {
  return poseidon(packedEntries(entries));
}

/** The fields the message binds. `account` is the 20-byte address as an integer. */
export interface MessageFields {
  venueId: number;
  account: bigint;
  asOf: bigint;
  entries: readonly StatementEntry[];
}

/** M = Poseidon(5)(domain tag, venue id, account, asOf, entriesHash): the field element the venue signs. */
export function messageOf(f: MessageFields): bigint {
  return poseidon([STATEMENT_DOMAIN_TAG, BigInt(f.venueId), f.account, f.asOf, entriesHash(f.entries)]);
}
