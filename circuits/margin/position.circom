pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "../lib/merkle.circom";

// PositionSlot(K, levels, nbs): one derivative position's scenario P&L and short-option minimum.
//
// Signed quantity, explicit encoding: q = magnitude * (1 - 2 * sign), with magnitude range-checked
// to AMOUNT_BITS = 96, sign boolean, and sign = 0 when magnitude = 0 (no "negative zero", so each
// portfolio has one encoding).
// Proves, for the instrument leaf at `index` (root output; the caller checks it when used = 1):
//   leaf = Poseidon(4)(2, id, shortMin, Poseidon(K)(risk[0..K-1]))                     (tag 2 = instrument)
//   pnl[k]        = q * risk[k]              (P&L of the position in scenario k)        [E26, |.| < 2^208]
//   shortMinimum  = sign * magnitude * shortMin   (= max(0, -q) * shortMin)              [E26, < 2^208]
// Inputs and assumed widths:
//   magnitude 96 bits and index sum(nbs) bits: range-checked here; sign: boolean here.
//   id, shortMin, risk[k]: leaf values. NOTE: not range-checked here: when used = 1 the caller checks
//   `root` against the committed instrument root and the tree builder refuses |risk|, shortMin >= 2^112
//   and id >= 2^32 (docs/params-tree.md). When used = 0 they (and the siblings) must be 0, and q = 0,
//   sign = 0, so pnl, shortMinimum and packed are 0.
// Outputs: root, used (magnitude != 0), packed = used*id * 2^97 + sign * 2^96 + magnitude, pnl[K],
// shortMinimum.
// Cost (--O2, K = 16, nbs = [2, 3, 3, 3, 3]): leaf 609 + 297, path ~1,966, magnitude 96, index 14,
// IsZero 2, sign 2, products K + 2, packing 1, empty-slot zeros 54 = ~3,130.
template PositionSlot(K, levels, nbs) {
    var AMOUNT_BITS = 96;
    var indexBits = sumArray(levels, nbs);
    var siblingCount = sumPow2(levels, nbs);

    signal input index;
    signal input sign;
    signal input magnitude;
    signal input id;
    signal input shortMin;
    signal input risk[K];
    signal input siblings[siblingCount];

    signal output root;
    signal output used;
    signal output packed;
    signal output pnl[K];
    signal output shortMinimum;

    component magnitudeRange = RangeCheck(AMOUNT_BITS);
    magnitudeRange.in <== magnitude;
    component indexRange = RangeCheck(indexBits);
    indexRange.in <== index;
    component signBool = Bool();
    signBool.in <== sign;

    component isEmpty = IsZero();
    isEmpty.in <== magnitude;
    used <== 1 - isEmpty.out;
    // no negative zero
    sign * isEmpty.out === 0;
    // an empty slot is all-zero, its (unchecked) leaf data and path included: one witness per
    // portfolio. Cost: K + 2 + siblingCount (54 for K = 16 and nbs = [2, 3, 3, 3, 3]).
    isEmpty.out * id === 0;
    isEmpty.out * shortMin === 0;
    for (var k = 0; k < K; k++) {
        isEmpty.out * risk[k] === 0;
    }
    for (var s = 0; s < siblingCount; s++) {
        isEmpty.out * siblings[s] === 0;
    }

    component riskHash = Poseidon(K);
    riskHash.inputs <== risk;
    component leaf = Poseidon(4);
    leaf.inputs[0] <== 2;
    leaf.inputs[1] <== id;
    leaf.inputs[2] <== shortMin;
    leaf.inputs[3] <== riskHash.out;
    component path = MerkleRoot(levels, nbs);
    path.leaf <== leaf.out;
    path.bits <== indexRange.bits;
    path.siblings <== siblings;
    root <== path.root;

    // q = magnitude - 2 * sign * magnitude
    signal shortSize <== sign * magnitude;
    signal quantity <== magnitude - 2 * shortSize;
    for (var k = 0; k < K; k++) {
        pnl[k] <== quantity * risk[k];
    }
    shortMinimum <== shortSize * shortMin;

    signal committedId <== used * id;
    packed <== committedId * (1 << (AMOUNT_BITS + 1)) + sign * (1 << AMOUNT_BITS) + magnitude;
}
