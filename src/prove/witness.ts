import type { CircuitConfig } from "../config/circuits.js";
import { toField } from "../crypto/poseidon.js";
import { ZkMarginError } from "../errors.js";
import { checkHealthBps } from "../engine/margin.js";
import type { RiskParams } from "../params/types.js";
import { type MerkleOpening, type ParamsTree, paddedTiers } from "../params/tree.js";
import type { Portfolio } from "../portfolio/parse.js";
import { checkCapacity, checkFieldElement, commitPortfolio } from "./commitment.js";

/** The circuit's input signals (decimal strings), as circom's witness calculator takes them. */
export type WitnessInput = Record<string, string | string[] | string[][]>;

export interface WitnessBundle {
  input: WitnessInput;
  commitment: bigint;
  /** Public signals in snarkjs order: commitment, paramsRoot, healthBps, context. */
  publicSignals: bigint[];
}

/** Flatten an opening's siblings per level, with 0 at our own position (the circuit ignores it). */
function flatSiblings(o: MerkleOpening): string[] {
  const out: string[] = [];
  for (const { position, siblings } of o.levels) {
    const row = [...siblings];
    row.splice(position, 0, 0n);
    out.push(...row.map(String));
  }
  return out;
}

const s = (x: bigint | number) => x.toString();

/**
 * Build the circuit input for a portfolio under published parameters. Throws a ZkMarginError when
 * the portfolio needs more slots than the configuration has, or when the parameters' layout is
 * not the one the circuit opens. (It does not check that the portfolio passes: see proveMargin.)
 */
export function buildWitnessInput(args: {
  params: RiskParams;
  tree: ParamsTree;
  portfolio: Portfolio;
  healthBps: number;
  context: bigint;
  salt: bigint;
  config: CircuitConfig;
}): WitnessBundle {
  const { params, tree, portfolio, config } = args;
  if (params.layout.name !== config.layout.name) {
    throw new ZkMarginError("ARGUMENT", `risk parameters use layout ${params.layout.name}, the circuit opens ${config.layout.name}`);
  }
  checkHealthBps(args.healthBps);
  checkFieldElement(args.context, "context");
  checkFieldElement(args.salt, "salt");
  checkCapacity(portfolio, config);
  const { layout } = config;

  const cIndex: string[] = [];
  const cBalance: string[] = [];
  const cId: string[] = [];
  const cUnitValue: string[] = [];
  const cThresholds: string[][] = [];
  const cBps: string[][] = [];
  const cSiblings: string[][] = [];
  for (let i = 0; i < config.collateralSlots; i++) {
    const h = portfolio.collateral[i];
    // An empty collateral slot opens asset leaf 0 with balance 0 (every collateral opening is checked).
    const asset = h ? h.asset : params.assets[0]!;
    const tiers = paddedTiers(asset, layout.tiers);
    cIndex.push(s(h ? asset.index : 0));
    cBalance.push(s(h ? h.amountBase : 0n));
    cId.push(s(asset.id));
    cUnitValue.push(s(asset.unitValueE26));
    cThresholds.push(tiers.thresholdsE26.map(s));
    cBps.push(tiers.bps.map(s));
    cSiblings.push(flatSiblings(tree.assetTree.open(asset.index)));
  }

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
    pIndex.push(s(ins.index));
    pSign.push(h.quantityBase < 0n ? "1" : "0");
    pMagnitude.push(s(h.quantityBase < 0n ? -h.quantityBase : h.quantityBase));
    pId.push(s(ins.id));
    pShortMin.push(s(ins.shortOptionMinimumUnitE26));
    pRisk.push(ins.riskUnitE26.map((r) => s(toField(r))));
    pSiblings.push(flatSiblings(tree.instrumentTree.open(ins.index)));
  }

  const commitment = commitPortfolio(portfolio, config, args.salt);
  const input: WitnessInput = {
    paramsRoot: s(tree.paramsRoot),
    healthBps: s(args.healthBps),
    context: s(args.context),
    epoch: s(params.epoch),
    assetRoot: s(tree.assetRoot),
    instrumentRoot: s(tree.instrumentRoot),
    salt: s(args.salt),
    cIndex,
    cBalance,
    cId,
    cUnitValue,
    cThresholds,
    cBps,
    cSiblings,
    pIndex,
    pSign,
    pMagnitude,
    pId,
    pShortMin,
    pRisk,
    pSiblings,
  };
  return { input, commitment, publicSignals: [commitment, tree.paramsRoot, BigInt(args.healthBps), args.context] };
}
