import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { toHex32 } from "../../src/crypto/poseidon.js";
import { parseBundle, verifyMargin } from "../../src/prove/verify.js";
import { vkeySha256 } from "../../src/prove/bundle.js";
import { repoFile } from "../helpers.js";

// The example page (examples/browser/, built by scripts/build-browser.mjs) in a real headless
// Chromium: upload the example parameters, paste the hedged book, prove the `small` circuit in the
// page's Web Worker, download the bundle and verify it here in Node. Chromium is Debian's package
// (`apt-get install -y chromium`; .ci/run installs it), driven by playwright-core, which never
// downloads a browser. Missing Chromium fails the test: it does not skip.

const CHROMIUM = process.env.ZKMARGIN_CHROMIUM ?? "/usr/bin/chromium";
const OUT = repoFile("build/browser");
const SCREENSHOT = repoFile(".cache/browser/screenshot.png");

type Served = Awaited<ReturnType<typeof import("../../scripts/build-browser.mjs").serveStatic>>;

describe("browser prover: the example page in headless Chromium (small circuit)", function () {
  // Building reuses the cached small setup (a fresh clone runs it first: about 3-4 minutes).
  this.timeout(900_000);

  let served: Served;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];
  const foreign: string[] = [];

  before(async function () {
    assert.ok(
      existsSync(CHROMIUM),
      `no Chromium at ${CHROMIUM}: install Debian's chromium: apt-get install -y chromium (or set ZKMARGIN_CHROMIUM to a Chromium binary)`,
    );
    const build = spawnSync(process.execPath, [repoFile("scripts/build-browser.mjs"), "--out", OUT], { cwd: repoFile(""), encoding: "utf8" });
    assert.equal(build.status, 0, `build:browser failed:\n${build.stdout}\n${build.stderr}`);
    const { serveStatic } = await import("../../scripts/build-browser.mjs");
    served = await serveStatic(OUT);
    userDataDir = mkdtempSync(join(tmpdir(), "zkmargin-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    const origin = new URL(served.url).origin;
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
    // Everything the page or its workers request (context-wide: includes the Web Workers' fetches).
    context.on("request", (r) => {
      const u = r.url();
      if (!(u.startsWith(`${origin}/`) || u.startsWith("blob:") || u.startsWith("data:")) || r.method() !== "GET" || r.postData()) {
        foreign.push(`${r.method()} ${u}`);
      }
    });
  });

  after(async () => {
    await context?.close();
    await new Promise<void>((done) => (served ? served.server.close(() => done()) : done()));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("proves the small configuration in a Web Worker, stays responsive, and the downloaded bundle verifies in Node", async () => {
    const paramsText = readFileSync(repoFile("examples/params.json"), "utf8");
    const params = parseRiskParams(JSON.parse(paramsText));
    const book = readFileSync(repoFile("examples/hedged-book.json"), "utf8");
    const contextHex = toHex32(0x5eed_c0ffee_0000_0000_0000_0000_0000_0001n);

    await page.goto(served.url);
    // The worker fetched the artifacts and checked them against the manifest.
    await page.waitForFunction(`document.getElementById("footer").textContent.includes('Circuit "small"')`, undefined, { timeout: 120_000 });
    assert.match(await page.textContent("#footer") ?? "", /INSECURE dev setup/);
    mkdirSync(repoFile(".cache/browser"), { recursive: true });
    await page.screenshot({ path: repoFile(".cache/browser/screenshot-start.png"), fullPage: true });

    // 1. Parameters: uploaded as a file.
    await page.setInputFiles("#params-file", repoFile("examples/params.json"));
    await page.waitForFunction(`document.getElementById("params-root").textContent.startsWith("0x")`);
    assert.equal(await page.textContent("#params-root"), toHex32(buildParamsTree(params).paramsRoot));

    // 2. Portfolio: pasted. 3. The statement: 1.25x with a 15,000 USD credit limit, the verifier's challenge.
    await page.fill("#portfolio", book);
    await page.fill("#health", "12500");
    await page.fill("#credit", "15000");
    await page.fill("#context", contextHex);
    await page.waitForFunction(`document.getElementById("verdict").textContent === "PASS"`);
    await page.waitForFunction(`!document.getElementById("prove").disabled`);

    // Probes: a timer on the page's main thread (gaps show a blocked page) and the status lines shown.
    // (Page code as strings: this project's TypeScript has no DOM library.)
    await page.evaluate(`{
      const probe = (window.probe = { ticks: 0, maxGap: 0, statuses: [] });
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        probe.maxGap = Math.max(probe.maxGap, now - last);
        probe.ticks++;
        last = now;
      }, 50);
      const status = document.getElementById("status");
      new MutationObserver(() => probe.statuses.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
    }`);
    const t0 = Date.now();
    await page.click("#prove");
    await page.waitForSelector("#result-card:not([hidden])", { timeout: 600_000 });
    const seconds = (Date.now() - t0) / 1000;
    const probe = (await page.evaluate("window.probe")) as { ticks: number; maxGap: number; statuses: string[] };

    // Progress events reached the page, step by step.
    const statuses = probe.statuses.join("\n");
    for (const step of [/Computing the witness/, /Loading the proving key/, /Multiexp A/, /Multiexp H/, /Proved in [\d.]+ s and verified in this page/]) {
      assert.match(statuses, step, `status lines seen:\n${statuses}`);
    }
    // The page stayed responsive: its timer kept ticking (50 ms) all through the proof.
    assert.ok(probe.maxGap < 1000, `the page's main thread stalled for ${probe.maxGap.toFixed(0)} ms while proving`);
    assert.ok(probe.ticks >= (seconds * 20) / 3, `only ${probe.ticks} timer ticks in ${seconds.toFixed(1)} s of proving`);
    assert.equal(await page.textContent("#verified-badge"), "verified · INSECURE dev key");

    // The bundle, through the page's download button.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-bundle")]);
    assert.match(download.suggestedFilename(), /^zkmargin-proof-[0-9a-f]{8}\.json$/);
    const bundle = parseBundle(JSON.parse(readFileSync((await download.path())!, "utf8")));

    // Verified in Node against the small setup's key (the one the page fetched), the parameters and the challenge.
    const manifest = JSON.parse(readFileSync(join(OUT, "artifacts/small/manifest.json"), "utf8")) as { circuitHash: string };
    const vkey = JSON.parse(readFileSync(join(OUT, "artifacts/small/verification_key.json"), "utf8")) as unknown;
    const r = await verifyMargin(bundle, vkey, { params, context: BigInt(contextHex), minHealthBps: 12500, minCreditLimitCents: 1_500_000n });
    assert.ok(r.valid, JSON.stringify(r.checks, null, 2));
    assert.equal(r.insecure, true);
    assert.equal(bundle.config, "small");
    assert.equal(bundle.circuitHash, manifest.circuitHash);
    assert.equal(bundle.setup.vkeySha256, vkeySha256(vkey));
    assert.equal(bundle.creditLimitCents, "1500000");
    assert.equal(bundle.context, contextHex);
    assert.equal(await page.textContent("#r-commitment"), bundle.commitment);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // A book that falls short shows FAIL and cannot be proven.
    await page.selectOption("#portfolio-example", "naked");
    await page.waitForFunction(`document.getElementById("verdict").textContent === "FAIL"`);
    assert.equal(await page.isDisabled("#prove"), true);
    assert.match((await page.textContent("#status")) ?? "", /does not pass at 1\.25x/);

    // Nothing left the page: every request was a GET of this origin's static files.
    assert.deepEqual(foreign, [], "requests beyond the page's own static files");
    const paths = new Set(served.requests.map((q) => q.path));
    for (const p of paths) assert.match(p, /^\/(|index\.html|style\.css|main\.js|worker\.js|favicon\.ico|artifacts\/index\.json|artifacts\/small\/(manifest\.json|main\.wasm|final\.zkey|verification_key\.json|Groth16Verifier\.sol))$/, p);
    assert.ok(served.requests.every((q) => q.method === "GET"));
    assert.deepEqual(pageErrors, [], "errors in the page's console");
  });
});
