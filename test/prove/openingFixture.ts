import { getConfig } from "../../src/config/circuits.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import type { CommitmentOpening } from "../../src/prove/bundle.js";
import { commitPortfolio, makeOpening, randomSalt } from "../../src/prove/commitment.js";
import { smallParams } from "../helpers.js";

/** An opening as `prove --opening` writes it, for a book across two risk groups. */
export function openingFor(book: { collateral: Record<string, string>; positions?: Record<string, string> }, salt = randomSalt()): CommitmentOpening {
  const params = smallParams();
  const config = getConfig("small");
  const portfolio = parsePortfolio(book, params);
  return makeOpening({
    config,
    paramsRoot: buildParamsTree(params).paramsRoot,
    epoch: params.epoch,
    commitment: commitPortfolio(portfolio, config, salt),
    salt,
    portfolio,
  });
}

