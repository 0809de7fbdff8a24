import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HllSketch, HllType } from "../../src/index.js";
import { readVector, requireShared, sharedDir, vectorPath } from "../support/shared.js";
import { canonicalImage, expectBytes } from "./hll-helpers.js";

// apache/datasketches-go serialization_test_data (spec §5): lgK 12, update(i) for i in 0..n-1 hashed as
// int64, compact images from C++, Java and Go.
const LANGS = ["cpp", "java", "go"] as const;

function files(lang: string): string[] {
  if (sharedDir === null) return [];
  return readdirSync(vectorPath("datasketches-xlang", `${lang}_generated_files`))
    .filter((f) => /^hll[468]_n\d+_/.test(f))
    .sort();
}

const built = new Map<string, HllSketch>();
function build(type: HllType, n: number): HllSketch {
  const key = `${type}/${n}`;
  let sk = built.get(key);
  if (sk === undefined) {
    sk = new HllSketch(12, type);
    for (let i = 0; i < n; i++) sk.updateInt64(i);
    built.set(key, sk);
  }
  return sk;
}

describe("cross-language HLL snapshots (datasketches-xlang)", () => {
  if (!requireShared()) return;
  for (const lang of LANGS) {
    const names = files(lang);
    it(`${lang}: has 24 HLL files`, () => expect(names.length).toBe(24));
    it.each(names)(`${lang}: %s`, (name) => {
      const m = /^hll([468])_n(\d+)_/.exec(name)!;
      const type = m[1] === "4" ? HllType.HLL_4 : m[1] === "6" ? HllType.HLL_6 : HllType.HLL_8;
      const n = Number(m[2]);
      const bytes = readVector("datasketches-xlang", `${lang}_generated_files`, name);
      const sk = HllSketch.deserialize(bytes);
      expect(sk.getLgConfigK()).toBe(12);
      expect(sk.getTgtHllType()).toBe(type);
      expect(sk.isEmpty()).toBe(n === 0);
      if (n === 0) {
        expect(sk.getEstimate()).toBe(0);
      } else {
        expect(sk.getLowerBound(3)).toBeLessThanOrEqual(n);
        expect(sk.getUpperBound(3)).toBeGreaterThanOrEqual(n);
      }
      const rebuilt = build(type, n);
      expect(sk.getEstimate()).toBe(rebuilt.getEstimate());
      const ours = rebuilt.serializeCompact();
      if (lang === "cpp") {
        expectBytes(ours, bytes, `${name} rebuilt`);
      } else {
        // Java/Go write HLL_6/HLL_8 compact images without the COMPACT flag (byte 5) — spec §5.
        const theirs = bytes.slice();
        const mine = ours.slice();
        mine[5] = 0;
        theirs[5] = 0;
        expectBytes(mine, theirs, `${name} rebuilt (ignoring byte 5)`);
      }
      // Round trip: decode → encode is stable (order-insensitive for compact SET/aux lists).
      const again = (bytes[5]! & 8) !== 0 ? sk.serializeCompact() : sk.serializeUpdatable();
      expect(canonicalImage(again)).toEqual(canonicalImage(bytes));
    });
  }
});
