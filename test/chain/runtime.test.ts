import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Contract, ContractFactory, Interface, JsonRpcProvider, type Provider, type Wallet } from "ethers";
import { ZkMarginError } from "../../src/errors.js";
import { cacheDir, packageRoot } from "../../src/circuit/paths.js";
import { compileContracts, type ContractArtifact } from "../../src/chain/solc.js";
import {
  DEV_MNEMONIC,
  createEmbeddedChain,
  devAccounts,
  devWallets,
  ethersProviderFor,
  type EmbeddedChain,
} from "../../src/chain/edr.js";

const BOX_SOL = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract Box {
    error TooLarge(uint256 value, uint256 max);
    event Stored(address indexed by, uint256 value, uint256 at);

    uint256 public value;
    uint256 public storedAt;
    address public immutable owner;

    constructor(uint256 initial) {
        owner = msg.sender;
        value = initial;
    }

    function set(uint256 v) external {
        if (v > 1000) revert TooLarge(v, 1000);
        value = v;
        storedAt = block.timestamp;
        emit Stored(msg.sender, v, block.timestamp);
    }

    function chainTime() external view returns (uint256) {
        return block.timestamp;
    }
}
`;

const log = (msg: string): void => {
  if (process.env.ZKMARGIN_TEST_VERBOSE !== "0") console.log(`      ${msg}`);
};

let box: ContractArtifact;

async function deployBox(wallet: Wallet, initial = 1n): Promise<Contract> {
  const factory = new ContractFactory(box.abi as never, box.bytecode, wallet);
  const c = await factory.deploy(initial);
  await c.waitForDeployment();
  return c as Contract;
}

/** Deploy, call, transact, revert with a custom error, estimate gas, move time. */
async function exercise(provider: Provider, wallets: Wallet[], expectChainId: bigint, send: (m: string, p: unknown[]) => Promise<unknown>): Promise<bigint> {
  assert.equal((await provider.getNetwork()).chainId, expectChainId);
  const [w0, w1] = wallets;
  assert.ok(w0 && w1);
  assert.ok((await provider.getBalance(w1.address)) > 10n ** 21n, "dev account is funded");

  const c = await deployBox(w0, 5n);
  assert.equal(await c.getFunction("value")(), 5n);
  assert.equal(await c.getFunction("owner")(), w0.address);

  const est = await c.getFunction("set").estimateGas(42n);
  assert.ok(est > 21000n && est < 200_000n, `estimate ${est}`);
  const tx = await (c.connect(w1) as Contract).getFunction("set")(42n);
  const rc = await tx.wait();
  assert.ok(rc && rc.status === 1);
  assert.equal(await c.getFunction("value")(), 42n);
  assert.ok(rc.gasUsed <= est, `gasUsed ${rc.gasUsed} <= estimate ${est}`);
  const ev = c.interface.parseLog(rc.logs[0]!);
  assert.equal(ev?.name, "Stored");
  assert.equal(ev?.args[0], w1.address);

  // A custom-error revert is decodable (static call, estimateGas and send all revert up front).
  let caught: unknown;
  try {
    await c.getFunction("set").staticCall(5000n);
  } catch (e) {
    caught = e;
  }
  const err = caught as { code?: string; data?: string; revert?: { name: string; args: unknown[] } };
  assert.equal(err?.code, "CALL_EXCEPTION", String(caught));
  assert.ok(typeof err.data === "string" && err.data.startsWith("0x"), `revert data: ${String(err.data)}`);
  const parsed = c.interface.parseError(err.data);
  assert.equal(parsed?.name, "TooLarge");
  assert.deepEqual([...(parsed?.args ?? [])], [5000n, 1000n]);
  assert.equal(err.revert?.name, "TooLarge");
  await assert.rejects(c.getFunction("set")(5000n), (e: { code?: string; data?: string }) => {
    assert.equal(e.code, "CALL_EXCEPTION");
    assert.equal(c.interface.parseError(e.data!)?.name, "TooLarge");
    return true;
  });

  // Time moves with evm_increaseTime and is what contracts see.
  const t0 = (await provider.getBlock("latest"))!.timestamp;
  await send("evm_increaseTime", [3600]);
  await send("evm_mine", []);
  const t1 = (await provider.getBlock("latest"))!.timestamp;
  assert.ok(t1 >= t0 + 3600, `${t1} >= ${t0} + 3600`);
  const rc2 = await (await c.getFunction("set")(7n)).wait();
  const b2 = await provider.getBlock(rc2!.blockNumber);
  assert.ok(b2!.timestamp > t1);
  assert.equal(await c.getFunction("storedAt")(), BigInt(b2!.timestamp));
  await send("evm_setNextBlockTimestamp", [b2!.timestamp + 100]);
  await send("evm_mine", []);
  assert.equal((await provider.getBlock("latest"))!.timestamp, b2!.timestamp + 100);
  return rc.gasUsed;
}

describe("chain runtime (solc + EDR + JSON-RPC node)", function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(join(tmpdir(), "zkm-chain-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  before(async function () {
    const t = performance.now();
    const r = await compileContracts({ contractsDir: null, extraSources: { "test/Box.sol": BOX_SOL } });
    log(`compile Box: ${(performance.now() - t).toFixed(0)} ms (cached: ${r.cached})`);
    box = r.contracts["Box"]!;
  });

  describe("compileContracts", () => {
    it("names contracts both ways, caches by content, reports the compiler", async () => {
      const r = await compileContracts({ contractsDir: null, extraSources: { "test/Box.sol": BOX_SOL } });
      assert.ok(r.contracts["Box"] && r.contracts["test/Box.sol:Box"]);
      assert.deepEqual(r.contracts["Box"], r.contracts["test/Box.sol:Box"]);
      assert.match(r.solcVersion, /^0\.8\.28\+commit/);
      assert.equal(r.cached, true);
      assert.ok(existsSync(join(cacheDir(), "contracts", r.hash, "artifacts.json")));
      assert.ok(box.bytecode.startsWith("0x60") && box.deployedBytecode.length > 100);
      assert.ok(box.abi.some((x) => (x as { name?: string }).name === "TooLarge"));
      const other = await compileContracts({ contractsDir: null, extraSources: { "test/Box.sol": `${BOX_SOL}\n// changed\n` }, noCache: true });
      assert.notEqual(other.hash, r.hash);
      assert.equal(other.cached, false);
    });

    it("turns compile errors into a ZkMarginError with solc's message", async () => {
      await assert.rejects(
        compileContracts({ contractsDir: null, extraSources: { "bad/Bad.sol": "pragma solidity ^0.8.0; contract Bad { function f() { x = 1; } }" } }),
        (e: unknown) => {
          assert.ok(e instanceof ZkMarginError);
          assert.equal(e.code, "FILE");
          assert.equal(e.path, "bad/Bad.sol");
          assert.match(e.message, /Solidity compilation failed/);
          assert.match(e.message, /Undeclared identifier|DeclarationError|TypeError/);
          return true;
        },
      );
    });
  });

  describe("embedded chain (EDR in-process) via ethers", () => {
    let chain: EmbeddedChain;
    after(async () => chain?.close());

    it("deploys, calls, transacts, decodes custom errors, estimates gas, moves time", async () => {
      let t = performance.now();
      chain = await createEmbeddedChain();
      log(`embedded chain cold start: ${(performance.now() - t).toFixed(0)} ms`);
      t = performance.now();
      const c2 = await createEmbeddedChain({ chainId: 5 });
      log(`embedded chain warm start: ${(performance.now() - t).toFixed(0)} ms`);
      assert.equal(await c2.request({ method: "eth_chainId" }), "0x5");
      await c2.close();

      const provider = ethersProviderFor(chain);
      const wallets = devWallets(provider);
      assert.equal(wallets.length, 10);
      assert.equal(wallets[0]!.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
      t = performance.now();
      const gas = await exercise(provider, wallets, 31337n, (m, p) => provider.send(m, p));
      log(`embedded: exercise ${(performance.now() - t).toFixed(0)} ms; Box.set(42) gasUsed = ${gas}`);
    });

    it("speaks EIP-1193: errors carry code and revert data", async () => {
      const accounts = (await chain.request({ method: "eth_accounts" })) as string[];
      assert.equal(accounts.length, 10);
      await assert.rejects(chain.request({ method: "no_such_method" }), (e: { code?: number }) => typeof e.code === "number");
      const iface = new Interface(box.abi as never);
      const deployData = box.bytecode + iface.encodeDeploy([1n]).slice(2);
      const hash = (await chain.request({ method: "eth_sendTransaction", params: [{ from: accounts[0], data: deployData }] })) as string;
      const receipt = (await chain.request({ method: "eth_getTransactionReceipt", params: [hash] })) as { contractAddress: string };
      const call = { to: receipt.contractAddress, data: iface.encodeFunctionData("set", [5000n]) };
      await assert.rejects(chain.request({ method: "eth_call", params: [call, "latest"] }), (e: { code?: number; data?: string }) => {
        assert.equal(e.code, 3);
        assert.equal(iface.parseError(e.data!)?.name, "TooLarge");
        return true;
      });
      const r = await chain.send({ jsonrpc: "2.0", id: 7, method: "eth_blockNumber", params: [] });
      assert.equal(r.id, 7);
      assert.ok("result" in r);
    });

    it("derives the precomputed dev accounts from the mnemonic", () => {
      const derived = devAccounts({ mnemonic: DEV_MNEMONIC, count: 11 });
      assert.deepEqual(derived.slice(0, 10), devAccounts());
      assert.equal(derived.length, 11);
    });
  });

  describe("JSON-RPC node as a child process", () => {
    let child: ChildProcess | undefined;
    let url = "";
    after(async () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child?.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    });

    it("starts, prints its URL and serves ethers", async () => {
      const t = performance.now();
      child = spawn(process.execPath, ["--import", "tsx", "src/chain/node-main.ts", "--port", "0", "--chain-id", "1337"], {
        cwd: packageRoot(),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      url = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child!.stdout! });
        rl.on("line", (line) => {
          const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
          if (m?.[1]) resolve(m[1]);
        });
        child!.once("exit", (code) => reject(new Error(`node exited (${code}): ${stderr}`)));
      });
      log(`node process cold start (spawn -> listening, via tsx): ${(performance.now() - t).toFixed(0)} ms`);

      const provider = new JsonRpcProvider(url, undefined, { pollingInterval: 50, cacheTimeout: -1 });
      try {
        const gas = await exercise(provider, devWallets(provider), 1337n, (m, p) => provider.send(m, p));
        log(`node: Box.set(42) gasUsed = ${gas}`);
      } finally {
        provider.destroy();
      }
    });

    it("answers batches, notifications and malformed bodies per JSON-RPC 2.0", async () => {
      const post = async (body: string): Promise<{ status: number; json: unknown }> => {
        const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
        const text = await r.text();
        return { status: r.status, json: text ? JSON.parse(text) : undefined };
      };
      const batch = await post(
        JSON.stringify([
          { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] },
          { jsonrpc: "2.0", method: "eth_blockNumber", params: [] },
          { jsonrpc: "2.0", id: "b", method: "nope", params: [] },
        ]),
      );
      assert.equal(batch.status, 200);
      const arr = batch.json as Array<{ id: unknown; result?: unknown; error?: { code: number } }>;
      assert.equal(arr.length, 2);
      assert.deepEqual(arr[0], { jsonrpc: "2.0", id: 1, result: "0x539" });
      assert.equal(arr[1]!.id, "b");
      assert.ok(arr[1]!.error);
      assert.equal((await post("{nope")).json && ((await post("{nope")).json as { error: { code: number } }).error.code, -32700);
      assert.equal(((await post("[]")).json as { error: { code: number } }).error.code, -32600);
      assert.equal((await post(JSON.stringify({ jsonrpc: "2.0", method: "eth_chainId" }))).status, 204);
    });

    it("exits cleanly on SIGTERM", async () => {
      assert.ok(child);
      const t = performance.now();
      const code = await new Promise<number | null>((resolve) => {
        child!.once("exit", (c) => resolve(c));
        child!.kill("SIGTERM");
      });
      log(`node shutdown: ${(performance.now() - t).toFixed(0)} ms`);
      assert.equal(code, 0);
    });
  });

  describe("persistence journal", () => {
    const stateFile = join(tmp, "state", "chain.json");
    let address = "";
    let head = { number: 0, hash: "", timestamp: 0 };
    const blocks: Array<{ hash: string; timestamp: number }> = [];

    it("records a session", async () => {
      const chain = await createEmbeddedChain({ stateFile });
      try {
        await assert.rejects(createEmbeddedChain({ stateFile }), (e: unknown) => e instanceof ZkMarginError && /in use/.test(e.message));
        const provider = ethersProviderFor(chain);
        const [w0, w1] = devWallets(provider);
        const c = await deployBox(w0!, 1n);
        address = await c.getAddress();
        await (await c.getFunction("set")(77n)).wait();
        // A mined-but-reverted transaction (explicit gas skips estimation) is journaled too.
        const bad = await (c.connect(w1!) as Contract).getFunction("set")(5000n, { gasLimit: 100_000n });
        await assert.rejects(bad.wait(), (e: { code?: string }) => e.code === "CALL_EXCEPTION");
        await provider.send("evm_increaseTime", [86_400]);
        // eth_sendTransaction from an owned (unlocked) account, then a snapshot/revert pair.
        const owned = (await chain.request({ method: "eth_accounts" })) as string[];
        await chain.request({ method: "eth_sendTransaction", params: [{ from: owned[2], to: owned[3], value: "0x1000" }] });
        const snap = await provider.send("evm_snapshot", []);
        await (await c.getFunction("set")(555n)).wait();
        assert.equal(await provider.send("evm_revert", [snap]), true);
        await (await c.getFunction("set")(78n)).wait();
        const n = await provider.getBlockNumber();
        for (let i = 0; i <= n; i++) {
          const b = (await provider.getBlock(i))!;
          blocks.push({ hash: b.hash!, timestamp: b.timestamp });
        }
        const latest = (await provider.getBlock("latest"))!;
        head = { number: latest.number, hash: latest.hash!, timestamp: latest.timestamp };
        assert.ok(head.timestamp >= blocks[0]!.timestamp + 86_400);
      } finally {
        await chain.close();
      }
      assert.ok(!existsSync(`${stateFile}.lock`), "lock released");
      const journal = JSON.parse(readFileSync(stateFile, "utf8")) as { entries: Array<{ method: string }> };
      assert.ok(journal.entries.length >= 6);
    });

    it("restores it exactly in a fresh chain and keeps going", async () => {
      const t = performance.now();
      const chain = await createEmbeddedChain({ stateFile });
      log(`reopen + replay ${chain.replayed} entries: ${(performance.now() - t).toFixed(0)} ms`);
      try {
        const provider = ethersProviderFor(chain);
        const [w0] = devWallets(provider);
        assert.equal(await provider.getBlockNumber(), head.number);
        for (let i = 0; i < blocks.length; i++) {
          const b = (await provider.getBlock(i))!;
          assert.deepEqual({ hash: b.hash, timestamp: b.timestamp }, blocks[i], `block ${i}`);
        }
        const c = new Contract(address, box.abi as never, w0);
        assert.equal(await c.getFunction("value")(), 78n);
        assert.equal(await c.getFunction("owner")(), w0!.address);
        await (await c.getFunction("set")(99n)).wait();
        assert.equal(await c.getFunction("value")(), 99n);
        const latest = (await provider.getBlock("latest"))!;
        assert.equal(latest.number, head.number + 1);
        assert.ok(latest.timestamp > head.timestamp);
        // Chain time still runs a day ahead of the wall clock, as if the chain had kept running.
        assert.ok(latest.timestamp >= Math.floor(Date.now() / 1000) + 86_400 - 5, "time offset restored");
      } finally {
        await chain.close();
      }
      // Third session sees the second one's transaction.
      const again = await createEmbeddedChain({ stateFile });
      try {
        const c = new Contract(address, box.abi as never, ethersProviderFor(again));
        assert.equal(await c.getFunction("value")(), 99n);
      } finally {
        await again.close();
      }
      await assert.rejects(createEmbeddedChain({ stateFile, chainId: 1 }), (e: unknown) => e instanceof ZkMarginError && /chain id/.test(e.message));
    });
  });
});
