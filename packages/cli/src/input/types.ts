// What the readers hand to the profiling engine. Readers know formats; the engine knows profiles.

/** An Apache Arrow table as `@sightglass/profile` reads it (structurally; see its ArrowTableLike). */
export type ArrowTable = object;

/**
 * Parsed records of one chunk, in one of the shapes `DatasetProfile.track()` accepts:
 * - `columns`: equal-length arrays (typed arrays take the profile's fast path; `null` marks a missing value);
 * - `rows`: plain objects, where a key absent from a record is not counted for it (whylogs row semantics);
 * - `arrow`: an Apache Arrow table.
 */
export type RecordBatch =
  | {
      readonly kind: "columns";
      readonly rows: number;
      readonly columns: Readonly<Record<string, ArrayLike<unknown>>>;
    }
  | {
      readonly kind: "rows";
      readonly rows: number;
      readonly records: readonly Readonly<Record<string, unknown>>[];
    }
  | { readonly kind: "arrow"; readonly rows: number; readonly table: ArrowTable };

/** A record that could not be read; it is counted and skipped (or aborts the run with --strict). */
export interface MalformedRecord {
  /** 1-based physical line where the record starts (for Parquet/Arrow: the 1-based row number). */
  readonly line: number;
  readonly reason: string;
}

export interface ChunkResult {
  readonly batch: RecordBatch;
  /** How many records of the chunk were malformed (all counted, even beyond the samples). */
  readonly malformed: number;
  /** The first few malformed records, in file order. */
  readonly malformedSamples: readonly MalformedRecord[];
  /** Physical lines the chunk spans (so the next chunk knows its first line). */
  readonly lines: number;
  /** The 1-based physical line where each record of the batch starts (for messages about a record). */
  readonly recordLines: ArrayLike<number>;
}

/** Parses a chunk of whole records (text formats). Instances keep per-column state across chunks. */
export interface ChunkParser {
  parse(chunk: Uint8Array, firstLine: number): ChunkResult;
}

/** Formats whose records are independent units of a file (Parquet row groups, Arrow IPC file batches). */
export interface UnitSource {
  readonly format: "parquet" | "arrow";
  /** Total rows when the file says so up front. */
  readonly rowCount: number | null;
  /** Number of independently readable units; null when the file can only be read front to back (Arrow stream). */
  readonly unitCount: number | null;
  /** Rows of each unit when known up front (numbers the records of a unit in messages). */
  readonly unitRows?: readonly number[];
  /** Reads one unit (0-based); only when unitCount is not null. */
  readUnit(index: number): Promise<RecordBatch>;
  /** Reads every unit in order. */
  batches(): AsyncIterable<RecordBatch>;
  close(): Promise<void>;
}
