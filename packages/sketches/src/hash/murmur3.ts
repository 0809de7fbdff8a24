/**
 * MurmurHash3 x64_128 (Austin Appleby's reference algorithm, as in datasketches-cpp
 * `common/include/MurmurHash3.h`) computed entirely in 32-bit halves.
 *
 * Why not BigInt: a BigInt implementation costs ~1.6 µs per hash, two orders of magnitude more than
 * the native sketch update. Every 64-bit value here is a pair of int32 values (hi, lo); a 64×64→64
 * multiply is `Math.imul` for the low word plus the exact high word of the 32×32 product from 16-bit
 * limbs (see umulhi), all in 32-bit integer arithmetic.
 *
 * `murmur3Bytes` and `murmur3Int64` write `[h1.lo, h1.hi, h2.lo, h2.hi]` (signed int32 views of the
 * unsigned words) into a caller-provided `Int32Array(4)`; no allocation happens per call. The HLL
 * update path normally hashes in the WebAssembly kernel (see hll-coupon.ts); this implementation is
 * its fallback and the reference the kernel is tested against.
 */

import { umulhi } from "./uint64.js";

// 64-bit constants split into 32-bit halves.
const C1_HI = 0x87c37b91 | 0;
const C1_LO = 0x114253d5 | 0;
const C2_HI = 0x4cf5ad43 | 0;
const C2_LO = 0x2745937f | 0;
const F1_HI = 0xff51afd7 | 0;
const F1_LO = 0xed558ccd | 0;
const F2_HI = 0xc4ceb9fe | 0;
const F2_LO = 0x1a85ec53 | 0;

/** Default seed of DataSketches (`DEFAULT_SEED` in common_defs.hpp). */
export const DEFAULT_UPDATE_SEED = 9001;

// Module-scoped working state. Functions below are not re-entrant, which is fine: they never call
// back into user code.
let h1h = 0;
let h1l = 0;
let h2h = 0;
let h2l = 0;

function init(seed: number): void {
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
