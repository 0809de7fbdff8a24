// Drift benchmarks: a full drift + data-quality report computed from two profiles by @sightglass/analysis
// (`compareProfiles`) next to Evidently's `DataDriftPreset` computed from the raw rows (bench/drift_peer.py).
// Run by bench/run.mjs (with the other groups, or alone with `--only drift` or a case id below); see
// BENCHMARKS.md.
//
// Data:
//   drift-columns  the profile benchmark's 20-column dataset (bench/profile-data.mjs): reference = rows [0, n),
//                  current = rows [n, 2n) generated with the `shifted` formulas (a handful of columns change:
//                  location, spread, categories, a proportion, a null rate; see COLUMNS there). Both windows are
//                  written once as raw arrays; the peer loads them with numpy and checks them against its own
//                  transcription of the generator, so Evidently sees the very values Sightglass profiles.
//   drift-wide     500 columns of mixed kinds (floats, ints, low/high-cardinality strings, booleans, numbers mixed
//                  with strings) × 20k rows per side, about 1 column in 7 shifted, some with a changed null rate
//                  and some whose type changes: the size of the issue's target (a 500-column report from two
//                  profiles in under 200 ms). Sightglass only: it is generated here and never leaves Node.
//
// Timing: the report from two views, as bench/run.mjs (one warm-up, then `repetitions`, median). Evidently:
// a warm-up on 2000 rows, then PYTHON_REPETITIONS full runs (median); its timed region is DataFrames →
// Dataset → Report.run → snapshot dict. Building the profiles (track + view) and the DataFrames is timed
// separately, once per window.
import { runPythonPeer } from "./python-peer.mjs";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  COLUMNS,
  GOLDEN,
  SCHEMA,
  fmix,
  generateRaw,
  streamSeed,
  toColumnObject,
  writeRawFiles,
} from "./profile-data.mjs";
import { importBuilt, measure } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));

export const DRIFT_CASE_IDS = ["drift-columns", "drift-wide"];

/**
 * Evidently's timed repetitions (after a warm-up on a slice); Sightglass uses the harness' REPETITIONS. One:
 * a report on the 1M-row windows takes minutes (most of it in the two ~200k-value string columns, whose
 * category union Evidently builds with one pd.concat per category missing from a window, for each of the
 * three times its preset computes every column's drift), and at a speed-up in the thousands the ±20 %
 * spread between runs does not change the reading.
 */
const PYTHON_REPETITIONS = 1;
/** The issue's target: a full drift + quality report for 500 columns from two profiles, in milliseconds. */
const TARGET_WIDE_MS = 200;
const WIDE_COLUMNS = 500;
/**
 * The peer's venv: evidently is kept out of the oracle venv (see bench/requirements.txt for why); its shared
 * packages are pinned to the oracle's versions.
 */
const PYTHON_ENV = { name: "python-bench", requirements: "bench/requirements.txt" };

function sizes(quick) {
  return quick ? { rows: 10_000, wideRows: 2_000 } : { rows: 1_000_000, wideRows: 20_000 };
}

// ---------------------------------------------------------------------------------------------------------
// The Sightglass report: `compareProfiles` of @sightglass/analysis (built dist), with its defaults.

/** Per column `{ method, score, detected }`, the dataset verdict and the quality findings of a report. */
function summarizeSightglassReport(report) {
  const columns = {};
  for (const c of report.columns) {
    columns[c.column] = {
      method: c.method,
      score: c.adjustedPValue ?? c.statistic,
      detected: c.category === "drift",
    };
  }
  return {
    columns,
    share: report.datasetDrift.share,
    datasetDrift: report.datasetDrift.datasetDrift,
    quality: report.quality.map((f) => `${f.column}: ${f.check}`),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The 500-column pair

/**
 * Column templates of the wide pair, cycled over the columns. `value(x, u)` is the reference cell from a
 * uniform x in [0, 1) and a uint32 draw u; `shifted(x, u)` the target's in the columns that drift
 * (`wideShifted`). Kinds: what a user's JavaScript arrays would hold; the profile infers the column types.
 */
const WIDE_TEMPLATES = [
  { kind: "float", value: (x) => x * 100, shifted: (x) => x * 100 + 15 },
  { kind: "float", value: (x) => x * x * x * 1e4, shifted: (x) => x * x * 1e4 },
  { kind: "int", value: (_x, u) => u % 12, shifted: (_x, u) => (u % 7 === 0 ? 11 : u % 12) },
  {
    kind: "int",
    value: (_x, u) => (u % 2_000_000) - 1_000_000,
    shifted: (_x, u) => (u % 2_000_000) - 800_000,
  },
  { kind: "string", value: (_x, u) => `level-${u % 12}`, shifted: (_x, u) => `level-${u % 15}` },
  { kind: "string", value: (_x, u) => `id-${u % 50_000}`, shifted: (_x, u) => `id-${(u % 50_000) + 20_000}` },
  { kind: "bool", value: (x) => x < 0.4, shifted: (x) => x < 0.55 },
  { kind: "float", value: (x) => Math.floor(x * 1000) / 10, shifted: (x) => Math.floor(x * 1100) / 10 },
  // Numbers with a string sentinel (what a CSV column with "n/a" becomes): a string column of mixed types.
  {
    kind: "mixed",
    value: (x, u) => (u % 10 === 0 ? "n/a" : Math.floor(x * 500)),
    shifted: (x, u) => (u % 4 === 0 ? "n/a" : Math.floor(x * 500)),
  },
  // Integers whose shifted target holds some strings: a type change for the quality report.
  {
    kind: "int",
    value: (_x, u) => u % 1000,
    shifted: (_x, u) => (u % 20 === 0 ? `E${u % 100}` : u % 1000),
  },
];

/** Which wide columns change in the target (co-prime strides, so every template gets some of each). */
const wideShifted = (c) => c % 7 === 3;
const wideNullRate = (c, target) => (target && c % 13 === 5 ? 0.25 : (c % 4) * 0.02);

/**
 * `columns` columns × `rows` rows of the wide pair as a `track()` column object: Float64Array (NaN = null)
 * for floats, arrays with null otherwise. Counter-based like profile-data.mjs: the target is rows after the
 * reference's, so unchanged columns differ only by sampling.
 */
export function wideColumns(columns, rows, target) {
  const out = {};
  const start = target ? rows : 0;
  for (let c = 0; c < columns; c++) {
    const template = WIDE_TEMPLATES[c % WIDE_TEMPLATES.length];
    const f = target && wideShifted(c) ? template.shifted : template.value;
    const nullBelow = wideNullRate(c, target) * 2 ** 32;
    const s0 = streamSeed(1000 + c, 0);
    const s1 = streamSeed(1000 + c, 1);
    const s2 = streamSeed(1000 + c, 2);
    const values = template.kind === "float" ? new Float64Array(rows) : new Array(rows);
    for (let j = 0; j < rows; j++) {
      const step = Math.imul(start + j + 1, GOLDEN);
      if (fmix((s2 + step) | 0) < nullBelow) {
        values[j] = template.kind === "float" ? NaN : null;
        continue;
      }
      const u = fmix((s0 + step) | 0);
      const x = (u * 2 ** 21 + (fmix((s1 + step) | 0) >>> 11)) / 2 ** 53;
      values[j] = f(x, u);
    }
    out[`${template.kind}_${String(c).padStart(3, "0")}`] = values;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

const fmtMs = (ms) =>
  ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
const fmtCount = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const fmtScore = (s) =>
  s === null || s === undefined ? "—" : s !== 0 && Math.abs(s) < 1e-3 ? s.toExponential(2) : s.toFixed(4);
const fmtVerdict = (d) => (d === null || d === undefined ? "—" : d ? "drift" : "no");
const msOf = (timing) => (timing ? timing.nsPerOp / 1e6 : undefined);

// ---------------------------------------------------------------------------------------------------------
// Run

/** A package's built entry point; exits with what to do when it has not been built. */
/** Builds one profile view of a column object, timed once (the profile benchmark measures tracking itself). */
function profileOnce(DatasetProfile, columns, options) {
  const start = process.hrtime.bigint();
  const profile = new DatasetProfile(options);
  profile.track(columns);
  const view = profile.view();
  return { view, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Non-null values per column of a view: `counts/n − counts/null`, to compare with the peer's DataFrames. */
function nonNullCounts(view) {
  return Object.fromEntries(
    COLUMNS.map((c) => {
      const s = view.column(c.name).toSummary();
      return [c.name, Number(s["counts/n"]) - Number(s["counts/null"])];
    }),
  );
}

/**
 * Runs the selected drift cases. `select(id)` says whether a case id is wanted; `ensurePythonEnv` is
 * scripts/python-env.mjs's (it makes the peer's venv on first use). Returns `{ json, markdown }`.
 */
export async function runDriftBench({ quick, select, ensurePythonEnv, repetitions, log }) {
  const { DatasetProfile } = await importBuilt("profile");
  const { compareProfiles } = await importBuilt("analysis");
  const size = sizes(quick);
  const want = Object.fromEntries(DRIFT_CASE_IDS.map((id) => [id, select(id)]));
  let sink = 0;

  const timeReport = (reference, target) => {
    let report;
    const timing = measure(
      () => null,
      () => {
        report = compareProfiles(reference, target);
        sink += report ? 1 : 0;
      },
      1,
      repetitions,
    );
    return { timing, report };
  };

  // 1. The 20-column dataset: reference and shifted current window, Evidently on the raw rows.
  let columnsCase;
  if (want["drift-columns"]) {
    const dataDir = join(here, "out", `drift-data-${process.pid}`);
    process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));
    const windows = {};
    const files = {};
    for (const [name, start, shifted] of [
      ["reference", 0, false],
      ["current", size.rows, true],
    ]) {
      log(`[bench] drift dataset: ${name} window, ${fmtCount(size.rows)} rows × ${COLUMNS.length} columns …`);
      const raw = generateRaw(start, size.rows, { shifted });
      files[name] = writeRawFiles(raw, dataDir, `${name}-`);
      log(`[bench] sightglass profile of the ${name} window …`);
      windows[name] = profileOnce(DatasetProfile, toColumnObject(raw), { schema: SCHEMA });
    }

    log(`[bench] python env for the evidently peer (${PYTHON_ENV.requirements}; ~40 s when new) …`);
    const python = ensurePythonEnv({ quiet: true, ...PYTHON_ENV });
    log("[bench] evidently peer (DataDriftPreset) …");
    const configPath = join(dataDir, "peer.json");
    writeFileSync(
      configPath,
      JSON.stringify({ rows: size.rows, currentStart: size.rows, repetitions: PYTHON_REPETITIONS, files }),
    );
    let evidently;
    try {
      evidently = runPythonPeer(python, join(here, "drift_peer.py"), [configPath]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }

    // Data check: the profiles and the DataFrames hold the same number of values in every column.
    const problems = [];
    for (const name of ["reference", "current"]) {
      const ours = nonNullCounts(windows[name].view);
      for (const [column, count] of Object.entries(evidently.nonNull[name])) {
        if (ours[column] !== count) problems.push(`${name} ${column}: ${ours[column]} vs ${count} values`);
      }
    }
    for (const p of problems) log(`[bench] WARNING drift data check: ${p}`);

    log("[bench] sightglass compareProfiles (20 columns) …");
    const { timing, report } = timeReport(windows.reference.view, windows.current.view);
    const sightglass = { timing, ...summarizeSightglassReport(report) };
    columnsCase = {
      rows: size.rows,
      profileMs: { reference: windows.reference.ms, current: windows.current.ms },
      sightglass,
      evidently,
      dataCheck: { ok: problems.length === 0, problems },
    };
  }

  // 2. The 500-column pair (Sightglass only).
  let wideCase;
  if (want["drift-wide"]) {
    log(`[bench] drift wide pair: ${WIDE_COLUMNS} columns × ${fmtCount(size.wideRows)} rows per side …`);
    const reference = profileOnce(DatasetProfile, wideColumns(WIDE_COLUMNS, size.wideRows, false));
    const target = profileOnce(DatasetProfile, wideColumns(WIDE_COLUMNS, size.wideRows, true));
    log(`[bench] sightglass compareProfiles (${WIDE_COLUMNS} columns) …`);
    const { timing, report } = timeReport(reference.view, target.view);
    const sightglass = { timing, ...summarizeSightglassReport(report) };
    wideCase = {
      columns: WIDE_COLUMNS,
      rows: size.wideRows,
      shiftedColumns: Array.from({ length: WIDE_COLUMNS }, (_, c) => c).filter(wideShifted).length,
      profileMs: { reference: reference.ms, target: target.ms },
      sightglass,
    };
  }

  // ---------------------------------------------------------------------------------------------------------
  // Tables

  const rows = [];
  if (columnsCase) {
    const ev = columnsCase.evidently;
    rows.push({
      id: "drift-columns",
      title:
        `Drift report ${fmtCount(columnsCase.rows)}×${COLUMNS.length}: compareProfiles(2 profiles) vs ` +
        `Report([DataDriftPreset()]).run(2 DataFrames)`,
      sightglassMs: msOf(columnsCase.sightglass?.timing),
      evidentlyMs: ev.timings.report.ms,
    });
    rows.push({
      id: "drift-columns-inputs",
      title: `Inputs of that report, 2 windows: track(columns) + view() (one run each) vs building the 2 DataFrames`,
      sightglassMs: columnsCase.profileMs.reference + columnsCase.profileMs.current,
      evidentlyMs: ev.timings.frames.ms,
    });
  }
  if (wideCase) {
    rows.push({
      id: "drift-wide",
      title: `Drift + quality report, ${wideCase.columns} columns (${fmtCount(wideCase.rows)} rows per side): compareProfiles(2 profiles)`,
      sightglassMs: msOf(wideCase.sightglass?.timing),
      evidentlyMs: undefined,
      targetMs: TARGET_WIDE_MS,
    });
  }
  for (const row of rows) {
    row.ratio =
      row.sightglassMs !== undefined && row.evidentlyMs !== undefined
        ? row.evidentlyMs / row.sightglassMs
        : undefined;
    // Not judged (undefined) without a target.
    row.met =
      row.targetMs === undefined || row.sightglassMs === undefined
        ? undefined
        : row.sightglassMs <= row.targetMs;
  }

  const ev = columnsCase?.evidently;
  const lines = [
    `Sightglass drift report vs ` +
      (ev
        ? `Evidently ${ev.versions.evidently} (pandas ${ev.versions.pandas}, scipy ${ev.versions.scipy})`
        : "Evidently (not run: it takes part in drift-columns only)") +
      `${quick ? " (--quick: small inputs, numbers not meaningful)" : ""}\n`,
    "| case | Sightglass | Evidently | speed-up (Evidently / Sightglass) | target | met? |",
    "|---|---:|---:|---:|---:|:---:|",
    ...rows.map(
      (r) =>
        `| ${r.title} | ${fmtMs(r.sightglassMs)} | ${fmtMs(r.evidentlyMs)} | ` +
        `${r.ratio === undefined ? "—" : `${r.ratio.toFixed(r.ratio < 10 ? 2 : 1)}×`} | ` +
        `${r.targetMs === undefined ? "—" : `≤ ${fmtMs(r.targetMs)}`} | ` +
        `${r.met === undefined ? "—" : r.met ? "yes" : "no"} |`,
    ),
  ];

  if (columnsCase) {
    const sg = columnsCase.sightglass;
    const evColumns = ev.columns;
    lines.push(
      "",
      `Per column (reference rows [0, ${fmtCount(columnsCase.rows)}), current rows [${fmtCount(columnsCase.rows)}, ` +
        `${fmtCount(2 * columnsCase.rows)}) with the shifted formulas):\n`,
      "| column | change in the current window | Evidently method | score | drift? | Sightglass method | score | drift? |",
      "|---|---|---|---:|:---:|---|---:|:---:|",
      ...COLUMNS.map((c) => {
        const e = evColumns[c.name];
        const s = sg.columns[c.name];
        const change =
          c.shiftNote ?? (c.shiftedNullThreshold ? "null rate" : c.name === "int_3" ? "later row ids" : "—");
        return (
          `| ${c.name} | ${change} | ${e?.method ?? "not compared"} | ${fmtScore(e?.score)} | ${fmtVerdict(e?.detected)} | ` +
          `${s?.method ?? "not compared"} | ${fmtScore(s?.score)} | ${fmtVerdict(s?.detected)} |`
        );
      }),
      "",
      `Drifted share: Evidently ${ev.driftedColumns.count}/${Object.keys(evColumns).length} columns ` +
        `(${(ev.driftedColumns.share * 100).toFixed(0)} %, dataset drift at ≥ ${ev.driftedColumns.driftShare * 100} %: ` +
        `${fmtVerdict(ev.driftedColumns.datasetDrift)}); Sightglass ` +
        `${(sg.share * 100).toFixed(0)} % (dataset drift: ${fmtVerdict(sg.datasetDrift)}).`,
      `Quality findings (Sightglass only: DataDriftPreset has no quality checks): ` +
        `${sg.quality.length}${sg.quality.length > 0 ? ` — ${sg.quality.slice(0, 12).join("; ")}` : ""}`,
      columnsCase.dataCheck.ok
        ? "Data check: the profiles and the DataFrames hold the same number of values in every column."
        : `Data check FAILED (${columnsCase.dataCheck.problems.length}): ${columnsCase.dataCheck.problems.slice(0, 5).join("; ")}`,
    );
  }

  const json = {
    meta: {
      rows: size.rows,
      wideColumns: WIDE_COLUMNS,
      wideRows: size.wideRows,
      repetitions,
      pythonRepetitions: PYTHON_REPETITIONS,
      statistic:
        `Sightglass: median of ${repetitions} repetitions after 1 warm-up; Evidently: median of ` +
        `${PYTHON_REPETITIONS} repetition(s) after a warm-up on 2000 rows`,
      versions: ev?.versions,
    },
    rows,
    columns: columnsCase,
    wide: wideCase,
    sink,
  };
  return { json, markdown: lines.join("\n") };
}
