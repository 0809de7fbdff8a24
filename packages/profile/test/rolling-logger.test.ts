import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProfileError, RollingLogger } from "../src/index.js";
import type { BucketInfo, ProfileWriter, DatasetProfileView } from "../src/index.js";
import { LocalFileWriter, readProfileFile } from "../src/node/index.js";

const HOUR = 3_600_000;
const T0 = Date.parse("2024-05-01T00:00:00Z");

/** Keeps what it is given, in memory: a real writer for tests that inspect the output. */
class CollectingWriter implements ProfileWriter {
  readonly written: { view: DatasetProfileView; info: BucketInfo }[] = [];
  write(view: DatasetProfileView, info: BucketInfo): void {
    this.written.push({ view, info });
  }
  total(column: string): number {
    return this.written.reduce(
      (acc, w) => acc + ((w.view.toSummary()[column]?.["counts/n"] as number) ?? 0),
      0,
    );
  }
}

/** Fails its first `failures` writes, as a flaky network writer would. */
class FlakyWriter extends CollectingWriter {
  constructor(private failures: number) {
    super();
  }
  override write(view: DatasetProfileView, info: BucketInfo): void {
    if (this.failures-- > 0) throw new Error("connection reset");
    super.write(view, info);
  }
}

describe("RollingLogger", () => {
  it("buckets rows by their own timestamps, aligned to the interval", async () => {
    const w = new CollectingWriter();
    let now = T0 + 3 * HOUR;
    const logger = new RollingLogger({
      writers: [w],
      interval: "hour",
      timestampColumn: "ts",
      flushEveryMs: 0,
      clock: () => now,
    });
    logger.log([
      { ts: T0 + 10, x: 1 },
      { ts: new Date(T0 + HOUR + 5), x: 2 },
      { ts: "2024-05-01T00:59:59.999Z", x: 3 },
      { ts: T0 + 2 * HOUR, x: 4 },
    ]);
    expect(logger.openBuckets).toBe(3);
    now = T0 + 2 * HOUR + 1; // the first two hours have closed
    await logger.flush();
    expect(
      w.written.map((x) => [x.info.start, x.view.datasetTimestamp, x.view.toSummary().x!["counts/n"]]),
    ).toEqual([
      [T0, T0, 2],
      [T0 + HOUR, T0 + HOUR, 1],
    ]);
    expect(logger.openBuckets).toBe(1);
    await logger.close();
    expect(w.total("x")).toBe(4);
  });

  it("loses no records when data keeps arriving for a flushed bucket", async () => {
    const w = new CollectingWriter();
    const now = T0 + 10 * HOUR;
    const logger = new RollingLogger({
      writers: [w],
      timestampColumn: "ts",
      flushEveryMs: 0,
      clock: () => now,
    });
    let logged = 0;
    for (let round = 0; round < 5; round++) {
      const batch = Array.from({ length: 1000 }, (_, i) => ({ ts: T0 + ((i * 7919) % (3 * HOUR)), x: i }));
      logger.log(batch);
      logged += batch.length;
      await logger.flush();
    }
    await logger.close();
    expect(w.total("x")).toBe(logged);
    // Late data for the same bucket comes out as further profiles with increasing sequence numbers.
    const seqs = w.written.filter((x) => x.info.start === T0).map((x) => x.info.sequence);
    expect(seqs).toEqual([0, 1, 2, 3, 4]);
  });

  it("bounds open buckets by flushing the oldest early", async () => {
    const w = new CollectingWriter();
    const logger = new RollingLogger({
      writers: [w],
      timestampColumn: "ts",
      flushEveryMs: 0,
      maxOpenBuckets: 3,
      clock: () => T0,
    });
    logger.log(Array.from({ length: 10 }, (_, h) => ({ ts: T0 - h * HOUR, x: h })));
    expect(logger.openBuckets).toBe(3);
    await logger.close();
    expect(w.total("x")).toBe(10);
  });

  it("keeps failed writes queued and retries them at the next flush", async () => {
    const w = new FlakyWriter(1);
    const logger = new RollingLogger({ writers: [w], flushEveryMs: 0, clock: () => T0 });
    logger.log({ x: [1, 2, 3] });
    const first = await logger.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(ProfileError);
    expect((first as ProfileError).kind).toBe("write-failed");
    expect(logger.pendingViews()).toHaveLength(1);
    await logger.flush();
    expect(logger.pendingViews()).toHaveLength(0);
    expect(w.total("x")).toBe(3);
  });

  it("flushes closed buckets on its own schedule", async () => {
    const w = new CollectingWriter();
    let now = T0;
    const logger = new RollingLogger({
      writers: [w],
      interval: { ms: 50 },
      flushEveryMs: 10,
      clock: () => now,
    });
    logger.log({ x: [1, 2] });
    now = T0 + 60;
    await expect.poll(() => w.written.length, { timeout: 2000 }).toBe(1);
    await logger.close();
  });

  it("segments each bucket when asked", async () => {
    const w = new CollectingWriter();
    const logger = new RollingLogger({
      writers: [w],
      flushEveryMs: 0,
      clock: () => T0,
      segmentation: { columns: ["region"] },
    });
    logger.log([
      { region: "eu", x: 1 },
      { region: "us", x: 2 },
      { region: "eu", x: 3 },
    ]);
    await logger.close();
    expect(w.written.map((x) => [x.view.segment![0]!.value, x.view.toSummary().x!["counts/n"]])).toEqual([
      ["eu", 2],
      ["us", 1],
    ]);
  });

  it("rejects rows without a valid timestamp before tracking any", () => {
    const logger = new RollingLogger({ writers: [], timestampColumn: "ts", flushEveryMs: 0 });
    expect(() =>
      logger.log([
        { ts: T0, x: 1 },
        { ts: "yesterday", x: 2 },
      ]),
    ).toThrow(/row 1/);
    expect(logger.openBuckets).toBe(0);
  });
});

describe("LocalFileWriter", () => {
  const dir = mkdtempSync(join(tmpdir(), "sightglass-rolling-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes one readable whylogs file per flushed bucket", async () => {
    const logger = new RollingLogger({
      writers: [new LocalFileWriter(dir, { baseName: "service" })],
      timestampColumn: "ts",
      flushEveryMs: 0,
      clock: () => T0 + 5 * HOUR,
    });
    logger.log([
      { ts: T0, latency: 12.5 },
      { ts: T0 + HOUR, latency: 7 },
      { ts: T0 + HOUR + 1, latency: 9 },
    ]);
    await logger.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["service.2024-05-01_00-00-00.0.bin", "service.2024-05-01_01-00-00.0.bin"]);
    const second = await readProfileFile(join(dir, files[1]!));
    expect(second.toSummary().latency!["counts/n"]).toBe(2);
    expect(second.datasetTimestamp).toBe(T0 + HOUR);
  });
});
