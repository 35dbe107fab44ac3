import { Command, CommanderError, Option } from "commander";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import { computeMargin, checkHealthBps } from "../engine/margin.js";
import { formatMarginReport, marginReportJson } from "../engine/report.js";
import { parseRiskParams } from "../params/parse.js";
import { buildParamsTree } from "../params/tree.js";
import { toHex32 } from "../crypto/poseidon.js";
import { parsePortfolio } from "../portfolio/parse.js";
import { readJsonFile } from "../util/json.js";
import { toJsonText, writeFileAtomic } from "../util/files.js";
import { buildRiskParams, formatGreeksReport } from "../market/build.js";

/** Exit codes: 0 success / portfolio passes, 1 portfolio fails, 2 bad input, 3 internal error. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 3;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith("\n") ? s : `${s}\n`),
};

function parseHealth(v: string): number {
  if (!/^[0-9]+$/.test(v)) {
    throw new ZkMarginError("ARGUMENT", `must be a whole number of basis points such as 12500, got ${JSON.stringify(v)}`, {
      path: "--health-bps",
      value: v,
    });
  }
  return checkHealthBps(Number(v), "--health-bps");
}

function loadParams(file: string) {
  return parseRiskParams(readJsonFile(file, "risk parameters"));
}

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name("zkmargin")
    .description("Private portfolio-margin proofs: risk parameters, margin checks, proofs and on-chain attestations.")
    .version("0.1.0")
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");

  const params = program.command("params").description("risk parameters: build them from market data, compute their root");
  params
    .command("build")
    .description("oracle: compute SPAN-style risk arrays from a market file and write risk parameters")
    .argument("<market>", "market file (underlyings, collateral assets, instruments, scan definition)")
    .requiredOption("-o, --out <file>", "where to write the risk-parameter JSON")
    .option("--report <file>", "also write the greeks and worst scenarios per instrument as JSON")
    .option("--json", "print a JSON summary instead of the greeks table")
    .action((marketFile: string, opts: { out: string; report?: string; json?: boolean }) => {
      const market = readJsonFile(marketFile, "market");
      const { params: paramsJson, report } = buildRiskParams(market);
      const parsed = parseRiskParams(paramsJson); // the output must pass the same checks as any published file
      const tree = buildParamsTree(parsed);
      writeFileAtomic(opts.out, toJsonText(paramsJson));
      if (opts.report) writeFileAtomic(opts.report, toJsonText(report));
      if (opts.json) {
        io.out(
          toJsonText({
            out: opts.out,
            epoch: Number(parsed.epoch),
            assets: parsed.assets.length,
            instruments: parsed.instruments.length,
            paramsRoot: toHex32(tree.paramsRoot),
          }),
        );
      } else {
        io.out(formatGreeksReport(report));
        io.out(
          `\nwrote ${opts.out}: epoch ${parsed.epoch}, ${parsed.assets.length} assets, ${parsed.instruments.length} instruments` +
            `\nparamsRoot ${toHex32(tree.paramsRoot)}`,
        );
      }
    });

  params
    .command("root")
    .description("validate risk parameters and print the Poseidon root the pool posts on-chain")
    .argument("<params>", "risk-parameter JSON")
    .option("--json", "print JSON")
    .action((file: string, opts: { json?: boolean }) => {
      const parsed = loadParams(file);
      const tree = buildParamsTree(parsed);
      const summary = {
        paramsRoot: toHex32(tree.paramsRoot),
        paramsRootDecimal: tree.paramsRoot.toString(),
        epoch: Number(parsed.epoch),
        asOf: parsed.asOf,
        layout: parsed.layout.name,
        assetRoot: toHex32(tree.assetRoot),
        instrumentRoot: toHex32(tree.instrumentRoot),
        assets: parsed.assets.length,
        instruments: parsed.instruments.length,
      };
      if (opts.json) io.out(toJsonText(summary));
      else {
        io.out(
          [
            `paramsRoot      ${summary.paramsRoot}`,
            `                (${summary.paramsRootDecimal})`,
            `epoch           ${summary.epoch} (as of ${summary.asOf})`,
            `layout          ${summary.layout}`,
            `assetRoot       ${summary.assetRoot}  (${summary.assets} assets)`,
            `instrumentRoot  ${summary.instrumentRoot}  (${summary.instruments} instruments)`,
          ].join("\n"),
        );
      }
    });

  program
    .command("check")
    .description("compute a portfolio's margin exactly and say whether it passes at a health level (no proof)")
    .requiredOption("--params <file>", "risk-parameter JSON")
    .requiredOption("--portfolio <file>", "private portfolio JSON")
    .addOption(new Option("--health-bps <bps>", "required health in basis points (10000 = maintenance)").default("10000"))
    .option("--json", "print one JSON object")
    .action((opts: { params: string; portfolio: string; healthBps: string; json?: boolean }) => {
      const healthBps = parseHealth(opts.healthBps);
      const parsed = loadParams(opts.params);
      const portfolio = parsePortfolio(readJsonFile(opts.portfolio, "portfolio"), parsed);
      const result = computeMargin(parsed, portfolio, healthBps);
      const report = marginReportJson(result, parsed);
      io.out(opts.json ? toJsonText(report) : formatMarginReport(report));
      setExit(result.ok ? EXIT_OK : EXIT_FAIL);
    });

  return program;
}

/** Run the CLI on `argv` (without node and script) and return the exit code. Never throws. */
export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT_OK;
      return EXIT_BAD_INPUT;
    }
    if (isZkMarginError(e)) {
      io.err(`error: ${e.message}`);
      return EXIT_BAD_INPUT;
    }
    io.err(`internal error: ${(e as Error)?.message ?? String(e)}`);
    if (process.env.ZKMARGIN_DEBUG) io.err(String((e as Error)?.stack));
    else io.err("(set ZKMARGIN_DEBUG=1 for a stack trace, and please report it)");
    return EXIT_INTERNAL;
  }
}
