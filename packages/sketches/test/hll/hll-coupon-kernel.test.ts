import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  couponOf,
  hllCouponBytes,
  hllCouponDouble,
  hllCouponInt64,
  hllCouponString,
  jsCoupons,
  wasmCouponKernel,
} from "../../src/hash/hll-coupon.js";
import { murmur3Bytes } from "../../src/hash/murmur3.js";

/**
 * The WebAssembly coupon kernel and the JavaScript MurmurHash3 must agree on every key: the vector
 * tests pin the JavaScript side to datasketches-cpp, this pins the kernel to the JavaScript side
 * (and the vector tests run through the kernel too, since the update methods use it).
 */

function referenceCoupon(bytes: Uint8Array): number {
  const out = new Int32Array(4);
  murmur3Bytes(bytes, 0, bytes.length, 9001, out);
  return couponOf(out);
}

const utf8 = new TextEncoder();

function int64Bytes(lo: number, hi: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setInt32(0, lo, true);
  v.setInt32(4, hi, true);
  return b;
}

function doubleBytes(x: number): Uint8Array {
  const b = new Uint8Array(8);
  const canonical = x === 0 ? 0 : x;
  if (Number.isNaN(x)) new DataView(b.buffer).setUint32(4, 0x7ff80000, true);
  else new DataView(b.buffer).setFloat64(0, canonical, true);
  return b;
}

describe("HLL coupon kernel", () => {
  it("is instantiated under Node, so the fast path is the one under test", () => {
    expect(wasmCouponKernel).not.toBeNull();
  });

  it("int64 keys: kernel = JavaScript = hashing the 8 bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer(), (lo, hi) => {
        const expected = referenceCoupon(int64Bytes(lo, hi));
        expect(hllCouponInt64(lo, hi)).toBe(expected);
        expect(jsCoupons.int64(lo, hi)).toBe(expected);
        expect(wasmCouponKernel!.couponInt64(lo, hi)).toBe(expected);
      }),
      { seed: 11, numRuns: 3000 },
    );
  });

  it("doubles, including -0, NaN payloads, infinities and subnormals", () => {
    const specials = [0, -0, NaN, -NaN, Infinity, -Infinity, 5e-324, -5e-324, 1, -1, 0.1, Number.MAX_VALUE];
    const nanPayload = new Float64Array(new Uint32Array([1, 0x7ff00000]).buffer)[0]!;
    for (const x of [...specials, nanPayload]) {
      expect(hllCouponDouble(x)).toBe(referenceCoupon(doubleBytes(x)));
      expect(jsCoupons.double(x)).toBe(referenceCoupon(doubleBytes(x)));
    }
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(hllCouponDouble(x)).toBe(referenceCoupon(doubleBytes(x)));
      }),
      { seed: 12, numRuns: 3000 },
    );
  });

  it("strings of every length across the 16-byte packed path, block boundaries and UTF-8", () => {
    for (let len = 1; len <= 80; len++) {
      const ascii = Array.from({ length: len }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join("");
      expect(hllCouponString(ascii)).toBe(referenceCoupon(utf8.encode(ascii)));
      const mixed = ascii.slice(0, len - 1) + "é";
      expect(hllCouponString(mixed)).toBe(referenceCoupon(utf8.encode(mixed)));
      expect(jsCoupons.string(ascii)).toBe(referenceCoupon(utf8.encode(ascii)));
      expect(jsCoupons.string(mixed)).toBe(referenceCoupon(utf8.encode(mixed)));
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
        fc.pre(s.length > 0);
        expect(hllCouponString(s)).toBe(referenceCoupon(utf8.encode(s)));
      }),
      { seed: 13, numRuns: 3000 },
    );
  });

  it("keys longer than the kernel's scratch area fall back to JavaScript with the same result", () => {
    const long = "x".repeat(70_000) + "ключ";
    expect(hllCouponString(long)).toBe(referenceCoupon(utf8.encode(long)));
    const bytes = utf8.encode(long);
    expect(hllCouponBytes(bytes)).toBe(referenceCoupon(bytes));
  });

  it("raw bytes of every small length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (bytes) => {
        expect(hllCouponBytes(bytes)).toBe(referenceCoupon(bytes));
      }),
      { seed: 14, numRuns: 2000 },
    );
  });
});
