import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HllSketch, HllType, HllUnion, SketchError } from "../../src/index.js";
import type { SketchErrorKind } from "../../src/index.js";
import { strRange } from "./hll-helpers.js";

function expectKind(fn: () => unknown, kind: SketchErrorKind, pattern?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a SketchError").toBeInstanceOf(SketchError);
  const err = caught as SketchError;
  expect(err.kind, err.message).toBe(kind);
  if (pattern !== undefined) expect(err.message).toMatch(pattern);
}

function mutate(bytes: Uint8Array, edit: (b: Uint8Array, v: DataView) => void): Uint8Array {
  const b = bytes.slice();
  edit(b, new DataView(b.buffer));
  return b;
}

/** Exercises every query so a decoded-but-odd sketch proves it cannot crash or hang. */
function exercise(sk: HllSketch): void {
  sk.getEstimate();
  sk.getCompositeEstimate();
  for (const sd of [1, 2, 3] as const) {
    sk.getLowerBound(sd);
    sk.getUpperBound(sd);
  }
  sk.serializeCompact();
  sk.serializeUpdatable();
  for (const t of [HllType.HLL_4, HllType.HLL_6, HllType.HLL_8]) sk.copyAs(t).getEstimate();
  const u = new HllUnion(12);
  u.update(sk);
  u.getEstimate();
  for (let i = 0; i < 200; i++) sk.updateInt64(i);
  sk.getEstimate();
}

const list = strRange(new HllSketch(12, HllType.HLL_8), 0, 3); // LIST, 3 coupons
const set = strRange(new HllSketch(12, HllType.HLL_8), 0, 100); // SET, lg_arr 8
const hll8 = strRange(new HllSketch(10, HllType.HLL_8), 0, 5000);
const hll6 = strRange(new HllSketch(10, HllType.HLL_6), 0, 5000);
const hll4Aux = new HllSketch(12, HllType.HLL_4); // the hll4_lg12_i64_n100000 recipe: 2 aux entries
for (let i = 0; i < 100000; i++) hll4Aux.updateInt64(i - 50000);
const hll4 = strRange(new HllSketch(12, HllType.HLL_4), 0, 426000); // has aux entries (see vectors README)

describe("HLL API argument validation", () => {
  it("rejects bad lgK and type", () => {
    for (const lgK of [3, 22, 12.5, NaN, -1]) expectKind(() => new HllSketch(lgK), "invalid-argument", /lgK/);
    expectKind(() => new HllSketch(12, 3 as HllType), "invalid-argument", /type/);
    for (const lgK of [3, 22]) expectKind(() => new HllUnion(lgK), "invalid-argument", /lgMaxK/);
    expectKind(() => list.copyAs(7 as HllType), "invalid-argument");
  });

  it("rejects bad numStdDev", () => {
    for (const sd of [0, 4, 1.5]) {
      expectKind(() => list.getLowerBound(sd as 1), "invalid-argument", /numStdDev/);
      expectKind(() => hll8.getUpperBound(sd as 1), "invalid-argument", /numStdDev/);
      expectKind(() => new HllUnion().getLowerBound(sd as 1), "invalid-argument");
    }
  });

  it("rejects non-int64 values in updateInt64 and wrong types", () => {
    const sk = new HllSketch();
    for (const v of [1.5, NaN, Infinity, 2 ** 63, -(2 ** 64)])
      expectKind(() => sk.updateInt64(v), "invalid-argument");
    expectKind(() => sk.updateInt64(2n ** 63n), "invalid-argument");
    expectKind(() => sk.updateInt64(-(2n ** 63n) - 1n), "invalid-argument");
    sk.updateInt64(-(2 ** 63));
    sk.updateInt64(2n ** 63n - 1n);
    expectKind(() => sk.update({} as unknown as string), "invalid-argument");
    expectKind(() => sk.updateString(5 as unknown as string), "invalid-argument");
    expectKind(() => sk.updateBytes("x" as unknown as Uint8Array), "invalid-argument");
    expectKind(() => new HllUnion().update({} as HllSketch), "invalid-argument");
    expectKind(() => HllSketch.deserialize("x" as unknown as Uint8Array), "invalid-argument");
  });

  it("treats int64 numbers and bigints identically, and doubles differently", () => {
    for (const v of [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53), 2 ** 62, -(2 ** 63)]) {
      const a = new HllSketch(12, HllType.HLL_8);
      a.updateInt64(v);
      const b = new HllSketch(12, HllType.HLL_8);
      b.updateInt64(BigInt(v));
      expect(a.serializeCompact(), String(v)).toEqual(b.serializeCompact());
    }
    const d = new HllSketch(12, HllType.HLL_8);
    d.update(1);
    const i = new HllSketch(12, HllType.HLL_8);
    i.update(1n);
    expect(d.serializeCompact()).not.toEqual(i.serializeCompact());
  });
});

describe("HLL decoder: handcrafted bad images", () => {
  const L = list.serializeCompact();
  const LU = list.serializeUpdatable();
  const S = set.serializeCompact();
  const SU = set.serializeUpdatable();
  const H8 = hll8.serializeCompact();
  const H6 = hll6.serializeCompact();
  const H4 = hll4.serializeCompact();
  const H4U = hll4.serializeUpdatable();

  it("has the fixtures it needs", () => {
    expect(S[0]).toBe(3);
    expect(H4[36]).toBeGreaterThan(0); // aux entries
    expect(hll4Aux.serializeCompact()[36]).toBeGreaterThan(0);
  });

  it("wrong family", () =>
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[2] = 15))), "wrong-family", /family/));
  it("wrong serial version", () =>
    expectKind(() => HllSketch.deserialize(mutate(H8, (b) => (b[1] = 2))), "bad-preamble", /serial_version/));
  it("preamble ints inconsistent with the mode", () => {
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[0] = 3))), "bad-preamble", /preamble_ints/);
    expectKind(() => HllSketch.deserialize(mutate(H8, (b) => (b[0] = 2))), "bad-preamble", /preamble_ints/);
  });
  it("big-endian flag", () =>
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[5] = b[5]! | 1))), "bad-preamble"));
  it("lgK out of range", () => {
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[3] = 3))), "corrupt", /lg_k/);
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[3] = 22))), "corrupt", /lg_k/);
  });
  it("invalid mode byte", () => {
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[7] = 3))), "corrupt", /mode/);
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[7] = 12))), "corrupt", /mode/);
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[7] = 0x18))), "corrupt", /mode/);
  });
  it("LIST: count too large, bad lg_arr, bad coupons, dirty unused slots, EMPTY with coupons", () => {
    expectKind(() => HllSketch.deserialize(mutate(LU, (b) => (b[6] = 8))), "corrupt", /list_count/);
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[4] = 9))), "corrupt", /lg_arr/);
    expectKind(
      () => HllSketch.deserialize(mutate(L, (_b, v) => v.setUint32(12, v.getUint32(8, true), true))),
      "corrupt",
      /duplicate/,
    );
    expectKind(
      () => HllSketch.deserialize(mutate(L, (_b, v) => v.setUint32(8, 0x123, true))),
      "corrupt",
      /value 0/,
    );
    expectKind(
      () => HllSketch.deserialize(mutate(LU, (_b, v) => v.setUint32(36, 0x4000001, true))),
      "corrupt",
      /unused/,
    );
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[5] = b[5]! | 4))), "corrupt", /EMPTY/);
  });
  it("SET: lgK too small, count beyond the image, oversized table, misplaced coupons", () => {
    expectKind(() => HllSketch.deserialize(mutate(S, (b) => (b[3] = 7))), "corrupt", /lg_k >= 8/);
    expectKind(
      () => HllSketch.deserialize(mutate(S, (_b, v) => v.setUint32(8, 0xffffffff, true))),
      "truncated",
      /coupon_count/,
    );
    expectKind(() => HllSketch.deserialize(mutate(S, (b) => (b[4] = 9))), "corrupt", /lg_arr/);
    expectKind(() => HllSketch.deserialize(mutate(S, (b) => (b[4] = 20))), "corrupt", /lg_arr/);
    expectKind(() => HllSketch.deserialize(mutate(S, (_b, v) => v.setUint32(8, 1000, true))), "truncated");
    // Swap two occupied updatable slots so a coupon sits where its probe sequence cannot find it.
    const occupied: number[] = [];
    const dv = new DataView(SU.buffer, SU.byteOffset);
    for (let p = 12; p < SU.length; p += 4) if (dv.getUint32(p, true) !== 0) occupied.push(p);
    let found = false;
    for (let i = 0; i < occupied.length && !found; i++) {
      for (let j = 0; j < occupied.length && !found; j++) {
        if (i === j) continue;
        const bad = mutate(SU, (_b, v) => {
          const pi = occupied[i]!;
          const pj = occupied[j]!;
          v.setUint32(pj, v.getUint32(pi, true), true);
          v.setUint32(pi, 0, true);
        });
        try {
          HllSketch.deserialize(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(SketchError);
          found = (e as SketchError).kind === "corrupt";
        }
      }
    }
    expect(found).toBe(true);
    expectKind(
      () => HllSketch.deserialize(mutate(SU, (_b, v) => v.setUint32(8, 99, true))),
      "corrupt",
      /coupon_count/,
    );
  });
  it("HLL: register values, counts, doubles, aux", () => {
    expectKind(() => HllSketch.deserialize(mutate(H8, (b) => (b[40] = 64))), "corrupt", /register/);
    expectKind(
      () => HllSketch.deserialize(mutate(H8, (_b, v) => v.setUint32(32, 5000, true))),
      "corrupt",
      /num_at_cur_min/,
    );
    expectKind(
      () => HllSketch.deserialize(mutate(H8, (_b, v) => v.setFloat64(16, NaN, true))),
      "corrupt",
      /kxq0/,
    );
    expectKind(
      () => HllSketch.deserialize(mutate(H8, (_b, v) => v.setFloat64(8, -1, true))),
      "corrupt",
      /hip_accum/,
    );
    expectKind(
      () => HllSketch.deserialize(mutate(H6, (_b, v) => v.setUint32(36, 1, true))),
      "corrupt",
      /aux_count/,
    );
    expectKind(() => HllSketch.deserialize(mutate(H8, (b) => (b[6] = 64))), "corrupt", /cur_min/);
    expectKind(() => HllSketch.deserialize(mutate(H8, (b) => (b[6] = 1))), "corrupt");
    expectKind(
      () => HllSketch.deserialize(mutate(H4, (_b, v) => v.setUint32(36, v.getUint32(36, true) + 1, true))),
      "truncated",
    );
    expectKind(
      () => HllSketch.deserialize(mutate(H4U, (_b, v) => v.setUint32(36, 0xffffff, true))),
      "corrupt",
      /aux_count/,
    );
    const auxAt = 40 + 2048;
    expectKind(
      () =>
        HllSketch.deserialize(
          mutate(H4, (_b, v) =>
            v.setUint32(auxAt, (v.getUint32(auxAt, true) & 0xfc000000) | 0x3ffffff, true),
          ),
        ),
      "corrupt",
      /slot/,
    );
    expectKind(
      () =>
        HllSketch.deserialize(
          mutate(H4, (_b, v) => v.setUint32(auxAt, (v.getUint32(auxAt, true) & 0x3ffffff) | (3 << 26), true)),
        ),
      "corrupt",
      /aux entry value/,
    );
    expectKind(
      () => HllSketch.deserialize(mutate(H4, (_b, v) => v.setUint32(auxAt, 0, true))),
      "corrupt",
      /empty aux/,
    );
    expectKind(
      () => HllSketch.deserialize(mutate(H4, (_b, v) => v.setUint32(32, v.getUint32(32, true) + 1, true))),
      "corrupt",
      /num_at_cur_min/,
    );
    expectKind(() => HllSketch.deserialize(mutate(H4U, (b) => (b[4] = 2))), "corrupt", /lg_arr/);
  });
  it("trailing bytes", () => {
    for (const img of [L, LU, S, SU, H8, H4, H4U]) {
      const longer = new Uint8Array(img.length + 1);
      longer.set(img);
      expectKind(() => HllSketch.deserialize(longer), "corrupt", /trailing/);
    }
  });
  it("compact/updatable flag must match the body size", () => {
    expectKind(() => HllSketch.deserialize(mutate(LU, (b) => (b[5] = b[5]! | 8))), "corrupt");
    expectKind(() => HllSketch.deserialize(mutate(L, (b) => (b[5] = b[5]! & ~8))), "truncated");
  });
});

describe("HLL decoder: truncation and mutation", () => {
  const images: [string, Uint8Array][] = [
    ["list compact", list.serializeCompact()],
    ["list updatable", list.serializeUpdatable()],
    ["set compact", set.serializeCompact()],
    ["set updatable", set.serializeUpdatable()],
    ["hll8", hll8.serializeCompact()],
    ["hll6", hll6.serializeCompact()],
    ["hll4 aux compact", hll4Aux.serializeCompact()],
    ["hll4 aux updatable", hll4Aux.serializeUpdatable()],
    ["hll4 lg12 compact", hll4.serializeCompact()],
  ];

  it.each(images)("every strict prefix of %s is rejected as truncated", (_name, img) => {
    for (let n = 0; n < img.length; n++) {
      expectKind(() => HllSketch.deserialize(img.subarray(0, n)), "truncated");
    }
  });

  it.each(images)(
    "random byte mutations of %s either decode to a usable sketch or throw SketchError",
    (_name, img) => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(img.length - 1), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 4,
          }),
          (edits) => {
            const b = img.slice();
            for (const [at, v] of edits) b[at] = v;
            let sk: HllSketch;
            try {
              sk = HllSketch.deserialize(b);
            } catch (e) {
              expect(e).toBeInstanceOf(SketchError);
              return;
            }
            exercise(sk);
          },
        ),
        { seed: 20261126, numRuns: 150 },
      );
    },
  );
});
