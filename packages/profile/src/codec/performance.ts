// PerformanceMessage <-> its protobuf form in the Sightglass extension block. Decoding checks every shape the
// metrics rely on (matrix sizes, bin order, counts per bin), so a corrupted block is a typed error here and
// never an out-of-range read in the analysis.

import { create } from "@bufbuild/protobuf";
import { KllDoublesSketch } from "@sightglass/sketches";
import { ProfileError } from "../errors.js";
import {
  ClassificationPerformanceSchema,
  PerformanceMessageSchema,
  RegressionPerformanceSchema,
  ScoreHistogramSchema,
} from "../proto/sightglass_pb.js";
import type {
  ClassificationPerformance,
  PerformanceMessage as PerformanceProto,
  RegressionPerformance,
} from "../proto/sightglass_pb.js";
import { checkString } from "./components.js";
import type {
  ClassificationPerformanceMessage,
  PerformanceMessage,
  RegressionPerformanceMessage,
  ScoreHistogramMessage,
} from "./message.js";
import { compareCodePoints, toSafeNumber } from "./wire.js";

/** Six counts per histogram bin: (predicted this class: no, yes) × (truth: this class, another, unknown). */
export const HISTOGRAM_CELLS = 6;
/** Highest histogram resolution a file may declare (bounds the memory a decoder allocates). */
export const MAX_SCORE_BINS = 1_000_000;
/** Most class labels a file may declare (the confusion matrix is labels²). */
export const MAX_LABELS = 4096;
/**
 * Most score bins over all histograms of one classifier (bins × scored classes). Readers expand histograms into
 * dense per-bin arrays (six counts per bin), so this bounds what a small file can make them allocate.
 */
export const MAX_HISTOGRAM_BINS = 1 << 20;

function malformed(message: string, offset: number): ProfileError {
  return new ProfileError("malformed", `performance metrics: ${message}`, { offset });
}

function counts(values: readonly bigint[], what: string, offset: number): number[] {
  return values.map((v) => toSafeNumber(v, what, offset));
}

function finite(v: number, what: string, offset: number): number {
  if (!Number.isFinite(v)) throw malformed(`${what} is ${v}`, offset);
  return v;
}

/**
 * Counts and sums that only ever grow. Late-label profiles subtract only from "awaiting" counts, so a negative
 * value anywhere else is corruption (one flipped bit of a zigzag varint turns 2 into −3), not a delta.
 */
function nonNegative(v: number, what: string, offset: number): number {
  if (v < 0) throw malformed(`${what} ${v} is negative`, offset);
  return v;
}

function nonNegativeCounts(values: readonly bigint[], what: string, offset: number): number[] {
  return values.map((v) => nonNegative(toSafeNumber(v, what, offset), what, offset));
}

function classificationFromProto(
  c: ClassificationPerformance,
  offset: number,
): ClassificationPerformanceMessage {
  const labels = [...c.labels];
  const n = labels.length;
  if (n > MAX_LABELS) throw malformed(`${n} class labels (at most ${MAX_LABELS})`, offset);
  for (let i = 1; i < n; i++) {
    if (compareCodePoints(labels[i - 1]!, labels[i]!) >= 0) {
      throw malformed(`class labels are not unique and sorted (${JSON.stringify(labels[i])})`, offset);
    }
  }
  if (c.confusion.length !== n * n) {
    throw malformed(`confusion matrix has ${c.confusion.length} cells for ${n} labels`, offset);
  }
  if (c.unlabeled.length !== n) {
    throw malformed(`${c.unlabeled.length} awaiting-label counts for ${n} labels`, offset);
  }
  const bins = c.scoreBins;
  if (bins < 1 || bins > MAX_SCORE_BINS)
    throw malformed(`score_bins ${bins} is not in 1..${MAX_SCORE_BINS}`, offset);
  if (c.histograms.length * bins > MAX_HISTOGRAM_BINS) {
    throw malformed(
      `${c.histograms.length} score histograms of ${bins} bins exceed ${MAX_HISTOGRAM_BINS} bins in all`,
      offset,
    );
  }
  const seen = new Set<string>();
  const histograms: ScoreHistogramMessage[] = c.histograms.map((h) => {
    if (seen.has(h.label))
      throw malformed(`two score histograms for label ${JSON.stringify(h.label)}`, offset);
    seen.add(h.label);
    if (h.counts.length !== h.bins.length * HISTOGRAM_CELLS) {
      throw malformed(
        `score histogram of ${JSON.stringify(h.label)} has ${h.counts.length} counts for ${h.bins.length} bins`,
        offset,
      );
    }
    for (let i = 0; i < h.bins.length; i++) {
      const b = h.bins[i]!;
      if (b >= bins || (i > 0 && b <= h.bins[i - 1]!)) {
        throw malformed(
          `score histogram of ${JSON.stringify(h.label)}: bin ${b} out of order or ≥ ${bins}`,
          offset,
        );
      }
    }
    const cells = counts(h.counts, "score histogram count", offset);
    for (let i = 0; i < cells.length; i++) {
      // Cells 2 and 5 count rows awaiting labels; the others only grow.
      if (i % HISTOGRAM_CELLS !== 2 && i % HISTOGRAM_CELLS !== 5) {
        nonNegative(cells[i]!, "labeled score histogram count", offset);
      }
    }
    return { label: h.label, scoreField: h.scoreField, bins: [...h.bins], counts: cells };
  });
  return {
    predictionField: c.predictionField,
    targetField: c.targetField,
    labels,
    confusion: nonNegativeCounts(c.confusion, "confusion count", offset),
    unlabeled: counts(c.unlabeled, "awaiting-label count", offset),
    scoreBins: bins,
    histograms,
    positiveLabel: c.positiveLabel,
    logLossSum: nonNegative(finite(c.logLossSum, "log-loss sum", offset), "log-loss sum", offset),
    logLossCount: nonNegative(
      toSafeNumber(c.logLossCount, "log-loss count", offset),
      "log-loss count",
      offset,
    ),
    brierSum: nonNegative(finite(c.brierSum, "Brier sum", offset), "Brier sum", offset),
    brierCount: nonNegative(toSafeNumber(c.brierCount, "Brier count", offset), "Brier count", offset),
  };
}

function regressionFromProto(r: RegressionPerformance, offset: number): RegressionPerformanceMessage {
  const residualKll = r.residualKll.slice();
  if (residualKll.length > 0) {
    try {
      KllDoublesSketch.deserialize(residualKll);
    } catch (cause) {
      throw new ProfileError(
        "malformed",
        `performance metrics: residual KLL sketch: ${(cause as Error).message}`,
        {
          offset,
          cause,
        },
      );
    }
  }
  return {
    predictionField: r.predictionField,
    targetField: r.targetField,
    count: nonNegative(toSafeNumber(r.count, "regression count", offset), "regression count", offset),
    unlabeled: toSafeNumber(r.unlabeled, "regression awaiting-target count", offset),
    sumError: finite(r.sumError, "sum of errors", offset),
    sumAbsoluteError: nonNegative(
      finite(r.sumAbsoluteError, "sum of absolute errors", offset),
      "sum of absolute errors",
      offset,
    ),
    sumSquaredError: nonNegative(
      finite(r.sumSquaredError, "sum of squared errors", offset),
      "sum of squared errors",
      offset,
    ),
    targetMean: finite(r.targetMean, "target mean", offset),
    targetM2: nonNegative(finite(r.targetM2, "target m2", offset), "target m2", offset),
    residualKll,
  };
}

export function performanceFromProto(p: PerformanceProto, offset: number): PerformanceMessage {
  return {
    ...(p.classification !== undefined
      ? { classification: classificationFromProto(p.classification, offset) }
      : {}),
    ...(p.regression !== undefined ? { regression: regressionFromProto(p.regression, offset) } : {}),
  };
}

/** A count as int64: whole and exactly representable, or the message is not one a reader would accept. */
function int64(v: number, what: string): bigint {
  if (!Number.isSafeInteger(v)) {
    throw new ProfileError(
      "invalid-argument",
      `performance metrics: ${what} ${v} is not a whole number below 2^53`,
    );
  }
  return BigInt(v);
}

/** A sum as a double: finite, or a reader would refuse the file. */
function double(v: number, what: string): number {
  if (!Number.isFinite(v)) {
    throw new ProfileError("invalid-argument", `performance metrics: ${what} is ${v}`);
  }
  return v;
}

function int64s(values: readonly number[], what: string): bigint[] {
  return values.map((v) => int64(v, what));
}

export function performanceToProto(p: PerformanceMessage): PerformanceProto {
  const c = p.classification;
  const r = p.regression;
  return create(PerformanceMessageSchema, {
    ...(c !== undefined
      ? {
          classification: create(ClassificationPerformanceSchema, {
            predictionField: checkString(c.predictionField, "prediction field"),
            targetField: checkString(c.targetField, "target field"),
            labels: c.labels.map((l) => checkString(l, "class label")),
            confusion: int64s(c.confusion, "confusion count"),
            unlabeled: int64s(c.unlabeled, "awaiting-label count"),
            scoreBins: c.scoreBins,
            histograms: c.histograms.map((h) =>
              create(ScoreHistogramSchema, {
                label: checkString(h.label, "class label"),
                scoreField: checkString(h.scoreField, "score field"),
                bins: [...h.bins],
                counts: int64s(h.counts, "score histogram count"),
              }),
            ),
            positiveLabel: checkString(c.positiveLabel, "positive label"),
            logLossSum: double(c.logLossSum, "log-loss sum"),
            logLossCount: int64(c.logLossCount, "log-loss count"),
            brierSum: double(c.brierSum, "Brier sum"),
            brierCount: int64(c.brierCount, "Brier count"),
          }),
        }
      : {}),
    ...(r !== undefined
      ? {
          regression: create(RegressionPerformanceSchema, {
            predictionField: checkString(r.predictionField, "prediction field"),
            targetField: checkString(r.targetField, "target field"),
            count: int64(r.count, "regression count"),
            unlabeled: int64(r.unlabeled, "regression awaiting-target count"),
            sumError: double(r.sumError, "sum of errors"),
            sumAbsoluteError: double(r.sumAbsoluteError, "sum of absolute errors"),
            sumSquaredError: double(r.sumSquaredError, "sum of squared errors"),
            targetMean: double(r.targetMean, "target mean"),
            targetM2: double(r.targetM2, "target m2"),
            residualKll: r.residualKll,
          }),
        }
      : {}),
  });
}
