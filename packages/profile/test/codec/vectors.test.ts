import { FrequentItemsSketch, HllSketch, KllDoublesSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { decodeProfile } from "../../src/codec/index.js";
import type { DecodedProfile } from "../../src/codec/index.js";
import { requireShared } from "../support/shared.js";
import { TYPE_KEYS } from "../support/summary-keys.js";
import { nValue, readWhylogs, whylogsVectors } from "./codec-helpers.js";

// Reader tests over real whylogs-written profiles (shared/vectors/whylogs, see its README).

/** Column counts stated by the vectors README / format spec. */
const COLUMN_COUNTS: Record<string, number> = {
  "active_col_2024.bin": 2,
  "whylogs_1.0.0rc1_my_profile.bin": 3,
  "whylogs-1.0.0_toydata.bin": 3,
  "whylogs-1.0.6-1.1.10_3cols.bin": 3,
  "whylogs-1.1.x_20cols.bin": 20,
  "whylogs-1.3.18_12cols.bin": 12,
  "whylogs-segmented_151cols.bin": 151,
  "v0_profile_fixture.bin": 22,
};

function isSegmentedVector(name: string): boolean {
  return name.includes("segmented");
}

describe("whylogs vectors: every file decodes", () => {
  if (!requireShared()) return;
  const names = whylogsVectors();
  const decoded = new Map<string, DecodedProfile>(names.map((n) => [n, decodeProfile(readWhylogs(n))]));

  it("finds the vectors", () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const n of Object.keys(COLUMN_COUNTS)) expect(names).toContain(n);
  });

  it.each(names)("%s: format, columns and trailing bytes", (name) => {
    const d = decoded.get(name)!;
    const expectedFormat = name.startsWith("v0_") ? "v0-delimited" : "v1";
    expect(d.format).toBe(expectedFormat);
    expect(d.message.columns.size).toBeGreaterThan(0);
    if (name in COLUMN_COUNTS) expect(d.message.columns.size).toBe(COLUMN_COUNTS[name]);
    if (isSegmentedVector(name)) {
      // whylogs leaves a stray delimited DatasetSegmentHeader after segmented profiles.
      expect(d.ignoredTrailingBytes).toBe(9);
      const file = readWhylogs(name);
      expect(Array.from(file.subarray(file.length - 9))).toEqual([
        0x08, 0x08, 0x01, 0x2a, 0x04, 0x08, 0x00, 0x10, 0x00,
      ]);
      expect(d.message.segment?.length).toBeGreaterThan(0);
      for (const tag of d.message.segment!) {
        expect(tag.key.startsWith("whylogs.tag.")).toBe(true);
        // whylogs mirrors the segment key in the properties' tags
        expect(d.message.tags.get(tag.key)).toBe(tag.value);
      }
    } else {
      expect(d.ignoredTrailingBytes).toBe(0);
      expect(d.message.segment).toBeUndefined();
    }
    if (d.format === "v1") expect(d.message.modelPerformance).toBeUndefined();
  });

  it("segment tags of the segmented vectors", () => {
    expect(decoded.get("segmented_ranking.bin")!.message.segment).toEqual([
      { key: "whylogs.tag.category", value: "Beverages" },
    ]);
    expect(decoded.get("whylogs-segmented_151cols.bin")!.message.segment).toEqual([
      { key: "whylogs.tag.grade", value: "A" },
    ]);
    expect(decoded.get("whylogs-segmented-image-metrics.bin")!.message.segment).toEqual([
      { key: "whylogs.tag.col1", value: "segment4" },
      { key: "whylogs.tag.location", value: "location1" },
    ]);
    const ranking = decoded.get("whylogs-1.5.1-segmented-ranking-1.bin")!.message;
    expect(ranking.metadata.get("segp_col")).toBe("category");
    expect(ranking.metadata.get("segp_name")).toBe("category");
    // counts/true appears from whylogs 1.4.8 on
    expect([...ranking.columns.values()].some((c) => c.has("counts/true"))).toBe(true);
  });

  it("tags and metadata stay apart as written", () => {
    const toy = decoded.get("whylogs-1.0.0_toydata.bin")!.message;
    expect([...toy.tags.keys()]).toEqual(["datasetId", "orgId"]);
    expect(toy.metadata.size).toBe(0);
    const small = decoded.get("whylogs-1.3.11_small.bin")!.message;
    expect(small.tags.size).toBe(0);
    expect(small.metadata.get("whylogs.version")).toBe("1.3.11.dev1");
  });

  it("compound image metric paths are kept verbatim", () => {
    for (const name of ["whylogs-image-metrics.bin", "whylogs-segmented-image-metrics.bin"]) {
      const paths = new Set<string>();
      for (const col of decoded.get(name)!.message.columns.values()) for (const p of col.keys()) paths.add(p);
      expect(paths).toContain("image/Brightness.mean:distribution/kll");
      expect(paths).toContain("image/Brightness.mean:cardinality/hll");
    }
  });

  it("both v0 files carry model performance", () => {
    const cls = decoded.get("v0_from_v1_classification.bin")!.message.modelPerformance!;
    expect(cls.modelType).toBe(1);
    const sm = cls.scoreMatrix!;
    expect(sm.labels).toEqual(["0", "1"]);
    expect(sm.cells).toHaveLength(4);
    expect(sm.cells.map((c) => c === null)).toEqual([true, true, false, true]);
    const cell = sm.cells[2]!;
    expect(cell.count).toBe(9);
    expect(cell.mean).toBeCloseTo(0.9047222, 6);
    expect(cell.m2).toBeCloseTo(0.0292556, 6);
    const kll = KllDoublesSketch.deserialize(cell.kll);
    expect(kll.getN()).toBe(9);
    expect(cell.kll[0]).toBe(6); // normalized to the whylogs doubles layout
    expect(cls.regression).toBeUndefined();

    const fixture = decoded.get("v0_profile_fixture.bin")!.message;
    expect(fixture.modelPerformance).toBeDefined();
    expect(fixture.modelPerformance!.scoreMatrix).toBeUndefined();
  });

  it("v0_profile_fixture: 22 columns, properties, floats histograms converted to doubles", () => {
    const m = decoded.get("v0_profile_fixture.bin")!.message;
    expect(m.columns.size).toBe(22);
    expect(m.tags.get("name")).toBe("profile_2022_02");
    expect(m.creationTimestamp).toBe(1649263096574); // session_timestamp
    expect(m.datasetTimestamp).toBe(1649257655165); // data_timestamp
    const year = m.columns.get("year")!;
    expect(nValue(year, "counts/n")).toBe(153564n);
    expect(nValue(year, "types/fractional")).toBe(133520n);
    expect(nValue(year, "types/integral")).toBe(20000n);
    const kllComponent = year.get("distribution/kll")!;
    expect(kllComponent.kind).toBe("kll");
    if (kllComponent.kind !== "kll") return;
    expect(kllComponent.bytes[0]).toBe(6); // whylogs doubles layout
    const kll = KllDoublesSketch.deserialize(kllComponent.bytes, { itemType: "double" });
    expect(kll.getN()).toBe(153520);
    expect(kll.getK()).toBe(256);
    expect(kll.getMinItem()).toBe(1900);
    expect(kll.getMaxItem()).toBe(2022);
    const mean = year.get("distribution/mean")!;
    expect(mean.kind === "d" && mean.value).toBeCloseTo(2011.65512, 4);
    // every v0 column gets the full v1 standard metric set
    for (const col of m.columns.values()) {
      expect([...col.keys()]).toEqual([
        "cardinality/hll",
        "counts/inf",
        "counts/n",
        "counts/nan",
        "counts/null",
        "distribution/kll",
        "distribution/m2",
        "distribution/mean",
        "frequent_items/frequent_strings",
        "ints/max",
        "ints/min",
        "types/boolean",
        "types/fractional",
        "types/integral",
        "types/object",
        "types/string",
        "types/tensor",
      ]);
    }
    // ints from numbers.longs (type ids 2/1); sentinels where the column saw no integers
    const model = m.columns.get("model")!;
    expect(model.get("ints/max")).toMatchObject({ kind: "n", typeId: 2 });
    expect(model.get("ints/min")).toMatchObject({ kind: "n", typeId: 1 });
    expect(nValue(model, "ints/min")! <= nValue(model, "ints/max")!).toBe(true);
    expect(nValue(year, "ints/max")).toBe(-9223372036854775807n);
    expect(nValue(year, "ints/min")).toBe(9223372036854775807n);
  });

  it.each(names)("%s: every kll/hll/frequent_items component deserializes", (name) => {
    const m = decoded.get(name)!.message;
    const cells = m.modelPerformance?.scoreMatrix?.cells ?? [];
    let sketches = 0;
    for (const [column, col] of [...m.columns, ...(m.extensionColumns ?? new Map())]) {
      for (const [path, c] of col) {
        const where = `${column} ${path}`;
        if (c.kind === "kll") {
          const s = KllDoublesSketch.deserialize(c.bytes);
          if (!s.isEmpty()) expect(s.getMinItem() <= s.getMaxItem(), where).toBe(true);
        } else if (c.kind === "hll") {
          expect(HllSketch.deserialize(c.bytes).getEstimate(), where).toBeGreaterThanOrEqual(0);
        } else if (c.kind === "frequent_items") {
          expect(FrequentItemsSketch.deserialize(c.bytes).getTotalWeight(), where).toBeGreaterThanOrEqual(0);
        } else continue;
        sketches++;
      }
    }
    for (const cell of cells) if (cell !== null) KllDoublesSketch.deserialize(cell.kll);
    expect(sketches).toBeGreaterThan(0);
  });

  it.each(names)("%s: counts/n == counts/null + Σ types/* where whylogs keeps them consistent", (name) => {
    const m = decoded.get(name)!.message;
    let checked = 0;
    for (const [column, col] of m.columns) {
      const n = nValue(col, "counts/n");
      if (n === undefined || !col.has("types/integral")) continue;
      let sum = nValue(col, "counts/null") ?? 0n;
      for (const p of TYPE_KEYS) sum += nValue(col, p) ?? 0n;
      // v0 files keep nulls in typeCounts[NULL]; the reader maps them to counts/null (whylogs' converter,
      // which reads only the deprecated counters.null_count, would lose them and break this identity).
      expect(sum, `${name} ${column}`).toBe(n);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
