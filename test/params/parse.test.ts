import { strict as assert } from "node:assert";
import { parseRiskParams, riskParamsToJson } from "../../src/params/parse.js";
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

  it("sorts assets and instruments by id and assigns leaf indexes", () => {
    const j = base();
    j.assets.reverse();
    j.instruments.reverse();
    const p = parseRiskParams(j);
    assert.deepEqual(p.assets.map((a) => [a.id, a.index]), [[1, 0], [2, 1], [3, 2]]);
    assert.deepEqual(p.instruments.map((a) => a.id), [1001, 2001, 2002, 2003]);
  });

  it("round-trips through riskParamsToJson", () => {
    const p = parseRiskParams(base());
    assert.deepEqual(riskParamsToJson(p), base());
  });

  // [description, edit, code, path]
  const cases: [string, (j: any) => void, ErrorCode, string][] = [
    ["unknown top-level field", (j) => (j.extra = 1), "SCHEMA", "(top level)"],
    ["missing epoch", (j) => delete j.epoch, "SCHEMA", "(top level)"],
    ["wrong version", (j) => (j.version = 2), "SCHEMA", "version"],
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
    ["negative minimum", (j) => (j.instruments[1].shortOptionMinimum = "-1"), "OUT_OF_RANGE", "instruments[1].shortOptionMinimum"],
    ["minimum on a perpetual", (j) => (j.instruments[0].shortOptionMinimum = "1"), "OUT_OF_RANGE", "instruments[0].shortOptionMinimum"],
    ["unknown kind", (j) => (j.instruments[0].kind = "swap"), "SCHEMA", "instruments[0].kind"],
    ["duplicate instrument symbol", (j) => (j.instruments[2].symbol = "ETH-PERP"), "DUPLICATE", "instruments[2].symbol"],
    // 2^112 / 1e8 / 1e18 (decimals 0) ~ 51.9 million USD per whole unit is the largest risk value
    ["risk value over the bit budget", (j) => ((j.instruments[0].decimals = 0), (j.instruments[0].riskArray[5] = "-60000000")), "BIT_BUDGET", "instruments[0].riskArray[5]"],
    ["price over the bit budget", (j) => ((j.assets[2].decimals = 0), (j.assets[2].price = "60000000")), "BIT_BUDGET", "assets[2].price"],
    ["minimum over the bit budget", (j) => ((j.instruments[1].decimals = 0), (j.instruments[1].shortOptionMinimum = "60000000")), "BIT_BUDGET", "instruments[1].shortOptionMinimum"],
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

  it("refuses more instruments than the tree holds", () => {
    const j = clone(base());
    const t = j.instruments[0];
    j.instruments = Array.from({ length: 16385 }, (_, i) => ({ ...t, id: i + 1, symbol: `X${i}` }));
    throwsZk(() => parseRiskParams(j), "CAPACITY", "instruments", "16384");
  });

  it("messages name the value and the limit", () => {
    const j = clone(base());
    j.assets[0].price = "0.999800001";
    const e = throwsZk(() => parseRiskParams(j), "DECIMAL_PRECISION");
    assert.match(e.message, /"0\.999800001" has 9 decimal places, more than 8 decimal places \(USD\) allow; it is not rounded/);
  });
});
