// `sightglass validate <profile|data> --constraints file`: declarative checks; exit 1 when any fails.

import { readFile } from "node:fs/promises";
import { AnalysisError, checkConstraints, parseConstraints } from "@sightglass/analysis";
import type { ConstraintReport, ConstraintSet } from "@sightglass/analysis";
import { CliError, unreadable } from "../errors.js";
import { renderTable, paint } from "../output/table.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";
import { loadProfiles, wholeView } from "./inputs.js";
import type { DataOptions } from "./inputs.js";
import { printJson } from "../output/json.js";

export interface ValidateOptions extends DataOptions {
  readonly constraints?: string;
  readonly json?: boolean;
}

async function readConstraints(path: string): Promise<ConstraintSet> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw unreadable(path, e);
  }
  try {
    return parseConstraints(text, path.endsWith(".json") ? "json" : undefined);
  } catch (e) {
    if (e instanceof AnalysisError) {
      throw new CliError("input", `${path}: ${e.message}`, { source: path, cause: e });
    }
    throw e;
  }
}

export async function validateCommand(
  ctx: CommandContext,
  paths: string[],
  o: ValidateOptions,
): Promise<number> {
  if (o.constraints === undefined) {
    throw new CliError(
      "usage",
      "validate needs --constraints <file.yaml|file.json> (see CONSTRAINTS.md for the format)",
    );
  }
  const set = await readConstraints(o.constraints);
  const side = await loadProfiles(ctx, paths, o, "profiling");
  const report: ConstraintReport = checkConstraints(wholeView(side), set);
  if (o.json) {
    printJson(ctx.stdout, report);
  } else {
    print(
      ctx.stdout,
      renderTable(
        [
          { header: "result" },
          { header: "constraint", flexible: true, maxWidth: 40 },
          { header: "column", flexible: true, maxWidth: 30 },
          { header: "details", flexible: true, maxWidth: 160 },
        ],
        report.results.map((r) => [
          r.passed
            ? { text: r.uncertain ? "pass?" : "pass", color: "32" }
            : { text: r.uncertain ? "FAIL?" : "FAIL", color: "31" },
          r.name,
          r.column ?? "",
          r.message,
        ]),
        ctx.style,
      ),
    );
    const uncertain = report.results.filter((r) => r.uncertain).length;
    print(ctx.stdout);
    print(
      ctx.stdout,
      report.passed
        ? paint(`All ${report.total} constraints passed.`, "32", ctx.style)
        : paint(`${report.failures} of ${report.total} constraints failed.`, "31", ctx.style),
    );
    if (uncertain > 0) {
      print(
        ctx.stdout,
        `${uncertain} verdict${uncertain === 1 ? "" : "s"} marked ? could flip on the raw data: the value is within the sketch's error of the limit.`,
      );
    }
  }
  return report.passed ? 0 : 1;
}
