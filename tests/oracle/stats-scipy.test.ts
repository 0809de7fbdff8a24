// The p-value functions of @sightglass/analysis against live scipy (pip, in the cached venv), on grids of
// statistics and sample sizes: |Δ| ≤ 1e-9.
import { describe, expect, it } from "vitest";
import {
  benjaminiHochberg,
  chiSquareSf,
  kolmogorovSmirnovSf,
  ksDrift,
  wassersteinDrift,
} from "@sightglass/analysis";
import { KllDoublesSketch } from "@sightglass/sketches";
import { normalMixture, rng } from "../../packages/analysis/test/support/samples.js";
import { ok, runOracle, toBase64 } from "./oracle-client.js";

const TOLERANCE = 1e-9;

describe("chi-square survival function vs scipy.stats.chi2.sf", () => {
  it("agrees on a grid of statistics and degrees of freedom", async () => {
    const points: [number, number][] = [];
    for (const dof of [1, 2, 3, 4, 7, 10, 25, 49, 100, 333, 1000, 5000, 20000, 100000]) {
      // From deep in the left tail to far in the right tail, around the mean dof and its sd √(2·dof).
      const sd = Math.sqrt(2 * dof);
      for (let z = -6; z <= 40; z += 0.75) {
        const x = dof + z * sd;
        if (x > 0) points.push([x, dof]);
      }
      points.push([1e-9, dof], [dof * 1e-3, dof]);
    }
    const [answer] = await runOracle([{ op: "chi2_sf", points }], "scipy_oracle.py");
    const want = ok<{ values: number[] }>(answer, "chi2_sf").values;
    let worst = 0;
    points.forEach(([x, dof], i) => {
      const delta = Math.abs(chiSquareSf(x, dof) - want[i]!);
      worst = Math.max(worst, delta);
      expect(delta, `chi2.sf(${x}, ${dof})`).toBeLessThanOrEqual(TOLERANCE);
    });
    expect(points.length).toBeGreaterThan(500);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe("exact Kolmogorov distribution vs scipy.stats.kstwo.sf", () => {
  it("agrees on a grid of statistics and sample sizes spanning every method scipy switches between", async () => {
    const points: [number, number][] = [];
    for (const n of [1, 2, 3, 4, 7, 10, 33, 100, 140, 141, 300, 1000, 3000, 10_000, 100_000, 1_000_000]) {
      // d on a scale of 1/√n (where the distribution lives), plus both ends of [0, 1].
      for (let t = 0.05; t <= 6; t += 0.25) points.push([Math.min(0.999, t / Math.sqrt(n)), n]);
      points.push([0.5 / n, n], [1 - 0.5 / n, n], [0.999999, n]);
    }
    const [answer] = await runOracle([{ op: "kstwo_sf", points }], "scipy_oracle.py");
    const want = ok<{ values: number[] }>(answer, "kstwo_sf").values;
    points.forEach(([d, n], i) => {
      expect(Math.abs(kolmogorovSmirnovSf(d, n) - want[i]!), `kstwo.sf(${d}, ${n})`).toBeLessThanOrEqual(
        TOLERANCE,
      );
    });
    expect(points.length).toBeGreaterThan(300);
  });
});

describe("sketch KS and Wasserstein-1 vs scipy on the raw values", () => {
  const pairs: [string, Float64Array, Float64Array][] = [
    ["no drift", normalMixture(200_000, 1), normalMixture(150_000, 2)],
    ["location shift", normalMixture(100_000, 3), normalMixture(100_000, 4, 0.03)],
    ["scale shift", normalMixture(80_000, 5), normalMixture(60_000, 6, 0, 1.2)],
    ["mixture", normalMixture(50_000, 7), normalMixture(50_000, 8, 0, 1, 0.2)],
    ["small", normalMixture(800, 9), normalMixture(600, 10, 0.25)],
  ];

  it("puts the sketch statistic within its stated bound of scipy's exact statistic, for every pair", async () => {
    const answers = await runOracle(
      pairs.map(([, a, b]) => ({
        op: "ks_2samp",
        a: toBase64(new Uint8Array(a.buffer)),
        b: toBase64(new Uint8Array(b.buffer)),
      })),
      "scipy_oracle.py",
    );
    pairs.forEach(([name, a, b], i) => {
      const scipy = ok<{ statistic: number; pvalue: number }>(answers[i], `ks_2samp ${name}`);
      const ref = new KllDoublesSketch(1024);
      ref.updateMany(a);
      const tgt = new KllDoublesSketch(1024);
      tgt.updateMany(b);
      const result = ksDrift(ref, tgt)!;
      expect(Math.abs(result.statistic - scipy.statistic), name).toBeLessThanOrEqual(result.bound);
    });
  });

  it("puts the sketch Wasserstein-1 distance within its bound of scipy's wasserstein_distance", async () => {
    const answers = await runOracle(
      pairs.map(([, a, b]) => ({
        op: "wasserstein",
        a: toBase64(new Uint8Array(a.buffer)),
        b: toBase64(new Uint8Array(b.buffer)),
      })),
      "scipy_oracle.py",
    );
    pairs.forEach(([name, a, b], i) => {
      const scipy = ok<{ distance: number }>(answers[i], `wasserstein ${name}`);
      const ref = new KllDoublesSketch(1024);
      ref.updateMany(a);
      const tgt = new KllDoublesSketch(1024);
      tgt.updateMany(b);
      const result = wassersteinDrift(ref, tgt)!;
      // 1e-9: scipy sums the same rectangles in another order.
      expect(Math.abs(result.statistic - scipy.distance), name).toBeLessThanOrEqual(result.bound + 1e-9);
    });
  });
});

describe("Benjamini–Hochberg vs scipy.stats.false_discovery_control", () => {
  it("gives scipy's adjusted p-values, ties and p = 0 / 1 included", async () => {
    const r = rng(99);
    const sets = [
      Array.from({ length: 500 }, () => r()),
      Array.from({ length: 200 }, (_, i) => (i < 20 ? r() * 1e-4 : r())),
      [0, 1, 0.5, 0.5, 0.5, 1e-300, 0.049, 0.05, 0.051],
    ];
    const answers = await runOracle(
      sets.map((p) => ({ op: "fdr_bh", p })),
      "scipy_oracle.py",
    );
    sets.forEach((p, k) => {
      const want = ok<{ adjusted: number[] }>(answers[k], `fdr_bh set ${k}`).adjusted;
      const got = benjaminiHochberg(p).adjusted;
      got.forEach((q, i) => expect(Math.abs(q - want[i]!), `set ${k} [${i}]`).toBeLessThanOrEqual(1e-12));
    });
  });
});
