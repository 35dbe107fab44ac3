import { useNodeRequire } from "../util/nodeRequire.js";
import { Command, Option } from "commander";
import { ZkMarginError } from "../errors.js";
import { CONFIGS, getConfig, smallestConfigFor, type CircuitConfig } from "../config/circuits.js";
import { FIELD_MODULUS } from "../config/limits.js";
import type { Portfolio } from "../portfolio/parse.js";
import type { StatementJson } from "../statements/types.js";
import { EXIT_FAIL, EXIT_OK, printJson, quietCommanderErrors, reportError, wantsJson, warn, writeJsonError, errorJson } from "./output.js";

// Start-up time: only commander, the configuration table and the output helpers load with the CLI.
// Each command imports what it runs (snarkjs, ffjavascript, ajv, poseidon-lite, ethers...) when it
// runs, so `--version`, `--help` and a bad argument cost a Node start and little more; the command
// groups in chain.ts, venue.ts, artifacts.ts and native.ts load only when their command is named
// (or for the full help and the unknown-command message, which list every command).

/** Exit codes (one meaning each; output.ts): 0 yes, 1 no (fails, invalid, refused), 2 bad input, 3 internal error. */
export { EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INTERNAL } from "./output.js";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith("\n") ? s : `${s}\n`),
};

/** `--threads`: a whole number of threads, 1..256. */
function parseThreads(v: string): number {
  const n = Number(v);
  if (!/^[1-9][0-9]{0,2}$/.test(v) || n > 256) throw new ZkMarginError("ARGUMENT", `must be a whole number of threads from 1 to 256, got ${JSON.stringify(v)}`, { path: "--threads", value: v, limit: "1..256" });
  return n;
}

/** `--health-bps` (engine/margin.ts's range check, loaded with the command that needs it). */
async function parseHealth(v: string): Promise<number> {
  const { checkHealthBps } = await import("../engine/margin.js");
  if (!/^[0-9]+$/.test(v)) {
    throw new ZkMarginError("ARGUMENT", `must be a whole number of basis points such as 12500, got ${JSON.stringify(v)}`, {
      path: "--health-bps",
      value: v,
    });
  }
  return checkHealthBps(Number(v), "--health-bps");
}

/** A context: 0x-hex or decimal, below the BN254 field modulus. */
export function parseContext(v: string): bigint {
  let x: bigint;
  if (/^0x[0-9a-fA-F]{1,64}$/.test(v) || /^(0|[1-9][0-9]{0,77})$/.test(v)) x = BigInt(v);
  else {
    throw new ZkMarginError("ARGUMENT", `must be a 0x-prefixed hex number or a decimal integer, got ${JSON.stringify(v)}`, { path: "--context", value: v });
  }
  if (x >= FIELD_MODULUS) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be below the BN254 field modulus p = ${FIELD_MODULUS} (reduce it mod p)`, {
      path: "--context",
      value: v,
      limit: "< p",
    });
  }
  return x;
}

/** The smallest configuration whose slots hold the portfolio. */
function pickConfig(portfolio: Portfolio, name: string | undefined, statements = 0, entries = 0): CircuitConfig {
  if (name) return getConfig(name);
  return smallestConfigFor({
    collateral: portfolio.collateral.length,
    positions: portfolio.positions.length,
    groups: new Set(portfolio.positions.map((p) => p.instrument.groupId)).size,
    statements,
    entries,
  });
}

/** Risk parameters from `file` (named by `flag`): errors name the flag or the file and the JSON path in it. */
export async function loadParams(file: string, flag: string) {
  const [{ parseJsonFile }, { parseRiskParams }, { useParamsTreeDiskCache }] = await Promise.all([
    import("../util/json.js"),
    import("../params/parse.js"),
    import("../params/treeStore.js"),
  ]);
  useParamsTreeDiskCache(); // the parameters' trees are hashed once, not in every process (treeStore.ts)
  return parseJsonFile(file, "risk parameters", flag, parseRiskParams);
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
    .action(async (marketFile: string, opts: { out: string; report?: string; json?: boolean }) => {
      const [{ parseJsonFile }, { toJsonText, writeFileAtomic }, { buildRiskParams, formatGreeksReport }, { parseRiskParams }, { paramsTree }, { toHex32 }, { useParamsTreeDiskCache }] = await Promise.all([
        import("../util/json.js"),
        import("../util/files.js"),
        import("../market/build.js"),
        import("../params/parse.js"),
        import("../params/tree.js"),
        import("../crypto/poseidon.js"),
        import("../params/treeStore.js"),
      ]);
      const { params: paramsJson, report } = parseJsonFile(marketFile, "market", "market", buildRiskParams);
      const parsed = parseRiskParams(paramsJson); // the output must pass the same checks as any published file
      useParamsTreeDiskCache(); // saved for the commands that read the file next
      const tree = paramsTree(parsed);
      writeFileAtomic(opts.out, toJsonText(paramsJson));
      if (opts.report) writeFileAtomic(opts.report, toJsonText(report));
      if (opts.json) {
        io.out(
          toJsonText({
            out: opts.out,
            epoch: Number(parsed.epoch),
            assets: parsed.assets.length,
            groups: parsed.groups.length,
            instruments: parsed.instruments.length,
            venues: parsed.venues.length,
            paramsRoot: toHex32(tree.paramsRoot),
          }),
        );
      } else {
        io.out(formatGreeksReport(report));
        io.out(
          `\nwrote ${opts.out}: version ${parsed.version}, epoch ${parsed.epoch}, ${parsed.assets.length} assets, ` +
            `${parsed.groups.length} risk groups (${parsed.groups.map((g) => `${g.symbol} = id ${g.id}`).join(", ")}), ` +
            `${parsed.instruments.length} instruments, ${parsed.venues.length} venue${parsed.venues.length === 1 ? "" : "s"}` +
            `\nparamsRoot ${toHex32(tree.paramsRoot)}`,
        );
      }
    });

  params
    .command("root")
    .description("validate risk parameters and print the Poseidon root the pool posts on-chain")
    .argument("<params>", "risk-parameter JSON")
    .option("--json", "print JSON")
    .action(async (file: string, opts: { json?: boolean }) => {
      const [{ toJsonText }, { paramsTree }, { toHex32 }] = await Promise.all([import("../util/files.js"), import("../params/tree.js"), import("../crypto/poseidon.js")]);
      const parsed = await loadParams(file, "params");
      const tree = paramsTree(parsed);
      const summary = {
        paramsRoot: toHex32(tree.paramsRoot),
        paramsRootDecimal: tree.paramsRoot.toString(),
        epoch: Number(parsed.epoch),
        asOf: parsed.asOf,
        asOfUnix: Number(parsed.asOfUnix),
        validUntil: parsed.validUntil ?? null,
        maxStatementAge: Number(parsed.maxStatementAge),
        layout: parsed.layout.name,
        assetRoot: toHex32(tree.assetRoot),
        groupRoot: toHex32(tree.groupRoot),
        venueRoot: toHex32(tree.venueRoot),
        assets: parsed.assets.length,
        groups: parsed.groups.length,
        instruments: parsed.instruments.length,
        venues: parsed.venues.length,
      };
      if (opts.json) io.out(toJsonText(summary));
      else {
        io.out(
          [
            `paramsRoot       ${summary.paramsRoot}`,
            `                 (${summary.paramsRootDecimal})`,
            `epoch            ${summary.epoch} (as of ${summary.asOf} = unix ${summary.asOfUnix})`,
            `validUntil       ${summary.validUntil ?? "not set: chain post-params posts asOf + 7 days"}  (not under paramsRoot)`,
            `maxStatementAge  ${summary.maxStatementAge} s`,
            `layout           ${summary.layout}`,
            `assetRoot        ${summary.assetRoot}  (${summary.assets} assets)`,
            `groupRoot        ${summary.groupRoot}  (${summary.groups} risk groups, ${summary.instruments} instruments)`,
            `venueRoot        ${summary.venueRoot}  (${summary.venues} venues)`,
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
    .addOption(
      new Option("--credit-limit <USD>", "credit limit the statement covers: USD, at most 2 decimals (passes iff adjusted >= health x (requirement + limit))").default("0"),
    )
    .option("--json", "print one JSON object")
    .action(async (opts: { params: string; portfolio: string; healthBps: string; creditLimit: string; json?: boolean }) => {
      const [{ computeMargin, parseCreditLimit }, { formatMarginReport, marginReportJson }, { parsePortfolio }, { parseJsonFile }, { toJsonText }] = await Promise.all([
        import("../engine/margin.js"),
        import("../engine/report.js"),
        import("../portfolio/parse.js"),
        import("../util/json.js"),
        import("../util/files.js"),
      ]);
      const healthBps = await parseHealth(opts.healthBps);
      const creditLimitCents = parseCreditLimit(opts.creditLimit, "--credit-limit");
      const parsed = await loadParams(opts.params, "--params");
      const portfolio = parseJsonFile(opts.portfolio, "portfolio", "--portfolio", (j) => parsePortfolio(j, parsed));
      const result = computeMargin(parsed, portfolio, healthBps, creditLimitCents);
      const report = marginReportJson(result, parsed);
      io.out(opts.json ? toJsonText(report) : formatMarginReport(report));
      setExit(result.ok ? EXIT_OK : EXIT_FAIL);
    });

  program
    .command("setup")
    .description("trusted setup for a circuit configuration (cached): dev INSECURE ptau by default, --ptau for production")
    .option("--config <name>", `circuit configuration (${Object.keys(CONFIGS).join(", ")})`, "small")
    .option("--ptau <file>", "production: a prepared phase-1 powers-of-tau file (e.g. powersOfTau28_hez_final_17.ptau)")
    .option("--contributions <n>", "phase-2 contributions (default 1 dev, 3 production)")
    .option("--beacon <hex>", "production: the random beacon (32+ bytes hex); default fresh random bytes, recorded")
    .option("--force", "redo the setup even if a cached one matches")
    .option("--verify", "run zkey verify on a dev setup too (production setups are always verified)")
    .option("--snarkjs", "dev: make the key with snarkjs's phase 2 on the dev ptau (minutes) instead of natively from the seed (seconds)")
    .option("--json", "print the setup record as JSON")
    .action(async (opts: { config: string; ptau?: string; contributions?: string; beacon?: string; force?: boolean; verify?: boolean; snarkjs?: boolean; json?: boolean }) => {
      const config = getConfig(opts.config);
      const [{ setupCircuit, releaseCurve }, { terminalProgress }, { toJsonText }, { cacheDir }] = await Promise.all([
        import("../../setup/groth16.js"),
        import("../util/progress.js"),
        import("../util/files.js"),
        import("../circuit/paths.js"),
      ]);
      let contributions: number | undefined;
      if (opts.contributions !== undefined) {
        if (!/^[0-9]+$/.test(opts.contributions)) {
          throw new ZkMarginError("ARGUMENT", `must be a whole number, got ${JSON.stringify(opts.contributions)}`, { path: "--contributions" });
        }
        contributions = Number(opts.contributions);
      }
      try {
        const a = await setupCircuit(config, {
          ptau: opts.ptau,
          contributions,
          beacon: opts.beacon,
          force: opts.force,
          verify: opts.verify,
          snarkjs: opts.snarkjs,
          progress: terminalProgress(),
        });
        const r = a.record;
        if (opts.json) io.out(toJsonText({ ...r, dir: a.dir, zkey: a.zkey, vkey: a.vkey, verifier: a.verifierSol, cacheDir: cacheDir() }));
        else {
          io.out(
            [
              `${r.insecure ? "INSECURE dev " : ""}setup of "${config.name}": ${r.constraints} constraints (2^${r.power} domain)`,
              `  ptau          ${r.ptau.label}`,
              `  key made by   ${r.method === "native-dev" ? "the native binary, from the dev seed's secrets" : r.method === "native" ? "the native binary (snarkjs's file formats)" : "snarkjs"}`,
              `  contributions ${r.contributions.map((c) => c.name).join(", ")}${r.beacon ? `, beacon ${r.beacon.hash.slice(0, 16)}...` : ""}`,
              `  zkey verify   ${r.verified ? "ok" : "skipped (dev setup; add --verify to run it)"}`,
              `  zkey          ${a.zkey}`,
              `  vkey          ${a.vkey}`,
              `  verifier      ${a.verifierSol}`,
              `  cache         ${cacheDir()} (ZKMARGIN_CACHE overrides; \`zkmargin export\` copies the artifacts out)`,
              ...(r.insecure ? ["", "INSECURE: the dev powers of tau has a public tau; proofs made with this setup can be forged. Development only."] : []),
            ].join("\n"),
          );
        }
      } finally {
        await releaseCurve();
      }
    });

  program
    .command("prove")
    .description("prove that a portfolio (or the sum of venue-signed statements) meets margin at a health level, without revealing it")
    .requiredOption("--params <file>", "risk-parameter JSON")
    .option("--portfolio <file>", "private portfolio JSON (self-declared mode)")
    .option("--statement <file>", "a venue-signed holdings statement (verified mode; repeat for each venue)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--account <address>", "verified mode: the account the statements were signed for (default: the statements' own)")
    .requiredOption("--health-bps <bps>", "health to prove, in basis points (10000 = maintenance)")
    .option("--credit-limit <USD>", "credit limit the statement covers: USD, at most 2 decimals (proves adjusted >= health x (requirement + limit))", "0")
    .requiredOption("--context <value>", "the verifier's challenge or on-chain binding (0x-hex or decimal, < p)")
    .option("--config <name>", "circuit configuration (default: the smallest that holds the portfolio)")
    .option("-o, --out <file>", "where to write the proof bundle (default: print it)")
    .option("--opening <file>", "also write the commitment opening (salt and portfolio: PRIVATE, for an attestor; mode 0600)")
    .option("--artifacts <dir|url>", "prove with exported artifacts (`zkmargin export`) instead of the local setup; fixes the configuration")
    .option("--prover <name>", "Groth16 prover: auto (native when it built, else snarkjs), native or snarkjs", "auto")
    .option("--threads <n>", "native prover: threads to use (default: every core)")
    .option("--json", "print a JSON summary with the bundle (a shortfall is a JSON error on stderr)")
    .action(async (opts: { params: string; portfolio?: string; statement?: string[]; account?: string; healthBps: string; creditLimit: string; context: string; config?: string; out?: string; opening?: string; artifacts?: string; prover: string; threads?: string; json?: boolean }) => {
      const [
        { parseProverChoice },
        { parseCreditLimit, formatCreditLimit },
        { formatMarginReport, marginReportJson },
        { parsePortfolio },
        { parseJsonFile, readJsonFile },
        { toJsonText, writeFileAtomic },
        { terminalProgress },
        { cacheDir },
      ] = await Promise.all([
        import("../prove/native.js"),
        import("../engine/margin.js"),
        import("../engine/report.js"),
        import("../portfolio/parse.js"),
        import("../util/json.js"),
        import("../util/files.js"),
        import("../util/progress.js"),
        import("../circuit/paths.js"),
      ]);
      const prover = parseProverChoice(opts.prover);
      const threads = opts.threads === undefined ? undefined : parseThreads(opts.threads);
      const healthBps = await parseHealth(opts.healthBps);
      const creditLimitCents = parseCreditLimit(opts.creditLimit, "--credit-limit");
      const context = parseContext(opts.context);
      const params = await loadParams(opts.params, "--params");
      if ((opts.portfolio === undefined) === (opts.statement === undefined)) {
        throw new ZkMarginError("ARGUMENT", "give either --portfolio (self-declared) or one --statement per venue (verified), not both", { path: "--portfolio" });
      }
      let portfolio: Portfolio | undefined;
      let statements: unknown[] | undefined;
      let book: Portfolio;
      let entries = 0;
      if (opts.statement) {
        statements = opts.statement.map((f) => readJsonFile(f, "holdings statement", "--statement"));
        const { portfolioFromStatements } = await import("../statements/portfolio.js");
        const fromStatements = portfolioFromStatements(statements as StatementJson[], params, { account: opts.account });
        book = fromStatements.portfolio;
        entries = fromStatements.entryCount;
      } else {
        if (opts.account !== undefined) throw new ZkMarginError("ARGUMENT", "--account is for verified mode (with --statement)", { path: "--account" });
        portfolio = parseJsonFile(opts.portfolio!, "portfolio", "--portfolio", (j) => parsePortfolio(j, params));
        book = portfolio;
      }
      // Exported artifacts (checked against their manifest) fix the configuration and need no setup.
      const loaded = opts.artifacts === undefined ? undefined : await (await import("../prove/artifacts.js")).loadArtifacts(opts.artifacts);
      if (loaded && opts.config !== undefined && opts.config !== loaded.config.name) {
        throw new ZkMarginError("ARGUMENT", `the artifacts in ${loaded.source} are for the "${loaded.config.name}" circuit, not "${opts.config}"`, { path: "--config", value: opts.config });
      }
      const config = pickConfig(book, opts.config ?? loaded?.config.name, statements?.length ?? 0, entries);
      const progress = terminalProgress();
      const [{ findSetup, provingArtifacts, releaseCurve }, { proveMargin, ShortfallError }] = await Promise.all([import("../../setup/groth16.js"), import("../prove/prove.js")]);
      const setup = loaded ? undefined : await findSetup(config, progress);
      if (!loaded && !setup) {
        throw new ZkMarginError("FILE", `no trusted setup for the "${config.name}" circuit yet in ${cacheDir()}; run \`zkmargin setup --config ${config.name}\` first (or pass --artifacts)`, {
          path: "--config",
        });
      }
      try {
        const r = await proveMargin({
          params,
          ...(statements ? { statements: statements as StatementJson[], account: opts.account } : { portfolio }),
          healthBps,
          creditLimitCents,
          context,
          config,
          progress,
          artifacts: loaded ?? provingArtifacts(setup!),
          prover,
          threads,
          warn: (m) => warn(io, opts.json, "PROVER", m),
        });
        if (opts.opening) writeFileAtomic(opts.opening, toJsonText(r.opening), { mode: 0o600 });
        if (opts.out) writeFileAtomic(opts.out, toJsonText(r.bundle));
        if (opts.json) {
          printJson(io, {
            config: config.name,
            healthBps,
            creditLimitCents: creditLimitCents.toString(),
            creditLimit: formatCreditLimit(creditLimitCents),
            actualHealthBps: marginReportJson(r.margin, params).actualHealthBps,
            paramsRoot: r.bundle.paramsRoot,
            epoch: r.bundle.epoch,
            commitment: r.bundle.commitment,
            context: r.bundle.context,
            account: r.bundle.account ?? null,
            insecure: r.bundle.setup.insecure,
            prover: r.bundle.prover ?? "snarkjs",
            seconds: r.seconds,
            out: opts.out ?? null,
            opening: opts.opening ?? null,
            bundle: r.bundle,
          });
        } else if (opts.out) {
          io.out(
            [
              `proved health >= ${healthBps} bps with a credit limit of ${formatCreditLimit(creditLimitCents)} USD (actual ${marginReportJson(r.margin, params).actualHealthBps ?? "unbounded"}) with the "${config.name}" circuit in ${r.seconds.total.toFixed(2)} s (${r.bundle.prover ?? "snarkjs"} prover)`,
              `  paramsRoot ${r.bundle.paramsRoot} (epoch ${r.bundle.epoch})`,
              `  commitment ${r.bundle.commitment}`,
              `  context    ${r.bundle.context}`,
              `wrote ${opts.out}${opts.opening ? ` and the private opening ${opts.opening}` : ""}`,
              ...(r.bundle.setup.insecure ? ["INSECURE dev setup: this proof is for development only."] : []),
            ].join("\n"),
          );
        } else io.out(toJsonText(r.bundle));
      } catch (e) {
        if (e instanceof ShortfallError) {
          if (opts.json) writeJsonError(io, { ...errorJson(e), report: e.report });
          else {
            io.err(formatMarginReport(e.report));
            io.err(`error: ${e.message}`);
          }
          setExit(EXIT_FAIL);
          return;
        }
        throw e;
      } finally {
        await releaseCurve();
      }
    });

  program
    .command("verify")
    .description("verify a proof bundle (and, with --params, that it was made against those parameters)")
    .argument("<bundle>", "proof bundle JSON")
    .option("--params <file>", "risk-parameter JSON to check the bundle's paramsRoot against")
    .option("--vkey <file>", "verification key (default: the local setup for the bundle's configuration and circuit hash; never compiles)")
    .option("--artifacts <dir|url>", "take the verification key from exported artifacts (`zkmargin export`), checked against their manifest")
    .option("--min-health-bps <bps>", "require at least this health")
    .option("--min-credit-limit <USD>", "require a credit limit of at least this many USD (cents at most)")
    .option("--context <value>", "require this context (your challenge)")
    .option("--account <address>", "require a verified proof (venue statements) for this account")
    .option("--require-verified", "require a verified proof (venue statements checked in the circuit)")
    .option("--json", "print the checks as JSON")
    .action(async (file: string, opts: { params?: string; vkey?: string; artifacts?: string; minHealthBps?: string; minCreditLimit?: string; context?: string; account?: string; requireVerified?: boolean; json?: boolean }) => {
      const [{ parseJsonFile }, { parseBundle, verifyMargin }, { parseCreditLimit, formatCreditLimit }, { verificationKeyFor }, { releaseCurve }] = await Promise.all([
        import("../util/json.js"),
        import("../prove/verify.js"),
        import("../engine/margin.js"),
        import("../prove/artifacts.js"),
        import("../../setup/groth16.js"),
      ]);
      const bundle = parseJsonFile(file, "proof bundle", "bundle", parseBundle);
      const params = opts.params ? await loadParams(opts.params, "--params") : undefined;
      const minHealthBps = opts.minHealthBps ? await parseHealth(opts.minHealthBps) : undefined;
      const minCreditLimitCents = opts.minCreditLimit !== undefined ? parseCreditLimit(opts.minCreditLimit, "--min-credit-limit") : undefined;
      const context = opts.context ? parseContext(opts.context) : undefined;
      // --vkey, --artifacts, else the local setup for the bundle's circuit hash: never compiles.
      const key = await verificationKeyFor(bundle, { vkey: opts.vkey, artifacts: opts.artifacts });
      const { vkey, keyInsecure } = key;
      for (const n of key.notes) warn(io, opts.json, "VKEY_MISMATCH", n);
      try {
        const account = opts.account === undefined ? undefined : BigInt((await import("../statements/parse.js")).parseAccount(opts.account, "--account"));
        const r = await verifyMargin(bundle, vkey, { params, minHealthBps, minCreditLimitCents, context, keyInsecure, account, requireVerified: opts.requireVerified });
        if (opts.json) {
          const status = r.checks.some((c) => c.status === "fail") ? "fail" : r.checks.some((c) => c.status === "warn") ? "warn" : "ok";
          printJson(io, { ok: r.valid, status, ...r });
        } else {
          for (const c of r.checks) {
            const label = c.status === "fail" ? "FAIL" : c.status === "warn" ? "warn" : "ok  ";
            const found = c.status === "fail" && c.found !== undefined ? `: found ${c.found}${c.expected !== undefined ? `, expected ${c.expected}` : ""}` : "";
            io.out(`${label}  ${c.name.padEnd(10)} ${c.detail}${found}`);
          }
          io.out(
            r.valid
              ? `VALID: health >= ${bundle.healthBps} bps with a credit limit of ${formatCreditLimit(BigInt(bundle.creditLimitCents))} USD under paramsRoot ${bundle.paramsRoot}`
              : "INVALID",
          );
          if (r.insecure) io.out("INSECURE: the verification key is from a dev setup with a public seed; this proof shows nothing outside development.");
        }
        if (r.insecure) warn(io, opts.json, "INSECURE_KEY", "INSECURE dev verification key: anyone can forge proofs for it");
        setExit(r.valid ? EXIT_OK : EXIT_FAIL);
      } finally {
        await releaseCurve();
      }
    });

  return program;
}

type AddCommands = (program: Command, io: Io, setExit: (code: number) => void) => void;

/** The command groups kept in their own modules, in the order they are listed in the help. */
const GROUPS: ReadonlyArray<readonly [string, () => Promise<AddCommands>]> = [
  ["chain", async () => (await import("./chain.js")).addChainCommands],
  ["venue", async () => (await import("./venue.js")).addVenueCommands],
  ["export", async () => (await import("./artifacts.js")).addArtifactCommands],
  ["native", async () => (await import("./native.js")).addNativeCommands],
  ["agent", async () => (await import("./agent.js")).addAgentCommands],
];
const OWN_COMMANDS = new Set(["params", "check", "setup", "prove", "verify"]);

/**
 * The command groups `argv` needs registered: the one it names; none for a command of this file or
 * a lone --version; every one otherwise (no command: the help; `help`, an unknown command or `--`:
 * the help and commander's suggestions list every command), so the output is the same as with all
 * of them registered.
 */
function groupsFor(argv: readonly string[]): ReadonlyArray<readonly [string, () => Promise<AddCommands>]> {
  const i = argv.findIndex((a) => !a.startsWith("-") || a === "--");
  const first = i < 0 ? undefined : argv[i];
  if (first === undefined) return argv.length === 1 && (argv[0] === "-V" || argv[0] === "--version") ? [] : GROUPS;
  if (OWN_COMMANDS.has(first)) return [];
  const named = GROUPS.filter(([name]) => name === first);
  return named.length > 0 ? named : GROUPS;
}

/** Run the CLI on `argv` (without node and script) and return the exit code. Never throws. */
export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = EXIT_OK;
  // With --json anywhere on the command line every error is one JSON object on stderr (output.ts).
  const json = wantsJson(argv);
  const setExit = (c: number) => (code = c);
  const program = buildProgram(io, setExit);
  try {
    const adders = await Promise.all(groupsFor(argv).map(([, load]) => load()));
    for (const add of adders) add(program, io, setExit);
    if (json) quietCommanderErrors(program);
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    return reportError(e, io, json);
  }
}

// Dependencies load on first use (src/util/lazyRequire.ts) on every Node version.
useNodeRequire();
