import { strict as assert } from "node:assert";
import { USD, margin, smallParams, throwsZk } from "../helpers.js";
import { marginReportJson } from "../../src/engine/report.js";

// Risk parameters: test/fixtures/params-small.json.
//   USDC $1, tiers: first $1,000,000 at 2%, above at 8%.
//   ETH $2000, tiers: first $100,000 at 10%, next to $500,000 at 20%, above at 40%.
//   WBTC $50,000, one flat tier at 15%.
//   ETH-PERP risk (per long unit):  [0,0, 100,100, -100,-100, 200,200, -200,-200, 300,300, -300,-300, 210,-210]
//   ETH-C-2200 risk: [5,-5, 60,50, -40,-45, 140,130, -60,-65, 230,225, -70,-72, 150,-25], minimum $20/short
//   ETH-P-1800 risk: [5,-5, -40,-45, 60,50, -60,-65, 140,130, -70,-72, 230,225, -25,150], minimum $20/short
//   ETH-C-3000 risk: [0.5,-0.5, 1,0.5, -0.5,-0.5, 2,1.5, -0.5,-0.5, 4,3, -0.5,-0.5, 3,-0.2], minimum $10/short
describe("engine: hand-worked margin cases", () => {
  const params = smallParams();

  it("straddles all three ETH tiers and both USDC tiers", () => {
    // ETH 300 * $2000 = $600,000:
    //   $100,000 in tier 1 at 10% -> $90,000
    //   $400,000 in tier 2 at 20% -> $320,000
    //   $100,000 in tier 3 at 40% -> $60,000          ETH adjusted = $470,000
    // USDC 1,500,000 * $1 = $1,500,000:
    //   $1,000,000 at 2% -> $980,000; $500,000 at 8% -> $460,000   USDC adjusted = $1,440,000
    const r = margin(params, { ETH: "300", USDC: "1500000" });
    assert.equal(r.collateralValueE26, 2_100_000n * USD);
    const eth = r.collateral.find((c) => c.symbol === "ETH")!;
    assert.deepEqual(
      eth.tiers.map((t) => t.portionE26),
      [100_000n * USD, 400_000n * USD, 100_000n * USD],
    );
    assert.equal(eth.adjustedE30, 470_000n * USD * 10000n);
    const usdc = r.collateral.find((c) => c.symbol === "USDC")!;
    assert.equal(usdc.adjustedE30, 1_440_000n * USD * 10000n);
    assert.equal(r.adjustedCollateralE30, 1_910_000n * USD * 10000n);
    assert.equal(r.requirementE26, 0n);
    assert.ok(r.ok);
    // Collateral is listed in tree order (USDC id 1 before ETH id 2), whatever the file order.
    assert.deepEqual(r.collateral.map((c) => c.symbol), ["USDC", "ETH"]);
  });

  it("a value exactly on a tier boundary stays wholly in the lower tier", () => {
    // ETH 50 * $2000 = $100,000 = tier 1's upTo: all at 10% -> $90,000; tier 2 portion 0.
    const r = margin(params, { ETH: "50" });
    assert.deepEqual(r.collateral[0]!.tiers.map((t) => t.portionE26), [100_000n * USD, 0n, 0n]);
    assert.equal(r.adjustedCollateralE30, 90_000n * USD * 10000n);
  });

  it("a hedged book nets across scenarios; scan risk beats the short-option minimum", () => {
    // short 100 ETH-C-2200, long 50 ETH-PERP: loss_k = 100*c_k - 50*p_k
    //   = [500,-500, 1000,0, 1000,500, 4000,3000, 4000,3500, 8000,7500, 8000,7800, 4500,8000]
    // worst = 8000 first at scenario 10 (up 3/3, vol up). Unhedged the calls alone would lose 100*230 = 23,000.
    // short-option minimum = 100 * $20 = $2,000 < $8,000, so requirement = $8,000.
    const r = margin(params, { USDC: "10000" }, { "ETH-C-2200": "-100", "ETH-PERP": "50" });
    assert.deepEqual(
      r.scenarioLossE26.map((l) => l / USD),
      [500n, -500n, 1000n, 0n, 1000n, 500n, 4000n, 3000n, 4000n, 3500n, 8000n, 7500n, 8000n, 7800n, 4500n, 8000n],
    );
    assert.equal(r.worstScenario, 10);
    assert.equal(r.scanRiskE26, 8000n * USD);
    assert.equal(r.shortOptionMinimumE26, 2000n * USD);
    assert.equal(r.requirementE26, 8000n * USD);
    // USDC 10,000 at 2% -> 9,800 >= 8,000 at 1.0x
    assert.ok(r.ok);
    const naked = margin(params, { USDC: "10000" }, { "ETH-C-2200": "-100" });
    assert.equal(naked.requirementE26, 23_000n * USD);
    assert.ok(!naked.ok);
  });

  it("the short-option minimum binds when far out-of-the-money shorts barely move", () => {
    // short 100 ETH-C-3000: loss_k = 100 * c_k, worst = 100 * 4 = $400 (scenario 10);
    // minimum = 100 * $10 = $1,000 > $400, so requirement = $1,000.
    const r = margin(params, { USDC: "1000" }, { "ETH-C-3000": "-100" });
    assert.equal(r.scanRiskE26, 400n * USD);
    assert.equal(r.shortOptionMinimumE26, 1000n * USD);
    assert.equal(r.requirementE26, 1000n * USD);
    // 1000 USDC * 0.98 = 980 < 1000
    assert.ok(!r.ok);
    assert.equal(r.excessE30, 980n * USD * 10000n - 10000n * 1000n * USD);
  });

  it("long options only: every scenario is a gain or small loss, no minimum", () => {
    // long 1 ETH-C-2200: loss_k = -c_k, worst = 72 at scenario 13 (down 3/3, vol down) -> scan risk $72
    const r = margin(params, {}, { "ETH-C-2200": "1" });
    assert.equal(r.scanRiskE26, 72n * USD);
    assert.equal(r.worstScenario, 13);
    assert.equal(r.shortOptionMinimumE26, 0n);
  });

  it("zero requirement: a book with no positions passes at any health, even with no collateral", () => {
    const r = margin(params, {}, {}, 1_000_000);
    assert.equal(r.requirementE26, 0n);
    assert.ok(r.ok);
    assert.equal(marginReportJson(r, params).actualHealthBps, null);
  });

  it("passes exactly at the threshold and fails one base unit below", () => {
    // hedged book requirement $8,000; USDC 10,000 -> adjusted $9,800; 9,800 / 8,000 = 1.225 -> 12250 bps.
    const pos = { "ETH-C-2200": "-100", "ETH-PERP": "50" };
    const at = margin(params, { USDC: "10000" }, pos, 12250);
    assert.ok(at.ok);
    assert.equal(at.excessE30, 0n);
    assert.ok(!margin(params, { USDC: "10000" }, pos, 12251).ok);
    // 9,999.999999 USDC -> adjusted 9,799.99999902 < 9,800
    assert.ok(!margin(params, { USDC: "9999.999999" }, pos, 12250).ok);
    const j = marginReportJson(at, params);
    assert.equal(j.actualHealthBps, 12250);
    assert.equal(j.excess, "0.00000000");
  });

  it("display rounding: collateral rounds down, requirement rounds up", () => {
    // 0.000001 USDC = $0.000001 -> adjusted $0.00000098 exactly; value 0.00000100
    const r = margin(params, { USDC: "0.000001" }, { "ETH-PERP": "0.001" });
    const j = marginReportJson(r, params);
    assert.equal(j.collateralValue, "0.00000100");
    assert.equal(j.adjustedCollateral, "0.00000098");
    // 0.001 ETH-PERP long: worst loss 0.001 * 300 = 0.3
    assert.equal(j.requirement, "0.30000000");
    // an ETH amount of 1 wei: $2000 * 1e-18 = 2e-15 USD -> rounds down to 0, up would be 0.00000001
    const wei = margin(params, { ETH: "0.000000000000000001" });
    assert.equal(marginReportJson(wei, params).collateralValue, "0.00000000");
    assert.equal(wei.collateralValueE26, 2000n * 10n ** 8n);
  });

  it("rejects health outside 10000..1000000", () => {
    throwsZk(() => margin(params, {}, {}, 9999), "OUT_OF_RANGE", "healthBps");
    throwsZk(() => margin(params, {}, {}, 1_000_001), "OUT_OF_RANGE", "healthBps");
    throwsZk(() => margin(params, {}, {}, 12500.5), "OUT_OF_RANGE", "healthBps");
  });
});
