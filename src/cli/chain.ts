import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Command } from "commander";
import { Contract, JsonRpcProvider, Wallet, formatEther, type JsonRpcApiProvider } from "ethers";
import { cacheDir } from "../circuit/paths.js";
import { createEmbeddedChain, DEV_MNEMONIC, devWallets, ethersProviderFor, type EmbeddedChain } from "../chain/edr.js";
import {
  POOL_TOKEN_DECIMALS,
  attestationsAt,
  attestorDomain,
  DEFAULT_POLICY,
  borrowFromPool,
  checkPolicy,
  checkVerifiedSender,
  contextFor,
  decodeContractError,
  deployPool,
  formatCents,
  formatTokenAmount,
  parseTokenAmount,
  poolAccountOf,
  poolAt,
  poolErrorAbis,
  postParams,
  defaultValidUntil,
  registryAt,
  repayToPool,
  signPortfolioAttestation,
  statusOf,
  submitAttestation,
  tokenAt,
  type AttestorSignature,
  type Deployment,
  type PoolArtifacts,
} from "../chain/pool.js";
import { startRpcServer } from "../chain/node.js";
import { checkDeployment, type CheckDeploymentOptions } from "../chain/deployment.js";
import { getConfig } from "../config/circuits.js";
import { hasSetup, loadPoolBuild, type PoolBuild } from "../chain/artifacts.js";
import { toHex32 } from "../crypto/poseidon.js";
import { ZkMarginError } from "../errors.js";
import { parseRiskParams } from "../params/parse.js";
import { checkOpening } from "../prove/opening.js";
import { parseBundle } from "../prove/verify.js";
import { toJsonText, writeFileAtomic } from "../util/files.js";
import { parseJsonFile, readJsonFile } from "../util/json.js";
import { terminalProgress } from "../util/progress.js";
import { EXIT_FAIL, EXIT_OK, isoSeconds } from "./output.js";

/**
 * `zkmargin chain ...`: the pool's contracts on an embedded in-process EVM (default; its state
 * persists in <cache>/chain/embedded-chain.json between commands) or on any JSON-RPC node (--rpc).
 * Roles on dev chains: account 0 deploys and owns, account 1 is the risk oracle, account 2 the
 * trader, account 3 an attestor; --key uses a private key instead (also ZKMARGIN_PRIVATE_KEY).
 */
interface ChainOpts {
  rpc?: string;
  key?: string;
  devAccount?: string;
  deployment?: string;
  json?: boolean;
}

interface Session {
  provider: JsonRpcApiProvider;
  chain?: EmbeddedChain;
  chainId: number;
  deploymentFile: string;
  close(): Promise<void>;
}

const ROLE_INDEX = { deployer: 0, oracle: 1, trader: 2, attestor: 3 } as const;

async function open(opts: ChainOpts): Promise<Session> {
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

function signerFor(s: Session, opts: ChainOpts, role: keyof typeof ROLE_INDEX): Wallet {
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

function loadDeployment(s: Session): Deployment {
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
 * The contracts of a deployment's configuration, compiled as at deploy time (with its verified
 * verifier while that setup is still there: the same sources hit the compile cache; without it the
 * pool's ABIs are the same).
 */
async function poolArtifacts(d: Deployment | undefined): Promise<PoolArtifacts> {
  const verified = d?.verified && hasSetup(getConfig(d.verified.config)) ? d.verified.config : null;
  return (await loadPoolBuild({ config: d?.config ?? "small", verifiedConfig: verified, progress: terminalProgress() })).artifacts;
}

/** How a stale deployment record names the chain and the likely cause. */
const deploymentCheck = (opts: ChainOpts, s: Session): CheckDeploymentOptions => ({
  file: s.deploymentFile,
  path: "--deployment",
  chain: opts.rpc ? `the chain at ${opts.rpc}` : "the embedded chain",
  ...(opts.rpc ? {} : { cause: `its state file ${s.chain?.stateFile ?? ""} was probably removed or reset` }),
});

/** Run `fn` in a chain session; decode our contracts' reverts into plain one-line errors. */
async function withChain<T>(opts: ChainOpts, fn: (s: Session, a: PoolArtifacts) => Promise<T>): Promise<T> {
  const s = await open(opts);
  let abis: unknown[][] = [];
  try {
    const deployment = existsSync(s.deploymentFile) ? loadDeployment(s) : undefined;
    // a record whose contracts are gone (a node restarted without its state) is a plain error, not a "0x" decode
    if (deployment) await checkDeployment(deployment, s.provider, deploymentCheck(opts, s));
    const artifacts = await poolArtifacts(deployment);
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
async function chainNow(s: Session): Promise<number> {
  const latest = (await s.provider.getBlock("latest"))?.timestamp ?? 0;
  // raw: ethers cannot format a pending block (its number is null)
  const pending = await s.provider.send("eth_getBlockByNumber", ["pending", false]).then(
    (b: { timestamp?: unknown } | null) => (typeof b?.timestamp === "string" && /^0x[0-9a-fA-F]{1,12}$/.test(b.timestamp) ? Number(b.timestamp) : undefined),
    () => undefined,
  );
  if (pending !== undefined && pending > latest) return pending;
  return Math.max(latest, Math.floor(Date.now() / 1000));
}

const at = (unix: number | bigint) => `${isoSeconds(unix)} (unix ${unix})`;

/** Reverts about a time window: their message also shows the time now. */
const TIME_REVERTS = new Set(["RiskParamsRegistry__BadValidity", "MarginAttestations__RootNotAcceptable", "MarginAttestations__AttestorSignatureStale"]);

/** A revert of our contracts as a REVERTED error (value: the contract error's name); undefined for other errors. */
async function revertError(e: unknown, abis: unknown[][], s: Session): Promise<ZkMarginError | undefined> {
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

function parseSeconds(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^[0-9]{1,12}$/.test(v)) throw new ZkMarginError("ARGUMENT", `must be a whole number of seconds, got ${JSON.stringify(v)}`, { path: flag, value: v });
  return Number(v);
}

function parseTime(v: string, flag: string): number {
  if (/^[0-9]{1,12}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ZkMarginError("ARGUMENT", `must be unix seconds or an ISO 8601 time, got ${JSON.stringify(v)}`, { path: flag, value: v });
  return Math.floor(t / 1000);
}

function parseAddress(v: string, flag: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) throw new ZkMarginError("ARGUMENT", `must be a 0x-prefixed 20-byte address, got ${JSON.stringify(v)}`, { path: flag, value: v });
  return v;
}

const withCommon = (c: Command) =>
  c
    .option("--rpc <url>", "a JSON-RPC node instead of the embedded chain")
    .option("--key <hex>", "private key to sign with (or ZKMARGIN_PRIVATE_KEY); default: the role's dev account")
    .option("--dev-account <n>", "sign with dev account n (0..9) of a dev chain")
    .option("--deployment <file>", "deployment record (default: per chain under the cache folder)")
    .option("--json", "print JSON");

export function addChainCommands(program: Command, io: { out: (s: string) => void }, setExit: (code: number) => void): void {
  const chain = program.command("chain").description("the pool's contracts: deploy, post parameters, submit attestations, read status");

  chain
    .command("node")
    .description("run a local JSON-RPC dev node (the embedded EVM over HTTP) until interrupted")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port (0 picks a free one)", "8545")
    .option("--chain-id <n>", "chain id", "31337")
    .option("--state-file <file>", "persist the chain's state in this journal file")
    .option("--json", "print the node's address, its state (restored or new) and the dev accounts with their keys as JSON once it listens")
    .action(async (opts: { host: string; port: string; chainId: string; stateFile?: string; json?: boolean }) => {
      const port = parseSeconds(opts.port, "--port", 8545);
      const chainId = parseSeconds(opts.chainId, "--chain-id", 31337);
      if (port > 65535) throw new ZkMarginError("ARGUMENT", "must be a port from 0 to 65535", { path: "--port", value: opts.port });
      const node = await startRpcServer({ host: opts.host, port, chainId, ...(opts.stateFile ? { stateFile: opts.stateFile } : {}) });
      const c = node.chain;
      const blockNumber = Number(await c.request({ method: "eth_blockNumber", params: [] }));
      const roles = Object.fromEntries(Object.entries(ROLE_INDEX).map(([role, i]) => [i, role])) as Record<number, string>;
      const accounts = await Promise.all(
        c.accounts.map(async (a, index) => ({
          index,
          address: a.address,
          privateKey: a.privateKey,
          balance: BigInt((await c.request({ method: "eth_getBalance", params: [a.address, "latest"] })) as string).toString(),
          role: roles[index] ?? null,
        })),
      );
      const state = !c.stateFile
        ? "not kept (no --state-file): the chain starts empty and is gone when the node stops"
        : c.restored
          ? `restored from ${c.stateFile} (${c.replayed} request${c.replayed === 1 ? "" : "s"} replayed, at block ${blockNumber})`
          : `new: ${c.stateFile} did not exist; the chain starts empty and is kept there`;
      if (opts.json) {
        io.out(
          toJsonText({
            url: node.url,
            host: node.host,
            port: node.port,
            chainId: c.chainId,
            stateFile: c.stateFile ?? null,
            restored: c.restored,
            replayed: c.replayed,
            blockNumber,
            mnemonic: DEV_MNEMONIC,
            accounts,
          }),
        );
      } else {
        const width = String(accounts.length - 1).length;
        io.out(
          [
            `listening ${node.url} (chain ${c.chainId}; Ctrl-C to stop)`,
            `state: ${state}`,
            "",
            `Dev accounts (mnemonic "${DEV_MNEMONIC}"): these keys are PUBLIC, never use them on a real network.`,
            "The zkmargin chain commands sign with #0 (deployer), #1 (oracle), #2 (trader) and #3 (attestor); --dev-account <n> picks another.",
            ...accounts.map(
              (a) => `  #${String(a.index).padEnd(width)}  ${a.address}  ${formatEther(a.balance)} ETH  key ${a.privateKey}${a.role ? `  (${a.role})` : ""}`,
            ),
          ].join("\n"),
        );
      }
      await new Promise<void>((resolve) => {
        const stop = () => void node.close().then(resolve, resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  withCommon(
    chain
      .command("deploy")
      .description("deploy the Groth16 verifier (from the setup), the registry, the attestation contract and the example pool")
      .option("--config <name>", "circuit configuration whose verifier to deploy", "small")
      .option("--oracle <address>", "risk oracle address (default: dev account 1, or the deployer with --key)")
      .option("--min-health-bps <bps>", "minimum health an attestation must prove", "10000")
      .option("--grace-period <s>", "seconds a superseded root stays accepted", "3600")
      .option("--ttl <s>", "seconds an attestation lasts (60 s .. 365 days)", "86400")
      .option("--max-attestor-age <s>", "oldest attestor signature accepted, seconds (60 s .. 30 days)", "86400")
      .option("--require-attestor", "require an approved attestor's signature over each self-declared portfolio commitment")
      .option(
        "--verified-config <name>",
        "verified configuration whose verifier to deploy too (default: <config>-verified when its setup exists, e.g. small-verified)",
      )
      .option("--no-verified", "deploy no verifier for verified proofs (submitVerified is then refused)")
      .option("--require-verified", "accept only verified proofs (made from venue-signed holdings statements); needs a verified setup")
      .option("--borrow-health-bps <bps>", "example pool: health an attestation must show to borrow", "12500")
      .option("--maintenance-health-bps <bps>", "example pool: health below which the credit limit stops counting", "10000")
      .option("--liquidity <tokens>", "example pool: test tokens (1 = 1.00 USD) the deployer mints and supplies", "1000000"),
  ).action(async (opts: ChainOpts & {
    config: string;
    oracle?: string;
    minHealthBps: string;
    gracePeriod: string;
    ttl: string;
    maxAttestorAge: string;
    requireAttestor?: boolean;
    verifiedConfig?: string;
    verified: boolean;
    requireVerified?: boolean;
    borrowHealthBps: string;
    maintenanceHealthBps: string;
    liquidity: string;
  }) => {
    const policy = {
      ...DEFAULT_POLICY,
      minHealthBps: parseSeconds(opts.minHealthBps, "--min-health-bps", 10000),
      gracePeriod: parseSeconds(opts.gracePeriod, "--grace-period", 3600),
      attestationTtl: parseSeconds(opts.ttl, "--ttl", 86400),
      maxAttestorAge: parseSeconds(opts.maxAttestorAge, "--max-attestor-age", 86400),
      requireAttestor: opts.requireAttestor ?? false,
      requireVerified: opts.requireVerified ?? false,
      borrowHealthBps: parseSeconds(opts.borrowHealthBps, "--borrow-health-bps", 12500),
      maintenanceHealthBps: parseSeconds(opts.maintenanceHealthBps, "--maintenance-health-bps", 10000),
    };
    checkPolicy(policy, {
      minHealthBps: "--min-health-bps",
      gracePeriod: "--grace-period",
      attestationTtl: "--ttl",
      maxAttestorAge: "--max-attestor-age",
      borrowHealthBps: "--borrow-health-bps",
      maintenanceHealthBps: "--maintenance-health-bps",
    });
    const liquidity = opts.liquidity === "0" ? 0n : parseTokenAmount(opts.liquidity, POOL_TOKEN_DECIMALS, "--liquidity");
    if (!opts.verified && (opts.verifiedConfig !== undefined || policy.requireVerified)) {
      throw new ZkMarginError("ARGUMENT", `cannot be combined with ${policy.requireVerified ? "--require-verified" : "--verified-config"}`, {
        path: "--no-verified",
      });
    }
    const build: PoolBuild = await loadPoolBuild({
      config: opts.config,
      verifiedConfig: !opts.verified ? null : (opts.verifiedConfig ?? undefined),
      progress: terminalProgress(),
    });
    if (policy.requireVerified && !build.verified) {
      const name = `${opts.config}-verified`;
      throw new ZkMarginError(
        "FILE",
        `--require-verified needs a verifier for verified proofs: no setup of a verified configuration matching "${opts.config}" was found; ` +
          `run \`zkmargin setup --config ${name}\` first (or name one with --verified-config)`,
        { path: "--require-verified" },
      );
    }
    const s = await open(opts);
    let abis: unknown[][] = [];
    try {
      const { artifacts, circuitHash, insecure } = build;
      abis = poolErrorAbis(artifacts);
      const signer = signerFor(s, opts, "deployer");
      const oracle = opts.oracle ? parseAddress(opts.oracle, "--oracle") : opts.key || process.env.ZKMARGIN_PRIVATE_KEY ? signer.address : devWallets(s.provider)[1]!.address;
      const d = await deployPool({
        signer,
        artifacts,
        oracle,
        config: opts.config,
        circuitHash,
        insecure,
        vkeySha256: build.vkeySha256,
        policy,
        liquidity,
        ...(build.verified ? { verified: build.verified } : {}),
      });
      mkdirSync(dirname(s.deploymentFile), { recursive: true });
      writeFileAtomic(s.deploymentFile, toJsonText(d));
      if (opts.json) io.out(toJsonText({ ...d, deploymentFile: s.deploymentFile }));
      else {
        io.out(
          [
            `deployed on chain ${d.chainId}${s.chain ? " (embedded)" : ` (${opts.rpc})`}${insecure ? " with an INSECURE dev verifier" : ""}`,
            `  verifier      ${d.verifier}  (${d.gas.verifier} gas; ${d.config} proofs)`,
            d.verified
              ? `  verified      ${d.verified.verifier}  (${d.gas.verifiedVerifier} gas; ${d.verified.config} proofs from venue statements${d.verified.insecure ? ", INSECURE dev setup" : ""})`
              : `  verified      none (${opts.verified ? "no verified setup" : "--no-verified"}: submitVerified is refused)`,
            `  policy        ${
              d.policy.requireVerified
                ? "only verified proofs"
                : `${d.policy.requireAttestor ? "self-declared proofs with an approved attestor's signature" : "self-declared proofs"}${d.verified ? " and verified proofs" : ""}`
            }; minimum health ${d.policy.minHealthBps} bps`,
            `  registry      ${d.registry}  (${d.gas.registry} gas)`,
            `  attestations  ${d.attestations}  (${d.gas.attestations} gas)`,
            `  example pool  ${d.pool}  (${d.gas.pool} gas; lends against credit limits at ${d.policy.borrowHealthBps} bps, ` +
              `liquidates below ${d.policy.maintenanceHealthBps} bps)`,
            `  pool token    ${d.token}  (${d.gas.token} gas; eUSD test stablecoin, 1 token = 1.00 USD; ${formatTokenAmount(liquidity)} supplied)`,
            `  oracle        ${d.oracle}`,
            `wrote ${s.deploymentFile}`,
          ].join("\n"),
        );
      }
    } catch (e) {
      throw (await revertError(e, abis, s)) ?? e;
    } finally {
      await s.close();
    }
  });

  withCommon(
    chain
      .command("post-params")
      .description("risk oracle: post a parameter file's root, epoch and validity window")
      .argument("<params>", "risk-parameter JSON")
      .option("--valid-until <time>", "last valid second (unix seconds or ISO 8601); default the parameters' validUntil, else asOf + 7 days"),
  ).action(async (file: string, opts: ChainOpts & { validUntil?: string }) => {
    const params = parseJsonFile(file, "risk parameters", "params", parseRiskParams);
    const given = opts.validUntil ? parseTime(opts.validUntil, "--valid-until") : undefined;
    const fallback = defaultValidUntil(params);
    const validUntil = given ?? fallback.validUntil;
    const source = given !== undefined ? "--valid-until" : fallback.source === "validUntil" ? "the parameters' validUntil" : "asOf + 7 days: the parameters set no validUntil";
    const asOf = Number(params.asOfUnix);
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      // The registry refuses a window that does not end after both asOf and now; say so with the times.
      const now = await chainNow(s);
      if (validUntil <= asOf || validUntil <= now) {
        const past = validUntil <= now;
        throw new ZkMarginError(
          "VALIDITY",
          `the validity window would end ${at(validUntil)}${given === undefined ? ` (${source})` : ""}, which is not after ${past ? "now" : "asOf"}: ` +
            `${past ? `now is ${at(now)}` : `asOf is ${at(asOf)}`}; pass a later --valid-until <unix|ISO>` +
            `${given === undefined ? " or set a later validUntil in the parameters" : ""}`,
          {
            path: given !== undefined ? "--valid-until" : "validUntil",
            value: isoSeconds(validUntil),
            limit: past ? `> now (${isoSeconds(now)})` : `> asOf (${isoSeconds(asOf)})`,
          },
        );
      }
      const r = await postParams(registryAt(d, a, signerFor(s, opts, "oracle")), params, { validUntil });
      const out = {
        epoch: Number(r.epoch),
        paramsRoot: toHex32(r.root),
        asOf: r.asOf,
        validUntil: r.validUntil,
        validUntilIso: isoSeconds(r.validUntil),
        validUntilSource: given !== undefined ? "--valid-until" : fallback.source,
        gasUsed: r.gasUsed,
        txHash: r.txHash,
      };
      io.out(opts.json ? toJsonText(out) : `posted epoch ${out.epoch} root ${out.paramsRoot}, valid until ${out.validUntilIso} (${source}) (${out.gasUsed} gas)`);
    });
  });

  withCommon(
    chain
      .command("context")
      .description("the --context a proof must carry to be accepted from an account (its next nonce)")
      .argument("[account]", "account address (default: the signer, dev account 2)"),
  ).action(async (account: string | undefined, opts: ChainOpts) => {
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const who = account ? parseAddress(account, "account") : signerFor(s, opts, "trader").address;
      const c = await contextFor(attestationsAt(d, a, s.provider), who);
      const hex = toHex32(c.context);
      io.out(opts.json ? toJsonText({ account: who, context: hex, nonce: Number(c.nonce), chainId: Number(c.chainId), attestations: d.attestations }) : hex);
    });
  });

  withCommon(
    chain
      .command("sign-attestation")
      .description(
        "attestor: check a commitment opening against the parameters, recompute its commitment, and sign (commitment, account, asOf) with EIP-712; refuses an opening that does not recompute",
      )
      .requiredOption("--opening <file>", "the prover's private commitment opening (`zkmargin prove --opening`)")
      .requiredOption("--params <file>", "the risk parameters the proof was made under (their root must be the opening's paramsRoot)")
      .requiredOption("--account <address>", "the account that will submit the proof")
      .option("--as-of <time>", "as-of time of the attested holdings (default: now by the chain's clock: its pending block's time)")
      .requiredOption("-o, --out <file>", "where to write the signature JSON"),
  ).action(async (opts: ChainOpts & { opening: string; params: string; account: string; asOf?: string; out: string }) => {
    // Check before touching the chain: an attestor signs only a commitment it recomputed itself.
    const params = parseJsonFile(opts.params, "risk parameters", "--params", parseRiskParams);
    const checked = parseJsonFile(opts.opening, "commitment opening", "--opening", (j) => checkOpening(j, params));
    const account = parseAddress(opts.account, "--account");
    const asOfFlag = opts.asOf ? parseTime(opts.asOf, "--as-of") : undefined;
    const s = await open(opts);
    try {
      const d = loadDeployment(s);
      if (d.config !== checked.config.name) {
        throw new ZkMarginError("MISMATCH", `the opening is for the "${checked.config.name}" circuit; this pool verifies "${d.config}" proofs`, {
          path: "opening.config",
          value: checked.config.name,
          limit: d.config,
        });
      }
      // Dated by the chain's clock at inclusion (not the latest block, which on a reopened embedded
      // chain can be older than the pool's maxAttestorAge): the contract refuses an asOf after its
      // block's time or more than maxAttestorAge before it.
      const asOf = asOfFlag ?? (await chainNow(s));
      const sig = await signPortfolioAttestation(signerFor(s, opts, "attestor"), attestorDomain(d.chainId, d.attestations), {
        commitment: checked.commitment,
        account,
        asOf,
      });
      writeFileAtomic(opts.out, toJsonText(sig));
      const commitment = toHex32(checked.commitment);
      const paramsRoot = toHex32(checked.paramsRoot);
      io.out(
        opts.json
          ? toJsonText({ ...sig, commitment, paramsRoot, epoch: checked.opening.epoch, account, out: opts.out })
          : [
              `signed commitment ${commitment} for ${account} as of ${new Date(asOf * 1000).toISOString()}`,
              `  recomputed from the opening: ${checked.portfolio.collateral.length} collateral balance(s), ${checked.portfolio.positions.length} position(s) under paramsRoot ${paramsRoot} (epoch ${checked.opening.epoch})`,
              `wrote ${opts.out}`,
            ].join("\n"),
      );
    } finally {
      await s.close();
    }
  });

  withCommon(
    chain
      .command("approve-attestor")
      .description("pool owner: approve (or --revoke) an attestor")
      .argument("<address>", "attestor address")
      .option("--revoke", "revoke instead of approve"),
  ).action(async (address: string, opts: ChainOpts & { revoke?: boolean }) => {
    const who = parseAddress(address, "address");
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const c = attestationsAt(d, a, signerFor(s, opts, "deployer")) as Contract;
      const receipt = await (await c.getFunction("setAttestor")(who, !opts.revoke)).wait();
      io.out(
        opts.json
          ? toJsonText({ attestor: who, approved: !opts.revoke, gasUsed: Number(receipt.gasUsed), txHash: receipt.hash as string })
          : `${opts.revoke ? "revoked" : "approved"} attestor ${who}`,
      );
    });
  });

  withCommon(
    chain
      .command("submit")
      .description(
        "trader: submit a proof bundle as an attestation (the bundle's context must be `chain context` of the sender); " +
          "a verified bundle (made from venue statements with --account) goes through submitVerified and only from that account",
      )
      .argument("<bundle>", "proof bundle JSON")
      .option("--attestor-signature <file>", "an attestor's signature from `chain sign-attestation`"),
  ).action(async (file: string, opts: ChainOpts & { attestorSignature?: string }) => {
    const bundle = parseJsonFile(file, "proof bundle", "bundle", parseBundle);
    const sig = opts.attestorSignature ? (readJsonFile(opts.attestorSignature, "attestor signature", "--attestor-signature") as AttestorSignature) : undefined;
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const verified = bundle.account !== undefined;
      if (verified) {
        if (!d.verified) {
          throw new ZkMarginError(
            "ARGUMENT",
            `the bundle is a verified proof ("${bundle.config}"), but this pool has no verifier for verified proofs; deploy with a verified setup (\`zkmargin setup --config ${bundle.config}\`, then \`zkmargin chain deploy\`)`,
            { path: "bundle.config" },
          );
        }
        if (bundle.config !== d.verified.config) {
          throw new ZkMarginError("ARGUMENT", `the bundle was made with the "${bundle.config}" circuit; this pool verifies verified proofs of "${d.verified.config}"`, {
            path: "bundle.config",
            value: bundle.config,
            limit: d.verified.config,
          }).inFile(file, "proof bundle");
        }
        if (sig) throw new ZkMarginError("ARGUMENT", "a verified proof takes no attestor signature: the venues' statements vouch for the holdings", { path: "--attestor-signature" });
      } else {
        if (bundle.config !== d.config) {
          throw new ZkMarginError("ARGUMENT", `the bundle was made with the "${bundle.config}" circuit; this pool verifies "${d.config}" proofs`, {
            path: "bundle.config",
            value: bundle.config,
            limit: d.config,
          }).inFile(file, "proof bundle");
        }
        if (d.policy.requireVerified) {
          throw new ZkMarginError(
            "ARGUMENT",
            "this pool accepts only verified proofs: prove from venue-signed holdings statements (`zkmargin prove --statement ... --account <your address>`)" +
              `${d.verified ? ` with --config ${d.verified.config}` : ""}`,
            { path: "bundle.account" },
          );
        }
      }
      const signer = signerFor(s, opts, "trader");
      checkVerifiedSender(bundle, signer.address);
      const attestations = attestationsAt(d, a, signer);
      const expected = await contextFor(attestations, signer.address);
      if (BigInt(bundle.context) !== expected.context) {
        throw new ZkMarginError(
          "ARGUMENT",
          `the bundle's context ${bundle.context} is not this pool's context for ${signer.address} (nonce ${expected.nonce}): ` +
            `prove with --context ${toHex32(expected.context)} (\`zkmargin chain context\`)`,
          { path: "bundle.context", value: bundle.context, limit: toHex32(expected.context) },
        ).inFile(file, "proof bundle");
      }
      const r = await submitAttestation(attestations, bundle, sig);
      const st = await statusOf(attestations, registryAt(d, a, s.provider), signer.address, bundle.healthBps);
      const out = {
        account: signer.address,
        verified: st.verified,
        gasUsed: r.gasUsed,
        txHash: r.txHash,
        healthBps: st.healthBps,
        creditLimitCents: st.creditLimitCents,
        epoch: st.epoch,
        expiresAt: st.expiresAt,
        healthy: st.healthy,
      };
      io.out(
        opts.json
          ? toJsonText(out)
          : `attested ${signer.address}${st.verified ? " (verified: venue-signed statements)" : ""}: health >= ${st.healthBps} bps with a credit limit of ${formatCents(st.creditLimitCents)} USD, ` +
              `epoch ${st.epoch}, until ${new Date(st.expiresAt * 1000).toISOString()} (${r.gasUsed} gas)`,
      );
    });
  });

  withCommon(
    chain
      .command("status")
      .description("an account's attestation (health, credit limit, epoch, expiry, attestor, whether it is healthy now) and its example-pool position")
      .argument("<account>", "account address")
      .option("--min-health-bps <bps>", "health to check isHealthy against", "10000"),
  ).action(async (account: string, opts: ChainOpts & { minHealthBps: string }) => {
    const who = parseAddress(account, "account");
    const min = parseSeconds(opts.minHealthBps, "--min-health-bps", 10000);
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const st = await statusOf(attestationsAt(d, a, s.provider), registryAt(d, a, s.provider), who, min);
      const pool = poolAt(d, a, s.provider);
      const position = await poolAccountOf(pool, tokenAt(d, a, s.provider), who);
      const liquidatable = position.liquidatable;
      const poolLine =
        `debt ${formatCents(position.debtCents)} USD, can borrow ${formatCents(position.headroomCents)} USD more` +
        `${BigInt(position.claims) > 0n ? `, owes ${formatTokenAmount(position.claims)} USD to liquidators` : ""}; ${liquidatable ? "LIQUIDATABLE" : "not liquidatable"}`;
      if (opts.json) io.out(toJsonText({ ...st, minHealthBps: min, liquidatable, pool: position }));
      else if (!st.attested) io.out([`${who}: no attestation`, `  example pool   ${poolLine}`].join("\n"));
      else {
        io.out(
          [
            `${who}: ${st.healthy ? "HEALTHY" : "NOT HEALTHY"} at ${min} bps`,
            `  proven health  ${st.healthBps} bps`,
            `  credit limit   ${formatCents(st.creditLimitCents)} USD${st.healthy ? "" : ` (counts as 0 now: not healthy at ${min} bps)`}`,
            `  epoch          ${st.epoch}${st.epochAccepted ? "" : " (retired)"}`,
            `  expires        ${new Date(st.expiresAt * 1000).toISOString()}${st.expired ? " (expired)" : ""}`,
            `  verified       ${st.verified ? "yes: the portfolio is the sum of venue-signed holdings statements for this account" : "no"}`,
            `  attestor       ${st.attestor ?? (st.verified ? "none (venue statements)" : "self-declared")}`,
            `  commitment     ${st.commitment ?? "(not found in the logs)"}`,
            `  nonce          ${st.nonce}`,
            `  example pool   ${poolLine}`,
          ].join("\n"),
        );
      }
      setExit(st.healthy ? EXIT_OK : EXIT_FAIL);
    });
  });

  withCommon(
    chain
      .command("borrow")
      .description("trader: borrow from the example pool within the attested credit limit (1 token = 1.00 USD)")
      .argument("<amount>", "tokens to borrow, e.g. 2500 or 0.5"),
  ).action(async (amount: string, opts: ChainOpts) => {
    const units = parseTokenAmount(amount, POOL_TOKEN_DECIMALS, "amount");
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const signer = signerFor(s, opts, "trader");
      const token = tokenAt(d, a, signer);
      const pool = poolAt(d, a, signer);
      const r = await borrowFromPool(pool, units);
      const p = await poolAccountOf(pool, token, signer.address);
      io.out(
        opts.json
          ? toJsonText({ ...p, borrowed: units.toString(), gasUsed: r.gasUsed, txHash: r.txHash })
          : `borrowed ${formatTokenAmount(units)} USD: debt ${formatCents(p.debtCents)} USD of an attested credit limit of ` +
              `${formatCents(p.borrowLimitCents)} USD (${formatCents(p.headroomCents)} USD left) (${r.gasUsed} gas)`,
      );
    });
  });

  withCommon(
    chain
      .command("repay")
      .description("trader: repay example-pool debt (approves the pool for the amount first)")
      .argument("[amount]", "tokens to repay (default: the whole debt)"),
  ).action(async (amount: string | undefined, opts: ChainOpts) => {
    const units = amount === undefined || amount === "all" ? undefined : parseTokenAmount(amount, POOL_TOKEN_DECIMALS, "amount");
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const signer = signerFor(s, opts, "trader");
      const token = tokenAt(d, a, signer);
      const pool = poolAt(d, a, signer);
      const r = await repayToPool(pool, token, units);
      const p = await poolAccountOf(pool, token, signer.address);
      io.out(
        opts.json
          ? toJsonText({ ...p, repaid: r.amount.toString(), gasUsed: r.gasUsed, txHash: r.txHash })
          : `repaid ${formatTokenAmount(r.amount)} USD: debt ${formatCents(p.debtCents)} USD (${r.gasUsed} gas)`,
      );
    });
  });
}
