import { describe, expect, it } from "vitest";
import {
  DatasetProfile,
  DatasetProfileView,
  OTHER_SEGMENT_VALUE,
  ProfileError,
  SegmentedProfile,
} from "../src/index.js";

function rows(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      country: ["NO", "PE", "JP", null][i % 4],
      tier: i % 3 === 0 ? "gold" : "basic",
      amount: (i * 7.3) % 101,
      items: i % 9,
    });
  }
  return out;
}

describe("SegmentedProfile", () => {
  it("keeps one profile per segment, tagged and annotated the whylogs way", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["country"] }, datasetTimestamp: 5000 });
    seg.track(rows(100));
    const views = seg.views();
    expect(views.map((v) => v.segment)).toEqual([
      [{ key: "country", value: "NO" }],
      [{ key: "country", value: "PE" }],
      [{ key: "country", value: "JP" }],
      [{ key: "country", value: "nan" }],
    ]);
    for (const v of views) {
      expect(v.metadata).toMatchObject({ segp_name: "country", segp_col: "country" });
      expect(v.metadata.segp_id).toMatch(/^[0-9a-f]{128}$/);
      expect(v.toSummary().amount!["counts/n"]).toBe(25);
      expect(v.datasetTimestamp).toBe(5000);
    }
  });

  it("segment profiles merge back to the unsegmented profile", () => {
    const data = rows(999);
    const seg = new SegmentedProfile({ segmentation: { columns: ["country", "tier"] } });
    seg.track(data.slice(0, 500));
    seg.track(data.slice(500));
    const whole = new DatasetProfile();
    whole.track(data);
    const merged = seg.views().reduce((a, b) => a.merge(b));
    expect(merged.segment).toBeUndefined();
    const m = merged.toSummary({ hllStdDevs: 3 });
    const w = whole.view().toSummary({ hllStdDevs: 3 });
    for (const col of ["country", "tier", "amount", "items"]) {
      for (const key of Object.keys(w[col]!)) {
        if (key.startsWith("distribution/q") || key === "distribution/median") continue;
        if (key.startsWith("cardinality/")) {
          // A union of HLLs estimates with the composite estimator, a single sketch with HIP: they agree
          // within the sketch's error bounds, not bit for bit.
          if (key === "cardinality/est") {
            expect(m[col]![key] as number).toBeGreaterThanOrEqual(w[col]!["cardinality/lower_3"] as number);
            expect(m[col]![key] as number).toBeLessThanOrEqual(w[col]!["cardinality/upper_3"] as number);
          }
          continue;
        }
        if (key === "distribution/mean" || key === "distribution/stddev") {
          expect(m[col]![key] as number).toBeCloseTo(w[col]![key] as number, 9);
        } else {
          expect(m[col]![key], `${col} ${key}`).toEqual(w[col]![key]);
        }
      }
    }
    expect(seg.views()[0]!.metadata.segp_cols).toBe("(country)(tier)");
  });

  it("columnar input with typed arrays routes the same rows as row input", () => {
    const data = rows(300);
    const a = new SegmentedProfile({ segmentation: { columns: ["tier"] } });
    a.track(data);
    const b = new SegmentedProfile({ segmentation: { columns: ["tier"] } });
    b.track({
      country: data.map((r) => r.country),
      tier: data.map((r) => r.tier),
      amount: Float64Array.from(data, (r) => r.amount as number),
      items: Int32Array.from(data, (r) => r.items as number),
    });
    expect(b.views().map((v) => v.toSummary())).toEqual(a.views().map((v) => v.toSummary()));
  });

  it("adds explicit segment key values after the column keys, sorted by name", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["tier"] } });
    seg.track(rows(10), { segmentKeyValues: { zone: "eu", model: "v2" } });
    expect(seg.views()[0]!.segment).toEqual([
      { key: "tier", value: "gold" },
      { key: "model", value: "v2" },
      { key: "zone", value: "eu" },
    ]);
  });

  it("past the segment cap, rejects the whole batch (default) and tracks none of it", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["items"], maxSegments: 5 } });
    seg.track(rows(5));
    expect(seg.size).toBe(5);
    let error: unknown;
    try {
      seg.track(rows(20));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as ProfileError).kind).toBe("segment-limit");
    expect(seg.size).toBe(5);
    expect(
      seg
        .views()
        .reduce((a, b) => a.merge(b))
        .toSummary().amount!["counts/n"],
    ).toBe(5);
  });

  it("past the segment cap, folds new segments into __other__ when asked", () => {
    const seg = new SegmentedProfile({
      segmentation: { columns: ["items"], maxSegments: 3, overflow: "other" },
    });
    seg.track(rows(90));
    const views = seg.views();
    expect(views).toHaveLength(4);
    const other = views.find((v) => v.segment![0]!.value === OTHER_SEGMENT_VALUE)!;
    expect(other.toSummary().amount!["counts/n"]).toBe(60);
  });

  it("rejects a missing segment column in columnar input", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["tier"] } });
    expect(() => seg.track({ amount: [1, 2] })).toThrow(/column "tier"/);
  });

  it("segmented views survive serialization with their tags", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["tier"] } });
    seg.track(rows(50));
    for (const v of seg.views()) {
      const back = DatasetProfileView.deserialize(v.serialize());
      expect(back.segment).toEqual(v.segment);
      expect(back.metadata).toEqual(v.metadata);
      expect(back.toSummary()).toEqual(v.toSummary());
    }
  });
});
