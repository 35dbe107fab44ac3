pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "./bits.circom";

// OneHot(nb): e[j] = 1 exactly when the nb-bit number with little-endian bits `bits` equals j.
// NOTE: `bits` must already be constrained boolean (the caller's RangeCheck gives them).
// Cost: 2 + 4 + ... + 2^(nb-1) = 2^nb - 2 constraints (2 for nb = 2, 6 for nb = 3).
template OneHot(nb) {
    assert(nb >= 1);
    signal input bits[nb];
    signal output e[1 << nb];
    if (nb == 1) {
        e[0] <== 1 - bits[0];
        e[1] <== bits[0];
    } else {
        var h = 1 << (nb - 1);
        component low = OneHot(nb - 1);
        for (var i = 0; i < nb - 1; i++) {
            low.bits[i] <== bits[i];
        }
        signal high[h];
        for (var j = 0; j < h; j++) {
            high[j] <== low.e[j] * bits[nb - 1];
            e[j] <== low.e[j] - high[j];
            e[j + h] <== high[j];
        }
    }
}

// TreeLevel(nb): one Merkle level of arity a = 2^nb. Puts `child` at the position given by `bits`
// among `siblings` and outputs parent = Poseidon(a)(children).
// NOTE: siblings[position] is ignored (its input becomes `child` whatever it holds); the SDK puts 0.
// NOTE: `bits` must be boolean (checked by the caller's RangeCheck of the leaf index).
// Cost: Poseidon(a) + a + (2^nb - 2): 297 + 6 for a = 4, 402 + 14 for a = 8 (circom --O2).
template TreeLevel(nb) {
    var a = 1 << nb;
    signal input child;
    signal input bits[nb];
    signal input siblings[a];
    signal output parent;

    component sel = OneHot(nb);
    sel.bits <== bits;
    component hash = Poseidon(a);
    signal delta[a];
    for (var j = 0; j < a; j++) {
        delta[j] <== sel.e[j] * (child - siblings[j]);
        hash.inputs[j] <== siblings[j] + delta[j];
    }
    parent <== hash.out;
}

// MerkleRoot(levels, nbs): the root above `leaf` in a tree whose level l (leaf level first) has
// arity 2^nbs[l]. The leaf index is given by its little-endian bits (level 0 uses the lowest
// nbs[0] bits, and so on); siblings are flattened level after level, 2^nbs[l] entries per level.
// NOTE: indexBits must be boolean (caller's RangeCheck).
// Cost: sum over levels of TreeLevel(nbs[l]).
template MerkleRoot(levels, nbs) {
    var indexBits = sumArray(levels, nbs);
    var siblingCount = sumPow2(levels, nbs);
    signal input leaf;
    signal input bits[indexBits];
    signal input siblings[siblingCount];
    signal output root;

    component level[levels];
    signal node[levels + 1];
    node[0] <== leaf;
    var bitOffset = 0;
    var sibOffset = 0;
    for (var l = 0; l < levels; l++) {
        var a = 1 << nbs[l];
        level[l] = TreeLevel(nbs[l]);
        level[l].child <== node[l];
        for (var b = 0; b < nbs[l]; b++) {
            level[l].bits[b] <== bits[bitOffset + b];
        }
        for (var j = 0; j < a; j++) {
            level[l].siblings[j] <== siblings[sibOffset + j];
        }
        node[l + 1] <== level[l].parent;
        bitOffset += nbs[l];
        sibOffset += a;
    }
    root <== node[levels];
}
