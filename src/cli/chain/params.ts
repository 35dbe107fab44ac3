import { type Command } from "commander";
import { registryAt } from "../../chain/pool.js";
import {
  DEFAULT_PARAMS_FETCH_TIMEOUT_MS,
  DEFAULT_PARAMS_MAX_BYTES,
  checkParamsUri,
  defaultValidUntil,
  fetchPostedParams,
  postParams,
  setParamsUri,
} from "../../chain/registry.js";
import { toHex32 } from "../../crypto/poseidon.js";
import { ZkMarginError } from "../../errors.js";
import { parseRiskParams } from "../../params/parse.js";
import { toJsonText, writeFileAtomic } from "../../util/files.js";
import { parseJsonFile } from "../../util/json.js";
import { isoSeconds } from "../output.js";
import { type ChainIo, type ChainOpts, type SetExit, at, chainNow, loadDeployment, parseSeconds, parseTime, signerFor, withChain, withCommon } from "./session.js";

function parseEpoch(v: string, flag: string): bigint {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(v) || BigInt(v) >= 2n ** 64n) {
    throw new ZkMarginError("ARGUMENT", `must be an epoch number (a whole number below 2^64), got ${JSON.stringify(v)}`, { path: flag, value: v });
  }
  return BigInt(v);
}

/** Risk parameters on chain: `chain post-params` (with --uri), `chain params` (fetch the posted file). */
export function addParamsCommands(chain: Command, io: ChainIo, setExit: SetExit): void {
  withCommon(
    chain
      .command("post-params")
      .description("risk oracle: post a parameter file's root, epoch and validity window")
      .argument("<params>", "risk-parameter JSON")
      .option("--valid-until <time>", "last valid second (unix seconds or ISO 8601); default the parameters' validUntil, else asOf + 7 days")
      .option(
        "--uri <uri>",
        "where provers can fetch this parameter file (http(s):// or file://), announced on chain with the root (a ParamsUri event); `zkmargin chain params` fetches it and checks its root",
      ),
  ).action(async (file: string, opts: ChainOpts & { validUntil?: string; uri?: string }) => {
    const params = parseJsonFile(file, "risk parameters", "params", parseRiskParams);
    const uri = opts.uri === undefined ? undefined : checkParamsUri(opts.uri, "--uri");
    const given = opts.validUntil ? parseTime(opts.validUntil, "--valid-until") : undefined;
    const fallback = defaultValidUntil(params);
    const validUntil = given ?? fallback.validUntil;
    const source = given !== undefined ? "--valid-until" : fallback.source === "validUntil" ? "the parameters' validUntil" : "asOf + 7 days: the parameters set no validUntil";
    const asOf = Number(params.asOfUnix);
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      // The registry refuses a window that does not end after both asOf and now; say so with the times.
      const now = await chainNow(s);
      if (validUntil <= asOf || validUntil <= now) {
        const past = validUntil <= now;
        throw new ZkMarginError(
          "VALIDITY",
          `the validity window would end ${at(validUntil)}${given === undefined ? ` (${source})` : ""}, which is not after ${past ? "now" : "asOf"}: ` +
            `${past ? `now is ${at(now)}` : `asOf is ${at(asOf)}`}; pass a later --valid-until <unix|ISO>` +
            `${given === undefined ? " or set a later validUntil in the parameters" : ""}`,
          {
            path: given !== undefined ? "--valid-until" : "validUntil",
            value: isoSeconds(validUntil),
            limit: past ? `> now (${isoSeconds(now)})` : `> asOf (${isoSeconds(asOf)})`,
          },
        );
      }
      const r = await postParams(registryAt(d, a, signerFor(s, opts, "oracle")), params, { validUntil, ...(uri !== undefined ? { uri } : {}) });
      const out = {
        epoch: Number(r.epoch),
        paramsRoot: toHex32(r.root),
        asOf: r.asOf,
        validUntil: r.validUntil,
        validUntilIso: isoSeconds(r.validUntil),
        validUntilSource: given !== undefined ? "--valid-until" : fallback.source,
        uri: uri ?? null,
        gasUsed: r.gasUsed,
        txHash: r.txHash,
      };
      io.out(
        opts.json
          ? toJsonText(out)
          : `posted epoch ${out.epoch} root ${out.paramsRoot}, valid until ${out.validUntilIso} (${source})${uri ? `, file at ${uri}` : ""} (${out.gasUsed} gas)`,
      );
    });
  });

  withCommon(
    chain
      .command("set-params-uri")
      .description("risk oracle: announce a (new) location of an already posted epoch's parameter file (the latest announcement wins)")
      .argument("<epoch>", "the posted epoch")
      .argument("<uri>", "http(s):// or file:// URI of the parameter file"),
  ).action(async (epochArg: string, uriArg: string, opts: ChainOpts) => {
    const epoch = parseEpoch(epochArg, "epoch");
    const uri = checkParamsUri(uriArg, "uri");
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const r = await setParamsUri(registryAt(d, a, signerFor(s, opts, "oracle")), epoch, uri);
      io.out(opts.json ? toJsonText({ epoch: Number(epoch), uri, gasUsed: r.gasUsed, txHash: r.txHash }) : `announced epoch ${epoch}'s parameters at ${uri} (${r.gasUsed} gas)`);
    });
  });

  withCommon(
    chain
      .command("params")
      .description(
        "prover: fetch the parameter file the risk oracle announced for an epoch (default: the latest) and keep it only if its root is the posted root",
      )
      .option("--epoch <n>", "the epoch (default: the latest posted)")
      .requiredOption("-o, --out <file>", "where to write the parameter file (exactly the bytes fetched)")
      .option("--timeout <s>", "give up fetching after this many seconds", String(DEFAULT_PARAMS_FETCH_TIMEOUT_MS / 1000))
      .option("--max-bytes <n>", "refuse a file larger than this", String(DEFAULT_PARAMS_MAX_BYTES)),
  ).action(async (opts: ChainOpts & { epoch?: string; out: string; timeout: string; maxBytes: string }) => {
    const epoch = opts.epoch === undefined ? undefined : parseEpoch(opts.epoch, "--epoch");
    const timeoutS = parseSeconds(opts.timeout, "--timeout", DEFAULT_PARAMS_FETCH_TIMEOUT_MS / 1000);
    if (timeoutS < 1) throw new ZkMarginError("ARGUMENT", "must be at least 1 second", { path: "--timeout", value: opts.timeout });
    const maxBytes = parseSeconds(opts.maxBytes, "--max-bytes", DEFAULT_PARAMS_MAX_BYTES);
    await withChain(opts, async (s, a) => {
      const d = loadDeployment(s);
      const f = await fetchPostedParams(registryAt(d, a, s.provider), {
        ...(epoch !== undefined ? { epoch } : {}),
        ...(d.blockNumber !== undefined ? { fromBlock: d.blockNumber } : {}),
        timeoutMs: timeoutS * 1000,
        maxBytes,
      });
      writeFileAtomic(opts.out, f.text);
      const [acceptable, acceptedUntil] = (await registryAt(d, a, s.provider).getFunction("isAcceptable")(f.epoch)) as [boolean, bigint];
      const out = {
        epoch: Number(f.epoch),
        paramsRoot: toHex32(f.root),
        uri: f.uri,
        asOf: f.posted.asOf,
        validUntil: f.posted.validUntil,
        acceptable,
        acceptedUntil: Number(acceptedUntil),
        out: opts.out,
      };
      io.out(
        opts.json
          ? toJsonText(out)
          : [
              `fetched epoch ${out.epoch} from ${f.uri}: root ${out.paramsRoot} is the posted root`,
              `  ${acceptable ? `accepted until ${at(out.acceptedUntil)}` : "NOT accepted now (expired or superseded past its grace period)"}`,
              `wrote ${opts.out}`,
            ].join("\n"),
      );
    });
  });

}
