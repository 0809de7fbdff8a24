import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts"],
          // Generates the WebAssembly kernel module the sources import (a no-op when current).
          globalSetup: ["scripts/vitest-build-wasm.ts"],
          testTimeout: 60_000,
        },
      },
      {
        // Cross-language oracle suite: real Python packages (datasketches, whylogs-sketching)
        // installed once into a cached venv by the global setup.
        test: {
          name: "oracle",
          include: ["tests/oracle/**/*.test.ts"],
          globalSetup: ["scripts/vitest-build-wasm.ts", "tests/oracle/setup-python.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
    ],
    // `.only` fails the run in CI (allowOnly defaults to false when CI is set).
    allowOnly: !process.env.CI,
  },
});
