import { strict as assert } from "node:assert";
import { releaseCurve } from "../../setup/groth16.js";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Blake2b512,
  DEV_PTAU_CONTRIBUTION_NAME,
  generateDevPtau,
} from "../../setup/devPtau.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = join(root, ".cache", "test-devptau");
const POWER = 8;

interface Section {
  id: number;
  /** offset of the section header (id u32, size u64) */
  start: number;
  /** offset just past the section data */
  end: number;
}

function sections(buf: Buffer): Section[] {
  assert.equal(buf.subarray(0, 4).toString("latin1"), "ptau");
  const n = buf.readUInt32LE(8);
  const out: Section[] = [];
  let pos = 12;
  for (let i = 0; i < n; i++) {
    const id = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.push({ id, start: pos, end: pos + 12 + size });
    pos += 12 + size;
  }
  assert.equal(pos, buf.length, "sections cover the whole file");
  return out;
}

function section(buf: Buffer, id: number): Buffer {
  const s = sections(buf).find((x) => x.id === id);
  assert.ok(s, `section ${id} present`);
  return buf.subarray(s.start, s.end);
}

// snarkjs ships no type declarations.
async function loadSnarkjs(): Promise<any> {
  const name: string = "snarkjs";
  return import(name);
}

const quiet = { debug() {}, info() {}, log() {}, warn() {}, error() {} };

describe("setup/devPtau: INSECURE dev powers of tau", function () {
  this.timeout(180_000);
  let snarkjs: any;
  const ptau = join(dir, `dev_${POWER}.ptau`);
  let file: Buffer;

  before(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    snarkjs = await loadSnarkjs();
    const msgs: string[] = [];
    const res = await generateDevPtau({ power: POWER, outFile: ptau, onProgress: (m) => msgs.push(m) });
    assert.equal(res.file, ptau);
    assert.equal(res.power, POWER);
    assert.ok(res.seconds > 0);
    assert.ok(msgs.length > 0 && msgs.every((m) => m.includes("INSECURE")), "every log message says INSECURE");
    file = readFileSync(ptau);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith(".tmp")),
      [],
      "no temp file left behind",
    );
  });

  // snarkjs caches a multi-threaded curve globally; release its workers (and forget it, so a
  // later test builds a fresh one) so mocha can exit.
  after(releaseCurve);

  it("has snarkjs's prepared layout: sections 1-7 then 12-15, header with power", () => {
    assert.deepEqual(
      sections(file).map((s) => s.id),
      [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15],
    );
    const h = section(file, 1);
    assert.equal(h.readUInt32LE(12), 32);
    assert.equal(h.readUInt32LE(12 + 4 + 32), POWER);
    assert.equal(h.readUInt32LE(12 + 4 + 32 + 4), POWER);
    const n = 2 ** POWER;
    assert.equal(section(file, 2).length - 12, (2 * n - 1) * 64);
    assert.equal(section(file, 3).length - 12, n * 128);
    assert.equal(section(file, 12).length - 12, (4 * n - 1) * 64);
    assert.equal(section(file, 13).length - 12, (2 * n - 1) * 128);
  });

  it("Lagrange sections 12-15 are byte-identical to snarkjs preparePhase2 of sections 1-7", async () => {
    const s7 = sections(file).find((s) => s.id === 7)!;
    const raw = Buffer.from(file.subarray(0, s7.end));
    raw.writeUInt32LE(7, 8); // 7 sections
    const rawFile = join(dir, "raw.ptau");
    const prepared = join(dir, "snarkjs_prepared.ptau");
    writeFileSync(rawFile, raw);
    await snarkjs.powersOfTau.preparePhase2(rawFile, prepared, quiet);
    const ref = readFileSync(prepared);
    for (const id of [12, 13, 14, 15]) {
      assert.ok(section(ref, id).equals(section(file, id)), `section ${id} matches snarkjs`);
    }
    assert.ok(ref.equals(file), "whole file identical to snarkjs's prepared file");
  });

  it("passes snarkjs powersoftau verify, with the INSECURE contribution name", async () => {
    const infos: string[] = [];
    const logger = { ...quiet, info: (m: string) => infos.push(String(m)) };
    assert.equal(await snarkjs.powersOfTau.verify(ptau, logger), true);
    assert.ok(infos.some((m) => m.includes(DEV_PTAU_CONTRIBUTION_NAME)), "contribution name reported");
  });

  it("is deterministic in the seed", async () => {
    const a = join(dir, "a.ptau");
    const b = join(dir, "b.ptau");
    const c = join(dir, "c.ptau");
    await generateDevPtau({ power: 3, outFile: a });
    await generateDevPtau({ power: 3, outFile: b });
    await generateDevPtau({ power: 3, outFile: c, seed: "another seed" });
    assert.ok(readFileSync(a).equals(readFileSync(b)));
    assert.ok(!readFileSync(a).equals(readFileSync(c)));
  });

  it("rejects a bad power without creating the output", async () => {
    const out = join(dir, "bad.ptau");
    await assert.rejects(generateDevPtau({ power: 0, outFile: out }), /power/);
    await assert.rejects(generateDevPtau({ power: 2.5, outFile: out }), /power/);
    assert.equal(existsSync(out), false);
  });

  it("works end to end: circom circuit -> newZKey -> groth16 fullProve -> verify", async () => {
    const circuit = join(dir, "mul.circom");
    writeFileSync(
      circuit,
      "pragma circom 2.0.0;\n" +
        "template Mul() { signal input a; signal input b; signal output c; c <== a * b; }\n" +
        "component main = Mul();\n",
    );
    // circom2 runs under WASI: it needs paths relative to its cwd.
    const rel = relative(root, dir);
    const cli = join(root, "node_modules", "circom2", "cli.js");
    const run = spawnSync(process.execPath, [cli, join(rel, "mul.circom"), "--r1cs", "--wasm", "-o", rel], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const r1cs = join(dir, "mul.r1cs");
    const wasm = join(dir, "mul_js", "mul.wasm");
    assert.ok(existsSync(r1cs) && existsSync(wasm), run.stdout + run.stderr);

    const zkey = join(dir, "mul.zkey");
    await snarkjs.zKey.newZKey(r1cs, ptau, zkey, quiet);
    const vk = await snarkjs.zKey.exportVerificationKey(zkey, quiet);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: 3, b: 11 }, wasm, zkey, quiet);
    assert.deepEqual(publicSignals, ["33"]);
    assert.equal(await snarkjs.groth16.verify(vk, publicSignals, proof, quiet), true);
    assert.equal(await snarkjs.groth16.verify(vk, ["34"], proof, quiet), false);
  });
});

describe("setup/devPtau: Blake2b512", () => {
  it("matches node's blake2b512 for assorted lengths and update splits", () => {
    for (const len of [0, 1, 63, 127, 128, 129, 255, 256, 257, 1000, 4096 + 7]) {
      const data = randomBytes(len);
      const expected = createHash("blake2b512").update(data).digest();
      assert.ok(Buffer.from(new Blake2b512().update(data).digest()).equals(expected), `len ${len}`);
      const h = new Blake2b512();
      for (let i = 0; i < len; i += 37) h.update(data.subarray(i, i + 37));
      assert.ok(Buffer.from(h.digest()).equals(expected), `len ${len} split`);
    }
  });

  it("exports the 216-byte partial state snarkjs stores", () => {
    const h = new Blake2b512().update(randomBytes(300));
    const st = Buffer.from(h.partialState());
    assert.equal(st.length, 216);
    assert.equal(st.readUInt32LE(128 + 64), 256, "bytes compressed");
    assert.equal(st.readUInt32LE(128 + 72), 44, "bytes pending");
  });
});
