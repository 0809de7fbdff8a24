// Messages between the main thread and profiling workers.

import type { CliErrorKind } from "../errors.js";
import type { ChunkAck, CoreOptions, TextSetup } from "./core.js";
import type { SerializedPartition } from "./partitioner.js";

export type ToWorker =
  | { readonly type: "begin-text"; readonly source: string; readonly setup: TextSetup }
  | { readonly type: "chunk"; readonly id: number; readonly bytes: Uint8Array; readonly firstLine: number }
  | {
      readonly type: "unit";
      readonly id: number;
      readonly path: string;
      readonly format: "parquet" | "arrow";
      readonly index: number;
      readonly firstRow: number;
    }
  | { readonly type: "finish" };

export type FromWorker =
  | { readonly type: "ack"; readonly id: number; readonly ack: ChunkAck }
  | { readonly type: "done"; readonly partitions: readonly SerializedPartition[] }
  | {
      readonly type: "error";
      readonly kind: CliErrorKind | "internal";
      readonly message: string;
      readonly source?: string;
      readonly line?: number;
    };

export interface WorkerData {
  readonly core: CoreOptions;
}
