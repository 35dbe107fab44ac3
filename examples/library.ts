/**
 * zkmargin as a library: the program of README's "Use as a library", as it stands there (the
 * README's code block is this file from its first import on). test/index.test.ts type-checks it
 * against the package's exports; test/consumer/consumer.test.ts copies the README's text into a
 * project that installed the packed package, compiles it with the README's tsconfig.json (TypeScript
 * 5 and 7) and runs it. It reads only files the installed package ships (its examples/); the first
 * run makes the INSECURE dev setup of the `small` circuit (a few minutes; cached after).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  checkOpening,
  computeMargin,
  formatMarginReport,
  isZkMarginError,
  marginReportJson,
  parseBundle,
  parsePortfolio,
  parseRiskParams,
  proveMargin,
  provingArtifacts,
  readJsonFile,
  releaseCurve,
  setupCircuit,
  smallestConfigFor,
  verifyMargin,
  ShortfallError,
} from "zkmargin";

// The example parameters and book ship inside the package (node_modules/zkmargin/examples/).
const example = (file: string) => fileURLToPath(new URL(`examples/${file}`, import.meta.resolve("zkmargin/package.json")));

try {
  // 1. The pool's published risk parameters and the prover's private book (strict JSON: a key
  //    given twice is an error, and so is any value outside its rule, naming the field).
  const params = parseRiskParams(readJsonFile(example("params.json"), "risk parameters"));
  const portfolio = parsePortfolio(readJsonFile(example("hedged-book.json"), "portfolio"), params);

  // 2. The exact margin check, at 1.25x health with a 10,000.00 USD credit limit (in cents).
  const healthBps = 12500;
  const creditLimitCents = 1_000_000n;
  const margin = computeMargin(params, portfolio, healthBps, creditLimitCents);
  console.log(formatMarginReport(marginReportJson(margin, params)));
  if (!margin.ok) throw new Error("the book does not pass; nothing to prove");

  // 3. The smallest circuit that holds the book, and its Groth16 setup (dev setup: INSECURE).
  const config = smallestConfigFor({
    collateral: portfolio.collateral.length,
    positions: portfolio.positions.length,
    groups: new Set(portfolio.positions.map((p) => p.instrument.groupId)).size,
  });
  const setup = await setupCircuit(config, { progress: (m) => console.error(m) });

  // 4. Prove, bound to the verifier's challenge (or an on-chain context: zkmargin/chain deriveContext).
  const context = 0xabc123n;
  const { bundle, opening } = await proveMargin({
    params,
    portfolio,
    healthBps,
    creditLimitCents,
    context,
    config,
    artifacts: provingArtifacts(setup),
  });
  // `bundle` is public (JSON-friendly); `opening` (salt and holdings) is private: keep it, or give
  // it only to an attestor, who checks it against the parameters and the bundle's commitment.
  const checked = checkOpening(JSON.parse(JSON.stringify(opening)), params, config);
  console.log(`opening matches commitment ${checked.commitment === BigInt(bundle.commitment)}`);

  // 5. The verifier's side: the bundle as received, the verification key, its own requirements.
  const received = parseBundle(JSON.parse(JSON.stringify(bundle)));
  const vkey: unknown = JSON.parse(readFileSync(setup.vkey, "utf8"));
  const result = await verifyMargin(received, vkey, { params, minHealthBps: healthBps, minCreditLimitCents: creditLimitCents, context });
  // each check: status "ok", "warn" (passes; says what was not checked) or "fail" (with found/expected)
  for (const c of result.checks) console.log(`${c.status} ${c.name}: ${c.detail}${c.found ? ` (found ${c.found}, expected ${c.expected})` : ""}`);
  console.log(result.valid ? `VALID${result.insecure ? " (INSECURE dev key)" : ""}` : "INVALID");
} catch (e) {
  // A shortfall carries the engine's report; every other input error names its field and value.
  if (e instanceof ShortfallError) console.error(formatMarginReport(e.report));
  if (isZkMarginError(e)) console.error(`error [${e.code}] ${e.message}`);
  else throw e;
  process.exitCode = 1;
} finally {
  await releaseCurve();
}
