// The views the web UI's overview pages read: project health (active anomalies, freshness, a volume sparkline
// summed to at most 60 points), the organization's anomaly feed (anomalies from real monitor runs, filters, a
// cursor that never splits one instant, nothing of another organization), and a metric compared across the
// values of a segment key against exact computation on the raw rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile, SegmentedProfile } from "@sightglass/profile";
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
import type { CallResult, TestServer } from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PASSWORD = "correct horse battery staple";
const ORG_B = "health-b";
const Z95 = 1.959963984540054;
const Z90 = 1.6448536269514722;

// Europe/Paris: local 2024-03-29 … 2024-03-31, the last one 23 hours long (summer time starts).
const PARIS_DAYS = [Date.UTC(2024, 2, 28, 23), Date.UTC(2024, 2, 29, 23), Date.UTC(2024, 2, 30, 23)];
const PARIS_ROWS = [10, 20, 30];
const PARIS_LAST_END = Date.UTC(2024, 2, 31, 22);

// The hourly project: rows in a few hours of the week before LAST_HOUR, one just outside that week.
const LAST_HOUR = Date.UTC(2024, 4, 8, 23);
const HOURLY: readonly (readonly [number, number])[] = [
  [0, 3],
  [1, 5],
  [2, 7],
  [5, 11],
  [50, 13],
  [166, 2],
  [167, 17],
  [168, 19],
].map(([back, rows]) => [LAST_HOUR - back! * HOUR, rows!] as const);

// The segmented classifier: two days in the compared range, a third after it.
const SEG_T0 = Date.UTC(2024, 5, 3);
const SEG_DAYS = 3;
const SEG_ROWS_PER_DAY = 600;
const REGIONS = ["east", "north", "south"] as const;

interface SegRow {
  readonly region: string;
  readonly x: number | null;
  readonly pred: number;
  readonly label: number | null;
  readonly score: number;
}

/** A day of a binary classifier: calibrated scores, labels missing on every 7th row, east's predictions half wrong. */
function segDay(day: number): SegRow[] {
  const next = rng(7000 + day);
  const rows: SegRow[] = [];
  for (let i = 0; i < SEG_ROWS_PER_DAY; i++) {
    const u = next();
    const region = u < 0.2 ? "east" : u < 0.7 ? "north" : "south";
    const score = next();
    const truth = next() < score ? 1 : 0;
    const guess = score >= 0.5 ? 1 : 0;
    const pred = region === "east" && next() < 0.5 ? 1 - guess : guess;
    const offset = region === "north" ? 1 : region === "south" ? -0.5 : 0;
    const x =
      i % (region === "south" ? 5 : 13) === 0 ? null : offset + Math.sqrt(-2 * Math.log(next() || 1e-12));
    rows.push({ region, x, pred, label: i % 7 === 0 ? null : truth, score });
  }
  return rows;
}

function segViews(day: number, rows: readonly SegRow[], performance: boolean): Uint8Array[] {
  const profile = new SegmentedProfile({
    datasetTimestamp: SEG_T0 + day * DAY + HOUR,
    segmentation: { columns: ["region"] },
    ...(performance
      ? {
          performance: {
            task: "classification",
            prediction: "pred",
            target: "label",
            scores: "score",
            positiveLabel: "1",
          },
        }
      : {}),
  });
  profile.track({
    region: rows.map((r) => r.region),
    x: rows.map((r) => r.x),
    pred: rows.map((r) => r.pred),
    label: rows.map((r) => r.label),
    score: rows.map((r) => r.score),
  });
  return profile.views().map((v) => v.serialize());
}

function rowsProfile(rows: number, timestamp: number): Uint8Array {
  return new DatasetProfile({ datasetTimestamp: timestamp })
    .track({ v: Array.from({ length: rows }, (_, i) => i) })
    .view()
    .serialize();
}

/** The Wilson score interval, written out. */
function wilson(successes: number, n: number, z: number): [number, number] {
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [center - half, center + half];
}

/** ROC AUC of raw scores, ties counting ½. */
function exactAuc(rows: readonly SegRow[]): number {
  const pos = rows.filter((r) => r.label === 1).map((r) => r.score);
  const neg = rows.filter((r) => r.label === 0).map((r) => r.score);
  let area = 0;
  for (const p of pos) for (const n of neg) area += p > n ? 1 : p === n ? 0.5 : 0;
  return area / (pos.length * neg.length);
}

// Answers have many shapes; `any` keeps reading them terse (as support.ts's `call`), a wrong field fails.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = CallResult<any>;

function ok(res: Answer, what: string): Answer {
  if (res.status < 200 || res.status > 299)
    throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

interface FeedAnomaly {
  id: string;
  projectId: string;
  projectName: string;
  monitorId: string;
  monitorName: string;
  analyzer: string;
  column: string | null;
  segment: string;
  severity: string;
  state: string;
  firstBucket: number;
  lastBucket: number;
  windowEnd: number;
  value: number | null;
  summary: string;
  openedAt: number;
  resolvedAt: number | null;
}

describe.each(BACKENDS)("project health, anomaly feed and segment comparison on %s", (backend) => {
  let t: TestServer;
  let keyB: string;
  let boundKey: string;
  let ingestKey: string;
  let founder: Record<string, string>;
  const monitorIds = new Map<string, string>();
  const segDays = Array.from({ length: SEG_DAYS }, (_, d) => segDay(d));
  const inRange = segDays.slice(0, 2).flat();
  const range = `start=${SEG_T0}&end=${SEG_T0 + 2 * DAY}`;

  const get = (path: string, key: string = ADMIN_KEY) => call(t.url, "GET", path, { key });
  const upload = async (project: string, bytes: Uint8Array, key = ADMIN_KEY) =>
    ok(
      await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, { key, bytes }),
      `upload ${project}`,
    );
  const monitor = async (project: string, body: unknown, key = ADMIN_KEY) =>
    ok(await call(t.url, "POST", `/api/v1/projects/${project}/monitors`, { key, body }), "monitor").body;
  /** Monitors only the test's own, so every anomaly is one the test expects. */
  const dropDefaultMonitors = async (project: string, key = ADMIN_KEY) => {
    for (const m of (await get(`/api/v1/projects/${project}/monitors`, key)).body.monitors)
      ok(await call(t.url, "DELETE", `/api/v1/projects/${project}/monitors/${m.id}`, { key }), "delete");
  };
  const runMonitors = async (project: string, start: number, end: number, key = ADMIN_KEY) => {
    ok(
      await call(t.url, "POST", `/api/v1/projects/${project}/monitors/run`, { key, body: { start, end } }),
      "run",
    );
    await waitForMonitors(t.url, project, key);
  };
  const feed = async (query = "", key = ADMIN_KEY, org = "default") => {
    const res = ok(await get(`/api/v1/organizations/${org}/anomalies${query}`, key), `feed ${query}`);
    return res.body.anomalies as FeedAnomaly[];
  };
  const health = async (query = "", key?: string, headers?: Record<string, string>) => {
    const res = await call(t.url, "GET", `/api/v1/project-health${query}`, {
      ...(headers === undefined ? { key: key ?? ADMIN_KEY } : { headers }),
    });
    return ok(res, `health ${query}`).body.projects as {
      projectId: string;
      openAnomalies: number;
      bySeverity: Record<string, number>;
      lastUploadAt: number | null;
      lastBucketStart: number | null;
      volume: { t: number; rows: number }[];
    }[];
  };

  beforeAll(async () => {
    t = await startTestServer(backend, "health", { monitorIntervalMs: 100 });

    // Paris: three daily buckets, three monitors that trip; "Any rows" and "Some rows" open in the same run.
    await createProject(t.url, {
      id: "paris",
      name: "Health Paris",
      frequency: "day",
      timeZone: "Europe/Paris",
    });
    await dropDefaultMonitors("paris");
    for (const [name, upper, severity] of [
      ["Any rows", 0, "critical"],
      ["Many rows", 25, "warning"],
      ["Some rows", 5, "info"],
    ] as const) {
      const m = await monitor("paris", {
        name,
        severity,
        analyzer: { type: "fixed", metric: "row_count", upper },
      });
      monitorIds.set(name, m.id);
    }
    for (let d = 0; d < PARIS_DAYS.length; d++)
      await upload("paris", rowsProfile(PARIS_ROWS[d]!, PARIS_DAYS[d]! + 12 * HOUR));
    await waitForMerges(t.url, "paris");
    await runMonitors("paris", PARIS_DAYS[0]!, PARIS_LAST_END);

    await createProject(t.url, { id: "hourly", name: "Health hourly", frequency: "hour" });
    for (const [start, rows] of HOURLY) await upload("hourly", rowsProfile(rows, start + 60_000));
    await waitForMerges(t.url, "hourly");
    await createProject(t.url, { id: "empty", name: "Health empty", frequency: "day" });

    await createProject(t.url, { id: "classifier", name: "Health classifier", frequency: "day" });
    for (let d = 0; d < SEG_DAYS; d++)
      for (const bytes of segViews(d, segDays[d]!, true)) await upload("classifier", bytes);
    await waitForMerges(t.url, "classifier");
    await createProject(t.url, { id: "plain", name: "Health plain", frequency: "day" });
    for (const bytes of segViews(0, segDays[0]!, false)) await upload("plain", bytes);
    await waitForMerges(t.url, "plain");

    // Another organization, founded by a viewer of the default one, with an anomaly of its own.
    ok(
      await call(t.url, "POST", "/api/v1/organizations/default/members", {
        key: ADMIN_KEY,
        body: { email: "founder@health.example", role: "viewer", password: PASSWORD },
      }),
      "member",
    );
    const login = ok(
      await call(t.url, "POST", "/api/v1/auth/login", {
        body: { email: "founder@health.example", password: PASSWORD },
      }),
      "login",
    );
    const token = /sightglass_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
    founder = { cookie: `sightglass_session=${token}`, "x-csrf-token": login.body.csrfToken };
    ok(
      await call(t.url, "POST", "/api/v1/organizations", {
        headers: founder,
        body: { name: "Health B", id: ORG_B },
      }),
      "organization",
    );
    keyB = ok(
      await call(t.url, "POST", `/api/v1/organizations/${ORG_B}/api-keys`, {
        headers: founder,
        body: { name: "b admin", scopes: ["admin"] },
      }),
      "key",
    ).body.key;
    ok(
      await call(t.url, "POST", `/api/v1/organizations/${ORG_B}/projects`, {
        key: keyB,
        body: { id: "b-model", name: "B model" },
      }),
      "project B",
    );
    await dropDefaultMonitors("b-model", keyB);
    await monitor(
      "b-model",
      { name: "B rows", analyzer: { type: "fixed", metric: "row_count", upper: 0 } },
      keyB,
    );
    await upload("b-model", rowsProfile(4, PARIS_DAYS[0]! + HOUR), keyB);
    await waitForMerges(t.url, "b-model", keyB);
    await runMonitors("b-model", PARIS_DAYS[0]!, PARIS_DAYS[0]! + DAY, keyB);

    for (const [name, scopes, projectId] of [
      ["bound", ["read"], "paris"],
      ["ingest", ["ingest"], undefined],
    ] as const) {
      const created = ok(
        await call(t.url, "POST", "/api/v1/organizations/default/api-keys", {
          key: ADMIN_KEY,
          body: { name, scopes, ...(projectId !== undefined ? { projectId } : {}) },
        }),
        name,
      ).body.key as string;
      if (name === "bound") boundKey = created;
      else ingestKey = created;
    }
  }, 180_000);
  afterAll(() => t?.close());

  describe("GET /api/v1/project-health", () => {
    it("counts active anomalies by severity, after acknowledging one and resolving another", async () => {
      const paris = await feed("?project=paris");
      const byMonitor = (name: string) => paris.find((a) => a.monitorId === monitorIds.get(name))!;
      ok(
        await call(
          t.url,
          "POST",
          `/api/v1/projects/paris/anomalies/${byMonitor("Some rows").id}/acknowledge`,
          {
            key: ADMIN_KEY,
          },
        ),
        "acknowledge",
      );
      ok(
        await call(t.url, "POST", `/api/v1/projects/paris/anomalies/${byMonitor("Many rows").id}/resolve`, {
          key: ADMIN_KEY,
        }),
        "resolve",
      );
      const rows = await health();
      const of = (id: string) => rows.find((p) => p.projectId === id)!;
      expect(of("paris").openAnomalies).toBe(2);
      expect(of("paris").bySeverity).toEqual({ critical: 1, info: 1 });
      expect(of("hourly").openAnomalies).toBe(0);
      expect(of("hourly").bySeverity).toEqual({});
    });

    it("reports the last upload and the latest bucket; reference profiles are not traffic", async () => {
      const newest = (await get("/api/v1/projects/hourly/uploads?limit=1")).body.uploads[0];
      ok(
        await call(t.url, "PUT", "/api/v1/projects/hourly/references/baseline", {
          key: ADMIN_KEY,
          bytes: rowsProfile(3, LAST_HOUR + 5 * DAY),
        }),
        "reference",
      );
      const rows = await health();
      const of = (id: string) => rows.find((p) => p.projectId === id)!;
      expect(of("hourly").lastUploadAt).toBe(newest.receivedAt);
      expect(of("hourly").lastBucketStart).toBe(LAST_HOUR);
      expect(of("paris").lastBucketStart).toBe(PARIS_DAYS[2]);
      expect(of("empty")).toEqual({
        projectId: "empty",
        openAnomalies: 0,
        bySeverity: {},
        lastUploadAt: null,
        lastBucketStart: null,
        volume: [],
      });
    });

    it("sums a week of hourly buckets into 56 points of 3 hours, oldest first, and leaves shorter series alone", async () => {
      const rowsIn = (from: number, to: number) =>
        HOURLY.filter(([s]) => s >= from && s < to).reduce((sum, [, r]) => sum + r, 0);
      const week = (await health()).find((p) => p.projectId === "hourly")!.volume;
      expect(week).toHaveLength(56);
      // Buckets (LAST_HOUR − 168 h, LAST_HOUR]: the one 168 hours back is outside.
      expect(week[0]!.t).toBe(LAST_HOUR - 167 * HOUR);
      expect(week[55]!.t).toBe(LAST_HOUR - 2 * HOUR);
      for (let i = 0; i < week.length; i++) {
        expect(week[i]!.t).toBe(LAST_HOUR - 167 * HOUR + 3 * i * HOUR);
        expect(week[i]!.rows, `point ${i}`).toBe(rowsIn(week[i]!.t, week[i]!.t + 3 * HOUR));
      }
      expect(week.reduce((s, p) => s + p.rows, 0)).toBe(3 + 5 + 7 + 11 + 13 + 2 + 17);

      const twoDays = (await health("?window=2d")).find((p) => p.projectId === "hourly")!.volume;
      expect(twoDays).toHaveLength(48);
      expect(twoDays.map((p) => p.rows)).toEqual(
        Array.from({ length: 48 }, (_, i) =>
          rowsIn(LAST_HOUR - (47 - i) * HOUR, LAST_HOUR - (46 - i) * HOUR),
        ),
      );
      const inMs = (await health(`?window=${5 * HOUR}`)).find((p) => p.projectId === "hourly")!.volume;
      expect(inMs).toEqual([
        { t: LAST_HOUR - 4 * HOUR, rows: 0 },
        { t: LAST_HOUR - 3 * HOUR, rows: 0 },
        { t: LAST_HOUR - 2 * HOUR, rows: 7 },
        { t: LAST_HOUR - HOUR, rows: 5 },
        { t: LAST_HOUR, rows: 3 },
      ]);

      // Local days of Paris, one of them 23 hours long: seven buckets ending with the last one.
      const paris = (await health()).find((p) => p.projectId === "paris")!.volume;
      expect(paris).toEqual([
        { t: Date.UTC(2024, 2, 24, 23), rows: 0 },
        { t: Date.UTC(2024, 2, 25, 23), rows: 0 },
        { t: Date.UTC(2024, 2, 26, 23), rows: 0 },
        { t: Date.UTC(2024, 2, 27, 23), rows: 0 },
        ...PARIS_DAYS.map((t, i) => ({ t, rows: PARIS_ROWS[i]! })),
      ]);

      for (const bad of ["0", "401d", "soon"]) {
        const res = await get(`/api/v1/project-health?window=${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.error.message).toMatch(/^window /);
      }
    });

    it("shows each caller the projects it can read, and nothing of another organization", async () => {
      const ownProjects = ["classifier", "empty", "hourly", "paris", "plain"];
      const ids = (rows: { projectId: string }[]) => rows.map((r) => r.projectId).sort();
      expect(ids(await health())).toEqual(ownProjects);
      expect(ids(await health(`?organization=${ORG_B}`))).toEqual([]);
      // The founder belongs to both: B's project exists, and only its members see it.
      expect(ids(await health("", undefined, founder))).toEqual([...ownProjects, "b-model"].sort());
      const onlyB = await health(`?organization=${ORG_B}`, undefined, founder);
      expect(ids(onlyB)).toEqual(["b-model"]);
      expect(onlyB[0]!.openAnomalies).toBe(1);
      expect(ids(await health("", keyB))).toEqual(["b-model"]);
      // A key bound to a project sees that project only.
      expect(ids(await health("", boundKey))).toEqual(["paris"]);
      const ingest = await get("/api/v1/project-health", ingestKey);
      expect(ingest.status).toBe(403);
      expect((await call(t.url, "GET", "/api/v1/project-health")).status).toBe(401);
    });
  });

  describe("GET /api/v1/organizations/{orgId}/anomalies", () => {
    it("lists anomalies of real monitor runs, newest first, with project, monitor, summary and window", async () => {
      const all = await feed();
      expect(all.map((a) => a.projectId)).toEqual(["paris", "paris", "paris"]);
      for (let i = 1; i < all.length; i++)
        expect(all[i - 1]!.openedAt).toBeGreaterThanOrEqual(all[i]!.openedAt);
      const byMonitor = (name: string) => all.find((a) => a.monitorId === monitorIds.get(name))!;
      const any = byMonitor("Any rows");
      expect(any).toMatchObject({
        projectName: "Health Paris",
        monitorName: "Any rows",
        analyzer: "fixed",
        column: null,
        segment: "",
        severity: "critical",
        state: "open",
        firstBucket: PARIS_DAYS[0],
        lastBucket: PARIS_DAYS[2],
        // The next local midnight after a 23-hour day.
        windowEnd: PARIS_LAST_END,
        resolvedAt: null,
      });
      expect(PARIS_ROWS).toContain(any.value);
      expect(any.summary).toMatch(/^fixed on the dataset: row_count (10|20|30) > 0$/);
      const many = byMonitor("Many rows");
      expect(many).toMatchObject({
        severity: "warning",
        state: "resolved",
        firstBucket: PARIS_DAYS[2],
        lastBucket: PARIS_DAYS[2],
        windowEnd: PARIS_LAST_END,
        value: 30,
        summary: "fixed on the dataset: row_count 30 > 25",
      });
      expect(many.resolvedAt).toEqual(expect.any(Number));
      // Monitors of one run open their anomalies at one instant.
      expect(byMonitor("Some rows").openedAt).toBe(any.openedAt);
    });

    it("filters by state, project and severity", async () => {
      const names = async (query: string) => (await feed(query)).map((a) => a.monitorName).sort();
      expect(await names("?state=open")).toEqual(["Any rows"]);
      expect(await names("?state=acknowledged")).toEqual(["Some rows"]);
      expect(await names("?state=resolved")).toEqual(["Many rows"]);
      expect(await names("?state=active")).toEqual(["Any rows", "Some rows"]);
      expect(await names("?severity=warning")).toEqual(["Many rows"]);
      expect(await names("?project=paris&severity=info")).toEqual(["Some rows"]);
      expect(await names("?project=hourly")).toEqual([]);
      for (const project of ["b-model", "no-such-project"]) {
        const res = await get(`/api/v1/organizations/default/anomalies?project=${project}`);
        expect(res.status, project).toBe(404);
        expect(res.body.error.message).toBe(
          `project ${project} (GET /api/v1/projects?organization=default lists the organization's projects) not found`,
        );
      }
      expect((await get("/api/v1/organizations/default/anomalies?state=closed")).status).toBe(400);
    });

    it("pages with the openedAt cursor without skipping or repeating, never splitting one instant", async () => {
      const all = await feed();
      for (const limit of [1, 2, 3]) {
        const seen: FeedAnomaly[] = [];
        let before: number | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await feed(`?limit=${limit}${before === undefined ? "" : `&before=${before}`}`);
          if (page.length === 0) break;
          // Longer than the limit only when every anomaly on it was opened at one instant.
          if (page.length > limit) expect(new Set(page.map((a) => a.openedAt)).size).toBe(1);
          seen.push(...page);
          before = page[page.length - 1]!.openedAt;
        }
        expect(
          seen.map((a) => a.id),
          `limit ${limit}`,
        ).toEqual(all.map((a) => a.id));
      }
      const iso = await feed(`?before=${new Date(all[all.length - 1]!.openedAt).toISOString()}`);
      expect(iso.length).toBeLessThan(all.length);
    });

    it("shows nothing of another organization, which answers 404 like one that does not exist", async () => {
      const ofB = await feed("", keyB, ORG_B);
      expect(ofB.map((a) => [a.projectId, a.monitorName, a.projectName])).toEqual([
        ["b-model", "B rows", "B model"],
      ]);
      const founderView = await call(t.url, "GET", `/api/v1/organizations/${ORG_B}/anomalies`, {
        headers: founder,
      });
      expect(founderView.body.anomalies.map((a: FeedAnomaly) => a.id)).toEqual([ofB[0]!.id]);
      const ownFeed = await feed();
      expect(ownFeed.some((a) => a.id === ofB[0]!.id || a.projectId === "b-model")).toBe(false);
      const founderOwn = await call(t.url, "GET", "/api/v1/organizations/default/anomalies", {
        headers: founder,
      });
      expect(founderOwn.body.anomalies.map((a: FeedAnomaly) => a.projectId)).not.toContain("b-model");

      const foreign = await get(`/api/v1/organizations/${ORG_B}/anomalies`);
      const nowhere = await get("/api/v1/organizations/org-nowhere/anomalies");
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.message).toBe(`organization ${ORG_B} not found`);
      expect(nowhere.body.error.message).toBe("organization org-nowhere not found");
      expect((await get(`/api/v1/organizations/${ORG_B}/anomalies`, boundKey)).status).toBe(404);
    });

    it("shows a key bound to a project that project's anomalies only; a key without read access none", async () => {
      const bound = await feed("", boundKey);
      expect(bound.length).toBe(3);
      expect(new Set(bound.map((a) => a.projectId))).toEqual(new Set(["paris"]));
      const ingest = await get("/api/v1/organizations/default/anomalies", ingestKey);
      expect(ingest.status).toBe(403);
    });
  });

  describe("GET /api/v1/projects/{projectId}/segment-comparison", () => {
    const compare = async (query: string) => {
      const res = await get(`/api/v1/projects/classifier/segment-comparison?key=region&${range}&${query}`);
      return ok(res, query).body;
    };
    const byRegion = (region: string) => inRange.filter((r) => r.region === region);
    const labeled = (rows: readonly SegRow[]) => rows.filter((r) => r.label !== null);

    it("counts rows per segment exactly and names the segment furthest from the whole", async () => {
      const res = await compare("metric=row_count");
      expect(res).toMatchObject({ key: "region", metric: "row_count", start: SEG_T0, end: SEG_T0 + 2 * DAY });
      expect(res.overall).toEqual({ metricValue: inRange.length, interval: null, count: inRange.length });
      expect(res.segments).toEqual(
        REGIONS.map((region) => ({
          value: region,
          segment: `region=${region}`,
          metricValue: byRegion(region).length,
          interval: null,
          count: byRegion(region).length,
        })),
      );
      const east = byRegion("east").length;
      expect(res.disparity).toEqual({
        worst: "region=east",
        difference: east - inRange.length,
        ratio: east / inRange.length,
        significant: false,
      });
    });

    it("gives null ratios and means of the raw values, with their intervals", async () => {
      const nulls = await compare("metric=null_ratio:x");
      const means = await compare("metric=mean:x");
      const meanOf = (rows: readonly SegRow[]) => {
        const xs = rows.flatMap((r) => (r.x === null ? [] : [r.x]));
        return xs.reduce((s, v) => s + v, 0) / xs.length;
      };
      for (const [i, region] of REGIONS.entries()) {
        const rows = byRegion(region);
        const missing = rows.filter((r) => r.x === null).length;
        expect(nulls.segments[i].metricValue).toBe(missing / rows.length);
        expect(nulls.segments[i].count).toBe(rows.length);
        const [lo, hi] = wilson(missing, rows.length, Z95);
        expect(nulls.segments[i].interval[0]).toBeCloseTo(lo, 9);
        expect(nulls.segments[i].interval[1]).toBeCloseTo(hi, 9);

        const xs = rows.flatMap((r) => (r.x === null ? [] : [r.x]));
        const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
        const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1));
        expect(means.segments[i].count).toBe(xs.length);
        expect(Math.abs(means.segments[i].metricValue - mean)).toBeLessThan(1e-9);
        expect(means.segments[i].interval[0]).toBeCloseTo(mean - (Z95 * sd) / Math.sqrt(xs.length), 9);
        expect(means.segments[i].interval[1]).toBeCloseTo(mean + (Z95 * sd) / Math.sqrt(xs.length), 9);
      }
      // South has the most nulls (every fifth row), clearly more than the whole.
      expect(nulls.disparity.worst).toBe("region=south");
      expect(nulls.disparity.significant).toBe(true);
      const overallMean = meanOf(inRange);
      expect(Math.abs(means.overall.metricValue - overallMean)).toBeLessThan(1e-9);
      const furthest = [...REGIONS].sort(
        (a, b) => Math.abs(meanOf(byRegion(b)) - overallMean) - Math.abs(meanOf(byRegion(a)) - overallMean),
      )[0];
      expect(means.disparity.worst).toBe(`region=${furthest}`);
      expect(means.disparity.difference).toBeCloseTo(meanOf(byRegion(furthest!)) - overallMean, 9);
    });

    it("gives realized accuracy exactly with the closed-form Wilson interval, and east as the significant gap", async () => {
      for (const [confidence, z] of [
        [undefined, Z95],
        [0.9, Z90],
      ] as const) {
        const res = await compare(
          `metric=accuracy${confidence === undefined ? "" : `&confidence=${confidence}`}`,
        );
        const check = (
          value: { metricValue: number; interval: [number, number]; count: number },
          rows: SegRow[],
        ) => {
          const l = labeled(rows);
          const correct = l.filter((r) => r.pred === r.label).length;
          expect(value.count).toBe(l.length);
          expect(value.metricValue).toBe(correct / l.length);
          const [lo, hi] = wilson(correct, l.length, z);
          expect(Math.abs(value.interval[0] - lo)).toBeLessThan(1e-9);
          expect(Math.abs(value.interval[1] - hi)).toBeLessThan(1e-9);
        };
        check(res.overall, inRange);
        for (const [i, region] of REGIONS.entries()) check(res.segments[i], byRegion(region));
        const accuracy = (rows: SegRow[]) =>
          labeled(rows).filter((r) => r.pred === r.label).length / labeled(rows).length;
        expect(res.disparity).toEqual({
          worst: "region=east",
          difference: accuracy(byRegion("east")) - accuracy(inRange),
          ratio: accuracy(byRegion("east")) / accuracy(inRange),
          significant: true,
        });
      }
    });

    it("gives positive rate, precision and recall of the raw rows, F1 without an interval, AUC within its bounds", async () => {
      const positive = await compare("metric=positive_rate");
      const precision = await compare("metric=precision");
      const recall = await compare("metric=recall");
      const f1 = await compare("metric=f1");
      const auc = await compare("metric=roc_auc");
      for (const [name, res] of [
        ["positive", positive],
        ["precision", precision],
        ["recall", recall],
      ] as const) {
        const all = [res.overall, ...res.segments];
        const rowsOf = [inRange, ...REGIONS.map(byRegion)];
        for (let i = 0; i < all.length; i++) {
          const rows = rowsOf[i]!;
          const l = labeled(rows);
          const [k, n] =
            name === "positive"
              ? [rows.filter((r) => r.pred === 1).length, rows.length]
              : name === "precision"
                ? [
                    l.filter((r) => r.pred === 1 && r.label === 1).length,
                    l.filter((r) => r.pred === 1).length,
                  ]
                : [
                    l.filter((r) => r.pred === 1 && r.label === 1).length,
                    l.filter((r) => r.label === 1).length,
                  ];
          expect(all[i].metricValue, `${name} ${i}`).toBe(k / n);
          expect(all[i].count, `${name} ${i}`).toBe(name === "positive" ? rows.length : l.length);
          const [lo, hi] = wilson(k, n, Z95);
          expect(Math.abs(all[i].interval[0] - lo)).toBeLessThan(1e-9);
          expect(Math.abs(all[i].interval[1] - hi)).toBeLessThan(1e-9);
        }
      }
      expect(f1.overall.interval).toBeNull();
      expect(f1.overall.count).toBe(labeled(inRange).length);
      const exact = exactAuc(labeled(inRange));
      expect(auc.overall.interval[0]).toBeLessThanOrEqual(exact + 1e-12);
      expect(auc.overall.interval[1]).toBeGreaterThanOrEqual(exact - 1e-12);
      expect(auc.overall.interval[1] - auc.overall.interval[0]).toBeLessThan(0.01);
    });

    it("answers unknown keys, unknown metrics, missing performance and empty ranges with what to do", async () => {
      const path = (project: string, query: string) =>
        `/api/v1/projects/${project}/segment-comparison?${range}&${query}`;
      const unknownKey = await get(path("classifier", "key=country"));
      expect(unknownKey.status).toBe(404);
      expect(unknownKey.body.error.message).toContain('segment key "country"');
      expect(unknownKey.body.error.message).toContain("its keys: region");
      expect(unknownKey.body.error.message).toContain("GET /api/v1/projects/classifier/segments lists them");
      const noSegments = await get(path("paris", "key=region"));
      expect(noSegments.status).toBe(404);
      expect(noSegments.body.error.message).toContain("it has no segments");

      for (const metric of ["median:x", "mean:", "accuracy_score", "null_ratio"]) {
        const res = await get(path("classifier", `key=region&metric=${encodeURIComponent(metric)}`));
        expect(res.status, metric).toBe(400);
        expect(res.body.error.message).toBe(
          `unknown metric ${JSON.stringify(metric)}; use one of row_count, null_ratio:<column>, mean:<column>, positive_rate, accuracy, precision, recall, f1, roc_auc`,
        );
      }
      const noColumn = await get(path("classifier", "key=region&metric=mean:income"));
      expect(noColumn.status).toBe(400);
      expect(noColumn.body.error.message).toContain("GET /api/v1/projects/classifier/columns");
      const textMean = await get(path("classifier", "key=region&metric=mean:region"));
      expect(textMean.status).toBe(400);
      expect(textMean.body.error.message).toContain("has no numeric values");

      const noPerformance = await call(
        t.url,
        "GET",
        `/api/v1/projects/plain/segment-comparison?start=${SEG_T0}&end=${SEG_T0 + DAY}&key=region&metric=accuracy`,
        { key: ADMIN_KEY },
      );
      expect(noPerformance.status).toBe(400);
      expect(noPerformance.body.error.message).toMatch(
        /carry no model performance.*log it with the profiles/,
      );
      // The same rows without performance compare fine on the data itself.
      const plainRows = await call(
        t.url,
        "GET",
        `/api/v1/projects/plain/segment-comparison?start=${SEG_T0}&end=${SEG_T0 + DAY}&key=region`,
        { key: ADMIN_KEY },
      );
      expect(plainRows.body.overall.metricValue).toBe(SEG_ROWS_PER_DAY);

      const empty = await get(
        `/api/v1/projects/classifier/segment-comparison?key=region&start=${SEG_T0 - 9 * DAY}&end=${SEG_T0 - 8 * DAY}`,
      );
      expect(empty.status).toBe(404);
      expect(empty.body.error.message).toContain("GET /api/v1/projects/classifier/buckets");
      const noRange = await get("/api/v1/projects/classifier/segment-comparison?key=region");
      expect(noRange.status).toBe(400);
      expect((await get(path("classifier", "key=region"), boundKey)).status).toBe(404);
    });
  });
});
