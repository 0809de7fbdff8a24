// Reading profiles back: each bucket of a range as its merged profile plus the uploads still pending for it
// (read in one snapshot, so an upload is counted exactly once whether or not it was merged meanwhile), the
// merge of a range, and reference profiles.
import { DatasetProfileView } from "@sightglass/profile";
import type { Kysely } from "kysely";
import type { Store } from "../db/connect.js";
import type { Database } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { ingestorOf } from "./ingest.js";
import { decodeUpload, fromBuffer, scalarMetrics } from "./profiles.js";
import type { ScalarMetrics } from "./profiles.js";
import { ViewCache } from "./view-cache.js";

export interface BucketProfile {
  readonly start: number;
  readonly view: DatasetProfileView;
}

/**
 * Uploads of a project stored but not merged yet, with a bucket start in [start, end): for a segment, its own;
 * for the whole dataset (""), every segment's. The caller selects what it needs.
 */
export function pendingUploads(
  db: Kysely<Database>,
  projectId: string,
  segmentKey: string,
  start: number,
  end: number,
) {
  let query = db
    .selectFrom("uploads")
    .where("project_id", "=", projectId)
    .where("merged_at", "is", null)
    .where("reference_name", "is", null)
    .where("bucket_start", ">=", start)
    .where("bucket_start", "<", end);
  if (segmentKey !== "") query = query.where("segment_key", "=", segmentKey);
  return query;
}

/** Runs `read` in one snapshot of the store (PostgreSQL: repeatable read; SQLite: a read transaction). */
export async function inSnapshot<T>(store: Store, read: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const transaction = store.db.transaction();
  return (
    store.dialect === "postgres" ? transaction.setIsolationLevel("repeatable read") : transaction
  ).execute(read);
}

/**
 * Each bucket's profile in [start, end), oldest first, with `onlyStarts` restricting which buckets. Pending
 * uploads are merged in; for the whole dataset ("" segment) every segment's pending uploads count.
 */
export async function bucketProfiles(
  store: Store,
  projectId: string,
  segmentKey: string,
  start: number,
  end: number,
  onlyStarts?: ReadonlySet<number>,
): Promise<BucketProfile[]> {
  const cache = ingestorOf(store).cache;
  return inSnapshot(store, async (db) => {
    const rows = await db
      .selectFrom("buckets")
      .select(["bucket_start", "version"])
      .where("project_id", "=", projectId)
      .where("segment_key", "=", segmentKey)
      .where("bucket_start", ">=", start)
      .where("bucket_start", "<", end)
      .where("version", ">", 0)
      .orderBy("bucket_start")
      .execute();
    const wanted = onlyStarts === undefined ? rows : rows.filter((r) => onlyStarts.has(r.bucket_start));
    const views = new Map<number, DatasetProfileView[]>();
    const missing: number[] = [];
    for (const r of wanted) {
      const cached = cache.get(ViewCache.key(projectId, segmentKey, r.bucket_start), r.version);
      if (cached !== undefined) views.set(r.bucket_start, [cached]);
      else missing.push(r.bucket_start);
    }
    const versions = new Map(wanted.map((r) => [r.bucket_start, r.version]));
    for (let i = 0; i < missing.length; i += 200) {
      const blobs = await db
        .selectFrom("buckets")
        .select(["bucket_start", "profile"])
        .where("project_id", "=", projectId)
        .where("segment_key", "=", segmentKey)
        .where("bucket_start", "in", missing.slice(i, i + 200))
        .execute();
      for (const b of blobs) {
        if (b.profile === null) continue;
        const view = DatasetProfileView.deserialize(fromBuffer(b.profile));
        cache.set(
          ViewCache.key(projectId, segmentKey, b.bucket_start),
          versions.get(b.bucket_start)!,
          view,
          b.profile.length,
        );
        views.set(b.bucket_start, [view]);
      }
    }
    const pending = pendingUploads(db, projectId, segmentKey, start, end)
      .select(["bucket_start", "bytes"])
      .orderBy("received_at")
      .orderBy("id");
    for (const p of await pending.execute()) {
      if (onlyStarts !== undefined && !onlyStarts.has(p.bucket_start)) continue;
      const view = decodeUpload(fromBuffer(p.bytes)).view;
      const list = views.get(p.bucket_start) ?? [];
      list.push(segmentKey === "" ? view.withSegment(undefined) : view);
      views.set(p.bucket_start, list);
    }
    return [...views.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([bucket, list]) => ({ start: bucket, view: DatasetProfileView.mergeAll(list) }));
  });
}

/** Bucket starts in [start, end) that have pending uploads (for the segment, or any segment for ""). */
export async function pendingStarts(
  store: Store,
  projectId: string,
  segmentKey: string,
  start: number,
  end: number,
): Promise<Set<number>> {
  const rows = await pendingUploads(store.db, projectId, segmentKey, start, end)
    .select("bucket_start")
    .distinct()
    .execute();
  return new Set(rows.map((r) => r.bucket_start));
}

/**
 * The scalar summary of each column per bucket in [start, end): column → bucket start → metrics. Read from the
 * summaries materialized at each merge; buckets with uploads not merged yet are summarized from their profiles,
 * pending uploads included. `columns` (empty = all) restricts the columns.
 */
export async function bucketMetrics(
  store: Store,
  projectId: string,
  segmentKey: string,
  start: number,
  end: number,
  columns: readonly string[] = [],
): Promise<Map<string, Map<number, ScalarMetrics>>> {
  let query = store.db
    .selectFrom("bucket_columns")
    .select(["column_name", "bucket_start", "metrics"])
    .where("project_id", "=", projectId)
    .where("segment_key", "=", segmentKey)
    .where("bucket_start", ">=", start)
    .where("bucket_start", "<", end);
  if (columns.length > 0) query = query.where("column_name", "in", columns);
  const rows = await query.execute();
  const pending = await pendingStarts(store, projectId, segmentKey, start, end);
  const cells = new Map<string, Map<number, ScalarMetrics>>();
  const put = (column: string, t: number, values: ScalarMetrics) => {
    let byTime = cells.get(column);
    if (byTime === undefined) cells.set(column, (byTime = new Map()));
    byTime.set(t, values);
  };
  for (const row of rows) {
    if (!pending.has(row.bucket_start)) put(row.column_name, row.bucket_start, JSON.parse(row.metrics));
  }
  if (pending.size > 0) {
    const wanted = new Set(columns);
    for (const bucket of await bucketProfiles(store, projectId, segmentKey, start, end, pending)) {
      for (const [column, values] of scalarMetrics(bucket.view)) {
        if (wanted.size === 0 || wanted.has(column)) put(column, bucket.start, values);
      }
    }
  }
  return cells;
}

/** The merge of every bucket in [start, end); undefined when the range has no data. */
export async function mergedRange(
  store: Store,
  projectId: string,
  segmentKey: string,
  start: number,
  end: number,
): Promise<DatasetProfileView | undefined> {
  const buckets = await bucketProfiles(store, projectId, segmentKey, start, end);
  if (buckets.length === 0) return undefined;
  return DatasetProfileView.mergeAll(buckets.map((b) => b.view));
}

export async function referenceProfile(
  store: Store,
  projectId: string,
  name: string,
  segmentKey: string,
): Promise<DatasetProfileView> {
  const row = await store.db
    .selectFrom("reference_profiles")
    .select(["profile", "upload_count"])
    .where("project_id", "=", projectId)
    .where("name", "=", name)
    .where("segment_key", "=", segmentKey)
    .executeTakeFirst();
  if (row === undefined || row.upload_count === 0) {
    throw new ApiError(
      "not-found",
      `reference profile ${JSON.stringify(name)}${segmentKey === "" ? "" : ` for segment ${segmentKey}`} not found`,
    );
  }
  return DatasetProfileView.deserialize(fromBuffer(row.profile));
}
