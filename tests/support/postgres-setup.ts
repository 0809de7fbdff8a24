// Global setup for suites that need a real PostgreSQL: makes sure the private test cluster of
// scripts/postgres.mjs runs (creating it, and installing Debian's postgresql through apt-get, when needed) and
// hands its URL to the test files as inject("postgresUrl"). SIGHTGLASS_TEST_DATABASE_URL points it at another
// server instead. No skip path, as for the oracle and browser suites: a suite that silently skips would report
// green while checking nothing.
//
// Teardown: a server that already ran before (started by hand with `node scripts/postgres.mjs start`) stays up;
// one this run started is stopped, unless another process (a concurrent vitest run, a benchmark) still uses it,
// in which case the last of them stops it. Starting is cheap (about 0.2 s; 0.7 s the very first time, with
// initdb), so nothing outlives the run unasked.
//
// Test files make their own database, so that files running in parallel do not share tables:
//   const url = await createDatabase(inject("postgresUrl"), `sg_${basename(import.meta.filename, ".test.ts")}`);
//   ... afterAll(() => dropDatabase(url, name));
// createDatabase / dropDatabase are re-exported from here, typed, because tsc does not read the plain-JS helper.
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** postgres://postgres@127.0.0.1:<port>/postgres: a superuser on the maintenance database. */
    postgresUrl: string;
  }
}

interface PostgresHelper {
  ensurePostgres(options: { quiet?: boolean }): Promise<{ url: string; release(): Promise<void> }>;
  createDatabase(url: string, name: string): Promise<string>;
  dropDatabase(url: string, name: string): Promise<void>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

async function helper(): Promise<PostgresHelper> {
  // A computed specifier keeps tsc from looking for declarations of the plain-JS helper.
  const helperUrl = pathToFileURL(resolve(repoRoot, "scripts/postgres.mjs")).href;
  return (await import(helperUrl)) as PostgresHelper;
}

/** Creates an empty database `name` (dropping an existing one) on the server of `url`; returns its URL. */
export async function createDatabase(url: string, name: string): Promise<string> {
  return (await helper()).createDatabase(url, name);
}

/** Drops database `name` if it exists (closing its sessions); `url` may be that database's own URL. */
export async function dropDatabase(url: string, name: string): Promise<void> {
  return (await helper()).dropDatabase(url, name);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { ensurePostgres } = await helper();
  let server: Awaited<ReturnType<PostgresHelper["ensurePostgres"]>>;
  try {
    server = await ensurePostgres({ quiet: true });
  } catch (cause) {
    throw new Error(
      "This suite needs PostgreSQL. scripts/postgres.mjs runs a private cluster in .cache/postgres with the " +
        "system's binaries (Debian: package postgresql, installed through apt-get when missing, as root). " +
        "Try `node scripts/postgres.mjs start`, or set SIGHTGLASS_TEST_DATABASE_URL=postgres://… to use " +
        `another server. Underlying error: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  project.provide("postgresUrl", server.url);
  return () => server.release();
}
