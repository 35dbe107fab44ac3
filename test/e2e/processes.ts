import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { repoFile } from "../helpers.js";

/**
 * Real `zkmargin` processes for the end-to-end tests (bin/zkmargin.js, i.e. dist/: `npm test` builds
 * it first). Every process started here is kept in `started` until it exits; `stopAll()` (called from
 * an after() hook, so also when a test failed) sends SIGTERM, then SIGKILL to whatever is still alive
 * after a few seconds. Output lines are kept (stdout and stderr apart) and, when `logFile` is given,
 * copied there, so that a failure can show what each process said.
 */
export const BIN = repoFile("bin/zkmargin.js");

export interface Proc {
  name: string;
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** The JSON objects among the lines of one stream (non-JSON lines skipped). */
  json(stream?: "out" | "err"): Record<string, any>[];
  /** Wait for a line (from index `from` of the stream) matching `pred`; rejects on exit or timeout. */
  waitFor(pred: (line: string) => boolean, opts?: { stream?: "out" | "err"; from?: number; timeoutMs?: number; what?: string }): Promise<string>;
  /** The last `n` lines of both streams, for assertion messages. */
  tail(n?: number): string;
}

const started = new Set<Proc>();

export function zk(name: string, args: string[], opts: { env?: Record<string, string>; logFile?: string; cwd?: string } = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CI: "1", ...opts.env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const out: string[] = [];
  const err: string[] = [];
  const log: WriteStream | undefined = opts.logFile ? createWriteStream(opts.logFile, { flags: "a" }) : undefined;
  const waiters = new Set<() => void>();
  const split = (stream: NodeJS.ReadableStream, into: string[], tag: string) => {
    let buf = "";
    stream.on("data", (d) => {
      buf += String(d);
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const l of parts) {
        into.push(l);
        log?.write(`${tag} ${l}\n`);
      }
      if (parts.length) for (const w of waiters) w();
    });
  };
  split(child.stdout!, out, "out");
  split(child.stderr!, err, "err");
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      started.delete(p);
      // let the pipes drain before waking the waiters for the last time
      setImmediate(() => {
        for (const w of waiters) w();
        log?.end();
        resolve(exitInfo!);
      });
    }),
  );
  const p: Proc = {
    name,
    child,
    out,
    err,
    exited,
    alive: () => exitInfo === undefined,
    json(stream = "out") {
      const r: Record<string, any>[] = [];
      for (const l of stream === "out" ? out : err) {
        if (!l.startsWith("{")) continue;
        try {
          r.push(JSON.parse(l));
        } catch {
          // not a JSON line
        }
      }
      return r;
    },
    waitFor(pred, o = {}) {
      const lines = (o.stream ?? "out") === "out" ? out : err;
      let i = o.from ?? 0;
      const timeoutMs = o.timeoutMs ?? 60_000;
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          for (; i < lines.length; i++) {
            if (pred(lines[i]!)) {
              done();
              return resolve(lines[i]!);
            }
          }
          if (exitInfo) {
            done();
            reject(new Error(`${name} exited (${exitInfo.signal ?? exitInfo.code}) before ${o.what ?? "the expected line"}:\n${p.tail()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: no ${o.what ?? "expected line"} within ${timeoutMs} ms:\n${p.tail()}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    tail(n = 30) {
      return [...out.slice(-n).map((l) => `[${name} out] ${l}`), ...err.slice(-n).map((l) => `[${name} err] ${l}`)].join("\n");
    },
  };
  started.add(p);
  return p;
}

/** Stop a process: SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
export async function stop(p: Proc, graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!p.alive()) return p.exited;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.alive() && p.child.kill("SIGKILL"), graceMs);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}

/** Stop every process these helpers started that is still running (after() hooks). */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((p) => stop(p)));
}

/** A JSON line of `p` whose fields match `fields` (from line `from` of the stream). */
export function waitForJson(p: Proc, fields: Record<string, unknown>, o: { stream?: "out" | "err"; from?: number; timeoutMs?: number } = {}): Promise<Record<string, any>> {
  const matches = (l: string) => {
    if (!l.startsWith("{")) return false;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(l);
    } catch {
      return false;
    }
    return Object.entries(fields).every(([k, v]) => j[k] === v);
  };
  return p.waitFor(matches, { ...o, what: `a log line with ${JSON.stringify(fields)}` }).then((l) => JSON.parse(l));
}
