// Writing a run's evaluations and keeping anomalies as incidents. Consecutive anomalous buckets of one
// monitor × column × segment form one incident that alerts once (repeats are folded into it); a later normal
// bucket resolves it, as does a re-evaluation that clears the only bucket it had. Incidents of one project are
// updated under a lock on that project's row, so runs of two buckets in two processes cannot both open one.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { enqueueAlert } from "../alerts/outbox.js";
import { anomalyUrl } from "../alerts/payload.js";
import type { AlertAnomaly } from "../alerts/payload.js";
import type { Dialect } from "../db/connect.js";
import type { AnomalyTable, Database } from "../db/schema.js";
import type { Evaluation, MonitorDefinition } from "./engine.js";

export interface AlertContext {
  /** Where the UI is reached, for links in alerts; relative links without it. */
  readonly publicUrl: string | undefined;
}

export interface RunResults {
  readonly runId: string;
  readonly project: { id: string; org_id: string; name: string };
  readonly monitors: readonly MonitorDefinition[];
  readonly evaluations: readonly Evaluation[];
  /** Record and update incidents, but send nothing (manual re-runs). */
  readonly quiet: boolean;
  readonly now: number;
  readonly alerts: AlertContext;
}

const activeKey = (monitorId: string, column: string, segment: string) => `${monitorId}|${column}|${segment}`;

function alertOf(
  row: AnomalyTable,
  project: RunResults["project"],
  monitor: MonitorDefinition,
  evaluation: Evaluation,
  publicUrl: string | undefined,
): AlertAnomaly {
  const bounds = {
    id: row.id,
    column: row.column_name,
    segment: row.segment_key,
    firstBucket: Number(row.first_bucket),
    lastBucket: Number(row.last_bucket),
  };
  return {
    id: row.id,
    projectId: project.id,
    projectName: project.name,
    orgId: project.org_id,
    monitorId: monitor.id,
    monitorName: monitor.config.name,
    analyzer: monitor.config.analyzer.type,
    severity: monitor.config.severity,
    column: row.column_name,
    segment: row.segment_key,
    firstBucket: bounds.firstBucket,
    lastBucket: bounds.lastBucket,
    bucketCount: row.bucket_count,
    state: row.state,
    summary: row.summary,
    value: evaluation.value,
    threshold_lower: evaluation.thresholdLower,
    threshold_upper: evaluation.thresholdUpper,
    baseline_value: evaluation.baselineValue,
    url: anomalyUrl(publicUrl, project.id, bounds),
  };
}

/** Stores the evaluations and updates incidents (and the alert outbox). Runs inside the caller's transaction. */
export async function applyResults(
  tx: Kysely<Database>,
  dialect: Dialect,
  r: RunResults,
): Promise<{ anomalies: number }> {
  const { project, now } = r;
  // Serialize incident updates per project across processes on the project's row, which every run has (its
  // settings row may not exist yet). NO KEY UPDATE: ingestion's inserts that reference the project (key-share
  // locks) are not held up by it.
  if (dialect === "postgres") {
    await tx.selectFrom("projects").select("id").where("id", "=", project.id).forNoKeyUpdate().execute();
  }

  const ids: number[] = [];
  for (let i = 0; i < r.evaluations.length; i += 200) {
    const rows = await tx
      .insertInto("evaluations")
      .values(
        r.evaluations.slice(i, i + 200).map((e) => ({
          run_id: r.runId,
          project_id: project.id,
          monitor_id: e.monitorId,
          monitor_version: e.monitorVersion,
          analyzer: e.analyzer,
          column_name: e.column,
          segment_key: e.segment,
          bucket_start: e.bucketStart,
          metric: e.metric,
          value: finiteOrNull(e.value),
          value_lower: finiteOrNull(e.valueLower),
          value_upper: finiteOrNull(e.valueUpper),
          threshold_lower: finiteOrNull(e.thresholdLower),
          threshold_upper: finiteOrNull(e.thresholdUpper),
          baseline_value: finiteOrNull(e.baselineValue),
          anomaly: e.anomaly ? 1 : 0,
          details: JSON.stringify({ ...e.details, summary: e.summary }),
          bucket_version: e.bucketVersion,
          created_at: now,
        })),
      )
      .returning("id")
      .execute();
    for (const row of rows) ids.push(Number(row.id));
  }

  const active = await tx
    .selectFrom("anomalies")
    .selectAll()
    .where("project_id", "=", project.id)
    .where("active_key", "is not", null)
    .execute();
  const activeByKey = new Map(active.map((a) => [a.active_key!, a]));
  const monitors = new Map(r.monitors.map((m) => [m.id, m]));
  let anomalies = 0;
  for (let i = 0; i < r.evaluations.length; i++) {
    const e = r.evaluations[i]!;
    const evaluationId = ids[i]!;
    const monitor = monitors.get(e.monitorId)!;
    const key = activeKey(e.monitorId, e.column, e.segment);
    const open = activeByKey.get(key);
    if (e.anomaly) {
      anomalies++;
      if (open !== undefined) {
        // The same problem again: fold it into the open incident, no new alert.
        const first = Math.min(Number(open.first_bucket), e.bucketStart);
        const last = Math.max(Number(open.last_bucket), e.bucketStart);
        const isNewBucket =
          e.bucketStart < Number(open.first_bucket) || e.bucketStart > Number(open.last_bucket);
        const updated = {
          first_bucket: first,
          last_bucket: last,
          bucket_count: open.bucket_count + (isNewBucket ? 1 : 0),
          summary: e.bucketStart >= Number(open.last_bucket) ? e.summary : open.summary,
          last_evaluation_id: evaluationId,
          updated_at: now,
        };
        await tx.updateTable("anomalies").set(updated).where("id", "=", open.id).execute();
        activeByKey.set(key, { ...open, ...updated });
        continue;
      }
      const row: AnomalyTable = {
        id: randomUUID(),
        project_id: project.id,
        monitor_id: e.monitorId,
        column_name: e.column,
        segment_key: e.segment,
        active_key: key,
        state: "open",
        severity: monitor.config.severity,
        first_bucket: e.bucketStart,
        last_bucket: e.bucketStart,
        bucket_count: 1,
        summary: e.summary,
        last_evaluation_id: evaluationId,
        opened_at: now,
        updated_at: now,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        resolution: null,
      };
      // Buckets can be judged out of order (late data): if a later bucket was already judged normal, the
      // problem is news but already over — record it resolved (and say so after announcing it).
      const later = await tx
        .selectFrom("evaluations")
        .select("anomaly")
        .where("monitor_id", "=", e.monitorId)
        .where("column_name", "=", e.column)
        .where("segment_key", "=", e.segment)
        .where("bucket_start", ">", e.bucketStart)
        .orderBy("bucket_start", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      const over = later !== undefined && later.anomaly === 0;
      const stored: AnomalyTable = over
        ? { ...row, active_key: null, state: "resolved", resolved_at: now, resolution: "recovered" }
        : row;
      await tx.insertInto("anomalies").values(stored).execute();
      if (!over) activeByKey.set(key, row);
      if (!r.quiet) {
        const alert = alertOf(row, project, monitor, e, r.alerts.publicUrl);
        await enqueueAlert(tx, alert, "anomaly.opened", monitor.config.notify, now);
        if (over) {
          await enqueueAlert(
            tx,
            { ...alert, state: "resolved" },
            "anomaly.resolved",
            monitor.config.notify,
            now,
          );
        }
      }
      continue;
    }
    if (open === undefined) continue;
    const first = Number(open.first_bucket);
    const last = Number(open.last_bucket);
    let resolution: string | null = null;
    if (e.bucketStart > last) resolution = "recovered";
    else if (e.bucketStart === first && e.bucketStart === last) resolution = "re-evaluated";
    if (resolution === null) continue;
    const resolved: AnomalyTable = {
      ...open,
      active_key: null,
      state: "resolved",
      resolved_at: now,
      resolved_by: null,
      resolution,
      updated_at: now,
    };
    await tx
      .updateTable("anomalies")
      .set({
        active_key: null,
        state: "resolved",
        resolved_at: now,
        resolution,
        updated_at: now,
      })
      .where("id", "=", open.id)
      .execute();
    activeByKey.delete(key);
    if (!r.quiet) {
      await enqueueAlert(
        tx,
        alertOf(resolved, project, monitor, e, r.alerts.publicUrl),
        "anomaly.resolved",
        monitor.config.notify,
        now,
      );
    }
  }
  return { anomalies };
}

function finiteOrNull(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
}
