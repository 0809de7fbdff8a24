// Server benchmarks: the `sightglass serve` command (packages/cli, built dist) run as child processes, as
// deployed, and driven over HTTP from this process. Run by bench/run.mjs on request only — `node bench/run.mjs
// server` (or `--only server`, or a case id below) — as a full run takes 2½–4 minutes; see BENCHMARKS.md.
//
// Stores: the embedded SQLite store (one process) and PostgreSQL with three server processes on one database
// (scripts/postgres.mjs's private cluster, which runs with fsync, synchronous_commit and full_page_writes off:
// its write figures are optimistic next to a durable production setup).
//
// Cases (each on both stores):
//   server-ingest      POST /api/v1/projects/:id/profiles: 16 clients upload 2000 profiles (20 columns: 10
//                      numeric, 10 categorical; 500 rows each, built and serialized before the clock starts)
//                      round-robin over the processes into 48 hourly buckets, after one untimed upload per bucket;
//                      uploads/s and MB/s over the whole run, and each upload's latency.
//   server-timeseries  GET /api/v1/projects/:id/timeseries over 365 daily buckets (seeded with one such profile
//                      per day), one column and one metric: sequential requests, p50 / p95 latency.
//   server-drift       GET /api/v1/projects/:id/drift of 500-column profiles: baseline = 7 daily buckets, target =
//                      the next day; sequential requests, p50 / p95 latency.
//
// No peer: there is no comparable open-source server to run next to it (WhyLabs' hosted platform is gone), so the
// rows have figures and targets only, not the ratio columns of the other groups.
//
// The clients share the machine with the servers (and PostgreSQL); the table reports the CPU time each side used,
// so a CPU-bound run shows where it went. SIGHTGLASS_BENCH_CPU_PROF=<dir> starts the servers with
// `node --cpu-prof --cpu-prof-dir=<dir>` (a .cpuprofile per process, written when it stops).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { wideColumns } from "./drift.mjs";
import { createRandom, importBuilt } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const CLI = join(repoRoot, "packages", "cli", "bin", "sightglass.js");

export const SERVER_CASE_IDS = ["server-ingest", "server-timeseries", "server-drift"];

/** The issue's targets. */
const TARGETS = {
  ingestSqlite: 500, // uploads/s, one process
  ingestPostgres: 1000, // uploads/s, three processes on one database
  timeseriesP95Ms: 100,
  driftP95Ms: 500,
};
/** Seeded by the servers on their empty store (SIGHTGLASS_BOOTSTRAP_API_KEY); an admin key of the default org. */
const KEY = "sgBENCH001.0123456789abcdefghijABCDEFGHIJ";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Fixed past dates: the buckets do not depend on when the benchmark runs. */
const T0 = Date.UTC(2024, 0, 1);
const CONCURRENCY = 16;
const INGEST_BUCKETS = 48;
const POSTGRES_PROCESSES = 3;

function sizes(quick) {
  return quick
    ? {
        uploads: 200,
        rows: 100,
        days: 30,
        timeseriesRequests: 20,
        wideColumns: 50,
        wideRows: 500,
        driftRequests: 5,
      }
    : {
        uploads: 2000,
        rows: 500,
        days: 365,
        timeseriesRequests: 200,
        wideColumns: 500,
        wideRows: 5000,
        driftRequests: 30,
      };
}

// ---------------------------------------------------------------------------------------------------------
// Server processes

/** The environment without inherited SIGHTGLASS_* settings: only what the benchmark sets configures the servers. */
function serverEnv() {
  const env = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith("SIGHTGLASS_")) env[name] = value;
  return {
    ...env,
    SIGHTGLASS_BOOTSTRAP_API_KEY: KEY,
    // The figures are the server's own throughput: the per-key token bucket would cap them at its rate.
    SIGHTGLASS_RATE_LIMIT_PER_SECOND: "0",
    SIGHTGLASS_LOG_LEVEL: "warn",
  };
}

/** Starts `sightglass serve --port 0`; resolves with its child process and URL (from its "listening on" line). */
function startServer(storeArgs, cwd) {
  const cpuProf = process.env.SIGHTGLASS_BENCH_CPU_PROF;
  const nodeArgs = cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${resolve(cpuProf)}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, CLI, "serve", "--port", "0", ...storeArgs], {
    cwd,
    env: serverEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (err += chunk));
  const server = { child, url: undefined, stderr: () => err };
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`sightglass serve did not start within 60 s:\n${out}${err}`));
    }, 60_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      server.url = match[1];
      done(server);
    };
    child.stdout.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`sightglass serve exited (${code ?? signal}) before listening:\n${out}${err}`));
    });
  });
}

/** SIGTERM (the server drains, closes its store and writes its CPU profile), SIGKILL after 20 s. */
async function stopServer(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where there is none. */
function processCpuSeconds(pid) {
  try {
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine so far, from /proc/stat; undefined where there is none. */
function machineCpuSeconds() {
  try {
    const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
    const ticks = values.map(Number);
    const idle = ticks[3] + ticks[4]; // idle + iowait
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0); // without guest time, counted in user already
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return undefined;
  }
}

/** CPU seconds used by `pids` so far, by pid. */
const cpuByPid = (pids) => new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));

/** CPU seconds the processes in `after` used since `before` (a process that started meanwhile: all of it). */
function cpuSince(before, after) {
  let sum = 0;
  for (const [pid, seconds] of after) {
    if (seconds === undefined) return undefined;
    sum += seconds - (before.get(pid) ?? 0);
  }
  return sum;
}

/**
 * CPU used during `fn`: by the servers, by this process (the clients), by the PostgreSQL backends serving the
 * benchmark's database (`databasePids`, when there is one) and by the whole machine, which this benchmark may
 * share with other work.
 */
async function withCpu(servers, databasePids, fn) {
  const serverPids = servers.map((s) => s.child.pid);
  const serverBefore = cpuByPid(serverPids);
  const databaseBefore = databasePids ? cpuByPid(await databasePids()) : undefined;
  const clientBefore = process.cpuUsage();
  const machineBefore = machineCpuSeconds();
  const result = await fn();
  const client = process.cpuUsage(clientBefore);
  const machineAfter = machineCpuSeconds();
  const serverSeconds = cpuSince(serverBefore, cpuByPid(serverPids));
  const databaseSeconds = databasePids ? cpuSince(databaseBefore, cpuByPid(await databasePids())) : undefined;
  return {
    result,
    cpu: {
      serverSeconds,
      clientSeconds: (client.user + client.system) / 1e6,
      databaseSeconds,
      machineBusySeconds: machineBefore && machineAfter ? machineAfter.busy - machineBefore.busy : undefined,
      machineTotalSeconds:
        machineBefore && machineAfter ? machineAfter.total - machineBefore.total : undefined,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

async function request(base, method, path, { body, bytes } = {}) {
  const headers = { "x-api-key": KEY };
  let payload;
  if (bytes !== undefined) {
    headers["content-type"] = "application/octet-stream";
    payload = bytes;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return text === "" ? undefined : JSON.parse(text);
}

async function createProject(base, id, frequency) {
  await request(base, "POST", "/api/v1/organizations/default/projects", {
    body: { id, name: id, frequency },
  });
  return id;
}

/** Uploads `bytes[i]` at `timestamps[i]` with `concurrency` clients, round-robin over `urls`; latencies in ms. */
async function uploadAll(urls, project, bytes, timestamps, concurrency) {
  const latencies = new Float64Array(bytes.length);
  let next = 0;
  const client = async () => {
    for (let i = next++; i < bytes.length; i = next++) {
      const url = urls[i % urls.length];
      const start = performance.now();
      await request(url, "POST", `/api/v1/projects/${project}/profiles?datasetTimestamp=${timestamps[i]}`, {
        bytes: bytes[i],
      });
      latencies[i] = performance.now() - start;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, bytes.length) }, client));
  return latencies;
}

/** `count` sequential GETs of `path` after `warmup` untimed ones; each latency in ms and the last answer. */
async function timeGets(url, path, count, warmup) {
  let answer;
  for (let i = 0; i < warmup; i++) answer = await request(url, "GET", path);
  const latencies = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    answer = await request(url, "GET", path);
    latencies[i] = performance.now() - start;
  }
  return { latencies, answer };
}

/** Nearest-rank percentile. */
function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const latencySummary = (values) => ({
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  max: Math.max(...values),
  count: values.length,
});

// ---------------------------------------------------------------------------------------------------------
// Profiles

/** The ingest profile: 10 numeric columns (several distributions) and 10 categorical ones (5 to 500 values). */
function ingestColumns(rows, seed) {
  const random = createRandom(seed);
  const columns = {};
  for (let c = 0; c < 10; c++) {
    const values = new Float64Array(rows);
    for (let j = 0; j < rows; j++) {
      const u = random();
      values[j] =
        c % 3 === 0
          ? u * 100 * (c + 1)
          : c % 3 === 1
            ? -Math.log(1 - u) * (c + 1)
            : Math.floor(u * 1000) - 500;
    }
    columns[`num_${c}`] = values;
  }
  for (let c = 0; c < 10; c++) {
    const cardinality = [5, 10, 20, 50, 100, 200, 500, 12, 3, 40][c];
    columns[`cat_${c}`] = Array.from(
      { length: rows },
      () => `c${c}-${Math.floor(random() ** 2 * cardinality)}`,
    );
  }
  return columns;
}

/** Rows [from, from + rows) of drift.mjs's 500-column reference (or shifted target) columns. */
function wideSlice(all, from, rows) {
  const out = {};
  for (const [name, values] of Object.entries(all)) out[name] = values.slice(from, from + rows);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

const fmtMs = (ms) =>
  ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
const fmtRate = (r) => `${r.toFixed(r >= 100 ? 0 : 1)}/s`;
const fmtCpu = (s) => (s === undefined ? "—" : `${s.toFixed(1)} s`);
const fmtMet = (m) => (m ? "yes" : "no");

function cpuNote(cpu, seconds) {
  if (cpu.serverSeconds === undefined || cpu.machineBusySeconds === undefined) return "CPU use: not measured";
  const known = cpu.serverSeconds + cpu.clientSeconds + (cpu.databaseSeconds ?? 0);
  const noDatabase = cpu.databaseSeconds === undefined;
  return (
    `CPU over ${seconds.toFixed(1)} s wall: servers ${fmtCpu(cpu.serverSeconds)}, clients ${fmtCpu(cpu.clientSeconds)}` +
    `${noDatabase ? "" : `, PostgreSQL backends of the database ${fmtCpu(cpu.databaseSeconds)}`}, everything else ` +
    `(other processes${noDatabase ? "" : ", PostgreSQL's background writers"}) ${fmtCpu(cpu.machineBusySeconds - known)}; ` +
    `machine ${((100 * cpu.machineBusySeconds) / cpu.machineTotalSeconds).toFixed(0)} % busy`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Run

/**
 * Runs the selected server cases on SQLite and on PostgreSQL. `select(id)` says whether a case id is wanted.
 * Returns `{ json, markdown }`.
 */
/** Polls until the project has no upload waiting to be merged. */
async function waitForMerges(url, project) {
  for (;;) {
    const { buckets } = await request(url, "GET", `/api/v1/projects/${project}/buckets`);
    if (buckets.every((b) => b.pendingUploads === 0)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runServerBench({ quick, select, log }) {
  const { DatasetProfile } = await importBuilt("profile");
  if (!existsSync(join(repoRoot, "packages", "cli", "dist", "bin.js"))) {
    console.error("Cannot find packages/cli/dist/bin.js (run `npm run build` first)");
    process.exit(1);
  }
  const size = sizes(quick);
  const want = Object.fromEntries(SERVER_CASE_IDS.map((id) => [id, select(id)]));
  const workDir = mkdtempSync(join(tmpdir(), "sightglass-bench-server-"));
  const running = new Set();
  const cleanup = () => {
    for (const s of running) s.child.kill("SIGKILL");
    rmSync(workDir, { recursive: true, force: true });
  };
  process.on("exit", cleanup);

  // Inputs, built before any clock starts.
  let ingest;
  if (want["server-ingest"] || want["server-timeseries"]) {
    const count = Math.max(
      want["server-ingest"] ? size.uploads : 0,
      want["server-timeseries"] ? size.days : 0,
    );
    log(`[bench] server: building ${count} profiles of 20 columns × ${size.rows} rows …`);
    const bytes = [];
    for (let i = 0; i < count; i++)
      bytes.push(
        new DatasetProfile({ datasetTimestamp: T0 })
          .track(ingestColumns(size.rows, i + 1))
          .view()
          .serialize(),
      );
    ingest = { bytes, totalBytes: bytes.reduce((sum, b) => sum + b.length, 0) };
  }
  let wide;
  if (want["server-drift"]) {
    log(`[bench] server: building 8 daily profiles of ${size.wideColumns} columns × ${size.wideRows} rows …`);
    const reference = wideColumns(size.wideColumns, 7 * size.wideRows, false);
    const days = Array.from({ length: 7 }, (_, d) =>
      new DatasetProfile({})
        .track(wideSlice(reference, d * size.wideRows, size.wideRows))
        .view()
        .serialize(),
    );
    days.push(
      new DatasetProfile({})
        .track(wideColumns(size.wideColumns, size.wideRows, true))
        .view()
        .serialize(),
    );
    wide = { days, bytes: days.reduce((sum, b) => sum + b.length, 0) };
  }

  const backends = [];
  // SQLite: one process (the store is a file of that process).
  backends.push({
    name: "sqlite",
    title: "SQLite, 1 process",
    processes: 1,
    target: TARGETS.ingestSqlite,
    async start() {
      return { storeArgs: ["--data-dir", join(workDir, "sqlite")], release: async () => {} };
    },
  });
  // PostgreSQL: three processes on one database, as replicas behind a load balancer.
  backends.push({
    name: "postgres",
    title: `PostgreSQL, ${POSTGRES_PROCESSES} processes on one database`,
    processes: POSTGRES_PROCESSES,
    target: TARGETS.ingestPostgres,
    async start() {
      const { ensurePostgres, createDatabase, dropDatabase } = await import("../scripts/postgres.mjs");
      const pg = await ensurePostgres({ quiet: true });
      const name = `sg_bench_server_${process.pid}`;
      const url = await createDatabase(pg.url, name);
      const { default: pgClient } = await import("pg");
      const admin = new pgClient.Client({ connectionString: url });
      admin.on("error", () => {}); // a dropped idle connection must not crash the benchmark
      await admin.connect();
      return {
        storeArgs: ["--database-url", url],
        // Only a local server's processes can be read from /proc.
        databasePids: pg.external
          ? undefined
          : async () =>
              (
                await admin.query(
                  "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
                )
              ).rows.map((r) => r.pid),
        note: pg.external
          ? "external server (SIGHTGLASS_TEST_DATABASE_URL)"
          : "fsync / synchronous_commit off",
        release: async () => {
          await admin.end();
          await dropDatabase(url, name);
          await pg.release();
        },
      };
    },
  });

  const results = [];
  const notes = [];
  for (const backend of backends) {
    log(`[bench] server on ${backend.title}: starting …`);
    const store = await backend.start();
    const servers = [];
    try {
      const started = await Promise.allSettled(
        Array.from({ length: backend.processes }, () => startServer(store.storeArgs, workDir)),
      );
      for (const s of started) {
        if (s.status !== "fulfilled") continue;
        servers.push(s.value);
        running.add(s.value);
      }
      const failed = started.find((s) => s.status === "rejected");
      if (failed) throw failed.reason;
      const urls = servers.map((s) => s.url);
      const stores = `${backend.title}${store.note ? ` (${store.note})` : ""}`;

      if (want["server-ingest"]) {
        const project = await createProject(urls[0], "bench-ingest", "hour");
        const timestamps = ingest.bytes.map((_, i) => T0 + (i % INGEST_BUCKETS) * HOUR + 60_000);
        const bytes = ingest.bytes.slice(0, size.uploads);
        // Warm-up (untimed): one upload per bucket, so the timed uploads merge into existing bucket profiles.
        const warm = bytes.slice(0, INGEST_BUCKETS);
        await uploadAll(urls, project, warm, timestamps, CONCURRENCY);
        await waitForMerges(urls[0], project);
        log(`[bench] server-ingest on ${backend.name}: ${bytes.length} uploads, ${CONCURRENCY} clients …`);
        const start = performance.now();
        let acceptedSeconds = 0;
        // Timed until every upload is merged into its buckets, not only stored (the server merges moments later).
        const { result: latencies, cpu } = await withCpu(servers, store.databasePids, async () => {
          const answered = await uploadAll(urls, project, bytes, timestamps, CONCURRENCY);
          acceptedSeconds = (performance.now() - start) / 1000;
          await waitForMerges(urls[0], project);
          return answered;
        });
        const seconds = (performance.now() - start) / 1000;
        const mb = bytes.reduce((sum, b) => sum + b.length, 0) / 1e6;
        // Every upload was counted: the buckets hold the warm-up and the timed uploads.
        const buckets = await request(urls[0], "GET", `/api/v1/projects/${project}/buckets`);
        const merged = buckets.buckets.reduce((sum, b) => sum + b.uploads, 0);
        if (merged !== bytes.length + warm.length)
          throw new Error(`server-ingest: ${merged} uploads merged, ${bytes.length + warm.length} sent`);
        const rate = bytes.length / seconds;
        results.push({
          id: "server-ingest",
          backend: backend.name,
          title:
            `Ingest: ${bytes.length} uploads of 20 columns × ${size.rows} rows (${(mb / bytes.length).toFixed(3)} MB each), ` +
            `${CONCURRENCY} clients, ${INGEST_BUCKETS} hourly buckets — ${stores}`,
          figure: `${fmtRate(rate)} merged (${fmtRate(bytes.length / acceptedSeconds)} stored; ${(mb / seconds).toFixed(1)} MB/s; upload p50 ${fmtMs(percentile(latencies, 50))}, p95 ${fmtMs(percentile(latencies, 95))})`,
          target: `≥ ${backend.target}/s`,
          met: rate >= backend.target,
          uploadsPerSecond: rate,
          megabytesPerSecond: mb / seconds,
          seconds,
          latencyMs: latencySummary(latencies),
          cpu,
        });
        notes.push(`Ingest on ${backend.title}: ${cpuNote(cpu, seconds)}.`);
      }

      if (want["server-timeseries"]) {
        const project = await createProject(urls[0], "bench-timeseries", "day");
        log(`[bench] server-timeseries on ${backend.name}: seeding ${size.days} daily buckets …`);
        const days = ingest.bytes.slice(0, size.days);
        await uploadAll(
          urls,
          project,
          days,
          days.map((_, d) => T0 + d * DAY + HOUR),
          CONCURRENCY,
        );
        await waitForMerges(urls[0], project);
        const path =
          `/api/v1/projects/${project}/timeseries?start=${T0}&end=${T0 + size.days * DAY}` +
          "&columns=num_0&metrics=distribution/mean";
        log(`[bench] server-timeseries on ${backend.name}: ${size.timeseriesRequests} requests …`);
        const { latencies, answer } = await timeGets(urls[0], path, size.timeseriesRequests, 10);
        const points = answer.series[0]?.points.length;
        if (points !== size.days)
          throw new Error(`server-timeseries: ${points} points, expected ${size.days}`);
        const summary = latencySummary(latencies);
        results.push({
          id: "server-timeseries",
          backend: backend.name,
          title: `Time series: GET /timeseries, ${size.days} daily buckets, 1 column × 1 metric, sequential — ${stores}`,
          figure: `p50 ${fmtMs(summary.p50)}, p95 ${fmtMs(summary.p95)} (max ${fmtMs(summary.max)}, ${summary.count} requests)`,
          target: `p95 ≤ ${TARGETS.timeseriesP95Ms} ms`,
          met: summary.p95 <= TARGETS.timeseriesP95Ms,
          latencyMs: summary,
        });
      }

      if (want["server-drift"]) {
        const project = await createProject(urls[0], "bench-drift", "day");
        log(
          `[bench] server-drift on ${backend.name}: uploading 8 daily ${size.wideColumns}-column profiles …`,
        );
        await uploadAll(
          urls,
          project,
          wide.days,
          wide.days.map((_, d) => T0 + d * DAY + HOUR),
          1,
        );
        await waitForMerges(urls[0], project);
        const path =
          `/api/v1/projects/${project}/drift?start=${T0 + 7 * DAY}&end=${T0 + 8 * DAY}` +
          `&baselineStart=${T0}&baselineEnd=${T0 + 7 * DAY}`;
        log(`[bench] server-drift on ${backend.name}: ${size.driftRequests} requests …`);
        const { latencies, answer } = await timeGets(urls[0], path, size.driftRequests, 2);
        const columns = answer.columns?.length;
        if (columns !== size.wideColumns)
          throw new Error(`server-drift: ${columns} columns in the report, expected ${size.wideColumns}`);
        const summary = latencySummary(latencies);
        results.push({
          id: "server-drift",
          backend: backend.name,
          title:
            `Drift: GET /drift, ${size.wideColumns} columns, baseline 7 daily buckets vs 1 (${size.wideRows} rows a day, ` +
            `${(wide.bytes / 8 / 1e6).toFixed(1)} MB a profile), sequential — ${stores}`,
          figure: `p50 ${fmtMs(summary.p50)}, p95 ${fmtMs(summary.p95)} (max ${fmtMs(summary.max)}, ${summary.count} requests)`,
          target: `p95 ≤ ${TARGETS.driftP95Ms} ms`,
          met: summary.p95 <= TARGETS.driftP95Ms,
          latencyMs: summary,
        });
      }
    } catch (error) {
      // What the servers logged (warnings and errors) usually says why a request failed.
      const logs = servers.map((s, i) => `--- server ${i} stderr ---\n${s.stderr().slice(-4000)}`).join("\n");
      throw new Error(`server benchmark on ${backend.title} failed: ${error.message}\n${logs}`, {
        cause: error,
      });
    } finally {
      await Promise.all(servers.map(stopServer));
      for (const s of servers) running.delete(s);
      await store.release();
    }
  }
  cleanup();
  process.off("exit", cleanup);

  const lines = [
    `Sightglass server (\`sightglass serve\`, child processes) — Node ${process.version}, ${cpus().length}× ` +
      `${cpus()[0]?.model ?? "unknown CPU"}; the clients run in this process on the same machine` +
      `${quick ? " (--quick: small inputs, numbers not meaningful)" : ""}\n`,
    "| case | Sightglass | target | met? |",
    "|---|---:|---:|:---:|",
    ...results.map((r) => `| ${r.title} | ${r.figure} | ${r.target} | ${fmtMet(r.met)} |`),
    "",
    "No peer column: there is no comparable open-source profile server to run next to it (WhyLabs' hosted " +
      "platform is gone), so these figures stand alone.",
    ...notes,
  ];
  return {
    json: {
      meta: {
        concurrency: CONCURRENCY,
        ingestBuckets: INGEST_BUCKETS,
        postgresProcesses: POSTGRES_PROCESSES,
        sizes: size,
        ingestMegabytes: ingest ? ingest.totalBytes / 1e6 : undefined,
      },
      results,
    },
    markdown: lines.join("\n"),
  };
}
