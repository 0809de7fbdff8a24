// Pieces every route module uses: schema fragments, loading a project with its authorization, time ranges.
import type { FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import type { Permission, Principal } from "../auth/principal.js";
import { requireProject, visibleOrgs } from "../auth/principal.js";
import type { Store } from "../db/connect.js";
import type { Database, ProjectTable } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { parseTime } from "../time.js";

export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

export const errorSchema = {
  description: "Error",
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" }, requestId: { type: "string" } },
      required: ["code", "message"],
      additionalProperties: true,
    },
  },
} as const;

export const projectParams = {
  type: "object",
  properties: { projectId: { type: "string", pattern: ID_PATTERN } },
  required: ["projectId"],
} as const;

export const timeRangeQuery = {
  start: { type: "string", description: "Range start (inclusive): epoch ms or ISO 8601" },
  end: { type: "string", description: "Range end (exclusive): epoch ms or ISO 8601" },
  segment: {
    type: "string",
    description: "Segment as key=value pairs joined by & (URL-encoded); empty = whole dataset",
  },
} as const;

export const projectSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    datasetId: { type: "string", description: "The whylogs dataset id (WHYLABS_DEFAULT_DATASET_ID)" },
    organizationId: { type: "string" },
    name: { type: "string" },
    description: { type: "string" },
    frequency: { type: "string", enum: ["hour", "day", "week"] },
    timeZone: { type: "string" },
    createdAt: { type: "number" },
  },
  required: ["id", "datasetId", "organizationId", "name", "frequency", "timeZone", "createdAt"],
} as const;

export function projectJson(p: ProjectTable) {
  return {
    id: p.id,
    datasetId: p.dataset_id,
    organizationId: p.org_id,
    name: p.name,
    description: p.description,
    frequency: p.frequency,
    timeZone: p.time_zone,
    createdAt: p.created_at,
  };
}

/** Loads a project and checks the caller may act on it; a project the caller may not see is "not found". */
export async function authorizedProject(
  store: Store,
  request: FastifyRequest,
  projectId: string,
  permission: Permission,
): Promise<ProjectTable> {
  const project = await store.db
    .selectFrom("projects")
    .selectAll()
    .where("id", "=", projectId)
    .executeTakeFirst();
  return requireProject(request.principal, project, projectId, permission);
}

/**
 * The projects a caller sees, by name (GET /api/v1/projects and the views over several projects): those of its
 * organizations, or only its own for a key bound to a project; `organization` narrows to one of them.
 */
export async function visibleProjects(
  db: Kysely<Database>,
  principal: Principal,
  organization?: string,
): Promise<ProjectTable[]> {
  let orgs = visibleOrgs(principal);
  if (organization !== undefined) orgs = orgs.filter((o) => o === organization);
  if (orgs.length === 0) return [];
  let query = db.selectFrom("projects").selectAll().where("org_id", "in", orgs);
  if (principal.kind === "api-key" && principal.projectId !== null)
    query = query.where("id", "=", principal.projectId);
  return query.orderBy("name").execute();
}

export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

/** `start`/`end` from a query, both required unless defaults are given; end must be after start. */
export function timeRange(
  query: { start?: string | undefined; end?: string | undefined },
  defaults?: TimeRange,
  prefix = "",
): TimeRange {
  const startName = prefix === "" ? "start" : `${prefix}Start`;
  const endName = prefix === "" ? "end" : `${prefix}End`;
  if ((query.start === undefined || query.end === undefined) && defaults === undefined) {
    throw new ApiError("bad-request", `${startName} and ${endName} are required (epoch ms or ISO 8601)`, {
      field: query.start === undefined ? startName : endName,
    });
  }
  const start = query.start === undefined ? defaults!.start : parseTime(query.start, startName);
  const end = query.end === undefined ? defaults!.end : parseTime(query.end, endName);
  if (!(end > start))
    throw new ApiError("bad-request", `${endName} must be after ${startName}`, { field: endName });
  return { start, end };
}
