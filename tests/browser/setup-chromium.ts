// Global setup of the "browser" project: makes sure the system chromium exists (installing Debian's package
// through apt-get when it does not) and hands its executable to the test files. No skip path, as for the
// oracle suite: a browser suite that silently skips would report green while checking nothing.
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    chromiumPath: string;
  }
}

type EnsureChromium = (options: { quiet?: boolean }) => string;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export default async function setup(project: TestProject): Promise<void> {
  // A computed specifier keeps tsc from looking for declarations of the plain-JS helper.
  const helperUrl = pathToFileURL(resolve(repoRoot, "scripts/ensure-chromium.mjs")).href;
  const { ensureChromium } = (await import(helperUrl)) as { ensureChromium: EnsureChromium };
  let chromiumPath: string;
  try {
    chromiumPath = ensureChromium({ quiet: true });
  } catch (cause) {
    throw new Error(
      "The browser suite needs a Chromium that playwright-core can drive (Debian package `chromium`, installed " +
        "by scripts/ensure-chromium.mjs). Install it with `node scripts/ensure-chromium.mjs` as root, or set " +
        `CHROMIUM_PATH=/path/to/chromium. Underlying error: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  project.provide("chromiumPath", chromiumPath);
}
