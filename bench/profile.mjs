// Profile benchmarks: @sightglass/profile (built dist) next to pip `whylogs` 1.x on the same generated dataset.
// Run by bench/run.mjs (`npm run bench`, `--only profile` or a case id below); see BENCHMARKS.md.
//
// Dataset (bench/profile-data.mjs): 20 columns — 8 float, 5 int, 5 string (3 low-cardinality, 2 with ~200k
// values), 1 boolean, 1 timestamp — 5 % nulls in every column, generated once here and written to
// bench/out/profile-data-<pid>/ as raw little-endian arrays, validity masks and newline-joined strings, which
// bench/profile_peer.py loads with numpy/pandas: both sides profile the very same values.
//
// Cases:
//   profile-columnar  track(column object) + view() and track(Arrow table) + view() vs why.log(DataFrame).view()
//   profile-rows      track(row objects) and trackRow() per record vs DatasetProfile.track(row=…) and why.log(row=…)
//   profile-size      bytes per column (the ColumnMessage protobuf of each column) and of the whole v1 file
//   profile-rss       peak RSS of a fresh child process streaming 1M / 10M / 50M generated rows
//
// Timing: Sightglass as bench/run.mjs (one warm-up repetition, then `repetitions`, median). whylogs takes 30–60 s
// per repetition of the columnar case (1M rows), so it gets a warm-up on a 5 % slice of the input and then
// PYTHON_REPETITIONS full timed repetitions (median). Both sides are single-threaded: figures are per core.
import { spawnSync } from "node:child_process";
import { runPythonPeer } from "./python-peer.mjs";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  COLUMNS,
  NULL_THRESHOLD,
  SCHEMA,
  generateRaw,
  toColumnObject,
  toRows,
  writeRawFiles,
} from "./profile-data.mjs";
import { importBuilt, measure } from "./timing.mjs";

const here = dirname(fileURLToPath(import.meta.url));

export const PROFILE_CASE_IDS = ["profile-columnar", "profile-rows", "profile-size", "profile-rss"];

/** whylogs repetitions (after a warm-up on a slice); Sightglass uses the harness' REPETITIONS. */
const PYTHON_REPETITIONS = 3;
/** Speed-up targets (whylogs time / Sightglass time) and the size target (Sightglass / whylogs bytes). */
const TARGET_COLUMNAR = 5;
const TARGET_ROWS = 10;
const TARGET_SIZE = 1;
/** "Flat" RSS: the peak at the largest streamed size within this factor of the peak at the smallest. */
const TARGET_RSS_GROWTH = 1.25;

function sizes(quick) {
  return quick
    ? {
        rows: 10_000,
        rowsTs: 10_000,
        rowsPython: 500,
        rowsWhyLog: 10,
        rssTs: [20_000, 100_000],
        rssPython: [20_000],
        chunk: 10_000,
      }
    : {
        rows: 1_000_000,
        rowsTs: 200_000,
        rowsPython: 20_000,
        rowsWhyLog: 100,
        rssTs: [1_000_000, 10_000_000, 50_000_000],
        rssPython: [1_000_000],
        chunk: 100_000,
      };
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** The same rows as an Apache Arrow table: nulls in validity bitmaps, low-cardinality strings dictionary-encoded. */
function arrowTable(arrow, raw) {
  const { makeData, makeVector, vectorFromArray, Table, Float64, Int64, Utf8, Dictionary, Int32, Bool } =
    arrow;
  const vectors = {};
  for (const col of raw) {
    const n = col.valid.length;
    const bitmap = new Uint8Array((n + 7) >> 3);
    let nullCount = 0;
    for (let j = 0; j < n; j++) {
      if (col.valid[j]) bitmap[j >> 3] |= 1 << (j & 7);
      else nullCount++;
    }
    const present = (j) => col.valid[j] === 1;
    let vector;
    if (col.kind === "float") {
      vector = makeVector(
        makeData({ type: new Float64(), length: n, nullCount, nullBitmap: bitmap, data: col.values }),
      );
    } else if (col.kind === "int") {
      const data = BigInt64Array.from(col.values, (v) => BigInt(v));
      vector = makeVector(makeData({ type: new Int64(), length: n, nullCount, nullBitmap: bitmap, data }));
    } else if (col.kind === "string") {
      const values = Array.from(col.values, (v, j) => (present(j) ? v : null));
      vector = vectorFromArray(
        values,
        col.card === "low" ? new Dictionary(new Utf8(), new Int32()) : new Utf8(),
      );
    } else if (col.kind === "bool") {
      vector = vectorFromArray(
        Array.from(col.values, (v, j) => (present(j) ? v === 1 : null)),
        new Bool(),
      );
    } else {
      vector = vectorFromArray(
        Array.from(col.values, (v, j) => (present(j) ? new Date(v) : null)),
        new arrow.TimestampMillisecond(),
      );
    }
    vectors[col.name] = vector;
  }
  return new Table(vectors);
}

// ---------------------------------------------------------------------------------------------------------
// Checks and sizes

/** Per column: counts/n, counts/null and the mean of numeric columns (same definition as profile_peer.py). */
function summaryCheck(view) {
  const out = {};
  for (const col of COLUMNS) {
    const s = view.column(col.name).toSummary();
    const mean = s["distribution/mean"];
    out[col.name] = {
      n: Number(s["counts/n"]),
      null: Number(s["counts/null"]),
      mean: typeof mean === "number" && Number.isFinite(mean) ? mean : null,
    };
  }
  return out;
}

/** Differences between two summary checks: n and null exactly, means of float/int columns to 1e-9. */
function compareChecks(a, b) {
  const problems = [];
  for (const col of COLUMNS) {
    const x = a[col.name];
    const y = b[col.name];
    if (x.n !== y.n || x.null !== y.null) {
      problems.push(`${col.name}: n/null ${x.n}/${x.null} vs ${y.n}/${y.null}`);
    }
    if (col.kind === "float" || col.kind === "int") {
      const close =
        x.mean !== null &&
        y.mean !== null &&
        Math.abs(x.mean - y.mean) <= 1e-9 * Math.max(1, Math.abs(y.mean));
      if (!close) problems.push(`${col.name}: mean ${x.mean} vs ${y.mean}`);
    }
  }
  return problems;
}

/**
 * Bytes of one column as whylogs measures it: `ColumnProfileView.to_protobuf().SerializeToString()`, the
 * ColumnMessage (map path → MetricComponentMessage) of the column's components.
 */
async function columnMessageSize() {
  const { create, toBinary } = await import("@bufbuild/protobuf");
  const { ColumnMessageSchema } = await import("../packages/profile/dist/proto/whylogs_pb.js");
  const { componentToProto } = await import("../packages/profile/dist/codec/components.js");
  return (column) => {
    const metricComponents = {};
    for (const [path, component] of column.toComponents()) {
      metricComponents[path] = componentToProto(component, column.name, path);
    }
    return toBinary(ColumnMessageSchema, create(ColumnMessageSchema, { metricComponents })).length;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Streaming peak RSS (one child process per size)

function streamChild(command, args, what) {
  const child = spawnSync(command, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`${what} failed with status ${child.status}`);
  const out = JSON.parse(child.stdout);
  return {
    rows: out.rows,
    generateOnly: out.generateOnly,
    versions: out.versions,
    seconds: out.seconds,
    baselineMb: out.baselineKb / 1024,
    maxRssMb: out.maxRssKb / 1024,
    bytes: out.bytes,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

const fmtRate = (perSecond, unit) =>
  perSecond >= 1e6
    ? `${(perSecond / 1e6).toFixed(perSecond >= 1e8 ? 0 : 2)} M ${unit}/s`
    : perSecond >= 1e3
      ? `${(perSecond / 1e3).toFixed(1)} k ${unit}/s`
      : `${perSecond.toFixed(1)} ${unit}/s`;
const rate = (timing) => (timing === undefined ? undefined : 1e9 / timing.nsPerOp);
const fmtBytes = (b) =>
  b === undefined ? "—" : b >= 10_000 ? `${(b / 1024).toFixed(1)} KiB` : `${Math.round(b)} B`;
const fmtExact = (b) => (b === undefined ? "—" : `${b} B`);
const fmtMb = (mb) => (mb === undefined ? "—" : `${mb.toFixed(0)} MB`);
const fmtCount = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

// ---------------------------------------------------------------------------------------------------------
// Run

/**
 * Runs the selected profile cases. `select(id)` says whether a case id is wanted; `python` is the venv
 * interpreter. Returns `{ json, markdown }`.
 */
export async function runProfileBench({ quick, select, python, repetitions, log }) {
  const { DatasetProfile } = await importBuilt("profile");
  const size = sizes(quick);
  const want = Object.fromEntries(PROFILE_CASE_IDS.map((id) => [id, select(id)]));
  const ncols = COLUMNS.length;
  const cells = size.rows * ncols;
  let sink = 0;

  const needData = want["profile-columnar"] || want["profile-rows"] || want["profile-size"];
  const dataDir = join(here, "out", `profile-data-${process.pid}`);
  process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));

  const ts = {};
  const checks = {};
  let columnView;
  let raw;
  let columns;
  let files;
  if (needData) {
    log(`[bench] profile dataset: ${fmtCount(size.rows)} rows × ${ncols} columns …`);
    raw = generateRaw(0, size.rows);
    columns = toColumnObject(raw);
    files = writeRawFiles(raw, dataDir);
  }

  // 1. Columnar tracking (also the profiles whose sizes case 3 reports).
  if (want["profile-columnar"] || want["profile-size"]) {
    log("[bench] sightglass profile-columnar (column object) …");
    ts.columnar = measure(
      () => new DatasetProfile({ schema: SCHEMA }),
      (profile) => {
        profile.track(columns);
        columnView = profile.view();
        sink += columnView.columnNames().length;
      },
      cells,
      repetitions,
    );
    checks.columns = summaryCheck(columnView);
  }
  if (want["profile-columnar"]) {
    const arrow = await import("apache-arrow").catch(() => null);
    if (arrow === null) {
      log("[bench] apache-arrow is not installed: skipping the Arrow table variant");
    } else {
      log("[bench] sightglass profile-columnar (Arrow table) …");
      const table = arrowTable(arrow, raw);
      let arrowView;
      ts.arrow = measure(
        () => new DatasetProfile({ schema: SCHEMA }),
        (profile) => {
          profile.track(table);
          arrowView = profile.view();
          sink += arrowView.columnNames().length;
        },
        cells,
        repetitions,
      );
      checks.arrow = summaryCheck(arrowView);
    }
  }

  // 2. Row objects.
  if (want["profile-rows"]) {
    log(`[bench] sightglass profile-rows (${fmtCount(size.rowsTs)} row objects) …`);
    const rows = toRows(columns, size.rowsTs);
    ts.rows = measure(
      () => new DatasetProfile({ schema: SCHEMA }),
      (profile) => {
        profile.track(rows);
        sink += profile.view().columnNames().length;
      },
      size.rowsTs,
      repetitions,
    );
    ts.trackRow = measure(
      () => new DatasetProfile({ schema: SCHEMA }),
      (profile) => {
        for (let i = 0; i < rows.length; i++) profile.trackRow(rows[i]);
        sink += profile.view().columnNames().length;
      },
      size.rowsTs,
      repetitions,
    );
  }

  // 3. Sizes (of the last columnar profile).
  let tsSizes;
  if (want["profile-size"]) {
    const sizeOf = await columnMessageSize();
    tsSizes = {
      columns: Object.fromEntries(COLUMNS.map((c) => [c.name, sizeOf(columnView.column(c.name))])),
      file: columnView.serialize().length,
    };
  }

  // whylogs on the same files.
  let py = { versions: {}, results: {} };
  const pyCases = [
    ...(want["profile-columnar"] ? ["columnar"] : []),
    ...(want["profile-size"] ? ["size"] : []),
    ...(want["profile-rows"] ? ["rows"] : []),
  ];
  if (pyCases.length > 0) {
    log(`[bench] whylogs peer (${pyCases.join(", ")}) …`);
    const configPath = join(dataDir, "peer.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        cases: pyCases,
        repetitions: PYTHON_REPETITIONS,
        rows: size.rows,
        rowsPython: size.rowsPython,
        rowsWhyLog: size.rowsWhyLog,
        files,
      }),
    );
    py = runPythonPeer(python, join(here, "profile_peer.py"), ["bench", configPath]);
    if (py.results.check) checks.whylogs = py.results.check;
  }
  if (needData) rmSync(dataDir, { recursive: true, force: true });

  // 4. Peak RSS while streaming.
  // Each size in a fresh child process; a last pair of runs at the smallest size only generates the chunks
  // (no profile), to show how much of the peak is the input itself.
  const rss = [];
  if (want["profile-rss"]) {
    const allSizes = [...new Set([...size.rssTs, ...size.rssPython])].sort((a, b) => a - b);
    const plan = [
      ...allSizes.map((rows) => ({ rows, generateOnly: false })),
      { rows: allSizes[0], generateOnly: true },
    ];
    for (const { rows, generateOnly } of plan) {
      const entry = { rows, chunk: size.chunk, generateOnly };
      const extra = generateOnly ? ["--generate-only"] : [];
      const what = `${fmtCount(rows)} rows${generateOnly ? ", generation only" : ""}`;
      if (size.rssTs.includes(rows)) {
        log(`[bench] sightglass profile-rss ${what} …`);
        entry.sightglass = streamChild(
          process.execPath,
          [join(here, "profile-stream.mjs"), String(rows), String(size.chunk), ...extra],
          "bench/profile-stream.mjs",
        );
        sink += entry.sightglass.bytes;
      }
      if (size.rssPython.includes(rows)) {
        log(`[bench] whylogs profile-rss ${what} …`);
        entry.whylogs = streamChild(
          python,
          [join(here, "profile_peer.py"), "stream", String(rows), String(size.chunk), ...extra],
          "bench/profile_peer.py stream",
        );
        py.versions = { ...entry.whylogs.versions, ...py.versions };
      }
      rss.push(entry);
    }
  }

  // Data check: every profile of the same data must agree on counts and means.
  const problems = [];
  if (checks.columns && checks.arrow) {
    problems.push(...compareChecks(checks.arrow, checks.columns).map((p) => `Arrow vs columns: ${p}`));
  }
  if (checks.columns && checks.whylogs) {
    problems.push(...compareChecks(checks.columns, checks.whylogs).map((p) => `Sightglass vs whylogs: ${p}`));
  }
  for (const p of problems) log(`[bench] WARNING data check: ${p}`);

  // ---------------------------------------------------------------------------------------------------------
  // Tables

  const throughput = [];
  const pr = py.results;
  if (want["profile-columnar"]) {
    throughput.push(
      {
        id: "profile-columnar",
        title: `Columnar ${fmtCount(size.rows)}×${ncols}: track(columns) + view() vs why.log(DataFrame).view()`,
        unit: "cells",
        sightglass: ts.columnar,
        whylogs: pr.columnar,
        targetSpeedup: TARGET_COLUMNAR,
      },
      ...(ts.arrow
        ? [
            {
              id: "profile-columnar-arrow",
              title: `Columnar ${fmtCount(size.rows)}×${ncols}: track(Arrow table) + view() vs why.log(DataFrame).view()`,
              unit: "cells",
              sightglass: ts.arrow,
              whylogs: pr.columnar,
              targetSpeedup: TARGET_COLUMNAR,
            },
          ]
        : []),
    );
  }
  if (want["profile-rows"]) {
    const rowsNote = `(${fmtCount(size.rowsTs)} rows vs ${fmtCount(size.rowsPython)})`;
    throughput.push(
      {
        id: "profile-rows",
        title: `Row objects: track(rows) vs DatasetProfile.track(row=…) ${rowsNote}`,
        unit: "rows",
        sightglass: ts.rows,
        whylogs: pr.rows,
        targetSpeedup: TARGET_ROWS,
      },
      {
        id: "profile-trackrow",
        title: `Row objects: trackRow() per record vs DatasetProfile.track(row=…) ${rowsNote}`,
        unit: "rows",
        sightglass: ts.trackRow,
        whylogs: pr.rows,
        targetSpeedup: TARGET_ROWS,
      },
      {
        id: "profile-trackrow-whylog",
        title: `Row objects: trackRow() per record vs why.log(row=…) per record (${fmtCount(size.rowsTs)} rows vs ${fmtCount(size.rowsWhyLog)})`,
        unit: "rows",
        sightglass: ts.trackRow,
        whylogs: pr.rowsWhyLog,
        targetSpeedup: TARGET_ROWS,
      },
    );
  }
  for (const row of throughput) {
    row.sightglassPerSecond = rate(row.sightglass);
    row.whylogsPerSecond = rate(row.whylogs);
    row.speedup = row.whylogs ? row.whylogs.nsPerOp / row.sightglass.nsPerOp : undefined;
    row.met = row.speedup !== undefined && row.speedup >= row.targetSpeedup;
  }

  let sizeRows = [];
  let file;
  if (want["profile-size"]) {
    const groups = [
      ["float", (c) => c.kind === "float"],
      ["int", (c) => c.kind === "int"],
      ["string, low cardinality", (c) => c.kind === "string" && c.card === "low"],
      ["string, high cardinality", (c) => c.kind === "string" && c.card === "high"],
      ["boolean", (c) => c.kind === "bool"],
      ["timestamp", (c) => c.kind === "timestamp"],
    ];
    const mean = (names, sizes) => names.reduce((s, n) => s + sizes[n], 0) / names.length;
    sizeRows = groups.map(([type, pick]) => {
      const names = COLUMNS.filter(pick).map((c) => c.name);
      const sightglass = mean(names, tsSizes.columns);
      const whylogs = pr.size ? mean(names, pr.size.columns) : undefined;
      return {
        type,
        columns: names,
        sightglass,
        whylogs,
        ratio: whylogs === undefined ? undefined : sightglass / whylogs,
      };
    });
    file = {
      sightglass: tsSizes.file,
      whylogs: pr.size?.file,
      ratio: pr.size ? tsSizes.file / pr.size.file : undefined,
    };
    for (const r of [...sizeRows, file]) r.met = r.ratio !== undefined && r.ratio <= TARGET_SIZE;
  }

  const tsRss = rss.filter((r) => r.sightglass && !r.generateOnly);
  const rssGrowth =
    tsRss.length > 1 ? tsRss.at(-1).sightglass.maxRssMb / tsRss[0].sightglass.maxRssMb : undefined;

  const lines = [];
  lines.push(
    `Sightglass profile vs whylogs ${py.versions.whylogs ?? "(not run)"} (pandas ${py.versions.pandas ?? "—"}) — ` +
      `${fmtCount(size.rows)} rows × ${ncols} columns, ${((NULL_THRESHOLD / 2 ** 32) * 100).toFixed(0)} % nulls; ` +
      `single-threaded on both sides (figures per core)${quick ? " (--quick: tiny inputs)" : ""}`,
    "",
  );
  if (throughput.length > 0) {
    lines.push(
      "| case | Sightglass | whylogs | speed-up | target | met? |",
      "|---|---:|---:|---:|---:|:---:|",
      ...throughput.map(
        (r) =>
          `| ${r.title} | ${fmtRate(r.sightglassPerSecond, r.unit)} | ` +
          `${r.whylogsPerSecond === undefined ? "—" : fmtRate(r.whylogsPerSecond, r.unit)} | ` +
          `${r.speedup === undefined ? "—" : `${r.speedup.toFixed(1)}×`} | ≥ ${r.targetSpeedup}× | ${r.met ? "yes" : "no"} |`,
      ),
      "",
    );
  }
  if (sizeRows.length > 0) {
    lines.push(
      "| serialized size (per column: ColumnMessage bytes) | Sightglass | whylogs | ratio | target | met? |",
      "|---|---:|---:|---:|---:|:---:|",
      ...sizeRows.map(
        (r) =>
          `| ${r.type} (${r.columns.length} col${r.columns.length > 1 ? "s, mean" : ""}) | ${fmtBytes(r.sightglass)} | ` +
          `${fmtBytes(r.whylogs)} | ${r.ratio === undefined ? "—" : `${r.ratio.toFixed(3)}×`} | ≤ 1× | ${r.met ? "yes" : "no"} |`,
      ),
      `| whole profile file (serialize(), ${ncols} columns) | ${fmtExact(file.sightglass)} | ${fmtExact(file.whylogs)} | ` +
        `${file.ratio === undefined ? "—" : `${file.ratio.toFixed(4)}×`} | ≤ 1× | ${file.met ? "yes" : "no"} |`,
      "",
    );
  }
  if (rss.length > 0) {
    lines.push(
      `| peak RSS, streaming (${fmtCount(size.chunk)}-row chunks) | Sightglass | whylogs | ratio | Sightglass time | whylogs time |`,
      "|---|---:|---:|---:|---:|---:|",
      ...rss.map(
        (r) =>
          `| ${r.generateOnly ? `generation only (no profile), ${fmtCount(r.rows)} rows` : `${fmtCount(r.rows)} rows`} | ` +
          `${fmtMb(r.sightglass?.maxRssMb)} | ${fmtMb(r.whylogs?.maxRssMb)} | ` +
          `${r.sightglass && r.whylogs ? `${(r.sightglass.maxRssMb / r.whylogs.maxRssMb).toFixed(2)}×` : "—"} | ` +
          `${r.sightglass ? `${r.sightglass.seconds.toFixed(1)} s` : "—"} | ${r.whylogs ? `${r.whylogs.seconds.toFixed(1)} s` : "—"} |`,
      ),
      "",
      rssGrowth === undefined
        ? "Sightglass RSS growth: — (one size only)"
        : `Sightglass RSS growth ${fmtCount(tsRss[0].rows)} → ${fmtCount(tsRss.at(-1).rows)} rows: ` +
            `${rssGrowth.toFixed(2)}× (target flat: ≤ ${TARGET_RSS_GROWTH}×, ` +
            `${quick ? "not judged in --quick" : rssGrowth <= TARGET_RSS_GROWTH ? "met" : "not met"}); ` +
            `times include generating the chunks; RSS right after start-up: ` +
            `Sightglass ${fmtMb(tsRss[0].sightglass.baselineMb)}` +
            `${rss[0].whylogs ? `, whylogs ${fmtMb(rss[0].whylogs.baselineMb)}` : ""}`,
      "",
    );
  }
  lines.push(
    Object.keys(checks).length < 2
      ? "Data check: not run (it compares the profiles of the columnar case)."
      : problems.length === 0
        ? "Data check: the profiles agree on counts/n, counts/null and numeric means (same data on every side)."
        : `Data check FAILED (${problems.length}): ${problems.slice(0, 5).join("; ")}`,
  );

  const json = {
    meta: {
      rows: size.rows,
      columns: COLUMNS.map(({ name, kind, card, note }) => ({ name, kind, card, note })),
      nullFraction: NULL_THRESHOLD / 2 ** 32,
      rowsSightglass: size.rowsTs,
      rowsWhylogs: size.rowsPython,
      rowsWhyLog: size.rowsWhyLog,
      chunk: size.chunk,
      repetitions,
      pythonRepetitions: PYTHON_REPETITIONS,
      statistic:
        `Sightglass: median of ${repetitions} repetitions after 1 warm-up; whylogs: median of ` +
        `${PYTHON_REPETITIONS} repetitions after a warm-up on a 5 % slice`,
      versions: py.versions,
      threads: "single-threaded on both sides; rates are per core",
    },
    throughput,
    sizes: sizeRows,
    sizesPerColumn: tsSizes ? { sightglass: tsSizes, whylogs: pr.size } : undefined,
    file,
    rss,
    rssGrowth,
    dataCheck: { ok: problems.length === 0, compared: Object.keys(checks), problems },
    sink,
  };
  return { json, markdown: lines.join("\n") };
}
