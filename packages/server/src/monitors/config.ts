// Validation of monitor documents (JSON or YAML) into MonitorConfig, the project's monitor scheduling settings,
// and the monitors every project starts with. Validation collects every problem with a JSON pointer to it, so one
// round trip through the API (or the UI's editor) fixes them all; unknown properties are errors because a
// misspelled optional field would otherwise silently fall back to its default and monitor something else.
import { DRIFT_METHODS, isPValueMethod } from "@sightglass/analysis";
import type { DriftMethod } from "@sightglass/analysis";
import { parseDocument } from "yaml";
import { ApiError } from "../errors.js";
import { TARGET_GROUPS, formatSegmentSelector, parseSegmentSelector } from "./targets.js";
import {
  COLUMN_METRICS,
  DATASET_ANALYZERS,
  DATASET_METRICS,
  MONITOR_QUALITY_CHECKS,
  MONITOR_SEVERITIES,
  PERFORMANCE_METRICS,
} from "./types.js";
import type {
  AnalyzerConfig,
  AnalyzerType,
  BaselineSpec,
  ConfigIssue,
  MonitorConfig,
  MonitorQualityCheck,
  MonitorSeverity,
  MonitorSettings,
  NotifyMode,
  NotifySpec,
  PerformanceMetricName,
  SegmentSelector,
  TargetSpec,
} from "./types.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export const MONITOR_NAME_MAX = 100;
export const MONITOR_DESCRIPTION_MAX = 2000;
export const TRAILING_BUCKETS_MAX = 365;

export const ANALYZER_TYPES: readonly AnalyzerType[] = [
  "drift",
  "fixed",
  "stddev",
  "percent_change",
  "missing_data",
  "schema_change",
  "data_quality",
  "performance_drop",
  "estimated_performance_drop",
];

/** The properties each analyzer type accepts, `type` included. */
const ANALYZER_FIELDS: Readonly<Record<AnalyzerType, readonly string[]>> = {
  drift: ["type", "method", "threshold", "minCount"],
  fixed: ["type", "metric", "lower", "upper"],
  stddev: ["type", "metric", "factor", "minBuckets", "direction"],
  percent_change: ["type", "metric", "percent", "direction"],
  missing_data: ["type", "minRows"],
  schema_change: ["type", "added", "removed", "typeChanged"],
  data_quality: ["type", "checks", "missingIncrease", "significance"],
  performance_drop: ["type", "metric", "maxDrop", "minLabeled", "confidence"],
  estimated_performance_drop: ["type", "metric", "maxDrop", "confidence"],
};

const MONITOR_FIELDS = [
  "name",
  "description",
  "enabled",
  "analyzer",
  "targets",
  "segments",
  "baseline",
  "severity",
  "notify",
] as const;

const BASELINE_TYPES = ["trailing", "reference", "range"] as const;
const BASELINE_FIELDS: Readonly<Record<BaselineSpec["type"], readonly string[]>> = {
  trailing: ["type", "buckets"],
  reference: ["type", "name"],
  range: ["type", "start", "end"],
};
const DIRECTIONS = ["both", "up", "down"] as const;
const NOTIFY_MODES: readonly NotifyMode[] = ["immediate", "digest-hourly", "digest-daily"];
const DRIFT_METHOD_NAMES: readonly (DriftMethod | "auto")[] = ["auto", ...DRIFT_METHODS];
/** Distances with a maximum of 1 (a larger threshold could never be reached). */
const UNIT_DISTANCES: ReadonlySet<DriftMethod> = new Set(["hellinger", "jensen_shannon", "linf"]);
const DATASET_METRIC_SET: ReadonlySet<string> = new Set(DATASET_METRICS);
const KNOWN_METRICS: readonly string[] = [...COLUMN_METRICS, ...DATASET_METRICS];
/** A whylogs summary key: `counts/n`, `distribution/q_90`, `types/string`, `cardinality/est`. */
const SUMMARY_KEY = /^[a-z_]+(\/[a-z0-9_]+)+$/;

// Functions, so that no two configs share (and could be mutated through) one default object.
const defaultTargets = (): TargetSpec => ({ include: ["group:inputs"], exclude: [] });
const defaultBaseline = (): BaselineSpec => ({ type: "trailing", buckets: 7 });
const DEFAULT_CHECKS: readonly MonitorQualityCheck[] = ["missing_values", "type_mismatch"];

// ---------------------------------------------------------------------------------------------------------------
// Issue collection and value description

type Json = Record<string, unknown>;

function pointer(base: string, token: string | number): string {
  return `${base}/${String(token).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

/** A value as a message shows it: short scalars literally, containers by kind. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return quote(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : `${value} (not finite)`;
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return typeof value;
}

function list(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions): `lwoer` is 1 from `lower`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The allowed value closest to `value` (case-insensitively) when it is at most 2 edits away; failing that, the one
 * allowed value it abbreviates (`warn` for "warning", `crit` for "critical").
 */
function closest(value: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  const v = value.toLowerCase();
  for (const candidate of allowed) {
    // Lengths differing by more than 2 need more than 2 edits (and a huge stray key must not cost a huge table).
    if (Math.abs(candidate.length - v.length) > 2) continue;
    const distance = editDistance(v, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined || v.length < 3) return best;
  const extensions = allowed.filter((candidate) => candidate.toLowerCase().startsWith(v));
  return extensions.length === 1 ? extensions[0] : undefined;
}

function suggestion(value: string, allowed: readonly string[]): string {
  const near = closest(value, allowed);
  return near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`;
}

/** At most this many issues are listed; a document with thousands of stray keys must not make a huge error. */
const MAX_LISTED_ISSUES = 100;

class Issues {
  readonly list: ConfigIssue[] = [];
  count = 0;

  add(path: string, message: string): void {
    this.count++;
    if (this.list.length < MAX_LISTED_ISSUES) this.list.push({ path, message });
  }

  throw(what: string): never {
    const first = this.list[0]!;
    const n = this.count;
    const listed = n > this.list.length ? `the first ${this.list.length} are listed` : "see issues";
    const more = n > 1 ? ` (and ${n - 1} more; ${listed})` : "";
    throw new ApiError(
      "bad-request",
      `${n} problem${n === 1 ? "" : "s"} in the ${what}: ` +
        `${first.path === "" ? `the ${what}` : first.path} ${first.message}${more}`,
      { issues: [...this.list], field: first.path },
    );
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function has(o: Json, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function field(o: Json, key: string): unknown {
  return has(o, key) ? o[key] : undefined;
}

/** Reports every property of `o` outside `allowed`, suggesting the allowed name a typo was probably meant as. */
function checkProperties(
  o: Json,
  path: string,
  allowed: readonly string[],
  issues: Issues,
  where: string,
): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      issues.add(
        pointer(path, key),
        `is not a property of ${where}${suggestion(key, allowed)}; allowed: ${list(allowed)}`,
      );
    }
  }
}

function expectObject(value: unknown, path: string, issues: Issues, what: string): Json | undefined {
  if (isObject(value)) return value;
  issues.add(path, `must be ${what}, got ${describe(value)}`);
  return undefined;
}

function readEnum<T extends string>(
  o: Json,
  key: string,
  path: string,
  allowed: readonly T[],
  fallback: T | undefined,
  issues: Issues,
): T | undefined {
  const p = pointer(path, key);
  if (!has(o, key)) {
    if (fallback === undefined) issues.add(p, `is required: one of ${list(allowed)}`);
    return fallback;
  }
  const value = o[key];
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  const hint = typeof value === "string" ? suggestion(value, allowed) : "";
  issues.add(p, `must be one of ${list(allowed)}, got ${describe(value)}${hint}`);
  return undefined;
}

function readBoolean(
  o: Json,
  key: string,
  path: string,
  fallback: boolean,
  issues: Issues,
): boolean | undefined {
  if (!has(o, key)) return fallback;
  const value = o[key];
  if (typeof value === "boolean") return value;
  issues.add(pointer(path, key), `must be true or false, got ${describe(value)}`);
  return undefined;
}

interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly minOpen?: boolean;
  readonly max?: number;
  readonly maxOpen?: boolean;
}

function ruleText(rule: NumberRule): string {
  const kind = rule.integer === true ? "an integer" : "a number";
  const { min, max } = rule;
  if (min !== undefined && max !== undefined) {
    if (rule.integer === true) return `${kind} from ${min} to ${max}`;
    return `${kind} in ${rule.minOpen === true ? "(" : "["}${min}, ${max}${rule.maxOpen === true ? ")" : "]"}`;
  }
  if (min !== undefined) return `${kind} ${rule.minOpen === true ? ">" : "≥"} ${min}`;
  if (max !== undefined) return `${kind} ${rule.maxOpen === true ? "<" : "≤"} ${max}`;
  return rule.integer === true ? "an integer" : "a finite number";
}

function satisfies(value: unknown, rule: NumberRule): value is number {
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (rule.integer === true && !Number.isSafeInteger(value)) return false;
  if (rule.min !== undefined && (rule.minOpen === true ? value <= rule.min : value < rule.min)) return false;
  if (rule.max !== undefined && (rule.maxOpen === true ? value >= rule.max : value > rule.max)) return false;
  return true;
}

/** A number field; `fallback` undefined makes it required, null allows (and defaults to) null. */
function readNumber(
  o: Json,
  key: string,
  path: string,
  rule: NumberRule,
  fallback: number | null | undefined,
  issues: Issues,
  why = "",
): number | null | undefined {
  const p = pointer(path, key);
  if (!has(o, key)) {
    if (fallback === undefined) issues.add(p, `is required: ${ruleText(rule)}${why}`);
    return fallback;
  }
  const value = o[key];
  if (value === null && fallback === null) return null;
  if (satisfies(value, rule)) return value;
  const orNull = fallback === null ? " or null" : "";
  issues.add(p, `must be ${ruleText(rule)}${orNull}${why}, got ${describe(value)}`);
  return undefined;
}

/** readNumber for fields that cannot be null. */
function readCount(
  o: Json,
  key: string,
  path: string,
  rule: NumberRule,
  fallback: number | undefined,
  issues: Issues,
  why = "",
): number | undefined {
  const value = readNumber(o, key, path, rule, fallback, issues, why);
  return value === null ? undefined : value;
}

function hasControlCharacters(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return /[\u0000-\u001f\u007f]/.test(s);
}

// ---------------------------------------------------------------------------------------------------------------
// The monitor document

function readMetric(o: Json, path: string, issues: Issues): string | undefined {
  const p = pointer(path, "metric");
  if (!has(o, "metric")) {
    issues.add(p, `is required: a metric such as "null_ratio", "mean", "row_count" or a whylogs summary key`);
    return undefined;
  }
  const value = o["metric"];
  if (typeof value === "string" && (KNOWN_METRICS.includes(value) || SUMMARY_KEY.test(value))) return value;
  const hint = typeof value === "string" ? suggestion(value, KNOWN_METRICS) : "";
  issues.add(
    p,
    `must be one of ${list(COLUMN_METRICS)} (per column), ${list(DATASET_METRICS)} (per dataset), or a ` +
      `whylogs summary key such as "counts/n" or "distribution/q_90", got ${describe(value)}${hint}`,
  );
  return undefined;
}

function readAnalyzer(input: unknown, issues: Issues): AnalyzerConfig | undefined {
  const path = "/analyzer";
  const o = expectObject(input, path, issues, `an object with a "type" (one of ${list(ANALYZER_TYPES)})`);
  if (o === undefined) return undefined;
  const type = readEnum(o, "type", path, ANALYZER_TYPES, undefined, issues);
  if (type === undefined) return undefined;
  const before = issues.count;
  checkProperties(o, path, ANALYZER_FIELDS[type], issues, `a ${type} analyzer`);
  const num = (key: string, rule: NumberRule, fallback: number | undefined, why = "") =>
    readCount(o, key, path, rule, fallback, issues, why);
  const direction = () => readEnum(o, "direction", path, DIRECTIONS, "both", issues);
  const performanceMetric = () =>
    readEnum<PerformanceMetricName>(o, "metric", path, PERFORMANCE_METRICS, "accuracy", issues);
  let analyzer: AnalyzerConfig | undefined;
  switch (type) {
    case "drift": {
      const method = readEnum(o, "method", path, DRIFT_METHOD_NAMES, "auto", issues);
      const threshold = readDriftThreshold(o, path, method, issues);
      const minCount = num("minCount", { integer: true, min: 1 }, 1);
      if (method !== undefined && minCount !== undefined && threshold !== undefined)
        analyzer = { type, method, threshold, minCount };
      break;
    }
    case "fixed": {
      const metric = readMetric(o, path, issues);
      const lower = readNumber(o, "lower", path, {}, null, issues);
      const upper = readNumber(o, "upper", path, {}, null, issues);
      if (lower === null && upper === null) {
        issues.add(
          path,
          `needs a "lower" or an "upper" bound (or both); a fixed analyzer without either never alarms`,
        );
      } else if (typeof lower === "number" && typeof upper === "number" && lower > upper) {
        issues.add(pointer(path, "lower"), `must be ≤ upper (${upper}), got ${lower}`);
      }
      if (
        metric !== undefined &&
        lower !== undefined &&
        upper !== undefined &&
        (lower !== null || upper !== null)
      )
        analyzer = { type, metric, lower, upper };
      break;
    }
    case "stddev": {
      const metric = readMetric(o, path, issues);
      const factor = num("factor", { min: 0, minOpen: true }, 3);
      const minBuckets = num("minBuckets", { integer: true, min: 2 }, 3, " (one bucket has no spread)");
      const dir = direction();
      if (metric !== undefined && factor !== undefined && minBuckets !== undefined && dir !== undefined)
        analyzer = { type, metric, factor, minBuckets, direction: dir };
      break;
    }
    case "percent_change": {
      const metric = readMetric(o, path, issues);
      const percent = num("percent", { min: 0, minOpen: true }, undefined, " (e.g. 20 for ±20 %)");
      const dir = direction();
      if (metric !== undefined && percent !== undefined && dir !== undefined)
        analyzer = { type, metric, percent, direction: dir };
      break;
    }
    case "missing_data": {
      const minRows = num("minRows", { integer: true, min: 1 }, 1);
      if (minRows !== undefined) analyzer = { type, minRows };
      break;
    }
    case "schema_change": {
      const added = readBoolean(o, "added", path, true, issues);
      const removed = readBoolean(o, "removed", path, true, issues);
      const typeChanged = readBoolean(o, "typeChanged", path, true, issues);
      if (added === false && removed === false && typeChanged === false) {
        issues.add(path, `turns off "added", "removed" and "typeChanged": at least one must be true`);
      } else if (added !== undefined && removed !== undefined && typeChanged !== undefined) {
        analyzer = { type, added, removed, typeChanged };
      }
      break;
    }
    case "data_quality": {
      const checks = readChecks(o, path, issues);
      const missingIncrease = num("missingIncrease", { min: 0, minOpen: true, max: 1 }, 0.05);
      const significance = num("significance", { min: 0, minOpen: true, max: 1, maxOpen: true }, 0.001);
      if (checks !== undefined && missingIncrease !== undefined && significance !== undefined)
        analyzer = { type, checks, missingIncrease, significance };
      break;
    }
    case "performance_drop": {
      const metric = performanceMetric();
      const maxDrop = num("maxDrop", { min: 0, minOpen: true, max: 1 }, 0.05);
      const minLabeled = num("minLabeled", { integer: true, min: 1 }, 30);
      const confidence = num("confidence", { min: 0, minOpen: true, max: 1, maxOpen: true }, 0.95);
      if (
        metric !== undefined &&
        maxDrop !== undefined &&
        minLabeled !== undefined &&
        confidence !== undefined
      )
        analyzer = { type, metric, maxDrop, minLabeled, confidence };
      break;
    }
    case "estimated_performance_drop": {
      const metric = performanceMetric();
      const maxDrop = num("maxDrop", { min: 0, minOpen: true, max: 1 }, 0.05);
      const confidence = num("confidence", { min: 0, minOpen: true, max: 1, maxOpen: true }, 0.95);
      if (metric !== undefined && maxDrop !== undefined && confidence !== undefined)
        analyzer = { type, metric, maxDrop, confidence };
      break;
    }
  }
  return issues.count === before ? analyzer : undefined;
}

function readDriftThreshold(
  o: Json,
  path: string,
  method: DriftMethod | "auto" | undefined,
  issues: Issues,
): number | null | undefined {
  const p = pointer(path, "threshold");
  if (!has(o, "threshold") || o["threshold"] === null) return null;
  const value = o["threshold"];
  if (method === undefined) return undefined;
  if (method === "auto") {
    // Auto picks p-value tests (KS, chi-square) for all but very large samples; a threshold then is their
    // p-value threshold, and the distances auto picks for large samples keep their own defaults.
    const rule: NumberRule = { min: 0, minOpen: true, max: 1, maxOpen: true };
    if (satisfies(value, rule)) return value;
    issues.add(
      p,
      `must be ${ruleText(rule)} or null with method "auto": the p-value below which the tests auto picks ` +
        `(ks, chi_square) report drift; got ${describe(value)}`,
    );
    return undefined;
  }
  const rule: NumberRule = isPValueMethod(method)
    ? { min: 0, minOpen: true, max: 1, maxOpen: true }
    : UNIT_DISTANCES.has(method)
      ? { min: 0, minOpen: true, max: 1 }
      : { min: 0, minOpen: true };
  if (satisfies(value, rule)) return value;
  const meaning = isPValueMethod(method)
    ? `a p-value below which ${method} reports drift`
    : `the ${method} distance at or above which a column drifts`;
  // 0 is excluded for distances: the favourable end of a score's bound is never below 0, so every column
  // would alarm on every bucket.
  issues.add(
    p,
    `must be ${ruleText(rule)} or null (the method's default) for ${meaning}, got ${describe(value)}`,
  );
  return undefined;
}

function readChecks(o: Json, path: string, issues: Issues): MonitorQualityCheck[] | undefined {
  const p = pointer(path, "checks");
  if (!has(o, "checks")) return [...DEFAULT_CHECKS];
  const value = o["checks"];
  if (!Array.isArray(value) || value.length === 0) {
    issues.add(
      p,
      `must be a non-empty array of checks from ${list(MONITOR_QUALITY_CHECKS)}, got ${describe(value)}`,
    );
    return undefined;
  }
  const checks: MonitorQualityCheck[] = [];
  let ok = true;
  value.forEach((item: unknown, i) => {
    const ip = pointer(p, i);
    if (typeof item !== "string" || !(MONITOR_QUALITY_CHECKS as readonly string[]).includes(item)) {
      const hint = typeof item === "string" ? suggestion(item, MONITOR_QUALITY_CHECKS) : "";
      issues.add(ip, `must be one of ${list(MONITOR_QUALITY_CHECKS)}, got ${describe(item)}${hint}`);
      ok = false;
    } else if (checks.includes(item as MonitorQualityCheck)) {
      issues.add(ip, `repeats the check ${JSON.stringify(item)}`);
      ok = false;
    } else {
      checks.push(item as MonitorQualityCheck);
    }
  });
  return ok ? checks : undefined;
}

/** `single`: the value was a lone string (the include shorthand), so problems point at `path` itself. */
function readTargetEntries(
  value: unknown,
  path: string,
  issues: Issues,
  allowEmpty: boolean,
  single = false,
): string[] | undefined {
  if (!Array.isArray(value)) {
    issues.add(path, `must be an array of column names, wildcards or groups, got ${describe(value)}`);
    return undefined;
  }
  if (value.length === 0 && !allowEmpty) {
    issues.add(
      path,
      `must list at least one column name, wildcard (e.g. "income_*") or group (e.g. "group:inputs")`,
    );
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  value.forEach((entry: unknown, i) => {
    const p = single ? path : pointer(path, i);
    if (typeof entry !== "string" || entry === "") {
      issues.add(
        p,
        `must be a non-empty string (a column name, a wildcard or a group), got ${describe(entry)}`,
      );
      ok = false;
    } else if (entry.startsWith("group:") && !(TARGET_GROUPS as readonly string[]).includes(entry)) {
      issues.add(
        p,
        `must be one of the groups ${list(TARGET_GROUPS)}, got ${describe(entry)}${suggestion(entry, TARGET_GROUPS)}`,
      );
      ok = false;
    } else if (!out.includes(entry)) {
      // Repeats are harmless (overlapping wildcards select a column once anyway), so they are merged.
      out.push(entry);
    }
  });
  return ok ? out : undefined;
}

function readTargets(input: unknown, issues: Issues): TargetSpec | undefined {
  const path = "/targets";
  if (input === undefined) return defaultTargets();
  // Shorthands: a string or an array of strings is `include`.
  if (typeof input === "string") {
    const include = readTargetEntries([input], path, issues, false, true);
    return include === undefined ? undefined : { include, exclude: [] };
  }
  if (Array.isArray(input)) {
    const include = readTargetEntries(input, path, issues, false);
    return include === undefined ? undefined : { include, exclude: [] };
  }
  const o = expectObject(
    input,
    path,
    issues,
    `an object {include, exclude}, a column name or an array of them`,
  );
  if (o === undefined) return undefined;
  checkProperties(o, path, ["include", "exclude"], issues, "targets");
  const include = has(o, "include")
    ? readTargetEntries(o["include"], pointer(path, "include"), issues, false)
    : [...defaultTargets().include];
  const exclude = has(o, "exclude")
    ? readTargetEntries(o["exclude"], pointer(path, "exclude"), issues, true)
    : [];
  return include === undefined || exclude === undefined ? undefined : { include, exclude };
}

function readSegments(input: unknown, issues: Issues): SegmentSelector[] | undefined {
  const path = "/segments";
  if (input === undefined) return [""];
  const entries: unknown[] | undefined =
    typeof input === "string" ? [input] : Array.isArray(input) ? input : undefined;
  const single = typeof input === "string";
  if (entries === undefined || entries.length === 0) {
    issues.add(
      path,
      `must be a non-empty array of segment selectors ("" or "overall" for the whole dataset, "*" or "all" for ` +
        `it and every segment, "key=value&key2=value2", "key=*"), got ${describe(input)}`,
    );
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  entries.forEach((entry, i) => {
    const p = single ? path : pointer(path, i);
    if (typeof entry !== "string") {
      issues.add(p, `must be a segment selector string, got ${describe(entry)}`);
      ok = false;
      return;
    }
    const selector = entry === "overall" ? "" : entry === "all" ? "*" : entry;
    const parsed = parseSegmentSelector(selector);
    if (!parsed.ok) {
      issues.add(p, parsed.problem);
      ok = false;
      return;
    }
    const canonical =
      parsed.kind === "overall" ? "" : parsed.kind === "all" ? "*" : formatSegmentSelector(parsed.tags);
    if (!out.includes(canonical)) out.push(canonical);
  });
  return ok ? out : undefined;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** Epoch ms of an ISO 8601 date (UTC midnight) or date-time with a zone; undefined when malformed or impossible. */
function parseInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  // Date.UTC rolls 2024-02-30 over to March 1st; such dates are typos, not instants.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function readInstant(o: Json, key: string, path: string, issues: Issues): number | undefined {
  const p = pointer(path, key);
  if (!has(o, key)) {
    issues.add(p, `is required: epoch milliseconds or an ISO 8601 date-time such as "2024-05-01T00:00:00Z"`);
    return undefined;
  }
  const value = o[key];
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string") {
    const ms = parseInstant(value);
    if (ms !== undefined) return ms;
    if (/^\d{4}-\d{2}-\d{2}T[^Z+-]*$/.test(value)) {
      issues.add(
        p,
        `needs a time zone ("Z" or an offset like "+02:00") so that it names one instant, got ${describe(value)}`,
      );
      return undefined;
    }
  }
  issues.add(
    p,
    `must be epoch milliseconds (an integer ≥ 0) or an ISO 8601 date or date-time with a zone, such as ` +
      `"2024-05-01" or "2024-05-01T00:00:00Z", got ${describe(value)}`,
  );
  return undefined;
}

function readBaseline(input: unknown, issues: Issues): BaselineSpec | undefined {
  const path = "/baseline";
  if (input === undefined) return defaultBaseline();
  const o = expectObject(input, path, issues, `an object with a "type" (one of ${list(BASELINE_TYPES)})`);
  if (o === undefined) return undefined;
  const type = readEnum(o, "type", path, BASELINE_TYPES, undefined, issues);
  if (type === undefined) return undefined;
  const before = issues.count;
  checkProperties(o, path, BASELINE_FIELDS[type], issues, `a ${type} baseline`);
  let baseline: BaselineSpec | undefined;
  if (type === "trailing") {
    const buckets = readCount(
      o,
      "buckets",
      path,
      { integer: true, min: 1, max: TRAILING_BUCKETS_MAX },
      7,
      issues,
    );
    if (buckets !== undefined) baseline = { type, buckets };
  } else if (type === "reference") {
    const p = pointer(path, "name");
    const name = field(o, "name");
    if (!has(o, "name")) issues.add(p, `is required: the name of a reference profile of the project`);
    else if (typeof name !== "string" || name === "")
      issues.add(p, `must be the non-empty name of a reference profile, got ${describe(name)}`);
    else baseline = { type, name };
  } else {
    const start = readInstant(o, "start", path, issues);
    const end = readInstant(o, "end", path, issues);
    if (start !== undefined && end !== undefined) {
      if (start >= end) {
        issues.add(
          pointer(path, "end"),
          `must be after start (${new Date(start).toISOString()}), got ${new Date(end).toISOString()}`,
        );
      } else {
        baseline = { type, start, end };
      }
    }
  }
  return issues.count === before ? baseline : undefined;
}

function readNotify(input: unknown, issues: Issues): NotifySpec | undefined {
  const path = "/notify";
  if (input === undefined) return { channels: [], mode: "immediate" };
  const o = expectObject(input, path, issues, `an object {channels, mode}`);
  if (o === undefined) return undefined;
  checkProperties(o, path, ["channels", "mode"], issues, "notify");
  const mode = readEnum(o, "mode", path, NOTIFY_MODES, "immediate", issues);
  let channels: string[] | undefined = [];
  if (has(o, "channels")) {
    const p = pointer(path, "channels");
    const value = o["channels"];
    if (!Array.isArray(value)) {
      issues.add(p, `must be an array of channel ids, got ${describe(value)}`);
      channels = undefined;
    } else {
      value.forEach((id: unknown, i) => {
        if (typeof id !== "string" || id === "") {
          issues.add(pointer(p, i), `must be a non-empty channel id, got ${describe(id)}`);
          channels = undefined;
        } else if (channels !== undefined && channels.includes(id)) {
          issues.add(pointer(p, i), `repeats the channel ${quote(id)}`);
          channels = undefined;
        } else {
          channels?.push(id);
        }
      });
    }
  }
  return mode === undefined || channels === undefined ? undefined : { channels, mode };
}

function readName(o: Json, issues: Issues): string | undefined {
  if (!has(o, "name")) {
    issues.add("/name", `is required: 1 to ${MONITOR_NAME_MAX} characters`);
    return undefined;
  }
  const value = o["name"];
  if (typeof value !== "string") {
    issues.add("/name", `must be a string of 1 to ${MONITOR_NAME_MAX} characters, got ${describe(value)}`);
    return undefined;
  }
  // Names are labels in lists and alerts: surrounding blanks only make two monitors look alike.
  const name = value.trim();
  const length = [...name].length;
  if (length === 0 || length > MONITOR_NAME_MAX) {
    issues.add("/name", `must have 1 to ${MONITOR_NAME_MAX} characters (blanks trimmed), got ${length}`);
    return undefined;
  }
  if (hasControlCharacters(name)) {
    issues.add("/name", `must not contain control characters (line breaks, tabs), got ${describe(name)}`);
    return undefined;
  }
  return name;
}

function readDescription(o: Json, issues: Issues): string | undefined {
  if (!has(o, "description")) return "";
  const value = o["description"];
  if (typeof value !== "string") {
    issues.add("/description", `must be a string, got ${describe(value)}`);
    return undefined;
  }
  if ([...value].length > MONITOR_DESCRIPTION_MAX) {
    issues.add(
      "/description",
      `must have at most ${MONITOR_DESCRIPTION_MAX} characters, got ${[...value].length}`,
    );
    return undefined;
  }
  return value;
}

function isDatasetLevel(analyzer: AnalyzerConfig): boolean {
  if (DATASET_ANALYZERS.includes(analyzer.type)) return true;
  return "metric" in analyzer && DATASET_METRIC_SET.has(analyzer.metric);
}

/**
 * Validates a monitor document (parsed JSON or YAML) and fills in every default: the canonical MonitorConfig.
 * Dataset-level analyzers (and the dataset metrics row_count / column_count) keep the default targets whatever
 * the document says, and missing_data keeps the default baseline: those fields are validated but do not apply.
 * @throws ApiError `bad-request` listing every problem in `details.issues` (JSON pointers), the first in
 *   `details.field`.
 */
export function parseMonitorConfig(input: unknown): MonitorConfig {
  // Typed explicitly: TypeScript narrows after a never-returning method call only on such a receiver.
  const issues: Issues = new Issues();
  const o = expectObject(input, "", issues, "a monitor object with at least a name and an analyzer");
  if (o === undefined) issues.throw("monitor");
  checkProperties(o, "", MONITOR_FIELDS, issues, "a monitor");
  const name = readName(o, issues);
  const description = readDescription(o, issues);
  const enabled = readBoolean(o, "enabled", "", true, issues);
  let analyzer: AnalyzerConfig | undefined;
  if (!has(o, "analyzer"))
    issues.add("/analyzer", `is required: an object with a "type" (one of ${list(ANALYZER_TYPES)})`);
  else analyzer = readAnalyzer(o["analyzer"], issues);
  const targets = readTargets(field(o, "targets"), issues);
  const segments = readSegments(field(o, "segments"), issues);
  const baseline = readBaseline(field(o, "baseline"), issues);
  const severity = readEnum<MonitorSeverity>(o, "severity", "", MONITOR_SEVERITIES, "warning", issues);
  const notify = readNotify(field(o, "notify"), issues);

  if (analyzer?.type === "stddev" && baseline !== undefined) {
    if (baseline.type === "reference") {
      issues.add(
        "/baseline/type",
        `must be "trailing" or "range" for a stddev analyzer, got "reference": a reference is one profile, ` +
          `which has no spread across buckets to compute a standard deviation from`,
      );
    } else if (baseline.type === "trailing" && baseline.buckets < analyzer.minBuckets) {
      issues.add(
        "/baseline/buckets",
        `must be ≥ the analyzer's minBuckets (${analyzer.minBuckets}), got ${baseline.buckets}: with fewer ` +
          `baseline buckets the monitor could never alarm`,
      );
    }
  }
  if (issues.count > 0) issues.throw("monitor");

  const a = analyzer!;
  return {
    name: name!,
    description: description!,
    enabled: enabled!,
    analyzer: a,
    targets: isDatasetLevel(a) ? defaultTargets() : targets!,
    segments: segments!,
    baseline: a.type === "missing_data" ? defaultBaseline() : baseline!,
    severity: severity!,
    notify: notify!,
  };
}

/** The canonical JSON document of a validated monitor: what the API returns and stores. */
export function monitorConfigToDocument(config: MonitorConfig): Record<string, unknown> {
  // A deep copy through JSON so callers can serialize or mutate it without touching shared defaults.
  return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
}

const YAML_TYPES: ReadonlySet<string> = new Set(["application/yaml", "application/x-yaml", "text/yaml"]);

/**
 * The monitor document of an API request body: parsed JSON passes through; a string (or bytes) sent as YAML
 * (application/yaml, application/x-yaml, text/yaml) is parsed as YAML 1.2 (core schema: `yes` stays a string,
 * no custom tags, duplicate keys rejected). The result still goes through parseMonitorConfig.
 * @throws ApiError `bad-request` on a YAML syntax error (line and column in the message and details) or a text
 *   body of another content type.
 */
export function parseMonitorBody(body: unknown, contentType: string | undefined): unknown {
  const isText = typeof body === "string" || body instanceof Uint8Array;
  if (!isText) return body;
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (!YAML_TYPES.has(mediaType)) {
    throw new ApiError(
      "bad-request",
      `a monitor is sent as application/json or application/yaml, got ${contentType === undefined ? "no content type" : JSON.stringify(contentType)}`,
      { field: "content-type" },
    );
  }
  const text = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: false }).decode(body);
  const doc = parseDocument(text, { version: "1.2", schema: "core", uniqueKeys: true, prettyErrors: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const where = error.linePos?.[0];
    const reason = error.message.split(" at line ")[0]!;
    const location = where === undefined ? "" : ` at line ${where.line}, column ${where.col}`;
    throw new ApiError("bad-request", `YAML syntax error${location}: ${reason}`, {
      field: "body",
      ...(where === undefined ? {} : { line: where.line, column: where.col }),
      code: error.code,
    });
  }
  // maxAliasCount bounds alias expansion ("billion laughs"); a document that exceeds it is rejected.
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new ApiError("bad-request", `YAML document rejected: ${(e as Error).message}`, { field: "body" });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Durations and project settings

const SHORT_UNITS: Readonly<Record<string, number>> = {
  w: WEEK,
  d: DAY,
  h: HOUR,
  m: MINUTE,
  s: SECOND,
  ms: 1,
};
const SHORT_DURATION = /^(?:\d+(?:w|d|h|ms|m|s))+$/;
const ISO_DURATION = /^P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?)$/;

function durationMs(value: unknown): number | string {
  const expected =
    `a duration: milliseconds (an integer ≥ 0), ISO 8601 such as "PT15M", "PT1H30M", "P1D", "P1W", or ` +
    `"30s", "15m", "1h", "2d"`;
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? value : `must be ${expected}, got ${describe(value)}`;
  }
  if (typeof value !== "string") return `must be ${expected}, got ${describe(value)}`;
  const text = value.trim();
  if (SHORT_DURATION.test(text)) {
    let total = 0;
    for (const m of text.matchAll(/(\d+)(w|d|h|ms|m|s)/g)) total += Number(m[1]) * SHORT_UNITS[m[2]!]!;
    if (Number.isSafeInteger(total)) return total;
  }
  const iso = ISO_DURATION.exec(text.toUpperCase());
  if (iso !== null && text.toUpperCase() !== "P" && !text.toUpperCase().endsWith("T")) {
    const [, w, d, h, mi, s] = iso;
    const total =
      Number(w ?? 0) * WEEK +
      Number(d ?? 0) * DAY +
      Number(h ?? 0) * HOUR +
      Number(mi ?? 0) * MINUTE +
      Math.round(Number(s ?? 0) * SECOND);
    if (Number.isSafeInteger(total)) return total;
  }
  if (/^P(?:\d+Y|\d+M|\d+Y\d+M)/i.test(text)) {
    return `must not use years or months (they have no fixed length); use days or weeks, got ${describe(value)}`;
  }
  return `must be ${expected}, got ${describe(value)}`;
}

/**
 * A duration in milliseconds from a non-negative integer (ms), an ISO 8601 duration of weeks, days, hours,
 * minutes and seconds ("PT15M", "PT1H30M", "P1D", "P1W"; no years or months, whose length varies), or the short
 * forms "30s", "15m", "1h", "2d", "1w", "500ms" (combinable: "1h30m").
 * @throws ApiError `bad-request` naming `path`.
 */
export function parseDuration(value: unknown, path: string): number {
  const ms = durationMs(value);
  if (typeof ms === "number") return ms;
  throw new ApiError("bad-request", `${path} ${ms}`, { field: path, issues: [{ path, message: ms }] });
}

function formatSpan(ms: number): string {
  const [n, unit] = ms % DAY === 0 ? [ms / DAY, "day"] : ms % HOUR === 0 ? [ms / HOUR, "hour"] : [ms, "ms"];
  return unit === "ms" ? `${n} ms` : `${n} ${unit}${n === 1 ? "" : "s"}`;
}

const SETTINGS_LIMITS: readonly { key: string; field: keyof MonitorSettings; max: number }[] = [
  { key: "readinessDelay", field: "readinessDelayMs", max: 7 * DAY },
  { key: "backfillHorizon", field: "backfillHorizonMs", max: 400 * DAY },
  { key: "settle", field: "settleMs", max: DAY },
];

/**
 * Applies a partial update of the project's monitor settings to `current`. Each of readinessDelay (≤ 7 days),
 * backfillHorizon (≤ 400 days) and settle (≤ 1 day) is a duration (parseDuration); the names with an `Ms` suffix
 * (as MonitorSettings spells them, so a document read from the API can be sent back) take milliseconds.
 * @throws ApiError `bad-request` listing every problem in `details.issues`.
 */
export function parseMonitorSettings(input: unknown, current: MonitorSettings): MonitorSettings {
  // Typed explicitly: TypeScript narrows after a never-returning method call only on such a receiver.
  const issues: Issues = new Issues();
  const o = expectObject(input, "", issues, "an object with readinessDelay, backfillHorizon and/or settle");
  if (o === undefined) issues.throw("monitor settings");
  const allowed = SETTINGS_LIMITS.flatMap((l) => [l.key, l.field]);
  checkProperties(o, "", allowed, issues, "the monitor settings");
  const next: Record<keyof MonitorSettings, number> = { ...current };
  for (const limit of SETTINGS_LIMITS) {
    if (has(o, limit.key) && has(o, limit.field)) {
      issues.add(pointer("", limit.field), `duplicates ${JSON.stringify(limit.key)}: send one of the two`);
      continue;
    }
    const key = has(o, limit.key) ? limit.key : has(o, limit.field) ? limit.field : undefined;
    if (key === undefined) continue;
    const path = pointer("", key);
    const value = o[key];
    const ms =
      key === limit.field && typeof value !== "number"
        ? `must be milliseconds, got ${describe(value)}`
        : durationMs(value);
    if (typeof ms === "string") issues.add(path, ms);
    else if (ms > limit.max)
      issues.add(path, `must be at most ${formatSpan(limit.max)}, got ${formatSpan(ms)}`);
    else next[limit.field] = ms;
  }
  if (issues.count > 0) issues.throw("monitor settings");
  return next;
}

/**
 * The settings of a new project. Readiness: hourly profiles usually arrive within minutes of the hour, daily and
 * weekly batch jobs later. Backfill horizons are WhyLabs' (30 days; 190 days for weekly data, so that half a year
 * of weekly buckets stays correctable). Settle: a minute batches an upload burst into one re-run.
 */
export function defaultMonitorSettings(frequency: "hour" | "day" | "week"): MonitorSettings {
  return {
    readinessDelayMs: frequency === "hour" ? 5 * MINUTE : 30 * MINUTE,
    backfillHorizonMs: frequency === "week" ? 190 * DAY : 30 * DAY,
    settleMs: 60 * SECOND,
  };
}

/** The monitors every new project starts with; each is a parsed document, hence valid by construction. */
export function defaultMonitors(): MonitorConfig[] {
  const trailing = { type: "trailing", buckets: 7 };
  return [
    {
      name: "Input drift",
      description: "Distribution drift of every input column against the previous 7 buckets.",
      // Every bucket is a new test: at p < 0.001 (after the correction across columns) an unchanged stream
      // raises a false alarm in at most 1 bucket in 1,000 (about once in six weeks for an hourly project),
      // while real shifts of a few hundred rows still reach p-values far below it.
      analyzer: { type: "drift", method: "auto", threshold: 0.001 },
      targets: { include: ["group:inputs"] },
      baseline: trailing,
      severity: "warning",
    },
    {
      name: "Missing data",
      description: "No profile arrived for a bucket that closed.",
      analyzer: { type: "missing_data" },
      severity: "error",
    },
    {
      name: "Null ratio",
      description:
        "The share of missing values of an input column rose significantly against the previous 7 buckets.",
      analyzer: { type: "data_quality", checks: ["missing_values"] },
      targets: { include: ["group:inputs"] },
      baseline: trailing,
    },
    {
      name: "Type mismatch",
      description: "Values of an input column no longer match the type it had in the previous 7 buckets.",
      analyzer: { type: "data_quality", checks: ["type_mismatch"] },
      targets: { include: ["group:inputs"] },
      baseline: trailing,
    },
  ].map((doc) => parseMonitorConfig(doc));
}

// ---------------------------------------------------------------------------------------------------------------
// JSON Schema of the document

const SELECTOR_PATTERN = "^(|\\*|overall|all|[^&=]+=[^&]+(&[^&=]+=[^&]+)*)$";

const metricSchema = {
  description:
    "A column metric, a dataset metric (row_count, column_count: evaluated per dataset, targets ignored) or a whylogs summary key.",
  anyOf: [{ enum: [...COLUMN_METRICS, ...DATASET_METRICS] }, { type: "string", pattern: SUMMARY_KEY.source }],
};
const directionSchema = { enum: [...DIRECTIONS], default: "both" };
const performanceMetricSchema = { enum: [...PERFORMANCE_METRICS], default: "accuracy" };
const targetEntrySchema = {
  type: "string",
  minLength: 1,
  description: "A column name, a wildcard (* = any run of characters) or a group.",
  if: { pattern: "^group:" },
  then: { enum: [...TARGET_GROUPS] },
};
const instantSchema = {
  anyOf: [
    { type: "integer", minimum: 0, description: "Epoch milliseconds." },
    {
      type: "string",
      pattern: ISO_INSTANT.source,
      description: "ISO 8601 date (UTC) or date-time with a zone.",
    },
  ],
};

function analyzerSchema(
  type: AnalyzerType,
  properties: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    type: "object",
    additionalProperties: false,
    required: [
      "type",
      ...(type === "fixed" || type === "stddev" || type === "percent_change" ? ["metric"] : []),
      ...(type === "percent_change" ? ["percent"] : []),
    ],
    properties: { type: { const: type }, ...properties },
    ...extra,
  };
}

/**
 * JSON Schema (draft 2020-12) of the monitor document as users write it, for editors and clients. It cannot state
 * every rule (lower ≤ upper, range start < end, selector keys unique): parseMonitorConfig is authoritative.
 */
export const MONITOR_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Sightglass monitor",
  description:
    "One analyzer applied to target columns × segments against a baseline, and who is told about anomalies. See docs/MONITORS.md.",
  type: "object",
  additionalProperties: false,
  required: ["name", "analyzer"],
  properties: {
    name: {
      type: "string",
      minLength: 1,
      maxLength: MONITOR_NAME_MAX,
      pattern: "^[^\\u0000-\\u001f\\u007f]*$",
    },
    description: { type: "string", maxLength: MONITOR_DESCRIPTION_MAX, default: "" },
    enabled: { type: "boolean", default: true },
    analyzer: { $ref: "#/$defs/analyzer" },
    targets: {
      description:
        "Columns evaluated; a string or an array is shorthand for include. Ignored by dataset-level analyzers.",
      default: defaultTargets(),
      anyOf: [
        targetEntrySchema,
        { type: "array", minItems: 1, items: targetEntrySchema },
        {
          type: "object",
          additionalProperties: false,
          properties: {
            include: { type: "array", minItems: 1, items: targetEntrySchema, default: ["group:inputs"] },
            exclude: { type: "array", items: targetEntrySchema, default: [] },
          },
        },
      ],
    },
    segments: {
      description:
        '"" / "overall": whole dataset; "*" / "all": it and every segment; "k=v&k2=v2"; "k=*" fans out.',
      default: [""],
      anyOf: [
        { type: "string", pattern: SELECTOR_PATTERN },
        { type: "array", minItems: 1, items: { type: "string", pattern: SELECTOR_PATTERN } },
      ],
    },
    baseline: { $ref: "#/$defs/baseline" },
    severity: { enum: [...MONITOR_SEVERITIES], default: "warning" },
    notify: {
      type: "object",
      additionalProperties: false,
      default: { channels: [], mode: "immediate" },
      properties: {
        channels: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 }, default: [] },
        mode: { enum: [...NOTIFY_MODES], default: "immediate" },
      },
    },
  },
  allOf: [
    {
      // A reference is a single profile: no spread for a standard deviation.
      if: {
        required: ["analyzer"],
        properties: { analyzer: { required: ["type"], properties: { type: { const: "stddev" } } } },
      },
      then: { properties: { baseline: { properties: { type: { enum: ["trailing", "range"] } } } } },
    },
  ],
  $defs: {
    analyzer: {
      type: "object",
      required: ["type"],
      properties: { type: { enum: [...ANALYZER_TYPES] } },
      oneOf: [
        analyzerSchema(
          "drift",
          {
            method: { enum: [...DRIFT_METHOD_NAMES], default: "auto" },
            threshold: { type: ["number", "null"], default: null },
            minCount: { type: "integer", minimum: 1, default: 1 },
          },
          {
            allOf: [
              {
                // A missing method is "auto": its threshold is the p-value tests' one.
                if: { properties: { method: { enum: ["auto", "ks", "chi_square"] } } },
                then: {
                  properties: {
                    threshold: { anyOf: [{ type: "null" }, { exclusiveMinimum: 0, exclusiveMaximum: 1 }] },
                  },
                },
              },
              {
                if: {
                  required: ["method"],
                  properties: { method: { enum: ["hellinger", "jensen_shannon", "linf"] } },
                },
                then: {
                  properties: {
                    threshold: { anyOf: [{ type: "null" }, { exclusiveMinimum: 0, maximum: 1 }] },
                  },
                },
              },
              {
                if: { required: ["method"], properties: { method: { enum: ["psi", "wasserstein"] } } },
                then: { properties: { threshold: { anyOf: [{ type: "null" }, { exclusiveMinimum: 0 }] } } },
              },
            ],
          },
        ),
        analyzerSchema(
          "fixed",
          {
            metric: metricSchema,
            lower: { type: ["number", "null"], default: null },
            upper: { type: ["number", "null"], default: null },
          },
          {
            anyOf: [
              { required: ["lower"], properties: { lower: { type: "number" } } },
              { required: ["upper"], properties: { upper: { type: "number" } } },
            ],
          },
        ),
        analyzerSchema("stddev", {
          metric: metricSchema,
          factor: { type: "number", exclusiveMinimum: 0, default: 3 },
          minBuckets: { type: "integer", minimum: 2, default: 3 },
          direction: directionSchema,
        }),
        analyzerSchema("percent_change", {
          metric: metricSchema,
          percent: { type: "number", exclusiveMinimum: 0 },
          direction: directionSchema,
        }),
        analyzerSchema("missing_data", { minRows: { type: "integer", minimum: 1, default: 1 } }),
        analyzerSchema(
          "schema_change",
          {
            added: { type: "boolean", default: true },
            removed: { type: "boolean", default: true },
            typeChanged: { type: "boolean", default: true },
          },
          {
            not: {
              required: ["added", "removed", "typeChanged"],
              properties: {
                added: { const: false },
                removed: { const: false },
                typeChanged: { const: false },
              },
            },
          },
        ),
        analyzerSchema("data_quality", {
          checks: {
            type: "array",
            minItems: 1,
            uniqueItems: true,
            items: { enum: [...MONITOR_QUALITY_CHECKS] },
            default: [...DEFAULT_CHECKS],
          },
          missingIncrease: { type: "number", exclusiveMinimum: 0, maximum: 1, default: 0.05 },
          significance: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.001 },
        }),
        analyzerSchema("performance_drop", {
          metric: performanceMetricSchema,
          maxDrop: { type: "number", exclusiveMinimum: 0, maximum: 1, default: 0.05 },
          minLabeled: { type: "integer", minimum: 1, default: 30 },
          confidence: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 },
        }),
        analyzerSchema("estimated_performance_drop", {
          metric: performanceMetricSchema,
          maxDrop: { type: "number", exclusiveMinimum: 0, maximum: 1, default: 0.05 },
          confidence: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 },
        }),
      ],
    },
    baseline: {
      type: "object",
      required: ["type"],
      default: defaultBaseline(),
      oneOf: [
        {
          additionalProperties: false,
          properties: {
            type: { const: "trailing" },
            buckets: { type: "integer", minimum: 1, maximum: TRAILING_BUCKETS_MAX, default: 7 },
          },
        },
        {
          additionalProperties: false,
          required: ["name"],
          properties: { type: { const: "reference" }, name: { type: "string", minLength: 1 } },
        },
        {
          additionalProperties: false,
          required: ["start", "end"],
          properties: { type: { const: "range" }, start: instantSchema, end: instantSchema },
        },
      ],
    },
  },
};
