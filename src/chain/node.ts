/**
 * A local JSON-RPC node over HTTP (single and batch requests), backed by an embedded EDR chain.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createEmbeddedChain, type EmbeddedChain, type EmbeddedChainOptions, type JsonRpcRequest, type JsonRpcResponse } from "./edr.js";

/** Options of startRpcServer: the embedded chain's, and where to listen. */
export interface RpcServerOptions extends EmbeddedChainOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 8545; 0 picks a free port. */
  port?: number;
  /** Largest request body accepted (default 32 MiB). */
  maxBodyBytes?: number;
}

/** A running JSON-RPC server over an embedded chain (startRpcServer). */
export interface RpcServer {
  /** e.g. "http://127.0.0.1:8545" */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly chain: EmbeddedChain;
  readonly server: Server;
  /** Stop accepting connections, finish in-flight requests, close the chain. */
  close(): Promise<void>;
}

const HEADERS = {
  "content-type": "application/json",
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "content-type",
} as const;

const errorResponse = (id: JsonRpcResponse["id"], code: number, message: string): JsonRpcResponse => ({
  jsonrpc: "2.0",
  id,
  error: { code, message },
});

function validId(id: unknown): id is string | number | null {
  return id === null || typeof id === "string" || typeof id === "number";
}

/** Answer one JSON-RPC request object; `undefined` for a notification (no id). */
async function answer(chain: EmbeddedChain, req: unknown): Promise<JsonRpcResponse | undefined> {
  if (typeof req !== "object" || req === null || Array.isArray(req)) return errorResponse(null, -32600, "invalid request");
  const r = req as Record<string, unknown>;
  const id = validId(r.id) ? r.id : null;
  if (typeof r.method !== "string" || (r.params !== undefined && (typeof r.params !== "object" || r.params === null))) {
    return errorResponse(id, -32600, "invalid request");
  }
  const res = await chain.send(r as unknown as JsonRpcRequest);
  return "id" in r ? res : undefined;
}

/** Handle one HTTP request body (already parsed or not); returns the response text or "" for none. */
export async function handleRpcBody(chain: EmbeddedChain, body: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return JSON.stringify(errorResponse(null, -32700, "parse error"));
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return JSON.stringify(errorResponse(null, -32600, "invalid request: empty batch"));
    const out: JsonRpcResponse[] = [];
    for (const item of parsed) {
      const r = await answer(chain, item); // in order: state-changing requests depend on each other
      if (r) out.push(r);
    }
    return out.length ? JSON.stringify(out) : "";
  }
  const r = await answer(chain, parsed);
  return r ? JSON.stringify(r) : "";
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Start the HTTP JSON-RPC server. Resolves once it is listening. */
export async function startRpcServer(opts: RpcServerOptions = {}): Promise<RpcServer> {
  const host = opts.host ?? "127.0.0.1";
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const chain = await createEmbeddedChain(opts);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === "OPTIONS") {
      res.writeHead(204, HEADERS).end();
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { ...HEADERS, allow: "POST, OPTIONS" }).end(JSON.stringify(errorResponse(null, -32600, "use POST")));
      return;
    }
    readBody(req, maxBody)
      .then(async (body) => {
        if (body === undefined) {
          res.writeHead(413, HEADERS).end(JSON.stringify(errorResponse(null, -32600, "request too large")));
          return;
        }
        const text = await handleRpcBody(chain, body);
        if (text === "") res.writeHead(204, HEADERS).end();
        else res.writeHead(200, HEADERS).end(text);
      })
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, HEADERS);
        res.end(JSON.stringify(errorResponse(null, -32603, `internal error: ${(e as Error)?.message ?? String(e)}`)));
      });
  };

  const server = createServer({ keepAliveTimeout: 5000 }, onRequest);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 8545, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    await chain.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    chain,
    server,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await chain.close();
      })();
      return closing;
    },
  };
}
