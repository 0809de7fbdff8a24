import { describe, expect, it } from "vitest";
import { AlternatingBitSource, KllDoublesSketch } from "../../src/index.js";

// Item buffers are views into shared slabs, and decoded/grown sketches keep spare room that later growth
// re-views in place. These tests pin the two properties that makes necessary: no sketch ever writes into
// another's items, and growing in place gives the same bytes as growing into a fresh buffer.

function stream(seed: number, n: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296;
  }
  return out;
}

function built(seed: number, n: number, k = 200): KllDoublesSketch {
  const s = new KllDoublesSketch(k, { bitSource: new AlternatingBitSource() });
  s.updateMany(stream(seed, n));
  return s;
}

describe("KLL item buffers", () => {
  it("growth in the reserved room of a decoded sketch leaves neighbouring sketches intact", () => {
    const images = [1, 2, 3, 4, 5, 6].map((seed) => built(seed, 50_000 + seed * 7919).serialize());
    // Decoded back to back, so their regions are adjacent in the same slab.
    const decoded = images.map((img) => KllDoublesSketch.deserialize(img));
    const source = built(99, 100_000);
    for (let i = 0; i < decoded.length; i += 2) {
      const target = decoded[i]!;
      target.setBitSource(new AlternatingBitSource());
      target.merge(source); // adds a level: grows into the reserved room
      target.updateMany(stream(100 + i, 5000)); // and keeps compacting inside it
    }
    for (let i = 1; i < decoded.length; i += 2) expect(decoded[i]!.serialize()).toEqual(images[i]);
  });

  it("a decoded sketch grows to the same bytes as the sketch it was decoded from", () => {
    for (const k of [8, 20, 200]) {
      for (const n of [1000, 30_000, 100_000]) {
        const original = built(n + k, n, k);
        const copy = KllDoublesSketch.deserialize(original.serialize());
        copy.setBitSource(new AlternatingBitSource());
        original.setBitSource(new AlternatingBitSource());
        for (const target of [original, copy]) {
          target.merge(built(7, 2 * n, k));
          target.updateMany(stream(8, 3 * n));
          target.merge(built(9, n, k));
        }
        expect(copy.serialize()).toEqual(original.serialize());
        expect(copy.getQuantile(0.5)).toBe(original.getQuantile(0.5));
      }
    }
  });
});
