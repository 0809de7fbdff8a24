import { describe, expect, it } from "vitest";
import { decodeProfile, encodeProfileV1 } from "../../src/codec/index.js";
import type { DecodedProfile, ProfileMessage } from "../../src/codec/index.js";
import { ProfileError } from "../../src/errors.js";
import type { ProfileErrorKind } from "../../src/errors.js";
import { requireShared } from "../support/shared.js";
import { comparable, prng, readWhylogs } from "./codec-helpers.js";

// Whatever the bytes, decodeProfile returns a complete profile or throws a ProfileError: never another error
// type, never a hang. Whatever it returns re-encodes (or is refused with a ProfileError) and reads back
// equal.

type Outcome = { ok: DecodedProfile } | { error: ProfileErrorKind };

function attempt(bytes: Uint8Array): Outcome {
  let decoded: DecodedProfile;
  try {
    decoded = decodeProfile(bytes);
  } catch (e) {
    if (!(e instanceof ProfileError))
      throw new Error(`decodeProfile threw a non-ProfileError: ${String(e)}`, { cause: e });
    expect(e.kind).not.toBe("invalid-argument");
    return { error: e.kind };
  }
  let encoded: Uint8Array;
  try {
    encoded = encodeProfileV1(decoded.message);
  } catch (e) {
    if (!(e instanceof ProfileError))
      throw new Error(`encodeProfileV1 threw a non-ProfileError: ${String(e)}`, { cause: e });
    expect(e.kind).toBe("invalid-argument");
    return { ok: decoded };
  }
  expect(comparable(decodeProfile(encoded).message)).toStrictEqual(comparable(decoded.message));
  return { ok: decoded };
}

/** Random edits: overwrite 1–4 bytes, insert 1–8 bytes, or delete a short range; biased towards the start. */
function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const pos = () => Math.floor((rnd() < 0.5 ? Math.min(src.length, 600) : src.length) * rnd());
  const byte = () =>
    rnd() < 0.3 ? [0x00, 0x01, 0x7f, 0x80, 0xff][Math.floor(rnd() * 5)]! : Math.floor(rnd() * 256);
  const op = rnd();
  if (op < 0.6) {
    const out = src.slice();
    const edits = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < edits; i++) out[pos()] = byte();
    return out;
  }
  const at = pos();
  if (op < 0.8) {
    const insert = Array.from({ length: 1 + Math.floor(rnd() * 8) }, byte);
    return Uint8Array.from([...src.subarray(0, at), ...insert, ...src.subarray(at)]);
  }
  const len = 1 + Math.floor(rnd() * 8);
  return Uint8Array.from([...src.subarray(0, at), ...src.subarray(Math.min(src.length, at + len))]);
}

const SMALL_V1 = [
  "active_col_2024.bin",
  "whylogs-1.0.0_toydata.bin",
  "whylogs-1.0.6-1.1.10_3cols.bin",
  "whylogs_1.0.0rc1_my_profile.bin",
  "whylogs-1.3.11_small.bin",
  "segmented_ranking.bin",
  "whylogs-1.5.1-segmented-ranking-10.bin",
];
const BIG = [
  "whylogs-1.1.x_20cols.bin",
  "whylogs-1.3.18_12cols.bin",
  "whylogs-segmented_151cols.bin",
  "whylogs-image-metrics.bin",
  "v0_profile_fixture.bin",
];

/** A v1 file of ours carrying an extension block (model performance + extension columns). */
function withExtension(base: ProfileMessage): Uint8Array {
  return encodeProfileV1({
    ...base,
    modelPerformance: {
      outputFields: ["p"],
      modelType: 1,
      scoreMatrix: {
        labels: ["0", "1"],
        predictionField: "p",
        targetField: "t",
        scoreField: "s",
        cells: [
          null,
          { kll: Uint8Array.of(2, 1, 15, 1, 0, 4, 8, 0), count: 2, mean: 0.5, m2: 0.1 },
          null,
          null,
        ],
      },
    },
    extensionColumns: new Map([["ints", new Map([["corr/x", { kind: "d", typeId: 0, value: 0.25 }]])]]),
  });
}

describe("decoder robustness", () => {
  if (!requireShared()) return;

  it.each(SMALL_V1)(
    "%s: every prefix shorter than the chunk area is truncated; longer ones decode",
    (name) => {
      const file = readWhylogs(name);
      const full = decodeProfile(file);
      const areaEnd = file.length - full.ignoredTrailingBytes;
      for (let len = 0; len < file.length; len++) {
        const r = attempt(file.subarray(0, len));
        if (len < areaEnd) expect(r, `prefix ${len}`).toEqual({ error: "truncated" });
        else expect("ok" in r && r.ok.ignoredTrailingBytes === len - areaEnd, `prefix ${len}`).toBe(true);
      }
    },
  );

  it("prefixes of a file with an extension block: truncated inside, junk before the magic completes", () => {
    const base = decodeProfile(readWhylogs("active_col_2024.bin")).message;
    const file = withExtension(base);
    for (let len = 0; len < file.length; len++) {
      const r = attempt(file.subarray(0, len));
      if (len < 898) expect(r).toEqual({ error: "truncated" });
      else if (len < 898 + 4) {
        expect("ok" in r && r.ok.ignoredTrailingBytes === len - 898 && !r.ok.message.modelPerformance).toBe(
          true,
        );
      } else expect(r, `prefix ${len}`).toEqual({ error: "truncated" });
    }
  });

  it("prefixes of the v0 classification file never escape as other errors", () => {
    const file = readWhylogs("v0_from_v1_classification.bin");
    for (let len = 0; len < file.length; len += len < 64 ? 1 : 7) {
      const r = attempt(file.subarray(0, len));
      expect("error" in r, `prefix ${len}`).toBe(true);
    }
  });

  it.each(BIG)("%s: a stride of prefixes", (name) => {
    const file = readWhylogs(name);
    const step = Math.max(1, Math.floor(file.length / 96));
    const lengths = [
      ...Array.from({ length: 97 }, (_, i) => i * step),
      ...Array.from({ length: 16 }, (_, i) => file.length - 1 - i),
    ];
    const areaEnd = file.length - decodeProfile(file).ignoredTrailingBytes;
    for (const len of lengths.filter((l) => l >= 0 && l < file.length)) {
      const r = attempt(file.subarray(0, len));
      if (!name.startsWith("v0_")) {
        if (len < areaEnd) expect(r, `prefix ${len}`).toEqual({ error: "truncated" });
      } else {
        expect("error" in r, `prefix ${len}`).toBe(true);
      }
    }
  });

  const MUTATED: [string, number][] = [
    ["active_col_2024.bin", 400],
    ["whylogs-1.0.0_toydata.bin", 200],
    ["whylogs-1.3.11_small.bin", 200],
    ["segmented_ranking.bin", 250],
    ["whylogs-image-metrics.bin", 150],
    ["v0_from_v1_classification.bin", 250],
    ["v0_profile_fixture.bin", 12],
  ];
  it.each(MUTATED)("%s: seeded random edits decode or throw ProfileError", (name, runs) => {
    const file = readWhylogs(name);
    const rnd = prng(0x5eed ^ file.length);
    const seen = new Set<string>();
    for (let i = 0; i < runs; i++) {
      const r = attempt(mutate(file, rnd));
      seen.add("ok" in r ? "ok" : r.error);
    }
    expect(seen.size).toBeGreaterThan(0);
  });

  it("seeded random edits of a file with an extension block", () => {
    const file = withExtension(decodeProfile(readWhylogs("active_col_2024.bin")).message);
    const rnd = prng(99);
    for (let i = 0; i < 300; i++) {
      const copy = file.slice();
      // edit only the extension block, so the block parser is what gets exercised
      const edits = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < edits; e++)
        copy[898 + Math.floor(rnd() * (file.length - 898))] = Math.floor(rnd() * 256);
      attempt(copy);
    }
  });

  it("random garbage never escapes as another error type", () => {
    const rnd = prng(1234);
    for (let i = 0; i < 500; i++) {
      const len = Math.floor(rnd() * 64);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
      if (i % 3 === 0 && len >= 4) bytes.set([0x57, 0x48, 0x59, 0x31]);
      attempt(bytes);
    }
  });
});
