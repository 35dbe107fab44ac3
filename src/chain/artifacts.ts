import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findSetup, setupDir, type SetupArtifacts } from "../../setup/groth16.js";
import { circuitHash } from "../circuit/compile.js";
import { VERIFIED_CONFIGS, getConfig, isVerifiedConfig, type CircuitConfig } from "../config/circuits.js";
import { ZkMarginError } from "../errors.js";
import { vkeySha256 } from "../prove/bundle.js";
import { type ProgressFn, silent } from "../util/progress.js";
import { compilePoolContracts, type PoolArtifacts } from "./pool.js";

/**
 * The pool's contracts compiled with the generated verifiers of existing setups: the self-declared
 * configuration's (required) and, optionally, a verified configuration's.
 */
export interface PoolBuild {
  artifacts: PoolArtifacts;
  config: string;
  circuitHash: string;
  insecure: boolean;
  /** sha256 of the setup's verification key (as `vkeySha256` in its proof bundles). */
  vkeySha256: string;
  /** The verified verifier compiled in, and its setup (absent: none). */
  verified?: { config: string; circuitHash: string; insecure: boolean; vkeySha256: string };
}

const vkeyShaOf = (setup: SetupArtifacts): string => vkeySha256(JSON.parse(readFileSync(setup.vkey, "utf8")));

/**
 * The verified configuration that matches a self-declared one (same slots, over venue statements):
 * small -> small-verified, standard -> standard-verified; undefined if there is none.
 */
export function verifiedConfigFor(config: string): string | undefined {
  const name = `${config}-verified`;
  return name in VERIFIED_CONFIGS ? name : undefined;
}

/** Whether a configuration has a setup for its circuit as it is now, without compiling the circuit. */
export function hasSetup(config: CircuitConfig): boolean {
  return existsSync(join(setupDir(config, circuitHash(config)), "setup.json"));
}

async function setupOf(config: CircuitConfig, flag: string, progress: ProgressFn): Promise<SetupArtifacts> {
  const setup = hasSetup(config) ? await findSetup(config, progress) : undefined;
  if (!setup) {
    throw new ZkMarginError("FILE", `no trusted setup for the "${config.name}" circuit; run \`zkmargin setup --config ${config.name}\` first`, { path: flag });
  }
  return setup;
}

/**
 * Compile the pool's contracts for `config` (a self-declared configuration, its setup must exist).
 * `verifiedConfig`: undefined picks the matching verified configuration when its setup exists
 * (none otherwise); a name requires that configuration's setup; null compiles no verified verifier.
 */
export async function loadPoolBuild(opts: {
  config: string;
  verifiedConfig?: string | null;
  progress?: ProgressFn;
}): Promise<PoolBuild> {
  const progress = opts.progress ?? silent;
  const config = getConfig(opts.config, "--config");
  if (isVerifiedConfig(config)) {
    throw new ZkMarginError(
      "ARGUMENT",
      `"${config.name}" is a verified configuration; deploy with its self-declared one (e.g. --config ${config.name.replace(/-verified[0-9]*$/, "")}) and --verified-config ${config.name}`,
      { path: "--config", value: config.name },
    );
  }
  const setup = await setupOf(config, "--config", progress);
  let verified: { config: CircuitConfig; setup: SetupArtifacts } | undefined;
  if (opts.verifiedConfig === undefined) {
    const name = verifiedConfigFor(config.name);
    const vc = name ? getConfig(name) : undefined;
    if (vc && hasSetup(vc)) {
      const vs = await findSetup(vc, progress);
      if (vs) verified = { config: vc, setup: vs };
    }
  } else if (opts.verifiedConfig !== null) {
    const vc = getConfig(opts.verifiedConfig, "--verified-config");
    if (!isVerifiedConfig(vc)) {
      throw new ZkMarginError("ARGUMENT", `"${vc.name}" is not a verified configuration (one of ${Object.keys(VERIFIED_CONFIGS).join(", ")})`, {
        path: "--verified-config",
        value: vc.name,
      });
    }
    verified = { config: vc, setup: await setupOf(vc, "--verified-config", progress) };
  }
  const artifacts = await compilePoolContracts(
    readFileSync(setup.verifierSol, "utf8"),
    verified ? readFileSync(verified.setup.verifierSol, "utf8") : undefined,
  );
  return {
    artifacts,
    config: config.name,
    circuitHash: setup.record.circuitHash,
    insecure: setup.record.insecure,
    vkeySha256: vkeyShaOf(setup),
    ...(verified
      ? {
          verified: {
            config: verified.config.name,
            circuitHash: verified.setup.record.circuitHash,
            insecure: verified.setup.record.insecure,
            vkeySha256: vkeyShaOf(verified.setup),
          },
        }
      : {}),
  };
}
