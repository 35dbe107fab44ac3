import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Command } from "commander";
import { packageRoot } from "../circuit/paths.js";
import { getConfig } from "../config/circuits.js";
import type { NativeProverStatus } from "../prove/native.js";
import { printJson } from "./output.js";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

// prove/native.js and prove/nativeWitness.js load when a command runs, not with the CLI (start-up
// time: main.ts).
const nativeProverStatus = async (): Promise<NativeProverStatus> => (await import("../prove/native.js")).nativeProverStatus();

function statusLine(s: NativeProverStatus): string {
  return s.available ? `native prover: available (${s.binary}); \`prove\` uses it by default (--prover auto)` : `native prover: not available: ${s.reason}; \`prove\` uses snarkjs (slower)`;
}

/**
 * `zkmargin native`: whether the native Groth16 prover is built, and `zkmargin native build` to
 * (re)build it where the package is installed (what `npm install` runs; useful when the package
 * manager skipped install scripts, or after installing a compiler).
 */
export function addNativeCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const native = program.command("native").description("the native Groth16 prover and witness calculators: status, and build");
  native
    .command("status", { isDefault: true })
    .description("say whether the native prover is built and will be used, and if not, why")
    .option("--json", "print { available, binary, reason } as JSON")
    .action(async (opts: { json?: boolean }) => {
      const s = await nativeProverStatus();
      if (opts.json) printJson(io, { available: s.available, binary: s.binary ?? null, reason: s.reason ?? null });
      else io.out(statusLine(s));
    });
  native
    .command("build")
    .description("build the native prover with the machine's g++ (what `npm install` does; never needs GMP or nasm)")
    .option("--force", "rebuild even if the sources are unchanged")
    .option("--json", "print the resulting status as JSON")
    .action(async (opts: { force?: boolean; json?: boolean }) => {
      const script = join(packageRoot(), "scripts", "build-native.mjs");
      const r = spawnSync(process.execPath, [script, ...(opts.force ? ["--force"] : [])], { encoding: "utf8" });
      if (!opts.json) {
        if (r.stdout) io.err(r.stdout.trimEnd());
        if (r.stderr) io.err(r.stderr.trimEnd());
      }
      const s = await nativeProverStatus();
      if (opts.json) printJson(io, { available: s.available, binary: s.binary ?? null, reason: s.reason ?? null });
      else io.out(statusLine(s));
      if (!s.available) setExit(1);
    });
  native
    .command("witness")
    .description("build the native witness calculator of a circuit configuration (circom's C++ and g++; minutes, once per circuit)")
    .option("--config <name>", "circuit configuration", "small")
    .option("--force", "rebuild even if one is built for the current sources")
    .option("--json", "print { config, available, binary, reason } as JSON")
    .action(async (opts: { config: string; force?: boolean; json?: boolean }) => {
      const config = getConfig(opts.config);
      const [{ buildNativeWitness, nativeWitnessStatus }, { terminalProgress }] = await Promise.all([import("../prove/nativeWitness.js"), import("../util/progress.js")]);
      let reason: string | undefined;
      try {
        await buildNativeWitness(config, { force: opts.force, progress: opts.json ? undefined : terminalProgress() });
      } catch (e) {
        reason = (e as Error).message;
      }
      const s = nativeWitnessStatus(config);
      if (opts.json) printJson(io, { config: config.name, available: s.available, binary: s.binary ?? null, reason: s.available ? null : (reason ?? s.reason ?? null) });
      else io.out(s.available ? `native witness calculator for ${config.name}: available (${s.binary}); \`prove\` uses it with the native prover` : `native witness calculator for ${config.name}: not available: ${reason ?? s.reason}`);
      if (!s.available) setExit(1);
    });
}
