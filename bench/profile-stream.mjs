#!/usr/bin/env node
// Child process of bench/profile.mjs: profiles <rows> generated rows (bench/profile-data.mjs), <chunk> rows at
// a time, into one DatasetProfile, and prints its peak RSS as JSON. One process per size, so that every
// figure starts from a fresh heap. With --generate-only the chunks are generated and dropped without being
// profiled: the memory the input alone takes. Usage: node bench/profile-stream.mjs <rows> <chunk> [--generate-only]
import { readFileSync } from "node:fs";
import { COLUMNS, SCHEMA, generateRaw, toColumnObject } from "./profile-data.mjs";

/**
 * Peak resident set size of this process in KiB: Linux's VmHWM, the high-water mark of this process' own
 * address space. Not getrusage's maxRSS: on Linux that survives fork + exec, so a child spawned by a large
 * parent would report the parent's size. Elsewhere maxRSS is the best there is.
 */
function peakRssKb() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

const { DatasetProfile } = await import("../packages/profile/dist/index.js");

const rows = Number(process.argv[2]);
const chunk = Number(process.argv[3] ?? 100_000);
const generateOnly = process.argv[4] === "--generate-only";
if (!Number.isSafeInteger(rows) || rows <= 0 || !Number.isSafeInteger(chunk) || chunk <= 0) {
  console.error("usage: node bench/profile-stream.mjs <rows> <chunk> [--generate-only]");
  process.exit(2);
}

const baselineKb = peakRssKb();
const start = process.hrtime.bigint();
const profile = new DatasetProfile({ schema: SCHEMA });
let generated = 0;
for (let first = 0; first < rows; first += chunk) {
  const columns = toColumnObject(generateRaw(first, Math.min(chunk, rows - first)));
  if (generateOnly) generated += columns[COLUMNS[0].name].length;
  else profile.track(columns);
}
const bytes = generateOnly ? generated : profile.view().serialize().length;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(
  `${JSON.stringify({
    rows,
    chunk,
    generateOnly,
    columns: COLUMNS.length,
    seconds,
    baselineKb,
    maxRssKb: peakRssKb(),
    bytes,
  })}\n`,
);
