// Wording shared by the overview and comparison pages: drift methods, p-values, quality checks.
import type { DriftCategory, Severity } from "../api/types";

export const DRIFT_METHODS = [
  "ks",
  "hellinger",
  "jensen_shannon",
  "psi",
  "wasserstein",
  "chi_square",
  "linf",
] as const;
export type DriftMethodName = (typeof DRIFT_METHODS)[number];

const METHOD_LABELS: Readonly<Record<string, string>> = {
  auto: "Automatic (by column kind and size)",
  ks: "Kolmogorov–Smirnov",
  hellinger: "Hellinger",
  jensen_shannon: "Jensen–Shannon",
  psi: "PSI",
  wasserstein: "Wasserstein",
  chi_square: "Chi-square",
  linf: "L∞",
};

/** Short names for table cells; the long ones go in the method picker. */
const METHOD_SHORT: Readonly<Record<string, string>> = {
  ks: "KS",
  hellinger: "Hellinger",
  jensen_shannon: "Jensen–Shannon",
  psi: "PSI",
  wasserstein: "Wasserstein",
  chi_square: "χ²",
  linf: "L∞",
};

export function methodLabel(method: string): string {
  return METHOD_LABELS[method] ?? method;
}

export function methodShort(method: string): string {
  return METHOD_SHORT[method] ?? method;
}

/** p-values: two significant digits, and "<0.001" below, where more digits only suggest precision. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  if (p < 0.001) return "<0.001";
  return String(Number(p.toPrecision(2)));
}

/** Drift categories worst first, for sorting; unscored columns rank below "no drift". */
export function driftRank(category: DriftCategory | null | undefined): number {
  return category === "drift" ? 3 : category === "possible_drift" ? 2 : category === "no_drift" ? 1 : 0;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  critical: 4,
  error: 3,
  warning: 2,
  info: 1,
};

const CHECK_LABELS: Readonly<Record<string, string>> = {
  schema_change: "Schema change",
  missing_values: "Missing values",
  type_mismatch: "Type change",
  new_category: "New categories",
  vanished_category: "Vanished categories",
  out_of_range: "Out of range",
  quantile_range: "Quantile range",
  cardinality_change: "Cardinality change",
  constant_column: "Constant column",
};

export function checkLabel(check: string): string {
  return CHECK_LABELS[check] ?? check.replace(/_/g, " ");
}

/** The metric a sparkline draws, as a person says it. */
export function sparklineMetricLabel(metric: string): string {
  if (metric === "distribution/mean") return "Mean per bucket";
  if (metric === "counts/n") return "Values per bucket";
  return metric;
}
