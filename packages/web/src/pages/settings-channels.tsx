// Where alerts go: the organization's notification channels (webhook, Slack, PagerDuty, email), a test send that
// says at once whether the destination accepted it, and each channel's delivery log. The server returns secrets
// masked; a masked value sent back unchanged keeps the stored secret, so the edit form round-trips it as is.
import { useState } from "react";
import type { FormEvent } from "react";
import { useParams, useSearchParams } from "react-router";
import { ApiError, api, enc } from "../api/client";
import { useApi } from "../api/hooks";
import { EmptyState, ErrorView, Load } from "../components/States";
import { formatAge, formatTime } from "../lib/format";
import { AdminsOnly, ConfirmAction, toError, useOrgRole } from "./settings-common";

export type ChannelKind = "webhook" | "slack" | "pagerduty" | "email";

/** GET /api/v1/organizations/{orgId}/channels — `config` holds the kind's settings, secrets masked. */
export interface Channel {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly kind: ChannelKind;
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface DeliveryAttempt {
  readonly attempt: number;
  readonly at: number;
  readonly durationMs: number;
  readonly ok: boolean;
  /** HTTP status, or the SMTP reply code for email. */
  readonly status: number | null;
  readonly error: string | null;
}

/** GET …/channels/{id}/deliveries — newest first. */
export interface Delivery {
  readonly id: string;
  readonly kind: "anomaly" | "resolved" | "digest" | "test";
  readonly event: string;
  readonly projectId: string | null;
  readonly anomalyIds: readonly string[];
  readonly state: "pending" | "sent" | "failed";
  readonly nextAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly sentAt: number | null;
  readonly attempts: readonly DeliveryAttempt[];
}

interface DeliveryPage {
  readonly deliveries: readonly Delivery[];
  readonly next: string | null;
}

/** POST …/channels/{id}/test */
interface TestResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
  readonly deliveryId: string;
}

const KINDS: readonly { value: ChannelKind; label: string }[] = [
  { value: "webhook", label: "Webhook" },
  { value: "slack", label: "Slack" },
  { value: "pagerduty", label: "PagerDuty" },
  { value: "email", label: "Email" },
];
const KIND_LABEL: Record<ChannelKind, string> = {
  webhook: "Webhook",
  slack: "Slack",
  pagerduty: "PagerDuty",
  email: "Email",
};
/** The server's minimum (alerts/channels.ts WEBHOOK_SECRET_MIN_LENGTH). */
const SECRET_MIN = 16;
const PAGE = 20;

function str(config: Readonly<Record<string, unknown>>, key: string): string {
  const value = config[key];
  return typeof value === "string" ? value : "";
}

function list(config: Readonly<Record<string, unknown>>, key: string): string[] {
  const value = config[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** 32 random bytes, base64url: a signing secret nobody has to invent. */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The host of an SMTP URL (never its credentials), for the summary line. */
function smtpHost(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return "a custom SMTP server";
  }
}

/** One line saying where a channel sends, as the server returned it (secrets already masked there). */
function TargetSummary({ channel }: { readonly channel: Channel }) {
  const c = channel.config;
  switch (channel.kind) {
    case "webhook": {
      const headers = c["headers"];
      const headerCount = typeof headers === "object" && headers !== null ? Object.keys(headers).length : 0;
      return (
        <dl className="channel-target">
          <dt>URL</dt>
          <dd className="wrap-anywhere">{str(c, "url")}</dd>
          <dt>Signing secret</dt>
          <dd>
            <code>{str(c, "secret")}</code>
          </dd>
          {headerCount > 0 ? (
            <>
              <dt>Extra headers</dt>
              <dd className="wrap-anywhere">{Object.keys(headers as object).join(", ")}</dd>
            </>
          ) : null}
        </dl>
      );
    }
    case "slack":
      return (
        <dl className="channel-target">
          <dt>Incoming webhook</dt>
          <dd className="wrap-anywhere">{str(c, "url")}</dd>
        </dl>
      );
    case "pagerduty":
      return (
        <dl className="channel-target">
          <dt>Routing key</dt>
          <dd>
            <code>{str(c, "routingKey")}</code>
          </dd>
          {str(c, "url") !== "" ? (
            <>
              <dt>Events API</dt>
              <dd className="wrap-anywhere">{str(c, "url")}</dd>
            </>
          ) : null}
        </dl>
      );
    case "email":
      return (
        <dl className="channel-target">
          <dt>Recipients</dt>
          <dd className="wrap-anywhere">{list(c, "to").join(", ")}</dd>
          <dt>Sent via</dt>
          <dd className="wrap-anywhere">
            {str(c, "smtpUrl") !== "" ? smtpHost(str(c, "smtpUrl")) : "the server’s SMTP setting"}
            {str(c, "from") !== "" ? ` · from ${str(c, "from")}` : ""}
          </dd>
        </dl>
      );
  }
}

type FieldName = "name" | "url" | "secret" | "routingKey" | "to" | "smtpUrl" | "from";

/** Which input a server error is about ("/config/to/2" → to). */
function fieldOf(error: Error | null): FieldName | null {
  const field = error instanceof ApiError ? error.body?.field : undefined;
  if (field === undefined) return null;
  const match = /^\/(?:config\/)?([A-Za-z]+)/.exec(field);
  const name = match?.[1];
  return name === "name" ||
    name === "url" ||
    name === "secret" ||
    name === "routingKey" ||
    name === "to" ||
    name === "smtpUrl" ||
    name === "from"
    ? name
    : null;
}

function ChannelForm({
  orgId,
  channel,
  onSaved,
  onCancel,
}: {
  readonly orgId: string;
  /** The channel being edited; absent when creating one. */
  readonly channel?: Channel;
  readonly onSaved: (channel: Channel) => void;
  readonly onCancel?: () => void;
}) {
  const initial = channel?.config ?? {};
  const editing = channel !== undefined;
  const [name, setName] = useState(channel?.name ?? "");
  const [kind, setKind] = useState<ChannelKind>(channel?.kind ?? "webhook");
  const [url, setUrl] = useState(str(initial, "url"));
  const [secret, setSecret] = useState(() => (editing ? str(initial, "secret") : randomSecret()));
  const [routingKey, setRoutingKey] = useState(str(initial, "routingKey"));
  const [to, setTo] = useState(list(initial, "to").join(", "));
  // The server masks the SMTP password inside a URL, so the mask arrives percent-encoded: show it as typed.
  const [smtpUrl, setSmtpUrl] = useState(str(initial, "smtpUrl").replace(/%E2%80%A2/gi, "•"));
  const [from, setFrom] = useState(str(initial, "from"));
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const idBase = channel?.id ?? "new";
  const bad = fieldOf(error);

  /** The settings to send: the edited fields over the stored ones, so settings this form has no input for
   * (webhook headers, a PagerDuty URL) survive an edit. */
  function config(): Record<string, unknown> {
    const keep: Record<string, unknown> = editing && channel.kind === kind ? { ...initial } : {};
    switch (kind) {
      case "webhook":
        return { ...keep, url: url.trim(), secret };
      case "slack":
        return { url: url.trim() };
      case "pagerduty":
        return { ...keep, routingKey: routingKey.trim() };
      case "email": {
        const next: Record<string, unknown> = {
          ...keep,
          to: to
            .split(/[\s,;]+/)
            .map((a) => a.trim())
            .filter((a) => a !== ""),
        };
        if (smtpUrl.trim() === "") delete next["smtpUrl"];
        else next["smtpUrl"] = smtpUrl.trim();
        if (from.trim() === "") delete next["from"];
        else next["from"] = from.trim();
        return next;
      }
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const base = `/api/v1/organizations/${enc(orgId)}/channels`;
      const saved = editing
        ? await api.put<Channel>(`${base}/${enc(channel.id)}`, { name: name.trim(), config: config() })
        : await api.post<Channel>(base, { name: name.trim(), kind, config: config() });
      if (!editing) {
        setName("");
        setUrl("");
        setSecret(randomSecret());
        setRoutingKey("");
        setTo("");
        setSmtpUrl("");
        setFrom("");
        setNotice(`Channel “${saved.name}” was created. Press “Send test” on it to check the destination.`);
      }
      onSaved(saved);
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  }

  /** Props of an input the server may point an error at. */
  const field = (which: FieldName) => ({
    id: `${idBase}-${which}`,
    "aria-invalid": bad === which ? true : undefined,
    "aria-describedby": `${idBase}-${which}-hint`,
  });
  const hint = (which: FieldName, text: string) => (
    <span id={`${idBase}-${which}-hint`} className={bad === which ? "field-error" : "muted small"}>
      {bad === which && error !== null ? error.message : text}
    </span>
  );

  return (
    <form
      className={editing ? "form channel-form" : "card form channel-form"}
      onSubmit={(e) => void submit(e)}
      aria-label={editing ? `Edit channel ${channel.name}` : undefined}
      aria-labelledby={editing ? undefined : "new-channel-title"}
    >
      {editing ? null : <h2 id="new-channel-title">New channel</h2>}
      <div className="settings-fields">
        <div className="settings-field">
          <label htmlFor={`${idBase}-name`}>Name</label>
          <input
            name="name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            {...field("name")}
          />
          {hint("name", "Unique in the organization; shown when choosing where a monitor sends alerts.")}
        </div>
        <div className="settings-field">
          <label htmlFor={`${idBase}-kind`}>Kind</label>
          <select
            id={`${idBase}-kind`}
            name="kind"
            value={kind}
            disabled={editing}
            onChange={(e) => setKind(e.target.value as ChannelKind)}
            aria-describedby={editing ? `${idBase}-kind-hint` : undefined}
          >
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
          {editing ? (
            <span id={`${idBase}-kind-hint`} className="muted small">
              A channel keeps its kind; create a new channel for another kind.
            </span>
          ) : null}
        </div>
      </div>
      {kind === "webhook" ? (
        <div className="settings-fields">
          <div className="settings-field settings-wide">
            <label htmlFor={`${idBase}-url`}>URL</label>
            <input
              type="url"
              name="url"
              required
              placeholder="https://example.com/sightglass-hook"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              {...field("url")}
            />
            {hint("url", "Receives a JSON POST per alert.")}
          </div>
          <div className="settings-field settings-wide">
            <label htmlFor={`${idBase}-secret`}>Signing secret</label>
            <span className="settings-inline">
              <input
                name="secret"
                required
                minLength={editing ? undefined : SECRET_MIN}
                maxLength={512}
                autoComplete="off"
                spellCheck={false}
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
                {...field("secret")}
              />
              <button type="button" onClick={() => setSecret(randomSecret())}>
                Generate new secret
              </button>
            </span>
            {hint(
              "secret",
              editing
                ? "Leave the masked value to keep the current secret, or enter a new one (at least 16 characters)."
                : "HMAC-SHA256 key of the X-Sightglass-Signature header (at least 16 characters). A random one " +
                    "is filled in: copy it into your receiver now — after saving it is shown masked.",
            )}
          </div>
        </div>
      ) : null}
      {kind === "slack" ? (
        <div className="settings-fields">
          <div className="settings-field settings-wide">
            <label htmlFor={`${idBase}-url`}>Slack incoming-webhook URL</label>
            <input
              type="url"
              name="url"
              required
              placeholder="https://hooks.slack.com/services/…"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              {...field("url")}
            />
            {hint(
              "url",
              editing
                ? "Shown masked (it is the channel's credential); leave it to keep the stored URL."
                : "Create an incoming webhook in Slack and paste its URL.",
            )}
          </div>
        </div>
      ) : null}
      {kind === "pagerduty" ? (
        <div className="settings-fields">
          <div className="settings-field settings-wide">
            <label htmlFor={`${idBase}-routingKey`}>Routing key</label>
            <input
              name="routingKey"
              required
              autoComplete="off"
              spellCheck={false}
              value={routingKey}
              onChange={(e) => setRoutingKey(e.target.value)}
              {...field("routingKey")}
            />
            {hint(
              "routingKey",
              editing
                ? "Leave the masked value to keep the current key."
                : "The integration key of an Events API v2 integration.",
            )}
          </div>
        </div>
      ) : null}
      {kind === "email" ? (
        <div className="settings-fields">
          <div className="settings-field settings-wide">
            <label htmlFor={`${idBase}-to`}>Recipients</label>
            <input
              name="to"
              required
              placeholder="oncall@example.com, ml-team@example.com"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              {...field("to")}
            />
            {hint("to", "Email addresses separated by commas (at most 50).")}
          </div>
          <div className="settings-field settings-wide">
            <label htmlFor={`${idBase}-smtpUrl`}>
              SMTP URL <span className="muted small">(optional)</span>
            </label>
            <input
              name="smtpUrl"
              autoComplete="off"
              spellCheck={false}
              placeholder="smtps://user:password@smtp.example.com:465"
              value={smtpUrl}
              onChange={(e) => setSmtpUrl(e.target.value)}
              {...field("smtpUrl")}
            />
            {hint(
              "smtpUrl",
              "smtp://[user:password@]host[:port] or smtps://…; empty uses the server's SMTP setting." +
                (editing ? " A masked password keeps the stored one." : ""),
            )}
          </div>
          <div className="settings-field">
            <label htmlFor={`${idBase}-from`}>
              From <span className="muted small">(optional)</span>
            </label>
            <input
              name="from"
              placeholder="Sightglass <alerts@example.com>"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              {...field("from")}
            />
            {hint("from", "An address or “Name <address>”.")}
          </div>
        </div>
      ) : null}
      <div className="settings-inline">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Saving…" : editing ? "Save channel" : "Create channel"}
        </button>
        {onCancel !== undefined ? (
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
      </div>
      {editing ? null : (
        <p role="status" className="settings-created">
          {notice}
        </p>
      )}
      {error !== null && bad === null ? <ErrorView error={error} /> : null}
      {error !== null && bad !== null ? (
        <p className="visually-hidden" role="alert">
          {error.message}
        </p>
      ) : null}
    </form>
  );
}

function statusCode(kind: ChannelKind, status: number | null): string {
  if (status === null) return "no response";
  return kind === "email" ? `SMTP ${status}` : `HTTP ${status}`;
}

function AttemptList({
  kind,
  attempts,
}: {
  readonly kind: ChannelKind;
  readonly attempts: readonly DeliveryAttempt[];
}) {
  if (attempts.length === 0) return <span className="muted">0</span>;
  return (
    <details className="attempts">
      <summary>
        {attempts.length} {attempts.length === 1 ? "attempt" : "attempts"}
      </summary>
      <ol>
        {attempts.map((a) => (
          <li key={a.attempt}>
            {formatTime(a.at)} · {a.ok ? "ok" : "failed"} · {statusCode(kind, a.status)} ·{" "}
            {Math.round(a.durationMs)} ms
            {a.error !== null ? (
              <div className="wrap-anywhere clamp-3" title={a.error}>
                {a.error}
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </details>
  );
}

const STATE_BADGE: Record<Delivery["state"], string> = {
  sent: "badge-ok",
  failed: "badge-error",
  pending: "badge-warning",
};

function Deliveries({ orgId, channel }: { readonly orgId: string; readonly channel: Channel }) {
  const path = `/api/v1/organizations/${enc(orgId)}/channels/${enc(channel.id)}/deliveries`;
  const first = useApi<DeliveryPage>(path, { limit: PAGE });
  const [older, setOlder] = useState<{ rows: Delivery[]; next: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error | null>(null);

  async function more(before: string) {
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.get<DeliveryPage>(path, { limit: PAGE, before });
      setOlder((prev) => ({ rows: [...(prev?.rows ?? []), ...page.deliveries], next: page.next }));
    } catch (e) {
      setMoreError(toError(e));
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <div className="deliveries" id={`deliveries-${channel.id}`}>
      <h4>Deliveries to {channel.name}</h4>
      <Load result={first.result} onRetry={first.reload} what="Loading deliveries">
        {(page) => {
          const rows = [...page.deliveries, ...(older?.rows ?? [])];
          const next = older !== null ? older.next : page.next;
          if (rows.length === 0)
            return (
              <EmptyState title="Nothing sent to this channel yet">
                Deliveries appear when a monitor that names this channel opens or resolves an anomaly, or when
                an admin presses “Send test”.
              </EmptyState>
            );
          return (
            <>
              <table className="table deliveries-table">
                <caption className="visually-hidden">Deliveries to {channel.name}, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Event</th>
                    <th scope="col">Status</th>
                    <th scope="col">Response</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((d) => (
                    <tr key={d.id}>
                      <td title={formatAge(d.createdAt)}>{formatTime(d.createdAt)}</td>
                      <td className="wrap-anywhere">
                        {d.event !== "" ? d.event : d.kind}
                        {d.projectId !== null ? <div className="muted small">{d.projectId}</div> : null}
                        {d.anomalyIds.length > 1 ? (
                          <div className="muted small">{d.anomalyIds.length} anomalies</div>
                        ) : null}
                      </td>
                      <td>
                        <span className={`badge ${STATE_BADGE[d.state]}`}>{d.state}</span>
                        {d.state === "pending" && d.nextAttemptAt !== null ? (
                          <div className="muted small">retry {formatTime(d.nextAttemptAt)}</div>
                        ) : null}
                      </td>
                      <td>{d.lastStatus === null ? "—" : statusCode(channel.kind, d.lastStatus)}</td>
                      <td>
                        <AttemptList kind={channel.kind} attempts={d.attempts} />
                      </td>
                      <td className="deliveries-error">
                        {d.lastError === null ? (
                          <span className="muted">—</span>
                        ) : (
                          <span className="wrap-anywhere clamp-3" title={d.lastError}>
                            {d.lastError}
                          </span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {next !== null ? (
                <button type="button" disabled={loadingMore} onClick={() => void more(next)}>
                  {loadingMore ? "Loading…" : "Show older deliveries"}
                </button>
              ) : null}
              {moreError !== null ? (
                <ErrorView error={moreError} onRetry={() => void more(next ?? "")} />
              ) : null}
            </>
          );
        }}
      </Load>
    </div>
  );
}

type TestState =
  | { readonly phase: "idle" }
  | { readonly phase: "sending" }
  | { readonly phase: "done"; readonly result: TestResult; readonly delivery: Delivery | null }
  | { readonly phase: "error"; readonly error: Error };

function TestOutcome({ kind, state }: { readonly kind: ChannelKind; readonly state: TestState }) {
  switch (state.phase) {
    case "idle":
      return null;
    case "sending":
      return <>Sending a test message…</>;
    case "error":
      return <span className="field-error">The test could not be sent: {state.error.message}</span>;
    case "done": {
      const { result, delivery } = state;
      const attempts = delivery?.attempts.length ?? 1;
      const duration = delivery?.attempts.at(-1)?.durationMs;
      return (
        <span className={result.ok ? "test-ok" : "field-error"}>
          <strong>{result.ok ? "Test delivered" : "Test failed"}</strong>: {statusCode(kind, result.status)} ·{" "}
          {attempts} {attempts === 1 ? "attempt" : "attempts"}
          {duration !== undefined ? ` · ${Math.round(duration)} ms` : ""}
          {result.error !== null ? (
            <>
              {" "}
              — <span className="wrap-anywhere">{result.error}</span>
            </>
          ) : null}
        </span>
      );
    }
  }
}

function ChannelCard({
  orgId,
  channel,
  isAdmin,
  expanded,
  onToggleDeliveries,
  onChanged,
}: {
  readonly orgId: string;
  readonly channel: Channel;
  readonly isAdmin: boolean;
  readonly expanded: boolean;
  readonly onToggleDeliveries: () => void;
  readonly onChanged: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [test, setTest] = useState<TestState>({ phase: "idle" });
  // Bumped after a test so an open delivery log shows the new delivery.
  const [logVersion, setLogVersion] = useState(0);
  const base = `/api/v1/organizations/${enc(orgId)}/channels/${enc(channel.id)}`;
  const titleId = `channel-${channel.id}-title`;

  async function sendTest() {
    setTest({ phase: "sending" });
    try {
      const result = await api.post<TestResult>(`${base}/test`);
      // The test answer has no attempt details; the delivery log has them.
      let delivery: Delivery | null = null;
      try {
        const page = await api.get<DeliveryPage>(`${base}/deliveries`, { limit: 10 });
        delivery = page.deliveries.find((d) => d.id === result.deliveryId) ?? null;
      } catch {
        delivery = null;
      }
      setTest({ phase: "done", result, delivery });
      setLogVersion((v) => v + 1);
    } catch (e) {
      setTest({ phase: "error", error: toError(e) });
    }
  }

  return (
    <section className="card channel" aria-labelledby={titleId} data-channel-id={channel.id}>
      <div className="channel-head">
        <h3 id={titleId} className="wrap-anywhere">
          {channel.name}
        </h3>
        <span className="badge badge-neutral">{KIND_LABEL[channel.kind]}</span>
        <span className="muted small">
          id <code>{channel.id}</code> (for <code>notify.channels</code> in monitor files) · updated{" "}
          <span title={formatTime(channel.updatedAt)}>{formatAge(channel.updatedAt)}</span>
        </span>
      </div>
      {editing ? (
        <ChannelForm
          orgId={orgId}
          channel={channel}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          <TargetSummary channel={channel} />
          <div className="actions-row channel-actions">
            {isAdmin ? (
              <>
                <button type="button" disabled={test.phase === "sending"} onClick={() => void sendTest()}>
                  Send test
                </button>
                <button type="button" onClick={() => setEditing(true)}>
                  Edit
                </button>
              </>
            ) : null}
            <button
              type="button"
              aria-expanded={expanded}
              aria-controls={`deliveries-${channel.id}`}
              onClick={onToggleDeliveries}
            >
              {expanded ? "Hide deliveries" : "Deliveries"}
            </button>
            {isAdmin ? (
              <ConfirmAction
                label="Delete"
                confirmLabel="Delete channel"
                question={
                  <>
                    Delete “{channel.name}” and its delivery log? Monitors that send to it skip it from then
                    on.
                  </>
                }
                onConfirm={async () => {
                  await api.delete(base);
                  onChanged();
                }}
              />
            ) : null}
          </div>
        </>
      )}
      <p className="test-outcome" role="status" aria-live="polite" data-testid="channel-test-result">
        <TestOutcome kind={channel.kind} state={test} />
      </p>
      {expanded ? <Deliveries key={logVersion} orgId={orgId} channel={channel} /> : null}
    </section>
  );
}

export function ChannelsPage() {
  const { orgId = "" } = useParams();
  const role = useOrgRole(orgId);
  const isAdmin = role === "admin";
  const [params, setParams] = useSearchParams();
  const open = new Set(params.getAll("deliveries"));
  const channels = useApi<{ channels: Channel[] }>(`/api/v1/organizations/${enc(orgId)}/channels`);

  function toggle(id: string) {
    const next = new URLSearchParams(params);
    next.delete("deliveries");
    for (const other of open) if (other !== id) next.append("deliveries", other);
    if (!open.has(id)) next.append("deliveries", id);
    setParams(next, { replace: true });
  }

  return (
    <section aria-labelledby="channels-title" className="settings-page">
      <div className="page-header">
        <h1 id="channels-title">Notification channels</h1>
      </div>
      <p className="muted settings-intro">
        Monitors send their alerts to channels: a signed webhook, a Slack incoming webhook, a PagerDuty
        service or email. Failed deliveries are retried with back-off; every attempt is in the channel’s
        delivery log.
      </p>
      {isAdmin ? (
        <ChannelForm orgId={orgId} onSaved={channels.reload} />
      ) : (
        <AdminsOnly role={role} what="notification channels" />
      )}
      <h2>Channels</h2>
      <Load result={channels.result} onRetry={channels.reload} what="Loading channels">
        {({ channels: rows }) =>
          rows.length === 0 ? (
            <EmptyState title="No channels yet">
              {isAdmin
                ? "Create one with the form above, press “Send test”, then name it in a monitor’s notification settings."
                : "An admin of this organization creates them; monitors then send their alerts there."}
            </EmptyState>
          ) : (
            <ul className="channel-list">
              {rows.map((channel) => (
                <li key={channel.id}>
                  <ChannelCard
                    orgId={orgId}
                    channel={channel}
                    isAdmin={isAdmin}
                    expanded={open.has(channel.id)}
                    onToggleDeliveries={() => toggle(channel.id)}
                    onChanged={channels.reload}
                  />
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </section>
  );
}
