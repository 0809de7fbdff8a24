// The demo project: generated through the normal ingestion path, it must carry what it claims — hourly buckets
// for every region, the upstream change on its day, labels missing for the last days.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@sightglass/server";
import type { DemoFacts } from "@sightglass/server";
import { ADMIN_KEY, call, startTestServer, waitForMonitors } from "./support.js";
import type { TestServer } from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("demo project", () => {
  let t: TestServer;
  let facts: DemoFacts;
  beforeAll(async () => {
    t = await startTestServer("sqlite", "demo");
    facts = await seedDemo(t.server.store, { days: 8, end: Date.UTC(2024, 4, 9), rowsPerHour: 60 });
  });
  afterAll(() => t?.close());

  it("has every hour for the whole dataset and each region, all merged", async () => {
    const id = facts.projectId;
    const buckets = await call(t.url, "GET", `/api/v1/projects/${id}/buckets`, { key: ADMIN_KEY });
    expect(buckets.body.buckets).toHaveLength(8 * 24);
    // One upload per region present in the hour (quiet night hours may lack one), all merged.
    for (const b of buckets.body.buckets as { pendingUploads: number; uploads: number }[]) {
      expect(b.pendingUploads).toBe(0);
      expect(b.uploads).toBeGreaterThanOrEqual(1);
      expect(b.uploads).toBeLessThanOrEqual(4);
    }
    const segments = await call(t.url, "GET", `/api/v1/projects/${id}/segments`, { key: ADMIN_KEY });
    expect(segments.body.segments.map((s: { key: string }) => s.key)).toEqual([
      "region=east",
      "region=north",
      "region=south",
      "region=west",
    ]);
    // The first two weeks (here: the days before the change) as the reference "training", per region too.
    const references = await call(t.url, "GET", `/api/v1/projects/${id}/references`, { key: ADMIN_KEY });
    const training = (references.body.references as { name: string; segments?: unknown[] }[]).filter(
      (r) => r.name === facts.reference,
    );
    expect(training.length).toBeGreaterThan(0);
    const summary = await call(
      t.url,
      "GET",
      `/api/v1/projects/${id}/references/${facts.reference}/profile?format=summary`,
      { key: ADMIN_KEY },
    );
    expect(summary.status).toBe(200);
  });

  it("shows the injected upstream change in income on its day, and none in age", async () => {
    const id = facts.projectId;
    const before = `baselineStart=${facts.start}&baselineEnd=${facts.driftStart}`;
    const after = `start=${facts.driftStart}&end=${facts.driftStart + DAY}`;
    const drift = await call(t.url, "GET", `/api/v1/projects/${id}/drift?${after}&${before}`, {
      key: ADMIN_KEY,
    });
    expect(drift.status).toBe(200);
    const byColumn = new Map(
      drift.body.columns.map((c: { column: string; category: string }) => [c.column, c.category]),
    );
    expect(byColumn.get("income")).toBe("drift");
    expect(byColumn.get("channel")).toBe("drift");
    // Unchanged: not drift at the 5% level. ("possible_drift", p < 0.15, is what 15% of unchanged columns get.)
    expect(byColumn.get("age")).not.toBe("drift");
  });

  it("has labels until three days before its end and none after", async () => {
    const id = facts.projectId;
    const labelsUntil = facts.end - facts.labelDelayDays * DAY;
    const perf = await call(
      t.url,
      "GET",
      `/api/v1/projects/${id}/performance?start=${labelsUntil - 2 * HOUR}&end=${labelsUntil + 2 * HOUR}`,
      { key: ADMIN_KEY },
    );
    const realized = perf.body.buckets.map((b: { realized: unknown }) => b.realized !== null);
    expect(realized).toEqual([true, true, false, false]);
  });
});

describe("demo project monitors", () => {
  let t: TestServer;
  let facts: DemoFacts;
  beforeAll(async () => {
    t = await startTestServer("sqlite", "demo_monitors", { monitorIntervalMs: 50 });
    // Ending at today's midnight (UTC): recent enough to be monitored, and the same hours of the day every run;
    // the demo's own traffic (120 rows an hour on average).
    facts = await seedDemo(t.server.store, { days: 8, end: Math.floor(Date.now() / DAY) * DAY });
  }, 120_000);
  afterAll(() => t?.close());

  it("opens input-drift incidents for income and channel at the injected change, and for nothing else", async () => {
    const id = facts.projectId;
    await waitForMonitors(t.url, id, ADMIN_KEY, 120_000);
    const runs = await call(t.url, "GET", `/api/v1/projects/${id}/monitor-runs?limit=1000`, {
      key: ADMIN_KEY,
    });
    expect(runs.body.runs).toHaveLength(8 * 24);
    const monitors = (await call(t.url, "GET", `/api/v1/projects/${id}/monitors`, { key: ADMIN_KEY })).body
      .monitors as { id: string; name: string }[];
    const drift = monitors.find((m) => m.name === "Input drift")!.id;
    const incidents = (
      await call(t.url, "GET", `/api/v1/projects/${id}/anomalies?monitor=${drift}`, { key: ADMIN_KEY })
    ).body.anomalies as { column: string; firstBucket: number }[];
    const first = (column: string) =>
      Math.min(...incidents.filter((a) => a.column === column).map((a) => a.firstBucket));
    expect(first("income")).toBe(facts.driftStart);
    expect(first("channel")).toBe(facts.driftStart);
    expect(new Set(incidents.map((a) => a.column))).toEqual(new Set(["income", "channel"]));
    // Against the training data the change stays visible: channel's mix is one incident open from the change
    // to the last hour; income's shift (two thirds of a standard deviation) is clear in busy hours but not in
    // every quiet one (≈ 25 rows), so its incidents close and reopen — all after the change, none elsewhere.
    const fromTraining = monitors.find((m) => m.name === "Drift from training")!.id;
    const againstTraining = (
      await call(t.url, "GET", `/api/v1/projects/${id}/anomalies?monitor=${fromTraining}`, { key: ADMIN_KEY })
    ).body.anomalies as { column: string; firstBucket: number; lastBucket: number; state: string }[];
    expect(new Set(againstTraining.map((a) => a.column))).toEqual(new Set(["income", "channel"]));
    for (const a of againstTraining) expect(a.firstBucket, a.column).toBeGreaterThanOrEqual(facts.driftStart);
    const channelIncidents = againstTraining.filter((a) => a.column === "channel");
    expect(channelIncidents).toHaveLength(1);
    expect(channelIncidents[0]).toMatchObject({
      state: "open",
      firstBucket: facts.driftStart,
      lastBucket: facts.end - HOUR,
    });
    expect(Math.min(...againstTraining.filter((a) => a.column === "income").map((a) => a.firstBucket))).toBe(
      facts.driftStart,
    );
    const missing = monitors.find((m) => m.name === "Missing data")!.id;
    expect(
      (await call(t.url, "GET", `/api/v1/projects/${id}/anomalies?monitor=${missing}`, { key: ADMIN_KEY }))
        .body.anomalies,
    ).toEqual([]);
  }, 180_000);
});
