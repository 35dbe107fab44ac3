import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { buildEddsa, buildPoseidon } from "circomlibjs";
import fc from "fast-check";
import { parseRiskParams } from "../../src/params/parse.js";
import {
  STATEMENT_CHUNK,
  STATEMENT_DOMAIN_TAG,
  STATEMENT_FORMAT_VERSION,
  STATEMENT_MAX_ENTRIES,
  chunkChain,
  entriesHash,
  entryChunks,
  messageOf,
  packEntry,
  packedEntries,
  parseStatement,
  unpackEntry,
  signStatement,
  statementEntries,
  statementMessage,
  verifyStatement,
  type StatementEntry,
  type StatementJson,
} from "../../src/statements/index.js";
import { repoFile, throwsZk } from "../helpers.js";
import { ACCOUNT, AS_OF, DEV_KEY, EXAMPLE_HOLDINGS, WORKED_EXAMPLE, exampleParamsJson } from "./fixture.js";

/** docs/statements.md's worked example, read from the page (the numbers a venue would check against). */
function docExample() {
  const doc = readFileSync(repoFile("docs/statements.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Worked example"), doc.indexOf("## SDK and CLI"));
  assert.ok(section.length > 100, "docs/statements.md has a Worked example section");
  const row = (label: string): bigint => {
    const line = section.split("\n").find((l) => l.startsWith(`| ${label} `));
    assert.ok(line, `docs/statements.md: no row "${label}"`);
    const cells = line.split("|").map((c) => c.trim());
    const m = /^([0-9]+)/.exec(cells[2]!);
    assert.ok(m, `docs/statements.md: row "${label}" has no number`);
    return BigInt(m[1]!);
  };
  const entries: { dec: bigint; hex: bigint }[] = [];
  for (const line of section.split("\n")) {
    const m = /^\| e_([0-9]+) \| [^|]+ \| ([0-9]+) \| (0x[0-9a-f]+) \|$/.exec(line);
    if (m) {
      assert.equal(Number(m[1]), entries.length, "entries listed in order");
      entries.push({ dec: BigInt(m[2]!), hex: BigInt(m[3]!) });
    }
  }
  const json = /The statement file:\n\n```json\n([\s\S]*?)\n```/.exec(section);
  assert.ok(json, "docs/statements.md: the statement file");
  const tag = /`(0x[0-9a-f]+)` =\s+([0-9]+)\./.exec(doc.slice(doc.indexOf("## Message")));
  assert.ok(tag, "docs/statements.md: the domain tag");
  return {
    tagHex: BigInt(tag[1]!),
    tagDec: BigInt(tag[2]!),
    domainTag: row("domainTag"),
    account: row("account"),
    asOf: row("asOf"),
    n: row("n"),
    h1: row("h_1"),
    h2: row("h_2"),
    entriesHash: row("entriesHash"),
    M: row("M"),
    r: row("r"),
    hm: row("hm"),
    S: row("S"),
    entries,
    file: JSON.parse(json[1]!) as StatementJson,
  };
}

/**
 * The message and the signature recomputed from docs/statements.md with circomlibjs only (its
 * Poseidon, its EdDSA): nothing from src/statements is used to compute the expected values.
 */
describe("statements: encoding, format 2 (docs/statements.md, recomputed with circomlibjs)", function () {
  this.timeout(120000);
  let eddsa: any;
  let poseidon: any;
  let H: (xs: bigint[]) => bigint;
  before(async () => {
    eddsa = await buildEddsa();
    poseidon = await buildPoseidon();
    H = (xs) => poseidon.F.toObject(poseidon(xs)) as bigint;
  });

  // The documented encoding, written out again here.
  const TAG = BigInt(`0x${Buffer.from("zkmargin/statement/v2", "ascii").toString("hex")}`);
  const pack = (kind: bigint, id: bigint, amount: bigint) =>
    kind * 2n ** 130n + id * 2n ** 97n + (amount < 0n ? 1n : 0n) * 2n ** 96n + (amount < 0n ? -amount : amount);
  function docEntries(collateral: [bigint, bigint][], positions: [bigint, bigint][]): bigint[] {
    return [
      ...[...collateral].sort((a, b) => Number(a[0] - b[0])).map(([id, x]) => pack(0n, id, x)),
      ...[...positions].sort((a, b) => Number(a[0] - b[0])).map(([id, x]) => pack(1n, id, x)),
    ];
  }
  /** h_1 .. h_m over chunks of 15 (the last zero padded). */
  function docChain(entries: bigint[]): bigint[] {
    const out: bigint[] = [];
    let h = 0n;
    for (let i = 0; i < entries.length; i += 15) {
      const chunk = entries.slice(i, i + 15);
      while (chunk.length < 15) chunk.push(0n);
      h = H([h, ...chunk]);
      out.push(h);
    }
    return out;
  }
  function docMessage(venue: bigint, account: string, asOf: bigint, collateral: [bigint, bigint][], positions: [bigint, bigint][]): bigint {
    const entries = docEntries(collateral, positions);
    const chain = docChain(entries);
    return H([TAG, venue, BigInt(account), asOf, BigInt(entries.length), chain[chain.length - 1]!]);
  }
  const pairs = (o: Record<string, string>): [bigint, bigint][] => Object.entries(o).map(([k, v]) => [BigInt(k), BigInt(v)]);

  it("fixes the domain tag, the chunk size, the format version and the packing", () => {
    assert.equal(STATEMENT_DOMAIN_TAG, 0x7a6b6d617267696e2f73746174656d656e742f7632n);
    assert.equal(STATEMENT_DOMAIN_TAG, TAG);
    assert.equal(STATEMENT_CHUNK, 15);
    assert.equal(STATEMENT_MAX_ENTRIES, 2 ** 20);
    assert.equal(STATEMENT_FORMAT_VERSION, 2);
    assert.equal(packEntry({ kind: "collateral", id: 1, amount: 2500000000000n }), 158456325028528677687087900672n);
    assert.equal(packEntry({ kind: "collateral", id: 1, amount: -1250000000000n }), 2n ** 97n + 2n ** 96n + 1250000000000n);
    assert.equal(packEntry({ kind: "position", id: 1002, amount: -120500n }), 1361129626536219694953495304782693390004n);
    assert.equal(packEntry({ kind: "position", id: 2 ** 32 - 1, amount: -(2n ** 96n - 1n) }), 2n ** 131n - 2n ** 129n - 1n);
    assert.equal(packEntry({ kind: "collateral", id: 2 ** 32 - 1, amount: -(2n ** 96n - 1n) }), 2n ** 129n - 1n);
    assert.throws(() => packEntry({ kind: "position", id: 1, amount: 0n }), RangeError);
    assert.throws(() => packEntry({ kind: "collateral", id: 1, amount: 2n ** 96n }), RangeError);
    assert.throws(() => packEntry({ kind: "collateral", id: 1, amount: -(2n ** 96n) }), RangeError);
    assert.throws(() => packEntry({ kind: "position", id: 2 ** 32, amount: 1n }), RangeError);
  });

  it("unpackEntry inverts packEntry, negative collateral (a debt) included; refuses 0, -0, bit 129 and >= 2^131", () => {
    for (const e of [
      { kind: "collateral", id: 0, amount: 1n },
      { kind: "collateral", id: 1, amount: -1250000000000n },
      { kind: "collateral", id: 4294967295, amount: -(2n ** 96n - 1n) },
      { kind: "position", id: 7, amount: 5n },
      { kind: "position", id: 4294967295, amount: -(2n ** 96n - 1n) },
    ] as const) {
      assert.deepEqual(unpackEntry(packEntry(e)), e);
    }
    assert.throws(() => unpackEntry(0n), RangeError);
    assert.throws(() => unpackEntry(2n ** 96n), /zero magnitude, negative sign/); // "-0" collateral
    assert.throws(() => unpackEntry(2n ** 130n + 2n ** 97n * 5n + 2n ** 96n), RangeError); // "-0" position
    assert.throws(() => unpackEntry(2n ** 129n + 5n), /bit 129/);
    assert.throws(() => unpackEntry(2n ** 130n + 2n ** 129n + 5n), /bit 129/);
    assert.throws(() => unpackEntry(2n ** 131n + 5n), RangeError);
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.bigInt({ min: 1n, max: 2n ** 96n - 1n }), fc.boolean(), (pos, id, mag, neg) => {
        const e: StatementEntry = { kind: pos ? "position" : "collateral", id, amount: neg ? -mag : mag };
        const p = packEntry(e);
        assert.equal(p, pack(pos ? 1n : 0n, BigInt(id), e.amount));
        assert.deepEqual(unpackEntry(p), e);
      }),
      { numRuns: 200 },
    );
  });

  it("the worked example: the SDK, circomlibjs and the numbers on the page agree", () => {
    const doc = docExample();
    const stmt = signStatement({ holdings: WORKED_EXAMPLE, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: DEV_KEY });
    const coll = pairs(WORKED_EXAMPLE.collateral);
    const pos = pairs(WORKED_EXAMPLE.positions);

    // circomlibjs only
    const entries = docEntries(coll, pos);
    const chain = docChain(entries);
    const M = docMessage(1n, ACCOUNT, BigInt(AS_OF), coll, pos);
    const F = eddsa.babyJub.F;
    const sig = eddsa.signPoseidon(DEV_KEY, F.e(M));
    const A = eddsa.prv2pub(DEV_KEY);

    // ... equals the page
    assert.equal(doc.tagHex, TAG);
    assert.equal(doc.tagDec, TAG);
    assert.equal(doc.domainTag, TAG);
    assert.equal(doc.account, BigInt(ACCOUNT));
    assert.equal(doc.asOf, BigInt(AS_OF));
    assert.equal(doc.n, 19n);
    assert.equal(entries.length, 19);
    assert.deepEqual(doc.entries.map((e) => e.dec), entries);
    assert.deepEqual(doc.entries.map((e) => e.hex), entries);
    assert.equal(chain.length, 2);
    assert.equal(doc.h1, chain[0]);
    assert.equal(doc.h2, chain[1]);
    assert.equal(doc.entriesHash, chain[1]);
    assert.equal(doc.M, M);
    assert.equal(doc.S, BigInt(sig.S.toString()));
    const hm = F.toObject(eddsa.poseidon([sig.R8[0], sig.R8[1], A[0], A[1], F.e(M)])) as bigint;
    assert.equal(doc.hm, hm);
    // r: S = r + hm * s (mod l), so r is fixed by the others; R8 = r * Base8
    const rPoint = eddsa.babyJub.mulPointEscalar(eddsa.babyJub.Base8, doc.r);
    assert.ok(F.eq(rPoint[0], sig.R8[0]) && F.eq(rPoint[1], sig.R8[1]), "R8 = r * Base8");
    assert.deepEqual(doc.file, stmt); // the statement file on the page is the SDK's, exactly

    // ... equals the SDK
    const sdkEntries = statementEntries(parseStatement(stmt));
    assert.deepEqual(packedEntries(sdkEntries), entries);
    assert.deepEqual(chunkChain(entryChunks(packedEntries(sdkEntries))), chain);
    assert.equal(entriesHash(sdkEntries), chain[1]);
    assert.equal(statementMessage(stmt), M);
    assert.equal(messageOf({ venueId: 1, account: BigInt(ACCOUNT), asOf: BigInt(AS_OF), entries: sdkEntries }), M);
    assert.equal(stmt.zkmarginStatement, 2);
    assert.deepEqual(stmt.publicKey, A.map((c: unknown) => F.toObject(c).toString()));
    assert.deepEqual(stmt.signature.R8, sig.R8.map((c: unknown) => F.toObject(c).toString()));
    assert.equal(stmt.signature.S, sig.S.toString());
    assert.deepEqual(stmt.collateral, WORKED_EXAMPLE.collateral);
    assert.deepEqual(stmt.positions, WORKED_EXAMPLE.positions);
    // and it verifies under examples/params.json
    const v = verifyStatement(doc.file, parseRiskParams(exampleParamsJson()), { account: ACCOUNT });
    assert.deepEqual(v.collateral.map((c) => [c.asset.symbol, c.amount]), [["USDC", -1250000000000n], ["ETH", 150250000000000000000n]]);
    assert.equal(v.positions.length, 17);
  });

  it("chunk boundaries: n = 1, 14, 15, 16, 30, 31 (and 45, 46) hash ceil(n / 15) zero-padded chunks", () => {
    for (const n of [1, 14, 15, 16, 30, 31, 45, 46]) {
      // collateral 1 is a debt; the rest alternate long and short positions
      const coll: [bigint, bigint][] = [[1n, -7n]];
      const pos: [bigint, bigint][] = Array.from({ length: n - 1 }, (_, i) => [BigInt(100 + i), BigInt(i % 2 ? -(i + 1) : i + 1)]);
      const entries = docEntries(coll, pos);
      assert.equal(entries.length, n);
      const chunks = entryChunks(entries);
      assert.equal(chunks.length, Math.ceil(n / 15), `n = ${n}`);
      for (const c of chunks) assert.equal(c.length, 15);
      assert.deepEqual(chunks.flat().slice(0, n), entries);
      assert.ok(chunks.flat().slice(n).every((x) => x === 0n), "zero padding");
      const sdk: StatementEntry[] = [
        ...coll.map(([id, a]) => ({ kind: "collateral" as const, id: Number(id), amount: a })),
        ...pos.map(([id, a]) => ({ kind: "position" as const, id: Number(id), amount: a })),
      ].reverse(); // any order in, canonical order out
      assert.deepEqual(packedEntries(sdk), entries);
      const chain = docChain(entries);
      assert.deepEqual(chunkChain(chunks), chain);
      assert.equal(entriesHash(sdk), chain[chain.length - 1]);
      const stmt = signStatement({
        holdings: { collateral: Object.fromEntries(coll.map(([i, a]) => [String(i), a])), positions: Object.fromEntries(pos.map(([i, a]) => [String(i), a])) },
        venueId: 3,
        account: ACCOUNT,
        asOf: AS_OF,
        privateKey: DEV_KEY,
      });
      assert.equal(statementMessage(stmt), docMessage(3n, ACCOUNT, BigInt(AS_OF), coll, pos), `n = ${n}`);
      assert.deepEqual(parseStatement(stmt).collateral, [{ assetId: 1, amount: -7n }]);
    }
    // n is signed: 15 entries and the same 15 with a 16th differ; padding zeros are not entries
    assert.deepEqual(entryChunks([]), []);
    assert.throws(() => packedEntries([]), /at least one entry/);
  });

  it("refuses a statement with no entries, a format-1 file (naming format 2), and keeps the schema's other errors", () => {
    throwsZk(() => signStatement({ holdings: { collateral: { "1": "0" } }, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: DEV_KEY }), "ARGUMENT", "holdings", "nothing to sign/prove: a statement holds at least one entry");
    const stmt = signStatement({ holdings: EXAMPLE_HOLDINGS, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: DEV_KEY });
    const empty = { ...stmt, collateral: {}, positions: {} };
    throwsZk(() => parseStatement(empty), "ARGUMENT", undefined, "nothing to sign/prove: a statement holds at least one entry");
    const v1 = { ...stmt, zkmarginStatement: 1 };
    const e = throwsZk(() => parseStatement(v1), "SCHEMA", "zkmarginStatement", 'statement format 1 is no longer accepted: ask the venue for a format 2 statement ("zkmarginStatement": 2, docs/statements.md)');
    assert.ok(!/must be equal to constant|missing/.test(e.message), e.message);
    // also when the rest of a format-1 file would not match format 2's schema
    throwsZk(() => parseStatement({ zkmarginStatement: 1 }), "SCHEMA", "zkmarginStatement", "format 1 is no longer accepted");
    throwsZk(() => verifyStatement(v1 as never, parseRiskParams(exampleParamsJson())), "SCHEMA", "zkmarginStatement", "format 2");
    throwsZk(() => parseStatement({ ...stmt, zkmarginStatement: 3 }), "SCHEMA");
  });

  it("a statement assembled by hand from circomlibjs's signature verifies in the SDK, and the SDK's verifies in circomlibjs", () => {
    const F = eddsa.babyJub.F;
    const prv = Buffer.from("11".repeat(32), "hex");
    const A = eddsa.prv2pub(prv);
    const M = docMessage(1n, ACCOUNT, BigInt(AS_OF), [[2n, -5000000n]], [[2013n, -3000n], [1001n, 125n]]);
    const sig = eddsa.signPoseidon(prv, F.e(M));
    const json: StatementJson = {
      zkmarginStatement: 2,
      venue: 1,
      account: ACCOUNT,
      asOf: AS_OF,
      collateral: { "2": "-5000000" },
      positions: { "2013": "-3000", "1001": "125" },
      publicKey: [F.toObject(A[0]).toString(), F.toObject(A[1]).toString()],
      signature: { R8: [F.toObject(sig.R8[0]).toString(), F.toObject(sig.R8[1]).toString()], S: sig.S.toString() },
    };
    const pj = exampleParamsJson();
    pj.venues[0].publicKey = json.publicKey;
    const v = verifyStatement(json, parseRiskParams(pj), { account: ACCOUNT });
    assert.equal(v.message, M);
    assert.deepEqual(v.collateral.map((c) => [c.asset.symbol, c.amount]), [["USDT", -5000000n]]);
    assert.deepEqual(
      v.positions.map((p) => [p.instrument.symbol, p.quantity]),
      [["BTC-PERP", 125n], ["ETH-26DEC26-4000-C", -3000n]],
    );

    const stmt = signStatement({ holdings: { collateral: { 2: -5000000n }, positions: { 2013: "-3000", 1001: "125" } }, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: prv });
    const sdkSig = { R8: stmt.signature.R8.map((c) => F.e(BigInt(c))), S: BigInt(stmt.signature.S) };
    assert.ok(eddsa.verifyPoseidon(F.e(M), sdkSig, A));
    assert.ok(!eddsa.verifyPoseidon(F.e(M + 1n), sdkSig, A));
  });

  it("property: the SDK's message equals the documented encoding for random holdings (debts included, up to 3 chunks)", () => {
    const id = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    const mag = fc.bigInt({ min: 1n, max: 2n ** 96n - 1n });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(id, mag, fc.boolean()), { selector: (t) => t[0], maxLength: 20 }),
        fc.uniqueArray(fc.tuple(id, mag, fc.boolean()), { selector: (t) => t[0], maxLength: 20 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: 0n, max: 2n ** 160n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 40n - 1n }),
        (coll, pos, venue, acct, asOf) => {
          fc.pre(coll.length + pos.length > 0);
          const account = `0x${acct.toString(16).padStart(40, "0")}`;
          const collateral = coll.map(([i, m, neg]) => [BigInt(i), neg ? -m : m] as [bigint, bigint]);
          const positions = pos.map(([i, m, short]) => [BigInt(i), short ? -m : m] as [bigint, bigint]);
          const stmt = signStatement({
            holdings: {
              collateral: Object.fromEntries(collateral.map(([i, q]) => [String(i), q])),
              positions: Object.fromEntries(positions.map(([i, q]) => [String(i), q])),
            },
            venueId: venue,
            account,
            asOf,
            privateKey: DEV_KEY,
          });
          assert.equal(statementMessage(stmt), docMessage(BigInt(venue), account, asOf, collateral, positions));
          assert.deepEqual(parseStatement(stmt).collateral.map((c) => c.amount).sort(), collateral.map(([, q]) => q).sort());
        },
      ),
      { numRuns: 30 },
    );
  });
});
