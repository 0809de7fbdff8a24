// Operations: health and readiness, Prometheus metrics, the first-start setup link, sessions with CSRF,
// request size and rate limits, configuration sources, graceful shutdown.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile } from "@sightglass/profile";
import { ServerError, loadConfig } from "@sightglass/server";
import { ADMIN_KEY, BACKENDS, call, createProject, startTestServer } from "./support.js";
import type { TestServer } from "./support.js";

const T0 = Date.UTC(2024, 4, 1);

describe.each(BACKENDS)("operations on %s", (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend, "operations", { maxUploadBytes: 64 * 1024 });
  });
  afterAll(() => t?.close());

  it("answers /healthz and /readyz without credentials", async () => {
    expect((await call(t.url, "GET", "/healthz")).body).toEqual({ status: "ok" });
    const ready = await call(t.url, "GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", store: backend });
  });

  it("serves Prometheus metrics with freshness, volume and drift to a reader only", async () => {
    const project = await createProject(t.url, {
      id: `metrics-${backend}`,
      name: "Metrics",
      frequency: "hour",
    });
    for (const [hour, shift] of [
      [0, 0],
      [1, 50],
    ] as const) {
      const bytes = new DatasetProfile({ datasetTimestamp: T0 + hour * 3_600_000 })
        .track({ x: Array.from({ length: 500 }, (_, i) => (i % 100) + shift) })
        .view()
        .serialize();
      expect(
        (
          await call(t.url, "POST", `/api/v1/projects/${project}/profiles?wait=true`, {
            key: ADMIN_KEY,
            bytes,
          })
        ).status,
      ).toBe(201);
    }
    expect((await call(t.url, "GET", "/metrics")).status).toBe(401);
    const metrics = await call(t.url, "GET", "/metrics", { key: ADMIN_KEY });
    expect(metrics.status).toBe(200);
    const text = metrics.body as string;
    expect(text).toMatch(/sightglass_http_requests_total\{/);
    expect(text).toMatch(
      new RegExp(
        `sightglass_profile_uploads_total\\{project="${project}",format="whylogs-v1",outcome="stored"\\} 2`,
      ),
    );
    expect(text).toMatch(new RegExp(`sightglass_project_rows_last_bucket\\{project="${project}"\\} 500`));
    expect(text).toMatch(
      new RegExp(`sightglass_project_last_upload_age_seconds\\{project="${project}"\\} \\d`),
    );
    const drift = new RegExp(
      `sightglass_column_drift_score\\{project="${project}",column="x"\\} ([0-9.e-]+)`,
    ).exec(text);
    expect(Number(drift?.[1])).toBeGreaterThan(0.5);
  });

  it("refuses bodies over the size limit with 413 and stores nothing", async () => {
    const project = await createProject(t.url, { id: `limits-${backend}`, name: "Limits" });
    const big = new Uint8Array(128 * 1024);
    const res = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
      key: ADMIN_KEY,
      bytes: big,
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload-too-large");
    expect(res.body.error.message).toMatch(/limit for profiles/);
    // A JSON body meets the (smaller) JSON limit, and the message says which limit that was.
    const json = await call(t.url, "POST", "/api/v1/organizations/default/projects", {
      key: ADMIN_KEY,
      body: { name: "x", description: "y".repeat(1_100_000) },
    });
    expect(json.status).toBe(413);
    expect(json.body.error.message).toMatch(/limit for JSON bodies .*application\/octet-stream/);
    expect(
      (await call(t.url, "GET", `/api/v1/projects/${project}/uploads`, { key: ADMIN_KEY })).body.uploads,
    ).toEqual([]);
  });

  it("refuses to add an existing member again (a role change goes through PATCH and its last-admin check)", async () => {
    const path = "/api/v1/organizations/default/members";
    const added = await call(t.url, "POST", path, {
      key: ADMIN_KEY,
      body: { email: `twice-${backend}@example.com`, role: "member" },
    });
    expect(added.status).toBe(201);
    const again = await call(t.url, "POST", path, {
      key: ADMIN_KEY,
      body: { email: `Twice-${backend}@example.com`, role: "viewer" },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already a member \(member\); change the role with PATCH/);
    const admin = await call(t.url, "POST", path, {
      key: ADMIN_KEY,
      body: { email: "admin@localhost", role: "viewer" },
    });
    expect(admin.status).toBe(409);
    const members = (await call(t.url, "GET", path, { key: ADMIN_KEY })).body.members as {
      email: string;
      role: string;
    }[];
    expect(members.find((m) => m.email === "admin@localhost")?.role).toBe("admin");
    expect(members.find((m) => m.email === `twice-${backend}@example.com`)?.role).toBe("member");
  });

  it("explains schema violations with the offending field", async () => {
    const res = await call(t.url, "POST", "/api/v1/organizations/default/projects", {
      key: ADMIN_KEY,
      body: { name: "x", frequency: "fortnight" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/frequency/);
    const tz = await call(t.url, "POST", "/api/v1/organizations/default/projects", {
      key: ADMIN_KEY,
      body: { name: "x", timeZone: "Mars/Olympus" },
    });
    expect(tz.status).toBe(400);
    expect(tz.body.error.field).toBe("timeZone");
  });

  it("turns the first-start setup link into an admin password, a session and CSRF-protected changes", async () => {
    const setupUrl = t.server.setupUrl!;
    expect(setupUrl).toMatch(/\/setup\?token=[A-Za-z0-9]{40}$/);
    const token = new URL(setupUrl).searchParams.get("token")!;
    const short = await call(t.url, "POST", "/api/v1/auth/setup", { body: { token, password: "short" } });
    expect(short.status).toBe(400);
    const setup = await call(t.url, "POST", "/api/v1/auth/setup", {
      body: { token, password: "a long enough password" },
    });
    expect(setup.status).toBe(200);
    expect(setup.body.organizations).toEqual([
      { id: "default", name: "Default organization", role: "admin" },
    ]);
    const reused = await call(t.url, "POST", "/api/v1/auth/setup", {
      body: { token, password: "another long password" },
    });
    expect(reused.status).toBe(401);
    const wrong = await call(t.url, "POST", "/api/v1/auth/login", {
      body: { email: "admin@localhost", password: "wrong password!" },
    });
    expect(wrong.status).toBe(401);
    const login = await call(t.url, "POST", "/api/v1/auth/login", {
      body: { email: "admin@localhost", password: "a long enough password" },
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const session = cookie.split(";")[0]!;
    const me = await call(t.url, "GET", "/api/v1/auth/session", { headers: { cookie: session } });
    expect(me.body.user.email).toBe("admin@localhost");
    const body = { name: "Via session" };
    const noCsrf = await call(t.url, "POST", "/api/v1/organizations/default/projects", {
      headers: { cookie: session },
      body,
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe("csrf");
    const withCsrf = await call(t.url, "POST", "/api/v1/organizations/default/projects", {
      headers: { cookie: session, "x-csrf-token": login.body.csrfToken },
      body,
    });
    expect(withCsrf.status).toBe(201);
    const logout = await call(t.url, "POST", "/api/v1/auth/logout", {
      headers: { cookie: session, "x-csrf-token": login.body.csrfToken },
    });
    expect(logout.status).toBe(204);
    expect((await call(t.url, "GET", "/api/v1/auth/session", { headers: { cookie: session } })).status).toBe(
      401,
    );
    // The UI's first question when nobody is signed in: 204, not an error; a live session still answers it.
    const probe = await call(t.url, "GET", "/api/v1/auth/session?optional=true", {
      headers: { cookie: session },
    });
    expect(probe.status).toBe(204);
    const again = await call(t.url, "POST", "/api/v1/auth/login", {
      body: { email: "admin@localhost", password: "a long enough password" },
    });
    const live = again.headers.get("set-cookie")!.split(";")[0]!;
    const signedIn = await call(t.url, "GET", "/api/v1/auth/session?optional=true", {
      headers: { cookie: live },
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.email).toBe("admin@localhost");
  });
});

describe("rate limits and shutdown", () => {
  it("limits each key to its token bucket with 429 and Retry-After", async () => {
    const t = await startTestServer("sqlite", "ratelimit", { rateLimitPerSecond: 1, rateLimitBurst: 5 });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 8; i++) {
        const res = await call(t.url, "GET", "/api/v1/projects", { key: ADMIN_KEY });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get("retry-after");
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toContain(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });

  it("finishes in-flight requests on close and reports not ready while stopping", async () => {
    const t = await startTestServer("sqlite", "shutdown");
    const project = await createProject(t.url, { id: "shutdown", name: "Shutdown" });
    const bytes = new DatasetProfile({ datasetTimestamp: T0 })
      .track(
        Object.fromEntries(
          Array.from({ length: 200 }, (_, c) => [`c${c}`, Array.from({ length: 2000 }, (_, i) => i * c)]),
        ),
      )
      .view()
      .serialize();
    // A request whose headers and first bytes arrived before close() must still complete: send the body in
    // two parts around the close.
    const url = new URL(`${t.url}/api/v1/projects/${project}/profiles`);
    const response = new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            "x-api-key": ADMIN_KEY,
            "content-type": "application/octet-stream",
            "content-length": bytes.length,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(bytes.subarray(0, 100));
      setTimeout(() => {
        closing = t.server.close();
        readyWhileClosing = t.server.context.ready;
        req.end(bytes.subarray(100));
      }, 200);
    });
    let closing: Promise<void> = Promise.resolve();
    let readyWhileClosing = true;
    expect(await response).toBe(201);
    expect(readyWhileClosing).toBe(false);
    await closing;
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    await t.close();
  });
});

describe("configuration", () => {
  it("layers defaults < file < environment < flags and names the source of a bad value", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sightglass-config-"));
    const file = join(dir, "config.json");
    await writeFile(file, JSON.stringify({ port: 9000, maxUploadBytes: 2048, logLevel: "warn" }));
    const config = loadConfig({
      configFile: file,
      env: { SIGHTGLASS_PORT: "9100", SIGHTGLASS_DATABASE_URL: "postgres://db/x" },
      flags: { port: "9200" },
    });
    expect(config).toMatchObject({
      port: 9200,
      maxUploadBytes: 2048,
      logLevel: "warn",
      databaseUrl: "postgres://db/x",
      host: "127.0.0.1",
    });
    expect(() => loadConfig({ env: { SIGHTGLASS_PORT: "eighty" } })).toThrow(/SIGHTGLASS_PORT.*integer/);
    await writeFile(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ configFile: file })).toThrow(ServerError);
    expect(() => loadConfig({ configFile: file })).toThrow(/unknown setting "prot"/);
    expect(() => loadConfig({ flags: { publicUrl: "ftp://x" } })).toThrow(/--public-url/);
    await rm(dir, { recursive: true, force: true });
  });
});
