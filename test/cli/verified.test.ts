import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devAccounts } from "../../src/chain/edr.js";
import { cacheDir } from "../../src/circuit/paths.js";
import { runCli } from "../../src/cli/main.js";
import { getConfig } from "../../src/config/circuits.js";
import { signStatement, statementPublicKey } from "../../src/statements/index.js";
import { setupCircuit, releaseCurve } from "../../setup/groth16.js";
import { fixtureJson } from "../helpers.js";

async function zk(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s.endsWith("\n") ? s : `${s}\n`), err: (s) => (err += s.endsWith("\n") ? s : `${s}\n`) });
  return { code, out, err };
}

const VENUE1_KEY = (() => {
  const k = Buffer.alloc(32);
  Buffer.from("zkmargin test venue 1", "ascii").copy(k);
  return `0x${k.toString("hex")}`;
})();
const VENUE2_KEY = `0x${"42".repeat(32)}`;
const AS_OF = 1795188600; // within params-small.json's statement window

// Verified mode through the CLI, in-process (runCli, what bin/zkmargin.js calls): prove from two
// venue statements with --account, verify with --account, then on the embedded chain a pool that
// requires verified proofs: deploy --require-verified, submit (only from the statements' account),
// status shows "verified".
describe("cli: verified mode (prove --statement --account, verify --account, chain)", function () {
  this.timeout(1_800_000);
  const dir = mkdtempSync(join(tmpdir(), "zkm-cli-verified-"));
  const savedCache = process.env.ZKMARGIN_CACHE;
  const [, , trader, other] = devAccounts();
  const file = (name: string, x: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(x, null, 2));
    return f;
  };
  let params: string;
  let statements: string[];
  const deployment = join(dir, "deployment.json");
  const chain = (...args: string[]) => zk("chain", ...args, "--deployment", deployment);

  before(async () => {
    // the setups live in the shared cache; the embedded chain's state goes to a private one
    await setupCircuit(getConfig("small"));
    await setupCircuit(getConfig("small-verified"));
    const shared = cacheDir();
    const priv = join(dir, "cache");
    mkdirSync(priv, { recursive: true });
    for (const sub of ["setup", "circuits", "ptau", "contracts"]) symlinkSync(join(shared, sub), join(priv, sub));
    process.env.ZKMARGIN_CACHE = priv;
    const j = fixtureJson("params-small.json");
    j.venues.push({ id: 2, name: "Test Custodian", publicKey: statementPublicKey(VENUE2_KEY) });
    params = file("params.json", j);
    statements = [
      file(
        "exchange.json",
        signStatement({
          venueId: 1,
          account: trader!.address,
          asOf: AS_OF,
          privateKey: VENUE1_KEY,
          holdings: { collateral: { "1": "4000000000", "2": "1000000000000000000" }, positions: { "1001": "50000", "2001": "-10000" } },
        }),
      ),
      file(
        "custodian.json",
        signStatement({
          venueId: 2,
          account: trader!.address,
          asOf: AS_OF,
          privateKey: VENUE2_KEY,
          holdings: { collateral: { "1": "6000000000", "2": "2000000000000000000" }, positions: {} },
        }),
      ),
    ];
  });
  after(async () => {
    if (savedCache === undefined) delete process.env.ZKMARGIN_CACHE;
    else process.env.ZKMARGIN_CACHE = savedCache;
    await releaseCurve();
    rmSync(dir, { recursive: true, force: true });
  });

  const proveArgs = (context: string, out: string) => [
    "prove",
    "--params",
    params,
    "--statement",
    statements[0]!,
    "--statement",
    statements[1]!,
    "--account",
    trader!.address,
    "--health-bps",
    "12500",
    "--credit-limit",
    "1000",
    "--context",
    context,
    "-o",
    out,
  ];

  it("prove --statement ... --account writes a verified bundle; verify --account accepts it, another account is refused", async () => {
    const proof = join(dir, "proof.json");
    const r = await zk(...proveArgs("0x5", proof));
    assert.equal(r.code, 0, r.out + r.err);
    const b = JSON.parse(readFileSync(proof, "utf8"));
    assert.equal(b.config, "small-verified");
    assert.equal(b.account, trader!.address.toLowerCase());
    assert.equal(b.publicSignals.length, 5);
    const v = await zk("verify", proof, "--params", params, "--account", trader!.address, "--context", "0x5");
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, /^VALID/m);
    const w = await zk("verify", proof, "--params", params, "--account", other!.address, "--context", "0x5");
    assert.equal(w.code, 1, w.out + w.err);
    assert.match(w.out, /^INVALID/m);
  });

  it("chain: deploy --require-verified, submit from the statements' account only, status shows verified", async () => {
    const d = await chain("deploy", "--require-verified");
    assert.equal(d.code, 0, d.out + d.err);
    assert.match(d.out, /verified\s+0x[0-9a-fA-F]{40}\s+\([0-9]+ gas; small-verified proofs from venue statements/);
    assert.match(d.out, /only verified proofs/);
    const rec = JSON.parse(readFileSync(deployment, "utf8"));
    assert.equal(rec.verified.config, "small-verified");
    assert.equal(rec.policy.requireVerified, true);
    const validUntil = String(Math.floor(Date.now() / 1000) + 30 * 86400);
    assert.equal((await chain("post-params", params, "--valid-until", validUntil)).code, 0);
    const c = await chain("context", "--json");
    assert.equal(c.code, 0, c.err);
    const ctx = JSON.parse(c.out);
    assert.equal(ctx.account, trader!.address);
    const proof = join(dir, "proof-onchain.json");
    assert.equal((await zk(...proveArgs(ctx.context, proof))).code, 0);
    // another signer is refused before sending, with a plain message
    const wrong = await chain("submit", proof, "--dev-account", "3");
    assert.equal(wrong.code, 2, wrong.out + wrong.err);
    assert.match(wrong.err, new RegExp(`signed for ${trader!.address.toLowerCase()}; it can only be submitted by that account, not by ${other!.address}`));
    const s = await chain("submit", proof);
    assert.equal(s.code, 0, s.out + s.err);
    assert.match(s.out, /\(verified: venue-signed statements\)/);
    const st = await chain("status", trader!.address, "--min-health-bps", "12500");
    assert.equal(st.code, 0, st.out + st.err);
    assert.match(st.out, /HEALTHY at 12500 bps/);
    assert.match(st.out, /verified\s+yes/);
    const js = JSON.parse((await chain("status", trader!.address, "--json")).out);
    assert.equal(js.verified, true);
  });

  it("chain submit refuses a self-declared bundle on a pool that requires verified proofs", async () => {
    const c = JSON.parse((await chain("context", "--json")).out);
    const book = file("book.json", { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } });
    const proof = join(dir, "self.json");
    const p = await zk("prove", "--params", params, "--portfolio", book, "--health-bps", "12500", "--context", c.context, "-o", proof);
    assert.equal(p.code, 0, p.out + p.err);
    const r = await chain("submit", proof);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /accepts only verified proofs/);
  });
});
