import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FrequentItemsSketch, HllSketch, KllDoublesSketch, SketchError, ErrorType } from "../../src/index.js";
import { readVector, requireShared, vectorPath } from "../support/shared.js";

/**
 * Mutation fuzzing over every reference image: truncations, bit flips, byte overwrites and extensions are fed to
 * every decoder. The only acceptable outcomes are a SketchError or a sketch whose queries and re-serialization
 * work (or fail with a SketchError). Anything else — a TypeError, a RangeError from a typed array, a hang — fails.
 */

type Decoder = { name: string; decode: (bytes: Uint8Array) => void };

const decoders: Decoder[] = [
  {
    name: "kll",
    decode(bytes) {
      const s = KllDoublesSketch.deserialize(bytes);
      s.serialize();
      s.serialize({ layout: "whylogs" });
      if (!s.isEmpty()) {
        const q = s.getQuantile(0.5);
        s.getRank(q);
        s.getQuantiles([0, 0.1, 0.9, 1], { inclusive: false });
        s.getCDF([q]);
        s.getPMF([s.getMinItem(), s.getMaxItem() + 1]);
      }
      s.getNumRetained();
    },
  },
  {
    name: "hll",
    decode(bytes) {
      const s = HllSketch.deserialize(bytes);
      s.getEstimate();
      s.getLowerBound(2);
      s.getUpperBound(2);
      s.getCompositeEstimate();
      HllSketch.deserialize(s.serializeCompact());
      HllSketch.deserialize(s.serializeUpdatable());
      s.updateString("fuzz");
    },
  },
  {
    name: "frequent-items",
    decode(bytes) {
      const s = FrequentItemsSketch.deserialize(bytes);
      s.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES);
      s.getFrequentItems(ErrorType.NO_FALSE_POSITIVES);
      s.getMaximumError();
      FrequentItemsSketch.deserialize(s.serialize());
      s.update("fuzz", 3);
    },
  },
];

/** xorshift32: deterministic choice of mutation sites. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function* mutations(image: Uint8Array, seed: number): Generator<[string, Uint8Array]> {
  const random = rng(seed);
  const n = image.length;
  const pick = () => Math.floor(random() * n);

  // Truncation at every length for small images, else at every length of the header region plus a sample.
  for (let len = 0; len < n; len++) {
    if (n <= 256 || len < 64 || random() < 64 / n) yield [`truncate to ${len}`, image.subarray(0, len)];
  }
  for (const extra of [1, 4, 8, 64]) {
    const longer = new Uint8Array(n + extra);
    longer.set(image);
    for (let i = n; i < longer.length; i++) longer[i] = Math.floor(random() * 256);
    yield [`extend by ${extra}`, longer];
  }
  const flips = Math.min(8 * n, 160);
  for (let t = 0; t < flips; t++) {
    // Header bytes are where most structure lives: bias half of the flips into the first 32 bytes.
    const at = t % 2 === 0 && n > 0 ? Math.floor(random() * Math.min(n, 32)) : pick();
    if (n === 0) break;
    const bit = Math.floor(random() * 8);
    const copy = image.slice();
    copy[at] = copy[at]! ^ (1 << bit);
    yield [`flip bit ${bit} of byte ${at}`, copy];
  }
  for (let t = 0; t < 40 && n > 0; t++) {
    const copy = image.slice();
    const at = pick();
    copy[at] = [0x00, 0xff, 0x7f, 0x80][t % 4]!;
    if (t % 5 === 0 && n >= 4) copy.fill(0xff, Math.min(at, n - 4), Math.min(at, n - 4) + 4);
    yield [`overwrite at ${at}`, copy];
  }
}

function checkOnlySketchErrors(file: string, image: Uint8Array, seed: number): string[] {
  const failures: string[] = [];
  for (const [what, bytes] of mutations(image, seed)) {
    for (const decoder of decoders) {
      try {
        decoder.decode(bytes);
      } catch (e) {
        if (!(e instanceof SketchError)) {
          failures.push(
            `${file} ${what} via ${decoder.name}: ${(e as Error)?.constructor?.name}: ${String(e)}`,
          );
        }
      }
    }
  }
  return failures;
}

function listSketchFiles(...dir: string[]): string[] {
  return readdirSync(vectorPath(...dir))
    .filter((f) => f.endsWith(".sk"))
    .sort();
}

describe("mutation fuzz: decoders only ever throw SketchError", () => {
  if (!requireShared()) return;

  const dirs: string[][] = [
    ["datasketches"],
    ["datasketches-xlang", "cpp_generated_files"],
    ["datasketches-xlang", "java_generated_files"],
    ["datasketches-xlang", "go_generated_files"],
  ];
  for (const dir of dirs) {
    it(`every image in ${dir.join("/")}`, () => {
      const files = listSketchFiles(...dir);
      expect(files.length).toBeGreaterThan(20);
      const failures: string[] = [];
      files.forEach((file, i) => {
        failures.push(...checkOnlySketchErrors(file, readVector(...dir, file), 1 + i));
      });
      expect(failures.slice(0, 20)).toEqual([]);
    });
  }

  it("garbage of every small length", () => {
    const random = rng(42);
    const failures: string[] = [];
    for (let len = 0; len < 600; len++) {
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = Math.floor(random() * 256);
      // Give the garbage each family's id so decoding goes past the family check.
      for (const family of [7, 10, 15]) {
        if (len > 2) bytes[2] = family;
        for (const decoder of decoders) {
          try {
            decoder.decode(bytes);
          } catch (e) {
            if (!(e instanceof SketchError))
              failures.push(`random(${len}, family ${family}) via ${decoder.name}: ${String(e)}`);
          }
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it("non-Uint8Array input is a typed error", () => {
    for (const decoder of decoders) {
      for (const bad of [null, undefined, "abc", 42, [1, 2, 3], new ArrayBuffer(8)]) {
        expect(() => decoder.decode(bad as unknown as Uint8Array)).toThrow(SketchError);
      }
    }
  });
});
