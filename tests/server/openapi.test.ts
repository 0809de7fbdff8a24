// The committed OpenAPI document is exactly what the routes generate, and every operation is documented.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startTestServer } from "./support.js";
import type { TestServer } from "./support.js";

describe("OpenAPI document", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("sqlite", "openapi");
  });
  afterAll(() => t?.close());

  it("is served at /openapi.json and equals packages/server/openapi.json (run npm run openapi -w @sightglass/server after changing a route)", async () => {
    const served = await call(t.url, "GET", "/openapi.json");
    expect(served.status).toBe(200);
    const committed = JSON.parse(
      await readFile(new URL("../../packages/server/openapi.json", import.meta.url), "utf8"),
    );
    expect(served.body).toEqual(committed);
  });

  it("documents every operation with a summary, unique operation id and typed parameters", async () => {
    const doc = (await call(t.url, "GET", "/openapi.json")).body as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            summary?: string;
            operationId: string;
            parameters: { name: string; in: string; schema: unknown }[];
          }
        >
      >;
    };
    expect(doc.openapi).toBe("3.1.0");
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
          expect(
            op.parameters.some((p) => p.in === "path" && `{${p.name}}` === name),
            `${method} ${path} ${name}`,
          ).toBe(true);
        }
      }
    }
    expect(ids.size).toBeGreaterThan(30);
  });
});
