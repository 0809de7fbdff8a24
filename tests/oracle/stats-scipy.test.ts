// The p-value functions of @sightglass/analysis against live scipy (pip, in the cached venv), on grids of
// statistics and sample sizes: |Δ| ≤ 1e-9.
import { describe, expect, it } from "vitest";
import { chiSquareSf } from "@sightglass/analysis";
import { ok, runOracle } from "./oracle-client.js";

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
