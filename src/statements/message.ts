import { messageOf } from "./encoding.js";
import { toStatement } from "./parse.js";
import { statementEntries, type Statement, type StatementJson } from "./types.js";

/** The field element M a statement's signature is over (docs/statements.md, "Message"). */
export function statementMessage(statement: Statement | StatementJson): bigint {
  const s = toStatement(statement);
  return messageOf({ venueId: s.venueId, account: BigInt(s.account), asOf: s.asOf, entries: statementEntries(s) });
}
