import { KllDoublesSketch } from "@sightglass/sketches";
import { Float64, Int32, Table, TimestampMillisecond, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  DatasetProfile,
  DatasetProfileView,
  EXTENSION_MAGIC,
  LabelJoiner,
  RollingLogger,
  SegmentedProfile,
  encodeProfileV1,
  mergePerformance,
} from "../src/index.js";
import type {
  BucketInfo,
  ClassificationPerformanceMessage,
  PerformanceMessage,
  PerformanceSpec,
  ProfileMessage,
  RegressionPerformanceMessage,
  TrackInput,
} from "../src/index.js";
import { splitmix64, u01 } from "../../sketches/test/support/streams.js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { performanceToProto } from "../src/codec/performance.js";
import { SightglassExtensionSchema } from "../src/proto/sightglass_pb.js";
import type { SightglassExtension } from "../src/proto/sightglass_pb.js";
import { checkDeserialize, profileError } from "./codec/codec-helpers.js";

// Sightglass' mergeable model-performance metrics (src/performance, the `performance` field of the extension
// block). Expected values are worked out by hand or recomputed here from the rows, never taken from the code
// under test.

const HOUR = 3_600_000;
const DAY = 86_400_000;
const D = Date.parse("2024-05-01T00:00:00Z");

/** What sklearn's log_loss clips probabilities to. */
const EPS = 2.220446049250313e-16;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);

/** Deterministic doubles in [0, 1) (splitmix64, as the sketches' reference streams). */
function random(seed: number): () => number {
  const next = splitmix64(seed);
  return () => u01(next);
}

function expectClose(actual: number, expected: number, rel: number, what: string, scale = expected): void {
  const tolerance = rel * Math.max(Math.abs(scale), Number.MIN_VALUE);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function classification(
  v: DatasetProfileView | PerformanceMessage | undefined,
): ClassificationPerformanceMessage {
  const p = v instanceof DatasetProfileView ? v.performance : v;
  if (p?.classification === undefined) throw new Error("no classification metrics");
  return p.classification;
}

function regression(v: DatasetProfileView | PerformanceMessage | undefined): RegressionPerformanceMessage {
  const p = v instanceof DatasetProfileView ? v.performance : v;
  if (p?.regression === undefined) throw new Error("no regression metrics");
  return p.regression;
}

/** The confusion-matrix cell (prediction, truth), by label. */
function cell(c: ClassificationPerformanceMessage, prediction: string, truth: string): number {
  const n = c.labels.length;
  const p = c.labels.indexOf(prediction);
  const t = c.labels.indexOf(truth);
  if (p < 0 || t < 0) return 0;
  return c.confusion[p * n + t]!;
}

/** Every count equal, the floating-point sums within `rel` (relative). */
function expectSameClassification(
  actual: ClassificationPerformanceMessage,
  expected: ClassificationPerformanceMessage,
  rel = 1e-12,
): void {
  const { logLossSum: la, brierSum: ba, ...countsA } = actual;
  const { logLossSum: le, brierSum: be, ...countsE } = expected;
  expect(countsA).toEqual(countsE);
  expectClose(la, le, rel, "logLossSum");
  expectClose(ba, be, rel, "brierSum");
}

function expectSameRegression(
  actual: RegressionPerformanceMessage,
  expected: RegressionPerformanceMessage,
  rel = 1e-12,
): void {
  const {
    sumError: ea,
    sumAbsoluteError: aa,
    sumSquaredError: sa,
    targetMean: ma,
    targetM2: m2a,
    residualKll: ka,
    ...countsA
  } = actual;
  const {
    sumError: ee,
    sumAbsoluteError: ae,
    sumSquaredError: se,
    targetMean: me,
    targetM2: m2e,
    residualKll: ke,
    ...countsE
  } = expected;
  expect(countsA).toEqual(countsE);
  // Signed errors cancel: their rounding is relative to the sum of their magnitudes.
  expectClose(ea, ee, rel, "sumError", ae);
  expectClose(aa, ae, rel, "sumAbsoluteError");
  expectClose(sa, se, rel, "sumSquaredError");
  expectClose(ma, me, rel, "targetMean");
  expectClose(m2a, m2e, rel, "targetM2");
  expect(ka.length > 0).toBe(ke.length > 0);
  if (ka.length > 0) {
    const a = KllDoublesSketch.deserialize(ka);
    const e = KllDoublesSketch.deserialize(ke);
    expect(a.getN()).toBe(e.getN());
    expect(a.getMinItem()).toBe(e.getMinItem());
    expect(a.getMaxItem()).toBe(e.getMaxItem());
  }
}

function expectSamePerformance(
  actual: PerformanceMessage | undefined,
  expected: PerformanceMessage | undefined,
) {
  expect(actual).toBeDefined();
  expect(Object.keys(actual!).sort()).toEqual(Object.keys(expected!).sort());
  if (expected!.classification !== undefined) {
    expectSameClassification(classification(actual), expected!.classification);
  }
  if (expected!.regression !== undefined) expectSameRegression(regression(actual), expected!.regression);
}

/** Column metrics of a view, as components, for exact comparison. */
function columnsOf(view: DatasetProfileView, except: readonly string[] = []) {
  return Object.fromEntries(
    view
      .columnNames()
      .filter((n) => !except.includes(n))
      .map((n) => [n, view.column(n)!.toComponents()]),
  );
}

function viewOf(spec: PerformanceSpec, input: TrackInput): DatasetProfileView {
  return new DatasetProfile({ performance: spec, datasetTimestamp: 0, creationTimestamp: 0 })
    .track(input)
    .view();
}

// ---------------------------------------------------------------------------------------------------------

describe("binary classification", () => {
  const spec: PerformanceSpec = {
    task: "classification",
    prediction: "pred",
    target: "label",
    scores: "score",
    scoreBins: 10,
  };
  // prettier-ignore
  const rows = [
    { pred: 1, label: 1, score: 0.9 },
    { pred: 1, label: 0, score: 0.8 },
    { pred: 0, label: 0, score: 0.1 },
    { pred: 0, label: 1, score: 0.3 },
    { pred: 1, label: 1, score: 1.0 }, // score 1 falls in the last bin; p(true) = 1 is clipped to 1 - eps
    { pred: 0, label: 0, score: 0.0 }, // p(true) = 1 - 0
    { pred: 1, label: null, score: 0.7 }, // label not arrived: unlabeled, histogram "unknown"
    { pred: null, label: 1, score: 0.5 }, // no prediction: not evaluated at all
    { pred: 0, label: 1, score: null }, // no score: confusion only
    { pred: 0, label: 1, score: 0.0 }, // p(true) = 0 is clipped to eps
  ];

  it("counts a hand-computed example exactly", () => {
    const c = classification(viewOf(spec, rows));
    expect(c.predictionField).toBe("pred");
    expect(c.targetField).toBe("label");
    expect(c.labels).toEqual(["0", "1"]);
    // Index prediction * 2 + truth: (0,0) rows 2, 5; (0,1) rows 3, 8, 9; (1,0) row 1; (1,1) rows 0, 4.
    expect(c.confusion).toEqual([2, 3, 1, 2]);
    expect(c.unlabeled).toEqual([0, 1]);
    expect(c.positiveLabel).toBe("1");
    expect(c.scoreBins).toBe(10);
    // Cells per bin: (predicted "1"? no: truth 1 / 0 / unknown, yes: truth 1 / 0 / unknown).
    expect(c.histograms).toEqual([
      {
        label: "1",
        scoreField: "score",
        bins: [0, 1, 3, 7, 8, 9],
        // prettier-ignore
        counts: [
          1, 1, 0, 0, 0, 0, // bin 0: row 9 (no, truth 1), row 5 (no, truth 0)
          0, 1, 0, 0, 0, 0, // bin 1: row 2
          1, 0, 0, 0, 0, 0, // bin 3: row 3
          0, 0, 0, 0, 0, 1, // bin 7: row 6, label unknown
          0, 0, 0, 0, 1, 0, // bin 8: row 1
          0, 0, 0, 2, 0, 0, // bin 9: rows 0 and 4
        ],
      },
    ]);
    // Rows with prediction, label and score: 0, 1, 2, 3, 4, 5, 9.
    const pTrue = [0.9, 1 - 0.8, 1 - 0.1, 0.3, 1.0, 1 - 0.0, 0.0];
    const y = [1, 0, 0, 1, 1, 0, 1];
    const s = [0.9, 0.8, 0.1, 0.3, 1.0, 0.0, 0.0];
    let logLoss = 0;
    for (const p of pTrue) logLoss += -Math.log(clip(p));
    let brier = 0;
    for (let i = 0; i < s.length; i++) brier += (s[i]! - y[i]!) ** 2;
    expect(c.logLossCount).toBe(7);
    expect(c.brierCount).toBe(7);
    expectClose(c.logLossSum, logLoss, 1e-12, "logLossSum");
    expectClose(c.brierSum, brier, 1e-12, "brierSum");
    // The clipped terms are there: -log(eps) ≈ 36.04 dominates.
    expect(c.logLossSum).toBeGreaterThan(-Math.log(EPS));
    expectClose(brier, 0.01 + 0.64 + 0.01 + 0.49 + 1, 1e-12, "hand-computed Brier");
  });

  it("rows, column objects, single rows and several batches give the same metrics", () => {
    const expected = viewOf(spec, rows).performance;
    const columns = {
      pred: rows.map((r) => r.pred),
      label: rows.map((r) => r.label),
      score: rows.map((r) => r.score),
    };
    expect(viewOf(spec, columns).performance).toEqual(expected);
    const p = new DatasetProfile({ performance: spec });
    for (const r of rows) p.trackRow(r);
    expect(p.view().performance).toEqual(expected);
    const q = new DatasetProfile({ performance: spec });
    q.track(rows.slice(0, 3)).track(rows.slice(3, 7)).track(rows.slice(7));
    expect(q.view().performance).toEqual(expected);
  });

  it("the default positive label is '1' for numbers and 'true' for booleans; an explicit one wins", () => {
    const numeric = classification(viewOf(spec, [{ pred: 1, label: 0, score: 0.9 }]));
    expect(numeric.positiveLabel).toBe("1");
    expect(numeric.histograms.map((h) => h.label)).toEqual(["1"]);

    const booleans = classification(
      viewOf(spec, [
        { pred: true, label: false, score: 0.9 },
        { pred: false, label: false, score: 0.2 },
      ]),
    );
    expect(booleans.positiveLabel).toBe("true");
    expect(booleans.labels).toEqual(["false", "true"]);
    expect(booleans.histograms.map((h) => h.label)).toEqual(["true"]);
    // Score 0.9 with truth false: predicted positive, truth other → cell 4 of bin 9.
    expect(booleans.histograms[0]!.bins).toEqual([2, 9]);
    expect(booleans.histograms[0]!.counts).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expectClose(booleans.logLossSum, -Math.log(0.1) - Math.log(0.8), 1e-12, "logLossSum");

    const spam = classification(
      viewOf({ ...spec, positiveLabel: "spam" }, [
        { pred: "spam", label: "spam", score: 0.75 },
        { pred: "ham", label: "spam", score: 0.25 },
        { pred: "ham", label: "ham", score: 0.05 },
      ]),
    );
    expect(spam.positiveLabel).toBe("spam");
    expect(spam.labels).toEqual(["ham", "spam"]);
    expect(spam.confusion).toEqual([1, 1, 0, 1]);
    expect(spam.histograms[0]!.label).toBe("spam");
    expect(spam.histograms[0]!.bins).toEqual([0, 2, 7]);
    expect(spam.histograms[0]!.counts).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expectClose(spam.logLossSum, -Math.log(0.75) - Math.log(0.25) - Math.log(0.95), 1e-12, "logLossSum");
    expectClose(spam.brierSum, 0.25 ** 2 + 0.75 ** 2 + 0.05 ** 2, 1e-12, "brierSum");
  });

  it("without a score column only the confusion matrix is kept", () => {
    const c = classification(
      viewOf({ task: "classification", prediction: "pred", target: "label" }, [
        { pred: 1, label: 1 },
        { pred: 0, label: 1 },
        { pred: 0 },
      ]),
    );
    expect(c.confusion).toEqual([0, 1, 0, 1]);
    expect(c.unlabeled).toEqual([1, 0]);
    expect(c.histograms).toEqual([]);
    expect(c.logLossCount).toBe(0);
    expect(c.brierCount).toBe(0);
  });

  it("a profile without a performance spec has none", () => {
    const view = new DatasetProfile().track([{ pred: 1, label: 1 }]).view();
    expect(view.performance).toBeUndefined();
    expect(DatasetProfileView.deserialize(view.serialize()).performance).toBeUndefined();
  });
});

describe("multiclass classification", () => {
  // bird is never scored: log loss and Brier need every class scored and the true class among them.
  const spec: PerformanceSpec = {
    task: "classification",
    prediction: "pred",
    target: "label",
    scores: { cat: "p_cat", dog: "p_dog" },
    scoreBins: 4,
  };
  // prettier-ignore
  const rows = [
    { pred: "cat", label: "cat", p_cat: 0.7, p_dog: 0.2 }, // scored: p(true) 0.7
    { pred: "dog", label: "cat", p_cat: 0.4, p_dog: 0.5 }, // scored: p(true) 0.4
    { pred: "cat", label: "bird", p_cat: 0.6, p_dog: 0.1 }, // true class unscored: no log loss
    { pred: "dog", label: "dog", p_cat: 0.1, p_dog: null }, // not every class scored: no log loss
    { pred: "bird", label: null, p_cat: 0.3, p_dog: 0.3 }, // label unknown
    { pred: "dog", label: "dog", p_cat: 0.0, p_dog: 1.0 }, // scored: p(true) 1 → clipped
  ];

  it("counts confusion, per-class histograms and log loss exactly", () => {
    const c = classification(viewOf(spec, rows));
    expect(c.labels).toEqual(["bird", "cat", "dog"]);
    expect(cell(c, "cat", "cat")).toBe(1);
    expect(cell(c, "dog", "cat")).toBe(1);
    expect(cell(c, "cat", "bird")).toBe(1);
    expect(cell(c, "dog", "dog")).toBe(2);
    // prettier-ignore
    expect(c.confusion).toEqual([
      0, 0, 0, // predicted bird
      1, 1, 0, // predicted cat: truth bird, cat
      0, 1, 2, // predicted dog: truth cat, dog ×2
    ]);
    expect(c.unlabeled).toEqual([1, 0, 0]);
    expect(c.positiveLabel).toBe("");
    expect(c.histograms).toEqual([
      {
        label: "cat",
        scoreField: "p_cat",
        bins: [0, 1, 2],
        // prettier-ignore
        counts: [
          0, 2, 0, 0, 0, 0, // bin 0 [0, .25): rows 3 (0.1), 5 (0.0): not predicted cat, truth other
          1, 0, 1, 0, 0, 0, // bin 1: row 1 (0.4, truth cat), row 4 (0.3, unknown)
          0, 0, 0, 1, 1, 0, // bin 2: row 0 (predicted cat, truth cat), row 2 (predicted cat, truth bird)
        ],
      },
      {
        label: "dog",
        scoreField: "p_dog",
        bins: [0, 1, 2, 3],
        // prettier-ignore
        counts: [
          0, 2, 0, 0, 0, 0, // bin 0: rows 0 (0.2), 2 (0.1), truth other
          0, 0, 1, 0, 0, 0, // bin 1: row 4, unknown
          0, 0, 0, 0, 1, 0, // bin 2: row 1 (0.5, predicted dog, truth cat)
          0, 0, 0, 1, 0, 0, // bin 3: row 5 (1.0, predicted dog, truth dog); row 3 has no dog score
        ],
      },
    ]);
    expect(c.logLossCount).toBe(3);
    expect(c.brierCount).toBe(3);
    expectClose(c.logLossSum, -Math.log(0.7) - Math.log(0.4) - Math.log(clip(1)), 1e-12, "logLossSum");
    expectClose(c.brierSum, 0.3 ** 2 + 0.2 ** 2 + (0.6 ** 2 + 0.5 ** 2) + 0, 1e-12, "brierSum");
  });

  it("a positive label is refused for a multiclass score map", () => {
    const e = profileError(() => new DatasetProfile({ performance: { ...spec, positiveLabel: "cat" } }));
    expect(e.kind).toBe("invalid-argument");
  });
});

describe("regression", () => {
  const spec: PerformanceSpec = { task: "regression", prediction: "yhat", target: "y" };

  it("sums errors and the target's mean and m2 as a direct computation does", () => {
    const rnd = random(41);
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 500; i++) {
      const y = 100 + 30 * rnd();
      const row: Record<string, unknown> = { yhat: y + (rnd() - 0.4) * 8 };
      if (i % 17 !== 0) row.y = y; // every 17th target has not arrived
      if (i % 23 === 0) row.yhat = null; // no prediction: not evaluated
      if (i % 29 === 0) row.yhat = NaN; // NaN counts as missing
      rows.push(row);
    }
    const r = regression(viewOf(spec, rows));
    const labeled = rows.filter((x) => typeof x.yhat === "number" && !Number.isNaN(x.yhat) && "y" in x);
    const unlabeled = rows.filter((x) => typeof x.yhat === "number" && !Number.isNaN(x.yhat) && !("y" in x));
    const errors = labeled.map((x) => (x.yhat as number) - (x.y as number));
    const ys = labeled.map((x) => x.y as number);
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const m2 = ys.reduce((a, b) => a + (b - mean) ** 2, 0);
    expect(r.predictionField).toBe("yhat");
    expect(r.targetField).toBe("y");
    expect(r.count).toBe(labeled.length);
    expect(r.unlabeled).toBe(unlabeled.length);
    expect(r.count + r.unlabeled).toBeLessThan(rows.length);
    const abs = errors.reduce((a, e) => a + Math.abs(e), 0);
    expectClose(
      r.sumError,
      errors.reduce((a, e) => a + e, 0),
      1e-12,
      "sumError",
      abs,
    );
    expectClose(r.sumAbsoluteError, abs, 1e-12, "sumAbsoluteError");
    expectClose(
      r.sumSquaredError,
      errors.reduce((a, e) => a + e * e, 0),
      1e-12,
      "sumSquaredError",
    );
    expectClose(r.targetMean, mean, 1e-12, "targetMean");
    expectClose(r.targetM2, m2, 1e-10, "targetM2");
    const kll = KllDoublesSketch.deserialize(r.residualKll);
    expect(kll.getN()).toBe(labeled.length);
    expect(kll.getMinItem()).toBe(Math.min(...errors));
    expect(kll.getMaxItem()).toBe(Math.max(...errors));
  });

  it("has an empty residual sketch and zero sums before any target", () => {
    const r = regression(viewOf(spec, [{ yhat: 1 }, { yhat: 2, y: null }]));
    expect(r.count).toBe(0);
    expect(r.unlabeled).toBe(2);
    expect(r.residualKll.length).toBe(0);
    expect([r.sumError, r.sumSquaredError, r.targetMean, r.targetM2]).toEqual([0, 0, 0, 0]);
  });

  it("rejects non-numeric predictions and infinite targets, tracking nothing", () => {
    const p = new DatasetProfile({ performance: spec });
    p.track([{ yhat: 1, y: 2 }]);
    const before = p.view();
    const e1 = profileError(() =>
      p.track([
        { yhat: 1, y: 2 },
        { yhat: "3", y: 2 },
      ]),
    );
    expect([e1.kind, e1.column]).toEqual(["invalid-argument", "yhat"]);
    expect(e1.message).toMatch(/row 1/);
    const e2 = profileError(() => p.track({ yhat: [1, 2], y: [2, Infinity] }));
    expect([e2.kind, e2.column]).toEqual(["invalid-argument", "y"]);
    const after = p.view();
    expect(after.performance).toEqual(before.performance);
    expect(columnsOf(after)).toEqual(columnsOf(before));
  });
});

// ---------------------------------------------------------------------------------------------------------

type Row = {
  id: string;
  ts: number;
  region: string;
  x: number;
  pred: string | null;
  label?: string | null;
  p_a: number | null;
  p_b: number | null;
  p_c: number | null;
};

/** Multiclass rows with missing predictions, labels and scores; label "rare" only in rows [rareFrom, rareTo). */
function multiclassRows(seed: number, n: number, rareFrom = -1, rareTo = -1): Row[] {
  const rnd = random(seed);
  const labels = ["a", "b", "c"];
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const truth = i >= rareFrom && i < rareTo ? "rare" : labels[Math.floor(rnd() * 3)]!;
    const guess = rnd() < 0.7 ? truth : labels[Math.floor(rnd() * 3)]!;
    const score = () => (rnd() < 0.05 ? null : Math.round(rnd() * 1000) / 1000);
    const r = rnd();
    out.push({
      id: `r${seed}-${i}`,
      ts: D + i * 60_000,
      region: rnd() < 0.5 ? "north" : "south",
      x: rnd() * 10,
      pred: r < 0.03 ? null : guess,
      ...(r > 0.85 ? {} : { label: r > 0.8 ? null : truth }),
      p_a: score(),
      p_b: score(),
      p_c: score(),
    });
  }
  return out;
}

const MULTICLASS: PerformanceSpec = {
  task: "classification",
  prediction: "pred",
  target: "label",
  scores: { a: "p_a", b: "p_b", c: "p_c" },
  scoreBins: 50,
};

/** Random cut points splitting `n` rows into `k` windows (some may be empty). */
function windows<T>(rows: readonly T[], k: number, seed: number): T[][] {
  const rnd = random(seed);
  const cuts = Array.from({ length: k - 1 }, () => Math.floor(rnd() * (rows.length + 1))).sort(
    (a, b) => a - b,
  );
  const bounds = [0, ...cuts, rows.length];
  return bounds.slice(1).map((end, i) => rows.slice(bounds[i], end));
}

describe("merging", () => {
  it("merged window profiles equal the profile of the concatenation (classification)", () => {
    for (const seed of [1, 2, 3]) {
      // "rare" appears in one stretch of rows only, so some windows never see it.
      const rows = multiclassRows(seed, 1500, 700, 760);
      const whole = viewOf(MULTICLASS, rows);
      const parts = windows(rows, 7, seed + 100).map((w) => viewOf(MULTICLASS, w));
      const merged = parts.reduce((a, b) => a.merge(b));
      expectSameClassification(classification(merged), classification(whole));
      expect(classification(whole).labels).toContain("rare");
      // Reversed and tree-shaped merges give the same counts.
      const reversed = [...parts].reverse().reduce((a, b) => a.merge(b));
      expectSameClassification(classification(reversed), classification(whole));
      const tree = parts[0]!
        .merge(parts[1]!.merge(parts[2]!))
        .merge(parts[3]!.merge(parts[4]!).merge(parts[5]!.merge(parts[6]!)));
      expectSameClassification(classification(tree), classification(whole));
      // And the merged view round-trips through the file format.
      expect(DatasetProfileView.deserialize(merged.serialize()).performance).toEqual(merged.performance);
    }
  });

  it("merged window profiles equal the profile of the concatenation (binary)", () => {
    const rnd = random(77);
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const label = rnd() < 0.3 ? 1 : 0;
      const score = Math.min(1, Math.max(0, 0.5 * label + 0.6 * rnd() - 0.05));
      return {
        pred: i % 97 === 0 ? null : score >= 0.5 ? 1 : 0,
        label: i % 13 === 0 ? null : label,
        score: i % 31 === 0 ? null : score,
      };
    });
    const spec: PerformanceSpec = {
      task: "classification",
      prediction: "pred",
      target: "label",
      scores: "score",
    };
    const whole = classification(viewOf(spec, rows));
    const parts = windows(rows, 9, 5).map((w) => viewOf(spec, w));
    expectSameClassification(classification(parts.reduce((a, b) => a.merge(b))), whole);
    expectSameClassification(classification([...parts].reverse().reduce((a, b) => a.merge(b))), whole);
    expect(whole.histograms[0]!.bins.length).toBeGreaterThan(100);
  });

  it("merged window profiles equal the profile of the concatenation (regression)", () => {
    const rnd = random(9);
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const y = 50 * rnd() - 10;
      return { yhat: y + 4 * (rnd() - 0.5), ...(i % 11 === 0 ? {} : { y }) };
    });
    const spec: PerformanceSpec = { task: "regression", prediction: "yhat", target: "y" };
    const whole = regression(viewOf(spec, rows));
    const parts = windows(rows, 6, 10).map((w) => viewOf(spec, w));
    expectSameRegression(regression(parts.reduce((a, b) => a.merge(b))), whole);
    expectSameRegression(regression([...parts].reverse().reduce((a, b) => a.merge(b))), whole);
    expectSameRegression(
      regression(
        parts[0]!.merge(parts[1]!.merge(parts[2]!)).merge(parts[3]!.merge(parts[4]!.merge(parts[5]!))),
      ),
      whole,
    );
  });

  it("merging is commutative and associative on counts", () => {
    const [a, b, c] = [11, 12, 13].map((seed) => viewOf(MULTICLASS, multiclassRows(seed, 300)));
    const ab = classification(a!.merge(b!));
    expectSameClassification(classification(b!.merge(a!)), ab);
    const left = classification(a!.merge(b!).merge(c!));
    const right = classification(a!.merge(b!.merge(c!)));
    expectSameClassification(right, left);
    // A side without performance metrics leaves them as they are.
    expect(a!.merge(new DatasetProfile().view()).performance).toEqual(a!.performance);
    expect(mergePerformance(undefined, a!.performance)).toBe(a!.performance);
  });

  it("re-indexes labels seen on one side only", () => {
    const spec: PerformanceSpec = { task: "classification", prediction: "p", target: "t" };
    const leftRows = [{ p: "a", t: "c" }, { p: "c", t: "c" }, { p: "c", t: "c" }, { p: "a" }];
    const rightRows = [
      { p: "d", t: "b" },
      { p: "b", t: "d" },
      { p: "d", t: "d" },
      { p: "c", t: "b" },
      { p: "d" },
      { p: "d" },
    ];
    const left = viewOf(spec, leftRows);
    const right = viewOf(spec, rightRows);
    // Each side indexes only its own labels.
    expect(classification(left).labels).toEqual(["a", "c"]);
    expect(classification(right).labels).toEqual(["b", "c", "d"]);
    for (const m of [left.merge(right), right.merge(left)]) {
      const c = classification(m);
      expect(c.labels).toEqual(["a", "b", "c", "d"]);
      expect(c.confusion.reduce((x, y) => x + y, 0)).toBe(7);
      expect(cell(c, "a", "c")).toBe(1);
      expect(cell(c, "c", "c")).toBe(2);
      expect(cell(c, "d", "b")).toBe(1);
      expect(cell(c, "b", "d")).toBe(1);
      expect(cell(c, "d", "d")).toBe(1);
      expect(cell(c, "c", "b")).toBe(1);
      expect(c.unlabeled).toEqual([1, 0, 0, 2]);
      expect(c).toEqual(classification(viewOf(spec, [...leftRows, ...rightRows])));
    }
  });
});

describe("merge errors", () => {
  const spec: PerformanceSpec = {
    task: "classification",
    prediction: "pred",
    target: "label",
    scores: "score",
    scoreBins: 10,
  };
  const rows = [
    { pred: 1, label: 1, score: 0.9 },
    { pred: 0, label: 1, score: 0.2 },
  ];

  it("refuses different score resolutions", () => {
    const a = viewOf(spec, rows);
    const b = viewOf({ ...spec, scoreBins: 20 }, rows);
    expect(profileError(() => a.merge(b)).kind).toBe("incompatible");
    expect(profileError(() => b.merge(a)).kind).toBe("incompatible");
  });

  it("refuses different prediction, target or score columns", () => {
    const a = viewOf(spec, rows);
    const renamed = (from: "pred" | "label" | "score", to: string) =>
      rows.map((r) => ({ ...r, [to]: r[from] }));
    const b = viewOf({ ...spec, prediction: "pred2" }, renamed("pred", "pred2"));
    const e = profileError(() => a.merge(b));
    expect(e.kind).toBe("incompatible");
    expect(e.message).toMatch(/prediction/);
    expect(
      profileError(() => a.merge(viewOf({ ...spec, target: "label2" }, renamed("label", "label2")))).kind,
    ).toBe("incompatible");
    expect(
      profileError(() => a.merge(viewOf({ ...spec, scores: "score2" }, renamed("score", "score2")))).kind,
    ).toBe("incompatible");
    const r1 = viewOf({ task: "regression", prediction: "pred", target: "label" }, rows);
    const r2 = viewOf({ task: "regression", prediction: "score", target: "label" }, rows);
    expect(profileError(() => r1.merge(r2)).kind).toBe("incompatible");
  });

  it("refuses different positive labels", () => {
    const a = viewOf(spec, rows);
    const b = viewOf({ ...spec, positiveLabel: "0" }, rows);
    expect(profileError(() => a.merge(b)).kind).toBe("incompatible");
  });
});

// ---------------------------------------------------------------------------------------------------------

/** Where the extension block starts: the file without performance is a prefix of the file with it. */
function extensionStart(view: DatasetProfileView): number {
  const { performance: _performance, ...rest } = view.toMessage();
  const plain = encodeProfileV1(rest);
  const full = view.serialize();
  expect(full.subarray(0, plain.length)).toEqual(plain);
  expect([...full.subarray(plain.length, plain.length + 4)]).toEqual([...EXTENSION_MAGIC]);
  return plain.length;
}

function richView(n = 400, scoreBins = 50): DatasetProfileView {
  const spec = { ...MULTICLASS, scoreBins };
  const p = new DatasetProfile({ performance: spec, datasetTimestamp: D, creationTimestamp: D });
  p.track(multiclassRows(5, n).map(({ label: _label, ...r }) => r));
  // Labels for a quarter of them arrive late.
  p.trackLateLabels(multiclassRows(5, n / 4).map((r) => ({ ...r, label: r.pred ?? "a" })));
  return p.view();
}

/** Small profiles (the corruption loops deserialize every variant) of both tasks, with late labels. */
function smallViews(): DatasetProfileView[] {
  const spec: PerformanceSpec = { task: "regression", prediction: "yhat", target: "y" };
  const rows = Array.from({ length: 60 }, (_, i) => ({ yhat: i % 13, y: i % 7 }));
  const regressionView = new DatasetProfile({ performance: spec, datasetTimestamp: D, creationTimestamp: D })
    .track(rows.map(({ yhat }) => ({ yhat })))
    .trackLateLabels(rows.slice(0, 30))
    .view();
  return [richView(40, 10), regressionView];
}

describe("serialization", () => {
  it("round-trips classification metrics, with negative counts, next to the columns", () => {
    const view = richView();
    const c = classification(view);
    // Late labels merged in the same profile: no negative count remains.
    expect(c.unlabeled.every((u) => u >= 0)).toBe(true);
    expect(c.histograms.every((h) => h.counts.every((x) => x >= 0))).toBe(true);
    expect(c.unlabeled.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const late = new DatasetProfile({ performance: MULTICLASS });
    late.trackLateLabels(multiclassRows(5, 100).map((r) => ({ ...r, label: r.pred ?? "a" })));
    for (const v of [view, late.view()]) {
      const back = DatasetProfileView.deserialize(v.serialize());
      expect(back.performance).toEqual(v.performance);
      expect(back.columnNames()).toEqual(v.columnNames());
      expect(back.toSummary()).toEqual(v.toSummary());
    }
    const lateC = classification(late.view());
    expect(lateC.unlabeled.every((u) => u <= 0)).toBe(true);
    expect(lateC.unlabeled.some((u) => u < 0)).toBe(true);
    expect(lateC.unlabeled.reduce((a, b) => a + b, 0)).toBe(-lateC.confusion.reduce((a, b) => a + b, 0));
    expect(late.view().columnNames()).toEqual([]);
  });

  it("round-trips regression metrics", () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      yhat: Math.sin(i) * 10,
      y: i % 7 ? Math.cos(i) : null,
    }));
    const view = viewOf({ task: "regression", prediction: "yhat", target: "y" }, rows);
    const back = DatasetProfileView.deserialize(view.serialize());
    expect(back.performance).toEqual(view.performance);
    expect(back.toSummary()).toEqual(view.toSummary());
  });

  it("sits outside the whylogs chunk area: cutting it off leaves the whylogs profile", () => {
    const view = richView();
    const bytes = view.serialize();
    const at = extensionStart(view);
    const whylogsOnly = DatasetProfileView.deserialize(bytes.subarray(0, at));
    expect(whylogsOnly.performance).toBeUndefined();
    expect(whylogsOnly.toSummary()).toEqual(view.toSummary());
  });

  it("truncated files are a ProfileError or the profile without its extension", () => {
    for (const view of smallViews()) {
      const bytes = view.serialize();
      const at = extensionStart(view);
      const outcomes = { ok: 0, rejected: 0 };
      for (let cut = 0; cut < bytes.length; cut++) {
        const outcome = checkDeserialize(bytes.subarray(0, cut));
        outcomes[outcome]++;
        if (cut >= at + EXTENSION_MAGIC.length) {
          // Past the magic, the block must be complete.
          expect(profileError(() => DatasetProfileView.deserialize(bytes.subarray(0, cut))).kind).toBe(
            "truncated",
          );
        } else if (cut >= at) {
          // A partial magic is junk after the chunk area.
          expect(DatasetProfileView.deserialize(bytes.subarray(0, cut)).performance).toBeUndefined();
        }
      }
      expect(outcomes.ok).toBe(EXTENSION_MAGIC.length);
      expect(outcomes.rejected).toBe(bytes.length - EXTENSION_MAGIC.length);
    }
  });

  it("byte flips inside the extension block are a ProfileError or a consistent, trustworthy profile", () => {
    for (const view of smallViews()) {
      const bytes = view.serialize();
      const at = extensionStart(view);
      const outcomes = { ok: 0, rejected: 0 };
      // What decodes must still be metrics an analysis can trust: counts that only grow are never negative,
      // and the labeled rows a histogram holds fit in the confusion matrix's total.
      const check = (out: Uint8Array) => {
        const outcome = checkDeserialize(out);
        outcomes[outcome]++;
        if (outcome === "rejected") return;
        const c = DatasetProfileView.deserialize(out).performance?.classification;
        if (c === undefined) return;
        expect(c.confusion.every((v) => v >= 0)).toBe(true);
        for (const h of c.histograms) {
          expect(h.counts.every((v, k) => k % 6 === 2 || k % 6 === 5 || v >= 0)).toBe(true);
        }
        expect(c.logLossCount >= 0 && c.brierCount >= 0 && c.logLossSum >= 0).toBe(true);
      };
      for (let i = at; i < bytes.length; i++) {
        for (const x of [0x01, 0x80, 0xff]) {
          const out = bytes.slice();
          out[i] = out[i]! ^ x;
          check(out);
        }
      }
      const rnd = random(3);
      for (let n = 0; n < 300; n++) {
        const out = bytes.slice();
        for (let e = 0; e < 3; e++)
          out[at + Math.floor(rnd() * (bytes.length - at))] = Math.floor(rnd() * 256);
        check(out);
      }
      expect(outcomes.ok).toBeGreaterThan(0);
      expect(outcomes.rejected).toBeGreaterThan(0);
    }
  });

  describe("hand-crafted inconsistent metrics are refused as malformed", () => {
    const base = viewOf(MULTICLASS, multiclassRows(8, 200)).toMessage();
    const c = classification(base.performance);
    const regressionBase = viewOf({ task: "regression", prediction: "yhat", target: "y" }, [
      { yhat: 1, y: 2 },
      { yhat: 3, y: 1 },
    ]).toMessage();
    const r = regression(regressionBase.performance);
    const h0 = c.histograms[0]!;
    const withClassification = (patch: Partial<ClassificationPerformanceMessage>): ProfileMessage => ({
      ...base,
      performance: { classification: { ...c, ...patch } },
    });
    const withHistogram = (patch: Partial<(typeof c.histograms)[0]>) =>
      withClassification({ histograms: [{ ...h0, ...patch }, ...c.histograms.slice(1)] });
    const withRegression = (patch: Partial<RegressionPerformanceMessage>): ProfileMessage => ({
      ...regressionBase,
      performance: { regression: { ...r, ...patch } },
    });
    const manyLabels = Array.from({ length: 4097 }, (_, i) => `l${String(i).padStart(5, "0")}`);
    const cases: [string, ProfileMessage][] = [
      ["confusion one cell short", withClassification({ confusion: c.confusion.slice(1) })],
      ["confusion one cell long", withClassification({ confusion: [...c.confusion, 0] })],
      ["unlabeled of the wrong length", withClassification({ unlabeled: [...c.unlabeled, 1] })],
      ["unsorted labels", withClassification({ labels: [...c.labels].reverse() })],
      [
        "duplicate labels",
        withClassification({ labels: c.labels.map((l, i) => (i === 1 ? c.labels[0]! : l)) }),
      ],
      [
        "more than MAX_LABELS labels",
        withClassification({ labels: manyLabels, unlabeled: manyLabels.map(() => 0), confusion: [] }),
      ],
      [
        "histogram bins out of order",
        withHistogram({ bins: [h0.bins[1]!, h0.bins[0]!, ...h0.bins.slice(2)] }),
      ],
      ["histogram bin repeated", withHistogram({ bins: [h0.bins[0]!, h0.bins[0]!, ...h0.bins.slice(2)] })],
      ["histogram bin ≥ scoreBins", withHistogram({ bins: [...h0.bins.slice(0, -1), c.scoreBins] })],
      ["histogram counts one short", withHistogram({ counts: h0.counts.slice(1) })],
      ["histogram counts for one more bin", withHistogram({ counts: [...h0.counts, 0, 0, 0, 0, 0, 0] })],
      ["two histograms of one label", withClassification({ histograms: [h0, h0] })],
      ["scoreBins 0", withClassification({ scoreBins: 0, histograms: [] })],
      ["scoreBins above MAX_SCORE_BINS", withClassification({ scoreBins: 1_000_001, histograms: [] })],
      [
        "residual sketch not a KLL image",
        withRegression({ residualKll: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) }),
      ],
    ];
    it.each(cases)("%s", (_name, message) => {
      // The encoder writes what it is given; the decoder is what checks the shapes.
      const bytes = encodeProfileV1(message);
      const e = profileError(() => DatasetProfileView.deserialize(bytes));
      expect(e.kind).toBe("malformed");
      // Located in the extension block, past the whylogs part of the file.
      expect(e.offset).toBeGreaterThan(encodeProfileV1({ ...message, performance: undefined }).length);
    });
    // Counts beyond 2^53 cannot come from our writer (it refuses them), so these blocks are built with the
    // protobuf runtime directly and appended after the whylogs part.
    const rawBlock = (
      patch: (ext: SightglassExtension) => void,
      message: ProfileMessage = base,
    ): Uint8Array => {
      const whylogsPart = encodeProfileV1({ ...message, performance: undefined });
      const ext = fromBinary(
        SightglassExtensionSchema,
        toBinary(
          SightglassExtensionSchema,
          create(SightglassExtensionSchema, { performance: performanceToProto(message.performance!) }),
        ),
      );
      patch(ext);
      const body = toBinary(SightglassExtensionSchema, ext);
      const length: number[] = [];
      for (let v = body.length; ; v >>>= 7) {
        if (v < 0x80) {
          length.push(v);
          break;
        }
        length.push((v & 0x7f) | 0x80);
      }
      return Uint8Array.from([...whylogsPart, ...EXTENSION_MAGIC, ...length, ...body]);
    };
    it.each([
      [
        "log-loss count above 2^53",
        (e: SightglassExtension): void => void (e.performance!.classification!.logLossCount = 2n ** 60n),
      ],
      [
        "confusion count below -2^53",
        (e: SightglassExtension): void => void (e.performance!.classification!.confusion[0] = -(2n ** 60n)),
      ],
      // One flipped bit of a zigzag varint turns a count of 2 into -3: counts that only grow must not be negative.
      [
        "negative confusion count",
        (e: SightglassExtension): void => void (e.performance!.classification!.confusion[0] = -3n),
      ],
      [
        "negative labeled histogram cell",
        (e: SightglassExtension): void =>
          void (e.performance!.classification!.histograms[0]!.counts[0] = -1n),
      ],
      [
        "negative log-loss count",
        (e: SightglassExtension): void => void (e.performance!.classification!.logLossCount = -1n),
      ],
      [
        "log-loss sum NaN",
        (e: SightglassExtension): void => void (e.performance!.classification!.logLossSum = NaN),
      ],
      [
        "Brier sum infinite",
        (e: SightglassExtension): void => void (e.performance!.classification!.brierSum = Infinity),
      ],
    ] as const)("%s", (_name, patch) => {
      const bytes = rawBlock(patch);
      expect(DatasetProfileView.deserialize(rawBlock(() => undefined)).performance).toEqual(base.performance);
      expect(profileError(() => DatasetProfileView.deserialize(bytes)).kind).toBe("malformed");
    });
    it.each([
      [
        "target mean infinite",
        (e: SightglassExtension): void => void (e.performance!.regression!.targetMean = -Infinity),
      ],
      [
        "negative regression count",
        (e: SightglassExtension): void => void (e.performance!.regression!.count = -2n),
      ],
      [
        "negative target m2",
        (e: SightglassExtension): void => void (e.performance!.regression!.targetM2 = -1),
      ],
    ] as const)("%s", (_name, patch) => {
      expect(profileError(() => DatasetProfileView.deserialize(rawBlock(patch, regressionBase))).kind).toBe(
        "malformed",
      );
    });
    it("awaiting counts may be negative (a late-label profile on its own)", () => {
      const bytes = rawBlock((e) => {
        e.performance!.classification!.unlabeled[0] = -4n;
        e.performance!.classification!.histograms[0]!.counts[2] = -1n;
      });
      expect(DatasetProfileView.deserialize(bytes).performance!.classification!.unlabeled[0]).toBe(-4);
    });
    it("the writer refuses counts and sums it could not write so a reader accepts them", () => {
      for (const message of [
        withClassification({ logLossCount: 2 ** 60 }),
        withClassification({ confusion: c.confusion.map((x, i) => (i ? x : 0.5)) }),
        withRegression({ count: 2 ** 60 }),
        withClassification({ logLossSum: NaN }),
        withRegression({ sumSquaredError: Infinity }),
      ]) {
        expect(profileError(() => encodeProfileV1(message)).kind).toBe("invalid-argument");
      }
    });
    it("the unmodified messages decode", () => {
      expect(DatasetProfileView.deserialize(encodeProfileV1(base)).performance).toEqual(base.performance);
      expect(DatasetProfileView.deserialize(encodeProfileV1(regressionBase)).performance).toEqual(
        regressionBase.performance,
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("input validation", () => {
  const spec: PerformanceSpec = {
    task: "classification",
    prediction: "pred",
    target: "label",
    scores: "score",
    scoreBins: 10,
  };
  const good = [
    { pred: 1, label: 1, score: 0.9, x: 1 },
    { pred: 0, label: null, score: 0.4, x: 2 },
  ];

  function snapshot(p: DatasetProfile) {
    const v = p.view();
    return {
      names: v.columnNames(),
      columns: columnsOf(v),
      summary: v.toSummary(),
      performance: v.performance,
    };
  }

  it("a score outside [0, 1] names column and row and tracks nothing", () => {
    const p = new DatasetProfile({ performance: spec });
    p.track(good);
    const before = snapshot(p);
    const bad = [...good, { pred: 1, label: 0, score: 1.5, x: 3 }, { pred: 1, label: 0, score: 0.5, x: 4 }];
    const e = profileError(() => p.track(bad));
    expect(e.kind).toBe("invalid-argument");
    expect(e.column).toBe("score");
    expect(e.message).toMatch(/row 2\b/);
    expect(e.message).toMatch(/1\.5/);
    const e2 = profileError(() =>
      p.track({
        pred: [1, 1, 0],
        label: [1, 1, 0],
        score: [0.5, 0.5, -0.01],
        x: [7, 8, 9],
        fresh: ["a", "b", "c"],
      }),
    );
    expect([e2.kind, e2.column]).toEqual(["invalid-argument", "score"]);
    expect(e2.message).toMatch(/row 2\b/);
    const e3 = profileError(() => p.trackRow({ pred: 1, label: 1, score: 2, x: 1 }));
    expect(e3.column).toBe("score");
    expect(profileError(() => p.track([{ pred: 1, label: 1, score: Infinity }])).column).toBe("score");
    expect(profileError(() => p.track([{ pred: 1, label: 1, score: "0.5" }])).column).toBe("score");
    expect(profileError(() => p.track([{ pred: { a: 1 }, label: 1, score: 0.5 }])).column).toBe("pred");
    expect(profileError(() => p.track([{ pred: 1, label: [1], score: 0.5 }])).column).toBe("label");
    expect(snapshot(p)).toEqual(before);
    // The profile still works.
    p.track([{ pred: 1, label: 1, score: 1, x: 5 }]);
    expect(classification(p.view()).confusion).toEqual([0, 0, 0, 2]);
  });

  it("a column object without the prediction or a score column is refused", () => {
    const p = new DatasetProfile({ performance: spec });
    p.track(good);
    const before = snapshot(p);
    const e = profileError(() => p.track({ label: [1], score: [0.5], x: [1] }));
    expect([e.kind, e.column]).toEqual(["missing-column", "pred"]);
    const e2 = profileError(() => p.track({ pred: [1], label: [1], x: [1] }));
    expect([e2.kind, e2.column]).toEqual(["missing-column", "score"]);
    expect(snapshot(p)).toEqual(before);
    // A batch with none of the performance columns (features tracked apart) tracks no performance.
    const features = new DatasetProfile({ performance: spec }).track(good);
    const withOutputs = features.view().performance;
    features.track({ x: [2, 3] });
    expect(features.view().performance).toEqual(withOutputs);
    // The target may be absent (no label yet) but not from late labels.
    p.track({ pred: [1], score: [0.5], x: [1] });
    expect(classification(p.view()).unlabeled).toEqual([1, 1]);
    const e3 = profileError(() => p.trackLateLabels({ pred: [1], score: [0.5] }));
    expect([e3.kind, e3.column]).toEqual(["missing-column", "label"]);
    const e4 = profileError(() => p.trackLateLabels([{ pred: 1, score: 0.5, label: null }]));
    expect([e4.kind, e4.column, e4.row]).toEqual(["invalid-argument", "label", 0]);
    // Late labels add nothing to the columns. (The reference takes a view where `p` did: taking a view
    // changes the rounding of later batches' m2 in the last bit.)
    const reference = new DatasetProfile().track(good);
    reference.view();
    reference.track({ pred: [1], score: [0.5], x: [1] });
    expect(snapshot(p).columns).toEqual(columnsOf(reference.view()));
  });

  it("late labels need a performance spec", () => {
    expect(profileError(() => new DatasetProfile().trackLateLabels([{ a: 1 }])).kind).toBe(
      "invalid-argument",
    );
    expect(
      profileError(() =>
        new SegmentedProfile({ segmentation: { columns: ["g"] } }).trackLateLabels([{ g: 1 }]),
      ).kind,
    ).toBe("invalid-argument");
    const logger = new RollingLogger({ writers: [], flushEveryMs: 0 });
    expect(profileError(() => logger.logLateLabels([{ a: 1 }])).kind).toBe("invalid-argument");
  });

  it("more than MAX_LABELS class labels are refused before anything is tracked", () => {
    // (Few views: each builds the labels² confusion matrix.)
    const p = new DatasetProfile({ performance: { task: "classification", prediction: "p", target: "t" } });
    p.track(Array.from({ length: 4000 }, (_, i) => ({ p: `c${i}`, t: "c0" })));
    const e = profileError(() => p.track(Array.from({ length: 97 }, (_, i) => ({ p: "c1", t: `d${i}` }))));
    expect([e.kind, e.column]).toEqual(["invalid-argument", "t"]);
    p.track(Array.from({ length: 96 }, (_, i) => ({ p: "c1", t: `d${i}` })));
    const c = classification(p.view());
    expect(c.labels).toHaveLength(4096);
    // Only the 4000 + 96 accepted rows are counted.
    let total = 0;
    for (const n of c.confusion) total += n;
    expect(total).toBe(4096);
  });

  it("bad specs are refused", () => {
    const bad: unknown[] = [
      null,
      { task: "ranking", prediction: "p", target: "t" },
      { task: "classification", prediction: "", target: "t" },
      { task: "classification", prediction: "p" },
      { task: "classification", prediction: "p", target: "t", scores: {} },
      { task: "classification", prediction: "p", target: "t", scores: ["s"] },
      { task: "classification", prediction: "p", target: "t", scoreBins: 0 },
      { task: "classification", prediction: "p", target: "t", scoreBins: 1_000_001 },
      { task: "classification", prediction: "p", target: "t", scoreBins: 2.5 },
      { task: "classification", prediction: "p", target: "t", positiveLabel: 1 },
    ];
    for (const spec of bad) {
      expect(profileError(() => new DatasetProfile({ performance: spec as PerformanceSpec })).kind).toBe(
        "invalid-argument",
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

class Collector {
  readonly written: { view: DatasetProfileView; info: BucketInfo }[] = [];
  write(view: DatasetProfileView, info: BucketInfo): void {
    // As a file writer would: through the bytes.
    this.written.push({ view: DatasetProfileView.deserialize(view.serialize()), info });
  }
}

/** Shuffles a copy (Fisher-Yates with the deterministic generator). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rnd = random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Predictions of days D and D+1 (no label column), and the labels that will arrive for most of them. */
function lateLabelScenario() {
  const spec: PerformanceSpec = {
    task: "classification",
    prediction: "pred",
    target: "label",
    scores: "score",
    scoreBins: 100,
  };
  const rnd = random(2024);
  const rows: Record<string, unknown>[] = [];
  const truth = new Map<string, number>();
  for (let i = 0; i < 120; i++) {
    const id = `req-${i}`;
    const label = rnd() < 0.4 ? 1 : 0;
    const score = Math.round(Math.min(1, Math.max(0, 0.45 * label + 0.55 * rnd())) * 1000) / 1000;
    rows.push({
      id,
      ts: D + (i < 80 ? i * 1000 * 60 * 15 : DAY + (i - 80) * 1000 * 60 * 30),
      region: i % 3 === 0 ? "north" : "south",
      x: Math.round(rnd() * 1000) / 10,
      pred: score >= 0.5 ? 1 : 0,
      score,
    });
    if (i % 9 !== 4) truth.set(id, label); // every 9th prediction never gets a label
  }
  const labelRows = shuffled(
    [...truth].map(([id, label]) => ({ id, label })),
    7,
  );
  const repeated = labelRows[3]!;
  labelRows.splice(20, 0, { id: "unknown-1", label: 1 }, { ...repeated }, { id: "unknown-2", label: 0 });
  labelRows.push({ id: "unknown-3", label: 0 });
  /** Rows of one day (of `from`), each with its label when it will ever get one. */
  const atOnce = (day: number, from: readonly Record<string, unknown>[] = rows) =>
    from
      .filter((r) => (r.ts as number) >= day && (r.ts as number) < day + DAY)
      .map((r) => (truth.has(r.id as string) ? { ...r, label: truth.get(r.id as string) } : r));
  return { spec, rows, truth, labelRows, repeated, atOnce };
}

/** Rows as a column object (a key a row lacks is null). */
function toColumns(rows: readonly Record<string, unknown>[]): Record<string, unknown[]> {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, rows.map((r) => r[k] ?? null)]));
}

/** Through the file format, as the logger's writer sent the views it is compared with. */
function roundTrip(view: DatasetProfileView): DatasetProfileView {
  return DatasetProfileView.deserialize(view.serialize());
}

describe("LabelJoiner", () => {
  const spec: PerformanceSpec = {
    task: "classification",
    prediction: "pred",
    target: "label",
    scores: { a: "p_a", b: "p_b" },
  };

  it("keeps only the spec's and the kept columns of predictions still waiting for a label", () => {
    const joiner = new LabelJoiner({ performance: spec, idColumn: "id", keep: ["ts"] });
    joiner.addPredictions([
      { id: "1", ts: 10, pred: "a", p_a: 0.75, p_b: 0.25, secret: "feature", label: null },
      { id: "2", ts: 20, pred: "b", p_a: 0.5, p_b: 0.5, secret: "feature", label: "b" }, // already labeled
    ]);
    joiner.addPredictions({ id: [3, 4], ts: [30, 40], pred: ["b", "a"], p_a: [0.1, 0.9], p_b: [0.9, 0.1] });
    expect(joiner.pending).toBe(3);
    // Ids are compared as text; labels may come as columns.
    const joined = joiner.joinLabels({ id: ["4", "2", "1", "3"], label: ["a", "a", "b", "b"] });
    expect(joined.unmatched).toEqual(["2"]);
    expect(joined.rows).toEqual([
      { pred: "a", p_a: 0.9, p_b: 0.1, ts: 40, label: "a" },
      { pred: "a", p_a: 0.75, p_b: 0.25, ts: 10, label: "b" },
      { pred: "b", p_a: 0.1, p_b: 0.9, ts: 30, label: "b" },
    ]);
    expect(joiner.pending).toBe(0);
    // A label delivered twice finds nothing the second time.
    expect(joiner.joinLabels([{ id: "1", label: "b" }])).toEqual({ rows: [], unmatched: ["1"] });
  });

  it("matches repeated ids oldest first and forgets beyond maxPending", () => {
    const joiner = new LabelJoiner({ performance: spec, idColumn: "id", maxPending: 2 });
    joiner.addPredictions([
      { id: "x", pred: "a", p_a: 0.1, p_b: 0.9 },
      { id: "x", pred: "b", p_a: 0.2, p_b: 0.8 },
    ]);
    expect(joiner.joinLabels([{ id: "x", label: "a" }]).rows).toEqual([
      { pred: "a", p_a: 0.1, p_b: 0.9, label: "a" },
    ]);
    joiner.addPredictions([{ id: "y", pred: "a", p_a: 0.3, p_b: 0.7 }]);
    joiner.addPredictions([{ id: "z", pred: "a", p_a: 0.4, p_b: 0.6 }]); // x (the second) is forgotten
    expect(joiner.pending).toBe(2);
    const joined = joiner.joinLabels([
      { id: "x", label: "b" },
      { id: "y", label: "b" },
      { id: "z", label: "b" },
    ]);
    expect(joined.unmatched).toEqual(["x"]);
    expect(joined.rows.map((r) => r.p_a)).toEqual([0.3, 0.4]);
  });

  it("refuses rows without id and labels without value, changing nothing", () => {
    const joiner = new LabelJoiner({ performance: spec, idColumn: "id" });
    joiner.addPredictions([{ id: "1", pred: "a", p_a: 0.5, p_b: 0.5 }]);
    const e = profileError(() => joiner.addPredictions([{ id: "2", pred: "a" }, { pred: "b" }]));
    expect([e.kind, e.column]).toEqual(["invalid-argument", "id"]);
    expect(joiner.pending).toBe(1);
    const e2 = profileError(() =>
      joiner.joinLabels([
        { id: "1", label: "a" },
        { id: "9", label: null },
      ]),
    );
    expect([e2.kind, e2.column]).toEqual(["invalid-argument", "label"]);
    expect(profileError(() => joiner.joinLabels([{ label: "a" }])).column).toBe("id");
    expect(joiner.pending).toBe(1);
    expect(joiner.joinLabels([{ id: 1, label: "a" }]).rows).toHaveLength(1);
    for (const options of [
      { performance: spec, idColumn: "" },
      { performance: spec, idColumn: "id", maxPending: 0 },
      { performance: spec, idColumn: "id", keep: "ts" },
      { performance: { task: "nope" }, idColumn: "id" },
    ]) {
      expect(profileError(() => new LabelJoiner(options as never)).kind).toBe("invalid-argument");
    }
  });
});

describe("late labels", () => {
  it("a day's predictions plus labels arriving three days later equal logging them together", async () => {
    const { spec, rows, truth, labelRows, repeated, atOnce } = lateLabelScenario();
    const writer = new Collector();
    let now = D + DAY + HOUR;
    const logger = new RollingLogger({
      writers: [writer],
      interval: "day",
      timestampColumn: "ts",
      flushEveryMs: 0,
      clock: () => now,
      performance: spec,
    });
    const joiner = new LabelJoiner({ performance: spec, idColumn: "id", keep: ["ts"] });
    // Predictions arrive in two batches, one as rows and one as columns.
    const first = rows.slice(0, 50);
    const second = rows.slice(50);
    logger.log(first);
    joiner.addPredictions(first);
    logger.log(toColumns(second));
    joiner.addPredictions(toColumns(second));
    expect(joiner.pending).toBe(rows.length);

    now = D + 2 * DAY + 1;
    await logger.flush();
    expect(writer.written.map((w) => [w.info.start, w.info.sequence])).toEqual([
      [D, 0],
      [D + DAY, 0],
    ]);

    now = D + 3 * DAY + 5 * HOUR;
    const joined = joiner.joinLabels(labelRows);
    expect(joined.unmatched.sort()).toEqual([repeated.id, "unknown-1", "unknown-2", "unknown-3"].sort());
    expect(joined.rows).toHaveLength(truth.size);
    expect(joiner.pending).toBe(rows.length - truth.size);
    for (const r of joined.rows) {
      expect(Object.keys(r).sort()).toEqual(["label", "pred", "score", "ts"]);
    }
    logger.logLateLabels(joined.rows);
    await logger.close();

    for (const day of [D, D + DAY]) {
      const views = writer.written.filter((w) => w.info.start === day);
      expect(views.map((w) => w.info.sequence)).toEqual([0, 1]);
      // The late-label profile carries no column data.
      expect(views[1]!.view.columnNames()).toEqual([]);
      expect(views[1]!.view.datasetTimestamp).toBe(day);
      const merged = views.map((w) => w.view).reduce((a, b) => a.merge(b));
      // The same rows in the same batches (column statistics such as m2 round differently per batch), with
      // their labels.
      const at = new DatasetProfile({ performance: spec, datasetTimestamp: day });
      if (atOnce(day, first).length > 0) at.track(atOnce(day, first));
      if (atOnce(day, second).length > 0) at.track(toColumns(atOnce(day, second)));
      const together = at.view();
      expectSamePerformance(merged.performance, together.performance);
      const c = classification(merged);
      expect(c.unlabeled.reduce((a, b) => a + b, 0)).toBe(atOnce(day).filter((r) => !("label" in r)).length);
      expect(c.histograms[0]!.counts.every((n) => n >= 0)).toBe(true);
      // Columns: exactly those of the prediction-day profile, which equal the all-at-once profile's except
      // the label column (the predictions were logged without it).
      expect(columnsOf(merged)).toEqual(columnsOf(views[0]!.view));
      expect(columnsOf(merged)).toEqual(columnsOf(roundTrip(together), ["label"]));
      expect(merged.toSummary()).toEqual(views[0]!.view.toSummary());
      expect(merged.columnNames()).not.toContain("label");
    }
  });

  it("late labels for a bucket still open go into the same profile", async () => {
    const { spec, rows, truth, labelRows, atOnce } = lateLabelScenario();
    const writer = new Collector();
    const logger = new RollingLogger({
      writers: [writer],
      interval: "day",
      timestampColumn: "ts",
      flushEveryMs: 0,
      clock: () => D,
      performance: spec,
    });
    const joiner = new LabelJoiner({ performance: spec, idColumn: "id", keep: ["ts"] });
    logger.log(rows);
    joiner.addPredictions(rows);
    logger.logLateLabels(joiner.joinLabels(labelRows).rows);
    await logger.close();
    expect(writer.written.map((w) => [w.info.start, w.info.sequence])).toEqual([
      [D, 0],
      [D + DAY, 0],
    ]);
    for (const { view, info } of writer.written) {
      const together = new DatasetProfile({ performance: spec }).track(atOnce(info.start)).view();
      expectSamePerformance(view.performance, together.performance);
    }
    expect(truth.size).toBeGreaterThan(0);
  });

  it("works per segment, the segment column kept by the joiner", async () => {
    const { spec, rows, truth, labelRows, atOnce } = lateLabelScenario();
    const segmentation = { columns: ["region"] };
    const writer = new Collector();
    let now = D + 2 * DAY;
    const logger = new RollingLogger({
      writers: [writer],
      interval: "day",
      timestampColumn: "ts",
      flushEveryMs: 0,
      clock: () => now,
      performance: spec,
      segmentation,
    });
    const joiner = new LabelJoiner({ performance: spec, idColumn: "id", keep: ["ts", "region"] });
    logger.log(rows);
    joiner.addPredictions(rows);
    await logger.flush();
    now = D + 5 * DAY;
    const joined = joiner.joinLabels(labelRows);
    expect(joined.rows).toHaveLength(truth.size);
    logger.logLateLabels(joined.rows);
    await logger.close();

    // Direct use of SegmentedProfile, without the logger, for day D.
    const predictions = new SegmentedProfile({ segmentation, performance: spec, datasetTimestamp: D });
    predictions.track(rows.filter((r) => (r.ts as number) < D + DAY));
    const lateJoiner = new LabelJoiner({ performance: spec, idColumn: "id", keep: ["region"] });
    lateJoiner.addPredictions(rows.filter((r) => (r.ts as number) < D + DAY));
    const late = new SegmentedProfile({ segmentation, performance: spec, datasetTimestamp: D });
    late.trackLateLabels(lateJoiner.joinLabels(labelRows).rows);

    let compared = 0;
    for (const day of [D, D + DAY]) {
      const together = new SegmentedProfile({ segmentation, performance: spec }).track(atOnce(day)).views();
      expect(together.map((v) => v.segment![0]!.value).sort()).toEqual(["north", "south"]);
      for (const expected of together) {
        const region = expected.segment![0]!.value;
        const views = writer.written.filter(
          (w) => w.info.start === day && w.view.segment?.[0]?.value === region,
        );
        expect(views.map((w) => w.info.sequence)).toEqual([0, 1]);
        const merged = views.map((w) => w.view).reduce((a, b) => a.merge(b));
        expect(merged.segment).toEqual([{ key: "region", value: region }]);
        expectSamePerformance(merged.performance, expected.performance);
        expect(columnsOf(merged)).toEqual(columnsOf(roundTrip(expected), ["label"]));
        if (day === D) {
          const direct = [...predictions.views(), ...late.views()]
            .filter((v) => v.segment![0]!.value === region)
            .reduce((a, b) => a.merge(b));
          expectSamePerformance(direct.performance, expected.performance);
          expect(columnsOf(direct)).toEqual(columnsOf(expected, ["label"]));
        }
        compared++;
      }
    }
    expect(compared).toBe(4);
  });

  it("a late label for a prediction without one is refused, and regression late labels merge too", () => {
    const spec: PerformanceSpec = { task: "regression", prediction: "yhat", target: "y" };
    const rows = Array.from({ length: 200 }, (_, i) => ({ yhat: (i * 7) % 31, y: (i * 5) % 29 }));
    const predictions = new DatasetProfile({ performance: spec }).track(rows.map(({ yhat }) => ({ yhat })));
    const late = new DatasetProfile({ performance: spec }).trackLateLabels(rows);
    const merged = predictions.view().merge(late.view());
    const together = viewOf(spec, rows);
    expectSameRegression(regression(merged), regression(together));
    expect(regression(late.view()).unlabeled).toBe(-200);
    expect(regression(merged).unlabeled).toBe(0);
    expect(profileError(() => late.trackLateLabels([{ yhat: 1 }])).column).toBe("y");
  });
});

// ---------------------------------------------------------------------------------------------------------
// Defects found while writing this suite, kept as regression tests.

describe("regressions", () => {
  const spec: PerformanceSpec = {
    task: "classification",
    prediction: "pred",
    target: "label",
    scores: "score",
    scoreBins: 10,
  };

  // The tracker writes positive_label "1" (the default) whether or not "1" was seen; the reader used to refuse
  // a positive label that is not among the labels, so the writer produced files its own reader rejected.
  it("a binary window that saw only the negative class deserializes", () => {
    const view = viewOf(spec, [{ pred: 0, label: 0, score: 0.1 }]);
    expect(DatasetProfileView.deserialize(view.serialize()).performance).toEqual(view.performance);
  });

  it("a classifier with text labels and no scores deserializes", () => {
    const view = viewOf({ task: "classification", prediction: "pred", target: "label" }, [
      { pred: "cat", label: "dog" },
    ]);
    expect(DatasetProfileView.deserialize(view.serialize()).performance).toEqual(view.performance);
  });

  // The default positive label is fixed by the first batch, even one without any prediction to infer it from.
  it("the positive label of boolean predictions does not depend on a first all-null batch", () => {
    const p = new DatasetProfile({ performance: spec });
    p.track([{ pred: null, label: null, score: null }]);
    p.track([{ pred: true, label: true, score: 0.9 }]);
    expect(classification(p.view()).positiveLabel).toBe("true");
  });

  // Performance input is validated per segment / per bucket, after earlier segments or buckets were tracked.
  const badBatch = [
    { ts: D, g: "a", pred: 1, label: 1, score: 0.5 },
    { ts: D + DAY, g: "b", pred: 1, label: 1, score: 1.5 },
  ];

  it("a segmented profile rejecting a batch tracks none of it", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["g"] }, performance: spec });
    profileError(() => seg.track(badBatch));
    expect(seg.size).toBe(0);
  });

  it("a rolling logger rejecting a batch tracks none of it", async () => {
    const writer = new Collector();
    const logger = new RollingLogger({
      writers: [writer],
      interval: "day",
      timestampColumn: "ts",
      flushEveryMs: 0,
      performance: spec,
    });
    profileError(() => logger.log(badBatch));
    await logger.close();
    expect(writer.written).toEqual([]);
  });

  // The row number in the error counts within the segment's (or bucket's) share of the batch.
  it("a segmented profile's error names the row of the caller's batch", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["g"] }, performance: spec });
    expect(profileError(() => seg.track(badBatch)).message).toMatch(/row 1\b/);
  });

  // Arrow input: the performance batch (profile.ts, sliceBatch) reads the slices' `values` only, ignoring
  // their validity bitmap (nulls of Int/Float columns read as the buffer's 0) ...
  it("Arrow nulls in numeric label and score columns count as missing", () => {
    const table = new Table({
      pred: vectorFromArray([1, 0, 1], new Int32()),
      label: vectorFromArray([1, null, 0], new Int32()),
      score: vectorFromArray([0.9, null, 0.7], new Float64()),
    });
    const rows = [
      { pred: 1, label: 1, score: 0.9 },
      { pred: 0, label: null, score: null },
      { pred: 1, label: 0, score: 0.7 },
    ];
    expect(viewOf(spec, table).performance).toEqual(viewOf(spec, rows).performance);
  });

  // ... and takes the batch length from the first column's values, which are empty for date/timestamp and
  // null-typed columns: a table starting with a timestamp column tracks no performance at all.
  it("an Arrow table starting with a timestamp column is tracked", () => {
    const table = new Table({
      ts: vectorFromArray([new Date(D), new Date(D + 1)], new TimestampMillisecond()),
      pred: vectorFromArray([1, 0], new Int32()),
      label: vectorFromArray([1, 1], new Int32()),
      score: vectorFromArray([0.875, 0.125], new Float64()),
    });
    expect(classification(viewOf(spec, table)).confusion).toEqual([0, 1, 0, 1]);
  });

  // maxPending evicts the first entry of the id map, which is not the oldest prediction once an id repeats:
  // x@0, y@1, x@2, then z@3, w@4 with maxPending 3 forget x@0 and x@2 instead of x@0 and y@1.
  it("maxPending forgets the oldest predictions even when ids repeat", () => {
    const joiner = new LabelJoiner({
      performance: { task: "classification", prediction: "pred", target: "label" },
      idColumn: "id",
      maxPending: 3,
    });
    for (const id of ["x", "y", "x", "z", "w"]) joiner.addPredictions([{ id, pred: id }]);
    const joined = joiner.joinLabels(["x", "y", "z", "w"].map((id) => ({ id, label: "1" })));
    expect(joined.unmatched).toEqual(["y"]);
  });

  // performanceToProto converts counts with a bare BigInt(): a fractional or NaN count escapes as a RangeError,
  // while the codec promises only ProfileErrors (invalid-argument for what it cannot encode).
  it("encoding a fractional count is a ProfileError", () => {
    const message = viewOf(spec, [{ pred: 1, label: 1, score: 0.5 }]).toMessage();
    const c = classification(message.performance);
    const e = profileError(() =>
      encodeProfileV1({ ...message, performance: { classification: { ...c, confusion: [0.5, 0, 0, 0] } } }),
    );
    expect(e.kind).toBe("invalid-argument");
  });

  it("a rolling logger's error names the row of the caller's batch", () => {
    const logger = new RollingLogger({
      writers: [],
      interval: "day",
      timestampColumn: "ts",
      flushEveryMs: 0,
      performance: spec,
    });
    expect(profileError(() => logger.log(badBatch)).message).toMatch(/row 1\b/);
  });
});

describe("review regressions", () => {
  const scored: PerformanceSpec = { task: "classification", prediction: "p", target: "y", scores: "s" };

  it("a regression batch whose squared errors overflow is refused whole, naming its row", () => {
    const p = new DatasetProfile({ performance: { task: "regression", prediction: "p", target: "y" } });
    p.track([{ p: 1, y: 2 }]);
    const before = p.view().performance;
    const e = profileError(() =>
      p.track([
        { p: 3, y: 3 },
        { p: 1e200, y: 0 },
      ]),
    );
    expect([e.kind, e.row]).toEqual(["invalid-argument", 1]);
    expect(p.view().performance).toEqual(before);
    expect(DatasetProfileView.deserialize(p.view().serialize()).performance).toEqual(before);
  });

  it("a NaN label is refused before it consumes the waiting prediction", () => {
    const joiner = new LabelJoiner({ performance: scored, idColumn: "id" });
    joiner.addPredictions([
      { id: "a", p: 1, s: 0.9, y: null },
      { id: "b", p: 0, s: 0.2, y: null },
    ]);
    const e = profileError(() =>
      joiner.joinLabels([
        { id: "a", y: 1 },
        { id: "b", y: NaN },
      ]),
    );
    expect(e.row).toBe(1);
    expect(joiner.pending).toBe(2);
    expect(joiner.joinLabels([{ id: "a", y: 1 }]).rows).toHaveLength(1);
  });

  it("a segmented profile checks each segment's own state before changing any", () => {
    const seg = new SegmentedProfile({ segmentation: { columns: ["g"] }, performance: scored });
    seg.track([{ g: "x", p: true, y: true, s: 0.8 }]); // segment x: positive label "true"
    const before = seg.views().map((v) => v.performance);
    // Segment y would be fine on its own; segment x refuses 0/1 labels once its positive label is "true".
    const e = profileError(() =>
      seg.track([
        { g: "y", p: 1, y: 1, s: 0.8 },
        { g: "x", p: 0, y: 0, s: 0.1 },
      ]),
    );
    expect(e.message).toMatch(/positiveLabel/);
    expect(seg.size).toBe(1);
    expect(seg.views().map((v) => v.performance)).toEqual(before);
  });

  it("rows that name the label and score but not the prediction are refused, rows of features are not", () => {
    const p = new DatasetProfile({ performance: scored });
    expect(profileError(() => p.track([{ prdiction: 1, y: 1, s: 0.5 }]))).toMatchObject({
      kind: "missing-column",
      column: "p",
    });
    p.track([{ age: 31 }]);
    expect(p.view().performance!.classification!.labels).toEqual([]);
  });
});
