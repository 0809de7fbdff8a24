import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HllSketch, HllType, HllUnion, SketchError } from "../../src/index.js";
import { readVector, requireShared, sharedDir, vectorPath } from "../support/shared.js";
import { expectBytes } from "./hll-helpers.js";

// Pins what datasketches-cpp does when it re-reads an image, checked against pip datasketches 5.2.0
// (whose HLL deserialization is unchanged in 5.3.x): a compact SET image is rebuilt by updating a fresh
// 2^5 hash set with each coupon in image order, growing it as during updates (CouponHashSet::newSet).
// The rebuilt table can differ from the writer's, so the coupon order of a re-serialized compact SET
// image — and the coupon order a union sees — follows that replay. Digests are the first 16 hex digits
// of SHA-256 of the C++ output.

const digest = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex").slice(0, 16);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** C++ deserialize → [serialize_compact, serialize_updatable] of the compact SET vectors. */
const CPP_COMPACT_SET_REBUILDS: Record<string, [string, string]> = {
  hll4_lg12_f64_n100: ["3a593da19a042d8c", "572631cf7ff120ff"],
  hll4_lg12_i64_n100: ["a0574b605d2f674d", "2a0ad3cb2ce0e40a"],
  hll4_lg12_str_n100: ["c015dc448cc481d2", "370a9c042335153d"],
  hll4_lg12_str_n10: ["741180f61b5ab046", "ab46557881a34111"],
  hll6_lg12_f64_n100: ["f3da8585a77214e1", "b4ae0c9907fb9d0f"],
  hll6_lg12_i64_n100: ["cf9c89b2c5adc2bc", "6ca07ddd17823879"],
  hll6_lg12_str_n100: ["70462ba83b903cb9", "76f99b72582b4788"],
  hll6_lg12_str_n10: ["25db3866b4d568d1", "c6f71e7012a5724c"],
  hll6_lg12_utf8_n100: ["987d812861b00539", "852ea1b4df5010a8"],
  hll8_lg12_f64_n100: ["09e10f1530b03af6", "7f89cdad3a1a4722"],
  hll8_lg12_i64_n100: ["3fefba0b7f7eb67e", "1e2bf4809be2b603"],
  hll8_lg12_str_n100: ["dc624bfcaab1f07e", "5c5f05d39e75c234"],
  hll8_lg12_str_n10: ["78e64ccef70cce88", "e829eade2e8f9c45"],
  hll_union_small_result_hll8: ["84fb653549945d7a", "a6c3b60ab3a41cc4"],
};

describe("HLL re-serialization matches datasketches-cpp for every reference image", () => {
  if (!requireShared()) return;
  const bases =
    sharedDir === null
      ? []
      : readdirSync(vectorPath("datasketches"))
          .filter((f) => /^hll.*_compact\.sk$/.test(f))
          .map((f) => f.slice(0, -"_compact.sk".length))
          .sort();

  it("covers the catalogue", () => {
    expect(bases.length).toBe(70);
    for (const base of Object.keys(CPP_COMPACT_SET_REBUILDS)) expect(bases).toContain(base);
  });

  it.each(bases)("%s", (base) => {
    const compact = readVector("datasketches", `${base}_compact.sk`);
    const updatable = readVector("datasketches", `${base}_updatable.sk`);
    const fromUpdatable = HllSketch.deserialize(updatable);
    // C++ keeps an updatable image's table verbatim, so both re-serializations equal the references.
    expectBytes(fromUpdatable.serializeUpdatable(), updatable, `${base}: updatable → updatable`);
    expectBytes(fromUpdatable.serializeCompact(), compact, `${base}: updatable → compact`);
    const fromCompact = HllSketch.deserialize(compact);
    const rebuilt = CPP_COMPACT_SET_REBUILDS[base];
    if (rebuilt === undefined) {
      // LIST, HLL (with or without aux entries) and SET images that need no replay are byte-stable in C++.
      expectBytes(fromCompact.serializeCompact(), compact, `${base}: compact → compact`);
      expectBytes(fromCompact.serializeUpdatable(), updatable, `${base}: compact → updatable`);
    } else {
      expect(compact[7]! & 3, `${base} is a SET image`).toBe(1);
      expect(digest(fromCompact.serializeCompact()), `${base}: compact → compact`).toBe(rebuilt[0]);
      expect(digest(fromCompact.serializeUpdatable()), `${base}: compact → updatable`).toBe(rebuilt[1]);
      // …and the rebuilt sketch is the same set of coupons.
      expect(fromCompact.getEstimate()).toBe(fromUpdatable.getEstimate());
    }
  });
});

describe("compact SET rebuild (C++ CouponHashSet::newSet replay)", () => {
  it("25 int64 coupons, HLL_8 lgK 12: the table grows during the replay", () => {
    const s = new HllSketch(12, HllType.HLL_8);
    for (let i = 0n; i < 25n; i++) s.updateInt64(i);
    const image = s.serializeCompact();
    expect(image[4]).toBe(6); // lg_arr 6: the writer's set grew past 2^5
    // pip datasketches: hll_sketch.deserialize(image).serialize_compact()
    expect(hex(HllSketch.deserialize(image).serializeCompact())).toBe(
      "0301070c060800091900000081bc5d06c3dd5104c4b59f07862ff90dc87a2404cbd7c2047c74b907cef05b1fd2167307" +
        "364709076ec53406db522d049ee49b18c1e917052bf2fb06ae3c8811464ab704b05b461234a2610e75816607f671f206" +
        "b83ff907b856a90c7b65e608fc2d420a",
    );
  });

  // [type, lgK, n (updateInt64 0..n-1), C++ digests of: compact→compact, compact→updatable,
  // updatable→compact, updatable→updatable]
  const cases: [HllType, number, number, [string, string, string, string]][] = [
    [HllType.HLL_4, 12, 25, ["6db4a34f42112200", "7be167d8d5f4ac24", "8d3723a347f63ff8", "5eab6b3859ec0458"]],
    [
      HllType.HLL_4,
      12,
      150,
      ["f25f1106fb635a14", "02175e7c25a01418", "5097e80837aa1991", "e1abd2100638d116"],
    ],
    [HllType.HLL_4, 21, 25, ["fa4f73c80f32baae", "5a36d700bcecea55", "a933cebdd07f3c98", "e316879798c00204"]],
    [
      HllType.HLL_4,
      21,
      150,
      ["aec125b6e6f13c1e", "636383410c0bdd4c", "56979d56dceab723", "3d34a9076e0ffc69"],
    ],
    [
      HllType.HLL_4,
      21,
      40000,
      ["c56fb3003710ddb4", "6a86f81222abb82b", "c7d6692afa0ed4f3", "c8cb803c04361732"],
    ],
    [HllType.HLL_6, 12, 25, ["550d1c8b70daa890", "4a69e519b76f726b", "45912953550a4eeb", "1492a60fc8c198c4"]],
    [
      HllType.HLL_6,
      12,
      150,
      ["ee5e1050accaa0fd", "2cb261900945aecf", "c8e1a8352f392db2", "53af7243d069ab4c"],
    ],
    [HllType.HLL_6, 21, 25, ["966770e064fa7e7b", "a475ede69f9d41a8", "905c27ba4955dcc0", "3f98fd01a210a62f"]],
    [
      HllType.HLL_6,
      21,
      150,
      ["4f04ed5507a566d9", "96c573f52b878e1f", "1c0cbadefa752d3a", "66ff2f5a287e3fd2"],
    ],
    [
      HllType.HLL_6,
      21,
      40000,
      ["14da11a03779c2c2", "f36e253175c58c10", "21994fd140092c6a", "dbde91c48e7b230a"],
    ],
    [HllType.HLL_8, 12, 25, ["f83e89fad9601291", "ffdfb60342ecfd5a", "1c5a6d4d4bdca380", "70f8e0d3161487f0"]],
    [
      HllType.HLL_8,
      12,
      150,
      ["60b36174d25a7828", "dd487607ae5b82d7", "0f1e27066e641ace", "534260e3996cabfa"],
    ],
    [HllType.HLL_8, 21, 25, ["ce5ba1ea9a285270", "7a2eb8afe5361430", "b238e07abc16b4a5", "367d492fc39fef17"]],
    [
      HllType.HLL_8,
      21,
      150,
      ["ea3d51949b754ac8", "035a27cfd428bac9", "c8db9ae66d8d8689", "bd28c53c998b6758"],
    ],
    [
      HllType.HLL_8,
      21,
      40000,
      ["41e177cce2171a35", "3f0f6e86a1f8beb4", "42b854a0c1ea7358", "7997c32f692bdeb6"],
    ],
  ];
  it.each(cases)("type %i lgK %i n=%i", (type, lgK, n, expected) => {
    const s = new HllSketch(lgK, type);
    for (let i = 0; i < n; i++) s.updateInt64(i);
    expect(s.getCurrentMode()).toBe(1); // SET
    const fromCompact = HllSketch.deserialize(s.serializeCompact());
    const fromUpdatable = HllSketch.deserialize(s.serializeUpdatable());
    expect([
      digest(fromCompact.serializeCompact()),
      digest(fromCompact.serializeUpdatable()),
      digest(fromUpdatable.serializeCompact()),
      digest(fromUpdatable.serializeUpdatable()),
    ]).toEqual(expected);
  });

  it("ignores the header lg_arr of a compact image the way C++ does, but still rejects inconsistent ones", () => {
    const s = new HllSketch(12, HllType.HLL_8);
    for (let i = 0; i < 100; i++) s.updateInt64(i);
    const image = s.serializeCompact();
    // lg_arr < 5 means "recompute from the count" (older writers); the replay gives the same table.
    const recomputed = image.slice();
    recomputed[4] = 0;
    expect(HllSketch.deserialize(recomputed).serializeCompact()).toEqual(
      HllSketch.deserialize(image).serializeCompact(),
    );
    const tooBig = image.slice();
    tooBig[4] = 9;
    expect(() => HllSketch.deserialize(tooBig)).toThrow(SketchError);
  });

  it("rejects a duplicate coupon in a compact SET image", () => {
    const s = new HllSketch(12, HllType.HLL_8);
    for (let i = 0; i < 40; i++) s.updateInt64(i);
    const image = s.serializeCompact();
    image.copyWithin(16, 12, 16); // second coupon := first coupon
    expect(() => HllSketch.deserialize(image)).toThrow(/duplicate coupon in SET/);
  });
});

describe("union of SET-mode sketches follows the sketches' table order (as C++)", () => {
  const special = [0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n, -(2n ** 32n + 1n)];
  const build = (type: HllType, extra: bigint[]): HllSketch => {
    const s = new HllSketch(12, type);
    for (const v of [...special, ...extra]) s.updateInt64(v);
    return s;
  };
  const a = build(HllType.HLL_6, [5n, 6n]);
  const b = build(HllType.HLL_4, [6n, 7n, 8n]);

  it("built sketches (pip datasketches: hll_union(12) of the sketches as built)", () => {
    const u = new HllUnion(12);
    u.update(a);
    u.update(b);
    expect(hex(u.getResult(HllType.HLL_8).serializeCompact())).toBe(
      "0301070c050800090b000000c1e917056295570525ce330fcbd7c204d21673077519c20cd964e70bfc2d420a7b65e608" +
        "2bf2fb06ffbab40d",
    );
  });

  it("deserialized compact images (pip datasketches: hll_union(12) of hll_sketch.deserialize(...))", () => {
    const u = new HllUnion(12);
    u.update(HllSketch.deserialize(a.serializeCompact()));
    u.update(HllSketch.deserialize(b.serializeCompact()));
    expect(hex(u.getResult(HllType.HLL_8).serializeCompact())).toBe(
      "0301070c050800090b000000c1e917056295570525ce330fcbd7c2042bf2fb06d21673077519c20cd964e70b7b65e608" +
        "fc2d420affbab40d",
    );
  });
});

describe("word-at-a-time register packing", () => {
  const build = (type: HllType, n: number, lgK = 12): HllSketch => {
    const s = new HllSketch(lgK, type);
    for (let i = 0; i < n; i++) s.updateString(`w-${i}`);
    return s;
  };

  it("reads images at any byte offset (misaligned views take the copying path)", () => {
    for (const type of [HllType.HLL_4, HllType.HLL_6, HllType.HLL_8]) {
      for (const image of [
        build(type, 100_000).serializeCompact(),
        build(type, 100_000).serializeUpdatable(),
      ]) {
        for (const offset of [1, 2, 3, 5]) {
          const holder = new Uint8Array(image.length + offset);
          holder.set(image, offset);
          const back = HllSketch.deserialize(holder.subarray(offset));
          expect(back.serializeCompact()).toEqual(HllSketch.deserialize(image).serializeCompact());
          expect(back.serializeUpdatable()).toEqual(HllSketch.deserialize(image).serializeUpdatable());
        }
      }
    }
  });

  it("HLL_4 nibbles stay in step with the registers through updates, cur_min shifts and re-reads", () => {
    // Interleave deserialization with updates: the rebuilt sketch must continue exactly like the original.
    const direct = new HllSketch(10, HllType.HLL_4);
    let relay = new HllSketch(10, HllType.HLL_4);
    for (let round = 0; round < 8; round++) {
      for (let i = round * 20_000; i < (round + 1) * 20_000; i++) {
        direct.updateInt64(i);
        relay.updateInt64(i);
      }
      relay = HllSketch.deserialize(round % 2 === 0 ? relay.serializeCompact() : relay.serializeUpdatable());
      expect(relay.serializeUpdatable()).toEqual(direct.serializeUpdatable());
      expect(relay.serializeCompact()).toEqual(direct.serializeCompact());
    }
    // Conversions replay registers into fresh HLL_4 arrays; a round trip through HLL_8 is lossless.
    const via8 = direct.copyAs(HllType.HLL_8).copyAs(HllType.HLL_4);
    expect(via8.serializeCompact()).toEqual(direct.copyAs(HllType.HLL_4).serializeCompact());
    expect(direct.copy().serializeUpdatable()).toEqual(direct.serializeUpdatable());
  });

  it("a decoded HLL_4 (registers built on first use) behaves like the sketch that wrote it", () => {
    const original = build(HllType.HLL_4, 426_000); // cur_min > 0 and aux entries
    const image = original.serializeCompact();
    expect(image[6]).toBeGreaterThan(0);
    expect(new DataView(image.buffer, image.byteOffset).getUint32(36, true)).toBeGreaterThan(0);
    const uses: [string, (s: HllSketch) => Uint8Array][] = [
      ["copyAs(HLL_8)", (s) => s.copyAs(HllType.HLL_8).serializeCompact()],
      ["copyAs(HLL_6)", (s) => s.copyAs(HllType.HLL_6).serializeCompact()],
      ["copy", (s) => s.copy().serializeUpdatable()],
      ["serialize", (s) => s.serializeUpdatable()],
      [
        "update",
        (s) => {
          for (let i = 0; i < 5000; i++) s.updateString(`more-${i}`);
          return s.serializeCompact();
        },
      ],
      [
        "union",
        (s) => {
          const u = new HllUnion(12);
          u.update(build(HllType.HLL_8, 1000));
          u.update(s);
          return u.getResult(HllType.HLL_4).serializeCompact();
        },
      ],
      [
        "union (downsampled)",
        (s) => {
          const u = new HllUnion(12);
          u.update(build(HllType.HLL_8, 1000, 10));
          u.update(s);
          return u.getResult(HllType.HLL_8).serializeCompact();
        },
      ],
    ];
    for (const [what, use] of uses) {
      const expected = use(original.copy());
      expect(use(HllSketch.deserialize(image)), what).toEqual(expected);
    }
  });

  it("HLL_4 with a cur_min so high that nibble + cur_min would pass 63 is rejected", () => {
    const image = build(HllType.HLL_4, 5000).serializeCompact();
    const bad = image.slice();
    bad[6] = 55; // cur_min
    expect(() => HllSketch.deserialize(bad)).toThrow(SketchError);
  });

  it("HLL_6 and HLL_8 registers agree with the HLL_8 view after a round trip", () => {
    const s8 = build(HllType.HLL_8, 50_000);
    const s6 = s8.copyAs(HllType.HLL_6);
    const back6 = HllSketch.deserialize(s6.serializeCompact());
    expect(back6.copyAs(HllType.HLL_8).serializeCompact()).toEqual(s8.serializeCompact());
  });
});
