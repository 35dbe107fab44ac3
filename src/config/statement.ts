/**
 * The venue holdings-statement format's constants shared by the SDK and the circuit
 * (docs/statements.md is normative). Format 2:
 *
 *   entry       = kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude
 *                 (kind 0 collateral, 1 position; sign 1 = negative: a debt or a short; 1 <= magnitude < 2^96)
 *   chunks      = the n entries in canonical order, cut into chunks of STATEMENT_CHUNK = 15,
 *                 the last one padded with zeros
 *   h_0 = 0,  h_c = Poseidon(16)(h_{c-1}, chunk_c[0], ..., chunk_c[14])
 *   entriesHash = h_m (m = ceil(n / 15))
 *   message     = Poseidon(6)(statementTag, venueId, account, asOf, n, entriesHash)
 */
import { asciiBigEndian } from "./layout.js";

/** Entries per hashed chunk (Poseidon(16) takes the previous chain value and 15 entries). */
export const STATEMENT_CHUNK = 15;
/** The most entries one statement may hold (the format itself has no smaller bound; SDK limit). */
export const STATEMENT_MAX_ENTRIES = 1 << 20;
/** The statement file format version (`"zkmarginStatement": 2`). */
export const STATEMENT_FORMAT = 2;
/** The domain tag's ASCII text; the tag is its bytes read big-endian. */
export const STATEMENT_TAG_TEXT = "zkmargin/statement/v2";

export function statementTag(): bigint {
  return asciiBigEndian(STATEMENT_TAG_TEXT);
}

/** The number of chunks a statement of n entries hashes (n >= 1). */
export function chunkCount(n: number): number {
  return Math.ceil(n / STATEMENT_CHUNK);
}
