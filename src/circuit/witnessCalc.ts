import { readFileSync } from "node:fs";
// circom_runtime is what snarkjs uses to run circom's wasm witness generators.
import { WitnessCalculatorBuilder } from "circom_runtime";
import type { WitnessInput } from "../prove/witness.js";

export interface WitnessCalculator {
  /** All wires of the witness (wire 0 = 1, then public outputs, public inputs, private inputs, ...). */
  calculate(input: WitnessInput): Promise<bigint[]>;
}

/**
 * `checkAsserts: false` skips the generator's runtime assertion checks; with a generator compiled
 * with --sanity_check 0 this yields the witness of any input, to be judged by the r1cs alone.
 */
export async function loadWitnessCalculator(wasmFile: string, opts: { checkAsserts?: boolean } = {}): Promise<WitnessCalculator> {
  const check = opts.checkAsserts ?? true;
  const wc = await WitnessCalculatorBuilder(readFileSync(wasmFile), { sanityCheck: check });
  return {
    async calculate(input) {
      return (await wc.calculateWitness(input, check)) as bigint[];
    },
  };
}

/** circom's .sym file: signal name -> witness wire (-1 when --O2 removed the signal). */
export function readSymbols(symFile: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync(symFile, "utf8").split("\n")) {
    if (!line) continue;
    const [, wire, , name] = line.split(",");
    if (name !== undefined) m.set(name, Number(wire));
  }
  return m;
}
