// Drift of one column between a reference and a target profile, with the method chosen from the column's
// inferred type and the sample size unless the caller names one.

import type { ColumnProfileView } from "@sightglass/profile";
import { AnalysisError } from "../errors.js";
import { columnFacts } from "../column-facts.js";
import type { ColumnFacts } from "../column-facts.js";
import { binnedDrift } from "./binned.js";
import { categoricalHistogramPair, numericHistogramPair, quantileHistogramPair } from "./histogram-pair.js";
import type { BinningOptions } from "./histogram-pair.js";
import { ksDrift } from "./ks.js";
import { DRIFT_METHODS, checkThresholds } from "./types.js";
import type { DriftMethod, DriftResult, DriftThresholds } from "./types.js";
import { wassersteinDrift } from "./wasserstein.js";

/** How a column's values are compared: as numbers (KLL sketches) or as categories (frequent items). */
export type DriftKind = "numeric" | "categorical";

export interface ColumnDriftOptions {
  /** A method, or "auto" (default) to choose by the column's kind and the sample size. */
  readonly method?: DriftMethod | "auto";
  /** Thresholds per method; a method not listed keeps DEFAULT_THRESHOLDS. */
  readonly thresholds?: Partial<Record<DriftMethod, DriftThresholds>>;
  /**
   * "auto" uses a p-value test (KS, chi-square) up to this effective sample size n·m / (n + m) and a distance
   * (PSI, Jensen–Shannon) above it. Default 10,000.
   */
  readonly largeSampleSize?: number;
  /** An integer column with at most this many distinct reference values is compared as categories. Default 20. */
  readonly maxCategoricalIntegers?: number;
  /** Numeric binning for the binned methods (whylogs' defaults). */
  readonly binning?: BinningOptions;
}

export const DEFAULT_LARGE_SAMPLE_SIZE = 10_000;
export const DEFAULT_MAX_CATEGORICAL_INTEGERS = 20;

export interface ColumnDrift {
  readonly column: string;
  /** How the column was compared; null when it could not be. */
  readonly kind: DriftKind | null;
  /** The drift score, or null with a `reason`. */
  readonly result: DriftResult | null;
  readonly reason: string | null;
  /** Non-null values compared on each side. */
  readonly referenceCount: number;
  readonly targetCount: number;
}

function distinctEstimate(facts: ColumnFacts): number {
  if (facts.hll !== null) return facts.hll.getEstimate();
  const fi = facts.frequentItems;
  return fi !== null && fi.getMaximumError() === 0 ? fi.getNumActiveItems() : Infinity;
}

const hasNumbers = (f: ColumnFacts) => f.kll !== null && !f.kll.isEmpty();
const hasCategories = (f: ColumnFacts) => f.frequentItems !== null && f.frequentItems.getTotalWeight() > 0;

/**
 * The kind a column is compared as, led by the reference's inferred type (the target's when the reference has
 * no values): fractional → numeric; integral → categorical when it has few distinct values (≤
 * `maxCategoricalIntegers`), else numeric; boolean, string and other kinds → categorical. Falls back to the
 * other kind when the preferred sketches are missing on either side; null when neither is on both sides.
 */
export function driftKind(
  reference: ColumnFacts,
  target: ColumnFacts,
  maxCategoricalIntegers = DEFAULT_MAX_CATEGORICAL_INTEGERS,
): DriftKind | null {
  const numeric = hasNumbers(reference) && hasNumbers(target);
  const categorical = hasCategories(reference) && hasCategories(target);
  const type = reference.inferredType !== "null" ? reference.inferredType : target.inferredType;
  let preferred: DriftKind;
  if (type === "fractional") preferred = "numeric";
  else if (type === "integral") {
    preferred = distinctEstimate(reference) <= maxCategoricalIntegers ? "categorical" : "numeric";
  } else preferred = "categorical";
  if (preferred === "numeric") return numeric ? "numeric" : categorical ? "categorical" : null;
  return categorical ? "categorical" : numeric ? "numeric" : null;
}

function compared(facts: ColumnFacts, kind: DriftKind): number {
  return kind === "numeric" ? facts.kll!.getN() : facts.frequentItems!.getTotalWeight();
}

/** The method "auto" picks for a kind and effective sample size. */
export function autoMethod(kind: DriftKind, effectiveSize: number, largeSampleSize: number): DriftMethod {
  const small = effectiveSize <= largeSampleSize;
  if (kind === "numeric") return small ? "ks" : "psi";
  return small ? "chi_square" : "jensen_shannon";
}

/**
 * Validates the options of a column drift.
 * @throws AnalysisError `invalid-argument` naming the offending option.
 */
export function checkColumnDriftOptions(options: ColumnDriftOptions): void {
  const { method, largeSampleSize, maxCategoricalIntegers } = options;
  if (method !== undefined && method !== "auto" && !DRIFT_METHODS.includes(method)) {
    throw new AnalysisError(
      "invalid-argument",
      `unknown drift method ${JSON.stringify(method)}; expected "auto" or one of ${DRIFT_METHODS.join(", ")}`,
    );
  }
  for (const [name, value] of [
    ["largeSampleSize", largeSampleSize],
    ["maxCategoricalIntegers", maxCategoricalIntegers],
  ] as const) {
    if (value !== undefined && !(value >= 0)) {
      throw new AnalysisError("invalid-argument", `${name} must be a number ≥ 0, got ${String(value)}`);
    }
  }
  for (const [m, t] of Object.entries(options.thresholds ?? {})) {
    if (!DRIFT_METHODS.includes(m as DriftMethod)) {
      throw new AnalysisError(
        "invalid-argument",
        `thresholds given for unknown drift method ${JSON.stringify(m)}`,
      );
    }
    if (t !== undefined) checkThresholds(m as DriftMethod, t);
  }
}

/**
 * Drift of one column. Automatic choice ("auto", the default):
 *
 * | kind        | effective size n·m/(n+m) ≤ largeSampleSize | above                                |
 * |-------------|--------------------------------------------|--------------------------------------|
 * | numeric     | KS (p-value)                               | PSI on the reference's deciles       |
 * | categorical | chi-square (p-value)                       | Jensen–Shannon distance              |
 *
 * Above 10,000 a p-value test flags shifts too small to matter, and the rank error of two k = 1024 KLL
 * sketches (≈ 0.005) exceeds a third of KS's critical distance 1.36 / √n, so the p-value would be as much
 * sketch noise as data: a distance with a fixed threshold answers "how much" instead. PSI on deciles is the
 * distance the sketches pin down best: every bin holds a tenth of the reference, so the KLL error is small
 * next to each share (Hellinger and Jensen–Shannon on whylogs' 30 equal-width bins are dominated by nearly
 * empty tail bins, where an additive rank error is a large relative one).
 * @throws AnalysisError `invalid-argument` for unknown methods or invalid thresholds/options.
 */
export function columnDrift(
  reference: ColumnProfileView,
  target: ColumnProfileView,
  options: ColumnDriftOptions = {},
): ColumnDrift {
  checkColumnDriftOptions(options);
  return driftOfFacts(columnFacts(reference), columnFacts(target), options);
}

/** One method on one column whose kind is settled (its sketches are on both sides). */
function scoreColumn(
  method: DriftMethod,
  kind: DriftKind,
  ref: ColumnFacts,
  tgt: ColumnFacts,
  options: ColumnDriftOptions,
): DriftResult | null {
  const thresholds = options.thresholds?.[method];
  switch (method) {
    case "ks":
      return ksDrift(ref.kll!, tgt.kll!, { thresholds });
    case "wasserstein":
      return wassersteinDrift(ref.kll!, tgt.kll!, { thresholds });
    default: {
      // Numbers: whylogs' equal-width bins for Hellinger, Jensen–Shannon and L∞; reference deciles for PSI and
      // chi-square, whose per-bin terms blow up the sketch error of nearly empty bins.
      const pair =
        kind === "categorical"
          ? categoricalHistogramPair(ref.frequentItems!, tgt.frequentItems!)
          : method === "psi" || method === "chi_square"
            ? quantileHistogramPair(ref.kll!, tgt.kll!)
            : numericHistogramPair(ref.kll!, tgt.kll!, options.binning);
      return binnedDrift(method, pair, thresholds);
    }
  }
}

/** {@link columnDrift} on facts already read (options already checked with {@link checkColumnDriftOptions}). */
export function driftOfFacts(ref: ColumnFacts, tgt: ColumnFacts, options: ColumnDriftOptions): ColumnDrift {
  const skip = (reason: string, kind: DriftKind | null = null): ColumnDrift => ({
    column: ref.name,
    kind,
    result: null,
    reason,
    referenceCount: kind === null ? 0 : compared(ref, kind),
    targetCount: kind === null ? 0 : compared(tgt, kind),
  });
  const requested = options.method ?? "auto";
  let kind = driftKind(ref, tgt, options.maxCategoricalIntegers);
  if (kind === null) {
    const empty = [ref, tgt]
      .filter((f) => !hasNumbers(f) && !hasCategories(f))
      .map((f) => (f === ref ? "reference" : "target"));
    return skip(
      empty.length > 0
        ? `no non-null values to compare in the ${empty.join(" and ")}`
        : "the profiles share no sketch to compare (a distribution on both sides, or frequent items on both sides)",
    );
  }
  // KS and Wasserstein need the distributions; a numeric request on a categorical column uses them if present.
  if ((requested === "ks" || requested === "wasserstein") && kind === "categorical") {
    if (!(hasNumbers(ref) && hasNumbers(tgt))) {
      return skip(`${requested} needs numeric values on both sides; the column holds categories`, kind);
    }
    kind = "numeric";
  }
  const n = compared(ref, kind);
  const m = compared(tgt, kind);
  const method =
    requested === "auto"
      ? autoMethod(kind, (n * m) / (n + m), options.largeSampleSize ?? DEFAULT_LARGE_SAMPLE_SIZE)
      : requested;
  if (method === "wasserstein") {
    // The one method undefined for some values: a distance over infinities (scipy answers NaN).
    const infinite = [ref, tgt].findIndex(
      (f) => f.kll !== null && !(Number.isFinite(f.kll.getMinItem()) && Number.isFinite(f.kll.getMaxItem())),
    );
    if (infinite >= 0) {
      const side = infinite === 0 ? "reference" : "target";
      return skip(
        `the Wasserstein distance is undefined: the ${side} holds infinite values; use ks or psi instead`,
        kind,
      );
    }
  }
  const result = scoreColumn(method, kind, ref, tgt, options);
  return { column: ref.name, kind, result, reason: null, referenceCount: n, targetCount: m };
}
