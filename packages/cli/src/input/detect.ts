// Which reader a path needs: the user's --format, else the first bytes (magic numbers), else the file name.

import { basename } from "node:path";
import { CliError, unreadable } from "../errors.js";
import { openInputFile } from "./columnar-file.js";

export type DataFormat = "csv" | "tsv" | "jsonl" | "parquet" | "arrow";
export type InputFormat = DataFormat | "profile";

export const DATA_FORMATS: readonly DataFormat[] = ["csv", "tsv", "jsonl", "parquet", "arrow"];

export interface DetectedInput {
  readonly path: string;
  readonly format: InputFormat;
  /** gzip-compressed text (`.gz`), decompressed while streaming. */
  readonly gzip: boolean;
}

const BY_EXTENSION: Record<string, InputFormat> = {
  csv: "csv",
  txt: "csv",
  tsv: "tsv",
  tab: "tsv",
  jsonl: "jsonl",
  ndjson: "jsonl",
  json: "jsonl",
  parquet: "parquet",
  pq: "parquet",
  arrow: "arrow",
  arrows: "arrow",
  feather: "arrow",
  ipc: "arrow",
  bin: "profile",
  pb: "profile",
  whylogs: "profile",
};

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Sniffs a format from a file's first bytes; null when they say nothing definite. */
export function formatFromMagic(head: Uint8Array): InputFormat | null {
  if (startsWith(head, "PAR1")) return "parquet";
  if (startsWith(head, "ARROW1")) return "arrow";
  // Arrow IPC stream: a continuation marker (0xFFFFFFFF) before the first message.
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff) {
    return "arrow";
  }
  if (startsWith(head, "WHY1")) return "profile";
  return null;
}

function formatFromName(path: string): { format: InputFormat | null; gzip: boolean } {
  let name = basename(path).toLowerCase();
  const gzip = name.endsWith(".gz");
  if (gzip) name = name.slice(0, -3);
  const dot = name.lastIndexOf(".");
  const ext = dot < 0 ? "" : name.slice(dot + 1);
  return { format: BY_EXTENSION[ext] ?? null, gzip };
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await openInputFile(path);
  try {
    const buf = new Uint8Array(16);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } catch (e) {
    throw unreadable(path, e);
  } finally {
    await handle.close();
  }
}

/**
 * The format of an input. `-` is standard input (text only: CSV unless --format says otherwise). Binary
 * formats are recognised by their magic bytes whatever the file is called.
 */
export async function detectInput(path: string, forced?: InputFormat): Promise<DetectedInput> {
  const named = formatFromName(path);
  if (path === "-") {
    const format = forced ?? "csv";
    if (format === "parquet" || format === "arrow" || format === "profile") {
      throw new CliError("usage", `--format ${format} cannot be read from standard input; pass a file path`);
    }
    return { path, format, gzip: false };
  }
  const head = await readHead(path);
  const gzip = named.gzip || (head[0] === 0x1f && head[1] === 0x8b);
  const format = forced ?? (gzip ? null : formatFromMagic(head)) ?? named.format ?? "csv";
  if (gzip && (format === "parquet" || format === "arrow" || format === "profile")) {
    throw new CliError(
      "input",
      `${path}: gzip-compressed ${format} files are not supported; decompress it first (gunzip)`,
      { source: path },
    );
  }
  return { path, format, gzip };
}
