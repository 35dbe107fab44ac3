import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { WitnessCalculatorBuilder } from "circom_runtime";
import fc from "fast-check";
import { compileCircuit, runCircom } from "../../src/circuit/compile.js";
import { cacheDir, commonAncestor } from "../../src/circuit/paths.js";
import { type CircuitConfig, getConfig, isVerifiedConfig } from "../../src/config/circuits.js";
import { computeMargin } from "../../src/engine/margin.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { nativeProverStatus, type NativeTimings } from "../../src/prove/native.js";
import { proveMargin } from "../../src/prove/prove.js";
import { buildNativeWitness, buildWitnessCalculator, computeNativeWitness, nativeWitnessStatus, WitnessRefused } from "../../src/prove/nativeWitness.js";
import { buildVerifiedWitnessInput, statementWitnessOf } from "../../src/prove/verifiedWitness.js";
import { buildWitnessInput } from "../../src/prove/witness.js";
import { portfolioFromStatements } from "../../src/statements/portfolio.js";
import { signStatement } from "../../src/statements/index.js";
import { arbCreditLimitCents, arbHealthMode, arbParams, arbPortfolioFor, steeredHealthBps } from "../arbitraries.js";
import { provingArtifacts, releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { fixtureJson, repoFile, smallParams } from "../helpers.js";
import { ACCOUNT, AS_OF, DEV_KEY_HEX, VENUE2_KEY, twoVenueParams } from "../statements/fixture.js";

/**
 * The native witness calculator (issue 15 part 3): circom's C++ built against zkmargin's runtime must
 * give snarkjs's wasm witness byte for byte, and refuse what the wasm refuses. Built for `small` and
 * `small-verified` always (a few minutes the first time, then cached per circuit hash); for the
 * other configurations when their compiled circuit is cached, or all of them with
 * ZKMARGIN_WITNESS_ALL=1. ZKMARGIN_NATIVE=off skips the file.
 */
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HALF = (P - 1n) / 2n;

type Outcome = { ok: true; wtns: Buffer } | { ok: false; message: string };

/**
 * The wasm's witness, as snarkjs.wtns.calculate computes it (circom_runtime's calculateWTNSBin), from
 * a calculator instantiated once per wasm (snarkjs.wtns.calculate reads and compiles the wasm on
 * every call; an instance stays usable after a refused input).
 */
const wasmCalculators = new Map<string, Promise<{ calculateWTNSBin(input: unknown, sanityCheck?: number): Promise<Uint8Array> }>>();
async function wasmWitness(wasm: string, input: unknown): Promise<Outcome> {
  let wc = wasmCalculators.get(wasm);
  if (!wc) wasmCalculators.set(wasm, (wc = WitnessCalculatorBuilder(readFileSync(wasm))));
  try {
    return { ok: true, wtns: Buffer.from(await (await wc).calculateWTNSBin(input)) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

const scratch = mkdtempSync(join(tmpdir(), "zkm-witness-test-"));
/** Temporary folders of this file, removed when it ends. */
const tempDirs = [scratch];
after(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});
let fileNo = 0;
async function nativeWitness(calc: { binary?: string; dat?: string }, input: unknown): Promise<Outcome & { refused?: boolean }> {
  const file = join(scratch, `w${fileNo++}.wtns`);
  try {
    await computeNativeWitness(calc, input, file);
    return { ok: true, wtns: readFileSync(file) };
  } catch (e) {
    return { ok: false, message: (e as Error).message, refused: e instanceof WitnessRefused };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Both accept with the same bytes, or both refuse (the native one as a refusal, naming the check). */
function assertSame(wasm: Outcome, native: Outcome & { refused?: boolean }, what: string): void {
  if (wasm.ok) {
    assert.ok(native.ok, `${what}: the wasm accepts, the native calculator failed: ${native.ok ? "" : native.message}`);
    assert.ok(native.wtns.equals(wasm.wtns), `${what}: the witnesses differ`);
  } else {
    assert.ok(!native.ok, `${what}: the wasm refused (${wasm.message.split("\n")[0]}), the native calculator accepted`);
    // a refusal (exit 3, the failed check named), not a crash or a sanitizer's abort
    assert.ok(native.refused, `${what}: the wasm refused (${wasm.message.split("\n")[0]}), the native calculator failed otherwise: ${native.message}`);
  }
}

function nativeOff(): boolean {
  return String(process.env.ZKMARGIN_NATIVE ?? "").toLowerCase() === "off";
}

describe("native witness calculator: circom's operators, against the wasm", function () {
  this.timeout(1_800_000);
  let calc: { binary: string; dat: string };
  let opsWasm: string;
  const wasmOps = (input: unknown): Promise<Outcome> => wasmWitness(opsWasm, input);

  before(async function () {
    if (nativeOff()) this.skip();
    const source = readFileSync(repoFile("test/native/witness-ops.circom"), "utf8");
    const hash = createHash("sha256").update(source).digest("hex");
    const root = join(cacheDir(), "witness-test");
    const wasmDir = join(root, `ops-wasm-${hash.slice(0, 12)}`);
    const wasm = join(wasmDir, "main_js", "main.wasm");
    if (!existsSync(wasm)) {
      const tmp = `${wasmDir}.tmp-${process.pid}`;
      mkdirSync(tmp, { recursive: true });
      writeFileSync(join(tmp, "main.circom"), source);
      await runCircom([join(tmp, "main.circom"), "--wasm", "--O2", "-o", tmp], commonAncestor([tmp])!);
      rmSync(wasmDir, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      renameSync(tmp, wasmDir);
    }
    opsWasm = wasm;
    calc = await buildWitnessCalculator({ name: "ops", label: "the operators test circuit", source, libs: [], optimization: "O2", hash, dir: join(root, `ops-${hash.slice(0, 12)}`) });
  });

  const special = [0n, 1n, 2n, 3n, 7n, P - 1n, P - 2n, HALF - 1n, HALF, HALF + 1n, HALF + 2n, (1n << 31n) - 1n, 1n << 31n, P - (1n << 31n), P - (1n << 31n) - 1n, (1n << 32n) + 5n, (1n << 64n) - 1n, 1n << 128n, (1n << 253n) + 12345n, P - (1n << 200n)];
  const shifts = [0n, 1n, 31n, 32n, 63n, 64n, 65n, 200n, 253n, 254n, 255n, 256n, 300n, P - 1n, P - 5n, P - 253n, P - 254n, P - 255n, HALF, HALF + 1n];
  const field = fc.oneof(fc.constantFrom(...special), fc.bigInt({ min: 0n, max: P - 1n }), fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }).map((v) => (v < 0n ? v + P : v)));
  const shift = fc.oneof(fc.constantFrom(...shifts), fc.bigInt({ min: -300n, max: 300n }).map((v) => (v < 0n ? v + P : v)));
  /** One case of the operators (the circuit takes K of them per witness: witness-ops.circom's Batch). */
  type Case = Record<"a" | "b" | "s" | "guard" | "p" | "q", string>;
  const K = 8;
  const one = (a: bigint, b: bigint, s: bigint, extra: Partial<Record<"guard" | "p" | "q", bigint>> = {}): Case => ({
    a: a.toString(),
    b: b.toString(),
    s: s.toString(),
    guard: String(extra.guard ?? 0n),
    p: String(extra.p ?? 5n),
    q: String(extra.q ?? 5n),
  });
  const benign = one(5n, 3n, 2n);
  /** The circuit's input for up to K cases, the rest of its K filled with a benign case. */
  const input = (cases: Case[]) => {
    const all = [...cases];
    while (all.length < K) all.push(benign);
    const field = (k: keyof Case) => all.map((c) => c[k]);
    return { a: field("a"), b: field("b"), s: field("s"), guard: field("guard"), p: field("p"), q: field("q") };
  };
  /**
   * Both calculators on many cases: each case alone through the wasm first; those it accepts K at a
   * time through both (same bytes), each one it refuses alone through the native one (refused too).
   * Returns how many the wasm refused.
   */
  async function compareCases(calc: { binary: string; dat: string }, cases: Case[]): Promise<number> {
    const accepted: Case[] = [];
    let refused = 0;
    for (const c of cases) {
      const i = input([c]);
      const w = await wasmOps(i);
      if (w.ok) {
        accepted.push(c);
      } else {
        refused++;
        assertSame(w, await nativeWitness(calc, i), JSON.stringify(c));
      }
    }
    for (let j = 0; j < accepted.length; j += K) {
      const i = input(accepted.slice(j, j + K));
      const w = await wasmOps(i);
      assert.ok(w.ok, `the wasm refused ${JSON.stringify(i)}, whose cases it accepts one by one`);
      assertSame(w, await nativeWitness(calc, i), JSON.stringify(i));
    }
    return refused;
  }

  it("gives the wasm's witness on edge values (all pairs of special values, every shift)", async () => {
    await edgeValues(calc);
  });

  it("the AddressSanitizer + UBSan build agrees too (ZKMARGIN_NATIVE_SANITIZE=1)", async function () {
    if (process.env.ZKMARGIN_NATIVE_SANITIZE !== "1") this.skip();
    const source = readFileSync(repoFile("test/native/witness-ops.circom"), "utf8");
    const hash = createHash("sha256").update(source).digest("hex");
    const san = await buildWitnessCalculator({ name: "ops", label: "the operators test circuit (sanitized)", source, libs: [], optimization: "O2", hash, dir: join(cacheDir(), "witness-test", `ops-sanitize-${hash.slice(0, 12)}`), sanitize: true });
    // leaks are not checked: the process ends after one witness, and circom's generated code does
    // not free the main component's tables (nor, after a refusal, those of unfinished components)
    await withEnv({ ASAN_OPTIONS: "detect_leaks=0:abort_on_error=0", UBSAN_OPTIONS: "print_stacktrace=1" }, async () => {
      // every special value as a and as b (three partners each) and every shift (of 1 and p - 1):
      // the code paths of each operator under the sanitizers; the full product of values is the
      // optimized build's test
      await edgeValues(san, 3);
      for (const extra of [{ guard: 7n }, { p: 1n, q: 2n }]) {
        const n = await nativeWitness(san, input([one(5n, 3n, 2n, extra)]));
        assert.ok(!n.ok && n.refused, JSON.stringify(n));
      }
    });
  });

  /** All pairs of special values (or, with `partners`, each value with that many others), then every shift (of fewer values with `partners`). */
  async function edgeValues(calc: { binary: string; dat: string }, partners?: number): Promise<void> {
    const cases: Case[] = [];
    for (const [i, a] of special.entries()) {
      const bs = partners === undefined ? special : Array.from({ length: partners }, (_, j) => special[(i * 7 + j * 3 + j) % special.length]!);
      for (const b of bs) cases.push(one(a, b, shifts[(special.indexOf(a) + special.indexOf(b)) % shifts.length]!));
    }
    // every shift of 0, 1, 2, 3, 7 and p - 1 (with partners: of 1 and p - 1, the widest value)
    for (const a of partners === undefined ? special.slice(0, 6) : [1n, P - 1n]) {
      for (const s of shifts) cases.push(one(a, 5n, s));
    }
    // (b = 0 and b = -1 divide by zero in o[3] and o[39]: circom's witness code gives 0 there, and
    // so must the native one; refusals are the next tests')
    const refused = await compareCases(calc, cases);
    assert.ok(refused < cases.length, `the wasm refused all ${cases.length} cases: the test compares nothing`);
  }

  it("gives the wasm's witness on random values", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(field, field, shift), { minLength: K, maxLength: K }), async (cases) => {
        const i = input(cases.map(([a, b, s]) => one(a, b, s)));
        assertSame(await wasmOps(i), await nativeWitness(calc, i), JSON.stringify(i));
      }),
      { numRuns: 40 }, // K cases each
    );
  });

  it("refuses a failed assert and a failed === as the wasm does, naming the template and line", async () => {
    for (const extra of [{ guard: 7n }, { p: 1n, q: 2n }]) {
      const i = input([one(5n, 3n, 2n, extra)]);
      const w = await wasmOps(i);
      assert.ok(!w.ok, "the wasm accepted a failing input");
      const n = await nativeWitness(calc, i);
      assert.ok(!n.ok && n.refused, `native: ${JSON.stringify(n)}`);
      assert.match(n.message, /refused the input: Failed assert in template\/function Ops line \d+/);
    }
  });

  it("reads inputs as snarkjs does (negative, hex, numbers, mod p) and refuses bad ones as the wasm does", async () => {
    const base = input([]);
    const firstA = (v: unknown) => ({ ...base, a: [v, ...base.a.slice(1)] });
    const variants: unknown[] = [
      firstA("-5"),
      firstA((P + 5n).toString()),
      firstA((P * 3n + 5n).toString()),
      firstA("0x1f"),
      firstA(12),
      { ...base, b: [base.b.slice(0, 4), base.b.slice(4)] }, // nested arrays are flattened
    ];
    for (const v of variants) {
      const w = await wasmOps(v);
      assert.ok(w.ok, `the wasm refused ${JSON.stringify(v)}: ${w.ok ? "" : w.message}`);
      assertSame(w, await nativeWitness(calc, v), JSON.stringify(v));
    }
    const { a: _a, ...missing } = base;
    const bad: [unknown, RegExp][] = [
      [missing, /Not all inputs have been set/],
      [{ ...base, a: [...base.a, "1"] }, /Too many values for input signal a/],
      [{ ...base, a: base.a.slice(1) }, /Not enough values for input signal a/],
      [{ ...base, a: "5" }, /Not enough values for input signal a/], // a scalar for an array signal
      [{ ...base, zz: "1" }, /Signal zz not found/],
      [firstA("12x"), /cannot convert/],
    ];
    for (const [v, message] of bad) {
      assert.ok(!(await wasmOps(v)).ok, `the wasm accepted ${JSON.stringify(v)}`);
      const n = await nativeWitness(calc, v);
      assert.ok(!n.ok && !n.refused, JSON.stringify(n));
      assert.match(n.message, message);
    }
  });
});

/** Configurations to compare: small and small-verified, others when compiled (or all with ZKMARGIN_WITNESS_ALL=1). */
function configsToTest(): CircuitConfig[] {
  const all = ["small", "small-verified", "standard", "standard-verified", "large", "large-verified"].map((n) => getConfig(n));
  if (process.env.ZKMARGIN_WITNESS_ALL === "1") return all;
  let cached: string[] = [];
  try {
    cached = readdirSync(join(cacheDir(), "circuits"));
  } catch {
    /* none */
  }
  const compiled = (c: CircuitConfig) => cached.some((d) => new RegExp(`^${c.name}-[0-9a-f]{12}$`).test(d) && existsSync(join(cacheDir(), "circuits", d, "meta.json")));
  return all.filter((c) => c.name.startsWith("small") || compiled(c));
}

for (const config of configsToTest()) {
  describe(`native witness calculator: ${config.name}, against the wasm on random books`, function () {
    this.timeout(3_600_000);
    let wasm: string;
    let calc: { binary: string; dat: string };

    before(async function () {
      if (nativeOff()) this.skip();
      wasm = (await compileCircuit(config)).wasm;
      calc = await buildNativeWitness(config, { progress: process.env.ZKMARGIN_PROGRESS === "1" ? (m) => console.error(m) : undefined });
      assert.ok(nativeWitnessStatus(config).available);
    });

    if (!isVerifiedConfig(config)) {
      it("equal witnesses on passing books, both refuse failing ones", async () => {
        let passes = 0;
        let fails = 0;
        const gen = arbParams.chain((pj) =>
          fc.record({
            pj: fc.constant(pj),
            book: arbPortfolioFor(pj).filter((b) => Object.keys(b.collateral).length <= config.collateralSlots && Object.keys(b.positions).length <= config.positionSlots),
            mode: arbHealthMode,
            health: fc.integer({ min: 10000, max: 30000 }),
            credit: arbCreditLimitCents,
            salt: fc.bigInt({ min: 0n, max: 1n << 250n }),
          }),
        );
        type Case = { pj: unknown; book: { collateral: Record<string, string>; positions: Record<string, string> }; mode: string; health: number; credit: bigint; salt: bigint };
        const one = async ({ pj, book, mode, health, credit, salt }: Case): Promise<void> => {
          const params = parseRiskParams(pj);
          const portfolio = parsePortfolio(book, params);
          fc.pre(new Set(portfolio.positions.map((q) => q.instrument.groupId)).size <= config.groupSlots);
          const healthBps = steeredHealthBps(computeMargin(params, portfolio, 10000, credit), credit, mode, health);
          const { input } = buildWitnessInput({ params, tree: buildParamsTree(params), portfolio, healthBps, creditLimitCents: credit, context: 77n, salt, config });
          const expected = computeMargin(params, portfolio, healthBps, credit).ok;
          const w = await wasmWitness(wasm, input);
          assert.equal(w.ok, expected, `the wasm ${w.ok ? "accepts" : "refuses"} a book the engine says ${expected ? "passes" : "fails"}`);
          const n = await nativeWitness(calc, input);
          assertSame(w, n, `book ${JSON.stringify(book)} at ${healthBps}`);
          if (!w.ok) assert.ok(n.refused, `a failing book must be refused by the circuit's checks: ${n.ok ? "" : n.message}`);
          if (expected) passes++;
          else fails++;
        };
        await fc.assert(fc.asyncProperty(gen, one), { numRuns: config.name === "small" ? 30 : 8 });
        // and one book at exact break-even and one bps past it, whatever the random books gave
        const fixed = { pj: fixtureJson("params-small.json"), book: { collateral: { USDC: "50000" }, positions: { "ETH-PERP": "-10" } }, health: 10000, credit: 0n, salt: 5n };
        await one({ ...fixed, mode: "breakEven" });
        await one({ ...fixed, mode: "breakEven+1" });
        assert.ok(passes >= 1 && fails >= 1, `passes ${passes}, fails ${fails}: the books must exercise both`);
      });
    } else {
      it("equal witnesses on random two-venue statements, both refuse failing books", async () => {
        const params = twoVenueParams();
        let passes = 0;
        let fails = 0;
        const one = async (usdc: bigint, eth: bigint, perp: bigint, healthBps: number, salt: bigint): Promise<void> => {
          const statements = [
            signStatement({ venueId: 1, account: ACCOUNT, asOf: AS_OF, privateKey: DEV_KEY_HEX, holdings: { collateral: { "1": usdc.toString() }, positions: { "1002": perp.toString() } } }),
            signStatement({ venueId: 2, account: ACCOUNT, asOf: AS_OF - 900, privateKey: VENUE2_KEY, holdings: { collateral: { "1": "250000000", "3": eth.toString() }, positions: {} } }),
          ];
          const from = portfolioFromStatements(statements, params, { account: ACCOUNT, maxStatements: config.statementSlots });
          // steer half the books to exact break-even and half one bps past it, so that both
          // outcomes are exercised whatever the random amounts
          const mode = (passes + fails) % 2 === 0 ? "breakEven" : "breakEven+1";
          healthBps = steeredHealthBps(computeMargin(params, from.portfolio, 10000, 0n), 0n, mode, healthBps);
          const { input } = buildVerifiedWitnessInput({
            params,
            tree: buildParamsTree(params),
            portfolio: from.portfolio,
            healthBps,
            creditLimitCents: 0n,
            context: 99n,
            salt,
            config,
            account: BigInt(from.account),
            statements: from.statements.map((v) => statementWitnessOf(v.statement)),
          });
          const expected = computeMargin(params, from.portfolio, healthBps, 0n).ok;
          const w = await wasmWitness(wasm, input);
          assert.equal(w.ok, expected);
          const n = await nativeWitness(calc, input);
          assertSame(w, n, `USDC ${usdc}, ETH ${eth}, perp ${perp} at ${healthBps}`);
          if (!w.ok) assert.ok(n.refused);
          if (expected) passes++;
          else fails++;
        };
        await fc.assert(
          fc.asyncProperty(
            fc.bigInt({ min: -(10n ** 12n), max: 10n ** 13n }).filter((x) => x !== 0n), // a debt at venue 1 when negative
            fc.bigInt({ min: 0n, max: 10n ** 21n }),
            fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }).filter((q) => q !== 0n),
            fc.integer({ min: 10000, max: 40000 }),
            fc.bigInt({ min: 0n, max: 1n << 250n }),
            one,
          ),
          { numRuns: config.name === "small-verified" ? 16 : 6 },
        );
        // and a book whose break-even is about 3.4x, at it and one bps past it (one() alternates),
        // whatever the random books gave
        for (let i = 0; i < 2; i++) await one(10n ** 12n, 10n ** 20n, -(10n ** 6n), 10000, 7n);
        assert.ok(passes >= 1 && fails >= 1, `passes ${passes}, fails ${fails}: the books must exercise both`);
      });
    }
  });
}

describe("native witness calculator: used by the native prover, wasm as the fallback", function () {
  this.timeout(1_800_000);
  const config = getConfig("small");
  const params = smallParams();
  const book = { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  let setup: SetupArtifacts;
  let calc: { binary: string; dat: string; dir: string };

  before(async function () {
    if (nativeOff() || !nativeProverStatus().available) this.skip();
    setup = await setupCircuit(config);
    calc = await buildNativeWitness(config);
  });
  after(releaseCurve);

  const prove = (prover: "auto" | "native", warnings: string[] = []) => {
    let timings: NativeTimings | undefined;
    return proveMargin({
      params,
      portfolio: parsePortfolio(book, params),
      healthBps: 12500,
      context: 7n,
      config,
      artifacts: provingArtifacts(setup),
      prover,
      warn: (m) => warnings.push(m),
      timings: (t) => (timings = t),
    }).then((r) => ({ r, timings: timings! }));
  };

  /** A stand-in calculator for small in a scratch cache: a shell script in place of the binary. */
  function fakeCache(script: string): string {
    const cache = mkdtempSync(join(tmpdir(), "zkm-fake-witness-"));
    tempDirs.push(cache);
    const dir = join(cache, "witness", basename(calc.dir));
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(calc.dir, "status.json"), join(dir, "status.json"));
    copyFileSync(calc.dat, join(dir, "circuit.dat"));
    writeFileSync(join(dir, "witness"), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, "witness"), 0o755);
    return cache;
  }

  it("`zkmargin native witness --config small` finds the built calculator (and builds one when missing)", () => {
    const r = spawnSync(process.execPath, [repoFile("bin/zkmargin.js"), "native", "witness", "--config", "small", "--json"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual([j.config, j.available, j.binary, j.reason], ["small", true, calc.binary, null]);
  });

  it("the native prover computes the witness natively when the calculator is built", async () => {
    for (const choice of ["auto", "native"] as const) {
      const warnings: string[] = [];
      const { r, timings } = await prove(choice, warnings);
      assert.equal(r.bundle.prover, "native");
      assert.equal(timings.witness, "native");
      assert.ok(timings.witnessPhases && timings.witnessPhases.calc >= 0, JSON.stringify(timings));
      assert.deepEqual(warnings, []);
    }
  });

  it("without the calculator (disabled, or failing) it says once why and uses the wasm; the proof is still native", async () => {
    const warnings: string[] = [];
    await withEnv({ ZKMARGIN_NATIVE_WITNESS: "off" }, async () => {
      for (let i = 0; i < 2; i++) {
        const { r, timings } = await prove("native", warnings);
        assert.equal(r.bundle.prover, "native");
        assert.equal(timings.witness, "wasm");
      }
    });
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, /computing the witness with wasm \(slower\), because disabled by ZKMARGIN_NATIVE_WITNESS=off/);
    const broken: string[] = [];
    await withEnv({ ZKMARGIN_CACHE: fakeCache("echo 'bad things happened' >&2; exit 1") }, async () => {
      const { r, timings } = await prove("native", broken);
      assert.equal(r.bundle.prover, "native");
      assert.equal(timings.witness, "wasm");
    });
    assert.equal(broken.length, 1, broken.join("\n"));
    assert.match(broken[0]!, /native witness calculator failed \(1\): bad things happened/);
  });

  it("a calculator that refuses the input is never overruled silently: native fails, auto proves again with snarkjs", async () => {
    const cache = fakeCache("echo 'the circuit refused the input: Failed assert in template/function X line 1.' >&2; exit 3");
    const warnings: string[] = [];
    await withEnv({ ZKMARGIN_CACHE: cache }, async () => {
      await assert.rejects(prove("native"), /witness calculator refused the input: Failed assert in template\/function X line 1/);
      const { r } = await prove("auto", warnings);
      assert.equal(r.bundle.prover, "snarkjs");
    });
    assert.ok(warnings.some((w) => /refused the input/.test(w) && /snarkjs/.test(w)), warnings.join("\n"));
  });
});

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(vars)) {
    saved[k] = process.env[k];
    process.env[k] = vars[k];
  }
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(vars)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}
