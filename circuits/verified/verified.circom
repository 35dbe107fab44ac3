pragma circom 2.1.5;

include "circomlib/circuits/comparators.circom";
include "../lib/bits.circom";
include "../margin/margin.circom";
include "./statement.circom";
include "./pool.circom";
include "./netting.circom";

// ZkMarginVerified: the margin statement (ZkMargin, unchanged) over a portfolio that is proven to
// be made of 1..V holdings statements (format 2) signed by venues listed under paramsRoot, for
// `account`.
//
// Public inputs: paramsRoot, terms, context, account (an EVM address as an integer). Output:
// commitment. All of ZkMargin's private inputs are passed through to it; this template adds:
//  1. statement slots (StatementSlot): used slots first, venue leaf indexes strictly increasing
//     among used slots (no venue twice, so no statement counted twice), unused slots all-zero;
//     each used slot's signature, venue listing and freshness are checked;
//  2. the entry pool (EntryPool): the statements' entries in CH chunks of 15 shared by the slots
//     (one venue with 100 entries and one with 5 fit the same configuration as two with 52), each
//     statement's count and chained entries hash recomputed, so its signature covers exactly its
//     entries;
//  3. netting at linear cost (netting.circom): the pool entries and one record per portfolio slot
//     re-ordered into one list of L = E + C + P elements, proven a permutation of them by a random
//     challenge, and summed in runs of equal key. The soundness argument and the failure
//     probability are written in netting.circom.
// Entries in all: the SDK refuses statements holding more than E entries together (the re-ordered
// list has room for E statement entries); the pool has CH = ceil(E / 15) + V - 1 chunks, enough
// for any split of E entries over V statements (each statement wastes less than one chunk).
// Cost beyond ZkMargin: V x (StatementSlot ~5,600 + ~3 CH) + CH x ~660 + 15 CH x 2 (product)
//   + L x ~188 + Poseidon(V + 2) + Poseidon(1) + order.
template ZkMarginVerified(C, P, G, K, T, aLevels, aNbs, gLevels, gNbs, iLevels, iNbs, layoutTag, CHECK_BITS,
                         V, E, CH, vLevels, vNbs, statementTag) {
    var aSibCount = sumPow2(aLevels, aNbs);
    var gSibCount = sumPow2(gLevels, gNbs);
    var iSibCount = sumPow2(iLevels, iNbs);
    var vSibCount = sumPow2(vLevels, vNbs);
    var vIndexBits = sumArray(vLevels, vNbs);
    var N = C + P;
    var W = 15;
    var L = E + N;
    assert(V >= 1 && V <= 14 && E >= 1 && CH >= 1 && L <= 2048);

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
    signal input sR8x[V];
    signal input sR8y[V];
    signal input sS[V];
    // private: the entry pool and the re-ordered list
    signal input pool[CH][W];
    signal input chunkOwner[CH][V];
    signal input chunkFirst[CH];
    signal input sorted[L];
    signal input sortedPort[L];
    signal input sortedDrop[L];

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

    // 1. The entry pool: each statement's entry count and entries hash.
    component entryPool = EntryPool(V, CH);
    entryPool.pool <== pool;
    entryPool.owner <== chunkOwner;
    entryPool.first <== chunkFirst;
    entryPool.used <== sUsed;

    // 2. Statement slots.
    component st[V];
    component sOrder[V];
    for (var s = 0; s < V; s++) {
        st[s] = StatementSlot(vLevels, vNbs, statementTag);
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
        st[s].count <== entryPool.count[s];
        st[s].entriesHash <== entryPool.entriesHash[s];
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

    // 3. Netting. One record per portfolio slot, packed like a statement entry (linear in the
    // core's range-checked slot values; NOTE: cId and pId are leaf values < 2^32, bound by the
    // openings the core checks, so the record's parts cannot overlap).
    signal records[N];
    for (var i = 0; i < C; i++) {
        records[i] <== cId[i] * (1 << 97) + cSign[i] * (1 << 96) + cMagnitude[i];
    }
    for (var j = 0; j < P; j++) {
        records[C + j] <== (1 << 130) + pId[j] * (1 << 97) + pSign[j] * (1 << 96) + pMagnitude[j];
    }
    component runs = SortedRuns(L);
    runs.sorted <== sorted;
    runs.port <== sortedPort;
    runs.drop <== sortedDrop;

    // the challenge: after the statements (their messages bind every pool entry), the slots (the
    // commitment binds them) and the re-ordered list (its hash)
    component seed = Poseidon(V + 2);
    for (var s = 0; s < V; s++) {
        seed.inputs[s] <== st[s].message;
    }
    seed.inputs[V] <== core.commitment;
    seed.inputs[V + 1] <== runs.hash;
    component betaHash = Poseidon(1);
    betaHash.inputs[0] <== seed.out;

    component multiset = MultisetEqual(CH * W, N, L);
    multiset.gamma <== seed.out;
    multiset.beta <== betaHash.out;
    for (var k = 0; k < CH; k++) {
        for (var j = 0; j < W; j++) {
            multiset.pool[k * W + j] <== pool[k][j];
            multiset.nonzero[k * W + j] <== entryPool.nonzero[k][j];
        }
    }
    multiset.records <== records;
    multiset.sorted <== sorted;
    multiset.port <== sortedPort;
    multiset.padding <== runs.padding;
}
