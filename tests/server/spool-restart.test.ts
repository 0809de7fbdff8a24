// Kill the server mid-stream, restart it, and every profile a client logged arrives exactly once. The server is
// the compiled `sightglass serve` in a child process (on a fixed port, so the restarted one has the same URL);
// the client is tests/server/spool-client.mjs, a RollingLogger delivering through an HttpProfileWriter with an
// on-disk spool. The client stops at known points (it prints "paused" and waits for a line on stdin):
//   1. a quarter through the stream: the server is SIGKILLed; the client keeps logging into its spool;
//   2. halfway, right after a flush put buckets in the spool and before the client's checkpoint moved past them:
//      the client is SIGKILLed too, then restarted on the same spool and checkpoint. It must deliver what the
//      dead process spooled, and the bucket it logs again (same records, same key, same bytes) is a duplicate;
//   3. three quarters through: the server is restarted on the same store and port.
// At the end the server must hold exactly the stream: N rows, each hour's count and mean as the client computed
// them, one upload per bucket, no idempotency key twice.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, startServe, stop, track, trackedChildren } from "./processes.js";
import { waitForMerges, ADMIN_KEY, BACKENDS, call, createProject, storeFor } from "./support.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const N = 6000;
const BATCH = 50;
const CLIENT = join(import.meta.dirname, "spool-client.mjs");

/** The client's generator (spool-client.mjs), written out again: the expectation must not come from the client. */
function records(n: number, t0: number): { ts: number; x: number }[] {
  const gaps = [5, 40, 90, 12, 150, 60, 25, 300, 8, 70, 45, 110, 3];
  const out = [];
  let ts = t0;
  for (let i = 0; i < n; i++) {
    if (i > 0) ts += i % 997 === 0 ? 3 * HOUR : gaps[(i * 7) % gaps.length]! * 1000;
    out.push({ ts, x: ((i * 7919) % 1000) / 10 - 25 });
  }
  return out;
}

/** A port free right now: the server is started and restarted on it, so the client's URL stays valid. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function startServer(port: number, storeArgs: string[]): Promise<ChildProcess> {
  const server = await startServe({
    port,
    storeArgs,
    env: { SIGHTGLASS_BOOTSTRAP_API_KEY: ADMIN_KEY, SIGHTGLASS_RATE_LIMIT_PER_SECOND: "0" },
    timeoutMs: 30_000,
  });
  return server.child;
}

const kill = (child: ChildProcess) => stop(child, "SIGKILL");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the client's events have many shapes
type ClientEvent = Record<string, any>;

interface Client {
  readonly child: ChildProcess;
  readonly events: ClientEvent[];
  /** Resolves with the first event (from now on, or already seen) that `match` accepts. */
  next(match: (e: ClientEvent) => boolean, timeoutMs?: number): Promise<ClientEvent>;
  resume(): void;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function startClient(config: Record<string, unknown>): Client {
  const child = spawn(process.execPath, [CLIENT, JSON.stringify(config)], {
    env: cleanEnv({ SIGHTGLASS_API_KEY: ADMIN_KEY }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  track(child);
  const events: ClientEvent[] = [];
  const waiters = new Set<() => void>();
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (err += s));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    events.push(JSON.parse(line) as ClientEvent);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    events,
    exited,
    stderr: () => err,
    resume: () => child.stdin!.write("go\n"),
    next(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < events.length; seen++) {
            if (!match(events[seen]!)) continue;
            cleanup();
            resolve(events[seen]!);
            return;
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `client: no such event within ${timeoutMs} ms; last: ${JSON.stringify(events.slice(-3))}\n${err}`,
            ),
          );
        }, timeoutMs);
        const onExit = () => {
          check();
          cleanup();
          reject(
            new Error(`client exited before the event; last: ${JSON.stringify(events.slice(-3))}\n${err}`),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off("exit", onExit);
        };
        waiters.add(check);
        child.once("exit", onExit);
        check();
      });
    },
  };
}

describe.each(BACKENDS)("spool delivery across server and client crashes on %s", (backend) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const child of trackedChildren()) await kill(child);
    for (const c of cleanups.reverse()) await c();
  });

  it("every profile the client logged arrives exactly once", async () => {
    const started = Date.now();
    const store = await storeFor(backend, "spool_restart");
    cleanups.push(() => store.dispose());
    const storeArgs =
      backend === "sqlite"
        ? ["--data-dir", store.config.dataDir!]
        : ["--database-url", store.config.databaseUrl!];
    const clientDir = await mkdtemp(join(tmpdir(), "sightglass-spool-"));
    cleanups.push(() => rm(clientDir, { recursive: true, force: true }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    let server = await startServer(port, storeArgs);
    await createProject(url, { id: "stream", name: "Stream", frequency: "hour" });
    const config = {
      serverUrl: url,
      projectId: "stream",
      spoolDir: join(clientDir, "spool"),
      stateFile: join(clientDir, "checkpoint.json"),
      n: N,
      t0: T0,
      batch: BATCH,
      flushTimeoutMs: 30_000,
    };

    const first = startClient({
      ...config,
      pauses: [
        { at: N / 4, label: "kill-server" },
        { at: N / 2, label: "kill-client", afterSpool: true },
      ],
    });
    const atKillServer = await first.next((e) => e.type === "paused");
    expect(atKillServer.label).toBe("kill-server");
    // Some profiles got through before the outage (delivery runs in the background of logging).
    await first.next((e) => e.type === "delivered");
    await kill(server);
    first.resume();

    const atKillClient = await first.next((e) => e.type === "paused" && e.label === "kill-client");
    // The outage was felt: a delivery found no server and is being retried.
    await first.next((e) => e.type === "retry" && e.status === undefined);
    await kill(first.child);
    const lastCheckpoint = first.events.filter((e) => e.type === "progress").at(-1)!.checkpoint as number;
    expect(lastCheckpoint).toBeLessThan(atKillClient.index);
    // Spooled by the dead process and not delivered: the restarted client must take them over.
    const spooledLeft = (await readdir(config.spoolDir)).filter((n) => n.endsWith(".bin"));
    expect(spooledLeft.length).toBeGreaterThan(0);
    const leftKeys = spooledLeft.map((n) => decodeURIComponent(/^\d{16}-(.+)\.bin$/.exec(n)![1]!));

    const second = startClient({ ...config, pauses: [{ at: (3 * N) / 4, label: "restart-server" }] });
    const resumed = await second.next((e) => e.type === "start");
    expect(resumed.next).toBe(lastCheckpoint);
    expect(resumed.pending).toBe(spooledLeft.length);
    await second.next((e) => e.type === "paused" && e.label === "restart-server");
    server = await startServer(port, storeArgs);
    second.resume();
    const done = await second.next((e) => e.type === "done", 45_000);
    expect(done).toMatchObject({ drained: true, pending: 0 });
    expect(await second.exited).toBe(0);
    expect(second.events.filter((e) => e.type === "failed")).toEqual([]);
    expect(await readdir(join(config.spoolDir, "failed"))).toEqual([]);
    expect((await readdir(config.spoolDir)).filter((n) => n.endsWith(".bin"))).toEqual([]);

    // What the server must hold: the stream, bucketed by hour, computed here from the records.
    const expected = new Map<number, { count: number; sum: number }>();
    for (const r of records(N, T0)) {
      const hour = Math.floor(r.ts / HOUR) * HOUR;
      const b = expected.get(hour) ?? { count: 0, sum: 0 };
      b.count++;
      b.sum += r.x;
      expected.set(hour, b);
    }
    const hours = [...expected.keys()].sort((a, b) => a - b);
    const end = hours.at(-1)! + HOUR;

    // Uploads are merged into their buckets moments after they are stored (and after a crash, by the restarted
    // server's recovery sweep): wait for that, then every bucket must hold exactly its rows.
    await waitForMerges(url, "stream");
    const buckets = await call(url, "GET", `/api/v1/projects/stream/buckets`, { key: ADMIN_KEY });
    expect(buckets.body.buckets.map((b: { start: number }) => b.start)).toEqual(hours);
    expect(buckets.body.buckets.reduce((s: number, b: { rows: number }) => s + b.rows, 0)).toBe(N);
    for (const b of buckets.body.buckets as { start: number; rows: number; uploads: number }[]) {
      expect(b.rows, new Date(b.start).toISOString()).toBe(expected.get(b.start)!.count);
      // One profile per bucket (each hour is flushed once), merged once.
      expect(b.uploads, new Date(b.start).toISOString()).toBe(1);
    }
    const series = await call(
      url,
      "GET",
      `/api/v1/projects/stream/timeseries?start=${T0}&end=${end}&columns=x&metrics=counts/n,distribution/mean`,
      { key: ADMIN_KEY },
    );
    const [counts, means] = ["counts/n", "distribution/mean"].map(
      (m) =>
        series.body.series.find((s: { metric: string }) => s.metric === m).points as {
          t: number;
          v: number;
        }[],
    );
    expect(counts).toEqual(hours.map((t) => ({ t, v: expected.get(t)!.count })));
    expect(counts!.reduce((s, p) => s + p.v, 0)).toBe(N);
    for (const p of means!) expect(p.v).toBeCloseTo(expected.get(p.t)!.sum / expected.get(p.t)!.count, 9);

    const uploads = await call(url, "GET", `/api/v1/projects/stream/uploads?limit=1000`, { key: ADMIN_KEY });
    const keys = uploads.body.uploads.map((u: { idempotencyKey: string }) => u.idempotencyKey);
    expect(keys.length).toBe(hours.length);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(uploads.body.uploads.map((u: { sha256: string }) => u.sha256)).size).toBe(keys.length);
    expect(new Set(keys)).toEqual(new Set(hours.map((h) => `b${h}-s0`)));

    // The restarted client delivered what the dead one had spooled, and the bucket it logged a second time
    // (spooled before the crash, logged again from the older checkpoint) reached the server twice: stored
    // from the old spool file, then answered as a duplicate.
    const delivered = second.events.filter((e) => e.type === "delivered");
    const deliveredKeys = new Set(delivered.map((e) => e.idempotencyKey));
    for (const key of leftKeys) expect(deliveredKeys.has(key), key).toBe(true);
    const flagsByKey = new Map<string, boolean[]>();
    for (const e of delivered)
      flagsByKey.set(e.idempotencyKey, [...(flagsByKey.get(e.idempotencyKey) ?? []), e.duplicate]);
    const relogged = [...flagsByKey].filter(([, flags]) => flags.length > 1);
    expect(relogged.length).toBeGreaterThan(0);
    for (const [key, flags] of relogged) {
      expect(flags, key).toEqual([false, true]);
      expect(leftKeys).toContain(key);
    }
    const everyDelivery = [...first.events, ...second.events].filter((e) => e.type === "delivered");
    const stored = everyDelivery.filter((e) => e.duplicate === false).map((e) => e.idempotencyKey);
    expect(new Set(stored).size).toBe(stored.length);

    await kill(server);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
