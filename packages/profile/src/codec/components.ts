// MetricComponentMessage <-> MetricComponent, shared by the v1 chunks and the Sightglass extension columns.

import { create, toBinary } from "@bufbuild/protobuf";
import type { JsonObject } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { ProfileError } from "../errors.js";
import {
  CpcSketchMessageSchema,
  FrequentItemsSketchMessageSchema,
  HllSketchMessageSchema,
  KllSketchMessageSchema,
  MetricComponentMessageSchema,
} from "../proto/whylogs_pb.js";
import type { MetricComponentMessage } from "../proto/whylogs_pb.js";
import type { ColumnComponents, MetricComponent } from "./message.js";
import { compareCodePoints, isWellFormed, parseMessage, peekVarint, pushVarint } from "./wire.js";

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT32_MAX = 0xffffffff;

/** Where a component sits, for error messages. */
export interface ComponentSite {
  readonly offset: number;
  readonly column: string;
  readonly path: string;
}

/**
 * Reads one component. Byte payloads are copied, so the result never aliases (or keeps alive) the input
 * buffer. A message whose oneof is unset (e.g. a value kind added by a newer whylogs) cannot be
 * represented, so it is reported as `unsupported` rather than dropped silently.
 */
export function componentFromProto(msg: MetricComponentMessage, site: ComponentSite): MetricComponent {
  const typeId = msg.typeId;
  const v = msg.value;
  switch (v.case) {
    case "n":
      return { kind: "n", typeId, value: v.value };
    case "d":
      return { kind: "d", typeId, value: v.value };
    case "kll":
      return { kind: "kll", typeId, bytes: v.value.sketch.slice() };
    case "hll":
      return { kind: "hll", typeId, bytes: v.value.sketch.slice() };
    case "frequentItems":
      return { kind: "frequent_items", typeId, bytes: v.value.sketch.slice() };
    case "cpc":
      return { kind: "cpc", typeId, bytes: v.value.sketch.slice() };
    case "serializedBytes":
      return { kind: "serialized_bytes", typeId, bytes: v.value.slice() };
    case "dataclassParam":
      return { kind: "dataclass_param", typeId, raw: structToBytes(v.value) };
    case "msg":
      return { kind: "msg", typeId, raw: toBinary(AnySchema, v.value) };
    case undefined:
      throw new ProfileError(
        "unsupported",
        "metric component has no value of a kind this reader knows",
        site,
      );
  }
}

/** Builds the protobuf message of one component, validating it first (`invalid-argument`). */
export function componentToProto(c: MetricComponent, column: string, path: string): MetricComponentMessage {
  const where = { column, path };
  if (c === null || typeof c !== "object") {
    throw new ProfileError("invalid-argument", "metric component must be an object", where);
  }
  const typeId = c.typeId;
  if (!Number.isInteger(typeId) || typeId < 0 || typeId > UINT32_MAX) {
    throw new ProfileError("invalid-argument", `typeId must be a uint32, got ${String(typeId)}`, where);
  }
  switch (c.kind) {
    case "n":
      if (typeof c.value !== "bigint" || c.value < INT64_MIN || c.value > INT64_MAX) {
        throw new ProfileError("invalid-argument", "an `n` component needs an int64 bigint value", where);
      }
      return create(MetricComponentMessageSchema, { typeId, value: { case: "n", value: c.value } });
    case "d":
      if (typeof c.value !== "number") {
        throw new ProfileError("invalid-argument", "a `d` component needs a number value", where);
      }
      return create(MetricComponentMessageSchema, {
        typeId,
        value: { case: "d", value: canonicalDouble(c.value) },
      });
    case "kll":
      return create(MetricComponentMessageSchema, {
        typeId,
        value: { case: "kll", value: create(KllSketchMessageSchema, { sketch: bytesOf(c.bytes, where) }) },
      });
    case "hll":
      return create(MetricComponentMessageSchema, {
        typeId,
        value: { case: "hll", value: create(HllSketchMessageSchema, { sketch: bytesOf(c.bytes, where) }) },
      });
    case "frequent_items":
      return create(MetricComponentMessageSchema, {
        typeId,
        value: {
          case: "frequentItems",
          value: create(FrequentItemsSketchMessageSchema, { sketch: bytesOf(c.bytes, where) }),
        },
      });
    case "cpc":
      return create(MetricComponentMessageSchema, {
        typeId,
        value: { case: "cpc", value: create(CpcSketchMessageSchema, { sketch: bytesOf(c.bytes, where) }) },
      });
    case "serialized_bytes":
      return create(MetricComponentMessageSchema, {
        typeId,
        value: { case: "serializedBytes", value: bytesOf(c.bytes, where) },
      });
    case "dataclass_param":
      return create(MetricComponentMessageSchema, {
        typeId,
        value: { case: "dataclassParam", value: structFromBytes(bytesOf(c.raw, where), where) },
      });
    case "msg": {
      const any = parseMessage(AnySchema, bytesOf(c.raw, where), 0, "google.protobuf.Any component");
      return create(MetricComponentMessageSchema, { typeId, value: { case: "msg", value: any } });
    }
    default:
      throw new ProfileError(
        "invalid-argument",
        `unknown metric component kind ${String((c as { kind: unknown }).kind)}`,
        where,
      );
  }
}

/** Reads a `map<string, MetricComponentMessage>` (ColumnMessage) into components ordered by path. */
export function columnFromProto(
  components: { [path: string]: MetricComponentMessage },
  offset: number,
  column: string,
): ColumnComponents {
  const paths = Object.keys(components).sort(compareCodePoints);
  const out: ColumnComponents = new Map();
  for (const path of paths) out.set(path, componentFromProto(components[path]!, { offset, column, path }));
  return out;
}

/** Builds a `map<string, MetricComponentMessage>` from components (validated, paths in code-point order). */
export function columnToProto(
  components: ColumnComponents,
  column: string,
): { [path: string]: MetricComponentMessage } {
  const record: { [path: string]: MetricComponentMessage } = {};
  for (const path of sortedKeys(components, `column ${JSON.stringify(column)}`)) {
    setOwn(record, path, componentToProto(components.get(path)!, column, path));
  }
  return record;
}

/** Keys of a string-keyed map in code-point order, checked to be well-formed strings. */
export function sortedKeys(map: ReadonlyMap<string, unknown>, what: string): string[] {
  if (map === null || typeof map !== "object" || typeof map.keys !== "function") {
    throw new ProfileError("invalid-argument", `${what} must be a Map`);
  }
  const keys = [...map.keys()];
  for (const k of keys) checkString(k, `${what} key`);
  return keys.sort(compareCodePoints);
}

/** Throws `invalid-argument` unless `s` is a string with a UTF-8 encoding (no lone surrogates). */
export function checkString(s: unknown, what: string): string {
  if (typeof s !== "string") throw new ProfileError("invalid-argument", `${what} must be a string`);
  if (!isWellFormed(s)) {
    throw new ProfileError("invalid-argument", `${what} ${JSON.stringify(s)} contains a lone surrogate`);
  }
  return s;
}

/** Assigns an own property even for the key "__proto__" (protobuf-es map records are plain objects). */
export function setOwn<V>(record: { [key: string]: V }, key: string, value: V): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function bytesOf(b: unknown, where: { column: string; path: string }): Uint8Array {
  if (!(b instanceof Uint8Array)) {
    throw new ProfileError("invalid-argument", "component bytes must be a Uint8Array", where);
  }
  return b;
}

// protobuf-es represents google.protobuf.Struct fields as JsonObject. The component keeps the Struct's own
// protobuf bytes instead, so it is converted through a one-field MetricComponentMessage: field 11
// (`dataclass_param`, tag byte 0x5a) holding exactly the Struct bytes. The library's own JsonObject mapping
// is used in both directions, so nothing (NaN, nested lists) is lost on the way.
const DATACLASS_PARAM_TAG = 0x5a;

function structToBytes(json: JsonObject): Uint8Array {
  const wrapped = toBinary(
    MetricComponentMessageSchema,
    create(MetricComponentMessageSchema, { value: { case: "dataclassParam", value: json } }),
  );
  const len = peekVarint(wrapped, 1);
  // Cannot fail: the wrapper is exactly tag + varint length + Struct bytes.
  if (wrapped[0] !== DATACLASS_PARAM_TAG || len === null) {
    throw new ProfileError("malformed", "google.protobuf.Struct component could not be re-encoded");
  }
  return wrapped.subarray(len.next);
}

function structFromBytes(raw: Uint8Array, where: { column: string; path: string }): JsonObject {
  const prefix: number[] = [DATACLASS_PARAM_TAG];
  pushVarint(prefix, raw.length);
  const wrapped = new Uint8Array(prefix.length + raw.length);
  wrapped.set(prefix);
  wrapped.set(raw, prefix.length);
  let msg: MetricComponentMessage;
  try {
    msg = parseMessage(MetricComponentMessageSchema, wrapped, 0, "google.protobuf.Struct component");
  } catch (e) {
    throw new ProfileError("invalid-argument", "dataclass_param bytes are not a google.protobuf.Struct", {
      ...where,
      cause: e,
    });
  }
  if (msg.value.case !== "dataclassParam") {
    throw new ProfileError(
      "invalid-argument",
      "dataclass_param bytes are not a google.protobuf.Struct",
      where,
    );
  }
  return msg.value.value;
}

/**
 * A NaN's sign and payload bits depend on how it was computed (x86 gives 0xfff8…, V8's interpreter and
 * optimized code may differ), and serialization writes the bits as they are. Writing the one canonical quiet
 * NaN keeps files byte-identical for the same profile on every engine and JIT tier.
 */
export function canonicalDouble(v: number): number {
  return v !== v ? Number.NaN : v;
}
