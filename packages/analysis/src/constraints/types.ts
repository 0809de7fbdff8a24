// The shapes of a constraint document after validation and of the report a check produces. Field names are
// the document's own (snake_case, as in whylogs' factory parameters), so a validated set is itself a valid
// document: it can be written back out as JSON or YAML and read again unchanged.

import type { TypeCounterName } from "../column-facts.js";

/** Every check a document may name: whylogs' constraint factory names plus `column_exists` / `columns_present`. */
export const CHECK_NAMES = [
  "greater_than_number",
  "smaller_than_number",
  "is_in_range",
  "is_non_negative",
  "mean_between_range",
  "stddev_between_range",
  "quantile_between_range",
  "no_missing_values",
  "count_below_number",
  "null_values_below_number",
  "null_percentage_below_number",
  "distinct_number_in_range",
  "column_is_probably_unique",
  "frequent_strings_in_reference_set",
  "n_most_common_items_in_set",
  "column_is_nullable_integral",
  "column_is_nullable_fractional",
  "column_is_nullable_boolean",
  "column_is_nullable_string",
  "column_is_nullable_object",
  "column_is_nullable_datatype",
  "column_has_non_zero_types",
  "column_has_zero_count_types",
  "column_exists",
  "columns_present",
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

interface NamedConstraint {
  /** Given in the document, or derived from the check and its parameters (e.g. `age: mean between 18 and 65`). */
  readonly name: string;
}

interface ColumnScoped extends NamedConstraint {
  readonly column: string;
}

/** A check compared with one number (`min > number`, `max < number`, `n ≤ number`, `null < number`, …). */
export interface ThresholdConstraint extends ColumnScoped {
  readonly check:
    | "greater_than_number"
    | "smaller_than_number"
    | "count_below_number"
    | "null_values_below_number"
    | "null_percentage_below_number";
  readonly number: number;
}

/** A check whose value must lie in `[lower, upper]` (both inclusive). */
export interface RangeConstraint extends ColumnScoped {
  readonly check: "is_in_range" | "mean_between_range" | "stddev_between_range" | "distinct_number_in_range";
  readonly lower: number;
  readonly upper: number;
}

export interface QuantileConstraint extends ColumnScoped {
  readonly check: "quantile_between_range";
  /** The rank, in [0, 1]. */
  readonly quantile: number;
  readonly lower: number;
  readonly upper: number;
}

/** A check with no parameter besides its column. */
export interface ColumnOnlyConstraint extends ColumnScoped {
  readonly check:
    | "is_non_negative"
    | "no_missing_values"
    | "column_is_probably_unique"
    | "column_is_nullable_integral"
    | "column_is_nullable_fractional"
    | "column_is_nullable_boolean"
    | "column_is_nullable_string"
    | "column_is_nullable_object"
    | "column_exists";
}

export interface ReferenceSetConstraint extends ColumnScoped {
  readonly check: "frequent_strings_in_reference_set";
  /** Values as frequent items spell them (strings; integers in decimal). */
  readonly reference_set: readonly string[];
}

export interface MostCommonItemsConstraint extends ColumnScoped {
  readonly check: "n_most_common_items_in_set";
  readonly n: number;
  readonly reference_set: readonly string[];
}

export interface DatatypeConstraint extends ColumnScoped {
  readonly check: "column_is_nullable_datatype";
  readonly datatype: TypeCounterName;
}

export interface TypesListConstraint extends ColumnScoped {
  readonly check: "column_has_non_zero_types" | "column_has_zero_count_types";
  readonly types_list: readonly TypeCounterName[];
}

/** The one dataset-level check: every listed column is in the profile. */
export interface ColumnsPresentConstraint extends NamedConstraint {
  readonly check: "columns_present";
  readonly columns: readonly string[];
}

export type Constraint =
  | ThresholdConstraint
  | RangeConstraint
  | QuantileConstraint
  | ColumnOnlyConstraint
  | ReferenceSetConstraint
  | MostCommonItemsConstraint
  | DatatypeConstraint
  | TypesListConstraint
  | ColumnsPresentConstraint;

/** A validated constraint document. */
export interface ConstraintSet {
  readonly constraints: readonly Constraint[];
}

/**
 * The value a check read: a number (mean, quantile, null ratio, distinct estimate, …), a flag (column present),
 * a list (offending items, missing columns) or named numbers (min and max, type counts, cardinality bounds);
 * `null` when the column or metric is missing.
 */
export type ConstraintActual = number | boolean | readonly string[] | Readonly<Record<string, number>> | null;

export interface ConstraintResult {
  readonly name: string;
  /** `null` for the dataset-level `columns_present`. */
  readonly column: string | null;
  readonly check: CheckName;
  readonly passed: boolean;
  readonly actual: ConstraintActual;
  /** One sentence saying what was found and how it compares, e.g. "mean of 'age' is 71.2, outside [18, 65]". */
  readonly message: string;
  /** True when the sketch's error could flip the verdict: the raw data might give the other answer. */
  readonly uncertain: boolean;
}

export interface ConstraintReport {
  /** True when every constraint passed (also when there are none). */
  readonly passed: boolean;
  readonly total: number;
  /** How many constraints failed. */
  readonly failures: number;
  /** One result per constraint, in document order. */
  readonly results: readonly ConstraintResult[];
}
