import { KllDoublesSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { wassersteinDistance, wassersteinDrift } from "../src/drift/wasserstein.js";

/** Exact W1 between two raw samples (scipy.stats.wasserstein_distance). */
function exactW1(a: Float64Array, b: Float64Array): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0]!, y[0]!);
  let area = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    area += Math.abs(i / x.length - j / y.length) * (v - prev);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    prev = v;
  }
  return area;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function normals(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r()),
  );
}

function sketch(values: Float64Array): KllDoublesSketch {
  const s = new KllDoublesSketch(1024);
  s.updateMany(values);
  return s;
}

describe("wassersteinDrift", () => {
  const pairs: [string, Float64Array, Float64Array][] = [
    ["no drift", normals(100_000, 1), normals(90_000, 2)],
    ["location shift", normals(80_000, 3), normals(80_000, 4, 0.2)],
    ["scale shift", normals(60_000, 5), normals(60_000, 6, 0, 1.5)],
    ["small", normals(400, 7), normals(300, 8, 1)],
  ];

  it.each(pairs)("%s: within its bound of the exact raw-data distance", (_, a, b) => {
    const result = wassersteinDrift(sketch(a), sketch(b))!;
    expect(Math.abs(result.statistic - exactW1(a, b))).toBeLessThanOrEqual(result.bound + 1e-9);
  });

  it("is exact for exact sketches, symmetric, and zero for identical data", () => {
    const a = normals(500, 9);
    const b = normals(700, 10, 0.5);
    const r = wassersteinDrift(sketch(a), sketch(b))!;
    expect(r.bound).toBe(0);
    expect(r.statistic).toBeCloseTo(exactW1(a, b), 12);
    expect(wassersteinDistance(sketch(b), sketch(a))).toBeCloseTo(r.statistic, 12);
    expect(wassersteinDrift(sketch(a), sketch(a))).toMatchObject({ statistic: 0, category: "no_drift" });
    // A shift by c moves all mass by c: W1 = c.
    const shifted = Float64Array.from(a, (x) => x + 2);
    expect(wassersteinDistance(sketch(a), sketch(shifted))).toBeCloseTo(2, 9);
  });

  it("categorizes by effect size (W1 / reference IQR) unless given thresholds", () => {
    const ref = sketch(normals(20_000, 11));
    expect(wassersteinDrift(ref, sketch(normals(20_000, 12, 1)))!.category).toBe("drift");
    expect(wassersteinDrift(ref, sketch(normals(20_000, 13, 0.01)))!.category).toBe("no_drift");
    expect(
      wassersteinDrift(ref, sketch(normals(20_000, 14, 0.01)), {
        thresholds: { possibleDrift: 0.001, drift: 0.005 },
      })!.category,
    ).toBe("drift");
  });
});
