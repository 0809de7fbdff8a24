import { describe, expect, it } from "vitest";
import { benjaminiHochberg } from "../src/multiple/benjamini-hochberg.js";

describe("benjaminiHochberg", () => {
  it("adjusts a worked example (values checked by hand: p·m/rank, then running minimum from the top)", () => {
    const p = [0.01, 0.04, 0.03, 0.005, 0.2];
    // sorted: 0.005 (r1) 0.01 (r2) 0.03 (r3) 0.04 (r4) 0.2 (r5); p·5/r = 0.025, 0.025, 0.05, 0.05, 0.2
    const { adjusted, rejected } = benjaminiHochberg(p, 0.05);
    expect(adjusted.map((x) => Number(x.toFixed(12)))).toEqual([0.025, 0.05, 0.05, 0.025, 0.2]);
    expect(rejected).toEqual([true, true, true, true, false]);
  });

  it("controls false alarms across many true-null tests where per-test α does not", () => {
    let s = 12345;
    const uniform = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 4294967296;
    };
    let perTest = 0;
    let anyAfterBh = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const p = Array.from({ length: 500 }, uniform);
      perTest += p.filter((x) => x <= 0.05).length;
      if (benjaminiHochberg(p, 0.05).rejected.some(Boolean)) anyAfterBh++;
    }
    // ~25 alarms per 500-column check without control; with all nulls true, BH's FDR = FWER ≤ α.
    expect(perTest / runs).toBeGreaterThan(20);
    // Binomial(200, 0.05): mean 10, sd ≈ 3.1; 22 is ~4 sd above.
    expect(anyAfterBh).toBeLessThanOrEqual(22);
  });

  it("rejects invalid input", () => {
    expect(() => benjaminiHochberg([0.5, 1.2])).toThrow(RangeError);
    expect(() => benjaminiHochberg([NaN])).toThrow(RangeError);
    expect(() => benjaminiHochberg([0.1], 0)).toThrow(RangeError);
    expect(benjaminiHochberg([])).toEqual({ adjusted: [], rejected: [] });
  });
});
