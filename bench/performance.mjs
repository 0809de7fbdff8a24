// Performance-estimation benchmarks: model performance estimated without labels (CBPE) from monthly profiles by
// @sightglass/analysis (`performanceReport`), next to pip NannyML's CBPE on the raw rows
// (bench/performance_peer.py), in the same run: how close the estimates are, how often their intervals hold the
// realized metrics, and how long each takes. Run by bench/run.mjs (with the other groups, or alone with
// `--only performance` or a case id below); see BENCHMARKS.md.
//
// Cases:
//   performance-housing    the California housing split in ../shared/data/california_housing: reference.csv
//                          (5.8k rows with labels, 8 months), analysis.csv (8.2k rows, 12 months, no labels) and
//                          analysis_gt.csv (the analysis labels, joined by id, for the realized metrics only).
//                          Skipped with a warning when ../shared is absent (SIGHTGLASS_SHARED_DIR moves it).
//   performance-synthetic  a generated classifier (score → label relation fixed throughout): 1M reference rows
//                          over 12 months, then 12 months of 1M analysis rows, written once as raw arrays for
//                          the peer (--quick: 12k and 12 × 10k).
//
// Timing: Sightglass, as bench/run.mjs (one warm-up, then `repetitions`, median): from rows in memory (row
// objects for housing, typed-array columns for the synthetic case) to one profile per month of each split, the
// reference profile as the merge of its months, and one report per analysis month with the reference months as
// `referenceWindows`. NannyML: fit + estimate + to_df from DataFrames (median of its repetitions after a
// warm-up); reading the CSVs is timed on neither side, building the synthetic DataFrames separately.
import { runPythonPeer } from "./python-peer.mjs";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRandom, importBuilt, measure } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");

export const PERFORMANCE_CASE_IDS = ["performance-housing", "performance-synthetic"];

/** NannyML and scikit-learn live in the oracle suite's ML venv (tests/oracle/requirements-ml.txt). */
const PYTHON_ENV = { name: "python-ml", requirements: "tests/oracle/requirements-ml.txt" };

const SPEC = { task: "classification", prediction: "y_pred", target: "clf_target", scores: "y_pred_proba" };
/** The housing columns CBPE reads (the "performance columns only" row profiles just these). */
const PERFORMANCE_COLUMNS = ["y_pred_proba", "y_pred", "clf_target"];
const MONTHS = 12;

function sizes(quick) {
  return quick
    ? { referenceRows: 12_000, windowRows: 10_000, pythonRepetitions: 1, warmupStride: 10 }
    : { referenceRows: 1_000_000, windowRows: 1_000_000, pythonRepetitions: 3, warmupStride: 100 };
}

// ---------------------------------------------------------------------------------------------------------
// Data

function housingDir() {
  const shared = process.env.SIGHTGLASS_SHARED_DIR ?? join(repoRoot, "..", "shared");
  const dir = join(shared, "data", "california_housing");
  const missing = ["reference", "analysis", "analysis_gt"].filter((f) => !existsSync(join(dir, `${f}.csv`)));
  return missing.length === 0 ? { dir } : { dir, missing: missing.map((f) => `${f}.csv`) };
}

/** The housing CSVs have no quoting and no empty cells: numbers everywhere but the timestamp. */
function readCsv(dir, name) {
  const [header, ...lines] = readFileSync(join(dir, `${name}.csv`), "utf8")
    .trimEnd()
    .split("\n");
  const columns = header.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(columns.map((c, i) => [c, c === "timestamp" ? cells[i] : Number(cells[i])]));
  });
}

/** Rows by calendar month of their timestamp ("2021-06-01 00:00:00" → "2021-06"), in order of appearance. */
function byMonth(rows) {
  const out = new Map();
  for (const row of rows) {
    const month = row.timestamp.slice(0, 7);
    let list = out.get(month);
    if (list === undefined) out.set(month, (list = []));
    list.push(row);
  }
  return out;
}

/**
 * `months` months (numbered from `firstMonth`, see monthKey) of `rowsPerMonth(k)` rows of a binary classifier: score s = (u₁ + u₂)/2 (triangular on [0, 1],
 * full double precision), label ~ Bernoulli(s^1.5) (the scores overstate the positive rate: CBPE's calibration
 * has work to do), prediction s ≥ 0.5. The relation never changes: CBPE's assumption holds.
 */
function syntheticSplit(seed, firstMonth, months, rowsPerMonth) {
  const counts = Array.from({ length: months }, (_, k) => rowsPerMonth(k));
  const rows = counts.reduce((a, b) => a + b, 0);
  const score = new Float64Array(rows);
  const prediction = new Uint8Array(rows);
  const label = new Uint8Array(rows);
  const month = new Uint8Array(rows);
  const random = createRandom(seed);
  let i = 0;
  counts.forEach((count, k) => {
    for (let j = 0; j < count; j++, i++) {
      const s = (random() + random()) / 2;
      score[i] = s;
      prediction[i] = s >= 0.5 ? 1 : 0;
      label[i] = random() < s ** 1.5 ? 1 : 0;
      month[i] = firstMonth + k;
    }
  });
  return { rows, counts, score, prediction, label, month };
}

function writeSplit(split, dir, prefix) {
  const files = { rows: split.rows };
  for (const name of ["score", "prediction", "label", "month"]) {
    const array = split[name];
    files[name] = join(dir, `${prefix}${name}.bin`);
    writeFileSync(files[name], new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  }
  return files;
}

/** Calendar month k after January 2020, as NannyML's chunk keys print it ("2021-03"). */
const monthKey = (k) => `${2020 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, "0")}`;

// ---------------------------------------------------------------------------------------------------------
// Formatting

const fmtMs = (ms) =>
  ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
const fmtCount = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : String(n));
const f3 = (x) => x.toFixed(3);
const fmtInterval = (e) => `${f3(e.value)} [${f3(e.lower)}, ${f3(e.upper)}]`;
const msOf = (timing) => (timing ? timing.nsPerOp / 1e6 : undefined);
const fmtRatio = (r) => (r === undefined ? "—" : `${r.toFixed(r < 10 ? 2 : 1)}×`);

// ---------------------------------------------------------------------------------------------------------
// Run

/** A package's built entry point; exits with what to do when it has not been built. */
/**
 * Compares our per-month estimates with NannyML's chunks and the realized metrics: max |difference|, MAE, and
 * how many months' realized value lies inside each interval (ours with and without reference windows).
 */
function accuracyOf(months, chunks) {
  const metrics = [
    { key: "accuracy", ours: "accuracy", nannyml: "accuracy" },
    { key: "rocAuc", ours: "rocAuc", nannyml: "roc_auc" },
  ];
  const out = {};
  for (const m of metrics) {
    const summary = { maxDifference: 0, mae: { ours: 0, nannyml: 0 }, coverage: {} };
    const inside = (e, value) => e.lower <= value && value <= e.upper;
    let withWindows = 0;
    let withoutWindows = 0;
    let nannyml = 0;
    months.forEach((month, i) => {
      const chunk = chunks[i];
      const realized = chunk.realized[m.nannyml];
      const ours = month.withWindows[m.ours];
      const theirs = chunk.estimated[m.nannyml];
      summary.maxDifference = Math.max(summary.maxDifference, Math.abs(ours.value - theirs.value));
      summary.mae.ours += Math.abs(ours.value - realized) / months.length;
      summary.mae.nannyml += Math.abs(theirs.value - realized) / months.length;
      if (inside(ours, realized)) withWindows++;
      if (inside(month.withoutWindows[m.ours], realized)) withoutWindows++;
      if (inside(theirs, realized)) nannyml++;
    });
    summary.coverage = { withWindows, withoutWindows, nannyml, windows: months.length };
    out[m.key] = summary;
  }
  return out;
}

/**
 * Runs the selected performance cases. `select(id)` says whether a case id is wanted; `ensurePythonEnv` is
 * scripts/python-env.mjs's. Returns `{ json, markdown }`.
 */
export async function runPerformanceBench({ quick, select, ensurePythonEnv, repetitions, log }) {
  const { DatasetProfile } = await importBuilt("profile");
  const { performanceReport, realizedPerformance } = await importBuilt("analysis");
  const size = sizes(quick);
  const want = Object.fromEntries(PERFORMANCE_CASE_IDS.map((id) => [id, select(id)]));
  let sink = 0;

  const performanceOf = (input) => new DatasetProfile({ performance: SPEC }).track(input).view();
  /** Our estimates per analysis month, with the reference months as reference windows and without. */
  const estimates = (referenceViews, analysisViews) => {
    const reference = referenceViews.reduce((a, b) => a.merge(b)).performance;
    const referenceWindows = referenceViews.map((v) => v.performance);
    return analysisViews.map((v) => ({
      withWindows: performanceReport({ reference, referenceWindows, target: v.performance }).estimated,
      withoutWindows: performanceReport({ reference, target: v.performance }).estimated,
    }));
  };
  /** The timed pipeline: monthly profiles of both splits, the merged reference, one report per month. */
  const pipeline = (referenceMonths, analysisMonths) => {
    const referenceViews = referenceMonths.map(performanceOf);
    const analysisViews = analysisMonths.map(performanceOf);
    const reference = referenceViews.reduce((a, b) => a.merge(b)).performance;
    const referenceWindows = referenceViews.map((v) => v.performance);
    const reports = analysisViews.map((v) =>
      performanceReport({ reference, referenceWindows, target: v.performance }),
    );
    sink += reports.length;
    return { referenceViews, analysisViews };
  };
  const timePipeline = (referenceMonths, analysisMonths) => {
    let views;
    const timing = measure(
      () => null,
      () => {
        views = pipeline(referenceMonths, analysisMonths);
      },
      1,
      repetitions,
    );
    return { timing, views };
  };

  const config = { housing: null, synthetic: null };
  const dataDir = join(here, "out", `performance-data-${process.pid}`);
  process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));

  // 1. California housing: our side first, the peer below.
  let housing;
  if (want["performance-housing"]) {
    const location = housingDir();
    if (location.missing) {
      log(
        `[bench] WARNING performance-housing skipped: ${location.missing.join(", ")} not found in ${location.dir} ` +
          "(../shared is not beside the repository; set SIGHTGLASS_SHARED_DIR)",
      );
      housing = { skipped: `${location.dir}: ${location.missing.join(", ")} not found` };
    } else {
      const reference = readCsv(location.dir, "reference");
      const analysis = readCsv(location.dir, "analysis");
      const labels = new Map(readCsv(location.dir, "analysis_gt").map((r) => [r.id, r.clf_target]));
      const referenceMonths = [...byMonth(reference).values()];
      const analysisByMonth = byMonth(analysis);
      const analysisMonths = [...analysisByMonth.values()];
      log(`[bench] sightglass performance on housing (${reference.length} + ${analysis.length} rows) …`);
      const whole = timePipeline(referenceMonths, analysisMonths);
      const only = (rows) =>
        rows.map((r) => Object.fromEntries(["timestamp", ...PERFORMANCE_COLUMNS].map((c) => [c, r[c]])));
      const narrow = timePipeline(referenceMonths.map(only), analysisMonths.map(only));
      const months = estimates(whole.views.referenceViews, whole.views.analysisViews).map((e, i) => ({
        key: [...analysisByMonth.keys()][i],
        rows: analysisMonths[i].length,
        ...e,
        // Our realized metrics from the month's profile once its labels are joined (checked against sklearn's).
        realizedAccuracy: realizedPerformance(
          performanceOf(analysisMonths[i].map((r) => ({ ...r, clf_target: labels.get(r.id) }))).performance,
        ).accuracy,
      }));
      housing = {
        referenceRows: reference.length,
        analysisRows: analysis.length,
        referenceMonths: referenceMonths.length,
        timing: { whole: whole.timing, performanceColumns: narrow.timing },
        months,
      };
      config.housing = { dir: location.dir, repetitions: repetitions };
    }
  }

  // 2. Synthetic: generated here, written for the peer.
  let synthetic;
  if (want["performance-synthetic"]) {
    log(
      `[bench] performance synthetic data: ${fmtCount(size.referenceRows)} reference rows over ${MONTHS} months, ` +
        `${MONTHS} × ${fmtCount(size.windowRows)} analysis rows …`,
    );
    const per = Math.floor(size.referenceRows / MONTHS);
    const referenceSplit = syntheticSplit(
      1,
      0,
      MONTHS,
      (k) => per + (k < size.referenceRows % MONTHS ? 1 : 0),
    );
    const analysisSplit = syntheticSplit(2, MONTHS, MONTHS, () => size.windowRows);
    mkdirSync(dataDir, { recursive: true });
    config.synthetic = {
      repetitions: size.pythonRepetitions,
      warmupStride: size.warmupStride,
      reference: writeSplit(referenceSplit, dataDir, "reference-"),
      analysis: writeSplit(analysisSplit, dataDir, "analysis-"),
    };
    const columns = (split, withLabels) => {
      const out = [];
      let start = 0;
      for (const count of split.counts) {
        const end = start + count;
        out.push({
          y_pred_proba: split.score.subarray(start, end),
          y_pred: split.prediction.subarray(start, end),
          ...(withLabels ? { clf_target: split.label.subarray(start, end) } : {}),
        });
        start = end;
      }
      return out;
    };
    log("[bench] sightglass performance on the synthetic months …");
    const run = timePipeline(columns(referenceSplit, true), columns(analysisSplit, false));
    const months = estimates(run.views.referenceViews, run.views.analysisViews).map((e, k) => ({
      key: monthKey(MONTHS + k),
      rows: analysisSplit.counts[k],
      ...e,
    }));
    synthetic = {
      referenceRows: referenceSplit.rows,
      analysisRows: analysisSplit.rows,
      windowRows: size.windowRows,
      timing: run.timing,
      months,
    };
  }

  // The peer: NannyML on the same rows.
  let peer;
  if (config.housing || config.synthetic) {
    log(`[bench] python env for the nannyml peer (${PYTHON_ENV.requirements}) …`);
    const python = ensurePythonEnv({ quiet: true, ...PYTHON_ENV });
    log("[bench] nannyml peer (CBPE) …");
    mkdirSync(dataDir, { recursive: true });
    const configPath = join(dataDir, "peer.json");
    writeFileSync(configPath, JSON.stringify(config));
    try {
      peer = runPythonPeer(python, join(here, "performance_peer.py"), [configPath]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  // Data checks: the same months with the same rows on both sides; housing: our realized accuracy = sklearn's.
  const problems = [];
  const checkMonths = (name, months, chunks) => {
    if (months.length !== chunks.length)
      problems.push(`${name}: ${months.length} vs ${chunks.length} months`);
    months.forEach((m, i) => {
      const c = chunks[i];
      if (c === undefined || c.key !== m.key || c.rows !== m.rows) {
        problems.push(`${name} month ${i}: ${m.key} (${m.rows} rows) vs ${c?.key} (${c?.rows} rows)`);
      }
    });
  };
  if (housing?.months) {
    housing.nannyml = peer.housing;
    checkMonths("housing", housing.months, peer.housing.chunks);
    housing.months.forEach((m, i) => {
      const sklearn = peer.housing.chunks[i]?.realized.accuracy;
      if (Math.abs(m.realizedAccuracy - sklearn) > 1e-12) {
        problems.push(`housing ${m.key}: realized accuracy ${m.realizedAccuracy} vs scikit-learn ${sklearn}`);
      }
    });
    housing.accuracy = accuracyOf(housing.months, peer.housing.chunks);
  }
  if (synthetic) {
    synthetic.nannyml = peer.synthetic;
    checkMonths("synthetic", synthetic.months, peer.synthetic.chunks);
    synthetic.accuracy = accuracyOf(synthetic.months, peer.synthetic.chunks);
  }
  for (const p of problems) log(`[bench] WARNING performance data check: ${p}`);

  // ---------------------------------------------------------------------------------------------------------
  // Tables

  const lines = [
    `Sightglass performance estimation (CBPE from profiles) vs ` +
      (peer
        ? `NannyML ${peer.versions.nannyml} (scikit-learn ${peer.versions["scikit-learn"]}, pandas ${peer.versions.pandas})`
        : "NannyML (not run)") +
      `${quick ? " (--quick: small synthetic inputs, numbers not meaningful)" : ""}\n`,
  ];

  const summaryLines = (acc) =>
    [
      ["accuracy", acc.accuracy],
      ["ROC AUC", acc.rocAuc],
    ].map(
      ([name, s]) =>
        `- ${name}: MAE vs realized ours ${s.mae.ours.toFixed(4)}, NannyML ${s.mae.nannyml.toFixed(4)}; ` +
        `max |ours − NannyML| ${s.maxDifference.toExponential(2)}; realized inside the interval: ours ` +
        `${s.coverage.withWindows}/${s.coverage.windows} (${s.coverage.withoutWindows}/${s.coverage.windows} ` +
        `without referenceWindows), NannyML ${s.coverage.nannyml}/${s.coverage.windows}`,
    );

  if (housing?.months) {
    const chunks = peer.housing.chunks;
    lines.push(
      `California housing, per month of analysis.csv (reference.csv: ${housing.referenceRows} rows, ` +
        `${housing.referenceMonths} months as referenceWindows). Ours: 95 % interval; NannyML: ±3 sampling errors. ` +
        `Positive rate: realized (analysis_gt) / expected by the reference calibration.\n`,
      "| month | rows | positive rate | accuracy realized | accuracy ours | accuracy NannyML | ROC AUC realized | ROC AUC ours | ROC AUC NannyML |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...housing.months.map((m, i) => {
        const c = chunks[i];
        const e = m.withWindows;
        const expected = (e.confusion.tp + e.confusion.fn) / e.rows;
        return (
          `| ${m.key} | ${m.rows} | ${f3(c.positiveRate)} / ${f3(expected)} | ${f3(c.realized.accuracy)} | ` +
          `${fmtInterval(e.accuracy)} | ${fmtInterval(c.estimated.accuracy)} | ${f3(c.realized.roc_auc)} | ` +
          `${fmtInterval(e.rocAuc)} | ${fmtInterval(c.estimated.roc_auc)} |`
        );
      }),
      "",
      ...summaryLines(housing.accuracy),
      "",
    );
  } else if (housing?.skipped) {
    lines.push(`California housing: skipped (${housing.skipped}).`, "");
  }
  if (synthetic) {
    lines.push(
      `Synthetic (no concept shift; continuous scores), ${MONTHS} analysis months of ${fmtCount(synthetic.windowRows)} rows:`,
      ...summaryLines(synthetic.accuracy),
      "",
    );
  }

  const rows = [];
  if (housing?.months) {
    rows.push({
      id: "performance-housing",
      title:
        `Housing ${fmtCount(housing.referenceRows)} + ${fmtCount(housing.analysisRows)} rows: ` +
        `${housing.referenceMonths} + ${housing.months.length} monthly profiles of whole rows + ` +
        `${housing.months.length} reports vs CBPE fit + estimate`,
      sightglassMs: msOf(housing.timing.whole),
      nannymlMs: peer.housing.timing.ms,
    });
    rows.push({
      id: "performance-housing-columns",
      title: "Housing, profiles of the 3 performance columns only vs the same CBPE",
      sightglassMs: msOf(housing.timing.performanceColumns),
      nannymlMs: peer.housing.timing.ms,
    });
  }
  if (synthetic) {
    rows.push({
      id: "performance-synthetic",
      title:
        `Synthetic ${fmtCount(synthetic.referenceRows)} reference + ${MONTHS} × ${fmtCount(synthetic.windowRows)} ` +
        `analysis rows: monthly profiles (typed columns) + ${MONTHS} reports vs CBPE fit + estimate`,
      sightglassMs: msOf(synthetic.timing),
      nannymlMs: peer.synthetic.timing.ms,
    });
  }
  for (const row of rows) {
    row.ratio =
      row.sightglassMs !== undefined && row.nannymlMs !== undefined
        ? row.nannymlMs / row.sightglassMs
        : undefined;
  }
  if (rows.length > 0) {
    lines.push(
      "| case | Sightglass | NannyML | speed-up (NannyML / Sightglass) |",
      "|---|---:|---:|---:|",
      ...rows.map(
        (r) => `| ${r.title} | ${fmtMs(r.sightglassMs)} | ${fmtMs(r.nannymlMs)} | ${fmtRatio(r.ratio)} |`,
      ),
    );
  }
  if (synthetic) {
    lines.push(
      "",
      `NannyML's inputs, not in its figure: building the synthetic DataFrames from the arrays took ` +
        `${fmtMs(peer.synthetic.framesTiming.ms)}.`,
    );
  }
  lines.push(
    problems.length === 0
      ? "Data check: both sides saw the same months with the same rows" +
          (housing?.months ? "; our realized housing accuracy equals scikit-learn's." : ".")
      : `Data check FAILED (${problems.length}): ${problems.slice(0, 5).join("; ")}`,
  );

  const json = {
    meta: {
      repetitions,
      pythonRepetitions: { housing: repetitions, synthetic: size.pythonRepetitions },
      statistic:
        `Sightglass: median of ${repetitions} repetitions after 1 warm-up; NannyML: median of ${repetitions} ` +
        `(housing) / ${size.pythonRepetitions} (synthetic) after a warm-up`,
      versions: peer?.versions,
    },
    rows,
    housing,
    synthetic,
    dataCheck: { ok: problems.length === 0, problems },
    sink,
  };
  return { json, markdown: lines.join("\n") };
}
