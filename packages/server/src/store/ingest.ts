// Ingestion: an upload is stored as received (immutable, for audit) and merged into its time bucket — for its
// segment and for the whole dataset — in one transaction. Bucket rows are locked (PostgreSQL `FOR UPDATE`;
// SQLite serializes writers) in one global order, so many clients and several server processes merging into
// the same bucket neither lose nor double-count a profile.
import { createHash, randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { columnFacts } from "@sightglass/analysis";
import { DatasetProfileView } from "@sightglass/profile";
import type { SegmentTag } from "@sightglass/profile";
import type { Store } from "../db/connect.js";
import type { Database, ProjectTable } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { bucketStart, nextBucketStart } from "../time.js";
import type { DecodedUpload, ProfileFormat } from "./profiles.js";
import { canonicalTags, decodeUpload, fromBuffer, scalarMetrics, segmentKey, toBuffer } from "./profiles.js";

export interface IngestRequest {
  readonly project: ProjectTable;
  readonly bytes: Uint8Array;
  readonly idempotencyKey?: string | undefined;
  /** Merge into this named reference profile instead of the time buckets. */
  readonly referenceName?: string | undefined;
  /** Replaces the profile's own dataset timestamp (the whylogs upload flow sends it beside the bytes). */
  readonly datasetTimestamp?: number | undefined;
  readonly source: "api" | "whylogs";
  readonly apiKeyId?: string | undefined;
  readonly userId?: string | undefined;
  /** Clock, for tests. */
  readonly now?: number;
}

export interface UploadInfo {
  readonly id: string;
  readonly projectId: string;
  readonly receivedAt: number;
  readonly datasetTimestamp: number;
  readonly bucketStart: number;
  readonly segment: SegmentTag[];
  readonly referenceName: string | null;
  readonly format: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly columnCount: number;
  readonly rowCount: number;
}

export interface IngestResult {
  readonly upload: UploadInfo;
  /** The idempotency key was seen before with the same bytes: nothing new was stored. */
  readonly duplicate: boolean;
  /** Buckets this upload changed, with their new version; `late` when the bucket had already ended. */
  readonly buckets: readonly { segmentKey: string; bucketStart: number; version: number; late: boolean }[];
}

/** Oldest and newest dataset timestamps accepted: outside this, a timestamp is a unit mistake, not data. */
const MIN_TIMESTAMP = Date.UTC(1990, 0, 1);
const MAX_FUTURE_MS = 7 * 24 * 3_600_000;

type Tx = Transaction<Database>;

function uploadInfo(
  row: {
    id: string;
    project_id: string;
    received_at: number;
    dataset_timestamp: number;
    bucket_start: number;
    segment_key: string;
    reference_name: string | null;
    format: string;
    size_bytes: number;
    sha256: string;
    column_count: number;
    row_count: number;
  },
  segment: SegmentTag[],
): UploadInfo {
  return {
    id: row.id,
    projectId: row.project_id,
    receivedAt: row.received_at,
    datasetTimestamp: row.dataset_timestamp,
    bucketStart: row.bucket_start,
    segment,
    referenceName: row.reference_name,
    format: row.format,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    columnCount: row.column_count,
    rowCount: row.row_count,
  };
}

const UPLOAD_COLUMNS = [
  "id",
  "project_id",
  "received_at",
  "dataset_timestamp",
  "bucket_start",
  "segment_key",
  "reference_name",
  "format",
  "size_bytes",
  "sha256",
  "column_count",
  "row_count",
] as const;

async function existingUpload(store: Store, projectId: string, key: string, sha256: string) {
  const row = await store.db
    .selectFrom("uploads")
    .select(UPLOAD_COLUMNS)
    .where("project_id", "=", projectId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (row.sha256 !== sha256) {
    throw new ApiError(
      "conflict",
      `idempotency key ${JSON.stringify(key)} was already used for different bytes (upload ${row.id}); use a new key for a new profile`,
      { uploadId: row.id },
    );
  }
  return row;
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err.code === "23505" ||
    err.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    /UNIQUE constraint/.test(err.message ?? "")
  );
}

export async function ingestProfile(store: Store, request: IngestRequest): Promise<IngestResult> {
  const { project } = request;
  const now = request.now ?? Date.now();
  const sha256 = createHash("sha256").update(request.bytes).digest("hex");
  if (request.idempotencyKey !== undefined) {
    const previous = await existingUpload(store, project.id, request.idempotencyKey, sha256);
    if (previous !== undefined) {
      return { upload: uploadInfo(previous, []), duplicate: true, buckets: [] };
    }
  }
  const decoded = decodeUpload(request.bytes);
  const datasetTimestamp = request.datasetTimestamp ?? decoded.view.datasetTimestamp;
  if (
    !Number.isFinite(datasetTimestamp) ||
    datasetTimestamp < MIN_TIMESTAMP ||
    datasetTimestamp > now + MAX_FUTURE_MS
  ) {
    throw new ApiError(
      "invalid-profile",
      `dataset timestamp ${datasetTimestamp} (${Number.isFinite(datasetTimestamp) ? new Date(datasetTimestamp).toISOString() : "invalid"}) is outside the accepted range 1990-01-01 … now + 7 days; set the profile's dataset timestamp (epoch milliseconds)`,
      { field: "datasetTimestamp" },
    );
  }
  const tags = canonicalTags(decoded.view.segment);
  const segKey = segmentKey(tags);
  const start = bucketStart(datasetTimestamp, project.frequency, project.time_zone);
  const uploadId = `upl_${randomUUID().replace(/-/g, "")}`;
  const row = {
    id: uploadId,
    project_id: project.id,
    received_at: now,
    dataset_timestamp: datasetTimestamp,
    bucket_start: start,
    segment_key: segKey,
    reference_name: request.referenceName ?? null,
    format: decoded.format,
    source: request.source,
    size_bytes: request.bytes.length,
    sha256,
    idempotency_key: request.idempotencyKey ?? null,
    api_key_id: request.apiKeyId ?? null,
    user_id: request.userId ?? null,
    column_count: decoded.view.columnNames().length,
    row_count: decoded.rowCount,
    bytes: toBuffer(request.bytes),
  };
  try {
    const buckets = await store.db.transaction().execute(async (tx) => {
      await tx.insertInto("uploads").values(row).execute();
      await recordCatalog(tx, project.id, decoded, tags, segKey, now);
      if (request.referenceName !== undefined) {
        await mergeReference(store, tx, project.id, request.referenceName, decoded.view, segKey, now);
        return [];
      }
      return mergeBuckets(store, tx, project, decoded, segKey, start, uploadId, now);
    });
    return { upload: uploadInfo(row, tags), duplicate: false, buckets };
  } catch (e) {
    // A concurrent request with the same idempotency key committed first: answer as a duplicate (or conflict).
    if (request.idempotencyKey !== undefined && isUniqueViolation(e)) {
      const previous = await existingUpload(store, project.id, request.idempotencyKey, sha256);
      if (previous !== undefined) return { upload: uploadInfo(previous, tags), duplicate: true, buckets: [] };
    }
    throw e;
  }
}

async function recordCatalog(
  tx: Tx,
  projectId: string,
  decoded: DecodedUpload,
  tags: SegmentTag[],
  segKey: string,
  now: number,
): Promise<void> {
  // DO NOTHING takes no row lock on a conflict, so uploads of one project do not queue behind each other here.
  const columns = decoded.view.columnNames();
  if (columns.length > 0) {
    const facts = scalarMetricsTypes(decoded.view);
    await tx
      .insertInto("column_catalog")
      .values(
        columns.map((c) => ({
          project_id: projectId,
          column_name: c,
          inferred_type: facts.get(c) ?? "unknown",
          first_seen: now,
        })),
      )
      .onConflict((oc) => oc.columns(["project_id", "column_name"]).doNothing())
      .execute();
  }
  if (segKey !== "") {
    await tx
      .insertInto("segment_catalog")
      .values({ project_id: projectId, segment_key: segKey, tags: JSON.stringify(tags), first_seen: now })
      .onConflict((oc) => oc.columns(["project_id", "segment_key"]).doNothing())
      .execute();
  }
}

function scalarMetricsTypes(view: DatasetProfileView): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of view.columnNames()) out.set(name, columnFacts(view.column(name)!).inferredType);
  return out;
}

async function mergeBuckets(
  store: Store,
  tx: Tx,
  project: ProjectTable,
  decoded: DecodedUpload,
  segKey: string,
  start: number,
  uploadId: string,
  now: number,
): Promise<{ segmentKey: string; bucketStart: number; version: number; late: boolean }[]> {
  // The whole-dataset bucket first, then the segment: every writer locks in this order, so none deadlock.
  const targets = segKey === "" ? [""] : ["", segKey];
  const late = nextBucketStart(start, project.frequency, project.time_zone) <= now;
  const { view } = decoded;
  const changed: { segmentKey: string; bucketStart: number; version: number; late: boolean }[] = [];
  for (const key of targets) {
    const part = key === "" ? view.withSegment(undefined) : view;
    const current = await lockBucket(store, tx, project.id, key, start, now);
    const merged =
      current.profile === null
        ? part
        : DatasetProfileView.deserialize(fromBuffer(current.profile)).merge(part);
    const version = current.version + 1;
    await tx
      .updateTable("buckets")
      .set({
        profile: toBuffer(merged.serialize()),
        upload_count: current.upload_count + 1,
        row_count: current.row_count + decoded.rowCount,
        last_upload_at: now,
        version,
      })
      .where("project_id", "=", project.id)
      .where("segment_key", "=", key)
      .where("bucket_start", "=", start)
      .execute();
    await materialize(tx, project.id, key, start, merged);
    await tx
      .insertInto("events")
      .values({
        project_id: project.id,
        kind: "bucket-changed",
        segment_key: key,
        bucket_start: start,
        payload: JSON.stringify({ uploadId, version, late }),
        created_at: now,
      })
      .execute();
    changed.push({ segmentKey: key, bucketStart: start, version, late });
  }
  return changed;
}

async function lockBucket(store: Store, tx: Tx, projectId: string, key: string, start: number, now: number) {
  await tx
    .insertInto("buckets")
    .values({
      project_id: projectId,
      segment_key: key,
      bucket_start: start,
      profile: null,
      upload_count: 0,
      row_count: 0,
      first_upload_at: now,
      last_upload_at: now,
      version: 0,
    })
    .onConflict((oc) => oc.columns(["project_id", "segment_key", "bucket_start"]).doNothing())
    .execute();
  let query = tx
    .selectFrom("buckets")
    .select(["profile", "upload_count", "row_count", "version"])
    .where("project_id", "=", projectId)
    .where("segment_key", "=", key)
    .where("bucket_start", "=", start);
  if (store.dialect === "postgres") query = query.forUpdate();
  return query.executeTakeFirstOrThrow();
}

async function materialize(
  tx: Tx,
  projectId: string,
  key: string,
  start: number,
  merged: DatasetProfileView,
) {
  const metrics = scalarMetrics(merged);
  const values = [...metrics].map(([column, m]) => ({
    project_id: projectId,
    segment_key: key,
    bucket_start: start,
    column_name: column,
    metrics: JSON.stringify(m.metrics),
  }));
  // Chunks keep each statement under SQLite's bound-parameter limit on very wide profiles.
  for (let i = 0; i < values.length; i += 500) {
    await tx
      .insertInto("bucket_columns")
      .values(values.slice(i, i + 500))
      .onConflict((oc) =>
        oc
          .columns(["project_id", "segment_key", "column_name", "bucket_start"])
          .doUpdateSet((eb) => ({ metrics: eb.ref("excluded.metrics") })),
      )
      .execute();
  }
}

async function mergeReference(
  store: Store,
  tx: Tx,
  projectId: string,
  name: string,
  view: DatasetProfileView,
  segKey: string,
  now: number,
): Promise<void> {
  const targets = segKey === "" ? [""] : ["", segKey];
  for (const key of targets) {
    const part = key === "" ? view.withSegment(undefined) : view;
    await tx
      .insertInto("reference_profiles")
      .values({
        project_id: projectId,
        name,
        segment_key: key,
        profile: Buffer.alloc(0),
        dataset_timestamp: part.datasetTimestamp,
        created_at: now,
        updated_at: now,
        upload_count: 0,
      })
      .onConflict((oc) => oc.columns(["project_id", "name", "segment_key"]).doNothing())
      .execute();
    let query = tx
      .selectFrom("reference_profiles")
      .select(["profile", "upload_count"])
      .where("project_id", "=", projectId)
      .where("name", "=", name)
      .where("segment_key", "=", key);
    if (store.dialect === "postgres") query = query.forUpdate();
    const current = await query.executeTakeFirstOrThrow();
    const merged =
      current.upload_count === 0
        ? part
        : DatasetProfileView.deserialize(fromBuffer(current.profile)).merge(part);
    await tx
      .updateTable("reference_profiles")
      .set({
        profile: toBuffer(merged.serialize()),
        dataset_timestamp: merged.datasetTimestamp,
        updated_at: now,
        upload_count: current.upload_count + 1,
      })
      .where("project_id", "=", projectId)
      .where("name", "=", name)
      .where("segment_key", "=", key)
      .execute();
  }
}

export type { ProfileFormat };
