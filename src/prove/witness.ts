import type { CircuitConfig } from "../config/circuits.js";
import { toField } from "../crypto/poseidon.js";
import { ZkMarginError } from "../errors.js";
import { checkHealthBps } from "../engine/margin.js";
import type { GroupParams, RiskParams } from "../params/types.js";
import { CREDIT_BITS, CREDIT_LIMIT_CENTS_LIMIT, GROUP_RISK_BITS, GROUP_RISK_LIMIT, showLimit } from "../config/limits.js";
import { packTerms } from "./bundle.js";
import { type MerkleOpening, type ParamsTree, paddedTiers } from "../params/tree.js";
import type { Portfolio } from "../portfolio/parse.js";
import { checkCapacity, checkFieldElement, commitPortfolio } from "./commitment.js";

/** The circuit's input signals (decimal strings), as circom's witness calculator takes them. */
export type WitnessInput = Record<string, string | string[] | string[][] | string[][][]>;

export interface WitnessBundle {
  input: WitnessInput;
  commitment: bigint;
  /** Public signals in snarkjs order: commitment, paramsRoot, terms, context. */
  publicSignals: bigint[];
}

/** Flatten an opening's siblings per level, with 0 at our own position (the circuit ignores it). */
export function flatSiblings(o: Pick<MerkleOpening, "levels">): string[] {
  const out: string[] = [];
  for (const { position, siblings } of o.levels) {
    const row = [...siblings];
    row.splice(position, 0, 0n);
    out.push(...row.map(String));
  }
  return out;
}

const s = (x: bigint | number) => x.toString();

/** One risk group the book touches, as the circuit's group slot sees it. */
export interface GroupSlotWitness {
  group: GroupParams;
  /** Net scenario P&L of the group's positions (E26; loss_k = -exposure[k]). */
  exposureE26: bigint[];
  shortOptionMinimumE26: bigint;
  /** max(0, max_k loss_k, shortOptionMinimum): the bound m_g the circuit checks (exact). */
  requirementE26: bigint;
}

/**
 * The group slots of a portfolio: the distinct groups of its positions, in group index order, with
 * each group's exact requirement. Throws when the book spans more groups than the configuration
 * has slots, or a group's risk is beyond the circuit's per-group bound (GROUP_RISK_BITS).
 */
export function groupSlotsOf(params: RiskParams, portfolio: Portfolio, config: CircuitConfig): GroupSlotWitness[] {
  const K = params.layout.scenarios;
  const byId = new Map(params.groups.map((g) => [g.id, g]));
  const out: GroupSlotWitness[] = [];
  let prevKey = -1;
  for (const h of portfolio.positions) {
    const group = byId.get(h.instrument.groupId);
    if (!group) throw new ZkMarginError("ARGUMENT", `instrument ${h.instrument.symbol} names group id ${h.instrument.groupId}, which the parameters do not list`);
    const key = group.index * 2 ** 20 + h.instrument.index;
    if (key <= prevKey) {
      throw new ZkMarginError("ARGUMENT", `portfolio positions must be sorted by (group, instrument index) as parsePortfolio returns them; ${h.instrument.symbol} is out of order`);
    }
    prevKey = key;
    let slot = out[out.length - 1];
    if (!slot || slot.group.id !== group.id) {
      slot = { group, exposureE26: Array<bigint>(K).fill(0n), shortOptionMinimumE26: 0n, requirementE26: 0n };
      out.push(slot);
    }
    const q = h.quantityBase;
    h.instrument.riskUnitE26.forEach((r, k) => (slot!.exposureE26[k]! += q * r));
    if (q < 0n) slot.shortOptionMinimumE26 += -q * h.instrument.shortOptionMinimumUnitE26;
  }
  if (out.length > config.groupSlots) {
    throw new ZkMarginError(
      "CAPACITY",
      `positions span ${out.length} risk groups (${out.map((g) => g.group.symbol).join(", ")}); the "${config.name}" circuit has ${config.groupSlots} group slots (use a larger configuration)`,
      { path: "positions", value: out.length, limit: String(config.groupSlots) },
    );
  }
  for (const g of out) {
    let m = g.shortOptionMinimumE26;
    const check = (x: bigint, what: string) => {
      if (x >= GROUP_RISK_LIMIT || -x >= GROUP_RISK_LIMIT) {
        throw new ZkMarginError(
          "BIT_BUDGET",
          `group ${g.group.symbol}: ${what} of ${x} x 1e-26 USD is beyond the circuit's per-group bound ${showLimit(GROUP_RISK_BITS)} x 1e-26 USD; this book cannot be proven`,
          { path: `groups.${g.group.symbol}`, value: x.toString(), limit: `|x| < 2^${GROUP_RISK_BITS}` },
        );
      }
    };
    check(m, "short-option minimum");
    g.exposureE26.forEach((e, k) => {
      check(e, `scenario ${k} P&L`);
      if (-e > m) m = -e;
    });
    g.requirementE26 = m;
  }
  return out;
}

/** What a circuit input is built from: the book, the parameters and their tree, the statement, the salt. */
export interface WitnessArgs {
  params: RiskParams;
  tree: ParamsTree;
  portfolio: Portfolio;
  healthBps: number;
  creditLimitCents?: bigint;
  context: bigint;
  salt: bigint;
  config: CircuitConfig;
}

/**
 * Build the circuit input for a portfolio under published parameters. Throws a ZkMarginError when
 * the portfolio needs more slots than the configuration has, or when the parameters' layout is
 * not the one the circuit opens. (It does not check that the portfolio passes: see proveMargin.)
 */
export function buildWitnessInput(args: WitnessArgs): WitnessBundle {
  const { params, tree, portfolio, config } = args;
  if (params.layout.name !== config.layout.name) {
    throw new ZkMarginError("ARGUMENT", `risk parameters use layout ${params.layout.name}, the circuit opens ${config.layout.name}`);
  }
  checkHealthBps(args.healthBps);
  const credit = args.creditLimitCents ?? 0n;
  if (credit < 0n || credit >= CREDIT_LIMIT_CENTS_LIMIT) {
    throw new ZkMarginError("OUT_OF_RANGE", `must be 0 <= creditLimitCents < 2^${CREDIT_BITS}`, {
      path: "creditLimitCents",
      value: credit.toString(),
      limit: `< 2^${CREDIT_BITS}`,
    });
  }
  checkFieldElement(args.context, "context");
  checkFieldElement(args.salt, "salt");
  checkCapacity(portfolio, config);
  const { layout } = config;
  const groups = groupSlotsOf(params, portfolio, config);

  const cIndex: string[] = [];
  const cSign: string[] = [];
  const cMagnitude: string[] = [];
  const cId: string[] = [];
  const cUnitValue: string[] = [];
  const cThresholds: string[][] = [];
  const cBps: string[][] = [];
  const cDebtBps: string[] = [];
  const cSiblings: string[][] = [];
  for (let i = 0; i < config.collateralSlots; i++) {
    const h = portfolio.collateral[i];
    // An empty collateral slot opens asset leaf 0 with balance 0 (every collateral opening is checked).
    // A balance is sign and magnitude (a negative one is a debt).
    const asset = h ? h.asset : params.assets[0]!;
    const tiers = paddedTiers(asset, layout.tiers);
    cIndex.push(s(h ? asset.index : 0));
    const amount = h ? h.amountBase : 0n;
    cSign.push(amount < 0n ? "1" : "0");
    cMagnitude.push(s(amount < 0n ? -amount : amount));
    cId.push(s(asset.id));
    cUnitValue.push(s(asset.unitValueE26));
    cThresholds.push(tiers.thresholdsE26.map(s));
    cBps.push(tiers.bps.map(s));
    cDebtBps.push(s(asset.debtBps));
    cSiblings.push(flatSiblings(tree.assetTree.open(asset.index)));
  }

  const gUsed: string[] = [];
  const gIndex: string[] = [];
  const gId: string[] = [];
  const gSubtreeRoot: string[] = [];
  const gSiblings: string[][] = [];
  const gBound: string[] = [];
  const emptyGroupSiblings = layout.groupArities.flatMap((a) => Array<string>(a).fill("0"));
  for (let g = 0; g < config.groupSlots; g++) {
    const slot = groups[g];
    if (!slot) {
      gUsed.push("0");
      gIndex.push("0");
      gId.push("0");
      gSubtreeRoot.push("0");
      gSiblings.push([...emptyGroupSiblings]);
      gBound.push("0");
      continue;
    }
    const gi = slot.group.index;
    gUsed.push("1");
    gIndex.push(s(gi));
    gId.push(s(slot.group.id));
    gSubtreeRoot.push(s(tree.instrumentTrees[gi]!.root));
    gSiblings.push(flatSiblings(tree.groupTree.open(gi)));
    gBound.push(s(slot.requirementE26));
  }

  const pGroup: string[] = [];
  const pIndex: string[] = [];
  const pSign: string[] = [];
  const pMagnitude: string[] = [];
  const pId: string[] = [];
  const pShortMin: string[] = [];
  const pRisk: string[][] = [];
  const pSiblings: string[][] = [];
  const emptySiblings = layout.instrumentArities.flatMap((a) => Array<string>(a).fill("0"));
  for (let j = 0; j < config.positionSlots; j++) {
    const h = portfolio.positions[j];
    if (!h) {
      pGroup.push("0");
      pIndex.push("0");
      pSign.push("0");
      pMagnitude.push("0");
      pId.push("0");
      pShortMin.push("0");
      pRisk.push(Array<string>(layout.scenarios).fill("0"));
      pSiblings.push([...emptySiblings]);
      continue;
    }
    const ins = h.instrument;
    const slot = groups.findIndex((g) => g.group.id === ins.groupId);
    const groupIndex = groups[slot]!.group.index;
    pGroup.push(s(slot));
    pIndex.push(s(ins.index));
    pSign.push(h.quantityBase < 0n ? "1" : "0");
    pMagnitude.push(s(h.quantityBase < 0n ? -h.quantityBase : h.quantityBase));
    pId.push(s(ins.id));
    pShortMin.push(s(ins.shortOptionMinimumUnitE26));
    pRisk.push(ins.riskUnitE26.map((r) => s(toField(r))));
    pSiblings.push(flatSiblings(tree.instrumentTrees[groupIndex]!.open(ins.index)));
  }

  const commitment = commitPortfolio(portfolio, config, args.salt);
  const terms = packTerms(args.healthBps, credit);
  const input: WitnessInput = {
    paramsRoot: s(tree.paramsRoot),
    terms: s(terms),
    context: s(args.context),
    healthBps: s(args.healthBps),
    creditLimitCents: s(credit),
    epoch: s(params.epoch),
    asOf: s(tree.asOfUnix),
    maxStatementAge: s(tree.maxStatementAge),
    assetRoot: s(tree.assetRoot),
    groupRoot: s(tree.groupRoot),
    venueRoot: s(tree.venueRoot),
    salt: s(args.salt),
    cIndex,
    cSign,
    cMagnitude,
    cId,
    cUnitValue,
    cThresholds,
    cBps,
    cDebtBps,
    cSiblings,
    gUsed,
    gIndex,
    gId,
    gSubtreeRoot,
    gSiblings,
    gBound,
    pGroup,
    pIndex,
    pSign,
    pMagnitude,
    pId,
    pShortMin,
    pRisk,
    pSiblings,
  };
  return { input, commitment, publicSignals: [commitment, tree.paramsRoot, terms, args.context] };
}
