pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "../lib/bits.circom";
include "../lib/merkle.circom";

// BabyJubOnCurveIfEnabled(): when enabled = 1, proves (x, y) is on Baby Jubjub:
//   168700 x^2 + y^2 = 1 + 168696 x^2 y^2.
// circomlib's EdDSAPoseidonVerifier adds R8 with BabyAdd without checking it is a curve point;
// the addition law is only meaningful on the curve, so the caller checks R8 here.
// Cost: 4.
template BabyJubOnCurveIfEnabled() {
    signal input enabled;
    signal input x;
    signal input y;
    signal x2 <== x * x;
    signal y2 <== y * y;
    signal x2y2 <== x2 * y2;
    enabled * (168700 * x2 + y2 - 1 - 168696 * x2y2) === 0;
}

// StatementSlot(vLevels, vNbs, domainTag): one venue's signed holdings statement (format 2) for
// `account`. Its entries live in the shared entry pool (EntryPool, pool.circom), which hands this
// slot their number `count` and their chained hash `entriesHash`.
//
// When used = 1, proves:
//   - the venue leaf Poseidon(4)(4, venueId, Ax, Ay) opens at venueIndex under venueRoot (the venue
//     is listed under paramsRoot, with exactly this key);
//   - message = Poseidon(6)(domainTag, venueId, account, asOf, count, entriesHash) is signed by
//     (Ax, Ay) (circomlib EdDSAPoseidonVerifier, with R8 and the key (Ax, Ay) checked on the curve):
//     the venue signed exactly these entries, for this account, as of this time;
//   - freshness: paramsAsOf - maxStatementAge <= asOf <= paramsAsOf + maxStatementAge.
// When used = 0: every input of its own is 0 (one witness per portfolio; nothing is checked); the
// pool gives it count = 0 and entriesHash = 0.
// Output: message (the netting challenge hashes it, so the challenge depends on every entry).
// Inputs and assumed widths:
//   used boolean here; venueIndex range-checked here (its bits feed the path and the caller's
//   order check). count, entriesHash: computed by EntryPool from range-checked flags and hashes.
//   venueId, Ax, Ay: leaf values, bound by the opening. asOf: any field element, pinned by the two
//   41-bit range checks against paramsAsOf and maxStatementAge (NOTE: both < 2^40, committed under
//   paramsRoot; the tree builder refuses larger values).
// Cost (--O2): EdDSA ~4,220 + on-curve 2 x 4 + leaf 297 + path 2 x 304 + message ~380 + freshness
//   2 x 42 + zeros ~16 = ~5,600.
template StatementSlot(vLevels, vNbs, domainTag) {
    var TIME_BITS = 41;
    var vIndexBits = sumArray(vLevels, vNbs);
    var vSibCount = sumPow2(vLevels, vNbs);

    signal input used;
    signal input account;
    signal input venueRoot;
    signal input paramsAsOf;
    signal input maxStatementAge;
    signal input venueIndex;
    signal input venueId;
    signal input Ax;
    signal input Ay;
    signal input venueSiblings[vSibCount];
    signal input asOf;
    signal input count;
    signal input entriesHash;
    signal input R8x;
    signal input R8y;
    signal input S;
    signal output message;

    component usedBool = Bool();
    usedBool.in <== used;
    component indexRange = RangeCheck(vIndexBits);
    indexRange.in <== venueIndex;

    // an unused slot is all-zero
    (1 - used) * venueIndex === 0;
    (1 - used) * venueId === 0;
    (1 - used) * Ax === 0;
    (1 - used) * Ay === 0;
    (1 - used) * asOf === 0;
    (1 - used) * R8x === 0;
    (1 - used) * R8y === 0;
    (1 - used) * S === 0;
    for (var s = 0; s < vSibCount; s++) {
        (1 - used) * venueSiblings[s] === 0;
    }

    // the venue is listed under paramsRoot with this key
    component leaf = Poseidon(4);
    leaf.inputs[0] <== 4;
    leaf.inputs[1] <== venueId;
    leaf.inputs[2] <== Ax;
    leaf.inputs[3] <== Ay;
    component path = MerkleRoot(vLevels, vNbs);
    path.leaf <== leaf.out;
    path.bits <== indexRange.bits;
    path.siblings <== venueSiblings;
    used * (path.root - venueRoot) === 0;

    // the signed message
    component m = Poseidon(6);
    m.inputs[0] <== domainTag;
    m.inputs[1] <== venueId;
    m.inputs[2] <== account;
    m.inputs[3] <== asOf;
    m.inputs[4] <== count;
    m.inputs[5] <== entriesHash;
    message <== m.out;

    component r8 = BabyJubOnCurveIfEnabled();
    r8.enabled <== used;
    r8.x <== R8x;
    r8.y <== R8y;
    // the venue key too: circomlib's verifier checks neither. NOTE: the tree builder already refuses
    // a venue key off the curve or of small order on every path (the leaf binds the key); this
    // keeps the circuit sound on its own for a key off the curve.
    component key = BabyJubOnCurveIfEnabled();
    key.enabled <== used;
    key.x <== Ax;
    key.y <== Ay;
    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== used;
    sig.Ax <== Ax;
    sig.Ay <== Ay;
    sig.S <== S;
    sig.R8x <== R8x;
    sig.R8y <== R8y;
    sig.M <== m.out;

    // freshness (gated: an unused slot contributes 0 to both checks)
    signal early <== used * (asOf - paramsAsOf + maxStatementAge);
    signal late <== used * (paramsAsOf + maxStatementAge - asOf);
    component earlyOk = RangeCheck(TIME_BITS);
    earlyOk.in <== early;
    component lateOk = RangeCheck(TIME_BITS);
    lateOk.in <== late;
}
