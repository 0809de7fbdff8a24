// The authorization matrix: every operation of the OpenAPI document × every kind of caller × own and foreign
// organization. Organization A ("default") holds all the callers; organization B ("org-bravo") holds resources
// none of them may see. Every answer is checked for its status and for B's data anywhere in its body, and a
// request for one of B's things must answer exactly like one for a thing that does not exist, so a caller
// cannot even learn what B has (the promise auth/principal.ts makes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetProfile } from "@sightglass/profile";
import { ADMIN_KEY, BACKENDS, call, startTestServer } from "./support.js";
import type { CallResult, TestServer } from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 4, 1);
const RANGE = `start=${T0}&end=${T0 + DAY}`;
const PASSWORD = "correct horse battery staple";
const A = "default";
const B = "org-bravo";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type Permission = "read" | "ingest" | "write" | "admin";
/**
 * What an operation needs. `user-only`: signed-in users (keys are refused with 403); `session-only`: describes
 * the caller's session (keys get 400, they have none).
 */
type Requirement = "public" | "authenticated" | "user-only" | "session-only" | Permission;

// The policy under test, restated from the documentation rather than imported, so a change to it shows here.
const ROLE_PERMISSIONS: Record<"admin" | "member" | "viewer", readonly Permission[]> = {
  admin: ["read", "ingest", "write", "admin"],
  member: ["read", "ingest", "write"],
  viewer: ["read"],
};
const SCOPE_PERMISSIONS: Record<"admin" | "read" | "ingest", readonly Permission[]> = {
  admin: ["read", "ingest", "write", "admin"],
  read: ["read"],
  ingest: ["ingest"],
};

/** The identifiers a request is built from; which organization each one comes from is what a case varies. */
interface Ids {
  readonly orgId: string;
  readonly projectId: string;
  readonly uploadId: string;
  readonly referenceName: string;
  readonly userId: string;
  readonly keyId: string;
  readonly monitorId: string;
  readonly anomalyId: string;
  readonly channelId: string;
  /** A one-time setup token or upload-URL token, for the operations that take one. */
  readonly token: string;
}

/** Ids of nothing: a request for B's things must answer like the same request with these. */
const MISSING: Ids = {
  orgId: "org-nowhere",
  projectId: "no-such-project",
  uploadId: "upl_00000000000000000000000000000000",
  referenceName: "no-such-reference",
  userId: "usr_0000000000000000",
  keyId: "sgNOSUCHK1",
  monitorId: "mon-000000000000",
  anomalyId: "00000000-0000-0000-0000-000000000000",
  channelId: "chn_00000000000000000000",
  token: "",
};

/**
 * own: A's organization and first project. own-other-project: A's second project (a key bound to the first
 * must get 404 there). foreign: everything B's. mixed: A's organization or project naming one of B's members,
 * keys, uploads or datasets.
 */
type Target = "none" | "own" | "own-other-project" | "foreign" | "mixed";

/** Request headers of a caller for one request. */
type Caller = (method: string) => Record<string, string>;

interface Principal {
  readonly name: string;
  readonly kind: "anonymous" | "session" | "key" | "invalid";
  /** What it may do in organization A. */
  readonly permissions: ReadonlySet<Permission>;
  /** The project a key is bound to. */
  readonly boundProject?: string;
  /** Headers; `csrf` false leaves out a session's CSRF token. */
  headers(method: string, csrf: boolean): Record<string, string>;
}

interface OrgWorld {
  readonly orgId: string;
  /** An admin of the organization, to make throwaway resources with. */
  readonly admin: Caller;
  /** Ids aimed at the organization's first and second project. */
  readonly first: Ids;
  readonly second: Ids;
  readonly prefix: string;
}

interface World {
  readonly a: OrgWorld;
  readonly b: OrgWorld;
  readonly principals: readonly Principal[];
  /** Every string that identifies or describes B's data; grows as cases make throwaway things in B. */
  readonly secretsOfB: Set<string>;
  /** Admin of B and viewer of A: sees both, to prove that what others do not see exists. */
  readonly founder: Caller;
  readonly projectsOfA: readonly string[];
  readonly viewerEmailOfA: string;
  readonly boundKey: string;
  readonly sessions: ReadonlyMap<string, Session>;
}

interface RequestSpec {
  readonly path: string;
  readonly body?: unknown;
  readonly bytes?: Uint8Array;
  readonly headers?: Record<string, string>;
}

interface Operation {
  readonly requirement: Requirement;
  /** What the request names: nothing, an organization, or a project (whylogs: organization and dataset). */
  readonly scope: "none" | "org" | "project";
  /** The ids that, taken from B inside A's organization or project, make the "mixed" case. */
  readonly mixedLeaves?: readonly (keyof Ids)[];
  /** The whylogs calls look the dataset up before the permission: a foreign one answers 404 to everyone. */
  readonly leafBeforePermission?: boolean;
  /** Signing in acts on no existing session, so the server exempts it from CSRF: sessions send no token. */
  readonly csrfExempt?: boolean;
  /** Callers this operation is not asked with here, and why (see each use). */
  readonly skip?: (p: Principal) => boolean;
  /** Makes the throwaway resource a destructive case acts on, in `org` (the organization of its leaf). */
  readonly prepare?: (at: { org: OrgWorld; ids: Ids; n: number }) => Promise<Partial<Ids>>;
  readonly request: (ids: Ids, n: number) => RequestSpec;
}

interface Session {
  readonly token: string;
  readonly csrfToken: string;
}

function sessionHeaders(session: Session, method: string, csrf = true): Record<string, string> {
  return {
    cookie: `sightglass_session=${session.token}`,
    ...(csrf && !SAFE_METHODS.has(method) ? { "x-csrf-token": session.csrfToken } : {}),
  };
}

function profileBytes(columns: Record<string, unknown[]>, datasetTimestamp: number): Uint8Array {
  return new DatasetProfile({ datasetTimestamp }).track(columns).view().serialize();
}

// Answers have many shapes; `any` keeps reading them terse (as support.ts's `call`), a wrong field fails.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = CallResult<any>;

async function send(base: string, caller: Caller, method: string, spec: RequestSpec): Promise<Answer> {
  return call(base, method, spec.path, {
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.bytes !== undefined ? { bytes: spec.bytes } : {}),
    headers: { ...caller(method), ...spec.headers },
  });
}

/** A set-up request that must succeed; its answer's body. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function must(base: string, caller: Caller, method: string, spec: RequestSpec): Promise<any> {
  const res = await send(base, caller, method, spec);
  if (res.status < 200 || res.status > 299)
    throw new Error(`set-up ${method} ${spec.path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function login(base: string, email: string): Promise<Session> {
  const res = await call(base, "POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  const token = /sightglass_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (token === undefined) throw new Error(`login ${email}: no session cookie`);
  return { token, csrfToken: res.body.csrfToken };
}

/** Two projects, each with one upload and one reference profile, in an organization. */
async function populate(
  base: string,
  admin: Caller,
  orgId: string,
  prefix: string,
  column: string,
  secrets: Set<string> | undefined,
): Promise<{ first: Omit<Ids, "userId" | "keyId">; second: Omit<Ids, "userId" | "keyId"> }> {
  const referenceName = `${prefix}-baseline`;
  const made: Omit<Ids, "userId" | "keyId">[] = [];
  // A notification channel that points nowhere (the discard port): "send test" fails fast, which is fine.
  const channelName = `${prefix} pager`;
  const channel = await must(base, admin, "POST", {
    path: `/api/v1/organizations/${orgId}/channels`,
    body: {
      name: channelName,
      kind: "webhook",
      config: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123" },
    },
  });
  secrets?.add(channel.id);
  secrets?.add(channelName);
  for (const [index, kind] of ["churn", "fraud"].entries()) {
    const projectId = `${prefix}-${kind}`;
    const name = `${prefix} ${kind} model`;
    const description = `${prefix} confidential ${kind} scoring`;
    await must(base, admin, "POST", {
      path: `/api/v1/organizations/${orgId}/projects`,
      body: { id: projectId, name, description },
    });
    const bytes = profileBytes({ [column]: [index, 2, 3, 4] }, T0 + HOUR);
    const upload = await must(base, admin, "POST", { path: `/api/v1/projects/${projectId}/profiles`, bytes });
    await must(base, admin, "PUT", {
      path: `/api/v1/projects/${projectId}/references/${referenceName}`,
      bytes,
    });
    for (const s of [projectId, name, description, upload.upload.id]) secrets?.add(s);
    // An anomaly to act on: a monitor that any data trips, re-run over the uploaded day.
    const monitor = await must(base, admin, "POST", {
      path: `/api/v1/projects/${projectId}/monitors`,
      body: { name: "Any rows", analyzer: { type: "fixed", metric: "row_count", upper: 0 } },
    });
    await must(base, admin, "POST", {
      path: `/api/v1/projects/${projectId}/monitors/run`,
      body: { start: T0, end: T0 + 24 * HOUR },
    });
    let anomalyId: string | undefined;
    for (let tries = 0; anomalyId === undefined; tries++) {
      const found = await must(base, admin, "GET", { path: `/api/v1/projects/${projectId}/anomalies` });
      anomalyId = found.anomalies[0]?.id;
      if (anomalyId === undefined) {
        if (tries > 300) throw new Error(`set-up: no anomaly in ${projectId}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (const s of [monitor.id, anomalyId]) secrets?.add(s);
    made.push({
      orgId,
      projectId,
      uploadId: upload.upload.id,
      referenceName,
      monitorId: monitor.id,
      anomalyId,
      channelId: channel.id,
      token: "",
    });
  }
  secrets?.add(column);
  secrets?.add(referenceName);
  return { first: made[0]!, second: made[1]! };
}

async function buildWorld(base: string): Promise<World> {
  const secretsOfB = new Set<string>([B, "Bravo Holdings"]);
  const adminOfA: Caller = () => ({ "x-api-key": ADMIN_KEY });

  // Organizations are created by signed-in users: a user of A founds B and becomes its admin.
  const founderEmail = "founder@bravo.example";
  await must(base, adminOfA, "POST", {
    path: `/api/v1/organizations/${A}/members`,
    body: { email: founderEmail, role: "viewer", password: PASSWORD },
  });
  const founderSession = await login(base, founderEmail);
  const founder: Caller = (method) => sessionHeaders(founderSession, method);
  await must(base, founder, "POST", {
    path: "/api/v1/organizations",
    body: { name: "Bravo Holdings", id: B },
  });

  // Created first: it must have expired by the end of the set-up, and be seen working before.
  const expired = await must(base, adminOfA, "POST", {
    path: `/api/v1/organizations/${A}/api-keys`,
    body: { name: "short-lived", scopes: ["admin"], expiresAt: Date.now() + 1500 },
  });
  await must(base, () => ({ "x-api-key": expired.key }), "GET", { path: "/api/v1/projects" });

  const ofA = await populate(base, adminOfA, A, "alpha", "alpha_age", undefined);
  const ofB = await populate(base, founder, B, "bravo", "bravo_income", secretsOfB);

  const usersOfA = new Map<string, string>();
  const usersOfB = new Map<string, string>();
  const sessions = new Map<string, Session>();
  for (const role of ["admin", "member", "viewer"] as const) {
    const email = `${role}@alpha.example`;
    const created = await must(base, adminOfA, "POST", {
      path: `/api/v1/organizations/${A}/members`,
      body: { email, role, password: PASSWORD, name: `Alpha ${role}` },
    });
    usersOfA.set(role, created.id);
    // B's users never sign in: no password, which also spares an argon2 hash each.
    const other = await must(base, founder, "POST", {
      path: `/api/v1/organizations/${B}/members`,
      body: { email: `${role}@bravo.example`, role, name: `Bravo ${role}` },
    });
    usersOfB.set(role, other.id);
    for (const s of [other.id, other.email, `Bravo ${role}`]) secretsOfB.add(s);
  }
  // Signing in is limited to 10 attempts a minute per address (shared with setup): one login per user.
  for (const role of ["admin", "member", "viewer"])
    sessions.set(role, await login(base, `${role}@alpha.example`));

  const keysOfA = new Map<string, { id: string; key: string }>();
  for (const [name, scopes, projectId] of [
    ["ingest", ["ingest"], undefined],
    ["read", ["read"], undefined],
    ["admin", ["admin"], undefined],
    ["bound", ["read"], ofA.first.projectId],
    ["revoked", ["admin"], undefined],
  ] as const) {
    const created = await must(base, adminOfA, "POST", {
      path: `/api/v1/organizations/${A}/api-keys`,
      body: { name: `alpha ${name}`, scopes, ...(projectId !== undefined ? { projectId } : {}) },
    });
    keysOfA.set(name, { id: created.id, key: created.key });
  }
  const revoked = keysOfA.get("revoked")!;
  await must(base, () => ({ "x-api-key": revoked.key }), "GET", { path: "/api/v1/projects" });
  await must(base, adminOfA, "DELETE", { path: `/api/v1/organizations/${A}/api-keys/${revoked.id}` });
  const keyOfB = await must(base, founder, "POST", {
    path: `/api/v1/organizations/${B}/api-keys`,
    body: { name: "bravo reader", scopes: ["read"] },
  });
  secretsOfB.add(keyOfB.id);

  const waitForExpiry = expired.expiresAt + 50 - Date.now();
  if (waitForExpiry > 0) await new Promise((resolve) => setTimeout(resolve, waitForExpiry));

  const keyPrincipal = (name: string, scope: keyof typeof SCOPE_PERMISSIONS, bearer = false): Principal => {
    const key = keysOfA.get(scope)!.key;
    return {
      name,
      kind: "key",
      permissions: new Set(SCOPE_PERMISSIONS[scope]),
      headers: (): Record<string, string> =>
        bearer ? { authorization: `Bearer ${key}` } : { "x-api-key": key },
    };
  };
  const invalid = (name: string, key: string): Principal => ({
    name,
    kind: "invalid",
    permissions: new Set(),
    headers: () => ({ "x-api-key": key }),
  });
  const principals: Principal[] = [
    { name: "anonymous", kind: "anonymous", permissions: new Set(), headers: () => ({}) },
    ...(["admin", "member", "viewer"] as const).map((role): Principal => ({
      name: `session ${role}`,
      kind: "session",
      permissions: new Set(ROLE_PERMISSIONS[role]),
      headers: (method, csrf) => sessionHeaders(sessions.get(role)!, method, csrf),
    })),
    keyPrincipal("ingest key", "ingest"),
    keyPrincipal("read key", "read"),
    keyPrincipal("admin key", "admin"),
    {
      name: "read key bound to the first project",
      kind: "key",
      permissions: new Set(SCOPE_PERMISSIONS.read),
      boundProject: ofA.first.projectId,
      headers: () => ({ "x-api-key": keysOfA.get("bound")!.key }),
    },
    keyPrincipal("admin key as Authorization: Bearer", "admin", true),
    invalid("expired key", expired.key),
    invalid("revoked key", revoked.key),
    invalid("malformed key", "sg-this-is-not-a-key"),
  ];

  return {
    a: {
      orgId: A,
      admin: adminOfA,
      prefix: "alpha",
      first: { ...ofA.first, userId: usersOfA.get("viewer")!, keyId: keysOfA.get("read")!.id },
      second: { ...ofA.second, userId: usersOfA.get("viewer")!, keyId: keysOfA.get("read")!.id },
    },
    b: {
      orgId: B,
      admin: founder,
      prefix: "bravo",
      first: { ...ofB.first, userId: usersOfB.get("viewer")!, keyId: keyOfB.id },
      second: { ...ofB.second, userId: usersOfB.get("viewer")!, keyId: keyOfB.id },
    },
    principals,
    secretsOfB,
    founder,
    projectsOfA: [ofA.first.projectId, ofA.second.projectId],
    viewerEmailOfA: "viewer@alpha.example",
    boundKey: keysOfA.get("bound")!.key,
    sessions,
  };
}

// Throwaway resources for destructive cases, so no case changes what another one relies on.
async function throwawayProject(base: string, org: OrgWorld, n: number, secrets: Set<string>) {
  const id = `${org.prefix}-scratch-${n}`;
  const name = `${org.prefix} scratch ${n}`;
  if (org.orgId === B) for (const s of [id, name]) secrets.add(s);
  await must(base, org.admin, "POST", {
    path: `/api/v1/organizations/${org.orgId}/projects`,
    body: { id, name },
  });
  return { projectId: id };
}

async function throwawayMember(base: string, org: OrgWorld, n: number, secrets: Set<string>) {
  const email = `scratch-${n}@${org.prefix}.example`;
  const created = await must(base, org.admin, "POST", {
    path: `/api/v1/organizations/${org.orgId}/members`,
    body: { email, role: "member" },
  });
  if (org.orgId === B) for (const s of [email, created.id]) secrets.add(s);
  return { userId: created.id as string };
}

async function throwawayMonitor(base: string, org: OrgWorld, ids: Ids, n: number, secrets: Set<string>) {
  // In the project the case names, or (a leaf of B in A's project) in B's own project.
  const projectId = org.orgId === ids.orgId ? ids.projectId : org.first.projectId;
  const created = await must(base, org.admin, "POST", {
    path: `/api/v1/projects/${projectId}/monitors`,
    body: { name: `scratch ${n}`, analyzer: { type: "missing_data" } },
  });
  if (org.orgId === B) secrets.add(created.id);
  return { monitorId: created.id as string };
}

async function throwawayChannel(base: string, org: OrgWorld, n: number, secrets: Set<string>) {
  const created = await must(base, org.admin, "POST", {
    path: `/api/v1/organizations/${org.orgId}/channels`,
    body: { name: `scratch ${n}`, kind: "slack", config: { url: "http://127.0.0.1:9/slack" } },
  });
  if (org.orgId === B) secrets.add(created.id);
  return { channelId: created.id as string };
}

async function throwawayKey(base: string, org: OrgWorld, n: number, secrets: Set<string>) {
  const created = await must(base, org.admin, "POST", {
    path: `/api/v1/organizations/${org.orgId}/api-keys`,
    body: { name: `scratch ${n}`, scopes: ["read"] },
  });
  if (org.orgId === B) secrets.add(created.id);
  return { keyId: created.id as string };
}

/** Every operation with the least it needs; a route missing here fails the classification test. */
function operations(base: string, w: World): Record<string, Operation> {
  const probe = profileBytes({ probe_value: [1, 2, 3] }, T0 + 2 * HOUR);
  const project = (suffix: string, permission: Permission): Operation => ({
    requirement: permission,
    scope: "project",
    request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}${suffix}` }),
  });
  // The whylogs calls name an organization and a dataset (a project id); "mixed" is A's with B's dataset.
  const whylogs = (path: (datasetId: string) => string, body: unknown): Operation => ({
    requirement: "ingest",
    scope: "project",
    mixedLeaves: ["projectId"],
    leafBeforePermission: true,
    request: (ids) => ({
      path: `/v0/organizations/${ids.orgId}/${path(ids.projectId)}`,
      ...(body !== undefined ? { body } : {}),
    }),
  });
  // The server allows 10 sign-in attempts a minute per address, logins and setups together, and the set-up
  // spends 4: these ask only callers that reach the handler without a credential (anonymous), with a session
  // (to see the CSRF exemption), or that are refused before it (bad keys cost no attempt).
  const signInBudget = (p: Principal) =>
    !(p.kind === "anonymous" || p.kind === "invalid" || p.name === "session admin");
  return {
    "GET /healthz": { requirement: "public", scope: "none", request: () => ({ path: "/healthz" }) },
    "GET /readyz": { requirement: "public", scope: "none", request: () => ({ path: "/readyz" }) },
    "GET /openapi.json": { requirement: "public", scope: "none", request: () => ({ path: "/openapi.json" }) },
    "GET /metrics": { requirement: "read", scope: "none", request: () => ({ path: "/metrics" }) },
    "POST /api/v1/auth/login": {
      requirement: "public",
      scope: "none",
      csrfExempt: true,
      skip: signInBudget,
      request: () => ({ path: "/api/v1/auth/login", body: { email: w.viewerEmailOfA, password: PASSWORD } }),
    },
    "POST /api/v1/auth/setup": {
      requirement: "public",
      scope: "none",
      csrfExempt: true,
      skip: signInBudget,
      prepare: async ({ n }) => {
        const invited = await must(base, w.a.admin, "POST", {
          path: `/api/v1/organizations/${A}/members`,
          body: { email: `invited-${n}@alpha.example`, role: "viewer" },
        });
        return { token: new URL(invited.setupUrl).searchParams.get("token")! };
      },
      request: (ids) => ({ path: "/api/v1/auth/setup", body: { token: ids.token, password: PASSWORD } }),
    },
    "POST /api/v1/auth/logout": {
      requirement: "public",
      scope: "none",
      // Signing out ends the session every other case uses: the last test signs the sessions out.
      skip: (p) => p.kind === "session",
      request: () => ({ path: "/api/v1/auth/logout" }),
    },
    "GET /api/v1/auth/session": {
      requirement: "session-only",
      scope: "none",
      request: () => ({ path: "/api/v1/auth/session" }),
    },
    "GET /api/v1/organizations": {
      requirement: "authenticated",
      scope: "none",
      request: () => ({ path: "/api/v1/organizations" }),
    },
    "POST /api/v1/organizations": {
      requirement: "user-only",
      scope: "none",
      request: (_ids, n) => ({ path: "/api/v1/organizations", body: { name: `Scratch organization ${n}` } }),
    },
    "GET /api/v1/organizations/{orgId}/members": {
      requirement: "read",
      scope: "org",
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/members` }),
    },
    "POST /api/v1/organizations/{orgId}/members": {
      requirement: "admin",
      scope: "org",
      request: (ids, n) => ({
        path: `/api/v1/organizations/${ids.orgId}/members`,
        body: { email: `newcomer-${n}@example.com`, role: "viewer" },
      }),
    },
    "PATCH /api/v1/organizations/{orgId}/members/{userId}": {
      requirement: "admin",
      scope: "org",
      mixedLeaves: ["userId"],
      prepare: ({ org, n }) => throwawayMember(base, org, n, w.secretsOfB),
      request: (ids) => ({
        path: `/api/v1/organizations/${ids.orgId}/members/${ids.userId}`,
        body: { role: "viewer" },
      }),
    },
    "DELETE /api/v1/organizations/{orgId}/members/{userId}": {
      requirement: "admin",
      scope: "org",
      mixedLeaves: ["userId"],
      prepare: ({ org, n }) => throwawayMember(base, org, n, w.secretsOfB),
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/members/${ids.userId}` }),
    },
    "GET /api/v1/organizations/{orgId}/api-keys": {
      requirement: "admin",
      scope: "org",
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/api-keys` }),
    },
    "POST /api/v1/organizations/{orgId}/api-keys": {
      requirement: "admin",
      scope: "org",
      // A key of A bound to a project of B.
      mixedLeaves: ["projectId"],
      request: (ids, n) => ({
        path: `/api/v1/organizations/${ids.orgId}/api-keys`,
        body: { name: `probe ${n}`, scopes: ["read"], projectId: ids.projectId },
      }),
    },
    "DELETE /api/v1/organizations/{orgId}/api-keys/{keyId}": {
      requirement: "admin",
      scope: "org",
      mixedLeaves: ["keyId"],
      prepare: ({ org, n }) => throwawayKey(base, org, n, w.secretsOfB),
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/api-keys/${ids.keyId}` }),
    },
    "POST /api/v1/organizations/{orgId}/projects": {
      requirement: "write",
      scope: "org",
      request: (ids, n) => ({
        path: `/api/v1/organizations/${ids.orgId}/projects`,
        body: { name: `Probe project ${n}` },
      }),
    },
    "GET /api/v1/projects": {
      requirement: "authenticated",
      scope: "none",
      request: () => ({ path: "/api/v1/projects" }),
    },
    "GET /api/v1/projects/{projectId}": project("", "read"),
    "PATCH /api/v1/projects/{projectId}": {
      requirement: "write",
      scope: "project",
      prepare: ({ org, n }) => throwawayProject(base, org, n, w.secretsOfB),
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}`, body: { description: "patched" } }),
    },
    "DELETE /api/v1/projects/{projectId}": {
      requirement: "admin",
      scope: "project",
      prepare: ({ org, n }) => throwawayProject(base, org, n, w.secretsOfB),
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}` }),
    },
    "GET /api/v1/projects/{projectId}/buckets": project(`/buckets?${RANGE}`, "read"),
    "GET /api/v1/projects/{projectId}/columns": project("/columns", "read"),
    "GET /api/v1/projects/{projectId}/segments": project("/segments", "read"),
    "GET /api/v1/projects/{projectId}/events": project("/events", "read"),
    "GET /api/v1/projects/{projectId}/uploads": project("/uploads", "read"),
    "GET /api/v1/projects/{projectId}/references": project("/references", "read"),
    "GET /api/v1/projects/{projectId}/timeseries": project(`/timeseries?${RANGE}`, "read"),
    "GET /api/v1/projects/{projectId}/profile": project(`/profile?${RANGE}`, "read"),
    "GET /api/v1/projects/{projectId}/performance": project(`/performance?${RANGE}`, "read"),
    "GET /api/v1/projects/{projectId}/overview": project(`/overview?${RANGE}`, "read"),
    "GET /api/v1/projects/{projectId}/distribution": project(
      `/distribution?${RANGE}&column=alpha_age`,
      "read",
    ),
    "GET /api/v1/projects/{projectId}/drift": {
      requirement: "read",
      scope: "project",
      request: (ids) => ({
        path: `/api/v1/projects/${ids.projectId}/drift?${RANGE}&reference=${ids.referenceName}`,
      }),
    },
    "GET /api/v1/projects/{projectId}/uploads/{uploadId}/profile": {
      requirement: "read",
      scope: "project",
      mixedLeaves: ["uploadId"],
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/uploads/${ids.uploadId}/profile` }),
    },
    "POST /api/v1/projects/{projectId}/profiles": {
      requirement: "ingest",
      scope: "project",
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/profiles`, bytes: probe }),
    },
    "PUT /api/v1/projects/{projectId}/references/{name}": {
      requirement: "ingest",
      scope: "project",
      // A new name per case, so the baseline the drift cases compare with stays as it is.
      request: (ids, n) => ({
        path: `/api/v1/projects/${ids.projectId}/references/probe-${n}`,
        bytes: probe,
      }),
    },
    "GET /api/v1/projects/{projectId}/references/{name}/profile": {
      requirement: "read",
      scope: "project",
      request: (ids) => ({
        path: `/api/v1/projects/${ids.projectId}/references/${ids.referenceName}/profile`,
      }),
    },
    "DELETE /api/v1/projects/{projectId}/references/{name}": {
      requirement: "write",
      scope: "project",
      prepare: async ({ org, ids, n }) => {
        const name = `${org.prefix}-scratch-reference-${n}`;
        if (org.orgId === B) w.secretsOfB.add(name);
        await must(base, org.admin, "PUT", {
          path: `/api/v1/projects/${ids.projectId}/references/${name}`,
          bytes: probe,
        });
        return { referenceName: name };
      },
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/references/${ids.referenceName}` }),
    },
    "GET /api/v1/monitor-schema": {
      // The document's JSON Schema is documentation, as /openapi.json is.
      requirement: "public",
      scope: "none",
      request: () => ({ path: "/api/v1/monitor-schema" }),
    },
    "GET /api/v1/projects/{projectId}/monitors": project("/monitors", "read"),
    "POST /api/v1/projects/{projectId}/monitors": {
      requirement: "write",
      scope: "project",
      request: (ids, n) => ({
        path: `/api/v1/projects/${ids.projectId}/monitors`,
        body: { name: `probe ${n}`, analyzer: { type: "missing_data" } },
      }),
    },
    "GET /api/v1/projects/{projectId}/monitors/{monitorId}": {
      requirement: "read",
      scope: "project",
      mixedLeaves: ["monitorId"],
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/monitors/${ids.monitorId}` }),
    },
    "PUT /api/v1/projects/{projectId}/monitors/{monitorId}": {
      requirement: "write",
      scope: "project",
      mixedLeaves: ["monitorId"],
      request: (ids) => ({
        path: `/api/v1/projects/${ids.projectId}/monitors/${ids.monitorId}`,
        body: { name: "Any rows", analyzer: { type: "fixed", metric: "row_count", upper: 0 } },
      }),
    },
    "DELETE /api/v1/projects/{projectId}/monitors/{monitorId}": {
      requirement: "write",
      scope: "project",
      mixedLeaves: ["monitorId"],
      prepare: ({ org, ids, n }) => throwawayMonitor(base, org, ids, n, w.secretsOfB),
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/monitors/${ids.monitorId}` }),
    },
    "GET /api/v1/projects/{projectId}/monitors/{monitorId}/versions": {
      requirement: "read",
      scope: "project",
      mixedLeaves: ["monitorId"],
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/monitors/${ids.monitorId}/versions` }),
    },
    "POST /api/v1/projects/{projectId}/monitors/preview": {
      requirement: "read",
      scope: "project",
      request: (ids) => ({
        path: `/api/v1/projects/${ids.projectId}/monitors/preview`,
        body: { monitor: { name: "draft", analyzer: { type: "missing_data" } }, start: T0, end: T0 + HOUR },
      }),
    },
    "POST /api/v1/projects/{projectId}/monitors/run": {
      requirement: "write",
      scope: "project",
      // An empty range: nothing to run, so cases do not pile up work for the scheduler.
      request: (ids) => ({
        path: `/api/v1/projects/${ids.projectId}/monitors/run`,
        body: { start: T0 - 48 * HOUR, end: T0 - 24 * HOUR },
      }),
    },
    "GET /api/v1/projects/{projectId}/monitor-settings": project("/monitor-settings", "read"),
    "PUT /api/v1/projects/{projectId}/monitor-settings": {
      requirement: "write",
      scope: "project",
      request: (ids) => ({
        path: `/api/v1/projects/${ids.projectId}/monitor-settings`,
        body: { settle: "1m" },
      }),
    },
    "GET /api/v1/projects/{projectId}/evaluations": project("/evaluations", "read"),
    "GET /api/v1/projects/{projectId}/anomalies": project("/anomalies", "read"),
    "POST /api/v1/projects/{projectId}/anomalies/{anomalyId}/acknowledge": {
      requirement: "write",
      scope: "project",
      mixedLeaves: ["anomalyId"],
      request: (ids) => ({
        path: `/api/v1/projects/${ids.projectId}/anomalies/${ids.anomalyId}/acknowledge`,
      }),
    },
    "POST /api/v1/projects/{projectId}/anomalies/{anomalyId}/resolve": {
      requirement: "write",
      scope: "project",
      mixedLeaves: ["anomalyId"],
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/anomalies/${ids.anomalyId}/resolve` }),
    },
    "GET /api/v1/projects/{projectId}/monitor-runs": project("/monitor-runs", "read"),
    "GET /api/v1/project-health": {
      requirement: "read",
      scope: "none",
      request: () => ({ path: "/api/v1/project-health" }),
    },
    "GET /api/v1/organizations/{orgId}/anomalies": {
      requirement: "read",
      scope: "org",
      // A key bound to a project reads its own project's anomalies here instead of being refused like at other
      // organization routes; health.test.ts checks what it sees (that project only, 404 for B).
      skip: (p) => p.boundProject !== undefined,
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/anomalies` }),
    },
    "GET /api/v1/projects/{projectId}/segment-comparison": {
      requirement: "read",
      scope: "project",
      // A's projects get a segment to compare once (B's are left alone: every case there answers 404 anyway).
      prepare: async ({ org, ids }) => {
        if (org.orgId !== A) return {};
        const listed = await must(base, org.admin, "GET", {
          path: `/api/v1/projects/${ids.projectId}/segments`,
        });
        if (listed.segments.length === 0) {
          await must(base, org.admin, "POST", {
            path: `/api/v1/projects/${ids.projectId}/profiles?wait=true`,
            bytes: new DatasetProfile({ datasetTimestamp: T0 + 2 * HOUR })
              .track({ alpha_age: [5, 6] })
              .view()
              .withSegment([{ key: "tier", value: "gold" }])
              .serialize(),
          });
        }
        return {};
      },
      request: (ids) => ({ path: `/api/v1/projects/${ids.projectId}/segment-comparison?key=tier&${RANGE}` }),
    },
    "GET /api/v1/organizations/{orgId}/channels": {
      requirement: "read",
      scope: "org",
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/channels` }),
    },
    "POST /api/v1/organizations/{orgId}/channels": {
      requirement: "admin",
      scope: "org",
      request: (ids, n) => ({
        path: `/api/v1/organizations/${ids.orgId}/channels`,
        body: { name: `probe ${n}`, kind: "slack", config: { url: "http://127.0.0.1:9/slack" } },
      }),
    },
    "GET /api/v1/organizations/{orgId}/channels/{channelId}": {
      requirement: "read",
      scope: "org",
      mixedLeaves: ["channelId"],
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/channels/${ids.channelId}` }),
    },
    "PUT /api/v1/organizations/{orgId}/channels/{channelId}": {
      requirement: "admin",
      scope: "org",
      mixedLeaves: ["channelId"],
      request: (ids) => ({
        path: `/api/v1/organizations/${ids.orgId}/channels/${ids.channelId}`,
        body: {
          name: ids.orgId === B ? "bravo pager" : "alpha pager",
          config: { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123" },
        },
      }),
    },
    "DELETE /api/v1/organizations/{orgId}/channels/{channelId}": {
      requirement: "admin",
      scope: "org",
      mixedLeaves: ["channelId"],
      prepare: ({ org, n }) => throwawayChannel(base, org, n, w.secretsOfB),
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/channels/${ids.channelId}` }),
    },
    "POST /api/v1/organizations/{orgId}/channels/{channelId}/test": {
      requirement: "admin",
      scope: "org",
      mixedLeaves: ["channelId"],
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/channels/${ids.channelId}/test` }),
    },
    "GET /api/v1/organizations/{orgId}/channels/{channelId}/deliveries": {
      requirement: "read",
      scope: "org",
      mixedLeaves: ["channelId"],
      request: (ids) => ({ path: `/api/v1/organizations/${ids.orgId}/channels/${ids.channelId}/deliveries` }),
    },
    "POST /v1/log/async": {
      requirement: "ingest",
      scope: "project",
      request: (ids) => ({
        path: "/v1/log/async",
        headers: { "x-whylabs-resource": ids.projectId },
        body: { datasetTimestamp: T0 + 3 * HOUR },
      }),
    },
    "POST /v0/organizations/{orgId}/log/async/{datasetId}": whylogs((d) => `log/async/${d}`, {
      datasetTimestamp: T0 + 3 * HOUR,
    }),
    "POST /v0/organizations/{orgId}/log/reference/{datasetId}": whylogs((d) => `log/reference/${d}`, {
      alias: "probe",
    }),
    "POST /v0/organizations/{orgId}/log/observatory-link/{datasetId}": whylogs(
      (d) => `log/observatory-link/${d}`,
      undefined,
    ),
    "POST /v0/organizations/{orgId}/dataset-profiles/models/{datasetId}/reference-profile": whylogs(
      (d) => `dataset-profiles/models/${d}/reference-profile`,
      { segments: [] },
    ),
    "PUT /v0/uploads/{token}": {
      // The upload URL is the credential (like a presigned URL): whylogs PUTs to it without a key.
      requirement: "public",
      scope: "none",
      prepare: async () => {
        const granted = await must(base, w.a.admin, "POST", {
          path: `/v0/organizations/${A}/log/async/${w.a.first.projectId}`,
          body: { datasetTimestamp: T0 + 3 * HOUR },
        });
        return { token: new URL(granted.uploadUrl).pathname.split("/").at(-1)! };
      },
      request: (ids) => ({ path: `/v0/uploads/${ids.token}`, bytes: probe }),
    },
  };
}

interface Expected {
  readonly status: number | "2xx";
  readonly code?: string;
}
const ALLOWED: Expected = { status: "2xx" };
const UNAUTHENTICATED: Expected = { status: 401, code: "unauthenticated" };
const FORBIDDEN: Expected = { status: 403, code: "forbidden" };
const NOT_FOUND: Expected = { status: 404, code: "not-found" };

/** What A's own organization answers a caller, by the operation's requirement. */
function ownVerdict(p: Principal, op: Operation): Expected {
  switch (op.requirement) {
    case "public":
    case "authenticated":
      return ALLOWED;
    case "session-only":
      return p.kind === "session" ? ALLOWED : { status: 400, code: "bad-request" };
    case "user-only":
      return p.kind === "session" ? ALLOWED : FORBIDDEN;
    default: {
      // A key bound to a project acts on that project only: at the organization level it may only read.
      const bindingForbids = op.scope === "org" && p.boundProject !== undefined;
      return p.permissions.has(op.requirement) && !bindingForbids ? ALLOWED : FORBIDDEN;
    }
  }
}

/** Whether the request names something the caller may not see: B's, or, for a bound key, another project. */
function hidden(p: Principal, op: Operation, target: Target, ids: Ids): boolean {
  if (target === "foreign" || target === "mixed") return true;
  return op.scope === "project" && p.boundProject !== undefined && ids.projectId !== p.boundProject;
}

function expected(p: Principal, route: string, op: Operation, target: Target, ids: Ids): Expected {
  // Credentials are checked on every API path before any handler, so a bad key is refused even where none
  // is needed; health checks and the document read none.
  const readsCredentials = /^\/(api|v0|v1)\//.test(route.split(" ")[1]!);
  if (p.kind === "invalid" && (op.requirement !== "public" || readsCredentials)) return UNAUTHENTICATED;
  if (op.requirement === "public") return ALLOWED;
  if (p.kind === "anonymous") return UNAUTHENTICATED;
  if (target === "foreign") return NOT_FOUND;
  // Throwaway projects of destructive cases are "another project" to a bound key too.
  if (target !== "mixed" && hidden(p, op, target, ids)) return NOT_FOUND;
  const verdict = ownVerdict(p, op);
  if (target === "mixed")
    return op.leafBeforePermission === true || verdict === ALLOWED ? NOT_FOUND : verdict;
  return verdict;
}

function targetsOf(op: Operation): Target[] {
  if (op.scope === "none") return ["none"];
  return [
    "own",
    ...(op.scope === "project" ? (["own-other-project"] as const) : []),
    "foreign",
    ...(op.mixedLeaves !== undefined ? (["mixed"] as const) : []),
  ];
}

function idsFor(w: World, op: Operation, target: Target): Ids {
  switch (target) {
    case "none":
    case "own":
      return w.a.first;
    case "own-other-project":
      return w.a.second;
    case "foreign":
      return w.b.first;
    case "mixed":
      return { ...w.a.first, ...Object.fromEntries((op.mixedLeaves ?? []).map((k) => [k, w.b.first[k]])) };
  }
}

/** The same request with what it probes (B's things, or A's other project) replaced by ids of nothing. */
function twinOf(ids: Ids, target: Target, op: Operation, prepared: Partial<Ids>): Ids {
  if (target === "foreign") return MISSING;
  const probed: (keyof Ids)[] = [
    ...(target === "mixed" ? (op.mixedLeaves ?? []) : (["projectId", "uploadId"] as const)),
    ...(Object.keys(prepared) as (keyof Ids)[]),
  ];
  return { ...ids, ...Object.fromEntries(probed.map((k) => [k, MISSING[k]])) };
}

function errorOf(res: CallResult): Record<string, unknown> {
  const body = res.body as { error?: Record<string, unknown> } | undefined;
  return typeof body === "object" && body !== null && !(body instanceof Uint8Array) ? (body.error ?? {}) : {};
}

/** Status, code, fields and message of an error answer, with the ids the request named written as <field>. */
function shapeOf(res: CallResult, ids: Ids): string {
  const error = errorOf(res);
  let message = String(error["message"]);
  const named = Object.entries(ids)
    .filter(([, value]) => value !== "")
    .sort(([, x], [, y]) => y.length - x.length);
  for (const [field, value] of named) message = message.split(value).join(`<${field}>`);
  return `${res.status} ${String(error["code"])} {${Object.keys(error).sort().join(",")}} ${message}`;
}

function bodyText(res: CallResult): string {
  if (typeof res.body === "string") return res.body;
  if (res.body instanceof Uint8Array) return Buffer.from(res.body).toString("latin1");
  return JSON.stringify(res.body);
}

/** B's strings in an answer that the request did not itself name (an echoed id is no leak). */
function leakedSecrets(res: CallResult, spec: RequestSpec, secrets: ReadonlySet<string>): string[] {
  const text = bodyText(res);
  const asked = `${spec.path} ${JSON.stringify(spec.body ?? null)} ${JSON.stringify(spec.headers ?? {})}`;
  return [...secrets].filter((s) => text.includes(s) && !asked.includes(s));
}

function meets(res: CallResult, want: Expected): boolean {
  if (want.status === "2xx") return res.status >= 200 && res.status <= 299;
  return res.status === want.status && errorOf(res)["code"] === want.code;
}

async function documentedOperations(base: string): Promise<string[]> {
  const doc = await call<{ paths: Record<string, Record<string, unknown>> }>(base, "GET", "/openapi.json");
  return Object.entries(doc.body.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** Operations the document hides but a client still reaches. */
const UNDOCUMENTED = ["GET /openapi.json"];

describe.each(BACKENDS)("authorization on %s", (backend) => {
  let t: TestServer;
  let w: World;
  beforeAll(async () => {
    t = await startTestServer(backend, "authorization");
    w = await buildWorld(t.url);
  });
  afterAll(() => t?.close());

  const valid = () => w.principals.filter((p) => p.kind === "session" || p.kind === "key");
  const as =
    (p: Principal): Caller =>
    (method) =>
      p.headers(method, true);

  it("has an expectation for every operation of the OpenAPI document", async () => {
    const documented = await documentedOperations(t.url);
    const classified = Object.keys(operations(t.url, w));
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((route) => !classified.includes(route))).toEqual([]);
    expect(
      classified.filter((route) => !documented.includes(route) && !UNDOCUMENTED.includes(route)),
    ).toEqual([]);
  });

  it("lists only A's organizations and projects to A's callers", async () => {
    for (const p of valid()) {
      const orgs = await send(t.url, as(p), "GET", { path: "/api/v1/organizations" });
      expect(
        orgs.body.organizations.map((o: { id: string }) => o.id),
        p.name,
      ).toEqual([A]);
      const projects = await send(t.url, as(p), "GET", { path: "/api/v1/projects" });
      expect(projects.body.projects.map((x: { id: string }) => x.id).sort(), p.name).toEqual(
        p.boundProject !== undefined ? [p.boundProject] : [...w.projectsOfA].sort(),
      );
      const filtered = await send(t.url, as(p), "GET", { path: `/api/v1/projects?organization=${B}` });
      expect(filtered.body.projects, p.name).toEqual([]);
    }
    // The founder belongs to both: the lists above are filtered, not empty for want of B's projects.
    const both = await send(t.url, w.founder, "GET", { path: "/api/v1/projects" });
    expect(both.body.projects.map((x: { id: string }) => x.id)).toEqual(
      expect.arrayContaining([w.b.first.projectId, w.b.second.projectId, ...w.projectsOfA]),
    );
    // And the leak detector the matrix relies on does see B's data where it is.
    expect(leakedSecrets(both, { path: "/api/v1/projects" }, w.secretsOfB).length).toBeGreaterThan(3);
  });

  it("keeps a key bound to a project to that project", async () => {
    const bound: Caller = () => ({ "x-api-key": w.boundKey });
    const own = await send(t.url, bound, "GET", { path: `/api/v1/projects/${w.a.first.projectId}/columns` });
    expect(own.status).toBe(200);
    expect(own.body.columns.map((c: { name: string }) => c.name)).toEqual(["alpha_age"]);
    const sibling = await send(t.url, bound, "GET", { path: `/api/v1/projects/${w.a.second.projectId}` });
    const missing = await send(t.url, bound, "GET", { path: `/api/v1/projects/${MISSING.projectId}` });
    expect(sibling.status).toBe(404);
    expect(shapeOf(sibling, w.a.second)).toBe(shapeOf(missing, MISSING));
    const listed = await send(t.url, bound, "GET", { path: "/api/v1/projects" });
    expect(listed.body.projects.map((x: { id: string }) => x.id)).toEqual([w.a.first.projectId]);
    // Nothing at the organization level beyond reading: no keys, no projects, even with a broader scope asked.
    const key = await send(t.url, bound, "POST", {
      path: `/api/v1/organizations/${A}/api-keys`,
      body: { name: "escalation", scopes: ["admin"] },
    });
    expect(key.status).toBe(403);
  });

  it("requires the session's CSRF token on state-changing cookie requests, and only there", async () => {
    const sessions = [...w.sessions.entries()];
    for (const [role, session] of sessions) {
      const create = (headers: Record<string, string>) =>
        call(t.url, "POST", "/api/v1/organizations", { body: { name: `CSRF check ${role}` }, headers });
      const cookie = { cookie: `sightglass_session=${session.token}` };
      const without = await create(cookie);
      expect(without.status, role).toBe(403);
      expect(without.body.error.code, role).toBe("csrf");
      // Another session's token is no better than none.
      const otherToken = sessions.find(([other]) => other !== role)![1].csrfToken;
      const wrong = await create({ ...cookie, "x-csrf-token": otherToken });
      expect(wrong.status, role).toBe(403);
      expect(wrong.body.error.code, role).toBe("csrf");
      const right = await create({ ...cookie, "x-csrf-token": session.csrfToken });
      expect(right.status, role).toBe(201);
      const read = await call(t.url, "GET", "/api/v1/projects", { headers: cookie });
      expect(read.status, role).toBe(200);
    }
    // Also for raw-body uploads and deletes, which a cross-site form could send.
    const member = w.sessions.get("member")!;
    const cookie = { cookie: `sightglass_session=${member.token}` };
    const upload = await call(t.url, "POST", `/api/v1/projects/${w.a.first.projectId}/profiles`, {
      bytes: profileBytes({ alpha_age: [1] }, T0 + HOUR),
      headers: cookie,
    });
    expect(upload.status).toBe(403);
    expect(upload.body.error.code).toBe("csrf");
    const remove = await call(
      t.url,
      "DELETE",
      `/api/v1/projects/${w.a.first.projectId}/references/alpha-baseline`,
      {
        headers: cookie,
      },
    );
    expect(remove.status).toBe(403);
    expect(remove.body.error.code).toBe("csrf");
  });

  it("shows each caller only its own projects' series on /metrics", async () => {
    const projectLabels = (text: string) =>
      new Set([...text.matchAll(/project="([^"]*)"/g)].map((m) => m[1]!));
    // The founder sees both organizations: B's series exist, so their absence below is the filter's doing.
    const everything = await send(t.url, w.founder, "GET", { path: "/metrics" });
    expect(everything.status).toBe(200);
    expect([...projectLabels(bodyText(everything))]).toEqual(expect.arrayContaining([w.b.first.projectId]));
    for (const p of valid()) {
      const res = await send(t.url, as(p), "GET", { path: "/metrics" });
      if (!p.permissions.has("read")) {
        expect(res.status, p.name).toBe(403);
        continue;
      }
      expect(res.status, p.name).toBe(200);
      const seen = [...projectLabels(bodyText(res))].sort();
      expect(seen, p.name).toEqual(
        p.boundProject !== undefined ? [p.boundProject] : [...w.projectsOfA].sort(),
      );
    }
  });

  it("answers every operation × caller × organization as the permission model says, and leaks nothing of B", async () => {
    const table = operations(t.url, w);
    const routes = [...(await documentedOperations(t.url)), ...UNDOCUMENTED];
    const mismatches: string[] = [];
    let n = 0;
    for (const route of routes) {
      const op = table[route];
      if (op === undefined) {
        mismatches.push(`${route}: no expectation in the table`);
        continue;
      }
      const method = route.split(" ")[0]!;
      for (const principal of w.principals) {
        if (op.skip?.(principal) === true) continue;
        const caller: Caller = (m) => principal.headers(m, op.csrfExempt !== true);
        for (const target of targetsOf(op)) {
          n++;
          const base = idsFor(w, op, target);
          const leafOrg = target === "foreign" || target === "mixed" ? w.b : w.a;
          const prepared = op.prepare !== undefined ? await op.prepare({ org: leafOrg, ids: base, n }) : {};
          const ids = { ...base, ...prepared };
          const spec = op.request(ids, n);
          const res = await send(t.url, caller, method, spec);
          const want = expected(principal, route, op, target, ids);
          const label = `${principal.name}: ${method} ${spec.path} [${target}]`;
          if (!meets(res, want)) {
            const got = bodyText(res).slice(0, 160);
            mismatches.push(
              `${label} answered ${res.status} ${got}; expected ${want.status} ${want.code ?? ""}`,
            );
          }
          const leaked = leakedSecrets(res, spec, w.secretsOfB);
          if (leaked.length > 0) mismatches.push(`${label} shows B's ${leaked.join(", ")}`);
          if (!hidden(principal, op, target, ids) || want === UNAUTHENTICATED) continue;
          // A refusal must not depend on whether the thing exists: ask again for ids of nothing.
          const twinIds = twinOf(ids, target, op, prepared);
          const twin = await send(t.url, caller, method, op.request(twinIds, n));
          if (shapeOf(res, ids) !== shapeOf(twin, twinIds)) {
            mismatches.push(
              `${label} answered «${shapeOf(res, ids)}» but «${shapeOf(twin, twinIds)}» for nothing`,
            );
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("left B's resources exactly as they were", async () => {
    const projects = await send(t.url, w.founder, "GET", { path: `/api/v1/projects?organization=${B}` });
    const ids = projects.body.projects.map((p: { id: string }) => p.id);
    const scratch = [...w.secretsOfB].filter((s) => /^bravo-scratch-\d+$/.test(s));
    expect(ids).toEqual(expect.arrayContaining([w.b.first.projectId, w.b.second.projectId, ...scratch]));
    for (const p of projects.body.projects) expect(p.description).not.toBe("patched");
    const scratchReferences = [...w.secretsOfB].filter((s) => /^bravo-scratch-reference-\d+$/.test(s));
    for (const projectId of [w.b.first.projectId, w.b.second.projectId]) {
      const uploads = await send(t.url, w.founder, "GET", { path: `/api/v1/projects/${projectId}/uploads` });
      // One profile and one baseline upload each (and the set-up's throwaway references), none from a case.
      const fromCases = uploads.body.uploads.filter(
        (u: { referenceName: string | null }) => !scratchReferences.includes(u.referenceName ?? ""),
      );
      expect(fromCases).toHaveLength(2);
    }
    const references = await send(t.url, w.founder, "GET", {
      path: `/api/v1/projects/${w.b.first.projectId}/references`,
    });
    expect(references.body.references.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining([`bravo-baseline`, ...scratchReferences]),
    );
    const keys = await send(t.url, w.founder, "GET", { path: `/api/v1/organizations/${B}/api-keys` });
    for (const k of keys.body.keys) expect(k.revokedAt, k.id).toBeNull();
    const members = await send(t.url, w.founder, "GET", { path: `/api/v1/organizations/${B}/members` });
    const scratchMembers = members.body.members.filter((m: { email: string }) =>
      m.email.startsWith("scratch-"),
    );
    expect(scratchMembers.length).toBeGreaterThan(0);
    for (const m of scratchMembers) expect(m.role, m.email).toBe("member");
  });

  // Last: it ends the sessions the other tests use.
  it("signs a session out only with its CSRF token, and the cookie stops working", async () => {
    for (const [role, session] of w.sessions) {
      const cookie = { cookie: `sightglass_session=${session.token}` };
      const forged = await call(t.url, "POST", "/api/v1/auth/logout", { headers: cookie });
      expect(forged.status, role).toBe(403);
      expect(forged.body.error.code, role).toBe("csrf");
      const out = await call(t.url, "POST", "/api/v1/auth/logout", {
        headers: { ...cookie, "x-csrf-token": session.csrfToken },
      });
      expect(out.status, role).toBe(204);
      const after = await call(t.url, "GET", "/api/v1/auth/session", { headers: cookie });
      expect(after.status, role).toBe(401);
    }
  });
});
