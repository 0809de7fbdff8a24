// Routes parsed batches into profiles: one per time bucket (with --timestamp-column) and per segment (with
// --segment-by). Runs inside every worker; the main thread merges what the workers return. With a performance
// spec every profile also tracks model-performance metrics; with `collect` the values of a few columns of the
// tracked rows are handed back too (the predictions `performance --target-labels` joins labels to).

import { DatasetProfile, DatasetProfileView, ProfileError, SegmentedProfile } from "@sightglass/profile";
import type { PerformanceSpec, SegmentTag, TrackInput } from "@sightglass/profile";
import { CliError } from "../errors.js";
import type { MalformedRecord, RecordBatch } from "../input/types.js";
import { bucketStart, toEpochMillis } from "./timestamps.js";
import type { BucketSize, TimestampUnit } from "./timestamps.js";

export interface PartitionOptions {
  readonly segmentBy?: readonly string[];
  /** More segments than this are folded into one `__other__` segment (and reported). */
  readonly maxSegments?: number;
  readonly timestampColumn?: string;
  readonly bucket?: BucketSize;
  readonly timestampUnit?: TimestampUnit;
  /** Dataset timestamp of an unbucketed profile (epoch ms; default: now). */
  readonly datasetTimestamp?: number;
  /** Creation timestamp written into every profile (epoch ms), so all workers agree. */
  readonly creationTimestamp: number;
  /** Model outputs and ground truth: every profile tracks performance metrics with this spec (plain JSON). */
  readonly performance?: PerformanceSpec;
  /** Columns whose values, for every tracked row, are handed back batch by batch (see CollectedColumns). */
  readonly collect?: readonly string[];
  /** Only collect `collect`'s columns; profile nothing (reading a file of labels). */
  readonly collectOnly?: boolean;
}

/** The collected columns of one batch: those the batch has, values of the rows tracked, in record order. */
export interface CollectedColumns {
  readonly rows: number;
  /** Typed arrays stay typed (a float column stays fractional, as it was when profiled). */
  readonly columns: Readonly<Record<string, ArrayLike<unknown>>>;
}

/**
 * A batch a profile refused (a performance column missing, a score outside [0, 1], …), with the line of the
 * offending record when it is known. The core turns it into a CliError naming the input.
 */
export class TrackFailure extends Error {
  readonly error: ProfileError;
  readonly line: number | undefined;
  constructor(error: ProfileError, line: number | undefined) {
    super(error.message, { cause: error });
    this.name = "TrackFailure";
    this.error = error;
    this.line = line;
  }
}

/** One profile of the output: a bucket (or the whole input) and a segment (or all rows). */
export interface PartitionView {
  /** Bucket start (epoch ms) or null without --timestamp-column. */
  readonly bucketStart: number | null;
  readonly segment: readonly SegmentTag[] | null;
  readonly view: DatasetProfileView;
}

/** Serialized form of a PartitionView, as it crosses from a worker to the main thread. */
export interface SerializedPartition {
  readonly bucketStart: number | null;
  readonly bytes: Uint8Array;
}

/** A batch where each record knows its line: what the partitioner needs to name a rejected record. */
export interface LocatedBatch {
  readonly batch: RecordBatch;
  /** 1-based physical line (or row number) of each record, when the reader knows it. */
  readonly lineOf: (index: number) => number;
}

type Sink = DatasetProfile | SegmentedProfile;

interface ArrowSliceable {
  slice(begin: number, end: number): object;
  getChild(name: string): { get(index: number): unknown } | null;
}

function sliceBatch(batch: RecordBatch, begin: number, end: number): TrackInput {
  switch (batch.kind) {
    case "columns": {
      if (begin === 0 && end === batch.rows) return batch.columns;
      const out: Record<string, ArrayLike<unknown>> = {};
      for (const [name, values] of Object.entries(batch.columns)) {
        out[name] =
          ArrayBuffer.isView(values) && !(values instanceof DataView)
            ? (values as unknown as Float64Array).subarray(begin, end)
            : Array.prototype.slice.call(values, begin, end);
      }
      return out;
    }
    case "rows":
      return begin === 0 && end === batch.rows ? batch.records : batch.records.slice(begin, end);
    case "arrow":
      return (
        begin === 0 && end === batch.rows ? batch.table : (batch.table as ArrowSliceable).slice(begin, end)
      ) as TrackInput;
  }
}

/** `values` at the indices `keep` (all when null), as a copy of the same kind (typed arrays stay typed). */
function pick(values: ArrayLike<unknown>, keep: readonly number[] | null): ArrayLike<unknown> {
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const typed = values as unknown as {
      constructor: new (n: number) => { [i: number]: unknown; length: number };
      slice(): ArrayLike<unknown>;
    };
    if (keep === null) return typed.slice();
    const out = new typed.constructor(keep.length);
    for (let i = 0; i < keep.length; i++) out[i] = values[keep[i]!];
    return out as ArrayLike<unknown>;
  }
  if (keep === null) return Array.prototype.slice.call(values) as unknown[];
  return keep.map((i) => values[i]);
}

/** The values of one column of a batch, by record index (undefined where a record lacks it). */
function columnReader(batch: RecordBatch, name: string): ((i: number) => unknown) | null {
  switch (batch.kind) {
    case "columns": {
      const values = batch.columns[name];
      return values === undefined ? null : (i) => values[i];
    }
    case "rows":
      return (i) => batch.records[i]![name];
    case "arrow": {
      const child = (batch.table as ArrowSliceable).getChild(name);
      return child === null ? null : (i) => child.get(i);
    }
  }
}

export class Partitioner {
  private readonly options: PartitionOptions;
  private readonly sinks = new Map<number | null, Sink>();
  /** Records dropped because their timestamp was missing or unreadable. */
  skipped = 0;
  readonly skippedSamples: MalformedRecord[] = [];
  private readonly maxSamples: number;
  private collected: CollectedColumns[] = [];

  constructor(options: PartitionOptions, maxSamples = 20) {
    this.options = options;
    this.maxSamples = maxSamples;
  }

  /** What `collect` gathered since the last call. */
  takeCollected(): CollectedColumns[] {
    const out = this.collected;
    this.collected = [];
    return out;
  }

  private collect(batch: RecordBatch, keep: readonly number[] | null): void {
    const names = this.options.collect;
    if (names === undefined || names.length === 0) return;
    const columns: Record<string, ArrayLike<unknown>> = {};
    const rows = keep === null ? batch.rows : keep.length;
    const indices = (): readonly number[] => keep ?? Array.from({ length: batch.rows }, (_, i) => i);
    for (const name of names) {
      let values: ArrayLike<unknown>;
      if (batch.kind === "columns") {
        const v = batch.columns[name];
        if (v === undefined) continue;
        values = pick(v, keep);
      } else if (batch.kind === "rows") {
        if (!batch.records.some((r) => Object.prototype.hasOwnProperty.call(r, name))) continue;
        values = indices().map((i) => batch.records[i]![name]);
      } else {
        const child = (batch.table as ArrowSliceable).getChild(name);
        if (child === null) continue;
        values = indices().map((i) => child.get(i) ?? null);
      }
      // A column named __proto__ must become an own property.
      Object.defineProperty(columns, name, {
        value: values,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    this.collected.push({ rows, columns });
  }

  /** Tracks records [begin, end) of a batch into a sink; a refused batch becomes a TrackFailure. */
  private trackInto(
    sink: Sink,
    batch: RecordBatch,
    begin: number,
    end: number,
    lineOf: (i: number) => number,
  ): void {
    try {
      sink.track(sliceBatch(batch, begin, end));
    } catch (e) {
      if (!(e instanceof ProfileError)) throw e;
      // `row` counts from the slice: segmented sinks and rolling loggers validate the whole slice before
      // routing its rows, so it is the slice's row there too.
      const line = e.row !== undefined ? lineOf(begin + e.row) : undefined;
      throw new TrackFailure(e, line);
    }
  }

  private sink(bucket: number | null): Sink {
    let sink = this.sinks.get(bucket);
    if (sink === undefined) {
      const o = this.options;
      const base = {
        creationTimestamp: o.creationTimestamp,
        datasetTimestamp: bucket ?? o.datasetTimestamp ?? o.creationTimestamp,
        ...(o.performance !== undefined ? { performance: o.performance } : {}),
      };
      sink =
        o.segmentBy !== undefined && o.segmentBy.length > 0
          ? new SegmentedProfile({
              ...base,
              segmentation: { columns: o.segmentBy, maxSegments: o.maxSegments ?? 1000, overflow: "other" },
            })
          : new DatasetProfile(base);
      this.sinks.set(bucket, sink);
    }
    return sink;
  }

  track({ batch, lineOf }: LocatedBatch): void {
    const collectOnly = this.options.collectOnly === true;
    if (batch.rows === 0) {
      // A header-only file still declares its columns.
      if (batch.kind === "columns") {
        this.collect(batch, null);
        if (this.options.timestampColumn === undefined && !collectOnly) {
          this.trackInto(this.sink(null), batch, 0, 0, lineOf);
        }
      }
      return;
    }
    const tsColumn = this.options.timestampColumn;
    if (tsColumn === undefined) {
      this.collect(batch, null);
      if (!collectOnly) this.trackInto(this.sink(null), batch, 0, batch.rows, lineOf);
      return;
    }
    const read = columnReader(batch, tsColumn);
    if (read === null) {
      const names =
        batch.kind === "columns"
          ? Object.keys(batch.columns)
          : batch.kind === "arrow"
            ? (batch.table as { schema: { fields: { name: string }[] } }).schema.fields.map((f) => f.name)
            : [];
      throw new CliError(
        "usage",
        `--timestamp-column ${JSON.stringify(tsColumn)} is not a column of the input; it has ${names.slice(0, 30).join(", ")}`,
      );
    }
    const size = this.options.bucket ?? "day";
    const unit = this.options.timestampUnit ?? "auto";
    // Rows arrive mostly in time order: track runs of one bucket as slices instead of gathering rows.
    let runStart = 0;
    let runBucket: number | null = null;
    const collecting = (this.options.collect?.length ?? 0) > 0;
    const kept: number[] = [];
    const flush = (end: number): void => {
      if (runBucket !== null && end > runStart && !collectOnly) {
        this.trackInto(this.sink(runBucket), batch, runStart, end, lineOf);
      }
    };
    for (let i = 0; i < batch.rows; i++) {
      const raw = read(i);
      const ms = toEpochMillis(raw, unit);
      const b = Number.isFinite(ms) ? bucketStart(ms, size) : null;
      if (collecting && b !== null) kept.push(i);
      if (b !== runBucket || b === null) {
        flush(i);
        runStart = b === null ? i + 1 : i;
        runBucket = b;
        if (b === null) this.reject(lineOf(i), raw, tsColumn);
      }
    }
    flush(batch.rows);
    if (collecting) this.collect(batch, kept.length === batch.rows ? null : kept);
  }

  private reject(line: number, raw: unknown, column: string): void {
    this.skipped++;
    if (this.skippedSamples.length < this.maxSamples) {
      const what =
        raw === null || raw === undefined
          ? `no value in timestamp column ${JSON.stringify(column)}`
          : `timestamp column ${JSON.stringify(column)} holds ${JSON.stringify(String(raw).slice(0, 60))}, not a time`;
      this.skippedSamples.push({ line, reason: what });
    }
  }

  /** Every profile, ordered by bucket. */
  views(): PartitionView[] {
    const out: PartitionView[] = [];
    const buckets = [...this.sinks.keys()].sort((a, b) => (a ?? 0) - (b ?? 0));
    for (const bucket of buckets) {
      const sink = this.sinks.get(bucket)!;
      if (sink instanceof SegmentedProfile) {
        for (const view of sink.views())
          out.push({ bucketStart: bucket, segment: view.segment ?? null, view });
      } else {
        out.push({ bucketStart: bucket, segment: null, view: sink.view() });
      }
    }
    return out;
  }

  serialize(): SerializedPartition[] {
    return this.views().map((p) => ({ bucketStart: p.bucketStart, bytes: p.view.serialize() }));
  }
}

/** Merges partitions from several workers (same bucket and segment merge; the order is the workers' order). */
export function mergePartitions(parts: readonly PartitionView[]): PartitionView[] {
  const byKey = new Map<string, PartitionView>();
  for (const p of parts) {
    const key = JSON.stringify([p.bucketStart, p.segment]);
    const seen = byKey.get(key);
    byKey.set(key, seen === undefined ? p : { ...seen, view: seen.view.merge(p.view) });
  }
  return [...byKey.values()].sort(
    (a, b) =>
      (a.bucketStart ?? 0) - (b.bucketStart ?? 0) ||
      segmentName(a.segment).localeCompare(segmentName(b.segment)),
  );
}

export function deserializePartition(p: SerializedPartition): PartitionView {
  const view = DatasetProfileView.deserialize(p.bytes);
  return { bucketStart: p.bucketStart, segment: view.segment ?? null, view };
}

/** `key=value,key=value` (empty for no segment): how the CLI names a segment everywhere. */
export function segmentName(segment: readonly SegmentTag[] | null | undefined): string {
  return (segment ?? []).map((t) => `${t.key}=${t.value}`).join(",");
}
