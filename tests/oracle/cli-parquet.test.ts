// `sightglass profile` on Parquet and Arrow IPC files written by pyarrow, run as a user runs it: the row groups
// (and Arrow file batches) spread over two worker threads give the counters one thread gives, and both agree
// with pandas on the same file (counts exact, means to 1e-9 relative).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, runOracle } from "./oracle-client.js";
import { untag } from "./whylogs-frame.js";

const cli = join(resolve(import.meta.dirname, "../.."), "packages/cli/bin/sightglass.js");
const work = mkdtempSync(join(tmpdir(), "sightglass-cli-columnar-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Summary = Record<string, Record<string, unknown>>;
type Stats = Record<string, { n: number; null: number; mean: number | null }>;

function summary(path: string, threads: number): Summary {
  const out = join(work, `t${threads}-${path.split("/").pop()}.bin`);
  const p = spawnSync(process.execPath, [cli, "profile", path, "-o", out, "--threads", String(threads)], {
    encoding: "utf8",
  });
  if (p.status !== 0) throw new Error(`profile exited ${p.status}: ${p.stderr}`);
  const s = spawnSync(process.execPath, [cli, "show", out, "--json"], {
    encoding: "utf8",
    maxBuffer: 2 ** 26,
  });
  if (s.status !== 0) throw new Error(`show exited ${s.status}: ${s.stderr}`);
  return JSON.parse(s.stdout) as Summary;
}

// Numeric columns the profile reads like pandas does (see cli-columnar-readers.test.ts for the Arrow types
// the profile does not type yet: float16, decimal, the null type).
const NUMERIC = ["int32", "int64", "int64_nulls", "float64", "float64_nulls", "float32"];

const cases = [
  { name: "Parquet, 5 row groups", file: "mixed.parquet", format: "parquet" },
  { name: "Arrow IPC file, 5 batches", file: "mixed.arrow", format: "arrow-file" },
] as const;

let stats: Record<string, Stats>;
beforeAll(async () => {
  const rows = 10_000;
  const results = await runOracle(
    [
      { op: "write_parquet", path: join(work, "mixed.parquet"), rows, seed: 11, row_group_size: 2000 },
      {
        op: "write_arrow",
        path: join(work, "mixed.arrow"),
        rows,
        seed: 11,
        format: "file",
        batch_size: 2000,
      },
      { op: "pandas_stats", path: join(work, "mixed.parquet"), format: "parquet" },
      { op: "pandas_stats", path: join(work, "mixed.arrow"), format: "arrow-file" },
    ],
    "columnar_files.py",
  );
  stats = {
    "mixed.parquet": untag(ok<{ stats: unknown }>(results[2], "pandas_stats").stats) as Stats,
    "mixed.arrow": untag(ok<{ stats: unknown }>(results[3], "pandas_stats").stats) as Stats,
  };
});

describe("sightglass profile on pyarrow-written columnar files", () => {
  for (const c of cases) {
    it(`${c.name}: two threads = one thread = pandas`, () => {
      const path = join(work, c.file);
      const one = summary(path, 1);
      const two = summary(path, 2);
      const expected = stats[c.file]!;
      expect(Object.keys(two).sort()).toEqual(Object.keys(one).sort());
      for (const column of Object.keys(one)) {
        for (const key of ["counts/n", "counts/null", "types/integral", "types/fractional", "types/string"]) {
          expect(two[column]![key], `${column} ${key}`).toEqual(one[column]![key]);
        }
        expect(one[column]!["counts/n"], column).toBe(expected[column]!.n);
      }
      for (const column of NUMERIC.filter((n) => n in one)) {
        expect(one[column]!["counts/null"], column).toBe(expected[column]!.null);
        const mean = expected[column]!.mean!;
        for (const s of [one, two]) {
          expect(Math.abs((s[column]!["distribution/mean"] as number) - mean), column).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(mean)),
          );
        }
      }
    });
  }
});
