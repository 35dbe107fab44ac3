import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { computeMargin } from "../../src/engine/margin.js";
import { marginReportJson } from "../../src/engine/report.js";
import { arbHealthBps, arbParams, arbPortfolioFor } from "../arbitraries.js";

// An independent reference over exact rationals, computed straight from the decimal strings
// (no common unit, no per-base-unit scaling): what SPEC.md's formulas say, nothing more.
type Q = { n: bigint; d: bigint };
const q = (s: string): Q => {
  const neg = s.startsWith("-");
  const [i, f = ""] = (neg ? s.slice(1) : s).split(".");
  const n = BigInt(`${i}${f}`) * (neg ? -1n : 1n);
  return { n, d: 10n ** BigInt(f.length) };
};
const add = (a: Q, b: Q): Q => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const sub = (a: Q, b: Q): Q => ({ n: a.n * b.d - b.n * a.d, d: a.d * b.d });
const mul = (a: Q, b: Q): Q => ({ n: a.n * b.n, d: a.d * b.d });
const cmp = (a: Q, b: Q): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
const max = (a: Q, b: Q): Q => (cmp(a, b) >= 0 ? a : b);
const min = (a: Q, b: Q): Q => (cmp(a, b) <= 0 ? a : b);
const ZERO: Q = { n: 0n, d: 1n };
const int = (x: number | bigint): Q => ({ n: BigInt(x), d: 1n });

function reference(pj: any, portfolio: any, healthBps: number) {
  let adjusted = ZERO;
  for (const [sym, amt] of Object.entries(portfolio.collateral as Record<string, string>)) {
    const a = pj.assets.find((x: any) => x.symbol === sym);
    const v = mul(q(amt), q(a.price));
    let lower = ZERO;
    for (const t of a.haircuts) {
      const upper = t.upTo === null ? null : q(t.upTo);
      let portion = max(ZERO, sub(v, lower));
      if (upper) portion = min(portion, sub(upper, lower));
      adjusted = add(adjusted, mul(portion, { n: BigInt(10000 - t.bps), d: 10000n }));
      if (upper) lower = upper;
    }
  }
  let scan = ZERO;
  for (let k = 0; k < 16; k++) {
    let loss = ZERO;
    for (const [sym, qty] of Object.entries(portfolio.positions as Record<string, string>)) {
      const ins = pj.instruments.find((x: any) => x.symbol === sym);
      loss = sub(loss, mul(q(qty), q(ins.riskArray[k])));
    }
    scan = max(scan, loss);
  }
  let som = ZERO;
  for (const [sym, qty] of Object.entries(portfolio.positions as Record<string, string>)) {
    const ins = pj.instruments.find((x: any) => x.symbol === sym);
    som = add(som, mul(max(ZERO, sub(ZERO, q(qty))), q(ins.shortOptionMinimum)));
  }
  const requirement = max(scan, som);
  return { adjusted, requirement, ok: cmp(mul(int(10000), adjusted), mul(int(healthBps), requirement)) >= 0 };
}

const withBook = arbParams.chain((pj) => fc.record({ pj: fc.constant(pj), book: arbPortfolioFor(pj), health: arbHealthBps }));

function run(pj: any, book: any, health: number) {
  const params = parseRiskParams(pj);
  return computeMargin(params, parsePortfolio(book, params), health);
}

describe("engine: properties (fast-check)", () => {
  it("agrees with exact rational arithmetic on the decision and the figures", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, health }) => {
        const r = run(pj, book, health);
        const ref = reference(pj, book, health);
        assert.equal(r.ok, ref.ok);
        assert.equal(cmp({ n: r.adjustedCollateralE30, d: 10n ** 30n }, ref.adjusted), 0);
        assert.equal(cmp({ n: r.requirementE26, d: 10n ** 26n }, ref.requirement), 0);
      }),
      { numRuns: 300 },
    );
  });

  it("agrees on the decision near the threshold (health set to the exact break-even, +-1)", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book }) => {
        const r0 = run(pj, book, 10000);
        if (r0.requirementE26 === 0n) return;
        const breakEven = r0.adjustedCollateralE30 / r0.requirementE26; // floor: the highest passing health
        for (const h of [breakEven - 1n, breakEven, breakEven + 1n]) {
          if (h < 10000n || h > 1_000_000n) continue;
          const r = run(pj, book, Number(h));
          assert.equal(r.ok, reference(pj, book, Number(h)).ok);
          assert.equal(r.ok, h <= breakEven);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the order of holdings does not matter", () => {
    fc.assert(
      fc.property(withBook, fc.integer(), ({ pj, book, health }, seed) => {
        const shuffle = <T>(xs: T[]) => xs.map((x, i) => [((seed ^ (i * 2654435761)) >>> 0) % 1000, x] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
        const reordered = {
          positions: Object.fromEntries(shuffle(Object.entries(book.positions))),
          collateral: Object.fromEntries(shuffle(Object.entries(book.collateral))),
        };
        const pj2 = { ...pj, assets: [...pj.assets].reverse(), instruments: [...pj.instruments].reverse() };
        const a = run(pj, book, health);
        const b = run(pj2, reordered, health);
        assert.equal(a.ok, b.ok);
        assert.equal(a.adjustedCollateralE30, b.adjustedCollateralE30);
        assert.deepEqual(a.scenarioLossE26, b.scenarioLossE26);
        assert.equal(a.requirementE26, b.requirementE26);
      }),
      { numRuns: 200 },
    );
  });

  it("more collateral never lowers adjusted collateral", () => {
    fc.assert(
      fc.property(withBook, fc.nat({ max: 3 }), fc.bigInt({ min: 1n, max: 10n ** 20n }), ({ pj, book, health }, which, extraBase) => {
        const asset = pj.assets[which % pj.assets.length]!;
        const before = run(pj, book, health);
        const params = parseRiskParams(pj);
        const a = params.assets.find((x) => x.symbol === asset.symbol)!;
        const cur = parsePortfolio(book, params).collateral.find((c) => c.asset.symbol === asset.symbol)?.amountBase ?? 0n;
        const more = cur + extraBase;
        if (more >= 1n << 96n) return;
        const s = more.toString().padStart(a.decimals + 1, "0");
        const amount = a.decimals ? `${s.slice(0, -a.decimals)}.${s.slice(-a.decimals)}` : s;
        const after = run(pj, { ...book, collateral: { ...book.collateral, [asset.symbol]: amount } }, health);
        assert.ok(after.adjustedCollateralE30 >= before.adjustedCollateralE30);
        assert.ok(after.collateralValueE26 > before.collateralValueE26);
        if (before.ok) assert.ok(after.ok);
      }),
      { numRuns: 200 },
    );
  });

  it("scaling every position by c scales the requirement by c", () => {
    fc.assert(
      fc.property(withBook, fc.integer({ min: 0, max: 50 }), ({ pj, book, health }, c) => {
        const params = parseRiskParams(pj);
        const base = parsePortfolio(book, params);
        const scaled = { ...base, positions: base.positions.map((p) => ({ ...p, quantityBase: p.quantityBase * BigInt(c) })).filter((p) => p.quantityBase !== 0n) };
        const r1 = computeMargin(params, base, health);
        const rc = computeMargin(params, scaled, health);
        assert.equal(rc.requirementE26, r1.requirementE26 * BigInt(c));
        assert.equal(rc.scanRiskE26, r1.scanRiskE26 * BigInt(c));
        assert.equal(rc.shortOptionMinimumE26, r1.shortOptionMinimumE26 * BigInt(c));
      }),
      { numRuns: 200 },
    );
  });

  it("combining two books never raises scan risk above the sum of their scan risks", () => {
    fc.assert(
      fc.property(withBook, fc.integer(), ({ pj, book, health }, split) => {
        const params = parseRiskParams(pj);
        const all = parsePortfolio(book, params);
        const a = { collateral: [], positions: all.positions.filter((_, i) => ((split >> i) & 1) === 0) };
        const b = { collateral: [], positions: all.positions.filter((_, i) => ((split >> i) & 1) === 1) };
        const sum = computeMargin(params, a, health).scanRiskE26 + computeMargin(params, b, health).scanRiskE26;
        assert.ok(computeMargin(params, all, health).scanRiskE26 <= sum);
      }),
      { numRuns: 200 },
    );
  });

  it("an offsetting position (the exact opposite) brings scan risk and loss to zero", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, health }) => {
        const params = parseRiskParams(pj);
        const p = parsePortfolio(book, params);
        // the opposite book alone has the negated scenario losses; together they net to zero
        const opposite = { collateral: [], positions: p.positions.map((x) => ({ ...x, quantityBase: -x.quantityBase })) };
        const r = computeMargin(params, p, health);
        const o = computeMargin(params, opposite, health);
        r.scenarioLossE26.forEach((l, k) => assert.equal(l + o.scenarioLossE26[k]!, 0n));
      }),
      { numRuns: 100 },
    );
  });

  it("display figures round against the prover", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, health }) => {
        const params = parseRiskParams(pj);
        const r = computeMargin(params, parsePortfolio(book, params), health);
        const j = marginReportJson(r, params);
        const e8 = (s: string) => q(s);
        assert.ok(cmp(e8(j.adjustedCollateral), { n: r.adjustedCollateralE30, d: 10n ** 30n }) <= 0);
        assert.ok(cmp(e8(j.requirement), { n: r.requirementE26, d: 10n ** 26n }) >= 0);
        assert.ok(cmp(e8(j.excess), { n: r.excessE30, d: 10n ** 30n }) <= 0);
      }),
      { numRuns: 200 },
    );
  });
});
