import { describe, expect, it } from "vitest";
import { KllDoublesSketch, SketchError } from "../../src/index.js";
import type { SketchErrorKind } from "../../src/index.js";

function kindOf(f: () => unknown): SketchErrorKind | "no error" {
  try {
    f();
  } catch (e) {
    if (e instanceof SketchError) return e.kind;
    throw e;
  }
  return "no error";
}

describe("KllDoublesSketch API", () => {
  it("validates k", () => {
    expect(new KllDoublesSketch().getK()).toBe(200);
    expect(new KllDoublesSketch(8).getK()).toBe(8);
    expect(new KllDoublesSketch(65535).getK()).toBe(65535);
    for (const k of [7, 0, -1, 65536, 1.5, NaN, Infinity]) {
      expect(kindOf(() => new KllDoublesSketch(k))).toBe("invalid-argument");
    }
  });

  it("empty sketch: state and empty-sketch errors", () => {
    const s = new KllDoublesSketch();
    expect(s.isEmpty()).toBe(true);
    expect(s.getN()).toBe(0);
    expect(s.getNumRetained()).toBe(0);
    expect(s.isEstimationMode()).toBe(false);
    for (const f of [
      () => s.getMinItem(),
      () => s.getMaxItem(),
      () => s.getQuantile(0),
      () => s.getQuantiles([0.5]),
      () => s.getRank(1),
      () => s.getCDF([]),
      () => s.getPMF([1]),
    ]) {
      expect(kindOf(f)).toBe("empty-sketch");
    }
    expect(Array.from(s.serialize())).toEqual([2, 1, 15, 1, 200, 0, 8, 0]);
    expect(Array.from(s.serialize({ layout: "whylogs" }))).toEqual([2, 1, 15, 1, 200, 0, 8, 0]);
  });

  it("ignores NaN; keeps ±Infinity", () => {
    const s = new KllDoublesSketch();
    s.update(NaN);
    s.updateMany([NaN, NaN]);
    expect(s.isEmpty()).toBe(true);
    s.updateMany([Infinity, NaN, -Infinity, 0]);
    expect(s.getN()).toBe(3);
    expect(s.getMinItem()).toBe(-Infinity);
    expect(s.getMaxItem()).toBe(Infinity);
    expect(s.getQuantile(0.5)).toBe(0);
    expect(s.getRank(Infinity)).toBe(1);
  });

  it("inclusive and exclusive semantics (C++ quantiles_sorted_view)", () => {
    const s = new KllDoublesSketch();
    s.updateMany([1, 2, 2, 3]);
    expect(s.getRank(2)).toBe(0.75);
    expect(s.getRank(2, { inclusive: false })).toBe(0.25);
    expect(s.getRank(0)).toBe(0);
    expect(s.getQuantile(0.25)).toBe(1); // ceil(1) = 1 → first cum weight ≥ 1
    expect(s.getQuantile(0.25, { inclusive: false })).toBe(2); // floor(1) = 1 → first cum weight > 1
    expect(s.getQuantile(1, { inclusive: false })).toBe(3); // past the end → last item
    expect(s.getQuantiles([0, 0.5, 1])).toEqual([1, 2, 3]);
    expect(s.getCDF([1.5, 2.5])).toEqual([0.25, 0.75, 1]);
    expect(s.getCDF([2], { inclusive: false })).toEqual([0.25, 1]);
    expect(s.getPMF([1.5, 2.5])).toEqual([0.25, 0.5, 0.25]);
    expect(s.getCDF([])).toEqual([1]);
  });

  it("rejects bad ranks and split points with invalid-argument", () => {
    const s = new KllDoublesSketch();
    s.updateMany([1, 2, 3]);
    for (const r of [-0.01, 1.01, NaN, Infinity]) {
      expect(kindOf(() => s.getQuantile(r))).toBe("invalid-argument");
      expect(kindOf(() => s.getQuantiles([0.5, r]))).toBe("invalid-argument");
    }
    expect(kindOf(() => s.getRank(NaN))).toBe("invalid-argument");
    for (const splits of [[NaN], [1, 1], [2, 1], [1, NaN, 3]]) {
      expect(kindOf(() => s.getCDF(splits))).toBe("invalid-argument");
      expect(kindOf(() => s.getPMF(splits))).toBe("invalid-argument");
    }
    expect(kindOf(() => s.getCDF([-Infinity, Infinity]))).toBe("no error");
    expect(kindOf(() => s.merge({} as KllDoublesSketch))).toBe("invalid-argument");
    expect(kindOf(() => s.serialize({ layout: "xml" as "whylogs" }))).toBe("invalid-argument");
  });

  it("rejects non-number input and bad bit sources with invalid-argument, without partial updates", () => {
    const s = new KllDoublesSketch();
    expect(kindOf(() => s.update("1" as unknown as number))).toBe("invalid-argument");
    expect(kindOf(() => s.updateMany(null as unknown as number[]))).toBe("invalid-argument");
    expect(kindOf(() => s.updateMany(5 as unknown as number[]))).toBe("invalid-argument");
    expect(kindOf(() => s.updateMany([1, 2, "3"] as unknown as number[]))).toBe("invalid-argument");
    expect(kindOf(() => s.updateMany(new BigInt64Array(2) as unknown as number[]))).toBe("invalid-argument");
    expect(s.isEmpty()).toBe(true);
    s.updateMany(new Int32Array([3, 1, 2]));
    expect(s.getN()).toBe(3);
    expect(kindOf(() => s.getRank("2" as unknown as number))).toBe("invalid-argument");
    expect(kindOf(() => s.setBitSource({} as never))).toBe("invalid-argument");
    expect(kindOf(() => new KllDoublesSketch(200, { bitSource: 3 as never }))).toBe("invalid-argument");
    // A source returning values other than 0/1 is masked to one bit: compaction stays inside the level.
    const odd = new KllDoublesSketch(8, { bitSource: { nextBit: () => 7 } });
    for (let i = 0; i < 1000; i++) odd.update(i);
    expect(odd.getN()).toBe(1000);
    expect(odd.getQuantile(0.5)).toBeGreaterThanOrEqual(0);
    expect(KllDoublesSketch.deserialize(odd.serialize()).getN()).toBe(1000);
  });

  it("the cached sorted view is invalidated by update and merge", () => {
    const s = new KllDoublesSketch();
    s.updateMany([1, 2, 3]);
    expect(s.getQuantile(1)).toBe(3);
    s.update(10);
    expect(s.getQuantile(1)).toBe(10);
    const t = new KllDoublesSketch();
    t.update(20);
    s.merge(t);
    expect(s.getQuantile(1)).toBe(20);
    s.updateMany([30]);
    expect(s.getQuantile(1)).toBe(30);
    expect(s.getMaxItem()).toBe(30);
  });

  it("normalized rank error follows min_k and the datasketches formulas", () => {
    const s = new KllDoublesSketch(200);
    expect(s.getNormalizedRankError(false)).toBeCloseTo(2.296 / Math.pow(200, 0.9723), 15);
    expect(s.getNormalizedRankError(true)).toBeCloseTo(2.446 / Math.pow(200, 0.9433), 15);
    // An exact-mode sketch with smaller k does not lower min_k; an estimation-mode one does.
    const small = new KllDoublesSketch(50);
    small.updateMany([1, 2, 3]);
    s.merge(small);
    expect(s.getNormalizedRankError(false)).toBe(new KllDoublesSketch(200).getNormalizedRankError(false));
    for (let i = 0; i < 1000; i++) small.update(i);
    s.merge(small);
    expect(s.getNormalizedRankError(false)).toBe(new KllDoublesSketch(50).getNormalizedRankError(false));
    expect(KllDoublesSketch.deserialize(s.serialize()).getNormalizedRankError(false)).toBe(
      s.getNormalizedRankError(false),
    );
  });

  it("merging a larger-k sketch keeps this k", () => {
    const a = new KllDoublesSketch(100);
    const b = new KllDoublesSketch(400);
    for (let i = 0; i < 5000; i++) {
      a.update(i);
      b.update(-i);
    }
    a.merge(b);
    expect(a.getK()).toBe(100);
    expect(a.getN()).toBe(10000);
    expect(a.getMinItem()).toBe(-4999);
    expect(a.getMaxItem()).toBe(4999);
    expect(KllDoublesSketch.deserialize(a.serialize()).serialize()).toEqual(a.serialize());
  });
});
