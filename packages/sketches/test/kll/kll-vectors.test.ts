import { describe, expect, it } from "vitest";
import { AlternatingBitSource, KllDoublesSketch, SketchError } from "../../src/index.js";
import { readVector, readVectorJson, requireShared } from "../support/shared.js";
import { firstDifference, uniformStream } from "../support/streams.js";

interface KllQueries {
  n: number;
  k: number;
  is_empty: boolean;
  is_estimation_mode: boolean;
  num_retained: number;
  normalized_rank_error_single: number;
  normalized_rank_error_pmf: number;
  ranks: number[];
  split_points: number[];
  min_item: number | null;
  max_item: number | null;
  quantiles_inclusive: number[] | null;
  quantiles_exclusive: number[] | null;
  rank_inclusive: number[] | null;
  rank_exclusive: number[] | null;
  cdf_inclusive: number[] | null;
  cdf_exclusive: number[] | null;
  pmf_inclusive: number[] | null;
  retained_items_with_weights?: [number, number][];
}

interface KllSidecar {
  queries: KllQueries;
}

const DIR = "datasketches";

function build(k: number, values: Float64Array): KllDoublesSketch {
  const s = new KllDoublesSketch(k, { bitSource: new AlternatingBitSource() });
  for (const x of values) s.update(x);
  return s;
}

function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(firstDifference(actual, expected)).toBeNull();
}

function expectRelClose(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

/** Compares every query of a sidecar exactly (normalized rank error with 1e-12 relative tolerance). */
function checkQueries(s: KllDoublesSketch, q: KllQueries): void {
  expect(s.getN()).toBe(q.n);
  expect(s.getK()).toBe(q.k);
  expect(s.isEmpty()).toBe(q.is_empty);
  expect(s.isEstimationMode()).toBe(q.is_estimation_mode);
  expect(s.getNumRetained()).toBe(q.num_retained);
  expectRelClose(s.getNormalizedRankError(false), q.normalized_rank_error_single);
  expectRelClose(s.getNormalizedRankError(true), q.normalized_rank_error_pmf);
  if (q.is_empty) {
    for (const f of [
      () => s.getMinItem(),
      () => s.getMaxItem(),
      () => s.getQuantile(0.5),
      () => s.getRank(0.5),
      () => s.getCDF([0.5]),
      () => s.getPMF([0.5]),
    ]) {
      expect(f).toThrowError(SketchError);
      try {
        f();
      } catch (e) {
        expect((e as SketchError).kind).toBe("empty-sketch");
      }
    }
    return;
  }
  expect(s.getMinItem()).toBe(q.min_item);
  expect(s.getMaxItem()).toBe(q.max_item);
  expect(s.getQuantiles(q.ranks)).toEqual(q.quantiles_inclusive);
  expect(s.getQuantiles(q.ranks, { inclusive: false })).toEqual(q.quantiles_exclusive);
  expect(q.ranks.map((r) => s.getQuantile(r))).toEqual(q.quantiles_inclusive);
  expect(q.split_points.map((x) => s.getRank(x))).toEqual(q.rank_inclusive);
  expect(q.split_points.map((x) => s.getRank(x, { inclusive: false }))).toEqual(q.rank_exclusive);
  expect(s.getCDF(q.split_points)).toEqual(q.cdf_inclusive);
  expect(s.getCDF(q.split_points, { inclusive: false })).toEqual(q.cdf_exclusive);
  expect(s.getPMF(q.split_points)).toEqual(q.pmf_inclusive);
}

describe("KLL reference vectors (datasketches-cpp, deterministic bits)", () => {
  if (!requireShared()) return;

  for (const k of [200, 256]) {
    for (const n of [0, 1, 10, 1000, 100000]) {
      const base = `kll_double_k${k}_n${n}`;
      describe(base, () => {
        const expected = readVector(DIR, `${base}.sk`);
        const sidecar = readVectorJson<KllSidecar>(DIR, `${base}.json`);
        const input = uniformStream(1, n);

        it("update() builds the exact image", () => {
          expectBytes(build(k, input).serialize(), expected);
        });

        it("updateMany() builds the exact image", () => {
          const s = new KllDoublesSketch(k, { bitSource: new AlternatingBitSource() });
          s.updateMany(input);
          expectBytes(s.serialize(), expected);
          expectBytes(s.serialize({ layout: "datasketches" }), expected);
        });

        it("deserialize → serialize reproduces the bytes", () => {
          expectBytes(KllDoublesSketch.deserialize(expected).serialize(), expected);
        });

        it("deserialized queries match the sidecar exactly", () => {
          checkQueries(KllDoublesSketch.deserialize(expected), sidecar.queries);
        });

        it("built sketch queries match the sidecar exactly", () => {
          checkQueries(build(k, input), sidecar.queries);
        });

        if (sidecar.queries.retained_items_with_weights !== undefined && n > 0) {
          it("retained items match (sorted view)", () => {
            const s = KllDoublesSketch.deserialize(expected);
            const items = sidecar.queries.retained_items_with_weights!.map(([x]) => x);
            // With one level, every retained item has weight 1: rank of each item i is (i + 1) / n.
            items.forEach((x, i) => expect(s.getRank(x)).toBe((i + 1) / n));
          });
        }
      });
    }
  }

  describe("whylogs fork layout", () => {
    for (const n of [0, 1, 10, 1000]) {
      const name = `kll_double_whylogs_k200_n${n}.sk`;
      it(`${name}: built image, round trip, and upstream equivalence`, () => {
        const expected = readVector(DIR, name);
        const upstream = readVector(DIR, `kll_double_k200_n${n}.sk`);
        const built = build(200, uniformStream(1, n));
        expectBytes(built.serialize({ layout: "whylogs" }), expected);
        const back = KllDoublesSketch.deserialize(expected);
        expectBytes(back.serialize({ layout: "whylogs" }), expected);
        expectBytes(back.serialize(), upstream);
        checkQueries(back, readVectorJson<KllSidecar>(DIR, `kll_double_k200_n${n}.json`).queries);
      });
    }
  });

  describe("merge vector", () => {
    it("A.merge(B) reproduces kll_double_k200_merge_result.sk", () => {
      const a = build(200, uniformStream(1, 100000));
      const b = build(200, uniformStream(2, 100000));
      expectBytes(a.serialize(), readVector(DIR, "kll_double_k200_merge_a.sk"));
      expectBytes(b.serialize(), readVector(DIR, "kll_double_k200_merge_b.sk"));
      a.setBitSource(new AlternatingBitSource());
      a.merge(b);
      const expected = readVector(DIR, "kll_double_k200_merge_result.sk");
      expectBytes(a.serialize(), expected);
      // b is unchanged by the merge.
      expectBytes(b.serialize(), readVector(DIR, "kll_double_k200_merge_b.sk"));
      const sidecar = readVectorJson<KllSidecar>(DIR, "kll_double_k200_merge_result.json");
      checkQueries(a, sidecar.queries);
    });

    it("merging deserialized inputs gives the same image", () => {
      const a = KllDoublesSketch.deserialize(readVector(DIR, "kll_double_k200_merge_a.sk"));
      const b = KllDoublesSketch.deserialize(readVector(DIR, "kll_double_k200_merge_b.sk"));
      a.setBitSource(new AlternatingBitSource());
      a.merge(b);
      const expected = readVector(DIR, "kll_double_k200_merge_result.sk");
      expectBytes(a.serialize(), expected);
      expectBytes(KllDoublesSketch.deserialize(expected).serialize(), expected);
    });
  });

  describe("after_query vector", () => {
    it("a query sorts level 0 and sets flag bit 1 in the next image", () => {
      const s = build(200, uniformStream(1, 1000));
      s.getQuantile(0.5);
      const expected = readVector(DIR, "kll_double_k200_n1000_after_query.sk");
      expect(expected[3]).toBe(2);
      expectBytes(s.serialize(), expected);
      const back = KllDoublesSketch.deserialize(expected);
      expectBytes(back.serialize(), expected);
      // The after_query sidecar only documents the header; the answers are those of the n=1000 sketch.
      expect(
        readVectorJson<{ header: { flags: number } }>(DIR, "kll_double_k200_n1000_after_query.json").header
          .flags,
      ).toBe(2);
      checkQueries(back, readVectorJson<KllSidecar>(DIR, "kll_double_k200_n1000.json").queries);
    });

    it("an update after the query clears the flag again", () => {
      const s = build(200, uniformStream(1, 1000));
      s.getRank(0.5);
      expect(s.serialize()[3]).toBe(2);
      s.update(0.5);
      expect(s.serialize()[3]).toBe(0);
    });

    it("a single-item sketch queried sets flags 0x06", () => {
      const s = build(200, uniformStream(1, 1));
      s.getQuantile(1);
      const img = s.serialize();
      expect(img[3]).toBe(6);
      expect(KllDoublesSketch.deserialize(img).serialize()).toEqual(img);
    });
  });

  describe("float vector", () => {
    it("kll_float_k200_n1000.sk deserializes (items widened from float) and answers the sidecar", () => {
      const bytes = readVector(DIR, "kll_float_k200_n1000.sk");
      const s = KllDoublesSketch.deserialize(bytes);
      checkQueries(s, readVectorJson<KllSidecar>(DIR, "kll_float_k200_n1000.json").queries);
      // Re-serialized as doubles: same structure, 8-byte items, stable from then on.
      const img = s.serialize();
      expect(img.length).toBe(20 + 4 * 3 + 8 * (s.getNumRetained() + 2));
      expect(KllDoublesSketch.deserialize(img).serialize()).toEqual(img);
    });

    it("building from the float-rounded stream gives the same state as the float image", () => {
      const input = uniformStream(1, 1000).map((x) => Math.fround(x));
      const built = build(200, input);
      const fromFloat = KllDoublesSketch.deserialize(readVector(DIR, "kll_float_k200_n1000.sk"));
      expect(built.serialize()).toEqual(fromFloat.serialize());
    });
  });
});
