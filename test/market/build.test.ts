import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ZkMarginError } from "../../src/errors.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { normalCdf, normalPdf } from "../../src/market/normal.js";
import { blackScholesGreeks, blackScholesPrice, callPrice, putPrice } from "../../src/market/blackScholes.js";
import {
  SCENARIO_LABELS,
  buildRiskParams,
  doubleToDecimal,
  exactRational,
  formatGreeksReport,
} from "../../src/market/build.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/market.json", import.meta.url));

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

function baseMarket(): Json {
  return {
    version: 1,
    epoch: 7,
    asOf: "2026-11-20T16:00:00Z",
    underlyings: [{ symbol: "ETH", spot: "3000", volatility: "0.6", priceScanRange: "0.12", volScanRange: "0.1" }],
    assets: [
      { id: 2, symbol: "ETH", decimals: 18, price: "3000", haircuts: [{ upTo: null, bps: 1500 }] },
      { id: 1, symbol: "USDC", decimals: 6, price: "1", haircuts: [{ upTo: null, bps: 200 }] },
    ],
    instruments: [
      { id: 2001, symbol: "ETH-26DEC26-3000-C", kind: "call", underlying: "ETH", strike: "3000", expiry: "2026-12-26T08:00:00Z", contractSize: "1", decimals: 2 },
      { id: 1001, symbol: "ETH-PERP", kind: "perpetual", underlying: "ETH", contractSize: "1", decimals: 3 },
      { id: 1101, symbol: "ETH-26MAR27", kind: "future", underlying: "ETH", expiry: "2027-03-26T08:00:00Z", contractSize: "1", decimals: 3 },
    ],
  };
}

function throwsMarket(mutate: (m: Json) => void, code: string, path: string | undefined): ZkMarginError {
  const m = baseMarket();
  mutate(m);
  let caught: unknown;
  try {
    buildRiskParams(m);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ZkMarginError, `expected a ZkMarginError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.path, path, caught.message);
  return caught;
}

const label = (k: number): string => SCENARIO_LABELS[k] as string;
const idx = (l: string): number => SCENARIO_LABELS.indexOf(l);

describe("market: normal distribution", () => {
  it("has known values", () => {
    assert.equal(normalCdf(0), 0.5);
    assert.ok(Math.abs(normalCdf(1.96) - 0.9750021048517795) < 1e-15);
    assert.ok(Math.abs(normalPdf(0) - 0.3989422804014327) < 1e-16);
    const tails: [number, number][] = [
      [-3, 0.0013498980316300945],
      [-5, 2.866515718791939e-7],
      [-8, 6.220960574271784e-16],
      [-20, 2.7536241186062337e-89],
      [-37, 5.725571222524577e-300],
    ];
    for (const [x, ref] of tails) {
      assert.ok(Math.abs(normalCdf(x) - ref) / ref < 1e-12, `Φ(${x}) = ${normalCdf(x)} vs ${ref}`);
    }
    assert.equal(normalCdf(-Infinity), 0);
    assert.equal(normalCdf(Infinity), 1);
    assert.equal(normalCdf(-50), 0);
    assert.equal(normalCdf(50), 1);
  });

  it("is symmetric and monotone", () => {
    let prev = 0;
    for (let x = -10; x <= 10; x += 0.01) {
      const v = normalCdf(x);
      assert.ok(Math.abs(v + normalCdf(-x) - 1) < 2e-16, `symmetry at ${x}`);
      assert.ok(v >= prev, `monotone at ${x}`);
      prev = v;
    }
  });
});

describe("market: Black-Scholes", () => {
  it("matches the textbook value (S=100, K=100, T=1, σ=0.2, r=0.05)", () => {
    assert.equal(callPrice(100, 100, 1, 0.2, 0.05).toFixed(4), "10.4506");
    assert.equal(putPrice(100, 100, 1, 0.2, 0.05).toFixed(4), "5.5735");
  });

  it("satisfies put-call parity", () => {
    for (const [S, K, T, vol, r] of [
      [100, 100, 1, 0.2, 0.05],
      [3012.55, 4000, 0.0977, 0.65, 0],
      [91000, 60000, 0.34, 0.55, 0.03],
      [140, 200, 2, 1.2, -0.01],
    ] as const) {
      const c = callPrice(S, K, T, vol, r);
      const p = putPrice(S, K, T, vol, r);
      assert.ok(Math.abs(c - p - (S - K * Math.exp(-r * T))) < 1e-9 * S, `parity at S=${S} K=${K}`);
    }
  });

  it("has delta, gamma and vega equal to finite differences", () => {
    for (const right of ["call", "put"] as const) {
      for (const [spot, strike, time, vol, rate] of [
        [100, 110, 0.5, 0.3, 0.02],
        [3012.55, 2600, 0.1, 0.68, 0],
      ] as const) {
        const inp = { right, spot, strike, time, vol, rate };
        const g = blackScholesGreeks(inp);
        const h = spot * 1e-4;
        const up = blackScholesPrice({ ...inp, spot: spot + h });
        const dn = blackScholesPrice({ ...inp, spot: spot - h });
        assert.ok(Math.abs((up - dn) / (2 * h) - g.delta) < 1e-6, `${right} delta`);
        assert.ok(Math.abs((up - 2 * g.price + dn) / (h * h) - g.gamma) < 1e-4 * Math.max(g.gamma, 1e-6), `${right} gamma`);
        const dv = 1e-5;
        const vUp = blackScholesPrice({ ...inp, vol: vol + dv });
        const vDn = blackScholesPrice({ ...inp, vol: vol - dv });
        assert.ok(Math.abs((vUp - vDn) / (2 * dv) - g.vega) < 1e-5 * g.vega, `${right} vega`);
        assert.ok(Math.abs(g.vegaPerPoint - g.vega / 100) < 1e-12 * g.vega);
      }
    }
  });
});

describe("market: decimal conversion", () => {
  it("rounds doubles down exactly, never exponent notation or -0", () => {
    assert.equal(doubleToDecimal(-1e-9), "-0.00000001");
    assert.equal(doubleToDecimal(-0.000000011), "-0.00000002");
    assert.equal(doubleToDecimal(1e-9), "0");
    assert.equal(doubleToDecimal(-0), "0");
    assert.equal(doubleToDecimal(0.1), "0.1"); // 0.1000000000000000055... -> 0.1
    assert.equal(doubleToDecimal(-0.1), "-0.10000001"); // -0.1000000000000000055... -> down
    assert.equal(doubleToDecimal(-2.5), "-2.5");
    assert.equal(doubleToDecimal(1e25), "10000000000000000905969664");
    assert.equal(doubleToDecimal(0.1, 8, "up"), "0.10000001");
    const r = exactRational(0.75);
    assert.equal(r.n * 4n, r.d * 3n);
  });
});

describe("market: risk arrays", () => {
  it("has 16 scenarios in SPAN order", () => {
    assert.equal(SCENARIO_LABELS.length, 16);
    assert.equal(label(0), "unchanged, vol up");
    assert.equal(label(2), "up 1/3, vol up");
    assert.equal(label(13), "down 3/3, vol down");
    assert.equal(label(14), "extreme up");
    assert.equal(label(15), "extreme down");
  });

  it("gives exact perpetual and zero-rate future risk arrays", () => {
    const { params } = buildRiskParams(baseMarket());
    const perp = params.instruments.find((i) => i.symbol === "ETH-PERP");
    assert.ok(perp);
    assert.equal(perp.riskArray[idx("unchanged, vol up")], "0");
    assert.equal(perp.riskArray[idx("up 1/3, vol up")], "120");
    assert.equal(perp.riskArray[idx("down 1/3, vol down")], "-120");
    assert.equal(perp.riskArray[idx("up 2/3, vol down")], "240");
    assert.equal(perp.riskArray[idx("down 3/3, vol up")], "-360");
    assert.equal(perp.riskArray[idx("extreme up")], "252");
    assert.equal(perp.riskArray[idx("extreme down")], "-252");
    assert.equal(perp.shortOptionMinimum, "0");
    const fut = params.instruments.find((i) => i.symbol === "ETH-26MAR27");
    assert.deepEqual(fut?.riskArray, perp.riskArray);
  });

  it("rounds negative values down (losses never understated)", () => {
    const m = baseMarket();
    m.underlyings[0].spot = "1000";
    m.underlyings[0].priceScanRange = "0.1"; // 1/3 move = 33.333...
    const { params } = buildRiskParams(m);
    const perp = params.instruments.find((i) => i.symbol === "ETH-PERP");
    assert.equal(perp?.riskArray[idx("up 1/3, vol up")], "33.33333333");
    assert.equal(perp?.riskArray[idx("down 1/3, vol up")], "-33.33333334");
    assert.equal(perp?.riskArray[idx("down 2/3, vol up")], "-66.66666667");
  });

  it("scales by contract size and applies a non-zero rate to futures", () => {
    const m = baseMarket();
    m.scan = { riskFreeRate: "0.05" };
    m.instruments[1].contractSize = "0.1";
    const { params, report } = buildRiskParams(m);
    const perp = params.instruments.find((i) => i.symbol === "ETH-PERP");
    assert.equal(perp?.riskArray[idx("up 1/3, vol up")], "12");
    const fut = params.instruments.find((i) => i.symbol === "ETH-26MAR27");
    const T = report.instruments.find((i) => i.symbol === "ETH-26MAR27")?.timeToExpiryYears as number;
    const expected = 120 * Math.exp(0.05 * T);
    assert.ok(Math.abs(Number(fut?.riskArray[idx("up 1/3, vol up")]) - expected) < 1e-7);
  });

  it("prices options: a short call's worst scenario is an up move, a long call's a down move", () => {
    const { params, report } = buildRiskParams(baseMarket());
    const call = params.instruments.find((i) => i.kind === "option");
    assert.ok(call);
    const values = call.riskArray.map(Number);
    const shortWorst = values.indexOf(Math.max(...values)); // a short loses what a long gains
    assert.match(label(shortWorst), /^(up|extreme up)/);
    const r = report.instruments.find((i) => i.id === 2001);
    assert.ok(r);
    assert.match(label(r.worstScenario), /^(down|extreme down)/);
    assert.equal(`-${r.worstLoss}`, call.riskArray[r.worstScenario]);
    // vol up helps a long option at unchanged price, vol down hurts it
    assert.ok(values[idx("unchanged, vol up")]! > 0);
    assert.ok(values[idx("unchanged, vol down")]! < 0);
    // report greeks: an at-the-money call has delta near 0.5
    assert.ok(r.delta > 0.4 && r.delta < 0.7);
    assert.equal(call.shortOptionMinimum, "15"); // 0.005 * 3000 * 1
  });

  it("uses the option's own volatility and floors vol down at minVolatility", () => {
    const m = baseMarket();
    m.instruments[0].volatility = "0.05";
    m.scan = { minVolatility: "0.03" };
    const { params, report } = buildRiskParams(m);
    const opt = report.instruments.find((i) => i.id === 2001);
    assert.equal(opt?.volatility, 0.05);
    const T = opt?.timeToExpiryYears as number;
    const v0 = callPrice(3000, 3000, T, 0.05);
    const vDown = callPrice(3000, 3000, T, 0.03);
    const got = params.instruments.find((i) => i.id === 2001)?.riskArray[idx("unchanged, vol down")];
    assert.ok(Math.abs(Number(got) - (vDown - v0)) < 2e-8);
  });

  it("rounds the short option minimum up", () => {
    const m = baseMarket();
    m.underlyings[0].spot = "3012.55555555";
    const { params } = buildRiskParams(m);
    assert.equal(params.instruments.find((i) => i.id === 2001)?.shortOptionMinimum, "15.06277778");
  });

  it("outputs the documented shape (docs/model.md, \"Risk parameters\"), sorted by id, and leaves the input untouched", () => {
    const m = baseMarket();
    const before = JSON.stringify(m);
    const { params } = buildRiskParams(m);
    assert.equal(JSON.stringify(m), before);
    assert.deepEqual(Object.keys(params), ["version", "epoch", "asOf", "maxStatementAge", "scenarios", "assets", "groups", "instruments", "venues"]);
    assert.equal(params.version, 3);
    assert.equal(params.maxStatementAge, 3600);
    assert.deepEqual(params.groups, [{ id: 1, symbol: "ETH" }]);
    assert.deepEqual(params.venues, []);
    assert.equal(params.epoch, 7);
    assert.equal(params.asOf, "2026-11-20T16:00:00Z");
    assert.deepEqual(params.scenarios, [...SCENARIO_LABELS]);
    assert.deepEqual(params.assets.map((a: Json) => a.id), [1, 2]);
    // assets are copied through, each given a debtBps when the market file has none: by default its
    // last haircut tier's bps (a debt is marked up by as much as the largest holding is marked down)
    const last = (a: Json) => a.haircuts[a.haircuts.length - 1].bps;
    assert.deepEqual(params.assets[0], { ...m.assets[1], debtBps: last(m.assets[1]) });
    assert.deepEqual(Object.keys(params.assets[0] as Json), ["id", "symbol", "decimals", "price", "debtBps", "haircuts"]);
    const explicit = baseMarket();
    (explicit.assets[0] as Json).debtBps = 123;
    assert.equal((buildRiskParams(explicit).params.assets.find((a: Json) => a.id === (explicit.assets[0] as Json).id) as Json).debtBps, 123);
    assert.deepEqual(params.instruments.map((i) => i.id), [1001, 1101, 2001]);
    assert.deepEqual(params.instruments.map((i) => i.kind), ["perpetual", "future", "option"]);
    for (const i of params.instruments) {
      assert.deepEqual(Object.keys(i), ["id", "symbol", "kind", "group", "decimals", "riskArray", "shortOptionMinimum"]);
      assert.equal(i.group, "ETH");
      assert.equal(i.riskArray.length, 16);
      for (const v of i.riskArray) assert.match(v, /^-?(0|[1-9][0-9]*)(\.[0-9]{0,7}[1-9])?$/);
      assert.ok(!i.riskArray.includes("-0"));
    }
    assert.equal(JSON.stringify(buildRiskParams(baseMarket()).params), JSON.stringify(params));
  });

  it("builds the example market and formats a report", () => {
    const market = JSON.parse(readFileSync(EXAMPLE, "utf8"));
    const { params, report } = buildRiskParams(market);
    assert.ok(params.instruments.length >= 20 && params.instruments.length <= 30);
    assert.deepEqual(params.assets.map((a: Json) => a.id), [1, 2, 3, 4, 5]);
    assert.deepEqual(params.groups, [
      { id: 1, symbol: "BTC" },
      { id: 2, symbol: "ETH" },
      { id: 3, symbol: "SOL" },
    ]);
    assert.equal(params.maxStatementAge, 3600);
    assert.equal(params.venues.length, 1);
    const ids = params.instruments.map((i) => i.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    const text = formatGreeksReport(report);
    for (const i of params.instruments) assert.ok(text.includes(i.symbol));
    assert.match(text, /Worst scenario/);
    const eth = report.instruments.find((i) => i.symbol === "ETH-PERP");
    assert.equal(eth?.worstLoss, "361.506");
  });
});

describe("market: risk groups, statement age and venues (version-2 output)", () => {
  const twoUnderlyings = (): Json => {
    const m = baseMarket();
    m.underlyings.unshift({ symbol: "BTC", spot: "91000", volatility: "0.55", priceScanRange: "0.1", volScanRange: "0.1" });
    m.instruments.push({ id: 1002, symbol: "BTC-PERP", kind: "perpetual", underlying: "BTC", contractSize: "1", decimals: 4 });
    return m;
  };

  it("makes one group per underlying: id = 1-based position in underlyings, symbol = the underlying's", () => {
    const { params } = buildRiskParams(twoUnderlyings());
    assert.deepEqual(params.groups, [
      { id: 1, symbol: "BTC" },
      { id: 2, symbol: "ETH" },
    ]);
    assert.deepEqual(
      params.instruments.map((i) => [i.symbol, i.group]),
      [
        ["ETH-PERP", "ETH"],
        ["BTC-PERP", "BTC"],
        ["ETH-26MAR27", "ETH"],
        ["ETH-26DEC26-3000-C", "ETH"],
      ],
    );
    // the output passes the params parser: indexes inside each group
    const p = parseRiskParams(params);
    assert.deepEqual(p.instruments.map((i) => [i.symbol, i.groupId, i.index]), [
      ["ETH-PERP", 2, 0],
      ["BTC-PERP", 1, 0],
      ["ETH-26MAR27", 2, 1],
      ["ETH-26DEC26-3000-C", 2, 2],
    ]);
  });

  it("an underlying may fix its group id; groups come out sorted by id", () => {
    const m = twoUnderlyings();
    m.underlyings[0].groupId = 40;
    m.underlyings[1].groupId = 7;
    const { params, report } = buildRiskParams(m);
    assert.deepEqual(params.groups, [
      { id: 7, symbol: "ETH" },
      { id: 40, symbol: "BTC" },
    ]);
    assert.equal(report.underlyings[0]!.groupId, 40);
    m.underlyings[1].groupId = 40;
    throwsMarketWith(m, "MARKET", "underlyings[1].groupId");
    const d = twoUnderlyings();
    d.underlyings[1].groupId = 1; // BTC defaults to 1
    throwsMarketWith(d, "MARKET", "underlyings[1].groupId");
    const f = twoUnderlyings();
    f.underlyings[0].groupId = 2 ** 32;
    throwsMarketWith(f, "MARKET", "underlyings[0].groupId");
  });

  it("copies maxStatementAge (default 3600) and venues (default [], sorted by id)", () => {
    const m = baseMarket();
    m.maxStatementAge = 600;
    const key = ["4289499429992702284556555395359763956246983489384691736448422673090747591081", "20180210898984218513837887179057170251227584129637889880235571111984574171192"];
    m.venues = [
      { id: 5, name: "B", publicKey: key },
      { id: 2, name: "A", publicKey: key },
    ];
    const { params } = buildRiskParams(m);
    assert.equal(params.maxStatementAge, 600);
    assert.deepEqual((params.venues as { id: number }[]).map((v) => v.id), [2, 5]);
    assert.equal(parseRiskParams(params).venues.length, 2);
    throwsMarket((x) => (x.maxStatementAge = -1), "MARKET", "maxStatementAge");
    throwsMarket((x) => (x.maxStatementAge = 2 ** 40), "MARKET", "maxStatementAge");
    throwsMarket((x) => (x.maxStatementAge = "3600"), "MARKET", "maxStatementAge");
    throwsMarket((x) => (x.venues = {}), "MARKET", "venues");
  });

  it("refuses an asOf that is not a whole second", () => {
    const e = throwsMarket((m) => (m.asOf = "2026-11-20T16:00:00.250Z"), "MARKET", "asOf");
    assert.equal(e.limit, "whole seconds");
    assert.doesNotThrow(() => buildRiskParams({ ...baseMarket(), asOf: "2026-11-20T16:00:00.000Z" }));
  });
});

function throwsMarketWith(m: Json, code: string, path: string): ZkMarginError {
  try {
    buildRiskParams(m);
  } catch (e) {
    assert.ok(e instanceof ZkMarginError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.path, path, e.message);
    return e;
  }
  assert.fail(`expected ${code} at ${path}`);
}

describe("market: validation errors", () => {
  it("refuses a non-object, a bad version and extra or missing fields", () => {
    assert.throws(() => buildRiskParams([]), (e: unknown) => e instanceof ZkMarginError && e.code === "MARKET");
    throwsMarket((m) => (m.version = 2), "MARKET", "version");
    throwsMarket((m) => (m.extra = 1), "MARKET", "extra");
    throwsMarket((m) => delete m.epoch, "MARKET", "epoch");
    throwsMarket((m) => (m.epoch = -1), "MARKET", "epoch");
    throwsMarket((m) => (m.epoch = 1.5), "MARKET", "epoch");
    throwsMarket((m) => delete m.underlyings[0].volScanRange, "MARKET", "underlyings[0].volScanRange");
    throwsMarket((m) => (m.underlyings[0].color = "blue"), "MARKET", "underlyings[0].color");
    throwsMarket((m) => delete m.instruments[1].contractSize, "MARKET", "instruments[1].contractSize");
    throwsMarket((m) => (m.instruments[1].note = "x"), "MARKET", "instruments[1].note");
    throwsMarket((m) => (m.instruments[1].strike = "3000"), "MARKET", "instruments[1].strike");
    throwsMarket((m) => delete m.instruments[0].strike, "MARKET", "instruments[0].strike");
    throwsMarket((m) => (m.instruments[2].volatility = "0.5"), "MARKET", "instruments[2].volatility");
    throwsMarket((m) => (m.instruments[0].kind = "swaption"), "MARKET", "instruments[0].kind");
    throwsMarket((m) => (m.scan = { extremeMultiple: "2", bogus: "1" }), "MARKET", "scan.bogus");
    throwsMarket((m) => (m.assets = {}), "MARKET", "assets");
    throwsMarket((m) => (m.instruments = null), "MARKET", "instruments");
  });

  it("refuses unknown underlyings and duplicates", () => {
    const e = throwsMarket((m) => (m.instruments[1].underlying = "BTC"), "MARKET", "instruments[1].underlying");
    assert.equal(e.value, "BTC");
    assert.equal(e.limit, "one of ETH");
    throwsMarket((m) => (m.instruments[2].id = 2001), "MARKET", "instruments[2].id");
    throwsMarket((m) => (m.instruments[2].symbol = "ETH-PERP"), "MARKET", "instruments[2].symbol");
    throwsMarket((m) => m.underlyings.push({ ...m.underlyings[0] }), "MARKET", "underlyings[1].symbol");
    throwsMarket((m) => (m.instruments[1].symbol = "1234"), "MARKET", "instruments[1].symbol");
    throwsMarket((m) => (m.instruments[1].id = -1), "MARKET", "instruments[1].id");
    throwsMarket((m) => (m.instruments[2].symbol = "eth-perp"), "MARKET", "instruments[2].symbol");
    throwsMarket((m) => (m.instruments[1].id = 2 ** 32), "MARKET", "instruments[1].id");
  });

  it("refuses expired instruments and bad dates", () => {
    const e = throwsMarket((m) => (m.instruments[0].expiry = "2026-11-20T16:00:00Z"), "MARKET", "instruments[0].expiry");
    assert.equal(e.limit, "> asOf");
    throwsMarket((m) => (m.instruments[2].expiry = "2026-01-01T00:00:00Z"), "MARKET", "instruments[2].expiry");
    throwsMarket((m) => (m.instruments[0].expiry = "2027-02-30T08:00:00Z"), "MARKET", "instruments[0].expiry");
    throwsMarket((m) => (m.instruments[0].expiry = "2026-12-26"), "MARKET", "instruments[0].expiry");
    throwsMarket((m) => (m.instruments[0].expiry = "2026-12-26T25:00:00Z"), "MARKET", "instruments[0].expiry");
    throwsMarket((m) => (m.asOf = "yesterday"), "MARKET", "asOf");
    throwsMarket((m) => (m.asOf = 1763654400000), "MARKET", "asOf");
    // an offset is honoured: 17:00+01:00 is 16:00Z, equal to asOf -> expired
    throwsMarket((m) => (m.instruments[0].expiry = "2026-11-20T17:00:00+01:00"), "MARKET", "instruments[0].expiry");
  });

  it("refuses non-positive or out-of-range numbers", () => {
    const e = throwsMarket((m) => (m.underlyings[0].spot = "0"), "MARKET", "underlyings[0].spot");
    assert.equal(e.limit, "> 0");
    throwsMarket((m) => (m.underlyings[0].spot = "-5"), "OUT_OF_RANGE", "underlyings[0].spot");
    throwsMarket((m) => (m.underlyings[0].volatility = "0"), "MARKET", "underlyings[0].volatility");
    throwsMarket((m) => (m.instruments[0].volatility = "0"), "MARKET", "instruments[0].volatility");
    throwsMarket((m) => (m.instruments[0].strike = "0"), "MARKET", "instruments[0].strike");
    throwsMarket((m) => (m.instruments[1].contractSize = "0"), "MARKET", "instruments[1].contractSize");
    throwsMarket((m) => (m.instruments[1].decimals = 19), "MARKET", "instruments[1].decimals");
    throwsMarket((m) => (m.instruments[1].decimals = -1), "MARKET", "instruments[1].decimals");
    throwsMarket((m) => (m.instruments[1].decimals = "3"), "MARKET", "instruments[1].decimals");
    throwsMarket((m) => (m.underlyings[0].priceScanRange = "0"), "MARKET", "underlyings[0].priceScanRange");
    throwsMarket((m) => (m.underlyings[0].priceScanRange = "0.5"), "MARKET", "underlyings[0].priceScanRange");
    throwsMarket((m) => (m.scan = { extremeCoverFraction: "1.5" }), "MARKET", "scan.extremeCoverFraction");
    throwsMarket((m) => (m.scan = { minVolatility: "0" }), "MARKET", "scan.minVolatility");
    throwsMarket((m) => (m.scan = { riskFreeRate: "2" }), "MARKET", "scan.riskFreeRate");
  });

  it("refuses numbers where decimal strings are required, and excess precision", () => {
    throwsMarket((m) => (m.underlyings[0].spot = 3000), "DECIMAL_FORMAT", "underlyings[0].spot");
    throwsMarket((m) => (m.instruments[0].strike = 3000), "DECIMAL_FORMAT", "instruments[0].strike");
    throwsMarket((m) => (m.instruments[1].contractSize = "1e3"), "DECIMAL_FORMAT", "instruments[1].contractSize");
    throwsMarket((m) => (m.scan = { extremeMultiple: 2 }), "DECIMAL_FORMAT", "scan.extremeMultiple");
    throwsMarket((m) => (m.underlyings[0].spot = "3000.123456789"), "DECIMAL_PRECISION", "underlyings[0].spot");
  });

  it("enforces the per-base-unit bit budget", () => {
    const e = throwsMarket(
      (m) => {
        m.underlyings[0].spot = "1000000000";
        m.instruments[1].decimals = 0;
      },
      "MARKET",
      "instruments[1]",
    );
    assert.match(e.message, /2\^112/);
    // the same values fit with more decimals (smaller base unit)
    const m = baseMarket();
    m.underlyings[0].spot = "1000000000";
    m.instruments[1].decimals = 3;
    assert.doesNotThrow(() => buildRiskParams(m));
  });
});
