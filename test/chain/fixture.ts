import type { JsonRpcApiProvider, Wallet } from "ethers";
import { createEmbeddedChain, devWallets, ethersProviderFor } from "../../src/chain/edr.js";
import { compilePoolContracts, type PoolArtifacts } from "../../src/chain/pool.js";

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
