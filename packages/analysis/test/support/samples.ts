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
