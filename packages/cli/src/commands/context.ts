// What every command gets: where to write, how to style, the environment. Commands never touch
// process.stdout directly, so tests can run them in-process too.

import type { Style } from "../output/table.js";
import type { ProgressStream } from "../output/progress.js";

export interface Output {
  write(text: string): unknown;
}

export interface CommandContext {
  readonly stdout: Output;
  readonly stderr: Output & ProgressStream;
  readonly style: Style;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Show progress on stderr (a terminal, and not --quiet). */
  readonly progress: boolean;
}

export function print(out: Output, text = ""): void {
  out.write(`${text}\n`);
}
