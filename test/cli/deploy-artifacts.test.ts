import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, cpSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cacheDir } from "../../src/circuit/paths.js";
import { runCli } from "../../src/cli/main.js";
import { getConfig } from "../../src/config/circuits.js";
import { exportArtifacts } from "../../src/prove/artifacts.js";
import { releaseCurve, setupCircuit } from "../../setup/groth16.js";
import { repoFile } from "../helpers.js";

async function zk(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, { out: (s) => (out += s.endsWith("\n") ? s : `${s}\n`), err: (s) => (err += s.endsWith("\n") ? s : `${s}\n`) });
  return { code, out, err };
}
const PARAMS = repoFile("examples/params.json");
const BOOK = repoFile("examples/hedged-book.json");
const sha256 = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

// Deploy from exported artifacts (issue 16 part 4) and parameters by root through the CLI (part 2):
// artifacts exported from the cached small and small-verified setups, then with an EMPTY cache (no
// setup, no compiled contracts): `chain deploy --artifacts` (a folder, a file:// URL, an http URL on
// loopback), the manifest hashes in the record, a tampered artifact refused; the oracle posts the
// parameters with --uri, the prover fetches them (`chain params`), proves with the artifacts and
// submits. In-process (runCli) except the progress check, which runs the CLI with stderr a pipe.
describe("cli: chain deploy --artifacts (no local setup), chain post-params --uri and chain params", function () {
  this.timeout(1_800_000);
  const dir = mkdtempSync(join(tmpdir(), "zkm-deploy-artifacts-"));
  const art = join(dir, "artifacts");
  const empty = join(dir, "empty-cache");
  const deployment = join(dir, "deployment.json");
  const saved = process.env.ZKMARGIN_CACHE;
  const savedProgress = process.env.ZKMARGIN_PROGRESS;
  const chain = (...args: string[]) => zk("chain", ...args, "--deployment", deployment);
  let server: Server;
  let base: string;

  before(async () => {
    // the setups live in the shared cache (the global fixture made them); export them, then switch to an empty cache
    await setupCircuit(getConfig("small"));
    await setupCircuit(getConfig("small-verified"));
    await exportArtifacts(getConfig("small"), join(art, "small"));
    await exportArtifacts(getConfig("small-verified"), join(art, "small-verified"));
    assert.notEqual(resolve(cacheDir()), resolve(empty));
    mkdirSync(empty, { recursive: true });
    process.env.ZKMARGIN_CACHE = empty;
    process.env.ZKMARGIN_PROGRESS = "0"; // in-process deploys print no progress into the test's output (checked in a child process below)
    // a static file server on loopback: the artifacts under /artifacts/, the parameters at /params.json
    server = createServer((req, res) => {
      const url = decodeURIComponent((req.url ?? "/").split("?")[0]!);
      const file = url === "/params.json" ? PARAMS : url.startsWith("/artifacts/") ? normalize(join(dir, url)) : undefined;
      if (!file || (file !== PARAMS && !file.startsWith(art)) || !existsSync(file) || !statSync(file).isFile()) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader("content-length", String(statSync(file).size));
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (saved === undefined) delete process.env.ZKMARGIN_CACHE;
    else process.env.ZKMARGIN_CACHE = saved;
    if (savedProgress === undefined) delete process.env.ZKMARGIN_PROGRESS;
    else process.env.ZKMARGIN_PROGRESS = savedProgress;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await releaseCurve();
    rmSync(dir, { recursive: true, force: true });
  });

  it("without a setup and without --artifacts, deploy says to run setup or pass --artifacts", async () => {
    const r = await chain("deploy");
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /no trusted setup for the "small" circuit/);
  });

  it("deploys both verifiers from an artifacts folder with an empty cache; the record carries each manifest's sha256", async () => {
    const r = await chain("deploy", "--artifacts", art, "--require-verified");
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /verified\s+0x[0-9a-fA-F]{40}\s+\([0-9]+ gas; small-verified proofs/);
    assert.match(r.out, /artifacts\s+small: .*manifest sha256 [0-9a-f]{64}/);
    const rec = JSON.parse(readFileSync(deployment, "utf8"));
    assert.equal(rec.config, "small");
    assert.equal(rec.artifacts.manifestSha256, sha256(join(art, "small", "manifest.json")));
    assert.equal(rec.artifacts.source, join(art, "small"));
    assert.equal(rec.verified.config, "small-verified");
    assert.equal(rec.verified.artifacts.manifestSha256, sha256(join(art, "small-verified", "manifest.json")));
    const m = JSON.parse(readFileSync(join(art, "small", "manifest.json"), "utf8"));
    assert.equal(rec.circuitHash, m.circuitHash);
    assert.equal(rec.policy.requireVerified, true);
    assert.ok(!existsSync(join(empty, "setup")), "no setup was made in the empty cache");
  });

  it("the oracle posts the parameters with --uri; the prover fetches them (chain params), proves with the artifacts and submits", async () => {
    // self-declared proofs: redeploy without --require-verified, each folder given on its own
    const r = await chain("deploy", "--artifacts", join(art, "small"), "--artifacts", join(art, "small-verified"));
    assert.equal(r.code, 0, r.out + r.err);
    const post = await chain("post-params", PARAMS, "--uri", `${base}/params.json`, "--json");
    assert.equal(post.code, 0, post.out + post.err);
    assert.equal(JSON.parse(post.out).uri, `${base}/params.json`);
    const fetched = join(dir, "fetched-params.json");
    const f = await chain("params", "-o", fetched);
    assert.equal(f.code, 0, f.out + f.err);
    assert.match(f.out, /fetched epoch 7 from http:\/\/127\.0\.0\.1:[0-9]+\/params\.json: root 0x[0-9a-f]{64} is the posted root/);
    assert.equal(readFileSync(fetched, "utf8"), readFileSync(PARAMS, "utf8"));

    const c = JSON.parse((await chain("context", "--json")).out) as { context: string; account: string };
    const ctx = c.context;
    const proof = join(dir, "proof.json");
    const p = await zk("prove", "--params", fetched, "--portfolio", BOOK, "--health-bps", "12500", "--context", ctx, "--artifacts", join(art, "small"), "-o", proof);
    assert.equal(p.code, 0, p.out + p.err);
    const s = await chain("submit", proof);
    assert.equal(s.code, 0, s.out + s.err);
    assert.match(s.out, /^attested 0x[0-9a-fA-F]{40}: health >= 12500 bps/);
    const st = await chain("status", c.account);
    assert.equal(st.code, 0, st.out + st.err);
    assert.match(st.out, /HEALTHY at 10000 bps/);
    assert.ok(!existsSync(join(empty, "setup")), "no setup was made in the empty cache");
  });

  it("a file whose root is not the posted one is refused, naming both roots", async () => {
    const other = join(dir, "other-params.json");
    const j = JSON.parse(readFileSync(PARAMS, "utf8"));
    j.maxStatementAge = 7200; // same epoch, another root
    writeFileSync(other, JSON.stringify(j, null, 2));
    assert.equal((await chain("set-params-uri", "7", pathToFileURL(other).href)).code, 0);
    const f = await chain("params", "-o", join(dir, "refused.json"));
    assert.equal(f.code, 2, f.out + f.err);
    assert.match(f.err, /has root 0x[0-9a-f]{64} \(epoch 7\), but the registry posted root 0x[0-9a-f]{64} for epoch 7: refusing it/);
    assert.ok(!existsSync(join(dir, "refused.json")));
  });

  it("deploys from a file:// URL and from an http URL on loopback (the record names the URL)", async () => {
    const fileDeployment = join(dir, "deployment-file.json");
    const a = await zk("chain", "deploy", "--artifacts", pathToFileURL(join(art, "small")).href, "--no-verified", "--deployment", fileDeployment);
    assert.equal(a.code, 0, a.out + a.err);
    assert.equal(JSON.parse(readFileSync(fileDeployment, "utf8")).artifacts.manifestSha256, sha256(join(art, "small", "manifest.json")));
    const httpDeployment = join(dir, "deployment-http.json");
    const b = await zk(
      "chain",
      "deploy",
      "--artifacts",
      `${base}/artifacts/small/`,
      "--artifacts",
      `${base}/artifacts/small-verified`,
      "--deployment",
      httpDeployment,
    );
    assert.equal(b.code, 0, b.out + b.err);
    const rec = JSON.parse(readFileSync(httpDeployment, "utf8"));
    assert.equal(rec.artifacts.source, `${base}/artifacts/small/`);
    assert.equal(rec.artifacts.manifestSha256, sha256(join(art, "small", "manifest.json")));
    assert.equal(rec.verified.artifacts.source, `${base}/artifacts/small-verified/`);
  });

  it("refuses tampered artifacts: a verifier that does not match the manifest, a manifest pointing at another verifier", async () => {
    const bad = join(dir, "tampered");
    cpSync(join(art, "small"), bad, { recursive: true });
    appendFileSync(join(bad, "Groth16Verifier.sol"), "\n// changed\n");
    const r = await zk("chain", "deploy", "--artifacts", bad, "--deployment", join(dir, "deployment-bad.json"));
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /Groth16Verifier\.sol in ".*tampered" does not match its manifest: [0-9]+ bytes, the manifest says [0-9]+; the file was changed or corrupted: refusing it/);
    assert.ok(!existsSync(join(dir, "deployment-bad.json")));
    // the verifier of another setup, with the manifest's hash updated to match: its constants are not the key's
    const swapped = join(dir, "swapped");
    cpSync(join(art, "small"), swapped, { recursive: true });
    const sol = readFileSync(join(swapped, "Groth16Verifier.sol"), "utf8").replace(/(uint256 constant deltax1 = )([0-9]+)/, (_, p: string, n: string) => `${p}${BigInt(n) + 1n}`);
    writeFileSync(join(swapped, "Groth16Verifier.sol"), sol);
    const m = JSON.parse(readFileSync(join(swapped, "manifest.json"), "utf8"));
    m.files["Groth16Verifier.sol"] = { sha256: createHash("sha256").update(sol).digest("hex"), bytes: Buffer.byteLength(sol) };
    writeFileSync(join(swapped, "manifest.json"), JSON.stringify(m, null, 2));
    const s = await zk("chain", "deploy", "--artifacts", swapped, "--deployment", join(dir, "deployment-bad.json"));
    assert.equal(s.code, 2, s.out + s.err);
    assert.match(s.err, /Groth16Verifier\.sol in ".*swapped" is not the verifier of its verification_key\.json \(constant deltax1 differs\): refusing it/);
  });

  it("prints progress lines while it compiles and deploys when stderr is not a terminal", function () {
    const fresh = join(dir, "fresh-cache");
    mkdirSync(fresh);
    const script = `import { runCli } from ${JSON.stringify(pathToFileURL(repoFile("src/cli/main.ts")).href)}; process.exitCode = await runCli(process.argv.slice(1));`;
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, "chain", "deploy", "--artifacts", join(art, "small"), "--no-verified", "--deployment", join(dir, "deployment-progress.json")],
      { encoding: "utf8", env: { ...process.env, ZKMARGIN_CACHE: fresh, ZKMARGIN_PROGRESS: "", CI: "1" }, timeout: 600_000 },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^\[deploy +[0-9.]+ s\] compiling the pool's contracts \([0-9]+ Solidity sources\) with solc-js [0-9.]+: not cached yet/m);
    assert.match(r.stderr, /^\[deploy +[0-9.]+ s\] compiled the pool's contracts in [0-9.]+ s$/m);
    assert.match(r.stderr, /^\[deploy +[0-9.]+ s\] compiled the verifier in [0-9.]+ s$/m);
    assert.match(r.stderr, /^\[deploy +[0-9.]+ s\] deployed MarginAttestations at 0x[0-9a-fA-F]{40} \([0-9]+ gas\)$/m);
    assert.match(r.stdout, /^deployed on chain/m);
  });
});
