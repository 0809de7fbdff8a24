import { describe, expect, it } from "vitest";
import { OTHER_CATEGORY, compareSegments } from "@sightglass/analysis";
import { DatasetProfile } from "@sightglass/profile";
import { CliError } from "../src/errors.js";
import { buildDriftReportData, capCategories, jsonSafe } from "../src/report/data.js";
import type { DriftReportInput } from "../src/report/data.js";
import type { DistributionPair, DriftReportData } from "../src/report/types.js";
import { CITIES, HOSTILE_COLUMN, driftFixture } from "./report-fixture.js";

const fixture = driftFixture();
const GENERATED = new Date(Date.UTC(2025, 5, 1, 12, 30));

function input(overrides: Partial<DriftReportInput> = {}): DriftReportInput {
  return {
    generatedAt: GENERATED,
    reference: { name: "reference.csv", views: [{ segment: null, view: fixture.reference }] },
    target: { name: "target.csv", views: [{ segment: null, view: fixture.target }] },
    comparison: fixture.comparison,
    ...overrides,
  };
}

const data = buildDriftReportData(input());

function detailOf(report: DriftReportData, column: string) {
  const detail = report.details.find((d) => d.column === column);
  expect(detail, column).toBeDefined();
  return detail!;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Every number anywhere in `value` (arrays and objects walked). */
function numbersIn(value: unknown, out: number[] = []): number[] {
  if (typeof value === "number") out.push(value);
  else if (Array.isArray(value)) for (const x of value) numbersIn(x, out);
  else if (value !== null && typeof value === "object")
    for (const x of Object.values(value)) numbersIn(x, out);
  return out;
}

function expectConsistent(pair: DistributionPair): void {
  const n = pair.labels.length;
  for (const series of [
    pair.reference,
    pair.referenceLow,
    pair.referenceHigh,
    pair.target,
    pair.targetLow,
    pair.targetHigh,
  ]) {
    expect(series).toHaveLength(n);
    expect(Array.isArray(series)).toBe(true);
  }
  expect(sum(pair.reference)).toBeCloseTo(1, 9);
  expect(sum(pair.target)).toBeCloseTo(1, 9);
  for (let i = 0; i < n; i++) {
    expect(pair.referenceLow[i]!).toBeLessThanOrEqual(pair.reference[i]! + 1e-12);
    expect(pair.referenceHigh[i]!).toBeGreaterThanOrEqual(pair.reference[i]! - 1e-12);
    expect(pair.targetLow[i]!).toBeLessThanOrEqual(pair.target[i]! + 1e-12);
    expect(pair.targetHigh[i]!).toBeGreaterThanOrEqual(pair.target[i]! - 1e-12);
    expect(pair.referenceHigh[i]!).toBeLessThanOrEqual(1);
    expect(pair.targetHigh[i]!).toBeLessThanOrEqual(1);
  }
}

describe("buildDriftReportData", () => {
  it("carries the comparison and describes both sides", () => {
    expect(data.title).toBe("Drift report: target.csv vs reference.csv");
    expect(data.generatedAt).toBe("2025-06-01T12:30:00.000Z");
    expect(data.reference).toEqual({ name: "reference.csv", rows: 3000, columns: 12 });
    expect(data.target).toEqual({ name: "target.csv", rows: 3000, columns: 11 });
    expect(data.columns).toEqual(fixture.comparison.columns);
    expect(data.quality).toEqual(fixture.comparison.quality);
    expect(data.datasetDrift).toEqual(fixture.comparison.datasetDrift);
    expect(buildDriftReportData(input({ title: "Nightly" })).title).toBe("Nightly");
  });

  it("finds the shifted columns drifted (a precondition of the other tests)", () => {
    const category = (c: string) => data.columns.find((e) => e.column === c)?.category;
    expect(category("price")).toBe("drift");
    expect(category("color")).toBe("drift");
    expect(category("amount")).toBe("no_drift");
    expect(data.datasetDrift.skipped.map((s) => s.column)).toEqual(["empty"]);
  });

  it("has one detail per drift entry, in the same order, then the skipped columns", () => {
    expect(data.details).toHaveLength(data.columns.length + 1);
    data.columns.forEach((entry, i) => {
      expect(data.details[i]!.column).toBe(entry.column);
      expect(data.details[i]!.segment).toBe(entry.segment);
      expect(data.details[i]!.distribution?.kind).toBe(entry.kind);
    });
    const empty = data.details[data.columns.length]!;
    expect(empty.column).toBe("empty");
    expect(empty.distribution).toBeNull();
    expect(empty.reference).toMatchObject({ count: 3000, nullShare: 1, type: "null", mean: null });
  });

  it("bins numeric columns at whylogs' equal-width edges with consistent shares and bounds", () => {
    const price = detailOf(data, "price").distribution!;
    expect(price.kind).toBe("numeric");
    expect(price.edges).not.toBeNull();
    expect(price.edges).toHaveLength(price.labels.length - 1);
    // ≈ n / 4 buckets, capped at 30, plus the two open tails.
    expect(price.labels).toHaveLength(32);
    expect(price.referenceCount).toBe(3000);
    expect(price.targetCount).toBe(3000);
    expectConsistent(price);
    const centre = (shares: readonly number[]) => {
      let acc = 0;
      for (let i = 0; i < shares.length; i++) {
        acc += shares[i]!;
        if (acc >= 0.5) return i;
      }
      return shares.length - 1;
    };
    // The target was shifted up by 0.8σ.
    expect(centre(price.target)).toBeGreaterThan(centre(price.reference));
  });

  it("lists categories with the new one present in the target only", () => {
    const color = detailOf(data, "color").distribution!;
    expect(color.kind).toBe("categorical");
    expect(color.edges).toBeNull();
    expect([...color.labels].sort()).toEqual(["blue", "green", "purple", "red", "yellow"]);
    expectConsistent(color);
    const purple = color.labels.indexOf("purple");
    expect(color.reference[purple]).toBe(0);
    expect(color.target[purple]!).toBeGreaterThan(0.15);
    // Largest share (on either side) first.
    const weight = (i: number) => Math.max(color.reference[i]!, color.target[i]!);
    for (let i = 1; i < color.labels.length; i++) expect(weight(i - 1)).toBeGreaterThanOrEqual(weight(i));
  });

  it("caps categories at maxCategories, keeping the largest and folding the rest into __other__", () => {
    const all = detailOf(buildDriftReportData(input({ maxCategories: 1000 })), "city").distribution!;
    expect(all.labels).toHaveLength(CITIES);
    expect(all.labels).not.toContain(OTHER_CATEGORY);

    const capped = detailOf(data, "city").distribution!;
    expect(capped.labels).toHaveLength(31);
    expect(capped.labels[30]).toBe(OTHER_CATEGORY);
    expect(new Set(capped.labels).size).toBe(31);
    expectConsistent(capped);

    const kept = new Set(capped.labels.slice(0, 30));
    const weight = (i: number) => Math.max(all.reference[i]!, all.target[i]!);
    const keptWeights = all.labels.flatMap((l, i) => (kept.has(l) ? [weight(i)] : []));
    const foldedIdx = all.labels.flatMap((l, i) => (kept.has(l) ? [] : [i]));
    expect(foldedIdx).toHaveLength(CITIES - 30);
    expect(Math.min(...keptWeights)).toBeGreaterThanOrEqual(Math.max(...foldedIdx.map(weight)));
    for (const s of ["reference", "referenceLow", "target", "targetLow"] as const) {
      expect(capped[s][30]).toBeCloseTo(sum(foldedIdx.map((i) => all[s][i]!)), 12);
    }
    for (const s of ["referenceHigh", "targetHigh"] as const) {
      expect(capped[s][30]).toBeCloseTo(Math.min(1, sum(foldedIdx.map((i) => all[s][i]!))), 12);
    }
    // Each kept category keeps its own numbers.
    for (let k = 0; k < 30; k++) {
      const i = all.labels.indexOf(capped.labels[k]!);
      expect(capped.target[k]).toBe(all.target[i]);
      expect(capped.referenceHigh[k]).toBe(all.referenceHigh[i]);
    }

    const three = detailOf(buildDriftReportData(input({ maxCategories: 3 })), "color").distribution!;
    expect(three.labels).toHaveLength(4);
    expect(three.labels[3]).toBe(OTHER_CATEGORY);
    expectConsistent(three);
  });

  it("summarizes each side from the profile", () => {
    const price = detailOf(data, "price");
    expect(price.reference.count).toBe(3000);
    expect(price.reference.type).toBe("fractional");
    expect(price.reference.mean!).toBeCloseTo(100, -0.5);
    expect(price.target.mean!).toBeCloseTo(112, -0.5);
    expect(price.reference.min!).toBeLessThan(price.reference.median!);
    expect(price.reference.median!).toBeLessThan(price.reference.max!);
    expect(price.reference.distinct!).toBeGreaterThan(2900);

    const missing = detailOf(data, "missing");
    expect(missing.reference.nullShare).toBe(0);
    expect(missing.target.nullShare).toBeCloseTo(0.2, 1);

    // Strings have no mean, min, median or max (the distribution metric is there, empty).
    const color = detailOf(data, "color");
    expect(color.reference).toMatchObject({ type: "string", mean: null, min: null, median: null, max: null });
    expect(color.target.distinct).toBeCloseTo(5, 0);

    expect(detailOf(data, HOSTILE_COLUMN).reference.type).toBe("string");
  });

  it("is plain JSON: finite numbers only, no typed arrays, round-trips through JSON", () => {
    const infinite = detailOf(data, "with_infinity");
    // ±Infinity in the data: the mean is infinite and min/max are the infinities, which JSON cannot hold.
    expect(infinite.reference).toMatchObject({ mean: null, min: null, max: null });
    expect(infinite.reference.median).not.toBeNull();
    // The infinities belong to the open tail bins (the compacted sketch may hold them at a share of 0, but
    // their interval is not empty).
    const pair = infinite.distribution!;
    expect(pair.referenceHigh[0]!).toBeGreaterThan(0);
    expect(pair.referenceHigh[pair.labels.length - 1]!).toBeGreaterThan(0);

    expect(numbersIn(data).every(Number.isFinite)).toBe(true);
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it("replaces non-finite numbers with null and typed arrays with arrays", () => {
    const value = { a: NaN, b: [1, Infinity, -Infinity], c: Float64Array.of(1, NaN), d: { e: "x", f: null } };
    expect(jsonSafe(value)).toEqual({ a: null, b: [1, null, null], c: [1, null], d: { e: "x", f: null } });
  });

  it("pairs segments and adds up their rows", () => {
    const view = (shift: number, n: number) =>
      new DatasetProfile()
        .track({ x: Float64Array.from({ length: n }, (_, i) => (i % 97) + shift), c: Array(n).fill("k") })
        .view();
    const ref = [
      { segment: "a", view: view(0, 400) },
      { segment: "b", view: view(0, 300) },
    ];
    const tgt = [
      { segment: "a", view: view(0, 500) },
      { segment: "b", view: view(30, 200) },
    ];
    const comparison = compareSegments(
      ref.map((r, i) => ({ segment: r.segment, reference: r.view, target: tgt[i]!.view })),
    );
    const report = buildDriftReportData({
      reference: { name: "r", views: ref },
      target: { name: "t", views: tgt },
      comparison,
    });
    expect(report.reference.rows).toBe(700);
    expect(report.target.rows).toBe(700);
    expect(report.reference.columns).toBe(2);
    expect(report.details.map((d) => [d.column, d.segment])).toEqual(
      report.columns.map((e) => [e.column, e.segment]),
    );
    const xb = report.details.find((d) => d.column === "x" && d.segment === "b")!;
    expect(xb.reference.count).toBe(300);
    expect(xb.target.count).toBe(200);
    expect(xb.distribution!.segment).toBe("b");

    expect(() =>
      buildDriftReportData({
        reference: { name: "r", views: ref.slice(0, 1) },
        target: { name: "t", views: tgt },
        comparison,
      }),
    ).toThrow(/segment "b"/);
  });

  it("rejects a category limit that is not a whole number ≥ 1", () => {
    for (const maxCategories of [0, -1, 2.5, NaN]) {
      const call = () => buildDriftReportData(input({ maxCategories }));
      expect(call).toThrow(CliError);
      try {
        call();
      } catch (error) {
        expect((error as CliError).kind).toBe("usage");
      }
    }
  });
});

describe("capCategories", () => {
  const pair: DistributionPair = {
    column: "c",
    segment: null,
    kind: "categorical",
    labels: ["a", "b", "c", "d", OTHER_CATEGORY],
    edges: null,
    reference: [0.1, 0.5, 0.05, 0.15, 0.2],
    referenceLow: [0.1, 0.5, 0.05, 0.15, 0.1],
    referenceHigh: [0.1, 0.5, 0.05, 0.15, 0.3],
    target: [0.4, 0.1, 0.3, 0.1, 0.1],
    targetLow: [0.4, 0.1, 0.3, 0.1, 0.05],
    targetHigh: [0.4, 0.1, 0.3, 0.1, 0.9],
    referenceCount: 100,
    targetCount: 100,
  };

  it("keeps the largest by either side's share and folds the rest with the existing __other__", () => {
    const capped = capCategories(pair, 2);
    expect(capped.labels).toEqual(["b", "a", OTHER_CATEGORY]);
    expect(capped.reference).toEqual([0.5, 0.1, expect.closeTo(0.4, 12)]);
    expect(capped.target).toEqual([0.1, 0.4, expect.closeTo(0.5, 12)]);
    expect(capped.referenceLow[2]).toBeCloseTo(0.3, 12);
    expect(capped.targetHigh[2]).toBe(1);
  });

  it("only orders when nothing needs folding", () => {
    const capped = capCategories(pair, 10);
    expect(capped.labels).toEqual(["b", "a", "c", "d", OTHER_CATEGORY]);
    expect(capped.reference).toEqual([0.5, 0.1, 0.05, 0.15, 0.2]);
    const noOther = capCategories({ ...pair, labels: pair.labels.slice(0, 4) }, 4);
    expect(noOther.labels).toEqual(["b", "a", "c", "d"]);
  });
});
