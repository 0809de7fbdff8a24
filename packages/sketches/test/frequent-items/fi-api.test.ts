import { describe, expect, it } from "vitest";
import { ErrorType, FrequentItemsSketch, SketchError } from "../../src/index.js";

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SketchError) return e.kind;
    return `foreign error: ${String(e)}`;
  }
  return "no error";
}

describe("frequent items: constructor and arguments", () => {
  it("raises lg sizes below 3 to 3, as upstream", () => {
    const sk = new FrequentItemsSketch(0);
    expect(sk.getEpsilon()).toBe(3.5 / 8);
    expect(new FrequentItemsSketch(2, 1).serialize()[4]).toBe(3);
  });

  it("rejects invalid lg sizes with invalid-argument", () => {
    for (const bad of [-1, 2.5, Number.NaN, Infinity, 23, 256]) {
      expect(kindOf(() => new FrequentItemsSketch(bad))).toBe("invalid-argument");
    }
    expect(kindOf(() => new FrequentItemsSketch("7" as unknown as number))).toBe("invalid-argument");
    expect(kindOf(() => new FrequentItemsSketch(5, 6))).toBe("invalid-argument");
    expect(kindOf(() => new FrequentItemsSketch(10, -3))).toBe("invalid-argument");
    expect(new FrequentItemsSketch(22, 22).getNumActiveItems()).toBe(0);
  });

  it("validates weights: 0 is ignored, negative / fractional / unsafe ones are rejected", () => {
    const sk = new FrequentItemsSketch(5);
    sk.update("a", 0);
    expect(sk.isEmpty()).toBe(true);
    expect(sk.getTotalWeight()).toBe(0);
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) {
      expect(kindOf(() => sk.update("a", bad))).toBe("invalid-argument");
    }
    expect(kindOf(() => sk.update(7 as unknown as string))).toBe("invalid-argument");
    expect(sk.getTotalWeight()).toBe(0);
    sk.update("a", Number.MAX_SAFE_INTEGER);
    expect(kindOf(() => sk.update("b", 1))).toBe("invalid-argument");
    expect(sk.getTotalWeight()).toBe(Number.MAX_SAFE_INTEGER);
    expect(sk.getNumActiveItems()).toBe(1);
  });

  it("rejects strings with lone surrogates (no UTF-8 form) without changing the sketch", () => {
    const sk = new FrequentItemsSketch(5);
    for (const bad of ["\ud800", "a\udc00", "x\ud800y", "\udbff\ud800"]) {
      expect(kindOf(() => sk.update(bad))).toBe("invalid-argument");
      // A second attempt must be rejected too (nothing cached from the first one).
      expect(kindOf(() => sk.update(bad))).toBe("invalid-argument");
    }
    expect(sk.isEmpty()).toBe(true);
    expect(sk.getTotalWeight()).toBe(0);
  });

  it("accepts the empty string, BOMs, supplementary characters and long strings", () => {
    const sk = new FrequentItemsSketch(6);
    const items = ["", "\ufeffbom", "😀x", "абв", "a".repeat(1000), "\u0000"];
    items.forEach((s, i) => sk.update(s, i + 1));
    const copy = FrequentItemsSketch.deserialize(sk.serialize());
    items.forEach((s, i) => {
      expect(sk.getLowerBound(s)).toBe(i + 1);
      expect(copy.getLowerBound(s)).toBe(i + 1);
    });
    expect(copy.getEstimate("absent")).toBe(0);
  });

  it("encodes and decodes items exactly on every serialization path", () => {
    // Paths: all-ASCII short items (one decoder call for the section), a 200-byte item (its length
    // prefix is not ASCII), non-ASCII items (per-item decoding), a 30 kB item (grows the encoder
    // scratch), then short items again (nothing stale from the larger scratch may leak).
    const sets = [
      ["a", "bb", "", "word-1", "x".repeat(127)],
      ["a", "y".repeat(200), "c"],
      ["é", "ascii", "😀", "\u0000", "\ufeffbom"],
      ["z", "€".repeat(10_000)],
      ["q", "rr"],
    ];
    const encoder = new TextEncoder();
    for (const items of sets) {
      const sk = new FrequentItemsSketch(5);
      items.forEach((s, i) => sk.update(s, i + 1));
      const image = sk.serialize();
      const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
      const n = view.getUint32(8, true);
      expect(n).toBe(items.length);
      const seen: string[] = [];
      let at = 32 + 8 * n;
      for (let k = 0; k < n; k++) {
        const len = view.getUint32(at, true);
        const bytes = image.subarray(at + 4, at + 4 + len);
        const item = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
        expect(bytes).toEqual(encoder.encode(item));
        expect(view.getUint32(32 + 8 * k, true)).toBe(sk.getLowerBound(item));
        seen.push(item);
        at += 4 + len;
      }
      expect(at).toBe(image.length);
      expect(seen.sort()).toEqual([...items].sort());
      const copy = FrequentItemsSketch.deserialize(image);
      items.forEach((s, i) => expect(copy.getLowerBound(s)).toBe(i + 1));
      // (Re-serializing may reorder colliding items: the copy inserted them in image order.)
      expect(copy.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, 0)).toEqual(
        sk.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, 0),
      );
    }
  });

  it("validates query arguments", () => {
    const sk = new FrequentItemsSketch(5);
    sk.update("a");
    expect(kindOf(() => sk.getFrequentItems(2 as ErrorType))).toBe("invalid-argument");
    expect(kindOf(() => sk.getFrequentItems(ErrorType.NO_FALSE_POSITIVES, Number.NaN))).toBe(
      "invalid-argument",
    );
    expect(kindOf(() => sk.getEstimate(1 as unknown as string))).toBe("invalid-argument");
    expect(kindOf(() => FrequentItemsSketch.getAprioriError(10, -1))).toBe("invalid-argument");
    expect(kindOf(() => FrequentItemsSketch.getAprioriError(99, 1))).toBe("invalid-argument");
    expect(kindOf(() => sk.merge({} as FrequentItemsSketch))).toBe("invalid-argument");
    expect(FrequentItemsSketch.getAprioriError(10, 1024)).toBe(3.5);
    expect(ErrorType).toEqual({ NO_FALSE_POSITIVES: 0, NO_FALSE_NEGATIVES: 1 });
  });
});

describe("frequent items: upstream edge cases", () => {
  it("purges every item when all counters are equal (lgMax 3, 7 distinct unit updates)", () => {
    const sk = new FrequentItemsSketch(3);
    for (let i = 0; i < 7; i++) sk.update(`i${i}`);
    expect(sk.getNumActiveItems()).toBe(0);
    expect(sk.isEmpty()).toBe(true);
    expect(sk.getTotalWeight()).toBe(7);
    expect(sk.getMaximumError()).toBe(1);
    expect(sk.getUpperBound("i0")).toBe(1);
    expect(sk.getEstimate("i0")).toBe(0);
    const bytes = sk.serialize();
    expect(Array.from(bytes)).toEqual([1, 1, 10, 3, 3, 5, 0, 0]);
    // As upstream, the empty image loses total weight and offset.
    const copy = FrequentItemsSketch.deserialize(bytes);
    expect(copy.getTotalWeight()).toBe(0);
    expect(copy.getMaximumError()).toBe(0);
  });

  it("reads both empty flags (whylogs fork 0x01, Java 0x04, upstream 0x05) and keeps lg_cur", () => {
    for (const flags of [1, 4, 5]) {
      const sk = FrequentItemsSketch.deserialize(new Uint8Array([1, 1, 10, 7, 5, flags, 0, 0]));
      expect(sk.isEmpty()).toBe(true);
      expect(Array.from(sk.serialize())).toEqual([1, 1, 10, 7, 5, 5, 0, 0]);
    }
  });

  it("does not allocate the declared table for an empty image until it is used", () => {
    const sk = FrequentItemsSketch.deserialize(new Uint8Array([1, 1, 10, 22, 22, 5, 0, 0]));
    expect(sk.getEstimate("x")).toBe(0);
    expect(sk.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)).toEqual([]);
    sk.update("x", 3);
    expect(sk.getLowerBound("x")).toBe(3);
    expect(sk.serialize()[4]).toBe(22);
  });

  it("merge: ignores empty sketches, adds totals and offsets, supports self-merge", () => {
    const a = new FrequentItemsSketch(4);
    const b = new FrequentItemsSketch(4);
    a.update("x", 2);
    a.merge(b);
    expect(a.getTotalWeight()).toBe(2);
    b.update("x", 3);
    b.update("y", 1);
    a.merge(b);
    expect(a.getLowerBound("x")).toBe(5);
    expect(a.getLowerBound("y")).toBe(1);
    expect(a.getTotalWeight()).toBe(6);
    a.merge(a);
    expect(a.getLowerBound("x")).toBe(10);
    expect(a.getTotalWeight()).toBe(12);
    expect(b.getTotalWeight()).toBe(4);
  });

  it("sorts frequent items by estimate descending, ties by item ascending", () => {
    const sk = new FrequentItemsSketch(5);
    for (const [item, w] of [
      ["b", 2],
      ["c", 5],
      ["a", 2],
      ["d", 1],
    ] as const) {
      sk.update(item, w);
    }
    expect(sk.getFrequentItems(ErrorType.NO_FALSE_POSITIVES, 1).map((r) => r.item)).toEqual(["c", "a", "b"]);
    expect(sk.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, 0).map((r) => r.item)).toEqual([
      "c",
      "a",
      "b",
      "d",
    ]);
  });
});
