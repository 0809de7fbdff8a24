// Liveness, readiness and Prometheus metrics.
import { datasetDrift } from "@sightglass/analysis";
import { DatasetProfileView } from "@sightglass/profile";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app.js";
import { requireAuthenticated, visibleOrgs } from "../auth/principal.js";
import { ApiError } from "../errors.js";
import { fromBuffer } from "../store/profiles.js";

/** The derived gauges are recomputed at most this often, whatever the scrape interval. */
const SIGNAL_REFRESH_MS = 30_000;
/** Label cardinality caps: projects with gauges, drifted columns per project. */
const MAX_PROJECTS = 200;
const MAX_COLUMNS_PER_PROJECT = 20;

export function registerOps(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    "/healthz",
    { schema: { summary: "Liveness: the process is serving", tags: ["operations"], security: [] } },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        summary: "Readiness: the store answers and the server is not shutting down",
        tags: ["operations"],
        security: [],
      },
    },
    async (_request, reply) => {
      if (!ctx.ready) return reply.status(503).send({ status: "starting or stopping" });
      try {
        await ctx.store.db.selectFrom("organizations").select("id").limit(1).execute();
      } catch (e) {
        return reply.status(503).send({ status: "store unavailable", reason: (e as Error).message });
      }
      return { status: "ready", store: ctx.store.dialect };
    },
  );

  let refreshedAt = 0;
  let refreshing: Promise<void> | undefined;
  app.get(
    "/metrics",
    {
      schema: {
        summary:
          "Prometheus metrics: service metrics and, for the caller's organizations, freshness, volume, drift and open anomalies per project",
        tags: ["operations"],
        produces: ["text/plain"],
      },
    },
    async (request, reply) => {
      // Metrics name projects and columns: only callers with read access see them, and only their own.
      const principal = requireAuthenticated(request.principal);
      if (principal.kind === "api-key" && !principal.scopes.has("read") && !principal.scopes.has("admin")) {
        throw new ApiError("forbidden", `API key ${principal.keyId} needs scope read to scrape metrics`);
      }
      if (Date.now() - refreshedAt > SIGNAL_REFRESH_MS) {
        refreshing ??= refreshSignals(ctx).finally(() => {
          refreshedAt = Date.now();
          refreshing = undefined;
        });
        await refreshing;
      }
      const orgs = visibleOrgs(principal);
      const allowed = new Set(
        (
          await ctx.store.db
            .selectFrom("projects")
            .select("id")
            .where("org_id", "in", orgs.length > 0 ? orgs : [""])
            .execute()
        )
          .filter(
            (p) => principal.kind === "user" || principal.projectId === null || principal.projectId === p.id,
          )
          .map((p) => p.id),
      );
      const text = await ctx.metrics.registry.metrics();
      const lines = text.split("\n").filter((line) => {
        const m = /project="([^"]*)"/.exec(line);
        return m === null || allowed.has(m[1]!);
      });
      return reply.header("content-type", ctx.metrics.registry.contentType).send(lines.join("\n"));
    },
  );
}

/** Freshness, volume and drift of each project's latest whole-dataset bucket against the one before it. */
async function refreshSignals(ctx: AppContext): Promise<void> {
  const { db } = ctx.store;
  const now = Date.now();
  const latest = await db
    .selectFrom("buckets")
    .select([
      "project_id",
      (eb) => eb.fn.max("bucket_start").as("start"),
      (eb) => eb.fn.max("last_upload_at").as("last"),
    ])
    .where("segment_key", "=", "")
    .groupBy("project_id")
    .limit(MAX_PROJECTS)
    .execute();
  ctx.metrics.freshness.reset();
  ctx.metrics.volume.reset();
  ctx.metrics.drift.reset();
  ctx.metrics.openAnomalies.reset();
  const active = await db
    .selectFrom("anomalies")
    .select(["project_id", "severity", (eb) => eb.fn.countAll<number>().as("n")])
    .where("active_key", "is not", null)
    .groupBy(["project_id", "severity"])
    .execute();
  for (const a of active)
    ctx.metrics.openAnomalies.set({ project: a.project_id, severity: a.severity }, Number(a.n));
  for (const row of latest) {
    const project = row.project_id;
    ctx.metrics.freshness.set({ project }, Math.max(0, (now - Number(row.last)) / 1000));
    const two = await db
      .selectFrom("buckets")
      .select(["profile", "row_count", "bucket_start"])
      .where("project_id", "=", project)
      .where("segment_key", "=", "")
      .orderBy("bucket_start", "desc")
      .limit(2)
      .execute();
    const [current, previous] = two;
    if (current !== undefined) ctx.metrics.volume.set({ project }, current.row_count);
    if (!current?.profile || !previous?.profile) continue;
    try {
      const report = datasetDrift(
        DatasetProfileView.deserialize(fromBuffer(previous.profile)),
        DatasetProfileView.deserialize(fromBuffer(current.profile)),
        { method: "hellinger" },
      );
      const top = [...report.columns]
        .sort((a, b) => b.statistic - a.statistic)
        .slice(0, MAX_COLUMNS_PER_PROJECT);
      for (const c of top) ctx.metrics.drift.set({ project, column: c.column.slice(0, 128) }, c.statistic);
    } catch {
      // A profile the analysis cannot compare (no shared columns) simply has no drift gauge.
    }
  }
}
