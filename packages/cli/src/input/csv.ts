// The CSV/TSV reader: the header, then chunks of whole records (cut by RecordSplitter) parsed straight from
// bytes into columns. Field values follow pandas.read_csv's defaults (see text-values.ts): NA strings are null,
// True/False spellings are booleans, decimal numbers are numbers (quoted or not), everything else a string.
//
// Columns, and how they differ from pandas:
// - Each column gets a kind from the first chunk in which it has a non-null value, and keeps it (`kinds`; the
//   engine may pass the kinds another parser decided, so every worker agrees):
//   - float: numbers, at least one written with float syntax (".", an exponent, inf). Emitted as a Float64Array
//     with NaN for nulls, so 32.0 stays fractional as in a pandas float64 column, and later integer-syntax
//     values are floats too.
//   - int: integers only. An Int32Array when a chunk's values all fit and none is null, otherwise a plain array
//     of numbers and nulls. Integers beyond +-(2^53 - 1) are bigints there (exact int64, as pandas' int64 keeps
//     them); beyond int64 they are rounded numbers (pandas would fall back to uint64 or an object column). A
//     later float-syntax value keeps its number, in a plain array for that chunk (pandas would have made the
//     whole column float64).
//   - bool: booleans only: a plain array of booleans and nulls.
//   - mixed: strings, or numbers together with booleans. A plain array in which every value keeps its own parsed
//     kind. Deliberately unlike pandas, which turns such a column into strings (an object column): a stray "n/k"
//     in a numeric column then shows up in the profile as one string among numbers (a type mismatch a quality
//     check can see) instead of turning every number into a string.
//   A value that does not fit a column's kind never changes the kind; the chunk holding it is emitted as a plain
//   array where each value keeps its own kind.
// - A column that is null throughout a chunk before it has a kind is emitted as nulls (pandas would say float64).
// - Malformed records are counted, skipped and the first few reported with their physical line: a field count
//   other than the header's (pandas pads short rows with NaN and rejects long ones) and a quoted field still open
//   at the end of the input. A quote inside an unquoted field is an ordinary character, and text after a closing
//   quote is appended to the field, as in Python's csv module and pandas (not malformed).
// - Blank lines, and lines of only spaces and tabs, are skipped (pandas' skip_blank_lines).
// - Invalid UTF-8 is decoded with replacement characters (pandas would raise UnicodeDecodeError).

import { CliError } from "../errors.js";
import { delimiterByte, readRecord, startsWithBom } from "./record-splitter.js";
import type { CsvDialect } from "./record-splitter.js";
import {
  NumberScanner,
  TAG_BIGINT,
  TAG_FALSE,
  TAG_FLOAT,
  TAG_INT,
  TAG_INT32,
  TAG_NONE,
  TAG_NULL,
  TAG_STRING,
  TAG_TRUE,
  TextClassifier,
  scanWhole,
} from "./text-values.js";
import type { ChunkParser, ChunkResult, MalformedRecord } from "./types.js";

const LF = 10;
const CR = 13;
const QUOTE = 0x22;

/** The header record of a CSV file. */
export interface CsvHeader {
  /** Column names, with pandas' names for empty and repeated ones. */
  readonly names: string[];
  /** Offset just past the header record (and any blank lines before it): where the data starts. */
  readonly end: number;
  /** Physical lines up to `end`: the first data line is `lines + 1`. */
  readonly lines: number;
}

/**
 * Reads the header: the first record that is not a blank line, after an optional UTF-8 BOM. Returns null when
 * the bytes hold no complete header record yet, or (with `final`, meaning the bytes are the whole input) none
 * at all.
 * @throws CliError `input` when, with `final`, the header has a quoted field that never closes.
 */
export function parseCsvHeader(bytes: Uint8Array, dialect: CsvDialect, final = false): CsvHeader | null {
  const delimiter = delimiterByte(dialect.delimiter);
  let i = startsWithBom(bytes) ? 3 : 0;
  let lines = 0;
  for (;;) {
    const next = blankLineEnd(bytes, i, delimiter);
    if (next === -1) break;
    if (next === -2) return null; // a blank start whose line end has not arrived yet
    lines++;
    i = next;
  }
  if (i >= bytes.length) return null;
  const record = readRecord(bytes, i, delimiter, final);
  if (record === null) return null;
  if (record.unterminated) {
    throw new CliError("input", "the header has a quoted field that is never closed", { line: lines + 1 });
  }
  const newlines = record.newlines;
  const endsLine = record.end > 0 && bytes[record.end - 1] === LF;
  return {
    names: pandasColumnNames(record.fields),
    end: record.end,
    lines: lines + newlines + (endsLine ? 0 : 1),
  };
}

/**
 * If the line at `i` holds only spaces and tabs (neither being the delimiter) and a line end: the offset after
 * it. -1 when the line has other content; -2 when the bytes end before a blank line does.
 */
function blankLineEnd(bytes: Uint8Array, i: number, delimiter: number): number {
  const n = bytes.length;
  for (let j = i; j < n; j++) {
    const c = bytes[j]!;
    if (c === LF) return j + 1;
    if ((c === 32 || c === 9 || c === CR) && c !== delimiter) continue;
    return -1;
  }
  return i < n ? -2 : -1;
}

/**
 * pandas' column names for a header: an empty name becomes "Unnamed: <index>", and repeats get ".1", ".2", ...
 * (pandas.io.parsers, C engine `_get_header` with mangle_dupe_cols: named columns are deduplicated before
 * unnamed ones, and a generated name that collides with a later header name is skipped).
 */
export function pandasColumnNames(header: readonly string[]): string[] {
  const names = header.map((name, i) => (name === "" ? `Unnamed: ${i}` : name));
  const unnamed: number[] = [];
  const order: number[] = [];
  header.forEach((name, i) => (name === "" ? unnamed : order).push(i));
  order.push(...unnamed);
  const counts = new Map<string, number>();
  for (const i of order) {
    let col = names[i]!;
    const old = col;
    let count = counts.get(col) ?? 0;
    if (count > 0) {
      while (count > 0) {
        counts.set(old, count + 1);
        col = `${old}.${count}`;
        if (names.includes(col)) count++;
        else count = counts.get(col) ?? 0;
      }
      names[i] = col;
    }
    counts.set(col, count + 1);
  }
  return names;
}

/** How a column's values are emitted, decided once (see the top of this file). */
export type ColumnKind = "float" | "int" | "bool" | "mixed";

export interface CsvChunkParserOptions {
  readonly dialect: CsvDialect;
  /** Column names (from parseCsvHeader); every record must have this many fields. */
  readonly columns: readonly string[];
  /** NA strings; they replace pandas' defaults (DEFAULT_NULL_VALUES). */
  readonly nullValues?: readonly string[];
  /** How many malformed records a chunk reports in detail (all are counted). Default 20. */
  readonly maxMalformedSamples?: number;
  /** Kinds already decided (say by another worker's first chunk), by column index; missing ones are decided here. */
  readonly kinds?: readonly (ColumnKind | null | undefined)[];
}

const BIT_NULL = 1 << TAG_NULL;
const BIT_INT32 = 1 << TAG_INT32;
const BIT_BOOL = (1 << TAG_TRUE) | (1 << TAG_FALSE);
const BIT_STRING = 1 << TAG_STRING;
const BITS_INT = (1 << TAG_INT32) | (1 << TAG_INT) | (1 << TAG_BIGINT);
const BITS_NUMBER = BITS_INT | (1 << TAG_FLOAT);

/**
 * A Buffer view of a chunk's memory (no copy), to decode byte ranges. latin1Slice/utf8Slice are the methods
 * behind buf.toString(encoding, start, end) (in Node since 0.x, absent from the typings); calling them directly
 * skips the encoding lookup, a measurable share of the time on string columns.
 */
type ChunkText = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

/**
 * Parses chunks of whole CSV records into columns. One instance per worker: it keeps the column kinds and its
 * scratch buffers across chunks.
 */
export class CsvChunkParser implements ChunkParser {
  readonly columns: readonly string[];
  private readonly nc: number;
  private readonly delimiter: number;
  private readonly classifier: TextClassifier;
  private readonly scanner: NumberScanner;
  /**
   * Whether numbers are parsed while looking for a field's end; impossible when the delimiter could be part of
   * a number (a digit, ".", "+", "-", "e", "E", a space).
   */
  private readonly fused: boolean;
  private readonly maxSamples: number;
  private readonly kindOf: (ColumnKind | null)[];
  // Row-major scratch, one slot per field, reused across chunks: the number (NaN for null) and the tag.
  private cap = 0;
  private vals = new Float64Array(0);
  private tags = new Uint8Array(0);
  /** 1-based physical line of each parsed record (for messages about a record, e.g. a bad timestamp). */
  private recordLines = new Float64Array(0);
  /** Per column, in row order, the values numbers cannot hold: strings and bigints. */
  private extras: unknown[][];
  private text: ChunkText | null = null;

  constructor(options: CsvChunkParserOptions) {
    if (options.columns.length === 0) throw new CliError("input", "the CSV header names no columns");
    this.columns = [...options.columns];
    this.nc = options.columns.length;
    this.delimiter = delimiterByte(options.dialect.delimiter);
    this.scanner = new NumberScanner(this.delimiter);
    this.fused = !/[0-9.+\-eE ]/.test(options.dialect.delimiter);
    this.classifier = new TextClassifier(options.nullValues);
    this.maxSamples = options.maxMalformedSamples ?? 20;
    this.kindOf = this.columns.map((_, i) => options.kinds?.[i] ?? null);
    this.extras = this.columns.map(() => []);
  }

  /** The kind of each column (null while a column has had no non-null value). */
  get kinds(): readonly (ColumnKind | null)[] {
    return this.kindOf;
  }

  parse(chunk: Uint8Array, firstLine: number): ChunkResult {
    // One Uint8Array type at every byte access keeps the loops monomorphic (a Buffer is a subclass).
    const b =
      Object.getPrototypeOf(chunk) === Uint8Array.prototype
        ? chunk
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.text = Buffer.from(b.buffer, b.byteOffset, b.byteLength) as ChunkText;
    const n = b.length;
    const nc = this.nc;
    const delim = this.delimiter;
    const fused = this.fused;
    const scanner = this.scanner;
    const samples: MalformedRecord[] = [];
    let malformed = 0;
    let pos = firstLine === 1 && startsWithBom(b) ? 3 : 0;
    let line = firstLine;
    let row = 0;
    if (this.cap === 0) this.grow(Math.max(256, Math.min(1 << 16, (n / (nc * 4)) | 0)));

    while (pos < n) {
      let c = b[pos]!;
      if (c === LF) {
        pos++;
        line++;
        continue;
      }
      if (c === CR && pos + 1 < n && b[pos + 1] === LF) {
        pos += 2;
        line++;
        continue;
      }
      if (row === this.cap) this.grow(this.cap * 2);
      const vals = this.vals;
      const recordLine = line;
      const base = row * nc;
      let col = 0;
      let unterminated = false;
      let lastStart = pos;
      let lastQuoted = false;
      for (;;) {
        lastStart = pos;
        if (pos < n && b[pos] === QUOTE) {
          lastQuoted = true;
          // Quoted field: find the closing quote, collecting "" escapes and counting the lines inside.
          let p = pos + 1;
          let high = 0;
          let segment = p;
          let escaped: string | null = null;
          let closed = false;
          while (p < n) {
            c = b[p]!;
            if (c !== QUOTE) {
              high |= c;
              if (c === LF) line++;
              p++;
              continue;
            }
            if (p + 1 < n && b[p + 1] === QUOTE) {
              escaped = (escaped ?? "") + this.decode(segment, p + 1, high);
              p += 2;
              segment = p;
              high = 0;
              continue;
            }
            closed = true;
            break;
          }
          if (!closed) {
            unterminated = true;
            pos = n;
            break;
          }
          const close = p++;
          // Text between the closing quote and the delimiter or line end belongs to the field (Python csv).
          let tail: string | null = null;
          if (p < n && (c = b[p]!) !== delim && c !== LF && !(c === CR && (p + 1 === n || b[p + 1] === LF))) {
            const from = p;
            let tailHigh = 0;
            while (p < n && (c = b[p]!) !== delim && c !== LF) {
              tailHigh |= c;
              p++;
            }
            let to = p;
            if (to > from && b[to - 1] === CR && (p === n || c === LF)) to--;
            tail = this.decode(from, to, tailHigh);
          } else if (p < n && b[p] === CR) p++;
          if (col < nc) {
            if (escaped === null && tail === null)
              this.storeBytes(b, pos + 1, close, high, base + col, col, true);
            else
              this.storeText(
                (escaped ?? "") + this.decode(segment, close, high) + (tail ?? ""),
                base + col,
                col,
              );
          }
          pos = p;
        } else {
          lastQuoted = false;
          let p = pos;
          if (fused && col < nc) {
            // Most fields are numbers: parse while looking for the field's end, and be done if it ends there.
            const slot = base + col;
            const tag = scanner.scan(b, pos, n, vals, slot);
            if (tag !== TAG_NONE) {
              p = scanner.end;
              c = p < n ? b[p]! : LF;
              if (c === CR && (p + 1 === n || b[p + 1] === LF)) c = b[++p] ?? LF;
              if (c === delim || c === LF) {
                this.storeNumber(tag, pos, p, slot, col);
                pos = p;
                col++;
                if (c === delim && pos < n) {
                  pos++;
                  continue;
                }
                break;
              }
              p = pos;
            }
          }
          let high = 0;
          while (p < n) {
            c = b[p]!;
            if (c === delim || c === LF) break;
            high |= c;
            p++;
          }
          let end = p;
          if (end > pos && b[end - 1] === CR && (p === n || c === LF)) end--;
          if (col < nc) this.storeBytes(b, pos, end, high, base + col, col, !fused);
          pos = p;
        }
        col++;
        if (pos < n && b[pos] === delim) {
          pos++;
          continue;
        }
        break;
      }
      const recordEnd = pos;
      if (pos < n) {
        pos++; // the LF
        line++;
      }
      if (col === nc && !unterminated && !(col === 1 && !lastQuoted && blank(b, lastStart, recordEnd))) {
        this.recordLines[row] = recordLine;
        row++;
        continue;
      }
      this.rollback(base, Math.min(col, nc));
      if (col === 1 && !lastQuoted && !unterminated && blank(b, lastStart, recordEnd)) continue;
      malformed++;
      if (samples.length < this.maxSamples) {
        samples.push({
          line: recordLine,
          reason: unterminated ? "unterminated quoted field" : `expected ${nc} fields, found ${col}`,
        });
      }
    }
    this.text = null;
    const columns = this.emit(row);
    const lines = line - firstLine + (n > 0 && b[n - 1] !== LF ? 1 : 0);
    return {
      batch: { kind: "columns", rows: row, columns },
      malformed,
      malformedSamples: samples,
      lines,
      // A copy: the buffer is reused by the next chunk, the result may be kept longer.
      recordLines: this.recordLines.slice(0, row),
    };
  }

  private decode(start: number, end: number, high: number): string {
    return high < 0x80 ? this.text!.latin1Slice(start, end) : this.text!.utf8Slice(start, end);
  }

  /** Records a number the scanner wrote to vals[slot] (field bytes b[start, end)), unless it is an NA string. */
  private storeNumber(tag: number, start: number, end: number, slot: number, col: number): void {
    const classifier = this.classifier;
    if (
      classifier.numericNulls !== null &&
      end - start <= classifier.numericNullMaxBytes + 1 &&
      classifier.isNumericNull(this.text!.latin1Slice(start, end).replace(/\r$/, ""))
    ) {
      this.tags[slot] = TAG_NULL;
      this.vals[slot] = NaN;
      return;
    }
    this.tags[slot] = tag;
    if (tag === TAG_BIGINT) this.extras[col]!.push(this.scanner.bigint);
  }

  /**
   * Classifies the field bytes b[start, end) (an unquoted field, or the inside of a quoted one without escapes);
   * `tryNumber` false when the bytes are known not to be a number.
   */
  private storeBytes(
    b: Uint8Array,
    start: number,
    end: number,
    high: number,
    slot: number,
    col: number,
    tryNumber: boolean,
  ): void {
    if (start === end) {
      if (this.classifier.emptyIsNull) {
        this.tags[slot] = TAG_NULL;
        this.vals[slot] = NaN;
      } else {
        this.tags[slot] = TAG_STRING;
        this.extras[col]!.push("");
      }
      return;
    }
    if (high < 0x80) {
      if (tryNumber) {
        const tag = scanWhole(this.scanner, b, start, end, this.vals, slot);
        if (tag !== TAG_NONE) {
          this.storeNumber(tag, start, end, slot, col);
          return;
        }
      }
      // Most strings cannot be an NA, boolean or infinity spelling: their first byte says so.
      if (!this.classifier.mayBeSpecial(b[start]!)) {
        this.tags[slot] = TAG_STRING;
        this.extras[col]!.push(this.text!.latin1Slice(start, end));
        return;
      }
    }
    this.storeText(this.decode(start, end, high), slot, col);
  }

  private storeText(text: string, slot: number, col: number): void {
    const tag = this.classifier.classify(text, this.vals, slot);
    this.tags[slot] = tag;
    if (tag === TAG_NULL) this.vals[slot] = NaN;
    else if (tag === TAG_STRING) this.extras[col]!.push(text);
  }

  /** Forgets the first `stored` fields of a record that turned out malformed or blank. */
  private rollback(base: number, stored: number): void {
    for (let c = 0; c < stored; c++) {
      const tag = this.tags[base + c];
      if (tag === TAG_STRING || tag === TAG_BIGINT) this.extras[c]!.pop();
    }
  }

  private grow(rows: number): void {
    const vals = new Float64Array(rows * this.nc);
    const tags = new Uint8Array(rows * this.nc);
    const lines = new Float64Array(rows);
    vals.set(this.vals);
    tags.set(this.tags);
    lines.set(this.recordLines);
    this.vals = vals;
    this.tags = tags;
    this.recordLines = lines;
    this.cap = rows;
  }

  private emit(rows: number): Record<string, ArrayLike<unknown>> {
    const columns: Record<string, ArrayLike<unknown>> = {};
    for (let c = 0; c < this.nc; c++) {
      const values = this.emitColumn(c, rows);
      // A column named __proto__ must become an own property, not the object's prototype.
      Object.defineProperty(columns, this.columns[c]!, {
        value: values,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return columns;
  }

  private emitColumn(c: number, rows: number): ArrayLike<unknown> {
    const nc = this.nc;
    const tags = this.tags;
    const vals = this.vals;
    let seen = 0;
    for (let i = 0, k = c; i < rows; i++, k += nc) seen |= 1 << tags[k]!;
    let kind: ColumnKind | null = this.kindOf[c]!;
    if (kind === null) {
      kind = decideKind(seen);
      this.kindOf[c] = kind;
      if (kind === null) return new Array<null>(rows).fill(null);
    }
    const extras = this.extras[c]!;
    if (kind === "float" && (seen & ~(BITS_NUMBER | BIT_NULL)) === 0) {
      this.extras[c] = [];
      const out = new Float64Array(rows);
      for (let i = 0, k = c; i < rows; i++, k += nc) out[i] = vals[k]!;
      return out;
    }
    if (kind === "int" && seen === BIT_INT32) {
      const out = new Int32Array(rows);
      for (let i = 0, k = c; i < rows; i++, k += nc) out[i] = vals[k]!;
      return out;
    }
    if (seen === BIT_STRING) {
      // Strings only: the list already is the column.
      this.extras[c] = [];
      return extras;
    }
    this.extras[c] = [];
    const out = new Array<unknown>(rows);
    let e = 0;
    for (let i = 0, k = c; i < rows; i++, k += nc) {
      switch (tags[k]) {
        case TAG_NULL:
          out[i] = null;
          break;
        case TAG_TRUE:
          out[i] = true;
          break;
        case TAG_FALSE:
          out[i] = false;
          break;
        case TAG_STRING:
          out[i] = extras[e++];
          break;
        case TAG_BIGINT:
          // In a float column every number is a float (its rounding); elsewhere the exact int64.
          out[i] = kind === "float" ? vals[k] : extras[e];
          e++;
          break;
        default:
          out[i] = vals[k];
      }
    }
    return out;
  }
}

/** The kind for a column's first non-null values (tag bits), or null when there were none. */
function decideKind(seen: number): ColumnKind | null {
  if ((seen & BIT_STRING) !== 0) return "mixed";
  if ((seen & BIT_BOOL) !== 0) return (seen & BITS_NUMBER) !== 0 ? "mixed" : "bool";
  if ((seen & (1 << TAG_FLOAT)) !== 0) return "float";
  if ((seen & BITS_INT) !== 0) return "int";
  return null;
}

/** Whether b[start, end) holds only spaces, tabs and CRs (a blank line when it is a whole record). */
function blank(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== CR) return false;
  }
  return true;
}
