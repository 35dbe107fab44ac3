import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureJson } from "../helpers.js";
import { statementPublicKey } from "../../src/statements/index.js";
import { parseRiskParams } from "../../src/params/parse.js";
import type { RiskParams } from "../../src/params/types.js";
import type { Contract } from "ethers";
import { postParams } from "../../src/chain/registry.js";

/** test/fixtures/params-small.json's venue 1: the ASCII "zkmargin test venue 1", zero-padded to 32 bytes. */
export const VENUE1_KEY = (() => {
  const k = Buffer.alloc(32);
  Buffer.from("zkmargin test venue 1", "ascii").copy(k);
  return `0x${k.toString("hex")}`;
})();
export const VENUE2_KEY = `0x${"42".repeat(32)}`;

/** A book that passes at 1.25x with room (attestations.test.ts's). */
export const GOOD_BOOK = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
/** The same collateral with a large naked short call position: fails margin. */
export const FAILING_BOOK = { collateral: { USDC: "1000" }, positions: { "ETH-C-2200": "-5000" } };

/** params-small.json (with a second venue) re-dated to `asOfUnix` as epoch `epoch`, valid for 7 days. */
export function paramsForEpoch(epoch: number, asOfUnix: number): { json: any; params: RiskParams } {
  const j = fixtureJson("params-small.json");
  j.epoch = epoch;
  j.asOf = new Date(asOfUnix * 1000).toISOString().replace(/\.000Z$/, "Z");
  j.validUntil = new Date((asOfUnix + 7 * 86400) * 1000).toISOString().replace(/\.000Z$/, "Z");
  if (!j.venues.some((v: { id: number }) => v.id === 2)) j.venues.push({ id: 2, name: "Test Custodian", publicKey: statementPublicKey(VENUE2_KEY) });
  return { json: j, params: parseRiskParams(j) };
}

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
export const writeJson = (file: string, v: unknown) => writeFileSync(file, `${JSON.stringify(v, null, 2)}\n`);

/** A loopback HTTP server that records the JSON bodies POSTed to it (the webhook). */
export async function webhookServer(): Promise<{ url: string; bodies: any[]; close(): Promise<void> }> {
  const bodies: any[] = [];
  const server: Server = createServer((req, res) => {
    let buf = "";
    req.on("data", (d) => (buf += d));
    req.on("end", () => {
      try {
        bodies.push(JSON.parse(buf));
      } catch {
        bodies.push({ unparsed: buf });
      }
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** What epochClock needs of a test's chain: the provider's clock and JSON-RPC, the registry, the folder the agent reads. */
export interface EpochChain {
  provider: { getBlock(tag: "latest"): Promise<{ timestamp: number } | null>; send(method: string, params: unknown[]): Promise<unknown> };
  registry: Contract;
  dir: string;
}

/**
 * Chain time and epoch posting for the agent tests. `chain` is read on every call (the tests assign
 * their provider and registry in before()).
 */
export function epochClock(chain: () => EpochChain) {
  const now = async () => (await chain().provider.getBlock("latest"))!.timestamp;
  const advance = async (s: number) => {
    await chain().provider.send("evm_increaseTime", [s]);
    await chain().provider.send("evm_mine", []);
  };
  /** Post epoch `epoch`'s parameters (dated now) and write them where the agent reads them. */
  const post = async (epoch: number) => {
    const asOf = await now();
    const { json, params } = paramsForEpoch(epoch, asOf);
    writeJson(join(chain().dir, "params.json"), json);
    await postParams(chain().registry, params, { validUntil: asOf + 7 * 86400 });
    return { asOf, params };
  };
  return { now, advance, post };
}
