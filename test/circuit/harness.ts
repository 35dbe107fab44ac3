import { compileCircuit, type CompiledCircuit } from "../../src/circuit/compile.js";
import { failingConstraints, readR1cs, type R1cs } from "../../src/circuit/r1cs.js";
import { loadWitnessCalculator, readSymbols, type WitnessCalculator } from "../../src/circuit/witnessCalc.js";
import { getConfig, type CircuitConfig } from "../../src/config/circuits.js";
import { buildParamsTree, type ParamsTree } from "../../src/params/tree.js";
import type { RiskParams } from "../../src/params/types.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { buildWitnessInput, type WitnessInput } from "../../src/prove/witness.js";

/**
 * Circuit test harness: the deployed r1cs of a configuration, its witness generator, and its lax
 * twin (the same wasm with failed checks reported but not fatal, src/circuit/laxWasm.ts), so that a
 * forged or failing witness can be computed and then judged by the constraint check alone.
 */
export interface Harness {
  config: CircuitConfig;
  compiled: CompiledCircuit;
  r1cs: R1cs;
  symbols: Map<string, number>;
  strict: WitnessCalculator;
  lax: WitnessCalculator;
}

const cache = new Map<string, Promise<Harness>>();

export function harness(name = "small"): Promise<Harness> {
  let h = cache.get(name);
  if (!h) {
    h = (async () => {
      const config = getConfig(name);
      const compiled = await compileCircuit(config);
      const laxBuild = await compileCircuit(config, { lax: true });
      const r1cs = readR1cs(compiled.r1cs);
      const laxR1cs = readR1cs(laxBuild.r1cs);
      if (JSON.stringify(laxR1cs.constraints.length) !== JSON.stringify(r1cs.constraints.length)) throw new Error("lax build differs");
      return {
        config,
        compiled,
        r1cs,
        symbols: readSymbols(compiled.sym),
        strict: await loadWitnessCalculator(compiled.wasm),
        lax: await loadWitnessCalculator(laxBuild.wasm, { checkAsserts: false }),
      };
    })();
    cache.set(name, h);
  }
  return h;
}

export function inputFor(
  h: Harness,
  params: RiskParams,
  book: { collateral: Record<string, string>; positions?: Record<string, string> },
  opts: { healthBps?: number; creditLimitCents?: bigint; context?: bigint; salt?: bigint; tree?: ParamsTree } = {},
) {
  const tree = opts.tree ?? buildParamsTree(params);
  const portfolio = parsePortfolio(book, params);
  return buildWitnessInput({
    params,
    tree,
    portfolio,
    healthBps: opts.healthBps ?? 10000,
    creditLimitCents: opts.creditLimitCents ?? 0n,
    context: opts.context ?? 12345n,
    salt: opts.salt ?? 777n,
    config: h.config,
  });
}

/** Witness from the assertion-free generator, then the constraint check on the deployed r1cs. */
export async function laxCheck(h: Harness, input: WitnessInput): Promise<{ witness: bigint[]; failing: number[] }> {
  const witness = await h.lax.calculate(input);
  return { witness, failing: failingConstraints(h.r1cs, witness) };
}

export function wire(h: Harness, name: string): number {
  const w = h.symbols.get(name.startsWith("main.") ? name : `main.${name}`);
  if (w === undefined) throw new Error(`no signal ${name}`);
  if (w < 0) throw new Error(`signal ${name} was removed by --O2`);
  return w;
}
