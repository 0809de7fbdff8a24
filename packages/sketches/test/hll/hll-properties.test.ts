import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HllMode, HllSketch, HllType, HllUnion } from "../../src/index.js";
import { splitmix64 } from "../support/streams.js";

const TYPES = [HllType.HLL_4, HllType.HLL_6, HllType.HLL_8] as const;

/** Sketch of the integers [from, to) offset by `base` (the hash scrambles them; base varies trials). */
function intSketch(lgK: number, type: HllType, base: number, from: number, to: number): HllSketch {
  const sk = new HllSketch(lgK, type);
  for (let i = from; i < to; i++) sk.updateInt64(base + i);
  return sk;
}

function couponCount(sk: HllSketch): number {
  const b = sk.serializeCompact();
  return b[0] === 2 ? b[6]! : new DataView(b.buffer, b.byteOffset).getUint32(8, true);
}

describe("HLL mode transitions", () => {
  it("LIST holds up to 7 coupons, the 8th promotes to SET (lgK >= 8) or HLL (lgK < 8)", () => {
    for (const lgK of [4, 7, 8, 12, 21]) {
      const sk = new HllSketch(lgK, HllType.HLL_8);
      for (let i = 0; i < 7; i++) sk.updateInt64(i);
      expect(sk.getCurrentMode()).toBe(HllMode.LIST);
      expect(couponCount(sk)).toBe(7);
      sk.updateInt64(7);
      expect(sk.getCurrentMode()).toBe(lgK < 8 ? HllMode.HLL : HllMode.SET);
    }
  });

  it("SET promotes to HLL when 4·count > 3·2^(lgK-3)", () => {
    for (const lgK of [8, 10, 12]) {
      const threshold = Math.floor((3 << (lgK - 3)) / 4) + 1; // first count with 4c > 3·2^(lgK−3)
      const sk = new HllSketch(lgK, HllType.HLL_4);
      let i = 0;
      while (sk.getCurrentMode() !== HllMode.HLL) {
        const before = sk.getCurrentMode() === HllMode.SET ? couponCount(sk) : -1;
        sk.updateInt64(i++);
        if (sk.getCurrentMode() === HllMode.HLL) expect(before + 1, `lgK ${lgK}`).toBe(threshold);
      }
      // No coupon collisions in this stream, so the promotion happened at exactly `threshold` items.
      expect(i).toBe(threshold);
    }
  });

  it("estimates are exact-ish in LIST/SET mode (coupon estimator) and HIP equals the coupon estimate at promotion", () => {
    const sk = new HllSketch(12, HllType.HLL_8);
    for (let i = 0; i < 384; i++) sk.updateString(`k${i}`);
    expect(sk.getCurrentMode()).toBe(HllMode.SET);
    expect(Math.abs(sk.getEstimate() - 384)).toBeLessThan(0.1);
  });
});

describe("HLL copyAs", () => {
  it("round trips between all types preserve registers, estimate and mode", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 14 }),
        fc.constantFrom(...TYPES),
        fc.integer({ min: 0, max: 30000 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (lgK, type, n, base) => {
          const sk = intSketch(lgK, type, base, 0, n);
          const viaTypes = TYPES.map((t1) => sk.copyAs(t1));
          for (const c of viaTypes) {
            expect(c.getEstimate()).toBe(sk.getEstimate());
            expect(c.getCurrentMode()).toBe(sk.getCurrentMode());
            expect(c.isOutOfOrder()).toBe(sk.isOutOfOrder());
          }
          // Conversions replay registers in slot order, so any two conversion paths to the same type agree
          // byte for byte.
          for (const t2 of TYPES) {
            const ref = viaTypes[0]!.copyAs(t2 === HllType.HLL_4 ? HllType.HLL_6 : HllType.HLL_4).copyAs(t2);
            for (const c of viaTypes) {
              const other = c.copyAs(
                t2 === c.getTgtHllType() ? (t2 === HllType.HLL_8 ? HllType.HLL_6 : HllType.HLL_8) : t2,
              );
              expect(other.copyAs(t2).serializeCompact()).toEqual(ref.serializeCompact());
            }
          }
          expect(HllSketch.deserialize(sk.serializeUpdatable()).serializeUpdatable()).toEqual(
            sk.serializeUpdatable(),
          );
        },
      ),
      { seed: 42, numRuns: 40 },
    );
  });
});

describe("HLL accuracy against exact distinct counts", () => {
  // 60 deterministic trials. If each trial independently misses its 3-sigma interval with p ≈ 0.0027,
  // P(more than 2 misses in 60) ≈ C(60,3)·p^3 ≈ 7e-4, so the test allows at most 2.
  it("the 3-sigma interval [LB(3), UB(3)] contains the true count in (almost) every trial", () => {
    const next = splitmix64(2026);
    let misses = 0;
    let trials = 0;
    const details: string[] = [];
    for (const lgK of [6, 8, 10, 12]) {
      for (const n of [500, 5000, 50000]) {
        for (let rep = 0; rep < 5; rep++) {
          const base = Number(next() >> 14n); // < 2^50
          const type = TYPES[rep % 3]!;
          const sk = intSketch(lgK, type, base, 0, n);
          trials++;
          const lb = sk.getLowerBound(3);
          const ub = sk.getUpperBound(3);
          if (!(lb <= n && n <= ub)) {
            misses++;
            details.push(`lgK ${lgK} n ${n} rep ${rep}: [${lb}, ${ub}]`);
          }
          expect(sk.getLowerBound(1)).toBeLessThanOrEqual(sk.getEstimate());
          expect(sk.getUpperBound(1)).toBeGreaterThanOrEqual(sk.getEstimate());
        }
      }
    }
    expect(trials).toBe(60);
    expect(misses, details.join("; ")).toBeLessThanOrEqual(2);
  });
});

describe("HLL union properties", () => {
  it("HLL-mode inputs of one lgK give the same union estimate in every order", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...TYPES),
            fc.integer({ min: 2000, max: 20000 }),
            fc.integer({ min: 0, max: 2 ** 40 }),
          ),
          {
            minLength: 2,
            maxLength: 4,
          },
        ),
        fc.integer({ min: 0, max: 1000 }),
        (specs, shuffleSeed) => {
          const sketches = specs.map(([t, n, base]) => intSketch(10, t, base, 0, n));
          const order = sketches.map((_, i) => i);
          const rnd = splitmix64(shuffleSeed);
          for (let i = order.length - 1; i > 0; i--) {
            const j = Number(rnd() % BigInt(i + 1));
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const u1 = new HllUnion(10);
          for (const s of sketches) u1.update(s);
          const u2 = new HllUnion(10);
          for (const i of order) u2.update(sketches[i]!);
          expect(u2.getEstimate()).toBe(u1.getEstimate());
          expect(u2.getResult(HllType.HLL_8).serializeCompact()).toEqual(
            u1.getResult(HllType.HLL_8).serializeCompact(),
          );
        },
      ),
      { seed: 7, numRuns: 15 },
    );
  });

  it("unions of disjoint and overlapping streams (mixed lgK, types, modes) bracket the true count", () => {
    const next = splitmix64(99);
    let misses = 0;
    let trials = 0;
    for (const [lgMaxK, lgA, lgB] of [
      [12, 12, 12],
      [12, 10, 12],
      [11, 12, 8],
      [10, 10, 10],
    ] as const) {
      for (const [na, overlap, nb] of [
        [100, 0, 100],
        [20000, 0, 30000],
        [20000, 10000, 30000],
        [3, 1, 50000],
        [50000, 50000, 50000],
      ] as const) {
        const base = Number(next() >> 14n);
        const a = intSketch(lgA, TYPES[trials % 3]!, base, 0, na);
        const b = intSketch(lgB, TYPES[(trials + 1) % 3]!, base, na - overlap, na - overlap + nb);
        const truth = na - overlap + nb;
        for (const order of [
          [a, b],
          [b, a],
        ]) {
          const u = new HllUnion(lgMaxK);
          for (const s of order) u.update(s);
          trials++;
          if (!(u.getLowerBound(3) <= truth && truth <= u.getUpperBound(3))) misses++;
          const r = u.getResult(HllType.HLL_4);
          expect(r.getLgConfigK()).toBe(
            Math.min(
              lgMaxK,
              ...order.filter((s) => s.getCurrentMode() === HllMode.HLL).map((s) => s.getLgConfigK()),
            ),
          );
          expect(Math.abs(r.getEstimate() - u.getEstimate())).toBeLessThanOrEqual(1e-9 * u.getEstimate());
        }
      }
    }
    // 40 trials: P(more than 1 miss at p = 0.0027) ≈ C(40,2)·p^2 ≈ 6e-3.
    expect(trials).toBe(40);
    expect(misses).toBeLessThanOrEqual(1);
  });

  it("ignores empty sketches and handles a union of only LIST/SET sketches exactly", () => {
    const u = new HllUnion(12);
    u.update(new HllSketch(12, HllType.HLL_4));
    expect(u.isEmpty()).toBe(true);
    expect(u.getEstimate()).toBe(0);
    u.update(intSketch(12, HllType.HLL_4, 0, 0, 5));
    u.update(intSketch(8, HllType.HLL_6, 0, 3, 9));
    expect(u.getResult().getCurrentMode()).toBe(HllMode.SET);
    expect(Math.round(u.getEstimate())).toBe(9);
    u.reset();
    expect(u.isEmpty()).toBe(true);
  });
});
