// Splits a batch of raw values of one column into what the metrics consume, following whylogs' pandas
// preprocessing: nulls (incl. NaN) and counters on one side, typed value buffers on the other. Every
// metric then updates from the same split, so each value is classified exactly once.

import type { ColumnType } from "../schema.js";

const INT64_LIMIT = 2 ** 63;
const INT64_MIN_BIG = -(2n ** 63n);
const INT64_MAX_BIG = 2n ** 63n - 1n;

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

  get size(): number {
    return this.total;
  }

  reset(): void {
    this.total = this.nulls = this.nans = this.infs = 0;
    this.trues = this.falses = this.objects = this.tensors = 0;
    this.nFloats = this.nInts = 0;
    if (this.bigInts.length > 0) this.bigInts = [];
    if (this.strings.length > 0) this.strings = [];
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
    const len = values.length;
    this.total += len;
    this.floats = grow(this.floats, this.nFloats + len);
    if (this.numbersAreFloats) {
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
    } else {
      this.total -= len;
      for (let i = 0; i < len; i++) this.add(values[i]!);
    }
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

  /** Adds `count` nulls (e.g. Arrow validity gaps). */
  addNulls(count: number): void {
    this.total += count;
    this.nulls += count;
  }
}
