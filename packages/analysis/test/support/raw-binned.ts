// Raw-data versions of the binned drift statistics, computed from exact counts in the same bins the sketches
// were binned into: what the sketch statistics are checked against.
import type { HistogramPair } from "../../src/drift/histogram-pair.js";
import { OTHER_CATEGORY } from "../../src/drift/histogram-pair.js";

/** Exact shares of raw numbers in (−∞, e0), [e0, e1), …, [e_last, ∞). */
export function rawNumericShares(values: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (const v of values) {
    let lo = 0;
    let hi = edges.length;
    // first edge > v: the bin index
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts.map((c) => c / values.length);
}

/** Exact shares of raw categories among `labels` (the last may be `__other__`, holding everything else). */
export function rawCategoryShares(values: readonly string[], labels: readonly string[]): Float64Array {
  const index = new Map(labels.map((l, i) => [l, i]));
  const other = index.get(OTHER_CATEGORY);
  const counts = new Float64Array(labels.length);
  for (const v of values) {
    const i = index.get(v) ?? other;
    if (i === undefined) throw new Error(`value ${v} has no bin and there is no ${OTHER_CATEGORY} bin`);
    counts[i]!++;
  }
  return counts.map((c) => c / values.length);
}

/** A HistogramPair with exact shares (zero-width intervals), to run the scorers on raw data. */
export function exactPair(
  template: HistogramPair,
  reference: Float64Array,
  target: Float64Array,
  referenceCount: number,
  targetCount: number,
): HistogramPair {
  return {
    labels: template.labels,
    reference,
    referenceLow: reference,
    referenceHigh: reference,
    target,
    targetLow: target,
    targetHigh: target,
    referenceCount,
    targetCount,
    edges: template.edges,
    referenceCdf: null,
    targetCdf: null,
  };
}

function xlogy(x: number, y: number): number {
  return x > 0 ? x * Math.log(x / y) : 0;
}

/** Independent textbook formulas (no shared code with the scorers). */
export const textbook = {
  hellinger(p: Float64Array, q: Float64Array): number {
    let s = 0;
    p.forEach((pi, i) => (s += (Math.sqrt(pi) - Math.sqrt(q[i]!)) ** 2));
    return Math.sqrt(s) / Math.SQRT2;
  },
  jensenShannon(p: Float64Array, q: Float64Array): number {
    let s = 0;
    p.forEach((pi, i) => {
      const m = (pi + q[i]!) / 2;
      s += xlogy(pi, m) + xlogy(q[i]!, m);
    });
    return Math.sqrt(s / 2);
  },
  psi(p: Float64Array, q: Float64Array, floor = 1e-4): number {
    let s = 0;
    p.forEach((pi, i) => {
      const a = Math.max(pi, floor);
      const b = Math.max(q[i]!, floor);
      s += (b - a) * Math.log(b / a);
    });
    return s;
  },
  linf(p: Float64Array, q: Float64Array): number {
    let s = 0;
    p.forEach((pi, i) => (s = Math.max(s, Math.abs(pi - q[i]!))));
    return s;
  },
  /** Pearson chi-square of the 2 × K table of counts (expected from the margins), empty columns dropped. */
  chiSquare(p: Float64Array, q: Float64Array, n: number, m: number): number {
    let s = 0;
    const total = n + m;
    p.forEach((pi, i) => {
      const r = pi * n;
      const t = q[i]! * m;
      const col = r + t;
      if (col === 0) return;
      const er = (n * col) / total;
      const et = (m * col) / total;
      s += (r - er) ** 2 / er + (t - et) ** 2 / et;
    });
    return s;
  },
};
