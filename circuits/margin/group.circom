pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "../lib/bits.circom";
include "../lib/merkle.circom";

// GroupSlot(levels, nbs): one risk group the book touches: its typed leaf opened in the group tree.
//
// Proves, for the group leaf at `index` of the group tree (root output; the caller checks it when
// used = 1):
//   leaf = Poseidon(3)(3, id, subtreeRoot)                                         (tag 3 = group)
// where subtreeRoot is the root of the group's own instrument subtree, to which the caller binds
// every position slot that names this group slot.
// Inputs and assumed widths:
//   index: range-checked here to sum(nbs) bits (its bits feed the path and the caller's order check).
//   used: boolean here. When used = 0, index, id, subtreeRoot and the siblings must all be 0 (one
//   witness per portfolio; the opening is not checked).
//   id, subtreeRoot: leaf values. NOTE: not range-checked: bound by the opening when used = 1.
// Outputs: root, indexValue (= index, range-checked).
// Cost (--O2, nbs = [3, 3]): leaf ~270, path 2 x 417, index 6, used 1, empty-slot zeros 3 + 16 = ~1,130.
template GroupSlot(levels, nbs) {
    var indexBits = sumArray(levels, nbs);
    var siblingCount = sumPow2(levels, nbs);

    signal input used;
    signal input index;
    signal input id;
    signal input subtreeRoot;
    signal input siblings[siblingCount];
    signal output root;

    component usedBool = Bool();
    usedBool.in <== used;
    component indexRange = RangeCheck(indexBits);
    indexRange.in <== index;

    (1 - used) * index === 0;
    (1 - used) * id === 0;
    (1 - used) * subtreeRoot === 0;
    for (var s = 0; s < siblingCount; s++) {
        (1 - used) * siblings[s] === 0;
    }

    component leaf = Poseidon(3);
    leaf.inputs[0] <== 3;
    leaf.inputs[1] <== id;
    leaf.inputs[2] <== subtreeRoot;
    component path = MerkleRoot(levels, nbs);
    path.leaf <== leaf.out;
    path.bits <== indexRange.bits;
    path.siblings <== siblings;
    root <== path.root;
}

// GroupBound(K, CHECK_BITS): proves bound >= every candidate for one group's requirement:
//   bound - shortMinimum in [0, 2^CHECK_BITS)  and  bound + exposure[k] in [0, 2^CHECK_BITS) for all k,
// where exposure[k] = sum of the group's scenario P&Ls (loss_k = -exposure[k]). So
//   bound >= max(shortMinimum, max_k loss_k) and, since shortMinimum >= 0, bound >= 0:
//   bound >= requirement_g = max(scanRisk_g, shortOptionMin_g).
// Sound for every input within the caller's bit budget: with |exposure[k]| < 2^L, 0 <= shortMinimum
// < 2^L and CHECK_BITS <= L, the first check makes bound (as an integer) = shortMinimum + d <
// 2^(L+1); then bound + exposure[k] lies in (-2^L, 2^(L+2)), and a negative value would be the field
// element p - x > 2^252 > 2^CHECK_BITS, which the range check rejects.
// Complete for groups whose |loss_k| and shortMinimum are below 2^(CHECK_BITS-1) (the SDK refuses
// books outside that with a clear error; GROUP_RISK_BITS in src/config/limits.ts).
// Overstating `bound` only raises the requirement the caller checks against, so a prover-supplied
// bound is enough (SPEC: allowed while the requirement is a plain sum of the groups').
// Cost: (K + 1) * CHECK_BITS.
template GroupBound(K, CHECK_BITS) {
    signal input bound;
    signal input exposure[K];
    signal input shortMinimum;

    component shortOk = RangeCheck(CHECK_BITS);
    shortOk.in <== bound - shortMinimum;
    component scenarioOk[K];
    for (var k = 0; k < K; k++) {
        scenarioOk[k] = RangeCheck(CHECK_BITS);
        scenarioOk[k].in <== bound + exposure[k];
    }
}
