import { strict as assert } from "node:assert";
import fc from "fast-check";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { computeMargin } from "../../src/engine/margin.js";
import { marginReportJson } from "../../src/engine/report.js";
import { formatScaledTrim } from "../../src/util/decimal.js";
import { arbCreditLimitCents, arbHealthBps, arbParams, arbParamsWith, arbPortfolioFor } from "../arbitraries.js";

// An independent reference over exact rationals, computed straight from the decimal strings
// (no common unit, no per-base-unit scaling): what docs/model.md's formulas say, nothing more.
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

/**
 * The v3 model (docs/model.md, "The margin formulas") over exact rationals: per-group scan risk and
 * short-option minimum, summed; credit limit in cents; a negative balance is a debt marked up. `credit` is a bigint number of cents.
 */
function reference(pj: any, portfolio: any, healthBps: number, credit = 0n) {
  let adjusted = ZERO;
  for (const [sym, amt] of Object.entries(portfolio.collateral as Record<string, string>)) {
    const a = pj.assets.find((x: any) => x.symbol === sym);
    const v = mul(q(amt), q(a.price));
    if (v.n < 0n) {
      // a debt: |value| * (10000 + debtBps) / 10000 counts against the collateral, no tier
      adjusted = add(adjusted, mul(v, { n: BigInt(10000 + a.debtBps), d: 10000n }));
      continue;
    }
    let lower = ZERO;
    for (const t of a.haircuts) {
      const upper = t.upTo === null ? null : q(t.upTo);
      let portion = max(ZERO, sub(v, lower));
      if (upper) portion = min(portion, sub(upper, lower));
      adjusted = add(adjusted, mul(portion, { n: BigInt(10000 - t.bps), d: 10000n }));
      if (upper) lower = upper;
    }
  }
  const positions = Object.entries(portfolio.positions as Record<string, string>).map(([sym, qty]) => {
    const ins = pj.instruments.find((x: any) => x.symbol === sym);
    return { ins, qty: q(qty) };
  }).filter((p) => p.qty.n !== 0n); // zero holdings are dropped: they touch no group
  // an instrument's group is a symbol, an integer id or a digit-string id
  const groupOf = (ins: any) => pj.groups.find((g: any) => g.symbol === ins.group || String(g.id) === String(ins.group));
  let requirement = ZERO;
  let scanSum = ZERO;
  let somSum = ZERO;
  const groups: { symbol: string; scan: Q; som: Q; requirement: Q }[] = [];
  for (const g of pj.groups) {
    const inG = positions.filter((p) => groupOf(p.ins) === g);
    if (inG.length === 0) continue;
    let scan = ZERO;
    for (let k = 0; k < 16; k++) {
      let loss = ZERO;
      for (const p of inG) loss = sub(loss, mul(p.qty, q(p.ins.riskArray[k])));
      scan = max(scan, loss);
    }
    let som = ZERO;
    for (const p of inG) som = add(som, mul(max(ZERO, sub(ZERO, p.qty)), q(p.ins.shortOptionMinimum)));
    const req = max(scan, som);
    groups.push({ symbol: g.symbol, scan, som, requirement: req });
    requirement = add(requirement, req);
    scanSum = add(scanSum, scan);
    somSum = add(somSum, som);
  }
  const creditUsd: Q = { n: credit, d: 100n };
  const ok = cmp(mul(int(10000), adjusted), mul(int(healthBps), add(requirement, creditUsd))) >= 0;
  return { adjusted, requirement, scanSum, somSum, groups, ok };
}

/** v1's model, for comparison: ONE scan over the whole book, requirement = max(0, max_k sum loss, sum shortMin). */
function referenceV1(pj: any, portfolio: any): Q {
  const positions = Object.entries(portfolio.positions as Record<string, string>).map(([sym, qty]) => ({
    ins: pj.instruments.find((x: any) => x.symbol === sym),
    qty: q(qty),
  }));
  let worst = ZERO;
  for (let k = 0; k < 16; k++) {
    let loss = ZERO;
    for (const p of positions) loss = sub(loss, mul(p.qty, q(p.ins.riskArray[k])));
    worst = max(worst, loss);
  }
  let som = ZERO;
  for (const p of positions) som = add(som, mul(max(ZERO, sub(ZERO, p.qty)), q(p.ins.shortOptionMinimum)));
  return max(worst, som);
}

const E26: Q = { n: 1n, d: 10n ** 26n };
const fromE26 = (x: bigint): Q => ({ n: x, d: 10n ** 26n });
const eqQ = (a: Q, b: Q) => cmp(a, b) === 0;

const withBook = arbParams.chain((pj) =>
  fc.record({ pj: fc.constant(pj), book: arbPortfolioFor(pj), health: arbHealthBps, credit: arbCreditLimitCents }),
);
const withOneGroupBook = arbParamsWith({ maxGroups: 1, maxInstruments: 6 }).chain((pj) =>
  fc.record({ pj: fc.constant(pj), book: arbPortfolioFor(pj), health: arbHealthBps }),
);

function run(pj: any, book: any, health: number, credit = 0n) {
  const params = parseRiskParams(pj);
  return computeMargin(params, parsePortfolio(book, params), health, credit);
}

/** The book restricted to the instruments of one group (collateral dropped). */
function onlyGroup(pj: any, book: any, symbol: string) {
  const inGroup = new Set(pj.instruments.filter((i: any) => i.group === symbol).map((i: any) => i.symbol));
  return { collateral: {}, positions: Object.fromEntries(Object.entries(book.positions).filter(([s]) => inGroup.has(s))) };
}

describe("engine: properties (fast-check)", () => {
  it("agrees with exact rational arithmetic on the decision and the figures, with a credit limit", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, health, credit }) => {
        const r = run(pj, book, health, credit);
        const ref = reference(pj, book, health, credit);
        assert.equal(r.ok, ref.ok);
        assert.ok(eqQ({ n: r.adjustedCollateralE30, d: 10n ** 30n }, ref.adjusted));
        assert.ok(eqQ(fromE26(r.requirementE26), ref.requirement));
        assert.ok(eqQ(fromE26(r.scanRiskE26), ref.scanSum));
        assert.ok(eqQ(fromE26(r.shortOptionMinimumE26), ref.somSum));
        assert.deepEqual(r.groups.map((g) => g.symbol), ref.groups.map((g) => g.symbol));
        r.groups.forEach((g, i) => {
          assert.ok(eqQ(fromE26(g.requirementE26), ref.groups[i]!.requirement));
          assert.ok(eqQ(fromE26(g.scanRiskE26), ref.groups[i]!.scan));
          assert.ok(eqQ(fromE26(g.shortOptionMinimumE26), ref.groups[i]!.som));
        });
        assert.equal(r.creditLimitE26, credit * 10n ** 24n);
      }),
      { numRuns: 300 },
    );
  });

  it("agrees on the decision near the threshold (health set to the exact break-even, +-1)", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, credit }) => {
        const r0 = run(pj, book, 10000, credit);
        const covered = r0.requirementE26 + r0.creditLimitE26;
        if (covered === 0n) return;
        const breakEven = r0.adjustedCollateralE30 / covered; // floor: the highest passing health
        for (const h of [breakEven - 1n, breakEven, breakEven + 1n]) {
          if (h < 10000n || h > 1_000_000n) continue;
          const r = run(pj, book, Number(h), credit);
          assert.equal(r.ok, reference(pj, book, Number(h), credit).ok);
          assert.equal(r.ok, h <= breakEven);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("agrees on books exactly at break-even and one base unit short of it", () => {
    // Collateral: one asset CASH at $1, 18 decimals, no haircut: one base unit adds exactly 1e12 E30.
    // The requirement and the credit limit are multiples of 1e12 E30 / healthBps (risk values have
    // 8 decimals, sizes at most 6), so health x (requirement + credit) is a whole number of CASH base units.
    const cash = { id: 999, symbol: "CASH", decimals: 18, price: "1", debtBps: 0, haircuts: [{ upTo: null, bps: 0 }] };
    let atEven = 0;
    fc.assert(
      fc.property(withBook, ({ pj, book, health, credit }) => {
        const pj2 = { ...pj, assets: [...pj.assets, cash] };
        const positionsOnly = { collateral: {}, positions: book.positions };
        const r0 = run(pj2, positionsOnly, health, credit);
        const neededE30 = BigInt(health) * (r0.requirementE26 + r0.creditLimitE26);
        assert.equal(neededE30 % 10n ** 12n, 0n);
        const units = neededE30 / 10n ** 12n;
        if (units === 0n || units >= 1n << 96n) return;
        const amount = (x: bigint) => {
          const s = x.toString().padStart(19, "0");
          return `${s.slice(0, -18)}.${s.slice(-18)}`;
        };
        const even = { collateral: { CASH: amount(units) }, positions: book.positions };
        const short = { collateral: { CASH: amount(units - 1n) }, positions: book.positions };
        const re = run(pj2, even, health, credit);
        assert.equal(re.excessE30, 0n);
        assert.ok(re.ok);
        assert.ok(reference(pj2, even, health, credit).ok);
        const rs = run(pj2, short, health, credit);
        assert.equal(rs.excessE30, -(10n ** 12n));
        assert.ok(!rs.ok);
        assert.ok(!reference(pj2, short, health, credit).ok);
        atEven++;
      }),
      { numRuns: 200 },
    );
    assert.ok(atEven > 50, `only ${atEven} break-even books`);
  });

  it("with a debt: exactly at break-even passes, one base unit short fails, and the debt left out would pass", () => {
    // CASH at $1, 18 decimals, no haircut (one base unit = 1e12 E30); LOAN at $1, 18 decimals, debtBps d:
    // a debt of L base units (L a multiple of 10000) counts exactly L * (10000 + d) / 10000 CASH units.
    const cash = { id: 999, symbol: "CASH", decimals: 18, price: "1", debtBps: 0, haircuts: [{ upTo: null, bps: 0 }] };
    let atEven = 0;
    fc.assert(
      fc.property(
        withBook,
        fc.integer({ min: 0, max: 10000 }),
        fc.bigInt({ min: 1n, max: 10n ** 20n }),
        ({ pj, book, health, credit }, d, l) => {
          const loan = { id: 998, symbol: "LOAN", decimals: 18, price: "1", debtBps: d, haircuts: [{ upTo: null, bps: 500 }] };
          const pj2 = { ...pj, assets: [...pj.assets, loan, cash] };
          const L = l * 10000n;
          const r0 = run(pj2, { collateral: {}, positions: book.positions }, health, credit);
          const neededE30 = BigInt(health) * (r0.requirementE26 + r0.creditLimitE26);
          const units = neededE30 / 10n ** 12n + (L * BigInt(10000 + d)) / 10000n;
          if (units >= 1n << 96n) return;
          const amount = (x: bigint) => {
            const neg = x < 0n;
            const s = (neg ? -x : x).toString().padStart(19, "0");
            return `${neg ? "-" : ""}${s.slice(0, -18)}.${s.slice(-18)}`;
          };
          const even = { collateral: { CASH: amount(units), LOAN: amount(-L) }, positions: book.positions };
          const short = { collateral: { CASH: amount(units - 1n), LOAN: amount(-L) }, positions: book.positions };
          const re = run(pj2, even, health, credit);
          assert.equal(re.excessE30, 0n);
          assert.ok(re.ok && reference(pj2, even, health, credit).ok);
          const rs = run(pj2, short, health, credit);
          assert.equal(rs.excessE30, -(10n ** 12n));
          assert.ok(!rs.ok && !reference(pj2, short, health, credit).ok);
          // the debt counts in full: without it the short book would pass, and the debt is never haircut
          const dropped = run(pj2, { collateral: { CASH: amount(units - 1n) }, positions: book.positions }, health, credit);
          assert.ok(dropped.ok);
          const debtLine = rs.collateral.find((x) => x.symbol === "LOAN")!;
          assert.equal(debtLine.debt, true);
          assert.deepEqual(debtLine.tiers, []);
          assert.equal(debtLine.adjustedE30, -L * 10n ** 8n * BigInt(10000 + d));
          atEven++;
        },
      ),
      { numRuns: 200 },
    );
    assert.ok(atEven > 50, `only ${atEven} break-even books`);
  });

  it("(a) a book whose instruments all sit in one group gives v1's figures", () => {
    fc.assert(
      fc.property(withOneGroupBook, ({ pj, book, health }) => {
        const r = run(pj, book, health);
        assert.ok(eqQ(fromE26(r.requirementE26), referenceV1(pj, book)));
        assert.ok(r.groups.length <= 1);
        // and the v2 reference agrees with v1 on it
        assert.ok(eqQ(reference(pj, book, health).requirement, referenceV1(pj, book)));
      }),
      { numRuns: 200 },
    );
  });

  it("(a') moving every instrument into one group turns v2 into v1 on any book", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, health }) => {
        const merged = { ...pj, groups: [{ id: 5, symbol: "ALL" }], instruments: (pj.instruments as any[]).map((i) => ({ ...i, group: "ALL" })) };
        const r = run(merged, book, health);
        assert.ok(eqQ(fromE26(r.requirementE26), referenceV1(pj, book)));
        // v2 with several groups never asks less than v1 (no credit between groups)
        assert.ok(cmp(fromE26(run(pj, book, health).requirementE26), referenceV1(pj, book)) >= 0);
      }),
      { numRuns: 200 },
    );
  });

  it("(b) adding a position in a new group never lowers the requirement", () => {
    fc.assert(
      fc.property(withBook, fc.nat(), fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), ({ pj, book, health }, pick, qtyBase) => {
        const params = parseRiskParams(pj);
        const touched = new Set(parsePortfolio(book, params).positions.map((p) => p.instrument.groupId));
        const fresh = params.instruments.filter((i) => !touched.has(i.groupId));
        if (fresh.length === 0 || qtyBase === 0n) return;
        const ins = fresh[pick % fresh.length]!;
        const before = run(pj, book, health);
        const after = run(pj, { ...book, positions: { ...book.positions, [ins.symbol]: formatScaledTrim(qtyBase, ins.decimals) } }, health);
        assert.ok(after.requirementE26 >= before.requirementE26);
        assert.equal(after.groups.length, before.groups.length + 1);
        if (!before.ok) assert.ok(!after.ok);
      }),
      { numRuns: 300 },
    );
  });

  it("(c) the requirement is the sum of the requirements of the book split by group", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, health }) => {
        const whole = run(pj, book, health);
        let sum = 0n;
        for (const g of pj.groups) {
          const part = run(pj, onlyGroup(pj, book, g.symbol), health);
          sum += part.requirementE26;
          const mine = whole.groups.find((x) => x.symbol === g.symbol);
          assert.equal(part.requirementE26, mine?.requirementE26 ?? 0n);
          assert.deepEqual(part.groups[0]?.scenarioLossE26, mine?.scenarioLossE26);
        }
        assert.equal(whole.requirementE26, sum);
      }),
      { numRuns: 300 },
    );
  });

  it("a credit limit raises the collateral needed by exactly health x limit", () => {
    fc.assert(
      fc.property(withBook, ({ pj, book, health, credit }) => {
        const a = run(pj, book, health, 0n);
        const b = run(pj, book, health, credit);
        assert.equal(a.excessE30 - b.excessE30, BigInt(health) * credit * 10n ** 24n);
        assert.equal(b.requirementE26, a.requirementE26);
        if (b.ok) assert.ok(a.ok);
      }),
      { numRuns: 200 },
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
        const pj2 = { ...pj, assets: [...pj.assets].reverse(), groups: [...pj.groups].reverse(), instruments: [...pj.instruments].reverse() };
        const a = run(pj, book, health);
        const b = run(pj2, reordered, health);
        assert.equal(a.ok, b.ok);
        assert.equal(a.adjustedCollateralE30, b.adjustedCollateralE30);
        assert.deepEqual(a.groups, b.groups);
        assert.equal(a.requirementE26, b.requirementE26);
      }),
      { numRuns: 200 },
    );
  });

  it("more collateral never lowers adjusted collateral (from a debt too: less debt, then a holding)", () => {
    fc.assert(
      fc.property(withBook, fc.nat({ max: 3 }), fc.bigInt({ min: 1n, max: 10n ** 20n }), ({ pj, book, health }, which, extraBase) => {
        const asset = pj.assets[which % pj.assets.length]!;
        const before = run(pj, book, health);
        const params = parseRiskParams(pj);
        const a = params.assets.find((x) => x.symbol === asset.symbol)!;
        const cur = parsePortfolio(book, params).collateral.find((c) => c.asset.symbol === asset.symbol)?.amountBase ?? 0n;
        const more = cur + extraBase;
        if (more >= 1n << 96n) return;
        const amount = formatScaledTrim(more, a.decimals); // signed: the balance may start as a debt
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
        r.groups.forEach((g, i) => g.scenarioLossE26.forEach((l, k) => assert.equal(l + o.groups[i]!.scenarioLossE26[k]!, 0n)));
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
        // the top-level figures are the exact totals rounded up once: at least the exact value, less
        // than one unit of the 8th place above it, and never above the sum of the rounded group figures
        const sum = (xs: string[]) => xs.reduce((acc, x) => add(acc, q(x)), ZERO);
        const unit: Q = { n: 1n, d: 10n ** 8n };
        for (const [total, exactE26, perGroup] of [
          [j.requirement, r.requirementE26, j.groups.map((g) => g.requirement)],
          [j.scanRisk, r.scanRiskE26, j.groups.map((g) => g.scanRisk)],
          [j.shortOptionMinimum, r.shortOptionMinimumE26, j.groups.map((g) => g.shortOptionMinimum)],
        ] as const) {
          assert.ok(cmp(q(total), fromE26(exactE26)) >= 0);
          assert.ok(cmp(q(total), add(fromE26(exactE26), unit)) < 0);
          assert.ok(cmp(q(total), sum(perGroup)) <= 0);
        }
        j.groups.forEach((g, i) => assert.ok(cmp(q(g.requirement), fromE26(r.groups[i]!.requirementE26)) >= 0));
      }),
      { numRuns: 200 },
    );
  });
});
