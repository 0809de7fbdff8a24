#!/usr/bin/env node
// `npm start`: the Sightglass server on the embedded SQLite store in ./sightglass-data, seeded on first start
// with the demo project (generated traffic with an injected drift, late labels and a weaker segment).
// Extra arguments go to `sightglass serve` (e.g. `npm start -- --port 9000`).
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const child = spawn(
  process.execPath,
  [
    resolve(root, "packages/cli/bin/sightglass.js"),
    "serve",
    "--demo",
    "--data-dir",
    resolve(root, "sightglass-data"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
// The server shuts down gracefully on SIGINT/SIGTERM; forward them and exit with its code.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
