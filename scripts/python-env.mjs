#!/usr/bin/env node
// Creates (once) the Python virtual environment that holds the test oracles and benchmark peers
// (pip `datasketches`, `whylogs-sketching`, …). Idempotent: when the venv exists and its
// requirements are unchanged it returns at once. Usage: node scripts/python-env.mjs [--print]
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const requirements = join(root, "tests/oracle/requirements.txt");
const venv = process.env.SIGHTGLASS_PYTHON_VENV ?? join(root, ".cache/python");
const python = join(venv, "bin/python");
const stamp = join(venv, ".requirements.sha256");

/** Returns the venv's python executable, creating or updating the venv if needed. */
export function ensurePythonEnv({ quiet = false } = {}) {
  const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return python;

  const log = (msg) => quiet || process.stderr.write(`[python-env] ${msg}\n`);
  const interpreter = process.env.PYTHON ?? "python3";
  if (existsSync(venv) && !existsSync(python)) rmSync(venv, { recursive: true, force: true });
  if (!existsSync(python)) {
    log(`creating venv at ${venv} with ${interpreter}`);
    mkdirSync(dirname(venv), { recursive: true });
    execFileSync(interpreter, ["-m", "venv", venv], { stdio: "inherit" });
  }
  log(`installing ${requirements}`);
  execFileSync(
    python,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements],
    {
      stdio: quiet ? ["ignore", "ignore", "inherit"] : "inherit",
    },
  );
  writeFileSync(stamp, wanted);
  return python;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const py = ensurePythonEnv();
  if (process.argv.includes("--print")) process.stdout.write(`${py}\n`);
}
