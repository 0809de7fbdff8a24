// Global setup of the "oracle" project: makes sure the cached venv with the pip oracles exists and hands
// its python executable to the test files. There is deliberately no skip path: CI always has python3, and
// a suite that silently skips would report green while checking nothing.
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    pythonPath: string;
    /** The venv with scikit-learn and NannyML (tests/oracle/requirements-ml.txt). */
    mlPythonPath: string;
  }
}

type EnsurePythonEnv = (options: { quiet?: boolean; name?: string; requirements?: string }) => string;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export default async function setup(project: TestProject): Promise<void> {
  // A computed specifier keeps tsc from looking for declarations of the plain-JS helper.
  const helperUrl = pathToFileURL(resolve(repoRoot, "scripts/python-env.mjs")).href;
  const { ensurePythonEnv } = (await import(helperUrl)) as { ensurePythonEnv: EnsurePythonEnv };
  let pythonPath: string;
  let mlPythonPath: string;
  try {
    pythonPath = ensurePythonEnv({ quiet: true });
    mlPythonPath = ensurePythonEnv({
      quiet: true,
      name: "python-ml",
      requirements: "tests/oracle/requirements-ml.txt",
    });
  } catch (cause) {
    throw new Error(
      "The oracle suite needs python3 (>= 3.9, with venv and pip) to install the pinned pip packages " +
        "(datasketches, whylogs-sketching, whylogs, pandas) into .cache/python, and scikit-learn and NannyML into .cache/python-ml. Install python3 or set " +
        "PYTHON=/path/to/python3. " +
        `Underlying error: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  project.provide("pythonPath", pythonPath);
  project.provide("mlPythonPath", mlPythonPath);
}
