import { ZkMarginError } from "../errors.js";

/**
 * The rule a well-formed statement broke (docs/statements.md, "Verification"). A statement that
 * breaks one is invalid: the CLI exits 1 for these (code STATEMENT, in `venue verify`, `venue sign` and
 * `prove --statement` alike), 2 for a file it cannot read or parse.
 */
export type StatementRule =
  | "signature" // the signature does not verify under the statement's key
  | "venue" // the parameters do not list the venue, or list another key for it
  | "freshness" // asOf outside the parameters' window (or after `now`)
  | "account" // a statement for another account
  | "instrument" // a position in an instrument the parameters do not list
  | "debt" // a debt (negative balance) in an asset the parameters do not list: it can never be left out (portfolioFromStatements)
  | "duplicate-venue"; // two statements of one venue in one portfolio

/** A statement that is well-formed but may not be used: code "STATEMENT", with the rule it broke. */
export class StatementError extends ZkMarginError {
  readonly rule: StatementRule;
  constructor(rule: StatementRule, message: string, opts: { path?: string; value?: unknown; limit?: string } = {}) {
    super("STATEMENT", message, opts);
    this.rule = rule;
  }
}
