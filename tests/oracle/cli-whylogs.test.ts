// The `sightglass profile` command against pip whylogs 1.6.4 on the California housing CSVs (../shared):
// (a) the file the CLI writes loads in Python whylogs, whose to_summary_dict equals `sightglass show --json`;
// (b) whylogs' own profile of pandas.read_csv(same file) agrees with the CLI's profile: the CSV reader types
//     and reads every value as pandas does.
//
// Tolerances (bounds of the sketches or of floating point, never tuned):
// - counters (counts, types, ints min/max, distribution n/min/max): exact.
// - mean / stddev: 1e-9 relative (Python combines numpy batch moments, the CLI its own batches).
// - quantiles: KLL with k = 1024 on both sides but different compaction bits, so each side's quantile must
//   lie within the 99% single-rank error (KLL_EPS) + 1/n of the requested rank in the raw data.
// - cardinality: the CLI's estimate inside whylogs' 3-sigma bounds.
// - frequent items: with fewer distinct values than the map's capacity (0.75 · 2^10) nothing is purged and
//   both sides count exactly: same items, same counts.
// - the same file read by both: every value equal, the composite HLL estimate to 1e-12 (libm vs V8 log/pow).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SHARED_MISSING_REASON, sharedDir } from "../../packages/sketches/test/support/shared.js";
import { ok, runOracle } from "./oracle-client.js";
import { FI_EXACT_CAPACITY, KLL_EPS, QUANTILE_RANKS, rankInterval, untag } from "./whylogs-frame.js";

const repoRoot = resolve(import.meta.dirname, "../..");
const cli = join(repoRoot, "packages/cli/bin/sightglass.js");

type ColumnSummary = Record<string, unknown>;
type Summary = Record<string, ColumnSummary>;

const housing = sharedDir === null ? null : join(sharedDir, "data", "california_housing");
const parts = ["reference", "analysis"].filter(
  (p) => housing !== null && existsSync(join(housing, `${p}.csv`)),
);
const skipReason = housing === null ? SHARED_MISSING_REASON : `${housing}/reference.csv not found`;

const work = mkdtempSync(join(tmpdir(), "sightglass-cli-whylogs-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sightglass(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`sightglass ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** `show --json` writes NaN and infinities as strings; Python's encoding tags them. Both become numbers. */
function numbers(value: unknown): unknown {
  if (value === "NaN" || value === "Infinity" || value === "-Infinity") return Number(value);
  if (Array.isArray(value)) return value.map(numbers);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, numbers(v)]));
  }
  return value;
}

/** Raw numeric cells of a column as pandas reads them (the housing CSVs have no quoting). */
function rawNumbers(csv: string, column: string): Float64Array {
  const lines = csv.trimEnd().split("\n");
  const index = lines[0]!.split(",").indexOf(column);
  const values = lines
    .slice(1)
    .map((l) => l.split(",")[index]!)
    .filter((v) => v !== "")
    .map(Number);
  return Float64Array.from(values).sort();
}

describe.skipIf(parts.length === 0)("sightglass profile vs whylogs on California housing", () => {
  for (const part of parts) {
    describe(`${part}.csv`, () => {
      const csvPath = join(housing!, `${part}.csv`);
      const binPath = join(work, `${part}.bin`);
      let cliSummary: Summary;
      let pyOfCliFile: Summary;
      let pyOwn: Summary;
      let pyBounds: Record<string, Record<string, number>>;

      it("the CLI profile loads in whylogs with the very same summary", async () => {
        sightglass(["profile", csvPath, "-o", binPath, "--quiet"]);
        cliSummary = numbers(JSON.parse(sightglass(["show", binPath, "--json"]))) as Summary;
        const [read, own] = await runOracle(
          [
            { op: "read_summary", path: binPath },
            { op: "profile_frame", frame: { kind: "csv", path: csvPath } },
          ],
          "whylogs_oracle.py",
        );
        pyOfCliFile = untag(ok<{ summary: unknown }>(read, "read_summary").summary) as Summary;
        const ownResult = ok<{ summary: unknown; bounds3: unknown }>(own, "profile_frame");
        pyOwn = untag(ownResult.summary) as Summary;
        pyBounds = untag(ownResult.bounds3) as Record<string, Record<string, number>>;

        expect(Object.keys(cliSummary).sort()).toEqual(Object.keys(pyOfCliFile).sort());
        for (const [column, py] of Object.entries(pyOfCliFile)) {
          const ts = cliSummary[column]!;
          expect(Object.keys(ts).sort(), column).toEqual(Object.keys(py).sort());
          for (const [key, value] of Object.entries(py)) {
            if (key.startsWith("cardinality/")) {
              expect(
                Math.abs((ts[key] as number) - (value as number)),
                `${column} ${key}`,
              ).toBeLessThanOrEqual(1e-12 * Math.abs(value as number));
            } else {
              expect(ts[key], `${column} ${key}`).toEqual(value);
            }
          }
        }
      });

      it("whylogs' own profile of pandas.read_csv agrees: same types and counts, moments, quantiles, items", () => {
        const csv = readFileSync(csvPath, "utf8");
        expect(Object.keys(cliSummary).sort()).toEqual(Object.keys(pyOwn).sort());
        for (const [column, py] of Object.entries(pyOwn)) {
          const ts = cliSummary[column]!;
          expect(Object.keys(ts).sort(), `${column}: metric set`).toEqual(Object.keys(py).sort());
          for (const key of Object.keys(py)) {
            const exact =
              key.startsWith("counts/") ||
              key.startsWith("types/") ||
              key.startsWith("ints/") ||
              ["distribution/n", "distribution/min", "distribution/max"].includes(key);
            if (exact) expect(ts[key], `${column} ${key}`).toEqual(py[key]);
          }
          const n = py["distribution/n"] as number;
          if (n > 0) {
            for (const key of ["distribution/mean", "distribution/stddev"]) {
              const a = ts[key] as number;
              const b = py[key] as number;
              expect(Math.abs(a - b), `${column} ${key}`).toBeLessThanOrEqual(
                1e-9 * Math.max(1, Math.abs(b)),
              );
            }
            const sorted = rawNumbers(csv, column);
            expect(sorted.length).toBe(n);
            for (const [key, rank] of Object.entries(QUANTILE_RANKS)) {
              const [lo, hi] = rankInterval(sorted, ts[key] as number);
              const slack = KLL_EPS + 1 / n;
              expect(
                lo - slack <= rank && rank <= hi + slack,
                `${column} ${key}: rank [${lo}, ${hi}] vs ${rank}`,
              ).toBe(true);
            }
          }
          const bounds = pyBounds[column];
          if (bounds !== undefined) {
            const est = ts["cardinality/est"] as number;
            expect(est, `${column} cardinality`).toBeGreaterThanOrEqual(bounds["cardinality/lower_3"]!);
            expect(est, `${column} cardinality`).toBeLessThanOrEqual(bounds["cardinality/upper_3"]!);
          }
          const items = py["frequent_items/frequent_strings"] as { value: string; est: number }[] | undefined;
          if (items !== undefined && (py["cardinality/est"] as number) < FI_EXACT_CAPACITY / 2) {
            const mine = ts["frequent_items/frequent_strings"] as { value: string; est: number }[];
            const key = (l: { value: string; est: number }[]): string[] =>
              l.map((i) => `${i.value}=${i.est}`).sort();
            expect(key(mine), `${column} frequent items`).toEqual(key(items));
          }
        }
      });
    });
  }
});

if (parts.length === 0) {
  describe("sightglass profile vs whylogs on California housing", () => {
    it.skip(`skipped: ${skipReason}`, () => {});
  });
}
