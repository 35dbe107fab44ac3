pragma circom 2.1.5;

include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "../margin/margin.circom";
include "./statement.circom";

// ZkMarginVerified: the margin statement (ZkMargin, unchanged) over a portfolio that is proven to
// be made of 1..V holdings statements signed by venues listed under paramsRoot, for `account`.
//
// Public inputs: paramsRoot, terms, context, account (an EVM address as an integer). Output:
// commitment. All of ZkMargin's private inputs are passed through to it; this template adds:
//  1. statement slots (StatementSlot): used slots first, venue leaf indexes strictly increasing
//     among used slots (no venue twice), unused slots all-zero; each used slot's signature, venue
//     listing and freshness are checked;
//  2. netting, by a selector matrix sel[s][e][n] (statement s, entry e, portfolio slot n; the C
//     collateral slots, then the P position slots):
//       - sel is boolean, and an entry is assigned to at most one slot, and only if it is used;
//       - sel = 1 only where the entry's key (kind, id) equals the slot's key (collateral slot:
//         (0, cId), position slot: (1, pId));
//       - every POSITION entry is assigned (kind * (1 - assigned) = 0): none can be dropped;
//       - every slot's amount equals the sum of the entries assigned to it: a collateral slot's
//         balance, a position slot's signed quantity.
//     Soundness: the portfolio's slots have distinct keys (ZkMargin's canonical order), so each
//     position entry lands in the one slot with its instrument id, and that slot's quantity is the
//     sum of ALL the statements' entries for the instrument: exact, none dropped, none invented (a
//     used slot with no entries would have quantity 0, i.e. be empty). A collateral entry may be
//     left out (assigned nowhere), which only lowers that asset's balance; a slot's balance is the
//     sum of whole entries assigned to it, so it never exceeds what the statements hold, and one
//     asset cannot be split across two slots (distinct keys) to dodge a haircut tier.
//     NOTE: an instrument whose entries net to exactly 0 across venues has no portfolio slot to
//     land in; the SDK refuses such statement sets (a completeness limit, not a soundness one).
// Cost beyond ZkMargin: V * (StatementSlot + E * (StatementEntry + 3 (C + P) + 3)) + order.
template ZkMarginVerified(C, P, G, K, T, aLevels, aNbs, gLevels, gNbs, iLevels, iNbs, layoutTag, CHECK_BITS,
                         V, E, vLevels, vNbs, statementTag) {
    var aSibCount = sumPow2(aLevels, aNbs);
    var gSibCount = sumPow2(gLevels, gNbs);
    var iSibCount = sumPow2(iLevels, iNbs);
    var vSibCount = sumPow2(vLevels, vNbs);
    var vIndexBits = sumArray(vLevels, vNbs);
    var N = C + P;
    assert(V >= 1 && E >= 1 && E <= 16);

    // public
    signal input paramsRoot;
    signal input terms;
    signal input context;
    signal input account;
    signal output commitment;

    // private: ZkMargin's
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
    // private: the statements
    signal input sUsed[V];
    signal input sVenueIndex[V];
    signal input sVenueId[V];
    signal input sAx[V];
    signal input sAy[V];
    signal input sVenueSiblings[V][vSibCount];
    signal input sAsOf[V];
    signal input sEntries[V][E];
    signal input sR8x[V];
    signal input sR8y[V];
    signal input sS[V];
    signal input sel[V][E][N];

    component core = ZkMargin(C, P, G, K, T, aLevels, aNbs, gLevels, gNbs, iLevels, iNbs, layoutTag, CHECK_BITS);
    core.paramsRoot <== paramsRoot;
    core.terms <== terms;
    core.context <== context;
    core.healthBps <== healthBps;
    core.creditLimitCents <== creditLimitCents;
    core.epoch <== epoch;
    core.asOf <== asOf;
    core.maxStatementAge <== maxStatementAge;
    core.assetRoot <== assetRoot;
    core.groupRoot <== groupRoot;
    core.venueRoot <== venueRoot;
    core.salt <== salt;
    core.cIndex <== cIndex;
    core.cSign <== cSign;
    core.cMagnitude <== cMagnitude;
    core.cDebtBps <== cDebtBps;
    core.cId <== cId;
    core.cUnitValue <== cUnitValue;
    core.cThresholds <== cThresholds;
    core.cBps <== cBps;
    core.cSiblings <== cSiblings;
    core.gUsed <== gUsed;
    core.gIndex <== gIndex;
    core.gId <== gId;
    core.gSubtreeRoot <== gSubtreeRoot;
    core.gSiblings <== gSiblings;
    core.gBound <== gBound;
    core.pGroup <== pGroup;
    core.pIndex <== pIndex;
    core.pSign <== pSign;
    core.pMagnitude <== pMagnitude;
    core.pId <== pId;
    core.pShortMin <== pShortMin;
    core.pRisk <== pRisk;
    core.pSiblings <== pSiblings;
    commitment <== core.commitment;

    // 1. Statement slots.
    component st[V];
    component sOrder[V];
    for (var s = 0; s < V; s++) {
        st[s] = StatementSlot(E, vLevels, vNbs, statementTag);
        st[s].used <== sUsed[s];
        st[s].account <== account;
        st[s].venueRoot <== venueRoot;
        st[s].paramsAsOf <== asOf;
        st[s].maxStatementAge <== maxStatementAge;
        st[s].venueIndex <== sVenueIndex[s];
        st[s].venueId <== sVenueId[s];
        st[s].Ax <== sAx[s];
        st[s].Ay <== sAy[s];
        st[s].venueSiblings <== sVenueSiblings[s];
        st[s].asOf <== sAsOf[s];
        st[s].entries <== sEntries[s];
        st[s].R8x <== sR8x[s];
        st[s].R8y <== sR8y[s];
        st[s].S <== sS[s];
        if (s > 0) {
            // used slots first; strictly increasing venue leaf index (no venue twice)
            sUsed[s] * (1 - sUsed[s - 1]) === 0;
            sOrder[s] = LessThan(vIndexBits);
            sOrder[s].in[0] <== sVenueIndex[s - 1];
            sOrder[s].in[1] <== sVenueIndex[s];
            sUsed[s] * (1 - sOrder[s].out) === 0;
        }
    }
    // at least one statement
    sUsed[0] === 1;

    // 2. Netting. Slot keys and amounts.
    signal slotKey[N];
    signal slotAmount[N];
    signal pShort[P];
    signal cNegative[C];
    for (var i = 0; i < C; i++) {
        slotKey[i] <== cId[i];
        // the signed balance (sign and magnitude are checked by the core); statements hold no
        // debts yet (StatementEntry), so a used collateral slot here is never negative
        cNegative[i] <== cSign[i] * cMagnitude[i];
        slotAmount[i] <== cMagnitude[i] - 2 * cNegative[i];
    }
    for (var j = 0; j < P; j++) {
        slotKey[C + j] <== (1 << 32) + pId[j];
        pShort[j] <== pSign[j] * pMagnitude[j];
        slotAmount[C + j] <== pMagnitude[j] - 2 * pShort[j];
    }

    component entry[V][E];
    signal selMatch[V][E][N];
    signal selAmount[V][E][N];
    signal assignedOk[V][E];
    var total[N];
    for (var n = 0; n < N; n++) {
        total[n] = 0;
    }
    for (var s = 0; s < V; s++) {
        for (var e = 0; e < E; e++) {
            entry[s][e] = StatementEntry();
            entry[s][e].packed <== sEntries[s][e];
            var assigned = 0;
            for (var n = 0; n < N; n++) {
                sel[s][e][n] * (sel[s][e][n] - 1) === 0;
                selMatch[s][e][n] <== sel[s][e][n] * (entry[s][e].key - slotKey[n]);
                selMatch[s][e][n] === 0;
                selAmount[s][e][n] <== sel[s][e][n] * entry[s][e].amount;
                total[n] += selAmount[s][e][n];
                assigned += sel[s][e][n];
            }
            // assigned to at most one slot, and only if used: assigned in {0, used}
            assignedOk[s][e] <== assigned * (entry[s][e].used - assigned);
            assignedOk[s][e] === 0;
            // every position entry is assigned
            entry[s][e].kind * (1 - assigned) === 0;
        }
    }
    for (var n = 0; n < N; n++) {
        slotAmount[n] === total[n];
    }
}
