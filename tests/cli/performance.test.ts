// `sightglass performance` end to end: CBPE estimates and realized metrics on the California-housing split from
// ../shared (labels in a separate file joined by id, monthly windows, profiles instead of data files), and
// generated files for segments and disparity, regression, late labels that match nothing, and bad input.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realizedPerformance } from "@sightglass/analysis";
import { DatasetProfile } from "@sightglass/profile";
import { HOUSING_PERFORMANCE_FLAGS, haveHousing, housingDir, sightglass, tempDir } from "./support.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

interface Interval {
  value: number;
  lower: number;
  upper: number;
  standardError: number;
}

interface PerformanceJson {
  realized: Record<string, unknown> | null;
  estimated: (Record<string, unknown> & { accuracy: Interval; rocAuc: Interval | null }) | null;
  segments: {
    segment: { key: string; value: string }[];
    rows: number;
    realized: Record<string, unknown> | null;
    estimated: Record<string, unknown> | null;
  }[];
  disparity: {
    metric: string;
    source: string;
    highest: { segment: { key: string; value: string }[]; value: number };
    lowest: { segment: { key: string; value: string }[]; value: number };
    gap: Interval;
    significant: boolean;
  }[];
  windows?: {
    start: string;
    end: string;
    realized: Record<string, unknown> | null;
    estimated: (Record<string, unknown> & { accuracy: Interval }) | null;
  }[];
  labels?: { matched: number; unmatched: number };
}

async function performance(args: readonly string[]): Promise<PerformanceJson> {
  const r = await sightglass(["performance", ...args, "--json"]);
  if (r.code !== 0) throw new Error(`performance failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PerformanceJson;
}

/** A small deterministic generator (LCG), so generated files are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Rows of a simple CSV (no quoting: the housing files have none). */
function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const names = header!.split(",");
  return lines.map((l) => {
    const fields = l.split(",");
    return Object.fromEntries(names.map((n, i) => [n, fields[i]!]));
  });
}

describe.skipIf(!haveHousing)(
  `California housing from ../shared${haveHousing ? "" : " (skipped: ../shared/data/california_housing is absent)"}`,
  () => {
    const ref = join(housingDir, "reference.csv");
    const analysis = join(housingDir, "analysis.csv");
    const gt = join(housingDir, "analysis_gt.csv");
    const spec = HOUSING_PERFORMANCE_FLAGS;
    const monthly = ["--timestamp-column", "timestamp", "--window", "month"];

    /** The analysis rows joined with their labels, profiled in-process with the same spec. */
    function realizedInProcess(
      rows: readonly Record<string, string>[],
    ): ReturnType<typeof realizedPerformance> {
      const labels = new Map(readCsv(gt).map((r) => [r["id"], r["clf_target"]]));
      const profile = new DatasetProfile({
        performance: {
          task: "classification",
          prediction: "y_pred",
          target: "clf_target",
          scores: "y_pred_proba",
        },
      });
      profile.track(
        rows.map((r) => ({
          y_pred: Number(r["y_pred"]),
          y_pred_proba: Number(r["y_pred_proba"]),
          clf_target: Number(labels.get(r["id"])),
        })),
      );
      return realizedPerformance(profile.view().performance);
    }

    it("reference vs unlabeled analysis: estimated present, realized null", async () => {
      const report = await performance(["--reference", ref, "--target", analysis, ...spec]);
      expect(report.realized).toBeNull();
      expect(report.estimated).not.toBeNull();
      const e = report.estimated!;
      expect(e["method"]).toBe("cbpe");
      expect(e["rows"]).toBe(8232);
      expect(e["awaitingLabels"]).toBe(8232);
      for (const m of [e.accuracy, e.rocAuc!]) {
        expect(m.lower).toBeLessThanOrEqual(m.value);
        expect(m.value).toBeLessThanOrEqual(m.upper);
        expect(m.value).toBeGreaterThan(0.3);
        expect(m.value).toBeLessThan(1);
      }
      expect(report.segments).toEqual([]);
      expect(report.disparity).toEqual([]);
      expect(report).not.toHaveProperty("windows");
      expect(report).not.toHaveProperty("labels");
    });

    it("--target-labels joined by --id-column: realized equals the labels profiled in-process", async () => {
      const report = await performance([
        "--reference",
        ref,
        "--target",
        analysis,
        ...spec,
        "--target-labels",
        gt,
        "--id-column",
        "id",
      ]);
      expect(report.labels).toEqual({ matched: 8232, unmatched: 0 });
      const expected = realizedInProcess(readCsv(analysis));
      expect(expected).not.toBeNull();
      const got = report.realized!;
      expect(got).not.toBeNull();
      // Counts, and the metrics computed from counts and histograms, are exact.
      for (const key of [
        "task",
        "count",
        "awaitingLabels",
        "labelCoverage",
        "positiveLabel",
        "accuracy",
        "precision",
        "recall",
        "f1",
        "rocAuc",
        "rocAucBounds",
        "prAuc",
        "perClass",
        "confusionMatrix",
        "calibration",
      ]) {
        expect(got[key], key).toEqual((expected as unknown as Record<string, unknown>)[key]);
      }
      expect(got["count"]).toBe(8232);
      expect(got["logLoss"] as number).toBeCloseTo(
        expected!.task === "classification" ? expected!.logLoss! : 0,
        10,
      );
      expect(got["brier"] as number).toBeCloseTo(
        expected!.task === "classification" ? expected!.brier! : 0,
        10,
      );
      // With every label known the estimate is the realized value, with no uncertainty left.
      expect(report.estimated!.accuracy.value).toBeCloseTo(got["accuracy"] as number, 12);
      expect(report.estimated!["awaitingLabels"]).toBe(0);
    });

    it("per monthly window: estimated per month; realized per month equals the month's rows in-process", async () => {
      const unlabeled = await performance(["--reference", ref, "--target", analysis, ...spec, ...monthly]);
      const windows = unlabeled.windows!;
      const months = [...new Set(readCsv(analysis).map((r) => r["timestamp"]!.slice(0, 7)))].sort();
      expect(months).toHaveLength(12);
      expect(windows.map((w) => w.start)).toEqual(months.map((m) => `${m}-01T00:00:00.000Z`));
      for (const [i, w] of windows.entries()) {
        expect(w.realized).toBeNull();
        const next = windows[i + 1];
        if (next !== undefined) expect(w.end).toBe(next.start);
        const a = w.estimated!.accuracy;
        expect(a.lower).toBeLessThanOrEqual(a.value);
        expect(a.value).toBeLessThanOrEqual(a.upper);
      }
      expect(windows.at(-1)!.end).toBe("2022-06-01T00:00:00.000Z");
      // The reference's months widen the intervals by the calibration drift they showed.
      const stability = unlabeled.estimated!["calibrationStability"] as { windows: number } | null;
      expect(stability?.windows).toBeGreaterThanOrEqual(2);

      const labeled = await performance([
        "--reference",
        ref,
        "--target",
        analysis,
        ...spec,
        ...monthly,
        "--target-labels",
        gt,
        "--id-column",
        "id",
      ]);
      const rows = readCsv(analysis);
      for (const [i, w] of labeled.windows!.entries()) {
        const expected = realizedInProcess(rows.filter((r) => r["timestamp"]!.startsWith(months[i]!)));
        expect(w.realized!["count"], months[i]).toBe(expected!.count);
        expect(w.realized!["confusionMatrix"], months[i]).toEqual(
          expected!.task === "classification" ? expected!.confusionMatrix : null,
        );
        expect(w.realized!["rocAuc"], months[i]).toBe(
          expected!.task === "classification" ? expected!.rocAuc : null,
        );
      }
      expect(labeled.realized!["count"]).toBe(8232);
    });

    it("profiles written by `profile --prediction-column …` give the same JSON as the data files", async () => {
      const refDir = join(dir, "ref.profiles");
      const anaDir = join(dir, "ana.profiles");
      for (const [input, out] of [
        [ref, refDir],
        [analysis, anaDir],
      ] as const) {
        const r = await sightglass([
          "profile",
          input,
          ...spec,
          "--timestamp-column",
          "timestamp",
          "--bucket",
          "month",
          "-o",
          out,
        ]);
        expect(r.code, r.stderr).toBe(0);
      }
      const fromData = await sightglass([
        "performance",
        "--reference",
        ref,
        "--target",
        analysis,
        ...spec,
        ...monthly,
        "--json",
      ]);
      const fromProfiles = await sightglass([
        "performance",
        "--reference",
        refDir,
        "--target",
        anaDir,
        "--window",
        "month",
        "--json",
      ]);
      expect(fromProfiles.code, fromProfiles.stderr).toBe(0);
      expect(fromProfiles.stdout).toBe(fromData.stdout);
      // A single profile file works too, and the same flags are accepted (and checked) with profiles.
      const refBin = join(dir, "ref.bin");
      expect((await sightglass(["profile", ref, ...spec, "-o", refBin])).code).toBe(0);
      const whole = await performance(["--reference", refBin, "--target", anaDir, ...spec]);
      const wholeFromData = await performance(["--reference", ref, "--target", analysis, ...spec]);
      expect(whole.estimated!.accuracy).toEqual(wholeFromData.estimated!.accuracy);
    });

    it("prints a table: headline metrics with intervals, label coverage, windows", async () => {
      const r = await sightglass([
        "performance",
        "--reference",
        ref,
        "--target",
        analysis,
        ...spec,
        ...monthly,
        "--target-labels",
        gt,
        "--id-column",
        "id",
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Label coverage: 100\.0%/);
      expect(r.stdout).toMatch(/^metric +realized +estimated +95% interval$/m);
      expect(r.stdout).toMatch(/^accuracy +0\.\d+ +0\.\d+ +0\.\d+ – 0\.\d+$/m);
      expect(r.stdout).toContain("Per month:");
      expect(r.stdout).toMatch(/^2021-06 +720 +100\.0%/m);
    });

    it("bad input: a missing column, --target-labels without --id-column, an id column the labels lack", async () => {
      const missing = await sightglass([
        "performance",
        "--reference",
        ref,
        "--target",
        analysis,
        ...spec.slice(0, 2),
        "--score-column",
        "nope",
        "--label-column",
        "clf_target",
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--score-column "nope" is not a column of .*reference\.csv/);

      const noId = await sightglass([
        "performance",
        "--reference",
        ref,
        "--target",
        analysis,
        ...spec,
        "--target-labels",
        gt,
      ]);
      expect(noId.code).toBe(2);
      expect(noId.stderr).toContain("--target-labels needs --id-column");

      const labelsWithoutId = write("labels-no-id.csv", "key,clf_target\n5832,1\n");
      const r = await sightglass([
        "performance",
        "--reference",
        ref,
        "--target",
        analysis,
        ...spec,
        "--target-labels",
        labelsWithoutId,
        "--id-column",
        "id",
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--id-column "id" is not a column of .*labels-no-id\.csv/);

      const noLabelsInReference = await sightglass([
        "performance",
        "--reference",
        analysis,
        "--target",
        analysis,
        ...spec,
      ]);
      expect(noLabelsInReference.code).toBe(2);
      expect(noLabelsInReference.stderr).toMatch(
        /--label-column "clf_target" is not a column of .*analysis\.csv/,
      );
    });
  },
);

describe("generated files", () => {
  /** A calibrated binary classifier: P(label 1 | score s) = s. `flip` of a segment's labels are inverted. */
  function scoredCsv(
    name: string,
    rows: number,
    options: { seed: number; labels?: boolean; segments?: Record<string, number>; extra?: string } = {
      seed: 1,
    },
  ): string {
    const next = random(options.seed);
    const segments = Object.entries(options.segments ?? { all: 0 });
    const withLabels = options.labels ?? true;
    const lines = [`id,region,score,pred${withLabels ? ",label" : ""}`];
    for (let i = 0; i < rows; i++) {
      const [region, flip] = segments[i % segments.length]!;
      const s = Math.round(next() * 1000) / 1000;
      let label = next() < s ? 1 : 0;
      if (next() < flip) label = 1 - label;
      lines.push(`${i},${region},${s},${s >= 0.5 ? 1 : 0}${withLabels ? `,${label}` : ""}`);
    }
    return write(name, `${lines.join("\n")}\n${options.extra ?? ""}`);
  }
  const spec = ["--prediction-column", "pred", "--score-column", "score", "--label-column", "label"];

  it("--segment-by: the deliberately worse segment shows as a significant disparity", async () => {
    const ref = scoredCsv("seg-ref.csv", 3000, { seed: 7 });
    const target = scoredCsv("seg-target.csv", 3000, {
      seed: 11,
      segments: { north: 0, south: 0, west: 0.45 },
    });
    const report = await performance([
      "--reference",
      ref,
      "--target",
      target,
      ...spec,
      "--segment-by",
      "region",
    ]);
    expect(report.segments.map((s) => s.segment)).toEqual(
      ["north", "south", "west"].map((v) => [{ key: "region", value: v }]),
    );
    for (const s of report.segments) expect(s.rows).toBe(1000);
    const accuracy = report.disparity.find((d) => d.metric === "accuracy")!;
    expect(accuracy.lowest.segment).toEqual([{ key: "region", value: "west" }]);
    expect(accuracy.significant).toBe(true);
    expect(accuracy.gap.lower).toBeGreaterThan(0);
    // The segments' scores look alike: the predicted-positive rate does not differ beyond noise.
    expect(report.disparity.find((d) => d.metric === "positiveRate")!.significant).toBe(false);

    const table = await sightglass([
      "performance",
      "--reference",
      ref,
      "--target",
      target,
      ...spec,
      "--segment-by",
      "region",
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("Per segment:");
    expect(table.stdout).toMatch(/^accuracy +\S+ +region=\w+ [\d.]+ +region=west [\d.]+ .* yes$/m);
  });

  it("late labels by id per segment: unmatched ids are warned about and counted", async () => {
    const ref = scoredCsv("late-ref.csv", 2000, { seed: 3 });
    const target = scoredCsv("late-target.csv", 600, { seed: 5, labels: false, segments: { a: 0, b: 0 } });
    const truth = scoredCsv("late-truth.csv", 600, { seed: 5, segments: { a: 0, b: 0 } });
    // Labels for the first 400 predictions only, plus two ids the target never had and a row without a label.
    const lines = readFileSync(truth, "utf8").trim().split("\n").slice(1, 401);
    const labels = write(
      "late-labels.csv",
      `id,label\n${lines.map((l) => `${l.split(",")[0]},${l.split(",")[4]}`).join("\n")}\n9001,1\n9002,0\n77,\n`,
    );
    const r = await sightglass([
      "performance",
      "--reference",
      ref,
      "--target",
      target,
      ...spec,
      "--segment-by",
      "region",
      "--target-labels",
      labels,
      "--id-column",
      "id",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: 2 labels of .*late-labels\.csv matched no prediction/);
    expect(r.stderr).toMatch(/skipped 1 row of .*late-labels\.csv without an id or a label/);
    const report = JSON.parse(r.stdout) as PerformanceJson;
    // The extra row for id 77 has no label: it is skipped, not counted as unmatched.
    expect(report.labels).toEqual({ matched: 400, unmatched: 2 });
    expect(report.realized!["count"]).toBe(400);
    expect(report.realized!["awaitingLabels"]).toBe(200);
    // Each segment got its own late labels (ids alternate between a and b).
    for (const s of report.segments) {
      expect((s.realized!["count"] as number) + (s.realized!["awaitingLabels"] as number)).toBe(300);
      expect(s.realized!["awaitingLabels"]).toBe(100);
    }
    // Same as the labels given in the target file directly.
    const direct = scoredCsv("late-direct.csv", 600, { seed: 5, segments: { a: 0, b: 0 } });
    const text = readFileSync(direct, "utf8").trim().split("\n");
    writeFileSync(direct, `${text.map((l, i) => (i > 400 ? l.replace(/,[01]$/, ",") : l)).join("\n")}\n`);
    const inFile = await performance([
      "--reference",
      ref,
      "--target",
      direct,
      ...spec,
      "--segment-by",
      "region",
    ]);
    expect(report.realized!["confusionMatrix"]).toEqual(inFile.realized!["confusionMatrix"]);
    expect(report.segments.map((s) => s.realized!["confusionMatrix"])).toEqual(
      inFile.segments.map((s) => s.realized!["confusionMatrix"]),
    );
  });

  it("--task regression: error metrics from prediction and label, no estimate", async () => {
    const next = random(5);
    const lines = ["y_hat,y"];
    let abs = 0;
    let sq = 0;
    for (let i = 0; i < 500; i++) {
      const y = Math.round(next() * 10000) / 100;
      const e = Math.round((next() - 0.5) * 400) / 100;
      lines.push(`${y + e},${y}`);
      abs += Math.abs(y + e - y);
      sq += (y + e - y) ** 2;
    }
    const file = write("regression.csv", `${lines.join("\n")}\n`);
    const args = ["--task", "regression", "--prediction-column", "y_hat", "--label-column", "y"];
    const report = await performance(["--target", file, ...args]);
    expect(report.estimated).toBeNull();
    expect(report.realized!["task"]).toBe("regression");
    expect(report.realized!["count"]).toBe(500);
    expect(report.realized!["mae"] as number).toBeCloseTo(abs / 500, 9);
    expect(report.realized!["mse"] as number).toBeCloseTo(sq / 500, 9);
    const withReference = await sightglass(["performance", "--reference", file, "--target", file, ...args]);
    expect(withReference.code).toBe(0);
    expect(withReference.stdout).toMatch(/^MAE +[\d.]+$/m);
    const withScore = await sightglass(["performance", "--target", file, ...args, "--score-column", "y"]);
    expect(withScore.code).toBe(2);
    expect(withScore.stderr).toContain("--score-column is for classifiers");
  });

  it("bad input: a score outside [0, 1], a profile without metrics, a profile target with --target-labels", async () => {
    const bad = write("bad-score.csv", "id,score,pred,label\n1,0.9,1,1\n2,0.2,0,0\n3,1.5,1,1\n");
    const r = await sightglass(["performance", "--reference", bad, "--target", bad, ...spec]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /bad-score\.csv:4: .*score 1\.5 is outside \[0, 1\] .*\(column "score", --score-column\)/,
    );
    expect(r.stderr).not.toContain("internal error");
    // The same through worker threads.
    const threaded = await sightglass([
      "performance",
      "--reference",
      bad,
      "--target",
      bad,
      ...spec,
      "--threads",
      "2",
    ]);
    expect(threaded.code).toBe(3);
    expect(threaded.stderr).toMatch(/bad-score\.csv:4: .*outside \[0, 1\]/);

    const good = scoredCsv("plain.csv", 200, { seed: 2 });
    const plain = join(dir, "plain.bin");
    expect((await sightglass(["profile", good, "-o", plain])).code).toBe(0);
    const noMetrics = await sightglass(["performance", "--reference", good, "--target", plain, ...spec]);
    expect(noMetrics.code).toBe(3);
    expect(noMetrics.stderr).toMatch(/plain\.bin carries no performance metrics/);

    const withMetrics = join(dir, "with-metrics.bin");
    const profiled = await sightglass(["profile", good, ...spec, "-o", withMetrics]);
    expect(profiled.code, profiled.stderr).toBe(0);
    const labels = write("some-labels.csv", "id,label\n1,1\n");
    const profileTarget = await sightglass([
      "performance",
      "--reference",
      good,
      "--target",
      withMetrics,
      ...spec,
      "--target-labels",
      labels,
      "--id-column",
      "id",
    ]);
    expect(profileTarget.code).toBe(2);
    expect(profileTarget.stderr).toContain("the target must be a data file");

    const multiclassWithPositive = await sightglass([
      "profile",
      good,
      "--prediction-column",
      "pred",
      "--label-column",
      "label",
      "--score-column",
      "0=score,1=score",
      "--positive-label",
      "1",
    ]);
    expect(multiclassWithPositive.code).toBe(2);
    expect(multiclassWithPositive.stderr).toContain("--positive-label applies to a binary classifier");
  });

  it("multiclass scores as label=column pairs; JSON Lines without a column is a usage error", async () => {
    const next = random(9);
    const rows: string[] = [];
    for (let i = 0; i < 900; i++) {
      const p = [next(), next(), next()];
      const sum = p[0]! + p[1]! + p[2]!;
      const probs = p.map((x) => Math.round((x / sum) * 1000) / 1000);
      const truth = ["a", "b", "c"][next() < probs[0]! ? 0 : next() < 0.5 ? 1 : 2]!;
      const pred = ["a", "b", "c"][probs.indexOf(Math.max(...probs))]!;
      rows.push(JSON.stringify({ pred, truth, pa: probs[0], pb: probs[1], pc: probs[2] }));
    }
    const file = write("multi.jsonl", `${rows.join("\n")}\n`);
    const args = [
      "--prediction-column",
      "pred",
      "--label-column",
      "truth",
      "--score-column",
      "a=pa,b=pb,c=pc",
    ];
    const report = await performance(["--reference", file, "--target", file, ...args]);
    expect(report.realized!["average"]).toBe("macro");
    expect(report.estimated!["average"]).toBe("macro");
    expect((report.estimated!["perClass"] as unknown[]).length).toBe(3);
    const missing = await sightglass([
      "performance",
      "--reference",
      file,
      "--target",
      file,
      ...args.slice(0, 4),
      "--score-column",
      "a=pa,b=pb,c=nope",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--score-column "nope" is not a column of .*multi\.jsonl/);
  });

  it("a regression whose squared errors overflow a double is refused with its line, also with workers", async () => {
    const path = write("overflow.csv", "p,y\n1,2\n1e200,0\n3,3\n");
    for (const threads of ["1", "2"]) {
      const r = await sightglass([
        "profile",
        path,
        "--task",
        "regression",
        "--prediction-column",
        "p",
        "--label-column",
        "y",
        "--threads",
        threads,
        "-o",
        join(dir, `overflow-${threads}.bin`),
      ]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/overflow\.csv:3: .*beyond the range of a double/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
    }
  });
});
