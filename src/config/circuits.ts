import { LAYOUT_V3, layoutTag, type TreeLayout } from "./layout.js";
import { GROUP_RISK_BITS } from "./limits.js";
import { chunkCount, statementTag } from "./statement.js";
import { ZkMarginError } from "../errors.js";

/**
 * Circuit configurations, declared once as data. The circom main generator, the witness builder,
 * setup and the benchmark all read these.
 */
export interface CircuitConfig {
  /** Name used on the command line, in artifact folders and in proof bundles. */
  readonly name: string;
  readonly description: string;
  /** Collateral slots (distinct assets a portfolio can hold). */
  readonly collateralSlots: number;
  /** Position slots (distinct instruments a portfolio can hold). */
  readonly positionSlots: number;
  /** Group slots (distinct risk groups a portfolio's positions can span); a power of two >= 2. */
  readonly groupSlots: number;
  /** The risk-parameter tree layout the circuit opens (K, T, arities). */
  readonly layout: TreeLayout;
  /** circom simplification level. --O2 removes all linear constraints (about half) but compiles slower. */
  readonly optimization: "O1" | "O2";
  /**
   * Verified mode: the number of venue-statement slots V (the portfolio is proven to be the sum of
   * 1..V venue-signed holdings statements for the public `account`). 0 or absent: self-declared.
   */
  readonly statementSlots?: number;
  /**
   * Verified mode: the statement entries the venue slots take IN ALL (a pool shared by the slots:
   * one venue with 100 entries and one with 5 fit the same configuration as two with 52).
   */
  readonly statementEntries?: number;
}

/**
 * The entry pool's chunks of a verified configuration: ceil(E / 15) + V - 1, enough for any split
 * of E entries over V statements (each statement starts a chunk, so each wastes less than one).
 */
export function statementChunks(config: CircuitConfig): number {
  const V = config.statementSlots ?? 0;
  const E = config.statementEntries ?? 0;
  return chunkCount(E) + V - 1;
}

/** The self-declared circuit configurations: `small` (tests, demo) and `standard` (production). */
export const CONFIGS: Readonly<Record<string, CircuitConfig>> = Object.freeze({
  small: Object.freeze({
    name: "small",
    description: "tests and the demo: 2 collateral slots, 4 position slots in up to 2 risk groups, K = 16, 4 tiers",
    collateralSlots: 2,
    positionSlots: 4,
    groupSlots: 2,
    layout: LAYOUT_V3,
    optimization: "O2",
  }),
  standard: Object.freeze({
    name: "standard",
    description: "production: 8 collateral slots, 32 position slots in up to 8 risk groups, K = 16, 4 tiers",
    collateralSlots: 8,
    positionSlots: 32,
    groupSlots: 8,
    layout: LAYOUT_V3,
    optimization: "O2",
  }),
  large: Object.freeze({
    name: "large",
    description: "institutional books (native prover recommended): 16 collateral slots, 128 position slots in up to 16 risk groups, K = 16, 4 tiers",
    collateralSlots: 16,
    positionSlots: 128,
    groupSlots: 16,
    layout: LAYOUT_V3,
    optimization: "O2",
  }),
});

/**
 * Verified-mode configurations (venue statements checked in the circuit). Kept apart from CONFIGS
 * so that a self-declared book is never given a verified circuit by smallestConfigFor.
 */
export const VERIFIED_CONFIGS: Readonly<Record<string, CircuitConfig>> = Object.freeze({
  "small-verified": Object.freeze({
    ...CONFIGS.small!,
    name: "small-verified",
    description: "tests and the demo: the small circuit over 1..2 venue statements holding 24 entries in all",
    statementSlots: 2,
    statementEntries: 24,
  }),
  "standard-verified": Object.freeze({
    ...CONFIGS.standard!,
    name: "standard-verified",
    description: "production: the standard circuit over 1..4 venue statements holding 128 entries in all",
    statementSlots: 4,
    statementEntries: 128,
  }),
  "large-verified": Object.freeze({
    ...CONFIGS.large!,
    name: "large-verified",
    description: "institutional books (native prover recommended): the large circuit over 1..8 venue statements holding 512 entries in all",
    statementSlots: 8,
    statementEntries: 512,
  }),
});

/** Whether a configuration is verified-mode (has venue-statement slots). */
export function isVerifiedConfig(config: CircuitConfig): boolean {
  return (config.statementSlots ?? 0) > 0;
}

/** The configuration (self-declared or verified) with this name; an ARGUMENT error naming `path` otherwise. */
export function getConfig(name: string, path = "--config"): CircuitConfig {
  const c = CONFIGS[name] ?? VERIFIED_CONFIGS[name];
  if (!c) {
    throw new ZkMarginError("ARGUMENT", `unknown circuit configuration ${JSON.stringify(name)}; known: ${Object.keys(CONFIGS).join(", ")}`, {
      path,
      value: name,
    });
  }
  return c;
}

/**
 * What a portfolio needs from a configuration: collateral slots, position slots, group slots, and in
 * verified mode the number of venue statements (absent or 0: a self-declared configuration).
 */
export interface SlotNeeds {
  collateral: number;
  positions: number;
  groups: number;
  statements?: number;
  /** Verified mode: the statements' entries in all. */
  entries?: number;
}

/** Whether `config` has enough slots for `needs` (a verified configuration only for statements, and vice versa). */
export function fitsConfig(config: CircuitConfig, needs: SlotNeeds): boolean {
  const statements = needs.statements ?? 0;
  return (
    config.collateralSlots >= needs.collateral &&
    config.positionSlots >= needs.positions &&
    config.groupSlots >= needs.groups &&
    (statements === 0
      ? !isVerifiedConfig(config)
      : (config.statementSlots ?? 0) >= statements && (config.statementEntries ?? 0) >= (needs.entries ?? 0))
  );
}

/** The smallest configuration whose slots hold `needs`, or a CAPACITY error naming the largest. */
export function smallestConfigFor(needs: SlotNeeds): CircuitConfig {
  const size = (c: CircuitConfig) => c.collateralSlots + c.positionSlots + c.groupSlots + 8 * (c.statementSlots ?? 0) + (c.statementEntries ?? 0);
  const fit = [...Object.values(CONFIGS), ...Object.values(VERIFIED_CONFIGS)]
    .filter((c) => fitsConfig(c, needs))
    .sort((a, b) => size(a) - size(b))[0];
  if (!fit) {
    if (needs.statements) {
      const verified = Object.values(VERIFIED_CONFIGS);
      throw new ZkMarginError(
        "CAPACITY",
        `the portfolio holds ${needs.collateral} collateral assets and ${needs.positions} positions in ${needs.groups} risk groups from ${needs.statements} venue statements holding ${needs.entries ?? 0} entries in all; no verified configuration takes that many (${verified
          .map((c) => `${c.name}: ${c.collateralSlots} collateral / ${c.positionSlots} positions / ${c.groupSlots} groups, ${c.statementSlots} statements with ${c.statementEntries} entries in all`)
          .join("; ")})`,
        { path: "statements", value: `${needs.collateral}/${needs.positions}/${needs.groups}, ${needs.statements} statements, ${needs.entries ?? 0} entries` },
      );
    }
    throw new ZkMarginError(
      "CAPACITY",
      `the portfolio holds ${needs.collateral} collateral assets and ${needs.positions} positions in ${needs.groups} risk groups; no configuration has that many slots (${Object.values(
        CONFIGS,
      )
        .map((c) => `${c.name}: ${c.collateralSlots} collateral / ${c.positionSlots} positions / ${c.groupSlots} groups`)
        .join("; ")})`,
      { path: "portfolio", value: `${needs.collateral}/${needs.positions}/${needs.groups}` },
    );
  }
  return fit;
}

export function log2Exact(a: number): number {
  const b = Math.log2(a);
  if (!Number.isInteger(b)) throw new Error(`arity ${a} is not a power of two`);
  return b;
}

/** The circom main component for a configuration. */
export function mainCircomSource(config: CircuitConfig): string {
  const { layout } = config;
  const nbs = (arities: readonly number[]) => {
    const b = arities.map(log2Exact);
    return `${b.length}, [${b.join(", ")}]`;
  };
  const core = [
    `    ${config.collateralSlots}, ${config.positionSlots}, ${config.groupSlots}, ${layout.scenarios}, ${layout.tiers},`,
    `    ${nbs(layout.assetArities)}, ${nbs(layout.groupArities)}, ${nbs(layout.instrumentArities)},`,
    `    ${layoutTag(layout)}, ${GROUP_RISK_BITS + 1}`,
  ];
  const verified = isVerifiedConfig(config);
  return [
    "pragma circom 2.1.5;",
    "",
    `// Generated by zkmargin from the "${config.name}" configuration (src/config/circuits.ts). Do not edit.`,
    `// ${config.description}`,
    `// layout ${layout.name}`,
    verified ? 'include "verified/verified.circom";' : 'include "margin/margin.circom";',
    "",
    ...(verified
      ? [
          "component main {public [paramsRoot, terms, context, account]} = ZkMarginVerified(",
          ...core.slice(0, -1),
          `${core[core.length - 1]},`,
          `    ${config.statementSlots}, ${config.statementEntries}, ${statementChunks(config)}, ${nbs(layout.venueArities)}, ${statementTag()}`,
        ]
      : ["component main {public [paramsRoot, terms, context]} = ZkMargin(", ...core]),
    ");",
    "",
  ].join("\n");
}
