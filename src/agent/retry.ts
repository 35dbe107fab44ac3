import type { RetryConfig } from "./config.js";
import type { Logger } from "./log.js";

/** The kinds of fault the agent counts (metrics `zkmargin_agent_failures_total{kind}`). */
export type FailureKind = "rpc" | "venue" | "params" | "statement" | "shortfall" | "setup" | "prove" | "submit" | "reverted" | "webhook";

/** An error whose retries are spent; `kind` says what failed. */
export class AgentFault extends Error {
  override readonly name = "AgentFault";
  constructor(
    readonly kind: FailureKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** Sleep `ms`, or until `signal` aborts (resolves early, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The delay before try `attempt` (1-based; the first retry is attempt 2): initial x factor^(attempt-2), capped, with +-20% jitter. */
export function backoffDelay(cfg: RetryConfig, attempt: number, random = Math.random): number {
  const base = Math.min(cfg.maxDelayMs, cfg.initialDelayMs * cfg.factor ** Math.max(0, attempt - 2));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Run `fn` up to `cfg.attempts` times with exponential backoff (bounded by maxDelayMs) while
 * `retryable(e)` says the error is transient; each retry is logged. The last error is rethrown as an
 * AgentFault of `kind` (the original as `cause`); a non-retryable error is rethrown as is.
 */
export async function withRetry<T>(
  what: string,
  kind: FailureKind,
  fn: () => Promise<T>,
  opts: { retry: RetryConfig; log: Logger; signal?: AbortSignal; retryable?: (e: unknown) => boolean; onFailure?: (kind: FailureKind) => void },
): Promise<T> {
  const retryable = opts.retryable ?? (() => true);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const message = (e as Error)?.message?.split("\n")[0] ?? String(e);
      if (!retryable(e)) throw e;
      opts.onFailure?.(kind);
      if (attempt >= opts.retry.attempts || opts.signal?.aborted) {
        throw new AgentFault(kind, `${what}: failed after ${attempt} ${attempt === 1 ? "try" : "tries"}: ${message}`, e);
      }
      const delay = backoffDelay(opts.retry, attempt + 1);
      opts.log({ level: "warn", event: "retry", msg: `${what} failed (try ${attempt} of ${opts.retry.attempts}); retrying in ${delay} ms: ${message}`, kind, attempt, delayMs: delay });
      await sleep(delay, opts.signal);
    }
  }
}
