import { SketchError } from "../errors.js";
import { HllCore, MODE_HLL, TYPE_HLL_8, checkNumStdDev } from "./hll-core.js";
import { HllSketch, checkLgK, checkType, sketchCore, sketchFromCore } from "./hll-sketch.js";
import { HllType } from "./hll-type.js";

/**
 * Union of HLL sketches of any lgK and register type, following datasketches-cpp `hll_union`
 * exactly: an HLL_8 gadget of lgK `lgMaxK` that is downsampled to the smallest HLL-mode input's lgK.
 * Results are byte-identical to C++ `get_result`, including the detail that queries rebuild the
 * gadget's kxq/cur_min (so a result taken after a query carries the rebuilt cur_min).
 *
 * @example
 * ```ts
 * const u = new HllUnion(12);
 * u.update(sketchA);
 * u.update(sketchB);
 * const merged = u.getResult(HllType.HLL_4);
 * ```
 */
export class HllUnion {
  readonly #lgMaxK: number;
  #gadget: HllCore;

  /** @param lgMaxK largest lgK the union keeps (4..21, default 12). */
  constructor(lgMaxK = 12) {
    this.#lgMaxK = checkLgK(lgMaxK, "lgMaxK");
    this.#gadget = new HllCore(this.#lgMaxK, TYPE_HLL_8);
  }

  /** Folds a sketch into the union. Empty sketches are ignored. */
  update(sketch: HllSketch): void {
    if (!(sketch instanceof HllSketch))
      throw new SketchError("invalid-argument", "hll: HllUnion.update expects an HllSketch");
    const src = sketchCore(sketch);
    if (src.isEmpty()) return;
    const dst = this.#gadget;
    if (src.mode !== MODE_HLL) {
      if (dst.isEmpty() && src.lgK === dst.lgK) {
        this.#gadget = src.copyAs(TYPE_HLL_8);
      } else {
        const arr = src.coupons;
        for (let i = 0; i < arr.length; i++) {
          const c = arr[i]!;
          if (c !== 0) dst.couponUpdate(c);
        }
      }
      return;
    }
    if (dst.isEmpty()) {
      this.#gadget = copyOrDownsample(src, this.#lgMaxK);
      return;
    }
    if (dst.mode !== MODE_HLL) {
      // The gadget's coupons (effective K 2^26) are replayed into a copy of the HLL source; HIP
      // continues from the source and the result stays in order.
      const g = copyOrDownsample(src, this.#lgMaxK);
      const arr = dst.coupons;
      for (let i = 0; i < arr.length; i++) {
        const c = arr[i]!;
        if (c !== 0) g.hllUpdate(c);
      }
      this.#gadget = g;
      return;
    }
    let g = dst;
    if (src.lgK < g.lgK) g = copyOrDownsample(g, src.lgK);
    g.mergeHll(src);
    g.ooo = true;
    g.hip = 0;
    this.#gadget = g;
  }

  /** The union as a sketch of the given type (default HLL_4). */
  getResult(type: HllType = HllType.HLL_4): HllSketch {
    return sketchFromCore(this.#gadget.copyAs(checkType(type)));
  }

  /** Estimate of the union's cardinality. */
  getEstimate(): number {
    this.#gadget.checkRebuild();
    return this.#gadget.getEstimate();
  }

  /** Composite (non-HIP) estimate of the union. */
  getCompositeEstimate(): number {
    this.#gadget.checkRebuild();
    return this.#gadget.getCompositeEstimate();
  }

  /** Lower bound at 1, 2 or 3 standard deviations. */
  getLowerBound(numStdDev: 1 | 2 | 3): number {
    checkNumStdDev(numStdDev);
    this.#gadget.checkRebuild();
    return this.#gadget.getLowerBound(numStdDev);
  }

  /** Upper bound at 1, 2 or 3 standard deviations. */
  getUpperBound(numStdDev: 1 | 2 | 3): number {
    checkNumStdDev(numStdDev);
    this.#gadget.checkRebuild();
    return this.#gadget.getUpperBound(numStdDev);
  }

  /** True if no non-empty sketch has been added since construction/reset. */
  isEmpty(): boolean {
    return this.#gadget.isEmpty();
  }

  /** Current lgK of the gadget (may be below lgMaxK after downsampling). */
  getLgConfigK(): number {
    return this.#gadget.lgK;
  }

  /** Back to the empty state with the original lgMaxK. */
  reset(): void {
    this.#gadget = new HllCore(this.#lgMaxK, TYPE_HLL_8);
  }
}

/** hll_union::copy_or_downsample: HLL_8 copy, or a fold into a smaller HLL_8 array. */
function copyOrDownsample(src: HllCore, tgtLgK: number): HllCore {
  if (src.lgK <= tgtLgK) return src.copyAs(TYPE_HLL_8);
  const g = new HllCore(tgtLgK, TYPE_HLL_8);
  g.initHll();
  g.fullSize = false;
  g.mergeHll(src);
  g.hip = src.hip;
  g.ooo = src.ooo;
  return g;
}
