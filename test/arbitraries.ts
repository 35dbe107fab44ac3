import fc from "fast-check";
import { formatScaledTrim } from "../src/util/decimal.js";

/** fast-check generators for risk parameters and portfolios (JSON file forms). */
const LABELS = Array.from({ length: 16 }, (_, k) => `scenario ${k}`);

const dec = (scaled: bigint, places: number) => formatScaledTrim(scaled, places);

export const arbAsset = (id: number) =>
  fc
    .record({
      decimals: fc.integer({ min: 0, max: 18 }),
      priceE8: fc.bigInt({ min: 1n, max: 10n ** 13n }),
      thresholdsE8: fc.uniqueArray(fc.bigInt({ min: 1n, max: 10n ** 16n }), { maxLength: 3 }),
      bps: fc.array(fc.integer({ min: 0, max: 10000 }), { minLength: 4, maxLength: 4 }),
      debtBps: fc.oneof(fc.constant(0), fc.constant(10000), fc.integer({ min: 0, max: 10000 })),
    })
    .map(({ decimals, priceE8, thresholdsE8, bps, debtBps }) => {
      const ups = [...thresholdsE8].sort((a, b) => (a < b ? -1 : 1));
      const sortedBps = [...bps].sort((a, b) => a - b);
      const haircuts = [
        ...ups.map((u, i) => ({ upTo: dec(u, 8), bps: sortedBps[i]! })),
        { upTo: null, bps: sortedBps[ups.length]! },
      ];
      return { id, symbol: `A${id}`, decimals, price: dec(priceE8, 8), debtBps, haircuts };
    });

export const arbInstrument = (id: number, groups: readonly string[] = ["G10"]) =>
  fc
    .record({
      decimals: fc.integer({ min: 0, max: 6 }),
      option: fc.boolean(),
      risk: fc.array(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { minLength: 16, maxLength: 16 }),
      somE8: fc.bigInt({ min: 0n, max: 10n ** 10n }),
      group: fc.constantFrom(...groups),
    })
    .map(({ decimals, option, risk, somE8, group }) => ({
      id,
      symbol: `I${id}`,
      kind: option ? "option" : "perpetual",
      group,
      decimals,
      riskArray: risk.map((r) => dec(r, 8)),
      shortOptionMinimum: option ? dec(somE8, 8) : "0",
    }));

/**
 * Version-3 risk parameters: 1-4 assets, 0..maxInstruments instruments spread over 1..maxGroups
 * groups (ids 10, 20, 30, ... so that ids and indexes differ; symbols G10, G20, ...), no venues.
 */
export const arbParamsWith = ({ maxGroups = 3, maxInstruments = 5 }: { maxGroups?: number; maxInstruments?: number } = {}) =>
  fc
    .record({
      nAssets: fc.integer({ min: 1, max: 4 }),
      nInstruments: fc.integer({ min: 0, max: maxInstruments }),
      nGroups: fc.integer({ min: 1, max: maxGroups }),
    })
    .chain(({ nAssets, nInstruments, nGroups }) => {
      const groups = Array.from({ length: nGroups }, (_, g) => ({ id: 10 * (g + 1), symbol: `G${10 * (g + 1)}` }));
      const symbols = groups.map((g) => g.symbol);
      return fc.record({
        assets: fc.tuple(...Array.from({ length: nAssets }, (_, i) => arbAsset(i + 1))),
        groups: fc.constant(groups),
        instruments:
          nInstruments === 0
            ? fc.constant([])
            : fc.tuple(...Array.from({ length: nInstruments }, (_, i) => arbInstrument(1000 + i, symbols))),
      });
    })
    .map(({ assets, groups, instruments }) => ({
      version: 3 as const,
      epoch: 1,
      asOf: "2026-11-20T16:00:00Z",
      maxStatementAge: 3600,
      scenarios: LABELS,
      assets,
      groups,
      instruments,
      venues: [] as unknown[],
    }));

export const arbParams = arbParamsWith();

/** A credit limit in cents: mostly 0 or modest, sometimes the largest allowed (2^64 - 1). */
export const arbCreditLimitCents = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.constant((1n << 64n) - 1n));

type ParamsJson = { assets: readonly { symbol: string; decimals: number }[]; instruments: readonly { symbol: string; decimals: number }[] };

/**
 * A portfolio over a subset of the params' assets and instruments; amounts up to ~1e9 whole units,
 * collateral sometimes (one draw in five) negative: a debt, up to ~1e8 whole units.
 */
export const arbPortfolioFor = (p: ParamsJson) =>
  fc.record({
    collateral: fc
      .subarray([...p.assets])
      .chain((as) =>
        as.length === 0
          ? fc.constant([] as [string, string][])
          : fc.tuple(
              ...as.map((a) =>
                fc
                  .oneof(
                    { arbitrary: fc.bigInt({ min: 0n, max: 10n ** BigInt(9 + a.decimals) }), weight: 4 },
                    { arbitrary: fc.bigInt({ min: -(10n ** BigInt(8 + a.decimals)), max: 0n }), weight: 1 },
                  )
                  .map((v) => [a.symbol, dec(v, a.decimals)] as [string, string]),
              ),
            ),
      )
      .map((e) => Object.fromEntries(e)),
    positions: fc
      .subarray([...p.instruments])
      .chain((is) =>
        is.length === 0
          ? fc.constant([] as [string, string][])
          : fc.tuple(
              ...is.map((i) =>
                fc.bigInt({ min: -(10n ** BigInt(6 + i.decimals)), max: 10n ** BigInt(6 + i.decimals) }).map((v) => [i.symbol, dec(v, i.decimals)] as [string, string]),
              ),
            ),
      )
      .map((e) => Object.fromEntries(e)),
  });

export const arbHealthBps = fc.oneof(fc.constant(10000), fc.integer({ min: 10000, max: 40000 }));

/** How a property picks the health it checks a book at: at the book's break-even, one bps past it, or as drawn. */
export const arbHealthMode = fc.constantFrom("breakEven", "breakEven+1", "random");

/**
 * The health to check a book at under `mode`, from its margin at any health (`base`): its exact break-even (the highest health it passes,
 * floor of adjusted collateral over requirement plus credit), one bps past it, or `health` as
 * drawn; also `health` when the break-even is outside the circuit's 1.0x-100x or nothing is required.
 */
export function steeredHealthBps(
  base: { adjustedCollateralE30: bigint; requirementE26: bigint },
  creditLimitCents: bigint,
  mode: string,
  health: number,
): number {
  const covered = base.requirementE26 + creditLimitCents * 10n ** 24n;
  if (mode === "random" || covered <= 0n) return health;
  const be = base.adjustedCollateralE30 / covered + (mode === "breakEven+1" ? 1n : 0n);
  return be >= 10000n && be <= 1_000_000n ? Number(be) : health;
}
