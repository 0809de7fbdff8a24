import { KllDoublesSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { ksDistance, ksDrift } from "../src/drift/ks.js";

/** Exact two-sample KS statistic on raw values (what scipy's ks_2samp reports). */
function exactKs(a: Float64Array, b: Float64Array): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let sup = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    sup = Math.max(sup, Math.abs(i / x.length - j / y.length));
  }
  return sup;
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
  return Float64Array.from({ length: n }, () => {
    const u = r() || 1e-12;
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  });
}

function sketch(values: Float64Array, k = 1024): KllDoublesSketch {
  const s = new KllDoublesSketch(k);
  s.updateMany(values);
  return s;
}

describe("ksDrift", () => {
  const pairs: [string, Float64Array, Float64Array][] = [
    ["no drift", normals(100_000, 1), normals(80_000, 2)],
    ["location shift", normals(100_000, 3), normals(100_000, 4, 0.05)],
    ["scale shift", normals(50_000, 5), normals(70_000, 6, 0, 1.1)],
    [
      "mixture",
      normals(60_000, 7),
      Float64Array.from([...normals(45_000, 8), ...normals(15_000, 9, 3, 0.5)]),
    ],
    ["small samples", normals(300, 10), normals(500, 11, 0.2)],
  ];

  it.each(pairs)("%s: the sketch statistic lies within its bound of the exact raw-data KS", (_, ref, tgt) => {
    const result = ksDrift(sketch(ref), sketch(tgt))!;
    const exact = exactKs(ref, tgt);
    expect(Math.abs(result.statistic - exact)).toBeLessThanOrEqual(result.bound);
    expect(result.pValue).toBeGreaterThanOrEqual(0);
    expect(result.pValue).toBeLessThanOrEqual(1);
  });

  it("is exact (bound 0) when both sketches still hold every value", () => {
    const ref = normals(700, 12);
    const tgt = normals(900, 13, 0.3);
    const result = ksDrift(sketch(ref), sketch(tgt))!;
    expect(result.bound).toBe(0);
    expect(result.statistic).toBe(exactKs(ref, tgt));
  });

  it("flags a clear shift and not identical data", () => {
    const ref = normals(20_000, 14);
    expect(ksDrift(sketch(ref), sketch(normals(20_000, 15, 0.5)))!.category).toBe("drift");
    expect(ksDrift(sketch(ref), sketch(ref))!).toMatchObject({
      statistic: 0,
      pValue: 1,
      category: "no_drift",
    });
  });

  it("returns null for an empty side and handles ties", () => {
    expect(ksDrift(new KllDoublesSketch(), sketch(normals(10, 1)))).toBeNull();
    const a = Float64Array.from({ length: 1000 }, (_, i) => i % 3);
    const b = Float64Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 2 : i % 2));
    expect(ksDistance(sketch(a), sketch(b))).toBeCloseTo(exactKs(a, b), 12);
  });
});
