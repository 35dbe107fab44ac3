/**
 * The BN254 curve for checking Groth16 proofs, without ffjavascript's worker threads.
 *
 * snarkjs's groth16.verify takes ffjavascript's shared curve (globalThis.curve_bn128), building
 * the multi-threaded one if there is none: one worker thread per core, each compiling the curve's
 * wasm, which a command-line process then has to end again. A verification is a multi-exponentiation
 * of 4 or 5 terms and one pairing, done faster in this thread than the workers start. So checks
 * here run with a single-threaded curve, built once per process (ffjavascript generates its wasm
 * in JS: a few hundred ms) and lent to groth16.verify for the call only, so it is never used for
 * proving and releaseCurve (setup/groth16.ts) has nothing of it to end. When a multi-threaded curve
 * is up already (a process that proved with snarkjs), verify uses that one.
 */

/** ffjavascript's curve, as far as it is used here. */
interface Curve {
  terminate(): Promise<void>;
}

const holder = globalThis as { curve_bn128?: Curve | null };
let single: Promise<Curve | undefined> | undefined;

/**
 * Load snarkjs and build (once) the single-threaded curve; start it early to overlap other work.
 * Undefined when it could not be built: verify then builds its own curve and reports any error.
 */
export function verifierCurve(): Promise<Curve | undefined> {
  single ??= import("snarkjs")
    .then((snarkjs) => snarkjs.curves.getCurveFromName("bn128", { singleThread: true }) as Promise<Curve>)
    .catch(() => {
      single = undefined;
      return undefined;
    });
  return single;
}

/**
 * Run `verify` (a call of snarkjs's groth16.verify, which reads globalThis.curve_bn128 as it starts)
 * with the single-threaded curve there, unless a curve is there already; then take it away again.
 */
export async function withVerifierCurve<T>(verify: () => Promise<T>): Promise<T> {
  if (holder.curve_bn128) return verify();
  const curve = await verifierCurve();
  if (!curve || holder.curve_bn128) return verify();
  holder.curve_bn128 = curve;
  try {
    return await verify();
  } finally {
    if (holder.curve_bn128 === curve) holder.curve_bn128 = null;
  }
}
