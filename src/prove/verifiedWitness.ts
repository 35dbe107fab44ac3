import { VERIFIED_CONFIGS, isVerifiedConfig, statementChunks, type CircuitConfig } from "../config/circuits.js";
import { STATEMENT_CHUNK } from "../config/statement.js";
import { packedEntries, unpackEntry } from "../statements/encoding.js";
import { statementEntries, type Statement } from "../statements/types.js";
import { ZkMarginError } from "../errors.js";
import type { Portfolio } from "../portfolio/parse.js";
import { buildWitnessInput, flatSiblings, type WitnessArgs, type WitnessBundle } from "./witness.js";

/**
 * Verified mode's witness (circuits/verified/verified.circom): the self-declared witness
 * (buildWitnessInput), the venue statements in their slots, their entries laid out in the shared
 * entry pool, and the re-ordered list that nets them against the portfolio's slots.
 */

/** A signed statement as the circuit sees it: its packed entries in canonical order (no padding) and the EdDSA signature. */
export interface StatementWitness {
  venueId: number;
  /** Unix seconds. */
  asOf: bigint;
  /** Packed entries, canonical order, every one non-zero (docs/statements.md, "Entries"). */
  entries: bigint[];
  R8: readonly [bigint, bigint];
  S: bigint;
}

/** The circuit's view of a parsed statement (docs/statements.md): packed entries and signature. */
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
const KEY_KIND = 1n << 32n;

/** One element of the re-ordered list: a packed value, a portfolio record (port) or a statement entry, dropped or counted. */
export interface NettingElement {
  packed: bigint;
  port: 0 | 1;
  drop: 0 | 1;
}

/** The sort key of a packed entry or record: kind * 2^32 + id. */
export function entryKey(packed: bigint): bigint {
  return (packed >> 130n) * KEY_KIND + ((packed >> 97n) & ((1n << 32n) - 1n));
}

/**
 * The verified configuration that would take `statements` statements holding `entries` entries in
 * all on a book of this size, if any (for the capacity error's hint).
 */
function configTaking(config: CircuitConfig, statements: number, entries: number): CircuitConfig | undefined {
  return Object.values(VERIFIED_CONFIGS)
    .filter(
      (c) =>
        c.statementSlots! >= statements &&
        c.statementEntries! >= entries &&
        c.collateralSlots >= config.collateralSlots &&
        c.positionSlots >= config.positionSlots &&
        c.groupSlots >= config.groupSlots,
    )
    .sort((a, b) => a.statementEntries! - b.statementEntries!)[0];
}

/**
 * One record per portfolio slot of a witness input (its cId, cSign, cMagnitude, pId, pSign,
 * pMagnitude), packed like a statement entry: kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude,
 * kind 0 for the C collateral slots, 1 for the P position slots (an empty slot's record has
 * magnitude 0). The circuit forms the same values from the same signals (verified.circom).
 */
export function slotRecords(input: Record<string, readonly string[]>, C: number, P: number): bigint[] {
  const rec = (kind: bigint, id: string, sign: string, magnitude: string) => (kind << 130n) + (BigInt(id) << 97n) + (BigInt(sign) << 96n) + BigInt(magnitude);
  return [
    ...Array.from({ length: C }, (_, i) => rec(0n, input.cId![i]!, input.cSign![i]!, input.cMagnitude![i]!)),
    ...Array.from({ length: P }, (_, j) => rec(1n, input.pId![j]!, input.pSign![j]!, input.pMagnitude![j]!)),
  ];
}

/**
 * The re-ordered list (netting.circom): every statement entry and one record per portfolio slot,
 * sorted by key (records after the entries of their key), padded with (0, 0) to `length`. A positive
 * collateral entry whose asset has no portfolio slot is dropped; everything else is counted, and
 * the portfolio must be exactly what the counted entries add up to (a MISMATCH error names the
 * holding otherwise).
 */
export function nettingList(
  portfolio: Portfolio,
  records: readonly bigint[],
  statements: readonly StatementWitness[],
  length: number,
): NettingElement[] {
  const collateralSlot = new Map(portfolio.collateral.map((c) => [c.asset.id, c]));
  const positionSlot = new Map(portfolio.positions.map((p) => [p.instrument.id, p]));
  const counted = new Map<bigint, bigint>();
  const list: NettingElement[] = [];
  for (const st of statements) {
    for (const packed of st.entries) {
      const { kind, id, amount } = unpackEntry(packed);
      const key = entryKey(packed);
      let drop: 0 | 1 = 0;
      if (kind === "collateral" && !collateralSlot.has(id)) {
        if (amount < 0n) {
          throw new ZkMarginError(
            "MISMATCH",
            `venue ${st.venueId}'s statement holds a debt of ${-amount} base units in asset ${id}, which the portfolio does not count; a debt is never left out`,
            { path: "statements", value: id },
          );
        }
        drop = 1; // a positive balance the portfolio leaves out (only lowers its collateral)
      }
      if (!drop) counted.set(key, (counted.get(key) ?? 0n) + amount);
      list.push({ packed, port: 0, drop });
    }
  }
  for (const [key, total] of counted) {
    const isPosition = key >= KEY_KIND;
    const id = Number(key % KEY_KIND);
    if (isPosition) {
      const p = positionSlot.get(id);
      if (!p && total !== 0n) {
        throw new ZkMarginError(
          "MISMATCH",
          `the statements' positions in instrument ${id} net to ${total}, and the portfolio does not count that instrument; every statement position must be counted`,
          { path: "statements", value: id },
        );
      }
      if (p && p.quantityBase !== total) {
        throw new ZkMarginError(
          "MISMATCH",
          `the portfolio counts ${p.quantityBase} base units of ${p.instrument.symbol}, the statements net to ${total}; build the portfolio from the statements`,
          { path: `positions.${p.instrument.symbol}`, value: p.quantityBase.toString() },
        );
      }
    } else {
      const c = collateralSlot.get(id);
      if (c && c.amountBase !== total) {
        throw new ZkMarginError(
          "MISMATCH",
          `the portfolio counts ${c.amountBase} base units of ${c.asset.symbol}, the statements hold ${total}; build the portfolio from the statements`,
          { path: `collateral.${c.asset.symbol}`, value: c.amountBase.toString() },
        );
      }
    }
  }
  for (const c of portfolio.collateral) {
    if (!counted.has(BigInt(c.asset.id)) && c.amountBase !== 0n) {
      throw new ZkMarginError("MISMATCH", `the portfolio counts ${c.amountBase} base units of ${c.asset.symbol}, the statements hold none; build the portfolio from the statements`, {
        path: `collateral.${c.asset.symbol}`,
        value: c.amountBase.toString(),
      });
    }
  }
  for (const p of portfolio.positions) {
    if (!counted.has(KEY_KIND + BigInt(p.instrument.id)) && p.quantityBase !== 0n) {
      throw new ZkMarginError("MISMATCH", `the portfolio counts ${p.quantityBase} base units of ${p.instrument.symbol}, the statements hold none; build the portfolio from the statements`, {
        path: `positions.${p.instrument.symbol}`,
        value: p.quantityBase.toString(),
      });
    }
  }
  for (const packed of records) list.push({ packed, port: 1, drop: 0 });
  list.sort((a, b) => {
    const ka = entryKey(a.packed);
    const kb = entryKey(b.packed);
    return ka < kb ? -1 : ka > kb ? 1 : a.port - b.port;
  });
  if (list.length > length) throw new Error(`internal: the netting list has ${list.length} elements, room for ${length}`);
  while (list.length < length) list.push({ packed: 0n, port: 0, drop: 0 });
  return list;
}

export function buildVerifiedWitnessInput(args: WitnessArgs & { account: bigint; statements: readonly StatementWitness[] }): WitnessBundle {
  const { params, tree, portfolio, config, statements } = args;
  if (!isVerifiedConfig(config)) {
    throw new ZkMarginError("ARGUMENT", `the "${config.name}" circuit is not a verified-mode circuit (it takes no venue statements)`, { path: "--config" });
  }
  const V = config.statementSlots!;
  const E = config.statementEntries!;
  const CH = statementChunks(config);
  const W = STATEMENT_CHUNK;
  const totalEntries = statements.reduce((a, st) => a + st.entries.length, 0);
  if (statements.length < 1 || statements.length > V || totalEntries > E) {
    const fit = configTaking(config, statements.length, totalEntries);
    const hint = fit ? `; "${fit.name}" takes ${fit.statementSlots} statements with ${fit.statementEntries} entries in all` : "; no configuration takes that many";
    throw new ZkMarginError(
      "CAPACITY",
      `${statements.length} statements holding ${totalEntries} entries in all; the "${config.name}" circuit takes 1 to ${V} statements with at most ${E} entries in all${statements.length ? hint : ""}`,
      { path: "statements", value: `${statements.length} statements, ${totalEntries} entries`, limit: `1..${V} statements, ${E} entries` },
    );
  }
  if (args.account < 0n || args.account >= 1n << 160n) {
    throw new ZkMarginError("OUT_OF_RANGE", "must be a 20-byte EVM address", { path: "account", value: args.account.toString(), limit: "< 2^160" });
  }
  const base = buildWitnessInput(args);
  const C = config.collateralSlots;
  const P = config.positionSlots;
  const venueSiblingCount = params.layout.venueArities.reduce((a, b) => a + b, 0);

  const slotted = statements.map((st) => {
    const venue = params.venues.find((v) => v.id === st.venueId);
    if (!venue) throw new ZkMarginError("ARGUMENT", `venue ${st.venueId} is not listed in the risk parameters`, { path: "statements", value: st.venueId });
    if (st.entries.length === 0) {
      throw new ZkMarginError("ARGUMENT", `venue ${st.venueId}'s statement holds no entries; leave it out`, { path: "statements", value: st.venueId });
    }
    if (st.entries.some((e) => e === 0n)) throw new ZkMarginError("ARGUMENT", `venue ${st.venueId}'s statement holds a zero entry`, { path: "statements", value: st.venueId });
    return { st, venue };
  });
  slotted.sort((a, b) => a.venue.index - b.venue.index);
  for (let i = 1; i < slotted.length; i++) {
    if (slotted[i]!.venue.id === slotted[i - 1]!.venue.id) {
      throw new ZkMarginError("DUPLICATE", `two statements from venue ${slotted[i]!.venue.id}; each venue may sign one statement per proof`, {
        path: "statements",
        value: slotted[i]!.venue.id,
      });
    }
  }

  const cols: Record<string, string[] | string[][]> = {
    sUsed: [], sVenueIndex: [], sVenueId: [], sAx: [], sAy: [], sVenueSiblings: [], sAsOf: [], sR8x: [], sR8y: [], sS: [],
  };
  const push = (k: string, v: string | string[]) => (cols[k] as (string | string[])[]).push(v);
  const pool: string[][] = [];
  const chunkOwner: string[][] = [];
  const chunkFirst: string[] = [];
  for (let slot = 0; slot < V; slot++) {
    const x = slotted[slot];
    if (!x) {
      for (const k of ["sUsed", "sVenueIndex", "sVenueId", "sAx", "sAy", "sAsOf", "sR8x", "sR8y", "sS"]) push(k, "0");
      push("sVenueSiblings", Array<string>(venueSiblingCount).fill("0"));
      continue;
    }
    const { st, venue } = x;
    push("sUsed", "1");
    push("sVenueIndex", s(venue.index));
    push("sVenueId", s(venue.id));
    push("sAx", s(venue.publicKey[0]));
    push("sAy", s(venue.publicKey[1]));
    push("sVenueSiblings", flatSiblings(tree.venueTree.open(venue.index)));
    push("sAsOf", s(st.asOf));
    push("sR8x", s(st.R8[0]));
    push("sR8y", s(st.R8[1]));
    push("sS", s(st.S));
    for (let c = 0; c * W < st.entries.length; c++) {
      const chunk = st.entries.slice(c * W, (c + 1) * W).map(s);
      while (chunk.length < W) chunk.push("0");
      pool.push(chunk);
      chunkOwner.push(Array.from({ length: V }, (_, k) => (k === slot ? "1" : "0")));
      chunkFirst.push(c === 0 ? "1" : "0");
    }
  }
  if (pool.length > CH) throw new Error(`internal: ${pool.length} chunks, the pool has ${CH}`);
  while (pool.length < CH) {
    pool.push(Array<string>(W).fill("0"));
    chunkOwner.push(Array<string>(V).fill("0"));
    chunkFirst.push("0");
  }

  const records = slotRecords(base.input as Record<string, string[]>, C, P);
  const list = nettingList(
    portfolio,
    records,
    slotted.map((x) => x.st),
    E + C + P,
  );

  const input = {
    ...base.input,
    account: s(args.account),
    ...cols,
    pool,
    chunkOwner,
    chunkFirst,
    sorted: list.map((e) => s(e.packed)),
    sortedPort: list.map((e) => s(e.port)),
    sortedDrop: list.map((e) => s(e.drop)),
  };
  return { input, commitment: base.commitment, publicSignals: [...base.publicSignals, args.account] };
}
