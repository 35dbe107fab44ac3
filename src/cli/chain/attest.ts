import { type Command } from "commander";
import { Contract } from "ethers";
import {
  attestationsAt,
  attestorDomain,
  checkVerifiedSender,
  contextFor,
  formatCents,
  registryAt,
  signPortfolioAttestation,
  statusOf,
  submitAttestation,
  type AttestorSignature,
} from "../../chain/pool.js";
import { toHex32 } from "../../crypto/poseidon.js";
import { ZkMarginError } from "../../errors.js";
import { parseRiskParams } from "../../params/parse.js";
import { checkOpening } from "../../prove/opening.js";
import { parseBundle } from "../../prove/verify.js";
import { toJsonText, writeFileAtomic } from "../../util/files.js";
import { parseJsonFile, readJsonFile } from "../../util/json.js";
import {
  type ChainIo,
  type ChainOpts,
  type SetExit,
  chainNow,
  loadDeployment,
  open,
  parseAddress,
  parseTime,
  signerFor,
  withChain,
  withCommon,
} from "./session.js";

/** Attestations: `chain context`, `sign-attestation`, `approve-attestor`, `submit`. */
export function addAttestCommands(chain: Command, io: ChainIo, setExit: SetExit): void {
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

}
