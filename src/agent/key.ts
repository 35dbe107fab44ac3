import { readFileSync, statSync } from "node:fs";
import { Wallet } from "ethers";
import { ZkMarginError } from "../errors.js";
import type { AgentConfig } from "./config.js";

/**
 * The account's key: an encrypted JSON keystore (ethers `Wallet.fromEncryptedJson`, the geth /
 * web3 secret-storage format) with its password from a file or an environment variable; a raw
 * private key only on a dev chain (config.devChainIds, default 31337 and 1337): anywhere else it is
 * refused before anything is signed.
 */
export async function loadAgentWallet(config: AgentConfig, chainId: number, warn: (m: string) => void = () => {}): Promise<Wallet> {
  const k = config.key;
  if ("keystore" in k) {
    let json: string;
    try {
      json = readFileSync(k.keystore, "utf8");
    } catch (e) {
      throw new ZkMarginError("FILE", `cannot read the keystore ${JSON.stringify(k.keystore)}: ${(e as Error).message}`, { path: "key.keystore" });
    }
    let password: string;
    if (k.passwordFile !== undefined) {
      try {
        password = readFileSync(k.passwordFile, "utf8").replace(/\r?\n$/, "");
        if ((statSync(k.passwordFile).mode & 0o077) !== 0 && process.platform !== "win32") {
          warn(`the password file ${k.passwordFile} is readable by others (mode ${(statSync(k.passwordFile).mode & 0o777).toString(8)}); chmod 600 it`);
        }
      } catch (e) {
        throw new ZkMarginError("FILE", `cannot read the keystore password file ${JSON.stringify(k.passwordFile)}: ${(e as Error).message}`, { path: "key.passwordFile" });
      }
    } else {
      const v = process.env[k.passwordEnv!];
      if (v === undefined) throw new ZkMarginError("ARGUMENT", `the environment variable ${k.passwordEnv} (the keystore's password) is not set`, { path: "key.passwordEnv" });
      password = v;
    }
    try {
      const w = await Wallet.fromEncryptedJson(json, password);
      return w instanceof Wallet ? w : new Wallet(w.privateKey);
    } catch (e) {
      const m = (e as Error).message;
      throw new ZkMarginError(
        "ARGUMENT",
        /password/i.test(m) ? "the keystore's password is wrong" : `cannot decrypt the keystore ${JSON.stringify(k.keystore)}: ${m.split("\n")[0]}`,
        { path: "key.keystore" },
      );
    }
  }
  if (!config.devChainIds.includes(chainId)) {
    throw new ZkMarginError(
      "ARGUMENT",
      `a raw private key is accepted only on a dev chain (chain ids ${config.devChainIds.join(", ")}); chain ${chainId} needs an encrypted keystore: ` +
        '"key": { "keystore": "account.json", "passwordFile": "password.txt" } (or "passwordEnv")',
      { path: "key", value: chainId, limit: config.devChainIds.join(", ") },
    );
  }
  const raw = k.privateKey ?? process.env[k.privateKeyEnv!];
  if (raw === undefined) throw new ZkMarginError("ARGUMENT", `the environment variable ${k.privateKeyEnv} (the private key) is not set`, { path: "key.privateKeyEnv" });
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw new ZkMarginError("ARGUMENT", "must be a 0x-prefixed 32-byte hex private key", { path: k.privateKey ? "key.privateKey" : "key.privateKeyEnv" });
  return new Wallet(raw);
}
