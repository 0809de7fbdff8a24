/**
 * Distribution of the one-sample two-sided Kolmogorov–Smirnov statistic
 * D_n = sup_x |F_n(x) − F(x)| for a continuous F, and of its limit √n·D_n.
 *
 * The reference semantics are scipy's `scipy.stats.kstwo` (`scipy/stats/_ksstats.py`, `_kolmogn`) and
 * `scipy.stats.kstwobign` (`scipy.special.kolmogorov`). The method is chosen per (n, d) following
 * Simard & L'Ecuyer (2011), "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11):
 *
 * - exact closed forms at the ends (Ruben & Gambino): d ≤ 1/(2n), 1/(2n) < d ≤ 1/n and d ≥ 1 − 1/n;
 * - d ≥ 1/2: P(D_n ≥ d) = 2·P(D_n⁺ ≥ d) exactly, the one-sided tail coming from the Smirnov /
 *   Birnbaum–Tingey sum (the two one-sided events are disjoint then);
 * - small n·d²: the Durbin matrix (as organised by Marsaglia, Tsang & Wang 2003) or the Pomeranz recursion;
 * - large n, small n·d²: the Pelz–Good asymptotic series;
 * - large n·d²: 2·P(D_n⁺ ≥ d) again (Miller's approximation, the intersection term being < 1e-16 there).
 *
 * The survival function is computed directly (not as 1 − CDF) wherever it can be small, so it keeps its
 * relative accuracy down to the subnormal range.
 */

const LN2 = Math.LN2;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const PI2 = Math.PI * Math.PI;
const PI4 = PI2 * PI2;
const PI6 = PI4 * PI2;
/** exp() of anything below this is 0 in scipy's Pelz–Good code path. */
const PELZ_GOOD_MIN_LOG = -708;
/** cephes MINLOG = log(2^-1075): exp() of anything below this underflows to 0. */
const CEPHES_MINLOG = -745.1332191019412;
/** Largest n for which the one-sided Smirnov tail is summed exactly (scipy's SMIRNOV_MAX_COMPUTE_N). */
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
/** Largest n handled with the small-sample regime boundaries of Simard & L'Ecuyer. */
const SMALL_N = 140;
/** Rescaling factor keeping the Durbin / Pomeranz intermediate results inside the double range. */
const SCALE_EXP = 128;
const BIG = 2 ** SCALE_EXP;
const TINY = 2 ** -SCALE_EXP;

/** Stirling-series coefficients B_{2j}/(2j(2j−1)), highest order first (j = 8 … 1), for log(n!/n^n). */
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** x·2^e without intermediate overflow/underflow of 2^e itself. */
function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

function validate(n: number): void {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`Kolmogorov–Smirnov: n must be a positive integer, got ${n}`);
  }
}

/** log(n!/n^n) by Stirling's series with n·log(n) removed analytically, so nothing cancels for large n. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const rn2 = rn * rn;
  let poly = 0;
  for (const c of STIRLING) poly = poly * rn2 + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

// ---------------------------------------------------------------------------------------------------------
// Durbin matrix method, Marsaglia–Tsang–Wang organisation: P(D_n < d) = n!/n^n · (H^n)[k][k].
// ---------------------------------------------------------------------------------------------------------

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let l = 0; l < m; l++) {
      const ail = a[row + l]!;
      if (ail === 0) continue;
      const brow = l * m;
      for (let j = 0; j < m; j++) c[row + j]! += ail * b[brow + j]!;
    }
  }
  return c;
}

/** CDF P(D_n ≤ d) by the Durbin matrix; cost O(m³ log n) with m = 2⌈nd⌉ − 1, so only for small n·d. */
function durbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  // First column (and, reversed, last row) v[j] = (1 − h^(j+1))/(j+1)!; the band above holds 1/(i−j+1)!.
  const v = new Float64Array(m);
  const invFact = new Float64Array(m + 1); // invFact[j] = 1/j!
  invFact[0] = 1;
  for (let j = 1; j <= m; j++) invFact[j] = invFact[j - 1]! / j;
  for (let j = 0; j < m; j++) v[j] = (1 - h ** (j + 1)) * invFact[j + 1]!;
  // The corner element counts paths touching both boundaries; (2h − 1)^m appears only when h > 1/2.
  v[m - 1] = (1 + Math.max(2 * h - 1, 0) ** m - 2 * h ** m) * invFact[m]!;

  let H: Float64Array = new Float64Array(m * m);
  for (let col = 1; col < m; col++) {
    for (let row = col - 1; row < m; row++) H[row * m + col] = invFact[row - col + 1]!;
  }
  for (let row = 0; row < m; row++) H[row * m] = v[row]!;
  for (let col = 0; col < m; col++) H[(m - 1) * m + col] = v[m - 1 - col]!;

  // Binary powering with a shared power-of-two exponent to dodge overflow (entries grow like e^n).
  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let pExp = 0;
  let hExp = 0;
  const kk = (k - 1) * m + (k - 1);
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      P = matMul(P, H, m);
      pExp += hExp;
    }
    H = matMul(H, H, m);
    hExp *= 2;
    if (Math.abs(H[kk]!) > BIG) {
      for (let i = 0; i < H.length; i++) H[i]! /= BIG;
      hExp += SCALE_EXP;
    }
  }

  let p = P[kk]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TINY) {
      p *= BIG;
      pExp -= SCALE_EXP;
    }
  }
  return clip01(ldexp(p, pExp));
}

// ---------------------------------------------------------------------------------------------------------
// Pomeranz recursion (CACM Algorithm 487): rows are convolutions of the previous row with (almost) Poisson
// weights; only a narrow contiguous band of each row is non-zero, tracked by [j1, j2] and a start offset.
// ---------------------------------------------------------------------------------------------------------

function pomeranzBand(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - ll - roundf - 2;
        j2 = half + ll + ceilf - 2;
      }
    } else {
      j1 = half - ll - 2;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** CDF P(D_n ≤ d) by the Pomeranz recursion; cost O(n · (n·d)²). */
function pomeranzCdf(n: number, d: number): number {
  const t = n * d;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const width = 2 * (ll + 1);

  // a^m/m! for the three step lengths g/n, 2g/n and (1 − 2g)/n that can separate consecutive boundary points.
  const powers = (a: number): Float64Array => {
    const out = new Float64Array(width);
    out[0] = 1;
    for (let j = 1; j < width; j++) out[j] = (out[j - 1]! * a) / j;
    return out;
  };
  const gPow = powers(g / n);
  const twoGPow = powers((2 * g) / n);
  const oneMinusTwoGPow = powers((1 - 2 * g) / n);

  let prev = new Float64Array(width);
  let cur = new Float64Array(width);
  cur[0] = 1;
  let prevStart = 0;
  let curStart = 0;
  let exponent = 0;

  let [j1] = pomeranzBand(0, n, ll, ceilf, roundf);
  for (let i = 1; i <= 2 * n + 1; i++) {
    const k1 = j1;
    [prev, cur] = [cur, prev];
    [prevStart, curStart] = [curStart, prevStart];
    cur.fill(0);
    const band = pomeranzBand(i, n, ll, ceilf, roundf);
    j1 = band[0];
    const j2 = band[1];
    const w = i === 1 || i === 2 * n + 1 ? gPow : i % 2 === 1 ? twoGPow : oneMinusTwoGPow;
    const len = j2 - k1 + 1;
    if (len > 0) {
      // Entries [j1 − k1, j2 − k1] of the full convolution of prev[k1 − prevStart …] (len entries, zero past
      // the array end) with w[0 … len − 1].
      const base = k1 - prevStart;
      const avail = Math.min(len, width - base);
      let maxV = 0;
      for (let out = 0; out <= j2 - j1; out++) {
        const idx = j1 - k1 + out;
        let s = 0;
        const lo = Math.max(0, idx - len + 1);
        const hi = Math.min(idx, avail - 1);
        for (let p = lo; p <= hi; p++) s += prev[base + p]! * w[idx - p]!;
        cur[out] = s;
        if (s > maxV) maxV = s;
      }
      if (maxV > 0 && maxV < TINY) {
        for (let q = 0; q < width; q++) cur[q]! *= BIG;
        exponent -= SCALE_EXP;
      }
      curStart = prevStart + j1 - k1;
    }
  }

  let ans = cur[n - curStart] ?? 0;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > BIG) {
      ans *= TINY;
      exponent += SCALE_EXP;
    }
    ans *= m;
  }
  return clip01(ldexp(ans, exponent));
}

// ---------------------------------------------------------------------------------------------------------
// Pelz–Good asymptotic: Li-Chien/Korolyuk expansion K0 + K1/√n + K2/n + K3/n^1.5 in z = d√n, rewritten via the
// Jacobi theta functional equation into series in exp(−π²/(8z²)) that converge fast for small z.
// ---------------------------------------------------------------------------------------------------------

function pelzGoodCdf(n: number, d: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const z = Math.sqrt(n) * d;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < PELZ_GOOD_MIN_LOG) return 0;
  const q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;

  // Σ_k c_k(m) q^(m²), m = 2k − 1, by Horner in q^8k (since (2k+1)² − (2k−1)² = 8k).
  const maxk = Math.ceil((16 * z) / Math.PI);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = maxk; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * k);
    s0 = s0 * qp + 1;
    s1 = s1 * qp + (k1a + k1b * m2);
    s2 = s2 * qp + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const f = q * SQRT_2PI;
  const K0 = (s0 * f) / z;
  let K1 = (s1 * f) / (6 * z4);
  let K2 = (s2 * f) / (72 * z3 * z4);
  let K3 = (s3 * f) / (6480 * z4 * z6);

  // The second theta series, over all k, for the K2 and K3 corrections.
  const qq = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let e2 = 0;
  let e3 = 0;
  for (let k = maxk; k >= 1; k--) {
    const k2 = k * k;
    const w = qq ** k2;
    e2 += k2 * w;
    const kpi = Math.PI * k;
    e3 += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * w;
  }
  K2 += (e2 * PI2 * SQRT_2PI) / (-36 * z3);
  K3 += (e3 * PI2 * SQRT_2PI) / (216 * z6);

  K1 /= Math.sqrt(n);
  K2 /= n;
  K3 /= n * Math.sqrt(n);
  return K0 + K1 + K2 + K3;
}

// ---------------------------------------------------------------------------------------------------------
// One-sided Smirnov tail P(D_n⁺ ≥ d) (scipy.special.smirnov), by the Birnbaum–Tingey sum
//   Σ_{v=0}^{⌊n(1−d)⌋} C(n,v) · d · (d + v/n)^(v−1) · (1 − d − v/n)^(n−v),
// whose terms are all positive, accumulated in log space so nothing over- or underflows.
// ---------------------------------------------------------------------------------------------------------

/** Error-free a·b = hi + lo (Dekker); needed so that frac(n·d) is exact, as the bases 1 − d − v/n depend on it. */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (x: number): [number, number] => {
    const c = 134217729 * x;
    const hi = c - (c - x);
    return [hi, x - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const lo = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, lo];
}

/** log(k!) − [(k + ½)·log k − k + ½·log 2π], the remainder of Stirling's formula, for integers k ≥ 1. */
function stirlingRemainder(k: number): number {
  if (k <= 15) {
    // k! is exact in a double here, and the cancellation costs only a few ulps of ~30.
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    return Math.log(f) - (k + 0.5) * Math.log(k) + k - LOG_2PI / 2;
  }
  const k2 = k * k;
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  if (k > 500) return (s0 - s1 / k2) / k;
  if (k > 80) return (s0 - (s1 - s2 / k2) / k2) / k;
  if (k > 35) return (s0 - (s1 - (s2 - s3 / k2) / k2) / k2) / k;
  return (s0 - (s1 - (s2 - (s3 - s4 / k2) / k2) / k2) / k2) / k;
}

/**
 * Deviance x·log(x/m) + m − x ≥ 0, with diff = x − m supplied exactly by the caller. Near x = m it is summed
 * as the series 2x·Σ u^(2j+1)/(2j+1) − diff·u, u = diff/(x + m), which has no cancellation.
 */
function deviance(x: number, m: number, diff: number): number {
  if (Math.abs(diff) < 0.1 * (x + m)) {
    const u = diff / (x + m);
    const u2 = u * u;
    let s = diff * u;
    let ej = 2 * x * u;
    for (let j = 1; j < 1000; j++) {
      ej *= u2;
      const next = s + ej / (2 * j + 1);
      if (next === s) return next;
      s = next;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

function smirnovSf(n: number, d: number): number {
  if (n === 1) return clip01(1 - d);
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const [nxHi, nxLo] = twoProduct(n, d);
  let nxFloor = Math.floor(nxHi);
  let alpha = nxHi - nxFloor + nxLo;
  if (alpha < 0) {
    nxFloor -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    nxFloor += 1;
    alpha = 0;
  }
  // d ≤ 1/n: the tail is 1 − d(1 + d)^(n−1).
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) {
    return clip01(1 - d * Math.exp((n - 1) * Math.log1p(d)));
  }
  if (-2 * n * d * d < CEPHES_MINLOG) return 0;
  // d ≥ 1 − 1/n: only the v = 0 term survives.
  if (nxFloor >= n - 1) return clip01(Math.exp(n * Math.log1p(-d)));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    // Too many terms; scipy switches to p ≈ exp(−(6nd + 1)²/(18n)).
    const logp = -((6 * n * d + 1) ** 2) / 18 / n;
    return logp < -LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }

  // With c = d + v/n, the bases satisfy (1 − d − v/n) = 1 − c, so term v is (d/c) · Binomial(n, c) pmf at v.
  // The pmf is evaluated by Loader's saddle-point form (Stirling remainders + deviance), which avoids the
  // catastrophic cancellation between log C(n, v) and the power terms when n is large.
  let maxLog = n * Math.log1p(-d); // v = 0 term: (1 − d)^n
  let sum = 1; // Σ exp(logTerm − maxLog)
  let prevLog = maxLog;
  const last = n - nxFloor - 1; // largest v with 1 − d − v/n > 0
  const logCommon = stirlingRemainder(n) - 0.5 * (LOG_2PI - Math.log(n));
  for (let v = 1; v <= last; v++) {
    const mean = nxFloor + v + alpha; // n·c, from the exact integer part and fractional part of n·d
    const meanComplement = n - nxFloor - v - alpha; // n·(1 − c)
    const logPmf =
      logCommon -
      stirlingRemainder(v) -
      stirlingRemainder(n - v) -
      deviance(v, mean, -(nxFloor + alpha)) -
      deviance(n - v, meanComplement, nxFloor + alpha) -
      0.5 * (Math.log(v) + Math.log(n - v));
    const logTerm = Math.log((d * n) / mean) + logPmf;
    if (logTerm > maxLog) {
      sum = sum * Math.exp(maxLog - logTerm) + 1;
      maxLog = logTerm;
    } else {
      sum += Math.exp(logTerm - maxLog);
    }
    // The terms are unimodal in v: once past the peak and negligible, the rest cannot matter.
    if (logTerm < prevLog && logTerm - maxLog < Math.log(sum) - 45) break;
    prevLog = logTerm;
  }
  return clip01(Math.exp(maxLog + Math.log(sum)));
}

// ---------------------------------------------------------------------------------------------------------
// Two-sided D_n: method selection (Simard & L'Ecuyer), returning the CDF or SF directly.
// ---------------------------------------------------------------------------------------------------------

function kolmogn(n: number, d: number, wantCdf: boolean): number {
  validate(n);
  if (Number.isNaN(d)) throw new RangeError("Kolmogorov–Smirnov: d must not be NaN");
  const pick = (cdf: number, sf: number): number => clip01(wantCdf ? cdf : sf);
  if (d >= 1) return pick(1, 0);
  if (d <= 0) return pick(0, 1);
  const t = n * d;
  if (t <= 1) {
    // Ruben–Gambino: P(D_n ≤ d) = n!/n^n · (2nd − 1)^n for 1/(2n) ≤ d ≤ 1/n.
    if (t <= 0.5) return pick(0, 1);
    let p: number;
    if (n <= SMALL_N) {
      p = 1;
      for (let i = 1; i <= n; i++) p *= i * (1 / n) * (2 * t - 1);
    } else {
      p = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return pick(p, 1 - p);
  }
  if (t >= n - 1) {
    // Ruben–Gambino: P(D_n ≥ d) = 2(1 − d)^n for d ≥ 1 − 1/n.
    const p = 2 * (1 - d) ** n;
    return pick(1 - p, p);
  }
  if (d >= 0.5) {
    const p = 2 * smirnovSf(n, d);
    return pick(1 - p, p);
  }
  const nd2 = t * d;
  if (n <= SMALL_N) {
    if (nd2 <= 0.754693) {
      const p = durbinCdf(n, d);
      return pick(p, 1 - p);
    }
    if (nd2 <= 4) {
      const p = pomeranzCdf(n, d);
      return pick(p, 1 - p);
    }
    const p = 2 * smirnovSf(n, d);
    return pick(1 - p, p);
  }
  if (!wantCdf) {
    if (nd2 >= 370) return 0;
    if (nd2 >= 2.2) return clip01(2 * smirnovSf(n, d));
  }
  let cdf: number;
  if (nd2 >= 18) cdf = 1;
  else if (n <= 100_000 && n * d ** 1.5 <= 1.4) cdf = durbinCdf(n, d);
  else cdf = pelzGoodCdf(n, d);
  return pick(cdf, 1 - cdf);
}

/**
 * Survival function P(D_n ≥ d) of the exact two-sided one-sample Kolmogorov–Smirnov statistic for sample
 * size n (scipy `kstwo.sf(d, n)`). d ≤ 0 gives 1 and d ≥ 1 gives 0.
 * @throws RangeError if n is not a positive integer or d is NaN.
 */
export function kolmogorovSmirnovSf(d: number, n: number): number {
  return kolmogn(n, d, false);
}

/**
 * Cumulative distribution P(D_n ≤ d) of the exact two-sided one-sample Kolmogorov–Smirnov statistic
 * (scipy `kstwo.cdf(d, n)`).
 * @throws RangeError if n is not a positive integer or d is NaN.
 */
export function kolmogorovSmirnovCdf(d: number, n: number): number {
  return kolmogn(n, d, true);
}

/**
 * Survival function of Kolmogorov's limiting distribution, P(K ≥ x) with K = lim √n·D_n
 * (scipy `kstwobign.sf(x)` = `scipy.special.kolmogorov(x)`).
 * @throws RangeError if x is NaN.
 */
export function kolmogorovSf(x: number): number {
  if (Number.isNaN(x)) throw new RangeError("Kolmogorov: x must not be NaN");
  // Below π/√(8·746) the CDF underflows, so the SF is exactly 1.
  if (x <= Math.PI / Math.sqrt(8 * 746)) return 1;
  if (x <= 0.82) {
    // Small x: CDF = (√(2π)/x) Σ_k exp(−(2k−1)²π²/(8x²)); three terms reach double precision here.
    const logu8 = -PI2 / (x * x);
    const u = Math.exp(logu8 / 8);
    const w = SQRT_2PI / x;
    if (u === 0) return clip01(1 - Math.exp(logu8 / 8 + Math.log(w)));
    const u8 = Math.exp(logu8);
    let p = 1 + u8 ** 3;
    p = 1 + u8 * u8 * p;
    p = 1 + u8 * p;
    return clip01(1 - w * u * p);
  }
  // Large x: SF = 2 Σ_k (−1)^(k−1) exp(−2k²x²), nested so the alternation is summed from the small end.
  const v = Math.exp(-2 * x * x);
  const v3 = v ** 3;
  let p = 1 - v3 * v3 * v;
  p = 1 - v3 * v * v * p;
  p = 1 - v3 * p;
  return clip01(2 * v * p);
}
