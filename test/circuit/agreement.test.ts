import { strict as assert } from "node:assert";
import fc from "fast-check";
import { failingConstraints } from "../../src/circuit/r1cs.js";
import { GROUP_RISK_LIMIT } from "../../src/config/limits.js";
import { computeMargin } from "../../src/engine/margin.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { arbCreditLimitCents, arbHealthMode, arbParams, arbPortfolioFor, steeredHealthBps } from "../arbitraries.js";
import { throwsZk, smallParams } from "../helpers.js";
import { harness, inputFor, laxCheck } from "./harness.js";

describe("circuit (small): agreement with the engine", function () {
  this.timeout(600_000);
  const params = smallParams();

  it("accepts a passing two-group book: witness satisfies every constraint and outputs the SDK's commitment", async () => {
    const h = await harness("small");
    const book = { collateral: { USDC: "30000", ETH: "3" }, positions: { "ETH-C-2200": "-100", "ETH-PERP": "50", "BTC-PERP": "1", "BTC-P-45000": "-2" } };
    const { input, commitment, publicSignals } = inputFor(h, params, book, { healthBps: 12500, creditLimitCents: 500_000n });
    const w = await h.strict.calculate(input);
    assert.deepEqual(failingConstraints(h.r1cs, w), []);
    assert.equal(w[1], commitment);
    assert.deepEqual(w.slice(1, 5), publicSignals);
  });

  it("decides exactly at break-even and one step past it (health and credit limit)", async () => {
    const h = await harness("small");
    // USDC 10,000 -> 9,800 adjusted; ETH group requirement 8,000 (ETH-C-2200 -100, ETH-PERP +50).
    // health: 10000 * 9,800 >= h * 8,000 iff h <= 12,250.
    const book = { collateral: { USDC: "10000" }, positions: { "ETH-C-2200": "-100", "ETH-PERP": "50" } };
    assert.deepEqual((await laxCheck(h, inputFor(h, params, book, { healthBps: 12250 }).input)).failing, []);
    const bad = inputFor(h, params, book, { healthBps: 12251 });
    assert.ok(!computeMargin(params, parsePortfolio(book, params), 12251).ok);
    assert.ok((await laxCheck(h, bad.input)).failing.length > 0);
    await assert.rejects(h.strict.calculate(bad.input));
    // credit: at 10,000 bps, 9,800 >= 8,000 + L iff L <= 1,800.00 USD = 180,000 cents.
    assert.deepEqual((await laxCheck(h, inputFor(h, params, book, { creditLimitCents: 180_000n }).input)).failing, []);
    assert.ok((await laxCheck(h, inputFor(h, params, book, { creditLimitCents: 180_001n }).input)).failing.length > 0);
  });

  it("margins each group on its own: a BTC/ETH pair does not net", async () => {
    const h = await harness("small");
    // BTC-PERP +1 and ETH-PERP -10 would net in one group (both move with "the market"); as two
    // groups: BTC worst loss 3,000 (down 3/3), ETH worst loss 10 x 300 = 3,000 (up 3/3): 6,000.
    const book = { collateral: { USDC: "6000" }, positions: { "BTC-PERP": "1", "ETH-PERP": "-10" } };
    const m = computeMargin(params, parsePortfolio(book, params), 10000);
    assert.equal(m.requirementE26, 6000n * 10n ** 26n);
    // USDC 6,000 -> 5,880 adjusted < 6,000: fails in the engine and in the circuit
    assert.ok(!m.ok);
    assert.ok((await laxCheck(h, inputFor(h, params, book).input)).failing.length > 0);
    const rich = { collateral: { USDC: "6200" }, positions: book.positions };
    assert.deepEqual((await laxCheck(h, inputFor(h, params, rich).input)).failing, []);
  });

  it("refuses a book that spans more groups than the circuit has group slots", async () => {
    const h = await harness("small");
    const book = { collateral: { USDC: "100000" }, positions: { "BTC-PERP": "1", "ETH-PERP": "1", "SOL-PERP": "1" } };
    throwsZk(() => inputFor(h, params, book), "CAPACITY", "positions");
  });
});

describe("circuit (small): agreement on random portfolios (fast-check)", function () {
  this.timeout(600_000);

  it("the constraint system is satisfiable exactly when the engine says the book passes", async () => {
    const h = await harness("small");
    let passes = 0;
    let fails = 0;
    const gen = arbParams.chain((pj) =>
      fc.record({
        pj: fc.constant(pj),
        book: arbPortfolioFor(pj).filter((b) => Object.keys(b.collateral).length <= 2 && Object.keys(b.positions).length <= 4),
        healthMode: arbHealthMode,
        health: fc.integer({ min: 10000, max: 30000 }),
        credit: arbCreditLimitCents,
        salt: fc.bigInt({ min: 0n, max: 1n << 250n }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(gen, async ({ pj, book, healthMode, health, credit, salt }) => {
        const params = parseRiskParams(pj);
        const portfolio = parsePortfolio(book, params);
        const groups = new Set(portfolio.positions.map((q) => q.instrument.groupId));
        fc.pre(groups.size <= 2);
        const healthBps = steeredHealthBps(computeMargin(params, portfolio, 10000, credit), credit, healthMode, health);
        const expected = computeMargin(params, portfolio, healthBps, credit).ok;
        const { input, commitment } = inputFor(h, params, book, { healthBps, creditLimitCents: credit, salt, tree: buildParamsTree(params) });
        const { witness, failing } = await laxCheck(h, input);
        assert.equal(failing.length === 0, expected, `engine says ${expected}, circuit failing constraints: ${failing.length}`);
        assert.equal(witness[1], commitment);
        if (expected) passes++;
        else fails++;
      }),
      { numRuns: 40 },
    );
    // the generator must exercise both outcomes, or this test proves nothing
    assert.ok(passes >= 5 && fails >= 5, `passes ${passes}, fails ${fails}`);
  });
});

describe("circuit (small): values at the edge of the bit budget", function () {
  this.timeout(600_000);
  const MAX_AMOUNT = (1n << 96n) - 1n; // largest balance / |quantity| in base units
  const MAX_18 = "79228162514.264337593543950335"; // the same number of base units with 18 decimals
  const risk = (v: string) => Array.from({ length: 16 }, (_, k) => (k % 2 ? v : `-${v}`));
  const pj = {
    version: 3, epoch: 1, asOf: "2026-11-20T16:00:00Z", maxStatementAge: 3600,
    scenarios: Array.from({ length: 16 }, (_, k) => `s${k}`),
    assets: [
      // 51,922,968 USD per whole token with 0 decimals: unit value just below 2^112
      { id: 1, symbol: "BIG", decimals: 0, price: "51922968", debtBps: 10000, haircuts: [{ upTo: "1000", bps: 0 }, { upTo: "4000000000000000000000000000000000000", bps: 5000 }, { upTo: null, bps: 10000 }] },
      { id: 2, symbol: "TINY", decimals: 18, price: "0.00000001", debtBps: 0, haircuts: [{ upTo: null, bps: 0 }] },
    ],
    groups: [{ id: 1, symbol: "G1" }, { id: 2, symbol: "G2" }],
    instruments: [
      { id: 7, symbol: "X", kind: "option", group: "G1", decimals: 0, riskArray: risk("51922968"), shortOptionMinimum: "51922968" },
      { id: 8, symbol: "Y", kind: "option", group: "G2", decimals: 0, riskArray: risk("51922967.99999999"), shortOptionMinimum: "0.00000001" },
      { id: 9, symbol: "Z", kind: "perpetual", group: "G2", decimals: 18, riskArray: risk("0.00000001"), shortOptionMinimum: "0" },
    ],
  };
  const params = parseRiskParams(pj);
  // the largest |quantity| of X (or Y) whose group loss stays below the circuit's per-group bound 2^150
  const unitX = params.instruments.find((i) => i.symbol === "X")!.riskUnitE26[1]!;
  const maxX = ((GROUP_RISK_LIMIT - 1n) / unitX).toString();
  const cases: [string, any, number, bigint][] = [
    ["max collateral, no positions, max health, max credit", { collateral: { BIG: MAX_AMOUNT.toString(), TINY: "1" }, positions: {} }, 1_000_000, (1n << 64n) - 1n],
    ["two groups at the per-group bound against max collateral", { collateral: { BIG: MAX_AMOUNT.toString(), TINY: MAX_18 }, positions: { X: `-${maxX}`, Y: maxX, Z: `-${MAX_18}` } }, 10000, 0n],
    ["max shorts at the bound, tiny collateral, max health and credit", { collateral: { TINY: "0.000000000000000001" }, positions: { X: `-${maxX}`, Y: `-${maxX}` } }, 1_000_000, (1n << 64n) - 1n],
    ["one base unit everywhere", { collateral: { BIG: "1", TINY: "0.000000000000000001" }, positions: { X: "1", Y: "-1", Z: "0.000000000000000001" } }, 10000, 1n],
    // debts: BIG's debtBps is 10000 (a debt counts double), so -MAX BIG counts -2^208 x 2 in E26
    ["the largest debt (2^96 - 1 BIG at a 100% markup), max health and credit", { collateral: { BIG: `-${MAX_AMOUNT}`, TINY: MAX_18 }, positions: { X: `-${maxX}`, Y: `-${maxX}` } }, 1_000_000, (1n << 64n) - 1n],
    ["the largest debt against tiny collateral, no positions", { collateral: { BIG: `-${MAX_AMOUNT}`, TINY: "0.000000000000000001" }, positions: {} }, 10000, 0n],
    ["a one-base-unit BIG debt (100% markup) against one base unit of TINY", { collateral: { BIG: "-1", TINY: "0.000000000000000001" }, positions: {} }, 10000, 0n],
    ["the largest TINY debt (no markup) against the largest BIG holding, max health", { collateral: { BIG: MAX_AMOUNT.toString(), TINY: `-${MAX_18}` }, positions: {} }, 1_000_000, 0n],
    ["a one-base-unit debt of TINY (debtBps 0), nothing else", { collateral: { TINY: "-0.000000000000000001" }, positions: {} }, 10000, 0n],
  ];
  for (const [what, book, health, credit] of cases) {
    it(`agrees with the engine: ${what}`, async () => {
      const h = await harness("small");
      const expected = computeMargin(params, parsePortfolio(book, params), health, credit).ok;
      const { input } = inputFor(h, params, book, { healthBps: health, creditLimitCents: credit });
      const { failing } = await laxCheck(h, input);
      assert.equal(failing.length === 0, expected);
    });
  }

  it("refuses, with the bound named, a group whose loss reaches 2^150 x 1e-26 USD", async () => {
    const h = await harness("small");
    const book = { collateral: { BIG: "1" }, positions: { X: (BigInt(maxX) + 1n).toString() } };
    throwsZk(() => inputFor(h, params, book), "BIT_BUDGET", "groups.G1");
  });
});
