import type { AssetParams, InstrumentParams, RiskParams, VenueParams } from "../params/types.js";
import { SUBGROUP_ORDER, inSubgroup, onCurve, verifyField } from "./eddsa.js";
import { StatementError } from "./errors.js";
import { statementMessage } from "./message.js";
import { parseAccount, toStatement } from "./parse.js";
import { isoOf, parseStatementTime } from "./time.js";
import type { Statement, StatementJson } from "./types.js";

/** Optional checks of verifyStatement. */
export interface VerifyStatementOptions {
  /** The account the statement must be for (EVM address). */
  account?: string;
  /** The verifier's clock (unix seconds or ISO): a statement dated after it is refused. Not checked when absent. */
  now?: number | bigint | string;
}

/** A statement that may be used under the parameters, with its holdings resolved. */
export interface VerifiedStatement {
  statement: Statement;
  venue: VenueParams;
  /** The signed field element M. */
  message: bigint;
  /** Balances in assets the parameters list (counted). */
  collateral: { asset: AssetParams; amount: bigint }[];
  positions: { instrument: InstrumentParams; quantity: bigint }[];
  /** Balances (> 0) in assets the parameters do not list: not counted (leaving a positive balance out only lowers collateral). */
  notCounted: { assetId: number; amount: bigint }[];
}

/** The StatementError (rule "debt") for a debt in an asset the parameters do not list. */
export function unlistedDebtError(venueId: number, assetId: number, amount: bigint, path: string, used: "this statement" | "these statements"): StatementError {
  const mag = amount < 0n ? -amount : amount;
  return new StatementError(
    "debt",
    `venue ${venueId} holds a debt of ${mag} base units in asset ${assetId}, which the risk parameters do not list: a debt is never left out, so ${used} cannot be used under these parameters`,
    { path, value: amount.toString() },
  );
}

const showKey = (k: readonly [bigint, bigint]) => `[${k[0]}, ${k[1]}]`;

/**
 * Check that a statement may be used under `params` (docs/statements.md, "Verification"), in this
 * order: the signature (R8 on the curve and in the prime-order subgroup, S below the subgroup order,
 * the EdDSA-Poseidon equation under the statement's key), the venue (listed under the parameters with
 * exactly this key), freshness (|asOf - params.asOf| <= maxStatementAge; not after `now` when given),
 * the account (when given), every position's instrument listed, no debt in an asset the parameters do
 * not list (rule "debt"; a positive balance in one is only not counted). A rule broken is a
 * StatementError naming it; a malformed statement is a plain ZkMarginError.
 */
export function verifyStatement(statement: Statement | StatementJson, params: RiskParams, opts: VerifyStatementOptions = {}): VerifiedStatement {
  return verifyOne(statement, params, opts, "this statement");
}

/** verifyStatement, with the wording of the unlisted-debt error chosen by the caller (one statement or a set). */
export function verifyOne(
  statement: Statement | StatementJson,
  params: RiskParams,
  opts: VerifyStatementOptions,
  used: "this statement" | "these statements",
): VerifiedStatement {
  const s = toStatement(statement);
  const message = statementMessage(s);
  const { R8, S } = s.signature;

  // Signature.
  if (!onCurve(s.publicKey)) {
    throw new StatementError("signature", `the statement's public key ${showKey(s.publicKey)} is not a Baby Jubjub point`, { path: "publicKey", value: s.publicKey.map(String) });
  }
  if (!onCurve(R8)) throw new StatementError("signature", `bad signature: R8 is not a point of the Baby Jubjub curve`, { path: "signature.R8", value: R8.map(String) });
  if (!inSubgroup(R8)) {
    throw new StatementError("signature", `bad signature: R8 is not in the curve's prime-order subgroup`, { path: "signature.R8", value: R8.map(String) });
  }
  if (S >= SUBGROUP_ORDER) {
    throw new StatementError("signature", `bad signature: S must be below the subgroup order ${SUBGROUP_ORDER}`, {
      path: "signature.S",
      value: S.toString(),
      limit: `< ${SUBGROUP_ORDER}`,
    });
  }
  if (!verifyField(message, { R8, S }, s.publicKey)) {
    throw new StatementError(
      "signature",
      `bad signature: it does not verify under the statement's key for venue ${s.venueId} (the statement was altered after signing, or signed with another key)`,
      { path: "signature", value: `message 0x${message.toString(16)}` },
    );
  }

  // Venue.
  const venue = params.venues.find((v) => v.id === s.venueId);
  if (!venue) {
    const listed = params.venues.length ? `it lists ${params.venues.map((v) => `${v.id} (${v.name})`).join(", ")}` : "it lists no venues";
    throw new StatementError("venue", `the risk parameters do not list venue ${s.venueId}; ${listed}`, { path: "venue", value: s.venueId });
  }
  if (venue.publicKey[0] !== s.publicKey[0] || venue.publicKey[1] !== s.publicKey[1]) {
    throw new StatementError(
      "venue",
      `the risk parameters list another key for venue ${venue.id} (${venue.name}): ${showKey(venue.publicKey)}, not the statement's ${showKey(s.publicKey)}`,
      { path: "publicKey", value: s.publicKey.map(String), limit: showKey(venue.publicKey) },
    );
  }

  // Freshness.
  const lo = params.asOfUnix - params.maxStatementAge;
  const hi = params.asOfUnix + params.maxStatementAge;
  const window = `the parameters accept statements from ${isoOf(lo < 0n ? 0n : lo)} to ${isoOf(hi)} (asOf ${params.asOf} +/- ${params.maxStatementAge} s)`;
  if (s.asOf < lo || s.asOf > hi) {
    throw new StatementError(
      "freshness",
      `the statement is ${s.asOf < lo ? "stale" : "from after the parameters' window"}: asOf ${isoOf(s.asOf)} (unix ${s.asOf}); ${window}`,
      { path: "asOf", value: Number(s.asOf), limit: `${lo < 0n ? 0n : lo} .. ${hi}` },
    );
  }
  if (opts.now !== undefined) {
    const now = parseStatementTime(opts.now, "now");
    if (s.asOf > now) {
      throw new StatementError("freshness", `the statement is dated in the future: asOf ${isoOf(s.asOf)} is after now (${isoOf(now)})`, {
        path: "asOf",
        value: Number(s.asOf),
        limit: `<= ${now}`,
      });
    }
  }

  // Account.
  if (opts.account !== undefined) {
    const want = parseAccount(opts.account, "account");
    if (want !== s.account) {
      throw new StatementError("account", `the statement is for account ${s.account}, not ${want}`, { path: "account", value: s.account, limit: want });
    }
  }

  // Ids: every position counted (an unknown instrument makes the statement unusable); positive balances
  // in unknown assets are not counted, a debt in one makes the statement unusable (never left out).
  const positions = s.positions.map((p) => {
    const instrument = params.instruments.find((i) => i.id === p.instrumentId);
    if (!instrument) {
      throw new StatementError(
        "instrument",
        `position in instrument ${p.instrumentId}, which the risk parameters do not list: every position must be counted, so this statement cannot be used under these parameters`,
        { path: `positions[${JSON.stringify(String(p.instrumentId))}]`, value: p.quantity.toString() },
      );
    }
    return { instrument, quantity: p.quantity };
  });
  const collateral: VerifiedStatement["collateral"] = [];
  const notCounted: VerifiedStatement["notCounted"] = [];
  for (const c of s.collateral) {
    const asset = params.assets.find((a) => a.id === c.assetId);
    if (asset) collateral.push({ asset, amount: c.amount });
    else if (c.amount < 0n) throw unlistedDebtError(s.venueId, c.assetId, c.amount, `collateral[${JSON.stringify(String(c.assetId))}]`, used);
    else notCounted.push({ assetId: c.assetId, amount: c.amount });
  }
  return { statement: s, venue, message, collateral, positions, notCounted };
}

/** One line per balance the parameters do not list (for a prover's notice). */
export function describeNotCounted(v: Pick<VerifiedStatement, "venue" | "notCounted">): string[] {
  return v.notCounted.map(
    (n) => `collateral in asset ${n.assetId} (${n.amount} base units) at venue ${v.venue.id} is not counted: the risk parameters do not list asset ${n.assetId}`,
  );
}
