// The UI's overview and distribution queries on a real server: every value checked against exact computation
// on the raw rows (counts and null ratios exactly, means to float precision, distinct values within the
// HyperLogLog error, KS within its stated bound, histogram shares within the KLL rank error), sparklines
// aggregated over long windows, active anomalies counted as the anomalies API lists them, and each baseline
// (preceding range, explicit range, named reference, none).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile } from "@sightglass/profile";
import { KllDoublesSketch } from "@sightglass/sketches";
import { exactKs, normals, picks, rng } from "../../packages/analysis/test/support/samples.js";
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

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Recent days: monitors evaluate buckets within the backfill horizon (30 days) when their data arrives.
const T0 = Math.floor(Date.now() / DAY) * DAY - 20 * DAY;
const DAYS = 14;
const SHIFT_FROM = 7;
const ROWS = 400;
const WINDOW = `start=${T0 + SHIFT_FROM * DAY}&end=${T0 + DAYS * DAY}`;
const FIRST_WEEK = `start=${T0}&end=${T0 + SHIFT_FROM * DAY}`;
/** KLL's single-sided normalized rank error for k = 1024 (the profiles' default), at 99% confidence. */
const KLL_EPSILON = new KllDoublesSketch(1024).getNormalizedRankError(false);
/** HyperLogLog lgK 12 (the profiles' default): three relative standard errors 1.04 / √4096. */
const HLL_RELATIVE = (3 * 1.04) / Math.sqrt(4096);
const SEVERITY_RANK: Record<string, number> = { critical: 4, error: 3, warning: 2, info: 1 };

interface DayRows {
  x: number[];
  y: (number | null)[];
  n: number[];
  k: number[];
  cat: string[];
  label: string[];
}

/** x shifts by one standard deviation and cat gains a value from SHIFT_FROM on; the rest stays as it was. */
function dayRows(day: number): DayRows {
  const shifted = day >= SHIFT_FROM;
  const next = rng(7000 + day);
  const y = normals(ROWS, 3000 + day);
  return {
    x: Array.from(normals(ROWS, 1000 + day, shifted ? 1 : 0)),
    y: Array.from(y, (v, i) => (day % 2 === 1 && i % 5 === 0 ? null : v)),
    n: Array.from({ length: ROWS }, () => Math.floor(next() * 100_000)),
    k: Array.from({ length: ROWS }, () => Math.floor(next() * 5)),
    cat: shifted
      ? picks(ROWS, 5000 + day, ["a", "b", "c", "d"], [1, 1, 1, 2])
      : picks(ROWS, 5000 + day, ["a", "b", "c"]),
    label: picks(ROWS, 6000 + day, ["yes", "no"], [3, 1]),
  };
}

function profileOf(rows: DayRows, datasetTimestamp: number): Uint8Array {
  return new DatasetProfile({ datasetTimestamp })
    .track({ x: rows.x, y: rows.y, n: rows.n, k: rows.k, cat: rows.cat, label: rows.label })
    .view()
    .serialize();
}

type Column = keyof DayRows;
const COLUMNS: readonly Column[] = ["cat", "k", "label", "n", "x", "y"];

function valuesOf(days: readonly DayRows[], column: Column): (number | string | null)[] {
  return days.flatMap((d) => d[column] as (number | string | null)[]);
}

function numbersOf(days: readonly DayRows[], column: Column): Float64Array {
  return Float64Array.from(valuesOf(days, column).filter((v): v is number => typeof v === "number"));
}

function sum(xs: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i]!;
  return total;
}
const meanOf = (xs: ArrayLike<number>) => sum(xs) / xs.length;

/** |actual − expected| within a relative tolerance (absolute near zero). */
function expectClose(actual: number, expected: number, relative = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

interface DriftJson {
  method: string;
  statistic: number;
  pValue: number | null;
  bound: number;
  category: string;
}

interface OverviewColumn {
  name: string;
  inferredType: string;
  count: number;
  nullCount: number;
  nullRatio: number | null;
  distinct: number | null;
  mean: number | null;
  drift: DriftJson | null;
  driftReason: string | null;
  anomalies: { open: number; severity: string | null };
  sparkline: { metric: string; points: (number | null)[] };
}

describe.each(BACKENDS)("overview and distribution on %s", (backend) => {
  let t: TestServer;
  let project: string;
  const days = Array.from({ length: DAYS }, (_, d) => dayRows(d));
  const baselineDays = days.slice(0, SHIFT_FROM);
  const targetDays = days.slice(SHIFT_FROM);
  const api = (method: string, path: string, body?: unknown) =>
    call(t.url, method, `/api/v1/projects/${project}${path}`, { key: ADMIN_KEY, body });
  const columnsOf = (body: { columns: OverviewColumn[] }) => new Map(body.columns.map((c) => [c.name, c]));

  /** Active anomalies per column as GET …/anomalies lists them: what the overview must count. */
  async function activeByColumn(): Promise<Map<string, { open: number; severity: string | null }>> {
    const res = await api("GET", "/anomalies?state=active&limit=1000");
    expect(res.status).toBe(200);
    const out = new Map<string, { open: number; severity: string | null }>();
    for (const a of res.body.anomalies as { column: string; severity: string }[]) {
      const entry = out.get(a.column) ?? { open: 0, severity: null };
      entry.open++;
      if (entry.severity === null || SEVERITY_RANK[a.severity]! > SEVERITY_RANK[entry.severity]!)
        entry.severity = a.severity;
      out.set(a.column, entry);
    }
    return out;
  }

  beforeAll(async () => {
    t = await startTestServer(backend, "overview", { monitorIntervalMs: 100 });
    project = await createProject(t.url, { id: "overview", name: "Overview", frequency: "day" });
    expect((await api("PUT", "/monitor-settings", { readinessDelay: 0, settle: 0 })).status).toBe(200);
    const monitor = await api("POST", "/monitors", {
      name: "x mean",
      analyzer: { type: "fixed", metric: "mean", upper: 0.5 },
      targets: ["x"],
      severity: "critical",
    });
    expect(monitor.status).toBe(201);
    // A stream, as the monitors suite sends it: each day is in (and judged) before the next arrives, so the
    // shifted days form one incident per monitor and column.
    for (let d = 0; d < DAYS; d++) {
      const res = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
        key: ADMIN_KEY,
        bytes: profileOf(days[d]!, T0 + d * DAY + HOUR),
      });
      expect(res.status).toBe(201);
      await waitForMerges(t.url, project);
      await waitForMonitors(t.url, project);
    }
  });
  afterAll(() => t?.close());

  it("summarizes every column of a window against the preceding range as the raw rows say", async () => {
    const res = await api("GET", `/overview?${WINDOW}`);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body).toMatchObject({
      start: T0 + SHIFT_FROM * DAY,
      end: T0 + DAYS * DAY,
      frequency: "day",
      segment: "",
      baseline: { kind: "range", start: T0, end: T0 + SHIFT_FROM * DAY },
      baselineReason: null,
      rowCount: ROWS * targetDays.length,
      bucketCount: targetDays.length,
    });
    expect(body.columns.map((c: OverviewColumn) => c.name)).toEqual(COLUMNS);
    const types: Record<Column, string> = {
      cat: "string",
      k: "integral",
      label: "string",
      n: "integral",
      x: "fractional",
      y: "fractional",
    };
    for (const c of body.columns as OverviewColumn[]) {
      const name = c.name as Column;
      const raw = valuesOf(targetDays, name);
      const nulls = raw.filter((v) => v === null).length;
      expect(c.inferredType, name).toBe(types[name]);
      expect(c.count, name).toBe(raw.length);
      expect(c.nullCount, name).toBe(nulls);
      expect(c.nullRatio, name).toBe(nulls / raw.length);
      const exactDistinct = new Set(raw.filter((v) => v !== null)).size;
      expect(Math.abs(c.distinct! - exactDistinct), name).toBeLessThanOrEqual(HLL_RELATIVE * exactDistinct);
      const numbers = numbersOf(targetDays, name);
      if (numbers.length === 0) expect(c.mean, name).toBeNull();
      else expectClose(c.mean!, meanOf(numbers));
      expect(c.driftReason, name).toBeNull();
      // Only the shifted columns drift; the others stay quiet after the correction across columns.
      expect(c.drift!.category, name).toBe(name === "x" || name === "cat" ? "drift" : "no_drift");
    }
    const byName = columnsOf(body);
    // Numbers compared as numbers (KS), categories and few-valued integers as categories (chi-square), at
    // these sample sizes; the sketch's KS distance is within its bound of the raw rows' KS distance.
    for (const name of ["x", "y", "n"] as const) {
      const drift = byName.get(name)!.drift!;
      expect(drift.method, name).toBe("ks");
      const exact = exactKs(numbersOf(baselineDays, name), numbersOf(targetDays, name));
      expect(Math.abs(drift.statistic - exact), name).toBeLessThanOrEqual(drift.bound + 1e-12);
      expect(drift.bound, name).toBeGreaterThan(0); // the merged week is past what KLL holds exactly
    }
    for (const name of ["cat", "k", "label"])
      expect(byName.get(name)!.drift!.method, name).toBe("chi_square");
    expect(byName.get("x")!.drift!.pValue).toBeLessThan(0.05);

    // A window of 7 buckets: one point per bucket, the day's exact mean (non-null values) or row count.
    for (const name of ["x", "y", "n"] as const) {
      const line = byName.get(name)!.sparkline;
      expect(line.metric).toBe("distribution/mean");
      expect(line.points).toHaveLength(targetDays.length);
      line.points.forEach((p, i) => expectClose(p!, meanOf(numbersOf([targetDays[i]!], name))));
    }
    for (const name of ["cat", "label"]) {
      expect(byName.get(name)!.sparkline).toEqual({ metric: "counts/n", points: targetDays.map(() => ROWS) });
    }
  });

  it("counts each column's active anomalies with the most severe, as the anomalies API lists them", async () => {
    await waitForMonitors(t.url, project);
    const expected = await activeByColumn();
    // The fixed threshold fired on every shifted day: one critical incident for x, still open.
    expect(expected.get("x")).toMatchObject({ severity: "critical" });
    const overview = columnsOf((await api("GET", `/overview?${WINDOW}`)).body);
    for (const name of COLUMNS) {
      expect(overview.get(name)!.anomalies, name).toEqual(expected.get(name) ?? { open: 0, severity: null });
    }
    expect(COLUMNS.some((name) => !expected.has(name))).toBe(true); // and a quiet column shows none

    // Acknowledged incidents are still active; resolved ones are not.
    const monitors = (await api("GET", "/monitors")).body.monitors as { id: string; name: string }[];
    const fixed = monitors.find((m) => m.name === "x mean")!.id;
    const incidents = (await api("GET", `/anomalies?monitor=${fixed}&state=active`)).body.anomalies;
    expect(incidents).toHaveLength(1);
    expect((await api("POST", `/anomalies/${incidents[0].id}/acknowledge`)).status).toBe(200);
    const acknowledged = columnsOf((await api("GET", `/overview?${WINDOW}`)).body).get("x")!.anomalies;
    expect(acknowledged).toEqual(expected.get("x"));
    expect((await api("POST", `/anomalies/${incidents[0].id}/resolve`)).status).toBe(200);
    const after = await activeByColumn();
    expect(after.get("x")?.open ?? 0).toBe(expected.get("x")!.open - 1);
    const resolved = columnsOf((await api("GET", `/overview?${WINDOW}`)).body).get("x")!.anomalies;
    expect(resolved).toEqual(after.get("x") ?? { open: 0, severity: null });
    expect(resolved.severity).not.toBe("critical");
  });

  it("takes an explicit range or a named reference as the baseline", async () => {
    const preceding = await api("GET", `/overview?${WINDOW}`);
    const explicit = await api("GET", `/overview?${WINDOW}&baselineStart=${T0}&baselineEnd=${T0 + 7 * DAY}`);
    expect(explicit.status).toBe(200);
    expect(explicit.body).toEqual(preceding.body);

    const week: DayRows = { x: [], y: [], n: [], k: [], cat: [], label: [] };
    for (const d of baselineDays) for (const c of COLUMNS) (week[c] as unknown[]).push(...d[c]);
    const put = await call(t.url, "PUT", `/api/v1/projects/${project}/references/first-week`, {
      key: ADMIN_KEY,
      bytes: profileOf(week, T0),
    });
    expect(put.status).toBeLessThan(300);
    const reference = await api("GET", `/overview?${WINDOW}&reference=first-week`);
    expect(reference.status).toBe(200);
    expect(reference.body.baseline).toEqual({ kind: "reference", name: "first-week" });
    expect(reference.body.baselineReason).toBeNull();
    for (const c of reference.body.columns as OverviewColumn[]) {
      expect(c.drift!.category, c.name).toBe(c.name === "x" || c.name === "cat" ? "drift" : "no_drift");
    }
    const x = columnsOf(reference.body).get("x")!.drift!;
    const exact = exactKs(numbersOf(baselineDays, "x"), numbersOf(targetDays, "x"));
    expect(Math.abs(x.statistic - exact)).toBeLessThanOrEqual(x.bound + 1e-12);

    // A reference without data is no baseline (the window still shows), with what to do about it.
    const missing = await api("GET", `/overview?${WINDOW}&reference=no-such-reference`);
    expect(missing.status).toBe(200);
    expect(missing.body.baseline).toBeNull();
    expect(missing.body.baselineReason).toMatch(/"no-such-reference".*PUT .*references\/no-such-reference/);
    for (const c of missing.body.columns as OverviewColumn[]) {
      expect(c.drift).toBeNull();
      expect(c.driftReason).toBe(missing.body.baselineReason);
    }

    const both = await api(
      "GET",
      `/overview?${WINDOW}&reference=first-week&baselineStart=${T0}&baselineEnd=${T0 + DAY}`,
    );
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/either reference or baselineStart and baselineEnd/);
    const half = await api("GET", `/overview?${WINDOW}&baselineStart=${T0}`);
    expect(half.status).toBe(400);
    expect(half.body.error.field).toBe("baselineEnd");
  });

  it("shows a window whose baseline has no data, saying what to do", async () => {
    const res = await api("GET", `/overview?${FIRST_WEEK}`);
    expect(res.status).toBe(200);
    expect(res.body.baseline).toBeNull();
    expect(res.body.baselineReason).toMatch(
      /^no profiles in the baseline range .* \(the range of equal length before the window\): upload data for it, or choose baselineStart and baselineEnd or reference=<name>$/,
    );
    expect(res.body.rowCount).toBe(ROWS * SHIFT_FROM);
    for (const c of res.body.columns as OverviewColumn[]) {
      expect(c.drift, c.name).toBeNull();
      expect(c.driftReason, c.name).toBe(res.body.baselineReason);
      expect(c.count, c.name).toBe(ROWS * SHIFT_FROM);
    }
  });

  it("answers 404 for a window without data or an unknown project, 400 for a bad range", async () => {
    const empty = await api("GET", `/overview?start=${T0 + 30 * DAY}&end=${T0 + 31 * DAY}`);
    expect(empty.status).toBe(404);
    expect(empty.body.error.code).toBe("not-found");
    expect(empty.body.error.message).toMatch(
      /^no profiles in the target range .*GET \/api\/v1\/projects\/\{id\}\/buckets/,
    );
    const unknown = await call(t.url, "GET", `/api/v1/projects/no-such-project/overview?${WINDOW}`, {
      key: ADMIN_KEY,
    });
    expect(unknown.status).toBe(404);
    expect((await api("GET", `/overview?start=${T0}`)).status).toBe(400);
    expect((await api("GET", `/overview?start=${T0 + DAY}&end=${T0}`)).status).toBe(400);
    expect((await api("GET", `/overview?${WINDOW}&method=nonsense`)).status).toBe(400);
  });

  it("bins a numeric column on shared edges with shares within the KLL rank error of the raw shares", async () => {
    const res = await api("GET", `/distribution?${WINDOW}&column=x`);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.column).toBe("x");
    expect(body.kind).toBe("numeric");
    expect(body.baselineRange).toEqual({ kind: "range", start: T0, end: T0 + SHIFT_FROM * DAY });
    expect(body.topItems).toBeNull(); // fractional columns have no frequent-items sketch
    // The same drift as the overview's row (scored with every column, so the same correction).
    const overview = columnsOf((await api("GET", `/overview?${WINDOW}`)).body);
    expect(body.drift).toEqual(overview.get("x")!.drift);
    expect(body.driftReason).toBeNull();

    const sides = { target: numbersOf(targetDays, "x"), baseline: numbersOf(baselineDays, "x") };
    const all = [...sides.target, ...sides.baseline];
    const { edges } = body.histogram as { edges: number[] };
    expect(edges).toHaveLength(31);
    expect(edges[0]).toBe(Math.min(...all));
    expect(edges[30]).toBe(Math.max(...all));
    for (let i = 1; i < edges.length; i++)
      expectClose(edges[i]! - edges[i - 1]!, (edges[30]! - edges[0]!) / 30);
    for (const which of ["target", "baseline"] as const) {
      const raw = sides[which];
      const shares = body.histogram[which] as number[];
      expect(shares).toHaveLength(30);
      expect(Math.abs(sum(shares) - 1)).toBeLessThan(1e-12);
      // Each share is a difference of two CDF values, each within ε of the raw CDF: within 2ε per bin.
      for (let i = 0; i < 30; i++) {
        const inBin = raw.filter((v) => v >= edges[i]! && (i === 29 ? v <= edges[30]! : v < edges[i + 1]!));
        expect(Math.abs(shares[i]! - inBin.length / raw.length), `${which} bin ${i}`).toBeLessThanOrEqual(
          2 * KLL_EPSILON,
        );
      }
      const s = body[which];
      expect(s).toMatchObject({ count: raw.length, nullCount: 0, inferredType: "fractional" });
      expectClose(s.mean, meanOf(raw));
      const m = meanOf(raw);
      expectClose(s.stddev, Math.sqrt(sum(Array.from(raw, (v) => (v - m) ** 2)) / (raw.length - 1)));
      expect(s.min).toBe(Math.min(...raw));
      expect(s.max).toBe(Math.max(...raw));
      expect(Math.abs(s.distinct - new Set(raw).size)).toBeLessThanOrEqual(HLL_RELATIVE * raw.length);
      expect(Object.keys(s.quantiles)).toEqual(["0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99"]);
      for (const [rank, q] of Object.entries(s.quantiles as Record<string, number>)) {
        const below = raw.filter((v) => v < q).length / raw.length;
        const atOrBelow = raw.filter((v) => v <= q).length / raw.length;
        expect(below, rank).toBeLessThanOrEqual(Number(rank) + KLL_EPSILON + 1 / raw.length);
        expect(atOrBelow, rank).toBeGreaterThanOrEqual(Number(rank) - KLL_EPSILON - 1 / raw.length);
      }
    }

    const ten = await api("GET", `/distribution?${WINDOW}&column=x&bins=10`);
    expect(ten.body.histogram.edges).toHaveLength(11);
    // An integer column of many values is numeric and also has frequent items: both views.
    const n = await api("GET", `/distribution?${WINDOW}&column=n`);
    expect(n.body.kind).toBe("numeric");
    expect(n.body.histogram.target).toHaveLength(30);
    expect(n.body.topItems.length).toBeGreaterThan(0);
    expect(n.body.topItems.length).toBeLessThanOrEqual(20);
  });

  it("lists the frequent values of both sides with exact shares for few categories", async () => {
    for (const name of ["cat", "k"] as const) {
      const res = await api("GET", `/distribution?${WINDOW}&column=${name}`);
      expect(res.status).toBe(200);
      expect(res.body.kind, name).toBe("categorical");
      expect(res.body.histogram, name).toBeNull();
      expect(res.body.drift).toEqual(
        columnsOf((await api("GET", `/overview?${WINDOW}`)).body).get(name)!.drift,
      );
      const share = (rows: readonly DayRows[], value: string) => {
        const raw = valuesOf(rows, name).filter((v) => v !== null);
        return raw.filter((v) => String(v) === value).length / raw.length;
      };
      const items = res.body.topItems as { value: string; target: number; baseline: number }[];
      const values = new Set(valuesOf(days, name).map(String));
      expect(items.map((i) => i.value).sort()).toEqual([...values].sort());
      for (const item of items) {
        expect(item.target, `${name} ${item.value}`).toBeCloseTo(share(targetDays, item.value), 12);
        expect(item.baseline, `${name} ${item.value}`).toBeCloseTo(share(baselineDays, item.value), 12);
      }
      const order = items.map((i) => [-i.target, -i.baseline]);
      expect(order).toEqual([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    }
    const cat = (await api("GET", `/distribution?${WINDOW}&column=cat`)).body;
    expect(cat.topItems.find((i: { value: string }) => i.value === "d").baseline).toBe(0);
    expect(cat.target.quantiles).toBeNull();
    expect(cat.target.mean).toBeNull();
  });

  it("shows a distribution without baseline, and refuses unknown columns and bad bins", async () => {
    const alone = await api("GET", `/distribution?${FIRST_WEEK}&column=cat`);
    expect(alone.status).toBe(200);
    expect(alone.body.baseline).toBeNull();
    expect(alone.body.baselineRange).toBeNull();
    expect(alone.body.drift).toBeNull();
    expect(alone.body.driftReason).toMatch(/^no profiles in the baseline range/);
    expect(alone.body.kind).toBe("categorical");
    expect(alone.body.topItems.every((i: { baseline: number | null }) => i.baseline === null)).toBe(true);
    const numeric = await api("GET", `/distribution?${FIRST_WEEK}&column=x`);
    expect(numeric.body.histogram.baseline).toBeNull();
    expect(sum(numeric.body.histogram.target)).toBeCloseTo(1, 12);

    const unknown = await api("GET", `/distribution?${WINDOW}&column=no_such_column`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(
      /"no_such_column".*GET \/api\/v1\/projects\/overview\/columns/,
    );
    for (const bins of ["1", "201", "abc", "2.5"]) {
      const bad = await api("GET", `/distribution?${WINDOW}&column=x&bins=${bins}`);
      expect(bad.status, bins).toBe(400);
      expect(bad.body.error.field, bins).toBe("querystring.bins");
    }
    expect((await api("GET", `/distribution?${WINDOW}`)).status).toBe(400);
    const empty = await api("GET", `/distribution?start=${T0 + 30 * DAY}&end=${T0 + 31 * DAY}&column=x`);
    expect(empty.status).toBe(404);
  });
});

describe.each(BACKENDS)("overview sparklines over long windows on %s", (backend) => {
  const HOURS = 90;
  const POINTS = 60;
  const HOLES = new Set([30, 31, 57]);
  let t: TestServer;
  let project: string;

  /** Hour h: 3 to 7 rows, a null in v every third hour (so value counts and row counts differ). */
  function hourRows(h: number): { v: (number | null)[]; s: string[] } {
    const rows = 3 + (h % 5);
    const v = Array.from(normals(rows, 9000 + h, h, 10), (x, i) => (h % 3 === 0 && i === 0 ? null : x));
    return { v, s: picks(rows, 9500 + h, ["p", "q"]) };
  }

  beforeAll(async () => {
    t = await startTestServer(backend, "overview-sparklines");
    project = await createProject(t.url, { id: "hourly", name: "Hourly", frequency: "hour" });
    for (let h = 0; h < HOURS; h++) {
      if (HOLES.has(h)) continue;
      const res = await call(t.url, "POST", `/api/v1/projects/${project}/profiles`, {
        key: ADMIN_KEY,
        bytes: new DatasetProfile({ datasetTimestamp: T0 + h * HOUR + 60_000 })
          .track(hourRows(h))
          .view()
          .serialize(),
      });
      expect(res.status).toBe(201);
    }
    await waitForMerges(t.url, project);
  });
  afterAll(() => t?.close());

  it("aggregates 90 buckets into 60 points: exact means of the values behind them, summed row counts", async () => {
    const res = await call(
      t.url,
      "GET",
      `/api/v1/projects/${project}/overview?start=${T0}&end=${T0 + HOURS * HOUR}`,
      {
        key: ADMIN_KEY,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.bucketCount).toBe(HOURS - HOLES.size);
    const groups = Array.from({ length: POINTS }, () => [] as number[]);
    for (let h = 0; h < HOURS; h++) if (!HOLES.has(h)) groups[Math.floor((h * POINTS) / HOURS)]!.push(h);
    // Hour 30 is alone in its point: a hole; hour 31's point still has hour 32.
    expect(groups[20]).toEqual([]);
    expect(groups[21]).toEqual([32]);
    const columns = new Map((res.body.columns as OverviewColumn[]).map((c) => [c.name, c]));
    const v = columns.get("v")!.sparkline;
    expect(v.metric).toBe("distribution/mean");
    expect(v.points).toHaveLength(POINTS);
    groups.forEach((hours, p) => {
      const values = hours.flatMap((h) => hourRows(h).v).filter((x): x is number => x !== null);
      if (values.length === 0) expect(v.points[p], `point ${p}`).toBeNull();
      else expectClose(v.points[p]!, meanOf(values));
    });
    const s = columns.get("s")!.sparkline;
    expect(s.metric).toBe("counts/n");
    expect(s.points).toEqual(
      groups.map((hours) => (hours.length === 0 ? null : sum(hours.map((h) => hourRows(h).s.length)))),
    );
    // Shorter windows keep one point per bucket, holes included.
    const short = await call(
      t.url,
      "GET",
      `/api/v1/projects/${project}/overview?start=${T0 + 28 * HOUR}&end=${T0 + 34 * HOUR}`,
      {
        key: ADMIN_KEY,
      },
    );
    const counts = (short.body.columns as OverviewColumn[]).find((c) => c.name === "s")!.sparkline.points;
    expect(counts).toEqual(
      [28, 29, null, null, 32, 33].map((h) => (h === null ? null : hourRows(h).s.length)),
    );
  });
});
