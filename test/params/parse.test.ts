import { strict as assert } from "node:assert";
import { groupInstruments, parseRiskParams, riskParamsToJson } from "../../src/params/parse.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import type { ErrorCode } from "../../src/errors.js";
import { clone, fixtureJson, throwsZk } from "../helpers.js";

const base = () => fixtureJson("params-small.json");

describe("params: parsing and validation", () => {
  it("parses the fixture and normalizes to per-base-unit E26 values", () => {
    const p = parseRiskParams(base());
    const usdc = p.assets.find((a) => a.symbol === "USDC")!;
    // $1 per token, 6 decimals: one base unit = 1e-6 USD = 1e20 x 1e-26 USD
    assert.equal(usdc.unitValueE26, 10n ** 20n);
    const eth = p.assets.find((a) => a.symbol === "ETH")!;
    // $2000 per token, 18 decimals: one wei = 2e-15 USD = 2e11 x 1e-26
    assert.equal(eth.unitValueE26, 2000n * 10n ** 8n);
    const perp = p.instruments.find((i) => i.symbol === "ETH-PERP")!;
    // risk 100 USD per whole unit, 3 decimals: one step (0.001) = 0.1 USD = 1e25 x 1e-26
    assert.equal(perp.riskUnitE26[2], 10n ** 25n);
    assert.equal(perp.riskUnitE26[4], -(10n ** 25n));
    assert.equal(p.epoch, 3n);
  });

  it("sorts assets, groups, instruments and venues by id; an instrument's index is its place in its group", () => {
    const j = base();
    j.assets.reverse();
    j.groups.reverse();
    j.instruments.reverse();
    const p = parseRiskParams(j);
    assert.deepEqual(p.assets.map((a) => [a.id, a.index]), [[1, 0], [2, 1], [3, 2]]);
    // groups BTC (id 1), ETH (id 2), SOL (id 7): index = position by id, not the id
    assert.deepEqual(p.groups.map((g) => [g.symbol, g.id, g.index]), [["BTC", 1, 0], ["ETH", 2, 1], ["SOL", 7, 2]]);
    assert.deepEqual(p.instruments.map((a) => a.id), [1001, 1002, 1003, 2001, 2002, 2003, 2004]);
    // ETH: 1001, 2001, 2002, 2003 -> 0..3; BTC: 1002, 2004 -> 0, 1; SOL: 1003 -> 0
    assert.deepEqual(
      p.instruments.map((i) => [i.symbol, i.groupId, i.index]),
      [
        ["ETH-PERP", 2, 0],
        ["BTC-PERP", 1, 0],
        ["SOL-PERP", 7, 0],
        ["ETH-C-2200", 2, 1],
        ["ETH-P-1800", 2, 2],
        ["ETH-C-3000", 2, 3],
        ["BTC-P-45000", 1, 1],
      ],
    );
    assert.deepEqual(groupInstruments(p, 1).map((i) => i.symbol), ["BTC-PERP", "BTC-P-45000"]);
    assert.equal(p.venues[0]!.index, 0);
  });

  it("reads asOf as unix seconds and maxStatementAge, and defaults venues to []", () => {
    const p = parseRiskParams(base());
    assert.equal(p.version, 3);
    assert.equal(p.asOfUnix, BigInt(Date.UTC(2026, 10, 20, 16) / 1000)); // 2026-11-20T16:00:00Z = 1795190400
    assert.equal(p.asOfUnix, 1795190400n);
    assert.equal(p.maxStatementAge, 3600n);
    const j = base();
    delete j.venues;
    j.asOf = "2026-11-20T17:00:00.000+01:00"; // the same instant, zero fraction allowed
    const q = parseRiskParams(j);
    assert.deepEqual(q.venues, []);
    assert.equal(q.asOfUnix, 1795190400n);
  });

  it("resolves an instrument's group by symbol, by integer id, or by digit-string id", () => {
    for (const ref of ["BTC", 1, "1"]) {
      const j = base();
      j.instruments.find((i: any) => i.symbol === "SOL-PERP").group = ref;
      const p = parseRiskParams(j);
      assert.equal(p.instruments.find((i) => i.symbol === "SOL-PERP")!.groupId, 1);
      assert.equal(p.instruments.find((i) => i.symbol === "SOL-PERP")!.index, 1); // BTC: 1002, 1003, 2004
    }
  });

  it("accepts groups without instruments and no groups when there are no instruments", () => {
    const j = base();
    j.groups.push({ id: 9, symbol: "XRP" });
    assert.equal(parseRiskParams(j).groups.length, 4);
    j.instruments = [];
    j.groups = [];
    assert.equal(parseRiskParams(j).groups.length, 0);
  });

  it("reads a venue key on the Baby Jubjub curve", () => {
    const p = parseRiskParams(base());
    assert.deepEqual(p.venues.map((v) => [v.id, v.name]), [[1, "Test Venue"]]);
    assert.equal(p.venues[0]!.publicKey[0], BigInt(base().venues[0].publicKey[0]));
  });

  it("round-trips through riskParamsToJson", () => {
    const p = parseRiskParams(base());
    assert.deepEqual(riskParamsToJson(p), base());
  });

  // [description, edit, code, path]
  const cases: [string, (j: any) => void, ErrorCode, string][] = [
    ["unknown top-level field", (j) => (j.extra = 1), "SCHEMA", "(top level)"],
    ["missing epoch", (j) => delete j.epoch, "SCHEMA", "(top level)"],
    ["wrong version", (j) => (j.version = 4), "SCHEMA", "version"],
    ["version 2 (refused with the way out)", (j) => (j.version = 2), "SCHEMA", "version"],
    ["missing debtBps", (j) => delete j.assets[0].debtBps, "SCHEMA", "assets[0]"],
    ["debtBps over 10000", (j) => (j.assets[0].debtBps = 10001), "SCHEMA", "assets[0].debtBps"],
    ["negative debtBps", (j) => (j.assets[0].debtBps = -1), "SCHEMA", "assets[0].debtBps"],
    ["fractional debtBps", (j) => (j.assets[0].debtBps = 1.5), "SCHEMA", "assets[0].debtBps"],
    ["version 1 (refused with the way out)", (j) => (j.version = 1), "SCHEMA", "version"],
    ["missing groups", (j) => delete j.groups, "SCHEMA", "(top level)"],
    ["missing maxStatementAge", (j) => delete j.maxStatementAge, "SCHEMA", "(top level)"],
    ["negative maxStatementAge", (j) => (j.maxStatementAge = -1), "SCHEMA", "maxStatementAge"],
    ["fractional maxStatementAge", (j) => (j.maxStatementAge = 1.5), "SCHEMA", "maxStatementAge"],
    ["maxStatementAge as a string", (j) => (j.maxStatementAge = "3600"), "SCHEMA", "maxStatementAge"],
    ["maxStatementAge of 2^40", (j) => (j.maxStatementAge = 2 ** 40), "OUT_OF_RANGE", "maxStatementAge"],
    ["fractional asOf", (j) => (j.asOf = "2026-11-20T16:00:00.5Z"), "OUT_OF_RANGE", "asOf"],
    ["asOf before 1970", (j) => (j.asOf = "1969-12-31T23:59:59Z"), "OUT_OF_RANGE", "asOf"],
    ["asOf with an expanded year (a 4-digit year keeps asOf below 2^40 s)", (j) => (j.asOf = "+036812-02-20T00:00:00Z"), "SCHEMA", "asOf"],
    ["asOf on a day that does not exist", (j) => (j.asOf = "2026-02-30T00:00:00Z"), "SCHEMA", "asOf"],
    ["unknown group symbol", (j) => (j.instruments[2].group = "XRP"), "UNKNOWN_SYMBOL", "instruments[2].group"],
    ["unknown group id", (j) => (j.instruments[2].group = 3), "UNKNOWN_SYMBOL", "instruments[2].group"],
    ["unknown group id as a string", (j) => (j.instruments[2].group = "3"), "UNKNOWN_SYMBOL", "instruments[2].group"],
    ["group symbol in the wrong case", (j) => (j.instruments[2].group = "sol"), "UNKNOWN_SYMBOL", "instruments[2].group"],
    ["group as an object", (j) => (j.instruments[2].group = { id: 7 }), "SCHEMA", "instruments[2].group"],
    ["fractional group id", (j) => (j.instruments[2].group = 1.5), "SCHEMA", "instruments[2].group"],
    ["missing instrument group", (j) => delete j.instruments[2].group, "SCHEMA", "instruments[2]"],
    ["duplicate group id", (j) => (j.groups[1].id = 1), "DUPLICATE", "groups[1].id"],
    ["duplicate group symbol, other case", (j) => (j.groups[1].symbol = "btc"), "DUPLICATE", "groups[1].symbol"],
    ["group id over 2^32-1", (j) => (j.groups[2].id = 2 ** 32), "OUT_OF_RANGE", "groups[2].id"],
    ["all-digit group symbol", (j) => (j.groups[2].symbol = "77"), "SCHEMA", "groups[2].symbol"],
    ["unknown group field", (j) => (j.groups[0].color = "orange"), "SCHEMA", "groups[0]"],
    ["65 groups", (j) => (j.groups = Array.from({ length: 65 }, (_, i) => ({ id: i + 1, symbol: `G${i}` }))), "CAPACITY", "groups"],
    ["venue key x >= p", (j) => (j.venues[0].publicKey[0] = FIELD_MODULUS.toString()), "OUT_OF_RANGE", "venues[0].publicKey[0]"],
    ["venue key off the curve", (j) => (j.venues[0].publicKey[1] = "5"), "OUT_OF_RANGE", "venues[0].publicKey"],
    ["venue key off the curve (x + p)", (j) => (j.venues[0].publicKey[0] = (BigInt(j.venues[0].publicKey[0]) + FIELD_MODULUS).toString()), "OUT_OF_RANGE", "venues[0].publicKey[0]"],
    ["venue key the identity (small order)", (j) => (j.venues[0].publicKey = ["0", "1"]), "OUT_OF_RANGE", "venues[0].publicKey"],
    ["venue key of order 2", (j) => (j.venues[0].publicKey = ["0", (FIELD_MODULUS - 1n).toString()]), "OUT_OF_RANGE", "venues[0].publicKey"],
    ["venue key as numbers", (j) => (j.venues[0].publicKey = [1, 2]), "DECIMAL_FORMAT", "venues[0].publicKey[0]"],
    ["venue key in hex", (j) => (j.venues[0].publicKey[0] = "0x12"), "DECIMAL_FORMAT", "venues[0].publicKey[0]"],
    ["venue key with a leading zero", (j) => (j.venues[0].publicKey[0] = `0${j.venues[0].publicKey[0]}`), "DECIMAL_FORMAT", "venues[0].publicKey[0]"],
    ["venue key of 3 coordinates", (j) => j.venues[0].publicKey.push("1"), "SCHEMA", "venues[0].publicKey"],
    ["duplicate venue id", (j) => j.venues.push({ ...j.venues[0], name: "Other" }), "DUPLICATE", "venues[1].id"],
    ["venue id over 2^32-1", (j) => (j.venues[0].id = 2 ** 32), "OUT_OF_RANGE", "venues[0].id"],
    ["venue without a name", (j) => (j.venues[0].name = ""), "SCHEMA", "venues[0].name"],
    [
      "17 venues",
      (j) => (j.venues = Array.from({ length: 17 }, (_, i) => ({ ...j.venues[0], id: i + 1 }))),
      "CAPACITY",
      "venues",
    ],
    ["negative epoch", (j) => (j.epoch = -1), "SCHEMA", "epoch"],
    ["bad asOf", (j) => (j.asOf = "yesterday"), "SCHEMA", "asOf"],
    ["asOf without zone", (j) => (j.asOf = "2026-11-20T16:00:00"), "SCHEMA", "asOf"],
    ["15 scenarios", (j) => j.scenarios.pop(), "RISK_ARRAY", "scenarios"],
    ["no assets", (j) => (j.assets = []), "SCHEMA", "assets"],
    ["unknown asset field", (j) => (j.assets[1].ltv = 1), "SCHEMA", "assets[1]"],
    ["numeric price", (j) => (j.assets[0].price = 1), "DECIMAL_FORMAT", "assets[0].price"],
    ["exponent price", (j) => (j.assets[0].price = "1e3"), "DECIMAL_FORMAT", "assets[0].price"],
    ["price with 9 decimals", (j) => (j.assets[0].price = "0.999800001"), "DECIMAL_PRECISION", "assets[0].price"],
    ["negative price", (j) => (j.assets[0].price = "-1"), "OUT_OF_RANGE", "assets[0].price"],
    ["zero price", (j) => (j.assets[0].price = "0"), "OUT_OF_RANGE", "assets[0].price"],
    ["leading zeros", (j) => (j.assets[0].price = "01"), "DECIMAL_FORMAT", "assets[0].price"],
    ["decimals 19", (j) => (j.assets[0].decimals = 19), "SCHEMA", "assets[0].decimals"],
    ["duplicate asset id", (j) => (j.assets[1].id = 1), "DUPLICATE", "assets[1].id"],
    ["duplicate symbol, other case", (j) => (j.assets[1].symbol = "usdc"), "DUPLICATE", "assets[1].symbol"],
    ["all-digit symbol", (j) => (j.assets[1].symbol = "1234"), "SCHEMA", "assets[1].symbol"],
    ["id over 2^32-1", (j) => (j.instruments[0].id = 2 ** 32), "OUT_OF_RANGE", "instruments[0].id"],
    ["bounded last tier", (j) => (j.assets[0].haircuts[1].upTo = "2000000"), "HAIRCUT_TIERS", "assets[0].haircuts[1].upTo"],
    ["unbounded middle tier", (j) => (j.assets[1].haircuts[1].upTo = null), "HAIRCUT_TIERS", "assets[1].haircuts[1].upTo"],
    ["decreasing bps", (j) => (j.assets[1].haircuts[2].bps = 1500), "HAIRCUT_TIERS", "assets[1].haircuts[2].bps"],
    ["non-increasing upTo", (j) => (j.assets[1].haircuts[1].upTo = "100000"), "HAIRCUT_TIERS", "assets[1].haircuts[1].upTo"],
    ["zero first upTo", (j) => (j.assets[1].haircuts[0].upTo = "0"), "HAIRCUT_TIERS", "assets[1].haircuts[0].upTo"],
    ["bps over 10000", (j) => (j.assets[2].haircuts[0].bps = 10001), "SCHEMA", "assets[2].haircuts[0].bps"],
    ["fractional bps", (j) => (j.assets[2].haircuts[0].bps = 12.5), "SCHEMA", "assets[2].haircuts[0].bps"],
    ["no tiers", (j) => (j.assets[2].haircuts = []), "SCHEMA", "assets[2].haircuts"],
    [
      "5 tiers",
      (j) =>
        (j.assets[2].haircuts = [
          { upTo: "1", bps: 1 },
          { upTo: "2", bps: 2 },
          { upTo: "3", bps: 3 },
          { upTo: "4", bps: 4 },
          { upTo: null, bps: 5 },
        ]),
      "HAIRCUT_TIERS",
      "assets[2].haircuts",
    ],
    ["risk array of 15", (j) => j.instruments[0].riskArray.pop(), "RISK_ARRAY", "instruments[0].riskArray"],
    ["risk value with 9 decimals", (j) => (j.instruments[1].riskArray[3] = "1.123456789"), "DECIMAL_PRECISION", "instruments[1].riskArray[3]"],
    ["risk value as number", (j) => (j.instruments[1].riskArray[3] = 5), "DECIMAL_FORMAT", "instruments[1].riskArray[3]"],
    ["risk value '+5'", (j) => (j.instruments[1].riskArray[3] = "+5"), "DECIMAL_FORMAT", "instruments[1].riskArray[3]"],
    ["negative minimum", (j) => (j.instruments[3].shortOptionMinimum = "-1"), "OUT_OF_RANGE", "instruments[3].shortOptionMinimum"],
    ["minimum on a perpetual", (j) => (j.instruments[0].shortOptionMinimum = "1"), "OUT_OF_RANGE", "instruments[0].shortOptionMinimum"],
    ["unknown kind", (j) => (j.instruments[0].kind = "swap"), "SCHEMA", "instruments[0].kind"],
    ["duplicate instrument symbol", (j) => (j.instruments[2].symbol = "ETH-PERP"), "DUPLICATE", "instruments[2].symbol"],
    // 2^112 / 1e8 / 1e18 (decimals 0) ~ 51.9 million USD per whole unit is the largest risk value
    ["risk value over the bit budget", (j) => ((j.instruments[0].decimals = 0), (j.instruments[0].riskArray[5] = "-60000000")), "BIT_BUDGET", "instruments[0].riskArray[5]"],
    ["price over the bit budget", (j) => ((j.assets[2].decimals = 0), (j.assets[2].price = "60000000")), "BIT_BUDGET", "assets[2].price"],
    ["minimum over the bit budget", (j) => ((j.instruments[3].decimals = 0), (j.instruments[3].shortOptionMinimum = "60000000")), "BIT_BUDGET", "instruments[3].shortOptionMinimum"],
    ["threshold over the bit budget", (j) => (j.assets[1].haircuts[1].upTo = "1" + "0".repeat(37)), "BIT_BUDGET", "assets[1].haircuts[1].upTo"],
  ];
  for (const [what, edit, code, path] of cases) {
    it(`rejects ${what} (${code} at ${path})`, () => {
      const j = clone(base());
      edit(j);
      const e = throwsZk(() => parseRiskParams(j), code, path);
      assert.ok(e.message.startsWith(path), e.message);
    });
  }

  it("accepts values just inside the bit budget", () => {
    const j = clone(base());
    j.instruments[0].decimals = 0;
    j.instruments[0].riskArray[5] = "-51922968"; // 51922968 * 1e26 < 2^112 ~ 5.19229685e33
    parseRiskParams(j);
  });

  it("accepts more instruments than assets and an empty instrument list", () => {
    const j = clone(base());
    j.instruments = [];
    assert.equal(parseRiskParams(j).instruments.length, 0);
  });

  it("refuses a 513th instrument in one group, naming the group, and accepts 512", () => {
    const j = clone(base());
    const t = j.instruments[0];
    j.instruments = Array.from({ length: 512 }, (_, i) => ({ ...t, id: i + 1, symbol: `X${i}`, group: "ETH" }));
    j.instruments.push({ ...t, id: 9999, symbol: "Y", group: "BTC" }); // other groups do not count
    assert.equal(parseRiskParams(j).instruments.length, 513);
    j.instruments.push({ ...t, id: 10000, symbol: "Z", group: 2 });
    const e = throwsZk(() => parseRiskParams(j), "CAPACITY", "instruments[513].group", 'group "ETH" (id 2) has 513 instruments');
    assert.match(e.message, /at most 512/);
    assert.equal(e.limit, "512 instruments per group");
  });

  it("refuses version 2 with a message that says what changed and how to rebuild", () => {
    const j = clone(base());
    j.version = 2;
    for (const a of j.assets) delete a.debtBps; // a real v2 file has no debtBps: the version message comes first
    const e = throwsZk(() => parseRiskParams(j), "SCHEMA", "version");
    assert.match(e.message, /version 2 risk parameters are no longer accepted: version 3 gives each asset a committed debtBps/);
    assert.match(e.message, /zkmargin params build/);
  });

  it("refuses version 1 with a message that says how to rebuild", () => {
    const j = clone(base());
    j.version = 1;
    delete j.groups; // a real v1 file has no groups: the version message comes first
    const e = throwsZk(() => parseRiskParams(j), "SCHEMA", "version");
    assert.match(e.message, /version 1 risk parameters are no longer accepted/);
    assert.match(e.message, /zkmargin params build <market\.json>/);
    assert.match(e.message, /risk groups/);
  });

  it("names the instrument, the value and the known groups for an unknown group", () => {
    const j = clone(base());
    j.instruments[2].group = "XRP";
    const e = throwsZk(() => parseRiskParams(j), "UNKNOWN_SYMBOL", "instruments[2].group");
    assert.match(e.message, /unknown group "XRP"/);
    assert.match(e.message, /BTC \(id 1\), ETH \(id 2\), SOL \(id 7\)/);
    j.instruments[2].group = "eth";
    throwsZk(() => parseRiskParams(j), "UNKNOWN_SYMBOL", "instruments[2].group", 'did you mean "ETH"');
  });

  it("messages name the value and the limit", () => {
    const j = clone(base());
    j.assets[0].price = "0.999800001";
    const e = throwsZk(() => parseRiskParams(j), "DECIMAL_PRECISION");
    assert.match(e.message, /"0\.999800001" has 9 decimal places, more than 8 decimal places \(USD\) allow; it is not rounded/);
  });
});
