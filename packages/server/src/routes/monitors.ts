// Monitors over the API: the documents (JSON or YAML, versioned), a preview over past data that alerts nobody,
// re-runs, the project's scheduling settings, every stored evaluation, anomalies with their lifecycle, and the
// run log.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../app.js";
import type { Principal } from "../auth/principal.js";
import type { AnomalyState, MonitorTable, ProjectTable } from "../db/schema.js";
import { ApiError, notFound } from "../errors.js";
import {
  MONITOR_JSON_SCHEMA,
  parseMonitorBody,
  parseMonitorConfig,
  parseMonitorSettings,
} from "../monitors/config.js";
import { BucketEvaluator } from "../monitors/engine.js";
import type { Evaluation } from "../monitors/engine.js";
import { MONITOR_EVENT_CURSOR, monitorSettings, readMonitorSettings } from "../monitors/scheduler.js";
import { createMonitor, monitorJson, replaceMonitor } from "../monitors/store.js";
import type { ConfigIssue, MonitorConfig } from "../monitors/types.js";
import { parseSegmentParam } from "../store/profiles.js";
import { bucketStart, nextBucketStart, parseTime } from "../time.js";
import { ID_PATTERN, authorizedProject, projectParams, timeRange, timeRangeQuery } from "./common.js";

const MAX_PREVIEW_BUCKETS = 750;
const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"];

const monitorParams = {
  type: "object",
  properties: { projectId: { type: "string", pattern: ID_PATTERN }, monitorId: { type: "string" } },
  required: ["projectId", "monitorId"],
} as const;

const anomalyParams = {
  type: "object",
  properties: { projectId: { type: "string", pattern: ID_PATTERN }, anomalyId: { type: "string" } },
  required: ["projectId", "anomalyId"],
} as const;

const monitorBody = { schema: MONITOR_JSON_SCHEMA, contentTypes: ["application/json", ...YAML_TYPES] };

function actor(principal: Principal | undefined): string | null {
  if (principal === undefined) return null;
  return principal.kind === "user" ? `user:${principal.userId}` : `key:${principal.keyId}`;
}

function evaluationJson(e: Evaluation) {
  return {
    monitorId: e.monitorId,
    monitorVersion: e.monitorVersion,
    analyzer: e.analyzer,
    column: e.column,
    segment: e.segment,
    bucketStart: e.bucketStart,
    metric: e.metric,
    value: e.value,
    valueLower: e.valueLower,
    valueUpper: e.valueUpper,
    thresholdLower: e.thresholdLower,
    thresholdUpper: e.thresholdUpper,
    baselineValue: e.baselineValue,
    anomaly: e.anomaly,
    summary: e.summary,
    details: e.details,
    bucketVersion: e.bucketVersion,
  };
}

export function registerMonitorRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;

  // Monitor documents may be written in YAML; the handler parses the text itself.
  app.addContentTypeParser(YAML_TYPES, { parseAs: "string" }, (_req, body, done) => done(null, body));

  /** The monitor document of a request, validated, with notify channels checked against the organization. */
  async function configOf(request: FastifyRequest, project: ProjectTable): Promise<MonitorConfig> {
    const config = parseMonitorConfig(parseMonitorBody(request.body, request.headers["content-type"]));
    const ids = config.notify.channels;
    const known = new Set(
      ids.length === 0
        ? []
        : (
            await db
              .selectFrom("channels")
              .select("id")
              .where("org_id", "=", project.org_id)
              .where("id", "in", ids)
              .execute()
          ).map((c) => c.id),
    );
    const issues: ConfigIssue[] = ids.flatMap((id, i) =>
      known.has(id)
        ? []
        : [
            {
              path: `/notify/channels/${i}`,
              message: `no notification channel ${JSON.stringify(id)} in this organization (GET /api/v1/organizations/${project.org_id}/channels lists them)`,
            },
          ],
    );
    if (issues.length > 0) {
      throw new ApiError(
        "bad-request",
        `1 problem in the monitor: ${issues[0]!.path}: ${issues[0]!.message}`,
        {
          issues,
          field: issues[0]!.path,
        },
      );
    }
    return config;
  }

  async function monitorOf(projectId: string, monitorId: string): Promise<MonitorTable> {
    const row = await db
      .selectFrom("monitors")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("id", "=", monitorId)
      .executeTakeFirst();
    if (row === undefined) {
      throw notFound(
        `monitor ${monitorId} (GET /api/v1/projects/${projectId}/monitors lists the project's monitors)`,
      );
    }
    return row;
  }

  app.get(
    "/api/v1/monitor-schema",
    {
      schema: {
        summary: "JSON Schema of the monitor document (see docs/MONITORS.md); public, like /openapi.json",
        tags: ["monitors"],
      },
    },
    async () => MONITOR_JSON_SCHEMA,
  );

  app.get<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId/monitors",
    { schema: { summary: "The project's monitors", tags: ["monitors"], params: projectParams } },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const rows = await db
        .selectFrom("monitors")
        .selectAll()
        .where("project_id", "=", project.id)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return { monitors: rows.map(monitorJson) };
    },
  );

  app.post<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId/monitors",
    {
      schema: {
        summary:
          "Create a monitor from a JSON or YAML document; problems answer 400 with a JSON pointer to each",
        tags: ["monitors"],
        params: projectParams,
        documentedBody: monitorBody,
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
      const config = await configOf(request, project);
      const row = await db
        .transaction()
        .execute((tx) => createMonitor(tx, project.id, config, actor(request.principal), Date.now()));
      return reply.status(201).send(monitorJson(row));
    },
  );

  app.get<{ Params: { projectId: string; monitorId: string } }>(
    "/api/v1/projects/:projectId/monitors/:monitorId",
    { schema: { summary: "A monitor", tags: ["monitors"], params: monitorParams } },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      return monitorJson(await monitorOf(project.id, request.params.monitorId));
    },
  );

  app.put<{ Params: { projectId: string; monitorId: string } }>(
    "/api/v1/projects/:projectId/monitors/:monitorId",
    {
      schema: {
        summary:
          "Replace a monitor's document (its version increases; evaluations record the version they used)",
        tags: ["monitors"],
        params: monitorParams,
        documentedBody: monitorBody,
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
      const existing = await monitorOf(project.id, request.params.monitorId);
      const config = await configOf(request, project);
      const row = await db
        .transaction()
        .execute((tx) => replaceMonitor(tx, existing, config, actor(request.principal), Date.now()));
      return monitorJson(row);
    },
  );

  app.delete<{ Params: { projectId: string; monitorId: string } }>(
    "/api/v1/projects/:projectId/monitors/:monitorId",
    {
      schema: {
        summary: "Delete a monitor with its evaluations and anomalies",
        tags: ["monitors"],
        params: monitorParams,
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
      const existing = await monitorOf(project.id, request.params.monitorId);
      await db.deleteFrom("monitors").where("id", "=", existing.id).execute();
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { projectId: string; monitorId: string } }>(
    "/api/v1/projects/:projectId/monitors/:monitorId/versions",
    {
      schema: { summary: "Every version of a monitor's document", tags: ["monitors"], params: monitorParams },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const existing = await monitorOf(project.id, request.params.monitorId);
      const rows = await db
        .selectFrom("monitor_versions")
        .selectAll()
        .where("monitor_id", "=", existing.id)
        .orderBy("version", "desc")
        .execute();
      return {
        versions: rows.map((r) => ({
          version: r.version,
          config: JSON.parse(r.config) as MonitorConfig,
          createdAt: Number(r.created_at),
          createdBy: r.created_by,
        })),
      };
    },
  );

  app.post<{
    Params: { projectId: string };
    Body: { monitor?: unknown; monitorId?: string; start: string | number; end: string | number };
  }>(
    "/api/v1/projects/:projectId/monitors/preview",
    {
      schema: {
        summary:
          "Run a monitor (a saved one or a draft document) over past buckets and show what it would have found; stores and sends nothing",
        tags: ["monitors"],
        params: projectParams,
        body: {
          type: "object",
          properties: {
            monitor: { type: "object", description: "A draft monitor document" },
            monitorId: { type: "string", description: "Or a saved monitor" },
            start: { type: "string", description: "epoch ms or ISO 8601" },
            end: { type: "string", description: "epoch ms or ISO 8601 (exclusive)" },
          },
          required: ["start", "end"],
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const { monitor, monitorId } = request.body;
      if ((monitor === undefined) === (monitorId === undefined)) {
        throw new ApiError("bad-request", "give either monitor (a draft document) or monitorId", {
          field: "monitor",
        });
      }
      const definition =
        monitorId !== undefined
          ? await monitorOf(project.id, monitorId).then((row) => ({
              id: row.id,
              version: row.version,
              config: JSON.parse(row.config) as MonitorConfig,
            }))
          : { id: "preview", version: 0, config: { ...parseMonitorConfig(monitor), enabled: true } };
      const start = parseTime(request.body.start, "start");
      const end = parseTime(request.body.end, "end");
      if (!(end > start)) throw new ApiError("bad-request", "end must be after start", { field: "end" });
      const buckets: number[] = [];
      for (
        let b = bucketStart(start, project.frequency, project.time_zone);
        b < end && buckets.length <= MAX_PREVIEW_BUCKETS;
        b = nextBucketStart(b, project.frequency, project.time_zone)
      )
        buckets.push(b);
      if (buckets.length > MAX_PREVIEW_BUCKETS) {
        throw new ApiError(
          "bad-request",
          `a preview covers at most ${MAX_PREVIEW_BUCKETS} buckets; narrow start … end`,
          { field: "end" },
        );
      }
      const evaluations: Evaluation[] = [];
      for (const b of buckets) {
        evaluations.push(...(await new BucketEvaluator(ctx.store, project, b).evaluate([definition])));
      }
      return {
        buckets: buckets.length,
        evaluated: evaluations.length,
        anomalies: evaluations.filter((e) => e.anomaly).length,
        evaluations: evaluations.map(evaluationJson),
      };
    },
  );

  app.post<{
    Params: { projectId: string };
    Body: { start: string | number; end: string | number; notify?: boolean };
  }>(
    "/api/v1/projects/:projectId/monitors/run",
    {
      schema: {
        summary:
          "Re-run the monitors over past buckets (e.g. after editing one); results are stored, alerts are sent only with notify: true",
        tags: ["monitors"],
        params: projectParams,
        body: {
          type: "object",
          properties: {
            start: { type: "string", description: "epoch ms or ISO 8601" },
            end: { type: "string", description: "epoch ms or ISO 8601 (exclusive)" },
            notify: { type: "boolean", default: false },
          },
          required: ["start", "end"],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
      const start = parseTime(request.body.start, "start");
      const end = parseTime(request.body.end, "end");
      if (!(end > start)) throw new ApiError("bad-request", "end must be after start", { field: "end" });
      // Queued: whichever process runs monitors (monitorIntervalMs > 0) serves it.
      const buckets = await ctx.scheduler.requestRerun(
        project,
        start,
        end,
        Date.now(),
        request.body.notify ?? false,
      );
      return reply.status(202).send({ buckets });
    },
  );

  app.get<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId/monitor-settings",
    { schema: { summary: "When the project's monitors run", tags: ["monitors"], params: projectParams } },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      return readMonitorSettings(db, project);
    },
  );

  app.put<{ Params: { projectId: string }; Body: Record<string, unknown> }>(
    "/api/v1/projects/:projectId/monitor-settings",
    {
      schema: {
        summary:
          "Change readinessDelay, backfillHorizon or settle (ms, ISO 8601 durations such as PT30M, or 30m / 2h / 7d)",
        tags: ["monitors"],
        params: projectParams,
        body: { type: "object" },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
      const now = Date.now();
      const { clockCursor: _cursor, ...current } = await monitorSettings(db, project, now);
      const next = parseMonitorSettings(request.body, current);
      await db
        .updateTable("monitor_settings")
        .set({
          readiness_delay_ms: next.readinessDelayMs,
          backfill_horizon_ms: next.backfillHorizonMs,
          settle_ms: next.settleMs,
          updated_at: now,
        })
        .where("project_id", "=", project.id)
        .execute();
      return next;
    },
  );

  app.get<{
    Params: { projectId: string };
    Querystring: {
      monitor?: string;
      column?: string;
      segment?: string;
      start?: string;
      end?: string;
      anomaly?: boolean;
      limit?: number;
      after?: number;
    };
  }>(
    "/api/v1/projects/:projectId/evaluations",
    {
      schema: {
        summary:
          "Stored evaluations (value, interval, thresholds, baseline value, anomaly, monitor version), oldest bucket first",
        tags: ["monitors"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            ...timeRangeQuery,
            monitor: { type: "string" },
            column: { type: "string", description: "A column, or empty for dataset-level evaluations" },
            anomaly: { type: "boolean", description: "Only anomalies (true) or only normal results (false)" },
            limit: { type: "integer", minimum: 1, maximum: 5000, default: 1000 },
            after: { type: "integer", description: "Page on: the `next` of the previous page" },
          },
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const q = request.query;
      const limit = q.limit ?? 1000;
      let query = db.selectFrom("evaluations").selectAll().where("project_id", "=", project.id);
      if (q.monitor !== undefined) query = query.where("monitor_id", "=", q.monitor);
      if (q.column !== undefined) query = query.where("column_name", "=", q.column);
      if (q.segment !== undefined) query = query.where("segment_key", "=", parseSegmentParam(q.segment));
      if (q.start !== undefined || q.end !== undefined) {
        const range = timeRange(q, { start: -8.64e15, end: 8.64e15 });
        query = query.where("bucket_start", ">=", range.start).where("bucket_start", "<", range.end);
      }
      if (q.anomaly !== undefined) query = query.where("anomaly", "=", q.anomaly ? 1 : 0);
      if (q.after !== undefined) query = query.where("id", ">", q.after);
      const rows = await query
        .orderBy("id")
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      return {
        evaluations: page.map((r) => {
          const { summary, ...details } = JSON.parse(r.details) as Record<string, unknown>;
          return {
            id: Number(r.id),
            runId: r.run_id,
            monitorId: r.monitor_id,
            monitorVersion: r.monitor_version,
            analyzer: r.analyzer,
            column: r.column_name,
            segment: r.segment_key,
            bucketStart: Number(r.bucket_start),
            metric: r.metric,
            value: r.value,
            valueLower: r.value_lower,
            valueUpper: r.value_upper,
            thresholdLower: r.threshold_lower,
            thresholdUpper: r.threshold_upper,
            baselineValue: r.baseline_value,
            anomaly: r.anomaly === 1,
            summary,
            details,
            bucketVersion: r.bucket_version,
            createdAt: Number(r.created_at),
          };
        }),
        next: rows.length > limit ? Number(page[page.length - 1]!.id) : null,
      };
    },
  );

  const anomalyJson = (r: Awaited<ReturnType<typeof anomalyOf>>) => ({
    id: r.id,
    monitorId: r.monitor_id,
    column: r.column_name,
    segment: r.segment_key,
    state: r.state,
    severity: r.severity,
    firstBucket: Number(r.first_bucket),
    lastBucket: Number(r.last_bucket),
    bucketCount: r.bucket_count,
    summary: r.summary,
    lastEvaluationId: Number(r.last_evaluation_id),
    openedAt: Number(r.opened_at),
    updatedAt: Number(r.updated_at),
    acknowledgedAt: r.acknowledged_at === null ? null : Number(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    resolvedBy: r.resolved_by,
    resolution: r.resolution,
  });

  async function anomalyOf(projectId: string, anomalyId: string) {
    const row = await db
      .selectFrom("anomalies")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("id", "=", anomalyId)
      .executeTakeFirst();
    if (row === undefined) {
      throw notFound(
        `anomaly ${anomalyId} (GET /api/v1/projects/${projectId}/anomalies lists the project's anomalies)`,
      );
    }
    return row;
  }

  app.get<{
    Params: { projectId: string };
    Querystring: { state?: AnomalyState | "active"; monitor?: string; column?: string; limit?: number };
  }>(
    "/api/v1/projects/:projectId/anomalies",
    {
      schema: {
        summary: "Anomalies (incidents), newest first; state active = open or acknowledged",
        tags: ["monitors"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            state: { type: "string", enum: ["open", "acknowledged", "resolved", "active"] },
            monitor: { type: "string" },
            column: { type: "string" },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 200 },
          },
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const q = request.query;
      let query = db.selectFrom("anomalies").selectAll().where("project_id", "=", project.id);
      if (q.state === "active") query = query.where("state", "!=", "resolved");
      else if (q.state !== undefined) query = query.where("state", "=", q.state);
      if (q.monitor !== undefined) query = query.where("monitor_id", "=", q.monitor);
      if (q.column !== undefined) query = query.where("column_name", "=", q.column);
      const rows = await query
        .orderBy("opened_at", "desc")
        .orderBy("id")
        .limit(q.limit ?? 200)
        .execute();
      return { anomalies: rows.map(anomalyJson) };
    },
  );

  for (const action of ["acknowledge", "resolve"] as const) {
    app.post<{ Params: { projectId: string; anomalyId: string } }>(
      `/api/v1/projects/:projectId/anomalies/:anomalyId/${action}`,
      {
        schema: {
          summary:
            action === "acknowledge"
              ? "Acknowledge an anomaly: someone is on it (it stays active and alerts no more); idempotent"
              : "Resolve an anomaly by hand (the next anomalous bucket opens a new one); idempotent",
          tags: ["monitors"],
          params: anomalyParams,
        },
      },
      async (request) => {
        const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
        const row = await anomalyOf(project.id, request.params.anomalyId);
        const now = Date.now();
        const by = actor(request.principal);
        // Both are idempotent: acknowledging an acknowledged or resolved anomaly, or resolving a resolved one,
        // answers it as it is.
        if (action === "acknowledge") {
          await db
            .updateTable("anomalies")
            .set({ state: "acknowledged", acknowledged_at: now, acknowledged_by: by, updated_at: now })
            .where("id", "=", row.id)
            .where("state", "=", "open")
            .execute();
        } else {
          await db
            .updateTable("anomalies")
            .set({
              state: "resolved",
              active_key: null,
              resolved_at: now,
              resolved_by: by,
              resolution: "manual",
              updated_at: now,
            })
            .where("id", "=", row.id)
            .where("state", "!=", "resolved")
            .execute();
        }
        return anomalyJson(await anomalyOf(project.id, row.id));
      },
    );
  }

  app.get<{ Params: { projectId: string }; Querystring: { limit?: number } }>(
    "/api/v1/projects/:projectId/monitor-runs",
    {
      schema: {
        summary: "Recent monitor runs (newest first) and the queue: buckets waiting, running, failing",
        tags: ["monitors"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const runs = await db
        .selectFrom("monitor_runs")
        .selectAll()
        .where("project_id", "=", project.id)
        .orderBy("started_at", "desc")
        .orderBy("id")
        .limit(request.query.limit ?? 100)
        .execute();
      const jobs = await db
        .selectFrom("monitor_jobs")
        .select([
          "bucket_start",
          "requested_event",
          "done_event",
          "forced",
          "run_after",
          "locked_until",
          "last_error",
        ])
        .where("project_id", "=", project.id)
        .where((eb) => eb.or([eb("requested_event", ">", eb.ref("done_event")), eb("forced", ">", 0)]))
        .execute();
      const cursor = await db
        .selectFrom("event_cursors")
        .select("last_event_id")
        .where("name", "=", MONITOR_EVENT_CURSOR)
        .executeTakeFirst();
      const unread = await db
        .selectFrom("events")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("project_id", "=", project.id)
        .where("id", ">", cursor?.last_event_id ?? 0)
        .executeTakeFirstOrThrow();
      const now = Date.now();
      return {
        queue: {
          unreadEvents: Number(unread.n),
          waiting: jobs.filter((j) => j.locked_until === null || Number(j.locked_until) < now).length,
          running: jobs.filter((j) => j.locked_until !== null && Number(j.locked_until) >= now).length,
          failing: jobs.filter((j) => j.last_error !== null).length,
          nextRunAt: jobs.length === 0 ? null : Math.min(...jobs.map((j) => Number(j.run_after))),
        },
        runs: runs.map((r) => ({
          id: r.id,
          bucketStart: Number(r.bucket_start),
          reason: r.reason,
          worker: r.worker,
          startedAt: Number(r.started_at),
          finishedAt: r.finished_at === null ? null : Number(r.finished_at),
          status: r.status,
          evaluations: r.evaluations,
          anomalies: r.anomalies,
          error: r.error,
        })),
      };
    },
  );
}
