import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources of every workspace package, never a stale dist/.
const alias = {
  "@sightglass/sketches": fileURLToPath(new URL("./packages/sketches/src/index.ts", import.meta.url)),
  "@sightglass/profile/node": fileURLToPath(new URL("./packages/profile/src/node/index.ts", import.meta.url)),
  "@sightglass/profile": fileURLToPath(new URL("./packages/profile/src/index.ts", import.meta.url)),
  "@sightglass/analysis": fileURLToPath(new URL("./packages/analysis/src/index.ts", import.meta.url)),
  "@sightglass/cli": fileURLToPath(new URL("./packages/cli/src/index.ts", import.meta.url)),
  "@sightglass/server": fileURLToPath(new URL("./packages/server/src/index.ts", import.meta.url)),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts"],
          // Generates the WebAssembly kernel module the sources import (a no-op when current).
          globalSetup: ["scripts/vitest-build-wasm.ts"],
          testTimeout: 60_000,
        },
      },
      {
        // Cross-language oracle suite: real Python packages (datasketches, whylogs-sketching, whylogs)
        // installed once into a cached venv by the global setup.
        extends: true,
        test: {
          name: "oracle",
          include: ["tests/oracle/**/*.test.ts"],
          // The build: some oracle tests run the compiled `sightglass` command.
          globalSetup: ["scripts/vitest-build.ts", "tests/oracle/setup-python.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        // The `sightglass` command run as a user runs it: the compiled CLI in a child process, on generated
        // files with every CSV/JSONL quirk, the real dataset in ../shared, and a multi-GB stream.
        extends: true,
        test: {
          name: "cli",
          include: ["tests/cli/**/*.test.ts"],
          globalSetup: ["scripts/vitest-build.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The server over real HTTP, every suite against the embedded SQLite store and a real PostgreSQL
        // (a private cluster the global setup starts, installing Debian's postgresql when missing).
        extends: true,
        test: {
          name: "server",
          include: ["tests/server/**/*.test.ts"],
          // The build (WebAssembly kernel, then `tsc -b`): the concurrency suite runs the compiled `sightglass
          // serve` as separate processes.
          globalSetup: [
            "scripts/vitest-build.ts",
            "tests/support/postgres-setup.ts",
            "tests/oracle/setup-python.ts",
          ],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Browser suite: workloads bundled by esbuild for platform "browser" (a Node built-in anywhere in the
        // graph fails the build) run in headless Debian chromium via playwright-core and must give the same
        // results, byte for byte, as in Node; and the web UI (built by the global setup) driven end to end
        // against a real server. The global setup installs chromium through apt-get if missing.
        extends: true,
        test: {
          name: "browser",
          include: ["tests/browser/**/*.test.ts"],
          globalSetup: [
            "scripts/vitest-build-wasm.ts",
            "scripts/vitest-build-web.ts",
            "tests/browser/setup-chromium.ts",
          ],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
    // `.only` fails the run in CI (allowOnly defaults to false when CI is set).
    allowOnly: !process.env.CI,
  },
});
