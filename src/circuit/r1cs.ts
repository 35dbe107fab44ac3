import { readFileSync } from "node:fs";

/**
 * A small reader and checker for circom's .r1cs format (iden3 binfile: "r1cs", version 1; section 1
 * header, section 2 constraints), used to check a witness against exactly the constraint system that
 * is set up and deployed.
 */
export interface R1cs {
  prime: bigint;
  nWires: number;
  nPubOut: number;
  nPubIn: number;
  nPrvIn: number;
  nConstraints: number;
  /** constraints[i] = [A, B, C], each a list of [wire, coefficient]. */
  constraints: [Array<[number, bigint]>, Array<[number, bigint]>, Array<[number, bigint]>][];
}

function readLE(buf: Buffer, off: number, n: number): bigint {
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << 8n) | BigInt(buf[off + i]!);
  return x;
}

export function readR1cs(file: string): R1cs {
  const buf = readFileSync(file);
  if (buf.toString("ascii", 0, 4) !== "r1cs") throw new Error(`${file} is not an r1cs file`);
  const nSections = buf.readUInt32LE(8);
  let off = 12;
  const sections = new Map<number, { start: number; size: number }>();
  for (let s = 0; s < nSections; s++) {
    const type = buf.readUInt32LE(off);
    const size = Number(buf.readBigUInt64LE(off + 4));
    sections.set(type, { start: off + 12, size });
    off += 12 + size;
  }
  const h = sections.get(1);
  const c = sections.get(2);
  if (!h || !c) throw new Error(`${file}: missing r1cs header or constraints section`);
  let p = h.start;
  const n8 = buf.readUInt32LE(p);
  p += 4;
  const prime = readLE(buf, p, n8);
  p += n8;
  const nWires = buf.readUInt32LE(p);
  const nPubOut = buf.readUInt32LE(p + 4);
  const nPubIn = buf.readUInt32LE(p + 8);
  const nPrvIn = buf.readUInt32LE(p + 12);
  const nConstraints = buf.readUInt32LE(p + 24);
  const constraints: R1cs["constraints"] = [];
  p = c.start;
  const lc = (): Array<[number, bigint]> => {
    const n = buf.readUInt32LE(p);
    p += 4;
    const terms: Array<[number, bigint]> = [];
    for (let i = 0; i < n; i++) {
      const wire = buf.readUInt32LE(p);
      terms.push([wire, readLE(buf, p + 4, n8)]);
      p += 4 + n8;
    }
    return terms;
  };
  for (let i = 0; i < nConstraints; i++) constraints.push([lc(), lc(), lc()]);
  return { prime, nWires, nPubOut, nPubIn, nPrvIn, nConstraints, constraints };
}

/** Indexes of the constraints that `witness` violates (A.w * B.w != C.w mod p); empty = satisfied. */
export function failingConstraints(r1cs: R1cs, witness: readonly bigint[]): number[] {
  if (witness.length !== r1cs.nWires) throw new Error(`witness has ${witness.length} wires, the r1cs ${r1cs.nWires}`);
  const p = r1cs.prime;
  if (witness[0] !== 1n) return [-1];
  const ev = (terms: Array<[number, bigint]>) => {
    let s = 0n;
    for (const [w, k] of terms) s += k * witness[w]!;
    return s % p;
  };
  const bad: number[] = [];
  r1cs.constraints.forEach(([a, b, c], i) => {
    if ((ev(a) * ev(b) - ev(c)) % p !== 0n) bad.push(i);
  });
  return bad;
}
