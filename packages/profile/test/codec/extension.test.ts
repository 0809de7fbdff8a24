import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { KllDoublesSketch } from "@sightglass/sketches";
import { describe, expect, it } from "vitest";
import { EXTENSION_MAGIC, decodeProfile, encodeProfileV1 } from "../../src/codec/index.js";
import type { ColumnComponents, ModelPerformanceMessage, ProfileMessage } from "../../src/codec/index.js";
import { SightglassExtensionSchema } from "../../src/proto/sightglass_pb.js";
import { DatasetProfileHeaderSchema } from "../../src/proto/whylogs_pb.js";
import {
  ModelMetricsMessageSchema,
  ModelProfileMessageSchema,
  NumbersMessageV0Schema,
  ScoreMatrixMessageSchema,
} from "../../src/proto/whylogs_v0_pb.js";
import { requireShared } from "../support/shared.js";
import { comparable, errorKind, hex, profileError, readWhylogs } from "./codec-helpers.js";

function kllOf(values: number[]): Uint8Array {
  const s = new KllDoublesSketch(1024);
  s.updateMany(values);
  return s.serialize({ layout: "whylogs" });
}

const PERFORMANCE: ModelPerformanceMessage = {
  outputFields: ["prediction", "score"],
  modelType: 1,
  scoreMatrix: {
    labels: ["cat", "dog"],
    predictionField: "prediction",
    targetField: "target",
    scoreField: "score",
    cells: [
      { kll: kllOf([0.9, 0.8, 0.95]), count: 3, mean: 0.8833333333333333, m2: 0.0116666666666667 },
      null,
      { kll: kllOf([0.6]), count: 1, mean: 0.6, m2: 0 },
      { kll: kllOf([0.7, 0.99]), count: 2, mean: 0.845, m2: 0.04205 },
    ],
  },
  regression: {
    predictionField: "0",
    targetField: "0",
    count: 6,
    sumAbsDiff: 1.25,
    sumDiff: -0.5,
    sum2Diff: 0.75,
  },
};

const EXTENSION_COLUMNS = new Map<string, ColumnComponents>([
  [
    "price",
    new Map([
      ["correlation/pearson:qty", { kind: "d", typeId: 0, value: -0.42 }],
      ["correlation/n", { kind: "n", typeId: 0, value: 17n }],
    ]),
  ],
  [
    "qty",
    new Map([["histogram/bins", { kind: "serialized_bytes", typeId: 101, bytes: Uint8Array.of(1, 2, 3) }]]),
  ],
]);

const BASE: ProfileMessage = {
  datasetTimestamp: 1730671826631,
  creationTimestamp: 1730671827542,
  tags: new Map(),
  metadata: new Map([["whylogs.version", "sightglass"]]),
  columns: new Map([
    [
      "price",
      new Map([
        ["counts/n", { kind: "n", typeId: 0, value: 6n }],
        ["distribution/mean", { kind: "d", typeId: 0, value: 2.5 }],
      ]),
    ],
  ]),
};

/** The file cut after the `length` bytes of chunk area, i.e. what whylogs' readers consume. */
function whylogsView(bytes: Uint8Array): Uint8Array {
  let pos = 4;
  for (let i = 0; i < 2; i++) {
    let len = 0;
    let scale = 1;
    let b: number;
    do {
      b = bytes[pos++]!;
      len += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    if (i === 1) {
      const header = fromBinary(DatasetProfileHeaderSchema, bytes.subarray(pos, pos + len));
      return bytes.slice(0, pos + len + Number(header.length));
    }
    pos += len;
  }
  throw new Error("unreachable");
}

/** Sorted like the reader returns them (columns and paths in code-point order). */
function sortedColumns(cols: ReadonlyMap<string, ColumnComponents>): Map<string, ColumnComponents> {
  return new Map(
    [...cols]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, new Map([...v].sort(([a], [b]) => (a < b ? -1 : 1)))]),
  );
}

describe("Sightglass extension block", () => {
  it("is written only when needed", () => {
    const plain = encodeProfileV1(BASE);
    expect(whylogsView(plain).length).toBe(plain.length);
    const emptyCols = encodeProfileV1({ ...BASE, extensionColumns: new Map() });
    expect(emptyCols).toEqual(plain);
  });

  it("round-trips model performance and extension columns", () => {
    const msg: ProfileMessage = {
      ...BASE,
      modelPerformance: PERFORMANCE,
      extensionColumns: EXTENSION_COLUMNS,
    };
    const bytes = encodeProfileV1(msg);
    const decoded = decodeProfile(bytes);
    expect(decoded.ignoredTrailingBytes).toBe(0);
    expect(comparable(decoded.message)).toStrictEqual(
      comparable({ ...msg, extensionColumns: sortedColumns(EXTENSION_COLUMNS) }),
    );
    const only = decodeProfile(
      encodeProfileV1({ ...BASE, modelPerformance: { outputFields: [], modelType: 2 } }),
    );
    expect(only.message.modelPerformance).toStrictEqual({ outputFields: [], modelType: 2 });
    expect(only.message.extensionColumns).toBeUndefined();
  });

  it("sits after the chunk area: magic + varint length + message, nothing after it", () => {
    const bytes = encodeProfileV1({ ...BASE, extensionColumns: EXTENSION_COLUMNS });
    const cut = whylogsView(bytes);
    expect(hex(bytes.subarray(cut.length, cut.length + 4))).toBe(hex(EXTENSION_MAGIC));
    expect(hex(EXTENSION_MAGIC)).toBe("53 47 58 31"); // "SGX1"
    let len = 0;
    let scale = 1;
    let pos = cut.length + 4;
    let b: number;
    do {
      b = bytes[pos++]!;
      len += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    expect(pos + len).toBe(bytes.length);
  });

  it("stripping everything after `length` bytes of chunk area leaves a valid profile without it", () => {
    const full = encodeProfileV1({
      ...BASE,
      modelPerformance: PERFORMANCE,
      extensionColumns: EXTENSION_COLUMNS,
    });
    const cut = whylogsView(full);
    const decoded = decodeProfile(cut);
    expect(decoded.ignoredTrailingBytes).toBe(0);
    expect(comparable(decoded.message)).toStrictEqual(comparable(BASE));
    expect(cut).toEqual(encodeProfileV1(BASE));
  });

  it("bytes after the block are junk, counted", () => {
    const full = encodeProfileV1({ ...BASE, modelPerformance: PERFORMANCE });
    const withJunk = new Uint8Array(full.length + 9);
    withJunk.set(full);
    withJunk.set([0x08, 0x08, 0x01, 0x2a, 0x04, 0x08, 0x00, 0x10, 0x00], full.length);
    const decoded = decodeProfile(withJunk);
    expect(decoded.ignoredTrailingBytes).toBe(9);
    expect(decoded.message.modelPerformance).toBeDefined();
  });

  it("is recognized only by its exact magic; otherwise trailing bytes are junk", () => {
    const plain = encodeProfileV1(BASE);
    for (const tail of [
      [0x53, 0x47, 0x58],
      [0x53, 0x47, 0x58, 0x32, 0x00],
      [0x73, 0x67, 0x78, 0x31, 0x00],
    ]) {
      const bytes = new Uint8Array([...plain, ...tail]);
      const decoded = decodeProfile(bytes);
      expect(decoded.ignoredTrailingBytes).toBe(tail.length);
      expect(decoded.message.modelPerformance).toBeUndefined();
    }
  });

  it("a damaged block after the exact magic is an error, not junk", () => {
    const plain = encodeProfileV1(BASE);
    // declared length past the end
    expect(errorKind(() => decodeProfile(new Uint8Array([...plain, ...EXTENSION_MAGIC, 0x10, 0x0a])))).toBe(
      "truncated",
    );
    expect(errorKind(() => decodeProfile(new Uint8Array([...plain, ...EXTENSION_MAGIC])))).toBe("truncated");
    // not a SightglassExtension (field 1 with a varint wire type)
    const e = errorKind(() =>
      decodeProfile(new Uint8Array([...plain, ...EXTENSION_MAGIC, 0x02, 0x08, 0x01])),
    );
    expect(e).toBe("malformed");
    // a score matrix whose cells do not match its labels (crafted: the writer refuses to produce one)
    const ext = create(SightglassExtensionSchema, {
      modelPerformance: create(ModelProfileMessageSchema, {
        metrics: create(ModelMetricsMessageSchema, {
          modelType: 1,
          scoreMatrix: create(ScoreMatrixMessageSchema, {
            labels: ["a", "b"],
            scores: [create(NumbersMessageV0Schema)],
          }),
        }),
      }),
    });
    const body = toBinary(SightglassExtensionSchema, ext);
    const bad = new Uint8Array([...plain, ...EXTENSION_MAGIC, body.length, ...body]);
    const err = profileError(() => decodeProfile(bad));
    expect(err.kind).toBe("malformed");
    expect(err.offset).toBe(plain.length + 5);
  });

  describe("on top of real whylogs files", () => {
    if (!requireShared()) return;
    it("a whylogs segmented file with model performance added keeps everything", () => {
      const original = decodeProfile(readWhylogs("segmented_ranking.bin")).message;
      const withExt = { ...original, modelPerformance: PERFORMANCE };
      const bytes = encodeProfileV1(withExt);
      expect(comparable(decodeProfile(bytes).message)).toStrictEqual(comparable(withExt));
      expect(comparable(decodeProfile(whylogsView(bytes)).message)).toStrictEqual(comparable(original));
    });

    it("v0 model performance is carried into v1 through the extension", () => {
      const v0 = decodeProfile(readWhylogs("v0_from_v1_classification.bin")).message;
      const v1 = decodeProfile(encodeProfileV1(v0)).message;
      expect(comparable(v1.modelPerformance)).toStrictEqual(comparable(v0.modelPerformance));
      expect(v1.modelPerformance?.scoreMatrix?.cells[2]?.count).toBe(9);
    });
  });
});
