import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { clone } from "../helpers.js";
import { toyKeys, type ToyKeys } from "../prove/toyKeys.js";

// `zkmargin verify` run in-process (runCli, the function bin/zkmargin.js calls) on bundles of a toy
// circuit with zkmargin's public layout, with a dev key and with a key from a random powers of tau.
async function zk(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s.endsWith("\n") ? s : `${s}\n`), err: (s) => (err += s.endsWith("\n") ? s : `${s}\n`) });
  return { code, out, err };
}

describe("cli: verify decides INSECURE from the key", function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), "zkm-cli-verify-"));
  const write = (name: string, x: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(x));
    return f;
  };
  let k: ToyKeys;
  before(async () => {
    k = await toyKeys();
  });

  it("a dev-setup bundle edited to setup.insecure: false still prints the INSECURE warning", async () => {
    const lying = clone(k.dev.bundle);
    lying.setup.insecure = false;
    lying.setup.label = "phase-1 file powersOfTau28_hez_final_17.ptau";
    const r = await zk("verify", write("lying.json", lying), "--vkey", k.dev.vkeyFile);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^VALID: health >= 12500 bps with a credit limit of 1234\.56 USD/m);
    assert.match(r.out, /^INSECURE: the verification key is from a dev setup/m);
    assert.match(r.out, /the bundle's claim is ignored/);
    assert.match(r.err, /INSECURE dev verification key/);
    const j = JSON.parse((await zk("verify", write("lying.json", lying), "--vkey", k.dev.vkeyFile, "--json")).out);
    assert.equal(j.valid, true);
    assert.equal(j.insecure, true);
  });

  it("a bundle claiming INSECURE with a key that is not a dev key: inconsistent, no INSECURE verdict", async () => {
    const b = clone(k.honest.bundle);
    b.setup.insecure = true;
    const r = await zk("verify", write("claims-insecure.json", b), "--vkey", k.honest.vkeyFile);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /inconsistent bundle: it claims an INSECURE dev setup, but this verification key is not a dev key/);
    assert.ok(!/^INSECURE/m.test(r.out));
    const plain = await zk("verify", write("honest.json", k.honest.bundle), "--vkey", k.honest.vkeyFile);
    assert.equal(plain.code, 0);
    assert.ok(!/INSECURE|inconsistent/.test(plain.out + plain.err), plain.out);
  });

  it("--min-credit-limit <USD> and --min-health-bps are enforced (exit 1), bad values refused (exit 2)", async () => {
    const f = write("honest.json", k.honest.bundle);
    assert.equal((await zk("verify", f, "--vkey", k.honest.vkeyFile, "--min-credit-limit", "1234.56", "--min-health-bps", "12500")).code, 0);
    const low = await zk("verify", f, "--vkey", k.honest.vkeyFile, "--min-credit-limit", "1234.57");
    assert.equal(low.code, 1);
    assert.match(low.out, /FAIL\s+credit\s+credit limit 1234\.56 USD >= required 1234\.57 USD/);
    assert.equal((await zk("verify", f, "--vkey", k.honest.vkeyFile, "--min-health-bps", "12501")).code, 1);
    const bad = await zk("verify", f, "--vkey", k.honest.vkeyFile, "--min-credit-limit", "1.001");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--min-credit-limit: .*more than 2 decimal places/);
  });

  it("a bundle whose named credit limit differs from the proven one is INVALID", async () => {
    const b = clone(k.honest.bundle);
    b.creditLimitCents = "99999999";
    const r = await zk("verify", write("more-credit.json", b), "--vkey", k.honest.vkeyFile);
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL\s+signals/);
    assert.match(r.out, /^INVALID/m);
  });
});
