import type { Command } from "commander";
import { ZkMarginError } from "../errors.js";

/**
 * `zkmargin venue serve`: the venue statement service (docs/venue-api.md) on a ledger file. Logs are
 * JSON lines on stdout; SIGTERM / SIGINT stop it gracefully (requests in flight finish). With
 * `--workers N` (N > 1) a node:cluster primary runs N instances on one port; they share the Redis
 * store (`--redis`), which is required then: an in-process store is per instance.
 */
interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

interface ServeOpts {
  key: string;
  ledger: string;
  venueId?: string;
  params?: string;
  host: string;
  port: string;
  redis?: string;
  maxLifetime: string;
  rateLimit: string;
  workers: string;
  ledgerPoll: string;
}

function wholeNumber(v: string, flag: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ZkMarginError("ARGUMENT", `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`, { path: flag, value: v, limit: `${min} .. ${max}` });
  }
  return Number(v);
}

/** `--rate-limit 60/60` (requests / seconds) or `off`. */
function parseRateLimit(v: string): { requests: number; windowSeconds: number } | false {
  if (v === "off") return false;
  const m = /^([0-9]+)\/([0-9]+)$/.exec(v);
  if (!m) throw new ZkMarginError("ARGUMENT", `must be <requests>/<seconds> (e.g. 60/60) or off, got ${JSON.stringify(v)}`, { path: "--rate-limit", value: v });
  return { requests: wholeNumber(m[1]!, "--rate-limit", 1, 1_000_000), windowSeconds: wholeNumber(m[2]!, "--rate-limit", 1, 86400) };
}

export function addVenueServeCommand(venue: Command, io: Io): void {
  venue
    .command("serve")
    .description("serve holdings statements over HTTP: each account asks for its own with an EIP-712-signed request (docs/venue-api.md)")
    .requiredOption("--key <file>", "the venue's key file (zkmargin venue keygen; must be private: chmod 600)")
    .requiredOption("--ledger <file>", "ledger JSON: account address -> { collateral, positions } in ids and base units; re-read when it changes")
    .option("--venue-id <id>", "the venue's id (default: the venue --params lists with this key)")
    .option("--params <file>", "risk parameters: find the venue id by the key (instead of --venue-id)")
    .option("--host <address>", "bind address", "127.0.0.1")
    .option("--port <n>", "port (0: any free port, printed in the listening log line)", "8646")
    .option("--redis <url>", "shared store for nonces and rate limits (redis://host:port[/db]); default: in-process, one instance")
    .option("--max-lifetime <s>", "the longest a request may live (its expiry - now), seconds", "300")
    .option("--rate-limit <n/s>", "per-account limit: requests per window of seconds, or off", "60/60")
    .option("--workers <n>", "instances on this port (node:cluster); more than 1 needs --redis", "1")
    .option("--ledger-poll <ms>", "how often the ledger's stat is checked besides fs.watch", "1000")
    .option("--json", "errors at start as one JSON object on stderr (the logs are JSON lines anyway)")
    .action(async (opts: ServeOpts) => {
      const [cluster, { startVenueService }, { readPrivateKeyFile }, { jsonLogger }, { statementPublicKey }] = await Promise.all([
        import("node:cluster").then((m) => m.default),
        import("../venue/service.js"),
        import("../venue/keyfile.js"),
        import("../venue/log.js"),
        import("../statements/keys.js"),
      ]);
      const port = wholeNumber(opts.port, "--port", 0, 65535);
      const maxLifetimeSeconds = wholeNumber(opts.maxLifetime, "--max-lifetime", 1, 86400);
      const rateLimit = parseRateLimit(opts.rateLimit);
      const workers = wholeNumber(opts.workers, "--workers", 1, 64);
      const ledgerPollMs = wholeNumber(opts.ledgerPoll, "--ledger-poll", 10, 3_600_000);
      if (workers > 1 && !opts.redis) {
        throw new ZkMarginError("ARGUMENT", `${workers} workers need a shared store (--redis redis://host:port): nonces and rate limits kept in one process are not seen by the others`, {
          path: "--workers",
          value: workers,
          limit: "1 without --redis",
        });
      }
      // Checked here, once, before any worker starts: a key others can read is refused.
      const key = readPrivateKeyFile(opts.key, "--key");
      let venueId: number;
      if (opts.venueId !== undefined) venueId = wholeNumber(opts.venueId, "--venue-id", 0, 0xffffffff);
      else if (opts.params !== undefined) {
        const { loadParams } = await import("./main.js");
        const params = await loadParams(opts.params, "--params");
        const pub = statementPublicKey(key.privateKey);
        const listed = params.venues.find((v) => v.publicKey[0].toString() === pub[0] && v.publicKey[1].toString() === pub[1]);
        if (!listed) throw new ZkMarginError("ARGUMENT", "the risk parameters list no venue with this key; give the venue's id with --venue-id", { path: "--venue-id" });
        venueId = listed.id;
      } else throw new ZkMarginError("ARGUMENT", "give the venue's id with --venue-id (or --params to find it by the key)", { path: "--venue-id" });

      const log = jsonLogger((l) => io.out(l));
      if (workers > 1 && cluster.isPrimary) {
        const { readLedger } = await import("../venue/holdings.js");
        const { readFileSync } = await import("node:fs");
        try {
          readLedger(readFileSync(opts.ledger, "utf8"));
        } catch (e) {
          throw e instanceof ZkMarginError ? e.inFile(opts.ledger, "ledger") : new ZkMarginError("FILE", `ledger file ${JSON.stringify(opts.ledger)}: ${(e as Error).message}`, { path: "--ledger" });
        }
        await runPrimary(cluster, workers, log);
        return;
      }
      const service = await startVenueService({
        venueId,
        privateKey: key.privateKey,
        ledgerFile: opts.ledger,
        ledgerPollMs,
        host: opts.host,
        port,
        ...(opts.redis ? { store: { redisUrl: opts.redis } } : {}),
        maxLifetimeSeconds,
        rateLimit,
        logger: log,
      });
      await new Promise<void>((resolve) => {
        const stop = () => void service.close().then(resolve, resolve);
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      // A cluster worker's IPC channel to the primary would keep it alive: let go of it.
      if (cluster.isWorker) process.disconnect?.();
    });
}

/** The cluster primary: N workers (each runs the service), restarted if one dies; SIGTERM/SIGINT stop them all gracefully. */
async function runPrimary(cluster: typeof import("node:cluster").default, workers: number, log: import("../venue/log.js").VenueLogger): Promise<void> {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < workers; i++) fork();
  log.info("primary.started", { pid: process.pid, workers });
  await new Promise<void>((resolve) => {
    cluster.on("exit", (worker, code, signal) => {
      if (!stopping) {
        log.error("worker.exit", { pid: worker.process.pid, code, signal: signal ?? null, restarting: true });
        // A worker that fails at start would fail again: stop instead of looping.
        if (code === 2) {
          stopping = true;
          for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
          process.exitCode = 2;
        } else fork();
      }
      if (Object.keys(cluster.workers ?? {}).length === 0 && stopping) resolve();
    });
    const stop = () => {
      if (stopping) return;
      stopping = true;
      log.info("primary.stopping", { pid: process.pid });
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  log.info("primary.stopped", { pid: process.pid });
}
