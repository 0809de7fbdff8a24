// The profiling engine in-process (one thread): time buckets, chunking into whole records, partitioning.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { RecordChunker } from "../src/engine/chunker.js";
import { Partitioner } from "../src/engine/partitioner.js";
import { profileInputs } from "../src/engine/run.js";
import { bucketStart, toEpochMillis } from "../src/engine/timestamps.js";
import { CliError } from "../src/errors.js";
import { detectInput } from "../src/input/detect.js";
import type { DataFormat, DetectedInput } from "../src/input/detect.js";

const dir = mkdtempSync(join(tmpdir(), "sightglass-engine-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("timestamps", () => {
  it("reads ISO text (zone or UTC), epoch numbers by magnitude or unit, and Dates", () => {
    const t = Date.UTC(2024, 4, 1, 13, 45, 30, 250);
    expect(toEpochMillis("2024-05-01T13:45:30.250Z")).toBe(t);
    expect(toEpochMillis("2024-05-01 13:45:30.25")).toBe(t); // no zone: UTC, never local time
    expect(toEpochMillis("2024-05-01T15:45:30.250+02:00")).toBe(t);
    expect(toEpochMillis("2024-05-01T08:15:30.250-0530")).toBe(t);
    expect(toEpochMillis("2024-05-01")).toBe(Date.UTC(2024, 4, 1));
    expect(toEpochMillis(t / 1000)).toBe(t); // seconds
    expect(toEpochMillis(t)).toBe(t); // milliseconds
    expect(toEpochMillis(t * 1000)).toBe(t); // microseconds
    expect(toEpochMillis(BigInt(t) * 1_000_000n)).toBe(t); // nanoseconds
    expect(toEpochMillis(1000, "ms")).toBe(1000);
    expect(toEpochMillis(new Date(t))).toBe(t);
  });

  it("refuses what is not a time", () => {
    for (const v of [
      null,
      undefined,
      "",
      "yesterday",
      "2024-02-30",
      "2024-13-01",
      "2024-05-01T25:00",
      NaN,
      true,
      {},
    ]) {
      expect(toEpochMillis(v), String(v)).toBeNaN();
    }
  });

  it("buckets: hours and days in UTC, weeks from Monday", () => {
    const t = Date.UTC(2024, 0, 3, 17, 59, 59, 999); // a Wednesday
    expect(bucketStart(t, "hour")).toBe(Date.UTC(2024, 0, 3, 17));
    expect(bucketStart(t, "day")).toBe(Date.UTC(2024, 0, 3));
    expect(bucketStart(t, "week")).toBe(Date.UTC(2024, 0, 1));
    expect(bucketStart(Date.UTC(2024, 0, 7, 23), "week")).toBe(Date.UTC(2024, 0, 1)); // Sunday
    expect(bucketStart(Date.UTC(2024, 0, 8), "week")).toBe(Date.UTC(2024, 0, 8)); // Monday
    expect(bucketStart(Date.UTC(1969, 11, 31, 12), "week")).toBe(Date.UTC(1969, 11, 29)); // before the epoch
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), (ms) => {
        const w = bucketStart(ms, "week");
        return new Date(w).getUTCDay() === 1 && w <= ms && ms - w < 7 * 86_400_000;
      }),
    );
  });
});

describe("RecordChunker", () => {
  const text = 'a,b\n1,"x\ny"\n2,"q""\n"\n3,z\n4,w';
  it("cuts only between records, however the input arrives, and numbers the lines", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: text.length }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 12 }),
        (cuts, target) => {
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts)].sort((x, y) => x - y);
          const chunker = new RecordChunker({
            delimiter: ",",
            targetBytes: target,
            maxRecordBytes: 1 << 20,
            firstLine: 1,
            source: "t",
          });
          const chunks: { text: string; line: number }[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            const c = chunker.push(bytes.subarray(at, p));
            if (c) chunks.push({ text: Buffer.from(c.bytes).toString(), line: c.firstLine });
            at = p;
          }
          const last = chunker.end();
          if (last) chunks.push({ text: Buffer.from(last.bytes).toString(), line: last.firstLine });
          expect(chunks.map((c) => c.text).join("")).toBe(text);
          for (const c of chunks) {
            // Every chunk starts a record: at a line the whole-file record starts are on.
            expect(["a,b", "1,", "2,", "3,", "4,"].some((s) => c.text.startsWith(s))).toBe(true);
            expect(text.slice(0, text.indexOf(c.text)).split("\n").length).toBe(c.line);
          }
        },
      ),
    );
  });

  it("fails clearly when a quoted field never closes", () => {
    const chunker = new RecordChunker({
      delimiter: ",",
      targetBytes: 8,
      maxRecordBytes: 64,
      firstLine: 7,
      source: "f.csv",
    });
    expect(chunker.push(Buffer.from('1,"open\n'))).toBeNull();
    let error: unknown;
    try {
      for (let i = 0; i < 20; i++) chunker.push(Buffer.from("more text\n"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(
      /^f\.csv:7: a record \(or a quoted field that is never closed\) longer than/,
    );
  });
});

describe("Partitioner", () => {
  it("routes runs of rows to their buckets and reports rows without a time with their line", () => {
    const p = new Partitioner({ timestampColumn: "ts", bucket: "hour", creationTimestamp: 0 });
    const ts = ["2024-01-01 00:10", "2024-01-01 00:50", "2024-01-01 01:05", null, "junk", "2024-01-01 00:30"];
    p.track({
      batch: { kind: "columns", rows: 6, columns: { ts, v: new Float64Array([1, 2, 3, 4, 5, 6]) } },
      lineOf: (i) => 100 + i,
    });
    const views = p.views();
    expect(views.map((v) => v.bucketStart)).toEqual([Date.UTC(2024, 0, 1, 0), Date.UTC(2024, 0, 1, 1)]);
    const sum = (i: number): unknown => views[i]!.view.toSummary().v!["distribution/mean"];
    expect(sum(0)).toBeCloseTo((1 + 2 + 6) / 3, 12);
    expect(sum(1)).toBe(3);
    expect(views[0]!.view.datasetTimestamp).toBe(Date.UTC(2024, 0, 1, 0));
    expect(p.skipped).toBe(2);
    expect(p.skippedSamples.map((s) => s.line)).toEqual([103, 104]);
    expect(p.skippedSamples[1]!.reason).toContain('"junk"');
  });
});

describe("profileInputs (one thread)", () => {
  async function input(name: string, content: string): Promise<DetectedInput & { format: DataFormat }> {
    const path = join(dir, name);
    writeFileSync(path, content);
    return (await detectInput(path)) as DetectedInput & { format: DataFormat };
  }

  it("profiles several files into one profile and counts malformed records per file", async () => {
    const a = await input("a.csv", "x,y\n1,a\n2,b\n3\n");
    const b = await input("b.jsonl", '{"x": 4, "y": "c"}\nnope\n');
    const run = await profileInputs([a, b], { threads: 1 });
    expect(run.rows).toBe(3);
    expect(run.malformed).toBe(2);
    expect(run.malformedSamples.map((s) => [s.source, s.line])).toEqual([
      [a.path, 4],
      [b.path, 2],
    ]);
    const s = run.partitions[0]!.view.toSummary();
    expect(s.x!["counts/n"]).toBe(3);
    expect(s.x!["distribution/mean"]).toBeCloseTo((1 + 2 + 4) / 3, 12);
  });

  it("--strict turns the first malformed record into an input error naming its line", async () => {
    const a = await input("strict.csv", "x,y\n1,a\n2\n");
    await expect(profileInputs([a], { threads: 1, strict: true })).rejects.toThrow(
      /strict\.csv:3: expected 2 fields, found 1/,
    );
  });
});
