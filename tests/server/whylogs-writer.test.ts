// pip whylogs' own WhyLabs writer, unmodified, pointed at Sightglass with WHYLABS_API_ENDPOINT: every upload
// flow it has (batch, reference, segmented, zipped, segmented reference, classification metrics in v0) lands,
// and what we serve back reads in Python whylogs.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ADMIN_KEY, BACKENDS, call, createProject, startTestServer } from "./support.js";
import type { TestServer } from "./support.js";

const run = promisify(execFile);
const TS = Date.UTC(2024, 4, 1, 10, 30);
const DAY_START = Date.UTC(2024, 4, 1);

async function python(script: string, args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await run(inject("pythonPath"), [join(import.meta.dirname, script), ...args], {
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return stdout;
}

describe.each(BACKENDS)("pip whylogs WhyLabsWriter against the server on %s", (backend) => {
  let t: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    t = await startTestServer(backend, "whylogs");
    await createProject(t.url, { id: "model-1", name: "whylogs model", frequency: "day" });
    const configDir = await mkdtemp(join(tmpdir(), "whylogs-config-"));
    env = {
      WHYLABS_API_ENDPOINT: t.url,
      // The form with the organization suffix, as WhyLabs hands out keys.
      WHYLABS_API_KEY: `${ADMIN_KEY}:default`,
      WHYLABS_DEFAULT_ORG_ID: "default",
      WHYLABS_DEFAULT_DATASET_ID: "model-1",
      WHYLOGS_CONFIG_PATH: configDir,
    };
  });
  afterAll(() => t?.close());

  it("uploads every kind of profile and the server merges them", async () => {
    const out = JSON.parse(
      await python(
        "whylogs_writer.py",
        ["batch", "reference", "segmented", "segmented-zip", "segmented-reference", "classification"],
        env,
      ),
    );
    for (const [name, result] of Object.entries(out)) expect(result, name).toMatchObject({ ok: true });
    const uploads = await call(t.url, "GET", "/api/v1/projects/model-1/uploads?limit=100", {
      key: ADMIN_KEY,
    });
    // batch 1 + reference 1 + segmented 2 + zip 2 + segmented reference 2 + classification 1
    expect(uploads.body.uploads).toHaveLength(9);
    expect(new Set(uploads.body.uploads.map((u: { source: string }) => u.source))).toEqual(
      new Set(["whylogs"]),
    );
    expect(uploads.body.uploads.filter((u: { format: string }) => u.format === "whylogs-v0")).toHaveLength(1);
    // Batch (4 rows) + two segmented uploads of the same 4 rows = 12 rows in the whole-dataset bucket.
    const summary = await call(
      t.url,
      "GET",
      `/api/v1/projects/model-1/profile?start=${DAY_START}&end=${DAY_START + 86_400_000}&format=summary`,
      { key: ADMIN_KEY },
    );
    expect(summary.status).toBe(200);
    expect(summary.body.columns.a["counts/n"]).toBe(12);
    const segmentX = await call(
      t.url,
      "GET",
      `/api/v1/projects/model-1/profile?start=${DAY_START}&end=${DAY_START + 86_400_000}&format=summary&segment=${encodeURIComponent("b=x")}`,
      { key: ADMIN_KEY },
    );
    expect(segmentX.body.columns.a["counts/n"]).toBe(4);
    const refs = await call(t.url, "GET", "/api/v1/projects/model-1/references", { key: ADMIN_KEY });
    expect(refs.body.references.map((r: { name: string }) => r.name)).toEqual(["ref-a", "ref-seg"]);
    const perf = await call(
      t.url,
      "GET",
      `/api/v1/projects/model-1/performance?start=${DAY_START}&end=${DAY_START + 86_400_000}`,
      { key: ADMIN_KEY },
    );
    expect(perf.body.buckets[0].realized.accuracy).toBeCloseTo(0.75, 12);
    expect(perf.status).toBe(200);
  });

  it("serves a merged range that Python whylogs reads back", async () => {
    const res = await call(
      t.url,
      "GET",
      `/api/v1/projects/model-1/profile?start=${DAY_START}&end=${DAY_START + 86_400_000}`,
      { key: ADMIN_KEY },
    );
    expect(res.status).toBe(200);
    const dir = await mkdtemp(join(tmpdir(), "sightglass-range-"));
    const file = join(dir, "range.bin");
    await writeFile(file, res.body as Uint8Array);
    const summary = JSON.parse(await python("read_profile.py", [file], env));
    expect(summary.a.n).toBe(12);
    // Means merge in whatever order uploads were batched; floating-point addition differs in the last bit.
    expect(summary.a.mean).toBeCloseTo(2.5, 12);
    expect(summary.c.n).toBe(12);
  });

  it("rejects a wrong key, a foreign organization and an unknown dataset the way whylogs reports errors", async () => {
    const wrongKey = await call(t.url, "POST", "/v1/log/async", {
      key: "abcdefghij.0123456789012345678901234",
      headers: { "x-whylabs-resource": "model-1" },
      body: { datasetTimestamp: TS },
    });
    expect(wrongKey.status).toBe(401);
    const foreign = await call(t.url, "POST", "/v0/organizations/other-org/log/async/model-1", {
      key: ADMIN_KEY,
      body: { datasetTimestamp: TS },
    });
    expect(foreign.status).toBe(404);
    const unknown = await call(t.url, "POST", "/v1/log/async", {
      key: ADMIN_KEY,
      headers: { "x-whylabs-resource": "model-404" },
      body: { datasetTimestamp: TS },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/create a project with this dataset id/);
  });
});
