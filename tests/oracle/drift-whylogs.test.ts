// Our drift scores next to whylogs' own (`calculate_drift_scores`) on the very same profile files: whylogs'
// Hellinger on our sketches is our Hellinger (same bins, same PMFs), and whylogs' KS statistic — the largest
// CDF gap at 100 quantiles of each side — never exceeds ours, which is the exact supremum over every retained
// value, while its p-value is our Kolmogorov survival function at whylogs' effective size.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { columnDrift, kolmogorovSmirnovSf } from "@sightglass/analysis";
import { DatasetProfile } from "@sightglass/profile";
import { normals } from "../../packages/analysis/test/support/samples.js";
import { ok, runOracle } from "./oracle-client.js";

const sample = normals;

const COLUMNS = {
  small_same: [sample(400, 1), sample(300, 2)],
  small_shift: [sample(500, 3), sample(500, 4, 0.4)],
  large_same: [sample(100_000, 5), sample(80_000, 6)],
  large_shift: [sample(100_000, 7), sample(100_000, 8, 0.05)],
  large_scale: [sample(60_000, 9), sample(50_000, 10, 0, 2)],
} as const;
const NAMES = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[];

const workDir = mkdtempSync(join(tmpdir(), "sightglass-drift-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Score {
  statistic: number;
  pvalue: number | null;
  category: string;
}

describe("drift scores vs whylogs' calculate_drift_scores on the same files", () => {
  // Each column profiled on its own (lengths differ), then merged into one dataset profile per side.
  const side = (i: 0 | 1) =>
    NAMES.map((name) => new DatasetProfile().track({ [name]: COLUMNS[name][i] }).view()).reduce((a, b) =>
      a.merge(b),
    );
  const reference = side(0);
  const target = side(1);
  const referencePath = join(workDir, "reference.bin");
  const targetPath = join(workDir, "target.bin");
  writeFileSync(referencePath, reference.serialize());
  writeFileSync(targetPath, target.serialize());

  it("gives whylogs' Hellinger distance and category on every column", async () => {
    const [answer] = await runOracle(
      [
        {
          op: "drift_scores",
          reference: referencePath,
          target: targetPath,
          algorithm: "hellinger",
          columns: NAMES,
        },
      ],
      "whylogs_oracle.py",
    );
    const scores = ok<{ scores: Record<string, Score> }>(answer, "hellinger").scores;
    for (const name of NAMES) {
      const ours = columnDrift(reference.column(name)!, target.column(name)!, {
        method: "hellinger",
      }).result!;
      expect(Math.abs(ours.statistic - scores[name]!.statistic), name).toBeLessThanOrEqual(1e-12);
      expect(ours.category, name).toBe(scores[name]!.category.toLowerCase().replace(/ /g, "_"));
    }
  });

  it("never puts whylogs' quantile-grid KS above our exact supremum, and shares its p-value function", async () => {
    const [answer] = await runOracle(
      [{ op: "drift_scores", reference: referencePath, target: targetPath, algorithm: "ks", columns: NAMES }],
      "whylogs_oracle.py",
    );
    const scores = ok<{ scores: Record<string, Score> }>(answer, "ks").scores;
    for (const name of NAMES) {
      const ours = columnDrift(reference.column(name)!, target.column(name)!, { method: "ks" }).result!;
      const theirs = scores[name]!;
      expect(theirs.statistic, name).toBeLessThanOrEqual(ours.statistic + 1e-12);
      const n = COLUMNS[name][0].length;
      const m = COLUMNS[name][1].length;
      const effective = Math.round((n * m) / (n + m));
      expect(
        Math.abs(kolmogorovSmirnovSf(theirs.statistic, effective) - theirs.pvalue!),
        name,
      ).toBeLessThanOrEqual(1e-9);
    }
  });
});
