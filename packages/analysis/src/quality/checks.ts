// Data-quality findings between a reference and a target profile, each with a message a person can act on.
// Every finding is read from the sketches and says what the sketches cannot know: a frequent-items sketch
// that tracks only the heaviest values cannot prove a value is new, and quantile-based shares carry the KLL
// rank error.

import type { DatasetProfileView } from "@sightglass/profile";
import { ErrorType } from "@sightglass/sketches";
import { TYPE_COUNTER_NAMES, columnFacts, nonNullCount } from "../column-facts.js";
import type { ColumnFacts, InferredType } from "../column-facts.js";
import { driftKind, DEFAULT_MAX_CATEGORICAL_INTEGERS } from "../drift/column.js";
import { cdfError } from "../drift/ks.js";
import { AnalysisError } from "../errors.js";
import { regularizedGammaP, regularizedGammaQ } from "../stats/gamma.js";

export type QualityCheck =
  | "schema_change"
  | "missing_values"
  | "type_mismatch"
  | "new_category"
  | "vanished_category"
  | "out_of_range"
  | "quantile_range"
  | "cardinality_change"
  | "constant_column";

export type Severity = "info" | "warning" | "error";

export type QualityValue = number | string | boolean | readonly string[] | null;

export interface QualityFinding {
  readonly check: QualityCheck;
  /** The column concerned (every finding here concerns one). */
  readonly column: string;
  readonly severity: Severity;
  /** What was found, in numbers, and how sure the sketches are. */
  readonly message: string;
  /** The compared quantity in the reference and in the target (a share, a count, a type, values). */
  readonly reference: QualityValue;
  readonly target: QualityValue;
}

export interface QualityOptions {
  /** Flag a missing-value share that grew by at least this much (absolute; default 0.05). */
  readonly missingIncrease?: number;
  /** Flag when at least this share of the target lies beyond the reference's min/max (default 0.01). */
  readonly outOfRangeShare?: number;
  /** Flag a distinct count (or distinct share) that grew or shrank by this factor (default 2). */
  readonly cardinalityFactor?: number;
  /**
   * Significance for the count-based checks (missing values, quantile range, vanished categories): a finding
   * needs the observed change to be this unlikely by chance (default 0.001), so small windows do not alarm.
   */
  readonly significance?: number;
  /** Values named per finding at most (default 10). */
  readonly maxListed?: number;
  /** Integer columns with at most this many distinct values count as categorical (default 20). */
  readonly maxCategoricalIntegers?: number;
}

const pct = (x: number) => `${(100 * x).toFixed(x !== 0 && Math.abs(x) < 0.001 ? 3 : 1)}%`;
const num = (x: number) =>
  Number.isInteger(x) ? x.toLocaleString("en-US") : String(Number(x.toPrecision(6)));
const quote = (s: string) => JSON.stringify(s);

/** One-sided p-value of a standard normal z: P(Z ≥ z). erfc(x) = Q(1/2, x²). */
function normalSf(z: number): number {
  return z >= 0 ? regularizedGammaQ(0.5, (z * z) / 2) / 2 : 1 - regularizedGammaQ(0.5, (z * z) / 2) / 2;
}

/** P(X ≥ k) for X ~ Poisson(λ) (the binomial tail for small shares): the regularized lower gamma P(k, λ). */
function poissonAtLeast(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  return regularizedGammaP(k, lambda);
}

function checkOptions(o: QualityOptions): Required<QualityOptions> {
  const fraction = (name: keyof QualityOptions, value: number | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    if (!(value > 0 && value <= 1)) {
      throw new AnalysisError("invalid-argument", `quality option ${name} must be in (0, 1], got ${value}`);
    }
    return value;
  };
  const factor = o.cardinalityFactor ?? 2;
  if (!(factor > 1)) {
    throw new AnalysisError(
      "invalid-argument",
      `quality option cardinalityFactor must be > 1, got ${factor}`,
    );
  }
  const integers = o.maxCategoricalIntegers ?? DEFAULT_MAX_CATEGORICAL_INTEGERS;
  if (!(integers >= 0)) {
    throw new AnalysisError(
      "invalid-argument",
      `quality option maxCategoricalIntegers must be a number ≥ 0, got ${integers}`,
    );
  }
  const listed = o.maxListed ?? 10;
  if (!Number.isInteger(listed) || listed < 1) {
    throw new AnalysisError(
      "invalid-argument",
      `quality option maxListed must be an integer ≥ 1, got ${listed}`,
    );
  }
  return {
    missingIncrease: fraction("missingIncrease", o.missingIncrease, 0.05),
    outOfRangeShare: fraction("outOfRangeShare", o.outOfRangeShare, 0.01),
    cardinalityFactor: factor,
    significance: fraction("significance", o.significance, 0.001),
    maxListed: listed,
    maxCategoricalIntegers: integers,
  };
}

type Emit = (f: Omit<QualityFinding, "column">) => void;

function missingValues(ref: ColumnFacts, tgt: ColumnFacts, o: Required<QualityOptions>, emit: Emit): void {
  if (tgt.count === 0) return;
  const r = ref.count > 0 ? ref.nulls / ref.count : 0;
  const t = tgt.nulls / tgt.count;
  if (t === 1) {
    emit({
      check: "missing_values",
      severity: "error",
      message: `every value is missing in the target (${num(tgt.count)} rows); the reference had ${pct(r)} missing`,
      reference: r,
      target: t,
    });
    return;
  }
  if (ref.count === 0) return;
  if (r === 0 && t > 0) {
    // The reference never missed a value: any missing value is news, if the reference was large enough that
    // this rate would have shown there too.
    if (poissonAtLeast(1, t * ref.count) < 1 - o.significance) return;
    emit({
      check: "missing_values",
      severity: "warning",
      message: `${num(tgt.nulls)} of ${num(tgt.count)} values (${pct(t)}) are missing in the target; the reference (${num(ref.count)} rows) had none`,
      reference: r,
      target: t,
    });
    return;
  }
  if (t - r < o.missingIncrease) return;
  const pooled = (ref.nulls + tgt.nulls) / (ref.count + tgt.count);
  const z = (t - r) / Math.sqrt(pooled * (1 - pooled) * (1 / ref.count + 1 / tgt.count));
  // The normal approximation is poor for few missing values; the Poisson tail at the reference rate is
  // conservative there. Either must call the rise significant.
  const pValue = Math.max(normalSf(z), poissonAtLeast(tgt.nulls, r * tgt.count));
  if (pValue >= o.significance) return;
  emit({
    check: "missing_values",
    severity: t - r >= 4 * o.missingIncrease ? "error" : "warning",
    message: `missing values rose from ${pct(r)} to ${pct(t)} (${num(tgt.nulls)} of ${num(tgt.count)} target rows)`,
    reference: r,
    target: t,
  });
}

const NUMERIC = new Set<InferredType>(["integral", "fractional"]);

function typeMismatch(ref: ColumnFacts, tgt: ColumnFacts, emit: Emit): void {
  if (ref.inferredType === "null" || tgt.inferredType === "null") return;
  const changed =
    ref.inferredType !== tgt.inferredType &&
    !(NUMERIC.has(ref.inferredType) && NUMERIC.has(tgt.inferredType));
  if (changed) {
    emit({
      check: "type_mismatch",
      severity: "error",
      message: `the column's type changed from ${ref.inferredType} to ${tgt.inferredType}`,
      reference: ref.inferredType,
      target: tgt.inferredType,
    });
    return;
  }
  const targetTotal = TYPE_COUNTER_NAMES.reduce((s, t) => s + tgt.types[t], 0);
  const compatible = (t: InferredType) =>
    t === ref.inferredType || (NUMERIC.has(t) && NUMERIC.has(ref.inferredType));
  for (const t of TYPE_COUNTER_NAMES) {
    if (tgt.types[t] === 0 || ref.types[t] > 0 || compatible(t)) continue;
    const share = tgt.types[t] / targetTotal;
    const referenceKinds = TYPE_COUNTER_NAMES.filter((k) => ref.types[k] > 0).join(", ");
    emit({
      check: "type_mismatch",
      severity: share >= 0.05 ? "error" : "warning",
      message: `${num(tgt.types[t])} of ${num(targetTotal)} values (${pct(share)}) are ${t}; the reference had only ${referenceKinds} values`,
      reference: referenceKinds,
      target: t,
    });
  }
}

function categories(ref: ColumnFacts, tgt: ColumnFacts, o: Required<QualityOptions>, emit: Emit): void {
  const rfi = ref.frequentItems!;
  const tfi = tgt.frequentItems!;
  const nr = rfi.getTotalWeight();
  const nt = tfi.getTotalWeight();
  const list = (items: string[]) =>
    items.slice(0, o.maxListed).map(quote).join(", ") +
    (items.length > o.maxListed ? `, … (${items.length} in all)` : "");

  // New values: certainly in the target (lower bound > 0).
  const present = tfi.getFrequentItems(ErrorType.NO_FALSE_POSITIVES, 0);
  if (rfi.getMaximumError() === 0) {
    const fresh = present.filter((row) => rfi.getLowerBound(row.item) === 0);
    if (fresh.length > 0) {
      const share = fresh.reduce((s, row) => s + row.lowerBound, 0) / nt;
      emit({
        check: "new_category",
        severity: share >= 0.01 ? "warning" : "info",
        message: `${fresh.length} value${fresh.length > 1 ? "s" : ""} never seen in the reference (at least ${pct(share)} of the target): ${list(fresh.map((r) => r.item))}`,
        reference: null,
        target: fresh.map((r) => r.item),
      });
    }
  } else {
    // The reference tracks only its heaviest values: an untracked value may have been there, up to the
    // sketch's maximum error. Only values far more frequent than that can be called new (or surging).
    const ceiling = rfi.getMaximumError() / nr;
    const surging = present.filter(
      (row) => rfi.getLowerBound(row.item) === 0 && row.lowerBound / nt >= Math.max(0.01, 10 * ceiling),
    );
    if (surging.length > 0) {
      emit({
        check: "new_category",
        severity: "warning",
        message: `${surging.length} value${surging.length > 1 ? "s" : ""} untracked in the reference now ${surging.length > 1 ? "make" : "makes"} at least 1% of the target: ${list(surging.map((r) => r.item))}; the reference's sketch is approximate, so each may have been there at up to ${pct(ceiling)}`,
        reference: null,
        target: surging.map((r) => r.item),
      });
    }
  }

  // Vanished values: certainly absent from the target (upper bound 0), and common enough in the reference
  // that the target would very likely have shown them.
  if (tfi.getMaximumError() === 0) {
    const gone = rfi
      .getFrequentItems(ErrorType.NO_FALSE_POSITIVES, 0)
      .filter(
        (row) => tfi.getUpperBound(row.item) === 0 && Math.pow(1 - row.lowerBound / nr, nt) < o.significance,
      );
    if (gone.length > 0) {
      const share = gone.reduce((s, row) => s + row.lowerBound, 0) / nr;
      emit({
        check: "vanished_category",
        severity: share >= 0.01 ? "warning" : "info",
        message: `${gone.length} value${gone.length > 1 ? "s" : ""} from the reference (at least ${pct(share)} of it) no longer ${gone.length > 1 ? "appear" : "appears"} among ${num(nt)} target values: ${list(gone.map((r) => r.item))}`,
        reference: gone.map((r) => r.item),
        target: null,
      });
    }
  }
}

function ranges(ref: ColumnFacts, tgt: ColumnFacts, o: Required<QualityOptions>, emit: Emit): void {
  const r = ref.kll!;
  const t = tgt.kll!;
  const eps = cdfError(t);
  const rMin = r.getMinItem();
  const rMax = r.getMaxItem();
  const below = t.getMinItem() < rMin ? t.getRank(rMin, { inclusive: false }) : 0;
  const above = t.getMaxItem() > rMax ? 1 - t.getRank(rMax, { inclusive: true }) : 0;
  const beyond = below + above;
  if (beyond >= o.outOfRangeShare) {
    const parts: string[] = [];
    if (below > 0)
      parts.push(
        `${pct(below)} below the reference minimum ${num(rMin)} (target minimum ${num(t.getMinItem())})`,
      );
    if (above > 0)
      parts.push(
        `${pct(above)} above the reference maximum ${num(rMax)} (target maximum ${num(t.getMaxItem())})`,
      );
    emit({
      check: "out_of_range",
      severity: beyond >= 10 * o.outOfRangeShare ? "error" : "warning",
      message: `${parts.join(" and ")}${eps > 0 ? ` (each ±${pct(eps)}: the sketch's rank error)` : ""}`,
      reference: `[${rMin}, ${rMax}]`,
      target: beyond,
    });
  }

  // The reference's 1st–99th percentile range holds 98% of it; a target with much more outside it has
  // heavier tails or has moved. Tested as a Poisson tail at the expected rate plus both sketches' error.
  if (!r.isEstimationMode() && r.getN() < 200) return; // too few values for a 1st/99th percentile
  const [q01, q99] = r.getQuantiles([0.01, 0.99]);
  const outside = t.getRank(q01!, { inclusive: false }) + (1 - t.getRank(q99!, { inclusive: true }));
  const expected = Math.min(1, 0.02 + 2 * cdfError(r) + 2 * eps);
  const observed = Math.floor(Math.max(0, outside - 2 * eps) * t.getN());
  if (outside >= 2 * expected && poissonAtLeast(observed, expected * t.getN()) < o.significance) {
    emit({
      check: "quantile_range",
      severity: outside >= 5 * expected ? "error" : "warning",
      message: `${pct(outside)}${eps > 0 ? ` (±${pct(2 * eps)})` : ""} of the target lies outside the reference's 1st–99th percentile range [${num(q01!)}, ${num(q99!)}], where 2% is expected`,
      reference: 0.02,
      target: outside,
    });
  }
}

function cardinality(ref: ColumnFacts, tgt: ColumnFacts, o: Required<QualityOptions>, emit: Emit): void {
  const rh = ref.hll!;
  const th = tgt.hll!;
  const nr = nonNullCount(ref);
  const nt = nonNullCount(tgt);
  if (nr === 0 || nt === 0) return;
  const re = rh.getEstimate();
  const te = th.getEstimate();
  // Nearly unique columns (ids) grow with the window: compare the distinct share. Others: the distinct count.
  const byShare = re / nr > 0.5;
  const scale = (x: number, n: number) => (byShare ? Math.min(1, x / n) : x);
  const [rLo, rHi] = [scale(rh.getLowerBound(2), nr), scale(rh.getUpperBound(2), nr)];
  const [tLo, tHi] = [scale(th.getLowerBound(2), nt), scale(th.getUpperBound(2), nt)];
  const grew = tLo > rHi && scale(te, nt) >= o.cardinalityFactor * scale(re, nr);
  // A small target window cannot show every category: only call a drop when it had rows enough to.
  const shrank =
    tHi < rLo && scale(te, nt) * o.cardinalityFactor <= scale(re, nr) && (byShare || nt >= 10 * re);
  if (!grew && !shrank) return;
  const what = byShare ? "share of distinct values" : "number of distinct values";
  const show = (x: number, n: number) => (byShare ? pct(scale(x, n)) : `≈ ${num(Math.round(x))}`);
  emit({
    check: "cardinality_change",
    severity: "warning",
    message: `the ${what} ${grew ? "rose" : "fell"} from ${show(re, nr)} to ${show(te, nt)} (HyperLogLog estimates, 95% intervals apart)`,
    reference: scale(re, nr),
    target: scale(te, nt),
  });
}

/** The single value of a constant column (≥ 2 values), or null. */
function constantValue(f: ColumnFacts): string | null {
  if (nonNullCount(f) < 2) return null;
  if (f.kll !== null && !f.kll.isEmpty() && f.kll.getN() === nonNullCount(f)) {
    return f.kll.getMinItem() === f.kll.getMaxItem() ? num(f.kll.getMinItem()) : null;
  }
  const fi = f.frequentItems;
  // One tracked value holding all the weight; checking the count first spares listing (and sorting) the items.
  if (fi !== null && fi.getNumActiveItems() === 1 && fi.getTotalWeight() === nonNullCount(f)) {
    const rows = fi.getFrequentItems(ErrorType.NO_FALSE_POSITIVES, 0);
    if (rows.length === 1 && rows[0]!.lowerBound === fi.getTotalWeight()) return rows[0]!.item;
  }
  return null;
}

function constant(ref: ColumnFacts, tgt: ColumnFacts, emit: Emit): void {
  const value = constantValue(tgt);
  if (value === null || constantValue(ref) !== null) return;
  const distinct = ref.hll !== null ? `≈ ${num(Math.round(ref.hll.getEstimate()))}` : "several";
  emit({
    check: "constant_column",
    severity: "warning",
    message: `every one of the ${num(nonNullCount(tgt))} target values is ${value}; the reference had ${distinct} distinct values`,
    reference: ref.hll !== null ? ref.hll.getEstimate() : null,
    target: value,
  });
}

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/**
 * Data-quality findings of a target profile against a reference: schema changes (columns removed or added),
 * missing values, type mismatches, new and vanished categories, values beyond the reference's range or
 * percentiles, cardinality changes and columns gone constant. Sorted by severity, then column.
 * @throws AnalysisError `invalid-argument` for invalid options.
 */
export function dataQuality(
  reference: DatasetProfileView,
  target: DatasetProfileView,
  options: QualityOptions = {},
): QualityFinding[] {
  const o = checkOptions(options);
  const findings: QualityFinding[] = [];
  const refNames = reference.columnNames();
  const tgtNames = new Set(target.columnNames());
  const refSet = new Set(refNames);
  for (const name of refNames) {
    if (!tgtNames.has(name)) {
      findings.push({
        check: "schema_change",
        column: name,
        severity: "error",
        message: "the column is missing from the target",
        reference: true,
        target: false,
      });
    }
  }
  for (const name of target.columnNames()) {
    if (!refSet.has(name)) {
      findings.push({
        check: "schema_change",
        column: name,
        severity: "warning",
        message: "the column is new: the reference does not have it",
        reference: false,
        target: true,
      });
    }
  }
  for (const name of refNames) {
    if (!tgtNames.has(name)) continue;
    const ref = columnFacts(reference.column(name)!);
    const tgt = columnFacts(target.column(name)!);
    const emit: Emit = (f) => findings.push({ ...f, column: name });
    missingValues(ref, tgt, o, emit);
    typeMismatch(ref, tgt, emit);
    const kind = driftKind(ref, tgt, o.maxCategoricalIntegers);
    if (kind === "categorical" && ref.frequentItems !== null && tgt.frequentItems !== null) {
      categories(ref, tgt, o, emit);
    }
    if (kind === "numeric") ranges(ref, tgt, o, emit);
    if (ref.hll !== null && tgt.hll !== null) cardinality(ref, tgt, o, emit);
    constant(ref, tgt, emit);
  }
  return findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.column < b.column ? -1 : a.column > b.column ? 1 : 0),
  );
}
