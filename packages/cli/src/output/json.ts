// JSON for scripts: `--json` output of every command.

import type { Output } from "../commands/context.js";

/**
 * JSON text in which NaN and ±Infinity (a mean over infinities, a statistic of an empty side) are the strings
 * "NaN", "Infinity" and "-Infinity" — JSON has no such numbers, and null would read as "no value".
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) =>
      typeof v === "number" && !Number.isFinite(v)
        ? Number.isNaN(v)
          ? "NaN"
          : v > 0
            ? "Infinity"
            : "-Infinity"
        : typeof v === "bigint"
          ? v.toString()
          : v,
    2,
  );
}

export function printJson(out: Output, value: unknown): void {
  out.write(`${jsonText(value)}\n`);
}
