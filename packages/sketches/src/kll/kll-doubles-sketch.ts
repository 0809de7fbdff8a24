import { ByteReader } from "../codec/byte-reader.js";
import { ByteWriter } from "../codec/byte-writer.js";
import { SketchError } from "../errors.js";
import { SeededBitSource } from "../random.js";
import type { RandomBitSource } from "../random.js";
import {
  KLL_M,
  KLL_MAX_K,
  KLL_MAX_LEVELS,
  KLL_MIN_K,
  allocItems,
  capacityTable,
  mergeSortedRuns,
  randomlyHalveDown,
  randomlyHalveUp,
  sortRange,
  totalCapacity,
  ubOnNumLevels,
} from "./kll-helpers.js";

/** Construction options of {@link KllDoublesSketch}. */
export interface KllOptions {
  /**
   * Source of the one random bit each compaction consumes. Defaults to a fresh `SeededBitSource`, so the same
   * input always yields the same sketch; inject `AlternatingBitSource` to reproduce datasketches-cpp
   * `-DKLL_VALIDATION` images byte for byte.
   */
  bitSource?: RandomBitSource;
}

/** Options of rank/quantile/CDF/PMF queries. */
export interface KllQueryOptions {
  /** Inclusive (≤, the default) or exclusive (<) rank definition, as datasketches-cpp. */
  inclusive?: boolean;
}

/**
 * Image flavour written by {@link KllDoublesSketch.serialize}:
 * - `"datasketches"`: upstream datasketches-cpp/java/go compact image (preamble_ints 5 when n ≥ 2).
 * - `"whylogs"`: the whylogs-datasketches fork (PyPI `whylogs-sketching`): preamble_ints 6 and 4 zero bytes
 *   after byte 19 when n ≥ 2; empty and single-item images are identical to upstream.
 */
export type KllLayout = "datasketches" | "whylogs";

/** Options of {@link KllDoublesSketch.serialize}. */
export interface KllSerializeOptions {
  layout?: KllLayout;
}

/**
 * Item type a KLL image must have to be accepted by {@link KllDoublesSketch.deserialize}:
 * - `"auto"` (default): double or float, told apart by the exact image length;
 * - `"double"`: 8-byte items only (`kll_doubles_sketch`, either layout);
 * - `"float"`: 4-byte items only (`kll_floats_sketch` of datasketches-cpp/java, preamble_ints 5 or the short
 *   forms); items, min and max are widened to doubles.
 */
export type KllItemType = "auto" | "double" | "float";

/** Options of {@link KllDoublesSketch.deserialize}. */
export interface KllDeserializeOptions {
  itemType?: KllItemType;
}

const FAMILY_KLL = 15;
const SERIAL_VERSION_1 = 1;
const SERIAL_VERSION_2 = 2;
const PREAMBLE_INTS_SHORT = 2;
const PREAMBLE_INTS_FULL = 5;
const PREAMBLE_INTS_WHYLOGS = 6;
const FLAG_EMPTY = 1;
const FLAG_LEVEL_ZERO_SORTED = 2;
const FLAG_SINGLE_ITEM = 4;
const DEFAULT_K = 200;

/**
 * KLL quantiles sketch over doubles, byte-compatible with datasketches-cpp `kll_sketch<double>` (m = 8).
 *
 * Queries follow the C++ semantics: the sorted view holds only retained items (min/max are not inserted), so
 * `getQuantile(0)` is the smallest retained item. Building the sorted view sorts level 0 in place and sets the
 * level-zero-sorted flag, exactly as upstream, which is visible in the next serialized image (flag bit 1).
 * datasketches-java differs at the ends: it adds min/max to its view and rounds `rank·n` to 1e-7 before
 * ceil/floor, so Java can answer `getQuantile(0)` with the exact minimum where this (and C++) returns the
 * smallest retained item.
 *
 * @example
 * ```ts
 * const sketch = new KllDoublesSketch(200);
 * sketch.updateMany(new Float64Array([3, 1, 4, 1, 5, 9, 2, 6]));
 * sketch.getQuantile(0.5); // 3
 * const copy = KllDoublesSketch.deserialize(sketch.serialize());
 * ```
 */
export class KllDoublesSketch {
  // Plain (non-#) fields: the update loops read them per item and V8 on Node 20 is slower on #private access.
  private readonly k: number;
  /** Level capacities by depth for this k (shared shape, computed once per sketch). */
  private readonly caps: Int32Array;
  private minK: number;
  private n = 0;
  private numLevels = 1;
  /** levels[h]..levels[h+1] bound level h inside `items`; length numLevels + 1, levels[numLevels] = capacity. */
  private levels: Int32Array;
  private items: Float64Array;
  /**
   * Items the region behind `items` can hold (≥ items.length). Decoding and growth reserve room for one more
   * level, so the next growth (typically the merge that adds a level) re-views the same memory instead of
   * allocating: fresh ArrayBuffer memory costs more than the merge itself. The region is this sketch's alone.
   */
  private itemsRoom: number;
  private levelZeroSorted = false;
  private minItem = NaN;
  private maxItem = NaN;
  private bits: RandomBitSource;
  /** Cached sorted view (items ascending, cumulative weights); null when stale. */
  private viewItems: Float64Array | null = null;
  private viewCumWeights: Float64Array | null = null;

  /**
   * @param k accuracy parameter, 8..65535 (default 200: ~1.33% single-rank error at 99% confidence).
   * @throws SketchError `invalid-argument` if k is not an integer in range.
   */
  constructor(k: number = DEFAULT_K, options?: KllOptions) {
    if (!Number.isInteger(k) || k < KLL_MIN_K || k > KLL_MAX_K) {
      throw new SketchError(
        "invalid-argument",
        `kll: k must be an integer in [${KLL_MIN_K}, ${KLL_MAX_K}], got ${k}`,
      );
    }
    this.k = k;
    this.minK = k;
    this.caps = capacityTable(k);
    this.levels = Int32Array.of(k, k);
    // deserialize() replaces the buffer right away; skipping the throwaway allocation halves its cost.
    this.items = decoding ? NO_ITEMS : ownItems(k, k);
    this.itemsRoom = this.items.length;
    this.bits = checkBitSource(options?.bitSource ?? new SeededBitSource());
  }

  /**
   * Replaces the compaction bit source (e.g. a fresh `AlternatingBitSource` before a reproducible merge).
   * @throws SketchError `invalid-argument` if `src` has no `nextBit()` method.
   */
  setBitSource(src: RandomBitSource): void {
    this.bits = checkBitSource(src);
  }

  /**
   * Adds one value. NaN is ignored (as upstream); ±Infinity are ordinary values.
   * @throws SketchError `invalid-argument` if `x` is not a number.
   */
  update(x: number): void {
    if (typeof x !== "number") throw notANumber(x);
    if (x !== x) return;
    if (this.n === 0) {
      this.minItem = x;
      this.maxItem = x;
    } else {
      if (x < this.minItem) this.minItem = x;
      if (this.maxItem < x) this.maxItem = x;
    }
    if (this.levels[0] === 0) this.compressWhileUpdating();
    this.n++;
    this.levelZeroSorted = false;
    this.viewItems = null;
    const i = this.levels[0]! - 1;
    this.levels[0] = i;
    this.items[i] = x;
  }

  /**
   * Adds many values; the resulting sketch is identical, byte for byte, to calling {@link update} per value.
   * Level 0 is filled straight from the input between compactions.
   * @throws SketchError `invalid-argument` (before adding anything) if `values` is not array-like or holds a
   * non-number.
   */
  updateMany(values: Float64Array | ArrayLike<number>): void {
    if (values === null || typeof values !== "object" || typeof values.length !== "number") {
      throw new SketchError("invalid-argument", "kll: updateMany expects an array or typed array of numbers");
    }
    const len = values.length;
    if (len === 0) return;
    if (!(values instanceof Float64Array || values instanceof Float32Array)) {
      // Validated up front so a bad element cannot leave the batch half applied.
      for (let i = 0; i < len; i++) if (typeof values[i] !== "number") throw notANumber(values[i]);
    }
    const n0 = this.n;
    let n = n0;
    // ±Infinity seeds give the same min/max as "first value sets both" (see update()).
    let min = n0 === 0 ? Infinity : this.minItem;
    let max = n0 === 0 ? -Infinity : this.maxItem;
    let items = this.items;
    let levels = this.levels;
    let free = levels[0]!;
    for (let i = 0; i < len; i++) {
      const x = values[i]!;
      if (x !== x) continue;
      if (x < min) min = x;
      if (max < x) max = x;
      if (free === 0) {
        levels[0] = 0;
        // update() clears the flag as soon as one item lands in level 0; compaction reads it.
        if (n !== n0) this.levelZeroSorted = false;
        this.compressWhileUpdating();
        items = this.items;
        levels = this.levels;
        free = levels[0]!;
      }
      items[--free] = x;
      n++;
    }
    levels[0] = free;
    if (n !== n0) {
      this.n = n;
      this.minItem = min;
      this.maxItem = max;
      this.levelZeroSorted = false;
      this.viewItems = null;
    }
  }

  /**
   * Merges `other` into this sketch (other is unchanged). Reproduces datasketches-cpp `merge` exactly, including
   * the order in which the bit source is consumed. k may differ; the result keeps this sketch's k.
   */
  merge(other: KllDoublesSketch): void {
    if (!(other instanceof KllDoublesSketch)) {
      throw new SketchError("invalid-argument", "kll: merge expects a KllDoublesSketch");
    }
    if (other.n === 0) return;
    // Self-merge would read the buffer it is rewriting; merge a snapshot instead.
    const src = other === this ? other.clone() : other;
    if (this.n === 0) {
      this.minItem = src.minItem;
      this.maxItem = src.maxItem;
    } else {
      if (src.minItem < this.minItem) this.minItem = src.minItem;
      if (this.maxItem < src.maxItem) this.maxItem = src.maxItem;
    }
    const finalN = this.n + src.n;
    const srcItems = src.items;
    const lim = src.levels[1]!;
    for (let i = src.levels[0]!; i < lim; i++) {
      if (this.levels[0] === 0) this.compressWhileUpdating();
      this.n++;
      this.levelZeroSorted = false;
      const j = this.levels[0]! - 1;
      this.levels[0] = j;
      this.items[j] = srcItems[i]!;
    }
    if (src.numLevels >= 2) this.mergeHigherLevels(src, finalN);
    this.n = finalN;
    if (src.numLevels > 1) this.minK = Math.min(this.minK, src.minK);
    this.viewItems = null;
  }

  /** Number of values seen (NaN excluded). */
  getN(): number {
    return this.n;
  }

  /** True until the first non-NaN value (or non-empty merge). */
  isEmpty(): boolean {
    return this.n === 0;
  }

  /** True once compaction has happened (more than one level), i.e. answers are approximate. */
  isEstimationMode(): boolean {
    return this.numLevels > 1;
  }

  /** The accuracy parameter this sketch was created (or deserialized) with. */
  getK(): number {
    return this.k;
  }

  /** @throws SketchError `empty-sketch` on an empty sketch. */
  getMinItem(): number {
    this.requireNonEmpty();
    return this.minItem;
  }

  /** @throws SketchError `empty-sketch` on an empty sketch. */
  getMaxItem(): number {
    this.requireNonEmpty();
    return this.maxItem;
  }

  /** Number of items the sketch currently stores. */
  getNumRetained(): number {
    return this.levels[this.numLevels]! - this.levels[0]!;
  }

  /**
   * The retained item whose cumulative weight first reaches `rank·n` (inclusive: ceil, ≥; exclusive: floor, >),
   * as datasketches-cpp. Ranks past the last entry return the largest retained item.
   * @throws SketchError `empty-sketch`, or `invalid-argument` for a rank outside [0, 1] or NaN.
   */
  getQuantile(rank: number, options: KllQueryOptions = {}): number {
    this.requireNonEmpty();
    checkRank(rank);
    return this.quantileOf(rank, options.inclusive ?? true);
  }

  /** {@link getQuantile} for each rank (validated first, so nothing is computed on a bad argument). */
  getQuantiles(ranks: ArrayLike<number>, options: KllQueryOptions = {}): number[] {
    this.requireNonEmpty();
    for (let i = 0; i < ranks.length; i++) checkRank(ranks[i]!);
    const inclusive = options.inclusive ?? true;
    const out: number[] = new Array<number>(ranks.length);
    for (let i = 0; i < ranks.length; i++) out[i] = this.quantileOf(ranks[i]!, inclusive);
    return out;
  }

  /**
   * The sorted view every query answers from: the retained items in ascending order (duplicates kept, one entry
   * per retained item) and the inclusive cumulative weight up to each. The weight of item i is 2^level of the
   * level it was retained at; the last cumulative weight is n. Analyses that need the whole step CDF (e.g. a KS
   * distance between two sketches) read it here instead of probing `getCDF` point by point. Returns copies.
   * @throws SketchError `empty-sketch` on an empty sketch.
   */
  getSortedView(): { items: Float64Array; cumulativeWeights: Float64Array } {
    this.requireNonEmpty();
    this.ensureView();
    return { items: this.viewItems!.slice(), cumulativeWeights: this.viewCumWeights!.slice() };
  }

  /**
   * Quantiles by the rule of the whylogs fork of datasketches-cpp 3.x (PyPI `whylogs-sketching`), which whylogs
   * summaries and drift use: rank 0 → min, rank 1 → max; otherwise w = floor(rank·n) and the answer is the first
   * retained item whose *preceding* cumulative weight is ≥ w (the largest retained item if none). It answers one
   * sorted-view entry later than the current upstream exclusive rule whenever rank·n falls inside an entry.
   * @throws SketchError `empty-sketch`, or `invalid-argument` for a rank outside [0, 1] or NaN.
   */
  getQuantilesWhylogs(ranks: ArrayLike<number>): number[] {
    this.requireNonEmpty();
    for (let i = 0; i < ranks.length; i++) checkRank(ranks[i]!);
    this.ensureView();
    const items = this.viewItems!;
    const cum = this.viewCumWeights!;
    const size = items.length;
    const out: number[] = new Array<number>(ranks.length);
    for (let r = 0; r < ranks.length; r++) {
      const rank = ranks[r]!;
      if (rank === 0) {
        out[r] = this.minItem;
        continue;
      }
      if (rank === 1) {
        out[r] = this.maxItem;
        continue;
      }
      const weight = Math.floor(rank * this.n);
      // cum[] is inclusive, so the preceding weight of entry i is cum[i - 1]: find the first j with
      // cum[j] ≥ weight and answer entry j + 1 (entry 0 when weight is 0).
      let lo = 0;
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cum[mid]! < weight) lo = mid + 1;
        else hi = mid;
      }
      const i = weight === 0 ? 0 : lo + 1;
      out[r] = items[i < size ? i : size - 1]!;
    }
    return out;
  }

  /**
   * Normalized rank of `x`: weight of retained items ≤ x (inclusive) or < x (exclusive), divided by n.
   * @throws SketchError `empty-sketch`, or `invalid-argument` if x is NaN (upstream leaves that undefined).
   */
  getRank(x: number, options: KllQueryOptions = {}): number {
    this.requireNonEmpty();
    if (typeof x !== "number") throw notANumber(x);
    if (x !== x) throw new SketchError("invalid-argument", "kll: getRank of NaN is undefined");
    return this.rankOf(x, options.inclusive ?? true);
  }

  /**
   * Ranks at each split point followed by 1 (length splits.length + 1).
   * @throws SketchError `empty-sketch`, or `invalid-argument` if splits contain NaN or are not strictly increasing.
   */
  getCDF(splits: ArrayLike<number>, options: KllQueryOptions = {}): number[] {
    this.requireNonEmpty();
    checkSplits(splits);
    const inclusive = options.inclusive ?? true;
    const out: number[] = new Array<number>(splits.length + 1);
    for (let i = 0; i < splits.length; i++) out[i] = this.rankOf(splits[i]!, inclusive);
    out[splits.length] = 1;
    return out;
  }

  /** Successive differences of {@link getCDF} (mass of each of the splits.length + 1 intervals). */
  getPMF(splits: ArrayLike<number>, options: KllQueryOptions = {}): number[] {
    const buckets = this.getCDF(splits, options);
    // Top-down so each difference uses the untouched lower CDF value (C++ order; matters only for rounding).
    for (let i = buckets.length - 1; i > 0; i--) buckets[i] = buckets[i]! - buckets[i - 1]!;
    return buckets;
  }

  /**
   * The a-priori normalized rank error at 99% confidence for the smallest k that contributed in estimation
   * mode: `pmf ? 2.446 / k^0.9433 : 2.296 / k^0.9723` (datasketches formula).
   */
  getNormalizedRankError(pmf: boolean): number {
    return pmf ? 2.446 / Math.pow(this.minK, 0.9433) : 2.296 / Math.pow(this.minK, 0.9723);
  }

  /**
   * Serializes to the datasketches compact image (default), or the whylogs fork layout. Images are taken
   * from the current state, including the level-zero-sorted flag set by earlier queries.
   */
  serialize(options: KllSerializeOptions = {}): Uint8Array {
    const layout = options.layout ?? "datasketches";
    if (layout !== "datasketches" && layout !== "whylogs") {
      throw new SketchError("invalid-argument", `kll: unknown layout ${String(layout)}`);
    }
    const sortedFlag = this.levelZeroSorted ? FLAG_LEVEL_ZERO_SORTED : 0;
    if (this.n === 0) {
      const w = new ByteWriter(8);
      writeShortHeader(w, SERIAL_VERSION_1, FLAG_EMPTY, this.k);
      return w.bytes;
    }
    if (this.n === 1) {
      const w = new ByteWriter(16);
      writeShortHeader(w, SERIAL_VERSION_2, FLAG_SINGLE_ITEM | sortedFlag, this.k);
      w.f64(this.items[this.levels[0]!]!);
      return w.bytes;
    }
    const whylogs = layout === "whylogs";
    const numLevels = this.numLevels;
    const beg = this.levels[0]!;
    const retained = this.levels[numLevels]! - beg;
    const headerBytes = whylogs ? 24 : 20;
    const size = headerBytes + 4 * numLevels + 8 * (retained + 2);
    if (LITTLE_ENDIAN_HOST) {
      // Byte stores and two bulk copies: no DataView or writer object, whose setup costs as much as the
      // header itself. Uint8Array stores keep the low 8 bits, so `v >>> 8` etc. need no masking.
      const out = new Uint8Array(size);
      out[0] = whylogs ? PREAMBLE_INTS_WHYLOGS : PREAMBLE_INTS_FULL;
      out[1] = SERIAL_VERSION_1;
      out[2] = FAMILY_KLL;
      out[3] = sortedFlag;
      out[4] = this.k;
      out[5] = this.k >>> 8;
      out[6] = KLL_M;
      putU32(out, 8, this.n % 4294967296);
      putU32(out, 12, Math.floor(this.n / 4294967296));
      out[16] = this.minK;
      out[17] = this.minK >>> 8;
      out[18] = numLevels;
      let at = headerBytes;
      for (let h = 0; h < numLevels; h++, at += 4) putU32(out, at, this.levels[h]!);
      MIN_MAX[0] = this.minItem;
      MIN_MAX[1] = this.maxItem;
      out.set(MIN_MAX_BYTES, at);
      out.set(new Uint8Array(this.items.buffer, this.items.byteOffset + beg * 8, retained * 8), at + 16);
      return out;
    }
    const w = new ByteWriter(size);
    w.u8(whylogs ? PREAMBLE_INTS_WHYLOGS : PREAMBLE_INTS_FULL);
    w.u8(SERIAL_VERSION_1);
    w.u8(FAMILY_KLL);
    w.u8(sortedFlag);
    w.u16(this.k);
    w.u8(KLL_M);
    w.u8(0);
    w.u64(this.n);
    w.u16(this.minK);
    w.u8(numLevels);
    w.u8(0);
    if (whylogs) w.zeros(4);
    for (let h = 0; h < numLevels; h++) w.u32(this.levels[h]!);
    w.f64(this.minItem);
    w.f64(this.maxItem);
    for (let i = beg; i < beg + retained; i++) w.f64(this.items[i]!);
    return w.bytes;
  }

  /**
   * Reads a KLL image written by datasketches-cpp/java/go or the whylogs fork.
   *
   * Accepted: empty (8 bytes); single item (serial version 2); full images with preamble_ints 5 (upstream,
   * including the legacy full-format n = 1) or 6 (whylogs fork, doubles only). The header carries no item type,
   * so the item width is decided from the exact image length: with R retained items and L levels a double image
   * is `H + 4L + 8(R + 2)` bytes and a float image `H + 4L + 4(R + 2)` (single item: 16 vs 12 bytes). These never
   * coincide, so the rule is unambiguous; floats are widened to doubles. Any other length is rejected. Other item
   * types of equal width (datasketches `kll_sketch<int64_t>`) are indistinguishable and decode as doubles
   * with the same bit patterns; they are not a supported input.
   *
   * `options.itemType` restricts the accepted item width (see {@link KllItemType}); an image of the other
   * width is then rejected as `corrupt` (or `truncated` when it is shorter than the required layout).
   *
   * @throws SketchError `truncated`, `wrong-family`, `bad-preamble` or `corrupt`, naming the field.
   */
  static deserialize(bytes: Uint8Array, options: KllDeserializeOptions = {}): KllDoublesSketch {
    const itemType = options.itemType ?? "auto";
    if (itemType !== "auto" && itemType !== "double" && itemType !== "float") {
      throw new SketchError("invalid-argument", `kll: unknown itemType ${String(itemType)}`);
    }
    const r = new ByteReader(bytes, "kll");
    const preInts = r.u8("preamble_ints");
    const serVer = r.u8("serial_version");
    const family = r.u8("family_id");
    if (family !== FAMILY_KLL) {
      throw new SketchError("wrong-family", `kll: family_id must be ${FAMILY_KLL}, got ${family}`, 2);
    }
    const flags = r.u8("flags");
    const k = r.u16("k");
    const m = r.u8("m");
    r.u8("unused");
    const isEmpty = (flags & FLAG_EMPTY) !== 0;
    const isSingle = (flags & FLAG_SINGLE_ITEM) !== 0;
    if (serVer !== SERIAL_VERSION_1 && serVer !== SERIAL_VERSION_2) {
      throw new SketchError("bad-preamble", `kll: unsupported serial_version ${serVer}`, 1);
    }
    if (isEmpty && isSingle) {
      throw new SketchError("bad-preamble", "kll: flags claim both empty and single-item", 3);
    }
    if (isEmpty || isSingle) {
      if (preInts !== PREAMBLE_INTS_SHORT) {
        throw new SketchError(
          "bad-preamble",
          `kll: preamble_ints must be 2 for an empty/single-item image, got ${preInts}`,
          0,
        );
      }
      if (isSingle !== (serVer === SERIAL_VERSION_2)) {
        throw new SketchError(
          "bad-preamble",
          `kll: serial_version ${serVer} does not match the single-item flag`,
          1,
        );
      }
    } else {
      if (preInts !== PREAMBLE_INTS_FULL && preInts !== PREAMBLE_INTS_WHYLOGS) {
        throw new SketchError(
          "bad-preamble",
          `kll: preamble_ints must be 5 or 6 for a full image, got ${preInts}`,
          0,
        );
      }
      if (serVer !== SERIAL_VERSION_1) {
        throw new SketchError(
          "bad-preamble",
          `kll: serial_version must be 1 for a full image, got ${serVer}`,
          1,
        );
      }
    }
    if (m !== KLL_M) throw new SketchError("bad-preamble", `kll: m must be ${KLL_M}, got ${m}`, 6);
    if (k < KLL_MIN_K)
      throw new SketchError("corrupt", `kll: k must be in [${KLL_MIN_K}, ${KLL_MAX_K}], got ${k}`, 4);
    const sorted = (flags & FLAG_LEVEL_ZERO_SORTED) !== 0;
    if (isEmpty) {
      r.expectEnd();
      return new KllDoublesSketch(k);
    }
    if (isSingle) {
      const sketch = new KllDoublesSketch(k);
      let x: number;
      if (itemType === "float") {
        x = r.f32("item");
        if (bytes.length !== 12) {
          throw r.corrupt(`single-item float image must be 12 bytes, got ${bytes.length}`);
        }
      } else if (bytes.length === 12 && itemType === "auto") x = r.f32("item");
      else if (bytes.length <= 16) x = r.f64("item");
      else throw r.corrupt(`single-item image must be 16 (double) or 12 (float) bytes, got ${bytes.length}`);
      if (x !== x) throw r.corrupt("item is NaN", 8);
      sketch.n = 1;
      sketch.levels[0] = k - 1;
      sketch.items[k - 1] = x;
      sketch.minItem = x;
      sketch.maxItem = x;
      sketch.levelZeroSorted = sorted;
      return sketch;
    }

    decoding = true;
    let sketch: KllDoublesSketch;
    try {
      sketch = new KllDoublesSketch(k);
    } finally {
      decoding = false;
    }
    const n = r.u64("n");
    const minK = r.u16("min_k");
    const numLevels = r.u8("num_levels");
    r.u8("unused");
    if (preInts === PREAMBLE_INTS_WHYLOGS) r.skip(4, "whylogs padding");
    if (n === 0) throw r.corrupt("n is 0 but the empty flag is not set", 8);
    if (minK < KLL_MIN_K || minK > k)
      throw r.corrupt(`min_k must be in [${KLL_MIN_K}, k=${k}], got ${minK}`, 16);
    if (numLevels < 1 || numLevels > KLL_MAX_LEVELS) {
      throw r.corrupt(`num_levels must be in [1, ${KLL_MAX_LEVELS}], got ${numLevels}`, 18);
    }
    const capacity = totalCapacity(sketch.caps, numLevels);
    const levelsOffset = r.offset;
    const levels = new Int32Array(numLevels + 1);
    for (let h = 0; h < numLevels; h++) {
      const v = r.u32("levels");
      if (v > capacity) throw r.corrupt(`levels[${h}] = ${v} exceeds the capacity ${capacity}`, r.offset - 4);
      if (h > 0 && v < levels[h - 1]!)
        throw r.corrupt(`levels[${h}] = ${v} is below levels[${h - 1}]`, r.offset - 4);
      levels[h] = v;
    }
    levels[numLevels] = capacity;
    const retained = capacity - levels[0]!;
    // Item width from the exact image length (the header has no type tag): see the method doc.
    const doubleSize = r.offset + 8 * (retained + 2);
    const floatSize = r.offset + 4 * (retained + 2);
    let width: 4 | 8;
    if (itemType === "float") {
      // datasketches writes preamble_ints 5 for float sketches (C++ and Java); 6 is the doubles-only fork.
      if (preInts !== PREAMBLE_INTS_FULL) {
        throw new SketchError(
          "bad-preamble",
          `kll: preamble_ints must be 5 for a full float image, got ${preInts}`,
          0,
        );
      }
      if (bytes.length < floatSize) {
        throw new SketchError(
          "truncated",
          `kll: truncated image: ${retained} retained items need ${floatSize} bytes (float), have ${bytes.length}`,
          bytes.length,
        );
      }
      if (bytes.length !== floatSize) {
        throw r.corrupt(`image is ${bytes.length} bytes, but the float layout needs ${floatSize}`, floatSize);
      }
      width = 4;
    } else if (bytes.length === doubleSize) width = 8;
    else if (bytes.length === floatSize && preInts === PREAMBLE_INTS_FULL && itemType === "auto") width = 4;
    else if (bytes.length < doubleSize) {
      throw new SketchError(
        "truncated",
        `kll: truncated image: ${retained} retained items need ${doubleSize} bytes (double)` +
          (preInts === PREAMBLE_INTS_FULL && itemType === "auto" ? ` or ${floatSize} (float)` : "") +
          `, have ${bytes.length}`,
        bytes.length,
      );
    } else {
      throw r.corrupt(`${bytes.length - doubleSize} unexpected trailing bytes after the image`, doubleSize);
    }
    // Weight conservation: every compaction halves a pair count and doubles the weight, so Σ count·2^h == n.
    let weight = 0;
    for (let h = 0, w = 1; h < numLevels; h++, w *= 2) {
      weight += (levels[h + 1]! - levels[h]!) * w;
      if (weight > n) break;
    }
    if (weight !== n) throw r.corrupt(`retained items weigh ${weight}, but n = ${n}`, levelsOffset);

    const minItem = width === 8 ? r.f64("min_item") : r.f32("min_item");
    const maxItem = width === 8 ? r.f64("max_item") : r.f32("max_item");
    if (minItem !== minItem || maxItem !== maxItem)
      throw r.corrupt("min_item/max_item is NaN", r.offset - 2 * width);
    if (!(minItem <= maxItem))
      throw r.corrupt(`min_item ${minItem} > max_item ${maxItem}`, r.offset - 2 * width);
    const itemsOffset = r.offset;
    const room = roomFor(sketch.caps, capacity, numLevels);
    const items = allocItems(capacity, room);
    readItems(r, items, levels[0]!, retained, width);
    // Cannot fail (the image length was matched exactly above); kept as the guard it always was.
    r.expectEnd();
    if (!itemsAreValid(items, levels, numLevels, sorted, minItem, maxItem)) {
      // Rare path: the checks again, item by item, for the exact first error (NaN/range before order).
      for (let i = levels[0]!; i < capacity; i++) {
        const x = items[i]!;
        if (x !== x) throw r.corrupt("item is NaN", itemsOffset + (i - levels[0]!) * width);
        if (x < minItem || x > maxItem) {
          throw r.corrupt(`item ${x} outside [min_item, max_item]`, itemsOffset + (i - levels[0]!) * width);
        }
      }
      // Levels above 0 are always sorted, and level 0 is when flagged: queries rely on it (binary search).
      for (let h = sorted ? 0 : 1; h < numLevels; h++) {
        for (let i = levels[h]! + 1; i < levels[h + 1]!; i++) {
          if (items[i - 1]! > items[i]!) throw r.corrupt(`level ${h} is not sorted`, levelsOffset);
        }
      }
      // Unreachable (itemsAreValid fails exactly when one of the checks above does); kept so a future
      // divergence between the two can never let an invalid image through.
      throw r.corrupt("items failed validation", itemsOffset);
    }
    sketch.n = n;
    sketch.minK = minK;
    sketch.numLevels = numLevels;
    sketch.levels = levels;
    sketch.items = items;
    sketch.itemsRoom = room;
    sketch.minItem = minItem;
    sketch.maxItem = maxItem;
    sketch.levelZeroSorted = sorted;
    return sketch;
  }

  /**
   * Reads a KLL **floats** image (datasketches-cpp/java `kll_floats_sketch`, e.g. the histograms of whylogs 0.x
   * profiles) into a doubles sketch: same levels, n, min_k and flags, with every float item and min/max
   * widened exactly to a double. Serializing the result gives a doubles image of the same sketch. Accepted:
   * empty (8 bytes), single item (12 bytes), full images with preamble_ints 5 and 4-byte items.
   *
   * Same as `deserialize(bytes, { itemType: "float" })`.
   * @throws SketchError as {@link deserialize}; a double image is rejected (`corrupt`, or `bad-preamble` for the
   * whylogs preamble 6).
   */
  static deserializeFloats(bytes: Uint8Array): KllDoublesSketch {
    return KllDoublesSketch.deserialize(bytes, { itemType: "float" });
  }

  // ---------------------------------------------------------------------------------------------------------
  // internals

  private clone(): KllDoublesSketch {
    // Like deserialize: the buffer is replaced at once, so the constructor allocates none.
    decoding = true;
    let c: KllDoublesSketch;
    try {
      c = new KllDoublesSketch(this.k, { bitSource: this.bits });
    } finally {
      decoding = false;
    }
    c.minK = this.minK;
    c.n = this.n;
    c.numLevels = this.numLevels;
    c.levels = this.levels.slice();
    // A buffer of its own, not a slab region: copies are what views keep for long, and a long-lived region
    // would pin its whole slab, garbage neighbours included.
    c.items = new Float64Array(this.items.length);
    c.itemsRoom = c.items.length;
    c.items.set(this.items);
    c.levelZeroSorted = this.levelZeroSorted;
    c.minItem = this.minItem;
    c.maxItem = this.maxItem;
    return c;
  }

  private requireNonEmpty(): void {
    if (this.n === 0) throw new SketchError("empty-sketch", "kll: the sketch is empty");
  }

  private levelCapacity(numLevels: number, height: number): number {
    return this.caps[numLevels - height - 1]!;
  }

  /** C++ `compress_while_updating`; precondition levels[0] == 0 (buffer full). */
  private compressWhileUpdating(): void {
    // Hot: runs once every ~7 updates at large n, so everything is inlined on locals (no helper calls for the
    // small ranges involved; native copyWithin/subarray calls cost more than the work itself).
    let levels = this.levels;
    const caps = this.caps;
    const numLevels = this.numLevels;
    let level = 0;
    // Terminates: a full buffer holds exactly Σ capacities, so some level is at or above its capacity.
    while (levels[level + 1]! - levels[level]! < caps[numLevels - level - 1]!) level++;
    if (level === numLevels - 1) {
      this.addEmptyTopLevel();
      levels = this.levels;
    }
    const items = this.items;
    const rawBeg = levels[level]!;
    const rawLim = levels[level + 1]!;
    const popAbove = levels[level + 2]! - rawLim;
    const rawPop = rawLim - rawBeg;
    const odd = rawPop & 1;
    const adjBeg = rawBeg + odd;
    const adjPop = rawPop - odd;
    const half = adjPop >>> 1;
    // The newest item (at rawBeg) stays out of the sort when the population is odd, as upstream.
    if (level === 0 && !this.levelZeroSorted) sortRange(items, adjBeg, adjBeg + adjPop);
    // `& 1`: a misbehaving source must not push the halving outside the level.
    const offset = this.bits.nextBit() & 1;
    if (popAbove === 0) {
      // randomly_halve_up
      const halfLim = adjBeg + half;
      for (let i = adjBeg + adjPop - 1, j = i - offset; i >= halfLim; i--, j -= 2) items[i] = items[j]!;
    } else {
      // randomly_halve_down, then merge the kept half with the level above into [adjBeg + half, …)
      const halfLim = adjBeg + half;
      for (let i = adjBeg, j = adjBeg + offset; i < halfLim; i++, j += 2) items[i] = items[j]!;
      let a = adjBeg;
      let b = rawLim;
      let c = halfLim;
      const limB = rawLim + popAbove;
      while (a < halfLim && b < limB) {
        // Branch-free select (t = 1 takes A): merging random runs mispredicts a branch on about every item.
        // Strict `<`: on ties the item of the level above goes first (upstream order).
        const t = +(items[a]! < items[b]!);
        items[c++] = items[b + t * (a - b)]!;
        a += t;
        b += 1 - t;
      }
      while (a < halfLim) items[c++] = items[a++]!;
      // Any rest of B is already in place (c === b once A is exhausted).
    }
    const newLim = rawLim - half;
    levels[level + 1] = newLim;
    if (odd === 1) {
      levels[level] = newLim - 1;
      items[newLim - 1] = items[rawBeg]!;
    } else {
      levels[level] = newLim;
    }
    if (level > 0) {
      // Shift the lower levels up by `half` (overlapping, so copy from the top down).
      const bottom = levels[0]!;
      for (let i = rawBeg - 1; i >= bottom; i--) items[i + half] = items[i]!;
      for (let lvl = 0; lvl < level; lvl++) levels[lvl] = levels[lvl]! + half;
    }
  }

  private addEmptyTopLevel(): void {
    const oldCap = this.levels[this.numLevels]!;
    const delta = this.levelCapacity(this.numLevels + 1, 0);
    const newCap = oldCap + delta;
    let newItems: Float64Array;
    if (newCap <= this.itemsRoom) {
      newItems = new Float64Array(this.items.buffer, this.items.byteOffset, newCap);
      newItems.copyWithin(delta, 0, oldCap);
    } else {
      this.itemsRoom = roomFor(this.caps, newCap, this.numLevels + 1);
      newItems = ownItems(newCap, this.itemsRoom);
      newItems.set(this.items.subarray(0, oldCap), delta);
    }
    const newLevels = new Int32Array(this.numLevels + 2);
    for (let i = 0; i <= this.numLevels; i++) newLevels[i] = this.levels[i]! + delta;
    this.numLevels++;
    newLevels[this.numLevels] = oldCap + delta;
    this.items = newItems;
    this.levels = newLevels;
  }

  /** C++ `merge_higher_levels` + `populate_work_arrays` + `general_compress`. */
  private mergeHigherLevels(other: KllDoublesSketch, finalN: number): void {
    const caps = this.caps;
    const selfLevels = this.levels;
    const otherLevels = other.levels;
    const prov = Math.max(this.numLevels, other.numLevels);
    const selfSize = (lvl: number): number =>
      lvl < this.numLevels ? selfLevels[lvl + 1]! - selfLevels[lvl]! : 0;
    const otherSize = (lvl: number): number =>
      lvl < other.numLevels ? otherLevels[lvl + 1]! - otherLevels[lvl]! : 0;
    const ub = ubOnNumLevels(finalN);
    let total = this.getNumRetained();
    for (let lvl = 1; lvl < other.numLevels; lvl++) total += otherSize(lvl);
    // Typed-array allocation (off-heap backing store) costs more than the merge itself: reuse a module scratch
    // buffer (merges are synchronous, so it is never shared by two merges at once).
    if (mergeScratch.length < total)
      mergeScratch = new Float64Array(Math.max(total, 2 * mergeScratch.length));
    const work = mergeScratch;
    // general_compress may add levels up to ub (and writes one virtual level above the current top).
    const levelSlots = Math.max(ub, prov) + 3;
    if (mergeInLevels.length < levelSlots) {
      mergeInLevels = new Int32Array(levelSlots);
      mergeOutLevels = new Int32Array(levelSlots);
    }
    const inLevels = mergeInLevels.fill(0);
    const outLevels = mergeOutLevels.fill(0);

    // populate_work_arrays
    const pop0 = selfSize(0);
    copyRun(this.items, selfLevels[0]!, work, 0, pop0);
    inLevels[1] = pop0;
    for (let lvl = 1; lvl < prov; lvl++) {
      const sp = selfSize(lvl);
      const op = otherSize(lvl);
      const at = inLevels[lvl]!;
      inLevels[lvl + 1] = at + sp + op;
      if (sp > 0 && op === 0) copyRun(this.items, selfLevels[lvl]!, work, at, sp);
      else if (sp === 0 && op > 0) copyRun(other.items, otherLevels[lvl]!, work, at, op);
      else if (sp > 0 && op > 0) {
        mergeSortedRuns(this.items, selfLevels[lvl]!, sp, other.items, otherLevels[lvl]!, op, work, at);
      }
    }

    // general_compress
    let curLevels = prov;
    let curCount = inLevels[prov]! - inLevels[0]!;
    let target = totalCapacity(caps, curLevels);
    outLevels[0] = 0;
    for (let lvl = 0; ; lvl++) {
      if (lvl === curLevels - 1) inLevels[lvl + 2] = inLevels[lvl + 1]!;
      const rawBeg = inLevels[lvl]!;
      const rawLim = inLevels[lvl + 1]!;
      const rawPop = rawLim - rawBeg;
      if (curCount < target || rawPop < caps[curLevels - lvl - 1]!) {
        const out = outLevels[lvl]!;
        if (rawBeg !== out) work.copyWithin(out, rawBeg, rawLim);
        outLevels[lvl + 1] = out + rawPop;
      } else {
        const popAbove = inLevels[lvl + 2]! - rawLim;
        const odd = rawPop & 1;
        const adjBeg = rawBeg + odd;
        const adjPop = rawPop - odd;
        const half = adjPop >>> 1;
        if (odd === 1) {
          work[outLevels[lvl]!] = work[rawBeg]!;
          outLevels[lvl + 1] = outLevels[lvl]! + 1;
        } else {
          outLevels[lvl + 1] = outLevels[lvl]!;
        }
        if (lvl === 0 && !this.levelZeroSorted) sortRange(work, adjBeg, adjBeg + adjPop);
        if (popAbove === 0) {
          randomlyHalveUp(work, adjBeg, adjPop, this.bits.nextBit() & 1);
        } else {
          randomlyHalveDown(work, adjBeg, adjPop, this.bits.nextBit() & 1);
          mergeSortedRuns(work, adjBeg, half, work, rawLim, popAbove, work, adjBeg + half);
        }
        curCount -= half;
        inLevels[lvl + 1] = inLevels[lvl + 1]! - half;
        if (lvl === curLevels - 1) {
          curLevels++;
          target += caps[curLevels - 1]!;
        }
      }
      if (lvl === curLevels - 1) break;
    }

    const free = target - curCount;
    // The free space below levels[0] is never read, so the old buffer is reused when the capacity is unchanged.
    // populate_work_arrays has consumed the old items, so their region can take the result.
    let items = this.items;
    if (target > this.itemsRoom) {
      this.itemsRoom = roomFor(caps, target, curLevels);
      items = ownItems(target, this.itemsRoom);
    } else if (target !== items.length) {
      items = new Float64Array(items.buffer, items.byteOffset, target);
    }
    copyRun(work, outLevels[0]!, items, free, curCount);
    const shift = free - outLevels[0]!;
    const levels = new Int32Array(curLevels + 1);
    for (let lvl = 0; lvl <= curLevels; lvl++) levels[lvl] = outLevels[lvl]! + shift;
    this.items = items;
    this.levels = levels;
    this.numLevels = curLevels;
  }

  /** Builds (once) the sorted view; sorts level 0 in place and sets the flag, as C++ `get_sorted_view`. */
  private ensureView(): void {
    if (this.viewItems !== null) return;
    const levels = this.levels;
    if (!this.levelZeroSorted) {
      sortRange(this.items, levels[0]!, levels[1]!);
      this.levelZeroSorted = true;
    }
    const total = levels[this.numLevels]! - levels[0]!;
    // Level-by-level merges ping-pong through module scratch buffers; only the result is allocated.
    if (viewScratch[0].length < total) {
      for (let i = 0; i < 4; i++)
        viewScratch[i] = new Float64Array(Math.max(total, 2 * viewScratch[i]!.length));
    }
    let curItems = viewScratch[0];
    let curWeights = viewScratch[1]!;
    let nextItems = viewScratch[2]!;
    let nextWeights = viewScratch[3]!;
    let size = 0;
    const items = this.items;
    for (let h = 0; h < this.numLevels; h++) {
      const beg = levels[h]!;
      const end = levels[h + 1]!;
      if (beg === end) continue;
      const w = 2 ** h;
      // Stable merge: on ties the entries already in the view (lower levels) come first, as std::inplace_merge.
      let a = 0;
      let b = beg;
      let c = 0;
      while (a < size && b < end) {
        if (items[b]! < curItems[a]!) {
          nextItems[c] = items[b++]!;
          nextWeights[c++] = w;
        } else {
          nextItems[c] = curItems[a]!;
          nextWeights[c++] = curWeights[a++]!;
        }
      }
      while (a < size) {
        nextItems[c] = curItems[a]!;
        nextWeights[c++] = curWeights[a++]!;
      }
      while (b < end) {
        nextItems[c] = items[b++]!;
        nextWeights[c++] = w;
      }
      size = c;
      [curItems, nextItems] = [nextItems, curItems];
      [curWeights, nextWeights] = [nextWeights, curWeights];
    }
    const viewItems = new Float64Array(size);
    const viewCum = new Float64Array(size);
    let cum = 0;
    for (let i = 0; i < size; i++) {
      viewItems[i] = curItems[i]!;
      cum += curWeights[i]!;
      viewCum[i] = cum;
    }
    this.viewItems = viewItems;
    this.viewCumWeights = viewCum;
  }

  private quantileOf(rank: number, inclusive: boolean): number {
    this.ensureView();
    const items = this.viewItems!;
    const cum = this.viewCumWeights!;
    const size = items.length;
    // C++ converts rank·n to u64: ceil for inclusive, truncation for exclusive.
    const weight = inclusive ? Math.ceil(rank * this.n) : Math.floor(rank * this.n);
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = cum[mid]!;
      if (inclusive ? c < weight : c <= weight) lo = mid + 1;
      else hi = mid;
    }
    return items[lo < size ? lo : size - 1]!;
  }

  private rankOf(x: number, inclusive: boolean): number {
    this.ensureView();
    const items = this.viewItems!;
    const cum = this.viewCumWeights!;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = items[mid]!;
      if (inclusive ? v <= x : v < x) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : cum[lo - 1]! / this.n;
  }
}

let mergeScratch = new Float64Array(1024);
let mergeInLevels = new Int32Array(72);
const viewScratch: [Float64Array, ...Float64Array[]] = [
  new Float64Array(1024),
  new Float64Array(1024),
  new Float64Array(1024),
  new Float64Array(1024),
];
let mergeOutLevels = new Int32Array(72);

/**
 * dst[to, to+count) = src[from, from+count) (distinct buffers, or non-overlapping ranges). Short runs copy in
 * JS: `subarray` + `set` cost ~80 ns of fixed overhead, but then move ~1 item per 0.1 ns against ~1 ns in a loop.
 */
function copyRun(src: Float64Array, from: number, dst: Float64Array, to: number, count: number): void {
  if (count > NATIVE_COPY_MIN) {
    dst.set(src.subarray(from, from + count), to);
    return;
  }
  for (let i = 0; i < count; i++) dst[to + i] = src[from + i]!;
}
const NATIVE_COPY_MIN = 96;

/**
 * Region size for `capacity` items in a sketch of `numLevels` levels: room for the level a growth would add
 * next (its capacity is caps[numLevels]; KLL_M past the table, which growth never reaches in practice). No
 * room when that level would add more than a quarter (few-level sketches, where it is up to 2k/3 items): the
 * spare memory stays bounded, and such sketches grow rarely relative to their size anyway.
 */
function roomFor(caps: Int32Array, capacity: number, numLevels: number): number {
  const extra = caps[numLevels] ?? KLL_M;
  return 4 * extra <= capacity ? capacity + extra : capacity;
}

/** Set only around the constructor call in deserialize(), which installs its own item buffer. */
let decoding = false;

/**
 * A buffer of the sketch's own for `length` items with room for `room`. Only decoding takes regions of the
 * shared slabs (many sketches decoded together live and die together); a sketch that is updated or grown
 * lives on its own, because a long-lived slab region pins its whole slab, garbage neighbours included — a
 * view of a one-row profile held twice its size that way.
 */
function ownItems(length: number, room: number): Float64Array {
  return new Float64Array(new ArrayBuffer(room * 8), 0, length);
}
const NO_ITEMS = new Float64Array(0);

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian u32 at out[at, at+4) (v < 2^32; array stores truncate to the low byte). */
function putU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
}

/** Staging for min/max in serialize() (native byte order: used on little-endian hosts only). */
const MIN_MAX = new Float64Array(2);
const MIN_MAX_BYTES = new Uint8Array(MIN_MAX.buffer);

/** Reads `count` items of `width` bytes into dst[at, at+count); a bulk byte copy on little-endian hosts. */
function readItems(r: ByteReader, dst: Float64Array, at: number, count: number, width: 4 | 8): void {
  const src = r.slice(count * width, "items");
  if (LITTLE_ENDIAN_HOST && width === 8) {
    new Uint8Array(dst.buffer, dst.byteOffset + at * 8, count * 8).set(src);
  } else if (LITTLE_ENDIAN_HOST) {
    const floats = new Float32Array(count);
    new Uint8Array(floats.buffer).set(src);
    for (let i = 0; i < count; i++) dst[at + i] = floats[i]!;
  } else {
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let i = 0; i < count; i++) {
      dst[at + i] = width === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
    }
  }
}

/**
 * True iff every item is a number in [minItem, maxItem] and every level that must be sorted (all above 0, and
 * level 0 when flagged) is non-decreasing: the decoder's item checks in one pass with about one comparison
 * per item. A sorted level needs only `prev <= x` per pair plus its two ends against the bounds (the rest lie
 * between them); `<=` and `>=` are false for NaN, so no separate NaN test is needed.
 */
function itemsAreValid(
  items: Float64Array,
  levels: Int32Array,
  numLevels: number,
  level0Sorted: boolean,
  minItem: number,
  maxItem: number,
): boolean {
  let h = 0;
  if (!level0Sorted) {
    const lim = levels[1]!;
    for (let i = levels[0]!; i < lim; i++) {
      const x = items[i]!;
      if (!(x >= minItem && x <= maxItem)) return false;
    }
    h = 1;
  }
  for (; h < numLevels; h++) {
    const beg = levels[h]!;
    const lim = levels[h + 1]!;
    if (beg === lim) continue;
    let prev = items[beg]!;
    if (!(prev >= minItem)) return false;
    for (let i = beg + 1; i < lim; i++) {
      const x = items[i]!;
      if (!(prev <= x)) return false;
      prev = x;
    }
    if (!(prev <= maxItem)) return false;
  }
  return true;
}

function checkBitSource(src: RandomBitSource): RandomBitSource {
  if (
    src === null ||
    typeof src !== "object" ||
    typeof (src as { nextBit?: unknown }).nextBit !== "function"
  ) {
    throw new SketchError("invalid-argument", "kll: bitSource must have a nextBit() method");
  }
  return src;
}

function notANumber(x: unknown): SketchError {
  return new SketchError("invalid-argument", `kll: expected a number, got ${typeof x}`);
}

function writeShortHeader(w: ByteWriter, serVer: number, flags: number, k: number): void {
  w.u8(PREAMBLE_INTS_SHORT);
  w.u8(serVer);
  w.u8(FAMILY_KLL);
  w.u8(flags);
  w.u16(k);
  w.u8(KLL_M);
  w.u8(0);
}

function checkRank(rank: number): void {
  if (!(rank >= 0 && rank <= 1)) {
    throw new SketchError("invalid-argument", `kll: rank must be in [0, 1], got ${rank}`);
  }
}

function checkSplits(splits: ArrayLike<number>): void {
  for (let i = 0; i < splits.length; i++) {
    const s = splits[i]!;
    if (typeof s !== "number" || s !== s)
      throw new SketchError("invalid-argument", `kll: split point ${i} is NaN`);
    if (i > 0 && !(splits[i - 1]! < s)) {
      throw new SketchError("invalid-argument", "kll: split points must be unique and strictly increasing");
    }
  }
}
