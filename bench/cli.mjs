// CLI benchmarks: the `sightglass` command (packages/cli, built dist), run as a user runs it on generated CSV
// files, next to what a pandas user runs on the same files in Python (bench/cli_peer.py). Run by
// bench/run.mjs (with the other groups, or alone with `--only cli` or a case id below); see BENCHMARKS.md.
//
// Cases:
//   cli-profile  `sightglass profile data.csv -o out.bin --json --quiet` (default threads: one per core; then
//                `--threads 1`) vs pandas.read_csv + why.log(df).view() + writing the serialized profile (pip
//                whylogs), on a ~1 GB CSV (--quick: ~20 MB). Input MB/s per side, the ratio, peak RSS, and a
//                data check: rows, counts/n, counts/null and the numeric means of every column agree between
//                `sightglass show out.bin --json` and the whylogs profile.
//   cli-drift    `sightglass drift reference.csv target.csv --json` vs pandas.read_csv × 2 +
//                Report([DataDriftPreset()]).run(reference_data=…, current_data=…) (pip evidently), on two
//                1M-row CSVs (--quick: 20k rows): wall time, the ratio, and both sides' drifted-column counts.
//
// Data: the profile benchmark's 20 columns (bench/profile-data.mjs), written as CSV text pandas reads back to
// the same values: floats in JavaScript's shortest round-trip form with a decimal point (an integral value gets
// ".0"), integers, strings, True/False, ISO 8601 timestamps, and an empty field for a null (5 % of every
// column). The drift pair is the drift benchmark's: reference rows [0, n), target rows [n, 2n) with the
// `shifted` formulas. Files go to bench/out/cli-data-<pid>/ and are deleted after the run.
//
// Timing: each side is a fresh process, timed from spawn to exit (wall time), after the files were written, so
// both read them from the page cache. Sightglass: the whole process (Node start-up, reading, profiling on worker
// threads, writing the profile or printing the report); `repetitions` runs, median. Python: one run (minutes at
// full size); its figure is the time the script measures itself around the user's work (read_csv onwards, see
// bench/cli_peer.py), which leaves out the interpreter's start-up and the imports — the comparison is as
// favourable to Python as it can be. The whole Python process is reported as well.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { COLUMNS, generateRaw } from "./profile-data.mjs";
import { median } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..");
const CLI = join(repoRoot, "packages", "cli", "bin", "sightglass.js");

export const CLI_CASE_IDS = ["cli-profile", "cli-drift"];

/** The targets: profile ≥ 3× pandas + whylogs (MB/s, 2 cores); drift ≥ 50× faster than Evidently. */
const TARGET_PROFILE = 3;
const TARGET_DRIFT = 50;
/** Evidently's venv (bench/requirements.txt, as bench/drift.mjs). whylogs comes from the oracle venv. */
const EVIDENTLY_ENV = { name: "python-bench", requirements: "bench/requirements.txt" };
/** Rows per generated chunk while writing a CSV. */
const CSV_CHUNK = 50_000;

function sizes(quick) {
  // ~239 bytes per row: 4.2M rows ≈ 1.0 GB, 80k rows ≈ 19 MB.
  return quick
    ? { profileRows: 80_000, driftRows: 20_000, repetitions: 1 }
    : { profileRows: 4_200_000, driftRows: 1_000_000, repetitions: 3 };
}

// ---------------------------------------------------------------------------------------------------------
// CSV files

/** A float as pandas-compatible text: the shortest round-trip form, with a decimal point when integral. */
function floatText(x) {
  const s = String(x);
  return Number.isInteger(x) && !s.includes("e") ? `${s}.0` : s;
}

/**
 * Writes rows [start, start + rows) of the 20-column dataset (`shifted`: the drift benchmark's target formulas)
 * to `path` as CSV with a header. Returns the file's size in bytes.
 */
export function writeCsv(path, start, rows, { shifted = false } = {}) {
  const fd = openSync(path, "w");
  try {
    writeSync(fd, `${COLUMNS.map((c) => c.name).join(",")}\n`);
    for (let first = 0; first < rows; first += CSV_CHUNK) {
      const n = Math.min(CSV_CHUNK, rows - first);
      const raw = generateRaw(start + first, n, { shifted });
      const cells = raw.map(({ kind, values, valid }) => {
        const out = new Array(n);
        for (let j = 0; j < n; j++) {
          const v = values[j];
          out[j] = !valid[j]
            ? ""
            : kind === "float"
              ? floatText(v)
              : kind === "int" || kind === "string"
                ? String(v)
                : kind === "bool"
                  ? v === 1
                    ? "True"
                    : "False"
                  : new Date(v).toISOString();
        }
        return out;
      });
      let text = "";
      for (let j = 0; j < n; j++) {
        let line = cells[0][j];
        for (let c = 1; c < cells.length; c++) line += `,${cells[c][j]}`;
        text += `${line}\n`;
      }
      writeSync(fd, text);
    }
  } finally {
    closeSync(fd);
  }
  return statSync(path).size;
}

// ---------------------------------------------------------------------------------------------------------
// Processes

/** Runs a process to completion; returns its wall time (spawn to exit) and output. Throws on a non-zero exit. */
function timeProcess(command, args, what, { stderr = "pipe" } = {}) {
  const start = process.hrtime.bigint();
  const child = spawnSync(command, args, {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", stderr],
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) {
    throw new Error(`${what} exited with status ${child.status}${child.stderr ? `:\n${child.stderr}` : ""}`);
  }
  return { ms, stdout: child.stdout };
}

/** `repetitions` runs of the sightglass command; the median wall time, min/max, and the last run's stdout. */
function timeSightglass(args, repetitions, what) {
  const runs = [];
  for (let rep = 0; rep < repetitions; rep++) runs.push(timeProcess(process.execPath, [CLI, ...args], what));
  const times = runs.map((r) => r.ms);
  return {
    ms: median(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    runsMs: times,
    stdout: runs.at(-1).stdout,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Data check

/** `show --json` writes NaN and infinities as strings. */
const num = (v) => (typeof v === "string" ? Number(v) : v);

/**
 * Rows, counts/n and counts/null of every column exactly, numeric means to 1e-9 relative (the two sum in
 * different orders). Also lists (not as problems) the columns whose type counters differ.
 */
function compareProfiles(sightglass, rows, whylogs) {
  const problems = [];
  const typeDifferences = [];
  if (rows !== whylogs.rows) problems.push(`rows: ${rows} vs ${whylogs.rows}`);
  for (const [name, py] of Object.entries(whylogs.check)) {
    const ts = sightglass[name];
    if (ts === undefined) {
      problems.push(`${name}: not in the Sightglass profile`);
      continue;
    }
    const n = num(ts["counts/n"]);
    const nulls = num(ts["counts/null"]);
    if (n !== py.n || nulls !== py.null) problems.push(`${name}: n/null ${n}/${nulls} vs ${py.n}/${py.null}`);
    const mean = num(ts["distribution/mean"]);
    if (py.mean !== null) {
      const close =
        typeof mean === "number" && Math.abs(mean - py.mean) <= 1e-9 * Math.max(1, Math.abs(py.mean));
      if (!close) problems.push(`${name}: mean ${mean} vs ${py.mean}`);
    }
    const types = Object.fromEntries(
      Object.entries(ts)
        .filter(([k, v]) => k.startsWith("types/") && num(v) > 0)
        .map(([k, v]) => [k.slice("types/".length), num(v)]),
    );
    const key = (t) => JSON.stringify(Object.entries(t).sort());
    if (key(types) !== key(py.types))
      typeDifferences.push({ column: name, sightglass: types, whylogs: py.types });
  }
  const extra = Object.keys(sightglass).filter((name) => !(name in whylogs.check));
  for (const name of extra) problems.push(`${name}: not in the whylogs profile`);
  return { ok: problems.length === 0, problems, typeDifferences, columns: Object.keys(whylogs.check).length };
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

const fmtMs = (ms) =>
  ms === undefined
    ? "—"
    : ms >= 1000
      ? `${(ms / 1000).toFixed(ms >= 100_000 ? 0 : 1)} s`
      : `${ms.toFixed(0)} ms`;
const fmtMbps = (bytes, ms) => (ms === undefined ? "—" : `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`);
const fmtMb = (bytes) => (bytes === undefined || bytes === null ? "—" : `${(bytes / 1e6).toFixed(0)} MB`);
const fmtSize = (bytes) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
const fmtCount = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const fmtRatio = (r) => (r === undefined ? "—" : `${r.toFixed(r < 10 ? 2 : 1)}×`);
const fmtMet = (m) => (m === undefined ? "—" : m ? "yes" : "no");

// ---------------------------------------------------------------------------------------------------------
// Run

/**
 * Runs the selected CLI cases. `select(id)` says whether a case id is wanted; `ensurePythonEnv` is
 * scripts/python-env.mjs's (the default venv has whylogs, the named one evidently). Returns `{ json, markdown }`.
 */
export async function runCliBench({ quick, select, ensurePythonEnv, log }) {
  if (!existsSync(join(repoRoot, "packages", "cli", "dist", "bin.js"))) {
    console.error("Cannot find packages/cli/dist/bin.js (run `npm run build` first)");
    process.exit(1);
  }
  const size = sizes(quick);
  const want = Object.fromEntries(CLI_CASE_IDS.map((id) => [id, select(id)]));
  const dataDir = join(here, "out", `cli-data-${process.pid}`);
  process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(dataDir, { recursive: true });
  const path = (name) => join(dataDir, name);
  const versions = {};
  const lines = [];
  const json = {
    meta: {
      cpus: cpus().length,
      repetitions: size.repetitions,
      statistic:
        `Sightglass: median wall time of ${size.repetitions} run(s) of the whole process; Python: one run, ` +
        "its own timing of the user's work (start-up and imports excluded), and the whole process",
      versions,
    },
  };

  // 1. Profile a large CSV.
  if (want["cli-profile"]) {
    const csv = path("data.csv");
    log(
      `[bench] cli-profile: writing ${fmtCount(size.profileRows)} rows × ${COLUMNS.length} columns as CSV …`,
    );
    const bytes = writeCsv(csv, 0, size.profileRows);
    const runProfile = (threads) => {
      const out = path(`sightglass-${threads ?? "default"}.bin`);
      const args = [
        "profile",
        csv,
        "-o",
        out,
        "--json",
        "--quiet",
        ...(threads ? ["--threads", threads] : []),
      ];
      log(`[bench] sightglass ${args.join(" ")} (× ${size.repetitions}) …`);
      const timing = timeSightglass(args, size.repetitions, "sightglass profile");
      const summary = JSON.parse(timing.stdout);
      delete timing.stdout;
      return { args: ["sightglass", ...args], out, timing, summary };
    };
    const sgDefault = runProfile(undefined);
    const sgOne = runProfile("1");
    const shown = JSON.parse(
      timeProcess(process.execPath, [CLI, "show", sgDefault.out, "--json"], "sightglass show").stdout,
    );

    const python = ensurePythonEnv({ quiet: true });
    log("[bench] pandas.read_csv + why.log(df).view() (bench/cli_peer.py profile) …");
    const peerRun = timeProcess(
      python,
      [join(here, "cli_peer.py"), "profile", csv, path("whylogs.bin")],
      "bench/cli_peer.py profile",
      { stderr: "inherit" },
    );
    const peer = JSON.parse(peerRun.stdout);
    peer.processMs = peerRun.ms;
    Object.assign(versions, peer.versions);

    const dataCheck = compareProfiles(shown, sgDefault.summary.rows, peer);
    for (const p of dataCheck.problems) log(`[bench] WARNING cli data check: ${p}`);
    rmSync(csv, { force: true });

    const py = peer.timings.totalMs;
    const threads = sgDefault.summary.threads;
    const data = `${fmtSize(bytes)} CSV, ${fmtCount(size.profileRows)} rows × ${COLUMNS.length}`;
    const rows = [
      {
        id: "cli-profile",
        title:
          `CLI profile: sightglass profile (default: ${threads} thread${threads === 1 ? "" : "s"}) vs ` +
          `read_csv + why.log(df).view() + write, ${data}`,
        sightglassMs: sgDefault.timing.ms,
        peerMs: py,
        target: TARGET_PROFILE,
      },
      {
        id: "cli-profile-1-thread",
        title: `CLI profile --threads 1: sightglass profile --threads 1 vs the same Python, ${data}`,
        sightglassMs: sgOne.timing.ms,
        peerMs: py,
      },
      {
        id: "cli-profile-python-process",
        title: `CLI profile vs the whole python process (start-up and imports included), ${data}`,
        sightglassMs: sgDefault.timing.ms,
        peerMs: peer.processMs,
      },
    ];
    for (const row of rows) {
      row.ratio = row.peerMs / row.sightglassMs;
      row.met = row.target === undefined ? undefined : row.ratio >= row.target;
    }
    const rss = {
      sightglass: sgDefault.summary.peakRssBytes,
      sightglassOneThread: sgOne.summary.peakRssBytes,
      whylogs: peer.peakRssBytes,
    };

    lines.push(
      `sightglass CLI vs pandas ${peer.versions.pandas} + whylogs ${peer.versions.whylogs} — ${fmtSize(bytes)} CSV ` +
        `(${fmtCount(size.profileRows)} rows × ${COLUMNS.length} columns), ${cpus().length} cores; Sightglass: whole ` +
        `process, median of ${size.repetitions}; Python: read_csv onwards (start-up + imports excluded), one run` +
        `${quick ? " (--quick: small inputs, numbers not meaningful)" : ""}\n`,
      "| case | Sightglass | pandas + whylogs | ratio | target | met? |",
      "|---|---:|---:|---:|---:|:---:|",
      ...rows.map(
        (r) =>
          `| ${r.title} | ${fmtMbps(bytes, r.sightglassMs)} (${fmtMs(r.sightglassMs)}) | ` +
          `${fmtMbps(bytes, r.peerMs)} (${fmtMs(r.peerMs)}) | ${fmtRatio(r.ratio)} | ` +
          `${r.target === undefined ? "—" : `≥ ${r.target}×`} | ${fmtMet(r.met)} |`,
      ),
      `| CLI profile peak RSS (VmHWM): sightglass profile (default / --threads 1) vs the python process | ` +
        `${fmtMb(rss.sightglass)} / ${fmtMb(rss.sightglassOneThread)} | ${fmtMb(rss.whylogs)} | ` +
        `${rss.whylogs ? fmtRatio(rss.sightglass / rss.whylogs) : "—"} | — | — |`,
      "",
      `Python's time: read_csv ${fmtMs(peer.timings.readCsvMs)}, why.log(df).view() ${fmtMs(peer.timings.profileMs)}, ` +
        `serialize + write ${fmtMs(peer.timings.writeMs)}; start-up + imports ` +
        `${fmtMs(peer.processMs - peer.timings.totalMs)} (imports alone ${fmtMs(peer.timings.importsMs)}). ` +
        `Sightglass runs: ${sgDefault.timing.runsMs.map(fmtMs).join(", ")} (default), ` +
        `${sgOne.timing.runsMs.map(fmtMs).join(", ")} (--threads 1); its own elapsedMs ` +
        `${fmtMs(sgDefault.summary.elapsedMs)} / ${fmtMs(sgOne.summary.elapsedMs)}. Profile files: ` +
        `${sgDefault.summary.outputBytes} B / ${sgOne.summary.outputBytes} B (Sightglass default / 1 thread), ` +
        `${peer.outputBytes} B (whylogs).`,
      dataCheck.ok
        ? `Data check: the profiles agree on rows (${peer.rows}) and on counts/n, counts/null and the numeric means ` +
            `of all ${dataCheck.columns} columns (sightglass show --json vs whylogs).`
        : `Data check FAILED (${dataCheck.problems.length}): ${dataCheck.problems.slice(0, 5).join("; ")}`,
      dataCheck.typeDifferences.length === 0
        ? "Types: both profiles count the same types in every column."
        : `Types differ in ${dataCheck.typeDifferences.length} column(s) (not a failure): ` +
            dataCheck.typeDifferences
              .map(
                (d) =>
                  `${d.column} ${JSON.stringify(d.sightglass)} vs ${JSON.stringify(d.whylogs)} (pandas dtype ` +
                  `${peer.dtypes[d.column]})`,
              )
              .join("; "),
    );
    json.profile = {
      rows: size.profileRows,
      bytes,
      rowsTable: rows,
      sightglass: { default: sgDefault, oneThread: sgOne },
      whylogs: peer,
      rss,
      dataCheck,
    };
  }

  // 2. Drift report from two CSV files.
  if (want["cli-drift"]) {
    const reference = path("reference.csv");
    const target = path("target.csv");
    log(
      `[bench] cli-drift: writing 2 × ${fmtCount(size.driftRows)} rows × ${COLUMNS.length} columns as CSV …`,
    );
    const bytes = {
      reference: writeCsv(reference, 0, size.driftRows),
      target: writeCsv(target, size.driftRows, size.driftRows, { shifted: true }),
    };
    const args = ["drift", reference, target, "--json"];
    log(`[bench] sightglass ${args.join(" ")} (× ${size.repetitions}) …`);
    const timing = timeSightglass(args, size.repetitions, "sightglass drift");
    const report = JSON.parse(timing.stdout);
    delete timing.stdout;
    const sg = {
      timing,
      tested: report.datasetDrift.tested,
      drifted: report.columns.filter((c) => c.category === "drift").map((c) => c.column),
      possible: report.columns.filter((c) => c.category === "possible_drift").map((c) => c.column),
      datasetDrift: report.datasetDrift.datasetDrift,
      methods: Object.fromEntries(report.columns.map((c) => [c.column, c.method])),
      quality: report.quality.length,
    };

    log(`[bench] python env for evidently (${EVIDENTLY_ENV.requirements}; ~40 s when new) …`);
    const python = ensurePythonEnv({ quiet: true, ...EVIDENTLY_ENV });
    log("[bench] pandas.read_csv × 2 + Report([DataDriftPreset()]).run (bench/cli_peer.py drift) …");
    const peerRun = timeProcess(
      python,
      [join(here, "cli_peer.py"), "drift", reference, target],
      "bench/cli_peer.py drift",
      { stderr: "inherit" },
    );
    const ev = JSON.parse(peerRun.stdout);
    ev.processMs = peerRun.ms;
    versions.evidently = ev.versions.evidently;
    versions.scipy = ev.versions.scipy;
    versions["scikit-learn"] = ev.versions["scikit-learn"];
    rmSync(reference, { force: true });
    rmSync(target, { force: true });

    const evColumns = Object.entries(ev.columns);
    const evDrifted = evColumns.filter(([, c]) => c.detected).map(([name]) => name);
    const notCompared = ev.frameColumns.filter((name) => !(name in ev.columns));
    const methods = [...new Set(evColumns.map(([, c]) => c.method))];
    const data =
      `2 × ${fmtCount(size.driftRows)}-row CSVs (${COLUMNS.length} columns, ` +
      `${fmtSize(bytes.reference + bytes.target)})`;
    const rows = [
      {
        id: "cli-drift",
        title: `CLI drift: sightglass drift --json vs read_csv × 2 + Report([DataDriftPreset()]).run, ${data}`,
        sightglassMs: timing.ms,
        peerMs: ev.timings.totalMs,
        target: TARGET_DRIFT,
      },
      {
        id: "cli-drift-python-process",
        title: `CLI drift vs the whole python process (start-up and imports included), ${data}`,
        sightglassMs: timing.ms,
        peerMs: ev.processMs,
      },
    ];
    for (const row of rows) {
      row.ratio = row.peerMs / row.sightglassMs;
      row.met = row.target === undefined ? undefined : row.ratio >= row.target;
    }
    if (lines.length > 0) lines.push("");
    lines.push(
      `sightglass CLI vs Evidently ${ev.versions.evidently} (pandas ${ev.versions.pandas}, scikit-learn ` +
        `${ev.versions["scikit-learn"]}) — reference rows [0, ${fmtCount(size.driftRows)}), target rows ` +
        `[${fmtCount(size.driftRows)}, ${fmtCount(2 * size.driftRows)}) with the shifted formulas; Sightglass: whole ` +
        `process, median of ${size.repetitions}; Evidently: read_csv onwards, one run` +
        `${quick ? " (--quick: small inputs, numbers not meaningful)" : ""}\n`,
      "| case | Sightglass | Evidently | speed-up (Evidently / Sightglass) | target | met? |",
      "|---|---:|---:|---:|---:|:---:|",
      ...rows.map(
        (r) =>
          `| ${r.title} | ${fmtMs(r.sightglassMs)} | ${fmtMs(r.peerMs)} | ${fmtRatio(r.ratio)} | ` +
          `${r.target === undefined ? "—" : `≥ ${r.target}×`} | ${fmtMet(r.met)} |`,
      ),
      "",
      `Evidently's time: read_csv × 2 ${fmtMs(ev.timings.readCsvMs)}, Report.run + dict() ${fmtMs(ev.timings.reportMs)}; ` +
        `start-up + imports ${fmtMs(ev.processMs - ev.timings.totalMs)}; peak RSS ${fmtMb(ev.peakRssBytes)}. ` +
        `Sightglass runs: ${timing.runsMs.map(fmtMs).join(", ")}.`,
      `Drifted columns (sanity line; different methods): Sightglass ${sg.drifted.length} of ${sg.tested} ` +
        `(${sg.drifted.join(", ") || "none"}; possibly: ${sg.possible.join(", ") || "none"}; ${sg.quality} quality ` +
        `findings); Evidently ${ev.driftedColumns.count} of ${evColumns.length} compared ` +
        `(${evDrifted.join(", ") || "none"}; methods: ${methods.join(", ")}` +
        `${notCompared.length > 0 ? `; not compared by its inference: ${notCompared.join(", ")}` : ""}).`,
    );
    json.drift = {
      rows: size.driftRows,
      bytes,
      rowsTable: rows,
      sightglass: sg,
      evidently: { ...ev, drifted: evDrifted, notCompared },
    };
  }

  rmSync(dataDir, { recursive: true, force: true });
  return { json, markdown: lines.join("\n") };
}
