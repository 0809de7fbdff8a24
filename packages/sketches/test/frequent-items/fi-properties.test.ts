import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorType, FrequentItemsSketch } from "../../src/index.js";
import { splitmix64 } from "../support/streams.js";

type Stream = [string, number][];

/** Skewed items (small indices are frequent) with weights 1..50, mixed scripts. */
const streamArb: fc.Arbitrary<Stream> = fc.array(
  fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 8 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) },
      ),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 50 }) },
      ),
      fc.constantFrom("w", "é", "ж", "😀", ""),
    )
    .map(([i, w, p]): [string, number] => [`${p}${i}`, w]),
  { maxLength: 600 },
);

const lgArb = fc.integer({ min: 3, max: 6 });
const SEED = 424242;

function build(lg: number, stream: Stream): FrequentItemsSketch {
  const sk = new FrequentItemsSketch(lg);
  for (const [item, w] of stream) sk.update(item, w);
  return sk;
}

function truth(...streams: Stream[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of streams) for (const [item, w] of s) m.set(item, (m.get(item) ?? 0) + w);
  return m;
}

/** The documented guarantees, checked against exact counts. */
function checkGuarantees(sk: FrequentItemsSketch, exact: Map<string, number>): void {
  let total = 0;
  for (const w of exact.values()) total += w;
  expect(sk.getTotalWeight()).toBe(total);
  const maxErr = sk.getMaximumError();
  // lg ≤ 10: the purge median is exact, so maximum error ≤ ε · W deterministically.
  expect(maxErr).toBeLessThanOrEqual(sk.getEpsilon() * total);
  for (const [item, count] of exact) {
    const lb = sk.getLowerBound(item);
    const ub = sk.getUpperBound(item);
    if (!(lb <= count && count <= ub)) expect({ item, lb, count, ub }).toBe("lb ≤ true ≤ ub");
    expect(ub - lb).toBe(maxErr);
  }
  expect(sk.getUpperBound("never-seen-item")).toBe(maxErr);
  expect(sk.getNumActiveItems()).toBeLessThanOrEqual(0.75 * 2 ** Math.log2(3.5 / sk.getEpsilon()));

  for (const threshold of [maxErr, 0, 3, Math.floor(total / 10)]) {
    // An untracked item's true count can be anything up to the maximum error, so "no false
    // negatives" is only guaranteed for thresholds ≥ getMaximumError() (the default).
    if (threshold >= maxErr) {
      const nfn = new Set(sk.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, threshold).map((r) => r.item));
      for (const [item, count] of exact) if (count > threshold) expect(nfn.has(item)).toBe(true);
    }
    for (const r of sk.getFrequentItems(ErrorType.NO_FALSE_POSITIVES, threshold)) {
      expect(exact.get(r.item) ?? 0).toBeGreaterThan(threshold);
      expect(r.lowerBound).toBeGreaterThan(threshold);
    }
  }
}

function sum(s: Stream): number {
  return s.reduce((acc, [, w]) => acc + w, 0);
}

function logicalState(sk: FrequentItemsSketch): unknown {
  return {
    total: sk.getTotalWeight(),
    offset: sk.getMaximumError(),
    rows: sk.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES, -1),
  };
}

describe("frequent items: properties", () => {
  it("bounds contain the true counts and the query guarantees hold", () => {
    fc.assert(
      fc.property(lgArb, streamArb, (lg, stream) => {
        checkGuarantees(build(lg, stream), truth(stream));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("merge keeps the guarantees for the union, and is commutative in total weight and guarantees", () => {
    fc.assert(
      fc.property(lgArb, streamArb, streamArb, (lg, s1, s2) => {
        const a = build(lg, s1);
        const b = build(lg, s2);
        if ((a.isEmpty() && a.getTotalWeight() > 0) || (b.isEmpty() && b.getTotalWeight() > 0)) {
          // Upstream edge case: a sketch emptied by a purge counts as empty and merge() skips it,
          // dropping its total weight and offset (reproduced for compatibility, see §3.3).
          a.merge(b);
          expect(a.getTotalWeight()).toBe(sum(s1) + (b.isEmpty() ? 0 : sum(s2)));
          return;
        }
        const exact = truth(s1, s2);
        const ab = build(lg, s1);
        ab.merge(build(lg, s2));
        const ba = build(lg, s2);
        ba.merge(build(lg, s1));
        checkGuarantees(ab, exact);
        checkGuarantees(ba, exact);
        expect(ab.getTotalWeight()).toBe(ba.getTotalWeight());
      }),
      { seed: SEED + 1, numRuns: 100 },
    );
  });

  it("serialization round trip preserves the logical state", () => {
    fc.assert(
      fc.property(lgArb, streamArb, (lg, stream) => {
        const sk = build(lg, stream);
        const copy = FrequentItemsSketch.deserialize(sk.serialize());
        if (sk.isEmpty()) {
          // Upstream writes the 8-byte empty image, dropping total weight and offset.
          expect(copy.isEmpty()).toBe(true);
          return;
        }
        expect(logicalState(copy)).toEqual(logicalState(sk));
        // A reloaded sketch keeps working like the original.
        const again = FrequentItemsSketch.deserialize(copy.serialize());
        expect(logicalState(again)).toEqual(logicalState(sk));
        copy.update("extra", 3);
        sk.update("extra", 3);
        expect(copy.getTotalWeight()).toBe(sk.getTotalWeight());
      }),
      { seed: SEED + 2, numRuns: 150 },
    );
  });

  it("large maps (lg 11, sampled purge median) still bound every true count", () => {
    const next = splitmix64(99);
    const stream: Stream = [];
    for (let i = 0; i < 60000; i++) {
      const u = Number(next() >> 11n) / 2 ** 53;
      stream.push([`k${Math.floor(5000 * u * u * u)}`, 1 + Number(next() % 3n)]);
    }
    const sk = build(11, stream);
    const exact = truth(stream);
    for (const [item, count] of exact) {
      const lb = sk.getLowerBound(item);
      const ub = sk.getUpperBound(item);
      if (!(lb <= count && count <= ub)) expect({ item, lb, count, ub }).toBe("lb ≤ true ≤ ub");
    }
    expect(sk.getMaximumError()).toBeGreaterThan(0);
    expect(sk.getNumActiveItems()).toBeLessThanOrEqual(1536);
  });
});
