// Process entry point: real streams, terminal detection, exit code.

import { runCli } from "./main.js";

const stderrTty = process.stderr.isTTY === true;
const stdoutTty = process.stdout.isTTY === true;
const argv = process.argv.slice(2);
const quiet = argv.includes("-q") || argv.includes("--quiet");
const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";

const code = await runCli(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  style: { color: stdoutTty && !noColor, width: stdoutTty ? (process.stdout.columns ?? 120) : Infinity },
  env: process.env,
  progress: stderrTty && !quiet,
});
// Let stdout drain (a pipe may still be writing a large JSON document) before exiting.
process.exitCode = code;
