pragma circom 2.1.5;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "../lib/merkle.circom";
include "./collateral.circom";
include "./position.circom";
include "./group.circom";

// ZkMargin: the margin statement, model v3 (risk groups, a credit limit, debts).
//
// Public inputs: paramsRoot, terms, context. Public output: commitment.
//   terms = healthBps + creditLimitCents * 2^32: the two statement parameters packed into one
//   signal (healthBps < 2^32 and creditLimitCents < 2^64, both range-checked, so the packing is
//   injective) to keep on-chain verification within budget.
// Proves:
//  1. paramsRoot = Poseidon(7)(layoutTag, epoch, asOf, maxStatementAge, assetRoot, groupRoot,
//     venueRoot); every collateral slot opens a typed asset leaf under assetRoot; every used group
//     slot opens a typed group leaf under groupRoot, whose value fixes the group's instrument
//     subtree root; every used position slot opens a typed instrument leaf in the subtree of the
//     group slot it names; each slot uses exactly its leaf's values;
//  2. commitment = Poseidon chain over (salt, packed collateral slots, packed position slots);
//  3. 10000 * adjustedCollateral >= healthBps * (requirement + creditLimit), exactly, where a
//     negative balance (a debt) counts -|value| * (10000 + debtBps) / 10000 (CollateralSlot) and
//     requirement = sum_g max(0, max_k loss_{g,k}, shortOptionMinimum_g) over the groups the book
//     touches. Each group's maximum is a prover-supplied bound m_g proven >= every candidate
//     (GroupBound); overstating m_g only raises the right-hand side, so it can never help;
//  4. context is bound (squared into a constraint).
// Canonical slots (one witness per portfolio):
//  - collateral: used slots first, strictly increasing asset leaf index, empty slots all-zero
//    (index 0, sign 0, magnitude 0; an empty slot opens asset leaf 0);
//  - groups: used slots first, strictly increasing group leaf index (no group twice), unused
//    slots all-zero; the used group slots are exactly 0..s_last where s_last is the group slot of
//    the last used position, so every used group slot holds at least one position;
//  - positions: used slots first, sorted by (group slot, leaf index in the subtree) strictly
//    increasing (no instrument twice), the group slot starts at 0 and steps by 0 or 1; empty
//    slots all-zero including their leaf data, path and group slot.
//
// Bit budget (worst case; asserted below at compile time):
//   |balance|, |quantity|        < 2^96        (range-checked in the slots)
//   leaf unit values             < 2^112       (tree builder; NOTE in the slots)
//   one slot's value or P&L      < 2^208
//   one slot's adjusted (E30)    in (-2^208 * 20001, 2^208 * 10000), |.| < 2^223 (a debt is marked up)
//   |adjusted total|             < C * 2^223   -> ADJ_BITS   = 223 + ceil(log2 C)
//   |exposure_{g,k}|, shortMin_g < P * 2^208   -> LOSS_BITS  = 208 + ceil(log2 P)
//   m_g                          < 2^LOSS_BITS + 2^CHECK_BITS <= 2^(LOSS_BITS + 1)   (GroupBound)
//   credit (E26)                 < 2^64 * 10^24 < 2^144
//   sum_g m_g + credit           < G * 2^(LOSS_BITS + 1) + 2^144 -> REQ_BITS = LOSS_BITS + 2 + ceil(log2 G)
//   healthBps                    < 10000 + 2^20 < 2^21 (range-checked here)
//   difference adjusted - h * (sum m_g + credit) in (-(2^ADJ_BITS + 2^(21 + REQ_BITS)), 2^ADJ_BITS)
//                                -> DIFF_BITS = max(ADJ_BITS, 21 + REQ_BITS) + 1
// A negative difference -x (x < 2^DIFF_BITS) has field value p - x > 2^253 - 2^DIFF_BITS >= 2^DIFF_BITS
// (DIFF_BITS <= 252), so RangeCheck(DIFF_BITS) rejects it; a non-negative one is < 2^DIFF_BITS and
// passes. So the check holds iff the difference is >= 0, with debts.
template ZkMargin(C, P, G, K, T, aLevels, aNbs, gLevels, gNbs, iLevels, iNbs, layoutTag, CHECK_BITS) {
    var VALUE_BITS = 208; // AMOUNT_BITS (96) + UNIT_VALUE_BITS (112)
    var BPS_BITS = 14;
    var HEALTH_BITS = 21;
    var CREDIT_BITS = 64;
    var ADJ_BITS = VALUE_BITS + BPS_BITS + 1 + log2ceil(C); // a debt: value * (10000 + debtBps) < 2^223
    var LOSS_BITS = VALUE_BITS + log2ceil(P);
    var REQ_BITS = LOSS_BITS + 2 + log2ceil(G);
    var DIFF_BITS = ADJ_BITS;
    if (HEALTH_BITS + REQ_BITS > DIFF_BITS) {
        DIFF_BITS = HEALTH_BITS + REQ_BITS;
    }
    DIFF_BITS = DIFF_BITS + 1;
    assert(DIFF_BITS <= 252);
    assert(CHECK_BITS >= 1 && CHECK_BITS <= LOSS_BITS);
    assert(144 <= LOSS_BITS + 1); // credit (E26) fits REQ_BITS' headroom
    assert(C >= 1 && P >= 1 && K >= 1 && K <= 16 && T >= 1 && 2 * T + 3 <= 16);
    var gBits = log2ceil(G);
    assert(G >= 2 && (1 << gBits) == G);

    var aIndexBits = sumArray(aLevels, aNbs);
    var gIndexBits = sumArray(gLevels, gNbs);
    var iIndexBits = sumArray(iLevels, iNbs);
    var aSibCount = sumPow2(aLevels, aNbs);
    var gSibCount = sumPow2(gLevels, gNbs);
    var iSibCount = sumPow2(iLevels, iNbs);

    // public
    signal input paramsRoot;
    signal input terms;
    signal input context;
    signal output commitment;

    // private
    signal input healthBps;
    signal input creditLimitCents;
    signal input epoch;
    signal input asOf;
    signal input maxStatementAge;
    signal input assetRoot;
    signal input groupRoot;
    signal input venueRoot;
    signal input salt;
    signal input cIndex[C];
    signal input cSign[C];
    signal input cMagnitude[C];
    signal input cId[C];
    signal input cUnitValue[C];
    signal input cThresholds[C][T - 1];
    signal input cBps[C][T];
    signal input cDebtBps[C];
    signal input cSiblings[C][aSibCount];
    signal input gUsed[G];
    signal input gIndex[G];
    signal input gId[G];
    signal input gSubtreeRoot[G];
    signal input gSiblings[G][gSibCount];
    signal input gBound[G];
    signal input pGroup[P];
    signal input pIndex[P];
    signal input pSign[P];
    signal input pMagnitude[P];
    signal input pId[P];
    signal input pShortMin[P];
    signal input pRisk[P][K];
    signal input pSiblings[P][iSibCount];

    // 1. The parameter commitment. Cost: Poseidon(7) ~350.
    component root = Poseidon(7);
    root.inputs[0] <== layoutTag;
    root.inputs[1] <== epoch;
    root.inputs[2] <== asOf;
    root.inputs[3] <== maxStatementAge;
    root.inputs[4] <== assetRoot;
    root.inputs[5] <== groupRoot;
    root.inputs[6] <== venueRoot;
    root.out === paramsRoot;

    // The statement's terms. healthBps in [10000, 10000 + 2^20), creditLimitCents in [0, 2^64).
    // Cost: 20 + 64.
    component healthRange = RangeCheck(HEALTH_BITS - 1);
    healthRange.in <== healthBps - 10000;
    component creditRange = RangeCheck(CREDIT_BITS);
    creditRange.in <== creditLimitCents;
    terms === healthBps + creditLimitCents * (1 << 32);

    // context feeds nothing else: square it into a constraint. Cost: 1.
    signal contextSquared <== context * context;

    // 2. Collateral slots. Every slot's opening is checked (an empty slot opens leaf 0).
    component cs[C];
    component cOrder[C];
    var adjustedSum = 0;
    for (var i = 0; i < C; i++) {
        cs[i] = CollateralSlot(T, aLevels, aNbs);
        cs[i].index <== cIndex[i];
        cs[i].sign <== cSign[i];
        cs[i].magnitude <== cMagnitude[i];
        cs[i].id <== cId[i];
        cs[i].unitValue <== cUnitValue[i];
        cs[i].thresholds <== cThresholds[i];
        cs[i].bps <== cBps[i];
        cs[i].debtBps <== cDebtBps[i];
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

    // 3. Group slots: a used slot opens its group leaf under groupRoot. Cost: ~1,140 each.
    component gs[G];
    component gOrder[G];
    var usedGroups = 0;
    for (var g = 0; g < G; g++) {
        gs[g] = GroupSlot(gLevels, gNbs);
        gs[g].used <== gUsed[g];
        gs[g].index <== gIndex[g];
        gs[g].id <== gId[g];
        gs[g].subtreeRoot <== gSubtreeRoot[g];
        gs[g].siblings <== gSiblings[g];
        gUsed[g] * (gs[g].root - groupRoot) === 0;
        if (g > 0) {
            gUsed[g] * (1 - gUsed[g - 1]) === 0;
            gOrder[g] = LessThan(gIndexBits);
            gOrder[g].in[0] <== gIndex[g - 1];
            gOrder[g].in[1] <== gIndex[g];
            gUsed[g] * (1 - gOrder[g].out) === 0;
        }
        usedGroups += gUsed[g];
    }

    // 4. Position slots, each in the group slot pGroup[j] (one-hot e[j][g]).
    // Per slot beyond PositionSlot: group slot bits + one-hot gBits + 2^gBits - 2, subtree root
    // selection G + 1, order 1 + key bits, step 2, signed quantity per group G, exposure G * K,
    // short-option minimum per group G.
    component ps[P];
    component pGroupBits[P];
    component pSel[P];
    component pOrder[P];
    signal selectedRoot[P][G];
    signal groupQuantity[P][G];
    signal groupPnl[P][G][K];
    signal groupShortMin[P][G];
    signal pStep[P];
    signal pStepBool[P];
    signal pLast[P];
    var exposure[G][K];
    var shortMinimumSum[G];
    for (var g = 0; g < G; g++) {
        shortMinimumSum[g] = 0;
        for (var k = 0; k < K; k++) {
            exposure[g][k] = 0;
        }
    }
    var lastGroup = 0;
    for (var j = 0; j < P; j++) {
        ps[j] = PositionSlot(K, iLevels, iNbs);
        ps[j].index <== pIndex[j];
        ps[j].sign <== pSign[j];
        ps[j].magnitude <== pMagnitude[j];
        ps[j].id <== pId[j];
        ps[j].shortMin <== pShortMin[j];
        ps[j].risk <== pRisk[j];
        ps[j].siblings <== pSiblings[j];
        (1 - ps[j].used) * pIndex[j] === 0;
        (1 - ps[j].used) * pGroup[j] === 0;

        pGroupBits[j] = RangeCheck(gBits);
        pGroupBits[j].in <== pGroup[j];
        pSel[j] = OneHot(gBits);
        pSel[j].bits <== pGroupBits[j].bits;

        // the opened subtree root is the one the named group slot's leaf commits to
        var rootSum = 0;
        for (var g = 0; g < G; g++) {
            selectedRoot[j][g] <== pSel[j].e[g] * gSubtreeRoot[g];
            rootSum += selectedRoot[j][g];
        }
        ps[j].used * (ps[j].root - rootSum) === 0;

        if (j == 0) {
            pGroup[0] === 0;
        } else {
            ps[j].used * (1 - ps[j - 1].used) === 0;
            // the group slot steps by 0 or 1
            pStep[j] <== pGroup[j] - pGroup[j - 1];
            pStepBool[j] <== pStep[j] * (pStep[j] - 1);
            ps[j].used * pStepBool[j] === 0;
            // strictly increasing (group slot, leaf index) among used slots
            pOrder[j] = LessThan(gBits + iIndexBits);
            pOrder[j].in[0] <== pGroup[j - 1] * (1 << iIndexBits) + pIndex[j - 1];
            pOrder[j].in[1] <== pGroup[j] * (1 << iIndexBits) + pIndex[j];
            ps[j].used * (1 - pOrder[j].out) === 0;
        }
        // s_last = sum_j (used_j - used_{j+1}) * pGroup[j] (used_P = 0): the last used slot's group
        if (j > 0) {
            pLast[j - 1] <== (ps[j - 1].used - ps[j].used) * pGroup[j - 1];
            lastGroup += pLast[j - 1];
        }
        if (j == P - 1) {
            pLast[j] <== ps[j].used * pGroup[j];
            lastGroup += pLast[j];
        }

        for (var g = 0; g < G; g++) {
            groupQuantity[j][g] <== pSel[j].e[g] * ps[j].quantity;
            for (var k = 0; k < K; k++) {
                groupPnl[j][g][k] <== groupQuantity[j][g] * pRisk[j][k];
                exposure[g][k] += groupPnl[j][g][k];
            }
            groupShortMin[j][g] <== pSel[j].e[g] * ps[j].shortMinimum;
            shortMinimumSum[g] += groupShortMin[j][g];
        }
    }
    // The used group slots are exactly 0..s_last (none when the book has no position).
    usedGroups === lastGroup + ps[0].used;

    // 5. Per-group requirement bounds and the margin inequality.
    // Cost: G * (K + 1) * CHECK_BITS + DIFF_BITS + 2.
    component bounds[G];
    var boundSum = 0;
    for (var g = 0; g < G; g++) {
        bounds[g] = GroupBound(K, CHECK_BITS);
        bounds[g].bound <== gBound[g];
        for (var k = 0; k < K; k++) {
            bounds[g].exposure[k] <== exposure[g][k];
        }
        bounds[g].shortMinimum <== shortMinimumSum[g];
        boundSum += gBound[g];
    }
    signal covered <== boundSum + creditLimitCents * 1000000000000000000000000;
    signal weighted <== healthBps * covered;
    component marginOk = RangeCheck(DIFF_BITS);
    marginOk.in <== adjusted - weighted;

    // 6. The portfolio commitment: h = salt; for each chunk of up to 15 packed slots (collateral
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
