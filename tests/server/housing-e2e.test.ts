// End to end on the real California housing split (../shared), on both stores: the compiled CLI profiles the
// analysis file by hour and uploads the directory, pip whylogs' unmodified WhyLabs writer uploads the reference,
// and every answer of the query API is checked against the CSV itself (row counts and exact means per hour),
// against the same computation done in-process on the same profiles (drift, performance: identical numbers),
// and against Python whylogs reading the merged range back. The performance part profiles the first 500 hours
// with the model's columns and delivers the labels of the first 240 later, as late-label profiles.
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compareProfiles, performanceOf, performanceReport } from "@sightglass/analysis";
import { DatasetProfile, DatasetProfileView, LabelJoiner } from "@sightglass/profile";
import { HOUSING_PERFORMANCE_FLAGS, haveHousing, housingDir, sightglass, tempDir } from "../cli/support.js";
import { ADMIN_KEY, BACKENDS, call, createProject, startTestServer } from "./support.js";
import type { TestServer } from "./support.js";
import { HOUSING_FEATURES, HOUSING_SPEC, readCsv } from "./housing.js";
import type { Csv } from "./housing.js";

const run = promisify(execFile);
const HOUR = 3_600_000;
/** The performance project: the first PERF_HOURS hours, of which the first LABELED_HOURS get their labels. */
const PERF_HOURS = 500;
const LABELED_HOURS = 240;
const SPEC = HOUSING_SPEC;
const PERF_FLAGS = HOUSING_PERFORMANCE_FLAGS;

/** `2021-06-01 13:00:00` read as UTC, as the CLI reads a timestamp without a zone. */
function hourOf(timestamp: string): number {
  const ms = Date.parse(`${timestamp.replace(" ", "T")}Z`);
  return Math.floor(ms / HOUR) * HOUR;
}

const isNull = (text: string): boolean => text === "" || text === "NaN" || text === "nan" || text === "NA";
const isNumber = (text: string): boolean => !isNull(text) && Number.isFinite(Number(text));

/** Neumaier-compensated mean, so the expected value is the exact mean to well below the 1e-9 tolerance. */
function exactMean(values: readonly number[]): number {
  let sum = 0;
  let c = 0;
  for (const v of values) {
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return (sum + c) / values.length;
}

function expectRelClose(actual: number, expected: number, what: string): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  expect(Math.abs(actual - expected) / scale, `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9);
}

async function python(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(
    inject("pythonPath"),
    [join(import.meta.dirname, "housing_whylogs.py"), ...args],
    {
      env: { ...process.env, ...env },
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return stdout;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await sightglass(args, { env });
  if (r.code !== 0) throw new Error(`sightglass ${args[0]} exited ${r.code}:\n${r.stderr}`);
  return r.stdout;
}

/** Runs `jobs` with at most `limit` at a time (the CLI runs are CPU-bound; CI has two cores). */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

async function binFiles(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs)
    out.push(...(await readdir(d)).filter((n) => n.endsWith(".bin")).map((n) => join(d, n)));
  return out;
}

/** The whole upload history of a project, following the pages. */
async function uploadsOf(
  base: string,
  project: string,
): Promise<{ idempotencyKey: string; sha256: string }[]> {
  const all = [];
  let before = "";
  for (;;) {
    const page = await call(base, "GET", `/api/v1/projects/${project}/uploads?limit=1000${before}`, {
      key: ADMIN_KEY,
    });
    expect(page.status).toBe(200);
    all.push(...page.body.uploads);
    if (page.body.next === null) return all;
    before = `&before=${page.body.next}`;
  }
}

/** `sightglass_profile_uploads_total` by outcome for one project, from /metrics. */
async function uploadOutcomes(base: string, project: string): Promise<Record<string, number>> {
  const res = await call(base, "GET", "/metrics", { key: ADMIN_KEY });
  const out: Record<string, number> = {};
  for (const m of String(res.body).matchAll(
    /^sightglass_profile_uploads_total\{project="([^"]+)",format="[^"]+",outcome="([^"]+)"\} (\d+)$/gm,
  )) {
    if (m[1] === project) out[m[2]!] = (out[m[2]!] ?? 0) + Number(m[3]);
  }
  return out;
}

describe.skipIf(!haveHousing)(
  `California housing end to end${haveHousing ? "" : " (skipped: ../shared/data/california_housing is absent)"}`,
  () => {
    let work: { dir: string; cleanup: () => void };
    let analysis: Csv;
    let reference: Csv;
    /** Rows per hour and, per numeric column, the values of each hour, straight from analysis.csv. */
    const rowsPerHour = new Map<number, number>();
    const valuesPerHour = new Map<string, Map<number, number[]>>();
    let hourDirs: string[];
    let perfDir: string;
    let analysisStart: number;
    let analysisEnd: number;

    beforeAll(async () => {
      work = tempDir("sightglass-housing-");
      analysis = await readCsv(join(housingDir, "analysis.csv"));
      reference = await readCsv(join(housingDir, "reference.csv"));
      for (const row of analysis.rows) {
        const hour = hourOf(row["timestamp"]!);
        rowsPerHour.set(hour, (rowsPerHour.get(hour) ?? 0) + 1);
        for (const name of analysis.header) {
          if (!isNumber(row[name]!)) continue;
          let byHour = valuesPerHour.get(name);
          if (byHour === undefined) valuesPerHour.set(name, (byHour = new Map()));
          let list = byHour.get(hour);
          if (list === undefined) byHour.set(hour, (list = []));
          list.push(Number(row[name]));
        }
      }
      const hours = [...rowsPerHour.keys()].sort((a, b) => a - b);
      analysisStart = hours[0]!;
      analysisEnd = hours.at(-1)! + HOUR;

      // One run of `sightglass profile --bucket hour` over the whole file: one profile per hour.
      hourDirs = [join(work.dir, "hours")];
      const jobs: (() => Promise<unknown>)[] = [
        () =>
          cli([
            "profile",
            join(housingDir, "analysis.csv"),
            "--timestamp-column",
            "timestamp",
            "--bucket",
            "hour",
            "-o",
            hourDirs[0]!,
          ]),
      ];
      // The performance project's hours: the same first rows, profiled with the model's columns (analysis.csv
      // has no label column yet: every prediction is counted as awaiting its label).
      perfDir = join(work.dir, "perf-hours");
      jobs.push(async () => {
        const csv = join(work.dir, "analysis-perf.csv");
        await writeFile(
          csv,
          `${analysis.header.join(",")}\n${analysis.lines.slice(0, PERF_HOURS).join("\n")}\n`,
        );
        return cli([
          "profile",
          csv,
          "--timestamp-column",
          "timestamp",
          "--bucket",
          "hour",
          ...PERF_FLAGS,
          "-o",
          perfDir,
        ]);
      });
      await pool(jobs, 2);
    });
    afterAll(() => work?.cleanup());

    /** The hour files merged in time order, as the server merges its buckets (made once: it takes seconds). */
    let merged: Promise<DatasetProfileView> | undefined;
    function mergedHours(): Promise<DatasetProfileView> {
      merged ??= (async () => {
        const files = (await binFiles(hourDirs)).sort((a, b) => (basename(a) < basename(b) ? -1 : 1));
        const views: DatasetProfileView[] = [];
        for (const f of files) views.push(DatasetProfileView.deserialize(await readFile(f)));
        return DatasetProfileView.mergeAll(views);
      })();
      return merged;
    }

    it("the CLI wrote one profile per hour of analysis.csv", async () => {
      const files = await binFiles(hourDirs);
      expect(files.length).toBe(rowsPerHour.size);
      expect(rowsPerHour.size).toBe(8232);
    });

    describe.each(BACKENDS)("on %s", (backend) => {
      let t: TestServer;
      const project = "housing";
      beforeAll(async () => {
        t = await startTestServer(backend, "housing_e2e");
        await createProject(t.url, { id: project, name: "California housing", frequency: "hour" });
      });
      afterAll(() => t?.close());

      it("`sightglass upload` stores one upload per hour file; the same upload again stores nothing", async () => {
        const upload = () =>
          cli(["upload", ...hourDirs, "--server", t.url, "--project", project], {
            SIGHTGLASS_API_KEY: ADMIN_KEY,
          });
        await upload();
        const files = await binFiles(hourDirs);
        const first = await uploadsOf(t.url, project);
        expect(first.length).toBe(files.length);
        // The CLI keys each upload by the SHA-256 of its bytes: one key per file, none twice.
        expect(new Set(first.map((u) => u.idempotencyKey)).size).toBe(files.length);
        expect(first.every((u) => u.idempotencyKey === u.sha256)).toBe(true);
        expect(await uploadOutcomes(t.url, project)).toEqual({ stored: files.length });

        const answers = (await upload()).trim().split("\n");
        // The CLI says which files the server already had.
        expect(answers.length).toBe(8232);
        expect(answers.every((line) => line.startsWith("Already stored: "))).toBe(true);
        const again = await uploadsOf(t.url, project);
        expect(again.length).toBe(files.length);
        // Every profile of the re-run reached the server and was answered as a duplicate.
        expect(await uploadOutcomes(t.url, project)).toEqual({
          stored: files.length,
          duplicate: files.length,
        });
        const buckets = await call(t.url, "GET", `/api/v1/projects/${project}/buckets`, { key: ADMIN_KEY });
        expect(buckets.body.buckets.length).toBe(rowsPerHour.size);
        expect(buckets.body.buckets.every((b: { uploads: number }) => b.uploads === 1)).toBe(true);
      }, 600_000);

      it("pip whylogs' WhyLabs writer uploads reference.csv as the reference named reference", async () => {
        const copy = join(work.dir, `reference-${backend}.bin`);
        const out = JSON.parse(
          await python(["reference", join(housingDir, "reference.csv"), copy], {
            WHYLABS_API_ENDPOINT: t.url,
            WHYLABS_API_KEY: `${ADMIN_KEY}:default`,
            WHYLABS_DEFAULT_ORG_ID: "default",
            WHYLABS_DEFAULT_DATASET_ID: project,
            WHYLOGS_CONFIG_PATH: join(work.dir, `whylogs-config-${backend}`),
          }),
        );
        expect(out.ok).toBe(true);
        const refs = await call(t.url, "GET", `/api/v1/projects/${project}/references`, { key: ADMIN_KEY });
        expect(refs.body.references).toMatchObject([{ name: "reference", uploads: 1 }]);
        const summary = await call(
          t.url,
          "GET",
          `/api/v1/projects/${project}/references/reference/profile?format=summary`,
          { key: ADMIN_KEY },
        );
        for (const name of reference.header)
          expect(summary.body.columns[name]["counts/n"], name).toBe(reference.rows.length);
      });

      it("lists every CSV column and gives the exact row count and mean of every hour", async () => {
        const columns = await call(t.url, "GET", `/api/v1/projects/${project}/columns`, { key: ADMIN_KEY });
        // The analysis profiles and the reference: clf_target comes from the reference only.
        expect(columns.body.columns.map((c: { name: string }) => c.name).sort()).toEqual(
          [...new Set([...analysis.header, ...reference.header])].sort(),
        );
        const series = await call(
          t.url,
          "GET",
          `/api/v1/projects/${project}/timeseries?start=${analysisStart}&end=${analysisEnd}&metrics=counts/n,distribution/mean`,
          { key: ADMIN_KEY },
        );
        expect(series.status).toBe(200);
        const expectedCounts = [...rowsPerHour].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
        for (const name of analysis.header) {
          const counts = series.body.series.find(
            (s: { column: string; metric: string }) => s.column === name && s.metric === "counts/n",
          );
          expect(counts.points, `${name} counts/n`).toEqual(expectedCounts);
          const byHour = valuesPerHour.get(name);
          if (byHour === undefined) continue; // the timestamp text column has no numeric mean to check
          const means = series.body.series.find(
            (s: { column: string; metric: string }) => s.column === name && s.metric === "distribution/mean",
          );
          expect(means.points.length).toBe(byHour.size);
          for (const p of means.points as { t: number; v: number }[])
            expectRelClose(
              p.v,
              exactMean(byHour.get(p.t)!),
              `${name} mean at ${new Date(p.t).toISOString()}`,
            );
        }
      });

      // The range queries below decode and merge all 8,232 hour buckets on the server (about 10 s each).
      it("drift of the analysis range against the reference: identical to compareProfiles in-process, and the real shift shows", async () => {
        const res = await call(
          t.url,
          "GET",
          `/api/v1/projects/${project}/drift?start=${analysisStart}&end=${analysisEnd}&reference=reference`,
          { key: ADMIN_KEY },
        );
        expect(res.status).toBe(200);
        // The same computation without the server: the bytes Python sent, and the hour files merged in time
        // order as the server merges its buckets.
        const referenceView = DatasetProfileView.deserialize(
          await readFile(join(work.dir, `reference-${backend}.bin`)),
        );
        const local = JSON.parse(JSON.stringify(compareProfiles(referenceView, await mergedHours())));
        expect(res.body).toEqual(local);

        const byColumn = new Map<
          string,
          { category: string; statistic: number; bound: number; method: string }
        >(res.body.columns.map((c: { column: string }) => [c.column, c]));
        // A row per column both sides have (clf_target is in the reference only).
        expect([...byColumn.keys()].sort()).toEqual([...analysis.header].sort());
        for (const c of byColumn.values()) {
          expect(typeof c.statistic).toBe("number");
          expect(c.bound).toBeGreaterThanOrEqual(0);
        }
        // The shift in the data: the reference is mostly the Los Angeles area (median 33.9°N 118.1°W), production
        // mostly northern California (median 37.3°N 121.3°W) with a fifth south of the reference's range, so
        // Latitude and Longitude move most (KS ≈ 0.51, bound ±0.005) and the model's scores (KS ≈ 0.25) and
        // decisions follow. Income, house age, rooms and occupancy shift less (KS 0.07–0.09) but far beyond their
        // bounds; id is disjoint by construction; bedrooms do not move.
        for (const name of [
          "id",
          "Latitude",
          "Longitude",
          "y_pred_proba",
          "y_pred",
          "MedInc",
          "HouseAge",
          "AveRooms",
          "AveOccup",
        ])
          expect(byColumn.get(name)!.category, name).toBe("drift");
        expect(byColumn.get("Latitude")!.statistic).toBeGreaterThan(0.4);
        expect(byColumn.get("Longitude")!.statistic).toBeGreaterThan(0.4);
        const features = [...HOUSING_FEATURES];
        const ranked = features.sort((a, b) => byColumn.get(b)!.statistic - byColumn.get(a)!.statistic);
        expect(new Set(ranked.slice(0, 2))).toEqual(new Set(["Latitude", "Longitude"]));
        expect(byColumn.get("AveBedrms")!.category).toBe("no_drift");
        expect(res.body.datasetDrift.datasetDrift).toBe(true);
      }, 300_000);

      it("the merged analysis range, downloaded as whylogs bytes, reads back in Python whylogs", async () => {
        const res = await call(
          t.url,
          "GET",
          `/api/v1/projects/${project}/profile?start=${analysisStart}&end=${analysisEnd}`,
          {
            key: ADMIN_KEY,
          },
        );
        expect(res.status).toBe(200);
        const file = join(work.dir, `range-${backend}.bin`);
        await writeFile(file, res.body as Uint8Array);
        const summary = JSON.parse(await python(["read", file]));
        expect(Object.keys(summary).sort()).toEqual([...analysis.header].sort());
        for (const name of analysis.header) {
          const cells = analysis.rows.map((r) => r[name]!);
          const nulls = cells.filter(isNull).length;
          // counts/n counts every value, null or not.
          expect(summary[name].n, name).toBe(cells.length);
          expect(summary[name].null, name).toBe(nulls);
          const numbers = cells.filter(isNumber).map(Number);
          if (numbers.length === cells.length - nulls)
            expectRelClose(summary[name].mean, exactMean(numbers), `${name} mean`);
        }
      }, 300_000);

      it("performance per hour: realized where the labels arrived, estimated everywhere, as in-process", async () => {
        const perfProject = "housing-perf";
        await createProject(t.url, {
          id: perfProject,
          name: "California housing, performance",
          frequency: "hour",
        });
        const env = { SIGHTGLASS_API_KEY: ADMIN_KEY };
        await cli(["upload", perfDir, "--server", t.url, "--project", perfProject], env);

        // The labels of the first LABELED_HOURS hours arrive: joined to their predictions by id (the
        // library's LabelJoiner, as `sightglass performance --target-labels` does) and tracked as late labels
        // into one profile per hour, stamped with the predictions' hour, which the server merges into it.
        const rows = analysis.rows.slice(0, PERF_HOURS);
        const joiner = new LabelJoiner({ performance: SPEC, idColumn: "id", keep: ["timestamp"] });
        joiner.addPredictions(
          rows.map((r) => ({
            id: Number(r["id"]),
            y_pred: Number(r["y_pred"]),
            y_pred_proba: Number(r["y_pred_proba"]),
            timestamp: r["timestamp"],
          })),
        );
        const labelOf = new Map(
          (await readCsv(join(housingDir, "analysis_gt.csv"))).rows.map((r) => [r["id"]!, r["clf_target"]!]),
        );
        const labeled = rows.slice(0, LABELED_HOURS);
        const joined = joiner.joinLabels({
          id: labeled.map((r) => Number(r["id"])),
          clf_target: labeled.map((r) => Number(labelOf.get(r["id"]!))),
        });
        expect(joined.unmatched).toEqual([]);
        const lateDir = join(work.dir, `late-labels-${backend}`);
        await mkdir(lateDir, { recursive: true });
        const lateViews = new Map<number, DatasetProfileView>();
        for (const row of joined.rows) {
          const hour = hourOf(row["timestamp"] as string);
          const view = new DatasetProfile({ performance: SPEC, datasetTimestamp: hour })
            .trackLateLabels([row])
            .view();
          lateViews.set(hour, view);
          await writeFile(join(lateDir, `labels.${hour}.bin`), view.serialize());
        }
        await cli(["upload", lateDir, "--server", t.url, "--project", perfProject], env);

        // A reference with labels (the CLI's profile of reference.csv) for the CBPE estimates.
        const refFile = join(work.dir, `reference-perf-${backend}.bin`);
        await cli(["profile", join(housingDir, "reference.csv"), ...PERF_FLAGS, "-o", refFile]);
        const refBytes = new Uint8Array(await readFile(refFile));
        const put = await call(t.url, "PUT", `/api/v1/projects/${perfProject}/references/labeled`, {
          key: ADMIN_KEY,
          bytes: refBytes,
        });
        expect(put.status).toBe(201);

        const start = hourOf(rows[0]!["timestamp"]!);
        const end = hourOf(rows.at(-1)!["timestamp"]!) + HOUR;
        const res = await call(
          t.url,
          "GET",
          `/api/v1/projects/${perfProject}/performance?start=${start}&end=${end}&reference=labeled`,
          { key: ADMIN_KEY },
        );
        expect(res.status).toBe(200);
        expect(res.body.buckets.length).toBe(PERF_HOURS);

        const perfFiles = new Map<number, string>();
        for (const f of await binFiles([perfDir]))
          perfFiles.set(DatasetProfileView.deserialize(await readFile(f)).datasetTimestamp, f);
        const referencePerformance = performanceOf(DatasetProfileView.deserialize(refBytes));
        for (const [i, bucket] of (
          res.body.buckets as { start: number; realized: Record<string, number> | null; estimated: unknown }[]
        ).entries()) {
          const row = rows[i]!;
          expect(bucket.start).toBe(hourOf(row["timestamp"]!));
          // In-process: the hour's profile merged with its late labels, as the server merged them.
          let view = DatasetProfileView.deserialize(await readFile(perfFiles.get(bucket.start)!));
          const late = lateViews.get(bucket.start);
          if (late !== undefined) view = view.merge(late);
          const local = performanceReport(
            { reference: referencePerformance, target: performanceOf(view)! },
            { confidence: 0.95 },
          );
          expect(bucket.realized).toEqual(JSON.parse(JSON.stringify(local.realized)));
          expect(bucket.estimated).toEqual(JSON.parse(JSON.stringify(local.estimated)));
          expect(bucket.estimated).not.toBeNull();
          if (i >= LABELED_HOURS) {
            expect(bucket.realized, `hour ${i} has no label yet`).toBeNull();
            continue;
          }
          // One row per hour: the realized metrics are that row's, straight from the CSVs.
          const label = Number(labelOf.get(row["id"]!));
          const score = Number(row["y_pred_proba"]);
          expect(bucket.realized).toMatchObject({ count: 1, awaitingLabels: 0, labelCoverage: 1 });
          expect(bucket.realized!["accuracy"]).toBe(Number(row["y_pred"]) === label ? 1 : 0);
          expect(bucket.realized!["brier"]).toBeCloseTo((score - label) ** 2, 12);
        }
      }, 300_000);
    });
  },
);
