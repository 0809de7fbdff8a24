import { MURMUR3_COUPON_WASM } from "./murmur3-wasm.generated.js";
import { DEFAULT_UPDATE_SEED, murmur3Bytes, murmur3Int64 } from "./murmur3.js";
import { encodeUtf8Into } from "./utf8.js";

/**
 * HLL coupons of typed keys — the only hashing on the HLL update path.
 *
 * The WebAssembly kernel (assembly/murmur3-coupon.ts) does the 64-bit multiplies natively and is
 * 4–8× faster than the 32-bit-halves JavaScript in murmur3.ts for int64/double keys and about 2× for
 * short strings (see BENCHMARKS.md). Where WebAssembly is unavailable (e.g. a page whose CSP forbids
 * it) the JavaScript implementation is used; both produce identical coupons, which the tests check
 * against the reference hash vectors and against each other.
 */

/** The exports of the kernel (declared structurally: the package compiles without DOM/Node typings). */
interface CouponKernel {
  couponInt64(lo: number, hi: number): number;
  couponDouble(x: number): number;
  couponOfScratch(len: number): number;
  memory: { buffer: ArrayBuffer };
  SCRATCH_BYTES: { value: number };
}

interface MinimalWebAssembly {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

function instantiateKernel(): CouponKernel | null {
  const wasm = (globalThis as { WebAssembly?: MinimalWebAssembly }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    // Synchronous compilation is fine for a ~1 KB module (browsers restrict it only above 4 KB).
    const instance = new wasm.Instance(new wasm.Module(MURMUR3_COUPON_WASM), {});
    return instance.exports as CouponKernel;
  } catch {
    return null;
  }
}

/** The WebAssembly kernel, or null when this runtime cannot instantiate it (then JS is used). */
export const wasmCouponKernel: CouponKernel | null = instantiateKernel();

const kernel = wasmCouponKernel;
const scratch = kernel === null ? new Uint8Array(0) : new Uint8Array(kernel.memory.buffer);
const scratchBytes = kernel === null ? 0 : kernel.SCRATCH_BYTES.value;
// Scratch for the JavaScript path, grown on demand; updates never allocate.
let utf8Scratch = new Uint8Array(256);
const HASH_OUT = new Int32Array(4);
const F64 = new Float64Array(1);
const F64_WORDS = new Int32Array(F64.buffer);

/** Coupon from a full 128-bit hash `[h1.lo, h1.hi, h2.lo, h2.hi]`. */
export function couponOf(h: Int32Array): number {
  const h2hi = h[3]!;
  const lz = h2hi !== 0 ? Math.clz32(h2hi) : 32 + Math.clz32(h[2]!);
  return ((lz > 61 ? 63 : lz + 1) << 26) | (h[0]! & 0x3ffffff);
}

/** The JavaScript implementations, used where the kernel is unavailable (exported for tests). */
export const jsCoupons = {
  int64(lo: number, hi: number): number {
    murmur3Int64(lo, hi, DEFAULT_UPDATE_SEED, HASH_OUT);
    return couponOf(HASH_OUT);
  },
  double(x: number): number {
    if (x === 0) return jsCoupons.int64(0, 0);
    if (x !== x) return jsCoupons.int64(0, 0x7ff80000);
    F64[0] = x;
    return jsCoupons.int64(F64_WORDS[0]!, F64_WORDS[1]!);
  },
  string(s: string): number {
    if (utf8Scratch.length < 3 * s.length) {
      utf8Scratch = new Uint8Array(Math.max(3 * s.length, 2 * utf8Scratch.length));
    }
    return jsCoupons.bytes(utf8Scratch.subarray(0, encodeUtf8Into(s, utf8Scratch)));
  },
  bytes(bytes: Uint8Array): number {
    murmur3Bytes(bytes, 0, bytes.length, DEFAULT_UPDATE_SEED, HASH_OUT);
    return couponOf(HASH_OUT);
  },
};

/** Coupon of the int64 `(hi << 32) | lo`, hashed as 8 little-endian bytes. */
export function hllCouponInt64(lo: number, hi: number): number {
  return kernel !== null ? kernel.couponInt64(lo, hi) : jsCoupons.int64(lo, hi);
}

/** Coupon of a double, after canonicalising -0.0 to 0.0 and NaN to 0x7ff8000000000000. */
export function hllCouponDouble(x: number): number {
  return kernel !== null ? kernel.couponDouble(x) : jsCoupons.double(x);
}

/** Coupon of a non-empty string's UTF-8 bytes. */
export function hllCouponString(s: string): number {
  const len = s.length;
  if (kernel === null || 3 * len > scratchBytes) return jsCoupons.string(s);
  // Copy ASCII straight from the char codes (measured as fast as packing short strings into
  // arguments); anything else goes through the UTF-8 encoder into the same scratch area.
  let or = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    or |= c;
    scratch[i] = c;
  }
  return kernel.couponOfScratch(or < 0x80 ? len : encodeUtf8Into(s, scratch));
}

/** Coupon of raw bytes. */
export function hllCouponBytes(bytes: Uint8Array): number {
  if (kernel === null || bytes.length > scratchBytes) return jsCoupons.bytes(bytes);
  scratch.set(bytes);
  return kernel.couponOfScratch(bytes.length);
}
