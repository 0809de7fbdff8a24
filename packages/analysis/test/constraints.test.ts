import { DatasetProfile } from "@sightglass/profile";
import type { DatasetProfileView } from "@sightglass/profile";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  CHECK_NAMES,
  checkConstraints,
  defaultConstraintName,
  parseConstraints,
  validateConstraints,
} from "../src/index.js";
import type { ConstraintResult, ConstraintSet } from "../src/index.js";
import { AnalysisError } from "../src/errors.js";

// Raw data the profile is built from; every expected value below is computed from these arrays, not read
// back from the profile.
const AGE = [23, 35, 41, 29, null, 52, 38, 61, 19, 44];
const PRICE = [12.5, 15.25, 9.75, 18, 22.5, 14, 16.75, 11.25, 13.5, 19];
const COUNTRY = ["US", "DE", "US", "FR", "US", "DE", "US", "DE", "US", "US"];
const ID = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const DUPLICATED = [1, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const DELTA = [-3, 5, 0, 2, -1, 4, 7, 1, 0, 3];
const SCORE = new Float64Array([0.5, NaN, 0.25, 0.75, 0.5, 0.125, 0.875, 0.5, 0.25, 1]);
const FLAG = [true, false, true, true, null, false, true, true, false, true];
const MIXED = [1, "a", 2, "b", 3, 4, "c", 5, 6, 7];
const WHEN = ID.map((i) => new Date(Date.UTC(2024, 0, i)));

const view = new DatasetProfile()
  .track({
    age: AGE,
    price: PRICE,
    country: COUNTRY,
    id: ID,
    duplicated: DUPLICATED,
    delta: DELTA,
    score: SCORE,
    flag: FLAG,
    mixed: MIXED,
    when: WHEN,
  })
  .view();

const numbers = (values: readonly unknown[]): number[] =>
  values.filter((v): v is number => typeof v === "number" && !Number.isNaN(v));

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function sampleStddev(values: readonly number[]): number {
  const m = mean(values);
  let m2 = 0;
  for (const v of values) m2 += (v - m) * (v - m);
  return Math.sqrt(m2 / (values.length - 1));
}

/** whylogs' quantile rule on raw data: the item at index floor(q·n) of the sorted values, min/max at 0/1. */
function whylogsQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (q === 0) return sorted[0]!;
  if (q === 1) return sorted[sorted.length - 1]!;
  return sorted[Math.min(Math.floor(q * sorted.length), sorted.length - 1)]!;
}

function itemCounts(values: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function run(target: DatasetProfileView, constraint: Record<string, unknown>): ConstraintResult {
  const report = checkConstraints(target, validateConstraints({ constraints: [constraint] }));
  expect(report.total).toBe(1);
  return report.results[0]!;
}

function configError(action: () => unknown): AnalysisError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AnalysisError);
    return error as AnalysisError;
  }
  throw new Error("expected an AnalysisError");
}

const ages = numbers(AGE);
const prices = numbers(PRICE);
const minAge = Math.min(...ages);
const maxAge = Math.max(...ages);
const meanAge = mean(ages);
const stddevPrice = sampleStddev(prices);
const distinctCountries = new Set(COUNTRY).size;
const countryCounts = itemCounts(COUNTRY);
const [first, second, third] = countryCounts.map(([value]) => value);
const ageNulls = AGE.filter((v) => v === null).length;

interface Case {
  readonly doc: Record<string, unknown>;
  readonly passed: boolean;
  readonly actual: unknown;
}

const cases: Case[] = [
  { doc: { check: "greater_than_number", column: "age", number: minAge - 1 }, passed: true, actual: minAge },
  // Strict, as whylogs' `min > number`.
  { doc: { check: "greater_than_number", column: "age", number: minAge }, passed: false, actual: minAge },
  { doc: { check: "smaller_than_number", column: "age", number: maxAge + 1 }, passed: true, actual: maxAge },
  { doc: { check: "smaller_than_number", column: "age", number: maxAge }, passed: false, actual: maxAge },
  {
    doc: { check: "is_in_range", column: "age", lower: minAge, upper: maxAge },
    passed: true,
    actual: { min: minAge, max: maxAge },
  },
  {
    doc: { check: "is_in_range", column: "age", lower: minAge + 1, upper: maxAge },
    passed: false,
    actual: { min: minAge, max: maxAge },
  },
  {
    doc: { check: "is_in_range", column: "age", lower: minAge, upper: maxAge - 1 },
    passed: false,
    actual: { min: minAge, max: maxAge },
  },
  { doc: { check: "is_non_negative", column: "age" }, passed: true, actual: minAge },
  { doc: { check: "is_non_negative", column: "delta" }, passed: false, actual: Math.min(...DELTA) },
  {
    doc: { check: "mean_between_range", column: "age", lower: meanAge - 1e-9, upper: meanAge + 1e-9 },
    passed: true,
    actual: expect.closeTo(meanAge, 12),
  },
  {
    doc: { check: "mean_between_range", column: "age", lower: meanAge + 0.01, upper: 100 },
    passed: false,
    actual: expect.closeTo(meanAge, 12),
  },
  {
    doc: { check: "mean_between_range", column: "age", lower: 0, upper: meanAge - 0.01 },
    passed: false,
    actual: expect.closeTo(meanAge, 12),
  },
  {
    doc: {
      check: "stddev_between_range",
      column: "price",
      lower: stddevPrice - 1e-9,
      upper: stddevPrice + 1e-9,
    },
    passed: true,
    actual: expect.closeTo(stddevPrice, 12),
  },
  {
    doc: { check: "stddev_between_range", column: "price", lower: 0, upper: stddevPrice - 0.01 },
    passed: false,
    actual: expect.closeTo(stddevPrice, 12),
  },
  ...[0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].flatMap((quantile): Case[] => {
    const value = whylogsQuantile(prices, quantile);
    return [
      {
        doc: { check: "quantile_between_range", column: "price", quantile, lower: value, upper: value },
        passed: true,
        actual: value,
      },
      {
        doc: { check: "quantile_between_range", column: "price", quantile, lower: value + 0.001, upper: 100 },
        passed: false,
        actual: value,
      },
    ];
  }),
  { doc: { check: "no_missing_values", column: "id" }, passed: true, actual: 0 },
  { doc: { check: "no_missing_values", column: "age" }, passed: false, actual: ageNulls },
  // NaN is a missing value.
  { doc: { check: "no_missing_values", column: "score" }, passed: false, actual: 1 },
  // whylogs' `n <= number`, nulls included in n.
  {
    doc: { check: "count_below_number", column: "age", number: AGE.length },
    passed: true,
    actual: AGE.length,
  },
  {
    doc: { check: "count_below_number", column: "age", number: AGE.length - 1 },
    passed: false,
    actual: AGE.length,
  },
  {
    doc: { check: "null_values_below_number", column: "age", number: ageNulls + 1 },
    passed: true,
    actual: ageNulls,
  },
  {
    doc: { check: "null_values_below_number", column: "age", number: ageNulls },
    passed: false,
    actual: ageNulls,
  },
  {
    doc: { check: "null_percentage_below_number", column: "age", number: ageNulls / AGE.length },
    passed: true,
    actual: ageNulls / AGE.length,
  },
  {
    doc: { check: "null_percentage_below_number", column: "age", number: ageNulls / AGE.length - 0.01 },
    passed: false,
    actual: ageNulls / AGE.length,
  },
  {
    doc: {
      check: "distinct_number_in_range",
      column: "country",
      lower: distinctCountries,
      upper: distinctCountries,
    },
    passed: true,
    actual: distinctCountries,
  },
  {
    doc: { check: "distinct_number_in_range", column: "country", lower: distinctCountries + 1, upper: 10 },
    passed: false,
    actual: distinctCountries,
  },
  {
    doc: { check: "distinct_number_in_range", column: "country", lower: 0, upper: distinctCountries - 1 },
    passed: false,
    actual: distinctCountries,
  },
  {
    doc: { check: "column_is_probably_unique", column: "id" },
    passed: true,
    actual: expect.objectContaining({ count: ID.length }),
  },
  {
    doc: { check: "column_is_probably_unique", column: "duplicated" },
    passed: false,
    actual: expect.objectContaining({ count: DUPLICATED.length }),
  },
  // whylogs compares counts/n, which includes nulls: a column with a null is never unique.
  {
    doc: { check: "column_is_probably_unique", column: "age" },
    passed: false,
    actual: expect.objectContaining({ count: AGE.length }),
  },
  {
    doc: {
      check: "frequent_strings_in_reference_set",
      column: "country",
      reference_set: [...new Set(COUNTRY)],
    },
    passed: true,
    actual: [],
  },
  {
    doc: { check: "frequent_strings_in_reference_set", column: "country", reference_set: [first, second] },
    passed: false,
    actual: [third],
  },
  // Integers are spelt in decimal, as frequent items record them.
  {
    doc: { check: "frequent_strings_in_reference_set", column: "id", reference_set: ID },
    passed: true,
    actual: [],
  },
  {
    doc: { check: "frequent_strings_in_reference_set", column: "id", reference_set: ID.slice(1) },
    passed: false,
    actual: [String(ID[0])],
  },
  {
    doc: { check: "n_most_common_items_in_set", column: "country", n: 2, reference_set: [first, second] },
    passed: true,
    actual: [],
  },
  {
    doc: { check: "n_most_common_items_in_set", column: "country", n: 2, reference_set: [first, third] },
    passed: false,
    actual: [second],
  },
  {
    doc: { check: "n_most_common_items_in_set", column: "country", n: 3, reference_set: [first, second] },
    passed: false,
    actual: [third],
  },
  {
    doc: { check: "column_is_nullable_integral", column: "age" },
    passed: true,
    actual: { integral: ages.length },
  },
  {
    doc: { check: "column_is_nullable_integral", column: "country" },
    passed: false,
    actual: { integral: 0, string: COUNTRY.length },
  },
  {
    doc: { check: "column_is_nullable_fractional", column: "price" },
    passed: true,
    actual: { fractional: PRICE.length },
  },
  {
    doc: { check: "column_is_nullable_fractional", column: "age" },
    passed: false,
    actual: { fractional: 0, integral: ages.length },
  },
  {
    doc: { check: "column_is_nullable_boolean", column: "flag" },
    passed: true,
    actual: { boolean: FLAG.filter((v) => v !== null).length },
  },
  {
    doc: { check: "column_is_nullable_boolean", column: "id" },
    passed: false,
    actual: { boolean: 0, integral: ID.length },
  },
  {
    doc: { check: "column_is_nullable_string", column: "country" },
    passed: true,
    actual: { string: COUNTRY.length },
  },
  {
    doc: { check: "column_is_nullable_string", column: "mixed" },
    passed: false,
    actual: { string: 3, integral: 7 },
  },
  {
    doc: { check: "column_is_nullable_object", column: "when" },
    passed: true,
    actual: { object: WHEN.length },
  },
  {
    doc: { check: "column_is_nullable_object", column: "price" },
    passed: false,
    actual: { object: 0, fractional: PRICE.length },
  },
  {
    doc: { check: "column_is_nullable_datatype", column: "id", datatype: "integral" },
    passed: true,
    actual: { integral: ID.length },
  },
  {
    doc: { check: "column_is_nullable_datatype", column: "mixed", datatype: "integral" },
    passed: false,
    actual: { integral: 7, string: 3 },
  },
  {
    doc: { check: "column_has_non_zero_types", column: "mixed", types_list: ["integral", "string"] },
    passed: true,
    actual: { integral: 7, string: 3 },
  },
  {
    doc: { check: "column_has_non_zero_types", column: "mixed", types_list: ["integral", "boolean"] },
    passed: false,
    actual: { integral: 7, boolean: 0 },
  },
  {
    doc: { check: "column_has_zero_count_types", column: "age", types_list: ["string", "object"] },
    passed: true,
    actual: { string: 0, object: 0 },
  },
  {
    doc: { check: "column_has_zero_count_types", column: "mixed", types_list: ["fractional", "string"] },
    passed: false,
    actual: { fractional: 0, string: 3 },
  },
  { doc: { check: "column_exists", column: "age" }, passed: true, actual: true },
  { doc: { check: "column_exists", column: "height" }, passed: false, actual: false },
  { doc: { check: "columns_present", columns: ["age", "id"] }, passed: true, actual: [] },
  {
    doc: { check: "columns_present", columns: ["age", "height", "weight"] },
    passed: false,
    actual: ["height", "weight"],
  },
];

describe("checkConstraints: every check against values computed from the raw data", () => {
  it("covers every check, passing and failing", () => {
    for (const passed of [true, false]) {
      const covered = new Set(cases.filter((c) => c.passed === passed).map((c) => c.doc["check"]));
      expect([...covered].sort()).toEqual([...CHECK_NAMES].sort());
    }
  });

  it.each(cases.map((c) => [`${String(c.doc["check"])} ${JSON.stringify(c.doc)}`, c] as const))(
    "%s",
    (_, { doc, passed, actual }) => {
      const result = run(view, doc);
      expect(result.passed).toBe(passed);
      expect(result.actual).toEqual(actual);
      expect(result.check).toBe(doc["check"]);
      expect(result.column).toBe(doc["column"] ?? null);
      expect(result.uncertain).toBe(false);
      expect(result.message.length).toBeGreaterThan(0);
    },
  );

  it("reads the quantile whylogs' summary reports", () => {
    const summary = view.toSummary().price!;
    expect(
      run(view, { check: "quantile_between_range", column: "price", quantile: 0.5, lower: 0, upper: 99 }),
    ).toMatchObject({ actual: summary["distribution/median"], passed: true });
    expect(summary["distribution/median"]).toBe(whylogsQuantile(prices, 0.5));
  });

  it("writes one clear sentence per verdict", () => {
    const older = new DatasetProfile().track({ age: [70, 71, 72, 72, 71] }).view();
    expect(run(older, { check: "mean_between_range", column: "age", lower: 18, upper: 65 }).message).toBe(
      "mean of 'age' is 71.2, outside [18, 65]",
    );
    expect(run(older, { check: "mean_between_range", column: "age", lower: 18, upper: 75 }).message).toBe(
      "mean of 'age' is 71.2, inside [18, 75]",
    );
    expect(run(view, { check: "greater_than_number", column: "age", number: minAge }).message).toBe(
      `min of 'age' is ${minAge}, not greater than ${minAge}`,
    );
    expect(run(view, { check: "no_missing_values", column: "age" }).message).toBe(
      `'age' has ${ageNulls} missing values (null or NaN)`,
    );
    expect(
      run(view, {
        check: "frequent_strings_in_reference_set",
        column: "country",
        reference_set: [first, second],
      }).message,
    ).toBe(`frequent strings of 'country' not in the reference set: ${JSON.stringify(third)}`);
    expect(
      run(view, {
        check: "frequent_strings_in_reference_set",
        column: "country",
        reference_set: [...new Set(COUNTRY)],
      }).message,
    ).toBe("frequent strings of 'country' are all in the reference set");
    expect(
      run(view, {
        check: "distinct_number_in_range",
        column: "country",
        lower: distinctCountries,
        upper: distinctCountries,
      }).message,
    ).toBe(
      `estimated distinct count of 'country' is ${distinctCountries}, inside [${distinctCountries}, ${distinctCountries}]`,
    );
    expect(
      run(view, { check: "quantile_between_range", column: "price", quantile: 0.5, lower: 0, upper: 10 })
        .message,
    ).toBe(`quantile 0.5 of 'price' is ${whylogsQuantile(prices, 0.5)}, outside [0, 10]`);
    expect(run(view, { check: "column_is_probably_unique", column: "age" }).message).toMatch(
      /^'age' has 10 values \(nulls included\) and about 9 distinct .*: probably not unique$/,
    );
    expect(run(view, { check: "column_is_nullable_string", column: "mixed" }).message).toBe(
      "'mixed' has 3 string values but also 7 integral",
    );
    expect(run(view, { check: "columns_present", columns: ["age", "height"] }).message).toBe(
      'columns missing from the profile: "height"',
    );
  });

  it("prints every digit when rounding would show the bound itself", () => {
    const edge = new DatasetProfile().track({ x: [65, 65.0000003] }).view();
    const result = run(edge, { check: "mean_between_range", column: "x", lower: 18, upper: 65 });
    expect(result.passed).toBe(false);
    expect(result.message).not.toMatch(/is 65,/);
    expect(result.message).toContain(`is ${String(result.actual)},`);
  });

  it("computes the null ratio of an empty column as 0 instead of dividing by zero", () => {
    const empty = new DatasetProfile().track({ x: [1] }).view();
    const withEmpty = empty.merge(new DatasetProfile().track({ y: [] as number[] }).view());
    const result = run(withEmpty, { check: "null_percentage_below_number", column: "y", number: 0 });
    expect(result).toMatchObject({ passed: true, actual: 0 });
  });
});

describe("checkConstraints: missing columns and metrics", () => {
  it.each([
    { check: "mean_between_range", column: "height", lower: 0, upper: 1 },
    { check: "quantile_between_range", column: "height", quantile: 0.5, lower: 0, upper: 1 },
    { check: "no_missing_values", column: "height" },
    { check: "distinct_number_in_range", column: "height", lower: 0, upper: 1 },
    { check: "frequent_strings_in_reference_set", column: "height", reference_set: ["a"] },
    { check: "column_is_nullable_string", column: "height" },
    { check: "column_is_probably_unique", column: "height" },
  ])("$check fails, without throwing, on a column that is not in the profile", (doc) => {
    expect(run(view, doc)).toMatchObject({
      passed: false,
      actual: null,
      uncertain: false,
      message: "column 'height' is not in the profile",
    });
  });

  it.each([
    [
      { check: "mean_between_range", column: "when", lower: 0, upper: 1 },
      /'when' has no distribution metric, which mean_between_range reads/,
    ],
    [{ check: "is_non_negative", column: "when" }, /'when' has no distribution metric/],
    [
      { check: "distinct_number_in_range", column: "when", lower: 0, upper: 1 },
      /'when' has no cardinality metric/,
    ],
    [{ check: "column_is_probably_unique", column: "when" }, /'when' has no cardinality metric/],
    [
      { check: "frequent_strings_in_reference_set", column: "price", reference_set: ["a"] },
      /'price' has no frequent_items metric/,
    ],
    [
      { check: "n_most_common_items_in_set", column: "price", n: 1, reference_set: ["a"] },
      /'price' has no frequent_items metric/,
    ],
    // A string column carries a distribution metric, but it holds no numbers.
    [
      { check: "mean_between_range", column: "country", lower: 0, upper: 1 },
      /'country' has no numeric values: its distribution metric.*is empty/,
    ],
    [
      { check: "quantile_between_range", column: "country", quantile: 0.5, lower: 0, upper: 1 },
      /distribution metric.*is empty/,
    ],
  ])("%j fails naming the missing metric", (doc, message) => {
    const result = run(view, doc);
    expect(result).toMatchObject({ passed: false, actual: null, uncertain: false });
    expect(result.message).toMatch(message);
  });
});

describe("checkConstraints: uncertainty from the sketches", () => {
  const N = 200_000;
  const bigView = new DatasetProfile()
    .track({ x: Float64Array.from({ length: N }, (_, i) => i) })
    .track({ id: Int32Array.from({ length: 5_000 }, (_, i) => i) })
    .view();

  it("flags a quantile whose bound lies within the KLL rank error", () => {
    const rawMedian = whylogsQuantile(
      Array.from({ length: N }, (_, i) => i),
      0.5,
    );
    const sketchMedian = bigView.toSummary().x!["distribution/median"] as number;
    const below = run(bigView, {
      check: "quantile_between_range",
      column: "x",
      quantile: 0.5,
      lower: 0,
      upper: rawMedian,
    });
    const above = run(bigView, {
      check: "quantile_between_range",
      column: "x",
      quantile: 0.5,
      lower: rawMedian,
      upper: N,
    });
    // The raw data passes both; the sketch's median is off, so one of them can fail — but neither is certain.
    for (const result of [below, above]) {
      expect(result.actual).toBe(sketchMedian);
      expect(result.uncertain).toBe(true);
      expect(result.message).toMatch(/rank error.*could flip/);
    }
    expect(below.passed).toBe(sketchMedian <= rawMedian);
    expect(above.passed).toBe(sketchMedian >= rawMedian);
    expect(sketchMedian).not.toBe(rawMedian);
  });

  it("does not flag a quantile far from its bounds, or one read from an exact sketch", () => {
    expect(
      run(bigView, {
        check: "quantile_between_range",
        column: "x",
        quantile: 0.5,
        lower: 0,
        upper: N * 0.75,
      }),
    ).toMatchObject({ passed: true, uncertain: false });
    expect(
      run(bigView, {
        check: "quantile_between_range",
        column: "x",
        quantile: 0.5,
        lower: N * 0.75,
        upper: N,
      }),
    ).toMatchObject({ passed: false, uncertain: false });
    const median = whylogsQuantile(prices, 0.5);
    expect(
      run(view, {
        check: "quantile_between_range",
        column: "price",
        quantile: 0.5,
        lower: median,
        upper: median,
      }),
    ).toMatchObject({ passed: true, uncertain: false });
  });

  it("flags a distinct-count range that the HLL's 2-sigma bounds straddle", () => {
    const summary = bigView.toSummary({ hllStdDevs: 2 }).id!;
    const lower2 = summary["cardinality/lower_2"] as number;
    const upper2 = summary["cardinality/upper_2"] as number;
    expect(lower2).toBeLessThan(5_000);
    expect(upper2).toBeGreaterThan(5_000);
    const atTruth = run(bigView, { check: "distinct_number_in_range", column: "id", lower: 0, upper: 5_000 });
    expect(atTruth.actual).toBe(Math.round(summary["cardinality/est"] as number));
    expect(atTruth.uncertain).toBe(true);
    expect(atTruth.message).toMatch(/2-sigma bounds .* straddle/);
    expect(
      run(bigView, {
        check: "distinct_number_in_range",
        column: "id",
        lower: 0,
        upper: Math.floor(lower2) - 1,
      }),
    ).toMatchObject({ passed: false, uncertain: false });
    expect(
      run(bigView, {
        check: "distinct_number_in_range",
        column: "id",
        lower: 0,
        upper: Math.ceil(upper2) + 1,
      }),
    ).toMatchObject({ passed: true, uncertain: false });
  });

  it("applies whylogs' probably-unique rule and flags it while the HLL is estimating", () => {
    const summary = bigView.toSummary().id!;
    const result = run(bigView, { check: "column_is_probably_unique", column: "id" });
    const expected =
      (summary["cardinality/lower_1"] as number) <= 5_000 &&
      5_000 <= (summary["cardinality/upper_1"] as number);
    expect(result.passed).toBe(expected);
    expect(result.uncertain).toBe(true);
    expect(run(view, { check: "column_is_probably_unique", column: "id" }).uncertain).toBe(false);
  });

  it("flags frequent-item checks once the sketch has purged counts", () => {
    const values = Array.from({ length: 5_000 }, (_, i) => `v${i % 2_000}`);
    const purged = new DatasetProfile().track({ s: values }).view();
    // Only v0 is allowed, yet it passes: no value is frequent enough to be listed without false positives.
    const result = run(purged, {
      check: "frequent_strings_in_reference_set",
      column: "s",
      reference_set: ["v0"],
    });
    expect(result).toMatchObject({ passed: true, uncertain: true, actual: [] });
    expect(result.message).toMatch(/approximate/);
    expect(
      run(purged, { check: "n_most_common_items_in_set", column: "s", n: 1, reference_set: ["v0"] })
        .uncertain,
    ).toBe(true);
  });
});

const EXAMPLE_YAML = `# a whylogs-style constraint document
constraints:
  - column: age
    check: no_missing_values
  - column: age
    check: mean_between_range
    lower: 18
    upper: 65
  - column: price
    check: quantile_between_range
    quantile: 0.5
    lower: 10
    upper: 20
  - column: country
    check: frequent_strings_in_reference_set
    reference_set: [US, DE]
    name: known markets only
  - check: column_exists      # dataset-level
    column: id
`;

const EXAMPLE_JSON = `{
  "constraints": [
    { "column": "age", "check": "no_missing_values" },
    { "column": "age", "check": "mean_between_range", "lower": 18, "upper": 65 },
    { "column": "price", "check": "quantile_between_range", "quantile": 0.5, "lower": 10, "upper": 20 },
    {
      "column": "country",
      "check": "frequent_strings_in_reference_set",
      "reference_set": ["US", "DE"],
      "name": "known markets only"
    },
    { "check": "column_exists", "column": "id" }
  ]
}`;

describe("parseConstraints", () => {
  it("reads YAML and JSON into the same named set", () => {
    const fromYaml = parseConstraints(EXAMPLE_YAML);
    expect(parseConstraints(EXAMPLE_JSON)).toEqual(fromYaml);
    expect(parseConstraints(EXAMPLE_JSON, "json")).toEqual(fromYaml);
    expect(parseConstraints(EXAMPLE_YAML, "yaml")).toEqual(fromYaml);
    expect(fromYaml.constraints.map((c) => c.name)).toEqual([
      "age: no missing values",
      "age: mean between 18 and 65",
      "price: quantile 0.5 between 10 and 20",
      "known markets only",
      "id: column exists",
    ]);
  });

  it("gives a report over the example document", () => {
    const report = checkConstraints(view, parseConstraints(EXAMPLE_YAML));
    const medianPrice = whylogsQuantile(prices, 0.5);
    expect(report.results.map((r) => r.passed)).toEqual([
      ageNulls === 0,
      meanAge >= 18 && meanAge <= 65,
      medianPrice >= 10 && medianPrice <= 20,
      COUNTRY.every((c) => c === "US" || c === "DE"),
      true,
    ]);
    expect(report.total).toBe(5);
    expect(report.failures).toBe(report.results.filter((r) => !r.passed).length);
    expect(report.failures).toBe(2);
    expect(report.passed).toBe(false);
    expect(report.results[3]).toMatchObject({
      name: "known markets only",
      column: "country",
      actual: ["FR"],
    });
  });

  it("accepts a YAML flow mapping that merely looks like JSON, and a byte-order mark", () => {
    const set = parseConstraints("{constraints: [{check: column_exists, column: age}]}");
    expect(set.constraints).toEqual([{ check: "column_exists", column: "age", name: "age: column exists" }]);
    expect(parseConstraints("\uFEFF" + EXAMPLE_JSON)).toEqual(parseConstraints(EXAMPLE_JSON));
  });

  it("round-trips: a validated set is itself a valid document", () => {
    const set = parseConstraints(EXAMPLE_YAML);
    expect(parseConstraints(JSON.stringify(set))).toEqual(set);
    expect(parseConstraints(stringify(set))).toEqual(set);
    expect(validateConstraints(set)).toEqual(set);
  });

  it.each([
    [
      "an unclosed flow sequence",
      "constraints:\n  - column: age\n    check: [unclosed\n",
      /^YAML syntax error at line 4, column 1: /,
    ],
    [
      "a duplicate key",
      "constraints:\n  - column: age\n    column: id\n    check: column_exists\n",
      /^YAML syntax error at line 3, column 5: .*unique/,
    ],
    [
      "tab indentation",
      "constraints:\n\t- column: age\n",
      /^YAML syntax error at line 2, column 1: .*[Tt]ab/,
    ],
    ["two documents", "constraints: []\n---\nconstraints: []\n", /^YAML syntax error at line 2/],
  ])("turns YAML syntax errors into invalid-config with the line: %s", (_, text, message) => {
    const error = configError(() => parseConstraints(text));
    expect(error.kind).toBe("invalid-config");
    expect(error.path).toBeUndefined();
    expect(error.message).toMatch(message);
  });

  it("turns JSON syntax errors into invalid-config with the line and column", () => {
    const text =
      '{\n  "constraints": [\n    {"check": "column_exists", "column": "a"},\n    {"check": "column_exists" "column": "a"}\n  ]\n}';
    const error = configError(() => parseConstraints(text));
    expect(error.kind).toBe("invalid-config");
    expect(error.message).toMatch(/^JSON syntax error at line 4, column \d+: /);
    expect(configError(() => parseConstraints('{"constraints": [')).message).toMatch(
      /^JSON syntax error at line 1, column 18: /,
    );
    // Told it is JSON, a YAML document is a JSON syntax error.
    expect(configError(() => parseConstraints(EXAMPLE_YAML, "json")).message).toMatch(
      /^JSON syntax error at line 1/,
    );
  });

  it.each([
    ['{"constraints": [1,]}', 1, 20],
    ['{\n  // a comment\n  "constraints": []\n}', 2, 3],
    ["{\n  constraints: []\n}", 2, 3],
    ['{"constraints": ["a\\x"]}', 1, 20],
    ['{"constraints": ["a\tb"]}', 1, 20],
    ['{"constraints": [01]}', 1, 19],
    ['{"constraints": []} x', 1, 21],
    ['{"constraints": [tru]}', 1, 18],
  ])("locates the JSON syntax error in %j at line %i, column %i", (text, line, column) => {
    const error = configError(() => parseConstraints(text, "json"));
    expect(error.kind).toBe("invalid-config");
    expect(error.message).toMatch(new RegExp(`^JSON syntax error at line ${line}, column ${column}: `));
  });

  it("rejects alias expansion bombs", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++)
      levels.push(
        `l${i}: &l${i} [${Array(10)
          .fill(i === 1 ? "*a" : `*l${i - 1}`)
          .join(", ")}]`,
      );
    const error = configError(() => parseConstraints(levels.join("\n")));
    expect(error.kind).toBe("invalid-config");
    expect(error.message).toMatch(/cannot be read/);
  });

  it("adds the line of the offending field to validation errors, in YAML and JSON", () => {
    const yamlError = configError(() =>
      parseConstraints(EXAMPLE_YAML.replace("quantile: 0.5", "quantile: 1.5")),
    );
    expect(yamlError.path).toBe("constraints[2].quantile");
    expect(yamlError.message).toMatch(
      /^constraints\[2\]\.quantile: expected a number in \[0, 1\], got 1\.5.*\(line 11\)$/,
    );
    const jsonError = configError(() => parseConstraints(EXAMPLE_JSON.replace('"lower": 18', '"lowr": 18')));
    expect(jsonError.path).toBe("constraints[1].lowr");
    expect(jsonError.message).toMatch(/did you mean 'lower'.*\(line 4\)$/);
    // A missing field points at the constraint that lacks it.
    const missing = configError(() =>
      parseConstraints(
        "constraints:\n  - check: column_exists\n    column: age\n  - check: mean_between_range\n    column: age\n    lower: 1\n",
      ),
    );
    expect(missing.path).toBe("constraints[1].upper");
    expect(missing.message).toMatch(/\(line 4\)$/);
  });

  it("rejects bad arguments as invalid-argument", () => {
    expect(configError(() => parseConstraints(EXAMPLE_YAML, "xml" as "yaml")).kind).toBe("invalid-argument");
    expect(configError(() => parseConstraints(42 as unknown as string)).kind).toBe("invalid-argument");
  });
});

describe("validateConstraints: every problem names its field", () => {
  const valid = { check: "mean_between_range", column: "age", lower: 1, upper: 2 };
  const one = (constraint: unknown) => ({ constraints: [constraint] });
  const allChecks = new RegExp(CHECK_NAMES.join(".*"));

  it.each<[string, unknown, string | undefined, RegExp]>([
    [
      "a document that is not a mapping",
      [valid],
      undefined,
      /must be a mapping with a 'constraints' list, got a list/,
    ],
    ["an empty document", null, undefined, /got null/],
    ["a misspelt top-level field", { constrains: [] }, "constrains", /did you mean 'constraints'/],
    ["a missing constraints list", {}, "constraints", /missing 'constraints'/],
    [
      "constraints that are not a list",
      { constraints: { a: 1 } },
      "constraints",
      /expected a list of constraints, got a mapping/,
    ],
    [
      "a constraint that is not a mapping",
      one("age"),
      "constraints[0]",
      /expected a mapping with a 'check' field, got the string "age"/,
    ],
    ["a missing check", one({ column: "age" }), "constraints[0].check", allChecks],
    [
      "a check that is not a string",
      one({ check: 3, column: "age" }),
      "constraints[0].check",
      /expected the name of a check, got 3/,
    ],
    [
      "an unknown check",
      one({ check: "mean_between", column: "age" }),
      "constraints[0].check",
      /unknown check "mean_between" \(did you mean 'mean_between_range'\?\); valid checks: greater_than_number, .*columns_present/,
    ],
    [
      "an unknown field",
      one({ ...valid, lowr: 1 }),
      "constraints[0].lowr",
      /unknown field "lowr" for mean_between_range \(did you mean 'lower'\?\); allowed fields: check, name, column, lower, upper/,
    ],
    [
      "an unknown field with an awkward name",
      one({ ...valid, "my key": 1 }),
      'constraints[0]["my key"]',
      /unknown field "my key"/,
    ],
    ["a missing column", one({ check: "no_missing_values" }), "constraints[0].column", /missing 'column'/],
    [
      "a column that is not a string",
      one({ check: "no_missing_values", column: 2020 }),
      "constraints[0].column",
      /expected a column name .*got 2020/,
    ],
    [
      "an empty column name",
      one({ check: "no_missing_values", column: "" }),
      "constraints[0].column",
      /got the string ""/,
    ],
    [
      "a bound given as text",
      one({ ...valid, lower: "18" }),
      "constraints[0].lower",
      /expected a finite number, got the string "18"/,
    ],
    [
      "a bound that is not finite",
      one({ ...valid, upper: Infinity }),
      "constraints[0].upper",
      /finite number, got Infinity/,
    ],
    ["a NaN bound", one({ ...valid, lower: NaN }), "constraints[0].lower", /got NaN/],
    [
      "lower above upper",
      one({ ...valid, lower: 70, upper: 65 }),
      "constraints[0].lower",
      /lower \(70\) is greater than upper \(65\)/,
    ],
    [
      "a quantile above 1",
      one({ check: "quantile_between_range", column: "p", quantile: 1.5, lower: 0, upper: 1 }),
      "constraints[0].quantile",
      /expected a number in \[0, 1\], got 1.5/,
    ],
    [
      "a negative quantile",
      one({ check: "quantile_between_range", column: "p", quantile: -0.1, lower: 0, upper: 1 }),
      "constraints[0].quantile",
      /\[0, 1\]/,
    ],
    [
      "a missing quantile",
      one({ check: "quantile_between_range", column: "p", lower: 0, upper: 1 }),
      "constraints[0].quantile",
      /missing 'quantile'/,
    ],
    [
      "a null percentage given in percent",
      one({ check: "null_percentage_below_number", column: "a", number: 5 }),
      "constraints[0].number",
      /5% is 0\.05/,
    ],
    [
      "a fractional count",
      one({ check: "count_below_number", column: "a", number: 2.5 }),
      "constraints[0].number",
      /whole number ≥ 0/,
    ],
    [
      "a null bound that can never pass",
      one({ check: "null_values_below_number", column: "a", number: 0 }),
      "constraints[0].number",
      /whole number ≥ 1/,
    ],
    [
      "a zero n",
      one({ check: "n_most_common_items_in_set", column: "a", n: 0, reference_set: ["x"] }),
      "constraints[0].n",
      /whole number ≥ 1/,
    ],
    [
      "a negative stddev bound",
      one({ check: "stddev_between_range", column: "a", lower: -1, upper: 1 }),
      "constraints[0].lower",
      /≥ 0/,
    ],
    [
      "a negative distinct bound",
      one({ check: "distinct_number_in_range", column: "a", lower: -1, upper: 1 }),
      "constraints[0].lower",
      /≥ 0/,
    ],
    [
      "an empty reference set",
      one({ check: "frequent_strings_in_reference_set", column: "a", reference_set: [] }),
      "constraints[0].reference_set",
      /got an empty list/,
    ],
    [
      "a reference set that is not a list",
      one({ check: "frequent_strings_in_reference_set", column: "a", reference_set: "US" }),
      "constraints[0].reference_set",
      /non-empty list of values/,
    ],
    [
      "a boolean in a reference set",
      one({ check: "frequent_strings_in_reference_set", column: "a", reference_set: ["x", true] }),
      "constraints[0].reference_set[1]",
      /"True" and "False"/,
    ],
    [
      "a fraction in a reference set",
      one({ check: "n_most_common_items_in_set", column: "a", n: 1, reference_set: [1.5] }),
      "constraints[0].reference_set[0]",
      /"1\.500000"/,
    ],
    [
      "an unknown datatype",
      one({ check: "column_is_nullable_datatype", column: "a", datatype: "int" }),
      "constraints[0].datatype",
      /one of integral, fractional, boolean, string, object, tensor/,
    ],
    [
      "a misspelt type in a list",
      one({ check: "column_has_non_zero_types", column: "a", types_list: ["string", "strng"] }),
      "constraints[0].types_list[1]",
      /did you mean 'string'/,
    ],
    [
      "an empty types list",
      one({ check: "column_has_zero_count_types", column: "a", types_list: [] }),
      "constraints[0].types_list",
      /empty list/,
    ],
    [
      "an empty columns list",
      one({ check: "columns_present", columns: [] }),
      "constraints[0].columns",
      /non-empty list of column names/,
    ],
    [
      "a column list with a number",
      one({ check: "columns_present", columns: ["a", 3] }),
      "constraints[0].columns[1]",
      /got 3/,
    ],
    [
      "a column on columns_present",
      one({ check: "columns_present", column: "a", columns: ["a"] }),
      "constraints[0].column",
      /unknown field "column" for columns_present/,
    ],
    ["an empty name", one({ ...valid, name: " " }), "constraints[0].name", /non-empty string/],
    ["a name that is not a string", one({ ...valid, name: 3 }), "constraints[0].name", /got 3/],
    [
      "a problem in a later constraint",
      { constraints: [valid, valid, { ...valid, upper: "high" }] },
      "constraints[2].upper",
      /got the string "high"/,
    ],
  ])("%s", (_, doc, path, message) => {
    const error = configError(() => validateConstraints(doc));
    expect(error.kind).toBe("invalid-config");
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    if (path !== undefined) expect(error.message.startsWith(`${path}: `)).toBe(true);
  });

  it("keeps inclusive equal bounds and an empty list of constraints", () => {
    expect(validateConstraints(one({ ...valid, lower: 3, upper: 3 })).constraints[0]).toMatchObject({
      lower: 3,
      upper: 3,
    });
    expect(checkConstraints(view, validateConstraints({ constraints: [] }))).toEqual({
      passed: true,
      total: 0,
      failures: 0,
      results: [],
    });
  });

  it("re-validates a hand-built set in checkConstraints", () => {
    const handBuilt = {
      constraints: [
        { check: "quantile_between_range", column: "price", quantile: 2, lower: 0, upper: 1, name: "q" },
      ],
    } as unknown as ConstraintSet;
    const error = configError(() => checkConstraints(view, handBuilt));
    expect(error.path).toBe("constraints[0].quantile");
    expect(configError(() => checkConstraints({} as DatasetProfileView, handBuilt)).kind).toBe(
      "invalid-argument",
    );
  });
});

describe("names", () => {
  it.each<[Record<string, unknown>, string]>([
    [{ check: "greater_than_number", column: "age", number: 0 }, "age: min greater than 0"],
    [{ check: "smaller_than_number", column: "age", number: 120 }, "age: max smaller than 120"],
    [{ check: "is_in_range", column: "age", lower: 0, upper: 120 }, "age: values in [0, 120]"],
    [{ check: "mean_between_range", column: "age", lower: 18, upper: 65 }, "age: mean between 18 and 65"],
    [
      { check: "quantile_between_range", column: "p", quantile: 0.9, lower: 1, upper: 2 },
      "p: quantile 0.9 between 1 and 2",
    ],
    [{ check: "null_percentage_below_number", column: "age", number: 0.1 }, "age: null ratio at most 0.1"],
    [
      { check: "n_most_common_items_in_set", column: "c", n: 2, reference_set: ["US", "DE"] },
      'c: 2 most common items in {"US", "DE"}',
    ],
    [
      { check: "column_has_zero_count_types", column: "c", types_list: ["string", "object"] },
      "c: no values of type string, object",
    ],
    [{ check: "columns_present", columns: ["a", "b"] }, "columns present: a, b"],
  ])("%j is named %j", (doc, name) => {
    const [constraint] = validateConstraints({ constraints: [doc] }).constraints;
    expect(constraint!.name).toBe(name);
    expect(defaultConstraintName(constraint!)).toBe(name);
    expect(run(view, doc).name).toBe(name);
  });

  it("keeps a given name", () => {
    expect(run(view, { check: "column_exists", column: "age", name: "age is logged" }).name).toBe(
      "age is logged",
    );
  });
});
