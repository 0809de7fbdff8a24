import { readFileSync } from "node:fs";
import { KllDoublesSketch } from "../../packages/sketches/src/index.js";

// The frames whylogs_oracle.py exports (JSON with tagged NaN/±inf/int64), rebuilt for TypeScript with the
// JavaScript types pandas' dtypes correspond to. Shared by the profile oracle suites.

export interface ExportedColumn {
  name: string;
  dtype: string;
  values: unknown[];
}

/** Undoes the tagging of values JSON cannot carry ({"$float": "NaN"}, {"$int": "…"}). */
export function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (value !== null && typeof value === "object") {
    const tagged = value as Record<string, unknown>;
    if (typeof tagged.$float === "string") return Number(tagged.$float);
    // Integers beyond 2^53 (the int64 sentinels): the nearest double, as JS holds them.
    if (typeof tagged.$int === "string") return Number(tagged.$int);
    return Object.fromEntries(Object.entries(tagged).map(([k, v]) => [k, untag(v)]));
  }
  return value;
}

export type ColumnType = "integral" | "fractional" | "string" | "any";

export interface TsFrame {
  rows: number;
  columns: ExportedColumn[];
  schema: Record<string, { type: ColumnType }>;
}

/** whylogs resolves pandas dtypes so (whylogs-v1 spec §2.1): bool is Integral, object is String, datetime Any. */
export function columnType(dtype: string): ColumnType {
  if (dtype.startsWith("float")) return "fractional";
  if (dtype.startsWith("int") || dtype.startsWith("Int") || dtype === "bool") return "integral";
  if (dtype === "object") return "string";
  if (dtype.startsWith("datetime64")) return "any";
  throw new Error(`no TypeScript mapping for pandas dtype ${dtype}`);
}

/** One column's values for rows [start, stop): typed arrays where pandas had a NumPy dtype. */
export function columnValues(column: ExportedColumn, start: number, stop: number): ArrayLike<unknown> {
  const values = column.values.slice(start, stop).map(untag);
  switch (column.dtype) {
    case "float64":
      return Float64Array.from(values as number[]);
    case "int64": {
      const ints = values as number[];
      // int64 within int32 goes through the typed-array fast path; wider values stay plain (safe) numbers
      // in a column declared integral.
      return ints.every((v) => v === (v | 0)) ? Int32Array.from(ints) : ints;
    }
    case "bool":
      return values as boolean[];
    default:
      if (column.dtype.startsWith("datetime64")) {
        return values.map((v) => (v === null ? null : new Date(v as number)));
      }
      // object columns (strings, mixed values) and nullable Int64 (numbers and null).
      return values;
  }
}

/** Reads a frame written by the oracle's `export_frame` and types its columns the way whylogs did. */
export function loadExportedFrame(path: string): TsFrame {
  const json = JSON.parse(readFileSync(path, "utf8")) as { rows: number; columns: ExportedColumn[] };
  const schema: TsFrame["schema"] = {};
  for (const column of json.columns) schema[column.name] = { type: columnType(column.dtype) };
  return { rows: json.rows, columns: json.columns, schema };
}

// ---------------------------------------------------------------------------------------------------------
// whylogs' sketch settings and the tolerances derived from them, shared by the suites that compare profiles.

export const WHYLOGS_KLL_K = 1024;
/** A-priori single-rank normalized rank error of KLL at k = 1024, 99% confidence (datasketches formula). */
export const KLL_EPS = new KllDoublesSketch(WHYLOGS_KLL_K).getNormalizedRankError(false);
export const WHYLOGS_FI_LG_MAX_MAP_SIZE = 10;
/** Reverse-purge hash map load factor (datasketches): purging starts beyond 0.75 · 2^lgMaxMapSize items. */
export const FI_EXACT_CAPACITY = 0.75 * 2 ** WHYLOGS_FI_LG_MAX_MAP_SIZE;

/** The quantile summary keys and the rank each stands for. */
export const QUANTILE_RANKS: Readonly<Record<string, number>> = {
  "distribution/q_01": 0.01,
  "distribution/q_05": 0.05,
  "distribution/q_10": 0.1,
  "distribution/q_25": 0.25,
  "distribution/median": 0.5,
  "distribution/q_75": 0.75,
  "distribution/q_90": 0.9,
  "distribution/q_95": 0.95,
  "distribution/q_99": 0.99,
};

/** [count(< v), count(<= v)] / n in the sorted exact data: any rank in between is a correct rank for v. */
export function rankInterval(sorted: Float64Array, v: number): [number, number] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return [below / sorted.length, lo / sorted.length];
}
