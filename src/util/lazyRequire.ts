/**
 * Synchronous loading of CommonJS dependencies on first use (CLI start-up): Poseidon's round
 * constants one arity at a time (poseidon-lite decodes every arity's constants when its index
 * loads, 0.1-0.2 s), ajv only when a schema has no validator generated at build time. An ES module
 * cannot import synchronously, so in Node this goes through a `require` function made for this file
 * by node:module's createRequire: the one a Node entry point gave (useCreateRequire), else the one of
 * `process.getBuiltinModule("node:module")` (Node >= 20.16). Where neither exists (a browser), the
 * browser entry (src/browser.ts) provides the modules themselves (provideModule), loaded as usual.
 */

type Require = (id: string) => unknown;
type CreateRequire = (from: string) => Require;
let nodeRequire: Require | null | undefined;
const provided = new Map<string, unknown>();

/** Give the module `id` itself (the browser entry does, for every module loaded here). */
export function provideModule(id: string, mod: unknown): void {
  provided.set(id, mod);
}

/** Give node:module's createRequire (a Node entry point does: src/util/nodeRequire.ts). */
export function useCreateRequire(createRequire: CreateRequire): void {
  nodeRequire ??= createRequire(import.meta.url);
}

function findRequire(): Require | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.("node:module") as { createRequire: CreateRequire } | undefined;
  return mod ? mod.createRequire(import.meta.url) : null;
}

/**
 * The module `id` (a package path such as "poseidon-lite/poseidon2", resolved from this package),
 * loaded now if it was not provided. Throws when it cannot be loaded.
 */
export function lazyRequire<T>(id: string): T {
  if (provided.has(id)) return provided.get(id) as T;
  nodeRequire ??= findRequire();
  if (!nodeRequire) throw new Error(`cannot load ${id}: no require here (Node before 20.16 without zkmargin's entry point, or a browser without zkmargin/browser)`);
  return nodeRequire(id) as T;
}

/**
 * Like lazyRequire, for an optional file of this package's build (dist/src/util/<file>): undefined
 * when it is not there (a build without it, the TypeScript sources under tsx, a browser).
 */
export function optionalBuildFile<T>(file: string): T | undefined {
  nodeRequire ??= findRequire();
  if (!nodeRequire) return undefined;
  try {
    return nodeRequire(`./${file}`) as T;
  } catch {
    return undefined;
  }
}
