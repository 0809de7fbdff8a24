import { describe, expect, it } from "vitest";
import { JsonlChunkParser } from "../src/input/jsonl.js";
import { RecordSplitter } from "../src/input/record-splitter.js";
import type { ChunkResult } from "../src/input/types.js";

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

function recordsOf(result: ChunkResult): readonly Readonly<Record<string, unknown>>[] {
  if (result.batch.kind !== "rows") throw new Error("expected rows");
  expect(result.batch.rows).toBe(result.batch.records.length);
  return result.batch.records;
}

describe("JsonlChunkParser", () => {
  it("reads one object per line; missing keys stay absent", () => {
    const r = new JsonlChunkParser().parse(bytes('{"a":1,"b":"x"}\n{"a":2.5}\n{"b":null,"c":true}\n'), 1);
    expect(recordsOf(r)).toEqual([{ a: 1, b: "x" }, { a: 2.5 }, { b: null, c: true }]);
    expect(r.malformed).toBe(0);
    expect(r.lines).toBe(3);
  });

  it("flattens nested objects into dotted keys; arrays and null stay values", () => {
    const line = '{"user":{"age":3,"geo":{"lat":1.5}},"tags":["a",{"b":1}],"n":null,"e":{}}';
    const [rec] = recordsOf(new JsonlChunkParser().parse(bytes(line + "\n"), 1));
    expect(rec).toEqual({ "user.age": 3, "user.geo.lat": 1.5, tags: ["a", { b: 1 }], n: null });
    const [other] = recordsOf(new JsonlChunkParser({ separator: "/" }).parse(bytes('{"a":{"b":1}}'), 1));
    expect(other).toEqual({ "a/b": 1 });
  });

  it("skips blank lines and accepts CRLF line ends", () => {
    const r = new JsonlChunkParser().parse(bytes('{"a":1}\r\n\r\n  \t\n{"a":2}\r\n'), 5);
    expect(recordsOf(r)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.lines).toBe(4);
  });

  it("strips a BOM at the start of the input only", () => {
    expect(recordsOf(new JsonlChunkParser().parse(bytes('\ufeff{"a":1}\n'), 1))).toEqual([{ a: 1 }]);
    const later = new JsonlChunkParser().parse(bytes('\ufeff{"a":1}\n'), 9);
    expect(later.malformedSamples[0]).toMatchObject({ line: 9 });
    expect(later.malformedSamples[0]!.reason).toMatch(/^invalid JSON: /);
  });

  it("reports invalid JSON and non-objects with their physical lines", () => {
    const text = '{"a":1}\n[1,2]\n{bad\n"s"\n\n42\nnull\ntrue\n{"a":2}';
    const r = new JsonlChunkParser().parse(bytes(text), 3);
    expect(recordsOf(r)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.malformed).toBe(6);
    expect(r.malformedSamples.map((s) => s.line)).toEqual([4, 5, 6, 8, 9, 10]);
    expect(r.malformedSamples[0]!.reason).toBe("expected a JSON object, found an array");
    expect(r.malformedSamples[1]!.reason).toMatch(/^invalid JSON: .+/);
    expect(r.malformedSamples.slice(2).map((s) => s.reason)).toEqual([
      "expected a JSON object, found a string",
      "expected a JSON object, found a number",
      "expected a JSON object, found null",
      "expected a JSON object, found a boolean",
    ]);
    expect(r.lines).toBe(9);
  });

  it("counts every malformed line but reports only the first few", () => {
    const r = new JsonlChunkParser({ maxMalformedSamples: 1 }).parse(bytes("1\n2\n3\n"), 1);
    expect(r.malformed).toBe(3);
    expect(r.malformedSamples).toHaveLength(1);
  });

  it("keeps keys named __proto__ as own properties, nested or not", () => {
    const [plain, nested] = recordsOf(
      new JsonlChunkParser().parse(bytes('{"__proto__":1}\n{"x":{"y":1},"__proto__":{"z":2}}\n'), 1),
    );
    expect(Object.keys(plain!)).toEqual(["__proto__"]);
    expect(Object.keys(nested!)).toEqual(["x.y", "__proto__.z"]);
    const top = recordsOf(new JsonlChunkParser().parse(bytes('{"a":{"b":1},"__proto__":5}\n'), 1))[0]!;
    expect(Object.getPrototypeOf(top)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(top, "__proto__")?.value).toBe(5);
  });

  it("decodes multi-byte text split across splitter pushes", () => {
    const data = bytes('{"s":"日本😀"}\n{"s":"é"}\n');
    const splitter = new RecordSplitter({ quote: null });
    const parser = new JsonlChunkParser();
    const records: unknown[] = [];
    let carry: Uint8Array = new Uint8Array(0);
    let line = 1;
    for (let i = 0; i < data.length; i += 5) {
      const block = data.subarray(i, i + 5);
      const joined = new Uint8Array(carry.length + block.length);
      joined.set(carry);
      joined.set(block, carry.length);
      const cut = splitter.push(block);
      if (cut < 0) {
        carry = joined;
        continue;
      }
      const end = carry.length + cut;
      const r = parser.parse(joined.subarray(0, end), line);
      line += r.lines;
      records.push(...recordsOf(r));
      carry = joined.slice(end);
    }
    expect(carry.length).toBe(0);
    expect(records).toEqual([{ s: "日本😀" }, { s: "é" }]);
    expect(line).toBe(3);
  });

  it("reads an empty chunk", () => {
    const r = new JsonlChunkParser().parse(new Uint8Array(0), 1);
    expect(r).toEqual({
      batch: { kind: "rows", rows: 0, records: [] },
      malformed: 0,
      malformedSamples: [],
      lines: 0,
      recordLines: [],
    });
  });

  it("gives the physical line each record starts on, skipped lines included", () => {
    const r = new JsonlChunkParser().parse(new TextEncoder().encode('{"a":1}\n\nnope\n{"a":2}\n{"a":3}'), 7);
    expect(r.recordLines).toEqual([7, 10, 11]);
  });
});
