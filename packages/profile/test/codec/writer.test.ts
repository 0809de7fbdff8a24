import { create, fromBinary, fromJson, toBinary } from "@bufbuild/protobuf";
import { AnySchema, StructSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { compareCodePoints, decodeProfile, encodeProfileV1 } from "../../src/codec/index.js";
import type { ColumnComponents, MetricComponent, ProfileMessage } from "../../src/codec/index.js";
import {
  ChunkHeaderSchema,
  ChunkMessageSchema,
  DatasetProfileHeaderSchema,
  DatasetSegmentHeaderSchema,
} from "../../src/proto/whylogs_pb.js";
import { requireShared } from "../support/shared.js";
import {
  comparable,
  errorKind,
  expectSameBytes,
  hex,
  prng,
  readWhylogs,
  utf8,
  whylogsVectors,
} from "./codec-helpers.js";

const n = (value: bigint, typeId = 0): MetricComponent => ({ kind: "n", typeId, value });
const d = (value: number): MetricComponent => ({ kind: "d", typeId: 0, value });

function varint(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: pos };
    scale *= 128;
  }
}

/** Splits a v1 file into its parts (trusting the framing, which the test then checks). */
function frame(bytes: Uint8Array) {
  const seg = varint(bytes, 4);
  const segBody = bytes.subarray(seg.next, seg.next + seg.value);
  const hdr = varint(bytes, seg.next + seg.value);
  const headerBody = bytes.subarray(hdr.next, hdr.next + hdr.value);
  const areaStart = hdr.next + hdr.value;
  return {
    segBody,
    headerBody,
    header: fromBinary(DatasetProfileHeaderSchema, headerBody),
    segment: fromBinary(DatasetSegmentHeaderSchema, segBody),
    areaStart,
  };
}

function chunkAt(bytes: Uint8Array, pos: number) {
  const h = varint(bytes, pos);
  const header = fromBinary(ChunkHeaderSchema, bytes.subarray(h.next, h.next + h.value));
  const bodyStart = h.next + h.value;
  const body = bytes.subarray(bodyStart, bodyStart + header.length);
  return { header, body, chunk: fromBinary(ChunkMessageSchema, body), end: bodyStart + header.length };
}

function message(columns: [string, [string, MetricComponent][]][], extra: Partial<ProfileMessage> = {}) {
  const msg: ProfileMessage = {
    datasetTimestamp: 1700000000000,
    creationTimestamp: 1700000001234,
    tags: new Map([["whylogs.tag.env", "prod"]]),
    metadata: new Map([["owner", "ml"]]),
    columns: new Map(columns.map(([name, comps]) => [name, new Map(comps) as ColumnComponents])),
    ...extra,
  };
  return msg;
}

const SAMPLE = message([
  [
    "b",
    [
      ["counts/n", n(0n)],
      ["distribution/mean", d(0)],
    ],
  ],
  [
    "a",
    [
      ["ints/max", n(5n, 2)],
      ["cardinality/hll", { kind: "hll", typeId: 0, bytes: Uint8Array.of(2, 1, 7, 12, 3, 12, 0, 0) }],
    ],
  ],
]);

describe("encodeProfileV1 framing (byte level)", () => {
  const bytes = encodeProfileV1(SAMPLE);
  const f = frame(bytes);

  it("magic, empty segment header, delimited profile header", () => {
    expect(hex(bytes.subarray(0, 5))).toBe("57 48 59 31 00");
    expect(f.segBody.length).toBe(0);
    expect(f.header.properties?.creationTimestamp).toBe(1700000001234n);
    expect(f.header.properties?.datasetTimestamp).toBe(1700000000000n);
    expect(f.header.properties?.tags).toEqual({ "whylogs.tag.env": "prod" });
    expect(f.header.properties?.metadata).toEqual({ owner: "ml" });
    expect(f.header.metricOffsets).toEqual([]);
  });

  it("the metric-path index is sorted and complete; key 0 is written", () => {
    expect(f.header.indexedMetricPaths).toEqual({
      0: "cardinality/hll",
      1: "counts/n",
      2: "distribution/mean",
      3: "ints/max",
    });
    expect(hex(f.headerBody)).toContain(
      hex(Uint8Array.from([0x08, 0x00, 0x12, 0x0f, ...utf8("cardinality/hll")])),
    );
  });

  it("columns in code-point order, packed relative offsets, `length` = chunk-area size, no junk", () => {
    expect(f.header.columnOffsets["a"]!.offsets).toEqual([0n]);
    const first = chunkAt(bytes, f.areaStart);
    expect(f.header.columnOffsets["b"]!.offsets).toEqual([BigInt(first.end - f.areaStart)]);
    const second = chunkAt(bytes, first.end);
    expect(second.end).toBe(bytes.length);
    expect(f.header.length).toBe(BigInt(bytes.length - f.areaStart));
    // packed: ChunkOffsets{0a 01 00} inside the map entry of "a"
    expect(hex(f.headerBody)).toContain(
      hex(Uint8Array.from([0x0a, 0x01, ...utf8("a"), 0x12, 0x03, 0x0a, 0x01, 0x00])),
    );
    for (const c of [first, second]) expect(c.header.type).toBe(2);
    expect(Object.keys(first.chunk.metricComponents)).toEqual(["0", "3"]);
    expect(Object.keys(second.chunk.metricComponents)).toEqual(["1", "2"]);
  });

  it("chunk entries: oneof zero values written, type_id only when non-zero", () => {
    const first = chunkAt(bytes, f.areaStart);
    const second = chunkAt(bytes, first.end);
    // {3: {type_id: 2, n: 5}}
    expect(hex(first.body)).toContain("0a 08 08 03 12 04 08 02 10 05");
    // {1: {n: 0}} and {2: {d: 0.0}}
    expect(hex(second.body)).toBe("0a 06 08 01 12 02 10 00 0a 0d 08 02 12 09 19 00 00 00 00 00 00 00 00");
  });

  it("a segment writes has_segments, one Segment and offsets {0: 0}", () => {
    const seg = encodeProfileV1({
      ...SAMPLE,
      segment: [{ key: "whylogs.tag.category", value: "Beverages" }],
    });
    const body = frame(seg).segBody;
    const tag = [0x0a, 0x14, ...utf8("whylogs.tag.category"), 0x12, 0x09, ...utf8("Beverages")];
    expect(Array.from(body)).toEqual([
      0x08,
      0x01,
      0x22,
      tag.length + 2,
      0x0a,
      tag.length,
      ...tag,
      0x2a,
      0x04,
      0x08,
      0x00,
      0x10,
      0x00,
    ]);
    expect(decodeProfile(seg).message.segment).toEqual([{ key: "whylogs.tag.category", value: "Beverages" }]);
  });

  it("is deterministic and independent of Map insertion order", () => {
    const reversed = message(
      [...SAMPLE.columns].reverse().map(([name, comps]) => [name, [...comps].reverse()]),
    );
    expect(encodeProfileV1(reversed)).toEqual(bytes);
    expect(encodeProfileV1(SAMPLE)).toEqual(bytes);
  });

  it("an empty profile still has a non-empty header and round-trips", () => {
    const empty: ProfileMessage = {
      datasetTimestamp: 0,
      creationTimestamp: 0,
      tags: new Map(),
      metadata: new Map(),
      columns: new Map(),
    };
    const out = encodeProfileV1(empty);
    expect(hex(out)).toBe("57 48 59 31 00 02 0a 00");
    expect(decodeProfile(out)).toStrictEqual({ message: empty, format: "v1", ignoredTrailingBytes: 0 });
  });
});

describe("code-point ordering", () => {
  it("orders astral characters after U+E000–U+FFFF, unlike UTF-16 comparison", () => {
    const names = ["\u{1F600}", "\uFFFD", "z", "a", "\uE000", "\u{10000}x", "\u{10000}"];
    const sorted = [...names].sort(compareCodePoints);
    expect(sorted).toEqual(["a", "z", "\uE000", "\uFFFD", "\u{10000}", "\u{10000}x", "\u{1F600}"]);
    expect([...names].sort()).not.toEqual(sorted); // plain sort differs
  });

  it("agrees with UTF-8 byte order on random strings", () => {
    const rnd = prng(7);
    const pool = [
      "a",
      "Z",
      "é",
      "\u0800",
      "\uD7FF",
      "\uE000",
      "\uFFFF",
      "\u{10000}",
      "\u{1F600}",
      "\u{10FFFF}",
    ];
    const enc = new TextEncoder();
    const byteCompare = (x: string, y: string) => {
      const a = enc.encode(x);
      const b = enc.encode(y);
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
      return a.length - b.length;
    };
    for (let t = 0; t < 2000; t++) {
      const mk = () =>
        Array.from({ length: Math.floor(rnd() * 4) }, () => pool[Math.floor(rnd() * pool.length)]).join("");
      const x = mk();
      const y = mk();
      expect(Math.sign(compareCodePoints(x, y))).toBe(Math.sign(byteCompare(x, y)));
    }
  });

  it("the writer uses it for columns and metric paths", () => {
    const msg = message([
      ["\u{1F600}", [["x/\u{1F600}", n(1n)]]],
      ["\uFFFD", [["x/\uFFFD", n(2n)]]],
    ]);
    const bytes = encodeProfileV1(msg);
    const f = frame(bytes);
    expect(f.header.indexedMetricPaths).toEqual({ 0: "x/\uFFFD", 1: "x/\u{1F600}" });
    expect(f.header.columnOffsets["\uFFFD"]!.offsets).toEqual([0n]);
    expect(f.header.columnOffsets["\u{1F600}"]!.offsets[0]).toBeGreaterThan(0n);
    expect(decodeProfile(bytes).message).toStrictEqual({
      ...msg,
      columns: new Map([...msg.columns].reverse()),
    });
  });
});

describe("encode → decode round trips", () => {
  it("every component kind, extreme values, unusedMetricPaths, awkward names", () => {
    const struct = toBinary(
      StructSchema,
      fromJson(StructSchema, { a: 1.5, b: [true, null, "x"], c: { d: "e" } }),
    );
    const any = toBinary(
      AnySchema,
      create(AnySchema, { typeUrl: "type.example/x", value: Uint8Array.of(1, 2) }),
    );
    const msg = message(
      [
        [
          "__proto__",
          [
            ["counts/n", n(-(1n << 63n))],
            ["counts/null", n((1n << 63n) - 1n)],
            ["custom/big", { kind: "n", typeId: 0xffffffff, value: 0n }],
            ["distribution/mean", d(-0)],
            ["distribution/m2", d(NaN)],
            ["distribution/x", d(-Infinity)],
            ["distribution/kll", { kind: "kll", typeId: 0, bytes: Uint8Array.of(2, 1, 15, 1, 0, 4, 8, 0) }],
            [
              "frequent_items/frequent_strings",
              { kind: "frequent_items", typeId: 0, bytes: new Uint8Array(0) },
            ],
            ["cpc/sketch", { kind: "cpc", typeId: 0, bytes: Uint8Array.of(9) }],
            ["matrix/m", { kind: "serialized_bytes", typeId: 101, bytes: Uint8Array.of(1, 2, 3) }],
            ["custom/dataclass_param", { kind: "dataclass_param", typeId: 0, raw: struct }],
            ["custom/msg", { kind: "msg", typeId: 100, raw: any }],
          ],
        ],
        ["", [["counts/n", n(1n)]]],
        ["constructor", [["counts/n", n(2n)]]],
        ["0", [["counts/n", n(3n)]]],
      ],
      {
        tags: new Map([
          ["__proto__", ""],
          ["", "empty key"],
        ]),
        unusedMetricPaths: ["condition_count/total", "zz/unused"],
      },
    );
    const bytes = encodeProfileV1(msg);
    const back = decodeProfile(bytes).message;
    const sortColumns = new Map([...msg.columns].sort((a, b) => compareCodePoints(a[0], b[0])));
    expect([...back.columns.keys()]).toEqual(["", "0", "__proto__", "constructor"]);
    for (const [name, comps] of sortColumns) {
      expect(new Map([...back.columns.get(name)!])).toEqual(comps);
    }
    expect(
      Object.is((back.columns.get("__proto__")!.get("distribution/mean") as { value: number }).value, -0),
    ).toBe(true);
    expect(back.unusedMetricPaths).toEqual(["condition_count/total", "zz/unused"]);
    expect(back.tags).toEqual(msg.tags);
    expect(Object.keys(frame(bytes).header.indexedMetricPaths)).toHaveLength(14);
    expect(encodeProfileV1(back)).toEqual(bytes);
  });

  describe("every whylogs vector", () => {
    if (!requireShared()) return;
    it.each(whylogsVectors())("%s", (name) => {
      const first = decodeProfile(readWhylogs(name));
      const bytes = encodeProfileV1(first.message);
      const again = decodeProfile(bytes);
      expect(again.format).toBe("v1");
      expect(again.ignoredTrailingBytes).toBe(0);
      expect(comparable(again.message)).toStrictEqual(comparable(first.message));
      expectSameBytes(encodeProfileV1(again.message), bytes);
      // the chunk area is exactly `length` bytes: whylogs' own readers see no extension
      const f = frame(bytes);
      const end = f.areaStart + Number(f.header.length);
      expect(end === bytes.length).toBe(first.message.modelPerformance === undefined);
    });
  });
});

describe("encodeProfileV1 rejects unencodable messages with invalid-argument", () => {
  const bad: [string, () => ProfileMessage][] = [
    ["negative timestamp", () => ({ ...SAMPLE, datasetTimestamp: -1 })],
    ["fractional timestamp", () => ({ ...SAMPLE, creationTimestamp: 1.5 })],
    [
      "n not a bigint",
      () => message([["a", [["counts/n", { kind: "n", typeId: 0, value: 1 as unknown as bigint }]]]]),
    ],
    ["n above int64", () => message([["a", [["counts/n", n(1n << 63n)]]]])],
    ["typeId above uint32", () => message([["a", [["counts/n", n(1n, 2 ** 32)]]]])],
    [
      "unknown kind",
      () => message([["a", [["x/y", { kind: "bogus", typeId: 0 } as unknown as MetricComponent]]]]),
    ],
    [
      "bytes not a Uint8Array",
      () => message([["a", [["x/y", { kind: "kll", typeId: 0, bytes: [1] as unknown as Uint8Array }]]]]),
    ],
    ["lone surrogate in a column name", () => message([["a\uD800", [["counts/n", n(1n)]]]])],
    ["lone surrogate in a path", () => message([["a", [["counts/\uDC00", n(1n)]]]])],
    ["non-string tag value", () => ({ ...SAMPLE, tags: new Map([["k", 5 as unknown as string]]) })],
    ["columns not a Map", () => ({ ...SAMPLE, columns: {} as unknown as ProfileMessage["columns"] })],
    [
      "invalid Struct bytes",
      () => message([["a", [["x/p", { kind: "dataclass_param", typeId: 0, raw: Uint8Array.of(0xff) }]]]]),
    ],
    [
      "score matrix of the wrong size",
      () => ({
        ...SAMPLE,
        modelPerformance: {
          outputFields: [],
          modelType: 1,
          scoreMatrix: {
            labels: ["a", "b"],
            predictionField: "",
            targetField: "",
            scoreField: "",
            cells: [null],
          },
        },
      }),
    ],
  ];
  it.each(bad)("%s", (_, make) => {
    expect(errorKind(() => encodeProfileV1(make()))).toBe("invalid-argument");
  });
});

describe("doubles are written with one NaN encoding", () => {
  it("canonicalizes NaN sign and payload bits (they vary with how and where the NaN was computed)", () => {
    const odd = new Float64Array(new BigUint64Array([0xfff8_0000_dead_beefn]).buffer)[0]!;
    expect(Number.isNaN(odd)).toBe(true);
    const message: ProfileMessage = {
      datasetTimestamp: 0,
      creationTimestamp: 0,
      tags: new Map(),
      metadata: new Map(),
      columns: new Map([["x", new Map([["distribution/mean", { kind: "d", typeId: 0, value: odd }]])]]),
    };
    const bytes = encodeProfileV1(message);
    // `19` = field 3 (d), wire type 1 (64-bit), followed by the canonical quiet NaN 0x7ff8000000000000.
    expect(hex(bytes)).toContain("19 00 00 00 00 00 00 f8 7f");
    expect(hex(bytes)).not.toContain("ef be ad de");
  });
});
