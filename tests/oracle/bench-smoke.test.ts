// Smoke test of the benchmark harness: `node bench/run.mjs --quick` must run every case against the Python
// peers (datasketches, whylogs, evidently, nannyml; the `sightglass` command against pandas + whylogs /
// evidently) and print a table row for each. No timing assertions: speed claims live in BENCHMARKS.md, not here.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const packageRoots = ["sketches", "profile", "analysis", "cli"].map((name) =>
  join(repoRoot, "packages", name),
);

/** Newest modification time under a directory (the sources the dist is built from). */
function newestMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// Titles of the cases in bench/run.mjs; the table must have one row for each.
const EXPECTED_ROWS = [
  "KLL k=200 update(x)",
  "KLL k=200 batch update",
  "HLL_8 lgK=12 int64",
  "HLL_4 lgK=12 int64",
  "HLL_8 lgK=12 double",
  "HLL_4 lgK=12 double",
  "HLL_8 lgK=12 string",
  "HLL_4 lgK=12 string",
  "Frequent items lgMax=10",
  "KLL merge",
  "HLL union",
  "KLL n=1e5 serialize",
  "KLL n=1e5 deserialize",
  "HLL_4 lg12 compact serialize",
  "HLL_4 lg12 compact deserialize",
  "HLL_8 lg12 compact serialize",
  "HLL_8 lg12 compact deserialize",
  "Frequent items lg10 serialize",
  "Frequent items lg10 deserialize",
];

// Rows of the profile tables (bench/profile.mjs, --quick sizes): each must be present, and all but the RSS
// rows without whylogs must have a whylogs figure.
const EXPECTED_PROFILE_ROWS = [
  "Columnar 10k×20: track(columns)",
  "Columnar 10k×20: track(Arrow table)",
  "Row objects: track(rows)",
  "Row objects: trackRow() per record vs DatasetProfile.track(row=…)",
  "Row objects: trackRow() per record vs why.log(row=…)",
  "float",
  "int",
  "string, low cardinality",
  "string, high cardinality",
  "boolean",
  "timestamp",
  "whole profile file",
  "20k rows",
  "generation only (no profile), 20k rows",
];
const EXPECTED_PROFILE_ROWS_WITHOUT_PEER = ["100k rows"];

// Rows of the drift tables (bench/drift.mjs, --quick sizes): the cases, then one verdict row per column of the
// 20-column dataset. The 500-column case has no peer.
const EXPECTED_DRIFT_ROWS = ["Drift report 10k×20", "Inputs of that report"];
const EXPECTED_DRIFT_ROWS_WITHOUT_PEER = ["Drift + quality report, 500 columns"];
const DRIFT_COLUMNS = [
  ...Array.from({ length: 8 }, (_, i) => `float_${i}`),
  ...Array.from({ length: 5 }, (_, i) => `int_${i}`),
  "str_low_0",
  "str_low_1",
  "str_low_2",
  "str_high_0",
  "str_high_1",
  "bool",
  "timestamp",
];

// Rows of the performance tables (bench/performance.mjs, --quick sizes): the timing cases, each with a figure
// on both sides, and one row per month of the housing analysis split. The housing case reads ../shared; without
// its CSVs the bench skips that case with a warning, and neither its rows nor its months are expected.
const housingDir = join(
  process.env.SIGHTGLASS_SHARED_DIR ?? join(repoRoot, "..", "shared"),
  "data",
  "california_housing",
);
const haveHousing = ["reference", "analysis", "analysis_gt"].every((f) =>
  existsSync(join(housingDir, `${f}.csv`)),
);
const EXPECTED_PERFORMANCE_ROWS = [
  ...(haveHousing ? ["Housing 5.8k + 8.2k rows", "Housing, profiles of the 3 performance columns only"] : []),
  "Synthetic 12k reference + 12 × 10k analysis rows",
];
const HOUSING_MONTHS = haveHousing ? 12 : 0;

// Rows of the monitors table (bench/monitors.mjs): one bucket's evaluation (warm, store reopened, first run) next
// to Evidently on the raw rows, then the time of each analyzer type alone.
const EXPECTED_MONITOR_ROWS = [
  "Monitors: 50 monitors, 20 columns, 1 daily bucket, SQLite (warm cache",
  "Monitors: 50 monitors, 20 columns, 1 daily bucket, SQLite (store reopened",
  "Monitors: 50 monitors, 20 columns, 1 daily bucket, SQLite (first run",
];
const MONITOR_TYPES = [
  "drift",
  "fixed",
  "stddev",
  "percent_change",
  "data_quality",
  "schema_change",
  "missing_data",
];

// Rows of the CLI tables (bench/cli.mjs, --quick sizes): the `sightglass` command next to its Python peer, each
// with a figure on both sides.
const EXPECTED_CLI_ROWS = [
  "CLI profile: sightglass profile (default",
  "CLI profile --threads 1:",
  "CLI profile vs the whole python process",
  "CLI profile peak RSS",
  "CLI drift: sightglass drift --json",
  "CLI drift vs the whole python process",
];

describe("benchmark harness (--quick)", () => {
  beforeAll(() => {
    const stale = packageRoots.some((root) => {
      const distEntry = join(root, "dist/index.js");
      return !existsSync(distEntry) || statSync(distEntry).mtimeMs < newestMtime(join(root, "src"));
    });
    if (stale) {
      const build = spawnSync("npm", ["run", "build"], { cwd: repoRoot, encoding: "utf8" });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    }
  });

  it("prints a row for every case and exits 0", () => {
    // Write the JSON elsewhere so that a test run does not overwrite the results of a real benchmark run.
    const outDir = mkdtempSync(join(tmpdir(), "sightglass-bench-smoke-"));
    const outFile = join(outDir, "results.json");
    const run = spawnSync(process.execPath, [join(repoRoot, "bench/run.mjs"), "--quick", "--out", outFile], {
      cwd: repoRoot,
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(run.status, `bench/run.mjs --quick failed:\n${run.stderr}`).toBe(0);
    const json = JSON.parse(readFileSync(outFile, "utf8")) as {
      results: unknown[];
      profile?: { dataCheck: { ok: boolean; problems: string[] } };
      drift?: { columns: { dataCheck: { ok: boolean; problems: string[] } } };
      cli?: { profile?: { dataCheck: { ok: boolean; problems: string[] } } };
      performance?: { dataCheck: { ok: boolean; problems: string[] } };
      monitors?: { dataCheck: { ok: boolean; problems: string[] } };
    };
    rmSync(outDir, { recursive: true, force: true });
    expect(json.results).toHaveLength(EXPECTED_ROWS.length);
    // Both profile sides must have profiled the same data (counts and means agree).
    expect(json.profile?.dataCheck.ok, JSON.stringify(json.profile?.dataCheck.problems)).toBe(true);
    // Evidently's DataFrames hold the values Sightglass profiled.
    expect(json.drift?.columns.dataCheck.ok, JSON.stringify(json.drift?.columns.dataCheck.problems)).toBe(
      true,
    );
    // The CLI's profile of the CSV and whylogs' profile of pandas.read_csv(same file) agree on rows and counts.
    expect(json.cli?.profile?.dataCheck.ok, JSON.stringify(json.cli?.profile?.dataCheck.problems)).toBe(true);
    // NannyML saw the same months with the same rows; housing's realized accuracy equals scikit-learn's.
    expect(json.performance?.dataCheck.ok, JSON.stringify(json.performance?.dataCheck.problems)).toBe(true);
    // Evidently's DataFrames hold as many values per column as the stored bucket summaries.
    expect(json.monitors?.dataCheck.ok, JSON.stringify(json.monitors?.dataCheck.problems)).toBe(true);
    // Table rows: lines starting "| " that are not a header (a header is followed by the "|---" line).
    const lines = run.stdout.split("\n");
    const rows = lines.filter((line, i) => line.startsWith("| ") && !lines[i + 1]?.startsWith("|---"));
    for (const title of EXPECTED_ROWS) {
      const row = rows.find((line) => line.startsWith(`| ${title}`));
      expect(row, `no table row for "${title}" in:\n${run.stdout}`).toBeDefined();
      // Both sides produced a number (a "—" would mean the Python peer skipped the case).
      expect(row?.split("|").slice(2, 5).join("|")).not.toContain("—");
    }
    for (const title of EXPECTED_PROFILE_ROWS) {
      const row = rows.find((line) => line.startsWith(`| ${title}`));
      expect(row, `no table row for "${title}" in:\n${run.stdout}`).toBeDefined();
      expect(row?.split("|").slice(2, 4).join("|")).not.toContain("—");
    }
    for (const title of EXPECTED_PROFILE_ROWS_WITHOUT_PEER) {
      expect(rows.find((line) => line.startsWith(`| ${title}`))).toBeDefined();
    }
    for (const title of EXPECTED_DRIFT_ROWS) {
      const row = rows.find((line) => line.startsWith(`| ${title}`));
      expect(row, `no table row for "${title}" in:\n${run.stdout}`).toBeDefined();
      expect(row?.split("|").slice(2, 4).join("|")).not.toContain("—");
    }
    for (const title of EXPECTED_DRIFT_ROWS_WITHOUT_PEER) {
      // The report was computed (a figure, not "pending") and the target column says whether it was met.
      const row = rows.find((line) => line.startsWith(`| ${title}`));
      expect(row, `no table row for "${title}" in:\n${run.stdout}`).toBeDefined();
      expect(row?.split("|")[2]).toMatch(/\d ms/);
    }
    for (const title of EXPECTED_CLI_ROWS) {
      const row = rows.find((line) => line.startsWith(`| ${title}`));
      expect(row, `no table row for "${title}" in:\n${run.stdout}`).toBeDefined();
      expect(row?.split("|").slice(2, 4).join("|")).not.toContain("—");
    }
    for (const title of EXPECTED_PERFORMANCE_ROWS) {
      const row = rows.find((line) => line.startsWith(`| ${title}`));
      expect(row, `no table row for "${title}" in:\n${run.stdout}`).toBeDefined();
      expect(row?.split("|").slice(2, 5).join("|")).not.toContain("—");
    }
    for (const title of EXPECTED_MONITOR_ROWS) {
      const row = rows.find((line) => line.startsWith(`| ${title}`));
      expect(
        row,
        `no table row for "${title}" in:
${run.stdout}`,
      ).toBeDefined();
      expect(row?.split("|").slice(2, 5).join("|")).not.toContain("—");
    }
    for (const type of MONITOR_TYPES) {
      expect(
        rows.find((line) => line.startsWith(`| ${type} |`)),
        `no row for ${type} monitors`,
      ).toBeDefined();
    }
    // Per-month rows of the housing table: realized, ours and NannyML's figures in every one.
    const monthRows = rows.filter((line) => /^\| \d{4}-\d{2} \|/.test(line));
    expect(monthRows).toHaveLength(HOUSING_MONTHS);
    for (const row of monthRows) expect(row).not.toContain("—");
    for (const column of DRIFT_COLUMNS) {
      expect(
        rows.find((line) => line.startsWith(`| ${column} |`)),
        `no verdict row for ${column}`,
      ).toBeDefined();
    }
    expect(rows).toHaveLength(
      EXPECTED_ROWS.length +
        EXPECTED_PROFILE_ROWS.length +
        EXPECTED_PROFILE_ROWS_WITHOUT_PEER.length +
        EXPECTED_DRIFT_ROWS.length +
        EXPECTED_DRIFT_ROWS_WITHOUT_PEER.length +
        DRIFT_COLUMNS.length +
        EXPECTED_CLI_ROWS.length +
        EXPECTED_PERFORMANCE_ROWS.length +
        EXPECTED_MONITOR_ROWS.length +
        MONITOR_TYPES.length +
        HOUSING_MONTHS,
    );
  }, 600_000);
});
