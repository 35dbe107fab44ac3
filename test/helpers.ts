import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { strict as assert } from "node:assert";
import { parseRiskParams } from "../src/params/parse.js";
import type { RiskParams } from "../src/params/types.js";
import { parsePortfolio } from "../src/portfolio/parse.js";
import { computeMargin, type MarginResult } from "../src/engine/margin.js";
import { ZkMarginError, type ErrorCode } from "../src/errors.js";

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const repoFile = (name: string): string => fileURLToPath(new URL(`../${name}`, import.meta.url));

export function fixtureJson(name: string): any {
  return JSON.parse(readFileSync(fixture(name), "utf8"));
}

export function smallParams(): RiskParams {
  return parseRiskParams(fixtureJson("params-small.json"));
}

export function margin(
  params: RiskParams,
  collateral: Record<string, string>,
  positions: Record<string, string> = {},
  healthBps = 10000,
  creditLimitCents = 0n,
): MarginResult {
  return computeMargin(params, parsePortfolio({ collateral, positions }, params), healthBps, creditLimitCents);
}

/** 1 USD in the engine's E26 unit. */
export const USD = 10n ** 26n;

/** Assert that fn throws a ZkMarginError with this code and (if given) this path. */
export function throwsZk(fn: () => unknown, code: ErrorCode, path?: string, messageIncludes?: string): ZkMarginError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ZkMarginError, `expected ZkMarginError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (path !== undefined) assert.equal(e.path, path, `path of: ${e.message}`);
    if (messageIncludes !== undefined) assert.ok(e.message.includes(messageIncludes), `message "${e.message}" lacks "${messageIncludes}"`);
    return e;
  }
  assert.fail(`expected ${code} error`);
}

export function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}
