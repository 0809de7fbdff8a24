import { DatasetProfile } from "@sightglass/profile";
import type { DatasetProfileView } from "@sightglass/profile";
import { describe, expect, it } from "vitest";
import { columnDrift, driftKind } from "../src/drift/column.js";
import { columnFacts, profileRowCount } from "../src/column-facts.js";
import { AnalysisError } from "../src/errors.js";
import { benjaminiHochberg } from "../src/multiple/benjamini-hochberg.js";
import { compareProfiles, compareSegments } from "../src/report/compare.js";
import { datasetDrift, driftOfPairs } from "../src/report/dataset-drift.js";
import { normals, picks, rng } from "./support/samples.js";

const view = (columns: Record<string, unknown[] | Float64Array>): DatasetProfileView =>
  new DatasetProfile().track(columns).view();

describe("driftKind and the automatic method", () => {
  const ints = (n: number, mod: number, seed: number) => {
    const r = rng(seed);
    return Array.from({ length: n }, () => Math.floor(r() * mod));
  };

  it("compares floats and many-valued ints as numbers, strings, booleans and few-valued ints as categories", () => {
    const ref = view({
      f: normals(2000, 1),
      wide: ints(2000, 1000, 2),
      narrow: ints(2000, 5, 3),
      s: picks(2000, 4, ["a", "b"], [1, 1]),
      b: picks(2000, 5, ["x", "y"], [1, 3]).map((v) => v === "x"),
    });
    const tgt = view({
      f: normals(2000, 6),
      wide: ints(2000, 1000, 7),
      narrow: ints(2000, 5, 8),
      s: picks(2000, 9, ["a", "b"], [1, 1]),
      b: picks(2000, 10, ["x", "y"], [1, 3]).map((v) => v === "x"),
    });
    const kinds = Object.fromEntries(
      ["f", "wide", "narrow", "s", "b"].map((c) => [
        c,
        driftKind(columnFacts(ref.column(c)!), columnFacts(tgt.column(c)!)),
      ]),
    );
    expect(kinds).toEqual({
      f: "numeric",
      wide: "numeric",
      narrow: "categorical",
      s: "categorical",
      b: "categorical",
    });
    const methods = Object.fromEntries(
      ["f", "wide", "narrow", "s", "b"].map((c) => [
        c,
        columnDrift(ref.column(c)!, tgt.column(c)!).result!.method,
      ]),
    );
    expect(methods).toEqual({ f: "ks", wide: "ks", narrow: "chi_square", s: "chi_square", b: "chi_square" });
  });

  it("switches to distances above the large-sample size, and honours an explicit method and thresholds", () => {
    const ref = view({ f: normals(30_000, 11) });
    const tgt = view({ f: normals(30_000, 12) });
    expect(columnDrift(ref.column("f")!, tgt.column("f")!).result!.method).toBe("psi");
    expect(columnDrift(ref.column("f")!, tgt.column("f")!, { largeSampleSize: 20_000 }).result!.method).toBe(
      "ks",
    );
    const w = columnDrift(ref.column("f")!, tgt.column("f")!, {
      method: "wasserstein",
      thresholds: { wasserstein: { possibleDrift: 0, drift: 0 } },
    }).result!;
    expect(w).toMatchObject({ method: "wasserstein", pValue: null, category: "drift" });
  });

  it("explains why a column cannot be compared", () => {
    const ref = view({ x: [1, 2, 3], s: ["a", "b", "c"], empty: [null, null, null] });
    const tgt = view({ x: [null, null, null], s: ["a", "b", "c"], empty: [null, null, null] });
    expect(columnDrift(ref.column("x")!, tgt.column("x")!)).toMatchObject({
      result: null,
      reason: "no non-null values to compare in the target",
    });
    expect(columnDrift(ref.column("s")!, tgt.column("s")!, { method: "ks" }).reason).toMatch(
      /ks needs numeric/,
    );
    expect(columnDrift(ref.column("empty")!, tgt.column("empty")!).reason).toMatch(/reference and target/);
  });

  it("rejects unknown methods and invalid thresholds with AnalysisError", () => {
    const v = view({ x: [1, 2, 3] });
    const call = (o: object) => () => columnDrift(v.column("x")!, v.column("x")!, o);
    expect(call({ method: "kolmogorov" })).toThrow(AnalysisError);
    expect(call({ thresholds: { ks: { possibleDrift: 0.01, drift: 0.05 } } })).toThrow(
      /drift ≤ possibleDrift/,
    );
    expect(call({ thresholds: { hellinger: { possibleDrift: 0.5, drift: 0.4 } } })).toThrow(
      /possibleDrift ≤ drift/,
    );
    expect(call({ thresholds: { nope: { possibleDrift: 0.1, drift: 0.2 } } })).toThrow(
      /unknown drift method/,
    );
  });
});

describe("datasetDrift", () => {
  /** 40 columns with no drift plus `shifted` columns with a clear shift, 3,000 rows each side. */
  function dataset(seedBase: number, shifted: number, shift: number) {
    const columns: Record<string, Float64Array> = {};
    for (let c = 0; c < 40 + shifted; c++) {
      columns[`c${String(c).padStart(2, "0")}`] = normals(3000, seedBase + c, c >= 40 ? shift : 0);
    }
    return view(columns);
  }

  it("corrects p-values with Benjamini–Hochberg across the columns and categorizes by the adjusted p-value", () => {
    const ref = dataset(100, 3, 0);
    const tgt = dataset(1000, 3, 0.3);
    const report = datasetDrift(ref, tgt);
    expect(report.summary.tested).toBe(43);
    const raw = report.columns.map((c) => c.pValue!);
    const bh = benjaminiHochberg(raw).adjusted;
    report.columns.forEach((c, i) => {
      expect(c.adjustedPValue).toBeCloseTo(bh[i]!, 15);
      expect(c.category).toBe(
        c.adjustedPValue! < 0.05 ? "drift" : c.adjustedPValue! < 0.15 ? "possible_drift" : "no_drift",
      );
    });
    const drifted = report.columns.filter((c) => c.category === "drift").map((c) => c.column);
    // The shifted columns are found; an unchanged one may be a false discovery (BH bounds their share).
    expect(drifted).toEqual(expect.arrayContaining(["c40", "c41", "c42"]));
    expect(drifted.length).toBeLessThanOrEqual(4);
    // Most severe first.
    expect(report.columns.slice(0, 3).every((c) => c.category === "drift")).toBe(true);
    expect(report.summary).toMatchObject({
      drifted: drifted.length,
      datasetDrift: true,
      correction: "benjamini-hochberg",
    });
    // Uncorrected, the same report keeps the raw p-values.
    const plain = datasetDrift(ref, tgt, { correction: "none" });
    for (const c of plain.columns) expect(c.adjustedPValue).toBe(c.pValue);
  });

  it("applies the effect-size floor to the lower bound of D, and drift share for the dataset verdict", () => {
    const ref = dataset(200, 3, 0);
    const tgt = dataset(2000, 3, 0.3);
    const d = datasetDrift(ref, tgt).columns.find((c) => c.column === "c40")!;
    expect(d.category).toBe("drift");
    const floorAbove = datasetDrift(ref, tgt, { minEffectSize: d.statistic - d.bound + 1e-9 });
    expect(floorAbove.columns.find((c) => c.column === "c40")!.category).toBe("no_drift");
    const floorBelow = datasetDrift(ref, tgt, { minEffectSize: d.statistic - d.bound - 1e-9 });
    expect(floorBelow.columns.find((c) => c.column === "c40")!.category).toBe("drift");
    expect(datasetDrift(ref, tgt, { driftShare: 0.5 }).summary.datasetDrift).toBe(false);
    expect(datasetDrift(ref, tgt, { driftShare: 0.05 }).summary.datasetDrift).toBe(true);
  });

  it("corrects across segments together and reports the segment of each column", () => {
    const pairs = ["north", "south"].map((segment, s) => ({
      segment,
      reference: dataset(300 + 100 * s, 1, 0),
      target: dataset(3000 + 100 * s, 1, s === 1 ? 0.4 : 0),
    }));
    const report = driftOfPairs(pairs);
    expect(report.summary.tested).toBe(82);
    const drifted = report.columns.filter((c) => c.category === "drift");
    expect(drifted.map((c) => [c.segment, c.column])).toEqual([["south", "c40"]]);
    const all = benjaminiHochberg(
      [
        ...driftOfPairs([pairs[0]!], { correction: "none" }).columns,
        ...driftOfPairs([pairs[1]!], { correction: "none" }).columns,
      ]
        .sort((a, b) => (a.segment! + a.column < b.segment! + b.column ? -1 : 1))
        .map((c) => c.pValue!),
    );
    const mine = [...report.columns].sort((a, b) => (a.segment! + a.column < b.segment! + b.column ? -1 : 1));
    mine.forEach((c, i) => expect(c.adjustedPValue).toBeCloseTo(all.adjusted[i]!, 15));
  });

  it("skips columns it cannot compare with the reason, and validates its options", () => {
    const ref = view({ a: normals(100, 1), gone: Array<null>(100).fill(null) });
    const tgt = view({ a: normals(100, 2), gone: Array<null>(100).fill(null) });
    const report = datasetDrift(ref, tgt);
    expect(report.summary.skipped).toEqual([
      { column: "gone", segment: null, reason: "no non-null values to compare in the reference and target" },
    ]);
    expect(() => datasetDrift(ref, tgt, { minEffectSize: 2 })).toThrow(AnalysisError);
    // The column-level options are checked too, not only when one column is compared.
    expect(() =>
      datasetDrift(ref, tgt, { thresholds: { ks: { possibleDrift: 0.01, drift: 0.05 } } }),
    ).toThrow(/drift ≤ possibleDrift/);
    expect(() => datasetDrift(ref, tgt, { largeSampleSize: -1 })).toThrow(/largeSampleSize/);
    // A requested column missing from a side is reported, not dropped.
    expect(datasetDrift(ref, tgt, { columns: ["a", "nope"] }).summary.skipped).toEqual([
      { column: "nope", segment: null, reason: "the column is not in the reference and target" },
    ]);
    expect(() => datasetDrift(ref, tgt, { driftShare: 0 })).toThrow(/driftShare/);
    expect(() => datasetDrift(ref, tgt, { correction: "bonferroni" as never })).toThrow(/correction/);
    expect(() => datasetDrift(ref, tgt, { methodByColumn: { a: "t-test" as never } })).toThrow(
      /methodByColumn/,
    );
    expect(datasetDrift(ref, tgt, { methodByColumn: { a: "wasserstein" } }).columns[0]!.method).toBe(
      "wasserstein",
    );
  });
});

describe("compareProfiles", () => {
  it("returns drift, quality findings and the dataset summary in one object, JSON-safe", () => {
    const ref = view({
      price: normals(5000, 1, 100, 10),
      country: picks(5000, 2, ["US", "DE", "FR"], [5, 3, 2]),
    });
    const tgt = view({
      price: normals(5000, 3, 130, 10),
      country: picks(5000, 4, ["US", "DE", "FR", "XX"], [5, 3, 2, 1]),
      extra: normals(5000, 5),
    });
    const report = compareProfiles(ref, tgt);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.columns.map((c) => [c.column, c.method, c.category])).toEqual([
      ["price", "ks", "drift"],
      ["country", "chi_square", "drift"],
    ]);
    const checks = report.quality.map((q) => `${q.column}:${q.check}`);
    expect(checks).toContain("extra:schema_change");
    expect(checks).toContain("country:new_category");
    expect(checks).toContain("price:out_of_range");
    const segmented = compareSegments([{ segment: "all", reference: ref, target: tgt }]);
    expect(segmented.quality.every((q) => q.segment === "all")).toBe(true);
  });
});

describe("profileRowCount", () => {
  it("is the largest counts/n over the columns, 0 for an empty profile", () => {
    const view = new DatasetProfile()
      .track([{ a: 1, b: "x" }, { a: 2 }, { a: null, b: "y" }, { b: "z" }, { b: "w" }])
      .view();
    expect(view.column("a")!.toSummary()["counts/n"]).toBe(3);
    expect(profileRowCount(view)).toBe(4);
    expect(profileRowCount(new DatasetProfile().view())).toBe(0);
  });
});
