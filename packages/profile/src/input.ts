// Turns what users pass to `track()` into columns: row objects, a column object `{ name: ArrayLike }`, or an
// Apache Arrow table (recognised structurally, so the library does not depend on apache-arrow). Everything is
// validated before any value is tracked, so a rejected input leaves the profile unchanged.

import { ProfileError } from "./errors.js";
import type { ColumnType } from "./schema.js";

/** A typed array the columnar fast paths accept. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** One column's values for this batch: plain values, or a typed array plus an optional validity mask. */
export interface ColumnSlice {
  readonly name: string;
  readonly values: ArrayLike<unknown> | NumericArray;
  /**
   * Arrow-style validity bitmap for a typed array (which cannot hold null): bit `validityOffset + i` clear marks
   * a null at i.
   */
  readonly validity?: Uint8Array;
  readonly validityOffset?: number;
  /** A type implied by the container (typed array element type, Arrow field type). */
  readonly impliedType?: ColumnType;
  /** Values already classified (Arrow dates/timestamps): `values` is then empty. */
  readonly counted?: { readonly objects: number; readonly nulls: number };
}

/** The minimal structural view of an apache-arrow `Table` this library reads. */
export interface ArrowTableLike {
  readonly schema: {
    readonly fields: readonly {
      readonly name: string;
      readonly type: { readonly typeId: number; readonly precision?: number };
    }[];
  };
  readonly numRows: number;
  getChild(name: string): ArrowVectorLike | null;
}

interface ArrowDataLike {
  readonly offset: number;
  readonly length: number;
  readonly nullCount: number;
  readonly values: unknown;
  readonly valueOffsets?: unknown;
  readonly nullBitmap?: Uint8Array | null;
  readonly dictionary?: { toArray(): ArrayLike<unknown> } | null;
  readonly type: { readonly typeId: number };
}

interface ArrowVectorLike {
  readonly length: number;
  readonly data: readonly ArrowDataLike[];
  get(i: number): unknown;
  // apache-arrow's Null vector has no values to return (its toArray() is typed void).
  toArray(): ArrayLike<unknown> | void;
}

// apache-arrow `Type` enum values (stable across versions since 0.x).
const ARROW_NULL = 1;
const ARROW_INT = 2;
const ARROW_FLOAT = 3;
const ARROW_UTF8 = 5;
const ARROW_BOOL = 6;
const ARROW_DATE = 8;
const ARROW_TIME = 9;
const ARROW_TIMESTAMP = 10;
const ARROW_DICTIONARY = -1;
const ARROW_LARGE_UTF8 = 20;

export function isTypedNumericArray(v: unknown): v is NumericArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

export function impliedTypeOf(values: unknown): ColumnType | undefined {
  if (values instanceof Float64Array || values instanceof Float32Array) return "fractional";
  if (isTypedNumericArray(values)) return "integral";
  return undefined;
}

export function isArrowTable(input: unknown): input is ArrowTableLike {
  if (input === null || typeof input !== "object") return false;
  const t = input as Partial<ArrowTableLike>;
  return (
    typeof t.getChild === "function" &&
    typeof t.numRows === "number" &&
    t.schema !== undefined &&
    Array.isArray((t.schema as { fields?: unknown }).fields)
  );
}

function arrowType(typeId: number): ColumnType {
  switch (typeId) {
    case ARROW_FLOAT:
      return "fractional";
    case ARROW_INT:
    case ARROW_BOOL:
      return "integral";
    case ARROW_UTF8:
    case ARROW_LARGE_UTF8:
    case ARROW_DICTIONARY:
      return "string";
    case ARROW_DATE:
    case ARROW_TIME:
    case ARROW_TIMESTAMP:
    default:
      return "any";
  }
}

/** Columns of an Arrow table; numeric chunks without nulls are passed as typed arrays (no per-value boxing). */
export function arrowColumns(table: ArrowTableLike): ColumnSlice[][] {
  const perColumn: ColumnSlice[][] = [];
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name);
    if (vector === null) continue;
    const type = arrowType(field.type.typeId);
    const slices: ColumnSlice[] = [];
    const typeId = field.type.typeId;
    // Float16 (Precision.HALF = 0) is stored as raw 16-bit patterns in a Uint16Array: never read those
    // as numbers; the vector's accessor decodes them.
    const half = typeId === ARROW_FLOAT && field.type.precision === 0;
    if (half) {
      const values = new Array<unknown>(vector.length);
      for (let i = 0; i < vector.length; i++) values[i] = vector.get(i);
      slices.push({ name: field.name, values, impliedType: type });
    } else if (typeId === ARROW_NULL && Array.isArray(vector.data)) {
      // The null type has no buffers at all: every value is missing.
      for (const chunk of vector.data) {
        slices.push({
          name: field.name,
          values: [],
          impliedType: type,
          counted: { objects: 0, nulls: chunk.length },
        });
      }
    } else if ((typeId === ARROW_FLOAT || typeId === ARROW_INT) && Array.isArray(vector.data)) {
      for (const chunk of vector.data) {
        const values = chunk.values;
        if (!isTypedNumericArray(values)) {
          slices.push({ name: field.name, values: chunkValues(vector, chunk), impliedType: type });
          continue;
        }
        // apache-arrow slices value and offset buffers when it slices data; `offset` then only locates the
        // chunk's bits in the (unsliced) validity bitmap.
        const view = values.subarray(0, chunk.length) as NumericArray;
        const bitmap = chunk.nullCount > 0 ? chunk.nullBitmap : null;
        if (bitmap !== null && bitmap !== undefined) {
          slices.push({
            name: field.name,
            values: view,
            impliedType: type,
            validity: bitmap,
            validityOffset: chunk.offset,
          });
        } else {
          slices.push({ name: field.name, values: view, impliedType: type });
        }
      }
    } else if (typeId === ARROW_UTF8 && Array.isArray(vector.data)) {
      for (const chunk of vector.data)
        slices.push({ name: field.name, values: utf8Chunk(vector, chunk), impliedType: type });
    } else if (typeId === ARROW_BOOL && Array.isArray(vector.data)) {
      for (const chunk of vector.data)
        slices.push({ name: field.name, values: boolChunk(vector, chunk), impliedType: type });
    } else if (typeId === ARROW_DICTIONARY && Array.isArray(vector.data)) {
      for (const chunk of vector.data)
        slices.push({ name: field.name, values: dictionaryChunk(vector, chunk), impliedType: type });
    } else if (type === "any" && Array.isArray(vector.data)) {
      // Dates, times and timestamps only count (as objects, like whylogs' datetime columns): no need to
      // materialize a Date per value.
      for (const chunk of vector.data) {
        const nulls = chunk.nullCount > 0 ? countNulls(chunk) : 0;
        slices.push({
          name: field.name,
          values: [],
          impliedType: type,
          counted: { objects: chunk.length - nulls, nulls },
        });
      }
    } else {
      const values = type === "any" ? arrowObjects(vector, typeId) : (vector.toArray() ?? []);
      slices.push({ name: field.name, values, impliedType: type });
    }
    perColumn.push(slices);
  }
  return perColumn;
}

// Present in every JavaScript runtime; not part of the ES library this package compiles against.
declare const TextDecoder: new (label?: string) => { decode(input: Uint8Array): string };
let utf8Decoder: { decode(input: Uint8Array): string } | undefined;

/**
 * Strings of an Arrow Utf8 chunk (null where the validity bit is clear). Decoding value by value costs a
 * decoder call each; when the chunk's bytes are all ASCII, byte offsets are string offsets, so one decode of
 * the whole chunk and a substring per value does the same work far faster.
 */
function utf8Chunk(vector: ArrowVectorLike, chunk: ArrowDataLike): (string | null)[] {
  const offsets = chunk.valueOffsets;
  const bytes = chunk.values;
  if (!(offsets instanceof Int32Array) || !(bytes instanceof Uint8Array))
    return chunkValues(vector, chunk) as (string | null)[];
  // Offsets are already sliced to this chunk (see arrowColumns); `chunk.offset` applies to the bitmap only.
  const first = offsets[0]!;
  const last = offsets[chunk.length]!;
  const span = bytes.subarray(first, last);
  let ascii = true;
  for (let i = 0; i < span.length; i++) {
    if (span[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return chunkValues(vector, chunk) as (string | null)[];
  const text = (utf8Decoder ??= new TextDecoder("utf-8")).decode(span);
  const bitmap = chunk.nullCount > 0 ? chunk.nullBitmap : null;
  const out = new Array<string | null>(chunk.length);
  for (let i = 0; i < chunk.length; i++) {
    const bit = chunk.offset + i;
    if (bitmap && ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 0) out[i] = null;
    else out[i] = text.substring(offsets[i]! - first, offsets[i + 1]! - first);
  }
  return out;
}

function isValid(chunk: ArrowDataLike, i: number): boolean {
  const bitmap = chunk.nullCount > 0 ? chunk.nullBitmap : null;
  if (bitmap === null || bitmap === undefined) return true;
  const bit = chunk.offset + i;
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

function countNulls(chunk: ArrowDataLike): number {
  let nulls = 0;
  for (let i = 0; i < chunk.length; i++) if (!isValid(chunk, i)) nulls++;
  return nulls;
}

/** Booleans straight from the chunk's value bits (which, unlike other buffers, apache-arrow never slices). */
function boolChunk(vector: ArrowVectorLike, chunk: ArrowDataLike): (boolean | null)[] {
  const bits = chunk.values;
  if (!(bits instanceof Uint8Array)) return chunkValues(vector, chunk) as (boolean | null)[];
  const out = new Array<boolean | null>(chunk.length);
  for (let i = 0; i < chunk.length; i++) {
    const bit = chunk.offset + i;
    out[i] = isValid(chunk, i) ? ((bits[bit >> 3]! >> (bit & 7)) & 1) === 1 : null;
  }
  return out;
}

/** Dictionary-encoded values: the dictionary is decoded once, then looked up by index. */
function dictionaryChunk(vector: ArrowVectorLike, chunk: ArrowDataLike): unknown[] {
  const indices = chunk.values;
  const dictionary = chunk.dictionary?.toArray();
  if (!isTypedNumericArray(indices) || dictionary === undefined) return chunkValues(vector, chunk);
  const out = new Array<unknown>(chunk.length);
  for (let i = 0; i < chunk.length; i++) out[i] = isValid(chunk, i) ? dictionary[Number(indices[i]!)] : null;
  return out;
}

function chunkValues(vector: ArrowVectorLike, chunk: ArrowDataLike): unknown[] {
  const out: unknown[] = [];
  // Rare (e.g. 64-bit ints exposed as pairs): fall back to the vector's own accessor.
  const start = vector.data.indexOf(chunk);
  let base = 0;
  for (let i = 0; i < start; i++) base += vector.data[i]!.length;
  for (let i = 0; i < chunk.length; i++) out.push(vector.get(base + i));
  return out;
}

/** Dates and timestamps become Date objects (counted as `object`, like whylogs' datetime columns). */
function arrowObjects(vector: ArrowVectorLike, typeId: number): unknown[] {
  const out = new Array<unknown>(vector.length);
  const toDate = typeId === ARROW_DATE || typeId === ARROW_TIMESTAMP;
  for (let i = 0; i < vector.length; i++) {
    const v = vector.get(i);
    out[i] = toDate && (typeof v === "number" || typeof v === "bigint") ? new Date(Number(v)) : v;
  }
  return out;
}

/** Validates a column object `{ name: ArrayLike }`: every value array-like and all of one length. */
export function columnObjectSlices(input: Record<string, unknown>): ColumnSlice[] {
  const slices: ColumnSlice[] = [];
  let length = -1;
  let first = "";
  for (const [name, values] of Object.entries(input)) {
    const arrayLike =
      Array.isArray(values) ||
      isTypedNumericArray(values) ||
      (values !== null &&
        typeof values === "object" &&
        typeof (values as { length?: unknown }).length === "number");
    if (!arrayLike) {
      throw new ProfileError(
        "invalid-argument",
        "track: a column object maps each column name to an array or typed array " +
          "(to track a single record use trackRow())",
        { column: name },
      );
    }
    const len = (values as ArrayLike<unknown>).length;
    if (length === -1) {
      length = len;
      first = name;
    } else if (len !== length) {
      throw new ProfileError(
        "invalid-argument",
        `track: columns must have equal lengths (${JSON.stringify(first)} has ${length}, this has ${len})`,
        { column: name },
      );
    }
    const impliedType = impliedTypeOf(values);
    slices.push(
      impliedType === undefined
        ? { name, values: values as ArrayLike<unknown> }
        : { name, values: values as NumericArray, impliedType },
    );
  }
  return slices;
}

/** Checks that every row is a plain object, naming the first offender. */
export function checkRows(rows: readonly unknown[]): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== "object" || Array.isArray(r)) {
      throw new ProfileError(
        "invalid-argument",
        `track: row ${i} is ${r === null ? "null" : Array.isArray(r) ? "an array" : typeof r}, expected an object`,
      );
    }
  }
}

/**
 * Infers a column type from the values of its first batch, as pandas would type the column: only integers
 * (or only booleans) → integral, numbers with a fraction → fractional, only strings or mixed kinds → string,
 * only other objects (dates, …) → any. Returns undefined when every value is null.
 */
export function inferType(values: ArrayLike<unknown>): ColumnType | undefined {
  let ints = false;
  let floats = false;
  let bools = false;
  let strings = false;
  let objects = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    switch (typeof v) {
      case "number":
        if (v !== v) break;
        if (Number.isInteger(v)) ints = true;
        else floats = true;
        break;
      case "bigint":
        ints = true;
        break;
      case "boolean":
        bools = true;
        break;
      case "string":
        strings = true;
        break;
      case "undefined":
        break;
      default:
        if (v !== null) objects = true;
    }
  }
  const numbers = ints || floats;
  const kinds = Number(numbers) + Number(bools) + Number(strings) + Number(objects);
  if (kinds === 0) return undefined;
  if (kinds > 1 || strings) return "string";
  if (numbers) return floats ? "fractional" : "integral";
  if (bools) return "integral";
  return "any";
}
