// Serves the web UI (the @sightglass/web build) on the API's port: its files, and index.html for every other
// page path so deep links work; API paths keep their JSON 404. The pages load only this origin's scripts
// (Content-Security-Policy), so data that slips into markup can never run as code.
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { ApiError } from "./errors.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Paths that belong to the API (and keep its JSON errors) rather than to the UI. */
const API_PREFIXES = ["/api/", "/v0/", "/v1/", "/metrics", "/healthz", "/readyz", "/openapi.json"];

// ECharts and React style attributes need inline styles; nothing needs inline or foreign scripts.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/** The web package's build directory, next to this package in the workspace (src/ and dist/ alike). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL("../../web/dist/", import.meta.url));
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "same-origin")
    .header("x-frame-options", "DENY");
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sightglass</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto">
<h1>The Sightglass web UI is not built</h1>
<p>The API is running. Build the UI with <code>npm run build</code> in the repository (or set
<code>webRoot</code> / <code>SIGHTGLASS_WEB_ROOT</code> to a built UI) and restart the server.</p>
</body></html>`;

export function registerWebRoutes(app: FastifyInstance, webRoot: string | undefined): void {
  const root = resolve(webRoot ?? defaultWebRoot());

  async function file(path: string): Promise<Buffer | undefined> {
    try {
      if (!(await stat(path)).isFile()) return undefined;
      return await readFile(path);
    } catch {
      return undefined;
    }
  }

  app.get("/*", { schema: { hide: true } }, async (request, reply) => {
    const path = decodeURIComponent(request.url.split("?")[0]!);
    if (API_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      throw new ApiError("not-found", `no route GET ${path}`);
    }
    // Resolved inside the root or not at all: "..", encoded or not, cannot leave it.
    const target = resolve(join(root, path));
    if (target !== root && !target.startsWith(root + sep)) throw new ApiError("not-found", `no file ${path}`);
    const asset = path === "/" ? undefined : await file(target);
    if (asset !== undefined) {
      const type = CONTENT_TYPES[extname(target)] ?? "application/octet-stream";
      // Vite names assets by content hash: they never change, so browsers may keep them forever.
      const cache = path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
      return securityHeaders(reply).header("content-type", type).header("cache-control", cache).send(asset);
    }
    // A missing file with an extension is a broken asset link, not a page.
    if (extname(path) !== "" && !path.endsWith(".html")) throw new ApiError("not-found", `no file ${path}`);
    const index = await file(join(root, "index.html"));
    securityHeaders(reply)
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-cache");
    if (index === undefined) return reply.status(503).send(NOT_BUILT);
    return reply.send(index);
  });
}
