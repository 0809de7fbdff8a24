import { describe, expect, it } from "vitest";
import { DatasetProfileView, PreservedMetric } from "../src/index.js";
import type { FrequentItemSummary } from "../src/index.js";
import { readWhylogs, whylogsVectors } from "./codec/codec-helpers.js";
import { requireShared } from "./support/shared.js";
import { QUANTILE_KEYS, TYPE_KEYS } from "./support/summary-keys.js";

// Every real whylogs profile, read as a view: summaries are sensible, the view survives our writer, and it
// merges with itself.

describe("whylogs vectors as profile views", () => {
  if (!requireShared()) return;
  const names = whylogsVectors();
  const views = new Map(names.map((n) => [n, DatasetProfileView.deserialize(readWhylogs(n))]));

  it.each(names)("%s: counts add up, quantiles are ordered, estimates lie within their bounds", (name) => {
    const view = views.get(name)!;
    expect(view.columnNames().length).toBeGreaterThan(0);
    for (const [column, s] of Object.entries(view.toSummary({ hllStdDevs: 3 }))) {
      const where = `${name} ${column}`;
      const n = s["counts/n"] as number | undefined;
      if (n !== undefined && s["types/integral"] !== undefined) {
        const types = TYPE_KEYS.reduce((acc, k) => acc + ((s[k] as number | undefined) ?? 0), 0);
        expect((s["counts/null"] as number) + types, `${where}: n = null + Σ types`).toBe(n);
      }
      if (s["distribution/n"] !== undefined && (s["distribution/n"] as number) > 0) {
        const q = QUANTILE_KEYS.map((k) => s[k] as number);
        expect(
          q.every((x) => typeof x === "number" && !Number.isNaN(x)),
          where,
        ).toBe(true);
        for (let i = 1; i < q.length; i++)
          expect(q[i]!, `${where}: ${QUANTILE_KEYS[i]}`).toBeGreaterThanOrEqual(q[i - 1]!);
        expect(q[0]!).toBeGreaterThanOrEqual(s["distribution/min"] as number);
        expect(q[q.length - 1]!).toBeLessThanOrEqual(s["distribution/max"] as number);
        expect(s["distribution/stddev"] as number).toBeGreaterThanOrEqual(0);
      }
      if (s["cardinality/est"] !== undefined) {
        const est = s["cardinality/est"] as number;
        expect(est, where).toBeGreaterThanOrEqual(s["cardinality/lower_3"] as number);
        expect(est, where).toBeLessThanOrEqual(s["cardinality/upper_3"] as number);
        if (n !== undefined) {
          // The distinct values cannot outnumber the non-null values (3-sigma lower bound).
          expect(s["cardinality/lower_3"] as number, where).toBeLessThanOrEqual(
            n - (s["counts/null"] as number) + 1e-9,
          );
        }
      }
      const fi = s["frequent_items/frequent_strings"] as FrequentItemSummary[] | undefined;
      for (const item of fi ?? []) {
        expect(item.lower, where).toBeLessThanOrEqual(item.est);
        expect(item.est, where).toBeLessThanOrEqual(item.upper);
        if (n !== undefined) expect(item.lower, where).toBeLessThanOrEqual(n);
      }
    }
  });

  it.each(names)("%s: our v1 bytes read back to the same summary", (name) => {
    const view = views.get(name)!;
    const back = DatasetProfileView.deserialize(view.serialize());
    expect(back.toSummary()).toEqual(view.toSummary());
    expect(back.segment).toEqual(view.segment);
    expect(back.datasetTimestamp).toBe(view.datasetTimestamp);
    expect(back.modelPerformance).toEqual(view.modelPerformance);
  });

  it.each(names)("%s: merging with itself doubles every count", (name) => {
    const view = views.get(name)!;
    const twice = view.merge(view).toSummary();
    for (const [column, s] of Object.entries(view.toSummary())) {
      for (const key of ["counts/n", "counts/null", ...TYPE_KEYS]) {
        if (s[key] === undefined) continue;
        expect(twice[column]![key], `${column} ${key}`).toBe(2 * (s[key] as number));
      }
      if (s["distribution/n"] !== undefined) {
        expect(twice[column]!["distribution/n"]).toBe(2 * (s["distribution/n"] as number));
        expect(twice[column]!["distribution/min"]).toEqual(s["distribution/min"]);
        expect(twice[column]!["distribution/max"]).toEqual(s["distribution/max"]);
      }
    }
  });

  it("keeps whylogs image compound metrics and merges them by their inner metric", () => {
    const view = views.get("whylogs-image-metrics.bin")!;
    const preserved = view
      .columnNames()
      .map((c) => view.column(c)!.getMetric("image"))
      .filter((m): m is PreservedMetric => m instanceof PreservedMetric);
    expect(preserved.length).toBeGreaterThan(0);
    const metric = preserved[0]!;
    const paths = [...metric.components.keys()];
    expect(paths.some((p) => p.includes(":distribution/kll"))).toBe(true);
    const merged = metric.copy();
    merged.mergeFrom(metric);
    const countPath = paths.find((p) => p.endsWith(":counts/n"))!;
    const before = metric.components.get(countPath)!;
    const after = merged.components.get(countPath)!;
    expect(before.kind === "n" && after.kind === "n" && after.value === 2n * before.value).toBe(true);
  });

  it("reads the v0 model-performance score matrix", () => {
    const view = views.get("v0_from_v1_classification.bin")!;
    expect(view.modelPerformance?.scoreMatrix?.labels).toEqual(["0", "1"]);
    const merged = view.merge(view).modelPerformance!.scoreMatrix!;
    const cell = view.modelPerformance!.scoreMatrix!.cells[2]!;
    expect(merged.cells[2]!.count).toBe(2 * cell.count);
    expect(merged.cells[2]!.mean).toBeCloseTo(cell.mean, 12);
  });
});
