// Monitor benchmark: one scheduled evaluation of 50 monitors over a 500-column daily project — what the
// monitor scheduler (packages/server, `BucketEvaluator`) does when a bucket closes — next to Evidently
// computing the nearest equivalent from the raw rows (bench/monitors_peer.py). Run by bench/run.mjs (with the
// other groups, or alone with `--only monitors` or a case id below); see BENCHMARKS.md.
//
// Data: 500 columns (200 float, 100 int, 200 string; 20 with 2–3 % nulls), 2,000 rows a day for 8 days — 7
// baseline days and the target day, in which 50 columns are shifted (location, spread, category mix, new
// categories) and 10 get a null rate of 20–25 % — plus a named reference profile ("launch", 10,000 rows of
// the unshifted distributions). Each day is profiled in process with @sightglass/profile and stored through
// the server's own ingestion (`ingestProfile`, then the ingestor's flush), so the buckets, their materialized
// column summaries (bucket_columns) and the reference row are exactly what a server would hold; the timing
// starts only after every merge has finished. The same raw values go to the peer through files written once.
//
// Monitors: 50 parsed with `parseMonitorConfig` (see monitorDocuments below): 10 drift, 10 fixed, 10 stddev,
// 8 percent_change, 6 data_quality, 3 schema_change, 3 missing_data; the column monitors target all 500
// columns or a group of them, against the trailing 7 days or the reference.
//
// Stores: the embedded SQLite store in a temporary directory (case monitors-bucket, run by default) and, on
// request only (`node bench/run.mjs monitors-bucket-postgres`), a database of scripts/postgres.mjs's private
// cluster, which runs with fsync and synchronous_commit off (no matter for the reads timed here).
//
// Timing: `new BucketEvaluator(store, project, target day).evaluate(monitors)`, as the scheduler runs it,
// with a fresh evaluator each time, so runs share nothing but the store's decoded-bucket cache (the
// ingestor's, one per opened store and process):
//   first       the first evaluation in the process, on a store just opened (JIT and cache both cold)
//   cold cache  the store reopened (an empty cache), code warm: median of COLD_REPETITIONS
//   warm        the same store again (the 8 buckets decoded and cached): median of `repetitions`
// and the monitors of each analyzer type alone (cache warm, median of BY_TYPE_REPETITIONS), which overlap: an
// evaluator reads the target and each baseline once for all its monitors, so a type alone pays for what a
// full run shares. The peer: a warm-up on a spread of the columns, then PYTHON_REPETITIONS runs (median).
import { runPythonPeer } from "./python-peer.mjs";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRandomUint32, importBuilt, median } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));

export const MONITOR_CASE_IDS = ["monitors-bucket", "monitors-bucket-postgres"];

/** The target for one bucket's evaluation (50 monitors × 500 columns), in milliseconds. */
const TARGET_MS = 2000;
/** Evaluations of a store just reopened, after the first one (each needs its own reopen). */
const COLD_REPETITIONS = 3;
/** Timed evaluations of each analyzer type's monitors alone. */
const BY_TYPE_REPETITIONS = 3;
/**
 * Evidently's timed runs after its warm-up. One: a run on the 500 columns takes over a minute (most of it
 * building the plotly figures of its per-column widgets, which Report.run does whether or not they are
 * shown), and at a speed-up in the tens the spread between runs does not change the reading.
 */
const PYTHON_REPETITIONS = 1;
/**
 * Columns of the peer's warm-up (every column's cost is alike, so a run on a spread of them, all rows, takes
 * the code paths of the timed run — Evidently picks its drift method by row count — in a fraction of its
 * time).
 */
const PYTHON_WARMUP_COLUMNS = 20;
const PYTHON_ENV = { name: "python-bench", requirements: "bench/requirements.txt" };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Fixed past dates: the buckets do not depend on when the benchmark runs. */
const T0 = Date.UTC(2024, 0, 1);
const BASELINE_DAYS = 7;
const TARGET_BUCKET = T0 + BASELINE_DAYS * DAY;
const REFERENCE = "launch";

function sizes(quick) {
  return quick
    ? { floats: 8, ints: 4, strings: 8, rows: 200, referenceRows: 1000 }
    : { floats: 200, ints: 100, strings: 200, rows: 2000, referenceRows: 10_000 };
}

// ---------------------------------------------------------------------------------------------------------
// Data: per column a kind, a generator of the baseline distribution and, for the shifted columns, one of the
// target day. Draws come from a SplitMix stream per (column, window), so every window is generated alone.

/** Category labels: `cat-<k>`; codes ≥ the column's cardinality are the new categories of the target day. */
const CARDINALITIES = [3, 5, 8, 12, 20, 50, 100, 400];
const labelOf = (k) => `cat-${k}`;
const VOCABULARY = Array.from({ length: 2 * Math.max(...CARDINALITIES) }, (_, k) => labelOf(k));

/**
 * Column `c` of a layout: name, kind (float | int | string), its template (or cardinality), whether the
 * target day shifts its values and its null rates (baseline, target day). 10 % of the columns shift and 2 %
 * see their null rate jump, spread over every template.
 */
function columnAt(size, c) {
  const pad = (i) => String(i).padStart(3, "0");
  if (c < size.floats) {
    const j = c;
    return {
      name: `f_${pad(c)}`,
      kind: "float",
      template: j % 5,
      shifted: j % 10 === 3,
      nulls: j % 20 === 7 ? [0.03, j % 40 === 7 ? 0.25 : 0.03] : [0, 0],
    };
  }
  if (c < size.floats + size.ints) {
    const j = c - size.floats;
    return { name: `i_${pad(c)}`, kind: "int", template: j % 4, shifted: j % 10 === 3, nulls: [0, 0] };
  }
  const j = c - size.floats - size.ints;
  return {
    name: `s_${pad(c)}`,
    kind: "string",
    cardinality: CARDINALITIES[j % CARDINALITIES.length],
    // 10 columns change their mix (uniform instead of skewed), 10 get 10 % of new categories.
    shift: j % 20 === 5 ? "mix" : j % 20 === 15 ? "new" : null,
    shifted: j % 10 === 5,
    nulls: j % 20 === 11 ? [0.02, j % 40 === 11 ? 0.2 : 0.02] : [0, 0],
  };
}

/**
 * One window of one column: Float64Array (NaN = null) for floats, Int32Array for ints, Int32Array codes into
 * VOCABULARY (−1 = null) for strings.
 */
function columnWindow(column, c, window, rows, target) {
  const next = createRandomUint32(Math.imul(c + 1, 0x632be5ab) ^ Math.imul(window + 7, 0x85157af5));
  const uniform = () => (next() + 0.5) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const shifted = target && column.shifted;
  const nullRate = column.nulls[target ? 1 : 0];
  if (column.kind === "float") {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      if (nullRate > 0 && uniform() < nullRate) {
        out[i] = NaN;
        continue;
      }
      switch (column.template) {
        case 0: // normal(50, 10); shifted: half a standard deviation up
          out[i] = 50 + 10 * normal() + (shifted ? 5 : 0);
          break;
        case 1: // log-normal (a price); shifted: 20 % dearer
          out[i] = Math.exp(3 + 0.6 * normal()) * (shifted ? 1.2 : 1);
          break;
        case 2: // uniform [0, 1000); shifted: [0, 1200)
          out[i] = uniform() * (shifted ? 1200 : 1000);
          break;
        case 3: // exponential, mean 20; shifted: mean 26
          out[i] = -Math.log(uniform()) * (shifted ? 26 : 20);
          break;
        default: // a z-score with 2 decimals; shifted: 1.5× the spread at the same mean
          out[i] = Math.round(normal() * (shifted ? 150 : 100)) / 100;
      }
    }
    return out;
  }
  if (column.kind === "int") {
    const out = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      switch (column.template) {
        case 0: // uniform 0…99; shifted: 0…119
          out[i] = Math.floor(uniform() * (shifted ? 120 : 100));
          break;
        case 1: // counts, mean ≈ 5; shifted: ≈ 7
          out[i] = Math.floor(-Math.log(uniform()) * (shifted ? 7.5 : 5.5));
          break;
        case 2: // ages; shifted: 4 years older
          out[i] = Math.min(90, Math.max(18, Math.round(40 + 12 * normal() + (shifted ? 4 : 0))));
          break;
        default: // ids over ±1M; shifted: the upper 80 %
          out[i] = Math.floor(uniform() * 2_000_000) - (shifted ? 600_000 : 1_000_000);
      }
    }
    return out;
  }
  const out = new Int32Array(rows);
  const card = column.cardinality;
  for (let i = 0; i < rows; i++) {
    if (nullRate > 0 && uniform() < nullRate) {
      out[i] = -1;
      continue;
    }
    const u = uniform();
    if (shifted && column.shift === "mix") out[i] = Math.floor(u * card);
    else if (shifted && column.shift === "new" && uniform() < 0.1) out[i] = card + Math.floor(u * card);
    else out[i] = Math.floor(u * u * card);
  }
  return out;
}

/** A window of every column: `{ columns: [{ name, kind, values }], rows }`. */
function generateWindow(layout, window, rows, target) {
  return {
    rows,
    columns: layout.map((col, c) => ({ ...col, values: columnWindow(col, c, window, rows, target) })),
  };
}

/** The `track()` column object of a window: numbers as typed arrays, strings as arrays with null. */
function toColumnObject(win) {
  const out = {};
  for (const col of win.columns) {
    out[col.name] =
      col.kind === "string" ? Array.from(col.values, (k) => (k < 0 ? null : VOCABULARY[k])) : col.values;
  }
  return out;
}

/**
 * Writes windows (concatenated, in order) for the peer: `<prefix>numeric.f64` (float and int columns, column
 * after column, NaN = null; ints are exact in float64) and `<prefix>codes.i32` (string columns' codes into
 * VOCABULARY, −1 = null).
 */
function writeWindows(dir, prefix, windows) {
  const rows = windows.reduce((s, w) => s + w.rows, 0);
  const layout = windows[0].columns;
  const numeric = layout.filter((c) => c.kind !== "string");
  const strings = layout.filter((c) => c.kind === "string");
  const f64 = new Float64Array(numeric.length * rows);
  const i32 = new Int32Array(strings.length * rows);
  let offset = 0;
  for (const w of windows) {
    let n = 0;
    let s = 0;
    for (const col of w.columns) {
      if (col.kind === "string") i32.set(col.values, s++ * rows + offset);
      else f64.set(col.values, n++ * rows + offset);
    }
    offset += w.rows;
  }
  const files = { numeric: join(dir, `${prefix}numeric.f64`), codes: join(dir, `${prefix}codes.i32`) };
  writeFileSync(files.numeric, new Uint8Array(f64.buffer));
  writeFileSync(files.codes, new Uint8Array(i32.buffer));
  return { rows, files };
}

// ---------------------------------------------------------------------------------------------------------
// The 50 monitors: documents as a user would write them, parsed (and given their defaults) by the server.

const TRAILING = { type: "trailing", buckets: 7 };
const REF = { type: "reference", name: REFERENCE };

/** The monitors of a project of `columns` columns and about `rows` rows a day. */
const monitorDocuments = ({ columns, rows }) => [
  // drift (10): auto and five set methods, both baselines, all columns, a group or wildcards.
  { name: "Drift, all columns", analyzer: { type: "drift" }, targets: "*", baseline: TRAILING },
  { name: "Drift vs launch", analyzer: { type: "drift" }, targets: "*", baseline: REF },
  {
    name: "Hellinger, inputs",
    analyzer: { type: "drift", method: "hellinger" },
    targets: "group:inputs",
    baseline: TRAILING,
  },
  {
    name: "Hellinger vs launch",
    analyzer: { type: "drift", method: "hellinger" },
    targets: "*",
    baseline: REF,
  },
  {
    name: "PSI, numeric",
    analyzer: { type: "drift", method: "psi" },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "PSI vs launch, numeric",
    analyzer: { type: "drift", method: "psi" },
    targets: "group:numeric",
    baseline: REF,
  },
  {
    name: "Jensen–Shannon, categorical",
    analyzer: { type: "drift", method: "jensen_shannon" },
    targets: "group:categorical",
    baseline: TRAILING,
  },
  {
    name: "Jensen–Shannon vs launch",
    analyzer: { type: "drift", method: "jensen_shannon", threshold: 0.15 },
    targets: { include: ["*"], exclude: ["i_*"] },
    baseline: REF,
  },
  {
    name: "KS, floats and ints",
    analyzer: { type: "drift", method: "ks" },
    targets: ["f_*", "i_*"],
    baseline: TRAILING,
  },
  {
    name: "Chi-square, categorical",
    analyzer: { type: "drift", method: "chi_square", minCount: 100 },
    targets: "s_*",
    baseline: TRAILING,
  },
  // fixed (10)
  { name: "Null ratio", analyzer: { type: "fixed", metric: "null_ratio", upper: 0.1 }, targets: "*" },
  { name: "Row count", analyzer: { type: "fixed", metric: "row_count", lower: rows / 2 } },
  {
    name: "Column count",
    analyzer: { type: "fixed", metric: "column_count", lower: columns, upper: columns },
  },
  { name: "Count", analyzer: { type: "fixed", metric: "count", lower: rows / 2 }, targets: "*" },
  {
    name: "Mean bounds",
    analyzer: { type: "fixed", metric: "mean", lower: -1e7, upper: 1e7 },
    targets: "group:numeric",
  },
  { name: "Min ≥ −2M", analyzer: { type: "fixed", metric: "min", lower: -2e6 }, targets: "group:numeric" },
  { name: "p95 ≤ 1M", analyzer: { type: "fixed", metric: "q_95", upper: 1e6 }, targets: "group:numeric" },
  { name: "Median", analyzer: { type: "fixed", metric: "median", lower: -1e6 }, targets: "group:numeric" },
  // An id leaking into a category column.
  {
    name: "Distinct ratio",
    analyzer: { type: "fixed", metric: "distinct_ratio", upper: 0.5 },
    targets: "group:categorical",
  },
  {
    name: "Infinities",
    analyzer: { type: "fixed", metric: "counts/inf", upper: 0 },
    targets: "group:numeric",
  },
  // stddev (10), trailing 7 days
  {
    name: "Mean σ",
    analyzer: { type: "stddev", metric: "mean" },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "Stddev σ",
    analyzer: { type: "stddev", metric: "stddev" },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "Null ratio σ",
    analyzer: { type: "stddev", metric: "null_ratio", direction: "up" },
    targets: "*",
    baseline: TRAILING,
  },
  {
    name: "Median σ",
    analyzer: { type: "stddev", metric: "median" },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "p95 σ",
    analyzer: { type: "stddev", metric: "q_95", factor: 4 },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "p05 σ",
    analyzer: { type: "stddev", metric: "q_05", factor: 4 },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  { name: "Distinct σ", analyzer: { type: "stddev", metric: "distinct" }, targets: "*", baseline: TRAILING },
  {
    name: "Count σ",
    analyzer: { type: "stddev", metric: "count", direction: "down" },
    targets: "*",
    baseline: TRAILING,
  },
  {
    name: "Max σ",
    analyzer: { type: "stddev", metric: "max", factor: 5 },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  { name: "Row count σ", analyzer: { type: "stddev", metric: "row_count" }, baseline: TRAILING },
  // percent_change (8)
  {
    name: "Mean ±20 %",
    analyzer: { type: "percent_change", metric: "mean", percent: 20 },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "Mean vs launch",
    analyzer: { type: "percent_change", metric: "mean", percent: 25 },
    targets: "group:numeric",
    baseline: REF,
  },
  {
    name: "Nulls +50 %",
    analyzer: { type: "percent_change", metric: "null_ratio", percent: 50, direction: "up" },
    targets: "*",
    baseline: TRAILING,
  },
  {
    name: "Distinct ±30 %",
    analyzer: { type: "percent_change", metric: "distinct", percent: 30 },
    targets: "*",
    baseline: TRAILING,
  },
  {
    name: "Median vs launch",
    analyzer: { type: "percent_change", metric: "median", percent: 20 },
    targets: "group:numeric",
    baseline: REF,
  },
  {
    name: "Stddev ±25 %",
    analyzer: { type: "percent_change", metric: "stddev", percent: 25 },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "q25 ±20 %",
    analyzer: { type: "percent_change", metric: "q_25", percent: 20 },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "Row count ±50 %",
    analyzer: { type: "percent_change", metric: "row_count", percent: 50 },
    baseline: TRAILING,
  },
  // data_quality (6)
  {
    name: "Missing values",
    analyzer: { type: "data_quality", checks: ["missing_values"] },
    targets: "*",
    baseline: TRAILING,
  },
  {
    name: "Type mismatch",
    analyzer: { type: "data_quality", checks: ["type_mismatch"] },
    targets: "*",
    baseline: TRAILING,
  },
  {
    name: "Out of range",
    analyzer: { type: "data_quality", checks: ["out_of_range", "quantile_range"] },
    targets: "group:numeric",
    baseline: TRAILING,
  },
  {
    name: "Categories",
    analyzer: { type: "data_quality", checks: ["new_category", "vanished_category"] },
    targets: "group:categorical",
    baseline: TRAILING,
  },
  {
    name: "Quality vs launch",
    analyzer: { type: "data_quality", checks: ["missing_values", "type_mismatch", "out_of_range"] },
    targets: "*",
    baseline: REF,
  },
  {
    name: "Cardinality",
    analyzer: { type: "data_quality", checks: ["cardinality_change", "constant_column"] },
    targets: "*",
    baseline: TRAILING,
  },
  // schema_change (3)
  { name: "Schema", analyzer: { type: "schema_change" }, baseline: TRAILING },
  { name: "Schema vs launch", analyzer: { type: "schema_change" }, baseline: REF },
  {
    name: "Types vs yesterday",
    analyzer: { type: "schema_change", added: false, removed: false },
    baseline: { type: "trailing", buckets: 1 },
  },
  // missing_data (3)
  { name: "Missing data", analyzer: { type: "missing_data" } },
  { name: "Low volume", analyzer: { type: "missing_data", minRows: rows / 2 } },
  { name: "Full day", analyzer: { type: "missing_data", minRows: (rows * 9) / 10 } },
];

const ANALYZER_ORDER = [
  "drift",
  "fixed",
  "stddev",
  "percent_change",
  "data_quality",
  "schema_change",
  "missing_data",
];

// ---------------------------------------------------------------------------------------------------------
// Formatting

const fmtMs = (ms) =>
  ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
const fmtCount = (n) => n.toLocaleString("en-US");
const fmtRatio = (r) => (r === undefined ? "—" : `${r.toFixed(r < 10 ? 2 : 1)}×`);

// ---------------------------------------------------------------------------------------------------------
// Run

/** Summary of one evaluation run: count, anomalies and both per analyzer type and per monitor. */
function tally(evaluations, monitors) {
  const byType = {};
  const byMonitor = new Map(
    monitors.map((m) => [
      m.id,
      { name: m.config.name, type: m.config.analyzer.type, evaluations: 0, anomalies: 0, columns: [] },
    ]),
  );
  for (const e of evaluations) {
    const t = (byType[e.analyzer] ??= { evaluations: 0, anomalies: 0 });
    const m = byMonitor.get(e.monitorId);
    t.evaluations++;
    m.evaluations++;
    if (e.anomaly) {
      t.anomalies++;
      m.anomalies++;
      // Which columns alarmed (for results.json readers: the target day's shifted columns are known).
      if (e.column !== "") m.columns.push(e.column);
    }
  }
  return {
    evaluations: evaluations.length,
    anomalies: evaluations.filter((e) => e.anomaly).length,
    byType,
    byMonitor: [...byMonitor.values()],
  };
}

/**
 * SIGHTGLASS_BENCH_CPU_PROF=<dir>: the first, one cold-cache and one warm evaluation of each store are
 * profiled (node:inspector, sampling every 100 µs) into <dir>/<case id>-<run>.cpuprofile, for Chrome
 * DevTools or `npx speedscope`; those runs' timings then include the profiler's overhead.
 */
async function startCpuProfile() {
  if (!process.env.SIGHTGLASS_BENCH_CPU_PROF) return undefined;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  return session;
}

async function stopCpuProfile(session, name, log) {
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const dir = resolve(process.env.SIGHTGLASS_BENCH_CPU_PROF);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  log(`[bench] wrote ${file}`);
}

/** The stores: SQLite (the default case) and PostgreSQL (only when named); `start()` prepares one. */
const BACKENDS = [
  {
    id: "monitors-bucket",
    name: "sqlite",
    title: "SQLite",
    async start(workDir) {
      return { options: { dataDir: join(workDir, "sqlite") }, release: async () => {} };
    },
  },
  {
    id: "monitors-bucket-postgres",
    name: "postgres",
    title: "PostgreSQL",
    async start(workDir) {
      const { ensurePostgres, createDatabase, dropDatabase } = await import("../scripts/postgres.mjs");
      const pg = await ensurePostgres({ quiet: true });
      const name = `sg_bench_monitors_${process.pid}`;
      const url = await createDatabase(pg.url, name);
      return {
        options: { databaseUrl: url, dataDir: workDir },
        note: pg.external ? "external server" : "fsync / synchronous_commit off",
        release: async () => {
          await dropDatabase(url, name);
          await pg.release();
        },
      };
    },
  },
];

/**
 * Loads the days and the reference into a new store through the server's ingestion, then times the
 * evaluations on it. `firstInProcess`: no evaluation ran in this process before (its first run is JIT-cold).
 */
async function benchStore({
  server,
  ingestorOf,
  DatasetProfile,
  backend,
  workDir,
  data,
  monitors,
  repetitions,
  log,
}) {
  const { openStore, ingestProfile, createOrganization, BucketEvaluator } = server;
  const started = await backend.start(workDir);
  let store = await openStore(started.options);
  try {
    await createOrganization(store, "Benchmark", "bench");
    const project = {
      id: "bench-monitors",
      dataset_id: "bench-monitors",
      org_id: "bench",
      name: "Monitor benchmark",
      description: "",
      frequency: "day",
      time_zone: "UTC",
      created_at: T0,
    };
    await store.db.insertInto("projects").values(project).execute();
    log(`[bench] ${backend.id}: profiling and ingesting ${data.days.length} days and the reference …`);
    const ingestStart = performance.now();
    let profileBytes = 0;
    const merges = [];
    for (let d = 0; d < data.days.length; d++) {
      const bytes = new DatasetProfile({ datasetTimestamp: T0 + d * DAY + HOUR })
        .track(toColumnObject(data.days[d]))
        .view()
        .serialize();
      profileBytes += bytes.length;
      merges.push((await ingestProfile(store, { project, bytes, source: "api" })).merged);
    }
    const referenceBytes = new DatasetProfile({ datasetTimestamp: T0 - 30 * DAY })
      .track(toColumnObject(data.reference))
      .view()
      .serialize();
    await ingestProfile(store, { project, bytes: referenceBytes, source: "api", referenceName: REFERENCE });
    // Merge now rather than after the ingestor's batching delay (its timers do not keep the process alive).
    await ingestorOf(store).flush();
    await Promise.all(merges);
    const ingestMs = performance.now() - ingestStart;
    // Every upload merged: one bucket per day at version 1 and nothing pending (reads would merge pending
    // uploads on the fly, which is not what a scheduled run after the readiness delay meets).
    const buckets = await store.db
      .selectFrom("buckets")
      .select(["bucket_start", "version"])
      .where("project_id", "=", project.id)
      .execute();
    const pending = await store.db
      .selectFrom("uploads")
      .select("id")
      .where("project_id", "=", project.id)
      .where("merged_at", "is", null)
      .execute();
    if (buckets.length !== data.days.length || buckets.some((b) => b.version !== 1) || pending.length > 0) {
      throw new Error(
        `${backend.id}: ${buckets.length} buckets (versions ${buckets.map((b) => b.version).join(", ")}), ` +
          `${pending.length} uploads pending`,
      );
    }
    const summaries = await store.db
      .selectFrom("bucket_columns")
      .select(["bucket_start", "column_name", "metrics"])
      .where("project_id", "=", project.id)
      .where("segment_key", "=", "")
      .execute();
    if (summaries.length !== data.days.length * data.columnCount) {
      const expected = data.days.length * data.columnCount;
      throw new Error(`${backend.id}: ${summaries.length} bucket_columns rows, expected ${expected}`);
    }

    const evaluateOnce = async (list, profileAs) => {
      const session = profileAs === undefined ? undefined : await startCpuProfile();
      const start = performance.now();
      const evaluations = await new BucketEvaluator(store, project, TARGET_BUCKET).evaluate(list);
      const ms = performance.now() - start;
      if (session !== undefined) await stopCpuProfile(session, `${backend.id}-${profileAs}`, log);
      return { ms, evaluations };
    };
    // A new Store object has a new ingestor, hence an empty decoded-bucket cache.
    const reopen = async () => {
      await store.close();
      store = await openStore(started.options);
    };

    await reopen();
    log(`[bench] ${backend.id}: first evaluation (store just opened, nothing decoded) …`);
    const first = await evaluateOnce(monitors, "first");
    const result = tally(first.evaluations, monitors);
    const coldSamples = [];
    for (let i = 0; i < COLD_REPETITIONS; i++) {
      await reopen();
      coldSamples.push((await evaluateOnce(monitors, i === 0 ? "cold" : undefined)).ms);
    }
    log(`[bench] ${backend.id}: ${repetitions} warm evaluations, then each analyzer type alone …`);
    const warmSamples = [];
    for (let i = 0; i < repetitions; i++) {
      const run = await evaluateOnce(monitors, i === 0 ? "warm" : undefined);
      const again = tally(run.evaluations, monitors);
      if (again.evaluations !== result.evaluations || again.anomalies !== result.anomalies)
        throw new Error(`${backend.id}: runs differ (${JSON.stringify(again)} vs ${JSON.stringify(result)})`);
      warmSamples.push(run.ms);
    }
    const byType = [];
    for (const type of ANALYZER_ORDER) {
      const list = monitors.filter((m) => m.config.analyzer.type === type);
      const samples = [];
      let count = 0;
      for (let i = 0; i < BY_TYPE_REPETITIONS; i++) {
        const run = await evaluateOnce(list);
        samples.push(run.ms);
        count = run.evaluations.length;
      }
      byType.push({ type, monitors: list.length, evaluations: count, ms: median(samples), samples });
    }

    // Non-null values per column in the stored summaries: the 7 baseline buckets summed, and the target's.
    const nonNull = { baseline: {}, current: {} };
    for (const row of summaries) {
      const m = JSON.parse(row.metrics);
      const side = row.bucket_start === TARGET_BUCKET ? nonNull.current : nonNull.baseline;
      side[row.column_name] = (side[row.column_name] ?? 0) + (m["counts/n"] ?? 0) - (m["counts/null"] ?? 0);
    }
    return {
      backend: backend.name,
      note: started.note,
      ingestMs,
      profileMegabytesPerDay: profileBytes / data.days.length / 1e6,
      first: { ms: first.ms },
      cold: { ms: median(coldSamples), samples: coldSamples },
      warm: { ms: median(warmSamples), samples: warmSamples },
      byType,
      evaluations: result,
      nonNull,
    };
  } finally {
    await store.close();
    await started.release();
  }
}

/**
 * Runs the selected monitor cases. `select(id)` says whether a case id is wanted; `ensurePythonEnv` is
 * scripts/python-env.mjs's. Returns `{ json, markdown }`.
 */
export async function runMonitorBench({ quick, select, ensurePythonEnv, repetitions, log }) {
  const backends = BACKENDS.filter((b) => select(b.id));
  if (backends.length === 0) return { json: {}, markdown: "" };
  const { DatasetProfile } = await importBuilt("profile");
  const server = await importBuilt("server");
  const { ingestorOf } = server;

  const size = sizes(quick);
  const columnCount = size.floats + size.ints + size.strings;
  const layout = Array.from({ length: columnCount }, (_, c) => columnAt(size, c));
  const workDir = mkdtempSync(join(tmpdir(), "sightglass-bench-monitors-"));
  const cleanup = () => rmSync(workDir, { recursive: true, force: true });
  process.on("exit", cleanup);

  try {
    // 1. Data: 7 baseline days, the target day, the reference window; the peer's files.
    log(
      `[bench] monitors: ${columnCount} columns × ${fmtCount(size.rows)} rows × ${BASELINE_DAYS + 1} ` +
        `days + a ${fmtCount(size.referenceRows)}-row reference …`,
    );
    const days = Array.from({ length: BASELINE_DAYS + 1 }, (_, d) =>
      generateWindow(layout, d, size.rows, d === BASELINE_DAYS),
    );
    const data = {
      days,
      reference: generateWindow(layout, 100, size.referenceRows, false),
      columnCount,
    };
    const peerFiles = {
      baseline: writeWindows(workDir, "baseline-", days.slice(0, BASELINE_DAYS)),
      current: writeWindows(workDir, "current-", [days[BASELINE_DAYS]]),
    };

    // 2. The monitors, and each store in turn.
    const monitors = monitorDocuments({ columns: columnCount, rows: size.rows }).map((doc, i) => ({
      id: `mon_${String(i).padStart(2, "0")}`,
      version: 1,
      config: server.parseMonitorConfig(doc),
    }));
    const stores = [];
    for (const backend of backends) {
      stores.push({
        ...backend,
        ...(await benchStore({
          server,
          ingestorOf,
          DatasetProfile,
          backend,
          workDir,
          data,
          monitors,
          repetitions,
          log,
        })),
      });
    }

    // 3. The peer on the raw rows.
    log(`[bench] python env for the evidently peer (${PYTHON_ENV.requirements}; ~40 s when new) …`);
    const python = ensurePythonEnv({ quiet: true, ...PYTHON_ENV });
    log(
      `[bench] evidently peer (DataDriftPreset + DataSummaryPreset on ${columnCount} columns; ` +
        `${quick ? "a few seconds" : "about 70 s"}) …`,
    );
    const configPath = join(workDir, "peer.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        repetitions: PYTHON_REPETITIONS,
        warmupColumns: quick ? 4 : PYTHON_WARMUP_COLUMNS,
        columns: layout.map((c) => ({ name: c.name, kind: c.kind })),
        vocabulary: VOCABULARY,
        baseline: peerFiles.baseline,
        current: peerFiles.current,
      }),
    );
    const evidently = runPythonPeer(python, join(here, "monitors_peer.py"), [configPath]);

    // Data check: the stored bucket summaries and the peer's DataFrames hold the same number of values.
    const problems = [];
    for (const s of stores) {
      for (const side of ["baseline", "current"]) {
        for (const [column, count] of Object.entries(evidently.nonNull[side])) {
          if (s.nonNull[side][column] !== count)
            problems.push(`${s.backend} ${side} ${column}: ${s.nonNull[side][column]} vs ${count}`);
        }
      }
    }
    for (const p of problems) log(`[bench] WARNING monitors data check: ${p}`);

    // -------------------------------------------------------------------------------------------------------
    // Tables

    const evMs = evidently.timings.report.ms;
    const shiftedColumns = layout.filter((c) => c.shifted).length;
    const nullJumps = layout.filter((c) => c.nulls[1] > c.nulls[0]).length;
    const peerReport = "Report([DataDriftPreset(), DataSummaryPreset()]) on the raw rows";
    const rows = [];
    stores.forEach((s, i) => {
      const title = (what) =>
        `Monitors: ${monitors.length} monitors, ${columnCount} columns, 1 daily bucket, ${s.title} ` +
        `(${what}) vs ${peerReport}`;
      const first = i === 0 ? "first run in the process: JIT and cache cold" : "first run on this store";
      rows.push(
        { id: s.id, title: title(`warm cache: median of ${repetitions}`), ms: s.warm.ms },
        {
          id: `${s.id}-cold`,
          title: title(`store reopened, nothing decoded: median of ${COLD_REPETITIONS}`),
          ms: s.cold.ms,
        },
        { id: `${s.id}-first`, title: title(first), ms: s.first.ms },
      );
    });
    for (const r of rows) {
      r.evidentlyMs = evMs;
      r.ratio = r.ms > 0 ? evMs / r.ms : undefined;
      r.targetMs = TARGET_MS;
      r.met = r.ms <= TARGET_MS;
    }
    const v = evidently.versions;
    const lines = [
      `Sightglass monitor evaluation (BucketEvaluator, daily buckets) vs Evidently ${v.evidently} ` +
        `(pandas ${v.pandas}, scipy ${v.scipy}) — Node ${process.version}, ` +
        `${cpus().length}× ${cpus()[0]?.model ?? "unknown CPU"}` +
        `${quick ? " (--quick: small inputs, numbers not meaningful)" : ""}\n`,
      "| case | Sightglass | Evidently | speed-up (Evidently / Sightglass) | target | met? |",
      "|---|---:|---:|---:|---:|:---:|",
      ...rows.map(
        (r) =>
          `| ${r.title} | ${fmtMs(r.ms)} | ${fmtMs(r.evidentlyMs)} | ${fmtRatio(r.ratio)} | ` +
          `≤ ${fmtMs(r.targetMs)} | ${r.met ? "yes" : "no"} |`,
      ),
    ];
    for (const s of stores) {
      lines.push(
        "",
        `Per analyzer type on ${s.title}: its monitors alone, a fresh evaluator, cache warm, median of ` +
          `${BY_TYPE_REPETITIONS}. A full run reads the target and each baseline once for every type, so ` +
          `the types' figures add up to more than the full run's.\n`,
        "| analyzer type | monitors | evaluations | anomalies | time alone |",
        "|---|---:|---:|---:|---:|",
        ...s.byType.map(
          (t) =>
            `| ${t.type} | ${t.monitors} | ${fmtCount(t.evaluations)} | ` +
            `${fmtCount(s.evaluations.byType[t.type]?.anomalies ?? 0)} | ${fmtMs(t.ms)} |`,
        ),
      );
    }
    const s0 = stores[0];
    const mb = s0.profileMegabytesPerDay;
    const shiftedNames = new Set(layout.filter((c) => c.shifted).map((c) => c.name));
    const ofShifted = (columns) => columns.filter((c) => shiftedNames.has(c)).length;
    // The default-like drift monitor (auto, trailing 7 days, every column) next to Evidently's preset.
    const allDrift = s0.evaluations.byMonitor.find((m) => m.name === "Drift, all columns");
    const ingest = stores.map((s) => `${fmtMs(s.ingestMs)} (${s.title})`).join(", ");
    lines.push(
      "",
      `One run produces ${fmtCount(s0.evaluations.evaluations)} evaluations, ` +
        `${fmtCount(s0.evaluations.anomalies)} of them anomalies (the target day shifts ` +
        `${shiftedColumns} of ${columnCount} columns and raises the null rate of ${nullJumps}). ` +
        `Drift of every column against the 7 days: Sightglass "${allDrift.name}" (auto) alarms on ` +
        `${allDrift.anomalies}/${columnCount} columns, ${ofShifted(allDrift.columns)} of them shifted; ` +
        `Evidently finds drift in ${evidently.driftedColumns.count}, ` +
        `${ofShifted(evidently.driftedColumns.columns)} of them shifted (its default methods), and ` +
        `${evidently.tests.FAIL ?? 0} of its ${evidently.tests.total} tests fail. ` +
        `${fmtCount(size.rows)} rows a day, stored profiles of ${mb.toFixed(mb < 1 ? 2 : 1)} MB a day. ` +
        `Untimed above: profiling and ingesting the days and the reference ${ingest}; building ` +
        `Evidently's DataFrames ${fmtMs(evidently.timings.frames.ms)}.`,
      problems.length === 0
        ? "Data check: the stored bucket summaries and the DataFrames hold the same number of values in " +
            "every column."
        : `Data check FAILED (${problems.length}): ${problems.slice(0, 5).join("; ")}`,
    );

    const json = {
      meta: {
        columns: columnCount,
        rowsPerDay: size.rows,
        referenceRows: size.referenceRows,
        days: days.length,
        monitors: monitors.length,
        monitorTypes: Object.fromEntries(
          ANALYZER_ORDER.map((t) => [t, monitors.filter((m) => m.config.analyzer.type === t).length]),
        ),
        shiftedColumns: layout.filter((c) => c.shifted).map((c) => c.name),
        nullRateJumps: layout.filter((c) => c.nulls[1] > c.nulls[0]).map((c) => c.name),
        repetitions,
        coldRepetitions: COLD_REPETITIONS,
        byTypeRepetitions: BY_TYPE_REPETITIONS,
        pythonRepetitions: PYTHON_REPETITIONS,
        targetMs: TARGET_MS,
        versions: evidently.versions,
      },
      rows,
      stores: stores.map(({ start: _start, nonNull: _nonNull, ...rest }) => rest),
      evidently: { ...evidently, nonNull: undefined },
      dataCheck: { ok: problems.length === 0, problems },
      // Keeps the evaluations observable for the harness' sink.
      sink: stores.reduce((sum, s) => sum + s.evaluations.evaluations, 0),
    };
    return { json, markdown: lines.join("\n") };
  } finally {
    cleanup();
    process.off("exit", cleanup);
  }
}
