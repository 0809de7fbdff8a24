import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HllSketch } from "../../src/index.js";
import { readVector, readVectorJson, requireShared, sharedDir, vectorPath } from "../support/shared.js";
import {
  buildSpecial,
  canonicalImage,
  decodeHeader,
  expectBytes,
  expectClose,
  expectEstimates,
  type HllVectorJson,
} from "./hll-helpers.js";

function vectorBases(): string[] {
  if (sharedDir === null) return [];
  return readdirSync(vectorPath("datasketches"))
    .filter((f) => /^hll.*\.json$/.test(f) && f !== "hll_hash_vectors.json" && f !== "hll_tables.json")
    .map((f) => f.slice(0, -5))
    .sort();
}

function expectHeader(actual: Record<string, number>, expected: Record<string, number>, what: string): void {
  for (const [key, value] of Object.entries(expected)) {
    if (key === "hip_accum" || key === "kxq0" || key === "kxq1")
      expect(actual[key], `${what} ${key}`).toBe(value);
    else expect(actual[key], `${what} ${key}`).toBe(value);
  }
}

describe("HLL reference vectors (shared/vectors/datasketches)", () => {
  if (!requireShared()) return;
  const bases = vectorBases();

  it("finds the catalogue", () => {
    expect(bases.length).toBe(70);
  });

  // Union inputs are rebuilt per case; the cache keeps the 426000-item and union builds to one each.
  const built = new Map<string, HllSketch>();
  const build = (base: string): HllSketch => {
    let sk = built.get(base);
    if (sk === undefined) {
      sk = buildSpecial(base);
      built.set(base, sk);
    }
    return sk;
  };

  describe.each(bases)("%s", (base) => {
    const json = readVectorJson<HllVectorJson>("datasketches", `${base}.json`);
    const compactRef = readVector("datasketches", `${base}_compact.sk`);
    const updatableRef = readVector("datasketches", `${base}_updatable.sk`);

    it("rebuilds byte-exact compact and updatable images with exact estimates", () => {
      const sk = build(base);
      expectBytes(sk.serializeCompact(), compactRef, `${base} compact`);
      expectBytes(sk.serializeUpdatable(), updatableRef, `${base} updatable`);
      expectEstimates(sk, json.estimates, base);
    });

    it("deserializes both images with the sidecar header and estimates", () => {
      for (const [ref, header] of [
        [compactRef, json.compact_header],
        [updatableRef, json.updatable_header],
      ] as const) {
        expectHeader(decodeHeader(ref), header, base);
        const sk = HllSketch.deserialize(ref);
        expect(sk.getLgConfigK()).toBe(json.lg_config_k);
        expectEstimates(sk, json.estimates, `${base} decoded`);
      }
    });

    it("round-trips (order-insensitive for compact SET / aux entries)", () => {
      for (const ref of [compactRef, updatableRef]) {
        const sk = HllSketch.deserialize(ref);
        for (const out of [sk.serializeCompact(), sk.serializeUpdatable()]) {
          const again = HllSketch.deserialize(out);
          expect(again.getEstimate()).toBe(sk.getEstimate());
        }
        const sameKind = (ref[5]! & 8) !== 0 ? sk.serializeCompact() : sk.serializeUpdatable();
        expect(canonicalImage(sameKind)).toEqual(canonicalImage(ref));
        if ((ref[5]! & 8) === 0 || ref[0] === 2 || (ref[0] === 10 && ref[4] === 0)) {
          // Updatable images, LISTs and aux-free arrays are byte-stable.
          expectBytes(sameKind, ref, `${base} round trip`);
        }
      }
    });
  });

  it("union estimates match the result sketches", async () => {
    const { HllUnion, HllType } = await import("../../src/index.js");
    const { unionInputs } = await import("./hll-helpers.js");
    const { a, b } = unionInputs();
    const u = new HllUnion(12);
    u.update(a);
    u.update(b);
    const after = readVectorJson<HllVectorJson>(
      "datasketches",
      "hll_union_ab_result_hll8_after_estimate.json",
    );
    expectClose(u.getEstimate(), after.estimates.estimate, "union estimate");
    expectClose(u.getCompositeEstimate(), after.estimates.composite_estimate, "union composite");
    for (const sd of [1, 2, 3] as const) {
      expectClose(u.getLowerBound(sd), after.estimates[`lower_bound_${sd}`], `union lb${sd}`);
      expectClose(u.getUpperBound(sd), after.estimates[`upper_bound_${sd}`], `union ub${sd}`);
    }
    expectBytes(
      u.getResult(HllType.HLL_8).serializeCompact(),
      readVector("datasketches", "hll_union_ab_result_hll8_after_estimate_compact.sk"),
      "result after estimate",
    );
  });
});
