// Merging of dataset-level model performance (whylogs' score matrix and regression sums), so profiles that
// carry ground-truth metrics stay mergeable across replicas and time buckets like every other metric.

import { KllDoublesSketch } from "@sightglass/sketches";
import type {
  ModelPerformanceMessage,
  RegressionMetricsMessage,
  ScoreCellMessage,
  ScoreMatrixMessage,
} from "../codec/message.js";
import { ProfileError } from "../errors.js";
import { mergeOptional } from "./merge.js";

function mergeCells(a: ScoreCellMessage | null, b: ScoreCellMessage | null): ScoreCellMessage | null {
  if (a === null) return b;
  if (b === null) return a;
  let kll: Uint8Array;
  try {
    const k = KllDoublesSketch.deserialize(a.kll);
    k.merge(KllDoublesSketch.deserialize(b.kll));
    kll = k.serialize({ layout: "whylogs" });
  } catch (cause) {
    throw new ProfileError("malformed", `cannot merge score-matrix cells: ${(cause as Error).message}`, {
      cause,
    });
  }
  const count = a.count + b.count;
  if (count === 0) return { kll, count, mean: 0, m2: 0 };
  const delta = b.mean - a.mean;
  return {
    kll,
    count,
    mean: (a.count / count) * a.mean + (b.count / count) * b.mean,
    m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
  };
}

/** Union of labels (sorted as strings, as whylogs does), each side's cells re-indexed into it and merged. */
export function mergeScoreMatrices(a: ScoreMatrixMessage, b: ScoreMatrixMessage): ScoreMatrixMessage {
  const labels = [...new Set([...a.labels, ...b.labels])].sort();
  const n = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const cells: (ScoreCellMessage | null)[] = new Array<ScoreCellMessage | null>(n * n).fill(null);
  for (const side of [a, b]) {
    const m = side.labels.length;
    if (side.cells.length !== m * m) {
      throw new ProfileError(
        "malformed",
        `score matrix has ${side.cells.length} cells for ${m} labels (expected ${m * m})`,
      );
    }
    for (let p = 0; p < m; p++) {
      for (let t = 0; t < m; t++) {
        const at = index.get(side.labels[p]!)! * n + index.get(side.labels[t]!)!;
        cells[at] = mergeCells(cells[at]!, side.cells[p * m + t]!);
      }
    }
  }
  return {
    labels,
    predictionField: a.predictionField || b.predictionField,
    targetField: a.targetField || b.targetField,
    scoreField: a.scoreField || b.scoreField,
    cells,
  };
}

function mergeV0Regression(
  a: RegressionMetricsMessage,
  b: RegressionMetricsMessage,
): RegressionMetricsMessage {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  return {
    predictionField: a.predictionField || b.predictionField,
    targetField: a.targetField || b.targetField,
    count: a.count + b.count,
    sumAbsDiff: a.sumAbsDiff + b.sumAbsDiff,
    sumDiff: a.sumDiff + b.sumDiff,
    sum2Diff: a.sum2Diff + b.sum2Diff,
  };
}

export function mergeModelPerformance(
  a: ModelPerformanceMessage | undefined,
  b: ModelPerformanceMessage | undefined,
): ModelPerformanceMessage {
  if (a === undefined) return b!;
  if (b === undefined) return a;
  const scoreMatrix = mergeOptional(a.scoreMatrix, b.scoreMatrix, mergeScoreMatrices);
  const regression = mergeOptional(a.regression, b.regression, mergeV0Regression);
  return {
    outputFields: [...new Set([...a.outputFields, ...b.outputFields])],
    modelType: a.modelType !== 0 ? a.modelType : b.modelType,
    ...(scoreMatrix !== undefined ? { scoreMatrix } : {}),
    ...(regression !== undefined ? { regression } : {}),
  };
}
