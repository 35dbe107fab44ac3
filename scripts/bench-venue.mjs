#!/usr/bin/env node
// Venue statement service throughput: `node scripts/bench-venue.mjs [--requests 4000] [--concurrency 50]`,
// also a step of `npm run bench` (--no-venue skips it). Writes bench/results/venue.json.
//
// Starts `zkmargin venue serve` as real processes (bin/zkmargin.js -> dist/: `npm run build` first)
// on a ledger of 500 accounts (4 entries each: a debt, a balance, a long and a short), with the rate
// limit off, and drives it with `--concurrency` clients (keep-alive HTTP, one request in flight
// each) over loopback. Every request is a fresh EIP-712-signed request (own nonce and X25519
// response key), signed BEFORE the clock starts so that the clients' signing does not compete with
// the service for the CPU; the answers are checked (status 200, and a sample decrypted and its
// statement checked). Each answer costs the service: the secp256k1 recovery of the request's
// signature, the nonce and the rate counter in the store, Poseidon(6) + Poseidon(5) and a
// fixed-base Baby Jubjub multiplication for the statement's signature, X25519 + AES-GCM.
//
// Setups: one process with the in-process store; one process with Redis; `--workers 2`
// (node:cluster, one port) with Redis: the multi-instance design. Redis setups are skipped when
// redis-server is not installed. The client runs in this process, on the same machine: on 2 cores
// it takes CPU from the service too; the load average is recorded.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Wallet } from "ethers";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (p) => import(join(root, "dist", p));

/** Target (issue 16): statements per second with 50 concurrent clients on 2 cores. */
export const VENUE_TARGET = { statementsPerSecond: 300, concurrency: 50, cores: 2 };

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  if (spawnSync("redis-server", ["--version"]).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error("redis-server did not start")), 10000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Ready to accept connections")) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.once("exit", r), child.kill("SIGTERM"))) };
}

function serve(args, listening) {
  const child = spawn(process.execPath, [join(root, "bin", "zkmargin.js"), "venue", "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    let buf = "";
    const urls = [];
    const pids = [child.pid];
    const t = setTimeout(() => reject(new Error(`venue serve did not start: ${err}`)), 30000);
    child.stdout.on("data", (d) => {
      buf += d;
      const lines = buf.split("\n");
      buf = lines.pop();
      for (const l of lines) {
        const e = JSON.parse(l);
        if (e.event === "listening") {
          urls.push(e.url);
          if (e.pid !== child.pid) pids.push(e.pid);
        }
        if (urls.length === listening) {
          clearTimeout(t);
          child.stdout.removeAllListeners("data");
          child.stdout.resume(); // the request logs: drained, not kept
          resolve({ url: urls[0], pids, stop: () => new Promise((r) => (child.once("exit", r), child.kill("SIGTERM"))) });
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`venue serve exited ${code}: ${err}`)));
  });
}

/** CPU seconds (user + system) used so far by these processes (Linux /proc; undefined elsewhere). */
function cpuSeconds(pids) {
  try {
    let ticks = 0;
    for (const pid of pids) {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    }
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** `count` signed requests (round-robin over the wallets), with their bodies serialized. */
function signRequests(wallets, count, { statementRequestDigest, generateResponseKeyPair }, lifetime) {
  const out = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const w = wallets[i % wallets.length];
    const keys = generateResponseKeyPair();
    const request = {
      venue: 1,
      account: w.address.toLowerCase(),
      nonce: `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`,
      expiry: now + lifetime,
      responseKey: `0x${Buffer.from(keys.publicKey).toString("hex")}`,
    };
    const digest = statementRequestDigest(request);
    const signature = w.signingKey.sign(digest).serialized;
    out.push({ body: JSON.stringify({ request, signature }), prepared: { body: { request, signature }, digest, responsePrivateKey: keys.privateKey } });
  }
  return out;
}

function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/statement`, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Drive `url` with `concurrency` clients over `requests`; returns throughput and latencies. */
async function drive(url, requests, concurrency, openStatementResponse) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  let next = 0;
  let failures = 0;
  let firstFailure;
  let checked = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const r = requests[next++];
        const t = performance.now();
        const res = await post(agent, url, r.body);
        latencies.push(performance.now() - t);
        if (res.status !== 200) {
          failures++;
          firstFailure ??= `${res.status} ${res.text.slice(0, 200)}`;
        } else if (next % 100 === 0) {
          openStatementResponse(r.prepared, JSON.parse(res.text)); // a sample decrypted and checked
          checked++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: requests.length,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    decryptedAndChecked: checked,
    seconds: round(seconds, 2),
    statementsPerSecond: round((requests.length - failures) / seconds),
    latencyMs: { p50: round(pct(latencies, 0.5)), p90: round(pct(latencies, 0.9)), p99: round(pct(latencies, 0.99)), max: round(latencies.at(-1)) },
  };
}

/** Measure; `log` gets progress lines. */
export async function measureVenue({ requests = 4000, concurrency = 50, accounts = 500, log = () => {} } = {}) {
  const [{ statementRequestDigest, generateResponseKeyPair }, { openStatementResponse }, { devStatementKey, statementPublicKey }] = await Promise.all([
    dist("src/venue/request.js"),
    dist("src/venue/client.js"),
    dist("src/statements/keys.js"),
  ]);
  const dir = mkdtempSync(join(os.tmpdir(), "zkm-bench-venue-"));
  const loadBefore = os.loadavg();
  const results = [];
  let redis;
  try {
    const key = devStatementKey("zkmargin bench venue");
    const keyFile = join(dir, "venue.key.json");
    writeFileSync(keyFile, JSON.stringify({ zkmarginVenueKey: 1, privateKey: key, publicKey: statementPublicKey(key) }), { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    log(`venue: ${accounts} accounts`);
    const wallets = Array.from({ length: accounts }, (_, i) => new Wallet(`0x${(BigInt(i) + 0x1000n).toString(16).padStart(64, "0")}`));
    const ledger = Object.fromEntries(
      wallets.map((w, i) => [w.address.toLowerCase(), { collateral: { "1": `-${1000000 + i}`, "3": `${5000000000000000000n + BigInt(i)}` }, positions: { "1001": `${100 + i}`, "1002": `-${2500 + i}` } }]),
    );
    const ledgerFile = join(dir, "ledger.json");
    writeFileSync(ledgerFile, JSON.stringify(ledger));
    redis = await startRedis();
    if (!redis) log("venue: redis-server not installed: the Redis setups are skipped");
    const common = ["--key", keyFile, "--ledger", ledgerFile, "--venue-id", "1", "--rate-limit", "off"];
    const setups = [
      { name: "1 process, in-process store", args: [], listening: 1 },
      ...(redis ? [{ name: "1 process, Redis", args: ["--redis", redis.url], listening: 1 }] : []),
      ...(redis ? [{ name: "2 workers (node:cluster), Redis", args: ["--redis", redis.url, "--workers", "2"], listening: 2 }] : []),
    ];
    for (const s of setups) {
      log(`venue: ${s.name}: signing ${requests} + ${Math.min(500, requests)} warm-up requests`);
      const warm = signRequests(wallets, Math.min(500, requests), { statementRequestDigest, generateResponseKeyPair }, 280);
      const reqs = signRequests(wallets, requests, { statementRequestDigest, generateResponseKeyPair }, 280);
      const server = await serve([...common, ...s.args], s.listening);
      try {
        await drive(server.url, warm, concurrency, openStatementResponse);
        const load = os.loadavg();
        const cpu0 = cpuSeconds(server.pids);
        const r = await drive(server.url, reqs, concurrency, openStatementResponse);
        const cpu1 = cpuSeconds(server.pids);
        if (cpu0 !== undefined && cpu1 !== undefined) {
          // The service's own CPU time per statement (all its processes): independent of other load.
          r.serviceCpuMsPerStatement = round(((cpu1 - cpu0) * 1000) / (reqs.length - r.failures), 2);
          r.statementsPerCpuSecond = round(1000 / r.serviceCpuMsPerStatement);
        }
        r.setup = s.name;
        r.loadAvgBefore = load.map((x) => round(x, 2));
        log(`venue: ${s.name}: ${r.statementsPerSecond}/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.failures} failures; service CPU ${r.serviceCpuMsPerStatement} ms per statement; load ${r.loadAvgBefore.join(" ")}`);
        results.push(r);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const best = Math.max(...results.map((r) => r.statementsPerSecond));
  return {
    concurrency,
    accounts,
    target: { ...VENUE_TARGET, met: best >= VENUE_TARGET.statementsPerSecond, best },
    setups: results,
    machine: {
      cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
      cores: os.cpus().length,
      node: process.version,
      loadAvgAtStart: loadBefore.map((x) => round(x, 2)),
      loadAvgAtEnd: os.loadavg().map((x) => round(x, 2)),
      date: new Date().toISOString(),
    },
  };
}

export function venueTable(r) {
  const rows = r.setups.map(
    (s) =>
      `| ${s.setup} | ${s.statementsPerSecond} | ${s.latencyMs.p50} | ${s.latencyMs.p99} | ${s.serviceCpuMsPerStatement ?? "n/a"} | ${s.statementsPerCpuSecond ?? "n/a"} | ${s.requests} | ${s.failures} | ${s.loadAvgBefore.join(" ")} |`,
  );
  return [
    `Venue service (bench/results/venue.json): ${r.concurrency} concurrent clients, ${r.machine.cores} cores (${r.machine.cpu}); target >= ${r.target.statementsPerSecond}/s: ${r.target.met ? "met" : "MISSED"} (best ${r.target.best}/s)`,
    "",
    "| setup | statements/s | p50 ms | p99 ms | service CPU ms / statement | statements per CPU-second | requests | failures | load avg before |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name, d) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : d;
  };
  const r = await measureVenue({ requests: opt("--requests", 4000), concurrency: opt("--concurrency", 50), log: (m) => process.stderr.write(`[bench-venue] ${m}\n`) });
  const resultsDir = join(root, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "venue.json"), `${JSON.stringify(r, null, 2)}\n`);
  process.stdout.write(`${venueTable(r)}\n`);
}
