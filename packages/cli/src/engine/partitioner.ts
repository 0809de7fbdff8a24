// Routes parsed batches into profiles: one per time bucket (with --timestamp-column) and per segment (with
// --segment-by). Runs inside every worker; the main thread merges what the workers return.

import { DatasetProfile, DatasetProfileView, SegmentedProfile } from "@sightglass/profile";
import type { SegmentTag, TrackInput } from "@sightglass/profile";
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

  constructor(options: PartitionOptions, maxSamples = 20) {
    this.options = options;
    this.maxSamples = maxSamples;
  }

  private sink(bucket: number | null): Sink {
    let sink = this.sinks.get(bucket);
    if (sink === undefined) {
      const o = this.options;
      const base = {
        creationTimestamp: o.creationTimestamp,
        datasetTimestamp: bucket ?? o.datasetTimestamp ?? o.creationTimestamp,
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
    if (batch.rows === 0) {
      // A header-only file still declares its columns.
      if (batch.kind === "columns" && this.options.timestampColumn === undefined) {
        this.sink(null).track(batch.columns);
      }
      return;
    }
    const tsColumn = this.options.timestampColumn;
    if (tsColumn === undefined) {
      this.sink(null).track(sliceBatch(batch, 0, batch.rows));
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
    const flush = (end: number): void => {
      if (runBucket !== null && end > runStart) this.sink(runBucket).track(sliceBatch(batch, runStart, end));
    };
    for (let i = 0; i < batch.rows; i++) {
      const raw = read(i);
      const ms = toEpochMillis(raw, unit);
      const b = Number.isFinite(ms) ? bucketStart(ms, size) : null;
      if (b !== runBucket || b === null) {
        flush(i);
        runStart = b === null ? i + 1 : i;
        runBucket = b;
        if (b === null) this.reject(lineOf(i), raw, tsColumn);
      }
    }
    flush(batch.rows);
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
