import type { Provider } from "ethers";
import { ZkMarginError } from "../errors.js";
import type { Deployment, DeploymentRole } from "./pool.js";

/** A deployment's contracts by role, with the address the record gives each (the ones it has). */
export function deploymentAddresses(d: Deployment): Array<{ role: DeploymentRole; contract: string; address: string }> {
  const out: Array<{ role: DeploymentRole; contract: string; address: string }> = [];
  const add = (role: DeploymentRole, contract: string, address: string | undefined) => {
    if (address) out.push({ role, contract: d.contracts?.[role]?.contract ?? contract, address });
  };
  add("attestations", "MarginAttestations", d.attestations);
  add("registry", "RiskParamsRegistry", d.registry);
  add("verifier", "Groth16Verifier", d.verifier);
  add("verifiedVerifier", "Groth16Verifier", d.verified?.verifier);
  add("pool", "ExamplePool", d.pool);
  add("token", "ExampleUSD", d.token);
  return out;
}

/** How checkDeployment words its error when a recorded contract has no code on the chain. */
export interface CheckDeploymentOptions {
  /** The record's file, named in the error (default "the deployment record"). */
  file?: string;
  /** The chain as the error names it, e.g. the RPC URL (default "the connected chain"). */
  chain?: string;
  /** Why the contracts are likely gone (default: a node restarted without its state). */
  cause?: string;
  /** What to do about it (default: run `zkmargin chain deploy` again). */
  remedy?: string;
  /** The error's path (e.g. the CLI flag "--deployment"). */
  path?: string;
}

/**
 * Check a deployment record against the chain it is used on, before any call: the chain id is the
 * record's, every contract it names has code, and (records with `contracts`) each was created in
 * the block the record names, so a chain that was reset and deployed to again at the same addresses
 * is caught too. Otherwise a `ZkMarginError` with code "STALE_DEPLOYMENT" and a plain message
 * (instead of a call that decodes "0x" into nonsense or a transaction sent to an empty address).
 */
export async function checkDeployment(d: Deployment, provider: Provider, opts: CheckDeploymentOptions = {}): Promise<void> {
  const record = opts.file ? `the deployment record ${opts.file}` : "the deployment record";
  const chain = opts.chain ?? "the connected chain";
  const remedy = opts.remedy ?? "run `zkmargin chain deploy` again";
  const fail = (what: string, value: unknown, cause?: string): never => {
    throw new ZkMarginError("STALE_DEPLOYMENT", `${record} does not match ${chain}: ${what}${cause ? ` (${cause})` : ""}; ${remedy}`, {
      ...(opts.path ? { path: opts.path } : {}),
      value,
    });
  };
  const chainId = Number((await provider.getNetwork()).chainId);
  if (chainId !== d.chainId) fail(`it is for chain ${d.chainId}, this chain is ${chainId}`, chainId);

  const contracts = deploymentAddresses(d);
  const codes = await Promise.all(contracts.map((c) => provider.getCode(c.address)));
  const missing = contracts.filter((_, i) => codes[i] === "0x" || codes[i] === "");
  if (missing.length > 0) {
    const first = missing[0]!;
    const others = missing.length > 1 ? ` nor at the record's ${missing.length - 1} other address${missing.length > 2 ? "es" : ""}` : "";
    fail(`no contract at ${first.address} (${first.contract})${others}`, first.address, opts.cause ?? "the node was probably restarted without its state");
  }

  const created = Object.entries(d.contracts ?? {}).filter(([, c]) => c && typeof c.blockNumber === "number" && typeof c.blockHash === "string");
  const blocks = await Promise.all(created.map(([, c]) => provider.getBlock(c!.blockNumber)));
  for (const [i, [role, c]] of created.entries()) {
    const b = blocks[i];
    if (!b || b.hash !== c!.blockHash) {
      fail(
        `the ${c!.contract} at ${c!.address} (the ${role}) was not created in the block the record names ` +
          `(block ${c!.blockNumber} is ${b ? b.hash : "not on this chain"}, the record says ${c!.blockHash}): ` +
          "the chain was reset and deployed to again since the record was written",
        c!.address,
      );
    }
  }
}
