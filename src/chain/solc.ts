/**
 * Offline Solidity compilation with solc-js (the npm `solc` package bundles its own soljson
 * build, so nothing is downloaded). Artifacts are cached under
 * `${cacheDir()}/contracts/<hash>/artifacts.json`, keyed by every source text, the compiler
 * version and the settings, so a cache hit never loads the (slow to start) compiler.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { ZkMarginError } from "../errors.js";
import { cacheDir, packageRoot } from "../circuit/paths.js";
import { writeFileAtomic } from "../util/files.js";

const require = createRequire(import.meta.url);

export interface ContractArtifact {
  abi: unknown[];
  /** Creation bytecode, 0x-prefixed. */
  bytecode: string;
  /** Runtime bytecode, 0x-prefixed. */
  deployedBytecode: string;
  /** Source unit the contract is defined in, e.g. "contracts/Registry.sol". */
  sourceName: string;
  contractName: string;
}

export interface CompileResult {
  /**
   * Keyed both by fully qualified name ("contracts/Registry.sol:Registry") and, when the name is
   * unique across all sources, by the bare name ("Registry").
   */
  contracts: Record<string, ContractArtifact>;
  /** Full compiler version, e.g. "0.8.28+commit.7893614a.Emscripten.clang". */
  solcVersion: string;
  /** Cache key (hex): hash of sources + compiler version + settings. */
  hash: string;
  /** solc warnings (formatted), if any. */
  warnings: string[];
  /** Whether the artifacts came from the cache. */
  cached: boolean;
}

export interface CompileOptions {
  /**
   * Extra sources keyed by source name, e.g. `{ "generated/Groth16Verifier.sol": text }`. A key
   * that clashes with a file under contracts/ replaces it.
   */
  extraSources?: Record<string, string>;
  /** Folder scanned for `**\/*.sol` (default `<package root>/contracts`); `null` to skip it. */
  contractsDir?: string | null;
  /** EVM target (default "cancun"). */
  evmVersion?: "paris" | "shanghai" | "cancun";
  /** Skip reading and writing the artifact cache. */
  noCache?: boolean;
  /** Told before and after a compilation that misses the cache (solc-js takes seconds to minutes). */
  progress?: (message: string) => void;
  /** What is compiled, for the progress lines (default "the contracts"). */
  label?: string;
}

/** Settings every compilation uses (part of the cache key). */
export function solcSettings(evmVersion: string = "cancun"): Record<string, unknown> {
  return {
    optimizer: { enabled: true, runs: 200 },
    evmVersion,
    viaIR: false,
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  };
}

/** Version of the bundled solc-js package (readable without loading the compiler). */
export function solcPackageVersion(): string {
  return (require("solc/package.json") as { version: string }).version;
}

/** Source name -> text for every `.sol` file under `dir`, named relative to the package root. */
export function readContractSources(dir: string = join(packageRoot(), "contracts")): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const root = packageRoot();
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) {
        if (ent.name !== "node_modules" && !ent.name.startsWith(".")) walk(p);
      } else if (ent.isFile() && ent.name.endsWith(".sol")) {
        const rel = relative(root, p);
        const name = rel.startsWith("..") ? relative(dir, p) : rel;
        out[name.split(sep).join("/")] = readFileSync(p, "utf8");
      }
    }
  };
  walk(dir);
  return out;
}

interface SolcError {
  severity: "error" | "warning" | "info";
  type?: string;
  formattedMessage?: string;
  message: string;
  sourceLocation?: { file: string };
}

interface SolcOutput {
  errors?: SolcError[];
  contracts?: Record<
    string,
    Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

interface SolcModule {
  version(): string;
  compile(input: string, callbacks?: { import: (path: string) => { contents: string } | { error: string } }): string;
}

let solcModule: SolcModule | undefined;
function loadSolc(): SolcModule {
  solcModule ??= require("solc") as SolcModule;
  return solcModule;
}

interface CachedArtifacts {
  solcVersion: string;
  hash: string;
  warnings: string[];
  contracts: Record<string, ContractArtifact>;
}

/**
 * Compile every contract of the package (plus `extraSources`). Compile errors throw a
 * `ZkMarginError` ("FILE", path = the first failing source) carrying solc's messages.
 */
export async function compileContracts(opts: CompileOptions = {}): Promise<CompileResult> {
  const evmVersion = opts.evmVersion ?? "cancun";
  const settings = solcSettings(evmVersion);
  const sources: Record<string, string> = {
    ...(opts.contractsDir === null ? {} : readContractSources(opts.contractsDir ?? undefined)),
    ...(opts.extraSources ?? {}),
  };
  const names = Object.keys(sources).sort();
  if (names.length === 0) throw new ZkMarginError("FILE", "no Solidity sources to compile", { path: "contracts/" });

  const h = createHash("sha256");
  h.update(JSON.stringify({ solc: solcPackageVersion(), settings }));
  for (const n of names) h.update(`\0${n}\0${sources[n]}`);
  const hash = h.digest("hex").slice(0, 24);
  const file = join(cacheDir(), "contracts", hash, "artifacts.json");

  if (!opts.noCache && existsSync(file)) {
    try {
      const c = JSON.parse(readFileSync(file, "utf8")) as CachedArtifacts;
      if (c.hash === hash && c.contracts) return { ...c, cached: true };
    } catch {
      /* corrupt cache entry: recompile */
    }
  }

  const started = Date.now();
  const label = opts.label ?? "the contracts";
  opts.progress?.(`compiling ${label} (${names.length} Solidity source${names.length === 1 ? "" : "s"}) with solc-js ${solcPackageVersion()}: not cached yet, this takes a while...`);
  const solc = loadSolc();
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(names.map((n) => [n, { content: sources[n] }])),
    settings,
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (p: string) => ({ error: `import ${JSON.stringify(p)} not found (only package and generated sources are available)` }),
    }),
  ) as SolcOutput;

  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  const warnings = (output.errors ?? [])
    .filter((e) => e.severity === "warning")
    .map((e) => (e.formattedMessage ?? e.message).trim());
  if (errors.length > 0) {
    const text = errors.map((e) => (e.formattedMessage ?? `${e.type ?? "Error"}: ${e.message}`).trim()).join("\n");
    throw new ZkMarginError("FILE", `Solidity compilation failed:\n${text}`, {
      path: errors[0]?.sourceLocation?.file ?? "contracts/",
      value: errors.map((e) => e.message),
    });
  }

  const contracts: Record<string, ContractArtifact> = {};
  const byName = new Map<string, ContractArtifact[]>();
  for (const [sourceName, units] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, c] of Object.entries(units)) {
      const art: ContractArtifact = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        sourceName,
        contractName,
      };
      contracts[`${sourceName}:${contractName}`] = art;
      byName.set(contractName, [...(byName.get(contractName) ?? []), art]);
    }
  }
  for (const [name, arts] of byName) if (arts.length === 1 && arts[0] && !(name in contracts)) contracts[name] = arts[0];

  const result: CachedArtifacts = { solcVersion: solc.version(), hash, warnings, contracts };
  opts.progress?.(`compiled ${label} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (!opts.noCache) {
    try {
      mkdirSync(join(cacheDir(), "contracts", hash), { recursive: true });
      writeFileAtomic(file, JSON.stringify(result));
    } catch {
      /* a read-only cache only costs speed */
    }
  }
  return { ...result, cached: false };
}
