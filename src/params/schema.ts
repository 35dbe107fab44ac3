/**
 * JSON Schemas for the risk-parameter (version 3) and portfolio files (README "Input rules").
 * They check structure only; numeric rules (decimal places, bit budgets, tier order, group
 * references, curve points, capacities) are checked in parse.ts so that their errors can state the
 * limit. Amounts, prices, risk values and venue key coordinates are decimal strings; their schema type
 * is left open so that a JSON number gets the clearer decimal error.
 */
export const SYMBOL_PATTERN = "^(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$";
const symbol = {
  type: "string",
  pattern: SYMBOL_PATTERN,
  description: "1-64 characters: letters, digits and . _ : / + -, not all digits",
};
const id = { type: "integer", minimum: 0 };
const decimals = { type: "integer", minimum: 0, maximum: 18 };

/** JSON Schema of the version-3 risk-parameter file (structure only; parseRiskParams checks the rest). */
export const riskParamsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["version", "epoch", "asOf", "maxStatementAge", "scenarios", "assets", "groups", "instruments"],
  properties: {
    version: { const: 3 },
    epoch: { type: "integer", minimum: 0 },
    asOf: { type: "string" },
    validUntil: { type: "string" },
    maxStatementAge: { type: "integer", minimum: 0 },
    scenarios: { type: "array", items: { type: "string" } },
    assets: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "symbol", "decimals", "price", "debtBps", "haircuts"],
        properties: {
          id,
          symbol,
          decimals,
          price: {},
          debtBps: { type: "integer", minimum: 0, maximum: 10000 },
          haircuts: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["upTo", "bps"],
              properties: { upTo: {}, bps: { type: "integer", minimum: 0, maximum: 10000 } },
            },
          },
        },
      },
    },
    groups: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "symbol"],
        properties: { id, symbol },
      },
    },
    instruments: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "symbol", "kind", "group", "decimals", "riskArray", "shortOptionMinimum"],
        properties: {
          id,
          symbol,
          kind: { enum: ["perpetual", "future", "option"] },
          // a group symbol, or a group id as an integer or a digit string (checked in parse.ts)
          group: {},
          decimals,
          riskArray: { type: "array" },
          shortOptionMinimum: {},
        },
      },
    },
    venues: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "name", "publicKey"],
        properties: {
          id,
          name: { type: "string", minLength: 1, maxLength: 64 },
          publicKey: { type: "array", minItems: 2, maxItems: 2 },
        },
      },
    },
  },
} as const;

/** JSON Schema of the portfolio file (structure only; parsePortfolio checks the rest). */
export const portfolioSchema = {
  type: "object",
  additionalProperties: false,
  required: ["collateral"],
  properties: {
    collateral: { type: "object" },
    positions: { type: "object" },
  },
} as const;
