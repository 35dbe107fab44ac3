// Types of scripts/build-browser.mjs (the browser test imports serveStatic and buildBrowser).
import type { Server } from "node:http";

export interface BuildBrowserResult {
  outDir: string;
  /** Bundle sizes in bytes, by output file (main.js, worker.js). */
  sizes: Record<string, number>;
  /** The files esbuild read. */
  inputs: string[];
  artifacts: Record<string, { dir: string; manifest: { circuitHash: string; insecure: boolean; files: Record<string, { sha256: string; bytes: number }> } }>;
}

export function buildBrowser(opts?: { outDir?: string; configs?: string[]; minify?: boolean; progress?: (message: string) => void }): Promise<BuildBrowserResult>;

export function serveStatic(dir: string, port?: number): Promise<{ server: Server; url: string; requests: { method: string; path: string }[] }>;
