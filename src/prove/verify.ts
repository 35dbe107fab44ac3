import * as snarkjs from "snarkjs";
import { FIELD_MODULUS } from "../config/limits.js";
import { ZkMarginError } from "../errors.js";
import { buildParamsTree } from "../params/tree.js";
import type { RiskParams } from "../params/types.js";
import { toHex32 } from "../crypto/poseidon.js";
import { type ProofBundle, validateBundleShape, vkeySha256 } from "./bundle.js";

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyResult {
  valid: boolean;
  checks: VerifyCheck[];
}

/** Validate a bundle's shape; throws a ZkMarginError naming the field. */
export function parseBundle(json: unknown): ProofBundle {
  validateBundleShape(json);
  return json as ProofBundle;
}

/**
 * Verify a proof bundle with a verification key: the Groth16 proof over the bundle's public signals,
 * the named fields agreeing with those signals, every signal below the field modulus, and (when
 * `params` is given) the bundle's paramsRoot being the root of those parameters. `minHealthBps`
 * and `context` let a verifier insist on its own threshold and challenge.
 */
export async function verifyMargin(
  bundle: ProofBundle,
  vkey: unknown,
  opts: { params?: RiskParams; minHealthBps?: number; context?: bigint } = {},
): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const sig = bundle.publicSignals.map((s) => BigInt(s));
  add("field", sig.every((x) => x < FIELD_MODULUS), "every public signal is below the BN254 field modulus");
  const named = [BigInt(bundle.commitment), BigInt(bundle.paramsRoot), BigInt(bundle.healthBps), BigInt(bundle.context)];
  add(
    "signals",
    named.every((x, i) => x === sig[i]),
    "publicSignals are [commitment, paramsRoot, healthBps, context] as named in the bundle",
  );
  const vk = vkey as { protocol?: string; curve?: string; nPublic?: number };
  if (vk?.protocol !== "groth16" || vk?.nPublic !== 4) {
    throw new ZkMarginError("FILE", `not a zkmargin Groth16 verification key (protocol ${String(vk?.protocol)}, ${String(vk?.nPublic)} public signals, expected groth16 with 4)`);
  }
  let proofOk = false;
  if (checks.every((c) => c.ok)) {
    proofOk = (await snarkjs.groth16.verify(vkey, bundle.publicSignals, bundle.proof, { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} })) as boolean;
  }
  add("proof", proofOk, "the Groth16 proof verifies with the verification key");
  if (vkeySha256(vkey) !== bundle.setup.vkeySha256) {
    add("vkey", true, "note: the bundle was made with a different verification-key file (the proof check above is what counts)");
  }
  if (opts.params) {
    const root = buildParamsTree(opts.params).paramsRoot;
    add("paramsRoot", toHex32(root) === bundle.paramsRoot, `the bundle's paramsRoot ${bundle.paramsRoot} is the root of the given parameters (${toHex32(root)})`);
  } else {
    add("paramsRoot", true, "warning: NOT checked against published parameters (a prover can make its own); pass them to check");
  }
  if (opts.minHealthBps !== undefined) {
    add("health", bundle.healthBps >= opts.minHealthBps, `healthBps ${bundle.healthBps} >= required ${opts.minHealthBps}`);
  }
  if (opts.context !== undefined) {
    add("context", BigInt(bundle.context) === opts.context, `context is the verifier's challenge ${toHex32(opts.context)}`);
  } else {
    add("context", true, "warning: NOT checked against your challenge (a replayed bundle would pass); pass it to check");
  }
  if (bundle.setup.insecure) add("setup", true, "warning: made with an INSECURE dev setup; worthless outside development");
  return { valid: checks.every((c) => c.ok), checks };
}
