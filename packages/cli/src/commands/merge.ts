// `sightglass merge <profiles…> -o merged.bin`: partitions, replicas or time windows → one profile.

import { stat } from "node:fs/promises";
import { writeProfileFile } from "@sightglass/profile/node";
import { CliError } from "../errors.js";
import { formatBytes } from "../output/format.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";
import { loadProfiles, wholeView } from "./inputs.js";

export interface MergeOptions {
  readonly output?: string;
}

export async function mergeCommand(ctx: CommandContext, paths: string[], o: MergeOptions): Promise<number> {
  if (o.output === undefined) throw new CliError("usage", "merge needs -o <file> for the merged profile");
  const side = await loadProfiles(ctx, paths, { format: "profile" }, "merging");
  const merged = wholeView(side);
  try {
    await writeProfileFile(o.output, merged);
  } catch (e) {
    throw new CliError("output", `cannot write ${o.output}: ${(e as Error).message}`, {
      source: o.output,
      cause: e,
    });
  }
  const segments = side.partitions.length;
  print(
    ctx.stdout,
    `Merged ${paths.length} input${paths.length === 1 ? "" : "s"}${segments > 1 ? ` (${segments} segments)` : ""} into ${o.output} (${formatBytes((await stat(o.output)).size)}, ${merged.columnNames().length} columns)`,
  );
  return 0;
}
