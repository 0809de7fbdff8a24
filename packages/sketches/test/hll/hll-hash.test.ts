import { describe, expect, it } from "vitest";
import { jsCoupons } from "../../src/hash/hll-coupon.js";
import { murmur3Bytes, murmur3Int64 } from "../../src/hash/murmur3.js";
import { HllSketch, HllType } from "../../src/index.js";
import { readVectorJson, requireShared } from "../support/shared.js";

interface HashEntry {
  kind: string;
  value: string;
  key_bytes_hex: string;
  h1: string;
  h2: string;
  coupon: number;
  slot_lgk12: number;
  value_1_to_63: number;
}

function hex64(lo: number, hi: number): string {
  return "0x" + (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
}

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The single coupon a LIST-mode sketch holds after one update (compact image, offset 8). */
function singleCoupon(sk: HllSketch): number {
  const b = sk.serializeCompact();
  expect(b[6]).toBe(1);
  return new DataView(b.buffer, b.byteOffset).getUint32(8, true);
}

describe("MurmurHash3 x64_128 seed 9001 and HLL coupons (hll_hash_vectors.json)", () => {
  if (!requireShared()) return;
  const { entries } = readVectorJson<{ entries: HashEntry[] }>("datasketches", "hll_hash_vectors.json");

  it("has the 72 documented keys", () => {
    expect(entries.length).toBe(72);
  });

  it.each(entries.map((e) => [`${e.kind} ${JSON.stringify(e.value)}`, e] as const))("%s", (_name, e) => {
    const bytes = fromHex(e.key_bytes_hex);
    const out = new Int32Array(4);
    murmur3Bytes(bytes, 0, bytes.length, 9001, out);
    expect(hex64(out[0]!, out[1]!)).toBe(e.h1);
    expect(hex64(out[2]!, out[3]!)).toBe(e.h2);

    // The same bytes reached through the typed update paths give the documented coupon.
    const sk = new HllSketch(12, HllType.HLL_8);
    if (e.kind === "string_utf8") {
      sk.updateString(e.value);
      if (e.value === "") {
        expect(sk.isEmpty()).toBe(true); // empty strings are ignored, as upstream
        sk.updateBytes(bytes);
        expect(sk.isEmpty()).toBe(true);
        return;
      }
    } else if (e.kind === "int64") {
      sk.updateInt64(BigInt(e.value));
      const asNumber = Number(e.value);
      if (Number.isSafeInteger(asNumber) || Math.abs(asNumber) === 2 ** 63) {
        const sk2 = new HllSketch(12, HllType.HLL_8);
        if (asNumber < 2 ** 63) {
          sk2.updateInt64(asNumber);
          expect(singleCoupon(sk2)).toBe(e.coupon);
        }
      }
    } else {
      sk.updateDouble(Number(e.value));
    }
    const coupon = singleCoupon(sk);
    expect(coupon).toBe(e.coupon);
    expect(coupon & 0xfff).toBe(e.slot_lgk12);
    expect(coupon >>> 26).toBe(e.value_1_to_63);

    const viaBytes = new HllSketch(12, HllType.HLL_8);
    viaBytes.updateBytes(bytes);
    expect(singleCoupon(viaBytes)).toBe(e.coupon);
  });

  it("murmur3Int64 and the JavaScript int64 coupon agree with hashing the 8 little-endian bytes", () => {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    const a = new Int32Array(4);
    const b = new Int32Array(4);
    let x = 0x12345678;
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 0x9e3779b1) + i) | 0;
      const lo = x;
      const hi = Math.imul(x, 0x85ebca6b) ^ (i << 7);
      view.setInt32(0, lo, true);
      view.setInt32(4, hi, true);
      murmur3Bytes(bytes, 0, 8, 9001, a);
      murmur3Int64(lo, hi, 9001, b);
      expect(Array.from(b)).toEqual(Array.from(a));
      const clz = a[3] !== 0 ? Math.clz32(a[3]!) : 32 + Math.clz32(a[2]!);
      expect(jsCoupons.int64(lo, hi)).toBe(((Math.min(clz, 62) + 1) << 26) | (a[0]! & 0x3ffffff));
    }
  });

  it("hashes strings longer than one block and with multi-byte characters like their UTF-8 bytes", () => {
    const samples = [
      "x".repeat(33),
      "é".repeat(20),
      "a\u{1F600}b".repeat(7),
      "\ud800lone",
      "abc\udc00",
      "日本語テキスト".repeat(3),
    ];
    for (const s of samples) {
      const a = new HllSketch(12, HllType.HLL_8);
      a.updateString(s);
      const b = new HllSketch(12, HllType.HLL_8);
      b.updateBytes(new TextEncoder().encode(s));
      expect(singleCoupon(a), s).toBe(singleCoupon(b));
    }
  });
});
