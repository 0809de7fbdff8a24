// AssemblyScript kernel: the HyperLogLog coupon of a key, i.e. MurmurHash3_x64_128 with the
// DataSketches seed 9001 reduced to `(min(clz64(h2), 62) + 1) << 26 | (h1 & 0x3FFFFFF)`.
//
// Why WebAssembly: the hash needs six to ten 64×64→64-bit multiplies per key. In JavaScript each one
// is about a dozen 32-bit operations (no BigInt on a hot path), which left HLL updates at 2.5× their
// target; here a multiply is one instruction. Compiled by scripts/build-wasm.mjs; the JavaScript
// implementation in src/hash/murmur3.ts stays as the fallback and as the second implementation both
// are tested against.
//
// Keys that are bytes are read from linear memory at offset 0 (the caller's scratch area). Reads of
// the final 16-byte block may run up to 15 bytes past the key: the caller keeps keys at most
// SCRATCH_BYTES long, which leaves that slack inside the first memory page.

const SEED: u64 = 9001;
const C1: u64 = 0x87c37b91114253d5;
const C2: u64 = 0x4cf5ad432745937f;

/** Largest key, in bytes, that couponOfScratch accepts. */
export const SCRATCH_BYTES: i32 = 65536 - 16;

@inline
function fmix64(k: u64): u64 {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccd;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53;
  k ^= k >> 33;
  return k;
}

@inline
function mixK1(k1: u64): u64 {
  return rotl<u64>(k1 * C1, 31) * C2;
}

@inline
function mixK2(k2: u64): u64 {
  return rotl<u64>(k2 * C2, 33) * C1;
}

@inline
function finishCoupon(h1: u64, h2: u64, len: u64): i32 {
  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 += h2;
  h2 += h1;
  const lz = <u32>clz<u64>(h2);
  const value: u32 = (lz > 62 ? 62 : lz) + 1;
  return <i32>((value << 26) | (<u32>h1 & 0x3ffffff));
}

/** Coupon of the 8-byte little-endian key `(hi << 32) | lo` (an int64, or a double's bits). */
export function couponInt64(lo: i32, hi: i32): i32 {
  const key = (<u64>(<u32>hi) << 32) | <u64>(<u32>lo);
  return finishCoupon(SEED ^ mixK1(key), SEED, 8);
}

/** Coupon of a double after DataSketches' canonicalisation (-0.0 → 0.0, every NaN → 0x7ff8000000000000). */
export function couponDouble(x: f64): i32 {
  let bits: u64 = reinterpret<u64>(x);
  if (x == 0.0) bits = 0;
  else if (x != x) bits = 0x7ff8000000000000;
  return finishCoupon(SEED ^ mixK1(bits), SEED, 8);
}

/** Coupon of the `len` bytes at offset 0 of linear memory. */
export function couponOfScratch(len: i32): i32 {
  let h1: u64 = SEED;
  let h2: u64 = SEED;
  const blockEnd = len & ~15;
  for (let p = 0; p < blockEnd; p += 16) {
    h1 ^= mixK1(load<u64>(p));
    h1 = (rotl<u64>(h1, 27) + h2) * 5 + 0x52dce729;
    h2 ^= mixK2(load<u64>(p + 8));
    h2 = (rotl<u64>(h2, 31) + h1) * 5 + 0x38495ab5;
  }
  const rem = len & 15;
  if (rem > 8) {
    // Bytes 8..rem-1 of the tail; bytes past the key are masked off.
    const k2 = load<u64>(blockEnd + 8) & (<u64>-1 >> (<u64>(16 - rem) << 3));
    h2 ^= mixK2(k2);
  }
  if (rem > 0) {
    const k1 = rem >= 8 ? load<u64>(blockEnd) : load<u64>(blockEnd) & (((<u64>1) << (<u64>rem << 3)) - 1);
    h1 ^= mixK1(k1);
  }
  return finishCoupon(h1, h2, <u64>len);
}

