import { strict as assert } from "node:assert";
import { USD, clone, fixtureJson, margin, smallParams, throwsZk } from "../helpers.js";
import { formatMarginReport, marginReportJson } from "../../src/engine/report.js";
import { checkGroupRiskBound, computeMargin, formatCreditLimit, parseCreditLimit, type MarginResult } from "../../src/engine/margin.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import type { ErrorCode } from "../../src/errors.js";

// Risk parameters: test/fixtures/params-small.json.
//   USDC $1, tiers: first $1,000,000 at 2%, above at 8%.
//   ETH $2000, tiers: first $100,000 at 10%, next to $500,000 at 20%, above at 40%.
//   WBTC $50,000, one flat tier at 15%.
//   Groups: BTC (id 1, index 0), ETH (id 2, index 1), SOL (id 7, index 2).
//   ETH group:
//   ETH-PERP risk (per long unit):  [0,0, 100,100, -100,-100, 200,200, -200,-200, 300,300, -300,-300, 210,-210]
//   ETH-C-2200 risk: [5,-5, 60,50, -40,-45, 140,130, -60,-65, 230,225, -70,-72, 150,-25], minimum $20/short
//   ETH-P-1800 risk: [5,-5, -40,-45, 60,50, -60,-65, 140,130, -70,-72, 230,225, -25,150], minimum $20/short
//   ETH-C-3000 risk: [0.5,-0.5, 1,0.5, -0.5,-0.5, 2,1.5, -0.5,-0.5, 4,3, -0.5,-0.5, 3,-0.2], minimum $10/short
//   BTC group:
//   BTC-PERP risk:    [0,0, 1000,1000, -1000,-1000, 2000,2000, -2000,-2000, 3000,3000, -3000,-3000, 2100,-2100]
//   BTC-P-45000 risk: [50,-50, -300,-350, 500,450, -500,-550, 1200,1150, -650,-700, 2000,1950, -400,2500], minimum $250/short
//   SOL group:
//   SOL-PERP risk:    [0,0, 10,10, -10,-10, 20,20, -20,-20, 30,30, -30,-30, 21,-21]
// Scenario 10 = "up 3/3, vol up", 11 = "up 3/3, vol down", 12 = "down 3/3, vol up", 15 = "extreme down (35%)".
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
    assert.equal(r.groups.length, 1);
    const eth = r.groups[0]!;
    assert.equal(eth.symbol, "ETH");
    assert.deepEqual(
      eth.scenarioLossE26.map((l) => l / USD),
      [500n, -500n, 1000n, 0n, 1000n, 500n, 4000n, 3000n, 4000n, 3500n, 8000n, 7500n, 8000n, 7800n, 4500n, 8000n],
    );
    assert.equal(eth.worstScenario, 10);
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
    assert.equal(r.groups[0]!.worstScenario, 13);
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

  it("a debt counts its value marked up by debtBps, never through the tiers", () => {
    // ETH 300 * $2000 = $600,000 -> adjusted $470,000 (the three tiers above).
    // USDC -200,000 (a debt): value -$200,000; USDC debtBps 800 -> counts -$200,000 * 1.08 = -$216,000.
    //   (Through USDC's tiers it would have been -$196,000: the debt is never haircut.)
    // adjusted collateral = $470,000 - $216,000 = $254,000; collateral value $600,000 - $200,000 = $400,000.
    const r = margin(params, { ETH: "300", USDC: "-200000" });
    const usdc = r.collateral.find((c) => c.symbol === "USDC")!;
    assert.equal(usdc.debt, true);
    assert.equal(usdc.debtBps, 800);
    assert.deepEqual(usdc.tiers, []);
    assert.equal(usdc.valueE26, -200_000n * USD);
    assert.equal(usdc.adjustedE30, -216_000n * USD * 10000n);
    assert.equal(r.collateralValueE26, 400_000n * USD);
    assert.equal(r.adjustedCollateralE30, 254_000n * USD * 10000n);
    const j = marginReportJson(r, params);
    assert.equal(j.debts, "216000.00000000");
    assert.equal(j.adjustedCollateral, "254000.00000000");
    const text = formatMarginReport(j);
    assert.match(text, /Debts \(USD/);
    assert.match(text, /USDC\s+-200000\s+1\s+-200,000\.00\s+8\.00%\s+-216,000\.00/);
    assert.match(text, /debts as counted 216,000\.00/);
  });

  it("a book that passes only with its debt left out fails once the debt is counted; break-even with a debt", () => {
    // hedged book: requirement $8,000. ETH 5 * $2000 = $10,000 at 10% -> $9,000 adjusted.
    // WBTC -0.01 (a debt): value -$500; debtBps 1500 -> counts -$575. Adjusted $9,000 - $575 = $8,425.
    const pos = { "ETH-C-2200": "-100", "ETH-PERP": "50" };
    // at 1.1x the book needs $8,800: without the debt ($9,000) it passes, with it ($8,425) it fails.
    assert.ok(margin(params, { ETH: "5" }, pos, 11000).ok);
    const withDebt = margin(params, { ETH: "5", WBTC: "-0.01" }, pos, 11000);
    assert.ok(!withDebt.ok);
    assert.equal(withDebt.adjustedCollateralE30, 8_425n * USD * 10000n);
    // break-even: 8,425 / 8,000 = 1.053125 -> health 10531 passes (8,425 >= 8,424.8), 10532 fails (8,425.6)
    assert.ok(margin(params, { ETH: "5", WBTC: "-0.01" }, pos, 10531).ok);
    assert.ok(!margin(params, { ETH: "5", WBTC: "-0.01" }, pos, 10532).ok);
    // exact: USDC 10,000 -> $9,800 adjusted; a WBTC debt of 0.001 ($50 -> $57.50) leaves $9,742.50;
    // at health h the book needs 8,000 * h / 10000: h = 12178 needs $9,742.40 (passes), 12179 $9,743.20 (fails).
    assert.ok(margin(params, { USDC: "10000", WBTC: "-0.001" }, pos, 12178).ok);
    assert.ok(!margin(params, { USDC: "10000", WBTC: "-0.001" }, pos, 12179).ok);
    // exact break-even with a debt, to the base unit: at 12178 the book needs $9,742.40, so USDC
    // 9,999.897959... would be needed without a debt; with the WBTC debt ($57.50) USDC must give
    // $9,799.90 adjusted = 9,999.897959 USDC at 2%: 9,999.897960 passes, 9,999.897959 fails
    // (0.98 * 9,999.89796 = 9,799.9000008 >= 9,799.90; 0.98 * 9,999.897959 = 9,799.89999982 < 9,799.90).
    assert.ok(margin(params, { USDC: "9999.897960", WBTC: "-0.001" }, pos, 12178).ok);
    assert.ok(!margin(params, { USDC: "9999.897959", WBTC: "-0.001" }, pos, 12178).ok);
    // (test/engine/properties.test.ts checks exact break-even and one base unit short with debts on random books)
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

describe("engine: risk groups (hand-worked)", () => {
  const params = smallParams();
  const at = (r: MarginResult, sym: string) => r.groups.find((g) => g.symbol === sym)!;

  it("a BTC/ETH pair trade pays both legs' scan risk (v1 netted it to zero)", () => {
    // long 1 BTC-PERP, short 10 ETH-PERP:
    //   BTC loss_k = -1 x BTC-PERP_k  = [0,0, -1000,-1000, 1000,1000, -2000,-2000, 2000,2000, -3000,-3000, 3000,3000, -2100,2100]
    //        worst 3000, first at scenario 12 (down 3/3, vol up)
    //   ETH loss_k = +10 x ETH-PERP_k = [0,0, 1000,1000, -1000,-1000, 2000,2000, -2000,-2000, 3000,3000, -3000,-3000, 2100,-2100]
    //        worst 3000, first at scenario 10 (up 3/3, vol up)
    //   v1 (one scan over the whole book): BTC_k + ETH_k = 0 in every scenario -> requirement 0.
    //   v2: requirement = 3000 + 3000 = 6000.
    const pos = { "BTC-PERP": "1", "ETH-PERP": "-10" };
    const r = margin(params, { USDC: "10000" }, pos);
    assert.deepEqual(r.groups.map((g) => [g.symbol, g.groupId, g.groupIndex, g.worstScenario, g.scanRiskE26 / USD]), [
      ["BTC", 1, 0, 12, 3000n],
      ["ETH", 2, 1, 10, 3000n],
    ]);
    r.groups[0]!.scenarioLossE26.forEach((l, k) => assert.equal(l + r.groups[1]!.scenarioLossE26[k]!, 0n)); // v1 would net to 0
    assert.equal(r.scanRiskE26, 6000n * USD);
    assert.equal(r.shortOptionMinimumE26, 0n);
    assert.equal(r.requirementE26, 6000n * USD);
    // At 1.25x it needs 1.25 x 6000 = 7500 adjusted = 7500 / 0.98 USDC = 7653.0612244... USDC:
    //   7653.061225 USDC -> adjusted 7500.0000005   -> pass, excess 0.0000005 USD
    //   7653.061224 USDC -> adjusted 7499.99999952  -> fail, shortfall 0.00000048 USD
    const pass = margin(params, { USDC: "7653.061225" }, pos, 12500);
    assert.ok(pass.ok);
    assert.equal(pass.excessE30, 5n * 10n ** 23n);
    const fail = margin(params, { USDC: "7653.061224" }, pos, 12500);
    assert.ok(!fail.ok);
    assert.equal(fail.excessE30, -48n * 10n ** 22n);
  });

  it("a BTC put does not hedge an ETH book: each group is scanned on its own", () => {
    // short 100 ETH-C-2200 + long 50 ETH-PERP (ETH group, the hedged book above): worst 8000 at scenario 10,
    //   minimum 100 x 20 = 2000 -> ETH requirement 8000.
    // long 2 BTC-P-45000 (BTC group): loss_k = -2 x put_k
    //   = [-100,100, 600,700, -1000,-900, 1000,1100, -2400,-2300, 1300,1400, -4000,-3900, 800,-5000]
    //   worst 1400 at scenario 11 (up 3/3, vol down: the puts lose value); no minimum (long) -> BTC requirement 1400.
    // v2 requirement = 8000 + 1400 = 9400.
    // v1 would add the two rows: [400,-400, 1600,700, 0,-400, 5000,4100, 1600,1200, 9300,8900, 4000,3900, 5300,3000]
    //   -> 9300: the puts' gains in the down scenarios offset nothing in the worst (up) scenario, but v1 still
    //   let the BTC puts' loss net against ETH's gains.
    const r = margin(params, { USDC: "10000" }, { "ETH-C-2200": "-100", "ETH-PERP": "50", "BTC-P-45000": "2" });
    assert.deepEqual(
      at(r, "BTC").scenarioLossE26.map((l) => l / USD),
      [-100n, 100n, 600n, 700n, -1000n, -900n, 1000n, 1100n, -2400n, -2300n, 1300n, 1400n, -4000n, -3900n, 800n, -5000n],
    );
    assert.equal(at(r, "BTC").worstScenario, 11);
    assert.equal(at(r, "BTC").requirementE26, 1400n * USD);
    assert.equal(at(r, "ETH").requirementE26, 8000n * USD);
    assert.equal(r.scanRiskE26, 9400n * USD);
    assert.equal(r.shortOptionMinimumE26, 2000n * USD);
    assert.equal(r.requirementE26, 9400n * USD);
    // 9800 adjusted >= 9400 at 1.0x; at 1.25x it needs 11,750 -> fails
    assert.ok(r.ok);
    assert.ok(!margin(params, { USDC: "10000" }, { "ETH-C-2200": "-100", "ETH-PERP": "50", "BTC-P-45000": "2" }, 12500).ok);
  });

  it("the requirement is a sum of per-group maxima, not the max of the sums", () => {
    // short 100 ETH-C-3000: ETH scan 100 x 4 = 400 (scenario 10), minimum 100 x 10 = 1000 -> ETH requirement 1000
    // short 1 BTC-P-45000: loss_k = put_k, worst 2500 at scenario 15 (extreme down), minimum 250 -> BTC requirement 2500
    // requirement = 1000 + 2500 = 3500; the sums are scan 400 + 2500 = 2900 and minimum 1000 + 250 = 1250,
    // and max(2900, 1250) = 2900 would understate it.
    const r = margin(params, {}, { "ETH-C-3000": "-100", "BTC-P-45000": "-1" });
    assert.deepEqual(
      r.groups.map((g) => [g.symbol, g.scanRiskE26 / USD, g.shortOptionMinimumE26 / USD, g.requirementE26 / USD, g.worstScenario]),
      [
        ["BTC", 2500n, 250n, 2500n, 15],
        ["ETH", 400n, 1000n, 1000n, 10],
      ],
    );
    assert.equal(r.scanRiskE26, 2900n * USD);
    assert.equal(r.shortOptionMinimumE26, 1250n * USD);
    assert.equal(r.requirementE26, 3500n * USD);
  });

  it("lists only the groups the book touches, in group index order; a book with no positions has none", () => {
    // SOL-PERP (group id 7, index 2) listed before BTC-PERP (id 1, index 0) in the file: groups come out BTC, SOL
    const r = margin(params, {}, { "SOL-PERP": "-1", "BTC-PERP": "0.0001" });
    assert.deepEqual(r.groups.map((g) => [g.symbol, g.groupIndex]), [["BTC", 0], ["SOL", 2]]);
    // short 1 SOL-PERP: worst 30 at scenario 10; long 0.0001 BTC-PERP: worst 0.3 at scenario 12
    assert.equal(r.requirementE26, 30n * USD + 3n * USD / 10n);
    assert.deepEqual(margin(params, { USDC: "1" }).groups, []);
  });
});

describe("engine: credit limit", () => {
  const params = smallParams();
  // long 1 BTC-PERP: BTC requirement 3000 (scenario 12). USDC 10,000 -> adjusted 10,000 x 0.98 = 9,800.
  // Pass at 1.25x iff 9,800 >= 1.25 x (3,000 + L)  <=>  L <= 7,840 - 3,000 = 4,840.
  const pos = { "BTC-PERP": "1" };

  it("passes exactly at the break-even credit limit and fails one cent above it", () => {
    const even = margin(params, { USDC: "10000" }, pos, 12500, 484000n);
    assert.ok(even.ok);
    assert.equal(even.creditLimitE26, 4840n * USD);
    assert.equal(even.excessE30, 0n); // 9,800e30 - 12,500 x 7,840e26 = 0
    assert.equal(marginReportJson(even, params).actualHealthBps, 12500); // 9,800 / 7,840 = 1.25
    // L = 4,840.01: 12,500 x (3,000 + 4,840.01) = 98,000,125 -> excess = 9,800 - 9,800.0125 = -0.0125 USD
    const over = margin(params, { USDC: "10000" }, pos, 12500, 484001n);
    assert.ok(!over.ok);
    assert.equal(over.excessE30, -125n * 10n ** 26n);
  });

  it("fails at the break-even credit limit with one base unit less collateral", () => {
    // 9,999.999999 USDC -> adjusted 9,799.99999902: excess = -0.00000098 USD
    const short = margin(params, { USDC: "9999.999999" }, pos, 12500, 484000n);
    assert.ok(!short.ok);
    assert.equal(short.excessE30, -98n * 10n ** 22n);
  });

  it("a credit limit alone needs collateral: no positions, L = 1,000 at 1.0x needs 1,000 adjusted", () => {
    // 1,020.408163 USDC -> 999.99999974 < 1,000; 1,020.408164 -> 1,000.00000072 >= 1,000
    assert.ok(!margin(params, { USDC: "1020.408163" }, {}, 10000, 100000n).ok);
    assert.ok(margin(params, { USDC: "1020.408164" }, {}, 10000, 100000n).ok);
    assert.equal(marginReportJson(margin(params, {}, {}, 10000, 0n), params).actualHealthBps, null);
  });

  it("checks the credit limit it is given", () => {
    const p = parsePortfolio({ collateral: {} }, params);
    throwsZk(() => computeMargin(params, p, 10000, -1n), "OUT_OF_RANGE", "creditLimitCents");
    throwsZk(() => computeMargin(params, p, 10000, 1n << 64n), "OUT_OF_RANGE", "creditLimitCents");
    assert.ok(computeMargin(params, p, 10000, (1n << 64n) - 1n).creditLimitE26 === ((1n << 64n) - 1n) * 10n ** 24n);
  });

  it("parses credit limits: USD with at most 2 decimals, >= 0, below 2^64 cents", () => {
    const ok: [string, bigint][] = [
      ["0", 0n],
      ["1000", 100000n],
      ["1000.5", 100050n],
      ["0.01", 1n],
      ["12.340", 1234n], // trailing zeros are exact, not rounding
      ["184467440737095516.15", (1n << 64n) - 1n],
    ];
    for (const [raw, cents] of ok) assert.equal(parseCreditLimit(raw), cents, raw);
    assert.equal(formatCreditLimit(100050n), "1000.50");
    assert.equal(formatCreditLimit(0n), "0.00");
    const bad: [string, ErrorCode, string][] = [
      ["1.001", "DECIMAL_PRECISION", "2 decimal places"],
      ["-1", "OUT_OF_RANGE", "must not be negative"],
      ["-0.01", "OUT_OF_RANGE", "must not be negative"],
      ["184467440737095516.16", "OUT_OF_RANGE", "2^64 cents"],
      ["1e6", "DECIMAL_FORMAT", "exponent"],
      ["", "DECIMAL_FORMAT", '""'],
      ["$100", "DECIMAL_FORMAT", '"$100"'],
      ["1,000", "DECIMAL_FORMAT", '"1,000"'],
      ["01", "DECIMAL_FORMAT", '"01"'],
    ];
    for (const [raw, code, text] of bad) {
      const e = throwsZk(() => parseCreditLimit(raw), code, "--credit-limit", text);
      assert.ok(e.message.startsWith("--credit-limit: "), e.message);
    }
    throwsZk(() => parseCreditLimit("1.001", "creditLimit"), "DECIMAL_PRECISION", "creditLimit");
  });
});

describe("engine: the circuit's per-group bound (checkGroupRiskBound)", () => {
  const params = smallParams();

  it("accepts ordinary books and books just inside 2^150 x 1e-26 USD per group", () => {
    checkGroupRiskBound(margin(params, {}, { "BTC-PERP": "1", "ETH-PERP": "-10" }));
    // 4e15 BTC-PERP: |loss| <= 4e15 x 3000 USD = 1.2e19 USD = 1.2e45 x 1e-26 < 2^150 ~ 1.427e45
    checkGroupRiskBound(margin(params, {}, { "BTC-PERP": "4000000000000000" }));
  });

  it("refuses a group whose scenario P&L reaches 2^150, naming the group and the scenario", () => {
    // 5e15 BTC-PERP: scenario 10 moves it by 5e15 x 3000 = 1.5e19 USD = 1.5e45 x 1e-26 >= 2^150
    // (scenarios 0..9 stay below: at most 5e15 x 2000 = 1e45)
    const r = margin(params, {}, { "BTC-PERP": "5000000000000000", "ETH-PERP": "1" });
    assert.ok(r.requirementE26 > 0n); // the engine's figures stay exact; check does not fail on it
    const e = throwsZk(() => checkGroupRiskBound(r), "BIT_BUDGET", "groups.BTC.scenarioLoss[10]");
    assert.match(e.message, /group BTC \(id 1\)/);
    assert.match(e.message, /scenario 10/);
    assert.match(e.message, /2\^150/);
  });

  it("refuses a group whose short-option minimum reaches 2^150", () => {
    const j = clone(fixtureJson("params-small.json"));
    j.instruments.find((i: any) => i.symbol === "BTC-P-45000").riskArray = Array(16).fill("0");
    const p = parseRiskParams(j);
    // short 6e16 puts at $250 = 1.5e19 USD = 1.5e45 x 1e-26 >= 2^150
    const e = throwsZk(() => checkGroupRiskBound(margin(p, {}, { "BTC-P-45000": "-60000000000000000" })), "BIT_BUDGET", "groups.BTC.shortOptionMinimum");
    assert.match(e.message, /short-option minimum/);
    checkGroupRiskBound(margin(p, {}, { "BTC-P-45000": "-50000000000000000" })); // 1.25e45 < 2^150
  });
});

describe("engine: reports", () => {
  const params = smallParams();

  it("check --json: the documented fields (docs/model.md), groups in order, sums, and the credit limit", () => {
    const r = margin(params, { USDC: "10000" }, { "ETH-C-3000": "-100", "BTC-P-45000": "-1" }, 12500, 123456n);
    const j = marginReportJson(r, params);
    for (const k of ["ok", "healthBps", "creditLimit", "collateralValue", "adjustedCollateral", "scanRisk", "shortOptionMinimum", "requirement", "excess", "groups"]) {
      assert.ok(k in j, k);
    }
    assert.equal(j.creditLimit, "1234.56000000");
    assert.equal(j.scanRisk, "2900.00000000");
    assert.equal(j.shortOptionMinimum, "1250.00000000");
    assert.equal(j.requirement, "3500.00000000");
    assert.deepEqual(
      j.groups.map((g) => [g.group, g.scanRisk, g.worstScenario, g.shortOptionMinimum, g.requirement]),
      [
        ["BTC", "2500.00000000", 15, "250.00000000", "2500.00000000"],
        ["ETH", "400.00000000", 10, "1000.00000000", "1000.00000000"],
      ],
    );
    assert.equal(j.groups[0]!.scenarios[j.groups[0]!.worstScenario]!.label, "extreme down (35%)");
    assert.deepEqual(Object.keys(j.groups[0]!), ["group", "scanRisk", "worstScenario", "shortOptionMinimum", "requirement", "scenarios"]);
    // 9,800 - 1.25 x (3,500 + 1,234.56) = 9,800 - 5,918.20 = 3,881.80
    assert.equal(j.excess, "3881.80000000");
    // 9,800 / 4,734.56 = 2.06986... -> 20698 bps
    assert.equal(j.actualHealthBps, 20698);
    assert.deepEqual(j.positions.map((p) => [p.symbol, p.group, p.worstScenarioLoss]), [
      ["BTC-P-45000", "BTC", "2500.00000000"],
      ["ETH-C-3000", "ETH", "400.00000000"],
    ]);
    assert.ok(!("worstScenario" in j));
  });

  it("check --json: the totals are the exact totals rounded up once, not sums of the rounded group figures", () => {
    // two groups whose worst losses each carry 1e-11 and 1e-12 USD below the 8th place
    const pj = clone(fixtureJson("params-small.json"));
    const riskArray = (sym: string) => pj.instruments.find((i: { symbol: string }) => i.symbol === sym).riskArray as string[];
    riskArray("ETH-PERP")[12] = "-300.00000001"; // scenario 12, down 3/3: a long of 0.001 loses 0.30000000001
    riskArray("BTC-PERP")[12] = "-3000.00000001"; // a long of 0.0001 loses 0.300000000001
    const p = parseRiskParams(pj);
    const r = margin(p, { USDC: "10" }, { "ETH-PERP": "0.001", "BTC-PERP": "0.0001" });
    assert.equal(r.requirementE26, 60_000_000_001_100_000_000_000_000n);
    const j = marginReportJson(r, p);
    assert.deepEqual(j.groups.map((g) => [g.group, g.scanRisk, g.requirement]), [
      ["BTC", "0.30000001", "0.30000001"],
      ["ETH", "0.30000001", "0.30000001"],
    ]);
    // 0.600000000011 rounds up to 0.60000001 (the sum of the rounded figures would be 0.60000002)
    assert.equal(j.requirement, "0.60000001");
    assert.equal(j.scanRisk, "0.60000001");
    assert.equal(j.shortOptionMinimum, "0.00000000");
    assert.match(formatMarginReport(j), /requirement \(sum of groups\)\s+0\.61/);
  });

  it("the text report has the per-group table, the sum, the credit limit and the verdict", () => {
    const r = margin(params, { USDC: "10000" }, { "BTC-PERP": "1", "ETH-PERP": "-10" }, 12500, 100000n);
    const text = formatMarginReport(marginReportJson(r, params));
    assert.match(text, /Requirement per risk group/);
    assert.match(text, /BTC\s+3,000\.00\s+12 \(down 3\/3, vol up\)\s+0\.00\s+3,000\.00/);
    assert.match(text, /ETH\s+3,000\.00\s+10 \(up 3\/3, vol up\)\s+0\.00\s+3,000\.00/);
    assert.match(text, /sum\s+6,000\.00\s+0\.00\s+6,000\.00/);
    assert.match(text, /credit limit\s+1,000\.00/);
    assert.match(text, /requirement \+ credit limit\s+7,000\.00/);
    assert.match(text, /required at 12500 bps \(1\.25x\)\s+8,750\.00/);
    // 9,800 - 8,750 = 1,050; health 9,800 / 7,000 = 1.4
    assert.match(text, /excess\s+1,050\.00/);
    assert.match(text, /health\s+14000 bps \(1\.4000x\)/);
    assert.match(text, /PASS at 12500 bps/);
    // the scenario matrix marks each group's worst scenario
    assert.match(text, /10  up 3\/3, vol up\s+-3,000\.00\s+3,000\.00 \*/);
  });
});
