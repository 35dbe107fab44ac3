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

// StatementEntry(): one entry of a venue's holdings statement, packed into one field element:
//   packed = kind * 2^130 + id * 2^97 + sign * 2^96 + magnitude
// with kind 0 (collateral, sign must be 0: no debt balances) or 1 (position), id < 2^32,
// magnitude < 2^96. An unused entry is 0.
// Outputs: kind, key = kind * 2^32 + id (what a portfolio slot is matched on), amount (signed:
// magnitude * (1 - 2 * sign)), used (packed != 0).
// Inputs: packed is part of the signed message (a field element); the 131-bit decomposition here
// is unique and range-checks every part, so no other decomposition can be claimed.
// Cost: 131 (bits) + 1 (bit 129 zero, linear) + 2 (IsZero) + 2 (sign rule, amount) = ~135.
template StatementEntry() {
    signal input packed;
    signal output kind;
    signal output key;
    signal output amount;
    signal output used;

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
    kind <== bits.bits[130];
    key <== kind * (1 << 32) + id;
    // collateral balances are >= 0
    (1 - kind) * sign === 0;
    signal shortSize <== sign * magnitude;
    amount <== magnitude - 2 * shortSize;
    component isZero = IsZero();
    isZero.in <== packed;
    used <== 1 - isZero.out;
}

// StatementSlot(E, vLevels, vNbs, domainTag): one venue's signed holdings statement for `account`.
//
// When used = 1, proves:
//   - the venue leaf Poseidon(4)(4, venueId, Ax, Ay) opens at venueIndex under venueRoot (the venue
//     is listed under paramsRoot, with exactly this key);
//   - M = Poseidon(5)(domainTag, venueId, account, asOf, Poseidon(E)(entries)) is signed by (Ax, Ay)
//     (circomlib EdDSAPoseidonVerifier, with R8 and the key (Ax, Ay) checked on the curve): the venue signed exactly
//     these entries, for this account, as of this time;
//   - freshness: paramsAsOf - maxStatementAge <= asOf <= paramsAsOf + maxStatementAge.
// When used = 0: every input is 0 (one witness per portfolio; nothing is checked).
// Inputs and assumed widths:
//   used boolean here; venueIndex range-checked here (its bits feed the path and the caller's
//   order check); entries are decomposed by StatementEntry (the caller).
//   venueId, Ax, Ay: leaf values, bound by the opening. asOf: any field element, pinned by the two
//   41-bit range checks against paramsAsOf and maxStatementAge (NOTE: both < 2^40, committed under
//   paramsRoot; the tree builder refuses larger values).
// Cost: EdDSA ~4,220 + on-curve 2 x 4 + leaf 297 + path 2 x 304 + message hashes ~609 + 330 +
//   freshness 2 x 42 + zeros ~E + 16 = ~6,200 for E = 16.
template StatementSlot(E, vLevels, vNbs, domainTag) {
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
    signal input entries[E];
    signal input R8x;
    signal input R8y;
    signal input S;

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
    for (var e = 0; e < E; e++) {
        (1 - used) * entries[e] === 0;
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
    component entriesHash = Poseidon(E);
    entriesHash.inputs <== entries;
    component message = Poseidon(5);
    message.inputs[0] <== domainTag;
    message.inputs[1] <== venueId;
    message.inputs[2] <== account;
    message.inputs[3] <== asOf;
    message.inputs[4] <== entriesHash.out;

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
    sig.M <== message.out;

    // freshness (gated: an unused slot contributes 0 to both checks)
    signal early <== used * (asOf - paramsAsOf + maxStatementAge);
    signal late <== used * (paramsAsOf + maxStatementAge - asOf);
    component earlyOk = RangeCheck(TIME_BITS);
    earlyOk.in <== early;
    component lateOk = RangeCheck(TIME_BITS);
    lateOk.in <== late;
}
