import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, repoFile } from "../helpers.js";

// These run the real `zkmargin` bin (bin/zkmargin.js -> dist/), as a user would.
const BIN = repoFile("bin/zkmargin.js");
function zk(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const tmp = mkdtempSync(join(tmpdir(), "zkmargin-cli-"));
const write = (name: string, content: unknown) => {
  const f = join(tmp, name);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
};
const PARAMS = repoFile("examples/params.json");
const ex = (f: string) => repoFile(`examples/${f}`);
const noStack = (s: string) => assert.ok(!/\n\s+at /.test(s), `stack trace in output:\n${s}`);

describe("cli", function () {
  this.timeout(30000);

  it("params build reproduces examples/params.json from examples/market.json", () => {
    const out = join(tmp, "params.json");
    const r = zk("params", "build", ex("market.json"), "-o", out, "--report", join(tmp, "report.json"));
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(out, "utf8"), readFileSync(PARAMS, "utf8"));
    assert.match(r.out, /paramsRoot 0x[0-9a-f]{64}/);
    const report = JSON.parse(readFileSync(join(tmp, "report.json"), "utf8"));
    assert.ok(report.instruments.length > 10);
  });

  it("params build refuses a bad market file and writes nothing", () => {
    const market = JSON.parse(readFileSync(ex("market.json"), "utf8"));
    market.underlyings[0].spot = "-5";
    const out = join(tmp, "never.json");
    const r = zk("params", "build", write("bad-market.json", market), "-o", out);
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: market file ".*bad-market\.json": underlyings\[0\]\.spot: /);
    assert.ok(!existsSync(out));
    noStack(r.err);
  });

  it("params root prints the root, and --json the same root", () => {
    const text = zk("params", "root", PARAMS);
    assert.equal(text.code, 0);
    const j = JSON.parse(zk("params", "root", PARAMS, "--json").out);
    assert.match(j.paramsRoot, /^0x[0-9a-f]{64}$/);
    assert.ok(text.out.includes(j.paramsRoot));
    assert.equal(BigInt(j.paramsRoot), BigInt(j.paramsRootDecimal));
    assert.equal(j.epoch, 7);
    assert.equal(j.groups, 3);
    assert.equal(j.maxStatementAge, 3600);
    assert.equal(j.asOfUnix, 1795190400);
    assert.match(j.groupRoot, /^0x[0-9a-f]{64}$/);
    assert.match(text.out, /groupRoot\s+0x[0-9a-f]{64}\s+\(3 risk groups, 22 instruments\)/);
  });

  it("params root refuses a version-1 file and says how to rebuild it", () => {
    const v1 = JSON.parse(readFileSync(PARAMS, "utf8"));
    v1.version = 1;
    delete v1.groups;
    const r = zk("params", "root", write("v1.json", v1));
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: risk parameters file ".*v1\.json": version: version 1 risk parameters are no longer accepted/);
    assert.match(r.err, /zkmargin params build <market\.json>/);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    const c = zk("check", "--params", write("v1.json", v1), "--portfolio", ex("hedged-book.json"));
    assert.equal(c.code, 2);
    assert.match(c.err, /no longer accepted/);
  });

  it("check: a hedged book passes (exit 0), a naked one fails (exit 1), with the documented JSON", () => {
    const pass = zk("check", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--json");
    assert.equal(pass.code, 0, pass.err);
    const j = JSON.parse(pass.out);
    for (const k of ["ok", "healthBps", "creditLimit", "collateralValue", "adjustedCollateral", "scanRisk", "shortOptionMinimum", "requirement", "excess", "groups"]) {
      assert.ok(k in j, `missing ${k}`);
    }
    for (const k of ["creditLimit", "collateralValue", "adjustedCollateral", "scanRisk", "shortOptionMinimum", "requirement", "excess"]) {
      assert.match(j[k], /^-?\d+\.\d{8}$/, k);
    }
    assert.equal(j.ok, true);
    assert.equal(j.healthBps, 12500);
    assert.equal(j.creditLimit, "0.00000000");
    // an ETH-only book touches one group
    assert.equal(j.groups.length, 1);
    const g = j.groups[0];
    assert.equal(g.group, "ETH");
    for (const k of ["scanRisk", "shortOptionMinimum", "requirement"]) assert.match(g[k], /^\d+\.\d{8}$/, k);
    assert.ok(Number.isInteger(g.worstScenario) && g.worstScenario >= 0 && g.worstScenario < 16);
    assert.equal(j.requirement, g.requirement);
    const fail = zk("check", "--params", PARAMS, "--portfolio", ex("naked-short-calls.json"), "--health-bps", "12500", "--json");
    assert.equal(fail.code, 1);
    const f = JSON.parse(fail.out);
    assert.equal(f.ok, false);
    assert.ok(f.excess.startsWith("-"));
    // the naked book needs far more than the hedged one
    assert.ok(Number(f.requirement) > 5 * Number(j.requirement));
  });

  it("check: the concentrated book passes at maintenance but not at 1.25x", () => {
    assert.equal(zk("check", "--params", PARAMS, "--portfolio", ex("concentrated-collateral.json"), "--health-bps", "10000").code, 0);
    const r = zk("check", "--params", PARAMS, "--portfolio", ex("concentrated-collateral.json"), "--health-bps", "12500");
    assert.equal(r.code, 1);
    assert.match(r.out, /above 20,000,000\.00\s+40\.00%/);
    assert.match(r.out, /Scenario losses per risk group/);
    assert.match(r.out, / \*\n/); // each group's worst scenario is marked
    assert.match(r.out, /Requirement per risk group/);
    assert.match(r.out, /^  BTC .*\n  ETH .*\n  sum /m);
    assert.match(r.out, /shortfall/);
    assert.match(r.out, /FAIL at 12500 bps/);
  });

  it("check: the BTC/ETH pair trade fails at 1.25x with $1,000 and shows both groups", () => {
    const r = zk("check", "--params", PARAMS, "--portfolio", ex("pair-trade.json"), "--health-bps", "12500", "--json");
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    // BTC: 10 x 91,000 x 10% = 91,000 (down 3/3); ETH: 250 x 3,012.55 x 12% = 90,376.50 (up 3/3)
    assert.deepEqual(
      j.groups.map((g: any) => [g.group, g.requirement, g.worstScenario]),
      [
        ["BTC", "91000.00000000", 12],
        ["ETH", "90376.50000000", 10],
      ],
    );
    assert.equal(j.requirement, "181376.50000000");
    assert.equal(j.ok, false);
    const text = zk("check", "--params", PARAMS, "--portfolio", ex("pair-trade.json"), "--health-bps", "12500");
    assert.equal(text.code, 1);
    assert.match(text.out, /BTC\s+91,000\.00\s+12 \(down 3\/3, vol up\)\s+0\.00\s+91,000\.00/);
    assert.match(text.out, /ETH\s+90,376\.50\s+10 \(up 3\/3, vol up\)\s+0\.00\s+90,376\.50/);
    assert.match(text.out, /sum\s+181,376\.50\s+0\.00\s+181,376\.50/);
    assert.match(text.out, /FAIL at 12500 bps/);
    // the collateral it needs at 1.25x: 1.25 x 181,376.50 / (0.9998 x 0.98) = 231,393.855302 USDC (rounded up)
    const enough = write("pair-enough.json", { collateral: { USDC: "231393.855302" }, positions: { "BTC-PERP": "10", "ETH-PERP": "-250" } });
    const short = write("pair-short.json", { collateral: { USDC: "231393.855301" }, positions: { "BTC-PERP": "10", "ETH-PERP": "-250" } });
    assert.equal(zk("check", "--params", PARAMS, "--portfolio", enough, "--health-bps", "12500").code, 0);
    assert.equal(zk("check", "--params", PARAMS, "--portfolio", short, "--health-bps", "12500").code, 1);
  });

  it("check: the cross-underlying hedge fails at 1.25x (BTC puts do not offset ETH risk)", () => {
    const r = zk("check", "--params", PARAMS, "--portfolio", ex("cross-hedge.json"), "--health-bps", "12500", "--json");
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.groups.map((g: any) => g.group), ["BTC", "ETH"]);
    assert.equal(j.groups[1].requirement, "108451.80000000"); // 300 x 361.506
    assert.equal(zk("check", "--params", PARAMS, "--portfolio", ex("cross-hedge.json"), "--health-bps", "10000").code, 1);
  });

  it("check --credit-limit: the limit is added to the requirement", () => {
    // small fixture: long 1 BTC-PERP (requirement 3,000), 10,000 USDC (adjusted 9,800): break-even 4,840 at 1.25x
    const book = write("credit.json", { collateral: { USDC: "10000" }, positions: { "BTC-PERP": "1" } });
    const at = zk("check", "--params", fixture("params-small.json"), "--portfolio", book, "--health-bps", "12500", "--credit-limit", "4840", "--json");
    assert.equal(at.code, 0, at.err);
    const j = JSON.parse(at.out);
    assert.equal(j.creditLimit, "4840.00000000");
    assert.equal(j.excess, "0.00000000");
    assert.equal(j.actualHealthBps, 12500);
    const over = zk("check", "--params", fixture("params-small.json"), "--portfolio", book, "--health-bps", "12500", "--credit-limit", "4840.01");
    assert.equal(over.code, 1);
    assert.match(over.out, /credit limit\s+4,840\.01/);
    assert.match(over.out, /FAIL at 12500 bps/);
  });

  const bad: [string, string[], RegExp][] = [
    ["a credit limit with 3 decimals", ["--credit-limit", "1.001"], /--credit-limit: "1\.001" has 3 decimal places, more than 2 decimal places \(USD cents\) allow/],
    ["a negative credit limit", ["--credit-limit", "-5"], /--credit-limit: must not be negative, got "-5"/],
    ["a credit limit of 2^64 cents", ["--credit-limit", "184467440737095516.16"], /--credit-limit: a credit limit must be >= 0 and below 2\^64 cents/],
    ["a credit limit that is not a number", ["--credit-limit", "lots"], /--credit-limit: "lots" is not a plain decimal/],
    ["health below 10000", ["--health-bps", "9000"], /--health-bps: must be an integer from 10000/],
    ["health not a number", ["--health-bps", "1.25x"], /--health-bps: must be a whole number of basis points/],
    ["missing params file", ["--params", "/nonexistent/p.json"], /cannot read risk parameters file "\/nonexistent\/p.json": no such file/],
    ["portfolio with a duplicate key", ["--portfolio", "DUP"], /collateral\.USDC: key given twice/],
    ["portfolio with an unknown symbol", ["--portfolio", "UNKNOWN"], /collateral\.DAI: unknown collateral asset "DAI"/],
    ["portfolio with too many decimals", ["--portfolio", "PRECISION"], /collateral\.USDC: "1\.0000001" has 7 decimal places, more than USDC's 6 decimals allow/],
    ["params that are not JSON", ["--params", "NOTJSON"], /is not valid JSON/],
  ];
  for (const [what, override, message] of bad) {
    it(`check exits 2 with a one-line error for ${what}`, () => {
      const files: Record<string, string> = {
        DUP: write("dup.json", '{"collateral": {"USDC": "1", "USDC": "2"}}'),
        UNKNOWN: write("unknown.json", { collateral: { DAI: "1" } }),
        PRECISION: write("precision.json", { collateral: { USDC: "1.0000001" } }),
        NOTJSON: write("notjson.json", "{ version: 1 }"),
      };
      const args: Record<string, string> = { "--params": PARAMS, "--portfolio": ex("hedged-book.json"), "--health-bps": "12500" };
      args[override[0]!] = files[override[1]!] ?? override[1]!;
      const r = zk("check", ...Object.entries(args).flat());
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, message);
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
      noStack(r.err);
    });
  }

  it("unknown commands and options exit 2; --help exits 0", () => {
    assert.equal(zk("frobnicate").code, 2);
    assert.equal(zk("check", "--bogus").code, 2);
    assert.equal(zk("check", "--params", PARAMS).code, 2); // missing --portfolio
    const help = zk("--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /params/);
  });

  it("check: a debt is listed on its own line, marked up, and can fail a book that passes without it", () => {
    // hedged book: requirement $8,000; ETH 5 -> $9,000 adjusted; WBTC -0.01 (debtBps 1500) -> -$575: $8,425
    const pos = { "ETH-C-2200": "-100", "ETH-PERP": "50" };
    const without = write("no-debt.json", { collateral: { ETH: "5" }, positions: pos });
    const withDebt = write("with-debt.json", { collateral: { ETH: "5", WBTC: "-0.01" }, positions: pos });
    assert.equal(zk("check", "--params", fixture("params-small.json"), "--portfolio", without, "--health-bps", "11000").code, 0);
    const r = zk("check", "--params", fixture("params-small.json"), "--portfolio", withDebt, "--health-bps", "11000");
    assert.equal(r.code, 1);
    assert.match(r.out, /Debts \(USD; a negative balance counts its value marked up/);
    assert.match(r.out, /WBTC\s+-0\.01\s+50000\s+-500\.00\s+15\.00%\s+-575\.00/);
    assert.match(r.out, /debts as counted 575\.00/);
    assert.match(r.out, /FAIL at 11000 bps/);
    const j = JSON.parse(zk("check", "--params", fixture("params-small.json"), "--portfolio", withDebt, "--health-bps", "11000", "--json").out);
    assert.equal(j.ok, false);
    assert.equal(j.debts, "575.00000000");
    assert.equal(j.adjustedCollateral, "8425.00000000");
    assert.equal(j.collateralValue, "9500.00000000");
    const wbtc = j.collateral.find((x: any) => x.symbol === "WBTC");
    assert.deepEqual({ ...wbtc }, { symbol: "WBTC", amount: "-0.01", price: "50000", value: "-500.00000000", adjusted: "-575.00000000", debt: true, debtBps: 1500, tiers: [] });
  });

  it("check on the small fixture matches the hand-worked figures", () => {
    const book = write("hedged-small.json", { collateral: { USDC: "10000" }, positions: { "ETH-C-2200": "-100", "ETH-PERP": "50" } });
    const r = zk("check", "--params", fixture("params-small.json"), "--portfolio", book, "--health-bps", "12250", "--json");
    assert.equal(r.code, 0);
    const j = JSON.parse(r.out);
    assert.equal(j.adjustedCollateral, "9800.00000000");
    assert.equal(j.requirement, "8000.00000000");
    assert.equal(j.excess, "0.00000000");
    assert.equal(j.groups[0].group, "ETH");
    assert.equal(j.groups[0].worstScenario, 10);
    assert.equal(zk("check", "--params", fixture("params-small.json"), "--portfolio", book, "--health-bps", "12251").code, 1);
  });
});
