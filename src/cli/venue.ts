import { chmodSync, writeFileSync } from "node:fs";
import { type Command } from "commander";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import { parseRiskParams } from "../params/parse.js";
import type { RiskParams } from "../params/types.js";
import { StatementError } from "../statements/errors.js";
import { holdingsFromPortfolioJson } from "../statements/holdings.js";
import { generateStatementKey, parseStatementKeyFile } from "../statements/keys.js";
import { signStatement } from "../statements/sign.js";
import { isoOf, parseStatementTime } from "../statements/time.js";
import { describeNotCounted, verifyStatement } from "../statements/verify.js";
import { parseAccount, parseStatement } from "../statements/parse.js";
import { toHex32 } from "../crypto/poseidon.js";
import { toJsonText, writeFileAtomic } from "../util/files.js";
import { parseJsonFile, readJsonFile } from "../util/json.js";
import { EXIT_FAIL, errorJson, warn, writeJsonError } from "./output.js";
import { addVenueServeCommand } from "./venueServe.js";

/**
 * `zkmargin venue ...`: a venue's statement key, signing a holdings statement, and checking one
 * (docs/statements.md). `venue verify` exits 0 for a statement that may be used under the
 * parameters, 1 for one that breaks a rule (it names the rule and the value), 2 for bad input.
 */
interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;
const entryCount = (n: number): string => `${n} ${n === 1 ? "entry" : "entries"}`;

function loadParams(file: string): RiskParams {
  return parseJsonFile(file, "risk parameters", "--params", parseRiskParams);
}

function parseVenueId(v: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(v) || Number(v) > 0xffffffff) {
    throw new ZkMarginError("ARGUMENT", `must be a venue id, a whole number from 0 to 2^32 - 1, got ${JSON.stringify(v)}`, { path: "--venue-id", value: v });
  }
  return Number(v);
}

export function addVenueCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const venue = program.command("venue").description("venues: statement keys, signing and checking holdings statements (verified mode), the statement service");

  venue
    .command("keygen")
    .description("make a venue's statement key (Baby Jubjub EdDSA); give its public key to the pool's risk oracle")
    .requiredOption("-o, --out <file>", "where to write the key file (mode 0600; never overwritten)")
    .option("--json", "print the public key as JSON")
    .action((opts: { out: string; json?: boolean }) => {
      const key = generateStatementKey();
      try {
        writeFileSync(opts.out, toJsonText({ zkmarginVenueKey: 1, ...key }), { flag: "wx", mode: 0o600 });
        chmodSync(opts.out, 0o600); // exactly 0600 whatever the umask
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const why = code === "EEXIST" ? "the file exists; a key file is never overwritten (move it away first)" : (e as Error).message;
        throw new ZkMarginError("FILE", `cannot write ${JSON.stringify(opts.out)}: ${why}`, { path: "--out", value: opts.out });
      }
      if (opts.json) io.out(toJsonText({ keyFile: opts.out, publicKey: key.publicKey }));
      else {
        io.out(`wrote ${opts.out} (private: keep it secret)`);
        io.out(`publicKey  ${JSON.stringify(key.publicKey)}`);
        io.out('the pool lists it under "venues": { "id": <your venue id>, "name": "...", "publicKey": [x, y] }');
      }
    });

  venue
    .command("sign")
    .description("sign a holdings statement: an account's balances and positions at this venue, as of a time")
    .argument("<holdings>", 'holdings JSON like a portfolio: { "collateral": { "USDC": "2500000" }, "positions": { "ETH-PERP": "-120.5" } }')
    .requiredOption("--account <address>", "the account's EVM address")
    .requiredOption("--as-of <time>", "the time the holdings are as of: unix seconds or ISO 8601 with a zone")
    .requiredOption("--key <file>", "the venue's key file (zkmargin venue keygen)")
    .requiredOption("--params <file>", "risk parameters: resolve symbols and decimals to the pool's ids and base units")
    .option("--venue-id <id>", "the venue's id (default: the venue the parameters list with this key)")
    .option("-o, --out <file>", "write the statement here (mode 0600: it lists the account's holdings; default: print it)")
    .option("--json", "print a JSON summary with the statement")
    .action((holdingsFile: string, opts: { account: string; asOf: string; key: string; params: string; venueId?: string; out?: string; json?: boolean }) => {
      parseAccount(opts.account, "--account");
      const params = loadParams(opts.params);
      const key = parseStatementKeyFile(readJsonFile(opts.key, "key file", "--key"), opts.key);
      const listed = params.venues.find((v) => v.publicKey[0].toString() === key.publicKey[0] && v.publicKey[1].toString() === key.publicKey[1]);
      let venueId: number;
      if (opts.venueId !== undefined) venueId = parseVenueId(opts.venueId);
      else if (listed) venueId = listed.id;
      else {
        throw new ZkMarginError("ARGUMENT", `the risk parameters list no venue with this key; give the venue's id with --venue-id`, { path: "--venue-id" });
      }
      const holdings = parseJsonFile(holdingsFile, "holdings", "holdings", (j) => holdingsFromPortfolioJson(j, params));
      const asOf = parseStatementTime(opts.asOf, "--as-of");
      const statement = signStatement({ holdings, venueId, account: opts.account, asOf, privateKey: key.privateKey });
      const parsed = parseStatement(statement);
      const pv = params.venues.find((v) => v.id === venueId);
      const warnings: { code: string; message: string }[] = [];
      if (!pv) warnings.push({ code: "VENUE_NOT_LISTED", message: `these risk parameters do not list venue ${venueId}; a pool using them will refuse this statement` });
      else if (pv !== listed) warnings.push({ code: "VENUE_KEY_MISMATCH", message: `these risk parameters list another key for venue ${venueId}; a pool using them will refuse this statement` });
      for (const w of warnings) warn(io, opts.json, w.code, w.message);
      const entries = parsed.collateral.length + parsed.positions.length;
      if (opts.out) writeFileAtomic(opts.out, toJsonText(statement), { mode: 0o600 });
      if (opts.json) {
        io.out(
          toJsonText({
            file: opts.out ?? null,
            venue: venueId,
            account: parsed.account,
            asOf: isoOf(asOf),
            asOfUnix: Number(asOf),
            balances: parsed.collateral.length,
            positions: parsed.positions.length,
            entries,
            warnings,
            statement,
          }),
        );
      } else if (opts.out) {
        io.out(`signed statement of venue ${venueId} for ${parsed.account} as of ${isoOf(asOf)}: ${count(parsed.collateral.length, "balance")}, ${count(parsed.positions.length, "position")} (${entryCount(entries)}) -> ${opts.out}`);
      } else io.out(toJsonText(statement));
    });

  venue
    .command("verify")
    .description("check a holdings statement against risk parameters: signature, listed venue key, freshness, account, ids")
    .argument("<statement>", "statement JSON (zkmargin venue sign)")
    .requiredOption("--params <file>", "risk parameters (their venues, asOf and maxStatementAge)")
    .option("--account <address>", "the account the statement must be for")
    .option("--now <time>", "also refuse a statement dated after this time (unix seconds or ISO 8601)")
    .option("--json", "print the result as JSON")
    .action((file: string, opts: { params: string; account?: string; now?: string; json?: boolean }) => {
      if (opts.account !== undefined) parseAccount(opts.account, "--account");
      if (opts.now !== undefined) parseStatementTime(opts.now, "--now");
      const params = loadParams(opts.params);
      const json = readJsonFile(file, "statement", "statement");
      try {
        const v = verifyStatement(json as never, params, { ...(opts.account !== undefined ? { account: opts.account } : {}), ...(opts.now !== undefined ? { now: opts.now } : {}) });
        const s = v.statement;
        const notes = describeNotCounted(v);
        if (opts.json) {
          io.out(
            toJsonText({
              valid: true,
              venue: { id: v.venue.id, name: v.venue.name },
              account: s.account,
              asOf: isoOf(s.asOf),
              asOfUnix: Number(s.asOf),
              entries: s.collateral.length + s.positions.length,
              message: toHex32(v.message),
              collateral: Object.fromEntries(v.collateral.map((c) => [c.asset.symbol, c.amount.toString()])),
              positions: Object.fromEntries(v.positions.map((p) => [p.instrument.symbol, p.quantity.toString()])),
              notCounted: v.notCounted.map((n) => ({ assetId: n.assetId, amount: n.amount.toString() })),
            }),
          );
        } else {
          io.out(`ok  statement of venue ${v.venue.id} (${v.venue.name}) for ${s.account} as of ${isoOf(s.asOf)}`);
          io.out(
            `    ${entryCount(s.collateral.length + s.positions.length)}: ${count(v.collateral.length, "balance")} counted, ${count(v.positions.length, "position")}; signature valid; message ${toHex32(v.message)}`,
          );
          for (const n of notes) io.out(`note: ${n}`);
        }
        setExit(0);
      } catch (e) {
        if (!(e instanceof StatementError)) throw isZkMarginError(e) ? e.inFile(file, "statement") : e;
        if (opts.json) {
          io.out(toJsonText({ valid: false, rule: e.rule, error: e.message, path: e.path ?? null, value: e.value ?? null, limit: e.limit ?? null }));
          writeJsonError(io, errorJson(e));
        } else io.err(`invalid statement (${e.rule}): ${e.message}`);
        setExit(EXIT_FAIL);
      }
    });

  addVenueServeCommand(venue, io);
}
