// Organizations, their members (roles admin / member / viewer) and API keys.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app.js";
import { forgetApiKey, requireAuthenticated, requireOrg } from "../auth/principal.js";
import type { KeyScope, Role } from "../db/schema.js";
import { ApiError, notFound } from "../errors.js";
import {
  addMember,
  createApiKey,
  createOrganization,
  createSetupToken,
  createUser,
} from "../store/accounts.js";
import { ID_PATTERN, errorSchema } from "./common.js";

const orgParams = {
  type: "object",
  properties: { orgId: { type: "string", pattern: ID_PATTERN } },
  required: ["orgId"],
} as const;
const roleSchema = { type: "string", enum: ["admin", "member", "viewer"] } as const;
const keySchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    scopes: { type: "array", items: { type: "string" } },
    projectId: { type: ["string", "null"] },
    createdAt: { type: "number" },
    expiresAt: { type: ["number", "null"] },
    lastUsedAt: { type: ["number", "null"] },
    revokedAt: { type: ["number", "null"] },
  },
} as const;

export function registerOrgRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;

  async function adminCount(orgId: string): Promise<number> {
    const row = await db
      .selectFrom("memberships")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("org_id", "=", orgId)
      .where("role", "=", "admin")
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  app.get(
    "/api/v1/organizations",
    {
      schema: {
        summary: "Organizations the caller belongs to, with the caller's role",
        tags: ["organizations"],
        response: {
          200: {
            type: "object",
            properties: {
              organizations: {
                type: "array",
                items: {
                  type: "object",
                  properties: { id: { type: "string" }, name: { type: "string" }, role: { type: "string" } },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const principal = requireAuthenticated(request.principal);
      const ids = principal.kind === "user" ? [...principal.roles.keys()] : [principal.orgId];
      if (ids.length === 0) return { organizations: [] };
      const rows = await db
        .selectFrom("organizations")
        .select(["id", "name"])
        .where("id", "in", ids)
        .orderBy("name")
        .execute();
      return {
        organizations: rows.map((o) => ({
          ...o,
          role:
            principal.kind === "user"
              ? principal.roles.get(o.id)
              : principal.scopes.has("admin")
                ? "admin"
                : "viewer",
        })),
      };
    },
  );

  app.post<{ Body: { name: string; id?: string } }>(
    "/api/v1/organizations",
    {
      schema: {
        summary: "Create an organization; the signed-in user becomes its admin",
        tags: ["organizations"],
        body: {
          type: "object",
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            id: { type: "string", pattern: ID_PATTERN },
          },
          required: ["name"],
          additionalProperties: false,
        },
        response: {
          201: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } },
          403: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const principal = requireAuthenticated(request.principal);
      if (principal.kind !== "user")
        throw new ApiError("forbidden", "organizations are created by signed-in users, not API keys");
      const org = await createOrganization(ctx.store, request.body.name, request.body.id);
      await addMember(ctx.store, org.id, principal.userId, "admin");
      return reply.status(201).send(org);
    },
  );

  app.get<{ Params: { orgId: string } }>(
    "/api/v1/organizations/:orgId/members",
    {
      schema: {
        summary: "Members of an organization and their roles",
        tags: ["organizations"],
        params: orgParams,
      },
    },
    async (request) => {
      requireOrg(request.principal, request.params.orgId, "read");
      const rows = await db
        .selectFrom("memberships")
        .innerJoin("users", "users.id", "memberships.user_id")
        .select([
          "users.id",
          "users.email",
          "users.name",
          "memberships.role",
          "memberships.created_at",
          "users.password_hash",
        ])
        .where("memberships.org_id", "=", request.params.orgId)
        .orderBy("users.email")
        .execute();
      return {
        members: rows.map((r) => ({
          id: r.id,
          email: r.email,
          name: r.name,
          role: r.role,
          addedAt: r.created_at,
          pending: r.password_hash === null,
        })),
      };
    },
  );

  app.post<{
    Params: { orgId: string };
    Body: { email: string; role: Role; name?: string; password?: string };
  }>(
    "/api/v1/organizations/:orgId/members",
    {
      schema: {
        summary:
          "Add a member (creating the user if needed); without a password the response carries a one-time setup link",
        tags: ["organizations"],
        params: orgParams,
        body: {
          type: "object",
          properties: {
            email: { type: "string", pattern: "^[^@\\s]+@[^@\\s]+$", maxLength: 320 },
            role: roleSchema,
            name: { type: "string", minLength: 1, maxLength: 200 },
            password: { type: "string", minLength: 1, maxLength: 1024 },
          },
          required: ["email", "role"],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      requireOrg(request.principal, request.params.orgId, "admin");
      const email = request.body.email.trim().toLowerCase();
      const existing = await db
        .selectFrom("users")
        .select("id")
        .where("email", "=", email)
        .executeTakeFirst();
      if (existing !== undefined) {
        // Adding is not a role change: that path (PATCH) keeps an organization from losing its last admin.
        const member = await db
          .selectFrom("memberships")
          .select("role")
          .where("org_id", "=", request.params.orgId)
          .where("user_id", "=", existing.id)
          .executeTakeFirst();
        if (member !== undefined) {
          throw new ApiError(
            "conflict",
            `${email} is already a member (${member.role}); change the role with PATCH /api/v1/organizations/${request.params.orgId}/members/${existing.id}`,
          );
        }
      }
      const userId =
        existing?.id ??
        (await createUser(ctx.store, email, request.body.name ?? email, request.body.password));
      await addMember(ctx.store, request.params.orgId, userId, request.body.role);
      const setupPath =
        existing === undefined && request.body.password === undefined
          ? `/setup?token=${await createSetupToken(ctx.store, userId)}`
          : undefined;
      return reply.status(201).send({
        id: userId,
        email,
        role: request.body.role,
        ...(setupPath !== undefined ? { setupUrl: `${ctx.publicUrl(request)}${setupPath}` } : {}),
      });
    },
  );

  app.patch<{ Params: { orgId: string; userId: string }; Body: { role: Role } }>(
    "/api/v1/organizations/:orgId/members/:userId",
    {
      schema: {
        summary: "Change a member's role",
        tags: ["organizations"],
        params: {
          type: "object",
          properties: { orgId: { type: "string" }, userId: { type: "string" } },
          required: ["orgId", "userId"],
        },
        body: {
          type: "object",
          properties: { role: roleSchema },
          required: ["role"],
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { orgId, userId } = request.params;
      requireOrg(request.principal, orgId, "admin");
      const member = await db
        .selectFrom("memberships")
        .select("role")
        .where("org_id", "=", orgId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (member === undefined) throw notFound(`member ${userId}`);
      if (member.role === "admin" && request.body.role !== "admin" && (await adminCount(orgId)) <= 1) {
        throw new ApiError(
          "conflict",
          "an organization needs at least one admin; promote someone else first",
        );
      }
      await db
        .updateTable("memberships")
        .set({ role: request.body.role })
        .where("org_id", "=", orgId)
        .where("user_id", "=", userId)
        .execute();
      return { id: userId, role: request.body.role };
    },
  );

  app.delete<{ Params: { orgId: string; userId: string } }>(
    "/api/v1/organizations/:orgId/members/:userId",
    {
      schema: {
        summary: "Remove a member from the organization",
        tags: ["organizations"],
        params: {
          type: "object",
          properties: { orgId: { type: "string" }, userId: { type: "string" } },
          required: ["orgId", "userId"],
        },
      },
    },
    async (request, reply) => {
      const { orgId, userId } = request.params;
      requireOrg(request.principal, orgId, "admin");
      const member = await db
        .selectFrom("memberships")
        .select("role")
        .where("org_id", "=", orgId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (member === undefined) throw notFound(`member ${userId}`);
      if (member.role === "admin" && (await adminCount(orgId)) <= 1) {
        throw new ApiError("conflict", "cannot remove the last admin of an organization");
      }
      await db.deleteFrom("memberships").where("org_id", "=", orgId).where("user_id", "=", userId).execute();
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { orgId: string } }>(
    "/api/v1/organizations/:orgId/api-keys",
    {
      schema: {
        summary: "API keys of the organization (never their secrets)",
        tags: ["api keys"],
        params: orgParams,
        response: { 200: { type: "object", properties: { keys: { type: "array", items: keySchema } } } },
      },
    },
    async (request) => {
      requireOrg(request.principal, request.params.orgId, "admin");
      const rows = await db
        .selectFrom("api_keys")
        .selectAll()
        .where("org_id", "=", request.params.orgId)
        .orderBy("created_at", "desc")
        .execute();
      return {
        keys: rows.map((k) => ({
          id: k.id,
          name: k.name,
          scopes: k.scopes.split(","),
          projectId: k.project_id,
          createdAt: k.created_at,
          expiresAt: k.expires_at,
          lastUsedAt: k.last_used_at,
          revokedAt: k.revoked_at,
        })),
      };
    },
  );

  app.post<{
    Params: { orgId: string };
    Body: { name: string; scopes: KeyScope[]; projectId?: string; expiresAt?: number };
  }>(
    "/api/v1/organizations/:orgId/api-keys",
    {
      schema: {
        summary: "Create an API key; the key text is in this response only",
        tags: ["api keys"],
        params: orgParams,
        body: {
          type: "object",
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            scopes: {
              type: "array",
              items: { type: "string", enum: ["ingest", "read", "admin"] },
              minItems: 1,
              uniqueItems: true,
            },
            projectId: { type: "string", pattern: ID_PATTERN },
            expiresAt: { type: "integer", description: "Epoch milliseconds" },
          },
          required: ["name", "scopes"],
          additionalProperties: false,
        },
        response: {
          201: { type: "object", properties: { ...keySchema.properties, key: { type: "string" } } },
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const principal = requireOrg(request.principal, request.params.orgId, "admin");
      const { projectId, expiresAt } = request.body;
      if (projectId !== undefined) {
        const project = await db
          .selectFrom("projects")
          .select("org_id")
          .where("id", "=", projectId)
          .executeTakeFirst();
        if (project?.org_id !== request.params.orgId) throw notFound(`project ${projectId}`);
      }
      if (expiresAt !== undefined && expiresAt <= Date.now()) {
        throw new ApiError("bad-request", "expiresAt must be in the future", { field: "expiresAt" });
      }
      const created = await createApiKey(ctx.store, {
        orgId: request.params.orgId,
        name: request.body.name,
        scopes: request.body.scopes,
        projectId: projectId ?? null,
        expiresAt: expiresAt ?? null,
        createdBy: principal.kind === "user" ? principal.userId : principal.keyId,
      });
      return reply.status(201).send({
        id: created.id,
        key: created.key,
        name: request.body.name,
        scopes: [...request.body.scopes].sort(),
        projectId: projectId ?? null,
        createdAt: Date.now(),
        expiresAt: expiresAt ?? null,
        lastUsedAt: null,
        revokedAt: null,
      });
    },
  );

  app.delete<{ Params: { orgId: string; keyId: string } }>(
    "/api/v1/organizations/:orgId/api-keys/:keyId",
    {
      schema: {
        summary: "Revoke an API key (it stops working at once)",
        tags: ["api keys"],
        params: {
          type: "object",
          properties: { orgId: { type: "string" }, keyId: { type: "string" } },
          required: ["orgId", "keyId"],
        },
      },
    },
    async (request, reply) => {
      requireOrg(request.principal, request.params.orgId, "admin");
      const result = await db
        .updateTable("api_keys")
        .set({ revoked_at: Date.now() })
        .where("id", "=", request.params.keyId)
        .where("org_id", "=", request.params.orgId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw notFound(`active API key ${request.params.keyId}`);
      forgetApiKey(ctx.store, request.params.keyId);
      return reply.status(204).send();
    },
  );
}
