import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/**
 * The shared reference material lives beside the repository (`../shared`); CI always has it. When it
 * is absent, tests that need it are reported as skipped with the reason instead of vanishing.
 */
export const sharedDir: string | null = (() => {
  const dir = process.env.SIGHTGLASS_SHARED_DIR ?? join(repoRoot, "..", "shared");
  return existsSync(join(dir, "vectors")) ? dir : null;
})();

export const SHARED_MISSING_REASON =
  "../shared (reference vectors) is not beside the repository; set SIGHTGLASS_SHARED_DIR to run these";

export function vectorPath(...parts: string[]): string {
  if (sharedDir === null) throw new Error(SHARED_MISSING_REASON);
  return join(sharedDir, "vectors", ...parts);
}

export function readVector(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(vectorPath(...parts)));
}

export function readVectorJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(vectorPath(...parts), "utf8")) as T;
}

/** Registers one visibly skipped test when the shared material is missing; returns true if present. */
export function requireShared(): boolean {
  if (sharedDir === null) {
    it.skip(`skipped: ${SHARED_MISSING_REASON}`, () => {});
    return false;
  }
  return true;
}
