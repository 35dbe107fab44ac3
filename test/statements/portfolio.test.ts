import { strict as assert } from "node:assert";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { StatementError, parseStatement, portfolioFromStatements, signStatement, statementEntryCount, type StatementJson } from "../../src/statements/index.js";
import { throwsZk } from "../helpers.js";
import { ACCOUNT, AS_OF, DEV_KEY_HEX, OTHER_ACCOUNT, VENUE2_KEY, exampleParamsJson, twoVenueParams } from "./fixture.js";

const params = twoVenueParams();

function at(venueId: 1 | 2, holdings: Parameters<typeof signStatement>[0]["holdings"], over: Partial<Parameters<typeof signStatement>[0]> = {}): StatementJson {
  return signStatement({ holdings, venueId, account: ACCOUNT, asOf: AS_OF, privateKey: venueId === 1 ? DEV_KEY_HEX : VENUE2_KEY, ...over });
}

describe("statements: portfolioFromStatements", () => {
  // An exchange (venue 1: ETH, options, perps) and a custodian (venue 2: USDC, ETH, an unlisted asset).
  const exchange = at(1, { collateral: { "3": "10000000000000000000" }, positions: { "1002": "-120500", "2013": "-300", "1001": "2500" } });
  const custodian = at(2, { collateral: { "1": "2500000000000", "3": "140250000000000000000", "99": "7" }, positions: { "1001": "-2000" } });

  it("sums collateral per asset and positions per instrument over venues", () => {
    const r = portfolioFromStatements([custodian, exchange], params, { account: ACCOUNT });
    const want = parsePortfolio(
      { collateral: { USDC: "2500000", ETH: "150.25" }, positions: { "ETH-PERP": "-120.5", "ETH-26DEC26-4000-C": "-3", "BTC-PERP": "0.05" } },
      params,
    );
    assert.deepEqual(r.portfolio, want); // same holdings, same (tree) order as a parsed portfolio
    assert.deepEqual(r.statements.map((s) => s.venue.id), [1, 2]); // sorted by venue id
    assert.deepEqual(r.notCounted, [{ venueId: 2, assetId: 99, amount: 7n }]);
    assert.equal(r.account, ACCOUNT);
    assert.equal(r.entryCount, 8);
  });

  it("an instrument whose positions net to exactly 0 across venues gets no slot and no error", () => {
    const flat = at(2, { collateral: { "1": "5" }, positions: { "1001": "-2500", "1002": "1" } });
    const r = portfolioFromStatements([exchange, flat], params);
    assert.deepEqual(
      r.portfolio.positions.map((p) => [p.instrument.symbol, p.quantityBase]),
      parsePortfolio({ collateral: {}, positions: { "ETH-PERP": "-120.499", "ETH-26DEC26-4000-C": "-3" } }, params).positions.map((p) => [p.instrument.symbol, p.quantityBase]),
    );
    assert.ok(!r.portfolio.positions.some((p) => p.instrument.id === 1001));
    assert.equal(r.entryCount, 4 + 3);
  });

  it("nets debts across venues: -500 and +2000 USDC is 1500; -500 and +200 is a debt of 300; -500 and +500 is no slot", () => {
    const usdc = (r: ReturnType<typeof portfolioFromStatements>) => r.portfolio.collateral.find((c) => c.asset.symbol === "USDC")?.amountBase;
    const debt = at(1, { collateral: { "1": "-500000000" }, positions: { "1002": "-1000" } });
    assert.equal(usdc(portfolioFromStatements([debt, at(2, { collateral: { "1": "2000000000" } })], params)), 1500000000n);
    const short = portfolioFromStatements([debt, at(2, { collateral: { "1": "200000000", "3": "1000000000000000000" } })], params);
    assert.equal(usdc(short), -300000000n);
    assert.deepEqual(
      short.portfolio,
      parsePortfolio({ collateral: { USDC: "-300", ETH: "1" }, positions: { "ETH-PERP": "-1" } }, params),
    );
    const even = portfolioFromStatements([debt, at(2, { collateral: { "1": "500000000", "3": "1" } })], params);
    assert.equal(usdc(even), undefined);
    assert.deepEqual(even.portfolio.collateral.map((c) => c.asset.symbol), ["ETH"]);
    // a debt alone is counted in full
    assert.equal(usdc(portfolioFromStatements([debt], params)), -500000000n);
  });

  it("an unlisted asset: a positive balance is not counted; a debt makes the statements unusable (rule debt, naming asset and venue)", () => {
    const r = portfolioFromStatements([at(2, { collateral: { "1": "5", "99": "7" } })], params);
    assert.deepEqual(r.notCounted, [{ venueId: 2, assetId: 99, amount: 7n }]);
    const owes = at(2, { collateral: { "1": "5", "99": "-7" } });
    const e = throwsZk(
      () => portfolioFromStatements([exchange, owes], params),
      "STATEMENT",
      'statements[1].collateral["99"]',
      "venue 2 holds a debt of 7 base units in asset 99, which the risk parameters do not list: a debt is never left out, so these statements cannot be used under these parameters",
    );
    assert.equal((e as StatementError).rule, "debt");
    // a positive balance of the same asset elsewhere does not help: the debt cannot be counted at all
    throwsZk(() => portfolioFromStatements([at(1, { collateral: { "99": "100" } }), owes], params), "STATEMENT", undefined, "asset 99");
  });

  it("keeps every total below 2^96 in magnitude (debts included), checking the final nets", () => {
    const max = (2n ** 96n - 1n).toString();
    throwsZk(() => portfolioFromStatements([at(1, { collateral: { "1": `-${max}` } }), at(2, { collateral: { "1": "-1" } })], params), "BIT_BUDGET", "statements", "USDC");
    const r = portfolioFromStatements([at(1, { collateral: { "1": max } }), at(2, { collateral: { "1": "-1" } })], params);
    assert.equal(r.portfolio.collateral[0]!.amountBase, 2n ** 96n - 2n);
  });

  it("maxEntries: more entries in all than the capacity is CAPACITY naming both numbers; entryCount and statementEntryCount count them", () => {
    assert.equal(statementEntryCount(parseStatement(exchange)), 4);
    assert.equal(statementEntryCount(parseStatement(custodian)), 4);
    const r = portfolioFromStatements([exchange, custodian], params, { maxEntries: 8 });
    assert.equal(r.entryCount, 8);
    const e = throwsZk(() => portfolioFromStatements([exchange, custodian], params, { maxEntries: 7 }), "CAPACITY", "statements", "the statements hold 8 entries in all; at most 7");
    assert.equal(e.value, 8);
    assert.equal(e.limit, "7");
    const positions = Object.fromEntries(Array.from({ length: 18 }, (_, i) => [String(2001 + i), String(i + 1)]));
    const collateral = Object.fromEntries(Array.from({ length: 122 }, (_, i) => [String(1000 + i), "1"]));
    const big = at(1, { collateral, positions });
    throwsZk(() => portfolioFromStatements([big], params, { maxEntries: 128 }), "CAPACITY", "statements", "the statements hold 140 entries in all; at most 128");
  });

  it("a 1,500-entry statement (with a debt) nets into a portfolio", function () {
    this.timeout(120000);
    const collateral: Record<string, string> = { "1": "-400000000" };
    for (let i = 0; i < 1477; i++) collateral[String(10000 + i)] = "3";
    const positions = Object.fromEntries(params.instruments.map((ins, i) => [String(ins.id), String(i % 2 ? -(i + 1) : i + 1)]));
    const big = at(1, { collateral, positions });
    assert.equal(Object.keys(big.collateral).length + Object.keys(big.positions).length, 1500);
    const r = portfolioFromStatements([big, at(2, { collateral: { "1": "1000000000" } })], params, { maxEntries: 1501 });
    assert.equal(r.entryCount, 1501);
    assert.equal(r.portfolio.collateral.find((c) => c.asset.id === 1)!.amountBase, 600000000n);
    assert.equal(r.portfolio.positions.length, params.instruments.length);
    assert.equal(r.notCounted.length, 1477);
  });

  it("refuses a venue twice", () => {
    const again = at(1, { collateral: { "1": "5" } });
    const e = throwsZk(() => portfolioFromStatements([exchange, custodian, again], params), "STATEMENT", "statements[2]", "venue 1 (Example Exchange) signed statements 1 and 3");
    assert.equal((e as StatementError).rule, "duplicate-venue");
  });

  it("refuses statements for different accounts, and locates a statement's own error", () => {
    const other = at(2, { collateral: { "1": "5" } }, { account: OTHER_ACCOUNT });
    const e = throwsZk(() => portfolioFromStatements([exchange, other], params), "STATEMENT", "statements[1].account");
    assert.equal((e as StatementError).rule, "account");
    const e2 = throwsZk(() => portfolioFromStatements([exchange, other], params, { account: ACCOUNT }), "STATEMENT", "statements[1].account");
    assert.match(e2.message, /^statements\[1\]\.account: the statement is for account 0x3c44/);
    const stale = at(2, { collateral: { "1": "5" } }, { asOf: AS_OF - 7200 });
    const e3 = throwsZk(() => portfolioFromStatements([exchange, stale], params), "STATEMENT", "statements[1].asOf", "stale");
    assert.equal((e3 as StatementError).rule, "freshness");
  });

  it("refuses no statements and more than maxStatements", () => {
    throwsZk(() => portfolioFromStatements([], params), "ARGUMENT", "statements");
    throwsZk(() => portfolioFromStatements([exchange, custodian], params, { maxStatements: 1 }), "CAPACITY", "statements", "at most 1");
  });

  it("a statement valid on its own is refused under parameters that list another key for its venue", () => {
    const onlyOne = parseRiskParams(exampleParamsJson());
    const e = throwsZk(() => portfolioFromStatements([exchange, custodian], onlyOne), "STATEMENT", "statements[1].venue", "do not list venue 2");
    assert.equal((e as StatementError).rule, "venue");
  });
});
