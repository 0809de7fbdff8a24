import { KllDoublesSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { ksDistance, ksDrift } from "../src/drift/ks.js";
import { exactKs, normals, sketch } from "./support/samples.js";

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
