// The CLI's Parquet and Arrow IPC readers (packages/cli/src/input/parquet.ts, arrow.ts) against files that
// pyarrow 25 writes (tests/oracle/columnar_files.py): one generated table with a column per type the readers
// map (floats with nulls and a real NaN, every integer width, int64 beyond 2^53, booleans, unicode strings,
// dictionary-encoded strings, dates, timestamps in three units, times, decimals, lists, structs, an all-null
// column), written with every Parquet codec pyarrow has, with and without dictionary encoding, v1 and v2 data
// pages, REQUIRED columns, several row groups; and as Arrow IPC file and stream (legacy framing too, LZ4 and
// ZSTD buffer compression).
//
// (a) Values: every value the Parquet reader yields equals the value Python generated (exported as JSON),
//     and the containers are the documented ones (typed arrays where the profile's fast path applies). Arrow
//     batches carry the same values.
// (b) Profiles: tracking the batches in a DatasetProfile gives counts/n and counts/null equal to pandas on the
//     same file (NaN and None both null, as whylogs' pandas path counts them), and distribution/mean equal to
//     pandas' mean within floating-point error (pandas sums pairwise, the profile keeps a running mean: the
//     difference is bounded by a few ulps of the largest magnitude, checked as 1e-12 of it plus 1e-9 of the
//     mean).
// (c) Damage: truncated files, bit flips (half of them in the footer/metadata, where they break structure)
//     and non-files must end in a CliError of kind "input" naming the file, or in a successful read (a flipped
//     bit inside a value changes the value: neither format checksums its data). Each case runs in a worker
//     thread with a deadline, so a hang or a fatal V8 error (an array grown past its limit kills the process,
//     it is not an exception) fails the case instead of the suite. Accepted batches are profiled too.
//
// Arrow Decimal columns are counted as objects by the profile (apache-arrow hands out unscaled big-number
// words), so they are left out of the mean check; Parquet decimals are converted by the reader.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile } from "@sightglass/profile";
import { CliError } from "../../packages/cli/src/errors.js";
import { openArrow, type ArrowSource } from "../../packages/cli/src/input/arrow.js";
import { openParquet, type ParquetSource } from "../../packages/cli/src/input/parquet.js";
import type { RecordBatch } from "../../packages/cli/src/input/types.js";
import { createRandom, ok, runOracle } from "./oracle-client.js";
import type { OracleCommand } from "./oracle-client.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");

const ROWS = 2000;
const SEED = 3;
const GROUP_ROWS = 700;

// ---------------------------------------------------------------------------------------------------------
// Python side

type Command = OracleCommand;

/** Runs the commands in columnar_files.py; a command that raised fails here with its Python trace. */
async function runPython(commands: readonly Command[]): Promise<Record<string, unknown>[]> {
  const results = await runOracle(commands, "columnar_files.py");
  results.forEach((r, i) => ok(r, commands[i]!.op));
  return results;
}

type Tagged = { $float: string } | { $int: string } | { $date: number };
type JsonValue = null | boolean | number | string | Tagged | JsonValue[] | { [k: string]: JsonValue };

interface PandasColumn {
  n: number;
  null: number;
  mean: number | { $float: string } | null;
  abs_max: number | null;
}

/** A reader's value in the JSON spelling columnar_files.py uses for the same value. */
function normalize(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { $float: "NaN" };
    if (!Number.isFinite(v)) return { $float: v > 0 ? "Infinity" : "-Infinity" };
    return v;
  }
  if (typeof v === "bigint") return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : { $int: v.toString() };
  if (v instanceof Date) return { $date: v.getTime() };
  if (Array.isArray(v)) return v.map(normalize);
  if (typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normalize(x)]),
    );
  }
  return v as boolean | string;
}

// ---------------------------------------------------------------------------------------------------------
// Files

interface ParquetCase {
  readonly name: string;
  readonly options: Record<string, unknown>;
}

const PARQUET_CASES: readonly ParquetCase[] = [
  { name: "snappy", options: {} },
  { name: "gzip", options: { codec: "gzip" } },
  { name: "zstd", options: { codec: "zstd" } },
  { name: "none", options: { codec: "none" } },
  { name: "brotli", options: { codec: "brotli" } },
  { name: "lz4", options: { codec: "lz4" } },
  { name: "plain", options: { use_dictionary: false } },
  { name: "v2-pages", options: { data_page_version: "2.0" } },
  { name: "v2-zstd-plain", options: { data_page_version: "2.0", codec: "zstd", use_dictionary: false } },
  { name: "required", options: { required: true } },
  { name: "one-group", options: { row_group_size: null } },
  { name: "int96", options: { int96: true } },
];

interface ArrowCase {
  readonly name: string;
  readonly format: "file" | "stream";
  readonly options: Record<string, unknown>;
}

const ARROW_CASES: readonly ArrowCase[] = [
  { name: "file", format: "file", options: {} },
  { name: "stream", format: "stream", options: {} },
  { name: "stream-legacy", format: "stream", options: { legacy: true } },
  { name: "file-lz4", format: "file", options: { compression: "lz4" } },
  { name: "stream-zstd", format: "stream", options: { compression: "zstd" } },
  { name: "file-one-batch", format: "file", options: { batch_size: 1 << 30 } },
];

let dir = "";
let expected: Record<string, JsonValue[]> = {};
const rowGroups = new Map<string, number>();
const arrowBatches = new Map<string, number>();
let pandasParquet: Record<string, PandasColumn> = {};
let pandasArrow: Record<string, PandasColumn> = {};

const parquetPath = (name: string): string => join(dir, `${name}.parquet`);
const arrowPath = (name: string): string => join(dir, `${name}.arrow`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sightglass-columnar-"));
  const commands: Command[] = [
    ...PARQUET_CASES.map((c) => ({
      op: "write_parquet",
      path: parquetPath(c.name),
      rows: ROWS,
      seed: SEED,
      row_group_size: GROUP_ROWS,
      ...c.options,
    })),
    ...ARROW_CASES.map((c) => ({
      op: "write_arrow",
      path: arrowPath(c.name),
      rows: ROWS,
      seed: SEED,
      format: c.format,
      batch_size: GROUP_ROWS,
      ...c.options,
    })),
    { op: "write_parquet", path: parquetPath("empty"), rows: 0, seed: SEED },
    { op: "write_arrow", path: arrowPath("empty-file"), rows: 0, seed: SEED, format: "file" },
    { op: "write_arrow", path: arrowPath("empty-stream"), rows: 0, seed: SEED, format: "stream" },
    { op: "expected", rows: ROWS, seed: SEED },
    { op: "pandas_stats", path: parquetPath("snappy"), format: "parquet" },
    { op: "pandas_stats", path: arrowPath("file"), format: "arrow-file" },
  ];
  const results = await runPython(commands);
  PARQUET_CASES.forEach((c, i) => rowGroups.set(c.name, results[i]!.row_groups as number));
  ARROW_CASES.forEach((c, i) =>
    arrowBatches.set(c.name, results[PARQUET_CASES.length + i]!.batches as number),
  );
  const tail = results.slice(-3);
  expected = (tail[0] as { columns: Record<string, JsonValue[]> }).columns;
  pandasParquet = (tail[1] as { stats: Record<string, PandasColumn> }).stats;
  pandasArrow = (tail[2] as { stats: Record<string, PandasColumn> }).stats;
}, 300_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

async function readAll(source: ParquetSource | ArrowSource): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const batch of source.batches()) out.push(batch);
  return out;
}

function profileOf(batches: readonly RecordBatch[]): Record<string, Record<string, unknown>> {
  const profile = new DatasetProfile();
  for (const b of batches) {
    if (b.kind === "columns") profile.track(b.columns as Record<string, ArrayLike<unknown>>);
    else if (b.kind === "arrow") profile.track(b.table as Parameters<DatasetProfile["track"]>[0]);
    else profile.track(b.records as Record<string, unknown>[]);
  }
  return profile.view().toSummary() as unknown as Record<string, Record<string, unknown>>;
}

const numberOf = (v: number | { $float: string }): number => (typeof v === "number" ? v : Number(v.$float));

/** counts/n, counts/null and distribution/mean of a profile against pandas on the same file. */
function expectLikePandas(
  summary: Record<string, Record<string, unknown>>,
  pandas: Record<string, PandasColumn>,
  noMean: readonly string[] = [],
  noNulls: readonly string[] = [],
): void {
  expect(Object.keys(summary).sort()).toEqual(Object.keys(pandas).sort());
  for (const [name, stats] of Object.entries(pandas)) {
    const column = summary[name]!;
    const nulls = noNulls.includes(name) ? null : stats.null;
    expect({ name, n: column["counts/n"], null: nulls === null ? null : column["counts/null"] }).toEqual({
      name,
      n: stats.n,
      null: nulls,
    });
    if (stats.mean === null || noMean.includes(name)) continue;
    const want = numberOf(stats.mean);
    const got = column["distribution/mean"] as number;
    const tolerance = 1e-12 * (stats.abs_max ?? 0) + 1e-9 * Math.abs(want);
    expect(Math.abs(got - want), `${name}: mean ${got}, pandas ${want}`).toBeLessThanOrEqual(tolerance);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parquet

describe("Parquet reader", () => {
  it.each(PARQUET_CASES.map((c) => [c.name]))(
    "%s: yields every value pyarrow wrote, one unit per row group",
    async (name) => {
      const source = await openParquet(parquetPath(name));
      try {
        const groups = rowGroups.get(name)!;
        expect(source.format).toBe("parquet");
        expect(source.rowCount).toBe(ROWS);
        expect(source.unitCount).toBe(groups);
        expect(source.unitRows.reduce((a, b) => a + b, 0)).toBe(ROWS);
        expect(source.columns).toEqual(Object.keys(expected));
        const batches: RecordBatch[] = [];
        for (let u = 0; u < groups; u++) batches.push(await source.readUnit(u));
        const values: Record<string, JsonValue[]> = {};
        batches.forEach((batch, u) => {
          expect(batch.kind).toBe("columns");
          expect(batch.rows).toBe(source.unitRows[u]);
          if (batch.kind !== "columns") return;
          expect(Object.keys(batch.columns)).toEqual(source.columns);
          for (const [column, array] of Object.entries(batch.columns)) {
            expect(array.length, column).toBe(batch.rows);
            (values[column] ??= []).push(...Array.from(array, normalize));
          }
        });
        for (const column of Object.keys(expected)) expect(values[column], column).toEqual(expected[column]);
        expectLikePandas(profileOf(batches), pandasParquet);
      } finally {
        await source.close();
      }
    },
  );

  it("hands typed arrays to the profile where its fast path applies", async () => {
    const kinds = async (name: string): Promise<Record<string, string>> => {
      const source = await openParquet(parquetPath(name));
      try {
        const batch = await source.readUnit(0);
        if (batch.kind !== "columns") throw new Error("expected columns");
        return Object.fromEntries(Object.entries(batch.columns).map(([k, v]) => [k, v.constructor.name]));
      } finally {
        await source.close();
      }
    };
    for (const name of ["snappy", "required", "v2-pages"]) {
      const k = await kinds(name);
      expect(k, name).toMatchObject({
        f64: "Float64Array",
        f64_nulls: "Float64Array",
        f32: "Float64Array",
        f16: "Float64Array",
        decimal: "Float64Array",
        i32: "Int32Array",
        i64_small: "Int32Array",
        u8: "Int32Array",
        u32: "Uint32Array",
        decimal0: "Int32Array",
        i32_nulls: "Array",
        i64: "Array",
        i64_big: "Array",
        text: "Array",
        date: "Array",
      });
    }
  });

  it("reads row groups in any order and concurrently", async () => {
    const source = await openParquet(parquetPath("zstd"));
    try {
      const order = [2, 0, 1];
      const batches = await Promise.all(order.map((u) => source.readUnit(u)));
      const again = await readAll(source);
      order.forEach((u, i) => expect(normalize(batches[i])).toEqual(normalize(again[u])));
    } finally {
      await source.close();
    }
  });

  it("an empty file has no rows", async () => {
    const source = await openParquet(parquetPath("empty"));
    try {
      expect(source.rowCount).toBe(0);
      const batches = await readAll(source);
      expect(batches.reduce((a, b) => a + b.rows, 0)).toBe(0);
    } finally {
      await source.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Arrow IPC

/** Columns whose Arrow values are compared with Python's (the rest are checked through the profile). */
const ARROW_VALUE_COLUMNS = [
  "f64",
  "f64_nulls",
  "i32_nulls",
  "i64_big",
  "u64",
  "bool_nulls",
  "text_nulls",
  "category",
];
const ARROW_FLOATS = new Set(["f64", "f64_nulls"]);
const ARROW_NO_MEAN = ["decimal", "decimal0"];
const ARROW_NO_NULLS: string[] = [];

function arrowValues(batches: readonly RecordBatch[]): Record<string, JsonValue[]> {
  const out: Record<string, JsonValue[]> = {};
  for (const batch of batches) {
    if (batch.kind !== "arrow") throw new Error(`expected an arrow batch, got ${batch.kind}`);
    const table = batch.table as {
      numRows: number;
      getChild(name: string): { get(i: number): unknown } | null;
    };
    expect(table.numRows).toBe(batch.rows);
    for (const name of ARROW_VALUE_COLUMNS) {
      const vector = table.getChild(name)!;
      for (let i = 0; i < table.numRows; i++) {
        const v = vector.get(i);
        (out[name] ??= []).push(normalize(v === null && ARROW_FLOATS.has(name) ? NaN : v));
      }
    }
  }
  return out;
}

describe("Arrow IPC reader", () => {
  it.each(ARROW_CASES.map((c) => [c.name, c.format]))(
    "%s (%s format): yields every batch pyarrow wrote",
    async (name, format) => {
      const source = await openArrow(arrowPath(name));
      try {
        const batchCount = arrowBatches.get(name)!;
        expect(source.format).toBe("arrow");
        expect(source.layout).toBe(format);
        let batches: RecordBatch[];
        if (format === "file") {
          expect(source.unitCount).toBe(batchCount);
          expect(source.rowCount).toBe(ROWS);
          expect(source.unitRows!.reduce((a, b) => a + b, 0)).toBe(ROWS);
          batches = [];
          for (let u = 0; u < batchCount; u++) batches.push(await source.readUnit(u));
          batches.forEach((b, u) => expect(b.rows).toBe(source.unitRows![u]));
        } else {
          expect(source.unitCount).toBeNull();
          expect(source.rowCount).toBeNull();
          await expect(source.readUnit(0)).rejects.toThrow(/front to back/);
          batches = await readAll(source);
          expect(batches.length).toBe(batchCount);
        }
        expect(batches.reduce((a, b) => a + b.rows, 0)).toBe(ROWS);
        const values = arrowValues(batches);
        for (const column of ARROW_VALUE_COLUMNS) expect(values[column], column).toEqual(expected[column]);
        expectLikePandas(profileOf(batches), pandasArrow, ARROW_NO_MEAN, ARROW_NO_NULLS);
      } finally {
        await source.close();
      }
    },
  );

  it("reads record batches of a file concurrently (one seek at a time)", async () => {
    const source = await openArrow(arrowPath("file-lz4"));
    try {
      const batches = await Promise.all([2, 1, 0, 2].map((u) => source.readUnit(u)));
      expect(batches.map((b) => b.rows)).toEqual([600, 700, 700, 600]);
      expect(arrowValues([batches[2]!, batches[1]!, batches[0]!])).toEqual(
        Object.fromEntries(ARROW_VALUE_COLUMNS.map((c) => [c, expected[c]])),
      );
    } finally {
      await source.close();
    }
  });

  it("empty file and stream have no rows", async () => {
    for (const name of ["empty-file", "empty-stream"]) {
      const source = await openArrow(arrowPath(name));
      try {
        expect((await readAll(source)).reduce((a, b) => a + b.rows, 0)).toBe(0);
        if (source.layout === "file") expect(source.rowCount).toBe(0);
      } finally {
        await source.close();
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Damage

async function expectInputError(promise: Promise<unknown>, path: string, pattern?: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `${path} was read without error`).toBeInstanceOf(CliError);
  expect((error as CliError).kind).toBe("input");
  expect((error as CliError).message).toContain(path);
  if (pattern !== undefined) expect((error as CliError).message).toMatch(pattern);
}

async function drain(open: Promise<ParquetSource | ArrowSource>): Promise<void> {
  const source = await open;
  try {
    await readAll(source);
  } finally {
    await source.close();
  }
}

describe("unreadable inputs", () => {
  it("missing file, directory, empty file, other formats", async () => {
    const missing = join(dir, "missing.parquet");
    await expectInputError(openParquet(missing), missing, /no such file/);
    await expectInputError(openArrow(missing), missing, /no such file/);
    await expectInputError(openParquet(dir), dir, /directory/);
    const empty = join(dir, "empty.bin");
    writeFileSync(empty, "");
    await expectInputError(openParquet(empty), empty);
    await expectInputError(openArrow(empty), empty);
    const csv = join(dir, "data.csv");
    writeFileSync(csv, "a,b\n1,2\n3,4\n5,6\n7,8\n");
    await expectInputError(openParquet(csv), csv, /PAR1/);
    await expectInputError(openArrow(csv), csv, /neither the ARROW1 magic nor an Arrow IPC stream/);
    await expectInputError(drain(openArrow(parquetPath("snappy"))), parquetPath("snappy"));
    await expectInputError(drain(openParquet(arrowPath("file"))), arrowPath("file"));
  });

  it("a stream cut at a batch boundary is refused (no end-of-stream marker)", async () => {
    const cut = join(dir, "cut.arrows");
    const bytes = readFileSync(arrowPath("stream"));
    writeFileSync(cut, bytes.subarray(0, bytes.length - 8)); // without the 8-byte end-of-stream marker
    await expectInputError(openArrow(cut), cut, /end-of-stream marker/);
  });
});

// Each damaged file is read in a worker (the readers and the profile bundled by esbuild), with a deadline.
const HARNESS = `
import { parentPort } from "node:worker_threads";
import { openParquet } from ${JSON.stringify(resolve(repoRoot, "packages/cli/src/input/parquet.ts"))};
import { openArrow } from ${JSON.stringify(resolve(repoRoot, "packages/cli/src/input/arrow.ts"))};
import { CliError } from ${JSON.stringify(resolve(repoRoot, "packages/cli/src/errors.ts"))};
import { DatasetProfile } from ${JSON.stringify(resolve(repoRoot, "packages/profile/src/index.ts"))};
parentPort.on("message", async ({ id, path, format }) => {
  let stage = "read";
  try {
    const source = format === "parquet" ? await openParquet(path) : await openArrow(path);
    let rows = 0;
    try {
      const profile = new DatasetProfile();
      for await (const batch of source.batches()) {
        rows += batch.rows;
        stage = "profile";
        const input = batch.kind === "arrow" ? batch.table : batch.kind === "columns" ? batch.columns : batch.records;
        profile.track(input);
        stage = "read";
      }
      stage = "profile";
      profile.view().toSummary();
    } finally {
      await source.close();
    }
    parentPort.postMessage({ id, outcome: "read", rows });
  } catch (e) {
    const cli = e instanceof CliError;
    parentPort.postMessage({
      id,
      outcome: cli && stage === "read" ? "cli-error" : "other-error",
      kind: cli ? e.kind : undefined,
      message: String(e && e.message),
      stack: String(e && e.stack).slice(0, 800),
    });
  }
});
`;

interface Outcome {
  readonly outcome: "read" | "cli-error" | "other-error" | "hang" | "crash";
  readonly rows?: number;
  readonly kind?: string;
  readonly message?: string;
  readonly stack?: string;
}

class DamageRunner {
  private worker: Worker | null = null;
  private next = 0;
  private readonly waiting = new Map<number, (o: Outcome) => void>();

  constructor(private readonly script: string) {}

  private start(): Worker {
    const worker = new Worker(this.script);
    worker.on("message", (m: Outcome & { id: number }) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
    // Only the current worker's death fails what waits on it (a terminated one exits later).
    worker.on("error", (e) => this.fail(worker, { outcome: "crash", message: String(e) }));
    worker.on("exit", (code) =>
      this.fail(worker, { outcome: "crash", message: `worker exited with ${code}` }),
    );
    return worker;
  }

  private fail(worker: Worker, outcome: Outcome): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const done of this.waiting.values()) done(outcome);
    this.waiting.clear();
  }

  run(path: string, format: "parquet" | "arrow", deadlineMs: number): Promise<Outcome> {
    const worker = (this.worker ??= this.start());
    const id = this.next++;
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.worker = null;
        void worker.terminate();
        done({ outcome: "hang" });
      }, deadlineMs);
      this.waiting.set(id, (o) => {
        clearTimeout(timer);
        done(o);
      });
      worker.postMessage({ id, path, format });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) {
      worker.removeAllListeners("exit");
      await worker.terminate();
    }
  }
}

/** Deterministic positions, so a failing case reproduces. */
function positions(seed: number, size: number, count: number): number[] {
  const random = createRandom(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    // Half in the last 4 KiB (footer, schema), a quarter in the first 2 KiB (headers, first pages).
    const r = random();
    const p =
      r < 0.5
        ? size - 1 - Math.floor(random() * Math.min(4096, size))
        : r < 0.75
          ? Math.floor(random() * Math.min(2048, size))
          : Math.floor(random() * size);
    out.push(p * 8 + Math.floor(random() * 8)); // bit index
  }
  return out;
}

describe("damaged files", () => {
  const DEADLINE_MS = 10_000;
  const FLIPS = 120;
  let runner: DamageRunner;
  let damageDir = "";

  beforeAll(async () => {
    damageDir = join(dir, "damage");
    mkdirSync(damageDir);
    const script = join(damageDir, "harness.mjs");
    const result = await build({
      stdin: { contents: HARNESS, resolveDir: repoRoot, loader: "js" },
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    writeFileSync(script, result.outputFiles[0]!.text);
    runner = new DamageRunner(script);
  }, 120_000);

  afterAll(async () => {
    await runner?.close();
  });

  const FILES: readonly [string, "parquet" | "arrow", () => string][] = [
    ["parquet snappy", "parquet", () => parquetPath("snappy")],
    ["parquet zstd v2 pages", "parquet", () => parquetPath("v2-zstd-plain")],
    ["parquet uncompressed", "parquet", () => parquetPath("none")],
    ["parquet required columns", "parquet", () => parquetPath("required")],
    ["arrow file", "arrow", () => arrowPath("file")],
    ["arrow file lz4", "arrow", () => arrowPath("file-lz4")],
    ["arrow stream", "arrow", () => arrowPath("stream")],
    ["arrow stream zstd", "arrow", () => arrowPath("stream-zstd")],
  ];

  it.each(FILES.map(([name, format, path], i) => [name, format, path, i] as const))(
    "%s: truncations fail with CliError, bit flips fail with CliError or read; nothing hangs or crashes",
    async (_name, format, path, index) => {
      const original = readFileSync(path());
      const size = original.length;
      const damaged = join(damageDir, `case-${index}.${format === "parquet" ? "parquet" : "arrow"}`);
      // The undamaged file reads in full, or the damage cases would test nothing.
      expect(await runner.run(path(), format, DEADLINE_MS)).toMatchObject({ outcome: "read", rows: ROWS });
      const failures: string[] = [];
      const check = async (what: string, mustFail: boolean): Promise<void> => {
        const o = await runner.run(damaged, format, DEADLINE_MS);
        const bad =
          o.outcome === "hang" ||
          o.outcome === "crash" ||
          o.outcome === "other-error" ||
          (o.outcome === "cli-error" && (o.kind !== "input" || !o.message!.includes(damaged))) ||
          (mustFail && o.outcome === "read");
        if (bad) failures.push(`${what}: ${o.outcome} ${o.message ?? ""}\n${o.stack ?? ""}`);
      };

      const cuts = [
        0,
        1,
        7,
        12,
        ...[0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map((f) => Math.floor(size * f)),
        size - 9,
      ];
      for (const cut of [...cuts, size - 4, size - 1]) {
        writeFileSync(damaged, original.subarray(0, cut));
        await check(`truncated to ${cut} of ${size} bytes`, true);
      }
      for (const bit of positions(0x5eed + index, size, FLIPS)) {
        const bytes = Buffer.from(original);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
        writeFileSync(damaged, bytes);
        await check(`bit ${bit & 7} of byte ${bit >> 3} flipped`, false);
      }
      expect(failures, failures.join("\n\n")).toEqual([]);
    },
    300_000,
  );
});
