import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Contract, Wallet } from "ethers";
import { deployPool, registryAt, type Deployment } from "../../src/chain/pool.js";
import { fetchPostedParams, postParams, postedParams, setParamsUri } from "../../src/chain/registry.js";
import { toHex32 } from "../../src/crypto/poseidon.js";
import { isZkMarginError } from "../../src/errors.js";
import { parseRiskParams } from "../../src/params/parse.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { repoFile } from "../helpers.js";
import { type ChainFixture, chainFixture, expectRevert, MOCK_VERIFIER } from "./fixture.js";

/** Await `p` and return the ZkMarginError it rejects with (fails otherwise). */
async function rejection(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    assert.ok(isZkMarginError(e), `not a ZkMarginError: ${(e as Error).stack}`);
    return e;
  }
  assert.fail("expected a rejection");
}

// Parameters by root (issue 16 part 2): the oracle posts a root with the URI of its file (a
// ParamsUri event); a prover fetches it from a real HTTP server on loopback (or a file:// URI) and
// keeps it only if its recomputed root is the posted one.
describe("chain: parameters by root (postParams with a URI, fetchPostedParams)", function () {
  this.timeout(300_000);
  let fx: ChainFixture;
  let d: Deployment;
  let oracle: Wallet, other: Wallet;
  let registry: Contract;
  let server: Server;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), "zkm-params-uri-"));
  const text = readFileSync(repoFile("examples/params.json"), "utf8");
  const params = parseRiskParams(JSON.parse(text));
  const root = buildParamsTree(params).paramsRoot;
  // the same epoch with another maxStatementAge: another root
  const otherText = JSON.stringify({ ...JSON.parse(text), maxStatementAge: 7200 }, null, 2);
  const otherRoot = buildParamsTree(parseRiskParams(JSON.parse(otherText))).paramsRoot;
  const big = "x".repeat(64 * 1024);
  let requests = 0;

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === "/params.json") res.end(text);
      else if (req.url === "/other.json") res.end(otherText);
      else if (req.url === "/slow.json") setTimeout(() => res.end(text), 10_000).unref();
      else if (req.url === "/big-declared.json") {
        res.setHeader("content-length", String(big.length));
        res.end(big);
      } else if (req.url === "/big-chunked.json") {
        res.write(big.slice(0, 32 * 1024));
        res.end(big.slice(32 * 1024));
      } else {
        res.statusCode = 404;
        res.end("not found");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fx = await chainFixture(MOCK_VERIFIER);
    [, oracle, , , other] = fx.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet];
    d = await deployPool({ signer: fx.wallets[0]!, artifacts: fx.artifacts, oracle: oracle.address, config: "mock", circuitHash: "", insecure: true, liquidity: 0n });
    registry = registryAt(d, fx.artifacts, oracle);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts the root with the file's URI in one transaction; a prover fetches the file and keeps it (its root is the posted one)", async () => {
    const first = await postParams(registry, { ...params, epoch: 1n });
    const plain = await postParams(registry, { ...params, epoch: 2n });
    const r = await postParams(registry, params, { uri: `${base}/params.json` });
    assert.equal(r.uri, `${base}/params.json`);
    // gas: the URI costs one log and its calldata on top of postParams (both superseding an epoch)
    console.log(`      gas: first postParams ${first.gasUsed}; superseding: postParams ${plain.gasUsed}, postParamsWithUri (${r.uri!.length}-char URI) ${r.gasUsed}`);
    const f = await fetchPostedParams(registryAt(d, fx.artifacts, fx.provider), { fromBlock: d.blockNumber! });
    assert.equal(f.epoch, 7n);
    assert.equal(f.root, root);
    assert.equal(f.uri, `${base}/params.json`);
    assert.equal(f.text, text);
    assert.equal(buildParamsTree(f.params).paramsRoot, root);
    // by epoch too; an epoch posted without a URI says so
    assert.equal((await fetchPostedParams(registry, { epoch: 7 })).root, root);
    const none = await rejection(fetchPostedParams(registry, { epoch: 1 }));
    assert.equal(none.code, "FILE");
    assert.match(none.message, /epoch 1 \(root 0x[0-9a-f]{64}\) was posted without a URI/);
    const never = await rejection(fetchPostedParams(registry, { epoch: 99 }));
    assert.match(never.message, /epoch 99 was never posted/);
  });

  it("refuses a file whose root is not the posted root, naming both roots", async () => {
    await setParamsUri(registry, 7, `${base}/other.json`);
    assert.equal((await postedParams(registry)).uri, `${base}/other.json`); // the latest announcement wins
    const e = await rejection(fetchPostedParams(registry));
    assert.equal(e.code, "MISMATCH");
    assert.ok(e.message.includes(`has root ${toHex32(otherRoot)}`), e.message);
    assert.ok(e.message.includes(`the registry posted root ${toHex32(root)} for epoch 7`), e.message);
    assert.match(e.message, /refusing it/);
  });

  it("unreachable, HTTP errors and timeouts are clear errors naming the URI", async () => {
    // a port nothing listens on
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await setParamsUri(registry, 7, `http://127.0.0.1:${port}/params.json`);
    const refused = await rejection(fetchPostedParams(registry));
    assert.equal(refused.code, "FILE");
    assert.match(refused.message, new RegExp(`cannot fetch http://127\\.0\\.0\\.1:${port}/params\\.json: ECONNREFUSED`));

    await setParamsUri(registry, 7, `${base}/missing.json`);
    assert.match((await rejection(fetchPostedParams(registry))).message, /cannot fetch http:\/\/127\.0\.0\.1:[0-9]+\/missing\.json: HTTP 404/);

    await setParamsUri(registry, 7, `${base}/slow.json`);
    const t = Date.now();
    const slow = await rejection(fetchPostedParams(registry, { timeoutMs: 500 }));
    assert.ok(Date.now() - t < 5000, `took ${Date.now() - t} ms`);
    assert.match(slow.message, /fetching http:\/\/127\.0\.0\.1:[0-9]+\/slow\.json timed out after 500 ms/);
  });

  it("refuses a file over the size limit, whether its length is declared or not", async () => {
    for (const name of ["big-declared.json", "big-chunked.json"]) {
      await setParamsUri(registry, 7, `${base}/${name}`);
      const e = await rejection(fetchPostedParams(registry, { maxBytes: 16 * 1024 }));
      assert.equal(e.code, "FILE");
      assert.match(e.message, new RegExp(`the parameters file at http://127\\.0\\.0\\.1:[0-9]+/${name.replace(".", "\\.")} is larger than the 16384-byte limit`));
    }
  });

  it("fetches file:// URIs (same checks); only the oracle announces; an unposted epoch is refused on chain", async () => {
    const good = join(dir, "params.json");
    const bad = join(dir, "other.json");
    writeFileSync(good, text);
    writeFileSync(bad, otherText);
    await setParamsUri(registry, 7, pathToFileURL(good).href);
    assert.equal((await fetchPostedParams(registry)).root, root);
    await setParamsUri(registry, 7, pathToFileURL(bad).href);
    assert.equal((await rejection(fetchPostedParams(registry))).code, "MISMATCH");
    assert.equal((await rejection(fetchPostedParams(registry, { maxBytes: 100 }))).code, "FILE");

    await expectRevert(setParamsUri(registryAt(d, fx.artifacts, other), 7, `${base}/params.json`), "RiskParamsRegistry__NotOracle", fx.artifacts);
    await expectRevert(setParamsUri(registry, 8, `${base}/params.json`), "RiskParamsRegistry__UnknownEpoch", fx.artifacts);
    await assert.rejects(setParamsUri(registry, 7, "ftp://example.com/p.json"), /must be an http\(s\):\/\/ or file:\/\/ URI/);
    assert.ok(requests > 0);
  });
});
