pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "../lib/merkle.circom";

// CollateralSlot(T, levels, nbs): one collateral holding, haircut-adjusted; or a debt, marked up.
//
// Signed balance, explicit encoding (as a position's quantity): b = magnitude * (1 - 2 * sign), with
// magnitude range-checked to AMOUNT_BITS = 96 base units, sign boolean, and sign = 0 when
// magnitude = 0 (no "negative zero": one encoding per portfolio).
// Proves, for the asset leaf at `index` of the asset tree (whose root it outputs):
//   leaf   = Poseidon(2T+3)(1, id, unitValue, thresholds[0..T-2], bps[0..T-1], debtBps)  (tag 1 = asset)
//   value  = magnitude * unitValue                                              [E26, < 2^208]
//   tiered = value * (10000 - bps[T-1]) + sum_{t<T-1} min(value, thresholds[t]) * (bps[t+1] - bps[t])
//            which equals the model's sum over tiers of portion_t * (10000 - bps_t) (Abel
//            summation: with c_t = min(value, u_t), c_0 = 0, c_T = value, portion_t = c_t - c_{t-1})
//                                                                              [E30, < 2^222]
//   debt   = value * (10000 + debtBps)                                         [E30, < 2^223]
//   adjusted = tiered            when sign = 0 (a holding)
//            = -debt             when sign = 1 (a debt: never through the tiers; the markup is exact
//                                 in E30, so there is no rounding to turn against the prover)
//   i.e. adjusted = tiered - sign * (tiered + debt), a field element in (-2^223, 2^222).
//
// Inputs and assumed widths:
//   magnitude private, range-checked here to 96 bits; sign private, boolean here.
//   index     private, range-checked here to sum(nbs) bits.
//   id, unitValue, thresholds, bps, debtBps: leaf values.
//     NOTE: they are not range-checked here. The caller checks `root` against the committed asset
//     root for EVERY collateral slot (an empty slot opens leaf 0, which always exists), and the tree
//     builder refuses leaves outside id < 2^32, unitValue < 2^112, thresholds < 2^208 and
//     non-decreasing, 0 <= bps <= 10000 non-decreasing, 0 <= debtBps <= 10000
//     (docs/params-tree.md). The comparators below rely on thresholds < 2^208 and the bit budget
//     on the rest.
// Outputs: root, used (magnitude != 0), packed = used*id * 2^97 + sign * 2^96 + magnitude (for the
// commitment; injective since magnitude < 2^96, sign in {0, 1} and id < 2^32), adjusted (signed,
// as a field element).
// Cost (--O2, T = 4, nbs = [3, 3]): leaf ~470 + path 832 + magnitude 96 + index 6 + IsZero 2 +
// sign 2 + 3 comparators x 210 + 2 products per tier + 6 = ~2,045.
template CollateralSlot(T, levels, nbs) {
    var AMOUNT_BITS = 96;
    var VALUE_BITS = 208; // AMOUNT_BITS + UNIT_VALUE_BITS (112)
    var indexBits = sumArray(levels, nbs);
    var siblingCount = sumPow2(levels, nbs);

    signal input index;
    signal input sign;
    signal input magnitude;
    signal input id;
    signal input unitValue;
    signal input thresholds[T - 1];
    signal input bps[T];
    signal input debtBps;
    signal input siblings[siblingCount];

    signal output root;
    signal output used;
    signal output packed;
    signal output adjusted;

    // Range checks on the private values.
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

    // Typed leaf and its opening.
    component leaf = Poseidon(2 * T + 3);
    leaf.inputs[0] <== 1;
    leaf.inputs[1] <== id;
    leaf.inputs[2] <== unitValue;
    for (var t = 0; t < T - 1; t++) {
        leaf.inputs[3 + t] <== thresholds[t];
    }
    for (var t = 0; t < T; t++) {
        leaf.inputs[2 + T + t] <== bps[t];
    }
    leaf.inputs[2 + 2 * T] <== debtBps;
    component path = MerkleRoot(levels, nbs);
    path.leaf <== leaf.out;
    path.bits <== indexRange.bits;
    path.siblings <== siblings;
    root <== path.root;

    // Value and tiers. value < 2^96 * 2^112 = 2^208.
    signal value <== magnitude * unitValue;
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
    signal tiered <== topTerm + sum;
    // A debt: value * (10000 + debtBps) < 2^208 * 20001 < 2^223.
    signal debt <== value * (10000 + debtBps);
    signal flipped <== sign * (tiered + debt);
    adjusted <== tiered - flipped;

    signal committedId <== used * id;
    packed <== committedId * (1 << (AMOUNT_BITS + 1)) + sign * (1 << AMOUNT_BITS) + magnitude;
}
