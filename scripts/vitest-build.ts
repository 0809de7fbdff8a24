// Vitest global setup for suites that run the built `sightglass` command as a user would (spawned process):
// compile every package first. `tsc -b` is incremental, so this is quick when nothing changed.
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error -- plain ESM build script without type declarations
import { buildWasm } from "./build-wasm.mjs";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export default async function setup(): Promise<void> {
  await buildWasm();
  execFileSync(process.execPath, [resolve(repoRoot, "node_modules/typescript/bin/tsc"), "-b"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
}
