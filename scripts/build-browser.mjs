#!/usr/bin/env node
// Build the browser example (examples/browser/) into build/browser/ (git-ignored), and serve it:
//
//   index.html, style.css          the page
//   main.js                        the page's script (UI only)
//   worker.js                      the prover's module Web Worker (zkmargin/browser + snarkjs's browser build)
//   artifacts/index.json           the circuits the page offers: { "configs": ["small"] }
//   artifacts/<config>/            manifest.json, main.wasm, final.zkey, verification_key.json
//                                  (exportArtifacts; each file's sha256 in the manifest)
//
// The setup of each configuration comes from setup/groth16.ts (cached in .cache/zkmargin; the first
// run of the small circuit's INSECURE dev setup takes 2-3 minutes). The page must come over HTTP (a
// module Web Worker does not load from file://): `--serve` serves the folder on 127.0.0.1 (any static
// server will do). Nothing the page does leaves it: its CSP allows fetches from its own origin only.
//
//   npm run build:browser [-- --out build/browser] [--config small] [--no-minify] [--serve [port]]
import { createReadStream, cpSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { tsImport } from "tsx/esm/api";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "examples", "browser");

/**
 * Build the page into `outDir` with the artifacts of `configs`. Returns what was written, with the
 * bundles' sizes and the inputs esbuild read (for checks such as "no Node built-ins").
 */
export async function buildBrowser({ outDir = join(root, "build", "browser"), configs = ["small"], minify = true, progress = () => {} } = {}) {
  const out = resolve(outDir);
  // Fresh page files; artifacts are rewritten below (exportArtifacts replaces a folder's files).
  for (const f of ["index.html", "style.css", "main.js", "main.js.map", "worker.js", "worker.js.map"]) rmSync(join(out, f), { force: true });
  mkdirSync(out, { recursive: true });

  progress("bundling examples/browser (esbuild, platform browser)...");
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: join(src, "main.ts"), worker: join(src, "worker.ts") },
    outdir: out,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify,
    sourcemap: "linked",
    legalComments: "none",
    metafile: true,
    logLevel: "silent",
  });
  for (const f of ["index.html", "style.css"]) cpSync(join(src, f), join(out, f));

  const { getConfig } = await tsImport("../src/config/circuits.ts", import.meta.url);
  const { setupCircuit, releaseCurve } = await tsImport("../setup/groth16.ts", import.meta.url);
  const { exportArtifacts } = await tsImport("../src/prove/artifacts.ts", import.meta.url);
  const artifacts = {};
  try {
    for (const name of configs) {
      const config = getConfig(name);
      if ((config.statementSlots ?? 0) > 0) throw new Error(`"${name}" is a verified-mode circuit; the browser page proves self-declared books`);
      await setupCircuit(config, { progress }); // cached: instant when the setup exists
      const dir = join(out, "artifacts", name);
      const r = await exportArtifacts(config, dir, { progress });
      artifacts[name] = { dir: r.dir, manifest: r.manifest };
      progress(`artifacts of "${name}" in ${relative(root, dir)}`);
    }
  } finally {
    await releaseCurve();
  }
  writeFileSync(join(out, "artifacts", "index.json"), `${JSON.stringify({ configs }, null, 2)}\n`);

  const sizes = Object.fromEntries(
    Object.entries(result.metafile.outputs)
      .filter(([f]) => f.endsWith(".js"))
      .map(([f, o]) => [relative(out, resolve(root, f)), o.bytes]),
  );
  return { outDir: out, sizes, inputs: Object.keys(result.metafile.inputs), artifacts };
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".zkey": "application/octet-stream",
  ".sol": "text/plain; charset=utf-8",
};

/**
 * Serve `dir` over HTTP on 127.0.0.1 (port 0: a free one). GET and HEAD of files under `dir` only.
 * Resolves to { server, url }; `requests` records every request (method and path).
 */
export function serveStatic(dir, port = 0) {
  const base = resolve(dir);
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    requests.push({ method: req.method, path });
    const file = resolve(base, `.${path.endsWith("/") ? `${path}index.html` : path}`);
    let size = -1;
    try {
      if (file === base || file.startsWith(base + sep)) size = statSync(file).isFile() ? statSync(file).size : -1;
    } catch {
      size = -1;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (size < 0) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    } else {
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": size, "cache-control": "no-cache" });
      if (req.method === "HEAD") res.end();
      else createReadStream(file).pipe(res);
    }
  });
  return new Promise((resolveServe, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address();
      resolveServe({ server, url: `http://127.0.0.1:${p}/`, requests });
    });
  });
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const configs = args.flatMap((a, i) => (args[i - 1] === "--config" ? [a] : []));
  const t = Date.now();
  const r = await buildBrowser({
    outDir: opt("--out") ?? join(root, "build", "browser"),
    configs: configs.length ? configs : ["small"],
    minify: !args.includes("--no-minify"),
    progress: (m) => process.stderr.write(`${m}\n`),
  });
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(
    [
      `built ${relative(process.cwd(), r.outDir) || "."} in ${((Date.now() - t) / 1000).toFixed(1)} s`,
      ...Object.entries(r.sizes).map(([f, n]) => `  ${f}  ${kb(n)}`),
      ...Object.entries(r.artifacts).map(([name, a]) => `  artifacts/${name}/  ${Object.entries(a.manifest.files).map(([f, x]) => `${f} ${kb(x.bytes)}`).join(", ")}${a.manifest.insecure ? "  (INSECURE dev setup)" : ""}`),
    ].join("\n"),
  );
  if (args.includes("--serve")) {
    const port = Number(opt("--serve")) || 8080;
    const { url } = await serveStatic(r.outDir, port);
    console.log(`serving ${relative(process.cwd(), r.outDir)} at ${url} (Ctrl-C to stop)`);
  } else {
    console.log(`open it over HTTP: npm run build:browser -- --serve (http://127.0.0.1:8080/), or any static server`);
  }
}
