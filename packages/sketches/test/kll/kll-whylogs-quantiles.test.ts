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
