// Reader of whylogs v1 files: "WHY1", delimited DatasetSegmentHeader, delimited DatasetProfileHeader, then
// the chunk area (one delimited ChunkHeader + raw ChunkMessage per chunk), then optionally the Sightglass
// extension block, then anything else (ignored, counted). See FORMAT.md.

import { ProfileError } from "../errors.js";
import {
  ChunkHeader_ChunkType,
  ChunkHeaderSchema,
  ChunkMessageSchema,
  DatasetProfileHeaderSchema,
  DatasetSegmentHeaderSchema,
} from "../proto/whylogs_pb.js";
import type { DatasetProperties } from "../proto/whylogs_pb.js";
import { componentFromProto } from "./components.js";
import { readExtension } from "./extension.js";
import type { ColumnComponents, DecodedProfile, ProfileMessage, SegmentTagMessage } from "./message.js";
import { compareCodePoints, parseMessage, readDelimited, toSafeNumber } from "./wire.js";

export const V1_MAGIC = Uint8Array.of(0x57, 0x48, 0x59, 0x31); // "WHY1"

/** Decodes a v1 file whose first four bytes are the magic (checked by the caller). */
export function readV1(bytes: Uint8Array): DecodedProfile {
  let pos = V1_MAGIC.length;

  const segBlock = readDelimited(bytes, pos, bytes.length, "DatasetSegmentHeader");
  const seg = parseMessage(
    DatasetSegmentHeaderSchema,
    segBlock.body,
    segBlock.offset,
    "DatasetSegmentHeader",
  );
  pos = segBlock.next;

  const headerBlock = readDelimited(bytes, pos, bytes.length, "DatasetProfileHeader");
  const headerOffset = headerBlock.offset;
  if (headerBlock.body.length === 0) {
    // whylogs refuses an empty header too; its writer always sets at least the properties.
    throw new ProfileError("malformed", "DatasetProfileHeader is empty", { offset: headerOffset });
  }
  const header = parseMessage(
    DatasetProfileHeaderSchema,
    headerBlock.body,
    headerOffset,
    "DatasetProfileHeader",
  );
  pos = headerBlock.next;

  // The chunk area: its declared size must be present before any chunk is looked at.
  const areaStart = pos;
  const available = bytes.length - areaStart;
  if (header.length > BigInt(available)) {
    throw new ProfileError(
      "truncated",
      `chunk area declares ${header.length} bytes but only ${available} remain`,
      { offset: headerOffset },
    );
  }
  const areaLength = Number(header.length);
  const areaEnd = areaStart + areaLength;

  const index = new Map<number, string>();
  for (const key of Object.keys(header.indexedMetricPaths)) {
    index.set(Number(key), header.indexedMetricPaths[Number(key)]!);
  }

  const usedPaths = new Set<string>();
  const columns = new Map<string, ColumnComponents>();
  for (const name of Object.keys(header.columnOffsets).sort(compareCodePoints)) {
    const components: ColumnComponents = new Map();
    for (const rel of header.columnOffsets[name]!.offsets) {
      if (rel >= header.length) {
        throw new ProfileError(
          "malformed",
          `chunk offset ${rel} is outside the ${areaLength}-byte chunk area`,
          { offset: headerOffset, column: name },
        );
      }
      const chunkStart = areaStart + Number(rel);
      const chunkHeaderBlock = readDelimited(bytes, chunkStart, areaEnd, "ChunkHeader", "malformed");
      const chunkHeader = parseMessage(ChunkHeaderSchema, chunkHeaderBlock.body, chunkStart, "ChunkHeader");
      if (chunkHeader.type !== ChunkHeader_ChunkType.COLUMN) {
        throw new ProfileError("malformed", `chunk type is ${chunkHeader.type}, expected COLUMN (2)`, {
          offset: chunkStart,
          column: name,
        });
      }
      const bodyStart = chunkHeaderBlock.next;
      if (chunkHeader.length > areaEnd - bodyStart) {
        throw new ProfileError(
          "malformed",
          `chunk declares ${chunkHeader.length} bytes but the chunk area has ${areaEnd - bodyStart} left`,
          { offset: chunkStart, column: name },
        );
      }
      const chunk = parseMessage(
        ChunkMessageSchema,
        bytes.subarray(bodyStart, bodyStart + chunkHeader.length),
        bodyStart,
        "ChunkMessage",
      );
      // Later chunks of a column overwrite earlier keys, as whylogs does.
      for (const key of Object.keys(chunk.metricComponents)) {
        const idx = Number(key);
        const path = index.get(idx);
        if (path === undefined) {
          throw new ProfileError("malformed", `metric index ${idx} is not in indexed_metric_paths`, {
            offset: bodyStart,
            column: name,
          });
        }
        usedPaths.add(path);
        components.set(
          path,
          componentFromProto(chunk.metricComponents[idx]!, { offset: bodyStart, column: name, path }),
        );
      }
    }
    columns.set(name, sortComponents(components));
  }

  const unused = [...new Set(index.values())].filter((p) => !usedPaths.has(p)).sort(compareCodePoints);

  // After the chunk area: the Sightglass extension block if its magic is there, else junk (e.g. the 9 bytes
  // whylogs leaves after segmented profiles).
  const extension = readExtension(bytes, areaEnd);
  const trailingFrom = extension === null ? areaEnd : extension.next;

  const props = header.properties;
  const segment: SegmentTagMessage[] | undefined =
    seg.hasSegments || seg.segments.length > 0
      ? (seg.segments[0]?.tags ?? []).map((t) => ({ key: t.key, value: t.value }))
      : undefined;
  const message: ProfileMessage = {
    datasetTimestamp: timestamp(props, "datasetTimestamp", headerOffset),
    creationTimestamp: timestamp(props, "creationTimestamp", headerOffset),
    tags: stringMap(props?.tags),
    metadata: stringMap(props?.metadata),
    ...(segment !== undefined ? { segment } : {}),
    columns,
    ...(unused.length > 0 ? { unusedMetricPaths: unused } : {}),
    ...(extension?.content ?? {}),
  };
  return { message, format: "v1", ignoredTrailingBytes: bytes.length - trailingFrom };
}

function timestamp(
  props: DatasetProperties | undefined,
  field: "datasetTimestamp" | "creationTimestamp",
  offset: number,
): number {
  return props === undefined ? 0 : toSafeNumber(props[field], field, offset);
}

/** A protobuf string map as a Map in code-point key order. */
export function stringMap(record: { [key: string]: string } | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (record === undefined) return out;
  for (const k of Object.keys(record).sort(compareCodePoints)) out.set(k, record[k]!);
  return out;
}

function sortComponents(components: ColumnComponents): ColumnComponents {
  const out: ColumnComponents = new Map();
  for (const path of [...components.keys()].sort(compareCodePoints)) out.set(path, components.get(path)!);
  return out;
}
