// Runs the compiled `sightglass` command in a child process, as a user (or a CI job) would.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const cliBin = join(repoRoot, "packages/cli/bin/sightglass.js");
export const sharedDir = resolve(repoRoot, "../shared");
export const housingDir = join(sharedDir, "data/california_housing");
export const haveHousing = existsSync(join(housingDir, "reference.csv"));
/** The housing classifier's columns as `sightglass profile` / `performance` flags. */
export const HOUSING_PERFORMANCE_FLAGS = [
  "--prediction-column",
  "y_pred",
  "--score-column",
  "y_pred_proba",
  "--label-column",
  "clf_target",
];

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string | Buffer;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

export function sightglass(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolvePromise({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.on("error", () => {});
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = "sightglass-cli-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `show --json` of a profile (or data file). */
export async function summaryOf(
  path: string,
  extra: readonly string[] = [],
): Promise<Record<string, Record<string, unknown>>> {
  const r = await sightglass(["show", path, "--json", ...extra]);
  if (r.code !== 0) throw new Error(`show failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
}
