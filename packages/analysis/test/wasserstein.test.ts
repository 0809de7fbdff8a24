import { describe, expect, it } from "vitest";
import { wassersteinDistance, wassersteinDrift } from "../src/drift/wasserstein.js";
import { exactW1, normals, sketch } from "./support/samples.js";

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

  it("refuses infinite values, where the distance is undefined, with a reason that names the way out", () => {
    const withInfinity = sketch(Float64Array.of(1, 2, Infinity));
    expect(() => wassersteinDrift(withInfinity, sketch(Float64Array.of(1, 2, 3)))).toThrow(
      "the Wasserstein distance is undefined: the reference holds infinite values; use ks or psi instead",
    );
  });
});
