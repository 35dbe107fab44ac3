import { strict as assert } from "node:assert";
import { getConfig } from "../../src/config/circuits.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { toHex32 } from "../../src/crypto/poseidon.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import type { CommitmentOpening } from "../../src/prove/bundle.js";
import { checkOpening, commitPortfolio, makeOpening, randomSalt } from "../../src/prove/commitment.js";
import { clone, fixtureJson, smallParams, throwsZk } from "../helpers.js";
import { openingFor } from "./openingFixture.js";

describe("commitment openings: by id, with paramsRoot, checked by recomputing the commitment", () => {
  const params = smallParams();
  const config = getConfig("small");
  const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "BTC-PERP": "-0.5", "ETH-C-2200": "-100" } };
  const good = openingFor(book);

  it("an opening names holdings by id in base units and carries paramsRoot and epoch", () => {
    assert.equal(good.zkmarginOpening, 2);
    assert.equal(good.config, "small");
    assert.equal(good.paramsRoot, toHex32(buildParamsTree(params).paramsRoot));
    assert.equal(good.epoch, Number(params.epoch));
    const usdc = params.assets.find((a) => a.symbol === "USDC")!;
    const eth = params.assets.find((a) => a.symbol === "ETH")!;
    assert.deepEqual(good.collateral, { [usdc.id]: "10000000000", [eth.id]: "3000000000000000000" });
    const id = (s: string) => String(params.instruments.find((x) => x.symbol === s)!.id);
    const dec = (s: string) => params.instruments.find((x) => x.symbol === s)!.decimals;
    assert.deepEqual(good.positions, {
      [id("ETH-PERP")]: (50n * 10n ** BigInt(dec("ETH-PERP"))).toString(),
      [id("BTC-PERP")]: (-5n * 10n ** BigInt(dec("BTC-PERP") - 1)).toString(),
      [id("ETH-C-2200")]: (-100n * 10n ** BigInt(dec("ETH-C-2200"))).toString(),
    });
    assert.ok(!/USDC|ETH-PERP|BTC/.test(JSON.stringify(good)), "no symbols in an opening");
  });

  it("checkOpening accepts a good opening (also after a JSON round trip) and recomputes its commitment in the parser's slot order", () => {
    const r = checkOpening(JSON.parse(JSON.stringify(good)), params);
    assert.equal(toHex32(r.commitment), good.commitment);
    assert.equal(r.config.name, "small");
    assert.equal(r.paramsRoot, buildParamsTree(params).paramsRoot);
    // the slot order is the portfolio parser's, whatever the key order in the file
    assert.deepEqual(r.portfolio, parsePortfolio(book, params));
    // v2 slot order: by risk group, then by instrument inside the group (BTC before ETH here)
    assert.deepEqual(r.portfolio.positions.map((h) => h.instrument.symbol), ["BTC-PERP", "ETH-PERP", "ETH-C-2200"]);
    const reordered = { ...good, positions: Object.fromEntries(Object.entries(good.positions).reverse()) };
    assert.equal(checkOpening(reordered, params, config).commitment, r.commitment);
  });

  it("checkOpening accepts what prove writes for a book with a debt (a negative collateral balance)", () => {
    const withDebt = { collateral: { USDC: "-2500", ETH: "3" }, positions: { "ETH-PERP": "5" } };
    const o = openingFor(withDebt);
    const usdc = params.assets.find((a) => a.symbol === "USDC")!;
    assert.equal(o.collateral[String(usdc.id)], "-2500000000");
    const r = checkOpening(JSON.parse(JSON.stringify(o)), params);
    assert.equal(toHex32(r.commitment), o.commitment);
    assert.deepEqual(r.portfolio, parsePortfolio(withDebt, params));
  });

  it("refuses an opening with one balance changed, naming both commitments", () => {
    const o = clone(good);
    const key = Object.keys(o.collateral)[0]!;
    o.collateral[key] = (BigInt(o.collateral[key]!) + 1n).toString();
    const e = throwsZk(() => checkOpening(o, params), "MISMATCH", "opening.commitment", good.commitment);
    assert.match(e.message, /they commit to 0x[0-9a-f]{64}, the opening says 0x[0-9a-f]{64}/);
    assert.ok(!e.message.includes(`commit to ${good.commitment}`));
    const p = clone(good);
    const pk = Object.keys(p.positions)[0]!;
    p.positions[pk] = (-BigInt(p.positions[pk]!)).toString();
    throwsZk(() => checkOpening(p, params), "MISMATCH", "opening.commitment");
    const dropped = clone(good);
    delete dropped.positions[pk];
    throwsZk(() => checkOpening(dropped, params), "MISMATCH", "opening.commitment");
  });

  it("refuses an opening made under another paramsRoot, naming both roots", () => {
    const other = fixtureJson("params-small.json");
    other.assets[0].price = other.assets[0].price === "1" ? "0.9999" : "1";
    const otherParams = parseRiskParams(other);
    const otherRoot = toHex32(buildParamsTree(otherParams).paramsRoot);
    assert.notEqual(otherRoot, good.paramsRoot);
    const e = throwsZk(() => checkOpening(good, otherParams), "MISMATCH", "opening.paramsRoot");
    assert.ok(e.message.includes(good.paramsRoot) && e.message.includes(otherRoot), e.message);
  });

  it("refuses an opening with a wrong salt", () => {
    const o = clone(good);
    o.salt = toHex32((BigInt(o.salt) + 1n) % FIELD_MODULUS);
    throwsZk(() => checkOpening(o, params), "MISMATCH", "opening.commitment");
    o.salt = toHex32(FIELD_MODULUS);
    throwsZk(() => checkOpening(o, params), "OUT_OF_RANGE", "opening.salt");
  });

  it("refuses another circuit configuration, unknown ids, a v1 opening and a malformed one", () => {
    throwsZk(() => checkOpening(good, params, getConfig("standard")), "MISMATCH", "opening.config");
    throwsZk(() => checkOpening({ ...clone(good), config: "standard" }, params), "MISMATCH", "opening.commitment");
    throwsZk(() => checkOpening({ ...clone(good), config: "huge" }, params), "ARGUMENT", "opening.config");
    throwsZk(() => checkOpening({ ...clone(good), collateral: { ...good.collateral, "999": "1" } }, params), "UNKNOWN_SYMBOL", 'opening.collateral["999"]');
    throwsZk(() => checkOpening({ ...clone(good), positions: { "77": "-1" } }, params), "UNKNOWN_SYMBOL", 'opening.positions["77"]');
    throwsZk(() => checkOpening({ ...clone(good), epoch: good.epoch + 1 }, params), "MISMATCH", "opening.epoch");
    const v1 = { zkmarginOpening: 1, config: "small", commitment: good.commitment, salt: good.salt, portfolio: book };
    throwsZk(() => checkOpening(v1, params), "SCHEMA", "opening.zkmarginOpening", "prove again");
    // symbols, decimals and zero amounts are not an opening's format
    throwsZk(() => checkOpening({ ...clone(good), collateral: { USDC: "10000000000" } }, params), "SCHEMA");
    throwsZk(() => checkOpening({ ...clone(good), collateral: { "1": "10000.5" } }, params), "SCHEMA");
    throwsZk(() => checkOpening({ ...clone(good), collateral: { "1": "0" } }, params), "SCHEMA");
    throwsZk(() => checkOpening({ ...clone(good), collateral: { "1": "-0" } }, params), "SCHEMA");
    // a negative balance is a debt: well-formed, but not what this opening committed to
    throwsZk(() => checkOpening({ ...clone(good), collateral: { "1": "-5" } }, params), "MISMATCH", "opening.commitment");
    throwsZk(() => checkOpening({ ...clone(good), positions: { "1001": "0" } }, params), "SCHEMA");
    throwsZk(() => checkOpening({ ...clone(good), extra: 1 }, params), "SCHEMA");
    const { salt: _salt, ...noSalt } = clone(good);
    throwsZk(() => checkOpening(noSalt, params), "SCHEMA");
  });
});
