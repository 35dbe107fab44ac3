import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { devStatementKey } from "../../src/statements/keys.js";
import { jsonLogger, type VenueLogger } from "../../src/venue/log.js";

/** The example venue's PUBLIC development key (examples/params.json lists it as venue 1). */
export const EXAMPLE_VENUE_KEY = devStatementKey("zkmargin example venue 1");
/** examples/params.json's asOf (2026-11-20T16:00:00Z) in ms: statements signed then are fresh under it. */
export const PARAMS_TIME_MS = Date.parse("2026-11-20T16:00:00Z");

/** Fixed test wallets (public keys derived from constant private keys: never use elsewhere). */
export const alice = new Wallet(`0x${"a1".repeat(32)}`);
export const bob = new Wallet(`0x${"b0".repeat(32)}`);
export const carol = new Wallet(`0x${"c4".repeat(32)}`);

/** Holdings with distinctive amounts, so that a log line quoting one is found by a scan. */
export const ALICE_HOLDINGS = { collateral: { "1": "-1250000987654", "3": "150250000000000987654" }, positions: { "1002": "-120987654", "1001": "5000987" } };
export const BOB_HOLDINGS = { collateral: { "1": "777000111222" }, positions: {} };
export const AMOUNTS = ["1250000987654", "150250000000000987654", "120987654", "5000987", "777000111222"];

export function ledgerOf(entries: Record<string, unknown>): string {
  return `${JSON.stringify(entries, null, 2)}\n`;
}

/** A logger that keeps the lines (and parsed entries). */
export function captureLogger(): { logger: VenueLogger; lines: string[]; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  return { logger: jsonLogger((l) => void lines.push(l)), lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export function tempDir(prefix = "zkm-venue-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `f` until it returns true (or throw after `ms`). */
export async function until(f: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether `redis-server` can be run here. */
export function redisAvailable(): boolean {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.status === 0;
}

/** A real redis-server on a random loopback port, nothing saved to disk. */
export async function startRedis(): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += String(d)));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10000);
      child.stdout!.on("data", () => {
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill("SIGKILL");
      continue; // port taken in between: try another
    }
    const stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    return { url: `redis://127.0.0.1:${port}`, port, stop };
  }
  throw new Error("could not start redis-server");
}
