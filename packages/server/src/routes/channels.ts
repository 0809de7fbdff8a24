// Notification channels of an organization (webhook, Slack, PagerDuty, email), a test send, and each channel's
// delivery log. Channel settings hold secrets: responses carry them masked (alerts/channels.ts), and a masked
// value sent back on update keeps the stored secret, so a form can round-trip what it was given.
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app.js";
import { requireOrg } from "../auth/principal.js";
import type { ChannelKind, ChannelTable } from "../db/schema.js";
import { ApiError, notFound } from "../errors.js";
import type { ChannelConfig } from "../alerts/channels.js";
import { CHANNEL_KINDS, parseChannelConfig, redactChannelConfig } from "../alerts/channels.js";
import { ID_PATTERN, errorSchema } from "./common.js";

const TAGS = ["alerts"];

const orgParams = {
  type: "object",
  properties: { orgId: { type: "string", pattern: ID_PATTERN } },
  required: ["orgId"],
} as const;

const channelParams = {
  type: "object",
  properties: {
    orgId: { type: "string", pattern: ID_PATTERN },
    channelId: { type: "string", pattern: ID_PATTERN },
  },
  required: ["orgId", "channelId"],
} as const;

const configSchema = {
  type: "object",
  additionalProperties: true,
  description:
    "webhook: {url, secret (≥ 16 characters, HMAC-SHA256 key), headers?}; slack: {url}; " +
    "pagerduty: {routingKey, url?}; email: {to: [addresses], smtpUrl?, from?}. Secrets come back masked " +
    '("••••" + last characters); sending a masked value back keeps the stored secret.',
} as const;

const channelSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    organizationId: { type: "string" },
    name: { type: "string" },
    kind: { type: "string", enum: CHANNEL_KINDS },
    config: configSchema,
    createdAt: { type: "number" },
    updatedAt: { type: "number" },
  },
  required: ["id", "organizationId", "name", "kind", "config", "createdAt", "updatedAt"],
} as const;

const attemptSchema = {
  type: "object",
  properties: {
    attempt: { type: "integer" },
    at: { type: "number" },
    durationMs: { type: "number" },
    ok: { type: "boolean" },
    status: { type: ["integer", "null"], description: "HTTP status, or the SMTP reply code for email" },
    error: { type: ["string", "null"] },
  },
} as const;

const deliverySchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    kind: { type: "string", enum: ["anomaly", "resolved", "digest", "test"] },
    event: { type: "string" },
    projectId: { type: ["string", "null"] },
    anomalyIds: { type: "array", items: { type: "string" } },
    state: { type: "string", enum: ["pending", "sent", "failed"] },
    nextAttemptAt: { type: ["number", "null"], description: "When the next attempt is due (pending only)" },
    lastStatus: { type: ["integer", "null"] },
    lastError: { type: ["string", "null"] },
    createdAt: { type: "number" },
    sentAt: { type: ["number", "null"] },
    attempts: { type: "array", items: attemptSchema, description: "Every attempt, oldest first" },
  },
} as const;

const testResultSchema = {
  type: "object",
  properties: {
    ok: { type: "boolean" },
    status: { type: ["integer", "null"] },
    error: { type: ["string", "null"] },
    deliveryId: { type: "string" },
  },
  required: ["ok", "status", "error", "deliveryId"],
} as const;

function channelJson(row: ChannelTable) {
  return {
    id: row.id,
    organizationId: row.org_id,
    name: row.name,
    kind: row.kind,
    config: redactChannelConfig(row.kind, JSON.parse(row.config) as ChannelConfig),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The anomaly ids a delivery is about, read from its stored alert. */
function payloadFacts(payload: string): { event: string; anomalyIds: string[] } {
  try {
    const alert = JSON.parse(payload) as {
      event?: string;
      anomaly?: { id?: string };
      anomalies?: { id?: string }[];
    };
    const ids =
      alert.anomaly?.id !== undefined ? [alert.anomaly.id] : (alert.anomalies ?? []).map((a) => a.id);
    return { event: alert.event ?? "", anomalyIds: ids.filter((id): id is string => typeof id === "string") };
  } catch {
    return { event: "", anomalyIds: [] };
  }
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

export function registerChannelRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;

  async function channelOf(orgId: string, channelId: string): Promise<ChannelTable> {
    const row = await db
      .selectFrom("channels")
      .selectAll()
      .where("id", "=", channelId)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    if (row === undefined) throw notFound(`channel ${channelId}`);
    return row;
  }

  async function nameTaken(orgId: string, name: string, except?: string): Promise<void> {
    let query = db.selectFrom("channels").select("id").where("org_id", "=", orgId).where("name", "=", name);
    if (except !== undefined) query = query.where("id", "!=", except);
    if ((await query.executeTakeFirst()) !== undefined)
      throw new ApiError("conflict", `a channel named ${JSON.stringify(name)} already exists`, {
        field: "/name",
      });
  }

  app.get<{ Params: { orgId: string } }>(
    "/api/v1/organizations/:orgId/channels",
    {
      schema: {
        summary: "Notification channels of the organization (secrets masked)",
        tags: TAGS,
        params: orgParams,
        response: {
          200: { type: "object", properties: { channels: { type: "array", items: channelSchema } } },
        },
      },
    },
    async (request) => {
      requireOrg(request.principal, request.params.orgId, "read");
      const rows = await db
        .selectFrom("channels")
        .selectAll()
        .where("org_id", "=", request.params.orgId)
        .orderBy("name")
        .execute();
      return { channels: rows.map(channelJson) };
    },
  );

  app.post<{ Params: { orgId: string }; Body: { name: string; kind: ChannelKind; config: unknown } }>(
    "/api/v1/organizations/:orgId/channels",
    {
      schema: {
        summary: "Create a notification channel",
        tags: TAGS,
        params: orgParams,
        body: {
          type: "object",
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            kind: { type: "string", enum: CHANNEL_KINDS },
            config: configSchema,
          },
          required: ["name", "kind", "config"],
          additionalProperties: false,
        },
        response: { 201: channelSchema, 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { orgId } = request.params;
      requireOrg(request.principal, orgId, "admin");
      const name = request.body.name.trim();
      if (name === "") throw new ApiError("bad-request", "/name must not be blank", { field: "/name" });
      const config = parseChannelConfig(request.body.kind, request.body.config);
      await nameTaken(orgId, name);
      const now = Date.now();
      const row: ChannelTable = {
        id: `chn_${randomUUID().replace(/-/g, "").slice(0, 20)}`,
        org_id: orgId,
        name,
        kind: request.body.kind,
        config: JSON.stringify(config),
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto("channels").values(row).execute();
      } catch (e) {
        // Two creations racing past the check above: the unique index decides.
        if (isUniqueViolation(e))
          throw new ApiError("conflict", `a channel named ${JSON.stringify(name)} already exists`, {
            field: "/name",
          });
        throw e;
      }
      return reply.status(201).send(channelJson(row));
    },
  );

  app.get<{ Params: { orgId: string; channelId: string } }>(
    "/api/v1/organizations/:orgId/channels/:channelId",
    {
      schema: {
        summary: "One notification channel (secrets masked)",
        tags: TAGS,
        params: channelParams,
        response: { 200: channelSchema, 404: errorSchema },
      },
    },
    async (request) => {
      requireOrg(request.principal, request.params.orgId, "read");
      return channelJson(await channelOf(request.params.orgId, request.params.channelId));
    },
  );

  app.put<{
    Params: { orgId: string; channelId: string };
    Body: { name: string; kind?: ChannelKind; config: unknown };
  }>(
    "/api/v1/organizations/:orgId/channels/:channelId",
    {
      schema: {
        summary: "Replace a channel's name and settings (masked secrets keep their stored value)",
        tags: TAGS,
        params: channelParams,
        body: {
          type: "object",
          properties: {
            name: { type: "string", minLength: 1, maxLength: 200 },
            kind: { type: "string", enum: CHANNEL_KINDS, description: "Must be the channel's kind if given" },
            config: configSchema,
          },
          required: ["name", "config"],
          additionalProperties: false,
        },
        response: { 200: channelSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { orgId, channelId } = request.params;
      requireOrg(request.principal, orgId, "admin");
      const current = await channelOf(orgId, channelId);
      if (request.body.kind !== undefined && request.body.kind !== current.kind) {
        throw new ApiError(
          "bad-request",
          `/kind: a ${current.kind} channel cannot become ${request.body.kind}; create a new channel`,
          { field: "/kind" },
        );
      }
      const name = request.body.name.trim();
      if (name === "") throw new ApiError("bad-request", "/name must not be blank", { field: "/name" });
      const config = parseChannelConfig(
        current.kind,
        request.body.config,
        JSON.parse(current.config) as ChannelConfig,
      );
      await nameTaken(orgId, name, channelId);
      const row: ChannelTable = { ...current, name, config: JSON.stringify(config), updated_at: Date.now() };
      try {
        await db
          .updateTable("channels")
          .set({ name: row.name, config: row.config, updated_at: row.updated_at })
          .where("id", "=", channelId)
          .where("org_id", "=", orgId)
          .execute();
      } catch (e) {
        if (isUniqueViolation(e))
          throw new ApiError("conflict", `a channel named ${JSON.stringify(name)} already exists`, {
            field: "/name",
          });
        throw e;
      }
      return channelJson(row);
    },
  );

  app.delete<{ Params: { orgId: string; channelId: string } }>(
    "/api/v1/organizations/:orgId/channels/:channelId",
    {
      schema: {
        summary: "Delete a channel with its delivery log (monitors that name it skip it from then on)",
        tags: TAGS,
        params: channelParams,
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { orgId, channelId } = request.params;
      requireOrg(request.principal, orgId, "admin");
      const result = await db
        .deleteFrom("channels")
        .where("id", "=", channelId)
        .where("org_id", "=", orgId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw notFound(`channel ${channelId}`);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { orgId: string; channelId: string } }>(
    "/api/v1/organizations/:orgId/channels/:channelId/test",
    {
      schema: {
        summary: "Send a test message to the channel now; the answer says whether it was accepted",
        tags: TAGS,
        params: channelParams,
        response: { 200: testResultSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { orgId, channelId } = request.params;
      requireOrg(request.principal, orgId, "admin");
      const channel = await channelOf(orgId, channelId);
      return ctx.dispatcher.sendTest(channel, Date.now());
    },
  );

  app.get<{
    Params: { orgId: string; channelId: string };
    Querystring: { limit?: number; before?: string };
  }>(
    "/api/v1/organizations/:orgId/channels/:channelId/deliveries",
    {
      schema: {
        summary: "Deliveries to the channel, newest first, each with its attempts",
        tags: TAGS,
        params: channelParams,
        querystring: {
          type: "object",
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 200, default: 50 },
            before: {
              type: "string",
              pattern: ID_PATTERN,
              description: "A delivery id (the previous page's `next`): deliveries older than it",
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              deliveries: { type: "array", items: deliverySchema },
              next: { type: ["string", "null"], description: "`before` of the next page; null on the last" },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const { orgId, channelId } = request.params;
      requireOrg(request.principal, orgId, "read");
      await channelOf(orgId, channelId);
      const limit = request.query.limit ?? 50;
      let query = db
        .selectFrom("deliveries")
        .selectAll()
        .where("channel_id", "=", channelId)
        .where("org_id", "=", orgId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(limit + 1);
      if (request.query.before !== undefined) {
        const cursor = await db
          .selectFrom("deliveries")
          .select(["created_at", "id"])
          .where("id", "=", request.query.before)
          .where("channel_id", "=", channelId)
          .executeTakeFirst();
        if (cursor === undefined) throw notFound(`delivery ${request.query.before}`);
        // Keyset paging on (created_at, id): deliveries created in the same millisecond are neither skipped nor
        // repeated.
        query = query.where((eb) =>
          eb.or([
            eb("created_at", "<", cursor.created_at),
            eb.and([eb("created_at", "=", cursor.created_at), eb("id", "<", cursor.id)]),
          ]),
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const attempts =
        page.length === 0
          ? []
          : await db
              .selectFrom("delivery_attempts")
              .selectAll()
              .where(
                "delivery_id",
                "in",
                page.map((d) => d.id),
              )
              .orderBy("attempt")
              .execute();
      const byDelivery = new Map<string, typeof attempts>();
      for (const a of attempts) {
        const list = byDelivery.get(a.delivery_id) ?? [];
        list.push(a);
        byDelivery.set(a.delivery_id, list);
      }
      return {
        deliveries: page.map((d) => ({
          id: d.id,
          kind: d.kind,
          ...payloadFacts(d.payload),
          projectId: d.project_id,
          state: d.state,
          nextAttemptAt: d.state === "pending" ? d.next_attempt_at : null,
          lastStatus: d.last_status,
          lastError: d.last_error,
          createdAt: d.created_at,
          sentAt: d.sent_at,
          attempts: (byDelivery.get(d.id) ?? []).map((a) => ({
            attempt: a.attempt,
            at: a.at,
            durationMs: a.duration_ms,
            ok: a.ok === 1,
            status: a.status,
            error: a.error,
          })),
        })),
        next: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },
  );
}
