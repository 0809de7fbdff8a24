import { MURMUR3_COUPON_WASM } from "./murmur3-wasm.generated.js";
import { DEFAULT_UPDATE_SEED, couponAscii, couponInt64, murmur3Bytes } from "./murmur3.js";
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
  couponShort(w0: number, w1: number, w2: number, w3: number, len: number): number;
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
// JS-path scratch for non-ASCII strings, grown on demand.
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

/** Coupon of the int64 `(hi << 32) | lo`, hashed as 8 little-endian bytes. */
export function hllCouponInt64(lo: number, hi: number): number {
  return kernel !== null ? kernel.couponInt64(lo, hi) : couponInt64(lo, hi);
}

/** Coupon of a double, after canonicalising -0.0 to 0.0 and NaN to 0x7ff8000000000000. */
export function hllCouponDouble(x: number): number {
  if (kernel !== null) return kernel.couponDouble(x);
  if (x === 0) return couponInt64(0, 0);
  if (x !== x) return couponInt64(0, 0x7ff80000);
  F64[0] = x;
  return couponInt64(F64_WORDS[0]!, F64_WORDS[1]!);
}

/**
 * Little-endian word of the char codes at `p..p+3` (those below `len`), or -1 if any is not ASCII.
 * -1 is never a valid packing: ASCII bytes have their top bit clear.
 */
function packAscii(s: string, p: number, len: number): number {
  if (p >= len) return 0;
  let c = s.charCodeAt(p);
  let or = c;
  let w = c;
  if (p + 1 < len) {
    c = s.charCodeAt(p + 1);
    or |= c;
    w |= c << 8;
    if (p + 2 < len) {
      c = s.charCodeAt(p + 2);
      or |= c;
      w |= c << 16;
      if (p + 3 < len) {
        c = s.charCodeAt(p + 3);
        or |= c;
        w |= c << 24;
      }
    }
  }
  return or < 0x80 ? w : -1;
}

/** Coupon of a non-empty string's UTF-8 bytes. */
export function hllCouponString(s: string): number {
  const len = s.length;
  if (kernel !== null) {
    if (len <= 16) {
      // Up to 16 ASCII bytes travel as four packed words: no copy into linear memory.
      const w0 = packAscii(s, 0, len);
      const w1 = packAscii(s, 4, len);
      const w2 = packAscii(s, 8, len);
      const w3 = packAscii(s, 12, len);
      if ((w0 | w1 | w2 | w3) !== -1) return kernel.couponShort(w0, w1, w2, w3, len);
    }
    if (3 * len <= scratchBytes) {
      // Copy ASCII straight from the char codes; anything else goes through the UTF-8 encoder.
      let or = 0;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        or |= c;
        scratch[i] = c;
      }
      return kernel.couponOfScratch(or < 0x80 ? len : encodeUtf8Into(s, scratch));
    }
  }
  const coupon = couponAscii(s);
  if (coupon !== 0) return coupon;
  if (utf8Scratch.length < 3 * len) utf8Scratch = new Uint8Array(Math.max(3 * len, 2 * utf8Scratch.length));
  murmur3Bytes(utf8Scratch, 0, encodeUtf8Into(s, utf8Scratch), DEFAULT_UPDATE_SEED, HASH_OUT);
  return couponOf(HASH_OUT);
}

/** Coupon of raw bytes. */
export function hllCouponBytes(bytes: Uint8Array): number {
  if (kernel !== null && bytes.length <= scratchBytes) {
    scratch.set(bytes);
    return kernel.couponOfScratch(bytes.length);
  }
  murmur3Bytes(bytes, 0, bytes.length, DEFAULT_UPDATE_SEED, HASH_OUT);
  return couponOf(HASH_OUT);
}
