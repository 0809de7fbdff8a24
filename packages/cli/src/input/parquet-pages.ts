// Page-level Parquet decoding for the Parquet reader (parquet.ts): page headers checked before anything is
// allocated from them, run-length data checked before hyparquet expands it, and flat (non-nested) columns
// decoded straight into the arrays the profile takes.
//
// Why the checks: hyparquet sizes arrays from page headers and expands run-length runs without bounding them
// by the page's value count (hyparquet 1.33 `readRle`), so one flipped bit in a run header makes it append
// up to 2^31 elements to a JavaScript array, which is a fatal V8 error (the process dies, no exception).
// Every page is therefore checked first: sizes within its column chunk, value counts within the row group,
// and every run of its levels and dictionary indices within the page's values.
//
// Why flat columns bypass hyparquet's assembly: pages of a nullable column become plain arrays there
// (definition levels applied value by value, then concatenated), which costs more than decoding. Here each
// page's values are scattered once into the column's final array (Float64Array, numbers or values).

import { parquetHeader } from "hyparquet/src/column.js";
import { getMaxDefinitionLevel } from "hyparquet/src/schema.js";
import { convert, convertWithDictionary } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import type { ColumnMetaData, Compressors, DecodedArray, PageHeader } from "hyparquet";

/** What hyparquet's page decoders need to know about a column (its ColumnDecoder). */
export type ColumnDecoder = Parameters<typeof readDataPageV2>[2];

/** Columns beyond this many values per row group would outgrow V8's largest array while being assembled. */
export const MAX_CHUNK_VALUES = 1 << 26;

/** How a flat column's values become the profile column (see parquet.ts). */
export type FlatMapping = "float" | "int" | "time-ms" | "time-us" | "time-ns" | "text" | "asis";

export interface LevelShape {
  readonly maxRepetition: number;
  readonly maxDefinition: number;
}

export class PageError extends Error {}

/**
 * Decompressors that refuse to inflate a page beyond `limit` bytes (a corrupt header would otherwise
 * allocate it first) and, once per call, hand the inflated bytes to `inspect` (the page being decoded sets
 * it; see decodeFlatChunk).
 */
export class GuardedCompressors {
  readonly compressors: Compressors = {};
  inspect: ((page: Uint8Array) => void) | null = null;

  constructor(base: Compressors, limit: number) {
    for (const [codec, decompress] of Object.entries(base) as [keyof Compressors, Compressors["GZIP"]][]) {
      if (decompress === undefined) continue;
      this.compressors[codec] = (input, outputLength) => {
        if (!(outputLength >= 0 && outputLength <= limit)) {
          throw new PageError(`a page claims ${outputLength} uncompressed bytes, more than its column chunk`);
        }
        const output = decompress(input, outputLength);
        const inspect = this.inspect;
        this.inspect = null;
        inspect?.(output);
        return output;
      };
    }
  }
}

/** Reads a page header at `at`, checking the sizes later code trusts. */
function readHeader(
  chunk: Uint8Array,
  at: number,
  maxUncompressed: number,
): { header: PageHeader; body: number } {
  const reader = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: at };
  let header: PageHeader;
  try {
    header = parquetHeader(reader);
  } catch (e) {
    throw new PageError(`unreadable page header at byte ${at} of its column chunk (${(e as Error).message})`);
  }
  const compressed = header.compressed_page_size;
  const uncompressed = header.uncompressed_page_size;
  if (!(Number.isInteger(compressed) && compressed >= 0 && reader.offset + compressed <= chunk.length)) {
    throw new PageError(`a page at byte ${at} claims ${compressed} bytes, beyond its column chunk`);
  }
  if (!(Number.isInteger(uncompressed) && uncompressed >= 0 && uncompressed <= maxUncompressed)) {
    throw new PageError(`a page at byte ${at} claims ${uncompressed} uncompressed bytes`);
  }
  return { header, body: reader.offset };
}

function isCount(n: unknown, max: number): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= max;
}

const bitWidth = (max: number): number => 32 - Math.clz32(max);

/**
 * Walks the runs of RLE/bit-packed hybrid data in bytes[at, end) that decode `count` values of `width`
 * bits: every run must lie within the bytes, and no RLE run may extend past `count` (hyparquet would write
 * it out in full). Bit-packed runs are bounded by their bytes, so only their bytes are checked. Levels
 * (`exact`) must cover `count`; for dictionary indices and booleans `count` is only an upper bound (nulls
 * have no value), and hyparquet fails cleanly on values that end early.
 */
function checkHybrid(
  bytes: Uint8Array,
  at: number,
  end: number,
  width: number,
  count: number,
  what: string,
  exact = true,
): void {
  if (end > bytes.length) throw new PageError(`${what} extend past the page`);
  let seen = 0;
  while (seen < count) {
    if (at >= end && !exact) return;
    // A varint, read as hyparquet reads it (32-bit).
    let header = 0;
    let shift = 0;
    for (;;) {
      if (at >= end) throw new PageError(`${what} end after ${seen} of ${count} values`);
      const byte = bytes[at++]!;
      header |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
    }
    if (header & 1) {
      const groups = header >>> 1;
      at += groups * width;
      seen += groups * 8;
      if (at > end) throw new PageError(`${what}: a bit-packed run extends past its data`);
    } else {
      const run = header >>> 1;
      if (seen + run > count)
        throw new PageError(`${what}: a run of ${run} values exceeds the page's ${count}`);
      at += (width + 7) >> 3;
      seen += run;
      if (at > end) throw new PageError(`${what}: a run extends past its data`);
    }
  }
}

/** Hybrid data preceded by its 4-byte length (levels of v1 pages, RLE booleans); returns where it ends. */
function checkPrefixedHybrid(
  bytes: Uint8Array,
  at: number,
  width: number,
  count: number,
  what: string,
  exact = true,
): number {
  if (at + 4 > bytes.length) throw new PageError(`${what} are missing`);
  const length = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  checkHybrid(bytes, at + 4, at + 4 + length, width, count, what, exact);
  return at + 4 + length;
}

/** The values section of a data page: run-length encodings are walked, the others are bounded already. */
function checkValues(
  values: Uint8Array,
  at: number,
  encoding: string,
  decoder: ColumnDecoder,
  count: number,
): void {
  if (encoding === "RLE" && decoder.type === "BOOLEAN") {
    if (count > 0) checkPrefixedHybrid(values, at, 1, count, "boolean runs", false);
  } else if (encoding === "PLAIN_DICTIONARY" || encoding === "RLE_DICTIONARY" || encoding === "RLE") {
    if (count === 0) return;
    if (at >= values.length) throw new PageError("dictionary indices are missing");
    const width = values[at]!;
    if (width > 32) throw new PageError(`dictionary indices of ${width} bits`);
    if (width > 0) checkHybrid(values, at + 1, values.length, width, count, "dictionary indices", false);
  }
}

/** Checks a v1 data page (already decompressed): levels, then values. */
function checkPageV1(page: Uint8Array, header: PageHeader, decoder: ColumnDecoder, levels: LevelShape): void {
  const daph = header.data_page_header!;
  const n = daph.num_values;
  let at = 0;
  if (levels.maxRepetition > 0) {
    at = checkPrefixedHybrid(page, at, bitWidth(levels.maxRepetition), n, "repetition levels");
  }
  if (levels.maxDefinition > 0) {
    at = checkPrefixedHybrid(page, at, bitWidth(levels.maxDefinition), n, "definition levels");
  }
  checkValues(page, at, daph.encoding, decoder, n);
}

/** Checks the header fields of a v2 data page and its (uncompressed) levels; returns where values start. */
function checkPageV2Levels(body: Uint8Array, header: PageHeader, levels: LevelShape): number {
  const h = header.data_page_header_v2!;
  const n = h.num_values;
  const rep = h.repetition_levels_byte_length;
  const def = h.definition_levels_byte_length;
  if (!(isCount(h.num_nulls, n) && isCount(h.num_rows, n) && isCount(rep, body.length))) {
    throw new PageError("a v2 page header has inconsistent counts");
  }
  if (!(isCount(def, body.length - rep) && rep + def <= header.uncompressed_page_size)) {
    throw new PageError("a v2 page's levels overflow the page");
  }
  if (levels.maxRepetition > 0)
    checkHybrid(body, 0, rep, bitWidth(levels.maxRepetition), n, "repetition levels");
  if (levels.maxDefinition > 0) {
    checkHybrid(body, rep, rep + def, bitWidth(levels.maxDefinition), n, "definition levels");
  }
  return rep + def;
}

function dataPageValues(header: PageHeader): number | null {
  if (header.type === "DATA_PAGE") return header.data_page_header?.num_values ?? -1;
  if (header.type === "DATA_PAGE_V2") return header.data_page_header_v2?.num_values ?? -1;
  return null;
}

/**
 * Checks every page of a column chunk that hyparquet will decode itself (nested columns): headers, and the
 * levels and indices of each page, decompressing it for that (hyparquet decompresses it again to decode).
 */
export function checkChunkPages(
  chunk: Uint8Array,
  meta: ColumnMetaData,
  decoder: ColumnDecoder,
  levels: LevelShape,
  compressors: Compressors,
): void {
  const expected = Number(meta.num_values);
  if (!(expected >= 0 && expected <= MAX_CHUNK_VALUES)) {
    throw new PageError(`a column chunk of ${expected} values (at most ${MAX_CHUNK_VALUES} are supported)`);
  }
  const maxUncompressed = Number(meta.total_uncompressed_size);
  let values = 0;
  let at = 0;
  while (at < chunk.length && values < expected) {
    const { header, body } = readHeader(chunk, at, maxUncompressed);
    const bytes = chunk.subarray(body, body + header.compressed_page_size);
    at = body + header.compressed_page_size;
    const n = dataPageValues(header);
    if (n === null) continue;
    if (!isCount(n, expected - values))
      throw new PageError(`a page of ${n} values overflows its column chunk`);
    values += n;
    if (header.type === "DATA_PAGE") {
      checkPageV1(
        decompressPage(bytes, header.uncompressed_page_size, meta.codec, compressors),
        header,
        decoder,
        levels,
      );
    } else {
      const h = header.data_page_header_v2!;
      const start = checkPageV2Levels(bytes, header, levels);
      const valuesSize = header.uncompressed_page_size - start;
      const compressed = h.is_compressed !== false && valuesSize > 0;
      const section = compressed
        ? decompressPage(bytes.subarray(start), valuesSize, meta.codec, compressors)
        : bytes.subarray(start);
      checkValues(section, 0, h.encoding, decoder, n - h.num_nulls);
    }
  }
  if (values !== expected)
    throw new PageError(`its pages hold ${values} values, its metadata says ${expected}`);
}

/** Accumulates one flat column's pages into the array handed to the profile. */
abstract class Sink {
  constructor(protected readonly rows: number) {}
  /** Values of rows [at, at + n): `defs` empty when none is null, else 1 (value) / 0 (null) per row. */
  abstract write(values: DecodedArray, defs: readonly number[], at: number, n: number): void;
  abstract finish(): ArrayLike<unknown>;
}

function missingValue(): PageError {
  return new PageError("a dictionary index is out of range");
}

class FloatSink extends Sink {
  private readonly out = new Float64Array(this.rows);

  write(values: DecodedArray, defs: readonly number[], at: number, n: number): void {
    const out = this.out;
    if (defs.length === 0 && (values instanceof Float64Array || values instanceof Float32Array)) {
      out.set(values.subarray(0, n), at);
      return;
    }
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (defs.length !== 0 && defs[i] === 0) {
        out[at + i] = NaN;
        continue;
      }
      const v = values[k++];
      if (v === undefined) throw missingValue();
      out[at + i] = v === null ? NaN : Number(v);
    }
  }

  finish(): Float64Array {
    return this.out;
  }
}

/** Integers as doubles (exact below 2^53), with nulls and larger bigints kept aside until the end. */
class IntSink extends Sink {
  private readonly nums = new Float64Array(this.rows);
  private nulls: Uint8Array | null = null;
  private bigs: Map<number, bigint> | null = null;
  private min = Infinity;
  private max = -Infinity;

  write(values: DecodedArray, defs: readonly number[], at: number, n: number): void {
    const nums = this.nums;
    let min = this.min;
    let max = this.max;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (defs.length !== 0 && defs[i] === 0) {
        (this.nulls ??= new Uint8Array(this.rows))[at + i] = 1;
        continue;
      }
      let v = values[k++] as number | bigint | null | undefined;
      if (v === undefined) throw missingValue();
      if (v === null) {
        (this.nulls ??= new Uint8Array(this.rows))[at + i] = 1;
        continue;
      }
      if (typeof v === "bigint") {
        const asNumber = Number(v);
        if (!Number.isSafeInteger(asNumber)) {
          (this.bigs ??= new Map()).set(at + i, v);
          continue;
        }
        v = asNumber;
      }
      nums[at + i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.min = min;
    this.max = max;
  }

  finish(): ArrayLike<unknown> {
    const { nums, nulls, bigs } = this;
    if (nulls === null && bigs === null) {
      if (this.min >= -0x80000000 && this.max <= 0x7fffffff) return Int32Array.from(nums);
      if (this.min >= 0 && this.max <= 0xffffffff) return Uint32Array.from(nums);
    }
    const out = new Array<number | bigint | null>(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = nulls !== null && nulls[i] === 1 ? null : nums[i]!;
    if (bigs !== null) for (const [i, v] of bigs) out[i] = v;
    return out;
  }
}

/** Values as they are (after `map`), null where the row has none. */
class ValueSink extends Sink {
  private readonly out: unknown[] = new Array<unknown>(this.rows);

  constructor(
    rows: number,
    private readonly map: ((v: unknown) => unknown) | null,
  ) {
    super(rows);
  }

  write(values: DecodedArray, defs: readonly number[], at: number, n: number): void {
    const out = this.out;
    const map = this.map;
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (defs.length !== 0 && defs[i] === 0) {
        out[at + i] = null;
        continue;
      }
      const v = values[k++];
      if (v === undefined) throw missingValue();
      out[at + i] = map === null || v === null ? v : map(v);
    }
  }

  finish(): unknown[] {
    return this.out;
  }
}

const textDecoder = new TextDecoder();

function makeSink(mapping: FlatMapping, rows: number): Sink {
  switch (mapping) {
    case "float":
      return new FloatSink(rows);
    case "int":
      return new IntSink(rows);
    case "time-ms":
      return new ValueSink(rows, (v) => new Date(Number(v)));
    case "time-us":
      return new ValueSink(rows, (v) => new Date(Number(BigInt(v as bigint) / 1000n)));
    case "time-ns":
      return new ValueSink(rows, (v) => new Date(Number(BigInt(v as bigint) / 1_000_000n)));
    case "text":
      return new ValueSink(rows, (v) => (v instanceof Uint8Array ? textDecoder.decode(v) : v));
    case "asis":
      return new ValueSink(rows, null);
  }
}

/** A dictionary of 64-bit integers as numbers where exact, so that pages index numbers, not bigints. */
function numericDictionary(dictionary: DecodedArray): DecodedArray {
  if (!(
    dictionary instanceof BigInt64Array ||
    dictionary instanceof BigUint64Array ||
    Array.isArray(dictionary)
  )) {
    return dictionary;
  }
  const out = new Array<unknown>(dictionary.length);
  for (let i = 0; i < dictionary.length; i++) {
    const v = dictionary[i] as unknown;
    if (typeof v === "bigint") {
      const asNumber = Number(v);
      out[i] = Number.isSafeInteger(asNumber) ? asNumber : v;
    } else {
      out[i] = v;
    }
  }
  return out;
}

const DICTIONARY_ENCODINGS = new Set(["PLAIN_DICTIONARY", "RLE_DICTIONARY"]);

/**
 * Decodes the column chunk of a flat column (a leaf directly under the root, not repeated) into `rows`
 * values, checking each page before decoding it.
 */
export function decodeFlatChunk(
  chunk: Uint8Array,
  meta: ColumnMetaData,
  decoder: ColumnDecoder,
  guarded: GuardedCompressors,
  mapping: FlatMapping,
  rows: number,
): ArrayLike<unknown> {
  const maxDefinition = getMaxDefinitionLevel(decoder.schemaPath);
  if (maxDefinition > 1) throw new Error("decodeFlatChunk: not a flat column");
  const levels: LevelShape = { maxRepetition: 0, maxDefinition };
  const maxUncompressed = Number(meta.total_uncompressed_size);
  const sink = makeSink(mapping, rows);
  let dictionary: DecodedArray | undefined;
  let row = 0;
  let at = 0;
  while (row < rows) {
    if (at >= chunk.length) throw new PageError(`its pages end after ${row} of ${rows} rows`);
    const { header, body } = readHeader(chunk, at, maxUncompressed);
    const bytes = chunk.subarray(body, body + header.compressed_page_size);
    at = body + header.compressed_page_size;
    if (header.type === "DICTIONARY_PAGE") {
      const n = header.dictionary_page_header?.num_values;
      if (!isCount(n, header.uncompressed_page_size)) throw new PageError(`a dictionary of ${n} entries`);
      const page = decompressPage(bytes, header.uncompressed_page_size, meta.codec, guarded.compressors);
      const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      const plain = readPlain(reader, decoder.type, n, decoder.element.type_length);
      const converted = convert(plain, decoder);
      dictionary = mapping === "int" ? numericDictionary(converted) : converted;
      continue;
    }
    const n = dataPageValues(header);
    if (n === null) continue; // index pages carry nothing to decode
    if (!isCount(n, rows - row)) throw new PageError(`a page of ${n} values overflows its row group`);
    let page: { definitionLevels: number[] | undefined; dataPage: DecodedArray };
    let encoding: string;
    if (header.type === "DATA_PAGE") {
      const daph = header.data_page_header!;
      encoding = daph.encoding;
      const raw = decompressPage(bytes, header.uncompressed_page_size, meta.codec, guarded.compressors);
      checkPageV1(raw, header, decoder, levels);
      page = readDataPage(raw, daph, decoder);
    } else {
      const h = header.data_page_header_v2!;
      encoding = h.encoding;
      if (h.num_rows !== n) throw new PageError("a v2 page of a flat column with rows ≠ values");
      const start = checkPageV2Levels(bytes, header, levels);
      const count = n - h.num_nulls;
      const compressed =
        h.is_compressed !== false &&
        header.uncompressed_page_size - start > 0 &&
        meta.codec !== "UNCOMPRESSED";
      if (compressed) guarded.inspect = (values) => checkValues(values, 0, encoding, decoder, count);
      else checkValues(bytes, start, encoding, decoder, count);
      try {
        page = readDataPageV2(bytes, header, decoder);
      } finally {
        guarded.inspect = null;
      }
    }
    if (DICTIONARY_ENCODINGS.has(encoding) && dictionary === undefined) {
      throw new PageError("a dictionary-encoded page without a dictionary");
    }
    const values = convertWithDictionary(page.dataPage, dictionary, encoding as never, decoder);
    const defs = page.definitionLevels ?? [];
    let present = n;
    if (defs.length !== 0) {
      present = 0;
      for (let i = 0; i < n; i++) if (defs[i] === maxDefinition) present++;
    }
    if (values.length < present)
      throw new PageError(`a page decoded ${values.length} of its ${present} values`);
    sink.write(values, defs, row, n);
    row += n;
  }
  return sink.finish();
}
