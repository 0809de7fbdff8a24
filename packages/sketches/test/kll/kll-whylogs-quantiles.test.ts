import { describe, expect, it } from "vitest";
import { KllDoublesSketch, SketchError } from "../../src/index.js";

// The whylogs rule: rank 0 → min, rank 1 → max, else w = floor(rank·n) and the first retained item whose
// preceding cumulative weight is ≥ w. (The live oracle suite checks it against whylogs-sketching itself.)
describe("KllDoublesSketch.getQuantilesWhylogs", () => {
  it("answers the whylogs example [1, 2]: q_25 → 1, median → 2", () => {
    const s = new KllDoublesSketch(1024);
    s.updateMany([2, 1]);
    expect(s.getQuantilesWhylogs([0.25, 0.5])).toEqual([1, 2]);
  });

  it("maps ranks 0 and 1 to the exact min and max, and walks 1..10 by floor(rank·n)", () => {
    const s = new KllDoublesSketch(200);
    s.updateMany([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(s.getQuantilesWhylogs([0, 0.05, 0.1, 0.15, 0.55, 0.99, 1])).toEqual([1, 1, 2, 2, 6, 10, 10]);
  });

  it("rejects empty sketches and bad ranks", () => {
    expect(() => new KllDoublesSketch(200).getQuantilesWhylogs([0.5])).toThrow(SketchError);
    const s = new KllDoublesSketch(200);
    s.update(1);
    expect(() => s.getQuantilesWhylogs([1.5])).toThrow(SketchError);
    expect(() => s.getQuantilesWhylogs([NaN])).toThrow(SketchError);
  });
});

describe("KllDoublesSketch.getSortedView", () => {
  it("lists retained items ascending with inclusive cumulative weights ending at n", () => {
    const s = new KllDoublesSketch(8);
    const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    s.updateMany(values);
    const { items, cumulativeWeights } = s.getSortedView();
    expect(items.length).toBe(s.getNumRetained());
    expect(cumulativeWeights[cumulativeWeights.length - 1]).toBe(1000);
    for (let i = 1; i < items.length; i++) {
      expect(items[i]!).toBeGreaterThanOrEqual(items[i - 1]!);
      expect(cumulativeWeights[i]!).toBeGreaterThan(cumulativeWeights[i - 1]!);
    }
    // Every rank query agrees with the view.
    for (const x of [0, 17, 500, 999]) {
      let cum = 0;
      for (let i = 0; i < items.length && items[i]! <= x; i++) cum = cumulativeWeights[i]!;
      expect(s.getRank(x)).toBe(cum / 1000);
    }
  });

  it("returns copies", () => {
    const s = new KllDoublesSketch(200);
    s.updateMany([3, 1, 2]);
    s.getSortedView().items.fill(99);
    expect(s.getSortedView().items).toEqual(new Float64Array([1, 2, 3]));
  });
});
