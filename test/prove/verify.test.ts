import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { releaseCurve } from "../../setup/groth16.js";
import { DEFAULT_DEV_PTAU_SEED } from "../../setup/devPtau.js";
import { checkDevKey, devKeyPoints, isDevKey } from "../../src/prove/devKey.js";
import { TERMS_SHIFT, type ProofBundle } from "../../src/prove/bundle.js";
import { checkVerificationKey, parseBundle, verifyMargin } from "../../src/prove/verify.js";
import { ZkMarginError } from "../../src/errors.js";
import { clone, repoFile, throwsZk } from "../helpers.js";
import { toyKeys, type ToyKeys } from "./toyKeys.js";

const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const setupWarnings = (r: { checks: { name: string; detail: string }[] }) =>
  r.checks.filter((c) => c.name === "setup").map((c) => c.detail).join("\n");

describe("verify: INSECURE is decided from the verification key, never from the bundle", function () {
  this.timeout(300_000);
  let k: ToyKeys;
  before(async () => {
    k = await toyKeys();
  });
  after(releaseCurve);

  it("isDevKey recognises a key made from the dev powers of tau, and only such a key", () => {
    assert.equal(isDevKey(k.dev.vkey), true);
    assert.deepEqual(checkDevKey(k.dev.vkey), { dev: true, alphaIsDev: true, betaIsDev: true });
    assert.equal(isDevKey(k.honest.vkey), false);
    assert.deepEqual(checkDevKey(k.honest.vkey), { dev: false, alphaIsDev: false, betaIsDev: false });
    // the points are the seed's alpha*G1 and beta*G2, exactly as the key carries them
    const p = devKeyPoints(DEFAULT_DEV_PTAU_SEED);
    assert.deepEqual(k.dev.vkey.vk_alpha_1, [...p.alpha1.map(String), "1"]);
    assert.deepEqual(k.dev.vkey.vk_beta_2, [...p.beta2.map((c) => c.map(String)), ["1", "0"]]);
    // another seed is another key
    assert.equal(isDevKey(k.dev.vkey, "some other seed"), false);
    assert.equal(isDevKey(undefined), false);
    assert.equal(isDevKey({ vk_alpha_1: "junk", vk_beta_2: [[1]] }), false);
  });

  it("a dev key written differently (projective coordinates, x + q) is still a dev key: snarkjs reads it the same way", () => {
    const [x, y] = devKeyPoints().alpha1;
    const z = 5n;
    const vk = clone(k.honest.vkey);
    vk.vk_alpha_1 = [((x * z * z) % Q).toString(), ((y * z * z * z) % Q).toString(), z.toString()];
    assert.deepEqual(checkDevKey(vk), { dev: true, alphaIsDev: true, betaIsDev: false });
    vk.vk_alpha_1 = [(x + Q).toString(), y.toString(), "1"];
    assert.equal(isDevKey(vk), true);
    const vb = clone(k.honest.vkey);
    vb.vk_beta_2 = clone(k.dev.vkey.vk_beta_2);
    assert.deepEqual(checkDevKey(vb), { dev: true, alphaIsDev: false, betaIsDev: true });
  });

  it("a dev-setup bundle edited to setup.insecure: false still yields the INSECURE warning", async () => {
    const honest = await verifyMargin(k.dev.bundle, k.dev.vkey);
    assert.equal(honest.valid, true, JSON.stringify(honest.checks));
    assert.equal(honest.insecure, true);
    assert.match(setupWarnings(honest), /INSECURE dev setup/);

    const lying: ProofBundle = clone(k.dev.bundle);
    lying.setup.insecure = false;
    lying.setup.label = "phase-1 file powersOfTau28_hez_final_17.ptau";
    const r = await verifyMargin(parseBundle(clone(lying)), k.dev.vkey);
    assert.equal(r.valid, true, "the proof itself is fine");
    assert.equal(r.insecure, true);
    assert.match(setupWarnings(r), /verification key is from an INSECURE dev setup \(its alpha and beta are the public dev seed's\)/);
    assert.match(setupWarnings(r), /bundle claims a secure setup .* the bundle's claim is ignored/);
    assert.ok(r.warnings.some((w) => /INSECURE/.test(w)));
  });

  it("the verifier's own setup record can only add INSECURE, never remove it", async () => {
    const r = await verifyMargin(k.honest.bundle, k.honest.vkey, { keyInsecure: true });
    assert.equal(r.insecure, true);
    assert.match(setupWarnings(r), /your setup record says so/);
    const d = await verifyMargin(k.dev.bundle, k.dev.vkey, { keyInsecure: false });
    assert.equal(d.insecure, true);
  });

  it("a bundle claiming insecure while the key is not a dev key is reported as inconsistent", async () => {
    const ok = await verifyMargin(k.honest.bundle, k.honest.vkey);
    assert.equal(ok.valid, true, JSON.stringify(ok.checks));
    assert.equal(ok.insecure, false);
    assert.equal(setupWarnings(ok), "");
    const b: ProofBundle = clone(k.honest.bundle);
    b.setup.insecure = true;
    const r = await verifyMargin(b, k.honest.vkey);
    assert.equal(r.valid, true);
    assert.equal(r.insecure, false);
    assert.match(setupWarnings(r), /inconsistent bundle: it claims an INSECURE dev setup, but this verification key is not a dev key/);
  });

  it("a proof does not verify with the other key", async () => {
    const r = await verifyMargin(k.dev.bundle, k.honest.vkey);
    assert.equal(r.valid, false);
    assert.equal(r.checks.find((c) => c.name === "proof")?.ok, false);
  });
});

describe("verify: v2 public signals [commitment, paramsRoot, terms, context]", function () {
  this.timeout(300_000);
  let k: ToyKeys;
  before(async () => {
    k = await toyKeys();
  });
  after(releaseCurve);

  it("the named fields must match the signals, terms = healthBps + creditLimitCents * 2^32", async () => {
    const b = k.honest.bundle;
    assert.equal(BigInt(b.publicSignals[2]!), 12500n + 123456n * TERMS_SHIFT);
    const r = await verifyMargin(b, k.honest.vkey);
    assert.deepEqual(r.statement, { commitment: b.commitment, paramsRoot: b.paramsRoot, healthBps: 12500, creditLimitCents: "123456", context: b.context });
    for (const edit of [
      (x: ProofBundle) => (x.healthBps = 12501),
      (x: ProofBundle) => (x.creditLimitCents = "123457"),
      (x: ProofBundle) => (x.creditLimitCents = "0"),
      (x: ProofBundle) => (x.commitment = `0x${"0".repeat(63)}1`),
      (x: ProofBundle) => (x.paramsRoot = `0x${"0".repeat(63)}1`),
      (x: ProofBundle) => (x.context = `0x${"0".repeat(63)}1`),
    ]) {
      const x = clone(b);
      edit(x);
      const v = await verifyMargin(x, k.honest.vkey);
      assert.equal(v.valid, false, JSON.stringify(x));
      assert.equal(v.checks.find((c) => c.name === "signals")?.ok, false);
    }
  });

  it("the packing is unique: healthBps >= 2^32 or creditLimitCents >= 2^64 never passes", async () => {
    // same terms, other reading: health 2^32 higher, credit limit one cent lower
    const alias = clone(k.honest.bundle);
    alias.healthBps = 12500 + 2 ** 32;
    alias.creditLimitCents = "123455";
    const r = await verifyMargin(alias, k.honest.vkey);
    assert.equal(r.valid, false);
    assert.equal(r.checks.find((c) => c.name === "terms")?.ok, false);
    assert.equal(r.checks.find((c) => c.name === "proof")?.ok, false, "the proof is not even tried");
    const big = clone(k.honest.bundle);
    big.creditLimitCents = (1n << 64n).toString();
    assert.equal((await verifyMargin(big, k.honest.vkey)).checks.find((c) => c.name === "terms")?.ok, false);
    // and the bundle schema refuses such a health outright
    throwsZk(() => parseBundle(alias), "SCHEMA", "healthBps");
  });

  it("a verifier's minimum health and minimum credit limit", async () => {
    const b = k.honest.bundle;
    const check = async (o: { minHealthBps?: number; minCreditLimitCents?: bigint }) => (await verifyMargin(b, k.honest.vkey, o)).valid;
    assert.equal(await check({ minHealthBps: 12500, minCreditLimitCents: 123456n }), true);
    assert.equal(await check({ minHealthBps: 12501 }), false);
    assert.equal(await check({ minCreditLimitCents: 123457n }), false);
    const r = await verifyMargin(b, k.honest.vkey, { minCreditLimitCents: 123457n });
    assert.match(r.checks.find((c) => c.name === "credit")!.detail, /credit limit 1234\.56 USD >= required 1234\.57 USD/);
  });

  it("a file that is not a verification key is refused naming the field, before snarkjs sees it", async () => {
    assert.deepEqual(checkVerificationKey(k.honest.vkey), { nPublic: 4 });
    const params = JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8"));
    const e = throwsZk(() => checkVerificationKey(params), "FILE", "protocol", 'missing, expected "groth16"');
    assert.equal(e.limit, '"groth16"');
    const edits: [string, (v: any) => void, string][] = [
      ["curve", (v) => (v.curve = "bls12381"), 'got "bls12381"'],
      ["nPublic", (v) => (v.nPublic = 3), "got 3"],
      ["vk_alpha_1", (v) => (v.vk_alpha_1 = v.vk_alpha_1.slice(0, 2)), "a G1 point"],
      ["vk_delta_2", (v) => (v.vk_delta_2[1][0] = 7), "a G2 point"],
      ["IC", (v) => v.IC.pop(), "got \"4 points\", expected nPublic + 1 = 5 G1 points"],
      ["IC[2]", (v) => (v.IC[2][0] = "0x12"), "a G1 point"],
    ];
    for (const [path, edit, says] of edits) {
      const v = clone(k.honest.vkey);
      edit(v);
      throwsZk(() => checkVerificationKey(v), "FILE", path, says);
      await assert.rejects(verifyMargin(k.honest.bundle, v), (x: ZkMarginError) => x.code === "FILE" && x.path === path);
    }
  });

  it("parseBundle refuses a v1 bundle with a message that says what to do", () => {
    const v1 = clone(k.honest.bundle) as any;
    v1.zkmargin = 1;
    throwsZk(() => parseBundle(v1), "SCHEMA", "zkmargin", "prove again");
    const noCredit = clone(k.honest.bundle) as any;
    delete noCredit.creditLimitCents;
    throwsZk(() => parseBundle(noCredit), "SCHEMA");
  });
});
