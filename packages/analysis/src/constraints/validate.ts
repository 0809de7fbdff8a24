// Validation of a parsed constraint document. Documents are written by hand, so every problem names the
// field it is in (`constraints[3].quantile`) and says what would have been accepted; unknown fields are
// rejected so a misspelt parameter cannot silently fall back to nothing.

import { AnalysisError } from "../errors.js";
import { defaultConstraintName } from "./format.js";
import { TYPE_COUNTER_NAMES } from "../column-facts.js";
import type { TypeCounterName } from "../column-facts.js";
import { CHECK_NAMES } from "./types.js";
import type { CheckName, Constraint, ConstraintSet } from "./types.js";

type FieldKind =
  | "column"
  | "columns"
  | "number"
  | "non-negative"
  | "count"
  | "positive-integer"
  | "unit-interval"
  | "reference-set"
  | "type"
  | "types";

const COLUMN = { column: "column" } as const;
const RANGE = { column: "column", lower: "number", upper: "number" } as const;

/** The parameters of each check, all required, in the order they are validated and reported. */
const PARAMETERS: { readonly [C in CheckName]: Readonly<Record<string, FieldKind>> } = {
  greater_than_number: { column: "column", number: "number" },
  smaller_than_number: { column: "column", number: "number" },
  is_in_range: RANGE,
  is_non_negative: COLUMN,
  mean_between_range: RANGE,
  stddev_between_range: { column: "column", lower: "non-negative", upper: "non-negative" },
  quantile_between_range: { column: "column", quantile: "unit-interval", lower: "number", upper: "number" },
  no_missing_values: COLUMN,
  count_below_number: { column: "column", number: "count" },
  // `null < number`: 0 could never pass (no_missing_values says that), so the smallest useful bound is 1.
  null_values_below_number: { column: "column", number: "positive-integer" },
  null_percentage_below_number: { column: "column", number: "unit-interval" },
  distinct_number_in_range: { column: "column", lower: "non-negative", upper: "non-negative" },
  column_is_probably_unique: COLUMN,
  frequent_strings_in_reference_set: { column: "column", reference_set: "reference-set" },
  n_most_common_items_in_set: { column: "column", n: "positive-integer", reference_set: "reference-set" },
  column_is_nullable_integral: COLUMN,
  column_is_nullable_fractional: COLUMN,
  column_is_nullable_boolean: COLUMN,
  column_is_nullable_string: COLUMN,
  column_is_nullable_object: COLUMN,
  column_is_nullable_datatype: { column: "column", datatype: "type" },
  column_has_non_zero_types: { column: "column", types_list: "types" },
  column_has_zero_count_types: { column: "column", types_list: "types" },
  column_exists: COLUMN,
  columns_present: { columns: "columns" },
};

const EXPECTED: { readonly [K in FieldKind]: string } = {
  column: "a column name (a non-empty string)",
  columns: "a non-empty list of column names",
  number: "a finite number",
  "non-negative": "a finite number ≥ 0",
  count: "a whole number ≥ 0",
  "positive-integer": "a whole number ≥ 1",
  "unit-interval": "a number in [0, 1]",
  "reference-set": "a non-empty list of values (strings, or integers as frequent items spell them)",
  type: `one of ${TYPE_COUNTER_NAMES.join(", ")}`,
  types: `a non-empty list of ${TYPE_COUNTER_NAMES.join(", ")}`,
};

const KNOWN_CHECKS: ReadonlySet<string> = new Set(CHECK_NAMES);
const KNOWN_TYPES: ReadonlySet<string> = new Set(TYPE_COUNTER_NAMES);

function invalid(path: string | undefined, message: string): AnalysisError {
  return new AnalysisError("invalid-config", path === undefined ? message : `${path}: ${message}`, {
    ...(path === undefined ? {} : { path }),
  });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Describes a value the way a reader of the document would recognise it. */
function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}

function fieldPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const segment = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
  if (parent === "") return segment;
  return segment.startsWith('"') ? `${parent}[${segment}]` : `${parent}.${segment}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** " (did you mean 'x'?)" for the closest candidate within a typo's reach, else "". */
function suggestion(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A prefix of a longer name (`mean_between` for `mean_between_range`) is a typo too, however short.
  best ??= candidates.find((c) => word.length >= 4 && c.startsWith(word.toLowerCase()));
  return best === undefined ? "" : ` (did you mean '${best}'?)`;
}

function checkColumnName(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") {
    throw invalid(path, `expected ${EXPECTED.column}, got ${describeValue(value)}`);
  }
  return value;
}

function checkList(value: unknown, path: string, kind: FieldKind): readonly unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    const got = Array.isArray(value) ? "an empty list" : describeValue(value);
    throw invalid(path, `expected ${EXPECTED[kind]}, got ${got}`);
  }
  return value;
}

function checkTypeName(value: unknown, path: string): TypeCounterName {
  if (typeof value !== "string" || !KNOWN_TYPES.has(value)) {
    const hint = typeof value === "string" ? suggestion(value, TYPE_COUNTER_NAMES) : "";
    throw invalid(path, `expected ${EXPECTED.type}, got ${describeValue(value)}${hint}`);
  }
  return value as TypeCounterName;
}

function checkReferenceItem(value: unknown, path: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  const hint =
    typeof value === "boolean"
      ? `; frequent items spell booleans "True" and "False", so quote them that way`
      : typeof value === "number"
        ? `; frequent items spell fractional numbers with six decimals ("${value.toFixed(6)}"), so quote them that way`
        : "";
  throw invalid(path, `expected a string or an integer, got ${describeValue(value)}${hint}`);
}

function checkField(kind: FieldKind, value: unknown, path: string): unknown {
  switch (kind) {
    case "column":
      return checkColumnName(value, path);
    case "columns":
      return checkList(value, path, kind).map((v, i) => checkColumnName(v, fieldPath(path, i)));
    case "reference-set":
      return checkList(value, path, kind).map((v, i) => checkReferenceItem(v, fieldPath(path, i)));
    case "type":
      return checkTypeName(value, path);
    case "types":
      return checkList(value, path, kind).map((v, i) => checkTypeName(v, fieldPath(path, i)));
    default:
      return checkNumber(kind, value, path);
  }
}

function checkNumber(kind: FieldKind, value: unknown, path: string): number {
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (kind === "number" ||
      (kind === "non-negative" && value >= 0) ||
      (kind === "count" && Number.isSafeInteger(value) && value >= 0) ||
      (kind === "positive-integer" && Number.isSafeInteger(value) && value >= 1) ||
      (kind === "unit-interval" && value >= 0 && value <= 1));
  if (!ok) {
    const hint =
      kind === "unit-interval" && typeof value === "number" && value > 1 && value <= 100
        ? ` (a fraction, so ${value}% is ${value / 100})`
        : "";
    throw invalid(path, `expected ${EXPECTED[kind]}, got ${describeValue(value)}${hint}`);
  }
  return value;
}

function validateConstraint(entry: unknown, path: string): Constraint {
  const validChecks = `valid checks: ${CHECK_NAMES.join(", ")}`;
  if (!isMapping(entry)) {
    throw invalid(path, `expected a mapping with a 'check' field, got ${describeValue(entry)}`);
  }
  const check = entry["check"];
  const checkPath = fieldPath(path, "check");
  if (check === undefined) throw invalid(checkPath, `missing 'check'; ${validChecks}`);
  if (typeof check !== "string") {
    throw invalid(checkPath, `expected the name of a check, got ${describeValue(check)}; ${validChecks}`);
  }
  if (!KNOWN_CHECKS.has(check)) {
    throw invalid(
      checkPath,
      `unknown check ${JSON.stringify(check)}${suggestion(check, CHECK_NAMES)}; ${validChecks}`,
    );
  }
  const parameters = PARAMETERS[check as CheckName];
  const allowed = ["check", "name", ...Object.keys(parameters)];
  for (const key of Object.keys(entry)) {
    if (!allowed.includes(key)) {
      throw invalid(
        fieldPath(path, key),
        `unknown field ${JSON.stringify(key)} for ${check}${suggestion(key, allowed)}; allowed fields: ${allowed.join(", ")}`,
      );
    }
  }

  const out: Record<string, unknown> = { check };
  for (const [key, kind] of Object.entries(parameters)) {
    const fieldAt = fieldPath(path, key);
    const value = entry[key];
    if (value === undefined)
      throw invalid(fieldAt, `missing '${key}' (${EXPECTED[kind]}), required by ${check}`);
    out[key] = checkField(kind, value, fieldAt);
  }
  if (typeof out["lower"] === "number" && typeof out["upper"] === "number" && out["lower"] > out["upper"]) {
    throw invalid(
      fieldPath(path, "lower"),
      `lower (${out["lower"]}) is greater than upper (${out["upper"]}); the range is [lower, upper]`,
    );
  }

  const constraint = out as unknown as Constraint;
  const name = entry["name"];
  if (name === undefined) return { ...constraint, name: defaultConstraintName(constraint) };
  if (typeof name !== "string" || name.trim() === "") {
    throw invalid(fieldPath(path, "name"), `expected a non-empty string, got ${describeValue(name)}`);
  }
  return { ...constraint, name };
}

/**
 * Validates an already-parsed constraint document (`{ constraints: [...] }`, e.g. from `JSON.parse`) and
 * returns it with every constraint named.
 * @throws AnalysisError `invalid-config` for the first problem found, its `path` naming the offending field
 *   (`constraints[3].quantile`); `path` is absent when the document as a whole is not a mapping.
 */
export function validateConstraints(doc: unknown): ConstraintSet {
  if (!isMapping(doc)) {
    throw invalid(
      undefined,
      `a constraint document must be a mapping with a 'constraints' list, got ${describeValue(doc)}`,
    );
  }
  for (const key of Object.keys(doc)) {
    if (key !== "constraints") {
      throw invalid(
        fieldPath("", key),
        `unknown field ${JSON.stringify(key)}${suggestion(key, ["constraints"])}; a constraint document has one field, 'constraints'`,
      );
    }
  }
  const list = doc["constraints"];
  if (list === undefined) throw invalid("constraints", "missing 'constraints', the list of constraints");
  if (!Array.isArray(list)) {
    throw invalid("constraints", `expected a list of constraints, got ${describeValue(list)}`);
  }
  return { constraints: list.map((entry, i) => validateConstraint(entry, fieldPath("constraints", i))) };
}
