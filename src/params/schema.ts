/**
 * JSON Schemas for the risk-parameter and portfolio files (SPEC.md "Risk parameters", "Portfolio").
 * They check structure only; numeric rules (decimal places, bit budgets, tier order) are checked in
 * parse.ts so that their errors can state the limit. Amounts, prices and risk values are decimal
 * strings; their schema type is left open so that a JSON number gets the clearer decimal error.
 */
export const SYMBOL_PATTERN = "^(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9._:/+-]{0,63}$";
const symbol = {
  type: "string",
  pattern: SYMBOL_PATTERN,
  description: "1-64 characters: letters, digits and . _ : / + -, not all digits",
};
const id = { type: "integer", minimum: 0 };
const decimals = { type: "integer", minimum: 0, maximum: 18 };

export const riskParamsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["version", "epoch", "asOf", "scenarios", "assets", "instruments"],
  properties: {
    version: { const: 1 },
    epoch: { type: "integer", minimum: 0 },
    asOf: { type: "string" },
    scenarios: { type: "array", items: { type: "string" } },
    assets: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "symbol", "decimals", "price", "haircuts"],
        properties: {
          id,
          symbol,
          decimals,
          price: {},
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
    instruments: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "symbol", "kind", "decimals", "riskArray", "shortOptionMinimum"],
        properties: {
          id,
          symbol,
          kind: { enum: ["perpetual", "future", "option"] },
          decimals,
          riskArray: { type: "array" },
          shortOptionMinimum: {},
        },
      },
    },
  },
} as const;

export const portfolioSchema = {
  type: "object",
  additionalProperties: false,
  required: ["collateral"],
  properties: {
    collateral: { type: "object" },
    positions: { type: "object" },
  },
} as const;
