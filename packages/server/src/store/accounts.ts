// Organizations, users, memberships, sessions and API keys.
import { randomUUID } from "node:crypto";
import type { Store } from "../db/connect.js";
import type { KeyScope, Role } from "../db/schema.js";
import { ApiError, ServerError } from "../errors.js";
import { hashPassword, newApiKey, parseApiKey, randomAlphanumeric, sha256Hex } from "../auth/secrets.js";

export const MIN_PASSWORD_LENGTH = 10;

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ApiError("bad-request", `password must have at least ${MIN_PASSWORD_LENGTH} characters`, {
      field: "password",
    });
  }
}

export async function createOrganization(
  store: Store,
  name: string,
  id?: string,
): Promise<{ id: string; name: string }> {
  const orgId = id ?? `org-${randomAlphanumeric(8).toLowerCase()}`;
  const exists = await store.db
    .selectFrom("organizations")
    .select("id")
    .where("id", "=", orgId)
    .executeTakeFirst();
  if (exists !== undefined)
    throw new ApiError("conflict", `organization ${orgId} already exists`, { field: "id" });
  await store.db.insertInto("organizations").values({ id: orgId, name, created_at: Date.now() }).execute();
  return { id: orgId, name };
}

export async function createUser(
  store: Store,
  email: string,
  name: string,
  password: string | undefined,
): Promise<string> {
  const normalized = email.trim().toLowerCase();
  const existing = await store.db
    .selectFrom("users")
    .select("id")
    .where("email", "=", normalized)
    .executeTakeFirst();
  if (existing !== undefined)
    throw new ApiError("conflict", `a user with email ${normalized} already exists`, { field: "email" });
  if (password !== undefined) checkPassword(password);
  const id = `usr_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  await store.db
    .insertInto("users")
    .values({
      id,
      email: normalized,
      name,
      password_hash: password === undefined ? null : await hashPassword(password),
      created_at: Date.now(),
      disabled_at: null,
    })
    .execute();
  return id;
}

export async function addMember(store: Store, orgId: string, userId: string, role: Role): Promise<void> {
  await store.db
    .insertInto("memberships")
    .values({ org_id: orgId, user_id: userId, role, created_at: Date.now() })
    .onConflict((oc) => oc.columns(["org_id", "user_id"]).doUpdateSet({ role }))
    .execute();
}

/** A one-time link token that lets a user set their password (first admin, invited members). */
export async function createSetupToken(
  store: Store,
  userId: string,
  ttlMs = 7 * 24 * 3_600_000,
): Promise<string> {
  const token = randomAlphanumeric(40);
  const now = Date.now();
  await store.db
    .insertInto("setup_tokens")
    .values({
      token_hash: sha256Hex(token),
      user_id: userId,
      created_at: now,
      expires_at: now + ttlMs,
      used_at: null,
    })
    .execute();
  return token;
}

export async function createSession(
  store: Store,
  userId: string,
  ttlMs: number,
): Promise<{ token: string; csrfToken: string; expiresAt: number }> {
  const token = randomAlphanumeric(48);
  const csrfToken = randomAlphanumeric(32);
  const now = Date.now();
  await store.db
    .insertInto("sessions")
    .values({
      token_hash: sha256Hex(token),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now,
      expires_at: now + ttlMs,
      last_seen_at: now,
    })
    .execute();
  // Expired sessions are swept when new ones are made: no timer, and the table stays small.
  await store.db.deleteFrom("sessions").where("expires_at", "<", now).execute();
  return { token, csrfToken, expiresAt: now + ttlMs };
}

export interface NewKey {
  readonly orgId: string;
  readonly name: string;
  readonly scopes: readonly KeyScope[];
  readonly projectId?: string | null | undefined;
  readonly expiresAt?: number | null | undefined;
  readonly createdBy?: string | null | undefined;
  /** Use this key text (bootstrap from the environment) instead of a random one. */
  readonly fixedKey?: string | undefined;
}

export async function createApiKey(store: Store, spec: NewKey): Promise<{ id: string; key: string }> {
  let id: string;
  let secret: string;
  let key: string;
  if (spec.fixedKey !== undefined) {
    const parsed = parseApiKey(spec.fixedKey);
    if (parsed === undefined) {
      throw new ApiError(
        "bad-request",
        "the bootstrap API key must look like <10 letters/digits>.<20-128 letters/digits>",
      );
    }
    ({ id, secret } = parsed);
    key = `${id}.${secret}`;
  } else {
    ({ id, secret, key } = newApiKey());
  }
  await store.db
    .insertInto("api_keys")
    .values({
      id,
      org_id: spec.orgId,
      name: spec.name,
      secret_hash: sha256Hex(secret),
      scopes: [...new Set(spec.scopes)].sort().join(","),
      project_id: spec.projectId ?? null,
      created_by: spec.createdBy ?? null,
      created_at: Date.now(),
      expires_at: spec.expiresAt ?? null,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return { id, key };
}

export interface BootstrapResult {
  /** Path + query of the one-time setup link for the first admin, when one was created. */
  readonly setupPath?: string;
  readonly organizationId?: string;
}

/**
 * On an empty store: creates the first organization and its admin user, and returns a one-time setup link for
 * the admin to choose a password; with a bootstrap key, also stores that key as an admin key of the
 * organization. Safe to call on every start: a store with any user is left alone.
 */
export async function bootstrap(
  store: Store,
  options: { bootstrapApiKey?: string | undefined },
): Promise<BootstrapResult> {
  if (options.bootstrapApiKey !== undefined && parseApiKey(options.bootstrapApiKey) === undefined) {
    throw new ServerError(
      "SIGHTGLASS_BOOTSTRAP_API_KEY must look like <10 letters/digits>.<20-128 letters/digits> (whylogs' key form)",
    );
  }
  const anyUser = await store.db.selectFrom("users").select("id").limit(1).executeTakeFirst();
  if (anyUser !== undefined) return {};
  try {
    // All or nothing: a process that dies half-way leaves an empty store, bootstrapped again at the next start.
    return await store.db.transaction().execute(async (tx) => {
      const inTransaction: Store = { ...store, db: tx };
      const org = await createOrganization(inTransaction, "Default organization", "default");
      const adminId = await createUser(inTransaction, "admin@localhost", "Administrator", undefined);
      await addMember(inTransaction, org.id, adminId, "admin");
      if (options.bootstrapApiKey !== undefined) {
        await createApiKey(inTransaction, {
          orgId: org.id,
          name: "bootstrap",
          scopes: ["admin", "ingest", "read"],
          fixedKey: options.bootstrapApiKey,
        });
      }
      const token = await createSetupToken(inTransaction, adminId);
      return { setupPath: `/setup?token=${token}`, organizationId: org.id };
    });
  } catch (e) {
    // Another server process bootstrapped the same database meanwhile: its transaction committed first (ours
    // waited on the organization's unique key, then failed and rolled back whole).
    const someone = await store.db.selectFrom("users").select("id").limit(1).executeTakeFirst();
    if (someone !== undefined) return {};
    throw e;
  }
}
