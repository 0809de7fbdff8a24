/**
 * Integer helpers of the KLL sketch (datasketches-cpp `kll_helper_impl.hpp`). Internal to `src/kll`.
 */

/** Minimum level width; datasketches images with any other m are rejected. */
export const KLL_M = 8;
/** Smallest accepted k (upstream `MIN_K`). */
export const KLL_MIN_K = 8;
/** Largest accepted k (k is a u16 in the image). */
export const KLL_MAX_K = 65535;
/**
 * Sanity limit on num_levels when decoding. Levels are added only when the top level overflows, so a sketch
 * reaches ~50 levels only as n approaches 2^53 (the largest n a JS number counts exactly).
 */
export const KLL_MAX_LEVELS = 61;

const POW3: number[] = (() => {
  const out: number[] = [1];
  for (let i = 1; i <= 30; i++) out.push(out[i - 1]! * 3);
  return out;
})();

/** floor(a / b) for non-negative integers below 2^53, exact (a double division alone can round up). */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q;
}

/** round(k * (2/3)^depth) exactly as C++ `int_cap_aux_aux` (depth ≤ 30; 2k·2^30 < 2^48 so doubles are exact). */
function intCapAuxAux(k: number, depth: number): number {
  const twok = 2 * k * 2 ** depth;
  return Math.floor((floorDiv(twok, POW3[depth]!) + 1) / 2);
}

function intCapAux(k: number, depth: number): number {
  if (depth <= 30) return intCapAuxAux(k, depth);
  const half = Math.floor(depth / 2);
  return intCapAuxAux(intCapAuxAux(k, half), depth - half);
}

/**
 * Level capacities indexed by depth (= num_levels − height − 1), already clamped to ≥ m. Depth never exceeds
 * KLL_MAX_LEVELS + 1 (a merge may provisionally add a level above the deserialization limit).
 */
export function capacityTable(k: number): Int32Array {
  let table = CAPS_CACHE.get(k);
  if (table === undefined) {
    // Bounded: deserializing images with many distinct k must not grow memory without limit.
    if (CAPS_CACHE.size >= 64) CAPS_CACHE.clear();
    table = computeCapacityTable(k);
    CAPS_CACHE.set(k, table);
  }
  return table;
}

/** Capacity tables are immutable and shared between sketches of the same k. */
const CAPS_CACHE = new Map<number, Int32Array>();

function computeCapacityTable(k: number): Int32Array {
  const table = new Int32Array(KLL_MAX_LEVELS + 4);
  for (let d = 0; d < table.length; d++) table[d] = Math.max(KLL_M, intCapAux(k, d));
  return table;
}

/** Σ of the level capacities of a sketch with `numLevels` levels. */
export function totalCapacity(caps: Int32Array, numLevels: number): number {
  let total = 0;
  for (let h = 0; h < numLevels; h++) total += caps[numLevels - h - 1]!;
  return total;
}

/** 1 + floor(log2(n)), and 1 for n = 0 (C++ `ub_on_num_levels`). */
export function ubOnNumLevels(n: number): number {
  if (n <= 0) return 1;
  let levels = 1;
  let v = n;
  while (v >= 2) {
    v = Math.floor(v / 2);
    levels++;
  }
  return levels;
}

/** Keeps every other item of buf[start, start+len) in its lower half, starting at `offset` (0 or 1). */
export function randomlyHalveDown(buf: Float64Array, start: number, len: number, offset: number): void {
  const halfLim = start + (len >>> 1);
  let j = start + offset;
  for (let i = start; i < halfLim; i++) {
    buf[i] = buf[j]!;
    j += 2;
  }
}

/** Keeps every other item of buf[start, start+len) in its upper half, starting from the top minus `offset`. */
export function randomlyHalveUp(buf: Float64Array, start: number, len: number, offset: number): void {
  const halfLim = start + (len >>> 1);
  let j = start + len - 1 - offset;
  for (let i = start + len - 1; i >= halfLim; i--) {
    buf[i] = buf[j]!;
    j -= 2;
  }
}

/**
 * Two-way merge of sorted runs `a[a0, a0+na)` and `b[b0, b0+nb)` into `c[c0, …)`. An item of A is taken only
 * when strictly smaller, so on ties the item of B goes first (upstream order; it decides byte equality).
 * `c` may alias `a`/`b` when the output never overtakes the unread input (the in-place compaction case).
 */
export function mergeSortedRuns(
  a: Float64Array,
  a0: number,
  na: number,
  b: Float64Array,
  b0: number,
  nb: number,
  c: Float64Array,
  c0: number,
): void {
  let ia = a0;
  let ib = b0;
  const limA = a0 + na;
  const limB = b0 + nb;
  let ic = c0;
  while (ia < limA && ib < limB) {
    const x = a[ia]!;
    const y = b[ib]!;
    if (x < y) {
      c[ic++] = x;
      ia++;
    } else {
      c[ic++] = y;
      ib++;
    }
  }
  while (ia < limA) c[ic++] = a[ia++]!;
  while (ib < limB) c[ic++] = b[ib++]!;
}

/**
 * Sorts buf[lo, hi) ascending. `TypedArray.prototype.sort` costs ~60 ns per element on Node 20 (it dominated the
 * update loop), so this is a plain introsort: median-of-three quicksort, insertion sort for short runs (level 0 averages ~13 items at large n), heapsort
 * when the recursion gets too deep (bounded worst case whatever the input order). Items are never NaN here;
 * −0 and +0 compare equal (as `std::sort`, whose order for them is unspecified anyway).
 */
export function sortRange(buf: Float64Array, lo: number, hi: number): void {
  introSort(buf, lo, hi, 2 * (32 - Math.clz32(hi - lo)));
}

function introSort(a: Float64Array, lo: number, hi: number, depthLimit: number): void {
  while (hi - lo > 24) {
    if (depthLimit-- === 0) {
      heapSort(a, lo, hi);
      return;
    }
    const mid = (lo + hi) >>> 1;
    const last = hi - 1;
    // Order a[lo] ≤ a[mid] ≤ a[last]; the median becomes the pivot and the ends act as sentinels.
    let x = a[lo]!;
    let y = a[mid]!;
    let z = a[last]!;
    if (y < x) {
      const t = x;
      x = y;
      y = t;
    }
    if (z < y) {
      const t = y;
      y = z;
      z = t;
      if (y < x) {
        const u = x;
        x = y;
        y = u;
      }
    }
    a[lo] = x;
    a[mid] = y;
    a[last] = z;
    const pivot = y;
    let i = lo;
    let j = last;
    // Hoare partition: afterwards [lo, j] ≤ pivot ≤ [j + 1, hi), with lo ≤ j < last.
    for (;;) {
      do i++;
      while (a[i]! < pivot);
      do j--;
      while (a[j]! > pivot);
      if (i >= j) break;
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    // Recurse into the smaller side, iterate on the larger: stack depth stays logarithmic.
    if (j + 1 - lo < hi - (j + 1)) {
      introSort(a, lo, j + 1, depthLimit);
      lo = j + 1;
    } else {
      introSort(a, j + 1, hi, depthLimit);
      hi = j + 1;
    }
  }
  insertionSort(a, lo, hi);
}

function insertionSort(a: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

function heapSort(a: Float64Array, lo: number, hi: number): void {
  const n = hi - lo;
  for (let start = (n >>> 1) - 1; start >= 0; start--) siftDown(a, lo, start, n);
  for (let end = n - 1; end > 0; end--) {
    const t = a[lo]!;
    a[lo] = a[lo + end]!;
    a[lo + end] = t;
    siftDown(a, lo, 0, end);
  }
}

function siftDown(a: Float64Array, lo: number, root: number, n: number): void {
  const v = a[lo + root]!;
  let r = root;
  for (;;) {
    let child = 2 * r + 1;
    if (child >= n) break;
    if (child + 1 < n && a[lo + child]! < a[lo + child + 1]!) child++;
    if (!(a[lo + child]! > v)) break;
    a[lo + r] = a[lo + child]!;
    r = child;
  }
  a[lo + r] = v;
}

/**
 * Item buffers up to this many doubles (8 KiB; a k = 200 sketch needs ~600 at n = 1e5) are carved from shared
 * slabs. On Node 20 every fresh off-heap ArrayBuffer costs ~0.6 µs plus ~0.4 ns per byte (page faults and
 * backing-store bookkeeping), several times the decode or merge work itself; a view into a slab costs ~25 ns.
 * Larger buffers get their own ArrayBuffer, so a long-lived sketch pins at most one slab it did not fill.
 */
const SLAB_MAX_ITEMS = 1024;
/** 64 KiB: measured to amortize the slab allocation about as well as 1 MiB, at a sixteenth of the pinning. */
const SLAB_BYTES = 64 * 1024;
let slab = new ArrayBuffer(0);
let slabOffset = 0;

/**
 * A zero-filled Float64Array of `length` items over a region of `room` ≥ length items that belongs to the
 * caller alone (it may re-view the region with a longer length later). Slab regions share their ArrayBuffer
 * with other sketches' regions (bump allocation, never reused), so callers must honour `byteOffset` when
 * viewing `.buffer`. Item buffers never leave the sketch, so no caller outside sees this.
 */
export function allocItems(length: number, room: number = length): Float64Array {
  if (room > SLAB_MAX_ITEMS) return new Float64Array(new ArrayBuffer(room * 8), 0, length);
  const bytes = room * 8;
  if (slabOffset + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const out = new Float64Array(slab, slabOffset, length);
  slabOffset += bytes;
  return out;
}
