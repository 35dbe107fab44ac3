import { readFileSync } from "node:fs";
import type { Wallet } from "ethers";
import { ZkMarginError, isZkMarginError } from "../errors.js";
import { buildParamsTree } from "../params/tree.js";
import { parseRiskParams } from "../params/parse.js";
import type { RiskParams } from "../params/types.js";
import { toHex32 } from "../crypto/poseidon.js";
import { parseJsonStrict } from "../util/json.js";
import type { StatementJson } from "../statements/types.js";
import type { ParamsSourceConfig, StatementSourceConfig } from "./config.js";

/**
 * Where the agent gets its inputs each round, as small interfaces so that other sources plug in:
 * the risk parameters of the epoch the registry posted (checked against the posted root, whatever
 * the source), and one holdings statement per venue.
 */
export interface ParamsRequest {
  epoch: number;
  root: bigint;
  signal?: AbortSignal;
}
export interface ParamsSource {
  describe: string;
  fetch(req: ParamsRequest): Promise<RiskParams>;
}

export interface StatementRequest {
  account: string;
  /** The account's key: a venue service authenticates a request by the account's own signature. */
  wallet: Wallet;
  params: RiskParams;
  signal?: AbortSignal;
}
export interface StatementSource {
  venueId: number;
  describe: string;
  /** "venue" faults (service down, timeouts) are retried; a bad statement is not. */
  fetch(req: StatementRequest): Promise<StatementJson>;
}

/** A function that asks a venue statement service for the account's statement (docs/venue-api.md). */
export type VenueClient = (args: { url: string; venueId: number; wallet: Wallet; signal?: AbortSignal }) => Promise<StatementJson>;

/** Check fetched parameters against the posted root and epoch; a MISMATCH error names both roots. */
export function checkParams(params: RiskParams, req: ParamsRequest, where: string): RiskParams {
  const root = buildParamsTree(params).paramsRoot;
  if (root !== req.root) {
    throw new ZkMarginError(
      "MISMATCH",
      `the parameters from ${where} have root ${toHex32(root)} (epoch ${params.epoch}), but the registry posted root ${toHex32(req.root)} for epoch ${req.epoch}: refusing them`,
      { path: "params", value: toHex32(root), limit: toHex32(req.root) },
    );
  }
  return params;
}

function parseParamsText(text: string, where: string): RiskParams {
  try {
    return parseRiskParams(parseJsonStrict(text, `the parameters at ${where}`));
  } catch (e) {
    throw isZkMarginError(e) ? e.inFile(where, "risk parameters") : e;
  }
}

/** A parameters file, re-read every round (the operator replaces it when the oracle posts). */
export function fileParamsSource(file: string): ParamsSource {
  return {
    describe: `file ${file}`,
    async fetch(req) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new ZkMarginError("FILE", `cannot read the parameters file ${JSON.stringify(file)}: ${(e as Error).message}`, { path: "params.file" });
      }
      return checkParams(parseParamsText(text, file), req, file);
    },
  };
}

/** Parameters from a fixed URL. */
export function urlParamsSource(url: string): ParamsSource {
  return {
    describe: url,
    async fetch(req) {
      const res = await fetch(url, { signal: req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000) });
      if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
      return checkParams(parseParamsText(await res.text(), url), req, url);
    },
  };
}

/** A statement file of one venue, re-read every round (a venue or a sync job replaces it). */
export function fileStatementSource(venueId: number, file: string): StatementSource {
  return {
    venueId,
    describe: `file ${file}`,
    async fetch() {
      let j: unknown;
      try {
        j = parseJsonStrict(readFileSync(file, "utf8"), `statement file ${JSON.stringify(file)}`);
      } catch (e) {
        if (isZkMarginError(e)) throw e;
        throw new ZkMarginError("FILE", `cannot read the statement file ${JSON.stringify(file)}: ${(e as Error).message}`, { path: "statements" });
      }
      const v = (j as { venue?: unknown })?.venue;
      if (v !== venueId) {
        throw new ZkMarginError("MISMATCH", `the statement file ${file} is from venue ${JSON.stringify(v)}, the configuration lists it for venue ${venueId}`, {
          path: "statements.venueId",
          value: v,
          limit: String(venueId),
        });
      }
      return j as StatementJson;
    },
  };
}

/** A venue statement service, through `client` (the SDK's venue client). */
export function venueStatementSource(venueId: number, url: string, client: VenueClient): StatementSource {
  return {
    venueId,
    describe: url,
    async fetch(req) {
      const s = await client({ url, venueId, wallet: req.wallet, signal: req.signal });
      if (s.venue !== venueId) {
        throw new ZkMarginError("MISMATCH", `the venue service at ${url} answered with a statement from venue ${s.venue}, not ${venueId}`, { path: "statements.venueId" });
      }
      return s;
    },
  };
}

/** The configured statement sources (a venue service needs `venueClient`). */
export function statementSources(list: readonly StatementSourceConfig[], venueClient: VenueClient | undefined): StatementSource[] {
  return list.map((s) => {
    if ("file" in s) return fileStatementSource(s.venueId, s.file);
    if (!venueClient) {
      throw new ZkMarginError("ARGUMENT", `statements: venue ${s.venueId} is a venue service (${s.url}), but no venue client is available in this build`, { path: "statements" });
    }
    return venueStatementSource(s.venueId, s.url, venueClient);
  });
}

/** The configured parameters source; "posted" needs `posted` (reads the registry's ParamsUri for the epoch). */
export function paramsSource(cfg: ParamsSourceConfig, posted?: ParamsSource): ParamsSource {
  if ("file" in cfg) return fileParamsSource(cfg.file);
  if ("url" in cfg) return urlParamsSource(cfg.url);
  if (!posted) throw new ZkMarginError("ARGUMENT", "params.posted needs the registry", { path: "params.posted" });
  return posted;
}
