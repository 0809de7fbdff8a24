// @sightglass/profile against pip `whylogs` 1.6.4 (tests/oracle/whylogs_oracle.py): whole dataset profiles,
// not single sketches. Data: the California housing reference / analysis CSVs (../shared) and a generated
// mixed-type frame (NaN, ±inf, int64 beyond 2^32, nullable Int64, bools, unicode strings, a mixed object
// column, datetimes). Python exports every frame as JSON so the TypeScript side rebuilds identical inputs.
//
// (a) Python-written profiles read in TS: every summary key equals whylogs' to_summary_dict of that file.
// (b) TS and Python profile the same data: exact where the metric is exact, within sketch error otherwise,
//     checked against ground truth computed from the raw data.
// (c) TS-written profiles load in Python: its summary equals TS's own toSummary of that view.
// (d) Halves merged in TS, in Python and across the two agree with the profile of the whole.
//
// Tolerances (every one is a bound of the sketch or of floating point, never tuned to pass):
// - KLL: whylogs uses k = 1024 (whylogs-v1 spec §3.1). KLL_EPS is the a-priori single-rank normalized rank
//   error at 99% confidence from the datasketches formula, taken from the sketches package. A quantile passes
//   when its exact rank interval in the raw data comes within KLL_EPS (2·KLL_EPS after a merge, as asked of
//   merged profiles) + 1/n of the requested rank; the 1/n is the discretisation of the fork's quantile rule
//   (first item whose exclusive cumulative weight reaches floor(rank·n)). With n <= k the sketch holds every
//   item and no randomness is involved, so both sides must return the very same quantiles.
// - HLL: lg_k = 12 bounds at 3 standard deviations (whylogs SummaryConfig(hll_stddev=3) / TS
//   toSummary({ hllStdDevs: 3 })): each side's estimate inside the other's, the exact distinct count inside
//   both. Same sketch bytes: 1e-12 relative, because the composite estimator uses log/pow, whose last ulp
//   may differ between libm and V8 (as in hll.oracle.test.ts).
// - Frequent items: lg_max_map_size = 10. Fewer distinct items than the map's capacity (0.75·1024 = 768)
//   means no purge ever happened, so counts are exact on both sides. Otherwise each reported item's
//   [lower, upper] must contain its true count, the maximum error (upper − lower) must stay within the
//   a-priori error 3.5/1024·N (FrequentItemsSketch.getAprioriError), and every item whose true count exceeds
//   twice that bound must be reported (its lower bound then exceeds the error threshold).
// - mean / stddev: 1e-9 relative. Python combines numpy batch means/variances; TS tracks its own batches.
//   Read from the same file, the mean is the stored double and must be identical.
//
// whylogs quirks observed with these versions (documented here, asserted below where they matter):
// - whylogs 1.6.4 resolves the type of datetime64 and nullable Int64 columns through np.unicode_, which
//   NumPy 2 removed: the oracle runs on NumPy 1.26 (see requirements.txt).
// - A pandas <NA> in a nullable Int64 column counts as null AND nan (whylogs' _pandas_split treats every null
//   of a numeric dtype for which pandas' is_number() holds as NaN, and is_number(pd.NA) is true). Sightglass
//   gets the same cells as JS null, which is only null: counts/nan differs, asserted explicitly.
// - NaN: the pandas path counts NaN as null + nan and never feeds it to a sketch or to mean/m2; whylogs'
//   row logging (why.log(row=...)) instead also counts it as fractional and lets it poison the mean. Sightglass
//   follows the pandas path for every input shape, asserted explicitly below.
// - ±inf is fed to KLL, so a column holding both infinities has mean NaN and stddev NaN in both.
// - Empty string columns report distribution/min and max as NaN but the quantiles as None (null).
// - A bool column is Integral with no ints: ints/max and ints/min are the int64 sentinels −(2^63−1) and
//   2^63−1 (sent tagged, compared as the doubles JS can hold).
// - Bools are hashed by HLL as int64 0/1 (True collides with int 1) and become "True"/"False" in frequent
//   items, colliding with the strings "True"/"False"; floats in object columns become C "%f" text, e.g.
//   0.0078125 → "0.007812" (round half to even at the exact binary value).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile, DatasetProfileView } from "@sightglass/profile";
import { FrequentItemsSketch } from "../../packages/sketches/src/index.js";
import { SHARED_MISSING_REASON, sharedDir } from "../../packages/sketches/test/support/shared.js";
import { fromBase64, ok, runOracle, type OracleCommand } from "./oracle-client.js";
import {
  FI_EXACT_CAPACITY,
  KLL_EPS,
  QUANTILE_RANKS,
  WHYLOGS_FI_LG_MAX_MAP_SIZE,
  WHYLOGS_KLL_K,
  columnValues,
  loadExportedFrame,
  rankInterval,
  untag,
} from "./whylogs-frame.js";
import type { TsFrame } from "./whylogs-frame.js";

// ---------------------------------------------------------------------------------------------------------
// Tolerances and sketch parameters (whylogs defaults, whylogs-v1 spec §3.1).

const MEAN_STDDEV_RELATIVE = 1e-9;
const SAME_HLL_RELATIVE = 1e-12;
/** Rows per track() call on the TS side, so profiles accumulate over several batches. */
const TRACK_BATCH = 5000;

// ---------------------------------------------------------------------------------------------------------
// Frames

type FrameSpec = { kind: "mixed"; rows: number; seed: number } | { kind: "csv"; path: string };

interface FrameCase {
  name: string;
  slug: string;
  frame: FrameSpec;
}

const MIXED: FrameCase = {
  name: "generated mixed-type frame",
  slug: "mixed",
  frame: { kind: "mixed", rows: 12_000, seed: 20_240_611 },
};

const californiaDir = sharedDir === null ? null : join(sharedDir, "data", "california_housing");
const CALIFORNIA_MISSING_REASON =
  californiaDir === null
    ? SHARED_MISSING_REASON
    : `${join(californiaDir, "reference.csv")} / analysis.csv not found`;
const CALIFORNIA: FrameCase[] =
  californiaDir === null ||
  !existsSync(join(californiaDir, "reference.csv")) ||
  !existsSync(join(californiaDir, "analysis.csv"))
    ? []
    : ["reference", "analysis"].map((part) => ({
        name: `California housing ${part}.csv`,
        slug: `california-${part}`,
        frame: { kind: "csv", path: join(californiaDir, `${part}.csv`) },
      }));

const FRAMES: FrameCase[] = [MIXED, ...CALIFORNIA];

// ---------------------------------------------------------------------------------------------------------
// Wire formats of whylogs_oracle.py

interface FrequentItem {
  readonly value: string;
  readonly est: number;
  readonly upper: number;
  readonly lower: number;
}
type Value = number | null | readonly FrequentItem[];
type ColumnSummary = Record<string, Value>;
type Summary = Record<string, ColumnSummary>;
/** 3-sigma HLL bounds per column. */
type Bounds = Record<string, { lower: number; upper: number }>;

interface Profiled {
  summary: Summary;
  bounds3: Bounds;
}

interface ColumnTruth {
  dtype: string;
  /** Everything the KLL receives, sorted (NaN excluded, ±inf kept, bools as 0/1). */
  numbers: Float64Array;
  /** Distinct HLL items (int64 / double / non-empty string keys). */
  distinct: number;
  /** Frequent-items text → exact count. */
  frequent: Map<string, number>;
  /** Raw cells: NaN, and null (None / <NA> / NaT / NaN). */
  nans: number;
  nulls: number;
}

function profiledFrom(raw: Record<string, unknown> | undefined, what: string): Profiled {
  const result = ok<{ summary: unknown; bounds3: unknown }>(raw, what);
  const bounds = untag(result.bounds3) as Record<string, Record<string, number>>;
  const bounds3: Bounds = {};
  for (const [column, b] of Object.entries(bounds)) {
    bounds3[column] = { lower: b["cardinality/lower_3"] ?? NaN, upper: b["cardinality/upper_3"] ?? NaN };
  }
  return { summary: untag(result.summary) as Summary, bounds3 };
}

function tsProfiled(view: DatasetProfileView): Profiled {
  const summary = view.toSummary() as Summary;
  const wide = view.toSummary({ hllStdDevs: 3 }) as Summary;
  const bounds3: Bounds = {};
  for (const [column, s] of Object.entries(wide)) {
    const lower = s["cardinality/lower_3"];
    const upper = s["cardinality/upper_3"];
    if (typeof lower === "number" && typeof upper === "number") bounds3[column] = { lower, upper };
  }
  return { summary, bounds3 };
}

// ---------------------------------------------------------------------------------------------------------
// Profiling the rebuilt frame in TypeScript.

function profileRows(frame: TsFrame, start: number, stop: number): DatasetProfileView {
  const profile = new DatasetProfile({ schema: { columns: frame.schema } });
  for (let from = start; from < stop; from += TRACK_BATCH) {
    const to = Math.min(stop, from + TRACK_BATCH);
    const batch: Record<string, ArrayLike<unknown>> = {};
    for (const column of frame.columns) batch[column.name] = columnValues(column, from, to);
    profile.track(batch);
  }
  return profile.view();
}

function truthFrom(
  raw: Record<string, { dtype: string; numbers: string; distinct: number; frequent: [string, number][] }>,
  frame: TsFrame,
): Map<string, ColumnTruth> {
  const truth = new Map<string, ColumnTruth>();
  for (const column of frame.columns) {
    const t = raw[column.name];
    if (t === undefined) throw new Error(`no ground truth for column ${column.name}`);
    const bytes = fromBase64(t.numbers);
    const numbers = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    let nans = 0;
    let nulls = 0;
    for (const cell of column.values) {
      const v = untag(cell);
      if (v === null) nulls++;
      else if (typeof v === "number" && Number.isNaN(v)) {
        nans++;
        nulls++;
      }
    }
    truth.set(column.name, {
      dtype: t.dtype,
      numbers: Float64Array.from(numbers),
      distinct: t.distinct,
      frequent: new Map(t.frequent),
      nans,
      nulls,
    });
  }
  return truth;
}

// ---------------------------------------------------------------------------------------------------------
// Comparison helpers. Every check records a finding instead of throwing, so one run lists all disagreements.

class Findings {
  readonly list: string[] = [];

  check(condition: boolean, message: () => string): void {
    if (!condition) this.list.push(message());
  }

  /** Fails listing every disagreement: first a count per summary key, then the messages, rarest key first. */
  expectNone(what: string): void {
    if (this.list.length === 0) return;
    const keyOf = (message: string) => /[a-z_]+\/[a-z_0-9]+/.exec(message)?.[0] ?? "other";
    const perKey = new Map<string, number>();
    for (const message of this.list) perKey.set(keyOf(message), (perKey.get(keyOf(message)) ?? 0) + 1);
    const ordered = [...this.list].sort((x, y) => perKey.get(keyOf(x))! - perKey.get(keyOf(y))!);
    const counts = [...perKey].map(([key, count]) => `${key} ×${count}`).join(", ");
    const shown = ordered.slice(0, 80).join("\n  ");
    const more = ordered.length > 80 ? `\n  … and ${ordered.length - 80} more` : "";
    expect.fail(`${what}: ${this.list.length} disagreement(s) (${counts})\n  ${shown}${more}`);
  }
}

function show(value: Value | undefined): string {
  if (value === undefined) return "(absent)";
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (value === null) return "null";
  const items = value.map((i) => `${JSON.stringify(i.value)}:${i.est}[${i.lower},${i.upper}]`);
  return `[${items.slice(0, 6).join(", ")}${items.length > 6 ? `, … (${items.length})` : ""}]`;
}

function isItems(value: Value | undefined): value is readonly FrequentItem[] {
  return Array.isArray(value);
}

function num(value: Value | undefined): number | null {
  return typeof value === "number" ? value : null;
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function relativelyClose(a: number, b: number, tolerance: number): boolean {
  if (sameNumber(a, b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

function byValue(items: readonly FrequentItem[]): FrequentItem[] {
  return [...items].sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
}

function sameItems(ts: readonly FrequentItem[], py: readonly FrequentItem[]): boolean {
  const a = byValue(ts);
  const b = byValue(py);
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      return x.value === y.value && x.est === y.est && x.upper === y.upper && x.lower === y.lower;
    })
  );
}

function expectSameColumns(ts: Summary, py: Summary, findings: Findings, label: string): string[] {
  const tsColumns = Object.keys(ts).sort();
  const pyColumns = Object.keys(py).sort();
  findings.check(
    JSON.stringify(tsColumns) === JSON.stringify(pyColumns),
    () => `${label}: columns TS ${JSON.stringify(tsColumns)} vs Python ${JSON.stringify(pyColumns)}`,
  );
  return pyColumns.filter((c) => ts[c] !== undefined);
}

function expectSameKeys(ts: ColumnSummary, py: ColumnSummary, findings: Findings, label: string): string[] {
  const missing = Object.keys(py).filter((k) => !(k in ts));
  const extra = Object.keys(ts).filter((k) => !(k in py));
  findings.check(
    missing.length === 0 && extra.length === 0,
    () => `${label}: keys missing in TS ${JSON.stringify(missing)}, only in TS ${JSON.stringify(extra)}`,
  );
  return Object.keys(py).filter((k) => k in ts);
}

/**
 * (a) and (c): two summaries of the very same file. Everything is exact except the HLL estimator's last ulp
 * and stddev (sqrt of m2/(n−1), held to the stated 1e-9).
 */
function compareSameSketch(ts: Profiled, py: Profiled, findings: Findings, label: string): void {
  for (const column of expectSameColumns(ts.summary, py.summary, findings, label)) {
    const t = ts.summary[column]!;
    const p = py.summary[column]!;
    for (const key of expectSameKeys(t, p, findings, `${label} ${column}`)) {
      const a = t[key];
      const b = p[key];
      const where = () => `${label} ${column} ${key}: TS ${show(a)} vs Python ${show(b)}`;
      if (isItems(b) || isItems(a)) {
        findings.check(isItems(a) && isItems(b) && sameItems(a, b), where);
      } else if (a === null || b === null) {
        findings.check(a === b, where);
      } else if (key.startsWith("cardinality/")) {
        findings.check(relativelyClose(num(a)!, num(b)!, SAME_HLL_RELATIVE), where);
      } else if (key === "distribution/stddev") {
        findings.check(relativelyClose(num(a)!, num(b)!, MEAN_STDDEV_RELATIVE), where);
      } else {
        // Exact. ±0 compare equal: -0.0 and 0.0 are ties in the KLL's sorted view, and which of the two a
        // quantile lands on depends on the (unstable) sort's order of equal items, not on the profile.
        findings.check(typeof a === "number" && typeof b === "number" && sameNumber(a, b), where);
      }
    }
    const tb = ts.bounds3[column];
    const pb = py.bounds3[column];
    findings.check(
      (tb === undefined) === (pb === undefined) &&
        (tb === undefined ||
          (relativelyClose(tb.lower, pb!.lower, SAME_HLL_RELATIVE) &&
            relativelyClose(tb.upper, pb!.upper, SAME_HLL_RELATIVE))),
      () => `${label} ${column} 3-sigma HLL bounds: TS ${JSON.stringify(tb)} vs Python ${JSON.stringify(pb)}`,
    );
  }
}

function checkQuantile(
  value: Value | undefined,
  key: string,
  truth: ColumnTruth,
  epsilonFactor: number,
  findings: Findings,
  label: string,
): void {
  const rank = QUANTILE_RANKS[key]!;
  const n = truth.numbers.length;
  if (n === 0) {
    findings.check(
      value === null,
      () => `${label} ${key}: ${show(value)} for an empty distribution, expected null`,
    );
    return;
  }
  if (typeof value !== "number") {
    findings.check(false, () => `${label} ${key}: ${show(value)}, expected a number (n = ${n})`);
    return;
  }
  const tolerance = epsilonFactor * KLL_EPS + 1 / n;
  const [lo, hi] = rankInterval(truth.numbers, value);
  findings.check(
    hi > 0 && lo <= rank + tolerance && hi >= rank - tolerance,
    () =>
      `${label} ${key} = ${value}: exact rank [${lo.toFixed(5)}, ${hi.toFixed(5)}] of n = ${n} is not within ` +
      `${tolerance.toFixed(5)} of ${rank}`,
  );
}

/** Frequent items against the exact counts (exact when no purge can have happened, else within bounds). */
function checkFrequentItems(
  items: Value | undefined,
  truth: ColumnTruth,
  findings: Findings,
  label: string,
): void {
  if (!isItems(items)) {
    findings.check(false, () => `${label}: frequent_strings is ${show(items)}`);
    return;
  }
  if (truth.frequent.size <= FI_EXACT_CAPACITY) {
    const expected = [...truth.frequent].map(([value, count]) => ({
      value,
      est: count,
      upper: count,
      lower: count,
    }));
    findings.check(
      sameItems(items, expected),
      () => `${label}: frequent items ${show(byValue(items))} vs exact ${show(byValue(expected))}`,
    );
    return;
  }
  let total = 0;
  for (const count of truth.frequent.values()) total += count;
  const apriori = FrequentItemsSketch.getAprioriError(WHYLOGS_FI_LG_MAX_MAP_SIZE, total);
  const reported = new Set<string>();
  for (const item of items) {
    reported.add(item.value);
    const count = truth.frequent.get(item.value) ?? 0;
    findings.check(
      item.lower <= count && count <= item.upper && item.est === item.upper,
      () =>
        `${label}: item ${JSON.stringify(item.value)} est ${item.est} [${item.lower}, ${item.upper}], true ${count}`,
    );
    findings.check(
      item.upper - item.lower <= apriori,
      () =>
        `${label}: item ${JSON.stringify(item.value)} error ${item.upper - item.lower} > a-priori ${apriori}`,
    );
  }
  for (const [value, count] of truth.frequent) {
    if (count > 2 * apriori) {
      findings.check(
        reported.has(value),
        () =>
          `${label}: ${JSON.stringify(value)} (true count ${count} > 2·${apriori.toFixed(1)}) not reported`,
      );
    }
  }
}

function checkCardinality(
  est: number,
  own: { lower: number; upper: number } | undefined,
  other: { lower: number; upper: number } | undefined,
  truth: ColumnTruth,
  findings: Findings,
  label: string,
): void {
  if (own === undefined || other === undefined) {
    findings.check(
      false,
      () => `${label}: 3-sigma HLL bounds missing (own ${String(own)}, other ${String(other)})`,
    );
    return;
  }
  findings.check(
    other.lower <= est && est <= other.upper,
    () =>
      `${label}: estimate ${est} outside the other side's 3-sigma bounds [${other.lower}, ${other.upper}]`,
  );
  findings.check(
    own.lower <= truth.distinct && truth.distinct <= own.upper,
    () =>
      `${label}: exact distinct count ${truth.distinct} outside 3-sigma bounds [${own.lower}, ${own.upper}]`,
  );
}

/**
 * whylogs counts pandas <NA> in a nullable Int64 column as null and nan (see the header); Sightglass counts
 * JS null as null only. The only key where the two are allowed to differ, and how.
 */
function isNaQuirk(truth: ColumnTruth, key: string): boolean {
  return truth.dtype === "Int64" && key === "counts/nan";
}

/** (b): TS and Python profiles of the same data. */
function compareIndependent(
  ts: Profiled,
  py: Profiled,
  truths: Map<string, ColumnTruth>,
  findings: Findings,
  label: string,
): void {
  for (const column of expectSameColumns(ts.summary, py.summary, findings, label)) {
    const t = ts.summary[column]!;
    const p = py.summary[column]!;
    const truth = truths.get(column)!;
    const at = `${label} ${column}`;
    for (const key of expectSameKeys(t, p, findings, at)) {
      const a = t[key];
      const b = p[key];
      const where = () => `${at} ${key}: TS ${show(a)} vs Python ${show(b)}`;
      if (isNaQuirk(truth, key)) {
        findings.check(
          num(b) === num(p["counts/null"]),
          () => `${at} counts/nan: whylogs ${show(b)}, expected every <NA> (${show(p["counts/null"])})`,
        );
        findings.check(
          a === truth.nans,
          () => `${at} counts/nan: TS ${show(a)}, expected ${truth.nans} (NaN only)`,
        );
      } else if (key in QUANTILE_RANKS) {
        findings.check((a === null) === (b === null), where);
        checkQuantile(a, key, truth, 1, findings, `${at} TS`);
        checkQuantile(b, key, truth, 1, findings, `${at} Python`);
        if (truth.numbers.length <= WHYLOGS_KLL_K)
          findings.check(sameNumber(num(a) ?? NaN, num(b) ?? NaN), () => `${where()} (exact KLL)`);
      } else if (key === "distribution/mean" || key === "distribution/stddev") {
        findings.check(
          num(a) !== null && relativelyClose(num(a)!, num(b) ?? NaN, MEAN_STDDEV_RELATIVE),
          where,
        );
      } else if (key === "cardinality/est") {
        checkCardinality(num(a) ?? NaN, ts.bounds3[column], py.bounds3[column], truth, findings, `${at} TS`);
        checkCardinality(
          num(b) ?? NaN,
          py.bounds3[column],
          ts.bounds3[column],
          truth,
          findings,
          `${at} Python`,
        );
      } else if (key === "cardinality/lower_1" || key === "cardinality/upper_1") {
        const est = num(t["cardinality/est"]) ?? NaN;
        const bound = num(a) ?? NaN;
        findings.check(key.startsWith("cardinality/lower") ? bound <= est : bound >= est, where);
      } else if (key === "frequent_items/frequent_strings") {
        checkFrequentItems(a, truth, findings, `${at} TS`);
        checkFrequentItems(b, truth, findings, `${at} Python`);
        if (truth.frequent.size <= FI_EXACT_CAPACITY) {
          findings.check(isItems(a) && isItems(b) && sameItems(a, b), where);
        }
      } else {
        // counts/*, types/*, ints/*, distribution/n, min, max: exact on both sides.
        findings.check(
          a !== undefined &&
            b !== undefined &&
            sameNumber(num(a) ?? NaN, num(b) ?? NaN) &&
            (a === null) === (b === null),
          where,
        );
      }
    }
  }
}

/** (d): a merged profile against the Python profile of the whole frame and the exact data. */
function compareMergedToWhole(
  merged: Profiled,
  halves: readonly [Profiled, Profiled],
  whole: Profiled,
  truths: Map<string, ColumnTruth>,
  findings: Findings,
  label: string,
): void {
  for (const column of expectSameColumns(merged.summary, whole.summary, findings, label)) {
    const m = merged.summary[column]!;
    const w = whole.summary[column]!;
    const truth = truths.get(column)!;
    const at = `${label} ${column}`;
    for (const key of expectSameKeys(m, w, findings, at)) {
      const a = m[key];
      const b = w[key];
      const where = () => `${at} ${key}: merged ${show(a)} vs whole ${show(b)}`;
      if (key.startsWith("counts/") || key.startsWith("types/")) {
        // Sum aggregation: merged = half A + half B, and that equals the whole (but see isNaQuirk).
        const sum =
          (num(halves[0].summary[column]?.[key]) ?? NaN) + (num(halves[1].summary[column]?.[key]) ?? NaN);
        findings.check(a === sum, () => `${at} ${key}: merged ${show(a)} vs halves' sum ${sum}`);
        if (!isNaQuirk(truth, key)) findings.check(a === b, where);
      } else if (key in QUANTILE_RANKS) {
        checkQuantile(a, key, truth, 2, findings, at);
        if (truth.numbers.length <= WHYLOGS_KLL_K)
          findings.check(sameNumber(num(a) ?? NaN, num(b) ?? NaN), () => `${where()} (exact KLL)`);
      } else if (key === "distribution/mean" || key === "distribution/stddev") {
        findings.check(relativelyClose(num(a) ?? NaN, num(b) ?? NaN, MEAN_STDDEV_RELATIVE), where);
      } else if (key.startsWith("cardinality/")) {
        if (key === "cardinality/est") {
          checkCardinality(num(a) ?? NaN, merged.bounds3[column], whole.bounds3[column], truth, findings, at);
        }
      } else if (key === "frequent_items/frequent_strings") {
        checkFrequentItems(a, truth, findings, at);
      } else {
        // ints/*, distribution/n, min, max.
        findings.check(sameNumber(num(a) ?? NaN, num(b) ?? NaN) && (a === null) === (b === null), where);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// One run for every frame: Python (export, profile, halves, merge) → TypeScript → Python (read, cross merge).

interface FrameRun {
  frame: TsFrame;
  truth: Map<string, ColumnTruth>;
  at: number;
  py: { whole: Profiled; halves: [Profiled, Profiled]; merged: Profiled; cross: Profiled };
  ts: {
    whole: DatasetProfileView;
    halves: [DatasetProfileView, DatasetProfileView];
    merged: DatasetProfileView;
    /** Python-written half A deserialized in TS, merged with the TS half B. */
    cross: DatasetProfileView;
  };
  /** (a) the Python-written files, deserialized by TS. */
  tsReadsPy: Record<"whole" | "halfA" | "halfB" | "merged" | "cross", DatasetProfileView>;
  /** (c) the TS-written files, read by whylogs. */
  pyReadsTs: Record<"whole" | "halfA" | "halfB" | "merged" | "cross", Profiled>;
}

const runs = new Map<string, FrameRun>();
let workDir = "";

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "sightglass-whylogs-"));
  const file = (f: FrameCase, name: string) => join(workDir, `${f.slug}-${name}`);

  const first: OracleCommand[] = FRAMES.flatMap((f) => [
    { op: "export_frame", frame: f.frame, path: file(f, "frame.json") },
    { op: "profile_frame", frame: f.frame, path: file(f, "py-whole.bin") },
    { op: "split_profile", frame: f.frame, paths: [file(f, "py-a.bin"), file(f, "py-b.bin")] },
    { op: "merge", paths: [file(f, "py-a.bin"), file(f, "py-b.bin")], path: file(f, "py-merged.bin") },
  ]);
  const firstAnswers = await runOracle(first, "whylogs_oracle.py");

  const partial = new Map<
    string,
    Omit<FrameRun, "pyReadsTs" | "tsReadsPy" | "py"> & {
      py: Omit<FrameRun["py"], "cross">;
      tsReadsPy: Omit<FrameRun["tsReadsPy"], "cross">;
    }
  >();
  FRAMES.forEach((f, i) => {
    const exported = ok<{
      rows: number;
      truth: Parameters<typeof truthFrom>[0];
    }>(firstAnswers[4 * i], `${f.name}: export_frame`);
    const split = ok<{ at: number; halves: unknown[] }>(firstAnswers[4 * i + 2], `${f.name}: split_profile`);
    const frame = loadExportedFrame(file(f, "frame.json"));
    const at = split.at;

    const whole = profileRows(frame, 0, frame.rows);
    const halves: [DatasetProfileView, DatasetProfileView] = [
      profileRows(frame, 0, at),
      profileRows(frame, at, frame.rows),
    ];
    const merged = halves[0].merge(halves[1]);
    const read = (name: string) =>
      DatasetProfileView.deserialize(new Uint8Array(readFileSync(file(f, name))));
    const cross = read("py-a.bin").merge(halves[1]);
    writeFileSync(file(f, "ts-whole.bin"), whole.serialize());
    writeFileSync(file(f, "ts-a.bin"), halves[0].serialize());
    writeFileSync(file(f, "ts-b.bin"), halves[1].serialize());
    writeFileSync(file(f, "ts-merged.bin"), merged.serialize());
    writeFileSync(file(f, "ts-cross.bin"), cross.serialize());

    partial.set(f.slug, {
      frame,
      truth: truthFrom(exported.truth, frame),
      at,
      py: {
        whole: profiledFrom(firstAnswers[4 * i + 1], `${f.name}: profile_frame`),
        halves: [
          profiledFrom(split.halves[0] as Record<string, unknown>, `${f.name}: half A`),
          profiledFrom(split.halves[1] as Record<string, unknown>, `${f.name}: half B`),
        ],
        merged: profiledFrom(firstAnswers[4 * i + 3], `${f.name}: merge`),
      },
      ts: { whole, halves, merged, cross },
      tsReadsPy: {
        whole: read("py-whole.bin"),
        halfA: read("py-a.bin"),
        halfB: read("py-b.bin"),
        merged: read("py-merged.bin"),
      },
    });
  });

  const TS_FILES = ["ts-whole.bin", "ts-a.bin", "ts-b.bin", "ts-merged.bin", "ts-cross.bin"] as const;
  const second: OracleCommand[] = FRAMES.flatMap((f) => [
    ...TS_FILES.map((name) => ({ op: "read_summary", path: file(f, name) })),
    { op: "merge", paths: [file(f, "py-a.bin"), file(f, "ts-b.bin")], path: file(f, "py-cross.bin") },
  ]);
  const secondAnswers = await runOracle(second, "whylogs_oracle.py");
  FRAMES.forEach((f, i) => {
    const base = i * (TS_FILES.length + 1);
    const got = (j: number) =>
      profiledFrom(secondAnswers[base + j], `${f.name}: whylogs reads ${TS_FILES[j]}`);
    const p = partial.get(f.slug)!;
    runs.set(f.slug, {
      ...p,
      py: { ...p.py, cross: profiledFrom(secondAnswers[base + 5], `${f.name}: whylogs merges py-a + ts-b`) },
      tsReadsPy: {
        ...p.tsReadsPy,
        cross: DatasetProfileView.deserialize(new Uint8Array(readFileSync(file(f, "py-cross.bin")))),
      },
      pyReadsTs: { whole: got(0), halfA: got(1), halfB: got(2), merged: got(3), cross: got(4) },
    });
  });
});

afterAll(() => {
  if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
});

function run(f: FrameCase): FrameRun {
  const r = runs.get(f.slug);
  if (r === undefined) throw new Error(`${f.name}: the shared run did not complete`);
  return r;
}

// ---------------------------------------------------------------------------------------------------------

describe("profiles vs whylogs", () => {
  if (CALIFORNIA.length === 0) {
    it.skip(`California housing: skipped: ${CALIFORNIA_MISSING_REASON}`, () => {});
  }

  describe.each(FRAMES)("$name", (f) => {
    it("(a) Python-written profiles read in TypeScript give whylogs' summary of the same file", () => {
      const r = run(f);
      const findings = new Findings();
      const pairs: [keyof FrameRun["tsReadsPy"], Profiled][] = [
        ["whole", r.py.whole],
        ["halfA", r.py.halves[0]],
        ["halfB", r.py.halves[1]],
        ["merged", r.py.merged],
        ["cross", r.py.cross],
      ];
      for (const [name, py] of pairs) compareSameSketch(tsProfiled(r.tsReadsPy[name]), py, findings, name);
      findings.expectNone(`${f.name} (a)`);
    });

    it("(b) TypeScript and whylogs profiles of the same data agree within sketch error", () => {
      const r = run(f);
      const findings = new Findings();
      compareIndependent(tsProfiled(r.ts.whole), r.py.whole, r.truth, findings, "whole");
      findings.expectNone(`${f.name} (b)`);
    });

    it("(c) TS-written profiles load in whylogs with TypeScript's own summary", () => {
      const r = run(f);
      const findings = new Findings();
      const pairs: [keyof FrameRun["pyReadsTs"], DatasetProfileView][] = [
        ["whole", r.ts.whole],
        ["halfA", r.ts.halves[0]],
        ["halfB", r.ts.halves[1]],
        ["merged", r.ts.merged],
        ["cross", r.ts.cross],
      ];
      for (const [name, view] of pairs)
        compareSameSketch(tsProfiled(view), r.pyReadsTs[name], findings, name);
      findings.expectNone(`${f.name} (c)`);
    });

    it("(d) halves merged in TS, in Python and across the two agree with the whole", () => {
      const r = run(f);
      const findings = new Findings();
      const tsHalves: [Profiled, Profiled] = [tsProfiled(r.ts.halves[0]), tsProfiled(r.ts.halves[1])];
      const crossHalves: [Profiled, Profiled] = [r.py.halves[0], tsHalves[1]];
      compareMergedToWhole(
        tsProfiled(r.ts.merged),
        tsHalves,
        r.py.whole,
        r.truth,
        findings,
        "TS merge of TS halves",
      );
      compareMergedToWhole(
        r.py.merged,
        r.py.halves,
        r.py.whole,
        r.truth,
        findings,
        "whylogs merge of whylogs halves",
      );
      compareMergedToWhole(
        tsProfiled(r.ts.cross),
        crossHalves,
        r.py.whole,
        r.truth,
        findings,
        "TS merge, cross",
      );
      compareMergedToWhole(r.py.cross, crossHalves, r.py.whole, r.truth, findings, "whylogs merge, cross");
      findings.expectNone(`${f.name} (d)`);
    });

    it("Sightglass null/NaN semantics: NaN is null + nan and never reaches a sketch or mean/m2", () => {
      const r = run(f);
      const summary = r.ts.whole.toSummary() as Summary;
      for (const [column, truth] of r.truth) {
        const s = summary[column]!;
        expect(s["counts/nan"], `${column} counts/nan`).toBe(truth.nans);
        expect(s["counts/null"], `${column} counts/null`).toBe(truth.nulls);
        if ("distribution/n" in s) {
          expect(s["distribution/n"], `${column} distribution/n`).toBe(truth.numbers.length);
          if (truth.numbers.every(Number.isFinite)) {
            // Without infinities the mean is the mean of the non-NaN values: NaN did not reach it.
            const mean =
              truth.numbers.length === 0
                ? 0
                : truth.numbers.reduce((x, y) => x + y, 0) / truth.numbers.length;
            const got = s["distribution/mean"] as number;
            expect(Number.isFinite(got), `${column} mean ${got}`).toBe(true);
            expect(Math.abs(got - mean), `${column} mean ${got} vs ${mean}`).toBeLessThanOrEqual(
              MEAN_STDDEV_RELATIVE * Math.max(1, Math.abs(mean)),
            );
          }
        }
      }
    });
  });
});
