// The engine plumbing of `performance` in-process: monthly buckets, the performance flags, a spec tracked by the
// partitioner (and refused batches named by file, line and flag), and columns collected for the label join.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseScoreColumns, performanceSpecOf } from "../src/commands/performance-spec.js";
import { ProfilingCore } from "../src/engine/core.js";
import { Partitioner, TrackFailure } from "../src/engine/partitioner.js";
import { profileInputs } from "../src/engine/run.js";
import { bucketEnd, bucketStart } from "../src/engine/timestamps.js";
import { CliError } from "../src/errors.js";
import { detectInput } from "../src/input/detect.js";
import type { DataFormat, DetectedInput } from "../src/input/detect.js";

const dir = mkdtempSync(join(tmpdir(), "sightglass-performance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = { task: "classification", prediction: "p", target: "y", scores: "s" } as const;

describe("monthly buckets", () => {
  it("start on the 1st (UTC) and end where the next month starts", () => {
    expect(bucketStart(Date.UTC(2021, 5, 17, 13), "month")).toBe(Date.UTC(2021, 5, 1));
    expect(bucketStart(Date.UTC(2021, 5, 1), "month")).toBe(Date.UTC(2021, 5, 1));
    expect(bucketStart(Date.UTC(1969, 11, 31, 23), "month")).toBe(Date.UTC(1969, 11, 1));
    expect(bucketEnd(Date.UTC(2021, 11, 1), "month")).toBe(Date.UTC(2022, 0, 1));
    expect(bucketEnd(Date.UTC(2024, 1, 1), "month")).toBe(Date.UTC(2024, 2, 1));
    expect(bucketEnd(Date.UTC(2024, 0, 1), "week")).toBe(Date.UTC(2024, 0, 8));
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 4e12 }), (ms) => {
        const start = bucketStart(ms, "month");
        const end = bucketEnd(start, "month");
        return (
          start <= ms && ms < end && bucketStart(end, "month") === end && new Date(start).getUTCDate() === 1
        );
      }),
    );
  });
});

describe("performance flags", () => {
  it("--score-column: one column, or label=column pairs", () => {
    expect(parseScoreColumns("proba")).toBe("proba");
    expect(parseScoreColumns("a=pa, b=pb")).toEqual({ a: "pa", b: "pb" });
    expect(() => parseScoreColumns("a=pa,b")).toThrow(/not label=column/);
    expect(() => parseScoreColumns("a=pa,a=pb")).toThrow(/twice/);
    expect(() => parseScoreColumns(" ")).toThrow(CliError);
  });

  it("a spec from flags, or a usage error naming what is missing", () => {
    expect(performanceSpecOf({})).toBeUndefined();
    expect(performanceSpecOf({ predictionColumn: "p", labelColumn: "y", scoreColumn: "s" })).toMatchObject(
      spec,
    );
    expect(performanceSpecOf({ predictionColumn: "p", labelColumn: "y", task: "regression" })).toEqual({
      task: "regression",
      prediction: "p",
      target: "y",
    });
    const usage = (f: () => unknown, message: RegExp): void => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        expect((e as CliError).exitCode).toBe(2);
        expect((e as CliError).message).toMatch(message);
      }
    };
    usage(() => performanceSpecOf({ labelColumn: "y" }), /--prediction-column/);
    usage(() => performanceSpecOf({ predictionColumn: "p" }), /--label-column/);
    usage(() => performanceSpecOf({ predictionColumn: "p", labelColumn: "y", task: "ranking" }), /--task/);
    usage(
      () =>
        performanceSpecOf({ predictionColumn: "p", labelColumn: "y", task: "regression", scoreColumn: "s" }),
      /--score-column is for classifiers/,
    );
    usage(
      () =>
        performanceSpecOf({
          predictionColumn: "p",
          labelColumn: "y",
          scoreColumn: "a=x",
          positiveLabel: "a",
        }),
      /--positive-label/,
    );
  });
});

describe("Partitioner with a performance spec", () => {
  it("tracks metrics per bucket and collects the columns of the rows it tracked", () => {
    const p = new Partitioner({
      timestampColumn: "ts",
      bucket: "month",
      creationTimestamp: 0,
      performance: spec,
      collect: ["id", "p", "s", "ts", "absent"],
    });
    p.track({
      batch: {
        kind: "columns",
        rows: 4,
        columns: {
          id: [1, 2, 3, 4],
          ts: ["2021-06-03", null, "2021-07-09", "2021-06-30 23:59"],
          p: new Int32Array([1, 0, 1, 0]),
          s: new Float64Array([0.9, 0.2, 0.7, 0.4]),
          y: [1, 0, null, 1],
        },
      },
      lineOf: (i) => 2 + i,
    });
    const views = p.views();
    expect(views.map((v) => v.bucketStart)).toEqual([Date.UTC(2021, 5, 1), Date.UTC(2021, 6, 1)]);
    const june = views[0]!.view.performance!.classification!;
    expect(june.labels).toEqual(["0", "1"]);
    // predicted 1 / true 1 and predicted 0 / true 1 (row 2 had no timestamp and is not tracked).
    expect(june.confusion).toEqual([0, 1, 0, 1]);
    const july = views[1]!.view.performance!.classification!;
    expect([july.labels, july.unlabeled]).toEqual([["1"], [1]]);
    const [collected] = p.takeCollected();
    expect(collected!.rows).toBe(3);
    expect(Object.keys(collected!.columns)).toEqual(["id", "p", "s", "ts"]);
    expect(collected!.columns["id"]).toEqual([1, 3, 4]);
    expect(collected!.columns["s"]).toBeInstanceOf(Float64Array);
    expect([...(collected!.columns["s"] as Float64Array)]).toEqual([0.9, 0.7, 0.4]);
    expect(p.takeCollected()).toEqual([]);
  });

  it("collectOnly profiles nothing; JSON Lines rows collect the keys some record has", () => {
    const p = new Partitioner({ creationTimestamp: 0, collect: ["id", "y", "z"], collectOnly: true });
    p.track({
      batch: { kind: "rows", rows: 2, records: [{ id: "a", y: 1 }, { id: "b" }] },
      lineOf: (i) => i + 1,
    });
    expect(p.views()).toEqual([]);
    expect(p.takeCollected()).toEqual([{ rows: 2, columns: { id: ["a", "b"], y: [1, undefined] } }]);
  });

  it("a refused batch is a TrackFailure with the record's line; the core names the file and the flag", () => {
    const batch = {
      kind: "columns" as const,
      rows: 3,
      columns: { p: [1, 0, 1], s: [0.5, 0.2, 1.25], y: [1, 0, 1] },
    };
    const p = new Partitioner({ creationTimestamp: 0, performance: spec });
    expect(() => p.track({ batch, lineOf: (i) => 10 + i })).toThrow(TrackFailure);
    try {
      p.track({ batch, lineOf: (i) => 10 + i });
    } catch (e) {
      expect((e as TrackFailure).line).toBe(12);
    }

    const core = new ProfilingCore({
      partition: { creationTimestamp: 0, performance: spec },
      strict: false,
      maxSamples: 20,
    });
    expect(() => core.trackBatch("scores.parquet", batch, 1)).toThrow(
      'scores.parquet:3: performance: score 1.25 is outside [0, 1] (scores are probabilities: pass the model\'s probability, not a logit or a margin) (column "s", --score-column)',
    );
    const missing = { kind: "columns" as const, rows: 1, columns: { p: [1], y: [1] } };
    try {
      core.trackBatch("scores.parquet", missing, 1);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(2);
      expect((e as CliError).message).toBe('--score-column "s" is not a column of scores.parquet');
    }
  });
});

describe("profileInputs with collect", () => {
  it("hands back the collected columns of every chunk in input order, however the file is chunked", async () => {
    const path = join(dir, "scored.csv");
    // Over 1 MiB (one read block), so the file is cut into several chunks.
    const lines = ["id,p,s,y,pad"];
    const pad = "x".repeat(40);
    for (let i = 0; i < 30000; i++)
      lines.push(`${i},${i % 2},${(i % 100) / 100},${i % 3 === 0 ? "" : i % 2},${pad}`);
    writeFileSync(path, `${lines.join("\n")}\n`);
    const input = (await detectInput(path)) as DetectedInput & { format: DataFormat };
    const run = await profileInputs([input], {
      threads: 1,
      chunkBytes: 4096,
      performance: spec,
      collect: ["id", "y"],
    });
    expect(run.collected.length).toBeGreaterThan(1);
    const ids = run.collected.flatMap((c) => Array.from(c.columns["id"]!));
    expect(ids).toEqual(Array.from({ length: 30000 }, (_, i) => i));
    const perf = run.partitions[0]!.view.performance!.classification!;
    expect(perf.unlabeled.reduce((a, b) => a + b, 0)).toBe(10000);
    expect(perf.confusion.reduce((a, b) => a + b, 0)).toBe(20000);
  });
});
