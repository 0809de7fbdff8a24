// Runs a Python peer of a benchmark: the script gets its arguments, answers one JSON document on stdout and
// reports progress on stderr (passed through). A failing peer fails the benchmark.
import { spawnSync } from "node:child_process";
import { basename } from "node:path";

export function runPythonPeer(python, script, args) {
  const peer = spawnSync(python, [script, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (peer.status !== 0) {
    throw new Error(`bench/${basename(script)} failed with status ${peer.status}`);
  }
  return JSON.parse(peer.stdout);
}
