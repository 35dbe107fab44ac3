/**
 * Exported proving artifacts: the manifest format and loading from a base URL or from bytes, with
 * no Node-only imports (usable in a browser). Folders and `exportArtifacts` are in artifacts.ts.
 *
 * A folder of artifacts holds main.wasm (the witness generator), final.zkey (the proving key),
 * verification_key.json, Groth16Verifier.sol and manifest.json:
 *
 *   {
 *     "zkmarginArtifacts": 1,
 *     "config": { "name": "small", "collateralSlots": 2, "positionSlots": 4, "groupSlots": 2,
 *                 "statementSlots": 0, "optimization": "O2" },
 *     "circuitHash": "<64 hex>",            // the proof bundle's circuitHash
 *     "layout": "zkmargin/params/v2/K16/T4", // the risk-parameter tree layout the circuit opens
 *     "nPublic": 4,                         // public signals (5 in verified mode)
 *     "files": { "main.wasm": { "sha256": "<64 hex>", "bytes": 2345 }, ... },
 *     "insecure": true,                     // decided from the key (isDevKey), never trusted alone
 *     "label": "INSECURE dev ptau: ...",
 *     "createdAt": "2025-...",
 *     "versions": { "zkmargin": "0.1.0", "snarkjs": "0.7.6", "circom": "2.2.3", "circom2": "0.2.23", "circomlib": "2.0.5" }
 *   }
 *
 * Loading checks every file's sha256 and size against the manifest and refuses a mismatch naming
 * the file; it checks the manifest's configuration against this version's, the key's number of
 * public signals, and that a manifest calling its key secure does not carry a dev key.
 */
import { CONFIGS, VERIFIED_CONFIGS, type CircuitConfig } from "../config/circuits.js";
import { ZkMarginError } from "../errors.js";
import { parseJsonStrict } from "../util/strictJson.js";
import { isDevKey } from "./devKey.js";

export const ARTIFACTS_VERSION = 1;

/** The files of an artifacts folder, by role. */
export const ARTIFACT_FILES = Object.freeze({
  wasm: "main.wasm",
  zkey: "final.zkey",
  vkey: "verification_key.json",
  verifier: "Groth16Verifier.sol",
});
/** The manifest's file name in an artifacts folder or URL. */
export const MANIFEST_FILE = "manifest.json";

export type ArtifactRole = keyof typeof ARTIFACT_FILES;

/**
 * A proving-artifacts folder's `manifest.json`: the configuration's shape, circuit hash, layout,
 * number of public signals, each file's SHA-256 and size, and whether the key is INSECURE.
 */
export interface ArtifactsManifest {
  zkmarginArtifacts: 1;
  config: {
    name: string;
    collateralSlots: number;
    positionSlots: number;
    groupSlots: number;
    statementSlots: number;
    optimization: string;
  };
  circuitHash: string;
  /** The risk-parameter tree layout's name (its tag is hashed into paramsRoot). */
  layout: string;
  nPublic: number;
  files: Record<string, { sha256: string; bytes: number }>;
  insecure: boolean;
  label: string;
  createdAt: string;
  versions: Record<string, string>;
}

/**
 * Loaded artifacts. It fits proveMargin's `artifacts` (circuitHash, wasm, zkey, vkey, insecure,
 * label): from a folder wasm/zkey/vkey are file paths, from a URL or bytes wasm and zkey are bytes
 * and vkey is the parsed key. `vkeyJson` is always the parsed key (for verifyMargin).
 */
export interface LoadedArtifacts<B = string | Uint8Array> {
  manifest: ArtifactsManifest;
  /** This version's configuration of the manifest's name (same shape, checked). */
  config: CircuitConfig;
  circuitHash: string;
  wasm: B;
  zkey: B;
  vkey: B extends string ? string : object;
  vkeyJson: unknown;
  /** The Solidity verifier (a path from a folder, source text otherwise), when present. */
  verifier?: string;
  /** Decided from the key (isDevKey) and the manifest: a dev key is INSECURE whatever the manifest says. */
  insecure: boolean;
  label: string;
  /** Where they were loaded from (folder, URL or "buffers"). */
  source: string;
}

/** Options for loading proving artifacts. */
export interface LoadOptions {
  /**
   * Read and check only the manifest and the verification key (what a verifier needs): wasm and
   * zkey are neither read nor checked, and must not be used. Folders and URLs only.
   */
  keyOnly?: boolean;
}

/** Artifacts given as bytes: the manifest (object, JSON text or bytes) and each file's bytes. */
export interface ArtifactBuffers {
  manifest: ArtifactsManifest | string | Uint8Array;
  wasm: Uint8Array;
  zkey: Uint8Array;
  /** The verification key as bytes of its JSON file (checked against the manifest's sha256). */
  vkey: Uint8Array | string;
  verifier?: Uint8Array | string;
}

const HEX64 = /^[0-9a-f]{64}$/;

function bad(message: string, path?: string, value?: unknown): ZkMarginError {
  return new ZkMarginError("FILE", message, { path, value });
}

/** Check a manifest's shape and its configuration against this version's; returns the configuration. */
export function parseManifest(json: unknown, where = "artifacts manifest"): { manifest: ArtifactsManifest; config: CircuitConfig } {
  const m = json as Partial<ArtifactsManifest> | null;
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw bad(`${where} is not a JSON object`);
  if (m.zkmarginArtifacts !== ARTIFACTS_VERSION) {
    throw bad(`${where}: zkmarginArtifacts must be ${ARTIFACTS_VERSION}, got ${JSON.stringify(m.zkmarginArtifacts)} (not a zkmargin artifacts manifest, or from another version)`, "zkmarginArtifacts", m.zkmarginArtifacts);
  }
  if (typeof m.circuitHash !== "string" || !HEX64.test(m.circuitHash)) throw bad(`${where}: circuitHash must be 64 lowercase hex digits`, "circuitHash", m.circuitHash);
  if (typeof m.insecure !== "boolean") throw bad(`${where}: insecure must be true or false`, "insecure", m.insecure);
  if (typeof m.label !== "string") throw bad(`${where}: label must be a string`, "label");
  if (typeof m.files !== "object" || m.files === null) throw bad(`${where}: files must be an object`, "files");
  for (const name of [ARTIFACT_FILES.wasm, ARTIFACT_FILES.zkey, ARTIFACT_FILES.vkey]) {
    const f = m.files[name];
    if (!f || typeof f.sha256 !== "string" || !HEX64.test(f.sha256) || !Number.isSafeInteger(f.bytes) || f.bytes < 0) {
      throw bad(`${where}: files["${name}"] must be { sha256: 64 lowercase hex digits, bytes: a whole number }`, `files.${name}`, f);
    }
  }
  const c = m.config;
  if (typeof c !== "object" || c === null || typeof c.name !== "string") throw bad(`${where}: config.name is missing`, "config");
  const config = CONFIGS[c.name] ?? VERIFIED_CONFIGS[c.name];
  if (!config) throw bad(`${where}: unknown circuit configuration ${JSON.stringify(c.name)} (made by another version of zkmargin?)`, "config.name", c.name);
  const shape = shapeOf(config);
  for (const k of Object.keys(shape) as (keyof typeof shape)[]) {
    if (c[k] !== shape[k]) {
      throw bad(
        `${where}: the "${c.name}" circuit has ${k} ${JSON.stringify(c[k])} in the manifest but ${JSON.stringify(shape[k])} in this version of zkmargin: the artifacts do not fit this SDK`,
        `config.${k}`,
        c[k],
      );
    }
  }
  if (m.layout !== config.layout.name) {
    throw bad(`${where}: layout ${JSON.stringify(m.layout)} differs from this version's ${JSON.stringify(config.layout.name)}`, "layout", m.layout);
  }
  return { manifest: m as ArtifactsManifest, config };
}

/** The parts of a configuration a manifest records. */
export function shapeOf(config: CircuitConfig): ArtifactsManifest["config"] {
  return {
    name: config.name,
    collateralSlots: config.collateralSlots,
    positionSlots: config.positionSlots,
    groupSlots: config.groupSlots,
    statementSlots: config.statementSlots ?? 0,
    optimization: config.optimization,
  };
}

/** sha256 of bytes, lowercase hex (WebCrypto: Node >= 20 and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Refuse a file whose size or sha256 differs from the manifest's, naming it. */
export function checkDigest(manifest: ArtifactsManifest, name: string, got: { sha256: string; bytes: number }, where: string): void {
  const want = manifest.files[name];
  if (!want) throw bad(`${where}: the manifest lists no file "${name}"`, `files.${name}`);
  if (got.bytes !== want.bytes || got.sha256 !== want.sha256) {
    throw new ZkMarginError(
      "MISMATCH",
      `${name} in ${where} does not match its manifest: ${got.bytes !== want.bytes ? `${got.bytes} bytes, the manifest says ${want.bytes}` : `sha256 ${got.sha256}, the manifest says ${want.sha256}`}; the file was changed or corrupted: refusing it`,
      { path: name, value: got.sha256, limit: want.sha256 },
    );
  }
}

/** Parse the verification key and check it against the manifest (public signals, INSECURE). */
export function checkVkey(manifest: ArtifactsManifest, config: CircuitConfig, text: string, where: string): { vkey: object; insecure: boolean } {
  const vkey = parseJsonStrict(text, `${ARTIFACT_FILES.vkey} in ${where}`) as { protocol?: unknown; nPublic?: unknown } | null;
  const nPublic = (config.statementSlots ?? 0) > 0 ? 5 : 4;
  if (vkey?.protocol !== "groth16" || vkey.nPublic !== nPublic || manifest.nPublic !== nPublic) {
    throw bad(
      `${ARTIFACT_FILES.vkey} in ${where} is not a Groth16 key with ${nPublic} public signals for the "${config.name}" circuit (protocol ${String(vkey?.protocol)}, nPublic ${String(vkey?.nPublic)}, manifest nPublic ${String(manifest.nPublic)})`,
      ARTIFACT_FILES.vkey,
    );
  }
  const dev = isDevKey(vkey);
  if (dev && !manifest.insecure) {
    throw bad(`${where}: the manifest says the setup is secure ("${manifest.label}") but ${ARTIFACT_FILES.vkey} is an INSECURE dev key: refusing it`, "insecure", false);
  }
  return { vkey: vkey as object, insecure: dev || manifest.insecure };
}

const decode = (b: Uint8Array | string): string => (typeof b === "string" ? b : new TextDecoder().decode(b));
const encode = (s: Uint8Array | string): Uint8Array => (typeof s === "string" ? new TextEncoder().encode(s) : s);

/** Load artifacts given as bytes (checks every sha256 against the manifest). */
export async function loadArtifactsFromBuffers(buffers: ArtifactBuffers, where = "the given artifacts"): Promise<LoadedArtifacts<Uint8Array>> {
  const manifestJson = typeof buffers.manifest === "object" && !(buffers.manifest instanceof Uint8Array) ? buffers.manifest : parseJsonStrict(decode(buffers.manifest), `${MANIFEST_FILE} of ${where}`);
  const { manifest, config } = parseManifest(manifestJson, `${MANIFEST_FILE} of ${where}`);
  const files: [ArtifactRole, Uint8Array | undefined][] = [
    ["wasm", buffers.wasm],
    ["zkey", buffers.zkey],
    ["vkey", buffers.vkey === undefined ? undefined : encode(buffers.vkey)],
    ["verifier", buffers.verifier === undefined ? undefined : encode(buffers.verifier)],
  ];
  for (const [role, bytes] of files) {
    const name = ARTIFACT_FILES[role];
    if (bytes === undefined) {
      if (role === "verifier") continue;
      throw bad(`${where}: ${name} is missing`, name);
    }
    if (!(bytes instanceof Uint8Array)) throw bad(`${where}: ${name} must be bytes (a Uint8Array)`, name);
    checkDigest(manifest, name, { sha256: await sha256Hex(bytes), bytes: bytes.length }, where);
  }
  const { vkey, insecure } = checkVkey(manifest, config, decode(buffers.vkey), where);
  return {
    manifest,
    config,
    circuitHash: manifest.circuitHash,
    wasm: buffers.wasm,
    zkey: buffers.zkey,
    vkey,
    vkeyJson: vkey,
    ...(buffers.verifier !== undefined ? { verifier: decode(buffers.verifier) } : {}),
    insecure,
    label: manifest.label,
    source: where,
  };
}

/** Whether a string is a URL (scheme://...) rather than a file path (a Windows drive path is not). */
export function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(s);
}

/**
 * Load artifacts from a base URL (http(s), or anything fetch accepts): fetches manifest.json and
 * the files beside it and checks each sha256. `fetchFn` defaults to the global fetch.
 */
export async function loadArtifactsFromUrl(
  base: string | URL,
  fetchFn: typeof fetch = globalThis.fetch,
  opts: LoadOptions = {},
): Promise<LoadedArtifacts<Uint8Array>> {
  const root = new URL(String(base).endsWith("/") ? String(base) : `${String(base)}/`);
  const where = root.href;
  const get = async (name: string, optional = false): Promise<Uint8Array | undefined> => {
    const url = new URL(name, root);
    let res: Response;
    try {
      res = await fetchFn(url);
    } catch (e) {
      throw bad(`cannot fetch ${url.href}: ${(e as Error).message}`, name);
    }
    if (!res.ok) {
      if (optional && res.status === 404) return undefined;
      throw bad(`cannot fetch ${url.href}: HTTP ${res.status}`, name);
    }
    return new Uint8Array(await res.arrayBuffer());
  };
  const manifestBytes = (await get(MANIFEST_FILE))!;
  const { manifest, config } = parseManifest(parseJsonStrict(decode(manifestBytes), `${MANIFEST_FILE} at ${where}`), `${MANIFEST_FILE} at ${where}`);
  if (opts.keyOnly) {
    const bytes = (await get(ARTIFACT_FILES.vkey))!;
    checkDigest(manifest, ARTIFACT_FILES.vkey, { sha256: await sha256Hex(bytes), bytes: bytes.length }, where);
    const { vkey, insecure } = checkVkey(manifest, config, decode(bytes), where);
    const none = new Uint8Array(0);
    return { manifest, config, circuitHash: manifest.circuitHash, wasm: none, zkey: none, vkey, vkeyJson: vkey, insecure, label: manifest.label, source: where };
  }
  const [wasm, zkey, vkey, verifier] = await Promise.all([
    get(ARTIFACT_FILES.wasm),
    get(ARTIFACT_FILES.zkey),
    get(ARTIFACT_FILES.vkey),
    ARTIFACT_FILES.verifier in manifest.files ? get(ARTIFACT_FILES.verifier, true) : Promise.resolve(undefined),
  ]);
  return loadArtifactsFromBuffers({ manifest: manifestBytes, wasm: wasm!, zkey: zkey!, vkey: vkey!, ...(verifier ? { verifier } : {}) }, where);
}
