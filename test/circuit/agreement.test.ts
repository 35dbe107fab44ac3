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
