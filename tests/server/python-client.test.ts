// The Python notebook client (clients/python) against a live server, as a data scientist uses it: its pytest
// suite on SQLite and PostgreSQL (the demo project plus whylogs round trips), and the example notebook executed
// top to bottom with nbclient. The client's environment (.cache/python-client: pandas, whylogs, pytest, nbclient,
// ipykernel, matplotlib and the client itself, editable) is created on first use from its pinned requirements.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "@sightglass/server";
import type { DemoFacts } from "@sightglass/server";
import { ADMIN_KEY, BACKENDS, startTestServer } from "./support.js";
import type { TestServer } from "./support.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const clientDir = resolve(repoRoot, "clients/python");
const artifacts = resolve(repoRoot, "test-artifacts/python-client");

type EnsurePythonEnv = (options: { quiet?: boolean; name?: string; requirements?: string }) => string;

async function clientPython(): Promise<string> {
  const helper = pathToFileURL(resolve(repoRoot, "scripts/python-env.mjs")).href;
  const { ensurePythonEnv } = (await import(helper)) as { ensurePythonEnv: EnsurePythonEnv };
  return ensurePythonEnv({
    quiet: true,
    name: "python-client",
    requirements: "clients/python/requirements-test.txt",
  });
}

/**
 * Runs Python asynchronously: the server under test lives in this process, so a synchronous spawn would stop it
 * from answering the client it is waiting for.
 */
function run(
  python: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(python, args, {
      cwd: clientDir,
      env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: "1", MPLBACKEND: "Agg" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ status: code ?? -1, output }));
  });
}

describe.each(BACKENDS)("Python client on %s", (backend) => {
  let t: TestServer;
  let facts: DemoFacts;
  let python: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    python = await clientPython();
    t = await startTestServer(backend, "python_client", { monitorIntervalMs: 100 });
    // Ten days of the demo ending at the current hour: the change lies in the last week, labels stop three
    // days before the end.
    facts = await seedDemo(t.server.store, { days: 10 });
    env = {
      SIGHTGLASS_URL: t.url,
      SIGHTGLASS_API_KEY: ADMIN_KEY,
      SIGHTGLASS_TEST_FACTS: JSON.stringify(facts),
    };
  }, 600_000);
  afterAll(() => t?.close());

  it("passes the client's pytest suite against the server", async () => {
    const result = await run(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], env);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/\d+ passed/);
    expect(result.output).not.toMatch(/skipped/);
  });

  it("runs the example notebook top to bottom", async () => {
    mkdirSync(artifacts, { recursive: true });
    const executed = resolve(artifacts, `root_cause.${backend}.executed.ipynb`);
    const result = await run(python, ["examples/execute.py", "examples/root_cause.ipynb", executed], env);
    expect(result.status, result.output).toBe(0);
  });
});
