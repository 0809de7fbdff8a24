// Peak resident memory of this process (all threads), for `profile --json` and the memory tests.

import { readFileSync } from "node:fs";

/**
 * Linux's VmHWM (peak resident set of this address space). Preferred over getrusage's maxRSS, which on Linux
 * survives fork + exec and can report the parent's peak when the CLI is spawned by a large process.
 */
export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}
