import type { ColumnComponents } from "./codec/message.js";
import { ProfileError } from "./errors.js";
import { ColumnBatch } from "./metrics/column-batch.js";
import { PreservedMetric, readStandard } from "./metrics/other.js";
import { CountsMetric, TypesMetric, createStandardMetric } from "./metrics/standard.js";
import type { ColumnMetric, SummaryOptions, SummaryValue } from "./metrics/standard.js";
import type { ColumnSlice } from "./input.js";

type IntegerArray =
  Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;
import type { ColumnType, ResolvedColumn } from "./schema.js";

/** Values buffered per column before the metrics see them. */
const CHUNK = 1 << 16;

/** The serialized component order of whylogs metrics does not matter; namespaces are kept sorted. */
function byNamespace(a: ColumnMetric, b: ColumnMetric): number {
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

/** A read-only snapshot of one column's metrics. */
export class ColumnProfileView {
  readonly name: string;
  private readonly metrics: ReadonlyMap<string, ColumnMetric>;

  /** @internal Takes ownership of `metrics`. */
  constructor(name: string, metrics: Iterable<ColumnMetric>) {
    this.name = name;
    this.metrics = new Map([...metrics].sort(byNamespace).map((m) => [m.namespace, m]));
  }

  /** Namespaces of the metrics this column carries (`counts`, `distribution`, …). */
  metricNames(): string[] {
    return [...this.metrics.keys()];
  }

  /** The metric of `namespace`, if present. Treat it as read-only. */
  getMetric(namespace: string): ColumnMetric | undefined {
    return this.metrics.get(namespace);
  }

  /** whylogs `to_summary_dict`: `namespace/key` → value. */
  toSummary(options: SummaryOptions = {}): Record<string, SummaryValue> {
    const out: Record<string, SummaryValue> = {};
    for (const m of this.metrics.values()) m.writeSummary(out, options);
    return out;
  }

  /** Returns a new view; a metric only one side has is copied as it is. */
  merge(other: ColumnProfileView): ColumnProfileView {
    const merged: ColumnMetric[] = [];
    for (const [ns, m] of this.metrics) {
      const o = other.metrics.get(ns);
      const copy = m.copy();
      if (o !== undefined) {
        try {
          copy.mergeFrom(o);
        } catch (cause) {
          if (cause instanceof ProfileError && cause.column === undefined) {
            throw new ProfileError(cause.kind, cause.message, { column: this.name, cause });
          }
          throw cause;
        }
      }
      merged.push(copy);
    }
    for (const [ns, o] of other.metrics) if (!this.metrics.has(ns)) merged.push(o.copy());
    return new ColumnProfileView(this.name, merged);
  }

  /**
   * The merge of several views of one column, as merging them left to right but with one copy per metric
   * (merging into a fresh copy at every step dominated merging many buckets); see DatasetProfileView.mergeAll.
   */
  static mergeAll(views: readonly ColumnProfileView[]): ColumnProfileView {
    if (views.length === 0) throw new ProfileError("invalid-argument", "mergeAll needs at least one view");
    if (views.length === 1) return views[0]!;
    const name = views[0]!.name;
    const byNamespace = new Map<string, ColumnMetric[]>();
    for (const view of views) {
      for (const [ns, m] of view.metrics) {
        const list = byNamespace.get(ns);
        if (list === undefined) byNamespace.set(ns, [m]);
        else list.push(m);
      }
    }
    const merged: ColumnMetric[] = [];
    for (const metrics of byNamespace.values()) {
      const target = metrics[0]!.copy();
      const rest = metrics.slice(1);
      try {
        if (target.mergeFromAll !== undefined) target.mergeFromAll(rest);
        else for (const m of rest) target.mergeFrom(m);
      } catch (cause) {
        if (cause instanceof ProfileError && cause.column === undefined) {
          throw new ProfileError(cause.kind, cause.message, { column: name, cause });
        }
        throw cause;
      }
      merged.push(target);
    }
    return new ColumnProfileView(name, merged);
  }

  /** `namespace/component` → component, as written to files. */
  toComponents(): ColumnComponents {
    const out: ColumnComponents = new Map();
    for (const m of this.metrics.values()) m.writeComponents(out);
    return out;
  }

  /** Builds a view from file components: standard namespaces become live metrics, the rest are preserved. */
  static fromComponents(name: string, components: ColumnComponents): ColumnProfileView {
    const groups = new Map<string, ColumnComponents>();
    for (const [path, c] of components) {
      const slash = path.indexOf("/");
      if (slash <= 0)
        throw new ProfileError("malformed", "metric path has no namespace", { column: name, path });
      const ns = path.slice(0, slash);
      let g = groups.get(ns);
      if (g === undefined) groups.set(ns, (g = new Map()));
      g.set(path, c);
    }
    const metrics: ColumnMetric[] = [];
    for (const [ns, g] of groups) {
      try {
        metrics.push(readStandard(ns, g) ?? new PreservedMetric(ns, g));
      } catch (cause) {
        if (cause instanceof ProfileError) {
          throw new ProfileError(cause.kind, cause.message.replace(/ \(.*\)$/, ""), {
            column: name,
            path: cause.path,
            cause,
          });
        }
        throw cause;
      }
    }
    return new ColumnProfileView(name, metrics);
  }
}

/** Values of one column collected between flushes, and the metrics they update. */
export class ColumnProfile {
  readonly name: string;
  private resolved: ResolvedColumn | undefined;
  private metrics: ColumnMetric[] = [];
  private batch: ColumnBatch | undefined;
  /** Nulls seen before the first non-null value decided the type. */
  private pendingNulls = 0;

  constructor(
    name: string,
    private readonly resolve: (name: string, inferred: ColumnType) => ResolvedColumn,
  ) {
    this.name = name;
  }

  get type(): ColumnType | undefined {
    return this.resolved?.type;
  }

  /** Resolves the column type on first sight; an all-null start waits for the first real value. */
  private ensureResolved(inferred: ColumnType | undefined): ColumnBatch | undefined {
    if (this.batch !== undefined) return this.batch;
    if (inferred === undefined) return undefined;
    this.resolved = this.resolve(this.name, inferred);
    const cfg = this.resolved.sketch;
    this.metrics = this.resolved.metrics.map((m) => createStandardMetric(m, cfg));
    this.batch = new ColumnBatch(this.resolved.type);
    if (this.pendingNulls > 0) {
      this.batch.addNulls(this.pendingNulls);
      this.pendingNulls = 0;
    }
    return this.batch;
  }

  /** Adds a slice; `inferred` is the type implied by this batch if the column is not resolved yet. */
  add(slice: ColumnSlice, inferred: () => ColumnType | undefined): void {
    const batch = this.ensureResolved(
      this.batch === undefined ? (slice.impliedType ?? inferred()) : undefined,
    );
    const values = slice.values;
    if (batch === undefined) {
      // Every value so far is null (inference found nothing else).
      this.pendingNulls += values.length;
      return;
    }
    if (slice.counted !== undefined) {
      batch.addObjects(slice.counted.objects);
      batch.addNulls(slice.counted.nulls);
      return;
    }
    const validity = slice.validity;
    // Bounded chunks keep the scratch buffers small however large the input is.
    for (let start = 0; start < values.length; start += CHUNK) {
      const end = Math.min(values.length, start + CHUNK);
      if (values instanceof BigInt64Array) {
        batch.addInt64s(values, start, end, validity, slice.validityOffset ?? 0);
      } else if (validity !== undefined) {
        batch.addMasked(
          values as ArrayLike<number | bigint>,
          start,
          end,
          validity,
          slice.validityOffset ?? 0,
        );
      } else if (values instanceof Float64Array || values instanceof Float32Array) {
        batch.addFloat64s(values.subarray(start, end));
      } else if (values instanceof BigUint64Array) {
        batch.addBigInt64s(values.subarray(start, end));
      } else if (ArrayBuffer.isView(values)) {
        batch.addIntegers((values as IntegerArray).subarray(start, end));
      } else {
        batch.addAll(values, start, end);
      }
      if (batch.total >= CHUNK) this.flush();
    }
  }

  /** Feeds pending values to the metrics. */
  flush(): void {
    const b = this.batch;
    if (b === undefined || b.total === 0) return;
    for (const m of this.metrics) m.update(b);
    b.reset();
  }

  /** A snapshot of the metrics (copies; tracking may continue). */
  view(): ColumnProfileView {
    this.flush();
    if (this.batch === undefined) {
      // Only nulls so far: whylogs would have resolved the column as AnyType (counts and types).
      const counts = new CountsMetric();
      counts.n = counts.nulls = this.pendingNulls;
      return new ColumnProfileView(this.name, [counts, new TypesMetric()]);
    }
    return new ColumnProfileView(
      this.name,
      this.metrics.map((m) => m.copy()),
    );
  }
}
