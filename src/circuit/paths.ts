import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir } from "node:os";
import { dirname, isAbsolute, join, posix, relative, resolve, win32 } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** The package root (works from src/ under tsx and from dist/src/ when built). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = require(join(dir, "package.json")) as { name?: string };
      if (pkg.name === "zkmargin") return dir;
    } catch {
      /* keep climbing */
    }
    dir = dirname(dir);
  }
  throw new Error("cannot locate the zkmargin package root");
}

export const circuitsDir = (): string => join(packageRoot(), "circuits");

/**
 * The node_modules folder that holds `pkg` (for circom's `-l`), found with Node's module resolution
 * from this package: in a consumer install npm puts circomlib beside zkmargin, not inside it.
 */
export function nodeModulesFor(pkg: string): string {
  return dirname(dirname(require.resolve(`${pkg}/package.json`)));
}

export function circom2Cli(): string {
  return join(nodeModulesFor("circom2"), "circom2", "cli.js");
}

/**
 * The deepest folder containing every path (all absolute). circom2 (WASI) can only open files below
 * its working directory (a `..` path is refused), so it runs from here. Undefined when the paths
 * share no folder (Windows, different drives).
 */
export function commonAncestor(paths: readonly string[]): string | undefined {
  if (paths.length === 0) return undefined;
  let dir = resolve(paths[0]!);
  for (;;) {
    if (paths.every((p) => isInside(resolve(p), dir))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function isInside(p: string, dir: string): boolean {
  const r = relative(dir, p);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
}

/** Whether a path lies inside a node_modules folder. */
export function insideNodeModules(p: string): boolean {
  return resolve(p).split(/[\\/]+/).includes("node_modules");
}

export interface CacheDirEnv {
  env?: Record<string, string | undefined>;
  /** A `process.platform` value (default: this process's). A plain string, so that the package's types need no @types/node. */
  platform?: string;
  home?: string;
  /** The package root (default: this package's). */
  root?: string;
}

/**
 * Where generated artifacts (compiled circuits, powers of tau, trusted setups, compiled contracts,
 * the embedded chain's state) live, in this order:
 *
 *   1. $ZKMARGIN_CACHE, when set (resolved against the working directory);
 *   2. <package root>/.cache/zkmargin when the package is a development checkout (its root holds
 *      `.git` and is not inside node_modules): the repository's tests, demo and benchmarks share it;
 *   3. the user cache folder: $XDG_CACHE_HOME/zkmargin (else ~/.cache/zkmargin) on Linux and other
 *      Unix, ~/Library/Caches/zkmargin on macOS, %LOCALAPPDATA%\zkmargin\Cache on Windows.
 *
 * An installed package (under node_modules) never writes into node_modules.
 */
export function defaultCacheDir(opts: CacheDirEnv = {}): string {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const p = platform === "win32" ? win32 : posix;
  const override = env.ZKMARGIN_CACHE;
  if (override !== undefined && override.trim() !== "") return p.resolve(override);
  const root = opts.root ?? packageRoot();
  if (existsSync(join(root, ".git")) && !insideNodeModules(root)) return p.join(root, ".cache", "zkmargin");
  let home = opts.home ?? safeHomedir();
  if (!home) home = p.join(tmpdir(), "zkmargin-cache");
  if (platform === "win32") {
    const local = env.LOCALAPPDATA;
    return local && p.isAbsolute(local) ? p.join(local, "zkmargin", "Cache") : p.join(home, "AppData", "Local", "zkmargin", "Cache");
  }
  if (platform === "darwin") return p.join(home, "Library", "Caches", "zkmargin");
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative $XDG_CACHE_HOME is invalid and ignored.
  return xdg && p.isAbsolute(xdg) ? p.join(xdg, "zkmargin") : p.join(home, ".cache", "zkmargin");
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return "";
  }
}

/** Where generated artifacts live (see defaultCacheDir for the rule); read on every call. */
export function cacheDir(): string {
  return defaultCacheDir();
}
