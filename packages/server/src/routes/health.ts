// Views over several things at once that the web UI's overview pages read: the health of every project a caller
// can see (active anomalies, freshness, a volume sparkline), an organization's anomaly feed, and one metric of a
// project compared across the values of a segment key, with the segment furthest from the whole dataset.
import { normalQuantile, performanceOf, profileRowCount, realizedClassification } from "@sightglass/analysis";
import type { ClassificationRealized } from "@sightglass/analysis";
import { CountsMetric, DatasetProfileView, DistributionMetric } from "@sightglass/profile";
import type { ClassificationPerformanceMessage } from "@sightglass/profile";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app.js";
import { anomalyTitle } from "../alerts/payload.js";
import type { Principal } from "../auth/principal.js";
import { requireAuthenticated, requireOrg, requireProject, visibleOrgs } from "../auth/principal.js";
import type { AnomalyState, BatchFrequency, ProjectTable } from "../db/schema.js";
import { ApiError, notFound } from "../errors.js";
import { parseDuration } from "../monitors/config.js";
import { wilsonInterval } from "../monitors/engine.js";
import { MONITOR_SEVERITIES } from "../monitors/types.js";
import type { MonitorSeverity } from "../monitors/types.js";
import { segmentKey, tagsOfSegmentKey } from "../store/profiles.js";
import { inSnapshot, mergedRange } from "../store/ranges.js";
import { bucketStart, nextBucketStart, parseTime } from "../time.js";
import {
  ID_PATTERN,
  authorizedProject,
  errorSchema,
  projectParams,
  timeRange,
  timeRangeQuery,
  visibleProjects,
} from "./common.js";

const DAY = 86_400_000;
const DEFAULT_WINDOW_MS = 7 * DAY;
const MAX_WINDOW_MS = 400 * DAY;
/** A sparkline has room for this many points; longer windows sum consecutive buckets. */
const MAX_VOLUME_POINTS = 60;
/** Each compared value merges its own range of profiles: beyond this many the answer would take too long. */
const MAX_COMPARED_VALUES = 100;

// ------------------------------------------------------------------------------------------------- schemas

const nullableNumber = { type: ["number", "null"] } as const;

const projectHealthSchema = {
  type: "object",
  properties: {
    projectId: { type: "string" },
    openAnomalies: { type: "integer", description: "Active anomalies: open or acknowledged" },
    bySeverity: {
      type: "object",
      description: "Active anomalies per severity (only severities with at least one)",
      properties: Object.fromEntries(MONITOR_SEVERITIES.map((s) => [s, { type: "integer" }])),
      additionalProperties: false,
    },
    lastUploadAt: {
      ...nullableNumber,
      description: "When the last profile was received (reference profiles aside); null when none ever was",
    },
    lastBucketStart: { ...nullableNumber, description: "Start of the latest whole-dataset bucket with data" },
    volume: {
      type: "array",
      description: `Rows per whole-dataset bucket over the window ending with lastBucketStart, oldest first, empty buckets as 0; at most ${MAX_VOLUME_POINTS} points (consecutive buckets summed, t = the first one's start)`,
      items: {
        type: "object",
        properties: { t: { type: "number" }, rows: { type: "number" } },
        required: ["t", "rows"],
      },
    },
  },
  required: ["projectId", "openAnomalies", "bySeverity", "lastUploadAt", "lastBucketStart", "volume"],
} as const;

const feedAnomalySchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    projectId: { type: "string" },
    projectName: { type: "string" },
    monitorId: { type: "string" },
    monitorName: { type: "string" },
    analyzer: { type: "string" },
    column: { type: ["string", "null"], description: "null for dataset-level anomalies" },
    segment: { type: "string", description: "Segment key; empty for the whole dataset" },
    severity: { type: "string", enum: MONITOR_SEVERITIES },
    state: { type: "string", enum: ["open", "acknowledged", "resolved"] },
    firstBucket: { type: "number" },
    lastBucket: { type: "number" },
    windowEnd: { type: "number", description: "End of the last anomalous bucket (exclusive)" },
    value: { ...nullableNumber, description: "The measured value of the latest anomalous evaluation" },
    summary: { type: "string", description: "One line: analyzer, column, segment and what was measured" },
    openedAt: { type: "number" },
    resolvedAt: nullableNumber,
  },
  required: [
    "id",
    "projectId",
    "projectName",
    "monitorId",
    "monitorName",
    "analyzer",
    "column",
    "segment",
    "severity",
    "state",
    "firstBucket",
    "lastBucket",
    "windowEnd",
    "value",
    "summary",
    "openedAt",
    "resolvedAt",
  ],
} as const;

const segmentValueProperties = {
  metricValue: nullableNumber,
  interval: {
    type: ["array", "null"],
    items: { type: "number" },
    minItems: 2,
    maxItems: 2,
    description: "[lower, upper]; null where the metric has none",
  },
  count: { type: "number", description: "Rows (labeled rows for model performance metrics)" },
} as const;

const segmentComparisonSchema = {
  type: "object",
  properties: {
    key: { type: "string" },
    metric: { type: "string" },
    start: { type: "number" },
    end: { type: "number" },
    overall: {
      type: "object",
      properties: segmentValueProperties,
      required: ["metricValue", "interval", "count"],
    },
    segments: {
      type: "array",
      items: {
        type: "object",
        properties: {
          value: { type: "string", description: "The value of the key" },
          segment: { type: "string", description: "key=value, as the segment parameter of queries takes it" },
          ...segmentValueProperties,
        },
        required: ["value", "segment", "metricValue", "interval", "count"],
      },
    },
    disparity: {
      type: ["object", "null"],
      description:
        "The segment furthest from the overall value; null when fewer than two segments have a value",
      properties: {
        worst: { type: "string", description: "Its segment (key=value)" },
        difference: { type: "number", description: "segment − overall" },
        ratio: { ...nullableNumber, description: "segment / overall; null when overall is 0" },
        significant: { type: "boolean", description: "The segment's interval excludes the overall value" },
      },
      required: ["worst", "difference", "ratio", "significant"],
    },
  },
  required: ["key", "metric", "start", "end", "overall", "segments", "disparity"],
} as const;

// ----------------------------------------------------------------------------------------- project health

interface VolumePoint {
  t: number;
  rows: number;
}

/**
 * Rows per bucket over (last − window, last], oldest first, summed in runs of consecutive buckets when there
 * are more than MAX_VOLUME_POINTS. The run that may be short is the oldest one, so the newest point always
 * covers as many buckets as the others.
 */
function volumeSeries(
  rowsByBucket: ReadonlyMap<number, number>,
  last: number,
  windowMs: number,
  frequency: BatchFrequency,
  timeZone: string,
): VolumePoint[] {
  const from = last - windowMs;
  let first = bucketStart(from + 1, frequency, timeZone);
  if (first <= from) first = nextBucketStart(first, frequency, timeZone);
  const starts: number[] = [];
  for (let b = first; b <= last; b = nextBucketStart(b, frequency, timeZone)) starts.push(b);
  // A window shorter than one bucket still shows the latest bucket.
  if (starts.length === 0) starts.push(last);
  const size = Math.ceil(starts.length / MAX_VOLUME_POINTS);
  const points: VolumePoint[] = [];
  for (let end = starts.length; end > 0; end -= size) {
    const run = starts.slice(Math.max(0, end - size), end);
    points.push({ t: run[0]!, rows: run.reduce((sum, b) => sum + (rowsByBucket.get(b) ?? 0), 0) });
  }
  return points.reverse();
}

/** `window` as milliseconds: a number of ms or a duration such as 7d, 36h or P2W. */
function windowOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WINDOW_MS;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) : parseDuration(value, "window");
  if (!(ms > 0 && ms <= MAX_WINDOW_MS)) {
    throw new ApiError(
      "bad-request",
      `window must be more than 0 and at most ${MAX_WINDOW_MS / DAY} days (milliseconds, or a duration such as 7d or P2W), got ${JSON.stringify(value)}`,
      { field: "window" },
    );
  }
  return ms;
}

/**
 * Views over several projects read what each of them would: every role may read, a key needs scope read or
 * admin. Checked as project routes check it, so the refusal reads the same.
 */
function requireReadable(principal: Principal, projects: readonly ProjectTable[]): void {
  for (const p of projects) requireProject(principal, p, p.id, "read");
}

// ------------------------------------------------------------------------------------------ anomaly feed

type FeedState = AnomalyState | "active";

function analyzerOfConfig(config: string): string {
  try {
    const type = (JSON.parse(config) as { analyzer?: { type?: unknown } }).analyzer?.type;
    return typeof type === "string" ? type : "";
  } catch {
    return "";
  }
}

// ------------------------------------------------------------------------------------ segment comparison

const PERFORMANCE_METRICS = ["positive_rate", "accuracy", "precision", "recall", "f1", "roc_auc"] as const;
type PerformanceMetric = (typeof PERFORMANCE_METRICS)[number];

type ComparedMetric =
  | { readonly kind: "row_count" }
  | { readonly kind: "null_ratio"; readonly column: string }
  | { readonly kind: "mean"; readonly column: string }
  | { readonly kind: "performance"; readonly name: PerformanceMetric };

const METRIC_FORMS = `row_count, null_ratio:<column>, mean:<column>, ${PERFORMANCE_METRICS.join(", ")}`;

function parseMetric(text: string): ComparedMetric {
  if (text === "row_count") return { kind: "row_count" };
  if ((PERFORMANCE_METRICS as readonly string[]).includes(text))
    return { kind: "performance", name: text as PerformanceMetric };
  const colon = text.indexOf(":");
  const kind = colon < 0 ? "" : text.slice(0, colon);
  const column = text.slice(colon + 1);
  if (column !== "" && kind === "null_ratio") return { kind, column };
  if (column !== "" && kind === "mean") return { kind, column };
  throw new ApiError("bad-request", `unknown metric ${JSON.stringify(text)}; use one of ${METRIC_FORMS}`, {
    field: "metric",
  });
}

interface SegmentValue {
  metricValue: number | null;
  interval: [number, number] | null;
  count: number;
}

const EMPTY: SegmentValue = { metricValue: null, interval: null, count: 0 };

/** A proportion of `n` rows with its Wilson interval (as the performance_drop monitor judges rates). */
function proportion(successes: number, n: number, confidence: number): SegmentValue {
  if (n <= 0) return EMPTY;
  return { metricValue: successes / n, interval: wilsonInterval(successes, n, confidence), count: n };
}

/** Rows with a prediction and those predicted positive, labeled or still awaiting their label. */
function predictions(c: ClassificationPerformanceMessage): { rows: number; positive: number } {
  const n = c.labels.length;
  const pos = c.labels.indexOf(c.positiveLabel);
  let rows = 0;
  let positive = 0;
  for (let p = 0; p < n; p++) {
    let predicted = c.unlabeled[p]!;
    for (let t = 0; t < n; t++) predicted += c.confusion[p * n + t]!;
    rows += predicted;
    if (p === pos) positive += predicted;
  }
  return { rows, positive };
}

/** Realized precision or recall of the positive label with its Wilson interval; macro averages have none. */
function positiveClassRate(
  r: ClassificationRealized,
  metric: "precision" | "recall",
  confidence: number,
): SegmentValue {
  const { labels, counts } = r.confusionMatrix;
  const pos = r.average === "binary" ? labels.indexOf(r.positiveLabel ?? "") : -1;
  if (r.average !== "binary") return { metricValue: r[metric], interval: null, count: r.count };
  // counts[prediction][truth]: precision is over predicted positives, recall over actual positives.
  const tp = pos < 0 ? 0 : counts[pos]![pos]!;
  const n =
    pos < 0
      ? 0
      : metric === "precision"
        ? counts[pos]!.reduce((s, c) => s + c, 0)
        : counts.reduce((s, row) => s + row[pos]!, 0);
  // Without predicted (or actual) positives the rate is undefined: no value rather than scikit-learn's 0, so
  // an empty segment is not reported as the worst one.
  if (n === 0) return { metricValue: null, interval: null, count: r.count };
  return { ...proportion(tp, n, confidence), count: r.count };
}

function measure(
  view: DatasetProfileView | undefined,
  metric: ComparedMetric,
  confidence: number,
): SegmentValue {
  if (metric.kind === "row_count") {
    const rows = view === undefined ? 0 : profileRowCount(view);
    return { metricValue: rows, interval: null, count: rows };
  }
  if (view === undefined) return EMPTY;
  if (metric.kind === "null_ratio") {
    const counts = view.column(metric.column)?.getMetric("counts");
    if (!(counts instanceof CountsMetric)) return EMPTY;
    return proportion(counts.nulls, counts.n, confidence);
  }
  if (metric.kind === "mean") {
    const d = view.column(metric.column)?.getMetric("distribution");
    if (!(d instanceof DistributionMetric) || d.n === 0) return EMPTY;
    const n = d.n;
    // The mean and M2 are exact, so this is the usual normal interval of a mean from n values.
    const half =
      n >= 2 ? (normalQuantile((1 + confidence) / 2) * Math.sqrt(d.m2 / (n - 1))) / Math.sqrt(n) : NaN;
    return {
      metricValue: d.mean,
      interval: Number.isFinite(half) ? [d.mean - half, d.mean + half] : null,
      count: n,
    };
  }
  const c = performanceOf(view)?.classification;
  if (c === undefined) return EMPTY;
  if (metric.name === "positive_rate") {
    const { rows, positive } = predictions(c);
    return proportion(positive, rows, confidence);
  }
  const r = realizedClassification(c);
  if (r === null) return EMPTY;
  switch (metric.name) {
    case "accuracy": {
      const correct = r.confusionMatrix.counts.reduce((s, row, i) => s + row[i]!, 0);
      return proportion(correct, r.count, confidence);
    }
    case "precision":
    case "recall":
      return positiveClassRate(r, metric.name, confidence);
    case "f1":
      return { metricValue: r.f1, interval: null, count: r.count };
    case "roc_auc": {
      // The interval is the binning's: the AUC of the unbinned scores lies in it, whatever they were.
      const b = r.rocAucBounds;
      return {
        metricValue: r.rocAuc,
        interval: b === null ? null : [b.lower, b.upper],
        count: r.count,
      };
    }
  }
}

/** Refuses a metric the range's whole-dataset profile cannot give, saying what would make it possible. */
function checkAvailable(projectId: string, overall: DatasetProfileView, metric: ComparedMetric): void {
  if (metric.kind === "null_ratio" || metric.kind === "mean") {
    const column = overall.column(metric.column);
    if (column === undefined) {
      throw new ApiError(
        "bad-request",
        `no column ${JSON.stringify(metric.column)} in this range's profiles; GET /api/v1/projects/${projectId}/columns lists the project's columns`,
        { field: "metric" },
      );
    }
    const d = column.getMetric("distribution");
    if (metric.kind === "mean" && !(d instanceof DistributionMetric && d.n > 0)) {
      throw new ApiError(
        "bad-request",
        `column ${JSON.stringify(metric.column)} has no numeric values in this range, so no mean; compare null_ratio:${metric.column} or row_count instead`,
        { field: "metric" },
      );
    }
    return;
  }
  if (metric.kind !== "performance") return;
  const performance = performanceOf(overall);
  if (performance?.classification === undefined) {
    throw new ApiError(
      "bad-request",
      performance?.regression !== undefined
        ? `${metric.name} is a classification metric, and this project's profiles carry regression performance; compare row_count, null_ratio:<column> or mean:<column>`
        : `the profiles of this range carry no model performance, so ${metric.name} cannot be computed; log it with the profiles: a performance spec ({ task: "classification", prediction, target, scores }) in DatasetProfile or SegmentedProfile, sightglass profile --prediction-column … --label-column …, or whylogs v0 model metrics`,
      { field: "metric" },
    );
  }
  if (metric.name === "positive_rate" && performance.classification.positiveLabel === "") {
    throw new ApiError(
      "bad-request",
      "positive_rate needs a binary classifier with a positive label, and this model's profiles have none; compare accuracy instead",
      { field: "metric" },
    );
  }
}

// ------------------------------------------------------------------------------------------------- routes

export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;

  app.get<{ Querystring: { organization?: string; window?: string } }>(
    "/api/v1/project-health",
    {
      schema: {
        summary:
          "Health of every project the caller can read: active anomalies by severity, last upload, latest bucket and a volume sparkline",
        tags: ["projects"],
        querystring: {
          type: "object",
          properties: {
            organization: { type: "string", description: "Only this organization's projects" },
            window: {
              type: "string",
              description: `Span of the volume series, ending with the latest bucket: milliseconds, or a duration such as 7d or P2W (default 7 days, at most ${MAX_WINDOW_MS / DAY} days)`,
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: { projects: { type: "array", items: projectHealthSchema } },
            required: ["projects"],
          },
          400: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const principal = requireAuthenticated(request.principal);
      const windowMs = windowOf(request.query.window);
      // A key without read access is refused even where it sees no project yet.
      if (principal.kind === "api-key" && principal.projectId === null)
        requireOrg(principal, principal.orgId, "read");
      const projects = await visibleProjects(db, principal, request.query.organization);
      requireReadable(principal, projects);
      if (projects.length === 0) return { projects: [] };
      const ids = projects.map((p) => p.id);
      return inSnapshot(ctx.store, async (tx) => {
        const active = await tx
          .selectFrom("anomalies")
          .select(["project_id", "severity", (eb) => eb.fn.countAll<number>().as("n")])
          .where("project_id", "in", ids)
          .where("state", "!=", "resolved")
          .groupBy(["project_id", "severity"])
          .execute();
        const uploads = await tx
          .selectFrom("uploads")
          .select(["project_id", (eb) => eb.fn.max("received_at").as("last")])
          .where("project_id", "in", ids)
          .where("reference_name", "is", null)
          .groupBy("project_id")
          .execute();
        // Uploads not merged yet count where they will land (the whole-dataset bucket), so a read between
        // storing and merging misses nothing.
        const pending = await tx
          .selectFrom("uploads")
          .select(["project_id", "bucket_start", (eb) => eb.fn.sum<number>("row_count").as("rows")])
          .where("project_id", "in", ids)
          .where("merged_at", "is", null)
          .where("reference_name", "is", null)
          .groupBy(["project_id", "bucket_start"])
          .execute();
        const latest = tx
          .selectFrom("buckets")
          .select(["project_id", (eb) => eb.fn.max("bucket_start").as("last")])
          .where("project_id", "in", ids)
          .where("segment_key", "=", "")
          .where("version", ">", 0)
          .groupBy("project_id");
        // Only each project's own window: joined to its latest merged bucket. A pending upload in a newer
        // bucket moves the window later, and the rows fetched here are then a superset, trimmed below.
        const recent = await tx
          .selectFrom("buckets as b")
          .innerJoin(latest.as("l"), "l.project_id", "b.project_id")
          .select(["b.project_id", "b.bucket_start", "b.row_count", "l.last"])
          .where("b.segment_key", "=", "")
          .where("b.version", ">", 0)
          .where((eb) => eb("b.bucket_start", ">", eb(eb.ref("l.last"), "-", windowMs)))
          .execute();

        const health = new Map(
          projects.map((p) => [
            p.id,
            {
              project: p,
              bySeverity: {} as Partial<Record<MonitorSeverity, number>>,
              openAnomalies: 0,
              lastUploadAt: null as number | null,
              lastBucketStart: null as number | null,
              rows: new Map<number, number>(),
            },
          ]),
        );
        for (const a of active) {
          const h = health.get(a.project_id)!;
          const severity = a.severity as MonitorSeverity;
          h.bySeverity[severity] = (h.bySeverity[severity] ?? 0) + Number(a.n);
          h.openAnomalies += Number(a.n);
        }
        for (const u of uploads)
          health.get(u.project_id)!.lastUploadAt = u.last === null ? null : Number(u.last);
        const addRows = (projectId: string, start: number, rows: number) => {
          const h = health.get(projectId)!;
          h.rows.set(start, (h.rows.get(start) ?? 0) + rows);
          if (h.lastBucketStart === null || start > h.lastBucketStart) h.lastBucketStart = start;
        };
        for (const r of recent) addRows(r.project_id, Number(r.bucket_start), Number(r.row_count));
        for (const p of pending) addRows(p.project_id, Number(p.bucket_start), Number(p.rows));
        return {
          projects: [...health.values()].map((h) => ({
            projectId: h.project.id,
            openAnomalies: h.openAnomalies,
            bySeverity: h.bySeverity,
            lastUploadAt: h.lastUploadAt,
            lastBucketStart: h.lastBucketStart,
            volume:
              h.lastBucketStart === null
                ? []
                : volumeSeries(h.rows, h.lastBucketStart, windowMs, h.project.frequency, h.project.time_zone),
          })),
        };
      });
    },
  );

  app.get<{
    Params: { orgId: string };
    Querystring: {
      state?: FeedState;
      project?: string;
      severity?: MonitorSeverity;
      limit?: number;
      before?: string;
    };
  }>(
    "/api/v1/organizations/:orgId/anomalies",
    {
      schema: {
        summary:
          "Anomalies across the organization's projects the caller can read, newest first, with project, monitor and a one-line summary",
        tags: ["monitors"],
        params: {
          type: "object",
          properties: { orgId: { type: "string", pattern: ID_PATTERN } },
          required: ["orgId"],
        },
        querystring: {
          type: "object",
          properties: {
            state: {
              type: "string",
              enum: ["open", "acknowledged", "resolved", "active"],
              description: "active = open or acknowledged",
            },
            project: { type: "string", description: "Only this project's anomalies" },
            severity: { type: "string", enum: MONITOR_SEVERITIES },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            before: {
              type: "string",
              description:
                "Page cursor: the openedAt of the last anomaly of the previous page (anomalies opened earlier follow). A page never splits anomalies opened at the same instant, so none is skipped; it holds more than limit only when more than limit were opened at one instant",
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: { anomalies: { type: "array", items: feedAnomalySchema } },
            required: ["anomalies"],
          },
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const principal = requireAuthenticated(request.principal);
      const { orgId } = request.params;
      // A key bound to a project reads that project's anomalies here, as it lists that project alone in GET
      // /api/v1/projects; every other caller needs read access to the organization.
      if (principal.kind === "api-key" && principal.projectId !== null) {
        if (!visibleOrgs(principal).includes(orgId)) throw notFound(`organization ${orgId}`);
      } else {
        requireOrg(principal, orgId, "read");
      }
      const projects = await visibleProjects(db, principal, orgId);
      requireReadable(principal, projects);
      const q = request.query;
      const byId = new Map(projects.map((p) => [p.id, p]));
      if (q.project !== undefined && !byId.has(q.project)) {
        throw notFound(
          `project ${q.project} (GET /api/v1/projects?organization=${orgId} lists the organization's projects)`,
        );
      }
      const ids = q.project !== undefined ? [q.project] : [...byId.keys()];
      if (ids.length === 0) return { anomalies: [] };
      let query = db
        .selectFrom("anomalies as a")
        .innerJoin("monitors as m", "m.id", "a.monitor_id")
        .leftJoin("evaluations as e", "e.id", "a.last_evaluation_id")
        .select([
          "a.id",
          "a.project_id",
          "a.monitor_id",
          "m.name as monitor_name",
          "m.config as monitor_config",
          "e.analyzer",
          "e.value",
          "a.column_name",
          "a.segment_key",
          "a.severity",
          "a.state",
          "a.first_bucket",
          "a.last_bucket",
          "a.summary",
          "a.opened_at",
          "a.resolved_at",
        ])
        .where("a.project_id", "in", ids);
      if (q.state === "active") query = query.where("a.state", "!=", "resolved");
      else if (q.state !== undefined) query = query.where("a.state", "=", q.state);
      if (q.severity !== undefined) query = query.where("a.severity", "=", q.severity);
      if (q.before !== undefined) query = query.where("a.opened_at", "<", parseTime(q.before, "before"));
      const limit = q.limit ?? 100;
      const ordered = query.orderBy("a.opened_at", "desc").orderBy("a.id", "desc");
      const rows = await ordered.limit(limit + 1).execute();
      let page = rows.slice(0, limit);
      if (rows.length > limit && Number(rows[limit]!.opened_at) === Number(page[limit - 1]!.opened_at)) {
        // The next page starts before the last openedAt shown, so anomalies of that instant must all be on
        // this page or all on the next.
        const instant = Number(rows[limit]!.opened_at);
        const earlier = page.filter((r) => Number(r.opened_at) !== instant);
        page = earlier.length > 0 ? earlier : await ordered.where("a.opened_at", "=", instant).execute();
      }
      return {
        anomalies: page.map((r) => {
          const project = byId.get(r.project_id)!;
          const analyzer = r.analyzer ?? analyzerOfConfig(r.monitor_config);
          const lastBucket = Number(r.last_bucket);
          return {
            id: r.id,
            projectId: r.project_id,
            projectName: project.name,
            monitorId: r.monitor_id,
            monitorName: r.monitor_name,
            analyzer,
            column: r.column_name === "" ? null : r.column_name,
            segment: r.segment_key,
            severity: r.severity,
            state: r.state,
            firstBucket: Number(r.first_bucket),
            lastBucket,
            windowEnd: nextBucketStart(lastBucket, project.frequency, project.time_zone),
            value: r.value === null ? null : Number(r.value),
            // Worded as alerts word it: "drift on income [region=north]", then the evaluation's own line.
            summary: `${anomalyTitle({ analyzer, column: r.column_name, segment: r.segment_key })}: ${r.summary}`,
            openedAt: Number(r.opened_at),
            resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
          };
        }),
      };
    },
  );

  app.get<{
    Params: { projectId: string };
    Querystring: { key: string; metric?: string; start?: string; end?: string; confidence?: number };
  }>(
    "/api/v1/projects/:projectId/segment-comparison",
    {
      schema: {
        summary:
          "One metric over a range for each value of a segment key and for the whole dataset, with intervals and the segment furthest from the whole",
        tags: ["queries"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            key: {
              type: "string",
              minLength: 1,
              description: "A segment key (GET /api/v1/projects/{id}/segments lists the segments)",
            },
            metric: {
              type: "string",
              default: "row_count",
              description: `One of ${METRIC_FORMS}. Rates (null_ratio, positive_rate, accuracy, binary precision and recall) have Wilson intervals, mean a normal interval, roc_auc the interval its score histogram allows; f1 and macro averages none`,
            },
            start: timeRangeQuery.start,
            end: timeRangeQuery.end,
            confidence: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 },
          },
          required: ["key", "start", "end"],
        },
        response: { 200: segmentComparisonSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const q = request.query;
      const range = timeRange(q);
      const metricText = q.metric ?? "row_count";
      const metric = parseMetric(metricText);
      const confidence = q.confidence ?? 0.95;

      const catalog = await db
        .selectFrom("segment_catalog")
        .select("segment_key")
        .where("project_id", "=", project.id)
        .orderBy("segment_key")
        .execute();
      // value → the segments carrying key=value. With one segmentation column that is one segment; with
      // several (key=a&other=x, key=a&other=y) they are disjoint parts of key=a, merged.
      const byValue = new Map<string, string[]>();
      const keys = new Set<string>();
      for (const { segment_key } of catalog) {
        for (const tag of tagsOfSegmentKey(segment_key)) {
          keys.add(tag.key);
          if (tag.key !== q.key) continue;
          const list = byValue.get(tag.value) ?? [];
          list.push(segment_key);
          byValue.set(tag.value, list);
        }
      }
      if (byValue.size === 0) {
        const known = [...keys].sort();
        throw notFound(
          `segment key ${JSON.stringify(q.key)} in project ${project.id} (${known.length === 0 ? "it has no segments" : `its keys: ${known.join(", ")}`}; GET /api/v1/projects/${project.id}/segments lists them)`,
        );
      }
      if (byValue.size > MAX_COMPARED_VALUES) {
        throw new ApiError(
          "bad-request",
          `segment key ${JSON.stringify(q.key)} has ${byValue.size} values; at most ${MAX_COMPARED_VALUES} can be compared at once`,
          { field: "key" },
        );
      }

      const overallView = await mergedRange(ctx.store, project.id, "", range.start, range.end);
      if (overallView === undefined) {
        throw new ApiError(
          "not-found",
          `no profiles in the range ${new Date(range.start).toISOString()} … ${new Date(range.end).toISOString()}; GET /api/v1/projects/${project.id}/buckets lists the buckets that have data`,
        );
      }
      checkAvailable(project.id, overallView, metric);
      const overall = measure(overallView, metric, confidence);

      const values = [...byValue.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const segments: (SegmentValue & { value: string; segment: string })[] = [];
      for (const value of values) {
        const exact = segmentKey([{ key: q.key, value }]);
        const members = byValue.get(value)!;
        // A segment of this tag alone already holds every row with it; merging it with finer segments would
        // count those rows twice.
        const parts = members.includes(exact) ? [exact] : members;
        const views: DatasetProfileView[] = [];
        for (const part of parts) {
          const view = await mergedRange(ctx.store, project.id, part, range.start, range.end);
          if (view !== undefined) views.push(view);
        }
        const merged = views.length === 0 ? undefined : DatasetProfileView.mergeAll(views);
        segments.push({ value, segment: exact, ...measure(merged, metric, confidence) });
      }

      let disparity: {
        worst: string;
        difference: number;
        ratio: number | null;
        significant: boolean;
      } | null = null;
      const center = overall.metricValue;
      const valued = segments.filter((s) => s.metricValue !== null);
      if (center !== null && valued.length >= 2) {
        let worst = valued[0]!;
        for (const s of valued)
          if (Math.abs(s.metricValue! - center) > Math.abs(worst.metricValue! - center)) worst = s;
        const v = worst.metricValue!;
        disparity = {
          worst: worst.segment,
          difference: v - center,
          ratio: center === 0 ? null : v / center,
          significant: worst.interval !== null && (center < worst.interval[0] || center > worst.interval[1]),
        };
      }
      return {
        key: q.key,
        metric: metricText,
        start: range.start,
        end: range.end,
        overall,
        segments,
        disparity,
      };
    },
  );
}
