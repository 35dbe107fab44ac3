import { type Command } from "commander";
import { formatEther } from "ethers";
import { DEV_MNEMONIC } from "../../chain/edr.js";
import { startRpcServer } from "../../chain/node.js";
import { ZkMarginError } from "../../errors.js";
import { toJsonText } from "../../util/files.js";
import { type ChainIo, type SetExit, parseSeconds, ROLE_INDEX } from "./session.js";

/** `zkmargin chain node`: a local JSON-RPC dev node. */
export function addNodeCommand(chain: Command, io: ChainIo, setExit: SetExit): void {
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

}
