// Segmented profiling: one profile per distinct combination of segment-column values (plus explicit
// key/values), written the way whylogs writes segments so the files interoperate.

import { ProfileError } from "./errors.js";
import { arrowColumns, checkRows, columnObjectSlices, isArrowTable } from "./input.js";
import type { ColumnSlice } from "./input.js";
import { PerformanceTracker } from "./performance/tracker.js";
import { DatasetProfile, performanceBatch, toEpochMs } from "./profile.js";
import type { DatasetProfileOptions, DatasetProfileView, SegmentTag, TrackInput } from "./profile.js";
import { DatasetSchema } from "./schema.js";
import { pythonStr } from "./util/python-str.js";
import { sha512Hex } from "./util/sha512.js";

/** The key value every over-the-cap segment is folded into when `overflow` is `"other"`. */
export const OTHER_SEGMENT_VALUE = "__other__";

export interface SegmentationOptions {
  /** Columns whose values define the segments, in tag order. */
  readonly columns: readonly string[];
  /** Partition name written as `segp_name` (default: the columns joined by ","). */
  readonly name?: string;
  /** Maximum number of distinct segments (default 1000). */
  readonly maxSegments?: number;
  /**
   * What happens to rows of a new segment once `maxSegments` exist: `"error"` (default) rejects the whole
   * batch with a `segment-limit` ProfileError before tracking any of it; `"other"` tracks them in one extra
   * segment whose key values are all `__other__`.
   */
  readonly overflow?: "error" | "other";
}

export interface SegmentedProfileOptions extends DatasetProfileOptions {
  readonly segmentation: SegmentationOptions;
}

export interface TrackSegmentOptions {
  /** Extra segment keys for the whole batch (whylogs `segment_key_values`); names are sorted. */
  readonly segmentKeyValues?: Readonly<Record<string, string>>;
}

interface Segment {
  readonly tags: SegmentTag[];
  readonly profile: DatasetProfile;
}

/**
 * A profile partitioned by segment columns: one {@link DatasetProfile} per segment, sharing schema and
 * timestamps. `views()` returns one view per segment, each serializing to a whylogs segmented file.
 *
 * @example
 * ```ts
 * const seg = new SegmentedProfile({ segmentation: { columns: ["country"], maxSegments: 200 } });
 * seg.track([{ country: "NO", amount: 12.5 }, { country: "PE", amount: 3 }]);
 * for (const view of seg.views()) upload(view.serialize());
 * ```
 */
export class SegmentedProfile {
  readonly partitionId: string;
  readonly partitionName: string;
  private readonly columns: readonly string[];
  private readonly maxSegments: number;
  private readonly overflow: "error" | "other";
  private readonly schema: DatasetSchema;
  private readonly options: DatasetProfileOptions;
  private readonly segments = new Map<string, Segment>();
  /** Validates a whole batch against the performance spec before any row is routed (tracks nothing itself). */
  private readonly performanceCheck: PerformanceTracker | undefined;

  constructor(options: SegmentedProfileOptions) {
    const seg = options?.segmentation;
    if (seg === undefined || !Array.isArray(seg.columns) || seg.columns.length === 0) {
      throw new ProfileError("invalid-argument", "segmentation.columns must list at least one column");
    }
    for (const c of seg.columns) {
      if (typeof c !== "string" || c === "") {
        throw new ProfileError("invalid-argument", "segmentation.columns must be non-empty strings");
      }
    }
    const max = seg.maxSegments ?? 1000;
    if (!Number.isInteger(max) || max < 1) {
      throw new ProfileError(
        "invalid-argument",
        `segmentation.maxSegments must be a positive integer, got ${max}`,
      );
    }
    if (seg.overflow !== undefined && seg.overflow !== "error" && seg.overflow !== "other") {
      throw new ProfileError("invalid-argument", `segmentation.overflow must be "error" or "other"`);
    }
    this.columns = [...seg.columns];
    this.maxSegments = max;
    this.overflow = seg.overflow ?? "error";
    this.partitionName = seg.name ?? this.columns.join(",");
    // whylogs: mapper id = sha512(sorted column names joined by ","), partition id = sha512(filter id + mapper id).
    this.partitionId = sha512Hex(sha512Hex([...this.columns].sort().join(",")));
    this.schema = DatasetSchema.from(options.schema);
    const now = Date.now();
    const creationTimestamp = toEpochMs(options.creationTimestamp, "creationTimestamp", now);
    this.options = {
      schema: this.schema,
      creationTimestamp,
      datasetTimestamp: toEpochMs(options.datasetTimestamp, "datasetTimestamp", creationTimestamp),
      ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
      ...(options.performance !== undefined ? { performance: options.performance } : {}),
    };
    this.performanceCheck =
      options.performance === undefined ? undefined : new PerformanceTracker(options.performance);
  }

  /** Number of segments seen so far. */
  get size(): number {
    return this.segments.size;
  }

  /** Tracks a batch (same inputs as {@link DatasetProfile.track}); rows are routed to their segments. */
  track(input: TrackInput, options: TrackSegmentOptions = {}): this {
    return this.route(input, options, false);
  }

  /** {@link DatasetProfile.trackLateLabels}, each row routed to its segment (rows must carry the segment columns). */
  trackLateLabels(input: TrackInput, options: TrackSegmentOptions = {}): this {
    if (this.options.performance === undefined) {
      throw new ProfileError(
        "invalid-argument",
        "trackLateLabels needs a profile created with a performance spec",
      );
    }
    return this.route(input, options, true);
  }

  private route(input: TrackInput, options: TrackSegmentOptions, late: boolean, dryRun = false): this {
    const explicit = Object.entries(options.segmentKeyValues ?? {}).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const [k, v] of explicit) {
      if (typeof v !== "string") {
        throw new ProfileError("invalid-argument", `segmentKeyValues ${JSON.stringify(k)} must be a string`);
      }
    }
    const columns = this.toColumns(input);
    // A batch some segment would reject is rejected whole, with row numbers of the caller's batch.
    this.performanceCheck?.check(performanceBatch(input), late);
    const length = columns.size === 0 ? 0 : [...columns.values()][0]!.length;
    const keyColumns = this.columns.map((c) => {
      const values = columns.get(c);
      if (values === undefined) {
        throw new ProfileError("missing-column", "track: the segment column is missing from the input", {
          column: c,
        });
      }
      return {
        values,
        fractional:
          this.schema.declaredType(c) === "fractional" ||
          values instanceof Float64Array ||
          values instanceof Float32Array,
      };
    });

    // Route every row first, so a segment-limit error leaves the profile untouched.
    const rowsOf = new Map<string, { tags: SegmentTag[]; rows: number[] }>();
    let added = 0;
    for (let i = 0; i < length; i++) {
      const values = keyColumns.map((k) => pythonStr(k.values[i], k.fractional));
      let key = JSON.stringify(values);
      let group = rowsOf.get(key);
      if (group === undefined) {
        if (!this.segments.has(key) && this.segments.size + added >= this.maxSegments) {
          if (this.overflow === "error") {
            throw new ProfileError(
              "segment-limit",
              `track: more than ${this.maxSegments} segments (new segment ${values.join(", ")} at row ${i}); ` +
                `raise segmentation.maxSegments or set overflow: "other"`,
            );
          }
          values.fill(OTHER_SEGMENT_VALUE);
          key = JSON.stringify(values);
          group = rowsOf.get(key);
        }
        if (group === undefined) {
          const tags = this.columns.map((c, j) => ({ key: c, value: values[j]! }));
          for (const [k, v] of explicit) tags.push({ key: k, value: v });
          group = { tags, rows: [] };
          rowsOf.set(key, group);
          if (!this.segments.has(key)) added++;
        }
      }
      group.rows.push(i);
    }
    const subsetOf = (rows: readonly number[]): TrackInput => {
      if (Array.isArray(input)) {
        // Rows go to their segment as rows, so absent keys stay absent (not nulls), as when unsegmented.
        const all = input as readonly Record<string, unknown>[];
        return rows.map((i) => all[i]!);
      }
      const subset: Record<string, ArrayLike<unknown>> = {};
      for (const [name, values] of columns) subset[name] = gather(values, rows);
      return subset;
    };
    const fullKeyOf = (key: string) => (explicit.length === 0 ? key : `${key}${JSON.stringify(explicit)}`);
    // What depends on a segment's own state (its positive label, its labels so far) is checked against every
    // existing segment before any is changed.
    const subsets = new Map<string, TrackInput>();
    for (const [key, group] of rowsOf) {
      const subset = subsetOf(group.rows);
      subsets.set(key, subset);
      this.segments.get(fullKeyOf(key))?.profile.checkPerformance(subset, late);
    }
    if (dryRun) return this;
    for (const [key, group] of rowsOf) {
      const fullKey = fullKeyOf(key);
      let segment = this.segments.get(fullKey);
      if (segment === undefined) {
        segment = { tags: group.tags, profile: new DatasetProfile(this.options) };
        this.segments.set(fullKey, segment);
      }
      const subset = subsets.get(key)!;
      if (late) segment.profile.trackLateLabels(subset);
      else segment.profile.track(subset);
    }
    return this;
  }

  /** Throws what `track` (or `trackLateLabels`) would throw for this batch, changing nothing. */
  checkPerformance(input: TrackInput, late = false, options: TrackSegmentOptions = {}): void {
    this.route(input, options, late, true);
  }

  private toColumns(input: TrackInput): Map<string, ArrayLike<unknown>> {
    const out = new Map<string, ArrayLike<unknown>>();
    if (Array.isArray(input)) {
      const rows = input as readonly Record<string, unknown>[];
      checkRows(rows);
      // Only the segment columns are needed to route rows; a row without one is in the `nan` (missing) segment.
      for (const name of this.columns)
        out.set(
          name,
          rows.map((r) => r[name]),
        );
      return out;
    }
    if (isArrowTable(input)) {
      for (const slices of arrowColumns(input)) {
        const values: unknown[] = [];
        for (const s of slices)
          for (let i = 0; i < s.values.length; i++) values.push(isNullAt(s, i) ? null : s.values[i]);
        if (slices[0] !== undefined) out.set(slices[0].name, values);
      }
      return out;
    }
    if (input === null || typeof input !== "object") {
      throw new ProfileError("invalid-argument", "track: expected rows, a column object or an Arrow table");
    }
    for (const s of columnObjectSlices(input as Record<string, unknown>)) out.set(s.name, s.values);
    return out;
  }

  /** One view per segment, tagged and annotated as whylogs segmented profiles are. */
  views(): DatasetProfileView[] {
    const meta: Record<string, string> = { segp_id: this.partitionId, segp_name: this.partitionName };
    if (this.columns.length === 1) meta["segp_col"] = this.columns[0]!;
    else meta["segp_cols"] = this.columns.map((c) => `(${c})`).join("");
    return [...this.segments.values()].map((s) => s.profile.view().withSegment(s.tags, meta));
  }
}

function isNullAt(slice: ColumnSlice, i: number): boolean {
  const bitmap = slice.validity;
  if (bitmap === undefined) return false;
  const at = (slice.validityOffset ?? 0) + i;
  return ((bitmap[at >> 3]! >> (at & 7)) & 1) === 0;
}

function gather(values: ArrayLike<unknown>, rows: readonly number[]): ArrayLike<unknown> {
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const typed = values as unknown as {
      constructor: new (n: number) => { [i: number]: unknown; length: number };
    };
    const out = new typed.constructor(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!];
    return out as ArrayLike<unknown>;
  }
  const out = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!];
  return out;
}
