import { DatasetProfile, DatasetProfileView } from "@sightglass/profile";
import type { ClassificationPerformanceMessage, PerformanceMessage } from "@sightglass/profile";
import { describe, expect, it } from "vitest";
import { AnalysisError } from "../src/errors.js";
import { estimatePerformance, isotonicCalibration } from "../src/performance/estimate.js";
import { binnedAveragePrecision, binnedRocAuc } from "../src/performance/histogram.js";
import { classificationFromScoreMatrix, realizedClassification } from "../src/performance/realized.js";
import { performanceReport } from "../src/performance/report.js";
import { normalQuantile } from "../src/stats/normal.js";
import { rng } from "./support/samples.js";

const SPEC = { task: "classification", prediction: "pred", target: "label", scores: "score" } as const;

interface Row {
  pred: number;
  label: number | null;
  score: number;
  group?: string;
}

/** Rows from a calibrated model: P(label = 1 | score) = score, predicted positive at 0.5. */
function calibratedRows(n: number, seed: number, shape = 1): Row[] {
  const r = rng(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const score = Math.pow(r(), shape);
    rows.push({ pred: score >= 0.5 ? 1 : 0, label: r() < score ? 1 : 0, score });
  }
  return rows;
}

function classification(rows: readonly Row[]): ClassificationPerformanceMessage {
  return new DatasetProfile({ performance: SPEC }).track(rows as unknown as Record<string, unknown>[]).view()
    .performance!.classification!;
}

/** scikit-learn's roc_auc_score on raw scores: pairs ordered by score, ties counted ½. */
function exactAuc(scores: readonly number[], labels: readonly number[]): number {
  let num = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] === 1) pos++;
    else neg++;
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] === 1) continue;
      num += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return num / (pos * neg);
}

/** scikit-learn's average_precision_score: Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct thresholds, descending. */
function exactAveragePrecision(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const total = labels.filter((l) => l === 1).length;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < order.length;) {
    const s = scores[order[k]!]!;
    while (k < order.length && scores[order[k]!] === s) {
      if (labels[order[k]!] === 1) tp++;
      else fp++;
      k++;
    }
    const recall = tp / total;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

describe("normalQuantile", () => {
  it("matches tabulated quantiles of the standard normal", () => {
    // Values from any normal table (to 9 digits): Φ⁻¹(0.975), Φ⁻¹(0.995), Φ⁻¹(0.9), Φ⁻¹(0.5), Φ⁻¹(0.001).
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829304, 8);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281551566, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
  });
});

describe("binned ranking metrics", () => {
  it("contain the exact AUC and average precision of any scores inside the bins", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const n = 20 + Math.floor(r() * 200);
      const bins = 1 + Math.floor(r() * 12);
      const scores: number[] = [];
      const labels: number[] = [];
      for (let i = 0; i < n; i++) {
        // Few distinct values per bin in some seeds (ties), continuous in others.
        const s = seed % 2 === 0 ? Math.floor(r() * 30) / 30 : r();
        scores.push(s);
        labels.push(r() < 0.2 + 0.6 * s ? 1 : 0);
      }
      if (!labels.includes(1) || !labels.includes(0)) continue;
      const pos = new Float64Array(bins);
      const neg = new Float64Array(bins);
      scores.forEach((s, i) => {
        const b = Math.min(bins - 1, Math.floor(s * bins));
        if (labels[i] === 1) pos[b]! += 1;
        else neg[b]! += 1;
      });
      const auc = binnedRocAuc(pos, neg);
      const exact = exactAuc(scores, labels);
      expect(exact, `seed ${seed} auc`).toBeGreaterThanOrEqual(auc.lower - 1e-12);
      expect(exact, `seed ${seed} auc`).toBeLessThanOrEqual(auc.upper + 1e-12);
      const ap = binnedAveragePrecision(pos, neg);
      const exactAp = exactAveragePrecision(scores, labels);
      expect(exactAp, `seed ${seed} ap`).toBeGreaterThanOrEqual(ap.lower - 1e-12);
      expect(exactAp, `seed ${seed} ap`).toBeLessThanOrEqual(ap.upper + 1e-12);
    }
  });

  it("equal the exact values when every bin holds one distinct score", () => {
    const r = rng(7);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 500; i++) {
      const s = Math.floor(r() * 10) / 10;
      scores.push(s);
      labels.push(r() < s ? 1 : 0);
    }
    const pos = new Float64Array(10);
    const neg = new Float64Array(10);
    scores.forEach((s, i) => (labels[i] === 1 ? pos : neg)[Math.round(s * 10)]!++);
    expect(binnedRocAuc(pos, neg).value).toBeCloseTo(exactAuc(scores, labels), 12);
    expect(binnedAveragePrecision(pos, neg).value).toBeCloseTo(exactAveragePrecision(scores, labels), 12);
  });

  it("uses the digamma form for long runs without losing precision", () => {
    // One bin with 5000 positives after 300 negatives: the lower bound's run sum is evaluated in closed form.
    const pos = Float64Array.of(0, 5000);
    const neg = Float64Array.of(0, 300);
    let direct = 0;
    for (let j = 1; j <= 5000; j++) direct += j / (300 + j);
    expect(binnedAveragePrecision(pos, neg).lower).toBeCloseTo(direct / 5000, 12);
  });
});

describe("isotonic calibration", () => {
  it("is the weighted least-squares non-decreasing fit (checked against brute-force pooling)", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const bins = 2 + Math.floor(r() * 8);
      const pos = new Float64Array(bins);
      const neg = new Float64Array(bins);
      for (let b = 0; b < bins; b++) {
        if (r() < 0.2) continue; // an empty bin
        pos[b] = Math.floor(r() * 20);
        neg[b] = Math.floor(r() * 20);
      }
      const cal = isotonicCalibration(pos, neg);
      const fitted = [...Array(bins).keys()].filter((b) => pos[b]! + neg[b]! > 0);
      if (fitted.length === 0) {
        expect(cal).toBeNull();
        continue;
      }
      // Brute force: among all ways to cut the fitted bins into consecutive blocks whose means do not
      // decrease, the least-squares one is the isotonic fit.
      let best = Infinity;
      let bestFit: number[] = [];
      const m = fitted.length;
      for (let mask = 0; mask < 1 << (m - 1); mask++) {
        const fit: number[] = [];
        let start = 0;
        let ok = true;
        let prev = -Infinity;
        let sse = 0;
        for (let i = 0; i < m; i++) {
          if (i === m - 1 || (mask >> i) & 1) {
            let p = 0;
            let w = 0;
            for (let j = start; j <= i; j++) {
              p += pos[fitted[j]!]!;
              w += pos[fitted[j]!]! + neg[fitted[j]!]!;
            }
            const mean = p / w;
            if (mean < prev - 1e-15) ok = false;
            prev = mean;
            for (let j = start; j <= i; j++) {
              const b = fitted[j]!;
              const wb = pos[b]! + neg[b]!;
              sse += wb * (pos[b]! / wb - mean) ** 2;
              fit.push(mean);
            }
            start = i + 1;
          }
        }
        if (ok && sse < best - 1e-12) {
          best = sse;
          bestFit = fit;
        }
      }
      fitted.forEach((b, i) =>
        expect(cal!.probability[b], `seed ${seed} bin ${b}`).toBeCloseTo(bestFit[i]!, 12),
      );
      // Non-decreasing everywhere, including interpolated bins.
      for (let b = 1; b < bins; b++)
        expect(cal!.probability[b]!).toBeGreaterThanOrEqual(cal!.probability[b - 1]! - 1e-15);
    }
  });
});

describe("CBPE estimation", () => {
  const reference = classification(calibratedRows(20_000, 1));

  it("reproduces the realized metrics with a zero-width interval when every target label is known", () => {
    const target = classification(calibratedRows(3_000, 2, 1.5));
    const est = estimatePerformance(reference, target)!;
    const real = realizedClassification(target)!;
    expect(est.labelCoverage).toBe(1);
    for (const k of ["accuracy", "precision", "recall", "f1"] as const) {
      expect(est[k].value, k).toBeCloseTo(real[k], 12);
      expect(est[k].upper - est[k].lower, k).toBeLessThan(1e-9);
    }
    expect(est.rocAuc!.value).toBeCloseTo(real.rocAuc!, 12);
  });

  it("estimates an unlabeled window of a calibrated model within its interval, narrowing as labels arrive", () => {
    const rows = calibratedRows(3_000, 3, 2);
    const real = realizedClassification(classification(rows))!;
    const hidden = classification(rows.map((r) => ({ ...r, label: null })));
    const none = estimatePerformance(reference, hidden)!;
    expect(none.labelCoverage).toBe(0);
    expect(none.awaitingLabels).toBe(3_000);
    for (const k of ["accuracy", "precision", "recall", "f1"] as const) {
      expect(real[k], k).toBeGreaterThanOrEqual(none[k].lower);
      expect(real[k], k).toBeLessThanOrEqual(none[k].upper);
    }
    expect(real.rocAuc!).toBeGreaterThanOrEqual(none.rocAuc!.lower);
    expect(real.rocAuc!).toBeLessThanOrEqual(none.rocAuc!.upper);
    const half = classification(rows.map((r, i) => (i % 2 === 0 ? r : { ...r, label: null })));
    const some = estimatePerformance(reference, half)!;
    expect(some.labelCoverage).toBeCloseTo(0.5, 12);
    expect(some.accuracy.upper - some.accuracy.lower).toBeLessThan(none.accuracy.upper - none.accuracy.lower);
    expect(some.rocAuc!.upper - some.rocAuc!.lower).toBeLessThan(none.rocAuc!.upper - none.rocAuc!.lower);
  });

  it("widens intervals by the calibration drift measured on reference windows", () => {
    // Reference windows whose calibration moves: P(label | score) = score shifted by ±0.15.
    const windows: ClassificationPerformanceMessage[] = [];
    for (let w = 0; w < 6; w++) {
      const r = rng(100 + w);
      const shift = w % 2 === 0 ? 0.15 : -0.15;
      const rows: Row[] = [];
      for (let i = 0; i < 2_000; i++) {
        const score = r();
        rows.push({
          pred: score >= 0.5 ? 1 : 0,
          label: r() < Math.min(1, Math.max(0, score + shift)) ? 1 : 0,
          score,
        });
      }
      windows.push(classification(rows));
    }
    const merged = windows.map((c) => ({ classification: c }) as PerformanceMessage);
    const whole = merged.reduce((a, b) => ({
      classification: mergeViaProfiles(a.classification!, b.classification!),
    }));
    const target = classification(calibratedRows(1_000, 9).map((r) => ({ ...r, label: null })));
    const plain = estimatePerformance(whole.classification!, target)!;
    const stable = estimatePerformance(whole.classification!, target, { referenceWindows: windows })!;
    expect(plain.calibrationStability).toBeNull();
    expect(stable.calibrationStability!.windows).toBe(6);
    // A ±0.15 shift of P(label | score) moves precision between 0.6 and 0.88 (∫ of the shifted rate over
    // scores ≥ 0.5), so its windows sit ≈ 0.14 from the pooled calibration's estimate; accuracy barely
    // moves (0.739 either way), so its excess stays small.
    const tau = stable.calibrationStability!.extraStandardError;
    expect(tau["precision"]!).toBeGreaterThan(0.1);
    expect(tau["precision"]!).toBeLessThan(0.2);
    expect(tau["accuracy"]!).toBeLessThan(0.03);
    expect(stable.precision.value).toBe(plain.precision.value);
    expect(stable.precision.upper - stable.precision.lower).toBeGreaterThan(
      3 * (plain.precision.upper - plain.precision.lower),
    );
  });

  it("rejects mismatched histograms and a bad confidence with typed errors", () => {
    const coarse = new DatasetProfile({ performance: { ...SPEC, scoreBins: 10 } })
      .track(calibratedRows(100, 4) as unknown as Record<string, unknown>[])
      .view().performance!.classification!;
    expect(() => estimatePerformance(reference, coarse)).toThrow(AnalysisError);
    expect(() => estimatePerformance(reference, reference, { confidence: 1 })).toThrow(/confidence/);
  });
});

/** Merges through the profile package (what a server does with window profiles). */
function mergeViaProfiles(a: ClassificationPerformanceMessage, b: ClassificationPerformanceMessage) {
  const view = (c: ClassificationPerformanceMessage) =>
    DatasetProfileView.fromMessage({
      datasetTimestamp: 0,
      creationTimestamp: 0,
      tags: new Map(),
      metadata: new Map(),
      columns: new Map(),
      performance: { classification: c },
    });
  return view(a).merge(view(b)).performance!.classification!;
}

describe("segment disparity", () => {
  it("flags a segment the model serves worse, and not segments that differ only by noise", () => {
    const reference = { classification: classification(calibratedRows(10_000, 11)) };
    const good = classification(calibratedRows(2_000, 12));
    const twin = classification(calibratedRows(2_000, 13));
    // The bad segment: labels are noise relative to the scores (recall and accuracy collapse).
    const r = rng(14);
    const bad = classification(
      Array.from({ length: 2_000 }, () => {
        const score = r();
        return { pred: score >= 0.5 ? 1 : 0, label: r() < 0.5 ? 1 : 0, score };
      }),
    );
    const seg = (value: string, c: ClassificationPerformanceMessage) => ({
      segment: [{ key: "group", value }],
      target: { classification: c },
    });
    const noisy = performanceReport({
      reference,
      target: undefined,
      segments: [seg("a", good), seg("b", twin)],
    });
    const acc = noisy.disparity.find((d) => d.metric === "accuracy")!;
    expect(acc.significant).toBe(false);
    const report = performanceReport({
      reference,
      target: undefined,
      segments: [seg("a", good), seg("c", bad)],
    });
    const gap = report.disparity.find((d) => d.metric === "accuracy")!;
    expect(gap.significant).toBe(true);
    expect(gap.lowest.segment[0]!.value).toBe("c");
    expect(gap.gap.lower).toBeGreaterThan(0.1);
  });

  it("leaves segments below minSegmentRows out of the comparison", () => {
    const small = classification(calibratedRows(10, 15));
    const big = classification(calibratedRows(500, 16));
    const report = performanceReport(
      {
        target: undefined,
        segments: [
          { segment: [{ key: "g", value: "s" }], target: { classification: small } },
          { segment: [{ key: "g", value: "b" }], target: { classification: big } },
        ],
      },
      { minSegmentRows: 30 },
    );
    expect(report.segments).toHaveLength(2);
    expect(report.disparity).toHaveLength(0);
  });
});

describe("whylogs v0 score matrices", () => {
  it("read as a confusion matrix, with the None target as awaiting labels", () => {
    const cell = (count: number) => ({ kll: new Uint8Array(0), count, mean: 0, m2: 0 });
    const c = classificationFromScoreMatrix({
      outputFields: [],
      modelType: 1,
      scoreMatrix: {
        labels: ["1", "0", "None"],
        predictionField: "",
        targetField: "",
        scoreField: "",
        // prediction-major: [p=1: t=1, t=0, t=None], [p=0: ...], [p=None: ...]
        cells: [cell(5), cell(2), cell(4), cell(1), cell(7), cell(3), null, null, null],
      },
    })!;
    expect(c.labels).toEqual(["0", "1"]);
    expect(c.confusion).toEqual([7, 1, 2, 5]);
    expect(c.unlabeled).toEqual([3, 4]);
    const real = realizedClassification(c)!;
    expect(real.accuracy).toBeCloseTo(12 / 15, 15);
    expect(real.awaitingLabels).toBe(7);
    expect(real.rocAuc).toBeNull();
  });
});

describe("realized metrics edge cases", () => {
  it("report the score range each calibration row really covers when the bins are not a multiple of 10", () => {
    const c = new DatasetProfile({ performance: { ...SPEC, scoreBins: 7 } })
      .track([0.01, 0.02, 0.05, 0.95].map((score) => ({ pred: score >= 0.5 ? 1 : 0, label: 0, score })))
      .view().performance!.classification!;
    const table = realizedClassification(c)!.calibration[0]!.bins;
    // Histogram bin 0 is [0, 1/7); it holds the three low scores, and its calibration row must say so.
    const low = table.find((b) => b.count === 3)!;
    expect(low.lower).toBe(0);
    expect(low.upper).toBeCloseTo(1 / 7, 15);
    for (const b of table) expect(b.meanScore).toBeGreaterThanOrEqual(b.lower);
  });

  it("keep a 0/1 classifier binary when a label occurs only on a row awaiting its truth", () => {
    const c = new DatasetProfile({
      performance: { task: "classification", prediction: "pred", target: "label" },
    })
      .track({ pred: [1, 1, 0, 0, 1, 2], label: [1, 0, 0, 1, 1, null] })
      .view().performance!.classification!;
    const real = realizedClassification(c)!;
    expect(real.average).toBe("binary");
    expect(real.precision).toBeCloseTo(2 / 3, 15); // scikit-learn on the five labeled rows, pos_label=1
  });
});

describe("disparity under the null", () => {
  it("flags equal segments no more often than 1 − confidence, even picking the extremes of 10", () => {
    // 150 trials × 10 segments of 200 rows with the same calibrated model. Bonferroni over the 45 pairs keeps
    // the family-wise rate ≤ 5%; without it the max–min gap of 10 segments was flagged in ~74% of trials.
    // With a true rate ≤ 5%, P(more than 20 of 150 flagged) < 1e-4 (binomial tail).
    let flagged = 0;
    for (let trial = 0; trial < 150; trial++) {
      const segments = Array.from({ length: 10 }, (_, k) => ({
        segment: [{ key: "g", value: String(k) }],
        target: { classification: classification(calibratedRows(200, 1000 * trial + k)) },
      }));
      const report = performanceReport({ target: undefined, segments });
      if (report.disparity.find((d) => d.metric === "accuracy")!.significant) flagged++;
    }
    expect(flagged).toBeLessThanOrEqual(20);
  });

  it("does not compare a rate resting on a handful of labeled rows", () => {
    const rows = calibratedRows(1000, 21);
    const sparse = classification(rows.map((r, i) => (i === 0 ? r : { ...r, label: null })));
    const full = classification(calibratedRows(1000, 22));
    const report = performanceReport({
      target: undefined,
      segments: [
        { segment: [{ key: "g", value: "sparse" }], target: { classification: sparse } },
        { segment: [{ key: "g", value: "full" }], target: { classification: full } },
      ],
    });
    // Positive rate needs no labels and is compared; accuracy on 1 labeled row is not.
    expect(report.disparity.map((d) => d.metric)).toEqual(["positiveRate"]);
  });
});

describe("windows without labels or scores", () => {
  it("give realized null and no estimate, instead of failing the report", () => {
    const spec = { task: "classification", prediction: "pred", target: "label" } as const;
    const reference = new DatasetProfile({ performance: spec })
      .track([
        { pred: "a", label: "a" },
        { pred: "b", label: "b" },
        { pred: "c", label: "a" },
      ])
      .view().performance!;
    const target = new DatasetProfile({ performance: spec })
      .track([{ pred: "a" }, { pred: "b" }])
      .view().performance!;
    const report = performanceReport({ reference, target });
    expect(report.realized).toBeNull();
    expect(report.estimated).toBeNull();
  });
});
