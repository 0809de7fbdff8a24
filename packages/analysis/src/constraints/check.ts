// Evaluating a constraint set against a profile. Each check reads the metric whylogs' factory of the same
// name reads and applies the same comparison; on top of that it says when the sketch behind the value is
// too coarse to be sure of the verdict.

import {
  CardinalityMetric,
  CountsMetric,
  DistributionMetric,
  FrequentItemsMetric,
  TypesMetric,
} from "@sightglass/profile";
import type {
  ColumnMetric,
  DatasetProfileView,
  FrequentItemSummary,
  SummaryValue,
} from "@sightglass/profile";
import { AnalysisError } from "../errors.js";
import { formatItems, formatNumber, formatRange, quoteColumn } from "./format.js";
import { TYPE_COUNTER_NAMES } from "../column-facts.js";
import type { TypeCounterName } from "../column-facts.js";
import type {
  CheckName,
  Constraint,
  ConstraintActual,
  ConstraintReport,
  ConstraintResult,
  ConstraintSet,
} from "./types.js";
import { validateConstraints } from "./validate.js";

interface Outcome {
  readonly passed: boolean;
  readonly actual: ConstraintActual;
  readonly message: string;
  readonly uncertain: boolean;
}

/** The input a check needs is not in the profile: the constraint fails with this message. */
class Unavailable {
  constructor(readonly message: string) {}
}

const certain = (passed: boolean, actual: ConstraintActual, message: string): Outcome => ({
  passed,
  actual,
  message,
  uncertain: false,
});

/** Standard deviations of the HLL bounds taken as the plausible range of a distinct count (≈ 95 %). */
const DISTINCT_BOUND_STD_DEVS = 2;

type MetricClass<T extends ColumnMetric> = abstract new (...args: never[]) => T;

function metricOf<T extends ColumnMetric>(
  view: DatasetProfileView,
  column: string,
  namespace: string,
  type: MetricClass<T>,
  check: CheckName,
): T {
  const profile = view.column(column);
  if (profile === undefined) throw new Unavailable(`column ${quoteColumn(column)} is not in the profile`);
  const metric = profile.getMetric(namespace);
  if (!(metric instanceof type)) {
    throw new Unavailable(`${quoteColumn(column)} has no ${namespace} metric, which ${check} reads`);
  }
  return metric;
}

function distributionOf(view: DatasetProfileView, column: string, check: CheckName): DistributionMetric {
  const metric = metricOf(view, column, "distribution", DistributionMetric, check);
  if (metric.kll.isEmpty()) {
    throw new Unavailable(
      `${quoteColumn(column)} has no numeric values: its distribution metric, which ${check} reads, is empty`,
    );
  }
  return metric;
}

function inRange(value: number, lower: number, upper: number): boolean {
  return value >= lower && value <= upper;
}

/** Whether a plausible interval [low, high] of the true value holds values on both sides of the verdict. */
function straddles(low: number, high: number, lower: number, upper: number): boolean {
  const overlaps = high >= lower && low <= upper;
  const contained = low >= lower && high <= upper;
  return overlaps && !contained;
}

function rangeOutcome(
  what: string,
  value: number,
  lower: number,
  upper: number,
  actual: ConstraintActual = value,
): Outcome {
  const passed = inRange(value, lower, upper);
  const shown = formatNumber(value, [lower, upper]);
  return certain(
    passed,
    actual,
    `${what} is ${shown}, ${passed ? "inside" : "outside"} ${formatRange(lower, upper)}`,
  );
}

function quantileOutcome(
  view: DatasetProfileView,
  column: string,
  quantile: number,
  lower: number,
  upper: number,
): Outcome {
  const { kll } = distributionOf(view, column, "quantile_between_range");
  // whylogs' quantile rule, so the verdict matches the `distribution/*` summary values of the same profile.
  const value = kll.getQuantilesWhylogs([quantile])[0]!;
  const base = rangeOutcome(`quantile ${quantile} of ${quoteColumn(column)}`, value, lower, upper);
  if (!kll.isEstimationMode()) return base;
  const epsilon = kll.getNormalizedRankError(false);
  const [low, high] = kll.getQuantilesWhylogs([
    Math.max(0, quantile - epsilon),
    Math.min(1, quantile + epsilon),
  ]);
  if (!straddles(low!, high!, lower, upper)) return base;
  const bounds = [lower, upper];
  return {
    ...base,
    uncertain: true,
    message:
      `${base.message}; within the sketch's rank error (±${formatNumber(epsilon)}) it may be anywhere in ` +
      `[${formatNumber(low!, bounds)}, ${formatNumber(high!, bounds)}], so the verdict could flip`,
  };
}

function distinctOutcome(view: DatasetProfileView, column: string, lower: number, upper: number): Outcome {
  const { hll } = metricOf(view, column, "cardinality", CardinalityMetric, "distinct_number_in_range");
  // Rounded: in exact mode the estimate sits a hair above the true count (3.0000000149 for 3), which
  // would fail a range whose upper bound is that count.
  const estimate = Math.round(hll.getEstimate());
  const base = rangeOutcome(`estimated distinct count of ${quoteColumn(column)}`, estimate, lower, upper);
  // A distinct count is a whole number: the plausible ones are the integers between the bounds.
  let least = Math.ceil(hll.getLowerBound(DISTINCT_BOUND_STD_DEVS));
  let most = Math.floor(hll.getUpperBound(DISTINCT_BOUND_STD_DEVS));
  if (least > most) least = most = estimate;
  if (!straddles(least, most, lower, upper)) return base;
  return {
    ...base,
    uncertain: true,
    message: `${base.message}; the sketch's ${DISTINCT_BOUND_STD_DEVS}-sigma bounds [${least}, ${most}] straddle the range, so the verdict could flip`,
  };
}

function probablyUniqueOutcome(view: DatasetProfileView, column: string): Outcome {
  const check = "column_is_probably_unique";
  const { n } = metricOf(view, column, "counts", CountsMetric, check);
  const { hll } = metricOf(view, column, "cardinality", CardinalityMetric, check);
  // whylogs' rule: counts/n (nulls included) within the 1-sigma bounds of the distinct estimate.
  const lower = hll.getLowerBound(1);
  const upper = hll.getUpperBound(1);
  const estimate = hll.getEstimate();
  const passed = inRange(n, lower, upper);
  const subject =
    `${quoteColumn(column)} has ${n} values (nulls included) and about ${formatNumber(estimate)} distinct ` +
    `(1-sigma bounds [${formatNumber(lower)}, ${formatNumber(upper)}])`;
  // Unique means exactly n distinct; it is in doubt while both n and n − 1 are plausible distinct counts.
  const least = Math.ceil(hll.getLowerBound(DISTINCT_BOUND_STD_DEVS));
  const most = Math.floor(hll.getUpperBound(DISTINCT_BOUND_STD_DEVS));
  const uncertain = least < n && n <= most;
  return {
    passed,
    actual: { count: n, estimate, lower, upper },
    message:
      `${subject}: ${passed ? "probably unique" : "probably not unique"}` +
      (uncertain
        ? `; the sketch cannot tell ${n} distinct values from fewer, so the verdict could flip`
        : ""),
    uncertain,
  };
}

function frequentStrings(
  view: DatasetProfileView,
  column: string,
  check: CheckName,
): { items: readonly FrequentItemSummary[]; maximumError: number } {
  const metric = metricOf(view, column, "frequent_items", FrequentItemsMetric, check);
  // The summary's own list (no false positives, by estimate then value), as whylogs' factories read it.
  const summary: Record<string, SummaryValue> = {};
  metric.writeSummary(summary, {});
  const items = summary["frequent_items/frequent_strings"] as readonly FrequentItemSummary[];
  return { items, maximumError: metric.sketch.getMaximumError() };
}

function referenceSetOutcome(
  view: DatasetProfileView,
  column: string,
  referenceSet: readonly string[],
  topN: number | undefined,
): Outcome {
  const check = topN === undefined ? "frequent_strings_in_reference_set" : "n_most_common_items_in_set";
  const { items, maximumError } = frequentStrings(view, column, check);
  const considered = topN === undefined ? items : items.slice(0, topN);
  const allowed = new Set(referenceSet);
  const offending = considered.map((item) => item.value).filter((value) => !allowed.has(value));
  const subject =
    topN === undefined
      ? `frequent strings of ${quoteColumn(column)}`
      : `the ${topN} most common items of ${quoteColumn(column)}`;
  const verdict =
    offending.length > 0
      ? `${subject} not in the reference set: ${formatItems(offending)}`
      : considered.length === 0
        ? `${quoteColumn(column)} has no frequent strings to compare`
        : `${subject} are all in the reference set`;
  const uncertain = maximumError > 0;
  return {
    passed: offending.length === 0,
    actual: offending,
    message: uncertain
      ? `${verdict}; the frequent-items sketch is approximate (counts off by up to ${maximumError}), so which items are listed could differ on the raw data`
      : verdict,
    uncertain,
  };
}

function typeCounts(
  view: DatasetProfileView,
  column: string,
  check: CheckName,
): Record<TypeCounterName, number> {
  const types = metricOf(view, column, "types", TypesMetric, check);
  const counts = {} as Record<TypeCounterName, number>;
  for (const name of TYPE_COUNTER_NAMES) counts[name] = types[name];
  return counts;
}

function pick(
  counts: Record<TypeCounterName, number>,
  names: readonly TypeCounterName[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) out[name] = counts[name];
  return out;
}

function describeCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([name, count]) => `${count} ${name}`)
    .join(", ");
}

function nullableDatatypeOutcome(
  view: DatasetProfileView,
  column: string,
  datatype: TypeCounterName,
  check: CheckName,
): Outcome {
  const counts = typeCounts(view, column, check);
  const others = TYPE_COUNTER_NAMES.filter((name) => name !== datatype && counts[name] > 0);
  const present = pick(counts, [datatype, ...others]);
  const c = quoteColumn(column);
  if (counts[datatype] === 0) {
    const found = others.length === 0 ? "no values besides nulls" : describeCounts(pick(counts, others));
    return certain(false, present, `${c} has no ${datatype} values (found ${found})`);
  }
  if (others.length > 0) {
    return certain(
      false,
      present,
      `${c} has ${counts[datatype]} ${datatype} values but also ${describeCounts(pick(counts, others))}`,
    );
  }
  return certain(true, present, `${c} holds only ${datatype} values (${counts[datatype]}) and nulls`);
}

function evaluate(view: DatasetProfileView, c: Constraint): Outcome {
  if (c.check === "columns_present") {
    const missing = c.columns.filter((name) => view.column(name) === undefined);
    return certain(
      missing.length === 0,
      missing,
      missing.length === 0
        ? `all ${c.columns.length} columns are in the profile`
        : `columns missing from the profile: ${formatItems(missing)}`,
    );
  }
  const column = c.column;
  const q = quoteColumn(column);
  switch (c.check) {
    case "column_exists": {
      const present = view.column(column) !== undefined;
      return certain(present, present, `column ${q} is ${present ? "" : "not "}in the profile`);
    }
    case "greater_than_number": {
      const min = distributionOf(view, column, c.check).kll.getMinItem();
      const passed = min > c.number;
      return certain(
        passed,
        min,
        `min of ${q} is ${formatNumber(min, [c.number])}, ${passed ? "" : "not "}greater than ${c.number}`,
      );
    }
    case "smaller_than_number": {
      const max = distributionOf(view, column, c.check).kll.getMaxItem();
      const passed = max < c.number;
      return certain(
        passed,
        max,
        `max of ${q} is ${formatNumber(max, [c.number])}, ${passed ? "" : "not "}smaller than ${c.number}`,
      );
    }
    case "is_in_range": {
      const { kll } = distributionOf(view, column, c.check);
      const min = kll.getMinItem();
      const max = kll.getMaxItem();
      const passed = min >= c.lower && max <= c.upper;
      const bounds = [c.lower, c.upper];
      return certain(
        passed,
        { min, max },
        `values of ${q} span [${formatNumber(min, bounds)}, ${formatNumber(max, bounds)}], ${passed ? "inside" : "not inside"} ${formatRange(c.lower, c.upper)}`,
      );
    }
    case "is_non_negative": {
      const min = distributionOf(view, column, c.check).kll.getMinItem();
      const passed = min >= 0;
      return certain(
        passed,
        min,
        `min of ${q} is ${formatNumber(min, [0])}, ${passed ? "non-negative" : "negative"}`,
      );
    }
    case "mean_between_range":
      return rangeOutcome(`mean of ${q}`, distributionOf(view, column, c.check).mean, c.lower, c.upper);
    case "stddev_between_range": {
      const { variance } = distributionOf(view, column, c.check);
      return rangeOutcome(`standard deviation of ${q}`, Math.sqrt(variance), c.lower, c.upper);
    }
    case "quantile_between_range":
      return quantileOutcome(view, column, c.quantile, c.lower, c.upper);
    case "no_missing_values": {
      const { nulls } = metricOf(view, column, "counts", CountsMetric, c.check);
      return certain(
        nulls === 0,
        nulls,
        nulls === 0 ? `${q} has no missing values` : `${q} has ${nulls} missing values (null or NaN)`,
      );
    }
    case "count_below_number": {
      const { n } = metricOf(view, column, "counts", CountsMetric, c.check);
      const passed = n <= c.number;
      return certain(
        passed,
        n,
        `${q} has ${n} values (nulls included), ${passed ? "at most" : "more than"} ${c.number}`,
      );
    }
    case "null_values_below_number": {
      const { nulls } = metricOf(view, column, "counts", CountsMetric, c.check);
      const passed = nulls < c.number;
      return certain(
        passed,
        nulls,
        `${q} has ${nulls} nulls, ${passed ? "fewer than" : "not fewer than"} ${c.number}`,
      );
    }
    case "null_percentage_below_number": {
      const { n, nulls } = metricOf(view, column, "counts", CountsMetric, c.check);
      // An empty column has no nulls; whylogs divides by zero here.
      const ratio = n === 0 ? 0 : nulls / n;
      const passed = ratio <= c.number;
      return certain(
        passed,
        ratio,
        `null ratio of ${q} is ${formatNumber(ratio, [c.number])} (${nulls} of ${n}), ${passed ? "at most" : "above"} ${c.number}`,
      );
    }
    case "distinct_number_in_range":
      return distinctOutcome(view, column, c.lower, c.upper);
    case "column_is_probably_unique":
      return probablyUniqueOutcome(view, column);
    case "frequent_strings_in_reference_set":
      return referenceSetOutcome(view, column, c.reference_set, undefined);
    case "n_most_common_items_in_set":
      return referenceSetOutcome(view, column, c.reference_set, c.n);
    case "column_is_nullable_integral":
    case "column_is_nullable_fractional":
    case "column_is_nullable_boolean":
    case "column_is_nullable_string":
    case "column_is_nullable_object": {
      const datatype = c.check.slice("column_is_nullable_".length) as TypeCounterName;
      return nullableDatatypeOutcome(view, column, datatype, c.check);
    }
    case "column_is_nullable_datatype":
      return nullableDatatypeOutcome(view, column, c.datatype, c.check);
    case "column_has_non_zero_types": {
      const counts = pick(typeCounts(view, column, c.check), c.types_list);
      const absent = c.types_list.filter((name) => counts[name] === 0);
      return certain(
        absent.length === 0,
        counts,
        absent.length === 0
          ? `${q} has values of every listed type (${describeCounts(counts)})`
          : `${q} has no values of type ${absent.join(", ")}`,
      );
    }
    case "column_has_zero_count_types": {
      const counts = pick(typeCounts(view, column, c.check), c.types_list);
      const present = c.types_list.filter((name) => counts[name] !== 0);
      return certain(
        present.length === 0,
        counts,
        present.length === 0
          ? `${q} has no values of type ${c.types_list.join(", ")}`
          : `${q} has values of a forbidden type: ${describeCounts(pick(counts, present))}`,
      );
    }
  }
}

/**
 * Checks every constraint of `set` against the profile. A missing column or metric fails its constraint
 * (with a message saying what is missing) rather than throwing, so one report covers everything.
 * @throws AnalysisError `invalid-config` if `set` (e.g. built by hand) is not a valid constraint document;
 *   `invalid-argument` if `view` is not a profile view.
 */
export function checkConstraints(view: DatasetProfileView, set: ConstraintSet): ConstraintReport {
  if (view === null || typeof view !== "object" || typeof view.column !== "function") {
    throw new AnalysisError("invalid-argument", "checkConstraints expects a DatasetProfileView");
  }
  const { constraints } = validateConstraints(set);
  const results: ConstraintResult[] = constraints.map((c) => {
    let outcome: Outcome;
    try {
      outcome = evaluate(view, c);
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      outcome = certain(false, null, error.message);
    }
    return {
      name: c.name,
      column: c.check === "columns_present" ? null : c.column,
      check: c.check,
      ...outcome,
    };
  });
  const failures = results.filter((r) => !r.passed).length;
  return { passed: failures === 0, total: results.length, failures, results };
}
