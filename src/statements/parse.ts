import { getAddress } from "ethers";
import { AMOUNT_BITS, AMOUNT_LIMIT, FIELD_MODULUS, ID_LIMIT, TIME_BITS, TIME_LIMIT } from "../config/limits.js";
import { ZkMarginError, show } from "../errors.js";
import { compileValidator } from "../util/schema.js";
import { STATEMENT_FORMAT_VERSION, STATEMENT_MAX_ENTRIES } from "./encoding.js";
import type { Statement, StatementHoldings, StatementJson } from "./types.js";

const DIGITS = "^(0|[1-9][0-9]*)$";
const fieldString = { type: "string", pattern: DIGITS, description: "a decimal string of digits, no sign, no leading zeros" };
const pointSchema = { type: "array", items: fieldString, minItems: 2, maxItems: 2 };
const amountsSchema = {
  type: "object",
  propertyNames: { pattern: DIGITS },
  // amounts are checked by parseAmount (clearer messages, e.g. for a JSON number)
};

/** JSON Schema of a statement file (the value rules follow in parseStatement). */
export const statementSchema = {
  type: "object",
  additionalProperties: false,
  required: ["zkmarginStatement", "venue", "account", "asOf", "collateral", "positions", "publicKey", "signature"],
  properties: {
    zkmarginStatement: { const: STATEMENT_FORMAT_VERSION },
    venue: { type: "integer", minimum: 0, maximum: Number(ID_LIMIT - 1n) },
    account: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$", description: "a 0x-prefixed 20-byte hex address" },
    asOf: { type: "integer", minimum: 0, maximum: Number(TIME_LIMIT - 1n) },
    collateral: amountsSchema,
    positions: amountsSchema,
    publicKey: pointSchema,
    signature: {
      type: "object",
      additionalProperties: false,
      required: ["R8", "S"],
      properties: { R8: pointSchema, S: fieldString },
    },
  },
} as const;

const validateShape = compileValidator(statementSchema, "statement");

function keyPath(section: string, key: string): string {
  return `${section}[${JSON.stringify(key)}]`;
}

/** An EVM address: 0x + 40 hex digits; mixed case must be a valid EIP-55 checksum. Returns lowercase. */
export function parseAccount(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new ZkMarginError("ARGUMENT", `must be an EVM address (0x followed by 40 hex digits), got ${show(value)}`, { path, value });
  }
  const body = value.slice(2);
  if (body !== body.toLowerCase() && body !== body.toUpperCase()) {
    try {
      getAddress(value);
    } catch {
      throw new ZkMarginError("ARGUMENT", `${show(value)} has a bad EIP-55 checksum (mixed case); check the address or write it in lowercase`, {
        path,
        value,
      });
    }
  }
  return `0x${body.toLowerCase()}`;
}

/** An asset or instrument id given as a JSON key or number: 0 .. 2^32 - 1, no leading zeros. */
function parseId(key: string | number, path: string): number {
  const s = String(key);
  if (!new RegExp(DIGITS).test(s)) {
    throw new ZkMarginError("SCHEMA", `must be keyed by an id (a whole number without leading zeros), got ${show(key)}`, { path, value: key });
  }
  if (BigInt(s) >= ID_LIMIT) {
    throw new ZkMarginError("OUT_OF_RANGE", `id ${s} is over the limit 2^32 - 1`, { path, value: key, limit: "2^32 - 1" });
  }
  return Number(s);
}

/**
 * A base-unit amount (bigint or decimal integer string), signed: a negative balance is a debt, a
 * negative position a short. Returns 0n for zero; |amount| < 2^96.
 */
function parseAmount(value: unknown, path: string): bigint {
  let x: bigint;
  if (typeof value === "bigint") x = value;
  else if (typeof value === "string" && /^-?(0|[1-9][0-9]*)$/.test(value) && value !== "-0") x = BigInt(value);
  else {
    throw new ZkMarginError(
      "DECIMAL_FORMAT",
      `must be a whole number of base units as a decimal string (e.g. "2500000000" or "-120500"; no fraction, no "+", no leading zeros${typeof value === "number" ? ", not a JSON number" : ""}), got ${show(value)}`,
      { path, value },
    );
  }
  if ((x < 0n ? -x : x) >= AMOUNT_LIMIT) {
    throw new ZkMarginError("BIT_BUDGET", `${show(value)} base units is over the limit 2^${AMOUNT_BITS} - 1 (in magnitude)`, {
      path,
      value,
      limit: `|amount| < 2^${AMOUNT_BITS}`,
    });
  }
  return x;
}

function parseField(value: string, path: string): bigint {
  const x = BigInt(value);
  if (x >= FIELD_MODULUS) {
    throw new ZkMarginError("OUT_OF_RANGE", `${show(value)} is not a field element (must be below the BN254 scalar field modulus)`, {
      path,
      value,
      limit: "< p",
    });
  }
  return x;
}

/** The message a statement with no entries is refused with (signing and parsing). */
export const EMPTY_STATEMENT_MESSAGE = "nothing to sign/prove: a statement holds at least one entry";

function checkEntryCount(n: number, path: string): void {
  if (n < 1) {
    throw new ZkMarginError("ARGUMENT", `${EMPTY_STATEMENT_MESSAGE} (a non-zero balance or position)`, { path, value: 0, limit: ">= 1" });
  }
  if (n > STATEMENT_MAX_ENTRIES) {
    throw new ZkMarginError(
      "CAPACITY",
      `has ${n} entries (collateral balances and positions together); a statement holds at most ${STATEMENT_MAX_ENTRIES} (2^20)`,
      { path, value: n, limit: String(STATEMENT_MAX_ENTRIES) },
    );
  }
}

/** The message a format-1 statement file is refused with. */
export const FORMAT_1_MESSAGE =
  'statement format 1 is no longer accepted: ask the venue for a format 2 statement ("zkmarginStatement": 2, docs/statements.md)';

/**
 * Normalize what a venue signs: ids checked, amounts in base units (signed: a negative balance is a
 * debt), zero amounts dropped, 1 .. STATEMENT_MAX_ENTRIES entries in all, sorted by id.
 */
export function normalizeHoldings(holdings: StatementHoldings, path = "holdings"): Pick<Statement, "collateral" | "positions"> {
  if (typeof holdings !== "object" || holdings === null) {
    throw new ZkMarginError("ARGUMENT", `must be an object { collateral, positions }`, { path, value: holdings });
  }
  for (const k of Object.keys(holdings)) {
    if (k !== "collateral" && k !== "positions") throw new ZkMarginError("SCHEMA", `unknown field "${k}" in holdings`, { path: `${path}.${k}` });
  }
  const collateral = Object.entries(holdings.collateral ?? {})
    .map(([k, v]) => ({ assetId: parseId(k, keyPath(`${path}.collateral`, k)), amount: parseAmount(v, keyPath(`${path}.collateral`, k)) }))
    .filter((c) => c.amount !== 0n)
    .sort((a, b) => a.assetId - b.assetId);
  const positions = Object.entries(holdings.positions ?? {})
    .map(([k, v]) => ({
      instrumentId: parseId(k, keyPath(`${path}.positions`, k)),
      quantity: parseAmount(v, keyPath(`${path}.positions`, k)),
    }))
    .filter((p) => p.quantity !== 0n)
    .sort((a, b) => a.instrumentId - b.instrumentId);
  checkEntryCount(collateral.length + positions.length, path);
  return { collateral, positions };
}

/**
 * Read a statement file (docs/statements.md, "File format"; format 2). Checks the form and the value
 * ranges only; whether the statement may be used is verifyStatement's job. Zero amounts are refused
 * (a venue omits them), and so is a statement with no entries; negative balances (debts) are fine.
 * A format-1 file is refused with a message asking for format 2.
 */
export function parseStatement(json: unknown): Statement {
  if (json && typeof json === "object" && !Array.isArray(json) && (json as { zkmarginStatement?: unknown }).zkmarginStatement === 1) {
    throw new ZkMarginError("SCHEMA", FORMAT_1_MESSAGE, { path: "zkmarginStatement", value: 1, limit: String(STATEMENT_FORMAT_VERSION) });
  }
  validateShape(json);
  const raw = json as StatementJson;
  const account = parseAccount(raw.account, "account");
  const collateral = Object.entries(raw.collateral).map(([k, v]) => {
    const path = keyPath("collateral", k);
    const amount = parseAmount(v, path);
    if (amount === 0n) throw new ZkMarginError("OUT_OF_RANGE", `zero balances are left out of a statement, got ${show(v)}`, { path, value: v, limit: "!= 0" });
    return { assetId: parseId(k, path), amount };
  });
  const positions = Object.entries(raw.positions).map(([k, v]) => {
    const path = keyPath("positions", k);
    const quantity = parseAmount(v, path);
    if (quantity === 0n) throw new ZkMarginError("OUT_OF_RANGE", `zero positions are left out of a statement, got ${show(v)}`, { path, value: v, limit: "!= 0" });
    return { instrumentId: parseId(k, path), quantity };
  });
  checkEntryCount(collateral.length + positions.length, "(top level)");
  collateral.sort((a, b) => a.assetId - b.assetId);
  positions.sort((a, b) => a.instrumentId - b.instrumentId);
  return {
    venueId: raw.venue,
    account,
    asOf: BigInt(raw.asOf),
    collateral,
    positions,
    publicKey: [parseField(raw.publicKey[0], "publicKey[0]"), parseField(raw.publicKey[1], "publicKey[1]")],
    signature: {
      R8: [parseField(raw.signature.R8[0], "signature.R8[0]"), parseField(raw.signature.R8[1], "signature.R8[1]")],
      S: parseField(raw.signature.S, "signature.S"),
    },
  };
}

/** The file form of a statement (keys in id order, decimal strings). */
export function statementToJson(s: Statement): StatementJson {
  return {
    zkmarginStatement: STATEMENT_FORMAT_VERSION,
    venue: s.venueId,
    account: s.account,
    asOf: Number(s.asOf),
    collateral: Object.fromEntries(s.collateral.map((c) => [String(c.assetId), c.amount.toString()])),
    positions: Object.fromEntries(s.positions.map((p) => [String(p.instrumentId), p.quantity.toString()])),
    publicKey: [s.publicKey[0].toString(), s.publicKey[1].toString()],
    signature: { R8: [s.signature.R8[0].toString(), s.signature.R8[1].toString()], S: s.signature.S.toString() },
  };
}

/** A statement given as a parsed Statement or as its JSON form. */
export function toStatement(s: Statement | StatementJson | unknown): Statement {
  if (s && typeof s === "object" && "zkmarginStatement" in s) return parseStatement(s);
  if (s && typeof s === "object" && "venueId" in s && "signature" in s) return parseStatement(statementToJson(s as Statement)); // re-checked
  return parseStatement(s);
}

/** Seconds since 1970 as a bigint: a TIME_BITS-bit whole number. */
export function checkUnixSeconds(x: bigint, path: string): bigint {
  if (x < 0n || x >= TIME_LIMIT) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be unix seconds from 0 to below 2^${TIME_BITS}, got ${x}`, { path, value: x.toString(), limit: `< 2^${TIME_BITS}` });
  }
  return x;
}
