import { type Command } from "commander";
import {
  POOL_TOKEN_DECIMALS,
  attestationsAt,
  borrowFromPool,
  formatCents,
  formatTokenAmount,
  parseTokenAmount,
  poolAccountOf,
  poolAt,
  registryAt,
  repayToPool,
  statusOf,
  tokenAt,
} from "../../chain/pool.js";
import { toJsonText } from "../../util/files.js";
import { EXIT_FAIL, EXIT_OK } from "../output.js";
import {
  type ChainIo,
  type ChainOpts,
  type SetExit,
  loadDeployment,
  parseAddress,
  parseSeconds,
  signerFor,
  withChain,
  withCommon,
} from "./session.js";

/** Reading and using an attestation: `chain status`, and the example pool's `borrow` and `repay`. */
export function addStatusCommands(chain: Command, io: ChainIo, setExit: SetExit): void {
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
