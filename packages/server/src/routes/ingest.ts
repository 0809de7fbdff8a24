// Profile ingestion: time-bucketed uploads and named reference profiles.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../app.js";
import type { ProjectTable } from "../db/schema.js";
import { ApiError } from "../errors.js";
import type { IngestResult } from "../store/ingest.js";
import { ingestProfile } from "../store/ingest.js";
import { parseSegmentParam, tagsOfSegmentKey, toBuffer } from "../store/profiles.js";
import { referenceProfile } from "../store/ranges.js";
import { parseTime } from "../time.js";
import { ID_PATTERN, authorizedProject, errorSchema, projectParams } from "./common.js";

const PROFILE_TYPES = ["application/octet-stream", "application/x-protobuf"];
const IDEMPOTENCY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const uploadSchema = {
  type: "object",
  properties: {
    duplicate: {
      type: "boolean",
      description: "The idempotency key was already stored with these bytes; nothing changed",
    },
    late: { type: "boolean", description: "The upload's time bucket had already ended when it arrived" },
    pending: {
      type: "boolean",
      description:
        "Stored, and merged into its buckets within moments; queries include pending uploads, so reads never miss it",
    },
    upload: {
      type: "object",
      additionalProperties: true,
      properties: {
        id: { type: "string" },
        projectId: { type: "string" },
        receivedAt: { type: "number" },
        datasetTimestamp: { type: "number" },
        bucketStart: { type: "number" },
        format: { type: "string" },
        sizeBytes: { type: "number" },
        sha256: { type: "string" },
        columnCount: { type: "number" },
        rowCount: { type: "number" },
      },
    },
    buckets: {
      type: "array",
      description: "With wait=true: the buckets the upload changed and the versions it produced",
      items: {
        type: "object",
        properties: {
          segment: { type: "string" },
          bucketStart: { type: "number" },
          version: { type: "number" },
          late: { type: "boolean" },
        },
      },
    },
  },
} as const;

export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers["idempotency-key"] ?? request.headers["x-whylabs-idempotency-key"];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key === undefined || key === "") return undefined;
  if (!IDEMPOTENCY_PATTERN.test(key)) {
    throw new ApiError(
      "bad-request",
      "Idempotency-Key must be 1-128 characters of letters, digits and . _ : -",
      { field: "Idempotency-Key" },
    );
  }
  return key;
}

function bodyBytes(request: FastifyRequest): Uint8Array {
  const body = request.body;
  if (!Buffer.isBuffer(body)) {
    throw new ApiError(
      "bad-request",
      `send the profile bytes as the request body with Content-Type ${PROFILE_TYPES[0]}`,
    );
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** Stores an upload, counting it in the metrics either way. */
export async function ingestAndCount(
  ctx: AppContext,
  project: ProjectTable,
  request: FastifyRequest,
  bytes: Uint8Array,
  extra: {
    referenceName?: string | undefined;
    datasetTimestamp?: number | undefined;
    source: "api" | "whylogs";
    idempotencyKey?: string | undefined;
    apiKeyId?: string | undefined;
  },
): Promise<IngestResult> {
  const principal = request.principal;
  try {
    const result = await ingestProfile(ctx.store, {
      project,
      bytes,
      idempotencyKey: extra.idempotencyKey,
      referenceName: extra.referenceName,
      datasetTimestamp: extra.datasetTimestamp,
      source: extra.source,
      apiKeyId: extra.apiKeyId ?? (principal?.kind === "api-key" ? principal.keyId : undefined),
      userId: principal?.kind === "user" ? principal.userId : undefined,
    });
    ctx.metrics.uploads.inc({
      project: project.id,
      format: result.upload.format,
      outcome: result.duplicate ? "duplicate" : "stored",
    });
    if (!result.duplicate) ctx.metrics.uploadBytes.inc({ project: project.id }, bytes.length);
    if (result.late) {
      request.log.info({ project: project.id, bucketStart: result.upload.bucketStart }, "late profile");
    }
    return result;
  } catch (e) {
    if (e instanceof ApiError)
      ctx.metrics.uploads.inc({ project: project.id, format: "unknown", outcome: "rejected" });
    throw e;
  }
}

/** The response body; with `wait`, after the upload is merged, listing the bucket versions it produced. */
async function resultJson(result: IngestResult, wait: boolean) {
  const changes = wait ? await result.merged : undefined;
  return {
    duplicate: result.duplicate,
    late: result.late,
    pending: !result.duplicate && !wait && result.upload.referenceName === null,
    upload: result.upload,
    ...(changes !== undefined
      ? {
          buckets: changes.map((b) => ({
            segment: b.segmentKey,
            bucketStart: b.bucketStart,
            version: b.version,
            late: b.late,
          })),
        }
      : {}),
  };
}

export function registerIngestRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;

  app.post<{ Params: { projectId: string }; Querystring: { datasetTimestamp?: string; wait?: boolean } }>(
    "/api/v1/projects/:projectId/profiles",
    {
      bodyLimit: ctx.config.maxUploadBytes,
      schema: {
        summary:
          "Upload a profile (whylogs v1, v0 or Sightglass bytes); merged into its time bucket and segment",
        description:
          "Send Idempotency-Key to make retries safe: the same key with the same bytes answers 200 with duplicate=true and stores nothing; with other bytes, 409. Late data merges into its past bucket and emits a bucket-changed event.",
        tags: ["ingestion"],
        params: projectParams,
        querystring: {
          type: "object",
          properties: {
            datasetTimestamp: {
              type: "string",
              description: "Overrides the profile's own dataset timestamp (epoch ms or ISO 8601)",
            },
            wait: {
              type: "boolean",
              default: false,
              description: "Answer only once the upload is merged into its buckets (and list their versions)",
            },
          },
        },
        headers: { type: "object", properties: { "idempotency-key": { type: "string", maxLength: 128 } } },
        consumes: PROFILE_TYPES,
        response: {
          200: uploadSchema,
          201: uploadSchema,
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          409: errorSchema,
          413: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "ingest");
      const idempotencyKey = idempotencyKeyOf(request);
      const datasetTimestamp =
        request.query.datasetTimestamp === undefined
          ? undefined
          : parseTime(request.query.datasetTimestamp, "datasetTimestamp");
      const result = await ingestAndCount(ctx, project, request, bodyBytes(request), {
        idempotencyKey,
        datasetTimestamp,
        source: "api",
      });
      return reply
        .status(result.duplicate ? 200 : 201)
        .send(await resultJson(result, request.query.wait === true));
    },
  );

  app.put<{ Params: { projectId: string; name: string } }>(
    "/api/v1/projects/:projectId/references/:name",
    {
      bodyLimit: ctx.config.maxUploadBytes,
      schema: {
        summary: "Upload a profile into a named reference (baseline); several uploads under one name merge",
        tags: ["references"],
        params: {
          type: "object",
          properties: {
            projectId: { type: "string", pattern: ID_PATTERN },
            name: { type: "string", minLength: 1, maxLength: 200 },
          },
          required: ["projectId", "name"],
        },
        consumes: PROFILE_TYPES,
        response: { 200: uploadSchema, 201: uploadSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "ingest");
      const result = await ingestAndCount(ctx, project, request, bodyBytes(request), {
        referenceName: request.params.name,
        idempotencyKey: idempotencyKeyOf(request),
        source: "api",
      });
      return reply.status(result.duplicate ? 200 : 201).send(await resultJson(result, false));
    },
  );

  app.get<{ Params: { projectId: string } }>(
    "/api/v1/projects/:projectId/references",
    {
      schema: {
        summary: "Named reference profiles of the project",
        tags: ["references"],
        params: projectParams,
      },
    },
    async (request) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const rows = await db
        .selectFrom("reference_profiles")
        .select(["name", "segment_key", "dataset_timestamp", "created_at", "updated_at", "upload_count"])
        .where("project_id", "=", project.id)
        .orderBy("name")
        .orderBy("segment_key")
        .execute();
      const byName = new Map<
        string,
        {
          name: string;
          datasetTimestamp: number;
          createdAt: number;
          updatedAt: number;
          uploads: number;
          segments: { key: string; tags: unknown }[];
        }
      >();
      for (const r of rows) {
        let entry = byName.get(r.name);
        if (entry === undefined) {
          entry = {
            name: r.name,
            datasetTimestamp: r.dataset_timestamp,
            createdAt: r.created_at,
            updatedAt: r.updated_at,
            uploads: 0,
            segments: [],
          };
          byName.set(r.name, entry);
        }
        if (r.segment_key === "") entry.uploads = r.upload_count;
        else entry.segments.push({ key: r.segment_key, tags: tagsOfSegmentKey(r.segment_key) });
      }
      return { references: [...byName.values()] };
    },
  );

  app.get<{
    Params: { projectId: string; name: string };
    Querystring: { segment?: string; format?: "whylogs" | "summary" };
  }>(
    "/api/v1/projects/:projectId/references/:name/profile",
    {
      schema: {
        summary: "A reference profile as whylogs bytes or a summary",
        tags: ["references"],
        params: {
          type: "object",
          properties: { projectId: { type: "string" }, name: { type: "string" } },
          required: ["projectId", "name"],
        },
        querystring: {
          type: "object",
          properties: {
            segment: { type: "string" },
            format: { type: "string", enum: ["whylogs", "summary"], default: "whylogs" },
          },
        },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "read");
      const view = await referenceProfile(
        ctx.store,
        project.id,
        request.params.name,
        parseSegmentParam(request.query.segment),
      );
      if (request.query.format === "summary")
        return {
          datasetTimestamp: view.datasetTimestamp,
          columns: view.toSummary({ frequentItemsLimit: 20 }),
        };
      return reply.header("content-type", "application/octet-stream").send(toBuffer(view.serialize()));
    },
  );

  app.delete<{ Params: { projectId: string; name: string } }>(
    "/api/v1/projects/:projectId/references/:name",
    {
      schema: {
        summary: "Delete a reference profile (its uploads stay in the history)",
        tags: ["references"],
        params: {
          type: "object",
          properties: { projectId: { type: "string" }, name: { type: "string" } },
          required: ["projectId", "name"],
        },
      },
    },
    async (request, reply) => {
      const project = await authorizedProject(ctx.store, request, request.params.projectId, "write");
      const result = await db
        .deleteFrom("reference_profiles")
        .where("project_id", "=", project.id)
        .where("name", "=", request.params.name)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new ApiError("not-found", `reference profile ${JSON.stringify(request.params.name)} not found`);
      return reply.status(204).send();
    },
  );
}
