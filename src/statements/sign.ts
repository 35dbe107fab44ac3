import { ZkMarginError, show } from "../errors.js";
import { ID_LIMIT } from "../config/limits.js";
import { signField, publicKeyOf } from "./eddsa.js";
import { messageOf } from "./encoding.js";
import { privateKeyBytes } from "./keys.js";
import { normalizeHoldings, parseAccount, statementToJson } from "./parse.js";
import { parseStatementTime } from "./time.js";
import { statementEntries, type Statement, type StatementHoldings, type StatementJson } from "./types.js";

/** What signStatement needs: the holdings, the venue id, the account, the time and the venue's key. */
export interface SignStatementInput {
  /** Balances and positions keyed by the pool's asset / instrument ids, in base units. */
  holdings: StatementHoldings;
  venueId: number;
  /** The account's EVM address. */
  account: string;
  /** Unix seconds (number, bigint, digit string) or an ISO 8601 date-time with a zone. */
  asOf: number | bigint | string;
  /** The venue's statement private key: 0x + 64 hex digits, or 32 bytes. */
  privateKey: string | Uint8Array;
}

/**
 * Sign a holdings statement (docs/statements.md): the venue's balances and positions for one
 * account as of a time. Returns the statement file form (format 2). A negative balance is a debt
 * and is signed as such. No entries at all (every amount 0) is refused (ARGUMENT), and so are more
 * than STATEMENT_MAX_ENTRIES entries (CAPACITY).
 */
export function signStatement(input: SignStatementInput): StatementJson {
  const { venueId } = input;
  if (!Number.isInteger(venueId) || venueId < 0 || BigInt(venueId) >= ID_LIMIT) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be a venue id from 0 to 2^32 - 1, got ${show(venueId)}`, { path: "venueId", value: venueId });
  }
  const account = parseAccount(input.account, "account");
  const asOf = parseStatementTime(input.asOf, "asOf");
  const { collateral, positions } = normalizeHoldings(input.holdings);
  const key = privateKeyBytes(input.privateKey);
  const message = messageOf({ venueId, account: BigInt(account), asOf, entries: statementEntries({ collateral, positions }) });
  const sig = signField(key, message);
  const statement: Statement = {
    venueId,
    account,
    asOf,
    collateral,
    positions,
    publicKey: publicKeyOf(key),
    signature: { R8: [sig.R8[0], sig.R8[1]], S: sig.S },
  };
  return statementToJson(statement);
}
