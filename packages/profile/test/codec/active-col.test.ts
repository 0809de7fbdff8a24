import { FrequentItemsSketch, HllSketch, KllDoublesSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { decodeProfile } from "../../src/codec/index.js";
import type { MetricComponent } from "../../src/codec/index.js";
import { requireShared } from "../support/shared.js";
import { hex, readWhylogs, utf8 } from "./codec-helpers.js";

// active_col_2024.bin: two columns, `doubles` = [1.0, 2.0] and `ints` = [1, 2], written by whylogs
// ≈1.1.29–1.4.7.

const n = (value: bigint, typeId = 0): MetricComponent => ({ kind: "n", typeId, value });
const d = (value: number): MetricComponent => ({ kind: "d", typeId: 0, value });

describe("active_col_2024.bin", () => {
  if (!requireShared()) return;
  const bytes = readWhylogs("active_col_2024.bin");
  const decoded = decodeProfile(bytes);
  const m = decoded.message;

  it("header bytes are laid out as whylogs writes them", () => {
    expect(hex(bytes.subarray(0, 4))).toBe("57 48 59 31"); // "WHY1"
    expect(bytes[4]).toBe(0x00); // empty DatasetSegmentHeader
    expect(hex(bytes.subarray(5, 7))).toBe("fb 02"); // varint 379
    const header = bytes.subarray(7, 7 + 379);
    const ts = [0xb3, 0xf5, 0x9a, 0xd6, 0x8b, 0x31];
    expect(Array.from(header.subarray(0, 16))).toEqual([0x0a, 0x0e, 0x20, ...ts, 0x28, ...ts]);
    expect(Array.from(header.subarray(16, 32))).toEqual([
      0x12,
      0x0e,
      0x0a,
      0x07,
      ...utf8("doubles"),
      0x12,
      0x03,
      0x0a,
      0x01,
      0x00,
    ]);
    expect(Array.from(header.subarray(32, 46))).toEqual([
      0x12,
      0x0c,
      0x0a,
      0x04,
      ...utf8("ints"),
      0x12,
      0x04,
      0x0a,
      0x02,
      0xd4,
      0x01,
    ]);
    expect(Array.from(header.subarray(46, 49))).toEqual([0x20, 0x80, 0x04]); // length = 512
    // the chunk area (512 bytes) starts at 386 and ends the file
    expect(386 + 512).toBe(bytes.length);
    expect(hex(bytes.subarray(386, 392))).toBe("05 08 02 18 ce 01"); // ChunkHeader{COLUMN, 206}
    // the second column's chunk is at relative offset 212 = 6 + 206
    expect(bytes[386 + 212]).toBe(0x05);
    // index entry 0 is written with its key (08 00)
    const entry = [0x08, 0x00, 0x12, 0x0f, ...utf8("cardinality/hll")];
    expect(hex(header)).toContain(hex(Uint8Array.from(entry)));
  });

  it("decodes to the exact values", () => {
    expect(decoded.format).toBe("v1");
    expect(decoded.ignoredTrailingBytes).toBe(0);
    expect(m.datasetTimestamp).toBe(1686760766131);
    expect(m.creationTimestamp).toBe(1686760766131);
    expect(m.tags.size).toBe(0);
    expect(m.metadata.size).toBe(0);
    expect(m.segment).toBeUndefined();
    expect(m.unusedMetricPaths).toBeUndefined();
    expect(m.modelPerformance).toBeUndefined();
    expect(m.extensionColumns).toBeUndefined();
    expect([...m.columns.keys()]).toEqual(["doubles", "ints"]);

    const common = {
      "counts/inf": n(0n),
      "counts/n": n(2n),
      "counts/nan": n(0n),
      "counts/null": n(0n),
      "distribution/m2": d(0.5),
      "distribution/mean": d(1.5),
      "types/boolean": n(0n),
      "types/object": n(0n),
      "types/string": n(0n),
      "types/tensor": n(0n),
    };
    const doubles = m.columns.get("doubles")!;
    expect([...doubles.keys()]).toEqual([
      "cardinality/hll",
      "counts/inf",
      "counts/n",
      "counts/nan",
      "counts/null",
      "distribution/kll",
      "distribution/m2",
      "distribution/mean",
      "types/boolean",
      "types/fractional",
      "types/integral",
      "types/object",
      "types/string",
      "types/tensor",
    ]);
    for (const [path, c] of Object.entries({
      ...common,
      "types/fractional": n(2n),
      "types/integral": n(0n),
    })) {
      expect(doubles.get(path), path).toEqual(c);
    }
    const ints = m.columns.get("ints")!;
    expect(ints.size).toBe(17);
    for (const [path, c] of Object.entries({
      ...common,
      "types/fractional": n(0n),
      "types/integral": n(2n),
      "ints/max": n(2n, 2),
      "ints/min": n(1n, 1),
    })) {
      expect(ints.get(path), path).toEqual(c);
    }

    // Sketches: the KLL of [1.0, 2.0] in the whylogs layout (spec'd byte for byte), HLL and FI of [1, 2].
    const kll = doubles.get("distribution/kll")!;
    expect(kll.kind).toBe("kll");
    if (kll.kind !== "kll") return;
    expect(hex(kll.bytes)).toBe(
      "06 01 0f 02 00 04 08 00 02 00 00 00 00 00 00 00 00 04 01 00 00 00 00 00 fe 03 00 00 " +
        "00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40",
    );
    const sketch = KllDoublesSketch.deserialize(kll.bytes);
    expect([sketch.getN(), sketch.getMinItem(), sketch.getMaxItem()]).toEqual([2, 1, 2]);
    expect(ints.get("distribution/kll")).toEqual(kll);

    const hll = ints.get("cardinality/hll")!;
    if (hll.kind !== "hll") throw new Error("expected an hll component");
    expect(HllSketch.deserialize(hll.bytes).getEstimate()).toBeCloseTo(2, 6);
    const fi = ints.get("frequent_items/frequent_strings")!;
    if (fi.kind !== "frequent_items") throw new Error("expected a frequent_items component");
    const fis = FrequentItemsSketch.deserialize(fi.bytes);
    expect(fis.getTotalWeight()).toBe(2);
    expect(fis.getEstimate("1")).toBe(1);
    expect(fis.getEstimate("2")).toBe(1);
    expect(doubles.has("frequent_items/frequent_strings")).toBe(false);
  });
});
