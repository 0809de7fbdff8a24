#!/usr/bin/env node
// Makes sure a Chromium the browser test suite can drive with playwright-core exists, and returns its
// executable. Uses the distribution's package (Debian `chromium`), never a Playwright-downloaded build.
// Fast when present: only a file check. Otherwise runs
//   apt-get install -y --no-install-recommends chromium
// (as root, or through `sudo -n`), and runs `apt-get update` first only when the install fails because
// the package lists are missing or stale. CHROMIUM_PATH=/path/to/chromium skips all of this.
// Usage: node scripts/ensure-chromium.mjs [--print] [--quiet]
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where Debian's `chromium` package puts its launcher. */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  return null;
}

/** apt-get output that means "the package lists do not know this package (yet)". */
function missingLists(output) {
  return /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found/i.test(
    output,
  );
}

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
  const aptGet = onPath("apt-get");
  if (aptGet === null) {
    throw new Error(
      `chromium is not installed (${DEBIAN_CHROMIUM} is missing) and apt-get is not available to install it. ` +
        "Install Chromium with the system's package manager, or set CHROMIUM_PATH=/path/to/chromium.",
    );
  }
  let prefix = [];
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    const sudo = onPath("sudo");
    if (sudo === null) {
      throw new Error(
        `chromium is not installed (${DEBIAN_CHROMIUM} is missing) and installing it with apt-get needs ` +
          "root, but this process is not root and sudo is not available. Run as root " +
          "`apt-get install -y --no-install-recommends chromium`, or set CHROMIUM_PATH=/path/to/chromium.",
      );
    }
    prefix = [sudo, "-n"];
  }

  const apt = (...args) => {
    const [command, ...rest] = [...prefix, aptGet, ...args];
    log(`running: ${[command, ...rest].join(" ")}`);
    const result = spawnSync(command, rest, { env: APT_ENV, encoding: "utf8", maxBuffer: 64 << 20 });
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
    if (!quiet && result.stdout) process.stderr.write(result.stdout);
    if (result.error)
      throw new Error(`could not run ${command}: ${result.error.message}`, { cause: result.error });
    return { ok: result.status === 0, output, status: result.status };
  };
  const failure = (step, result) =>
    new Error(
      `\`apt-get ${step}\` failed (exit status ${result.status}) while installing chromium for the browser ` +
        `tests:\n${result.output.trim().split("\n").slice(-20).join("\n")}`,
    );

  const started = Date.now();
  const install = ["install", "-y", "--no-install-recommends", "chromium"];
  let result = apt(...install);
  if (!result.ok && missingLists(result.output)) {
    log("package lists are missing or stale; running apt-get update");
    const update = apt("update");
    if (!update.ok) throw failure("update", update);
    result = apt(...install);
  }
  if (!result.ok) throw failure(install.join(" "), result);
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
