// Realized model performance (@sightglass/profile's performance tracker, @sightglass/analysis'
// realizedPerformance) against live scikit-learn (pip, the .cache/python-ml venv) on the same predictions:
// counts-based metrics equal sklearn's (ratios of the same integers: the same double, at most 1 ulp apart);
// ROC AUC and average precision lie inside our histogram bounds, and equal sklearn's where every histogram bin
// holds a single score; log loss, Brier and the regression errors agree to the rounding of their sums; residual
// quantiles lie within the KLL rank error. Window profiles merged in random order give the metrics of the whole
// dataset, and rows awaiting their label count nowhere. Every tolerance below is derived in a comment next to it.
// All oracle commands of this file travel in one Python batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  binnedAveragePrecision,
  binnedRocAuc,
  binnedScores,
  realizedPerformance,
} from "@sightglass/analysis";
import type { Bounded, ClassificationRealized, RegressionRealized } from "@sightglass/analysis";
import { DatasetProfile } from "@sightglass/profile";
import type {
  ClassificationPerformanceMessage,
  ClassificationSpec,
  DatasetProfileView,
  RegressionPerformanceMessage,
} from "@sightglass/profile";
import { createRandom, float64ToBase64, ok, runOracle } from "./oracle-client.js";
import type { OracleCommand } from "./oracle-client.js";

/** Unit roundoff of float64: one correctly rounded operation errs by at most U relative. */
const U = 2 ** -53;
/** Score-histogram resolution of the tracker (DEFAULT_SCORE_BINS). */
const BINS = 1000;
const RESIDUAL_RANKS = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

// ---------------------------------------------------------------------------------------------------------
// Tolerances

/**
 * Relative error of a mean of n non-negative terms computed by us (sequential sum: ≤ (n−1)·U) and by numpy
 * (pairwise sum: ≤ ⌈log₂ n⌉·U), each term itself within 1 ulp on both sides (log in V8 vs glibc: ≤ 1 ulp
 * each, so ≤ 2U between them), plus the final division: n + ⌈log₂ n⌉ + 4 units of roundoff.
 */
function sumTolerance(n: number): number {
  return (n + Math.ceil(Math.log2(Math.max(n, 2))) + 4) * U;
}

/**
 * Rounding of a ROC AUC or average precision over m distinct scores: sklearn builds the curve from exact
 * cumulative counts divided once (≤ U each), then sums m trapezoids / m recall steps whose terms each err by
 * ≤ 3U absolute (differences of two rounded ratios ≤ 1, a product) plus m·U for the sum: ≤ (4m + 8)·U. Ours
 * sums m rounded ratios weighted by exact counts and divides once: ≤ (m + 4)·U. Together (5m + 12)·U.
 */
function curveRounding(m: number): number {
  return (5 * m + 12) * U;
}

/** `binnedAveragePrecision` sums long in-bin runs by digamma differences, stated relative error < 1e-12. */
const DIGAMMA_RELATIVE = 1e-12;

// ---------------------------------------------------------------------------------------------------------
// Comparison helpers

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** Doubles as integers that order like the doubles, so their difference counts the ulps between them. */
function ordinal(x: number): bigint {
  f64[0] = x;
  const bits = i64[0]!;
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

function ulpsApart(a: number, b: number): number {
  const d = ordinal(a) - ordinal(b);
  return Number(d < 0n ? -d : d);
}

/** For ratios of the same integers: the same double (1 ulp allowed for a different division path). */
function expectSameRatio(actual: number, expected: number, what: string): void {
  if (!(ulpsApart(actual, expected) <= 1)) expect.fail(`${what}: ours ${actual} vs sklearn ${expected}`);
}

/** Per kind of comparison, the largest error seen as a share of its tolerance (for the report). */
const worstShare = new Map<string, { share: number; error: number; tolerance: number; where: string }>();

function record(kind: string | undefined, where: string, error: number, tolerance: number): void {
  if (kind === undefined) return;
  const seen = worstShare.get(kind);
  const share = error / tolerance;
  if (seen === undefined || share > seen.share) worstShare.set(kind, { share, error, tolerance, where });
}

function expectRelative(
  actual: number,
  expected: number,
  tolerance: number,
  what: string,
  kind?: string,
): void {
  const error = Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
  if (!(error <= tolerance)) {
    expect.fail(`${what}: ours ${actual} vs sklearn ${expected}, relative error ${error} > ${tolerance}`);
  }
  record(kind, what, error, tolerance);
}

function expectAbsolute(
  actual: number,
  expected: number,
  tolerance: number,
  what: string,
  kind?: string,
): void {
  const error = Math.abs(actual - expected);
  if (!(error <= tolerance)) {
    expect.fail(`${what}: ours ${actual} vs sklearn ${expected}, |Δ| ${error} > ${tolerance}`);
  }
  record(kind, what, error, tolerance);
}

/** sklearn's value inside our bounds, widened by the rounding of both computations. */
function expectInside(
  bounds: Bounded,
  value: number,
  lowerSlack: number,
  upperSlack: number,
  what: string,
): void {
  if (!(bounds.lower - lowerSlack <= value && value <= bounds.upper + upperSlack)) {
    expect.fail(
      `${what}: sklearn ${value} outside our bounds [${bounds.lower}, ${bounds.upper}] (value ${bounds.value})`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic data

function normalSource(seed: number): () => number {
  const random = createRandom(seed);
  return () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

type Label = string | number | null;

/** A classifier's outputs as tracked: columns "pred", "label" and one score column per scored class. */
interface ClassData {
  readonly name: string;
  readonly n: number;
  readonly prediction: Label[];
  readonly truth: Label[];
  /** Score column name → scores. */
  readonly scores: Record<string, Float64Array>;
  readonly spec: ClassificationSpec;
  /** Binary: the positive label; multiclass: undefined. */
  readonly positive?: string;
  /** Multiclass: scored class label → its score column, labels sorted. */
  readonly classes?: readonly (readonly [string, string])[];
}

interface BinaryOptions {
  readonly name: string;
  readonly n: number;
  readonly seed: number;
  /** Share of positive rows. */
  readonly prior: number;
  /** Logit scale of the score noise and the shift between classes. */
  readonly noise: number;
  readonly shift: number;
  /** Round the scores to 2 decimals: exact ties, one distinct score per histogram bin. */
  readonly twoDecimals?: boolean;
  /** Put exact 0/1 and near-0/1 scores (1e-300, 5e-324, 1 − 2⁻⁵³) in front. */
  readonly extremes?: boolean;
  /** "threshold": positive iff score ≥ threshold; "noisy": the truth flipped in 30% of rows, scores ignored. */
  readonly predictions: "threshold" | "noisy";
  readonly threshold?: number;
  /** [negative, positive] labels (default the numbers 0 and 1). */
  readonly labels?: readonly [Label, Label];
  /** Spec positiveLabel; the score column is then the probability of that label. */
  readonly positiveLabel?: string;
  /** Share of rows whose label has not arrived (target null). */
  readonly awaiting?: number;
}

function binaryData(o: BinaryOptions): ClassData {
  const random = createRandom(o.seed);
  const normal = normalSource(o.seed + 1);
  const [negative, positive] = o.labels ?? [0, 1];
  const pos = o.positiveLabel ?? String(positive);
  const prediction: Label[] = [];
  const truth: Label[] = [];
  const scores = new Float64Array(o.n);
  const extremes = [0, 1, 1e-300, 5e-324, 1 - 2 ** -53, 1e-17, 0, 1];
  for (let i = 0; i < o.n; i++) {
    const isPositive = random() < o.prior;
    const y = isPositive ? positive : negative;
    let s = sigmoid(o.noise * normal() + (isPositive ? o.shift : -o.shift) / 2);
    if (o.twoDecimals) s = Math.round(s * 100) / 100;
    if (o.extremes && i < extremes.length) s = extremes[i]!;
    // The score column holds the probability of the spec's positive label.
    const scoreOfPositive = String(positive) === pos ? s : 1 - s;
    scores[i] = scoreOfPositive;
    const predicted =
      o.predictions === "threshold"
        ? s >= (o.threshold ?? 0.5)
          ? positive
          : negative
        : random() < 0.7
          ? y
          : isPositive
            ? negative
            : positive;
    prediction.push(predicted);
    truth.push(o.awaiting !== undefined && random() < o.awaiting ? null : y);
  }
  return {
    name: o.name,
    n: o.n,
    prediction,
    truth,
    scores: { proba: scores },
    spec: {
      task: "classification",
      prediction: "pred",
      target: "label",
      scores: "proba",
      ...(o.positiveLabel !== undefined ? { positiveLabel: o.positiveLabel } : {}),
    },
    positive: pos,
  };
}

interface MulticlassOptions {
  readonly name: string;
  readonly n: number;
  readonly seed: number;
  /** Class labels (sorted) and their prior weights. */
  readonly classes: readonly string[];
  readonly priors: readonly number[];
  /** Logit boost of the true class. */
  readonly signal: number;
  /** Probabilities as k/100 (largest remainder): one distinct score per histogram bin. */
  readonly twoDecimals?: boolean;
  /** Share of rows whose prediction is a uniformly random class instead of the argmax. */
  readonly flips: number;
  readonly awaiting?: number;
}

function multiclassData(o: MulticlassOptions): ClassData {
  const random = createRandom(o.seed);
  const normal = normalSource(o.seed + 1);
  const k = o.classes.length;
  const cols = o.classes.map(() => new Float64Array(o.n));
  const prediction: Label[] = [];
  const truth: Label[] = [];
  const priorSum = o.priors.reduce((a, b) => a + b, 0);
  for (let i = 0; i < o.n; i++) {
    let u = random() * priorSum;
    let y = 0;
    while (y < k - 1 && u >= o.priors[y]!) u -= o.priors[y++]!;
    const logits = o.classes.map((_, c) => normal() + (c === y ? o.signal : 0) + Math.log(o.priors[c]!));
    const top = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - top));
    const total = e.reduce((a, b) => a + b, 0);
    let p = e.map((v) => v / total);
    if (o.twoDecimals) {
      // Largest-remainder rounding to hundredths: integer weights summing to exactly 100.
      const w = p.map((v) => Math.floor(v * 100));
      const order = p.map((v, c) => [v * 100 - w[c]!, c] as const).sort((a, b) => b[0] - a[0]);
      for (let r = 0, missing = 100 - w.reduce((a, b) => a + b, 0); r < missing; r++) w[order[r]![1]]! += 1;
      p = w.map((v) => v / 100);
    }
    p.forEach((v, c) => (cols[c]![i] = v));
    let argmax = 0;
    for (let c = 1; c < k; c++) if (p[c]! > p[argmax]!) argmax = c;
    const predicted = random() < o.flips ? Math.floor(random() * k) : argmax;
    prediction.push(o.classes[predicted]!);
    truth.push(o.awaiting !== undefined && random() < o.awaiting ? null : o.classes[y]!);
  }
  const classes = o.classes.map((c) => [c, `p_${c}`] as const);
  return {
    name: o.name,
    n: o.n,
    prediction,
    truth,
    scores: Object.fromEntries(classes.map(([, col], c) => [col, cols[c]!])),
    spec: {
      task: "classification",
      prediction: "pred",
      target: "label",
      scores: Object.fromEntries(classes),
    },
    classes,
  };
}

interface RegressionData {
  readonly name: string;
  readonly n: number;
  readonly prediction: (number | null)[];
  readonly truth: (number | null)[];
}

function regressionData(
  name: string,
  n: number,
  seed: number,
  make: (normal: () => number, random: () => number) => [number, number],
  awaiting = 0,
): RegressionData {
  const random = createRandom(seed);
  const normal = normalSource(seed + 1);
  const prediction: (number | null)[] = [];
  const truth: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const [y, p] = make(normal, random);
    prediction.push(p);
    truth.push(awaiting > 0 && random() < awaiting ? null : y);
  }
  return { name, n, prediction, truth };
}

// ---------------------------------------------------------------------------------------------------------
// Profiling

function classColumns(d: ClassData, from = 0, to = d.n): Record<string, ArrayLike<unknown>> {
  return {
    pred: d.prediction.slice(from, to),
    label: d.truth.slice(from, to),
    ...Object.fromEntries(Object.entries(d.scores).map(([col, s]) => [col, s.subarray(from, to)])),
  };
}

function profileClass(d: ClassData, from = 0, to = d.n): DatasetProfileView {
  return new DatasetProfile({ performance: d.spec }).track(classColumns(d, from, to)).view();
}

function profileRegression(d: RegressionData, from = 0, to = d.n): DatasetProfileView {
  return new DatasetProfile({ performance: { task: "regression", prediction: "pred", target: "y" } })
    .track({ pred: d.prediction.slice(from, to), y: d.truth.slice(from, to) })
    .view();
}

/** Contiguous windows of random lengths covering [0, n). */
function windows(n: number, count: number, seed: number): [number, number][] {
  const random = createRandom(seed);
  const cuts = new Set<number>();
  while (cuts.size < count - 1) cuts.add(1 + Math.floor(random() * (n - 1)));
  const edges = [0, ...[...cuts].sort((a, b) => a - b), n];
  return edges.slice(1).map((end, i) => [edges[i]!, end]);
}

/** The window views merged one by one in a random order. */
function mergeShuffled(views: DatasetProfileView[], seed: number): DatasetProfileView {
  const random = createRandom(seed);
  const order = [...views];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(1).reduce((a, b) => a.merge(b), order[0]!);
}

function classificationOf(v: DatasetProfileView): ClassificationPerformanceMessage {
  const c = v.performance?.classification;
  if (c === undefined) throw new Error("the profile has no classification metrics");
  return c;
}

function regressionOf(v: DatasetProfileView): RegressionPerformanceMessage {
  const r = v.performance?.regression;
  if (r === undefined) throw new Error("the profile has no regression metrics");
  return r;
}

function realizedClass(v: DatasetProfileView): ClassificationRealized {
  const r = realizedPerformance(v.performance);
  if (r?.task !== "classification") throw new Error("expected realized classification metrics");
  return r;
}

function realizedReg(v: DatasetProfileView): RegressionRealized {
  const r = realizedPerformance(v.performance);
  if (r?.task !== "regression") throw new Error("expected realized regression metrics");
  return r;
}

/** Rows sklearn evaluates: prediction and label both present (the tracker skips rows without a prediction). */
function labeledRows(d: { n: number; prediction: unknown[]; truth: unknown[] }): number[] {
  const rows: number[] = [];
  for (let i = 0; i < d.n; i++) if (d.prediction[i] !== null && d.truth[i] !== null) rows.push(i);
  return rows;
}

/** Distinct scores among the rows, and whether every histogram bin holds a single distinct score. */
function scoreShape(
  scores: Float64Array,
  rows: readonly number[],
): { distinct: number; oneScorePerBin: boolean } {
  const byBin = new Map<number, number>();
  const distinct = new Set<number>();
  let oneScorePerBin = true;
  for (const i of rows) {
    const s = scores[i]!;
    distinct.add(s);
    const bin = Math.min(BINS - 1, Math.floor(s * BINS));
    const seen = byBin.get(bin);
    if (seen === undefined) byBin.set(bin, s);
    else if (seen !== s) oneScorePerBin = false;
  }
  return { distinct: distinct.size, oneScorePerBin };
}

function binaryCommand(d: ClassData, rows: readonly number[]): OracleCommand {
  const scores = d.scores.proba!;
  return {
    op: "sklearn_binary",
    y_true: rows.map((i) => String(d.truth[i])),
    y_pred: rows.map((i) => String(d.prediction[i])),
    scores: float64ToBase64(rows.map((i) => scores[i]!)),
    pos_label: d.positive!,
  };
}

function multiclassCommand(d: ClassData, rows: readonly number[]): OracleCommand {
  return {
    op: "sklearn_multiclass",
    y_true: rows.map((i) => String(d.truth[i])),
    y_pred: rows.map((i) => String(d.prediction[i])),
    classes: d.classes!.map(([label]) => label),
    proba: d.classes!.map(([, col]) => float64ToBase64(rows.map((i) => d.scores[col]![i]!))),
  };
}

function regressionCommand(
  d: RegressionData,
  rows: readonly number[],
  ours: RegressionRealized,
): OracleCommand {
  return {
    op: "sklearn_regression",
    y_true: float64ToBase64(rows.map((i) => d.truth[i]!)),
    y_pred: float64ToBase64(rows.map((i) => d.prediction[i]!)),
    quantiles: RESIDUAL_RANKS.map((r) => ours.residualQuantiles![`p${Math.round(r * 100)}`]!),
  };
}

// ---------------------------------------------------------------------------------------------------------
// What sklearn answers

interface SkClassMetrics {
  labels: string[];
  /** Rows = truth, columns = prediction (sklearn's orientation). */
  confusion: number[][];
  accuracy: number;
  per_class: { label: string; precision: number; recall: number; f1: number; support: number }[];
  macro: { precision: number; recall: number; f1: number };
  micro: { precision: number; recall: number; f1: number };
}

interface SkCounts extends SkClassMetrics {
  binary?: { precision: number; recall: number; f1: number };
}

interface SkBinary extends SkClassMetrics {
  binary: { precision: number; recall: number; f1: number };
  roc_auc: number | null;
  average_precision: number | null;
  log_loss: number;
  brier: number;
  calibration: {
    counts: number[];
    positives: number[];
    mean_score: (number | null)[];
    sklearn: { bin: number; count: number; prob_true: number; prob_pred: number; same_rows: boolean }[];
  };
}

interface SkMulticlass extends SkClassMetrics {
  roc_auc_ovr_macro: number;
  roc_auc_per_class: number[];
  ap_macro: number;
  ap_per_class: number[];
  log_loss: number;
  brier: number;
  brier_half: number;
}

interface SkRegression {
  mae: number;
  mse: number;
  rmse: number;
  r2: number;
  mean_error: number;
  ranks: { le: number; lt: number }[];
}

// ---------------------------------------------------------------------------------------------------------
// Checks against sklearn

/** What the report at the end collects (printed with PERF_ORACLE_REPORT=1). */
const observed: string[] = [];

function checkCounts(ours: ClassificationRealized, sk: SkClassMetrics, rows: number, what: string): void {
  expect(ours.count, `${what}: labeled rows`).toBe(rows);
  expect(ours.confusionMatrix.labels, `${what}: confusion labels`).toEqual(sk.labels);
  // Ours is indexed [prediction][truth], sklearn's [truth][prediction].
  const transposed = sk.labels.map((_, p) => sk.labels.map((__, t) => sk.confusion[t]![p]!));
  expect(ours.confusionMatrix.counts, `${what}: confusion matrix`).toEqual(transposed);
  expectSameRatio(ours.accuracy, sk.accuracy, `${what}: accuracy`);
  expect(
    ours.perClass.map((c) => c.label),
    `${what}: per-class labels`,
  ).toEqual(sk.per_class.map((c) => c.label));
  ours.perClass.forEach((c, i) => {
    const s = sk.per_class[i]!;
    expectSameRatio(c.precision, s.precision, `${what}: precision[${c.label}]`);
    expectSameRatio(c.recall, s.recall, `${what}: recall[${c.label}]`);
    expectSameRatio(c.f1, s.f1, `${what}: f1[${c.label}]`);
    expect(c.support, `${what}: support[${c.label}]`).toBe(s.support);
  });
  // A mean of k per-class ratios, summed in another order by numpy: each sum within (k − 1)·U of the exact
  // one, plus the division: (2k + 2)·U relative between the two.
  const k = sk.labels.length;
  for (const m of ["precision", "recall", "f1"] as const) {
    expectRelative(ours.macro[m], sk.macro[m], (2 * k + 2) * U, `${what}: macro ${m}`);
    expectSameRatio(ours.micro[m], sk.micro[m], `${what}: micro ${m}`);
  }
}

function checkBinary(
  d: ClassData,
  rows: readonly number[],
  ours: ClassificationRealized,
  sk: SkBinary,
  what: string,
): void {
  checkCounts(ours, sk, rows.length, what);
  expect(ours.average, what).toBe("binary");
  expect(ours.positiveLabel, what).toBe(d.positive);
  expectSameRatio(ours.precision, sk.binary.precision, `${what}: precision(${d.positive})`);
  expectSameRatio(ours.recall, sk.binary.recall, `${what}: recall(${d.positive})`);
  expectSameRatio(ours.f1, sk.binary.f1, `${what}: f1(${d.positive})`);

  const { distinct, oneScorePerBin } = scoreShape(d.scores.proba!, rows);
  const rounding = curveRounding(distinct);
  expect(ours.rocAucBounds, `${what}: ROC AUC bounds`).not.toBeNull();
  expect(ours.prAucBounds, `${what}: AP bounds`).not.toBeNull();
  const roc = ours.rocAucBounds!;
  const ap = ours.prAucBounds!;
  expect(ours.rocAuc, `${what}: rocAuc is the bounds' value`).toBe(roc.value);
  expect(ours.prAuc, `${what}: prAuc is the bounds' value`).toBe(ap.value);
  expectInside(roc, sk.roc_auc!, rounding, rounding, `${what}: roc_auc_score`);
  expectInside(
    ap,
    sk.average_precision!,
    rounding + DIGAMMA_RELATIVE,
    rounding,
    `${what}: average_precision_score`,
  );
  if (oneScorePerBin) {
    expectAbsolute(
      roc.value,
      sk.roc_auc!,
      rounding,
      `${what}: roc_auc_score (one score per bin)`,
      "AUC/AP exact",
    );
    expectAbsolute(
      ap.value,
      sk.average_precision!,
      rounding,
      `${what}: average_precision_score (one score per bin)`,
      "AUC/AP exact",
    );
  }
  observed.push(
    `${what}: ROC AUC width ${(roc.upper - roc.lower).toExponential(2)} (sklearn − ours ${(sk.roc_auc! - roc.value).toExponential(2)}), ` +
      `AP width ${(ap.upper - ap.lower).toExponential(2)} (sklearn − ours ${(sk.average_precision! - ap.value).toExponential(2)})` +
      `${oneScorePerBin ? ", one score per bin" : ""}`,
  );

  const n = rows.length;
  expect(ours.logLoss, `${what}: log loss`).not.toBeNull();
  expect(ours.brier, `${what}: Brier`).not.toBeNull();
  expectRelative(ours.logLoss!, sk.log_loss, sumTolerance(n), `${what}: log_loss`, "log_loss (relative)");
  // sklearn's binary Brier is ½·Σ over the columns [1 − p, p]: the rounding of 1 − p (≤ U) moves the square
  // of that column by ≤ 2U·|p − y|, half of it after the ½, and Σ|p − y| ≤ √(n·Σ(p − y)²) makes the sum of
  // those ≤ U/√brier relative.
  expectRelative(
    ours.brier!,
    sk.brier,
    sumTolerance(n) + U / Math.sqrt(sk.brier),
    `${what}: brier_score_loss`,
    "Brier (relative)",
  );

  // Reliability table: counts and positives per [k/10, (k+1)/10) bin as numpy.histogram counts them; mean
  // score within half a histogram bin (0.5/1000) of the exact bin mean, plus the rounding of two means of
  // `count` scores ≤ 1 (≤ (count + 2)·U each).
  const cal = ours.calibration.find((c) => c.label === d.positive);
  expect(cal, `${what}: calibration table of ${d.positive}`).toBeDefined();
  const byBin = new Map(cal!.bins.map((b) => [Math.round(b.lower * 10), b]));
  expect([...byBin.keys()], `${what}: occupied calibration bins`).toEqual(
    sk.calibration.counts.flatMap((c, k) => (c > 0 ? [k] : [])),
  );
  for (const [k, b] of byBin) {
    const count = sk.calibration.counts[k]!;
    expect(b.count, `${what}: calibration count [${k / 10}, ${(k + 1) / 10})`).toBe(count);
    expectSameRatio(
      b.fractionPositive,
      sk.calibration.positives[k]! / count,
      `${what}: fraction positive bin ${k}`,
    );
    const tolerance = 0.5 / BINS + 2 * (count + 2) * U;
    expectAbsolute(b.meanScore, sk.calibration.mean_score[k]!, tolerance, `${what}: mean score bin ${k}`);
  }
  // sklearn.calibration.calibration_curve bins (lower, upper]: compared where a bin holds the same rows.
  let compared = 0;
  for (const s of sk.calibration.sklearn) {
    if (!s.same_rows) continue;
    const b = byBin.get(s.bin)!;
    expect(b.count, `${what}: calibration_curve count bin ${s.bin}`).toBe(s.count);
    expectSameRatio(b.fractionPositive, s.prob_true, `${what}: calibration_curve prob_true bin ${s.bin}`);
    const tolerance = 0.5 / BINS + 2 * (s.count + 2) * U;
    expectAbsolute(b.meanScore, s.prob_pred, tolerance, `${what}: calibration_curve prob_pred bin ${s.bin}`);
    compared++;
  }
  observed.push(
    `${what}: calibration_curve compared on ${compared} of ${sk.calibration.sklearn.length} bins`,
  );
}

function checkMulticlass(
  d: ClassData,
  rows: readonly number[],
  v: DatasetProfileView,
  sk: SkMulticlass,
  what: string,
): void {
  const ours = realizedClass(v);
  checkCounts(ours, sk, rows.length, what);
  expect(ours.average, what).toBe("macro");
  expect(ours.positiveLabel, what).toBeNull();
  for (const m of ["precision", "recall", "f1"] as const) {
    expect(ours[m], `${what}: headline ${m} is the macro average`).toBe(ours.macro[m]);
  }

  // Per class from the histograms with the exported helpers, then the macro means realizedPerformance reports.
  const c = classificationOf(v);
  const classes = d.classes!;
  expect(
    c.histograms.map((h) => h.label),
    `${what}: one histogram per scored class`,
  ).toEqual(classes.map(([label]) => label));
  let worst = 0;
  let allOneScorePerBin = true;
  classes.forEach(([label, col], i) => {
    const { distinct, oneScorePerBin } = scoreShape(d.scores[col]!, rows);
    allOneScorePerBin &&= oneScorePerBin;
    worst = Math.max(worst, distinct);
    const s = binnedScores(c.histograms[i]!, c.scoreBins);
    const roc = binnedRocAuc(s.positive, s.negative);
    const ap = binnedAveragePrecision(s.positive, s.negative);
    const rounding = curveRounding(distinct);
    expectInside(
      roc,
      sk.roc_auc_per_class[i]!,
      rounding,
      rounding,
      `${what}: roc_auc_score ${label} vs rest`,
    );
    expectInside(
      ap,
      sk.ap_per_class[i]!,
      rounding + DIGAMMA_RELATIVE,
      rounding,
      `${what}: AP ${label} vs rest`,
    );
    if (oneScorePerBin) {
      expectAbsolute(
        roc.value,
        sk.roc_auc_per_class[i]!,
        rounding,
        `${what}: roc_auc_score ${label} (one score per bin)`,
        "AUC/AP exact",
      );
      expectAbsolute(
        ap.value,
        sk.ap_per_class[i]!,
        rounding,
        `${what}: AP ${label} (one score per bin)`,
        "AUC/AP exact",
      );
    }
  });
  // Means of k values, each within curveRounding(worst): the means differ by no more (plus 2k·U for the sums).
  const k = classes.length;
  const rounding = curveRounding(worst) + 2 * k * U;
  expect(ours.rocAucBounds, `${what}: ROC AUC bounds`).not.toBeNull();
  expect(ours.prAucBounds, `${what}: AP bounds`).not.toBeNull();
  const roc = ours.rocAucBounds!;
  const ap = ours.prAucBounds!;
  expectInside(roc, sk.roc_auc_ovr_macro, rounding, rounding, `${what}: roc_auc_score(ovr, macro)`);
  expectInside(
    ap,
    sk.ap_macro,
    rounding + DIGAMMA_RELATIVE,
    rounding,
    `${what}: average_precision_score(macro)`,
  );
  if (allOneScorePerBin) {
    expectAbsolute(
      roc.value,
      sk.roc_auc_ovr_macro,
      rounding,
      `${what}: roc_auc_score(ovr, macro) (one score per bin)`,
      "AUC/AP exact",
    );
    expectAbsolute(
      ap.value,
      sk.ap_macro,
      rounding,
      `${what}: average_precision_score(macro) (one score per bin)`,
      "AUC/AP exact",
    );
  }
  observed.push(
    `${what}: macro ROC AUC width ${(roc.upper - roc.lower).toExponential(2)} (sklearn − ours ${(sk.roc_auc_ovr_macro - roc.value).toExponential(2)}), ` +
      `macro AP width ${(ap.upper - ap.lower).toExponential(2)}${allOneScorePerBin ? ", one score per bin" : ""}`,
  );

  const n = rows.length;
  expect(ours.logLoss, `${what}: log loss`).not.toBeNull();
  expect(ours.brier, `${what}: Brier`).not.toBeNull();
  expectRelative(ours.logLoss!, sk.log_loss, sumTolerance(n), `${what}: log_loss`, "log_loss (relative)");
  // Our Brier is the mean over rows of Σ_c (p_c − y_c)²: sklearn ≥ 1.7's default for 3+ classes (no ½). Each
  // row sums k squares in the same column order on both sides; the k additions add ≤ k·U.
  expectRelative(
    ours.brier!,
    sk.brier,
    sumTolerance(n) + k * U,
    `${what}: brier_score_loss (default scaling)`,
    "Brier (relative)",
  );
  expect(Math.abs(ours.brier! - sk.brier_half), `${what}: Brier is not the ½-scaled one`).toBeGreaterThan(
    0.1 * sk.brier_half,
  );
}

/** Relative error bound of the target's sum of squared deviations, by Welford (ours) or two-pass (numpy). */
function sstTolerance(r: RegressionPerformanceMessage): number {
  // Chan, Golub & LeVeque (1983): the updating algorithm errs by ≲ n·κ·U relative, κ = √(1 + n·ȳ²/SST) the
  // condition number of the data; numpy's two-pass with pairwise sums by ≲ (⌈log₂ n⌉ + n·κ²·U)·U. Factor 2 for
  // second-order terms and the rounding of the mean; the merge formula of window sums is no worse than updating.
  const n = r.count;
  const kappa = Math.sqrt(1 + (n * r.targetMean * r.targetMean) / r.targetM2);
  return 2 * (n * kappa + Math.ceil(Math.log2(n)) + n * kappa * kappa * U + 4) * U;
}

function checkRegression(
  message: RegressionPerformanceMessage,
  ours: RegressionRealized,
  sk: SkRegression,
  rows: number,
  what: string,
): void {
  expect(ours.count, `${what}: labeled rows`).toBe(rows);
  const sums = sumTolerance(rows);
  expectRelative(ours.mae, sk.mae, sums, `${what}: mean_absolute_error`, "MAE/MSE (relative)");
  expectRelative(ours.mse, sk.mse, sums, `${what}: mean_squared_error`, "MAE/MSE (relative)");
  // √ halves the relative error of its argument and rounds once more.
  expectRelative(ours.rmse, sk.rmse, sums / 2 + 2 * U, `${what}: root_mean_squared_error`);
  // A signed sum errs by ≤ sumTolerance·Σ|e|, i.e. the mean by ≤ sumTolerance·MAE.
  expectAbsolute(ours.meanError, sk.mean_error, sums * ours.mae, `${what}: mean error`, "mean error");
  // r² = 1 − SSE/SST: |Δr²| ≤ (SSE/SST)·(relative error of SSE + of SST + a division).
  const ratio = 1 - sk.r2;
  expect(ours.r2, `${what}: r2`).not.toBeNull();
  expectAbsolute(ours.r2!, sk.r2, ratio * (sums + sstTolerance(message) + 2 * U), `${what}: r2_score`, "r2");
  // KLL quantiles: the true rank of our value is within the sketch's rank error of the requested rank
  // (inclusive quantile: rank ≤ q reaches r, rank < q stays below it).
  const eps = ours.residualRankError!;
  RESIDUAL_RANKS.forEach((r, i) => {
    const { le, lt } = sk.ranks[i]!;
    const q = ours.residualQuantiles![`p${Math.round(r * 100)}`];
    expect(le, `${what}: rank(≤ ${q}) for p${r * 100}, rank error ${eps}`).toBeGreaterThanOrEqual(r - eps);
    expect(lt, `${what}: rank(< ${q}) for p${r * 100}, rank error ${eps}`).toBeLessThanOrEqual(r + eps);
  });
}

/** Merged windows vs the whole dataset profiled at once: exact counts and histograms, sums to rounding. */
function checkMergedClassification(
  merged: DatasetProfileView,
  whole: DatasetProfileView,
  what: string,
): void {
  const m = classificationOf(merged);
  const w = classificationOf(whole);
  expect(m.labels, `${what}: labels`).toEqual(w.labels);
  expect(m.confusion, `${what}: confusion`).toEqual(w.confusion);
  expect(m.unlabeled, `${what}: awaiting labels`).toEqual(w.unlabeled);
  expect(m.histograms, `${what}: score histograms`).toEqual(w.histograms);
  expect(m.logLossCount, `${what}: log-loss rows`).toBe(w.logLossCount);
  expect(m.brierCount, `${what}: Brier rows`).toBe(w.brierCount);
  const rm = realizedClass(merged);
  const rw = realizedClass(whole);
  // Same counts and histograms, so the same arithmetic: identical numbers.
  const { logLoss: lm, brier: bm, ...restMerged } = rm;
  const { logLoss: lw, brier: bw, ...restWhole } = rw;
  expect(restMerged, `${what}: every counts-based and ranking metric`).toEqual(restWhole);
  // The same terms summed in windows: each side within (n − 1)·U of the exact sum.
  expectRelative(lm!, lw!, 2 * sumTolerance(w.logLossCount), `${what}: log loss merged vs whole`);
  expectRelative(bm!, bw!, 2 * sumTolerance(w.brierCount), `${what}: Brier merged vs whole`);
}

// ---------------------------------------------------------------------------------------------------------
// The cases

const BINARY: ClassData[] = [
  binaryData({
    name: "binary n=50 continuous",
    n: 50,
    seed: 11,
    prior: 0.5,
    noise: 1.2,
    shift: 2,
    predictions: "threshold",
  }),
  binaryData({
    name: "binary n=1000 2-decimal",
    n: 1000,
    seed: 12,
    prior: 0.4,
    noise: 1,
    shift: 2,
    twoDecimals: true,
    predictions: "threshold",
  }),
  binaryData({
    name: "binary n=20000 continuous",
    n: 20000,
    seed: 13,
    prior: 0.3,
    noise: 1.5,
    shift: 3,
    predictions: "threshold",
  }),
  binaryData({
    name: "binary n=20000 2-decimal, predictions not from scores",
    n: 20000,
    seed: 14,
    prior: 0.5,
    noise: 1.5,
    shift: 2,
    twoDecimals: true,
    predictions: "noisy",
  }),
  binaryData({
    name: "binary n=1000 extreme scores, 5% positive",
    n: 1000,
    seed: 15,
    prior: 0.05,
    noise: 20,
    shift: 60,
    extremes: true,
    predictions: "noisy",
  }),
  binaryData({
    name: "binary n=5000 ham/spam, 2% spam, threshold 0.3",
    n: 5000,
    seed: 16,
    prior: 0.02,
    noise: 1,
    shift: 4,
    predictions: "threshold",
    threshold: 0.3,
    labels: ["ham", "spam"],
    positiveLabel: "spam",
  }),
  binaryData({
    name: "binary n=3000 positiveLabel 0",
    n: 3000,
    seed: 17,
    prior: 0.6,
    noise: 1,
    shift: 1.5,
    predictions: "noisy",
    positiveLabel: "0",
  }),
];

const MULTICLASS: ClassData[] = [
  multiclassData({
    name: "3 classes n=1000 continuous",
    n: 1000,
    seed: 21,
    classes: ["a", "b", "c"],
    priors: [0.5, 0.3, 0.2],
    signal: 1.5,
    flips: 0,
  }),
  multiclassData({
    name: "4 classes n=20000 2-decimal, 20% random predictions",
    n: 20000,
    seed: 22,
    classes: ["a", "b", "c", "d"],
    priors: [0.25, 0.25, 0.3, 0.2],
    signal: 1.2,
    twoDecimals: true,
    flips: 0.2,
  }),
  multiclassData({
    name: "4 classes n=300, rare class",
    n: 300,
    seed: 23,
    classes: ["cat", "cow", "dog", "emu"],
    priors: [0.4, 0.3, 0.27, 0.03],
    signal: 2,
    flips: 0.3,
  }),
];

const REGRESSION: RegressionData[] = [
  regressionData("regression n=50", 50, 31, (normal) => {
    const y = 10 + 3 * normal();
    return [y, y + 0.5 * normal()];
  }),
  regressionData("regression n=1000 log-normal target, relative errors", 1000, 32, (normal) => {
    const y = Math.exp(normal());
    return [y, y * (1 + 0.1 * normal())];
  }),
  regressionData("regression n=20000 heavy-tailed residuals", 20000, 33, (normal, random) => {
    const y = 5 * normal();
    return [y, y + normal() / Math.sqrt(random() + 1e-3)];
  }),
  regressionData("regression n=5000 target around 1000, biased", 5000, 34, (normal) => {
    const y = 1000 + 10 * normal();
    return [y, y + normal() + 0.3];
  }),
];

/** A classifier logged without score columns: only its predicted labels, "pred", against "label". */
function withoutScores(d: ClassData, name: string): ClassData {
  const { scores: _scores, ...spec } = d.spec;
  const { positive: _positive, classes: _classes, ...rest } = d;
  return { ...rest, name, scores: {}, spec };
}

/** A 0/1 classifier without scores: binary headline metrics of label 1, as sklearn's default. */
const UNSCORED_BINARY = withoutScores(
  binaryData({ name: "", n: 2000, seed: 51, prior: 0.35, noise: 1, shift: 2, predictions: "noisy" }),
  "binary 0/1 without scores n=2000",
);

/**
 * A 3-class classifier (labels 0, 1, 2) without scores whose first 300 rows only hold classes 0 and 1: that
 * window alone reads as binary, the merged windows must read as multiclass like the whole.
 */
const UNSCORED_MULTICLASS: ClassData = (() => {
  const d = multiclassData({
    name: "",
    n: 3000,
    seed: 52,
    classes: ["a", "b", "c"],
    priors: [0.4, 0.35, 0.25],
    signal: 1.5,
    flips: 0.15,
  });
  const code = (l: Label, i: number): Label => {
    const c = l === "a" ? 0 : l === "b" ? 1 : 2;
    return i < 300 && c === 2 ? i % 2 : c;
  };
  return withoutScores(
    { ...d, prediction: d.prediction.map(code), truth: d.truth.map(code) },
    "3 classes 0/1/2 without scores n=3000, first window only 0/1",
  );
})();

/** Cases split into windows and merged back (name → window count). */
const MERGED = new Map<string, number>([
  ["binary n=20000 continuous", 9],
  ["binary n=20000 2-decimal, predictions not from scores", 6],
  ["binary n=1000 extreme scores, 5% positive", 5],
  ["binary n=5000 ham/spam, 2% spam, threshold 0.3", 7],
  ["4 classes n=20000 2-decimal, 20% random predictions", 8],
  ["4 classes n=300, rare class", 4],
  ["regression n=20000 heavy-tailed residuals", 10],
  ["regression n=5000 target around 1000, biased", 5],
]);

/**
 * Labels that have not arrived: a share of rows with target null, some of them predicting a label that occurs
 * nowhere else, and a few labeled rows without a prediction (the tracker evaluates nothing without one).
 */
function withAwaiting<T extends { n: number; prediction: unknown[]; truth: unknown[] }>(
  d: T,
  seed: number,
  strayLabel: Label,
  strays: number,
  noPrediction: number,
): T {
  const random = createRandom(seed);
  const unlabeled: number[] = [];
  for (let i = 0; i < d.n; i++) if (d.truth[i] === null) unlabeled.push(i);
  for (let j = 0; j < strays; j++)
    d.prediction[unlabeled[Math.floor(random() * unlabeled.length)]!] = strayLabel;
  for (let j = 0; j < noPrediction; j++) {
    const i = Math.floor(random() * d.n);
    if (d.truth[i] !== null) d.prediction[i] = null;
  }
  return d;
}

const AWAITING_BINARY = withAwaiting(
  binaryData({
    name: "binary n=3000 2-decimal, 30% awaiting labels",
    n: 3000,
    seed: 41,
    prior: 0.4,
    noise: 1.2,
    shift: 2,
    twoDecimals: true,
    predictions: "noisy",
    awaiting: 0.3,
    // Labels other than 0/1 (the stray "2") need the positive class named.
    positiveLabel: "1",
  }),
  42,
  2,
  25,
  10,
);

const AWAITING_MULTICLASS = withAwaiting(
  multiclassData({
    name: "3 classes n=3000, 25% awaiting labels",
    n: 3000,
    seed: 43,
    classes: ["a", "b", "c"],
    priors: [0.3, 0.4, 0.3],
    signal: 1.5,
    flips: 0.1,
    awaiting: 0.25,
  }),
  44,
  "zz",
  30,
  10,
);

const AWAITING_REGRESSION = withAwaiting(
  regressionData(
    "regression n=3000, 20% awaiting labels",
    3000,
    45,
    (normal) => {
      const y = 2 * normal() - 1;
      return [y, 0.9 * y + 0.4 * normal()];
    },
    0.2,
  ),
  46,
  null,
  0,
  10,
);

// ---------------------------------------------------------------------------------------------------------
// Profiling everything, then one oracle batch

interface ClassRun {
  readonly d: ClassData;
  readonly rows: number[];
  readonly whole: DatasetProfileView;
  readonly merged?: DatasetProfileView;
  readonly answer: number;
}

interface RegressionRun {
  readonly d: RegressionData;
  readonly rows: number[];
  readonly whole: DatasetProfileView;
  readonly answer: number;
  readonly merged?: { readonly view: DatasetProfileView; readonly answer: number };
}

const commands: OracleCommand[] = [];
const answers: Record<string, unknown>[] = [];
const binaryRuns: ClassRun[] = [];
const multiclassRuns: ClassRun[] = [];
const regressionRuns: RegressionRun[] = [];
const unscoredRuns: { d: ClassData; rows: number[]; whole: DatasetProfileView; answer: number }[] = [];
let unscoredMerged: DatasetProfileView;
let unscoredFirstWindow: DatasetProfileView;
let lateLabels: {
  view: DatasetProfileView;
  direct: DatasetProfileView;
  rows: number[];
  d: ClassData;
  answer: number;
};

function ask(command: OracleCommand): number {
  commands.push(command);
  return commands.length - 1;
}

function answer<T>(index: number, what: string): T {
  return ok<T>(answers[index], what);
}

function classRun(
  d: ClassData,
  seed: number,
  command: (d: ClassData, rows: number[]) => OracleCommand,
): ClassRun {
  const rows = labeledRows(d);
  const whole = profileClass(d);
  const count = MERGED.get(d.name);
  const merged =
    count === undefined
      ? undefined
      : mergeShuffled(
          windows(d.n, count, seed).map(([from, to]) => profileClass(d, from, to)),
          seed + 1,
        );
  return { d, rows, whole, ...(merged !== undefined ? { merged } : {}), answer: ask(command(d, rows)) };
}

function regressionRun(d: RegressionData, seed: number): RegressionRun {
  const rows = labeledRows(d);
  const whole = profileRegression(d);
  const count = MERGED.get(d.name);
  let merged: RegressionRun["merged"];
  if (count !== undefined) {
    const view = mergeShuffled(
      windows(d.n, count, seed).map(([from, to]) => profileRegression(d, from, to)),
      seed + 1,
    );
    merged = { view, answer: ask(regressionCommand(d, rows, realizedReg(view))) };
  }
  return {
    d,
    rows,
    whole,
    answer: ask(regressionCommand(d, rows, realizedReg(whole))),
    ...(merged !== undefined ? { merged } : {}),
  };
}

beforeAll(async () => {
  BINARY.forEach((d, i) => binaryRuns.push(classRun(d, 100 + i, binaryCommand)));
  binaryRuns.push(classRun(AWAITING_BINARY, 150, binaryCommand));
  MULTICLASS.forEach((d, i) => multiclassRuns.push(classRun(d, 200 + i, multiclassCommand)));
  multiclassRuns.push(classRun(AWAITING_MULTICLASS, 250, multiclassCommand));
  REGRESSION.forEach((d, i) => regressionRuns.push(regressionRun(d, 300 + i)));
  regressionRuns.push(regressionRun(AWAITING_REGRESSION, 350));
  for (const [d, pos] of [
    [UNSCORED_BINARY, "1"],
    [UNSCORED_MULTICLASS, undefined],
  ] as const) {
    const rows = labeledRows(d);
    const command: OracleCommand = {
      op: "sklearn_counts",
      y_true: rows.map((i) => String(d.truth[i])),
      y_pred: rows.map((i) => String(d.prediction[i])),
      ...(pos !== undefined ? { pos_label: pos } : {}),
    };
    unscoredRuns.push({ d, rows, whole: profileClass(d), answer: ask(command) });
  }
  {
    const d = UNSCORED_MULTICLASS;
    const parts: [number, number][] = [
      [0, 300],
      ...windows(d.n - 300, 5, 360).map(([a, b]): [number, number] => [300 + a, 300 + b]),
    ];
    const views = parts.map(([from, to]) => profileClass(d, from, to));
    unscoredFirstWindow = views[0]!;
    unscoredMerged = mergeShuffled(views, 361);
  }

  // Late labels: half of the rows awaiting their label get it afterwards, in a profile of its own that merges
  // into the predictions' profile.
  const d = AWAITING_BINARY;
  const random = createRandom(47);
  const late = new Set<number>();
  // (Rows predicting the stray label "2" keep waiting, so the labeled rows stay a binary problem for sklearn.)
  for (let i = 0; i < d.n; i++) {
    const p = d.prediction[i];
    if (d.truth[i] === null && (p === 0 || p === 1) && random() < 0.5) late.add(i);
  }
  const labelOf = (i: number): Label => (random() < d.scores.proba![i]! ? 1 : 0);
  const filled: ClassData = { ...d, truth: d.truth.map((t, i) => (late.has(i) ? labelOf(i) : t)) };
  const lateIdx = [...late];
  const lateProfile = new DatasetProfile({ performance: d.spec }).trackLateLabels({
    pred: lateIdx.map((i) => filled.prediction[i]),
    label: lateIdx.map((i) => filled.truth[i]),
    proba: lateIdx.map((i) => filled.scores.proba![i]),
  });
  const rows = labeledRows(filled);
  lateLabels = {
    view: profileClass(d).merge(lateProfile.view()),
    direct: profileClass(filled),
    rows,
    d: filled,
    answer: ask(binaryCommand(filled, rows)),
  };
  const versions = ask({ op: "sklearn_versions" });

  answers.push(...(await runOracle(commands, "performance_oracle.py")));
  const v = answer<{ "scikit-learn": string }>(versions, "sklearn_versions");
  expect(v["scikit-learn"], "the pinned scikit-learn").toBe("1.9.1");
});

afterAll(() => {
  if (!process.env.PERF_ORACLE_REPORT) return;
  for (const [kind, w] of worstShare) {
    observed.push(
      `worst ${kind}: ${w.error.toExponential(2)} = ${(100 * w.share).toFixed(1)}% of its tolerance ${w.tolerance.toExponential(2)} (${w.where})`,
    );
  }
  console.log(observed.join("\n"));
});

// ---------------------------------------------------------------------------------------------------------
// Tests

describe("binary classification vs scikit-learn", () => {
  it.each(BINARY.map((d, i) => [d.name, i] as const))("%s", (name, i) => {
    const run = binaryRuns[i]!;
    const sk = answer<SkBinary>(run.answer, name);
    checkBinary(run.d, run.rows, realizedClass(run.whole), sk, name);
    expect(realizedClass(run.whole).awaitingLabels, name).toBe(0);
  });

  it("exercises both comparisons: 2-decimal scores hold one score per bin, 20000 continuous ones do not", () => {
    for (const run of binaryRuns) {
      const { oneScorePerBin } = scoreShape(run.d.scores.proba!, run.rows);
      if (run.d.name.includes("2-decimal")) expect(oneScorePerBin, run.d.name).toBe(true);
      if (run.d.name.includes("continuous") && run.d.n >= 5000)
        expect(oneScorePerBin, run.d.name).toBe(false);
    }
  });
});

describe("multiclass classification vs scikit-learn", () => {
  it.each(MULTICLASS.map((d, i) => [d.name, i] as const))("%s", (name, i) => {
    const run = multiclassRuns[i]!;
    checkMulticlass(run.d, run.rows, run.whole, answer<SkMulticlass>(run.answer, name), name);
  });
});

describe("regression vs scikit-learn", () => {
  it.each(REGRESSION.map((d, i) => [d.name, i] as const))("%s", (name, i) => {
    const run = regressionRuns[i]!;
    const sk = answer<SkRegression>(run.answer, name);
    checkRegression(regressionOf(run.whole), realizedReg(run.whole), sk, run.rows.length, name);
    observed.push(`${name}: residual rank error ${realizedReg(run.whole).residualRankError}`);
  });
});

describe("window profiles merged in random order", () => {
  it.each([...MERGED].map(([name, count]) => [name, count] as const))(
    "%s in %i windows equals the whole dataset and sklearn on the concatenation",
    (name) => {
      const b = binaryRuns.find((r) => r.d.name === name);
      const m = multiclassRuns.find((r) => r.d.name === name);
      const r = regressionRuns.find((x) => x.d.name === name);
      if (b !== undefined) {
        checkMergedClassification(b.merged!, b.whole, name);
        checkBinary(
          b.d,
          b.rows,
          realizedClass(b.merged!),
          answer<SkBinary>(b.answer, name),
          `${name} (merged)`,
        );
      } else if (m !== undefined) {
        checkMergedClassification(m.merged!, m.whole, name);
        checkMulticlass(m.d, m.rows, m.merged!, answer<SkMulticlass>(m.answer, name), `${name} (merged)`);
      } else if (r !== undefined) {
        const merged = regressionOf(r.merged!.view);
        const whole = regressionOf(r.whole);
        expect(merged.count, name).toBe(whole.count);
        expect(merged.unlabeled, name).toBe(whole.unlabeled);
        const sums = 2 * sumTolerance(whole.count);
        expectRelative(
          merged.sumAbsoluteError,
          whole.sumAbsoluteError,
          sums,
          `${name}: Σ|e| merged vs whole`,
        );
        expectRelative(merged.sumSquaredError, whole.sumSquaredError, sums, `${name}: Σe² merged vs whole`);
        // Both means err by ≲ n·U·mean|y| ≤ n·U·rms(y) (Welford's running mean vs the merge of window means).
        const rms = Math.sqrt(whole.targetM2 / whole.count + whole.targetMean ** 2);
        expectAbsolute(
          merged.targetMean,
          whole.targetMean,
          sums * rms,
          `${name}: target mean merged vs whole`,
        );
        const sk = answer<SkRegression>(r.merged!.answer, name);
        checkRegression(merged, realizedReg(r.merged!.view), sk, r.rows.length, `${name} (merged)`);
      } else {
        expect.fail(`no run for ${name}`);
      }
    },
  );
});

describe("classifiers without score columns vs scikit-learn", () => {
  it("0/1 labels: binary precision/recall/F1 of label 1, counts exact, no ranking or probabilistic metric", () => {
    const run = unscoredRuns[0]!;
    const sk = answer<SkCounts>(run.answer, run.d.name);
    const ours = realizedClass(run.whole);
    checkCounts(ours, sk, run.rows.length, run.d.name);
    expect(ours.average).toBe("binary");
    expect(ours.positiveLabel).toBe("1");
    expectSameRatio(ours.precision, sk.binary!.precision, "precision(1)");
    expectSameRatio(ours.recall, sk.binary!.recall, "recall(1)");
    expectSameRatio(ours.f1, sk.binary!.f1, "f1(1)");
    expect([ours.rocAuc, ours.prAuc, ours.logLoss, ours.brier]).toEqual([null, null, null, null]);
    expect(ours.calibration).toEqual([]);
  });

  it("labels 0/1/2: macro metrics; windows merged in random order equal the whole, one window alone 0/1 only", () => {
    const run = unscoredRuns[1]!;
    const sk = answer<SkCounts>(run.answer, run.d.name);
    expect(realizedClass(unscoredFirstWindow).average, "the first window alone").toBe("binary");
    for (const [v, what] of [
      [run.whole, run.d.name],
      [unscoredMerged, `${run.d.name} (merged)`],
    ] as const) {
      const ours = realizedClass(v);
      checkCounts(ours, sk, run.rows.length, what);
      expect(ours.average, what).toBe("macro");
      expect(ours.positiveLabel, what).toBeNull();
      for (const m of ["precision", "recall", "f1"] as const) expect(ours[m], what).toBe(ours.macro[m]);
    }
    expect(classificationOf(unscoredMerged)).toEqual(classificationOf(run.whole));
  });
});

describe("rows awaiting their label", () => {
  it("binary: excluded exactly as sklearn on the labeled rows sees them, a label seen only unlabeled included", () => {
    const run = binaryRuns.at(-1)!;
    const d = run.d;
    const ours = realizedClass(run.whole);
    const awaiting = d.truth.filter((t, i) => t === null && d.prediction[i] !== null).length;
    expect(ours.awaitingLabels).toBe(awaiting);
    expect(ours.labelCoverage).toBe(run.rows.length / (run.rows.length + awaiting));
    // The stray label is known to the profile (a row awaits its label with it) but to no metric.
    const c = classificationOf(run.whole);
    expect(c.labels).toContain("2");
    expect(c.unlabeled[c.labels.indexOf("2")]).toBeGreaterThan(0);
    expect(ours.confusionMatrix.labels).toEqual(["0", "1"]);
    checkBinary(d, run.rows, ours, answer<SkBinary>(run.answer, d.name), d.name);
    // Unlabeled rows stay out of the score histograms' labeled cells.
    const s = binnedScores(c.histograms[0]!, c.scoreBins);
    const labeledTotal = [...s.positive, ...s.negative].reduce((a, b) => a + b, 0);
    expect(labeledTotal).toBe(run.rows.length);
  });

  it("binary: late labels merged into the predictions' profile equal logging them with the predictions", () => {
    const { view, direct, rows, d, answer: index } = lateLabels;
    const lateC = classificationOf(view);
    const directC = classificationOf(direct);
    expect(lateC.labels).toEqual(directC.labels);
    expect(lateC.confusion).toEqual(directC.confusion);
    expect(lateC.unlabeled).toEqual(directC.unlabeled);
    expect(lateC.histograms).toEqual(directC.histograms);
    checkBinary(d, rows, realizedClass(view), answer<SkBinary>(index, "late labels"), "late labels");
  });

  it("multiclass: a predicted class never labeled is in no per-class or macro metric", () => {
    const run = multiclassRuns.at(-1)!;
    const d = run.d;
    const ours = realizedClass(run.whole);
    expect(classificationOf(run.whole).labels).toContain("zz");
    expect(ours.perClass.map((c) => c.label)).toEqual(["a", "b", "c"]);
    expect(ours.awaitingLabels).toBe(d.truth.filter((t, i) => t === null && d.prediction[i] !== null).length);
    checkMulticlass(d, run.rows, run.whole, answer<SkMulticlass>(run.answer, d.name), d.name);
  });

  it("regression: rows without a target are excluded exactly", () => {
    const run = regressionRuns.at(-1)!;
    const d = run.d;
    const ours = realizedReg(run.whole);
    expect(ours.awaitingLabels).toBe(d.truth.filter((t, i) => t === null && d.prediction[i] !== null).length);
    expect(ours.awaitingLabels).toBeGreaterThan(0);
    checkRegression(
      regressionOf(run.whole),
      ours,
      answer<SkRegression>(run.answer, d.name),
      run.rows.length,
      d.name,
    );
  });
});
