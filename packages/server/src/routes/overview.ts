// What the web UI's project pages read: every column of a window next to a baseline (counts, nulls, distinct
// values, drift, active anomalies, a trend line), and one column's distribution on both sides. Both answer
// from one merge per side; trend lines read the per-bucket summaries materialized at each merge instead of
// summarizing each bucket's profile again, which for 1,000 columns × 720 hourly buckets would cost more than
// the merges.
import { DRIFT_METHODS, columnFacts, datasetDrift, driftKind, profileRowCount } from "@sightglass/analysis";
import type { ColumnDriftEntry, ColumnFacts, DriftKind, DriftMethod } from "@sightglass/analysis";
import { DatasetProfileView, DistributionMetric } from "@sightglass/profile";
import type { ColumnProfileView } from "@sightglass/profile";
import { ErrorType } from "@sightglass/sketches";
import type { FrequentItemsSketch, KllDoublesSketch } from "@sightglass/sketches";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app.js";
import type { BatchFrequency } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { parseSegmentParam } from "../store/profiles.js";
import type { ScalarMetrics } from "../store/profiles.js";
import { bucketMetrics, bucketProfiles, mergedRange, referenceProfile } from "../store/ranges.js";
import { nextBucketStart, bucketStart as startOfBucket } from "../time.js";
import { authorizedProject, errorSchema, projectParams, timeRange, timeRangeQuery } from "./common.js";
import type { TimeRange } from "./common.js";

/** Points of a sparkline at most: a table row has room for about this many. */
const SPARKLINE_POINTS = 60;
/** A window longer than this many buckets is refused rather than enumerated (hourly: about 11 years). */
const MAX_WINDOW_BUCKETS = 100_000;
const TOP_ITEMS = 20;
const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;
const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 4, error: 3, warning: 2, info: 1 };

type Baseline =
  | { readonly kind: "range"; readonly start: number; readonly end: number }
  | { readonly kind: "reference"; readonly name: string };

type BaselineRequest =
  | { readonly kind: "range"; readonly start: number; readonly end: number; readonly explicit: boolean }
  | { readonly kind: "reference"; readonly name: string };

/** The baseline a window is compared with, or why there is none. */
type ResolvedBaseline =
  | { readonly baseline: Baseline; readonly view: DatasetProfileView; readonly reason: null }
  | { readonly baseline: null; readonly view: null; readonly reason: string };

interface BaselineQuery {
  start?: string;
  end?: string;
  segment?: string;
  reference?: string;
  baselineStart?: string;
  baselineEnd?: string;
  method?: DriftMethod | "auto";
}

interface DriftJson {
  method: DriftMethod;
  statistic: number;
  pValue: number | null;
  bound: number;
  category: ColumnDriftEntry["category"];
}

interface Side {
  count: number;
  nullCount: number;
  inferredType: string;
  distinct: number | null;
  mean: number | null;
  stddev: number | null;
  min: number | null;
  max: number | null;
  quantiles: Record<string, number> | null;
}

// ---------------------------------------------------------------------------------------------------------
// Schemas. Fastify serializes answers with these, dropping any property not listed: each lists every field.

const baselineQuery = {
  ...timeRangeQuery,
  reference: { type: "string", description: "Compare with this named reference profile" },
  baselineStart: {
    type: "string",
    description:
      "Compare with the range baselineStart … baselineEnd (default: the range of equal length before)",
  },
  baselineEnd: { type: "string", description: "End of the baseline range (exclusive)" },
  method: {
    type: "string",
    enum: ["auto", ...DRIFT_METHODS],
    default: "auto",
    description: "Drift method; auto chooses by column kind and sample size, as GET …/drift does",
  },
} as const;

const baselineSchema = {
  type: ["object", "null"],
  description:
    "What the window was compared with (kind range: start, end; kind reference: name); null when it has no data",
  properties: {
    kind: { type: "string", enum: ["range", "reference"] },
    start: { type: "number" },
    end: { type: "number" },
    name: { type: "string" },
  },
  required: ["kind"],
} as const;

const driftSchema = {
  type: ["object", "null"],
  description: "Drift against the baseline, as GET …/drift scores it; null with driftReason when not scored",
  properties: {
    method: { type: "string", enum: DRIFT_METHODS },
    statistic: { type: "number" },
    pValue: {
      type: ["number", "null"],
      description:
        "p-value adjusted (Benjamini–Hochberg) over the window's columns, the one the category is read from; null for distances",
    },
    bound: { type: "number", description: "Most the statistic can differ from its value on the raw data" },
    category: { type: "string", enum: ["no_drift", "possible_drift", "drift"] },
  },
  required: ["method", "statistic", "pValue", "bound", "category"],
} as const;

const nullableNumber = { type: ["number", "null"] } as const;

const overviewSchema = {
  type: "object",
  properties: {
    start: { type: "number" },
    end: { type: "number" },
    frequency: { type: "string", enum: ["hour", "day", "week"] },
    segment: { type: "string", description: "Canonical segment key; empty for the whole dataset" },
    baseline: baselineSchema,
    baselineReason: { type: ["string", "null"], description: "Why there is no baseline, and what to do" },
    rowCount: { type: "number", description: "Rows in the window (the largest counts/n of its columns)" },
    bucketCount: { type: "integer", description: "Buckets of the window that hold data" },
    columns: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          inferredType: { type: "string" },
          count: { type: "number", description: "counts/n" },
          nullCount: { type: "number" },
          nullRatio: nullableNumber,
          distinct: { ...nullableNumber, description: "Cardinality estimate (HyperLogLog)" },
          mean: nullableNumber,
          drift: driftSchema,
          driftReason: { type: ["string", "null"] },
          anomalies: {
            type: "object",
            description: "Active (open or acknowledged) anomalies of the column in the project, any segment",
            properties: {
              open: { type: "integer" },
              severity: { type: ["string", "null"], enum: ["critical", "error", "warning", "info", null] },
            },
            required: ["open", "severity"],
          },
          sparkline: {
            type: "object",
            description: `One point per bucket of the window; above ${SPARKLINE_POINTS} buckets point j aggregates the buckets i with floor(i·${SPARKLINE_POINTS}/buckets) = j (means weighted by their value counts, counts summed); null where no bucket has the column`,
            properties: {
              metric: { type: "string", enum: ["distribution/mean", "counts/n"] },
              points: { type: "array", items: nullableNumber },
            },
            required: ["metric", "points"],
          },
        },
        required: [
          "name",
          "inferredType",
          "count",
          "nullCount",
          "nullRatio",
          "distinct",
          "mean",
          "drift",
          "driftReason",
          "anomalies",
          "sparkline",
        ],
      },
    },
  },
  required: [
    "start",
    "end",
    "frequency",
    "segment",
    "baseline",
    "baselineReason",
    "rowCount",
    "bucketCount",
    "columns",
  ],
} as const;

const sideSchema = {
  type: ["object", "null"],
  properties: {
    count: { type: "number" },
    nullCount: { type: "number" },
    inferredType: { type: "string" },
    distinct: nullableNumber,
    mean: nullableNumber,
    stddev: nullableNumber,
    min: nullableNumber,
    max: nullableNumber,
    quantiles: {
      type: ["object", "null"],
      description: "KLL quantiles (whylogs' rule); null when the column has no numbers",
      properties: Object.fromEntries(QUANTILES.map((q) => [String(q), { type: "number" }])),
    },
  },
  required: ["count", "nullCount", "inferredType", "distinct", "mean", "stddev", "min", "max", "quantiles"],
} as const;

const distributionSchema = {
  type: "object",
  properties: {
    column: { type: "string" },
    kind: { type: ["string", "null"], enum: ["numeric", "categorical", null] },
    target: { ...sideSchema, type: "object" },
    baseline: { ...sideSchema, description: "null without a baseline or when the baseline lacks the column" },
    baselineRange: baselineSchema,
    histogram: {
      type: ["object", "null"],
      description:
        "Numeric kind: equal-width bins over both sides' min … max ([lo, hi), the last closed), each side's share of its values per bin from its KLL sketch (within twice its rank error of the raw share)",
      properties: {
        edges: { type: "array", items: { type: "number" } },
        target: { type: "array", items: { type: "number" } },
        baseline: { type: ["array", "null"], items: { type: "number" } },
      },
      required: ["edges", "target", "baseline"],
    },
    topItems: {
      type: ["array", "null"],
      description: `Up to ${TOP_ITEMS} frequent values of both sides (by target, then baseline estimate), each side's estimate over its non-null count`,
      items: {
        type: "object",
        properties: { value: { type: "string" }, target: { type: "number" }, baseline: nullableNumber },
        required: ["value", "target", "baseline"],
      },
    },
    drift: driftSchema,
    driftReason: { type: ["string", "null"] },
  },
  required: [
    "column",
    "kind",
    "target",
    "baseline",
    "baselineRange",
    "histogram",
    "topItems",
    "drift",
    "driftReason",
  ],
} as const;

// ---------------------------------------------------------------------------------------------------------

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const iso = (t: number) => new Date(t).toISOString();

/** The 404 of a window without data (GET …/profile and …/drift answer the same). */
function noProfiles(what: string, range: TimeRange): ApiError {
  return new ApiError(
    "not-found",
    `no profiles in the ${what} range ${iso(range.start)} … ${iso(range.end)}; GET /api/v1/projects/{id}/buckets lists the buckets that have data`,
  );
}

/** Starts of the project's buckets in [start, end), in its time zone: the grid sparklines are drawn on. */
function bucketGrid(range: TimeRange, frequency: BatchFrequency, timeZone: string): number[] {
  const grid: number[] = [];
  let t = startOfBucket(range.start, frequency, timeZone);
  if (t < range.start) t = nextBucketStart(t, frequency, timeZone);
  for (; t < range.end; t = nextBucketStart(t, frequency, timeZone)) {
    if (grid.length === MAX_WINDOW_BUCKETS) {
      throw new ApiError(
        "bad-request",
        `the window spans more than ${MAX_WINDOW_BUCKETS} ${frequency} buckets; choose a shorter range`,
        { field: "end" },
      );
    }
    grid.push(t);
  }
  return grid;
}

/** Index of the grid bucket holding `t` (buckets written under an earlier frequency fall where they lie). */
function gridIndex(grid: readonly number[], t: number): number {
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (grid[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo - 1);
}

/**
 * A column's trend over the grid, at most SPARKLINE_POINTS points: bucket i goes to point
 * floor(i · points / buckets). Means are combined with the number of values behind each (distribution/n, so
 * a point is the exact mean of its buckets' values), counts are summed.
 */
function sparkline(
  cells: ReadonlyMap<number, ScalarMetrics> | undefined,
  grid: readonly number[],
  metric: "distribution/mean" | "counts/n",
): (number | null)[] {
  const points = Math.min(grid.length, SPARKLINE_POINTS);
  const sum = new Float64Array(points);
  const weight = new Float64Array(points);
  const seen = new Uint8Array(points);
  const infinite = new Uint8Array(points);
  for (const [t, values] of cells ?? []) {
    if (points === 0) break;
    const p = Math.floor((gridIndex(grid, t) * points) / grid.length);
    if (metric === "counts/n") {
      const n = values["counts/n"];
      if (typeof n === "number") {
        sum[p]! += n;
        seen[p] = 1;
      }
      continue;
    }
    const n = values["distribution/n"] ?? 0;
    if (n <= 0) continue;
    const mean = values["distribution/mean"];
    seen[p] = 1;
    // A bucket holding infinities has no finite mean (its summary says null), and neither has its point.
    if (typeof mean !== "number") infinite[p] = 1;
    else {
      sum[p]! += mean * n;
      weight[p]! += n;
    }
  }
  return Array.from({ length: points }, (_, p) => {
    if (seen[p] === 0 || infinite[p] === 1) return null;
    return metric === "counts/n" ? sum[p]! : finite(sum[p]! / weight[p]!);
  });
}

function hasNumbers(column: ColumnProfileView): DistributionMetric | null {
  const metric = column.getMetric("distribution");
  return metric instanceof DistributionMetric && !metric.kll.isEmpty() ? metric : null;
}

function driftJson(entry: ColumnDriftEntry): DriftJson {
  return {
    method: entry.method,
    statistic: entry.statistic,
    pValue: entry.adjustedPValue,
    bound: entry.bound,
    category: entry.category,
  };
}

/** Drift of every column both profiles have, as GET …/drift computes it; per column its entry or why not. */
function driftByColumn(
  baseline: DatasetProfileView,
  target: DatasetProfileView,
  method: DriftMethod | "auto",
): Map<string, { entry: ColumnDriftEntry | null; reason: string | null }> {
  const report = datasetDrift(baseline, target, { method });
  const out = new Map<string, { entry: ColumnDriftEntry | null; reason: string | null }>();
  for (const entry of report.columns) out.set(entry.column, { entry, reason: null });
  for (const skipped of report.summary.skipped)
    out.set(skipped.column, { entry: null, reason: skipped.reason });
  return out;
}

const NOT_IN_BASELINE = "the column is not in the baseline";

function side(column: ColumnProfileView, facts: ColumnFacts): Side {
  const distribution = hasNumbers(column);
  const kll = distribution?.kll;
  const quantiles =
    kll === undefined
      ? null
      : Object.fromEntries(kll.getQuantilesWhylogs(QUANTILES).map((v, i) => [String(QUANTILES[i]!), v]));
  return {
    count: facts.count,
    nullCount: facts.nulls,
    inferredType: facts.inferredType,
    distinct: facts.hll === null ? null : finite(facts.hll.getEstimate()),
    mean: distribution === null ? null : finite(distribution.mean),
    stddev: distribution === null ? null : finite(Math.sqrt(distribution.variance)),
    min: kll === undefined ? null : finite(kll.getMinItem()),
    max: kll === undefined ? null : finite(kll.getMaxItem()),
    quantiles,
  };
}

/** The smallest and largest finite values a sketch holds ([+∞, −∞] when none). */
function finiteRange(kll: KllDoublesSketch): [number, number] {
  const min = kll.getMinItem();
  const max = kll.getMaxItem();
  if (Number.isFinite(min) && Number.isFinite(max)) return [min, max];
  let low = Infinity;
  let high = -Infinity;
  for (const x of kll.getSortedView().items) {
    if (Number.isFinite(x)) {
      if (x < low) low = x;
      if (x > high) high = x;
    }
  }
  return [low, high];
}

/**
 * `bins` equal-width edges over [lo, hi]; a single value gets a range one unit wide around it. The last edge
 * is hi itself, so the top value lands in the last (closed) bin.
 */
function equalWidthEdges(lo: number, hi: number, bins: number): number[] {
  if (lo === hi) {
    // Beyond 2^52 a half unit is below the spacing of doubles: widen to something representable.
    const half = Math.max(0.5, Math.abs(lo) * 2 ** -40);
    lo -= half;
    hi += half;
  }
  // hi − lo overflows for ranges wider than the largest double: divide first there.
  const step = Number.isFinite(hi - lo) ? (hi - lo) / bins : hi / bins - lo / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + step * i));
}

/**
 * Each bin's share of a sketch's values, from its CDF at the inner edges (share of values below each edge):
 * the first bin also takes anything below the first edge and the last anything above the last (±∞, which
 * the edges leave out), so the shares sum to 1. Each CDF value is within the sketch's rank error ε of the raw
 * data's, so each share is within 2ε.
 */
function binShares(kll: KllDoublesSketch, edges: readonly number[]): number[] {
  const shares: number[] = [];
  let below = 0;
  for (let i = 1; i < edges.length; i++) {
    const cdf = i === edges.length - 1 ? 1 : kll.getRank(edges[i]!, { inclusive: false });
    shares.push(Math.max(0, cdf - below));
    below = Math.max(below, cdf);
  }
  return shares;
}

function histogram(
  target: KllDoublesSketch,
  baseline: KllDoublesSketch | null,
  bins: number,
): { edges: number[]; target: number[]; baseline: number[] | null } | null {
  let [lo, hi] = finiteRange(target);
  if (baseline !== null) {
    const [blo, bhi] = finiteRange(baseline);
    lo = Math.min(lo, blo);
    hi = Math.max(hi, bhi);
  }
  if (!(lo <= hi)) return null; // only infinities: no finite range to draw
  const edges = equalWidthEdges(lo, hi, bins);
  return {
    edges,
    target: binShares(target, edges),
    baseline: baseline === null ? null : binShares(baseline, edges),
  };
}

/** Every value a sketch tracks, with its estimate (counter + maximum error). */
function tracked(sketch: FrequentItemsSketch | null): Map<string, number> {
  if (sketch === null || sketch.getTotalWeight() === 0) return new Map();
  return new Map(sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, 0).map((r) => [r.item, r.estimate]));
}

/** `baseline` null: no baseline side (or no frequent items there), so no baseline shares. */
function topItems(
  target: FrequentItemsSketch | null,
  baseline: FrequentItemsSketch | null,
): { value: string; target: number; baseline: number | null }[] | null {
  const t = tracked(target);
  const b = tracked(baseline);
  if (t.size === 0 && b.size === 0) return null;
  const tTotal = target?.getTotalWeight() ?? 0;
  const bTotal = baseline?.getTotalWeight() ?? 0;
  const values = [...new Set([...t.keys(), ...b.keys()])];
  values.sort(
    (x, y) => (t.get(y) ?? 0) - (t.get(x) ?? 0) || (b.get(y) ?? 0) - (b.get(x) ?? 0) || byCodePoint(x, y),
  );
  return values.slice(0, TOP_ITEMS).map((value) => ({
    value,
    target: tTotal > 0 ? (t.get(value) ?? 0) / tTotal : 0,
    baseline: baseline === null ? null : bTotal > 0 ? (b.get(value) ?? 0) / bTotal : 0,
  }));
}

/** What the query asks to compare with, checked before anything is read (a bad parameter is a 400 first). */
function baselineRequest(query: BaselineQuery, range: TimeRange): BaselineRequest {
  const explicit = query.baselineStart !== undefined || query.baselineEnd !== undefined;
  if (query.reference !== undefined) {
    if (explicit) {
      throw new ApiError("bad-request", "give either reference or baselineStart and baselineEnd, not both", {
        field: "reference",
      });
    }
    return { kind: "reference", name: query.reference };
  }
  if (explicit) {
    return {
      kind: "range",
      explicit,
      ...timeRange({ start: query.baselineStart, end: query.baselineEnd }, undefined, "baseline"),
    };
  }
  return { kind: "range", explicit, start: range.start - (range.end - range.start), end: range.start };
}

export function registerOverviewRoutes(app: FastifyInstance, ctx: AppContext): void {
  /**
   * The baseline of a window: a named reference, an explicit range, or else the range of equal length just
   * before it. One without data is not an error: the window is still worth showing, with the reason.
   */
  async function loadBaseline(
    projectId: string,
    segmentKey: string,
    wanted: BaselineRequest,
  ): Promise<ResolvedBaseline> {
    if (wanted.kind === "reference") {
      const { name } = wanted;
      try {
        const view = await referenceProfile(ctx.store, projectId, name, segmentKey);
        return { baseline: { kind: "reference", name }, view, reason: null };
      } catch (e) {
        if (!(e instanceof ApiError && e.code === "not-found")) throw e;
        const where = segmentKey === "" ? "" : ` for segment ${segmentKey}`;
        return {
          baseline: null,
          view: null,
          reason: `reference profile ${JSON.stringify(name)} has no data${where}: upload it with PUT /api/v1/projects/${projectId}/references/${encodeURIComponent(name)}, or choose one that GET /api/v1/projects/${projectId}/references lists`,
        };
      }
    }
    const { start, end } = wanted;
    const view = await mergedRange(ctx.store, projectId, segmentKey, start, end);
    if (view !== undefined) return { baseline: { kind: "range", start, end }, view, reason: null };
    const span = `${iso(start)} … ${iso(end)}`;
    return {
      baseline: null,
      view: null,
      reason: wanted.explicit
        ? `no profiles in the baseline range ${span}: choose a range with data (GET /api/v1/projects/${projectId}/buckets lists them) or reference=<name>`
        : `no profiles in the baseline range ${span} (the range of equal length before the window): upload data for it, or choose baselineStart and baselineEnd or reference=<name>`,
    };
  }

  /** The window's profile (404 without data) and its bucket count. */
  async function targetOf(projectId: string, segmentKey: string, range: TimeRange) {
    const buckets = await bucketProfiles(ctx.store, projectId, segmentKey, range.start, range.end);
    if (buckets.length === 0) throw noProfiles("target", range);
    return { view: DatasetProfileView.mergeAll(buckets.map((b) => b.view)), buckets: buckets.length };
  }

  /** Active anomalies per column of the project: how many, and the most severe. */
  async function activeAnomalies(projectId: string) {
    const rows = await ctx.store.db
      .selectFrom("anomalies")
      .select(["column_name", "severity", (eb) => eb.fn.countAll<number | string>().as("n")])
      .where("project_id", "=", projectId)
      .where("state", "in", ["open", "acknowledged"])
      .groupBy(["column_name", "severity"])
      .execute();
    const out = new Map<string, { open: number; severity: string | null }>();
    for (const row of rows) {
      const entry = out.get(row.column_name) ?? { open: 0, severity: null };
      entry.open += Number(row.n);
      if (
        (SEVERITY_RANK[row.severity] ?? 0) > (entry.severity === null ? 0 : SEVERITY_RANK[entry.severity]!)
      ) {
        entry.severity = row.severity;
      }
      out.set(row.column_name, entry);
    }
    return out;
  }

  app.get<{ Params: { projectId: string }; Querystring: BaselineQuery }>(
    "/api/v1/projects/:projectId/overview",
    {
      schema: {
        summary:
          "Every column of a window against a baseline: counts, nulls, distinct values, mean, drift, active anomalies and a per-bucket trend",
        tags: ["queries"],
        params: projectParams,
        querystring: { type: "object", properties: baselineQuery, required: ["start", "end"] },
        response: { 200: overviewSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const segmentKey = parseSegmentParam(request.query.segment);
      const range = timeRange(request.query);
      const wanted = baselineRequest(request.query, range);
      const grid = bucketGrid(range, project.frequency, project.time_zone);
      const target = await targetOf(project.id, segmentKey, range);
      const [baseline, cells, anomalies] = await Promise.all([
        loadBaseline(project.id, segmentKey, wanted),
        bucketMetrics(ctx.store, project.id, segmentKey, range.start, range.end),
        activeAnomalies(project.id),
      ]);
      const drift =
        baseline.view === null
          ? null
          : driftByColumn(baseline.view, target.view, request.query.method ?? "auto");
      const columns = target.view
        .columnNames()
        .sort(byCodePoint)
        .map((name) => {
          const column = target.view.column(name)!;
          const facts = columnFacts(column);
          const distribution = hasNumbers(column);
          const scored = drift?.get(name);
          const metric = distribution !== null ? "distribution/mean" : "counts/n";
          return {
            name,
            inferredType: facts.inferredType,
            count: facts.count,
            nullCount: facts.nulls,
            nullRatio: facts.count > 0 ? facts.nulls / facts.count : null,
            distinct: facts.hll === null ? null : finite(facts.hll.getEstimate()),
            mean: distribution === null ? null : finite(distribution.mean),
            drift: scored?.entry ? driftJson(scored.entry) : null,
            driftReason: baseline.reason ?? (scored === undefined ? NOT_IN_BASELINE : scored.reason),
            anomalies: anomalies.get(name) ?? { open: 0, severity: null },
            sparkline: { metric, points: sparkline(cells.get(name), grid, metric) },
          };
        });
      return {
        start: range.start,
        end: range.end,
        frequency: project.frequency,
        segment: segmentKey,
        baseline: baseline.baseline,
        baselineReason: baseline.reason,
        rowCount: profileRowCount(target.view),
        bucketCount: target.buckets,
        columns,
      };
    },
  );

  app.get<{
    Params: { projectId: string };
    Querystring: BaselineQuery & { column: string; bins?: number };
  }>(
    "/api/v1/projects/:projectId/distribution",
    {
      schema: {
        summary:
          "One column's distribution in a window and its baseline: histogram on shared bins, frequent values, summary statistics and drift",
        tags: ["queries"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            ...baselineQuery,
            column: { type: "string", minLength: 1, description: "Column name (GET …/columns lists them)" },
            bins: { type: "integer", minimum: 2, maximum: 200, default: 30, description: "Histogram bins" },
          },
          required: ["column", "start", "end"],
        },
        response: { 200: distributionSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const segmentKey = parseSegmentParam(request.query.segment);
      const range = timeRange(request.query);
      const name = request.query.column;
      const wanted = baselineRequest(request.query, range);
      const target = await targetOf(project.id, segmentKey, range);
      const targetColumn = target.view.column(name);
      if (targetColumn === undefined) {
        throw new ApiError(
          "not-found",
          `column ${JSON.stringify(name)} is not in the window ${iso(range.start)} … ${iso(range.end)}; GET /api/v1/projects/${project.id}/columns lists the project's columns`,
          { field: "column" },
        );
      }
      const baseline = await loadBaseline(project.id, segmentKey, wanted);
      const baselineColumn = baseline.view?.column(name) ?? null;
      const targetFacts = columnFacts(targetColumn);
      const baselineFacts = baselineColumn === null ? null : columnFacts(baselineColumn);
      // Every column is scored so that the correction over columns, and so the category, is the overview's.
      const scored =
        baseline.view === null
          ? null
          : (driftByColumn(baseline.view, target.view, request.query.method ?? "auto").get(name) ?? null);
      const kind: DriftKind | null =
        scored?.entry?.kind ??
        driftKind(baselineFacts ?? targetFacts, targetFacts) ??
        driftKind(targetFacts, targetFacts);
      const targetNumbers = hasNumbers(targetColumn);
      const baselineNumbers = baselineColumn === null ? null : hasNumbers(baselineColumn);
      return {
        column: name,
        kind,
        target: side(targetColumn, targetFacts),
        baseline: baselineColumn === null ? null : side(baselineColumn, baselineFacts!),
        baselineRange: baseline.baseline,
        histogram:
          kind === "numeric" && targetNumbers !== null
            ? histogram(targetNumbers.kll, baselineNumbers?.kll ?? null, request.query.bins ?? 30)
            : null,
        topItems: topItems(targetFacts.frequentItems, baselineFacts?.frequentItems ?? null),
        drift: scored?.entry ? driftJson(scored.entry) : null,
        driftReason: baseline.reason ?? (scored === null ? NOT_IN_BASELINE : scored.reason),
      };
    },
  );
}
