import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The agent's Prometheus metrics (text exposition format 0.0.4), served on GET /metrics. Gauges
 * are unset (not exported) until known; counters start at 0.
 */
export interface AgentMetrics {
  /** The registry's latest epoch. */
  epoch?: number;
  /** The epoch of the account's attestation on-chain. */
  attestedEpoch?: number;
  /** The book's health at the configured credit limit, bps. */
  healthBps?: number;
  headroomMaintenanceBps?: number;
  headroomBorrowBps?: number;
  /** Unix seconds. */
  lastProofTime?: number;
  lastSubmissionTime?: number;
  lastSubmissionEpoch?: number;
  /** The attestation's effective expiry (unix, chain time; 0 = none). */
  attestationExpiry?: number;
  passes: number;
  failures: Map<string, number>;
}

export function newMetrics(): AgentMetrics {
  return { passes: 0, failures: new Map() };
}

const GAUGES: Array<[keyof AgentMetrics, string, string]> = [
  ["epoch", "zkmargin_agent_epoch", "The registry's latest risk-parameter epoch."],
  ["attestedEpoch", "zkmargin_agent_attested_epoch", "The epoch of the account's attestation on-chain."],
  ["healthBps", "zkmargin_agent_health_bps", "The book's health at the configured credit limit (basis points, 10000 = 1.0x)."],
  ["lastProofTime", "zkmargin_agent_last_proof_timestamp_seconds", "When the agent last made a proof (unix seconds)."],
  ["lastSubmissionTime", "zkmargin_agent_last_submission_timestamp_seconds", "When a submission of the agent was last confirmed (unix seconds)."],
  ["lastSubmissionEpoch", "zkmargin_agent_last_submission_epoch", "The epoch of the last confirmed submission."],
  ["attestationExpiry", "zkmargin_agent_attestation_expiry_timestamp_seconds", "When the account's attestation lapses (unix seconds, chain time; 0: none)."],
];

export function renderMetrics(m: AgentMetrics): string {
  const out: string[] = [];
  for (const [key, name, help] of GAUGES) {
    const v = m[key];
    if (typeof v !== "number") continue;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
  }
  const headroom: string[] = [];
  if (m.headroomMaintenanceBps !== undefined) headroom.push(`zkmargin_agent_headroom_bps{against="maintenance"} ${m.headroomMaintenanceBps}`);
  if (m.headroomBorrowBps !== undefined) headroom.push(`zkmargin_agent_headroom_bps{against="borrow"} ${m.headroomBorrowBps}`);
  if (headroom.length) {
    out.push("# HELP zkmargin_agent_headroom_bps The book's health minus the pool's maintenance or borrow health (bps).", "# TYPE zkmargin_agent_headroom_bps gauge", ...headroom);
  }
  out.push("# HELP zkmargin_agent_passes_total Passes the agent ran.", "# TYPE zkmargin_agent_passes_total counter", `zkmargin_agent_passes_total ${m.passes}`);
  out.push("# HELP zkmargin_agent_failures_total Failures by kind (rpc, venue, params, statement, shortfall, setup, prove, submit, reverted, webhook).", "# TYPE zkmargin_agent_failures_total counter");
  for (const [kind, n] of [...m.failures.entries()].sort()) out.push(`zkmargin_agent_failures_total{kind="${kind}"} ${n}`);
  return `${out.join("\n")}\n`;
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serve `metrics` on http://host:port/metrics (port 0: any free one). */
export async function serveMetrics(metrics: AgentMetrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && (req.url === "/metrics" || req.url?.startsWith("/metrics?"))) {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(renderMetrics(metrics));
    } else if (req.method === "GET" && req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}\n');
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"not found: GET /metrics"}\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}/metrics`,
    port: addr.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
