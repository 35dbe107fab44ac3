/**
 * Progress lines for long steps (compile, ptau, setup, prove) on an interactive terminal; silent in
 * CI and when stderr is not a TTY, unless ZKMARGIN_PROGRESS=1.
 */
export type ProgressFn = (message: string) => void;

export function terminalProgress(): ProgressFn {
  const forced = process.env.ZKMARGIN_PROGRESS;
  const on = forced === "1" || (forced !== "0" && process.stderr.isTTY === true && !process.env.CI);
  return on ? (m) => process.stderr.write(`${m}\n`) : () => {};
}

export const silent: ProgressFn = () => {};

/** Run `fn`, reporting start and elapsed time. */
export async function timed<T>(progress: ProgressFn, label: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  progress(`${label}...`);
  const tick = setInterval(() => progress(`  ${label}: ${Math.round((Date.now() - start) / 1000)} s`), 15000);
  tick.unref();
  try {
    const r = await fn();
    progress(`${label}: done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return r;
  } finally {
    clearInterval(tick);
  }
}
