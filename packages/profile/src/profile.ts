import { compareCodePoints, decodeProfile, encodeProfileV1 } from "./codec/index.js";
import type {
  ColumnComponents,
  ModelPerformanceMessage,
  PerformanceMessage,
  ProfileMessage,
} from "./codec/message.js";
import { ColumnProfile, ColumnProfileView } from "./column.js";
import { ProfileError } from "./errors.js";
import { arrowColumns, checkRows, columnObjectSlices, inferType, isArrowTable } from "./input.js";
import type { ArrowTableLike, ColumnSlice } from "./input.js";
import type { SummaryOptions, SummaryValue } from "./metrics/standard.js";
import { mergePerformance } from "./performance/merge.js";
import { mergeModelPerformance } from "./performance/score-matrix.js";
import { PerformanceTracker } from "./performance/tracker.js";
import type { PerformanceBatch, PerformanceSpec } from "./performance/tracker.js";
import { DatasetSchema } from "./schema.js";
import type { ColumnType, DatasetSchemaOptions } from "./schema.js";

/** whylogs keeps segment values and user tags under this prefix in files. */
export const WHYLOGS_TAG_PREFIX = "whylogs.tag.";

/** One key of a segment: the column (or explicit key) name and its value as text. */
export interface SegmentTag {
  readonly key: string;
  readonly value: string;
}

/** What `track()` accepts. */
export type TrackInput =
  readonly Record<string, unknown>[] | Readonly<Record<string, ArrayLike<unknown>>> | ArrowTableLike;

export interface DatasetProfileOptions {
  readonly schema?: DatasetSchema | DatasetSchemaOptions;
  /** When the data happened (epoch ms or Date). Defaults to the creation time. */
  readonly datasetTimestamp?: number | Date;
  /** Defaults to now. */
  readonly creationTimestamp?: number | Date;
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Which columns hold a model's prediction, scores and target: tracking then also accumulates mergeable
   * performance metrics (confusion matrix, score histograms, or regression errors) next to the columns.
   */
  readonly performance?: PerformanceSpec;
}

export function toEpochMs(t: number | Date | undefined, what: string, fallback: number): number {
  if (t === undefined) return fallback;
  const ms = t instanceof Date ? t.getTime() : t;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new ProfileError(
      "invalid-argument",
      `${what} must be a non-negative epoch-millisecond time or a valid Date`,
    );
  }
  return Math.floor(ms);
}

function checkMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (metadata === undefined) return out;
  if (metadata === null || typeof metadata !== "object") {
    throw new ProfileError("invalid-argument", "metadata must be an object of strings");
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") {
      throw new ProfileError(
        "invalid-argument",
        `metadata ${JSON.stringify(k)} must be a string, got ${typeof v}`,
      );
    }
    out[k] = v;
  }
  return out;
}

/** Rows buffered before they are transposed into columns. */
const ROW_CHUNK = 4096;

/**
 * A profile being built. Track data in any number of batches, then take a {@link DatasetProfileView}.
 *
 * @example
 * ```ts
 * const profile = new DatasetProfile({ datasetTimestamp: Date.parse("2024-05-01T00:00:00Z") });
 * profile.track([{ age: 31, city: "Oslo" }, { age: null, city: "Lima" }]);
 * profile.track({ score: new Float64Array([0.2, 0.9]) });
 * const bytes = profile.view().serialize(); // whylogs v1; Python's why.read() loads it
 * ```
 */
export class DatasetProfile {
  readonly schema: DatasetSchema;
  private readonly columns = new Map<string, ColumnProfile>();
  private datasetTs: number;
  private readonly creationTs: number;
  private readonly metadata: Record<string, string>;
  private readonly resolve = (name: string, inferred: ColumnType) => this.schema.resolve(name, inferred);
  private readonly performance: PerformanceTracker | undefined;

  // Row buffering: values transposed per column, with a cache of the last row's key order.
  private pendingRows = 0;
  private readonly rowValues = new Map<string, unknown[]>();
  private shapeKeys: string[] = [];
  private shapeArrays: unknown[][] = [];

  constructor(options: DatasetProfileOptions = {}) {
    this.schema = DatasetSchema.from(options.schema);
    this.creationTs = toEpochMs(options.creationTimestamp, "creationTimestamp", Date.now());
    this.datasetTs = toEpochMs(options.datasetTimestamp, "datasetTimestamp", this.creationTs);
    this.metadata = checkMetadata(options.metadata);
    this.performance =
      options.performance === undefined ? undefined : new PerformanceTracker(options.performance);
  }

  get datasetTimestamp(): number {
    return this.datasetTs;
  }

  set datasetTimestamp(t: number) {
    this.datasetTs = toEpochMs(t, "datasetTimestamp", this.datasetTs);
  }

  get creationTimestamp(): number {
    return this.creationTs;
  }

  /** Names of the columns seen so far (tracked or pending). */
  columnNames(): string[] {
    const names = new Set(this.columns.keys());
    for (const k of this.rowValues.keys()) names.add(k);
    return [...names].sort();
  }

  /**
   * Tracks a batch: an array of row objects, a column object `{ name: ArrayLike }` (typed arrays take a fast
   * path), or an Apache Arrow table. The input is validated first; if it is rejected nothing is tracked.
   * Values of any kind are accepted: what is not a number, string, boolean or null counts as `object`.
   */
  track(input: TrackInput): this {
    if (Array.isArray(input)) {
      checkRows(input);
      const rows = input as readonly Record<string, unknown>[];
      this.performance?.track(rowBatch(rows));
      for (const row of rows) this.bufferRow(row);
      return this;
    }
    const slices = this.slicesOf(input, "track");
    this.performance?.track(columnBatch(input));
    this.flushRows();
    for (const s of slices) this.addSlice(s);
    return this;
  }

  /**
   * Tracks labels that arrived after their predictions were tracked (as rows awaiting a label): each row
   * holds the prediction, its scores and the label now known. Only the performance metrics change: the
   * rows move from "awaiting label" to labeled, so merging this profile (stamped with the predictions'
   * timestamp) into the predictions' window equals having logged the labels with the predictions.
   */
  trackLateLabels(input: TrackInput): this {
    if (this.performance === undefined) {
      throw new ProfileError(
        "invalid-argument",
        "trackLateLabels needs a profile created with a performance spec",
      );
    }
    if (Array.isArray(input)) {
      checkRows(input);
      this.performance.track(rowBatch(input as readonly Record<string, unknown>[]), true);
    } else {
      this.slicesOf(input, "trackLateLabels"); // validates the shape
      this.performance.track(columnBatch(input), true);
    }
    return this;
  }

  /**
   * Throws what `track` (or, with `late`, `trackLateLabels`) would throw for the performance metrics of this
   * batch, changing nothing: lets a caller that splits one batch over several profiles refuse it whole.
   */
  checkPerformance(input: TrackInput, late = false): void {
    if (this.performance === undefined) return;
    if (Array.isArray(input)) checkRows(input);
    this.performance.check(performanceBatch(input), late);
  }

  private slicesOf(input: TrackInput, what: string): ColumnSlice[] {
    if (isArrowTable(input)) return arrowColumns(input).flat();
    if (input === null || typeof input !== "object") {
      throw new ProfileError(
        "invalid-argument",
        `${what}: expected rows, a column object or an Arrow table, got ${input === null ? "null" : typeof input}`,
      );
    }
    return columnObjectSlices(input as Record<string, unknown>);
  }

  /** Tracks one record (whylogs `log(row=…)`). Rows are buffered and profiled in batches. */
  trackRow(row: Readonly<Record<string, unknown>>): this {
    checkRows([row]);
    this.performance?.track(rowBatch([row]));
    this.bufferRow(row);
    return this;
  }

  private addSlice(slice: ColumnSlice): void {
    let col = this.columns.get(slice.name);
    if (col === undefined) {
      col = new ColumnProfile(slice.name, this.resolve);
      this.columns.set(slice.name, col);
    }
    const declared = this.schema.declaredType(slice.name);
    col.add(slice, () => declared ?? inferType(slice.values));
  }

  private bufferRow(row: Readonly<Record<string, unknown>>): void {
    const keys = this.shapeKeys;
    const arrays = this.shapeArrays;
    let j = 0;
    let sameShape = true;
    for (const key in row) {
      if (!Object.prototype.hasOwnProperty.call(row, key)) continue;
      let target: unknown[];
      if (sameShape && keys[j] === key) {
        target = arrays[j]!;
      } else {
        if (sameShape) {
          // Shape changed at position j: forget the cached tail and rebuild it from this row.
          keys.length = j;
          arrays.length = j;
          sameShape = false;
        }
        let a = this.rowValues.get(key);
        if (a === undefined) this.rowValues.set(key, (a = []));
        target = a;
        keys.push(key);
        arrays.push(a);
      }
      target.push(row[key]);
      j++;
    }
    if (sameShape && j < keys.length) {
      keys.length = j;
      arrays.length = j;
    }
    if (++this.pendingRows >= ROW_CHUNK) this.flushRows();
  }

  private flushRows(): void {
    if (this.pendingRows === 0) return;
    for (const [name, values] of this.rowValues) {
      if (values.length === 0) continue;
      this.addSlice({ name, values });
      values.length = 0;
    }
    this.pendingRows = 0;
  }

  /** A snapshot of everything tracked so far. Tracking can continue; the view does not change. */
  view(): DatasetProfileView {
    this.flushRows();
    const cols = new Map<string, ColumnProfileView>();
    for (const [name, col] of this.columns) cols.set(name, col.view());
    return new DatasetProfileView({
      columns: cols,
      datasetTimestamp: this.datasetTs,
      creationTimestamp: this.creationTs,
      metadata: this.metadata,
      ...(this.performance !== undefined ? { performance: this.performance.toMessage() } : {}),
    });
  }
}

/**
 * Row objects as a performance batch: a key a row lacks reads as missing, and a key no row has is a column the
 * batch does not have (so a misspelled prediction column is reported, as it is for column objects).
 */
export function rowBatch(rows: readonly Readonly<Record<string, unknown>>[]): PerformanceBatch {
  const has = (name: string) => rows.some((r) => Object.prototype.hasOwnProperty.call(r, name));
  return memoized((name) => (has(name) ? rows.map((r) => r[name]) : undefined));
}

/** A batch whose columns are materialized once, however often the tracker asks for them. */
function memoized(read: (name: string) => ArrayLike<unknown> | undefined): PerformanceBatch {
  const seen = new Map<string, ArrayLike<unknown> | undefined>();
  return {
    get(name) {
      if (!seen.has(name)) seen.set(name, read(name));
      return seen.get(name);
    },
  };
}

/**
 * A column object or an Arrow table as a performance batch. Arrow columns are read through the vector's own
 * accessor, which honours validity bitmaps (a null label stays null, never 0); only the few columns a spec
 * names are materialized.
 */
export function columnBatch(input: TrackInput): PerformanceBatch {
  if (isArrowTable(input)) {
    return memoized((name) => {
      const vector = input.getChild(name);
      if (vector === null) return undefined;
      const out = new Array<unknown>(input.numRows);
      for (let i = 0; i < out.length; i++) out[i] = vector.get(i);
      return out;
    });
  }
  const columns = input as Readonly<Record<string, ArrayLike<unknown>>>;
  return { get: (name) => (Object.prototype.hasOwnProperty.call(columns, name) ? columns[name] : undefined) };
}

/** A batch of any accepted shape as a performance batch (rows must have passed checkRows). */
export function performanceBatch(input: TrackInput): PerformanceBatch {
  return Array.isArray(input) ? rowBatch(input as readonly Record<string, unknown>[]) : columnBatch(input);
}

export interface DatasetProfileViewInit {
  readonly columns: ReadonlyMap<string, ColumnProfileView>;
  readonly datasetTimestamp: number;
  readonly creationTimestamp: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly segment?: readonly SegmentTag[];
  readonly modelPerformance?: ModelPerformanceMessage;
  readonly performance?: PerformanceMessage;
  readonly extensionColumns?: ReadonlyMap<string, ColumnComponents>;
  readonly unusedMetricPaths?: readonly string[];
}

/** Per column, `namespace/key` → value: the keys of whylogs' `to_summary_dict`. */
export type ProfileSummary = Record<string, Record<string, SummaryValue>>;

/**
 * An immutable, mergeable profile: what travels, is stored and is analysed. Serializes to whylogs v1 bytes
 * (segmented when it has a segment) and reads whylogs v1 and v0 files.
 */
export class DatasetProfileView {
  readonly datasetTimestamp: number;
  readonly creationTimestamp: number;
  /** Profile metadata and tags (whylogs merges both into one map on read). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The segment this profile covers, if it is one segment of a segmented profile. */
  readonly segment: readonly SegmentTag[] | undefined;
  /** Dataset-level model performance (classification score matrix or regression sums), when present. */
  readonly modelPerformance: ModelPerformanceMessage | undefined;
  /** Sightglass' mergeable model-performance metrics, when the profile was logged with a performance spec. */
  readonly performance: PerformanceMessage | undefined;
  private readonly cols: ReadonlyMap<string, ColumnProfileView>;
  private readonly extensionColumns: ReadonlyMap<string, ColumnComponents> | undefined;
  private readonly unusedMetricPaths: readonly string[];

  constructor(init: DatasetProfileViewInit) {
    this.cols = init.columns;
    this.datasetTimestamp = init.datasetTimestamp;
    this.creationTimestamp = init.creationTimestamp;
    this.metadata = Object.freeze({ ...init.metadata });
    this.segment = init.segment === undefined ? undefined : Object.freeze([...init.segment]);
    this.modelPerformance = init.modelPerformance;
    this.performance = init.performance;
    this.extensionColumns = init.extensionColumns;
    this.unusedMetricPaths = init.unusedMetricPaths ?? [];
  }

  /** Column names in code-point order (the order whylogs writes them). */
  columnNames(): string[] {
    return [...this.cols.keys()].sort(compareCodePoints);
  }

  column(name: string): ColumnProfileView | undefined {
    return this.cols.get(name);
  }

  /** whylogs' `to_summary_dict` for every column (the rows of `view.to_pandas()`). */
  toSummary(options: SummaryOptions = {}): ProfileSummary {
    const out: ProfileSummary = {};
    for (const name of this.columnNames()) out[name] = this.cols.get(name)!.toSummary(options);
    return out;
  }

  /**
   * Merges two views into a new one: metrics per column, the earlier timestamps, metadata with `other`
   * winning on conflicts, model performance merged. Views of different segments merge into a view without
   * a segment (their union).
   */
  merge(other: DatasetProfileView): DatasetProfileView {
    if (!(other instanceof DatasetProfileView)) {
      throw new ProfileError("invalid-argument", "merge expects a DatasetProfileView");
    }
    const cols = new Map<string, ColumnProfileView>();
    for (const [name, c] of this.cols) {
      const o = other.cols.get(name);
      cols.set(name, o === undefined ? c : c.merge(o));
    }
    for (const [name, o] of other.cols) if (!cols.has(name)) cols.set(name, o);
    const sameSegment =
      this.segment !== undefined &&
      other.segment !== undefined &&
      this.segment.length === other.segment.length &&
      this.segment.every((t, i) => t.key === other.segment![i]!.key && t.value === other.segment![i]!.value);
    let extensionColumns: Map<string, ColumnComponents> | undefined;
    if (this.extensionColumns !== undefined || other.extensionColumns !== undefined) {
      extensionColumns = new Map();
      for (const [name, c] of this.extensionColumns ?? []) extensionColumns.set(name, c);
      for (const [name, c] of other.extensionColumns ?? []) {
        const mine = extensionColumns.get(name);
        extensionColumns.set(
          name,
          mine === undefined
            ? c
            : ColumnProfileView.fromComponents(name, mine)
                .merge(ColumnProfileView.fromComponents(name, c))
                .toComponents(),
        );
      }
    }
    return new DatasetProfileView({
      columns: cols,
      datasetTimestamp: Math.min(this.datasetTimestamp, other.datasetTimestamp),
      creationTimestamp: Math.min(this.creationTimestamp, other.creationTimestamp),
      metadata: { ...this.metadata, ...other.metadata },
      ...(sameSegment ? { segment: this.segment } : {}),
      ...(this.modelPerformance !== undefined || other.modelPerformance !== undefined
        ? { modelPerformance: mergeModelPerformance(this.modelPerformance, other.modelPerformance) }
        : {}),
      ...(this.performance !== undefined || other.performance !== undefined
        ? { performance: mergePerformance(this.performance, other.performance)! }
        : {}),
      ...(extensionColumns !== undefined ? { extensionColumns } : {}),
      unusedMetricPaths: [...new Set([...this.unusedMetricPaths, ...other.unusedMetricPaths])],
    });
  }

  /**
   * The merge of several views, as merging them left to right (`a.merge(b).merge(c)…`) but with one copy of each
   * metric instead of one per step: what reading a long time range costs. Counts, moments, min/max, HLL and
   * frequent-item estimates equal the pairwise fold's; a KLL compacts with other random bits when it is not
   * copied between merges, so its quantiles are another draw with the same guarantee. Deterministic.
   */
  static mergeAll(views: readonly DatasetProfileView[]): DatasetProfileView {
    if (views.length === 0) throw new ProfileError("invalid-argument", "mergeAll needs at least one view");
    if (views.length === 1) return views[0]!;
    for (const v of views) {
      if (!(v instanceof DatasetProfileView))
        throw new ProfileError("invalid-argument", "mergeAll expects DatasetProfileViews");
    }
    // Everything but the columns is small: the pairwise merge folds it over views without columns.
    const empty = new Map<string, ColumnProfileView>();
    const shell = views.map((v) => v.withColumns(empty)).reduce((a, b) => a.merge(b));
    const byName = new Map<string, ColumnProfileView[]>();
    for (const v of views) {
      for (const [name, c] of v.cols) {
        const list = byName.get(name);
        if (list === undefined) byName.set(name, [c]);
        else list.push(c);
      }
    }
    const cols = new Map<string, ColumnProfileView>();
    for (const [name, list] of byName) cols.set(name, ColumnProfileView.mergeAll(list));
    return shell.withColumns(cols);
  }

  private withColumns(columns: ReadonlyMap<string, ColumnProfileView>): DatasetProfileView {
    return new DatasetProfileView({
      columns,
      datasetTimestamp: this.datasetTimestamp,
      creationTimestamp: this.creationTimestamp,
      metadata: this.metadata,
      ...(this.segment !== undefined ? { segment: this.segment } : {}),
      ...(this.modelPerformance !== undefined ? { modelPerformance: this.modelPerformance } : {}),
      ...(this.performance !== undefined ? { performance: this.performance } : {}),
      ...(this.extensionColumns !== undefined ? { extensionColumns: this.extensionColumns } : {}),
      unusedMetricPaths: this.unusedMetricPaths,
    });
  }

  /** A copy with other segment tags (used by segmented profiles). */
  withSegment(
    segment: readonly SegmentTag[] | undefined,
    metadata?: Readonly<Record<string, string>>,
  ): DatasetProfileView {
    return new DatasetProfileView({
      columns: this.cols,
      datasetTimestamp: this.datasetTimestamp,
      creationTimestamp: this.creationTimestamp,
      metadata: { ...this.metadata, ...metadata },
      ...(segment !== undefined ? { segment } : {}),
      ...(this.modelPerformance !== undefined ? { modelPerformance: this.modelPerformance } : {}),
      ...(this.performance !== undefined ? { performance: this.performance } : {}),
      ...(this.extensionColumns !== undefined ? { extensionColumns: this.extensionColumns } : {}),
      unusedMetricPaths: this.unusedMetricPaths,
    });
  }

  /** The format-neutral message the codecs read and write. */
  toMessage(): ProfileMessage {
    const tags = new Map<string, string>();
    const metadata = new Map<string, string>();
    // whylogs splits one metadata map into tags (prefixed keys) and metadata (the rest) when writing.
    for (const [k, v] of Object.entries(this.metadata))
      (k.startsWith(WHYLOGS_TAG_PREFIX) ? tags : metadata).set(k, v);
    for (const t of this.segment ?? []) tags.set(WHYLOGS_TAG_PREFIX + t.key, t.value);
    const columns = new Map<string, ColumnComponents>();
    for (const [name, c] of this.cols) columns.set(name, c.toComponents());
    return {
      datasetTimestamp: this.datasetTimestamp,
      creationTimestamp: this.creationTimestamp,
      tags,
      metadata,
      ...(this.segment !== undefined
        ? { segment: this.segment.map((t) => ({ key: WHYLOGS_TAG_PREFIX + t.key, value: t.value })) }
        : {}),
      columns,
      ...(this.unusedMetricPaths.length > 0 ? { unusedMetricPaths: this.unusedMetricPaths } : {}),
      ...(this.modelPerformance !== undefined ? { modelPerformance: this.modelPerformance } : {}),
      ...(this.performance !== undefined ? { performance: this.performance } : {}),
      ...(this.extensionColumns !== undefined ? { extensionColumns: this.extensionColumns } : {}),
    };
  }

  static fromMessage(message: ProfileMessage): DatasetProfileView {
    const cols = new Map<string, ColumnProfileView>();
    for (const [name, comps] of message.columns)
      cols.set(name, ColumnProfileView.fromComponents(name, comps));
    const metadata: Record<string, string> = {};
    for (const [k, v] of message.tags) metadata[k] = v;
    for (const [k, v] of message.metadata) metadata[k] = v;
    // Segment tags are reported through `segment`, without whylogs' key prefix.
    const segment = message.segment?.map((t) => ({
      key: t.key.startsWith(WHYLOGS_TAG_PREFIX) ? t.key.slice(WHYLOGS_TAG_PREFIX.length) : t.key,
      value: t.value,
    }));
    for (const t of message.segment ?? []) delete metadata[t.key];
    return new DatasetProfileView({
      columns: cols,
      datasetTimestamp: message.datasetTimestamp,
      creationTimestamp: message.creationTimestamp,
      metadata,
      ...(segment !== undefined ? { segment } : {}),
      ...(message.modelPerformance !== undefined ? { modelPerformance: message.modelPerformance } : {}),
      ...(message.performance !== undefined ? { performance: message.performance } : {}),
      ...(message.extensionColumns !== undefined ? { extensionColumns: message.extensionColumns } : {}),
      ...(message.unusedMetricPaths !== undefined ? { unusedMetricPaths: message.unusedMetricPaths } : {}),
    });
  }

  /** whylogs v1 bytes (`WHY1`), segmented when this view has a segment. */
  serialize(): Uint8Array {
    return encodeProfileV1(this.toMessage());
  }

  /** Reads whylogs v1 (plain or segmented) and v0 (delimited or not) profiles; format auto-detected. */
  static deserialize(bytes: Uint8Array): DatasetProfileView {
    if (!(bytes instanceof Uint8Array)) {
      throw new ProfileError(
        "invalid-argument",
        "deserialize expects a Uint8Array (wrap a Node Buffer or ArrayBuffer with new Uint8Array(...))",
      );
    }
    return DatasetProfileView.fromMessage(decodeProfile(bytes).message);
  }
}
