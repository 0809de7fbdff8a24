// `sightglass show <profile>`: what a profile says about each column.

import type { DatasetProfileView, SummaryValue } from "@sightglass/profile";
import { columnFacts } from "@sightglass/analysis";
import { formatNumber, formatPercent } from "../output/format.js";
import { renderTable } from "../output/table.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";
import { printJson } from "../output/json.js";
import { loadProfiles, parseList, wholeView } from "./inputs.js";
import { segmentName } from "../engine/partitioner.js";
import type { DataOptions } from "./inputs.js";
import { CliError } from "../errors.js";

export interface ShowOptions extends DataOptions {
  readonly json?: boolean;
  readonly columns?: string;
  readonly segments?: boolean;
  readonly top?: string;
}

function num(v: SummaryValue | undefined): number | null {
  return typeof v === "number" ? v : null;
}

function summaryTable(
  ctx: CommandContext,
  view: DatasetProfileView,
  only: string[] | undefined,
  top: number,
): string {
  const summary = view.toSummary();
  const names = only ?? view.columnNames();
  const rows = names.map((name) => {
    const s = summary[name]!;
    const col = view.column(name)!;
    const facts = columnFacts(col);
    const n = num(s["counts/n"]) ?? 0;
    const nulls = num(s["counts/null"]) ?? 0;
    const items = s["frequent_items/frequent_strings"];
    // No numbers in the column (strings, or all missing): whylogs still reports mean 0 and NaN extremes.
    const numeric = (num(s["distribution/n"]) ?? 0) > 0;
    const stat = (key: string): string => formatNumber(numeric ? num(s[key]) : null);
    const topItems = Array.isArray(items)
      ? items
          .slice(0, top)
          .map((i) => `${i.value} (${formatNumber(i.est)})`)
          .join(", ")
      : "";
    return [
      name,
      facts.inferredType,
      formatNumber(n),
      formatPercent(n > 0 ? nulls / n : null),
      stat("distribution/mean"),
      stat("distribution/min"),
      stat("distribution/median"),
      stat("distribution/max"),
      formatNumber(num(s["cardinality/est"]) === null ? null : Math.round(num(s["cardinality/est"])!)),
      topItems,
    ];
  });
  return renderTable(
    [
      { header: "column", flexible: true, maxWidth: 40 },
      { header: "type" },
      { header: "count", align: "right" },
      { header: "null", align: "right" },
      { header: "mean", align: "right" },
      { header: "min", align: "right" },
      { header: "median", align: "right" },
      { header: "max", align: "right" },
      { header: "distinct≈", align: "right" },
      { header: "top items", flexible: true, maxWidth: 60 },
    ],
    rows,
    ctx.style,
  );
}

export async function showCommand(ctx: CommandContext, paths: string[], o: ShowOptions): Promise<number> {
  const side = await loadProfiles(ctx, paths, o, "profiling");
  const only = parseList(o.columns);
  const top = o.top === undefined ? 3 : Number(o.top);
  if (!Number.isInteger(top) || top < 0)
    throw new CliError("usage", `--top must be an integer ≥ 0, got ${o.top}`);
  const parts = o.segments ? side.partitions : [{ segment: null, bucketStart: null, view: wholeView(side) }];
  for (const p of parts) {
    for (const c of only ?? []) {
      if (p.view.column(c) === undefined) {
        throw new CliError(
          "usage",
          `column ${JSON.stringify(c)} is not in the profile; it has ${p.view.columnNames().slice(0, 20).join(", ")}`,
        );
      }
    }
  }
  if (o.json) {
    const summaries = parts.map((p) => {
      const all = p.view.toSummary();
      const picked = only === undefined ? all : Object.fromEntries(only.map((c) => [c, all[c]]));
      return { segment: p.segment, summary: picked };
    });
    // One profile: the summary object itself (whylogs' to_summary_dict keys per column).
    printJson(ctx.stdout, o.segments ? summaries : summaries[0]!.summary);
    return 0;
  }
  for (const p of parts) {
    const seg = segmentName(p.segment);
    const when = new Date(p.view.datasetTimestamp).toISOString();
    print(
      ctx.stdout,
      `${seg === "" ? "Profile" : `Segment ${seg}`} · ${p.view.columnNames().length} columns · dataset time ${when}`,
    );
    print(ctx.stdout, summaryTable(ctx, p.view, only, top));
    print(ctx.stdout);
  }
  return 0;
}
