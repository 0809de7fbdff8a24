// KLL doubles against the real C++ code behind pip `datasketches` (upstream) and `whylogs-sketching` (fork).
//
// TS → Python: the TS sketch is serialized ("datasketches" layout for upstream, "whylogs" layout for the
// fork), Python deserializes it and answers the queries. Same retained items + the same C++ query rules
// mean the answers must be bit-identical.
// Python → TS: Python builds the sketch (its own random compaction), TS deserializes the image and must give
// the answers Python gave for that very sketch.
import { beforeAll, describe, expect, it } from "vitest";
import { KllDoublesSketch, SeededBitSource } from "../../packages/sketches/src/index.js";
import {
  PYTHON_PACKAGES,
  createRandom,
  expectRelativelyClose,
  expectSameBytes,
  expectSameNumbers,
  float64ToBase64,
  fromBase64,
  ok,
  runOracle,
  type OracleCommand,
  type PythonPackage,
} from "./oracle-client.js";

/** What Python reports for a sketch: the same answers as TsAnswers plus the image it (re)serialized. */
type KllSummary = TsAnswers & { image: string };

interface KllQuery {
  ranks: number[];
  points: number[];
  splits: number[];
}

type DataShape = "uniform" | "normal-duplicates" | "negative" | "ascending" | "descending" | "constant";

interface DataCase {
  name: string;
  k: number;
  n: number;
  shape: DataShape;
  seed: number;
}

function generate(shape: DataShape, n: number, seed: number): Float64Array {
  const random = createRandom(seed);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (shape) {
      case "uniform":
        values[i] = (random() - 0.5) * 2e6;
        break;
      case "normal-duplicates": {
        // Box–Muller, rounded to 1/8 so that many items repeat (ties exercise the rank/quantile boundaries).
        const u = Math.max(random(), 1e-12);
        const gaussian = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
        values[i] = Math.round(gaussian * 80) / 8;
        break;
      }
      case "negative":
        values[i] = -1 - random() * 1e-3 * (i % 97);
        break;
      case "ascending":
        values[i] = i - n / 2;
        break;
      case "descending":
        values[i] = n - i + 0.5;
        break;
      case "constant":
        values[i] = -7.25;
        break;
    }
  }
  return values;
}

/** Ranks on a fine grid plus awkward ones; points hit retained items, gaps and the outside of the range. */
function makeQuery(values: Float64Array, seed: number): KllQuery {
  const ranks = Array.from({ length: 201 }, (_, i) => i / 200);
  ranks.push(1e-9, 1 / 3, 2 / 3, 0.999999999, 0.123456789);
  if (values.length === 0) return { ranks, points: [], splits: [] };
  const random = createRandom(seed ^ 0x5eed);
  const sorted = Float64Array.from(values).sort();
  const min = sorted[0] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  const points = [min, max, min - 1, max + 1, (min + max) / 2, -0, 0];
  for (let i = 0; i < 150; i++) {
    const item = sorted[Math.floor(random() * sorted.length)] ?? 0;
    points.push(item, item + (max - min) * 1e-6);
  }
  const uniqueSorted = [...new Set(points)].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(uniqueSorted.length / 25));
  const splits = uniqueSorted.filter((_, i) => i % step === 0);
  return { ranks, points, splits };
}

interface TsAnswers {
  n: number;
  k: number;
  numRetained: number;
  isEmpty: boolean;
  min?: number;
  max?: number;
  quantilesInclusive?: number[];
  quantilesExclusive?: number[];
  batchQuantilesInclusive?: number[];
  batchQuantilesExclusive?: number[];
  ranksInclusive?: number[];
  ranksExclusive?: number[];
  cdfInclusive?: number[];
  cdfExclusive?: number[];
  pmfInclusive?: number[];
  pmfExclusive?: number[];
  normalizedRankErrorPmf?: number;
  normalizedRankErrorRank?: number;
  /** getQuantilesWhylogs: the fork's own (exclusive, default) quantile rule, which whylogs summaries use. */
  whylogsQuantiles?: number[];
}

function answer(sketch: KllDoublesSketch, k: number, query: KllQuery): TsAnswers {
  const base = {
    n: Number(sketch.getN()),
    k,
    numRetained: sketch.getNumRetained(),
    isEmpty: sketch.isEmpty(),
  };
  if (sketch.isEmpty()) return base;
  const result: TsAnswers = {
    ...base,
    min: sketch.getMinItem(),
    max: sketch.getMaxItem(),
    normalizedRankErrorPmf: sketch.getNormalizedRankError(true),
    normalizedRankErrorRank: sketch.getNormalizedRankError(false),
    whylogsQuantiles: sketch.getQuantilesWhylogs(query.ranks),
  };
  for (const inclusive of [true, false]) {
    const suffix = inclusive ? "Inclusive" : "Exclusive";
    result[`quantiles${suffix}`] = query.ranks.map((r) => sketch.getQuantile(r, { inclusive }));
    result[`batchQuantiles${suffix}`] = [...sketch.getQuantiles(query.ranks, { inclusive })];
    result[`ranks${suffix}`] = query.points.map((p) => sketch.getRank(p, { inclusive }));
    if (query.splits.length > 0) {
      result[`cdf${suffix}`] = [...sketch.getCDF(query.splits, { inclusive })];
      result[`pmf${suffix}`] = [...sketch.getPMF(query.splits, { inclusive })];
    }
  }
  return result;
}

type Comparison = "upstream" | "fork";

/**
 * Upstream datasketches 5.2 follows the C++ 5.x query rules the TS port implements: everything is exact.
 * The whylogs fork (C++ ≈ 3.4) shares the retained items, ranks and CDF, but its quantile search is older:
 * rank 0 / 1 return min / max, the inclusive target weight is truncated instead of rounded up, and its
 * exclusive quantiles follow yet another rule; its PMF subtracts in a different order (last-ulp noise).
 * For the fork we therefore compare upstream-rule quantiles only where both rules coincide (inclusive,
 * 0 < r < 1, r·n an integer), the fork's exclusive rule exactly against `getQuantilesWhylogs`, and PMF to
 * 1e-15 absolute; everything else stays exact.
 */
function compareAnswers(ts: TsAnswers, py: KllSummary, comparison: Comparison, what: string): void {
  expect(ts.n, `${what}: n`).toBe(py.n);
  expect(ts.k, `${what}: k`).toBe(py.k);
  expect(ts.isEmpty, `${what}: isEmpty`).toBe(py.isEmpty);
  expect(ts.numRetained, `${what}: numRetained`).toBe(py.numRetained);
  if (py.isEmpty) return;
  expect(ts.min, `${what}: min`).toBe(py.min);
  expect(ts.max, `${what}: max`).toBe(py.max);
  expectSameNumbers(ts.ranksInclusive ?? [], py.ranksInclusive ?? [], `${what}: getRank inclusive`);
  expectSameNumbers(ts.ranksExclusive ?? [], py.ranksExclusive ?? [], `${what}: getRank exclusive`);
  expectSameNumbers(ts.cdfInclusive ?? [], py.cdfInclusive ?? [], `${what}: getCDF inclusive`);
  expectSameNumbers(ts.cdfExclusive ?? [], py.cdfExclusive ?? [], `${what}: getCDF exclusive`);
  expectRelativelyClose(
    ts.normalizedRankErrorPmf ?? NaN,
    py.normalizedRankErrorPmf ?? NaN,
    `${what}: nre pmf`,
  );
  expectRelativelyClose(ts.normalizedRankErrorRank ?? NaN, py.normalizedRankErrorRank ?? NaN, `${what}: nre`);
  if (comparison === "upstream") {
    for (const key of [
      "quantilesInclusive",
      "quantilesExclusive",
      "batchQuantilesInclusive",
      "batchQuantilesExclusive",
      "pmfInclusive",
      "pmfExclusive",
    ] as const) {
      expectSameNumbers(ts[key] ?? [], py[key] ?? [], `${what}: ${key}`);
    }
    return;
  }
  const pmfPairs: [number[] | undefined, number[] | undefined][] = [
    [ts.pmfInclusive, py.pmfInclusive],
    [ts.pmfExclusive, py.pmfExclusive],
  ];
  for (const [tsPmf, pyPmf] of pmfPairs) {
    expect(tsPmf?.length, `${what}: pmf length`).toBe(pyPmf?.length);
    (pyPmf ?? []).forEach((p, i) =>
      expect(Math.abs((tsPmf?.[i] ?? NaN) - p), `${what}: pmf[${i}]`).toBeLessThan(1e-15),
    );
  }
}

/** Fork-specific quantile checks (see compareAnswers). `ranks` are the query ranks in order. */
function compareForkQuantiles(ts: TsAnswers, py: KllSummary, ranks: number[], what: string): void {
  if (py.isEmpty) return;
  // The fork's default (exclusive) rule is what whylogs summaries use; getQuantilesWhylogs must equal it.
  expectSameNumbers(ts.whylogsQuantiles ?? [], py.quantilesExclusive ?? [], `${what}: getQuantilesWhylogs`);
  expectSameNumbers(
    ts.whylogsQuantiles ?? [],
    py.batchQuantilesExclusive ?? [],
    `${what}: batch whylogs rule`,
  );
  const forkQuantiles = py.quantilesInclusive ?? [];
  ranks.forEach((rank, i) => {
    const fork = forkQuantiles[i];
    if (rank === 0) expect(fork, `${what}: fork quantile(0) is min`).toBe(py.min);
    else if (rank === 1) expect(fork, `${what}: fork quantile(1) is max`).toBe(py.max);
    else if (Number.isInteger(rank * py.n)) {
      expect(ts.quantilesInclusive?.[i], `${what}: getQuantile(${rank}) inclusive`).toBe(fork);
    }
  });
}

function buildTs(values: Float64Array, k: number, seed: number): KllDoublesSketch {
  const sketch = new KllDoublesSketch(k, { bitSource: new SeededBitSource(seed) });
  // Mix the scalar and batch entry points: both must leave the same state.
  const half = values.length >> 1;
  for (let i = 0; i < half; i++) sketch.update(values[i] ?? NaN);
  sketch.updateMany(values.subarray(half));
  return sketch;
}

const DATA_CASES: DataCase[] = [
  { name: "k200 empty", k: 200, n: 0, shape: "uniform", seed: 1 },
  { name: "k200 single item", k: 200, n: 1, shape: "uniform", seed: 2 },
  { name: "k200 two items", k: 200, n: 2, shape: "normal-duplicates", seed: 3 },
  { name: "k200 n=200 exact (no compaction)", k: 200, n: 200, shape: "normal-duplicates", seed: 4 },
  { name: "k200 n=201 first compaction", k: 200, n: 201, shape: "uniform", seed: 5 },
  { name: "k8 n=1000 minimum k", k: 8, n: 1000, shape: "uniform", seed: 6 },
  { name: "k20 n=10000 duplicates", k: 20, n: 10_000, shape: "normal-duplicates", seed: 7 },
  { name: "k50 n=30000 negatives", k: 50, n: 30_000, shape: "negative", seed: 8 },
  { name: "k200 n=100000 uniform", k: 200, n: 100_000, shape: "uniform", seed: 9 },
  { name: "k200 n=100000 duplicates", k: 200, n: 100_000, shape: "normal-duplicates", seed: 10 },
  { name: "k256 n=50000 ascending", k: 256, n: 50_000, shape: "ascending", seed: 11 },
  { name: "k128 n=20000 descending", k: 128, n: 20_000, shape: "descending", seed: 12 },
  { name: "k100 n=5000 constant", k: 100, n: 5_000, shape: "constant", seed: 13 },
  { name: "k1000 n=100000 uniform", k: 1000, n: 100_000, shape: "uniform", seed: 14 },
];

interface TsCase {
  name: string;
  k: number;
  sketch: KllDoublesSketch;
  query: KllQuery;
}

function tsCases(): TsCase[] {
  const cases: TsCase[] = DATA_CASES.map((c) => {
    const values = generate(c.shape, c.n, c.seed);
    return { name: c.name, k: c.k, sketch: buildTs(values, c.k, c.seed), query: makeQuery(values, c.seed) };
  });
  // Merged sketches (different n, one in estimation mode, one not, and a different k).
  const a = generate("uniform", 60_000, 21);
  const b = generate("normal-duplicates", 150, 22);
  const c = generate("negative", 40_000, 23);
  const merged = buildTs(a, 200, 21);
  merged.merge(buildTs(b, 200, 22));
  merged.merge(buildTs(c, 100, 23));
  cases.push({
    name: "merge k200(60000) + k200(150) + k100(40000)",
    k: 200,
    sketch: merged,
    query: makeQuery(Float64Array.from([...a, ...b, ...c]), 24),
  });
  return cases;
}

describe("KLL: TypeScript images read by Python", () => {
  const cases = tsCases();
  const layouts: Record<PythonPackage, "datasketches" | "whylogs"> = {
    datasketches: "datasketches",
    whylogs: "whylogs",
  };
  const results = new Map<string, KllSummary>();
  const images = new Map<string, Uint8Array>();

  beforeAll(async () => {
    const commands: OracleCommand[] = [];
    const keys: string[] = [];
    for (const c of cases) {
      for (const pkg of PYTHON_PACKAGES) {
        // Serialize before any query: queries sort level 0, which sets a flag and changes item order.
        const image = c.sketch.serialize({ layout: layouts[pkg] });
        images.set(`${pkg}:${c.name}`, image);
        keys.push(`${pkg}:${c.name}`);
        commands.push({ op: "kll.read", pkg, image: Buffer.from(image).toString("base64"), query: c.query });
      }
    }
    const answers = await runOracle(commands);
    keys.forEach((key, i) => results.set(key, ok<KllSummary>(answers[i], key)));
  });

  for (const c of cases) {
    for (const pkg of PYTHON_PACKAGES) {
      it(`${pkg}: ${c.name}`, () => {
        const key = `${pkg}:${c.name}`;
        const py = results.get(key);
        if (py === undefined) throw new Error(`no result for ${key}`);
        // Python re-serializes (before its own queries) to exactly the bytes it was given.
        expectSameBytes(
          fromBase64(py.image),
          images.get(key) ?? new Uint8Array(),
          `${key}: Python re-serialization`,
        );
        const ts = answer(c.sketch, c.k, c.query);
        compareAnswers(ts, py, pkg === "datasketches" ? "upstream" : "fork", key);
        if (pkg === "whylogs") compareForkQuantiles(ts, py, c.query.ranks, key);
      });
    }
  }
});

describe("KLL: Python images read by TypeScript", () => {
  interface PyCase {
    name: string;
    pkg: PythonPackage;
    itemType: "doubles" | "floats";
    k: number;
    values: Float64Array;
    query: KllQuery;
  }
  const cases: PyCase[] = [];
  for (const pkg of PYTHON_PACKAGES) {
    for (const c of DATA_CASES.filter((d) => d.name !== "k1000 n=100000 uniform")) {
      const values = generate(c.shape, c.n, c.seed + 100);
      cases.push({
        name: c.name,
        pkg,
        itemType: "doubles",
        k: c.k,
        values,
        query: makeQuery(values, c.seed),
      });
    }
    // kll_floats_sketch images: same layout with 4-byte items; the TS reader detects the item width.
    for (const [n, k] of [
      [0, 200],
      [1, 200],
      [150, 200],
      [20_000, 200],
      [100_000, 64],
    ] as const) {
      const values = Float64Array.from(generate("uniform", n, 500 + n), (v) => Math.fround(v / 1000));
      cases.push({
        name: `floats k${k} n=${n}`,
        pkg,
        itemType: "floats",
        k,
        values,
        query: makeQuery(values, n),
      });
    }
  }
  const results = new Map<string, KllSummary>();

  beforeAll(async () => {
    const answers = await runOracle(
      cases.map((c) => ({
        op: "kll.build",
        pkg: c.pkg,
        itemType: c.itemType,
        k: c.k,
        values: float64ToBase64(c.values),
        query: c.query,
      })),
    );
    cases.forEach((c, i) => results.set(`${c.pkg}:${c.name}`, ok<KllSummary>(answers[i], c.name)));
  });

  for (const c of cases) {
    it(`${c.pkg}: ${c.name}`, () => {
      const key = `${c.pkg}:${c.name}`;
      const py = results.get(key);
      if (py === undefined) throw new Error(`no result for ${key}`);
      const image = fromBase64(py.image);
      const sketch = KllDoublesSketch.deserialize(image);
      if (c.itemType === "doubles") {
        // A faithful reader keeps the image intact: writing it back in the same layout gives the same bytes.
        const layout = c.pkg === "datasketches" ? "datasketches" : "whylogs";
        expectSameBytes(sketch.serialize({ layout }), image, `${key}: TS re-serialization`);
      }
      const ts = answer(sketch, c.k, c.query);
      // Python answered on its own sketch; the fork's quantile rules differ (see compareAnswers).
      compareAnswers(ts, py, c.pkg === "datasketches" ? "upstream" : "fork", key);
      if (c.pkg === "whylogs") compareForkQuantiles(ts, py, c.query.ranks, key);
    });
  }
});

describe("KLL: cross-layout conversion through TypeScript", () => {
  it("a fork image becomes an upstream image (and back) that both packages read identically", async () => {
    const values = generate("normal-duplicates", 40_000, 77);
    const query = makeQuery(values, 77);
    const [built] = await runOracle([
      { op: "kll.build", pkg: "whylogs", k: 200, values: float64ToBase64(values), query },
    ]);
    const forkImage = fromBase64(ok<KllSummary>(built, "fork build").image);
    expect(forkImage[0], "fork writes preamble 6 for doubles").toBe(6);
    const sketch = KllDoublesSketch.deserialize(forkImage);
    const upstreamImage = sketch.serialize({ layout: "datasketches" });
    expect(upstreamImage[0]).toBe(5);
    expect(upstreamImage.length).toBe(forkImage.length - 4);
    const [read] = await runOracle([
      { op: "kll.read", pkg: "datasketches", image: Buffer.from(upstreamImage).toString("base64"), query },
    ]);
    const py = ok<KllSummary>(read, "upstream read of converted image");
    compareAnswers(answer(sketch, 200, query), py, "upstream", "converted");
    expectSameBytes(
      KllDoublesSketch.deserialize(upstreamImage).serialize({ layout: "whylogs" }),
      forkImage,
      "upstream → whylogs",
    );
  });
});
