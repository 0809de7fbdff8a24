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
import type { ProfileFormat } from "./profiles.js";
import { canonicalTags, decodeUpload, fromBuffer, scalarMetrics, segmentKey, toBuffer } from "./profiles.js";
import { ViewCache } from "./view-cache.js";

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
  /** The upload's bucket had already ended when it arrived. */
  readonly late: boolean;
  /** Resolves with the buckets the upload changed (and their new versions) once it is merged. */
  readonly merged: Promise<BucketChange[]>;
}

/** Oldest and newest dataset timestamps accepted: outside this, a timestamp is a unit mistake, not data. */
const MIN_TIMESTAMP = Date.UTC(1990, 0, 1);
const MAX_FUTURE_MS = 7 * 24 * 3_600_000;

type Tx = Transaction<Database>;

export function uploadInfo(
  row: Pick<UploadTable, (typeof UPLOAD_COLUMNS)[number]>,
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

/** The upload columns an UploadInfo is made of. */
export const UPLOAD_COLUMNS = [
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

const PENDING_DECODED_LIMIT = 50_000;
/** How long a bucket waits for more uploads before it is merged: long enough to batch a burst, short to read. */
const COMPACT_DELAY_MS = 1000;
/** Pending uploads older than this that no process has queued (it crashed) are merged by whoever finds them. */
const RECOVERY_AGE_MS = 5_000;
const RECOVERY_INTERVAL_MS = 10_000;
const VIEW_CACHE_BYTES = 256 * 1024 * 1024;

export interface BucketChange {
  readonly segmentKey: string;
  readonly bucketStart: number;
  readonly version: number;
  readonly late: boolean;
}

interface Scheduled {
  readonly project: ProjectTable;
  readonly start: number;
  timer: NodeJS.Timeout | undefined;
  readonly waiters: { uploadId: string; resolve(changes: BucketChange[]): void; reject(e: unknown): void }[];
}

/**
 * Ingestion in two steps. A request stores its upload (decoded and validated first; nothing half-stored) and
 * returns; the upload is then "pending". Shortly after, the bucket is compacted: every pending upload of it is
 * claimed and merged into its whole-dataset and segment buckets in one transaction that holds the
 * whole-dataset bucket's row lock, so each upload is merged exactly once whichever server process claims it,
 * and a burst of uploads into one bucket costs one decode and one encode of the bucket. Reads merge pending
 * uploads on the fly (see ranges.ts), so they never miss one. A process that dies leaves its pending uploads to
 * the recovery sweep of any process.
 */
export class Ingestor {
  readonly cache = new ViewCache(VIEW_CACHE_BYTES);
  /** Views of this process's pending uploads, so compaction need not decode them again. */
  private readonly decoded = new Map<string, DatasetProfileView>();
  private readonly scheduled = new Map<string, Scheduled>();
  private readonly running = new Map<string, Promise<unknown>>();
  /** Columns and segments known to be in the catalogs already (per project). */
  private readonly knownCatalog = new Set<string>();
  private recoveryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    /** Where merge failures are reported (the server's log); replaced by ingestorOf when one is given. */
    public onError: (error: unknown, context: string) => void = () => {},
  ) {}

  async ingest(request: IngestRequest): Promise<IngestResult> {
    const { project } = request;
    const now = request.now ?? Date.now();
    const sha256 = createHash("sha256").update(request.bytes).digest("hex");
    if (request.idempotencyKey !== undefined) {
      const previous = await existingUpload(this.store, project.id, request.idempotencyKey, sha256);
      if (previous !== undefined) return duplicateOf(previous, []);
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
    const reference = request.referenceName !== undefined;
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
      // A reference merges at once (rare, and read by name right after); bucket uploads wait for compaction.
      merged_at: reference ? now : null,
      bytes: toBuffer(request.bytes),
    };
    let catalogued: string[] = [];
    try {
      await this.store.db.transaction().execute(async (tx) => {
        await tx.insertInto("uploads").values(row).execute();
        catalogued = await this.recordCatalog(tx, project.id, decoded.view, segKey, tags, now);
        if (reference) {
          const parts = segKey === "" ? [""] : ["", segKey];
          for (const key of parts) {
            const view = key === "" ? decoded.view.withSegment(undefined) : decoded.view;
            await mergeReference(this.store, tx, project.id, request.referenceName!, [view], key, now);
          }
        }
      });
    } catch (e) {
      // A concurrent request with the same idempotency key committed first: answer as a duplicate (or conflict).
      if (request.idempotencyKey !== undefined && isUniqueViolation(e)) {
        const previous = await existingUpload(this.store, project.id, request.idempotencyKey, sha256);
        if (previous !== undefined) return duplicateOf(previous, tags);
      }
      throw e;
    }
    for (const entry of catalogued) this.knownCatalog.add(entry);
    const late = nextBucketStart(start, project.frequency, project.time_zone) <= now;
    if (reference)
      return { upload: uploadInfo(row, tags), duplicate: false, late: false, merged: Promise.resolve([]) };
    if (this.decoded.size < PENDING_DECODED_LIMIT) this.decoded.set(row.id, decoded.view);
    const merged = this.schedule(project, start, row.id);
    // A caller that does not wait still must not see an unhandled rejection; the sweep retries the merge.
    merged.catch(() => {});
    return { upload: uploadInfo(row, tags), duplicate: false, late, merged };
  }

  /** Starts the sweep that merges uploads other (crashed) processes left pending. */
  startRecovery(): void {
    if (this.recoveryTimer !== undefined || this.closed) return;
    this.recoveryTimer = setInterval(() => {
      this.recover().catch((e: unknown) => this.onError(e, "recovering pending uploads"));
    }, RECOVERY_INTERVAL_MS);
    this.recoveryTimer.unref();
    // At start this process has queued nothing, so any pending upload is an orphan (or another live process's,
    // which is harmless: a claim under the bucket lock merges each upload once).
    this.recover(0).catch((e: unknown) => this.onError(e, "recovering pending uploads"));
  }

  /** Merges everything queued now, without waiting for the batching delay (bulk loads, shutdown). */
  async flush(): Promise<void> {
    for (const [key, entry] of this.scheduled) {
      if (entry.timer !== undefined) clearTimeout(entry.timer);
      this.run(key);
    }
    await Promise.allSettled([...this.running.values()]);
  }

  /** Merges everything queued now and stops the sweep (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.recoveryTimer !== undefined) clearInterval(this.recoveryTimer);
    await this.flush();
  }

  /** Pending uploads no process is merging (their process died): queue their buckets here. */
  async recover(minAgeMs = RECOVERY_AGE_MS): Promise<number> {
    const stale = await this.store.db
      .selectFrom("uploads")
      .select(["project_id", "bucket_start"])
      .where("merged_at", "is", null)
      .where("reference_name", "is", null)
      .where("received_at", "<=", Date.now() - minAgeMs)
      .groupBy(["project_id", "bucket_start"])
      .limit(500)
      .execute();
    for (const { project_id, bucket_start } of stale) {
      const project = await this.store.db
        .selectFrom("projects")
        .selectAll()
        .where("id", "=", project_id)
        .executeTakeFirst();
      if (project !== undefined) this.schedule(project, bucket_start, undefined).catch(() => {});
    }
    return stale.length;
  }

  private schedule(
    project: ProjectTable,
    start: number,
    uploadId: string | undefined,
  ): Promise<BucketChange[]> {
    const key = `${project.id}\u0000${start}`;
    let entry = this.scheduled.get(key);
    if (entry === undefined) {
      entry = { project, start, timer: undefined, waiters: [] };
      this.scheduled.set(key, entry);
      if (this.closed) this.run(key);
      else {
        entry.timer = setTimeout(() => this.run(key), COMPACT_DELAY_MS);
        entry.timer.unref();
      }
    }
    const waiting = entry;
    return new Promise<BucketChange[]>((resolve, reject) => {
      waiting.waiters.push({ uploadId: uploadId ?? "", resolve, reject });
    });
  }

  /** Runs the compaction scheduled under `key`, after the one running for it (if any) has finished. */
  private run(key: string): void {
    const entry = this.scheduled.get(key);
    if (entry === undefined) return;
    this.scheduled.delete(key);
    const previous = this.running.get(key) ?? Promise.resolve();
    const task = previous
      .catch(() => {})
      .then(() => this.compact(entry.project, entry.start))
      .then(
        (changes) => {
          // Every upload queued under this entry is merged now, by this process or by another that claimed it
          // first: either way its decoded view is no longer needed here.
          for (const w of entry.waiters) {
            this.decoded.delete(w.uploadId);
            w.resolve(changes.get(w.uploadId) ?? []);
          }
        },
        (e: unknown) => {
          this.onError(
            e,
            `merging bucket ${new Date(entry.start).toISOString()} of project ${entry.project.id}`,
          );
          for (const w of entry.waiters) w.reject(e);
        },
      );
    this.running.set(key, task);
    void task.finally(() => {
      if (this.running.get(key) === task) this.running.delete(key);
    });
  }

  /** Claims and merges every pending upload of one bucket; returns what changed for each upload. */
  private async compact(project: ProjectTable, start: number): Promise<Map<string, BucketChange[]>> {
    const now = Date.now();
    const changes = new Map<string, BucketChange[]>();
    const cacheUpdates: [string, number, DatasetProfileView, number][] = [];
    let claimedIds: string[] = [];
    await this.store.db.transaction().execute(async (tx) => {
      // The whole-dataset bucket's lock serializes every merge into this bucket, across processes.
      const overall = await lockBucket(this.store, tx, project.id, "", start, now);
      const claimed = await tx
        .updateTable("uploads")
        .set({ merged_at: now })
        .where("project_id", "=", project.id)
        .where("bucket_start", "=", start)
        .where("merged_at", "is", null)
        .where("reference_name", "is", null)
        .returning(["id", "segment_key", "row_count", "received_at"])
        .execute();
      if (claimed.length === 0) return;
      claimed.sort((a, b) => a.received_at - b.received_at || (a.id < b.id ? -1 : 1));
      claimedIds = claimed.map((c) => c.id);
      const views = await this.viewsOf(tx, claimedIds);
      const targets = new Map<string, typeof claimed>([["", claimed]]);
      for (const c of claimed) {
        if (c.segment_key === "") continue;
        const list = targets.get(c.segment_key) ?? [];
        list.push(c);
        targets.set(c.segment_key, list);
      }
      const late = (receivedAt: number) =>
        nextBucketStart(start, project.frequency, project.time_zone) <= receivedAt;
      for (const key of [...targets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const items = targets.get(key)!;
        const current = key === "" ? overall : await lockBucket(this.store, tx, project.id, key, start, now);
        const cacheKey = ViewCache.key(project.id, key, start);
        const parts = items.map((c) =>
          key === "" ? views.get(c.id)!.withSegment(undefined) : views.get(c.id)!,
        );
        let base: DatasetProfileView | undefined;
        if (current.version > 0) {
          base = this.cache.get(cacheKey, current.version);
          if (base === undefined) {
            const stored = await tx
              .selectFrom("buckets")
              .select("profile")
              .where("project_id", "=", project.id)
              .where("segment_key", "=", key)
              .where("bucket_start", "=", start)
              .executeTakeFirstOrThrow();
            if (stored.profile !== null) base = DatasetProfileView.deserialize(fromBuffer(stored.profile));
          }
        }
        const merged = DatasetProfileView.mergeAll(base === undefined ? parts : [base, ...parts]);
        const version = current.version + items.length;
        const encoded = merged.serialize();
        await tx
          .updateTable("buckets")
          .set({
            profile: toBuffer(encoded),
            upload_count: current.upload_count + items.length,
            row_count: current.row_count + items.reduce((sum, c) => sum + c.row_count, 0),
            last_upload_at: Math.max(...items.map((c) => c.received_at)),
            version,
          })
          .where("project_id", "=", project.id)
          .where("segment_key", "=", key)
          .where("bucket_start", "=", start)
          .execute();
        await materialize(tx, project.id, key, start, merged);
        // One event per upload, numbered by the bucket version it produced: a consumer can tell exactly
        // which merges it has seen, and which were late.
        const events = items.map((c, i) => {
          const change = {
            segmentKey: key,
            bucketStart: start,
            version: current.version + i + 1,
            late: late(c.received_at),
          };
          const list = changes.get(c.id) ?? [];
          list.push(change);
          changes.set(c.id, list);
          return {
            project_id: project.id,
            kind: "bucket-changed",
            segment_key: key,
            bucket_start: start,
            payload: JSON.stringify({ uploadId: c.id, version: change.version, late: change.late }),
            created_at: now,
          };
        });
        for (let i = 0; i < events.length; i += 500)
          await tx
            .insertInto("events")
            .values(events.slice(i, i + 500))
            .execute();
        cacheUpdates.push([cacheKey, version, merged, encoded.length]);
      }
    });
    for (const [key, version, view, bytes] of cacheUpdates) this.cache.set(key, version, view, bytes);
    for (const id of claimedIds) this.decoded.delete(id);
    return changes;
  }

  /** Decoded views of uploads: this process's from memory, others' (or after a restart) from their bytes. */
  private async viewsOf(tx: Tx, ids: readonly string[]): Promise<Map<string, DatasetProfileView>> {
    const out = new Map<string, DatasetProfileView>();
    const missing: string[] = [];
    for (const id of ids) {
      const view = this.decoded.get(id);
      if (view !== undefined) out.set(id, view);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 200) {
      const rows = await tx
        .selectFrom("uploads")
        .select(["id", "bytes"])
        .where("id", "in", missing.slice(i, i + 200))
        .execute();
      for (const r of rows) out.set(r.id, decodeUpload(fromBuffer(r.bytes)).view);
    }
    return out;
  }

  /** Adds new columns and segments to the catalogs; returns their cache entries, to remember once committed. */
  private async recordCatalog(
    tx: Tx,
    projectId: string,
    view: DatasetProfileView,
    segKey: string,
    tags: SegmentTag[],
    now: number,
  ): Promise<string[]> {
    const names = view
      .columnNames()
      .filter((name) => !this.knownCatalog.has(`${projectId}\u0000c\u0000${name}`));
    // DO NOTHING takes no row lock on a conflict, so uploads of one project do not queue behind each other here.
    for (let i = 0; i < names.length; i += 500) {
      await tx
        .insertInto("column_catalog")
        .values(
          names.slice(i, i + 500).map((c) => ({
            project_id: projectId,
            column_name: c,
            inferred_type: columnFacts(view.column(c)!).inferredType,
            first_seen: now,
          })),
        )
        .onConflict((oc) => oc.columns(["project_id", "column_name"]).doNothing())
        .execute();
    }
    const newSegment = segKey !== "" && !this.knownCatalog.has(`${projectId}\u0000s\u0000${segKey}`);
    if (newSegment) {
      await tx
        .insertInto("segment_catalog")
        .values({ project_id: projectId, segment_key: segKey, tags: JSON.stringify(tags), first_seen: now })
        .onConflict((oc) => oc.columns(["project_id", "segment_key"]).doNothing())
        .execute();
    }
    return [
      ...names.map((name) => `${projectId}\u0000c\u0000${name}`),
      ...(newSegment ? [`${projectId}\u0000s\u0000${segKey}`] : []),
    ];
  }
}

function duplicateOf(row: Parameters<typeof uploadInfo>[0], tags: SegmentTag[]): IngestResult {
  return { upload: uploadInfo(row, tags), duplicate: true, late: false, merged: Promise.resolve([]) };
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
    metrics: JSON.stringify(m),
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

/** The store's ingestor (one per store and process: it owns the compaction queue and caches). */
export function ingestorOf(store: Store, onError?: (error: unknown, context: string) => void): Ingestor {
  let ingestor = ingestors.get(store);
  if (ingestor === undefined) {
    ingestor = new Ingestor(store);
    ingestors.set(store, ingestor);
  }
  // The first user (the demo seeding, say) may have created it without a logger: the server's takes over.
  if (onError !== undefined) ingestor.onError = onError;
  return ingestor;
}

/**
 * Stores an upload as received; it is merged into its time bucket — for its segment and for the whole dataset —
 * moments later (`merged` resolves then), or into a named reference profile at once.
 */
export function ingestProfile(store: Store, request: IngestRequest): Promise<IngestResult> {
  return ingestorOf(store).ingest(request);
}
