import { ProfileError } from "./errors.js";

/**
 * The whylogs data type a column resolves to, once, when it is first seen. It decides which metrics the
 * column carries (see {@link STANDARD_METRICS}); values of other kinds in the column are still counted.
 * - `integral`: integers and booleans (whylogs treats bool columns as integral);
 * - `fractional`: floating-point numbers;
 * - `string`: text, and columns mixing kinds (pandas `object` dtype);
 * - `any`: everything else (dates, objects, all-null first batches).
 */
export type ColumnType = "integral" | "fractional" | "string" | "any";

/** Standard whylogs metric namespaces. */
export type StandardMetricName =
  "counts" | "types" | "distribution" | "ints" | "cardinality" | "frequent_items";

export const STANDARD_METRIC_NAMES: readonly StandardMetricName[] = [
  "counts",
  "types",
  "distribution",
  "ints",
  "cardinality",
  "frequent_items",
];

/** Metrics per column type, as whylogs' standard resolver assigns them. */
export const STANDARD_METRICS: Readonly<Record<ColumnType, readonly StandardMetricName[]>> = {
  integral: ["counts", "types", "distribution", "ints", "cardinality", "frequent_items"],
  fractional: ["counts", "types", "distribution", "cardinality"],
  string: ["counts", "types", "distribution", "cardinality", "frequent_items"],
  any: ["counts", "types"],
};

/** Sketch sizes. Defaults are whylogs' (KLL k 1024, HLL lgK 12 HLL_4, frequent items lg 10, 128 code points). */
export interface SketchConfig {
  /** KLL accuracy parameter (8..65535). */
  readonly kllK: number;
  /** HLL log2 of registers (4..21). */
  readonly hllLgK: number;
  /** Frequent-items log2 of the maximum map size (3..22). */
  readonly fiLgMaxMapSize: number;
  /** Strings are truncated to this many code points before the frequent-items sketch sees them. */
  readonly maxFrequentItemSize: number;
}

export const DEFAULT_SKETCH_CONFIG: SketchConfig = Object.freeze({
  kllK: 1024,
  hllLgK: 12,
  fiLgMaxMapSize: 10,
  maxFrequentItemSize: 128,
});

/** Declares one column: its type (instead of inference), which metrics it carries, and its sketch sizes. */
export interface ColumnSchemaOptions extends Partial<SketchConfig> {
  readonly type?: ColumnType;
  /** Replaces the metrics the type would get. `counts` and `types` are always kept. */
  readonly metrics?: readonly StandardMetricName[];
}

/**
 * How a whole dataset is profiled. Everything is optional: undeclared columns are inferred and get the
 * standard metrics for their type.
 */
export interface DatasetSchemaOptions {
  readonly columns?: Readonly<Record<string, ColumnSchemaOptions>>;
  /** Sketch sizes for every column that does not override them. */
  readonly defaults?: Partial<SketchConfig>;
  /** Metric set per type for undeclared columns (whylogs' resolver presets; default `standard`). */
  readonly resolver?: "standard" | "limited" | "no-frequent-items" | "histogram";
}

/** What a column resolved to: the type, the metric namespaces it carries and the sketch sizes. */
export interface ResolvedColumn {
  readonly type: ColumnType;
  readonly metrics: readonly StandardMetricName[];
  readonly sketch: SketchConfig;
}

const RESOLVERS: Record<
  NonNullable<DatasetSchemaOptions["resolver"]>,
  (t: ColumnType) => StandardMetricName[]
> = {
  standard: (t) => [...STANDARD_METRICS[t]],
  // whylogs LIMITED_TRACKING_RESOLVER: no frequent items and no cardinality.
  limited: (t) => STANDARD_METRICS[t].filter((m) => m !== "frequent_items" && m !== "cardinality"),
  "no-frequent-items": (t) => STANDARD_METRICS[t].filter((m) => m !== "frequent_items"),
  // whylogs HISTOGRAM_COUNTING_TRACKING_RESOLVER: distributions only (plus the counters every column keeps).
  histogram: (t) => (t === "any" ? ["counts", "types"] : ["counts", "types", "distribution"]),
};

const COLUMN_TYPES: readonly ColumnType[] = ["integral", "fractional", "string", "any"];

function checkInt(value: unknown, name: string, lo: number, hi: number, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi) {
    throw new ProfileError(
      "invalid-argument",
      `schema: ${where}${name} must be an integer in [${lo}, ${hi}], got ${String(value)}`,
    );
  }
  return value;
}

function sketchConfig(base: SketchConfig, o: Partial<SketchConfig> | undefined, where: string): SketchConfig {
  if (o === undefined) return base;
  return Object.freeze({
    kllK: o.kllK === undefined ? base.kllK : checkInt(o.kllK, "kllK", 8, 65535, where),
    hllLgK: o.hllLgK === undefined ? base.hllLgK : checkInt(o.hllLgK, "hllLgK", 4, 21, where),
    fiLgMaxMapSize:
      o.fiLgMaxMapSize === undefined
        ? base.fiLgMaxMapSize
        : checkInt(o.fiLgMaxMapSize, "fiLgMaxMapSize", 3, 22, where),
    maxFrequentItemSize:
      o.maxFrequentItemSize === undefined
        ? base.maxFrequentItemSize
        : checkInt(o.maxFrequentItemSize, "maxFrequentItemSize", 1, 1 << 20, where),
  });
}

/**
 * A validated, immutable dataset schema. Construct once and share between profiles; invalid declarations
 * fail here with a `ProfileError` naming the column and option, not later while tracking.
 *
 * @example
 * ```ts
 * const schema = new DatasetSchema({
 *   columns: { price: { type: "fractional", kllK: 256 }, sku: { type: "string", metrics: ["cardinality"] } },
 * });
 * ```
 */
export class DatasetSchema {
  readonly defaults: SketchConfig;
  readonly resolver: NonNullable<DatasetSchemaOptions["resolver"]>;
  private readonly declared = new Map<string, ColumnSchemaOptions>();

  constructor(options: DatasetSchemaOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new ProfileError("invalid-argument", "schema: options must be an object");
    }
    this.defaults = sketchConfig(DEFAULT_SKETCH_CONFIG, options.defaults, "defaults.");
    const resolver = options.resolver ?? "standard";
    if (!(resolver in RESOLVERS)) {
      throw new ProfileError("invalid-argument", `schema: unknown resolver ${JSON.stringify(resolver)}`);
    }
    this.resolver = resolver;
    for (const [name, col] of Object.entries(options.columns ?? {})) {
      if (col === null || typeof col !== "object") {
        throw new ProfileError("invalid-argument", "schema: a column declaration must be an object", {
          column: name,
        });
      }
      if (col.type !== undefined && !COLUMN_TYPES.includes(col.type)) {
        throw new ProfileError(
          "invalid-argument",
          `schema: unknown column type ${JSON.stringify(col.type)} (expected one of ${COLUMN_TYPES.join(", ")})`,
          { column: name },
        );
      }
      if (col.metrics !== undefined) {
        if (!Array.isArray(col.metrics)) {
          throw new ProfileError("invalid-argument", "schema: metrics must be an array", { column: name });
        }
        for (const m of col.metrics) {
          if (!STANDARD_METRIC_NAMES.includes(m)) {
            throw new ProfileError("invalid-argument", `schema: unknown metric ${JSON.stringify(m)}`, {
              column: name,
            });
          }
        }
      }
      sketchConfig(this.defaults, col, `column ${JSON.stringify(name)} `);
      this.declared.set(name, col);
    }
  }

  /** The declared type of `column`, if any. */
  declaredType(column: string): ColumnType | undefined {
    return this.declared.get(column)?.type;
  }

  /** Resolves a column given its (declared or inferred) type. */
  resolve(column: string, inferred: ColumnType): ResolvedColumn {
    const decl = this.declared.get(column);
    const type = decl?.type ?? inferred;
    let metrics: StandardMetricName[];
    if (decl?.metrics !== undefined) {
      const wanted = new Set<StandardMetricName>(["counts", "types", ...decl.metrics]);
      metrics = STANDARD_METRIC_NAMES.filter((m) => wanted.has(m));
    } else {
      metrics = RESOLVERS[this.resolver](type);
    }
    return { type, metrics, sketch: sketchConfig(this.defaults, decl, "") };
  }

  static from(schema: DatasetSchema | DatasetSchemaOptions | undefined): DatasetSchema {
    return schema instanceof DatasetSchema ? schema : new DatasetSchema(schema ?? {});
  }
}
