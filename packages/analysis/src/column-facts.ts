// What the analyses need to know about one column of a profile, read once from its metrics: counts, the
// inferred type (from the type counters, as whylogs infers it), and the sketches that are present.

import type { ColumnProfileView, DatasetProfileView } from "@sightglass/profile";
import {
  CardinalityMetric,
  CountsMetric,
  DistributionMetric,
  FrequentItemsMetric,
  TypesMetric,
} from "@sightglass/profile";
import type { FrequentItemsSketch, HllSketch, KllDoublesSketch } from "@sightglass/sketches";

/** The counters of whylogs' `types` metric, in summary order. */
export const TYPE_COUNTER_NAMES = [
  "integral",
  "fractional",
  "boolean",
  "string",
  "object",
  "tensor",
] as const;
export type TypeCounterName = (typeof TYPE_COUNTER_NAMES)[number];

/** The kind of value that dominates a column; `null` when it holds no non-null value. */
export type InferredType = TypeCounterName | "null";

export interface ColumnFacts {
  readonly name: string;
  /** Rows seen (counts/n), including nulls. */
  readonly count: number;
  /** Missing values: null, None and NaN (counts/null; whylogs counts NaN there too). */
  readonly nulls: number;
  /** Values per type (types/*); all zero when the column has no types metric. */
  readonly types: Readonly<Record<TypeCounterName, number>>;
  readonly inferredType: InferredType;
  readonly kll: KllDoublesSketch | null;
  readonly hll: HllSketch | null;
  readonly frequentItems: FrequentItemsSketch | null;
}

/**
 * The inferred type: numbers count together (a column of ints with a few floats is fractional, as pandas makes
 * it float64), then the kind with the most values wins; ties go to the first of fractional, integral, boolean,
 * string, object, tensor.
 */
export function inferType(types: ColumnFacts["types"]): InferredType {
  const numeric = types.integral + types.fractional;
  let best: InferredType = "null";
  let bestCount = 0;
  const candidates: [InferredType, number][] = [
    [types.fractional > 0 ? "fractional" : "integral", numeric],
    ["boolean", types.boolean],
    ["string", types.string],
    ["object", types.object],
    ["tensor", types.tensor],
  ];
  for (const [kind, n] of candidates) {
    if (n > bestCount) {
      best = kind;
      bestCount = n;
    }
  }
  return best;
}

export function columnFacts(column: ColumnProfileView): ColumnFacts {
  const counts = column.getMetric("counts");
  const typesMetric = column.getMetric("types");
  const distribution = column.getMetric("distribution");
  const cardinality = column.getMetric("cardinality");
  const frequent = column.getMetric("frequent_items");
  const types = Object.fromEntries(
    TYPE_COUNTER_NAMES.map((t) => [t, typesMetric instanceof TypesMetric ? typesMetric[t] : 0]),
  ) as Record<TypeCounterName, number>;
  return {
    name: column.name,
    count: counts instanceof CountsMetric ? counts.n : 0,
    nulls: counts instanceof CountsMetric ? counts.nulls : 0,
    types,
    inferredType: inferType(types),
    kll: distribution instanceof DistributionMetric ? distribution.kll : null,
    hll: cardinality instanceof CardinalityMetric ? cardinality.hll : null,
    frequentItems: frequent instanceof FrequentItemsMetric ? frequent.sketch : null,
  };
}

/** The number of non-null values (rows minus missing values). */
export function nonNullCount(facts: ColumnFacts): number {
  return Math.max(0, facts.count - facts.nulls);
}

/**
 * Rows a profile saw: the largest `counts/n` of its columns (a column missing from some records has fewer).
 * Read from the counters alone, without building a summary.
 */
export function profileRowCount(view: DatasetProfileView): number {
  let rows = 0;
  for (const name of view.columnNames()) {
    const counts = view.column(name)!.getMetric("counts");
    if (counts instanceof CountsMetric && counts.n > rows) rows = counts.n;
  }
  return rows;
}
