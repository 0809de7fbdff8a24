// The transactional outbox of alerts. The monitor engine calls enqueueAlert inside the transaction that opens or
// resolves an anomaly, so an alert exists exactly when its anomaly change committed; nothing is sent here. The
// dispatcher (dispatcher.ts) sends the rows later, with retries, from whichever process gets to them.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { ChannelKind, Database, DeliveryTable } from "../db/schema.js";
import type { NotifySpec } from "../monitors/types.js";
import type { AlertAnomaly, AnomalyAlert, AnomalyEvent, DigestMode } from "./payload.js";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Channel kinds told about resolutions: the ones that can close what they opened (or let a program do it). */
const RESOLVE_KINDS: ReadonlySet<ChannelKind> = new Set(["pagerduty", "webhook"]);

export function newDeliveryId(): string {
  return `dlv_${randomUUID().replace(/-/g, "")}`;
}

/** A delivery waiting for its first attempt. */
export function pendingDelivery(d: {
  id?: string;
  orgId: string;
  channelId: string;
  kind: string;
  projectId: string | null;
  payload: string;
  now: number;
  lockedBy?: string;
  lockedUntil?: number;
}): DeliveryTable {
  return {
    id: d.id ?? newDeliveryId(),
    org_id: d.orgId,
    channel_id: d.channelId,
    kind: d.kind,
    project_id: d.projectId,
    payload: d.payload,
    state: "pending",
    attempts: 0,
    next_attempt_at: d.now,
    locked_by: d.lockedBy ?? null,
    locked_until: d.lockedUntil ?? null,
    last_status: null,
    last_error: null,
    created_at: d.now,
    sent_at: null,
  };
}

/** Length of a digest window. */
export function digestWindowMs(mode: DigestMode): number {
  return mode === "digest-hourly" ? HOUR_MS : DAY_MS;
}

/** Start of the UTC hour or day containing `now`: the digest window an anomaly falls in. */
export function digestWindowStart(mode: DigestMode, now: number): number {
  const length = digestWindowMs(mode);
  return Math.floor(now / length) * length;
}

/** The deliveries.kind of an anomaly event. */
export function deliveryKind(event: AnomalyEvent): "anomaly" | "resolved" {
  return event === "anomaly.opened" ? "anomaly" : "resolved";
}

/**
 * Queues the alerts of one anomaly event for the channels of `notify` (call it inside the transaction that
 * changed the anomaly). Immediate mode: one pending delivery per channel; resolutions go only to PagerDuty and
 * webhook channels (a "resolved" chat message or email mostly adds noise). Digest modes: the anomaly joins the
 * channel's current UTC hour or day window; resolutions are not digested. Channel ids that do not exist in the
 * anomaly's organization are skipped: deleting a channel must not break the monitors that still name it.
 */
export async function enqueueAlert(
  tx: Kysely<Database>,
  anomaly: AlertAnomaly,
  event: AnomalyEvent,
  notify: NotifySpec,
  now: number,
): Promise<void> {
  const ids = [...new Set(notify.channels)];
  if (ids.length === 0) return;
  const digest = notify.mode !== "immediate";
  if (digest && event === "anomaly.resolved") return;
  const channels = await tx
    .selectFrom("channels")
    .select(["id", "kind"])
    .where("org_id", "=", anomaly.orgId)
    .where("id", "in", ids)
    .execute();
  const known = new Map(channels.map((c) => [c.id, c.kind]));
  const targets = ids.filter((id) => known.has(id));
  if (targets.length === 0) return;

  if (notify.mode === "immediate") {
    const payload: AnomalyAlert = { event, anomaly };
    const json = JSON.stringify(payload);
    const rows = targets
      .filter((id) => event === "anomaly.opened" || RESOLVE_KINDS.has(known.get(id)!))
      .map((channelId) =>
        pendingDelivery({
          orgId: anomaly.orgId,
          channelId,
          kind: deliveryKind(event),
          projectId: anomaly.projectId,
          payload: json,
          now,
        }),
      );
    if (rows.length > 0) await tx.insertInto("deliveries").values(rows).execute();
    return;
  }

  const mode: DigestMode = notify.mode;
  // An anomaly is listed once per channel and mode, even if the engine reports its opening again (a re-run).
  const already = await tx
    .selectFrom("digest_items")
    .select("channel_id")
    .where("anomaly_id", "=", anomaly.id)
    .where("mode", "=", mode)
    .where("channel_id", "in", targets)
    .execute();
  const listed = new Set(already.map((r) => r.channel_id));
  const rows = targets
    .filter((id) => !listed.has(id))
    .map((channelId) => ({
      channel_id: channelId,
      anomaly_id: anomaly.id,
      mode,
      window_start: digestWindowStart(mode, now),
      delivery_id: null,
      created_at: now,
    }));
  if (rows.length > 0) await tx.insertInto("digest_items").values(rows).execute();
}
