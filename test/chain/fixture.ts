import { strict as assert } from "node:assert";
import type { JsonRpcApiProvider, Wallet } from "ethers";
import { createEmbeddedChain, devWallets, ethersProviderFor } from "../../src/chain/edr.js";
import { compilePoolContracts, decodeContractError, poolErrorAbis, type PoolArtifacts } from "../../src/chain/pool.js";

export interface ChainFixture {
  provider: JsonRpcApiProvider;
  wallets: Wallet[];
  artifacts: PoolArtifacts;
  increaseTime(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * An in-process chain with funded dev wallets and the pool's contracts compiled with a verifier
 * (and, optionally, a verified configuration's verifier).
 */
export async function chainFixture(verifierSource: string, chainId = 31337, verifiedVerifierSource?: string): Promise<ChainFixture> {
  const artifacts = await compilePoolContracts(verifierSource, verifiedVerifierSource);
  const chain = await createEmbeddedChain({ chainId });
  const provider = ethersProviderFor(chain);
  return {
    provider,
    wallets: devWallets(provider),
    artifacts,
    async increaseTime(seconds) {
      await provider.send("evm_increaseTime", [seconds]);
      await provider.send("evm_mine", []);
    },
    async close() {
      provider.destroy();
      await chain.close();
    },
  };
}

/** Await `p` and assert that it reverts with our contracts' custom error `name`; returns the decoded error. */
export async function expectRevert(p: Promise<unknown>, name: string, artifacts: PoolArtifacts) {
  try {
    await p;
  } catch (e) {
    const dec = decodeContractError(e, poolErrorAbis(artifacts));
    assert.ok(dec, `not a decodable revert: ${(e as Error).message}`);
    assert.equal(dec.name, name, dec.message);
    return dec;
  }
  assert.fail(`expected revert ${name}`);
}

/**
 * A stand-in for the generated (self-declared) Groth16 verifier: a "proof" for public signals
 * [commitment, paramsRoot, terms, context] is a = [terms, context], so the contracts' own logic is
 * tested without proving.
 */
export const MOCK_VERIFIER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Groth16Verifier {
    function verifyProof(uint256[2] calldata pA, uint256[2][2] calldata, uint256[2] calldata, uint256[4] calldata pub) external pure returns (bool) {
        return pA[0] == pub[2] && pA[1] == pub[3];
    }
}
`;
