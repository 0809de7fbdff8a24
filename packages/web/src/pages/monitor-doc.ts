// The monitor document (docs/MONITORS.md) as the editor handles it: the server's canonical shape, the form's
// flat string state, the conversions between them, client-side checks that point at the same JSON pointers as
// the server's 400 `issues`, and YAML/JSON text for the "Edit as YAML/JSON" mode.
import { ApiError, api } from "../api/client";
import type { Severity } from "../api/types";
import { fromLocalInput, toLocalInput } from "../lib/time";
import type * as YamlLibrary from "yaml";

export const ANALYZER_TYPES = [
  "drift",
  "fixed",
  "stddev",
  "percent_change",
  "missing_data",
  "schema_change",
  "data_quality",
  "performance_drop",
  "estimated_performance_drop",
] as const;
export type AnalyzerType = (typeof ANALYZER_TYPES)[number];

export const ANALYZER_LABELS: Record<AnalyzerType, string> = {
  drift: "Drift (distribution change)",
  fixed: "Fixed bounds",
  stddev: "Standard deviations from history",
  percent_change: "Percent change from baseline",
  missing_data: "Missing data",
  schema_change: "Schema change",
  data_quality: "Data quality checks",
  performance_drop: "Performance drop (labels)",
  estimated_performance_drop: "Estimated performance drop (no labels)",
};

export const DRIFT_METHODS = [
  "auto",
  "ks",
  "chi_square",
  "hellinger",
  "jensen_shannon",
  "psi",
  "wasserstein",
  "linf",
] as const;
export const DRIFT_DEFAULT_THRESHOLD: Record<(typeof DRIFT_METHODS)[number], string> = {
  auto: "p < 0.05",
  ks: "p < 0.05",
  chi_square: "p < 0.05",
  hellinger: "0.4",
  jensen_shannon: "0.1",
  psi: "0.25",
  wasserstein: "0.4",
  linf: "0.1",
};
export const COLUMN_METRICS = [
  "count",
  "null_count",
  "null_ratio",
  "mean",
  "stddev",
  "min",
  "max",
  "median",
  "q_05",
  "q_25",
  "q_75",
  "q_95",
  "distinct",
  "distinct_ratio",
] as const;
export const DATASET_METRICS = ["row_count", "column_count"] as const;
export const PERFORMANCE_METRICS = ["accuracy", "precision", "recall", "f1", "roc_auc"] as const;
export const QUALITY_CHECKS = [
  "missing_values",
  "type_mismatch",
  "new_category",
  "vanished_category",
  "out_of_range",
  "quantile_range",
  "cardinality_change",
  "constant_column",
] as const;
export const TARGET_GROUPS = ["group:inputs", "group:outputs", "group:numeric", "group:categorical"] as const;
export const SEVERITIES: readonly Severity[] = ["critical", "error", "warning", "info"];
export const NOTIFY_MODES = ["immediate", "digest-hourly", "digest-daily"] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];
export const DIRECTIONS = ["both", "up", "down"] as const;
export type Direction = (typeof DIRECTIONS)[number];
const DATASET_ANALYZERS: readonly AnalyzerType[] = [
  "missing_data",
  "schema_change",
  "performance_drop",
  "estimated_performance_drop",
];

export type AnalyzerConfig =
  | { type: "drift"; method: string; threshold: number | null; minCount: number }
  | { type: "fixed"; metric: string; lower: number | null; upper: number | null }
  | { type: "stddev"; metric: string; factor: number; minBuckets: number; direction: Direction }
  | { type: "percent_change"; metric: string; percent: number; direction: Direction }
  | { type: "missing_data"; minRows: number }
  | { type: "schema_change"; added: boolean; removed: boolean; typeChanged: boolean }
  | { type: "data_quality"; checks: string[]; missingIncrease: number; significance: number }
  | { type: "performance_drop"; metric: string; maxDrop: number; minLabeled: number; confidence: number }
  | { type: "estimated_performance_drop"; metric: string; maxDrop: number; confidence: number };

export type BaselineSpec =
  | { type: "trailing"; buckets: number }
  | { type: "reference"; name: string }
  | { type: "range"; start: number; end: number };

/** The canonical document the server stores and returns (every default filled in). */
export interface MonitorConfig {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly analyzer: AnalyzerConfig;
  readonly targets: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  readonly segments: readonly string[];
  readonly baseline: BaselineSpec;
  readonly severity: Severity;
  readonly notify: { readonly channels: readonly string[]; readonly mode: NotifyMode };
}

export interface MonitorRow {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly config: MonitorConfig;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string | null;
}

export interface MonitorVersion {
  readonly version: number;
  readonly config: MonitorConfig;
  readonly createdAt: number;
  readonly createdBy: string | null;
}

export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
}

/** One evaluation of POST …/monitors/preview. */
export interface PreviewEvaluation {
  readonly analyzer: string;
  readonly column: string | null;
  readonly segment: string;
  readonly bucketStart: number;
  readonly metric: string | null;
  readonly value: number | null;
  readonly valueLower: number | null;
  readonly valueUpper: number | null;
  readonly thresholdLower: number | null;
  readonly thresholdUpper: number | null;
  readonly baselineValue: number | null;
  readonly anomaly: boolean;
  readonly summary: string;
}

export interface PreviewResult {
  readonly buckets: number;
  readonly evaluated: number;
  readonly anomalies: number;
  readonly evaluations: readonly PreviewEvaluation[];
}

export interface Issue {
  readonly path: string;
  readonly message: string;
}

export function isDatasetLevel(type: AnalyzerType, metric: string): boolean {
  return DATASET_ANALYZERS.includes(type) || (DATASET_METRICS as readonly string[]).includes(metric);
}

export function usesMetric(type: AnalyzerType): boolean {
  return type === "fixed" || type === "stddev" || type === "percent_change";
}

// ---------------------------------------------------------------------------------------------------------------
// The form: every input's text, so half-typed numbers survive re-renders and empty means "the server's default".

export interface MonitorForm {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly type: AnalyzerType;
  readonly method: string;
  readonly threshold: string;
  readonly minCount: string;
  readonly metric: string;
  readonly lower: string;
  readonly upper: string;
  readonly factor: string;
  readonly minBuckets: string;
  readonly direction: Direction;
  readonly percent: string;
  readonly minRows: string;
  readonly added: boolean;
  readonly removed: boolean;
  readonly typeChanged: boolean;
  readonly checks: readonly string[];
  readonly missingIncrease: string;
  readonly significance: string;
  readonly perfMetric: string;
  readonly maxDrop: string;
  readonly minLabeled: string;
  readonly confidence: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly segments: readonly string[];
  readonly baselineType: BaselineSpec["type"];
  readonly buckets: string;
  readonly reference: string;
  readonly rangeStart: string;
  readonly rangeEnd: string;
  readonly severity: Severity;
  readonly channels: readonly string[];
  readonly mode: NotifyMode;
}

export const EMPTY_FORM: MonitorForm = {
  name: "",
  description: "",
  enabled: true,
  type: "drift",
  method: "auto",
  threshold: "",
  minCount: "",
  metric: "",
  lower: "",
  upper: "",
  factor: "",
  minBuckets: "",
  direction: "both",
  percent: "",
  minRows: "",
  added: true,
  removed: true,
  typeChanged: true,
  checks: ["missing_values", "type_mismatch"],
  missingIncrease: "",
  significance: "",
  perfMetric: "accuracy",
  maxDrop: "",
  minLabeled: "",
  confidence: "",
  include: [],
  exclude: [],
  segments: [],
  baselineType: "trailing",
  buckets: "",
  reference: "",
  rangeStart: "",
  rangeEnd: "",
  severity: "warning",
  channels: [],
  mode: "immediate",
};

/** The form field an issue's JSON pointer belongs to: `/analyzer/checks/2` → `/analyzer/checks`. */
export function issueKey(path: string): string {
  const tokens = path
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  const [first, second] = tokens;
  if (first === undefined || first === "") return "";
  if (
    (first === "analyzer" || first === "targets" || first === "baseline" || first === "notify") &&
    second !== undefined &&
    !/^\d+$/.test(second)
  )
    return `/${first}/${second}`;
  return `/${first}`;
}

/** DOM id of the input for a field key, so the error summary can move focus to it. */
export function fieldId(key: string): string {
  return `monitor-field${key.replace(/\//g, "-")}`;
}

/** The field keys the form shows for this state (issues elsewhere appear in the summary only). */
export function visibleKeys(form: MonitorForm): ReadonlySet<string> {
  const keys = ["/name", "/description", "/enabled", "/analyzer", "/analyzer/type", "/severity"];
  keys.push("/notify", "/notify/channels", "/notify/mode");
  const analyzerKeys: Record<AnalyzerType, readonly string[]> = {
    drift: ["method", "threshold", "minCount"],
    fixed: ["metric", "lower", "upper"],
    stddev: ["metric", "factor", "minBuckets", "direction"],
    percent_change: ["metric", "percent", "direction"],
    missing_data: ["minRows"],
    schema_change: ["added", "removed", "typeChanged"],
    data_quality: ["checks", "missingIncrease", "significance"],
    performance_drop: ["metric", "maxDrop", "minLabeled", "confidence"],
    estimated_performance_drop: ["metric", "maxDrop", "confidence"],
  };
  for (const k of analyzerKeys[form.type]) keys.push(`/analyzer/${k}`);
  if (!isDatasetLevel(form.type, form.metric)) keys.push("/targets", "/targets/include", "/targets/exclude");
  keys.push("/segments");
  if (form.type !== "missing_data") {
    keys.push("/baseline", "/baseline/type");
    if (form.baselineType === "trailing") keys.push("/baseline/buckets");
    if (form.baselineType === "reference") keys.push("/baseline/name");
    if (form.baselineType === "range") keys.push("/baseline/start", "/baseline/end");
  }
  return new Set(keys);
}

type Json = Record<string, unknown>;

/**
 * The document the form describes, writing only what the user set (the server fills the rest), and the problems
 * found before asking the server: required fields and numbers that do not parse.
 */
export function formToDocument(form: MonitorForm): { readonly document: Json; readonly issues: Issue[] } {
  const issues: Issue[] = [];
  const number = (text: string, path: string, options: { required?: string; integer?: boolean } = {}) => {
    const t = text.trim();
    if (t === "") {
      if (options.required !== undefined) issues.push({ path, message: options.required });
      return undefined;
    }
    const n = Number(t);
    if (!Number.isFinite(n)) {
      issues.push({ path, message: `must be a number, got “${t}”` });
      return undefined;
    }
    if (options.integer === true && !Number.isInteger(n)) {
      issues.push({ path, message: `must be a whole number, got ${t}` });
      return undefined;
    }
    return n;
  };
  const set = (o: Json, key: string, value: unknown) => {
    if (value !== undefined) o[key] = value;
  };

  const name = form.name.trim();
  if (name === "") issues.push({ path: "/name", message: "is required: give the monitor a name" });
  const document: Json = { name: form.name };
  if (form.description.trim() !== "") document["description"] = form.description;
  document["enabled"] = form.enabled;

  const analyzer: Json = { type: form.type };
  const metric = (required: boolean) => {
    const m = form.metric.trim();
    if (m === "") {
      if (required)
        issues.push({ path: "/analyzer/metric", message: "is required: choose a metric such as mean" });
      return undefined;
    }
    return m;
  };
  switch (form.type) {
    case "drift":
      analyzer["method"] = form.method;
      set(analyzer, "threshold", number(form.threshold, "/analyzer/threshold"));
      set(analyzer, "minCount", number(form.minCount, "/analyzer/minCount", { integer: true }));
      break;
    case "fixed": {
      set(analyzer, "metric", metric(true));
      const lower = number(form.lower, "/analyzer/lower");
      const upper = number(form.upper, "/analyzer/upper");
      if (form.lower.trim() === "" && form.upper.trim() === "") {
        issues.push({
          path: "/analyzer",
          message: "needs a lower or an upper bound (or both): without either the monitor never alarms",
        });
      } else if (lower !== undefined && upper !== undefined && lower > upper) {
        issues.push({ path: "/analyzer/lower", message: `must be ≤ the upper bound (${upper})` });
      }
      set(analyzer, "lower", lower);
      set(analyzer, "upper", upper);
      break;
    }
    case "stddev":
      set(analyzer, "metric", metric(true));
      set(analyzer, "factor", number(form.factor, "/analyzer/factor"));
      set(analyzer, "minBuckets", number(form.minBuckets, "/analyzer/minBuckets", { integer: true }));
      analyzer["direction"] = form.direction;
      break;
    case "percent_change":
      set(analyzer, "metric", metric(true));
      set(
        analyzer,
        "percent",
        number(form.percent, "/analyzer/percent", { required: "is required: e.g. 20 for ±20 %" }),
      );
      analyzer["direction"] = form.direction;
      break;
    case "missing_data":
      set(analyzer, "minRows", number(form.minRows, "/analyzer/minRows", { integer: true }));
      break;
    case "schema_change":
      analyzer["added"] = form.added;
      analyzer["removed"] = form.removed;
      analyzer["typeChanged"] = form.typeChanged;
      if (!form.added && !form.removed && !form.typeChanged)
        issues.push({ path: "/analyzer", message: "choose at least one kind of change" });
      break;
    case "data_quality":
      analyzer["checks"] = [...form.checks];
      if (form.checks.length === 0)
        issues.push({ path: "/analyzer/checks", message: "choose at least one check" });
      set(analyzer, "missingIncrease", number(form.missingIncrease, "/analyzer/missingIncrease"));
      set(analyzer, "significance", number(form.significance, "/analyzer/significance"));
      break;
    case "performance_drop":
      analyzer["metric"] = form.perfMetric;
      set(analyzer, "maxDrop", number(form.maxDrop, "/analyzer/maxDrop"));
      set(analyzer, "minLabeled", number(form.minLabeled, "/analyzer/minLabeled", { integer: true }));
      set(analyzer, "confidence", number(form.confidence, "/analyzer/confidence"));
      break;
    case "estimated_performance_drop":
      analyzer["metric"] = form.perfMetric;
      set(analyzer, "maxDrop", number(form.maxDrop, "/analyzer/maxDrop"));
      set(analyzer, "confidence", number(form.confidence, "/analyzer/confidence"));
      break;
  }
  document["analyzer"] = analyzer;

  if (!isDatasetLevel(form.type, form.metric) && (form.include.length > 0 || form.exclude.length > 0)) {
    document["targets"] = {
      include: form.include.length > 0 ? [...form.include] : [...TARGET_GROUPS.slice(0, 1)],
      exclude: [...form.exclude],
    };
  }
  if (form.segments.length > 0) document["segments"] = form.segments.map((s) => (s === "overall" ? "" : s));

  if (form.type !== "missing_data") {
    if (form.baselineType === "trailing") {
      const buckets = number(form.buckets, "/baseline/buckets", { integer: true });
      document["baseline"] = buckets === undefined ? { type: "trailing" } : { type: "trailing", buckets };
    } else if (form.baselineType === "reference") {
      if (form.reference.trim() === "")
        issues.push({ path: "/baseline/name", message: "is required: choose a reference profile" });
      document["baseline"] = { type: "reference", name: form.reference };
    } else {
      const start = fromLocalInput(form.rangeStart);
      const end = fromLocalInput(form.rangeEnd);
      if (start === null)
        issues.push({ path: "/baseline/start", message: "is required: when the range starts" });
      if (end === null) issues.push({ path: "/baseline/end", message: "is required: when the range ends" });
      if (start !== null && end !== null && end <= start)
        issues.push({ path: "/baseline/end", message: "must be after the start" });
      document["baseline"] = {
        type: "range",
        ...(start !== null ? { start: new Date(start).toISOString() } : {}),
        ...(end !== null ? { end: new Date(end).toISOString() } : {}),
      };
    }
  }
  document["severity"] = form.severity;
  document["notify"] = { channels: [...form.channels], mode: form.mode };
  return { document, issues };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string =>
  typeof value === "number" ? String(value) : typeof value === "string" ? value : "";

const strings = (value: unknown): string[] | undefined =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value) && value.every((v) => typeof v === "string")
      ? (value as string[])
      : undefined;

function instantInput(value: unknown): string {
  if (typeof value === "number") return toLocalInput(value);
  if (typeof value === "string") {
    const t = Date.parse(value);
    return Number.isFinite(t) ? toLocalInput(t) : "";
  }
  return "";
}

const KNOWN: Record<string, readonly string[]> = {
  "": ["name", "description", "enabled", "analyzer", "targets", "segments", "baseline", "severity", "notify"],
  "/analyzer": [
    "type",
    "method",
    "threshold",
    "minCount",
    "metric",
    "lower",
    "upper",
    "factor",
    "minBuckets",
    "direction",
    "percent",
    "minRows",
    "added",
    "removed",
    "typeChanged",
    "checks",
    "missingIncrease",
    "significance",
    "maxDrop",
    "minLabeled",
    "confidence",
  ],
  "/targets": ["include", "exclude"],
  "/baseline": ["type", "buckets", "name", "start", "end"],
  "/notify": ["channels", "mode"],
};

/**
 * A document (canonical or hand-written) as form state. `unsupported` names what the form cannot show (unknown
 * properties, values of the wrong kind): switching to the form would lose them, so the editor stays in text mode.
 */
export function documentToForm(input: unknown): {
  readonly form: MonitorForm;
  readonly unsupported: string[];
} {
  const unsupported: string[] = [];
  if (!isObject(input)) return { form: EMPTY_FORM, unsupported: ["the document is not an object"] };
  const check = (o: Json, path: string) => {
    for (const key of Object.keys(o)) if (!KNOWN[path]!.includes(key)) unsupported.push(`${path}/${key}`);
  };
  check(input, "");
  const f: { -readonly [K in keyof MonitorForm]: MonitorForm[K] } = { ...EMPTY_FORM };
  f.name = text(input["name"]);
  f.description = text(input["description"]);
  if (typeof input["enabled"] === "boolean") f.enabled = input["enabled"];
  const a = input["analyzer"];
  if (isObject(a)) {
    check(a, "/analyzer");
    const type = a["type"];
    if (typeof type === "string" && (ANALYZER_TYPES as readonly string[]).includes(type)) {
      f.type = type as AnalyzerType;
    } else if (type !== undefined) unsupported.push("/analyzer/type");
    if (typeof a["method"] === "string") f.method = a["method"];
    f.threshold = text(a["threshold"]);
    f.minCount = text(a["minCount"]);
    if (f.type === "performance_drop" || f.type === "estimated_performance_drop") {
      if (typeof a["metric"] === "string") f.perfMetric = a["metric"];
    } else {
      f.metric = text(a["metric"]);
    }
    f.lower = text(a["lower"]);
    f.upper = text(a["upper"]);
    f.factor = text(a["factor"]);
    f.minBuckets = text(a["minBuckets"]);
    const direction = a["direction"];
    if (typeof direction === "string" && (DIRECTIONS as readonly string[]).includes(direction))
      f.direction = direction as Direction;
    f.percent = text(a["percent"]);
    f.minRows = text(a["minRows"]);
    if (typeof a["added"] === "boolean") f.added = a["added"];
    if (typeof a["removed"] === "boolean") f.removed = a["removed"];
    if (typeof a["typeChanged"] === "boolean") f.typeChanged = a["typeChanged"];
    const checks = strings(a["checks"]);
    if (checks !== undefined) f.checks = checks;
    f.missingIncrease = text(a["missingIncrease"]);
    f.significance = text(a["significance"]);
    f.maxDrop = text(a["maxDrop"]);
    f.minLabeled = text(a["minLabeled"]);
    f.confidence = text(a["confidence"]);
  } else if (a !== undefined) unsupported.push("/analyzer");
  const t = input["targets"];
  if (isObject(t)) {
    check(t, "/targets");
    f.include = strings(t["include"]) ?? ["group:inputs"];
    f.exclude = strings(t["exclude"]) ?? [];
  } else if (t !== undefined) {
    const list = strings(t);
    if (list === undefined) unsupported.push("/targets");
    else f.include = list;
  }
  // The canonical default (every input, nothing excluded) shows as the empty field: "all inputs".
  if (f.include.length === 1 && f.include[0] === "group:inputs" && f.exclude.length === 0) f.include = [];
  const s = input["segments"];
  if (s !== undefined) {
    const list = strings(s);
    if (list === undefined) unsupported.push("/segments");
    else f.segments = list.map((x) => (x === "" ? "overall" : x));
    if (f.segments.length === 1 && f.segments[0] === "overall") f.segments = [];
  }
  const b = input["baseline"];
  if (isObject(b)) {
    check(b, "/baseline");
    const type = b["type"];
    if (type === "trailing" || type === "reference" || type === "range") f.baselineType = type;
    f.buckets = text(b["buckets"]);
    f.reference = text(b["name"]);
    f.rangeStart = instantInput(b["start"]);
    f.rangeEnd = instantInput(b["end"]);
  } else if (b !== undefined) unsupported.push("/baseline");
  const severity = input["severity"];
  if (typeof severity === "string" && (SEVERITIES as readonly string[]).includes(severity))
    f.severity = severity as Severity;
  const n = input["notify"];
  if (isObject(n)) {
    check(n, "/notify");
    f.channels = strings(n["channels"]) ?? [];
    const mode = n["mode"];
    if (typeof mode === "string" && (NOTIFY_MODES as readonly string[]).includes(mode))
      f.mode = mode as NotifyMode;
  }
  return { form: f, unsupported };
}

// ---------------------------------------------------------------------------------------------------------------
// Text mode

export type TextFormat = "yaml" | "json";

// The YAML library is loaded only when someone opens the text editor; after that, conversions are synchronous so
// the format radio buttons and the textarea update in the same event.
type YamlModule = typeof YamlLibrary;
let yamlModule: YamlModule | null = null;

export async function loadYaml(): Promise<void> {
  yamlModule ??= await import("yaml");
}

function yaml(): YamlModule {
  if (yamlModule === null) throw new Error("The YAML editor is still loading; try again.");
  return yamlModule;
}

export function documentToText(document: unknown, format: TextFormat): string {
  if (format === "json") return `${JSON.stringify(document, null, 2)}\n`;
  return yaml().stringify(document, { version: "1.2" });
}

/** Parses the editor's text; throws an Error whose message says where the syntax is wrong. */
export function parseText(source: string, format: TextFormat): unknown {
  if (format === "json") {
    try {
      return JSON.parse(source) as unknown;
    } catch (e) {
      throw new Error(`JSON syntax error: ${(e as Error).message}`);
    }
  }
  // The same YAML 1.2 core schema as the server: `yes` stays a string, duplicate keys are errors.
  const doc = yaml().parseDocument(source, { version: "1.2", schema: "core", uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const where = error.linePos?.[0];
    const reason = error.message.split(" at line ")[0] ?? error.message;
    throw new Error(
      `YAML syntax error${where === undefined ? "" : ` at line ${where.line}, column ${where.col}`}: ${reason}`,
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/**
 * Sends the editor's text as it is (the server reads YAML itself and reports errors by line), with the CSRF
 * token of the session: api.* always sends JSON.
 */
export function sendText<T>(
  method: "POST" | "PUT",
  path: string,
  body: string,
  format: TextFormat,
): Promise<T> {
  return api.send<T>(method, path, body, format === "yaml" ? "application/yaml" : "application/json");
}

/** The problems of a failed request as issues: the server's list, else its one `field`. */
export function issuesOf(error: unknown): Issue[] {
  if (!(error instanceof ApiError) || error.body === undefined) return [];
  const body = error.body;
  if (body.issues !== undefined && body.issues.length > 0) return [...body.issues];
  if (body.field !== undefined && body.field.startsWith("/")) {
    // The message of a single-field error usually starts with the field itself ("/name must not …").
    const message = body.message.startsWith(body.field)
      ? body.message.slice(body.field.length).trim()
      : body.message;
    return [{ path: body.field, message }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------------------------
// One-line descriptions for the monitors table

const fmt = (n: number) => Number(n.toPrecision(6)).toLocaleString("en", { maximumFractionDigits: 8 });

export function describeAnalyzer(a: AnalyzerConfig): string {
  switch (a.type) {
    case "drift":
      return `${a.method}, ${a.threshold === null ? "default threshold" : `threshold ${fmt(a.threshold)}`}`;
    case "fixed":
      if (a.lower !== null && a.upper !== null)
        return `${a.metric} outside [${fmt(a.lower)}, ${fmt(a.upper)}]`;
      return a.lower !== null ? `${a.metric} < ${fmt(a.lower)}` : `${a.metric} > ${fmt(a.upper ?? 0)}`;
    case "stddev":
      return `${a.metric} outside μ ± ${fmt(a.factor)}σ${a.direction === "both" ? "" : ` (${a.direction} only)`}`;
    case "percent_change":
      return `${a.metric} moves > ${fmt(a.percent)} %${a.direction === "both" ? "" : ` (${a.direction} only)`}`;
    case "missing_data":
      return `fewer than ${a.minRows} row${a.minRows === 1 ? "" : "s"}`;
    case "schema_change":
      return [a.added ? "added" : null, a.removed ? "removed" : null, a.typeChanged ? "type changed" : null]
        .filter((x) => x !== null)
        .join(", ");
    case "data_quality":
      return a.checks.join(", ").replace(/_/g, " ");
    case "performance_drop":
      return `${a.metric} drops > ${fmt(a.maxDrop)}`;
    case "estimated_performance_drop":
      return `estimated ${a.metric} drops > ${fmt(a.maxDrop)}`;
  }
}

export function describeBaseline(
  config: MonitorConfig,
  formatRange: (a: number, b: number) => string,
): string {
  if (config.analyzer.type === "missing_data") return "—";
  const b = config.baseline;
  if (b.type === "trailing") return `trailing ${b.buckets} bucket${b.buckets === 1 ? "" : "s"}`;
  if (b.type === "reference") return `reference “${b.name}”`;
  return formatRange(b.start, b.end);
}

export function describeTargets(config: MonitorConfig): string {
  const a = config.analyzer;
  if (isDatasetLevel(a.type, "metric" in a ? a.metric : "")) return "whole dataset";
  const include = config.targets.include.join(", ");
  return config.targets.exclude.length > 0
    ? `${include} except ${config.targets.exclude.join(", ")}`
    : include;
}

export function describeSegments(segments: readonly string[]): string {
  return segments.map((s) => (s === "" ? "overall" : s === "*" ? "all segments" : s)).join(", ");
}
