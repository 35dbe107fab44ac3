import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoFile } from "../helpers.js";
import { signStatement, verifyStatement } from "../../src/statements/index.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { ACCOUNT, AS_OF, DEV_KEY_HEX, OTHER_ACCOUNT, WORKED_EXAMPLE, WORKED_EXAMPLE_UNITS, exampleParamsJson } from "./fixture.js";

// The real `zkmargin` bin (bin/zkmargin.js -> dist/): run `npm run build` first.
const BIN = repoFile("bin/zkmargin.js");
function zk(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const tmp = mkdtempSync(join(tmpdir(), "zkmargin-venue-"));
const write = (name: string, content: unknown) => {
  const f = join(tmp, name);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
};
const PARAMS = repoFile("examples/params.json");
const noStack = (s: string) => assert.ok(!/\n\s+at /.test(s), `stack trace in output:\n${s}`);
const DEV_KEY_FILE = () => write("dev.key.json", { zkmarginVenueKey: 1, privateKey: DEV_KEY_HEX });
const HOLDINGS = { collateral: { USDC: "2500000", ETH: "150.25" }, positions: { "ETH-PERP": "-120.5" } };

describe("cli: zkmargin venue", function () {
  this.timeout(60000);

  it("keygen writes a 0600 key file and refuses to overwrite it", () => {
    const out = join(tmp, "venue.key.json");
    const r = zk("venue", "keygen", "-o", out, "--json");
    assert.equal(r.code, 0, r.err);
    const key = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(key.zkmarginVenueKey, 1);
    assert.match(key.privateKey, /^0x[0-9a-f]{64}$/);
    assert.deepEqual(JSON.parse(r.out).publicKey, key.publicKey);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const again = zk("venue", "keygen", "-o", out);
    assert.equal(again.code, 2);
    assert.match(again.err, /never overwritten/);
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), key);
    noStack(again.err);
  });

  it("sign (symbols and whole units resolved against --params, venue id from the listed key, a debt included) then verify: exit 0", () => {
    const out = join(tmp, "stmt.json");
    const r = zk("venue", "sign", write("h.json", WORKED_EXAMPLE_UNITS), "--account", ACCOUNT, "--as-of", "2026-11-20T15:30:00Z", "--key", DEV_KEY_FILE(), "--params", PARAMS, "-o", out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /signed statement of venue 1 .* 2 balances, 17 positions \(19 entries\)/);
    const stmt = JSON.parse(readFileSync(out, "utf8"));
    // docs/statements.md's worked example, exactly
    assert.equal(stmt.zkmarginStatement, 2);
    assert.equal(stmt.signature.S, "1750196247209187784942648165028050940329940233247940361550033200744310765057");
    assert.deepEqual(stmt.collateral, WORKED_EXAMPLE.collateral);
    assert.deepEqual(stmt.positions, WORKED_EXAMPLE.positions);
    assert.equal(stmt.asOf, 1795188600);
    const v = zk("venue", "verify", out, "--params", PARAMS, "--account", ACCOUNT);
    assert.equal(v.code, 0, v.err);
    assert.match(v.out, /^ok {2}statement of venue 1 \(Example Exchange\) for 0x7099.* as of 2026-11-20T15:30:00Z\n {4}19 entries: 2 balances counted, 17 positions; signature valid/);
    const j = JSON.parse(zk("venue", "verify", out, "--params", PARAMS, "--json").out);
    assert.equal(j.valid, true);
    assert.equal(j.entries, 19);
    assert.deepEqual(j.collateral, { USDC: "-1250000000000", ETH: "150250000000000000000" });
    assert.equal(j.positions["ETH-PERP"], "-120500");
    assert.equal(BigInt(j.message), 485616226745225550817748052158721723769379409336734602383643567160578134635n);
    // unix seconds work for --as-of too, and without -o the statement is printed
    const p = zk("venue", "sign", write("h.json", WORKED_EXAMPLE_UNITS), "--account", ACCOUNT, "--as-of", "1795188600", "--key", DEV_KEY_FILE(), "--params", PARAMS, "--venue-id", "1");
    assert.equal(p.code, 0, p.err);
    assert.deepEqual(JSON.parse(p.out), stmt);
    const one = zk("venue", "sign", write("h1.json", { collateral: { USDC: "-5" } }), "--account", ACCOUNT, "--as-of", "1795188600", "--key", DEV_KEY_FILE(), "--params", PARAMS, "-o", join(tmp, "one.json"), "--json");
    assert.equal(one.code, 0, one.err);
    assert.deepEqual([JSON.parse(one.out).entries, JSON.parse(one.out).statement.collateral], [1, { "1": "-5000000" }]);
  });

  it("verify: exit 1 naming the rule and the value (another account, stale, tampered, unknown key), 2 for bad input", () => {
    const out = join(tmp, "stmt2.json");
    assert.equal(zk("venue", "sign", write("h.json", HOLDINGS), "--account", ACCOUNT, "--as-of", "2026-11-20T14:00:00Z", "--key", DEV_KEY_FILE(), "--params", PARAMS, "-o", out).code, 0);
    const stale = zk("venue", "verify", out, "--params", PARAMS);
    assert.equal(stale.code, 1);
    assert.match(stale.err, /^invalid statement \(freshness\): asOf: the statement is stale: asOf 2026-11-20T14:00:00Z .*from 2026-11-20T15:00:00Z to 2026-11-20T17:00:00Z/);
    const j = JSON.parse(zk("venue", "verify", out, "--params", PARAMS, "--json").out);
    assert.deepEqual([j.valid, j.rule, j.path], [false, "freshness", "asOf"]);

    const ok = join(tmp, "stmt3.json");
    assert.equal(zk("venue", "sign", write("h.json", HOLDINGS), "--account", ACCOUNT, "--as-of", "2026-11-20T16:10:00Z", "--key", DEV_KEY_FILE(), "--params", PARAMS, "-o", ok).code, 0);
    const acct = zk("venue", "verify", ok, "--params", PARAMS, "--account", OTHER_ACCOUNT);
    assert.equal(acct.code, 1);
    assert.match(acct.err, /\(account\): account: the statement is for account 0x7099.*, not 0x3c44/);

    const tampered = JSON.parse(readFileSync(ok, "utf8"));
    tampered.collateral["1"] = "9500000000000";
    const t = zk("venue", "verify", write("tampered.json", tampered), "--params", PARAMS);
    assert.equal(t.code, 1);
    assert.match(t.err, /\(signature\): signature: bad signature/);

    const keygen = join(tmp, "other.key.json");
    assert.equal(zk("venue", "keygen", "-o", keygen).code, 0);
    const unlisted = join(tmp, "unlisted.json");
    const s = zk("venue", "sign", write("h.json", HOLDINGS), "--account", ACCOUNT, "--as-of", "2026-11-20T16:10:00Z", "--key", keygen, "--params", PARAMS, "--venue-id", "1", "-o", unlisted);
    assert.equal(s.code, 0, s.err);
    assert.match(s.err, /warning: these risk parameters list another key for venue 1/);
    const u = zk("venue", "verify", unlisted, "--params", PARAMS);
    assert.equal(u.code, 1);
    assert.match(u.err, /\(venue\): publicKey: the risk parameters list another key for venue 1 \(Example Exchange\)/);
    // the same statement verifies under parameters that list that key
    const pj = exampleParamsJson();
    pj.venues[0].publicKey = JSON.parse(readFileSync(keygen, "utf8")).publicKey;
    assert.equal(zk("venue", "verify", unlisted, "--params", write("p2.json", pj)).code, 0);
    verifyStatement(JSON.parse(readFileSync(unlisted, "utf8")), parseRiskParams(pj));

    const bad = zk("venue", "verify", write("bad.json", { zkmarginStatement: 2 }), "--params", PARAMS);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^error: .*missing required field/);
    const v1 = zk("venue", "verify", write("v1.json", { ...tampered, zkmarginStatement: 1 }), "--params", PARAMS);
    assert.equal(v1.code, 2);
    assert.match(v1.err, /^error: .*statement format 1 is no longer accepted: ask the venue for a format 2 statement \("zkmarginStatement": 2, docs\/statements\.md\)/);
    // a debt in an asset the parameters do not list: rule debt, exit 1
    const owes = signStatement({ holdings: { collateral: { "1": "5", "77": "-500" } }, venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: DEV_KEY_HEX });
    const d = zk("venue", "verify", write("owes.json", owes), "--params", PARAMS);
    assert.equal(d.code, 1);
    assert.match(d.err, /^invalid statement \(debt\): .*venue 1 holds a debt of 500 base units in asset 77, which the risk parameters do not list/);
    noStack(bad.err + u.err + t.err + v1.err + d.err);
  });

  it("sign refuses no entries, a key without a listed venue and no --venue-id, and writes nothing", () => {
    const out = join(tmp, "never.json");
    const empty = zk("venue", "sign", write("empty.json", { collateral: { USDC: "0" } }), "--account", ACCOUNT, "--as-of", "2026-11-20T16:00:00Z", "--key", DEV_KEY_FILE(), "--params", PARAMS, "-o", out);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /nothing to sign\/prove: a statement holds at least one entry/);
    const keygen = join(tmp, "k3.json");
    zk("venue", "keygen", "-o", keygen);
    const noId = zk("venue", "sign", write("h.json", HOLDINGS), "--account", ACCOUNT, "--as-of", "2026-11-20T16:00:00Z", "--key", keygen, "--params", PARAMS, "-o", out);
    assert.equal(noId.code, 2);
    assert.match(noId.err, /--venue-id/);
    const badTime = zk("venue", "sign", write("h.json", HOLDINGS), "--account", ACCOUNT, "--as-of", "yesterday", "--key", DEV_KEY_FILE(), "--params", PARAMS, "-o", out);
    assert.equal(badTime.code, 2);
    assert.match(badTime.err, /--as-of/);
    assert.ok(!existsSync(out));
  });
});
