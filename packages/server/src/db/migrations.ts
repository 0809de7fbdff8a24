// One schema for SQLite and PostgreSQL, applied by Kysely's migrator (which takes a lock, so several server
// processes starting at once on one PostgreSQL migrate it once). Migrations are append-only: never edit one
// that has shipped; add the next.
import { sql } from "kysely";
import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from "kysely";
import type { Dialect } from "./connect.js";

function binary(dialect: Dialect) {
  return dialect === "postgres" ? sql`bytea` : sql`blob`;
}

function initial(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("organizations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("email", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("password_hash", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("disabled_at", "bigint")
        .execute();
      await db.schema
        .createTable("memberships")
        .addColumn("org_id", "text", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("memberships_pk", ["org_id", "user_id"])
        .execute();
      await db.schema.createIndex("memberships_user").on("memberships").column("user_id").execute();
      await db.schema
        .createTable("sessions")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("csrf_token", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("last_seen_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("setup_tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .execute();
      await db.schema
        .createTable("projects")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("dataset_id", "text", (c) => c.notNull())
        .addColumn("org_id", "text", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        .addColumn("frequency", "text", (c) => c.notNull())
        .addColumn("time_zone", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("projects_dataset")
        .on("projects")
        .columns(["org_id", "dataset_id"])
        .unique()
        .execute();
      await db.schema
        .createTable("api_keys")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("org_id", "text", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("secret_hash", "text", (c) => c.notNull())
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("project_id", "text", (c) => c.references("projects.id").onDelete("cascade"))
        .addColumn("created_by", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint")
        .addColumn("last_used_at", "bigint")
        .addColumn("revoked_at", "bigint")
        .execute();
      await db.schema
        .createTable("uploads")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("received_at", "bigint", (c) => c.notNull())
        .addColumn("dataset_timestamp", "bigint", (c) => c.notNull())
        .addColumn("bucket_start", "bigint", (c) => c.notNull())
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("reference_name", "text")
        .addColumn("format", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("size_bytes", "bigint", (c) => c.notNull())
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("idempotency_key", "text")
        .addColumn("api_key_id", "text")
        .addColumn("user_id", "text")
        .addColumn("column_count", "integer", (c) => c.notNull())
        .addColumn("row_count", "bigint", (c) => c.notNull())
        .addColumn("merged_at", "bigint")
        .addColumn("bytes", binary(dialect), (c) => c.notNull())
        .execute();
      // Pending uploads by bucket: what compaction claims and what reads add to the merged buckets.
      await db.schema
        .createIndex("uploads_pending")
        .on("uploads")
        .columns(["project_id", "bucket_start"])
        .where(sql.ref("merged_at"), "is", null)
        .execute();
      // One stored upload per key and project: the database, not a process, decides which retry wins.
      await db.schema
        .createIndex("uploads_idempotency")
        .on("uploads")
        .columns(["project_id", "idempotency_key"])
        .unique()
        .execute();
      await db.schema
        .createIndex("uploads_history")
        .on("uploads")
        .columns(["project_id", "received_at"])
        .execute();
      await db.schema
        .createTable("buckets")
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("bucket_start", "bigint", (c) => c.notNull())
        .addColumn("profile", binary(dialect))
        .addColumn("upload_count", "integer", (c) => c.notNull())
        .addColumn("row_count", "bigint", (c) => c.notNull())
        .addColumn("first_upload_at", "bigint", (c) => c.notNull())
        .addColumn("last_upload_at", "bigint", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("buckets_pk", ["project_id", "segment_key", "bucket_start"])
        .execute();
      if (dialect === "postgres") {
        // Profiles are sketches that do not compress: PostgreSQL would try (and fail) on every bucket rewrite,
        // which cost more than the rest of the update.
        await sql`ALTER TABLE buckets ALTER COLUMN profile SET STORAGE EXTERNAL`.execute(db);
        await sql`ALTER TABLE uploads ALTER COLUMN bytes SET STORAGE EXTERNAL`.execute(db);
      }
      await db.schema
        .createTable("bucket_columns")
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("bucket_start", "bigint", (c) => c.notNull())
        .addColumn("column_name", "text", (c) => c.notNull())
        .addColumn("metrics", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("bucket_columns_pk", [
          "project_id",
          "segment_key",
          "column_name",
          "bucket_start",
        ])
        .execute();
      await db.schema
        .createTable("column_catalog")
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("column_name", "text", (c) => c.notNull())
        .addColumn("inferred_type", "text", (c) => c.notNull())
        .addColumn("first_seen", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("column_catalog_pk", ["project_id", "column_name"])
        .execute();
      await db.schema
        .createTable("segment_catalog")
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("tags", "text", (c) => c.notNull())
        .addColumn("first_seen", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("segment_catalog_pk", ["project_id", "segment_key"])
        .execute();
      await db.schema
        .createTable("reference_profiles")
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("profile", binary(dialect), (c) => c.notNull())
        .addColumn("dataset_timestamp", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("upload_count", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("reference_profiles_pk", ["project_id", "name", "segment_key"])
        .execute();
      await db.schema
        .createTable("events")
        .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
          dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("bucket_start", "bigint", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("events_project").on("events").columns(["project_id", "id"]).execute();
      await db.schema
        .createTable("pending_uploads")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("id", "text", (c) => c.notNull())
        .addColumn("org_id", "text", (c) => c.notNull())
        .addColumn("project_id", "text", (c) => c.notNull().references("projects.id").onDelete("cascade"))
        .addColumn("dataset_timestamp", "bigint")
        .addColumn("reference_name", "text")
        .addColumn("api_key_id", "text")
        .addColumn("idempotency_key", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .execute();
    },
  };
}

function serial(dialect: Dialect) {
  return (c: ColumnDefinitionBuilder) =>
    dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement();
}

/** Monitors, their schedule and results, anomalies, notification channels and deliveries. */
function monitors(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const project = (c: ColumnDefinitionBuilder) =>
        c.notNull().references("projects.id").onDelete("cascade");
      await db.schema
        .createTable("monitors")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("project_id", "text", project)
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("config", "text", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("updated_by", "text")
        .execute();
      await db.schema
        .createIndex("monitors_name")
        .on("monitors")
        .columns(["project_id", "name"])
        .unique()
        .execute();
      await db.schema
        .createTable("monitor_versions")
        .addColumn("monitor_id", "text", (c) => c.notNull().references("monitors.id").onDelete("cascade"))
        .addColumn("version", "integer", (c) => c.notNull())
        .addColumn("config", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("created_by", "text")
        .addPrimaryKeyConstraint("monitor_versions_pk", ["monitor_id", "version"])
        .execute();
      await db.schema
        .createTable("monitor_settings")
        .addColumn("project_id", "text", (c) => project(c).primaryKey())
        .addColumn("readiness_delay_ms", "bigint", (c) => c.notNull())
        .addColumn("backfill_horizon_ms", "bigint", (c) => c.notNull())
        .addColumn("settle_ms", "bigint", (c) => c.notNull())
        .addColumn("clock_cursor", "bigint")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("event_cursors")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("last_event_id", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      // The monitors' cursor exists from the start: consumers only lock and move it.
      await sql`INSERT INTO event_cursors (name, last_event_id, updated_at) VALUES ('monitors', 0, 0)`.execute(
        db,
      );
      await db.schema
        .createTable("monitor_jobs")
        .addColumn("project_id", "text", project)
        .addColumn("bucket_start", "bigint", (c) => c.notNull())
        .addColumn("requested_event", "bigint", (c) => c.notNull())
        .addColumn("done_event", "bigint", (c) => c.notNull())
        .addColumn("forced", "integer", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("quiet", "integer", (c) => c.notNull())
        .addColumn("run_after", "bigint", (c) => c.notNull())
        .addColumn("locked_by", "text")
        .addColumn("locked_until", "bigint")
        .addColumn("runs", "integer", (c) => c.notNull())
        .addColumn("last_error", "text")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("monitor_jobs_pk", ["project_id", "bucket_start"])
        .execute();
      await db.schema.createIndex("monitor_jobs_due").on("monitor_jobs").column("run_after").execute();
      await db.schema
        .createTable("monitor_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("project_id", "text", project)
        .addColumn("bucket_start", "bigint", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("event_id", "bigint", (c) => c.notNull())
        .addColumn("worker", "text", (c) => c.notNull())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("evaluations", "integer", (c) => c.notNull())
        .addColumn("anomalies", "integer", (c) => c.notNull())
        .addColumn("error", "text")
        .execute();
      await db.schema
        .createIndex("monitor_runs_project")
        .on("monitor_runs")
        .columns(["project_id", "started_at"])
        .execute();
      await db.schema
        .createTable("evaluations")
        .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", serial(dialect))
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("project_id", "text", project)
        .addColumn("monitor_id", "text", (c) => c.notNull().references("monitors.id").onDelete("cascade"))
        .addColumn("monitor_version", "integer", (c) => c.notNull())
        .addColumn("analyzer", "text", (c) => c.notNull())
        .addColumn("column_name", "text", (c) => c.notNull())
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("bucket_start", "bigint", (c) => c.notNull())
        .addColumn("metric", "text", (c) => c.notNull())
        .addColumn("value", "double precision")
        .addColumn("value_lower", "double precision")
        .addColumn("value_upper", "double precision")
        .addColumn("threshold_lower", "double precision")
        .addColumn("threshold_upper", "double precision")
        .addColumn("baseline_value", "double precision")
        .addColumn("anomaly", "integer", (c) => c.notNull())
        .addColumn("details", "text", (c) => c.notNull())
        .addColumn("bucket_version", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("evaluations_bucket")
        .on("evaluations")
        .columns(["project_id", "bucket_start"])
        .execute();
      await db.schema
        .createIndex("evaluations_target")
        .on("evaluations")
        .columns(["monitor_id", "column_name", "segment_key", "bucket_start"])
        .execute();
      await db.schema.createIndex("evaluations_run").on("evaluations").column("run_id").execute();
      await db.schema
        .createTable("anomalies")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("project_id", "text", project)
        .addColumn("monitor_id", "text", (c) => c.notNull().references("monitors.id").onDelete("cascade"))
        .addColumn("column_name", "text", (c) => c.notNull())
        .addColumn("segment_key", "text", (c) => c.notNull())
        .addColumn("active_key", "text", (c) => c.unique())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("first_bucket", "bigint", (c) => c.notNull())
        .addColumn("last_bucket", "bigint", (c) => c.notNull())
        .addColumn("bucket_count", "integer", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("last_evaluation_id", "bigint", (c) => c.notNull())
        .addColumn("opened_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("acknowledged_at", "bigint")
        .addColumn("acknowledged_by", "text")
        .addColumn("resolved_at", "bigint")
        .addColumn("resolved_by", "text")
        .addColumn("resolution", "text")
        .execute();
      await db.schema
        .createIndex("anomalies_project")
        .on("anomalies")
        .columns(["project_id", "state", "opened_at"])
        .execute();
      await db.schema
        .createTable("channels")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("org_id", "text", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("config", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("channels_name")
        .on("channels")
        .columns(["org_id", "name"])
        .unique()
        .execute();
      await db.schema
        .createTable("deliveries")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("org_id", "text", (c) => c.notNull().references("organizations.id").onDelete("cascade"))
        .addColumn("channel_id", "text", (c) => c.notNull().references("channels.id").onDelete("cascade"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("project_id", "text")
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
        .addColumn("locked_by", "text")
        .addColumn("locked_until", "bigint")
        .addColumn("last_status", "integer")
        .addColumn("last_error", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("sent_at", "bigint")
        .execute();
      await db.schema
        .createIndex("deliveries_due")
        .on("deliveries")
        .columns(["state", "next_attempt_at"])
        .execute();
      await db.schema
        .createIndex("deliveries_channel")
        .on("deliveries")
        .columns(["channel_id", "created_at"])
        .execute();
      await db.schema
        .createTable("delivery_attempts")
        .addColumn("delivery_id", "text", (c) => c.notNull().references("deliveries.id").onDelete("cascade"))
        .addColumn("attempt", "integer", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("duration_ms", "integer", (c) => c.notNull())
        .addColumn("ok", "integer", (c) => c.notNull())
        .addColumn("status", "integer")
        .addColumn("error", "text")
        .addPrimaryKeyConstraint("delivery_attempts_pk", ["delivery_id", "attempt"])
        .execute();
      await db.schema
        .createTable("digest_items")
        .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", serial(dialect))
        .addColumn("channel_id", "text", (c) => c.notNull().references("channels.id").onDelete("cascade"))
        .addColumn("anomaly_id", "text", (c) => c.notNull().references("anomalies.id").onDelete("cascade"))
        .addColumn("mode", "text", (c) => c.notNull())
        .addColumn("window_start", "bigint", (c) => c.notNull())
        .addColumn("delivery_id", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("digest_items_pending")
        .on("digest_items")
        .columns(["delivery_id", "window_start"])
        .execute();
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    getMigrations: () =>
      Promise.resolve({ "0001-initial": initial(dialect), "0002-monitors": monitors(dialect) }),
  };
}
