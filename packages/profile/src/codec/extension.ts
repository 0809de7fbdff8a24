// The Sightglass extension block of a v1 file: "SGX1" + varint length + SightglassExtension, placed after the
// `DatasetProfileHeader.length` bytes of the chunk area. whylogs' Python reader never reads past the chunks
// it looks up, and WhyLabs' Java parsers copy exactly `length` bytes, so neither ever sees the block.

import { create } from "@bufbuild/protobuf";
import { SightglassExtensionSchema } from "../proto/sightglass_pb.js";
import { ColumnMessageSchema } from "../proto/whylogs_pb.js";
import type { ColumnMessage } from "../proto/whylogs_pb.js";
import { columnFromProto, columnToProto, setOwn, sortedKeys } from "./components.js";
import type {
  ColumnComponents,
  ModelPerformanceMessage,
  PerformanceMessage,
  ProfileMessage,
} from "./message.js";
import { modelPerformanceFromProto, modelPerformanceToProto } from "./model-performance.js";
import { performanceFromProto, performanceToProto } from "./performance.js";
import {
  compareCodePoints,
  concatBytes,
  delimit,
  hasMagic,
  parseMessage,
  readDelimited,
  serializeMessage,
} from "./wire.js";

/** "SGX1": Sightglass extension, version 1 of the block layout. */
export const EXTENSION_MAGIC = Uint8Array.of(0x53, 0x47, 0x58, 0x31);

export interface ExtensionContent {
  readonly modelPerformance?: ModelPerformanceMessage;
  readonly extensionColumns?: ReadonlyMap<string, ColumnComponents>;
  readonly performance?: PerformanceMessage;
}

/** A block found at some offset: its content and the offset just after it. */
export interface ExtensionBlock {
  readonly content: ExtensionContent;
  readonly next: number;
}

/**
 * Reads the block at `pos` if the four bytes there are exactly the magic; returns null otherwise (the caller
 * then treats the bytes as junk). Once the magic matches, the block must be intact: a bad length or message
 * is an error, not junk.
 */
export function readExtension(bytes: Uint8Array, pos: number): ExtensionBlock | null {
  if (!hasMagic(bytes, pos, EXTENSION_MAGIC)) return null;
  const block = readDelimited(
    bytes,
    pos + EXTENSION_MAGIC.length,
    bytes.length,
    "Sightglass extension block",
  );
  const ext = parseMessage(
    SightglassExtensionSchema,
    block.body,
    block.bodyOffset,
    "Sightglass extension block",
  );
  const columns = new Map<string, ColumnComponents>();
  for (const name of Object.keys(ext.columns).sort(compareCodePoints)) {
    columns.set(name, columnFromProto(ext.columns[name]!.metricComponents, block.bodyOffset, name));
  }
  const content: ExtensionContent = {
    ...(ext.modelPerformance !== undefined
      ? { modelPerformance: modelPerformanceFromProto(ext.modelPerformance, block.bodyOffset, false) }
      : {}),
    ...(columns.size > 0 ? { extensionColumns: columns } : {}),
    ...(ext.performance !== undefined
      ? { performance: performanceFromProto(ext.performance, block.bodyOffset) }
      : {}),
  };
  return { content, next: block.next };
}

/**
 * The block for `message`, or null when it has no model performance (v0 or Sightglass) and no extension columns
 * (an empty `extensionColumns` map counts as absent).
 */
export function writeExtension(message: ProfileMessage): Uint8Array | null {
  const mp = message.modelPerformance;
  const cols = message.extensionColumns;
  const hasColumns = cols !== undefined && cols.size > 0;
  const performance = message.performance;
  if (mp === undefined && !hasColumns && performance === undefined) return null;
  const columns: { [name: string]: ColumnMessage } = {};
  if (hasColumns) {
    for (const name of sortedKeys(cols, "extensionColumns")) {
      const components = cols.get(name)!;
      setOwn(
        columns,
        name,
        create(ColumnMessageSchema, { metricComponents: columnToProto(components, name) }),
      );
    }
  }
  const ext = create(SightglassExtensionSchema, {
    ...(mp !== undefined ? { modelPerformance: modelPerformanceToProto(mp) } : {}),
    columns,
    ...(performance !== undefined ? { performance: performanceToProto(performance) } : {}),
  });
  const body = serializeMessage(SightglassExtensionSchema, ext, "Sightglass extension block");
  return concatBytes([EXTENSION_MAGIC, delimit(body)]);
}
