import { normalCdf, normalPdf } from "./normal.js";

/**
 * Black-Scholes (no dividends) for European calls and puts.
 *
 *   d1 = (ln(S/K) + (r + σ²/2)·T) / (σ·√T),   d2 = d1 - σ·√T
 *   call = S·Φ(d1) - K·e^{-rT}·Φ(d2)           put = K·e^{-rT}·Φ(-d2) - S·Φ(-d1)
 *
 * Inputs: spot S > 0, strike K > 0, time to expiry T > 0 in years, volatility σ > 0 (annualised,
 * 0.6 = 60%), continuously compounded rate r. Callers guarantee the domain; values outside it
 * give NaN rather than a silently wrong price.
 */
export type OptionRight = "call" | "put";

export interface BlackScholesInput {
  right: OptionRight;
  spot: number;
  strike: number;
  /** Years to expiry, > 0. */
  time: number;
  /** Annualised volatility, > 0 (0.6 = 60%). */
  vol: number;
  /** Continuously compounded risk-free rate (0.05 = 5%). */
  rate: number;
}

export interface BlackScholesGreeks {
  /** Theoretical value of one option on one unit of the underlying. */
  price: number;
  /** dV/dS. */
  delta: number;
  /** d²V/dS². */
  gamma: number;
  /** dV/dσ for a change of σ by 1.00 (100 vol points). */
  vega: number;
  /** dV/dσ for a change of σ by 0.01 (one vol point) = vega / 100. */
  vegaPerPoint: number;
}

function inDomain(i: BlackScholesInput): boolean {
  return i.spot > 0 && i.strike > 0 && i.time > 0 && i.vol > 0 && Number.isFinite(i.rate) &&
    Number.isFinite(i.spot) && Number.isFinite(i.strike) && Number.isFinite(i.time) && Number.isFinite(i.vol);
}

function d1d2(i: BlackScholesInput): { d1: number; d2: number; sqrtT: number } {
  const sqrtT = Math.sqrt(i.time);
  const sd = i.vol * sqrtT;
  const d1 = (Math.log(i.spot / i.strike) + (i.rate + 0.5 * i.vol * i.vol) * i.time) / sd;
  return { d1, d2: d1 - sd, sqrtT };
}

/** Black-Scholes value of a European call or put. */
export function blackScholesPrice(i: BlackScholesInput): number {
  if (!inDomain(i)) return Number.NaN;
  const { d1, d2 } = d1d2(i);
  const df = Math.exp(-i.rate * i.time);
  if (i.right === "call") return i.spot * normalCdf(d1) - i.strike * df * normalCdf(d2);
  return i.strike * df * normalCdf(-d2) - i.spot * normalCdf(-d1);
}

/** Value and first/second-order greeks. */
export function blackScholesGreeks(i: BlackScholesInput): BlackScholesGreeks {
  if (!inDomain(i)) {
    return { price: Number.NaN, delta: Number.NaN, gamma: Number.NaN, vega: Number.NaN, vegaPerPoint: Number.NaN };
  }
  const { d1, sqrtT } = d1d2(i);
  const pdf = normalPdf(d1);
  const price = blackScholesPrice(i);
  const delta = i.right === "call" ? normalCdf(d1) : -normalCdf(-d1);
  const gamma = pdf / (i.spot * i.vol * sqrtT);
  const vega = i.spot * pdf * sqrtT;
  return { price, delta, gamma, vega, vegaPerPoint: vega / 100 };
}

/** Convenience: call value. */
export const callPrice = (spot: number, strike: number, time: number, vol: number, rate = 0): number =>
  blackScholesPrice({ right: "call", spot, strike, time, vol, rate });

/** Convenience: put value. */
export const putPrice = (spot: number, strike: number, time: number, vol: number, rate = 0): number =>
  blackScholesPrice({ right: "put", spot, strike, time, vol, rate });
