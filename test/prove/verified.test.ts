import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { getConfig } from "../../src/config/circuits.js";
import { type ProofBundle } from "../../src/prove/bundle.js";
import { proveMargin } from "../../src/prove/prove.js";
import { parseBundle, verifyMargin } from "../../src/prove/verify.js";
import { signStatement, type StatementJson } from "../../src/statements/index.js";
import { provingArtifacts, releaseCurve, setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { clone } from "../helpers.js";
import { ACCOUNT, AS_OF, DEV_KEY_HEX, OTHER_ACCOUNT, VENUE2_KEY, twoVenueParams } from "../statements/fixture.js";

// The SDK's verified mode end to end: a small-verified setup, a proof from two venues' statements,
// verification bound to the account, and a bundle edited to name another account refused.
describe("prove/verify: verified mode (small-verified, two venue statements)", function () {
  this.timeout(1_800_000);
  const params = twoVenueParams();
  const config = getConfig("small-verified");
  const context = 0xfeedn;
  let setup: SetupArtifacts;
  let vkey: unknown;
  let bundle: ProofBundle;

  // an exchange holds USDC and a short ETH perpetual; a custodian holds ETH and more USDC
  const statements: StatementJson[] = [
    signStatement({
      venueId: 1,
      account: ACCOUNT,
      asOf: AS_OF,
      privateKey: DEV_KEY_HEX,
      holdings: { collateral: { "1": "2500000000000" }, positions: { "1002": "-120500" } },
    }),
    signStatement({
      venueId: 2,
      account: ACCOUNT,
      asOf: AS_OF - 900,
      privateKey: VENUE2_KEY,
      holdings: { collateral: { "1": "100000000000", "3": "150250000000000000000" }, positions: {} },
    }),
  ];

  before(async () => {
    setup = await setupCircuit(config);
    vkey = JSON.parse(readFileSync(setup.vkey, "utf8"));
  });
  after(releaseCurve);

  it("proves from the statements alone: 5 public signals, the account named in the bundle", async () => {
    const r = await proveMargin({ params, statements, account: ACCOUNT, healthBps: 12500, creditLimitCents: 100_000_00n, context, config, artifacts: provingArtifacts(setup) });
    bundle = r.bundle;
    assert.equal(bundle.config, "small-verified");
    assert.equal(bundle.account, ACCOUNT);
    assert.equal(bundle.publicSignals.length, 5);
    assert.equal(BigInt(bundle.publicSignals[4]!), BigInt(ACCOUNT));
    assert.equal(bundle.creditLimitCents, "10000000");
    parseBundle(clone(bundle));
  });

  it("verifyMargin accepts it with the account and the parameters", async () => {
    const r = await verifyMargin(bundle, vkey, { params, account: BigInt(ACCOUNT), requireVerified: true, context, minHealthBps: 12500 });
    assert.equal(r.valid, true, JSON.stringify(r.checks));
    assert.ok(r.checks.some((c) => c.name === "verified" && c.ok));
    assert.ok(r.checks.some((c) => c.name === "account" && c.ok));
  });

  it("refuses the bundle for another expected account, and a bundle edited to name another account", async () => {
    const wrong = await verifyMargin(bundle, vkey, { params, account: BigInt(OTHER_ACCOUNT) });
    assert.equal(wrong.valid, false);
    assert.ok(wrong.checks.some((c) => c.name === "account" && !c.ok));
    // the account and its public signal both edited: the Groth16 proof no longer verifies
    const tampered = clone(bundle);
    tampered.account = OTHER_ACCOUNT;
    tampered.publicSignals[4] = BigInt(OTHER_ACCOUNT).toString();
    const t = await verifyMargin(parseBundle(tampered), vkey, { params, account: BigInt(OTHER_ACCOUNT) });
    assert.equal(t.valid, false);
    assert.ok(t.checks.some((c) => c.name === "proof" && !c.ok), JSON.stringify(t.checks));
    // only the named account edited: the signals no longer match the bundle
    const named = clone(bundle);
    named.account = OTHER_ACCOUNT;
    const n = await verifyMargin(parseBundle(named), vkey, { params });
    assert.equal(n.valid, false);
    // the account removed (a verified proof passed off as self-declared) is refused too
    const stripped = clone(bundle) as Partial<ProofBundle>;
    delete stripped.account;
    const s = await verifyMargin(parseBundle(stripped), vkey, { params });
    assert.equal(s.valid, false);
  });

  it("refuses statements signed for another account than the one asked for", async () => {
    await assert.rejects(
      proveMargin({ params, statements, account: OTHER_ACCOUNT, healthBps: 12500, creditLimitCents: 0n, context, config, artifacts: provingArtifacts(setup) }),
      /account/,
    );
  });
});
