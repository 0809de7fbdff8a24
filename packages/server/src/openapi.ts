// The OpenAPI 3.1 document, generated from the JSON schemas the routes validate with, so it cannot drift from
// what the server accepts. `npm run openapi -w @sightglass/server` writes it to packages/server/openapi.json.
import type { RouteOptions } from "fastify";

type JsonSchema = Record<string, unknown>;

// The documentation keywords routes put beside their validation schemas (Fastify ignores them).
declare module "fastify" {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
    hide?: boolean;
    consumes?: readonly string[];
    produces?: readonly string[];
    security?: readonly unknown[];
    /** A request body the handler validates itself (for its own error messages), documented but not checked. */
    documentedBody?: { readonly schema: unknown; readonly contentTypes: readonly string[] };
  }
}

interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: readonly string[];
  hide?: boolean;
  params?: JsonSchema;
  querystring?: JsonSchema;
  headers?: JsonSchema;
  body?: JsonSchema;
  /** Content types of a raw body (profile bytes) instead of JSON. */
  consumes?: readonly string[];
  produces?: readonly string[];
  documentedBody?: { readonly schema: unknown; readonly contentTypes: readonly string[] };
  response?: Record<string, JsonSchema>;
  security?: readonly unknown[];
}

function parameters(schema: JsonSchema | undefined, where: "path" | "query" | "header") {
  const properties = (schema?.["properties"] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.["required"] ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    ...(typeof s["description"] === "string" ? { description: s["description"] } : {}),
    schema: s,
  }));
}

export function openApiDocument(routes: readonly RouteOptions[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  for (const route of sorted) {
    const schema = (route.schema ?? {}) as RouteSchema;
    if (schema.hide === true) continue;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== "HEAD");
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    for (const method of methods) {
      const operation: Record<string, unknown> = {
        ...(schema.summary !== undefined ? { summary: schema.summary } : {}),
        ...(schema.description !== undefined ? { description: schema.description } : {}),
        ...(schema.tags !== undefined ? { tags: schema.tags } : {}),
        operationId: `${method.toLowerCase()}${path.replace(/\{([^}]+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
        parameters: [
          ...parameters(schema.params, "path"),
          ...parameters(schema.querystring, "query"),
          ...parameters(schema.headers, "header"),
        ],
        responses: Object.fromEntries(
          Object.entries(schema.response ?? { 200: { description: "OK" } }).map(([status, s]) => [
            status,
            {
              description: typeof s["description"] === "string" ? s["description"] : "OK",
              content: { [schema.produces?.[0] ?? "application/json"]: { schema: s } },
            },
          ]),
        ),
        ...(schema.security !== undefined ? { security: schema.security } : {}),
      };
      if (schema.consumes !== undefined) {
        operation["requestBody"] = {
          required: true,
          content: Object.fromEntries(
            schema.consumes.map((c) => [c, { schema: { type: "string", format: "binary" } }]),
          ),
        };
      } else if (schema.documentedBody !== undefined) {
        const { schema: body, contentTypes } = schema.documentedBody;
        operation["requestBody"] = {
          required: true,
          content: Object.fromEntries(contentTypes.map((c) => [c, { schema: body }])),
        };
      } else if (schema.body !== undefined) {
        operation["requestBody"] = {
          required: true,
          content: { "application/json": { schema: schema.body } },
        };
      }
      (paths[path] ??= {})[method.toLowerCase()] = operation;
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Sightglass API",
      version: "1",
      description:
        "Profiles in, observability out. Authenticate with an API key (X-API-Key or Authorization: Bearer) or a session cookie plus X-CSRF-Token.",
    },
    components: {
      securitySchemes: {
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
        bearer: { type: "http", scheme: "bearer" },
        session: { type: "apiKey", in: "cookie", name: "sightglass_session" },
      },
    },
    security: [{ apiKey: [] }, { bearer: [] }, { session: [] }],
    paths,
  };
}
