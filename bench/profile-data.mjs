// The generated dataset of the profile benchmarks (bench/profile.mjs, bench/profile-stream.mjs): 20 columns
// (8 float, 5 int, 5 string, 1 boolean, 1 timestamp), 5 % nulls in every column. The drift benchmark
// (bench/drift.mjs) uses it as its reference window and a `shifted` variant of later rows as its current window.
//
// Counter-based and bit-exact across languages: the value of (column, row) depends only on the row index, so
// any range of rows can be generated on its own (the streaming case makes chunks on the fly), and
// bench/profile_peer.py reproduces the very same values with numpy (`generate_chunk`; it checks itself against
// the files this side writes). Every draw is a 32-bit integer hash; floats use only +, −, ×, ÷ and floor,
// which IEEE 754 rounds identically in V8 and numpy — no Math.log/sin whose last bit could differ.

import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export const GOLDEN = 0x9e3779b9;
const TWO_21 = 2 ** 21;
const TWO_53 = 2 ** 53;
/** A cell is null when its null draw is below 5 % of 2^32. */
export const NULL_THRESHOLD = 214_748_365;
/** Timestamps: 2024-01-01T00:00:00Z plus up to a year, millisecond resolution. */
const TS_BASE_MS = 1_704_067_200_000;
const TRUE_THRESHOLD = 1_288_490_189; // 30 % of 2^32
/** The drift benchmark's current window: `bool` 35 % true, `float_1` 20 % nulls (see `shifted` below). */
const SHIFTED_TRUE_THRESHOLD = 1_503_238_554;
const SHIFTED_NULL_THRESHOLD = 858_993_459;

/** murmur3's 32-bit finalizer. */
export function fmix(z) {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seed of draw `k` (0, 1: values; 2: null mask) of column `c`. */
export function streamSeed(c, k) {
  return fmix((Math.imul(c + 1, 0x632be5ab) + Math.imul(k, 0x85157af5) + 0x2545f491) | 0);
}

/**
 * The columns: name, kind (float | int | string | bool | timestamp), cardinality class of the strings, a note,
 * and the value of one cell from x (uniform [0, 1) built from both draws), its two draws `u`, `v` (uint32) and
 * the row index. bench/profile_data.py `column_values` has the same formulas.
 *
 * `shifted` (with `shiftNote`) is the formula of the drift benchmark's current window and `shiftedNullThreshold`
 * its null rate, where they differ from the reference. The changes are chosen to span what drift methods tell
 * apart: a location shift (float_0, int_0), a change of spread at the same mean (float_2), a 3 % scale change
 * that a distance with a 0.1 threshold misses but a test on 1M rows does not (float_3), new categories
 * (str_low_0), a small change of a proportion (bool), and a null rate that changes while the values do not
 * (float_1: a data-quality change, invisible to drift methods that drop nulls). int_3 (row id) drifts by itself,
 * because the current window is later rows; every other column keeps its distribution.
 */
export const COLUMNS = [
  {
    name: "float_0",
    kind: "float",
    note: "uniform [0, 1000)",
    value: (x) => x * 1000,
    shiftNote: "uniform [100, 1100)",
    shifted: (x) => x * 1000 + 100,
  },
  {
    name: "float_1",
    kind: "float",
    note: "uniform [0, 1)",
    value: (x) => x,
    shiftNote: "20 % nulls",
    shiftedNullThreshold: SHIFTED_NULL_THRESHOLD,
  },
  {
    name: "float_2",
    kind: "float",
    note: "uniform [−40, 40)",
    value: (x) => (x - 0.5) * 80,
    shiftNote: "uniform [−60, 60)",
    shifted: (x) => (x - 0.5) * 120,
  },
  {
    name: "float_3",
    kind: "float",
    note: "x²·10⁶ (skewed)",
    value: (x) => x * x * 1e6,
    shiftNote: "x²·1.03·10⁶",
    shifted: (x) => x * x * 1.03e6,
  },
  { name: "float_4", kind: "float", note: "1/(x+0.001) (heavy tail)", value: (x) => 1 / (x + 0.001) },
  {
    name: "float_5",
    kind: "float",
    note: "2 decimals, 10⁵ values",
    value: (x) => Math.floor(x * 100000) / 100,
  },
  { name: "float_6", kind: "float", note: "uniform [−1, 1)", value: (x) => x * 2 - 1 },
  { name: "float_7", kind: "float", note: "1000 values k/8", value: (_x, u) => (u % 1000) / 8 },
  {
    name: "int_0",
    kind: "int",
    note: "0…99",
    value: (_x, u) => u % 100,
    shiftNote: "0…119",
    shifted: (_x, u) => u % 120,
  },
  { name: "int_1", kind: "int", note: "±500 000", value: (_x, u) => (u % 1_000_000) - 500_000 },
  { name: "int_2", kind: "int", note: "±2⁵²", value: (_x, u, v) => u * TWO_21 + (v >>> 11) - 2 ** 52 },
  { name: "int_3", kind: "int", note: "row id 10⁹ + i", value: (_x, _u, _v, i) => 1_000_000_000 + i },
  { name: "int_4", kind: "int", note: "18…97", value: (_x, u) => 18 + (u % 80) },
  {
    name: "str_low_0",
    kind: "string",
    card: "low",
    note: "20 values, uniform",
    value: (_x, u) => `color-${u % 20}`,
    shiftNote: "24 values",
    shifted: (_x, u) => `color-${u % 24}`,
  },
  {
    name: "str_low_1",
    kind: "string",
    card: "low",
    note: "20 values, skewed",
    value: (x) => `status-${Math.floor(x * x * 20)}`,
  },
  {
    name: "str_low_2",
    kind: "string",
    card: "low",
    note: "16 values",
    value: (_x, u) => `category/${u % 16}`,
  },
  {
    name: "str_high_0",
    kind: "string",
    card: "high",
    note: "~200k values",
    value: (_x, u) => `user-${u % 200_000}`,
  },
  {
    name: "str_high_1",
    kind: "string",
    card: "high",
    note: "~200k values (hex)",
    value: (_x, u) => `sess-${(u % 200_003).toString(16).padStart(6, "0")}`,
  },
  {
    name: "bool",
    kind: "bool",
    note: "30 % true",
    value: (_x, u) => u < TRUE_THRESHOLD,
    shiftNote: "35 % true",
    shifted: (_x, u) => u < SHIFTED_TRUE_THRESHOLD,
  },
  {
    name: "timestamp",
    kind: "timestamp",
    note: "2024 + up to 1 year, ms",
    value: (_x, u, v) => TS_BASE_MS + (u % 31_536_000) * 1000 + (v % 1000),
  },
];

/**
 * whylogs resolves pandas dtypes so: float64 → fractional, Int64 → integral, object (strings, and bools with
 * None) → string, datetime64 → any. The TypeScript side declares the same types, so both profiles carry the
 * same metrics (without the declaration a JS boolean column would be integral, like a pandas `bool` column).
 */
export const SCHEMA = {
  columns: Object.fromEntries(
    COLUMNS.map((c) => [
      c.name,
      {
        type: { float: "fractional", int: "integral", string: "string", bool: "string", timestamp: "any" }[
          c.kind
        ],
      },
    ]),
  ),
};

/**
 * Rows [start, start + count) in raw form: per column `values` (Float64Array for float/int/bool(0/1)/timestamp
 * ms, string[] for strings; 0 / "" at null slots) and `valid` (Uint8Array, 1 = present). With `shifted`, the
 * columns that have them use their `shifted` formula and `shiftedNullThreshold` (the drift benchmark's current
 * window); the draws themselves are the same, so only the changed columns differ from the reference formulas.
 */
export function generateRaw(start, count, { shifted = false } = {}) {
  const out = [];
  for (let c = 0; c < COLUMNS.length; c++) {
    const col = COLUMNS[c];
    const s0 = streamSeed(c, 0);
    const s1 = streamSeed(c, 1);
    const s2 = streamSeed(c, 2);
    const valid = new Uint8Array(count);
    const values = col.kind === "string" ? new Array(count) : new Float64Array(count);
    const f = (shifted && col.shifted) || col.value;
    const nullThreshold = (shifted && col.shiftedNullThreshold) || NULL_THRESHOLD;
    for (let j = 0; j < count; j++) {
      const i = start + j;
      const step = Math.imul(i + 1, GOLDEN);
      if (fmix((s2 + step) | 0) < nullThreshold) {
        values[j] = col.kind === "string" ? "" : 0;
        continue;
      }
      valid[j] = 1;
      const u = fmix((s0 + step) | 0);
      const v = fmix((s1 + step) | 0);
      const x = (u * TWO_21 + (v >>> 11)) / TWO_53;
      const value = f(x, u, v, i);
      values[j] = typeof value === "boolean" ? (value ? 1 : 0) : value;
    }
    out.push({ ...col, values, valid });
  }
  return out;
}

/**
 * Writes raw columns (`generateRaw`) to `dir` for the Python peers (bench/profile_data.py `load_files`): float64
 * with NaN at nulls, int64 (ints, timestamps in ms), uint8 booleans, newline-joined strings, and a uint8 validity
 * mask per column, all little-endian. `prefix` keeps two windows apart in one directory. Returns the manifest
 * `{ [column]: { kind, values, valid } }` of file paths.
 */
export function writeRawFiles(raw, dir, prefix = "") {
  mkdirSync(dir, { recursive: true });
  const files = {};
  for (const col of raw) {
    const base = join(dir, `${prefix}${col.name}`);
    let values;
    if (col.kind === "float") {
      const f = new Float64Array(col.values.length);
      for (let j = 0; j < f.length; j++) f[j] = col.valid[j] ? col.values[j] : NaN;
      values = { path: `${base}.f64`, bytes: new Uint8Array(f.buffer) };
    } else if (col.kind === "int" || col.kind === "timestamp") {
      const big = BigInt64Array.from(col.values, (v) => BigInt(v));
      values = { path: `${base}.i64`, bytes: new Uint8Array(big.buffer) };
    } else if (col.kind === "bool") {
      values = { path: `${base}.u8`, bytes: Uint8Array.from(col.values) };
    } else {
      values = { path: `${base}.txt`, bytes: col.values.join("\n") };
    }
    writeFileSync(values.path, values.bytes);
    writeFileSync(`${base}.valid`, col.valid);
    files[col.name] = { kind: col.kind, values: values.path, valid: `${base}.valid` };
  }
  return files;
}

/**
 * The JavaScript inputs a user would hold for those rows, as a `track()` column object: Float64Array with NaN
 * for floats, arrays with null for ints / strings / booleans / Dates.
 */
export function toColumnObject(raw) {
  const columns = {};
  for (const col of raw) {
    const { values, valid } = col;
    const n = valid.length;
    if (col.kind === "float") {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = valid[j] ? values[j] : NaN;
      columns[col.name] = out;
      continue;
    }
    const out = new Array(n);
    for (let j = 0; j < n; j++) {
      if (!valid[j]) out[j] = null;
      else if (col.kind === "bool") out[j] = values[j] === 1;
      else if (col.kind === "timestamp") out[j] = new Date(values[j]);
      else out[j] = values[j];
    }
    columns[col.name] = out;
  }
  return columns;
}

/** Row objects `{ float_0: number | null, …, timestamp: Date | null }` for rows [0, count) of a column object. */
export function toRows(columns, count) {
  const names = Object.keys(columns);
  const rows = new Array(count);
  for (let j = 0; j < count; j++) {
    const row = {};
    for (const name of names) {
      const v = columns[name][j];
      row[name] = typeof v === "number" && v !== v ? null : v;
    }
    rows[j] = row;
  }
  return rows;
}
