pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";

// EntryPool(V, CH): the entries of 1..V venue statements (format 2), laid out in CH chunks of 15
// that the statement slots share, and each statement's entry count and chained entries hash.
//
// Layout (the witness builder's; every part is checked here):
//   - chunk k holds pool[k][0..14]; a used chunk belongs to exactly one statement slot
//     (owner[k][s] = 1, one-hot), an unused chunk to none and is all-zero; used chunks first;
//   - each statement's chunks are contiguous and start with a chunk marked first[k] = 1; the slot
//     number o_k = sum_s s * owner[k][s] starts at 0 and steps by first[k] from chunk to chunk, so
//     the used statements are slots 0, 1, ... in chunk order, each with one run of chunks;
//   - inside a statement the entries are the format's canonical list cut into chunks of 15: used
//     entries (non-zero) first in each chunk, a chunk followed by another chunk of the same
//     statement is full, the last chunk is zero-padded.
// Then, exactly as docs/statements.md defines a statement's hash (h_0 = 0):
//   h_k = Poseidon(16)(cont_k * h_{k-1}, pool[k][0..14])   with cont_k = 1 iff chunk k continues
//                                                           the previous chunk's statement
//   entriesHash[s] = h at the statement's last chunk,  count[s] = its number of non-zero entries,
//   and used[s] (the statement slot's flag) = 1 iff slot s owns a chunk (exactly one first chunk).
// An entry is never 0 in the format (magnitude >= 1), so non-zero = used. A venue that signs a
// statement with a zero entry inside cannot have it proven (completeness only: the SDK refuses
// such statements).
// Outputs: nonzero[k][j] (the netting product skips zero pool entries), entriesHash[s], count[s].
// Inputs and assumed widths: pool entries are any field elements (bound by the signatures through
// the hashes; the netting decomposes their re-ordered copies). owner, first: boolean here.
// Cost: CH x (Poseidon(16) ~612 + 15 x (IsZero 2 + order 1) + V + 4) + 3 x CH x V.
template EntryPool(V, CH) {
    var W = 15;
    signal input pool[CH][W];
    signal input owner[CH][V];
    signal input first[CH];
    signal input used[V];
    signal output nonzero[CH][W];
    signal output entriesHash[V];
    signal output count[V];

    component isZero[CH][W];
    component h[CH];
    signal cont[CH];
    signal prev[CH];
    signal lastHash[CH];
    signal hashPart[CH][V];
    signal countPart[CH][V];
    signal firstPart[CH][V];
    var slot[CH];
    var cu[CH];
    var cnt[CH];
    for (var k = 0; k < CH; k++) {
        cnt[k] = 0;
        for (var j = 0; j < W; j++) {
            isZero[k][j] = IsZero();
            isZero[k][j].in <== pool[k][j];
            nonzero[k][j] <== 1 - isZero[k][j].out;
            if (j > 0) {
                // used entries first in each chunk
                nonzero[k][j] * (1 - nonzero[k][j - 1]) === 0;
            }
            cnt[k] += nonzero[k][j];
        }
        cu[k] = nonzero[k][0];
        if (k > 0) {
            // used chunks first
            cu[k] * (1 - cu[k - 1]) === 0;
        }
        // owner: one-hot over the slots on a used chunk, all-zero on an unused one
        var owned = 0;
        slot[k] = 0;
        for (var s = 0; s < V; s++) {
            owner[k][s] * (owner[k][s] - 1) === 0;
            owned += owner[k][s];
            slot[k] += s * owner[k][s];
        }
        owned === cu[k];
        first[k] * (first[k] - 1) === 0;
        // first only on a used chunk
        first[k] * (1 - cu[k]) === 0;
        if (k == 0) {
            first[0] === cu[0];
            cont[0] <== 0;
            prev[0] <== 0;
        } else {
            // the slot number steps by first[k] on used chunks
            cu[k] * (slot[k] - slot[k - 1] - first[k]) === 0;
            cont[k] <== cu[k] - first[k];
            prev[k] <== cont[k] * h[k - 1].out;
            // a chunk continued by the next one is full
            cont[k] * (1 - nonzero[k - 1][W - 1]) === 0;
        }
        h[k] = Poseidon(W + 1);
        h[k].inputs[0] <== prev[k];
        for (var j = 0; j < W; j++) {
            h[k].inputs[j + 1] <== pool[k][j];
        }
    }
    for (var k = 0; k < CH; k++) {
        // chunk k is its statement's last iff it is used and the next chunk does not continue it
        var last = k + 1 < CH ? cu[k] - cont[k + 1] : cu[k];
        lastHash[k] <== last * h[k].out;
    }
    for (var s = 0; s < V; s++) {
        var hs = 0;
        var cs = 0;
        var fs = 0;
        for (var k = 0; k < CH; k++) {
            hashPart[k][s] <== owner[k][s] * lastHash[k];
            countPart[k][s] <== owner[k][s] * cnt[k];
            firstPart[k][s] <== owner[k][s] * first[k];
            hs += hashPart[k][s];
            cs += countPart[k][s];
            fs += firstPart[k][s];
        }
        entriesHash[s] <== hs;
        count[s] <== cs;
        // a used slot owns exactly one run of chunks, an unused slot none
        fs === used[s];
    }
}
