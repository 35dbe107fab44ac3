pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "../lib/merkle.circom";

// PositionSlot(K, levels, nbs): one derivative position: its instrument leaf opened inside its risk
// group's instrument subtree, its signed quantity and its short-option minimum.
//
// Signed quantity, explicit encoding: q = magnitude * (1 - 2 * sign), with magnitude range-checked
// to AMOUNT_BITS = 96, sign boolean, and sign = 0 when magnitude = 0 (no "negative zero", so each
// portfolio has one encoding).
// Proves, for the instrument leaf at `index` of a group's subtree (subtree root output; the caller
// binds it to the group slot the position names when used = 1):
//   leaf = Poseidon(4)(2, id, shortMin, Poseidon(K)(risk[0..K-1]))                     (tag 2 = instrument)
//   quantity      = q                                                                 [|q| < 2^96]
//   shortMinimum  = sign * magnitude * shortMin   (= max(0, -q) * shortMin)              [E26, < 2^208]
// The caller forms the scenario P&L q * risk[k] from its own copy of `risk` (the same signals).
// Inputs and assumed widths:
//   magnitude 96 bits and index sum(nbs) bits: range-checked here; sign: boolean here.
//   id, shortMin, risk[k]: leaf values. NOTE: not range-checked here: when used = 1 the caller checks
//   `root` against the committed subtree root of the position's group and the tree builder refuses
//   |risk|, shortMin >= 2^112 and id >= 2^32 (docs/params-tree.md). When used = 0 they (and the
//   siblings) must be 0, and q = 0, sign = 0, so shortMinimum and packed are 0.
// Outputs: root, used (magnitude != 0), packed = used*id * 2^97 + sign * 2^96 + magnitude, quantity,
// shortMinimum.
// Cost (--O2, K = 16, nbs = [3, 3, 3]): leaf 609 + 297, path 3 x 417, magnitude 96, index 9,
// IsZero 2, sign 2, products 3, empty-slot zeros K + 2 + 24 = ~2,330.
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
    signal output quantity;
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
    // portfolio. Cost: K + 2 + siblingCount (42 for K = 16 and nbs = [3, 3, 3]).
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
    quantity <== magnitude - 2 * shortSize;
    shortMinimum <== shortSize * shortMin;

    signal committedId <== used * id;
    packed <== committedId * (1 << (AMOUNT_BITS + 1)) + sign * (1 << AMOUNT_BITS) + magnitude;
}
