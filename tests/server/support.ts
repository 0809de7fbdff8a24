// A real server (HTTP on a loopback port) over a fresh store for each test file: SQLite in a temporary
// directory, or a new database on the test PostgreSQL. Suites run the same tests against both.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { DEFAULT_CONFIG, startServer } from "@sightglass/server";
import type { RunningServer, ServerConfig } from "@sightglass/server";
import { createDatabase, dropDatabase } from "../support/postgres-setup.js";

export type Backend = "sqlite" | "postgres";
export const BACKENDS: readonly Backend[] = ["sqlite", "postgres"];

/** The admin key seeded on the empty store (SIGHTGLASS_BOOTSTRAP_API_KEY). */
export const ADMIN_KEY = "sgTESTKEY1.0123456789abcdefghijABCDEFGHIJ";

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly backend: Backend;
  /** Database URL (postgres) or data directory (sqlite), to start more processes on the same store. */
  readonly storeConfig: Partial<ServerConfig>;
  close(): Promise<void>;
}

let counter = 0;

export async function storeFor(
  backend: Backend,
  name: string,
): Promise<{ config: Partial<ServerConfig>; dispose(): Promise<void> }> {
  if (backend === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "sightglass-test-"));
    return { config: { dataDir: dir }, dispose: () => rm(dir, { recursive: true, force: true }) };
  }
  const dbName = `sg_${name.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${process.pid}_${counter++}`.slice(
    0,
    63,
  );
  const url = await createDatabase(inject("postgresUrl"), dbName);
  return { config: { databaseUrl: url, dataDir: "" }, dispose: () => dropDatabase(url, dbName) };
}

export async function startTestServer(
  backend: Backend,
  name: string,
  overrides: Partial<ServerConfig> = {},
): Promise<TestServer> {
  const store = await storeFor(backend, name);
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    port: 0,
    logLevel: "silent",
    bootstrapApiKey: ADMIN_KEY,
    rateLimitPerSecond: 0,
    ...store.config,
    ...overrides,
  };
  const server = await startServer(config);
  return {
    server,
    url: server.url,
    backend,
    storeConfig: store.config,
    async close() {
      await server.close();
      await store.dispose();
    },
  };
}

export interface CallOptions {
  readonly key?: string | undefined;
  readonly body?: unknown;
  readonly bytes?: Uint8Array;
  readonly headers?: Record<string, string>;
}

export interface CallResult<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** One HTTP request; JSON bodies are parsed, binary ones returned as bytes. */
// Tests read many response shapes; `any` by default keeps them terse, and a wrong field fails the assertion.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers["x-api-key"] = options.key;
  let body: string | Uint8Array | undefined;
  if (options.bytes !== undefined) {
    headers["content-type"] ??= "application/octet-stream";
    body = options.bytes;
  } else if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const type = response.headers.get("content-type") ?? "";
  const parsed = type.includes("json")
    ? await response.json()
    : type.includes("octet-stream")
      ? new Uint8Array(await response.arrayBuffer())
      : await response.text();
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Creates a project in the default organization with the admin key. */
export async function createProject(base: string, body: Record<string, unknown>): Promise<string> {
  const res = await call(base, "POST", "/api/v1/organizations/default/projects", { key: ADMIN_KEY, body });
  if (res.status !== 201) throw new Error(`create project: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

/** Waits until every stored upload of the project is merged into its buckets (they are, moments after). */
export async function waitForMerges(
  base: string,
  project: string,
  key = ADMIN_KEY,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(base, "GET", `/api/v1/projects/${project}/buckets`, { key });
    const pending = (res.body.buckets as { pendingUploads: number }[]).reduce(
      (sum, b) => sum + b.pendingUploads,
      0,
    );
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} uploads still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until the project's monitors have caught up: every bucket-changed event read and no evaluation due or
 * running (set the project's settle and readiness delay to 0 first, or due runs lie in the future).
 */
export async function waitForMonitors(
  base: string,
  project: string,
  key = ADMIN_KEY,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(base, "GET", `/api/v1/projects/${project}/monitor-runs?limit=1`, { key });
    if (res.status !== 200) throw new Error(`monitor-runs: ${res.status} ${JSON.stringify(res.body)}`);
    const q = res.body.queue as { unreadEvents: number; waiting: number; running: number };
    if (q.unreadEvents === 0 && q.waiting === 0 && q.running === 0) return;
    if (Date.now() > deadline)
      throw new Error(`monitors still busy after ${timeoutMs} ms: ${JSON.stringify(q)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
