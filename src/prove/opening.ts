import { getConfig, type CircuitConfig } from "../config/circuits.js";
import { AMOUNT_LIMIT } from "../config/limits.js";
import { toHex32 } from "../crypto/poseidon.js";
import { ZkMarginError, show } from "../errors.js";
import { paramsTree } from "../params/tree.js";
import type { RiskParams } from "../params/types.js";
import { parsePortfolio, type Portfolio } from "../portfolio/parse.js";
import { formatScaledTrim } from "../util/decimal.js";
import { type CommitmentOpening, validateOpeningShape } from "./bundle.js";
import { checkFieldElement, commitPortfolio } from "./commitment.js";

/**
 * Commitment openings: what `prove --opening` writes for an attestor or an auditor, and the check
 * an attestor runs before signing (openings name holdings by id and carry the
 * paramsRoot they were made under).
 */

/** The opening of a commitment, holdings named by id in base units (the prover's side). */
export function makeOpening(args: {
  config: CircuitConfig;
  paramsRoot: bigint;
  epoch: bigint | number;
  commitment: bigint;
  salt: bigint;
  portfolio: Portfolio;
}): CommitmentOpening {
  return {
    zkmarginOpening: 2,
    config: args.config.name,
    paramsRoot: toHex32(args.paramsRoot),
    epoch: Number(args.epoch),
    commitment: toHex32(args.commitment),
    salt: toHex32(args.salt),
    collateral: Object.fromEntries(args.portfolio.collateral.map((h) => [String(h.asset.id), h.amountBase.toString()])),
    positions: Object.fromEntries(args.portfolio.positions.map((h) => [String(h.instrument.id), h.quantityBase.toString()])),
  };
}

/** What checkOpening returns: the opening, its configuration, the resolved portfolio and the recomputed commitment. */
export interface CheckedOpening {
  opening: CommitmentOpening;
  config: CircuitConfig;
  /** The holdings resolved under the parameters, in commitment slot order. */
  portfolio: Portfolio;
  paramsRoot: bigint;
  /** The recomputed commitment (equal to the opening's). */
  commitment: bigint;
}

const idPath = (section: string, key: string) => `opening.${section}[${JSON.stringify(key)}]`;

/**
 * Check a commitment opening against risk parameters before relying on it (e.g. before an attestor
 * signs its commitment): the shape (version 2, ids, base units), the circuit configuration (`config`
 * if given must be the opening's), the opening's paramsRoot being the parameters' root, every id
 * naming an asset or instrument of those parameters, and the commitment recomputed from the holdings
 * and the salt with commitPortfolio (slots in the portfolio parser's order) being the opening's.
 * Throws a ZkMarginError naming the field and both values on any difference (code MISMATCH for a
 * root or commitment that differs).
 */
export function checkOpening(opening: unknown, params: RiskParams, config?: CircuitConfig): CheckedOpening {
  const version = (opening as { zkmarginOpening?: unknown } | null)?.zkmarginOpening;
  if (version === 1) {
    throw new ZkMarginError(
      "SCHEMA",
      "is a version-1 opening (holdings by symbol, no paramsRoot), which cannot be checked against parameters; prove again with `zkmargin prove --opening` for a version-2 opening",
      { path: "opening.zkmarginOpening", value: 1, limit: "2" },
    );
  }
  validateOpeningShape(opening);
  const o = opening as CommitmentOpening;

  if (config && config.name !== o.config) {
    throw new ZkMarginError("MISMATCH", `the opening is for the "${o.config}" circuit, not "${config.name}"`, {
      path: "opening.config",
      value: o.config,
      limit: config.name,
    });
  }
  const cfg = config ?? getConfig(o.config, "opening.config");

  const root = paramsTree(params).paramsRoot;
  if (BigInt(o.paramsRoot) !== root) {
    throw new ZkMarginError(
      "MISMATCH",
      `the opening was made under paramsRoot ${o.paramsRoot} (epoch ${o.epoch}); the given parameters have paramsRoot ${toHex32(root)} (epoch ${params.epoch}): use the parameters the proof was made with`,
      { path: "opening.paramsRoot", value: o.paramsRoot, limit: toHex32(root) },
    );
  }
  if (BigInt(o.epoch) !== BigInt(params.epoch)) {
    throw new ZkMarginError("MISMATCH", `the opening says epoch ${o.epoch}; the parameters with its paramsRoot have epoch ${params.epoch}`, {
      path: "opening.epoch",
      value: o.epoch,
      limit: String(params.epoch),
    });
  }

  // Resolve ids; hand the parser symbols and exact decimals, so slot order and limits are its own.
  const collateral: Record<string, string> = {};
  for (const [key, value] of Object.entries(o.collateral)) {
    const asset = params.assets.find((a) => a.id === Number(key));
    if (!asset) {
      throw new ZkMarginError("UNKNOWN_SYMBOL", `no collateral asset with id ${key} under paramsRoot ${o.paramsRoot}`, { path: idPath("collateral", key), value: key });
    }
    collateral[asset.symbol] = formatScaledTrim(baseUnits(value, idPath("collateral", key)), asset.decimals);
  }
  const positions: Record<string, string> = {};
  for (const [key, value] of Object.entries(o.positions)) {
    const instrument = params.instruments.find((x) => x.id === Number(key));
    if (!instrument) {
      throw new ZkMarginError("UNKNOWN_SYMBOL", `no instrument with id ${key} under paramsRoot ${o.paramsRoot}`, { path: idPath("positions", key), value: key });
    }
    positions[instrument.symbol] = formatScaledTrim(baseUnits(value, idPath("positions", key)), instrument.decimals);
  }
  const portfolio = parsePortfolio({ collateral, positions }, params);
  // The parser must have kept every holding as given (ids and base units), nothing dropped or merged.
  const same =
    portfolio.collateral.length === Object.keys(o.collateral).length &&
    portfolio.positions.length === Object.keys(o.positions).length &&
    portfolio.collateral.every((h) => o.collateral[String(h.asset.id)] === h.amountBase.toString()) &&
    portfolio.positions.every((h) => o.positions[String(h.instrument.id)] === h.quantityBase.toString());
  if (!same) throw new Error("internal: the opening's holdings did not survive the portfolio parser unchanged");

  const salt = BigInt(o.salt);
  checkFieldElement(salt, "opening.salt");
  const commitment = commitPortfolio(portfolio, cfg, salt);
  if (commitment !== BigInt(o.commitment)) {
    throw new ZkMarginError(
      "MISMATCH",
      `the holdings and salt do not open the commitment: they commit to ${toHex32(commitment)}, the opening says ${o.commitment} (a balance, a position, the salt or the circuit configuration differs from what was proven)`,
      { path: "opening.commitment", value: o.commitment, limit: toHex32(commitment) },
    );
  }
  return { opening: o, config: cfg, portfolio, paramsRoot: root, commitment };
}

function baseUnits(value: string, path: string): bigint {
  const x = BigInt(value);
  const mag = x < 0n ? -x : x;
  if (mag >= AMOUNT_LIMIT) {
    throw new ZkMarginError("BIT_BUDGET", `${show(value)} base units is over the limit of 2^96 base units`, { path, value, limit: "< 2^96" });
  }
  return x;
}
