import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { compileCircuit } from "../../src/circuit/compile.js";
import { laxWitnessWasm } from "../../src/circuit/laxWasm.js";
import { getConfig } from "../../src/config/circuits.js";

/** V8's WebAssembly (the project's type-check has no DOM library). */
const wasmApi = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; compile(b: Uint8Array): Promise<object> } }).WebAssembly;

/** A wasm section: id, size, contents. */
const section = (id: number, bytes: number[]) => [id, bytes.length, ...bytes];
const str = (s: string) => [s.length, ...Buffer.from(s)];

/**
 * A module importing runtime.printErrorMessage (function 0) with one function (1) whose body holds
 * a real failure report (call 0; i32.const 4; return) and a decoy: an i32.const whose immediate ends
 * in 0x10 followed by `unreachable; i32.const 4; return`, the same bytes a byte search would take
 * for a call to function 0.
 */
function moduleWith(body: number[]): Uint8Array {
  const fn = [0, ...body, 0x0b]; // no locals, body, end
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 0, 0, 0x60, 0, 1, 0x7f]), // types: () -> (), () -> i32
    ...section(2, [1, ...str("runtime"), ...str("printErrorMessage"), 0x00, 0]), // import func type 0
    ...section(3, [1, 1]), // one function of type 1
    ...section(10, [1, fn.length, ...fn]),
  ]);
}

describe("circuit: the lax twin's wasm (failed checks reported, not fatal)", () => {
  it("replaces `i32.const 4; return` after a call to printErrorMessage by nops, and nothing that only looks like one", () => {
    const real = [0x10, 0x00, 0x41, 0x04, 0x0f];
    const decoy = [0x41, 0x90, 0x10, 0x00, 0x41, 0x04, 0x0f];
    const wasm = moduleWith([...decoy, ...real, 0x41, 0x00]);
    new wasmApi.Module(wasm);
    const { wasm: lax, patched } = laxWitnessWasm(wasm);
    assert.equal(patched, 1);
    new wasmApi.Module(lax);
    const diff = [...wasm.keys()].filter((i) => wasm[i] !== lax[i]);
    assert.equal(diff.length, 3);
    assert.deepEqual(diff.map((i) => lax[i]), [1, 1, 1]);
    assert.deepEqual(diff.map((i) => wasm[i]), [0x41, 0x04, 0x0f]);
    // with only the decoy there is nothing to make lax: refused, not silently a strict twin
    assert.throws(() => laxWitnessWasm(moduleWith([...decoy, 0x1a, 0x41, 0x00])), /no assertion blocks/);
    assert.throws(() => laxWitnessWasm(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])), /not a wasm module/);
  });

  it("on the small circuit: every change is such a triple right after the call, and the twin is still valid wasm", async () => {
    const strict = readFileSync((await compileCircuit(getConfig("small"))).wasm);
    const twin = await compileCircuit(getConfig("small"), { lax: true });
    const lax = readFileSync(twin.wasm);
    assert.equal(lax.length, strict.length);
    assert.deepEqual(lax, Buffer.from(laxWitnessWasm(strict).wasm));
    const diff = [...strict.keys()].filter((i) => strict[i] !== lax[i]);
    assert.ok(diff.length > 0 && diff.length % 3 === 0);
    const callees = new Set<number>();
    for (let k = 0; k < diff.length; k += 3) {
      const i = diff[k]!;
      assert.deepEqual([diff[k + 1], diff[k + 2]], [i + 1, i + 2]);
      assert.deepEqual([...strict.subarray(i, i + 3)], [0x41, 0x04, 0x0f]);
      // right after `call <index>` (circom imports printErrorMessage among its first functions: a
      // one-byte index), the same function every time
      assert.equal(strict[i - 2], 0x10);
      assert.ok(strict[i - 1]! < 0x80);
      callees.add(strict[i - 1]!);
    }
    assert.equal(callees.size, 1);
    await wasmApi.compile(lax);
  });
});
