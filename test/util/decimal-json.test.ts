import { strict as assert } from "node:assert";
import fc from "fast-check";
import { divCeil, divFloor, formatScaled, parseDecimal, roundScaled } from "../../src/util/decimal.js";
import { parseJsonStrict } from "../../src/util/json.js";
import { throwsZk } from "../helpers.js";

describe("util: exact decimals", () => {
  it("parses with scaling and keeps every digit", () => {
    assert.equal(parseDecimal("3012.55", "p", { places: 8 }), 301_255_000_000n);
    assert.equal(parseDecimal("-0.00000001", "p", { places: 8, signed: true }), -1n);
    assert.equal(parseDecimal("0", "p", { places: 0 }), 0n);
    assert.equal(parseDecimal("123456789012345678901234567890", "p", { places: 18 }), 123456789012345678901234567890n * 10n ** 18n);
  });
  it("refuses what it would otherwise round or guess", () => {
    for (const bad of ["1.", ".5", "+1", " 1", "1 ", "1,5", "0x10", "1e5", "1E-3", "NaN", "Infinity", "--1", "00", "-", ""]) {
      assert.throws(() => parseDecimal(bad, "p", { places: 8, signed: true }), (e: any) => e.path === "p", bad);
    }
    throwsZk(() => parseDecimal("0.123", "p", { places: 2 }), "DECIMAL_PRECISION", "p");
  });
  it("format(parse(x)) round-trips and rounding helpers are floor/ceil", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (v, places) => {
        assert.equal(parseDecimal(formatScaled(v, places), "p", { places, signed: true }), v);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt(), fc.bigInt({ min: 1n, max: 10n ** 20n }), (a, b) => {
        const f = divFloor(a, b);
        const c = divCeil(a, b);
        assert.ok(f * b <= a && a < (f + 1n) * b);
        assert.ok((c - 1n) * b < a && a <= c * b);
      }),
    );
    assert.equal(roundScaled(-15n, 1, 0, "down"), "-2");
    assert.equal(roundScaled(-15n, 1, 0, "up"), "-1");
    assert.equal(roundScaled(15n, 1, 0, "up"), "2");
  });
});

describe("util: strict JSON", () => {
  it("parses like JSON.parse", () => {
    assert.deepEqual(parseJsonStrict('{"a":[1,{"b":"x\\"y"}],"c":null}'), { a: [1, { b: 'x"y' }], c: null });
  });
  it("refuses a key given twice, naming its path and line", () => {
    const e = throwsZk(() => parseJsonStrict('{"collateral": {\n "USDC": "1",\n "USDC": "2"}}', "portfolio"), "DUPLICATE_KEY", "collateral.USDC");
    assert.match(e.message, /line 3/);
    throwsZk(() => parseJsonStrict('{"a":[{"x":1,"x":2}]}'), "DUPLICATE_KEY", "a[0].x");
    throwsZk(() => parseJsonStrict('{"p":{"ETH-PERP":"1","ETH-PERP":"2"}}'), "DUPLICATE_KEY", 'p["ETH-PERP"]');
  });
  it("reports syntax errors with a line", () => {
    const e = throwsZk(() => parseJsonStrict('{\n "a": 1,\n}', "params"), "INVALID_JSON");
    assert.match(e.message, /params is not valid JSON/);
  });
});
