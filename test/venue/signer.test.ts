import { strict as assert } from "node:assert";
import fc from "fast-check";
import { publicKeyOf } from "../../src/statements/eddsa.js";
import { devStatementKey, generateStatementKey, privateKeyBytes } from "../../src/statements/keys.js";
import { signStatement } from "../../src/statements/sign.js";
import { createStatementSigner, mulBase8 } from "../../src/venue/signer.js";

// The service's signer must produce exactly signStatement's statements (same deterministic nonce),
// only faster: compared byte for byte on random holdings and keys.
describe("venue: createStatementSigner (precomputed key, fixed-base table, cached entriesHash)", function () {
  this.timeout(120_000);

  it("mulBase8 agrees with the reference scalar multiplication (public keys of random keys)", () => {
    for (let i = 0; i < 5; i++) {
      const k = generateStatementKey();
      const signer = createStatementSigner(k.privateKey, 1);
      assert.deepEqual(signer.publicKey, k.publicKey);
      assert.deepEqual(publicKeyOf(privateKeyBytes(k.privateKey)).map(String), k.publicKey);
    }
    assert.deepEqual(mulBase8(0n), [0n, 1n]);
    assert.deepEqual(mulBase8(1n), [5299619240641551281634865583518297030282874472190772894086521144482721001553n, 16950150798460657717958625567821834550301663161624707787222815936182638968203n]);
  });

  it("signs exactly what signStatement signs (random holdings: debts, shorts, 1..40 entries, cache hits)", () => {
    const key = devStatementKey("venue signer test");
    const signer = createStatementSigner(key, 7, { cacheSize: 4 });
    const amount = fc.bigInt({ min: -(2n ** 96n) + 1n, max: 2n ** 96n - 1n }).filter((x) => x !== 0n).map(String);
    const ids = fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 0, maxLength: 20 });
    fc.assert(
      fc.property(ids, ids, fc.array(amount, { minLength: 40, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 40 - 1 }), (cIds, pIds, amounts, asOf) => {
        fc.pre(cIds.length + pIds.length > 0);
        const holdings = {
          collateral: Object.fromEntries(cIds.map((id, i) => [String(id), amounts[i]!])),
          positions: Object.fromEntries(pIds.map((id, i) => [String(id), amounts[20 + i]!])),
        };
        const account = "0x70997970c51812dc3a010c7d01b50e20d4dc79c8";
        const reference = signStatement({ holdings, venueId: 7, account, asOf, privateKey: key });
        assert.deepEqual(signer.sign({ holdings, account, asOf }), reference);
        assert.deepEqual(signer.sign({ holdings, account, asOf: asOf + 1 }).signature !== reference.signature, true);
      }),
      { numRuns: 25 },
    );
  });
});
