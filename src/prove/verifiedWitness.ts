import { isVerifiedConfig, type CircuitConfig } from "../config/circuits.js";
import { STATEMENT_ENTRIES } from "../config/statement.js";
import { packedEntries, unpackEntry } from "../statements/encoding.js";
import { statementEntries, type Statement } from "../statements/types.js";
import { ZkMarginError } from "../errors.js";
import type { Portfolio } from "../portfolio/parse.js";
import { buildWitnessInput, flatSiblings, type WitnessArgs, type WitnessBundle } from "./witness.js";

/**
 * Verified mode's witness: the self-declared witness (buildWitnessInput) plus the venue statements
 * and the selector matrix that assigns each statement entry to the portfolio slot with its key
 * (circuits/verified/verified.circom).
 */

/** A signed statement as the circuit sees it: packed entries (length STATEMENT_ENTRIES) and the EdDSA signature. */
export interface StatementWitness {
  venueId: number;
  /** Unix seconds. */
  asOf: bigint;
  entries: bigint[];
  R8: readonly [bigint, bigint];
  S: bigint;
}

/** The circuit's view of a parsed statement (docs/statements.md): packed entry slots and signature. */
export function statementWitnessOf(st: Statement): StatementWitness {
  return {
    venueId: st.venueId,
    asOf: st.asOf,
    entries: packedEntries(statementEntries(st)),
    R8: st.signature.R8,
    S: st.signature.S,
  };
}

const s = (x: bigint | number) => x.toString();

/**
 * One statement's rows of the selector matrix: each used entry goes to the portfolio slot with its
 * key (collateral slot i, or position slot C + j); a collateral entry whose asset the portfolio does
 * not hold is left out. Also returns what the statement adds to each slot. Throws when a position
 * entry has no slot (every statement position must be counted).
 */
export function selectorRows(portfolio: Portfolio, config: CircuitConfig, entries: readonly bigint[], venueId: number) {
  const C = config.collateralSlots;
  const N = C + config.positionSlots;
  const sums = Array<bigint>(N).fill(0n);
  const rows = entries.map((packed) => {
    const row = Array<string>(N).fill("0");
    if (packed === 0n) return row;
    const { kind, id, amount } = unpackEntry(packed);
    let n: number;
    if (kind === "position") {
      const j = portfolio.positions.findIndex((p) => p.instrument.id === id);
      if (j < 0) {
        throw new ZkMarginError(
          "MISMATCH",
          `venue ${venueId}'s statement holds a position in instrument ${id} that the portfolio does not count; every statement position must be counted`,
          { path: "statements", value: id },
        );
      }
      n = C + j;
    } else {
      n = portfolio.collateral.findIndex((c) => c.asset.id === id); // -1: left out (only lowers collateral)
    }
    if (n >= 0) {
      row[n] = "1";
      sums[n]! += amount;
    }
    return row;
  });
  return { rows, sums };
}

export function buildVerifiedWitnessInput(args: WitnessArgs & { account: bigint; statements: readonly StatementWitness[] }): WitnessBundle {
  const { params, tree, portfolio, config, statements } = args;
  if (!isVerifiedConfig(config)) {
    throw new ZkMarginError("ARGUMENT", `the "${config.name}" circuit is not a verified-mode circuit (it takes no venue statements)`, { path: "--config" });
  }
  const V = config.statementSlots!;
  if (statements.length < 1 || statements.length > V) {
    throw new ZkMarginError("CAPACITY", `${statements.length} statements; the "${config.name}" circuit takes 1 to ${V}`, {
      path: "statements",
      value: statements.length,
      limit: `1..${V}`,
    });
  }
  if (args.account < 0n || args.account >= 1n << 160n) {
    throw new ZkMarginError("OUT_OF_RANGE", "must be a 20-byte EVM address", { path: "account", value: args.account.toString(), limit: "< 2^160" });
  }
  const base = buildWitnessInput(args);
  const C = config.collateralSlots;
  const P = config.positionSlots;
  const N = C + P;
  const E = STATEMENT_ENTRIES;
  const venueSiblingCount = params.layout.venueArities.reduce((a, b) => a + b, 0);

  const byVenue = [...statements].sort((a, b) => a.venueId - b.venueId);
  const totals = Array<bigint>(N).fill(0n);
  const sel: string[][][] = [];
  const cols: Record<string, string[] | string[][]> = {
    sUsed: [], sVenueIndex: [], sVenueId: [], sAx: [], sAy: [], sVenueSiblings: [], sAsOf: [], sEntries: [], sR8x: [], sR8y: [], sS: [],
  };
  const push = (k: string, v: string | string[]) => (cols[k] as (string | string[])[]).push(v);
  for (let slot = 0; slot < V; slot++) {
    const st = byVenue[slot];
    if (!st) {
      for (const k of ["sUsed", "sVenueIndex", "sVenueId", "sAx", "sAy", "sAsOf", "sR8x", "sR8y", "sS"]) push(k, "0");
      push("sVenueSiblings", Array<string>(venueSiblingCount).fill("0"));
      push("sEntries", Array<string>(E).fill("0"));
      sel.push(Array.from({ length: E }, () => Array<string>(N).fill("0")));
      continue;
    }
    if (slot > 0 && byVenue[slot - 1]!.venueId === st.venueId) {
      throw new ZkMarginError("DUPLICATE", `two statements from venue ${st.venueId}; each venue may sign one statement per proof`, {
        path: "statements",
        value: st.venueId,
      });
    }
    const venue = params.venues.find((v) => v.id === st.venueId);
    if (!venue) {
      throw new ZkMarginError("ARGUMENT", `venue ${st.venueId} is not listed in the risk parameters`, { path: "statements", value: st.venueId });
    }
    if (st.entries.length > E) {
      throw new ZkMarginError("CAPACITY", `venue ${st.venueId}'s statement has ${st.entries.length} entries; a statement holds at most ${E}`, {
        path: "statements",
        value: st.entries.length,
        limit: String(E),
      });
    }
    const entries = [...st.entries, ...Array<bigint>(E - st.entries.length).fill(0n)];
    push("sUsed", "1");
    push("sVenueIndex", s(venue.index));
    push("sVenueId", s(venue.id));
    push("sAx", s(venue.publicKey[0]));
    push("sAy", s(venue.publicKey[1]));
    push("sVenueSiblings", flatSiblings(tree.venueTree.open(venue.index)));
    push("sAsOf", s(st.asOf));
    push("sEntries", entries.map(s));
    push("sR8x", s(st.R8[0]));
    push("sR8y", s(st.R8[1]));
    push("sS", s(st.S));
    const { rows, sums } = selectorRows(portfolio, config, entries, st.venueId);
    sums.forEach((x, n) => (totals[n]! += x));
    sel.push(rows);
  }
  portfolio.collateral.forEach((c, i) => {
    if (totals[i] !== c.amountBase) {
      throw new ZkMarginError(
        "MISMATCH",
        `the portfolio counts ${c.amountBase} base units of ${c.asset.symbol}, the statements hold ${totals[i]}; build the portfolio from the statements`,
        { path: `collateral.${c.asset.symbol}`, value: c.amountBase.toString() },
      );
    }
  });
  portfolio.positions.forEach((p, j) => {
    if (totals[C + j] !== p.quantityBase) {
      throw new ZkMarginError(
        "MISMATCH",
        `the portfolio counts ${p.quantityBase} base units of ${p.instrument.symbol}, the statements net to ${totals[C + j]}; build the portfolio from the statements`,
        { path: `positions.${p.instrument.symbol}`, value: p.quantityBase.toString() },
      );
    }
  });

  const input = { ...base.input, account: s(args.account), ...cols, sel };
  return { input, commitment: base.commitment, publicSignals: [...base.publicSignals, args.account] };
}
