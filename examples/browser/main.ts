/**
 * The page: inputs, the margin breakdown, progress and downloads. All proving and checking happens in
 * the Web Worker (worker.ts); this thread only draws, so it stays responsive while a proof runs.
 */
import type { CommitmentOpening, MarginReportJson, ProofBundle } from "../../src/browser.js";
import exampleParams from "../params.json";
import hedgedBook from "../hedged-book.json";
import nakedBook from "../naked-short-calls.json";
import type { FromWorker, ProveRequest, ToWorker, WorkerError } from "./protocol.js";

const EXAMPLE_BOOKS: Record<string, unknown> = { hedged: hedgedBook, naked: nakedBook };

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};

const ui = {
  paramsFile: $<HTMLInputElement>("params-file"),
  paramsExample: $<HTMLButtonElement>("params-example"),
  paramsSummary: $("params-summary"),
  paramsError: $("params-error"),
  portfolioFile: $<HTMLInputElement>("portfolio-file"),
  portfolioExample: $<HTMLSelectElement>("portfolio-example"),
  portfolio: $<HTMLTextAreaElement>("portfolio"),
  portfolioError: $("portfolio-error"),
  health: $<HTMLInputElement>("health"),
  healthX: $("health-x"),
  credit: $<HTMLInputElement>("credit"),
  context: $<HTMLInputElement>("context"),
  contextNew: $<HTMLButtonElement>("context-new"),
  statementError: $("statement-error"),
  prove: $<HTMLButtonElement>("prove"),
  bar: $("bar"),
  status: $("status"),
  elapsed: $("elapsed"),
  verdict: $("verdict"),
  marginEmpty: $("margin-empty"),
  margin: $("margin"),
  result: $("result-card"),
  footer: $("footer"),
};

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const send = (m: ToWorker) => worker.postMessage(m);

const state = {
  params: undefined as { text: string; source: string; ok: boolean } | undefined,
  report: undefined as MarginReportJson | undefined,
  checkError: undefined as WorkerError | undefined,
  loaded: false,
  proving: false,
  proof: undefined as { bundle: ProofBundle; opening: CommitmentOpening } | undefined,
  paramsId: 0,
  checkId: 0,
};

// ---------------------------------------------------------------------------------------------
// Formatting

/** An 8-place USD string from the engine, rounded half away from zero to cents, with separators. */
function usd(x: string): string {
  const neg = x.startsWith("-");
  const [int = "0", frac = ""] = x.replace(/^-/, "").split(".");
  let cents = BigInt(int) * 100n + BigInt((frac + "00000000").slice(0, 2));
  if (Number((frac + "00000000")[2]) >= 5) cents += 1n;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg && cents !== 0n ? "−" : ""}$${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** a - b for two 8-place decimal strings, exactly. */
function sub8(a: string, b: string): string {
  const v = (s: string) => {
    const neg = s.startsWith("-");
    const [i = "0", f = ""] = s.replace(/^-/, "").split(".");
    const x = BigInt(i) * 10n ** 8n + BigInt((f + "00000000").slice(0, 8));
    return neg ? -x : x;
  };
  const d = v(a) - v(b);
  const m = d < 0n ? -d : d;
  return `${d < 0n ? "-" : ""}${m / 10n ** 8n}.${(m % 10n ** 8n).toString().padStart(8, "0")}`;
}

const times = (bps: number) => `${(bps / 10000).toFixed(bps % 100 === 0 ? 2 : 4)}x`;

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(...cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.append(...cells);
  return tr;
}

function showError(el: HTMLElement, message: string | undefined): void {
  el.hidden = !message;
  el.textContent = message ?? "";
}

function randomChallenge(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(31)); // 248 bits: below the field modulus
  return `0x${[0, ...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderReport(r: MarginReportJson | undefined): void {
  ui.marginEmpty.hidden = !!r;
  ui.margin.hidden = !r;
  ui.verdict.hidden = !r;
  if (!r) return;
  ui.verdict.textContent = r.ok ? "PASS" : "FAIL";
  ui.verdict.className = `badge ${r.ok ? "ok" : "bad"}`;
  const required = sub8(r.adjustedCollateral, r.excess);
  $("m-value").textContent = usd(r.collateralValue);
  $("m-adjusted").textContent = usd(r.adjustedCollateral);
  $("m-requirement").textContent = usd(r.requirement);
  $("m-credit").textContent = usd(r.creditLimit);
  $("m-required-label").textContent = `Required at ${times(r.healthBps)} (requirement + credit limit)`;
  $("m-required").textContent = usd(required);
  $("m-excess-label").textContent = r.ok ? "Excess" : "Shortfall";
  const excess = $("m-excess");
  excess.textContent = usd(r.excess.replace(/^-/, ""));
  excess.className = r.ok ? "pos" : "neg";
  $("m-health").textContent = r.actualHealthBps === null ? "unbounded (nothing required)" : times(r.actualHealthBps);

  $("m-groups").replaceChildren(
    ...r.groups.map((g) =>
      row(cell(g.group), cell(usd(g.scanRisk)), cell(g.scenarios[g.worstScenario]?.label ?? String(g.worstScenario)), cell(usd(g.shortOptionMinimum)), cell(usd(g.requirement))),
    ),
  );
  if (r.groups.length === 0) $("m-groups").replaceChildren(row(cell("no positions"), cell(""), cell(""), cell(""), cell("")));
  $("m-collateral").replaceChildren(...r.collateral.map((c) => row(cell(c.symbol), cell(c.amount), cell(usd(c.value)), cell(usd(c.adjusted)))));
  if (r.collateral.length === 0) $("m-collateral").replaceChildren(row(cell("none"), cell(""), cell(""), cell("")));
  $("m-positions").replaceChildren(
    ...r.positions.map((p) => {
      // worstScenarioLoss is a loss: negative is a gain in that scenario.
      const gain = p.worstScenarioLoss.startsWith("-");
      const pnl = usd(p.worstScenarioLoss.replace(/^-/, ""));
      return row(cell(p.symbol), cell(p.quantity), cell(p.group), cell(gain ? `+${pnl}` : `−${pnl}`, gain ? "pos" : "neg"));
    }),
  );
  if (r.positions.length === 0) $("m-positions").replaceChildren(row(cell("none"), cell(""), cell(""), cell("")));
}

function setProgress(fraction: number, message: string): void {
  ui.bar.style.width = `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
  ui.status.textContent = message;
}

/** Whether a proof can start now, and if not, why (shown as the status while idle). */
function readiness(): string | undefined {
  if (!state.loaded) return "Loading the circuit…";
  if (!state.params) return "Load the risk parameters (step 1).";
  if (!state.params.ok) return "The risk parameters are not valid.";
  if (ui.portfolio.value.trim() === "") return "Paste or upload a portfolio (step 2).";
  if (state.checkError) return "Fix the input above.";
  if (!state.report) return "Checking…";
  if (!state.report.ok) return `This book does not pass at ${times(state.report.healthBps)}: there is nothing to prove.`;
  if (!/^(0x[0-9a-fA-F]{1,64}|0|[1-9][0-9]{0,77})$/.test(ui.context.value.trim())) return "Enter the verifier's challenge (context).";
  return undefined;
}

function refresh(): void {
  const why = readiness();
  ui.prove.disabled = state.proving || why !== undefined;
  if (!state.proving) {
    if (why) setProgress(0, why);
    else if (!state.proof) setProgress(0, "Ready to prove.");
  }
  const bps = Number(ui.health.value);
  ui.healthX.textContent = Number.isInteger(bps) && bps > 0 ? `${times(bps)} the requirement` : "basis points: 10000 = 1.0x";
}

// ---------------------------------------------------------------------------------------------
// Inputs

function setParams(text: string, source: string): void {
  state.params = { text, source, ok: false };
  state.report = undefined;
  send({ type: "params", id: ++state.paramsId, text });
}

function checkNow(): void {
  state.report = undefined;
  state.checkError = undefined;
  showError(ui.portfolioError, undefined);
  showError(ui.statementError, undefined);
  if (!state.params?.ok || ui.portfolio.value.trim() === "") {
    renderReport(undefined);
    refresh();
    return;
  }
  send({
    type: "check",
    id: ++state.checkId,
    request: { params: state.params.text, portfolio: ui.portfolio.value, healthBps: Number(ui.health.value), creditLimit: ui.credit.value },
  });
  refresh();
}

let checkTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleCheck(): void {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(checkNow, 150);
}

function placeError(e: WorkerError): void {
  const statementPaths = ["healthBps", "creditLimit", "context", "--health-bps"];
  if (e.path && statementPaths.includes(e.path)) showError(ui.statementError, e.message);
  else showError(ui.portfolioError, e.path ? `${e.path}: ${e.message}` : e.message);
}

async function readFile(input: HTMLInputElement): Promise<{ text: string; name: string } | undefined> {
  const file = input.files?.[0];
  input.value = "";
  return file ? { text: await file.text(), name: file.name } : undefined;
}

ui.paramsFile.addEventListener("change", async () => {
  const f = await readFile(ui.paramsFile);
  if (f) setParams(f.text, f.name);
});
ui.paramsExample.addEventListener("click", () => setParams(JSON.stringify(exampleParams, null, 2), "example parameters (examples/params.json)"));
ui.portfolioFile.addEventListener("change", async () => {
  const f = await readFile(ui.portfolioFile);
  if (f) {
    ui.portfolio.value = f.text;
    checkNow();
  }
});
ui.portfolioExample.addEventListener("change", () => {
  const book = EXAMPLE_BOOKS[ui.portfolioExample.value];
  ui.portfolioExample.value = "";
  if (book) {
    ui.portfolio.value = JSON.stringify(book, null, 2);
    checkNow();
  }
});
for (const el of [ui.portfolio, ui.health, ui.credit]) el.addEventListener("input", scheduleCheck);
ui.context.addEventListener("input", refresh);
ui.contextNew.addEventListener("click", () => {
  ui.context.value = randomChallenge();
  refresh();
});

// ---------------------------------------------------------------------------------------------
// Proving

let started = 0;
function tick(): void {
  if (!state.proving) return;
  ui.elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`;
  requestAnimationFrame(tick);
}

function setInputsDisabled(disabled: boolean): void {
  for (const el of [ui.paramsFile, ui.paramsExample, ui.portfolioFile, ui.portfolioExample, ui.portfolio, ui.health, ui.credit, ui.context, ui.contextNew]) {
    (el as HTMLInputElement).disabled = disabled;
  }
}

ui.prove.addEventListener("click", () => {
  if (readiness() !== undefined || state.proving || !state.params) return;
  const request: ProveRequest = {
    params: state.params.text,
    portfolio: ui.portfolio.value,
    healthBps: Number(ui.health.value),
    creditLimit: ui.credit.value,
    context: ui.context.value.trim(),
  };
  state.proving = true;
  state.proof = undefined;
  ui.result.hidden = true;
  setInputsDisabled(true);
  started = performance.now();
  setProgress(0, "Starting…");
  requestAnimationFrame(tick);
  refresh();
  send({ type: "prove", request });
});

function download(name: string, value: unknown): void {
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$("download-bundle").addEventListener("click", () => {
  if (state.proof) download(`zkmargin-proof-${state.proof.bundle.commitment.slice(2, 10)}.json`, state.proof.bundle);
});
$("download-opening").addEventListener("click", () => {
  if (!state.proof) return;
  const ok = window.confirm(
    "The opening holds the salt and your holdings: whoever has it can see the portfolio. Give it only to an attestor or auditor you trust. Download it?",
  );
  if (ok) download(`zkmargin-opening-${state.proof.bundle.commitment.slice(2, 10)}.PRIVATE.json`, state.proof.opening);
});

function showProof(m: Extract<FromWorker, { type: "proved" }>): void {
  state.proof = { bundle: m.bundle, opening: m.opening };
  const b = m.bundle;
  ui.result.hidden = false;
  const badge = $("verified-badge");
  badge.textContent = m.verification.valid ? (m.verification.insecure ? "verified · INSECURE dev key" : "verified") : "NOT valid";
  badge.className = `badge ${m.verification.valid ? (m.verification.insecure ? "warn" : "ok") : "bad"}`;
  $("verified").textContent = m.verification.valid
    ? "Checked in this page as a verifier would: the Groth16 proof against the verification key, the parameters' root and your challenge." +
      (m.verification.insecure ? " The key is from the INSECURE dev setup: fine for trying this out, worthless as evidence." : "")
    : `The bundle did not verify: ${m.verification.checks.filter((c) => !c.ok).map((c) => c.detail).join("; ")}`;
  $("r-config").textContent = `${b.config} (circuit ${b.circuitHash.slice(0, 12)}…)`;
  const cents = BigInt(b.creditLimitCents);
  $("r-statement").textContent = `health ≥ ${times(b.healthBps)} with a credit limit of ${usd(`${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`)}`;
  $("r-root").textContent = b.paramsRoot;
  $("r-commitment").textContent = b.commitment;
  $("r-context").textContent = b.context;
  $("r-time").textContent = `${m.seconds.total.toFixed(1)} s (witness input ${m.seconds.witnessInput.toFixed(2)} s, proof ${m.seconds.prove.toFixed(1)} s)`;
}

// ---------------------------------------------------------------------------------------------
// The worker's answers

worker.addEventListener("message", (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case "progress": {
      const p = m.progress;
      if (p.stage === "load") setProgress(p.fraction, p.message.replace(/^./, (c) => c.toUpperCase()));
      else if (state.proving) setProgress(p.fraction, `${p.message.replace(/^./, (c) => c.toUpperCase())}…`);
      return;
    }
    case "loaded":
      state.loaded = true;
      ui.footer.textContent =
        `Circuit "${m.config}" (${(m.bytes / 1e6).toFixed(1)} MB of proving artifacts, checked against their manifest), circuit hash ${m.circuitHash.slice(0, 16)}…` +
        (m.insecure ? ". INSECURE dev setup: proofs are for development only." : `. Setup: ${m.label}.`);
      refresh();
      return;
    case "params":
      if (m.id !== state.paramsId || !state.params) return;
      state.params.ok = !!m.summary;
      ui.paramsSummary.hidden = !m.summary;
      showError(ui.paramsError, m.error ? `${m.error.path ? `${m.error.path}: ` : ""}${m.error.message}` : undefined);
      if (m.summary) {
        const s = m.summary;
        $("params-source").textContent = state.params.source;
        $("params-root").textContent = s.paramsRoot;
        $("params-epoch").textContent = `${s.epoch} (as of ${s.asOf})`;
        $("params-assets").textContent = s.assets.join(", ");
        $("params-groups").textContent = s.groups.map((g) => `${g.symbol} (${g.instruments})`).join(", ");
      }
      checkNow();
      return;
    case "report":
      if (m.id !== state.checkId) return;
      state.report = m.report;
      state.checkError = m.error;
      if (m.error) placeError(m.error);
      renderReport(m.report);
      refresh();
      return;
    case "proved":
      state.proving = false;
      setInputsDisabled(false);
      renderReport(m.report);
      showProof(m);
      setProgress(1, `Proved in ${m.seconds.total.toFixed(1)} s${m.verification.valid ? " and verified in this page" : ", but the bundle did not verify"}.`);
      refresh();
      return;
    case "error":
      if (m.during === "load") {
        setProgress(0, `Could not load the proving artifacts: ${m.error.message}`);
        ui.footer.textContent = "Proving artifacts: not loaded.";
        return;
      }
      state.proving = false;
      setInputsDisabled(false);
      if (m.error.report) renderReport(m.error.report);
      placeError(m.error);
      refresh();
      setProgress(0, `No proof: ${m.error.message}`);
      return;
  }
});
worker.addEventListener("error", (e) => setProgress(0, `The prover failed to start: ${e.message}`));

// ---------------------------------------------------------------------------------------------
// Start: fetch the list of circuits this page was built with and load the first one.

ui.context.value = randomChallenge();
refresh();
fetch("artifacts/index.json")
  .then((r) => (r.ok ? (r.json() as Promise<{ configs: string[] }>) : Promise.reject(new Error(`artifacts/index.json: HTTP ${r.status}`))))
  .then(({ configs }) => {
    const name = configs[0];
    if (!name) throw new Error("artifacts/index.json lists no circuit");
    send({ type: "load", base: `artifacts/${name}/` });
  })
  .catch((e: Error) => setProgress(0, `Could not load the proving artifacts: ${e.message}`));
