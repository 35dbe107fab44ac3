import { strict as assert } from "node:assert";
import { parseRiskParams } from "../../src/params/parse.js";
import { addPoints } from "../../src/crypto/babyJubjub.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { ZkMarginError } from "../../src/errors.js";
import {
  StatementError,
  generateStatementKey,
  parseStatement,
  signStatement,
  statementPublicKey,
  verifyStatement,
  STATEMENT_MAX_ENTRIES,
  type StatementRule,
  type StatementJson,
} from "../../src/statements/index.js";
import { clone, throwsZk } from "../helpers.js";
import { ACCOUNT, AS_OF, DEV_KEY_HEX, EXAMPLE_HOLDINGS, OTHER_ACCOUNT, VENUE2_KEY, exampleParamsJson } from "./fixture.js";

const params = parseRiskParams(exampleParamsJson());
const PARAMS_AS_OF = 1795190400; // 2026-11-20T16:00:00Z, maxStatementAge 3600
const WINDOW = "from 2026-11-20T15:00:00Z to 2026-11-20T17:00:00Z";

function sign(over: Partial<Parameters<typeof signStatement>[0]> = {}): StatementJson {
  return signStatement({ holdings: EXAMPLE_HOLDINGS, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: DEV_KEY_HEX, ...over });
}

function refuses(fn: () => unknown, rule: StatementRule, ...includes: string[]): StatementError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatementError, `expected StatementError, got ${String(e)}`);
    assert.equal(e.rule, rule, e.message);
    assert.equal(e.code, "STATEMENT");
    for (const s of includes) assert.ok(e.message.includes(s), `message "${e.message}" lacks "${s}"`);
    return e;
  }
  assert.fail(`expected a StatementError (${rule})`);
}

describe("statements: sign and verify", () => {
  it("round trip: a signed statement verifies, parses back to the same holdings and re-serializes identically", () => {
    const stmt = sign();
    const v = verifyStatement(stmt, params, { account: ACCOUNT.toUpperCase().replace("0X", "0x") });
    assert.equal(v.venue.id, 1);
    assert.equal(v.statement.account, ACCOUNT);
    assert.deepEqual(v.collateral.map((c) => [c.asset.symbol, c.amount]), [["USDC", 2500000000000n], ["ETH", 150250000000000000000n]]);
    assert.deepEqual(v.positions.map((p) => [p.instrument.symbol, p.quantity]), [["ETH-PERP", -120500n]]);
    assert.deepEqual(v.notCounted, []);
    assert.deepEqual(JSON.parse(JSON.stringify(stmt)), stmt);
    // a parsed Statement is accepted too
    assert.equal(verifyStatement(parseStatement(stmt), params).message, v.message);
  });

  it("generateStatementKey: random 32-byte keys whose public key signs verifiable statements", () => {
    const a = generateStatementKey();
    const b = generateStatementKey();
    assert.match(a.privateKey, /^0x[0-9a-f]{64}$/);
    assert.notEqual(a.privateKey, b.privateKey);
    assert.deepEqual(statementPublicKey(a.privateKey), a.publicKey);
    const pj = exampleParamsJson();
    pj.venues[0].publicKey = a.publicKey;
    verifyStatement(sign({ privateKey: a.privateKey }), parseRiskParams(pj));
  });

  it("zero amounts are dropped when signing; ids and amounts accept numbers, strings and bigints", () => {
    const s = sign({ holdings: { collateral: { 1: 5n, 2: "0" }, positions: { "1002": "0", 1001: -3n } } });
    assert.deepEqual(s.collateral, { "1": "5" });
    assert.deepEqual(s.positions, { "1001": "-3" });
  });

  it("refuses a bad signature: an altered amount, an altered account field, S >= l, R8 off the curve or outside the subgroup", () => {
    const stmt = sign();
    const altered = clone(stmt);
    altered.positions["1002"] = "-120499";
    refuses(() => verifyStatement(altered, params), "signature", "bad signature", "venue 1");
    const asOf = clone(stmt);
    asOf.asOf += 1;
    refuses(() => verifyStatement(asOf, params), "signature");
    const bigS = clone(stmt);
    bigS.signature.S = (BigInt(stmt.signature.S) + 2736030358979909402780800718157159386076813972158567259200215660948447373041n).toString();
    refuses(() => verifyStatement(bigS, params), "signature", "S must be below the subgroup order");
    const offCurve = clone(stmt);
    offCurve.signature.R8[0] = "1";
    refuses(() => verifyStatement(offCurve, params), "signature", "R8 is not a point");
    // R8 + the point of order 2 (0, -1): still on the curve, no longer in the prime-order subgroup.
    const R8 = stmt.signature.R8.map(BigInt) as [bigint, bigint];
    const twisted = addPoints(R8, [0n, FIELD_MODULUS - 1n]);
    const torsion = clone(stmt);
    torsion.signature.R8 = [twisted[0].toString(), twisted[1].toString()];
    refuses(() => verifyStatement(torsion, params), "signature", "prime-order subgroup");
  });

  it("refuses a key the parameters do not list (names the venue) and a venue they do not list", () => {
    const other = sign({ privateKey: VENUE2_KEY });
    const e = refuses(() => verifyStatement(other, params), "venue", "list another key for venue 1 (Example Exchange)");
    assert.equal(e.path, "publicKey");
    refuses(() => verifyStatement(sign({ venueId: 9 }), params), "venue", "do not list venue 9", "1 (Example Exchange)");
    const noVenues = exampleParamsJson();
    noVenues.venues = [];
    refuses(() => verifyStatement(sign(), parseRiskParams(noVenues)), "venue", "lists no venues");
  });

  it("refuses stale and future statements, giving the window as ISO times; the window's edges are fresh", () => {
    verifyStatement(sign({ asOf: PARAMS_AS_OF - 3600 }), params);
    verifyStatement(sign({ asOf: PARAMS_AS_OF + 3600 }), params);
    const stale = refuses(() => verifyStatement(sign({ asOf: PARAMS_AS_OF - 3601 }), params), "freshness", "stale", "2026-11-20T14:59:59Z", WINDOW);
    assert.equal(stale.path, "asOf");
    refuses(() => verifyStatement(sign({ asOf: "2026-11-20T17:00:01Z" }), params), "freshness", "after the parameters' window", WINDOW);
    // `now`: a statement dated after the verifier's clock.
    verifyStatement(sign(), params, { now: AS_OF });
    refuses(() => verifyStatement(sign(), params, { now: "2026-11-20T15:29:59Z" }), "freshness", "dated in the future", "2026-11-20T15:29:59Z");
  });

  it("refuses a statement for another account", () => {
    refuses(() => verifyStatement(sign({ account: OTHER_ACCOUNT }), params, { account: ACCOUNT }), "account", OTHER_ACCOUNT, ACCOUNT);
  });

  it("refuses a position in an instrument the parameters do not list (names it); an unlisted asset is only not counted", () => {
    const e = refuses(
      () => verifyStatement(sign({ holdings: { positions: { "9999": "5" } } }), params),
      "instrument",
      "instrument 9999",
      "cannot be used",
    );
    assert.equal(e.path, 'positions["9999"]');
    const v = verifyStatement(sign({ holdings: { collateral: { "1": "10", "77": "500" } } }), params);
    assert.deepEqual(v.notCounted, [{ assetId: 77, amount: 500n }]);
    assert.deepEqual(v.collateral.map((c) => c.asset.id), [1]);
  });

  it("a debt (negative balance) signs, parses and verifies; a debt in an unlisted asset is refused (rule debt), naming venue, amount and asset", () => {
    const stmt = sign({ holdings: { collateral: { "1": "-5", "3": "7" }, positions: { "1002": "-1" } } });
    assert.deepEqual(stmt.collateral, { "1": "-5", "3": "7" });
    assert.deepEqual(parseStatement(stmt).collateral, [{ assetId: 1, amount: -5n }, { assetId: 3, amount: 7n }]);
    const v = verifyStatement(stmt, params);
    assert.deepEqual(v.collateral.map((c) => [c.asset.symbol, c.amount]), [["USDC", -5n], ["ETH", 7n]]);
    const onlyDebt = verifyStatement(sign({ holdings: { collateral: { "1": "-2500000000000" } } }), params);
    assert.deepEqual(onlyDebt.collateral.map((c) => c.amount), [-2500000000000n]);
    // a debt altered after signing no longer verifies
    const altered = clone(stmt);
    altered.collateral["1"] = "-4";
    refuses(() => verifyStatement(altered, params), "signature");
    const e = refuses(
      () => verifyStatement(sign({ holdings: { collateral: { "1": "10", "77": "-500" } } }), params),
      "debt",
      "venue 1 holds a debt of 500 base units in asset 77, which the risk parameters do not list",
      "a debt is never left out",
      "cannot be used under these parameters",
    );
    assert.equal(e.path, 'collateral["77"]');
  });

  it("holds 1,500 entries (100 chunks): signs, parses, verifies, and the message binds every entry", function () {
    this.timeout(120000);
    // listed assets 1..5 (one a debt) and 1,495 positive balances in unlisted assets (not counted)
    const collateral: Record<string, string> = { "1": "-1000000", "2": "5", "3": "6", "4": "7", "5": "8" };
    for (let i = 0; i < 1495; i++) collateral[String(1000 + i)] = String(i + 1);
    const stmt = sign({ holdings: { collateral } });
    assert.equal(Object.keys(stmt.collateral).length, 1500);
    assert.equal(parseStatement(stmt).collateral.length, 1500);
    const v = verifyStatement(stmt, params);
    assert.equal(v.collateral.length, 5);
    assert.equal(v.notCounted.length, 1495);
    const altered = clone(stmt);
    altered.collateral["2494"] = "1496"; // the last entry, in the last chunk
    refuses(() => verifyStatement(altered, params), "signature");
  });

  it("refuses a statement with no entries; 17 entries (format 1's limit was 16) are fine; the limit is 2^20", () => {
    throwsZk(() => sign({ holdings: {} }), "ARGUMENT", "holdings", "nothing to sign/prove: a statement holds at least one entry");
    throwsZk(() => sign({ holdings: { collateral: { "1": "0" }, positions: { "1002": "0" } } }), "ARGUMENT", "holdings", "at least one entry");
    const positions = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [String(2001 + i), "1"]));
    verifyStatement(sign({ holdings: { collateral: { "1": "1", "2": "-1" }, positions } }), params);
    assert.equal(STATEMENT_MAX_ENTRIES, 1048576);
  });

  it("refuses malformed files as bad input (not a rule): zero entries, JSON numbers, unknown fields, bad checksums, ids too large", () => {
    const stmt = sign();
    const zero = clone(stmt);
    zero.positions["1001"] = "0";
    throwsZk(() => parseStatement(zero), "OUT_OF_RANGE", 'positions["1001"]', "left out");
    const num = clone(stmt) as any;
    num.collateral["1"] = 2500000000000;
    throwsZk(() => parseStatement(num), "DECIMAL_FORMAT", 'collateral["1"]', "not a JSON number");
    const extra = clone(stmt) as any;
    extra.note = "x";
    throwsZk(() => parseStatement(extra), "SCHEMA", undefined, 'unknown field "note"');
    const frac = clone(stmt);
    frac.collateral["1"] = "2.5";
    throwsZk(() => parseStatement(frac), "DECIMAL_FORMAT", 'collateral["1"]');
    const lead = clone(stmt) as any;
    lead.collateral = { "01": "5" };
    throwsZk(() => parseStatement(lead), "SCHEMA");
    const bigId = clone(stmt) as any;
    bigId.collateral = { "4294967296": "5" };
    throwsZk(() => parseStatement(bigId), "OUT_OF_RANGE", 'collateral["4294967296"]', "2^32 - 1");
    const checksum = clone(stmt);
    checksum.account = "0x70997970C51812dc3A010C7d01b50e20d4dc79C8";
    throwsZk(() => parseStatement(checksum), "ARGUMENT", "account", "EIP-55");
    const huge = clone(stmt);
    huge.positions["1002"] = `-${2n ** 96n}`;
    throwsZk(() => parseStatement(huge), "BIT_BUDGET", 'positions["1002"]');
    assert.ok(!(tryCatch(() => parseStatement(zero)) instanceof StatementError));
  });
});

function tryCatch(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
void ZkMarginError;
