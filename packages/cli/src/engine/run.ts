// The main-thread half of `profile`: read inputs, cut text into chunks of whole records, hand chunks (or
// Parquet row groups / Arrow batches) to workers round-robin, and merge what the workers return.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { CliError } from "../errors.js";
import { CsvChunkParser, parseCsvHeader } from "../input/csv.js";
import type { DataFormat, DetectedInput } from "../input/detect.js";
import { sniffDialect } from "../input/record-splitter.js";
import type { CsvDialect } from "../input/record-splitter.js";
import type { ChunkAck, CoreOptions, SourcedRecord, TextSetup } from "./core.js";
import { RecordChunker } from "./chunker.js";
import { InlineExecutor, WorkerExecutor } from "./executors.js";
import type { Executor } from "./executors.js";
import { mergePartitions } from "./partitioner.js";
import type { CollectedColumns, PartitionOptions, PartitionView } from "./partitioner.js";

export interface RunProgress {
  /** Input bytes consumed so far (compressed bytes for gzip files). */
  readonly bytes: number;
  /** Total input bytes, or null when unknown (standard input). */
  readonly totalBytes: number | null;
  readonly rows: number;
}

export interface ProfileRunOptions extends Omit<PartitionOptions, "creationTimestamp"> {
  /** Field delimiter for CSV (sniffed when absent). */
  readonly delimiter?: string;
  /** Text that means "missing" in CSV (default: pandas' list). */
  readonly nullValues?: readonly string[];
  /** Worker threads; 0 or absent = automatic (one per core for inputs ≥ 32 MiB, else inline). */
  readonly threads?: number;
  /** Stop at the first malformed record. */
  readonly strict?: boolean;
  /** How many malformed records to report with their line (all are counted). */
  readonly maxSamples?: number;
  readonly chunkBytes?: number;
  readonly maxRecordBytes?: number;
  readonly onProgress?: (p: RunProgress) => void;
}

export interface ProfileRunResult {
  readonly partitions: readonly PartitionView[];
  readonly rows: number;
  readonly malformed: number;
  readonly malformedSamples: readonly SourcedRecord[];
  /** Records dropped for a missing or unreadable timestamp. */
  readonly skipped: number;
  readonly skippedSamples: readonly SourcedRecord[];
  /** With `collect`: the collected columns of every chunk, in input order (same order as the records). */
  readonly collected: readonly CollectedColumns[];
  readonly bytes: number;
  readonly threads: number;
  readonly elapsedMs: number;
}

const DEFAULT_CHUNK = 4 * 2 ** 20;
const PARALLEL_FROM_BYTES = 32 * 2 ** 20;
/** Chunks queued per worker: one being parsed, one waiting, so reading never stalls a worker. */
const IN_FLIGHT_PER_WORKER = 2;

function workerScript(): URL | null {
  const url = new URL("./worker.js", import.meta.url);
  // Under a TypeScript test runner the sources are .ts and there is no compiled worker to start.
  return import.meta.url.endsWith(".ts") ? null : url;
}

class Tally {
  rows = 0;
  malformed = 0;
  skipped = 0;
  readonly malformedSamples: SourcedRecord[] = [];
  readonly skippedSamples: SourcedRecord[] = [];
  /** Collected columns by chunk sequence number (chunks finish out of order). */
  private readonly collectedBySeq = new Map<number, readonly CollectedColumns[]>();
  constructor(private readonly max: number) {}
  add(ack: ChunkAck, seq: number): void {
    if (ack.collected !== undefined) this.collectedBySeq.set(seq, ack.collected);
    this.rows += ack.rows;
    this.malformed += ack.malformed;
    this.skipped += ack.skipped;
    for (const s of ack.samples) this.malformedSamples.push(s);
    for (const s of ack.skippedSamples) this.skippedSamples.push(s);
  }
  /** The first `max` samples in input order (workers finish out of order). */
  finish(order: readonly string[]): void {
    const rank = (s: SourcedRecord): number => order.indexOf(s.source);
    for (const list of [this.malformedSamples, this.skippedSamples]) {
      list.sort((a, b) => rank(a) - rank(b) || a.line - b.line);
      list.splice(this.max);
    }
  }
  collected(): CollectedColumns[] {
    return [...this.collectedBySeq.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
  }
}

async function* streamBlocks(
  input: DetectedInput,
  onRead: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  let raw: Readable;
  try {
    raw = input.path === "-" ? process.stdin : createReadStream(input.path, { highWaterMark: 2 ** 20 });
  } catch (e) {
    throw new CliError("input", `cannot read ${input.path}: ${(e as Error).message}`, { source: input.path });
  }
  let stream: Readable = raw;
  if (input.gzip) stream = raw.pipe(createGunzip());
  let last = 0;
  try {
    for await (const block of stream) {
      const read =
        input.path === "-"
          ? last + (block as Buffer).length
          : (raw as unknown as { bytesRead: number }).bytesRead;
      if (read !== last) {
        onRead(read - last);
        last = read;
      }
      yield block as Uint8Array;
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "Z_DATA_ERROR" || err.code === "Z_BUF_ERROR" ? "corrupt gzip data" : err.message;
    throw new CliError("input", `cannot read ${input.path}: ${why}`, { source: input.path, cause: e });
  }
}

function stripBom(bytes: Uint8Array): Uint8Array {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

export async function profileInputs(
  inputs: readonly (DetectedInput & { format: DataFormat })[],
  options: ProfileRunOptions = {},
): Promise<ProfileRunResult> {
  const started = performance.now();
  const sizes = await Promise.all(
    inputs.map(async (i) => (i.path === "-" ? null : (await stat(i.path)).size)),
  );
  const totalBytes = sizes.some((s) => s === null) ? null : sizes.reduce<number>((a, s) => a + (s ?? 0), 0);
  const script = workerScript();
  const requested = options.threads ?? 0;
  const auto =
    totalBytes === null || totalBytes >= PARALLEL_FROM_BYTES ? Math.min(availableParallelism(), 8) : 1;
  const threads = script === null ? 1 : Math.max(1, requested > 0 ? requested : auto);

  const core: CoreOptions = {
    partition: {
      ...(options.segmentBy !== undefined ? { segmentBy: options.segmentBy } : {}),
      ...(options.maxSegments !== undefined ? { maxSegments: options.maxSegments } : {}),
      ...(options.timestampColumn !== undefined ? { timestampColumn: options.timestampColumn } : {}),
      ...(options.bucket !== undefined ? { bucket: options.bucket } : {}),
      ...(options.timestampUnit !== undefined ? { timestampUnit: options.timestampUnit } : {}),
      ...(options.datasetTimestamp !== undefined ? { datasetTimestamp: options.datasetTimestamp } : {}),
      ...(options.performance !== undefined ? { performance: options.performance } : {}),
      ...(options.collect !== undefined ? { collect: options.collect } : {}),
      ...(options.collectOnly !== undefined ? { collectOnly: options.collectOnly } : {}),
      creationTimestamp: Date.now(),
    },
    strict: options.strict ?? false,
    maxSamples: options.maxSamples ?? 20,
  };
  const executors: Executor[] =
    threads === 1
      ? [new InlineExecutor(core)]
      : Array.from({ length: threads }, () => new WorkerExecutor(script!, core));
  let inline: InlineExecutor | null = executors[0] instanceof InlineExecutor ? executors[0] : null;
  const tally = new Tally(core.maxSamples);
  let bytes = 0;
  const progress = (): void => options.onProgress?.({ bytes, totalBytes, rows: tally.rows });
  const acks: Promise<void>[] = [];
  let next = 0;
  /** Sequence number of every chunk or batch, in input order (orders the collected columns). */
  let seq = 0;

  // Round-robin, not first-free: the same input and thread count always give the same profiles.
  const dispatch = async (send: (e: Executor) => Promise<ChunkAck>): Promise<void> => {
    const executor = executors[next % executors.length]!;
    next++;
    const mine = seq++;
    await executor.drain(IN_FLIGHT_PER_WORKER);
    acks.push(
      send(executor).then((ack) => {
        tally.add(ack, mine);
        progress();
      }),
    );
  };

  try {
    for (const [index, input] of inputs.entries()) {
      if (input.format === "parquet" || input.format === "arrow") {
        const source = await (input.format === "parquet"
          ? (await import("../input/parquet.js")).openParquet(input.path)
          : (await import("../input/arrow.js")).openArrow(input.path));
        try {
          if (source.unitCount !== null) {
            let firstRow = 1;
            for (let u = 0; u < source.unitCount; u++) {
              const row = firstRow;
              await dispatch((e) => e.unit(input.path, input.format as "parquet" | "arrow", u, row));
              firstRow += source.unitRows?.[u] ?? 0;
            }
          } else {
            // A stream reads front to back on this thread; its batches are tracked here too.
            inline ??= new InlineExecutor(core);
            let firstRow = 1;
            for await (const batch of source.batches()) {
              tally.add(inline.trackBatch(input.path, batch, firstRow), seq++);
              firstRow += batch.rows;
              progress();
            }
          }
        } finally {
          await source.close();
        }
        bytes += sizes[index] ?? 0;
        progress();
        continue;
      }
      await profileText(input, options, executors, dispatch, (n) => {
        bytes += n;
      });
    }
    await Promise.all(acks);
    const parts: PartitionView[] = [];
    for (const e of executors) parts.push(...(await e.finish()));
    if (inline !== null && !executors.includes(inline)) parts.push(...(await inline.finish()));
    tally.finish(inputs.map((i) => i.path));
    progress();
    return {
      partitions: mergePartitions(parts),
      rows: tally.rows,
      malformed: tally.malformed,
      malformedSamples: tally.malformedSamples,
      skipped: tally.skipped,
      skippedSamples: tally.skippedSamples,
      collected: tally.collected(),
      bytes,
      threads,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await Promise.allSettled(acks);
    await Promise.all(executors.map((e) => e.terminate()));
  }
}

async function profileText(
  input: DetectedInput & { format: DataFormat },
  options: ProfileRunOptions,
  executors: readonly Executor[],
  dispatch: (send: (e: Executor) => Promise<ChunkAck>) => Promise<void>,
  onRead: (bytes: number) => void,
): Promise<void> {
  const blocks = streamBlocks(input, onRead);
  const maxRecord = options.maxRecordBytes ?? 64 * 2 ** 20;
  // Enough of the start to sniff the dialect and hold the header.
  let head: Uint8Array = new Uint8Array(0);
  let ended = false;
  const readMore = async (): Promise<boolean> => {
    const r = await blocks.next();
    if (r.done) {
      ended = true;
      return false;
    }
    const merged = new Uint8Array(head.length + r.value.length);
    merged.set(head);
    merged.set(r.value, head.length);
    head = merged;
    return true;
  };
  while (head.length < 64 * 1024 && (await readMore()));
  if (head.length === 0) {
    throw new CliError(
      "input",
      `${input.path} is empty: a ${input.format === "jsonl" ? "JSON Lines file needs at least one record" : "CSV file needs at least a header row"}`,
      { source: input.path },
    );
  }
  head = stripBom(head);

  let setup: TextSetup;
  let delimiter: string | null = null;
  let firstLine = 1;
  if (input.format === "jsonl") {
    setup = { format: "jsonl" };
  } else {
    const hint = {
      fileName: input.path,
      ...(options.delimiter !== undefined
        ? { delimiter: options.delimiter }
        : input.format === "tsv"
          ? { delimiter: "\t" }
          : {}),
    };
    const dialect: CsvDialect = sniffDialect(head, hint);
    const readHeader = (final: boolean): ReturnType<typeof parseCsvHeader> => {
      try {
        return parseCsvHeader(head, dialect, final);
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        throw new CliError(
          "input",
          `${input.path}:${e.line ?? 1}: ${e.message}; check the quoting of the header row (or --delimiter)`,
          { source: input.path, line: e.line ?? 1, cause: e },
        );
      }
    };
    let header = readHeader(false);
    while (header === null) {
      if (head.length > maxRecord) {
        throw new CliError("input", `${input.path}:1: the header row is longer than ${maxRecord} bytes`, {
          source: input.path,
          line: 1,
        });
      }
      if (!(await readMore())) {
        // The whole file is a header without a final newline.
        header = readHeader(true);
        if (header === null) {
          throw new CliError(
            "input",
            `${input.path}:1: cannot read a header row (is it a CSV file? --format says which reader to use)`,
            { source: input.path },
          );
        }
        break;
      }
      header = readHeader(false);
    }
    setup = {
      format: "csv",
      dialect,
      columns: header.names,
      ...(options.nullValues !== undefined ? { nullValues: options.nullValues } : {}),
    };
    delimiter = dialect.delimiter;
    firstLine = 1 + header.lines;
    head = head.subarray(header.end);
  }
  const chunker = new RecordChunker({
    delimiter,
    targetBytes: options.chunkBytes ?? DEFAULT_CHUNK,
    maxRecordBytes: maxRecord,
    firstLine,
    source: input.path,
  });
  let begun = false;
  // Workers are told how to parse once the first chunk exists: with several workers, the column kinds are
  // decided from that chunk here, so a column is typed the same way whichever worker parses which chunk.
  const begin = (first: Uint8Array | null): void => {
    if (begun) return;
    begun = true;
    if (setup.format === "csv" && executors.length > 1 && first !== null) {
      const probe = new CsvChunkParser({
        dialect: setup.dialect,
        columns: [...setup.columns],
        ...(setup.nullValues ? { nullValues: setup.nullValues } : {}),
      });
      probe.parse(first, firstLine);
      setup = { ...setup, kinds: probe.kinds };
    }
    for (const e of executors) e.beginText(input.path, setup);
  };
  let sent = 0;
  const send = async (chunk: { bytes: Uint8Array; firstLine: number } | null): Promise<void> => {
    if (chunk === null) return;
    begin(chunk.bytes);
    sent++;
    await dispatch((e) => e.chunk(chunk.bytes, chunk.firstLine));
  };
  await send(chunker.push(head.slice()));
  if (!ended) {
    for (;;) {
      const r = await blocks.next();
      if (r.done) break;
      await send(chunker.push(r.value));
    }
  }
  await send(chunker.end());
  // A header-only CSV still declares its columns (one empty chunk).
  if (sent === 0 && input.format !== "jsonl") {
    begin(null);
    await dispatch((e) => e.chunk(new Uint8Array(0), firstLine));
  }
}
