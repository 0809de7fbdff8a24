// HttpProfileWriter against a real HTTP server on 127.0.0.1 that implements the ingestion contract (stores by
// idempotency key, 201 / 200 duplicate / 409 / 4xx JSON errors) and can be told to fail: 503, 429 with
// Retry-After, a reset connection, a request that never gets an answer, going down and coming back.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, describe, expect, it } from "vitest";
import { DatasetProfile, DatasetProfileView, ProfileError, RollingLogger } from "../src/index.js";
import {
  HttpProfileWriter,
  deliverProfile,
  postProfile,
  profilesEndpoint,
  retryDelayMs,
} from "../src/node/index.js";
import type { HttpProfileWriterOptions, HttpWriterEvent, PostOutcome } from "../src/node/index.js";

const PROJECT = "churn-model";
const API_KEY = "sg_test_key";
const T0 = Date.parse("2024-05-01T00:00:00Z");
const HOUR = 3_600_000;

/** A small profile whose bytes depend only on `i` (fixed creation time): the same in every process. */
function profileOf(i: number): DatasetProfileView {
  const p = new DatasetProfile({ datasetTimestamp: T0 + i * HOUR, creationTimestamp: T0 });
  p.track({ i: [i, i + 1], label: [`row-${i}`, "other"] });
  return p.view();
}

/** Which profileOf(i) some bytes are. */
function indexOf(bytes: Uint8Array): number {
  return (DatasetProfileView.deserialize(bytes).datasetTimestamp - T0) / HOUR;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** What the server does with one request instead of following the contract. */
type Fault =
  | { readonly status: number; readonly retryAfter?: string }
  | { readonly reset: true }
  | { readonly hang: true }
  /** Stores the profile, then never answers: the client cannot know it was stored. */
  | { readonly storeThenHang: true }
  /** Stores the profile, then answers 503: the retry must be a 200 duplicate. */
  | { readonly storeThen503: true };

interface RequestLog {
  readonly key: string;
  readonly at: number;
  readonly outcome: number | "reset" | "hang";
}

class ProfileServer {
  /** Idempotency key → bytes, in the order first stored. */
  readonly stored = new Map<string, Buffer>();
  readonly requests: RequestLog[] = [];
  /** Consumed one per request, before anything else happens. */
  readonly faults: Fault[] = [];
  /** Per request, after `faults`: a fault for this key and these bytes, if any. */
  rule: ((key: string, bytes: Buffer) => Fault | undefined) | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<ProfileServer> {
    const s = new ProfileServer();
    await s.up();
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Indices (profileOf) of the stored profiles, in the order stored. */
  storedIndices(): number[] {
    return [...this.stored.values()].map(indexOf);
  }

  requestsFor(key: string): RequestLog[] {
    return this.requests.filter((r) => r.key === key);
  }

  async up(): Promise<void> {
    this.server.listen(this.port, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Stops listening and drops every connection: clients see refused connections until up(). */
  async down(): Promise<void> {
    const closed = new Promise((r) => this.server.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private json(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code, message } }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const key = String(req.headers["idempotency-key"] ?? "");
    const log = (outcome: RequestLog["outcome"]): void => {
      this.requests.push({ key, at: Date.now(), outcome });
    };
    if (req.method !== "POST" || req.url !== `/api/v1/projects/${PROJECT}/profiles`) {
      log(404);
      return this.json(res, 404, "not-found", "no such project");
    }
    if (req.headers["x-api-key"] !== API_KEY) {
      log(401);
      return this.json(res, 401, "unauthorized", "invalid API key");
    }
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(key)) {
      log(400);
      return this.json(res, 400, "bad-idempotency-key", "Idempotency-Key missing or malformed");
    }
    const fault = this.faults.shift() ?? this.rule?.(key, bytes);
    if (fault !== undefined && "reset" in fault) {
      log("reset");
      req.socket.destroy();
      return;
    }
    if (fault !== undefined && "hang" in fault) {
      log("hang");
      return;
    }
    if (fault !== undefined && "status" in fault) {
      log(fault.status);
      res.writeHead(fault.status, fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter });
      res.end(JSON.stringify({ error: { code: "fault", message: `injected ${fault.status}` } }));
      return;
    }
    const known = this.stored.get(key);
    if (known !== undefined) {
      const same = known.equals(bytes);
      log(same ? 200 : 409);
      if (same) return this.json(res, 200, "duplicate", "already stored");
      return this.json(res, 409, "idempotency-conflict", "key used with different bytes");
    }
    try {
      DatasetProfileView.deserialize(bytes);
    } catch (e) {
      log(422);
      return this.json(res, 422, "invalid-profile", (e as Error).message);
    }
    this.stored.set(key, bytes);
    if (fault !== undefined && "storeThenHang" in fault) {
      log("hang");
      return;
    }
    if (fault !== undefined && "storeThen503" in fault) {
      log(503);
      res.writeHead(503).end();
      return;
    }
    log(201);
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ id: key }));
  }
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(): Promise<ProfileServer> {
  const server = await ProfileServer.start();
  cleanups.push(() => server.down().catch(() => undefined));
  return server;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sightglass-http-writer-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface TestWriter {
  readonly writer: HttpProfileWriter;
  readonly events: HttpWriterEvent[];
}

function openWriter(
  server: ProfileServer,
  spoolDir: string,
  options: Partial<HttpProfileWriterOptions> = {},
): TestWriter {
  const events: HttpWriterEvent[] = [];
  const writer = new HttpProfileWriter({
    serverUrl: server.url,
    projectId: PROJECT,
    apiKey: API_KEY,
    spoolDir,
    minBackoffMs: 5,
    maxBackoffMs: 40,
    timeoutMs: 2_000,
    onEvent: (e) => events.push(e),
    ...options,
  });
  cleanups.push(() => writer.close());
  return { writer, events };
}

function spooled(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".bin"))
    .sort();
}

function ofType<T extends HttpWriterEvent["type"]>(
  events: readonly HttpWriterEvent[],
  type: T,
): Extract<HttpWriterEvent, { type: T }>[] {
  return events.filter((e): e is Extract<HttpWriterEvent, { type: T }> => e.type === type);
}

describe("HttpProfileWriter delivery", () => {
  it("delivers in logging order, byte for byte, with the contract's headers, and empties the spool", async () => {
    const server = await startServer();
    const dir = tempDir();
    const { writer, events } = openWriter(server, dir);
    for (let i = 0; i < 5; i++) await writer.write(profileOf(i), { start: 0, end: 1, sequence: i });
    expect(await writer.flush(5_000)).toEqual({ drained: true, pending: 0 });
    expect(server.storedIndices()).toEqual([0, 1, 2, 3, 4]);
    for (const [, bytes] of server.stored) {
      expect(bytes.equals(profileOf(indexOf(bytes)).serialize())).toBe(true);
    }
    expect(server.requests.map((r) => r.outcome)).toEqual([201, 201, 201, 201, 201]);
    const delivered = ofType(events, "delivered");
    expect(delivered.map((e) => e.idempotencyKey)).toEqual([...server.stored.keys()]);
    expect(delivered.every((e) => e.status === 201 && !e.duplicate && e.attempts === 1)).toBe(true);
    expect(spooled(dir)).toEqual([]);
    expect(readdirSync(join(dir, "failed"))).toEqual([]);
  });

  it("keeps the order of concurrent writes", async () => {
    const server = await startServer();
    const { writer } = openWriter(server, tempDir());
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.write(profileOf(i))));
    await writer.flush(5_000);
    expect(server.storedIndices()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("resolves write() once the profile is on disk, before delivery", async () => {
    const server = await startServer();
    await server.down();
    const dir = tempDir();
    const { writer } = openWriter(server, dir);
    await writer.write(profileOf(7));
    const [name] = spooled(dir);
    expect(name).toMatch(/^0000000000000001-[0-9a-f-]{36}\.bin$/);
    expect(readFileSync(join(dir, name!)).equals(profileOf(7).serialize())).toBe(true);
    expect(writer.pending).toBe(1);
  });

  it("retries 503, reset connections and unanswered requests with the same key until stored", async () => {
    const server = await startServer();
    server.faults.push({ status: 503 }, { reset: true }, { hang: true }, { status: 500 });
    const { writer, events } = openWriter(server, tempDir(), { timeoutMs: 200 });
    await writer.write(profileOf(0));
    await writer.write(profileOf(1));
    await writer.flush(5_000);
    expect(server.storedIndices()).toEqual([0, 1]);
    const [first, second] = [...server.stored.keys()];
    expect(server.requestsFor(first!).map((r) => r.outcome)).toEqual([503, "reset", "hang", 500, 201]);
    expect(server.requestsFor(second!).map((r) => r.outcome)).toEqual([201]);
    const retries = ofType(events, "retry");
    expect(retries.map((e) => [e.attempt, e.status])).toEqual([
      [1, 503],
      [2, undefined],
      [3, undefined],
      [4, 500],
    ]);
    expect(retries[2]!.message).toBe("no answer within 200 ms");
    expect(ofType(events, "delivered").map((e) => e.attempts)).toEqual([5, 1]);
  });

  it("keeps retrying while the server is down and delivers everything once it is back", async () => {
    const server = await startServer();
    await server.down();
    const { writer, events } = openWriter(server, tempDir());
    for (let i = 0; i < 3; i++) await writer.write(profileOf(i));
    await waitFor("three failed attempts", () => ofType(events, "retry").length >= 3);
    expect(ofType(events, "retry").every((e) => e.status === undefined && e.message === "ECONNREFUSED")).toBe(
      true,
    );
    await server.up();
    await writer.flush(5_000);
    expect(server.storedIndices()).toEqual([0, 1, 2]);
    expect(server.requests.map((r) => r.outcome)).toEqual([201, 201, 201]);
  });

  it("honours Retry-After on 429", async () => {
    const server = await startServer();
    server.faults.push({ status: 429, retryAfter: "1" }, { status: 503 });
    const { writer, events } = openWriter(server, tempDir());
    await writer.write(profileOf(0));
    await writer.flush(5_000);
    const times = server.requests.map((r) => r.at);
    expect(server.requests.map((r) => r.outcome)).toEqual([429, 503, 201]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(980); // the server's 1 s, not the 5–10 ms backoff
    expect(times[2]! - times[1]!).toBeLessThan(500);
    expect(ofType(events, "retry").map((e) => e.delayMs >= 1_000)).toEqual([true, false]);
  });

  it("treats a 200 duplicate as delivered: a stored profile whose answer was lost is stored once", async () => {
    const server = await startServer();
    server.faults.push({ storeThen503: true });
    const { writer, events } = openWriter(server, tempDir());
    await writer.write(profileOf(0));
    await writer.flush(5_000);
    const [key] = [...server.stored.keys()];
    expect(server.stored.size).toBe(1);
    expect(server.requestsFor(key!).map((r) => r.outcome)).toEqual([503, 200]);
    expect(ofType(events, "delivered")).toMatchObject([{ status: 200, duplicate: true, attempts: 2 }]);
  });

  it("moves permanent failures to failed/ with a note, never retries them, and goes on with the rest", async () => {
    const server = await startServer();
    const dir = tempDir();
    const { writer, events } = openWriter(server, dir);
    const bytes1 = profileOf(1).serialize();
    await writer.enqueue(profileOf(0).serialize(), "reused-key");
    await writer.enqueue(bytes1, "reused-key"); // same key, other bytes: 409
    const garbage = new Uint8Array([1, 2, 3, 4]);
    await writer.enqueue(garbage, "not-a-profile"); // 422
    await writer.enqueue(profileOf(0).serialize(), "reused-key"); // same key, same bytes: 200
    await writer.write(profileOf(2));
    await writer.flush(5_000);

    expect(server.storedIndices()).toEqual([0, 2]);
    expect(server.requestsFor("reused-key").map((r) => r.outcome)).toEqual([201, 409, 200]);
    expect(server.requestsFor("not-a-profile").map((r) => r.outcome)).toEqual([422]);
    const failed = ofType(events, "failed");
    expect(failed.map((e) => [e.idempotencyKey, e.status, e.code, e.attempts])).toEqual([
      ["reused-key", 409, "idempotency-conflict", 1],
      ["not-a-profile", 422, "invalid-profile", 1],
    ]);
    expect(failed[0]!.message).toBe("key used with different bytes");
    const failedDir = join(dir, "failed");
    expect(readdirSync(failedDir).sort()).toEqual([
      "0000000000000002-reused-key.bin",
      "0000000000000002-reused-key.bin.json",
      "0000000000000003-not-a-profile.bin",
      "0000000000000003-not-a-profile.bin.json",
    ]);
    expect(readFileSync(join(failedDir, "0000000000000002-reused-key.bin")).equals(bytes1)).toBe(true);
    expect(readFileSync(join(failedDir, "0000000000000003-not-a-profile.bin")).equals(garbage)).toBe(true);
    const note = JSON.parse(readFileSync(failed[1]!.note, "utf8")) as Record<string, unknown>;
    expect(note).toMatchObject({
      idempotencyKey: "not-a-profile",
      status: 422,
      code: "invalid-profile",
      attempts: 1,
      endpoint: `${server.url}/api/v1/projects/${PROJECT}/profiles`,
    });
    expect(spooled(dir)).toEqual([]);
    // Failed profiles stay failed: a restart does not send them again.
    await writer.close();
    const again = openWriter(server, dir);
    expect(await again.writer.flush(1_000)).toEqual({ drained: true, pending: 0 });
    expect(server.requests.length).toBe(5);
  });

  it("moves a profile to failed/ once maxAttempts transient failures are used up", async () => {
    const server = await startServer();
    server.rule = () => ({ status: 503 });
    const dir = tempDir();
    const { writer, events } = openWriter(server, dir, { maxAttempts: 3 });
    await writer.write(profileOf(0));
    await writer.flush(5_000);
    expect(server.requests.map((r) => r.outcome)).toEqual([503, 503, 503]);
    expect(ofType(events, "failed")).toMatchObject([
      { status: 503, attempts: 3, message: "gave up after 3 attempts: injected 503" },
    ]);
    expect(readdirSync(join(dir, "failed"))).toHaveLength(2);
  });

  it("sends every profile to failed/ with 401 when the key is refused", async () => {
    const server = await startServer();
    const { writer, events } = openWriter(server, tempDir(), { apiKey: "wrong" });
    await writer.write(profileOf(0));
    await writer.flush(5_000);
    expect(ofType(events, "failed")).toMatchObject([
      { status: 401, code: "unauthorized", message: "invalid API key" },
    ]);
    expect(server.stored.size).toBe(0);
  });
});

describe("HttpProfileWriter across restarts", () => {
  it("a second writer on the spool delivers what a closed writer left, exactly once", async () => {
    const server = await startServer();
    await server.down();
    const dir = tempDir();
    const a = openWriter(server, dir);
    for (let i = 0; i < 4; i++) await a.writer.write(profileOf(i));
    await waitFor("a failed attempt", () => ofType(a.events, "retry").length >= 1);
    expect(await a.writer.close()).toEqual({ drained: false, pending: 4 });
    const left = spooled(dir);
    expect(left).toHaveLength(4);
    expect(existsSync(join(dir, "spool.lock"))).toBe(false);
    await expect(a.writer.write(profileOf(9))).rejects.toThrow(/after close/);

    await server.up();
    const b = openWriter(server, dir);
    await b.writer.write(profileOf(4)); // new profiles go after the old ones
    await b.writer.flush(5_000);
    expect(server.storedIndices()).toEqual([0, 1, 2, 3, 4]);
    expect(server.requests.map((r) => r.outcome)).toEqual([201, 201, 201, 201, 201]);
    expect([...server.stored.keys()].slice(0, 4)).toEqual(left.map((n) => /^\d{16}-(.+)\.bin$/.exec(n)![1]));
    for (const [, bytes] of server.stored) {
      expect(bytes.equals(profileOf(indexOf(bytes)).serialize())).toBe(true);
    }
    expect(ofType(b.events, "delivered").map((e) => basename(e.file).slice(0, 16))).toEqual(
      ["1", "2", "3", "4", "5"].map((s) => s.padStart(16, "0")),
    );
    expect(spooled(dir)).toEqual([]);
  });

  it("ignores and removes temp files of a write that never finished", async () => {
    const server = await startServer();
    const dir = tempDir();
    writeFileSync(join(dir, "0000000000000003-half-written.bin.5a1b.tmp"), "partial");
    writeFileSync(join(dir, "notes.txt"), "not the writer's");
    writeFileSync(join(dir, "someone-else.tmp"), "not the writer's either");
    const { writer } = openWriter(server, dir);
    await writer.flush(1_000);
    expect(server.requests).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["failed", "notes.txt", "someone-else.tmp", "spool.lock"]);
  });

  it("a process killed with SIGKILL mid-stream loses nothing: a restart delivers every profile exactly once", async () => {
    const server = await startServer();
    // Profile 5 is stored but never answered: at the kill the child cannot know it arrived.
    server.rule = (key, bytes) =>
      indexOf(bytes) === 5 && server.requestsFor(key).length === 0 ? { storeThenHang: true } : undefined;
    const dir = tempDir();
    const script = join(tempDir(), "log-profiles.mjs");
    writeFileSync(script, await bundleChildScript());
    const child = spawn(process.execPath, [script, server.url, PROJECT, API_KEY, dir, "40"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    cleanups.push(() => void child.kill("SIGKILL"));
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    const printed = (): number => output.split("\n").filter((l) => l.startsWith("spooled ")).length;
    await waitFor("15 profiles spooled and profile 5 sent", () => printed() >= 15 && server.stored.size >= 6);
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    const [, signal] = await exited;
    expect(signal).toBe("SIGKILL");
    const spooledByChild = printed();
    expect(spooledByChild).toBeLessThan(40); // killed mid-stream
    expect(server.stored.size).toBeLessThan(spooledByChild); // with profiles still waiting in the spool

    const { writer, events } = openWriter(server, dir); // takes over the dead process's lock
    await writer.flush(10_000);
    const indices = server.storedIndices();
    // Every profile whose write() resolved, and possibly the one being written at the kill, in order, once.
    expect([spooledByChild, spooledByChild + 1]).toContain(indices.length);
    expect(indices).toEqual(Array.from({ length: indices.length }, (_, i) => i));
    for (const [, bytes] of server.stored) {
      expect(bytes.equals(profileOf(indexOf(bytes)).serialize())).toBe(true);
    }
    // Stored once each: 201 for all but profile 5, stored by the request that never got its answer.
    const outcomes = server.requests.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 201)).toHaveLength(indices.length - 1);
    expect(outcomes.filter((o) => o === "hang")).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 201 && o !== "hang")).toEqual([200]);
    // The stored-but-unanswered profile came back as a duplicate.
    expect(ofType(events, "delivered")[0]).toMatchObject({ status: 200, duplicate: true });
    expect(spooled(dir)).toEqual([]);
  });
});

/** The child: logs profileOf(0…n-1) through an HttpProfileWriter, printing each once write() resolved. */
async function bundleChildScript(): Promise<string> {
  const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
  const aliases: Record<string, string> = {
    "@sightglass/sketches": src("../../sketches/src/index.ts"),
    "@sightglass/profile/node": src("../src/node/index.ts"),
    "@sightglass/profile": src("../src/index.ts"),
  };
  const result = await build({
    stdin: {
      loader: "ts",
      resolveDir: src("."),
      contents: `
        import { DatasetProfile } from "@sightglass/profile";
        import { HttpProfileWriter } from "@sightglass/profile/node";
        const [serverUrl, projectId, apiKey, spoolDir, count] = process.argv.slice(2);
        const writer = new HttpProfileWriter({
          serverUrl, projectId, apiKey, spoolDir, minBackoffMs: 5, maxBackoffMs: 20, timeoutMs: 60_000,
        });
        for (let i = 0; i < Number(count); i++) {
          const p = new DatasetProfile({ datasetTimestamp: ${T0} + i * ${HOUR}, creationTimestamp: ${T0} });
          p.track({ i: [i, i + 1], label: ["row-" + i, "other"] });
          await writer.write(p.view());
          process.stdout.write("spooled " + i + "\\n");
          await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, 60_000));
      `,
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "workspace-sources",
        setup(b) {
          b.onResolve({ filter: /^@sightglass\// }, (args) => ({ path: aliases[args.path]! }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

describe("HttpProfileWriter spool lock", () => {
  it("refuses a second writer on the same spool while the first is open", async () => {
    const server = await startServer();
    const dir = tempDir();
    const a = openWriter(server, dir);
    let error: unknown;
    try {
      openWriter(server, dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as ProfileError).kind).toBe("locked");
    expect((error as ProfileError).message).toContain(`another writer of this process (pid ${process.pid})`);
    await a.writer.close();
    expect(() => openWriter(server, dir)).not.toThrow();
  });

  it("refuses a spool locked by another live process, and takes over one whose process is gone", async () => {
    const server = await startServer();
    const live = tempDir();
    writeFileSync(join(live, "spool.lock"), `${process.ppid} someone-else\n`);
    expect(() => openWriter(server, live)).toThrow(
      new RegExp(`spool directory .* is in use by process ${process.ppid};`),
    );
    expect(readFileSync(join(live, "spool.lock"), "utf8")).toBe(`${process.ppid} someone-else\n`);

    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    const stale = tempDir();
    writeFileSync(join(stale, "spool.lock"), `${gone.pid} crashed\n`);
    const { writer } = openWriter(server, stale);
    expect(readFileSync(join(stale, "spool.lock"), "utf8")).toMatch(new RegExp(`^${process.pid} `));
    await writer.close();
    expect(existsSync(join(stale, "spool.lock"))).toBe(false);
  });
});

describe("HttpProfileWriter options and lifecycle", () => {
  it("names what is wrong with its options", async () => {
    const server = await startServer();
    const dir = tempDir();
    const attempt = (o: Partial<HttpProfileWriterOptions>): ProfileError => {
      try {
        openWriter(server, dir, o);
      } catch (e) {
        expect(e).toBeInstanceOf(ProfileError);
        return e as ProfileError;
      }
      throw new Error("expected a ProfileError");
    };
    expect(attempt({ serverUrl: "localhost:8080" }).message).toBe(
      'HttpProfileWriter: serverUrl must be an http(s) URL, got "localhost:8080"',
    );
    expect(attempt({ serverUrl: "ftp://example.com" }).kind).toBe("invalid-argument");
    expect(attempt({ serverUrl: "https://user:pw@example.com" }).message).toMatch(/credentials/);
    expect(attempt({ apiKey: "" }).message).toMatch(/apiKey is missing/);
    expect(attempt({ apiKey: "key with space" }).message).not.toContain("key with space");
    expect(attempt({ projectId: "" }).message).toMatch(/projectId/);
    expect(attempt({ minBackoffMs: 0 }).message).toMatch(/minBackoffMs/);
    expect(attempt({ maxAttempts: 0 }).message).toMatch(/maxAttempts/);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const unusable = attempt({ spoolDir: join(file, "spool") });
    expect(unusable.kind).toBe("invalid-argument");
    expect(unusable.message).toBe(
      `HttpProfileWriter: cannot use ${join(file, "spool")} as a spool directory: not a directory`,
    );
    const { writer } = openWriter(server, dir);
    await expect(writer.enqueue(new Uint8Array([1]), "no spaces allowed")).rejects.toThrow(/idempotency key/);
    await expect(writer.enqueue(new Uint8Array(0))).rejects.toThrow(/non-empty/);
  });

  it("flush(timeout) reports what is left; close() stops promptly mid-backoff and mid-request", async () => {
    const server = await startServer();
    await server.down();
    const dir = tempDir();
    const { writer } = openWriter(server, dir, { minBackoffMs: 60_000, maxBackoffMs: 60_000 });
    await writer.write(profileOf(0));
    await writer.write(profileOf(1));
    const started = Date.now();
    expect(await writer.flush(100)).toEqual({ drained: false, pending: 2 });
    expect(await writer.close()).toEqual({ drained: false, pending: 2 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(spooled(dir)).toHaveLength(2);

    await server.up();
    server.faults.push({ hang: true });
    const b = openWriter(server, dir, { timeoutMs: 60_000 });
    await waitFor("the request in flight", () => server.requests.length === 1);
    const closing = Date.now();
    expect(await b.writer.close()).toEqual({ drained: false, pending: 2 });
    expect(Date.now() - closing).toBeLessThan(1_000);
  });

  it("close({ flushTimeoutMs }) delivers first; an idle or closed writer leaves no timers behind", async () => {
    const server = await startServer();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const { writer } = openWriter(server, tempDir());
    await writer.write(profileOf(0));
    await writer.flush(5_000);
    expect(timers()).toBe(before);
    await writer.write(profileOf(1));
    expect(await writer.close({ flushTimeoutMs: 5_000 })).toEqual({ drained: true, pending: 0 });
    expect(server.storedIndices()).toEqual([0, 1]);
    expect(timers()).toBe(before);
  });

  it("feeds a RollingLogger end to end", async () => {
    const server = await startServer();
    server.faults.push({ status: 503 }, { reset: true });
    const { writer, events } = openWriter(server, tempDir());
    const logger = new RollingLogger({
      writers: [writer],
      interval: "hour",
      timestampColumn: "ts",
      flushEveryMs: 0,
      clock: () => T0 + 10 * HOUR,
    });
    for (let h = 0; h < 3; h++) {
      logger.log(Array.from({ length: 10 + h }, (_, r) => ({ ts: T0 + h * HOUR + r, latency: r * 1.5 })));
    }
    await logger.close();
    await writer.flush(5_000);
    const views = [...server.stored.values()].map((b) => DatasetProfileView.deserialize(b));
    expect(views.map((v) => v.datasetTimestamp)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
    expect(views.map((v) => v.toSummary().latency!["counts/n"])).toEqual([10, 11, 12]);
    expect(ofType(events, "delivered")).toHaveLength(3);
    expect(ofType(events, "retry")).toHaveLength(2);
  });
});

describe("postProfile / deliverProfile", () => {
  const url = profilesEndpoint("https://sightglass.example.com/base", "my project");
  const bytes = new Uint8Array([1, 2, 3]);

  function answering(status: number, body = "", headers: Record<string, string> = {}): typeof fetch {
    return async () => new Response(status === 204 ? null : body, { status, headers });
  }

  it("builds the endpoint under the server's path", () => {
    expect(url.href).toBe("https://sightglass.example.com/base/api/v1/projects/my%20project/profiles");
    expect(profilesEndpoint("http://h:8080/", "p").href).toBe("http://h:8080/api/v1/projects/p/profiles");
  });

  it("classifies every status of the contract", async () => {
    const kinds: Record<number, PostOutcome["kind"]> = {};
    for (const status of [200, 201, 301, 400, 401, 403, 404, 408, 409, 413, 422, 425, 429, 500, 502, 503]) {
      const outcome = await postProfile({
        url,
        apiKey: "k",
        bytes,
        idempotencyKey: "k1",
        fetch: answering(status, "", status === 301 ? { location: "https://elsewhere/" } : {}),
      });
      kinds[status] = outcome.kind;
    }
    expect(kinds).toEqual({
      200: "delivered",
      201: "delivered",
      301: "permanent",
      400: "permanent",
      401: "permanent",
      403: "permanent",
      404: "permanent",
      408: "transient",
      409: "permanent",
      413: "permanent",
      422: "permanent",
      425: "transient",
      429: "transient",
      500: "transient",
      502: "transient",
      503: "transient",
    });
  });

  it("reads the server's error body, Retry-After in both forms, and never follows a redirect", async () => {
    const sent: RequestInit[] = [];
    const recording: typeof fetch = async (_url, init) => {
      sent.push(init!);
      return new Response(JSON.stringify({ error: { code: "too-large", message: "max 16 MiB" } }), {
        status: 413,
      });
    };
    const refused = await postProfile({ url, apiKey: "k", bytes, idempotencyKey: "a:b", fetch: recording });
    expect(refused).toMatchObject({
      kind: "permanent",
      status: 413,
      code: "too-large",
      message: "max 16 MiB",
    });
    expect(sent[0]).toMatchObject({
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/octet-stream", "x-api-key": "k", "idempotency-key": "a:b" },
    });

    const seconds = await postProfile({
      url,
      apiKey: "k",
      bytes,
      idempotencyKey: "k",
      fetch: answering(429, "", { "retry-after": "7" }),
    });
    expect(seconds).toMatchObject({ kind: "transient", status: 429, retryAfterMs: 7_000 });
    const date = await postProfile({
      url,
      apiKey: "k",
      bytes,
      idempotencyKey: "k",
      fetch: answering(503, "", { "retry-after": new Date(Date.now() + 5_000).toUTCString() }),
    });
    expect(date.kind === "transient" && date.retryAfterMs).toBeGreaterThan(3_000);
    expect(date.kind === "transient" && date.retryAfterMs).toBeLessThanOrEqual(5_000);

    const moved = await postProfile({
      url,
      apiKey: "k",
      bytes,
      idempotencyKey: "k",
      fetch: answering(308, "", { location: "https://other.example.com/x" }),
    });
    expect(moved).toMatchObject({ kind: "permanent", status: 308 });
    expect(moved.kind === "permanent" && moved.message).toContain("redirects to https://other.example.com/x");
  });

  it("backs off with jitter between minBackoffMs and the doubling ceiling", () => {
    const policy = { minBackoffMs: 500, maxBackoffMs: 4_000 };
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, policy, undefined, () => 0))).toEqual([
      500, 500, 500, 500, 500,
    ]);
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, policy, undefined, () => 1))).toEqual([
      1_000, 2_000, 4_000, 4_000, 4_000,
    ]);
    expect(retryDelayMs(1, policy, 30_000, () => 1)).toBe(30_000);
  });

  it("deliverProfile gives up after maxAttempts and reports each retry", async () => {
    let calls = 0;
    const notices: number[] = [];
    const result = await deliverProfile({
      url,
      apiKey: "k",
      bytes,
      idempotencyKey: "k",
      fetch: async () => {
        calls++;
        throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
      },
      maxAttempts: 3,
      minBackoffMs: 1,
      maxBackoffMs: 2,
      onRetry: (n) => notices.push(n.attempt),
    });
    expect(calls).toBe(3);
    expect(notices).toEqual([1, 2]);
    expect(result).toMatchObject({
      kind: "transient",
      status: undefined,
      message: "ECONNREFUSED",
      attempts: 3,
    });
  });
});
