// Tracks model performance while a profile is logged: which columns hold the prediction, the scores and the
// target are declared once (a PerformanceSpec); every batch adds exact counts to a confusion matrix and to
// per-class score histograms, or error sums and a residual sketch for a regressor.
//
// A row without its target counts as "awaiting its label". When the label arrives later, `trackLateLabels`
// adds the labeled row *and* takes it out of "awaiting" (a -1), so the late-label profile, stamped with the
// prediction's timestamp, merges into the prediction's window exactly as if the label had come with it.

import { KllDoublesSketch } from "@sightglass/sketches";
import type {
  ClassificationPerformanceMessage,
  PerformanceMessage,
  RegressionPerformanceMessage,
  ScoreHistogramMessage,
} from "../codec/message.js";
import { HISTOGRAM_CELLS, MAX_HISTOGRAM_BINS, MAX_LABELS, MAX_SCORE_BINS } from "../codec/performance.js";
import { compareCodePoints } from "../codec/wire.js";
import { ProfileError } from "../errors.js";

/** Score histograms split [0, 1] into this many equal bins unless a spec says otherwise. */
export const DEFAULT_SCORE_BINS = 1000;

export interface ClassificationSpec {
  readonly task: "classification";
  /** Column of the predicted class label. */
  readonly prediction: string;
  /** Column of the true class label (missing or null while the label has not arrived). */
  readonly target: string;
  /**
   * Score columns, probabilities in [0, 1]: for a binary classifier one column, the probability of
   * `positiveLabel`; for a multiclass one, class label → column of that class's probability.
   */
  readonly scores?: string | Readonly<Record<string, string>>;
  /**
   * The positive class of a binary classifier. Default with one score column: "true" when the first prediction
   * is a boolean, else "1"; without scores it is read off the labels of labeled rows (0/1 or booleans).
   */
  readonly positiveLabel?: string;
  /** Resolution of the score histograms (default 1000 bins of width 0.001). */
  readonly scoreBins?: number;
}

export interface RegressionSpec {
  readonly task: "regression";
  readonly prediction: string;
  readonly target: string;
}

/** Which columns carry a model's outputs and ground truth. */
export type PerformanceSpec = ClassificationSpec | RegressionSpec;

/**
 * One batch, column by column: `get` returns a column's values (null or undefined where missing), or undefined
 * when the batch has no such column. Every column read must be as long as the prediction column.
 */
export interface PerformanceBatch {
  get(name: string): ArrayLike<unknown> | undefined;
}

/** What sklearn's log_loss clips probabilities to (float64 machine epsilon), so log(0) never happens. */
const LOG_LOSS_EPS = 2.220446049250313e-16;

function invalid(message: string, column?: string, row?: number): ProfileError {
  return new ProfileError("invalid-argument", message, {
    ...(column !== undefined ? { column } : {}),
    ...(row !== undefined ? { row } : {}),
  });
}

function checkColumnName(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "")
    throw invalid(`performance: ${what} must be a non-empty column name`);
  return v;
}

/** Validates a spec (from code or a config file) and returns a frozen copy. */
export function checkPerformanceSpec(spec: unknown): PerformanceSpec {
  if (spec === null || typeof spec !== "object") throw invalid("performance: expected an object with a task");
  const s = spec as Record<string, unknown>;
  const prediction = checkColumnName(s.prediction, "prediction");
  const target = checkColumnName(s.target, "target");
  if (s.task === "regression") return Object.freeze({ task: "regression", prediction, target });
  if (s.task !== "classification") {
    throw invalid(
      `performance: task must be "classification" or "regression", got ${JSON.stringify(s.task)}`,
    );
  }
  let scores: string | Readonly<Record<string, string>> | undefined;
  if (typeof s.scores === "string") {
    scores = checkColumnName(s.scores, "scores");
  } else if (s.scores !== undefined) {
    if (s.scores === null || typeof s.scores !== "object" || Array.isArray(s.scores)) {
      throw invalid("performance: scores must be a column name or an object of class label → column");
    }
    const entries = Object.entries(s.scores as Record<string, unknown>);
    if (entries.length === 0) throw invalid("performance: scores names no class");
    scores = Object.freeze(
      Object.fromEntries(
        entries.map(([label, col]) => [label, checkColumnName(col, `scores[${JSON.stringify(label)}]`)]),
      ),
    );
  }
  if (s.positiveLabel !== undefined && typeof s.positiveLabel !== "string") {
    throw invalid("performance: positiveLabel must be text (labels are compared as text)");
  }
  if (s.positiveLabel !== undefined && typeof scores === "object") {
    throw invalid("performance: positiveLabel applies to a binary classifier with one score column");
  }
  const scoreBins = s.scoreBins ?? DEFAULT_SCORE_BINS;
  if (
    typeof scoreBins !== "number" ||
    !Number.isInteger(scoreBins) ||
    scoreBins < 1 ||
    scoreBins > MAX_SCORE_BINS
  ) {
    throw invalid(`performance: scoreBins must be an integer in 1..${MAX_SCORE_BINS}`);
  }
  const scoredClasses =
    typeof scores === "object" ? Object.keys(scores).length : scores === undefined ? 0 : 1;
  if (scoredClasses * scoreBins > MAX_HISTOGRAM_BINS) {
    throw invalid(
      `performance: ${scoredClasses} scored classes × ${scoreBins} bins exceed ${MAX_HISTOGRAM_BINS} histogram bins; use fewer scoreBins`,
    );
  }
  return Object.freeze({
    task: "classification",
    prediction,
    target,
    ...(scores !== undefined ? { scores } : {}),
    ...(s.positiveLabel !== undefined ? { positiveLabel: s.positiveLabel as string } : {}),
    scoreBins,
  });
}

/** A class label as text: strings as they are, numbers and booleans printed; null/undefined/NaN = missing. */
export function labelText(v: unknown, column: string, row: number): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isNaN(v) ? null : String(v);
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  throw invalid(
    `performance: a ${typeof v} as class label; expected text, a number or a boolean`,
    column,
    row,
  );
}

function numberOf(v: unknown, column: string, row: number, what: string): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number") {
    throw invalid(`performance: a ${typeof v} as ${what}; expected a number`, column, row);
  }
  if (Number.isNaN(n)) return null;
  if (!Number.isFinite(n))
    throw invalid(`performance: ${n} as ${what}; expected a finite number`, column, row);
  return n;
}

function columnOf(
  batch: PerformanceBatch,
  name: string,
  required: boolean,
  length?: number,
): ArrayLike<unknown> | undefined {
  const values = batch.get(name);
  if (values === undefined && required) {
    throw new ProfileError("missing-column", `performance: the batch has no column ${JSON.stringify(name)}`, {
      column: name,
    });
  }
  if (values !== undefined && length !== undefined && values.length !== length) {
    throw invalid(
      `performance: column ${JSON.stringify(name)} has ${values.length} values for ${length} rows`,
      name,
    );
  }
  return values;
}

/** The prediction and target columns of a batch, or null when it carries none of the spec's columns. */
function outputsOf(
  batch: PerformanceBatch,
  spec: PerformanceSpec,
  late: boolean,
): { predictions: ArrayLike<unknown>; targets: ArrayLike<unknown> | undefined; n: number } | null {
  if (!late && carriesNoOutputs(batch, spec)) return null;
  const predictions = columnOf(batch, spec.prediction, true)!;
  const n = predictions.length;
  return { predictions, targets: columnOf(batch, spec.target, late, n), n };
}

/**
 * A column batch with none of the spec's columns (e.g. features tracked apart from the model's outputs) has no
 * performance to track; one with some of them but not the prediction is refused as a likely misnamed column.
 */
function carriesNoOutputs(batch: PerformanceBatch, spec: PerformanceSpec): boolean {
  return performanceColumns(spec).every((c) => batch.get(c) === undefined);
}

/** The labels a binary classifier's single score column can refer to without an explicit positiveLabel. */
const NUMERIC_LABELS: readonly string[] = ["0", "1"];
const BOOLEAN_LABELS: readonly string[] = ["false", "true"];

interface ScoreEntry {
  readonly label: string;
  readonly field: string;
  readonly counts: Float64Array;
}

class ClassificationTracker {
  private readonly labelIndex = new Map<string, number>();
  private readonly labels: string[] = [];
  private readonly confusion = new Map<number, number>();
  private unlabeled: number[] = [];
  private entries: ScoreEntry[] | undefined;
  private positive: string | undefined;
  private logLossSum = 0;
  private logLossCount = 0;
  private brierSum = 0;
  private brierCount = 0;
  private readonly bins: number;

  constructor(private readonly spec: ClassificationSpec) {
    this.bins = spec.scoreBins ?? DEFAULT_SCORE_BINS;
    this.positive = spec.positiveLabel;
    if (typeof spec.scores === "object") {
      this.entries = Object.entries(spec.scores).map(([label, field]) => ({
        label,
        field,
        counts: new Float64Array(this.bins * HISTOGRAM_CELLS),
      }));
    }
  }

  private indexOf(label: string): number {
    let i = this.labelIndex.get(label);
    if (i === undefined) {
      i = this.labels.length;
      this.labelIndex.set(label, i);
      this.labels.push(label);
      this.unlabeled.push(0);
    }
    return i;
  }

  track(batch: PerformanceBatch, late: boolean, dryRun: boolean): void {
    const { prediction, target } = this.spec;
    const outputs = outputsOf(batch, this.spec, late);
    if (outputs === null) return;
    const { predictions, targets, n } = outputs;
    const scoreSpec = this.spec.scores;
    // Validate and convert the whole batch before changing anything: a rejected batch leaves no trace.
    const preds: (string | null)[] = new Array<string | null>(n);
    const truths: (string | null)[] = new Array<string | null>(n);
    let firstRaw: unknown;
    for (let i = 0; i < n; i++) {
      const p = predictions[i];
      preds[i] = labelText(p, prediction, i);
      const t = targets?.[i];
      truths[i] = labelText(t, target, i);
      if (firstRaw === undefined && preds[i] !== null) firstRaw = p;
      if (late && preds[i] !== null && truths[i] === null) {
        throw invalid(
          `performance: a late label without its label (rows passed as late labels must carry the label that arrived)`,
          target,
          i,
        );
      }
    }
    const newLabels = new Set<string>();
    for (let i = 0; i < n; i++) {
      for (const l of [preds[i]!, truths[i]!]) if (l !== null && !this.labelIndex.has(l)) newLabels.add(l);
    }
    if (this.labels.length + newLabels.size > MAX_LABELS) {
      throw invalid(
        `performance: more than ${MAX_LABELS} distinct class labels; is ${JSON.stringify(target)} a regression target?`,
        target,
      );
    }
    const positive = this.positive ?? (typeof firstRaw === "boolean" ? "true" : "1");
    if (typeof scoreSpec === "string" && this.spec.positiveLabel === undefined) {
      // One score column is the probability of one class; without positiveLabel that must be the obvious one.
      const allowed = positive === "true" ? BOOLEAN_LABELS : NUMERIC_LABELS;
      for (const l of newLabels) {
        if (!allowed.includes(l)) {
          throw invalid(
            `performance: label ${JSON.stringify(l)} is not ${allowed.join(" or ")}; set positiveLabel to the class the score ${JSON.stringify(scoreSpec)} is the probability of`,
            target,
          );
        }
      }
    }
    const entryFields =
      this.entries?.map((e) => ({ label: e.label, field: e.field })) ??
      (typeof scoreSpec === "string" ? [{ label: positive, field: scoreSpec }] : []);
    const scoreColumns = entryFields.map((e) => columnOf(batch, e.field, true, n)!);
    const scores: Float64Array[] = scoreColumns.map((col, k) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const s = numberOf(col[i], entryFields[k]!.field, i, "score");
        if (s !== null && (s < 0 || s > 1)) {
          throw invalid(
            `performance: score ${s} is outside [0, 1] (scores are probabilities: pass the model's probability, not a logit or a margin)`,
            entryFields[k]!.field,
            i,
          );
        }
        out[i] = s ?? NaN;
      }
      return out;
    });

    if (dryRun || firstRaw === undefined) return; // nothing to count without a prediction
    if (this.entries === undefined && typeof scoreSpec === "string") {
      this.positive = positive;
      this.entries = [
        { label: positive, field: scoreSpec, counts: new Float64Array(this.bins * HISTOGRAM_CELLS) },
      ];
    }
    const entries = this.entries ?? [];
    const binary = typeof scoreSpec === "string";
    for (let i = 0; i < n; i++) {
      const p = preds[i]!;
      if (p === null) continue; // nothing to evaluate without a prediction
      const t = truths[i]!;
      const pi = this.indexOf(p);
      if (t === null) {
        this.unlabeled[pi]! += 1;
      } else {
        const key = pi * MAX_LABELS + this.indexOf(t);
        this.confusion.set(key, (this.confusion.get(key) ?? 0) + 1);
        if (late) this.unlabeled[pi]! -= 1;
      }
      let allScored = true;
      let brier = 0;
      let pTrue = NaN;
      for (let k = 0; k < entries.length; k++) {
        const s = scores[k]![i]!;
        if (Number.isNaN(s)) {
          allScored = false;
          continue;
        }
        const e = entries[k]!;
        const bin = Math.min(this.bins - 1, Math.floor(s * this.bins));
        const base = bin * HISTOGRAM_CELLS + (p === e.label ? 3 : 0);
        if (t === null) {
          e.counts[base + 2]! += 1;
        } else {
          e.counts[base + (t === e.label ? 0 : 1)]! += 1;
          if (late) e.counts[base + 2]! -= 1;
          const y = t === e.label ? 1 : 0;
          brier += (s - y) * (s - y);
          if (binary) pTrue = y === 1 ? s : 1 - s;
          else if (y === 1) pTrue = s;
        }
      }
      if (t !== null && allScored && entries.length > 0 && !Number.isNaN(pTrue)) {
        // Multiclass: only when the true class is among the scored ones (else its probability is unknown).
        const clipped = Math.min(Math.max(pTrue, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
        this.logLossSum -= Math.log(clipped);
        this.logLossCount += 1;
        this.brierSum += brier;
        this.brierCount += 1;
      }
    }
  }

  /**
   * The binary positive label, or "" for a multiclass view. With one score column it is fixed; without scores
   * it is the spec's, else the obvious one when every label of a labeled row is 0/1 or a boolean (a label seen
   * only on a row still awaiting its truth must not turn the metrics of the labeled rows into macro averages).
   */
  private positiveLabelOf(labels: readonly string[]): string {
    const scores = this.spec.scores;
    if (typeof scores === "object") return "";
    if (typeof scores === "string") return this.positive ?? "";
    if (this.spec.positiveLabel !== undefined) return this.spec.positiveLabel;
    if (labels.length === 0) return ""; // no labeled row yet: nothing to read it off
    if (labels.every((l) => NUMERIC_LABELS.includes(l))) return "1";
    if (labels.every((l) => BOOLEAN_LABELS.includes(l))) return "true";
    return "";
  }

  toMessage(): ClassificationPerformanceMessage {
    const order = this.labels
      .map((_, i) => i)
      .sort((a, b) => compareCodePoints(this.labels[a]!, this.labels[b]!));
    const n = order.length;
    const confusion = new Array<number>(n * n).fill(0);
    for (let p = 0; p < n; p++) {
      for (let t = 0; t < n; t++)
        confusion[p * n + t] = this.confusion.get(order[p]! * MAX_LABELS + order[t]!) ?? 0;
    }
    const histograms: ScoreHistogramMessage[] = (this.entries ?? []).map((e) => {
      const bins: number[] = [];
      const counts: number[] = [];
      for (let b = 0; b < this.bins; b++) {
        const cell = e.counts.subarray(b * HISTOGRAM_CELLS, (b + 1) * HISTOGRAM_CELLS);
        if (cell.some((c) => c !== 0)) {
          bins.push(b);
          counts.push(...cell);
        }
      }
      return { label: e.label, scoreField: e.field, bins, counts };
    });
    histograms.sort((a, b) => compareCodePoints(a.label, b.label));
    return {
      predictionField: this.spec.prediction,
      targetField: this.spec.target,
      labels: order.map((i) => this.labels[i]!),
      confusion,
      unlabeled: order.map((i) => this.unlabeled[i]!),
      scoreBins: this.bins,
      histograms,
      positiveLabel: this.positiveLabelOf(
        order
          .filter((_, p) => order.some((__, t) => confusion[p * n + t] !== 0 || confusion[t * n + p] !== 0))
          .map((i) => this.labels[i]!),
      ),
      logLossSum: this.logLossSum,
      logLossCount: this.logLossCount,
      brierSum: this.brierSum,
      brierCount: this.brierCount,
    };
  }
}

class RegressionTracker {
  private count = 0;
  private unlabeled = 0;
  private sumError = 0;
  private sumAbsoluteError = 0;
  private sumSquaredError = 0;
  private targetMean = 0;
  private targetM2 = 0;
  private readonly residuals = new KllDoublesSketch(DEFAULT_RESIDUAL_K);

  constructor(private readonly spec: RegressionSpec) {}

  track(batch: PerformanceBatch, late: boolean, dryRun: boolean): void {
    const { prediction, target } = this.spec;
    const outputs = outputsOf(batch, this.spec, late);
    if (outputs === null) return;
    const { predictions, targets, n } = outputs;
    const preds = new Float64Array(n);
    const truths = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      preds[i] = numberOf(predictions[i], prediction, i, "prediction") ?? NaN;
      truths[i] = numberOf(targets?.[i], target, i, "target") ?? NaN;
      if (late && !Number.isNaN(preds[i]!) && Number.isNaN(truths[i]!)) {
        throw invalid(
          `performance: a late label without its target (rows passed as late labels must carry the target that arrived)`,
          target,
          i,
        );
      }
    }
    // The sums are computed on copies first: a batch whose errors or targets would overflow a double (a
    // squared error beyond 1.8e308) is refused whole instead of leaving a profile no reader accepts.
    let { count, unlabeled, sumError, sumAbsoluteError, sumSquaredError, targetMean, targetM2 } = this;
    const residuals: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = preds[i]!;
      if (Number.isNaN(p)) continue;
      const y = truths[i]!;
      if (Number.isNaN(y)) {
        unlabeled += 1;
        continue;
      }
      if (late) unlabeled -= 1;
      const e = p - y;
      count += 1;
      sumError += e;
      sumAbsoluteError += Math.abs(e);
      sumSquaredError += e * e;
      const delta = y - targetMean;
      targetMean += delta / count;
      targetM2 += delta * (y - targetMean);
      if (!Number.isFinite(sumSquaredError) || !Number.isFinite(targetM2) || !Number.isFinite(sumError)) {
        throw invalid(
          `performance: prediction ${p} and target ${y} take the squared errors or the target's variance beyond the range of a double (rescale the target)`,
          target,
          i,
        );
      }
      residuals.push(e);
    }
    if (dryRun) return;
    Object.assign(this, {
      count,
      unlabeled,
      sumError,
      sumAbsoluteError,
      sumSquaredError,
      targetMean,
      targetM2,
    });
    this.residuals.updateMany(residuals);
  }

  toMessage(): RegressionPerformanceMessage {
    return {
      predictionField: this.spec.prediction,
      targetField: this.spec.target,
      count: this.count,
      unlabeled: this.unlabeled,
      sumError: this.sumError,
      sumAbsoluteError: this.sumAbsoluteError,
      sumSquaredError: this.sumSquaredError,
      targetMean: this.targetMean,
      targetM2: this.targetM2,
      residualKll: this.residuals.isEmpty()
        ? new Uint8Array(0)
        : this.residuals.serialize({ layout: "whylogs" }),
    };
  }
}

/** KLL k of the residual sketch: whylogs' default for distributions (normalized rank error ≈ 0.33%). */
const DEFAULT_RESIDUAL_K = 1024;

/** Performance metrics of one profile being built. */
export class PerformanceTracker {
  readonly spec: PerformanceSpec;
  private readonly tracker: ClassificationTracker | RegressionTracker;

  constructor(spec: PerformanceSpec) {
    this.spec = checkPerformanceSpec(spec);
    this.tracker =
      this.spec.task === "classification"
        ? new ClassificationTracker(this.spec)
        : new RegressionTracker(this.spec);
  }

  /** Adds a batch; `late` marks labels arriving for predictions already tracked as awaiting them. */
  track(batch: PerformanceBatch, late = false): void {
    this.tracker.track(batch, late, false);
  }

  /** Throws what `track` would throw for this batch, changing nothing (to validate before routing a batch). */
  check(batch: PerformanceBatch, late = false): void {
    this.tracker.track(batch, late, true);
  }

  toMessage(): PerformanceMessage {
    return this.tracker instanceof ClassificationTracker
      ? { classification: this.tracker.toMessage() }
      : { regression: this.tracker.toMessage() };
  }
}

/** The score columns of a spec (none for a regressor or a classifier without scores). */
export function scoreColumns(spec: PerformanceSpec): string[] {
  if (spec.task !== "classification" || spec.scores === undefined) return [];
  return typeof spec.scores === "string" ? [spec.scores] : Object.values(spec.scores);
}

/** The columns a spec reads (for callers that pick them out of wider inputs). */
export function performanceColumns(spec: PerformanceSpec): string[] {
  return [...new Set([spec.prediction, spec.target, ...scoreColumns(spec)])];
}
