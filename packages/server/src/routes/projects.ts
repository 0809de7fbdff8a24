// Projects (a model or dataset with a batch frequency and time zone), their columns, segments, buckets, upload
// history and bucket-changed events.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app.js";
import { requireAuthenticated, requireOrg } from "../auth/principal.js";
import type { BatchFrequency } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { UPLOAD_COLUMNS, uploadInfo } from "../store/ingest.js";
import { parseSegmentParam, tagsOfSegmentKey } from "../store/profiles.js";
import { inSnapshot, pendingUploads } from "../store/ranges.js";
import { isTimeZone, parseTime } from "../time.js";
import { randomAlphanumeric } from "../auth/secrets.js";
import { installDefaultMonitors } from "../monitors/store.js";
import {
  ID_PATTERN,
  authorizedProject,
  errorSchema,
  projectJson,
  projectParams,
  projectSchema,
  timeRangeQuery,
  visibleProjects,
} from "./common.js";

export function registerProjectRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;

  app.get<{ Querystring: { organization?: string } }>(
    "/api/v1/projects",
    {
      schema: {
        summary: "Projects visible to the caller",
        tags: ["projects"],
        querystring: {
          type: "object",
          properties: { organization: { type: "string", description: "Only this organization's projects" } },
        },
        response: {
          200: { type: "object", properties: { projects: { type: "array", items: projectSchema } } },
        },
      },
    },
    async (request) => {
      const principal = requireAuthenticated(request.principal);
      const rows = await visibleProjects(db, principal, request.query.organization);
      return { projects: rows.map(projectJson) };
    },
  );

  app.post<{
    Params: { orgId: string };
    Body: {
      id?: string;
      datasetId?: string;
      name: string;
      description?: string;
      frequency?: BatchFrequency;
      timeZone?: string;
    };
  }>(
    "/api/v1/organizations/:orgId/projects",
    {
      schema: {
        summary: "Create a project",
        tags: ["projects"],
        params: {
          type: "object",
          properties: { orgId: { type: "string", pattern: ID_PATTERN } },
          required: ["orgId"],
        },
        body: {
          type: "object",
          properties: {
            id: {
              type: "string",
              pattern: ID_PATTERN,
              description: "Also the whylogs dataset id; generated when absent",
            },
            name: { type: "string", minLength: 1, maxLength: 200 },
            description: { type: "string", maxLength: 4000 },
            frequency: { type: "string", enum: ["hour", "day", "week"], default: "day" },
            timeZone: {
              type: "string",
              default: "UTC",
              description: "IANA time zone of the bucket boundaries",
            },
          },
          required: ["name"],
          additionalProperties: false,
        },
        response: { 201: projectSchema, 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      requireOrg(request.principal, request.params.orgId, "write");
      const timeZone = request.body.timeZone ?? "UTC";
      if (!isTimeZone(timeZone))
        throw new ApiError(
          "bad-request",
          `unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as Europe/Paris)`,
          { field: "timeZone" },
        );
      const id = request.body.id ?? `prj-${randomAlphanumeric(10).toLowerCase()}`;
      const datasetId = request.body.datasetId ?? request.body.id ?? id;
      // Project ids are global names (like repository names on a forge); dataset ids are per organization, so
      // every organization can have the "model-1" its whylogs jobs write to.
      const exists = await db.selectFrom("projects").select("id").where("id", "=", id).executeTakeFirst();
      if (exists !== undefined)
        throw new ApiError("conflict", `project id ${id} is not available; choose another or omit id`, {
          field: "id",
        });
      const sameDataset = await db
        .selectFrom("projects")
        .select("id")
        .where("org_id", "=", request.params.orgId)
        .where("dataset_id", "=", datasetId)
        .executeTakeFirst();
      if (sameDataset !== undefined) {
        throw new ApiError(
          "conflict",
          `project ${sameDataset.id} already has dataset id ${datasetId} in this organization`,
          { field: "datasetId" },
        );
      }
      const row = {
        id,
        dataset_id: datasetId,
        org_id: request.params.orgId,
        name: request.body.name,
        description: request.body.description ?? "",
        frequency: request.body.frequency ?? "day",
        time_zone: timeZone,
        created_at: Date.now(),
      };
      await db.transaction().execute(async (tx) => {
        await tx.insertInto("projects").values(row).execute();
        await installDefaultMonitors(tx, row.id, row.created_at);
      });
      return reply.status(201).send(projectJson(row));
    },
  );

  app.get<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId",
    {
      schema: {
        summary: "A project",
        tags: ["projects"],
        params: projectParams,
        response: { 200: projectSchema, 404: errorSchema },
      },
    },
    async (request) =>
      projectJson(await authorizedProject(ctx.store, request, request.params.projectId, "read")),
  );

  app.patch<{
    Params: { projectId: string };
    Body: { name?: string; description?: string; frequency?: BatchFrequency; timeZone?: string };
  }>(
    "/api/v1/projects/:projectId",
    {
      schema: {
        summary: "Rename or describe a project; frequency and time zone can change only while it has no data",
        tags: ["projects"],
        params: projectParams,
        body: {
          type: "object",
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            description: { type: "string", maxLength: 4000 },
            frequency: { type: "string", enum: ["hour", "day", "week"] },
            timeZone: { type: "string" },
          },
          additionalProperties: false,
        },
        response: { 200: projectSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
      const { name, description, frequency, timeZone } = request.body;
      if (timeZone !== undefined && !isTimeZone(timeZone))
        throw new ApiError("bad-request", `unknown time zone ${JSON.stringify(timeZone)}`, {
          field: "timeZone",
        });
      if (
        (frequency !== undefined && frequency !== project.frequency) ||
        (timeZone !== undefined && timeZone !== project.time_zone)
      ) {
        // Buckets are cut at ingest; re-cutting them would need the uploads re-merged, so only empty projects may change.
        const any = await db
          .selectFrom("uploads")
          .select("id")
          .where("project_id", "=", project.id)
          .limit(1)
          .executeTakeFirst();
        if (any !== undefined)
          throw new ApiError(
            "conflict",
            "frequency and time zone cannot change once a project has profiles; create a new project",
            { field: frequency !== undefined ? "frequency" : "timeZone" },
          );
      }
      const changes = {
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(frequency !== undefined ? { frequency } : {}),
        ...(timeZone !== undefined ? { time_zone: timeZone } : {}),
      };
      if (Object.keys(changes).length > 0)
        await db.updateTable("projects").set(changes).where("id", "=", project.id).execute();
      return projectJson({ ...project, ...changes });
    },
  );

  app.delete<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId",
    {
      schema: {
        summary: "Delete a project with all its profiles",
        tags: ["projects"],
        params: projectParams,
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "admin");
      await db.deleteFrom("projects").where("id", "=", project.id).execute();
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId/columns",
    {
      schema: {
        summary: "Columns seen in the project's profiles, with their inferred type",
        tags: ["projects"],
        params: projectParams,
        response: {
          200: {
            type: "object",
            properties: {
              columns: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    name: { type: "string" },
                    inferredType: { type: "string" },
                    firstSeen: { type: "number" },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const rows = await db
        .selectFrom("column_catalog")
        .selectAll()
        .where("project_id", "=", project.id)
        .orderBy("column_name")
        .execute();
      return {
        columns: rows.map((r) => ({
          name: r.column_name,
          inferredType: r.inferred_type,
          firstSeen: r.first_seen,
        })),
      };
    },
  );

  app.get<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId/segments",
    {
      schema: {
        summary: "Segments seen in the project's profiles",
        tags: ["projects"],
        params: projectParams,
        response: {
          200: {
            type: "object",
            properties: {
              segments: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    key: { type: "string", description: "Pass as the segment parameter of queries" },
                    tags: {
                      type: "array",
                      items: {
                        type: "object",
                        properties: { key: { type: "string" }, value: { type: "string" } },
                      },
                    },
                    firstSeen: { type: "number" },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const rows = await db
        .selectFrom("segment_catalog")
        .selectAll()
        .where("project_id", "=", project.id)
        .orderBy("segment_key")
        .execute();
      return {
        segments: rows.map((r) => ({
          key: r.segment_key,
          tags: tagsOfSegmentKey(r.segment_key),
          firstSeen: r.first_seen,
        })),
      };
    },
  );

  app.get<{ Params: { projectId: string }; Querystring: { start?: string; end?: string; segment?: string } }>(
    "/api/v1/projects/:projectId/buckets",
    {
      schema: {
        summary:
          "Time buckets with data: uploads merged, rows, version (changes whenever late data arrives), and uploads still pending a merge",
        tags: ["projects"],
        params: projectParams,
        querystring: { type: "object", properties: timeRangeQuery },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const segmentKey = parseSegmentParam(request.query.segment);
      // Open ends as the widest bucket starts a 64-bit column holds exactly.
      const start =
        request.query.start === undefined ? Number.MIN_SAFE_INTEGER : parseTime(request.query.start, "start");
      const end =
        request.query.end === undefined ? Number.MAX_SAFE_INTEGER : parseTime(request.query.end, "end");
      return inSnapshot(ctx.store, async (tx) => {
        const query = tx
          .selectFrom("buckets")
          .select([
            "bucket_start",
            "upload_count",
            "row_count",
            "version",
            "first_upload_at",
            "last_upload_at",
          ])
          .where("project_id", "=", project.id)
          .where("segment_key", "=", segmentKey)
          .where("version", ">", 0)
          .where("bucket_start", ">=", start)
          .where("bucket_start", "<", end);
        const pendingQuery = pendingUploads(tx, project.id, segmentKey, start, end)
          .select([
            "bucket_start",
            (eb) => eb.fn.countAll<number>().as("uploads"),
            (eb) => eb.fn.sum<number>("row_count").as("rows"),
          ])
          .groupBy("bucket_start");
        const out = new Map<
          number,
          {
            start: number;
            uploads: number;
            rows: number;
            version: number;
            firstUploadAt: number | null;
            lastUploadAt: number | null;
            pendingUploads: number;
            pendingRows: number;
          }
        >();
        for (const r of await query.execute()) {
          out.set(r.bucket_start, {
            start: r.bucket_start,
            uploads: r.upload_count,
            rows: r.row_count,
            version: r.version,
            firstUploadAt: r.first_upload_at,
            lastUploadAt: r.last_upload_at,
            pendingUploads: 0,
            pendingRows: 0,
          });
        }
        // Uploads stored but not merged yet (moments, normally): counted apart, so totals are never short.
        for (const p of await pendingQuery.execute()) {
          const entry = out.get(p.bucket_start) ?? {
            start: p.bucket_start,
            uploads: 0,
            rows: 0,
            version: 0,
            firstUploadAt: null,
            lastUploadAt: null,
            pendingUploads: 0,
            pendingRows: 0,
          };
          entry.pendingUploads = Number(p.uploads);
          entry.pendingRows = Number(p.rows);
          out.set(p.bucket_start, entry);
        }
        return { buckets: [...out.values()].sort((x, y) => x.start - y.start) };
      });
    },
  );

  app.get<{
    Params: { projectId: string };
    Querystring: { start?: string; end?: string; limit?: number; before?: string };
  }>(
    "/api/v1/projects/:projectId/uploads",
    {
      schema: {
        summary: "Upload history, newest first: what exactly was received, when, from which key",
        tags: ["uploads"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            start: { type: "string", description: "Received at or after (epoch ms or ISO 8601)" },
            end: { type: "string", description: "Received before" },
            before: {
              type: "string",
              description: "Page cursor: the id of the last upload of the previous page",
            },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      let query = db
        .selectFrom("uploads")
        .select([...UPLOAD_COLUMNS, "source", "idempotency_key", "api_key_id", "user_id", "merged_at"])
        .where("project_id", "=", project.id);
      if (request.query.start !== undefined)
        query = query.where("received_at", ">=", parseTime(request.query.start, "start"));
      if (request.query.end !== undefined)
        query = query.where("received_at", "<", parseTime(request.query.end, "end"));
      if (request.query.before !== undefined) {
        const cursor = await db
          .selectFrom("uploads")
          .select(["received_at", "id"])
          .where("id", "=", request.query.before)
          .where("project_id", "=", project.id)
          .executeTakeFirst();
        if (cursor === undefined)
          throw new ApiError("bad-request", `unknown cursor ${request.query.before}`, { field: "before" });
        query = query.where((eb) =>
          eb.or([
            eb("received_at", "<", cursor.received_at),
            eb.and([eb("received_at", "=", cursor.received_at), eb("id", "<", cursor.id)]),
          ]),
        );
      }
      const limit = request.query.limit ?? 100;
      const rows = await query.orderBy("received_at", "desc").orderBy("id", "desc").limit(limit).execute();
      return {
        uploads: rows.map((r) => ({
          // The fields of an upload as POST answered them, plus who sent it and when it was merged.
          ...uploadInfo(r, tagsOfSegmentKey(r.segment_key)),
          source: r.source,
          idempotencyKey: r.idempotency_key,
          apiKeyId: r.api_key_id,
          userId: r.user_id,
          mergedAt: r.merged_at,
        })),
        next: rows.length === limit ? rows[rows.length - 1]!.id : null,
      };
    },
  );

  app.get<{ Params: { projectId: string; uploadId: string } }>(
    "/api/v1/projects/:projectId/uploads/:uploadId/profile",
    {
      schema: {
        summary: "The bytes of one upload, exactly as received",
        tags: ["uploads"],
        params: {
          type: "object",
          properties: { projectId: { type: "string" }, uploadId: { type: "string" } },
          required: ["projectId", "uploadId"],
        },
        produces: ["application/octet-stream"],
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const row = await db
        .selectFrom("uploads")
        .select(["bytes", "id"])
        .where("project_id", "=", project.id)
        .where("id", "=", request.params.uploadId)
        .executeTakeFirst();
      if (row === undefined) throw new ApiError("not-found", `upload ${request.params.uploadId} not found`);
      return reply
        .header("content-type", "application/octet-stream")
        .header("content-disposition", `attachment; filename="${row.id}.bin"`)
        .send(row.bytes);
    },
  );

  app.get<{ Params: { projectId: string }; Querystring: { after?: number; limit?: number } }>(
    "/api/v1/projects/:projectId/events",
    {
      schema: {
        summary: "Bucket-changed events (every merge, late data flagged), oldest first after a cursor",
        tags: ["projects"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            after: { type: "integer", minimum: 0, default: 0 },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const rows = await db
        .selectFrom("events")
        .selectAll()
        .where("project_id", "=", project.id)
        .where("id", ">", request.query.after ?? 0)
        .orderBy("id")
        .limit(request.query.limit ?? 100)
        .execute();
      return {
        events: rows.map((e) => ({
          id: Number(e.id),
          kind: e.kind,
          segment: tagsOfSegmentKey(e.segment_key),
          bucketStart: e.bucket_start,
          createdAt: e.created_at,
          ...(JSON.parse(e.payload) as object),
        })),
      };
    },
  );
}
