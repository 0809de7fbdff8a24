// Splits a batch of raw values of one column into what the metrics consume, following whylogs' pandas
// preprocessing: nulls (incl. NaN) and counters on one side, typed value buffers on the other. Every
// metric then updates from the same split, so each value is classified exactly once.

import type { ColumnType } from "../schema.js";

const INT64_LIMIT = 2 ** 63;
const INT64_MIN_BIG = -(2n ** 63n);
const INT64_MAX_BIG = 2n ** 63n - 1n;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Tallying distinct values pays off only when they repeat: give up past this share of distinct values… */
const TALLY_MAX_DISTINCT_SHARE = 0.25;
/** …and then skip that many batches of the column before trying again. */
const TALLY_SKIP_BATCHES = 16;
/** Below this many values a batch is fed item by item (tally overhead would dominate). */
const TALLY_MIN_VALUES = 64;

/**
 * Counts of distinct integer-valued doubles in first-occurrence order: an open-addressing table over typed
 * arrays (a JS Map with number keys costs several times more per lookup). Reused across batches.
 */
export class IntTally {
  /** Distinct values in first-occurrence order, and their counts: `values[0..size)`, `counts[0..size)`. */
  values = new Float64Array(0);
  counts = new Int32Array(0);
  size = 0;
  private slots = new Int32Array(0);
  private mask = 0;

  /** Tallies `ints[0..n)`; returns false (leaving a partial tally) once more than `limit` values are distinct. */
  fill(ints: Float64Array, n: number, limit: number): boolean {
    const capacity = 1 << (32 - Math.clz32(Math.max(16, limit * 2) - 1));
    if (this.slots.length !== capacity) {
      this.slots = new Int32Array(capacity);
      this.values = new Float64Array(limit + 1);
      this.counts = new Int32Array(limit + 1);
    } else {
      this.slots.fill(0);
      if (this.values.length < limit + 1) {
        this.values = new Float64Array(limit + 1);
        this.counts = new Int32Array(limit + 1);
      }
    }
    this.mask = capacity - 1;
    this.size = 0;
    const slots = this.slots;
    const values = this.values;
    const counts = this.counts;
    const mask = this.mask;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const v = ints[i]!;
      // Mix both 32-bit halves (values up to 2^63) into a slot; slots hold entry index + 1.
      const hi = (v / 4294967296) | 0;
      let h = Math.imul((v | 0) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
      h ^= h >>> 15;
      let slot = h & mask;
      for (;;) {
        const e = slots[slot]!;
        if (e === 0) {
          if (size === limit) {
            this.size = size;
            return false;
          }
          values[size] = v;
          counts[size] = 1;
          slots[slot] = ++size;
          break;
        }
        if (values[e - 1] === v) {
          counts[e - 1]!++;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    this.size = size;
    return true;
  }
}

function grow(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** True for values whylogs counts as tensors: typed arrays and (nested) arrays of numbers. */
function isTensor(v: object): boolean {
  if (ArrayBuffer.isView(v)) return !(v instanceof DataView);
  if (!Array.isArray(v) || v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (typeof e === "number" || typeof e === "bigint") continue;
    // One level of nesting is enough to call an array-of-rows numeric; deeper structures are objects.
    if (Array.isArray(e) && e.every((x) => typeof x === "number")) continue;
    return false;
  }
  return true;
}

/**
 * Scratch buffers for one column's pending values. Reused across batches: `reset()` keeps capacity.
 * Numbers are routed by the column's resolved type: in a fractional column every number is a float
 * (like a pandas float64 column); elsewhere whole numbers within int64 are ints and the rest floats.
 */
export class ColumnBatch {
  /** All values seen, nulls included (`counts/n`). */
  total = 0;
  /** null, undefined and NaN. */
  nulls = 0;
  /** NaN only (also counted in `nulls`, never fed to sketches). */
  nans = 0;
  /** ±Infinity among the floats (they stay in `floats` and reach every sketch, as in whylogs). */
  infs = 0;
  trues = 0;
  falses = 0;
  objects = 0;
  tensors = 0;

  floats: Float64Array = new Float64Array(64);
  nFloats = 0;
  /** Integers as doubles (exact below 2^53; beyond that whylogs' KLL sees them as doubles too). */
  ints: Float64Array = new Float64Array(64);
  nInts = 0;
  /** int64 values that need their exact bits for hashing and text (bigint input beyond 2^53). */
  bigInts: bigint[] = [];
  strings: string[] = [];

  private readonly numbersAreFloats: boolean;

  constructor(type: ColumnType) {
    this.numbersAreFloats = type === "fractional";
  }

  reset(): void {
    this.total = this.nulls = this.nans = this.infs = 0;
    this.trues = this.falses = this.objects = this.tensors = 0;
    this.nFloats = this.nInts = 0;
    if (this.bigInts.length > 0) this.bigInts = [];
    if (this.strings.length > 0) this.strings = [];
    this.stringTally = undefined;
    this.intTally = undefined;
  }

  // Distinct values with their counts, computed once per batch and shared by the cardinality and frequent-items
  // metrics. Feeding a HyperLogLog only the distinct values gives exactly the same sketch (a repeat never changes
  // a register), and feeding frequent items one weighted update per distinct value gives exactly the same
  // counts, and the same sketch while it holds every item (first-occurrence order is kept, so slots match);
  // once it purges, the result is another valid sketch of the same stream within the same error bounds. For
  // low-cardinality columns this replaces most hashing with one Map lookup per value.
  private stringTally: Map<string, number> | null | undefined;
  private intTally: IntTally | null | undefined;
  private intTallyScratch: IntTally | undefined;
  /** Batches left to skip tallying after one turned out too diverse to gain from it. */
  private readonly skipTally = { string: 0, int: 0 };

  /** Distinct strings → counts, or null when this column's values are too diverse for tallying to pay. */
  stringCounts(): Map<string, number> | null {
    if (this.stringTally !== undefined) return this.stringTally;
    const strings = this.strings;
    let tally: Map<string, number> | null = null;
    if (this.tallyWorthTrying("string", strings.length)) {
      tally = new Map<string, number>();
      const limit = strings.length * TALLY_MAX_DISTINCT_SHARE;
      for (let i = 0; i < strings.length && tally !== null; i++) {
        const s = strings[i]!;
        tally.set(s, (tally.get(s) ?? 0) + 1);
        if (tally.size > limit) tally = this.gaveUp("string");
      }
    }
    return (this.stringTally = tally);
  }

  /** Distinct ints → counts, or null when this column's values are too diverse for tallying to pay. */
  intCounts(): IntTally | null {
    if (this.intTally !== undefined) return this.intTally;
    const n = this.nInts;
    let tally: IntTally | null = null;
    if (this.tallyWorthTrying("int", n)) {
      tally = this.intTallyScratch ??= new IntTally();
      if (!tally.fill(this.ints, n, Math.floor(n * TALLY_MAX_DISTINCT_SHARE))) tally = this.gaveUp("int");
    }
    return (this.intTally = tally);
  }

  private tallyWorthTrying(kind: "string" | "int", values: number): boolean {
    if (this.skipTally[kind] > 0) {
      this.skipTally[kind]--;
      return false;
    }
    return values >= TALLY_MIN_VALUES;
  }

  private gaveUp(kind: "string" | "int"): null {
    this.skipTally[kind] = TALLY_SKIP_BATCHES;
    return null;
  }

  /** Adds one value of any kind. Never throws: anything unrecognised is an object. */
  add(v: unknown): void {
    this.total++;
    switch (typeof v) {
      case "number":
        this.addNumber(v);
        return;
      case "string":
        this.strings.push(v);
        return;
      case "boolean":
        if (v) this.trues++;
        else this.falses++;
        return;
      case "undefined":
        this.nulls++;
        return;
      case "bigint":
        this.addBigInt(v);
        return;
      case "object":
        if (v === null) this.nulls++;
        else if (isTensor(v)) this.tensors++;
        else this.objects++;
        return;
      default:
        // functions and symbols
        this.objects++;
    }
  }

  private addNumber(v: number): void {
    if (v !== v) {
      this.nulls++;
      this.nans++;
      return;
    }
    if (!this.numbersAreFloats && Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT) {
      if (this.nInts === this.ints.length) this.ints = grow(this.ints, this.nInts + 1);
      this.ints[this.nInts++] = v;
      return;
    }
    if (v === Infinity || v === -Infinity) this.infs++;
    if (this.nFloats === this.floats.length) this.floats = grow(this.floats, this.nFloats + 1);
    this.floats[this.nFloats++] = v;
  }

  private addBigInt(v: bigint): void {
    if (v < INT64_MIN_BIG || v > INT64_MAX_BIG) {
      this.objects++;
      return;
    }
    const n = Number(v);
    if (Number.isSafeInteger(n)) {
      if (this.nInts === this.ints.length) this.ints = grow(this.ints, this.nInts + 1);
      this.ints[this.nInts++] = n;
    } else {
      this.bigInts.push(v);
    }
  }

  /** Adds every element of an array-like of unknown values. */
  addAll(values: ArrayLike<unknown>, start = 0, end = values.length): void {
    for (let i = start; i < end; i++) this.add(values[i]);
  }

  /** Fast path for a float column: one scan for NaN/±Inf, then a bulk copy. */
  addFloat64s(values: Float64Array | Float32Array): void {
    if (!this.numbersAreFloats) {
      // In an integral or string column whole numbers are ints: classify each value.
      for (let i = 0; i < values.length; i++) this.add(values[i]!);
      return;
    }
    const len = values.length;
    this.total += len;
    this.floats = grow(this.floats, this.nFloats + len);
    const out = this.floats;
    let k = this.nFloats;
    let nans = 0;
    let infs = 0;
    for (let i = 0; i < len; i++) {
      const x = values[i]!;
      if (x !== x) {
        nans++;
        continue;
      }
      if (x === Infinity || x === -Infinity) infs++;
      out[k++] = x;
    }
    this.nFloats = k;
    this.nans += nans;
    this.nulls += nans;
    this.infs += infs;
  }

  /** Fast path for integer typed arrays: no nulls, no NaN, all ints. */
  addIntegers(
    values: Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array,
  ): void {
    const len = values.length;
    if (this.numbersAreFloats) {
      this.total += len;
      this.floats = grow(this.floats, this.nFloats + len);
      this.floats.set(values, this.nFloats);
      this.nFloats += len;
      return;
    }
    this.total += len;
    this.ints = grow(this.ints, this.nInts + len);
    this.ints.set(values, this.nInts);
    this.nInts += len;
  }

  /** Fast path for 64-bit integer typed arrays. */
  addBigInt64s(values: BigInt64Array | BigUint64Array): void {
    for (let i = 0; i < values.length; i++) {
      this.total++;
      const v = values[i]!;
      if (this.numbersAreFloats) this.addNumber(Number(v));
      else this.addBigInt(v);
    }
  }

  /**
   * Adds `values[start..end)` of a typed array whose nulls are marked by clear bits in an Arrow validity bitmap
   * (bit `bitOffset + i` for element i).
   */
  addMasked(
    values: ArrayLike<number | bigint>,
    start: number,
    end: number,
    bitmap: Uint8Array,
    bitOffset: number,
  ): void {
    for (let i = start; i < end; i++) {
      const at = bitOffset + i;
      if (((bitmap[at >> 3]! >> (at & 7)) & 1) === 0) {
        this.total++;
        this.nulls++;
      } else {
        this.add(values[i]);
      }
    }
  }

  /**
   * Adds `values[start..end)` of an int64 array (optionally with an Arrow validity bitmap), reading each value
   * as two 32-bit words: no BigInt is created unless a value lies beyond 2^53.
   */
  addInt64s(
    values: BigInt64Array,
    start: number,
    end: number,
    bitmap: Uint8Array | undefined,
    bitOffset: number,
  ): void {
    if (!LITTLE_ENDIAN_HOST) {
      if (bitmap !== undefined) this.addMasked(values, start, end, bitmap, bitOffset);
      else this.addBigInt64s(values.subarray(start, end));
      return;
    }
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    for (let i = start; i < end; i++) {
      if (bitmap !== undefined) {
        const at = bitOffset + i;
        if (((bitmap[at >> 3]! >> (at & 7)) & 1) === 0) {
          this.total++;
          this.nulls++;
          continue;
        }
      }
      const hi = words[2 * i + 1]!;
      this.total++;
      if (hi >= -0x200000 && hi < 0x200000) {
        // |value| < 2^53, exact as a double (low word first on a little-endian host).
        this.addNumber(hi * 4294967296 + (words[2 * i]! >>> 0));
      } else {
        this.addBigInt(values[i]!);
      }
    }
  }

  /** Adds `count` values that are objects (e.g. Arrow timestamps, which only count). */
  addObjects(count: number): void {
    this.total += count;
    this.objects += count;
  }

  /** Adds `count` nulls (e.g. Arrow validity gaps). */
  addNulls(count: number): void {
    this.total += count;
    this.nulls += count;
  }
}
