import { FrequentItemsSketch, HllSketch } from "@sightglass/sketches";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DatasetProfile } from "../src/index.js";
import { IntTally } from "../src/metrics/column-batch.js";

function componentBytes(p: DatasetProfile, column: string, path: string): Uint8Array {
  const c = p.view().column(column)!.toComponents().get(path)!;
  if (!("bytes" in c)) throw new Error(`${path} has no bytes`);
  return c.bytes;
}

describe("IntTally", () => {
  it("counts every distinct value in first-occurrence order", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constantFrom(2 ** 53 - 1, -(2 ** 62), 2 ** 40 + 3)),
          {
            maxLength: 2000,
          },
        ),
        (xs) => {
          const want = new Map<number, number>();
          for (const x of xs) want.set(x, (want.get(x) ?? 0) + 1);
          const tally = new IntTally();
          expect(tally.fill(Float64Array.from(xs), xs.length, xs.length)).toBe(true);
          const got = new Map<number, number>();
          for (let i = 0; i < tally.size; i++) got.set(tally.values[i]!, tally.counts[i]!);
          expect([...got]).toEqual([...want]);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("gives up past the distinct limit", () => {
    const tally = new IntTally();
    expect(
      tally.fill(
        Float64Array.from({ length: 100 }, (_, i) => i),
        100,
        25,
      ),
    ).toBe(false);
    // …and is reusable afterwards.
    expect(tally.fill(Float64Array.from([3, 3, 4]), 3, 2)).toBe(true);
    expect([...tally.values.subarray(0, tally.size)]).toEqual([3, 4]);
  });
});

describe("tallied sketch updates", () => {
  // A repeated value never changes an HLL, and weighted frequent-item updates in first-occurrence order build
  // the same map as one update per value while nothing is purged: the images must be byte-identical.
  const N = 20_000;
  const ints = Array.from({ length: N }, (_, i) => ((i * 7919) % 300) - 150);
  const words = ints.map((v) => `w${v % 97}`);

  it("match item-by-item sketches byte for byte for repeated ints and strings", () => {
    const p = new DatasetProfile({ schema: { columns: { i: { type: "integral" }, s: { type: "string" } } } });
    p.track({ i: ints, s: words });
    const hllI = new HllSketch(12);
    const fiI = new FrequentItemsSketch(10);
    for (const v of ints) {
      hllI.updateInt64(v);
      fiI.update(String(v));
    }
    const hllS = new HllSketch(12);
    const fiS = new FrequentItemsSketch(10);
    for (const w of words) {
      hllS.updateString(w);
      fiS.update(w);
    }
    expect(componentBytes(p, "i", "cardinality/hll")).toEqual(hllI.serializeCompact());
    // A view holds copies; a frequent-items copy is rebuilt from the image, which may lay colliding items
    // out in another order, so the reference goes through the same round trip.
    const viaImage = (fi: FrequentItemsSketch) => FrequentItemsSketch.deserialize(fi.serialize()).serialize();
    expect(componentBytes(p, "i", "frequent_items/frequent_strings")).toEqual(viaImage(fiI));
    expect(componentBytes(p, "s", "cardinality/hll")).toEqual(hllS.serializeCompact());
    expect(componentBytes(p, "s", "frequent_items/frequent_strings")).toEqual(viaImage(fiS));
  });

  it("stay within the frequent-items error bound when the sketch purges", () => {
    // 5000 distinct values with a few heavy hitters: far more than the 768 items an lg-10 map holds.
    const xs = Array.from({ length: 60_000 }, (_, i) =>
      i % 10 === 0 ? i % 3 : 1000 + ((i * 104729) % 5000),
    );
    const p = new DatasetProfile({ schema: { columns: { x: { type: "integral" } } } });
    p.track({ x: xs });
    const exact = new Map<string, number>();
    for (const x of xs) exact.set(String(x), (exact.get(String(x)) ?? 0) + 1);
    const fi = FrequentItemsSketch.deserialize(componentBytes(p, "x", "frequent_items/frequent_strings"));
    const maxError = fi.getMaximumError();
    expect(maxError).toBeLessThanOrEqual(FrequentItemsSketch.getAprioriError(10, xs.length));
    for (const [item, count] of exact) {
      expect(fi.getLowerBound(item)).toBeLessThanOrEqual(count);
      expect(fi.getUpperBound(item)).toBeGreaterThanOrEqual(count);
    }
  });
});
