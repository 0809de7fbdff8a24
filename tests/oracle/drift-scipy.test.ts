// Every drift method computed from profiles, against the same statistic computed by scipy/numpy on the raw
// values (exact counts in the same bins): for every generated pair, the sketch statistic lies within its
// stated bound of the raw-data one. whylogs' Hellinger bins are recomputed in Python from the raw data's
// min/max/n and must equal ours exactly.
import { describe, expect, it } from "vitest";
import {
  columnDrift,
  numericHistogramPair,
  quantileHistogramPair,
  categoricalHistogramPair,
} from "@sightglass/analysis";
import type { DriftMethod } from "@sightglass/analysis";
import { DatasetProfile } from "@sightglass/profile";
import type { DatasetProfileView, DistributionMetric, FrequentItemsMetric } from "@sightglass/profile";
import { rng } from "../../packages/analysis/test/support/samples.js";
import { float64ToBase64, ok, runOracle } from "./oracle-client.js";

/** Normal with a location/scale, or a two-component mixture. */
function sample(n: number, seed: number, mean = 0, sd = 1, mixture = 0): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
    return r() < mixture ? 3 + 0.5 * z : mean + sd * z;
  });
}

/** Zipf-like categories over `vocabulary` values; `rename` maps a category index to its value. */
function categories(n: number, vocabulary: number, seed: number, rename = (i: number) => `c${i}`): string[] {
  const r = rng(seed);
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < vocabulary; i++) cumulative.push((total += 1 / (i + 1)));
  return Array.from({ length: n }, () => {
    const u = r() * total;
    let lo = 0;
    let hi = vocabulary - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return rename(lo);
  });
}

const profile = (values: Float64Array | string[]): DatasetProfileView =>
  new DatasetProfile().track({ x: values }).view();

const NUMERIC_PAIRS: [string, Float64Array, Float64Array][] = [
  ["no drift", sample(200_000, 1), sample(150_000, 2)],
  ["location shift", sample(100_000, 3), sample(100_000, 4, 0.1)],
  ["scale shift", sample(80_000, 5), sample(60_000, 6, 0, 1.3)],
  ["mixture", sample(50_000, 7), sample(50_000, 8, 0, 1, 0.2)],
  ["small (exact sketches)", sample(800, 9), sample(600, 10, 0.25)],
];

const CATEGORICAL_PAIRS: [string, string[], string[]][] = [
  ["no drift", categories(50_000, 40, 11), categories(40_000, 40, 12)],
  ["category swap", categories(50_000, 40, 13), categories(50_000, 40, 14, (i) => `c${i < 2 ? 1 - i : i}`)],
  [
    "new category",
    categories(30_000, 40, 15),
    [...categories(27_000, 40, 16), ...Array<string>(3_000).fill("new")],
  ],
  [
    "no drift, 3k values (approximate sketches)",
    categories(100_000, 3_000, 17),
    categories(80_000, 3_000, 18),
  ],
  [
    "new category, 3k values (approximate sketches)",
    categories(100_000, 3_000, 19),
    [...categories(90_000, 3_000, 20), ...Array<string>(10_000).fill("new")],
  ],
];

type RawStatistics = Record<
  "hellinger" | "jensen_shannon" | "psi" | "linf" | "chi_square" | "chi_square_p",
  number
> & {
  edges?: number[];
};

const rawValue = (raw: RawStatistics, method: DriftMethod): number =>
  raw[method as keyof RawStatistics] as number;

const WHYLOGS_BINNED: DriftMethod[] = ["hellinger", "jensen_shannon", "linf"];
const QUANTILE_BINNED: DriftMethod[] = ["psi", "chi_square"];
const BINNED: DriftMethod[] = [...WHYLOGS_BINNED, ...QUANTILE_BINNED];

describe("binned drift on numbers vs numpy/scipy on the raw values", () => {
  it("puts every method's statistic within its bound of the raw-data statistic, for every pair", async () => {
    const commands = NUMERIC_PAIRS.flatMap(([, a, b]) => {
      const kll = (v: DatasetProfileView) =>
        (v.column("x")!.getMetric("distribution") as DistributionMetric).kll;
      const deciles = quantileHistogramPair(kll(profile(a)), kll(profile(b))).edges!;
      return [
        { op: "binned_numeric", a: float64ToBase64(a), b: float64ToBase64(b), edges: null },
        { op: "binned_numeric", a: float64ToBase64(a), b: float64ToBase64(b), edges: Array.from(deciles) },
      ];
    });
    const answers = await runOracle(commands, "scipy_oracle.py");
    NUMERIC_PAIRS.forEach(([name, a, b], i) => {
      const whylogsBinned = ok<RawStatistics>(answers[2 * i], `${name} whylogs bins`);
      const decileBinned = ok<RawStatistics>(answers[2 * i + 1], `${name} deciles`);
      const ref = profile(a);
      const tgt = profile(b);
      const kll = (v: DatasetProfileView) =>
        (v.column("x")!.getMetric("distribution") as DistributionMetric).kll;
      // Our whylogs bins are Python's, computed independently from the raw min/max/n.
      expect(Array.from(numericHistogramPair(kll(ref), kll(tgt)).edges!), `${name} edges`).toEqual(
        whylogsBinned.edges,
      );
      for (const method of BINNED) {
        const raw = WHYLOGS_BINNED.includes(method) ? whylogsBinned : decileBinned;
        const drift = columnDrift(ref.column("x")!, tgt.column("x")!, { method });
        const result = drift.result!;
        expect(result.method).toBe(method);
        const delta = Math.abs(result.statistic - rawValue(raw, method));
        expect(delta, `${name} ${method}: |Δ| ${delta} vs bound ${result.bound}`).toBeLessThanOrEqual(
          result.bound + 1e-9,
        );
        if (name.includes("exact")) {
          expect(result.bound, `${name} ${method}`).toBe(0);
          if (method === "chi_square")
            expect(Math.abs(result.pValue! - raw.chi_square_p)).toBeLessThanOrEqual(1e-9);
        }
      }
    });
  });
});

describe("binned drift on categories vs numpy/scipy on the raw values", () => {
  it("puts every method's statistic within its bound of the raw-data statistic, for every pair", async () => {
    const labelsOf = (a: string[], b: string[]) => {
      const fi = (v: DatasetProfileView) =>
        (v.column("x")!.getMetric("frequent_items") as FrequentItemsMetric).sketch;
      return categoricalHistogramPair(fi(profile(a)), fi(profile(b))).labels;
    };
    const answers = await runOracle(
      CATEGORICAL_PAIRS.map(([, a, b]) => ({ op: "binned_categorical", a, b, labels: labelsOf(a, b) })),
      "scipy_oracle.py",
    );
    CATEGORICAL_PAIRS.forEach(([name, a, b], i) => {
      const raw = ok<RawStatistics>(answers[i], name);
      const ref = profile(a);
      const tgt = profile(b);
      for (const method of BINNED) {
        const result = columnDrift(ref.column("x")!, tgt.column("x")!, { method }).result!;
        const delta = Math.abs(result.statistic - rawValue(raw, method));
        expect(delta, `${name} ${method}: |Δ| ${delta} vs bound ${result.bound}`).toBeLessThanOrEqual(
          result.bound + 1e-9,
        );
        if (!name.includes("approximate")) {
          expect(result.bound, `${name} ${method}`).toBe(0);
          if (method === "chi_square") {
            expect(Math.abs(result.pValue! - raw.chi_square_p), `${name} p`).toBeLessThanOrEqual(1e-9);
          }
        }
      }
    });
  });

  it("chooses chi-square for categories and KS for numbers at small sizes, distances at large ones", () => {
    const [, a, b] = CATEGORICAL_PAIRS[1]!;
    expect(columnDrift(profile(a).column("x")!, profile(b).column("x")!).result!.method).toBe(
      "jensen_shannon",
    );
    expect(
      columnDrift(profile(a.slice(0, 5000)).column("x")!, profile(b.slice(0, 5000)).column("x")!).result!
        .method,
    ).toBe("chi_square");
    const [, x, y] = NUMERIC_PAIRS[0]!;
    expect(columnDrift(profile(x).column("x")!, profile(y).column("x")!).result!.method).toBe("psi");
    expect(
      columnDrift(profile(x.subarray(0, 5000)).column("x")!, profile(y.subarray(0, 5000)).column("x")!)
        .result!.method,
    ).toBe("ks");
  });
});
