// Monitors through the API on a real server: documents and their validation, scheduled evaluation of every
// bucket with values checked against exact computation, anomaly incidents, late data re-evaluating exactly the
// changed bucket, previews and re-runs that alert nobody.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile } from "@sightglass/profile";
import { rng } from "../../packages/analysis/test/support/samples.js";
import {
  ADMIN_KEY,
  BACKENDS,
  call,
  createProject,
  startTestServer,
  waitForMerges,
  waitForMonitors,
} from "./support.js";
import type { TestServer } from "./support.js";

const DAY = 86_400_000;
// Recent days: buckets older than the backfill horizon (30 days by default) are not evaluated automatically.
const T0 = Math.floor(Date.now() / DAY) * DAY - 15 * DAY;
const ROWS = 300;
const SHIFT_DAY = 8;
const NULL_DAY = 9;

/** A standard normal (Box–Muller) from a seeded generator. */
function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

interface DayRows {
  x: number[];
  y: (number | null)[];
  cat: string[];
}

function dayRows(day: number): DayRows {
  const next = rng(1000 + day);
  const rows: DayRows = { x: [], y: [], cat: [] };
  for (let i = 0; i < ROWS; i++) {
    rows.x.push(normal(next) + (day === SHIFT_DAY ? 1 : 0));
    rows.y.push(day === NULL_DAY && i % 3 === 0 ? null : normal(next));
    rows.cat.push(["a", "b", "c"][Math.floor(next() * 3)]!);
  }
  return rows;
}

function profileOf(day: number, rows: DayRows): Uint8Array {
  return new DatasetProfile({ datasetTimestamp: T0 + day * DAY + 3_600_000 })
    .track({ x: rows.x, y: rows.y, cat: rows.cat })
    .view()
    .serialize();
}

/** The two-sample KS distance of raw values. */
function exactKs(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

describe.each(BACKENDS)("monitors on %s", (backend) => {
  let t: TestServer;
  let project: string;
  const days = Array.from({ length: 10 }, (_, d) => dayRows(d));
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(t.url, method, `/api/v1/projects/${project}${path}`, { key: ADMIN_KEY, body, headers });

  beforeAll(async () => {
    t = await startTestServer(backend, "monitors", { monitorIntervalMs: 100 });
    project = await createProject(t.url, { id: "monitors-core", name: "Monitors", frequency: "day" });
    const settings = await api("PUT", "/monitor-settings", { readinessDelay: 0, settle: 0 });
    expect(settings.status).toBe(200);
  });
  afterAll(() => t?.close());

  it("gives a new project the default monitors", async () => {
    const res = await api("GET", "/monitors");
    expect(res.status).toBe(200);
    expect(res.body.monitors.map((m: { name: string }) => m.name)).toEqual([
      "Input drift",
      "Missing data",
      "Null ratio",
      "Type mismatch",
    ]);
    expect(res.body.monitors[0].config.baseline).toEqual({ type: "trailing", buckets: 7 });
  });

  it("answers a bad document with a pointer to each offending field, JSON or YAML", async () => {
    const bad = await api("POST", "/monitors", {
      name: "typo",
      analyzer: { type: "drift", method: "hellinger", treshold: 0.3 },
      baseline: { type: "trailing", buckets: 0 },
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.issues.map((i: { path: string }) => i.path);
    expect(paths).toContain("/analyzer/treshold");
    expect(paths).toContain("/baseline/buckets");
    expect(JSON.stringify(bad.body.error.issues)).toContain("threshold");
    const yaml = await call(t.url, "POST", `/api/v1/projects/${project}/monitors`, {
      key: ADMIN_KEY,
      bytes: new TextEncoder().encode(
        "name: x mean\nanalyzer:\n  type: fixed\n  metric: mean\n  upper: 0.5\ntargets: [x]\n",
      ),
      headers: { "content-type": "application/yaml" },
    });
    expect(yaml.status).toBe(201);
    expect(yaml.body.config.analyzer).toEqual({ type: "fixed", metric: "mean", lower: null, upper: 0.5 });
    const channel = await api("POST", "/monitors", {
      name: "nowhere",
      analyzer: { type: "missing_data" },
      notify: { channels: ["no-such-channel"] },
    });
    expect(channel.status).toBe(400);
    expect(channel.body.error.field).toBe("/notify/channels/0");
    const edited = await api("PUT", `/monitors/${yaml.body.id}`, {
      name: "x mean",
      analyzer: { type: "fixed", metric: "mean", upper: 0.5 },
      targets: ["x"],
      severity: "error",
    });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toBe(2);
    const versions = await api("GET", `/monitors/${yaml.body.id}/versions`);
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  it("evaluates every bucket once its data is in, with values that match exact computation", async () => {
    for (let d = 0; d < days.length; d++) {
      const res = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
        key: ADMIN_KEY,
        bytes: profileOf(d, days[d]!),
      });
      expect(res.status).toBe(201);
      // A stream: each day is in (and judged) before the next arrives.
      await waitForMerges(t.url, project);
      await waitForMonitors(t.url, project);
    }
    const all = await api("GET", "/evaluations?limit=5000");
    expect(all.status).toBe(200);
    const evaluations = all.body.evaluations as {
      monitorId: string;
      analyzer: string;
      column: string;
      bucketStart: number;
      metric: string;
      value: number | null;
      valueLower: number | null;
      valueUpper: number | null;
      anomaly: boolean;
      summary: string;
    }[];
    const monitors = (await api("GET", "/monitors")).body.monitors as { id: string; name: string }[];
    const idOf = (name: string) => monitors.find((m) => m.name === name)!.id;
    const of = (name: string, column: string, day: number) =>
      evaluations.filter(
        (e) => e.monitorId === idOf(name) && e.column === column && e.bucketStart === T0 + day * DAY,
      );

    // Every day judged exactly once for missing data (each day had its data when judged).
    for (let d = 0; d < days.length; d++) {
      const missing = of("Missing data", "", d);
      expect(missing).toHaveLength(1);
      expect(missing[0]!.anomaly).toBe(false);
      expect(missing[0]!.value).toBe(ROWS);
    }
    // Drift of x on the shifted day, against the 7 days before it: anomalous, and the sketch's KS distance is
    // within its stated bound of the KS distance of the raw values.
    const drift = of("Input drift", "x", SHIFT_DAY);
    expect(drift).toHaveLength(1);
    expect(drift[0]!.anomaly).toBe(true);
    const baselineX = days.slice(SHIFT_DAY - 7, SHIFT_DAY).flatMap((r) => r.x);
    const summary = await api(
      "GET",
      `/evaluations?monitor=${idOf("Input drift")}&column=x&start=${T0 + SHIFT_DAY * DAY}&end=${T0 + (SHIFT_DAY + 1) * DAY}`,
    );
    const stored = summary.body.evaluations[0];
    expect(stored.metric).toBe("ks");
    const ks = stored.details.statistic as number;
    const bound = stored.details.bound as number;
    expect(Math.abs(ks - exactKs(baselineX, days[SHIFT_DAY]!.x))).toBeLessThanOrEqual(bound + 1e-12);
    // Unshifted days: no drift anywhere (the correction keeps 3 columns × 9 days from raising false alarms),
    // except x the day after the shift, whose trailing week contains the shifted day.
    for (let d = 1; d < days.length; d++) {
      if (d === SHIFT_DAY) continue;
      for (const column of d === SHIFT_DAY + 1 ? ["y", "cat"] : ["x", "y", "cat"]) {
        const e = of("Input drift", column, d);
        expect(e).toHaveLength(1);
        expect(e[0]!.anomaly).toBe(false);
      }
    }
    // Day 0 has no trailing baseline yet.
    expect(of("Input drift", "x", 0)[0]!.summary).toMatch(
      /no baseline data .*judged once earlier buckets have data/,
    );
    // Nulls in y on the last day: the null-ratio check fires for y only; type mismatch never fires.
    expect(of("Null ratio", "y", NULL_DAY)[0]!.anomaly).toBe(true);
    expect(of("Null ratio", "y", NULL_DAY)[0]!.value).toBeCloseTo(100 / ROWS, 12);
    expect(of("Null ratio", "x", NULL_DAY)[0]!.anomaly).toBe(false);
    expect(evaluations.filter((e) => e.monitorId === idOf("Type mismatch") && e.anomaly)).toEqual([]);
    // The fixed threshold on the mean of x: exactly the shifted day, value = the exact mean.
    const fixed = evaluations.filter((e) => e.monitorId === idOf("x mean"));
    expect(fixed.filter((e) => e.anomaly).map((e) => e.bucketStart)).toEqual([T0 + SHIFT_DAY * DAY]);
    const mean = days[SHIFT_DAY]!.x.reduce((s, v) => s + v, 0) / ROWS;
    expect(of("x mean", "x", SHIFT_DAY)[0]!.value).toBeCloseTo(mean, 10);
  });

  it("keeps one incident per monitor, column and segment and resolves it when a later bucket is normal", async () => {
    const monitors = (await api("GET", "/monitors")).body.monitors as { id: string; name: string }[];
    const fixedId = monitors.find((m) => m.name === "x mean")!.id;
    const anomalies = (await api("GET", `/anomalies?monitor=${fixedId}`)).body.anomalies;
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({
      column: "x",
      state: "resolved",
      resolution: "recovered",
      firstBucket: T0 + SHIFT_DAY * DAY,
      lastBucket: T0 + SHIFT_DAY * DAY,
      bucketCount: 1,
      severity: "error",
    });
    const nullRatio = (await api("GET", "/anomalies?state=active")).body.anomalies.filter(
      (a: { column: string }) => a.column === "y",
    );
    expect(nullRatio).toHaveLength(1);
    // Active incidents are exported for Prometheus alerting and dashboards.
    const metrics = await call(t.url, "GET", "/metrics", { key: ADMIN_KEY });
    expect(metrics.body).toContain(
      `sightglass_project_open_anomalies{project="${project}",severity="warning"} 1`,
    );
    const ack = await api("POST", `/anomalies/${nullRatio[0].id}/acknowledge`);
    expect(ack.status).toBe(200);
    expect(ack.body.state).toBe("acknowledged");
    const resolved = await api("POST", `/anomalies/${nullRatio[0].id}/resolve`);
    expect(resolved.body).toMatchObject({ state: "resolved", resolution: "manual" });
    const again = await api("POST", `/anomalies/${nullRatio[0].id}/resolve`);
    expect(again.status).toBe(200);
    expect(again.body.resolvedAt).toBe(resolved.body.resolvedAt);
  });

  it("re-evaluates exactly the bucket late data changed", async () => {
    const before = (await api("GET", "/monitor-runs?limit=1000")).body.runs as { id: string }[];
    const late = dayRows(42);
    const res = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
      key: ADMIN_KEY,
      bytes: profileOf(3, late),
    });
    expect(res.status).toBe(201);
    await waitForMerges(t.url, project);
    await waitForMonitors(t.url, project);
    const runs = (await api("GET", "/monitor-runs?limit=1000")).body.runs as {
      id: string;
      bucketStart: number;
      reason: string;
    }[];
    const known = new Set(before.map((r) => r.id));
    const fresh = runs.filter((r) => !known.has(r.id));
    expect(fresh.map((r) => [r.bucketStart, r.reason])).toEqual([[T0 + 3 * DAY, "late-data"]]);
    const missing = await api("GET", `/evaluations?start=${T0 + 3 * DAY}&end=${T0 + 4 * DAY}&column=`);
    const rows = missing.body.evaluations.filter((e: { analyzer: string }) => e.analyzer === "missing_data");
    expect(rows.map((e: { value: number }) => e.value)).toEqual([ROWS, 2 * ROWS]);
  });

  it("previews a draft monitor over past data without storing or alerting", async () => {
    const count = async () => (await api("GET", "/evaluations?limit=5000")).body.evaluations.length;
    const stored = await count();
    const preview = await api("POST", "/monitors/preview", {
      monitor: {
        name: "draft",
        analyzer: { type: "stddev", metric: "mean", factor: 3, minBuckets: 3 },
        targets: ["x"],
      },
      start: T0,
      end: T0 + 10 * DAY,
    });
    expect(preview.status).toBe(200);
    expect(preview.body.buckets).toBe(10);
    const flagged = preview.body.evaluations
      .filter((e: { anomaly: boolean }) => e.anomaly)
      .map((e: { bucketStart: number }) => e.bucketStart);
    expect(flagged).toEqual([T0 + SHIFT_DAY * DAY]);
    // A count against a trailing week is held against the week's typical day (the mean of its buckets), not the
    // week's total: only day 3, which the late profile doubled, moved by more than 20 %.
    const counts = await api("POST", "/monitors/preview", {
      monitor: { name: "draft", analyzer: { type: "percent_change", metric: "row_count", percent: 20 } },
      start: T0,
      end: T0 + 10 * DAY,
    });
    expect(counts.status).toBe(200);
    const byDay = counts.body.evaluations.map((e: { baselineValue: number | null; anomaly: boolean }) => [
      e.baselineValue,
      e.anomaly,
    ]);
    expect(byDay[1]).toEqual([ROWS, false]);
    expect(byDay[3]).toEqual([ROWS, true]);
    expect(byDay[4]).toEqual([(3 * ROWS + 2 * ROWS) / 4, false]);
    expect(byDay.filter(([, anomaly]: [number, boolean]) => anomaly)).toHaveLength(1);
    expect(await count()).toBe(stored);
  });

  it("re-runs buckets on request, recording results but alerting nobody", async () => {
    const res = await api("POST", "/monitors/run", { start: T0, end: T0 + 2 * DAY });
    expect(res.status).toBe(202);
    expect(res.body.buckets).toBe(2);
    await waitForMonitors(t.url, project);
    const runs = (await api("GET", "/monitor-runs?limit=2")).body.runs;
    expect(runs.map((r: { reason: string }) => r.reason)).toEqual(["manual", "manual"]);
  });
});
