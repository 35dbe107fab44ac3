/**
 * The lax twin of a circom witness calculator (tests only): the same wasm with every failed `===`
 * or `assert` reported but not fatal, so that a test can compute the witness of an input the circuit
 * refuses and show that the constraint system refuses it too.
 *
 * circom's generated code reports a failed check as
 *
 *     call $printErrorMessage      ;; 0x10 <index of the import "runtime" "printErrorMessage">
 *     i32.const 4                  ;; 0x41 0x04
 *     return                       ;; 0x0f
 *
 * The twin keeps the call and replaces the other three bytes by `nop` (0x01): same length, so no
 * function body, section size or offset changes. The instructions are decoded one by one (not
 * searched for as bytes), so a constant or an index whose encoding happens to contain these bytes is
 * never touched.
 */

class Reader {
  pos: number;
  constructor(
    readonly b: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.b.length) throw new Error(`wasm: unexpected end at byte ${this.pos}`);
    return this.b[this.pos++]!;
  }
  /** An unsigned or signed LEB128 number (its value only when unsigned and below 2^32). */
  leb(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      const x = this.byte();
      if (shift < 32) v += (x & 0x7f) * 2 ** shift;
      shift += 7;
      if ((x & 0x80) === 0) return v;
      if (shift > 70) throw new Error(`wasm: LEB128 number too long at byte ${this.pos}`);
    }
  }
  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.b.length) throw new Error("wasm: unexpected end");
  }
  /** A name (length-prefixed UTF-8). */
  name(): string {
    const n = this.leb();
    const start = this.pos;
    this.skip(n);
    return new TextDecoder().decode(this.b.subarray(start, this.pos));
  }
  limits(): void {
    const flag = this.byte();
    this.leb();
    if (flag & 1) this.leb();
  }
}

/** The module's sections after the 8-byte header: id, and a reader positioned at its contents. */
function* sections(wasm: Uint8Array): Generator<{ id: number; r: Reader }> {
  const r = new Reader(wasm, 8);
  while (r.pos < wasm.length) {
    const id = r.byte();
    const size = r.leb();
    const end = r.pos + size;
    yield { id, r: new Reader(wasm, r.pos) };
    r.pos = end;
  }
}

/** Index of the imported function `module`.`field` in the function index space, or -1. */
function findImport(wasm: Uint8Array, module: string, field: string): number {
  for (const { id, r } of sections(wasm)) {
    if (id !== 2) continue;
    let funcs = 0;
    const n = r.leb();
    for (let i = 0; i < n; i++) {
      const m = r.name();
      const f = r.name();
      const kind = r.byte();
      if (kind === 0) {
        r.leb();
        if (m === module && f === field) return funcs;
        funcs++;
      } else if (kind === 1) {
        r.byte();
        r.limits();
      } else if (kind === 2) {
        r.limits();
      } else if (kind === 3) {
        r.skip(2);
      } else {
        throw new Error(`wasm: unknown import kind ${kind}`);
      }
    }
    return -1;
  }
  return -1;
}

/** Skips one instruction's immediates (the opcode already read). */
function skipImmediates(r: Reader, op: number): void {
  switch (op) {
    case 0x02:
    case 0x03:
    case 0x04: {
      // block type: 0x40 (none), a value type (one byte, 0x6f-0x7f), or a type index (s33)
      const t = r.b[r.pos]!;
      if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) r.pos++;
      else r.leb();
      return;
    }
    case 0x0c:
    case 0x0d:
    case 0x10:
    case 0x12: // return_call
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
    case 0xd2:
      r.leb();
      return;
    case 0x0e: {
      const n = r.leb();
      for (let i = 0; i <= n; i++) r.leb();
      return;
    }
    case 0x11:
    case 0x13: // return_call_indirect
      r.leb();
      r.leb();
      return;
    case 0x1c:
      r.skip(r.leb());
      return;
    case 0x3f:
    case 0x40:
      r.byte();
      return;
    case 0x41:
    case 0x42:
      r.leb();
      return;
    case 0x43:
      r.skip(4);
      return;
    case 0x44:
      r.skip(8);
      return;
    case 0xd0:
      r.byte();
      return;
    case 0xfc: {
      const sub = r.leb();
      if (sub <= 7) return;
      if (sub === 8) {
        r.leb();
        r.byte();
      } else if (sub === 10) {
        r.skip(2);
      } else if (sub === 11) {
        r.byte();
      } else if (sub === 12 || sub === 14) {
        r.leb();
        r.leb();
      } else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) {
        r.leb();
      } else {
        throw new Error(`wasm: unknown instruction 0xfc ${sub} at byte ${r.pos}`);
      }
      return;
    }
    default:
      if (op >= 0x28 && op <= 0x3e) {
        // alignment (a value of 64 or more would announce a memory index: multi-memory), offset
        if (r.leb() >= 64) throw new Error(`wasm: a memory instruction with a memory index at byte ${r.pos}`);
        r.leb();
        return;
      }
      // instructions without immediates: unreachable, nop, else, end, return, drop, select, the
      // numeric instructions, ref.is_null; anything else (exceptions, tail calls, SIMD, threads, ...)
      // is refused rather than guessed, so that no immediate is ever read as an instruction
      if (op === 0x00 || op === 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4) || op === 0xd1) return;
      throw new Error(`wasm: unsupported instruction 0x${op.toString(16)} at byte ${r.pos - 1}`);
  }
}

/**
 * A copy of circom's witness calculator wasm with the failure return after every
 * `call $printErrorMessage` replaced by nops; also how many were replaced. Throws when there is
 * nothing to replace (a circom upgrade changed the pattern: the twin would not be lax).
 */
export function laxWitnessWasm(wasm: Uint8Array): { wasm: Uint8Array; patched: number } {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error("not a wasm module");
  const index = findImport(wasm, "runtime", "printErrorMessage");
  if (index < 0) throw new Error('the wasm imports no "runtime" "printErrorMessage": not a circom witness calculator');
  const out = Uint8Array.from(wasm);
  let patched = 0;
  for (const { id, r } of sections(out)) {
    if (id === 10) {
      const bodies = r.leb();
      for (let f = 0; f < bodies; f++) {
        const bodySize = r.leb();
        const bodyEnd = r.pos + bodySize;
        const groups = r.leb();
        for (let g = 0; g < groups; g++) {
          r.leb();
          r.byte();
        }
        while (r.pos < bodyEnd) {
          const op = r.byte();
          if (op === 0x10) {
            const callee = r.leb();
            if (callee === index && out[r.pos] === 0x41 && out[r.pos + 1] === 0x04 && out[r.pos + 2] === 0x0f) {
              out[r.pos] = out[r.pos + 1] = out[r.pos + 2] = 0x01;
              r.pos += 3;
              patched++;
            }
          } else {
            skipImmediates(r, op);
          }
        }
        if (r.pos !== bodyEnd) throw new Error(`wasm: function body ${f} decoded past its end`);
      }
    }
  }
  if (patched === 0) throw new Error("no assertion blocks found in the generated wasm");
  return { wasm: out, patched };
}
