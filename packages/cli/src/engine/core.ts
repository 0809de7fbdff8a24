// The per-thread half of `profile`: parse chunks (or read Parquet/Arrow units) and track them into the
// partitioner's profiles. The same class runs inside each worker thread and, for small inputs, inline.

import { CliError } from "../errors.js";
import { CsvChunkParser } from "../input/csv.js";
import type { ColumnKind } from "../input/csv.js";
import type { CsvDialect } from "../input/record-splitter.js";
import { JsonlChunkParser } from "../input/jsonl.js";
import type { ChunkParser, MalformedRecord, RecordBatch, UnitSource } from "../input/types.js";
import { Partitioner } from "./partitioner.js";
import type { PartitionOptions, PartitionView, SerializedPartition } from "./partitioner.js";

/** How to parse the chunks of one text input (sent to every worker before its chunks). */
export type TextSetup =
  | {
      readonly format: "csv";
      readonly dialect: CsvDialect;
      readonly columns: readonly string[];
      readonly nullValues?: readonly string[];
      /** Column kinds decided once from the first chunk, so every worker types a column the same way. */
      readonly kinds?: readonly (ColumnKind | null)[];
    }
  | { readonly format: "jsonl" };

export interface CoreOptions {
  readonly partition: PartitionOptions;
  readonly strict: boolean;
  readonly maxSamples: number;
}

/** A malformed record with the input it came from. */
export interface SourcedRecord extends MalformedRecord {
  readonly source: string;
}

/** What one chunk or unit did (sent back to the main thread for progress and the report). */
export interface ChunkAck {
  readonly rows: number;
  readonly malformed: number;
  readonly samples: readonly SourcedRecord[];
  readonly skipped: number;
  readonly skippedSamples: readonly SourcedRecord[];
}

export class ProfilingCore {
  private readonly options: CoreOptions;
  private readonly partitioner: Partitioner;
  private parser: ChunkParser | null = null;
  private source = "";
  private readonly units = new Map<string, Promise<UnitSource>>();

  constructor(options: CoreOptions) {
    this.options = options;
    this.partitioner = new Partitioner(options.partition, options.maxSamples);
  }

  /** Starts a text input; its chunks follow. */
  beginText(source: string, setup: TextSetup): void {
    this.source = source;
    this.parser =
      setup.format === "csv"
        ? new CsvChunkParser({
            dialect: setup.dialect,
            columns: [...setup.columns],
            ...(setup.nullValues !== undefined ? { nullValues: setup.nullValues } : {}),
            ...(setup.kinds !== undefined ? { kinds: setup.kinds } : {}),
            maxMalformedSamples: this.options.maxSamples,
          })
        : new JsonlChunkParser({ maxMalformedSamples: this.options.maxSamples });
  }

  parseChunk(bytes: Uint8Array, firstLine: number): ChunkAck {
    if (this.parser === null) throw new Error("parseChunk before beginText");
    const result = this.parser.parse(bytes, firstLine);
    const samples = result.malformedSamples.map((m) => ({ ...m, source: this.source }));
    if (this.options.strict && result.malformed > 0) {
      const first = samples[0];
      throw new CliError(
        "input",
        `${this.source}${first ? `:${first.line}: ${first.reason}` : ": malformed record"} (--strict stops at the first malformed record)`,
        { source: this.source, ...(first ? { line: first.line } : {}) },
      );
    }
    const lines = result.recordLines;
    return this.track(result.batch, (i) => lines[i]!, result.malformed, samples);
  }

  private unitSource(path: string, format: "parquet" | "arrow"): Promise<UnitSource> {
    let source = this.units.get(path);
    if (source === undefined) {
      // Loaded on first use: the Arrow and Parquet libraries cost start-up time CSV users should not pay.
      source =
        format === "parquet"
          ? import("../input/parquet.js").then((m) => m.openParquet(path))
          : import("../input/arrow.js").then((m) => m.openArrow(path));
      this.units.set(path, source);
    }
    return source;
  }

  /** Reads and tracks one Parquet row group / Arrow record batch. `firstRow` numbers its records. */
  async readUnit(
    path: string,
    format: "parquet" | "arrow",
    index: number,
    firstRow: number,
  ): Promise<ChunkAck> {
    this.source = path;
    const source = await this.unitSource(path, format);
    const batch = await source.readUnit(index);
    return this.track(batch, (i) => firstRow + i, 0, []);
  }

  /** Tracks a batch read outside the core (Arrow streams, which only read front to back). */
  trackBatch(source: string, batch: RecordBatch, firstRow: number): ChunkAck {
    this.source = source;
    return this.track(batch, (i) => firstRow + i, 0, []);
  }

  private track(
    batch: RecordBatch,
    lineOf: (i: number) => number,
    malformed: number,
    samples: readonly SourcedRecord[],
  ): ChunkAck {
    const skippedBefore = this.partitioner.skipped;
    const samplesBefore = this.partitioner.skippedSamples.length;
    this.partitioner.track({ batch, lineOf });
    const skipped = this.partitioner.skipped - skippedBefore;
    if (this.options.strict && skipped > 0) {
      const first = this.partitioner.skippedSamples[samplesBefore];
      throw new CliError(
        "input",
        `${this.source}${first ? `:${first.line}: ${first.reason}` : ": a record has no usable timestamp"} (--strict)`,
        { source: this.source },
      );
    }
    return {
      rows: batch.rows,
      malformed,
      samples,
      skipped,
      skippedSamples: this.partitioner.skippedSamples
        .slice(samplesBefore)
        .map((m) => ({ ...m, source: this.source })),
    };
  }

  views(): PartitionView[] {
    return this.partitioner.views();
  }

  serialize(): SerializedPartition[] {
    return this.partitioner.serialize();
  }

  async close(): Promise<void> {
    for (const s of this.units.values()) await (await s).close();
    this.units.clear();
  }
}
