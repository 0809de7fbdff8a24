// The per-thread half of `profile`: parse chunks (or read Parquet/Arrow units) and track them into the
// partitioner's profiles. The same class runs inside each worker thread and, for small inputs, inline.

import { scoreColumns } from "@sightglass/profile";
import { CliError } from "../errors.js";
import { CsvChunkParser } from "../input/csv.js";
import type { ColumnKind } from "../input/csv.js";
import type { CsvDialect } from "../input/record-splitter.js";
import { JsonlChunkParser } from "../input/jsonl.js";
import type { ChunkParser, MalformedRecord, RecordBatch, UnitSource } from "../input/types.js";
import { Partitioner, TrackFailure } from "./partitioner.js";
import type {
  CollectedColumns,
  PartitionOptions,
  PartitionView,
  SerializedPartition,
} from "./partitioner.js";

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
  /** The `collect` columns of the chunk's tracked rows (absent when nothing is collected). */
  readonly collected?: readonly CollectedColumns[];
}

/** The command-line flag that named a column of the partition options, for messages. */
function flagOf(options: PartitionOptions, column: string | undefined): string | null {
  if (column === undefined) return null;
  const spec = options.performance;
  if (spec !== undefined) {
    if (column === spec.prediction) return "--prediction-column";
    if (column === spec.target) return "--label-column";
    if (scoreColumns(spec).includes(column)) return "--score-column";
  }
  if (options.segmentBy?.includes(column)) return "--segment-by";
  return null;
}

/** A refused batch as a CliError naming the input, the record's line when known, the column and its flag. */
export function trackFailureError(f: TrackFailure, source: string, options: PartitionOptions): CliError {
  const e = f.error;
  const flag = flagOf(options, e.column);
  if (e.kind === "missing-column" && e.column !== undefined) {
    return new CliError(
      "usage",
      `${flag ?? "column"} ${JSON.stringify(e.column)} is not a column of ${source}`,
      { source, cause: e },
    );
  }
  // The line stands for the library's row number; the column is named with the flag that chose it.
  const where = [
    ...(e.column !== undefined ? [`column ${JSON.stringify(e.column)}`] : []),
    ...(flag !== null ? [flag] : []),
  ];
  const text = where.length > 0 ? `${e.reason} (${where.join(", ")})` : e.reason;
  return new CliError("input", `${source}${f.line !== undefined ? `:${f.line}` : ""}: ${text}`, {
    source,
    ...(f.line !== undefined ? { line: f.line } : {}),
    cause: e,
  });
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
    try {
      this.partitioner.track({ batch, lineOf });
    } catch (e) {
      if (e instanceof TrackFailure) throw trackFailureError(e, this.source, this.options.partition);
      throw e;
    }
    const collected = this.partitioner.takeCollected();
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
      ...(collected.length > 0 ? { collected } : {}),
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
