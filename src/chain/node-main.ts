/**
 * Entry point of the local JSON-RPC node process:
 *
 *   node dist/src/chain/node-main.js [--host 127.0.0.1] [--port 8545] [--chain-id 31337] [--state-file FILE]
 *
 * Prints `listening http://HOST:PORT` on stdout once ready; exits 0 on SIGTERM / SIGINT.
 */
import { parseArgs } from "node:util";
import { isZkMarginError } from "../errors.js";
import { startRpcServer, type RpcServer } from "./node.js";

function usage(message: string): never {
  process.stderr.write(`error: ${message}\nusage: node-main [--host H] [--port N] [--chain-id N] [--state-file FILE]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { host?: string; port?: string; "chain-id"?: string; "state-file"?: string };
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: "string" },
        port: { type: "string" },
        "chain-id": { type: "string" },
        "state-file": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  const int = (flag: string, v: string | undefined, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) usage(`${flag} must be an integer in ${min}..${max}`);
    return Number(v);
  };
  const port = int("--port", values.port, 0, 65535);
  const chainId = int("--chain-id", values["chain-id"], 1, Number.MAX_SAFE_INTEGER);

  // Handlers go in before anything is printed: a parent may signal as soon as it reads the URL.
  let node: RpcServer | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (!node) process.exit(0); // signalled while starting: nothing to flush yet
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  node = await startRpcServer({
    host: values.host ?? "127.0.0.1",
    port: port ?? 8545,
    ...(chainId === undefined ? {} : { chainId }),
    ...(values["state-file"] === undefined ? {} : { stateFile: values["state-file"] }),
  });
  process.stdout.write(`listening ${node.url}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${isZkMarginError(e) ? e.message : ((e as Error)?.stack ?? String(e))}\n`);
  process.exit(1);
});
