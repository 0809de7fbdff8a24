// The WhyLabs upload flow the whylogs library speaks, so an unmodified `WhyLabsWriter` pointed at Sightglass
// (WHYLABS_API_ENDPOINT) uploads here: it asks for an upload URL (`log/async`, `log/reference`, the segmented
// reference call), then PUTs the bytes to that URL without credentials. The URL is ours and carries a random
// single-purpose token, like a presigned object-store URL; the PUT must answer exactly 200 for whylogs.
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../app.js";
import { requireAuthenticated, visibleOrgs } from "../auth/principal.js";
import { randomAlphanumeric, sha256Hex } from "../auth/secrets.js";
import type { ProjectTable } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { isZip, unzip } from "../store/zip.js";
import { requireProject } from "../auth/principal.js";
import { ingestAndCount } from "./ingest.js";

/** How long an upload URL stays valid (WhyLabs' presigned URLs: 15 minutes). */
const UPLOAD_URL_TTL_MS = 15 * 60_000;

const asyncBody = {
  type: "object",
  properties: {
    datasetTimestamp: { type: ["integer", "null"] },
    segmentTags: { type: ["array", "null"] },
    region: { type: ["string", "null"] },
    alias: { type: ["string", "null"] },
  },
} as const;

const orgDatasetParams = {
  type: "object",
  properties: { orgId: { type: "string" }, datasetId: { type: "string" } },
  required: ["orgId", "datasetId"],
} as const;

interface AsyncBody {
  datasetTimestamp?: number | null;
  alias?: string | null;
  segments?: { tags?: { key: string; value: string }[] }[] | null;
}

export function registerWhylogsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;

  async function projectFor(
    request: FastifyRequest,
    orgId: string | undefined,
    datasetId: string,
  ): Promise<ProjectTable> {
    const principal = requireAuthenticated(request.principal);
    // whylogs names a dataset of an organization: the one in the path, else the caller's (a signed-in user's
    // organizations are searched; a name in several of them is ambiguous).
    const orgs = orgId !== undefined ? [orgId] : visibleOrgs(principal);
    const matches =
      orgs.length === 0
        ? []
        : await db
            .selectFrom("projects")
            .selectAll()
            .where("org_id", "in", orgs)
            .where("dataset_id", "=", datasetId)
            .limit(2)
            .execute();
    if (matches.length > 1) {
      throw new ApiError(
        "conflict",
        `dataset id ${datasetId} exists in several of your organizations; use /v0/organizations/{org}/log/async/${datasetId}`,
      );
    }
    const project = matches[0];
    // A project the caller may not see answers exactly like a missing one, hint included: existence does not
    // leak across organizations.
    try {
      return requireProject(principal, project, datasetId, "ingest");
    } catch (e) {
      if (e instanceof ApiError && e.code === "not-found") {
        throw new ApiError(
          "not-found",
          `project ${datasetId} not found: create a project with this dataset id in Sightglass first`,
        );
      }
      throw e;
    }
  }

  async function uploadUrl(
    request: FastifyRequest,
    project: ProjectTable,
    datasetTimestamp: number | null | undefined,
    referenceName: string | null,
  ): Promise<{ id: string; url: string }> {
    const token = randomAlphanumeric(48);
    const id = `log-${randomUUID().replace(/-/g, "").slice(0, 20)}`;
    const now = Date.now();
    const principal = request.principal;
    await db
      .insertInto("pending_uploads")
      .values({
        token_hash: sha256Hex(token),
        id,
        org_id: project.org_id,
        project_id: project.id,
        dataset_timestamp: datasetTimestamp ?? null,
        reference_name: referenceName,
        api_key_id: principal?.kind === "api-key" ? principal.keyId : null,
        idempotency_key: null,
        created_at: now,
        expires_at: now + UPLOAD_URL_TTL_MS,
        used_at: null,
      })
      .execute();
    return { id, url: `${ctx.publicUrl(request)}/v0/uploads/${token}` };
  }

  const logAsync = async (request: FastifyRequest, orgId: string | undefined, datasetId: string) => {
    const project = await projectFor(request, orgId, datasetId);
    const body = (request.body ?? {}) as AsyncBody;
    const { id, url } = await uploadUrl(request, project, body.datasetTimestamp, null);
    return { id, modelId: project.id, uploadTimestamp: Date.now(), uploadUrl: url, tags: { tags: [] } };
  };

  app.post<{ Body: AsyncBody }>(
    "/v1/log/async",
    {
      schema: {
        summary: "whylogs: request an upload URL for a batch profile (dataset from X-WHYLABS-RESOURCE)",
        tags: ["whylogs compatibility"],
        body: asyncBody,
        headers: {
          type: "object",
          properties: { "x-whylabs-resource": { type: "string" } },
          required: ["x-whylabs-resource"],
        },
      },
    },
    async (request) => logAsync(request, undefined, String(request.headers["x-whylabs-resource"])),
  );

  app.post<{ Params: { orgId: string; datasetId: string }; Body: AsyncBody }>(
    "/v0/organizations/:orgId/log/async/:datasetId",
    {
      schema: {
        summary: "whylogs: request an upload URL for a batch profile",
        tags: ["whylogs compatibility"],
        params: orgDatasetParams,
        body: asyncBody,
      },
    },
    async (request) => logAsync(request, request.params.orgId, request.params.datasetId),
  );

  app.post<{ Params: { orgId: string; datasetId: string }; Body: AsyncBody }>(
    "/v0/organizations/:orgId/log/reference/:datasetId",
    {
      schema: {
        summary: "whylogs: request an upload URL for a reference profile",
        tags: ["whylogs compatibility"],
        params: orgDatasetParams,
        body: asyncBody,
      },
    },
    async (request) => {
      const project = await projectFor(request, request.params.orgId, request.params.datasetId);
      const alias = request.body?.alias ?? `reference-${new Date().toISOString().slice(0, 19)}`;
      const { id, url } = await uploadUrl(request, project, request.body?.datasetTimestamp, alias);
      return { id, modelId: project.id, alias, uploadTimestamp: Date.now(), uploadUrl: url };
    },
  );

  app.post<{ Params: { orgId: string; datasetId: string }; Body: AsyncBody }>(
    "/v0/organizations/:orgId/dataset-profiles/models/:datasetId/reference-profile",
    {
      schema: {
        summary: "whylogs: request one upload URL per segment of a segmented reference profile",
        tags: ["whylogs compatibility"],
        params: orgDatasetParams,
        body: {
          type: "object",
          properties: { ...asyncBody.properties, segments: { type: ["array", "null"] } },
        },
      },
    },
    async (request) => {
      const project = await projectFor(request, request.params.orgId, request.params.datasetId);
      const alias = request.body?.alias ?? `reference-${new Date().toISOString().slice(0, 19)}`;
      const segments = request.body?.segments ?? [];
      const urls: string[] = [];
      let firstId = "";
      for (let i = 0; i < Math.max(1, segments.length); i++) {
        const { id, url } = await uploadUrl(request, project, request.body?.datasetTimestamp, alias);
        firstId ||= id;
        urls.push(url);
      }
      return { id: firstId, alias, datasetId: project.id, segments: [], uploadUrls: urls };
    },
  );

  app.post<{ Params: { orgId: string; datasetId: string } }>(
    "/v0/organizations/:orgId/log/observatory-link/:datasetId",
    {
      schema: {
        summary: "whylogs: link to the profile's page",
        tags: ["whylogs compatibility"],
        params: orgDatasetParams,
      },
    },
    async (request) => {
      const project = await projectFor(request, request.params.orgId, request.params.datasetId);
      return {
        observatoryUrl: `${ctx.publicUrl(request)}/projects/${encodeURIComponent(project.id)}`,
        individualObservatoryUrls: [],
      };
    },
  );

  app.put<{ Params: { token: string } }>(
    "/v0/uploads/:token",
    {
      bodyLimit: ctx.config.maxUploadBytes,
      schema: {
        summary:
          "whylogs: the upload URL; the body is a v1 or v0 profile or a zip of profiles; answers 200 (whylogs treats any other status as a failure)",
        tags: ["whylogs compatibility"],
        params: {
          type: "object",
          properties: { token: { type: "string", pattern: "^[A-Za-z0-9]{48}$" } },
          required: ["token"],
        },
        consumes: ["application/octet-stream"],
        security: [],
      },
    },
    async (request, reply) => {
      const pending = await db
        .selectFrom("pending_uploads")
        .selectAll()
        .where("token_hash", "=", sha256Hex(request.params.token))
        .executeTakeFirst();
      const now = Date.now();
      if (pending === undefined)
        throw new ApiError(
          "not-found",
          "unknown upload URL; request a new one with log/async (whylogs does on its next write)",
        );
      // A used URL still answers a retry of the same bytes (whylogs retries a PUT whose answer it did not see).
      if (pending.expires_at <= now && pending.used_at === null)
        throw new ApiError("forbidden", "this upload URL expired; request a new one");
      const project = await db
        .selectFrom("projects")
        .selectAll()
        .where("id", "=", pending.project_id)
        .executeTakeFirst();
      if (project === undefined)
        throw new ApiError("not-found", `project ${pending.project_id} no longer exists`);
      const body = request.body;
      if (!Buffer.isBuffer(body))
        throw new ApiError(
          "bad-request",
          "send the profile bytes as the body (Content-Type: application/octet-stream)",
        );
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      const files = isZip(bytes) ? unzip(bytes, ctx.config.maxUploadBytes * 4).map((f) => f.bytes) : [bytes];
      const ids: string[] = [];
      for (const [i, file] of files.entries()) {
        const result = await ingestAndCount(ctx, project, request, file, {
          source: "whylogs",
          referenceName: pending.reference_name ?? undefined,
          datasetTimestamp: pending.dataset_timestamp ?? undefined,
          idempotencyKey: files.length === 1 ? `whylogs:${pending.id}` : `whylogs:${pending.id}:${i}`,
          apiKeyId: pending.api_key_id ?? undefined,
        });
        ids.push(result.upload.id);
      }
      await db
        .updateTable("pending_uploads")
        .set({ used_at: now })
        .where("token_hash", "=", pending.token_hash)
        .execute();
      return reply.status(200).send({ uploads: ids });
    },
  );
}
