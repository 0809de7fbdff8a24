// Profile bytes ⇄ what the store keeps: decoding with a typed 400 on bad input, segment keys, and the scalar
// metrics materialized per bucket and column so time series never decode sketches.
import { profileRowCount } from "@sightglass/analysis";
import { DatasetProfileView, ProfileError, WHYLOGS_TAG_PREFIX, decodeProfile } from "@sightglass/profile";
import type { ColumnProfileView, SegmentTag } from "@sightglass/profile";
import { ApiError } from "../errors.js";

export type ProfileFormat = "whylogs-v1" | "sightglass" | "whylogs-v0";

export interface DecodedUpload {
  readonly view: DatasetProfileView;
  readonly format: ProfileFormat;
  readonly rowCount: number;
}

/** Decodes uploaded bytes; anything unreadable is a 400 naming the problem and the byte offset. */
export function decodeUpload(bytes: Uint8Array): DecodedUpload {
  if (bytes.length === 0)
    throw new ApiError("invalid-profile", "the request body is empty: send profile bytes");
  try {
    const decoded = decodeProfile(bytes);
    const view = DatasetProfileView.fromMessage(decoded.message);
    const format: ProfileFormat =
      decoded.format === "v1"
        ? decoded.message.performance !== undefined || decoded.message.extensionColumns !== undefined
          ? "sightglass"
          : "whylogs-v1"
        : "whylogs-v0";
    return { view, format, rowCount: profileRowCount(view) };
  } catch (e) {
    if (e instanceof ProfileError) {
      throw new ApiError("invalid-profile", `not a readable profile: ${e.message}`, {
        kind: e.kind,
        ...(e.offset !== undefined ? { offset: e.offset } : {}),
        ...(e.column !== undefined ? { column: e.column } : {}),
      });
    }
    throw e;
  }
}

/** Segment tags without whylogs' key prefix, sorted by key: the canonical form. */
export function canonicalTags(tags: readonly SegmentTag[] | undefined): SegmentTag[] {
  return (tags ?? [])
    .map((t) => ({
      key: t.key.startsWith(WHYLOGS_TAG_PREFIX) ? t.key.slice(WHYLOGS_TAG_PREFIX.length) : t.key,
      value: t.value,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** `k1=v1&k2=v2` (URL-encoded, sorted); "" is the whole dataset. */
export function segmentKey(tags: readonly SegmentTag[] | undefined): string {
  return canonicalTags(tags)
    .map((t) => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`)
    .join("&");
}

/** Parses a segment parameter written as `k=v&k2=v2` (either order, encoded or not) into its canonical key. */
export function parseSegmentParam(value: string | undefined): string {
  if (value === undefined || value === "") return "";
  const tags: SegmentTag[] = [];
  for (const part of value.split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0) {
      throw new ApiError(
        "bad-request",
        `segment must be key=value pairs joined by &, got ${JSON.stringify(value)}`,
        {
          field: "segment",
        },
      );
    }
    try {
      tags.push({
        key: decodeURIComponent(part.slice(0, eq)),
        value: decodeURIComponent(part.slice(eq + 1)),
      });
    } catch {
      throw new ApiError(
        "bad-request",
        `segment ${JSON.stringify(value)} has a malformed %-escape; encode it with encodeURIComponent`,
        { field: "segment" },
      );
    }
  }
  return segmentKey(tags);
}

export function tagsOfSegmentKey(key: string): SegmentTag[] {
  if (key === "") return [];
  return key.split("&").map((part) => {
    const eq = part.indexOf("=");
    return { key: decodeURIComponent(part.slice(0, eq)), value: decodeURIComponent(part.slice(eq + 1)) };
  });
}

export type ScalarMetrics = Record<string, number | null>;

/**
 * The scalar summary of every column (whylogs' summary keys, frequent-item lists left out): what time series
 * read. Computed at every bucket merge, so nothing else (such as the inferred type) is derived here.
 */
export function scalarMetrics(view: DatasetProfileView): Map<string, ScalarMetrics> {
  const out = new Map<string, ScalarMetrics>();
  for (const name of view.columnNames()) out.set(name, columnScalars(view.column(name)!));
  return out;
}

/** One column's scalar summary (see scalarMetrics). */
export function columnScalars(column: ColumnProfileView): ScalarMetrics {
  const metrics: ScalarMetrics = {};
  for (const [key, value] of Object.entries(column.toSummary({ frequentItemsLimit: 0 }))) {
    if (value === null || typeof value === "number")
      metrics[key] = value !== null && Number.isFinite(value) ? value : null;
  }
  return metrics;
}

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function fromBuffer(buffer: Buffer | Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
