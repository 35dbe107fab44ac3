import type { Command } from "commander";
import { EXIT_FAIL, EXIT_OK, isoSeconds, printJson } from "./output.js";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/**
 * `zkmargin agent`: the prover agent (docs/agent.md). `agent --config agent.json` runs until
 * SIGINT/SIGTERM; `--once` runs one pass (for cron); `agent status` prints the saved state and the
 * attestation's expiry. Logs are JSON lines on stderr. The agent's modules load when it runs.
 */
export function addAgentCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const agent = program.command("agent").description("the prover agent: keep an account's attestation alive every epoch, warn before a margin call");
  agent
    .command("run", { isDefault: true })
    .description("run the agent (until interrupted, or one pass with --once); JSON-line logs on stderr")
    .requiredOption("--config <file>", "the agent's configuration (docs/agent.md)")
    .option("--once", "one pass, then exit (for cron): 0 the attestation is live, 1 it is not or the pass failed")
    .option("--json", "print the pass's result as JSON (with --once)")
    .action(async (opts: { config: string; once?: boolean; json?: boolean }) => {
      const [{ loadAgentConfig }, { runAgent }] = await Promise.all([import("../agent/config.js"), import("../agent/agent.js")]);
      const config = loadAgentConfig(opts.config);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        const r = await runAgent(config, { once: opts.once, signal: controller.signal });
        if (opts.once && r) {
          if (opts.json) printJson(io, r);
          else io.out(r.message);
          const live = r.lapsesAt !== null;
          setExit(live && r.action !== "failed" && r.action !== "shortfall" ? EXIT_OK : EXIT_FAIL);
        }
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
  agent
    .command("status")
    .description("the agent's saved state (per epoch: fetched, proved, submitted, confirmed) and the attestation's expiry")
    .requiredOption("--config <file>", "the agent's configuration")
    .option("--json", "print the status as JSON")
    .action(async (opts: { config: string; json?: boolean }) => {
      const [{ loadAgentConfig }, { agentStatus }] = await Promise.all([import("../agent/config.js"), import("../agent/agent.js")]);
      const config = loadAgentConfig(opts.config);
      const s = await agentStatus(config);
      if (opts.json) {
        printJson(io, s);
      } else {
        const lines: string[] = [];
        if (s.chain.reachable) {
          const c = s.chain;
          lines.push(`account ${c.account} on chain ${c.chainId}: ${c.lapse}`);
          lines.push(`  registry epoch   ${c.latestEpoch ?? "none posted"}`);
          lines.push(`  attested epoch   ${c.attestation.attested ? c.attestation.epoch : "none"}${c.attestation.attested ? ` (health ${c.attestation.healthBps} bps, credit limit ${(Number(c.attestation.creditLimitCents) / 100).toFixed(2)} USD, nonce ${c.attestation.nonce})` : ""}`);
          lines.push(`  expires          ${c.attestation.attested ? `${isoSeconds(c.attestation.expiresAt)}${c.lapsesAt === null ? " (lapsed)" : ""}` : "-"}`);
          lines.push(`  chain time       ${isoSeconds(c.now)}`);
        } else lines.push(`chain not reachable (${s.chain.error}); the saved state only:`);
        if (!s.state) lines.push(`no state yet in ${s.stateDir}`);
        else {
          const st = s.state;
          lines.push(`state ${s.stateDir} (updated ${st.updatedAt})`);
          if (st.last.proofAt) lines.push(`  last proof       ${st.last.proofAt}`);
          if (st.last.submissionAt) lines.push(`  last submission  ${st.last.submissionAt} (epoch ${st.last.submissionEpoch}, tx ${st.last.txHash})`);
          const epochs = Object.keys(st.epochs).map(Number).sort((a, b) => a - b).slice(-10);
          for (const e of epochs) {
            for (const r of st.epochs[String(e)]!.rounds) {
              lines.push(
                `  epoch ${String(e).padEnd(6)} ${r.phase.padEnd(10)} ${r.trigger}${r.actualHealthBps !== undefined ? `, health ${r.actualHealthBps ?? "unbounded"} bps` : ""}` +
                  `${r.tx ? `, tx ${r.tx.hash}` : ""}${r.expiresAt ? `, expires ${isoSeconds(r.expiresAt)}` : ""}${r.error ? ` (${r.error.kind}: ${r.error.message})` : ""}`,
              );
            }
          }
          if (s.openRound) lines.push(`open round: epoch ${s.openRound.epoch}, phase ${s.openRound.phase} (the next run settles it first)`);
        }
        io.out(lines.join("\n"));
      }
      setExit(s.chain.reachable && s.chain.lapsesAt !== null ? EXIT_OK : EXIT_FAIL);
    });
}
