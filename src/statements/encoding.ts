import { AMOUNT_BITS, ID_BITS } from "../config/limits.js";
import { poseidon } from "../crypto/poseidon.js";
import { STATEMENT_CHUNK, STATEMENT_FORMAT, STATEMENT_MAX_ENTRIES, STATEMENT_TAG_TEXT, statementTag } from "../config/statement.js";

/**
 * The signed message of a holdings statement, format 2 (docs/statements.md, "Message"). A venue signs
 * ONE field element so that the circuit can check the signature with circomlib's EdDSAPoseidonVerifier:
 *
 *     entry       = kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude
 *                   (kind 0 collateral, 1 position; sign 1 = negative: a debt or a short;
 *                    1 <= magnitude < 2^96)
 *     the n >= 1 entries in canonical order (collateral by asset id ascending, then positions by
 *     instrument id ascending), cut into m = ceil(n / 15) chunks of 15, the last one padded with 0
 *     h_0         = 0,  h_c = Poseidon(16)(h_{c-1}, chunk_c[0], ..., chunk_c[14])
 *     entriesHash = h_m
 *     M           = Poseidon(6)(STATEMENT_DOMAIN_TAG, venueId, account, asOf, n, entriesHash)
 *
 * Cost in the circuit: one Poseidon(16) per chunk and one Poseidon(6) per statement, plus the entry
 * unpacking (a 131-bit decomposition per entry).
 */

/** The domain tag as text: its ASCII bytes read as one big-endian integer are the first input of M. */
export const STATEMENT_DOMAIN = STATEMENT_TAG_TEXT;
/** `STATEMENT_DOMAIN` as a field element (21 bytes, big-endian). */
export const STATEMENT_DOMAIN_TAG: bigint = statementTag();
/**
 * Entries per hashed chunk (15) and the most entries a statement may hold (2^20). Declared once in
 * src/config/statement.ts, which the circuit's main generator reads too.
 */
export { STATEMENT_CHUNK, STATEMENT_MAX_ENTRIES };
/** The format version written as `"zkmarginStatement": 2`. */
export const STATEMENT_FORMAT_VERSION: typeof STATEMENT_FORMAT = STATEMENT_FORMAT;

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

/**
 * One entry of a statement: an asset balance (kind 0; negative = a debt) or a position (kind 1;
 * negative = short). The amount is never 0.
 */
export interface StatementEntry {
  kind: "collateral" | "position";
  /** Asset id (collateral) or instrument id (position), < 2^32. */
  id: number;
  /** Base units, signed (negative = a debt for collateral, a short for a position), never 0; |amount| < 2^96. */
  amount: bigint;
}

/** Pack one entry into a field element (throws RangeError on values the format cannot hold). */
export function packEntry(e: StatementEntry): bigint {
  if (e.kind !== "collateral" && e.kind !== "position") throw new RangeError(`entry kind ${String(e.kind)} is not "collateral" or "position"`);
  if (!Number.isInteger(e.id) || e.id < 0 || BigInt(e.id) >= ID_LIMIT) throw new RangeError(`entry id ${e.id} is not an integer in 0..2^32 - 1`);
  const id = BigInt(e.id);
  const mag = e.amount < 0n ? -e.amount : e.amount;
  if (mag === 0n || mag >= MAGNITUDE_LIMIT) throw new RangeError(`entry amount ${e.amount} must be non-zero with magnitude below 2^96`);
  const kind = e.kind === "position" ? ENTRY_KIND_POSITION : ENTRY_KIND_COLLATERAL;
  const sign = e.amount < 0n ? 1n : 0n;
  return (kind << ENTRY_KIND_SHIFT) + (id << ENTRY_ID_SHIFT) + (sign << ENTRY_SIGN_SHIFT) + mag;
}

/** Inverse of packEntry: 0, a zero magnitude (also "-0"), bit 129 set or a value >= 2^131 throw RangeError. */
export function unpackEntry(packed: bigint): StatementEntry {
  if (packed <= 0n || packed >= 1n << BigInt(ENTRY_BITS)) throw new RangeError(`${packed} is not a packed entry`);
  const kind = packed >> ENTRY_KIND_SHIFT;
  const id = (packed >> ENTRY_ID_SHIFT) & ((1n << 33n) - 1n);
  if (id >= ID_LIMIT) throw new RangeError(`${packed} is not a packed entry (bit 129 set)`);
  const sign = (packed >> ENTRY_SIGN_SHIFT) & 1n;
  const mag = packed & (MAGNITUDE_LIMIT - 1n);
  if (mag === 0n) throw new RangeError(`${packed} is not a packed entry (zero magnitude${sign === 1n ? ", negative sign" : ""})`);
  return { kind: kind === 1n ? "position" : "collateral", id: Number(id), amount: sign === 1n ? -mag : mag };
}

/**
 * The n packed entries in canonical order: collateral by asset id ascending, then positions by
 * instrument id ascending (no padding: length n). The entries must be valid (no zero, no duplicate
 * (kind, id), 1..STATEMENT_MAX_ENTRIES of them): parseStatement and signStatement check that with
 * clear errors first; here a violation is a RangeError.
 */
export function packedEntries(entries: readonly StatementEntry[]): bigint[] {
  if (entries.length < 1) throw new RangeError("nothing to sign/prove: a statement holds at least one entry");
  if (entries.length > STATEMENT_MAX_ENTRIES) throw new RangeError(`${entries.length} entries; a statement holds at most ${STATEMENT_MAX_ENTRIES}`);
  const sorted = [...entries].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === "collateral" ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.kind === sorted[i - 1]!.kind && sorted[i]!.id === sorted[i - 1]!.id) {
      throw new RangeError(`${sorted[i]!.kind} id ${sorted[i]!.id} appears twice`);
    }
  }
  return sorted.map(packEntry);
}

/** The packed entries cut into chunks of STATEMENT_CHUNK (15), the last one padded with zeros (none for an empty list). */
export function entryChunks(packed: readonly bigint[]): bigint[][] {
  const chunks: bigint[][] = [];
  for (let i = 0; i < packed.length; i += STATEMENT_CHUNK) {
    const chunk = packed.slice(i, i + STATEMENT_CHUNK);
    while (chunk.length < STATEMENT_CHUNK) chunk.push(0n);
    chunks.push(chunk);
  }
  return chunks;
}

/** The chain over packed chunks: h_0 = 0, h_c = Poseidon(16)(h_{c-1}, chunk_c[0..14]); returns h_1 .. h_m. */
export function chunkChain(chunks: readonly (readonly bigint[])[]): bigint[] {
  const out: bigint[] = [];
  let h = 0n;
  for (const c of chunks) {
    if (c.length !== STATEMENT_CHUNK) throw new RangeError(`a chunk holds ${STATEMENT_CHUNK} entries, got ${c.length}`);
    h = poseidon([h, ...c]);
    out.push(h);
  }
  return out;
}

/** entriesHash = h_m: the chained Poseidon(16) over the canonical entries in chunks of 15 (docs/statements.md). */
export function entriesHash(entries: readonly StatementEntry[]): bigint {
  const chain = chunkChain(entryChunks(packedEntries(entries)));
  return chain[chain.length - 1]!;
}

/** The fields the message binds. `account` is the 20-byte address as an integer. */
export interface MessageFields {
  venueId: number;
  account: bigint;
  asOf: bigint;
  entries: readonly StatementEntry[];
}

/** M = Poseidon(6)(domain tag, venue id, account, asOf, n, entriesHash): the field element the venue signs. */
export function messageOf(f: MessageFields): bigint {
  return poseidon([STATEMENT_DOMAIN_TAG, BigInt(f.venueId), f.account, f.asOf, BigInt(f.entries.length), entriesHash(f.entries)]);
}
