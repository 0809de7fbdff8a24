// The performance flags shared by `profile` and `performance`: which columns hold a model's prediction, its
// scores and the true label, as the PerformanceSpec `@sightglass/profile` tracks metrics with.

import { ProfileError, checkPerformanceSpec, scoreColumns } from "@sightglass/profile";
import type { PerformanceSpec } from "@sightglass/profile";
import { CliError } from "../errors.js";

export interface PerformanceFlags {
  readonly predictionColumn?: string;
  readonly scoreColumn?: string;
  readonly labelColumn?: string;
  readonly positiveLabel?: string;
  readonly task?: string;
}

export const TASKS = ["classification", "regression"] as const;

/**
 * `--score-column`: one column (a binary classifier's probability of the positive label), or for a
 * multiclass one `label=column` pairs separated by commas.
 */
export function parseScoreColumns(text: string): string | Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === "") throw new CliError("usage", "--score-column needs a column name");
  if (!trimmed.includes("=")) return trimmed;
  const out: Record<string, string> = {};
  for (const part of trimmed.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const label = eq < 0 ? "" : part.slice(0, eq).trim();
    const column = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (label === "" || column === "") {
      throw new CliError(
        "usage",
        `--score-column: ${JSON.stringify(part.trim())} is not label=column (multiclass scores are label=column pairs separated by commas)`,
      );
    }
    if (Object.prototype.hasOwnProperty.call(out, label)) {
      throw new CliError("usage", `--score-column names class ${JSON.stringify(label)} twice`);
    }
    Object.defineProperty(out, label, {
      value: column,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (Object.keys(out).length === 0) throw new CliError("usage", "--score-column names no class");
  return out;
}

/** Whether any performance flag was given. */
export function hasPerformanceFlags(o: PerformanceFlags): boolean {
  return (
    o.predictionColumn !== undefined ||
    o.scoreColumn !== undefined ||
    o.labelColumn !== undefined ||
    o.positiveLabel !== undefined ||
    o.task !== undefined
  );
}

/** The spec the flags describe (validated), or undefined when none was given. */
export function performanceSpecOf(o: PerformanceFlags): PerformanceSpec | undefined {
  if (!hasPerformanceFlags(o)) return undefined;
  const task = o.task ?? "classification";
  if (!(TASKS as readonly string[]).includes(task)) {
    throw new CliError("usage", `--task must be classification or regression, got ${JSON.stringify(o.task)}`);
  }
  if (o.predictionColumn === undefined) {
    throw new CliError(
      "usage",
      "performance metrics need --prediction-column (the column of the model's output)",
    );
  }
  if (o.labelColumn === undefined) {
    throw new CliError(
      "usage",
      "performance metrics need --label-column (the column of the true label; it may be missing or empty until labels arrive)",
    );
  }
  if (task === "regression") {
    if (o.scoreColumn !== undefined) {
      throw new CliError(
        "usage",
        "--score-column is for classifiers; --task regression uses the prediction and label only",
      );
    }
    if (o.positiveLabel !== undefined) {
      throw new CliError("usage", "--positive-label is for binary classifiers, not --task regression");
    }
  }
  const scores = o.scoreColumn === undefined ? undefined : parseScoreColumns(o.scoreColumn);
  if (typeof scores === "object" && o.positiveLabel !== undefined) {
    throw new CliError(
      "usage",
      "--positive-label applies to a binary classifier with one --score-column, not to label=column pairs",
    );
  }
  const spec =
    task === "regression"
      ? { task, prediction: o.predictionColumn, target: o.labelColumn }
      : {
          task,
          prediction: o.predictionColumn,
          target: o.labelColumn,
          ...(scores !== undefined ? { scores } : {}),
          ...(o.positiveLabel !== undefined ? { positiveLabel: o.positiveLabel } : {}),
        };
  try {
    return checkPerformanceSpec(spec);
  } catch (e) {
    if (e instanceof ProfileError)
      throw new CliError("usage", e.message.replace(/^performance: /, ""), { cause: e });
    throw e;
  }
}

/**
 * Checks that profiled data had the spec's prediction and score columns (JSON Lines records without a key
 * do not fail while tracking) and, when `labelRequired`, the label column. Returns whether the label column
 * was there.
 */
export function checkPerformanceColumns(
  spec: PerformanceSpec,
  columns: ReadonlySet<string>,
  source: string,
  labelRequired: string | null = null,
): boolean {
  const need: [string, string][] = [
    ["--prediction-column", spec.prediction],
    ...scoreColumns(spec).map((c): [string, string] => ["--score-column", c]),
  ];
  for (const [flag, column] of need) {
    if (!columns.has(column)) {
      throw new CliError("usage", `${flag} ${JSON.stringify(column)} is not a column of ${source}`, {
        source,
      });
    }
  }
  const hasLabel = columns.has(spec.target);
  if (!hasLabel && labelRequired !== null) {
    throw new CliError(
      "usage",
      `--label-column ${JSON.stringify(spec.target)} is not a column of ${source}; ${labelRequired}`,
      { source },
    );
  }
  return hasLabel;
}
