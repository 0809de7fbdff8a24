// The scheduler driven with explicit clock values on a real store: a bucket is judged only once it closed plus
// the readiness delay; the clock judges buckets that received nothing (missing data), consecutive ones as one
// incident with one alert; a later normal bucket resolves it; late data is re-judged after the settle time and
// only within the backfill horizon; a dead process's lease expires and another process takes the job.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile } from "@sightglass/profile";
import {
  MonitorScheduler,
  bootstrap,
  createMonitor,
  ingestProfile,
  openStore,
  parseMonitorConfig,
} from "@sightglass/server";
import type { Store } from "@sightglass/server";
import { BACKENDS, storeFor } from "./support.js";

const HOUR = 3_600_000;
const MINUTE = 60_000;

describe.each(BACKENDS)("monitor scheduling on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const B0 = Math.floor(Date.now() / HOUR) * HOUR;
  const project = {
    id: "clocked",
    dataset_id: "clocked",
    org_id: "default",
    name: "Clocked",
    description: "",
    frequency: "hour" as const,
    time_zone: "UTC",
    created_at: B0,
  };
  const scheduler = () => new MonitorScheduler(store, { alerts: { publicUrl: "https://sg.example" } });

  async function upload(bucket: number, rows: number): Promise<void> {
    const bytes = new DatasetProfile({ datasetTimestamp: bucket + 10 * MINUTE })
      .track({ x: Array.from({ length: rows }, (_, i) => i % 7) })
      .view()
      .serialize();
    const result = await ingestProfile(store, { project, bytes, source: "api", now: bucket + 11 * MINUTE });
    await result.merged;
  }

  const runs = () =>
    store.db
      .selectFrom("monitor_runs")
      .select(["bucket_start", "reason", "status", "worker"])
      .where("project_id", "=", project.id)
      .orderBy("started_at")
      .execute();

  beforeAll(async () => {
    const s = await storeFor(backend, "monitor_scheduler");
    dispose = s.dispose;
    store = await openStore({
      databaseUrl: s.config.databaseUrl,
      dataDir: s.config.dataDir ?? "",
      poolSize: 4,
    });
    await bootstrap(store, {});
    await store.db.insertInto("projects").values(project).execute();
    await store.db
      .insertInto("monitor_settings")
      .values({
        project_id: project.id,
        readiness_delay_ms: 10 * MINUTE,
        backfill_horizon_ms: 6 * HOUR,
        settle_ms: 30_000,
        clock_cursor: null,
        updated_at: B0,
      })
      .execute();
    await store.db
      .insertInto("channels")
      .values({
        id: "hook",
        org_id: "default",
        name: "hook",
        kind: "webhook",
        config: JSON.stringify({ url: "http://127.0.0.1:9/", secret: "0123456789abcdef0123" }),
        created_at: B0,
        updated_at: B0,
      })
      .execute();
    await createMonitor(
      store.db,
      project.id,
      parseMonitorConfig({
        name: "Missing",
        analyzer: { type: "missing_data" },
        notify: { channels: ["hook"] },
      }),
      null,
      B0,
    );
  });
  afterAll(async () => {
    await store?.close();
    await dispose?.();
  });

  it("waits for the bucket to close plus the readiness delay", async () => {
    await upload(B0, 50);
    const s = scheduler();
    expect(await s.tick(B0 + 20 * MINUTE)).toMatchObject({ events: 1, runs: 0 });
    expect(await s.tick(B0 + HOUR + 9 * MINUTE)).toMatchObject({ runs: 0 });
    expect(await s.tick(B0 + HOUR + 10 * MINUTE)).toMatchObject({ runs: 1 });
    expect((await runs()).map((r) => [r.bucket_start, r.reason])).toEqual([[B0, "data"]]);
  });

  it("judges buckets that got nothing, as one incident with one alert, resolved by a normal bucket", async () => {
    const s = scheduler();
    // Two empty hours closed: the clock asks for both.
    expect(await s.tick(B0 + 3 * HOUR + 10 * MINUTE)).toMatchObject({ clocked: 2, runs: 2 });
    expect((await runs()).slice(1).map((r) => [r.bucket_start, r.reason])).toEqual([
      [B0 + HOUR, "clock"],
      [B0 + 2 * HOUR, "clock"],
    ]);
    const open = await store.db
      .selectFrom("anomalies")
      .selectAll()
      .where("project_id", "=", project.id)
      .execute();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      state: "open",
      first_bucket: B0 + HOUR,
      last_bucket: B0 + 2 * HOUR,
      bucket_count: 2,
    });
    expect(open[0]!.summary).toBe("no profile arrived for this bucket");
    const opened = await store.db.selectFrom("deliveries").select(["kind", "payload"]).execute();
    expect(opened.map((d) => d.kind)).toEqual(["anomaly"]);
    expect(JSON.parse(opened[0]!.payload).anomaly.url).toBe(
      `https://sg.example/projects/${project.id}/anomalies/${open[0]!.id}`,
    );

    await upload(B0 + 3 * HOUR, 40);
    // Read while the bucket is open, judged once closed, ready and settled.
    expect(await s.tick(B0 + 3 * HOUR + 30 * MINUTE)).toMatchObject({ events: 1, runs: 0 });
    expect(await s.tick(B0 + 4 * HOUR + 10 * MINUTE)).toMatchObject({ runs: 1 });
    const resolved = await store.db
      .selectFrom("anomalies")
      .selectAll()
      .where("id", "=", open[0]!.id)
      .executeTakeFirstOrThrow();
    expect(resolved).toMatchObject({ state: "resolved", resolution: "recovered", active_key: null });
    const kinds = (
      await store.db.selectFrom("deliveries").select("kind").orderBy("created_at").execute()
    ).map((d) => d.kind);
    expect(kinds).toEqual(["anomaly", "resolved"]);
  });

  it("re-judges late data after the settle time, within the backfill horizon only", async () => {
    const s = scheduler();
    const now = B0 + 5 * HOUR;
    await upload(B0 + 3 * HOUR, 5); // 2 hours ago: inside the 6-hour horizon
    expect(await s.tick(now)).toMatchObject({ events: 1, runs: 0 });
    expect(await s.tick(now + 29_000)).toMatchObject({ runs: 0 });
    expect(await s.tick(now + 30_000)).toMatchObject({ runs: 1 });
    expect((await runs()).at(-1)).toMatchObject({ bucket_start: B0 + 3 * HOUR, reason: "late-data" });
    await upload(B0, 5); // 7 hours before "now + 2 h": outside the horizon
    expect(await s.tick(now + 2 * HOUR)).toMatchObject({ events: 1 });
    await s.tick(now + 3 * HOUR);
    expect((await runs()).filter((r) => r.bucket_start === B0)).toHaveLength(1);
  });

  it("lets another process take a job whose lease a dead process left behind", async () => {
    const now = B0 + 9 * HOUR;
    // A process claimed the bucket and died: its lease runs for 5 minutes.
    await store.db
      .updateTable("monitor_jobs")
      .set({
        forced: 1,
        reason: "manual",
        run_after: now - MINUTE,
        locked_by: "dead-process",
        locked_until: now + 5 * MINUTE,
      })
      .where("project_id", "=", project.id)
      .where("bucket_start", "=", B0 + 3 * HOUR)
      .execute();
    const s = scheduler();
    expect(await s.runDue(now)).toBe(0);
    expect(await s.runDue(now + 5 * MINUTE + 1)).toBe(1);
    const last = (await runs()).at(-1)!;
    expect(last).toMatchObject({ bucket_start: B0 + 3 * HOUR, reason: "manual", status: "ok" });
    expect(last.worker).toBe(s.worker);
    expect(await s.runDue(now + 6 * MINUTE)).toBe(0);
  });
});
