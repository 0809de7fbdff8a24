// Three `sightglass serve` processes on one PostgreSQL, all running monitors: every request to evaluate a
// bucket (new data, a re-run, late data) is served exactly once, whichever process takes it.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DatasetProfile } from "@sightglass/profile";
import { createDatabase, dropDatabase } from "../support/postgres-setup.js";
import { startServe, stop } from "./processes.js";
import type { ServeProcess } from "./processes.js";
import { call, waitForMerges, waitForMonitors } from "./support.js";

const KEY = "sgMONCONC1.0123456789abcdefghijABCDEFGHIJ";
const DAY = 86_400_000;
const DAYS = 20;
const T0 = Math.floor(Date.now() / DAY) * DAY - (DAYS + 2) * DAY;
const PROJECT = "exactly-once";

function profile(day: number, shift: number): Uint8Array {
  const x = Array.from({ length: 200 }, (_, i) => Math.sin(i * 7.3 + day) + shift);
  return new DatasetProfile({ datasetTimestamp: T0 + day * DAY + 3_600_000 + shift })
    .track({ x, k: x.map((v) => (v > 0 ? "pos" : "neg")) })
    .view()
    .serialize();
}

interface Run {
  id: string;
  bucketStart: number;
  reason: string;
  worker: string;
  status: string;
}

describe("monitors across three server processes on one PostgreSQL", () => {
  const dbName = `sg_monitor_conc_${process.pid}`;
  let databaseUrl: string;
  const servers: ServeProcess[] = [];
  const api = (i: number, method: string, path: string, body?: unknown, bytes?: Uint8Array) =>
    call(servers[i % servers.length]!.url, method, path, { key: KEY, body, bytes });
  const runs = async (): Promise<Run[]> =>
    (await api(0, "GET", `/api/v1/projects/${PROJECT}/monitor-runs?limit=1000`)).body.runs;

  beforeAll(async () => {
    databaseUrl = await createDatabase(inject("postgresUrl"), dbName);
    for (let i = 0; i < 3; i++) {
      servers.push(
        await startServe({
          storeArgs: ["--database-url", databaseUrl],
          env: {
            SIGHTGLASS_BOOTSTRAP_API_KEY: KEY,
            SIGHTGLASS_RATE_LIMIT_PER_SECOND: "0",
            SIGHTGLASS_MONITOR_INTERVAL_MS: "50",
          },
        }),
      );
    }
    const created = await api(0, "POST", "/api/v1/organizations/default/projects", {
      id: PROJECT,
      name: "Exactly once",
      frequency: "day",
    });
    expect(created.status).toBe(201);
    expect(
      (await api(1, "PUT", `/api/v1/projects/${PROJECT}/monitor-settings`, { readinessDelay: 0, settle: 0 }))
        .status,
    ).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => stop(s.child as ChildProcess, "SIGTERM")));
    if (databaseUrl !== undefined) await dropDatabase(databaseUrl, dbName);
  });

  it("evaluates each new bucket once", async () => {
    const answers = await Promise.all(
      Array.from({ length: DAYS }, (_, d) =>
        api(d, "POST", `/api/v1/projects/${PROJECT}/profiles`, undefined, profile(d, 0)),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(DAYS).fill(201));
    await waitForMerges(servers[0]!.url, PROJECT, KEY);
    await waitForMonitors(servers[0]!.url, PROJECT, KEY);
    const all = await runs();
    expect(all.every((r) => r.status === "ok")).toBe(true);
    const perBucket = new Map<number, Run[]>();
    for (const r of all) perBucket.set(r.bucketStart, [...(perBucket.get(r.bucketStart) ?? []), r]);
    expect([...perBucket.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: DAYS }, (_, d) => T0 + d * DAY),
    );
    for (const list of perBucket.values()) expect(list.map((r) => r.reason)).toEqual(["data"]);
    // Every monitor × column × bucket evaluated once.
    const evaluations = (await api(2, "GET", `/api/v1/projects/${PROJECT}/evaluations?limit=5000`)).body
      .evaluations;
    const seen = new Map<string, number>();
    for (const e of evaluations) {
      const key = `${e.monitorId}|${e.column}|${e.segment}|${e.bucketStart}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // 4 default monitors: drift on x and k, missing data, null ratio on x and k, type mismatch on x and k.
    expect(seen.size).toBe(DAYS * 7);
    const workers = new Set(all.map((r) => r.worker));
    // Reported, not asserted: which process takes a job is up to timing.
    console.info(
      `monitor runs by process: ${[...workers].map((w) => `${w}: ${all.filter((r) => r.worker === w).length}`).join(", ")}`,
    );
  });

  it("serves a re-run request and late data once per bucket", async () => {
    const before = new Set((await runs()).map((r) => r.id));
    const rerun = await api(1, "POST", `/api/v1/projects/${PROJECT}/monitors/run`, {
      start: T0,
      end: T0 + DAYS * DAY,
    });
    expect(rerun.status).toBe(202);
    expect(rerun.body.buckets).toBe(DAYS);
    // Late profiles for half the days, sent to all three processes at once.
    const late = Array.from({ length: DAYS / 2 }, (_, i) => 2 * i);
    const answers = await Promise.all(
      late.map((d, i) => api(i, "POST", `/api/v1/projects/${PROJECT}/profiles`, undefined, profile(d, 0.25))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(late.length).fill(201));
    await waitForMerges(servers[0]!.url, PROJECT, KEY);
    await waitForMonitors(servers[0]!.url, PROJECT, KEY);
    const fresh = (await runs()).filter((r) => !before.has(r.id));
    for (let d = 0; d < DAYS; d++) {
      const reasons = fresh.filter((r) => r.bucketStart === T0 + d * DAY).map((r) => r.reason);
      // The re-run and the late data may be served by one run (both waiting when it started) or two.
      const manual = reasons.filter((r) => r === "manual").length;
      const data = reasons.filter((r) => r === "late-data").length;
      if (late.includes(d)) {
        expect(manual + data).toBeGreaterThanOrEqual(1);
        expect(manual + data).toBeLessThanOrEqual(2);
      } else {
        expect(reasons).toEqual(["manual"]);
      }
    }
    // Whatever the interleaving, each bucket's last run saw its late profile.
    const latest = (
      await api(0, "GET", `/api/v1/projects/${PROJECT}/evaluations?limit=5000&column=`)
    ).body.evaluations.filter((e: { analyzer: string }) => e.analyzer === "missing_data");
    for (const d of late) {
      const values = latest
        .filter((e: { bucketStart: number }) => e.bucketStart === T0 + d * DAY)
        .map((e: { value: number }) => e.value);
      expect(values.at(-1)).toBe(400);
    }
  });
});
