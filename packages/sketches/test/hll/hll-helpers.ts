import { expect } from "vitest";
import { HllSketch, HllType, HllUnion } from "../../src/index.js";
import { firstDifference } from "../support/streams.js";

/** Shape of the HLL JSON sidecars in shared/vectors/datasketches. */
export interface HllVectorJson {
  lg_config_k: number;
  input: string;
  estimates: {
    is_empty: boolean;
    mode: "LIST" | "SET" | "HLL";
    target_type: "HLL_4" | "HLL_6" | "HLL_8";
    out_of_order: boolean;
    estimate: number;
    composite_estimate: number;
    lower_bound_1: number;
    upper_bound_1: number;
    lower_bound_2: number;
    upper_bound_2: number;
    lower_bound_3: number;
    upper_bound_3: number;
    compact_serialization_bytes: number;
    updatable_serialization_bytes: number;
  };
  compact_header: Record<string, number>;
  updatable_header: Record<string, number>;
}

export const TYPE_BY_NAME = { HLL_4: HllType.HLL_4, HLL_6: HllType.HLL_6, HLL_8: HllType.HLL_8 } as const;
export const MODE_NAMES = ["LIST", "SET", "HLL"] as const;

/** Builds a sketch from the README recipe for `hll{4,6,8}_lg{K}_{str,i64,f64}_n{N}[_aux]`. */
export function buildFromName(base: string): HllSketch {
  const m = /^hll([468])_lg(\d+)_(str|i64|f64)_n(\d+)(_aux)?$/.exec(base);
  if (m === null) throw new Error(`not a stream vector: ${base}`);
  const type = m[1] === "4" ? HllType.HLL_4 : m[1] === "6" ? HllType.HLL_6 : HllType.HLL_8;
  const sk = new HllSketch(Number(m[2]), type);
  feed(sk, m[3] as "str" | "i64" | "f64", Number(m[4]));
  return sk;
}

export function feed(sk: HllSketch, kind: "str" | "i64" | "f64", n: number): void {
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    if (kind === "str") sk.updateString(`item-${i}`);
    else if (kind === "i64") sk.updateInt64(i - half);
    else sk.updateDouble((i - half) / 8.0);
  }
}

export function strRange(sk: HllSketch, from: number, to: number): HllSketch {
  for (let i = from; i < to; i++) sk.updateString(`item-${i}`);
  return sk;
}

export function unionInputs(): { a: HllSketch; b: HllSketch; c: HllSketch } {
  return {
    a: strRange(new HllSketch(12, HllType.HLL_4), 0, 60000),
    b: strRange(new HllSketch(12, HllType.HLL_6), 40000, 100000),
    c: strRange(new HllSketch(10, HllType.HLL_8), 50000, 150000),
  };
}

/** Builds every non-stream vector by name (specials, UTF-8, unions). */
export function buildSpecial(base: string): HllSketch {
  switch (base) {
    case "hll8_lg12_special_doubles": {
      const sk = new HllSketch(12, HllType.HLL_8);
      for (const x of [0.0, -0.0, NaN, -NaN, Infinity, -Infinity, 1.0]) sk.updateDouble(x);
      return sk;
    }
    case "hll6_lg12_utf8_n100": {
      const sk = new HllSketch(12, HllType.HLL_6);
      for (let i = 0; i < 100; i++) sk.updateString(`ключ-${i}`);
      sk.updateString("");
      return sk;
    }
    case "hll_union_input_a":
      return unionInputs().a;
    case "hll_union_input_b":
      return unionInputs().b;
    case "hll_union_input_c":
      return unionInputs().c;
    case "hll_union_ab_result_hll8":
    case "hll_union_ab_result_hll4":
    case "hll_union_ab_result_hll8_after_estimate": {
      const { a, b } = unionInputs();
      const u = new HllUnion(12);
      u.update(a);
      u.update(b);
      if (base.endsWith("_after_estimate")) u.getEstimate();
      return u.getResult(base.includes("hll4") ? HllType.HLL_4 : HllType.HLL_8);
    }
    case "hll_union_abc_result_hll8": {
      const { a, b, c } = unionInputs();
      const u = new HllUnion(12);
      u.update(a);
      u.update(b);
      u.update(c);
      return u.getResult(HllType.HLL_8);
    }
    case "hll_union_small_result_hll8": {
      const u = new HllUnion(12);
      u.update(strRange(new HllSketch(12, HllType.HLL_8), 0, 30));
      u.update(strRange(new HllSketch(12, HllType.HLL_8), 20, 60));
      return u.getResult(HllType.HLL_8);
    }
    default:
      return buildFromName(base);
  }
}

export function expectBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const diff = firstDifference(actual, expected);
  expect(diff, what).toBeNull();
}

/** Relative closeness for values that go through Math.log (may differ from glibc by an ulp). */
export function expectClose(actual: number, expected: number, what: string, rel = 1e-12): void {
  if (actual === expected) return;
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    rel * Math.abs(expected),
  );
}

/** Checks every estimate field of a sidecar; HIP/coupon-derived values are exact, log-derived ones 1e-12. */
export function expectEstimates(sk: HllSketch, e: HllVectorJson["estimates"], what: string): void {
  expect(sk.isEmpty(), `${what} is_empty`).toBe(e.is_empty);
  expect(MODE_NAMES[sk.getCurrentMode()], `${what} mode`).toBe(e.mode);
  expect(sk.getTgtHllType(), `${what} type`).toBe(TYPE_BY_NAME[e.target_type]);
  expect(sk.isOutOfOrder(), `${what} ooo`).toBe(e.out_of_order);
  const usesLog = e.out_of_order;
  const check = (a: number, b: number, name: string): void => {
    if (usesLog) expectClose(a, b, `${what} ${name}`);
    else expect(a, `${what} ${name}`).toBe(b);
  };
  check(sk.getEstimate(), e.estimate, "estimate");
  expectClose(sk.getCompositeEstimate(), e.composite_estimate, `${what} composite`);
  for (const sd of [1, 2, 3] as const) {
    check(sk.getLowerBound(sd), e[`lower_bound_${sd}`], `lb${sd}`);
    check(sk.getUpperBound(sd), e[`upper_bound_${sd}`], `ub${sd}`);
  }
  expect(sk.serializeCompact().length, `${what} compact size`).toBe(e.compact_serialization_bytes);
  expect(sk.serializeUpdatable().length, `${what} updatable size`).toBe(e.updatable_serialization_bytes);
}

/** Decodes the header fields the sidecars list. */
export function decodeHeader(b: Uint8Array): Record<string, number> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const h: Record<string, number> = {
    preamble_ints: b[0]!,
    serial_version: b[1]!,
    family_id: b[2]!,
    lg_k: b[3]!,
    lg_arr: b[4]!,
    flags: b[5]!,
    byte6_list_count_or_cur_min: b[6]!,
    mode_byte: b[7]!,
  };
  if (b[0] === 3) h.set_coupon_count = v.getUint32(8, true);
  if (b[0] === 10) {
    h.hip_accum = v.getFloat64(8, true);
    h.kxq0 = v.getFloat64(16, true);
    h.kxq1 = v.getFloat64(24, true);
    h.num_at_cur_min = v.getUint32(32, true);
    h.aux_count = v.getUint32(36, true);
  }
  return h;
}

/**
 * The order-insensitive content of an image: header bytes 0..7 (minus nothing), fixed HLL fields and
 * registers verbatim, and the coupon / aux entries as a sorted list (their order may change when a
 * compact image is decoded and re-encoded).
 */
export function canonicalImage(b: Uint8Array): { fixed: number[]; entries: number[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pre = b[0]!;
  let fixedEnd: number;
  let entriesStart: number;
  if (pre === 2) {
    fixedEnd = 8;
    entriesStart = 8;
  } else if (pre === 3) {
    fixedEnd = 12;
    entriesStart = 12;
  } else {
    const lgK = b[3]!;
    const type = (b[7]! >> 2) & 3;
    const arr = type === 0 ? 1 << (lgK - 1) : type === 1 ? ((3 << lgK) >>> 2) + 1 : 1 << lgK;
    fixedEnd = 40 + arr;
    entriesStart = fixedEnd;
  }
  const fixed = Array.from(b.subarray(0, fixedEnd));
  const entries: number[] = [];
  for (let p = entriesStart; p + 4 <= b.length; p += 4) {
    const e = v.getUint32(p, true);
    if (e !== 0) entries.push(e);
  }
  entries.sort((x, y) => x - y);
  return { fixed, entries };
}
