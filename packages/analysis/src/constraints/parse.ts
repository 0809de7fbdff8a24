// Reading constraint documents from text. The caller does the I/O; this turns YAML or JSON into a validated
// set, and points every problem at a line of the text the user wrote.

import { LineCounter, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Document } from "yaml";
import { AnalysisError } from "../errors.js";
import { jsonErrorOffset } from "./json-location.js";
import type { ConstraintSet } from "./types.js";
import { validateConstraints } from "./validate.js";

export type ConstraintFormat = "yaml" | "json";

interface ParsedText {
  readonly value: unknown;
  /** The YAML document and its line index, kept to find where a validation problem is. */
  readonly yaml?: { readonly doc: Document; readonly lines: LineCounter };
}

function syntaxError(format: string, line: number, col: number, detail: string): AnalysisError {
  return new AnalysisError(
    "invalid-config",
    `${format} syntax error at line ${line}, column ${col}: ${detail}`,
  );
}

function readYaml(source: string): ParsedText {
  const lines = new LineCounter();
  // Raw messages: the position goes into our own wording, without yaml's multi-line code frame.
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw syntaxError("YAML", line, col, first.message);
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), yaml: { doc, lines } };
  } catch (cause) {
    // Alias expansion past the limit (a "billion laughs" document) and similar resolution failures.
    throw new AnalysisError("invalid-config", `YAML document cannot be read: ${(cause as Error).message}`, {
      cause,
    });
  }
}

function lineAndColumn(source: string, offset: number): { line: number; col: number } {
  const before = source.slice(0, Math.max(0, Math.min(offset, source.length)));
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, col: before.length - lineStart + 1 };
}

function readJson(source: string): ParsedText {
  try {
    return { value: JSON.parse(source) as unknown };
  } catch (cause) {
    const message = (cause as Error).message;
    const position = /in JSON at position (\d+)/.exec(message);
    const offset = jsonErrorOffset(source) ?? (position === null ? source.length : Number(position[1]));
    const { line, col } = lineAndColumn(source, offset);
    const detail = message.replace(/\s*in JSON at position \d+.*$/s, "");
    throw syntaxError("JSON", line, col, detail);
  }
}

/** Splits `constraints[3].reference_set[0]` / `constraints[0]["a b"]` back into keys and indices. */
function pathSegments(path: string): (string | number)[] | undefined {
  const segments: (string | number)[] = [];
  const token = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[?("(?:[^"\\]|\\.)*")\]?/y;
  while (token.lastIndex < path.length) {
    const m = token.exec(path);
    if (m === null) return undefined;
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(JSON.parse(m[3]!) as string);
  }
  return segments;
}

/**
 * The line of the node a validation path names: a key's own line for a mapping field, the nearest existing
 * ancestor for a field that is missing.
 */
function lineOf(yaml: NonNullable<ParsedText["yaml"]>, path: string): number | undefined {
  const segments = pathSegments(path);
  if (segments === undefined) return undefined;
  let node: unknown = yaml.doc.contents;
  let offset = isMap(node) || isSeq(node) ? node.range?.[0] : undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      offset = isScalar(item) || isMap(item) || isSeq(item) ? (item.range?.[0] ?? offset) : offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : yaml.lines.linePos(offset).line;
}

function detectFormat(source: string): ConstraintFormat {
  const first = /\S/.exec(source)?.[0];
  return first === "{" || first === "[" ? "json" : "yaml";
}

/**
 * Parses and validates a constraint document. `format` defaults to JSON when the text starts with `{` or `[`
 * (falling back to YAML if it is not JSON but is a YAML flow mapping), otherwise YAML.
 * @throws AnalysisError `invalid-config` for a syntax error (with line and column) or an invalid document
 *   (`path` names the field; the message adds its line); `invalid-argument` if `text` is not a string.
 */
export function parseConstraints(text: string, format?: ConstraintFormat): ConstraintSet {
  if (typeof text !== "string") {
    throw new AnalysisError(
      "invalid-argument",
      `parseConstraints expects the document's text, got ${typeof text}`,
    );
  }
  if (format !== undefined && format !== "yaml" && format !== "json") {
    throw new AnalysisError("invalid-argument", `format must be "yaml" or "json", got ${String(format)}`);
  }
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let parsed: ParsedText;
  if ((format ?? detectFormat(source)) === "yaml") {
    parsed = readYaml(source);
  } else {
    try {
      parsed = readJson(source);
    } catch (jsonError) {
      if (format === "json") throw jsonError;
      try {
        parsed = readYaml(source);
      } catch {
        throw jsonError;
      }
    }
  }
  try {
    return validateConstraints(parsed.value);
  } catch (error) {
    if (!(error instanceof AnalysisError) || error.path === undefined) throw error;
    // JSON is YAML's flow syntax, so the YAML parser can locate fields in a JSON document too.
    const yaml = parsed.yaml ?? tryYaml(source);
    const line = yaml === undefined ? undefined : lineOf(yaml, error.path);
    if (line === undefined) throw error;
    throw new AnalysisError(error.kind, `${error.message} (line ${line})`, {
      path: error.path,
      cause: error,
    });
  }
}

function tryYaml(source: string): ParsedText["yaml"] {
  try {
    return readYaml(source).yaml;
  } catch {
    return undefined;
  }
}
