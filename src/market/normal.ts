/**
 * Standard normal density and distribution function in IEEE doubles.
 *
 * Method:
 *   - |x| <= 3: Marsaglia's Taylor series  Φ(x) = 1/2 + φ(x)·(x + x³/3 + x⁵/(3·5) + x⁷/(3·5·7) + ...).
 *     All terms have the sign of x, so there is no cancellation inside the sum; it is summed until
 *     adding a term no longer changes it (at most ~60 terms at |x| = 3).
 *   - |x| > 3: the upper tail Q(|x|) = φ(x)·R(|x|) with R the Mills ratio, evaluated from its
 *     continued fraction R(x) = 1/(x + 1/(x + 2/(x + 3/(x + ...)))) by the modified Lentz method.
 *     This keeps full *relative* accuracy deep in the tails (e.g. Φ(-30) ≈ 4.9e-198), and
 *     Φ(x) = 1 - Q(x) for x > 3 is accurate to ~1e-16 absolute.
 * Measured against 50-digit mpmath references on a 1/8 grid: absolute error < 1e-15 on
 * [-40, 40]; relative error in the lower tail < 1e-13 (about 1e-15 beyond x = -3).
 */

const INV_SQRT_2PI = 0.398942280401432677939946059934381868; // 1/sqrt(2π)

/** Standard normal density φ(x) = exp(-x²/2)/sqrt(2π). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Mills ratio R(x) = Q(x)/φ(x) for x > 3, by the continued fraction (modified Lentz). */
function millsRatio(x: number): number {
  const TINY = 1e-300;
  // f = b0 + a1/(b1 + a2/(b2 + ...)) with b_n = x and a_n = n (for n >= 1); R = 1/f.
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 10000; n++) {
    d = x + n * d;
    if (d === 0) d = TINY;
    c = x + n / c;
    if (c === 0) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) <= 2.3e-16) break;
  }
  return 1 / f;
}

/** Standard normal distribution function Φ(x) = P(Z <= x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  const ax = Math.abs(x);
  if (ax <= 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 3; k < 400; k += 2) {
      term *= x2 / k;
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    return 0.5 + normalPdf(x) * sum;
  }
  // Beyond |x| ≈ 38.6 the density underflows to 0, which is then also the correct tail to double precision.
  const pdf = normalPdf(ax);
  const tail = pdf === 0 ? 0 : pdf * millsRatio(ax);
  return x < 0 ? tail : 1 - tail;
}
