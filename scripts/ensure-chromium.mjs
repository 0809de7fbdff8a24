#!/usr/bin/env node
// Makes sure a Chromium the browser test suite can drive with playwright-core exists, and returns its
// executable. Uses the distribution's package (Debian `chromium`), never a Playwright-downloaded build.
// Fast when present: only a file check. Otherwise runs
//   apt-get install -y --no-install-recommends chromium
// (as root, or through `sudo -n`), and runs `apt-get update` first only when the install fails because
// the package lists are missing or stale. CHROMIUM_PATH=/path/to/chromium skips all of this.
// Usage: node scripts/ensure-chromium.mjs [--print] [--quiet]
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { installDebianPackage, isExecutable } from "./debian-package.mjs";

/** Where Debian's `chromium` package puts its launcher. */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/**
 * Returns the path of the chromium executable, installing Debian's `chromium` package if needed.
 * @param {{ quiet?: boolean }} [options]
 * @returns {string}
 */
export function ensureChromium({ quiet = false } = {}) {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!isExecutable(override)) throw new Error(`CHROMIUM_PATH=${override} is not an executable file.`);
    return override;
  }
  if (isExecutable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;

  const log = (msg) => quiet || process.stderr.write(`[ensure-chromium] ${msg}\n`);
  const started = Date.now();
  installDebianPackage("chromium", {
    purpose: "for the browser tests",
    otherwise: "set CHROMIUM_PATH=/path/to/chromium",
    log,
    echo: !quiet,
  });
  if (!isExecutable(DEBIAN_CHROMIUM)) {
    throw new Error(`apt-get installed chromium, but ${DEBIAN_CHROMIUM} is still missing.`);
  }
  log(`installed chromium in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return DEBIAN_CHROMIUM;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const path = ensureChromium({ quiet: process.argv.includes("--quiet") });
    if (process.argv.includes("--print")) process.stdout.write(`${path}\n`);
  } catch (error) {
    process.stderr.write(`[ensure-chromium] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
