import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile, DatasetProfileView } from "@sightglass/profile";
import { ADMIN_KEY, BACKENDS, call, createProject, startTestServer } from "./support.js";
import type { TestServer } from "./support.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);

function profileAt(ts: number, values: number[], extra: Record<string, unknown[]> = {}): Uint8Array {
  return new DatasetProfile({ datasetTimestamp: ts })
    .track({ x: values, ...extra })
    .view()
    .serialize();
}

describe.each(BACKENDS)("ingestion on %s", (backend) => {
  let t: TestServer;
  let project: string;
  beforeAll(async () => {
    t = await startTestServer(backend, "ingest");
    project = await createProject(t.url, { id: "ingest-demo", name: "Ingest", frequency: "hour" });
  });
  afterAll(() => t?.close());

  it("stores an upload, merges it into its hour bucket and answers duplicates idempotently", async () => {
    const bytes = profileAt(T0 + 10 * 60_000, [1, 2, 3]);
    const first = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
      key: ADMIN_KEY,
      bytes,
      headers: { "idempotency-key": "k-1" },
    });
    expect(first.status).toBe(201);
    expect(first.body.upload.bucketStart).toBe(T0);
    expect(first.body.upload.rowCount).toBe(3);
    const again = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
      key: ADMIN_KEY,
      bytes,
      headers: { "idempotency-key": "k-1" },
    });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    expect(again.body.upload.id).toBe(first.body.upload.id);
    const other = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
      key: ADMIN_KEY,
      bytes: profileAt(T0, [9]),
      headers: { "idempotency-key": "k-1" },
    });
    expect(other.status).toBe(409);
    await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
      key: ADMIN_KEY,
      bytes: profileAt(T0 + 50 * 60_000, [4, 5]),
    });
    const merged = await call(
      t.url,
      "GET",
      `/api/v1/projects/${project}/profile?start=${T0}&end=${T0 + HOUR}`,
      { key: ADMIN_KEY },
    );
    expect(merged.status).toBe(200);
    const view = DatasetProfileView.deserialize(merged.body as Uint8Array);
    expect(view.column("x")!.toSummary()["counts/n"]).toBe(5);
    const series = await call(
      t.url,
      "GET",
      `/api/v1/projects/${project}/timeseries?start=${T0}&end=${T0 + HOUR}&metrics=counts/n,distribution/mean`,
      { key: ADMIN_KEY },
    );
    expect(series.status).toBe(200);
    expect(series.body.series).toEqual([
      { column: "x", metric: "counts/n", points: [{ t: T0, v: 5 }] },
      { column: "x", metric: "distribution/mean", points: [{ t: T0, v: 3 }] },
    ]);
  });

  it("finds columns by exact name with repeated column= (commas and surrounding spaces kept)", async () => {
    const ts = T0 + 5 * HOUR;
    const bytes = profileAt(ts, [1, 1], { "a,b": [2, 4], " padded ": [7, 7], other: [9, 9] });
    await call(t.url, "POST", `/api/v1/projects/${project}/profiles?wait=true`, { key: ADMIN_KEY, bytes });
    const res = await call(
      t.url,
      "GET",
      `/api/v1/projects/${project}/timeseries?start=${ts - 1}&end=${ts + HOUR}&column=${encodeURIComponent("a,b")}&column=${encodeURIComponent(" padded ")}&metrics=distribution/mean`,
      { key: ADMIN_KEY },
    );
    expect(res.status).toBe(200);
    const series = res.body.series as { column: string; points: { v: number }[] }[];
    expect(series.map((s) => s.column)).toEqual([" padded ", "a,b"]);
    expect(series.map((s) => s.points[0]!.v)).toEqual([7, 3]);
  });

  it("answers a malformed segment parameter with 400 naming it", async () => {
    const res = await call(
      t.url,
      "GET",
      `/api/v1/projects/${project}/timeseries?start=${T0}&end=${T0 + HOUR}&segment=a%3D%25E0%25A4`,
      { key: ADMIN_KEY },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("segment");
    const empty = await call(t.url, "GET", `/api/v1/projects/${project}/profile?start=0&end=1000`, {
      key: ADMIN_KEY,
    });
    expect(empty.status).toBe(404);
    expect(empty.body.error.message).toMatch(/buckets lists the buckets that have data/);
  });

  it("rejects malformed bytes with 400 and stores nothing", async () => {
    const before = await call(t.url, "GET", `/api/v1/projects/${project}/uploads`, { key: ADMIN_KEY });
    const good = profileAt(T0, [1, 2, 3]);
    for (const bytes of [new Uint8Array([1, 2, 3]), good.slice(0, good.length - 7), new Uint8Array(0)]) {
      const res = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
        key: ADMIN_KEY,
        bytes,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid-profile");
      expect(res.body.error.message).toMatch(/profile|body/);
    }
    const after = await call(t.url, "GET", `/api/v1/projects/${project}/uploads`, { key: ADMIN_KEY });
    expect(after.body.uploads.length).toBe(before.body.uploads.length);
  });

  it("merges late data into its past bucket and records a bucket-changed event", async () => {
    const late = await call(t.url, "POST", `/api/v1/projects/${project}/profiles?wait=true`, {
      key: ADMIN_KEY,
      bytes: profileAt(T0 + 5 * 60_000, [100]),
    });
    expect(late.status).toBe(201);
    expect(late.body.buckets).toEqual([{ segment: "", bucketStart: T0, version: 3, late: true }]);
    const events = await call(t.url, "GET", `/api/v1/projects/${project}/events`, { key: ADMIN_KEY });
    const history = await call(t.url, "GET", `/api/v1/projects/${project}/uploads?limit=1`, {
      key: ADMIN_KEY,
    });
    expect(history.body.uploads[0].id).toBe(late.body.upload.id);
    expect(history.body.uploads[0].mergedAt).toBeGreaterThanOrEqual(late.body.upload.receivedAt);
    expect(events.body.events.at(-1)).toMatchObject({
      kind: "bucket-changed",
      bucketStart: T0,
      version: 3,
      late: true,
    });
  });
});
