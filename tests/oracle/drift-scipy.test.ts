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
import { normalMixture, zipfCategories } from "../../packages/analysis/test/support/samples.js";
import { float64ToBase64, ok, runOracle } from "./oracle-client.js";

const profile = (values: Float64Array | string[]): DatasetProfileView =>
  new DatasetProfile().track({ x: values }).view();

const NUMERIC_PAIRS: [string, Float64Array, Float64Array][] = [
  ["no drift", normalMixture(200_000, 1), normalMixture(150_000, 2)],
  ["location shift", normalMixture(100_000, 3), normalMixture(100_000, 4, 0.1)],
  ["scale shift", normalMixture(80_000, 5), normalMixture(60_000, 6, 0, 1.3)],
  ["mixture", normalMixture(50_000, 7), normalMixture(50_000, 8, 0, 1, 0.2)],
  ["small (exact sketches)", normalMixture(800, 9), normalMixture(600, 10, 0.25)],
];

const CATEGORICAL_PAIRS: [string, string[], string[]][] = [
  ["no drift", zipfCategories(50_000, 40, 11), zipfCategories(40_000, 40, 12)],
  [
    "category swap",
    zipfCategories(50_000, 40, 13),
    zipfCategories(50_000, 40, 14, (i) => `v${i < 2 ? 1 - i : i}`),
  ],
  [
    "new category",
    zipfCategories(30_000, 40, 15),
    [...zipfCategories(27_000, 40, 16), ...Array<string>(3_000).fill("new")],
  ],
  [
    "no drift, 3k values (approximate sketches)",
    zipfCategories(100_000, 3_000, 17),
    zipfCategories(80_000, 3_000, 18),
  ],
  [
    "new category, 3k values (approximate sketches)",
    zipfCategories(100_000, 3_000, 19),
    [...zipfCategories(90_000, 3_000, 20), ...Array<string>(10_000).fill("new")],
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
