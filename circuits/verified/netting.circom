pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";

// Netting at linear cost (docs/statements.md, "Netting in the circuit"): the portfolio's slots are
// proven to be the per-key sums of the statements' entries by re-ordering ONE list and summing it
// in runs, instead of matching every entry against every slot.
//
// The two sides of a multiset equality:
//   A = the non-zero pool entries (every entry of every statement), each as the pair (e, 0),
//     plus one "record" per portfolio slot, as the pair (r, 1), where r packs the slot like an
//     entry: r = kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude (an empty slot's record has
//     magnitude 0 and adds nothing);
//   B = the re-ordered list: L = E + C + P pairs (sorted[i], port[i]) with (0, 0) as padding.
// Each B element is decomposed (SortedEntry) into kind, id, sign, magnitude and classified by port
// (1 = a portfolio record) and drop (1 = a statement entry left out; only a positive collateral
// balance may be dropped). Walking B in order, the running difference
//     D_i = same_i * D_{i-1} + x_i,   x_i = +amount (record), -amount (counted entry), 0 (dropped)
// restarts whenever the key (kind, id) changes (same_i = 0) and must be 0 at the end of every run
// of equal keys. So for every key, summed over its runs:
//     the portfolio's signed amount = the sum of the key's counted statement entries.
// B need not be sorted for soundness: every maximal run has one key, so a key split over several
// runs still balances in total (the witness builder sorts by key so that each key is one run).
// What that gives, per key (portfolio keys are distinct: ZkMargin's canonical slots):
//   - positions: no position entry can be dropped, so the slot's quantity is exactly the sum of all
//     the statements' entries; an instrument that nets to 0 needs no slot (its run sums to 0) and a
//     slot cannot invent a quantity the entries do not sum to;
//   - collateral: the slot's balance = the sum of the entries minus some whole positive balances,
//     so it is never more than the statements hold, and every debt entry is counted in full (a net
//     debt can be neither dropped nor shrunk); an asset with no slot must have its counted entries
//     sum to 0 (all its positive balances dropped and no debt).
//
// Multiset equality A = B (no entry duplicated, replaced, invented or left out of B) by a random
// challenge derived in the circuit (Fiat-Shamir): gamma = Poseidon(V + 2)(every statement's
// message, commitment, hash of B), beta = Poseidon(1)(gamma); the products
//     prod_{(e,p) in A} (gamma - e - beta * p)  =  prod_{(v,p) in B, (v,p) != (0,0)} (gamma - v - beta * p)
// are compared. The statement messages bind every pool entry (chained hashes under the venues'
// signatures), the commitment binds the slots (hence the records), and the hash of B binds B, so
// gamma and beta are fixed only after both sides are. As polynomials in (X, Y), the two products
// are products of distinct-or-equal degree-1 factors X - v - pY; they are equal iff the multisets
// are (unique factorisation), and otherwise their difference is a non-zero polynomial of total
// degree <= L' = CH * 15 + C + P. By Schwartz-Zippel, treating Poseidon as a random oracle, one
// attempt passes with probability <= L' / p < 2^-243 for L' <= 2^11 (p ~ 2^253.6); a prover
// that tries 2^64 witnesses succeeds with probability < 2^-179.
// Zero pool entries (padding) are left out of A, and (0, 0) elements (padding) out of B; no record
// is left out, because its pair has p = 1.

// SortedEntry(): one element (packed, port) of the re-ordered list B, with its drop flag.
//   packed = kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude, bit 129 zero (131-bit
//   decomposition: unique, so every part is range-checked: magnitude < 2^96, id < 2^32).
// Outputs: key = kind * 2^32 + id; x = the element's signed contribution to its run's difference
//   (amount = magnitude * (1 - 2 sign); x = amount if port, -amount if counted, 0 if dropped);
//   w = packed + port * 2^131 (what the hash of B covers); padding = 1 iff w = 0 (the element is
//   (0, 0), left out of the product).
// Inputs: packed any field element (decomposed here), port and drop boolean here; drop only on a
//   statement entry (port = 0) of kind 0 (collateral) with sign 0 (a positive balance).
// Cost: 131 + 2 (booleans) + 1 (drop rule) + 2 (IsZero) + 2 (amount, x) = 138.
template SortedEntry() {
    signal input packed;
    signal input port;
    signal input drop;
    signal output key;
    signal output x;
    signal output w;
    signal output padding;

    component bits = RangeCheck(131);
    bits.in <== packed;
    bits.bits[129] === 0;
    var magnitude = 0;
    for (var b = 0; b < 96; b++) {
        magnitude += bits.bits[b] * (1 << b);
    }
    var id = 0;
    for (var b = 0; b < 32; b++) {
        id += bits.bits[97 + b] * (1 << b);
    }
    signal sign <== bits.bits[96];
    signal kind <== bits.bits[130];
    key <== kind * (1 << 32) + id;

    port * (port - 1) === 0;
    drop * (drop - 1) === 0;
    // drop only a positive collateral balance of a statement: kind, sign and port all 0
    // (three booleans sum to 0 only when all are 0)
    drop * (kind + sign + port) === 0;

    signal negative <== sign * magnitude;
    // x = amount * (2 port + drop - 1): +amount, -amount or 0 (port and drop are never both 1)
    x <== (magnitude - 2 * negative) * (2 * port + drop - 1);

    w <== packed + port * (1 << 131);
    component isZero = IsZero();
    isZero.in <== w;
    padding <== isZero.out;
}

// SortedRuns(L): the re-ordered list B: every element decomposed, run differences zero at every
// key change, and the hash of B that the challenge covers:
//   hash = h_m with h_0 = 0, h_c = Poseidon(16)(h_{c-1}, w[15(c-1)] .. w[15c - 1]) (zero-padded).
// Bit budget: |x_i| < 2^96 and a run has at most L <= 2^11 elements, so |D_i| < 2^107: D_i = 0
// in the field iff the integer sum is 0.
// Cost: L x (SortedEntry 138 + IsZero 2 + 3) + ceil(L / 15) x Poseidon(16) ~612 = ~184 L.
template SortedRuns(L) {
    var W = 15;
    var CHUNKS = (L + W - 1) \ W;
    assert(L >= 1 && L <= 2048);
    signal input sorted[L];
    signal input port[L];
    signal input drop[L];
    signal w[L];
    signal output padding[L];
    signal output hash;

    component e[L];
    component sameKey[L];
    signal same[L];
    signal carried[L];
    signal d[L];
    for (var i = 0; i < L; i++) {
        e[i] = SortedEntry();
        e[i].packed <== sorted[i];
        e[i].port <== port[i];
        e[i].drop <== drop[i];
        w[i] <== e[i].w;
        padding[i] <== e[i].padding;
        if (i == 0) {
            same[0] <== 0;
            d[0] <== e[0].x;
        } else {
            sameKey[i] = IsZero();
            sameKey[i].in <== e[i].key - e[i - 1].key;
            same[i] <== sameKey[i].out;
            carried[i] <== same[i] * d[i - 1];
            d[i] <== carried[i] + e[i].x;
            // the previous run ends here: it must balance
            (1 - same[i]) * d[i - 1] === 0;
        }
    }
    d[L - 1] === 0;

    component h[CHUNKS];
    for (var c = 0; c < CHUNKS; c++) {
        h[c] = Poseidon(W + 1);
        h[c].inputs[0] <== c == 0 ? 0 : h[c - 1].out;
        for (var j = 0; j < W; j++) {
            var i = c * W + j;
            h[c].inputs[j + 1] <== i < L ? w[i] : 0;
        }
    }
    hash <== h[CHUNKS - 1].out;
}

// MultisetEqual(A0, A1, L): prod over the pool side (A0 entries, zero ones skipped; A1 records,
// each with p = 1) equals prod over the re-ordered side (L elements, padding skipped), at the
// challenge (gamma, beta). See the soundness argument above.
// Inputs: nonzero[i] must be 1 - IsZero(pool[i]) (EntryPool gives it); padding[i] and w[i] from
//   SortedRuns; port[i] boolean (SortedEntry checks it); gamma, beta: the caller's challenge.
// Cost: 2 A0 + A1 + 4 L.
template MultisetEqual(A0, A1, L) {
    signal input gamma;
    signal input beta;
    signal input pool[A0];
    signal input nonzero[A0];
    signal input records[A1];
    signal input sorted[L];
    signal input port[L];
    signal input padding[L];

    // pool side: factor (gamma - e) when e != 0, else 1  =  nonzero * gamma - e + 1 - nonzero
    signal ng[A0];
    signal accA[A0 + A1 + 1];
    accA[0] <== 1;
    for (var i = 0; i < A0; i++) {
        ng[i] <== nonzero[i] * gamma;
        accA[i + 1] <== accA[i] * (ng[i] - pool[i] + 1 - nonzero[i]);
    }
    for (var n = 0; n < A1; n++) {
        accA[A0 + 1 + n] <== accA[A0 + n] * (gamma - records[n] - beta);
    }

    // re-ordered side: factor (gamma - v - beta p), or 1 for padding (v = 0, p = 0)
    //   = gamma - v - beta p + padding * (1 - gamma)
    signal pb[L];
    signal zg[L];
    signal accB[L + 1];
    accB[0] <== 1;
    for (var i = 0; i < L; i++) {
        pb[i] <== port[i] * beta;
        zg[i] <== padding[i] * gamma;
        accB[i + 1] <== accB[i] * (gamma - sorted[i] - pb[i] + padding[i] - zg[i]);
    }
    accA[A0 + A1] === accB[L];
}
