// False alarms on data that did not change: over many no-drift column pairs at α = 0.05 the per-column alarm
// rate, and over many no-drift datasets the Benjamini–Hochberg dataset-level rate (any column alarming), stay
// within their nominal level — plus, for sketches in estimation mode, the most the stated bound can add.
//
// Allowed rates. Exact sketches: α. Estimation mode: the sketch statistic is at most `bound` above the raw one,
// so p_sketch ≥ h(p_raw) with h(u) = sf(isf(u) + bound), where sf is the KS null survival function at the
// effective size; P(p_sketch ≤ α) ≤ sf(isf(α) − bound). BH only gains rejections when p-values shrink, so its
// dataset-level rate is at most the rate of BH applied to h(U₁…U_m), computed here by Monte Carlo. Each
// observed rate may exceed its allowed level by 3 binomial standard deviations of the experiment's size.
import { KllDoublesSketch, FrequentItemsSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { chiSquare } from "../src/drift/binned.js";
import { categoricalHistogramPair } from "../src/drift/histogram-pair.js";
import { ksDrift } from "../src/drift/ks.js";
import { benjaminiHochberg } from "../src/multiple/benjamini-hochberg.js";
import { kolmogorovSmirnovSf } from "../src/stats/kolmogorov.js";
import { normals, rng } from "./support/samples.js";

const ALPHA = 0.05;
const COLUMNS_PER_DATASET = 10;

function ksPValues(pairs: number, n: number, seed: number): { p: number[]; bound: number } {
  const p: number[] = [];
  let bound = 0;
  for (let i = 0; i < pairs; i++) {
    const a = new KllDoublesSketch(1024);
    a.updateMany(normals(n, seed + 2 * i));
    const b = new KllDoublesSketch(1024);
    b.updateMany(normals(n, seed + 2 * i + 1));
    const r = ksDrift(a, b)!;
    p.push(r.pValue!);
    bound = Math.max(bound, r.bound);
  }
  return { p, bound };
}

/** Share of datasets (consecutive groups of columns) in which BH rejects any column at α. */
function bhDatasetRate(p: readonly number[], columns = COLUMNS_PER_DATASET): number {
  let alarms = 0;
  const datasets = Math.floor(p.length / columns);
  for (let d = 0; d < datasets; d++) {
    if (benjaminiHochberg(p.slice(d * columns, (d + 1) * columns), ALPHA).rejected.some(Boolean)) alarms++;
  }
  return alarms / datasets;
}

const rate = (p: readonly number[]) => p.filter((x) => x < ALPHA).length / p.length;
const slack = (level: number, trials: number) => 3 * Math.sqrt((level * (1 - level)) / trials);

/** The KS null survival function at effective size `n` and its inverse (bisection; sf decreases in d). */
function ksNull(n: number) {
  const sf = (d: number) => kolmogorovSmirnovSf(Math.min(1, Math.max(0, d)), n);
  const isf = (u: number) => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (sf(mid) > u) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  return { sf, isf };
}

/** P(BH rejects any of m tests) when each p-value is h(U) = sf(isf(U) + bound), U uniform (Monte Carlo). */
function worstBhRate(n: number, bound: number, m: number, trials: number): number {
  const { sf, isf } = ksNull(n);
  // h is monotone: tabulate it on a d grid and look sampled uniforms up in the table.
  const grid = 4000;
  const dMax = isf(1e-9);
  const us = new Float64Array(grid + 1);
  const hs = new Float64Array(grid + 1);
  for (let i = 0; i <= grid; i++) {
    const d = (dMax * i) / grid;
    us[i] = sf(d); // decreasing in i
    hs[i] = sf(d + bound);
  }
  const h = (u: number) => {
    let lo = 0;
    let hi = grid;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (us[mid]! > u) lo = mid + 1;
      else hi = mid;
    }
    // The first grid point with sf(d) ≤ u has d ≥ isf(u): a smaller h there, rounding toward more alarms.
    return hs[lo]!;
  };
  const r = rng(12345);
  let alarms = 0;
  const p = new Array<number>(m);
  for (let t = 0; t < trials; t++) {
    for (let j = 0; j < m; j++) p[j] = h(r());
    if (benjaminiHochberg(p, ALPHA).rejected.some(Boolean)) alarms++;
  }
  return alarms / trials;
}

describe("false alarms on unchanged data at α = 0.05", () => {
  it("KS with exact sketches: per-column and BH dataset-level rates within α", () => {
    const { p, bound } = ksPValues(4000, 500, 1_000_000);
    expect(bound).toBe(0);
    const perColumn = rate(p);
    const dataset = bhDatasetRate(p);
    console.log(
      `KS, exact sketches (n = m = 500): per-column ${perColumn.toFixed(4)} over ${p.length} pairs, ` +
        `BH dataset-level ${dataset.toFixed(4)} over ${p.length / COLUMNS_PER_DATASET} datasets of ${COLUMNS_PER_DATASET}; nominal ${ALPHA}`,
    );
    expect(perColumn).toBeLessThanOrEqual(ALPHA + slack(ALPHA, p.length));
    expect(dataset).toBeLessThanOrEqual(ALPHA + slack(ALPHA, p.length / COLUMNS_PER_DATASET));
    // Without correction, ten columns at 0.05 would alarm in about 40% of unchanged datasets.
    const uncorrected = Array.from({ length: p.length / 10 }, (_, d) =>
      p.slice(10 * d, 10 * d + 10).some((x) => x < ALPHA),
    );
    expect(uncorrected.filter(Boolean).length / uncorrected.length).toBeGreaterThan(0.25);
  });

  it("KS with sketches in estimation mode: rates within α plus what the stated bound allows", () => {
    const n = 4000;
    const { p, bound } = ksPValues(1000, n, 2_000_000);
    expect(bound).toBeGreaterThan(0);
    const effective = Math.round((n * n) / (2 * n));
    const { sf, isf } = ksNull(effective);
    const allowedColumn = sf(isf(ALPHA) - bound);
    const allowedDataset = worstBhRate(effective, bound, COLUMNS_PER_DATASET, 100_000);
    const perColumn = rate(p);
    const dataset = bhDatasetRate(p);
    console.log(
      `KS, KLL k = 1024 in estimation mode (n = m = ${n}, bound ${bound.toFixed(4)}): per-column ` +
        `${perColumn.toFixed(4)} (allowed ${allowedColumn.toFixed(4)}) over ${p.length} pairs, BH dataset-level ` +
        `${dataset.toFixed(4)} (allowed ${allowedDataset.toFixed(4)}) over ${p.length / COLUMNS_PER_DATASET} datasets`,
    );
    expect(allowedColumn).toBeGreaterThan(ALPHA);
    expect(perColumn).toBeLessThanOrEqual(allowedColumn + slack(allowedColumn, p.length));
    expect(dataset).toBeLessThanOrEqual(
      allowedDataset + slack(allowedDataset, p.length / COLUMNS_PER_DATASET),
    );
  });

  it("chi-square on exact frequent items: per-column and BH dataset-level rates within α", () => {
    const values = ["a", "b", "c", "d", "e"];
    const weights = [0.4, 0.25, 0.15, 0.12, 0.08];
    const draw = (count: number, seed: number) => {
      const r = rng(seed);
      const s = new FrequentItemsSketch(10);
      for (let i = 0; i < count; i++) {
        let u = r();
        let k = 0;
        while (k < values.length - 1 && (u -= weights[k]!) >= 0) k++;
        s.update(values[k]!);
      }
      return s;
    };
    const p: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const pair = categoricalHistogramPair(draw(1000, 3_000_000 + 2 * i), draw(1000, 3_000_001 + 2 * i));
      const result = chiSquare(pair);
      expect(result.bound).toBe(0);
      p.push(result.pValue!);
    }
    const perColumn = rate(p);
    const dataset = bhDatasetRate(p);
    console.log(
      `chi-square, exact frequent items (n = m = 1000, 5 values): per-column ${perColumn.toFixed(4)} over ` +
        `${p.length} pairs, BH dataset-level ${dataset.toFixed(4)} over ${p.length / COLUMNS_PER_DATASET} datasets`,
    );
    expect(perColumn).toBeLessThanOrEqual(ALPHA + slack(ALPHA, p.length));
    expect(dataset).toBeLessThanOrEqual(ALPHA + slack(ALPHA, p.length / COLUMNS_PER_DATASET));
  });
});
