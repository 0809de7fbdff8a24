// Server processes for the suites that run `sightglass serve` as a user does (several processes on one store,
// crashes and restarts): spawning, waiting for the "listening on" line, stopping, and never leaving one behind.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { cliBin } from "../cli/support.js";

const children = new Set<ChildProcess>();
// A worker that dies without running afterAll must not leave processes behind.
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** The environment without inherited SIGHTGLASS_* settings, so only what the test sets configures a process. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith("SIGHTGLASS_")) env[name] = value;
  return { ...env, ...extra };
}

/** Registers a child process to be killed if the test worker exits first. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function trackedChildren(): ChildProcess[] {
  return [...children];
}

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
}

/** Starts `sightglass serve` (port 0: any free port) and resolves with the URL from its "listening on" line. */
export function startServe(options: {
  readonly storeArgs: readonly string[];
  readonly env: Record<string, string>;
  readonly port?: number;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}): Promise<ServeProcess> {
  const args = [
    cliBin,
    "serve",
    "--port",
    String(options.port ?? 0),
    "--log-level",
    "warn",
    ...options.storeArgs,
  ];
  const child = track(
    spawn(process.execPath, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${out}${err}`));
    }, timeoutMs);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      resolve({ url: match[1]!, child, stdout: () => out, stderr: () => err });
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}${err}`));
    });
  });
}

/** Stops a process: SIGTERM (a server drains and closes its store) then SIGKILL after `graceMs`, or SIGKILL at once. */
export async function stop(
  child: ChildProcess,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
  graceMs = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = signal === "SIGTERM" ? setTimeout(() => child.kill("SIGKILL"), graceMs) : undefined;
  await exited;
  if (timer !== undefined) clearTimeout(timer);
}
