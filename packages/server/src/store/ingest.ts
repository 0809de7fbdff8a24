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
import type { Database, ProjectTable, UploadTable } from "../db/schema.js";
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

/** An upload decoded and validated, waiting to be merged. */
interface Prepared {
  readonly request: IngestRequest;
  readonly decoded: DecodedUpload;
  readonly row: UploadTable;
  readonly tags: SegmentTag[];
  readonly segKey: string;
  readonly start: number;
  readonly now: number;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/**
 * Merges uploads into buckets. Uploads for the same bucket that arrive while a merge of it is running are
 * merged together in the next transaction: the bucket's profile is read, decoded, encoded and written once
 * per batch instead of once per upload, which is what makes a busy bucket cheap. Each caller still gets its
 * own result, after the transaction that stored its upload committed.
 */
const BUCKET_CACHE_SIZE = 32;

class Ingestor {
  private readonly queues = new Map<string, Prepared[]>();
  /** Decoded bucket profiles by version: a bucket merged again soon is not decoded again. */
  private readonly bucketCache = new Map<string, { version: number; view: DatasetProfileView }>();
  /** Columns and segments known to be in the catalogs already (per project). */
  private readonly knownCatalog = new Set<string>();

  constructor(private readonly store: Store) {}

  async ingest(request: IngestRequest): Promise<IngestResult> {
    const { project } = request;
    const now = request.now ?? Date.now();
    const sha256 = createHash("sha256").update(request.bytes).digest("hex");
    if (request.idempotencyKey !== undefined) {
      const previous = await existingUpload(this.store, project.id, request.idempotencyKey, sha256);
      if (previous !== undefined) return { upload: uploadInfo(previous, []), duplicate: true, buckets: [] };
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
    const row: UploadTable = {
      id: `upl_${randomUUID().replace(/-/g, "")}`,
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
    return new Promise<IngestResult>((resolve, reject) => {
      const batchKey = `${project.id}\u0000${request.referenceName ?? ""}\u0000${request.referenceName === undefined ? start : ""}`;
      const queue = this.queues.get(batchKey);
      const item: Prepared = { request, decoded, row, tags, segKey, start, now, resolve, reject };
      if (queue !== undefined) {
        queue.push(item);
        return;
      }
      this.queues.set(batchKey, [item]);
      void this.drain(batchKey);
    });
  }

  /** Merges whatever is queued for `batchKey`, then whatever queued meanwhile, until the queue is empty. */
  private async drain(batchKey: string): Promise<void> {
    // Let uploads that arrived in the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    for (;;) {
      const batch = this.queues.get(batchKey)!;
      if (batch.length === 0) {
        this.queues.delete(batchKey);
        return;
      }
      this.queues.set(batchKey, []);
      try {
        const results = await this.mergeBatch(batch);
        batch.forEach((item, i) => item.resolve(results[i]!));
      } catch (e) {
        // One upload spoiled the batch (most likely its idempotency key was just stored by another server
        // process): settle each alone, so the others are not failed for it.
        for (const item of batch) {
          try {
            item.resolve(
              batch.length === 1 ? await this.settleFailure(e, item) : (await this.mergeBatch([item]))[0]!,
            );
          } catch (single) {
            try {
              item.resolve(await this.settleFailure(single, item));
            } catch (final) {
              item.reject(final);
            }
          }
        }
      }
    }
  }

  /** A concurrent request with the same idempotency key committed first: answer as a duplicate (or conflict). */
  private async settleFailure(e: unknown, item: Prepared): Promise<IngestResult> {
    const key = item.request.idempotencyKey;
    if (key !== undefined && isUniqueViolation(e)) {
      const previous = await existingUpload(this.store, item.row.project_id, key, item.row.sha256);
      if (previous !== undefined)
        return { upload: uploadInfo(previous, item.tags), duplicate: true, buckets: [] };
    }
    throw e;
  }

  private async mergeBatch(batch: readonly Prepared[]): Promise<IngestResult[]> {
    const first = batch[0]!;
    const { project } = first.request;
    const referenceName = first.request.referenceName;
    // Within one batch a key may repeat (a client retrying while its first attempt is queued).
    const seenKeys = new Map<string, Prepared>();
    const fresh: Prepared[] = [];
    const duplicates = new Map<Prepared, Prepared>();
    for (const item of batch) {
      const key = item.request.idempotencyKey;
      const earlier = key === undefined ? undefined : seenKeys.get(key);
      if (earlier !== undefined) duplicates.set(item, earlier);
      else {
        if (key !== undefined) seenKeys.set(key, item);
        fresh.push(item);
      }
    }
    const cacheUpdates: [string, { version: number; view: DatasetProfileView }][] = [];
    const changedByItem = new Map<
      Prepared,
      { segmentKey: string; bucketStart: number; version: number; late: boolean }[]
    >();
    let catalogued: string[] = [];
    await this.store.db.transaction().execute(async (tx) => {
      for (const item of fresh) await tx.insertInto("uploads").values(item.row).execute();
      catalogued = await this.recordCatalog(tx, project.id, fresh);
      // The whole dataset first, then segments in key order: every writer locks in this order, so none deadlock.
      const targets = new Map<string, Prepared[]>();
      targets.set("", fresh);
      for (const item of fresh) {
        if (item.segKey === "") continue;
        const list = targets.get(item.segKey) ?? [];
        list.push(item);
        targets.set(item.segKey, list);
      }
      const order = [...targets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const key of order) {
        const items = targets.get(key)!;
        if (items.length === 0) continue;
        const parts = items.map((i) => (key === "" ? i.decoded.view.withSegment(undefined) : i.decoded.view));
        if (referenceName !== undefined) {
          await mergeReference(this.store, tx, project.id, referenceName, parts, key, first.now);
          continue;
        }
        const changed = await this.mergeBucket(tx, project, key, first.start, items, parts, cacheUpdates);
        for (const item of items) {
          const list = changedByItem.get(item) ?? [];
          list.push(changed.get(item)!);
          changedByItem.set(item, list);
        }
      }
    });
    for (const [key, value] of cacheUpdates) this.remember(key, value);
    for (const entry of catalogued) this.knownCatalog.add(entry);
    return batch.map((item) => {
      const earlier = duplicates.get(item);
      if (earlier !== undefined)
        return { upload: uploadInfo(earlier.row, earlier.tags), duplicate: true, buckets: [] };
      return {
        upload: uploadInfo(item.row, item.tags),
        duplicate: false,
        buckets: changedByItem.get(item) ?? [],
      };
    });
  }

  private async mergeBucket(
    tx: Tx,
    project: ProjectTable,
    key: string,
    start: number,
    items: readonly Prepared[],
    parts: readonly DatasetProfileView[],
    cacheUpdates: [string, { version: number; view: DatasetProfileView }][],
  ): Promise<Map<Prepared, { segmentKey: string; bucketStart: number; version: number; late: boolean }>> {
    const now = items[items.length - 1]!.now;
    const late = nextBucketStart(start, project.frequency, project.time_zone) <= now;
    const current = await lockBucket(this.store, tx, project.id, key, start, now);
    const cacheKey = `${project.id}\u0000${key}\u0000${start}`;
    const cached = this.bucketCache.get(cacheKey);
    let merged: DatasetProfileView | undefined;
    if (current.version > 0) {
      if (cached !== undefined && cached.version === current.version) merged = cached.view;
      else {
        const stored = await tx
          .selectFrom("buckets")
          .select("profile")
          .where("project_id", "=", project.id)
          .where("segment_key", "=", key)
          .where("bucket_start", "=", start)
          .executeTakeFirstOrThrow();
        merged = DatasetProfileView.deserialize(fromBuffer(stored.profile!));
      }
    }
    merged = DatasetProfileView.mergeAll(merged === undefined ? parts : [merged, ...parts]);
    const version = current.version + items.length;
    const rows = items.reduce((sum, i) => sum + i.decoded.rowCount, 0);
    await tx
      .updateTable("buckets")
      .set({
        profile: toBuffer(merged!.serialize()),
        upload_count: current.upload_count + items.length,
        row_count: current.row_count + rows,
        last_upload_at: now,
        version,
      })
      .where("project_id", "=", project.id)
      .where("segment_key", "=", key)
      .where("bucket_start", "=", start)
      .execute();
    await materialize(tx, project.id, key, start, merged!);
    const out = new Map<
      Prepared,
      { segmentKey: string; bucketStart: number; version: number; late: boolean }
    >();
    // One event per upload, numbered by the bucket version it produced, so a consumer can tell exactly which
    // merges it has seen.
    const events = items.map((item, i) => {
      const v = current.version + i + 1;
      out.set(item, { segmentKey: key, bucketStart: start, version: v, late });
      return {
        project_id: project.id,
        kind: "bucket-changed",
        segment_key: key,
        bucket_start: start,
        payload: JSON.stringify({ uploadId: item.row.id, version: v, late }),
        created_at: item.now,
      };
    });
    await tx.insertInto("events").values(events).execute();
    cacheUpdates.push([cacheKey, { version, view: merged! }]);
    return out;
  }

  private remember(key: string, value: { version: number; view: DatasetProfileView }): void {
    this.bucketCache.delete(key);
    this.bucketCache.set(key, value);
    // Least recently merged out first: memory stays bounded by a few dozen bucket profiles.
    while (this.bucketCache.size > BUCKET_CACHE_SIZE)
      this.bucketCache.delete(this.bucketCache.keys().next().value!);
  }

  /** Adds new columns and segments to the catalogs; returns their cache entries, to remember once committed. */
  private async recordCatalog(tx: Tx, projectId: string, items: readonly Prepared[]): Promise<string[]> {
    const columns = new Map<string, DatasetProfileView>();
    const segments = new Map<string, SegmentTag[]>();
    for (const item of items) {
      for (const name of item.decoded.view.columnNames()) {
        if (!this.knownCatalog.has(`${projectId}\u0000c\u0000${name}`) && !columns.has(name))
          columns.set(name, item.decoded.view);
      }
      if (item.segKey !== "" && !this.knownCatalog.has(`${projectId}\u0000s\u0000${item.segKey}`))
        segments.set(item.segKey, item.tags);
    }
    const now = items[0]?.now ?? Date.now();
    // DO NOTHING takes no row lock on a conflict, so uploads of one project do not queue behind each other here.
    const names = [...columns.keys()].sort();
    for (let i = 0; i < names.length; i += 500) {
      await tx
        .insertInto("column_catalog")
        .values(
          names.slice(i, i + 500).map((c) => ({
            project_id: projectId,
            column_name: c,
            inferred_type: columnFacts(columns.get(c)!.column(c)!).inferredType,
            first_seen: now,
          })),
        )
        .onConflict((oc) => oc.columns(["project_id", "column_name"]).doNothing())
        .execute();
    }
    for (const [key, tags] of segments) {
      await tx
        .insertInto("segment_catalog")
        .values({ project_id: projectId, segment_key: key, tags: JSON.stringify(tags), first_seen: now })
        .onConflict((oc) => oc.columns(["project_id", "segment_key"]).doNothing())
        .execute();
    }
    return [
      ...names.map((name) => `${projectId}\u0000c\u0000${name}`),
      ...[...segments.keys()].map((key) => `${projectId}\u0000s\u0000${key}`),
    ];
  }
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
    .select(["upload_count", "row_count", "version"])
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
  parts: readonly DatasetProfileView[],
  key: string,
  now: number,
): Promise<void> {
  {
    const part = parts.reduce((a, b) => a.merge(b));
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
        upload_count: current.upload_count + parts.length,
      })
      .where("project_id", "=", projectId)
      .where("name", "=", name)
      .where("segment_key", "=", key)
      .execute();
  }
}

export type { ProfileFormat };

const ingestors = new WeakMap<Store, Ingestor>();

/**
 * Stores an upload as received and merges it into its time bucket — for its segment and for the whole dataset
 * — or into a named reference profile. Resolves once the transaction holding it committed.
 */
export function ingestProfile(store: Store, request: IngestRequest): Promise<IngestResult> {
  let ingestor = ingestors.get(store);
  if (ingestor === undefined) {
    ingestor = new Ingestor(store);
    ingestors.set(store, ingestor);
  }
  return ingestor.ingest(request);
}
