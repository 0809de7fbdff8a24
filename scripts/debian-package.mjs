// Shared by the test set-ups that need a system program (Chromium for the browser suite, PostgreSQL for the
// server suite): finding executables, and installing a Debian package with apt-get — as root or through
// `sudo -n`, waiting for a concurrent apt/dpkg instead of failing on its lock, and running `apt-get update` only
// when the install fails because the package lists are missing or stale.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The full path of `command` on PATH, or null. */
export function onPath(command) {
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
 * Installs Debian package `name`. `purpose` says what it is for and `otherwise` what the user can do instead;
 * both go into the error when it cannot be installed. `log` receives progress lines.
 * @param {string} name
 * @param {{ purpose: string, otherwise: string, log?: (line: string) => void, echo?: boolean }} options
 */
export function installDebianPackage(name, { purpose, otherwise, log = () => {}, echo = false }) {
  const aptGet = onPath("apt-get");
  const root = typeof process.getuid !== "function" || process.getuid() === 0;
  const sudo = root ? null : onPath("sudo");
  if (aptGet === null || (!root && sudo === null)) {
    throw new Error(
      `${name} is needed ${purpose} and cannot be installed here (that needs apt-get, and root or sudo). ` +
        `Install it with the system's package manager (Debian: \`apt-get install ${name}\`), or ${otherwise}.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = (...args) => {
    const argv = [...(sudo ? [sudo, "-n"] : []), aptGet, "-o", "DPkg::Lock::Timeout=300", ...args];
    log(`running: ${argv.join(" ")}`);
    const result = spawnSync(argv[0], argv.slice(1), { env, encoding: "utf8", maxBuffer: 64 << 20 });
    if (result.error)
      throw new Error(`could not run ${argv[0]}: ${result.error.message}`, { cause: result.error });
    if (echo && result.stdout) process.stderr.write(result.stdout);
    return {
      ok: result.status === 0,
      output: `${result.stdout ?? ""}${result.stderr ?? ""}`,
      status: result.status,
    };
  };
  const failure = (step, result) =>
    new Error(
      `\`apt-get ${step}\` failed (exit status ${result.status}) while installing ${name} ${purpose}:\n` +
        result.output.trim().split("\n").slice(-20).join("\n"),
    );
  const install = ["install", "-y", "--no-install-recommends", name];
  let result = apt(...install);
  if (!result.ok && missingLists(result.output)) {
    log("package lists are missing or stale; running apt-get update");
    const update = apt("update");
    if (!update.ok) throw failure("update", update);
    result = apt(...install);
  }
  if (!result.ok) throw failure(install.join(" "), result);
}
