/**
 * Called by the Node entry points as they load (the package root, zkmargin/chain, zkmargin/agent,
 * the CLI): gives lazyRequire.ts node:module's createRequire, so dependencies load on first use on
 * every Node version (without it, Node >= 20.16's process.getBuiltinModule is used). A function,
 * not a bare import: the package is marked free of side effects.
 */
import { createRequire } from "node:module";
import { useCreateRequire } from "./lazyRequire.js";

export function useNodeRequire(): void {
  useCreateRequire(createRequire);
}
