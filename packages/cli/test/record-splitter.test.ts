import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CliError } from "../src/errors.js";
import {
  RecordSplitter,
  countNewlines,
  readRecord,
  sniffDialect,
  startsWithBom,
} from "../src/input/record-splitter.js";

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

describe("sniffDialect", () => {
  it("recognises comma, tab, semicolon and pipe by consistent field counts", () => {
    expect(sniffDialect(bytes("a,b,c\n1,2,3\n4,5,6\n")).delimiter).toBe(",");
    expect(sniffDialect(bytes("a\tb\tc\n1\t2\t3\n")).delimiter).toBe("\t");
    expect(sniffDialect(bytes("a;b\n1,5;2,5\n3;4\n")).delimiter).toBe(";");
    expect(sniffDialect(bytes("a|b|c\n1|2|3\n")).delimiter).toBe("|");
  });

  it("ignores delimiters inside quoted fields, quoted newlines included", () => {
    const text = 'name;note\n"Smith, J";"a, b, c"\n"Doe";"x,\ny"\n';
    expect(sniffDialect(bytes(text)).delimiter).toBe(";");
    expect(sniffDialect(bytes('a,b\n"x;y;z",1\n"p;q",2\n')).delimiter).toBe(",");
  });

  it("prefers the candidate whose counts agree with the header, then more fields", () => {
    // Commas give 2 fields in the header but 3 in a row; semicolons agree throughout.
    expect(sniffDialect(bytes("a,x;b\n1;2,5\n3;4\n")).delimiter).toBe(";");
    expect(sniffDialect(bytes("a,b;c,d\n1,2;3,4\n")).delimiter).toBe(",");
  });

  it("prefers tab for .tsv and .tab files when tabs are as consistent", () => {
    const text = bytes("a\tb,c\n1\t2,3\n");
    expect(sniffDialect(text).delimiter).toBe(",");
    expect(sniffDialect(text, { fileName: "data.tsv" }).delimiter).toBe("\t");
    expect(sniffDialect(text, { fileName: "/x/DATA.TAB" }).delimiter).toBe("\t");
    expect(sniffDialect(text, { fileName: "data.tsv.gz" }).delimiter).toBe("\t");
    expect(sniffDialect(bytes("single\n1\n"), { fileName: "x.tsv" }).delimiter).toBe("\t");
    expect(sniffDialect(bytes("single\n1\n")).delimiter).toBe(",");
  });

  it("lets a hint win and rejects unusable delimiters", () => {
    expect(sniffDialect(bytes("a,b\n1,2\n"), { delimiter: ";" }).delimiter).toBe(";");
    expect(sniffDialect(bytes("a,b\n"), { delimiter: "\t" }).delimiter).toBe("\t");
    for (const bad of ["", ";;", '"', "\n", "é"]) {
      expect(() => sniffDialect(bytes("a\n"), { delimiter: bad })).toThrow(CliError);
    }
  });

  it("reports a BOM and sniffs past it; a sample cut mid-record still works", () => {
    const d = sniffDialect(bytes("\ufeffa;b\n1;2\n3;"));
    expect(d).toEqual({ delimiter: ";", quote: '"', bom: true });
    expect(startsWithBom(bytes("\ufeffx"))).toBe(true);
    expect(sniffDialect(bytes("")).delimiter).toBe(",");
  });
});

/** Record boundaries (offsets after a record-ending LF) of a whole stream, by the reference record reader. */
function referenceBoundaries(data: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const rec = readRecord(data, i, 0x2c, true)!;
    if (data[rec.end - 1] === 10 && !rec.unterminated) out.push(rec.end);
    i = rec.end;
  }
  return out;
}

/** Pushes `data` in blocks cut at `cuts` and returns the absolute boundary each push reported (or -1). */
function pushAll(splitter: RecordSplitter, data: Uint8Array, cuts: number[]): number[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
  const reported: number[] = [];
  let from = 0;
  for (const to of [...points, data.length]) {
    if (to <= from) continue;
    const cut = splitter.push(data.subarray(from, to));
    reported.push(cut < 0 ? -1 : from + cut);
    from = to;
  }
  return reported;
}

describe("RecordSplitter", () => {
  const csv = { delimiter: ",", quote: '"' } as const;

  it("finds the last newline of a block without quotes", () => {
    const s = new RecordSplitter(csv);
    expect(s.push(bytes("a,b\n1,2\n3,"))).toBe(8);
    expect(s.pendingBytes).toBe(2);
    expect(s.push(bytes("4"))).toBe(-1);
    expect(s.pendingBytes).toBe(3);
    expect(s.push(bytes("\r\n5,6\r\n"))).toBe(7);
    expect(s.pendingBytes).toBe(0);
    expect(s.bytesPushed).toBe(18);
    expect(s.finish()).toEqual({ pendingBytes: 0, unterminatedQuote: false, openQuoteOffset: -1 });
  });

  it("does not cut inside quoted fields; escaped quotes keep parity", () => {
    const s = new RecordSplitter(csv);
    expect(s.push(bytes('1,"a\nb"'))).toBe(-1);
    // The final quote may still turn out to be the first half of an escaped one.
    expect(s.inQuotedField).toBe(true);
    expect(s.push(bytes('\n2,"x""\n""y"\n3,"open\n'))).toBe(13);
    expect(s.inQuotedField).toBe(true);
    expect(s.openQuoteOffset).toBe(22);
    expect(s.pendingBytes).toBe(8);
    expect(s.finish()).toMatchObject({ pendingBytes: 8, unterminatedQuote: true, openQuoteOffset: 22 });
  });

  it("treats a quote inside an unquoted field as an ordinary byte", () => {
    const s = new RecordSplitter(csv);
    expect(s.push(bytes('5"3,x\n6,7\n'))).toBe(10);
    expect(s.push(bytes('"a"b"c,d\ne,f\n'))).toBe(13);
    expect(s.inQuotedField).toBe(false);
  });

  it("resolves a quote that ends a block by the next block's first byte", () => {
    const escaped = new RecordSplitter(csv);
    escaped.push(bytes('"a"'));
    expect(escaped.inQuotedField).toBe(true);
    expect(escaped.push(bytes('"\nb"\n'))).toBe(5);
    const closed = new RecordSplitter(csv);
    closed.push(bytes('"a"'));
    expect(closed.push(bytes("\nb\n"))).toBe(3);
    const atEnd = new RecordSplitter(csv);
    atEnd.push(bytes('x,"a"'));
    expect(atEnd.finish()).toMatchObject({ unterminatedQuote: false, pendingBytes: 5 });
  });

  it("opens a quoted field right after a BOM, even when the BOM arrives in pieces", () => {
    for (const cuts of [[], [1], [2], [1, 2], [3]]) {
      const s = new RecordSplitter(csv);
      const reported = pushAll(s, bytes('\ufeff"a\nb",c\nd\n'), cuts);
      expect(reported.filter((r) => r >= 0).pop()).toBe(13);
    }
    // Without a BOM, a quote after other bytes is literal.
    const s = new RecordSplitter(csv);
    expect(s.push(bytes('x"a\nb",c\n'))).toBe(9);
  });

  it("splits JSON Lines at every newline, quotes or not", () => {
    const s = new RecordSplitter({ quote: null });
    expect(s.push(bytes('{"a":"x\n{"b":1}\n{"c'))).toBe(16);
    expect(s.pendingBytes).toBe(3);
    expect(s.inQuotedField).toBe(false);
    expect(s.push(bytes(""))).toBe(-1);
  });

  it("reports the same boundaries as a whole-stream reader for any bytes cut anywhere", () => {
    const text = fc.string({
      unit: fc.constantFrom("a", "1", ",", '"', "\n", "\r", " ", "é", "😀"),
      maxLength: 80,
    });
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 8 }), (s, cuts) => {
        const data = bytes(s);
        const reference = referenceBoundaries(data);
        const splitter = new RecordSplitter(csv);
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const to of [...points, data.length]) {
          if (to <= from) continue;
          const cut = splitter.push(data.subarray(from, to));
          const expected = reference.filter((r) => r <= to && r > from).pop();
          expect(cut < 0 ? undefined : from + cut).toBe(expected);
          from = to;
        }
        const end = splitter.finish();
        const last = reference[reference.length - 1] ?? 0;
        expect(end.pendingBytes).toBe(data.length - last);
      }),
      { numRuns: 500 },
    );
  });
});

describe("countNewlines", () => {
  it("counts LF bytes in a range", () => {
    const b = bytes("a\nb\r\n\nc");
    expect(countNewlines(b)).toBe(3);
    expect(countNewlines(b, 2)).toBe(2);
    expect(countNewlines(b, 0, 2)).toBe(1);
    expect(countNewlines(b, 0, 1)).toBe(0);
    expect(countNewlines(new Uint8Array(0))).toBe(0);
  });
});
