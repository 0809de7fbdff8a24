import { DatasetProfile } from "@sightglass/profile";
import type { DatasetProfileView } from "@sightglass/profile";
import { describe, expect, it } from "vitest";
import { AnalysisError } from "../src/errors.js";
import { dataQuality } from "../src/quality/checks.js";
import { compareProfiles } from "../src/report/compare.js";
import type { QualityCheck } from "../src/quality/checks.js";
import { normals, picks } from "./support/samples.js";

const view = (columns: Record<string, unknown[] | Float64Array>): DatasetProfileView =>
  new DatasetProfile().track(columns).view();

const findings = (ref: DatasetProfileView, tgt: DatasetProfileView, check: QualityCheck) =>
  dataQuality(ref, tgt).filter((f) => f.check === check);

/** `share` of the values replaced by null (every k-th). */
function withNulls<T>(values: ArrayLike<T>, share: number): (T | null)[] {
  const every = share > 0 ? Math.round(1 / share) : Infinity;
  return Array.from(values, (v, i) => (i % every === 0 ? null : v));
}

describe("dataQuality", () => {
  it("reports removed and added columns", () => {
    const out = dataQuality(view({ a: [1, 2], b: [1, 2] }), view({ a: [1, 2], c: [3, 4] }));
    expect(
      out.filter((f) => f.check === "schema_change").map((f) => [f.column, f.severity, f.message]),
    ).toEqual([
      ["b", "error", "the column is missing from the target"],
      ["c", "warning", "the column is new: the reference does not have it"],
    ]);
  });

  it("reports a significant rise in missing values, and not a small or insignificant one", () => {
    const ref = view({ x: withNulls(normals(10_000, 1), 0.02) });
    const risen = findings(ref, view({ x: withNulls(normals(10_000, 2), 0.1) }), "missing_values");
    expect(risen).toHaveLength(1);
    expect(risen[0]!.message).toBe("missing values rose from 2.0% to 10.0% (1,000 of 10,000 target rows)");
    expect(risen[0]).toMatchObject({ reference: 0.02, target: 0.1, severity: "warning" });
    expect(findings(ref, view({ x: withNulls(normals(10_000, 3), 0.04) }), "missing_values")).toHaveLength(0);
    // +8 points on 25 rows is not significant.
    expect(findings(ref, view({ x: withNulls(normals(25, 4), 0.1) }), "missing_values")).toHaveLength(0);
    const all = findings(ref, view({ x: Array<null>(50).fill(null) }), "missing_values");
    expect(all[0]).toMatchObject({ severity: "error", target: 1 });
  });

  it("reports missing values in a column that never had any, when the reference was large enough to show them", () => {
    const ref = view({ x: normals(5000, 5) });
    const some = findings(ref, view({ x: withNulls(normals(5000, 6), 0.01) }), "missing_values");
    expect(some[0]!.message).toBe(
      "50 of 5,000 values (1.0%) are missing in the target; the reference (5,000 rows) had none",
    );
    // 1% missing would show among 100 reference rows with probability 63% only: no finding.
    expect(
      findings(
        view({ x: normals(100, 7) }),
        view({ x: withNulls(normals(5000, 8), 0.01) }),
        "missing_values",
      ),
    ).toHaveLength(0);
  });

  it("reports strings in a numeric column and a changed type", () => {
    const ref = view({ age: Array.from({ length: 1000 }, (_, i) => 20 + (i % 50)) });
    const mixed = Array.from({ length: 1000 }, (_, i) => (i % 50 === 0 ? "unknown" : 20 + (i % 50)));
    const f = findings(ref, view({ age: mixed }), "type_mismatch");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toBe(
      "20 of 1,000 values (2.0%) are string; the reference had only integral values",
    );
    expect(f[0]!.severity).toBe("warning");
    const changed = findings(
      ref,
      view({ age: Array.from({ length: 100 }, (_, i) => `a${i}`) }),
      "type_mismatch",
    );
    expect(changed[0]).toMatchObject({ severity: "error", reference: "integral", target: "string" });
    // Floats in an int column are numbers all the same.
    expect(findings(ref, view({ age: [1.5, 2, 3] }), "type_mismatch")).toHaveLength(0);
  });

  it("reports new and vanished categories exactly while the sketches are exact", () => {
    const refValues = picks(20_000, 9, ["a", "b", "c", "d"], [50, 30, 15, 5]);
    const tgtValues = picks(20_000, 10, ["a", "b", "c", "x", "y"], [50, 30, 15, 4, 1]);
    const ref = view({ c: refValues });
    const tgt = view({ c: tgtValues });
    const share = (values: string[], keep: (v: string) => boolean) =>
      `${((100 * values.filter(keep).length) / values.length).toFixed(1)}%`;
    const fresh = findings(ref, tgt, "new_category");
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.target).toEqual(["x", "y"]);
    expect(fresh[0]!.message).toBe(
      `2 values never seen in the reference (at least ${share(tgtValues, (v) => v === "x" || v === "y")} of the target): "x", "y"`,
    );
    const gone = findings(ref, tgt, "vanished_category");
    expect(gone[0]!.reference).toEqual(["d"]);
    expect(gone[0]!.message).toBe(
      `1 value from the reference (at least ${share(refValues, (v) => v === "d")} of it) no longer appears among 20,000 target values: "d"`,
    );
    // A rare value missing from a small window is expected, not a finding.
    const small = view({ c: picks(30, 11, ["a", "b", "c"], [50, 30, 15]) });
    expect(findings(ref, small, "vanished_category")).toHaveLength(0);
  });

  it("says what an approximate reference sketch cannot tell about new values", () => {
    const many = Array.from({ length: 50_000 }, (_, i) => `id-${(i * 7919) % 20_000}`);
    const ref = view({ c: many });
    const tgt = view({ c: [...many.slice(0, 40_000), ...Array<string>(10_000).fill("surge")] });
    const f = findings(ref, tgt, "new_category");
    expect(f).toHaveLength(1);
    expect(f[0]!.target).toEqual(["surge"]);
    expect(f[0]!.message).toMatch(
      /the reference's sketch is approximate, so each may have been there at up to/,
    );
  });

  it("reports values beyond the reference's range and percentiles, with the sketch error", () => {
    const ref = view({ x: normals(50_000, 12) });
    const out = view({ x: normals(50_000, 13, 3) });
    const range = findings(ref, out, "out_of_range");
    expect(range).toHaveLength(1);
    expect(range[0]!.message).toMatch(/above the reference maximum/);
    expect(range[0]!.message).toMatch(/±0\.\d%: the sketch's rank error/);
    const tails = findings(ref, out, "quantile_range");
    expect(tails[0]!.message).toMatch(/of the target lies outside the reference's 1st–99th percentile range/);
    // Same distribution: nothing.
    const same = view({ x: normals(50_000, 14) });
    expect(findings(ref, same, "out_of_range")).toHaveLength(0);
    expect(findings(ref, same, "quantile_range")).toHaveLength(0);
  });

  it("reports a distinct count that changed beyond both estimates' intervals", () => {
    const ref = view({
      c: picks(
        20_000,
        15,
        Array.from({ length: 50 }, (_, i) => `v${i}`),
      ),
    });
    const more = view({
      c: picks(
        20_000,
        16,
        Array.from({ length: 400 }, (_, i) => `v${i}`),
      ),
    });
    const f = findings(ref, more, "cardinality_change");
    expect(f[0]!.message).toMatch(/^the number of distinct values rose from ≈ 50 to ≈ 4\d\d/);
    const fewer = view({
      c: picks(
        20_000,
        17,
        Array.from({ length: 10 }, (_, i) => `v${i}`),
      ),
    });
    expect(findings(ref, fewer, "cardinality_change")[0]!.message).toMatch(/fell from ≈ 50 to ≈ 10/);
    // A small window cannot show all 50 values: no finding for a drop.
    const small = view({
      c: picks(
        60,
        18,
        Array.from({ length: 50 }, (_, i) => `v${i}`),
      ),
    });
    expect(findings(ref, small, "cardinality_change")).toHaveLength(0);
    // Ids: compared by distinct share, so a bigger window of unique ids is fine.
    const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => `id${from + i}`);
    expect(
      findings(view({ c: ids(5000, 0) }), view({ c: ids(50_000, 10_000) }), "cardinality_change"),
    ).toHaveLength(0);
  });

  it("reports a column that went constant", () => {
    const ref = view({ x: normals(1000, 19), s: picks(1000, 20, ["a", "b"]) });
    const tgt = view({ x: Array<number>(500).fill(3.5), s: Array<string>(500).fill("a") });
    const f = findings(ref, tgt, "constant_column");
    expect(f.map((x) => [x.column, x.target])).toEqual([
      ["s", "a"],
      ["x", "3.5"],
    ]);
    expect(f[1]!.message).toMatch(
      /^every one of the 500 target values is 3\.5; the reference had ≈ 1,0\d\d distinct values$/,
    );
    expect(findings(tgt, tgt, "constant_column")).toHaveLength(0);
  });

  it("finds nothing between two samples of the same data, and validates its options", () => {
    const make = (seed: number) =>
      view({
        x: withNulls(normals(20_000, seed), 0.03),
        c: picks(20_000, seed + 1, ["a", "b", "c"], [3, 2, 1]),
        n: Array.from({ length: 20_000 }, (_, i) => (i * 31 + seed) % 7),
      });
    expect(dataQuality(make(21), make(31))).toEqual([]);
    expect(() => dataQuality(make(1), make(2), { missingIncrease: 0 })).toThrow(AnalysisError);
    expect(() => dataQuality(make(1), make(2), { cardinalityFactor: 1 })).toThrow(/cardinalityFactor/);
  });
});

describe("one integer-kind rule per comparison", () => {
  it("the quality checks follow the drift option maxCategoricalIntegers unless given their own", () => {
    const ref = new DatasetProfile().track({ v: Array.from({ length: 2000 }, (_, i) => i % 5) }).view();
    const tgt = new DatasetProfile()
      .track({ v: Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? 9 : i % 5)) })
      .view();
    const checks = (c: ReturnType<typeof compareProfiles>): string[] => c.quality.map((f) => f.check).sort();
    const asCategories = compareProfiles(ref, tgt);
    expect(asCategories.columns[0]!.kind).toBe("categorical");
    expect(checks(asCategories)).toContain("new_category");
    const asNumbers = compareProfiles(ref, tgt, { drift: { maxCategoricalIntegers: 0 } });
    expect(asNumbers.columns[0]!.kind).toBe("numeric");
    expect(checks(asNumbers)).toContain("out_of_range");
    expect(checks(asNumbers)).not.toContain("new_category");
    const own = compareProfiles(ref, tgt, {
      drift: { maxCategoricalIntegers: 0 },
      quality: { maxCategoricalIntegers: 20 },
    });
    expect(checks(own)).toContain("new_category");
    expect(() => compareProfiles(ref, tgt, { quality: { maxCategoricalIntegers: -1 } })).toThrow(
      /maxCategoricalIntegers/,
    );
  });
});
