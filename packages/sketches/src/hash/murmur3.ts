/**
 * MurmurHash3 x64_128 (Austin Appleby's reference algorithm, as in datasketches-cpp
 * `common/include/MurmurHash3.h`) computed entirely in 32-bit halves.
 *
 * Why not BigInt: a BigInt implementation costs ~1.6 µs per hash, two orders of magnitude more than
 * the native sketch update. Every 64-bit value here is a pair of int32 values (hi, lo); a 64×64→64
 * multiply is `Math.imul` for the low word plus the exact high word of the 32×32 product from 16-bit
 * limbs (see umulhi), all in 32-bit integer arithmetic.
 *
 * Two layers: generic hashes (`murmur3Bytes`, `murmur3Int64`) write `[h1.lo, h1.hi, h2.lo, h2.hi]`
 * (signed int32 views of the unsigned words) into a caller-provided `Int32Array(4)`; the HLL hot paths
 * (`couponInt64`, `couponAscii`) return the HLL coupon directly from a monolithic function that keeps
 * every word in locals. No allocation happens per call.
 */

// 64-bit constants split into 32-bit halves.
const C1_HI = 0x87c37b91 | 0;
const C1_LO = 0x114253d5 | 0;
const C2_HI = 0x4cf5ad43 | 0;
const C2_LO = 0x2745937f | 0;
const F1_HI = 0xff51afd7 | 0;
const F1_LO = 0xed558ccd | 0;
const F2_HI = 0xc4ceb9fe | 0;
const F2_LO = 0x1a85ec53 | 0;
// 16-bit limbs of the low words, for the hand-inlined umulhi in tailCoupon.
const C1_L0 = C1_LO & 0xffff;
const C1_L1 = C1_LO >>> 16;
const C2_L0 = C2_LO & 0xffff;
const C2_L1 = C2_LO >>> 16;
const F1_L0 = F1_LO & 0xffff;
const F1_L1 = F1_LO >>> 16;
const F2_L0 = F2_LO & 0xffff;
const F2_L1 = F2_LO >>> 16;

/**
 * High 32 bits (as int32) of the unsigned 64-bit product of two uint32 bit patterns, from 16-bit
 * limbs. Every partial sum is exact below 2^32 and is kept as an int32 bit pattern (`| 0`), so the
 * whole computation stays in 32-bit integer registers: measured faster than a float64 formulation,
 * whose int/double conversions lengthen the dependency chain of every 64-bit multiply.
 */
function umulhi(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const w0 = Math.imul(a0, b0);
  const t = (Math.imul(a1, b0) + (w0 >>> 16)) | 0;
  const w1 = ((t & 0xffff) + Math.imul(a0, b1)) | 0;
  return (((Math.imul(a1, b1) + (t >>> 16)) | 0) + (w1 >>> 16)) | 0;
}

/** Default seed of DataSketches (`DEFAULT_SEED` in common_defs.hpp). */
export const DEFAULT_UPDATE_SEED = 9001;

// Module-scoped working state. Functions below are not re-entrant, which is fine: they never call
// back into user code.
let h1h = 0;
let h1l = 0;
let h2h = 0;
let h2l = 0;
// OR of every code unit read by asciiWord since init(), to detect non-ASCII input.
let asciiOr = 0;

function init(seed: number): void {
  asciiOr = 0;
  h1h = 0;
  h1l = seed | 0;
  h2h = 0;
  h2l = seed | 0;
}

/** Mixes k1 into h1 (the `k1 *= c1; rotl 31; *= c2; h1 ^= k1` step). */
function mixK1(kh: number, kl: number): void {
  // k *= c1
  let lo = Math.imul(kl, C1_LO);
  let hi = (umulhi(kl, C1_LO) + Math.imul(kh, C1_LO) + Math.imul(kl, C1_HI)) | 0;
  // rotl 31
  const th = (hi << 31) | (lo >>> 1);
  const tl = (lo << 31) | (hi >>> 1);
  // k *= c2
  lo = Math.imul(tl, C2_LO);
  hi = (umulhi(tl, C2_LO) + Math.imul(th, C2_LO) + Math.imul(tl, C2_HI)) | 0;
  h1h ^= hi;
  h1l ^= lo;
}

/** Mixes k2 into h2 (the `k2 *= c2; rotl 33; *= c1; h2 ^= k2` step). */
function mixK2(kh: number, kl: number): void {
  // k *= c2
  const lo = Math.imul(kl, C2_LO);
  const hi = (umulhi(kl, C2_LO) + Math.imul(kh, C2_LO) + Math.imul(kl, C2_HI)) | 0;
  // rotl 33 = swap words, then rotl 1
  const th = (lo << 1) | (hi >>> 31);
  const tl = (hi << 1) | (lo >>> 31);
  // k *= c1
  const lo2 = Math.imul(tl, C1_LO);
  h2h ^= (umulhi(tl, C1_LO) + Math.imul(th, C1_LO) + Math.imul(tl, C1_HI)) | 0;
  h2l ^= lo2;
}

/** The per-block h1/h2 rounds that follow mixing k1 and k2. */
function blockRound(k1h: number, k1l: number, k2h: number, k2l: number): void {
  mixK1(k1h, k1l);
  // h1 = rotl(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729
  let th = (h1h << 27) | (h1l >>> 5);
  let tl = (h1l << 27) | (h1h >>> 5);
  let s = (tl + h2l) | 0;
  th = (th + h2h + (s >>> 0 < tl >>> 0 ? 1 : 0)) | 0;
  tl = s;
  // ×5 = (x << 2) + x
  let mh = (th << 2) | (tl >>> 30);
  let ml = tl << 2;
  s = (ml + tl) | 0;
  mh = (mh + th + (s >>> 0 < tl >>> 0 ? 1 : 0)) | 0;
  ml = (s + 0x52dce729) | 0;
  h1h = (mh + (ml >>> 0 < s >>> 0 ? 1 : 0)) | 0;
  h1l = ml;

  mixK2(k2h, k2l);
  // h2 = rotl(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5
  th = (h2h << 31) | (h2l >>> 1);
  tl = (h2l << 31) | (h2h >>> 1);
  s = (tl + h1l) | 0;
  th = (th + h1h + (s >>> 0 < tl >>> 0 ? 1 : 0)) | 0;
  tl = s;
  mh = (th << 2) | (tl >>> 30);
  ml = tl << 2;
  s = (ml + tl) | 0;
  mh = (mh + th + (s >>> 0 < tl >>> 0 ? 1 : 0)) | 0;
  ml = (s + 0x38495ab5) | 0;
  h2h = (mh + (ml >>> 0 < s >>> 0 ? 1 : 0)) | 0;
  h2l = ml;
}

/** Finalisation: length xor, cross-adds and fmix64 of both halves; writes the result to `out`. */
function finish(len: number, out: Int32Array): void {
  let ah = h1h;
  let al = h1l ^ len;
  let bh = h2h;
  let bl = h2l ^ len;
  // h1 += h2
  let s = (al + bl) | 0;
  ah = (ah + bh + (s >>> 0 < al >>> 0 ? 1 : 0)) | 0;
  al = s;
  // h2 += h1
  s = (bl + al) | 0;
  bh = (bh + ah + (s >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
  bl = s;

  // fmix64(h1)
  al ^= ah >>> 1;
  let lo = Math.imul(al, F1_LO);
  let hi = (umulhi(al, F1_LO) + Math.imul(ah, F1_LO) + Math.imul(al, F1_HI)) | 0;
  lo ^= hi >>> 1;
  al = Math.imul(lo, F2_LO);
  ah = (umulhi(lo, F2_LO) + Math.imul(hi, F2_LO) + Math.imul(lo, F2_HI)) | 0;
  al ^= ah >>> 1;

  // fmix64(h2)
  bl ^= bh >>> 1;
  lo = Math.imul(bl, F1_LO);
  hi = (umulhi(bl, F1_LO) + Math.imul(bh, F1_LO) + Math.imul(bl, F1_HI)) | 0;
  lo ^= hi >>> 1;
  bl = Math.imul(lo, F2_LO);
  bh = (umulhi(lo, F2_LO) + Math.imul(hi, F2_LO) + Math.imul(lo, F2_HI)) | 0;
  bl ^= bh >>> 1;

  // h1 += h2; h2 += h1
  s = (al + bl) | 0;
  ah = (ah + bh + (s >>> 0 < al >>> 0 ? 1 : 0)) | 0;
  al = s;
  s = (bl + al) | 0;
  bh = (bh + ah + (s >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
  bl = s;

  out[0] = al;
  out[1] = ah;
  out[2] = bl;
  out[3] = bh;
}

/** Reads a little-endian int32 from `b` at `i` (caller guarantees 4 bytes). */
function le32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24) | 0;
}

/**
 * MurmurHash3_x64_128 of `len` bytes of `bytes` starting at `offset`.
 *
 * @param out receives `[h1.lo, h1.hi, h2.lo, h2.hi]` as int32 words.
 */
export function murmur3Bytes(
  bytes: Uint8Array,
  offset: number,
  len: number,
  seed: number,
  out: Int32Array,
): void {
  init(seed);
  const nBlocks = len >>> 4;
  let p = offset;
  for (let i = 0; i < nBlocks; i++, p += 16) {
    blockRound(le32(bytes, p + 4), le32(bytes, p), le32(bytes, p + 12), le32(bytes, p + 8));
  }
  const rem = len & 15;
  if (rem > 0) {
    let k1l = 0;
    let k1h = 0;
    let k2l = 0;
    let k2h = 0;
    for (let i = 0; i < rem; i++) {
      const b = bytes[p + i]!;
      const sh = (i & 3) << 3;
      if (i < 4) k1l |= b << sh;
      else if (i < 8) k1h |= b << sh;
      else if (i < 12) k2l |= b << sh;
      else k2h |= b << sh;
    }
    if (rem > 8) mixK2(k2h, k2l);
    mixK1(k1h, k1l);
  }
  finish(len, out);
}

/**
 * MurmurHash3_x64_128 of the 8-byte little-endian image of the int64 `(hi << 32) | lo`, i.e. the
 * key bytes of C++ `update(int64_t)`, without materialising the bytes.
 */
export function murmur3Int64(lo: number, hi: number, seed: number, out: Int32Array): void {
  init(seed);
  mixK1(hi, lo);
  finish(8, out);
}

/** Four code units at `p` packed little-endian; records them in `asciiOr`. */
function asciiWord(s: string, p: number): number {
  const a = s.charCodeAt(p);
  const b = s.charCodeAt(p + 1);
  const c = s.charCodeAt(p + 2);
  const d = s.charCodeAt(p + 3);
  asciiOr |= a | b | c | d;
  return a | (b << 8) | (c << 16) | (d << 24);
}

/**
 * HLL coupon of a finished hash state: `h1`, `h2` after the body, with the last (partial) block's
 * words `k1`, `k2` not yet mixed. Monolithic on purpose: every 64-bit value stays in int32 locals,
 * which is what makes the short-key update paths fast.
 *
 * @param rem number of tail bytes (0..15): k2 is mixed only if rem > 8, k1 only if rem > 0.
 */
function tailCoupon(
  ah: number,
  al: number,
  bh: number,
  bl: number,
  k1h: number,
  k1l: number,
  k2h: number,
  k2l: number,
  rem: number,
  len: number,
): number {
  let lo: number;
  let hi: number;
  // Scratch for the inlined 32x32->64 high-word products (see umulhi; inlined by hand because V8's
  // inlining budget does not cover all eight call sites of this hot function).
  let a0: number;
  let a1: number;
  let t: number;
  let w: number;
  if (rem > 8) {
    // k2 *= c2; rotl 33; *= c1; h2 ^= k2
    lo = Math.imul(k2l, C2_LO);
    a0 = k2l & 0xffff;
    a1 = k2l >>> 16;
    t = (Math.imul(a1, C2_L0) + (Math.imul(a0, C2_L0) >>> 16)) | 0;
    w = ((t & 0xffff) + Math.imul(a0, C2_L1)) | 0;
    t = (((Math.imul(a1, C2_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
    t = (((t + Math.imul(k2h, C2_LO)) | 0) + Math.imul(k2l, C2_HI)) | 0;
    hi = t;
    const th = (lo << 1) | (hi >>> 31);
    const tl = (hi << 1) | (lo >>> 31);
    lo = Math.imul(tl, C1_LO);
    a0 = tl & 0xffff;
    a1 = tl >>> 16;
    t = (Math.imul(a1, C1_L0) + (Math.imul(a0, C1_L0) >>> 16)) | 0;
    w = ((t & 0xffff) + Math.imul(a0, C1_L1)) | 0;
    t = (((Math.imul(a1, C1_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
    t = (((t + Math.imul(th, C1_LO)) | 0) + Math.imul(tl, C1_HI)) | 0;
    bh ^= t;
    bl ^= lo;
  }
  if (rem > 0) {
    // k1 *= c1; rotl 31; *= c2; h1 ^= k1
    lo = Math.imul(k1l, C1_LO);
    a0 = k1l & 0xffff;
    a1 = k1l >>> 16;
    t = (Math.imul(a1, C1_L0) + (Math.imul(a0, C1_L0) >>> 16)) | 0;
    w = ((t & 0xffff) + Math.imul(a0, C1_L1)) | 0;
    t = (((Math.imul(a1, C1_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
    t = (((t + Math.imul(k1h, C1_LO)) | 0) + Math.imul(k1l, C1_HI)) | 0;
    hi = t;
    const th = (hi << 31) | (lo >>> 1);
    const tl = (lo << 31) | (hi >>> 1);
    lo = Math.imul(tl, C2_LO);
    a0 = tl & 0xffff;
    a1 = tl >>> 16;
    t = (Math.imul(a1, C2_L0) + (Math.imul(a0, C2_L0) >>> 16)) | 0;
    w = ((t & 0xffff) + Math.imul(a0, C2_L1)) | 0;
    t = (((Math.imul(a1, C2_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
    t = (((t + Math.imul(th, C2_LO)) | 0) + Math.imul(tl, C2_HI)) | 0;
    ah ^= t;
    al ^= lo;
  }
  al ^= len;
  bl ^= len;
  let s = (al + bl) | 0;
  ah = (((ah + bh) | 0) + (s >>> 0 < al >>> 0 ? 1 : 0)) | 0;
  al = s;
  s = (bl + al) | 0;
  bh = (((bh + ah) | 0) + (s >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
  bl = s;
  // fmix64(h1)
  al ^= ah >>> 1;
  lo = Math.imul(al, F1_LO);
  a0 = al & 0xffff;
  a1 = al >>> 16;
  t = (Math.imul(a1, F1_L0) + (Math.imul(a0, F1_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F1_L1)) | 0;
  t = (((Math.imul(a1, F1_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(ah, F1_LO)) | 0) + Math.imul(al, F1_HI)) | 0;
  hi = t;
  lo ^= hi >>> 1;
  al = Math.imul(lo, F2_LO);
  a0 = lo & 0xffff;
  a1 = lo >>> 16;
  t = (Math.imul(a1, F2_L0) + (Math.imul(a0, F2_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F2_L1)) | 0;
  t = (((Math.imul(a1, F2_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(hi, F2_LO)) | 0) + Math.imul(lo, F2_HI)) | 0;
  ah = t;
  al ^= ah >>> 1;
  // fmix64(h2)
  bl ^= bh >>> 1;
  lo = Math.imul(bl, F1_LO);
  a0 = bl & 0xffff;
  a1 = bl >>> 16;
  t = (Math.imul(a1, F1_L0) + (Math.imul(a0, F1_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F1_L1)) | 0;
  t = (((Math.imul(a1, F1_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(bh, F1_LO)) | 0) + Math.imul(bl, F1_HI)) | 0;
  hi = t;
  lo ^= hi >>> 1;
  bl = Math.imul(lo, F2_LO);
  a0 = lo & 0xffff;
  a1 = lo >>> 16;
  t = (Math.imul(a1, F2_L0) + (Math.imul(a0, F2_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F2_L1)) | 0;
  t = (((Math.imul(a1, F2_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(hi, F2_LO)) | 0) + Math.imul(lo, F2_HI)) | 0;
  bh = t;
  bl ^= bh >>> 1;
  // h1 += h2; h2 += h1 (only h1's low word and all of h2 feed the coupon)
  s = (al + bl) | 0;
  ah = (((ah + bh) | 0) + (s >>> 0 < al >>> 0 ? 1 : 0)) | 0;
  al = s;
  s = (bl + al) | 0;
  bh = (((bh + ah) | 0) + (s >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
  bl = s;
  const lz = bh !== 0 ? Math.clz32(bh) : 32 + Math.clz32(bl);
  return ((lz > 61 ? 63 : lz + 1) << 26) | (al & 0x3ffffff);
}

/**
 * HLL coupon (`(min(clz64(h2), 62) + 1) << 26 | (h1 & 0x3FFFFFF)`, as a signed int32, never 0) of
 * the int64 `(hi << 32) | lo` hashed as 8 little-endian bytes with seed 9001.
 */
export function couponInt64(lo0: number, hi0: number): number {
  // tailCoupon specialised to one 8-byte tail word and the default seed (~10% faster on the hottest
  // update path than calling the generic version, which V8 does not inline).
  const k1l = lo0;
  const k1h = hi0;
  let ah = 0;
  let al = DEFAULT_UPDATE_SEED;
  let bh = 0;
  let bl = DEFAULT_UPDATE_SEED;
  const len = 8;
  let lo: number;
  let hi: number;
  // Scratch for the inlined 32x32->64 high-word products (see umulhi; inlined by hand because V8's
  // inlining budget does not cover all eight call sites of this hot function).
  let a0: number;
  let a1: number;
  let t: number;
  let w: number;
  {
    // k1 *= c1; rotl 31; *= c2; h1 ^= k1 (k1 is the whole 8-byte key)
    lo = Math.imul(k1l, C1_LO);
    a0 = k1l & 0xffff;
    a1 = k1l >>> 16;
    t = (Math.imul(a1, C1_L0) + (Math.imul(a0, C1_L0) >>> 16)) | 0;
    w = ((t & 0xffff) + Math.imul(a0, C1_L1)) | 0;
    t = (((Math.imul(a1, C1_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
    t = (((t + Math.imul(k1h, C1_LO)) | 0) + Math.imul(k1l, C1_HI)) | 0;
    hi = t;
    const th = (hi << 31) | (lo >>> 1);
    const tl = (lo << 31) | (hi >>> 1);
    lo = Math.imul(tl, C2_LO);
    a0 = tl & 0xffff;
    a1 = tl >>> 16;
    t = (Math.imul(a1, C2_L0) + (Math.imul(a0, C2_L0) >>> 16)) | 0;
    w = ((t & 0xffff) + Math.imul(a0, C2_L1)) | 0;
    t = (((Math.imul(a1, C2_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
    t = (((t + Math.imul(th, C2_LO)) | 0) + Math.imul(tl, C2_HI)) | 0;
    ah ^= t;
    al ^= lo;
  }
  al ^= len;
  bl ^= len;
  let s = (al + bl) | 0;
  ah = (((ah + bh) | 0) + (s >>> 0 < al >>> 0 ? 1 : 0)) | 0;
  al = s;
  s = (bl + al) | 0;
  bh = (((bh + ah) | 0) + (s >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
  bl = s;
  // fmix64(h1)
  al ^= ah >>> 1;
  lo = Math.imul(al, F1_LO);
  a0 = al & 0xffff;
  a1 = al >>> 16;
  t = (Math.imul(a1, F1_L0) + (Math.imul(a0, F1_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F1_L1)) | 0;
  t = (((Math.imul(a1, F1_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(ah, F1_LO)) | 0) + Math.imul(al, F1_HI)) | 0;
  hi = t;
  lo ^= hi >>> 1;
  al = Math.imul(lo, F2_LO);
  a0 = lo & 0xffff;
  a1 = lo >>> 16;
  t = (Math.imul(a1, F2_L0) + (Math.imul(a0, F2_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F2_L1)) | 0;
  t = (((Math.imul(a1, F2_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(hi, F2_LO)) | 0) + Math.imul(lo, F2_HI)) | 0;
  ah = t;
  al ^= ah >>> 1;
  // fmix64(h2)
  bl ^= bh >>> 1;
  lo = Math.imul(bl, F1_LO);
  a0 = bl & 0xffff;
  a1 = bl >>> 16;
  t = (Math.imul(a1, F1_L0) + (Math.imul(a0, F1_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F1_L1)) | 0;
  t = (((Math.imul(a1, F1_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(bh, F1_LO)) | 0) + Math.imul(bl, F1_HI)) | 0;
  hi = t;
  lo ^= hi >>> 1;
  bl = Math.imul(lo, F2_LO);
  a0 = lo & 0xffff;
  a1 = lo >>> 16;
  t = (Math.imul(a1, F2_L0) + (Math.imul(a0, F2_L0) >>> 16)) | 0;
  w = ((t & 0xffff) + Math.imul(a0, F2_L1)) | 0;
  t = (((Math.imul(a1, F2_L1) + (t >>> 16)) | 0) + (w >>> 16)) | 0;
  t = (((t + Math.imul(hi, F2_LO)) | 0) + Math.imul(lo, F2_HI)) | 0;
  bh = t;
  bl ^= bh >>> 1;
  // h1 += h2; h2 += h1 (only h1's low word and all of h2 feed the coupon)
  s = (al + bl) | 0;
  ah = (((ah + bh) | 0) + (s >>> 0 < al >>> 0 ? 1 : 0)) | 0;
  al = s;
  s = (bl + al) | 0;
  bh = (((bh + ah) | 0) + (s >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
  bl = s;
  const lz = bh !== 0 ? Math.clz32(bh) : 32 + Math.clz32(bl);
  return ((lz > 61 ? 63 : lz + 1) << 26) | (al & 0x3ffffff);
}

/**
 * HLL coupon of the UTF-8 bytes of an ASCII string (seed 9001) read straight from its char codes.
 *
 * @returns 0 (never a valid coupon) if `s` has a code unit >= 0x80; the caller then encodes it.
 */
export function couponAscii(s: string): number {
  const len = s.length;
  let ah = 0;
  let al = DEFAULT_UPDATE_SEED;
  let bh = 0;
  let bl = DEFAULT_UPDATE_SEED;
  let p = 0;
  if (len >= 16) {
    init(DEFAULT_UPDATE_SEED);
    const nBlocks = len >>> 4;
    for (let i = 0; i < nBlocks; i++, p += 16) {
      const k1l = asciiWord(s, p);
      const k1h = asciiWord(s, p + 4);
      const k2l = asciiWord(s, p + 8);
      const k2h = asciiWord(s, p + 12);
      if (asciiOr >= 0x80) return 0;
      blockRound(k1h, k1l, k2h, k2l);
    }
    ah = h1h;
    al = h1l;
    bh = h2h;
    bl = h2l;
  }
  const rem = len & 15;
  let k1l = 0;
  let k1h = 0;
  let k2l = 0;
  let k2h = 0;
  let or = 0;
  // Straight-line tail read: one predictable branch per byte, every value kept in a local.
  if (rem > 0) {
    let c = s.charCodeAt(p);
    or = c;
    k1l = c;
    if (rem > 1) {
      c = s.charCodeAt(p + 1);
      or |= c;
      k1l |= c << 8;
      if (rem > 2) {
        c = s.charCodeAt(p + 2);
        or |= c;
        k1l |= c << 16;
        if (rem > 3) {
          c = s.charCodeAt(p + 3);
          or |= c;
          k1l |= c << 24;
          if (rem > 4) {
            c = s.charCodeAt(p + 4);
            or |= c;
            k1h = c;
            if (rem > 5) {
              c = s.charCodeAt(p + 5);
              or |= c;
              k1h |= c << 8;
              if (rem > 6) {
                c = s.charCodeAt(p + 6);
                or |= c;
                k1h |= c << 16;
                if (rem > 7) {
                  c = s.charCodeAt(p + 7);
                  or |= c;
                  k1h |= c << 24;
                  if (rem > 8) {
                    c = s.charCodeAt(p + 8);
                    or |= c;
                    k2l = c;
                    if (rem > 9) {
                      c = s.charCodeAt(p + 9);
                      or |= c;
                      k2l |= c << 8;
                      if (rem > 10) {
                        c = s.charCodeAt(p + 10);
                        or |= c;
                        k2l |= c << 16;
                        if (rem > 11) {
                          c = s.charCodeAt(p + 11);
                          or |= c;
                          k2l |= c << 24;
                          if (rem > 12) {
                            c = s.charCodeAt(p + 12);
                            or |= c;
                            k2h = c;
                            if (rem > 13) {
                              c = s.charCodeAt(p + 13);
                              or |= c;
                              k2h |= c << 8;
                              if (rem > 14) {
                                c = s.charCodeAt(p + 14);
                                or |= c;
                                k2h |= c << 16;
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  if (or >= 0x80) return 0;
  return tailCoupon(ah, al, bh, bl, k1h, k1l, k2h, k2l, rem, len);
}
