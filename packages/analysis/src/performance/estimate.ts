// Label-free performance estimation from sketches: confidence-based performance estimation (CBPE).
//
// Calibrate: the reference profile's per-class score histograms hold labeled counts per score bin; an
// isotonic (pool-adjacent-violators) fit over the bins maps a score to P(class | score), as NannyML's CBPE
// does on raw rows. Estimate: every target row still awaiting its label is a Bernoulli trial with that
// probability, so the expected confusion counts are sums over bins, and the realized metric of the window
// is distributed around the estimate with a variance we can also sum over bins. Rows whose labels have
// arrived enter with their true counts and no variance, which is what makes the intervals coverage-aware.
//
// Interval = estimate ± z·σ, with σ² the sum of (a) the Bernoulli variance of the awaiting rows and (b) the
// calibration's own uncertainty (each isotonic block's rate estimated from its reference count), both
// propagated through the metric by its gradient (delta method). It assumes what CBPE assumes: the score →
// probability relation holds in the target (no concept shift), and arrived labels are not selected by outcome.

import type { ClassificationPerformanceMessage } from "@sightglass/profile";
import { AnalysisError } from "../errors.js";
import { normalQuantile } from "../stats/normal.js";
import { binnedRocAuc, binnedScores, f1FromCounts, ratio } from "./histogram.js";
import type { BinnedScores } from "./histogram.js";

/** An estimate with its confidence interval and standard error. */
export interface Estimate {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  readonly standardError: number;
}

export interface EstimateOptions {
  /** Two-sided confidence of the intervals (default 0.95). */
  readonly confidence?: number;
  /**
   * The reference split into time windows (profiles that together make up the reference). With two or more,
   * intervals include the calibration drift the model showed between them.
   */
  readonly referenceWindows?: readonly ClassificationPerformanceMessage[];
}

/** How much CBPE missed on the reference's own windows beyond sampling noise (per headline metric). */
export interface CalibrationStability {
  /** Reference windows the excess was measured on. */
  readonly windows: number;
  /** τ per metric: the standard deviation added (scaled by the share of rows awaiting labels). */
  readonly extraStandardError: Readonly<Record<string, number>>;
}

export interface EstimatedClassMetrics {
  readonly label: string;
  readonly precision: Estimate;
  readonly recall: Estimate;
  readonly f1: Estimate;
  readonly rocAuc: Estimate | null;
}

export interface EstimatedClassification {
  readonly task: "classification";
  readonly method: "cbpe";
  readonly confidence: number;
  /** Scored target rows the estimate covers, and how many of them still await their label. */
  readonly rows: number;
  readonly awaitingLabels: number;
  readonly labelCoverage: number;
  readonly average: "binary" | "macro";
  readonly positiveLabel: string | null;
  readonly accuracy: Estimate;
  readonly precision: Estimate;
  readonly recall: Estimate;
  readonly f1: Estimate;
  readonly rocAuc: Estimate | null;
  /** Binary only: expected confusion counts of the window (labeled rows exact, awaiting rows expected). */
  readonly confusion: {
    readonly tp: number;
    readonly fp: number;
    readonly fn: number;
    readonly tn: number;
  } | null;
  readonly falsePositiveRate: Estimate | null;
  readonly perClass: readonly EstimatedClassMetrics[];
  /** Labeled reference rows the calibration was fitted on, per class. */
  readonly referenceRows: number;
  /** Present when reference windows were given: the extra uncertainty measured on them. */
  readonly calibrationStability: CalibrationStability | null;
}

/** Score → probability map of one class, with the isotonic block each bin belongs to. */
interface Calibration {
  readonly probability: Float64Array;
  readonly block: Int32Array;
  /** Variance of each block's estimated rate. */
  readonly blockVariance: readonly number[];
  readonly rows: number;
}

/**
 * Isotonic regression of the labeled rate over the score bins (weights = labeled counts), pooling adjacent
 * violators; bins without reference rows interpolate linearly between the fitted bins around them and take
 * the nearest fitted bin's block, and scores beyond the fitted range take the end values (scikit-learn's
 * `IsotonicRegression(out_of_bounds="clip")`, which NannyML uses).
 */
export function isotonicCalibration(positive: Float64Array, negative: Float64Array): Calibration | null {
  const bins = positive.length;
  const blocks: { pos: number; weight: number; first: number; last: number }[] = [];
  const fitted: number[] = [];
  for (let b = 0; b < bins; b++) {
    const w = positive[b]! + negative[b]!;
    if (!(w > 0)) continue;
    fitted.push(b);
    blocks.push({ pos: positive[b]!, weight: w, first: b, last: b });
    while (blocks.length > 1) {
      const cur = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.pos / prev.weight <= cur.pos / cur.weight) break;
      prev.pos += cur.pos;
      prev.weight += cur.weight;
      prev.last = cur.last;
      blocks.pop();
    }
  }
  if (blocks.length === 0) return null;
  const probability = new Float64Array(bins);
  const block = new Int32Array(bins);
  let rows = 0;
  blocks.forEach((k, i) => {
    rows += k.weight;
    for (let b = k.first; b <= k.last; b++) {
      probability[b] = k.pos / k.weight;
      block[b] = i;
    }
  });
  // Between fitted bins: linear interpolation; outside: clipped.
  for (let f = 0; f <= fitted.length; f++) {
    const left = f === 0 ? -1 : fitted[f - 1]!;
    const right = f === fitted.length ? bins : fitted[f]!;
    for (let b = left + 1; b < right; b++) {
      if (left < 0) {
        probability[b] = probability[right]!;
        block[b] = block[right]!;
      } else if (right >= bins) {
        probability[b] = probability[left]!;
        block[b] = block[left]!;
      } else {
        const t = (b - left) / (right - left);
        probability[b] = probability[left]! + t * (probability[right]! - probability[left]!);
        block[b] = t <= 0.5 ? block[left]! : block[right]!;
      }
    }
  }
  // A block's rate is a proportion of `weight` rows; the +½/+1 (Jeffreys-style) keeps a pure block
  // (all positives or all negatives) from claiming zero uncertainty.
  const blockVariance = blocks.map((k) => {
    const p = (k.pos + 0.5) / (k.weight + 1);
    return (p * (1 - p)) / (k.weight + 1);
  });
  return { probability, block, blockVariance, rows };
}

/** Expected counts of one class against the rest, and what their variance is made of. */
interface ClassCounts {
  readonly label: string;
  readonly rows: number;
  readonly awaiting: number;
  /** Rows predicted as / not as this class: fixed by the predictions. */
  readonly predicted: number;
  readonly notPredicted: number;
  readonly tp: number;
  readonly fn: number;
  /** Bernoulli variance of tp and fn (independent: disjoint rows). */
  readonly varTp: number;
  readonly varFn: number;
  /** Per calibration block: ∂tp/∂rate and ∂fn/∂rate, and the rate's variance. */
  readonly gradTp: Float64Array;
  readonly gradFn: Float64Array;
  readonly blockVariance: readonly number[];
  readonly scores: BinnedScores;
  readonly calibration: Calibration;
}

function classCounts(label: string, s: BinnedScores, cal: Calibration): ClassCounts {
  let tp = 0;
  let fn = 0;
  let predicted = 0;
  let notPredicted = 0;
  let varTp = 0;
  let varFn = 0;
  let awaiting = 0;
  const gradTp = new Float64Array(cal.blockVariance.length);
  const gradFn = new Float64Array(cal.blockVariance.length);
  for (let b = 0; b < s.bins; b++) {
    const p = cal.probability[b]!;
    const u1 = s.unknownPredicted[b]!;
    const u0 = s.unknownNotPredicted[b]!;
    const labeledPredicted = s.predictedPositive[b]! + s.predictedNegative[b]!;
    const labeledNotPredicted = s.positive[b]! + s.negative[b]! - labeledPredicted;
    predicted += labeledPredicted + u1;
    notPredicted += labeledNotPredicted + u0;
    awaiting += u0 + u1;
    tp += s.predictedPositive[b]! + u1 * p;
    fn += s.positive[b]! - s.predictedPositive[b]! + u0 * p;
    varTp += u1 * p * (1 - p);
    varFn += u0 * p * (1 - p);
    gradTp[cal.block[b]!]! += u1;
    gradFn[cal.block[b]!]! += u0;
  }
  return {
    label,
    rows: predicted + notPredicted,
    awaiting,
    predicted,
    notPredicted,
    tp,
    fn,
    varTp,
    varFn,
    gradTp,
    gradFn,
    blockVariance: cal.blockVariance,
    scores: s,
    calibration: cal,
  };
}

type CountMetric = (tp: number, fn: number, c: ClassCounts) => number;

const precisionOf: CountMetric = (tp, _fn, c) => ratio(tp, c.predicted);
const recallOf: CountMetric = (tp, fn) => ratio(tp, tp + fn);
const f1Of: CountMetric = (tp, fn, c) => f1FromCounts(tp, c.predicted - tp, fn);
const accuracyOf: CountMetric = (tp, fn, c) => ratio(tp + c.notPredicted - fn, c.rows);
const fprOf: CountMetric = (tp, fn, c) => ratio(c.predicted - tp, c.rows - tp - fn);

/** Value and variance of a metric of (tp, fn) by the delta method (gradient by central differences). */
function propagate(metric: CountMetric, c: ClassCounts): { value: number; variance: number } {
  const value = metric(c.tp, c.fn, c);
  const h = 1e-3;
  const dTp = (metric(c.tp + h, c.fn, c) - metric(c.tp - h, c.fn, c)) / (2 * h);
  const dFn = (metric(c.tp, c.fn + h, c) - metric(c.tp, c.fn - h, c)) / (2 * h);
  let variance = dTp * dTp * c.varTp + dFn * dFn * c.varFn;
  for (let k = 0; k < c.blockVariance.length; k++) {
    const g = dTp * c.gradTp[k]! + dFn * c.gradFn[k]!;
    variance += g * g * c.blockVariance[k]!;
  }
  return { value, variance };
}

/**
 * Expected ROC AUC: each awaiting row is p positive and 1 − p negative (labeled rows count as they are),
 * with the delta-method variance over the awaiting rows' outcomes and the calibration blocks; widened by the
 * binning bound of the histogram.
 */
function estimatedAuc(c: ClassCounts): { value: number; variance: number; slack: number } | null {
  const { scores: s, calibration: cal } = c;
  const bins = s.bins;
  const pos = new Float64Array(bins);
  const neg = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const u = s.unknownPredicted[b]! + s.unknownNotPredicted[b]!;
    pos[b] = s.positive[b]! + u * cal.probability[b]!;
    neg[b] = s.negative[b]! + u * (1 - cal.probability[b]!);
  }
  const auc = binnedRocAuc(pos, neg);
  if (!Number.isFinite(auc.value)) return null;
  let P = 0;
  let N = 0;
  for (let b = 0; b < bins; b++) {
    P += pos[b]!;
    N += neg[b]!;
  }
  let posAbove = P;
  let negBelow = 0;
  let variance = 0;
  const grad = new Float64Array(cal.blockVariance.length);
  for (let b = 0; b < bins; b++) {
    posAbove -= pos[b]!;
    const u = s.unknownPredicted[b]! + s.unknownNotPredicted[b]!;
    if (u > 0) {
      // ∂AUC/∂y for one row of this bin turning from negative to positive.
      const dS = negBelow + neg[b]! / 2 - (posAbove + pos[b]! / 2);
      const g = dS / (P * N) - auc.value * (1 / P - 1 / N);
      const p = cal.probability[b]!;
      variance += u * p * (1 - p) * g * g;
      grad[cal.block[b]!]! += u * g;
    }
    negBelow += neg[b]!;
  }
  for (let k = 0; k < grad.length; k++) variance += grad[k]! * grad[k]! * cal.blockVariance[k]!;
  return { value: auc.value, variance, slack: (auc.upper - auc.lower) / 2 };
}

function interval(value: number, variance: number, z: number, slack = 0): Estimate {
  const se = Math.sqrt(Math.max(0, variance));
  return {
    value,
    lower: Math.max(0, value - z * se - slack),
    upper: Math.min(1, value + z * se + slack),
    standardError: se,
  };
}

/** Keys of the estimates a calibration-stability term can widen: headline metrics and `label\0metric`. */
type ExtraVariance = ReadonlyMap<string, number>;

const HEADLINE_KEYS = ["accuracy", "precision", "recall", "f1", "rocAuc", "falsePositiveRate"] as const;

/** The one-vs-rest histograms CBPE uses: the positive class's for a binary classifier, every class's else. */
/**
 * A report estimates every window and segment against one reference: its dense histograms and isotonic fits
 * are made once per reference message (messages are immutable) rather than once per target.
 */
const referenceCache = new WeakMap<ClassificationPerformanceMessage, Map<string, BinnedScores>>();
const calibrationCache = new WeakMap<BinnedScores, Calibration | null>();

function referenceBinned(
  reference: ClassificationPerformanceMessage,
  binary: boolean,
  positive: string,
): Map<string, BinnedScores> {
  let binned = referenceCache.get(reference);
  if (binned === undefined) referenceCache.set(reference, (binned = binnedOf(reference, binary, positive)));
  return binned;
}

function calibrationOf(scores: BinnedScores): Calibration | null {
  if (!calibrationCache.has(scores))
    calibrationCache.set(scores, isotonicCalibration(scores.positive, scores.negative));
  return calibrationCache.get(scores)!;
}

function binnedOf(
  c: ClassificationPerformanceMessage,
  binary: boolean,
  positiveLabel: string,
): Map<string, BinnedScores> {
  const out = new Map<string, BinnedScores>();
  for (const h of c.histograms) {
    if (binary && h.label !== positiveLabel) continue;
    out.set(h.label, binnedScores(h, c.scoreBins));
  }
  return out;
}

const BINNED_KEYS = [
  "positive",
  "negative",
  "unknownPredicted",
  "unknownNotPredicted",
  "predictedPositive",
  "predictedNegative",
] as const;

type BinnedKey = (typeof BINNED_KEYS)[number];

function mapBinned(s: BinnedScores, f: (key: BinnedKey, b: number) => number): BinnedScores {
  const out = { bins: s.bins } as { bins: number } & Record<BinnedKey, Float64Array>;
  for (const key of BINNED_KEYS) {
    const values = new Float64Array(s.bins);
    for (let b = 0; b < s.bins; b++) values[b] = f(key, b);
    out[key] = values;
  }
  return out;
}

/** The same rows with every label withheld (what CBPE would have seen before the labels came). */
function withoutLabels(s: BinnedScores): BinnedScores {
  return mapBinned(s, (key, b) => {
    if (key === "unknownPredicted")
      return s.unknownPredicted[b]! + s.predictedPositive[b]! + s.predictedNegative[b]!;
    if (key === "unknownNotPredicted") {
      return (
        s.unknownNotPredicted[b]! +
        s.positive[b]! -
        s.predictedPositive[b]! +
        s.negative[b]! -
        s.predictedNegative[b]!
      );
    }
    return 0;
  });
}

/** a − b, clamped at 0 (a window that is not part of the reference must not make counts negative). */
function minus(a: BinnedScores, b: BinnedScores | undefined): BinnedScores {
  return b === undefined ? a : mapBinned(a, (key, i) => Math.max(0, a[key][i]! - b[key][i]!));
}

function estimateCore(
  reference: ReadonlyMap<string, BinnedScores>,
  target: ReadonlyMap<string, BinnedScores>,
  binary: boolean,
  z: number,
  extra: ExtraVariance | undefined,
): Omit<
  EstimatedClassification,
  "task" | "method" | "confidence" | "positiveLabel" | "calibrationStability"
> | null {
  const classes: ClassCounts[] = [];
  let referenceRows = 0;
  for (const [label, ref] of reference) {
    const cal = calibrationOf(ref);
    const tgt = target.get(label);
    if (cal === null || tgt === undefined) continue;
    referenceRows = Math.max(referenceRows, cal.rows);
    const counts = classCounts(label, tgt, cal);
    if (counts.rows > 0) classes.push(counts);
  }
  if (classes.length === 0) return null;
  if (!binary && classes.length < reference.size) return null;
  const first = classes[0]!;
  const rows = first.rows;
  const awaiting = first.awaiting;
  // Calibration instability only touches rows still awaiting labels: scaled by their share.
  const widen = (key: string, c: ClassCounts) => (extra?.get(key) ?? 0) * (c.awaiting / c.rows) ** 2;

  const aucSlack: number[] = [];
  const perClass: EstimatedClassMetrics[] = classes.map((c) => {
    const auc = estimatedAuc(c);
    aucSlack.push(auc?.slack ?? 0);
    const key = (m: string) => (binary ? m : `${c.label}\u0000${m}`);
    const est = (m: CountMetric, name: string) => {
      const r = propagate(m, c);
      return interval(r.value, r.variance + widen(key(name), c), z);
    };
    return {
      label: c.label,
      precision: est(precisionOf, "precision"),
      recall: est(recallOf, "recall"),
      f1: est(f1Of, "f1"),
      rocAuc: auc === null ? null : interval(auc.value, auc.variance + widen(key("rocAuc"), c), z, auc.slack),
    };
  });
  let accuracy: Estimate;
  let headline: EstimatedClassMetrics;
  let confusion: EstimatedClassification["confusion"] = null;
  let falsePositiveRate: Estimate | null = null;
  if (binary) {
    const r = propagate(accuracyOf, first);
    accuracy = interval(r.value, r.variance + widen("accuracy", first), z);
    headline = perClass[0]!;
    const fpr = propagate(fprOf, first);
    falsePositiveRate = interval(fpr.value, fpr.variance + widen("falsePositiveRate", first), z);
    confusion = {
      tp: first.tp,
      fp: first.predicted - first.tp,
      fn: first.fn,
      tn: first.notPredicted - first.fn,
    };
  } else {
    // A row is correct when its predicted class is its true class: Σ over classes of expected TP.
    let correct = 0;
    let variance = 0;
    for (const c of classes) {
      correct += c.tp;
      variance += c.varTp;
      for (let k = 0; k < c.blockVariance.length; k++) variance += c.gradTp[k]! ** 2 * c.blockVariance[k]!;
    }
    accuracy = interval(ratio(correct, rows), variance / (rows * rows) + widen("accuracy", first), z);
    // Macro averages; classes are treated as independent (their counts share rows, so this is approximate).
    const macro = (
      name: string,
      pick: (m: EstimatedClassMetrics) => Estimate | null,
      slacks?: number[],
    ): Estimate | null => {
      const list = perClass.map(pick);
      if (list.some((e) => e === null)) return null;
      const es = list as Estimate[];
      const value = es.reduce((a, e) => a + e.value, 0) / es.length;
      const variance = es.reduce((a, e) => a + e.standardError ** 2, 0) / es.length ** 2;
      const slack = (slacks ?? []).reduce((a, b) => a + b, 0) / es.length;
      return interval(value, variance + widen(name, first), z, slack);
    };
    headline = {
      label: "",
      precision: macro("precision", (m) => m.precision)!,
      recall: macro("recall", (m) => m.recall)!,
      f1: macro("f1", (m) => m.f1)!,
      rocAuc: macro("rocAuc", (m) => m.rocAuc, aucSlack),
    };
  }
  return {
    rows,
    awaitingLabels: awaiting,
    labelCoverage: rows > 0 ? (rows - awaiting) / rows : 0,
    average: binary ? "binary" : "macro",
    accuracy,
    precision: headline.precision,
    recall: headline.recall,
    f1: headline.f1,
    rocAuc: headline.rocAuc,
    confusion,
    falsePositiveRate,
    perClass,
    referenceRows,
  };
}

type CoreEstimate = NonNullable<ReturnType<typeof estimateCore>>;

/** Every estimate of a result under its widening key. */
function flatten(e: CoreEstimate, binary: boolean): Map<string, Estimate> {
  const out = new Map<string, Estimate>();
  for (const key of HEADLINE_KEYS) {
    const v = e[key];
    if (v !== null) out.set(key, v);
  }
  if (!binary) {
    for (const c of e.perClass) {
      for (const m of ["precision", "recall", "f1", "rocAuc"] as const) {
        const v = c[m];
        if (v !== null) out.set(`${c.label}\u0000${m}`, v);
      }
    }
  }
  return out;
}

/**
 * How far CBPE missed on the reference's own windows, beyond what sampling explains: each window is
 * estimated with its labels withheld, calibrated on the rest of the reference (leave one window out), and
 * compared with its realized metrics. The method-of-moments excess, τ² = max(0, mean(d²) − mean(σ²)), is the
 * variance of the shifts in the score → label relation the model showed over time; target intervals add it.
 */
function calibrationStability(
  reference: ReadonlyMap<string, BinnedScores>,
  windows: readonly ReadonlyMap<string, BinnedScores>[],
  binary: boolean,
  z: number,
): { extra: Map<string, number>; summary: CalibrationStability } {
  const sums = new Map<string, { d2: number; s2: number; n: number }>();
  for (const w of windows) {
    const rest = new Map([...reference].map(([label, s]) => [label, minus(s, w.get(label))]));
    const hidden = new Map([...w].map(([label, s]) => [label, withoutLabels(s)]));
    const estimated = estimateCore(rest, hidden, binary, z, undefined);
    const realized = estimateCore(rest, w, binary, z, undefined);
    if (estimated === null || realized === null) continue;
    const truth = flatten(realized, binary);
    for (const [key, e] of flatten(estimated, binary)) {
      const r = truth.get(key);
      if (r === undefined || !Number.isFinite(r.value) || !Number.isFinite(e.value)) continue;
      const acc = sums.get(key) ?? { d2: 0, s2: 0, n: 0 };
      acc.d2 += (e.value - r.value) ** 2;
      acc.s2 += e.standardError ** 2;
      acc.n += 1;
      sums.set(key, acc);
    }
  }
  const extra = new Map<string, number>();
  const extraStandardError: Record<string, number> = {};
  let used = 0;
  for (const [key, { d2, s2, n }] of sums) {
    if (n < 2) continue;
    used = Math.max(used, n);
    const tau2 = Math.max(0, (d2 - s2) / n);
    extra.set(key, tau2);
    if (!key.includes("\u0000")) extraStandardError[key] = Math.sqrt(tau2);
  }
  return { extra, summary: { windows: used, extraStandardError } };
}

/**
 * The stability term depends only on the reference and its windows, and a report estimates many targets (every
 * window, every segment) against the same reference: computed once per reference, window set and confidence.
 */
const stabilityCache = new WeakMap<
  ClassificationPerformanceMessage,
  {
    windows: readonly ClassificationPerformanceMessage[];
    z: number;
    result: ReturnType<typeof calibrationStability>;
  }[]
>();

function cachedStability(
  reference: ClassificationPerformanceMessage,
  windows: readonly ClassificationPerformanceMessage[],
  binary: boolean,
  z: number,
  ref: ReadonlyMap<string, BinnedScores>,
): ReturnType<typeof calibrationStability> {
  let entries = stabilityCache.get(reference);
  if (entries === undefined) stabilityCache.set(reference, (entries = []));
  const hit = entries.find(
    (e) => e.z === z && e.windows.length === windows.length && e.windows.every((w, i) => w === windows[i]),
  );
  if (hit !== undefined) return hit.result;
  const positive = reference.positiveLabel;
  const result = calibrationStability(
    ref,
    windows.map((w) => binnedOf(w, binary, positive)),
    binary,
    z,
  );
  entries.push({ windows: [...windows], z, result });
  if (entries.length > 8) entries.shift();
  return result;
}

/**
 * CBPE: estimates the target window's accuracy, precision, recall, F1 and ROC AUC (binary, or macro
 * one-vs-rest for multiclass) from its score histograms, calibrated on the reference's labeled rows. Returns
 * null when the reference has no labeled, scored rows or the target no scored rows.
 *
 * With `referenceWindows` (the reference split in time, e.g. monthly profiles that merge to it), the
 * intervals also carry how much the model's calibration moved between those windows, which sampling alone
 * does not explain (see {@link calibrationStability}); without it they assume a stable calibration.
 */
export function estimatePerformance(
  reference: ClassificationPerformanceMessage,
  target: ClassificationPerformanceMessage,
  options: EstimateOptions = {},
): EstimatedClassification | null {
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new AnalysisError("invalid-argument", `confidence must be in (0, 1), got ${confidence}`);
  }
  const describe = (c: ClassificationPerformanceMessage) =>
    c.positiveLabel === "" ? "multiclass" : `binary (positive ${JSON.stringify(c.positiveLabel)})`;
  for (const [what, other] of [
    ["target", target],
    ...(options.referenceWindows ?? []).map((w, i) => [`reference window ${i}`, w] as const),
  ] as const) {
    if (reference.scoreBins !== other.scoreBins) {
      throw new AnalysisError(
        "invalid-argument",
        `the reference's score histograms have ${reference.scoreBins} bins and the ${what}'s ${other.scoreBins}; log both with the same scoreBins`,
      );
    }
    // Only scored classifiers are estimated; their positive label is fixed when they are logged.
    const scored = reference.histograms.length > 0 && other.histograms.length > 0;
    if (scored && reference.positiveLabel !== other.positiveLabel) {
      throw new AnalysisError(
        "invalid-argument",
        `the reference is a ${describe(reference)} classifier and the ${what} a ${describe(other)} one`,
      );
    }
  }
  const z = normalQuantile((1 + confidence) / 2);
  const binary = reference.positiveLabel !== "";
  const positive = reference.positiveLabel;
  const ref = referenceBinned(reference, binary, positive);
  let stability: ReturnType<typeof calibrationStability> | undefined;
  const windows = options.referenceWindows ?? [];
  if (windows.length >= 2) stability = cachedStability(reference, windows, binary, z, ref);
  const core = estimateCore(ref, binnedOf(target, binary, positive), binary, z, stability?.extra);
  if (core === null) return null;
  return {
    task: "classification",
    method: "cbpe",
    confidence,
    positiveLabel: binary ? positive : null,
    ...core,
    calibrationStability: stability?.summary ?? null,
  };
}
