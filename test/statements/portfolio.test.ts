import { strict as assert } from "node:assert";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { StatementError, portfolioFromStatements, signStatement, type StatementJson } from "../../src/statements/index.js";
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
  });

  it("refuses positions that net to exactly zero across venues (the circuit has no slot for them), naming the instrument", () => {
    const flat = at(2, { collateral: { "1": "5" }, positions: { "1001": "-2500" } });
    throwsZk(() => portfolioFromStatements([exchange, flat], params), "ARGUMENT", "statements", "net to exactly 0");
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
