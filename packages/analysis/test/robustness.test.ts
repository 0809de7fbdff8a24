// Whatever a profile holds — infinities, the extremes of the double range, NaN, constant or empty columns,
// mixed types — the comparison returns well-formed results (no NaN, p-values in [0, 1], non-negative bounds)
// or a reason, and never throws anything but AnalysisError for bad options.
import { DatasetProfile } from "@sightglass/profile";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DRIFT_METHODS } from "../src/drift/types.js";
import { columnDrift } from "../src/drift/column.js";
import { compareProfiles } from "../src/report/compare.js";

const cell = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: false }) },
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 2, arbitrary: fc.constantFrom(Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 0, -0) },
  { weight: 3, arbitrary: fc.constantFrom("a", "b", "c", "") },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
);

const column = (length: number) => fc.array(cell, { minLength: length, maxLength: length });
const frame = fc
  .integer({ min: 1, max: 300 })
  .chain((rows) => fc.dictionary(fc.constantFrom("p", "q", "r", "s"), column(rows), { minKeys: 1 }));

describe("comparison robustness", () => {
  it("gives well-formed results or reasons for arbitrary profiles", () => {
    fc.assert(
      fc.property(frame, frame, (a, b) => {
        const ref = new DatasetProfile().track(a).view();
        const tgt = new DatasetProfile().track(b).view();
        const report = compareProfiles(ref, tgt);
        for (const c of report.columns) {
          expect(Number.isNaN(c.statistic), c.column).toBe(false);
          expect(c.bound >= 0, `${c.column} bound ${c.bound}`).toBe(true);
          if (c.pValue !== null)
            expect(c.pValue >= 0 && c.pValue <= 1, `${c.column} p ${c.pValue}`).toBe(true);
        }
        for (const name of ref.columnNames()) {
          if (tgt.column(name) === undefined) continue;
          for (const method of DRIFT_METHODS) {
            const d = columnDrift(ref.column(name)!, tgt.column(name)!, { method });
            if (d.result === null) expect(d.reason).toBeTruthy();
            else expect(Number.isNaN(d.result.statistic) || Number.isNaN(d.result.bound)).toBe(false);
          }
        }
        for (const f of report.quality) expect(f.message.length).toBeGreaterThan(0);
      }),
      { seed: 20261204, numRuns: 150 },
    );
  });

  it("bins around infinities and ranges wider than the largest double", () => {
    const ref = new DatasetProfile()
      .track({ x: [1, 2, Infinity, 3, -Infinity], big: [1e308, -1e308, 0, 1, 2] })
      .view();
    const tgt = new DatasetProfile().track({ x: [1, 2, 3, 3, 4], big: [1e308, -1e308, 0, 1, 2] }).view();
    for (const method of ["hellinger", "jensen_shannon", "linf", "psi"] as const) {
      const x = columnDrift(ref.column("x")!, tgt.column("x")!, { method }).result!;
      expect(x.statistic, method).toBeGreaterThan(0); // two infinities moved into finite values
      expect(columnDrift(ref.column("big")!, tgt.column("big")!, { method }).result!.statistic, method).toBe(
        0,
      );
    }
    expect(columnDrift(ref.column("x")!, tgt.column("x")!, { method: "wasserstein" }).reason).toMatch(
      /^the Wasserstein distance is undefined: the reference holds infinite values; use ks or psi instead$/,
    );
  });
});
