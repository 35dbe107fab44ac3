// `npm run test:large` (not part of `npm test`): the production-size verified configurations end to
// end on the institutional book of `npm run demo:institutional` (examples/institutional/: three
// venues, 40 statement entries, 34 positions netted to 30 instruments, a 3,000,000 USDC debt at one
// exchange netted against a custodian's USDC, SOL-PERP long at one exchange and short at the other).
// For standard-verified: compile (about 2.5 minutes the first time), the native INSECURE dev setup,
// a proof with the native prover and one with snarkjs, verification, a tampered statement and the
// debt-dropped book refused, and one submitVerified on an in-process EVM. large-verified the same
// (native prover only) when ZKMARGIN_LARGE=1: its first compile takes about 10 minutes.
// Everything is cached per circuit hash, so a second run takes a minute or two. The native witness
// calculator is used when it is built (`zkmargin native witness --config <name>`); otherwise the wasm.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Contract, Wallet } from "ethers";
import { compileCircuit } from "../../src/circuit/compile.js";
import { packageRoot } from "../../src/circuit/paths.js";
import { getConfig, statementChunks } from "../../src/config/circuits.js";
import { attestationsAt, contextFor, deployPool, postParams, registryAt, statusOf, submitAttestation } from "../../src/chain/pool.js";
import { buildRiskParams } from "../../src/market/build.js";
import { parseRiskParams } from "../../src/params/parse.js";
import type { RiskParams } from "../../src/params/types.js";
import { checkOpening } from "../../src/prove/opening.js";
import { nativeProverStatus, type NativeTimings } from "../../src/prove/native.js";
import { proveMargin } from "../../src/prove/prove.js";
import { verifyMargin } from "../../src/prove/verify.js";
import { devStatementKey, holdingsFromPortfolioJson, signStatement, type StatementJson } from "../../src/statements/index.js";
import { provingArtifacts, releaseCurve, setupCircuit } from "../../setup/groth16.js";
import { chainFixture } from "../chain/fixture.js";

const dir = join(packageRoot(), "examples/institutional");
const read = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown;
const params: RiskParams = parseRiskParams(buildRiskParams(read("market.json")).params);
const VENUES = [
  [1, "alpha"],
  [2, "beta"],
  [3, "gamma"],
] as const;

/** The three venues' statements for `account`, signed with their public development keys. */
function statementsFor(account: string): StatementJson[] {
  const asOf = Number(params.asOfUnix) - 600;
  return VENUES.map(([venueId, name]) =>
    signStatement({
      venueId,
      account,
      asOf,
      privateKey: devStatementKey(`zkmargin institutional venue ${venueId}`),
      holdings: holdingsFromPortfolioJson(read(`holdings-${name}.json`), params),
    }),
  );
}
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
// By code and message, not `instanceof StatementError`: under mocha + tsx, proveMargin's dynamic
// import of the statements module can load a second copy of it (ESM next to the test's CJS), whose
// StatementError is another class (plain node on dist/ keeps the class and its rule).
const isAltered = (e: unknown) =>
  e instanceof Error && (e as { code?: string }).code === "STATEMENT" && /signature: bad signature: .*altered after signing/.test(e.message);
const secs = (t0: number) => (performance.now() - t0) / 1000;

const USDC = params.assets.find((a) => a.symbol === "USDC")!;
const SOL_PERP = params.instruments.find((i) => i.symbol === "SOL-PERP")!;

function endToEnd(name: string, opts: { snarkjs: boolean }) {
  describe(`${name}: the institutional book, compiled, set up, proven, verified and submitted`, function () {
    this.timeout(0);
    const config = getConfig(name);
    const times: Record<string, number> = {};
    let artifacts: ReturnType<typeof provingArtifacts>;
    let vkey: object;
    const ACCOUNT = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";

    before(async () => {
      let t = performance.now();
      const compiled = await compileCircuit(config);
      times.compile = secs(t);
      process.stdout.write(
        `      ${name}: ${compiled.constraints} constraints (2^${compiled.power}), V ${config.statementSlots}, E ${config.statementEntries}, ${statementChunks(config)} pool chunks; ` +
          `compile ${times.compile.toFixed(1)} s${times.compile < 5 ? " (cached)" : ""}\n`,
      );
      t = performance.now();
      const setup = await setupCircuit(config);
      times.setup = secs(t);
      artifacts = provingArtifacts(setup);
      vkey = JSON.parse(readFileSync(setup.vkey, "utf8")) as object;
    });
    after(async () => {
      await releaseCurve();
      process.stdout.write(`      ${name} times (s): ${Object.entries(times).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}\n`);
    });

    const prove = async (statements: StatementJson[], prover: "native" | "snarkjs", context = 7n, account = ACCOUNT) => {
      let witness: NativeTimings["witness"] | undefined;
      const r = await proveMargin({
        params,
        statements,
        account,
        healthBps: 12500,
        creditLimitCents: 400_000_000n,
        context,
        config,
        artifacts,
        prover,
        timings: (t) => (witness = t.witness),
      });
      return { ...r, witness: prover === "snarkjs" ? "wasm" : witness };
    };

    it("proves the book from the three statements alone with the native prover, and the proof verifies", async function () {
      if (!nativeProverStatus().available) this.skip();
      const t = performance.now();
      const r = await prove(statementsFor(ACCOUNT), "native");
      times[`prove native (${r.witness} witness)`] = secs(t);
      assert.equal(r.bundle.prover, "native");
      assert.equal(r.bundle.config, name);
      assert.equal(r.bundle.account, ACCOUNT);
      assert.equal(r.bundle.publicSignals.length, 5);
      // the proven book: the USDC debt netted across venues, SOL-PERP netting to 0 has no slot
      const opened = checkOpening(clone(r.opening), params, config);
      assert.equal(opened.portfolio.collateral.find((c) => c.asset.id === USDC.id)?.amountBase, -1_000_000n * 10n ** 6n);
      assert.equal(opened.portfolio.positions.find((p) => p.instrument.id === SOL_PERP.id), undefined);
      assert.equal(opened.portfolio.positions.length, 30);
      const v = await verifyMargin(r.bundle, vkey, { params, account: BigInt(ACCOUNT), minHealthBps: 12500, context: 7n });
      assert.equal(v.valid, true, JSON.stringify(v.checks.filter((c) => c.status === "fail")));
      // a changed public signal (another account) does not verify
      const other = await verifyMargin({ ...r.bundle, account: "0x70997970c51812dc3a010c7d01b50e20d4dc79c8", publicSignals: [...r.bundle.publicSignals.slice(0, 4), BigInt("0x70997970c51812dc3a010c7d01b50e20d4dc79c8").toString()] }, vkey, { params });
      assert.equal(other.valid, false);
    });

    if (opts.snarkjs) {
      it("proves it once with snarkjs too, and that proof verifies", async () => {
        const t = performance.now();
        const r = await prove(statementsFor(ACCOUNT), "snarkjs");
        times["prove snarkjs"] = secs(t);
        const v = await verifyMargin(r.bundle, vkey, { params, account: BigInt(ACCOUNT), minHealthBps: 12500 });
        assert.equal(v.valid, true);
      });
    }

    it("refuses a tampered statement (a position changed after signing)", async () => {
      const s = statementsFor(ACCOUNT);
      const beta = clone(s[1]!);
      const [id, size] = Object.entries(beta.positions)[0]!;
      beta.positions[id] = (BigInt(size) * 2n).toString();
      await assert.rejects(prove([s[0]!, beta, s[2]!], "snarkjs"), isAltered);
    });

    it("refuses the book with the debt left out (the exchange's statement edited to drop its USDC entry)", async () => {
      const s = statementsFor(ACCOUNT);
      const alpha = clone(s[0]!);
      assert.ok(BigInt(alpha.collateral[String(USDC.id)]!) < 0n, "the exchange's statement holds a USDC debt");
      delete alpha.collateral[String(USDC.id)];
      await assert.rejects(prove([alpha, s[1]!, s[2]!], "snarkjs"), (e: unknown) => {
        assert.ok(isAltered(e), String(e));
        assert.match((e as Error).message, /venue 1 .*altered after signing/);
        return true;
      });
    });

    it("is recorded on-chain through submitVerified, bound to the trader's address", async function () {
      const small = await setupCircuit(getConfig("small"));
      const setup = await setupCircuit(config);
      const fx = await chainFixture(readFileSync(small.verifierSol, "utf8"), 31337, readFileSync(setup.verifierSol, "utf8"));
      try {
        const [owner, oracle, trader] = fx.wallets as [Wallet, Wallet, Wallet];
        const d = await deployPool({
          signer: owner,
          artifacts: fx.artifacts,
          oracle: oracle.address,
          config: "small",
          circuitHash: small.record.circuitHash,
          insecure: true,
          verified: { config: name, circuitHash: setup.record.circuitHash, insecure: setup.record.insecure },
          policy: { requireVerified: true },
        });
        const registry = registryAt(d, fx.artifacts, oracle) as Contract;
        const attestations = attestationsAt(d, fx.artifacts, trader) as Contract;
        const latest = (await fx.provider.getBlock("latest"))!.timestamp;
        await postParams(registry, params, { validUntil: latest + 7 * 86400 });
        const { context } = await contextFor(attestations, trader.address);
        const r = await prove(statementsFor(trader.address), nativeProverStatus().available ? "native" : "snarkjs", context, trader.address);
        const tx = await submitAttestation(attestations, r.bundle);
        process.stdout.write(`      ${name}: submitVerified, first attestation of the account: ${tx.gasUsed} gas\n`);
        const st = await statusOf(attestations, registry, trader.address, 12500);
        assert.equal(st.verified, true);
        assert.equal(st.healthy, true);
        assert.equal(st.creditLimitCents, "400000000");
        assert.equal(st.commitment, r.bundle.commitment);
      } finally {
        await fx.close();
      }
    });
  });
}

endToEnd("standard-verified", { snarkjs: true });
if (process.env.ZKMARGIN_LARGE === "1") endToEnd("large-verified", { snarkjs: false });
else describe("large-verified (set ZKMARGIN_LARGE=1: its first compile takes about 10 minutes)", () => it("skipped without ZKMARGIN_LARGE=1"));
