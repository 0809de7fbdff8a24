// Reader of whylogs v0 profiles (a single DatasetProfileMessageV0, usually varint-delimited), converted into
// v1 metric components the way whylogs' own v0 -> v1 converter does. See FORMAT.md.

import { ProfileError } from "../errors.js";
import { DatasetProfileMessageV0Schema } from "../proto/whylogs_v0_pb.js";
import type { ColumnMessageV0, DatasetProfileMessageV0 } from "../proto/whylogs_v0_pb.js";
import type { ColumnComponents, MetricComponent, ProfileMessage } from "./message.js";
import { modelPerformanceFromProto, readV0Kll } from "./model-performance.js";
import { stringMap } from "./v1-reader.js";
import { compareCodePoints, parseMessage, toSafeNumber } from "./wire.js";

// Substitutes for sketches a v0 column lacks, so every converted column has the same metrics. They are the
// empty sketches whylogs v1 starts from: KLL doubles k=1024, HLL lg_k=12 (HLL_4, compact), frequent
// strings lg_max_map_size=10.
const EMPTY_KLL = Uint8Array.of(0x02, 0x01, 0x0f, 0x01, 0x00, 0x04, 0x08, 0x00);
const EMPTY_HLL = Uint8Array.of(0x02, 0x01, 0x07, 0x0c, 0x03, 0x0c, 0x00, 0x00);
const EMPTY_FREQUENT_ITEMS = Uint8Array.of(0x01, 0x01, 0x0a, 0x0a, 0x03, 0x01, 0x00, 0x00);

/** IntsMetric.zero() of whylogs: the max/min a column that saw no integers carries. */
const INTS_MAX_ZERO = -9223372036854775807n;
const INTS_MIN_ZERO = 9223372036854775807n;

/** v0 InferredType.Type keys of SchemaMessageV0.typeCounts. */
const TYPE_UNKNOWN = 0;
const TYPE_NULL = 1;
const TYPE_FRACTIONAL = 2;
const TYPE_INTEGRAL = 3;
const TYPE_BOOLEAN = 4;
const TYPE_STRING = 5;

/**
 * Parses a DatasetProfileMessageV0 from `body` (at `offset` in the input); unknown fields are kept only when
 * asked (format detection inspects them).
 */
export function parseV0(
  body: Uint8Array,
  offset: number,
  keepUnknownFields = false,
): DatasetProfileMessageV0 {
  return parseMessage(
    DatasetProfileMessageV0Schema,
    body,
    offset,
    "DatasetProfileMessageV0",
    "malformed",
    keepUnknownFields,
  );
}

/**
 * True when a message parsed with its unknown fields kept looks like a profile rather than bytes that merely
 * happen to be valid protobuf (used for the fallbacks of format detection, where no length prefix vouches for
 * the bytes): it has properties, columns or a model profile, and no top-level field whylogs never wrote. The
 * second rule matters: read as a tag, the length prefix of a delimited file (of 128 bytes or more) names a
 * field above 15, which whylogs never wrote, so a cut-off delimited file is not taken for a non-delimited one.
 */
export function isPlausibleV0(msg: DatasetProfileMessageV0): boolean {
  if ((msg.$unknown?.length ?? 0) > 0) return false;
  return msg.properties !== undefined || Object.keys(msg.columns).length > 0 || msg.modeProfile !== undefined;
}

/**
 * Converts a v0 profile (`offset` = its first byte in the input, for errors). Per column, as whylogs'
 * `v0_to_v1_view`:
 * - `counts/n` = counters.count, `counts/null` = counters.null_count, else schema.typeCounts[NULL] (where
 *   whylogs 0.x kept nulls; whylogs' converter drops them), `counts/nan` =
 *   `counts/inf` = 0;
 * - `types/*` from schema.typeCounts (INTEGRAL, FRACTIONAL, BOOLEAN, STRING, UNKNOWN → object), tensor 0;
 * - `distribution/kll` from numbers.histogram (floats or doubles, re-serialized as doubles in the whylogs
 *   layout), `distribution/mean` = variance.mean, `distribution/m2` = variance.sum;
 * - `ints/max` (type_id 2) and `ints/min` (type_id 1) from numbers.longs;
 * - `cardinality/hll` and `frequent_items/frequent_strings` from the sketches, unchanged.
 * Timestamps: data_timestamp → dataset, session_timestamp → creation. Tags and metadata are kept apart as in
 * the file (whylogs' converter folds tags into metadata). modeProfile becomes modelPerformance.
 */
export function convertV0(msg: DatasetProfileMessageV0, offset: number): ProfileMessage {
  const props = msg.properties;
  const columns = new Map<string, ColumnComponents>();
  for (const name of Object.keys(msg.columns).sort(compareCodePoints)) {
    columns.set(name, convertColumn(msg.columns[name]!, name, offset));
  }
  return {
    datasetTimestamp: props === undefined ? 0 : toSafeNumber(props.dataTimestamp, "data_timestamp", offset),
    creationTimestamp:
      props === undefined ? 0 : toSafeNumber(props.sessionTimestamp, "session_timestamp", offset),
    tags: stringMap(props?.tags),
    metadata: stringMap(props?.metadata),
    columns,
    ...(msg.modeProfile !== undefined
      ? { modelPerformance: modelPerformanceFromProto(msg.modeProfile, offset, true) }
      : {}),
  };
}

function convertColumn(col: ColumnMessageV0, column: string, offset: number): ColumnComponents {
  const n = (value: bigint, typeId = 0): MetricComponent => ({ kind: "n", typeId, value });
  const typeCounts = col.schema?.typeCounts ?? {};
  const typeCount = (t: number): bigint => typeCounts[t] ?? 0n;
  const numbers = col.numbers;

  const histogram = numbers?.histogram;
  const kll =
    histogram === undefined || histogram.length === 0
      ? EMPTY_KLL.slice()
      : readV0Kll(histogram, true, { offset, column, path: "distribution/kll" }).bytes;
  const longs = numbers?.numbers.case === "longs" ? numbers.numbers.value : undefined;
  const hasInts = longs !== undefined && longs.count > 0n;
  const hll = col.cardinalityTracker?.sketch;
  const fi = col.frequentItems?.sketch;

  const entries: [string, MetricComponent][] = [
    [
      "cardinality/hll",
      {
        kind: "hll",
        typeId: 0,
        bytes: hll !== undefined && hll.length > 0 ? hll.slice() : EMPTY_HLL.slice(),
      },
    ],
    ["counts/inf", n(0n)],
    ["counts/n", n(col.counters?.count ?? 0n)],
    ["counts/nan", n(0n)],
    // whylogs 0.x kept nulls in typeCounts[NULL] and left the deprecated null_count unset; whylogs'
    // converter reads only null_count and so loses them. Fall back to the type count to keep n = null + Σ types.
    ["counts/null", n(col.counters?.nullCount ?? typeCount(TYPE_NULL))],
    ["distribution/kll", { kind: "kll", typeId: 0, bytes: kll }],
    ["distribution/m2", { kind: "d", typeId: 0, value: numbers?.variance?.sum ?? 0 }],
    ["distribution/mean", { kind: "d", typeId: 0, value: numbers?.variance?.mean ?? 0 }],
    [
      "frequent_items/frequent_strings",
      {
        kind: "frequent_items",
        typeId: 0,
        bytes: fi !== undefined && fi.length > 0 ? fi.slice() : EMPTY_FREQUENT_ITEMS.slice(),
      },
    ],
    ["ints/max", n(hasInts ? longs.max : INTS_MAX_ZERO, 2)],
    ["ints/min", n(hasInts ? longs.min : INTS_MIN_ZERO, 1)],
    ["types/boolean", n(typeCount(TYPE_BOOLEAN))],
    ["types/fractional", n(typeCount(TYPE_FRACTIONAL))],
    ["types/integral", n(typeCount(TYPE_INTEGRAL))],
    ["types/object", n(typeCount(TYPE_UNKNOWN))],
    ["types/string", n(typeCount(TYPE_STRING))],
    ["types/tensor", n(0n)],
  ];
  const out: ColumnComponents = new Map();
  for (const [path, component] of entries.sort((a, b) => compareCodePoints(a[0], b[0]))) {
    out.set(path, component);
  }
  return out;
}

/** Error for input that is neither v1 nor a parseable v0 profile. */
export function notAProfile(detail: string, cause?: unknown): ProfileError {
  return new ProfileError("bad-magic", `not a whylogs profile: ${detail}`, { offset: 0, cause });
}
