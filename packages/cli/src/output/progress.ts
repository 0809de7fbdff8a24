// A one-line progress display on an interactive stderr: bytes, rows, rows/s and ETA. Silent when stderr is
// piped or --quiet, so logs and CI output stay clean.

import type { RunProgress } from "../engine/run.js";
import { formatBytes, formatDuration, formatNumber } from "./format.js";

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

export class ProgressLine {
  private readonly out: ProgressStream;
  private readonly started = performance.now();
  private lastDraw = -Infinity;
  private drawn = false;
  private latest: RunProgress | null = null;

  constructor(
    out: ProgressStream,
    private readonly label: string,
  ) {
    this.out = out;
  }

  update(p: RunProgress): void {
    this.latest = p;
    const now = performance.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    this.draw(now);
  }

  private draw(now: number): void {
    const p = this.latest;
    if (p === null) return;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? p.rows / seconds : 0;
    const parts = [this.label];
    if (p.totalBytes !== null && p.totalBytes > 0) {
      const share = Math.min(1, p.bytes / p.totalBytes);
      const width = 24;
      const full = Math.round(share * width);
      parts.push(`[${"█".repeat(full)}${"░".repeat(width - full)}] ${(share * 100).toFixed(0).padStart(3)}%`);
      parts.push(`${formatBytes(p.bytes)}/${formatBytes(p.totalBytes)}`);
      if (share > 0.01 && share < 1) {
        const eta = (seconds / share) * (1 - share) * 1000;
        parts.push(`ETA ${formatDuration(eta)}`);
      }
    } else {
      parts.push(formatBytes(p.bytes));
    }
    parts.push(`${formatNumber(p.rows)} rows`, `${formatNumber(Math.round(rate))} rows/s`);
    let line = parts.join("  ");
    const max = (this.out.columns ?? 100) - 1;
    if (line.length > max) line = line.slice(0, max);
    this.out.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }

  /** Clears the line (the final summary is printed by the command). */
  done(): void {
    if (this.drawn) this.out.write("\r\u001b[2K");
  }
}
