// `sightglass drift` and `validate` end to end: the real California-housing reference/analysis split from
// ../shared, and generated files for the gate semantics.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveHousing, housingDir, sightglass, tempDir } from "./support.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

interface DriftJson {
  columns: {
    column: string;
    method: string;
    statistic: number;
    pValue: number | null;
    bound: number;
    category: string;
  }[];
  quality: { check: string; column: string; severity: string; message: string }[];
  datasetDrift: { tested: number; drifted: number; datasetDrift: boolean };
}

function numericCsv(name: string, shift: number, n = 4000): string {
  const path = join(dir, name);
  const lines = ["x,y,label"];
  for (let i = 0; i < n; i++) {
    // Deterministic, smooth values: a sawtooth over [0, 100) plus the shift; labels cycle through 4 values.
    lines.push(`${((i * 37) % 1000) / 10 + shift},${(i * 11) % 50},${["a", "b", "c", "d"][i % 4]}`);
  }
  writeFileSync(path, lines.join("\n"));
  return path;
}

describe.skipIf(!haveHousing)("California housing (../shared): reference vs analysis", () => {
  const ref = join(housingDir, "reference.csv");
  const analysis = join(housingDir, "analysis.csv");

  it("--json has the documented shape; the same profiles give the same report", async () => {
    const r = await sightglass(["drift", ref, analysis, "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DriftJson;
    const names = report.columns.map((c) => c.column).sort();
    expect(names).toContain("MedInc");
    expect(names).toContain("y_pred_proba");
    for (const c of report.columns) {
      expect(typeof c.statistic).toBe("number");
      expect(c.bound).toBeGreaterThanOrEqual(0);
      expect(["drift", "possible_drift", "no_drift"]).toContain(c.category);
      if (c.method === "ks" || c.method === "chi_square") expect(typeof c.pValue).toBe("number");
      else expect(c.pValue).toBeNull();
    }
    expect(report.datasetDrift.tested).toBe(report.columns.length);

    // Profiles first, then drift from the profiles: the same numbers.
    const refBin = join(dir, "ref.bin");
    const anaBin = join(dir, "ana.bin");
    expect((await sightglass(["profile", ref, "-o", refBin])).code).toBe(0);
    expect((await sightglass(["profile", analysis, "-o", anaBin])).code).toBe(0);
    const fromProfiles = JSON.parse(
      (await sightglass(["drift", refBin, anaBin, "--json"])).stdout,
    ) as DriftJson;
    expect(fromProfiles.columns.map((c) => [c.column, c.statistic])).toEqual(
      report.columns.map((c) => [c.column, c.statistic]),
    );
  });

  it("prints a severity-sorted table and writes a self-contained HTML report", async () => {
    const html = join(dir, "housing.html");
    const r = await sightglass(["drift", ref, analysis, "--html", html]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Dataset: (DRIFT|no drift)/);
    const table = r.stdout.split("\n").filter((l) => / (drift|possible drift|no drift)$/.test(l));
    const rank = (l: string): number => (l.endsWith("possible drift") ? 1 : l.endsWith("no drift") ? 2 : 0);
    const ranks = table.map(rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const page = readFileSync(html, "utf8");
    expect(page.startsWith("<!DOCTYPE html>") || page.startsWith("<!doctype html>")).toBe(true);
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(page).toContain("MedInc");
  });
});

describe("drift gate", () => {
  it("--fail-on drift exits 1 on a shifted target and 0 on an unchanged one", async () => {
    const ref = numericCsv("ref.csv", 0);
    const same = numericCsv("same.csv", 0);
    const shifted = numericCsv("shifted.csv", 25);
    const ok = await sightglass(["drift", ref, same, "--fail-on", "drift"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("no drift");
    const bad = await sightglass(["drift", ref, shifted, "--fail-on", "drift", "--json"]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as DriftJson;
    expect(report.columns.find((c) => c.column === "x")!.category).toBe("drift");
    expect(report.columns.find((c) => c.column === "y")!.category).toBe("no_drift");
    expect(report.datasetDrift.datasetDrift).toBe(true);
  });

  it("bad options are usage errors", async () => {
    const ref = numericCsv("ref2.csv", 0, 100);
    expect((await sightglass(["drift", ref, ref, "--fail-on", "sometimes"])).code).toBe(2);
    const m = await sightglass(["drift", ref, ref, "--method", "magic"]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--method must be/);
  });
});

describe("validate", () => {
  it("passes, fails with exit 1, and reports a broken constraints file with its location", async () => {
    const data = numericCsv("v.csv", 0, 500);
    const pass = join(dir, "pass.yaml");
    writeFileSync(
      pass,
      "constraints:\n  - { check: no_missing_values, column: x }\n  - { check: is_in_range, column: x, lower: 0, upper: 100 }\n",
    );
    const ok = await sightglass(["validate", data, "--constraints", pass]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("All 2 constraints passed.");

    const fail = join(dir, "fail.yaml");
    writeFileSync(fail, "constraints:\n  - { check: is_in_range, column: x, lower: 0, upper: 50 }\n");
    const bad = await sightglass(["validate", data, "--constraints", fail, "--json"]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { passed: boolean; failures: number };
    expect(report).toMatchObject({ passed: false, failures: 1 });

    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "constraints:\n  - { check: is_in_rnage, column: x, lower: 0, upper: 1 }\n");
    const err = await sightglass(["validate", data, "--constraints", broken]);
    expect(err.code).toBe(3);
    expect(err.stderr).toMatch(/broken\.yaml.*constraints\[0\]/);
    expect(existsSync(broken)).toBe(true);
  });
});

describe("upload", () => {
  it("needs an API key from the environment and says so", async () => {
    const r = await sightglass(
      ["upload", join(dir, "x.bin"), "--server", "http://127.0.0.1:9", "--project", "p"],
      {
        env: { SIGHTGLASS_API_KEY: "" },
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("SIGHTGLASS_API_KEY");
  });

  it("an unreachable server is a network error (exit 5) naming it", async () => {
    const data = numericCsv("u.csv", 0, 10);
    const bin = join(dir, "u.bin");
    expect((await sightglass(["profile", data, "-o", bin])).code).toBe(0);
    const r = await sightglass(
      ["upload", bin, "--server", "http://127.0.0.1:9", "--project", "p", "--retries", "0"],
      {
        env: { SIGHTGLASS_API_KEY: "k" },
      },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
