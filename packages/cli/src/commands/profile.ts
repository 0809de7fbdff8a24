// `sightglass profile <files…> -o out`: data files → whylogs-compatible profile(s).

import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { profileRowCount } from "@sightglass/analysis";
import { writeProfileFile } from "@sightglass/profile/node";
import { CliError } from "../errors.js";
import { detectInput } from "../input/detect.js";
import type { DataFormat, DetectedInput } from "../input/detect.js";
import type { PartitionView } from "../engine/partitioner.js";
import type { ProfileRunResult } from "../engine/run.js";
import type { BucketSize, TimestampUnit } from "../engine/timestamps.js";
import { BUCKET_SIZES, toEpochMillis } from "../engine/timestamps.js";
import { formatBytes, formatDuration, formatNumber } from "../output/format.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";
import { peakRssBytes } from "../output/rss.js";
import { parseFormat, reportProblems, runOptions, runProfiler } from "./inputs.js";
import type { DataOptions } from "./inputs.js";
import { checkPerformanceColumns, performanceSpecOf } from "./performance-spec.js";
import type { PerformanceFlags } from "./performance-spec.js";

export interface ProfileOptions extends DataOptions, PerformanceFlags {
  readonly output?: string;
  readonly timestampColumn?: string;
  readonly bucket?: string;
  readonly timestampUnit?: string;
  readonly datasetTimestamp?: string;
  readonly json?: boolean;
}

const BUCKETS: readonly BucketSize[] = BUCKET_SIZES;
const UNITS: readonly TimestampUnit[] = ["auto", "s", "ms", "us", "ns"];

function compactUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", "_").replace(/:/g, "-");
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
}

/** The file name of one partition inside an output directory. */
export function partitionFileName(p: PartitionView): string {
  const parts = ["profile"];
  if (p.bucketStart !== null) parts.push(compactUtc(p.bucketStart));
  for (const t of p.segment ?? []) parts.push(`${safe(t.key)}=${safe(t.value)}`);
  return `${parts.join(".")}.bin`;
}

export interface ManifestEntry {
  readonly file: string;
  readonly bucketStart: string | null;
  readonly segment: { readonly key: string; readonly value: string }[] | null;
  readonly rows: number;
}

function defaultOutput(inputs: readonly string[], partitioned: boolean): string {
  const first = inputs[0] === "-" || inputs[0] === undefined ? "stdin" : basename(inputs[0]);
  const stem = first.replace(/(\.gz)?$/i, "").replace(/\.[^.]+$/, "");
  return partitioned ? `${stem}.profiles` : `${stem}.bin`;
}

async function writeOutputs(
  run: ProfileRunResult,
  output: string,
  partitioned: boolean,
): Promise<{ files: string[]; bytes: number }> {
  try {
    if (!partitioned) {
      const only = run.partitions[0];
      if (only === undefined)
        throw new CliError(
          "input",
          "no record could be read, so nothing was written; see the warnings above (--format, --delimiter)",
        );
      await writeProfileFile(output, only.view);
      return { files: [output], bytes: (await stat(output)).size };
    }
    await mkdir(output, { recursive: true });
    const manifest: ManifestEntry[] = [];
    let bytes = 0;
    const names = new Set<string>();
    for (const p of run.partitions) {
      let name = partitionFileName(p);
      // Segment values that differ only in characters a file name cannot hold get a counter.
      for (let k = 2; names.has(name); k++) name = partitionFileName(p).replace(/\.bin$/, `.${k}.bin`);
      names.add(name);
      const path = join(output, name);
      await writeProfileFile(path, p.view);
      bytes += (await stat(path)).size;
      manifest.push({
        file: name,
        bucketStart: p.bucketStart === null ? null : new Date(p.bucketStart).toISOString(),
        segment: p.segment === null ? null : p.segment.map((t) => ({ key: t.key, value: t.value })),
        rows: profileRowCount(p.view),
      });
    }
    await writeFile(join(output, "manifest.json"), `${JSON.stringify({ profiles: manifest }, null, 2)}\n`);
    return { files: manifest.map((m) => join(output, m.file)), bytes };
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError("output", `cannot write ${output}: ${(e as Error).message}`, {
      source: output,
      cause: e,
    });
  }
}

export async function profileCommand(
  ctx: CommandContext,
  files: string[],
  o: ProfileOptions,
): Promise<number> {
  const forced = parseFormat(o.format);
  if (forced === "profile") {
    throw new CliError("usage", "profile reads data files; to combine profiles use `sightglass merge`");
  }
  if (o.bucket !== undefined && !BUCKETS.includes(o.bucket as BucketSize)) {
    throw new CliError(
      "usage",
      `--bucket must be one of ${BUCKETS.join(", ")}; got ${JSON.stringify(o.bucket)}`,
    );
  }
  if (o.bucket !== undefined && o.timestampColumn === undefined) {
    throw new CliError(
      "usage",
      "--bucket needs --timestamp-column (the column that says when each row happened)",
    );
  }
  if (o.timestampUnit !== undefined && !UNITS.includes(o.timestampUnit as TimestampUnit)) {
    throw new CliError(
      "usage",
      `--timestamp-unit must be one of ${UNITS.join(", ")}; got ${JSON.stringify(o.timestampUnit)}`,
    );
  }
  let datasetTimestamp: number | undefined;
  if (o.datasetTimestamp !== undefined) {
    datasetTimestamp = toEpochMillis(o.datasetTimestamp);
    if (!Number.isFinite(datasetTimestamp) || datasetTimestamp < 0) {
      throw new CliError(
        "usage",
        `--dataset-timestamp must be an ISO 8601 time or epoch number, got ${JSON.stringify(o.datasetTimestamp)}`,
      );
    }
  }
  const performance = performanceSpecOf(o);
  const inputs: (DetectedInput & { format: DataFormat })[] = [];
  for (const f of files) {
    const input = await detectInput(f, forced);
    if (input.format === "profile") {
      throw new CliError("usage", `${f} is already a profile; use \`sightglass merge\` to combine profiles`);
    }
    inputs.push(input as DetectedInput & { format: DataFormat });
  }
  const options = runOptions(o);
  const partitioned = o.timestampColumn !== undefined || (options.segmentBy?.length ?? 0) > 0;
  const output = o.output ?? defaultOutput(files, partitioned);
  const run = await runProfiler(
    ctx,
    inputs,
    {
      ...options,
      ...(o.timestampColumn !== undefined
        ? {
            timestampColumn: o.timestampColumn,
            bucket: (o.bucket ?? "day") as BucketSize,
            timestampUnit: (o.timestampUnit ?? "auto") as TimestampUnit,
          }
        : {}),
      ...(datasetTimestamp !== undefined ? { datasetTimestamp } : {}),
      ...(performance !== undefined ? { performance } : {}),
    },
    "profiling",
  );
  reportProblems(ctx, run);
  if (performance !== undefined && run.partitions.length > 0) {
    const seen = new Set(run.partitions.flatMap((p) => p.view.columnNames()));
    if (!checkPerformanceColumns(performance, seen, files.join(", "))) {
      ctx.stderr.write(
        `note: no column ${JSON.stringify(performance.target)} (--label-column): every prediction is counted as awaiting its label\n`,
      );
    }
  }
  if (o.timestampColumn !== undefined && run.rows > 0 && run.partitions.length === 0) {
    throw new CliError(
      "input",
      `no row has a usable timestamp in column ${JSON.stringify(o.timestampColumn)}; check the name (--timestamp-column) and --timestamp-unit`,
    );
  }
  const written = await writeOutputs(run, output, partitioned);
  const columns = new Set(run.partitions.flatMap((p) => p.view.columnNames())).size;
  const seconds = run.elapsedMs / 1000;
  if (o.json) {
    print(
      ctx.stdout,
      JSON.stringify({
        output,
        files: written.files,
        rows: run.rows,
        columns,
        profiles: run.partitions.length,
        malformed: run.malformed,
        malformedSamples: run.malformedSamples,
        skipped: run.skipped,
        skippedSamples: run.skippedSamples,
        inputBytes: run.bytes,
        outputBytes: written.bytes,
        threads: run.threads,
        elapsedMs: Math.round(run.elapsedMs),
        peakRssBytes: peakRssBytes(),
      }),
    );
  } else {
    const rate =
      seconds > 0
        ? ` (${formatBytes(run.bytes / seconds)}/s, ${formatNumber(Math.round(run.rows / seconds))} rows/s)`
        : "";
    print(
      ctx.stdout,
      `Profiled ${formatNumber(run.rows)} rows × ${columns} columns from ${formatBytes(run.bytes)} in ${formatDuration(run.elapsedMs)}${rate}`,
    );
    print(
      ctx.stdout,
      partitioned
        ? `Wrote ${run.partitions.length} profiles (${formatBytes(written.bytes)}) to ${output}/ (manifest.json lists them)`
        : `Wrote ${output} (${formatBytes(written.bytes)})`,
    );
  }
  return 0;
}
