import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommanderError } from "commander";
import { defaultValidUntil } from "../../src/chain/pool.js";
import { cacheDir } from "../../src/circuit/paths.js";
import { errorJson, reportError, wantsJson } from "../../src/cli/output.js";
import { ZkMarginError } from "../../src/errors.js";
import { StatementError } from "../../src/statements/errors.js";
import { parseRiskParams, riskParamsToJson } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { clone, repoFile, throwsZk } from "../helpers.js";
import { devStatementKey } from "../../src/statements/keys.js";

// `--json` on every command that prints a result, JSON errors on stderr, verify's check statuses,
// private files at mode 0600, and example parameters that are valid now. Runs the real bin.
const BIN = repoFile("bin/zkmargin.js");
const PARAMS = repoFile("examples/params.json");
const ex = (f: string) => repoFile(`examples/${f}`);
const dir = mkdtempSync(join(tmpdir(), "zkm-cli-json-"));
const file = (name: string, content: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return f;
};
const modeOf = (f: string) => statSync(f).mode & 0o777;
/** The embedded chain's state goes to a private cache; setups and compiled contracts are shared. */
const privateCache = join(dir, "cache");

function zk(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, CI: "1", ZKMARGIN_CACHE: privateCache } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
type Run = ReturnType<typeof zk>;

/** stdout is exactly one JSON document, stderr holds nothing but JSON lines (warnings). */
function doc(r: Run, code = 0): any {
  assert.equal(r.code, code, `exit ${r.code}\n${r.out}\n${r.err}`);
  for (const line of r.err.split("\n").filter(Boolean)) assert.ok(JSON.parse(line).warning, `stderr line is not a JSON warning: ${line}`);
  return JSON.parse(r.out);
}

/** The JSON error on stderr (its last line; any earlier line is a JSON warning); nothing on stdout unless `out`. */
function jsonError(r: Run, code = 2, out = false): { code: string; message: string; path: string | null; value: unknown; limit: string | null; [k: string]: unknown } {
  assert.equal(r.code, code, `exit ${r.code}\n${r.out}\n${r.err}`);
  if (!out) assert.equal(r.out, "", "nothing on stdout");
  const lines = r.err.split("\n").filter(Boolean);
  assert.ok(lines.length >= 1, "an error on stderr");
  const objs = lines.map((l) => JSON.parse(l) as Record<string, any>);
  const last = objs.at(-1)!;
  assert.ok(last.error, `last stderr line is not an error: ${r.err}`);
  objs.slice(0, -1).forEach((o) => assert.ok(o.warning, `not a warning: ${JSON.stringify(o)}`));
  for (const k of ["code", "message", "path", "value", "limit"]) assert.ok(k in last.error, `error lacks ${k}: ${r.err}`);
  assert.ok(!/\n\s+at /.test(r.err), r.err);
  return last.error;
}

const DEV_KEY = devStatementKey("zkmargin example venue 1");
const ACCOUNT = "0x70997970c51812dc3a010c7d01b50e20d4dc79c8";

describe("cli: --json for machines", function () {
  this.timeout(600_000);

  before(() => {
    mkdirSync(privateCache, { recursive: true });
    const shared = cacheDir();
    for (const sub of ["setup", "circuits", "ptau", "contracts"]) {
      mkdirSync(join(shared, sub), { recursive: true });
      symlinkSync(join(shared, sub), join(privateCache, sub));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("errors are one JSON object on stderr with a stable code, the path, the value and the limit", () => {
    it("usage errors: code USAGE, exit 2, the option or argument as path", () => {
      const unknown = jsonError(zk("verify", "x.json", "--bogus", "--json"));
      assert.deepEqual(unknown, { code: "USAGE", message: "unknown option '--bogus'", path: "--bogus", value: "--bogus", limit: "a known option (see --help)" });
      const missing = jsonError(zk("prove", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--json"));
      assert.equal(missing.code, "USAGE");
      assert.equal(missing.path, "--context");
      assert.equal(missing.limit, "required");
      assert.equal(jsonError(zk("verify", "--json")).path, "bundle");
      assert.equal(jsonError(zk("check", "--json", "--health-bps")).path, "--health-bps");
      const cmd = jsonError(zk("frobnicate", "--json"));
      assert.equal(cmd.code, "USAGE");
      assert.equal(cmd.value, "frobnicate");
      const chainCmd = jsonError(zk("chain", "frob", "--json"));
      assert.equal(chainCmd.value, "frob");
    });

    it("input errors keep their ZkMarginError code, path, value and limit", () => {
      const h = jsonError(zk("check", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12.5", "--json"));
      assert.equal(h.code, "ARGUMENT");
      assert.equal(h.path, "--health-bps");
      assert.equal(h.value, "12.5");
      const ctx = jsonError(zk("prove", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--context", `0x${"f".repeat(64)}`, "--json"));
      assert.deepEqual([ctx.code, ctx.path, ctx.limit], ["OUT_OF_RANGE", "--context", "< p"]);
      const bad = clone(JSON.parse(readFileSync(PARAMS, "utf8")));
      bad.assets[1].price = "-3";
      const p = jsonError(zk("params", "root", file("bad-params.json", bad), "--json"));
      assert.equal(p.path, "assets[1].price");
      assert.equal(p.value, "-3");
      // an error inside a file names the file: as `file`, and first in the message
      const badFile = join(dir, "bad-params.json");
      assert.equal(p.file, badFile);
      assert.ok(p.message.startsWith(`risk parameters file ${JSON.stringify(badFile)}: assets[1].price: `), p.message);
      const inCheck = jsonError(zk("check", "--params", badFile, "--portfolio", ex("hedged-book.json"), "--json"));
      assert.deepEqual([inCheck.path, inCheck.file], ["assets[1].price", badFile]);
      const book = jsonError(zk("check", "--params", PARAMS, "--portfolio", file("bad-book.json", { collateral: { NOPE: "1" } }), "--json"));
      assert.equal(book.file, join(dir, "bad-book.json"));
      assert.ok(book.message.startsWith(`portfolio file ${JSON.stringify(join(dir, "bad-book.json"))}: `), book.message);
      const f = jsonError(zk("params", "root", join(dir, "no-such.json"), "--json"));
      assert.equal(f.code, "FILE");
      assert.equal(f.value, join(dir, "no-such.json"));
      assert.equal(f.path, "params");
      // a file that cannot be read: `path` is the flag that named it
      const nope = jsonError(zk("prove", "--params", "nope.json", "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--context", "1", "--json"));
      assert.deepEqual([nope.code, nope.path, nope.value, nope.file], ["FILE", "--params", "nope.json", "nope.json"]);
      assert.match(nope.message, /cannot read risk parameters file "nope\.json": no such file/);
      const noBook = jsonError(zk("check", "--params", PARAMS, "--portfolio", "nope.json", "--json"));
      assert.deepEqual([noBook.path, noBook.value], ["--portfolio", "nope.json"]);
      // without --json the same error is one plain line, naming the file
      const plain = zk("params", "root", badFile);
      assert.equal(plain.code, 2);
      assert.match(plain.err, /^error: risk parameters file ".*bad-params\.json": assets\[1\]\.price: /);
      assert.equal(plain.err.trim().split("\n").length, 1);
    });

    it("the handler: INTERNAL for anything else (exit 3), USAGE for commander errors; --json after -- is an argument", () => {
      let err = "";
      const io = { out: () => {}, err: (s: string) => (err += s) };
      assert.equal(reportError(new TypeError("boom"), io, true), 3);
      assert.deepEqual(JSON.parse(err), { error: { code: "INTERNAL", message: "boom", path: null, value: null, limit: null } });
      err = "";
      assert.equal(reportError(new ZkMarginError("OUT_OF_RANGE", "too big", { path: "x", value: 10n ** 30n, limit: "< 2^64" }), io, true), 2);
      assert.deepEqual(JSON.parse(err).error, { code: "OUT_OF_RANGE", message: "x: too big", path: "x", value: (10n ** 30n).toString(), limit: "< 2^64" });
      assert.equal(reportError(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"), io, true), 0);
      // one meaning per exit code: 1 a no on the merits (shortfall, a statement rule, a contract's refusal), 2 bad input
      assert.equal(reportError(new ZkMarginError("REVERTED", "transaction reverted: X", { value: "X" }), io, false), 1);
      assert.equal(reportError(new StatementError("freshness", "stale"), io, false), 1);
      assert.equal(reportError(new ZkMarginError("SHORTFALL", "short"), io, false), 1);
      for (const c of ["FILE", "ARGUMENT", "SCHEMA", "VALIDITY", "STALE_DEPLOYMENT", "MISMATCH"] as const) {
        assert.equal(reportError(new ZkMarginError(c, "x"), io, false), 2, c);
      }
      assert.equal(errorJson(new CommanderError(1, "commander.missingArgument", "error: missing required argument 'bundle'")).code, "USAGE");
      assert.equal(wantsJson(["verify", "x", "--json"]), true);
      assert.equal(wantsJson(["verify", "--", "--json"]), false);
      assert.equal(wantsJson(["verify", "x"]), false);
    });
  });

  describe("every command that prints a result prints one JSON document", () => {
    it("params build, params root, check (pass and fail)", () => {
      const out = join(dir, "params.json");
      const b = doc(zk("params", "build", ex("market.json"), "-o", out, "--json"));
      const root = doc(zk("params", "root", PARAMS, "--json"));
      assert.equal(b.paramsRoot, root.paramsRoot);
      assert.equal(root.validUntil, "2036-11-20T16:00:00Z");
      assert.equal(readFileSync(out, "utf8"), readFileSync(PARAMS, "utf8"));
      assert.equal(doc(zk("check", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--json")).ok, true);
      assert.equal(doc(zk("check", "--params", PARAMS, "--portfolio", ex("naked-short-calls.json"), "--health-bps", "12500", "--json"), 1).ok, false);
    });

    it("venue keygen (0600, never overwritten), sign (0600, also over an existing file), verify (valid and invalid)", () => {
      const key = join(dir, "venue.key.json");
      const k = doc(zk("venue", "keygen", "-o", key, "--json"));
      assert.equal(k.keyFile, key);
      assert.equal(modeOf(key), 0o600);
      const again = jsonError(zk("venue", "keygen", "-o", key, "--json"));
      assert.deepEqual([again.code, again.path, again.value], ["FILE", "--out", key]);

      const devKey = file("dev.key.json", { zkmarginVenueKey: 1, privateKey: DEV_KEY });
      const holdings = file("holdings.json", { collateral: { USDC: "2500000", ETH: "150.25" }, positions: { "ETH-PERP": "-120.5" } });
      const stmt = file("stmt.json", "old, world-readable\n");
      writeFileSync(stmt, "old\n", { mode: 0o644 });
      const signArgs = ["venue", "sign", holdings, "--account", ACCOUNT, "--as-of", "2026-11-20T15:30:00Z", "--key", devKey, "--params", PARAMS];
      const s = doc(zk(...signArgs, "-o", stmt, "--json"));
      assert.equal(modeOf(stmt), 0o600, "a statement lists an account's holdings: private");
      assert.deepEqual([s.file, s.venue, s.account, s.asOf, s.balances, s.positions, s.warnings], [stmt, 1, ACCOUNT, "2026-11-20T15:30:00Z", 2, 1, []]);
      assert.deepEqual(s.statement, JSON.parse(readFileSync(stmt, "utf8")));
      const printed = doc(zk(...signArgs, "--json"));
      assert.equal(printed.file, null);
      assert.equal(printed.statement.account, ACCOUNT);
      // a key the parameters do not list: the warning is JSON on stderr too
      const unlisted = zk("venue", "sign", holdings, "--account", ACCOUNT, "--as-of", "2026-11-20T15:30:00Z", "--key", key, "--params", PARAMS, "--venue-id", "1", "--json");
      const u = doc(unlisted);
      assert.equal(u.warnings[0].code, "VENUE_KEY_MISMATCH");
      assert.equal(JSON.parse(unlisted.err.trim()).warning.code, "VENUE_KEY_MISMATCH");

      assert.equal(doc(zk("venue", "verify", stmt, "--params", PARAMS, "--json")).valid, true);
      const stale = zk("venue", "verify", stmt, "--params", PARAMS, "--account", "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", "--json");
      const e = jsonError(stale, 1, true);
      assert.deepEqual([e.code, e.rule, e.path], ["STATEMENT", "account", "account"]);
      assert.equal(JSON.parse(stale.out).valid, false);
    });

    /** Start `chain node` with `args`; resolve with the process and its first stdout document (JSON) or text (once it has the accounts). */
    const startNode = (args: string[], json: boolean) => {
      const child = spawn(process.execPath, [BIN, "chain", "node", "--port", "0", ...args], { env: { ...process.env, CI: "1" } });
      const first = new Promise<any>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (!json) {
            if (/#9 .*\n?$/.test(out.trimEnd())) resolve(out);
            return;
          }
          try {
            resolve(JSON.parse(out));
          } catch {
            /* not complete yet */
          }
        });
        child.on("exit", (c) => reject(new Error(`chain node exited ${c}: ${out}`)));
      });
      const stop = () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      return { child, first, stop };
    };

    it("chain node --json prints its address, state and the dev accounts with their keys once it listens", async () => {
      const n = startNode(["--json"], true);
      try {
        const j = await n.first;
        assert.match(j.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.ok(j.port > 0);
        assert.equal(j.chainId, 31337);
        assert.deepEqual([j.stateFile, j.restored, j.replayed, j.blockNumber], [null, false, 0, 0]);
        assert.equal(j.accounts.length, 10);
        // hardhat's well-known first account of the "test test ... junk" mnemonic, funded with 10,000 ETH
        assert.deepEqual(j.accounts[0], {
          index: 0,
          address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
          privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
          balance: (10_000n * 10n ** 18n).toString(),
          role: "deployer",
        });
        assert.deepEqual(j.accounts.map((a: any) => a.role), ["deployer", "oracle", "trader", "attestor", null, null, null, null, null, null]);
        assert.equal(j.accounts[2].address, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
        assert.equal(j.mnemonic, "test test test test test test test test test test test junk");
      } finally {
        await n.stop();
      }
    });

    it("chain node --state-file says whether it restored the state, and lists the accounts and keys", async () => {
      const state = join(dir, "node-state.json");
      const first = startNode(["--state-file", state], false);
      let url: string;
      try {
        const text: string = await first.first;
        assert.match(text, /^listening http:\/\/127\.0\.0\.1:\d+ \(chain 31337; Ctrl-C to stop\)$/m);
        assert.ok(text.includes(`state: new: ${state} did not exist`), text);
        assert.match(text, /these keys are PUBLIC/);
        assert.match(text, /^ {2}#0 {2}0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 {2}10000\.0 ETH {2}key 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 {2}\(deployer\)$/m);
        assert.match(text, /^ {2}#9 {2}0xa0Ee7A142d267C1f36714E4a8F75612F20a79720 /m);
        url = /listening (\S+)/.exec(text)![1]!;
        // one state-changing request: account 0 sends 1 wei to account 4
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [{ from: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", to: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", value: "0x1" }] }),
        });
        assert.ok(((await res.json()) as any).result, "the transaction was accepted");
      } finally {
        await first.stop();
      }
      const again = startNode(["--state-file", state, "--json"], true);
      try {
        const j = await again.first;
        assert.deepEqual([j.stateFile, j.restored, j.replayed, j.blockNumber], [state, true, 1, 1]);
        assert.equal(j.accounts[4].balance, (10_000n * 10n ** 18n + 1n).toString(), "balances as restored");
      } finally {
        await again.stop();
      }
      const text = startNode(["--state-file", state], false);
      try {
        assert.ok((await text.first).includes(`state: restored from ${state} (1 request replayed, at block 1)`));
      } finally {
        await text.stop();
      }
    });
  });

  describe("prove, verify and the chain (one proof)", () => {
    const proof = join(dir, "proof.json");
    const opening = join(dir, "opening.json");
    let proved: any;

    before(() => {
      assert.equal(doc(zk("setup", "--config", "small", "--json")).config, "small");
    });

    it("prove --json: the summary with the bundle; the opening is 0600 even over an existing world-readable file", () => {
      writeFileSync(opening, "old\n", { mode: 0o644 });
      assert.equal(modeOf(opening), 0o644);
      proved = doc(zk("prove", "--params", PARAMS, "--portfolio", ex("hedged-book.json"), "--health-bps", "12500", "--credit-limit", "1000", "--context", "0xabc", "-o", proof, "--opening", opening, "--json"));
      assert.equal(modeOf(opening), 0o600);
      for (const k of ["config", "healthBps", "creditLimitCents", "creditLimit", "actualHealthBps", "paramsRoot", "epoch", "commitment", "context", "account", "insecure", "seconds", "out", "opening", "bundle"]) {
        assert.ok(k in proved, `prove --json lacks ${k}`);
      }
      assert.deepEqual([proved.config, proved.healthBps, proved.creditLimitCents, proved.creditLimit, proved.out, proved.opening, proved.account], ["small", 12500, "100000", "1000.00", proof, opening, null]);
      assert.deepEqual(proved.bundle, JSON.parse(readFileSync(proof, "utf8")));
      assert.equal(JSON.parse(readFileSync(opening, "utf8")).commitment, proved.commitment);
    });

    it("prove --json on a book that does not pass: a SHORTFALL error with the report, exit 1, nothing written", () => {
      const never = join(dir, "never.json");
      const e = jsonError(zk("prove", "--params", PARAMS, "--portfolio", ex("naked-short-calls.json"), "--health-bps", "12500", "--context", "1", "-o", never, "--json"), 1);
      assert.equal(e.code, "SHORTFALL");
      assert.equal(e.path, "--health-bps");
      assert.equal(e.value, 12500);
      assert.equal((e.report as any).ok, false);
      assert.ok(!existsSync(never));
    });

    it("verify: checks carry status ok, warn or fail; warnings are not `ok` strings; FAIL shows the value found", () => {
      const v = doc(zk("verify", proof, "--json"));
      assert.equal(v.valid, true);
      assert.equal(v.ok, true);
      assert.equal(v.status, "warn");
      for (const c of v.checks) {
        assert.ok(["ok", "warn", "fail"].includes(c.status), JSON.stringify(c));
        assert.equal(c.ok, c.status !== "fail");
        assert.ok(!c.detail.startsWith("warning:"), c.detail);
      }
      const status = (r: any, name: string) => r.checks.filter((c: any) => c.name === name).map((c: any) => c.status);
      assert.deepEqual(status(v, "paramsRoot"), ["warn"]);
      assert.deepEqual(status(v, "context"), ["warn"]);
      assert.ok(status(v, "setup").includes("warn"), "dev key: a warning");
      assert.deepEqual(status(v, "proof"), ["ok"]);
      assert.deepEqual(v.warnings, v.checks.filter((c: any) => c.status === "warn").map((c: any) => c.detail));

      const checked = doc(zk("verify", proof, "--params", PARAMS, "--context", "0xabc", "--min-credit-limit", "1000", "--json"));
      assert.deepEqual([...status(checked, "paramsRoot"), ...status(checked, "context"), ...status(checked, "credit")], ["ok", "ok", "ok"]);

      const other = JSON.parse(readFileSync(PARAMS, "utf8"));
      other.epoch = 8;
      const otherFile = file("params-8.json", other);
      const otherRoot = `0x${buildParamsTree(parseRiskParams(other)).paramsRoot.toString(16).padStart(64, "0")}`;
      const failArgs = ["verify", proof, "--params", otherFile, "--context", "0x1", "--min-health-bps", "15000"];
      const f = doc(zk(...failArgs, "--json"), 1);
      assert.equal(f.valid, false);
      assert.equal(f.ok, false);
      assert.equal(f.status, "fail");
      const byName = (n: string) => f.checks.find((c: any) => c.name === n);
      assert.deepEqual([byName("paramsRoot").status, byName("paramsRoot").found, byName("paramsRoot").expected], ["fail", proved.paramsRoot, `${otherRoot} (the given parameters' root)`]);
      assert.deepEqual([byName("context").found, byName("context").expected], [proved.context, `0x${"1".padStart(64, "0")}`]);
      assert.deepEqual([byName("health").found, byName("health").expected], ["12500 bps", ">= 15000 bps"]);
      assert.equal(byName("proof").status, "ok");
      assert.equal(byName("proof").found, undefined, "found/expected only on failed checks");

      const text = zk(...failArgs);
      assert.equal(text.code, 1);
      assert.match(text.out, new RegExp(`^FAIL  paramsRoot .*: found ${proved.paramsRoot}, expected ${otherRoot}`, "m"));
      assert.match(text.out, /^FAIL  health .*: found 12500 bps, expected >= 15000 bps$/m);
      assert.match(text.out, /^warn  setup /m);
      assert.match(text.out, /^ok    proof /m);
      assert.match(text.out, /^INVALID/m);
      // with --json the INSECURE-key warning on stderr is JSON too
      assert.equal(JSON.parse(zk("verify", proof, "--json").err.trim()).warning.code, "INSECURE_KEY");

      // a --vkey that is not a verification key: the file and the field, not an error deep in snarkjs
      const notKey = jsonError(zk("verify", proof, "--vkey", PARAMS, "--json"));
      assert.deepEqual([notKey.code, notKey.path, notKey.file, notKey.limit], ["FILE", "protocol", PARAMS, '"groth16"']);
      assert.ok(notKey.message.startsWith(`verification key file ${JSON.stringify(PARAMS)}: protocol: missing`), notKey.message);
      const notKeyText = zk("verify", proof, "--vkey", PARAMS);
      assert.equal(notKeyText.code, 2);
      assert.ok(notKeyText.err.includes(PARAMS), notKeyText.err);
    });

    it("chain: deploy, post-params of the example out of the box, a past window names now, context, approve-attestor, sign-attestation, status, a revert", () => {
      const d = doc(zk("chain", "deploy", "--no-verified", "--json"));
      assert.equal(d.config, "small");
      const posted = doc(zk("chain", "post-params", PARAMS, "--json"));
      assert.equal(posted.validUntilSource, "validUntil");
      assert.equal(posted.validUntilIso, "2036-11-20T16:00:00Z");
      assert.ok(posted.validUntil > Date.now() / 1000);

      // parameters without validUntil: asOf + 7 days, long past; the message shows now
      const noWindow = JSON.parse(readFileSync(PARAMS, "utf8"));
      delete noWindow.validUntil;
      noWindow.epoch = 8;
      const past = jsonError(zk("chain", "post-params", file("params-no-window.json", noWindow), "--json"));
      assert.equal(past.code, "VALIDITY");
      assert.equal(past.path, "validUntil");
      assert.equal(past.value, "2026-11-27T16:00:00Z");
      assert.match(past.message, /asOf \+ 7 days.*now is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
      assert.match(past.limit!, /^> now \(\d{4}-/);
      const flag = zk("chain", "post-params", file("params-no-window.json", noWindow), "--valid-until", "2026-01-01T00:00:00Z");
      assert.equal(flag.code, 2);
      assert.match(flag.err, /^error: --valid-until: the validity window would end 2026-01-01T00:00:00Z \(unix 1767225600\), which is not after now: now is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(unix \d+\)/);

      const ctx = doc(zk("chain", "context", "--json"));
      assert.match(ctx.context, /^0x[0-9a-f]{64}$/);
      const attestor = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"; // dev account 3
      const approved = doc(zk("chain", "approve-attestor", attestor, "--json"));
      assert.deepEqual([approved.attestor, approved.approved], [attestor, true]);
      assert.match(approved.txHash, /^0x[0-9a-f]{64}$/);
      const sig = doc(zk("chain", "sign-attestation", "--opening", join(dir, "opening.json"), "--params", PARAMS, "--account", ACCOUNT, "-o", join(dir, "sig.json"), "--json"));
      assert.equal(sig.commitment, proved.commitment);
      const st = doc(zk("chain", "status", ACCOUNT, "--json"), 1);
      assert.equal(st.attested, false);
      // the proof was made for context 0xabc, not this pool's: the error has the value found and the one expected
      const wrong = jsonError(zk("chain", "submit", proof, "--json"));
      assert.deepEqual([wrong.code, wrong.path, wrong.value, wrong.limit, wrong.file], ["ARGUMENT", "bundle.context", proved.context, ctx.context, proof]);
      // a transaction the contract refuses is a "no" (exit 1), not bad input
      const reverted = jsonError(zk("chain", "borrow", "100", "--json"), 1);
      assert.deepEqual([reverted.code, reverted.value], ["REVERTED", "ExamplePool__NotHealthy"]);
      assert.equal(zk("chain", "borrow", "100").code, 1, "the same without --json");
    });
  });

  describe("example parameters are valid now", () => {
    it("examples/params.json carries a validUntil years ahead (not under paramsRoot), and chain post-params uses it", () => {
      const p = parseRiskParams(JSON.parse(readFileSync(PARAMS, "utf8")));
      assert.equal(p.validUntil, "2036-11-20T16:00:00Z");
      const w = defaultValidUntil(p);
      assert.equal(w.source, "validUntil");
      assert.ok(w.validUntil > Date.now() / 1000 + 365 * 86400, "valid for at least another year");
      // validUntil is not committed: the root is that of the same parameters without it
      const without = JSON.parse(readFileSync(PARAMS, "utf8"));
      delete without.validUntil;
      const q = parseRiskParams(without);
      assert.equal(buildParamsTree(q).paramsRoot, buildParamsTree(p).paramsRoot);
      assert.equal(defaultValidUntil(q).source, "asOf + 7 days");
      assert.deepEqual(riskParamsToJson(p), JSON.parse(readFileSync(PARAMS, "utf8")));
    });

    it("validUntil must be an ISO 8601 time after asOf", () => {
      const j = JSON.parse(readFileSync(PARAMS, "utf8"));
      j.validUntil = j.asOf;
      throwsZk(() => parseRiskParams(j), "OUT_OF_RANGE", "validUntil", "not after asOf");
      j.validUntil = "next year";
      throwsZk(() => parseRiskParams(j), "SCHEMA", "validUntil");
      j.validUntil = 5;
      throwsZk(() => parseRiskParams(j), "SCHEMA");
    });
  });
});
