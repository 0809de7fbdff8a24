// The HTTP application: Fastify with JSON-schema validation on every route, one error shape, authentication
// before any handler, CSRF for cookie sessions, per-caller rate limits and request metrics.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import Fastify from "fastify";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import type { Principal } from "./auth/principal.js";
import { authenticate, credentialsOf } from "./auth/principal.js";
import type { ServerConfig } from "./config.js";
import type { Store } from "./db/connect.js";
import { ApiError } from "./errors.js";
import { ServerMetrics } from "./ops/metrics.js";
import { RateLimiter } from "./ops/rate-limit.js";
import { registerOps } from "./routes/ops.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerOrgRoutes } from "./routes/orgs.js";
import { registerProjectRoutes } from "./routes/projects.js";
import { registerIngestRoutes } from "./routes/ingest.js";
import { registerQueryRoutes } from "./routes/query.js";
import { registerOverviewRoutes } from "./routes/overview.js";
import { registerWhylogsRoutes } from "./routes/whylogs.js";
import { openApiDocument } from "./openapi.js";
import { AlertDispatcher } from "./alerts/dispatcher.js";
import { MonitorScheduler } from "./monitors/scheduler.js";
import { registerChannelRoutes } from "./routes/channels.js";
import { registerMonitorRoutes } from "./routes/monitors.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerWebRoutes } from "./web.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export interface AppContext {
  readonly store: Store;
  readonly config: ServerConfig;
  readonly metrics: ServerMetrics;
  /** The base URL clients reach this server at (for upload URLs and links). */
  publicUrl(request?: FastifyRequest): string;
  /** False while starting or shutting down: /readyz answers 503. */
  ready: boolean;
  /** Runs monitors (the server starts its loop unless monitorIntervalMs is 0; the API uses it for re-runs). */
  readonly scheduler: MonitorScheduler;
  /** Sends alerts (its loop runs with the scheduler's; "send test" uses it directly). */
  readonly dispatcher: AlertDispatcher;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const JSON_BODY_LIMIT = 1024 * 1024;
/** Content types of profile bodies (raw bytes, up to the configured maxUploadBytes). */
const PROFILE_TYPES: readonly string[] = [
  "application/octet-stream",
  "application/x-protobuf",
  "application/zip",
];
/** Signing in does not act on behalf of an existing session, so it needs no CSRF token. */
const CSRF_EXEMPT = new Set(["/api/v1/auth/login", "/api/v1/auth/setup"]);

export interface BuiltApp {
  readonly app: FastifyInstance;
  readonly context: AppContext;
}

export async function buildApp(
  store: Store,
  config: ServerConfig,
  metrics = new ServerMetrics(),
): Promise<BuiltApp> {
  const app = Fastify({
    logger:
      config.logLevel === "silent"
        ? false
        : {
            level: config.logLevel,
            serializers: {
              // Upload URLs carry their capability token in the path: logs show it redacted.
              req: (req: { method: string; url: string; ip?: string }) => ({
                method: req.method,
                url: req.url.replace(/\/v0\/uploads\/[A-Za-z0-9]+/, "/v0/uploads/<token>"),
                remoteAddress: req.ip,
              }),
            },
          },
    bodyLimit: JSON_BODY_LIMIT,
    // Generated request ids appear in every log line and error body, to match reports with logs.
    genReqId: () => `req_${Math.random().toString(36).slice(2, 12)}`,
    ajv: { customOptions: { coerceTypes: "array", removeAdditional: false, allErrors: false } },
  });
  const worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const context: AppContext = {
    store,
    config,
    metrics,
    ready: false,
    scheduler: new MonitorScheduler(store, {
      worker,
      alerts: { publicUrl: config.publicUrl },
      onError: (error, what) => app.log.error({ err: error }, what),
    }),
    dispatcher: new AlertDispatcher(store, {
      worker,
      smtpUrl: config.smtpUrl,
      publicUrl: config.publicUrl,
      onError: (error, what) => app.log.error({ err: error }, what),
    }),
    publicUrl(request) {
      if (config.publicUrl !== undefined) return config.publicUrl;
      const host = request?.headers.host ?? `${config.host}:${config.port}`;
      return `http://${host}`;
    },
  };
  const limiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });

  // Profile bytes arrive as raw bodies; the JSON parser stays for everything else.
  app.addContentTypeParser(
    [...PROFILE_TYPES],
    { parseAs: "buffer", bodyLimit: config.maxUploadBytes },
    (_req, body, done) => done(null, body),
  );

  app.decorateRequest("principal", undefined);
  app.addHook("onRequest", async (request) => {
    const path = request.url;
    if (
      !path.startsWith("/api/") &&
      !path.startsWith("/v0/") &&
      !path.startsWith("/v1/") &&
      !path.startsWith("/metrics")
    )
      return;
    request.principal = await authenticate(store, credentialsOf(request.headers));
    const caller =
      request.principal === undefined
        ? `address ${request.ip}`
        : request.principal.kind === "user"
          ? `user ${request.principal.userId}`
          : `key ${request.principal.keyId}`;
    limiter.take(caller);
    // Cookie sessions are ambient credentials: a state change must also carry the session's CSRF token.
    if (
      request.principal?.kind === "user" &&
      !SAFE_METHODS.has(request.method) &&
      !CSRF_EXEMPT.has(path.split("?")[0]!)
    ) {
      const sent = request.headers["x-csrf-token"];
      if (sent !== request.principal.csrfToken) {
        throw new ApiError(
          "csrf",
          "missing or wrong X-CSRF-Token header (read it from GET /api/v1/auth/session)",
        );
      }
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiError) {
      if (error.code === "rate-limited" && typeof error.details?.retryAfter === "number") {
        void reply.header("retry-after", String(error.details.retryAfter));
      }
      return reply.status(error.statusCode).send({
        error: { code: error.code, message: error.message, ...error.details, requestId: request.id },
      });
    }
    const e = error as {
      validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[];
      validationContext?: string;
      code?: string;
      statusCode?: number;
      message: string;
    };
    if (e.validation !== undefined) {
      const first = e.validation[0];
      const field = `${e.validationContext ?? "request"}${first?.instancePath.replace(/\//g, ".") ?? ""}`;
      const extra = first?.params?.["missingProperty"] ?? first?.params?.["additionalProperty"];
      return reply.status(400).send({
        error: {
          code: "bad-request",
          message: `${field}${extra !== undefined ? `.${String(extra)}` : ""} ${first?.message ?? "is invalid"}`,
          field,
          requestId: request.id,
        },
      });
    }
    if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return reply.status(413).send({
        error: {
          code: "payload-too-large",
          // Which limit applied depends on the body's type: say both, so a profile sent as JSON (or without a
          // content type) is not reported as breaking the profile limit it is far below.
          message: PROFILE_TYPES.includes((request.headers["content-type"] ?? "").split(";")[0]!.trim())
            ? `request body exceeds the limit for profiles (${config.maxUploadBytes} bytes)`
            : `request body exceeds the limit for JSON bodies (${JSON_BODY_LIMIT} bytes); send profiles as application/octet-stream (limit ${config.maxUploadBytes} bytes)`,
          requestId: request.id,
        },
      });
    }
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      return reply
        .status(e.statusCode)
        .send({ error: { code: "bad-request", message: e.message, requestId: request.id } });
    }
    request.log.error({ err: error }, "request failed");
    return reply.status(500).send({
      error: {
        code: "internal",
        message: `internal error (request ${request.id}); the server log has the details`,
        requestId: request.id,
      },
    });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({
      error: {
        code: "not-found",
        message: `no route ${request.method} ${request.url.split("?")[0]}`,
        requestId: request.id,
      },
    });
  });

  registerOps(app, context);
  registerAuthRoutes(app, context);
  registerOrgRoutes(app, context);
  registerProjectRoutes(app, context);
  registerIngestRoutes(app, context);
  registerQueryRoutes(app, context);
  registerOverviewRoutes(app, context);
  registerWhylogsRoutes(app, context);
  registerMonitorRoutes(app, context);
  registerChannelRoutes(app, context);
  registerHealthRoutes(app, context);
  app.get("/openapi.json", { schema: { hide: true } }, async () => openApiDocument(routes));
  registerWebRoutes(app, config.webRoot);
  await app.ready();
  return { app, context };
}
