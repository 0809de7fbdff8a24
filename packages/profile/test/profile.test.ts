import { KllDoublesSketch } from "@sightglass/sketches";
import {
  Bool,
  Dictionary,
  Float16,
  Float64,
  Int32,
  Int64,
  Null,
  Table,
  TimestampMillisecond,
  Utf8,
  tableFromArrays,
  vectorFromArray,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { DatasetProfile, DatasetProfileView, DatasetSchema, ProfileError } from "../src/index.js";
import type { FrequentItemSummary, ProfileSummary } from "../src/index.js";
import { SUMMARY_KEYS } from "./support/summary-keys.js";

function keysOf(...namespaces: (keyof typeof SUMMARY_KEYS)[]): string[] {
  return namespaces.flatMap((n) => SUMMARY_KEYS[n]).sort();
}

/** xorshift32 in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function exactRank(sorted: Float64Array, x: number): [lo: number, hi: number] {
  // Fraction of values < x and ≤ x: any rank in between is a correct rank for x.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  let upper = lo;
  while (upper < sorted.length && sorted[upper] === x) upper++;
  return [lo / sorted.length, upper / sorted.length];
}

describe("metric selection and summary keys", () => {
  const p = new DatasetProfile();
  p.track({
    f: new Float64Array([1.5, 2.5, NaN, Infinity]),
    i: new Int32Array([1, 2, 3, 4]),
    s: ["a", "b", null, "c"],
    b: [true, false, true, null],
    d: [new Date(0), new Date(1), null, new Date(2)],
  });
  const summary = p.view().toSummary();

  it("gives each column type whylogs' standard metrics and exactly the to_summary_dict keys", () => {
    expect(Object.keys(summary.f!).sort()).toEqual(keysOf("counts", "types", "distribution", "cardinality"));
    expect(Object.keys(summary.i!).sort()).toEqual(
      keysOf("counts", "types", "distribution", "ints", "cardinality", "frequent_items"),
    );
    expect(Object.keys(summary.s!).sort()).toEqual(
      keysOf("counts", "types", "distribution", "cardinality", "frequent_items"),
    );
    // Booleans resolve to integral, as in whylogs.
    expect(Object.keys(summary.b!).sort()).toEqual(Object.keys(summary.i!).sort());
    expect(Object.keys(summary.d!).sort()).toEqual(keysOf("counts", "types"));
  });

  it("counts NaN as null and nan, ±inf as fractional and inf", () => {
    expect(summary.f).toMatchObject({
      "counts/n": 4,
      "counts/null": 1,
      "counts/nan": 1,
      "counts/inf": 1,
      "types/fractional": 3,
      "distribution/n": 3,
    });
  });

  it("counts booleans, their trues, and feeds them to the distribution as 1/0", () => {
    expect(summary.b).toMatchObject({
      "counts/n": 4,
      "counts/null": 1,
      "counts/true": 2,
      "types/boolean": 3,
      "distribution/n": 3,
      "distribution/mean": 2 / 3,
      // whylogs writes its ±sys.maxsize sentinels when a column has no integers (±2^63 as doubles).
      "ints/max": -(2 ** 63),
      "ints/min": 2 ** 63,
    });
    const fi = summary.b!["frequent_items/frequent_strings"] as FrequentItemSummary[];
    expect(fi.map((r) => [r.value, r.est])).toEqual([
      ["True", 2],
      ["False", 1],
    ]);
  });

  it("counts dates as objects and leaves strings out of the distribution", () => {
    expect(summary.d).toMatchObject({ "counts/n": 4, "counts/null": 1, "types/object": 3 });
    expect(summary.s).toMatchObject({ "types/string": 3, "distribution/n": 0, "distribution/median": null });
  });

  it("keeps n = null + Σ types", () => {
    for (const col of Object.values(summary)) {
      const types = SUMMARY_KEYS.types.reduce((acc, k) => acc + (col[k] as number), 0);
      expect(col["counts/n"]).toBe((col["counts/null"] as number) + types);
    }
  });
});

describe("values that are not numbers, strings or booleans", () => {
  it("counts functions, symbols, deep objects and bigints outside int64 as objects, never throws", () => {
    const p = new DatasetProfile({ schema: { columns: { x: { type: "string" } } } });
    p.track({
      x: [
        () => 1,
        Symbol("s"),
        { a: { b: { c: 1 } } },
        2n ** 70n,
        [1, 2, 3],
        new Float32Array(2),
        [{}],
        "ok",
      ],
    });
    expect(p.view().toSummary().x).toMatchObject({
      "counts/n": 8,
      "types/object": 5,
      "types/tensor": 2,
      "types/string": 1,
    });
  });

  it("rejects a non-object row with a typed error and tracks nothing from that batch", () => {
    const p = new DatasetProfile();
    p.track([{ a: 1 }]);
    expect(() => p.track([{ a: 2 }, 5 as unknown as Record<string, unknown>])).toThrow(
      expect.objectContaining({
        name: "ProfileError",
        kind: "invalid-argument",
        message: expect.stringContaining("row 1"),
      }),
    );
    expect(p.view().toSummary().a!["counts/n"]).toBe(1);
  });

  it("rejects columns of unequal length before tracking any of them", () => {
    const p = new DatasetProfile();
    expect(() => p.track({ a: [1, 2], b: [1] })).toThrow(ProfileError);
    expect(p.view().columnNames()).toEqual([]);
  });
});

describe("distribution statistics", () => {
  const N = 50_000;
  const r = rng(11);
  const values = new Float64Array(N);
  for (let i = 0; i < N; i++) values[i] = Math.exp(2 * r()) * (r() < 0.5 ? -1 : 1);
  const p = new DatasetProfile();
  // Several batches of uneven size, so mean/M2 go through the parallel combination.
  for (const [a, b] of [
    [0, 1],
    [1, 1000],
    [1000, 1001],
    [1001, 30_000],
    [30_000, N],
  ] as const) {
    p.track({ x: values.subarray(a, b) });
  }
  const s = p.view().toSummary().x!;

  it("mean and stddev match the exact sample statistics", () => {
    let sum = 0;
    for (const v of values) sum += v;
    const mean = sum / N;
    let m2 = 0;
    for (const v of values) m2 += (v - mean) ** 2;
    expect(s["distribution/mean"]).toBeCloseTo(mean, 12);
    expect(s["distribution/stddev"] as number).toBeCloseTo(Math.sqrt(m2 / (N - 1)), 10);
    expect(s["distribution/min"]).toBe(Math.min(...values));
    expect(s["distribution/max"]).toBe(Math.max(...values));
  });

  it("quantiles are within the KLL rank error of the exact ranks", () => {
    const sorted = Float64Array.from(values).sort();
    // Single-query normalized rank error for k = 1024 (≈ 0.33%, 99% confidence), from the sketch itself.
    const eps = new KllDoublesSketch(1024).getNormalizedRankError(false);
    const ranks: [string, number][] = [
      ["distribution/q_01", 0.01],
      ["distribution/q_25", 0.25],
      ["distribution/median", 0.5],
      ["distribution/q_90", 0.9],
      ["distribution/q_99", 0.99],
    ];
    for (const [key, rank] of ranks) {
      const [lo, hi] = exactRank(sorted, s[key] as number);
      expect(rank, key).toBeGreaterThanOrEqual(lo - eps);
      expect(rank, key).toBeLessThanOrEqual(hi + eps);
    }
  });

  it("NaN never reaches mean or M2 (whylogs' row logging lets it turn the mean into NaN)", () => {
    const q = new DatasetProfile();
    q.track([{ x: 1.5 }, { x: NaN }, { x: 2.5 }]);
    expect(q.view().toSummary().x).toMatchObject({
      "distribution/mean": 2,
      "counts/nan": 1,
      "counts/null": 1,
    });
  });
});

describe("type inference", () => {
  it("resolves a column once, from its first non-null batch", () => {
    const p = new DatasetProfile();
    p.track([{ a: null }, { a: null }]);
    p.track([{ a: 1.25 }]);
    p.track([{ a: 3 }]);
    const a = p.view().toSummary().a!;
    expect(a).toMatchObject({ "counts/n": 4, "counts/null": 2, "types/fractional": 2, "distribution/n": 2 });
    expect("frequent_items/frequent_strings" in a).toBe(false);
  });

  it("a schema declaration overrides inference and may pick metrics and sketch sizes", () => {
    const schema = new DatasetSchema({
      columns: { id: { type: "string", metrics: ["cardinality"] }, x: { type: "fractional", kllK: 200 } },
    });
    const p = new DatasetProfile({ schema });
    p.track({ id: [1, 2, 3], x: [1, 2, 3] });
    const v = p.view();
    expect(v.column("id")!.metricNames()).toEqual(["cardinality", "counts", "types"]);
    expect(v.toSummary().id!["types/integral"]).toBe(3);
    expect(v.toSummary().x!["types/fractional"]).toBe(3);
  });

  it("rejects invalid schema declarations naming the column", () => {
    expect(() => new DatasetSchema({ columns: { a: { type: "float" as "fractional" } } })).toThrow(
      /column "a"/,
    );
    expect(() => new DatasetSchema({ columns: { a: { kllK: 3 } } })).toThrow(/kllK/);
    expect(() => new DatasetSchema({ columns: { a: { metrics: ["histogram" as "counts"] } } })).toThrow(
      /histogram/,
    );
  });
});

describe("input forms agree", () => {
  const n = 3000;
  const r = rng(5);
  const ints = Int32Array.from({ length: n }, () => Math.floor(r() * 50));
  const floats = Float64Array.from({ length: n }, (_, i) => (i % 17 === 0 ? NaN : r() * 100));
  const words = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : `w${Math.floor(r() * 40)}`));

  function summaryOf(track: (p: DatasetProfile) => void): ProfileSummary {
    const p = new DatasetProfile({ schema: { columns: { f: { type: "fractional" } } } });
    track(p);
    return p.view().toSummary();
  }

  it("row objects, a column object and an Arrow table give the same profile", () => {
    const columnar = summaryOf((p) => p.track({ i: ints, f: floats, w: words }));
    const rows = summaryOf((p) =>
      p.track(Array.from({ length: n }, (_, k) => ({ i: ints[k], f: floats[k], w: words[k] }))),
    );
    const single = summaryOf((p) => {
      for (let k = 0; k < n; k++) p.trackRow({ i: ints[k], f: floats[k], w: words[k] });
    });
    const arrow = summaryOf((p) =>
      p.track(
        tableFromArrays({
          i: ints,
          f: floats,
          w: words as string[],
        }),
      ),
    );
    expect(rows).toEqual(columnar);
    expect(single).toEqual(columnar);
    // Arrow keeps NaN in a float column as a value (validity says non-null), like pandas: null + nan.
    expect(arrow).toEqual(columnar);
  });
});

describe("merge", () => {
  function profileOf(values: number[], words: string[]): DatasetProfileView {
    const p = new DatasetProfile({ datasetTimestamp: 1000 + values.length });
    p.track({ x: values, w: words });
    return p.view();
  }

  it("splitting a stream anywhere gives the same counts and bounded sketch differences", () => {
    const r = rng(3);
    const xs = Array.from({ length: 6000 }, () => Math.round(r() * 1e6) / 100);
    const ws = xs.map((x) => `k${Math.floor(x) % 97}`);
    const whole = profileOf(xs, ws).toSummary();
    const eps = new KllDoublesSketch(1024).getNormalizedRankError(false);
    const sorted = Float64Array.from(xs).sort();
    for (const cut of [1, 777, 3000, 5999]) {
      const merged = profileOf(xs.slice(0, cut), ws.slice(0, cut))
        .merge(profileOf(xs.slice(cut), ws.slice(cut)))
        .toSummary();
      for (const col of ["x", "w"]) {
        for (const k of [...SUMMARY_KEYS.counts, ...SUMMARY_KEYS.types])
          expect(merged[col]![k], `${col} ${k}`).toBe(whole[col]![k]);
      }
      expect(merged.x!["distribution/mean"]).toBeCloseTo(whole.x!["distribution/mean"] as number, 9);
      expect(merged.x!["distribution/min"]).toBe(whole.x!["distribution/min"]);
      expect(merged.x!["distribution/max"]).toBe(whole.x!["distribution/max"]);
      const [lo, hi] = exactRank(sorted, merged.x!["distribution/median"] as number);
      expect(0.5).toBeGreaterThanOrEqual(lo - eps);
      expect(0.5).toBeLessThanOrEqual(hi + eps);
      // 97 distinct words: HLL is exact in its small-cardinality modes; frequent items hold every word.
      expect(merged.w!["cardinality/est"]).toBe(whole.w!["cardinality/est"]);
      expect(merged.w!["frequent_items/frequent_strings"]).toEqual(
        whole.w!["frequent_items/frequent_strings"],
      );
    }
  });

  it("is commutative and associative on counts, and keeps the earliest timestamps", () => {
    const a = profileOf([1, 2, 3], ["a", "b", "c"]);
    const b = profileOf([4, 5], ["a", "z"]);
    const c = profileOf([7], ["q"]);
    const ab_c = a.merge(b).merge(c);
    const a_bc = a.merge(b.merge(c));
    const ba = b.merge(a);
    for (const other of [a_bc, ba.merge(c)]) {
      const [s1, s2] = [ab_c.toSummary(), other.toSummary()];
      for (const col of ["x", "w"]) {
        for (const key of Object.keys(s1[col]!)) {
          // Floating-point sums depend on association order; everything else must be identical.
          if (key === "distribution/mean" || key === "distribution/stddev") {
            expect(s2[col]![key] as number).toBeCloseTo(s1[col]![key] as number, 12);
          } else {
            expect(s2[col]![key], `${col} ${key}`).toEqual(s1[col]![key]);
          }
        }
      }
    }
    expect(ab_c.datasetTimestamp).toBe(1001);
  });

  it("merging leaves both inputs unchanged", () => {
    const a = profileOf([1, 2, 3], ["a", "b", "c"]);
    const b = profileOf([4, 5], ["a", "z"]);
    const before = JSON.stringify(a.toSummary());
    a.merge(b);
    expect(JSON.stringify(a.toSummary())).toBe(before);
  });
});

describe("views are snapshots", () => {
  it("tracking after view() does not change the view", () => {
    const p = new DatasetProfile();
    p.track({ x: [1, 2, 3] });
    const v = p.view();
    p.track({ x: [4, 5, 6] });
    expect(v.toSummary().x!["counts/n"]).toBe(3);
    expect(p.view().toSummary().x!["counts/n"]).toBe(6);
  });
});

describe("Apache Arrow input", () => {
  const n = 2500;
  const r = rng(9);
  const ints = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : Math.floor(r() * 40) - 20));
  const floats = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i % 13 === 0 ? NaN : r() * 10));
  const ascii = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `k${Math.floor(r() * 30)}`));
  const unicode = Array.from({ length: n }, (_, i) => (i % 6 === 0 ? null : `ü${i % 9}😀`));
  const schema = { columns: { f: { type: "fractional" as const } } };

  function viaArrays(from: number, to: number): ProfileSummary {
    const p = new DatasetProfile({ schema });
    p.track({
      i: ints.slice(from, to),
      f: floats.slice(from, to),
      a: ascii.slice(from, to),
      u: unicode.slice(from, to),
    });
    return p.view().toSummary();
  }

  function table(from: number, to: number) {
    return new Table({
      i: vectorFromArray(ints.slice(from, to), new Int32()),
      f: vectorFromArray(floats.slice(from, to), new Float64()),
      a: vectorFromArray(ascii.slice(from, to), new Utf8()),
      u: vectorFromArray(unicode.slice(from, to), new Utf8()),
    });
  }

  it("reads nulls from validity bitmaps and strings from ASCII and non-ASCII chunks", () => {
    const p = new DatasetProfile({ schema });
    p.track(table(0, n));
    expect(p.view().toSummary()).toEqual(viaArrays(0, n));
    expect(p.view().toSummary().i!["counts/null"]).toBe(ints.filter((v) => v === null).length);
  });

  it("handles several record batches and sliced chunks with non-zero offsets", () => {
    const chunked = table(0, 1000).concat(table(1000, n));
    const sliced = chunked.slice(333, 2222);
    const p = new DatasetProfile({ schema });
    p.track(sliced);
    expect(p.view().toSummary()).toEqual(viaArrays(333, 2222));
  });
});

describe("Apache Arrow types without a typed-array twin", () => {
  const n = 3000;
  const big = (i: number): bigint => BigInt(i % 17) * 10n ** 17n - 7n; // beyond 2^53 for most i
  const int64 = Array.from({ length: n }, (_, i) =>
    i % 9 === 0 ? null : i % 4 === 0 ? big(i) : BigInt(i - 1500),
  );
  const bools = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : i % 3 === 0));
  const cities = Array.from({ length: n }, (_, i) =>
    i % 8 === 0 ? null : ["Oslo", "Lima", "Kyōto"][i % 3]!,
  );
  const times = Array.from({ length: n }, (_, i) => (i % 12 === 0 ? null : new Date(1.7e12 + i * 1000)));
  const schema = { columns: { b: { type: "integral" as const } } };

  function arrow(from: number, to: number) {
    return new Table({
      l: vectorFromArray(int64.slice(from, to), new Int64()),
      b: vectorFromArray(bools.slice(from, to), new Bool()),
      c: vectorFromArray(cities.slice(from, to), new Dictionary(new Utf8(), new Int32())),
      t: vectorFromArray(times.slice(from, to), new TimestampMillisecond()),
    });
  }

  function plain(from: number, to: number): ProfileSummary {
    const p = new DatasetProfile({ schema });
    p.track({
      // Plain bigints within 2^53 become numbers on the Arrow path too; beyond, they stay exact bigints.
      l: int64.slice(from, to).map((v) => (v === null || v > 2n ** 53n || v < -(2n ** 53n) ? v : Number(v))),
      b: bools.slice(from, to),
      c: cities.slice(from, to),
      t: times.slice(from, to),
    });
    return p.view().toSummary();
  }

  it("int64 (two-word reads), booleans (value bits), dictionaries and timestamps match plain arrays", () => {
    const p = new DatasetProfile({ schema });
    p.track(arrow(0, n));
    const s = p.view().toSummary();
    expect(s).toEqual(plain(0, n));
    expect(s.t).toMatchObject({ "types/object": n - Math.ceil(n / 12), "counts/null": Math.ceil(n / 12) });
    expect(s.l!["ints/max"]).toBe(Number(16n * 10n ** 17n - 7n));
  });

  it("the same across record batches and slices", () => {
    const p = new DatasetProfile({ schema });
    p.track(arrow(0, 1234).concat(arrow(1234, n)).slice(101, 2900));
    expect(p.view().toSummary()).toEqual(plain(101, 2900));
  });
});

describe("Apache Arrow float16 and null columns", () => {
  it("decodes float16 values instead of reading their bit patterns; counts every null-type value as null", () => {
    const halves = [0.5, -2, null, 1024, 0.099975586];
    const table = new Table({
      h: vectorFromArray(halves, new Float16()),
      z: vectorFromArray([null, null, null, null, null], new Null()),
    });
    const s = new DatasetProfile().track(table).view().toSummary();
    expect(s.h).toMatchObject({
      "counts/n": 5,
      "counts/null": 1,
      "types/fractional": 4,
      "distribution/max": 1024,
    });
    expect(s.h!["distribution/mean"]).toBeCloseTo((0.5 - 2 + 1024 + 0.099975586) / 4, 6);
    expect(s.z).toMatchObject({ "counts/n": 5, "counts/null": 5 });
  });
});

describe("ints at the ends of int64", () => {
  it("serializes the exact extremes, which doubles cannot hold, and reads them back", () => {
    const big = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 5n];
    const view = new DatasetProfile().track({ v: big }).view();
    expect(view.toSummary().v!["ints/max"]).toBe(2 ** 63);
    const components = DatasetProfileView.deserialize(view.serialize()).column("v")!.toComponents();
    expect(components.get("ints/max")).toMatchObject({ kind: "n", value: 9223372036854775807n });
    expect(components.get("ints/min")).toMatchObject({ kind: "n", value: -9223372036854775808n });
    // Merged with a profile of small ints, the big extremes stay exact.
    const merged = view.merge(new DatasetProfile().track({ v: [1, 2, 3] }).view());
    const again = DatasetProfileView.deserialize(merged.serialize()).column("v")!.toComponents();
    expect(again.get("ints/max")).toMatchObject({ value: 9223372036854775807n });
    const small = new DatasetProfile().track({ v: [9007199254740993n, 2n ** 60n] }).view();
    const smallMerged = small
      .merge(new DatasetProfile().track({ v: [-7] }).view())
      .column("v")!
      .toComponents();
    expect(smallMerged.get("ints/min")).toMatchObject({ value: -7n });
    expect(smallMerged.get("ints/max")).toMatchObject({ value: 2n ** 60n });
  });
});
