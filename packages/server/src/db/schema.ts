// Table shapes as Kysely sees them. One schema serves SQLite and PostgreSQL: times are epoch milliseconds in
// 64-bit integers, JSON is text, binary is BLOB / BYTEA (both read back as Buffer).
import type { Generated } from "kysely";

export type Role = "admin" | "member" | "viewer";
export type BatchFrequency = "hour" | "day" | "week";
export type KeyScope = "ingest" | "read" | "admin";

export interface OrganizationTable {
  id: string;
  name: string;
  created_at: number;
}

export interface UserTable {
  id: string;
  email: string;
  name: string;
  /** argon2id PHC string; null until the user sets a password through a setup link. */
  password_hash: string | null;
  created_at: number;
  disabled_at: number | null;
}

export interface MembershipTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: number;
}

export interface SessionTable {
  /** SHA-256 of the cookie token: a database leak does not hand out live sessions. */
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface SetupTokenTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface ApiKeyTable {
  /** The public 10-character key id (whylogs reads the first 10 characters as the id). */
  id: string;
  org_id: string;
  name: string;
  secret_hash: string;
  /** Comma-separated KeyScope values. */
  scopes: string;
  project_id: string | null;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ProjectTable {
  id: string;
  /** whylogs' dataset id: unique within the organization. */
  dataset_id: string;
  org_id: string;
  name: string;
  description: string;
  frequency: BatchFrequency;
  time_zone: string;
  created_at: number;
}

export interface UploadTable {
  id: string;
  project_id: string;
  received_at: number;
  dataset_timestamp: number;
  bucket_start: number;
  segment_key: string;
  /** Reference profile name when the upload created or extended a reference, else null. */
  reference_name: string | null;
  format: string;
  source: string;
  size_bytes: number;
  sha256: string;
  idempotency_key: string | null;
  api_key_id: string | null;
  user_id: string | null;
  column_count: number;
  row_count: number;
  /** When the upload was merged into its buckets; null while pending (see store/ingest.ts). */
  merged_at: number | null;
  /** The bytes exactly as received, kept for audit. */
  bytes: Buffer;
}

export interface BucketTable {
  project_id: string;
  segment_key: string;
  bucket_start: number;
  /** The merged profile of every upload into this bucket (whylogs v1 + Sightglass extension), null while the
   * row is being created under its lock. */
  profile: Buffer | null;
  upload_count: number;
  row_count: number;
  first_upload_at: number;
  last_upload_at: number;
  /** Incremented by every merge: readers and monitors can tell a bucket changed after they looked. */
  version: number;
}

export interface BucketColumnTable {
  project_id: string;
  segment_key: string;
  bucket_start: number;
  column_name: string;
  /** JSON object: whylogs summary keys (`counts/n`, `distribution/mean`, …) → number | null. */
  metrics: string;
}

export interface ColumnCatalogTable {
  project_id: string;
  column_name: string;
  /** Type inferred from the first profile that had the column. */
  inferred_type: string;
  first_seen: number;
}

export interface SegmentCatalogTable {
  project_id: string;
  segment_key: string;
  /** JSON array of {key, value}. */
  tags: string;
  first_seen: number;
}

export interface ReferenceProfileTable {
  project_id: string;
  name: string;
  segment_key: string;
  profile: Buffer;
  dataset_timestamp: number;
  created_at: number;
  updated_at: number;
  upload_count: number;
}

export interface EventTable {
  id: Generated<number>;
  project_id: string;
  kind: string;
  segment_key: string;
  bucket_start: number;
  /** JSON: what changed (upload id, late or not, bucket version). */
  payload: string;
  created_at: number;
}

export interface PendingUploadTable {
  /** Random token that is the capability of the upload URL handed to whylogs; stored hashed. */
  token_hash: string;
  id: string;
  org_id: string;
  project_id: string;
  dataset_timestamp: number | null;
  reference_name: string | null;
  api_key_id: string | null;
  idempotency_key: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  memberships: MembershipTable;
  sessions: SessionTable;
  setup_tokens: SetupTokenTable;
  api_keys: ApiKeyTable;
  projects: ProjectTable;
  uploads: UploadTable;
  buckets: BucketTable;
  bucket_columns: BucketColumnTable;
  column_catalog: ColumnCatalogTable;
  segment_catalog: SegmentCatalogTable;
  reference_profiles: ReferenceProfileTable;
  events: EventTable;
  pending_uploads: PendingUploadTable;
}
