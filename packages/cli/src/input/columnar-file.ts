// File access shared by the Parquet and Arrow IPC readers: opening with a user-facing error, and positioned
// reads of exact byte ranges (both formats are read by seeking, never loaded whole).

import { open, type FileHandle } from "node:fs/promises";
import { unreadable } from "../errors.js";

export async function openInputFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (e) {
    throw unreadable(path, e);
  }
}

/**
 * Reads bytes [start, start + length) into a fresh buffer. A short read means the file shrank after it was
 * opened: `onShort` builds the error naming the position where it ended.
 */
export async function readRange(
  handle: FileHandle,
  start: number,
  length: number,
  onShort: (endedAt: number) => Error,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, start + done);
    if (bytesRead === 0) throw onShort(start + done);
    done += bytesRead;
  }
  return bytes;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
