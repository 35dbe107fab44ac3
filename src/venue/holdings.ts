import { readFileSync, statSync, watch, type FSWatcher, type Stats } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import { EMPTY_STATEMENT_MESSAGE, normalizeHoldings, parseAccount } from "../statements/parse.js";
import type { StatementHoldings } from "../statements/types.js";
import { parseJsonStrict } from "../util/json.js";
import type { VenueLogger } from "./log.js";

/** Where the service reads an account's holdings: a callback (SDK) or a ledger file (CLI and SDK). */
export type HoldingsCallback = (account: string) => Promise<StatementHoldings | undefined> | StatementHoldings | undefined;

export interface HoldingsSource {
  /** The account's holdings (account: lowercase 0x address), or undefined if the venue holds nothing for it. */
  get(account: string): Promise<StatementHoldings | undefined>;
  close(): void;
}

export function callbackSource(fn: HoldingsCallback): HoldingsSource {
  return { get: async (account) => fn(account), close: () => {} };
}

/**
 * A ledger file (docs/venue-api.md, "Ledger file"): one JSON object, account address -> holdings
 * `{ "collateral": { "<asset id>": "<base units>" }, "positions": { "<instrument id>": "<base units>" } }`.
 * Every account's holdings are checked when the file is read (ids, amounts; an account whose every
 * amount is 0 holds nothing). Re-read when it changes: fs.watch on its folder (a file replaced by
 * rename is seen too) plus a stat check every `pollMs` (size, mtime, inode) for file systems where
 * watching misses changes. A file that does not read or check keeps the last good ledger in service
 * and logs `ledger.error` (code and JSON path, never an amount).
 */
export class LedgerFileSource implements HoldingsSource {
  private ledger = new Map<string, StatementHoldings | null>();
  private lastStat: string | undefined;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  /** Times the ledger was (re)loaded successfully, and failed. */
  loads = 0;
  errors = 0;

  readonly file: string;

  constructor(file: string, private readonly log: VenueLogger, opts: { pollMs?: number; watch?: boolean } = {}) {
    this.file = resolve(file);
    this.reload(true);
    if (opts.watch !== false) {
      try {
        const name = basename(this.file);
        this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
          if (changed === null || changed === name) this.schedule();
        });
        this.watcher.on("error", () => {});
      } catch {
        // no fs.watch here: the stat check below still sees changes
      }
      this.poller = setInterval(() => this.check(), opts.pollMs ?? 1000);
      this.poller.unref();
    }
  }

  /** The number of accounts in the ledger in service. */
  get accounts(): number {
    return this.ledger.size;
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.check(), 25);
    this.debounce.unref();
  }

  private statKey(): string | undefined {
    let st: Stats;
    try {
      st = statSync(this.file);
    } catch {
      return undefined;
    }
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  }

  /** Reload if the file's (inode, size, mtime) changed since the last read. */
  check(): void {
    const key = this.statKey();
    if (key !== undefined && key !== this.lastStat) this.reload(false);
  }

  /** Read and check the file; on success it replaces the ledger in service. At start an error throws. */
  reload(initial: boolean): void {
    const key = this.statKey();
    try {
      const next = readLedger(readFileSync(this.file, "utf8"));
      this.ledger = next;
      this.lastStat = key;
      this.loads++;
      this.log.info("ledger.loaded", { file: this.file, accounts: next.size });
    } catch (e) {
      this.lastStat = key; // not retried until the file changes again
      this.errors++;
      const code = isZkMarginError(e) ? e.code : (e as NodeJS.ErrnoException).code ?? "INVALID";
      const path = isZkMarginError(e) ? e.path ?? null : null;
      if (initial) throw e;
      // Never the message: it may quote an amount.
      this.log.error("ledger.error", { file: this.file, code, path, keeping: "the last good ledger", accounts: this.ledger.size });
    }
  }

  async get(account: string): Promise<StatementHoldings | undefined> {
    return this.ledger.get(account) ?? undefined;
  }

  close(): void {
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    if (this.debounce) clearTimeout(this.debounce);
  }
}

/** Parse and check a ledger file's text: account -> holdings (null: holds nothing). */
export function readLedger(text: string): Map<string, StatementHoldings | null> {
  const json = parseJsonStrict(text, "ledger") as unknown;
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TypeError("a ledger file is one JSON object: account address -> holdings");
  }
  const out = new Map<string, StatementHoldings | null>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const account = parseAccount(key, `[${JSON.stringify(key)}]`);
    if (out.has(account)) throw new ZkMarginError("DUPLICATE", "the ledger lists this account twice (addresses are compared in lowercase)", { path: `[${JSON.stringify(key)}]` });
    const holdings = value as StatementHoldings;
    try {
      normalizeHoldings(holdings, `[${JSON.stringify(key)}]`);
      out.set(account, holdings);
    } catch (e) {
      if (isZkMarginError(e) && e.message.includes(EMPTY_STATEMENT_MESSAGE)) out.set(account, null);
      else throw e;
    }
  }
  return out;
}
