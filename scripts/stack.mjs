#!/usr/bin/env node
// `npm run stack`: a local zkmargin stack to watch it run, every part a separate `zkmargin` process
// on 127.0.0.1, started with the same commands README "Running it for real" gives by hand:
//   - a JSON-RPC dev chain        zkmargin chain node
//   - the pool                    zkmargin chain deploy (small + small-verified dev setups)
//   - the risk oracle (this script): every --epoch-seconds, `zkmargin params build` from
//     examples/market.json with both venues' keys, dated now, and `zkmargin chain post-params --uri`
//   - two venues                  zkmargin venue keygen / venue serve --ledger (a hedged ETH book
//     split across an exchange and a custodian)
//   - the trader's prover agent   zkmargin agent --config agent.json (verified mode, 15,000 USD credit
//     limit at 1.25x, metrics, warnings POSTed to a webhook this script serves and prints)
// Chain time is real time here (no acceleration), so epochs are short instead.
//
// Options: --dir <folder> (default a new folder under the system's temp folder), --epoch-seconds <s>
// (default 30), --duration <s> (stop by itself after that long; default: run until Ctrl-C).
// Ctrl-C (or SIGTERM) stops every process it started and prints where the logs are.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");
const BIN = join(root, "bin/zkmargin.js");

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) fail(`--${name} needs a value`);
  return v;
}
function fail(msg) {
  process.stderr.write(`stack: ${msg}\n`);
  process.exit(2);
}
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write("usage: npm run stack [-- --dir <folder>] [--epoch-seconds <s>] [--duration <s>]\n");
  process.exit(0);
}
const epochSeconds = Number(option("epoch-seconds", "30"));
if (!Number.isInteger(epochSeconds) || epochSeconds < 5) fail("--epoch-seconds must be a whole number >= 5");
const durationArg = option("duration", undefined);
const duration = durationArg === undefined ? undefined : Number(durationArg);
if (duration !== undefined && !(duration > 0)) fail("--duration must be a positive number of seconds");
const dir = option("dir", undefined) ?? mkdtempSync(join(tmpdir(), "zkmargin-stack-"));
mkdirSync(dir, { recursive: true });
if (!existsSync(join(root, "dist/src/cli/main.js"))) fail("dist/ is missing: run `npm run build` first");

const t0 = Date.now();
const stamp = () => `${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s`;
const say = (who, msg) => process.stdout.write(`${stamp()} ${`[${who}]`.padEnd(10)} ${msg}\n`);
const show = (p) => (p.startsWith(root) ? relative(process.cwd(), p) || "." : p);

// ---------------------------------------------------------------- processes

const procs = [];
let stopping = false;

/** Run a `zkmargin` command to completion; its output is returned (and kept in <dir>/commands.log). */
function zk(args, what) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: dir, env: { ...process.env, ZKMARGIN_PROGRESS: "0" } });
  writeFileSync(join(dir, "commands.log"), `$ zkmargin ${args.join(" ")}\n${r.stdout}${r.stderr}\n`, { flag: "a" });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/**
 * Start a long-running `zkmargin` process; both streams go to <dir>/<name>.log; `onLine` sees each
 * line, `onJson` each line that is a JSON document (the services' log events), parsed.
 */
function start(name, args, { env = {}, onLine, onJson } = {}) {
  const log = join(dir, `${name}.log`);
  const out = createWriteStream(log, { flags: "a" });
  // its own process group: a Ctrl-C reaches this script only, which stops the processes in order
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env }, detached: true });
  const p = { name, child, log, exited: new Promise((r) => child.once("exit", (code, signal) => r({ code, signal }))) };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream.on("data", (d) => {
      out.write(d);
      buf += String(d);
      const lines = buf.split("\n");
      buf = lines.pop();
      for (const l of lines) {
        onLine?.(l);
        if (onJson) {
          let j;
          try {
            j = JSON.parse(l);
          } catch {
            continue;
          }
          onJson(j);
        }
      }
    });
  }
  p.exited.then(({ code, signal }) => {
    out.end();
    if (!stopping) say(name, `exited (${signal ?? `exit ${code}`}; not restarted); see ${show(log)}`);
  });
  procs.push(p);
  return p;
}

async function stopProc(p) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 5000);
  const r = await p.exited;
  clearTimeout(timer);
  return r;
}

let hook;
let oracleTimer;
let summary = { posted: [], confirmed: [], warnings: 0 };
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  clearInterval(oracleTimer);
  say("stack", "stopping: agent, venues, chain node (SIGTERM)");
  // the agent first (it may be mid-round), then the venues, then the chain
  for (const group of [procs.filter((p) => p.name === "agent"), procs.filter((p) => p.name.startsWith("venue")), procs.filter((p) => p.name === "node")]) {
    const results = await Promise.all(group.map(stopProc));
    group.forEach((p, i) => say("stack", `${p.name} stopped (${results[i].signal ?? `exit ${results[i].code}`})`));
  }
  hook?.close();
  say(
    "stack",
    `epochs posted: ${summary.posted.join(", ") || "none"}; attested: ${summary.confirmed.join(", ") || "none"}; warnings: ${summary.warnings}; ` +
      `statement requests: ${Object.entries(requests).map(([v, n]) => `venue ${v} ${n}`).join(", ") || "none"}. ` +
      `Logs and files in ${dir} (node.log, venue1.log, venue2.log, agent.log, commands.log)`,
  );
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
// a step that fails stops everything started so far
process.on("uncaughtException", (e) => {
  say("stack", e.message);
  void shutdown(1);
});
process.on("unhandledRejection", (e) => {
  say("stack", e instanceof Error ? e.message : String(e));
  void shutdown(1);
});
process.on("SIGTERM", () => void shutdown(0));

// ---------------------------------------------------------------- set up

say("stack", `folder ${dir}; epochs every ${epochSeconds} s${duration ? `; stopping after ${duration} s` : "; Ctrl-C stops everything"}`);
say("stack", "trusted setups of small and small-verified (INSECURE dev keys; cached, the first run takes a few minutes)");
for (const config of ["small", "small-verified"]) {
  // progress (stderr) shows when a setup is actually made; the record (stdout) goes to commands.log
  const r = spawnSync(process.execPath, [BIN, "setup", "--config", config], { encoding: "utf8", cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  writeFileSync(join(dir, "commands.log"), `$ zkmargin setup --config ${config}\n${r.stdout}\n`, { flag: "a" });
  if (r.status !== 0) fail(`zkmargin setup --config ${config} failed (exit ${r.status})`);
}

// 1. the chain
const node = await new Promise((resolve, reject) => {
  let text = "";
  const p = start("node", ["chain", "node", "--host", "127.0.0.1", "--port", "0", "--json"], {
    onLine: (l) => {
      text += `${l}\n`;
      try {
        resolve({ p, info: JSON.parse(text) });
      } catch {
        // not the whole JSON yet
      }
    },
  });
  p.exited.then(() => reject(new Error("the chain node exited before it listened")));
});
const rpc = node.info.url;
const trader = node.info.accounts[2];
say("node", `zkmargin chain node: ${rpc} (chain ${node.info.chainId}, pid ${node.p.child.pid}, log ${show(node.p.log)})`);

// 2. the pool
const deployment = join(dir, "deployment.json");
zk(["chain", "deploy", "--config", "small", "--verified-config", "small-verified", "--rpc", rpc, "--deployment", deployment], "chain deploy");
const d = JSON.parse(readFileSync(deployment, "utf8"));
say("pool", `zkmargin chain deploy: registry ${d.registry}, attestations ${d.attestations}, pool ${d.pool} (record ${show(deployment)})`);

// 3. the venues' keys and ledgers (ids and base units of examples/params.json)
const market = JSON.parse(readFileSync(join(root, "examples/market.json"), "utf8"));
const venueKeys = {};
for (const v of [1, 2]) {
  const keyFile = join(dir, `venue${v}.key.json`);
  if (!existsSync(keyFile)) zk(["venue", "keygen", "-o", keyFile], `venue keygen ${v}`);
  venueKeys[v] = JSON.parse(readFileSync(keyFile, "utf8")).publicKey;
}
const venueNames = { 1: "Stack Exchange (perps, options)", 2: "Stack Custodian (options, collateral)" };
// the trader's book across the two venues, in ids and base units of examples/market.json's parameters
const LEDGERS = {
  // 40,000 USDC; ETH-PERP +10; ETH-26MAR27-3500-C -10 (covered calls)
  1: { collateral: { 1: "40000000000" }, positions: { 1002: "10000", 2015: "-1000" } },
  // 20,000 USDC and 5 ETH in custody; ETH-26MAR27-2500-P +10 (protective puts)
  2: { collateral: { 1: "20000000000", 3: "5000000000000000000" }, positions: { 2014: "1000" } },
};
for (const v of [1, 2]) {
  const ledger = join(dir, `venue${v}-ledger.json`);
  if (!existsSync(ledger)) writeFileSync(ledger, `${JSON.stringify({ [trader.address]: LEDGERS[v] }, null, 2)}\n`);
}

// 4. the oracle: epoch N's parameters from the market file, listing both venues, dated now
let epoch = 0;
function postEpoch() {
  epoch += 1;
  const m = structuredClone(market);
  m.epoch = epoch;
  m.asOf = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  delete m.validUntil; // post-params: asOf + 7 days
  m.venues = [1, 2].map((id) => ({ id, name: venueNames[id], publicKey: venueKeys[id] }));
  const marketFile = join(dir, "oracle", `market-${epoch}.json`);
  const paramsFile = join(dir, "oracle", `params-${epoch}.json`);
  mkdirSync(join(dir, "oracle"), { recursive: true });
  writeFileSync(marketFile, `${JSON.stringify(m, null, 2)}\n`);
  zk(["params", "build", marketFile, "-o", paramsFile, "--json"], `params build (epoch ${epoch})`);
  const out = zk(["chain", "post-params", paramsFile, "--uri", pathToFileURL(paramsFile).href, "--rpc", rpc, "--deployment", deployment], `chain post-params (epoch ${epoch})`);
  const root = /root (0x[0-9a-f]{64})/.exec(out)?.[1];
  summary.posted.push(epoch);
  say("oracle", `posted epoch ${epoch} root ${root?.slice(0, 18)}... asOf ${m.asOf} (file ${show(paramsFile)})`);
}

// 5. the venues
const venueUrls = {};
const requests = {};
const lastAnswer = {};
for (const v of [1, 2]) {
  venueUrls[v] = await new Promise((resolve, reject) => {
    const p = start(`venue${v}`, ["venue", "serve", "--key", `venue${v}.key.json`, "--ledger", `venue${v}-ledger.json`, "--venue-id", String(v), "--port", "0"], {
      onJson: (j) => {
        if (j.event === "listening") resolve(j.url);
        else if (j.event === "request") {
          // each request is in the log; here the first and then each change of answer
          const answer = `HTTP ${j.status}${j.code ? ` ${j.code}` : ""}`;
          requests[v] = (requests[v] ?? 0) + 1;
          if (answer !== lastAnswer[v]) say(`venue${v}`, `statement request from ${j.account ?? "?"}: ${answer} (${j.latencyMs} ms; request ${requests[v]})`);
          lastAnswer[v] = answer;
        }
        else if (j.event === "ledger.loaded" || j.level === "error") say(`venue${v}`, `${j.event} ${j.accounts !== undefined ? `(${j.accounts} accounts)` : JSON.stringify(j)}`);
      },
    });
    p.exited.then(() => reject(new Error(`venue ${v} exited before it listened; see ${p.log}`)));
  });
  say(`venue${v}`, `zkmargin venue serve: ${venueUrls[v]} (venue ${v}, ledger ${show(join(dir, `venue${v}-ledger.json`))}, log ${show(join(dir, `venue${v}.log`))})`);
}

// 6. a webhook for the agent's warnings
hook = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    summary.warnings += 1;
    try {
      const j = JSON.parse(body);
      say("webhook", `${j.event} (epoch ${j.epoch}): ${j.message}`);
    } catch {
      say("webhook", body);
    }
    res.writeHead(204).end();
  });
});
await new Promise((r) => hook.listen(0, "127.0.0.1", r));
const hookUrl = `http://127.0.0.1:${hook.address().port}/zkmargin`;
say("webhook", `warnings are POSTed to ${hookUrl}`);

// 7. the trader's agent
writeFileSync(
  join(dir, "agent.json"),
  `${JSON.stringify(
    {
      rpcUrl: rpc,
      deployment: "deployment.json",
      mode: "verified",
      params: { posted: true },
      statements: [
        { venueId: 1, url: venueUrls[1] },
        { venueId: 2, url: venueUrls[2] },
      ],
      healthBps: 12500,
      creditLimit: "15000",
      key: { privateKeyEnv: "ZKMARGIN_STACK_TRADER_KEY" },
      stateDir: "agent-state",
      warnHeadroomBps: 2500,
      webhookUrl: hookUrl,
      metricsPort: 0,
      pollIntervalSeconds: 2,
      retry: { attempts: 3, initialDelayMs: 300, maxDelayMs: 2000 },
    },
    null,
    2,
  )}\n`,
);
// The agent's log, shortened: a pass's lines are shown when its outcome differs from the last pass's
// (a venue down or a shortfall repeats every pass); progress (a proof, a submission) at once.
let lastPass = "";
let held = [];
const flush = () => {
  for (const m of held) say("agent", m);
  held = [];
};
const agent = start("agent", ["agent", "--config", "agent.json"], {
  // a raw key is accepted on a dev chain only (chain 31337 here); a real agent uses an encrypted keystore
  env: { ZKMARGIN_STACK_TRADER_KEY: trader.privateKey },
  onJson: (j) => {
    if (j.event === "metrics") say("agent", `Prometheus metrics at ${j.url} (try: curl -s ${j.url})`);
    else if (j.event === "start") say("agent", j.msg);
    else if (["proved", "submitting", "confirmed", "resume"].includes(j.event)) {
      if (j.event === "confirmed") summary.confirmed.push(j.epoch);
      flush();
      say("agent", j.msg);
    } else if (j.event === "pass") {
      const key = `${j.action} ${j.epoch}`;
      if (key !== lastPass) {
        flush();
        say("agent", `pass: ${j.action}: ${j.msg}`);
      } else held = [];
      lastPass = key;
    } else if (["round", "health", "retry", "failure", "shortfall", "headroom-low", "cannot-extend"].includes(j.event) || j.level === "error" || j.level === "warn") {
      held.push(["round", "health", "retry", "failure", "shortfall", "headroom-low", "cannot-extend"].includes(j.event) ? j.msg : `${j.event}: ${j.msg}`);
    }
  },
});
say("agent", `zkmargin agent --config ${show(join(dir, "agent.json"))} (trader ${trader.address}, pid ${agent.child.pid}, log ${show(agent.log)})`);

postEpoch();
oracleTimer = setInterval(() => {
  if (stopping) return;
  try {
    postEpoch();
  } catch (e) {
    say("oracle", `${e.message} (trying again next epoch)`);
  }
}, epochSeconds * 1000);
say("stack", "running; Ctrl-C stops everything. Things to try in another terminal:");
say("stack", `  zkmargin agent status --config ${show(join(dir, "agent.json"))}`);
say("stack", `  sell 1,000 calls: in ${show(join(dir, "venue1-ledger.json"))} set "2015": "-100000" (the agent warns at the next epoch, proves nothing, the attestation lapses after the grace period)`);
say("stack", `  stop a venue: kill ${procs.find((p) => p.name === "venue2").child.pid} (the agent retries, warns with the lapse time)`);
if (duration) setTimeout(() => void shutdown(0), duration * 1000);
