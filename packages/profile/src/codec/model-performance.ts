// v0 ModelProfileMessage <-> ModelPerformanceMessage. Used for v0 files (modeProfile) and for the Sightglass
// extension block of v1 files, which reuses the v0 encoding.

import { create } from "@bufbuild/protobuf";
import { KllDoublesSketch } from "@sightglass/sketches";
import { ProfileError } from "../errors.js";
import {
  DoublesMessageSchema,
  ModelMetricsMessageSchema,
  ModelProfileMessageSchema,
  NumbersMessageV0Schema,
  RegressionMetricsMessageSchema,
  ScoreMatrixMessageSchema,
  VarianceMessageSchema,
} from "../proto/whylogs_v0_pb.js";
import type { ModelProfileMessage, NumbersMessageV0 } from "../proto/whylogs_v0_pb.js";
import { canonicalDouble, checkString } from "./components.js";
import type {
  ModelPerformanceMessage,
  RegressionMetricsMessage,
  ScoreCellMessage,
  ScoreMatrixMessage,
} from "./message.js";
import { toSafeNumber } from "./wire.js";

/** Empty `kll_doubles_sketch(k=128)`: what whylogs writes for an empty score-matrix cell. */
export const EMPTY_CELL_KLL = Uint8Array.of(0x02, 0x01, 0x0f, 0x01, 0x80, 0x00, 0x08, 0x00);

/** A decoded KLL image: doubles whylogs-layout bytes (when normalized) and whether it is empty. */
interface KllRead {
  readonly bytes: Uint8Array;
  readonly empty: boolean;
}

/**
 * Reads a v0 KLL histogram. whylogs 0.x wrote `kll_floats_sketch` images, whylogs 1.x writes doubles (fork
 * layout). The order is doubles first, then floats (whylogs tries floats first). It cannot misparse: a floats
 * image is always *shorter* than the doubles layout its own header implies (items, min and max take 4 bytes
 * each instead of 8; a single-item image is 12 bytes instead of 16), so the doubles reader rejects it as
 * truncated and never reads float bits as doubles. The opposite order is only safe while the floats
 * reader insists on the exact size: a doubles image is *longer* than its floats layout, so a floats reader
 * that tolerated trailing bytes (as a C++ buffer reader may) would accept it and return garbage. Empty images
 * are the same in both widths. With `normalize`, the result is re-serialized as a doubles image in the
 * whylogs layout, so downstream code only ever sees doubles; otherwise the bytes are kept (copied).
 * @throws ProfileError `malformed` when the bytes are neither.
 */
export function readV0Kll(bytes: Uint8Array, normalize: boolean, where: KllSite): KllRead {
  let sketch: KllDoublesSketch;
  try {
    sketch = KllDoublesSketch.deserialize(bytes, { itemType: "double" });
  } catch {
    try {
      sketch = KllDoublesSketch.deserializeFloats(bytes);
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      throw new ProfileError(
        "malformed",
        `KLL histogram is neither a doubles nor a floats image: ${detail}`,
        {
          ...where,
          cause: e,
        },
      );
    }
  }
  return {
    bytes: normalize ? sketch.serialize({ layout: "whylogs" }) : bytes.slice(),
    empty: sketch.isEmpty(),
  };
}

export interface KllSite {
  readonly offset: number;
  readonly column?: string;
  readonly path?: string;
}

/** Converts a v0 model profile; `normalizeKll` re-serializes cell histograms (see {@link readV0Kll}). */
export function modelPerformanceFromProto(
  msg: ModelProfileMessage,
  offset: number,
  normalizeKll: boolean,
): ModelPerformanceMessage {
  const metrics = msg.metrics;
  const sm = metrics?.scoreMatrix;
  const reg = metrics?.regressionMetrics;
  let scoreMatrix: ScoreMatrixMessage | undefined;
  if (sm !== undefined) {
    const n = sm.labels.length;
    if (sm.scores.length !== n * n) {
      throw new ProfileError(
        "malformed",
        `score matrix has ${sm.scores.length} cells for ${n} labels (needs ${n * n})`,
        { offset },
      );
    }
    scoreMatrix = {
      labels: [...sm.labels],
      predictionField: sm.predictionField,
      targetField: sm.targetField,
      scoreField: sm.scoreField,
      cells: sm.scores.map((cell, i) => cellFromProto(cell, offset, i, normalizeKll)),
    };
  }
  let regression: RegressionMetricsMessage | undefined;
  if (reg !== undefined) {
    regression = {
      predictionField: reg.predictionField,
      targetField: reg.targetField,
      count: toSafeNumber(reg.count, "regression count", offset),
      sumAbsDiff: reg.sumAbsDiff,
      sumDiff: reg.sumDiff,
      sum2Diff: reg.sum2Diff,
    };
  }
  return {
    outputFields: [...msg.outputFields],
    modelType: metrics?.modelType ?? 0,
    ...(scoreMatrix !== undefined ? { scoreMatrix } : {}),
    ...(regression !== undefined ? { regression } : {}),
  };
}

/**
 * One score-matrix cell. `count` is `variance.count`, or `doubles.count` when the variance has none. A cell
 * is empty (null) when its histogram is empty and it counts nothing: that is how whylogs writes cells no row
 * fell into (empty k=128 KLL, empty variance).
 */
function cellFromProto(
  cell: NumbersMessageV0,
  offset: number,
  index: number,
  normalizeKll: boolean,
): ScoreCellMessage | null {
  const where = { offset, path: `scoreMatrix.scores[${index}]` };
  const kll = cell.histogram.length === 0 ? null : readV0Kll(cell.histogram, normalizeKll, where);
  const varianceCount = cell.variance?.count ?? 0n;
  const doublesCount = cell.numbers.case === "doubles" ? cell.numbers.value.count : 0n;
  const count = toSafeNumber(varianceCount !== 0n ? varianceCount : doublesCount, "cell count", offset);
  if (count < 0) throw new ProfileError("malformed", `score cell ${index} has a negative count`, { offset });
  if ((kll === null || kll.empty) && count === 0) return null;
  return {
    kll: kll?.bytes ?? EMPTY_CELL_KLL.slice(),
    count,
    mean: cell.variance?.mean ?? 0,
    m2: cell.variance?.sum ?? 0,
  };
}

/** Builds the v0 model profile for the extension block, validating it (`invalid-argument`). */
export function modelPerformanceToProto(mp: ModelPerformanceMessage): ModelProfileMessage {
  if (mp === null || typeof mp !== "object") {
    throw new ProfileError("invalid-argument", "modelPerformance must be an object");
  }
  if (!Number.isInteger(mp.modelType) || mp.modelType < 0 || mp.modelType > 0x7fffffff) {
    throw new ProfileError(
      "invalid-argument",
      `modelType must be a non-negative integer, got ${mp.modelType}`,
    );
  }
  const outputFields = [...mp.outputFields].map((f) => checkString(f, "output field"));
  const metrics = create(ModelMetricsMessageSchema, { modelType: mp.modelType });
  if (mp.scoreMatrix !== undefined) metrics.scoreMatrix = scoreMatrixToProto(mp.scoreMatrix);
  if (mp.regression !== undefined) {
    const r = mp.regression;
    metrics.regressionMetrics = create(RegressionMetricsMessageSchema, {
      predictionField: checkString(r.predictionField, "regression prediction field"),
      targetField: checkString(r.targetField, "regression target field"),
      count: BigInt(checkCount(r.count, "regression count")),
      sumAbsDiff: checkNumber(r.sumAbsDiff, "regression sumAbsDiff"),
      sumDiff: checkNumber(r.sumDiff, "regression sumDiff"),
      sum2Diff: checkNumber(r.sum2Diff, "regression sum2Diff"),
    });
  }
  return create(ModelProfileMessageSchema, { outputFields, metrics });
}

function scoreMatrixToProto(sm: ScoreMatrixMessage) {
  const labels = [...sm.labels].map((l) => checkString(l, "score matrix label"));
  const n = labels.length;
  if (sm.cells.length !== n * n) {
    throw new ProfileError(
      "invalid-argument",
      `score matrix has ${sm.cells.length} cells for ${n} labels (needs ${n * n})`,
    );
  }
  return create(ScoreMatrixMessageSchema, {
    labels,
    predictionField: checkString(sm.predictionField, "score matrix prediction field"),
    targetField: checkString(sm.targetField, "score matrix target field"),
    scoreField: checkString(sm.scoreField, "score matrix score field"),
    scores: sm.cells.map((cell, i) => cellToProto(cell, i)),
  });
}

/** As whylogs writes cells: empty → empty k=128 KLL and empty variance; else KLL, variance, doubles.count. */
function cellToProto(cell: ScoreCellMessage | null, index: number): NumbersMessageV0 {
  if (cell === null) {
    return create(NumbersMessageV0Schema, {
      variance: create(VarianceMessageSchema),
      histogram: EMPTY_CELL_KLL,
    });
  }
  if (!(cell.kll instanceof Uint8Array)) {
    throw new ProfileError("invalid-argument", `score cell ${index}: kll must be a Uint8Array`);
  }
  const count = BigInt(checkCount(cell.count, `score cell ${index} count`));
  return create(NumbersMessageV0Schema, {
    variance: create(VarianceMessageSchema, {
      count,
      sum: checkNumber(cell.m2, `score cell ${index} m2`),
      mean: checkNumber(cell.mean, `score cell ${index} mean`),
    }),
    numbers: { case: "doubles", value: create(DoublesMessageSchema, { count }) },
    histogram: cell.kll,
  });
}

function checkCount(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ProfileError("invalid-argument", `${what} must be a non-negative safe integer, got ${v}`);
  }
  return v;
}

function checkNumber(v: number, what: string): number {
  if (typeof v !== "number") throw new ProfileError("invalid-argument", `${what} must be a number`);
  return canonicalDouble(v);
}
