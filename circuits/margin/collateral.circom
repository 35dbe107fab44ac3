pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "../lib/merkle.circom";

// CollateralSlot(T, levels, nbs): one collateral holding, haircut-adjusted.
//
// Proves, for the asset leaf at `index` of the asset tree (whose root it outputs):
//   leaf   = Poseidon(2T+2)(1, id, unitValue, thresholds[0..T-2], bps[0..T-1])   (tag 1 = asset)
//   value  = balance * unitValue                                                [E26, < 2^208]
//   adjusted = value * (10000 - bps[T-1]) + sum_{t<T-1} min(value, thresholds[t]) * (bps[t+1] - bps[t])
// which equals SPEC.md's sum over tiers of portion_t * (10000 - bps_t) (Abel summation: with
// c_t = min(value, u_t), c_0 = 0, c_T = value, portion_t = c_t - c_{t-1}).                [E30, < 2^222]
//
// Inputs and assumed widths:
//   balance   private, range-checked here to AMOUNT_BITS = 96 (base units).
//   index     private, range-checked here to sum(nbs) bits.
//   id, unitValue, thresholds, bps: leaf values.
//     NOTE: they are not range-checked here. The caller checks `root` against the committed asset
//     root for EVERY collateral slot (an empty slot opens leaf 0, which always exists), and the tree
//     builder refuses leaves outside id < 2^32, unitValue < 2^112, thresholds < 2^208 and
//     non-decreasing, 0 <= bps <= 10000 non-decreasing (docs/params-tree.md). The comparators below
//     rely on thresholds < 2^208 and the bit budget on the rest.
// Outputs: root, used (balance != 0), packed = used*id * 2^96 + balance (for the commitment;
// injective since balance < 2^96 and id < 2^32), adjusted.
// Cost (--O2, T = 4, nbs = [3, 3]): leaf 459 + path 832 + balance 96 + index 6 + IsZero 2 +
// 3 comparators x 210 + 2 products per tier + 2 = ~2,030.
template CollateralSlot(T, levels, nbs) {
    var AMOUNT_BITS = 96;
    var VALUE_BITS = 208; // AMOUNT_BITS + UNIT_VALUE_BITS (112)
    var indexBits = sumArray(levels, nbs);
    var siblingCount = sumPow2(levels, nbs);

    signal input index;
    signal input balance;
    signal input id;
    signal input unitValue;
    signal input thresholds[T - 1];
    signal input bps[T];
    signal input siblings[siblingCount];

    signal output root;
    signal output used;
    signal output packed;
    signal output adjusted;

    // Range checks on the private values.
    component balanceRange = RangeCheck(AMOUNT_BITS);
    balanceRange.in <== balance;
    component indexRange = RangeCheck(indexBits);
    indexRange.in <== index;

    component isEmpty = IsZero();
    isEmpty.in <== balance;
    used <== 1 - isEmpty.out;

    // Typed leaf and its opening.
    component leaf = Poseidon(2 * T + 2);
    leaf.inputs[0] <== 1;
    leaf.inputs[1] <== id;
    leaf.inputs[2] <== unitValue;
    for (var t = 0; t < T - 1; t++) {
        leaf.inputs[3 + t] <== thresholds[t];
    }
    for (var t = 0; t < T; t++) {
        leaf.inputs[2 + T + t] <== bps[t];
    }
    component path = MerkleRoot(levels, nbs);
    path.leaf <== leaf.out;
    path.bits <== indexRange.bits;
    path.siblings <== siblings;
    root <== path.root;

    // Value and tiers. value < 2^96 * 2^112 = 2^208.
    signal value <== balance * unitValue;
    component below[T - 1];
    signal capped[T - 1];
    signal tierTerm[T - 1];
    var sum = 0;
    for (var t = 0; t < T - 1; t++) {
        // NOTE: LessThan(208) needs both inputs < 2^208: value by the range checks above,
        // thresholds[t] by the tree builder (leaf bound, see header).
        below[t] = LessThan(VALUE_BITS);
        below[t].in[0] <== value;
        below[t].in[1] <== thresholds[t];
        // capped = min(value, thresholds[t])
        capped[t] <== thresholds[t] + below[t].out * (value - thresholds[t]);
        tierTerm[t] <== capped[t] * (bps[t + 1] - bps[t]);
        sum += tierTerm[t];
    }
    signal topTerm <== value * (10000 - bps[T - 1]);
    adjusted <== topTerm + sum;

    signal committedId <== used * id;
    packed <== committedId * (1 << AMOUNT_BITS) + balance;
}
