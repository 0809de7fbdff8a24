// How numbers, columns and lists appear in constraint names and report messages.

import type { Constraint } from "./types.js";

/**
 * A value for a message: six significant digits, unless that would print a bound the value does not equal
 * ("mean is 65, outside [18, 65]" for 65.0000001 reads as a contradiction), in which case every digit.
 */
export function formatNumber(value: number, bounds: readonly number[] = []): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const short = Number(value.toPrecision(6));
  return bounds.some((b) => short === b && value !== b) ? String(value) : String(short);
}

export function quoteColumn(column: string): string {
  return `'${column}'`;
}

export function formatRange(lower: number, upper: number): string {
  return `[${lower}, ${upper}]`;
}

/** Items as JSON strings, so a space or a comma inside a value stays unambiguous. */
export function formatItems(items: readonly string[]): string {
  return items.map((item) => JSON.stringify(item)).join(", ");
}

/** The name a constraint gets when the document gives none. */
export function defaultConstraintName(c: Constraint): string {
  if (c.check === "columns_present") return `columns present: ${c.columns.join(", ")}`;
  const describe = (): string => {
    switch (c.check) {
      case "greater_than_number":
        return `min greater than ${c.number}`;
      case "smaller_than_number":
        return `max smaller than ${c.number}`;
      case "is_in_range":
        return `values in ${formatRange(c.lower, c.upper)}`;
      case "is_non_negative":
        return "non-negative";
      case "mean_between_range":
        return `mean between ${c.lower} and ${c.upper}`;
      case "stddev_between_range":
        return `stddev between ${c.lower} and ${c.upper}`;
      case "quantile_between_range":
        return `quantile ${c.quantile} between ${c.lower} and ${c.upper}`;
      case "no_missing_values":
        return "no missing values";
      case "count_below_number":
        return `count at most ${c.number}`;
      case "null_values_below_number":
        return `fewer than ${c.number} nulls`;
      case "null_percentage_below_number":
        return `null ratio at most ${c.number}`;
      case "distinct_number_in_range":
        return `distinct count between ${c.lower} and ${c.upper}`;
      case "column_is_probably_unique":
        return "probably unique";
      case "frequent_strings_in_reference_set":
        return `frequent strings in {${formatItems(c.reference_set)}}`;
      case "n_most_common_items_in_set":
        return `${c.n} most common items in {${formatItems(c.reference_set)}}`;
      case "column_is_nullable_integral":
        return "nullable integral";
      case "column_is_nullable_fractional":
        return "nullable fractional";
      case "column_is_nullable_boolean":
        return "nullable boolean";
      case "column_is_nullable_string":
        return "nullable string";
      case "column_is_nullable_object":
        return "nullable object";
      case "column_is_nullable_datatype":
        return `nullable ${c.datatype}`;
      case "column_has_non_zero_types":
        return `has values of type ${c.types_list.join(", ")}`;
      case "column_has_zero_count_types":
        return `no values of type ${c.types_list.join(", ")}`;
      case "column_exists":
        return "column exists";
    }
  };
  return `${c.column}: ${describe()}`;
}
