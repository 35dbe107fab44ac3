/**
 * The venue holdings-statement format's constants shared by the SDK and the circuit
 * (docs/statements.md is normative).
 *
 *   entry   = kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude   (kind 0 collateral, 1 position)
 *   message = Poseidon(5)(statementTag, venueId, account, asOf, Poseidon(E)(entry_0 .. entry_{E-1}))
 */
import { asciiBigEndian } from "./layout.js";

/** Entries per statement (unused entries are 0, at the end). */
export const STATEMENT_ENTRIES = 16;
/** The domain tag's ASCII text; the tag is its bytes read big-endian. */
export const STATEMENT_TAG_TEXT = "zkmargin/statement/v1";

export function statementTag(): bigint {
  return asciiBigEndian(STATEMENT_TAG_TEXT);
}
