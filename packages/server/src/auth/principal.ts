// Who is calling and what they may do. Every route asks one of the `require…` functions; a caller who may not
// see an organization gets "not found" for it and everything in it, so existence does not leak across tenants.
import type { Store } from "../db/connect.js";
import type { ApiKeyTable, KeyScope, ProjectTable, Role } from "../db/schema.js";
import { ApiError, notFound } from "../errors.js";
import { parseApiKey, sameSecret, sha256Hex } from "./secrets.js";

export interface UserPrincipal {
  readonly kind: "user";
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  /** Role per organization the user belongs to. */
  readonly roles: ReadonlyMap<string, Role>;
  readonly csrfToken: string;
}

export interface KeyPrincipal {
  readonly kind: "api-key";
  readonly keyId: string;
  readonly orgId: string;
  readonly scopes: ReadonlySet<KeyScope>;
  /** When set, the key may only touch this project. */
  readonly projectId: string | null;
}

export type Principal = UserPrincipal | KeyPrincipal;

export const SESSION_COOKIE = "sightglass_session";

/** What an action needs. `read` < `ingest` (uploads) < `write` (projects, references) < `admin` (members, keys). */
export type Permission = "read" | "ingest" | "write" | "admin";

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(["read", "ingest", "write", "admin"]),
  member: new Set(["read", "ingest", "write"]),
  viewer: new Set(["read"]),
};

const SCOPE_PERMISSIONS: Record<KeyScope, ReadonlySet<Permission>> = {
  admin: new Set(["read", "ingest", "write", "admin"]),
  read: new Set(["read"]),
  ingest: new Set(["ingest"]),
};

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

export interface Credentials {
  readonly apiKey?: string | undefined;
  readonly sessionToken?: string | undefined;
}

/** Reads `X-API-Key`, `Authorization: Bearer` and the session cookie from request headers. */
export function credentialsOf(headers: Record<string, string | string[] | undefined>): Credentials {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const authorization = first(headers["authorization"]);
  const bearer =
    authorization !== undefined && /^Bearer\s+/i.test(authorization)
      ? authorization.replace(/^Bearer\s+/i, "")
      : undefined;
  return {
    apiKey: first(headers["x-api-key"]) ?? bearer,
    sessionToken: parseCookies(first(headers["cookie"])).get(SESSION_COOKIE),
  };
}

export async function authenticate(
  store: Store,
  credentials: Credentials,
  now = Date.now(),
): Promise<Principal | undefined> {
  if (credentials.apiKey !== undefined) {
    const parsed = parseApiKey(credentials.apiKey);
    if (parsed === undefined) {
      throw new ApiError("unauthenticated", "the API key is malformed: expected <10-character id>.<secret>");
    }
    const key = await apiKeyRow(store, parsed.id, now);
    if (key === undefined || !sameSecret(key.secret_hash, sha256Hex(parsed.secret))) {
      throw new ApiError(
        "unauthenticated",
        `API key ${parsed.id} is not valid: check that the whole key was copied, or create a new one`,
      );
    }
    if (key.revoked_at !== null)
      throw new ApiError("unauthenticated", `API key ${key.id} was revoked; create a new key`);
    if (key.expires_at !== null && key.expires_at <= now) {
      throw new ApiError(
        "unauthenticated",
        `API key ${key.id} expired on ${new Date(key.expires_at).toISOString()}; create a new key`,
      );
    }
    if (parsed.org !== undefined && parsed.org !== key.org_id) {
      throw new ApiError(
        "unauthenticated",
        `API key ${key.id} does not belong to organization ${parsed.org}`,
      );
    }
    noteKeyUse(store, key.id, key.last_used_at, now);
    return {
      kind: "api-key",
      keyId: key.id,
      orgId: key.org_id,
      scopes: new Set(
        key.scopes.split(",").filter((s): s is KeyScope => s === "ingest" || s === "read" || s === "admin"),
      ),
      projectId: key.project_id,
    };
  }
  if (credentials.sessionToken !== undefined) {
    const session = await store.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select([
        "sessions.user_id",
        "sessions.csrf_token",
        "sessions.expires_at",
        "users.email",
        "users.name",
        "users.disabled_at",
      ])
      .where("sessions.token_hash", "=", sha256Hex(credentials.sessionToken))
      .executeTakeFirst();
    if (session === undefined || session.expires_at <= now || session.disabled_at !== null) return undefined;
    const memberships = await store.db
      .selectFrom("memberships")
      .select(["org_id", "role"])
      .where("user_id", "=", session.user_id)
      .execute();
    return {
      kind: "user",
      userId: session.user_id,
      email: session.email,
      name: session.name,
      roles: new Map(memberships.map((m) => [m.org_id, m.role])),
      csrfToken: session.csrf_token,
    };
  }
  return undefined;
}

/**
 * API key rows are looked up on every request; a short-lived copy saves that query under load. A key revoked
 * (or expired) through this process is dropped at once; other processes notice within KEY_CACHE_MS.
 */
const KEY_CACHE_MS = 2_000;
const keyCache = new WeakMap<Store, Map<string, { row: ApiKeyTable | undefined; until: number }>>();

async function apiKeyRow(store: Store, id: string, now: number): Promise<ApiKeyTable | undefined> {
  let cache = keyCache.get(store);
  if (cache === undefined) keyCache.set(store, (cache = new Map()));
  const hit = cache.get(id);
  if (hit !== undefined && hit.until > now) return hit.row;
  const row = await store.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
  if (cache.size > 10_000) cache.clear();
  cache.set(id, { row, until: now + KEY_CACHE_MS });
  return row;
}

/** Forgets cached key rows (after a key is revoked or changed through this process). */
export function forgetApiKey(store: Store, id: string): void {
  keyCache.get(store)?.delete(id);
}

// Writing last-used on every request would make every read a write; once a minute per key is enough.
const LAST_USED_GRANULARITY_MS = 60_000;
function noteKeyUse(store: Store, keyId: string, lastUsed: number | null, now: number): void {
  if (lastUsed !== null && now - lastUsed < LAST_USED_GRANULARITY_MS) return;
  store.db
    .updateTable("api_keys")
    .set({ last_used_at: now })
    .where("id", "=", keyId)
    .execute()
    .catch(() => {});
}

export function requireAuthenticated(principal: Principal | undefined): Principal {
  if (principal === undefined) {
    throw new ApiError(
      "unauthenticated",
      "sign in, or send an API key as X-API-Key or Authorization: Bearer",
    );
  }
  return principal;
}

/** Organizations the caller can see at all. */
export function visibleOrgs(principal: Principal): string[] {
  return principal.kind === "user" ? [...principal.roles.keys()] : [principal.orgId];
}

function permits(principal: Principal, orgId: string, permission: Permission): boolean {
  if (principal.kind === "user") {
    const role = principal.roles.get(orgId);
    return role !== undefined && ROLE_PERMISSIONS[role].has(permission);
  }
  if (principal.orgId !== orgId) return false;
  for (const scope of principal.scopes) if (SCOPE_PERMISSIONS[scope].has(permission)) return true;
  return false;
}

function canSeeOrg(principal: Principal, orgId: string): boolean {
  return principal.kind === "user" ? principal.roles.has(orgId) : principal.orgId === orgId;
}

/** Org-level actions (members, keys, creating projects). */
export function requireOrg(
  principal: Principal | undefined,
  orgId: string,
  permission: Permission,
): Principal {
  const p = requireAuthenticated(principal);
  if (!canSeeOrg(p, orgId)) throw notFound(`organization ${orgId}`);
  // A key bound to one project acts on that project only, never on its organization (not even to read its
  // members or keys).
  if (p.kind === "api-key" && p.projectId !== null) {
    throw new ApiError("forbidden", `API key ${p.keyId} is bound to project ${p.projectId}`);
  }
  if (!permits(p, orgId, permission)) throw forbidden(p, permission);
  return p;
}

/** Project-level actions; the project must be loaded first (a foreign one answers 404). */
export function requireProject(
  principal: Principal | undefined,
  project: ProjectTable | undefined,
  projectId: string,
  permission: Permission,
): ProjectTable {
  const p = requireAuthenticated(principal);
  if (project === undefined || !canSeeOrg(p, project.org_id)) throw notFound(`project ${projectId}`);
  if (p.kind === "api-key" && p.projectId !== null && p.projectId !== project.id)
    throw notFound(`project ${projectId}`);
  if (!permits(p, project.org_id, permission)) throw forbidden(p, permission);
  return project;
}

function forbidden(p: Principal, permission: Permission): ApiError {
  const need: Record<Permission, string> = {
    read: "read access (role viewer or above, or a key with scope read)",
    ingest: "ingest access (role member or admin, or a key with scope ingest)",
    write: "write access (role member or admin, or a key with scope admin)",
    admin: "admin access (role admin, or a key with scope admin)",
  };
  const who =
    p.kind === "user"
      ? `user ${p.email}`
      : `API key ${p.keyId} (scopes ${[...p.scopes].join(", ") || "none"})`;
  return new ApiError("forbidden", `${who} lacks ${need[permission]}`);
}
