import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Signature, Wallet, verifyTypedData } from "ethers";
import { attestorDomain, PORTFOLIO_TYPES } from "../../src/chain/pool.js";
import { createEmbeddedChain, type EmbeddedChain } from "../../src/chain/edr.js";
import { runCli } from "../../src/cli/main.js";
import { toHex32 } from "../../src/crypto/poseidon.js";
import { FIELD_MODULUS } from "../../src/config/limits.js";
import { clone, fixture, fixtureJson, repoFile } from "../helpers.js";
import { openingFor } from "../prove/openingFixture.js";

// `zkmargin chain sign-attestation --opening --params --account`, run in-process (runCli, the
// function bin/zkmargin.js calls) on the embedded chain, with a deployment record naming the
// attestation contract (signing needs only its address and the chain id).
async function zk(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s.endsWith("\n") ? s : `${s}\n`), err: (s) => (err += s.endsWith("\n") ? s : `${s}\n`) });
  return { code, out, err };
}

describe("cli: chain sign-attestation signs only a commitment it recomputed", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "zkm-cli-sign-"));
  const write = (name: string, x: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(x));
    return f;
  };
  const attestor = Wallet.createRandom();
  const account = "0x00000000000000000000000000000000000000a1";
  const attestations = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const TOKEN = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"; // any address: sign-attestation never calls the token
  const PARAMS = fixture("params-small.json");
  const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "BTC-PERP": "-0.5" } };
  const good = openingFor(book);
  let deployment: string;
  const savedCache = process.env.ZKMARGIN_CACHE;
  const sign = (opening: string, out: string, ...more: string[]) =>
    zk("chain", "sign-attestation", "--opening", opening, "--params", PARAMS, "--account", account, "--key", attestor.privateKey, "--deployment", deployment, "-o", out, ...more);

  before(() => {
    // the embedded chain keeps its state under the cache folder: use a private one
    process.env.ZKMARGIN_CACHE = join(dir, "cache");
    deployment = write("deployment.json", { chainId: 31337, attestations, token: TOKEN, config: "small" });
  });
  after(() => {
    if (savedCache === undefined) delete process.env.ZKMARGIN_CACHE;
    else process.env.ZKMARGIN_CACHE = savedCache;
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs a good opening: the EIP-712 signature recovers to the attestor over the recomputed commitment", async () => {
    const out = join(dir, "sig.json");
    const r = await sign(write("good.json", good), out, "--as-of", "1764000000");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`signed commitment ${good.commitment} for ${account}`));
    assert.match(r.out, /recomputed from the opening: 2 collateral balance\(s\), 2 position\(s\) under paramsRoot 0x[0-9a-f]{64}/);
    const sig = JSON.parse(readFileSync(out, "utf8"));
    assert.deepEqual(Object.keys(sig).sort(), ["asOf", "r", "vs"]);
    assert.equal(sig.asOf, 1764000000);
    const signer = verifyTypedData(
      attestorDomain(31337, attestations),
      PORTFOLIO_TYPES,
      { commitment: BigInt(good.commitment), account, asOf: sig.asOf },
      Signature.from({ r: sig.r, yParityAndS: sig.vs }),
    );
    assert.equal(signer, attestor.address);
  });

  it("without --as-of, dates the signature by the chain's clock at inclusion, not by its latest block", async () => {
    const stateFile = join(dir, "cache", "chain", "embedded-chain.json");
    const now = () => Math.floor(Date.now() / 1000);
    const block = async (c: EmbeddedChain, tag: string) => Number(((await c.request({ method: "eth_getBlockByNumber", params: [tag, false] })) as { timestamp: string }).timestamp);
    const DAYS_3 = 3 * 86400;
    /** Sign with the embedded chain in the state `prepare` leaves; then mine the block a submission would land in. */
    const signOn = async (prepare: (c: EmbeddedChain) => Promise<void>) => {
      rmSync(stateFile, { force: true });
      const c = await createEmbeddedChain({ stateFile, genesisTime: now() - DAYS_3 });
      await prepare(c);
      await c.close();
      const out = join(dir, "sig-chain-clock.json");
      const r = await sign(write("good-clock.json", good), out);
      assert.equal(r.code, 0, r.err);
      const { asOf } = JSON.parse(readFileSync(out, "utf8")) as { asOf: number };
      const reopened = await createEmbeddedChain({ stateFile });
      try {
        await reopened.request({ method: "evm_mine", params: [] });
        const latest = await block(reopened, "latest");
        return { asOf, latest, genesis: await block(reopened, "0x0") };
      } finally {
        await reopened.close();
      }
    };
    // a persisted chain whose clock follows the wall clock while its latest block is 3 days old (as
    // when it is reopened days after its last transaction): dated now, not 3 days ago
    const reopened = await signOn(async (c) => {
      await c.request({ method: "evm_increaseTime", params: [DAYS_3] });
    });
    assert.ok(Math.abs(reopened.asOf - now()) <= 60, `asOf ${reopened.asOf} is not now (${now()}); genesis ${reopened.genesis}`);
    // what the contract checks at inclusion: asOf <= block.timestamp and block.timestamp - asOf <= maxAttestorAge (1 day by default)
    assert.ok(reopened.asOf <= reopened.latest && reopened.latest - reopened.asOf <= 60, JSON.stringify(reopened));
    // a chain whose clock runs 3 days behind the wall clock: dated by the chain's clock, not the wall clock (which it would call the future)
    const behind = await signOn(async () => {});
    assert.ok(behind.asOf <= behind.latest && behind.latest - behind.asOf <= 60, JSON.stringify(behind));
    assert.ok(behind.asOf < now() - DAYS_3 + 3600, `asOf ${behind.asOf} follows the wall clock, not the chain's`);
  });

  const refused = async (name: string, opening: unknown, pattern: RegExp, ...more: string[]) => {
    const out = join(dir, `${name}-sig.json`);
    const r = await sign(write(`${name}.json`, opening), out, "--as-of", "1764000000", ...more);
    assert.equal(r.code, 2, `${name}: ${r.out}${r.err}`);
    assert.match(r.err, pattern);
    assert.ok(!/\n\s+at /.test(r.err), r.err);
    assert.ok(!existsSync(out), `${name}: a signature was written`);
  };

  it("refuses an opening with one balance changed", async () => {
    const o = clone(good);
    const k = Object.keys(o.collateral)[0]!;
    o.collateral[k] = (BigInt(o.collateral[k]!) + 1n).toString();
    await refused("balance", o, /opening\.commitment: the holdings and salt do not open the commitment: they commit to 0x[0-9a-f]{64}, the opening says 0x[0-9a-f]{64}/);
  });

  it("refuses an opening made under another paramsRoot", async () => {
    const otherParams = fixtureJson("params-small.json");
    otherParams.epoch += 1;
    const o = { ...clone(good), paramsRoot: toHex32(123n) };
    await refused("root", o, new RegExp(`opening\\.paramsRoot: the opening was made under paramsRoot ${toHex32(123n)} .* the given parameters have paramsRoot ${good.paramsRoot}`));
    // and the right opening against parameters with another root
    const out = join(dir, "other-params-sig.json");
    const r = await zk("chain", "sign-attestation", "--opening", write("good2.json", good), "--params", write("other-params.json", otherParams), "--account", account, "--key", attestor.privateKey, "--deployment", deployment, "-o", out);
    assert.equal(r.code, 2, r.out);
    assert.match(r.err, /opening\.paramsRoot: .*given parameters have paramsRoot/);
    assert.ok(!existsSync(out));
  });

  it("refuses an opening with a wrong salt, a v1 opening, and a pool of another configuration", async () => {
    await refused("salt", { ...clone(good), salt: toHex32((BigInt(good.salt) + 1n) % FIELD_MODULUS) }, /opening\.commitment: the holdings and salt do not open the commitment/);
    await refused("v1", { zkmarginOpening: 1, config: "small", commitment: good.commitment, salt: good.salt, portfolio: book }, /version-1 opening/);
    const std = write("deployment-standard.json", { chainId: 31337, attestations, token: TOKEN, config: "standard" });
    const out = join(dir, "std-sig.json");
    const r = await zk("chain", "sign-attestation", "--opening", write("good3.json", good), "--params", PARAMS, "--account", account, "--key", attestor.privateKey, "--deployment", std, "-o", out, "--as-of", "1764000000");
    assert.equal(r.code, 2);
    assert.match(r.err, /the opening is for the "small" circuit; this pool verifies "standard" proofs/);
    assert.ok(!existsSync(out));
  });

  it("the same through the real `zkmargin` bin: a good opening is signed, a changed one refused", () => {
    const bin = (...args: string[]) => {
      const r = spawnSync(process.execPath, [repoFile("bin/zkmargin.js"), ...args], { encoding: "utf8", env: { ...process.env, CI: "1", ZKMARGIN_CACHE: join(dir, "cache") } });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const common = ["--params", PARAMS, "--account", account, "--key", attestor.privateKey, "--deployment", deployment, "--as-of", "1764000000"];
    const out = join(dir, "bin-sig.json");
    const ok = bin("chain", "sign-attestation", "--opening", write("bin-good.json", good), ...common, "-o", out, "--json");
    assert.equal(ok.code, 0, ok.err);
    const j = JSON.parse(ok.out);
    assert.equal(j.commitment, good.commitment);
    assert.equal(j.paramsRoot, good.paramsRoot);
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), { asOf: j.asOf, r: j.r, vs: j.vs });
    const o = clone(good);
    const k = Object.keys(o.positions)[0]!;
    o.positions[k] = (BigInt(o.positions[k]!) + 1n).toString();
    const bad = bin("chain", "sign-attestation", "--opening", write("bin-bad.json", o), ...common, "-o", join(dir, "bin-bad-sig.json"));
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^error: commitment opening file ".*bin-bad\.json": opening\.commitment: the holdings and salt do not open the commitment/m);
    assert.ok(!existsSync(join(dir, "bin-bad-sig.json")));
  });

  it("the old form (a bundle argument, no --opening) is refused", async () => {
    const r = await zk("chain", "sign-attestation", write("bundle.json", {}), "--params", PARAMS, "--account", account, "-o", join(dir, "x.json"));
    assert.equal(r.code, 2);
  });
});
