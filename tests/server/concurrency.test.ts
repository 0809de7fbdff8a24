// Many uploaders merging into the same buckets at once, through real server processes (the compiled
// `sightglass serve`, as deployed): three processes on one PostgreSQL database, and one process on SQLite. Every
// profile counts exactly once — retries and racing deliveries of one Idempotency-Key included — so the merged
// buckets must equal what the client computes from the rows it sent: counts, means, minima, maxima, bucket
// versions, the upload history and the bucket-changed events.
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { DatasetProfile, DatasetProfileView, SegmentedProfile } from "@sightglass/profile";
import { createDatabase, dropDatabase } from "../support/postgres-setup.js";
import { startServe, stop } from "./processes.js";
import type { ServeProcess } from "./processes.js";
import { call, waitForMerges } from "./support.js";

const KEY = "sgCONCUR01.0123456789abcdefghijABCDEFGHIJ";
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);
const HOURS = 3;
const UPLOADERS = 20;
const ACTIONS_PER_UPLOADER = 25;
const REGIONS = ["ap", "eu", "us"];

// ---------------------------------------------------------------------------------------------- processes

type ServerProcess = ServeProcess;

/** Starts `sightglass serve --port 0` on the given store. */
function startServerProcess(storeArgs: string[], cwd: string): Promise<ServerProcess> {
  return startServe({
    storeArgs,
    cwd,
    env: {
      SIGHTGLASS_BOOTSTRAP_API_KEY: KEY,
      // The test measures correctness, not the per-key limiter: 20 uploaders must never be told to wait.
      SIGHTGLASS_RATE_LIMIT_PER_SECOND: "0",
    },
  });
}

const stopServerProcess = (child: ChildProcess) => stop(child, "SIGTERM");

// ------------------------------------------------------------------------------------------------- HTTP

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- many response shapes; a wrong field fails the test
type Json = any;

function api(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; bytes?: Uint8Array; idempotencyKey?: string } = {},
): Promise<{ status: number; body: Json }> {
  const headers =
    options.idempotencyKey === undefined ? undefined : { "idempotency-key": options.idempotencyKey };
  return call(base, method, path, { key: KEY, body: options.body, bytes: options.bytes, headers });
}

// ------------------------------------------------------------------------------------------------ workload

/** Deterministic inputs (mulberry32): a failure reproduces with the same profiles. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Stats {
  n: number;
  sum: number;
  min: number;
  max: number;
}

/** What one distinct upload adds to its buckets, computed from the rows sent. */
interface Planned {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly hour: number;
  /** "" for the whole dataset, else `region=<r>`. */
  readonly segment: string;
  readonly rows: number;
  readonly x: Stats;
  readonly k: Stats;
}

/**
 * How one upload is delivered. `plain`: once, no key. `keyed`: once with a key. `retry`: with a key, then again
 * (same bytes and key) to the next process after the answer. `race`: with a key to two processes at the same
 * moment. `race-same`: twice at the same moment to one process (one batch there), then a retry.
 */
type Delivery = "plain" | "keyed" | "retry" | "race" | "race-same";
const DELIVERIES: readonly Delivery[] = ["plain", "keyed", "retry", "race", "race-same"];

function stats(values: ArrayLike<number>): Stats {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { n: values.length, sum, min, max };
}

/** One action's uploads: an unsegmented profile, or each segment view of a profile segmented by region. */
function makeUploads(seed: number, hour: number, segmented: boolean): Planned[] {
  const next = random(seed);
  const rows = 10 + Math.floor(next() * 40);
  // Multiples of 1/8 and integers: exact in binary, so the client's sums are exact.
  const x = Float64Array.from({ length: rows }, () => Math.floor(next() * 8000) / 8 - 300);
  const k = Array.from({ length: rows }, () => Math.floor(next() * 1001) - 500);
  const region = Array.from({ length: rows }, () => REGIONS[Math.floor(next() * REGIONS.length)]!);
  const datasetTimestamp = T0 + hour * HOUR + Math.floor(next() * HOUR);
  const plan = (bytes: Uint8Array, segment: string, picked: number[]): Planned => ({
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    hour,
    segment,
    rows: picked.length,
    x: stats(picked.map((i) => x[i]!)),
    k: stats(picked.map((i) => k[i]!)),
  });
  const all = Array.from({ length: rows }, (_, i) => i);
  if (!segmented) {
    const view = new DatasetProfile({ datasetTimestamp }).track({ x, k, region }).view();
    return [plan(view.serialize(), "", all)];
  }
  const profile = new SegmentedProfile({ datasetTimestamp, segmentation: { columns: ["region"] } });
  profile.track({ x, k, region });
  return profile.views().map((view) => {
    const r = view.segment!.find((t) => t.key === "region")!.value;
    return plan(
      view.serialize(),
      `region=${r}`,
      all.filter((i) => region[i] === r),
    );
  });
}

interface Outcome {
  readonly planned: Planned;
  readonly delivery: Delivery;
  /** Every answer to every delivery of this upload. */
  readonly answers: { status: number; body: Json; to: string }[];
}

/**
 * `UPLOADERS` clients at once, each sending its actions one after another, round-robin over the processes, into
 * `HOURS` hourly buckets; every 4th action is a segmented profile (2-3 uploads), the deliveries cycle.
 */
async function runUploaders(urls: readonly string[], project: string): Promise<Outcome[]> {
  const path = `/api/v1/projects/${project}/profiles`;
  const post = async (to: string, planned: Planned, idempotencyKey?: string) => ({
    ...(await api(to, "POST", path, { bytes: planned.bytes, idempotencyKey })),
    to,
  });
  const uploader = async (u: number): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < ACTIONS_PER_UPLOADER; i++) {
      const hour = (u + i) % HOURS;
      const uploads = makeUploads(u * 1000 + i, hour, i % 4 === 1);
      for (const [j, planned] of uploads.entries()) {
        const delivery = DELIVERIES[(u + i + j) % DELIVERIES.length]!;
        const key = `u${u}-a${i}-v${j}`;
        const a = urls[(u + i) % urls.length]!;
        const b = urls[(u + i + 1) % urls.length]!;
        let answers: Outcome["answers"];
        switch (delivery) {
          case "plain":
            answers = [await post(a, planned)];
            break;
          case "keyed":
            answers = [await post(a, planned, key)];
            break;
          case "retry":
            answers = [await post(a, planned, key)];
            answers.push(await post(b, planned, key));
            break;
          case "race":
            answers = await Promise.all([post(a, planned, key), post(b, planned, key)]);
            break;
          case "race-same":
            answers = await Promise.all([post(a, planned, key), post(a, planned, key)]);
            answers.push(await post(b, planned, key));
            break;
        }
        outcomes.push({ planned, delivery, answers });
      }
    }
    return outcomes;
  };
  const all = await Promise.all(Array.from({ length: UPLOADERS }, (_, u) => uploader(u)));
  return all.flat();
}

// ------------------------------------------------------------------------------------------------ checks

async function allUploads(base: string, project: string): Promise<Json[]> {
  const out: Json[] = [];
  let before: string | null = null;
  do {
    const cursor: string = before === null ? "" : `&before=${before}`;
    const page = await api(base, "GET", `/api/v1/projects/${project}/uploads?limit=1000${cursor}`);
    expect(page.status).toBe(200);
    out.push(...page.body.uploads);
    before = page.body.next;
  } while (before !== null);
  return out;
}

async function allEvents(base: string, project: string): Promise<Json[]> {
  const out: Json[] = [];
  for (;;) {
    const after = out.length === 0 ? 0 : out[out.length - 1].id;
    const page = await api(base, "GET", `/api/v1/projects/${project}/events?limit=1000&after=${after}`);
    expect(page.status).toBe(200);
    if (page.body.events.length === 0) return out;
    out.push(...page.body.events);
  }
}

interface Expected {
  uploads: number;
  rows: number;
  x: Stats;
  k: Stats;
  ids: Set<string>;
}

function addStats(into: Stats, s: Stats): void {
  into.n += s.n;
  into.sum += s.sum;
  into.min = Math.min(into.min, s.min);
  into.max = Math.max(into.max, s.max);
}

const emptyStats = (): Stats => ({ n: 0, sum: 0, min: Infinity, max: -Infinity });
const segmentParam = (segment: string) => (segment === "" ? "" : `&segment=${encodeURIComponent(segment)}`);

/** Runs the uploaders against `urls` and checks that every bucket holds exactly the distinct uploads. */
async function checkConcurrentIngestion(
  urls: readonly string[],
  project: string,
  logs: () => string,
): Promise<void> {
  const outcomes = await runUploaders(urls, project);
  const base = urls[0]!;

  // Every delivery answered: one 201 per distinct upload, 200 duplicate=true (same upload id) for the others.
  const stored = new Map<string, Planned>();
  for (const o of outcomes) {
    const where = `${o.delivery} of a ${o.planned.segment || "whole-dataset"} upload (hour ${o.planned.hour})`;
    for (const a of o.answers)
      expect([200, 201], `${where} → ${a.to}: ${a.status} ${JSON.stringify(a.body)}\n${logs()}`).toContain(
        a.status,
      );
    const created = o.answers.filter((a) => a.status === 201);
    expect(created, `${where}: exactly one delivery stores it`).toHaveLength(1);
    const id: string = created[0]!.body.upload.id;
    for (const a of o.answers) {
      expect(a.body.upload.id, `${where}: every answer names the stored upload`).toBe(id);
      expect(a.body.duplicate).toBe(a.status === 200);
    }
    expect(stored.has(id), `upload id ${id} handed out twice`).toBe(false);
    stored.set(id, o.planned);
  }
  // The workload did what it says: every action stored, and retries and races made hundreds of duplicates.
  const deliveries = outcomes.reduce((sum, o) => sum + o.answers.length, 0);
  expect(stored.size).toBeGreaterThanOrEqual(UPLOADERS * ACTIONS_PER_UPLOADER);
  expect(deliveries).toBeGreaterThan(stored.size + UPLOADERS * 10);

  // Expected buckets, from the rows the client sent.
  const expected = new Map<string, Expected>();
  const bucketOf = (segment: string, hour: number) => {
    const id = `${segment}|${hour}`;
    let e = expected.get(id);
    if (e === undefined) {
      e = { uploads: 0, rows: 0, x: emptyStats(), k: emptyStats(), ids: new Set() };
      expected.set(id, e);
    }
    return e;
  };
  for (const [id, p] of stored) {
    // A segment view is merged into its segment and into the whole dataset.
    for (const segment of p.segment === "" ? [""] : ["", p.segment]) {
      const e = bucketOf(segment, p.hour);
      e.uploads++;
      e.rows += p.rows;
      addStats(e.x, p.x);
      addStats(e.k, p.k);
      e.ids.add(id);
    }
  }
  const segments = ["", ...REGIONS.map((r) => `region=${r}`)];
  // Every region received segmented uploads in every hour (the workload is deterministic): nothing is vacuous.
  expect(expected.size).toBe(segments.length * HOURS);

  // The upload history holds exactly the distinct uploads, with the bytes sent.
  const history = await allUploads(base, project);
  expect(history).toHaveLength(stored.size);
  for (const h of history) {
    const p = stored.get(h.id);
    expect(p, `upload ${h.id} in the history was never acknowledged as stored`).toBeDefined();
    expect(h.sha256).toBe(p!.sha256);
    expect(h.bucketStart).toBe(T0 + p!.hour * HOUR);
    expect(h.rowCount).toBe(p!.rows);
  }

  // Uploads are merged moments after they are stored; the checks below are about the merged buckets.
  await waitForMerges(base, project, KEY);
  for (const segment of segments) {
    // Bucket bookkeeping: one version per distinct upload merged into it.
    const buckets = await api(base, "GET", `/api/v1/projects/${project}/buckets?${segmentParam(segment)}`);
    expect(buckets.status).toBe(200);
    expect(buckets.body.buckets.map((b: Json) => b.start)).toEqual(
      Array.from({ length: HOURS }, (_, h) => T0 + h * HOUR),
    );
    for (const [h, b] of (buckets.body.buckets as Json[]).entries()) {
      const e = bucketOf(segment, h);
      expect({ segment, hour: h, uploads: b.uploads, version: b.version, rows: b.rows }).toEqual({
        segment,
        hour: h,
        uploads: e.uploads,
        version: e.uploads,
        rows: e.rows,
      });
    }

    for (let h = 0; h < HOURS; h++) {
      const e = bucketOf(segment, h);
      const range = `start=${T0 + h * HOUR}&end=${T0 + (h + 1) * HOUR}${segmentParam(segment)}`;
      const merged = await api(base, "GET", `/api/v1/projects/${project}/profile?${range}`);
      expect(merged.status).toBe(200);
      const view = DatasetProfileView.deserialize(merged.body as Uint8Array);
      const where = `${segment || "whole dataset"}, hour ${h}`;
      expect(view.column("region")!.toSummary()["counts/n"], where).toBe(e.rows);
      for (const [name, s] of [
        ["x", e.x],
        ["k", e.k],
      ] as const) {
        const summary = view.column(name)!.toSummary();
        expect(summary["counts/n"], `${where}: ${name} counts/n`).toBe(s.n);
        expect(summary["distribution/min"], `${where}: ${name} min`).toBe(s.min);
        expect(summary["distribution/max"], `${where}: ${name} max`).toBe(s.max);
        // The server combines means pairwise in arrival order, the client sums then divides: equal up to the
        // rounding of that order (a lost or doubled profile moves the mean by far more).
        const mean = s.sum / s.n;
        expect(
          Math.abs((summary["distribution/mean"] as number) - mean),
          `${where}: ${name} mean ${summary["distribution/mean"]} vs ${mean}`,
        ).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mean)));
      }
    }

    // The materialized metrics behind the time series agree with the merged profiles.
    const series = await api(
      base,
      "GET",
      `/api/v1/projects/${project}/timeseries?start=${T0}&end=${T0 + HOURS * HOUR}&columns=x&metrics=counts/n${segmentParam(segment)}`,
    );
    expect(series.status).toBe(200);
    expect(series.body.series).toEqual([
      {
        column: "x",
        metric: "counts/n",
        points: Array.from({ length: HOURS }, (_, h) => ({ t: T0 + h * HOUR, v: bucketOf(segment, h).x.n })),
      },
    ]);
  }

  // One bucket-changed event per merge: per bucket, versions 1 … uploads, each distinct upload exactly once.
  const events = (await allEvents(base, project)).filter((e) => e.kind === "bucket-changed");
  const byBucket = new Map<string, Json[]>();
  for (const e of events) {
    const segment = (e.segment as { key: string; value: string }[])
      .map((t) => `${t.key}=${t.value}`)
      .join("&");
    const id = `${segment}|${(e.bucketStart - T0) / HOUR}`;
    byBucket.set(id, [...(byBucket.get(id) ?? []), e]);
  }
  expect([...byBucket.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, e] of expected) {
    const list = byBucket.get(id)!;
    expect(
      list.map((ev) => ev.version).sort((a: number, b: number) => a - b),
      `${id}: versions`,
    ).toEqual(Array.from({ length: e.uploads }, (_, i) => i + 1));
    expect(new Set(list.map((ev) => ev.uploadId)), `${id}: uploads`).toEqual(e.ids);
  }
}

// -------------------------------------------------------------------------------------------------- suites

describe("3 server processes on one PostgreSQL, 20 concurrent uploaders into the same buckets", () => {
  const dbName = `sg_concurrency_${process.pid}`;
  let dbUrl: string | undefined;
  let workDir: string | undefined;
  const servers: ServerProcess[] = [];
  const logs = () => servers.map((s, i) => `--- server ${i} stderr ---\n${s.stderr()}`).join("\n");

  beforeAll(async () => {
    dbUrl = await createDatabase(inject("postgresUrl"), dbName);
    workDir = await mkdtemp(join(tmpdir(), "sightglass-concurrency-"));
    // Started together on the empty database: they race to migrate and to bootstrap it.
    const started = await Promise.allSettled(
      [0, 1, 2].map(() => startServerProcess(["--database-url", dbUrl!], workDir!)),
    );
    for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
    const failed = started.find((s) => s.status === "rejected");
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => stopServerProcess(s.child)));
    if (dbUrl !== undefined) await dropDatabase(dbUrl, dbName);
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it("bootstraps the store once although all three start at the same moment", async () => {
    // The winner prints its one-time setup link right after its "listening" line, possibly in a later chunk.
    const setupLinks = () => servers.filter((s) => s.stdout().includes("First start:")).length;
    await vi.waitFor(() => expect(setupLinks()).toBeGreaterThan(0), { timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(setupLinks(), servers.map((s) => s.stdout()).join("\n")).toBe(1);
    for (const s of servers) {
      const keys = await api(s.url, "GET", "/api/v1/organizations/default/api-keys");
      expect(keys.status, s.stderr()).toBe(200);
      expect(keys.body.keys.map((k: Json) => k.name)).toEqual(["bootstrap"]);
    }
    const members = await api(servers[1]!.url, "GET", "/api/v1/organizations/default/members");
    expect(members.body.members).toHaveLength(1);
  });

  it("merges every upload exactly once: counts, means, extremes, versions, history and events", async () => {
    const created = await api(servers[0]!.url, "POST", "/api/v1/organizations/default/projects", {
      body: { id: "concurrency", name: "Concurrency", frequency: "hour" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await checkConcurrentIngestion(
      servers.map((s) => s.url),
      created.body.id,
      logs,
    );
    for (const s of servers) expect(s.child.exitCode, s.stderr()).toBeNull();
  });
});

describe("1 server process on SQLite, 20 concurrent uploaders into the same buckets", () => {
  let workDir: string | undefined;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "sightglass-concurrency-"));
    server = await startServerProcess(["--data-dir", join(workDir, "data")], workDir);
  });

  afterAll(async () => {
    if (server !== undefined) await stopServerProcess(server.child);
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it("merges every upload exactly once: counts, means, extremes, versions, history and events", async () => {
    const created = await api(server!.url, "POST", "/api/v1/organizations/default/projects", {
      body: { id: "concurrency", name: "Concurrency", frequency: "hour" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await checkConcurrentIngestion([server!.url], created.body.id, () => server!.stderr());
    expect(server!.child.exitCode, server!.stderr()).toBeNull();
  });
});
