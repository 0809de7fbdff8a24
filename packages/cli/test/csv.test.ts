import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CliError } from "../src/errors.js";
import { CsvChunkParser, pandasColumnNames, parseCsvHeader } from "../src/input/csv.js";
import type { CsvChunkParserOptions } from "../src/input/csv.js";
import { RecordSplitter, sniffDialect } from "../src/input/record-splitter.js";
import type { CsvDialect } from "../src/input/record-splitter.js";
import {
  DEFAULT_NULL_VALUES,
  NumberScanner,
  TAG_BIGINT,
  TAG_FLOAT,
  TAG_INT,
  TAG_INT32,
  TAG_NONE,
  scanWhole,
} from "../src/input/text-values.js";
import type { ChunkResult } from "../src/input/types.js";

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const COMMA: CsvDialect = { delimiter: ",", quote: '"', bom: false };

function columnsOf(result: ChunkResult): Record<string, ArrayLike<unknown>> {
  if (result.batch.kind !== "columns") throw new Error("expected columns");
  return result.batch.columns;
}

/** Parses a whole CSV text (header included) as one chunk. */
function parseText(
  text: string,
  options: Partial<CsvChunkParserOptions> = {},
): { result: ChunkResult; parser: CsvChunkParser; names: string[] } {
  const data = bytes(text);
  const dialect = options.dialect ?? sniffDialect(data);
  const header = parseCsvHeader(data, dialect, true)!;
  const parser = new CsvChunkParser({ ...options, dialect, columns: header.names });
  return { result: parser.parse(data.subarray(header.end), header.lines + 1), parser, names: header.names };
}

/** Column values as plain arrays (typed arrays copied; NaN in a Float64Array is null). */
function plain(columns: Record<string, ArrayLike<unknown>>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(columns)) {
    out[k] = Array.from(v, (x) => (v instanceof Float64Array && Number.isNaN(x) ? null : x));
  }
  return out;
}

describe("parseCsvHeader", () => {
  it("reads names, the data offset and the lines consumed; strips a BOM and CRs", () => {
    const data = bytes('\ufeffa,"b,c",d\r\n1,2,3\r\n');
    expect(parseCsvHeader(data, COMMA)).toEqual({ names: ["a", "b,c", "d"], end: 14, lines: 1 });
  });

  it("skips blank lines before the header and counts them", () => {
    const h = parseCsvHeader(bytes("\n  \r\n\nx,y\n1,2\n"), COMMA)!;
    expect(h).toEqual({ names: ["x", "y"], end: 10, lines: 4 });
  });

  it("returns null until the header record is complete, or at the end of an empty input", () => {
    expect(parseCsvHeader(bytes("a,b"), COMMA)).toBeNull();
    expect(parseCsvHeader(bytes('a,"b\n'), COMMA)).toBeNull();
    expect(parseCsvHeader(bytes("\n \n"), COMMA)).toBeNull();
    expect(parseCsvHeader(bytes(""), COMMA, true)).toBeNull();
    expect(parseCsvHeader(bytes("\n\n"), COMMA, true)).toBeNull();
    expect(parseCsvHeader(bytes("a,b"), COMMA, true)).toEqual({ names: ["a", "b"], end: 3, lines: 1 });
    expect(parseCsvHeader(bytes('a,"multi\nline"\n'), COMMA)).toEqual({
      names: ["a", "multi\nline"],
      end: 15,
      lines: 2,
    });
  });

  it("fails clearly on an unterminated quote at the end of the input", () => {
    expect(() => parseCsvHeader(bytes('a,"b\n1,2\n'), COMMA, true)).toThrow(CliError);
  });

  it("names empty and duplicate columns as pandas does", () => {
    // Expected values from pandas 2.3 read_csv.
    expect(pandasColumnNames(["a", "a", "a.1"])).toEqual(["a", "a.2", "a.1"]);
    expect(pandasColumnNames(["", "b", ""])).toEqual(["Unnamed: 0", "b", "Unnamed: 2"]);
    expect(pandasColumnNames(["a", "a", "", "a"])).toEqual(["a", "a.1", "Unnamed: 2", "a.2"]);
    expect(parseCsvHeader(bytes("x,x,,x\n"), COMMA)!.names).toEqual(["x", "x.1", "Unnamed: 2", "x.2"]);
  });
});

describe("CsvChunkParser values", () => {
  it("emits typed arrays for clean numeric columns and keeps strings as strings", () => {
    const { result, parser } = parseText("i,f,s,b\n1,2.5,x,True\n-3,1e3,y z,false\n");
    const cols = columnsOf(result);
    expect(cols.i).toEqual(new Int32Array([1, -3]));
    expect(cols.f).toEqual(new Float64Array([2.5, 1000]));
    expect(cols.s).toEqual(["x", "y z"]);
    expect(cols.b).toEqual([true, false]);
    expect(result.batch.rows).toBe(2);
    expect(result.lines).toBe(2);
    expect(parser.kinds).toEqual(["int", "float", "mixed", "bool"]);
  });

  it("treats pandas' NA strings as null (NaN in a float column), and only those", () => {
    const values = DEFAULT_NULL_VALUES.filter((v) => v !== "");
    const text = ["s,f,i", ...values.map((v) => `${v},${v},${v}`), "x,1.5,1", ",,"].join("\n");
    const { result } = parseText(text);
    const cols = plain(columnsOf(result));
    expect(cols.s).toEqual([...values.map(() => null), "x", null]);
    expect(cols.f).toEqual([...values.map(() => null), 1.5, null]);
    expect(cols.i).toEqual([...values.map(() => null), 1, null]);
    const { result: other } = parseText("a\nnull \nNAN\nNone\nnone\n");
    expect(columnsOf(other).a).toEqual(["null ", "NAN", null, "none"]);
  });

  it("matches NA strings in quotes too: a quoted empty field is null", () => {
    const { result } = parseText('a,b\n"",x\n"NA",y\n"1",z\n');
    expect(plain(columnsOf(result)).a).toEqual([null, null, 1]);
  });

  it("replaces the NA strings with nullValues, number spellings included", () => {
    const { result } = parseText("a,b\n-999,NA\n5,\n-999.0,x\n", { nullValues: ["-999", "x"] });
    const cols = plain(columnsOf(result));
    expect(cols.a).toEqual([null, 5, -999]);
    expect(cols.b).toEqual(["NA", "", null]);
  });

  it("reads booleans in pandas' spellings only", () => {
    const { result } = parseText("a\nTrue\nTRUE\ntrue\nFalse\nFALSE\nfalse\nNA\n");
    expect(columnsOf(result).a).toEqual([true, true, true, false, false, false, null]);
    const { result: other } = parseText("a\ntRUE\nyes\n");
    expect(columnsOf(other).a).toEqual(["tRUE", "yes"]);
  });

  it("reads numbers as pandas does: signs, blanks around, exponents, inf, quoted", () => {
    const text = 'a\n+1\n" 2 "\n .5\n5.\n1E+2\n-0.0\ninf\n-Infinity\n+INF\n"-inf"\n';
    const { result } = parseText(text);
    const a = columnsOf(result).a as Float64Array;
    expect(a).toBeInstanceOf(Float64Array);
    expect(Array.from(a)).toEqual([1, 2, 0.5, 5, 100, -0, Infinity, -Infinity, Infinity, -Infinity]);
    expect(Object.is(a[5], -0)).toBe(true);
    const { result: strings } = parseText("a\n1e\n1.2.3\n0x10\n1_000\n--1\nnan\ninfinit\n. \n");
    expect(columnsOf(strings).a).toEqual(["1e", "1.2.3", "0x10", "1_000", "--1", null, "infinit", ". "]);
  });

  it("keeps float columns fractional: 32.0 and later integers go into the Float64Array", () => {
    const parser = new CsvChunkParser({ dialect: COMMA, columns: ["x"] });
    expect(columnsOf(parser.parse(bytes("32.0\n1\n"), 2)).x).toEqual(new Float64Array([32, 1]));
    expect(columnsOf(parser.parse(bytes("7\n8\n"), 4)).x).toEqual(new Float64Array([7, 8]));
    expect(parser.kinds).toEqual(["float"]);
  });

  it("keeps integer columns integral; nulls, big ints and floats give a plain array", () => {
    const parser = new CsvChunkParser({ dialect: COMMA, columns: ["x"] });
    expect(columnsOf(parser.parse(bytes("1\n2147483647\n"), 2)).x).toEqual(new Int32Array([1, 2147483647]));
    expect(columnsOf(parser.parse(bytes("2147483648\n\n"), 4)).x).toEqual([2147483648]);
    expect(columnsOf(parser.parse(bytes("1\nNA\n"), 6)).x).toEqual([1, null]);
    expect(columnsOf(parser.parse(bytes("1\n2.5\n3.0\n"), 8)).x).toEqual([1, 2.5, 3]);
    expect(parser.kinds).toEqual(["int"]);
  });

  it("keeps integers beyond 2^53 exact as bigint within int64, rounded beyond", () => {
    const { result } = parseText(
      "n\n9007199254740991\n9007199254740993\n-9223372036854775808\n9223372036854775807\n" +
        "9223372036854775808\n00000000000000000000000042\n",
    );
    expect(columnsOf(result).n).toEqual([
      9007199254740991,
      9007199254740993n,
      -9223372036854775808n,
      9223372036854775807n,
      9223372036854775808,
      42,
    ]);
    // In a float column they are floats like every other number.
    const { result: f } = parseText("n\n0.5\n9007199254740993\n");
    expect(columnsOf(f).n).toEqual(new Float64Array([0.5, 9007199254740992]));
  });

  it("keeps each value's own kind in mixed columns instead of turning numbers into strings", () => {
    const { result, parser } = parseText("a,b,c\n1,True,x\nn/k,1,2.5\n3,,True\n");
    const cols = columnsOf(result);
    expect(cols.a).toEqual([1, "n/k", 3]);
    expect(cols.b).toEqual([true, 1, null]);
    expect(cols.c).toEqual(["x", 2.5, true]);
    expect(parser.kinds).toEqual(["mixed", "mixed", "mixed"]);
  });

  it("decides a kind only once a column has values, and takes kinds decided elsewhere", () => {
    const parser = new CsvChunkParser({ dialect: COMMA, columns: ["a", "b"] });
    expect(columnsOf(parser.parse(bytes(",1\nNA,2\n"), 2)).a).toEqual([null, null]);
    expect(parser.kinds).toEqual([null, "int"]);
    expect(columnsOf(parser.parse(bytes("1.5,3\n"), 4)).a).toEqual(new Float64Array([1.5]));
    const seeded = new CsvChunkParser({ dialect: COMMA, columns: ["a", "b"], kinds: ["float", undefined] });
    const cols = columnsOf(seeded.parse(bytes("1,1\n2,2\n"), 2));
    expect(cols.a).toEqual(new Float64Array([1, 2]));
    expect(cols.b).toEqual(new Int32Array([1, 2]));
  });

  it("decodes multi-byte UTF-8 and invalid bytes with replacement characters", () => {
    const { result } = parseText('name,v\nZoë,1\n"日本, 東京",2\n😀,3\n');
    expect(columnsOf(result).name).toEqual(["Zoë", "日本, 東京", "😀"]);
    const parser = new CsvChunkParser({ dialect: COMMA, columns: ["a"] });
    expect(columnsOf(parser.parse(new Uint8Array([0x61, 0xff, 0x0a]), 2)).a).toEqual(["a\ufffd"]);
  });

  it("names a column __proto__ as an own property", () => {
    const { result } = parseText("__proto__,b\n1,2\n");
    const cols = columnsOf(result);
    expect(Object.keys(cols)).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(cols)).toBe(Object.prototype);
  });
});

describe("CsvChunkParser records", () => {
  it("unescapes quoted fields holding delimiters, doubled quotes, CR and LF", () => {
    const { result } = parseText('a,b\n"x,y","say ""hi"""\n"line1\r\nline2",""""\n');
    expect(columnsOf(result)).toEqual({ a: ["x,y", "line1\r\nline2"], b: ['say "hi"', '"'] });
    expect(result.lines).toBe(3);
  });

  it("keeps a quote inside an unquoted field and text after a closing quote (Python csv)", () => {
    const { result } = parseText('a,b\n5"3,"ab"cd\n"x" ,y\n');
    expect(columnsOf(result)).toEqual({ a: ['5"3', "x "], b: ["abcd", "y"] });
    expect(result.malformed).toBe(0);
  });

  it("reports ragged rows with their physical lines, quoted newlines counted", () => {
    const text = 'a,b,c\n1,2,3\n"multi\nline",5,6\n7,8\n\n9,10,11,12\n13,14,15';
    const { result } = parseText(text);
    expect(plain(columnsOf(result))).toEqual({ a: [1, "multi\nline", 13], b: [2, 5, 14], c: [3, 6, 15] });
    expect(result.malformed).toBe(2);
    expect(result.malformedSamples).toEqual([
      { line: 5, reason: "expected 3 fields, found 2" },
      { line: 7, reason: "expected 3 fields, found 4" },
    ]);
    expect(result.lines).toBe(7);
  });

  it("counts every malformed record but reports only the first few", () => {
    const parser = new CsvChunkParser({ dialect: COMMA, columns: ["a", "b"], maxMalformedSamples: 2 });
    const result = parser.parse(bytes("1\n2\n3,4\n5\n6\n"), 10);
    expect(result.malformed).toBe(4);
    expect(result.malformedSamples).toEqual([
      { line: 10, reason: "expected 2 fields, found 1" },
      { line: 11, reason: "expected 2 fields, found 1" },
    ]);
    expect(columnsOf(result).a).toEqual(new Int32Array([3]));
    // Skipped records leave nothing behind, strings included.
    const strings = new CsvChunkParser({ dialect: COMMA, columns: ["a", "b"] });
    const r = strings.parse(bytes("x,y,z\np,q\nr\n"), 2);
    expect(columnsOf(r)).toEqual({ a: ["p"], b: ["q"] });
  });

  it("reports a quoted field left open at the end of the input", () => {
    const { result } = parseText('a,b\n1,2\n3,"open\n4,5\n');
    expect(columnsOf(result).a).toEqual(new Int32Array([1]));
    expect(result.malformedSamples).toEqual([{ line: 3, reason: "unterminated quoted field" }]);
    expect(result.lines).toBe(3);
  });

  it("skips blank and whitespace-only lines silently; CRLF everywhere", () => {
    const { result } = parseText("a,b\r\n1,2\r\n\r\n   \r\n\t\r\n3,4\r\n\n5,6");
    expect(columnsOf(result)).toEqual({ a: new Int32Array([1, 3, 5]), b: new Int32Array([2, 4, 6]) });
    expect(result.malformed).toBe(0);
    expect(result.lines).toBe(7);
    const { result: single } = parseText("a\n1\n \n\n2\n");
    expect(columnsOf(single).a).toEqual(new Int32Array([1, 2]));
  });

  it("reads an empty chunk and a header-only file", () => {
    const parser = new CsvChunkParser({ dialect: COMMA, columns: ["a", "b"] });
    const empty = parser.parse(new Uint8Array(0), 2);
    expect(empty).toEqual({
      batch: { kind: "columns", rows: 0, columns: { a: [], b: [] } },
      malformed: 0,
      malformedSamples: [],
      lines: 0,
      recordLines: new Float64Array(0),
    });
    const { result } = parseText("a,b\n");
    expect(result.batch.rows).toBe(0);
  });

  it("strips a BOM at the start of the input when the chunk holds it", () => {
    const parser = new CsvChunkParser({ dialect: { ...COMMA, bom: true }, columns: ["a"] });
    expect(columnsOf(parser.parse(bytes("\ufeff1\n"), 1)).a).toEqual(new Int32Array([1]));
  });

  it("reads tab- and space-delimited text, blanks included", () => {
    const { result } = parseText("a\tb\n 1 \t x\n2\t\n", {
      dialect: { delimiter: "\t", quote: '"', bom: false },
    });
    expect(plain(columnsOf(result))).toEqual({ a: [1, 2], b: [" x", null] });
    const space = parseText("a b\n1 -2.5\n", { dialect: { delimiter: " ", quote: '"', bom: false } });
    expect(plain(columnsOf(space.result))).toEqual({ a: [1], b: [-2.5] });
    const dot = parseText("a.b\n1.2\n", { dialect: { delimiter: ".", quote: '"', bom: false } });
    expect(plain(columnsOf(dot.result))).toEqual({ a: [1], b: [2] });
  });

  it("rejects a header without columns", () => {
    expect(() => new CsvChunkParser({ dialect: COMMA, columns: [] })).toThrow(CliError);
  });
});

/** Feeds data through a RecordSplitter in blocks cut at `cuts`, parsing each chunk of whole records. */
function parseInChunks(
  data: Uint8Array,
  cuts: number[],
  makeParser: () => CsvChunkParser,
  firstLine: number,
) {
  const parser = makeParser();
  const splitter = new RecordSplitter(COMMA);
  const results: ChunkResult[] = [];
  let line = firstLine;
  let carry: Uint8Array = new Uint8Array(0);
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const parse = (chunk: Uint8Array): void => {
    const r = parser.parse(chunk, line);
    line += r.lines;
    results.push(r);
  };
  let from = 0;
  for (const to of [...points, data.length]) {
    if (to <= from) continue;
    const block = data.subarray(from, to);
    const cut = splitter.push(block);
    if (cut > 0) {
      parse(concat(carry, block.subarray(0, cut)));
      carry = block.slice(cut);
    } else carry = concat(carry, block);
    from = to;
  }
  if (carry.length > 0) parse(carry);
  return results;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Rows of chunk results in a form independent of how columns were emitted (bigint as number). */
function rowsOf(results: ChunkResult[], names: string[]): unknown[][] {
  const rows: unknown[][] = [];
  for (const r of results) {
    const cols = plain(columnsOf(r));
    for (let i = 0; i < r.batch.rows; i++) {
      rows.push(names.map((n) => (typeof cols[n]![i] === "bigint" ? Number(cols[n]![i]) : cols[n]![i])));
    }
  }
  return rows;
}

describe("CsvChunkParser chunking", () => {
  const field = fc.oneof(
    fc.integer({ min: -1e6, max: 1e6 }).map(String),
    fc.double({ noNaN: true }).map(String),
    fc.constantFrom(
      "",
      "NA",
      "True",
      "false",
      "inf",
      "x",
      "Zoë",
      "日本",
      "😀",
      " ",
      "1e5",
      "9007199254740993",
    ),
    fc
      .string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r\n", "é", "😀", " ", "1"), maxLength: 6 })
      .map((s) => `"${s.replaceAll('"', '""')}"`),
    fc.constantFrom('x"y', '"ab"cd', '"open'),
  );
  const row = fc.array(field, { minLength: 1, maxLength: 4 });
  const file = fc.record({
    rows: fc.array(fc.oneof({ weight: 8, arbitrary: row }, { weight: 1, arbitrary: fc.constant([]) }), {
      maxLength: 25,
    }),
    crlf: fc.boolean(),
    trailingNewline: fc.boolean(),
  });

  it("gives the same rows, malformed records and lines however the file is cut", () => {
    fc.assert(
      fc.property(file, fc.array(fc.nat(), { maxLength: 10 }), (f, cuts) => {
        const nl = f.crlf ? "\r\n" : "\n";
        const text = "a,b,c" + nl + f.rows.map((r) => r.join(",")).join(nl) + (f.trailingNewline ? nl : "");
        const data = bytes(text);
        const header = parseCsvHeader(data, COMMA, true)!;
        const body = data.subarray(header.end);
        const make = () =>
          new CsvChunkParser({ dialect: COMMA, columns: header.names, maxMalformedSamples: 1000 });
        const whole = make().parse(body, header.lines + 1);
        const parts = parseInChunks(body, cuts, make, header.lines + 1);
        expect(rowsOf(parts, header.names)).toEqual(rowsOf([whole], header.names));
        expect(parts.flatMap((p) => p.malformedSamples)).toEqual(whole.malformedSamples);
        expect(parts.reduce((s, p) => s + p.malformed, 0)).toBe(whole.malformed);
        expect(parts.reduce((s, p) => s + p.lines, 0)).toBe(whole.lines);
      }),
      { numRuns: 400 },
    );
  });

  it("numbers records' lines physically across chunks", () => {
    const data = bytes('1,"a\nb"\n2,x,y\n3,"c\n\nd"\n4\n');
    const results = parseInChunks(
      data,
      [3, 9, 17, 20],
      () => new CsvChunkParser({ dialect: COMMA, columns: ["n", "s"] }),
      2,
    );
    expect(results.flatMap((r) => r.malformedSamples)).toEqual([
      { line: 4, reason: "expected 2 fields, found 3" },
      { line: 8, reason: "expected 2 fields, found 1" },
    ]);
    expect(rowsOf(results, ["n", "s"])).toEqual([
      [1, "a\nb"],
      [3, "c\n\nd"],
    ]);
  });
});

describe("NumberScanner", () => {
  const scanner = new NumberScanner(0x2c);
  const out = new Float64Array(1);
  const scan = (s: string): { tag: number; value: number | bigint } => {
    const b = bytes(s);
    const tag = scanWhole(scanner, b, 0, b.length, out, 0);
    return { tag, value: tag === TAG_BIGINT ? scanner.bigint : out[0]! };
  };

  it("stops at the first byte that cannot continue a number", () => {
    const b = bytes("12.5e3,x");
    expect(scanner.scan(b, 0, b.length, out, 0)).toBe(TAG_FLOAT);
    expect(scanner.end).toBe(6);
    expect(out[0]).toBe(12500);
    expect(scanner.scan(bytes("1e,"), 0, 3, out, 0)).toBe(TAG_NONE);
    expect(scanner.scan(bytes("-,"), 0, 2, out, 0)).toBe(TAG_NONE);
  });

  it("tags integers by range and floats by syntax", () => {
    expect(scan("2147483647")).toEqual({ tag: TAG_INT32, value: 2147483647 });
    expect(scan("-2147483649")).toEqual({ tag: TAG_INT, value: -2147483649 });
    expect(scan("-0")).toEqual({ tag: TAG_INT32, value: 0 });
    expect(scan("9007199254740992")).toEqual({ tag: TAG_BIGINT, value: 9007199254740992n });
    expect(scan("1.0")).toEqual({ tag: TAG_FLOAT, value: 1 });
    expect(scan("1e0")).toEqual({ tag: TAG_FLOAT, value: 1 });
    expect(scan("99999999999999999999")).toEqual({ tag: TAG_INT, value: 1e20 });
  });

  it("equals Number() at the exactness limits of each path", () => {
    const cases = [
      "9007199254740991.5",
      "9007199254740993.0",
      "0.1",
      "1e22",
      "1e23",
      "123456789012345e22",
      "1234567890123456e22",
      "1e-22",
      "1e-23",
      "4.9e-324",
      "2.2250738585072011e-308",
      "1.7976931348623157e308",
      "1.7976931348623159e308",
      "0.30000000000000004",
      "1.00000000000000011102230246251565404236316680908203125",
      "1.000000000000000111022302462515654042363166809082031250000001",
      "12345678901234567890",
      "1234567890123456789.0",
      "0.000000000000000000000000000001",
      "100000000000000000000000.0",
    ];
    for (const s of cases) expect(scan(s).value, s).toBe(Number(s));
  });

  it("equals Number() for any double's shortest, fixed and exponential text", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: 1, max: 21 }),
        (x, k) => {
          for (const s of [String(x), x.toPrecision(k), x.toExponential(k - 1)]) {
            if (s.includes("Infinity")) continue;
            const r = scan(s);
            expect(r.tag, s).not.toBe(TAG_NONE);
            expect(Object.is(Number(r.value), Number(s)), s).toBe(true);
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("equals Number() for random digit strings of every length and exponent", () => {
    const digits = (max: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: max });
    const text = fc
      .record({
        sign: fc.constantFrom("", "-", "+"),
        int: digits(24),
        frac: fc.option(digits(24)),
        exp: fc.option(fc.integer({ min: -340, max: 340 })),
      })
      .map(
        ({ sign, int, frac, exp }) =>
          sign + int + (frac === null ? "" : "." + frac) + (exp === null ? "" : `e${exp}`),
      );
    fc.assert(
      fc.property(text, (s) => {
        const r = scan(s);
        const valid = /\d/.test(s.replace(/e.*/, ""));
        if (!valid) {
          expect(r.tag, s).toBe(TAG_NONE);
          return;
        }
        if (r.tag === TAG_BIGINT) expect(r.value).toBe(BigInt(s));
        else
          expect(
            Object.is(r.value, Number(s)) || (r.value === 0 && Number(s) === 0 && !/[.e]/.test(s)),
            s,
          ).toBe(true);
        expect(r.tag === TAG_FLOAT, s).toBe(/[.e]/.test(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it("equals Number() near the midpoint between two doubles", () => {
    // The exact decimal midpoint between a double and the next, then that midpoint cut to 16-19 significant
    // digits and nudged by one unit in the last digit: the cases where the double-double path must either
    // round right or give up.
    fc.assert(
      fc.property(
        fc.double({ min: 1e-20, max: 1e20, noNaN: true }),
        fc.integer({ min: 16, max: 19 }),
        fc.integer({ min: -1, max: 1 }),
        (x, keep, nudge) => {
          const mid = exactMidpoint(x);
          const [digits, exp10] = mid;
          const cut = BigInt(digits.slice(0, keep)) + BigInt(nudge);
          const s = `${cut}e${exp10 + digits.length - keep}`;
          expect(scan(s).value, s).toBe(Number(s));
          const full = `${digits}e${exp10}`;
          expect(scan(full).value, full).toBe(Number(full));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

/** The midpoint between positive double x and the next double up, exactly, as [decimal digits, exponent10]. */
function exactMidpoint(x: number): [string, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (expBits === 0 ? 0n : 1n << 52n);
  // x = mantissa * 2^e; the midpoint is (2 * mantissa + 1) * 2^(e - 1).
  const e = (expBits === 0 ? 1 : expBits) - 1075 - 1;
  const m = 2n * mantissa + 1n;
  if (e >= 0) return [(m << BigInt(e)).toString(), 0];
  // m / 2^k = m * 5^k / 10^k
  const k = -e;
  return [(m * 5n ** BigInt(k)).toString(), -k];
}

describe("CsvChunkParser record lines", () => {
  it("gives the physical line each record starts on, quoted newlines and skipped records included", () => {
    const parser = new CsvChunkParser({ dialect: COMMA, columns: ["a", "b"] });
    const result = parser.parse(bytes('1,x\n\n2,"two\nlines"\n3\n4,y\n'), 10);
    expect(result.batch.rows).toBe(3);
    expect(Array.from(result.recordLines!)).toEqual([10, 12, 15]);
  });
});
