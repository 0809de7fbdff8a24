// Worker-thread entry point of `profile`: one ProfilingCore fed by messages from the main thread.

import { parentPort, workerData } from "node:worker_threads";
import { CliError } from "../errors.js";
import { ProfilingCore } from "./core.js";
import type { FromWorker, ToWorker, WorkerData } from "./protocol.js";

const port = parentPort;
if (port === null) throw new Error("engine/worker.js must run in a worker thread");
const core = new ProfilingCore((workerData as WorkerData).core);

function fail(e: unknown): void {
  const msg: FromWorker =
    e instanceof CliError
      ? {
          type: "error",
          kind: e.kind,
          message: e.message,
          ...(e.source !== undefined ? { source: e.source } : {}),
          ...(e.line !== undefined ? { line: e.line } : {}),
        }
      : { type: "error", kind: "internal", message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  port!.postMessage(msg);
}

// Messages are handled strictly in order: a unit read awaits I/O, so later messages queue behind it.
let queue: Promise<void> = Promise.resolve();

port.on("message", (msg: ToWorker) => {
  queue = queue.then(async () => {
    try {
      switch (msg.type) {
        case "begin-text":
          core.beginText(msg.source, msg.setup);
          break;
        case "chunk":
          port.postMessage({ type: "ack", id: msg.id, ack: core.parseChunk(msg.bytes, msg.firstLine) });
          break;
        case "unit": {
          const ack = await core.readUnit(msg.path, msg.format, msg.index, msg.firstRow);
          port.postMessage({ type: "ack", id: msg.id, ack });
          break;
        }
        case "finish": {
          await core.close();
          // Copied rather than transferred: a few MB at most, and views may share a buffer.
          port.postMessage({ type: "done", partitions: core.serialize() });
          break;
        }
      }
    } catch (e) {
      fail(e);
    }
  });
});
