import { SketchError } from "../errors.js";
import { hllCouponBytes, hllCouponDouble, hllCouponInt64, hllCouponString } from "../hash/hll-coupon.js";
import { HllCore, MAX_LG_K, MIN_LG_K, checkNumStdDev } from "./hll-core.js";
import { HllType } from "./hll-type.js";
import type { HllMode } from "./hll-type.js";

const TWO_POW_32 = 4294967296;
const TWO_POW_63 = 9223372036854775808;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Validates lgK (4..21) for sketches and unions. */
export function checkLgK(lgK: unknown, what: string): number {
  if (typeof lgK !== "number" || !Number.isInteger(lgK) || lgK < MIN_LG_K || lgK > MAX_LG_K) {
    throw new SketchError(
      "invalid-argument",
      `hll: ${what} must be an integer in ${MIN_LG_K}..${MAX_LG_K}, got ${String(lgK)}`,
    );
  }
  return lgK;
}

/** Validates an {@link HllType} value. */
export function checkType(type: unknown): HllType {
  if (type !== HllType.HLL_4 && type !== HllType.HLL_6 && type !== HllType.HLL_8) {
    throw new SketchError(
      "invalid-argument",
      `hll: type must be HllType.HLL_4, HLL_6 or HLL_8, got ${String(type)}`,
    );
  }
  return type;
}

// Internal bridge so HllUnion can reach the engine without making it part of the public surface.
let coreOf: (s: HllSketch) => HllCore;
let wrapCore: (c: HllCore) => HllSketch;

/** @internal The engine behind a sketch (for HllUnion). */
export function sketchCore(s: HllSketch): HllCore {
  return coreOf(s);
}

/** @internal Wraps an engine as a public sketch (for HllUnion.getResult). */
export function sketchFromCore(c: HllCore): HllSketch {
  return wrapCore(c);
}

/**
 * HyperLogLog distinct-count sketch, byte-compatible with Apache DataSketches (datasketches-cpp 5.3.x,
 * Java, Go): same MurmurHash3 x64_128 (seed 9001) coupons, LIST → SET → HLL modes, HLL_4/6/8
 * registers, HIP and composite estimators, and the same compact/updatable serialized images.
 *
 * Value typing matters for compatibility: DataSketches hashes an int64 as its 8-byte two's complement
 * and a double as its IEEE-754 bits, so `updateInt64(1)` and `updateDouble(1)` are different items.
 * The generic {@link HllSketch.update} sends JS numbers to the double path (as whylogs/Python floats
 * do); integer columns meant to match Java `update(long)` / C++ `update(int64_t)` should call
 * {@link HllSketch.updateInt64} (or pass a bigint).
 *
 * @example
 * ```ts
 * const sk = new HllSketch(12, HllType.HLL_4);
 * for (let i = 0; i < 100_000; i++) sk.updateString(`user-${i}`);
 * sk.getEstimate();                 // ≈ 100000
 * sk.getUpperBound(2);              // 95% upper bound
 * const bytes = sk.serializeCompact();
 * const back = HllSketch.deserialize(bytes);
 * ```
 */
export class HllSketch {
  // Plain (not #private) field: it is read on every update and V8 on Node 20 handles it faster.
  private core: HllCore;

  static {
    coreOf = (s) => s.core;
    wrapCore = (c) => {
      const s = new HllSketch(c.lgK, c.tgt as HllType);
      s.core = c;
      return s;
    };
  }

  /**
   * @param lgK log2 of the number of registers, 4..21 (default 12: ~1.6% relative error at 1 sigma).
   * @param type register width used once the sketch reaches HLL mode (default HLL_4).
   * @throws SketchError `invalid-argument` for an out-of-range lgK or unknown type.
   */
  constructor(lgK = 12, type: HllType = HllType.HLL_4) {
    this.core = new HllCore(checkLgK(lgK, "lgK"), checkType(type));
  }

  /** Adds a string, hashed as its UTF-8 bytes. The empty string is ignored (as in DataSketches). */
  updateString(s: string): void {
    if (typeof s !== "string")
      throw new SketchError("invalid-argument", `hll: updateString expects a string, got ${typeof s}`);
    const len = s.length;
    if (len === 0) return;
    this.core.couponUpdate(hllCouponString(s));
  }

  /**
   * Adds a signed 64-bit integer, hashed as 8 little-endian two's-complement bytes (C++ `int64_t`,
   * Java `long`). Accepts a bigint in the int64 range or an integral number in [-2^63, 2^63).
   *
   * @throws SketchError `invalid-argument` for a non-integer or out-of-range value.
   */
  updateInt64(v: number | bigint): void {
    let lo: number;
    let hi: number;
    if (typeof v === "number") {
      if ((v | 0) === v) {
        lo = v;
        hi = v >> 31;
      } else {
        if (!Number.isInteger(v) || v < -TWO_POW_63 || v >= TWO_POW_63) {
          throw new SketchError(
            "invalid-argument",
            `hll: updateInt64 expects an integer in the int64 range, got ${v}`,
          );
        }
        // Exact: v and hi * 2^32 are integers below 2^64 in magnitude and lo is in [0, 2^32).
        const h = Math.floor(v / TWO_POW_32);
        lo = (v - h * TWO_POW_32) | 0;
        hi = h | 0;
      }
    } else if (typeof v === "bigint") {
      if (v < INT64_MIN || v > INT64_MAX) {
        throw new SketchError("invalid-argument", `hll: updateInt64 value ${v} is outside the int64 range`);
      }
      lo = Number(BigInt.asIntN(32, v));
      hi = Number(BigInt.asIntN(32, v >> 32n));
    } else {
      throw new SketchError(
        "invalid-argument",
        `hll: updateInt64 expects a number or bigint, got ${typeof v}`,
      );
    }
    this.core.couponUpdate(hllCouponInt64(lo, hi));
  }

  /**
   * Adds a double, hashed as its 8 little-endian IEEE-754 bytes after canonicalising -0.0 to 0.0 and
   * every NaN to 0x7ff8000000000000 (as all DataSketches languages do).
   */
  updateDouble(x: number): void {
    if (typeof x !== "number")
      throw new SketchError("invalid-argument", `hll: updateDouble expects a number, got ${typeof x}`);
    this.core.couponUpdate(hllCouponDouble(x));
  }

  /** Adds raw bytes (hashed as-is). An empty array is ignored. */
  updateBytes(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array))
      throw new SketchError("invalid-argument", "hll: updateBytes expects a Uint8Array");
    if (bytes.length === 0) return;
    this.core.couponUpdate(hllCouponBytes(bytes));
  }

  /**
   * Adds a value by its JS type: string → {@link updateString}, number → {@link updateDouble}
   * (matching whylogs/Python float behaviour; note `update(1)` ≠ `update(1n)`), bigint →
   * {@link updateInt64}, Uint8Array → {@link updateBytes}.
   */
  update(value: string | number | bigint | Uint8Array): void {
    switch (typeof value) {
      case "string":
        this.updateString(value);
        return;
      case "number":
        this.updateDouble(value);
        return;
      case "bigint":
        this.updateInt64(value);
        return;
      default:
        if (value instanceof Uint8Array) {
          this.updateBytes(value);
          return;
        }
        throw new SketchError("invalid-argument", `hll: cannot update with a value of type ${typeof value}`);
    }
  }

  /** Cardinality estimate (HIP while updated in order; composite after an out-of-order union). */
  getEstimate(): number {
    return this.core.getEstimate();
  }

  /** The non-HIP (composite) estimator; equals the coupon estimate in LIST/SET mode. */
  getCompositeEstimate(): number {
    return this.core.getCompositeEstimate();
  }

  /** Approximate lower bound at 1, 2 or 3 standard deviations. */
  getLowerBound(numStdDev: 1 | 2 | 3): number {
    checkNumStdDev(numStdDev);
    return this.core.getLowerBound(numStdDev);
  }

  /** Approximate upper bound at 1, 2 or 3 standard deviations. */
  getUpperBound(numStdDev: 1 | 2 | 3): number {
    checkNumStdDev(numStdDev);
    return this.core.getUpperBound(numStdDev);
  }

  /** True if nothing has been added. */
  isEmpty(): boolean {
    return this.core.isEmpty();
  }

  /** log2 of the number of registers. */
  getLgConfigK(): number {
    return this.core.lgK;
  }

  /** Register width of the HLL mode. */
  getTgtHllType(): HllType {
    return this.core.tgt as HllType;
  }

  /** Current internal mode (LIST, SET or HLL). */
  getCurrentMode(): HllMode {
    return this.core.mode as HllMode;
  }

  /** True once the sketch results from an out-of-order union (estimates then use the composite estimator). */
  isOutOfOrder(): boolean {
    return this.core.ooo;
  }

  /** Compact image (smallest; what DataSketches `serialize_compact` writes). */
  serializeCompact(): Uint8Array {
    return this.core.serialize(true);
  }

  /** Updatable image (full hash tables / aux table; `serialize_updatable`). */
  serializeUpdatable(): Uint8Array {
    return this.core.serialize(false);
  }

  /**
   * Reads a compact or updatable image written by any DataSketches implementation.
   *
   * @throws SketchError (`truncated`, `wrong-family`, `bad-preamble`, `corrupt`) for invalid bytes.
   */
  static deserialize(bytes: Uint8Array): HllSketch {
    return wrapCore(HllCore.deserialize(bytes));
  }

  /** A copy using register width `type` (HLL-mode registers are converted exactly as upstream). */
  copyAs(type: HllType): HllSketch {
    return wrapCore(this.core.copyAs(checkType(type)));
  }

  /** An independent copy. */
  copy(): HllSketch {
    return wrapCore(this.core.copy());
  }

  /** Back to the empty state, keeping lgK and type. */
  reset(): void {
    this.core = new HllCore(this.core.lgK, this.core.tgt);
  }
}
