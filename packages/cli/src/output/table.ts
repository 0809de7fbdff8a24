// Plain-text tables for the terminal: aligned columns, widths fitted to the terminal, optional colour.

import { displayWidth, printable } from "./format.js";

export interface TableColumn {
  readonly header: string;
  readonly align?: "left" | "right";
  /** Columns that may shrink when the table is wider than the terminal (long names, messages). */
  readonly flexible?: boolean;
  readonly maxWidth?: number;
}

export interface Cell {
  readonly text: string;
  /** ANSI SGR code applied when colour is on (e.g. "31" red). */
  readonly color?: string;
}

export type CellInput = string | Cell;

export interface Style {
  readonly color: boolean;
  /** Terminal width in columns (Infinity when not a terminal). */
  readonly width: number;
}

export function paint(text: string, code: string | undefined, style: Style): string {
  return style.color && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(text)));
  return align === "right" ? fill + text : text + fill;
}

export function renderTable(
  columns: readonly TableColumn[],
  rows: readonly CellInput[][],
  style: Style,
): string {
  const cells = rows.map((r) =>
    columns.map((c, i) => {
      const raw = r[i] ?? "";
      const cell = typeof raw === "string" ? { text: raw } : raw;
      return { text: printable(cell.text, c.maxWidth ?? 80), color: cell.color };
    }),
  );
  const widths = columns.map((c, i) =>
    Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i]!.text))),
  );
  const gap = 2;
  let total = widths.reduce((a, w) => a + w, 0) + gap * (columns.length - 1);
  // Shrink flexible columns, widest first, until the table fits (never below 8 columns).
  while (total > style.width) {
    let widest = -1;
    for (let i = 0; i < columns.length; i++) {
      if (columns[i]!.flexible && widths[i]! > 8 && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest < 0) break;
    const cut = Math.min(widths[widest]! - 8, total - style.width);
    widths[widest]! -= cut;
    total -= cut;
  }
  const line = (texts: { text: string; color?: string | undefined }[]): string =>
    texts
      .map((t, i) => {
        const c = columns[i]!;
        const fitted = displayWidth(t.text) > widths[i]! ? printable(t.text, widths[i]!) : t.text;
        return paint(pad(fitted, widths[i]!, c.align ?? "left"), t.color, style);
      })
      .join(" ".repeat(gap))
      .trimEnd();
  const header = line(columns.map((c) => ({ text: c.header, color: "1" })));
  const rule = widths.map((w) => "─".repeat(w)).join(" ".repeat(gap));
  return [header, paint(rule, "2", style), ...cells.map(line)].join("\n");
}
