// `sightglass upload <profiles…> --server URL --project ID`: sends profiles to a Sightglass server's ingestion
// endpoint. The API key comes from the environment (never the command line, where `ps` and shell history
// would show it).

import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { ProfileError } from "@sightglass/profile";
import { deliverProfile, profilesEndpoint } from "@sightglass/profile/node";
import { CliError, unreadable } from "../errors.js";
import { formatBytes } from "../output/format.js";
import type { CommandContext } from "./context.js";
import { print } from "./context.js";
import { profileFilesIn, readProfile } from "./inputs.js";

export interface UploadOptions {
  readonly server?: string;
  readonly project?: string;
  readonly apiKeyEnv?: string;
  readonly retries?: string;
  readonly concurrency?: string;
}

export const API_KEY_ENV = "SIGHTGLASS_API_KEY";

async function profilePaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch((e: unknown) => {
      throw unreadable(p, e);
    });
    out.push(...(info.isDirectory() ? await profileFilesIn(p) : [p]));
  }
  return out;
}

export async function uploadCommand(ctx: CommandContext, paths: string[], o: UploadOptions): Promise<number> {
  if (o.server === undefined)
    throw new CliError("usage", "upload needs --server <url> (e.g. http://localhost:8080)");
  if (o.project === undefined) throw new CliError("usage", "upload needs --project <id>");
  let base: URL;
  try {
    base = new URL(o.server);
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new CliError("usage", `--server must be an http(s) URL, got ${JSON.stringify(o.server)}`);
  }
  const envName = o.apiKeyEnv ?? API_KEY_ENV;
  const apiKey = ctx.env[envName];
  if (apiKey === undefined || apiKey === "") {
    throw new CliError(
      "usage",
      `no API key: set ${envName} in the environment (create a key in the server's settings)`,
    );
  }
  const retries = o.retries === undefined ? 3 : Number(o.retries);
  if (!Number.isInteger(retries) || retries < 0)
    throw new CliError("usage", `--retries must be an integer ≥ 0`);
  const concurrency = o.concurrency === undefined ? 4 : Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new CliError("usage", `--concurrency must be an integer from 1 to 64`);
  const files = await profilePaths(paths);
  let url: URL;
  try {
    url = profilesEndpoint(base.href, o.project);
  } catch (e) {
    if (e instanceof ProfileError) throw new CliError("usage", `${e.message} (check --server and --project)`);
    throw e;
  }
  const uploadOne = async (file: string): Promise<void> => {
    // Validate before sending: a server should never be the first to notice a broken file.
    await readProfile(file);
    const bytes = await readFile(file);
    // Same bytes → same key: a retried upload (ours or a re-run of the command) is stored once.
    const idempotencyKey = createHash("sha256").update(bytes).digest("hex");
    // The library's delivery: the same classification and backoff as a service's HttpProfileWriter.
    const result = await deliverProfile({
      url,
      apiKey,
      bytes,
      idempotencyKey,
      timeoutMs: 60_000,
      maxAttempts: retries + 1,
      minBackoffMs: 500,
    });
    if (result.kind === "delivered") {
      print(
        ctx.stdout,
        result.duplicate
          ? `Already stored: ${file} (the server has these bytes for project ${o.project}; nothing changed)`
          : `Uploaded ${file} (${formatBytes(bytes.length)}) → project ${o.project}`,
      );
      return;
    }
    const { status } = result;
    if (status === undefined) {
      throw new CliError(
        "network",
        `cannot reach ${base.origin}: ${result.message} (is the server running? check --server)`,
        { source: url.href, cause: result.kind === "transient" ? result.cause : undefined },
      );
    }
    const hint =
      status === 401 || status === 403
        ? ` — check ${envName} and that the key may ingest into project ${o.project}`
        : status === 404
          ? ` — no project ${o.project} on ${base.origin}, or not a Sightglass server`
          : status >= 300 && status < 400
            ? ` — ${result.message}`
            : "";
    throw new CliError(
      "network",
      `upload of ${file} failed: HTTP ${status}${result.body ? `: ${result.body}` : ""}${hint}`,
      { source: url.href },
    );
  };
  // A few uploads in flight: a backfill of thousands of small profiles waits on round trips, not on the server.
  // The first failure stops new uploads; those in flight finish (the server stores each once either way).
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < files.length) {
      const file = files[next++]!;
      try {
        await uploadOne(file);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  if (failure !== undefined) throw failure;
  return 0;
}
