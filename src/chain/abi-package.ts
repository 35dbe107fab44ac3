/**
 * The contract artifacts an integrator imports instead of writing ABI fragments by hand, generated
 * at build time (`npm run build` runs scripts/build-abi.mjs after tsc) from the contracts under
 * contracts/, compiled with the package's own solc pipeline (src/chain/solc.ts, same settings):
 *
 * - `<Name>.json`               the ABI array (`zkmargin/abi/<Name>.json`);
 * - `<Name>.js` + `<Name>.d.ts` `export const <name>Abi = [...] as const` (viem, abitype) and, for a
 *                               deployable contract, `<name>Bytecode` (`zkmargin/abi/<Name>`);
 * - `index.js` + `index.d.ts`   all of them and the compiler that made them (`zkmargin/abi`);
 * - `factories.js` + `.d.ts`    typed ethers v6 factories, `<Name>__factory` with `connect(address,
 *                               runner)` and, when deployable, `new <Name>__factory(signer).deploy(...)`,
 *                               and an interface per contract (`zkmargin/factories`).
 *
 * The generated modules import nothing but `ethers` (factories only): an app that reads or calls the
 * contracts loads neither solc nor the EDR runtime. The generated Groth16 verifier is not among them:
 * its bytecode depends on the trusted setup (`zkmargin setup` writes its Solidity); its ABI is
 * IGroth16Verifier's (IVerifiedGroth16Verifier's for a verified configuration).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ZkMarginError } from "../errors.js";
import { compileContracts, solcSettings, type CompileResult } from "./solc.js";

/** A contract whose ABI the package ships. */
export interface PublicContract {
  name: string;
  /** Whether its creation bytecode is shipped (and its factory deploys). */
  deployable: boolean;
  /** One line for the generated docs. */
  about: string;
}

/** The contracts whose ABIs (and, when deployable, bytecode) the package ships. */
export const PUBLIC_CONTRACTS: readonly PublicContract[] = [
  { name: "MarginAttestations", deployable: true, about: "verifies margin proofs and records each account's attestation (health, credit limit, epoch, expiry)" },
  { name: "RiskParamsRegistry", deployable: true, about: "the risk oracle's posted parameter roots, epochs and validity windows" },
  { name: "ExamplePool", deployable: true, about: "example consumer: a credit line within the attested credit limit" },
  { name: "ExampleUSD", deployable: true, about: "the example pool's 6-decimal test stablecoin" },
  { name: "IMarginAttestations", deployable: false, about: "what a consumer contract calls: attestationOf, isHealthy, creditLimitOf, submit*" },
  { name: "IRiskParamsRegistry", deployable: false, about: "the registry's views, postParams and postParamsWithUri (ParamsUri: where the parameter file is)" },
  { name: "IGroth16Verifier", deployable: false, about: "the ABI of a setup's generated verifier (4 public signals)" },
  { name: "IVerifiedGroth16Verifier", deployable: false, about: "the ABI of a verified configuration's generated verifier (5 public signals)" },
];

/** `MarginAttestations` -> `marginAttestationsAbi` (the first letter lower-cased). */
export const abiExportName = (contract: string): string => `${contract[0]!.toLowerCase()}${contract.slice(1)}Abi`;
export const bytecodeExportName = (contract: string): string => `${contract[0]!.toLowerCase()}${contract.slice(1)}Bytecode`;

// ------------------------------------------------------------------------------ ABI shapes

interface AbiParam {
  name?: string;
  type: string;
  internalType?: string;
  indexed?: boolean;
  components?: AbiParam[];
}

interface AbiItem {
  type: string;
  name?: string;
  stateMutability?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
  anonymous?: boolean;
}

/** One compiled contract's ABI (and creation bytecode when deployable). */
export interface ContractAbi {
  name: string;
  sourceName: string;
  abi: unknown[];
  /** Creation bytecode (deployable contracts only). */
  bytecode?: string;
}

/** The generated ABI package (`dist/abi`): the solc version, the contracts, and the files to write. */
export interface AbiPackage {
  solcVersion: string;
  contracts: ContractAbi[];
  /** Relative file name -> text. */
  files: Record<string, string>;
}

// ------------------------------------------------------------------------------ rendering

/** A JSON value as the type of its `as const` literal. */
function literalType(v: unknown, indent: string): string {
  const next = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "readonly []";
    return `readonly [\n${v.map((x) => `${next}${literalType(x, next)}`).join(",\n")}\n${indent}]`;
  }
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    return `{\n${entries.map(([k, x]) => `${next}readonly ${JSON.stringify(k)}: ${literalType(x, next)};`).join("\n")}\n${indent}}`;
  }
  return JSON.stringify(v);
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with".split(" "),
);
const label = (p: AbiParam, i: number): string => (p.name && IDENT.test(p.name) && !RESERVED.has(p.name) ? p.name : `arg${i}`);

/** Fixed-size arrays up to this length are typed as tuples. */
const MAX_TUPLE = 16;

function arrayOf(p: AbiParam): { inner: AbiParam; size: number | undefined } | undefined {
  const m = /^(.*)\[([0-9]*)\]$/.exec(p.type);
  if (!m) return undefined;
  return { inner: { ...p, type: m[1]! }, size: m[2] === "" ? undefined : Number(m[2]) };
}

function wrapArray(t: string, size: number | undefined): string {
  if (size !== undefined && size <= MAX_TUPLE) return `[${Array.from({ length: size }, () => t).join(", ")}]`;
  return `(${t})[]`;
}

/** The TypeScript type ethers v6 accepts for an argument of this ABI type. */
function inputType(p: AbiParam): string {
  const arr = arrayOf(p);
  if (arr) return wrapArray(inputType(arr.inner), arr.size);
  if (p.type === "tuple") return `{ ${(p.components ?? []).map((c, i) => `${label(c, i)}: ${inputType(c)}`).join("; ")} }`;
  if (/^u?int[0-9]*$/.test(p.type)) return "BigNumberish";
  if (p.type === "address") return "AddressLike";
  if (p.type === "bool") return "boolean";
  if (p.type === "string") return "string";
  if (/^bytes[0-9]*$/.test(p.type)) return "BytesLike";
  throw new Error(`unsupported ABI type ${p.type}`);
}

/** The TypeScript type ethers v6 decodes this ABI type to. */
function outputType(p: AbiParam): string {
  const arr = arrayOf(p);
  if (arr) return wrapArray(outputType(arr.inner), arr.size);
  if (p.type === "tuple") return resultType(p.components ?? []);
  if (/^u?int[0-9]*$/.test(p.type)) return "bigint";
  if (p.type === "address" || p.type === "string" || /^bytes[0-9]*$/.test(p.type)) return "string";
  if (p.type === "bool") return "boolean";
  throw new Error(`unsupported ABI type ${p.type}`);
}

/** An ethers Result: positional, plus the named members. */
function resultType(ps: AbiParam[]): string {
  const positional = `[${ps.map((c) => outputType(c)).join(", ")}]`;
  const named = ps.filter((c) => c.name && IDENT.test(c.name));
  return named.length === 0 ? positional : `${positional} & { ${named.map((c) => `${c.name}: ${outputType(c)}`).join("; ")} }`;
}

const argsTuple = (ps: AbiParam[]): string => `[${ps.map((p, i) => `${label(p, i)}: ${inputType(p)}`).join(", ")}]`;

function returnType(outputs: AbiParam[]): string {
  if (outputs.length === 0) return "void";
  if (outputs.length === 1) return outputType(outputs[0]!);
  return resultType(outputs);
}

const signature = (item: AbiItem): string => `${item.name}(${(item.inputs ?? []).map(canonicalType).join(",")})`;
function canonicalType(p: AbiParam): string {
  if (p.type.startsWith("tuple")) return `(${(p.components ?? []).map(canonicalType).join(",")})${p.type.slice(5)}`;
  return p.type;
}

/** Members of ethers' BaseContract a function of the same name cannot shadow (reached with getFunction). */
const BASE_CONTRACT_MEMBERS = new Set([
  "target",
  "interface",
  "runner",
  "filters",
  "fallback",
  "connect",
  "attach",
  "getAddress",
  "getDeployedCode",
  "waitForDeployment",
  "deploymentTransaction",
  "getFunction",
  "getEvent",
  "queryTransaction",
  "queryFilter",
  "on",
  "once",
  "emit",
  "listenerCount",
  "listeners",
  "off",
  "removeAllListeners",
  "addListener",
  "removeListener",
  "then",
]);

function methodType(f: AbiItem): string {
  const args = argsTuple(f.inputs ?? []);
  const ret = returnType(f.outputs ?? []);
  return f.stateMutability === "view" || f.stateMutability === "pure"
    ? `ConstantContractMethod<${args}, ${ret}>`
    : `ContractMethod<${args}, ${ret}, ContractTransactionResponse>`;
}

function contractInterface(c: ContractAbi): string {
  const items = c.abi as AbiItem[];
  const functions = items.filter((i) => i.type === "function");
  const events = items.filter((i) => i.type === "event" && !i.anonymous);
  const count = (list: AbiItem[], name: string | undefined) => list.filter((x) => x.name === name).length;
  const lines: string[] = [];
  lines.push(`/** ${c.name} (${c.sourceName}). */`);
  lines.push(`export interface ${c.name} extends BaseContract {`);
  lines.push(`  connect(runner: ContractRunner | null): ${c.name};`);
  lines.push(`  waitForDeployment(): Promise<this>;`);
  lines.push(`  getFunction<T extends ContractMethod = ContractMethod>(key: string | FunctionFragment): T;`);
  for (const f of functions) {
    const key = count(functions, f.name) > 1 ? signature(f) : f.name!;
    lines.push(`  getFunction(nameOrSignature: ${JSON.stringify(key)}): ${methodType(f)};`);
  }
  for (const f of functions) {
    if (count(functions, f.name) > 1 || BASE_CONTRACT_MEMBERS.has(f.name!) || !IDENT.test(f.name!)) continue;
    lines.push(`  ${f.name}: ${methodType(f)};`);
  }
  if (events.length > 0) {
    lines.push(`  filters: {`);
    for (const e of events) {
      const key = count(events, e.name) > 1 ? JSON.stringify(signature(e)) : e.name!;
      lines.push(`    ${key}: ContractEvent<${argsTuple(e.inputs ?? [])}>;`);
    }
    lines.push(`  };`);
  }
  lines.push(`}`);
  return lines.join("\n");
}

function factoryDeclaration(c: ContractAbi): string {
  const abiName = abiExportName(c.name);
  const common = [
    `  static readonly abi: typeof ${abiName};`,
    `  static createInterface(): Interface;`,
    `  /** The contract at \`address\`, typed; \`runner\`: a provider to read, a signer to send. */`,
    `  static connect(address: string, runner?: ContractRunner | null): ${c.name};`,
  ];
  if (!c.bytecode) {
    return [`/** ${c.name}'s ABI with a typed connect (an interface: nothing to deploy). */`, `export declare class ${c.name}__factory {`, ...common, `}`].join("\n");
  }
  const ctor = (c.abi as AbiItem[]).find((i) => i.type === "constructor");
  return [
    `/** Deploys ${c.name} (\`new ${c.name}__factory(signer).deploy(...)\`) or connects to a deployed one. */`,
    `export declare class ${c.name}__factory extends ContractFactory<${argsTuple(ctor?.inputs ?? [])}, ${c.name}> {`,
    `  constructor(runner?: ContractRunner | null);`,
    `  connect(runner: ContractRunner | null): ${c.name}__factory;`,
    `  static readonly bytecode: typeof ${bytecodeExportName(c.name)};`,
    ...common,
    `}`,
  ].join("\n");
}

function factoryImplementation(c: ContractAbi): string {
  const abiName = abiExportName(c.name);
  const statics = [
    `  static abi = ${abiName};`,
    `  static createInterface() {`,
    `    return new Interface(${abiName});`,
    `  }`,
    `  static connect(address, runner) {`,
    `    return new Contract(address, ${abiName}, runner);`,
    `  }`,
  ];
  if (!c.bytecode) return [`export class ${c.name}__factory {`, ...statics, `}`].join("\n");
  const bytecodeName = bytecodeExportName(c.name);
  return [
    `export class ${c.name}__factory extends ContractFactory {`,
    `  constructor(runner) {`,
    `    super(${abiName}, ${bytecodeName}, runner);`,
    `  }`,
    `  connect(runner) {`,
    `    return new ${c.name}__factory(runner);`,
    `  }`,
    `  static bytecode = ${bytecodeName};`,
    ...statics,
    `}`,
  ].join("\n");
}

const HEADER = "// Generated by zkmargin's scripts/build-abi.mjs from contracts/ (do not edit).";

/** The generated files for these contracts (pure: no compiler, no file system). */
export function renderAbiPackage(contracts: ContractAbi[], solcVersion: string, settings: Record<string, unknown> = solcSettings()): Record<string, string> {
  const files: Record<string, string> = {};
  for (const c of contracts) {
    const abiName = abiExportName(c.name);
    const doc = `/** ${c.name}'s ABI (${c.sourceName}; solc ${solcVersion}). */`;
    files[`${c.name}.json`] = `${JSON.stringify(c.abi, null, 2)}\n`;
    const js = [HEADER, doc, `export const ${abiName} = ${JSON.stringify(c.abi, null, 2)};`];
    const dts = [HEADER, doc, `export declare const ${abiName}: ${literalType(c.abi, "")};`];
    if (c.bytecode) {
      const bytecodeName = bytecodeExportName(c.name);
      js.push(`/** ${c.name}'s creation bytecode. */`, `export const ${bytecodeName} = ${JSON.stringify(c.bytecode)};`);
      dts.push(`/** ${c.name}'s creation bytecode. */`, `export declare const ${bytecodeName}: ${JSON.stringify(c.bytecode)};`);
    }
    files[`${c.name}.js`] = `${js.join("\n")}\n`;
    files[`${c.name}.d.ts`] = `${dts.join("\n")}\n`;
  }

  const exported = (c: ContractAbi) => [abiExportName(c.name), ...(c.bytecode ? [bytecodeExportName(c.name)] : [])];
  const reexports = contracts.map((c) => `export { ${exported(c).join(", ")} } from "./${c.name}.js";`);
  const compiler = { solc: solcVersion, settings };
  const compilerDoc = "/** The compiler and settings the ABIs and bytecode were made with (to verify a deployment's source). */";
  files["index.js"] = `${[HEADER, ...reexports, compilerDoc, `export const compiler = ${JSON.stringify(compiler, null, 2)};`].join("\n")}\n`;
  files["index.d.ts"] = `${[HEADER, ...reexports, compilerDoc, `export declare const compiler: ${literalType(compiler, "")};`].join("\n")}\n`;

  const imports = contracts.map((c) => `import { ${exported(c).join(", ")} } from "./${c.name}.js";`);
  files["factories.js"] = `${[HEADER, `import { Contract, ContractFactory, Interface } from "ethers";`, ...imports, "", ...contracts.map(factoryImplementation)].join("\n")}\n`;
  files["factories.d.ts"] = `${[
    HEADER,
    "import type {",
    "  AddressLike,",
    "  BaseContract,",
    "  BigNumberish,",
    "  BytesLike,",
    "  ConstantContractMethod,",
    "  ContractEvent,",
    "  ContractMethod,",
    "  ContractRunner,",
    "  ContractTransactionResponse,",
    "  FunctionFragment,",
    "} from \"ethers\";",
    `import { ContractFactory, Interface } from "ethers";`,
    ...imports,
    "",
    ...contracts.flatMap((c) => [contractInterface(c), "", factoryDeclaration(c), ""]),
  ].join("\n")}`;
  return files;
}

/** Pick the public contracts out of a compilation of contracts/. */
export function publicContractAbis(compiled: CompileResult, list: readonly PublicContract[] = PUBLIC_CONTRACTS): ContractAbi[] {
  return list.map((p) => {
    const c = compiled.contracts[p.name];
    if (!c) throw new ZkMarginError("FILE", `contract ${p.name} is missing from the compilation of contracts/`, { path: "contracts/" });
    return { name: p.name, sourceName: c.sourceName, abi: c.abi, ...(p.deployable ? { bytecode: c.bytecode } : {}) };
  });
}

/** Compile contracts/ (cached) and render the ABI package. */
export async function buildAbiPackage(opts: { contractsDir?: string } = {}): Promise<AbiPackage> {
  const compiled = await compileContracts(opts.contractsDir ? { contractsDir: opts.contractsDir } : {});
  const contracts = publicContractAbis(compiled);
  return { solcVersion: compiled.solcVersion, contracts, files: renderAbiPackage(contracts, compiled.solcVersion) };
}

/**
 * Write the ABI package into `outDir` (e.g. dist/abi), replacing the files a previous build wrote
 * there; returns the package.
 */
export async function writeAbiPackage(outDir: string): Promise<AbiPackage> {
  const pkg = await buildAbiPackage();
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (/\.(json|js|d\.ts)$/.test(f)) rmSync(join(outDir, f), { force: true });
  for (const [name, text] of Object.entries(pkg.files)) writeFileSync(join(outDir, name), text);
  return pkg;
}
