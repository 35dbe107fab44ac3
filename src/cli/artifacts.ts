import type { Command } from "commander";
import { CONFIGS, VERIFIED_CONFIGS, getConfig } from "../config/circuits.js";
import { printJson } from "./output.js";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** `zkmargin export`: a configuration's proving artifacts and their manifest, into a folder. */
export function addArtifactCommands(program: Command, io: Io, _setExit: (code: number) => void): void {
  program
    .command("export")
    .description("write a configuration's proving artifacts (wasm, zkey, verification key, Solidity verifier) and a manifest to a folder")
    .option("--config <name>", `circuit configuration (${[...Object.keys(CONFIGS), ...Object.keys(VERIFIED_CONFIGS)].join(", ")})`, "small")
    .requiredOption("-o, --out <dir>", "folder to write (created if needed; files of the same names are replaced)")
    .option("--json", "print the manifest as JSON")
    .action(async (opts: { config: string; out: string; json?: boolean }) => {
      const config = getConfig(opts.config);
      // Loaded when the command runs, not with the CLI (start-up time: main.ts).
      const [{ releaseCurve }, { exportArtifacts }, { terminalProgress }] = await Promise.all([import("../../setup/groth16.js"), import("../prove/artifacts.js"), import("../util/progress.js")]);
      try {
        const r = await exportArtifacts(config, opts.out, { progress: terminalProgress() });
        const m = r.manifest;
        if (opts.json) printJson(io, { dir: r.dir, files: r.files, manifest: m });
        else {
          const mb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
          io.out(
            [
              `exported the ${m.insecure ? "INSECURE dev " : ""}"${config.name}" artifacts to ${r.dir}`,
              `  circuitHash ${m.circuitHash}`,
              ...Object.entries(m.files).map(([name, f]) => `  ${name.padEnd(22)} ${mb(f.bytes).padStart(9)}  sha256 ${f.sha256}`),
              `  manifest.json`,
              `use them with \`zkmargin prove --artifacts ${opts.out} ...\` and \`zkmargin verify --artifacts ${opts.out} ...\`, or loadArtifacts() in the SDK`,
              ...(m.insecure ? ["INSECURE: the dev powers of tau has a public tau; proofs made with these artifacts can be forged. Development only."] : []),
            ].join("\n"),
          );
        }
      } finally {
        await releaseCurve();
      }
    });
}
