import { ByteReader } from "../codec/byte-reader.js";
import { ByteWriter } from "../codec/byte-writer.js";
import { SketchError } from "../errors.js";
import { encodeUtf8Into } from "../hash/utf8.js";
import { capacityOf, NOT_WELL_FORMED, ReversePurgeHashMap } from "./reverse-purge-hash-map.js";

const FAMILY_ID = 10;
const SERIAL_VERSION = 1;
const PREAMBLE_LONGS_EMPTY = 1;
const PREAMBLE_LONGS_NONEMPTY = 4;
/** Upstream C++ marks empty with bit 0, Java with bit 2; current C++ writes both (0x05). */
const EMPTY_FLAGS = 0x05;
const LG_MIN_MAP_SIZE = 3;
/**
 * Largest supported lg map size. Upstream accepts up to 2^31 slots; we stop at 2^22 (ε ≈ 8.3e-7)
 * so that neither a constructor argument nor a 40-byte image can make us allocate more than
 * ~90 MB of tables.
 */
const LG_MAX_LIMIT = 22;
const EPSILON_FACTOR = 3.5;
const CONTEXT = "frequent-items";

// The package compiles against the plain ES2022 lib (no DOM/Node typings); both exist in Node ≥ 11
// and every browser, so declare just what we use.
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean; ignoreBOM: boolean },
) => { decode(input: Uint8Array): string };
declare const TextEncoder: new () => { encode(input: string): Uint8Array };

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Little-endian u64 of an integer `v` in [0, 2^53) as two u32 words. */
function writeU64(view: DataView, at: number, v: number): void {
  const lo = v >>> 0;
  view.setUint32(at, lo, true);
  view.setUint32(at + 4, (v - lo) / 4294967296, true);
}

/** Scratch of {@link encodeItems}, grown on demand and reused across calls. */
let itemScratch = new Uint8Array(4096);

/**
 * Allocates the image (`itemsAt` header bytes, then the item section) and fills its item section:
 * [u32 length][UTF-8 bytes] per item in `order`. Each item is encoded once, into a reused scratch
 * buffer (the section size is only known afterwards), which one `set` then copies into the image.
 * For the short strings typical here, a plain JS loop is much faster than a `TextEncoder` call per
 * item (each call crosses into C++ and allocates) and than joining all items for one `encodeInto`
 * call (measured on Node 20: the join alone costs more than the whole loop).
 */
function encodeItems(keys: string[], order: Int32Array, itemsAt: number): Uint8Array {
  let end = 0;
  for (let k = 0; k < order.length; k++) {
    const item = keys[order[k]!]!;
    const n = item.length;
    const at = end + 4;
    if (itemScratch.length < at + 3 * n) {
      const grown = new Uint8Array(Math.max(2 * itemScratch.length, at + 3 * n));
      grown.set(itemScratch.subarray(0, end));
      itemScratch = grown;
    }
    const buf = itemScratch;
    // ASCII fast path; the first other code unit restarts the item with the full encoder.
    end = at;
    for (let i = 0; i < n; i++) {
      const c = item.charCodeAt(i);
      if (c >= 0x80) {
        end = encodeUtf8Into(item, buf, at, "reject");
        break;
      }
      buf[end++] = c;
    }
    if (end < 0) {
      // Unreachable (lone surrogates never enter the map); kept to match TextEncoder regardless.
      const bytes = utf8Encoder.encode(item);
      buf.set(bytes, at);
      end = at + bytes.length;
    }
    const len = end - at;
    buf[at - 4] = len;
    buf[at - 3] = len >>> 8;
    buf[at - 2] = len >>> 16;
    buf[at - 1] = len >>> 24;
  }
  const image = new Uint8Array(itemsAt + end);
  image.set(itemScratch.subarray(0, end), itemsAt);
  return image;
}

/**
 * Which error a frequent-items query may make (values as upstream `frequent_items_error_type`).
 * - `NO_FALSE_POSITIVES`: return items whose lower bound exceeds the threshold (all returned items
 *   are truly above it, some may be missed).
 * - `NO_FALSE_NEGATIVES`: return items whose upper bound exceeds the threshold (every item truly
 *   above it is returned when the threshold is ≥ the maximum error; some returned items may not be
 *   above it).
 */
export const ErrorType = {
  NO_FALSE_POSITIVES: 0,
  NO_FALSE_NEGATIVES: 1,
} as const;
/** A value of {@link ErrorType}. */
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** One row of {@link FrequentItemsSketch.getFrequentItems}. */
export interface FrequentItemRow {
  readonly item: string;
  /** Counter + maximum error (the upper bound), as upstream. */
  readonly estimate: number;
  readonly lowerBound: number;
  readonly upperBound: number;
}

function checkLg(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new SketchError(
      "invalid-argument",
      `${CONTEXT}: ${name} must be an integer in [0, 255], got ${value}`,
    );
  }
  // Upstream silently raises sizes below the minimum to 3.
  const lg = Math.max(value, LG_MIN_MAP_SIZE);
  if (lg > LG_MAX_LIMIT) {
    throw new SketchError(
      "invalid-argument",
      `${CONTEXT}: ${name} ${value} exceeds the supported maximum ${LG_MAX_LIMIT}`,
    );
  }
  return lg;
}

/**
 * When the item section at the reader's offset (`numItems` × [u32 length][UTF-8 bytes]) spans
 * exactly to the end of the image and is pure ASCII — length prefixes included, as they are for
 * items shorter than 128 bytes — returns it decoded as one string, in which byte i is code unit i;
 * otherwise null. A single decoder call plus a substring per item is several times faster than
 * a decoder call per item (each crosses into C++ and needs a subarray).
 */
function decodeAsciiItems(r: ByteReader, numItems: number): string | null {
  const { bytes, view } = r;
  const start = r.offset;
  const end = bytes.length;
  let p = start;
  for (let k = 0; k < numItems; k++) {
    if (end - p < 4) return null;
    const len = view.getUint32(p, true);
    p += 4;
    if (len > end - p) return null;
    p += len;
  }
  if (p !== end) return null;
  let text: string;
  try {
    text = utf8Decoder.decode(bytes.subarray(start, end));
  } catch {
    return null;
  }
  // Any multi-byte sequence yields fewer code units than bytes.
  return text.length === end - start ? text : null;
}

/**
 * Frequent Items sketch (Misra–Gries with reverse purge) over string items with positive integer
 * weights, byte-compatible with datasketches-cpp `frequent_items_sketch<std::string>` (uint64
 * weights) and readable/writable by Java `FrequentItemsSketch<String>` / `ArrayOfStringsSerDe`.
 *
 * For every item: `lowerBound ≤ true weight ≤ upperBound`, and `upperBound − lowerBound =
 * getMaximumError()`. With ε = 3.5 / 2^lgMaxMapSize the maximum error is at most ε · total weight
 * (deterministic for lgMaxMapSize ≤ 10, where the purge median is exact, also after merging
 * sketches of equal size; the a priori bound upstream quotes for larger maps).
 *
 * @example
 * ```ts
 * const sk = new FrequentItemsSketch(10);
 * for (const word of words) sk.update(word);
 * const heavy = sk.getFrequentItems(ErrorType.NO_FALSE_POSITIVES);
 * const bytes = sk.serialize(); // readable by datasketches-cpp / -java
 * const copy = FrequentItemsSketch.deserialize(bytes);
 * ```
 */
export class FrequentItemsSketch {
  private map: ReversePurgeHashMap;
  private totalWeight = 0;
  private offset = 0;

  /**
   * @param lgMaxMapSize log2 of the maximum hash-map size (integer; values below 3 are raised to 3
   *   as upstream; at most 22 here). The sketch keeps at most 0.75 · 2^lgMaxMapSize items.
   * @param lgStartMapSize log2 of the initial map size (default 3, must not exceed lgMaxMapSize).
   */
  constructor(lgMaxMapSize: number, lgStartMapSize = LG_MIN_MAP_SIZE) {
    const lgMax = checkLg(lgMaxMapSize, "lgMaxMapSize");
    const lgStart = checkLg(lgStartMapSize, "lgStartMapSize");
    if (lgStart > lgMax) {
      throw new SketchError(
        "invalid-argument",
        `${CONTEXT}: lgStartMapSize ${lgStart} must not exceed lgMaxMapSize ${lgMax}`,
      );
    }
    this.map = new ReversePurgeHashMap(lgStart, lgMax);
  }

  /**
   * Adds `weight` occurrences of `item`. A weight of 0 is ignored (as upstream). Strings containing
   * a lone surrogate are rejected: they have no UTF-8 form, so they could not be serialized.
   */
  update(item: string, weight = 1): void {
    if (typeof item !== "string") {
      throw new SketchError("invalid-argument", `${CONTEXT}: item must be a string, got ${typeof item}`);
    }
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new SketchError(
        "invalid-argument",
        `${CONTEXT}: weight must be a non-negative safe integer, got ${weight}`,
      );
    }
    if (weight === 0) return;
    const total = this.totalWeight + weight;
    if (total > Number.MAX_SAFE_INTEGER) {
      throw new SketchError("invalid-argument", `${CONTEXT}: total weight would exceed 2^53 - 1`);
    }
    const purged = this.map.adjustOrInsert(item, weight);
    if (purged === NOT_WELL_FORMED) {
      throw new SketchError(
        "invalid-argument",
        `${CONTEXT}: item contains a lone surrogate (not valid UTF-8)`,
      );
    }
    this.totalWeight = total;
    this.offset += purged;
  }

  /**
   * Merges `other` into this sketch: its items are replayed in upstream iteration order, then the
   * maximum errors and total weights add up. `other` is not modified; merging a sketch into itself
   * doubles it.
   *
   * As upstream, a sketch with no active item counts as empty and is skipped — including the rare
   * sketch whose purge dropped every item, whose total weight and maximum error are then not added.
   */
  merge(other: FrequentItemsSketch): void {
    if (!(other instanceof FrequentItemsSketch)) {
      throw new SketchError("invalid-argument", `${CONTEXT}: can only merge another FrequentItemsSketch`);
    }
    if (other.isEmpty()) return;
    const mergedTotal = this.totalWeight + other.totalWeight;
    const mergedOffset = this.offset + other.offset;
    if (mergedTotal > Number.MAX_SAFE_INTEGER) {
      throw new SketchError("invalid-argument", `${CONTEXT}: merged total weight would exceed 2^53 - 1`);
    }
    const src = other.map;
    // Snapshot first: merging a sketch into itself must replay the state before the merge.
    const order = src.iterationOrder();
    const keys = order.length === 0 ? [] : Array.from(order, (i) => src.keys[i]!);
    const values = Float64Array.from(order, (i) => src.values[i]!);
    let offset = 0;
    for (let k = 0; k < keys.length; k++) offset += this.map.adjustOrInsertUncached(keys[k]!, values[k]!);
    this.offset = mergedOffset + offset;
    this.totalWeight = mergedTotal;
  }

  /** Estimated weight of `item`: counter + maximum error if tracked, else 0 (as upstream). */
  getEstimate(item: string): number {
    const w = this.#get(item);
    return w > 0 ? w + this.offset : 0;
  }

  /** Guaranteed lower bound of `item`'s weight (its counter, 0 if untracked). */
  getLowerBound(item: string): number {
    return this.#get(item);
  }

  /** Guaranteed upper bound of `item`'s weight (counter + maximum error). */
  getUpperBound(item: string): number {
    return this.#get(item) + this.offset;
  }

  /** The maximum error of any estimate (upstream "offset": the sum of purge medians). */
  getMaximumError(): number {
    return this.offset;
  }

  /** Total weight of all updates (including merged sketches). */
  getTotalWeight(): number {
    return this.totalWeight;
  }

  /** Number of items currently tracked. */
  getNumActiveItems(): number {
    return this.map.numActive;
  }

  /** ε = 3.5 / 2^lgMaxMapSize: the maximum error is at most ε · total weight. */
  getEpsilon(): number {
    return EPSILON_FACTOR / (1 << this.map.lgMax);
  }

  /** A priori maximum error for a sketch of this size after `estimatedTotalWeight` of updates. */
  static getAprioriError(lgMaxMapSize: number, estimatedTotalWeight: number): number {
    const lg = checkLg(lgMaxMapSize, "lgMaxMapSize");
    if (!Number.isFinite(estimatedTotalWeight) || estimatedTotalWeight < 0) {
      throw new SketchError(
        "invalid-argument",
        `${CONTEXT}: estimatedTotalWeight must be a finite non-negative number, got ${estimatedTotalWeight}`,
      );
    }
    return (EPSILON_FACTOR / (1 << lg)) * estimatedTotalWeight;
  }

  /** True when no item is tracked (upstream semantics: also after a purge that dropped every item). */
  isEmpty(): boolean {
    return this.map.numActive === 0;
  }

  /**
   * Items whose lower bound (NO_FALSE_POSITIVES) or upper bound (NO_FALSE_NEGATIVES) is strictly
   * greater than `threshold` (default: the maximum error), sorted by estimate descending, ties by
   * item ascending (UTF-16 order) so results are deterministic (upstream leaves ties unordered).
   *
   * Guarantees: every NO_FALSE_POSITIVES row has a true weight > threshold; NO_FALSE_NEGATIVES
   * returns every item whose true weight is > threshold provided threshold ≥ getMaximumError()
   * (an untracked item may have any weight up to the maximum error).
   */
  getFrequentItems(errorType: ErrorType, threshold: number = this.offset): FrequentItemRow[] {
    if (errorType !== ErrorType.NO_FALSE_POSITIVES && errorType !== ErrorType.NO_FALSE_NEGATIVES) {
      throw new SketchError("invalid-argument", `${CONTEXT}: unknown error type ${String(errorType)}`);
    }
    if (typeof threshold !== "number" || Number.isNaN(threshold)) {
      throw new SketchError(
        "invalid-argument",
        `${CONTEXT}: threshold must be a number, got ${String(threshold)}`,
      );
    }
    const { states, values, keys } = this.map;
    const offset = this.offset;
    const rows: FrequentItemRow[] = [];
    for (let i = 0; i < states.length; i++) {
      if (states[i] === 0) continue;
      const lb = values[i]!;
      const ub = lb + offset;
      if (errorType === ErrorType.NO_FALSE_NEGATIVES ? ub > threshold : lb > threshold) {
        rows.push({ item: keys[i]!, estimate: ub, lowerBound: lb, upperBound: ub });
      }
    }
    rows.sort((a, b) =>
      a.estimate !== b.estimate ? b.estimate - a.estimate : a.item < b.item ? -1 : a.item > b.item ? 1 : 0,
    );
    return rows;
  }

  /** Serialized image (upstream layout; item order as a Linux/libstdc++ C++ build). */
  serialize(): Uint8Array {
    const map = this.map;
    if (this.isEmpty()) {
      const w = new ByteWriter(8);
      this.#writePreamble(w, PREAMBLE_LONGS_EMPTY, EMPTY_FLAGS);
      w.zeros(2);
      return w.bytes;
    }
    const order = map.iterationOrder();
    const n = order.length;
    const itemsAt = 32 + 8 * n;
    // The item section decides the image size, so it is encoded first (see encodeItems).
    const image = encodeItems(map.keys, order, itemsAt);
    // One DataView, u32 halves: counters are integers below 2^53, so `>>> 0` is the low word exactly.
    const view = new DataView(image.buffer);
    image[0] = PREAMBLE_LONGS_NONEMPTY;
    image[1] = SERIAL_VERSION;
    image[2] = FAMILY_ID;
    image[3] = map.lgMax;
    image[4] = map.lgCur;
    // image[5] (flags), [6..8) unused, [12..16) unused stay 0.
    view.setUint32(8, n, true);
    writeU64(view, 16, this.totalWeight);
    writeU64(view, 24, this.offset);
    const values = map.values;
    for (let k = 0; k < n; k++) writeU64(view, 32 + 8 * k, values[order[k]!]!);
    return image;
  }

  /**
   * Decodes an image written by this library, datasketches-cpp (any version: empty flag in bit 0
   * or bit 2) or datasketches-java with `ArrayOfStringsSerDe`. Throws {@link SketchError} only.
   */
  static deserialize(bytes: Uint8Array): FrequentItemsSketch {
    const r = new ByteReader(bytes, CONTEXT);
    const preLongs = r.u8("preamble_longs");
    const serVer = r.u8("serial_version");
    const family = r.u8("family_id");
    const lgMax = r.u8("lg_max_map_size");
    const lgCur = r.u8("lg_cur_map_size");
    const flags = r.u8("flags");
    r.skip(2, "unused16");
    if (family !== FAMILY_ID) {
      throw new SketchError("wrong-family", `${CONTEXT}: family_id is ${family}, expected ${FAMILY_ID}`, 2);
    }
    if (serVer !== SERIAL_VERSION) {
      throw new SketchError(
        "bad-preamble",
        `${CONTEXT}: serial_version is ${serVer}, expected ${SERIAL_VERSION}`,
        1,
      );
    }
    const empty = (flags & EMPTY_FLAGS) !== 0;
    const expectedPre = empty ? PREAMBLE_LONGS_EMPTY : PREAMBLE_LONGS_NONEMPTY;
    if (preLongs !== expectedPre) {
      throw new SketchError(
        "bad-preamble",
        `${CONTEXT}: preamble_longs is ${preLongs}, expected ${expectedPre} for ${empty ? "an empty" : "a non-empty"} sketch`,
        0,
      );
    }
    if (lgMax < LG_MIN_MAP_SIZE || lgMax > LG_MAX_LIMIT) {
      throw new SketchError(
        "bad-preamble",
        `${CONTEXT}: lg_max_map_size ${lgMax} outside the supported range [${LG_MIN_MAP_SIZE}, ${LG_MAX_LIMIT}]`,
        3,
      );
    }
    if (lgCur < LG_MIN_MAP_SIZE || lgCur > lgMax) {
      throw new SketchError(
        "bad-preamble",
        `${CONTEXT}: lg_cur_map_size ${lgCur} outside [${LG_MIN_MAP_SIZE}, ${lgMax}]`,
        4,
      );
    }
    if (empty) {
      r.expectEnd();
      const sketch = new FrequentItemsSketch(lgMax, LG_MIN_MAP_SIZE);
      sketch.map = new ReversePurgeHashMap(lgCur, lgMax, true);
      return sketch;
    }
    const numItems = r.u32("num_items");
    r.skip(4, "unused32");
    const totalWeight = r.u64("total_weight");
    const offset = r.u64("offset");
    if (numItems === 0) throw r.corrupt("non-empty image with num_items = 0", 8);
    if (numItems > capacityOf(lgCur)) {
      throw r.corrupt(
        `num_items ${numItems} exceeds the capacity ${capacityOf(lgCur)} of a 2^${lgCur} map`,
        8,
      );
    }
    // Each item needs an 8-byte counter plus at least a 4-byte length: check before allocating.
    if (numItems * 12 > r.remaining) {
      throw new SketchError(
        "truncated",
        `${CONTEXT}: truncated image: num_items ${numItems} needs at least ${numItems * 12} bytes, have ${r.remaining}`,
        32,
      );
    }
    if (offset > totalWeight) throw r.corrupt(`offset ${offset} exceeds total_weight ${totalWeight}`, 24);
    // Hot loops read through the reader's DataView without building field names; whenever a check
    // fails, the reader itself re-reads the field so that errors stay exactly as before.
    const view = r.view;
    const counters = new Float64Array(numItems);
    let sum = 0;
    let at = r.offset;
    // In bounds: numItems * 12 <= remaining was checked above.
    for (let k = 0; k < numItems; k++, at += 8) {
      const hi = view.getUint32(at + 4, true);
      if (hi > 0x1fffff) {
        r.offset = at;
        r.u64(`counter[${k}]`); // throws "exceeds 2^53"
      }
      const c = hi * 4294967296 + view.getUint32(at, true);
      if (c === 0) throw r.corrupt(`counter[${k}] is 0 (counters must be positive)`, at);
      sum += c;
      if (sum > totalWeight) throw r.corrupt(`sum of counters exceeds total_weight ${totalWeight}`, at);
      counters[k] = c;
    }
    r.offset = at;
    const sketch = new FrequentItemsSketch(lgMax, lgCur);
    const text = decodeAsciiItems(r, numItems);
    if (text !== null) {
      // Fast path: one decode for all items, then a substring per item (see decodeAsciiItems).
      const bytes = r.bytes;
      const base = r.offset;
      let p = base;
      for (let k = 0; k < numItems; k++) {
        const len = view.getUint32(p, true);
        p += 4;
        const item = text.substring(p - base, p - base + len);
        if (!sketch.map.insertNew(item, counters[k]!, bytes, p, len)) {
          throw r.corrupt(`item[${k}] is a duplicate`, p);
        }
        p += len;
      }
      r.offset = p;
    } else {
      // General path (non-ASCII items, or a malformed section reported in field order).
      for (let k = 0; k < numItems; k++) {
        const len = r.u32(`item[${k}] length`);
        const start = r.offset;
        const raw = r.slice(len, `item[${k}]`);
        let item: string;
        try {
          item = utf8Decoder.decode(raw);
        } catch {
          throw r.corrupt(`item[${k}] is not valid UTF-8`, start);
        }
        // Valid UTF-8 decodes and re-encodes to the same bytes, so the image bytes give the hash.
        if (!sketch.map.insertNew(item, counters[k]!, r.bytes, start, len)) {
          throw r.corrupt(`item[${k}] is a duplicate`, start);
        }
      }
    }
    r.expectEnd();
    sketch.totalWeight = totalWeight;
    sketch.offset = offset;
    return sketch;
  }

  #get(item: string): number {
    if (typeof item !== "string") {
      throw new SketchError("invalid-argument", `${CONTEXT}: item must be a string, got ${typeof item}`);
    }
    return this.map.get(item);
  }

  #writePreamble(w: ByteWriter, preLongs: number, flags: number): void {
    w.u8(preLongs);
    w.u8(SERIAL_VERSION);
    w.u8(FAMILY_ID);
    w.u8(this.map.lgMax);
    w.u8(this.map.lgCur);
    w.u8(flags);
  }
}
