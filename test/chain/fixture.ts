import type { JsonRpcApiProvider, Wallet } from "ethers";
import { compileContracts } from "../../src/chain/solc.js";
import { createEmbeddedChain, devWallets, ethersProviderFor } from "../../src/chain/edr.js";
import type { PoolArtifacts } from "../../src/chain/pool.js";

export interface ChainFixture {
  provider: JsonRpcApiProvider;
  wallets: Wallet[];
  artifacts: PoolArtifacts;
  increaseTime(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/** An in-process chain with funded dev wallets and the pool's contracts compiled with a verifier. */
export async function chainFixture(verifierSource: string, chainId = 31337): Promise<ChainFixture> {
  const compiled = await compileContracts({ extraSources: { "generated/Groth16Verifier.sol": verifierSource } });
  const pick = (name: string) => {
    const c = compiled.contracts[name];
    if (!c) throw new Error(`contract ${name} not compiled`);
    return { abi: c.abi as unknown[], bytecode: c.bytecode };
  };
  const artifacts: PoolArtifacts = {
    Groth16Verifier: pick("Groth16Verifier"),
    RiskParamsRegistry: pick("RiskParamsRegistry"),
    MarginAttestations: pick("MarginAttestations"),
    ExamplePool: pick("ExamplePool"),
  };
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
