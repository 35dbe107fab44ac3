/**
 * An in-process EVM chain (Nomic Foundation's EDR, the engine behind Hardhat's network) exposed
 * as an EIP-1193 provider, with optional persistence across CLI invocations through a journal of
 * state-changing requests that is replayed on startup.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  CANCUN,
  ContractDecoder,
  EdrContext,
  L1_CHAIN_TYPE,
  MineOrdering,
  PRAGUE,
  SHANGHAI,
  l1GenesisState,
  l1HardforkFromString,
  l1ProviderFactory,
  type Provider as EdrProvider,
  type ProviderConfig,
} from "@nomicfoundation/edr";
import {
  HDNodeWallet,
  JsonRpcApiProvider,
  Mnemonic,
  Network,
  Wallet,
  computeAddress,
  type JsonRpcError,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Provider,
} from "ethers";
import { ZkMarginError } from "../errors.js";
import { writeFileAtomic } from "../util/files.js";

// ---------------------------------------------------------------------------------------------
// Types

/** JSON-RPC params: positional or named. */
export type RpcParams = unknown[] | Record<string, unknown>;

/** EIP-1193 request arguments. */
export interface RequestArguments {
  method: string;
  params?: RpcParams;
}

/** The minimal EIP-1193 surface (no events). */
export interface Eip1193Provider {
  /** Send one request; resolves with its result, rejects with a ProviderRpcError. */
  request(args: RequestArguments): Promise<unknown>;
}

/** A JSON-RPC 2.0 request. */
export interface JsonRpcRequest {
  jsonrpc?: "2.0";
  id?: string | number | null;
  method: string;
  params?: RpcParams;
}

/** A JSON-RPC 2.0 response: a result or an error. */
export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: string | number | null; result: unknown }
  | { jsonrpc: "2.0"; id: string | number | null; error: { code: number; message: string; data?: unknown } };

/** EIP-1193 `ProviderRpcError`: what `request()` rejects with. */
export class ProviderRpcError extends Error {
  override readonly name = "ProviderRpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** A development account: its address and private key. */
export interface DevAccount {
  address: string;
  privateKey: string;
}

/** How the embedded chain's funded accounts are made. */
export interface DevAccountsOptions {
  /** BIP-39 phrase (default: the standard "test test ... junk" mnemonic). */
  mnemonic?: string;
  /** How many accounts to derive at m/44'/60'/0'/0/i (default 10). */
  count?: number;
  /** Explicit private keys instead of a mnemonic. */
  privateKeys?: string[];
  /** Genesis balance of each account in wei (default 10,000 ether). */
  balance?: bigint;
}

/** Options of createEmbeddedChain. */
export interface EmbeddedChainOptions {
  /** Default 31337. When reopening a state file, must match the recorded chain id if given. */
  chainId?: number;
  /** Journal file: state-changing requests are recorded here and replayed on startup. */
  stateFile?: string;
  accounts?: DevAccountsOptions;
  /** Default "cancun" (matching the solc `evmVersion`). */
  hardfork?: "shanghai" | "cancun" | "prague";
  /** Block gas limit (default 30,000,000). */
  blockGasLimit?: bigint;
  /** Genesis timestamp in seconds (default: now; recorded in / taken from the state file). */
  genesisTime?: number;
}

export interface EmbeddedChain extends Eip1193Provider {
  readonly chainId: number;
  readonly accounts: readonly DevAccount[];
  readonly stateFile: string | undefined;
  /** Whether startup restored the state of an existing state file (false: a new chain). */
  readonly restored: boolean;
  /** Number of journal entries replayed at startup. */
  readonly replayed: number;
  /** Raw JSON-RPC: never throws; answers with a JSON-RPC error object instead. */
  send(req: JsonRpcRequest): Promise<JsonRpcResponse>;
  /** Wait for pending work, release the state-file lock. Further requests fail. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Dev accounts

/** The public development mnemonic ("test test ... junk"): its accounts are known to everyone. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const DEFAULT_BALANCE = 10_000n * 10n ** 18n;

/** The first 10 accounts of DEV_MNEMONIC (well-known, public; precomputed to skip derivation). */
const DEV_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],
  ["0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
  ["0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"],
  ["0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6", "0x90F79bf6EB2c4f870365E785982E1f101E93b906"],
  ["0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"],
  ["0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"],
  ["0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"],
  ["0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"],
  ["0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97", "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"],
  ["0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6", "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"],
];

/** Accounts for `opts` (default: the 10 standard dev accounts). */
export function devAccounts(opts: DevAccountsOptions = {}): DevAccount[] {
  if (opts.privateKeys) {
    return opts.privateKeys.map((k) => {
      try {
        return { address: computeAddress(k), privateKey: k };
      } catch {
        throw new ZkMarginError("ARGUMENT", "invalid private key", { path: "accounts.privateKeys" });
      }
    });
  }
  const count = opts.count ?? 10;
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new ZkMarginError("ARGUMENT", "account count must be 1..1000", { path: "accounts.count", value: count });
  }
  const mnemonic = opts.mnemonic ?? DEV_MNEMONIC;
  if (mnemonic === DEV_MNEMONIC && count <= DEV_KEYS.length) {
    return DEV_KEYS.slice(0, count).map(([privateKey, address]) => ({ address, privateKey }));
  }
  let root: HDNodeWallet;
  try {
    root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(mnemonic), "m/44'/60'/0'/0");
  } catch {
    throw new ZkMarginError("ARGUMENT", "invalid mnemonic", { path: "accounts.mnemonic" });
  }
  return Array.from({ length: count }, (_, i) => {
    const w = root.deriveChild(i);
    return { address: w.address, privateKey: w.privateKey };
  });
}

// ---------------------------------------------------------------------------------------------
// EDR plumbing

let contextPromise: Promise<EdrContext> | undefined;
/** One EDR context per process (as Hardhat does); providers created from it are independent. */
function edrContext(): Promise<EdrContext> {
  contextPromise ??= (async () => {
    const ctx = new EdrContext();
    await ctx.registerProviderFactory(L1_CHAIN_TYPE, l1ProviderFactory());
    return ctx;
  })();
  return contextPromise;
}

const HARDFORKS = { shanghai: SHANGHAI, cancun: CANCUN, prague: PRAGUE } as const;
const COINBASE = "c014ba5ec014ba5ec014ba5ec014ba5ec014ba5e";

const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/^0x/, ""), "hex"));

// ---------------------------------------------------------------------------------------------
// Journal

/** Requests that change chain state and are recorded in the journal when they succeed. */
const JOURNALED = new Set([
  "eth_sendRawTransaction",
  "eth_sendTransaction",
  "evm_mine",
  "hardhat_mine",
  "evm_increaseTime",
  "evm_setNextBlockTimestamp",
  "evm_setAutomine",
  "evm_setBlockGasLimit",
  "hardhat_setBalance",
  "hardhat_setCode",
  "hardhat_setNonce",
  "hardhat_setStorageAt",
  "hardhat_setCoinbase",
  "hardhat_setPrevRandao",
  "hardhat_setMinGasPrice",
  "hardhat_setNextBlockBaseFeePerGas",
  "hardhat_impersonateAccount",
  "hardhat_stopImpersonatingAccount",
  "hardhat_dropTransaction",
]);
/** Requests whose effect the journal cannot reproduce: refused on a persistent chain. */
const UNJOURNALABLE = new Set(["hardhat_reset", "evm_setIntervalMining"]);

interface JournalEntry {
  method: string;
  params: RpcParams;
  /** Timestamp of the first block this request mined (absent if it mined none). */
  ts?: number;
  /** Number of blocks it mined (absent = 0). */
  blocks?: number;
  /** The request answered with an error although it mined blocks. */
  failed?: true;
}

interface Journal {
  format: "zkmargin-chain-journal";
  version: 1;
  chainId: number;
  hardfork: string;
  blockGasLimit: string;
  genesisTime: number;
  /** Addresses and balance of the funded genesis accounts (no keys). */
  accounts: string[];
  balance: string;
  /** EDR's block-time offset (chain time - wall time, seconds) after the last entry. */
  timeOffset: number;
  head: { number: number; hash: string };
  entries: JournalEntry[];
}

function readJournal(file: string): Journal | undefined {
  if (!existsSync(file)) return undefined;
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(file, "utf8")) as Journal;
  } catch (e) {
    throw new ZkMarginError("FILE", `chain state file is not valid JSON: ${(e as Error).message}`, { path: file });
  }
  if (j?.format !== "zkmargin-chain-journal" || j.version !== 1 || !Array.isArray(j.entries)) {
    throw new ZkMarginError("FILE", "not a zkmargin chain state file (format/version)", { path: file });
  }
  return j;
}

/** Exclusive lock `${file}.lock` holding our pid; a lock left by a dead process is taken over. */
function acquireLock(file: string): string {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new ZkMarginError("FILE", `cannot lock chain state file: ${(e as Error).message}`, { path: file });
      }
      const pid = Number(readFileSync(lock, "utf8").trim());
      let alive = false;
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (err) {
          alive = (err as NodeJS.ErrnoException).code === "EPERM";
        }
      }
      if (alive) {
        throw new ZkMarginError("FILE", `chain state file is in use by process ${pid}`, { path: file, value: pid });
      }
      rmSync(lock, { force: true });
    }
  }
  throw new ZkMarginError("FILE", "cannot lock chain state file", { path: file });
}

// ---------------------------------------------------------------------------------------------
// The chain

const rpcError = (id: JsonRpcResponse["id"], code: number, message: string, data?: unknown): JsonRpcResponse => ({
  jsonrpc: "2.0",
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

class EdrChain implements EmbeddedChain {
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #closed = false;
  #journal: Journal | undefined;
  #lock: string | undefined;
  #snapshots = new Map<string, number>();
  #exitHook = (): void => {
    if (this.#lock) rmSync(this.#lock, { force: true });
  };
  replayed = 0;
  restored = false;

  constructor(
    readonly provider: EdrProvider,
    readonly chainId: number,
    readonly accounts: readonly DevAccount[],
    readonly stateFile: string | undefined,
  ) {}

  /** Direct EDR call, bypassing queue and journal. */
  async raw(method: string, params: RpcParams = []): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
    const resp = await this.provider.handleRequest(JSON.stringify({ jsonrpc: "2.0", id: this.#nextId++, method, params }));
    const data: unknown = resp.data;
    return (typeof data === "string" ? JSON.parse(data) : data) as { result?: unknown; error?: { code: number; message: string } };
  }

  async rawOk(method: string, params: RpcParams = []): Promise<unknown> {
    const r = await this.raw(method, params);
    if (r.error) throw new ProviderRpcError(r.error.code, r.error.message, r.error.data);
    return r.result;
  }

  async blockNumber(): Promise<number> {
    return Number(await this.rawOk("eth_blockNumber"));
  }

  async block(tag: number | "latest"): Promise<{ timestamp: number; hash: string; number: number }> {
    const b = (await this.rawOk("eth_getBlockByNumber", [typeof tag === "number" ? `0x${tag.toString(16)}` : tag, false])) as {
      timestamp: string;
      hash: string;
      number: string;
    };
    return { timestamp: Number(b.timestamp), hash: b.hash, number: Number(b.number) };
  }

  async timeOffset(): Promise<number> {
    return Number(await this.rawOk("evm_increaseTime", [0]));
  }

  /** Called once at startup: replay `journal`, check the head, restore the time offset. */
  async replay(journal: Journal, file: string): Promise<void> {
    for (const [i, e] of journal.entries.entries()) {
      const before = await this.blockNumber();
      if (e.ts !== undefined) await this.rawOk("evm_setNextBlockTimestamp", [e.ts]);
      const r = await this.raw(e.method, e.params);
      const mined = (await this.blockNumber()) - before;
      if ((r.error && !e.failed) || mined !== (e.blocks ?? 0)) {
        throw new ZkMarginError(
          "FILE",
          `chain state replay diverged at entry ${i} (${e.method}): ${r.error ? r.error.message : `mined ${mined} blocks, expected ${e.blocks ?? 0}`}`,
          { path: file },
        );
      }
    }
    const head = await this.block("latest");
    if (head.number !== journal.head.number || head.hash !== journal.head.hash) {
      throw new ZkMarginError(
        "FILE",
        `chain state replay ended at block ${head.number} ${head.hash}, expected ${journal.head.number} ${journal.head.hash}`,
        { path: file },
      );
    }
    // Chain time keeps following the wall clock as if the chain had kept running. EDR rejects a
    // negative increase; the offset only ever needs to grow here (replay pinned the last block).
    const delta = journal.timeOffset - (await this.timeOffset());
    if (delta > 0) await this.rawOk("evm_increaseTime", [delta]);
    this.replayed = journal.entries.length;
    this.restored = true;
  }

  attachJournal(journal: Journal, lock: string): void {
    this.#journal = journal;
    this.#lock = lock;
    process.once("exit", this.#exitHook);
  }

  request(args: RequestArguments): Promise<unknown> {
    return this.send({ jsonrpc: "2.0", id: 0, method: args.method, params: args.params ?? [] }).then((r) => {
      if ("error" in r) throw new ProviderRpcError(r.error.code, r.error.message, r.error.data);
      return r.result;
    });
  }

  send(req: JsonRpcRequest): Promise<JsonRpcResponse> {
    const id = req.id ?? null;
    if (typeof req?.method !== "string") return Promise.resolve(rpcError(id, -32600, "invalid request: method must be a string"));
    if (req.params !== undefined && (typeof req.params !== "object" || req.params === null)) {
      return Promise.resolve(rpcError(id, -32602, "invalid params: must be an array or an object"));
    }
    const run = this.#queue.then(() => this.#handle(id, req.method, req.params ?? []));
    this.#queue = run.catch(() => undefined);
    return run.catch((e: unknown) => rpcError(id, -32603, `internal error: ${(e as Error)?.message ?? String(e)}`));
  }

  async #handle(id: JsonRpcResponse["id"], method: string, params: RpcParams): Promise<JsonRpcResponse> {
    if (this.#closed) return rpcError(id, 4900, "chain is closed");
    const j = this.#journal;
    if (!j) return this.#wrap(id, await this.raw(method, params));

    if (UNJOURNALABLE.has(method)) return rpcError(id, -32601, `${method} is not supported on a chain with a state file`);
    const journaled = JOURNALED.has(method);
    const tracked = journaled || method === "evm_snapshot" || method === "evm_revert";
    const before = tracked ? await this.blockNumber() : 0;
    const r = await this.raw(method, params);
    if (!tracked) return this.#wrap(id, r);

    if (method === "evm_snapshot") {
      if (!r.error) this.#snapshots.set(String(r.result), j.entries.length);
      return this.#wrap(id, r);
    }
    let changed = false;
    if (method === "evm_revert") {
      const key = String(Array.isArray(params) ? params[0] : "");
      const at = this.#snapshots.get(key);
      if (!r.error && r.result === true && at !== undefined) {
        j.entries.length = at;
        for (const k of [...this.#snapshots.keys()]) if (BigInt(k) >= BigInt(key)) this.#snapshots.delete(k);
        changed = true;
      }
    }
    const mined = (await this.blockNumber()) - before;
    if (journaled && (!r.error || mined > 0)) {
      const entry: JournalEntry = { method, params };
      if (r.error) entry.failed = true;
      if (mined > 0) {
        entry.ts = (await this.block(before + 1)).timestamp;
        entry.blocks = mined;
      }
      j.entries.push(entry);
      changed = true;
    }
    if (changed) await this.#save();
    return this.#wrap(id, r);
  }

  async #save(): Promise<void> {
    const j = this.#journal;
    if (!j || !this.stateFile) return;
    const head = await this.block("latest");
    j.head = { number: head.number, hash: head.hash };
    j.timeOffset = await this.timeOffset();
    writeFileAtomic(this.stateFile, `${JSON.stringify(j)}\n`);
  }

  #wrap(id: JsonRpcResponse["id"], r: { result?: unknown; error?: { code: number; message: string; data?: unknown } }): JsonRpcResponse {
    if (r.error) {
      // EDR nests revert data ({ reason, data: "0x..", transactionHash }); answer like geth/anvil
      // (code 3, data = the hex revert data) so clients such as ethers decode custom errors.
      const d = r.error.data as { data?: unknown } | undefined;
      if (d && typeof d === "object" && typeof d.data === "string" && /^0x[0-9a-fA-F]*$/.test(d.data)) {
        return rpcError(id, 3, r.error.message, d.data);
      }
      return rpcError(id, r.error.code, r.error.message, r.error.data);
    }
    return { jsonrpc: "2.0", id, result: r.result ?? null };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    this.#closed = true;
    if (this.#lock) {
      rmSync(this.#lock, { force: true });
      this.#lock = undefined;
      process.removeListener("exit", this.#exitHook);
    }
  }
}

/**
 * Start an in-process chain. With `stateFile`, an existing journal is replayed (same addresses,
 * block hashes, timestamps) and every successful state-changing request is appended to it
 * (atomically rewritten); the file is locked (`<stateFile>.lock`) while the chain is open.
 */
export async function createEmbeddedChain(opts: EmbeddedChainOptions = {}): Promise<EmbeddedChain> {
  const stateFile = opts.stateFile === undefined ? undefined : resolve(opts.stateFile);
  let lock: string | undefined;
  let existing: Journal | undefined;
  if (stateFile) {
    mkdirSync(dirname(stateFile), { recursive: true });
    lock = acquireLock(stateFile);
  }
  try {
    existing = stateFile ? readJournal(stateFile) : undefined;
    const accounts = devAccounts(opts.accounts);
    const balance = opts.accounts?.balance ?? DEFAULT_BALANCE;
    const hardforkName = existing?.hardfork ?? opts.hardfork ?? "cancun";
    const hardfork = HARDFORKS[hardforkName as keyof typeof HARDFORKS];
    if (!hardfork) throw new ZkMarginError("ARGUMENT", "unsupported hardfork", { path: "hardfork", value: hardforkName });
    const chainId = existing?.chainId ?? opts.chainId ?? 31337;
    const blockGasLimit = existing ? BigInt(existing.blockGasLimit) : (opts.blockGasLimit ?? 30_000_000n);
    const genesisTime = existing?.genesisTime ?? opts.genesisTime ?? Math.floor(Date.now() / 1000);

    if (!Number.isSafeInteger(chainId) || chainId < 1) throw new ZkMarginError("ARGUMENT", "invalid chain id", { path: "chainId", value: chainId });
    if (existing && stateFile) {
      const mismatch = (what: string, want: unknown, got: unknown): ZkMarginError =>
        new ZkMarginError("ARGUMENT", `${what} differs from the chain state file (${String(got)})`, { path: stateFile, value: want });
      if (opts.chainId !== undefined && opts.chainId !== existing.chainId) throw mismatch("chain id", opts.chainId, existing.chainId);
      if (opts.hardfork !== undefined && opts.hardfork !== existing.hardfork) throw mismatch("hardfork", opts.hardfork, existing.hardfork);
      const addrs = accounts.map((a) => a.address.toLowerCase());
      if (addrs.join() !== existing.accounts.join() || balance.toString() !== existing.balance) {
        throw mismatch("dev accounts", addrs.length, existing.accounts.length);
      }
    }

    const config: ProviderConfig = {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: false,
      bailOnCallFailure: true, // eth_call reverts answer with an error carrying the revert data
      bailOnTransactionFailure: false, // a reverting transaction is mined with status 0, as on a real node
      chainId: BigInt(chainId),
      coinbase: hexBytes(COINBASE),
      defaultTransactionGasLimit: blockGasLimit,
      genesisState: [
        ...l1GenesisState(l1HardforkFromString(hardfork)),
        ...accounts.map((a) => ({ address: hexBytes(a.address), balance })),
      ],
      hardfork,
      initialBaseFeePerGas: 1_000_000_000n,
      initialParentBeaconBlockRoot: new Uint8Array(32),
      minGasPrice: 0n,
      mining: { autoMine: true, blockGasLimit, memPool: { order: MineOrdering.Priority } },
      network: { genesisBlockGasLimit: blockGasLimit, genesisBlockTime: BigInt(genesisTime) },
      networkId: BigInt(chainId),
      observability: {},
      ownedAccounts: accounts.map((a) => a.privateKey),
      precompileOverrides: [],
    };
    const ctx = await edrContext();
    const provider = await ctx.createProvider(
      L1_CHAIN_TYPE,
      config,
      { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
      { subscriptionCallback: () => {} },
      new ContractDecoder(),
    );
    const chain = new EdrChain(provider, chainId, accounts, stateFile);
    if (stateFile && lock) {
      let journal = existing;
      if (journal) {
        await chain.replay(journal, stateFile);
      } else {
        const head = await chain.block("latest");
        journal = {
          format: "zkmargin-chain-journal",
          version: 1,
          chainId,
          hardfork: hardforkName,
          blockGasLimit: blockGasLimit.toString(),
          genesisTime,
          accounts: accounts.map((a) => a.address.toLowerCase()),
          balance: balance.toString(),
          timeOffset: await chain.timeOffset(),
          head: { number: head.number, hash: head.hash },
          entries: [],
        };
        writeFileAtomic(stateFile, `${JSON.stringify(journal)}\n`);
      }
      chain.attachJournal(journal, lock);
    }
    return chain;
  } catch (e) {
    if (lock) rmSync(lock, { force: true });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// ethers glue

/** An ethers v6 provider over any EIP-1193 provider: no batching, no caching, 50 ms polling. */
export class Eip1193JsonRpcProvider extends JsonRpcApiProvider {
  readonly #eip: Eip1193Provider;

  constructor(eip: Eip1193Provider, chainId?: number) {
    const network = chainId === undefined ? undefined : Network.from(chainId);
    super(network, {
      staticNetwork: network ?? null,
      batchMaxCount: 1,
      cacheTimeout: -1,
      polling: true,
      pollingInterval: 50,
    });
    this.#eip = eip;
    this._start();
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<Array<JsonRpcResult | JsonRpcError>> {
    const list = Array.isArray(payload) ? payload : [payload];
    return Promise.all(
      list.map(async (p): Promise<JsonRpcResult | JsonRpcError> => {
        try {
          return { id: p.id, result: await this.#eip.request({ method: p.method, params: p.params as RpcParams }) };
        } catch (e) {
          const err = e as { code?: unknown; message?: unknown; data?: unknown };
          return {
            id: p.id,
            error: {
              code: typeof err.code === "number" ? err.code : -32603,
              message: typeof err.message === "string" ? err.message : String(e),
              data: err.data,
            },
          };
        }
      }),
    );
  }
}

const walletKeys = new WeakMap<object, readonly DevAccount[]>();

/** ethers provider for an EIP-1193 provider (an `EmbeddedChain` gives its chain id and accounts). */
export function ethersProviderFor(eip1193: Eip1193Provider): Eip1193JsonRpcProvider {
  const chain = eip1193 as Partial<EmbeddedChain>;
  const p = new Eip1193JsonRpcProvider(eip1193, typeof chain.chainId === "number" ? chain.chainId : undefined);
  if (Array.isArray(chain.accounts)) walletKeys.set(p, chain.accounts);
  return p;
}

/**
 * Wallets (local signing) for the dev accounts, connected to `provider`: the chain's own accounts
 * when `provider` came from `ethersProviderFor(chain)`, else those of `accounts` (default: the
 * standard 10 of the test mnemonic).
 */
export function devWallets(provider: Provider | null, accounts?: DevAccountsOptions): Wallet[] {
  const list = (accounts ? undefined : provider && walletKeys.get(provider)) ?? devAccounts(accounts);
  return list.map((a) => new Wallet(a.privateKey, provider));
}
