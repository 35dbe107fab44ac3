import { RespClient, parseRedisUrl } from "./resp.js";

/**
 * The venue service's shared state: nonces already served and per-account request counters. Every
 * instance behind one address must use the same store, or a nonce served by one instance could be
 * served again by another, and each instance would count its own rate limit.
 *
 * - MemoryStore: in-process maps, for ONE instance (the default).
 * - RedisStore: a Redis server shared by every instance. A nonce is reserved with
 *   `SET key 1 NX EX ttl` (atomic: of two instances racing the same nonce, exactly one gets "OK");
 *   a counter with one EVAL of `INCR` + `EXPIRE` on the window's key (atomic too).
 */
export interface VenueStore {
  /** "memory" or "redis" (reported by /healthz). */
  readonly kind: string;
  /** Reserve `key` for `ttlSeconds`; true if it was free (first use), false if it was already reserved. */
  reserve(key: string, ttlSeconds: number): Promise<boolean>;
  /** Add one to the counter `key` (created with a lifetime of `ttlSeconds`) and return its new value. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** Throws if the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** In-process store for a single instance: expired keys are swept once a minute and on lookup. */
export class MemoryStore implements VenueStore {
  readonly kind = "memory";
  private readonly keys = new Map<string, { expiresAt: number; value: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private live(key: string): { expiresAt: number; value: number } | undefined {
    const e = this.keys.get(key);
    if (e && e.expiresAt <= this.now()) {
      this.keys.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.keys) if (e.expiresAt <= t) this.keys.delete(k);
  }

  async reserve(key: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.keys.set(key, { expiresAt: this.now() + ttlSeconds * 1000, value: 1 });
    return true;
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const e = this.live(key);
    if (e) return ++e.value;
    this.keys.set(key, { expiresAt: this.now() + ttlSeconds * 1000, value: 1 });
    return 1;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.keys.clear();
  }
}

const INCREMENT_SCRIPT = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";

/** A store on a Redis server shared by every instance (`redis://host:port[/db]`). */
export class RedisStore implements VenueStore {
  readonly kind = "redis";
  private readonly client: RespClient;

  constructor(url: string, private readonly prefix = "zkmargin:venue:") {
    this.client = new RespClient(parseRedisUrl(url));
  }

  async reserve(key: string, ttlSeconds: number): Promise<boolean> {
    const r = await this.client.command("SET", this.prefix + key, "1", "NX", "EX", Math.max(1, Math.ceil(ttlSeconds)));
    return r === "OK";
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const r = await this.client.command("EVAL", INCREMENT_SCRIPT, 1, this.prefix + key, Math.max(1, Math.ceil(ttlSeconds)));
    if (typeof r !== "number") throw new Error(`redis: INCR answered ${JSON.stringify(r)}`);
    return r;
  }

  async ping(): Promise<void> {
    const r = await this.client.command("PING");
    if (r !== "PONG") throw new Error(`redis: PING answered ${JSON.stringify(r)}`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
