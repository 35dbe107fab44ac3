/**
 * Export a configuration's proving artifacts (main.wasm, final.zkey, verification_key.json,
 * Groth16Verifier.sol and manifest.json) to a folder, and load them back from a folder, a base URL
 * or bytes, every file checked against the manifest's sha256. A prover or verifier with loaded
 * artifacts needs no local setup and never compiles. The manifest format is in artifactsCore.ts.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findSetup, findSetupRecord, snarkjsDir } from "../../setup/groth16.js";
import { cacheDir, circom2Cli, nodeModulesFor, packageRoot } from "../circuit/paths.js";
import { type CircuitConfig, getConfig } from "../config/circuits.js";
import { ZkMarginError } from "../errors.js";
import { toJsonText, writeFileAtomic } from "../util/files.js";
import { parseJsonFile, readJsonFile } from "../util/json.js";
import { parseJsonStrict } from "../util/strictJson.js";
import { type ProofBundle, vkeySha256 } from "./bundle.js";
import { checkVerificationKey } from "./verify.js";
import { type ProgressFn, silent } from "../util/progress.js";
import {
  ARTIFACT_FILES,
  ARTIFACTS_VERSION,
  type ArtifactBuffers,
  type ArtifactsManifest,
  checkDigest,
  checkVkey,
  isUrl,
  type LoadedArtifacts,
  type LoadOptions,
  loadArtifactsFromBuffers,
  loadArtifactsFromUrl,
  MANIFEST_FILE,
  parseManifest,
  shapeOf,
} from "./artifactsCore.js";
import { isDevKey } from "./devKey.js";

export * from "./artifactsCore.js";

async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest("hex"), bytes };
}

const versionOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;

/** The circom compiler's version (circom2 bundles it), or undefined if it cannot be asked. */
function circomCompilerVersion(): string | undefined {
  const r = spawnSync(process.execPath, [circom2Cli(), "--version"], { encoding: "utf8", timeout: 30_000 });
  return /circom compiler (\S+)/.exec(r.stdout ?? "")?.[1];
}

/** What exporting proving artifacts wrote: the folder, its manifest, and each file name's path. */
export interface ExportResult {
  dir: string;
  manifest: ArtifactsManifest;
  files: Record<string, string>;
}

/**
 * Write a configuration's proving artifacts from the local setup into `dir` (created if needed;
 * files of the same names are replaced, manifest.json last). Throws when there is no setup yet.
 */
export async function exportArtifacts(config: CircuitConfig, dir: string, opts: { progress?: ProgressFn } = {}): Promise<ExportResult> {
  const setup = await findSetup(config, opts.progress ?? silent);
  if (!setup) {
    throw new ZkMarginError("FILE", `no trusted setup for the "${config.name}" circuit yet; run \`zkmargin setup --config ${config.name}\` first`, { path: "--config" });
  }
  const out = resolve(dir);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new ZkMarginError("FILE", `${JSON.stringify(dir)} exists and is not a folder`, { path: "--out" });
  mkdirSync(out, { recursive: true });
  const sources: Record<string, string> = {
    [ARTIFACT_FILES.wasm]: setup.circuit.wasm,
    [ARTIFACT_FILES.zkey]: setup.zkey,
    [ARTIFACT_FILES.vkey]: setup.vkey,
    [ARTIFACT_FILES.verifier]: setup.verifierSol,
  };
  const files: ArtifactsManifest["files"] = {};
  const written: Record<string, string> = {};
  for (const [name, from] of Object.entries(sources)) {
    const to = join(out, name);
    const tmp = `${to}.tmp-${process.pid}`;
    copyFileSync(from, tmp);
    renameSync(tmp, to);
    files[name] = await sha256File(to);
    written[name] = to;
  }
  const vkey = JSON.parse(readFileSync(join(out, ARTIFACT_FILES.vkey), "utf8")) as { nPublic: number };
  const circom = circomCompilerVersion();
  const manifest: ArtifactsManifest = {
    zkmarginArtifacts: ARTIFACTS_VERSION,
    config: shapeOf(config),
    circuitHash: setup.record.circuitHash,
    layout: config.layout.name,
    nPublic: vkey.nPublic,
    files,
    insecure: isDevKey(vkey) || setup.record.insecure,
    label: setup.record.ptau.label,
    createdAt: new Date().toISOString(),
    versions: {
      zkmargin: versionOf(packageRoot()),
      snarkjs: versionOf(snarkjsDir()),
      ...(circom ? { circom } : {}),
      circom2: versionOf(join(nodeModulesFor("circom2"), "circom2")),
      circomlib: versionOf(join(nodeModulesFor("circomlib"), "circomlib")),
    },
  };
  writeFileAtomic(join(out, MANIFEST_FILE), toJsonText(manifest));
  written[MANIFEST_FILE] = join(out, MANIFEST_FILE);
  return { dir: out, manifest, files: written };
}

/**
 * Load artifacts from a folder: checks the manifest and every file's sha256; wasm, zkey and vkey
 * are returned as paths (what proveMargin reads), vkeyJson as the parsed key.
 */
export async function loadArtifactsFromFolder(dir: string, opts: LoadOptions = {}): Promise<LoadedArtifacts<string>> {
  const root = resolve(dir);
  const where = JSON.stringify(dir);
  const manifestFile = join(root, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(manifestFile, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ZkMarginError(
      "FILE",
      code === "ENOENT"
        ? `${where} holds no ${MANIFEST_FILE}: not an artifacts folder (make one with \`zkmargin export --config <name> --out <dir>\`)`
        : `cannot read ${manifestFile}: ${(e as Error).message}`,
      { path: "--artifacts", value: dir },
    );
  }
  const { manifest, config } = parseManifest(parseJsonStrict(text, `${MANIFEST_FILE} in ${where}`), `${MANIFEST_FILE} in ${where}`);
  const paths: Record<string, string> = {};
  const names = opts.keyOnly ? [ARTIFACT_FILES.vkey] : Object.values(ARTIFACT_FILES);
  for (const name of names) {
    const file = join(root, name);
    if (!existsSync(file)) {
      if (name === ARTIFACT_FILES.verifier) continue;
      throw new ZkMarginError("FILE", `${where} has no ${name} (the manifest lists it)`, { path: name });
    }
    checkDigest(manifest, name, await sha256File(file), where);
    paths[name] = file;
  }
  const { vkey, insecure } = checkVkey(manifest, config, readFileSync(paths[ARTIFACT_FILES.vkey]!, "utf8"), where);
  return {
    manifest,
    config,
    circuitHash: manifest.circuitHash,
    wasm: paths[ARTIFACT_FILES.wasm] ?? join(root, ARTIFACT_FILES.wasm),
    zkey: paths[ARTIFACT_FILES.zkey] ?? join(root, ARTIFACT_FILES.zkey),
    vkey: paths[ARTIFACT_FILES.vkey]!,
    vkeyJson: vkey,
    ...(paths[ARTIFACT_FILES.verifier] ? { verifier: paths[ARTIFACT_FILES.verifier] } : {}),
    insecure,
    label: manifest.label,
    source: root,
  };
}

/**
 * Load proving artifacts from a folder path (or file: URL), a base URL (http/https: manifest.json
 * and the files beside it), or bytes. Every file's sha256 is checked against the manifest; a
 * mismatch is refused with an error naming the file. From a folder wasm/zkey/vkey are paths;
 * from a URL or bytes wasm and zkey are Uint8Arrays and vkey the parsed key.
 */
export function loadArtifacts(source: string, opts?: LoadOptions): Promise<LoadedArtifacts>;
export function loadArtifacts(source: URL | ArtifactBuffers, opts?: LoadOptions): Promise<LoadedArtifacts<Uint8Array>>;
export async function loadArtifacts(source: string | URL | ArtifactBuffers, opts: LoadOptions = {}): Promise<LoadedArtifacts> {
  if (typeof source === "string" || source instanceof URL) {
    const s = String(source);
    if (s.startsWith("file:")) return loadArtifactsFromFolder(fileURLToPath(s), opts);
    if (isUrl(s)) return loadArtifactsFromUrl(s, globalThis.fetch, opts);
    return loadArtifactsFromFolder(s, opts);
  }
  return loadArtifactsFromBuffers(source);
}

/** Where a verifier's key came from, and anything worth telling about it. */
export interface VerificationKeyChoice {
  vkey: unknown;
  /** The verifier's own record (setup.json or the manifest) calls the key INSECURE. */
  keyInsecure: boolean;
  /** A description of the key's origin, for messages. */
  source: string;
  /** Notes for the verifier (e.g. a key whose sha256 is not the one the bundle names). */
  notes: string[];
}

/**
 * The verification key for a bundle, never compiling anything: `vkey` (a key file), `artifacts` (a
 * folder or URL from `exportArtifacts`; only its manifest and key are read), else the local setup
 * of the bundle's configuration and circuit hash. Without either and without a local setup it
 * throws a FILE error asking for --vkey.
 */
export async function verificationKeyFor(bundle: ProofBundle, opts: { vkey?: string; artifacts?: string | URL } = {}): Promise<VerificationKeyChoice> {
  if (opts.vkey !== undefined && opts.artifacts !== undefined) {
    throw new ZkMarginError("ARGUMENT", "give --vkey or --artifacts, not both", { path: "--vkey" });
  }
  const notes: string[] = [];
  const noteSha = (vkey: unknown, what: string) => {
    const sha = vkeySha256(vkey);
    if (sha !== bundle.setup.vkeySha256) {
      notes.push(`${what} (sha256 ${sha.slice(0, 16)}...) is not the key the bundle was made with (setup.vkeySha256 ${bundle.setup.vkeySha256.slice(0, 16)}...); the proof check decides`);
    }
  };
  if (opts.vkey !== undefined) {
    const vkey = parseJsonFile(opts.vkey, "verification key", "--vkey", (j) => {
      checkVerificationKey(j); // names the key file and the field, not a failure deep in snarkjs
      return j;
    });
    noteSha(vkey, `the verification key ${opts.vkey}`);
    return { vkey, keyInsecure: false, source: opts.vkey, notes };
  }
  if (opts.artifacts !== undefined) {
    const a = await loadArtifacts(String(opts.artifacts), { keyOnly: true });
    if (a.manifest.config.name !== bundle.config || a.circuitHash !== bundle.circuitHash) {
      throw new ZkMarginError(
        "MISMATCH",
        `the artifacts in ${a.source} are for the "${a.manifest.config.name}" circuit ${a.circuitHash.slice(0, 12)}; the bundle was made with "${bundle.config}" ${bundle.circuitHash.slice(0, 12)}`,
        { path: "--artifacts", value: a.circuitHash, limit: bundle.circuitHash },
      );
    }
    noteSha(a.vkeyJson, `the verification key in ${a.source}`);
    return { vkey: a.vkeyJson, keyInsecure: a.insecure, source: a.source, notes };
  }
  const config = getConfig(bundle.config, "config (in the bundle)");
  const local = findSetupRecord(config, bundle.circuitHash);
  if (!local) {
    throw new ZkMarginError(
      "FILE",
      `no local setup for the "${config.name}" circuit ${bundle.circuitHash.slice(0, 12)} the bundle was made with (looked in ${cacheDir()}); ` +
        `pass --vkey <verification_key.json> (the key the prover or the pool publishes) or --artifacts <folder|url>`,
      { path: "--vkey" },
    );
  }
  const vkey = readJsonFile(local.vkey, "verification key");
  noteSha(vkey, `the local verification key ${local.vkey}`);
  return { vkey, keyInsecure: local.record.insecure, source: local.vkey, notes };
}
