// Password login with cookie sessions for the UI, and the one-time setup link of new users.
import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../app.js";
import { SESSION_COOKIE, requireAuthenticated } from "../auth/principal.js";
import { decoyPasswordHash, hashPassword, sha256Hex, verifyPassword } from "../auth/secrets.js";
import { ApiError } from "../errors.js";
import { RateLimiter } from "../ops/rate-limit.js";
import { checkPassword, createSession } from "../store/accounts.js";
import { errorSchema } from "./common.js";

const sessionSchema = {
  type: "object",
  properties: {
    user: {
      type: "object",
      properties: { id: { type: "string" }, email: { type: "string" }, name: { type: "string" } },
    },
    csrfToken: { type: "string" },
    organizations: {
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "string" }, name: { type: "string" }, role: { type: "string" } },
      },
    },
  },
} as const;

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx.store;
  // Slows password guessing: 10 attempts a minute per address and per account, whatever the global limit.
  const attempts = new RateLimiter(10 / 60, 10);

  async function sessionBody(userId: string, csrfToken: string) {
    const user = await db
      .selectFrom("users")
      .select(["id", "email", "name"])
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    const organizations = await db
      .selectFrom("memberships")
      .innerJoin("organizations", "organizations.id", "memberships.org_id")
      .select(["organizations.id", "organizations.name", "memberships.role"])
      .where("memberships.user_id", "=", userId)
      .orderBy("organizations.name")
      .execute();
    return { user, csrfToken, organizations };
  }

  async function startSession(reply: FastifyReply, userId: string) {
    const ttl = ctx.config.sessionTtlHours * 3_600_000;
    const session = await createSession(ctx.store, userId, ttl);
    const cookie = [
      `${SESSION_COOKIE}=${session.token}`,
      "Path=/",
      "HttpOnly",
      "SameSite=Lax",
      `Max-Age=${Math.floor(ttl / 1000)}`,
      ...(ctx.config.secureCookies || ctx.config.publicUrl?.startsWith("https:") ? ["Secure"] : []),
    ].join("; ");
    void reply.header("set-cookie", cookie);
    return sessionBody(userId, session.csrfToken);
  }

  app.post<{ Body: { email: string; password: string } }>(
    "/api/v1/auth/login",
    {
      schema: {
        summary: "Sign in with email and password; sets the session cookie and returns the CSRF token",
        tags: ["auth"],
        security: [],
        body: {
          type: "object",
          properties: {
            email: { type: "string", minLength: 3, maxLength: 320 },
            password: { type: "string", minLength: 1, maxLength: 1024 },
          },
          required: ["email", "password"],
          additionalProperties: false,
        },
        response: { 200: sessionSchema, 401: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      attempts.take(`address ${request.ip}`);
      attempts.take(`account ${email}`);
      const user = await db
        .selectFrom("users")
        .select(["id", "password_hash", "disabled_at"])
        .where("email", "=", email)
        .executeTakeFirst();
      // Verify against a decoy when there is no usable hash, so timing does not reveal which accounts exist.
      const ok = await verifyPassword(
        user?.password_hash ?? (await decoyPasswordHash()),
        request.body.password,
      );
      if (user === undefined || user.password_hash === null || user.disabled_at !== null || !ok) {
        throw new ApiError("unauthenticated", "wrong email or password");
      }
      return startSession(reply, user.id);
    },
  );

  app.post(
    "/api/v1/auth/logout",
    {
      schema: {
        summary: "End the current session",
        tags: ["auth"],
        response: { 204: { description: "Signed out", type: "null" } },
      },
    },
    async (request, reply) => {
      const token = request.headers.cookie?.match(new RegExp(`${SESSION_COOKIE}=([^;]+)`))?.[1];
      if (token !== undefined)
        await db.deleteFrom("sessions").where("token_hash", "=", sha256Hex(token)).execute();
      void reply.header("set-cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: { optional?: boolean } }>(
    "/api/v1/auth/session",
    {
      schema: {
        summary: "The signed-in user, their organizations and the CSRF token for state-changing requests",
        tags: ["auth"],
        querystring: {
          type: "object",
          properties: {
            optional: {
              type: "boolean",
              description:
                "Answer 204 instead of 401 when nobody is signed in (the web UI's first question, which is not an error)",
            },
          },
        },
        response: {
          200: sessionSchema,
          204: { description: "Nobody is signed in", type: "null" },
          401: errorSchema,
        },
      },
    },
    async (request, reply) => {
      if (request.principal === undefined && request.query.optional === true) return reply.status(204).send();
      const principal = requireAuthenticated(request.principal);
      if (principal.kind !== "user")
        throw new ApiError("bad-request", "API keys have no session; this endpoint is for signed-in users");
      return sessionBody(principal.userId, principal.csrfToken);
    },
  );

  app.post<{ Body: { token: string; password: string; name?: string } }>(
    "/api/v1/auth/setup",
    {
      schema: {
        summary: "Use a one-time setup link: choose a password (first admin, invited members) and sign in",
        tags: ["auth"],
        security: [],
        body: {
          type: "object",
          properties: {
            token: { type: "string", minLength: 10, maxLength: 200 },
            password: { type: "string", minLength: 1, maxLength: 1024 },
            name: { type: "string", minLength: 1, maxLength: 200 },
          },
          required: ["token", "password"],
          additionalProperties: false,
        },
        response: { 200: sessionSchema, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request, reply) => {
      attempts.take(`address ${request.ip}`);
      checkPassword(request.body.password);
      const now = Date.now();
      const hash = await hashPassword(request.body.password);
      const userId = await db.transaction().execute(async (tx) => {
        // The token is consumed by an update that only matches an unused, unexpired token: used once, ever.
        const consumed = await tx
          .updateTable("setup_tokens")
          .set({ used_at: now })
          .where("token_hash", "=", sha256Hex(request.body.token))
          .where("used_at", "is", null)
          .where("expires_at", ">", now)
          .returning("user_id")
          .executeTakeFirst();
        if (consumed === undefined)
          throw new ApiError(
            "unauthenticated",
            "this setup link is invalid, expired or already used; ask an admin for a new one",
          );
        await tx
          .updateTable("users")
          .set({
            password_hash: hash,
            ...(request.body.name !== undefined ? { name: request.body.name } : {}),
          })
          .where("id", "=", consumed.user_id)
          .execute();
        return consumed.user_id;
      });
      return startSession(reply, userId);
    },
  );
}
