import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findSetup, setupDir, type SetupArtifacts } from "../../setup/groth16.js";
import { circuitHash } from "../circuit/compile.js";
import { VERIFIED_CONFIGS, getConfig, isVerifiedConfig, type CircuitConfig } from "../config/circuits.js";
import { ZkMarginError } from "../errors.js";
import { vkeySha256 } from "../prove/bundle.js";
import { ARTIFACT_FILES, MANIFEST_FILE, checkDigest, checkVkey, isUrl, parseManifest, type ArtifactsManifest } from "../prove/artifactsCore.js";
import { parseJsonStrict } from "../util/strictJson.js";
import { type ProgressFn, silent } from "../util/progress.js";
import { compilePoolContracts, type ArtifactsOrigin, type PoolArtifacts } from "./pool.js";
import { fetchLimited } from "./registry.js";

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
  verified?: { config: string; circuitHash: string; insecure: boolean; vkeySha256: string; origin?: ArtifactsOrigin };
  /** The exported artifacts the verifier came from (loadPoolBuildFromArtifacts; absent: a local setup). */
  origin?: ArtifactsOrigin;
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
    { progress },
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

// ------------------------------------------------------------------ from exported artifacts

/** A configuration's verifier from exported artifacts (`zkmargin export`), checked against its manifest. */
export interface VerifierArtifacts {
  /** The folder (absolute) or URL they were loaded from. */
  source: string;
  manifest: ArtifactsManifest;
  /** sha256 of the manifest.json bytes (recorded in the deployment). */
  manifestSha256: string;
  config: CircuitConfig;
  circuitHash: string;
  /** Decided from the key (a dev key is INSECURE whatever the manifest says) and the manifest. */
  insecure: boolean;
  /** sha256 of the verification key (as `vkeySha256` in proof bundles). */
  vkeySha256: string;
  /** The generated Solidity verifier's source (its sha256 checked, and its constants are the key's). */
  verifierSource: string;
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const ARTIFACT_FETCH = { timeoutMs: 60_000, maxBytes: 64 * 1024 * 1024 };

/**
 * Refuse a generated verifier whose curve-point constants are not the verification key's (the
 * snarkjs template: alphax/y, betax1/x2/y1/y2, gamma..., delta..., IC<i>x/y; G2 coordinates swapped).
 */
export function checkVerifierMatchesKey(sol: string, vkey: unknown, where: string): void {
  const consts = new Map<string, string>();
  for (const m of sol.matchAll(/uint256\s+constant\s+([A-Za-z0-9_]+)\s*=\s*([0-9]+)\s*;/g)) consts.set(m[1]!, m[2]!);
  const k = vkey as { vk_alpha_1: string[]; vk_beta_2: string[][]; vk_gamma_2: string[][]; vk_delta_2: string[][]; IC: string[][] };
  const want: Array<[string, string | undefined]> = [
    ["alphax", k.vk_alpha_1?.[0]],
    ["alphay", k.vk_alpha_1?.[1]],
  ];
  for (const [name, g2] of [
    ["beta", k.vk_beta_2],
    ["gamma", k.vk_gamma_2],
    ["delta", k.vk_delta_2],
  ] as const) {
    want.push([`${name}x1`, g2?.[0]?.[1]], [`${name}x2`, g2?.[0]?.[0]], [`${name}y1`, g2?.[1]?.[1]], [`${name}y2`, g2?.[1]?.[0]]);
  }
  (k.IC ?? []).forEach((p, i) => want.push([`IC${i}x`, p[0]], [`IC${i}y`, p[1]]));
  const extra = consts.has(`IC${(k.IC ?? []).length}x`);
  const wrong = want.find(([name, v]) => v === undefined || consts.get(name) !== v);
  if (wrong || extra) {
    throw new ZkMarginError(
      "MISMATCH",
      `${ARTIFACT_FILES.verifier} in ${where} is not the verifier of its ${ARTIFACT_FILES.vkey} (${wrong ? `constant ${wrong[0]} differs` : "it has more public inputs"}): refusing it`,
      { path: ARTIFACT_FILES.verifier, ...(wrong ? { value: wrong[0] } : {}) },
    );
  }
}

/**
 * Load a configuration's verifier from exported artifacts: a folder (or file: URL) or an http(s)
 * base URL holding manifest.json, verification_key.json and Groth16Verifier.sol. Only those three
 * are read (not the proving key): the manifest is checked (this version's configuration and
 * layout), each file's sha256 and size against it (a MISMATCH error naming the file otherwise),
 * the key's public signals and INSECURE flag, and the verifier's constants against the key.
 */
export async function loadVerifierArtifacts(source: string | URL): Promise<VerifierArtifacts> {
  const s = String(source);
  const remote = isUrl(s) && !s.startsWith("file:");
  const root = remote ? new URL(s.endsWith("/") ? s : `${s}/`).href : resolve(s.startsWith("file:") ? fileURLToPath(s) : s);
  const where = remote ? root : JSON.stringify(root);
  const read = async (name: string): Promise<Uint8Array | undefined> => {
    if (remote) return fetchLimited(new URL(name, root).href, ARTIFACT_FETCH).catch((e: unknown) => {
      throw new ZkMarginError("FILE", `${(e as Error).message.replace(/^uri: /, "")}`, { path: "--artifacts", value: s });
    });
    const file = join(root, name);
    if (!existsSync(file)) return undefined;
    return new Uint8Array(readFileSync(file));
  };
  if (!remote && !(existsSync(root) && statSync(root).isDirectory())) {
    throw new ZkMarginError("FILE", `${where} is not a folder of exported artifacts (\`zkmargin export --config <name> -o <dir>\`)`, { path: "--artifacts", value: s });
  }
  const manifestBytes = await read(MANIFEST_FILE);
  if (!manifestBytes) {
    throw new ZkMarginError("FILE", `${where} holds no ${MANIFEST_FILE}: not an artifacts folder (make one with \`zkmargin export --config <name> -o <dir>\`)`, {
      path: "--artifacts",
      value: s,
    });
  }
  const text = new TextDecoder().decode(manifestBytes);
  const { manifest, config } = parseManifest(parseJsonStrict(text, `${MANIFEST_FILE} in ${where}`), `${MANIFEST_FILE} in ${where}`);
  if (!(ARTIFACT_FILES.verifier in manifest.files)) {
    throw new ZkMarginError("FILE", `${MANIFEST_FILE} in ${where} lists no ${ARTIFACT_FILES.verifier}: export the artifacts again with \`zkmargin export\``, {
      path: `files.${ARTIFACT_FILES.verifier}`,
    });
  }
  const files: Record<string, Uint8Array> = {};
  for (const name of [ARTIFACT_FILES.vkey, ARTIFACT_FILES.verifier]) {
    const bytes = await read(name);
    if (!bytes) throw new ZkMarginError("FILE", `${where} has no ${name} (the manifest lists it)`, { path: name });
    checkDigest(manifest, name, { sha256: sha256(bytes), bytes: bytes.length }, where);
    files[name] = bytes;
  }
  const { vkey, insecure } = checkVkey(manifest, config, new TextDecoder().decode(files[ARTIFACT_FILES.vkey]), where);
  const verifierSource = new TextDecoder().decode(files[ARTIFACT_FILES.verifier]);
  checkVerifierMatchesKey(verifierSource, vkey, where);
  return {
    source: root,
    manifest,
    manifestSha256: sha256(manifestBytes),
    config,
    circuitHash: manifest.circuitHash,
    insecure,
    vkeySha256: vkeySha256(vkey),
    verifierSource,
  };
}

/**
 * The artifact sources a `--artifacts` value names: itself when it is a URL or holds a manifest.json;
 * a folder without one: each of its subfolders that holds one (e.g. small/ and small-verified/).
 */
export function expandArtifactSources(source: string): string[] {
  if (isUrl(source) && !source.startsWith("file:")) return [source];
  const dir = resolve(source.startsWith("file:") ? fileURLToPath(source) : source);
  if (!existsSync(dir) || !statSync(dir).isDirectory() || existsSync(join(dir, MANIFEST_FILE))) return [source];
  const subs = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, MANIFEST_FILE)))
    .map((e) => join(dir, e.name))
    .sort();
  return subs.length > 0 ? subs : [source];
}

/**
 * The pool's contracts compiled with verifiers from exported artifacts (`zkmargin export`), no local
 * setup needed: `sources` are folders or URLs (a folder without a manifest stands for its
 * subfolders that have one); exactly one must be a self-declared configuration, at most one a
 * verified configuration (its verifier is compiled in unless `verified` is false). Records each
 * manifest's sha256 (`origin`, `verified.origin`; deployPool's `artifactsOrigin` and
 * `verified.artifacts`).
 */
export async function loadPoolBuildFromArtifacts(opts: { sources: string[]; verified?: boolean; progress?: ProgressFn }): Promise<PoolBuild> {
  const progress = opts.progress ?? silent;
  const sources = opts.sources.flatMap(expandArtifactSources);
  const loaded: VerifierArtifacts[] = [];
  for (const src of sources) {
    progress(`reading artifacts ${src}...`);
    const a = await loadVerifierArtifacts(src);
    progress(`  ${a.config.name} circuit ${a.circuitHash.slice(0, 12)}, manifest sha256 ${a.manifestSha256}${a.insecure ? " (INSECURE dev key)" : ""}`);
    loaded.push(a);
  }
  const plain = loaded.filter((a) => !isVerifiedConfig(a.config));
  const verified = loaded.filter((a) => isVerifiedConfig(a.config));
  const names = (xs: VerifierArtifacts[]) => xs.map((a) => `"${a.config.name}" (${a.source})`).join(", ");
  if (plain.length !== 1) {
    throw new ZkMarginError(
      "ARGUMENT",
      plain.length === 0
        ? `no artifacts of a self-declared configuration (small, standard, ...) among ${names(loaded) || "the sources"}: export one with \`zkmargin export --config small -o <dir>\``
        : `more than one self-declared configuration's artifacts: ${names(plain)}; give one`,
      { path: "--artifacts" },
    );
  }
  if (verified.length > 1) throw new ZkMarginError("ARGUMENT", `more than one verified configuration's artifacts: ${names(verified)}; give one`, { path: "--artifacts" });
  const self = plain[0]!;
  const v = opts.verified === false ? undefined : verified[0];
  if (opts.verified === false && verified.length > 0) {
    throw new ZkMarginError("ARGUMENT", `cannot be combined with verified artifacts (${names(verified)})`, { path: "--no-verified" });
  }
  const artifacts = await compilePoolContracts(self.verifierSource, v?.verifierSource, { progress });
  const origin = (a: VerifierArtifacts): ArtifactsOrigin => ({ source: a.source, manifestSha256: a.manifestSha256 });
  return {
    artifacts,
    config: self.config.name,
    circuitHash: self.circuitHash,
    insecure: self.insecure,
    vkeySha256: self.vkeySha256,
    origin: origin(self),
    ...(v ? { verified: { config: v.config.name, circuitHash: v.circuitHash, insecure: v.insecure, vkeySha256: v.vkeySha256, origin: origin(v) } } : {}),
  };
}
