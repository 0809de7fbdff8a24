#!/usr/bin/env node
// Creates (once) a cached Python virtual environment from a pinned requirements file. The default one holds
// the test oracles and the datasketches / whylogs benchmark peers (tests/oracle/requirements.txt →
// .cache/python); others are named, such as the drift benchmark's (bench/requirements.txt →
// .cache/python-bench). Idempotent: when the venv exists and its requirements are unchanged it returns at once.
// Usage: node scripts/python-env.mjs [--name <dir under .cache> --requirements <file>] [--print]
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_NAME = "python";
const DEFAULT_REQUIREMENTS = "tests/oracle/requirements.txt";

/**
 * The contents the venv is built from: the requirements file and the files its `-r` / `-c` lines name
 * (resolved from the file's directory, as pip does), so that a change to a shared pin also updates a venv that
 * only takes it as a constraint.
 */
function requirementsDigest(file, seen = new Set()) {
  const hash = createHash("sha256");
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const text = readFileSync(path, "utf8");
    hash.update(text);
    for (const line of text.split("\n")) {
      const include = /^\s*(?:-r|-c|--requirement|--constraint)[\s=]+(\S+)/.exec(line);
      if (include) visit(resolve(dirname(path), include[1]));
    }
  };
  visit(file);
  return hash.digest("hex");
}

/**
 * Returns the venv's python executable, creating or updating the venv if needed. `name` is its directory under
 * .cache (the default one can be moved with SIGHTGLASS_PYTHON_VENV) and `requirements` its pinned requirements
 * file, relative to the repository root.
 */
export function ensurePythonEnv({
  quiet = false,
  name = DEFAULT_NAME,
  requirements = DEFAULT_REQUIREMENTS,
} = {}) {
  const requirementsPath = resolve(root, requirements);
  const venv =
    name === DEFAULT_NAME && process.env.SIGHTGLASS_PYTHON_VENV
      ? process.env.SIGHTGLASS_PYTHON_VENV
      : join(root, ".cache", name);
  const python = join(venv, "bin/python");
  const stamp = join(venv, ".requirements.sha256");
  const wanted = requirementsDigest(requirementsPath);
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return python;

  const log = (msg) => quiet || process.stderr.write(`[python-env] ${msg}\n`);
  const interpreter = process.env.PYTHON ?? "python3";
  if (existsSync(venv) && !existsSync(python)) rmSync(venv, { recursive: true, force: true });
  if (!existsSync(python)) {
    log(`creating venv at ${venv} with ${interpreter}`);
    mkdirSync(dirname(venv), { recursive: true });
    execFileSync(interpreter, ["-m", "venv", venv], { stdio: "inherit" });
  }
  log(`installing ${requirementsPath}`);
  execFileSync(
    python,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirementsPath],
    {
      // From the file's directory: pip reads an editable `-e .` relative to the working directory.
      cwd: dirname(requirementsPath),
      stdio: quiet ? ["ignore", "ignore", "inherit"] : "inherit",
    },
  );
  writeFileSync(stamp, wanted);
  return python;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const option = (flag) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const name = option("--name");
  const requirements = option("--requirements");
  if ((name === undefined) !== (requirements === undefined)) {
    console.error("usage: node scripts/python-env.mjs [--name <dir> --requirements <file>] [--print]");
    process.exit(2);
  }
  const py = ensurePythonEnv(name === undefined ? {} : { name, requirements });
  if (process.argv.includes("--print")) process.stdout.write(`${py}\n`);
}
