// A project's monitors: the list (enable, delete, re-run over a window) and the editor that builds the monitor
// document (docs/MONITORS.md) with a form or as YAML/JSON text, previews it over past data without storing
// anything, and shows the server's validation problems next to the fields they concern.
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { api, enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { Project, Severity } from "../api/types";
import { sharedParams, useProject } from "../components/Layout";
import { TimeRangePicker } from "../components/Pickers";
import { EmptyState, ErrorView, Load, Loading } from "../components/States";
import { formatAge, formatCount, formatRange, formatTime } from "../lib/format";
import { windowOf } from "../lib/time";
import { useSession } from "../session";
import {
  ANALYZER_LABELS,
  ANALYZER_TYPES,
  EMPTY_FORM,
  NOTIFY_MODES,
  SEVERITIES,
  TARGET_GROUPS,
  describeAnalyzer,
  describeBaseline,
  describeSegments,
  describeTargets,
  documentToForm,
  documentToText,
  fieldId,
  formToDocument,
  isDatasetLevel,
  issueKey,
  issuesOf,
  loadYaml,
  parseText,
  sendText,
  usesMetric,
  visibleKeys,
} from "./monitor-doc";
import type {
  AnalyzerType,
  Channel,
  Issue,
  MonitorForm,
  MonitorRow,
  MonitorVersion,
  NotifyMode,
  PreviewResult,
  TextFormat,
} from "./monitor-doc";
import {
  AnalyzerFields,
  BaselineFields,
  Field,
  FieldErrors,
  ListInput,
  analyzerHint,
  fieldAttrs,
} from "./monitor-fields";
import { PreviewView } from "./monitor-preview";
import "./MonitorsPage.css";

const NOTIFY_MODE_LABELS: Record<NotifyMode, string> = {
  immediate: "Immediately",
  "digest-hourly": "Hourly digest",
  "digest-daily": "Daily digest",
};

const SEVERITY_LABELS: Record<Severity, string> = {
  critical: "Critical",
  error: "Error",
  warning: "Warning",
  info: "Info",
};

function useCanWrite(project: Project): boolean {
  const { organization } = useSession();
  const role = organization(project.organizationId)?.role;
  return role !== "viewer";
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

// ---------------------------------------------------------------------------------------------------------------
// The list

interface SavedNotice {
  readonly saved?: { readonly name: string; readonly version: number; readonly created: boolean };
}

function RerunPanel({ projectId, canWrite }: { readonly projectId: string; readonly canWrite: boolean }) {
  const [params] = useSearchParams();
  const window = windowOf(params);
  const [notify, setNotify] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ buckets: number; start: number; end: number } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  async function run() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const answer = await api.post<{ buckets: number }>(`/api/v1/projects/${enc(projectId)}/monitors/run`, {
        start: new Date(window.start).toISOString(),
        end: new Date(window.end).toISOString(),
        ...(notify ? { notify: true } : {}),
      });
      setResult({ buckets: answer.buckets, start: window.start, end: window.end });
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card mon-rerun" aria-labelledby="rerun-title">
      <h3 id="rerun-title">Re-run monitors</h3>
      <p className="muted small">
        Evaluates every enabled monitor again on the buckets of the selected window that have data (after
        editing a monitor, say), recording new evaluations and incidents. Window:{" "}
        {formatRange(window.start, window.end)}.
      </p>
      <div className="toolbar">
        <TimeRangePicker />
        <label className="mon-check">
          <input type="checkbox" checked={notify} onChange={(e) => setNotify(e.target.checked)} /> Send alerts
          for what it finds
        </label>
        <button type="button" onClick={() => void run()} disabled={busy || !canWrite}>
          {busy ? "Queueing…" : "Re-run monitors"}
        </button>
      </div>
      <div aria-live="polite" data-testid="rerun-result">
        {result !== null ? (
          <p className="mon-notice">
            Queued {formatCount(result.buckets)} bucket{result.buckets === 1 ? "" : "s"} of{" "}
            {formatRange(result.start, result.end)} for re-evaluation
            {result.buckets === 0 ? " (no bucket of this window has data)" : ""}. New anomalies appear under{" "}
            <Link to={`/projects/${enc(projectId)}/anomalies`}>Anomalies</Link> as the buckets are evaluated.
          </p>
        ) : null}
      </div>
      {error !== null ? <ErrorView error={error} /> : null}
    </section>
  );
}

function MonitorTableRow({
  monitor,
  project,
  channels,
  openAnomalies,
  canWrite,
  onChanged,
}: {
  readonly monitor: MonitorRow;
  readonly project: Project;
  readonly channels: ReadonlyMap<string, Channel> | null;
  readonly openAnomalies: number | null;
  readonly canWrite: boolean;
  readonly onChanged: () => void;
}) {
  const [params] = useSearchParams();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  // The toggle shows the new state at once; the row's version changes when the reloaded list arrives.
  const [pending, setPending] = useState<{ enabled: boolean; version: number } | null>(null);
  const enabled = pending !== null && pending.version === monitor.version ? pending.enabled : monitor.enabled;
  const [error, setError] = useState<Error | null>(null);
  const path = `/api/v1/projects/${enc(project.id)}/monitors/${enc(monitor.id)}`;
  const config = monitor.config;
  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      onChanged();
    } catch (e) {
      setPending(null);
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <tr
      data-testid="monitor-row"
      data-monitor-id={monitor.id}
      className={enabled ? undefined : "mon-disabled-row"}
    >
      <td className="monitor-name">
        <Link
          to={`/projects/${enc(project.id)}/monitors/${enc(monitor.id)}${sharedParams(params)}`}
          className="strong wrap-anywhere"
        >
          {monitor.name}
        </Link>
        {config.description !== "" ? (
          <div className="muted small truncate" title={config.description}>
            {config.description}
          </div>
        ) : null}
        {error !== null ? <ErrorView error={error} /> : null}
      </td>
      <td>
        <code>{config.analyzer.type}</code>
        <div className="muted small wrap-anywhere">{describeAnalyzer(config.analyzer)}</div>
      </td>
      <td className="wrap-anywhere mon-targets">
        {describeTargets(config)}
        <div className="muted small">{describeSegments(config.segments)}</div>
      </td>
      <td className="mon-baseline">{describeBaseline(config, formatRange)}</td>
      <td>
        <span className={`badge badge-${config.severity}`}>{config.severity}</span>
      </td>
      <td>
        <label className="mon-switch">
          <input
            type="checkbox"
            checked={enabled}
            disabled={busy || !canWrite}
            aria-label={`Enabled: ${monitor.name}`}
            onChange={(e) => {
              const next = e.target.checked;
              setPending({ enabled: next, version: monitor.version });
              void act(() => api.put(path, { ...config, enabled: next }));
            }}
          />
          <span aria-hidden="true">{enabled ? "On" : "Off"}</span>
        </label>
      </td>
      <td className="wrap-anywhere mon-notify">
        {config.notify.channels.length === 0 ? (
          <span className="muted mon-nowrap">no one</span>
        ) : (
          <>
            {config.notify.channels.map((id) => channels?.get(id)?.name ?? id).join(", ")}
            <div className="muted small">{NOTIFY_MODE_LABELS[config.notify.mode]}</div>
          </>
        )}
      </td>
      <td className="num">
        <span title={`Last changed ${formatTime(monitor.updatedAt)}`}>v{monitor.version}</span>
      </td>
      <td className="num">
        {openAnomalies === null ? (
          "…"
        ) : openAnomalies === 0 ? (
          <span className="muted">0</span>
        ) : (
          <Link
            to={`/projects/${enc(project.id)}/anomalies?${new URLSearchParams({ monitor: monitor.id }).toString()}`}
            aria-label={`${openAnomalies} active anomalies of ${monitor.name}`}
          >
            {formatCount(openAnomalies)}
          </Link>
        )}
      </td>
      <td className="mon-row-actions">
        {!canWrite ? null : confirming ? (
          <span className="mon-confirm" role="group" aria-label={`Delete ${monitor.name}?`}>
            <span className="small">Delete with its history?</span>
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => void act(() => api.delete(path))}
              autoFocus
            >
              Confirm delete
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="danger"
            aria-label={`Delete ${monitor.name}`}
            onClick={() => setConfirming(true)}
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

export function MonitorsPage() {
  const { project } = useProject();
  const [params] = useSearchParams();
  const location = useLocation();
  const canWrite = useCanWrite(project);
  const base = `/api/v1/projects/${enc(project.id)}`;
  const monitors = useApi<{ monitors: MonitorRow[] }>(`${base}/monitors`);
  const anomalies = useApi<{ anomalies: { monitorId: string }[] }>(`${base}/anomalies`, {
    state: "active",
    limit: 1000,
  });
  const channels = useApi<{ channels: Channel[] }>(
    `/api/v1/organizations/${enc(project.organizationId)}/channels`,
  );
  const channelById = useMemo(
    () =>
      channels.result.state === "ready" ? new Map(channels.result.data.channels.map((c) => [c.id, c])) : null,
    [channels.result],
  );
  const openByMonitor = useMemo(() => {
    if (anomalies.result.state !== "ready") return null;
    const counts = new Map<string, number>();
    for (const a of anomalies.result.data.anomalies)
      counts.set(a.monitorId, (counts.get(a.monitorId) ?? 0) + 1);
    return counts;
  }, [anomalies.result]);
  const notice = (location.state as SavedNotice | null)?.saved;
  const reloadAll = () => {
    monitors.reload();
    anomalies.reload();
  };
  return (
    <section aria-labelledby="monitors-title" className="monitors-page">
      <div className="page-header">
        <h2 id="monitors-title">Monitors</h2>
        {canWrite ? (
          <Link
            className="button primary"
            to={`/projects/${enc(project.id)}/monitors/new${sharedParams(params)}`}
          >
            New monitor
          </Link>
        ) : null}
      </div>
      <div aria-live="polite">
        {notice !== undefined ? (
          <p className="mon-notice" data-testid="monitor-saved">
            {notice.created ? "Created" : "Saved"} monitor “
            <span className="wrap-anywhere">{notice.name}</span>” (version {notice.version}).
          </p>
        ) : null}
      </div>
      {anomalies.result.state === "error" ? (
        <ErrorView error={anomalies.result.error} onRetry={anomalies.reload} />
      ) : null}
      <Load result={monitors.result} onRetry={monitors.reload} what="Loading monitors">
        {({ monitors: list }) =>
          list.length === 0 ? (
            <EmptyState title="This project has no monitors">
              <p>
                Every new project starts with four default monitors: <strong>Input drift</strong> (drift of
                every input column against the previous 7 buckets, p &lt; 0.001),{" "}
                <strong>Missing data</strong> (a bucket closed without rows), <strong>Null ratio</strong> and{" "}
                <strong>Type mismatch</strong> (data-quality checks of every input). This project has none
                left.
              </p>
              <p>
                Create one with “New monitor”: pick what to measure, which columns and segments, what to
                compare with, and whom to notify. Preview shows what it would have found on past data before
                you save it.
              </p>
            </EmptyState>
          ) : (
            <div className="mon-scroll">
              <table className="table monitors-table">
                <caption className="visually-hidden">Monitors of {project.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Analyzer</th>
                    <th scope="col">Targets · segments</th>
                    <th scope="col">Baseline</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Enabled</th>
                    <th scope="col">Notify</th>
                    <th scope="col" className="num">
                      Version
                    </th>
                    <th scope="col" className="num">
                      Active anomalies
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((m) => (
                    <MonitorTableRow
                      key={m.id}
                      monitor={m}
                      project={project}
                      channels={channelById}
                      openAnomalies={openByMonitor === null ? null : (openByMonitor.get(m.id) ?? 0)}
                      canWrite={canWrite}
                      onChanged={reloadAll}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Load>
      <RerunPanel projectId={project.id} canWrite={canWrite} />
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The editor

const FIELD_LABELS: Record<string, string> = {
  "/name": "Name",
  "/description": "Description",
  "/enabled": "Enabled",
  "/analyzer": "Analyzer settings",
  "/analyzer/type": "Analyzer",
  "/analyzer/method": "Method",
  "/analyzer/threshold": "Threshold",
  "/analyzer/minCount": "Minimum count",
  "/analyzer/metric": "Metric",
  "/analyzer/lower": "Lower bound",
  "/analyzer/upper": "Upper bound",
  "/analyzer/factor": "Factor (σ)",
  "/analyzer/minBuckets": "Minimum baseline buckets",
  "/analyzer/direction": "Direction",
  "/analyzer/percent": "Percent",
  "/analyzer/minRows": "Minimum rows",
  "/analyzer/added": "Added columns",
  "/analyzer/removed": "Removed columns",
  "/analyzer/typeChanged": "Type changes",
  "/analyzer/checks": "Checks",
  "/analyzer/missingIncrease": "Missing-share increase",
  "/analyzer/significance": "Significance",
  "/analyzer/maxDrop": "Maximum drop",
  "/analyzer/minLabeled": "Minimum labeled rows",
  "/analyzer/confidence": "Confidence",
  "/targets": "Columns",
  "/targets/include": "Columns",
  "/targets/exclude": "Exclude columns",
  "/segments": "Segments",
  "/baseline": "Baseline",
  "/baseline/type": "Baseline",
  "/baseline/buckets": "Trailing buckets",
  "/baseline/name": "Reference profile",
  "/baseline/start": "Baseline start",
  "/baseline/end": "Baseline end",
  "/severity": "Severity",
  "/notify": "Notify",
  "/notify/channels": "Notify channels",
  "/notify/mode": "Notification mode",
};

/** Where the error summary moves focus for a field key (some keys are shown at a neighbouring input). */
function focusTargetId(key: string, form: MonitorForm): string {
  if (key === "/analyzer") {
    if (form.type === "fixed") return fieldId("/analyzer/lower");
    if (form.type === "schema_change") return fieldId("/analyzer/added");
    return fieldId("/analyzer/type");
  }
  if (key === "/targets") return fieldId("/targets/include");
  if (key === "/baseline") return fieldId("/baseline/type");
  if (key === "/notify") return fieldId("/notify/mode");
  if (key === "/analyzer/removed" || key === "/analyzer/typeChanged") return fieldId(key);
  return fieldId(key);
}

interface Drafts {
  readonly include: string;
  readonly exclude: string;
  readonly segments: string;
}
const NO_DRAFTS: Drafts = { include: "", exclude: "", segments: "" };

/** The form with the text still typed in the list inputs counted as entries. */
function withDrafts(form: MonitorForm, drafts: Drafts): MonitorForm {
  const add = (values: readonly string[], draft: string) =>
    draft.trim() === "" || values.includes(draft) ? values : [...values, draft];
  return {
    ...form,
    include: add(form.include, drafts.include),
    exclude: add(form.exclude, drafts.exclude),
    segments: add(form.segments, drafts.segments),
  };
}

type PreviewState =
  | { readonly state: "idle" }
  | { readonly state: "loading"; readonly start: number; readonly end: number }
  | { readonly state: "ready"; readonly data: PreviewResult; readonly start: number; readonly end: number }
  | { readonly state: "error"; readonly error: Error };

interface SegmentsAnswer {
  readonly segments: readonly {
    readonly key: string;
    readonly tags: readonly { key: string; value: string }[];
  }[];
}

export function MonitorEditPage() {
  const { project } = useProject();
  const { monitorId } = useParams();
  if (monitorId === undefined) return <MonitorEditor key="new" project={project} monitor={null} />;
  return <ExistingMonitor project={project} monitorId={monitorId} />;
}

function ExistingMonitor({ project, monitorId }: { readonly project: Project; readonly monitorId: string }) {
  const { result, reload } = useApi<MonitorRow>(
    `/api/v1/projects/${enc(project.id)}/monitors/${enc(monitorId)}`,
  );
  return (
    <Load result={result} onRetry={reload} what="Loading monitor">
      {(monitor) => (
        <MonitorEditor key={`${monitor.id}:${monitor.version}`} project={project} monitor={monitor} />
      )}
    </Load>
  );
}

function MonitorEditor({
  project,
  monitor,
}: {
  readonly project: Project;
  readonly monitor: MonitorRow | null;
}) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const canWrite = useCanWrite(project);
  const base = `/api/v1/projects/${enc(project.id)}`;
  const columns = useApi<{ columns: { name: string; inferredType: string }[] }>(`${base}/columns`);
  const segments = useApi<SegmentsAnswer>(`${base}/segments`);
  const references = useApi<{ references: { name: string }[] }>(`${base}/references`);
  const channels = useApi<{ channels: Channel[] }>(
    `/api/v1/organizations/${enc(project.organizationId)}/channels`,
  );

  const [form, setForm] = useState<MonitorForm>(() =>
    monitor === null ? EMPTY_FORM : documentToForm(monitor.config).form,
  );
  const [drafts, setDrafts] = useState<Drafts>(NO_DRAFTS);
  const [mode, setMode] = useState<"form" | "text">("form");
  const [format, setFormat] = useState<TextFormat>("yaml");
  const [text, setText] = useState("");
  const [textError, setTextError] = useState<string | null>(null);
  const [issues, setIssues] = useState<readonly Issue[]>([]);
  const [issueSource, setIssueSource] = useState<"client" | "server">("client");
  const [requestError, setRequestError] = useState<Error | null>(null);
  const [saving, setSaving] = useState(false);
  const [preview, setPreview] = useState<PreviewState>({ state: "idle" });

  const window = windowOf(params);
  const byKey = useMemo(() => {
    const map = new Map<string, Issue[]>();
    for (const issue of issues) {
      const key = issueKey(issue.path);
      map.set(key, [...(map.get(key) ?? []), issue]);
    }
    return map;
  }, [issues]);
  const shown = visibleKeys(form);
  const issuesAt = (key: string): readonly Issue[] => (mode === "form" ? (byKey.get(key) ?? []) : []);

  /** Changes fields and forgets the problems reported for them: they are being fixed. */
  function update(patch: Partial<MonitorForm>) {
    setForm((f) => ({ ...f, ...patch }));
    const keys = new Set(
      Object.keys(patch).map((k) => {
        const map: Record<string, string> = {
          type: "/analyzer/type",
          perfMetric: "/analyzer/metric",
          include: "/targets/include",
          exclude: "/targets/exclude",
          segments: "/segments",
          baselineType: "/baseline/type",
          buckets: "/baseline/buckets",
          reference: "/baseline/name",
          rangeStart: "/baseline/start",
          rangeEnd: "/baseline/end",
          channels: "/notify/channels",
          mode: "/notify/mode",
          name: "/name",
          description: "/description",
          enabled: "/enabled",
          severity: "/severity",
        };
        return map[k] ?? `/analyzer/${k}`;
      }),
    );
    if (keys.has("/analyzer/lower") || keys.has("/analyzer/upper") || keys.has("/analyzer/type"))
      keys.add("/analyzer");
    setIssues((list) => list.filter((i) => !keys.has(issueKey(i.path))));
  }

  /** The document to send: from the form (after the client-side checks) or parsed from the text. */
  async function currentDocument(): Promise<unknown | null> {
    setRequestError(null);
    setTextError(null);
    if (mode === "form") {
      const { document: doc, issues: found } = formToDocument(withDrafts(form, drafts));
      setIssueSource("client");
      setIssues(found);
      if (found.length > 0) {
        // Move focus to the summary so keyboard and screen-reader users hear what to fix.
        requestAnimationFrame(() => document.getElementById("monitor-issues")?.focus());
        return null;
      }
      return doc;
    }
    try {
      return parseText(text, format);
    } catch (e) {
      setTextError(toError(e).message);
      return null;
    }
  }

  function acceptServerError(e: unknown) {
    const found = issuesOf(e);
    setIssueSource("server");
    setIssues(found);
    setRequestError(found.length > 0 ? null : toError(e));
    if (found.length > 0) requestAnimationFrame(() => document.getElementById("monitor-issues")?.focus());
  }

  async function runPreview() {
    const doc = await currentDocument();
    if (doc === null) return;
    const { start, end } = window;
    setPreview({ state: "loading", start, end });
    try {
      const data = await api.post<PreviewResult>(`${base}/monitors/preview`, {
        monitor: doc,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
      });
      setIssues([]);
      setPreview({ state: "ready", data, start, end });
    } catch (e) {
      const found = issuesOf(e);
      if (found.length > 0) {
        acceptServerError(e);
        setPreview({ state: "idle" });
      } else setPreview({ state: "error", error: toError(e) });
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    let body: unknown;
    if (mode === "text" && format === "yaml") {
      setRequestError(null);
      setTextError(null);
      body = null;
    } else {
      body = await currentDocument();
      if (body === null) return;
    }
    setSaving(true);
    try {
      const path = monitor === null ? `${base}/monitors` : `${base}/monitors/${enc(monitor.id)}`;
      const method = monitor === null ? "POST" : "PUT";
      const saved =
        body === null
          ? await sendText<MonitorRow>(method, path, text, "yaml")
          : monitor === null
            ? await api.post<MonitorRow>(path, body)
            : await api.put<MonitorRow>(path, body);
      navigate(`/projects/${enc(project.id)}/monitors${sharedParams(params)}`, {
        state: {
          saved: { name: saved.name, version: saved.version, created: monitor === null },
        } satisfies SavedNotice,
      });
    } catch (e) {
      acceptServerError(e);
    } finally {
      setSaving(false);
    }
  }

  async function toText(nextFormat: TextFormat) {
    setTextError(null);
    try {
      if (mode === "form") {
        await loadYaml();
        setText(documentToText(formToDocument(withDrafts(form, drafts)).document, nextFormat));
        setDrafts(NO_DRAFTS);
        setMode("text");
      } else if (nextFormat !== format) {
        setText(documentToText(parseText(text, format), nextFormat));
      }
      setFormat(nextFormat);
    } catch (e) {
      setTextError(`${toError(e).message}. Fix it before switching to ${nextFormat.toUpperCase()}.`);
    }
  }

  function toForm() {
    setTextError(null);
    try {
      const { form: next, unsupported } = documentToForm(parseText(text, format));
      if (unsupported.length > 0) {
        setTextError(
          `The form cannot show ${unsupported.join(", ")}: fix or remove ${unsupported.length === 1 ? "it" : "them"}, or save the text as it is (the server reports what is wrong).`,
        );
        return;
      }
      setForm(next);
      setIssues([]);
      setMode("form");
    } catch (e) {
      setTextError(toError(e).message);
    }
  }

  const columnNames = columns.result.state === "ready" ? columns.result.data.columns.map((c) => c.name) : [];
  const segmentSuggestions = useMemo(() => {
    const list = ["overall", "*"];
    if (segments.result.state === "ready") {
      const keys = new Set<string>();
      for (const s of segments.result.data.segments) {
        if (s.key === "") continue;
        list.push(s.key);
        for (const t of s.tags) keys.add(t.key);
      }
      for (const k of keys) list.push(`${k}=*`);
    }
    return list;
  }, [segments.result]);
  const referenceNames =
    references.result.state === "ready"
      ? [...new Set(references.result.data.references.map((r) => r.name))]
      : [];
  const datasetLevel = isDatasetLevel(form.type, form.metric);
  const title = monitor === null ? "New monitor" : `Edit monitor “${monitor.name}”`;

  return (
    <section aria-labelledby="monitor-edit-title" className="monitor-editor">
      <nav aria-label="Monitor breadcrumb" className="breadcrumb">
        <Link to={`/projects/${enc(project.id)}/monitors${sharedParams(params)}`}>Monitors</Link> /{" "}
        <span aria-current="page">{monitor === null ? "New" : monitor.name}</span>
      </nav>
      <div className="page-header">
        <h2 id="monitor-edit-title" className="wrap-anywhere">
          {title}
          {monitor !== null ? <span className="muted small"> · version {monitor.version}</span> : null}
        </h2>
        <button type="button" onClick={() => (mode === "form" ? void toText(format) : toForm())}>
          {mode === "form" ? "Edit as YAML/JSON" : "Back to form"}
        </button>
      </div>

      <IssueSummary
        issues={issues}
        source={issueSource}
        shown={mode === "form" ? shown : new Set()}
        labelOf={(key) =>
          key === "/analyzer" && form.type === "fixed" ? "Lower / upper bound" : FIELD_LABELS[key]
        }
        onFocus={(key) => document.getElementById(focusTargetId(key, form))?.focus()}
      />
      {requestError !== null ? <ErrorView error={requestError} /> : null}

      <form className="form monitor-form" onSubmit={(e) => void save(e)} noValidate aria-label={title}>
        {mode === "text" ? (
          <fieldset className="card">
            <legend>Monitor document</legend>
            <div role="radiogroup" aria-label="Format" className="picker">
              {(["yaml", "json"] as const).map((f) => (
                <label key={f} className="mon-check">
                  <input
                    type="radio"
                    name="monitor-format"
                    checked={format === f}
                    onChange={() => void toText(f)}
                  />{" "}
                  {f.toUpperCase()}
                </label>
              ))}
            </div>
            <label htmlFor="monitor-text" className="visually-hidden">
              Monitor document ({format.toUpperCase()})
            </label>
            <textarea
              id="monitor-text"
              rows={24}
              spellCheck={false}
              value={text}
              aria-invalid={textError !== null ? true : undefined}
              aria-describedby="monitor-text-help"
              onChange={(e) => setText(e.target.value)}
            />
            <p id="monitor-text-help" className="muted small">
              The document format is described in docs/MONITORS.md; the JSON Schema is at{" "}
              <a href="/api/v1/monitor-schema" target="_blank" rel="noreferrer">
                /api/v1/monitor-schema
              </a>
              . Everything left out takes its default. Saved as{" "}
              {format === "yaml" ? "application/yaml" : "application/json"}.
            </p>
            {textError !== null ? (
              <p className="field-error wrap-anywhere" role="alert">
                {textError}
              </p>
            ) : null}
          </fieldset>
        ) : (
          <>
            <fieldset className="card">
              <legend>Monitor</legend>
              <div className="mon-grid">
                <Field fieldKey="/name" label="Name" issues={issuesAt("/name")}>
                  <input
                    {...fieldAttrs("/name", issuesAt("/name"))}
                    value={form.name}
                    maxLength={100}
                    required
                    onChange={(e) => update({ name: e.target.value })}
                  />
                </Field>
                <Field fieldKey="/severity" label="Severity" issues={issuesAt("/severity")}>
                  <select
                    {...fieldAttrs("/severity", issuesAt("/severity"))}
                    value={form.severity}
                    onChange={(e) => update({ severity: e.target.value as Severity })}
                  >
                    {SEVERITIES.map((s) => (
                      <option key={s} value={s}>
                        {SEVERITY_LABELS[s]}
                      </option>
                    ))}
                  </select>
                </Field>
                <div className="monitor-field">
                  <label className="mon-check" htmlFor={fieldId("/enabled")}>
                    <input
                      {...fieldAttrs("/enabled", issuesAt("/enabled"))}
                      type="checkbox"
                      checked={form.enabled}
                      onChange={(e) => update({ enabled: e.target.checked })}
                    />{" "}
                    Enabled
                  </label>
                  <span className="muted small">
                    A disabled monitor keeps its history but is not evaluated.
                  </span>
                  <FieldErrors fieldKey="/enabled" issues={issuesAt("/enabled")} />
                </div>
              </div>
              <Field fieldKey="/description" label="Description" issues={issuesAt("/description")}>
                <textarea
                  {...fieldAttrs("/description", issuesAt("/description"))}
                  className="mon-description"
                  rows={2}
                  maxLength={2000}
                  value={form.description}
                  onChange={(e) => update({ description: e.target.value })}
                />
              </Field>
            </fieldset>

            <fieldset className="card" id={fieldId("/analyzer-set")}>
              <legend>What to measure</legend>
              <Field
                fieldKey="/analyzer/type"
                label="Analyzer"
                issues={issuesAt("/analyzer/type")}
                hint={analyzerHint(form.type)}
              >
                <select
                  {...fieldAttrs("/analyzer/type", issuesAt("/analyzer/type"))}
                  value={form.type}
                  onChange={(e) => update({ type: e.target.value as AnalyzerType })}
                >
                  {ANALYZER_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {ANALYZER_LABELS[t]} ({t})
                    </option>
                  ))}
                </select>
              </Field>
              <AnalyzerFields form={form} update={update} issuesAt={issuesAt} />
            </fieldset>

            <fieldset className="card">
              <legend>Where</legend>
              {datasetLevel ? (
                <p className="muted small">
                  This analyzer{usesMetric(form.type) ? " with a dataset metric" : ""} judges the whole
                  dataset (one evaluation per segment): it has no target columns.
                </p>
              ) : (
                <div className="mon-grid">
                  <ListInput
                    fieldKey="/targets/include"
                    label="Columns"
                    values={form.include}
                    draft={drafts.include}
                    onDraft={(t) => setDrafts((d) => ({ ...d, include: t }))}
                    onChange={(v) => update({ include: v })}
                    suggestions={[...TARGET_GROUPS, ...columnNames]}
                    placeholder="income, income_*, group:numeric"
                    emptyText="All inputs (group:inputs)"
                    issues={[...issuesAt("/targets"), ...issuesAt("/targets/include")]}
                    hint="Column names, wildcards (* is any run of characters) or groups."
                  />
                  <ListInput
                    fieldKey="/targets/exclude"
                    label="Exclude columns"
                    values={form.exclude}
                    draft={drafts.exclude}
                    onDraft={(t) => setDrafts((d) => ({ ...d, exclude: t }))}
                    onChange={(v) => update({ exclude: v })}
                    suggestions={[...TARGET_GROUPS, ...columnNames]}
                    emptyText="None"
                    issues={issuesAt("/targets/exclude")}
                    hint="Wins over Columns."
                  />
                </div>
              )}
              <ListInput
                fieldKey="/segments"
                label="Segments"
                values={form.segments}
                draft={drafts.segments}
                onDraft={(t) => setDrafts((d) => ({ ...d, segments: t }))}
                onChange={(v) => update({ segments: v })}
                suggestions={segmentSuggestions}
                placeholder="overall, region=*, region=north"
                emptyText="The whole dataset (overall)"
                issues={issuesAt("/segments")}
                hint="“overall” is the whole dataset, “*” it and every segment, “region=*” every region."
              />
            </fieldset>

            {form.type === "missing_data" ? null : (
              <fieldset className="card">
                <legend>Compared with</legend>
                <BaselineFields
                  form={form}
                  update={update}
                  issuesAt={issuesAt}
                  referenceNames={referenceNames}
                  frequency={project.frequency}
                />
              </fieldset>
            )}

            <fieldset className="card">
              <legend>Who is told</legend>
              <div className="mon-grid">
                <fieldset
                  className="mon-plain"
                  aria-describedby={
                    issuesAt("/notify/channels").length > 0
                      ? `${fieldId("/notify/channels")}-errors`
                      : undefined
                  }
                >
                  <legend id={fieldId("/notify/channels")} tabIndex={-1}>
                    Notify channels
                  </legend>
                  <Load result={channels.result} onRetry={channels.reload} what="Loading channels">
                    {({ channels: list }) => {
                      const known = new Set(list.map((c) => c.id));
                      const unknown = form.channels.filter((id) => !known.has(id));
                      if (list.length === 0 && unknown.length === 0)
                        return (
                          <p className="muted small">
                            The organization has no notification channels yet: create one under{" "}
                            <Link to={`/orgs/${enc(project.organizationId)}/settings/channels`}>
                              Channels
                            </Link>
                            . Anomalies still show under Anomalies and Alerts.
                          </p>
                        );
                      return (
                        <ul className="mon-checks">
                          {list.map((c) => (
                            <li key={c.id}>
                              <label className="mon-check">
                                <input
                                  type="checkbox"
                                  value={c.id}
                                  checked={form.channels.includes(c.id)}
                                  onChange={(e) =>
                                    update({
                                      channels: e.target.checked
                                        ? [...form.channels, c.id]
                                        : form.channels.filter((id) => id !== c.id),
                                    })
                                  }
                                />{" "}
                                <span className="wrap-anywhere">{c.name}</span>{" "}
                                <span className="muted small">({c.kind})</span>
                              </label>
                            </li>
                          ))}
                          {unknown.map((id) => (
                            <li key={id}>
                              <label className="mon-check">
                                <input
                                  type="checkbox"
                                  checked
                                  onChange={() => update({ channels: form.channels.filter((x) => x !== id) })}
                                />{" "}
                                <code className="wrap-anywhere">{id}</code>{" "}
                                <span className="muted small">(not a channel of this organization)</span>
                              </label>
                            </li>
                          ))}
                        </ul>
                      );
                    }}
                  </Load>
                  <FieldErrors fieldKey="/notify/channels" issues={issuesAt("/notify/channels")} />
                </fieldset>
                <Field
                  fieldKey="/notify/mode"
                  label="Notification mode"
                  issues={[...issuesAt("/notify"), ...issuesAt("/notify/mode")]}
                >
                  <select
                    {...fieldAttrs("/notify/mode", issuesAt("/notify/mode"))}
                    value={form.mode}
                    onChange={(e) => update({ mode: e.target.value as NotifyMode })}
                  >
                    {NOTIFY_MODES.map((m) => (
                      <option key={m} value={m}>
                        {NOTIFY_MODE_LABELS[m]}
                      </option>
                    ))}
                  </select>
                </Field>
              </div>
            </fieldset>
          </>
        )}

        <div className="mon-actions-bar">
          <button type="button" onClick={() => void runPreview()} disabled={preview.state === "loading"}>
            Preview
          </button>
          <button type="submit" className="primary" disabled={saving || !canWrite}>
            {saving ? "Saving…" : "Save monitor"}
          </button>
          <Link to={`/projects/${enc(project.id)}/monitors${sharedParams(params)}`}>Cancel</Link>
          {!canWrite ? (
            <span className="muted small">Your role can preview but not save monitors.</span>
          ) : null}
        </div>
      </form>

      <section className="card" aria-labelledby="preview-title">
        <h3 id="preview-title">Preview</h3>
        <p className="muted small">
          Runs the document above over the past buckets of the window below (at most 750 buckets) and shows
          what it would have found. Nothing is stored and nobody is alerted.
        </p>
        <div className="toolbar">
          <TimeRangePicker />
          <span className="muted small">{formatRange(window.start, window.end)}</span>
        </div>
        <div aria-live="polite" aria-busy={preview.state === "loading"}>
          {preview.state === "idle" ? (
            <p className="muted">Press “Preview” to see what this monitor would have found in the window.</p>
          ) : preview.state === "loading" ? (
            <Loading what={`Evaluating ${formatRange(preview.start, preview.end)}`} />
          ) : preview.state === "error" ? (
            <ErrorView error={preview.error} onRetry={() => void runPreview()} />
          ) : (
            <PreviewView result={preview.data} start={preview.start} end={preview.end} />
          )}
        </div>
      </section>

      {monitor !== null ? (
        <VersionHistory
          project={project}
          monitor={monitor}
          onLoad={(config) => {
            setForm(documentToForm(config).form);
            setIssues([]);
            setMode("form");
            requestAnimationFrame(() => document.getElementById(fieldId("/name"))?.focus());
          }}
        />
      ) : null}
    </section>
  );
}

function IssueSummary({
  issues,
  source,
  shown,
  labelOf,
  onFocus,
}: {
  readonly issues: readonly Issue[];
  readonly source: "client" | "server";
  readonly shown: ReadonlySet<string>;
  readonly labelOf: (key: string) => string | undefined;
  readonly onFocus: (key: string) => void;
}) {
  if (issues.length === 0) return null;
  return (
    <div
      className="issue-summary"
      role="alert"
      id="monitor-issues"
      tabIndex={-1}
      data-testid="monitor-issues"
    >
      <strong>
        {source === "server"
          ? `The server refused the monitor: ${issues.length} problem${issues.length === 1 ? "" : "s"} to fix.`
          : `Fix ${issues.length} problem${issues.length === 1 ? "" : "s"} before sending the monitor.`}
      </strong>
      <ul>
        {issues.map((issue, i) => {
          const key = issueKey(issue.path);
          const label = labelOf(key);
          return (
            <li key={i} className="wrap-anywhere">
              {shown.has(key) && label !== undefined ? (
                <a
                  href={`#${fieldId(key)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    onFocus(key);
                  }}
                >
                  {label}
                </a>
              ) : (
                <code>{issue.path === "" ? "document" : issue.path}</code>
              )}{" "}
              {issue.message}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Versions

function VersionHistory({
  project,
  monitor,
  onLoad,
}: {
  readonly project: Project;
  readonly monitor: MonitorRow;
  readonly onLoad: (config: MonitorRow["config"]) => void;
}) {
  const { result, reload } = useApi<{ versions: MonitorVersion[] }>(
    `/api/v1/projects/${enc(project.id)}/monitors/${enc(monitor.id)}/versions`,
  );
  return (
    <section className="card" aria-labelledby="versions-title">
      <h3 id="versions-title">Version history</h3>
      <Load result={result} onRetry={reload} what="Loading versions">
        {({ versions }) =>
          versions.length === 0 ? (
            <EmptyState title="No versions recorded">Saving the monitor records a version.</EmptyState>
          ) : (
            <table className="table versions-table" data-testid="monitor-versions">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Version
                  </th>
                  <th scope="col">Saved</th>
                  <th scope="col">By</th>
                  <th scope="col">Document</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version}>
                    <td className="num">
                      v{v.version}
                      {v.version === monitor.version ? <span className="muted small"> (current)</span> : null}
                    </td>
                    <td title={formatTime(v.createdAt)}>{formatAge(v.createdAt)}</td>
                    <td className="wrap-anywhere">{v.createdBy ?? <span className="muted">—</span>}</td>
                    <td>
                      <details>
                        <summary>
                          {v.config.analyzer.type}: {describeAnalyzer(v.config.analyzer)}
                        </summary>
                        <pre className="doc-pre">{JSON.stringify(v.config, null, 2)}</pre>
                      </details>
                    </td>
                    <td>
                      {v.version !== monitor.version ? (
                        <button type="button" onClick={() => onLoad(v.config)}>
                          Load v{v.version} into the form
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
    </section>
  );
}
