// Queries over time: metric series from the materialized bucket metrics, the merged profile of any range,
// drift and data quality between ranges or against a reference, and model performance per bucket.
import { DRIFT_METHODS, compareProfiles, performanceOf, performanceReport } from "@sightglass/analysis";
import type { DriftMethod } from "@sightglass/analysis";
import type { DatasetProfileView } from "@sightglass/profile";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app.js";
import { ApiError } from "../errors.js";
import { parseSegmentParam, toBuffer } from "../store/profiles.js";
import { bucketMetrics, bucketProfiles, mergedRange, referenceProfile } from "../store/ranges.js";
import { authorizedProject, projectParams, timeRange, timeRangeQuery } from "./common.js";

const MAX_SERIES = 200;

/** A target range and what it is compared with: a named reference, or a baseline range. */
interface BaselineQuery {
  start?: string;
  end?: string;
  segment?: string;
  reference?: string;
  baselineStart?: string;
  baselineEnd?: string;
}

function baselineProperties(referenceDescription: string) {
  return {
    reference: { type: "string", description: referenceDescription },
    baselineStart: { type: "string", description: "Baseline range start (instead of reference)" },
    baselineEnd: { type: "string", description: "Baseline range end" },
  } as const;
}

/** The 404 of a range without data, saying how to find one that has some. */
function noProfiles(what: string, range: { start: number; end: number }): ApiError {
  return new ApiError(
    "not-found",
    `no profiles in the ${what} range ${new Date(range.start).toISOString()} … ${new Date(range.end).toISOString()}; GET /api/v1/projects/{id}/buckets lists the buckets that have data`,
  );
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function registerQueryRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{
    Params: { projectId: string };
    Querystring: {
      columns?: string;
      column?: string[];
      metrics?: string;
      start?: string;
      end?: string;
      segment?: string;
    };
  }>(
    "/api/v1/projects/:projectId/timeseries",
    {
      schema: {
        summary:
          "Per-bucket values of summary metrics (whylogs keys such as counts/n, counts/null, distribution/mean, cardinality/est)",
        tags: ["queries"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            ...timeRangeQuery,
            columns: {
              type: "string",
              description: "Comma-separated column names (default all, up to 200 series)",
            },
            column: {
              type: "array",
              items: { type: "string" },
              description:
                "A column name taken exactly as given (repeat for several): for names with commas or surrounding spaces",
            },
            metrics: { type: "string", description: "Comma-separated metric keys (default counts/n)" },
          },
          required: ["start", "end"],
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const range = timeRange(request.query);
      const columns = [...list(request.query.columns), ...(request.query.column ?? [])];
      const metrics = list(request.query.metrics);
      const wanted = metrics.length > 0 ? metrics : ["counts/n"];
      const segmentKey = parseSegmentParam(request.query.segment);
      const cells = await bucketMetrics(ctx.store, project.id, segmentKey, range.start, range.end, columns);
      const series: { column: string; metric: string; points: { t: number; v: number | null }[] }[] = [];
      for (const column of [...cells.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
        const byTime = [...cells.get(column)!.entries()].sort((x, y) => x[0] - y[0]);
        for (const metric of wanted) {
          if (series.length >= MAX_SERIES) {
            throw new ApiError(
              "bad-request",
              `more than ${MAX_SERIES} series requested; narrow columns or metrics`,
              {
                field: "columns",
              },
            );
          }
          series.push({
            column,
            metric,
            points: byTime.map(([t, values]) => ({ t, v: values[metric] ?? null })),
          });
        }
      }
      return {
        start: range.start,
        end: range.end,
        frequency: project.frequency,
        series,
      };
    },
  );

  app.get<{
    Params: { projectId: string };
    Querystring: { start?: string; end?: string; segment?: string; format?: "whylogs" | "summary" };
  }>(
    "/api/v1/projects/:projectId/profile",
    {
      schema: {
        summary:
          "The merged profile of a time range, as whylogs v1 bytes (readable by Python whylogs) or a summary",
        tags: ["queries"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            ...timeRangeQuery,
            format: { type: "string", enum: ["whylogs", "summary"], default: "whylogs" },
          },
          required: ["start", "end"],
        },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const range = timeRange(request.query);
      const view = await mergedRange(
        ctx.store,
        project.id,
        parseSegmentParam(request.query.segment),
        range.start,
        range.end,
      );
      if (view === undefined) throw noProfiles("requested", range);
      if (request.query.format === "summary") {
        return {
          start: range.start,
          end: range.end,
          datasetTimestamp: view.datasetTimestamp,
          columns: view.toSummary({ frequentItemsLimit: 20 }),
        };
      }
      return reply
        .header("content-type", "application/octet-stream")
        .header("content-disposition", `attachment; filename="${project.id}-${range.start}-${range.end}.bin"`)
        .send(toBuffer(view.serialize()));
    },
  );

  async function baseline(
    projectId: string,
    segmentKey: string,
    query: {
      reference?: string | undefined;
      baselineStart?: string | undefined;
      baselineEnd?: string | undefined;
    },
  ): Promise<DatasetProfileView> {
    if (query.reference !== undefined)
      return referenceProfile(ctx.store, projectId, query.reference, segmentKey);
    if (query.baselineStart === undefined || query.baselineEnd === undefined) {
      throw new ApiError(
        "bad-request",
        "give a baseline: reference=<name>, or baselineStart and baselineEnd",
        { field: "reference" },
      );
    }
    const range = timeRange({ start: query.baselineStart, end: query.baselineEnd }, undefined, "baseline");
    const view = await mergedRange(ctx.store, projectId, segmentKey, range.start, range.end);
    if (view === undefined) throw noProfiles("baseline", range);
    return view;
  }

  app.get<{
    Params: { projectId: string };
    Querystring: BaselineQuery & { method?: DriftMethod | "auto" };
  }>(
    "/api/v1/projects/:projectId/drift",
    {
      schema: {
        summary:
          "Drift (with error bounds) and data-quality findings of a range against a reference profile or another range",
        tags: ["queries"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            ...timeRangeQuery,
            ...baselineProperties("Name of a reference profile to compare with"),
            method: { type: "string", enum: ["auto", ...DRIFT_METHODS], default: "auto" },
          },
          required: ["start", "end"],
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const segmentKey = parseSegmentParam(request.query.segment);
      const range = timeRange(request.query);
      const target = await mergedRange(ctx.store, project.id, segmentKey, range.start, range.end);
      if (target === undefined) throw noProfiles("target", range);
      const reference = await baseline(project.id, segmentKey, request.query);
      return compareProfiles(reference, target, { drift: { method: request.query.method ?? "auto" } });
    },
  );

  app.get<{
    Params: { projectId: string };
    Querystring: BaselineQuery & { confidence?: number };
  }>(
    "/api/v1/projects/:projectId/performance",
    {
      schema: {
        summary:
          "Model performance per bucket: realized where labels arrived, estimated (CBPE, with intervals) where they have not",
        tags: ["queries"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            ...timeRangeQuery,
            ...baselineProperties("Reference profile with labels (needed for estimates)"),
            confidence: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 },
          },
          required: ["start", "end"],
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const segmentKey = parseSegmentParam(request.query.segment);
      const range = timeRange(request.query);
      const hasBaseline = request.query.reference !== undefined || request.query.baselineStart !== undefined;
      const reference = hasBaseline
        ? performanceOf(await baseline(project.id, segmentKey, request.query))
        : undefined;
      const buckets = await bucketProfiles(ctx.store, project.id, segmentKey, range.start, range.end);
      const confidence = request.query.confidence ?? 0.95;
      return {
        start: range.start,
        end: range.end,
        frequency: project.frequency,
        buckets: buckets.map((b) => {
          const target = performanceOf(b.view);
          if (target === undefined) return { start: b.start, realized: null, estimated: null };
          const report = performanceReport({ reference, target }, { confidence });
          return { start: b.start, realized: report.realized, estimated: report.estimated };
        }),
      };
    },
  );
}
