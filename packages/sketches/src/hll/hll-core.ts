import { HllMode, HllType } from "./hll-type.js";
import { ByteReader } from "../codec/byte-reader.js";
import { ByteWriter } from "../codec/byte-writer.js";
import { SketchError } from "../errors.js";
import {
  COMPOSITE_X,
  COMPOSITE_Y_STRIDE,
  COUPON_X,
  COUPON_Y,
  EXACT_HARMONIC,
  HIP_LB,
  HIP_UB,
  NON_HIP_LB,
  NON_HIP_UB,
} from "./hll-tables.js";

// Internal engine of HllSketch / HllUnion, mirroring datasketches-cpp 5.3.x (CouponList, CouponHashSet,
// Hll{4,6,8}Array, AuxHashMap, HllUnion). Not part of the public API.
//
// Representation choice: in HLL mode every target type keeps the *actual* register values in one
// Uint8Array (one byte per slot). This is logically identical to upstream because
//  * HLL_6 registers never exceed 63 and HLL_8 is already one byte per slot;
//  * an HLL_4 register's true value is always >= cur_min, and upstream stores nibble = value - cur_min,
//    or AUX_TOKEN (15) iff value - cur_min >= 15, with the value in the aux map.
// The packed HLL_6 array is derived at serialization time. HLL_4 additionally keeps the packed nibble
// array (updated with each register change, repacked lazily after a cur_min shift) so serializing it is a
// copy, and a decoded HLL_4 builds its byte registers only when something needs them. cur_min,
// num_at_cur_min and the aux hash map (whose slot layout decides the serialized entry order) are
// emulated exactly.

// Short names for the numbers stored in the mode byte (bits 0-1 mode, bits 2-3 type); the public
// HllMode/HllType objects are the single definition.
const MODE_LIST = HllMode.LIST;
const MODE_SET = HllMode.SET;
export const MODE_HLL = HllMode.HLL;
const TYPE_HLL_4 = HllType.HLL_4;
const TYPE_HLL_6 = HllType.HLL_6;
export const TYPE_HLL_8 = HllType.HLL_8;

/** Smallest supported lgK. */
export const MIN_LG_K = 4;
/** Largest supported lgK. */
export const MAX_LG_K = 21;
const SER_VER = 1;
const FAMILY_ID = 7;
const FLAG_BIG_ENDIAN = 0x01;
const FLAG_EMPTY = 0x04;
const FLAG_COMPACT = 0x08;
const FLAG_OUT_OF_ORDER = 0x10;
const FLAG_FULL_SIZE = 0x20;
const PREINTS_LIST = 2;
const PREINTS_SET = 3;
const PREINTS_HLL = 10;
const LG_INIT_LIST_SIZE = 3;
const LG_INIT_SET_SIZE = 5;
const KEY_MASK_26 = 0x3ffffff;
const AUX_TOKEN = 15;
const HLL_BYTE_ARR_START = 40;
const LIST_INT_ARR_START = 8;
const HASH_SET_INT_ARR_START = 12;
const HLL_HIP_RSE_FACTOR = 0.8325546;
const HLL_NON_HIP_RSE_FACTOR = 1.03896;
const COUPON_RSE = 0.409 / (1 << 13);
// Nearest double to the C++ literal 0.577215664901532860606512090082.
const EULER_MASCHERONI = 0.5772156649015329;

/** log2 of the initial aux hash map size, by lgK (`LG_AUX_ARR_INTS` in HllUtil.hpp). */
const LG_AUX_ARR_INTS: readonly number[] = [
  0, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
];

/** 2^-i for i in 0..63; exact, so kxq arithmetic matches the C++ table lookups bit for bit. */
const INV_POW2 = new Float64Array(64);
for (let i = 0; i < 64; i++) INV_POW2[i] = Math.pow(2, -i);

const EMPTY_I32 = new Int32Array(0);
const EMPTY_U8 = new Uint8Array(0);

/** Serialized size of the register array for a type. */
function hllArrBytes(tgt: number, lgK: number): number {
  if (tgt === TYPE_HLL_4) return 1 << (lgK - 1);
  if (tgt === TYPE_HLL_6) return ((3 << lgK) >>> 2) + 1;
  return 1 << lgK;
}

/** Open-addressing probe of the coupon hash set: index if present, else ~(empty slot). */
function findCoupon(arr: Int32Array, lgArr: number, coupon: number): number {
  const mask = (1 << lgArr) - 1;
  let probe = coupon & mask;
  const start = probe;
  const stride = ((coupon & KEY_MASK_26) >>> lgArr) | 1;
  do {
    const v = arr[probe]!;
    if (v === 0) return ~probe;
    if (v === coupon) return probe;
    probe = (probe + stride) & mask;
  } while (probe !== start);
  // Unreachable for sketches we build (load factor <= 3/4); decoders validate counts first.
  throw new SketchError("corrupt", "hll: coupon hash set is full");
}

/** Probe of the HLL_4 aux map keyed by slot: index if present, else ~(empty slot). */
function findAux(arr: Int32Array, lgArr: number, kMask: number, slot: number): number {
  const mask = (1 << lgArr) - 1;
  let probe = slot & mask;
  const start = probe;
  const stride = (slot >>> lgArr) | 1;
  do {
    const e = arr[probe]!;
    if (e === 0) return ~probe;
    if ((e & kMask) === slot) return probe;
    probe = (probe + stride) & mask;
  } while (probe !== start);
  throw new SketchError("corrupt", "hll: aux hash map is full");
}

/** 4-point Lagrange interpolation, term by term in upstream order (bit-exact with CubicInterpolation). */
function cubicInterpolate(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  x3: number,
  y3: number,
  x: number,
): number {
  const l0n = (x - x1) * (x - x2) * (x - x3);
  const l1n = (x - x0) * (x - x2) * (x - x3);
  const l2n = (x - x0) * (x - x1) * (x - x3);
  const l3n = (x - x0) * (x - x1) * (x - x2);
  const l0d = (x0 - x1) * (x0 - x2) * (x0 - x3);
  const l1d = (x1 - x0) * (x1 - x2) * (x1 - x3);
  const l2d = (x2 - x0) * (x2 - x1) * (x2 - x3);
  const l3d = (x3 - x0) * (x3 - x1) * (x3 - x2);
  const t0 = (y0 * l0n) / l0d;
  const t1 = (y1 * l1n) / l1d;
  const t2 = (y2 * l2n) / l2d;
  const t3 = (y3 * l3n) / l3d;
  return t0 + t1 + t2 + t3;
}

/** j with x[j] <= v < x[j+1] (caller guarantees x[0] <= v < x[last]). Terminates even for NaN. */
function findStraddle(x: Float64Array, v: number): number {
  let l = 0;
  let r = x.length - 1;
  while (l + 1 < r) {
    const m = l + ((r - l) >> 1);
    if (x[m]! <= v) l = m;
    else r = m;
  }
  return l;
}

function couponCubic(v: number): number {
  const len = COUPON_X.length;
  if (v === COUPON_X[len - 1]) return COUPON_Y[len - 1]!;
  let o = findStraddle(COUPON_X, v);
  if (o === len - 2) o -= 2;
  else if (o !== 0) o -= 1;
  return cubicInterpolate(
    COUPON_X[o]!,
    COUPON_Y[o]!,
    COUPON_X[o + 1]!,
    COUPON_Y[o + 1]!,
    COUPON_X[o + 2]!,
    COUPON_Y[o + 2]!,
    COUPON_X[o + 3]!,
    COUPON_Y[o + 3]!,
    v,
  );
}

function strideCubic(x: Float64Array, ys: number, v: number): number {
  const lenM1 = x.length - 1;
  if (v === x[lenM1]) return ys * lenM1;
  let o = findStraddle(x, v);
  if (o === lenM1 - 1) o -= 2;
  else if (o !== 0) o -= 1;
  return cubicInterpolate(
    x[o]!,
    ys * o,
    x[o + 1]!,
    ys * (o + 1),
    x[o + 2]!,
    ys * (o + 2),
    x[o + 3]!,
    ys * (o + 3),
    v,
  );
}

function harmonic(n: number): number {
  if (n < 25) return EXACT_HARMONIC[n]!;
  const x = n;
  const invSq = 1.0 / (x * x);
  let sum = Math.log(x) + EULER_MASCHERONI + 1.0 / (2.0 * x);
  let pow = invSq;
  sum -= pow * (1.0 / 12.0);
  pow *= invSq;
  sum += pow * (1.0 / 120.0);
  pow *= invSq;
  sum -= pow * (1.0 / 252.0);
  pow *= invSq;
  sum += pow * (1.0 / 240.0);
  return sum;
}

function relErr(upper: boolean, ooo: boolean, lgK: number, sd: number): number {
  if (lgK > 12) {
    const rse = ooo ? HLL_NON_HIP_RSE_FACTOR : HLL_HIP_RSE_FACTOR;
    return ((upper ? -1 : 1) * (sd * rse)) / Math.sqrt(1 << lgK);
  }
  const idx = (lgK - 4) * 3 + (sd - 1);
  const table = ooo ? (upper ? NON_HIP_UB : NON_HIP_LB) : upper ? HIP_UB : HIP_LB;
  return table[idx]!;
}

/** Throws unless `sd` is 1, 2 or 3. */
export function checkNumStdDev(sd: unknown): asserts sd is 1 | 2 | 3 {
  if (sd !== 1 && sd !== 2 && sd !== 3) {
    throw new SketchError("invalid-argument", `hll: numStdDev must be 1, 2 or 3, got ${String(sd)}`);
  }
}

/** `max(LG_INIT, log2(ceilPow2(count)) (+1 if 4*count > 3*ceilPow2))` (HllUtil::computeLgArrInts). */
function computeLgArrInts(count: number, floor: number): number {
  let lg = 0;
  while (1 << lg < count) lg++;
  if (4 * count > 3 * (1 << lg)) lg++;
  return Math.max(floor, lg);
}

/** Mutable state of one HLL sketch (any mode) or of a union gadget. */
export class HllCore {
  lgK: number;
  k: number;
  kMask: number;
  tgt: number;
  mode: number;
  /** Start-full-size flag (0x20): never set by this library, carried through from decoded images. */
  fullSize: boolean;
  ooo: boolean;

  // LIST / SET
  coupons: Int32Array;
  lgArr: number;
  count: number;

  // HLL
  regs: Uint8Array;
  /**
   * HLL_4 only: the serialized nibble array (value - cur_min, or AUX_TOKEN), kept in step with `regs`
   * on every register change so that serializing is a copy, as upstream's packed array is. Built
   * sketches share one ArrayBuffer with `regs` (one allocation instead of two); decoded ones share it
   * with the initial aux table.
   */
  nibbles: Uint8Array;
  /**
   * HLL_4: `nibbles` needs a full repack (after a cur_min shift changed every stored nibble). Deferred to
   * the next serialization because conversions and unions can shift several times in a row.
   */
  nibblesStale: boolean;
  /**
   * HLL_4 read from an image: `regs` is not built yet (estimates need only cur_min, num_at_cur_min,
   * hip and kxq, so a decode → query/re-serialize never pays for it); ensureRegs() builds it from
   * `nibbles` and the aux map before anything reads registers.
   */
  regsPending: boolean;
  curMin: number;
  numAtCurMin: number;
  hip: number;
  kxq0: number;
  kxq1: number;
  /** Union gadget only: registers were merged without maintaining kxq/cur_min. */
  rebuild: boolean;
  aux: Int32Array;
  auxLg: number;
  auxCount: number;

  constructor(lgK: number, tgt: number) {
    this.lgK = lgK;
    this.k = 1 << lgK;
    this.kMask = this.k - 1;
    this.tgt = tgt;
    this.mode = MODE_LIST;
    this.fullSize = false;
    this.ooo = false;
    this.coupons = new Int32Array(1 << LG_INIT_LIST_SIZE);
    this.lgArr = LG_INIT_LIST_SIZE;
    this.count = 0;
    this.regs = EMPTY_U8;
    this.nibbles = EMPTY_U8;
    this.nibblesStale = false;
    this.regsPending = false;
    this.curMin = 0;
    this.numAtCurMin = 0;
    this.hip = 0;
    this.kxq0 = 0;
    this.kxq1 = 0;
    this.rebuild = false;
    this.aux = EMPTY_I32;
    this.auxLg = 0;
    this.auxCount = 0;
  }

  /** Fresh zeroed registers (and HLL_4 nibbles) for this sketch's type, in one allocation. */
  private allocRegs(): void {
    const k = this.k;
    this.nibblesStale = false;
    this.regsPending = false;
    if (this.tgt === TYPE_HLL_4) {
      const buf = new ArrayBuffer(k + (k >>> 1));
      this.regs = new Uint8Array(buf, 0, k);
      this.nibbles = new Uint8Array(buf, k, k >>> 1);
    } else {
      this.regs = new Uint8Array(k);
      this.nibbles = EMPTY_U8;
    }
  }

  /**
   * Switches to an empty HLL register array (fresh upstream HllArray defaults). A decoder passes
   * `keepRegs` after filling the arrays from allocRegs itself, so they are not allocated twice.
   */
  initHll(keepRegs = false): void {
    this.mode = MODE_HLL;
    this.coupons = EMPTY_I32;
    this.lgArr = 0;
    this.count = 0;
    if (!keepRegs) this.allocRegs();
    this.curMin = 0;
    this.numAtCurMin = this.k;
    this.hip = 0;
    this.kxq0 = this.k;
    this.kxq1 = 0;
    this.ooo = false;
    this.rebuild = false;
    this.aux = EMPTY_I32;
    this.auxLg = 0;
    this.auxCount = 0;
  }

  couponUpdate(coupon: number): void {
    if (this.mode === MODE_HLL) this.hllUpdate(coupon);
    else if (this.mode === MODE_LIST) this.listUpdate(coupon);
    else this.setUpdate(coupon);
  }

  // ---------------------------------------------------------------- LIST / SET

  private listUpdate(coupon: number): void {
    const arr = this.coupons;
    for (let i = 0; i < 8; i++) {
      const c = arr[i]!;
      if (c === 0) {
        arr[i] = coupon;
        if (++this.count === 8) {
          if (this.lgK < 8) this.promoteToHll();
          else this.promoteListToSet();
        }
        return;
      }
      if (c === coupon) return;
    }
  }

  private setUpdate(coupon: number): void {
    if (this.setInsert(coupon) && 4 * this.count > 3 << this.lgArr) this.promoteToHll();
  }

  /**
   * CouponHashSet::couponUpdate up to (not including) promotion: inserts and grows while the table is
   * below 2^(lgK-3). Returns false for a duplicate. If it returns true with the table over 3/4 full,
   * the caller must promote.
   */
  private setInsert(coupon: number): boolean {
    const idx = findCoupon(this.coupons, this.lgArr, coupon);
    if (idx >= 0) return false;
    this.coupons[~idx] = coupon;
    this.count++;
    if (4 * this.count > 3 << this.lgArr && this.lgArr !== this.lgK - 3) this.growSet(this.lgArr + 1);
    return true;
  }

  private growSet(newLg: number): void {
    const old = this.coupons;
    const arr = new Int32Array(1 << newLg);
    for (let i = 0; i < old.length; i++) {
      const c = old[i]!;
      if (c !== 0) arr[~findCoupon(arr, newLg, c)] = c;
    }
    this.coupons = arr;
    this.lgArr = newLg;
  }

  private promoteListToSet(): void {
    const list = this.coupons;
    this.mode = MODE_SET;
    this.coupons = new Int32Array(1 << LG_INIT_SET_SIZE);
    this.lgArr = LG_INIT_SET_SIZE;
    this.count = 0;
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c !== 0) this.setUpdate(c);
    }
  }

  /** LIST/SET → HLL: replay coupons in array order, then hip = coupon estimate (upstream factory). */
  private promoteToHll(): void {
    const src = this.coupons;
    const est = this.couponEstimate();
    this.initHll();
    for (let i = 0; i < src.length; i++) {
      const c = src[i]!;
      if (c !== 0) this.hllUpdate(c);
    }
    this.hip = est;
    this.ooo = false;
  }

  // ---------------------------------------------------------------- HLL

  /** Builds the deferred HLL_4 registers of a decoded sketch (see regsPending). */
  ensureRegs(): void {
    if (!this.regsPending) return;
    const regs = new Uint8Array(this.k);
    unpackHll4(this.nibbles, this.curMin, regs);
    const aux = this.aux;
    for (let i = 0; i < aux.length; i++) {
      const e = aux[i]!;
      if (e !== 0) regs[e & this.kMask] = e >>> 26;
    }
    this.regs = regs;
    this.regsPending = false;
  }

  hllUpdate(coupon: number): void {
    if (this.regsPending) this.ensureRegs();
    const slot = coupon & this.kMask;
    const nv = coupon >>> 26;
    const regs = this.regs;
    const old = regs[slot]!;
    if (nv <= old) return;
    // HIP before kxq; subtract the old term first, then add the new one (upstream order).
    if (!this.ooo) this.hip += this.k / (this.kxq0 + this.kxq1);
    if (old < 32) this.kxq0 -= INV_POW2[old]!;
    else this.kxq1 -= INV_POW2[old]!;
    if (nv < 32) this.kxq0 += INV_POW2[nv]!;
    else this.kxq1 += INV_POW2[nv]!;
    regs[slot] = nv;
    if (this.tgt !== TYPE_HLL_4) {
      // HLL_6/HLL_8 interpret num_at_cur_min as the number of zero registers.
      if (old === 0) this.numAtCurMin--;
    } else {
      this.hll4Bookkeeping(slot, old, nv);
    }
  }

  /** Aux-map and cur_min maintenance of Hll4Array::internalHll4Update (register already updated). */
  private hll4Bookkeeping(slot: number, old: number, nv: number): void {
    const cm = this.curMin;
    const d = nv - cm;
    const nib = d >= AUX_TOKEN ? AUX_TOKEN : d;
    if (!this.nibblesStale) {
      const b = slot >>> 1;
      const sh = (slot & 1) << 2;
      this.nibbles[b] = (this.nibbles[b]! & (0xf0 >>> sh)) | (nib << sh);
    }
    if (old - cm >= AUX_TOKEN) {
      this.auxReplace(slot, nv);
    } else if (nv - cm >= AUX_TOKEN) {
      if (this.auxLg === 0) this.auxReset(LG_AUX_ARR_INTS[this.lgK]!);
      this.auxAdd(slot, nv);
    }
    if (old === cm) {
      this.numAtCurMin--;
      while (this.numAtCurMin === 0) this.shiftToBiggerCurMin();
    }
  }

  private shiftToBiggerCurMin(): void {
    const newCm = this.curMin + 1;
    const regs = this.regs;
    const n = countEqual(regs, newCm);
    const oldAux = this.aux;
    this.aux = EMPTY_I32;
    this.auxLg = 0;
    this.auxCount = 0;
    for (let i = 0; i < oldAux.length; i++) {
      const e = oldAux[i]!;
      if (e === 0) continue;
      const value = e >>> 26;
      if (value - newCm >= AUX_TOKEN) {
        if (this.auxLg === 0) this.auxReset(LG_AUX_ARR_INTS[this.lgK]!);
        this.auxAdd(e & this.kMask, value);
      }
    }
    this.curMin = newCm;
    this.numAtCurMin = n;
    this.nibblesStale = true;
  }

  private auxReset(lg: number): void {
    this.aux = new Int32Array(1 << lg);
    this.auxLg = lg;
    this.auxCount = 0;
  }

  /** AuxHashMap::mustAdd; returns false if the slot is already present. */
  auxAdd(slot: number, value: number): boolean {
    const idx = findAux(this.aux, this.auxLg, this.kMask, slot);
    if (idx >= 0) return false;
    this.aux[~idx] = (value << 26) | slot;
    this.auxCount++;
    if (4 * this.auxCount > 3 << this.auxLg) {
      const old = this.aux;
      const lg = this.auxLg + 1;
      const arr = new Int32Array(1 << lg);
      for (let i = 0; i < old.length; i++) {
        const e = old[i]!;
        if (e !== 0) arr[~findAux(arr, lg, this.kMask, e & this.kMask)] = e;
      }
      this.aux = arr;
      this.auxLg = lg;
    }
    return true;
  }

  private auxReplace(slot: number, value: number): void {
    const idx = findAux(this.aux, this.auxLg, this.kMask, slot);
    if (idx < 0) throw new SketchError("corrupt", `hll: aux entry for slot ${slot} missing`);
    this.aux[idx] = (value << 26) | slot;
  }

  /** Hll8Array::mergeHll: per-slot max folding `src` (lgK >= this.lgK) onto this HLL_8 array. */
  mergeHll(src: HllCore): void {
    src.ensureRegs();
    const dst = this.regs;
    const s = src.regs;
    const mask = this.kMask;
    for (let i = 0; i < s.length; i++) {
      const v = s[i]!;
      const j = i & mask;
      if (v > dst[j]!) dst[j] = v;
    }
    this.rebuild = true;
  }

  /** HllArray::check_rebuild_kxq_cur_min (union gadgets). */
  checkRebuild(): void {
    if (!this.rebuild) return;
    this.ensureRegs();
    let cm = 64;
    let n = 0;
    let kxq0 = this.k;
    let kxq1 = 0;
    const regs = this.regs;
    for (let i = 0; i < regs.length; i++) {
      const v = regs[i]!;
      if (v > 0) {
        if (v < 32) kxq0 += INV_POW2[v]! - 1.0;
        else kxq1 += INV_POW2[v]! - 1.0;
      }
      if (v > cm) continue;
      if (v < cm) {
        cm = v;
        n = 1;
      } else {
        n++;
      }
    }
    this.kxq0 = kxq0;
    this.kxq1 = kxq1;
    this.curMin = cm;
    this.numAtCurMin = n;
    this.rebuild = false;
  }

  // ---------------------------------------------------------------- queries

  isEmpty(): boolean {
    if (this.mode !== MODE_HLL) return this.count === 0;
    if (this.rebuild) return false;
    return this.curMin === 0 && this.numAtCurMin === this.k;
  }

  couponEstimate(): number {
    const est = couponCubic(this.count);
    return Math.max(est, this.count);
  }

  getEstimate(): number {
    if (this.mode !== MODE_HLL) return this.couponEstimate();
    return this.ooo ? this.getCompositeEstimate() : this.hip;
  }

  getCompositeEstimate(): number {
    if (this.mode !== MODE_HLL) return this.couponEstimate();
    const lgK = this.lgK;
    const k = this.k;
    let c: number;
    if (lgK === 4) c = 0.673;
    else if (lgK === 5) c = 0.697;
    else if (lgK === 6) c = 0.709;
    else c = 0.7213 / (1.0 + 1.079 / k);
    const raw = (c * k * k) / (this.kxq0 + this.kxq1);
    const x = COMPOSITE_X[lgK - 4]!;
    const ys = COMPOSITE_Y_STRIDE[lgK]!;
    const lenM1 = x.length - 1;
    if (raw < x[0]!) return 0;
    if (raw > x[lenM1]!) return raw * ((ys * lenM1) / x[lenM1]!);
    if (!(raw >= x[0]!)) return raw; // NaN (only from a corrupt image): no table lookup
    const adj = strideCubic(x, ys, raw);
    if (adj > 3 * k) return adj;
    const lin = this.bitmapEstimate();
    const avg = (adj + lin) / 2.0;
    let cross = 0.64;
    if (lgK === 4) cross = 0.718;
    else if (lgK === 5) cross = 0.672;
    return avg > cross * k ? adj : lin;
  }

  private bitmapEstimate(): number {
    const k = this.k;
    const unhit = this.curMin === 0 ? this.numAtCurMin : 0;
    if (unhit === 0) return k * Math.log(k / 0.5);
    const hit = k - unhit;
    return k * (harmonic(k) - harmonic(k - hit));
  }

  getLowerBound(sd: number): number {
    if (this.mode !== MODE_HLL) {
      const est = couponCubic(this.count);
      return Math.max(est / (1.0 + sd * COUPON_RSE), this.count);
    }
    const nonZeros = this.curMin === 0 ? this.k - this.numAtCurMin : this.k;
    return Math.max(this.getEstimate() / (1.0 + relErr(false, this.ooo, this.lgK, sd)), nonZeros);
  }

  getUpperBound(sd: number): number {
    if (this.mode !== MODE_HLL) {
      const est = couponCubic(this.count);
      return Math.max(est / (1.0 - sd * COUPON_RSE), this.count);
    }
    return this.getEstimate() / (1.0 + relErr(true, this.ooo, this.lgK, sd));
  }

  // ---------------------------------------------------------------- copies

  copy(): HllCore {
    const c = new HllCore(this.lgK, this.tgt);
    c.mode = this.mode;
    c.fullSize = this.fullSize;
    c.ooo = this.ooo;
    c.coupons = this.coupons.length === 0 ? EMPTY_I32 : this.coupons.slice();
    c.lgArr = this.lgArr;
    c.count = this.count;
    this.ensureRegs();
    if (this.regs.length !== 0) {
      c.allocRegs();
      c.regs.set(this.regs);
      c.nibbles.set(this.nibbles);
      c.nibblesStale = this.nibblesStale;
    }
    c.curMin = this.curMin;
    c.numAtCurMin = this.numAtCurMin;
    c.hip = this.hip;
    c.kxq0 = this.kxq0;
    c.kxq1 = this.kxq1;
    c.rebuild = this.rebuild;
    c.aux = this.aux.length === 0 ? EMPTY_I32 : this.aux.slice();
    c.auxLg = this.auxLg;
    c.auxCount = this.auxCount;
    return c;
  }

  /**
   * Upstream copyAs: coupon modes and same-type arrays without a pending rebuild are plain copies;
   * otherwise a fresh array of `tgt` replays every non-zero register in slot order (so kxq0 and the
   * HLL_4 cur_min/aux state come out exactly as the C++ conversion produces them), then takes hip and
   * the out-of-order flag from the source.
   */
  copyAs(tgt: number): HllCore {
    if (this.mode !== MODE_HLL || (tgt === this.tgt && !this.rebuild)) {
      const c = this.copy();
      c.tgt = tgt;
      return c;
    }
    this.ensureRegs();
    const c = new HllCore(this.lgK, tgt);
    c.initHll();
    c.fullSize = this.fullSize;
    // The replay's HIP increments are discarded (hip is taken from the source below), so skip the
    // per-register division; kxq/cur_min/aux do not depend on the flag.
    c.ooo = true;
    const regs = this.regs;
    for (let i = 0; i < regs.length; i++) {
      const v = regs[i]!;
      if (v !== 0) c.hllUpdate((v << 26) | i);
    }
    c.hip = this.hip;
    c.ooo = this.ooo;
    return c;
  }

  // ---------------------------------------------------------------- serialization

  private flagsByte(compact: boolean): number {
    return (
      (this.isEmpty() ? FLAG_EMPTY : 0) |
      (compact ? FLAG_COMPACT : 0) |
      (this.ooo ? FLAG_OUT_OF_ORDER : 0) |
      (this.fullSize ? FLAG_FULL_SIZE : 0)
    );
  }

  serialize(compact: boolean): Uint8Array {
    if (this.mode !== MODE_HLL) return this.serializeCoupons(compact);
    const arrBytes = hllArrBytes(this.tgt, this.lgK);
    const isHll4 = this.tgt === TYPE_HLL_4;
    const hasAux = isHll4 && this.auxCount > 0;
    let auxBytes = 0;
    if (isHll4) {
      if (compact) auxBytes = 4 * this.auxCount;
      else auxBytes = 4 << (hasAux ? this.auxLg : LG_AUX_ARR_INTS[this.lgK]!);
    }
    const w = new ByteWriter(HLL_BYTE_ARR_START + arrBytes + auxBytes);
    w.u8(PREINTS_HLL);
    w.u8(SER_VER);
    w.u8(FAMILY_ID);
    w.u8(this.lgK);
    w.u8(hasAux ? this.auxLg : 0);
    w.u8(this.flagsByte(compact));
    w.u8(this.curMin);
    w.u8((this.tgt << 2) | MODE_HLL);
    w.f64(this.hip);
    w.f64(this.kxq0);
    w.f64(this.kxq1);
    w.u32(this.numAtCurMin);
    w.u32(hasAux ? this.auxCount : 0);
    const out = w.bytes;
    const base = HLL_BYTE_ARR_START;
    const regs = this.regs;
    if (this.tgt === TYPE_HLL_8) out.set(regs, base);
    else if (this.tgt === TYPE_HLL_6) packHll6(regs, out, base);
    else {
      if (this.nibblesStale) {
        packHll4(regs, this.curMin, this.nibbles, 0);
        this.nibblesStale = false;
      }
      out.set(this.nibbles, base);
      if (hasAux) {
        let p = base + arrBytes;
        const view = w.view;
        if (compact) {
          for (let i = 0; i < this.aux.length; i++) {
            const e = this.aux[i]!;
            if (e !== 0) {
              view.setInt32(p, e, true);
              p += 4;
            }
          }
        } else {
          for (let i = 0; i < this.aux.length; i++, p += 4) view.setInt32(p, this.aux[i]!, true);
        }
      }
    }
    return out;
  }

  private serializeCoupons(compact: boolean): Uint8Array {
    const isList = this.mode === MODE_LIST;
    const start = isList ? LIST_INT_ARR_START : HASH_SET_INT_ARR_START;
    const n = compact ? this.count : 1 << this.lgArr;
    const w = new ByteWriter(start + 4 * n);
    w.u8(isList ? PREINTS_LIST : PREINTS_SET);
    w.u8(SER_VER);
    w.u8(FAMILY_ID);
    w.u8(this.lgK);
    w.u8(this.lgArr);
    w.u8(this.flagsByte(compact));
    w.u8(isList ? this.count : 0);
    w.u8((this.tgt << 2) | this.mode);
    if (!isList) w.u32(this.count);
    const arr = this.coupons;
    for (let i = 0; i < arr.length; i++) {
      const c = arr[i]!;
      if (compact && c === 0) continue;
      w.i32(c);
    }
    return w.bytes;
  }

  // ---------------------------------------------------------------- deserialization

  static deserialize(bytes: Uint8Array): HllCore {
    const r = new ByteReader(bytes, "hll");
    const preInts = r.u8("preamble_ints");
    const serVer = r.u8("serial_version");
    const family = r.u8("family_id");
    if (family !== FAMILY_ID) {
      throw new SketchError("wrong-family", `hll: family_id is ${family}, expected ${FAMILY_ID} (HLL)`, 2);
    }
    if (serVer !== SER_VER) {
      throw new SketchError("bad-preamble", `hll: serial_version is ${serVer}, expected ${SER_VER}`, 1);
    }
    const lgK = r.u8("lg_k");
    const lgArrByte = r.u8("lg_arr");
    const flags = r.u8("flags");
    const byte6 = r.u8("list_count/cur_min");
    const modeByte = r.u8("mode");
    if (lgK < MIN_LG_K || lgK > MAX_LG_K) {
      throw new SketchError("corrupt", `hll: lg_k ${lgK} outside ${MIN_LG_K}..${MAX_LG_K}`, 3);
    }
    if ((flags & FLAG_BIG_ENDIAN) !== 0) {
      throw new SketchError("bad-preamble", "hll: big-endian images are not supported (flags bit 0)", 5);
    }
    const mode = modeByte & 3;
    const tgt = (modeByte >>> 2) & 3;
    if (mode === 3 || tgt === 3 || modeByte > 0x0f) {
      throw new SketchError("corrupt", `hll: invalid mode byte 0x${modeByte.toString(16)}`, 7);
    }
    const expectedPreInts = mode === MODE_LIST ? PREINTS_LIST : mode === MODE_SET ? PREINTS_SET : PREINTS_HLL;
    if (preInts !== expectedPreInts) {
      throw new SketchError(
        "bad-preamble",
        `hll: preamble_ints is ${preInts}, expected ${expectedPreInts} for mode ${["LIST", "SET", "HLL"][mode]}`,
        0,
      );
    }
    const compact = (flags & FLAG_COMPACT) !== 0;
    const core = new HllCore(lgK, tgt);
    core.fullSize = (flags & FLAG_FULL_SIZE) !== 0;
    if (mode === MODE_HLL) core.readHll(r, flags, byte6, lgArrByte);
    else core.readCoupons(r, mode, compact, flags, byte6, lgArrByte);
    r.expectEnd();
    return core;
  }

  private readCoupons(
    r: ByteReader,
    mode: number,
    compact: boolean,
    flags: number,
    byte6: number,
    lgArrByte: number,
  ): void {
    this.ooo = (flags & FLAG_OUT_OF_ORDER) !== 0;
    let count: number;
    let lgArr: number;
    if (mode === MODE_LIST) {
      count = byte6;
      if (count > 7) throw r.corrupt(`list_count ${count} exceeds 7 (a full list is promoted)`, 6);
      if (lgArrByte > LG_INIT_LIST_SIZE) throw r.corrupt(`lg_arr ${lgArrByte} invalid for LIST mode`, 4);
      lgArr = LG_INIT_LIST_SIZE;
    } else {
      if (this.lgK < 8) throw r.corrupt(`SET mode requires lg_k >= 8, got ${this.lgK}`, 3);
      if (byte6 !== 0) throw r.corrupt(`byte 6 must be 0 in SET mode, got ${byte6}`, 6);
      count = r.u32("coupon_count");
      // Bound the count by what the image can hold before using it for anything.
      const maxCount = (r.length - HASH_SET_INT_ARR_START) >>> 2;
      if (count > maxCount) {
        throw new SketchError(
          "truncated",
          `hll: coupon_count ${count} needs ${HASH_SET_INT_ARR_START + 4 * count} bytes, image has ${r.length}`,
          8,
        );
      }
      lgArr = lgArrByte < LG_INIT_SET_SIZE ? computeLgArrInts(count, LG_INIT_SET_SIZE) : lgArrByte;
      if (lgArr > this.lgK - 3) throw r.corrupt(`lg_arr ${lgArr} exceeds lg_k - 3 for SET mode`, 4);
      if (4 * count > 3 << lgArr) throw r.corrupt(`coupon_count ${count} overfills a 2^${lgArr} hash set`, 8);
      // A set only grows past 2^5 when it is more than 3/4 full, so a larger table with few coupons is
      // corrupt; this also bounds the allocation below by the image length.
      if (lgArr > LG_INIT_SET_SIZE && 8 * count <= 3 << lgArr) {
        throw r.corrupt(`lg_arr ${lgArr} is too large for coupon_count ${count}`, 4);
      }
    }
    if ((flags & FLAG_EMPTY) !== 0 && count !== 0) throw r.corrupt(`EMPTY flag set with ${count} coupons`, 5);
    this.mode = mode;
    this.count = 0;
    const nInImage = compact ? count : 1 << lgArr;
    r.need(4 * nInImage, "coupons");
    if (mode === MODE_SET && compact) {
      // Upstream (CouponHashSet::newSet) rebuilds a compact set by updating a fresh 2^5 table one coupon
      // at a time, growing it exactly as during updates; the growth re-inserts in index order, so the
      // final layout (and the re-serialized coupon order) depends on that history, not just on lgArr.
      // The header checks above already guarantee the replay ends at lgArr without promoting.
      this.ooo = false; // upstream never reads the flag for SET images
      this.lgArr = LG_INIT_SET_SIZE;
      this.coupons = new Int32Array(1 << LG_INIT_SET_SIZE);
      for (let i = 0; i < count; i++) {
        const off = r.offset;
        const c = r.i32("coupon");
        checkCoupon(r, c, off);
        if (!this.setInsert(c)) throw r.corrupt("duplicate coupon in SET", off);
      }
      return;
    }
    this.lgArr = lgArr;
    const arr = new Int32Array(1 << lgArr);
    this.coupons = arr;
    if (mode === MODE_LIST) {
      for (let i = 0; i < nInImage; i++) {
        const off = r.offset;
        const c = r.i32("coupon");
        if (i >= count) {
          if (c !== 0) throw r.corrupt(`unused LIST slot ${i} holds a coupon`, off);
          continue;
        }
        checkCoupon(r, c, off);
        for (let j = 0; j < i; j++) if (arr[j] === c) throw r.corrupt("duplicate coupon in LIST", off);
        arr[i] = c;
      }
      this.count = count;
      return;
    }
    this.ooo = false; // upstream never reads the flag for SET images
    // Updatable SET: the table is taken verbatim, so every entry must be where a probe finds it.
    let seen = 0;
    for (let i = 0; i < arr.length; i++) {
      const off = r.offset;
      const c = r.i32("coupon");
      if (c === 0) continue;
      checkCoupon(r, c, off);
      arr[i] = c;
      seen++;
    }
    if (seen !== count) throw r.corrupt(`coupon_count ${count} but the hash set holds ${seen} coupons`, 8);
    for (let i = 0; i < arr.length; i++) {
      const c = arr[i]!;
      if (c !== 0 && findCoupon(arr, lgArr, c) !== i) {
        throw r.corrupt(
          `coupon at hash set index ${i} is misplaced or duplicated`,
          HASH_SET_INT_ARR_START + 4 * i,
        );
      }
    }
    this.count = count;
  }

  private readHll(r: ByteReader, flags: number, curMin: number, lgArrByte: number): void {
    const lgK = this.lgK;
    const k = this.k;
    const tgt = this.tgt;
    const compact = (flags & FLAG_COMPACT) !== 0;
    const hip = r.f64("hip_accum");
    const kxq0 = r.f64("kxq0");
    const kxq1 = r.f64("kxq1");
    const numAtCurMin = r.u32("num_at_cur_min");
    const auxCount = r.u32("aux_count");
    const ooo = (flags & FLAG_OUT_OF_ORDER) !== 0;
    if (!ooo && !(Number.isFinite(hip) && hip >= 0))
      throw r.corrupt(`hip_accum ${hip} is not a finite non-negative number`, 8);
    if (!(Number.isFinite(kxq0) && kxq0 >= 0 && kxq0 <= k))
      throw r.corrupt(`kxq0 ${kxq0} outside [0, K]`, 16);
    if (!(Number.isFinite(kxq1) && kxq1 >= 0 && kxq1 <= k))
      throw r.corrupt(`kxq1 ${kxq1} outside [0, K]`, 24);
    if (numAtCurMin > k) throw r.corrupt(`num_at_cur_min ${numAtCurMin} exceeds K = ${k}`, 32);
    if (curMin > 63) throw r.corrupt(`cur_min ${curMin} exceeds 63`, 6);
    if (tgt !== TYPE_HLL_4 && auxCount !== 0)
      throw r.corrupt(`aux_count ${auxCount} on a non-HLL_4 sketch`, 36);
    if (tgt === TYPE_HLL_4 && auxCount > k) throw r.corrupt(`aux_count ${auxCount} exceeds K = ${k}`, 36);
    const arrBytes = hllArrBytes(tgt, lgK);
    let auxBytes = 0;
    let auxLg = 0;
    if (tgt === TYPE_HLL_4) {
      if (compact) {
        auxBytes = 4 * auxCount;
        if (auxCount > 0) auxLg = computeLgArrInts(auxCount, LG_AUX_ARR_INTS[lgK]!);
      } else if (auxCount > 0) {
        auxLg = lgArrByte;
        if (auxLg < LG_AUX_ARR_INTS[lgK]! || auxLg > lgK) {
          throw r.corrupt(`lg_arr ${auxLg} invalid for an HLL_4 aux table with lg_k ${lgK}`, 4);
        }
        if (4 * auxCount > 3 << auxLg)
          throw r.corrupt(`aux_count ${auxCount} overfills a 2^${auxLg} aux table`, 36);
        auxBytes = 4 << auxLg;
      } else {
        auxBytes = 4 << LG_AUX_ARR_INTS[lgK]!;
      }
    }
    r.need(arrBytes + auxBytes, compact ? "register array and aux entries" : "register array and aux table");
    const src = r.slice(arrBytes, "registers");
    // HLL_4 keeps its nibbles and defers the registers (regsPending); the others decode them now.
    if (tgt === TYPE_HLL_4) {
      // One allocation for the nibbles and the initial aux table (ArrayBuffer allocations dominate a
      // decode); the aux map moves to its own array if it ever grows.
      const buf = new ArrayBuffer(arrBytes + (auxCount > 0 ? 4 << auxLg : 0));
      this.regs = EMPTY_U8;
      this.nibbles = new Uint8Array(buf, 0, arrBytes);
      this.nibbles.set(src);
    } else {
      this.allocRegs();
    }
    const regs = this.regs;
    // Registers at cur_min: exact for HLL_4 (zero nibbles; aux values are >= cur_min + 15) and for
    // HLL_6/8 with cur_min 0 (zero registers); -1 where only the slow check below applies.
    let atMin = -1;
    let auxTokens = 0;
    if (tgt === TYPE_HLL_8) {
      regs.set(src);
      const nonZero = countNonZeroMax63(regs);
      if (nonZero < 0) {
        const i = regs.findIndex((v) => v > 63);
        throw r.corrupt(`register ${i} value ${regs[i]} exceeds 63`, HLL_BYTE_ARR_START + i);
      }
      if (curMin === 0) atMin = k - nonZero;
    } else if (tgt === TYPE_HLL_6) {
      const nonZero = unpackHll6(src, regs);
      if (curMin === 0) atMin = k - nonZero;
    } else {
      const counts = countHll4Nibbles(src);
      auxTokens = Math.floor(counts / HLL4_TOKEN_UNIT);
      atMin = counts - auxTokens * HLL4_TOKEN_UNIT;
      // Nibbles 0..14 plus cur_min stay <= 63 unless cur_min > 49; only then look at each one.
      if (curMin > 63 - (AUX_TOKEN - 1)) {
        for (let i = 0; i < k; i++) {
          const nib = (src[i >>> 1]! >>> ((i & 1) << 2)) & 15;
          if (nib !== AUX_TOKEN && nib + curMin > 63) {
            throw r.corrupt(`register ${i} value ${nib + curMin} exceeds 63`, HLL_BYTE_ARR_START + (i >>> 1));
          }
        }
      }
    }
    this.initHll(true);
    this.regsPending = tgt === TYPE_HLL_4;
    this.curMin = curMin;
    this.numAtCurMin = numAtCurMin;
    this.kxq0 = kxq0;
    this.kxq1 = kxq1;
    this.ooo = ooo;
    this.hip = ooo ? 0 : hip;
    if (tgt === TYPE_HLL_4) {
      if (auxTokens !== auxCount) {
        throw r.corrupt(`${auxTokens} registers hold the aux token but aux_count is ${auxCount}`, 36);
      }
      if (auxCount > 0) {
        this.aux = new Int32Array(this.nibbles.buffer, arrBytes, 1 << auxLg);
        this.auxLg = auxLg;
        this.auxCount = 0;
        const entries = compact ? auxCount : 1 << auxLg;
        let seen = 0;
        for (let i = 0; i < entries; i++) {
          const off = r.offset;
          const e = r.i32("aux entry");
          if (e === 0) {
            if (compact) throw r.corrupt("empty aux entry in a compact image", off);
            continue;
          }
          const slot = e & KEY_MASK_26;
          const value = e >>> 26;
          if (slot >= k) throw r.corrupt(`aux entry slot ${slot} outside K = ${k}`, off);
          const nib = (src[slot >>> 1]! >>> ((slot & 1) << 2)) & 15;
          if (nib !== AUX_TOKEN)
            throw r.corrupt(`aux entry for slot ${slot} whose register is not an aux token`, off);
          if (value > 63 || value - curMin < AUX_TOKEN) {
            throw r.corrupt(
              `aux entry value ${value} for slot ${slot} not in ${curMin + AUX_TOKEN}..63`,
              off,
            );
          }
          if (!this.auxAdd(slot, value)) throw r.corrupt(`duplicate aux entry for slot ${slot}`, off);
          seen++;
        }
        if (seen !== auxCount) throw r.corrupt(`aux_count ${auxCount} but the aux table holds ${seen}`, 36);
      } else if (!compact) {
        r.skip(auxBytes, "aux table");
      }
    }
    // Registers never sit below cur_min, and num_at_cur_min counts those at cur_min (HLL_4 always; HLL_6/8
    // while cur_min is 0, where it is the number of zero registers). The HLL_4 cur_min shift loop and
    // the bounds rely on this. HLL_4 registers are nibble + cur_min, so never below it.
    if (tgt !== TYPE_HLL_4 && curMin > 0) {
      for (let i = 0; i < k; i++) {
        const v = regs[i]!;
        if (v < curMin)
          throw r.corrupt(`register ${i} value ${v} below cur_min ${curMin}`, HLL_BYTE_ARR_START);
      }
    }
    if (atMin >= 0 && atMin !== numAtCurMin) {
      throw r.corrupt(`num_at_cur_min ${numAtCurMin} but ${atMin} registers are at cur_min ${curMin}`, 32);
    }
    if (tgt === TYPE_HLL_4 && numAtCurMin === 0)
      throw r.corrupt("num_at_cur_min is 0 in an HLL_4 sketch", 32);
  }
}

function checkCoupon(r: ByteReader, c: number, off: number): void {
  if (c >>> 26 === 0) throw r.corrupt(`coupon 0x${(c >>> 0).toString(16)} has value 0`, off);
}

// ------------------------------------------------------------------ register packing
//
// Serialization cost is dominated by converting between the one-byte-per-slot registers and the packed
// 4/6-bit images, so these work on 32-bit words (4 registers or 8 nibbles at a time, SWAR) instead of
// one slot per iteration. Word views use the platform byte order, which is why the word paths are taken
// only on little-endian hosts (every mainstream one); the scalar loops are the reference behaviour.
// Int32Array views and arithmetic that provably stays below 2^31 keep V8 on int32 machine code (uint32
// loads or an add that can reach 2^31 fall back to float64 and cost several times as much).

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** unpackHll4 returns zeros + tokens * HLL4_TOKEN_UNIT; zeros <= 2^21 < 2^22 keeps the two apart. */
const HLL4_TOKEN_UNIT = 1 << 22;

/** Word-aligned copy area for packed images whose byte offset is not a multiple of 4. */
let alignScratch = new Int32Array(256);

/** The packed bytes as 32-bit words (length a multiple of 4), copying only if misaligned. */
function wordsOf(src: Uint8Array): Int32Array {
  const n = src.length >>> 2;
  if ((src.byteOffset & 3) === 0) return new Int32Array(src.buffer, src.byteOffset, n);
  if (alignScratch.length < n) alignScratch = new Int32Array(n);
  new Uint8Array(alignScratch.buffer, 0, n << 2).set(src.subarray(0, n << 2));
  return alignScratch;
}

/** Whether `a` can be viewed as 32-bit words (our register arrays always can). */
function wordAligned(a: Uint8Array): boolean {
  return LITTLE_ENDIAN && (a.byteOffset & 3) === 0 && (a.length & 7) === 0;
}

/**
 * Zero nibbles + AUX_TOKEN nibbles * HLL4_TOKEN_UNIT of an HLL_4 array (the decoder's validation
 * counts, without building registers).
 */
function countHll4Nibbles(src: Uint8Array): number {
  const k = src.length << 1;
  let nonZero = 0;
  let tokens = 0;
  if (LITTLE_ENDIAN && (src.length & 3) === 0) {
    const s32 = wordsOf(src);
    const n = src.length >>> 2;
    // Even and odd nibbles as bytes 0..15: x + 15 has bit 4 set iff x != 0, x + 1 iff x == 15, with no
    // carries. Per-byte counters gain at most 2 per word; flushed every 63 words (int32-safe).
    for (let j = 0; j < n;) {
      const end = Math.min(n, j + 63);
      let accNz = 0;
      let accTok = 0;
      for (; j < end; j++) {
        const w = s32[j]!;
        const e = w & 0x0f0f0f0f;
        const o = (w >>> 4) & 0x0f0f0f0f;
        accNz += (((e + 0x0f0f0f0f) >>> 4) & 0x01010101) + (((o + 0x0f0f0f0f) >>> 4) & 0x01010101);
        accTok += (((e + 0x01010101) >>> 4) & 0x01010101) + (((o + 0x01010101) >>> 4) & 0x01010101);
      }
      nonZero += sumBytes(accNz);
      tokens += sumBytes(accTok);
    }
  } else {
    for (let i = 0; i < src.length; i++) {
      const b = src[i]!;
      if ((b & 15) !== 0) nonZero++;
      if (b >>> 4 !== 0) nonZero++;
      if ((b & 15) === AUX_TOKEN) tokens++;
      if (b >>> 4 === AUX_TOKEN) tokens++;
    }
  }
  return k - nonZero + tokens * HLL4_TOKEN_UNIT;
}

/** Number of registers equal to `v` (registers and `v` are <= 63). */
function countEqual(regs: Uint8Array, v: number): number {
  const k = regs.length;
  let n = 0;
  if (wordAligned(regs)) {
    const w32 = new Int32Array(regs.buffer, regs.byteOffset, k >>> 2);
    const vw = Math.imul(v, 0x01010101);
    const words = w32.length;
    // x = w ^ vw has a zero byte where a register equals v; bytes stay <= 63, so the countNonZeroMax63
    // counter trick applies (flush every 127 words).
    for (let i = 0; i < words;) {
      const end = Math.min(words, i + 127);
      let acc = 0;
      for (; i < end; i++) acc += ((((w32[i]! ^ vw) & 0x3f3f3f3f) + 0x3f3f3f3f) >>> 6) & 0x01010101;
      n += sumBytes(acc);
    }
    return k - n;
  }
  for (let i = 0; i < k; i++) if (regs[i] === v) n++;
  return n;
}

/** Sum of the four bytes of `x`. */
function sumBytes(x: number): number {
  return (x & 0xff) + ((x >>> 8) & 0xff) + ((x >>> 16) & 0xff) + (x >>> 24);
}

/** Number of non-zero bytes in the 32-bit word `w` (OR-folds each byte into its bit 0). */
function nonZeroBytes(w: number): number {
  let x = w | (w >>> 4);
  x |= x >>> 2;
  x |= x >>> 1;
  return Math.imul(x & 0x01010101, 0x01010101) >>> 24;
}

/** Non-zero registers in an HLL_8 array, or -1 if any exceeds 63 (registers are 6-bit values). */
function countNonZeroMax63(regs: Uint8Array): number {
  const k = regs.length;
  let nonZero = 0;
  let any = 0;
  if (wordAligned(regs)) {
    const w32 = new Int32Array(regs.buffer, regs.byteOffset, k >>> 2);
    const n = w32.length;
    // Per-byte counters: for a byte b <= 63, (b & 63) + 63 has bit 6 set iff b != 0 and never carries.
    // A word of counters is flushed every 127 words so no counter byte can reach 128 (int32-safe).
    for (let i = 0; i < n;) {
      const end = Math.min(n, i + 127);
      let acc = 0;
      for (; i < end; i++) {
        const w = w32[i]!;
        any |= w;
        acc += (((w & 0x3f3f3f3f) + 0x3f3f3f3f) >>> 6) & 0x01010101;
      }
      nonZero += sumBytes(acc);
    }
    return (any & 0xc0c0c0c0) !== 0 ? -1 : nonZero;
  }
  for (let i = 0; i < k; i++) {
    const v = regs[i]!;
    any |= v;
    if (v !== 0) nonZero++;
  }
  return any > 63 ? -1 : nonZero;
}

/** Registers (each <= 63) → 6-bit little-endian bit stream at out[base..]; the last byte stays 0. */
function packHll6(regs: Uint8Array, out: Uint8Array, base: number): void {
  const k = regs.length;
  if (wordAligned(regs)) {
    // Four registers make exactly three bytes.
    const w32 = new Int32Array(regs.buffer, regs.byteOffset, k >>> 2);
    for (let g = 0, o = base; g < w32.length; g++, o += 3) {
      const w = w32[g]!;
      const v = (w & 63) | ((w >>> 2) & 0xfc0) | ((w >>> 4) & 0x3f000) | ((w >>> 6) & 0xfc0000);
      out[o] = v;
      out[o + 1] = v >>> 8;
      out[o + 2] = v >>> 16;
    }
    return;
  }
  for (let i = 0; i < k; i++) {
    const bit = i * 6;
    const idx = base + (bit >>> 3);
    const v = regs[i]! << (bit & 7);
    out[idx] = out[idx]! | (v & 0xff);
    out[idx + 1] = out[idx + 1]! | (v >>> 8);
  }
}

/** 6-bit packed array → registers; returns the number of non-zero registers. */
function unpackHll6(src: Uint8Array, regs: Uint8Array): number {
  const k = regs.length;
  let nonZero = 0;
  if (wordAligned(regs)) {
    const w32 = new Int32Array(regs.buffer, regs.byteOffset, k >>> 2);
    for (let g = 0, o = 0; g < w32.length; g++, o += 3) {
      const v = src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16);
      const w = (v & 63) | ((v << 2) & 0x3f00) | ((v << 4) & 0x3f0000) | ((v << 6) & 0x3f000000);
      w32[g] = w;
      nonZero += nonZeroBytes(w);
    }
    return nonZero;
  }
  for (let i = 0; i < k; i++) {
    const bit = i * 6;
    const idx = bit >>> 3;
    const v = (((src[idx + 1]! << 8) | src[idx]!) >>> (bit & 7)) & 63;
    regs[i] = v;
    if (v !== 0) nonZero++;
  }
  return nonZero;
}

/**
 * Registers → HLL_4 nibbles (value - cur_min, or AUX_TOKEN when that is >= 15) at out[base..].
 * Every register is >= cur_min (HLL_4 invariant), so the per-byte subtraction never borrows.
 */
function packHll4(regs: Uint8Array, curMin: number, out: Uint8Array, base: number): void {
  const k = regs.length;
  if (wordAligned(regs) && ((out.byteOffset + base) & 3) === 0) {
    const r32 = new Int32Array(regs.buffer, regs.byteOffset, k >>> 2);
    const o32 = new Int32Array(out.buffer, out.byteOffset + base, k >>> 3);
    const cmw = Math.imul(curMin, 0x01010101);
    for (let j = 0, i = 0; j < o32.length; j++, i += 2) {
      o32[j] = packNibbles((r32[i]! - cmw) | 0) | (packNibbles((r32[i + 1]! - cmw) | 0) << 16);
    }
    return;
  }
  for (let i = 0; i < k; i += 2) {
    const lo = regs[i]! - curMin;
    const hi = regs[i + 1]! - curMin;
    out[base + (i >>> 1)] = (lo >= AUX_TOKEN ? AUX_TOKEN : lo) | ((hi >= AUX_TOKEN ? AUX_TOKEN : hi) << 4);
  }
}

/** Four bytes (each 0..63) → four nibbles min(byte, 15) in the low 16 bits, byte 0 lowest. */
function packNibbles(d: number): number {
  // A byte (<= 63) is >= 15 iff adding 0x31 sets bit 6; 63 + 0x31 < 0x80, so no carries and no
  // int32 overflow.
  const big = Math.imul(((d + 0x31313131) & 0x40404040) >>> 6, 0xff);
  let x = (d & ~big) | (big & 0x0f0f0f0f);
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0xffff;
}

/** Two bytes of nibbles (low 16 bits of `h`) → four bytes, one nibble each, nibble 0 in byte 0. */
function spreadNibbles(h: number): number {
  const x = (h | (h << 8)) & 0x00ff00ff;
  return (x | (x << 4)) & 0x0f0f0f0f;
}

/**
 * HLL_4 nibbles → registers (nibble + cur_min; aux-token slots get 15 + cur_min until the aux entries
 * overwrite them). Returns zeroNibbles + auxTokens * HLL4_TOKEN_UNIT.
 */
function unpackHll4(src: Uint8Array, curMin: number, regs: Uint8Array): number {
  const k = regs.length;
  let zeros = 0;
  let tokens = 0;
  if (wordAligned(regs)) {
    const s32 = wordsOf(src);
    const r32 = new Int32Array(regs.buffer, regs.byteOffset, k >>> 2);
    const cmw = Math.imul(curMin, 0x01010101);
    const n = k >>> 3;
    // Per-byte counters over the spread nibbles x (bytes 0..15): x + 15 has bit 4 set iff x != 0,
    // x + 1 iff x == 15, without carries. Flushed every 63 words: each adds at most 2 per byte.
    let nonZero = 0;
    for (let j = 0; j < n;) {
      const end = Math.min(n, j + 63);
      let accNz = 0;
      let accTok = 0;
      for (; j < end; j++) {
        const w = s32[j]!;
        const lo = spreadNibbles(w & 0xffff);
        const hi = spreadNibbles(w >>> 16);
        accNz += (((lo + 0x0f0f0f0f) >>> 4) & 0x01010101) + (((hi + 0x0f0f0f0f) >>> 4) & 0x01010101);
        accTok += (((lo + 0x01010101) >>> 4) & 0x01010101) + (((hi + 0x01010101) >>> 4) & 0x01010101);
        // Bytes stay <= 15 + 63, so the add neither carries between bytes nor reaches 2^31.
        r32[2 * j] = lo + cmw;
        r32[2 * j + 1] = hi + cmw;
      }
      nonZero += sumBytes(accNz);
      tokens += sumBytes(accTok);
    }
    zeros = k - nonZero;
    return zeros + tokens * HLL4_TOKEN_UNIT;
  }
  for (let i = 0; i < k; i++) {
    const nib = (src[i >>> 1]! >>> ((i & 1) << 2)) & 15;
    if (nib === 0) zeros++;
    else if (nib === AUX_TOKEN) tokens++;
    regs[i] = nib + curMin;
  }
  return zeros + tokens * HLL4_TOKEN_UNIT;
}
