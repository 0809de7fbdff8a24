import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ErrorType, FrequentItemsSketch, SketchError } from "../../src/index.js";
import { readVector, requireShared, vectorPath } from "../support/shared.js";

/** Retained (item, counter) pairs, sorted by item. */
function pairs(sk: FrequentItemsSketch): [string, number][] {
  return sk
    .getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, -1)
    .map((r): [string, number] => [r.item, r.lowerBound])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function sameLogicalState(a: FrequentItemsSketch, b: FrequentItemsSketch): void {
  expect(b.getTotalWeight()).toBe(a.getTotalWeight());
  expect(b.getMaximumError()).toBe(a.getMaximumError());
  expect(b.getNumActiveItems()).toBe(a.getNumActiveItems());
  expect(b.getEpsilon()).toBe(a.getEpsilon());
  expect(pairs(b)).toEqual(pairs(a));
}

/** Items "1".."n" once each, as the cross-language generators do. */
function decimalSketch(n: number): FrequentItemsSketch {
  const sk = new FrequentItemsSketch(6);
  for (let i = 1; i <= n; i++) sk.update(String(i));
  return sk;
}

describe("frequent items: cross-language snapshots (datasketches-go copy of the TCK)", () => {
  if (!requireShared()) return;

  const langs = ["cpp", "java", "go"].filter((l) =>
    existsSync(vectorPath("datasketches-xlang", `${l}_generated_files`)),
  );
  const files = langs.flatMap((l) =>
    readdirSync(vectorPath("datasketches-xlang", `${l}_generated_files`))
      .filter((f) => f.startsWith("frequent_"))
      .map((f) => [l, f] as const),
  );

  it("finds the snapshot files", () => {
    expect(files.filter(([, f]) => f.startsWith("frequent_string_")).length).toBeGreaterThanOrEqual(20);
  });

  const SPECIAL: Record<string, [string, number][]> = {
    ascii: [
      ["a".repeat(29), 1],
      ["b".repeat(29), 2],
      ["c".repeat(29), 3],
      ["d".repeat(29), 4],
    ],
    utf8: [
      ["абвгд", 1],
      ["еёжзи", 2],
      ["йклмн", 3],
      ["опрст", 4],
      ["уфхцч", 5],
      ["шщъыь", 6],
      ["эюя", 7],
    ],
  };

  for (const [lang, file] of files) {
    const bytes = (): Uint8Array => readVector("datasketches-xlang", `${lang}_generated_files`, file);
    const num = /_n(\d+)_/.exec(file);

    if (file.startsWith("frequent_long_")) {
      const n = Number(num![1]);
      it(`${lang}/${file}: int64 items are not strings (${n === 0 ? "empty image is family-compatible" : "SketchError"})`, () => {
        if (n === 0) {
          // The empty image carries no items, so it is indistinguishable from a string sketch.
          expect(FrequentItemsSketch.deserialize(bytes()).isEmpty()).toBe(true);
          return;
        }
        expect(() => FrequentItemsSketch.deserialize(bytes())).toThrow(SketchError);
      });
      continue;
    }

    it(`${lang}/${file}: decodes with consistent bounds and a stable round trip`, () => {
      const sk = FrequentItemsSketch.deserialize(bytes());
      expect(bytes()[3]).toBe(6);
      expect(sk.getEpsilon()).toBe(3.5 / 64);
      expect(sk.getNumActiveItems()).toBeLessThanOrEqual(48);
      expect(sk.getMaximumError()).toBeLessThanOrEqual(sk.getEpsilon() * sk.getTotalWeight());

      const special = /frequent_string_(ascii|utf8)_/.exec(file);
      if (special) {
        const expected = SPECIAL[special[1]!]!;
        expect(pairs(sk)).toEqual(expected);
        expect(sk.getTotalWeight()).toBe(expected.reduce((a, [, c]) => a + c, 0));
        expect(sk.getMaximumError()).toBe(0);
      } else {
        const n = Number(num![1]);
        expect(sk.getTotalWeight()).toBe(n);
        expect(sk.isEmpty()).toBe(n === 0);
        for (let i = 1; i <= n; i++) {
          const item = String(i);
          const lb = sk.getLowerBound(item);
          const ub = sk.getUpperBound(item);
          if (!(lb <= 1 && 1 <= ub)) expect({ item, lb, ub }).toBe("true count 1 within [lb, ub]");
        }
        // Same (item, counter) multiset and header as our own build of the same stream.
        const own = decimalSketch(n);
        sameLogicalState(sk, own);
        expect(Array.from(own.serialize().subarray(0, 32))).toEqual(Array.from(bytes().subarray(0, 32)));
      }

      const again = FrequentItemsSketch.deserialize(sk.serialize());
      sameLogicalState(sk, again);
    });
  }
});
