import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorType, FrequentItemsSketch, SketchError } from "../../src/index.js";
import { readVector, sharedDir } from "../support/shared.js";

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SketchError) return e.kind;
    return `foreign error: ${String(e)}`;
  }
  return "no error";
}

/** Two items: "ab" (counter 3) and "c" (counter 1), total 5, offset 1; fixed field offsets below. */
function image(): Uint8Array {
  const items = [
    ["ab", 3],
    ["c", 1],
  ] as const;
  const size = 32 + 16 + 4 + 2 + 4 + 1;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([4, 1, 10, 6, 3, 0, 0, 0]);
  v.setUint32(8, 2, true);
  v.setUint32(16, 5, true);
  v.setUint32(24, 1, true);
  v.setUint32(32, items[0][1], true);
  v.setUint32(40, items[1][1], true);
  v.setUint32(48, 2, true);
  b.set([0x61, 0x62], 52);
  v.setUint32(54, 1, true);
  b[58] = 0x63;
  return b;
}

/** A non-empty lg 6/3 image with raw item bytes (total = sum of counters, offset 0). */
function rawImage(items: [number[], number][]): Uint8Array {
  const size = 32 + items.reduce((acc, [bytes]) => acc + 12 + bytes.length, 0);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([4, 1, 10, 6, 3, 0, 0, 0]);
  v.setUint32(8, items.length, true);
  v.setUint32(
    16,
    items.reduce((acc, [, c]) => acc + c, 0),
    true,
  );
  let off = 32;
  for (const [, c] of items) {
    v.setUint32(off, c, true);
    off += 8;
  }
  for (const [bytes] of items) {
    v.setUint32(off, bytes.length, true);
    b.set(bytes, off + 4);
    off += 4 + bytes.length;
  }
  return b;
}

function patched(edit: (b: Uint8Array, v: DataView) => void, base = image()): Uint8Array {
  const b = base.slice();
  edit(b, new DataView(b.buffer));
  return b;
}

/** A decoded sketch must answer every query without throwing anything but SketchError. */
function exercise(sk: FrequentItemsSketch): void {
  const rows = sk.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, -1);
  for (const r of rows) {
    expect(sk.getLowerBound(r.item)).toBe(r.lowerBound);
    expect(r.lowerBound).toBeGreaterThan(0);
  }
  sk.getFrequentItems(ErrorType.NO_FALSE_POSITIVES);
  const again = FrequentItemsSketch.deserialize(sk.serialize());
  expect(again.getNumActiveItems()).toBe(sk.getNumActiveItems());
  // Keep clear of the 2^53 total-weight guard (a corrupted total may sit right below it).
  if (2 * sk.getTotalWeight() + 2 < Number.MAX_SAFE_INTEGER) {
    sk.update("fresh", 2);
    sk.merge(again);
  }
}

describe("frequent items: decoder robustness", () => {
  it("the handcrafted base images are valid", () => {
    const raw = FrequentItemsSketch.deserialize(
      rawImage([
        [[0xef, 0xbb, 0xbf, 0x61], 2],
        [[0xe2, 0x82, 0xac], 1],
      ]),
    );
    expect(raw.getLowerBound("\ufeffa")).toBe(2);
    expect(raw.getLowerBound("€")).toBe(1);
    const sk = FrequentItemsSketch.deserialize(image());
    expect(sk.getLowerBound("ab")).toBe(3);
    expect(sk.getUpperBound("c")).toBe(2);
    expect(sk.getTotalWeight()).toBe(5);
  });

  const cases: [string, string, Uint8Array | (() => Uint8Array)][] = [
    ["wrong family", "wrong-family", patched((b) => (b[2] = 15))],
    ["serial version 2", "bad-preamble", patched((b) => (b[1] = 2))],
    ["preamble 1 for a non-empty image", "bad-preamble", patched((b) => (b[0] = 1))],
    ["preamble 4 with the empty flag", "bad-preamble", patched((b) => (b[5] = 1))],
    ["empty image with preamble 4", "bad-preamble", new Uint8Array([4, 1, 10, 6, 3, 5, 0, 0])],
    ["lg_max below 3", "bad-preamble", patched((b) => ((b[3] = 2), (b[4] = 2)))],
    ["lg_max above the limit", "bad-preamble", patched((b) => (b[3] = 30))],
    ["lg_cur above lg_max", "bad-preamble", patched((b) => (b[4] = 7))],
    ["lg_cur below 3", "bad-preamble", patched((b) => (b[4] = 2))],
    ["num_items 0 in a non-empty image", "corrupt", patched((_b, v) => v.setUint32(8, 0, true))],
    ["num_items above the map capacity", "corrupt", patched((_b, v) => v.setUint32(8, 7, true))],
    [
      "num_items larger than the image",
      "truncated",
      patched((b, v) => ((b[3] = 22), (b[4] = 22), v.setUint32(8, 3_000_000, true))),
    ],
    ["total_weight above 2^53", "corrupt", patched((_b, v) => v.setUint32(20, 0xffffffff, true))],
    ["offset above total_weight", "corrupt", patched((_b, v) => v.setUint32(24, 6, true))],
    ["zero counter", "corrupt", patched((_b, v) => v.setUint32(40, 0, true))],
    ["counters above total_weight", "corrupt", patched((_b, v) => v.setUint32(32, 5, true))],
    ["invalid UTF-8", "corrupt", patched((b) => (b[52] = 0xff))],
    ["overlong UTF-8", "corrupt", patched((b) => b.set([0xc0, 0xaf], 52))],
    ["UTF-8 surrogate", "corrupt", rawImage([[[0xed, 0xa0, 0x80], 1]])],
    ["truncated UTF-8 sequence", "corrupt", rawImage([[[0x61, 0xe2, 0x82], 1]])],
    [
      "duplicate items",
      "corrupt",
      rawImage([
        [[0x61, 0x62], 1],
        [[0x61, 0x62], 2],
      ]),
    ],
    ["string length past the end", "truncated", patched((_b, v) => v.setUint32(54, 1000, true))],
    ["huge string length", "truncated", patched((_b, v) => v.setUint32(48, 0xffffffff, true))],
    [
      "trailing bytes",
      "corrupt",
      () => {
        const b = new Uint8Array(image().length + 1);
        b.set(image());
        return b;
      },
    ],
    ["empty image with trailing bytes", "corrupt", new Uint8Array([1, 1, 10, 6, 3, 5, 0, 0, 0])],
  ];
  for (const [name, kind, bytes] of cases) {
    it(`rejects ${name} as ${kind}`, () => {
      const b = typeof bytes === "function" ? bytes() : bytes;
      expect(kindOf(() => FrequentItemsSketch.deserialize(b))).toBe(kind);
    });
  }

  it("rejects non-Uint8Array input as invalid-argument", () => {
    for (const bad of [null, undefined, "abc", [1, 1, 10], new ArrayBuffer(8)]) {
      expect(kindOf(() => FrequentItemsSketch.deserialize(bad as unknown as Uint8Array))).toBe(
        "invalid-argument",
      );
    }
  });

  it("reads images that live inside a larger buffer", () => {
    const inner = image();
    const outer = new Uint8Array(inner.length + 10);
    outer.set(inner, 5);
    const sk = FrequentItemsSketch.deserialize(outer.subarray(5, 5 + inner.length));
    expect(sk.getLowerBound("ab")).toBe(3);
  });

  it("reports every strict prefix of valid images as truncated", () => {
    const sources: Uint8Array[] = [image()];
    const own = new FrequentItemsSketch(7);
    for (let i = 0; i < 300; i++) own.update(`item-${i % 97}-é`, (i % 5) + 1);
    sources.push(own.serialize());
    if (sharedDir !== null) {
      sources.push(readVector("datasketches", "fi_string_lg7_zipf.sk"));
      sources.push(readVector("datasketches-xlang", "java_generated_files", "frequent_string_utf8_java.sk"));
    }
    for (const full of sources) {
      for (let n = 0; n < full.length; n++) {
        const k = kindOf(() => FrequentItemsSketch.deserialize(full.subarray(0, n)));
        if (k !== "truncated") expect(`prefix ${n}/${full.length}: ${k}`).toBe("truncated");
      }
    }
  });

  it("random corruption either decodes to a usable sketch or throws SketchError", () => {
    const bases = [image()];
    const own = new FrequentItemsSketch(5);
    for (let i = 0; i < 200; i++) own.update(`k${i % 40}`, (i % 3) + 1);
    bases.push(own.serialize());
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bases.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const b = bases[which]!.slice();
          for (const [pos, val] of edits) b[pos % b.length] = val;
          let sk: FrequentItemsSketch;
          try {
            sk = FrequentItemsSketch.deserialize(b);
          } catch (e) {
            expect(e).toBeInstanceOf(SketchError);
            return;
          }
          exercise(sk);
        },
      ),
      { seed: 20261126, numRuns: 2000 },
    );
  });
});
