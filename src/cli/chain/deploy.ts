import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Command } from "commander";
import { devWallets } from "../../chain/edr.js";
import {
  POOL_TOKEN_DECIMALS,
  DEFAULT_POLICY,
  checkPolicy,
  deployPool,
  formatTokenAmount,
  parseTokenAmount,
  poolErrorAbis,
} from "../../chain/pool.js";
import { loadPoolBuild, loadPoolBuildFromArtifacts, type PoolBuild } from "../../chain/artifacts.js";
import { ZkMarginError } from "../../errors.js";
import { toJsonText, writeFileAtomic } from "../../util/files.js";
import type { ProgressFn } from "../../util/progress.js";
import { type ChainIo, type ChainOpts, type SetExit, open, parseAddress, parseSeconds, revertError, signerFor, withCommon } from "./session.js";

/**
 * Progress of a deploy on stderr, one plain line per step (loading setups or artifacts, each solc
 * compilation that misses the cache, each contract deployed), whether stderr is a terminal or not:
 * compiling can take a minute and should never look like a hang. Silent with --json (stdout is the
 * record, stderr a JSON error) unless ZKMARGIN_PROGRESS=1; ZKMARGIN_PROGRESS=0 silences it.
 */
export function deployProgress(json: boolean): ProgressFn {
  const forced = process.env.ZKMARGIN_PROGRESS;
  if (forced === "0" || (json && forced !== "1")) return () => {};
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  return (m) => {
    const t = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(tty ? `${m}\n` : `[deploy ${t.padStart(6)} s] ${m}\n`);
  };
}

/** `zkmargin chain deploy`: the pool's contracts, with verifiers from a local setup or exported artifacts. */
export function addDeployCommand(chain: Command, io: ChainIo, setExit: SetExit): void {
  withCommon(
    chain
      .command("deploy")
      .description(
        "deploy the Groth16 verifiers (from the local setup, or from exported artifacts with --artifacts), the registry, the attestation contract and the example pool",
      )
      .option("--config <name>", "circuit configuration whose verifier to deploy", "small")
      .option(
        "--artifacts <dir|url>",
        "deploy the verifiers of exported artifacts (`zkmargin export`) instead of a local setup: a folder, file:// or http(s):// URL; " +
          "give it twice (self-declared and verified configuration), or a folder whose subfolders hold them; each manifest's sha256 is recorded",
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      )
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
    artifacts?: string[];
  }, command: Command) => {
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
    const progress = deployProgress(opts.json === true);
    let build: PoolBuild;
    if (opts.artifacts) {
      if (opts.verifiedConfig !== undefined) {
        throw new ZkMarginError("ARGUMENT", "cannot be combined with --artifacts (the verified configuration is the one whose artifacts are given)", { path: "--verified-config" });
      }
      build = await loadPoolBuildFromArtifacts({ sources: opts.artifacts, verified: opts.verified, progress });
      if (command.getOptionValueSource("config") === "cli" && opts.config !== build.config) {
        throw new ZkMarginError("MISMATCH", `the artifacts are for the "${build.config}" circuit, not "${opts.config}"`, {
          path: "--config",
          value: opts.config,
          limit: build.config,
        });
      }
    } else {
      build = await loadPoolBuild({
        config: opts.config,
        verifiedConfig: !opts.verified ? null : (opts.verifiedConfig ?? undefined),
        progress,
      });
    }
    if (policy.requireVerified && !build.verified) {
      const name = `${build.config}-verified`;
      throw new ZkMarginError(
        "FILE",
        opts.artifacts
          ? `--require-verified needs a verifier for verified proofs: none of the --artifacts is a verified configuration; export one (\`zkmargin export --config ${name} -o <dir>\`) and give it with another --artifacts`
          : `--require-verified needs a verifier for verified proofs: no setup of a verified configuration matching "${opts.config}" was found; ` +
              `run \`zkmargin setup --config ${name}\` first (or name one with --verified-config, or deploy from exported artifacts with --artifacts)`,
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
      const v = build.verified;
      const d = await deployPool({
        signer,
        artifacts,
        oracle,
        config: build.config,
        circuitHash,
        insecure,
        vkeySha256: build.vkeySha256,
        ...(build.origin ? { artifactsOrigin: build.origin } : {}),
        policy,
        liquidity,
        ...(v
          ? { verified: { config: v.config, circuitHash: v.circuitHash, insecure: v.insecure, vkeySha256: v.vkeySha256, ...(v.origin ? { artifacts: v.origin } : {}) } }
          : {}),
        progress,
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
              : `  verified      none (${opts.verified ? (opts.artifacts ? "no verified artifacts" : "no verified setup") : "--no-verified"}: submitVerified is refused)`,
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
            ...(d.artifacts ? [`  artifacts     ${d.config}: ${d.artifacts.source} (manifest sha256 ${d.artifacts.manifestSha256})`] : []),
            ...(d.verified?.artifacts ? [`                ${d.verified.config}: ${d.verified.artifacts.source} (manifest sha256 ${d.verified.artifacts.manifestSha256})`] : []),
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

}
