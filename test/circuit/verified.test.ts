import { strict as assert } from "node:assert";
import { buildEddsa } from "circomlibjs";
import { FIELD_MODULUS as p } from "../../src/config/limits.js";
import { statementTag } from "../../src/config/statement.js";
import { poseidon } from "../../src/crypto/poseidon.js";
import { failingConstraints } from "../../src/circuit/r1cs.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";
import type { RiskParams } from "../../src/params/types.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { buildWitnessInput, type WitnessInput } from "../../src/prove/witness.js";
import { buildVerifiedWitnessInput, entryKey, slotRecords, type StatementWitness } from "../../src/prove/verifiedWitness.js";
import { chunkChain, entryChunks, messageOf, packEntry as pack, packedEntries, unpackEntry } from "../../src/statements/encoding.js";
import { clone, fixtureJson } from "../helpers.js";
import { type Harness, harness, laxCheck } from "./harness.js";

// Verified mode (circuits/verified/*.circom) on the small-verified configuration (2 collateral,
// 4 position, 2 group and 2 statement slots; 24 statement entries in all, a pool of 3 chunks of 15).
// Two venues of the fixture's parameters (a second venue is added here) sign format-2 statements for
// one account:
//   - a custodian (venue 1): 20,000 USDC, 2 ETH, and 17 balances in assets the parameters do not
//     list (ids 900..916, 1 unit each; 19 entries: two chunks);
//   - an exchange (venue 2): a USDC debt of 500 (-500), 1 ETH, ETH-PERP +50, ETH-C-2200 -100,
//     BTC-PERP +1 (5 entries).
// The portfolio is their sum: USDC 19,500 (the debt netted), ETH 3 (2 + 1), three positions in two
// groups; the unlisted balances are dropped (positive balances may be left out; debts never).
describe("circuit (small-verified): venue statements, format 2, netting at linear cost", function () {
  this.timeout(900_000);
  const ACCOUNT = 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bcn;
  const OTHER = 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n;
  let eddsa: any;
  let h: Harness;
  let params: RiskParams;
  let tree: ReturnType<typeof buildParamsTree>;
  const keyOf = (text: string) => {
    const k = Buffer.alloc(32);
    Buffer.from(text).copy(k);
    return k;
  };
  const KEY1 = keyOf("zkmargin test venue 1");
  const KEY2 = keyOf("zkmargin test venue 2");
  const ROGUE = keyOf("not a listed venue");
  const id = (sym: string) => (params.assets.find((a) => a.symbol === sym) ?? params.instruments.find((i) => i.symbol === sym))!.id;
  const units = (sym: string) => 10n ** BigInt(params.instruments.find((i) => i.symbol === sym)!.decimals);
  const E6 = 10n ** 6n;
  const E18 = 10n ** 18n;
  const s = (x: bigint | number) => x.toString();

  const packEntry = (kind: 0 | 1, id: number, amount: bigint) => pack({ kind: kind === 1 ? "position" : "collateral", id, amount });
  /** Signs packed entries with circomlibjs (canonical order when they are valid SDK entries; hashed as given otherwise). */
  function sign(key: Buffer, venueId: number, account: bigint, asOf: bigint, entries: bigint[]): StatementWitness {
    let list = entries;
    let m: bigint;
    try {
      const parsed = entries.map(unpackEntry);
      list = packedEntries(parsed);
      m = messageOf({ venueId, account, asOf, entries: parsed });
    } catch {
      const chain = chunkChain(entryChunks(entries)); // a malformed entry, on purpose
      m = poseidon([statementTag(), BigInt(venueId), account, asOf, BigInt(entries.length), chain[chain.length - 1]!]);
    }
    const sig = eddsa.signPoseidon(key, eddsa.F.e(m));
    return { venueId, asOf, entries: list, R8: [eddsa.F.toObject(sig.R8[0]), eddsa.F.toObject(sig.R8[1])], S: sig.S };
  }
  let custodian: StatementWitness;
  let exchange: StatementWitness;
  const book = {
    collateral: { USDC: "19500", ETH: "3" },
    positions: { "ETH-PERP": "50", "ETH-C-2200": "-100", "BTC-PERP": "1" },
  };
  let honest: WitnessInput;

  function input(bk: { collateral: Record<string, string>; positions: Record<string, string> }, statements: StatementWitness[], account = ACCOUNT) {
    return buildVerifiedWitnessInput({
      params,
      tree,
      portfolio: parsePortfolio(bk, params),
      healthBps: 10000,
      context: 99n,
      salt: 5n,
      config: h.config,
      account,
      statements,
    }).input;
  }
  async function accepted(i: any) {
    assert.deepEqual((await laxCheck(h, i)).failing, []);
  }
  async function rejected(i: any) {
    const { failing } = await laxCheck(h, i);
    assert.ok(failing.length > 0, "forged witness satisfied every constraint");
  }
  /** The index in the re-ordered list of the element with this packed value (and port). */
  const at = (i: any, packed: bigint, port = 0) => (i.sorted as string[]).findIndex((v, k) => v === s(packed) && i.sortedPort[k] === s(port));
  /** Another portfolio's core witness with the honest statements and re-ordered list kept (unchecked). */
  function withPortfolio(bk: any, base: any = honest) {
    const core = buildWitnessInput({ params, tree, portfolio: parsePortfolio(bk, params), healthBps: 10000, context: 99n, salt: 5n, config: h.config });
    return { ...clone(base), ...core.input };
  }
  /** Replace the record elements of the re-ordered list by those of the witness's own slots (so the multiset holds again). */
  function syncRecords(i: any) {
    const recs = slotRecords(i, h.config.collateralSlots, h.config.positionSlots);
    const rest = (i.sorted as string[]).map((v, k) => ({ v, port: i.sortedPort[k], drop: i.sortedDrop[k] })).filter((e) => e.port === "0");
    const all = [...rest, ...recs.map((r) => ({ v: s(r), port: "1", drop: "0" }))]
      .filter((e) => !(e.v === "0" && e.port === "0"))
      .sort((a, b) => {
        const ka = entryKey(BigInt(a.v));
        const kb = entryKey(BigInt(b.v));
        return ka < kb ? -1 : ka > kb ? 1 : Number(a.port) - Number(b.port);
      });
    while (all.length < i.sorted.length) all.push({ v: "0", port: "0", drop: "0" });
    i.sorted = all.map((e) => e.v);
    i.sortedPort = all.map((e) => e.port);
    i.sortedDrop = all.map((e) => e.drop);
    return i;
  }

  /** Insert an element next to the run of its key, in place of one padding element (the list keeps its length). */
  function insertElement(i: any, packed: bigint, port: "0" | "1", drop: "0" | "1") {
    const pad = (i.sorted as string[]).findIndex((v, k) => v === "0" && i.sortedPort[k] === "0");
    assert.ok(pad >= 0, "no padding element left");
    for (const col of ["sorted", "sortedPort", "sortedDrop"]) i[col].splice(pad, 1);
    const k = (i.sorted as string[]).findIndex((v) => v !== "0" && entryKey(BigInt(v)) === entryKey(packed));
    const where = k >= 0 ? k : 0;
    i.sorted.splice(where, 0, s(packed));
    i.sortedPort.splice(where, 0, port);
    i.sortedDrop.splice(where, 0, drop);
    return i;
  }
  let lean: StatementWitness;
  let leanInput: WitnessInput;
  const leanBook = { collateral: { USDC: "-500", ETH: "1" }, positions: { "ETH-PERP": "1" } };

  before(async () => {
    eddsa = await buildEddsa();
    const json = clone(fixtureJson("params-small.json"));
    const pub2 = eddsa.prv2pub(KEY2).map((c: any) => eddsa.F.toObject(c).toString());
    json.venues.push({ id: 2, name: "Second Venue", publicKey: pub2 });
    params = parseRiskParams(json);
    tree = buildParamsTree(params);
    h = await harness("small-verified");
    const asOf = params.asOfUnix;
    const unlisted = Array.from({ length: 17 }, (_, k) => packEntry(0, 900 + k, E6));
    custodian = sign(KEY1, 1, ACCOUNT, asOf - 600n, [packEntry(0, id("USDC"), 20000n * E6), packEntry(0, id("ETH"), 2n * E18), ...unlisted]);
    exchange = sign(KEY2, 2, ACCOUNT, asOf + 300n, [
      packEntry(0, id("USDC"), -500n * E6),
      packEntry(0, id("ETH"), E18),
      packEntry(1, id("ETH-PERP"), 50n * units("ETH-PERP")),
      packEntry(1, id("ETH-C-2200"), -100n * units("ETH-C-2200")),
      packEntry(1, id("BTC-PERP"), units("BTC-PERP")),
    ]);
    honest = input(book, [custodian, exchange]);
    lean = sign(KEY2, 2, ACCOUNT, asOf, [packEntry(0, id("USDC"), -500n * E6), packEntry(0, id("ETH"), E18), packEntry(1, id("ETH-PERP"), units("ETH-PERP"))]);
    leanInput = input(leanBook, [lean]);
  });

  describe("honest books", () => {
    it("control: the honest witness satisfies every constraint; public signals end with the account", async () => {
      const { witness, failing } = await laxCheck(h, honest);
      assert.deepEqual(failing, []);
      assert.deepEqual(witness, await h.strict.calculate(honest));
      assert.equal(witness[5], ACCOUNT);
      // the pool: the custodian's 19 entries in chunks 0-1, the exchange's 5 in chunk 2
      assert.deepEqual(honest.chunkFirst, ["1", "0", "1"]);
      assert.deepEqual(honest.chunkOwner, [["1", "0"], ["1", "0"], ["0", "1"]]);
    });

    it("one statement is enough (the other slot unused and all-zero)", async () => {
      await accepted(input({ collateral: { USDC: "20000", ETH: "2" }, positions: {} }, [custodian]));
    });

    it("a net debt is counted in full (USDC -500 at the exchange, no custodian)", async () => {
      await accepted(leanInput);
    });

    it("an instrument that nets to 0 across venues needs no slot", async () => {
      const a = sign(KEY1, 1, ACCOUNT, custodian.asOf, [packEntry(0, id("USDC"), 1000n * E6), packEntry(1, id("SOL-PERP"), 7n * units("SOL-PERP"))]);
      const b = sign(KEY2, 2, ACCOUNT, exchange.asOf, [packEntry(1, id("SOL-PERP"), -7n * units("SOL-PERP")), packEntry(1, id("ETH-PERP"), units("ETH-PERP"))]);
      await accepted(input({ collateral: { USDC: "1000" }, positions: { "ETH-PERP": "1" } }, [a, b]));
    });

    it("the entry pool is shared: one venue with 20 entries and one with 4 fit (24 in all); 25 are refused naming both numbers", async () => {
      const many = Array.from({ length: 18 }, (_, k) => packEntry(0, 900 + k, E6));
      const big = sign(KEY1, 1, ACCOUNT, custodian.asOf, [packEntry(0, id("USDC"), 20000n * E6), packEntry(0, id("ETH"), 2n * E18), ...many]);
      const small = sign(KEY2, 2, ACCOUNT, exchange.asOf, exchange.entries.slice(1));
      await accepted(input({ collateral: { USDC: "20000", ETH: "3" }, positions: book.positions }, [big, small]));
      assert.throws(
        () => input({ collateral: { USDC: "19500", ETH: "3" }, positions: book.positions }, [big, exchange]),
        /2 statements holding 25 entries in all; the "small-verified" circuit takes 1 to 2 statements with at most 24 entries in all; "standard-verified" takes 4 statements with 128 entries in all/,
      );
    });

    it("the witness builder refuses a portfolio that is not the statements' sum, naming the holding", () => {
      assert.throws(() => input({ ...book, collateral: { USDC: "19501", ETH: "3" } }, [custodian, exchange]), /collateral\.USDC: the portfolio counts .* the statements hold/);
      assert.throws(() => input({ ...book, positions: { "ETH-PERP": "50", "BTC-PERP": "1" } }, [custodian, exchange]), /instrument 2001 net to -10000, and the portfolio does not count/);
      assert.throws(() => input({ ...book, collateral: { ETH: "3" } }, [custodian, exchange]), /collateral\.USDC|debt/);
    });
  });

  describe("forged witnesses (each must fail the constraint check)", () => {
    it("a debt dropped: the exchange's USDC -500 marked as left out, the portfolio counting 20,000", async () => {
      const i: any = syncRecords(withPortfolio({ ...book, collateral: { USDC: "20000", ETH: "3" } }));
      const k = at(i, packEntry(0, id("USDC"), -500n * E6));
      assert.ok(k >= 0);
      i.sortedDrop[k] = "1";
      await rejected(i);
    });

    it("a debt counted smaller: the portfolio counting USDC 19,700 (a debt of 300 instead of 500)", async () => {
      await rejected(syncRecords(withPortfolio({ ...book, collateral: { USDC: "19700", ETH: "3" } })));
    });

    it("a debt left out of the portfolio entirely (only the exchange's statement: USDC -500 dropped from the book)", async () => {
      const only = input({ collateral: { USDC: "-500", ETH: "1" }, positions: book.positions }, [exchange]);
      await rejected(syncRecords(withPortfolio({ collateral: { ETH: "1" }, positions: book.positions }, only)));
    });

    it("collateral counted over: USDC 19,501 against statements netting to 19,500", async () => {
      await rejected(syncRecords(withPortfolio({ ...book, collateral: { USDC: "19501", ETH: "3" } })));
    });

    it("a run's sum wrong: ETH-PERP 51 in the portfolio against 50 in the statements", async () => {
      await rejected(syncRecords(withPortfolio({ ...book, positions: { ...book.positions, "ETH-PERP": "51" } })));
    });

    it("a position entry dropped: ETH-C-2200 -100 marked left out and the slot emptied", async () => {
      const i: any = syncRecords(withPortfolio({ ...book, positions: { "ETH-PERP": "50", "BTC-PERP": "1" } }));
      i.sortedDrop[at(i, packEntry(1, id("ETH-C-2200"), -100n * units("ETH-C-2200")))] = "1";
      await rejected(i);
    });

    it("a position of a zero-netting instrument invented (SOL-PERP +7 / -7 across venues, the book claiming SOL-PERP -3)", async () => {
      const a = sign(KEY1, 1, ACCOUNT, custodian.asOf, [packEntry(0, id("USDC"), 1000n * E6), packEntry(1, id("SOL-PERP"), 7n * units("SOL-PERP"))]);
      const b = sign(KEY2, 2, ACCOUNT, exchange.asOf, [packEntry(1, id("SOL-PERP"), -7n * units("SOL-PERP")), packEntry(1, id("ETH-PERP"), units("ETH-PERP"))]);
      const ok = input({ collateral: { USDC: "1000" }, positions: { "ETH-PERP": "1" } }, [a, b]);
      await accepted(ok);
      await rejected(syncRecords(withPortfolio({ collateral: { USDC: "1000" }, positions: { "ETH-PERP": "1", "SOL-PERP": "-3" } }, ok)));
    });

    it("an entry duplicated in the re-ordered list (the 1 ETH balance twice, the book counting 2 ETH)", async () => {
      const i: any = syncRecords(withPortfolio({ ...leanBook, collateral: { USDC: "-500", ETH: "2" } }, leanInput));
      await rejected(i); // the runs do not balance yet (2 against 1)
      insertElement(i, packEntry(0, id("ETH"), E18), "0", "0");
      await rejected(i); // every run balances (2 = 1 + 1); only the multiset check catches it
      const j: any = insertElement(clone(leanInput), packEntry(0, id("ETH"), E18), "0", "1");
      await rejected(j); // a dropped copy changes no run either
    });

    it("an entry replaced in the re-ordered list (the USDC debt shown as -400)", async () => {
      const i: any = syncRecords(withPortfolio({ ...book, collateral: { USDC: "19600", ETH: "3" } }));
      i.sorted[at(i, packEntry(0, id("USDC"), -500n * E6))] = s(packEntry(0, id("USDC"), -400n * E6));
      await rejected(i); // runs balance; the multiset does not
    });

    it("the order broken: the USDC record moved out of its run", async () => {
      const i: any = clone(leanInput);
      const k = at(i, (BigInt(id("USDC")) << 97n) + (1n << 96n) + 500n * E6, 1);
      assert.ok(k >= 0);
      const moved = ["sorted", "sortedPort", "sortedDrop"].map((col) => i[col].splice(k, 1)[0]);
      const pad = (i.sorted as string[]).findIndex((v, q) => v === "0" && i.sortedPort[q] === "0");
      ["sorted", "sortedPort", "sortedDrop"].forEach((col, c) => i[col].splice(pad + 1, 0, moved[c]));
      await rejected(i);
    });

    it("a re-ordering that keeps every run whole is fine (the argument needs runs of equal keys, not sorted keys)", async () => {
      // move the ETH-PERP run (entry + record) to the end of the real elements: still accepted, by design
      const i: any = clone(honest);
      const key = entryKey(packEntry(1, id("ETH-PERP"), 1n));
      const idx = (i.sorted as string[]).map((v, k) => k).filter((k) => i.sorted[k] !== "0" && entryKey(BigInt(i.sorted[k])) === key);
      assert.equal(idx.length, 2);
      const moved = idx.map((k) => [i.sorted[k], i.sortedPort[k], i.sortedDrop[k]]);
      const keep = (i.sorted as string[]).map((_, k) => k).filter((k) => !idx.includes(k));
      const real = keep.filter((k) => !(i.sorted[k] === "0" && i.sortedPort[k] === "0"));
      const pads = keep.filter((k) => i.sorted[k] === "0" && i.sortedPort[k] === "0");
      const order = [...real.map((k) => [i.sorted[k], i.sortedPort[k], i.sortedDrop[k]]), ...moved, ...pads.map((k) => [i.sorted[k], i.sortedPort[k], i.sortedDrop[k]])];
      i.sorted = order.map((e) => e[0]);
      i.sortedPort = order.map((e) => e[1]);
      i.sortedDrop = order.map((e) => e[2]);
      await accepted(i);
    });

    it("a statement counted twice (the exchange's statement in both slots)", async () => {
      const one = input({ collateral: { USDC: "-500", ETH: "1" }, positions: book.positions }, [exchange]);
      const j: any = syncRecords(withPortfolio({ collateral: { USDC: "-1000", ETH: "2" }, positions: { "ETH-PERP": "100", "ETH-C-2200": "-200", "BTC-PERP": "2" } }, one));
      for (const k of ["sUsed", "sVenueIndex", "sVenueId", "sAx", "sAy", "sVenueSiblings", "sAsOf", "sR8x", "sR8y", "sS"]) j[k][1] = j[k][0];
      j.pool[1] = j.pool[0];
      j.chunkOwner[1] = ["0", "1"];
      j.chunkFirst[1] = "1";
      await rejected(syncRecords(j));
    });

    it("an entry moved from one venue to another (the exchange's 1 ETH shown at the custodian)", async () => {
      const i: any = clone(honest);
      // custodian chunk 1 holds entries 15..18; put the ETH entry there, remove it from the exchange's chunk
      const eth = s(packEntry(0, id("ETH"), E18));
      i.pool[1][4] = eth;
      i.pool[2] = [...i.pool[2].filter((v: string) => v !== eth), "0"];
      await rejected(i);
    });

    it("an unused statement slot or chunk carrying entries", async () => {
      const i: any = input({ collateral: { USDC: "20000", ETH: "2" }, positions: {} }, [custodian]);
      i.pool[2][0] = s(packEntry(0, id("USDC"), 5n * E6)); // an unowned chunk
      const j: any = syncRecords({ ...withPortfolio({ collateral: { USDC: "20005", ETH: "2" }, positions: {} }, i) });
      await rejected(j);
      i.chunkOwner[2] = ["0", "1"]; // owned by the unused slot
      await rejected(syncRecords({ ...withPortfolio({ collateral: { USDC: "20005", ETH: "2" }, positions: {} }, i) }));
    });

    it("a statement's entries cut short (its last chunk claimed by nobody) or a zero inside a chunk", async () => {
      const i: any = clone(honest);
      i.chunkOwner[1] = ["0", "0"];
      await rejected(i);
      const j: any = clone(honest);
      j.pool[2] = [j.pool[2][0], "0", ...j.pool[2].slice(1, 14)];
      await rejected(j);
    });

    it("a record of a slot replaced by a statement entry (port flag moved)", async () => {
      const i: any = clone(honest);
      const k = at(i, (BigInt(id("USDC")) << 97n) + 19500n * E6, 1);
      i.sortedPort[k] = "0";
      await rejected(i);
    });

    it("a holding split across two portfolio slots to dodge a tier (ETH 2 + 1 in two slots)", async () => {
      const i: any = clone(honest);
      for (const k of ["cIndex", "cId", "cUnitValue", "cThresholds", "cBps", "cDebtBps", "cSiblings"]) i[k][0] = i[k][1];
      i.cMagnitude = [s(2n * E18), s(E18)];
      await rejected(syncRecords(i));
    });

    it("a malformed venue entry (bit 129 set) cannot be decomposed in the re-ordered list", async () => {
      const bad = packEntry(0, id("USDC"), 100n * E6) + (1n << 129n);
      const st = sign(KEY1, 1, ACCOUNT, custodian.asOf, [bad]);
      const base = input({ collateral: { USDC: "-500", ETH: "1" }, positions: book.positions }, [exchange]);
      const j: any = clone(base);
      for (const k of ["sUsed", "sVenueIndex", "sVenueId", "sAx", "sAy", "sVenueSiblings", "sAsOf", "sR8x", "sR8y", "sS"]) j[k] = [(clone(honest) as any)[k][0], j[k][0]];
      j.sAsOf[0] = s(st.asOf);
      j.sR8x[0] = s(st.R8[0]);
      j.sR8y[0] = s(st.R8[1]);
      j.sS[0] = s(st.S);
      j.pool = [[s(bad), ...Array(14).fill("0")], base.pool![0], base.pool![2]];
      j.chunkOwner = [["1", "0"], ["0", "1"], ["0", "0"]];
      j.chunkFirst = ["1", "1", "0"];
      const pad = (j.sorted as string[]).lastIndexOf("0");
      j.sorted[pad] = s(bad);
      j.sortedDrop[pad] = "1";
      await rejected(j);
    });
  });

  describe("signatures, venues, freshness, accounts", () => {
    it("rejects a stale statement (signed 3,601 s before the parameters' asOf, window 3,600 s)", async () => {
      const stale = sign(KEY1, 1, ACCOUNT, params.asOfUnix - 3601n, custodian.entries);
      await rejected(input(book, [stale, exchange]));
    });

    it("rejects a statement from the future (3,601 s after asOf)", async () => {
      const future = sign(KEY1, 1, ACCOUNT, params.asOfUnix + 3601n, custodian.entries);
      await rejected(input(book, [future, exchange]));
    });

    it("accepts the edges of the window (exactly asOf - 3,600 and asOf + 3,600)", async () => {
      const a = sign(KEY1, 1, ACCOUNT, params.asOfUnix - 3600n, custodian.entries);
      const b = sign(KEY2, 2, ACCOUNT, params.asOfUnix + 3600n, exchange.entries);
      await accepted(input(book, [a, b]));
    });

    it("rejects another account's statement (signed for another address)", async () => {
      const theirs = sign(KEY1, 1, OTHER, custodian.asOf, custodian.entries);
      await rejected(input(book, [theirs, exchange]));
      await rejected({ ...clone(honest), account: s(OTHER) });
    });

    it("rejects an unlisted key (a statement signed by a key the parameters do not list, as venue 1)", async () => {
      const rogue = sign(ROGUE, 1, ACCOUNT, custodian.asOf, custodian.entries);
      const i: any = input(book, [rogue, exchange]);
      const pub = eddsa.prv2pub(ROGUE).map((c: any) => eddsa.F.toObject(c).toString());
      i.sAx[0] = pub[0];
      i.sAy[0] = pub[1];
      await rejected(i);
    });

    it("rejects a tampered signature and an edited signed entry", async () => {
      await rejected({ ...clone(honest), sS: [s(custodian.S + 1n), honest.sS![1]] });
      const i: any = syncRecords(withPortfolio({ ...book, collateral: { USDC: "19500.000001", ETH: "3" } }));
      const k = (i.pool[0] as string[]).indexOf(s(packEntry(0, id("USDC"), 20000n * E6)));
      i.pool[0][k] = s(packEntry(0, id("USDC"), 20000n * E6 + 1n)); // 1 base unit more USDC, in the pool and the list
      i.sorted[at(i, packEntry(0, id("USDC"), 20000n * E6))] = i.pool[0][k];
      await rejected(i);
    });

    it("a changed public account fails", async () => {
      const w = await h.strict.calculate(honest);
      const forged = [...w];
      forged[5] = (forged[5]! + 1n) % p;
      assert.ok(failingConstraints(h.r1cs, forged).length > 0);
    });
  });
});
