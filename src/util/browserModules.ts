/**
 * For the browser entry (src/browser.ts calls it as it loads): a browser has no `require`, so the
 * modules lazyRequire.ts loads on first use in Node are imported here, as any import, and provided
 * to it. (A function, not a bare import: the package is marked free of side effects.)
 */
import { Ajv } from "ajv";
import * as poseidonLite from "poseidon-lite";
import { provideModule } from "./lazyRequire.js";

export function provideBrowserModules(): void {
  provideModule("ajv", { Ajv });
  for (let n = 1; n <= 16; n++) {
    const name = `poseidon${n}`;
    provideModule(`poseidon-lite/${name}`, { [name]: (poseidonLite as unknown as Record<string, unknown>)[name] });
  }
}
