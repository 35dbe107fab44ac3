/**
 * Holdings statements (verified mode): a venue signs an account's balances and positions; anyone
 * verifies them against the risk parameters; a prover sums them into a portfolio.
 * Normative format: docs/statements.md.
 */
export { devStatementKey, generateStatementKey, parseStatementKeyFile, statementPublicKey, type StatementKey, type StatementKeyFile } from "./keys.js";
export { signStatement, type SignStatementInput } from "./sign.js";
export { statementMessage } from "./message.js";
export { verifyStatement, describeNotCounted, type VerifiedStatement, type VerifyStatementOptions } from "./verify.js";
export { portfolioFromStatements, statementEntryCount, type PortfolioFromStatementsOptions, type StatementPortfolio } from "./portfolio.js";
export { parseStatement, statementToJson, statementSchema } from "./parse.js";
export { holdingsFromPortfolioJson } from "./holdings.js";
export { StatementError, type StatementRule } from "./errors.js";
export {
  STATEMENT_DOMAIN,
  STATEMENT_DOMAIN_TAG,
  STATEMENT_CHUNK,
  STATEMENT_MAX_ENTRIES,
  STATEMENT_FORMAT_VERSION,
  ENTRY_KIND_SHIFT,
  ENTRY_ID_SHIFT,
  ENTRY_SIGN_SHIFT,
  ENTRY_BITS,
  packEntry,
  unpackEntry,
  packedEntries,
  entryChunks,
  chunkChain,
  entriesHash,
  messageOf,
  type StatementEntry,
  type MessageFields,
} from "./encoding.js";
export { statementEntries, type Statement, type StatementJson, type StatementHoldings, type StatementSignature } from "./types.js";
