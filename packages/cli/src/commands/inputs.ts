// Turning command-line paths into profiles: profile files (whylogs v1/v0, segmented), directories of them (what
// `profile --segment-by/--timestamp-column` writes), or data files profiled on the fly.

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DatasetProfileView } from "@sightglass/profile";
import { readProfileFile } from "@sightglass/profile/node";
import { ProfileError } from "@sightglass/profile";
import { CliError, unreadable } from "../errors.js";
import { DATA_FORMATS, detectInput } from "../input/detect.js";
import { delimiterByte } from "../input/record-splitter.js";
import type { DataFormat, DetectedInput, InputFormat } from "../input/detect.js";
import { mergePartitions } from "../engine/partitioner.js";
import type { PartitionView } from "../engine/partitioner.js";
import { profileInputs } from "../engine/run.js";
import type { ProfileRunOptions, ProfileRunResult } from "../engine/run.js";
import { ProgressLine } from "../output/progress.js";
import type { CommandContext } from "./context.js";

/** Options shared by every command that accepts data files. */
export interface DataOptions {
  readonly format?: string;
  readonly delimiter?: string;
  readonly nullValues?: string;
  readonly threads?: string;
  readonly strict?: boolean;
  readonly segmentBy?: string;
  readonly maxSegments?: string;
  readonly maxErrors?: string;
  readonly chunkKib?: string;
}

export function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return items.length > 0 ? items : undefined;
}

export function parseCount(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new CliError("usage", `${flag} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function parseFormat(value: string | undefined): InputFormat | undefined {
  if (value === undefined) return undefined;
  const known: readonly string[] = [...DATA_FORMATS, "profile"];
  if (!known.includes(value)) {
    throw new CliError("usage", `--format must be one of ${known.join(", ")}; got ${JSON.stringify(value)}`);
  }
  return value as InputFormat;
}

/** `--delimiter`: one ASCII character other than a quote or a line end; tab as `\t`, `tab` or itself. */
function parseDelimiter(text: string): string {
  const d = text === "\\t" || text.toLowerCase() === "tab" ? "\t" : text;
  try {
    delimiterByte(d);
  } catch {
    throw new CliError(
      "usage",
      `--delimiter must be one ASCII character other than " or a line end (tab: '\\t' or tab), got ${JSON.stringify(text)}`,
    );
  }
  return d;
}

/** The run options a command's data flags describe. */
export function runOptions(o: DataOptions): ProfileRunOptions {
  const delimiter = o.delimiter === undefined ? undefined : parseDelimiter(o.delimiter);
  const threads = parseCount(o.threads, "--threads", 0);
  const maxSegments = parseCount(o.maxSegments, "--max-segments", 1);
  const segmentBy = parseList(o.segmentBy);
  const maxSamples = parseCount(o.maxErrors, "--max-errors", 0);
  const chunkKib = parseCount(o.chunkKib, "--chunk-kib", 1);
  return {
    ...(chunkKib !== undefined ? { chunkBytes: chunkKib * 1024 } : {}),
    ...(maxSamples !== undefined ? { maxSamples } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(o.nullValues !== undefined ? { nullValues: o.nullValues.split(",") } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(o.strict ? { strict: true } : {}),
    ...(segmentBy !== undefined ? { segmentBy } : {}),
    ...(maxSegments !== undefined ? { maxSegments } : {}),
  };
}

/** Runs the profiler with a progress line on a terminal. */
export async function runProfiler(
  ctx: CommandContext,
  inputs: readonly (DetectedInput & { format: DataFormat })[],
  options: ProfileRunOptions,
  label: string,
): Promise<ProfileRunResult> {
  const line = ctx.progress ? new ProgressLine(ctx.stderr, label) : null;
  try {
    return await profileInputs(inputs, {
      ...options,
      ...(line !== null ? { onProgress: (p) => line.update(p) } : {}),
    });
  } finally {
    line?.done();
  }
}

/** A side of a comparison (or the subject of show/validate): profiles by segment, and how they were made. */
export interface LoadedProfiles {
  readonly name: string;
  /** Merged over time buckets: one view per segment (segment null = the whole dataset). */
  readonly partitions: readonly PartitionView[];
  /** Set when data files were profiled on the fly. */
  readonly run: ProfileRunResult | null;
}

/** The profile files of a directory (what `profile --segment-by/--timestamp-column` writes), in name order. */
export async function profileFilesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".bin")).sort();
  if (names.length === 0) {
    throw new CliError(
      "input",
      `${dir} is a directory without profile (.bin) files; pass profile files or a directory written by \`sightglass profile\``,
      { source: dir },
    );
  }
  return names.map((n) => join(dir, n));
}

export async function readProfile(path: string): Promise<DatasetProfileView> {
  try {
    return await readProfileFile(path);
  } catch (e) {
    if (e instanceof ProfileError) {
      throw new CliError("input", `${e.message} (is it a whylogs or Sightglass profile?)`, {
        source: path,
        cause: e,
      });
    }
    throw unreadable(path, e);
  }
}

/**
 * Loads profiles and data files given on the command line into one side. Data files are profiled together
 * (they are parts of one dataset); profile files and directories are merged in.
 */
export async function loadProfiles(
  ctx: CommandContext,
  paths: readonly string[],
  options: DataOptions,
  label: string,
): Promise<LoadedProfiles> {
  const forced = parseFormat(options.format);
  const views: PartitionView[] = [];
  const data: (DetectedInput & { format: DataFormat })[] = [];
  for (const path of paths) {
    const info = path === "-" ? null : await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      for (const file of await profileFilesIn(path)) views.push(asPartition(await readProfile(file)));
      continue;
    }
    const input = await detectInput(path, forced);
    if (input.format === "profile") views.push(asPartition(await readProfile(path)));
    else data.push(input as DetectedInput & { format: DataFormat });
  }
  let run: ProfileRunResult | null = null;
  if (data.length > 0) {
    run = await runProfiler(ctx, data, runOptions(options), label);
    reportProblems(ctx, run);
    views.push(...run.partitions);
  }
  // Time buckets do not matter to a comparison: merge them, keep segments apart.
  const merged = mergePartitions(views.map((p) => ({ ...p, bucketStart: null })));
  return { name: paths.join(", "), partitions: merged, run };
}

function asPartition(view: DatasetProfileView): PartitionView {
  return { bucketStart: null, segment: view.segment ?? null, view };
}

/** The whole dataset of a side: its segments merged. */
export function wholeView(side: LoadedProfiles): DatasetProfileView {
  const [first, ...rest] = side.partitions;
  if (first === undefined) throw new CliError("input", `${side.name}: no profile`);
  return rest.reduce((acc, p) => acc.merge(p.view), first.view);
}

/** Prints malformed-record counts and the first few with their lines (stderr). */
export function reportProblems(ctx: CommandContext, run: ProfileRunResult): void {
  const lines: string[] = [];
  if (run.malformed > 0) {
    lines.push(
      `warning: skipped ${run.malformed.toLocaleString("en-US")} malformed record${run.malformed === 1 ? "" : "s"}:`,
    );
    for (const s of run.malformedSamples) lines.push(`  ${s.source}:${s.line}: ${s.reason}`);
    if (run.malformed > run.malformedSamples.length) {
      lines.push(
        `  … and ${(run.malformed - run.malformedSamples.length).toLocaleString("en-US")} more (--max-errors shows more; --strict stops at the first)`,
      );
    }
  }
  if (run.skipped > 0) {
    lines.push(
      `warning: skipped ${run.skipped.toLocaleString("en-US")} record${run.skipped === 1 ? "" : "s"} without a usable timestamp:`,
    );
    for (const s of run.skippedSamples) lines.push(`  ${s.source}:${s.line}: ${s.reason}`);
  }
  if (lines.length > 0) ctx.stderr.write(`${lines.join("\n")}\n`);
}
