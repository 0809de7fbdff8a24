// Parquet input for `sightglass profile`, built on hyparquet (pure JavaScript). Each row group is a unit that
// can be read on its own, so worker threads each open the file and decode their own row groups; the file is
// read through positioned reads of the footer and of one row group's column chunks at a time, never whole.
//
// Values are handed to the profile as columns, in the shapes whylogs' pandas path would count them:
// - DOUBLE, FLOAT, FLOAT16 and DECIMAL with a scale → Float64Array, null as NaN (NaN counts as null, as in
//   pandas; a NaN stored in the file is a null too);
// - INT32, INT64 (signed or not) and DECIMAL with scale 0 → Int32Array (Uint32Array when every value needs
//   it) when the row group has no null and every value fits, else numbers and nulls; an integer beyond 2^53
//   stays a bigint, so nothing is rounded (the profile counts a bigint beyond int64, i.e. a UINT_64 value
//   ≥ 2^63, as an object);
// - BOOLEAN → booleans; BYTE_ARRAY and unannotated FIXED_LEN_BYTE_ARRAY → strings (also without a STRING
//   annotation, which many writers omit; JSON columns stay text, as pandas reads them);
// - DATE, TIMESTAMP, INT96, TIME → Date objects (TIME as that time of day on 1970-01-01 UTC), counted as
//   objects like whylogs' datetime columns;
// - nested columns (LIST, MAP, struct groups) → the values hyparquet assembles (arrays and plain objects),
//   one value per top-level column, counted as objects as pandas' object columns are. Structs are not
//   flattened into dotted columns: pandas does not flatten them either.
//
// Flat columns are decoded page by page here (parquet-pages.ts); nested ones by hyparquet's reader. Both
// check every page before decoding it: see parquet-pages.ts for why that matters.

import type { FileHandle } from "node:fs/promises";
import { parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import type {
  AsyncBuffer,
  ColumnMetaData,
  DecodedArray,
  FileMetaData,
  ParquetParsers,
  SchemaTree,
} from "hyparquet";
import { DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import { getMaxDefinitionLevel, getMaxRepetitionLevel } from "hyparquet/src/schema.js";
import { compressors as allCompressors } from "hyparquet-compressors";
import { CliError } from "../errors.js";
import { messageOf, openInputFile, readRange } from "./columnar-file.js";
import { decodeLz4Block } from "./lz4.js";
import {
  GuardedCompressors,
  MAX_CHUNK_VALUES,
  PageError,
  checkChunkPages,
  decodeFlatChunk,
  type ColumnDecoder,
  type FlatMapping,
  type LevelShape,
} from "./parquet-pages.js";
import type { RecordBatch, UnitSource } from "./types.js";

/** A Parquet file opened for reading: one unit per row group. */
export interface ParquetSource extends UnitSource {
  readonly format: "parquet";
  readonly rowCount: number;
  readonly unitCount: number;
  /** Rows of each row group, from the footer (so callers can number rows without reading data). */
  readonly unitRows: readonly number[];
  /** Top-level column names, in schema order. */
  readonly columns: readonly string[];
}

const MAGIC = 0x31524150; // "PAR1", little-endian
const ENCRYPTED_MAGIC = 0x45524150; // "PARE": encrypted footer
const CODECS = new Set(["UNCOMPRESSED", "SNAPPY", "GZIP", "BROTLI", "ZSTD", "LZ4", "LZ4_RAW"]);

const textDecoder = new TextDecoder();

// JSON columns stay text: pandas reads them as strings, and a malformed document is a value, not a reason
// to abandon the file.
const PARSERS: ParquetParsers = {
  ...DEFAULT_PARSERS,
  jsonFromBytes: (bytes: Uint8Array) => (bytes === undefined ? undefined : textDecoder.decode(bytes)),
};

/** A leaf column: where its chunks are in each row group and how hyparquet decodes it. */
interface Leaf {
  /** Index among the row group's column chunks. */
  readonly index: number;
  readonly decoder: Omit<ColumnDecoder, "codec">;
  readonly levels: LevelShape;
}

/** A top-level column: flat (one leaf, decoded here) or nested (decoded by hyparquet's reader). */
type ColumnPlan =
  | { readonly name: string; readonly kind: "flat"; readonly leaf: Leaf; readonly mapping: FlatMapping }
  | { readonly name: string; readonly kind: "nested"; readonly leaves: readonly Leaf[] };

export async function openParquet(path: string): Promise<ParquetSource> {
  const handle = await openInputFile(path);
  try {
    return await ParquetFile.open(path, handle);
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw asInputError(path, "could not read the Parquet footer", e);
  }
}

class ParquetFile implements ParquetSource {
  readonly format = "parquet";
  readonly rowCount: number;
  readonly unitCount: number;
  readonly unitRows: readonly number[];
  readonly columns: readonly string[];
  private readonly unitStarts: readonly number[];
  private readonly guarded: GuardedCompressors;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly file: FileBuffer,
    private readonly metadata: FileMetaData,
    private readonly plans: readonly ColumnPlan[],
  ) {
    this.unitRows = metadata.row_groups.map((g) => Number(g.num_rows));
    const starts: number[] = [];
    let start = 0;
    for (const rows of this.unitRows) {
      starts.push(start);
      start += rows;
    }
    this.unitStarts = starts;
    this.rowCount = start;
    this.unitCount = metadata.row_groups.length;
    this.columns = plans.map((p) => p.name);
    let limit = 0;
    for (const group of metadata.row_groups) {
      for (const chunk of group.columns)
        limit = Math.max(limit, Number(chunk.meta_data!.total_uncompressed_size));
    }
    this.guarded = new GuardedCompressors({ ...allCompressors, LZ4_RAW: decodeLz4Block }, limit);
  }

  static async open(path: string, handle: FileHandle): Promise<ParquetFile> {
    const { size } = await handle.stat();
    const file = new FileBuffer(handle, size, path);
    if (size < 12) throw invalid(path, `it is ${size} bytes long, shorter than any Parquet file`);
    const head = new DataView(await file.slice(0, 4)).getUint32(0, true);
    const tail = new DataView(await file.slice(size - 4, size)).getUint32(0, true);
    if (head !== MAGIC) throw invalid(path, "it does not start with the Parquet magic bytes PAR1");
    if (tail === ENCRYPTED_MAGIC) {
      throw new CliError("input", `${path}: encrypted Parquet files are not supported`, { source: path });
    }
    if (tail !== MAGIC) {
      throw invalid(
        path,
        "it does not end with the Parquet magic bytes PAR1: the file is truncated or corrupt",
      );
    }
    const metadata = await parquetMetadataAsync(file, { parsers: PARSERS });
    const plans = planColumns(path, metadata, size);
    return new ParquetFile(path, handle, file, metadata, plans);
  }

  async readUnit(index: number): Promise<RecordBatch> {
    if (!Number.isInteger(index) || index < 0 || index >= this.unitCount) {
      throw new RangeError(`row group ${index} does not exist (the file has ${this.unitCount})`);
    }
    if (this.closed) throw new Error(`${this.path} is closed`);
    const rows = this.unitRows[index]!;
    const start = this.unitStarts[index]!;
    const where = `row group ${index + 1} of ${this.unitCount} (rows ${start + 1}–${start + rows})`;
    try {
      return { kind: "columns", rows, columns: await this.decodeGroup(index, rows) };
    } catch (e) {
      if (e instanceof CliError) throw e;
      const corrupt =
        e instanceof PageError ? `${where} is corrupt: ${e.message}` : `could not decode ${where}`;
      throw asInputError(this.path, corrupt, e);
    }
  }

  private async decodeGroup(index: number, rows: number): Promise<Record<string, ArrayLike<unknown>>> {
    const group = this.metadata.row_groups[index]!;
    // A null prototype: a column may be called "__proto__".
    const columns = Object.create(null) as Record<string, ArrayLike<unknown>>;
    const flat = this.plans.filter((p) => p.kind === "flat");
    const nested = this.plans.filter((p) => p.kind === "nested");
    // All chunk reads start at once, so reading overlaps decoding.
    const reads = flat.map((p) => {
      const { start, end } = chunkRange(group.columns[p.leaf.index]!.meta_data!);
      return this.file.slice(start, end);
    });
    reads.forEach((r) => r.catch(() => undefined)); // awaited below; a failure must not go unhandled first
    for (let i = 0; i < flat.length; i++) {
      const plan = flat[i]!;
      const meta = group.columns[plan.leaf.index]!.meta_data!;
      const bytes = new Uint8Array(await reads[i]!);
      const decoder = { ...plan.leaf.decoder, codec: meta.codec, compressors: this.guarded.compressors };
      try {
        columns[plan.name] = decodeFlatChunk(bytes, meta, decoder, this.guarded, plan.mapping, rows);
      } catch (e) {
        throw e instanceof PageError ? new PageError(`column ${JSON.stringify(plan.name)}: ${e.message}`) : e;
      }
    }
    if (nested.length > 0) await this.decodeNested(index, rows, nested, columns);
    // In schema order (nested columns were decoded last).
    const ordered = Object.create(null) as Record<string, ArrayLike<unknown>>;
    for (const plan of this.plans) ordered[plan.name] = columns[plan.name]!;
    return ordered;
  }

  private async decodeNested(
    index: number,
    rows: number,
    plans: readonly ColumnPlan[],
    columns: Record<string, ArrayLike<unknown>>,
  ): Promise<void> {
    const group = this.metadata.row_groups[index]!;
    const chunks: CheckedChunk[] = [];
    for (const plan of plans) {
      if (plan.kind !== "nested") continue;
      for (const leaf of plan.leaves) {
        const meta = group.columns[leaf.index]!.meta_data!;
        chunks.push({ ...chunkRange(meta), meta, leaf, checked: false });
      }
    }
    const collected = new Map<string, DecodedArray[]>();
    await parquetRead({
      file: new CheckingBuffer(this.file, chunks, this.guarded),
      metadata: this.metadata,
      columns: plans.map((p) => p.name),
      rowStart: this.unitStarts[index]!,
      rowEnd: this.unitStarts[index]! + rows,
      compressors: this.guarded.compressors,
      parsers: PARSERS,
      onChunk: (chunk) => {
        let list = collected.get(chunk.columnName);
        if (list === undefined) collected.set(chunk.columnName, (list = []));
        list.push(chunk.columnData);
      },
    });
    for (const plan of plans) {
      const values = concatChunks(collected.get(plan.name) ?? []);
      if (values.length !== rows) {
        throw new PageError(
          `column ${JSON.stringify(plan.name)} has ${values.length} values instead of ${rows}`,
        );
      }
      columns[plan.name] = values;
    }
  }

  async *batches(): AsyncIterable<RecordBatch> {
    for (let i = 0; i < this.unitCount; i++) yield await this.readUnit(i);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/**
 * hyparquet's view of the file: positioned reads of exactly the requested range. (hyparquet's own
 * asyncBufferFromFile opens a read stream per slice; a shared handle is cheaper and is closed with the source.)
 */
class FileBuffer implements AsyncBuffer {
  constructor(
    private readonly handle: FileHandle,
    readonly byteLength: number,
    private readonly path: string,
  ) {}

  async slice(start: number, end: number = this.byteLength): Promise<ArrayBuffer> {
    if (!(start >= 0 && start <= end && end <= this.byteLength)) {
      throw invalid(this.path, `it refers to bytes ${start}–${end}, beyond its ${this.byteLength} bytes`);
    }
    const bytes = await readRange(this.handle, start, end - start, (at) =>
      invalid(this.path, `it ended at byte ${at} while being read (was it truncated?)`),
    );
    return bytes.buffer;
  }
}

interface CheckedChunk {
  readonly start: number;
  readonly end: number;
  readonly meta: ColumnMetaData;
  readonly leaf: Leaf;
  checked: boolean;
}

/**
 * The file as hyparquet's reader sees it for nested columns: every column chunk is checked page by page as
 * soon as its bytes are read, before hyparquet can decode any of it. hyparquet reads whole chunks (or runs of
 * whole chunks), so a read that covers only part of an unchecked chunk is refused rather than let through.
 */
class CheckingBuffer implements AsyncBuffer {
  readonly byteLength: number;

  constructor(
    private readonly file: FileBuffer,
    private readonly chunks: CheckedChunk[],
    private readonly guarded: GuardedCompressors,
  ) {
    this.byteLength = file.byteLength;
  }

  async slice(start: number, end: number = this.byteLength): Promise<ArrayBuffer> {
    const buffer = await this.file.slice(start, end);
    for (const chunk of this.chunks) {
      if (chunk.end <= start || chunk.start >= end) continue;
      if (chunk.start < start || chunk.end > end) {
        if (chunk.checked) continue;
        throw new PageError(`a read of bytes ${start}–${end} splits a column chunk`);
      }
      const bytes = new Uint8Array(buffer, chunk.start - start, chunk.end - chunk.start);
      const decoder = {
        ...chunk.leaf.decoder,
        codec: chunk.meta.codec,
        compressors: this.guarded.compressors,
      };
      try {
        checkChunkPages(bytes, chunk.meta, decoder, chunk.leaf.levels, this.guarded.compressors);
      } catch (e) {
        const column = chunk.meta.path_in_schema.join(".");
        throw e instanceof PageError ? new PageError(`column ${JSON.stringify(column)}: ${e.message}`) : e;
      }
      chunk.checked = true;
    }
    return buffer;
  }
}

function chunkRange(meta: ColumnMetaData): { start: number; end: number } {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

/**
 * Checks what the readers trust in the footer, so that a corrupt footer is reported as such instead of
 * surfacing later as an out-of-range read or a wrong row count, and plans how each column is decoded.
 */
function planColumns(path: string, metadata: FileMetaData, size: number): ColumnPlan[] {
  const dataEnd = size - 8 - metadata.metadata_length;
  const fail = (what: string): CliError => invalid(path, `its footer is corrupt: ${what}`);
  if (!Array.isArray(metadata.schema) || metadata.schema.length === 0) throw fail("no schema");
  if (!Array.isArray(metadata.row_groups)) throw fail("no row groups");
  let tree: SchemaTree;
  try {
    tree = parquetSchema(metadata);
  } catch (e) {
    throw fail(`the schema does not form a tree (${messageOf(e)})`);
  }
  const leafPaths: string[] = [];
  const collectLeaves = (node: SchemaTree): void => {
    if (node.children.length === 0) leafPaths.push(node.path.join("\u0000"));
    for (const child of node.children) collectLeaves(child);
  };
  for (const child of tree.children) collectLeaves(child);
  let total = 0n;
  metadata.row_groups.forEach((group, g) => {
    const at = `row group ${g + 1}`;
    if (typeof group.num_rows !== "bigint" || group.num_rows < 0n) throw fail(`${at} has no row count`);
    if (group.num_rows > BigInt(MAX_CHUNK_VALUES)) {
      throw new CliError(
        "input",
        `${path}: ${at} has ${group.num_rows} rows; the Parquet reader decodes row groups of at most ` +
          `${MAX_CHUNK_VALUES} rows (rewrite the file with smaller row groups)`,
        { source: path },
      );
    }
    total += group.num_rows;
    if (!Array.isArray(group.columns) || group.columns.length !== leafPaths.length) {
      throw fail(
        `${at} has ${group.columns?.length ?? 0} column chunks, the schema ${leafPaths.length} columns`,
      );
    }
    group.columns.forEach((chunk, c) => {
      const meta = chunk.meta_data;
      if (chunk.file_path !== undefined) {
        throw new CliError(
          "input",
          `${path}: column chunks stored in other files (${chunk.file_path}) are not supported`,
          { source: path },
        );
      }
      if (meta === undefined) {
        throw new CliError("input", `${path}: encrypted Parquet columns are not supported`, { source: path });
      }
      const column = Array.isArray(meta.path_in_schema) ? meta.path_in_schema.join(".") : "?";
      if (!Array.isArray(meta.path_in_schema) || meta.path_in_schema.join("\u0000") !== leafPaths[c]) {
        throw fail(`${at}'s column chunk ${c + 1} (${column}) does not match the schema`);
      }
      if (!CODECS.has(meta.codec)) {
        throw new CliError(
          "input",
          `${path}: column ${JSON.stringify(column)} is compressed with ${meta.codec ?? "an unknown codec"}, ` +
            `which is not supported (supported: ${[...CODECS].join(", ")})`,
          { source: path },
        );
      }
      const { start, end } = chunkRange(meta);
      // An empty chunk (a row group without rows) may point anywhere: nothing is read from it.
      if (!(end === start ? start >= 0 && start <= dataEnd : start >= 4 && end > start && end <= dataEnd)) {
        throw fail(`${at}, column ${JSON.stringify(column)} lies at bytes ${start}–${end}, outside the data`);
      }
      if (!(meta.total_uncompressed_size >= 0n && meta.total_uncompressed_size < 2n ** 31n)) {
        throw fail(`${at}, column ${JSON.stringify(column)} claims ${meta.total_uncompressed_size} bytes`);
      }
    });
  });
  if (total !== metadata.num_rows) {
    throw fail(`the row groups hold ${total} rows, the file says ${metadata.num_rows}`);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`${total} rows`);

  const seen = new Set<string>();
  let leafIndex = 0;
  return tree.children.map((node): ColumnPlan => {
    const name = node.element.name;
    if (seen.has(name)) {
      throw new CliError("input", `${path}: two columns are named ${JSON.stringify(name)}`, { source: path });
    }
    seen.add(name);
    const unsupported = unsupportedType(node);
    if (unsupported !== null) {
      throw new CliError(
        "input",
        `${path}: column ${JSON.stringify(name)} holds ${unsupported} values, which the Parquet reader ` +
          "cannot decode",
        { source: path },
      );
    }
    const leaves: Leaf[] = [];
    const addLeaves = (n: SchemaTree, schemaPath: SchemaTree[]): void => {
      const here = [...schemaPath, n];
      if (n.children.length > 0) {
        for (const child of n.children) addLeaves(child, here);
        return;
      }
      const decoder: Omit<ColumnDecoder, "codec"> = {
        pathInSchema: n.path,
        type: n.element.type!,
        element: n.element,
        schemaPath: here,
        parsers: PARSERS,
        utf8: true,
      };
      leaves.push({
        index: leafIndex++,
        decoder,
        levels: { maxRepetition: getMaxRepetitionLevel(here), maxDefinition: getMaxDefinitionLevel(here) },
      });
    };
    addLeaves(node, [tree]);
    const leaf = leaves[0]!;
    if (node.children.length === 0 && node.element.repetition_type !== "REPEATED") {
      if (node.element.type === undefined) throw fail(`column ${JSON.stringify(name)} has no type`);
      return { name, kind: "flat", leaf, mapping: mappingOf(node) };
    }
    return { name, kind: "nested", leaves };
  });
}

/** Types hyparquet refuses to convert (it throws mid-read); named up front instead. */
function unsupportedType(node: SchemaTree): string | null {
  const c = node.element.converted_type;
  if (c === "BSON" || c === "INTERVAL") return c;
  for (const child of node.children) {
    const inner = unsupportedType(child);
    if (inner !== null) return inner;
  }
  return null;
}

function mappingOf(node: SchemaTree): FlatMapping {
  const e = node.element;
  const logical = e.logical_type;
  const converted = e.converted_type;
  if (logical?.type === "FLOAT16") return "float";
  if (converted === "DECIMAL" || logical?.type === "DECIMAL") return (e.scale ?? 0) > 0 ? "float" : "int";
  if (logical?.type === "TIME") {
    return logical.unit === "NANOS" ? "time-ns" : logical.unit === "MICROS" ? "time-us" : "time-ms";
  }
  if (converted === "TIME_MILLIS") return "time-ms";
  if (converted === "TIME_MICROS") return "time-us";
  // Dates and timestamps arrive as Date objects, strings as strings: nothing to do.
  if (logical !== undefined && logical.type !== "INTEGER") return "asis";
  if (converted !== undefined && !/^U?INT_/.test(converted)) return "asis";
  switch (e.type) {
    case "DOUBLE":
    case "FLOAT":
      return "float";
    case "INT32":
    case "INT64":
      return "int";
    case "FIXED_LEN_BYTE_ARRAY":
      // Unannotated bytes are read as text, like unannotated BYTE_ARRAY (hyparquet's utf8 default).
      return "text";
    default:
      return "asis";
  }
}

function concatChunks(chunks: readonly DecodedArray[]): DecodedArray {
  if (chunks.length === 1) return chunks[0]!;
  const out: unknown[] = [];
  for (const c of chunks) for (let i = 0; i < c.length; i++) out.push(c[i]);
  return out;
}

function invalid(path: string, what: string): CliError {
  return new CliError("input", `${path} is not a readable Parquet file: ${what}`, { source: path });
}

/** Library errors become CliErrors naming the file and what was being read; CliErrors pass through. */
function asInputError(path: string, doing: string, e: unknown): CliError {
  if (e instanceof CliError) return e;
  const detail = e instanceof PageError ? "" : `: ${messageOf(e)} (the file is corrupt or truncated)`;
  return new CliError("input", `${path}: ${doing}${detail}`, { source: path, cause: e });
}
