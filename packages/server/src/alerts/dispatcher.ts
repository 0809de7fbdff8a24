// Sends what the outbox queued. Each tick (1) turns digest windows that have ended into one delivery per
// channel, mode and window, and (2) claims due deliveries with a lease, sends them, and records every attempt.
// Several server processes may tick against one PostgreSQL: digest items and deliveries are claimed inside
// transactions with `FOR UPDATE SKIP LOCKED` and conditional updates, so each digest is built once and each
// delivery is attempted by one process at a time. SQLite serves a single process, whose transactions serialize.
// Delivery is at least once: a process that dies mid-send leaves a lease that expires, and the next claimant sends
// again (webhook receivers can deduplicate on X-Sightglass-Delivery, PagerDuty on dedup_key).
import type { Kysely, Transaction } from "kysely";
import type { Store } from "../db/connect.js";
import type { ChannelTable, Database, DeliveryState, DeliveryTable } from "../db/schema.js";
import { notFound } from "../errors.js";
import { MONITOR_SEVERITIES } from "../monitors/types.js";
import type { MonitorSeverity } from "../monitors/types.js";
import type { ChannelConfig, SendOutcome } from "./channels.js";
import { sendToChannel } from "./channels.js";
import { digestWindowMs, newDeliveryId, pendingDelivery } from "./outbox.js";
import type { Alert, AlertAnomaly, DigestAlert, DigestMode, TestAlert } from "./payload.js";
import { anomalyUrl } from "./payload.js";

export interface BackoffOptions {
  /** Wait after the first failed attempt (default 30 s). */
  readonly baseMs?: number;
  /** Growth per further failure (default 2). */
  readonly factor?: number;
  /** Longest wait (default 1 h). */
  readonly capMs?: number;
  /** Fraction of the wait taken off at random (default 0.2), so receivers that failed together recover apart. */
  readonly jitter?: number;
}

export interface DispatcherOptions {
  /** This process's name in leases (locked_by). */
  readonly worker: string;
  /** Server-wide SMTP URL for email channels without their own. */
  readonly smtpUrl?: string | undefined;
  /** Base URL of the UI, for links in alerts. */
  readonly publicUrl?: string | undefined;
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
  /** Attempts before a delivery is given up (default 8). */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffOptions;
  /** How long a claimed delivery stays reserved for this process (default 2 min). */
  readonly leaseMs?: number;
  /** Deliveries claimed (and sent concurrently) per tick (default 25). */
  readonly batchSize?: number;
  /** Source of the jitter, in [0, 1) (tests make it constant). */
  readonly random?: () => number;
  /** Told about failures that are not a delivery's own (a digest that could not be built); the server logs them. */
  readonly onError?: (error: unknown, context: string) => void;
}

export interface TickResult {
  /** Digest deliveries created. */
  readonly digests: number;
  /** Deliveries sent successfully. */
  readonly sent: number;
  /** Attempts that failed (whether the delivery will be retried or was given up). */
  readonly failed: number;
}

export interface TestSendResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  readonly deliveryId: string;
}

const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseMs: 30_000,
  factor: 2,
  capMs: 3_600_000,
  jitter: 0.2,
};
/** Digest windows turned into deliveries per tick; the rest wait for the next tick. */
const DIGEST_GROUPS_PER_TICK = 50;
/** SQLite's bound-parameter limit is far above this; it keeps IN lists of digest anomalies modest. */
const CHUNK = 500;

/** The wait before attempt `failures + 1`, after `failures` (≥ 1) failed attempts. */
export function backoffDelay(
  failures: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
) {
  const b = { ...DEFAULT_BACKOFF, ...options };
  const nominal = Math.min(b.capMs, b.baseMs * b.factor ** Math.max(0, failures - 1));
  return Math.round(nominal * (1 - b.jitter * random()));
}

function severityOf(value: string): MonitorSeverity {
  return (MONITOR_SEVERITIES as readonly string[]).includes(value) ? (value as MonitorSeverity) : "error";
}

function analyzerOf(config: string): string {
  try {
    const type = (JSON.parse(config) as { analyzer?: { type?: unknown } }).analyzer?.type;
    return typeof type === "string" ? type : "monitor";
  } catch {
    return "monitor";
  }
}

/**
 * The anomalies of a digest as they are now (a digest is sent after its window, so it can say which anomalies
 * were acknowledged or resolved meanwhile), in the order of `ids`. Anomalies deleted since are left out.
 */
async function loadAlertAnomalies(
  db: Kysely<Database>,
  ids: readonly string[],
  publicUrl: string | undefined,
): Promise<AlertAnomaly[]> {
  const out: AlertAnomaly[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .selectFrom("anomalies as a")
      .innerJoin("monitors as m", "m.id", "a.monitor_id")
      .innerJoin("projects as p", "p.id", "a.project_id")
      .leftJoin("evaluations as e", "e.id", "a.last_evaluation_id")
      .select([
        "a.id",
        "a.project_id",
        "a.monitor_id",
        "a.column_name",
        "a.segment_key",
        "a.state",
        "a.severity",
        "a.first_bucket",
        "a.last_bucket",
        "a.bucket_count",
        "a.summary",
        "m.name as monitor_name",
        "m.config as monitor_config",
        "p.name as project_name",
        "p.org_id",
        "e.analyzer",
        "e.value",
        "e.threshold_lower",
        "e.threshold_upper",
        "e.baseline_value",
      ])
      .where("a.id", "in", ids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) {
      const bounds = {
        id: r.id,
        column: r.column_name,
        segment: r.segment_key,
        firstBucket: r.first_bucket,
        lastBucket: r.last_bucket,
      };
      out.push({
        ...bounds,
        projectId: r.project_id,
        projectName: r.project_name,
        orgId: r.org_id,
        monitorId: r.monitor_id,
        monitorName: r.monitor_name,
        analyzer: r.analyzer ?? analyzerOf(r.monitor_config),
        severity: severityOf(r.severity),
        bucketCount: r.bucket_count,
        state: r.state,
        summary: r.summary,
        value: r.value ?? null,
        threshold_lower: r.threshold_lower ?? null,
        threshold_upper: r.threshold_upper ?? null,
        baseline_value: r.baseline_value ?? null,
        url: anomalyUrl(publicUrl, r.project_id, bounds),
      });
    }
  }
  const order = new Map(ids.map((id, i) => [id, i]));
  return out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

export class AlertDispatcher {
  readonly #store: Store;
  readonly #options: DispatcherOptions;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #leaseMs: number;
  readonly #batchSize: number;

  constructor(store: Store, options: DispatcherOptions) {
    this.#store = store;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.#leaseMs = options.leaseMs ?? 120_000;
    this.#batchSize = Math.max(1, options.batchSize ?? 25);
  }

  /** One round: due digests become deliveries, then due deliveries are sent. */
  async tick(now: number): Promise<TickResult> {
    const digests = await this.#buildDigests(now);
    const claimed = await this.#claim(now);
    let sent = 0;
    let failed = 0;
    if (claimed.length > 0) {
      const channels = await this.#channels(claimed.map((d) => d.channel_id));
      // Concurrently: a batch then takes one timeout at worst, far inside the lease.
      const states = await Promise.all(
        claimed.map((d) => this.#process(d, channels.get(d.channel_id), now, true)),
      );
      for (const state of states) {
        if (state === "sent") sent++;
        else if (state !== "lost") failed++;
      }
    }
    return { digests, sent, failed };
  }

  /**
   * Sends a test message to a channel now, through the same path as alerts, and records it as a delivery of
   * kind "test" with its attempt. Not retried: whoever pressed "test" wants the answer now.
   */
  async sendTest(channel: ChannelTable | string, now: number): Promise<TestSendResult> {
    const row =
      typeof channel === "string"
        ? await this.#store.db.selectFrom("channels").selectAll().where("id", "=", channel).executeTakeFirst()
        : channel;
    if (row === undefined) throw notFound(`channel ${String(channel)}`);
    const alert: TestAlert = { event: "test", orgId: row.org_id, channelId: row.id, channelName: row.name };
    const delivery = pendingDelivery({
      orgId: row.org_id,
      channelId: row.id,
      kind: "test",
      projectId: null,
      payload: JSON.stringify(alert),
      now,
      // Leased from the start, so that no tick picks it up while it is being sent here.
      lockedBy: this.#options.worker,
      lockedUntil: now + this.#leaseMs,
    });
    await this.#store.db.insertInto("deliveries").values(delivery).execute();
    const outcome = await this.#send(delivery, row, now);
    await this.#record(delivery, outcome.outcome, outcome.durationMs, now, false);
    return {
      ok: outcome.outcome.ok,
      status: outcome.outcome.status,
      error: outcome.outcome.error,
      deliveryId: delivery.id,
    };
  }

  // ---------------------------------------------------------------------------------------------- digests

  async #buildDigests(now: number): Promise<number> {
    const { db } = this.#store;
    const groups = await db
      .selectFrom("digest_items")
      .select(["channel_id", "mode", "window_start"])
      .where("delivery_id", "is", null)
      .where((eb) =>
        eb.or([
          eb.and([
            eb("mode", "=", "digest-hourly"),
            eb("window_start", "<=", now - digestWindowMs("digest-hourly")),
          ]),
          eb.and([
            eb("mode", "=", "digest-daily"),
            eb("window_start", "<=", now - digestWindowMs("digest-daily")),
          ]),
        ]),
      )
      .groupBy(["channel_id", "mode", "window_start"])
      .orderBy("window_start")
      .limit(DIGEST_GROUPS_PER_TICK)
      .execute();
    let created = 0;
    for (const group of groups) {
      try {
        const made = await db
          .transaction()
          .execute((tx) =>
            this.#buildDigest(tx, group.channel_id, group.mode as DigestMode, group.window_start, now),
          );
        if (made) created++;
      } catch (e) {
        this.#options.onError?.(e, `digest of channel ${group.channel_id} for window ${group.window_start}`);
      }
    }
    return created;
  }

  /** One digest delivery from the unclaimed items of a window; false when another process took them. */
  async #buildDigest(
    tx: Transaction<Database>,
    channelId: string,
    mode: DigestMode,
    windowStart: number,
    now: number,
  ): Promise<boolean> {
    let items = tx
      .selectFrom("digest_items")
      .select(["id", "anomaly_id"])
      .where("channel_id", "=", channelId)
      .where("mode", "=", mode)
      .where("window_start", "=", windowStart)
      .where("delivery_id", "is", null)
      .orderBy("id");
    // Another process building this digest holds these rows: skip them instead of waiting to find them taken.
    if (this.#store.dialect === "postgres") items = items.forUpdate().skipLocked();
    const locked = await items.execute();
    if (locked.length === 0) return false;
    const channel = await tx
      .selectFrom("channels")
      .select(["id", "org_id"])
      .where("id", "=", channelId)
      .executeTakeFirst();
    if (channel === undefined) return false;
    const deliveryId = newDeliveryId();
    const claimedIds: string[] = [];
    const itemIds = locked.map((r) => r.id);
    for (let i = 0; i < itemIds.length; i += CHUNK) {
      // The claim: only rows still unclaimed, whatever the lock above saw.
      const claimed = await tx
        .updateTable("digest_items")
        .set({ delivery_id: deliveryId })
        .where("id", "in", itemIds.slice(i, i + CHUNK))
        .where("delivery_id", "is", null)
        .returning("anomaly_id")
        .execute();
      claimedIds.push(...claimed.map((r) => r.anomaly_id));
    }
    if (claimedIds.length === 0) return false;
    // In queue order (RETURNING promises none).
    const claimedSet = new Set(claimedIds);
    const ordered = [...new Set(locked.map((r) => r.anomaly_id).filter((id) => claimedSet.has(id)))];
    const anomalies = await loadAlertAnomalies(tx, ordered, this.#options.publicUrl);
    if (anomalies.length === 0) return false;
    const projects = new Set(anomalies.map((a) => a.projectId));
    const alert: DigestAlert = {
      event: "digest",
      mode,
      windowStart,
      windowEnd: windowStart + digestWindowMs(mode),
      anomalies,
    };
    await tx
      .insertInto("deliveries")
      .values(
        pendingDelivery({
          id: deliveryId,
          orgId: channel.org_id,
          channelId,
          kind: "digest",
          projectId: projects.size === 1 ? [...projects][0]! : null,
          payload: JSON.stringify(alert),
          now,
        }),
      )
      .execute();
    return true;
  }

  // ------------------------------------------------------------------------------------------- deliveries

  /** Leases up to batchSize due deliveries to this worker. */
  async #claim(now: number): Promise<DeliveryTable[]> {
    return this.#store.db.transaction().execute(async (tx) => {
      let due = tx
        .selectFrom("deliveries")
        .select("id")
        .where("state", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
        .orderBy("next_attempt_at")
        .limit(this.#batchSize);
      if (this.#store.dialect === "postgres") due = due.forUpdate().skipLocked();
      const ids = (await due.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      return tx
        .updateTable("deliveries")
        .set({ locked_by: this.#options.worker, locked_until: now + this.#leaseMs })
        .where("id", "in", ids)
        .where("state", "=", "pending")
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<=", now)]))
        .returningAll()
        .execute();
    });
  }

  async #channels(ids: readonly string[]): Promise<Map<string, ChannelTable>> {
    const unique = [...new Set(ids)];
    const rows = await this.#store.db.selectFrom("channels").selectAll().where("id", "in", unique).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  async #send(
    delivery: DeliveryTable,
    channel: ChannelTable | undefined,
    now: number,
  ): Promise<{ outcome: SendOutcome; durationMs: number }> {
    if (channel === undefined)
      return {
        outcome: { ok: false, status: null, error: "the channel was deleted", retry: false },
        durationMs: 0,
      };
    let alert: Alert;
    let config: ChannelConfig;
    try {
      alert = JSON.parse(delivery.payload) as Alert;
      config = JSON.parse(channel.config) as ChannelConfig;
    } catch (e) {
      const error = `unreadable delivery or channel settings: ${(e as Error).message}`;
      return { outcome: { ok: false, status: null, error, retry: false }, durationMs: 0 };
    }
    const started = performance.now();
    const outcome = await sendToChannel(channel.kind, config, alert, {
      deliveryId: delivery.id,
      createdAt: delivery.created_at,
      publicUrl: this.#options.publicUrl,
      channelId: channel.id,
      now,
      timeoutMs: this.#timeoutMs,
      smtpUrl: this.#options.smtpUrl,
    });
    return { outcome, durationMs: Math.round(performance.now() - started) };
  }

  async #process(
    delivery: DeliveryTable,
    channel: ChannelTable | undefined,
    now: number,
    allowRetry: boolean,
  ): Promise<DeliveryState | "lost"> {
    try {
      const { outcome, durationMs } = await this.#send(delivery, channel, now);
      return await this.#record(delivery, outcome, durationMs, now, allowRetry);
    } catch (e) {
      // A store error while recording: the lease runs out and another tick tries again.
      this.#options.onError?.(e, `delivery ${delivery.id}`);
      return "lost";
    }
  }

  /**
   * Records an attempt and the delivery's next state; "lost" when this worker no longer held the delivery (its
   * lease ran out and another process took it over, which then records its own attempt).
   */
  async #record(
    delivery: DeliveryTable,
    outcome: SendOutcome,
    durationMs: number,
    now: number,
    allowRetry: boolean,
  ): Promise<DeliveryState | "lost"> {
    const attempt = delivery.attempts + 1;
    const state: DeliveryState = outcome.ok
      ? "sent"
      : outcome.retry && allowRetry && attempt < this.#maxAttempts
        ? "pending"
        : "failed";
    let next = delivery.next_attempt_at;
    if (state === "pending") {
      const backoff = this.#options.backoff ?? {};
      const delay = backoffDelay(attempt, backoff, this.#options.random);
      const cap = backoff.capMs ?? DEFAULT_BACKOFF.capMs;
      // A receiver's Retry-After is honoured (up to the cap) when it asks for longer than our backoff.
      next = now + Math.max(delay, Math.min(outcome.retryAfterMs ?? 0, cap));
    }
    let error = outcome.error === null ? null : outcome.error.slice(0, 2000);
    if (state === "failed" && !outcome.ok && outcome.retry && allowRetry)
      error = `${error ?? "failed"} (gave up after ${attempt} attempts)`;
    return this.#store.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable("deliveries")
        .set({
          state,
          attempts: attempt,
          next_attempt_at: next,
          locked_by: null,
          locked_until: null,
          last_status: outcome.status,
          last_error: error,
          sent_at: state === "sent" ? now : null,
        })
        .where("id", "=", delivery.id)
        .where("locked_by", "=", this.#options.worker)
        .where("attempts", "=", delivery.attempts)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return "lost" as const;
      await tx
        .insertInto("delivery_attempts")
        .values({
          delivery_id: delivery.id,
          attempt,
          at: now,
          duration_ms: durationMs,
          ok: outcome.ok ? 1 : 0,
          status: outcome.status,
          error,
        })
        .execute();
      return state;
    });
  }
}
