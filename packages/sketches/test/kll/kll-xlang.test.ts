import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KllDoublesSketch, SketchError } from "../../src/index.js";
import { readVector, requireShared, vectorPath } from "../support/shared.js";

/**
 * Cross-language snapshots (apache/datasketches-go `serialization_test_data`, spec §5): k = 200, items 1..n.
 *
 * Accuracy tolerance: `getNormalizedRankError(false)` (≈ 1.33% for k = 200), the a-priori single-rank error
 * bound at 99% confidence. The exact rank of value v among 1..n is v / n (inclusive), so each retained-quantile
 * answer q for rank r must satisfy |q / n − r| ≤ ε, and getRank(v) must be within ε of v / n.
 */
const LANGS = ["cpp", "java", "go"] as const;
const RANKS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];

function filesFor(lang: string, prefix: string): { file: string; n: number }[] {
  return readdirSync(vectorPath("datasketches-xlang", `${lang}_generated_files`))
    .filter((f) => f.startsWith(prefix) && f.endsWith(".sk"))
    .map((file) => ({ file, n: Number(/_n(\d+)_/.exec(file)![1]) }));
}

describe("KLL cross-language snapshots", () => {
  if (!requireShared()) return;

  for (const lang of LANGS) {
    for (const type of ["double", "float"] as const) {
      describe(`${lang} kll_${type}`, () => {
        const files = filesFor(lang, `kll_${type}_`);
        it("has the 8 sizes", () => expect(files.length).toBe(8));

        for (const { file, n } of files) {
          it(`${file}: n, min, max exact; ranks within ε; round trip stable`, () => {
            const bytes = readVector("datasketches-xlang", `${lang}_generated_files`, file);
            const s = KllDoublesSketch.deserialize(bytes);
            expect(s.getN()).toBe(n);
            expect(s.getK()).toBe(200);
            // Double images re-serialize byte for byte (before any query: queries set the sorted flag).
            const again = s.serialize();
            if (type === "double") expect(again).toEqual(bytes);
            expect(KllDoublesSketch.deserialize(again).serialize()).toEqual(again);
            if (n === 0) {
              expect(s.isEmpty()).toBe(true);
              expect(() => s.getQuantile(0.5)).toThrowError(SketchError);
              return;
            }
            expect(s.getMinItem()).toBe(1);
            expect(s.getMaxItem()).toBe(n);
            expect(s.isEstimationMode()).toBe(n > 200);
            const eps = s.getNormalizedRankError(false);
            for (const r of RANKS) {
              const q = s.getQuantile(r);
              expect(Number.isInteger(q) && q >= 1 && q <= n).toBe(true);
              expect(Math.abs(q / n - r)).toBeLessThanOrEqual(eps + 1 / n);
              const probe = Math.max(1, Math.round(r * n));
              expect(Math.abs(s.getRank(probe) - probe / n)).toBeLessThanOrEqual(eps);
            }
            if (n <= 200) {
              // Exact mode: every answer is exact.
              for (let v = 1; v <= n; v += Math.max(1, Math.floor(n / 17))) expect(s.getRank(v)).toBe(v / n);
            }
          });
        }
      });
    }

    describe(`${lang} kll_long / kll_string (other item types)`, () => {
      it("empty images are type-less and decode as an empty sketch", () => {
        for (const t of ["long", "string"]) {
          const s = KllDoublesSketch.deserialize(
            readVector("datasketches-xlang", `${lang}_generated_files`, `kll_${t}_n0_${lang}.sk`),
          );
          expect(s.isEmpty()).toBe(true);
        }
      });

      it("kll_string images with items are rejected with a SketchError", () => {
        for (const { file, n } of filesFor(lang, "kll_string_")) {
          if (n === 0) continue;
          const bytes = readVector("datasketches-xlang", `${lang}_generated_files`, file);
          // Java/Go n=1000 (zero-padded 4-char strings: 4-byte length + 4 bytes) happens to have the exact size of
          // a double image; it is still rejected, by value validation (min_item > max_item as doubles).
          expect(() => KllDoublesSketch.deserialize(bytes), file).toThrowError(SketchError);
        }
      });

      it("kll_long images are 8-byte items, indistinguishable from doubles: they decode as reinterpreted bits", () => {
        // Documented limitation: the KLL header has no item-type tag, and int64 items have the width of doubles.
        // Small positive int64 values reinterpret as subnormal doubles in the same order (1 → 5e-324), so the
        // image passes every structural check. Callers must not feed non-double KLL images.
        for (const { file, n } of filesFor(lang, "kll_long_")) {
          if (n === 0) continue;
          const s = KllDoublesSketch.deserialize(
            readVector("datasketches-xlang", `${lang}_generated_files`, file),
          );
          expect(s.getN()).toBe(n);
          expect(s.getMinItem()).toBe(5e-324);
          expect(s.getMaxItem()).toBe(n * 5e-324);
        }
      });
    });
  }
});
