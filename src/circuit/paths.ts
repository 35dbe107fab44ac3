import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
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

/** Folder holding circomlib (for `-l`). */
export function nodeModulesFor(pkg: string): string {
  return dirname(dirname(require.resolve(`${pkg}/package.json`)));
}

export function circom2Cli(): string {
  return join(nodeModulesFor("circom2"), "circom2", "cli.js");
}

/** Where generated artifacts live: $ZKMARGIN_CACHE, else <package root>/.cache/zkmargin. */
export function cacheDir(): string {
  return resolve(process.env.ZKMARGIN_CACHE ?? join(packageRoot(), ".cache", "zkmargin"));
}
