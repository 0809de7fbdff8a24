// When monitors run. Three sources ask for a bucket to be evaluated: a merge changed it (the `events` rows
// written by ingestion; late profiles and late labels arrive this way), the clock saw it close (so a bucket
// that received nothing is still judged — missing data), or a person asked for a re-run. Requests land in
// `monitor_jobs`, one row per (project, bucket), and any server process may run a due job under a lease, so
// several processes on one PostgreSQL share the work and each request is served once:
// - event consumption holds the cursor row's lock (PostgreSQL: FOR UPDATE SKIP LOCKED, so one process consumes
//   at a time and the others move on) and is idempotent (a job remembers the largest event id it was asked
//   for), so re-reading events after a crash or across an id gap changes nothing;
// - a job is claimed with a lease under a row lock, and its results are written only if the lease still holds,
//   in the same transaction that marks the request served.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { Store } from "../db/connect.js";
import type { Database, MonitorJobTable, ProjectTable } from "../db/schema.js";
import { pendingStarts } from "../store/ranges.js";
import { bucketStart, nextBucketStart } from "../time.js";
import { defaultMonitorSettings } from "./config.js";
import { BucketEvaluator } from "./engine.js";
import type { MonitorDefinition } from "./engine.js";
import { applyResults } from "./results.js";
import type { AlertContext } from "./results.js";
import type { MonitorConfig, MonitorSettings } from "./types.js";

/** The monitors' row in event_cursors (created by the migration). */
export const MONITOR_EVENT_CURSOR = "monitors";
/** An id gap younger than this may be a transaction still committing: wait for it before moving past. */
const GAP_WAIT_MS = 10_000;
const EVENTS_PER_TICK = 5_000;
const LEASE_MS = 5 * 60_000;
const RETRY_AFTER_FAILURE_MS = 60_000;

export interface SchedulerOptions {
  /** Identifies this process in leases and the run log. */
  readonly worker?: string;
  readonly alerts: AlertContext;
  readonly onError?: (error: unknown, what: string) => void;
}

export interface TickResult {
  readonly events: number;
  readonly clocked: number;
  readonly runs: number;
}

export function settingsOf(row: {
  readiness_delay_ms: number;
  backfill_horizon_ms: number;
  settle_ms: number;
}): MonitorSettings {
  return {
    readinessDelayMs: Number(row.readiness_delay_ms),
    backfillHorizonMs: Number(row.backfill_horizon_ms),
    settleMs: Number(row.settle_ms),
  };
}

/** A project's settings as they stand: the frequency's defaults until someone (or the first data) stores them. */
export async function readMonitorSettings(
  db: Kysely<Database>,
  project: Pick<ProjectTable, "id" | "frequency">,
): Promise<MonitorSettings> {
  const row = await db
    .selectFrom("monitor_settings")
    .selectAll()
    .where("project_id", "=", project.id)
    .executeTakeFirst();
  return row === undefined ? defaultMonitorSettings(project.frequency) : settingsOf(row);
}

/** A project's settings, created with the frequency's defaults on first use. */
export async function monitorSettings(
  db: Kysely<Database>,
  project: Pick<ProjectTable, "id" | "frequency">,
  now: number,
): Promise<MonitorSettings & { clockCursor: number | null }> {
  let row = await db
    .selectFrom("monitor_settings")
    .selectAll()
    .where("project_id", "=", project.id)
    .executeTakeFirst();
  if (row === undefined) {
    const d = defaultMonitorSettings(project.frequency);
    await db
      .insertInto("monitor_settings")
      .values({
        project_id: project.id,
        readiness_delay_ms: d.readinessDelayMs,
        backfill_horizon_ms: d.backfillHorizonMs,
        settle_ms: d.settleMs,
        clock_cursor: null,
        updated_at: now,
      })
      .onConflict((oc) => oc.column("project_id").doNothing())
      .execute();
    row = await db
      .selectFrom("monitor_settings")
      .selectAll()
      .where("project_id", "=", project.id)
      .executeTakeFirstOrThrow();
  }
  return { ...settingsOf(row), clockCursor: row.clock_cursor === null ? null : Number(row.clock_cursor) };
}

/** The enabled monitors of a project with their parsed configuration. */
export async function projectMonitors(db: Kysely<Database>, projectId: string): Promise<MonitorDefinition[]> {
  const rows = await db
    .selectFrom("monitors")
    .select(["id", "version", "config"])
    .where("project_id", "=", projectId)
    .where("enabled", "=", 1)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({ id: r.id, version: r.version, config: JSON.parse(r.config) as MonitorConfig }));
}

type JobRequest = Pick<MonitorJobTable, "project_id" | "bucket_start" | "reason" | "run_after"> & {
  requested_event: number;
  forced: number;
  quiet: number;
};

/** A job row that has never run. */
function jobRow(job: JobRequest, now: number): MonitorJobTable {
  return {
    ...job,
    done_event: 0,
    locked_by: null,
    locked_until: null,
    runs: 0,
    last_error: null,
    updated_at: now,
  };
}

export class MonitorScheduler {
  readonly worker: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly options: SchedulerOptions,
  ) {
    this.worker = options.worker ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  private greatest(a: string, b: string) {
    return sql<number>`${sql.raw(this.store.dialect === "postgres" ? "greatest" : "max")}(${sql.ref(a)}, ${sql.ref(b)})`;
  }

  /** Inserts or merges job requests (idempotent for the same event ids). */
  private async request(db: Kysely<Database>, jobs: readonly JobRequest[], now: number): Promise<void> {
    for (const job of jobs) {
      await db
        .insertInto("monitor_jobs")
        .values(jobRow(job, now))
        .onConflict((oc) =>
          oc.columns(["project_id", "bucket_start"]).doUpdateSet({
            requested_event: this.greatest("monitor_jobs.requested_event", "excluded.requested_event"),
            forced: sql<number>`monitor_jobs.forced + excluded.forced`,
            run_after: this.greatest("monitor_jobs.run_after", "excluded.run_after"),
            reason: sql<string>`case when excluded.reason = 'data' and monitor_jobs.runs > 0 then 'late-data' else excluded.reason end`,
            // A data change after a quiet request makes the next run loud: the change deserves its alert.
            quiet: sql<number>`case when excluded.forced > 0 then excluded.quiet else 0 end`,
            updated_at: now,
          }),
        )
        .execute();
    }
  }

  /** Turns new bucket-changed events into job requests. Returns the events read. */
  async consumeEvents(now: number): Promise<number> {
    const { db, dialect } = this.store;
    return db.transaction().execute(async (tx) => {
      let cursorQuery = tx
        .selectFrom("event_cursors")
        .select("last_event_id")
        .where("name", "=", MONITOR_EVENT_CURSOR);
      if (dialect === "postgres") cursorQuery = cursorQuery.forUpdate().skipLocked();
      const cursorRow = await cursorQuery.executeTakeFirst();
      if (cursorRow === undefined) return 0; // another process is consuming
      const cursor = Number(cursorRow.last_event_id);
      // Every kind is read (ids must be seen contiguously to advance); only bucket changes ask for runs.
      const read = await tx
        .selectFrom("events")
        .select(["id", "kind", "project_id", "bucket_start", "created_at"])
        .where("id", ">", cursor)
        .orderBy("id")
        .limit(EVENTS_PER_TICK)
        .execute();
      if (read.length === 0) return 0;
      const events = read.filter((e) => e.kind === "bucket-changed");
      // Advance over contiguous ids; a gap is skipped only once it is old enough that the transaction that
      // would fill it has surely ended (ids are handed out before commit).
      let advanced = cursor;
      for (const e of read) {
        const id = Number(e.id);
        if (id !== advanced + 1 && now - Number(e.created_at) < GAP_WAIT_MS) break;
        advanced = id;
      }
      const latest = new Map<string, { project: string; bucket: number; event: number }>();
      for (const e of events) {
        const key = `${e.project_id}\u0000${e.bucket_start}`;
        const prev = latest.get(key);
        if (prev === undefined || prev.event < Number(e.id))
          latest.set(key, { project: e.project_id, bucket: Number(e.bucket_start), event: Number(e.id) });
      }
      const projectIds = [...new Set(events.map((e) => e.project_id))];
      const projects =
        projectIds.length === 0
          ? []
          : await tx
              .selectFrom("projects")
              .select(["id", "frequency", "time_zone"])
              .where("id", "in", projectIds)
              .execute();
      const byId = new Map(projects.map((p) => [p.id, p]));
      const settings = new Map<string, MonitorSettings & { clockCursor: number | null }>();
      for (const p of projects) settings.set(p.id, await monitorSettings(tx, p, now));
      const jobs: JobRequest[] = [];
      for (const { project, bucket, event } of latest.values()) {
        const p = byId.get(project);
        const s = settings.get(project);
        if (p === undefined || s === undefined) continue; // project deleted meanwhile
        if (bucket < now - s.backfillHorizonMs) continue;
        const closedAt = nextBucketStart(bucket, p.frequency, p.time_zone) + s.readinessDelayMs;
        jobs.push({
          project_id: project,
          bucket_start: bucket,
          requested_event: event,
          forced: 0,
          quiet: 0,
          reason: "data",
          run_after: Math.max(closedAt, now + s.settleMs),
        });
      }
      await this.request(tx, jobs, now);
      // The clock starts judging a project's buckets (missing data) from the one open when its data started
      // flowing: buckets before that were history when the project was set up.
      for (const p of projects) {
        if (settings.get(p.id)!.clockCursor === null) {
          await tx
            .updateTable("monitor_settings")
            .set({ clock_cursor: bucketStart(now, p.frequency, p.time_zone) })
            .where("project_id", "=", p.id)
            .where("clock_cursor", "is", null)
            .execute();
        }
      }
      if (advanced > cursor) {
        await tx
          .updateTable("event_cursors")
          .set({ last_event_id: advanced, updated_at: now })
          .where("name", "=", MONITOR_EVENT_CURSOR)
          .execute();
      }
      return read.length;
    });
  }

  /** Requests a run for every bucket that closed (end + readiness delay ≤ now) since the clock last looked. */
  async clock(now: number): Promise<number> {
    const { db } = this.store;
    const rows = await db
      .selectFrom("monitor_settings")
      .innerJoin("projects", "projects.id", "monitor_settings.project_id")
      .select([
        "projects.id",
        "projects.frequency",
        "projects.time_zone",
        "monitor_settings.clock_cursor",
        "monitor_settings.readiness_delay_ms",
      ])
      .where("monitor_settings.clock_cursor", "is not", null)
      .execute();
    let clocked = 0;
    for (const r of rows) {
      const from = Number(r.clock_cursor);
      const readiness = Number(r.readiness_delay_ms);
      let cursor = from;
      const jobs: JobRequest[] = [];
      for (let i = 0; i < 1000; i++) {
        const end = nextBucketStart(cursor, r.frequency, r.time_zone);
        if (end + readiness > now) break;
        jobs.push({
          project_id: r.id,
          bucket_start: cursor,
          requested_event: 0,
          forced: 1,
          quiet: 0,
          reason: "clock",
          run_after: end + readiness,
        });
        cursor = end;
      }
      if (jobs.length === 0) continue;
      await db.transaction().execute(async (tx) => {
        // Whoever moves the cursor first enqueues; a process that lost the race enqueues nothing.
        const moved = await tx
          .updateTable("monitor_settings")
          .set({ clock_cursor: cursor })
          .where("project_id", "=", r.id)
          .where("clock_cursor", "=", from)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return;
        for (const job of jobs) {
          // A bucket that data already asked about needs no clock run of its own.
          await tx
            .insertInto("monitor_jobs")
            .values(jobRow(job, now))
            .onConflict((oc) => oc.columns(["project_id", "bucket_start"]).doNothing())
            .execute();
        }
        clocked += jobs.length;
      });
    }
    return clocked;
  }

  /** Asks for a re-run of every bucket of [start, end) that has data, without alerting unless `notify`. */
  async requestRerun(
    project: Pick<ProjectTable, "id" | "frequency" | "time_zone">,
    start: number,
    end: number,
    now: number,
    notify = false,
  ): Promise<number> {
    const rows = await this.store.db
      .selectFrom("buckets")
      .select("bucket_start")
      .where("project_id", "=", project.id)
      .where("segment_key", "=", "")
      .where("bucket_start", ">=", start)
      .where("bucket_start", "<", end)
      .execute();
    // Uploads not merged yet count too: their bucket-changed events will follow, but the run was asked now.
    const pending = await pendingStarts(this.store, project.id, "", start, end);
    const starts = new Set([...rows.map((r) => Number(r.bucket_start)), ...pending]);
    const jobs = [...starts].map((bucket) => ({
      project_id: project.id,
      bucket_start: bucket,
      requested_event: 0,
      forced: 1,
      quiet: notify ? 0 : 1,
      reason: "manual",
      run_after: now,
    }));
    await this.store.db.transaction().execute((tx) => this.request(tx, jobs, now));
    return jobs.length;
  }

  /** Claims one due job under a lease; undefined when none is due. */
  private async claim(now: number): Promise<MonitorJobTable | undefined> {
    const { db, dialect } = this.store;
    return db.transaction().execute(async (tx) => {
      let query = tx
        .selectFrom("monitor_jobs")
        .selectAll()
        .where((eb) => eb.or([eb("requested_event", ">", eb.ref("done_event")), eb("forced", ">", 0)]))
        .where("run_after", "<=", now)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
        // Oldest bucket first among equally due ones, so incidents see buckets in time order.
        .orderBy("run_after")
        .orderBy("bucket_start")
        .limit(1);
      if (dialect === "postgres") query = query.forUpdate().skipLocked();
      const job = await query.executeTakeFirst();
      if (job === undefined) return undefined;
      await tx
        .updateTable("monitor_jobs")
        .set({ locked_by: this.worker, locked_until: now + LEASE_MS })
        .where("project_id", "=", job.project_id)
        .where("bucket_start", "=", job.bucket_start)
        .execute();
      return job;
    });
  }

  /** Runs due jobs (at most `max`); returns how many ran. */
  async runDue(now: number, max = 20): Promise<number> {
    let ran = 0;
    for (; ran < max; ran++) {
      const job = await this.claim(now);
      if (job === undefined) break;
      await this.run(job, now);
      // The embedded store answers synchronously, so a run of jobs would hold the event loop for its whole
      // length: let waiting HTTP requests in between buckets (a catch-up of weeks otherwise stalls the UI).
      await new Promise((resolve) => setImmediate(resolve));
    }
    return ran;
  }

  private async run(job: MonitorJobTable, now: number): Promise<void> {
    const { db } = this.store;
    const runId = randomUUID();
    const started = Date.now();
    const bucket = Number(job.bucket_start);
    const reason = job.reason;
    try {
      const project = await db
        .selectFrom("projects")
        .select(["id", "org_id", "name", "frequency", "time_zone"])
        .where("id", "=", job.project_id)
        .executeTakeFirstOrThrow();
      const monitors = await projectMonitors(db, project.id);
      const evaluations = await new BucketEvaluator(this.store, project, bucket).evaluate(monitors);
      await db.transaction().execute(async (tx) => {
        const released = await tx
          .updateTable("monitor_jobs")
          .set({
            // Only the event id seen at claim time counts as served: a later one keeps the job due.
            done_event: Number(job.requested_event),
            forced: sql<number>`forced - ${job.forced}`,
            locked_by: null,
            locked_until: null,
            runs: sql<number>`runs + 1`,
            last_error: null,
            updated_at: now,
          })
          .where("project_id", "=", job.project_id)
          .where("bucket_start", "=", job.bucket_start)
          .where("locked_by", "=", this.worker)
          .executeTakeFirst();
        // The lease expired and another process took the job: its run counts, not this one.
        if (Number(released.numUpdatedRows) === 0) throw new LeaseLost();
        const outcome = await applyResults(tx, this.store.dialect, {
          runId,
          project,
          monitors,
          evaluations,
          quiet: job.quiet > 0,
          now,
          alerts: this.options.alerts,
        });
        await tx
          .insertInto("monitor_runs")
          .values({
            id: runId,
            project_id: project.id,
            bucket_start: bucket,
            reason,
            event_id: Number(job.requested_event),
            worker: this.worker,
            started_at: started,
            finished_at: Date.now(),
            status: "ok",
            evaluations: evaluations.length,
            anomalies: outcome.anomalies,
            error: null,
          })
          .execute();
      });
    } catch (error) {
      if (error instanceof LeaseLost) return;
      this.options.onError?.(
        error,
        `monitor run for project ${job.project_id} bucket ${new Date(bucket).toISOString()}`,
      );
      const message = error instanceof Error ? error.message : String(error);
      await db
        .updateTable("monitor_jobs")
        .set({
          locked_by: null,
          locked_until: null,
          runs: sql<number>`runs + 1`,
          last_error: message.slice(0, 2000),
          run_after: now + RETRY_AFTER_FAILURE_MS,
          updated_at: now,
        })
        .where("project_id", "=", job.project_id)
        .where("bucket_start", "=", job.bucket_start)
        .where("locked_by", "=", this.worker)
        .execute();
      await db
        .insertInto("monitor_runs")
        .values({
          id: runId,
          project_id: job.project_id,
          bucket_start: bucket,
          reason,
          event_id: Number(job.requested_event),
          worker: this.worker,
          started_at: started,
          finished_at: Date.now(),
          status: "failed",
          evaluations: 0,
          anomalies: 0,
          error: message.slice(0, 2000),
        })
        .execute();
    }
  }

  /** One pass: consume events, let the clock enqueue closed buckets, run what is due. */
  async tick(now = Date.now()): Promise<TickResult> {
    const events = await this.consumeEvents(now);
    const clocked = await this.clock(now);
    const runs = await this.runDue(now);
    return { events, clocked, runs };
  }

  /** Ticks every `intervalMs` until stop(); errors are reported, never thrown. */
  start(intervalMs: number, afterTick?: (now: number) => Promise<unknown>): void {
    const loop = async () => {
      if (this.stopped) return;
      const now = Date.now();
      try {
        const r = await this.tick(now);
        await afterTick?.(now);
        // Work left over (a burst of events or due jobs): go again at once instead of waiting.
        if (!this.stopped && (r.runs >= 20 || r.events >= EVENTS_PER_TICK)) {
          this.timer = setTimeout(() => void (this.running = loop()), 0);
          return;
        }
      } catch (error) {
        this.options.onError?.(error, "monitor scheduler tick");
      }
      if (!this.stopped) this.timer = setTimeout(() => void (this.running = loop()), intervalMs);
    };
    this.timer = setTimeout(() => void (this.running = loop()), intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }
}

class LeaseLost extends Error {}
