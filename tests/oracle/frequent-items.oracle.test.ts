// Frequent items (strings) against pip `datasketches` (upstream) and `whylogs-sketching` (fork).
//
// For lg_max_map_size ≤ 10 the algorithm is deterministic, so TS and Python fed the same updates reach the
// same logical state (header, total weight, offset, the multiset of (item, counter) pairs). The order of the
// pairs inside an image is not portable (it follows the platform's std::hash), so pairs and frequent-item
// lists are compared as sets, sorted by item.
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorType, FrequentItemsSketch } from "../../packages/sketches/src/index.js";
import type { FrequentItemRow } from "../../packages/sketches/src/index.js";
import {
  PYTHON_PACKAGES,
  createRandom,
  expectSameBytes,
  fromBase64,
  ok,
  runOracle,
  toBase64,
  zipfIndices,
  type OracleCommand,
} from "./oracle-client.js";

type Row = [string, number, number, number];

interface FiSummary {
  image: string;
  isEmpty: boolean;
  totalWeight: number;
  numActiveItems: number;
  maximumError: number;
  probes: [number, number, number][];
  frequentItems: Record<string, Row[]>;
}

interface FiQuery {
  probes: string[];
  /**
   * Explicit thresholds, all ≥ 1. The Python bindings treat threshold 0 as "use the sketch's maximum
   * error" (C++'s default), so 0 stands for TS getFrequentItems(errorType) without a threshold.
   */
  thresholds: number[];
}

interface FiCase {
  name: string;
  lgMaxMapSize: number;
  updates: [string, number][];
}

const WORDS = [
  "alpha",
  "beta",
  "γάμμα",
  "дельта",
  "epsilon",
  "ζήτα",
  "日本",
  "🙂",
  "",
  "a longer item with spaces",
];

function zipfUpdates(count: number, vocabulary: number, seed: number, weighted: boolean): [string, number][] {
  const indices = zipfIndices(count, vocabulary, 1.1, seed);
  const random = createRandom(seed + 1);
  return Array.from(indices, (index) => [`w${index}`, weighted ? 1 + Math.floor(random() * 20) : 1]);
}

const CASES: FiCase[] = [
  { name: "lg6 empty", lgMaxMapSize: 6, updates: [] },
  { name: "lg6 single item", lgMaxMapSize: 6, updates: [["only", 5]] },
  { name: "lg6 small exact (UTF-8)", lgMaxMapSize: 6, updates: WORDS.map((w, i) => [w, i + 1]) },
  // All counters equal at purge time: the purge removes every item (upstream behaviour, reproduced).
  {
    name: "lg3 purge-to-empty edge",
    lgMaxMapSize: 3,
    updates: ["a", "b", "c", "d", "e", "f", "g"].map((w) => [w, 1]),
  },
  { name: "lg3 zipf n=2000", lgMaxMapSize: 3, updates: zipfUpdates(2_000, 100, 31, false) },
  { name: "lg7 zipf n=20000", lgMaxMapSize: 7, updates: zipfUpdates(20_000, 5_000, 32, false) },
  { name: "lg7 zipf weighted n=20000", lgMaxMapSize: 7, updates: zipfUpdates(20_000, 5_000, 33, true) },
  {
    name: "lg10 zipf n=100000 over 1e5 words",
    lgMaxMapSize: 10,
    updates: zipfUpdates(100_000, 100_000, 34, false),
  },
  {
    name: "lg8 heavy weights",
    lgMaxMapSize: 8,
    updates: zipfUpdates(5_000, 2_000, 35, false).map(([w], i) => [w, i % 3 === 0 ? 1_000_000 + i : 1]),
  },
];

function makeQuery(updates: readonly [string, number][], seed: number): FiQuery {
  const random = createRandom(seed);
  const distinct = [...new Set(updates.map(([w]) => w))];
  const probes = ["never-seen", "w999999"];
  for (let i = 0; i < Math.min(200, distinct.length); i++) {
    probes.push(distinct[Math.floor(random() * distinct.length)] ?? "");
  }
  const total = updates.reduce((sum, [, weight]) => sum + weight, 0);
  return {
    probes,
    thresholds: [0, 1, Math.max(1, Math.floor(total / 1000)), Math.max(1, Math.floor(total / 50))],
  };
}

function buildTs(c: FiCase): FrequentItemsSketch {
  const sketch = new FrequentItemsSketch(c.lgMaxMapSize);
  for (const [item, weight] of c.updates) sketch.update(item, weight);
  return sketch;
}

function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function tsRows(rows: readonly FrequentItemRow[]): Row[] {
  return sortRows(rows.map((r) => [r.item, Number(r.estimate), Number(r.lowerBound), Number(r.upperBound)]));
}

function tsSummary(sketch: FrequentItemsSketch, query: FiQuery) {
  const frequentItems: Record<string, Row[]> = {};
  for (const threshold of query.thresholds) {
    for (const [name, errorType] of [
      ["NO_FALSE_POSITIVES", ErrorType.NO_FALSE_POSITIVES],
      ["NO_FALSE_NEGATIVES", ErrorType.NO_FALSE_NEGATIVES],
    ] as const) {
      const rows =
        threshold === 0 ? sketch.getFrequentItems(errorType) : sketch.getFrequentItems(errorType, threshold);
      frequentItems[`${name}:${threshold}`] = tsRows(rows);
    }
  }
  return {
    isEmpty: sketch.isEmpty(),
    totalWeight: Number(sketch.getTotalWeight()),
    numActiveItems: sketch.getNumActiveItems(),
    maximumError: Number(sketch.getMaximumError()),
    probes: query.probes.map((p) => [
      Number(sketch.getEstimate(p)),
      Number(sketch.getLowerBound(p)),
      Number(sketch.getUpperBound(p)),
    ]),
    frequentItems,
  };
}

function compare(ts: ReturnType<typeof tsSummary>, py: FiSummary, what: string): void {
  expect(ts.isEmpty, `${what}: isEmpty`).toBe(py.isEmpty);
  expect(ts.totalWeight, `${what}: total weight`).toBe(py.totalWeight);
  expect(ts.numActiveItems, `${what}: active items`).toBe(py.numActiveItems);
  expect(ts.maximumError, `${what}: maximum error`).toBe(py.maximumError);
  expect(ts.probes, `${what}: estimate / lower / upper bound of probes`).toEqual(py.probes);
  for (const [key, rows] of Object.entries(py.frequentItems)) {
    expect(ts.frequentItems[key], `${what}: getFrequentItems ${key}`).toEqual(sortRows(rows));
  }
}

/** Bytes 0..31 (preamble, sizes, counts, total weight, offset) are portable; the pair order is not. */
function expectSameHeader(ts: Uint8Array, py: Uint8Array, what: string): void {
  const headerLength = Math.min(32, py.length);
  expect(ts.length, `${what}: image length`).toBe(py.length);
  expectSameBytes(ts.subarray(0, headerLength), py.subarray(0, headerLength), `${what}: header`);
}

describe("Frequent items: TypeScript ↔ Python", () => {
  const sketches = new Map<string, FrequentItemsSketch>();
  const queries = new Map<string, FiQuery>();
  const read = new Map<string, FiSummary>();
  const built = new Map<string, FiSummary>();
  const merged = new Map<string, FiSummary>();
  const mergeParts = [CASES[6], CASES[7], CASES[2]].filter((c): c is FiCase => c !== undefined);
  const mergeQuery = makeQuery(
    mergeParts.flatMap((c) => c.updates),
    99,
  );

  beforeAll(async () => {
    const commands: OracleCommand[] = [];
    const keys: [Map<string, FiSummary>, string][] = [];
    for (const c of CASES) {
      const sketch = buildTs(c);
      const query = makeQuery(c.updates, c.updates.length);
      sketches.set(c.name, sketch);
      queries.set(c.name, query);
      const image = toBase64(sketch.serialize());
      for (const pkg of PYTHON_PACKAGES) {
        commands.push({ op: "fi.read", pkg, image, query });
        keys.push([read, `${pkg}:${c.name}`]);
        commands.push({ op: "fi.build", pkg, lgMaxMapSize: c.lgMaxMapSize, updates: c.updates, query });
        keys.push([built, `${pkg}:${c.name}`]);
      }
    }
    // Merge: Python merges TS images; TS merges the same sketches in the same order.
    const images = mergeParts.map((c) => toBase64(buildTs(c).serialize()));
    for (const pkg of PYTHON_PACKAGES) {
      commands.push({ op: "fi.merge", pkg, images, query: mergeQuery });
      keys.push([merged, pkg]);
    }
    const answers = await runOracle(commands);
    keys.forEach(([map, key], i) => map.set(key, ok<FiSummary>(answers[i], key)));
  });

  for (const c of CASES) {
    for (const pkg of PYTHON_PACKAGES) {
      const key = `${pkg}:${c.name}`;
      it(`${key}: Python reads the TypeScript image`, () => {
        const sketch = sketches.get(c.name);
        const query = queries.get(c.name);
        const py = read.get(key);
        if (!sketch || !query || !py) throw new Error(`missing ${key}`);
        // Both sides read the same bytes. (Comparing with the in-memory TS sketch would differ for the
        // purge-to-empty case, whose image is the 8-byte empty image on both sides.)
        compare(tsSummary(FrequentItemsSketch.deserialize(sketch.serialize()), query), py, key);
        if (!py.isEmpty) compare(tsSummary(sketch, query), py, `${key} (in-memory TS sketch)`);
      });

      it(`${key}: same updates give the same state; TypeScript reads the Python image`, () => {
        const sketch = sketches.get(c.name);
        const query = queries.get(c.name);
        const py = built.get(key);
        if (!sketch || !query || !py) throw new Error(`missing ${key}`);
        compare(tsSummary(sketch, query), py, `${key} (built in Python)`);
        const pyImage = fromBase64(py.image);
        const tsImage = sketch.serialize();
        if (py.isEmpty) {
          // Empty flag: upstream writes 0x05 (C++ bit 0 + Java bit 2), the fork only bit 0.
          expect(pyImage[5], `${key}: empty flag`).toBe(pkg === "datasketches" ? 0x05 : 0x01);
          expect(pyImage.length).toBe(8);
          expect(tsImage.length).toBe(8);
          expect((tsImage[5] ?? 0) & 0x05, `${key}: TS empty flag`).not.toBe(0);
        } else {
          expectSameHeader(tsImage, pyImage, key);
        }
        const fromPython = FrequentItemsSketch.deserialize(pyImage);
        if (py.isEmpty) {
          // An empty image carries no total weight or offset; a sketch purged to empty loses them in a
          // round trip on every implementation.
          expect(fromPython.isEmpty()).toBe(true);
          expect(fromPython.getTotalWeight()).toBe(0);
          expect(fromPython.getMaximumError()).toBe(0);
        } else {
          compare(tsSummary(fromPython, query), py, `${key} (TS read of the Python image)`);
        }
      });
    }
  }

  for (const pkg of PYTHON_PACKAGES) {
    it(`${pkg}: merge of three sketches`, () => {
      // Merge the deserialized images, exactly as Python does: a merge replays the source's items in its
      // slot order, and purges mid-merge make the result depend on that order.
      const [first, ...rest] = mergeParts.map((part) =>
        FrequentItemsSketch.deserialize(buildTs(part).serialize()),
      );
      const target = first as FrequentItemsSketch;
      for (const part of rest) target.merge(part);
      const py = merged.get(pkg);
      if (!py) throw new Error(`missing merge result for ${pkg}`);
      compare(tsSummary(target, mergeQuery), py, `${pkg} merge`);
    });
  }
});

describe("Frequent items: reading either package's empty image", () => {
  it("accepts flag 0x01 (whylogs fork) and 0x05 (upstream)", async () => {
    const answers = await runOracle(
      PYTHON_PACKAGES.map((pkg) => ({
        op: "fi.build",
        pkg,
        lgMaxMapSize: 5,
        updates: [],
        query: makeQuery([], 1),
      })),
    );
    answers.forEach((answer, i) => {
      const py = ok<FiSummary>(answer, `empty ${PYTHON_PACKAGES[i]}`);
      const sketch = FrequentItemsSketch.deserialize(fromBase64(py.image));
      expect(sketch.isEmpty()).toBe(true);
      expect(sketch.getTotalWeight()).toBe(0);
    });
  });
});
