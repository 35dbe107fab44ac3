import { strict as assert } from "node:assert";
import { parsePortfolio, portfolioToJson } from "../../src/portfolio/parse.js";
import type { ErrorCode } from "../../src/errors.js";
import { smallParams, throwsZk } from "../helpers.js";

describe("portfolio: parsing and validation", () => {
  const params = smallParams();

  it("accepts symbols and numeric ids, converts to base units, sorts by leaf index", () => {
    const p = parsePortfolio({ collateral: { "2": "1.5", USDC: "100.25" }, positions: { "2001": "-3.5", "ETH-PERP": "0.001" } }, params);
    assert.deepEqual(
      p.collateral.map((c) => [c.asset.symbol, c.amountBase]),
      [
        ["USDC", 100_250_000n],
        ["ETH", 1_500_000_000_000_000_000n],
      ],
    );
    assert.deepEqual(
      p.positions.map((x) => [x.instrument.symbol, x.quantityBase]),
      [
        ["ETH-PERP", 1n],
        ["ETH-C-2200", -350n],
      ],
    );
    assert.deepEqual(portfolioToJson(p), {
      collateral: { USDC: "100.25", ETH: "1.5" },
      positions: { "ETH-PERP": "0.001", "ETH-C-2200": "-3.5" },
    });
  });

  it("orders positions by (group index, index inside the group): the circuit's slot order, not id order", () => {
    // groups by id: BTC (1) -> 0, ETH (2) -> 1, SOL (7) -> 2
    // by id the order would be 1001 ETH-PERP, 1002 BTC-PERP, 1003 SOL-PERP, 2001 ETH-C-2200, 2004 BTC-P-45000
    const p = parsePortfolio(
      { collateral: {}, positions: { "SOL-PERP": "1", "ETH-C-2200": "-1", "BTC-P-45000": "2", "ETH-PERP": "3", "BTC-PERP": "-0.5" } },
      params,
    );
    assert.deepEqual(
      p.positions.map((x) => x.instrument.symbol),
      ["BTC-PERP", "BTC-P-45000", "ETH-PERP", "ETH-C-2200", "SOL-PERP"],
    );
    assert.deepEqual(Object.keys(portfolioToJson(p).positions), ["BTC-PERP", "BTC-P-45000", "ETH-PERP", "ETH-C-2200", "SOL-PERP"]);
  });

  it("drops zero holdings and allows a missing positions section", () => {
    const p = parsePortfolio({ collateral: { USDC: "0", ETH: "0.000" } }, params);
    assert.equal(p.collateral.length, 0);
    assert.equal(p.positions.length, 0);
    assert.equal(parsePortfolio({ collateral: {}, positions: { "ETH-PERP": "-0" } }, params).positions.length, 0);
  });

  it("accepts trailing zeros beyond the decimals (no rounding involved)", () => {
    const p = parsePortfolio({ collateral: { USDC: "1.00000000" } }, params);
    assert.equal(p.collateral[0]!.amountBase, 1_000_000n);
  });

  const cases: [string, unknown, ErrorCode, string][] = [
    ["unknown symbol", { collateral: { DAI: "1" } }, "UNKNOWN_SYMBOL", "collateral.DAI"],
    ["unknown id", { collateral: { "77": "1" } }, "UNKNOWN_SYMBOL", 'collateral["77"]'],
    ["instrument listed as collateral", { collateral: { "ETH-PERP": "1" } }, "UNKNOWN_SYMBOL", 'collateral["ETH-PERP"]'],
    // (JSON objects iterate integer-like keys first, so the symbol is the second one seen)
    ["same asset by symbol and id", { collateral: { USDC: "1", "1": "2" } }, "DUPLICATE", "collateral.USDC"],
    ["same instrument by symbol and id", { collateral: {}, positions: { "ETH-PERP": "1", "1001": "2" } }, "DUPLICATE", 'positions["ETH-PERP"]'],
    ["too many decimals for USDC", { collateral: { USDC: "1.0000001" } }, "DECIMAL_PRECISION", "collateral.USDC"],
    ["too fine a position size", { collateral: {}, positions: { "ETH-PERP": "0.0005" } }, "DECIMAL_PRECISION", 'positions["ETH-PERP"]'],
    ["exponent", { collateral: { USDC: "1e6" } }, "DECIMAL_FORMAT", "collateral.USDC"],
    ["JSON number amount", { collateral: { USDC: 5 } }, "DECIMAL_FORMAT", "collateral.USDC"],
    ["empty string", { collateral: { USDC: "" } }, "DECIMAL_FORMAT", "collateral.USDC"],
    ["balance over 2^96 base units", { collateral: { ETH: "79228162514.264337593543950336" } }, "BIT_BUDGET", "collateral.ETH"],
    ["position over 2^96 base units", { collateral: {}, positions: { "ETH-PERP": "-79228162514264337593543951" } }, "BIT_BUDGET", 'positions["ETH-PERP"]'],
    ["missing collateral section", { positions: {} }, "SCHEMA", "(top level)"],
    ["unknown section", { collateral: {}, options: {} }, "SCHEMA", "(top level)"],
    ["positions as an array", { collateral: {}, positions: [] }, "SCHEMA", "positions"],
  ];
  for (const [what, json, code, path] of cases) {
    it(`rejects ${what} (${code} at ${path})`, () => {
      throwsZk(() => parsePortfolio(json, params), code, path);
    });
  }

  it("accepts the largest balance inside the budget", () => {
    // 2^96 - 1 wei
    const p = parsePortfolio({ collateral: { ETH: "79228162514.264337593543950335" } }, params);
    assert.equal(p.collateral[0]!.amountBase, (1n << 96n) - 1n);
  });

  it("accepts a negative balance (a debt) within the same budget and precision rules", () => {
    const p = parsePortfolio({ collateral: { USDC: "-5.25", ETH: "-79228162514.264337593543950335" } }, params);
    assert.deepEqual(p.collateral.map((c) => c.amountBase), [-5_250_000n, -((1n << 96n) - 1n)]);
    throwsZk(() => parsePortfolio({ collateral: { ETH: "-79228162514.264337593543950336" } }, params), "BIT_BUDGET", "collateral.ETH");
    throwsZk(() => parsePortfolio({ collateral: { USDC: "-0.0000001" } }, params), "DECIMAL_PRECISION", "collateral.USDC");
  });

  it("suggests the right case for a symbol typed in the wrong case", () => {
    throwsZk(() => parsePortfolio({ collateral: { usdc: "1" } }, params), "UNKNOWN_SYMBOL", "collateral.usdc", 'did you mean "USDC"');
  });
});
