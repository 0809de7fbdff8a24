// Which columns and segments a monitor evaluates, resolved against what a bucket's profiles actually contain.
// Pure functions: the scheduler passes in the columns and segment keys it found, so the rules can be tested
// without a store and are applied identically by every server process.
import { tagsOfSegmentKey } from "../store/profiles.js";
import type { TargetSpec } from "./types.js";

/** What target resolution needs to know about one column of the evaluated profile. */
export interface ColumnInfo {
  readonly name: string;
  /** whylogs' inferred type: "integral" | "fractional" | "boolean" | "string" | "object" | "null". */
  readonly inferredType: string;
  /** A model output (see isOutputColumnName); everything else is an input. */
  readonly isOutput: boolean;
}

/** The groups a target entry can name, as `group:<name>`. */
export const TARGET_GROUPS = ["group:inputs", "group:outputs", "group:numeric", "group:categorical"] as const;
export type TargetGroup = (typeof TARGET_GROUPS)[number];

/**
 * Whether a column is a model output: one of the prediction / score / target columns of the profile's
 * performance spec, or a name containing "output" in any case, the convention WhyLabs uses so that profiles
 * logged without a performance spec still separate inputs from outputs.
 */
export function isOutputColumnName(name: string, outputs: ReadonlySet<string>): boolean {
  return outputs.has(name) || name.toLowerCase().includes("output");
}

const NUMERIC_TYPES: ReadonlySet<string> = new Set(["integral", "fractional"]);
// "object" is whylogs' type for a column of mixed or other values: treated as categorical since no numeric
// distribution can be assumed for it. Integral columns stay numeric even when they are codes; a monitor that
// wants them as categories names them explicitly.
const CATEGORICAL_TYPES: ReadonlySet<string> = new Set(["string", "boolean", "object"]);

function groupMatches(group: TargetGroup, column: ColumnInfo): boolean {
  switch (group) {
    case "group:inputs":
      return !column.isOutput;
    case "group:outputs":
      return column.isOutput;
    case "group:numeric":
      return NUMERIC_TYPES.has(column.inferredType);
    case "group:categorical":
      return CATEGORICAL_TYPES.has(column.inferredType);
  }
}

/**
 * An anchored matcher for a wildcard: `*` is any run of characters (including none), every other character is
 * literal, regular-expression metacharacters included (`a.b*` matches `a.bc`, never `axb`).
 */
function wildcardRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[\\^$.|?+()[\]{}*]/g, "\\$&"))
    .join("[\\s\\S]*");
  return new RegExp(`^${body}$`, "u");
}

type Matcher = (column: ColumnInfo) => boolean;

function matcherOf(entry: string): Matcher {
  if ((TARGET_GROUPS as readonly string[]).includes(entry)) {
    const group = entry as TargetGroup;
    return (c) => groupMatches(group, c);
  }
  if (entry.includes("*")) {
    const re = wildcardRegExp(entry);
    return (c) => re.test(c.name);
  }
  return (c) => c.name === entry;
}

/**
 * The columns a target spec selects: those matched by some `include` entry and by no `exclude` entry, in the
 * order of `columns`, each once. Entries are exact names, wildcards or groups; an exact name absent from the
 * profile selects nothing (columns come and go between buckets; schema_change monitors report that).
 */
export function resolveTargets(spec: TargetSpec, columns: readonly ColumnInfo[]): string[] {
  const include = spec.include.map(matcherOf);
  const exclude = spec.exclude.map(matcherOf);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const column of columns) {
    if (seen.has(column.name)) continue;
    if (include.some((m) => m(column)) && !exclude.some((m) => m(column))) {
      seen.add(column.name);
      out.push(column.name);
    }
  }
  return out;
}

/** One `key=value` of a segment selector; a null value is the wildcard `*` (any value of that key). */
export interface SelectorTag {
  readonly key: string;
  readonly value: string | null;
}

export type SegmentSelectorParse =
  | { readonly ok: true; readonly kind: "overall" | "all"; readonly tags: readonly SelectorTag[] }
  | { readonly ok: true; readonly kind: "tags"; readonly tags: readonly SelectorTag[] }
  | { readonly ok: false; readonly problem: string };

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * Parses a segment selector: "" (the whole dataset), "*" (the whole dataset and every segment) or
 * `key=value(&key=value)*`, keys and values percent-decoded, a value of exactly `*` meaning any value (a literal
 * asterisk is written `%2A`). Tags come back sorted by key, as segment keys are.
 */
export function parseSegmentSelector(selector: string): SegmentSelectorParse {
  if (selector === "") return { ok: true, kind: "overall", tags: [] };
  if (selector === "*") return { ok: true, kind: "all", tags: [] };
  const tags: SelectorTag[] = [];
  const keys = new Set<string>();
  for (const part of selector.split("&")) {
    const eq = part.indexOf("=");
    if (part === "" || eq < 0) {
      return {
        ok: false,
        problem: `must be "", "*" or key=value pairs joined by "&" (a value may be "*"), got ${JSON.stringify(selector)}`,
      };
    }
    const rawKey = part.slice(0, eq);
    const rawValue = part.slice(eq + 1);
    if (rawKey === "") return { ok: false, problem: `has an empty key in ${JSON.stringify(part)}` };
    if (rawValue === "") {
      return {
        ok: false,
        problem: `has an empty value for key ${JSON.stringify(rawKey)}; use "*" for any value`,
      };
    }
    const key = decode(rawKey);
    const value = rawValue === "*" ? null : decode(rawValue);
    if (key === undefined || value === undefined) {
      return {
        ok: false,
        problem: `has a malformed %-escape in ${JSON.stringify(part)}; encode keys and values with encodeURIComponent`,
      };
    }
    if (keys.has(key)) return { ok: false, problem: `names the key ${JSON.stringify(key)} more than once` };
    keys.add(key);
    tags.push({ key, value });
  }
  tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ok: true, kind: "tags", tags };
}

/**
 * The canonical text of parsed selector tags: encoded as segment keys are (encodeURIComponent, sorted by key),
 * the wildcard as `*` and a literal value "*" as `%2A` so that the two stay distinct.
 */
export function formatSegmentSelector(tags: readonly SelectorTag[]): string {
  return tags
    .map(
      (t) =>
        `${encodeURIComponent(t.key)}=${t.value === null ? "*" : t.value === "*" ? "%2A" : encodeURIComponent(t.value)}`,
    )
    .join("&");
}

/**
 * The segment keys a monitor's selectors cover among `known` (the segment keys present for the project, ""
 * excluded): "" is the whole dataset; "*" the whole dataset plus every known segment; a selector with tags matches
 * the known segments with exactly its keys, equal on the fixed values and anything on `*` values. A project
 * segmented both by region and by region × model thus gets one evaluation per region from `region=*`, not also one
 * per region × model: the granularity is what the selector names. Sorted, without duplicates.
 * @throws Error on a selector parseSegmentSelector rejects (validated monitors never hold one).
 */
export function resolveSegments(selectors: readonly string[], known: readonly string[]): string[] {
  const segments = known
    .filter((k) => k !== "")
    .map((key) => ({ key, tags: new Map(tagsOfSegmentKey(key).map((t) => [t.key, t.value])) }));
  const out = new Set<string>();
  for (const selector of selectors) {
    const parsed = parseSegmentSelector(selector);
    if (!parsed.ok) throw new Error(`segment selector ${JSON.stringify(selector)} ${parsed.problem}`);
    if (parsed.kind === "overall") {
      out.add("");
      continue;
    }
    if (parsed.kind === "all") {
      out.add("");
      for (const s of segments) out.add(s.key);
      continue;
    }
    for (const s of segments) {
      if (s.tags.size !== parsed.tags.length) continue;
      const matches = parsed.tags.every(
        (t) => s.tags.has(t.key) && (t.value === null || s.tags.get(t.key) === t.value),
      );
      if (matches) out.add(s.key);
    }
  }
  return [...out].sort();
}
