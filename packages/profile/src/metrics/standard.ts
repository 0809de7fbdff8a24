// whylogs' standard column metrics. Each one updates from a ColumnBatch, merges with its own kind, converts
// to and from the serialized components of its namespace, and writes its `to_summary_dict` keys.

import {
  ErrorType,
  FrequentItemsSketch,
  HllSketch,
  HllType,
  HllUnion,
  KllDoublesSketch,
} from "@sightglass/sketches";
import type { ColumnComponents, MetricComponent } from "../codec/message.js";
import { ProfileError } from "../errors.js";
import type { SketchConfig } from "../schema.js";
import type { ColumnBatch } from "./column-batch.js";
import { formatFixed6, formatInt64, truncateCodePoints } from "./format.js";

/** One value of a summary: a number, `null` (undefined, e.g. quantiles of an empty column) or frequent items. */
export type SummaryValue = number | null | readonly FrequentItemSummary[];

/** A frequent item as whylogs' `FrequentItem(value, est, upper, lower)`. */
export interface FrequentItemSummary {
  readonly value: string;
  readonly est: number;
  readonly upper: number;
  readonly lower: number;
}

/** How summaries are computed (whylogs `SummaryConfig`). */
export interface SummaryOptions {
  /** Standard deviations of the HLL bounds reported as `cardinality/upper_<k>` / `lower_<k>` (1–3). */
  readonly hllStdDevs?: 1 | 2 | 3;
  /** Maximum number of frequent items listed (default all). */
  readonly frequentItemsLimit?: number;
  /** `no-false-positives` (whylogs default) or `no-false-negatives`. */
  readonly frequentItemsErrorType?: "no-false-positives" | "no-false-negatives";
}

/** A column metric of one namespace. Instances are mutable while tracking and treated as frozen in views. */
export interface ColumnMetric {
  readonly namespace: string;
  update(batch: ColumnBatch): void;
  /** Merges `other` (same namespace) into this metric. */
  mergeFrom(other: ColumnMetric): void;
  /** Merges several at once, where that is cheaper than one at a time (optional; same estimates). */
  mergeFromAll?(others: readonly ColumnMetric[]): void;
  copy(): ColumnMetric;
  writeComponents(out: ColumnComponents): void;
  writeSummary(out: Record<string, SummaryValue>, options: SummaryOptions): void;
}

const INT64_MAX = 9223372036854775807n;
/** `ints` with no integers serializes Python's ±sys.maxsize sentinels. */
const NO_INT_MAX = -INT64_MAX;
const NO_INT_MIN = INT64_MAX;

const n = (value: number | bigint, typeId = 0): MetricComponent => ({
  kind: "n",
  typeId,
  value: typeof value === "bigint" ? value : BigInt(value),
});
const d = (value: number): MetricComponent => ({ kind: "d", typeId: 0, value });

function counter(c: ColumnComponents, path: string, optional: boolean): number {
  const comp = c.get(path);
  if (comp === undefined) {
    if (optional) return 0;
    throw new ProfileError("malformed", "missing metric component", { path });
  }
  if (comp.kind !== "n")
    throw new ProfileError("malformed", `expected an integer component, found ${comp.kind}`, { path });
  return Number(comp.value);
}

function sketchBytes(c: ColumnComponents, path: string, kind: "kll" | "hll" | "frequent_items"): Uint8Array {
  const comp = c.get(path);
  if (comp === undefined) throw new ProfileError("malformed", "missing metric component", { path });
  if (comp.kind !== kind)
    throw new ProfileError("malformed", `expected a ${kind} sketch, found ${comp.kind}`, { path });
  return comp.bytes;
}

function double(c: ColumnComponents, path: string): number {
  const comp = c.get(path);
  if (comp === undefined) throw new ProfileError("malformed", "missing metric component", { path });
  if (comp.kind === "d") return comp.value;
  // Some writers store whole doubles as integers; accept them.
  if (comp.kind === "n") return Number(comp.value);
  throw new ProfileError("malformed", `expected a double component, found ${comp.kind}`, { path });
}

function decodeSketch<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    throw new ProfileError("malformed", `cannot read the sketch: ${(cause as Error).message}`, {
      path,
      cause,
    });
  }
}

function sameKind<T extends ColumnMetric>(self: T, other: ColumnMetric): T {
  if (other.constructor !== self.constructor) {
    throw new ProfileError("incompatible", `cannot merge metric ${other.namespace} into ${self.namespace}`);
  }
  return other as T;
}

export class CountsMetric implements ColumnMetric {
  readonly namespace = "counts";
  n = 0;
  nulls = 0;
  nans = 0;
  infs = 0;
  trues = 0;

  update(b: ColumnBatch): void {
    this.n += b.total;
    this.nulls += b.nulls;
    this.nans += b.nans;
    this.infs += b.infs;
    this.trues += b.trues;
  }

  mergeFrom(other: ColumnMetric): void {
    const o = sameKind(this, other);
    this.n += o.n;
    this.nulls += o.nulls;
    this.nans += o.nans;
    this.infs += o.infs;
    this.trues += o.trues;
  }

  copy(): CountsMetric {
    return Object.assign(new CountsMetric(), this);
  }

  writeComponents(out: ColumnComponents): void {
    out.set("counts/n", n(this.n));
    out.set("counts/null", n(this.nulls));
    out.set("counts/nan", n(this.nans));
    out.set("counts/inf", n(this.infs));
    out.set("counts/true", n(this.trues));
  }

  writeSummary(out: Record<string, SummaryValue>): void {
    out["counts/n"] = this.n;
    out["counts/null"] = this.nulls;
    out["counts/nan"] = this.nans;
    out["counts/inf"] = this.infs;
    out["counts/true"] = this.trues;
  }

  static readonly components = ["n", "null", "nan", "inf", "true"];

  static fromComponents(c: ColumnComponents): CountsMetric {
    const m = new CountsMetric();
    m.n = counter(c, "counts/n", false);
    m.nulls = counter(c, "counts/null", true);
    m.nans = counter(c, "counts/nan", true);
    m.infs = counter(c, "counts/inf", true);
    m.trues = counter(c, "counts/true", true);
    return m;
  }
}

export class TypesMetric implements ColumnMetric {
  readonly namespace = "types";
  integral = 0;
  fractional = 0;
  boolean = 0;
  string = 0;
  object = 0;
  tensor = 0;

  update(b: ColumnBatch): void {
    this.integral += b.nInts + b.bigInts.length;
    this.fractional += b.nFloats;
    this.boolean += b.trues + b.falses;
    this.string += b.strings.length;
    this.object += b.objects;
    this.tensor += b.tensors;
  }

  mergeFrom(other: ColumnMetric): void {
    const o = sameKind(this, other);
    this.integral += o.integral;
    this.fractional += o.fractional;
    this.boolean += o.boolean;
    this.string += o.string;
    this.object += o.object;
    this.tensor += o.tensor;
  }

  copy(): TypesMetric {
    return Object.assign(new TypesMetric(), this);
  }

  writeComponents(out: ColumnComponents): void {
    out.set("types/integral", n(this.integral));
    out.set("types/fractional", n(this.fractional));
    out.set("types/boolean", n(this.boolean));
    out.set("types/string", n(this.string));
    out.set("types/object", n(this.object));
    out.set("types/tensor", n(this.tensor));
  }

  writeSummary(out: Record<string, SummaryValue>): void {
    out["types/integral"] = this.integral;
    out["types/fractional"] = this.fractional;
    out["types/boolean"] = this.boolean;
    out["types/string"] = this.string;
    out["types/object"] = this.object;
    out["types/tensor"] = this.tensor;
  }

  static readonly components = ["integral", "fractional", "boolean", "string", "object", "tensor"];

  static fromComponents(c: ColumnComponents): TypesMetric {
    const m = new TypesMetric();
    m.integral = counter(c, "types/integral", true);
    m.fractional = counter(c, "types/fractional", true);
    m.boolean = counter(c, "types/boolean", true);
    m.string = counter(c, "types/string", true);
    m.object = counter(c, "types/object", true);
    m.tensor = counter(c, "types/tensor", true);
    return m;
  }
}

/** Mean and sum of squared deviations of `values[0..len)`, two-pass (as numpy's mean/var). */
function batchMoments(values: Float64Array, len: number): [mean: number, m2: number] {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += values[i]!;
  const mean = sum / len;
  let m2 = 0;
  for (let i = 0; i < len; i++) {
    const dx = values[i]! - mean;
    m2 += dx * dx;
  }
  return [mean, m2];
}

const QUANTILE_RANKS = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
const QUANTILE_KEYS = [
  "distribution/q_01",
  "distribution/q_05",
  "distribution/q_10",
  "distribution/q_25",
  "distribution/median",
  "distribution/q_75",
  "distribution/q_90",
  "distribution/q_95",
  "distribution/q_99",
];

/**
 * KLL quantiles plus an exact mean and M2 (sum of squared deviations), combined across batches and merges
 * with the parallel-variance formula. The count behind mean/M2 is the KLL's n, which excludes NaN.
 */
export class DistributionMetric implements ColumnMetric {
  readonly namespace = "distribution";
  kll: KllDoublesSketch;
  mean = 0;
  m2 = 0;

  /** @param kll an existing sketch, or the k of a new one. */
  constructor(kll: KllDoublesSketch | number) {
    this.kll = typeof kll === "number" ? new KllDoublesSketch(kll) : kll;
  }

  get n(): number {
    return this.kll.getN();
  }

  private combine(nb: number, meanB: number, m2B: number): void {
    const na = this.kll.getN();
    // Called before the KLL sees the batch, so na is the count behind the current mean/M2.
    if (nb === 0) return;
    if (na === 0) {
      this.mean = meanB;
      this.m2 = m2B;
      return;
    }
    const total = na + nb;
    const delta = meanB - this.mean;
    this.mean = (this.mean * na + meanB * nb) / total;
    this.m2 = this.m2 + m2B + (delta * delta * na * nb) / total;
  }

  update(b: ColumnBatch): void {
    if (b.nFloats > 0) {
      const [mean, m2] = batchMoments(b.floats, b.nFloats);
      this.combine(b.nFloats, mean, m2);
      this.kll.updateMany(b.floats.subarray(0, b.nFloats));
    }
    if (b.nInts > 0) {
      const [mean, m2] = batchMoments(b.ints, b.nInts);
      this.combine(b.nInts, mean, m2);
      this.kll.updateMany(b.ints.subarray(0, b.nInts));
    }
    if (b.bigInts.length > 0) {
      const big = Float64Array.from(b.bigInts, Number);
      const [mean, m2] = batchMoments(big, big.length);
      this.combine(big.length, mean, m2);
      this.kll.updateMany(big);
    }
    const bools = b.trues + b.falses;
    if (bools > 0) {
      // Booleans reach the distribution as 1.0 / 0.0, as in whylogs.
      const mean = b.trues / bools;
      this.combine(bools, mean, (b.trues * b.falses) / bools);
      for (let i = 0; i < b.trues; i++) this.kll.update(1);
      for (let i = 0; i < b.falses; i++) this.kll.update(0);
    }
  }

  mergeFrom(other: ColumnMetric): void {
    const o = sameKind(this, other);
    const na = this.kll.getN();
    const nb = o.kll.getN();
    if (nb > 0) {
      if (na === 0) {
        this.mean = o.mean;
        this.m2 = o.m2;
      } else {
        const total = na + nb;
        const delta = o.mean - this.mean;
        this.m2 = this.m2 + o.m2 + (delta * delta * na * nb) / total;
        this.mean = (na / total) * this.mean + (nb / total) * o.mean;
      }
      this.kll.merge(o.kll);
    }
  }

  copy(): DistributionMetric {
    const m = new DistributionMetric(KllDoublesSketch.deserialize(this.kll.serialize()));
    m.mean = this.mean;
    m.m2 = this.m2;
    return m;
  }

  writeComponents(out: ColumnComponents): void {
    out.set("distribution/kll", { kind: "kll", typeId: 0, bytes: this.kll.serialize({ layout: "whylogs" }) });
    out.set("distribution/mean", d(this.mean));
    out.set("distribution/m2", d(this.m2));
  }

  /** Sample variance (n − 1 denominator), 0 below two values. */
  get variance(): number {
    const count = this.kll.getN();
    return count > 1 ? this.m2 / (count - 1) : 0;
  }

  writeSummary(out: Record<string, SummaryValue>): void {
    const count = this.kll.getN();
    out["distribution/mean"] = this.mean;
    out["distribution/stddev"] = Math.sqrt(this.variance);
    out["distribution/n"] = count;
    out["distribution/max"] = count > 0 ? this.kll.getMaxItem() : NaN;
    out["distribution/min"] = count > 0 ? this.kll.getMinItem() : NaN;
    // whylogs' quantile rule (its datasketches fork), so summaries of the same bytes agree exactly.
    const qs = count > 0 ? this.kll.getQuantilesWhylogs(QUANTILE_RANKS) : null;
    for (let i = 0; i < QUANTILE_KEYS.length; i++) out[QUANTILE_KEYS[i]!] = qs === null ? null : qs[i]!;
  }

  static readonly components = ["kll", "mean", "m2"];

  static fromComponents(c: ColumnComponents): DistributionMetric {
    const bytes = sketchBytes(c, "distribution/kll", "kll");
    const kll = decodeSketch("distribution/kll", () => KllDoublesSketch.deserialize(bytes));
    const m = new DistributionMetric(kll);
    m.mean = double(c, "distribution/mean");
    m.m2 = double(c, "distribution/m2");
    return m;
  }
}

/** Exact minimum and maximum of the integers seen (booleans and floats excluded, as in whylogs). */
export class IntsMetric implements ColumnMetric {
  readonly namespace = "ints";
  /** -Infinity / +Infinity until an integer is seen; serialized as Python's ±sys.maxsize sentinels. */
  max = -Infinity;
  min = Infinity;
  /**
   * The exact extremes of the int64 values beyond ±2^53 (null until one is seen). `max`/`min` hold them only
   * to the nearest double, and 2^63 − 1 rounds to 2^63, which is not an int64: the file gets these.
   */
  bigMax: bigint | null = null;
  bigMin: bigint | null = null;

  update(b: ColumnBatch): void {
    let max = this.max;
    let min = this.min;
    const ints = b.ints;
    for (let i = 0; i < b.nInts; i++) {
      const v = ints[i]!;
      if (v > max) max = v;
      if (v < min) min = v;
    }
    for (const big of b.bigInts) {
      const v = Number(big);
      if (v > max) max = v;
      if (v < min) min = v;
      if (this.bigMax === null || big > this.bigMax) this.bigMax = big;
      if (this.bigMin === null || big < this.bigMin) this.bigMin = big;
    }
    this.max = max;
    this.min = min;
  }

  mergeFrom(other: ColumnMetric): void {
    const o = sameKind(this, other);
    if (o.max > this.max) this.max = o.max;
    if (o.min < this.min) this.min = o.min;
    if (o.bigMax !== null && (this.bigMax === null || o.bigMax > this.bigMax)) this.bigMax = o.bigMax;
    if (o.bigMin !== null && (this.bigMin === null || o.bigMin < this.bigMin)) this.bigMin = o.bigMin;
  }

  /** The exact maximum: a big value when it is the largest (its double is at least every other value). */
  private exactMax(): bigint {
    return this.bigMax !== null && Number(this.bigMax) >= this.max ? this.bigMax : BigInt(this.max);
  }

  private exactMin(): bigint {
    return this.bigMin !== null && Number(this.bigMin) <= this.min ? this.bigMin : BigInt(this.min);
  }

  copy(): IntsMetric {
    return Object.assign(new IntsMetric(), this);
  }

  writeComponents(out: ColumnComponents): void {
    out.set("ints/max", n(this.max === -Infinity ? NO_INT_MAX : this.exactMax(), 2));
    out.set("ints/min", n(this.min === Infinity ? NO_INT_MIN : this.exactMin(), 1));
  }

  writeSummary(out: Record<string, SummaryValue>): void {
    // whylogs reports its sentinels when there are no integers; so do we (as doubles).
    out["ints/max"] = this.max === -Infinity ? Number(NO_INT_MAX) : this.max;
    out["ints/min"] = this.min === Infinity ? Number(NO_INT_MIN) : this.min;
  }

  static readonly components = ["max", "min"];

  static fromComponents(c: ColumnComponents): IntsMetric {
    const m = new IntsMetric();
    const max = c.get("ints/max");
    const min = c.get("ints/min");
    if (max === undefined || max.kind !== "n" || min === undefined || min.kind !== "n") {
      throw new ProfileError("malformed", "ints needs integer max and min components", { path: "ints/max" });
    }
    m.max = max.value <= NO_INT_MAX ? -Infinity : Number(max.value);
    m.min = min.value >= NO_INT_MIN ? Infinity : Number(min.value);
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    if (m.max !== -Infinity && (max.value > safe || max.value < -safe)) m.bigMax = max.value;
    if (m.min !== Infinity && (min.value > safe || min.value < -safe)) m.bigMin = min.value;
    return m;
  }
}

const HLL_STD_DEVS = [1, 2, 3] as const;

/** Distinct-count estimate: HyperLogLog over the UTF-8 of strings, int64 bits of ints, canonical doubles. */
export class CardinalityMetric implements ColumnMetric {
  readonly namespace = "cardinality";
  hll: HllSketch;

  /** @param hll an existing sketch, or the lgK of a new HLL_4 one. */
  constructor(hll: HllSketch | number) {
    this.hll = typeof hll === "number" ? new HllSketch(hll, HllType.HLL_4) : hll;
  }

  update(b: ColumnBatch): void {
    const hll = this.hll;
    const floats = b.floats;
    for (let i = 0; i < b.nFloats; i++) hll.updateDouble(floats[i]!);
    const intTally = b.intCounts();
    if (intTally !== null) {
      const values = intTally.values;
      for (let i = 0; i < intTally.size; i++) hll.updateInt64(values[i]!);
    } else {
      const ints = b.ints;
      for (let i = 0; i < b.nInts; i++) hll.updateInt64(ints[i]!);
    }
    for (const v of b.bigInts) hll.updateInt64(v);
    const stringTally = b.stringCounts();
    if (stringTally !== null) {
      for (const s of stringTally.keys()) hll.updateString(s);
    } else {
      const strings = b.strings;
      for (let i = 0; i < strings.length; i++) hll.updateString(strings[i]!);
    }
    // whylogs hashes booleans as the int64 values 1 and 0 (so True and 1 collide).
    if (b.trues > 0) hll.updateInt64(1);
    if (b.falses > 0) hll.updateInt64(0);
  }

  mergeFrom(other: ColumnMetric): void {
    this.mergeFromAll([other]);
  }

  /** One union for all: each pairwise union would convert the registers to HLL_8 and back again. */
  mergeFromAll(others: readonly ColumnMetric[]): void {
    const sketches = others.map((other) => sameKind(this, other).hll);
    let lgK = this.hll.getLgConfigK();
    let type = this.hll.getTgtHllType();
    for (const h of sketches) {
      lgK = Math.max(lgK, h.getLgConfigK());
      type = Math.max(type, h.getTgtHllType()) as HllType;
    }
    const union = new HllUnion(lgK);
    union.update(this.hll);
    for (const h of sketches) union.update(h);
    this.hll = union.getResult(type);
  }

  copy(): CardinalityMetric {
    return new CardinalityMetric(this.hll.copy());
  }

  writeComponents(out: ColumnComponents): void {
    out.set("cardinality/hll", { kind: "hll", typeId: 0, bytes: this.hll.serializeCompact() });
  }

  writeSummary(out: Record<string, SummaryValue>, options: SummaryOptions): void {
    const k = options.hllStdDevs ?? 1;
    if (!HLL_STD_DEVS.includes(k)) {
      throw new ProfileError("invalid-argument", `summary: hllStdDevs must be 1, 2 or 3, got ${String(k)}`);
    }
    out["cardinality/est"] = this.hll.getEstimate();
    out[`cardinality/upper_${k}`] = this.hll.getUpperBound(k);
    out[`cardinality/lower_${k}`] = this.hll.getLowerBound(k);
  }

  static readonly components = ["hll"];

  static fromComponents(c: ColumnComponents): CardinalityMetric {
    const bytes = sketchBytes(c, "cardinality/hll", "hll");
    const hll = decodeSketch("cardinality/hll", () => HllSketch.deserialize(bytes));
    return new CardinalityMetric(hll);
  }
}

/**
 * Frequent strings. Numbers and booleans enter as whylogs' C++ wrappers render them (`"%f"` for floats,
 * decimal for ints, `True`/`False`); strings are truncated to `maxFrequentItemSize` code points.
 */
export class FrequentItemsMetric implements ColumnMetric {
  readonly namespace = "frequent_items";
  sketch: FrequentItemsSketch;
  readonly maxItemSize: number;

  /** @param sketch an existing sketch, or the lgMaxMapSize of a new one. */
  constructor(sketch: FrequentItemsSketch | number, maxItemSize: number) {
    this.sketch = typeof sketch === "number" ? new FrequentItemsSketch(sketch) : sketch;
    this.maxItemSize = maxItemSize;
  }

  update(b: ColumnBatch): void {
    const fi = this.sketch;
    const floats = b.floats;
    for (let i = 0; i < b.nFloats; i++) fi.update(formatFixed6(floats[i]!));
    const intTally = b.intCounts();
    if (intTally !== null) {
      const { values, counts } = intTally;
      for (let i = 0; i < intTally.size; i++) fi.update(formatInt64(values[i]!), counts[i]!);
    } else {
      const ints = b.ints;
      for (let i = 0; i < b.nInts; i++) fi.update(formatInt64(ints[i]!));
    }
    for (const v of b.bigInts) fi.update(v.toString());
    const limit = this.maxItemSize;
    const stringTally = b.stringCounts();
    if (stringTally !== null) {
      for (const [s, count] of stringTally) fi.update(truncateCodePoints(s, limit), count);
    } else {
      const strings = b.strings;
      for (let i = 0; i < strings.length; i++) fi.update(truncateCodePoints(strings[i]!, limit));
    }
    if (b.trues > 0) fi.update("True", b.trues);
    if (b.falses > 0) fi.update("False", b.falses);
  }

  mergeFrom(other: ColumnMetric): void {
    this.sketch.merge(sameKind(this, other).sketch);
  }

  copy(): FrequentItemsMetric {
    return new FrequentItemsMetric(
      FrequentItemsSketch.deserialize(this.sketch.serialize()),
      this.maxItemSize,
    );
  }

  writeComponents(out: ColumnComponents): void {
    out.set("frequent_items/frequent_strings", {
      kind: "frequent_items",
      typeId: 0,
      bytes: this.sketch.serialize(),
    });
  }

  writeSummary(out: Record<string, SummaryValue>, options: SummaryOptions): void {
    const type =
      options.frequentItemsErrorType === "no-false-negatives"
        ? ErrorType.NO_FALSE_NEGATIVES
        : ErrorType.NO_FALSE_POSITIVES;
    const rows = this.sketch.getFrequentItems(type);
    // Estimate descending; ties by value so the order is stable (C++ leaves ties in hash order).
    rows.sort((a, b) => b.estimate - a.estimate || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
    const limit = options.frequentItemsLimit ?? -1;
    const kept = limit >= 0 ? rows.slice(0, limit) : rows;
    out["frequent_items/frequent_strings"] = kept.map((r) => ({
      value: r.item,
      est: r.estimate,
      upper: r.upperBound,
      lower: r.lowerBound,
    }));
  }

  static readonly components = ["frequent_strings"];

  static fromComponents(c: ColumnComponents, maxItemSize: number): FrequentItemsMetric {
    const bytes = sketchBytes(c, "frequent_items/frequent_strings", "frequent_items");
    const sketch = decodeSketch("frequent_items/frequent_strings", () =>
      FrequentItemsSketch.deserialize(bytes),
    );
    return new FrequentItemsMetric(sketch, maxItemSize);
  }
}

/** Creates an empty standard metric of `namespace` with the given sketch sizes. */
export function createStandardMetric(namespace: string, cfg: SketchConfig): ColumnMetric {
  switch (namespace) {
    case "counts":
      return new CountsMetric();
    case "types":
      return new TypesMetric();
    case "distribution":
      return new DistributionMetric(cfg.kllK);
    case "ints":
      return new IntsMetric();
    case "cardinality":
      return new CardinalityMetric(cfg.hllLgK);
    case "frequent_items":
      return new FrequentItemsMetric(cfg.fiLgMaxMapSize, cfg.maxFrequentItemSize);
    default:
      throw new ProfileError("invalid-argument", `unknown standard metric ${JSON.stringify(namespace)}`);
  }
}
