import { strict as assert } from "node:assert";
import { buildEddsa } from "circomlibjs";
import { FIELD_MODULUS as p } from "../../src/config/limits.js";
import { STATEMENT_ENTRIES, statementTag } from "../../src/config/statement.js";
import { poseidon } from "../../src/crypto/poseidon.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";
import type { RiskParams } from "../../src/params/types.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { buildWitnessInput, type WitnessInput } from "../../src/prove/witness.js";
import { buildVerifiedWitnessInput, selectorRows, type StatementWitness } from "../../src/prove/verifiedWitness.js";
import { messageOf, packEntry as pack, packedEntries, unpackEntry } from "../../src/statements/encoding.js";
import { clone, fixtureJson } from "../helpers.js";
import { type Harness, harness, laxCheck } from "./harness.js";

// Verified mode (circuits/verified/verified.circom) on the small-verified configuration (2 collateral,
// 4 position, 2 group and 2 statement slots). Two venues of the fixture's parameters (a second venue
// is added here) sign statements for one account: a custodian (venue 1) holds 20,000 USDC and 2 ETH,
// an exchange (venue 2) holds 1 ETH and ETH-PERP +50, ETH-C-2200 -100, BTC-PERP +1. The portfolio is
// their sum: USDC 20,000, ETH 3 (2 + 1: one asset at two venues), three positions in two groups.
describe("circuit (small-verified): venue statements", function () {
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
  const E6 = 10n ** 6n;
  const E18 = 10n ** 18n;

  const packEntry = (kind: 0 | 1, id: number, amount: bigint) => pack({ kind: kind === 1 ? "position" : "collateral", id, amount });
  /** Signs packed entries (in canonical order) with circomlibjs; entries that are not valid SDK entries are hashed as given. */
  function sign(key: Buffer, venueId: number, account: bigint, asOf: bigint, entries: bigint[]): StatementWitness {
    let padded = [...entries, ...Array<bigint>(STATEMENT_ENTRIES - entries.length).fill(0n)];
    let m: bigint;
    try {
      const list = entries.filter((e) => e !== 0n).map(unpackEntry);
      padded = packedEntries(list); // canonical order, as a venue signs
      m = messageOf({ venueId, account, asOf, entries: list });
    } catch {
      m = poseidon([statementTag(), BigInt(venueId), account, asOf, poseidon(padded)]); // a malformed entry, on purpose
    }
    const sig = eddsa.signPoseidon(key, eddsa.F.e(m));
    return { venueId, asOf, entries: padded, R8: [eddsa.F.toObject(sig.R8[0]), eddsa.F.toObject(sig.R8[1])], S: sig.S };
  }
  let custodian: StatementWitness;
  let exchange: StatementWitness;
  const book = {
    collateral: { USDC: "20000", ETH: "3" },
    positions: { "ETH-PERP": "50", "ETH-C-2200": "-100", "BTC-PERP": "1" },
  };
  let honest: WitnessInput;

  function input(bk: typeof book, statements: StatementWitness[], account = ACCOUNT) {
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

  before(async () => {
    eddsa = await buildEddsa();
    const json = clone(fixtureJson("params-small.json"));
    const pub2 = eddsa.prv2pub(KEY2).map((c: any) => eddsa.F.toObject(c).toString());
    json.venues.push({ id: 2, name: "Second Venue", publicKey: pub2 });
    params = parseRiskParams(json);
    tree = buildParamsTree(params);
    h = await harness("small-verified");
    const asOf = params.asOfUnix;
    custodian = sign(KEY1, 1, ACCOUNT, asOf - 600n, [packEntry(0, id("USDC"), 20000n * E6), packEntry(0, id("ETH"), 2n * E18)]);
    exchange = sign(KEY2, 2, ACCOUNT, asOf + 300n, [
      packEntry(0, id("ETH"), E18),
      packEntry(1, id("ETH-PERP"), 50n * 10n ** BigInt(params.instruments.find((i) => i.symbol === "ETH-PERP")!.decimals)),
      packEntry(1, id("ETH-C-2200"), -100n * 10n ** BigInt(params.instruments.find((i) => i.symbol === "ETH-C-2200")!.decimals)),
      packEntry(1, id("BTC-PERP"), 10n ** BigInt(params.instruments.find((i) => i.symbol === "BTC-PERP")!.decimals)),
    ]);
    honest = input(book, [custodian, exchange]);
  });

  it("control: the honest witness satisfies every constraint; public signals end with the account", async () => {
    const { witness, failing } = await laxCheck(h, honest);
    assert.deepEqual(failing, []);
    assert.deepEqual(witness, await h.strict.calculate(honest));
    assert.equal(witness[5], ACCOUNT);
  });

  it("one statement is enough (the other slot unused and all-zero)", async () => {
    const only = { collateral: { USDC: "20000", ETH: "2" }, positions: {} };
    const { failing } = await laxCheck(h, input(only as any, [custodian]));
    assert.deepEqual(failing, []);
  });

  it("the witness builder refuses a portfolio that is not the statements' sum, naming the holding", () => {
    assert.throws(() => input({ ...book, collateral: { USDC: "20001", ETH: "3" } }, [custodian, exchange]), /collateral\.USDC: the portfolio counts .* the statements hold/);
    assert.throws(
      () => input({ ...book, positions: { "ETH-PERP": "50", "BTC-PERP": "1" } } as any, [custodian, exchange]),
      /instrument .* that the portfolio does not count/,
    );
  });

  const s = (x: bigint | number) => x.toString();
  /** The core witness of another portfolio with the honest statements attached (sel recomputed, unchecked). */
  function forgedPortfolio(bk: any, statements: StatementWitness[]) {
    const portfolio = parsePortfolio(bk, params);
    const core = buildWitnessInput({ params, tree, portfolio, healthBps: 10000, context: 99n, salt: 5n, config: h.config });
    const i: any = { ...clone(honest), ...core.input };
    i.sel = statements.map((st) => selectorRows(portfolio, h.config, st.entries, st.venueId).rows);
    while (i.sel.length < 2) i.sel.push(Array.from({ length: STATEMENT_ENTRIES }, () => Array(6).fill("0")));
    return i;
  }
  async function rejected(i: any) {
    const { failing } = await laxCheck(h, i);
    assert.ok(failing.length > 0, "forged witness satisfied every constraint");
  }

  it("rejects an overstated balance (USDC 20,001 against statements holding 20,000)", async () => {
    await rejected(forgedPortfolio({ ...book, collateral: { USDC: "20001", ETH: "3" } }, [custodian, exchange]));
  });

  it("rejects an omitted short position (ETH-C-2200 -100 left out of the portfolio)", async () => {
    const i = forgedPortfolio({ ...book, positions: { "ETH-PERP": "50", "BTC-PERP": "1" } }, [custodian, { ...exchange, entries: exchange.entries.map((e, k) => (k === 3 ? 0n : e)) }]);
    // the statement still carries the entry (it is signed): its selector row is empty
    i.sEntries = honest.sEntries;
    await rejected(i);
  });

  it("rejects an omitted short position by an unassigned selector row", async () => {
    const i: any = clone(honest);
    i.sel[1][3] = i.sel[1][3].map(() => "0");
    await rejected(i);
  });

  it("rejects an entry moved from one venue to another (the 1 ETH shown at the custodian)", async () => {
    const i: any = clone(honest);
    i.sEntries[0][2] = i.sEntries[1][0];
    i.sEntries[1][0] = "0";
    [i.sel[0][2], i.sel[1][0]] = [i.sel[1][0], i.sel[0][2]];
    await rejected(i);
  });

  it("rejects one venue used twice (the custodian's statement in both slots)", async () => {
    const i = input({ collateral: { USDC: "20000", ETH: "2" }, positions: {} } as any, [custodian]);
    const j: any = clone(i);
    for (const k of ["sUsed", "sVenueIndex", "sVenueId", "sAx", "sAy", "sVenueSiblings", "sAsOf", "sEntries", "sR8x", "sR8y", "sS", "sel"]) j[k][1] = j[k][0];
    j.sel[1] = j.sel[1].map((r: string[]) => r.map(() => "0")); // the copy's entries left out: balances unchanged
    await rejected(j);
  });

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
    assert.deepEqual((await laxCheck(h, input(book, [a, b]))).failing, []);
  });

  it("rejects another account's statement (signed for another address)", async () => {
    const theirs = sign(KEY1, 1, OTHER, custodian.asOf, custodian.entries);
    await rejected(input(book, [theirs, exchange]));
    // and the honest statements under another public account
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
    const i: any = clone(honest);
    i.sEntries[0][0] = s(BigInt(i.sEntries[0][0]) + 1n); // 1 base unit more USDC
    i.cMagnitude[0] = s(BigInt(i.cMagnitude[0]) + 1n);
    await rejected(i);
  });

  it("rejects an unused statement slot carrying entries", async () => {
    const i: any = input({ collateral: { USDC: "20000", ETH: "2" }, positions: {} } as any, [custodian]);
    i.sEntries[1][0] = s(packEntry(0, id("USDC"), 5n * E6));
    i.sel[1][0] = ["1", "0", "0", "0", "0", "0"];
    i.cMagnitude[0] = s(BigInt(i.cMagnitude[0]) + 5n * E6);
    await rejected(i);
  });

  it("rejects a holding split across two portfolio slots to dodge a tier (ETH 2 + 1 in two slots)", async () => {
    const i: any = clone(honest);
    // both collateral slots ETH: slot 0 takes the custodian's 2 ETH, slot 1 the exchange's 1 ETH
    for (const k of ["cIndex", "cId", "cUnitValue", "cThresholds", "cBps", "cDebtBps", "cSiblings"]) i[k][0] = i[k][1];
    i.cMagnitude = [s(2n * E18), s(E18)];
    i.sel[0][0] = Array(6).fill("0"); // USDC left out
    i.sel[0][1] = ["1", "0", "0", "0", "0", "0"];
    i.sel[1][0] = ["0", "1", "0", "0", "0", "0"];
    await rejected(i);
  });

  it("rejects a debt balance (a collateral entry with the sign bit) and an entry assigned to a slot of another key", async () => {
    const i: any = clone(honest);
    assert.deepEqual(i.sel[1][1], ["0", "0", "0", "1", "0", "0"]); // slots: USDC, ETH, BTC-PERP, ETH-PERP, ETH-C-2200, empty
    i.sel[1][1] = ["0", "0", "0", "0", "1", "0"]; // the ETH-PERP entry assigned to the ETH-C-2200 slot
    await rejected(i);
    const debt = sign(KEY1, 1, ACCOUNT, custodian.asOf, [packEntry(0, id("USDC"), 20000n * E6) + (1n << 96n)]);
    const j: any = input({ collateral: { ETH: "1" }, positions: book.positions } as any, [exchange]);
    for (const k of ["sUsed", "sVenueIndex", "sVenueId", "sAx", "sAy", "sVenueSiblings", "sAsOf", "sEntries", "sR8x", "sR8y", "sS", "sel"]) j[k] = [(clone(honest) as any)[k][0], j[k][0]];
    j.sEntries[0] = debt.entries.map(s);
    j.sAsOf[0] = s(debt.asOf);
    j.sR8x[0] = s(debt.R8[0]);
    j.sR8y[0] = s(debt.R8[1]);
    j.sS[0] = s(debt.S);
    j.sel[0] = Array.from({ length: STATEMENT_ENTRIES }, () => Array(6).fill("0"));
    await rejected(j);
  });

  it("a changed public account or field-wrapped entry fails", async () => {
    const w = await h.strict.calculate(honest);
    const forged = [...w];
    forged[5] = (forged[5]! + 1n) % p;
    const { failingConstraints } = await import("../../src/circuit/r1cs.js");
    assert.ok(failingConstraints(h.r1cs, forged).length > 0);
  });
});
