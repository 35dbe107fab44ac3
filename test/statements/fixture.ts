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

/** A small statement (2 balances, 1 short position: one chunk). */
export const EXAMPLE_HOLDINGS = {
  collateral: { "1": "2500000000000", "3": "150250000000000000000" },
  positions: { "1002": "-120500" },
};

/**
 * The worked example of docs/statements.md ("Worked example"): a debt of 1,250,000 USDC, 150.25 ETH
 * and 17 positions: 19 entries, two chunks. Signed by venue 1 (DEV_KEY) for ACCOUNT as of AS_OF.
 */
export const WORKED_EXAMPLE = {
  collateral: { "1": "-1250000000000", "3": "150250000000000000000" },
  positions: {
    "1001": "5000",
    "1002": "-120500",
    "1003": "-30000",
    "1101": "40000",
    "2001": "200",
    "2002": "-150",
    "2003": "100",
    "2004": "-250",
    "2005": "-100",
    "2006": "300",
    "2007": "-200",
    "2008": "-50",
    "2009": "1000",
    "2010": "-500",
    "2011": "400",
    "2012": "-800",
    "2013": "-300",
  },
};
/** The same holdings in the portfolio's form (symbols, whole units), as `zkmargin venue sign` reads them. */
export const WORKED_EXAMPLE_UNITS = {
  collateral: { USDC: "-1250000", ETH: "150.25" },
  positions: {
    "BTC-PERP": "0.5",
    "ETH-PERP": "-120.5",
    "SOL-PERP": "-300",
    "ETH-26MAR27": "40",
    "BTC-26DEC26-80000-P": "2",
    "BTC-26DEC26-90000-C": "-1.5",
    "BTC-26DEC26-90000-P": "1",
    "BTC-26DEC26-100000-C": "-2.5",
    "BTC-26DEC26-110000-C": "-1",
    "BTC-26MAR27-80000-P": "3",
    "BTC-26MAR27-100000-C": "-2",
    "BTC-26MAR27-120000-C": "-0.5",
    "ETH-26DEC26-2600-P": "10",
    "ETH-26DEC26-3000-C": "-5",
    "ETH-26DEC26-3000-P": "4",
    "ETH-26DEC26-3400-C": "-8",
    "ETH-26DEC26-4000-C": "-3",
  },
};
