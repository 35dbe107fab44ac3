import { readFileSync } from "node:fs";
import { parseRiskParams } from "../../src/params/parse.js";
import type { RiskParams } from "../../src/params/types.js";
import { repoFile } from "../helpers.js";
import { devStatementKey, statementPublicKey } from "../../src/statements/keys.js";

/** The example venue's public development key (docs/market-format.md): "zkmargin example venue 1" + zero bytes. */
export const DEV_KEY_HEX = devStatementKey("zkmargin example venue 1");
export const DEV_KEY = Buffer.from(DEV_KEY_HEX.slice(2), "hex");
/** A second venue's key (tests only). */
export const VENUE2_KEY = `0x${"42".repeat(32)}`;

export const ACCOUNT = "0x70997970c51812dc3a010c7d01b50e20d4dc79c8";
export const OTHER_ACCOUNT = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
/** 2026-11-20T15:30:00Z: inside examples/params.json's window (16:00 +/- 3600 s). */
export const AS_OF = 1795188600;

export function exampleParamsJson(): any {
  return JSON.parse(readFileSync(repoFile("examples/params.json"), "utf8"));
}

/** examples/params.json, plus venue 2 ("Test Custodian") with VENUE2_KEY. */
export function twoVenueParams(): RiskParams {
  const j = exampleParamsJson();
  j.venues.push({ id: 2, name: "Test Custodian", publicKey: statementPublicKey(VENUE2_KEY) });
  return parseRiskParams(j);
}

/** The worked example of docs/statements.md. */
export const EXAMPLE_HOLDINGS = {
  collateral: { "1": "2500000000000", "3": "150250000000000000000" },
  positions: { "1002": "-120500" },
};
