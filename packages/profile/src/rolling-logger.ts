// A long-running logger for services and streams: records are bucketed by their dataset timestamp into
// aligned intervals, one profile per open bucket; closed buckets are flushed to writers on a schedule and on
// close(). Memory is bounded by the number of open buckets (each a fixed-size set of sketches).

import { ProfileError } from "./errors.js";
import { checkRows, columnObjectSlices, isArrowTable } from "./input.js";
import { DatasetProfile, performanceBatch, toEpochMs } from "./profile.js";
import type { DatasetProfileView, TrackInput } from "./profile.js";
import { DatasetSchema } from "./schema.js";
import type { DatasetSchemaOptions } from "./schema.js";
import { SegmentedProfile } from "./segments.js";
import type { SegmentationOptions } from "./segments.js";
import { PerformanceTracker } from "./performance/tracker.js";
import type { PerformanceSpec } from "./performance/tracker.js";

/** Bucket width: a named interval (UTC-aligned) or a custom number of milliseconds (aligned to the epoch). */
export type BucketInterval = "minute" | "hour" | "day" | { readonly ms: number };

/** Where flushed profiles go. A write that throws or rejects is retried at the next flush. */
export interface ProfileWriter {
  write(view: DatasetProfileView, info: BucketInfo): void | Promise<void>;
}

export interface BucketInfo {
  /** Inclusive start and exclusive end of the bucket, epoch ms. */
  readonly start: number;
  readonly end: number;
  /** Increases with every profile flushed for the same bucket (late data yields further profiles). */
  readonly sequence: number;
}

export interface RollingLoggerOptions {
  readonly writers: readonly ProfileWriter[];
  readonly interval?: BucketInterval;
  readonly schema?: DatasetSchema | DatasetSchemaOptions;
  readonly segmentation?: SegmentationOptions;
  /** Model outputs and ground truth to track performance metrics of (see DatasetProfileOptions). */
  readonly performance?: PerformanceSpec;
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Column holding each record's dataset timestamp (Date, epoch ms, or ISO-8601 text). Without it, records
   * take the `timestamp` passed to `log()`, else the clock's current time.
   */
  readonly timestampColumn?: string;
  /** How often closed buckets are flushed, ms (default 60 000; 0 disables the timer). */
  readonly flushEveryMs?: number;
  /** A bucket stays open this long after its end for late records (default 0). */
  readonly allowedLatenessMs?: number;
  /** Open buckets kept at most; beyond it the oldest is flushed early (default 48). */
  readonly maxOpenBuckets?: number;
  /** Time source (default Date.now), e.g. for replaying historical streams. */
  readonly clock?: () => number;
}

// Timers exist in every JavaScript runtime but not in the ES library this package compiles against.
declare function setInterval(handler: () => void, ms: number): unknown;
declare function clearInterval(id: unknown): void;

const NAMED: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

function intervalMs(interval: BucketInterval): number {
  const ms = typeof interval === "string" ? NAMED[interval] : interval?.ms;
  if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 1) {
    throw new ProfileError(
      "invalid-argument",
      `rolling logger: interval must be minute, hour, day or { ms > 0 }`,
    );
  }
  return ms;
}

function timestampOf(v: unknown, column: string, row: number): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === "number") ms = v;
  else if (typeof v === "string") ms = Date.parse(v);
  else ms = NaN;
  if (!Number.isFinite(ms)) {
    throw new ProfileError(
      "invalid-argument",
      `rolling logger: row ${row} has no valid timestamp (expected a Date, epoch milliseconds or ISO-8601 text); nothing from this batch was logged`,
      {
        column,
      },
    );
  }
  return ms;
}

interface Bucket {
  readonly start: number;
  profile: DatasetProfile | SegmentedProfile;
}

interface PendingWrite {
  readonly view: DatasetProfileView;
  readonly info: BucketInfo;
  /** Writers that have not accepted these views yet. */
  writers: ProfileWriter[];
}

/**
 * @example
 * ```ts
 * const logger = new RollingLogger({ interval: "hour", writers: [new LocalFileWriter("./profiles")] });
 * logger.log([{ ts: new Date(), latency: 12.5 }]); // with timestampColumn: "ts"
 * await logger.close(); // flushes every open bucket
 * ```
 */
export class RollingLogger {
  private readonly width: number;
  private readonly writers: readonly ProfileWriter[];
  private readonly schema: DatasetSchema;
  private readonly options: RollingLoggerOptions;
  private readonly clock: () => number;
  private readonly buckets = new Map<number, Bucket>();
  private readonly sequences = new Map<number, number>();
  private pending: PendingWrite[] = [];
  private timer: unknown;
  private closed = false;
  private flushing: Promise<void> = Promise.resolve();
  /** Validates a whole batch against the performance spec before it is split into buckets. */
  private readonly performanceCheck: PerformanceTracker | undefined;

  constructor(options: RollingLoggerOptions) {
    if (options === null || typeof options !== "object" || !Array.isArray(options.writers)) {
      throw new ProfileError(
        "invalid-argument",
        "rolling logger: options.writers must be an array of writers",
      );
    }
    for (const w of options.writers) {
      if (w === null || typeof w !== "object" || typeof (w as ProfileWriter).write !== "function") {
        throw new ProfileError(
          "invalid-argument",
          "rolling logger: every writer needs a write(view, info) method",
        );
      }
    }
    this.options = options;
    this.width = intervalMs(options.interval ?? "hour");
    this.writers = [...options.writers];
    this.schema = DatasetSchema.from(options.schema);
    this.clock = options.clock ?? Date.now;
    this.performanceCheck =
      options.performance === undefined ? undefined : new PerformanceTracker(options.performance);
    const every = options.flushEveryMs ?? 60_000;
    if (!Number.isFinite(every) || every < 0) {
      throw new ProfileError("invalid-argument", "rolling logger: flushEveryMs must be ≥ 0");
    }
    const maxOpen = options.maxOpenBuckets ?? 48;
    if (!Number.isInteger(maxOpen) || maxOpen < 1) {
      throw new ProfileError("invalid-argument", "rolling logger: maxOpenBuckets must be a positive integer");
    }
    if (every > 0) {
      this.timer = setInterval(() => void this.flush().catch(() => undefined), every);
      // Do not keep a Node process alive just for the timer.
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Start of the bucket holding `t`. */
  bucketStart(t: number): number {
    return Math.floor(t / this.width) * this.width;
  }

  /** Number of buckets currently open. */
  get openBuckets(): number {
    return this.buckets.size;
  }

  /**
   * Tracks records. With `timestampColumn` each row goes to the bucket of its own timestamp; otherwise the
   * whole batch goes to the bucket of `timestamp` (default: now). Rejected input changes nothing.
   */
  log(input: TrackInput, options: { readonly timestamp?: number | Date } = {}): void {
    this.route(input, options, false);
  }

  /**
   * Tracks labels that arrived after their predictions (see {@link DatasetProfile.trackLateLabels}). Each row
   * must carry the prediction's own timestamp (its `timestampColumn`, or `timestamp` for the batch), so the
   * labels land in the bucket of their predictions; a bucket already flushed gets a further profile that
   * merges into it downstream.
   */
  logLateLabels(input: TrackInput, options: { readonly timestamp?: number | Date } = {}): void {
    if (this.options.performance === undefined) {
      throw new ProfileError(
        "invalid-argument",
        "rolling logger: logLateLabels needs the performance option",
      );
    }
    this.route(input, options, true);
  }

  private route(input: TrackInput, options: { readonly timestamp?: number | Date }, late: boolean): void {
    if (this.closed)
      throw new ProfileError(
        "invalid-argument",
        "rolling logger: log() after close(); create a new RollingLogger to keep logging",
      );
    if (this.performanceCheck !== undefined) {
      // Rejected whole before any bucket is touched, with row numbers of the caller's batch.
      if (Array.isArray(input)) checkRows(input);
      this.performanceCheck.check(performanceBatch(input), late);
    }
    // Every bucket's share is found first; buckets already open are checked against their own state (a
    // profile's positive label, its labels so far) before any bucket changes.
    const shares = this.sharesOf(input, options);
    for (const [start, batch] of shares) this.buckets.get(start)?.profile.checkPerformance(batch, late);
    for (const [start, batch] of shares) {
      const profile = this.bucketFor(start).profile;
      if (late) profile.trackLateLabels(batch);
      else profile.track(batch);
    }
  }

  /** The batch split by bucket start (rows in their timestamps' buckets, or all in the batch timestamp's). */
  private sharesOf(
    input: TrackInput,
    options: { readonly timestamp?: number | Date },
  ): Map<number, TrackInput> {
    const column = this.options.timestampColumn;
    if (column === undefined || isArrowTable(input)) {
      const t = toEpochMs(options.timestamp, "timestamp", this.clock());
      return new Map([[this.bucketStart(t), input]]);
    }
    if (Array.isArray(input)) {
      const rows = input as readonly Record<string, unknown>[];
      checkRows(rows);
      const groups = new Map<number, Record<string, unknown>[]>();
      for (let i = 0; i < rows.length; i++) {
        const start = this.bucketStart(timestampOf(rows[i]![column], column, i));
        let g = groups.get(start);
        if (g === undefined) groups.set(start, (g = []));
        g.push(rows[i]!);
      }
      return groups;
    }
    const slices = columnObjectSlices(input as Record<string, unknown>);
    const ts = slices.find((s) => s.name === column);
    if (ts === undefined) {
      throw new ProfileError(
        "missing-column",
        "rolling logger: the timestamp column is missing from this batch (set timestampColumn to a column every batch has, or leave it unset and pass log(batch, { timestamp }))",
        {
          column,
        },
      );
    }
    const groups = new Map<number, number[]>();
    for (let i = 0; i < ts.values.length; i++) {
      const start = this.bucketStart(timestampOf(ts.values[i], column, i));
      let g = groups.get(start);
      if (g === undefined) groups.set(start, (g = []));
      g.push(i);
    }
    const shares = new Map<number, TrackInput>();
    for (const [start, rows] of groups) {
      const subset: Record<string, unknown[]> = {};
      for (const s of slices) subset[s.name] = rows.map((i) => s.values[i]);
      shares.set(start, subset);
    }
    return shares;
  }

  private bucketFor(start: number): Bucket {
    let b = this.buckets.get(start);
    if (b !== undefined) return b;
    const common = {
      schema: this.schema,
      datasetTimestamp: start,
      ...(this.options.metadata !== undefined ? { metadata: this.options.metadata } : {}),
      ...(this.options.performance !== undefined ? { performance: this.options.performance } : {}),
    };
    // Bounded memory: too many open buckets (e.g. a replay of old data) flushes the oldest early. Evicted
    // before the new bucket exists, so records are never tracked into a bucket that was already detached.
    const maxOpen = this.options.maxOpenBuckets ?? 48;
    while (this.buckets.size >= maxOpen) this.detach(Math.min(...this.buckets.keys()));
    b = {
      start,
      profile:
        this.options.segmentation !== undefined
          ? new SegmentedProfile({ ...common, segmentation: this.options.segmentation })
          : new DatasetProfile(common),
    };
    this.buckets.set(start, b);
    return b;
  }

  /** Moves a bucket's profile to the write queue; records arriving later start a new profile. */
  private detach(start: number): void {
    const b = this.buckets.get(start);
    if (b === undefined) return;
    this.buckets.delete(start);
    const sequence = this.sequences.get(start) ?? 0;
    this.sequences.set(start, sequence + 1);
    const views = b.profile instanceof SegmentedProfile ? b.profile.views() : [b.profile.view()];
    const info = { start, end: start + this.width, sequence };
    // One entry per view and writer set, so a retry never rewrites what a writer already accepted.
    for (const view of views) this.pending.push({ view, info, writers: [...this.writers] });
  }

  /**
   * Flushes every bucket whose end (plus allowed lateness) has passed, and retries earlier failed writes.
   * Rejects with a ProfileError if some writer still fails; the views stay queued for the next flush.
   */
  flush(): Promise<void> {
    const now = this.clock();
    const lateness = this.options.allowedLatenessMs ?? 0;
    for (const start of [...this.buckets.keys()])
      if (start + this.width + lateness <= now) this.detach(start);
    return this.drain();
  }

  /** Flushes every open bucket and stops the timer. */
  close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.closed = true;
    for (const start of [...this.buckets.keys()]) this.detach(start);
    return this.drain();
  }

  /** Views whose writes have failed and are waiting for a retry. */
  pendingViews(): DatasetProfileView[] {
    return this.pending.map((p) => p.view);
  }

  private drain(): Promise<void> {
    // Serialized: a flush waits for the previous one, so writers never see concurrent calls from us.
    const run = this.flushing.then(() => this.writeAll());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async writeAll(): Promise<void> {
    const queue = this.pending;
    this.pending = [];
    const failures: unknown[] = [];
    for (const p of queue) {
      const failed: ProfileWriter[] = [];
      for (const w of p.writers) {
        try {
          await w.write(p.view, p.info);
        } catch (e) {
          failed.push(w);
          failures.push(e);
        }
      }
      if (failed.length > 0) this.pending.push({ ...p, writers: failed });
    }
    if (failures.length > 0) {
      throw new ProfileError(
        "write-failed",
        `rolling logger: ${failures.length} write(s) failed; the profiles stay queued for the next flush`,
        { cause: failures.length === 1 ? failures[0] : new AggregateError(failures) },
      );
    }
  }
}
