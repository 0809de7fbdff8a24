// Drift of every column of a dataset (and of every segment), with the false-alarm rate controlled across all
// the p-value tests run together: Benjamini–Hochberg over columns × segments, so 500 unchanged columns at
// α = 0.05 raise no alarm in about 95% of checks instead of about 25 alarms in every check.

import type { DatasetProfileView } from "@sightglass/profile";
import { columnFacts } from "../column-facts.js";
import { checkColumnDriftOptions, driftOfFacts } from "../drift/column.js";
import type { ColumnDriftOptions, DriftKind } from "../drift/column.js";
import { DEFAULT_THRESHOLDS, DRIFT_METHODS, categoryOfPValue, isPValueMethod } from "../drift/types.js";
import type { DriftCategory, DriftMethod } from "../drift/types.js";
import { AnalysisError } from "../errors.js";
import { benjaminiHochberg } from "../multiple/benjamini-hochberg.js";

export type Correction = "benjamini-hochberg" | "none";

export interface DatasetDriftOptions extends ColumnDriftOptions {
  /** Only these columns (default: every column present in both profiles). */
  readonly columns?: readonly string[];
  /** A method per column, overriding `method` (like whylogs' drift_map). */
  readonly methodByColumn?: Readonly<Record<string, DriftMethod | "auto">>;
  /**
   * How p-values are corrected for testing many columns (and segments) at once. Default Benjamini–Hochberg:
   * each p-value method's category then comes from the adjusted p-value, which keeps the expected share of
   * false alarms among the alarms at the drift threshold (0.05), and the chance of any false alarm on a
   * dataset that did not change at most that.
   */
  readonly correction?: Correction;
  /**
   * Effect-size floor for the p-value methods: a significant result counts as drift (or possible drift) only
   * if its effect size is at least this large even at its lower bound. The effect size is KS's D, or Cramér's
   * V = √(χ² / N) for chi-square, both in [0, 1]. Keeps huge windows from alarming on trivial shifts. Default
   * none.
   */
  readonly minEffectSize?: number;
  /**
   * The dataset has drifted when the share of drifted columns reaches this (Evidently's `drift_share`).
   * Default: any drifted column, which with the correction keeps false dataset alarms at the drift threshold.
   */
  readonly driftShare?: number;
}

/** One column (of one segment) in a dataset drift report. */
export interface ColumnDriftEntry {
  readonly column: string;
  /** The segment's name (null for an unsegmented comparison). */
  readonly segment: string | null;
  readonly kind: DriftKind;
  readonly method: DriftMethod;
  readonly statistic: number;
  /** The method's own p-value, uncorrected; null for distances. */
  readonly pValue: number | null;
  /** The p-value after the correction across all tests of the report (= pValue without correction). */
  readonly adjustedPValue: number | null;
  /** Most the statistic can differ from the raw-data statistic, from the sketches' accuracy. */
  readonly bound: number;
  /** Category after correction and the effect-size floor. */
  readonly category: DriftCategory;
  /** KS D, Cramér's V for chi-square, the statistic itself for distances (Wasserstein: per IQR when defaulted). */
  readonly effectSize: number;
  readonly referenceCount: number;
  readonly targetCount: number;
}

export interface SkippedColumn {
  readonly column: string;
  readonly segment: string | null;
  readonly reason: string;
}

export interface DatasetDriftSummary {
  /** Column comparisons with a score. */
  readonly tested: number;
  readonly drifted: number;
  readonly possibleDrift: number;
  /** drifted / tested (0 when nothing was tested). */
  readonly share: number;
  readonly datasetDrift: boolean;
  readonly correction: Correction;
  readonly driftShare: number | null;
  readonly minEffectSize: number | null;
  /** Columns present in both profiles that could not be compared, with why. */
  readonly skipped: readonly SkippedColumn[];
}

export interface DatasetDriftReport {
  /** Sorted by severity (drift, possible drift, no drift), then by p-value or effect size, then by name. */
  readonly columns: readonly ColumnDriftEntry[];
  readonly summary: DatasetDriftSummary;
}

/** A reference and a target profile of one segment (or of the whole dataset, with segment null). */
export interface ProfilePair {
  readonly segment: string | null;
  readonly reference: DatasetProfileView;
  readonly target: DatasetProfileView;
}

function checkOptions(o: DatasetDriftOptions): void {
  checkColumnDriftOptions(o);
  if (o.correction !== undefined && o.correction !== "benjamini-hochberg" && o.correction !== "none") {
    throw new AnalysisError(
      "invalid-argument",
      `correction must be "benjamini-hochberg" or "none", got ${JSON.stringify(o.correction)}`,
    );
  }
  if (o.minEffectSize !== undefined && !(o.minEffectSize >= 0 && o.minEffectSize <= 1)) {
    throw new AnalysisError("invalid-argument", `minEffectSize must be in [0, 1], got ${o.minEffectSize}`);
  }
  if (o.driftShare !== undefined && !(o.driftShare > 0 && o.driftShare <= 1)) {
    throw new AnalysisError("invalid-argument", `driftShare must be in (0, 1], got ${o.driftShare}`);
  }
  for (const [column, m] of Object.entries(o.methodByColumn ?? {})) {
    if (m !== "auto" && !DRIFT_METHODS.includes(m)) {
      throw new AnalysisError(
        "invalid-argument",
        `methodByColumn: unknown method ${JSON.stringify(m)} for column ${JSON.stringify(column)}`,
        { column },
      );
    }
  }
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const SEVERITY: Readonly<Record<DriftCategory, number>> = { drift: 0, possible_drift: 1, no_drift: 2 };

/** Effect size and its lower bound given the sketches' error. */
function effectOf(
  method: DriftMethod,
  statistic: number,
  bound: number,
  n: number,
  m: number,
): [number, number] {
  if (method === "chi_square") {
    const total = n + m;
    return [Math.sqrt(statistic / total), Math.sqrt(Math.max(0, statistic - bound) / total)];
  }
  return [statistic, Math.max(0, statistic - bound)];
}

/**
 * Drift of every column of every pair, p-values corrected across the whole report. Columns are those present
 * in both profiles of a pair (schema changes are the data-quality report's business).
 * @throws AnalysisError `invalid-argument` for invalid options.
 */
export function driftOfPairs(
  pairs: readonly ProfilePair[],
  options: DatasetDriftOptions = {},
): DatasetDriftReport {
  checkOptions(options);
  const correction = options.correction ?? "benjamini-hochberg";
  const raw: (ColumnDriftEntry & { lowEffect: number })[] = [];
  const skipped: SkippedColumn[] = [];
  for (const { segment, reference, target } of pairs) {
    const targetNames = new Set(target.columnNames());
    let names = reference.columnNames().filter((c) => targetNames.has(c));
    if (options.columns !== undefined) {
      // A requested column missing from a side is reported, not silently dropped.
      const shared = new Set(names);
      for (const name of options.columns) {
        if (shared.has(name)) continue;
        const missing = [reference, target].filter((v) => v.column(name) === undefined);
        const sides = missing.map((v) => (v === reference ? "reference" : "target")).join(" and ");
        skipped.push({ column: name, segment, reason: `the column is not in the ${sides}` });
      }
      names = options.columns.filter((c) => shared.has(c));
    }
    for (const name of names) {
      const method = options.methodByColumn?.[name] ?? options.method;
      const drift = driftOfFacts(columnFacts(reference.column(name)!), columnFacts(target.column(name)!), {
        ...options,
        method,
      });
      if (drift.result === null) {
        skipped.push({ column: name, segment, reason: drift.reason! });
        continue;
      }
      const r = drift.result;
      const [effectSize, lowEffect] = effectOf(
        r.method,
        r.statistic,
        r.bound,
        drift.referenceCount,
        drift.targetCount,
      );
      raw.push({
        column: name,
        segment,
        kind: drift.kind!,
        method: r.method,
        statistic: r.statistic,
        pValue: r.pValue,
        adjustedPValue: r.pValue,
        bound: r.bound,
        category: r.category,
        effectSize,
        referenceCount: drift.referenceCount,
        targetCount: drift.targetCount,
        lowEffect,
      });
    }
  }

  const tested = raw.filter((e) => e.pValue !== null);
  const adjusted =
    correction === "benjamini-hochberg" && tested.length > 0
      ? benjaminiHochberg(tested.map((e) => e.pValue!)).adjusted
      : tested.map((e) => e.pValue!);
  const adjustedOf = new Map(tested.map((e, i) => [e, adjusted[i]!]));

  const columns: ColumnDriftEntry[] = raw.map((e) => {
    const { lowEffect, ...entry } = e;
    if (!isPValueMethod(e.method)) return entry;
    const q = adjustedOf.get(e)!;
    const thresholds = options.thresholds?.[e.method] ?? DEFAULT_THRESHOLDS[e.method];
    let category = categoryOfPValue(q, thresholds);
    if (options.minEffectSize !== undefined && lowEffect < options.minEffectSize) category = "no_drift";
    return { ...entry, adjustedPValue: q, category };
  });
  columns.sort(
    (a, b) =>
      SEVERITY[a.category] - SEVERITY[b.category] ||
      (a.adjustedPValue ?? 1) - (b.adjustedPValue ?? 1) ||
      b.effectSize - a.effectSize ||
      byCodePoint(a.column, b.column) ||
      byCodePoint(a.segment ?? "", b.segment ?? ""),
  );

  const drifted = columns.filter((c) => c.category === "drift").length;
  const possibleDrift = columns.filter((c) => c.category === "possible_drift").length;
  const share = columns.length > 0 ? drifted / columns.length : 0;
  const driftShare = options.driftShare ?? null;
  return {
    columns,
    summary: {
      tested: columns.length,
      drifted,
      possibleDrift,
      share,
      datasetDrift: driftShare === null ? drifted > 0 : columns.length > 0 && share >= driftShare,
      correction,
      driftShare,
      minEffectSize: options.minEffectSize ?? null,
      skipped,
    },
  };
}

/** Drift of every column shared by two profiles; see {@link driftOfPairs}. */
export function datasetDrift(
  reference: DatasetProfileView,
  target: DatasetProfileView,
  options: DatasetDriftOptions = {},
): DatasetDriftReport {
  return driftOfPairs([{ segment: null, reference, target }], options);
}
