import { strict as assert } from "node:assert";
import { failingConstraints } from "../../src/circuit/r1cs.js";
import { harness, inputFor, laxCheck } from "./harness.js";
import { smallParams } from "../helpers.js";
import { computeMargin } from "../../src/engine/margin.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";

describe("circuit (small): agreement with the engine", function () {
  this.timeout(600_000);
  const params = smallParams();

  it("accepts a passing book: witness satisfies every constraint and outputs the SDK's commitment", async () => {
    const h = await harness("small");
    const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-C-2200": "-100", "ETH-PERP": "50" } };
    const { input, commitment, publicSignals } = inputFor(h, params, book, { healthBps: 12500 });
    const w = await h.strict.calculate(input);
    assert.deepEqual(failingConstraints(h.r1cs, w), []);
    assert.equal(w[1], commitment);
    assert.deepEqual(w.slice(1, 5), publicSignals);
  });

  it("rejects a failing book by the constraint check (not just witness generation)", async () => {
    const h = await harness("small");
    const book = { collateral: { USDC: "10000" }, positions: { "ETH-C-2200": "-100", "ETH-PERP": "50" } };
    // exact break-even is 12250 bps (see the engine's hand-worked case)
    const ok = inputFor(h, params, book, { healthBps: 12250 });
    assert.deepEqual((await laxCheck(h, ok.input)).failing, []);
    const bad = inputFor(h, params, book, { healthBps: 12251 });
    assert.ok(!computeMargin(params, parsePortfolio(book, params), 12251).ok);
    assert.ok((await laxCheck(h, bad.input)).failing.length > 0);
    await assert.rejects(h.strict.calculate(bad.input));
  });
});

import fc from "fast-check";
import { arbParams, arbPortfolioFor } from "../arbitraries.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";

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
        healthMode: fc.constantFrom("breakEven", "breakEven+1", "random"),
        health: fc.integer({ min: 10000, max: 30000 }),
        salt: fc.bigInt({ min: 0n, max: (1n << 250n) }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(gen, async ({ pj, book, healthMode, health, salt }) => {
        const params = parseRiskParams(pj);
        const portfolio = parsePortfolio(book, params);
        const base = computeMargin(params, portfolio, 10000);
        let healthBps = health;
        if (healthMode !== "random" && base.requirementE26 > 0n) {
          const be = base.adjustedCollateralE30 / base.requirementE26 + (healthMode === "breakEven+1" ? 1n : 0n);
          if (be >= 10000n && be <= 1_000_000n) healthBps = Number(be);
        }
        const expected = computeMargin(params, portfolio, healthBps).ok;
        const { input, commitment } = inputFor(h, params, book, { healthBps, salt, tree: buildParamsTree(params) });
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
  const MAX_AMOUNT = ((1n << 96n) - 1n).toString(); // largest balance / |quantity| in base units (0 decimals)
  const MAX_18 = "79228162514.264337593543950335"; // the same number of base units with 18 decimals
  const risk = (v: string) => Array.from({ length: 16 }, (_, k) => (k % 2 ? v : `-${v}`));
  const pj = {
    version: 1, epoch: 1, asOf: "2026-11-20T16:00:00Z",
    scenarios: Array.from({ length: 16 }, (_, k) => `s${k}`),
    assets: [
      // 51,922,968 USD per whole token with 0 decimals: unit value just below 2^112
      { id: 1, symbol: "BIG", decimals: 0, price: "51922968", haircuts: [{ upTo: "1000", bps: 0 }, { upTo: "4000000000000000000000000000000000000", bps: 5000 }, { upTo: null, bps: 10000 }] },
      { id: 2, symbol: "TINY", decimals: 18, price: "0.00000001", haircuts: [{ upTo: null, bps: 0 }] },
    ],
    instruments: [
      { id: 7, symbol: "X", kind: "option", decimals: 0, riskArray: risk("51922968"), shortOptionMinimum: "51922968" },
      { id: 8, symbol: "Y", kind: "option", decimals: 0, riskArray: risk("51922967.99999999"), shortOptionMinimum: "0.00000001" },
      { id: 9, symbol: "Z", kind: "perpetual", decimals: 18, riskArray: risk("0.00000001"), shortOptionMinimum: "0" },
    ],
  };
  const cases: [string, any, number][] = [
    ["max collateral, no positions, max health", { collateral: { BIG: MAX_AMOUNT, TINY: "1" }, positions: {} }, 1_000_000],
    ["max everything against max collateral", { collateral: { BIG: MAX_AMOUNT, TINY: MAX_18 }, positions: { X: `-${MAX_AMOUNT}`, Y: MAX_AMOUNT, Z: `-${MAX_18}` } }, 10000],
    ["max shorts, tiny collateral", { collateral: { TINY: "0.000000000000000001" }, positions: { X: `-${MAX_AMOUNT}`, Y: `-${MAX_AMOUNT}` } }, 1_000_000],
    ["one base unit everywhere", { collateral: { BIG: "1", TINY: "0.000000000000000001" }, positions: { X: "1", Y: "-1", Z: "0.000000000000000001" } }, 10000],
  ];
  for (const [what, book, health] of cases) {
    it(`agrees with the engine: ${what}`, async () => {
      const h = await harness("small");
      const params = parseRiskParams(pj);
      const expected = computeMargin(params, parsePortfolio(book, params), health).ok;
      const { input } = inputFor(h, params, book, { healthBps: health });
      const { failing } = await laxCheck(h, input);
      assert.equal(failing.length === 0, expected);
    });
  }
});
