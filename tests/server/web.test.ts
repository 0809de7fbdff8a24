// The web UI served on the API's port: files with the right types and caching, index.html for every page path
// (deep links), the API's JSON 404 kept for API paths, no way out of the UI's directory, and security headers
// that stop data from ever running as script. Static serving does not depend on the store: SQLite only.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "./support.js";
import type { TestServer } from "./support.js";

const INDEX =
  "<!doctype html><html><body><div id=root></div><script src=/assets/app-1a2b.js></script></body></html>";
const SCRIPT = "console.log('ui');";

async function get(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { redirect: "manual" });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe("web UI serving", () => {
  let t: TestServer;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "sightglass-web-"));
    mkdirSync(join(root, "assets"));
    writeFileSync(join(root, "index.html"), INDEX);
    writeFileSync(join(root, "assets", "app-1a2b.js"), SCRIPT);
    writeFileSync(join(tmpdir(), "sightglass-web-secret.txt"), "outside");
    t = await startTestServer("sqlite", "web_serving", { webRoot: root });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves index.html at / and at every page path, uncached, with a restrictive CSP", async () => {
    for (const path of [
      "/",
      "/login",
      "/projects/p1/columns/%3Cscript%3E",
      "/orgs/default/settings/api-keys?x=1",
    ]) {
      const r = await get(`${t.url}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.text).toBe(INDEX);
      expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(r.headers.get("cache-control")).toBe("no-cache");
      const csp = r.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("serves hashed assets with their type, cached for good", async () => {
    const r = await get(`${t.url}/assets/app-1a2b.js`);
    expect(r.status).toBe(200);
    expect(r.text).toBe(SCRIPT);
    expect(r.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(r.headers.get("cache-control")).toContain("immutable");
  });

  it("answers 404 for a missing asset instead of the page", async () => {
    const r = await get(`${t.url}/assets/missing-0000.js`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).error.code).toBe("not-found");
  });

  it("keeps the API's JSON 404 for unknown API paths", async () => {
    for (const path of ["/api/v1/nothing", "/v0/nothing", "/api/v1/projects/x/unknown-thing"]) {
      const r = await get(`${t.url}${path}`);
      expect(r.status, path).toBe(404);
      expect(JSON.parse(r.text).error.code, path).toBe("not-found");
    }
  });

  it("never serves a file outside its directory", async () => {
    for (const path of [
      "/../sightglass-web-secret.txt",
      "/%2e%2e/sightglass-web-secret.txt",
      "/assets/%2e%2e%2f%2e%2e%2fsightglass-web-secret.txt",
      "/..%2fsightglass-web-secret.txt",
    ]) {
      const r = await get(`${t.url}${path}`);
      expect(r.text, path).not.toContain("outside");
    }
  });

  it("says how to build the UI when it is not built", async () => {
    const empty = mkdtempSync(join(tmpdir(), "sightglass-noweb-"));
    const bare = await startTestServer("sqlite", "web_unbuilt", { webRoot: empty });
    try {
      const r = await get(`${bare.url}/projects/x`);
      expect(r.status).toBe(503);
      expect(r.text).toContain("npm run build");
      const api = await get(`${bare.url}/healthz`);
      expect(api.status).toBe(200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
