// Writer of whylogs v1 files, laid out exactly as whylogs' own writer does (see FORMAT.md), plus the
// Sightglass extension block after the chunk area when the message has data whylogs cannot hold.

import { create } from "@bufbuild/protobuf";
import { ProfileError } from "../errors.js";
import {
  ChunkHeader_ChunkType,
  ChunkHeaderSchema,
  ChunkMessageSchema,
  ChunkOffsetsSchema,
  DatasetProfileHeaderSchema,
  DatasetPropertiesSchema,
  DatasetSegmentHeaderSchema,
  SegmentSchema,
  SegmentTagSchema,
} from "../proto/whylogs_pb.js";
import type { ChunkOffsets, MetricComponentMessage } from "../proto/whylogs_pb.js";
import { checkString, componentToProto, setOwn, sortedKeys } from "./components.js";
import { writeExtension } from "./extension.js";
import type { ColumnComponents, ProfileMessage } from "./message.js";
import { V1_MAGIC } from "./v1-reader.js";
import { compareCodePoints, concatBytes, delimit, serializeMessage } from "./wire.js";

/**
 * Encodes a profile as a whylogs v1 file that Python whylogs (`DatasetProfileView.deserialize`) and WhyLabs
 * read:
 * - `"WHY1"`, then the delimited `DatasetSegmentHeader` (the single byte `0x00` when unsegmented), then the
 *   delimited `DatasetProfileHeader`, then the chunk area;
 * - the metric-path index is every path of every column plus `unusedMetricPaths`, in code-point order,
 *   numbered from 0;
 * - columns are written in code-point order, one chunk each (`ChunkHeader{COLUMN, length}` + `ChunkMessage`),
 *   and `column_offsets` are relative to the chunk-area start; `length` is the chunk-area size;
 * - with `segment` set: `has_segments`, one `Segment` with those tags, and `offsets {0: 0}` (the segment's
 *   profile header follows immediately);
 * - with `modelPerformance`, `performance` or non-empty `extensionColumns`: the Sightglass extension block after the chunk
 *   area, outside the `length` bytes whylogs reads.
 *
 * Output is deterministic: equal messages give equal bytes.
 * @throws ProfileError `invalid-argument` when the message cannot be encoded (bad timestamps, non-string
 * names, lone surrogates, out-of-range component values, ...).
 */
export function encodeProfileV1(message: ProfileMessage): Uint8Array {
  if (message === null || typeof message !== "object") {
    throw new ProfileError("invalid-argument", "encodeProfileV1 expects a ProfileMessage");
  }
  const columnNames = sortedKeys(message.columns, "columns");

  // 1. The metric-path index.
  const pathSet = new Set<string>();
  for (const name of columnNames) {
    const components = checkColumn(message.columns.get(name), name);
    for (const path of components.keys()) pathSet.add(checkString(path, `metric path of column ${name}`));
  }
  for (const path of message.unusedMetricPaths ?? []) pathSet.add(checkString(path, "unused metric path"));
  const paths = [...pathSet].sort(compareCodePoints);
  const indexOf = new Map<string, number>();
  const indexedMetricPaths: { [index: number]: string } = {};
  paths.forEach((path, i) => {
    indexOf.set(path, i);
    indexedMetricPaths[i] = path;
  });

  // 2. The chunk area, one chunk per column.
  const chunks: Uint8Array[] = [];
  const columnOffsets: { [name: string]: ChunkOffsets } = {};
  let position = 0;
  for (const name of columnNames) {
    const components = message.columns.get(name)!;
    const metricComponents: { [index: number]: MetricComponentMessage } = {};
    for (const [path, component] of components) {
      metricComponents[indexOf.get(path)!] = componentToProto(component, name, path);
    }
    const body = serializeMessage(
      ChunkMessageSchema,
      create(ChunkMessageSchema, { metricComponents }),
      "chunk",
    );
    const chunkHeader = delimit(
      serializeMessage(
        ChunkHeaderSchema,
        create(ChunkHeaderSchema, { type: ChunkHeader_ChunkType.COLUMN, length: body.length }),
        "chunk header",
      ),
    );
    setOwn(columnOffsets, name, create(ChunkOffsetsSchema, { offsets: [BigInt(position)] }));
    chunks.push(chunkHeader, body);
    position += chunkHeader.length + body.length;
  }

  // 3. Headers.
  const properties = create(DatasetPropertiesSchema, {
    creationTimestamp: BigInt(checkTimestamp(message.creationTimestamp, "creationTimestamp")),
    datasetTimestamp: BigInt(checkTimestamp(message.datasetTimestamp, "datasetTimestamp")),
    tags: stringRecord(message.tags, "tags"),
    metadata: stringRecord(message.metadata, "metadata"),
  });
  // `properties` is always present, so the header is never zero bytes (whylogs rejects an empty header).
  const profileHeader = create(DatasetProfileHeaderSchema, {
    properties,
    columnOffsets,
    length: BigInt(position),
    indexedMetricPaths,
  });
  const segmentHeader = create(DatasetSegmentHeaderSchema);
  if (message.segment !== undefined) {
    if (!Array.isArray(message.segment)) {
      throw new ProfileError("invalid-argument", "segment must be an array of {key, value} tags");
    }
    segmentHeader.hasSegments = true;
    segmentHeader.segments = [
      create(SegmentSchema, {
        tags: message.segment.map((t) =>
          create(SegmentTagSchema, {
            key: checkString(t?.key, "segment tag key"),
            value: checkString(t?.value, "segment tag value"),
          }),
        ),
      }),
    ];
    // One segment per file, and its profile header directly follows this header: relative offset 0.
    segmentHeader.offsets = { 0: 0n };
  }

  const extension = writeExtension(message);
  return concatBytes([
    V1_MAGIC,
    delimit(serializeMessage(DatasetSegmentHeaderSchema, segmentHeader, "segment header")),
    delimit(serializeMessage(DatasetProfileHeaderSchema, profileHeader, "profile header")),
    ...chunks,
    ...(extension !== null ? [extension] : []),
  ]);
}

function checkColumn(components: ColumnComponents | undefined, name: string): ColumnComponents {
  if (components === null || typeof components !== "object" || typeof components.keys !== "function") {
    throw new ProfileError("invalid-argument", "column components must be a Map", { column: name });
  }
  return components;
}

function checkTimestamp(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ProfileError("invalid-argument", `${what} must be a non-negative integer (epoch ms), got ${v}`);
  }
  return v;
}

function stringRecord(map: ReadonlyMap<string, string>, what: string): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const key of sortedKeys(map, what)) {
    setOwn(out, key, checkString(map.get(key), `${what} value`));
  }
  return out;
}
