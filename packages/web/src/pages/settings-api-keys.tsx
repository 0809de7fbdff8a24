// The organization's API keys: who can call the API from scripts and the whylogs writer. A key's secret exists
// only in the answer that created it, so creating and rotating show it once, with a copy button.
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { useParams, useSearchParams } from "react-router";
import { api, enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { Project } from "../api/types";
import { EmptyState, ErrorView, Load } from "../components/States";
import { formatAge, formatDate, formatTime } from "../lib/format";
import { AdminsOnly, ConfirmAction, FormError, OneTimeSecret, toError, useOrgRole } from "./settings-common";

type KeyScope = "ingest" | "read" | "admin";

/** GET /api/v1/organizations/{orgId}/api-keys — never the secrets. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly projectId: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** POST …/api-keys answers the key once, in `key` ("<id>.<secret>"). */
interface CreatedKey extends ApiKey {
  readonly key: string;
}

interface CreateKeyBody {
  name: string;
  scopes: KeyScope[];
  projectId?: string;
  expiresAt?: number;
}

const SCOPE_CHOICES: readonly { value: string; label: string; scopes: KeyScope[] }[] = [
  { value: "ingest", label: "ingest — upload profiles only", scopes: ["ingest"] },
  { value: "read", label: "read — read-only API access", scopes: ["read"] },
  { value: "ingest,read", label: "ingest + read", scopes: ["ingest", "read"] },
  { value: "admin", label: "admin — everything, including keys and members", scopes: ["admin"] },
];

const EXPIRY_CHOICES = [
  { value: "never", label: "Never" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In 1 year" },
  { value: "date", label: "On a date…" },
] as const;
type ExpiryChoice = (typeof EXPIRY_CHOICES)[number]["value"];

const DAY = 86_400_000;

/** Epoch ms of the end of a local calendar day ("2027-01-31"), so the key works through that whole day. */
function endOfLocalDay(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999).getTime();
}

function todayInput(offsetDays = 0): string {
  const d = new Date(Date.now() + offsetDays * DAY);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

type KeyStatus = "active" | "expired" | "revoked";

function statusOf(key: ApiKey, now: number): KeyStatus {
  if (key.revokedAt !== null) return "revoked";
  if (key.expiresAt !== null && key.expiresAt <= now) return "expired";
  return "active";
}

function CreateKeyForm({
  orgId,
  projects,
  onCreated,
}: {
  readonly orgId: string;
  readonly projects: readonly Project[] | null;
  readonly onCreated: (key: CreatedKey) => void;
}) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState("ingest");
  const [projectId, setProjectId] = useState("");
  const [expiry, setExpiry] = useState<ExpiryChoice>("never");
  const [date, setDate] = useState(() => todayInput(90));
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: CreateKeyBody = {
      name: name.trim(),
      scopes: SCOPE_CHOICES.find((c) => c.value === scope)?.scopes ?? ["ingest"],
    };
    if (projectId !== "") body.projectId = projectId;
    if (expiry === "date") {
      const at = endOfLocalDay(date);
      if (at === null || at <= Date.now()) {
        setError(new Error("Choose an expiry date in the future."));
        return;
      }
      body.expiresAt = at;
    } else if (expiry !== "never") {
      body.expiresAt = Date.now() + Number(expiry) * DAY;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<CreatedKey>(`/api/v1/organizations/${enc(orgId)}/api-keys`, body);
      setName("");
      onCreated(created);
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} aria-labelledby="new-key-title">
      <h2 id="new-key-title">New API key</h2>
      <div className="settings-fields">
        <label>
          Name
          <input
            name="name"
            required
            maxLength={200}
            value={name}
            placeholder="e.g. nightly-batch-uploader"
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Scope
          <select name="scope" value={scope} onChange={(e) => setScope(e.target.value)}>
            {SCOPE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Project
          <select
            name="project"
            value={projectId}
            disabled={projects === null}
            onChange={(e) => setProjectId(e.target.value)}
          >
            <option value="">Every project of the organization</option>
            {(projects ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.id})
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires
          <select name="expiry" value={expiry} onChange={(e) => setExpiry(e.target.value as ExpiryChoice)}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        {expiry === "date" ? (
          <label>
            Expiry date (valid through the end of that day)
            <input
              type="date"
              name="expiry-date"
              required
              min={todayInput(1)}
              value={date}
              onChange={(e) => setDate(e.target.value)}
            />
          </label>
        ) : null}
      </div>
      <div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create API key"}
        </button>
      </div>
      <FormError error={error} />
    </form>
  );
}

interface ShownSecret {
  readonly key: CreatedKey;
  /** Set when the key replaced another one (rotation). */
  readonly replaced?: ApiKey;
  /** Rotation created the new key but could not revoke the old one. */
  readonly revokeError?: Error;
}

function KeysTable({
  keys,
  projectName,
  onRevoke,
  onRotate,
}: {
  readonly keys: readonly ApiKey[];
  readonly projectName: (id: string) => string;
  readonly onRevoke: (key: ApiKey) => Promise<void>;
  readonly onRotate: (key: ApiKey) => Promise<void>;
}) {
  const now = Date.now();
  return (
    <table className="table settings-table">
      <caption className="visually-hidden">API keys of the organization</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Scopes</th>
          <th scope="col">Project</th>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">Last used</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => {
          const status = statusOf(k, now);
          const soon = status === "active" && k.expiresAt !== null && k.expiresAt - now < 7 * DAY;
          return (
            <tr
              key={k.id}
              data-key-id={k.id}
              className={status === "active" ? undefined : "settings-inactive"}
            >
              <td className="settings-name-cell">
                <span className="strong wrap-anywhere">{k.name}</span>
                <div className="muted small">
                  key starts with <code>{k.id}.</code>
                </div>
              </td>
              <td>
                {k.scopes.map((s) => (
                  <span key={s} className={`badge ${s === "admin" ? "badge-warning" : "badge-neutral"}`}>
                    {s}
                  </span>
                ))}
              </td>
              <td className="wrap-anywhere">
                {k.projectId === null ? (
                  <span className="muted">All projects</span>
                ) : (
                  projectName(k.projectId)
                )}
              </td>
              <td title={formatTime(k.createdAt)}>{formatDate(k.createdAt)}</td>
              <td className={soon ? "warn" : undefined} title={formatTime(k.expiresAt)}>
                {k.expiresAt === null ? <span className="muted">Never</span> : formatDate(k.expiresAt)}
                {soon ? " (soon)" : ""}
              </td>
              <td title={k.lastUsedAt === null ? undefined : formatTime(k.lastUsedAt)}>
                {formatAge(k.lastUsedAt, now)}
              </td>
              <td>
                {status === "active" ? (
                  <span className="badge badge-ok">Active</span>
                ) : status === "expired" ? (
                  <span className="badge badge-warning">Expired</span>
                ) : (
                  <span className="badge badge-revoked" title={formatTime(k.revokedAt)}>
                    Revoked {formatDate(k.revokedAt)}
                  </span>
                )}
              </td>
              <td className="settings-actions">
                {status === "revoked" ? null : (
                  <div className="actions-row">
                    <ConfirmAction
                      label="Rotate"
                      confirmLabel="Rotate key"
                      danger={false}
                      disabled={status === "expired"}
                      {...(status === "expired"
                        ? { title: "An expired key cannot be rotated: create a new key instead." }
                        : {})}
                      question={
                        <>
                          Rotate “{k.name}”? A new key with the same name, scopes, project and expiry is
                          created and its secret shown once; then the old key <code>{k.id}</code> is revoked
                          and every client still using it stops working at once.
                        </>
                      }
                      onConfirm={() => onRotate(k)}
                    />
                    <ConfirmAction
                      label="Revoke"
                      confirmLabel="Revoke key"
                      question={
                        <>
                          Revoke “{k.name}” (<code>{k.id}</code>)? Clients using it stop working at once. This
                          cannot be undone.
                        </>
                      }
                      onConfirm={() => onRevoke(k)}
                    />
                  </div>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function ApiKeysPage() {
  const { orgId = "" } = useParams();
  const role = useOrgRole(orgId);
  const isAdmin = role === "admin";
  const [params, setParams] = useSearchParams();
  // Mirrored in local state so the checkbox follows the click at once (URL updates run as a transition).
  const [showRevoked, setShowRevoked] = useState(() => params.get("revoked") === "show");
  // Listing keys is an admin action on the server: others are told so instead of shown a 403.
  const keys = useApi<{ keys: ApiKey[] }>(isAdmin ? `/api/v1/organizations/${enc(orgId)}/api-keys` : null);
  const projects = useApi<{ projects: Project[] }>(isAdmin ? "/api/v1/projects" : null, {
    organization: orgId,
  });
  const [shown, setShown] = useState<ShownSecret | null>(null);
  const projectList = projects.result.state === "ready" ? projects.result.data.projects : null;
  const names = useMemo(() => new Map((projectList ?? []).map((p) => [p.id, p.name])), [projectList]);
  const base = `/api/v1/organizations/${enc(orgId)}/api-keys`;

  async function revoke(key: ApiKey) {
    await api.delete(`${base}/${enc(key.id)}`);
    keys.reload();
  }

  async function rotate(key: ApiKey) {
    const body: CreateKeyBody = { name: key.name, scopes: key.scopes.filter(isScope) };
    if (key.projectId !== null) body.projectId = key.projectId;
    if (key.expiresAt !== null) body.expiresAt = key.expiresAt;
    const created = await api.post<CreatedKey>(base, body);
    // The new key exists from here on: show it even when revoking the old one fails.
    let revokeError: Error | undefined;
    try {
      await api.delete(`${base}/${enc(key.id)}`);
    } catch (e) {
      revokeError = toError(e);
    }
    setShown({ key: created, replaced: key, ...(revokeError !== undefined ? { revokeError } : {}) });
    keys.reload();
  }

  return (
    <section aria-labelledby="api-keys-title" className="settings-page">
      <div className="page-header">
        <h1 id="api-keys-title">API keys</h1>
      </div>
      <p className="muted settings-intro">
        Scripts, CI jobs and the whylogs writer call the API with a key in the <code>X-API-Key</code> header.
        An <em>ingest</em> key can only upload profiles; bind it to one project to limit what a leaked key can
        do.
      </p>
      {!isAdmin ? (
        <AdminsOnly role={role} what="API keys and see their list" />
      ) : (
        <>
          {shown !== null ? (
            <OneTimeSecret
              key={shown.key.id}
              title={
                shown.replaced !== undefined
                  ? `Replacement key for “${shown.key.name}”`
                  : `New API key “${shown.key.name}”`
              }
              value={shown.key.key}
              testId="new-key-secret"
              warning={
                <>
                  <strong>Copy this key now: it cannot be shown again.</strong> Sightglass keeps only a hash
                  of it; if it is lost, rotate the key.
                  {shown.replaced !== undefined && shown.revokeError === undefined ? (
                    <>
                      {" "}
                      The old key <code>{shown.replaced.id}</code> is revoked: update every client that used
                      it.
                    </>
                  ) : null}
                </>
              }
              dismissLabel="I have copied it"
              onDismiss={() => setShown(null)}
            >
              {shown.revokeError !== undefined && shown.replaced !== undefined ? (
                <p className="field-error" role="alert">
                  The new key was created, but revoking the old key <code>{shown.replaced.id}</code> failed:{" "}
                  {shown.revokeError.message} It still works — revoke it with its “Revoke” button.
                </p>
              ) : null}
            </OneTimeSecret>
          ) : null}
          <CreateKeyForm
            orgId={orgId}
            projects={projectList}
            onCreated={(key) => {
              setShown({ key });
              keys.reload();
            }}
          />
          {projects.result.state === "error" ? (
            <ErrorView error={projects.result.error} onRetry={projects.reload} />
          ) : null}
          <h2>Keys</h2>
          <Load result={keys.result} onRetry={keys.reload} what="Loading API keys">
            {({ keys: list }) => {
              const revokedCount = list.filter((k) => k.revokedAt !== null).length;
              const visible = showRevoked ? list : list.filter((k) => k.revokedAt === null);
              return (
                <>
                  {revokedCount > 0 ? (
                    <label className="settings-check">
                      <input
                        type="checkbox"
                        checked={showRevoked}
                        onChange={(e) => {
                          setShowRevoked(e.target.checked);
                          const next = new URLSearchParams(params);
                          if (e.target.checked) next.set("revoked", "show");
                          else next.delete("revoked");
                          setParams(next, { replace: true });
                        }}
                      />
                      Show revoked keys ({revokedCount})
                    </label>
                  ) : null}
                  {visible.length === 0 ? (
                    <EmptyState title={list.length === 0 ? "No API keys yet" : "No active API keys"}>
                      Create one above with “Create API key”, then pass it to <code>sightglass upload</code>{" "}
                      or the whylogs writer.
                    </EmptyState>
                  ) : (
                    <KeysTable
                      keys={visible}
                      projectName={(id) => names.get(id) ?? id}
                      onRevoke={revoke}
                      onRotate={rotate}
                    />
                  )}
                </>
              );
            }}
          </Load>
        </>
      )}
    </section>
  );
}

function isScope(s: string): s is KeyScope {
  return s === "ingest" || s === "read" || s === "admin";
}
