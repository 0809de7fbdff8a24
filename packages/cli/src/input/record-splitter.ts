// Finding record boundaries in a byte stream of delimited text or JSON Lines, on the main thread, before any
// field is parsed: the engine cuts the stream into chunks of whole records for the workers. Only newlines
// outside quoted fields end records, so the splitter follows quoting exactly as the CSV reader does (the rules of
// Python's csv module and pandas' C tokenizer, non-strict):
//
// - a quote opens a quoted field only as the first byte of a field (after a delimiter, a newline, the start of
//   the stream or a UTF-8 BOM there); anywhere else it is an ordinary byte;
// - inside a quoted field, "" is an escaped quote; any other quote closes the field; bytes between a closing
//   quote and the next delimiter or newline are appended to the field as they are;
// - records end at LF; CRLF line ends are LF line ends whose CR the reader drops. A lone CR (classic Mac OS line
//   ends) does not end a record.
//
// The common case, no quote in a pushed block, costs two native byte searches per block.

import { CliError } from "../errors.js";

/** How a delimited text file is written. */
export interface CsvDialect {
  /** One single-byte character. */
  readonly delimiter: string;
  readonly quote: '"';
  /** Whether the file starts with a UTF-8 byte order mark (the header reader skips it). */
  readonly bom: boolean;
}

/** Options of a splitter: a CSV dialect, or `{ quote: null }` for JSON Lines (every newline ends a record). */
export type SplitterOptions =
  | { readonly delimiter: string; readonly quote: '"' }
  | { readonly delimiter?: undefined; readonly quote: null };

/** What is left when the stream ends (see RecordSplitter.finish). */
export interface SplitterEnd {
  /** Bytes after the last record boundary: a final record without a trailing newline, or 0. */
  readonly pendingBytes: number;
  /** The stream ended inside a quoted field; the pending bytes are then one malformed record. */
  readonly unterminatedQuote: boolean;
  /** Absolute stream offset of the opening quote of that field, or -1. */
  readonly openQuoteOffset: number;
}

const LF = 10;
const QUOTE = 0x22;

const enum QuoteState {
  Outside = 0,
  Inside = 1,
  /** A quote inside a quoted field was the last byte pushed: the next byte decides (escape or close). */
  QuoteInside = 2,
}

/** A Buffer view of the same memory (no copy): Buffer's indexOf/lastIndexOf use memchr. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The byte of a one-character delimiter. */
export function delimiterByte(delimiter: string): number {
  const code = delimiter.length === 1 ? delimiter.charCodeAt(0) : -1;
  if (code < 1 || code > 127 || code === LF || code === 13 || code === QUOTE) {
    throw new CliError("usage", "the delimiter must be one ASCII character other than a quote or a line end");
  }
  return code;
}

/**
 * Follows quoting across pushed blocks and reports where the last complete record ends in each. Push the stream
 * in order, from its first byte or from the first byte after the header (the header ends with a newline, so
 * either way the first byte starts a field); each call says how many leading bytes of the block complete records
 * together with the pending bytes of earlier blocks:
 *
 *   const cut = splitter.push(block);
 *   if (cut > 0) { emit(concat(carry, block.subarray(0, cut))); carry = block.subarray(cut); }
 *   else carry = concat(carry, block); // and fail once splitter.pendingBytes exceeds the record size limit
 *   ... at the end: if (splitter.finish().pendingBytes > 0) emit(carry); // the parser reports an open quote
 */
export class RecordSplitter {
  private readonly quote: number;
  private readonly delimiter: number;
  private state = QuoteState.Outside;
  /** The byte before the next block (LF at the start of the stream: the first byte starts a field). */
  private prevByte = LF;
  private total = 0;
  private boundary = 0;
  private quoteOpenedAt = -1;
  /** The first bytes of the stream, while fewer than three are known (BOM detection across tiny pushes). */
  private head: number[] | null = [];

  constructor(options: SplitterOptions) {
    if (options.quote === null) {
      this.quote = -1;
      this.delimiter = -1;
    } else {
      this.quote = QUOTE;
      this.delimiter = delimiterByte(options.delimiter);
    }
  }

  /** Bytes pushed so far. */
  get bytesPushed(): number {
    return this.total;
  }

  /**
   * Bytes after the last record boundary, over all pushes: the record being assembled. The engine fails with a
   * clear error when this exceeds its maximum record size (an unterminated quote swallows the rest of a file).
   */
  get pendingBytes(): number {
    return this.total - this.boundary;
  }

  /** Whether the stream so far ends inside a quoted field. */
  get inQuotedField(): boolean {
    return this.state !== QuoteState.Outside;
  }

  /** Absolute stream offset of the quote that opened the current quoted field, or -1 outside one. */
  get openQuoteOffset(): number {
    return this.state === QuoteState.Outside ? -1 : this.quoteOpenedAt;
  }

  /**
   * Takes the next block of the stream. Returns the offset in `bytes` just past the last record-ending newline
   * (so `bytes.subarray(0, offset)` completes the pending records), or -1 when no record ends in this block.
   */
  push(bytes: Uint8Array): number {
    const n = bytes.length;
    if (n === 0) return -1;
    const start = this.total;
    if (this.head !== null) this.noteHead(bytes);
    const buf = asBuffer(bytes);
    const cut =
      this.quote < 0 || (this.state === QuoteState.Outside && buf.indexOf(QUOTE) < 0)
        ? buf.lastIndexOf(LF) + 1
        : this.scanQuoted(bytes, start);
    this.prevByte = bytes[n - 1]!;
    this.total += n;
    if (cut > 0) {
      this.boundary = start + cut;
      return cut;
    }
    return -1;
  }

  /** The state at the end of the stream: whether bytes remain, and whether they end inside a quoted field. */
  finish(): SplitterEnd {
    // A quote as the very last byte of a quoted field closes it.
    const unterminated = this.state === QuoteState.Inside;
    return {
      pendingBytes: this.total - this.boundary,
      unterminatedQuote: unterminated,
      openQuoteOffset: unterminated ? this.quoteOpenedAt : -1,
    };
  }

  /** The byte-by-byte state machine, for blocks that hold quotes or start inside a quoted field. */
  private scanQuoted(b: Uint8Array, start: number): number {
    const n = b.length;
    const q = this.quote;
    const delim = this.delimiter;
    let state = this.state;
    let cut = -1;
    let i = 0;
    while (i < n) {
      if (state === QuoteState.Outside) {
        let c = 0;
        for (; i < n; i++) {
          c = b[i]!;
          if (c === LF) cut = i + 1;
          else if (c === q) break;
        }
        if (i === n) break;
        const before = i > 0 ? b[i - 1]! : this.prevByte;
        if (before === delim || before === LF || this.isBomEnd(start + i)) {
          state = QuoteState.Inside;
          this.quoteOpenedAt = start + i;
        }
        i++;
      } else if (state === QuoteState.Inside) {
        while (i < n && b[i] !== q) i++;
        if (i === n) break;
        i++;
        if (i === n) {
          state = QuoteState.QuoteInside;
          break;
        }
        if (b[i] === q) i++;
        else state = QuoteState.Outside;
      } else {
        // The previous block ended on a quote inside a quoted field.
        if (b[i] === q) {
          state = QuoteState.Inside;
          i++;
        } else state = QuoteState.Outside;
      }
    }
    this.state = state;
    return cut;
  }

  private bomAtStart = false;

  /** Whether `offset` is just past a UTF-8 BOM at the start of the stream (a field starts there). */
  private isBomEnd(offset: number): boolean {
    return offset === 3 && this.bomAtStart;
  }

  private noteHead(bytes: Uint8Array): void {
    const head = this.head!;
    for (let i = 0; i < bytes.length && head.length < 3; i++) head.push(bytes[i]!);
    if (head.length < 3) return;
    this.bomAtStart = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    this.head = null;
  }
}

/** Number of LF bytes in `bytes[start, end)`: physical lines completed there. */
export function countNewlines(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const buf = asBuffer(bytes);
  let count = 0;
  let i = buf.indexOf(LF, start);
  while (i >= 0 && i < end) {
    count++;
    i = buf.indexOf(LF, i + 1);
  }
  return count;
}

/** Whether the bytes start with a UTF-8 byte order mark. */
export function startsWithBom(bytes: Uint8Array, at = 0): boolean {
  return bytes.length >= at + 3 && bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;
}

/** A TextDecoder (named structurally: the Node typings declare the global only as a value). */
export interface Utf8Decoder {
  decode(input: Uint8Array): string;
}

/** One record read by readRecord. */
export interface TextRecord {
  readonly fields: string[];
  /** Offset just past the record's line end (or the end of the bytes for a final record without one). */
  readonly end: number;
  /** LF bytes consumed, including those inside quoted fields. */
  readonly newlines: number;
  /** Whether the record ended inside a quoted field (only possible with `final`). */
  readonly unterminated: boolean;
}

/**
 * Reads one record at `start` with the full quoting rules, decoding fields as UTF-8. For small inputs (headers,
 * sniffing samples); the chunk parser has its own fast loop with the same rules. Returns null when the bytes end
 * before the record does, unless `final` (the end of the bytes is the end of the stream).
 */
export function readRecord(
  bytes: Uint8Array,
  start: number,
  delimiter: number,
  final: boolean,
  decoder: Utf8Decoder = UTF8,
): TextRecord | null {
  const n = bytes.length;
  const fields: string[] = [];
  let newlines = 0;
  let i = start;
  for (;;) {
    let value = "";
    if (i < n && bytes[i] === QUOTE) {
      let from = ++i;
      let closed = false;
      while (i < n) {
        const c = bytes[i];
        if (c === LF) newlines++;
        if (c !== QUOTE) {
          i++;
          continue;
        }
        if (i + 1 >= n && !final) return null;
        value += decoder.decode(bytes.subarray(from, i));
        if (bytes[i + 1] === QUOTE) {
          value += '"';
          i += 2;
          from = i;
          continue;
        }
        i++;
        closed = true;
        break;
      }
      if (!closed) {
        if (!final) return null;
        value += decoder.decode(bytes.subarray(from, n));
        fields.push(value);
        return { fields, end: n, newlines, unterminated: true };
      }
    }
    // Unquoted bytes (or the tail after a closing quote) up to the delimiter or line end.
    const from = i;
    while (i < n && bytes[i] !== delimiter && bytes[i] !== LF) i++;
    if (i === n && !final) return null;
    let to = i;
    if (i < n && bytes[i] === LF && to > from && bytes[to - 1] === 13) to--;
    value += decoder.decode(bytes.subarray(from, to));
    fields.push(value);
    if (i < n && bytes[i] === delimiter) {
      i++;
      continue;
    }
    if (i < n) {
      newlines++;
      i++;
    }
    return { fields, end: i, newlines, unterminated: false };
  }
}

const UTF8 = new TextDecoder();

const CANDIDATES = [",", "\t", ";", "|"];
/** At most this many records of the sample are compared. */
const SNIFF_RECORDS = 200;

/**
 * Guesses the dialect of delimited text from its first bytes. A delimiter in the hint (a valid one: see
 * delimiterByte) wins. Otherwise each of , TAB ; | splits the sample's records (quotes respected), and the one
 * whose field counts agree best with the header's wins, then the one giving more fields, then the earlier in that
 * list (tab first for .tsv/.tab files). A sample whose first record has no candidate gives one column,
 * delimited by "," (tab for .tsv/.tab).
 */
export function sniffDialect(
  sample: Uint8Array,
  hint: { delimiter?: string; fileName?: string } = {},
): CsvDialect {
  const bom = startsWithBom(sample);
  if (hint.delimiter !== undefined) {
    delimiterByte(hint.delimiter);
    return { delimiter: hint.delimiter, quote: '"', bom };
  }
  const tabFirst = /\.(tsv|tab)(\.[a-z0-9]+)?$/i.test(hint.fileName ?? "");
  const order = tabFirst ? ["\t", ",", ";", "|"] : CANDIDATES;
  let best = order[0]!;
  let bestScore = -1;
  let bestFields = 1;
  for (const d of order) {
    const counts = fieldCounts(sample, bom ? 3 : 0, d.charCodeAt(0));
    const header = counts[0] ?? 1;
    if (header < 2) continue;
    let agree = 0;
    for (let i = 1; i < counts.length; i++) if (counts[i] === header) agree++;
    const score = counts.length > 1 ? agree / (counts.length - 1) : 1;
    if (score > bestScore || (score === bestScore && header > bestFields)) {
      best = d;
      bestScore = score;
      bestFields = header;
    }
  }
  return { delimiter: best, quote: '"', bom };
}

/** Field counts of the sample's first records (blank lines skipped; a final partial record ignored). */
function fieldCounts(sample: Uint8Array, start: number, delimiter: number): number[] {
  const counts: number[] = [];
  let i = start;
  while (i < sample.length && counts.length < SNIFF_RECORDS) {
    const c = sample[i];
    if (c === LF || (c === 13 && sample[i + 1] === LF)) {
      i += c === LF ? 1 : 2;
      continue;
    }
    // The whole sample is final only when it holds no more than one record (a tiny file).
    const rec = readRecord(sample, i, delimiter, counts.length === 0, SNIFF_DECODER);
    if (rec === null) break;
    counts.push(rec.fields.length);
    if (rec.end === i) break;
    i = rec.end;
  }
  return counts;
}

// Sniffing only counts fields; a non-fatal decoder never throws on bytes cut mid-character.
const SNIFF_DECODER = new TextDecoder("utf-8", { fatal: false });
