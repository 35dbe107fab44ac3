import type { Command } from "commander";
import { addAttestCommands } from "./chain/attest.js";
import { addDeployCommand } from "./chain/deploy.js";
import { addNodeCommand } from "./chain/node.js";
import { addParamsCommands } from "./chain/params.js";
import { addStatusCommands } from "./chain/status.js";

/**
 * `zkmargin chain ...`: the pool's contracts on an embedded in-process EVM (default; its state
 * persists in <cache>/chain/embedded-chain.json between commands) or on any JSON-RPC node (--rpc).
 * Roles on dev chains: account 0 deploys and owns, account 1 is the risk oracle, account 2 the
 * trader, account 3 an attestor; --key uses a private key instead (also ZKMARGIN_PRIVATE_KEY).
 */

/** Register `zkmargin chain ...` (loaded by main.ts only when the chain command is named). */
export function addChainCommands(program: Command, io: { out: (s: string) => void }, setExit: (code: number) => void): void {
  const chain = program.command("chain").description("the pool's contracts: deploy, post parameters, submit attestations, read status");
  addNodeCommand(chain, io, setExit);
  addDeployCommand(chain, io, setExit);
  addParamsCommands(chain, io, setExit);
  addAttestCommands(chain, io, setExit);
  addStatusCommands(chain, io, setExit);
}
