import { strict as assert } from "node:assert";
import { buildEddsa, buildPoseidon } from "circomlibjs";
import fc from "fast-check";
import { parseRiskParams } from "../../src/params/parse.js";
import {
  STATEMENT_DOMAIN_TAG,
  STATEMENT_ENTRIES,
  packEntry,
  unpackEntry,
  signStatement,
  statementMessage,
  verifyStatement,
  type StatementJson,
} from "../../src/statements/index.js";
import { ACCOUNT, AS_OF, DEV_KEY, EXAMPLE_HOLDINGS, exampleParamsJson } from "./fixture.js";

/**
 * The message and the signature recomputed from docs/statements.md with circomlibjs only (its
 * Poseidon, its EdDSA): nothing from src/statements is used to compute the expected values.
 */
describe("statements: encoding (docs/statements.md, recomputed with circomlibjs)", function () {
  let eddsa: any;
  let poseidon: any;
  let H: (xs: bigint[]) => bigint;
  before(async () => {
    eddsa = await buildEddsa();
    poseidon = await buildPoseidon();
    H = (xs) => poseidon.F.toObject(poseidon(xs)) as bigint;
  });

  // The documented encoding, written out again here.
  const TAG = BigInt(`0x${Buffer.from("zkmargin/statement/v1", "ascii").toString("hex")}`);
  const pack = (kind: bigint, id: bigint, amount: bigint) =>
    kind * 2n ** 130n + id * 2n ** 97n + (amount < 0n ? 1n : 0n) * 2n ** 96n + (amount < 0n ? -amount : amount);
  function docMessage(venue: bigint, account: string, asOf: bigint, collateral: [bigint, bigint][], positions: [bigint, bigint][]): bigint {
    const entries = [
      ...[...collateral].sort((a, b) => Number(a[0] - b[0])).map(([id, x]) => pack(0n, id, x)),
      ...[...positions].sort((a, b) => Number(a[0] - b[0])).map(([id, x]) => pack(1n, id, x)),
    ];
    while (entries.length < 16) entries.push(0n);
    return H([TAG, venue, BigInt(account), asOf, H(entries)]);
  }

  it("fixes the domain tag, E and the packing", () => {
    assert.equal(STATEMENT_DOMAIN_TAG, 0x7a6b6d617267696e2f73746174656d656e742f7631n);
    assert.equal(STATEMENT_DOMAIN_TAG, TAG);
    assert.equal(STATEMENT_ENTRIES, 16);
    assert.equal(packEntry({ kind: "collateral", id: 1, amount: 2500000000000n }), 158456325028528677687087900672n);
    assert.equal(packEntry({ kind: "position", id: 1002, amount: -120500n }), 1361129626536219694953495304782693390004n);
    assert.equal(packEntry({ kind: "position", id: 2 ** 32 - 1, amount: -(2n ** 96n - 1n) }), 2n ** 131n - 2n ** 129n - 1n);
    for (const e of [
      { kind: "collateral", id: 0, amount: 1n },
      { kind: "position", id: 7, amount: 5n },
      { kind: "position", id: 4294967295, amount: -(2n ** 96n - 1n) },
    ] as const) {
      assert.deepEqual(unpackEntry(packEntry(e)), e);
    }
    assert.throws(() => packEntry({ kind: "collateral", id: 1, amount: -1n }), RangeError);
    assert.throws(() => packEntry({ kind: "position", id: 1, amount: 0n }), RangeError);
    assert.throws(() => packEntry({ kind: "position", id: 1, amount: 2n ** 96n }), RangeError);
  });

  it("the worked example: the SDK's statement is circomlibjs's signature over the documented message", () => {
    const stmt = signStatement({ holdings: EXAMPLE_HOLDINGS, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: DEV_KEY });
    const M = docMessage(1n, ACCOUNT, BigInt(AS_OF), [[1n, 2500000000000n], [3n, 150250000000000000000n]], [[1002n, -120500n]]);
    assert.equal(M, 21717320573620284097422869280155573005919804733794966653983503287045271297505n); // docs/statements.md
    assert.equal(statementMessage(stmt), M);
    const F = eddsa.babyJub.F;
    const sig = eddsa.signPoseidon(DEV_KEY, F.e(M));
    const A = eddsa.prv2pub(DEV_KEY);
    assert.deepEqual(stmt.publicKey, A.map((c: unknown) => F.toObject(c).toString()));
    assert.deepEqual(stmt.signature.R8, sig.R8.map((c: unknown) => F.toObject(c).toString()));
    assert.equal(stmt.signature.S, sig.S.toString());
    assert.equal(stmt.signature.S, "1191622276717191171324726104914090636562146682066266564925937374711057141164");
    assert.deepEqual(stmt.collateral, EXAMPLE_HOLDINGS.collateral);
    assert.deepEqual(stmt.positions, EXAMPLE_HOLDINGS.positions);
  });

  it("a statement assembled by hand from circomlibjs's signature verifies in the SDK, and the SDK's verifies in circomlibjs", () => {
    const F = eddsa.babyJub.F;
    const prv = Buffer.from("11".repeat(32), "hex");
    const A = eddsa.prv2pub(prv);
    const M = docMessage(1n, ACCOUNT, BigInt(AS_OF), [[2n, 5000000n]], [[2013n, -3000n], [1001n, 125n]]);
    const sig = eddsa.signPoseidon(prv, F.e(M));
    const json: StatementJson = {
      zkmarginStatement: 1,
      venue: 1,
      account: ACCOUNT,
      asOf: AS_OF,
      collateral: { "2": "5000000" },
      positions: { "2013": "-3000", "1001": "125" },
      publicKey: [F.toObject(A[0]).toString(), F.toObject(A[1]).toString()],
      signature: { R8: [F.toObject(sig.R8[0]).toString(), F.toObject(sig.R8[1]).toString()], S: sig.S.toString() },
    };
    const pj = exampleParamsJson();
    pj.venues[0].publicKey = json.publicKey;
    const v = verifyStatement(json, parseRiskParams(pj), { account: ACCOUNT });
    assert.equal(v.message, M);
    assert.deepEqual(
      v.positions.map((p) => [p.instrument.symbol, p.quantity]),
      [["BTC-PERP", 125n], ["ETH-26DEC26-4000-C", -3000n]],
    );

    const stmt = signStatement({ holdings: { collateral: { 2: 5000000n }, positions: { 2013: "-3000", 1001: "125" } }, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: prv });
    const sdkSig = { R8: stmt.signature.R8.map((c) => F.e(BigInt(c))), S: BigInt(stmt.signature.S) };
    assert.ok(eddsa.verifyPoseidon(F.e(M), sdkSig, A));
    assert.ok(!eddsa.verifyPoseidon(F.e(M + 1n), sdkSig, A));
  });

  it("property: the SDK's message equals the documented encoding for random holdings", function () {
    this.timeout(120000);
    const id = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    const mag = fc.bigInt({ min: 1n, max: 2n ** 96n - 1n });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(id, mag), { selector: (t) => t[0], maxLength: 8 }),
        fc.uniqueArray(fc.tuple(id, mag, fc.boolean()), { selector: (t) => t[0], maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: 0n, max: 2n ** 160n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 40n - 1n }),
        (coll, pos, venue, acct, asOf) => {
          const account = `0x${acct.toString(16).padStart(40, "0")}`;
          const positions = pos.map(([i, m, short]) => [BigInt(i), short ? -m : m] as [bigint, bigint]);
          const stmt = signStatement({
            holdings: {
              collateral: Object.fromEntries(coll.map(([i, m]) => [String(i), m])),
              positions: Object.fromEntries(positions.map(([i, q]) => [String(i), q])),
            },
            venueId: venue,
            account,
            asOf,
            privateKey: DEV_KEY,
          });
          const want = docMessage(BigInt(venue), account, asOf, coll.map(([i, m]) => [BigInt(i), m]), positions);
          assert.equal(statementMessage(stmt), want);
        },
      ),
      { numRuns: 30 },
    );
  });
});
