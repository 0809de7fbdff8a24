// Arrow IPC input for `sightglass profile`, built on apache-arrow. Each record batch is handed to the profile
// as a one-batch Arrow Table, which the profile reads structurally (typed arrays and validity bitmaps, no
// per-value decoding).
//
// - File format ("ARROW1" magic, also Feather v2): random access. The footer lists every record batch, so
//   each batch is a unit that worker threads read on their own; apache-arrow's file reader over a file
//   handle seeks to a batch and reads only its message, never the whole file. Row counts come from the
//   batches' message headers (a few small reads at open).
// - Stream format (with or without the 0xFFFFFFFF continuation marker): front to back only, through
//   apache-arrow's async stream reader over a read stream. A stream must end with its end-of-stream marker:
//   without it, a file cut at a batch boundary would read as complete and silently lose rows.
//
// Buffers compressed with ZSTD or LZ4_FRAME (pyarrow's and Feather's codecs) are decompressed with codecs
// registered here; apache-arrow ships none. Every batch's buffers are checked against its lengths before it
// is returned: apache-arrow clips out-of-range buffer regions silently, and the profile would then count
// garbage instead of reporting a corrupt file. Flatbuffer vectors (schemas, batch headers, the footer) are
// bounds-checked too (guardFlatbufferVectors), since apache-arrow loops over their lengths unverified.

import type { FileHandle } from "node:fs/promises";
import {
  CompressionType,
  Message,
  RecordBatchReader,
  Table,
  Type,
  compressionRegistry,
  type Data,
  type DataType,
  type RecordBatch as ArrowRecordBatch,
} from "apache-arrow";
import { strideForType } from "apache-arrow/type";
import { ByteBuffer } from "flatbuffers";
import { decompressZstd } from "hyparquet-compressors";
import { CliError } from "../errors.js";
import { messageOf, openInputFile, readRange } from "./columnar-file.js";
import { decodeLz4Frames } from "./lz4.js";
import type { RecordBatch, UnitSource } from "./types.js";

/** An Arrow IPC file opened for reading. */
export interface ArrowSource extends UnitSource {
  readonly format: "arrow";
  /** "file": random access (one unit per record batch); "stream": `batches()` only. */
  readonly layout: "file" | "stream";
  /** Rows of each record batch (file format only). */
  readonly unitRows?: readonly number[];
}

const MAGIC = "ARROW1";
const MAGIC_LENGTH = 6;
/** "ARROW1" + 2 padding bytes before the first message. */
const HEADER_LENGTH = 8;
/** footer length (int32) + "ARROW1" after the footer. */
const TRAILER_LENGTH = 10;
/** A footer Block is a struct of three 8-byte-aligned fields. */
const BLOCK_BYTES = 24;
const CONTINUATION = 0xffffffff;
/** Marks flatbuffers' ByteBuffer as guarded (see guardFlatbufferVectors), once per process. */
const GUARDED = Symbol.for("sightglass.flatbuffers.vector-guard");

registerCodecs();
guardFlatbufferVectors();

export async function openArrow(path: string): Promise<ArrowSource> {
  const handle = await openInputFile(path);
  try {
    const { size } = await handle.stat();
    if (size === 0) throw invalid(path, "it is empty");
    const head = await readRange(handle, 0, Math.min(size, HEADER_LENGTH), (at) => shrank(path, at));
    if (startsWithMagic(head)) return await ArrowFile.open(path, handle, size);
    return await ArrowStream.open(path, handle, size, head);
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw asInputError(path, "could not read the Arrow IPC file", e);
  }
}

class ArrowFile implements ArrowSource {
  readonly format = "arrow";
  readonly layout = "file";
  readonly rowCount: number;
  readonly unitCount: number;
  readonly unitRows: readonly number[];
  private closed = false;
  /** apache-arrow's file reader seeks a shared position: reads of two batches must not interleave. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly reader: FileReader,
    unitRows: number[],
  ) {
    this.unitRows = unitRows;
    this.unitCount = unitRows.length;
    this.rowCount = unitRows.reduce((a, b) => a + b, 0);
  }

  static async open(path: string, handle: FileHandle, size: number): Promise<ArrowFile> {
    if (size < HEADER_LENGTH + TRAILER_LENGTH + 4) throw invalid(path, `it is only ${size} bytes long`);
    const trailer = await readRange(handle, size - TRAILER_LENGTH, TRAILER_LENGTH, (at) => shrank(path, at));
    if (!startsWithMagic(trailer.subarray(4))) {
      throw invalid(path, "it starts like an Arrow IPC file but does not end with ARROW1: it is truncated");
    }
    const footerLength = new DataView(trailer.buffer).getInt32(0, true);
    const footerStart = size - TRAILER_LENGTH - footerLength;
    if (!(footerLength > 0 && footerStart >= HEADER_LENGTH)) {
      throw invalid(path, `its footer length (${footerLength}) does not fit in the file`);
    }
    const opened = await RecordBatchReader.from(handle);
    if (!opened.isFile() || !opened.isAsync()) throw invalid(path, "apache-arrow did not open it as a file");
    const reader = opened as unknown as FileReader;
    await reader.open();
    const footer = reader.footer;
    if (footer === null) throw invalid(path, "it has no footer");
    const batches = footer.numRecordBatches;
    const dictionaries = footer.numDictionaries;
    // Each block takes 24 bytes of the footer: a larger count is a corrupt footer, not a huge file.
    if (!((batches + dictionaries) * BLOCK_BYTES <= footerLength)) {
      throw invalid(
        path,
        `its footer lists ${batches} record batches in ${footerLength} bytes: it is corrupt`,
      );
    }
    const unitRows: number[] = [];
    for (let i = 0; i < batches; i++) {
      const block = footer.getRecordBatch(i);
      const where = `record batch ${i + 1} of ${batches}`;
      if (block === null) throw invalid(path, `${where} is missing from the footer`);
      const { offset, metaDataLength, bodyLength } = block;
      if (
        !(offset >= HEADER_LENGTH && metaDataLength > 8 && bodyLength >= 0) ||
        offset + metaDataLength + bodyLength > footerStart
      ) {
        throw invalid(path, `${where} lies outside the file's data (offset ${offset}): the file is corrupt`);
      }
      const meta = await readRange(handle, offset, metaDataLength, (at) => shrank(path, at));
      unitRows.push(batchRows(path, where, meta));
    }
    return new ArrowFile(path, handle, reader, unitRows);
  }

  readUnit(index: number): Promise<RecordBatch> {
    if (!Number.isInteger(index) || index < 0 || index >= this.unitCount) {
      return Promise.reject(
        new RangeError(`record batch ${index} does not exist (the file has ${this.unitCount})`),
      );
    }
    const result = this.tail.then(() => this.read(index));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async read(index: number): Promise<RecordBatch> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    const where = `record batch ${index + 1} of ${this.unitCount}`;
    let batch: ArrowRecordBatch | null;
    try {
      batch = await this.reader.readRecordBatch(index);
    } catch (e) {
      throw asInputError(this.path, `could not read ${where}`, e);
    }
    if (batch === null) throw invalid(this.path, `${where} could not be read: the file is corrupt`);
    if (batch.numRows !== this.unitRows[index]) {
      throw invalid(this.path, `${where} has ${batch.numRows} rows, its header says ${this.unitRows[index]}`);
    }
    checkBatch(this.path, where, batch);
    return { kind: "arrow", rows: batch.numRows, table: new Table(batch) };
  }

  async *batches(): AsyncIterable<RecordBatch> {
    for (let i = 0; i < this.unitCount; i++) yield await this.readUnit(i);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.handle.close();
  }
}

class ArrowStream implements ArrowSource {
  readonly format = "arrow";
  readonly layout = "stream";
  readonly rowCount = null;
  readonly unitCount = null;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string, handle: FileHandle, size: number, head: Uint8Array): Promise<ArrowStream> {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const continuation = head.length >= 8 && view.getUint32(0, true) === CONTINUATION;
    // The first message is the schema: its metadata length (after the marker, or first in the legacy
    // framing) is positive and fits in the file.
    const first = head.length >= 8 ? view.getInt32(continuation ? 4 : 0, true) : -1;
    if (!(first > 0 && first <= size)) {
      throw invalid(path, "it starts with neither the ARROW1 magic nor an Arrow IPC stream message");
    }
    // End-of-stream: 0xFFFFFFFF 0x00000000, or 0x00000000 in the legacy framing.
    const eosLength = continuation ? 8 : 4;
    const end =
      size >= eosLength
        ? await readRange(handle, size - eosLength, eosLength, (at) => shrank(path, at))
        : null;
    const endView = end === null ? null : new DataView(end.buffer);
    const marked =
      endView !== null &&
      endView.getUint32(eosLength - 4, true) === 0 &&
      (!continuation || endView.getUint32(0, true) === CONTINUATION);
    if (!marked) {
      throw invalid(
        path,
        "the Arrow IPC stream ends without its end-of-stream marker: the file is truncated " +
          "(or its writer was not closed)",
      );
    }
    return new ArrowStream(path, handle);
  }

  readUnit(): Promise<RecordBatch> {
    return Promise.reject(new Error("an Arrow IPC stream is read front to back: use batches()"));
  }

  async *batches(): AsyncIterable<RecordBatch> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    const stream = this.handle.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 });
    let n = 0;
    try {
      let reader: AsyncIterable<ArrowRecordBatch>;
      try {
        reader = await RecordBatchReader.from(stream);
      } catch (e) {
        throw asInputError(this.path, "could not read the stream's schema", e);
      }
      const batches = reader[Symbol.asyncIterator]();
      for (;;) {
        let next: IteratorResult<ArrowRecordBatch>;
        try {
          next = await batches.next();
        } catch (e) {
          throw asInputError(this.path, `could not read record batch ${n + 1}`, e);
        }
        if (next.done === true) break;
        n++;
        const batch = next.value;
        // apache-arrow yields an empty placeholder for a stream without batches.
        if (batch.numRows === 0) continue;
        checkBatch(this.path, `record batch ${n}`, batch);
        yield { kind: "arrow", rows: batch.numRows, table: new Table(batch) };
      }
    } finally {
      stream.destroy();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** The part of apache-arrow's AsyncRecordBatchFileReader this module uses. */
interface FileReader {
  readonly footer: {
    readonly numRecordBatches: number;
    readonly numDictionaries: number;
    getRecordBatch(index: number): { offset: number; metaDataLength: number; bodyLength: number } | null;
  } | null;
  open(): Promise<unknown>;
  readRecordBatch(index: number): Promise<ArrowRecordBatch | null>;
}

/** A record batch's row count, from its message's metadata (continuation marker, length, flatbuffer). */
function batchRows(path: string, where: string, meta: Uint8Array): number {
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const prefix = view.getUint32(0, true) === CONTINUATION ? 8 : 4;
  const length = view.getInt32(prefix - 4, true);
  if (!(length > 0 && prefix + length <= meta.length)) {
    throw invalid(path, `${where} has a message length (${length}) beyond its block`);
  }
  let rows: number;
  try {
    const message = Message.decode(meta.subarray(prefix, prefix + length));
    if (!message.isRecordBatch()) throw new Error("its message is not a record batch");
    rows = Number(message.header().length);
  } catch (e) {
    throw asInputError(path, `could not read the header of ${where}`, e);
  }
  if (!(Number.isSafeInteger(rows) && rows >= 0)) throw invalid(path, `${where} claims ${rows} rows`);
  return rows;
}

/** Checks every column of a batch: lengths, and buffers large enough for them (see the header comment). */
function checkBatch(path: string, where: string, batch: ArrowRecordBatch): void {
  const fields = batch.schema.fields;
  const children = batch.data.children;
  if (children.length !== fields.length) {
    throw invalid(path, `${where} has ${children.length} columns, its schema ${fields.length}`);
  }
  for (let i = 0; i < children.length; i++) {
    const problem = dataProblem(children[i]!, batch.numRows);
    if (problem !== null) {
      throw invalid(
        path,
        `${where}, column ${JSON.stringify(fields[i]!.name)}: ${problem}; the file is corrupt`,
      );
    }
  }
}

/** What is wrong with one column's data (recursively), or null. */
function dataProblem(data: Data, minLength: number): string | null {
  const { length, offset } = data;
  if (!(length >= minLength && offset >= 0)) return `${length} values where ${minLength} are needed`;
  const end = offset + length;
  const type: DataType = data.type;
  const bitmap = data.nullBitmap;
  if (
    data.nullCount > 0 &&
    type.typeId !== Type.Null &&
    !(bitmap !== undefined && bitmap.length * 8 >= end)
  ) {
    return "its validity bitmap is too short";
  }
  switch (type.typeId) {
    case Type.Null:
      return null;
    case Type.Bool:
      return data.values.length * 8 >= end ? null : "its value bits are too short";
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary:
      return offsetsProblem(data.valueOffsets, end, data.values.length);
    case Type.List:
    case Type.LargeList:
    case Type.Map: {
      const child = data.children[0];
      if (child === undefined) return "its list values are missing";
      return offsetsProblem(data.valueOffsets, end, child.length) ?? childProblem(child, 0);
    }
    case Type.FixedSizeList: {
      const child = data.children[0];
      const size = (type as DataType & { listSize: number }).listSize;
      if (child === undefined) return "its list values are missing";
      return childProblem(child, end * size);
    }
    case Type.Struct:
      for (const child of data.children) {
        const problem = childProblem(child, end);
        if (problem !== null) return problem;
      }
      return null;
    case Type.Dictionary: {
      const indices = data.values as ArrayLike<number | bigint>;
      if (!(indices.length >= end)) return "its dictionary indices are too short";
      const dictionary = data.dictionary;
      const size = dictionary?.length ?? 0;
      for (let i = offset; i < end; i++) {
        const k = Number(indices[i]!);
        if (!(k >= 0 && k < size) && isValidAt(data, i)) return `dictionary index ${k} is out of range`;
      }
      for (const chunk of dictionary?.data ?? []) {
        const problem = dataProblem(chunk, chunk.length);
        if (problem !== null) return `its dictionary: ${problem}`;
      }
      return null;
    }
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary: {
      const values = data.values as ArrayLike<unknown> | undefined;
      return values !== undefined && values.length >= end * strideForType(type)
        ? null
        : "its values are too short";
    }
    default:
      // Unions and view types: passed on as apache-arrow decoded them.
      return null;
  }
}

function childProblem(child: Data, minLength: number): string | null {
  const problem = dataProblem(child, minLength);
  return problem === null ? null : `a nested field: ${problem}`;
}

/** Offsets [offset, end] must exist, never decrease and stay within the values they index. */
function offsetsProblem(
  offsets: ArrayLike<number | bigint> | undefined,
  end: number,
  values: number,
): string | null {
  if (offsets === undefined || offsets.length < end + 1) return "its offsets are too short";
  let previous = Number(offsets[0]!);
  if (previous < 0) return "its offsets are negative";
  for (let i = 1; i <= end; i++) {
    const next = Number(offsets[i]!);
    if (next < previous) return "its offsets decrease";
    previous = next;
  }
  return previous <= values ? null : "its offsets point past its values";
}

function isValidAt(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount <= 0 || bitmap === undefined || bitmap.length === 0) return true;
  return ((bitmap[i >> 3]! >> (i & 7)) & 1) === 1;
}

function startsWithMagic(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC_LENGTH) return false;
  for (let i = 0; i < MAGIC_LENGTH; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/** ZSTD and LZ4_FRAME decoders for compressed IPC buffers, unless the process registered its own. */
function registerCodecs(): void {
  if (typeof compressionRegistry.get(CompressionType.ZSTD)?.decode !== "function") {
    compressionRegistry.set(CompressionType.ZSTD, {
      decode: (data) => {
        // apache-arrow views each buffer as its typed array in place: it must start 8-byte aligned.
        const out = decompressZstd(data);
        return out.byteOffset % 8 === 0 ? out : out.slice();
      },
    });
  }
  if (typeof compressionRegistry.get(CompressionType.LZ4_FRAME)?.decode !== "function") {
    compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: decodeLz4Frames });
  }
}

/**
 * Makes flatbuffers refuse a vector whose length runs past the end of its buffer. apache-arrow decodes
 * message and footer flatbuffers without verifying them, and loops over vector lengths read from the file:
 * one flipped bit in a schema's field count made it build Field objects until memory ran out. Every element
 * takes at least one byte, so a valid buffer never trips the check.
 */
function guardFlatbufferVectors(): void {
  const proto = ByteBuffer.prototype as ByteBuffer & { [GUARDED]?: true };
  if (proto[GUARDED] === true) return;
  const vectorLength = proto.__vector_len;
  proto.__vector_len = function (this: ByteBuffer, offset: number): number {
    const length = vectorLength.call(this, offset);
    const start = offset + this.readInt32(offset);
    if (length > this.capacity() - start - 4) {
      throw new Error(`a flatbuffer vector at byte ${start} claims ${length} elements, beyond its message`);
    }
    return length;
  };
  proto[GUARDED] = true;
}

function invalid(path: string, what: string): CliError {
  return new CliError("input", `${path} is not a readable Arrow IPC file: ${what}`, { source: path });
}

function shrank(path: string, at: number): CliError {
  return invalid(path, `it ended at byte ${at} while being read (was it truncated?)`);
}

/** Library errors become CliErrors naming the file and what was being read; CliErrors pass through. */
function asInputError(path: string, doing: string, e: unknown): CliError {
  if (e instanceof CliError) return e;
  return new CliError("input", `${path}: ${doing}: ${messageOf(e)} (the file is corrupt or truncated)`, {
    source: path,
    cause: e,
  });
}
