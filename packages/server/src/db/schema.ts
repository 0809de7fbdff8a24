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

export interface MonitorTable {
  id: string;
  project_id: string;
  name: string;
  /** JSON of the validated MonitorConfig (monitors/types.ts), defaults filled in. */
  config: string;
  /** Incremented by every edit; evaluations record the version they ran with. */
  version: number;
  enabled: number;
  created_at: number;
  updated_at: number;
  updated_by: string | null;
}

export interface MonitorVersionTable {
  monitor_id: string;
  version: number;
  config: string;
  created_at: number;
  created_by: string | null;
}

export interface MonitorSettingsTable {
  project_id: string;
  readiness_delay_ms: number;
  backfill_horizon_ms: number;
  settle_ms: number;
  /** Next bucket the clock will evaluate once it closes (missing data); null until the project's first data. */
  clock_cursor: number | null;
  updated_at: number;
}

/** Consumption cursors over the events table (one row per consumer; locked while consumed). */
export interface EventCursorTable {
  name: string;
  last_event_id: number;
  updated_at: number;
}

/**
 * One row per (project, bucket) the monitors must look at. Due when data changed after the last run
 * (requested_event > done_event, event ids make repeated requests idempotent) or a run was forced (clock,
 * manual re-run), and run_after has passed. A worker leases it with locked_by / locked_until.
 */
export interface MonitorJobTable {
  project_id: string;
  bucket_start: number;
  requested_event: number;
  done_event: number;
  forced: number;
  /** Why the next run happens: "data", "late-data", "clock" or "manual". */
  reason: string;
  /** A forced run that must not alert (manual re-runs of old buckets). */
  quiet: number;
  run_after: number;
  locked_by: string | null;
  locked_until: number | null;
  runs: number;
  last_error: string | null;
  updated_at: number;
}

/** The log of monitor runs: one row per job execution. */
export interface MonitorRunTable {
  id: string;
  project_id: string;
  bucket_start: number;
  reason: string;
  /** The job's requested_event this run covered. */
  event_id: number;
  worker: string;
  started_at: number;
  finished_at: number | null;
  status: string;
  evaluations: number;
  anomalies: number;
  error: string | null;
}

/** Every evaluation of a monitor on one target (column or "" for the dataset) × segment × bucket. */
export interface EvaluationTable {
  id: Generated<number>;
  run_id: string;
  project_id: string;
  monitor_id: string;
  monitor_version: number;
  analyzer: string;
  column_name: string;
  segment_key: string;
  bucket_start: number;
  /** What was measured (a metric name, a drift method, a check). */
  metric: string;
  value: number | null;
  /** The value's uncertainty interval from the sketches' error bounds (equal to value when exact). */
  value_lower: number | null;
  value_upper: number | null;
  threshold_lower: number | null;
  threshold_upper: number | null;
  baseline_value: number | null;
  anomaly: number;
  /** JSON: analyzer-specific facts (category, message, added/removed columns, counts). */
  details: string;
  bucket_version: number;
  created_at: number;
}

export type AnomalyState = "open" | "acknowledged" | "resolved";

/** An incident: consecutive anomalous evaluations of one monitor × target × segment, alerted once. */
export interface AnomalyTable {
  id: string;
  project_id: string;
  monitor_id: string;
  column_name: string;
  segment_key: string;
  /** monitor|column|segment while open or acknowledged, null once resolved: one active incident per key. */
  active_key: string | null;
  state: AnomalyState;
  severity: string;
  first_bucket: number;
  last_bucket: number;
  bucket_count: number;
  summary: string;
  last_evaluation_id: number;
  opened_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  /** "recovered" (a later bucket was normal), "re-evaluated" (late data cleared it), "manual". */
  resolution: string | null;
}

export type ChannelKind = "webhook" | "slack" | "email" | "pagerduty";

export interface ChannelTable {
  id: string;
  org_id: string;
  name: string;
  kind: ChannelKind;
  /** JSON settings including secrets (HMAC secret, SMTP password, routing key); never returned whole. */
  config: string;
  created_at: number;
  updated_at: number;
}

export type DeliveryState = "pending" | "sent" | "failed";

/** One message to one channel, retried with backoff; attempts are in delivery_attempts. */
export interface DeliveryTable {
  id: string;
  org_id: string;
  channel_id: string;
  /** "anomaly", "resolved", "digest" or "test". */
  kind: string;
  project_id: string | null;
  /** JSON: the alert content (anomalies, monitor, project, links) rendered per channel at send time. */
  payload: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface DeliveryAttemptTable {
  delivery_id: string;
  attempt: number;
  at: number;
  duration_ms: number;
  ok: number;
  status: number | null;
  error: string | null;
}

/** Anomalies waiting for their channel's next digest. */
export interface DigestItemTable {
  id: Generated<number>;
  channel_id: string;
  anomaly_id: string;
  /** "digest-hourly" or "digest-daily". */
  mode: string;
  /** Start of the digest window (UTC hour or day) the anomaly fell in; the digest goes out when it ends. */
  window_start: number;
  delivery_id: string | null;
  created_at: number;
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
  monitors: MonitorTable;
  monitor_versions: MonitorVersionTable;
  monitor_settings: MonitorSettingsTable;
  event_cursors: EventCursorTable;
  monitor_jobs: MonitorJobTable;
  monitor_runs: MonitorRunTable;
  evaluations: EvaluationTable;
  anomalies: AnomalyTable;
  channels: ChannelTable;
  deliveries: DeliveryTable;
  delivery_attempts: DeliveryAttemptTable;
  digest_items: DigestItemTable;
}
