// `sightglass performance --reference REF --target TGT …`: a model's performance on a target: realized where the
// target has labels (in the file, or joined by id from a labels file that arrives later), estimated by CBPE from
// the reference's calibration wherever the reference has labels; per time window, and per segment with the
// largest gaps between segments (disparity). Inputs are data files (profiled on the fly with a performance
// spec) or profiles written by `sightglass profile --prediction-column …`.

import { stat } from "node:fs/promises";
import { AnalysisError, performanceOf, performanceReport } from "@sightglass/analysis";
import type {
  EstimatedClassification,
  PerformanceReport,
  PerformanceSegmentInput,
  RealizedPerformance,
} from "@sightglass/analysis";
import {
  DatasetProfile,
  LabelJoiner,
  ProfileError,
  SegmentedProfile,
  scoreColumns,
} from "@sightglass/profile";
import type {
  DatasetProfileView,
  PerformanceMessage,
  PerformanceSpec,
  SegmentTag,
} from "@sightglass/profile";
import { CliError } from "../errors.js";
import { mergePartitions, segmentName } from "../engine/partitioner.js";
import type { CollectedColumns, PartitionView } from "../engine/partitioner.js";
import type { ProfileRunOptions, ProfileRunResult } from "../engine/run.js";
import { BUCKET_SIZES, bucketEnd, bucketStart, toEpochMillis } from "../engine/timestamps.js";
import type { BucketSize, TimestampUnit } from "../engine/timestamps.js";
import { detectInput } from "../input/detect.js";
import type { DataFormat, DetectedInput } from "../input/detect.js";
import { formatNumber, formatPercent } from "../output/format.js";
import { printJson } from "../output/json.js";
import { paint, renderTable } from "../output/table.js";
import type { CellInput, TableColumn } from "../output/table.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";
import {
  parseCount,
  parseFormat,
  profileFilesIn,
  readProfile,
  reportProblems,
  runOptions,
  runProfiler,
} from "./inputs.js";
import type { DataOptions } from "./inputs.js";
import { checkPerformanceColumns, performanceSpecOf } from "./performance-spec.js";
import type { PerformanceFlags } from "./performance-spec.js";

export interface PerformanceCommandOptions extends DataOptions, PerformanceFlags {
  readonly reference?: string;
  readonly target?: string;
  readonly targetLabels?: string;
  readonly idColumn?: string;
  readonly timestampColumn?: string;
  readonly window?: string;
  readonly timestampUnit?: string;
  readonly confidence?: string;
  readonly minSegmentRows?: string;
  readonly json?: boolean;
}

const UNITS: readonly TimestampUnit[] = ["auto", "s", "ms", "us", "ns"];

/** The segment value of rows beyond --max-segments (the profile library's overflow segment). */
const OTHER_SEGMENT = "__other__";

/** What the command line asks for, checked. */
interface Plan {
  /** The spec data files are profiled with (required when an input is a data file). */
  readonly spec: PerformanceSpec | undefined;
  readonly timestampColumn: string | undefined;
  readonly timestampUnit: TimestampUnit;
  /** The window size, or null when the target is reported whole only. */
  readonly window: BucketSize | null;
  readonly segmentBy: readonly string[] | undefined;
  readonly confidence: number;
  readonly minSegmentRows: number;
}

/** One side: profiles by window (bucket start, null without windows) and segment. */
interface Side {
  readonly path: string;
  readonly partitions: readonly PartitionView[];
  readonly run: ProfileRunResult | null;
}

/** The JSON the command prints (and the table shows). */
export interface PerformanceJson extends PerformanceReport {
  readonly windows?: readonly {
    readonly start: string;
    readonly end: string;
    readonly realized: RealizedPerformance | null;
    readonly estimated: EstimatedClassification | null;
  }[];
  readonly labels?: { readonly matched: number; readonly unmatched: number };
}

function parseConfidence(value: string | undefined): number {
  if (value === undefined) return 0.95;
  const n = Number(value);
  if (!(n > 0 && n < 1)) {
    throw new CliError(
      "usage",
      `--confidence must be a number between 0 and 1 (e.g. 0.95), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function planOf(o: PerformanceCommandOptions): Plan {
  if (o.window !== undefined && !(BUCKET_SIZES as readonly string[]).includes(o.window)) {
    throw new CliError(
      "usage",
      `--window must be one of ${BUCKET_SIZES.join(", ")}; got ${JSON.stringify(o.window)}`,
    );
  }
  if (o.timestampUnit !== undefined && !UNITS.includes(o.timestampUnit as TimestampUnit)) {
    throw new CliError(
      "usage",
      `--timestamp-unit must be one of ${UNITS.join(", ")}; got ${JSON.stringify(o.timestampUnit)}`,
    );
  }
  if (o.targetLabels !== undefined && o.idColumn === undefined) {
    throw new CliError(
      "usage",
      "--target-labels needs --id-column (the column that the target's predictions and the labels share)",
    );
  }
  if (o.idColumn !== undefined && o.targetLabels === undefined) {
    throw new CliError(
      "usage",
      "--id-column is used with --target-labels (labels joined to predictions by id)",
    );
  }
  const spec = performanceSpecOf(o);
  const windowed = o.timestampColumn !== undefined || o.window !== undefined;
  const segmentBy = runOptions(o).segmentBy;
  return {
    spec,
    timestampColumn: o.timestampColumn,
    timestampUnit: (o.timestampUnit ?? "auto") as TimestampUnit,
    window: windowed ? ((o.window ?? "day") as BucketSize) : null,
    segmentBy,
    confidence: parseConfidence(o.confidence),
    minSegmentRows: parseCount(o.minSegmentRows, "--min-segment-rows", 1) ?? 30,
  };
}

/** A path's kind: profiles (a file or a directory of them) or a data file. */
async function inputOf(
  path: string,
  o: DataOptions,
): Promise<{ profiles: string[] } | { data: DetectedInput & { format: DataFormat } }> {
  const info = path === "-" ? null : await stat(path).catch(() => null);
  if (info?.isDirectory()) return { profiles: await profileFilesIn(path) };
  const input = await detectInput(path, parseFormat(o.format));
  if (input.format === "profile") return { profiles: [path] };
  return { data: input as DetectedInput & { format: DataFormat } };
}

function noMetrics(file: string): CliError {
  return new CliError(
    "input",
    `${file} carries no performance metrics; write it with \`sightglass profile … --prediction-column P --label-column Y\` (and --score-column S for estimates), or pass the data file`,
    { source: file },
  );
}

/** Checks a profile's metrics against the flags, when the flags were given. */
function checkProfileFields(file: string, perf: PerformanceMessage, spec: PerformanceSpec | undefined): void {
  if (spec === undefined) return;
  const c = perf.classification ?? null;
  const r = perf.regression ?? null;
  if (spec.task === "regression" ? r === null : c === null) {
    throw new CliError(
      "usage",
      `${file} carries ${c !== null ? "classification" : "regression"} metrics, not --task ${spec.task}; pass --task ${c !== null ? "classification" : "regression"}`,
      { source: file },
    );
  }
  const fields = (c ?? r)!;
  for (const [flag, field, want] of [
    ["--prediction-column", fields.predictionField, spec.prediction],
    ["--label-column", fields.targetField, spec.target],
  ] as const) {
    if (field !== "" && field !== want) {
      throw new CliError(
        "usage",
        `${file} was profiled with ${JSON.stringify(field)} as ${flag.slice(2).replace("-column", "")} column, not ${flag} ${JSON.stringify(want)}`,
        { source: file },
      );
    }
  }
}

async function loadProfileSide(path: string, files: readonly string[], plan: Plan): Promise<Side> {
  const parts: PartitionView[] = [];
  for (const file of files) {
    const view = await readProfile(file);
    const perf = performanceOf(view);
    if (perf === undefined) throw noMetrics(file);
    checkProfileFields(file, perf, plan.spec);
    parts.push({
      bucketStart: plan.window === null ? null : bucketStart(view.datasetTimestamp, plan.window),
      segment: view.segment ?? null,
      view,
    });
  }
  return { path, partitions: mergeOrFail(parts, path), run: null };
}

function mergeOrFail(parts: readonly PartitionView[], name: string): PartitionView[] {
  try {
    return mergePartitions(parts);
  } catch (e) {
    if (e instanceof ProfileError)
      throw new CliError("input", `${name}: ${e.message}`, { source: name, cause: e });
    throw e;
  }
}

async function loadDataSide(
  ctx: CommandContext,
  input: DetectedInput & { format: DataFormat },
  o: PerformanceCommandOptions,
  plan: Plan,
  role: "reference" | "target",
  collect: readonly string[] | undefined,
): Promise<Side> {
  const spec = plan.spec;
  if (spec === undefined) {
    throw new CliError(
      "usage",
      `${input.path} is a data file: say which columns hold the model's output and the truth with --prediction-column and --label-column (and --score-column for estimates)`,
    );
  }
  if (plan.window !== null && plan.timestampColumn === undefined) {
    throw new CliError(
      "usage",
      `--window needs --timestamp-column to split the data file ${input.path} into windows (profiles are windowed by their dataset timestamps)`,
    );
  }
  const base = runOptions(o);
  const options: ProfileRunOptions = {
    ...base,
    // The reference calibrates the estimate as a whole: it is not segmented.
    ...(role === "reference" ? { segmentBy: [] } : {}),
    performance: spec,
    ...(plan.timestampColumn !== undefined
      ? {
          timestampColumn: plan.timestampColumn,
          bucket: plan.window ?? "day",
          timestampUnit: plan.timestampUnit,
        }
      : {}),
    ...(collect !== undefined ? { collect } : {}),
  };
  const run = await runProfiler(ctx, [input], options, `profiling ${role}`);
  reportProblems(ctx, run);
  if (plan.timestampColumn !== undefined && run.rows > 0 && run.partitions.length === 0) {
    throw new CliError(
      "input",
      `no row of ${input.path} has a usable timestamp in column ${JSON.stringify(plan.timestampColumn)}; check the name (--timestamp-column) and --timestamp-unit`,
      { source: input.path },
    );
  }
  if (run.partitions.length === 0) {
    throw new CliError(
      "input",
      `no record of ${input.path} could be read; see the warnings above (--format, --delimiter)`,
      {
        source: input.path,
      },
    );
  }
  const columns = new Set(run.partitions.flatMap((p) => p.view.columnNames()));
  checkPerformanceColumns(
    spec,
    columns,
    input.path,
    role === "reference" && spec.task === "classification"
      ? "the reference needs labels to calibrate the estimate"
      : null,
  );
  if (role === "target" && plan.segmentBy !== undefined) {
    for (const c of plan.segmentBy) {
      if (!columns.has(c))
        throw new CliError("usage", `--segment-by ${JSON.stringify(c)} is not a column of ${input.path}`);
    }
  }
  return { path: input.path, partitions: run.partitions, run };
}

async function loadSide(
  ctx: CommandContext,
  path: string,
  o: PerformanceCommandOptions,
  plan: Plan,
  role: "reference" | "target",
  collect?: readonly string[],
): Promise<Side> {
  const kind = await inputOf(path, o);
  if ("data" in kind) return loadDataSide(ctx, kind.data, o, plan, role, collect);
  if (collect !== undefined) {
    throw new CliError(
      "usage",
      `--target-labels joins labels to the target's predictions by id, so the target must be a data file, not the profile ${path}`,
    );
  }
  const side = await loadProfileSide(path, kind.profiles, plan);
  if (role === "target" && plan.segmentBy !== undefined) {
    const keys = new Set(side.partitions.flatMap((p) => (p.segment ?? []).map((t) => t.key)));
    const missing = plan.segmentBy.filter((c) => !keys.has(c));
    if (missing.length > 0) {
      throw new CliError(
        "usage",
        `the profiles of ${path} are not segmented by ${missing.join(", ")}; profile the data with --segment-by ${plan.segmentBy.join(",")}, or drop --segment-by`,
      );
    }
  }
  return side;
}

// ---------------------------------------------------------------------------------------------------------
// Late labels: the target was profiled with its labels absent (every prediction awaiting its label). Its
// id/prediction/score/timestamp/segment columns were collected while profiling; the labels file is joined to
// them by id, and the joined rows are tracked as late labels into profiles of the same windows and segments,
// which merge into the target's.

interface LabelJoin {
  readonly partitions: PartitionView[];
  readonly matched: number;
  readonly unmatched: number;
}

function columnsPresent(chunks: readonly CollectedColumns[]): Set<string> {
  return new Set(chunks.flatMap((c) => Object.keys(c.columns)));
}

/** Columns whose collected values are float arrays in every chunk (segment values print as floats then). */
function fractionalColumns(chunks: readonly CollectedColumns[]): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const chunk of chunks) {
    for (const [name, values] of Object.entries(chunk.columns)) {
      const float = values instanceof Float64Array || values instanceof Float32Array;
      if (!seen.has(name)) {
        seen.add(name);
        if (float) out.add(name);
      } else if (!float) out.delete(name);
    }
  }
  return out;
}

function columnsOfRows(
  rows: readonly Record<string, unknown>[],
  names: readonly string[],
  fractional: ReadonlySet<string>,
): Record<string, ArrayLike<unknown>> {
  const out: Record<string, ArrayLike<unknown>> = {};
  for (const name of names) {
    let values: ArrayLike<unknown>;
    if (fractional.has(name)) {
      const f = new Float64Array(rows.length);
      rows.forEach((r, i) => (f[i] = typeof r[name] === "number" ? (r[name] as number) : NaN));
      values = f;
    } else {
      values = rows.map((r) => r[name] ?? null);
    }
    Object.defineProperty(out, name, { value: values, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function rethrowProfileError(e: unknown, source: string): never {
  if (e instanceof ProfileError) {
    throw new CliError("input", `${source}: ${e.message}`, {
      source,
      cause: e,
    });
  }
  throw e;
}

async function joinLateLabels(
  ctx: CommandContext,
  o: PerformanceCommandOptions,
  plan: Plan,
  spec: PerformanceSpec,
  target: Side,
  labelsPath: string,
  idColumn: string,
): Promise<LabelJoin> {
  const targetCollected = target.run!.collected;
  const inTarget = columnsPresent(targetCollected);
  if (target.run!.rows > 0 && !inTarget.has(idColumn)) {
    throw new CliError("usage", `--id-column ${JSON.stringify(idColumn)} is not a column of ${target.path}`, {
      source: target.path,
    });
  }
  const input = await detectInput(labelsPath);
  if (input.format === "profile") {
    throw new CliError(
      "usage",
      `--target-labels takes a data file (CSV, JSON Lines, Parquet, Arrow) with the ${JSON.stringify(idColumn)} and ${JSON.stringify(spec.target)} columns, not a profile`,
    );
  }
  const base = runOptions(o);
  const run = await runProfiler(
    ctx,
    [input as DetectedInput & { format: DataFormat }],
    {
      ...(base.delimiter !== undefined ? { delimiter: base.delimiter } : {}),
      ...(base.nullValues !== undefined ? { nullValues: base.nullValues } : {}),
      ...(base.strict !== undefined ? { strict: base.strict } : {}),
      ...(base.maxSamples !== undefined ? { maxSamples: base.maxSamples } : {}),
      ...(base.chunkBytes !== undefined ? { chunkBytes: base.chunkBytes } : {}),
      ...(base.threads !== undefined ? { threads: base.threads } : {}),
      collect: [idColumn, spec.target],
      collectOnly: true,
    },
    "reading labels",
  );
  reportProblems(ctx, run);
  const inLabels = columnsPresent(run.collected);
  for (const [flag, column] of [
    ["--id-column", idColumn],
    ["--label-column", spec.target],
  ] as const) {
    if (!inLabels.has(column)) {
      throw new CliError("usage", `${flag} ${JSON.stringify(column)} is not a column of ${labelsPath}`, {
        source: labelsPath,
      });
    }
  }

  const keep = [
    ...(plan.timestampColumn !== undefined ? [plan.timestampColumn] : []),
    ...(plan.segmentBy ?? []),
  ];
  const joiner = new LabelJoiner({
    performance: spec,
    idColumn,
    keep,
    // Every prediction of the target may wait: nothing is forgotten.
    maxPending: Math.max(1, target.run!.rows),
  });
  for (const chunk of targetCollected) {
    try {
      joiner.addPredictions(chunk.columns);
    } catch (e) {
      rethrowProfileError(e, target.path);
    }
  }
  const joined: Record<string, unknown>[] = [];
  let unmatched = 0;
  let unusable = 0;
  const unmatchedSamples: string[] = [];
  for (const chunk of run.collected) {
    const ids = chunk.columns[idColumn];
    const labels = chunk.columns[spec.target];
    if (ids === undefined || labels === undefined) continue;
    const idList: unknown[] = [];
    const labelList: unknown[] = [];
    for (let i = 0; i < chunk.rows; i++) {
      const id = ids[i];
      const label = labels[i];
      // A row without an id or a label labels nothing.
      if (id === null || id === undefined || label === null || label === undefined || Number.isNaN(label)) {
        unusable++;
        continue;
      }
      idList.push(id);
      labelList.push(label);
    }
    try {
      const result = joiner.joinLabels({ [idColumn]: idList, [spec.target]: labelList });
      joined.push(...result.rows);
      unmatched += result.unmatched.length;
      for (const id of result.unmatched) if (unmatchedSamples.length < 5) unmatchedSamples.push(id);
    } catch (e) {
      rethrowProfileError(e, labelsPath);
    }
  }
  if (unusable > 0) {
    ctx.stderr.write(
      `warning: skipped ${formatNumber(unusable)} row${unusable === 1 ? "" : "s"} of ${labelsPath} without an id or a label\n`,
    );
  }
  if (unmatched > 0) {
    ctx.stderr.write(
      `warning: ${formatNumber(unmatched)} label${unmatched === 1 ? "" : "s"} of ${labelsPath} matched no prediction of ${target.path} awaiting its label (ids such as ${unmatchedSamples.join(", ")})\n`,
    );
  }

  // Group by window, then track each group as late labels into profiles like the target's.
  const groups = new Map<number | null, Record<string, unknown>[]>();
  for (const row of joined) {
    let bucket: number | null = null;
    if (plan.window !== null && plan.timestampColumn !== undefined) {
      const ms = toEpochMillis(row[plan.timestampColumn], plan.timestampUnit);
      if (!Number.isFinite(ms)) continue; // not tracked in the target either
      bucket = bucketStart(ms, plan.window);
    }
    const list = groups.get(bucket);
    if (list === undefined) groups.set(bucket, [row]);
    else list.push(row);
  }
  const names = [...new Set([spec.prediction, ...scoreColumns(spec), spec.target, ...keep])];
  const fractional = fractionalColumns(targetCollected);
  const fallbackTimestamp = target.partitions[0]?.view.datasetTimestamp ?? Date.now();
  const partitions: PartitionView[] = [];
  // The target's segments per window: a late label of a segment the target folded into __other__ (beyond
  // --max-segments) goes there too. Late labels are routed without a limit, then mapped.
  const targetSegments = groupBy(target.partitions, (p) => p.bucketStart);
  for (const [bucket, rows] of groups) {
    const base = { performance: spec, datasetTimestamp: bucket ?? fallbackTimestamp };
    const columns = columnsOfRows(rows, names, fractional);
    try {
      if (plan.segmentBy !== undefined && plan.segmentBy.length > 0) {
        const sink = new SegmentedProfile({
          ...base,
          segmentation: { columns: plan.segmentBy, maxSegments: Number.MAX_SAFE_INTEGER, overflow: "error" },
        });
        sink.trackLateLabels(columns);
        const known = targetSegments.get(bucket) ?? [];
        const knownNames = new Set(known.map((p) => segmentName(p.segment)));
        const other = known.find(
          (p) => p.segment !== null && p.segment.every((t) => t.value === OTHER_SEGMENT),
        );
        for (const view of sink.views()) {
          const segment = view.segment ?? null;
          if (other !== undefined && !knownNames.has(segmentName(segment))) {
            partitions.push({
              bucketStart: bucket,
              segment: other.segment,
              view: view.withSegment(other.segment!),
            });
          } else {
            partitions.push({ bucketStart: bucket, segment, view });
          }
        }
      } else {
        const sink = new DatasetProfile(base);
        sink.trackLateLabels(columns);
        partitions.push({ bucketStart: bucket, segment: null, view: sink.view() });
      }
    } catch (e) {
      rethrowProfileError(e, labelsPath);
    }
  }
  return { partitions, matched: joined.length, unmatched };
}

// ---------------------------------------------------------------------------------------------------------
// The report.

function mergedPerformance(
  views: readonly DatasetProfileView[],
  name: string,
): PerformanceMessage | undefined {
  const [first, ...rest] = views;
  if (first === undefined) return undefined;
  try {
    return performanceOf(rest.reduce((acc, v) => acc.merge(v), first));
  } catch (e) {
    if (e instanceof ProfileError)
      throw new CliError("input", `${name}: ${e.message}`, { source: name, cause: e });
    throw e;
  }
}

function groupBy<K>(parts: readonly PartitionView[], key: (p: PartitionView) => K): Map<K, PartitionView[]> {
  const out = new Map<K, PartitionView[]>();
  for (const p of parts) {
    const k = key(p);
    const list = out.get(k);
    if (list === undefined) out.set(k, [p]);
    else list.push(p);
  }
  return out;
}

function analyse<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof AnalysisError) throw new CliError("input", e.message, { cause: e });
    throw e;
  }
}

function buildReport(reference: Side | null, target: Side, plan: Plan): PerformanceJson {
  const refName = reference?.path ?? "";
  const refWhole =
    reference === null
      ? undefined
      : mergedPerformance(
          reference.partitions.map((p) => p.view),
          refName,
        );
  const referenceWindows: PerformanceMessage[] = [];
  if (reference !== null && plan.window !== null) {
    for (const parts of groupBy(reference.partitions, (p) => p.bucketStart).values()) {
      const perf = mergedPerformance(
        parts.map((p) => p.view),
        refName,
      );
      if (perf !== undefined) referenceWindows.push(perf);
    }
  }
  const options = { confidence: plan.confidence, minSegmentRows: plan.minSegmentRows };
  const targetWhole = mergedPerformance(
    target.partitions.map((p) => p.view),
    target.path,
  );
  const segments: PerformanceSegmentInput[] = [];
  if (target.partitions.some((p) => p.segment !== null)) {
    const bySegment = groupBy(target.partitions, (p) => segmentName(p.segment));
    for (const name of [...bySegment.keys()].sort()) {
      const parts = bySegment.get(name)!;
      segments.push({
        segment: (parts[0]!.segment ?? []).map((t: SegmentTag) => ({ key: t.key, value: t.value })),
        target: mergedPerformance(
          parts.map((p) => p.view),
          target.path,
        ),
      });
    }
  }
  const input = { reference: refWhole, ...(referenceWindows.length > 0 ? { referenceWindows } : {}) };
  const report = analyse(() => performanceReport({ ...input, target: targetWhole, segments }, options));
  if (plan.window === null) return report;
  const window = plan.window;
  const byWindow = groupBy(target.partitions, (p) => p.bucketStart);
  const windows = [...byWindow.keys()]
    .filter((b): b is number => b !== null)
    .sort((a, b) => a - b)
    .map((start) => {
      const perf = mergedPerformance(
        byWindow.get(start)!.map((p) => p.view),
        target.path,
      );
      const r = analyse(() => performanceReport({ ...input, target: perf }, options));
      return {
        start: new Date(start).toISOString(),
        end: new Date(bucketEnd(start, window)).toISOString(),
        realized: r.realized,
        estimated: r.estimated,
      };
    });
  return { ...report, windows };
}

// ---------------------------------------------------------------------------------------------------------
// Terminal output.

/** Rows with a prediction and how many of them are labeled. */
function coverageOf(perf: PerformanceMessage | undefined): { rows: number; labeled: number } {
  const c = perf?.classification;
  if (c !== undefined) {
    const labeled = c.confusion.reduce((a, b) => a + b, 0);
    return { rows: labeled + c.unlabeled.reduce((a, b) => a + b, 0), labeled };
  }
  const r = perf?.regression;
  if (r !== undefined) return { rows: r.count + r.unlabeled, labeled: r.count };
  return { rows: 0, labeled: 0 };
}

function sideLine(side: Side): string {
  const { rows, labeled } = coverageOf(
    mergedPerformance(
      side.partitions.map((p) => p.view),
      side.path,
    ),
  );
  return `${side.path} (${formatNumber(rows)} predictions, ${formatNumber(labeled)} labeled, ${formatPercent(rows > 0 ? labeled / rows : NaN)})`;
}

/** Metrics with four decimals, so a column of them lines up (rates, AUCs, losses and errors alike). */
function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return Number.isFinite(v) && Math.abs(v) < 1e6 ? v.toFixed(4) : formatNumber(v, 4);
}

function interval(e: { lower: number; upper: number } | null | undefined): string {
  return e === null || e === undefined ? "" : `${fmt(e.lower)} – ${fmt(e.upper)}`;
}

/** The columns windows and segments share: label coverage, realized and estimated accuracy. */
const ACCURACY_COLUMNS: readonly TableColumn[] = [
  { header: "labeled", align: "right" },
  { header: "accuracy", align: "right" },
  { header: "est. accuracy", align: "right" },
  { header: "interval", align: "right" },
];

function accuracyCells(
  realized: RealizedPerformance | null,
  estimated: EstimatedClassification | null,
): CellInput[] {
  return [
    formatPercent(realized?.labelCoverage ?? estimated?.labelCoverage ?? 0),
    realized === null
      ? "—"
      : realized.task === "classification"
        ? fmt(realized.accuracy)
        : `MAE ${fmt(realized.mae)}`,
    fmt(estimated?.accuracy.value),
    interval(estimated?.accuracy),
  ];
}

function confidenceLabel(c: number): string {
  return `${Number((c * 100).toFixed(1))}%`;
}

function windowLabel(startIso: string, window: BucketSize): string {
  if (window === "month") return startIso.slice(0, 7);
  if (window === "hour") return `${startIso.slice(0, 10)} ${startIso.slice(11, 16)}`;
  return startIso.slice(0, 10);
}

function segmentLabel(segment: readonly { key: string; value: string }[]): string {
  return segment.map((t) => `${t.key}=${t.value}`).join(",");
}

const CLASSIFICATION_METRICS = [
  ["accuracy", "accuracy"],
  ["precision", "precision"],
  ["recall", "recall"],
  ["f1", "f1"],
  ["rocAuc", "ROC AUC"],
] as const;

function headlineTable(ctx: CommandContext, report: PerformanceJson, plan: Plan): string {
  const r = report.realized;
  const e = report.estimated;
  if (r !== null && r.task === "regression") {
    return renderTable(
      [{ header: "metric" }, { header: "realized", align: "right" }],
      [
        ["MAE", fmt(r.mae)],
        ["RMSE", fmt(r.rmse)],
        ["MSE", fmt(r.mse)],
        ["R²", fmt(r.r2)],
        ["mean error", fmt(r.meanError)],
      ],
      ctx.style,
    );
  }
  const rows: CellInput[][] = CLASSIFICATION_METRICS.map(([key, label]) => {
    const est = e?.[key] ?? null;
    const real = r !== null && r.task === "classification" ? r[key] : null;
    return [label, fmt(real), fmt(est?.value), interval(est)];
  });
  if (r !== null && r.task === "classification") {
    rows.push(["log loss", fmt(r.logLoss), "", ""], ["Brier", fmt(r.brier), "", ""]);
  }
  return renderTable(
    [
      { header: "metric" },
      { header: "realized", align: "right" },
      { header: "estimated", align: "right" },
      { header: `${confidenceLabel(plan.confidence)} interval`, align: "right" },
    ],
    rows,
    ctx.style,
  );
}

function printReport(
  ctx: CommandContext,
  report: PerformanceJson,
  reference: Side | null,
  target: Side,
  plan: Plan,
  labelsPath: string | undefined,
): void {
  const out = ctx.stdout;
  if (reference !== null) print(out, `Reference: ${sideLine(reference)}`);
  print(out, `Target:    ${sideLine(target)}`);
  if (report.labels !== undefined && labelsPath !== undefined) {
    print(
      out,
      `Labels:    ${labelsPath}: ${formatNumber(report.labels.matched)} joined by id, ${formatNumber(report.labels.unmatched)} matched no prediction`,
    );
  }
  const r = report.realized;
  const e = report.estimated;
  const labeled = r?.labelCoverage ?? e?.labelCoverage ?? null;
  print(out, `Label coverage: ${labeled === null ? "no labeled rows" : formatPercent(labeled)}`);
  if (e?.calibrationStability !== null && e?.calibrationStability !== undefined) {
    print(
      out,
      paint(
        `Intervals include the calibration drift measured over ${e.calibrationStability.windows} reference windows.`,
        "2",
        ctx.style,
      ),
    );
  }
  print(out);
  print(out, headlineTable(ctx, report, plan));

  if (report.windows !== undefined && report.windows.length > 0 && plan.window !== null) {
    const window = plan.window;
    print(out);
    print(out, `Per ${window}:`);
    const regression =
      r?.task === "regression" || report.windows.some((w) => w.realized?.task === "regression");
    const cols: TableColumn[] = regression
      ? [
          { header: "window" },
          { header: "labeled", align: "right" },
          { header: "MAE", align: "right" },
          { header: "RMSE", align: "right" },
        ]
      : [
          { header: "window" },
          { header: "rows", align: "right" },
          ...ACCURACY_COLUMNS,
          { header: "est. ROC AUC", align: "right" },
        ];
    const rows = report.windows.map((w): CellInput[] => {
      const wr = w.realized;
      const we = w.estimated;
      if (regression) {
        return [
          windowLabel(w.start, window),
          formatNumber(wr?.count ?? 0),
          fmt(wr?.task === "regression" ? wr.mae : null),
          fmt(wr?.task === "regression" ? wr.rmse : null),
        ];
      }
      const rowsIn = we?.rows ?? (wr !== null ? wr.count + wr.awaitingLabels : null);
      return [
        windowLabel(w.start, window),
        rowsIn === null ? "—" : formatNumber(rowsIn),
        ...accuracyCells(wr, we),
        fmt(we?.rocAuc?.value),
      ];
    });
    print(out, renderTable(cols, rows, ctx.style));
  }

  if (report.segments.length > 0) {
    print(out);
    print(out, "Per segment:");
    print(
      out,
      renderTable(
        [
          { header: "segment", flexible: true, maxWidth: 40 },
          { header: "rows", align: "right" },
          ...ACCURACY_COLUMNS,
          { header: "positive rate", align: "right" },
        ],
        report.segments.map((s) => [
          segmentLabel(s.segment),
          formatNumber(s.rows),
          ...accuracyCells(s.realized, s.estimated),
          fmt(s.positiveRate?.value),
        ]),
        ctx.style,
      ),
    );
    if (report.disparity.length === 0) {
      print(
        out,
        paint(
          `No disparity computed (needs two segments whose rates rest on at least ${plan.minSegmentRows} rows; see --min-segment-rows).`,
          "2",
          ctx.style,
        ),
      );
    } else {
      const ranked = [...report.disparity].sort(
        (a, b) => Number(b.significant) - Number(a.significant) || b.gap.value - a.gap.value,
      );
      print(out);
      print(out, "Largest disparities between segments:");
      print(
        out,
        renderTable(
          [
            { header: "metric" },
            { header: "source" },
            { header: "highest", flexible: true, maxWidth: 40 },
            { header: "lowest", flexible: true, maxWidth: 40 },
            { header: "gap", align: "right" },
            { header: `${confidenceLabel(plan.confidence)} interval`, align: "right" },
            { header: "significant" },
          ],
          ranked.map((d) => [
            d.metric,
            d.source,
            `${segmentLabel(d.highest.segment)} ${fmt(d.highest.value)}`,
            `${segmentLabel(d.lowest.segment)} ${fmt(d.lowest.value)}`,
            fmt(d.gap.value),
            interval(d.gap),
            d.significant ? { text: "yes", color: "31" } : { text: "no", color: "32" },
          ]),
          ctx.style,
        ),
      );
    }
  }
}

export async function performanceCommand(ctx: CommandContext, o: PerformanceCommandOptions): Promise<number> {
  if (o.target === undefined) throw new CliError("usage", "performance needs --target <path>");
  const plan = planOf(o);
  const regression = plan.spec?.task === "regression";
  if (o.reference === undefined && !regression) {
    throw new CliError(
      "usage",
      "performance needs --reference <path>: labeled data (or profiles) the estimate is calibrated on",
    );
  }
  const reference = o.reference === undefined ? null : await loadSide(ctx, o.reference, o, plan, "reference");
  let collect: string[] | undefined;
  if (o.targetLabels !== undefined) {
    const spec = plan.spec!;
    collect = [
      ...new Set([
        o.idColumn!,
        spec.prediction,
        ...scoreColumns(spec),
        spec.target,
        ...(plan.timestampColumn !== undefined ? [plan.timestampColumn] : []),
        ...(plan.segmentBy ?? []),
      ]),
    ];
  }
  let target = await loadSide(ctx, o.target, o, plan, "target", collect);
  let labels: PerformanceJson["labels"];
  if (o.targetLabels !== undefined) {
    const join = await joinLateLabels(ctx, o, plan, plan.spec!, target, o.targetLabels, o.idColumn!);
    target = { ...target, partitions: mergeOrFail([...target.partitions, ...join.partitions], target.path) };
    labels = { matched: join.matched, unmatched: join.unmatched };
  }
  const report: PerformanceJson = {
    ...buildReport(reference, target, plan),
    ...(labels !== undefined ? { labels } : {}),
  };
  if (
    report.estimated === null &&
    reference !== null &&
    !regression &&
    report.realized?.task !== "regression"
  ) {
    const why =
      plan.spec !== undefined && scoreColumns(plan.spec).length === 0
        ? "no --score-column, so there are no scores to calibrate"
        : `the reference ${reference.path} has no labeled rows with scores`;
    ctx.stderr.write(`note: no estimate: ${why}\n`);
  }
  if (o.json) printJson(ctx.stdout, report);
  else printReport(ctx, report, reference, target, plan, o.targetLabels);
  return 0;
}
