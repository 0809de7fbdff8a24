// Cuts a byte stream into chunks of whole records. Each chunk owns its ArrayBuffer, so it can be moved to a
// worker without a copy, and knows the physical line it starts on.

import { CliError } from "../errors.js";
import { RecordSplitter, countNewlines } from "../input/record-splitter.js";

export interface Chunk {
  readonly bytes: Uint8Array;
  readonly firstLine: number;
}

export interface ChunkerOptions {
  /** CSV: the delimiter (quoting rules depend on it: a quote only opens a field at its start). JSONL: null. */
  readonly delimiter: string | null;
  /** Chunks are at least this large (except the last). */
  readonly targetBytes: number;
  /** A single record larger than this is an error (an unterminated quote, or not a text file). */
  readonly maxRecordBytes: number;
  readonly firstLine: number;
  readonly source: string;
}

export class RecordChunker {
  private readonly options: ChunkerOptions;
  private readonly splitter: RecordSplitter;
  private blocks: Uint8Array[] = [];
  private size = 0;
  /** Bytes of `blocks` that end with a complete record (0: none yet). */
  private complete = 0;
  private line: number;

  constructor(options: ChunkerOptions) {
    this.options = options;
    this.line = options.firstLine;
    this.splitter = new RecordSplitter(
      options.delimiter === null ? { quote: null } : { delimiter: options.delimiter, quote: '"' },
    );
  }

  /** Adds bytes; returns a chunk once enough whole records have accumulated. */
  push(block: Uint8Array): Chunk | null {
    if (block.length === 0) return null;
    const cut = this.splitter.push(block);
    if (cut > 0) this.complete = this.size + cut;
    this.blocks.push(block);
    this.size += block.length;
    if (this.complete === 0 && this.splitter.pendingBytes > this.options.maxRecordBytes) {
      const what =
        this.options.delimiter === null
          ? "a line longer than"
          : "a record (or a quoted field that is never closed) longer than";
      throw new CliError(
        "input",
        `${this.options.source}:${this.line}: ${what} ${Math.round(this.options.maxRecordBytes / 2 ** 20)} MiB; check the quoting`,
        { source: this.options.source, line: this.line },
      );
    }
    if (this.complete < this.options.targetBytes) return null;
    return this.cut(this.concat(), this.complete);
  }

  /** Whatever is left at the end of the input (a last record without a newline, or an open quote). */
  end(): Chunk | null {
    if (this.size === 0) return null;
    const all = this.concat();
    return this.cut(all, all.length);
  }

  private concat(): Uint8Array {
    if (this.blocks.length === 1) {
      const only = this.blocks[0]!;
      if (only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return only;
    }
    // A fresh, exactly-sized buffer (not Node's shared pool) so the chunk can be transferred.
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const b of this.blocks) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  private cut(all: Uint8Array, end: number): Chunk {
    const chunk: Chunk = { bytes: end === all.length ? all : all.slice(0, end), firstLine: this.line };
    const rest = all.subarray(end);
    this.blocks = rest.length > 0 ? [rest.slice()] : [];
    this.size = rest.length;
    this.complete = 0;
    this.line += countNewlines(chunk.bytes);
    return chunk;
  }
}
