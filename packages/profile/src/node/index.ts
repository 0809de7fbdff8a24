// Node-only helpers (file system; delivery to a server through an on-disk spool). Kept out of the main entry
// point so the core runs in browsers and edge runtimes without Node built-ins.
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ProfileError } from "../errors.js";
import { DatasetProfileView } from "../profile.js";
import type { BucketInfo, ProfileWriter } from "../rolling-logger.js";

export {
  HttpProfileWriter,
  deliverProfile,
  isIdempotencyKey,
  postProfile,
  profilesEndpoint,
  retryDelayMs,
} from "./http-writer.js";
export type {
  DeliveryResult,
  HttpProfileWriterOptions,
  HttpWriterEvent,
  PostOutcome,
  ProfileDelivery,
  ProfilePost,
  RetryNotice,
  RetryPolicy,
  SpoolStatus,
} from "./http-writer.js";

/** Reads a whylogs v1 or v0 profile file. */
export async function readProfileFile(path: string): Promise<DatasetProfileView> {
  const bytes = await readFile(path);
  try {
    return DatasetProfileView.deserialize(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    if (e instanceof ProfileError) throw new ProfileError(e.kind, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Writes a view as whylogs v1 bytes; a file appears complete or not at all (temp file + rename). A path that is
 * not a regular file — /dev/null, a named pipe, /dev/stdout — is written in place: renaming over it would
 * replace the device itself (as root, /dev/null would become a plain file for the whole machine).
 */
export async function writeProfileFile(path: string, view: DatasetProfileView): Promise<void> {
  const bytes = view.serialize();
  const existing = await stat(path).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) {
    await writeFile(path, bytes);
    return;
  }
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

function compactUtc(ms: number): string {
  // 2024-05-01T13:00:00.000Z → 2024-05-01_13-00-00 (whylogs' rolling-logger suffix style, in UTC)
  return new Date(ms).toISOString().slice(0, 19).replace("T", "_").replace(/:/g, "-");
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80);
}

export interface LocalFileWriterOptions {
  /** File-name prefix (default "profile"). */
  readonly baseName?: string;
}

/**
 * Writes each flushed profile to `dir` as `<base>.<bucket start UTC>.<sequence>[.<segment>].bin`. Several
 * files for one bucket (late data, segments) are expected: profiles merge when read back.
 */
export class LocalFileWriter implements ProfileWriter {
  private readonly dir: string;
  private readonly baseName: string;

  constructor(dir: string, options: LocalFileWriterOptions = {}) {
    if (typeof dir !== "string" || dir === "") {
      throw new ProfileError("invalid-argument", "LocalFileWriter needs a directory path");
    }
    this.dir = dir;
    this.baseName = safe(options.baseName ?? "profile");
  }

  /** The path a view of a bucket is written to. */
  pathFor(view: DatasetProfileView, info: BucketInfo): string {
    const segment = view.segment?.map((t) => `${safe(t.key)}=${safe(t.value)}`).join(".");
    const name = [
      this.baseName,
      compactUtc(info.start),
      String(info.sequence),
      ...(segment ? [segment] : []),
    ].join(".");
    return join(this.dir, `${name}.bin`);
  }

  async write(view: DatasetProfileView, info: BucketInfo): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeProfileFile(this.pathFor(view, info), view);
  }
}
