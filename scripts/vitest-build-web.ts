// Vitest global setup of the browser suite's UI tests: builds the web UI (Vite, about a second) so the server
// under test serves the current sources, not a stale dist/.
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export default function setup(): void {
  execFileSync(
    process.execPath,
    [resolve(repoRoot, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"],
    {
      cwd: resolve(repoRoot, "packages/web"),
      stdio: "inherit",
    },
  );
}
