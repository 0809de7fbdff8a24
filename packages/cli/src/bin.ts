// Process entry point: real streams, terminal detection, exit code.

import { runCli } from "./main.js";

const stderrTty = process.stderr.isTTY === true;
const stdoutTty = process.stdout.isTTY === true;
const argv = process.argv.slice(2);
const quiet = argv.includes("-q") || argv.includes("--quiet");
const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";

// A reader that stops early (`sightglass show p.bin | head`) closes the pipe: what is left unprinted is not
// wanted, so that ends the run quietly, as it does for other Unix tools, instead of an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await runCli(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  style: { color: stdoutTty && !noColor, width: stdoutTty ? (process.stdout.columns ?? 120) : Infinity },
  env: process.env,
  progress: stderrTty && !quiet,
});
// Let stdout drain (a pipe may still be writing a large JSON document) before exiting.
process.exitCode = code;
