// The JSON Lines reader: one JSON object per line, parsed by JSON.parse (V8's parser is faster than anything
// written in JavaScript over the bytes). Each chunk is decoded once and split on LF.
//
// Semantics:
// - Blank lines (only JSON whitespace) are skipped; CRLF line ends are fine; a UTF-8 BOM at the very start of the
//   input is skipped.
// - Every other line must be a JSON object, else the record is malformed (counted, skipped, the first few reported
//   with their line): "invalid JSON: <JSON.parse message>" or "expected a JSON object, found an array".
// - Nested objects are flattened into keys joined by the separator ({"user":{"age":3}} → "user.age"), as
//   pandas.json_normalize does; an empty nested object contributes no key. Arrays stay values (the profile counts
//   them as objects, or tensors when numeric), null stays null.
// - A key missing from a record is absent from its row (whylogs row semantics: not counted for that record).

import type { ChunkParser, ChunkResult, MalformedRecord } from "./types.js";

export interface JsonlChunkParserOptions {
  /** How many malformed records a chunk reports in detail (all are counted). Default 20. */
  readonly maxMalformedSamples?: number;
  /** Joins the keys of nested objects. Default ".". */
  readonly separator?: string;
}

const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class JsonlChunkParser implements ChunkParser {
  private readonly maxSamples: number;
  private readonly separator: string;

  constructor(options: JsonlChunkParserOptions = {}) {
    this.maxSamples = options.maxMalformedSamples ?? 20;
    this.separator = options.separator ?? ".";
  }

  parse(chunk: Uint8Array, firstLine: number): ChunkResult {
    let text = UTF8.decode(chunk);
    if (firstLine === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const records: Record<string, unknown>[] = [];
    const recordLines: number[] = [];
    const samples: MalformedRecord[] = [];
    let malformed = 0;
    let line = firstLine;
    let start = 0;
    const n = text.length;
    while (start < n) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = n;
      const lineNo = line++;
      const from = start;
      start = end + 1;
      if (isBlank(text, from, end)) continue;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(from, end));
      } catch (err) {
        malformed++;
        if (samples.length < this.maxSamples) {
          samples.push({ line: lineNo, reason: `invalid JSON: ${(err as Error).message}` });
        }
        continue;
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        malformed++;
        if (samples.length < this.maxSamples) {
          samples.push({ line: lineNo, reason: `expected a JSON object, found ${describe(value)}` });
        }
        continue;
      }
      records.push(this.flatten(value as Record<string, unknown>));
      recordLines.push(lineNo);
    }
    // Every LF ends a line, and so does the end of a chunk that lacks a final LF (the input's last line).
    const lines = line - firstLine;
    return {
      batch: { kind: "rows", rows: records.length, records },
      malformed,
      malformedSamples: samples,
      lines,
      recordLines,
    };
  }

  /** The record itself when nothing is nested (no copy), else a flattened copy. */
  private flatten(record: Record<string, unknown>): Record<string, unknown> {
    let nested = false;
    for (const key in record) {
      const v = record[key];
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        nested = true;
        break;
      }
    }
    if (!nested) return record;
    const out: Record<string, unknown> = {};
    this.flattenInto(out, record, "");
    return out;
  }

  private flattenInto(out: Record<string, unknown>, obj: Record<string, unknown>, prefix: string): void {
    for (const key in obj) {
      const v = obj[key];
      const name = prefix === "" ? key : prefix + this.separator + key;
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        this.flattenInto(out, v as Record<string, unknown>, name);
      } else if (name === "__proto__") {
        // An own property named __proto__ (JSON.parse makes one); plain assignment would set the prototype.
        Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
      } else {
        out[name] = v;
      }
    }
  }
}

/** Whether text[from, to) holds only JSON whitespace (space, tab, CR, LF). */
function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof value;
  }
}
