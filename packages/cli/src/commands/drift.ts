// `sightglass drift <reference> <target>`: drift and data quality of target vs reference, as a terminal
// table, JSON, and/or a self-contained HTML report; `--fail-on` makes it a CI gate.

import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { AnalysisError, DRIFT_METHODS, compareSegments, profileRowCount } from "@sightglass/analysis";
import type { CompareOptions, DriftMethod, ProfileComparison, ProfilePair } from "@sightglass/analysis";
import { CliError } from "../errors.js";
import { segmentName } from "../engine/partitioner.js";
import { formatNumber, formatPValue } from "../output/format.js";
import { paint, renderTable } from "../output/table.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";
import { loadProfiles, parseList, wholeView } from "./inputs.js";
import type { DataOptions, LoadedProfiles } from "./inputs.js";
import { printJson } from "../output/json.js";

export interface DriftOptions extends DataOptions {
  readonly html?: string;
  readonly json?: boolean;
  readonly failOn?: string;
  readonly method?: string;
  readonly columns?: string;
  readonly correction?: string;
  readonly minEffectSize?: string;
  readonly driftShare?: string;
  readonly title?: string;
}

function parseShare(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n >= 0 && n <= 1))
    throw new CliError("usage", `${flag} must be a number in [0, 1], got ${JSON.stringify(value)}`);
  return n;
}

function compareOptions(o: DriftOptions): CompareOptions {
  if (o.method !== undefined && o.method !== "auto" && !DRIFT_METHODS.includes(o.method as DriftMethod)) {
    throw new CliError(
      "usage",
      `--method must be auto or one of ${DRIFT_METHODS.join(", ")}; got ${JSON.stringify(o.method)}`,
    );
  }
  const correction =
    o.correction === undefined ? undefined : o.correction === "bh" ? "benjamini-hochberg" : o.correction;
  if (correction !== undefined && correction !== "benjamini-hochberg" && correction !== "none") {
    throw new CliError("usage", `--correction must be bh or none, got ${JSON.stringify(o.correction)}`);
  }
  const columns = parseList(o.columns);
  const minEffectSize = parseShare(o.minEffectSize, "--min-effect-size");
  const driftShare = parseShare(o.driftShare, "--drift-share");
  return {
    drift: {
      ...(o.method !== undefined ? { method: o.method as DriftMethod | "auto" } : {}),
      ...(columns !== undefined ? { columns } : {}),
      ...(correction !== undefined ? { correction: correction as "benjamini-hochberg" | "none" } : {}),
      ...(minEffectSize !== undefined ? { minEffectSize } : {}),
      ...(driftShare !== undefined ? { driftShare } : {}),
    },
  };
}

/**
 * Pairs the two sides by segment. Both segmented: every segment found on both sides. Otherwise the whole
 * datasets (a segmented side merged).
 */
export function pairSides(reference: LoadedProfiles, target: LoadedProfiles): ProfilePair[] {
  const segmented = (s: LoadedProfiles): boolean => s.partitions.some((p) => p.segment !== null);
  if (segmented(reference) && segmented(target)) {
    const refs = new Map(reference.partitions.map((p) => [segmentName(p.segment), p.view]));
    const pairs: ProfilePair[] = [];
    for (const p of target.partitions) {
      const name = segmentName(p.segment);
      const ref = refs.get(name);
      if (ref !== undefined) pairs.push({ segment: name, reference: ref, target: p.view });
    }
    if (pairs.length === 0) {
      throw new CliError(
        "input",
        "the reference and target have no segment in common; compare them whole by merging first (sightglass merge)",
      );
    }
    return pairs;
  }
  return [{ segment: null, reference: wholeView(reference), target: wholeView(target) }];
}

const CATEGORY_COLOR: Record<string, string> = { drift: "31", possible_drift: "33", no_drift: "32" };
const SEVERITY_COLOR: Record<string, string> = { error: "31", warning: "33", info: "36" };

function rowsOf(side: LoadedProfiles): number {
  // Segments partition the rows, so their counts add up.
  return side.run?.rows ?? side.partitions.reduce((sum, p) => sum + profileRowCount(p.view), 0);
}

function printReport(
  ctx: CommandContext,
  cmp: ProfileComparison,
  reference: LoadedProfiles,
  target: LoadedProfiles,
): void {
  const s = cmp.datasetDrift;
  print(ctx.stdout, `Reference: ${reference.name} (${formatNumber(rowsOf(reference))} rows)`);
  print(ctx.stdout, `Target:    ${target.name} (${formatNumber(rowsOf(target))} rows)`);
  const verdict = s.datasetDrift ? paint("DRIFT", "1;31", ctx.style) : paint("no drift", "1;32", ctx.style);
  print(
    ctx.stdout,
    `Dataset: ${verdict} — ${s.drifted} of ${s.tested} column comparisons drifted, ${s.possibleDrift} possibly (p-values ${s.correction === "none" ? "uncorrected" : "Benjamini–Hochberg adjusted"})`,
  );
  print(ctx.stdout);
  const segmented = cmp.columns.some((c) => c.segment !== null);
  const rows = cmp.columns.map((c) => [
    c.column,
    ...(segmented ? [c.segment ?? ""] : []),
    c.method,
    formatNumber(c.statistic),
    `±${formatNumber(c.bound, 2)}`,
    formatPValue(c.adjustedPValue),
    { text: c.category.replace("_", " "), color: CATEGORY_COLOR[c.category] },
  ]);
  print(
    ctx.stdout,
    renderTable(
      [
        { header: "column", flexible: true, maxWidth: 40 },
        ...(segmented ? [{ header: "segment", flexible: true, maxWidth: 30 }] : []),
        { header: "method" },
        { header: "statistic", align: "right" as const },
        { header: "bound", align: "right" as const },
        { header: "p (adj.)", align: "right" as const },
        { header: "category" },
      ],
      rows,
      ctx.style,
    ),
  );
  for (const k of s.skipped)
    print(
      ctx.stdout,
      paint(`not compared: ${k.column}${k.segment ? ` [${k.segment}]` : ""}: ${k.reason}`, "2", ctx.style),
    );
  print(ctx.stdout);
  if (cmp.quality.length === 0) {
    print(ctx.stdout, "Data quality: no findings");
    return;
  }
  print(ctx.stdout, `Data quality: ${cmp.quality.length} finding${cmp.quality.length === 1 ? "" : "s"}`);
  print(
    ctx.stdout,
    renderTable(
      [
        { header: "severity" },
        { header: "check" },
        { header: "column", flexible: true, maxWidth: 30 },
        ...(segmented ? [{ header: "segment", flexible: true, maxWidth: 24 }] : []),
        { header: "finding", flexible: true, maxWidth: 200 },
      ],
      cmp.quality.map((q) => [
        { text: q.severity, color: SEVERITY_COLOR[q.severity] },
        q.check,
        q.column,
        ...(segmented ? [q.segment ?? ""] : []),
        q.message,
      ]),
      ctx.style,
    ),
  );
}

/** Whether `--fail-on` trips: `drift` on the dataset verdict, `possible` on any column drifting or possibly. */
export function gateTripped(cmp: ProfileComparison, failOn: string | undefined): boolean {
  if (failOn === undefined) return false;
  if (failOn === "drift") return cmp.datasetDrift.datasetDrift;
  return cmp.columns.some((c) => c.category !== "no_drift");
}

export async function driftCommand(
  ctx: CommandContext,
  reference: string,
  target: string,
  o: DriftOptions,
): Promise<number> {
  if (o.failOn !== undefined && o.failOn !== "drift" && o.failOn !== "possible") {
    throw new CliError("usage", `--fail-on must be drift or possible, got ${JSON.stringify(o.failOn)}`);
  }
  const options = compareOptions(o);
  const ref = await loadProfiles(ctx, [reference], o, "profiling reference");
  const tgt = await loadProfiles(ctx, [target], o, "profiling target");
  const pairs = pairSides(ref, tgt);
  let cmp: ProfileComparison;
  try {
    cmp = compareSegments(pairs, options);
  } catch (e) {
    if (e instanceof AnalysisError) throw new CliError("usage", e.message, { cause: e });
    throw e;
  }
  if (o.html !== undefined) {
    // Loaded only for --html: its page script is large and no other command needs it.
    const { buildDriftReportData } = await import("../report/data.js");
    const { renderDriftReportHtml } = await import("../report/html.js");
    const data = buildDriftReportData({
      title: o.title ?? `Drift: ${basename(target)} vs ${basename(reference)}`,
      reference: { name: reference, views: pairs.map((p) => ({ segment: p.segment, view: p.reference })) },
      target: { name: target, views: pairs.map((p) => ({ segment: p.segment, view: p.target })) },
      comparison: cmp,
    });
    try {
      await writeFile(o.html, renderDriftReportHtml(data));
    } catch (e) {
      throw new CliError("output", `cannot write ${o.html}: ${(e as Error).message}`, {
        source: o.html,
        cause: e,
      });
    }
  }
  if (o.json) {
    printJson(ctx.stdout, cmp);
  } else {
    printReport(ctx, cmp, ref, tgt);
    if (o.html !== undefined) print(ctx.stdout, `\nHTML report: ${o.html}`);
  }
  const tripped = gateTripped(cmp, o.failOn);
  if (tripped) {
    ctx.stderr.write(
      `--fail-on ${o.failOn}: ${o.failOn === "drift" ? "the dataset drifted" : "at least one column drifted or possibly drifted"} (exit 1)\n`,
    );
  }
  return tripped ? 1 : 0;
}
