// The generated dataset of the profile benchmarks (bench/profile.mjs, bench/profile-stream.mjs): 20 columns
// (8 float, 5 int, 5 string, 1 boolean, 1 timestamp), 5 % nulls in every column.
//
// Counter-based and bit-exact across languages: the value of (column, row) depends only on the row index, so
// any range of rows can be generated on its own (the streaming case makes chunks on the fly), and
// bench/profile_peer.py reproduces the very same values with numpy (`generate_chunk`; it checks itself against
// the files this side writes). Every draw is a 32-bit integer hash; floats use only +, −, ×, ÷ and floor,
// which IEEE 754 rounds identically in V8 and numpy — no Math.log/sin whose last bit could differ.

const GOLDEN = 0x9e3779b9;
const TWO_21 = 2 ** 21;
const TWO_53 = 2 ** 53;
/** A cell is null when its null draw is below 5 % of 2^32. */
export const NULL_THRESHOLD = 214_748_365;
/** Timestamps: 2024-01-01T00:00:00Z plus up to a year, millisecond resolution. */
const TS_BASE_MS = 1_704_067_200_000;
const TRUE_THRESHOLD = 1_288_490_189; // 30 % of 2^32

/** murmur3's 32-bit finalizer. */
function fmix(z) {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seed of draw `k` (0, 1: values; 2: null mask) of column `c`. */
function streamSeed(c, k) {
  return fmix((Math.imul(c + 1, 0x632be5ab) + Math.imul(k, 0x85157af5) + 0x2545f491) | 0);
}

/**
 * The columns: name, kind (float | int | string | bool | timestamp), cardinality class of the strings, a note,
 * and the value of one cell from x (uniform [0, 1) built from both draws), its two draws `u`, `v` (uint32) and
 * the row index. bench/profile_peer.py `column_values` has the same formulas.
 */
export const COLUMNS = [
  { name: "float_0", kind: "float", note: "uniform [0, 1000)", value: (x) => x * 1000 },
  { name: "float_1", kind: "float", note: "uniform [0, 1)", value: (x) => x },
  { name: "float_2", kind: "float", note: "uniform [−40, 40)", value: (x) => (x - 0.5) * 80 },
  { name: "float_3", kind: "float", note: "x²·10⁶ (skewed)", value: (x) => x * x * 1e6 },
  { name: "float_4", kind: "float", note: "1/(x+0.001) (heavy tail)", value: (x) => 1 / (x + 0.001) },
  {
    name: "float_5",
    kind: "float",
    note: "2 decimals, 10⁵ values",
    value: (x) => Math.floor(x * 100000) / 100,
  },
  { name: "float_6", kind: "float", note: "uniform [−1, 1)", value: (x) => x * 2 - 1 },
  { name: "float_7", kind: "float", note: "1000 values k/8", value: (_x, u) => (u % 1000) / 8 },
  { name: "int_0", kind: "int", note: "0…99", value: (_x, u) => u % 100 },
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
  { name: "bool", kind: "bool", note: "30 % true", value: (_x, u) => u < TRUE_THRESHOLD },
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
 * ms, string[] for strings; 0 / "" at null slots) and `valid` (Uint8Array, 1 = present).
 */
export function generateRaw(start, count) {
  const out = [];
  for (let c = 0; c < COLUMNS.length; c++) {
    const col = COLUMNS[c];
    const s0 = streamSeed(c, 0);
    const s1 = streamSeed(c, 1);
    const s2 = streamSeed(c, 2);
    const valid = new Uint8Array(count);
    const values = col.kind === "string" ? new Array(count) : new Float64Array(count);
    const f = col.value;
    for (let j = 0; j < count; j++) {
      const i = start + j;
      const step = Math.imul(i + 1, GOLDEN);
      if (fmix((s2 + step) | 0) < NULL_THRESHOLD) {
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
