pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "./collateral.circom";
include "./position.circom";

// ZkMargin: SPEC.md's statement.
//
// Public inputs: paramsRoot, healthBps, context. Public output: commitment.
// Proves:
//  1. every collateral and position slot opens a typed leaf of the trees under paramsRoot
//     (paramsRoot = Poseidon(4)(layoutTag, epoch, assetRoot, instrumentRoot)) and uses exactly
//     that leaf's values;
//  2. commitment = Poseidon chain over (salt, packed collateral slots, packed position slots);
//  3. 10000 * adjustedCollateral >= healthBps * requirement, exactly, where requirement =
//     max(0, max_k loss_k, shortOptionMinimum). The maximum is constrained through the inequality
//     itself: for healthBps >= 0, A >= h * max(x_0..x_n) holds iff A >= h * x_i for every i, so the
//     circuit proves adjusted - healthBps * loss_k >= 0 for every scenario k and
//     adjusted - healthBps * shortOptionMinimum >= 0 (A >= 0 holds by construction);
//  4. context is bound (squared into a constraint).
// Canonical slots: used slots first, strictly increasing leaf index (so no asset or instrument
// twice); empty slots have index 0 and amount 0.
//
// Bit budget (worst case; asserted below at compile time):
//   balance, |quantity|          < 2^96        (range-checked in the slots)
//   leaf unit values             < 2^112       (tree builder; NOTE in the slots)
//   one slot's value or P&L      < 2^208
//   one slot's adjusted (E30)    < 2^208 * 10000 < 2^222
//   adjusted total               < C * 2^222   -> ADJ_BITS  = 222 + ceil(log2 C)
//   |loss_k|, shortOptionMinimum < P * 2^208   -> LOSS_BITS = 208 + ceil(log2 P)
//   healthBps                    < 10000 + 2^20 < 2^21 (range-checked here)
//   difference adjusted - h * x  in (-2^(21 + LOSS_BITS), 2^ADJ_BITS + 2^(21 + LOSS_BITS))
//                                -> DIFF_BITS = max(ADJ_BITS, 21 + LOSS_BITS) + 1
// A negative difference -x has field value p - x > 2^253 - 2^(DIFF_BITS - 1) > 2^DIFF_BITS, so
// RangeCheck(DIFF_BITS) rejects it; DIFF_BITS <= 252 keeps that argument valid.
template ZkMargin(C, P, K, T, aLevels, aNbs, iLevels, iNbs, layoutTag) {
    var VALUE_BITS = 208; // AMOUNT_BITS (96) + UNIT_VALUE_BITS (112)
    var BPS_BITS = 14;
    var HEALTH_BITS = 21;
    var ADJ_BITS = VALUE_BITS + BPS_BITS + log2ceil(C);
    var LOSS_BITS = VALUE_BITS + log2ceil(P);
    var DIFF_BITS = ADJ_BITS;
    if (HEALTH_BITS + LOSS_BITS > DIFF_BITS) {
        DIFF_BITS = HEALTH_BITS + LOSS_BITS;
    }
    DIFF_BITS = DIFF_BITS + 1;
    assert(DIFF_BITS <= 252);
    assert(C >= 1 && P >= 1 && K >= 1 && K <= 16 && T >= 1 && 2 * T + 2 <= 16);

    var aIndexBits = sumArray(aLevels, aNbs);
    var iIndexBits = sumArray(iLevels, iNbs);
    var aSiblings = sumPow2(aLevels, aNbs);
    var iSiblings = sumPow2(iLevels, iNbs);

    // public
    signal input paramsRoot;
    signal input healthBps;
    signal input context;
    signal output commitment;

    // private
    signal input epoch;
    signal input assetRoot;
    signal input instrumentRoot;
    signal input salt;
    signal input cIndex[C];
    signal input cBalance[C];
    signal input cId[C];
    signal input cUnitValue[C];
    signal input cThresholds[C][T - 1];
    signal input cBps[C][T];
    signal input cSiblings[C][aSiblings];
    signal input pIndex[P];
    signal input pSign[P];
    signal input pMagnitude[P];
    signal input pId[P];
    signal input pShortMin[P];
    signal input pRisk[P][K];
    signal input pSiblings[P][iSiblings];

    // 1. The parameter commitment. Cost: Poseidon(4) ~297.
    component root = Poseidon(4);
    root.inputs[0] <== layoutTag;
    root.inputs[1] <== epoch;
    root.inputs[2] <== assetRoot;
    root.inputs[3] <== instrumentRoot;
    root.out === paramsRoot;

    // healthBps in [10000, 10000 + 2^20). Cost: 20.
    component healthRange = RangeCheck(HEALTH_BITS - 1);
    healthRange.in <== healthBps - 10000;

    // context feeds nothing else: square it into a constraint. Cost: 1.
    signal contextSquared <== context * context;

    // 2. Collateral slots. Every slot's opening is checked (an empty slot opens leaf 0).
    component cs[C];
    component cOrder[C];
    var adjustedSum = 0;
    for (var i = 0; i < C; i++) {
        cs[i] = CollateralSlot(T, aLevels, aNbs);
        cs[i].index <== cIndex[i];
        cs[i].balance <== cBalance[i];
        cs[i].id <== cId[i];
        cs[i].unitValue <== cUnitValue[i];
        cs[i].thresholds <== cThresholds[i];
        cs[i].bps <== cBps[i];
        cs[i].siblings <== cSiblings[i];
        cs[i].root === assetRoot;
        // empty slots are all-zero
        (1 - cs[i].used) * cIndex[i] === 0;
        if (i > 0) {
            // empty slots last
            cs[i].used * (1 - cs[i - 1].used) === 0;
            // strictly increasing leaf index among used slots (indexes < 2^aIndexBits, range-checked)
            cOrder[i] = LessThan(aIndexBits);
            cOrder[i].in[0] <== cIndex[i - 1];
            cOrder[i].in[1] <== cIndex[i];
            cs[i].used * (1 - cOrder[i].out) === 0;
        }
        adjustedSum += cs[i].adjusted;
    }
    signal adjusted <== adjustedSum;

    // 3. Position slots. An empty slot's opening is not checked (its quantity is 0).
    component ps[P];
    component pOrder[P];
    var exposure[K];
    for (var k = 0; k < K; k++) {
        exposure[k] = 0;
    }
    var shortMinimumSum = 0;
    for (var j = 0; j < P; j++) {
        ps[j] = PositionSlot(K, iLevels, iNbs);
        ps[j].index <== pIndex[j];
        ps[j].sign <== pSign[j];
        ps[j].magnitude <== pMagnitude[j];
        ps[j].id <== pId[j];
        ps[j].shortMin <== pShortMin[j];
        ps[j].risk <== pRisk[j];
        ps[j].siblings <== pSiblings[j];
        ps[j].used * (ps[j].root - instrumentRoot) === 0;
        (1 - ps[j].used) * pIndex[j] === 0;
        if (j > 0) {
            ps[j].used * (1 - ps[j - 1].used) === 0;
            pOrder[j] = LessThan(iIndexBits);
            pOrder[j].in[0] <== pIndex[j - 1];
            pOrder[j].in[1] <== pIndex[j];
            ps[j].used * (1 - pOrder[j].out) === 0;
        }
        for (var k = 0; k < K; k++) {
            exposure[k] += ps[j].pnl[k];
        }
        shortMinimumSum += ps[j].shortMinimum;
    }

    // 4. The margin inequality, against every candidate for the requirement.
    // loss_k = -exposure_k, so adjusted - healthBps * loss_k = adjusted + healthBps * exposure_k.
    // Cost: (K + 1) * (DIFF_BITS + 1).
    signal weightedExposure[K];
    component scenarioOk[K];
    for (var k = 0; k < K; k++) {
        weightedExposure[k] <== healthBps * exposure[k];
        scenarioOk[k] = RangeCheck(DIFF_BITS);
        scenarioOk[k].in <== adjusted + weightedExposure[k];
    }
    signal shortMinimum <== shortMinimumSum;
    signal weightedShortMinimum <== healthBps * shortMinimum;
    component shortMinimumOk = RangeCheck(DIFF_BITS);
    shortMinimumOk.in <== adjusted - weightedShortMinimum;

    // 5. The portfolio commitment: h = salt; for each chunk of up to 15 packed slots (collateral
    // first, then positions), h = Poseidon(1 + len)(h, chunk). Cost: ~609 per full chunk.
    var N = C + P;
    var fullChunks = N \ 15;
    var rest = N % 15;
    signal packed[N];
    for (var i = 0; i < C; i++) {
        packed[i] <== cs[i].packed;
    }
    for (var j = 0; j < P; j++) {
        packed[C + j] <== ps[j].packed;
    }
    component chunk[fullChunks];
    signal chain[fullChunks + 1];
    chain[0] <== salt;
    for (var c = 0; c < fullChunks; c++) {
        chunk[c] = Poseidon(16);
        chunk[c].inputs[0] <== chain[c];
        for (var e = 0; e < 15; e++) {
            chunk[c].inputs[1 + e] <== packed[15 * c + e];
        }
        chain[c + 1] <== chunk[c].out;
    }
    if (rest > 0) {
        component last = Poseidon(1 + rest);
        last.inputs[0] <== chain[fullChunks];
        for (var e = 0; e < rest; e++) {
            last.inputs[1 + e] <== packed[15 * fullChunks + e];
        }
        commitment <== last.out;
    } else {
        commitment <== chain[fullChunks];
    }
}
