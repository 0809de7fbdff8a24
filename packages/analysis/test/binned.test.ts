import { FrequentItemsSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { binnedDrift, chiSquare, hellinger, jensenShannon, lInfinity, psi } from "../src/drift/binned.js";
import type { BinnedMethod } from "../src/drift/binned.js";
import {
  OTHER_CATEGORY,
  categoricalHistogramPair,
  numericHistogramPair,
  quantileHistogramPair,
  termRange,
  whylogsBins,
} from "../src/drift/histogram-pair.js";
import type { HistogramPair } from "../src/drift/histogram-pair.js";
import { DEFAULT_THRESHOLDS } from "../src/drift/types.js";
import { exactPair, rawCategoryShares, rawNumericShares, textbook } from "./support/raw-binned.js";
import { normals, rng, sketch, zipfCategories } from "./support/samples.js";

const SCORERS = { hellinger, jensen_shannon: jensenShannon, psi, chi_square: chiSquare, linf: lInfinity };
const METHODS = Object.keys(SCORERS) as BinnedMethod[];

function textbookValue(method: BinnedMethod, p: Float64Array, q: Float64Array, n: number, m: number): number {
  switch (method) {
    case "hellinger":
      return textbook.hellinger(p, q);
    case "jensen_shannon":
      return textbook.jensenShannon(p, q);
    case "psi":
      return textbook.psi(p, q);
    case "linf":
      return textbook.linf(p, q);
    case "chi_square":
      return textbook.chiSquare(p, q, n, m);
  }
}

describe("whylogsBins", () => {
  it("follows whylogs' _calculate_bins: ~n/4 buckets within [2, 30], end nudged past the maximum", () => {
    const edges = whylogsBins(0, 10, 1000);
    expect(edges.length).toBe(31);
    expect(edges[0]).toBe(0);
    expect(edges[30]).toBeCloseTo(10 * (1 + 1e-7), 12);
    expect(whylogsBins(0, 10, 20).length).toBe(6); // ceil(20 / 4) = 5 buckets
    expect(whylogsBins(0, 10, 3).length).toBe(3); // at least 2 buckets
    expect(whylogsBins(0, 0, 100).at(-1)).toBeCloseTo(1e-7, 20);
  });

  it("never makes buckets narrower than a float32 ulp at the range's magnitude", () => {
    const edges = whylogsBins(1e6, 1e6 + 0.01, 1000);
    const minInterval = 2 ** (Math.floor(Math.log2(1e6)) - 23);
    expect(edges[1]! - edges[0]!).toBeGreaterThanOrEqual(minInterval * (1 - 1e-12));
    expect(edges.length - 1).toBe(Math.floor((1e6 * (1 + 1e-7) + 0.01 - 1e6) / minInterval));
  });
});

describe("termRange", () => {
  const sq = (a: number, b: number) => (a - b) ** 2;
  it("is zero at the bottom when the intervals overlap and takes the far corners at the top", () => {
    expect(termRange(sq, 0.1, 0.3, 0.2, 0.4)).toEqual([0, (0.1 - 0.4) ** 2]);
    const [lo, hi] = termRange(sq, 0.5, 0.6, 0.1, 0.2);
    expect(lo).toBeCloseTo(0.09, 15);
    expect(hi).toBeCloseTo(0.25, 15);
  });
  it("brackets the term over a dense grid of the box", () => {
    const r = rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const box = [r(), r(), r(), r()].map((x) => x * 0.2);
      const [aLo, aHi] = [Math.min(box[0]!, box[1]!), Math.max(box[0]!, box[1]!)];
      const [bLo, bHi] = [Math.min(box[2]!, box[3]!), Math.max(box[2]!, box[3]!)];
      for (const term of [
        (a: number, b: number) => (Math.sqrt(a) - Math.sqrt(b)) ** 2,
        (a: number, b: number) =>
          (Math.max(a, 1e-4) - Math.max(b, 1e-4)) * Math.log(Math.max(a, 1e-4) / Math.max(b, 1e-4)),
        (a: number, b: number) => (a + b > 0 ? (a - b) ** 2 / (3 * a + 5 * b) : 0),
      ]) {
        const [lo, hi] = termRange(term, aLo, aHi, bLo, bHi);
        for (let i = 0; i <= 10; i++) {
          for (let j = 0; j <= 10; j++) {
            const v = term(aLo + ((aHi - aLo) * i) / 10, bLo + ((bHi - bLo) * j) / 10);
            expect(v).toBeGreaterThanOrEqual(lo - 1e-15);
            expect(v).toBeLessThanOrEqual(hi + 1e-15);
          }
        }
      }
    }
  });
});

describe("numeric binned drift vs the same statistic on the raw values", () => {
  const pairs: [string, Float64Array, Float64Array][] = [
    ["no drift", normals(100_000, 21), normals(80_000, 22)],
    ["location shift", normals(100_000, 23), normals(100_000, 24, 0.3)],
    ["scale shift", normals(60_000, 25), normals(70_000, 26, 0, 1.5)],
    [
      "mixture",
      normals(60_000, 27),
      Float64Array.from([...normals(45_000, 28), ...normals(15_000, 29, 3, 0.5)]),
    ],
    ["small (exact sketches)", normals(300, 30), normals(500, 31, 0.5)],
  ];

  it.each(pairs)(
    "%s: every method's statistic lies within its bound of the raw-data statistic",
    (_, a, b) => {
      for (const pair of [
        numericHistogramPair(sketch(a), sketch(b)),
        quantileHistogramPair(sketch(a), sketch(b)),
      ])
        expectWithinBounds(pair, a, b);
    },
  );

  // A bound can be "within" trivially by being huge. The score the automatic choice uses for large numeric
  // samples (PSI on the reference's deciles) must stay informative: its bound below the possible-drift
  // threshold, so an unchanged column cannot be flagged by sketch error alone and a shift beyond the bound is
  // a real one.
  it.each(pairs.slice(0, 4))(
    "%s: PSI on deciles has a bound below its possible-drift threshold",
    (_, a, b) => {
      const { bound } = binnedDrift("psi", quantileHistogramPair(sketch(a), sketch(b)));
      expect(bound).toBeGreaterThan(0);
      expect(bound).toBeLessThan(DEFAULT_THRESHOLDS.psi.possibleDrift);
    },
  );

  function expectWithinBounds(pair: HistogramPair, a: Float64Array, b: Float64Array): void {
    const raw = exactPair(
      pair,
      rawNumericShares(a, pair.edges!),
      rawNumericShares(b, pair.edges!),
      a.length,
      b.length,
    );
    for (const method of METHODS) {
      const got = SCORERS[method](pair);
      const exact = textbookValue(method, raw.reference, raw.target, a.length, b.length);
      expect(Math.abs(got.statistic - exact), method).toBeLessThanOrEqual(got.bound + 1e-12);
      // The scorers on exact shares are the textbook formulas.
      expect(SCORERS[method](raw).statistic, method).toBeCloseTo(exact, 9);
      expect(SCORERS[method](raw).bound, method).toBeLessThanOrEqual(1e-12);
    }
  }

  it("is exact with bound 0 while both sketches hold every value", () => {
    const a = normals(700, 32);
    const b = normals(900, 33, 0.4);
    const pair = numericHistogramPair(sketch(a), sketch(b));
    const pa = rawNumericShares(a, pair.edges!);
    const pb = rawNumericShares(b, pair.edges!);
    for (const method of METHODS) {
      const got = SCORERS[method](pair);
      expect(got.bound, method).toBe(0);
      expect(got.statistic, method).toBeCloseTo(textbookValue(method, pa, pb, 700, 900), 12);
    }
  });

  it("keeps Hellinger's bound below the drift threshold, so a large shift is certain and none is not drift", () => {
    // The rank-error guarantee is additive, and √ magnifies small shares, so the bound is wide next to the
    // typical error (the statistic of two unchanged 200k samples is ≈ 0.03): drift is certain only when even
    // the lower end clears the threshold.
    const ref = sketch(normals(200_000, 34));
    const same = hellinger(numericHistogramPair(ref, sketch(normals(200_000, 35))));
    const shifted = numericHistogramPair(ref, sketch(normals(200_000, 36, 2.5)));
    expect(same.bound).toBeGreaterThan(0);
    expect(same.statistic + same.bound).toBeLessThan(0.4);
    expect(hellinger(shifted).statistic - hellinger(shifted).bound).toBeGreaterThanOrEqual(0.4);
    expect(binnedDrift("hellinger", shifted).category).toBe("drift");
  });
});

function fiSketch(values: readonly string[], lgMax = 10): FrequentItemsSketch {
  const s = new FrequentItemsSketch(lgMax);
  for (const v of values) s.update(v);
  return s;
}

describe("categorical binned drift vs the same statistic on the raw values", () => {
  const pairs: [string, string[], string[]][] = [
    ["no drift (exact sketches)", zipfCategories(20_000, 50, 41), zipfCategories(15_000, 50, 42)],
    [
      "category swap",
      zipfCategories(20_000, 50, 43),
      zipfCategories(20_000, 50, 44, (i) => `v${i === 0 ? 1 : i === 1 ? 0 : i}`),
    ],
    [
      "new category",
      zipfCategories(20_000, 30, 45),
      [...zipfCategories(18_000, 30, 46), ...Array<string>(2_000).fill("brand-new")],
    ],
    [
      "no drift, 5k values (approximate sketches)",
      zipfCategories(100_000, 5_000, 47),
      zipfCategories(80_000, 5_000, 48),
    ],
    [
      "swap, 5k values (approximate sketches)",
      zipfCategories(100_000, 5_000, 49),
      zipfCategories(100_000, 5_000, 50, (i) => `v${(i + 3) % 5000}`),
    ],
  ];

  it.each(pairs)("%s: within the stated bound for every method", (name, a, b) => {
    const pair = categoricalHistogramPair(fiSketch(a), fiSketch(b));
    const raw = exactPair(
      pair,
      rawCategoryShares(a, pair.labels),
      rawCategoryShares(b, pair.labels),
      a.length,
      b.length,
    );
    for (const method of METHODS) {
      const got = SCORERS[method](pair);
      const exact = textbookValue(method, raw.reference, raw.target, a.length, b.length);
      expect(Math.abs(got.statistic - exact), `${name} ${method}`).toBeLessThanOrEqual(got.bound + 1e-9);
    }
    if (name.includes("exact")) {
      expect(pair.labels).not.toContain(OTHER_CATEGORY);
      for (const method of METHODS) expect(SCORERS[method](pair).bound, method).toBe(0);
    } else if (name.includes("approximate")) {
      expect(pair.labels.at(-1)).toBe(OTHER_CATEGORY);
    }
  });

  it("flags a swap and a new category, and not an unchanged column", () => {
    const [, a0, b0] = pairs[0]!;
    const [, a1, b1] = pairs[1]!;
    const [, a2, b2] = pairs[2]!;
    const same = chiSquare(categoricalHistogramPair(fiSketch(a0), fiSketch(b0)));
    expect(same.pValue!).toBeGreaterThan(0.05);
    expect(chiSquare(categoricalHistogramPair(fiSketch(a1), fiSketch(b1))).pValue!).toBeLessThan(1e-10);
    const fresh = categoricalHistogramPair(fiSketch(a2), fiSketch(b2));
    expect(lInfinity(fresh).statistic).toBeCloseTo(0.1, 2);
    expect(binnedDrift("linf", fresh).category).toBe("drift");
    expect(Number.isFinite(chiSquare(fresh).statistic)).toBe(true);
  });
});

/** A pair whose shares are given directly (for checking the scorers' arithmetic). */
function pairOf(p: number[], q: number[], n = 1000, m = 1000): HistogramPair {
  return exactPair(
    { labels: p.map((_, i) => `b${i}`), edges: null } as unknown as HistogramPair,
    Float64Array.from(p),
    Float64Array.from(q),
    n,
    m,
  );
}

describe("scorer arithmetic", () => {
  it("gives the known extremes", () => {
    const disjoint = pairOf([1, 0], [0, 1]);
    expect(hellinger(disjoint).statistic).toBe(1);
    expect(jensenShannon(disjoint).statistic).toBeCloseTo(Math.sqrt(Math.LN2), 15);
    expect(lInfinity(disjoint).statistic).toBe(1);
    const same = pairOf([0.2, 0.8], [0.2, 0.8]);
    for (const method of METHODS) expect(SCORERS[method](same).statistic, method).toBe(0);
    expect(chiSquare(same).pValue).toBe(1);
  });

  it("computes chi-square as Pearson's test on the 2 × K table", () => {
    // 2 × 2 table [[300, 700], [400, 600]]: chi2 = 2000·(300·600 − 700·400)² / (1000·1000·700·1300)
    const result = chiSquare(pairOf([0.3, 0.7], [0.4, 0.6]));
    const expected = (2000 * (300 * 600 - 700 * 400) ** 2) / (1000 * 1000 * 700 * 1300);
    expect(result.statistic).toBeCloseTo(expected, 12);
  });
});
