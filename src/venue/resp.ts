import { connect, type Socket } from "node:net";

/**
 * A minimal Redis client (RESP2 over TCP): commands are pipelined on one connection and answered in
 * order. Enough for the venue service's store (SET NX EX, EVAL, PING); no pub/sub, no cluster, no
 * TLS (run it over loopback or a private network, or put stunnel in front). A lost connection fails
 * the commands in flight with an error and is re-opened by the next command.
 */

export type RespValue = string | number | null | RespValue[] | RespError;

export class RespError extends Error {
  override readonly name = "RespError";
}

interface Pending {
  resolve: (v: RespValue) => void;
  reject: (e: Error) => void;
}

/** Parse one reply starting at `i`; returns [value, next index] or undefined when incomplete. */
function parseReply(buf: Buffer, i: number): [RespValue, number] | undefined {
  if (i >= buf.length) return undefined;
  const eol = buf.indexOf("\r\n", i);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[i]!);
  const line = buf.toString("utf8", i + 1, eol);
  const next = eol + 2;
  switch (type) {
    case "+":
      return [line, next];
    case "-":
      return [new RespError(line), next];
    case ":":
      return [Number(line), next];
    case "$": {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.toString("utf8", next, next + len), next + len + 2];
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      let j = next;
      for (let k = 0; k < count; k++) {
        const r = parseReply(buf, j);
        if (!r) return undefined;
        items.push(r[0]);
        j = r[1];
      }
      return [items, j];
    }
    default:
      throw new Error(`redis: unexpected reply type ${JSON.stringify(type)}`);
  }
}

function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(String(a), "utf8");
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Where a Redis server is: `redis://[:password@]host:port[/db]`. */
export interface RedisAddress {
  host: string;
  port: number;
  password?: string;
  db?: number;
}

/** Parse `redis://[user:password@]host[:port][/db]`. Throws a TypeError naming what is wrong. */
export function parseRedisUrl(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`not a URL: ${JSON.stringify(url)} (expected redis://host:port)`);
  }
  if (u.protocol !== "redis:") throw new TypeError(`only redis:// URLs are supported, got ${JSON.stringify(u.protocol)}`);
  const addr: RedisAddress = { host: u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port: u.port ? Number(u.port) : 6379 };
  if (u.password) addr.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, "");
  if (db) {
    if (!/^[0-9]+$/.test(db)) throw new TypeError(`the database must be a number, got ${JSON.stringify(db)}`);
    addr.db = Number(db);
  }
  return addr;
}

export class RespClient {
  private socket: Socket | undefined;
  private ready: Promise<void> | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending[] = [];
  private closed = false;

  constructor(private readonly address: RedisAddress, private readonly connectTimeoutMs = 5000) {}

  private open(): Promise<void> {
    if (this.ready) return this.ready;
    this.ready = new Promise<void>((resolve, reject) => {
      const socket = connect({ host: this.address.host, port: this.address.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`redis: no connection to ${this.address.host}:${this.address.port} within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.on("data", (chunk) => this.onData(chunk));
      socket.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
        this.fail(e);
      });
      socket.on("close", () => {
        clearTimeout(timer);
        this.fail(new Error("redis: connection closed"));
      });
      this.socket = socket;
    });
    const hello = this.ready.then(async () => {
      if (this.address.password !== undefined) await this.raw(["AUTH", this.address.password]);
      if (this.address.db !== undefined) await this.raw(["SELECT", this.address.db]);
    });
    this.ready = hello;
    return hello;
  }

  private fail(e: Error): void {
    const pending = this.pending;
    this.pending = [];
    this.socket = undefined;
    this.ready = undefined;
    this.buffer = Buffer.alloc(0);
    for (const p of pending) p.reject(e);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let i = 0;
    for (;;) {
      const r = parseReply(this.buffer, i);
      if (!r) break;
      i = r[1];
      const p = this.pending.shift();
      if (!p) continue;
      if (r[0] instanceof RespError) p.reject(r[0]);
      else p.resolve(r[0]);
    }
    this.buffer = i >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(i);
  }

  private raw(args: readonly (string | number)[]): Promise<RespValue> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error("redis: not connected"));
    return new Promise<RespValue>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(encodeCommand(args));
    });
  }

  /** Send one command; resolves with its reply, rejects with a RespError for an error reply. */
  async command(...args: (string | number)[]): Promise<RespValue> {
    if (this.closed) throw new Error("redis: client closed");
    await this.open();
    return this.raw(args);
  }

  /** Close the connection (QUIT, then end). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    if (!socket) return;
    try {
      await Promise.race([this.raw(["QUIT"]), new Promise((r) => setTimeout(r, 500))]);
    } catch {
      // closing anyway
    }
    socket.end();
    socket.destroy();
  }
}
