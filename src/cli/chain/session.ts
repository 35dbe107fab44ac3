import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command } from "commander";
import { JsonRpcProvider, Wallet, type JsonRpcApiProvider } from "ethers";
import { cacheDir } from "../../circuit/paths.js";
import { createEmbeddedChain, devWallets, ethersProviderFor, type EmbeddedChain } from "../../chain/edr.js";
import { decodeContractError, poolAbis, poolErrorAbis, type Deployment, type PoolArtifacts } from "../../chain/pool.js";
import { checkDeployment, type CheckDeploymentOptions } from "../../chain/deployment.js";
import { ZkMarginError } from "../../errors.js";
import { readJsonFile } from "../../util/json.js";
import { terminalProgress } from "../../util/progress.js";
import { isoSeconds } from "../output.js";

/**
 * `zkmargin chain ...`: the pool's contracts on an embedded in-process EVM (default; its state
 * persists in <cache>/chain/embedded-chain.json between commands) or on any JSON-RPC node (--rpc).
 * Roles on dev chains: account 0 deploys and owns, account 1 is the risk oracle, account 2 the
 * trader, account 3 an attestor; --key uses a private key instead (also ZKMARGIN_PRIVATE_KEY).
 */
export interface ChainOpts {
  rpc?: string;
  key?: string;
  devAccount?: string;
  deployment?: string;
  json?: boolean;
}

export interface Session {
  provider: JsonRpcApiProvider;
  chain?: EmbeddedChain;
  chainId: number;
  deploymentFile: string;
  close(): Promise<void>;
}

export const ROLE_INDEX = { deployer: 0, oracle: 1, trader: 2, attestor: 3 } as const;

export async function open(opts: ChainOpts): Promise<Session> {
  if (opts.rpc) {
    if (!/^https?:\/\//.test(opts.rpc)) {
      throw new ZkMarginError("ARGUMENT", `must be an http(s) JSON-RPC URL, got ${JSON.stringify(opts.rpc)}`, { path: "--rpc", value: opts.rpc });
    }
    const provider = new JsonRpcProvider(opts.rpc, undefined, { staticNetwork: true, polling: false, cacheTimeout: -1 });
    let chainId: number;
    try {
      chainId = Number((await provider.getNetwork()).chainId);
    } catch (e) {
      provider.destroy();
      throw new ZkMarginError("ARGUMENT", `cannot reach a JSON-RPC node at ${opts.rpc}: ${(e as Error).message.split("\n")[0]}`, { path: "--rpc" });
    }
    const deploymentFile = opts.deployment ?? join(cacheDir(), "chain", `deployment-${chainId}.json`);
    return { provider, chainId, deploymentFile, close: async () => provider.destroy() };
  }
  const chain = await createEmbeddedChain({ stateFile: join(cacheDir(), "chain", "embedded-chain.json") });
  const provider = ethersProviderFor(chain);
  const deploymentFile = opts.deployment ?? join(cacheDir(), "chain", "deployment-embedded.json");
  return {
    provider,
    chain,
    chainId: chain.chainId,
    deploymentFile,
    close: async () => {
      provider.destroy();
      await chain.close();
    },
  };
}

export function signerFor(s: Session, opts: ChainOpts, role: keyof typeof ROLE_INDEX): Wallet {
  const key = opts.key ?? process.env.ZKMARGIN_PRIVATE_KEY;
  if (key) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ZkMarginError("ARGUMENT", "must be a 0x-prefixed 32-byte hex private key", { path: "--key" });
    return new Wallet(key, s.provider);
  }
  const index = opts.devAccount !== undefined ? Number(opts.devAccount) : ROLE_INDEX[role];
  if (!Number.isInteger(index) || index < 0 || index > 9) {
    throw new ZkMarginError("ARGUMENT", "must be a dev account index from 0 to 9", { path: "--dev-account", value: opts.devAccount });
  }
  return devWallets(s.provider)[index]!;
}

export function loadDeployment(s: Session): Deployment {
  if (!existsSync(s.deploymentFile)) {
    throw new ZkMarginError("FILE", `no deployment on this chain (${s.deploymentFile}); run \`zkmargin chain deploy\` first`, { path: "--deployment" });
  }
  const d = readJsonFile(s.deploymentFile, "deployment", "--deployment") as Deployment;
  if (d.chainId !== s.chainId) {
    throw new ZkMarginError("FILE", `deployment ${s.deploymentFile} is for chain ${d.chainId}, this chain is ${s.chainId}`, { path: "--deployment" });
  }
  if (!d.token) {
    // v1 contracts (no credit limit, no pool token) take other arguments and verify v1 proofs
    throw new ZkMarginError(
      "FILE",
      `deployment ${s.deploymentFile} predates credit limits (v1 contracts, which cannot verify v2 proofs); run \`zkmargin chain deploy\` again`,
      { path: "--deployment" },
    );
  }
  if (d.policy && (d.policy as Partial<Deployment["policy"]>).requireVerified === undefined) {
    // contracts from before verified mode: their attestation struct and event differ from this ABI
    throw new ZkMarginError(
      "FILE",
      `deployment ${s.deploymentFile} predates verified mode (its contracts' attestation record differs); run \`zkmargin chain deploy\` again`,
      { path: "--deployment" },
    );
  }
  return d;
}

/**
 * The ABIs to call a deployment's contracts with: the package's contracts compiled on their own (the
 * compilation `chain deploy` made and cached), with no setup and no verifier source needed, so a
 * pool deployed from exported artifacts works without a local setup.
 */
export async function poolArtifacts(): Promise<PoolArtifacts> {
  return poolAbis({ progress: terminalProgress() });
}

/** How a stale deployment record names the chain and the likely cause. */
export const deploymentCheck = (opts: ChainOpts, s: Session): CheckDeploymentOptions => ({
  file: s.deploymentFile,
  path: "--deployment",
  chain: opts.rpc ? `the chain at ${opts.rpc}` : "the embedded chain",
  ...(opts.rpc ? {} : { cause: `its state file ${s.chain?.stateFile ?? ""} was probably removed or reset` }),
});

/** Run `fn` in a chain session; decode our contracts' reverts into plain one-line errors. */
export async function withChain<T>(opts: ChainOpts, fn: (s: Session, a: PoolArtifacts) => Promise<T>): Promise<T> {
  const s = await open(opts);
  let abis: unknown[][] = [];
  try {
    const deployment = existsSync(s.deploymentFile) ? loadDeployment(s) : undefined;
    // a record whose contracts are gone (a node restarted without its state) is a plain error, not a "0x" decode
    if (deployment) await checkDeployment(deployment, s.provider, deploymentCheck(opts, s));
    const artifacts = await poolArtifacts();
    abis = poolErrorAbis(artifacts);
    return await fn(s, artifacts);
  } catch (e) {
    throw (await revertError(e, abis, s)) ?? e;
  } finally {
    await s.close();
  }
}

/**
 * "Now" as the chain's contracts will see it when a transaction sent now is included: the pending
 * block's timestamp (the time the node gives its next block). That is the chain's own clock, which
 * can differ from the wall clock and from the latest block: a persisted embedded chain reopened days
 * later keeps following the wall clock while its latest block is as old as its last transaction; a
 * dev chain may have been moved forward (evm_increaseTime) or started with a genesis time in the past.
 * A node that builds no pending block (or answers it with the latest block) gets the wall clock, or
 * the latest block's time if the chain runs ahead of it: blocks are assumed to follow the wall clock.
 */
export async function chainNow(s: Session): Promise<number> {
  const latest = (await s.provider.getBlock("latest"))?.timestamp ?? 0;
  // raw: ethers cannot format a pending block (its number is null)
  const pending = await s.provider.send("eth_getBlockByNumber", ["pending", false]).then(
    (b: { timestamp?: unknown } | null) => (typeof b?.timestamp === "string" && /^0x[0-9a-fA-F]{1,12}$/.test(b.timestamp) ? Number(b.timestamp) : undefined),
    () => undefined,
  );
  if (pending !== undefined && pending > latest) return pending;
  return Math.max(latest, Math.floor(Date.now() / 1000));
}

export const at = (unix: number | bigint) => `${isoSeconds(unix)} (unix ${unix})`;

/** Reverts about a time window: their message also shows the time now. */
export const TIME_REVERTS = new Set(["RiskParamsRegistry__BadValidity", "MarginAttestations__RootNotAcceptable", "MarginAttestations__AttestorSignatureStale"]);

/** A revert of our contracts as a REVERTED error (value: the contract error's name); undefined for other errors. */
export async function revertError(e: unknown, abis: unknown[][], s: Session): Promise<ZkMarginError | undefined> {
  const d = decodeContractError(e, abis);
  if (!d) return undefined;
  let message = `transaction reverted: ${d.message}`;
  if (TIME_REVERTS.has(d.name)) {
    const now = await chainNow(s).catch(() => undefined);
    if (d.name === "RiskParamsRegistry__BadValidity") {
      const [asOf, validUntil] = d.args as [bigint, bigint];
      message = `transaction reverted: ${d.name}: the validity window ends ${at(validUntil)}, which is not after asOf ${at(asOf)} and now`;
    }
    if (now !== undefined) message += `; now is ${at(now)}`;
  }
  return new ZkMarginError("REVERTED", message, { value: d.name });
}

export function parseSeconds(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^[0-9]{1,12}$/.test(v)) throw new ZkMarginError("ARGUMENT", `must be a whole number of seconds, got ${JSON.stringify(v)}`, { path: flag, value: v });
  return Number(v);
}

export function parseTime(v: string, flag: string): number {
  if (/^[0-9]{1,12}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ZkMarginError("ARGUMENT", `must be unix seconds or an ISO 8601 time, got ${JSON.stringify(v)}`, { path: flag, value: v });
  return Math.floor(t / 1000);
}

export function parseAddress(v: string, flag: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) throw new ZkMarginError("ARGUMENT", `must be a 0x-prefixed 20-byte address, got ${JSON.stringify(v)}`, { path: flag, value: v });
  return v;
}

export const withCommon = (c: Command) =>
  c
    .option("--rpc <url>", "a JSON-RPC node instead of the embedded chain")
    .option("--key <hex>", "private key to sign with (or ZKMARGIN_PRIVATE_KEY); default: the role's dev account")
    .option("--dev-account <n>", "sign with dev account n (0..9) of a dev chain")
    .option("--deployment <file>", "deployment record (default: per chain under the cache folder)")
    .option("--json", "print JSON");

/** What a chain command writes to. */
export interface ChainIo {
  out: (s: string) => void;
}

export type SetExit = (code: number) => void;
