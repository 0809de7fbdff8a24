// Talks to tests/oracle/oracle.py (sketch libraries) and tests/oracle/whylogs_oracle.py (whylogs + pandas):
// one Python process per batch of commands (start-up and imports cost ~0.2 s, ~1 s with whylogs, so every
// test file sends its cases in as few batches as possible).
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, inject } from "vitest";

const oracleDir = dirname(fileURLToPath(import.meta.url));

/** oracle.py answers the sketch commands, whylogs_oracle.py the profile commands (same protocol). */
export type OracleScript =
  "oracle.py" | "whylogs_oracle.py" | "scipy_oracle.py" | "columnar_files.py" | "performance_oracle.py";

/** Scripts that run in the scikit-learn / NannyML venv instead of the whylogs one. */
const ML_SCRIPTS: ReadonlySet<OracleScript> = new Set(["performance_oracle.py"]);

export type PythonPackage = "datasketches" | "whylogs";
export const PYTHON_PACKAGES: readonly PythonPackage[] = ["datasketches", "whylogs"];

export type OracleCommand = { op: string } & Record<string, unknown>;

/** Runs the commands in one Python process; per-command failures come back as `{ error }` results. */
export async function runOracle(
  commands: readonly OracleCommand[],
  script: OracleScript = "oracle.py",
): Promise<Record<string, unknown>[]> {
  const python = ML_SCRIPTS.has(script) ? inject("mlPythonPath") : inject("pythonPath");
  const child = spawn(python, [resolve(oracleDir, script)], { stdio: ["pipe", "pipe", "pipe"] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const exitCode = new Promise<number | null>((resolveExit, rejectExit) => {
    child.on("error", rejectExit);
    child.on("close", resolveExit);
  });
  child.stdin.end(JSON.stringify({ commands }));
  const code = await exitCode;
  if (code !== 0) {
    throw new Error(`${script} exited with ${code}: ${Buffer.concat(stderr).toString("utf8")}`);
  }
  const parsed = JSON.parse(Buffer.concat(stdout).toString("utf8")) as { results: Record<string, unknown>[] };
  if (parsed.results.length !== commands.length) {
    throw new Error(`${script} answered ${parsed.results.length} of ${commands.length} commands`);
  }
  return parsed.results;
}

/** Unwraps a command result, turning a Python-side exception into a test failure with its trace. */
export function ok<T>(result: Record<string, unknown> | undefined, what: string): T {
  if (result === undefined) throw new Error(`${what}: no oracle result`);
  if (typeof result.error === "string") {
    throw new Error(`${what}: Python raised ${result.error}\n${String(result.trace ?? "")}`);
  }
  return result as T;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** Little-endian float64 bytes, base64: every bit (NaN payloads, -0) survives the trip to numpy. */
export function float64ToBase64(values: ArrayLike<number>): string {
  return toBase64(new Uint8Array(Float64Array.from(values).buffer));
}

/** oracle.py sends non-finite floats as strings because JSON has no NaN/Infinity. */
export function jsonNumber(value: number | string): number {
  return typeof value === "number" ? value : Number(value);
}

/**
 * Deterministic generator for test data (SplitMix32-style); tests must not depend on Math.random so a
 * failure reproduces.
 */
export function createRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

/** Word indices drawn from Zipf(s) over `vocabulary` words by inverse-CDF lookup. */
export function zipfIndices(count: number, vocabulary: number, s: number, seed: number): Uint32Array {
  const cumulative = new Float64Array(vocabulary);
  let total = 0;
  for (let rank = 0; rank < vocabulary; rank++) {
    total += 1 / Math.pow(rank + 1, s);
    cumulative[rank] = total;
  }
  const random = createRandom(seed);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const target = random() * total;
    let lo = 0;
    let hi = vocabulary - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? Infinity) < target) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}

/** Exact equality, element by element, with a message naming the first difference. */
export function expectSameNumbers(
  actual: readonly number[],
  expected: readonly number[],
  what: string,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Object.is(a, e)) {
      expect.fail(`${what}[${i}]: TypeScript ${a} vs Python ${e}`);
    }
  }
}

/** For quantities computed with log/pow/sqrt, where libm and V8 may differ in the last ulp. */
export function expectRelativelyClose(
  actual: number,
  expected: number,
  what: string,
  tolerance = 1e-12,
): void {
  const scale = Math.max(Math.abs(expected), Number.MIN_VALUE);
  if (!(Math.abs(actual - expected) / scale <= tolerance) && actual !== expected) {
    expect.fail(`${what}: TypeScript ${actual} vs Python ${expected} (relative tolerance ${tolerance})`);
  }
}

export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) {
    expect.fail(`${what}: ${actual.length} bytes vs ${expected.length} bytes`);
  }
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      expect.fail(`${what}: first differing byte at offset ${i}: ${actual[i]} vs ${expected[i]}`);
    }
  }
}
