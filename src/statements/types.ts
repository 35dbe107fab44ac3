import type { StatementEntry } from "./encoding.js";

/** An EdDSA-Poseidon signature on Baby Jubjub: the point R8 and the scalar S (S < subgroup order). */
export interface StatementSignature {
  R8: [bigint, bigint];
  S: bigint;
}

/**
 * A holdings statement (validated, normalized). `collateral` is sorted by asset id and `positions`
 * by instrument id; amounts are signed (a negative balance is a debt, a negative position a short)
 * and never 0; together 1 .. STATEMENT_MAX_ENTRIES entries.
 */
export interface Statement {
  venueId: number;
  /** The account as a lowercase 0x-prefixed 20-byte hex address. */
  account: string;
  /** Unix seconds. */
  asOf: bigint;
  collateral: { assetId: number; amount: bigint }[];
  positions: { instrumentId: number; quantity: bigint }[];
  /** The venue's statement key (Ax, Ay), as the venue states it; verification compares it with the parameters. */
  publicKey: [bigint, bigint];
  signature: StatementSignature;
}

/** The JSON file form (docs/statements.md, "File format"): ids as keys, decimal strings outside. */
export interface StatementJson {
  zkmarginStatement: 2;
  venue: number;
  account: string;
  asOf: number;
  collateral: Record<string, string>;
  positions: Record<string, string>;
  publicKey: [string, string];
  signature: { R8: [string, string]; S: string };
}

/**
 * What a venue signs: balances and positions keyed by the pool's asset / instrument ids (a number
 * or a decimal string), amounts in base units (a bigint or a decimal integer string, signed: a
 * negative balance is a debt, a negative position a short). Zero amounts are dropped.
 */
export interface StatementHoldings {
  collateral?: Record<string, string | bigint>;
  positions?: Record<string, string | bigint>;
}

/** The entries of a statement in canonical order (collateral by id, then positions by id). */
export function statementEntries(s: Pick<Statement, "collateral" | "positions">): StatementEntry[] {
  return [
    ...s.collateral.map((c) => ({ kind: "collateral" as const, id: c.assetId, amount: c.amount })),
    ...s.positions.map((p) => ({ kind: "position" as const, id: p.instrumentId, amount: p.quantity })),
  ];
}
