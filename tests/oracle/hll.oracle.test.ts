// HLL against pip `datasketches` (upstream) and `whylogs-sketching` (fork). HLL has no randomness, so the
// strongest check is available: TS and Python fed the same input must write byte-identical images, and each
// side must read the other's images to the same estimate and bounds.
//
// Python's hll_sketch.update(int) hashes an int64, update(float) a double, update(str) the UTF-8 bytes; the
// TS side calls updateInt64 / updateDouble / updateString respectively.
import { beforeAll, describe, expect, it } from "vitest";
import { HllMode, HllSketch, HllType, HllUnion } from "../../packages/sketches/src/index.js";
import {
  PYTHON_PACKAGES,
  expectRelativelyClose,
  expectSameBytes,
  float64ToBase64,
  fromBase64,
  jsonNumber,
  ok,
  runOracle,
  toBase64,
  type OracleCommand,
} from "./oracle-client.js";

type TypeName = "HLL_4" | "HLL_6" | "HLL_8";
const TYPES: Record<TypeName, HllType> = { HLL_4: HllType.HLL_4, HLL_6: HllType.HLL_6, HLL_8: HllType.HLL_8 };

type InputSpec =
  | { kind: "int64"; values: string[] }
  | { kind: "double"; values: number[] }
  | { kind: "string"; values: string[] }
  | { kind: "int64-range"; start: number; count: number }
  | { kind: "string-range"; prefix: string; start: number; count: number }
  | { kind: "double-range"; start: number; step: number; count: number };

interface HllSummary {
  lgK: number;
  type: TypeName;
  isEmpty: boolean;
  isCompact: boolean;
  estimate: number | string;
  lowerBounds: (number | string)[];
  upperBounds: (number | string)[];
  compact: string;
  updatable: string;
  unionEstimate?: number;
  unionLowerBounds?: number[];
  unionUpperBounds?: number[];
}

function feed(sketch: HllSketch, inputs: readonly InputSpec[]): void {
  for (const spec of inputs) {
    switch (spec.kind) {
      case "int64":
        for (const v of spec.values) sketch.updateInt64(BigInt(v));
        break;
      case "double":
        for (const v of spec.values) sketch.updateDouble(v);
        break;
      case "string":
        for (const v of spec.values) sketch.updateString(v);
        break;
      case "int64-range":
        for (let i = 0; i < spec.count; i++) sketch.updateInt64(spec.start + i);
        break;
      case "string-range":
        for (let i = spec.start; i < spec.start + spec.count; i++) sketch.updateString(`${spec.prefix}${i}`);
        break;
      case "double-range":
        // Same expression as oracle.py: start + i * step in float64.
        for (let i = 0; i < spec.count; i++) sketch.updateDouble(spec.start + i * spec.step);
        break;
    }
  }
}

/** Doubles travel as float64 bytes so that -0, NaN and the infinities reach Python intact. */
function wire(inputs: readonly InputSpec[]): Record<string, unknown>[] {
  return inputs.map((spec) =>
    spec.kind === "double" ? { ...spec, values: float64ToBase64(spec.values) } : spec,
  );
}

const UTF8_STRINGS = [
  "",
  "a",
  "é",
  "Привет, мир",
  "日本語テキスト",
  "emoji 🚀🔥",
  "mixed ascii/ΑΒΓ/🙂",
  "\u0000nul",
];
const SPECIAL_INT64 = [
  "0",
  "-1",
  "1",
  "9223372036854775807",
  "-9223372036854775808",
  "4294967296",
  "-4294967297",
];
const SPECIAL_DOUBLES = [0, -0, NaN, Infinity, -Infinity, 5e-324, -1e-300, 1.5, 2 ** 53, -(2 ** 63)];

interface HllCase {
  name: string;
  lgK: number;
  type: TypeName;
  inputs: InputSpec[];
  /** The mode the input is meant to reach; checked so that the matrix really covers LIST, SET and HLL. */
  mode?: keyof typeof HllMode;
}

/** A generated range of `count` items, preceded by the special values unless the case must stay tiny. */
function inputsFor(
  kind: "string" | "int64" | "double",
  count: number,
  offset: number,
  withSpecials = true,
): InputSpec[] {
  const specials: InputSpec[] = [];
  let range: InputSpec;
  switch (kind) {
    case "string":
      specials.push({ kind: "string", values: UTF8_STRINGS });
      range = { kind: "string-range", prefix: "item-", start: offset, count };
      break;
    case "int64":
      specials.push({ kind: "int64", values: SPECIAL_INT64 });
      range = { kind: "int64-range", start: offset - Math.floor(count / 2), count };
      break;
    case "double":
      specials.push({ kind: "double", values: SPECIAL_DOUBLES });
      range = { kind: "double-range", start: offset - 1000.5, step: 0.37, count };
      break;
  }
  return withSpecials ? [...specials, range] : [range];
}

/** Item counts per lgK that land in LIST, SET and HLL mode (lgK < 8 goes straight from LIST to HLL). */
const MODE_COUNTS: Record<number, Record<string, number>> = {
  4: { LIST: 5, HLL: 60, HLL_big: 5_000 },
  12: { LIST: 7, SET: 150, HLL: 20_000 },
  21: { LIST: 3, SET: 40_000, HLL: 260_000 },
};

function allCases(): HllCase[] {
  const cases: HllCase[] = [];
  for (const type of Object.keys(TYPES) as TypeName[]) {
    for (const [lgKText, modes] of Object.entries(MODE_COUNTS)) {
      const lgK = Number(lgKText);
      for (const [mode, count] of Object.entries(modes)) {
        for (const kind of ["string", "int64", "double"] as const) {
          // lgK 21 in HLL mode is costly (Python loops 260k updates): cover it with int64 only.
          if (lgK === 21 && mode === "HLL" && kind !== "int64") continue;
          cases.push({
            name: `${type} lgK${lgK} ${mode} ${kind} n=${count}`,
            lgK,
            type,
            // LIST holds at most 7 coupons: the special values would push it into SET/HLL.
            inputs: inputsFor(kind, count, lgK * 1000, mode !== "LIST"),
            mode: mode === "HLL_big" ? "HLL" : (mode as keyof typeof HllMode),
          });
        }
      }
    }
    cases.push({ name: `${type} lgK12 empty`, lgK: 12, type, inputs: [] });
    cases.push({
      name: `${type} lgK12 mixed kinds n=30000`,
      lgK: 12,
      type,
      inputs: [
        ...inputsFor("string", 10_000, 1),
        ...inputsFor("int64", 10_000, 2),
        ...inputsFor("double", 10_000, 3),
      ],
    });
  }
  // Enough items that HLL_4 needs its exception (aux) table.
  cases.push({
    name: "HLL_4 lgK12 aux table n=400000",
    lgK: 12,
    type: "HLL_4",
    inputs: inputsFor("string", 400_000, 9),
  });
  return cases;
}

const STD_DEVS = [1, 2, 3] as const;

function tsSummary(sketch: HllSketch | HllUnion) {
  return {
    estimate: sketch.getEstimate(),
    lowerBounds: STD_DEVS.map((n) => sketch.getLowerBound(n)),
    upperBounds: STD_DEVS.map((n) => sketch.getUpperBound(n)),
  };
}

function compareEstimates(ts: ReturnType<typeof tsSummary>, py: HllSummary, what: string): void {
  // Estimate and bounds come from the same registers / HIP accumulator with the same formulas; only the
  // composite estimator (log/pow) may differ in the last ulp, hence the 1e-12 relative tolerance.
  expectRelativelyClose(ts.estimate, jsonNumber(py.estimate), `${what}: estimate`);
  [0, 1, 2].forEach((i) => {
    expectRelativelyClose(
      ts.lowerBounds[i] ?? NaN,
      jsonNumber(py.lowerBounds[i] ?? NaN),
      `${what}: lowerBound(${i + 1})`,
    );
    expectRelativelyClose(
      ts.upperBounds[i] ?? NaN,
      jsonNumber(py.upperBounds[i] ?? NaN),
      `${what}: upperBound(${i + 1})`,
    );
  });
}

describe("HLL: same input in TypeScript and Python", () => {
  const cases = allCases();
  const sketches = new Map<string, HllSketch>();
  const built = new Map<string, HllSummary>();
  const readBack = new Map<string, { compact: HllSummary; updatable: HllSummary }>();

  beforeAll(async () => {
    const buildCommands: OracleCommand[] = [];
    const readCommands: OracleCommand[] = [];
    for (const c of cases) {
      const sketch = new HllSketch(c.lgK, TYPES[c.type]);
      feed(sketch, c.inputs);
      sketches.set(c.name, sketch);
      for (const pkg of PYTHON_PACKAGES) {
        buildCommands.push({ op: "hll.build", pkg, lgK: c.lgK, type: c.type, inputs: wire(c.inputs) });
        readCommands.push({ op: "hll.read", pkg, image: toBase64(sketch.serializeCompact()) });
        readCommands.push({ op: "hll.read", pkg, image: toBase64(sketch.serializeUpdatable()) });
      }
    }
    const [buildAnswers, readAnswers] = await Promise.all([
      runOracle(buildCommands),
      runOracle(readCommands),
    ]);
    let b = 0;
    let r = 0;
    for (const c of cases) {
      for (const pkg of PYTHON_PACKAGES) {
        const key = `${pkg}:${c.name}`;
        built.set(key, ok<HllSummary>(buildAnswers[b++], `${key} build`));
        readBack.set(key, {
          compact: ok<HllSummary>(readAnswers[r++], `${key} read compact`),
          updatable: ok<HllSummary>(readAnswers[r++], `${key} read updatable`),
        });
      }
    }
  });

  for (const c of cases) {
    for (const pkg of PYTHON_PACKAGES) {
      const key = `${pkg}:${c.name}`;
      it(`${key}: byte-identical images`, () => {
        const sketch = sketches.get(c.name);
        const py = built.get(key);
        if (!sketch || !py) throw new Error(`missing ${key}`);
        if (c.mode !== undefined) expect(sketch.getCurrentMode(), `${key}: mode`).toBe(HllMode[c.mode]);
        expectSameBytes(sketch.serializeCompact(), fromBase64(py.compact), `${key}: compact image`);
        expectSameBytes(sketch.serializeUpdatable(), fromBase64(py.updatable), `${key}: updatable image`);
        compareEstimates(tsSummary(sketch), py, key);
      });

      it(`${key}: Python reads the TypeScript images`, () => {
        const sketch = sketches.get(c.name);
        const py = readBack.get(key);
        if (!sketch || !py) throw new Error(`missing ${key}`);
        for (const form of ["compact", "updatable"] as const) {
          const summary = py[form];
          const image = form === "compact" ? sketch.serializeCompact() : sketch.serializeUpdatable();
          expect(summary.lgK, `${key} ${form}: lgK`).toBe(c.lgK);
          expect(summary.type, `${key} ${form}: type`).toBe(c.type);
          expect(summary.isEmpty, `${key} ${form}: isEmpty`).toBe(sketch.isEmpty());
          compareEstimates(tsSummary(sketch), summary, `${key} ${form}`);
          // A read-then-write round trip need not reproduce the original bytes (C++ rebuilds LIST/SET
          // storage on read), but both implementations must rebuild it the same way.
          const tsRoundTrip = HllSketch.deserialize(image);
          expectSameBytes(
            tsRoundTrip.serializeCompact(),
            fromBase64(summary.compact),
            `${key} ${form}: compact again`,
          );
          expectSameBytes(
            tsRoundTrip.serializeUpdatable(),
            fromBase64(summary.updatable),
            `${key} ${form}: updatable again`,
          );
        }
      });

      it(`${key}: TypeScript reads the Python images`, () => {
        const py = built.get(key);
        const pyRoundTrip = readBack.get(key);
        if (!py || !pyRoundTrip) throw new Error(`missing ${key}`);
        for (const form of ["compact", "updatable"] as const) {
          const sketch = HllSketch.deserialize(fromBase64(py[form]));
          compareEstimates(tsSummary(sketch), pyRoundTrip[form], `${key} ${form}`);
          // The Python images equal the TS ones (first test), so Python's own round trip is readBack.
          const expected = pyRoundTrip[form];
          expectSameBytes(
            sketch.serializeCompact(),
            fromBase64(expected.compact),
            `${key} ${form}: TS compact of it`,
          );
          expectSameBytes(
            sketch.serializeUpdatable(),
            fromBase64(expected.updatable),
            `${key} ${form}: TS updatable of it`,
          );
        }
      });
    }
  }
});

describe("HLL: unions across types and sizes", () => {
  interface UnionCase {
    name: string;
    lgMaxK: number;
    target: TypeName;
    parts: HllCase[];
  }
  const part = (
    lgK: number,
    type: TypeName,
    kind: "string" | "int64" | "double",
    count: number,
    offset: number,
    withSpecials = true,
  ): HllCase => ({
    name: `${type} lgK${lgK} ${kind} ${count}`,
    lgK,
    type,
    inputs: inputsFor(kind, count, offset, withSpecials),
  });
  const unionCases: UnionCase[] = [];
  for (const target of Object.keys(TYPES) as TypeName[]) {
    unionCases.push(
      {
        name: `lg12 HLL_8(1e4) ∪ HLL_4(1e4, overlapping) → ${target}`,
        lgMaxK: 12,
        target,
        parts: [part(12, "HLL_8", "int64", 10_000, 0), part(12, "HLL_4", "int64", 10_000, 5_000)],
      },
      {
        name: `lg12 LIST ∪ SET ∪ HLL_6 → ${target}`,
        lgMaxK: 12,
        target,
        parts: [
          part(12, "HLL_4", "string", 3, 1),
          part(12, "HLL_8", "string", 200, 2),
          part(12, "HLL_6", "string", 30_000, 3),
        ],
      },
      {
        name: `lg10 ∪ lgK12 + lgK8 (downsampling) → ${target}`,
        lgMaxK: 10,
        target,
        parts: [part(12, "HLL_8", "double", 20_000, 4), part(8, "HLL_4", "double", 5_000, 5)],
      },
      {
        name: `lg12 only LIST sketches → ${target}`,
        lgMaxK: 12,
        target,
        parts: [part(12, "HLL_6", "int64", 2, 6, false), part(12, "HLL_4", "int64", 3, 7, false)],
      },
      {
        name: `lg12 SET ∪ SET → ${target}`,
        lgMaxK: 12,
        target,
        parts: [part(12, "HLL_6", "int64", 2, 6), part(12, "HLL_4", "int64", 3, 7)],
      },
    );
  }
  const mixesLgK = (u: UnionCase) => new Set(u.parts.map((p) => p.lgK)).size > 1;
  const smallestLgKFirst = (u: UnionCase, images: string[]) =>
    u.parts
      .map((p, i) => ({ lgK: p.lgK, image: images[i] ?? "" }))
      .sort((a, b) => a.lgK - b.lgK)
      .map((p) => p.image);
  const results = new Map<string, HllSummary>();
  const tsResults = new Map<string, HllSketch>();
  const tsUnions = new Map<string, HllUnion>();

  beforeAll(async () => {
    const commands: OracleCommand[] = [];
    const keys: string[] = [];
    for (const u of unionCases) {
      const union = new HllUnion(u.lgMaxK);
      const images: string[] = [];
      for (const p of u.parts) {
        const sketch = new HllSketch(p.lgK, TYPES[p.type]);
        feed(sketch, p.inputs);
        const image = sketch.serializeCompact();
        images.push(toBase64(image));
        // Python unions the *deserialized* compact images, so TS must too: a SET rebuilt from a compact image
        // can have a different hash-table layout than the sketch that wrote it (C++ re-inserts the coupons
        // one by one), and a union feeds SET coupons in table order, so the result bytes follow the layout.
        // (pip datasketches itself gives different union bytes for the built vs the deserialized sketches.)
        union.update(HllSketch.deserialize(image));
      }
      tsResults.set(u.name, union.getResult(TYPES[u.target]));
      tsUnions.set(u.name, union);
      for (const pkg of PYTHON_PACKAGES) {
        keys.push(`${pkg}:${u.name}`);
        // pip datasketches 5.2.0 carries the datasketches-cpp lazy-KxQ union regression (fixed upstream by
        // apache/datasketches-cpp#512): a sketch with a smaller lgK arriving after a larger one makes the
        // union forget what it held. Feeding upstream the parts smallest-lgK first avoids that path.
        const ordered = pkg === "datasketches" && mixesLgK(u) ? smallestLgKFirst(u, images) : images;
        commands.push({ op: "hll.union", pkg, lgMaxK: u.lgMaxK, type: u.target, images: ordered });
      }
    }
    const answers = await runOracle(commands);
    keys.forEach((key, i) => results.set(key, ok<HllSummary>(answers[i], key)));
  });

  for (const u of unionCases) {
    for (const pkg of PYTHON_PACKAGES) {
      const key = `${pkg}:${u.name}`;
      it(key, () => {
        const ts = tsResults.get(u.name);
        const py = results.get(key);
        if (!ts || !py) throw new Error(`missing ${key}`);
        compareEstimates(tsSummary(ts), py, key);
        const union = tsUnions.get(u.name);
        if (!union) throw new Error(`missing union ${key}`);
        const unionAnswers = {
          ...py,
          estimate: py.unionEstimate ?? NaN,
          lowerBounds: py.unionLowerBounds ?? [],
          upperBounds: py.unionUpperBounds ?? [],
        };
        compareEstimates(tsSummary(union), unionAnswers, `${key}: union object`);
        // The fork predates upstream's union-result fixes (kxq / cur_min rebuild), so only upstream is held
        // to byte identity; estimates must agree with both.
        // (With mixed lgK upstream got another order, and union result bytes may depend on the order.)
        if (pkg === "datasketches" && !mixesLgK(u)) {
          expectSameBytes(ts.serializeCompact(), fromBase64(py.compact), `${key}: union result image`);
        }
        // And the Python result image reads back in TS to the same answers.
        compareEstimates(tsSummary(HllSketch.deserialize(fromBase64(py.compact))), py, `${key}: TS read`);
      });
    }
  }
});
