// Sends profiles to a Sightglass server without losing any to an outage or a restart. A profile is first made
// durable in an on-disk spool (temp file, fsync, rename); one background loop then delivers the spool in
// logging order and retries transient failures with the same idempotency key, so the server stores each
// profile once however often it is sent. `postProfile` and `deliverProfile` are the one implementation of the
// ingestion contract: `sightglass upload` uses them too.

import { randomUUID } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ProfileError } from "../errors.js";
import type { DatasetProfileView } from "../profile.js";
import type { BucketInfo, ProfileWriter } from "../rolling-logger.js";

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MIN_BACKOFF_MS = 500;
const DEFAULT_MAX_BACKOFF_MS = 60_000;
/** A Retry-After beyond this is treated as this: a misconfigured server must not stall delivery for days. */
const MAX_RETRY_AFTER_MS = 3_600_000;
/** How much of an error answer is kept for messages and failure notes. */
const MAX_BODY_CHARS = 500;

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/** Whether `key` is a valid `Idempotency-Key` (1–128 characters of `A–Z a–z 0–9 . _ : -`). */
export function isIdempotencyKey(key: unknown): key is string {
  return typeof key === "string" && IDEMPOTENCY_KEY.test(key);
}

function invalid(message: string): ProfileError {
  return new ProfileError("invalid-argument", message);
}

/**
 * The ingestion endpoint `{serverUrl}/api/v1/projects/{projectId}/profiles`. A path in `serverUrl` is kept
 * (a server behind a reverse proxy at `https://host/sightglass/`).
 */
export function profilesEndpoint(serverUrl: string, projectId: string): URL {
  let base: URL;
  try {
    base = new URL(serverUrl);
  } catch {
    throw invalid(`serverUrl must be an http(s) URL, got ${JSON.stringify(serverUrl)}`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw invalid(`serverUrl must be an http(s) URL, got ${JSON.stringify(serverUrl)}`);
  }
  if (base.username !== "" || base.password !== "") {
    throw invalid("serverUrl must not contain credentials; pass the API key as apiKey");
  }
  if (base.search !== "" || base.hash !== "") {
    throw invalid(`serverUrl must be the server's base URL, without a query or fragment, got ${base.href}`);
  }
  if (typeof projectId !== "string" || projectId === "") {
    throw invalid("projectId must be a non-empty string");
  }
  const dir = base.href.endsWith("/") ? base.href : `${base.href}/`;
  return new URL(`api/v1/projects/${encodeURIComponent(projectId)}/profiles`, dir);
}

/** One POST of a profile. */
export interface ProfilePost {
  /** The ingestion endpoint, from {@link profilesEndpoint}. */
  readonly url: URL;
  readonly apiKey: string;
  readonly bytes: Uint8Array;
  /** Same key → stored once: a retry must reuse the key of the attempt it repeats. */
  readonly idempotencyKey: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Per attempt, answer included (default 30 000). */
  readonly timeoutMs?: number;
  /** Aborts the request (and the waits of {@link deliverProfile}); the call then rejects with its reason. */
  readonly signal?: AbortSignal;
}

/**
 * What one POST came to:
 * - `delivered`: 2xx; `duplicate` when the server already had this idempotency key (200 rather than 201);
 * - `transient`: worth retrying with the same key (network error, timeout, 408, 425, 429, 5xx); `status` is
 *   undefined when no answer arrived, `retryAfterMs` is the server's Retry-After;
 * - `permanent`: retrying cannot help (any other status: 400, 401, 403, 404, 409, 413, 422, a redirect…);
 *   `code` and `message` come from the server's `{"error": {"code", "message"}}` body when it has one.
 * `body` is the start of the server's answer (at most 500 characters).
 */
export type PostOutcome =
  | { readonly kind: "delivered"; readonly status: number; readonly duplicate: boolean }
  | {
      readonly kind: "transient";
      readonly status: number | undefined;
      readonly retryAfterMs: number | undefined;
      readonly message: string;
      readonly body: string;
      /** The network error, when no answer arrived. */
      readonly cause: unknown;
    }
  | {
      readonly kind: "permanent";
      readonly status: number;
      readonly code: string | undefined;
      readonly message: string;
      readonly body: string;
    };

function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - Date.now();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** The server's `{"error": {"code", "message"}}`, when the body is that. */
function serverError(body: string): { code: string | undefined; message: string | undefined } {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    return {
      code: typeof error?.code === "string" ? error.code : undefined,
      message: typeof error?.message === "string" ? error.message : undefined,
    };
  } catch {
    return { code: undefined, message: undefined };
  }
}

/** Why no answer arrived, in the terms a user can act on ("ECONNREFUSED", "no answer within 30000 ms"). */
function networkReason(e: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Sends one profile once and classifies the answer (see {@link PostOutcome}); never throws for what the
 * network or the server does. Rejects only when `signal` aborts. Redirects are not followed, so the API key
 * never goes anywhere but `url`.
 */
export async function postProfile(post: ProfilePost): Promise<PostOutcome> {
  const timeoutMs = post.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // One controller per attempt rather than AbortSignal.any over a writer's long-lived signal: nothing stays
  // registered on that signal once the attempt is over.
  const attempt = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort(new Error(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  timer.unref(); // a request in flight holds the process through its socket, not through this timer
  const forwardAbort = (): void => attempt.abort(post.signal?.reason);
  post.signal?.addEventListener("abort", forwardAbort, { once: true });
  if (post.signal?.aborted === true) forwardAbort();
  const send = post.fetch ?? fetch;
  let response: Response;
  let body: string;
  try {
    response = await send(post.url, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "x-api-key": post.apiKey,
        "idempotency-key": post.idempotencyKey,
      },
      body: post.bytes,
      redirect: "manual",
      signal: attempt.signal,
    });
    // Read whole under the same timeout: a connection that dies mid-answer is a network failure, and a
    // stored profile answered again after a retry is a harmless 200.
    body = await response.text();
  } catch (e) {
    if (post.signal?.aborted === true) throw post.signal.reason;
    return {
      kind: "transient",
      status: undefined,
      retryAfterMs: undefined,
      message: networkReason(e, timedOut, timeoutMs),
      body: "",
      cause: e,
    };
  } finally {
    clearTimeout(timer);
    post.signal?.removeEventListener("abort", forwardAbort);
  }
  const status = response.status;
  const excerpt = body.slice(0, MAX_BODY_CHARS);
  if (status >= 200 && status < 300) return { kind: "delivered", status, duplicate: status === 200 };
  const fromServer = serverError(body);
  if (isTransientStatus(status)) {
    return {
      kind: "transient",
      status,
      retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
      message: fromServer.message ?? `HTTP ${status}`,
      body: excerpt,
      cause: undefined,
    };
  }
  let message = fromServer.message ?? (excerpt || `HTTP ${status}`);
  if (status >= 300 && status < 400) {
    const location = response.headers.get("location");
    message =
      `the server redirects${location === null ? "" : ` to ${location}`}; use the final URL as the server ` +
      "URL (redirects are not followed, so the API key goes nowhere else)";
  }
  return { kind: "permanent", status, code: fromServer.code, message, body: excerpt };
}

/** How {@link deliverProfile} retries transient failures. */
export interface RetryPolicy {
  /** Shortest wait before a retry, ms (default 500). */
  readonly minBackoffMs?: number;
  /** Longest wait chosen by the backoff, ms (default 60 000); a longer Retry-After is still honoured. */
  readonly maxBackoffMs?: number;
  /** Attempts in all, first included; undefined: retry transient failures for as long as it takes. */
  readonly maxAttempts?: number;
}

export interface RetryNotice {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** How long until the next attempt. */
  readonly delayMs: number;
  readonly outcome: Extract<PostOutcome, { kind: "transient" }>;
}

export interface ProfileDelivery extends ProfilePost, RetryPolicy {
  /** Called before each wait. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /**
   * Whether the waits between attempts hold a Node process open (default true, what a command wants). The
   * writer's do not: its spool outlives the process.
   */
  readonly keepProcessAlive?: boolean;
}

/** The last attempt's outcome; `transient` means the attempts ran out. */
export type DeliveryResult = PostOutcome & { readonly attempts: number };

/**
 * The wait before retry number `attempt`: uniformly random between `min` and `min·2^attempt` capped at `max`
 * ("full jitter" above a floor, so clients that failed together do not retry together), and never shorter
 * than the server's Retry-After.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy = {},
  retryAfter: number | undefined = undefined,
  random: () => number = Math.random,
): number {
  const min = policy.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
  const max = Math.max(min, policy.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
  const ceiling = Math.min(max, min * 2 ** attempt);
  return Math.round(Math.max(min + random() * (ceiling - min), retryAfter ?? 0));
}

function sleep(ms: number, signal: AbortSignal | undefined, keepProcessAlive: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (!keepProcessAlive) timer.unref();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function checkRetryPolicy(policy: RetryPolicy, owner: string): void {
  const { minBackoffMs, maxBackoffMs, maxAttempts } = policy;
  if (minBackoffMs !== undefined && !(Number.isFinite(minBackoffMs) && minBackoffMs > 0)) {
    throw invalid(`${owner}: minBackoffMs must be a positive number of milliseconds`);
  }
  if (maxBackoffMs !== undefined && !(Number.isFinite(maxBackoffMs) && maxBackoffMs > 0)) {
    throw invalid(`${owner}: maxBackoffMs must be a positive number of milliseconds`);
  }
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw invalid(
      `${owner}: maxAttempts must be an integer ≥ 1 (or undefined to retry for as long as it takes)`,
    );
  }
}

/**
 * Sends one profile until it is delivered, refused for good, or `maxAttempts` run out, waiting between
 * attempts as {@link retryDelayMs} says; every attempt carries the same idempotency key.
 */
export async function deliverProfile(delivery: ProfileDelivery): Promise<DeliveryResult> {
  checkRetryPolicy(delivery, "deliverProfile");
  for (let attempt = 1; ; attempt++) {
    const outcome = await postProfile(delivery);
    const attemptsLeft = delivery.maxAttempts === undefined || attempt < delivery.maxAttempts;
    if (outcome.kind !== "transient" || !attemptsLeft) return { ...outcome, attempts: attempt };
    const delayMs = retryDelayMs(attempt, delivery, outcome.retryAfterMs);
    delivery.onRetry?.({ attempt, delayMs, outcome });
    await sleep(delayMs, delivery.signal, delivery.keepProcessAlive ?? true);
  }
}

/**
 * What {@link HttpProfileWriter} reports. `file` is the profile's spool file: removed once delivered, in
 * `failed/` once failed.
 */
export type HttpWriterEvent =
  | {
      readonly type: "delivered";
      readonly idempotencyKey: string;
      readonly file: string;
      readonly status: number;
      /** The server already had it (an earlier attempt's answer was lost, or a restart resent it). */
      readonly duplicate: boolean;
      readonly attempts: number;
    }
  | {
      readonly type: "retry";
      readonly idempotencyKey: string;
      readonly file: string;
      readonly attempt: number;
      readonly delayMs: number;
      /** Undefined when no answer arrived. */
      readonly status: number | undefined;
      readonly message: string;
    }
  | {
      /** Refused for good (or `maxAttempts` ran out): moved to `failed/` with a note, never retried. */
      readonly type: "failed";
      readonly idempotencyKey: string;
      readonly file: string;
      readonly note: string;
      readonly status: number | undefined;
      readonly code: string | undefined;
      readonly message: string;
      readonly attempts: number;
    }
  | {
      /** The spool itself failed (a file unreadable, `failed/` unwritable); retried after a backoff. */
      readonly type: "spool-error";
      readonly file: string;
      readonly message: string;
    };

export interface HttpProfileWriterOptions extends RetryPolicy {
  /** The server's base URL, e.g. `https://sightglass.example.com`. */
  readonly serverUrl: string;
  readonly projectId: string;
  /** An ingest-scoped API key, sent as `X-API-Key`. */
  readonly apiKey: string;
  /**
   * Where profiles wait for delivery; created if missing. One writer at a time may use it (a lock file);
   * profiles left by an earlier process are delivered first.
   */
  readonly spoolDir: string;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Per attempt, ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Deliveries, retries and failures; the package itself never logs. A listener that throws is ignored. */
  readonly onEvent?: (event: HttpWriterEvent) => void;
}

/** What is left to deliver. */
export interface SpoolStatus {
  /** Nothing is waiting in the spool (and no write is under way). */
  readonly drained: boolean;
  /** Profiles spooled (or being spooled) and not yet delivered or moved to `failed/`. */
  readonly pending: number;
}

interface SpoolEntry {
  readonly sequence: number;
  readonly idempotencyKey: string;
  readonly name: string;
}

// `<16-digit sequence>-<idempotency key, ':' escaped>.bin`: name order is logging order, and `.bin` lets
// `sightglass upload <spool>/failed` resend profiles once the cause of their failure is fixed.
const SPOOL_FILE = /^(\d{16})-([A-Za-z0-9._%-]+)\.bin$/;
/** What writeDurably leaves behind when the process dies mid-write (profile or failure note). */
const SPOOL_TEMP_FILE = /^\d{16}-.*\.tmp$/;
const LOCK_FILE = "spool.lock";
const FAILED_DIR = "failed";

function spoolFileName(sequence: number, idempotencyKey: string): string {
  // ':' is the one key character some file systems refuse.
  return `${String(sequence).padStart(16, "0")}-${encodeURIComponent(idempotencyKey)}.bin`;
}

function parseSpoolFileName(name: string): SpoolEntry | undefined {
  const m = SPOOL_FILE.exec(name);
  if (m === null) return undefined;
  let idempotencyKey: string;
  try {
    idempotencyKey = decodeURIComponent(m[2]!);
  } catch {
    return undefined;
  }
  if (!isIdempotencyKey(idempotencyKey)) return undefined;
  return { sequence: Number(m[1]), idempotencyKey, name };
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function fileReason(e: unknown): string {
  const code = errorCode(e);
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return "permission denied";
  if (code === "ENOTDIR" || code === "EEXIST") return "not a directory";
  if (code === "ENOSPC") return "no space left on the device";
  return e instanceof Error ? e.message : String(e);
}

/** Makes a rename durable; not every platform can open a directory (Windows), and there it is not needed. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort: the file itself is already on disk
  }
}

/** The file appears complete, on disk, or not at all. */
async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  try {
    const handle = await open(tmp, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(e) === "EPERM";
  }
}

/** A lock file without a pid is still being written by its creator, unless it is this old (it crashed). */
const UNWRITTEN_LOCK_GRACE_MS = 10_000;

function lockedError(spoolDir: string, lockPath: string, pid: number | undefined): ProfileError {
  const holder =
    pid === undefined
      ? "another process"
      : pid === process.pid
        ? `another writer of this process (pid ${pid}); close it first`
        : `process ${pid}`;
  return new ProfileError(
    "locked",
    `HttpProfileWriter: spool directory ${spoolDir} is in use by ${holder}; one writer at a time may drain a spool directory (lock file ${lockPath})`,
  );
}

function readLock(lockPath: string): { text: string; pid: number | undefined; ageMs: number } | undefined {
  try {
    const text = readFileSync(lockPath, "utf8");
    const ageMs = Date.now() - statSync(lockPath).mtimeMs;
    const pid = Number.parseInt(text, 10);
    return { text, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, ageMs };
  } catch (e) {
    if (errorCode(e) === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Takes `<spoolDir>/spool.lock` (created with O_EXCL, holding `<pid> <token>`) and returns its release.
 * A lock whose process is gone is taken over: it is first renamed aside, which only one contender can do,
 * and the renamed file must still be the stale one (else a live lock was moved: it is put back).
 */
function acquireSpoolLock(spoolDir: string): () => void {
  const lockPath = join(spoolDir, LOCK_FILE);
  const token = `${process.pid} ${randomUUID()}\n`;
  for (let tries = 0; tries < 5; tries++) {
    try {
      const fd = openSync(lockPath, "wx");
      try {
        writeSync(fd, token);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return () => {
        if (readLock(lockPath)?.text === token) rmSync(lockPath, { force: true });
      };
    } catch (e) {
      if (errorCode(e) !== "EEXIST") throw e;
    }
    const held = readLock(lockPath);
    if (held === undefined) continue; // released meanwhile
    const stale = held.pid === undefined ? held.ageMs > UNWRITTEN_LOCK_GRACE_MS : !isAlive(held.pid);
    if (!stale) throw lockedError(spoolDir, lockPath, held.pid);
    const aside = `${lockPath}.${randomUUID()}.stale`;
    try {
      renameSync(lockPath, aside);
    } catch (e) {
      if (errorCode(e) === "ENOENT") continue; // another contender took it over first
      throw e;
    }
    const moved = readFileSync(aside, "utf8");
    if (moved !== held.text) {
      try {
        renameSync(aside, lockPath);
      } finally {
        rmSync(aside, { force: true });
      }
      throw lockedError(spoolDir, lockPath, Number.parseInt(moved, 10) || undefined);
    }
    rmSync(aside, { force: true });
  }
  throw lockedError(spoolDir, lockPath, undefined);
}

/**
 * A {@link ProfileWriter} that delivers profiles to a Sightglass server through an on-disk spool:
 * `write()` resolves once the profile is durably on disk, and delivery happens in the background, in order,
 * with retries, across outages and process restarts. Each profile gets a random idempotency key when it is
 * spooled, so however often it is resent the server stores it once.
 *
 * @example
 * ```ts
 * const writer = new HttpProfileWriter({
 *   serverUrl: "https://sightglass.example.com",
 *   projectId: "churn-model",
 *   apiKey: process.env.SIGHTGLASS_API_KEY!,
 *   spoolDir: "/var/spool/sightglass",
 * });
 * const logger = new RollingLogger({ interval: "hour", writers: [writer] });
 * // … on shutdown:
 * await logger.close();
 * await writer.close({ flushTimeoutMs: 10_000 }); // what is left stays spooled for the next start
 * ```
 */
export class HttpProfileWriter implements ProfileWriter {
  readonly spoolDir: string;
  /** Profiles the server refused for good, each with a `<name>.json` note of why. */
  readonly failedDir: string;
  private readonly endpoint: URL;
  private readonly options: HttpProfileWriterOptions;
  private readonly releaseLock: () => void;
  /** Spooled, undelivered profiles in sequence order; the drain loop works on the first. */
  private readonly queue: SpoolEntry[] = [];
  /** Sequences being written to the spool: nothing after them may be delivered before they are. */
  private readonly writing = new Set<number>();
  private readonly writes = new Set<Promise<unknown>>();
  private nextSequence: number;
  private readonly stop = new AbortController();
  private wakeLoop: (() => void) | undefined;
  private readonly flushWaiters = new Set<() => void>();
  private closed = false;
  private closing: Promise<SpoolStatus> | undefined;
  private readonly loop: Promise<void>;

  /** Validates the options, takes the spool's lock and starts delivering what an earlier process left. */
  constructor(options: HttpProfileWriterOptions) {
    if (options === null || typeof options !== "object") {
      throw invalid("HttpProfileWriter: options { serverUrl, projectId, apiKey, spoolDir } are required");
    }
    if (typeof options.serverUrl !== "string") throw invalid("HttpProfileWriter: serverUrl is required");
    try {
      this.endpoint = profilesEndpoint(options.serverUrl, options.projectId);
    } catch (e) {
      throw e instanceof ProfileError ? invalid(`HttpProfileWriter: ${e.message}`) : e;
    }
    if (typeof options.apiKey !== "string" || options.apiKey === "") {
      throw invalid("HttpProfileWriter: apiKey is missing (an ingest-scoped key from the server's settings)");
    }
    // Printable ASCII without spaces: anything else is not a valid header value, and fetch would fail each
    // attempt as if the network did. The key itself never appears in a message.
    if (!/^[\x21-\x7e]+$/.test(options.apiKey)) {
      throw invalid("HttpProfileWriter: apiKey contains spaces, control or non-ASCII characters");
    }
    if (typeof options.spoolDir !== "string" || options.spoolDir === "") {
      throw invalid("HttpProfileWriter: spoolDir (a directory the writer may create and write) is required");
    }
    if (options.fetch !== undefined && typeof options.fetch !== "function") {
      throw invalid("HttpProfileWriter: fetch must be a function like the global fetch");
    }
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw invalid("HttpProfileWriter: timeoutMs must be a positive number of milliseconds");
    }
    checkRetryPolicy(options, "HttpProfileWriter");
    this.options = options;
    this.spoolDir = options.spoolDir;
    this.failedDir = join(options.spoolDir, FAILED_DIR);
    try {
      mkdirSync(this.failedDir, { recursive: true });
      this.releaseLock = acquireSpoolLock(this.spoolDir);
    } catch (e) {
      if (e instanceof ProfileError) throw e;
      throw new ProfileError(
        "invalid-argument",
        `HttpProfileWriter: cannot use ${this.spoolDir} as a spool directory: ${fileReason(e)}`,
        { cause: e },
      );
    }
    try {
      this.nextSequence = this.recoverSpool() + 1;
    } catch (e) {
      this.releaseLock();
      throw new ProfileError(
        "invalid-argument",
        `HttpProfileWriter: cannot read the spool directory ${this.spoolDir}: ${fileReason(e)}`,
        { cause: e },
      );
    }
    this.loop = this.drain();
  }

  /**
   * Queues what an earlier process spooled, removes the temp files of writes it did not finish (their
   * write() never resolved, so their profiles are still the logger's), and returns the highest sequence in
   * use, so new profiles go after the old ones.
   */
  private recoverSpool(): number {
    let highest = 0;
    for (const dir of [this.spoolDir, this.failedDir]) {
      for (const name of readdirSync(dir)) {
        if (SPOOL_TEMP_FILE.test(name)) {
          rmSync(join(dir, name), { force: true });
          continue;
        }
        const entry = parseSpoolFileName(name);
        if (entry === undefined) continue;
        highest = Math.max(highest, entry.sequence);
        if (dir === this.spoolDir) this.queue.push(entry);
      }
    }
    this.queue.sort((a, b) => a.sequence - b.sequence);
    return highest;
  }

  /** Profiles spooled (or being spooled) and not yet delivered or moved to `failed/`. */
  get pending(): number {
    return this.queue.length + this.writing.size;
  }

  /** Spools the view's whylogs bytes; resolves once they are durably on disk, before delivery. */
  async write(view: DatasetProfileView, _info?: BucketInfo): Promise<void> {
    await this.enqueue(view.serialize());
  }

  /**
   * Spools profile bytes as they are (no validation: the server refuses what is not a profile). Resolves
   * with the idempotency key once they are durably on disk; a given key is stored by the server once.
   */
  async enqueue(bytes: Uint8Array, idempotencyKey: string = randomUUID()): Promise<string> {
    if (this.closed) {
      throw invalid("HttpProfileWriter: write after close(); create a new writer on the spool directory");
    }
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
      throw invalid("HttpProfileWriter: enqueue needs the profile's bytes (a non-empty Uint8Array)");
    }
    if (!isIdempotencyKey(idempotencyKey)) {
      throw invalid("HttpProfileWriter: an idempotency key is 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    }
    // Taken now, synchronously: the order of the calls is the order of delivery.
    const sequence = this.nextSequence++;
    this.writing.add(sequence);
    const written = this.spool(sequence, idempotencyKey, bytes);
    this.writes.add(written);
    try {
      await written;
      return idempotencyKey;
    } finally {
      this.writes.delete(written);
      this.writing.delete(sequence);
      this.wake();
      this.settleFlushes();
    }
  }

  private async spool(sequence: number, idempotencyKey: string, bytes: Uint8Array): Promise<void> {
    const name = spoolFileName(sequence, idempotencyKey);
    try {
      await writeDurably(join(this.spoolDir, name), bytes);
    } catch (e) {
      throw new ProfileError(
        "write-failed",
        `HttpProfileWriter: cannot spool a profile in ${this.spoolDir}: ${fileReason(e)}`,
        { cause: e },
      );
    }
    await syncDirectory(this.spoolDir);
    const entry = { sequence, idempotencyKey, name };
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1]!.sequence > sequence) at--;
    this.queue.splice(at, 0, entry);
  }

  /**
   * Resolves when the spool is empty (every profile delivered or moved to `failed/`), or after `timeoutMs`
   * (default: no limit) with what is still pending. Never rejects: what is not delivered stays on disk.
   * Also resolves, not drained, when the writer is closed. Holds the process open while it waits.
   */
  flush(timeoutMs?: number): Promise<SpoolStatus> {
    if (timeoutMs !== undefined && !(timeoutMs >= 0)) {
      return Promise.reject(invalid("HttpProfileWriter: flush timeoutMs must be ≥ 0"));
    }
    if (this.pending === 0 || this.stop.signal.aborted) return Promise.resolve(this.status());
    return new Promise((resolve) => {
      // A referenced timer either way: the drain loop's waits do not hold the process, and a caller awaiting
      // a flush at the end of a script must not see the process exit under it.
      const timer =
        timeoutMs === undefined || !Number.isFinite(timeoutMs)
          ? setInterval(() => undefined, 2 ** 31 - 1)
          : setTimeout(() => done(), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.flushWaiters.delete(done);
        resolve(this.status());
      };
      this.flushWaiters.add(done);
    });
  }

  /**
   * Stops accepting profiles, waits for spool writes under way, optionally flushes for up to
   * `flushTimeoutMs`, then stops the drain loop (aborting a request in flight; its profile stays spooled)
   * and releases the spool. Resolves with what is left for the next writer on this directory.
   */
  close(options: { readonly flushTimeoutMs?: number } = {}): Promise<SpoolStatus> {
    this.closing ??= this.shutdown(options.flushTimeoutMs);
    return this.closing;
  }

  private async shutdown(flushTimeoutMs: number | undefined): Promise<SpoolStatus> {
    this.closed = true;
    await Promise.allSettled([...this.writes]);
    if (flushTimeoutMs !== undefined && flushTimeoutMs > 0) await this.flush(flushTimeoutMs);
    this.stop.abort(new ProfileError("write-failed", "HttpProfileWriter: closed"));
    this.wake();
    await this.loop;
    this.releaseLock();
    for (const done of [...this.flushWaiters]) done();
    return this.status();
  }

  private status(): SpoolStatus {
    return { drained: this.pending === 0, pending: this.pending };
  }

  private settleFlushes(): void {
    if (this.pending === 0) for (const done of [...this.flushWaiters]) done();
  }

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = undefined;
    wake?.();
  }

  private emit(event: HttpWriterEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not stop delivery.
    }
  }

  /** The next profile that may be delivered: the first spooled, once every earlier write has landed. */
  private next(): SpoolEntry | undefined {
    const head = this.queue[0];
    if (head === undefined) return undefined;
    for (const sequence of this.writing) if (sequence < head.sequence) return undefined;
    return head;
  }

  private async drain(): Promise<void> {
    let spoolFailures = 0;
    while (!this.stop.signal.aborted) {
      const entry = this.next();
      if (entry === undefined) {
        // No timer: an idle writer holds nothing open; a write or close() wakes the loop.
        await new Promise<void>((resolve) => (this.wakeLoop = resolve));
        continue;
      }
      try {
        await this.deliver(entry);
        spoolFailures = 0;
      } catch (e) {
        if (this.stop.signal.aborted) break;
        spoolFailures++;
        this.emit({
          type: "spool-error",
          file: join(this.spoolDir, entry.name),
          message: e instanceof Error ? e.message : String(e),
        });
        await sleep(retryDelayMs(spoolFailures, this.options), this.stop.signal, false).catch(
          () => undefined,
        );
      }
      this.settleFlushes();
    }
  }

  private dequeue(entry: SpoolEntry): void {
    const at = this.queue.indexOf(entry);
    if (at >= 0) this.queue.splice(at, 1);
  }

  private async deliver(entry: SpoolEntry): Promise<void> {
    const file = join(this.spoolDir, entry.name);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (e) {
      // Removed by hand: nothing left to deliver.
      if (errorCode(e) === "ENOENT") return this.dequeue(entry);
      throw new Error(`cannot read ${file}: ${fileReason(e)}`, { cause: e });
    }
    const { idempotencyKey } = entry;
    const result = await deliverProfile({
      url: this.endpoint,
      apiKey: this.options.apiKey,
      bytes,
      idempotencyKey,
      ...(this.options.fetch !== undefined ? { fetch: this.options.fetch } : {}),
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      minBackoffMs: this.options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS,
      maxBackoffMs: this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
      ...(this.options.maxAttempts !== undefined ? { maxAttempts: this.options.maxAttempts } : {}),
      signal: this.stop.signal,
      keepProcessAlive: false,
      onRetry: ({ attempt, delayMs, outcome }) =>
        this.emit({
          type: "retry",
          idempotencyKey,
          file,
          attempt,
          delayMs,
          status: outcome.status,
          message: outcome.message,
        }),
    });
    if (result.kind === "delivered") {
      // A crash before this removal resends the file after a restart: same key, so the server answers 200.
      await rm(file, { force: true });
      this.dequeue(entry);
      this.emit({
        type: "delivered",
        idempotencyKey,
        file,
        status: result.status,
        duplicate: result.duplicate,
        attempts: result.attempts,
      });
      return;
    }
    const failedFile = join(this.failedDir, entry.name);
    const note = `${failedFile}.json`;
    const code = result.kind === "permanent" ? result.code : undefined;
    const message =
      result.kind === "transient"
        ? `gave up after ${result.attempts} attempts: ${result.message}`
        : result.message;
    const text = JSON.stringify(
      {
        idempotencyKey,
        endpoint: this.endpoint.href,
        status: result.status ?? null,
        code: code ?? null,
        message,
        body: result.body,
        attempts: result.attempts,
        failedAt: new Date().toISOString(),
      },
      null,
      2,
    );
    // The note first: a crash in between leaves the profile spooled (sent again), never failed without a why.
    await writeDurably(note, `${text}\n`);
    await rename(file, failedFile);
    await syncDirectory(this.spoolDir);
    this.dequeue(entry);
    this.emit({
      type: "failed",
      idempotencyKey,
      file: failedFile,
      note,
      status: result.status,
      code,
      message,
      attempts: result.attempts,
    });
  }
}
