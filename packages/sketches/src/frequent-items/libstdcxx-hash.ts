/**
 * Emulation of the slot hash a Linux (libstdc++) datasketches-cpp build uses for
 * `frequent_items_sketch<std::string>`: `fmix64(std::hash<std::string>(s))`, where libstdc++'s
 * `std::hash` is `_Hash_bytes(utf8, len, 0xc70f6907)` (a 64-bit MurmurHash2 variant). Using the very
 * same slot placement makes our hash-map layout — hence serialized item order, merge order and the
 * purge sample for lg_max > 10 — identical to the C++ one, so images are byte-identical.
 *
 * All 64-bit arithmetic is done on (hi, lo) int32 halves: no BigInt, no allocation per call.
 * @internal
 */

import { umulhi } from "../hash/uint64.js";
import { encodeUtf8Into } from "../hash/utf8.js";

/** UTF-8 scratch buffer, reused between calls (grown on demand). */
let scratch = new Uint8Array(256);

/** UTF-8 byte length of the last hashed string, or -1 if it contained a lone surrogate. */
export const utf8Status = new Int32Array(1);

const M_HI = 0xc6a4a793 | 0;
const M_LO = 0x5bd1e995 | 0;
const SEED_LO = 0xc70f6907 | 0;
const C1_HI = 0xff51afd7 | 0;
const C1_LO = 0xed558ccd | 0;
const C2_HI = 0xc4ceb9fe | 0;
const C2_LO = 0x1a85ec53 | 0;

/**
 * Encodes `s` as UTF-8 into the scratch buffer and returns the byte length, or -1 when `s` contains a
 * lone surrogate (such strings have no faithful UTF-8 form: TextEncoder would map distinct strings
 * to the same U+FFFD bytes, producing duplicate items in a serialized image).
 */
function encodeUtf8(s: string): number {
  const n = s.length;
  if (scratch.length < n * 3) scratch = new Uint8Array(Math.max(n * 3, scratch.length * 2));
  return encodeUtf8Into(s, scratch, 0, "reject");
}

/**
 * Low 32 bits of `fmix64(std::hash<std::string>(utf8(s)))` as an int32 bit pattern — enough for any
 * table of up to 2^32 slots. Returns the result for lone-surrogate strings too (hashing the bytes
 * encoded so far is harmless); callers check {@link utf8Status} and reject those strings.
 */
export function libstdcxxSlotHash(s: string): number {
  let len = encodeUtf8(s);
  utf8Status[0] = len;
  if (len < 0) len = 0;
  return libstdcxxSlotHashUtf8(scratch, 0, len);
}

/**
 * Same hash over UTF-8 bytes already at hand (`buf[start .. start + len)`), e.g. an item inside a
 * serialized image: saves decoding-then-re-encoding when deserializing.
 */
export function libstdcxxSlotHashUtf8(buf: Uint8Array, start: number, len: number): number {
  // h = seed ^ (len * mul); len < 2^31 so its high half is 0.
  let hl = SEED_LO ^ Math.imul(len, M_LO);
  let hh = (umulhi(len, M_LO) + Math.imul(len, M_HI)) | 0;
  let kl: number;
  let kh: number;
  let tl: number;
  const end = start + (len & ~7);
  let p = start;
  for (; p < end; p += 8) {
    const wl = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
    const wh = buf[p + 4]! | (buf[p + 5]! << 8) | (buf[p + 6]! << 16) | (buf[p + 7]! << 24);
    // k = w * mul
    kl = Math.imul(wl, M_LO);
    kh = (umulhi(wl, M_LO) + Math.imul(wl, M_HI) + Math.imul(wh, M_LO)) | 0;
    // k = shift_mix(k) = k ^ (k >> 47)
    kl ^= kh >>> 15;
    // k *= mul
    tl = Math.imul(kl, M_LO);
    kh = (umulhi(kl, M_LO) + Math.imul(kl, M_HI) + Math.imul(kh, M_LO)) | 0;
    kl = tl;
    // h ^= k; h *= mul
    hl ^= kl;
    hh ^= kh;
    tl = Math.imul(hl, M_LO);
    hh = (umulhi(hl, M_LO) + Math.imul(hl, M_HI) + Math.imul(hh, M_LO)) | 0;
    hl = tl;
  }
  const rem = len & 7;
  if (rem !== 0) {
    let rl = 0;
    let rh = 0;
    for (let q = rem - 1; q >= 0; q--) {
      // r = (r << 8) | byte, over 64 bits
      rh = (rh << 8) | (rl >>> 24);
      rl = (rl << 8) | buf[p + q]!;
    }
    hl ^= rl;
    hh ^= rh;
    tl = Math.imul(hl, M_LO);
    hh = (umulhi(hl, M_LO) + Math.imul(hl, M_HI) + Math.imul(hh, M_LO)) | 0;
    hl = tl;
  }
  // h = shift_mix(h) * mul; h = shift_mix(h)
  hl ^= hh >>> 15;
  tl = Math.imul(hl, M_LO);
  hh = (umulhi(hl, M_LO) + Math.imul(hl, M_HI) + Math.imul(hh, M_LO)) | 0;
  hl = tl ^ (hh >>> 15);
  // fmix64: k ^= k >> 33; k *= C1; k ^= k >> 33; k *= C2; k ^= k >> 33
  hl ^= hh >>> 1;
  tl = Math.imul(hl, C1_LO);
  hh = (umulhi(hl, C1_LO) + Math.imul(hl, C1_HI) + Math.imul(hh, C1_LO)) | 0;
  hl = tl ^ (hh >>> 1);
  tl = Math.imul(hl, C2_LO);
  hh = (umulhi(hl, C2_LO) + Math.imul(hl, C2_HI) + Math.imul(hh, C2_LO)) | 0;
  hl = tl ^ (hh >>> 1);
  return hl;
}
