// Deterministic samples and exact raw-data statistics shared by the drift tests.
import { KllDoublesSketch } from "@sightglass/sketches";

/** xorshift32 in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** n normal values (Box–Muller). */
export function normals(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => {
    const u = r() || 1e-12;
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  });
}

/** n values: normal with a location/scale, or with probability `mixture` from N(3, 0.5²). */
export function normalMixture(n: number, seed: number, mean = 0, sd = 1, mixture = 0): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
    return r() < mixture ? 3 + 0.5 * z : mean + sd * z;
  });
}

/** n values drawn from `values` with the given weights (equal weights by default). */
export function picks(
  n: number,
  seed: number,
  values: readonly string[],
  weights?: readonly number[],
): string[] {
  const r = rng(seed);
  const w = weights ?? values.map(() => 1);
  const total = w.reduce((s, x) => s + x, 0);
  return Array.from({ length: n }, () => {
    let u = r() * total;
    for (let i = 0; i < values.length; i++) if ((u -= w[i]!) < 0) return values[i]!;
    return values[values.length - 1]!;
  });
}

/** n Zipf-like categories (weight 1 / (i + 1)) over `vocabulary` values named by `name` (default `v<i>`). */
export function zipfCategories(
  n: number,
  vocabulary: number,
  seed: number,
  name: (i: number) => string = (i) => `v${i}`,
): string[] {
  const r = rng(seed);
  const cumulative = new Float64Array(vocabulary);
  let total = 0;
  for (let i = 0; i < vocabulary; i++) cumulative[i] = total += 1 / (i + 1);
  return Array.from({ length: n }, () => {
    const u = r() * total;
    let lo = 0;
    let hi = vocabulary - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return name(lo);
  });
}

export function sketch(values: Float64Array, k = 1024): KllDoublesSketch {
  const s = new KllDoublesSketch(k);
  s.updateMany(values);
  return s;
}

/**
 * Walks the empirical CDFs of two raw samples at every distinct value (the raw-data twin of walkStepCdfs):
 * `visit(x, beforeA, beforeB, atA, atB)`.
 */
function walkRaw(
  a: Float64Array,
  b: Float64Array,
  visit: (x: number, beforeA: number, beforeB: number, atA: number, atB: number) => void,
): void {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    const beforeA = i / x.length;
    const beforeB = j / y.length;
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    visit(v, beforeA, beforeB, i / x.length, j / y.length);
  }
}

/** Exact two-sample KS statistic on raw values (scipy ks_2samp's statistic). */
export function exactKs(a: Float64Array, b: Float64Array): number {
  let sup = 0;
  walkRaw(a, b, (_x, _ba, _bb, atA, atB) => {
    sup = Math.max(sup, Math.abs(atA - atB));
  });
  return sup;
}

/** Exact Wasserstein-1 distance between two raw samples (scipy wasserstein_distance). */
export function exactW1(a: Float64Array, b: Float64Array): number {
  let prev = NaN;
  let area = 0;
  walkRaw(a, b, (x, beforeA, beforeB) => {
    if (prev === prev) area += Math.abs(beforeA - beforeB) * (x - prev);
    prev = x;
  });
  return area;
}
