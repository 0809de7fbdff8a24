import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AlternatingBitSource, KllDoublesSketch, SketchError } from "../../src/index.js";
import type { SketchErrorKind } from "../../src/index.js";
import { readVector, requireShared } from "../support/shared.js";
import { uniformStream } from "../support/streams.js";

/** Runs `f` and returns the SketchError kind it throws; fails on success or on any other error type. */
function errorKind(f: () => unknown): SketchErrorKind {
  try {
    f();
  } catch (e) {
    if (e instanceof SketchError) return e.kind;
    throw new Error(`expected a SketchError, got ${String(e)}`);
  }
  throw new Error("expected a SketchError, but the call succeeded");
}

function decodeKind(bytes: Uint8Array): SketchErrorKind {
  return errorKind(() => KllDoublesSketch.deserialize(bytes));
}

function built(n: number, k = 200): KllDoublesSketch {
  const s = new KllDoublesSketch(k, { bitSource: new AlternatingBitSource() });
  s.updateMany(uniformStream(1, n));
  return s;
}

function patched(img: Uint8Array, edit: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const copy = img.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

/** Every query must either answer or throw a SketchError — never another error, never hang. */
function exerciseQueries(s: KllDoublesSketch): void {
  if (s.isEmpty()) return;
  const min = s.getMinItem();
  const max = s.getMaxItem();
  expect(min <= max).toBe(true);
  for (const r of [0, 0.1, 0.5, 0.9, 1]) {
    const q = s.getQuantile(r);
    expect(q >= min && q <= max).toBe(true);
    const rank = s.getRank(q);
    expect(rank >= 0 && rank <= 1).toBe(true);
  }
  expect(s.getCDF(min < max ? [min, max] : [min]).length).toBe(min < max ? 3 : 2);
  s.update(min);
  s.merge(s);
  expect(KllDoublesSketch.deserialize(s.serialize()).getN()).toBe(s.getN());
}

describe("KLL decoder robustness (handcrafted images)", () => {
  const full = built(1000).serialize(); // 3 levels, 2640 bytes
  const single = built(1).serialize();
  const empty = built(0).serialize();

  it("rejects non-Uint8Array input with invalid-argument", () => {
    expect(errorKind(() => KllDoublesSketch.deserialize([1, 2, 3] as unknown as Uint8Array))).toBe(
      "invalid-argument",
    );
    expect(errorKind(() => KllDoublesSketch.deserialize(null as unknown as Uint8Array))).toBe(
      "invalid-argument",
    );
  });

  it("wrong family", () => {
    for (const img of [full, single, empty]) {
      expect(decodeKind(patched(img, (_v, b) => (b[2] = 7)))).toBe("wrong-family");
      expect(decodeKind(patched(img, (_v, b) => (b[2] = 0)))).toBe("wrong-family");
    }
  });

  it("bad preamble: preamble_ints, serial version, flags, m", () => {
    expect(decodeKind(patched(full, (_v, b) => (b[0] = 2)))).toBe("bad-preamble");
    expect(decodeKind(patched(full, (_v, b) => (b[0] = 7)))).toBe("bad-preamble");
    expect(decodeKind(patched(empty, (_v, b) => (b[0] = 5)))).toBe("bad-preamble");
    expect(decodeKind(patched(single, (_v, b) => (b[0] = 5)))).toBe("bad-preamble");
    expect(decodeKind(patched(full, (_v, b) => (b[1] = 3)))).toBe("bad-preamble"); // Java updatable, C++ rejects
    expect(decodeKind(patched(full, (_v, b) => (b[1] = 2)))).toBe("bad-preamble");
    expect(decodeKind(patched(single, (_v, b) => (b[1] = 1)))).toBe("bad-preamble");
    expect(decodeKind(patched(empty, (_v, b) => (b[1] = 0)))).toBe("bad-preamble");
    expect(decodeKind(patched(empty, (_v, b) => (b[3] = 5)))).toBe("bad-preamble"); // empty + single
    expect(decodeKind(patched(full, (_v, b) => (b[6] = 4)))).toBe("bad-preamble"); // m != 8
  });

  it("k below 8 and impossible min_k are corrupt", () => {
    expect(decodeKind(patched(full, (v) => v.setUint16(4, 4, true)))).toBe("corrupt");
    expect(decodeKind(patched(empty, (v) => v.setUint16(4, 0, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setUint16(16, 0, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setUint16(16, 201, true)))).toBe("corrupt");
  });

  it("impossible levels are corrupt", () => {
    expect(decodeKind(patched(full, (_v, b) => (b[18] = 0)))).toBe("corrupt"); // num_levels 0
    expect(decodeKind(patched(full, (_v, b) => (b[18] = 62)))).toBe("corrupt"); // beyond any reachable n
    expect(decodeKind(patched(full, (_v, b) => (b[18] = 255)))).toBe("corrupt");
    // levels must be non-decreasing and within the capacity (333 + 89 = 422 for 3 levels at k=200)
    expect(decodeKind(patched(full, (v) => v.setUint32(24, 10, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setUint32(28, 423, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setUint32(20, 0xffffffff, true)))).toBe("corrupt");
    // a different num_levels changes the capacity, so the image size no longer matches
    expect(["corrupt", "truncated"]).toContain(decodeKind(patched(full, (_v, b) => (b[18] = 2))));
    expect(["corrupt", "truncated"]).toContain(decodeKind(patched(full, (_v, b) => (b[18] = 4))));
  });

  it("n inconsistent with the retained weights is corrupt", () => {
    expect(decodeKind(patched(full, (v) => v.setUint32(8, 1001, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setUint32(8, 999, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setUint32(8, 0, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setUint32(12, 0x00400000, true)))).toBe("corrupt"); // n ≥ 2^53
    // a level boundary moved by one changes the total weight (and leaves the size unchanged)
    expect(decodeKind(patched(full, (v) => v.setUint32(24, v.getUint32(24, true) + 1, true)))).toBe(
      "corrupt",
    );
  });

  it("bad items: NaN, min > max, outside [min, max], unsorted upper level, sorted flag on unsorted level 0", () => {
    const itemsAt = 20 + 4 * 3 + 16;
    expect(decodeKind(patched(full, (v) => v.setFloat64(32, NaN, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setFloat64(40, -1, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setFloat64(itemsAt, NaN, true)))).toBe("corrupt");
    expect(decodeKind(patched(full, (v) => v.setFloat64(itemsAt, 2, true)))).toBe("corrupt");
    expect(decodeKind(patched(single, (v) => v.setFloat64(8, NaN, true)))).toBe("corrupt");
    // swap the first two items of level 2 (levels = [98, 196, 197]: level 1 holds a single item)
    const img = built(1000).serialize();
    const view = new DataView(img.buffer);
    const lv0 = view.getUint32(20, true);
    const lv2 = view.getUint32(28, true);
    expect(lv2 + 2 <= 422).toBe(true);
    const at = itemsAt + (lv2 - lv0) * 8;
    const a = view.getFloat64(at, true);
    const b = view.getFloat64(at + 8, true);
    expect(a < b).toBe(true);
    expect(decodeKind(patched(img, (v) => (v.setFloat64(at, b, true), v.setFloat64(at + 8, a, true))))).toBe(
      "corrupt",
    );
    // level 0 of a fresh sketch is in arrival order: claiming it sorted is a lie the decoder catches
    expect(decodeKind(patched(img, (_v, bytes) => (bytes[3] = 2)))).toBe("corrupt");
  });

  it("trailing bytes are corrupt", () => {
    for (const img of [full, single, empty]) {
      const longer = new Uint8Array(img.length + 1);
      longer.set(img);
      expect(decodeKind(longer)).toBe("corrupt");
    }
    const longer = new Uint8Array(full.length + 8);
    longer.set(full);
    expect(decodeKind(longer)).toBe("corrupt");
  });

  it("every strict prefix of a valid image is rejected", () => {
    // Documented exceptions of the size-based item-width rule (the header has no type tag):
    // - a 12-byte prefix of a double single-item image IS a well-formed float single-item image;
    // - the prefix of a full double image whose length equals the float layout size is read as floats and is
    //   then rejected by value validation (corrupt), not as truncated.
    const whylogs = built(1000).serialize({ layout: "whylogs" });
    const big = built(100000).serialize();
    for (const img of [empty, single, full, whylogs, big]) {
      const isFull = img[0] !== 2;
      const header = img[0] === 6 ? 24 : 20;
      const numLevels = isFull ? img[18]! : 1;
      const retained = isFull ? (img.length - header - 4 * numLevels) / 8 - 2 : 0;
      const floatSize = img[0] === 5 ? header + 4 * numLevels + 4 * (retained + 2) : -1;
      for (let len = 0; len < img.length; len++) {
        const prefix = img.slice(0, len);
        if (img === single && len === 12) {
          expect(KllDoublesSketch.deserialize(prefix).getN()).toBe(1);
        } else if (len === floatSize) {
          expect(decodeKind(prefix)).toBe("corrupt");
        } else {
          expect(decodeKind(prefix)).toBe("truncated");
        }
      }
    }
  });

  it("random byte edits never escape as non-SketchError, and decoded sketches stay usable", () => {
    const images = [full, single, built(100000).serialize(), built(300, 8).serialize()];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: images.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const img = images[which]!.slice();
          for (const [pos, byte] of edits) img[pos % img.length] = byte;
          let s: KllDoublesSketch;
          try {
            s = KllDoublesSketch.deserialize(img);
          } catch (e) {
            expect(e).toBeInstanceOf(SketchError);
            return;
          }
          exerciseQueries(s);
        },
      ),
      { seed: 20261126, numRuns: 1500 },
    );
  });
});

describe("KLL decoder robustness (reference images)", () => {
  if (!requireShared()) return;
  it("legacy full-format single item (serVer 1, preInts 5, n = 1) is accepted", () => {
    // Built as datasketches-java's kll_sketch_double_one_item_v1.sk is laid out (spec §5): 48 bytes.
    const img = new Uint8Array(48);
    const v = new DataView(img.buffer);
    img.set([5, 1, 15, 0]);
    v.setUint16(4, 200, true);
    img[6] = 8;
    v.setUint32(8, 1, true);
    v.setUint16(16, 200, true);
    img[18] = 1;
    v.setUint32(20, 199, true);
    v.setFloat64(24, 1, true);
    v.setFloat64(32, 1, true);
    v.setFloat64(40, 1, true);
    const s = KllDoublesSketch.deserialize(img);
    expect(s.getN()).toBe(1);
    // re-serialized in the current single-item format (before any query: queries set the sorted flag)
    expect(s.serialize()).toEqual(singleImage(1));
    expect(s.getQuantile(0.5)).toBe(1);
    // the float flavour (36 bytes, as datasketches-cpp kll_sketch_float_one_item_v1.sk)
    const f = new Uint8Array(36);
    f.set(img.subarray(0, 24));
    const fv = new DataView(f.buffer);
    fv.setFloat32(24, 1, true);
    fv.setFloat32(28, 1, true);
    fv.setFloat32(32, 1, true);
    expect(KllDoublesSketch.deserialize(f).serialize()).toEqual(singleImage(1));
  });

  it("whylogs images with a float-sized body are rejected (the fork writes preamble 6 only for doubles)", () => {
    const floatImg = readVector("datasketches", "kll_float_k200_n1000.sk");
    const asWhylogs = new Uint8Array(floatImg.length + 4);
    asWhylogs.set(floatImg.subarray(0, 20));
    asWhylogs.set(floatImg.subarray(20), 24);
    asWhylogs[0] = 6;
    expect(decodeKind(asWhylogs)).toBe("truncated");
  });
});

function singleImage(x: number): Uint8Array {
  const s = new KllDoublesSketch(200);
  s.update(x);
  return s.serialize();
}
