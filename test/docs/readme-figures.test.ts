import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { runCli } from "../../src/cli/main.js";
import { computeMargin } from "../../src/engine/margin.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { repoFile } from "../helpers.js";

// The USD figures README.md quotes for the example books are the ones `zkmargin check` prints for
// them (the same rounding: losses and requirements up, collateral down), read from its output here;
// the figures it does not print (one scan over the whole book, the USDC that would be enough) are
// computed from its --json output and the engine.

const PARAMS = repoFile("examples/params.json");
const readme = () => readFileSync(repoFile("README.md"), "utf8").replace(/\s+/g, " ");

async function check(book: string, healthBps: number, json = false) {
  let out = "";
  let err = "";
  const args = ["check", "--params", PARAMS, "--portfolio", repoFile(`examples/${book}`), "--health-bps", String(healthBps)];
  const code = await runCli(json ? [...args, "--json"] : args, { out: (s) => (out += s.endsWith("\n") ? s : `${s}\n`), err: (s) => (err += s) });
  return { code, out, err };
}

/** The figures of `check`'s text output: totals by label, and the per-group table's rows. */
function figures(out: string) {
  const line = (label: string) => {
    const m = new RegExp(`^${label.replace(/[()]/g, "\\$&")}\\s+(-?[\\d,]+\\.\\d\\d)$`, "m").exec(out);
    assert.ok(m, `no "${label}" line in check's output:\n${out}`);
    return m[1]!;
  };
  const table = out.split(/^Requirement per risk group.*$/m)[1];
  assert.ok(table, `no per-group table in check's output:\n${out}`);
  const groups: Record<string, { scanRisk: string; worst: string }> = {};
  for (const m of table.matchAll(/^ {2}([A-Z]+) +([\d,]+\.\d\d) +\d+ \(([^)]*)\)/gm)) groups[m[1]!] = { scanRisk: m[2]!, worst: m[3]! };
  return { groups, line };
}

/** Exact decimal strings (the --json figures, 8 places) as integers of 1e-8 USD. */
const e8 = (s: string) => {
  const [i, f = ""] = s.split(".");
  const neg = i!.startsWith("-");
  const v = BigInt(i!.replace("-", "")) * 10n ** 8n + BigInt(f.padEnd(8, "0").slice(0, 8));
  return neg ? -v : v;
};
/** 1e-8 USD rounded up to cents, formatted as `check` prints USD (2 places, thousands separators). */
const usdUp = (v: bigint) => {
  const cents = v >= 0n ? (v + 999_999n) / 1_000_000n : -(-v / 1_000_000n);
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
};

/** One scan over the whole book: the worst scenario of the groups' summed losses (from check --json), rounded up. */
async function singleScan(book: string) {
  const j = JSON.parse((await check(book, 12500, true)).out) as { groups: { scenarios: { loss: string }[] }[]; adjustedCollateral: string };
  const n = j.groups[0]!.scenarios.length;
  let worst = 0n;
  for (let k = 0; k < n; k++) {
    const total = j.groups.reduce((s, g) => s + e8(g.scenarios[k]!.loss), 0n);
    if (total > worst) worst = total;
  }
  return { worst, adjusted: e8(j.adjustedCollateral) };
}

describe("README's figures for the example books are `zkmargin check`'s", () => {
  it("pair-trade.json: per-group scan risks, requirement, required collateral and shortfall at 1.25x", async () => {
    const r = await check("pair-trade.json", 12500);
    assert.equal(r.code, 1, r.out + r.err);
    const { groups, line } = figures(r.out);
    const { BTC, ETH } = groups;
    assert.ok(BTC && ETH, r.out);
    const text = readme();
    const has = (phrase: string) => assert.ok(text.includes(phrase), `README lacks "${phrase}" (check prints:\n${r.out})`);
    has(`the BTC leg pays $${BTC.scanRisk} (10 × 91,000 × 10%, ${BTC.worst.split(",")[0]})`);
    has(`the ETH leg $${ETH.scanRisk} (250 × 3,012.55 × 12%, ${ETH.worst.split(",")[0]})`);
    has(`requirement $${line("requirement (sum of groups)")}, \`check\` fails it at 1.25x with a shortfall of $${line("shortfall")}.`);
    has(`At 1.25x it needs $${line("required at 12500 bps (1.25x)")} of haircut-adjusted collateral`);
    has(`each leg pays its own scan risk, $${line("requirement (sum of groups)")} in all`); // the demo's paragraph

    // One scan over the whole book (not printed by check): the legs offset.
    const single = await singleScan("pair-trade.json");
    has(`the requirement would be $${usdUp(single.worst)} (`);
    assert.ok(single.adjusted * 10000n >= 12500n * single.worst, "README: $1,000 of USDC would pass at 1.25x under one scan");
  });

  it("pair-trade.json: the USDC README says is enough at 1.25x is the least that passes", () => {
    const m = /it needs \$[\d,.]+ of haircut-adjusted collateral, that is \*\*([\d,]+\.(\d+)) USDC\*\* \(USDC at \$([\d.]+) with a (\d+)% haircut; about \$([\d,]+) at market value\)/.exec(readme());
    assert.ok(m, "README's USDC sentence for the pair trade not found");
    const [, amount, places, price, haircut, market] = m as unknown as [string, string, string, string, string, string];
    const params = parseRiskParams(JSON.parse(readFileSync(PARAMS, "utf8")));
    const book = JSON.parse(readFileSync(repoFile("examples/pair-trade.json"), "utf8")) as { positions: Record<string, string> };
    const usdc = params.assets.find((a) => a.symbol === "USDC")!;
    assert.equal(places.length, usdc.decimals, "README's USDC amount has USDC's decimals");
    const passes = (units: bigint) => {
      const whole = units / 10n ** BigInt(usdc.decimals);
      const frac = (units % 10n ** BigInt(usdc.decimals)).toString().padStart(usdc.decimals, "0");
      const portfolio = parsePortfolio({ collateral: { USDC: `${whole}.${frac}` }, positions: book.positions }, params);
      return computeMargin(params, portfolio, 12500, 0n).ok;
    };
    const units = BigInt(amount.replace(/[,.]/g, ""));
    assert.equal(passes(units), true, `${amount} USDC does not pass at 1.25x`);
    assert.equal(passes(units - 1n), false, `${amount} USDC less one base unit still passes at 1.25x: README's amount is not the least`);
    const json = JSON.parse(readFileSync(PARAMS, "utf8")) as { assets: { symbol: string; price: string; haircuts: { bps: number }[] }[] };
    const asset = json.assets.find((a) => a.symbol === "USDC")!;
    assert.equal(price, asset.price);
    assert.equal(Number(haircut) * 100, asset.haircuts[0]!.bps);
    // about $X at market value: the amount times the price, to the dollar
    const value = (units * BigInt(asset.price.replace(".", "")) + 5n * 10n ** BigInt(usdc.decimals + asset.price.split(".")[1]!.length - 1)) / 10n ** BigInt(usdc.decimals + asset.price.split(".")[1]!.length);
    assert.equal(market.replace(/,/g, ""), value.toString());
  });

  it("cross-hedge.json: per-group scan risks and requirement (fails even at 1.0x), and one scan over the book", async () => {
    const r = await check("cross-hedge.json", 12500);
    assert.equal(r.code, 1, r.out + r.err);
    const { groups, line } = figures(r.out);
    const { BTC, ETH } = groups;
    assert.ok(BTC && ETH, r.out);
    assert.match(ETH.worst, /^down /);
    assert.match(BTC.worst, /^up /);
    const text = readme();
    const has = (phrase: string) => assert.ok(text.includes(phrase), `README lacks "${phrase}" (check prints:\n${r.out})`);
    has(`ETH pays its own down move ($${ETH.scanRisk})`);
    has(`the BTC puts pay what they lose in a BTC rally ($${BTC.scanRisk}): $${line("requirement (sum of groups)")}, which fails even at 1.0x.`);
    assert.equal((await check("cross-hedge.json", 10000)).code, 1, "cross-hedge.json fails at 1.0x");

    const single = await singleScan("cross-hedge.json");
    has(`(requirement $${usdUp(single.worst)}, passes at 1.25x)`);
    assert.ok(single.adjusted * 10000n >= 12500n * single.worst, "README: under one scan the cross hedge passes at 1.25x");
  });
});
