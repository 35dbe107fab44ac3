/**
 * Warnings POSTed as JSON to the configured webhook URL (a chat bridge, an alert manager): one
 * object per event, `{ "event", "level", "message", "account", "epoch", ... }`, content-type
 * application/json. A webhook that fails is retried by the caller and never stops the agent.
 */
export async function postWebhook(url: string, body: Record<string, unknown>, timeoutMs = 10_000): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "zkmargin-agent" },
    body: JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`webhook ${url} answered HTTP ${res.status}`);
}
