// Where chunks are profiled: in a worker thread, or inline on the main thread (small inputs, tests, and
// Arrow streams whose batches cannot be handed to another thread cheaply).

import { Worker } from "node:worker_threads";
import { CliError } from "../errors.js";
import { ProfilingCore } from "./core.js";
import type { ChunkAck, CoreOptions, TextSetup } from "./core.js";
import { deserializePartition } from "./partitioner.js";
import type { PartitionView } from "./partitioner.js";
import type { FromWorker, ToWorker, WorkerData } from "./protocol.js";
import type { RecordBatch } from "../input/types.js";

export interface Executor {
  beginText(source: string, setup: TextSetup): void;
  chunk(bytes: Uint8Array, firstLine: number): Promise<ChunkAck>;
  unit(path: string, format: "parquet" | "arrow", index: number, firstRow: number): Promise<ChunkAck>;
  /** Chunks sent and not yet acknowledged. */
  readonly inFlight: number;
  /** Resolves once fewer than `limit` chunks are in flight. */
  drain(limit: number): Promise<void>;
  finish(): Promise<PartitionView[]>;
  terminate(): Promise<void>;
}

export class InlineExecutor implements Executor {
  readonly core: ProfilingCore;
  readonly inFlight = 0;

  constructor(options: CoreOptions) {
    this.core = new ProfilingCore(options);
  }
  beginText(source: string, setup: TextSetup): void {
    this.core.beginText(source, setup);
  }
  async chunk(bytes: Uint8Array, firstLine: number): Promise<ChunkAck> {
    return this.core.parseChunk(bytes, firstLine);
  }
  unit(path: string, format: "parquet" | "arrow", index: number, firstRow: number): Promise<ChunkAck> {
    return this.core.readUnit(path, format, index, firstRow);
  }
  trackBatch(source: string, batch: RecordBatch, firstRow: number): ChunkAck {
    return this.core.trackBatch(source, batch, firstRow);
  }
  async drain(): Promise<void> {}
  async finish(): Promise<PartitionView[]> {
    await this.core.close();
    return this.core.views();
  }
  async terminate(): Promise<void> {
    await this.core.close();
  }
}

interface Pending {
  readonly promise: Promise<ChunkAck>;
  resolve(ack: ChunkAck): void;
  reject(e: unknown): void;
}

function workerFailure(msg: Extract<FromWorker, { type: "error" }>): Error {
  if (msg.kind === "internal") return new Error(`profiling worker failed: ${msg.message}`);
  return new CliError(msg.kind, msg.message, {
    ...(msg.source !== undefined ? { source: msg.source } : {}),
    ...(msg.line !== undefined ? { line: msg.line } : {}),
  });
}

export class WorkerExecutor implements Executor {
  private readonly worker: Worker;
  /** Requests not yet acknowledged, oldest first (a Map keeps insertion order). */
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private done: { resolve(p: PartitionView[]): void; reject(e: unknown): void } | null = null;
  private failure: Error | null = null;

  constructor(script: URL, options: CoreOptions) {
    const data: WorkerData = { core: options };
    this.worker = new Worker(script, { workerData: data });
    this.worker.on("message", (msg: FromWorker) => this.onMessage(msg));
    this.worker.on("error", (e) =>
      this.fail(new Error(`profiling worker crashed: ${e.message}`, { cause: e })),
    );
    this.worker.on("exit", (code) => {
      if (code !== 0) this.fail(new Error(`profiling worker exited with code ${code}`));
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case "ack": {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p?.resolve(msg.ack);
        break;
      }
      case "done": {
        // Decoding happens in a message handler: a failure must reject the run, not escape as an uncaught error.
        let views: PartitionView[];
        try {
          views = msg.partitions.map(deserializePartition);
        } catch (e) {
          this.fail(e instanceof Error ? e : new Error(String(e)));
          break;
        }
        this.done?.resolve(views);
        this.done = null;
        break;
      }
      case "error":
        this.fail(workerFailure(msg));
        break;
    }
  }

  private fail(e: Error): void {
    if (this.failure !== null) return;
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.done?.reject(e);
    this.done = null;
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  private request(make: (id: number) => ToWorker, transfer?: ArrayBuffer): Promise<ChunkAck> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    let settle!: Omit<Pending, "promise">;
    const promise = new Promise<ChunkAck>((resolve, reject) => (settle = { resolve, reject }));
    // The caller awaits drain() and the ack itself; keep an unhandled rejection from surfacing twice.
    promise.catch(() => {});
    this.pending.set(id, { promise, ...settle });
    if (transfer === undefined) this.send(make(id));
    else this.worker.postMessage(make(id), [transfer]);
    return promise;
  }

  beginText(source: string, setup: TextSetup): void {
    this.send({ type: "begin-text", source, setup });
  }

  chunk(bytes: Uint8Array, firstLine: number): Promise<ChunkAck> {
    // The chunk owns its buffer (the chunker allocates one per chunk), so it moves instead of being copied.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return this.request(
      (id) => ({ type: "chunk", id, bytes, firstLine }),
      whole ? (bytes.buffer as ArrayBuffer) : undefined,
    );
  }

  unit(path: string, format: "parquet" | "arrow", index: number, firstRow: number): Promise<ChunkAck> {
    return this.request((id) => ({ type: "unit", id, path, format, index, firstRow }));
  }

  async drain(limit: number): Promise<void> {
    while (this.pending.size >= limit) {
      const oldest = this.pending.values().next().value;
      if (oldest === undefined) break;
      await oldest.promise;
    }
    if (this.failure !== null) throw this.failure;
  }

  finish(): Promise<PartitionView[]> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<PartitionView[]>((resolve, reject) => {
      this.done = { resolve, reject };
      this.send({ type: "finish" });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
