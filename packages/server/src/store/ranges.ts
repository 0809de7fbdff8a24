// Reading profiles back: the merge of a project's buckets over a time range, and reference profiles.
import { DatasetProfileView } from "@sightglass/profile";
import type { Store } from "../db/connect.js";
import { ApiError } from "../errors.js";
import { fromBuffer } from "./profiles.js";

export interface BucketProfile {
  readonly start: number;
  readonly view: DatasetProfileView;
}

/** Each bucket's merged profile in [start, end), oldest first. */
export async function bucketProfiles(
  store: Store,
  projectId: string,
  segmentKey: string,
  start: number,
  end: number,
): Promise<BucketProfile[]> {
  const rows = await store.db
    .selectFrom("buckets")
    .select(["bucket_start", "profile"])
    .where("project_id", "=", projectId)
    .where("segment_key", "=", segmentKey)
    .where("bucket_start", ">=", start)
    .where("bucket_start", "<", end)
    .where("profile", "is not", null)
    .orderBy("bucket_start")
    .execute();
  return rows.map((r) => ({
    start: r.bucket_start,
    view: DatasetProfileView.deserialize(fromBuffer(r.profile!)),
  }));
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
