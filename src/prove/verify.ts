// The pairing code (@noble/curves) loads when a proof is checked, not with this module.
import { groth16Verify } from "./groth16Verify.js";
import { CREDIT_LIMIT_CENTS_LIMIT, FIELD_MODULUS } from "../config/limits.js";
import { formatCreditLimit } from "../engine/margin.js";
import { ZkMarginError, show } from "../errors.js";
import { paramsTree } from "../params/tree.js";
import type { RiskParams } from "../params/types.js";
import { toHex32 } from "../crypto/poseidon.js";
import { type ProofBundle, packTerms, TERMS_SHIFT, unpackTerms, validateBundleShape, vkeySha256 } from "./bundle.js";
import { checkDevKey } from "./devKey.js";

/** "ok" passed; "warn" passed, but says what was not checked or should be known; "fail" fails the bundle. */
export type VerifyStatus = "ok" | "warn" | "fail";

/** One named check of verifyMargin and its outcome. */
export interface VerifyCheck {
  name: string;
  status: VerifyStatus;
  /** status !== "fail" (a warning does not fail a bundle). */
  ok: boolean;
  /** The rule checked (or, for a warning, what to know). */
  detail: string;
  /** On a failed check: the value found in the bundle, and what was expected instead. */
  found?: string;
  expected?: string;
}

/** What verifyMargin returns. */
export interface VerifyResult {
  /** Every check passed (warnings do not fail a bundle; an INSECURE key does not either). */
  valid: boolean;
  /**
   * The verification key is an INSECURE dev key (made from the dev powers of tau, whose secrets come
   * from a public seed: anyone can forge proofs for it), or the verifier's own setup record says so.
   * Decided from the key, never from the bundle's `setup.insecure`.
   */
  insecure: boolean;
  /** The statement the proof establishes, read from the bundle's named fields (meaningful only when valid). */
  statement: { commitment: string; paramsRoot: string; healthBps: number; creditLimitCents: string; context: string };
  checks: VerifyCheck[];
  /** The details of the checks with status "warn", for printing. */
  warnings: string[];
}

/** The verifier's own requirements for verifyMargin; each one given is checked. */
export interface VerifyOptions {
  /** Published risk parameters: the bundle's paramsRoot must be their root. */
  params?: RiskParams;
  /** Require at least this health (basis points). */
  minHealthBps?: number;
  /** Require a credit limit of at least this many USD cents. */
  minCreditLimitCents?: bigint;
  /** Require this context (the verifier's challenge or on-chain binding). */
  context?: bigint;
  /**
   * The verifier's own record of the key (e.g. its setup.json) says it is INSECURE. Adds to the
   * check of the key itself; it can never make a dev key pass as secure.
   */
  keyInsecure?: boolean;
  /** Verified mode: require a verified proof whose statements were signed for this account. */
  account?: bigint;
  /** Require a verified proof (venue statements checked in the circuit). */
  requireVerified?: boolean;
}

/** Validate a bundle's shape; throws a ZkMarginError naming the field. */
export function parseBundle(json: unknown): ProofBundle {
  const v = (json as { zkmargin?: unknown } | null)?.zkmargin;
  if (v === 1) {
    throw new ZkMarginError("SCHEMA", "is a version-1 proof bundle (no credit limit); prove again with this version of zkmargin", {
      path: "zkmargin",
      value: 1,
      limit: "2",
    });
  }
  validateBundleShape(json);
  return json as ProofBundle;
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/**
 * Check that `vkey` has the shape of a zkmargin Groth16 verification key (snarkjs's JSON: protocol
 * "groth16", curve "bn128", nPublic 4, or 5 in verified mode, the points as decimal strings and one
 * IC point per public signal plus one) and return its nPublic. Throws a FILE error naming the field
 * (`path`), what was found (`value`) and what a key has (`limit`); a caller that read the key from a
 * file names it (ZkMarginError.inFile).
 */
export function checkVerificationKey(vkey: unknown): { nPublic: 4 | 5 } {
  const bad = (path: string | undefined, value: unknown, limit: string): never => {
    const found = value === undefined ? "missing" : `got ${show(value)}`;
    throw new ZkMarginError("FILE", `${found}, expected ${limit}: not a zkmargin Groth16 verification key (snarkjs's verification_key.json)`, {
      ...(path ? { path } : {}),
      value,
      limit,
    });
  };
  if (typeof vkey !== "object" || vkey === null || Array.isArray(vkey)) bad(undefined, vkey, "a JSON object");
  const vk = vkey as Record<string, unknown>;
  if (vk.protocol !== "groth16") bad("protocol", vk.protocol, '"groth16"');
  if (vk.curve !== "bn128") bad("curve", vk.curve, '"bn128"');
  if (vk.nPublic !== 4 && vk.nPublic !== 5) bad("nPublic", vk.nPublic, "4, or 5 in verified mode");
  const nPublic = vk.nPublic as 4 | 5;
  const g1 = (x: unknown) => Array.isArray(x) && x.length === 3 && x.every((c) => typeof c === "string" && DECIMAL.test(c));
  const g2 = (x: unknown) => Array.isArray(x) && x.length === 3 && x.every((c) => Array.isArray(c) && c.length === 2 && c.every((d) => typeof d === "string" && DECIMAL.test(d)));
  if (!g1(vk.vk_alpha_1)) bad("vk_alpha_1", vk.vk_alpha_1, "a G1 point: 3 decimal strings");
  for (const k of ["vk_beta_2", "vk_gamma_2", "vk_delta_2"]) if (!g2(vk[k])) bad(k, vk[k], "a G2 point: 3 pairs of decimal strings");
  if (!Array.isArray(vk.IC) || vk.IC.length !== nPublic + 1) {
    bad("IC", Array.isArray(vk.IC) ? `${vk.IC.length} points` : vk.IC, `nPublic + 1 = ${nPublic + 1} G1 points`);
  }
  (vk.IC as unknown[]).forEach((p, i) => g1(p) || bad(`IC[${i}]`, p, "a G1 point: 3 decimal strings"));
  return { nPublic };
}

/**
 * Verify a proof bundle with a verification key: the Groth16 proof over the bundle's public signals,
 * the signals being [commitment, paramsRoot, terms, context] with terms = packTerms(healthBps,
 * creditLimitCents) for the bundle's named fields (healthBps < 2^32 and creditLimitCents < 2^64, so
 * the packing is unique), every signal below the field modulus, and, when given, the verifier's own
 * parameters, minimum health, minimum credit limit and challenge. Whether the key is INSECURE is
 * decided from the key itself (isDevKey) and reported as `insecure` with a warning check; a bundle
 * claiming a setup that differs from the key's is reported with a warning too.
 */
export async function verifyMargin(bundle: ProofBundle, vkey: unknown, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const verified = checkVerificationKey(vkey).nPublic === 5;
  const checks: VerifyCheck[] = [];
  /** A check; `found`/`expected` are recorded when it fails. */
  const add = (name: string, ok: boolean, detail: string, found?: () => string, expected?: string) =>
    checks.push({
      name,
      status: ok ? "ok" : "fail",
      ok,
      detail,
      ...(!ok && found ? { found: found() } : {}),
      ...(!ok && expected !== undefined ? { expected } : {}),
    });
  const warn = (name: string, detail: string) => checks.push({ name, status: "warn", ok: true, detail });

  const sig = bundle.publicSignals.map((s) => BigInt(s));
  const big = sig.findIndex((x) => x >= FIELD_MODULUS);
  add(
    "field",
    big < 0,
    "every public signal is below the BN254 field modulus",
    () => `publicSignals[${big}] = ${sig[big]}`,
    `below p = ${FIELD_MODULUS}`,
  );
  const healthBps = BigInt(bundle.healthBps);
  const creditLimitCents = BigInt(bundle.creditLimitCents);
  const termsOk = healthBps >= 0n && healthBps < TERMS_SHIFT && creditLimitCents < CREDIT_LIMIT_CENTS_LIMIT;
  add(
    "terms",
    termsOk,
    `healthBps ${bundle.healthBps} < 2^32 and creditLimitCents ${bundle.creditLimitCents} < 2^64 (so terms packs them uniquely)`,
    () => `healthBps ${bundle.healthBps}, creditLimitCents ${bundle.creditLimitCents}`,
    "0 <= healthBps < 2^32 and creditLimitCents < 2^64",
  );
  const named = [BigInt(bundle.commitment), BigInt(bundle.paramsRoot), termsOk ? packTerms(bundle.healthBps, creditLimitCents) : -1n, BigInt(bundle.context)];
  if (verified) named.push(bundle.account === undefined ? -1n : BigInt(bundle.account));
  add(
    "mode",
    verified === (bundle.account !== undefined) && sig.length === named.length,
    verified
      ? `verified mode: the key takes 5 public signals; the bundle names the account ${bundle.account ?? "(missing)"} as the fifth`
      : "self-declared mode: the key takes 4 public signals and the bundle names no account",
    () => `${sig.length} public signals, ${bundle.account === undefined ? "no account" : `account ${bundle.account}`}`,
    `${named.length} public signals, ${verified ? "an account (verified mode)" : "no account (self-declared mode)"}`,
  );
  const unpacked = sig[2] === undefined ? undefined : unpackTerms(sig[2]);
  const signalNames = ["commitment", "paramsRoot", "terms", "context", "account"];
  const differs = named.findIndex((x, i) => x !== sig[i]);
  add(
    "signals",
    termsOk && differs < 0 && unpacked?.healthBps === healthBps && unpacked.creditLimitCents === creditLimitCents,
    `publicSignals are [commitment, paramsRoot, healthBps + creditLimitCents * 2^32, context${verified ? ", account" : ""}] as named in the bundle`,
    () =>
      !termsOk
        ? "terms out of range (see the terms check)"
        : differs >= 0
          ? `publicSignals[${differs}] = ${sig[differs] ?? "(missing)"}`
          : `${sig.length} public signals`,
    !termsOk
      ? "terms in range"
      : differs >= 0
        ? `${signalNames[differs]} as named in the bundle = ${named[differs]}`
        : `${named.length} public signals`,
  );
  let proofOk = false;
  const tried = checks.every((c) => c.ok);
  if (tried) {
    proofOk = await groth16Verify(vkey, bundle.publicSignals, bundle.proof);
  }
  add(
    "proof",
    proofOk,
    "the Groth16 proof verifies with the verification key",
    () => (tried ? "a proof that does not verify for these public signals" : "not tried: a check above failed"),
    "a proof that verifies",
  );
  if (vkeySha256(vkey) !== bundle.setup.vkeySha256) {
    add("vkey", true, "note: the bundle was made with a different verification-key file (the proof check above is what counts)");
  }
  if (opts.params) {
    const root = toHex32(paramsTree(opts.params).paramsRoot);
    add(
      "paramsRoot",
      root === bundle.paramsRoot,
      `the bundle's paramsRoot ${bundle.paramsRoot} is the root of the given parameters (${root})`,
      () => bundle.paramsRoot,
      `${root} (the given parameters' root)`,
    );
  } else {
    warn("paramsRoot", "NOT checked against published parameters (a prover can make its own); pass them to check");
  }
  if (opts.minHealthBps !== undefined) {
    add(
      "health",
      bundle.healthBps >= opts.minHealthBps,
      `healthBps ${bundle.healthBps} >= required ${opts.minHealthBps}`,
      () => `${bundle.healthBps} bps`,
      `>= ${opts.minHealthBps} bps`,
    );
  }
  if (opts.minCreditLimitCents !== undefined) {
    add(
      "credit",
      creditLimitCents >= opts.minCreditLimitCents,
      `credit limit ${formatCreditLimit(creditLimitCents)} USD >= required ${formatCreditLimit(opts.minCreditLimitCents)} USD`,
      () => `${formatCreditLimit(creditLimitCents)} USD`,
      `>= ${formatCreditLimit(opts.minCreditLimitCents)} USD`,
    );
  }
  if (verified) {
    add("verified", true, `verified: the portfolio is the sum of statements signed, for ${bundle.account}, by venues listed under paramsRoot`);
    if (opts.account !== undefined) {
      add(
        "account",
        bundle.account !== undefined && BigInt(bundle.account) === opts.account,
        `the statements were signed for the expected account ${toHex20(opts.account)}`,
        () => bundle.account ?? "(no account)",
        toHex20(opts.account!),
      );
    }
  } else if (opts.account !== undefined || opts.requireVerified) {
    add(
      "verified",
      false,
      "the proof is self-declared (no venue statements); a verified proof was required",
      () => "a self-declared proof (no account)",
      opts.account !== undefined ? `a verified proof for ${toHex20(opts.account)}` : "a verified proof",
    );
  }
  if (opts.context !== undefined) {
    add(
      "context",
      BigInt(bundle.context) === opts.context,
      `context is the verifier's challenge ${toHex32(opts.context)}`,
      () => bundle.context,
      toHex32(opts.context!),
    );
  } else {
    warn("context", "NOT checked against your challenge (a replayed bundle would pass); pass it to check");
  }

  // Trust in the key: decided from the key (and the verifier's own record), never from the bundle.
  const dev = checkDevKey(vkey);
  const insecure = dev.dev || opts.keyInsecure === true;
  if (insecure) {
    const why = dev.dev
      ? `its ${dev.alphaIsDev && dev.betaIsDev ? "alpha and beta are" : dev.alphaIsDev ? "alpha is" : "beta is"} the public dev seed's`
      : "your setup record says so";
    warn("setup", `the verification key is from an INSECURE dev setup (${why}): anyone can forge proofs for it; worthless outside development`);
    if (!bundle.setup.insecure) {
      warn("setup", `the bundle claims a secure setup ("${bundle.setup.label}") but the key is INSECURE: the bundle's claim is ignored`);
    }
  } else if (bundle.setup.insecure) {
    warn("setup", "inconsistent bundle: it claims an INSECURE dev setup, but this verification key is not a dev key (the key decides)");
  }
  return {
    valid: checks.every((c) => c.ok),
    insecure,
    statement: {
      commitment: bundle.commitment,
      paramsRoot: bundle.paramsRoot,
      healthBps: bundle.healthBps,
      creditLimitCents: bundle.creditLimitCents,
      context: bundle.context,
    },
    checks,
    warnings: checks.filter((c) => c.status === "warn").map((c) => c.detail),
  };
}

function toHex20(x: bigint): string {
  return `0x${x.toString(16).padStart(40, "0")}`;
}
