// Monitors as stored rows: created and replaced with a version history, and the default set a new project gets.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, MonitorTable } from "../db/schema.js";
import { ApiError } from "../errors.js";
import { defaultMonitors } from "./config.js";
import type { MonitorConfig } from "./types.js";

export function monitorJson(row: MonitorTable) {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    version: row.version,
    enabled: row.enabled === 1,
    config: JSON.parse(row.config) as MonitorConfig,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}

async function checkName(db: Kysely<Database>, projectId: string, name: string, except?: string) {
  let query = db
    .selectFrom("monitors")
    .select("id")
    .where("project_id", "=", projectId)
    .where("name", "=", name);
  if (except !== undefined) query = query.where("id", "!=", except);
  if ((await query.executeTakeFirst()) !== undefined) {
    throw new ApiError("conflict", `the project already has a monitor named ${JSON.stringify(name)}`, {
      field: "/name",
    });
  }
}

export async function createMonitor(
  db: Kysely<Database>,
  projectId: string,
  config: MonitorConfig,
  by: string | null,
  now: number,
): Promise<MonitorTable> {
  await checkName(db, projectId, config.name);
  const row: MonitorTable = {
    id: `mon-${randomUUID().slice(0, 12)}`,
    project_id: projectId,
    name: config.name,
    config: JSON.stringify(config),
    version: 1,
    enabled: config.enabled ? 1 : 0,
    created_at: now,
    updated_at: now,
    updated_by: by,
  };
  await db.insertInto("monitors").values(row).execute();
  await db
    .insertInto("monitor_versions")
    .values({ monitor_id: row.id, version: 1, config: row.config, created_at: now, created_by: by })
    .execute();
  return row;
}

export async function replaceMonitor(
  db: Kysely<Database>,
  existing: MonitorTable,
  config: MonitorConfig,
  by: string | null,
  now: number,
): Promise<MonitorTable> {
  await checkName(db, existing.project_id, config.name, existing.id);
  const row: MonitorTable = {
    ...existing,
    name: config.name,
    config: JSON.stringify(config),
    version: existing.version + 1,
    enabled: config.enabled ? 1 : 0,
    updated_at: now,
    updated_by: by,
  };
  const updated = await db
    .updateTable("monitors")
    .set({
      name: row.name,
      config: row.config,
      version: row.version,
      enabled: row.enabled,
      updated_at: now,
      updated_by: by,
    })
    .where("id", "=", existing.id)
    .where("version", "=", existing.version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    throw new ApiError("conflict", "the monitor changed while it was being edited; load it again and retry");
  }
  await db
    .insertInto("monitor_versions")
    .values({ monitor_id: row.id, version: row.version, config: row.config, created_at: now, created_by: by })
    .execute();
  return row;
}

/** Gives a new project the default monitors, so drift and data problems show up without configuration. */
export async function installDefaultMonitors(
  db: Kysely<Database>,
  projectId: string,
  now: number,
): Promise<void> {
  // One millisecond apart, so they list in the documented order.
  for (const [i, config] of defaultMonitors().entries())
    await createMonitor(db, projectId, config, null, now + i);
}
