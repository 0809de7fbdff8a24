import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AlternatingBitSource, KllDoublesSketch, SketchError } from "../../src/index.js";
import type { SketchErrorKind } from "../../src/index.js";
import { readVector, readVectorJson, requireShared } from "../support/shared.js";
import { uniformStream } from "../support/streams.js";

// KLL floats images (datasketches `kll_floats_sketch`, whylogs 0.x histograms) read into doubles sketches.

function errorKind(f: () => unknown): SketchErrorKind {
  try {
    f();
  } catch (e) {
    if (e instanceof SketchError) return e.kind;
    throw new Error(`expected a SketchError, got ${String(e)}`);
  }
  throw new Error("expected a SketchError, but the call succeeded");
}

/** A sketch over float-representable values, so its double image has an exact float twin. */
function floatValuedSketch(n: number, k = 200, seed = 3): KllDoublesSketch {
  const s = new KllDoublesSketch(k, { bitSource: new AlternatingBitSource() });
  s.updateMany(uniformStream(seed, n).map((x) => Math.fround(x * 1000 - 250)));
  return s;
}

/**
 * The float layout of a datasketches (preamble 5) double image: same header and levels, 4-byte min, max and
 * items. This is how datasketches-cpp lays out `kll_sketch<float>`.
 */
function toFloatImage(doubleImage: Uint8Array): Uint8Array {
  if (doubleImage[0] === 2 && doubleImage.length === 8) return doubleImage.slice();
  const header = doubleImage[0] === 2 ? 8 : 20 + 4 * doubleImage[18]!;
  const count = (doubleImage.length - header) / 8;
  const out = new Uint8Array(header + 4 * count);
  out.set(doubleImage.subarray(0, header));
  const src = new DataView(doubleImage.buffer, doubleImage.byteOffset, doubleImage.byteLength);
  const dst = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const x = src.getFloat64(header + 8 * i, true);
    expect(Math.fround(x)).toBe(x);
    dst.setFloat32(header + 4 * i, x, true);
  }
  return out;
}

describe("KllDoublesSketch.deserializeFloats", () => {
  it.each([0, 1, 2, 10, 200, 1000, 100000])("reads the float image of n = %i into the same sketch", (n) => {
    const s = floatValuedSketch(n);
    const doubles = s.serialize();
    const floats = toFloatImage(doubles);
    const read = KllDoublesSketch.deserializeFloats(floats);
    expect(read.getN()).toBe(n);
    expect(read.serialize()).toEqual(doubles);
    expect(read.serialize({ layout: "whylogs" })).toEqual(s.serialize({ layout: "whylogs" }));
    // auto-detection agrees
    expect(KllDoublesSketch.deserialize(floats).serialize()).toEqual(doubles);
    if (n > 0) {
      expect(read.getMinItem()).toBe(s.getMinItem());
      expect(read.getMaxItem()).toBe(s.getMaxItem());
      expect(read.getQuantile(0.5)).toBe(s.getQuantile(0.5));
    }
  });

  it("keeps the level-zero-sorted flag, k and min_k", () => {
    const s = floatValuedSketch(5000, 64);
    s.getQuantile(0.5); // sorts level 0, sets flag bit 1
    const doubles = s.serialize();
    expect(doubles[3]! & 2).toBe(2);
    const read = KllDoublesSketch.deserializeFloats(toFloatImage(doubles));
    expect(read.getK()).toBe(64);
    expect(read.serialize()).toEqual(doubles);
  });

  it("rejects double images", () => {
    const s = floatValuedSketch(1000);
    expect(errorKind(() => KllDoublesSketch.deserializeFloats(s.serialize()))).toBe("corrupt");
    expect(errorKind(() => KllDoublesSketch.deserializeFloats(s.serialize({ layout: "whylogs" })))).toBe(
      "bad-preamble",
    );
    expect(errorKind(() => KllDoublesSketch.deserializeFloats(floatValuedSketch(1).serialize()))).toBe(
      "corrupt",
    );
  });

  it("itemType 'double' rejects float images, 'auto' accepts both", () => {
    for (const n of [1, 10, 1000]) {
      const doubles = floatValuedSketch(n).serialize();
      const floats = toFloatImage(doubles);
      expect(() => KllDoublesSketch.deserialize(floats, { itemType: "double" })).toThrow(SketchError);
      expect(KllDoublesSketch.deserialize(doubles, { itemType: "double" }).serialize()).toEqual(doubles);
      expect(KllDoublesSketch.deserialize(floats, { itemType: "auto" }).serialize()).toEqual(doubles);
    }
    expect(
      errorKind(() =>
        KllDoublesSketch.deserialize(new Uint8Array(8), { itemType: "half" as unknown as "auto" }),
      ),
    ).toBe("invalid-argument");
  });

  it("every strict prefix of a float image is truncated; a longer image is corrupt", () => {
    for (const n of [0, 1, 10, 1000]) {
      const floats = toFloatImage(floatValuedSketch(n).serialize());
      for (let len = 0; len < floats.length; len++) {
        expect(errorKind(() => KllDoublesSketch.deserializeFloats(floats.subarray(0, len)))).toBe(
          "truncated",
        );
      }
      const longer = new Uint8Array(floats.length + 4);
      longer.set(floats);
      expect(errorKind(() => KllDoublesSketch.deserializeFloats(longer))).toBe("corrupt");
    }
  });

  it("random byte edits throw SketchError or give a usable sketch", () => {
    const images = [1, 10, 1000, 100000].map((n) => toFloatImage(floatValuedSketch(n).serialize()));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: images.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const img = images[which]!.slice();
          for (const [pos, byte] of edits) img[pos % img.length] = byte;
          let s: KllDoublesSketch;
          try {
            s = KllDoublesSketch.deserializeFloats(img);
          } catch (e) {
            expect(e).toBeInstanceOf(SketchError);
            return;
          }
          if (!s.isEmpty()) expect(s.getQuantile(0.5)).toBeGreaterThanOrEqual(s.getMinItem());
          expect(KllDoublesSketch.deserialize(s.serialize()).getN()).toBe(s.getN());
        },
      ),
      { seed: 20261127, numRuns: 800 },
    );
  });
});

describe("KllDoublesSketch.deserializeFloats (reference float image)", () => {
  if (!requireShared()) return;
  it("kll_float_k200_n1000.sk matches the auto reader and the sidecar extremes", () => {
    const bytes = readVector("datasketches", "kll_float_k200_n1000.sk");
    const s = KllDoublesSketch.deserializeFloats(bytes);
    expect(s.serialize()).toEqual(KllDoublesSketch.deserialize(bytes).serialize());
    const q = readVectorJson<{ queries: { n: number; min_item: number; max_item: number } }>(
      "datasketches",
      "kll_float_k200_n1000.json",
    ).queries;
    expect(s.getN()).toBe(q.n);
    expect(s.getMinItem()).toBe(q.min_item);
    expect(s.getMaxItem()).toBe(q.max_item);
    expect(errorKind(() => KllDoublesSketch.deserialize(bytes, { itemType: "double" }))).toBe("truncated");
  });
});
