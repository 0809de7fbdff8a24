#!/usr/bin/env node
// A real PostgreSQL for the test suites and benchmarks: a private, throwaway cluster that this script creates
// once, starts on demand and reuses while it runs. Fast when already running (no child process at all: it reads
// postmaster.pid and asks the server over TCP which data directory it serves).
//
// - Binaries: the first directory on PATH with initdb and pg_ctl, else the newest /usr/lib/postgresql/*/bin;
//   if there are none, `apt-get install -y --no-install-recommends postgresql` (as root, or through `sudo -n`),
//   with `apt-get update` first only when the install fails because the package lists are missing or stale.
// - Where: <repo>/.cache/postgres (data/, server.log, port, the unix socket, lock, leases/). As root, Postgres
//   refuses to run, so initdb / pg_ctl run as the `postgres` OS user (created by the Debian package) through
//   runuser, and that directory is chown'ed to it. When that user cannot reach it (a parent directory it may not
//   traverse) or the socket path would exceed the 107-byte limit of unix sockets, the cluster lives in
//   /var/tmp/sightglass-postgres-<hash of repo path and uid> instead (on disk, unlike a tmpfs /tmp).
// - Settings: UTF8 with the C locale (byte-order collation, identical everywhere), trust authentication but
//   listening only on 127.0.0.1 and the socket, max_connections = 300, and fsync / synchronous_commit /
//   full_page_writes off: a crash may lose or corrupt the data, which is fine for tests but makes write-heavy
//   benchmark numbers optimistic.
// - Port: SIGHTGLASS_PG_PORT if set (an error if something else holds it), else the port used last time, else
//   54329; when a foreign process holds it, the next free one from 54330..54339 or one the OS picks, which is
//   then remembered. A running cluster is reused on whatever port it listens.
// - SIGHTGLASS_TEST_DATABASE_URL=postgres://… uses that server instead, and nothing is started or stopped.
//
// Usage: node scripts/postgres.mjs start|stop|url|status
//   start   start (creating the cluster if needed) and print the URL; it then stays up until `stop`
//   stop    stop the server                  url     print the URL if running (exit 1 if not)
//   status  print whether it runs (exit 0) or not (exit 3, as pg_ctl)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { installDebianPackage, isExecutable, onPath } from "./debian-package.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_PORT = 54329;
const IS_ROOT = process.getuid?.() === 0;
/** sun_path holds 108 bytes with the NUL; the socket file is "<dir>/.s.PGSQL.<port>" (up to 16 more). */
const MAX_SOCKET_DIR = 90;
const START_TIMEOUT_S = 60;

const noop = async () => {};

// ---------------------------------------------------------------------------------------------- small helpers

function readText(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Whether a process exists (EPERM: it does, but belongs to another user, e.g. `postgres`). */
function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

function tail(path, lines = 30) {
  const text = readText(path);
  if (text === null) return `(${path} is not readable)`;
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Runs a command, as the `postgres` OS user when we are root (`user` set), without a shell. */
function run(user, command, args, cwd) {
  const [file, ...rest] = user ? ["runuser", "-u", user.name, "--", command, ...args] : [command, ...args];
  const result = spawnSync(file, rest, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.error)
    throw new Error(`could not run ${file}: ${result.error.message}`, { cause: result.error });
  return {
    ok: result.status === 0,
    status: result.status,
    output: `${result.stdout}${result.stderr}`.trim(),
  };
}

function urlFor(port) {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => {}); // a dropped idle connection must not crash the process
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------------------------------------ binaries

/** Directories holding initdb, pg_ctl and postgres, in order of preference. */
function binDirCandidates() {
  const dirs = [];
  // Resolve symlinks such as /usr/local/bin/pg_ctl → /usr/lib/postgresql/15/bin/pg_ctl.
  const pgCtl = onPath("pg_ctl");
  if (pgCtl !== null) dirs.push(dirname(realpathSync(pgCtl)));
  const debian = "/usr/lib/postgresql";
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)) : [];
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) dirs.push(join(debian, v, "bin"));
  return [...new Set(dirs)].filter((d) =>
    ["initdb", "pg_ctl", "postgres"].every((b) => isExecutable(join(d, b))),
  );
}

/** Usable binary directories, installing Debian's package first when there are none. */
function binaries(log) {
  let dirs = binDirCandidates();
  if (dirs.length === 0) {
    installPostgres(log);
    dirs = binDirCandidates();
    if (dirs.length === 0) throw new Error("apt-get installed postgresql, but its binaries are missing");
  }
  return dirs;
}

/** The binaries for a cluster of major version `wanted` if there are any, else the preferred ones. */
function pickBinaries(dirs, wanted) {
  const versions = dirs.map((bin) => ({ bin, major: majorVersion(bin) }));
  return versions.find((v) => v.major === wanted) ?? versions[0];
}

function majorVersion(bin) {
  // "pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"; --version is allowed as root.
  const match = /\(PostgreSQL\) (\d+)/.exec(run(null, join(bin, "pg_ctl"), ["--version"]).output);
  if (!match) throw new Error(`could not tell the version of ${bin}/pg_ctl`);
  return match[1];
}

function installPostgres(log) {
  installDebianPackage("postgresql", {
    purpose: "for the server tests (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin)",
    otherwise: "set SIGHTGLASS_TEST_DATABASE_URL=postgres://… to use an existing server",
    log,
  });
  // Debian's package also creates (and, where services may start, starts) its own "main" cluster on port
  // 5432. We leave that alone and never use it.
}

/** The `postgres` OS user, when we are root; null otherwise (everything then runs as the current user). */
let cachedUser;
function serverUser() {
  if (cachedUser !== undefined) return cachedUser;
  if (!IS_ROOT) return (cachedUser = null);
  const entry = spawnSync("getent", ["passwd", "postgres"], { encoding: "utf8" }).stdout?.split(":");
  if (!entry || entry.length < 4) {
    throw new Error(
      "PostgreSQL refuses to run as root, and there is no `postgres` OS user to run it as. Create one " +
        "(`useradd --system --home-dir /var/lib/postgresql postgres`) or install Debian's postgresql package.",
    );
  }
  return (cachedUser = { name: "postgres", uid: Number(entry[2]), gid: Number(entry[3]) });
}

// ---------------------------------------------------------------------------------------------- the cluster

function baseDirCandidates() {
  const key = createHash("sha256")
    .update(`${root}\0${process.getuid?.() ?? ""}`)
    .digest("hex")
    .slice(0, 12);
  return [join(root, ".cache", "postgres"), join("/var/tmp", `sightglass-postgres-${key}`)];
}

/** The directory of a cluster made earlier, if any (no child processes: this is on the fast path). */
function existingBaseDir() {
  return baseDirCandidates().find((dir) => existsSync(join(dir, "data", "PG_VERSION"))) ?? null;
}

/** Creates the first candidate directory the server user can write and whose socket path fits. */
function createBaseDir(user) {
  for (const dir of baseDirCandidates()) {
    if (Buffer.byteLength(dir) > MAX_SOCKET_DIR) continue;
    mkdirSync(dir, { recursive: true });
    if (!user) return dir;
    chownSync(dir, user.uid, user.gid);
    if (run(user, "test", ["-w", dir, "-a", "-x", dir], "/").ok) return dir;
  }
  throw new Error(`no directory for the cluster is usable: tried ${baseDirCandidates().join(", ")}`);
}

/**
 * Serializes starting, stopping and lease changes between processes (several vitest projects or runs, a
 * benchmark) with an exclusive lock file holding the owner's pid; a lock whose owner died is taken over.
 */
async function withLock(base, fn) {
  const lock = join(base, "lock");
  const deadline = Date.now() + 600_000; // the holder may be running apt-get install
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const holder = readText(lock);
      // An empty file is a lock being written right now.
      if (holder !== null && holder !== "" && !isAlive(Number(holder))) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${holder})`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Asks the server on `port` which data directory it serves, retrying for `timeoutMs`; else { error }. */
async function servedDataDir(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  do {
    try {
      return await withClient(urlFor(port), async (c) => {
        const { rows } = await c.query("select current_setting('data_directory') as dir");
        return rows[0].dir;
      });
    } catch (error) {
      lastError = error;
      await sleep(100);
    }
  } while (Date.now() < deadline);
  return { error: lastError };
}

const samePath = (a, b) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
};

/**
 * The URL of our cluster if its server runs, else null. Does what `pg_ctl status` does (postmaster.pid names a
 * live process) without spawning it, then proves it with a real connection to the port in that file.
 */
async function runningUrl(base) {
  const data = join(base, "data");
  const pidFile = join(data, "postmaster.pid");
  // postmaster.pid lines: pid, data dir, start time, port, socket dir, listen address, shmem key, status.
  const lines = readText(pidFile)?.split("\n");
  if (!lines) return null;
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!isAlive(pid)) return null;
  // After a reboot (a container restart) the stale pid may belong to an unrelated process; Postgres would then
  // refuse to start ("lock file already exists"), so drop the file.
  const comm = readText(`/proc/${pid}/comm`);
  if (comm !== null && comm.trim() !== "postgres") {
    rmSync(pidFile, { force: true });
    return null;
  }
  // The server may still be starting (or recovering); give it the start timeout to answer.
  const dir = await servedDataDir(port, START_TIMEOUT_S * 1000);
  if (typeof dir !== "string") {
    throw new Error(
      `PostgreSQL (pid ${pid}, data ${data}) runs but does not answer on 127.0.0.1:${port}: ` +
        `${dir.error?.message}\n--- ${join(base, "server.log")} (last lines) ---\n${tail(join(base, "server.log"))}`,
    );
  }
  if (!samePath(dir, data))
    throw new Error(`port ${port} is served by a cluster in ${dir}, not ours (${data})`);
  return urlFor(port);
}

function isPortFree(port) {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => done(true)));
  });
}

async function choosePort(base) {
  const fixed = process.env.SIGHTGLASS_PG_PORT;
  if (fixed) {
    const port = Number(fixed);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`bad SIGHTGLASS_PG_PORT=${fixed}`);
    if (!(await isPortFree(port))) throw new Error(`SIGHTGLASS_PG_PORT=${port} is in use by another process`);
    return port;
  }
  const remembered = Number(readText(join(base, "port")));
  const preferred = [remembered, ...Array.from({ length: 11 }, (_, i) => DEFAULT_PORT + i)];
  for (const port of new Set(preferred.filter((p) => Number.isInteger(p) && p > 0))) {
    if (await isPortFree(port)) return port;
  }
  return new Promise((done, fail) => {
    const server = createServer().once("error", fail);
    server.listen({ port: 0, host: "127.0.0.1" }, () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** initdb into data.init, configure, then rename: an interrupted initdb never leaves a half-made data/. */
function initCluster(base, bin, user, log) {
  const staging = join(base, "data.init");
  rmSync(staging, { recursive: true, force: true });
  log(`initdb ${join(base, "data")}`);
  const args = ["-D", staging, "-U", "postgres", "-E", "UTF8", "--locale=C", "--auth=trust", "--no-sync"];
  const result = run(user, join(bin, "initdb"), args, base);
  if (!result.ok) throw new Error(`initdb failed (exit ${result.status}):\n${result.output}`);
  // Trust only the socket (inside base) and 127.0.0.1 — the only addresses the server listens on.
  writeFileSync(join(staging, "pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n");
  // The per-start settings live in sightglass.conf, rewritten before each start.
  // `include`, not `include_if_exists`: without it the server would quietly listen on 5432.
  appendFileSync(join(staging, "postgresql.conf"), "\ninclude 'sightglass.conf'\n");
  renameSync(staging, join(base, "data"));
}

async function startServer(base, user, log) {
  const data = join(base, "data");
  // Prefer binaries of the cluster's major version; a cluster of another one is disposable, so remake it.
  const existing = readText(join(data, "PG_VERSION"))?.trim();
  const { bin, major } = pickBinaries(binaries(log), existing);
  if (existing && existing !== major) {
    log(`the cluster is from PostgreSQL ${existing}, the binaries are ${major}: recreating it`);
    rmSync(data, { recursive: true, force: true });
  }
  if (!existsSync(join(data, "PG_VERSION"))) initCluster(base, bin, user, log);

  const port = await choosePort(base);
  const conf = join(data, "sightglass.conf");
  writeFileSync(
    conf,
    [
      "# Written by scripts/postgres.mjs before each start.",
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${base.replaceAll("'", "''")}'`,
      "max_connections = 300",
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
      "",
    ].join("\n"),
  );
  if (user) chownSync(conf, user.uid, user.gid);

  const logFile = join(base, "server.log");
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.prev`); // the tail in errors is this start's
  log(`starting PostgreSQL ${major} on 127.0.0.1:${port}`);
  const started = run(
    user,
    join(bin, "pg_ctl"),
    ["-D", data, "-l", logFile, "-w", "-t", `${START_TIMEOUT_S}`, "start"],
    base,
  );
  const url = urlFor(port);
  const dir = started.ok ? await servedDataDir(port, 10_000) : null;
  if (typeof dir !== "string" || !samePath(dir, data)) {
    throw new Error(
      `PostgreSQL did not start on 127.0.0.1:${port} (pg_ctl: ${started.output.replaceAll("\n", " ")}` +
        `${dir?.error ? `; connecting: ${dir.error.message}` : ""})\n` +
        `--- ${logFile} (last lines) ---\n${tail(logFile)}`,
    );
  }
  writeFileSync(join(base, "port"), `${port}\n`);
  return url;
}

function stopServer(base, user, log) {
  const data = join(base, "data");
  const dirs = binDirCandidates();
  if (!existsSync(join(data, "postmaster.pid")) || dirs.length === 0) return false;
  const { bin } = pickBinaries(dirs, readText(join(data, "PG_VERSION"))?.trim());
  const status = run(user, join(bin, "pg_ctl"), ["-D", data, "status"], base);
  if (!status.ok) return false; // 3: not running
  log("stopping PostgreSQL");
  const result = run(user, join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"], base);
  if (!result.ok) throw new Error(`pg_ctl stop failed (exit ${result.status}):\n${result.output}`);
  return true;
}

// ------------------------------------------------------------------------------------ leases (test runs)
// A test run that starts the server stops it when it is done, but another run (another vitest process, a
// benchmark) may be using it by then. So each user of the server writes leases/<pid>-<n>, and the server started
// by a run is marked "ephemeral": release() stops it once no live process holds a lease. A server started by
// hand (`node scripts/postgres.mjs start`) is not ephemeral and stays up. Leases of dead processes are ignored.

const leaseDir = (base) => join(base, "leases");
const ephemeralMark = (base) => join(base, "ephemeral");

let leaseCounter = 0;

/** Lease files are named <pid>-<n>: one per handle, as several vitest projects may share a process. */
function leases(base) {
  const dir = leaseDir(base);
  return (existsSync(dir) ? readdirSync(dir) : []).map((name) => ({ name, pid: Number.parseInt(name, 10) }));
}

function takeLease(base) {
  mkdirSync(leaseDir(base), { recursive: true });
  for (const { name, pid } of leases(base))
    if (!isAlive(pid)) rmSync(join(leaseDir(base), name), { force: true });
  const lease = join(leaseDir(base), `${process.pid}-${++leaseCounter}`);
  writeFileSync(lease, "");
  return lease;
}

// ------------------------------------------------------------------------------------------------------ API

/**
 * Makes sure our PostgreSQL runs and returns how to reach it.
 * - url: postgres://postgres@127.0.0.1:<port>/postgres (superuser, trust auth, the maintenance database);
 * - startedNow: whether this call started it (false when it already ran, or for an external server);
 * - release(): done with it: stops it if a non-`persistent` call started it and no other process uses it;
 * - stop(): stops it now, whoever uses it.
 * With SIGHTGLASS_TEST_DATABASE_URL set, that server is checked and returned and release/stop do nothing.
 * @param {{ quiet?: boolean, persistent?: boolean }} [options] persistent: keep it up until `stop` (the CLI)
 * @returns {Promise<{ url: string, startedNow: boolean, external: boolean, release(): Promise<void>, stop(): Promise<void> }>}
 */
export async function ensurePostgres({ quiet = false, persistent = false } = {}) {
  const log = (msg) => quiet || process.stderr.write(`[postgres] ${msg}\n`);
  const external = process.env.SIGHTGLASS_TEST_DATABASE_URL;
  if (external) {
    await withClient(external, (c) => c.query("select 1")).catch((cause) => {
      throw new Error(`SIGHTGLASS_TEST_DATABASE_URL does not accept connections: ${cause.message}`, {
        cause,
      });
    });
    return { url: external, startedNow: false, external: true, release: noop, stop: noop };
  }

  // The cluster's directory; the first time, after installing PostgreSQL if needed (which also creates the
  // `postgres` OS user that must own the directory when we are root).
  let base = existingBaseDir();
  if (!base) {
    binaries(log);
    base = createBaseDir(serverUser());
  }
  let lease;
  const { url, startedNow } = await withLock(base, async () => {
    const running = await runningUrl(base);
    const url = running ?? (await startServer(base, serverUser(), log));
    if (persistent) rmSync(ephemeralMark(base), { force: true });
    else if (!running) writeFileSync(ephemeralMark(base), `${process.pid}\n`);
    lease = takeLease(base);
    return { url, startedNow: !running };
  });
  if (!startedNow) log(`reusing PostgreSQL at ${url}`);

  return {
    url,
    startedNow,
    external: false,
    release: () =>
      withLock(base, async () => {
        rmSync(lease, { force: true });
        const inUse = leases(base).some(({ pid }) => isAlive(pid));
        if (existsSync(ephemeralMark(base)) && !inUse) {
          stopServer(base, serverUser(), log);
          rmSync(ephemeralMark(base), { force: true });
        }
      }),
    stop: () =>
      withLock(base, async () => {
        rmSync(lease, { force: true });
        stopServer(base, serverUser(), log);
        rmSync(ephemeralMark(base), { force: true });
      }),
  };
}

const quoteIdent = (name) => `"${name.replaceAll('"', '""')}"`;

function withDatabase(url, name) {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(name)}`;
  return next.toString();
}

/**
 * Creates a fresh, empty database `name` (dropping one of that name first, disconnecting its sessions) on the
 * server of `url`, and returns its URL. Names longer than 63 bytes would be truncated by Postgres: refused.
 */
export async function createDatabase(url, name) {
  if (Buffer.byteLength(name) > 63) throw new Error(`database name longer than 63 bytes: ${name}`);
  await withClient(url, async (c) => {
    await c.query(`drop database if exists ${quoteIdent(name)} with (force)`);
    await c.query(`create database ${quoteIdent(name)}`);
  });
  return withDatabase(url, name);
}

/** Drops database `name` if it exists, disconnecting its sessions. `url` may be that database's own URL. */
export async function dropDatabase(url, name) {
  const current = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = current === name ? withDatabase(url, "postgres") : url;
  await withClient(admin, (c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}

// ------------------------------------------------------------------------------------------------------ CLI

async function main(command) {
  const external = process.env.SIGHTGLASS_TEST_DATABASE_URL;
  switch (command) {
    case "start": {
      const { url } = await ensurePostgres({ persistent: true });
      process.stdout.write(`${url}\n`);
      return 0;
    }
    case "stop": {
      if (external) return 0;
      const base = existingBaseDir();
      if (!base) return 0;
      await withLock(base, async () => {
        stopServer(base, serverUser(), (msg) => console.error(`[postgres] ${msg}`));
        rmSync(ephemeralMark(base), { force: true });
      });
      return 0;
    }
    case "url":
    case "status": {
      const base = existingBaseDir();
      const url = external ?? (base && (await runningUrl(base)));
      if (command === "url" && url) process.stdout.write(`${url}\n`);
      if (command === "status")
        process.stdout.write(url ? `running: ${url} (${external ? "external" : base})\n` : "stopped\n");
      if (!url && command === "url")
        console.error("[postgres] not running; start it with: node scripts/postgres.mjs start");
      return url ? 0 : command === "url" ? 1 : 3;
    }
    default:
      console.error("usage: node scripts/postgres.mjs start|stop|url|status");
      return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(`[postgres] ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
