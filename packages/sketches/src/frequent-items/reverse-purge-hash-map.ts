import { libstdcxxSlotHash, libstdcxxSlotHashUtf8, utf8Status } from "./libstdcxx-hash.js";

/** Load factor of the table: a map of 2^lg slots holds at most floor(0.75 · 2^lg) items. */
const LOAD_FACTOR = 0.75;
/** Upstream samples at most this many counters to estimate the purge median. */
const MAX_SAMPLE_SIZE = 1024;
/** Counters below this are counted in a histogram to find the purge median without selection. */
const HISTOGRAM_SIZE = 64;
/**
 * Scratch space of the purge, shared by every map: a purge runs to completion without yielding, so one buffer
 * serves all of them, and a sketch costs no fixed 8 KiB for it.
 */
const PURGE_SAMPLES = new Float64Array(MAX_SAMPLE_SIZE);
const PURGE_HISTOGRAM = new Int32Array(HISTOGRAM_SIZE);
/** Cache misses a map takes before it builds its front cache. */
const CACHE_WARMUP_UPDATES = 4096;
const GOLDEN_RATIO = 0.6180339887498949;

/** Largest front cache (string → slot) that lets hot items skip the 64-bit slot hash. */
const LG_CACHE_MAX = 14;

/** Cheap 32-bit FNV-1a over the UTF-16 code units (then a shift-xor), only for the front cache. */
function frontHash(key: string): number {
  const n = key.length;
  let f = 0x811c9dc5 | 0;
  for (let j = 0; j < n; j++) f = Math.imul(f ^ key.charCodeAt(j), 0x01000193);
  return f ^ (f >>> 15);
}

/** Front cache entry layout in its Int32Array: [front hash tag, last slot, slot hash, unused]. */
const ENTRY_INTS = 4;
const TAG = 0;
const SLOT = 1;
const HASH = 2;

/** Every entry of a new front cache describes "" (so no sentinel is needed), not yet in any slot. */
const EMPTY_TAG = frontHash("");
const EMPTY_HASH = libstdcxxSlotHash("");

/**
 * One-entry stand-in shared by every map until its first update: a deserialized (or merely
 * constructed) sketch then costs no 2^14-entry cache allocation. Its slot -1 never hits, and the
 * miss path swaps in a real cache before reading or writing anything else.
 */
const NO_CACHE_KEYS: string[] = [""];
const NO_CACHE = new Int32Array([0, -1, 0, 0]);

/** Table capacity for a given lg size, as upstream computes it (`(uint32)((1 << lg) * 0.75)`). */
export function capacityOf(lg: number): number {
  return Math.floor((1 << lg) * LOAD_FACTOR);
}

/** Returned by `adjustOrInsert` when a new item is not well-formed UTF-16; the sketch turns it into a SketchError. */
export const NOT_WELL_FORMED = -1;

/**
 * Port of datasketches-cpp `reverse_purge_hash_map<std::string, uint64_t>`: linear probing with
 * "drift" states (probe distance + 1) and a purge that subtracts the median counter and drops the
 * counters that reach zero (deletions computed in bulk with the exact same resulting layout).
 *
 * Slots are placed with the libstdc++ hash emulation so the layout — and therefore the serialized
 * item order, the merge order and, for lg_max > 10, the purge sample — matches a Linux C++ build.
 * Because that hash costs ~50 ns in JS, a small direct-mapped front cache keyed by a cheap 32-bit
 * hash of the UTF-16 code units remembers, for recently seen items, their slot hash (valid forever,
 * so purged-then-returning items skip the hash too) and their last slot; a cached slot is trusted
 * only if it is still active and holds the very same key, so stale entries (after moves, deletes
 * or resizes) are harmless misses. Entries also keep the full 32-bit front hash as a tag, which
 * rules out most foreign entries without comparing strings.
 *
 * Plain (non-#) fields on purpose: V8 on Node 20 is measurably slower with #private fields here.
 * @internal
 */
export class ReversePurgeHashMap {
  lgCur: number;
  readonly lgMax: number;
  mask: number;
  capacity: number;
  numActive = 0;
  keys: string[];
  values: Float64Array;
  /**
   * 0 = empty, else probe distance + 1. Upstream stores u16 and throws past a drift of 1024; 32 bits
   * here so that even adversarially colliding items cannot wrap a state to "empty".
   */
  states: Int32Array;
  /** Cached slot hash per slot (avoids rehashing on resize and string compares on probe). */
  hashes: Int32Array;
  private cacheKeys = NO_CACHE_KEYS;
  /**
   * Entries interleaved (see ENTRY_INTS) so that a lookup touches one cache line: separate arrays
   * for slots and hashes cost a measurable extra memory access per update.
   */
  private cache = NO_CACHE;
  private cacheMask = 0;
  /** Cache misses so far: the front cache is only built once a map has proved busy. */
  private slowCalls = 0;

  /**
   * With `deferred`, the slot arrays are only allocated at the first insertion: an 8-byte empty
   * image may declare a large lg_cur_map_size, which must not cost memory until it is used.
   */
  constructor(lgCur: number, lgMax: number, deferred = false) {
    this.lgCur = lgCur;
    this.lgMax = lgMax;
    const size = deferred ? 0 : 1 << lgCur;
    this.mask = (1 << lgCur) - 1;
    this.capacity = capacityOf(lgCur);
    this.keys = new Array<string>(size).fill("");
    this.values = new Float64Array(size);
    this.states = new Int32Array(size);
    this.hashes = new Int32Array(size);
  }

  /** Replaces the shared stand-in by this map's own front cache (at the first cache miss). */
  private allocateCache(): void {
    // The cache only pays off for hot items; a few times the item capacity is plenty.
    const lgCache = Math.min(LG_CACHE_MAX, this.lgMax + 4);
    this.cacheMask = (1 << lgCache) - 1;
    this.cacheKeys = new Array<string>(1 << lgCache).fill("");
    const cache = new Int32Array(ENTRY_INTS << lgCache);
    for (let e = 0; e < cache.length; e += ENTRY_INTS) {
      cache[e + TAG] = EMPTY_TAG;
      cache[e + SLOT] = -1;
      cache[e + HASH] = EMPTY_HASH;
    }
    this.cache = cache;
  }

  private allocate(): void {
    const size = 1 << this.lgCur;
    this.keys = new Array<string>(size).fill("");
    this.values = new Float64Array(size);
    this.states = new Int32Array(size);
    this.hashes = new Int32Array(size);
  }

  /**
   * Adds `value` to `key`'s counter, inserting it if absent. Returns the amount subtracted from all
   * counters by a purge (0 if none happened), or {@link NOT_WELL_FORMED} — with the map unchanged —
   * when a new key contains a lone surrogate. `value` must be > 0.
   */
  adjustOrInsert(key: string, value: number): number {
    const f = frontHash(key);
    const cache = this.cache;
    const e = (f & this.cacheMask) * ENTRY_INTS;
    // The tag check skips string comparisons against other keys (a full compare unless both are
    // the same string object); the slot is trusted only if it still holds this very key.
    if (cache[e + TAG] === f) {
      const cached = cache[e + SLOT]!;
      if (cached >= 0 && this.states[cached] !== 0 && this.keys[cached] === key) {
        this.values[cached] = this.values[cached]! + value;
        return 0;
      }
    }
    // Kept out of line so that this hot part stays small enough for V8 to inline into callers.
    return this.adjustOrInsertSlow(key, value, f);
  }

  /** {@link adjustOrInsert} past a front-cache slot miss; `f` is the key's front hash. */
  private adjustOrInsertSlow(key: string, value: number, f: number): number {
    if (this.cache === NO_CACHE) {
      // Small sketches (a profile per hour of a few rows, thousands of them alive at once) never pay for the
      // cache's tens of kilobytes; busy ones build it after a warm-up.
      if (++this.slowCalls <= CACHE_WARMUP_UPDATES) return this.adjustOrInsertUncached(key, value);
      this.allocateCache();
    }
    const cache = this.cache;
    const c = f & this.cacheMask;
    const e = c * ENTRY_INTS;
    if (this.states.length === 0) this.allocate();
    let h: number;
    if (cache[e + TAG] === f && this.cacheKeys[c] === key) {
      h = cache[e + HASH]!;
    } else {
      h = libstdcxxSlotHash(key);
      // Never cache a string that is about to be rejected (its hash would skip the check next time).
      if (utf8Status[0]! < 0) return NOT_WELL_FORMED;
      this.cacheKeys[c] = key;
      cache[e + TAG] = f;
      cache[e + HASH] = h;
    }
    return this.probeAndAdjust(key, value, h, e);
  }

  /**
   * {@link adjustOrInsert} without the front cache. Merging adds each of another sketch's items once, so a
   * cache would be pure cost: allocating it dominated merging small frequent-items sketches.
   */
  adjustOrInsertUncached(key: string, value: number): number {
    if (this.states.length === 0) this.allocate();
    const h = libstdcxxSlotHash(key);
    if (utf8Status[0]! < 0) return NOT_WELL_FORMED;
    return this.probeAndAdjust(key, value, h, -1);
  }

  /** Adds to or inserts `key` with slot hash `h`; records the slot in front-cache entry `e` unless e < 0. */
  private probeAndAdjust(key: string, value: number, h: number, e: number): number {
    const states = this.states;
    const mask = this.mask;
    const hashes = this.hashes;
    const keys = this.keys;
    let i = h & mask;
    let drift = 1;
    while (states[i] !== 0) {
      if (hashes[i] === h && keys[i] === key) {
        this.values[i] = this.values[i]! + value;
        if (e >= 0) this.cache[e + SLOT] = i;
        return 0;
      }
      i = (i + 1) & mask;
      drift++;
    }
    this.occupy(i, key, value, drift, h);
    if (e >= 0) this.cache[e + SLOT] = i;
    if (this.numActive > this.capacity) {
      if (this.lgCur < this.lgMax) {
        this.resize(this.lgCur + 1);
        return 0;
      }
      return this.purge();
    }
    return 0;
  }

  /**
   * Inserts a key read from an image (deserialization), given its UTF-8 bytes `utf8[start ..
   * start + len)` so that the slot hash needs no re-encoding. Returns false if it was present
   * already (duplicate in an image). The caller guarantees there is room (no resize/purge needed).
   */
  insertNew(key: string, value: number, utf8: Uint8Array, start: number, len: number): boolean {
    const h = libstdcxxSlotHashUtf8(utf8, start, len);
    const { states, hashes, keys, mask } = this;
    let i = h & mask;
    let drift = 1;
    while (states[i] !== 0) {
      if (hashes[i] === h && keys[i] === key) return false;
      i = (i + 1) & mask;
      drift++;
    }
    this.occupy(i, key, value, drift, h);
    return true;
  }

  /** Fills the empty slot `i` found by a probe of length `drift`. */
  private occupy(i: number, key: string, value: number, drift: number, h: number): void {
    this.keys[i] = key;
    this.values[i] = value;
    this.states[i] = drift;
    this.hashes[i] = h;
    this.numActive++;
  }

  /** The counter of `key` (0 if not tracked). */
  get(key: string): number {
    if (this.numActive === 0) return 0;
    const h = libstdcxxSlotHash(key);
    const { states, hashes, keys, mask } = this;
    let i = h & mask;
    while (states[i] !== 0) {
      if (hashes[i] === h && keys[i] === key) return this.values[i]!;
      i = (i + 1) & mask;
    }
    return 0;
  }

  private resize(lgNew: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldStates = this.states;
    const oldHashes = this.hashes;
    const oldSize = oldStates.length;
    const size = 1 << lgNew;
    const mask = size - 1;
    const keys = new Array<string>(size).fill("");
    const values = new Float64Array(size);
    const states = new Int32Array(size);
    const hashes = new Int32Array(size);
    // Upstream re-inserts the old slots in index order; the resulting layout depends on that order.
    for (let j = 0; j < oldSize; j++) {
      if (oldStates[j] === 0) continue;
      const h = oldHashes[j]!;
      let i = h & mask;
      let drift = 1;
      while (states[i] !== 0) {
        i = (i + 1) & mask;
        drift++;
      }
      keys[i] = oldKeys[j]!;
      values[i] = oldValues[j]!;
      states[i] = drift;
      hashes[i] = h;
    }
    this.keys = keys;
    this.values = values;
    this.states = states;
    this.hashes = hashes;
    this.lgCur = lgNew;
    this.mask = mask;
    this.capacity = capacityOf(lgNew);
  }

  /**
   * Subtracts the median of (up to 1024) sampled counters from every counter and drops the ones that
   * reach zero. The sample is the first `limit` active slots from slot 0, as upstream; the median is
   * the (limit/2)-th smallest (0-based), whatever selection algorithm finds it.
   */
  private purge(): number {
    const limit = Math.min(MAX_SAMPLE_SIZE, this.numActive);
    const histogram = PURGE_HISTOGRAM;
    histogram.fill(0);
    const { states, values } = this;
    // Counters are positive integers and usually small (the purge keeps them so): the median is
    // mostly found by a cumulative count (bucket 0 collects the large ones); otherwise select among
    // the samples, gathered only then (storing them on every purge costs more than the rare rescan).
    let count = 0;
    for (let i = 0; count < limit; i++) {
      if (states[i] !== 0) {
        const v = values[i]!;
        const bucket = v < HISTOGRAM_SIZE ? v : 0;
        histogram[bucket] = histogram[bucket]! + 1;
        count++;
      }
    }
    const k = limit >> 1;
    let median = 0;
    let below = 0;
    for (let b = 1; b < HISTOGRAM_SIZE; b++) {
      below += histogram[b]!;
      if (below > k) {
        median = b;
        break;
      }
    }
    if (median === 0) {
      const samples = PURGE_SAMPLES;
      count = 0;
      for (let i = 0; count < limit; i++) if (states[i] !== 0) samples[count++] = values[i]!;
      median = selectKth(samples, limit, k);
    }
    this.subtractAndKeepPositiveOnly(median);
    return median;
  }

  /**
   * Same result as upstream's loop of backward-shift deletions (`subtract_and_keep_positive_only` +
   * `hash_delete`), computed in one pass. Backward-shift deletion leaves the table exactly as if
   * the deleted keys had never been inserted (Knuth, TAOCP 6.4, Algorithm R), and a linear-probing
   * layout is reproduced by inserting its keys in cyclic scan order from an empty slot. So, cluster
   * by cluster in scan order, each survivor goes to the first free slot at or after its home slot
   * (slots of the cluster not yet rewritten count as free). Elements only move backwards, so this
   * works in place. The
   * reference vectors (hundreds of purges) and a randomized comparison with the literal port
   * confirm identical layouts, hence identical serialized bytes.
   */
  private subtractAndKeepPositiveOnly(amount: number): void {
    const { states, values, keys, hashes, mask } = this;
    const size = states.length;
    // The load factor guarantees an empty slot; no cluster spans it.
    let empty = size - 1;
    while (states[empty] !== 0) empty--;
    let n = 0;
    for (let k = 1; k <= size; k++) {
      const p = (empty + k) & mask;
      const state = states[p]!;
      if (state === 0) continue;
      states[p] = 0;
      const v = values[p]!;
      if (v <= amount) continue;
      const home = (p - state + 1) & mask;
      // Slots of this cluster not yet rewritten are free now, so the probe stops at or before p.
      let target = home;
      while (states[target] !== 0) target = (target + 1) & mask;
      if (target !== p) {
        keys[target] = keys[p]!;
        hashes[target] = hashes[p]!;
      }
      values[target] = v - amount;
      states[target] = ((target - home) & mask) + 1;
      n++;
    }
    this.numActive = n;
  }

  /**
   * Active slot indices in upstream iteration order: first active slot from 0, then golden-ratio
   * strides (an odd stride visits every slot of a power-of-two table).
   */
  iterationOrder(): Int32Array {
    const out = new Int32Array(this.numActive);
    if (this.numActive === 0) return out;
    const states = this.states;
    const size = states.length;
    const mask = this.mask;
    const stride = (Math.floor(size * GOLDEN_RATIO) | 1) >>> 0;
    let index = 0;
    while (states[index] === 0) index++;
    out[0] = index;
    for (let k = 1; k < this.numActive; k++) {
      do {
        index = (index + stride) & mask;
      } while (states[index] === 0);
      out[k] = index;
    }
    return out;
  }
}

/**
 * The k-th smallest (0-based) of `a[0..n)`, partially reordering `a` (Wirth/Hoare selection). Only the
 * value matters, so any correct selection reproduces upstream's `std::nth_element` result. Handles
 * long runs of equal counters (common: many items with count 1) without quadratic behaviour.
 */
function selectKth(a: Float64Array, n: number, k: number): number {
  let l = 0;
  let r = n - 1;
  while (l < r) {
    const x = a[k]!;
    let i = l;
    let j = r;
    do {
      while (a[i]! < x) i++;
      while (x < a[j]!) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k]!;
}
