import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoFile } from "../helpers.js";

// The committed package-lock.json is what `npm install` on a clean clone would write: no field of
// its root entry drifts from package.json (e.g. `hasInstallScript`, which npm sets when the package
// has an install script), and npm itself, asked to update the lock file from package.json, leaves
// it byte for byte as it is.

const lock = () => JSON.parse(readFileSync(repoFile("package-lock.json"), "utf8"));
const pkg = () => JSON.parse(readFileSync(repoFile("package.json"), "utf8"));

describe("package-lock.json: a clean `npm install` leaves it unchanged", function () {
  this.timeout(180_000);

  it("its root entry says what package.json says (version, dependencies, engines, bin, install script)", () => {
    const p = pkg();
    const root = lock().packages[""];
    assert.equal(root.name, p.name);
    assert.equal(root.version, p.version);
    assert.deepEqual(root.dependencies, p.dependencies);
    assert.deepEqual(root.devDependencies, p.devDependencies);
    assert.deepEqual(root.peerDependencies, p.peerDependencies);
    assert.deepEqual(root.engines, p.engines);
    assert.deepEqual(root.bin, p.bin);
    const installScripts = ["preinstall", "install", "postinstall"].filter((s) => p.scripts?.[s] !== undefined);
    assert.equal(
      root.hasInstallScript === true,
      installScripts.length > 0,
      `package.json's install scripts: ${installScripts.join(", ") || "none"}; package-lock.json's hasInstallScript: ${String(root.hasInstallScript)}`,
    );
  });

  it("`npm install --package-lock-only` over package.json and the lock file changes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "zkm-lock-"));
    try {
      copyFileSync(repoFile("package.json"), join(dir, "package.json"));
      copyFileSync(repoFile("package-lock.json"), join(dir, "package-lock.json"));
      // npm's own environment only: not the variables of the `npm test` that runs this.
      const env: NodeJS.ProcessEnv = {};
      const keep = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig", "npm_config_globalconfig"]);
      for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || keep.has(k.toLowerCase())) env[k] = v;
      const r = spawnSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], {
        cwd: dir,
        env,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, `npm install --package-lock-only failed:\n${r.stdout}\n${r.stderr}`);
      const before = readFileSync(repoFile("package-lock.json"), "utf8");
      const after = readFileSync(join(dir, "package-lock.json"), "utf8");
      if (after !== before) {
        const a = before.split("\n");
        const b = after.split("\n");
        const i = a.findIndex((line, k) => line !== b[k]);
        assert.fail(`npm rewrites package-lock.json; first difference at line ${i + 1}:\n  committed: ${a[i]}\n  npm:       ${b[i]}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
