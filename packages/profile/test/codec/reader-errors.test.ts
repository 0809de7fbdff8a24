import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decodeProfile, encodeProfileV1 } from "../../src/codec/index.js";
import type { ProfileMessage } from "../../src/codec/index.js";
import { ProfileError } from "../../src/errors.js";
import {
  ChunkHeaderSchema,
  ChunkMessageSchema,
  ChunkOffsetsSchema,
  DatasetProfileHeaderSchema,
  DatasetPropertiesSchema,
  MetricComponentMessageSchema,
} from "../../src/proto/whylogs_pb.js";
import type { DatasetProfileHeader } from "../../src/proto/whylogs_pb.js";
import {
  ColumnMessageV0Schema,
  DatasetProfileMessageV0Schema,
  DatasetPropertiesV0Schema,
  NumbersMessageV0Schema,
} from "../../src/proto/whylogs_v0_pb.js";
import { requireShared } from "../support/shared.js";
import { comparable, errorKind, profileError, readWhylogs } from "./codec-helpers.js";

function delimited(body: Uint8Array): number[] {
  const out: number[] = [];
  let v = body.length;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return [...out, ...body];
}

const MAGIC = [0x57, 0x48, 0x59, 0x31];

interface Chunk {
  type?: number;
  declaredLength?: number;
  components: { [index: number]: bigint };
}

/** A hand-built v1 file: one column "c" with the given chunks, then `tail`. */
function craft(opts: {
  chunks?: Chunk[];
  index?: { [index: number]: string };
  header?: (h: DatasetProfileHeader, areaLength: number) => void;
  /** Raw bytes appended to the serialized profile header (protobuf merges them in). */
  rawHeaderTail?: number[];
  tail?: number[];
}): { bytes: Uint8Array; areaStart: number; chunkStarts: number[] } {
  const area: number[] = [];
  const chunkStarts: number[] = [];
  for (const c of opts.chunks ?? [{ components: { 0: 1n } }]) {
    const metricComponents = Object.fromEntries(
      Object.entries(c.components).map(([k, v]) => [
        k,
        create(MetricComponentMessageSchema, { value: { case: "n", value: v } }),
      ]),
    );
    const body = toBinary(ChunkMessageSchema, create(ChunkMessageSchema, { metricComponents }));
    chunkStarts.push(area.length);
    const ch = create(ChunkHeaderSchema, { type: c.type ?? 2, length: c.declaredLength ?? body.length });
    area.push(...delimited(toBinary(ChunkHeaderSchema, ch)), ...body);
  }
  const header = create(DatasetProfileHeaderSchema, {
    properties: create(DatasetPropertiesSchema, { creationTimestamp: 5n }),
    columnOffsets: { c: create(ChunkOffsetsSchema, { offsets: chunkStarts.map(BigInt) }) },
    length: BigInt(area.length),
    indexedMetricPaths: opts.index ?? { 0: "counts/n", 1: "counts/null" },
  });
  opts.header?.(header, area.length);
  const headerBytes = Uint8Array.from([
    ...toBinary(DatasetProfileHeaderSchema, header),
    ...(opts.rawHeaderTail ?? []),
  ]);
  const head = [...MAGIC, 0x00, ...delimited(headerBytes)];
  return {
    bytes: Uint8Array.from([...head, ...area, ...(opts.tail ?? [])]),
    areaStart: head.length,
    chunkStarts: chunkStarts.map((s) => s + head.length),
  };
}

describe("v1 reader: structure", () => {
  it("a crafted file decodes", () => {
    const { bytes } = craft({});
    const m = decodeProfile(bytes).message;
    expect(m.columns.get("c")!.get("counts/n")).toEqual({ kind: "n", typeId: 0, value: 1n });
    expect(m.unusedMetricPaths).toEqual(["counts/null"]);
    expect(m.creationTimestamp).toBe(5);
  });

  it("several chunks per column are combined, later keys win", () => {
    const { bytes } = craft({ chunks: [{ components: { 0: 1n, 1: 7n } }, { components: { 0: 2n } }] });
    const col = decodeProfile(bytes).message.columns.get("c")!;
    expect(col.get("counts/n")).toEqual({ kind: "n", typeId: 0, value: 2n });
    expect(col.get("counts/null")).toEqual({ kind: "n", typeId: 0, value: 7n });
  });

  it("packed and unpacked offsets are both accepted", () => {
    const chunks: Chunk[] = [{ components: { 0: 1n } }, { components: { 1: 3n } }];
    const packed = craft({ chunks });
    const relative = packed.chunkStarts.map((s) => s - packed.areaStart);
    expect(relative[0]).toBe(0);
    expect(relative[1]!).toBeLessThan(128);
    // The same header with "c"'s offsets written unpacked (one `08 <offset>` per entry), appended raw.
    const unpacked = craft({
      chunks,
      header: (h) => void delete h.columnOffsets["c"],
      rawHeaderTail: [0x12, 0x09, 0x0a, 0x01, 0x63, 0x12, 0x04, 0x08, 0x00, 0x08, relative[1]!],
    });
    expect(comparable(decodeProfile(unpacked.bytes).message)).toStrictEqual(
      comparable(decodeProfile(packed.bytes).message),
    );
    expect(decodeProfile(unpacked.bytes).message.columns.get("c")!.size).toBe(2);
  });

  it("an index no chunk uses is recorded, and written back", () => {
    const { bytes } = craft({ index: { 0: "counts/n", 5: "condition_count/total", 6: "condition_count/x" } });
    const m = decodeProfile(bytes).message;
    expect(m.unusedMetricPaths).toEqual(["condition_count/total", "condition_count/x"]);
    expect(decodeProfile(encodeProfileV1(m)).message.unusedMetricPaths).toEqual(m.unusedMetricPaths);
  });

  it("an unknown metric index is malformed, at the chunk message", () => {
    const { bytes, chunkStarts } = craft({ chunks: [{ components: { 9: 1n } }] });
    const e = profileError(() => decodeProfile(bytes));
    expect(e.kind).toBe("malformed");
    expect(e.column).toBe("c");
    expect(e.offset).toBe(chunkStarts[0]! + 5); // after the 5-byte delimited ChunkHeader
  });

  it("a chunk that is not COLUMN is malformed, at the chunk", () => {
    const { bytes, chunkStarts } = craft({ chunks: [{ type: 0, components: { 0: 1n } }] });
    const e = profileError(() => decodeProfile(bytes));
    expect([e.kind, e.offset]).toEqual(["malformed", chunkStarts[0]]);
  });

  it("a chunk longer than the chunk area is malformed", () => {
    const { bytes } = craft({ chunks: [{ declaredLength: 100, components: { 0: 1n } }] });
    expect(errorKind(() => decodeProfile(bytes))).toBe("malformed");
  });

  it("a chunk area longer than the file is truncated, at the profile header", () => {
    const { bytes } = craft({ header: (h, len) => void (h.length = BigInt(len + 1)) });
    const e = profileError(() => decodeProfile(bytes));
    expect([e.kind, e.offset]).toEqual(["truncated", 5]);
  });

  it("a chunk offset outside the chunk area is malformed", () => {
    const { bytes } = craft({ header: (h, len) => void (h.columnOffsets["c"]!.offsets = [BigInt(len)]) });
    expect(errorKind(() => decodeProfile(bytes))).toBe("malformed");
    const huge = craft({ header: (h) => void (h.columnOffsets["c"]!.offsets = [1n << 60n]) });
    expect(errorKind(() => decodeProfile(huge.bytes))).toBe("malformed");
  });

  it("an empty profile header is malformed", () => {
    expect(errorKind(() => decodeProfile(Uint8Array.from([...MAGIC, 0x00, 0x00])))).toBe("malformed");
  });

  it("a header that is not protobuf is malformed, at its offset", () => {
    const e = profileError(() => decodeProfile(Uint8Array.from([...MAGIC, 0x00, 0x02, 0xff, 0xff])));
    expect([e.kind, e.offset]).toEqual(["malformed", 5]);
  });

  it("a length prefix longer than 10 bytes or past the end", () => {
    expect(errorKind(() => decodeProfile(Uint8Array.from([...MAGIC, ...Array(11).fill(0x80), 0x00])))).toBe(
      "malformed",
    );
    expect(errorKind(() => decodeProfile(Uint8Array.from([...MAGIC, 0x00, 0xff, 0xff, 0xff, 0x0f])))).toBe(
      "truncated",
    );
    expect(errorKind(() => decodeProfile(Uint8Array.from([...MAGIC, 0x80])))).toBe("truncated");
  });

  it("trailing junk after the chunk area is counted", () => {
    const { bytes } = craft({ tail: [1, 2, 3] });
    expect(decodeProfile(bytes).ignoredTrailingBytes).toBe(3);
  });

  it("timestamps beyond 2^53 are malformed", () => {
    const { bytes } = craft({ header: (h) => void (h.properties!.datasetTimestamp = 1n << 60n) });
    expect(errorKind(() => decodeProfile(bytes))).toBe("malformed");
  });

  it("a component without a value is unsupported", () => {
    const area: number[] = [];
    const body = toBinary(
      ChunkMessageSchema,
      create(ChunkMessageSchema, {
        metricComponents: { 0: create(MetricComponentMessageSchema, { typeId: 3 }) },
      }),
    );
    area.push(
      ...delimited(toBinary(ChunkHeaderSchema, create(ChunkHeaderSchema, { type: 2, length: body.length }))),
    );
    area.push(...body);
    const header = create(DatasetProfileHeaderSchema, {
      properties: create(DatasetPropertiesSchema),
      columnOffsets: { c: create(ChunkOffsetsSchema, { offsets: [0n] }) },
      length: BigInt(area.length),
      indexedMetricPaths: { 0: "future/x" },
    });
    const bytes = Uint8Array.from([
      ...MAGIC,
      0,
      ...delimited(toBinary(DatasetProfileHeaderSchema, header)),
      ...area,
    ]);
    const e = profileError(() => decodeProfile(bytes));
    expect([e.kind, e.path]).toEqual(["unsupported", "future/x"]);
  });
});

describe("format detection", () => {
  const v0 = create(DatasetProfileMessageV0Schema, {
    properties: create(DatasetPropertiesV0Schema, {
      sessionTimestamp: 10n,
      dataTimestamp: 20n,
      tags: { a: "b" },
    }),
    columns: { x: create(ColumnMessageV0Schema, { numbers: create(NumbersMessageV0Schema) }) },
  });
  const body = toBinary(DatasetProfileMessageV0Schema, v0);

  it("delimited, non-delimited, and delimited with trailing bytes v0", () => {
    const delim = decodeProfile(Uint8Array.from(delimited(body)));
    expect(delim.format).toBe("v0-delimited");
    expect(delim.message.datasetTimestamp).toBe(20);
    expect(delim.message.creationTimestamp).toBe(10);
    expect(delim.message.tags.get("a")).toBe("b");
    const plain = decodeProfile(body);
    expect(plain.format).toBe("v0");
    expect(comparable(plain.message)).toStrictEqual(comparable(delim.message));
    const trailing = decodeProfile(Uint8Array.from([...delimited(body), 0x00, 0x00, 0x00]));
    expect([trailing.format, trailing.ignoredTrailingBytes]).toEqual(["v0-delimited", 3]);
  });

  it("an empty or too-short input is truncated", () => {
    expect(errorKind(() => decodeProfile(new Uint8Array(0)))).toBe("truncated");
    expect(errorKind(() => decodeProfile(Uint8Array.from([0x57, 0x48])))).toBe("truncated");
  });

  it("other content is bad-magic", () => {
    for (const text of ['{"columns": {}}', "\x89PNG\r\n\x1a\n....", "WHY2 not a profile"]) {
      const e = profileError(() => decodeProfile(new TextEncoder().encode(text)));
      expect(e.kind).toBe("bad-magic");
    }
  });

  it("a v0 KLL histogram that is neither doubles nor floats is malformed, naming the column", () => {
    const broken = create(DatasetProfileMessageV0Schema, {
      columns: {
        x: create(ColumnMessageV0Schema, {
          numbers: create(NumbersMessageV0Schema, { histogram: Uint8Array.of(5, 1, 15, 0, 0, 1, 8, 0) }),
        }),
      },
    });
    const e = profileError(() =>
      decodeProfile(Uint8Array.from(delimited(toBinary(DatasetProfileMessageV0Schema, broken)))),
    );
    expect([e.kind, e.column, e.path]).toEqual(["malformed", "x", "distribution/kll"]);
  });

  it("rejects non-Uint8Array input with invalid-argument", () => {
    expect(errorKind(() => decodeProfile("WHY1" as unknown as Uint8Array))).toBe("invalid-argument");
  });

  it("missing v0 sketches are replaced by empty ones", () => {
    const m = decodeProfile(body).message;
    const col = m.columns.get("x")!;
    expect(col.size).toBe(17);
    expect(col.get("cardinality/hll")).toMatchObject({ kind: "hll" });
    expect(col.get("distribution/kll")).toMatchObject({
      kind: "kll",
      bytes: Uint8Array.of(2, 1, 15, 1, 0, 4, 8, 0),
    });
  });

  describe("on real files", () => {
    if (!requireShared()) return;
    it("a v0 file without its length prefix reads as non-delimited v0", () => {
      const file = readWhylogs("v0_from_v1_classification.bin");
      const plain = decodeProfile(file.subarray(2)); // varint 11733 takes 2 bytes
      expect(plain.format).toBe("v0");
      expect(comparable(plain.message)).toStrictEqual(comparable(decodeProfile(file).message));
    });

    it("a corrupted WHY1 magic is bad-magic", () => {
      const file = readWhylogs("active_col_2024.bin").slice();
      file[3] = 0x32;
      expect(errorKind(() => decodeProfile(file))).toBe("bad-magic");
    });
  });
});

describe("errors carry the ProfileError contract", () => {
  it("kind and offset are set by decoders", () => {
    const msg: ProfileMessage = {
      datasetTimestamp: 0,
      creationTimestamp: 0,
      tags: new Map(),
      metadata: new Map(),
      columns: new Map([["c", new Map([["counts/n", { kind: "n", typeId: 0, value: 1n }]])]]),
    };
    const bytes = encodeProfileV1(msg);
    const e = profileError(() => decodeProfile(bytes.subarray(0, bytes.length - 1)));
    expect(e).toBeInstanceOf(ProfileError);
    expect(e.kind).toBe("truncated");
    expect(typeof e.offset).toBe("number");
  });
});
