// Anomalies (incidents) to act on: the organization's alert feed and one project's list, sharing one table with
// a deep link to the exact column (or overview) and window of each anomaly, and acknowledge / resolve actions.
import { useMemo, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { api, enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { FeedAnomaly, Project, Severity } from "../api/types";
import { useProject } from "../components/Layout";
import { EmptyState, ErrorView, Load } from "../components/States";
import { formatAge, formatNumber, formatRange, formatTime } from "../lib/format";
import { bucketMs, withParams } from "../lib/time";
import { useSession } from "../session";
import "./AlertsPage.css";

const PAGE = 50;
const SEVERITIES: readonly Severity[] = ["critical", "error", "warning", "info"];
const STATES = ["active", "open", "acknowledged", "resolved", "all"] as const;
type StateFilter = (typeof STATES)[number];
const STATE_LABELS: Record<StateFilter, string> = {
  active: "Active (open or acknowledged)",
  open: "Open",
  acknowledged: "Acknowledged",
  resolved: "Resolved",
  all: "All",
};
const PERFORMANCE_ANALYZERS = new Set(["performance_drop", "estimated_performance_drop"]);

type AnomalyState = FeedAnomaly["state"];

/** The state filter of the URL; absent means active, which is what someone on call looks at. */
function stateFilter(params: URLSearchParams): StateFilter {
  const s = params.get("state");
  return (STATES as readonly string[]).includes(s ?? "") ? (s as StateFilter) : "active";
}

function severityFilter(params: URLSearchParams): Severity | undefined {
  const s = params.get("severity");
  return (SEVERITIES as readonly string[]).includes(s ?? "") ? (s as Severity) : undefined;
}

/**
 * Where to look at an anomaly: its column's page (or, for dataset-level anomalies, the project overview) over
 * exactly the anomalous buckets, in its segment.
 */
export function anomalyHref(a: FeedAnomaly, page: "column" | "overview" | "performance" = "column"): string {
  const query = new URLSearchParams({
    start: new Date(a.firstBucket).toISOString(),
    end: new Date(a.windowEnd).toISOString(),
  });
  if (a.segment !== "") query.set("segment", a.segment);
  const project = `/projects/${enc(a.projectId)}`;
  if (page === "performance") return `${project}/performance?${query.toString()}`;
  if (page === "column" && a.column !== null)
    return `${project}/columns/${enc(a.column)}?${query.toString()}`;
  return `${project}?${query.toString()}`;
}

interface ActionAnswer {
  readonly state: AnomalyState;
  readonly resolvedAt: number | null;
}

function AnomalyActions({
  anomaly,
  onChanged,
}: {
  readonly anomaly: FeedAnomaly;
  readonly onChanged: (id: string, change: ActionAnswer) => void;
}) {
  const [busy, setBusy] = useState<"acknowledge" | "resolve" | null>(null);
  const [error, setError] = useState<Error | null>(null);
  async function act(action: "acknowledge" | "resolve") {
    setBusy(action);
    setError(null);
    try {
      const answer = await api.post<ActionAnswer>(
        `/api/v1/projects/${enc(anomaly.projectId)}/anomalies/${enc(anomaly.id)}/${action}`,
      );
      onChanged(anomaly.id, { state: answer.state, resolvedAt: answer.resolvedAt });
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(null);
    }
  }
  return (
    <>
      {anomaly.state === "open" ? (
        <button type="button" disabled={busy !== null} onClick={() => void act("acknowledge")}>
          {busy === "acknowledge" ? "Acknowledging…" : "Acknowledge"}
        </button>
      ) : null}
      {anomaly.state !== "resolved" ? (
        <button type="button" disabled={busy !== null} onClick={() => void act("resolve")}>
          {busy === "resolve" ? "Resolving…" : "Resolve"}
        </button>
      ) : null}
      {error !== null ? <ErrorView error={error} /> : null}
    </>
  );
}

/** The table both pages show: one row per anomaly, newest first. */
export function AnomalyTable({
  anomalies,
  showProject,
  canWrite,
  onChanged,
}: {
  readonly anomalies: readonly FeedAnomaly[];
  readonly showProject: boolean;
  readonly canWrite: (projectId: string) => boolean;
  readonly onChanged: (id: string, change: ActionAnswer) => void;
}) {
  return (
    <div className="mon-scroll">
      <table className="table anomaly-table" data-testid="anomaly-table">
        <caption className="visually-hidden">Anomalies, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Anomaly</th>
            {showProject ? <th scope="col">Project</th> : null}
            <th scope="col">Window</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {anomalies.map((a) => (
            <tr
              key={a.id}
              data-testid="anomaly-row"
              data-anomaly-id={a.id}
              className={a.state === "resolved" ? "resolved-row" : undefined}
            >
              <td>
                <span className={`badge badge-${a.severity}`}>{a.severity}</span>
              </td>
              <td className="anomaly-main">
                <div className="anomaly-summary wrap-anywhere">{a.summary}</div>
                <dl className="anomaly-facts small">
                  <div>
                    <dt>Monitor</dt>
                    <dd className="wrap-anywhere">
                      <Link to={`/projects/${enc(a.projectId)}/monitors/${enc(a.monitorId)}`}>
                        {a.monitorName}
                      </Link>{" "}
                      <span className="muted">({a.analyzer})</span>
                    </dd>
                  </div>
                  <div>
                    <dt>Column</dt>
                    <dd className="wrap-anywhere">
                      {a.column ?? <span className="muted">whole dataset</span>}
                    </dd>
                  </div>
                  <div>
                    <dt>Segment</dt>
                    <dd className="wrap-anywhere">
                      {a.segment === "" ? <span className="muted">overall</span> : a.segment}
                    </dd>
                  </div>
                  {a.value !== null ? (
                    <div>
                      <dt>Value</dt>
                      <dd>{formatNumber(a.value)}</dd>
                    </div>
                  ) : null}
                </dl>
              </td>
              {showProject ? (
                <td className="wrap-anywhere anomaly-project">
                  <Link to={`/projects/${enc(a.projectId)}`}>{a.projectName}</Link>
                </td>
              ) : null}
              <td>
                <div className="mon-nowrap">{formatRange(a.firstBucket, a.windowEnd)}</div>
                <div className="muted small" title={formatTime(a.openedAt)}>
                  opened {formatAge(a.openedAt)}
                </div>
                <div className="anomaly-links">
                  <Link
                    to={anomalyHref(a)}
                    data-testid="anomaly-link"
                    className="truncate"
                    title={a.column !== null ? `Column ${a.column} over the anomaly's window` : undefined}
                  >
                    {a.column !== null ? `View ${a.column}` : "View overview"}
                  </Link>
                  {PERFORMANCE_ANALYZERS.has(a.analyzer) ? (
                    <Link to={anomalyHref(a, "performance")}>View performance</Link>
                  ) : null}
                </div>
              </td>
              <td>
                <span className={`anomaly-state anomaly-state-${a.state}`}>{a.state}</span>
                {a.resolvedAt !== null ? (
                  <div className="muted small" title={formatTime(a.resolvedAt)}>
                    {formatAge(a.resolvedAt)}
                  </div>
                ) : null}
              </td>
              <td className="mon-row-actions">
                {canWrite(a.projectId) ? <AnomalyActions anomaly={a} onChanged={onChanged} /> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StateAndSeverityFilters() {
  const [params, setParams] = useSearchParams();
  const state = stateFilter(params);
  return (
    <>
      <label className="select-label">
        State
        <select
          value={state}
          onChange={(e) =>
            setParams(withParams(params, { state: e.target.value === "active" ? null : e.target.value }))
          }
        >
          {STATES.map((s) => (
            <option key={s} value={s}>
              {STATE_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <label className="select-label">
        Severity
        <select
          value={params.get("severity") ?? ""}
          onChange={(e) => setParams(withParams(params, { severity: e.target.value }))}
        >
          <option value="">Any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** Acknowledge / resolve answers, applied over the loaded pages until the next load. */
function useChanges() {
  const [changes, setChanges] = useState<ReadonlyMap<string, ActionAnswer>>(new Map());
  const apply = (list: readonly FeedAnomaly[]): FeedAnomaly[] =>
    list.map((a) => {
      const c = changes.get(a.id);
      return c === undefined ? a : { ...a, state: c.state, resolvedAt: c.resolvedAt };
    });
  const record = (id: string, change: ActionAnswer) => setChanges((m) => new Map(m).set(id, change));
  return { apply, record };
}

function emptyText(state: StateFilter, severity: Severity | undefined): string {
  const what = `${severity !== undefined ? `${severity} ` : ""}${state === "all" ? "" : `${state} `}anomalies`;
  return `No ${what}`;
}

export function AlertsPage() {
  const { orgId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const { organization } = useSession();
  const state = stateFilter(params);
  const severity = severityFilter(params);
  const project = params.get("project") ?? "";
  const query = { state: state === "all" ? undefined : state, severity, project, limit: PAGE };
  const key = JSON.stringify(query);
  const feedPath = `/api/v1/organizations/${enc(orgId)}/anomalies`;
  const first = useApi<{ anomalies: FeedAnomaly[] }>(feedPath, query);
  const projects = useApi<{ projects: Project[] }>("/api/v1/projects", { organization: orgId });
  const [more, setMore] = useState<{
    key: string;
    pages: FeedAnomaly[][];
    loading: boolean;
    error: Error | null;
  }>({ key, pages: [], loading: false, error: null });
  const extra = more.key === key ? more : { key, pages: [], loading: false, error: null };
  const { apply, record } = useChanges();
  const role = organization(orgId)?.role;

  const loaded = useMemo(() => {
    if (first.result.state !== "ready") return [];
    const seen = new Set<string>();
    return [first.result.data.anomalies, ...extra.pages]
      .flat()
      .filter((a) => !seen.has(a.id) && seen.add(a.id));
  }, [first.result, extra.pages]);
  const lastPage =
    extra.pages.length > 0 ? extra.pages[extra.pages.length - 1]! : first.result.data?.anomalies;
  // The server never splits anomalies opened at the same instant across pages, so a page may be shorter than
  // the limit with more to come: a one-row probe tells.
  const lastOpened = loaded[loaded.length - 1]?.openedAt;
  const needProbe = lastPage !== undefined && lastPage.length > 0 && lastPage.length < PAGE;
  const probe = useApi<{ anomalies: FeedAnomaly[] }>(
    needProbe && lastOpened !== undefined ? feedPath : null,
    {
      ...query,
      limit: 1,
      before: lastOpened === undefined ? undefined : String(lastOpened),
    },
  );
  const hasMore =
    lastPage !== undefined &&
    (lastPage.length >= PAGE ||
      (needProbe && probe.result.state === "ready" && probe.result.data.anomalies.length > 0));

  async function loadMore() {
    const last = loaded[loaded.length - 1];
    if (last === undefined) return;
    setMore({ ...extra, loading: true, error: null });
    try {
      const page = await api.get<{ anomalies: FeedAnomaly[] }>(feedPath, {
        ...query,
        before: String(last.openedAt),
      });
      setMore((m) => (m.key === key ? { ...m, pages: [...m.pages, page.anomalies], loading: false } : m));
    } catch (e) {
      setMore((m) =>
        m.key === key ? { ...m, loading: false, error: e instanceof Error ? e : new Error(String(e)) } : m,
      );
    }
  }

  return (
    <section aria-labelledby="alerts-title" className="alerts-page">
      <div className="page-header">
        <h1 id="alerts-title">Alerts</h1>
      </div>
      <p className="muted">
        Anomalies found by the monitors of every project you can read, newest first. Each links to the column
        (or the project overview) over the buckets where it happened.
      </p>
      <div className="toolbar" role="group" aria-label="Filters">
        <StateAndSeverityFilters />
        <label className="select-label">
          Project
          <select
            value={project}
            onChange={(e) => setParams(withParams(params, { project: e.target.value }))}
          >
            <option value="">All projects</option>
            {(projects.result.data?.projects ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
            {project !== "" &&
            projects.result.state === "ready" &&
            !projects.result.data.projects.some((p) => p.id === project) ? (
              <option value={project}>{project}</option>
            ) : null}
          </select>
        </label>
      </div>
      <Load result={first.result} onRetry={first.reload} what="Loading alerts">
        {() =>
          loaded.length === 0 ? (
            <EmptyState title={emptyText(state, severity)}>
              {state === "active" || state === "open"
                ? "Nothing needs attention. Monitors run as buckets close; their anomalies appear here. Choose “All” to see resolved ones."
                : "Try another state, severity or project."}
            </EmptyState>
          ) : (
            <>
              <AnomalyTable
                anomalies={apply(loaded)}
                showProject
                canWrite={() => role !== "viewer"}
                onChanged={record}
              />
              <div className="mon-load-more" aria-live="polite">
                <span className="muted small">
                  {loaded.length} anomal{loaded.length === 1 ? "y" : "ies"} shown
                </span>
                {hasMore ? (
                  <button type="button" onClick={() => void loadMore()} disabled={extra.loading}>
                    {extra.loading ? "Loading…" : "Load more"}
                  </button>
                ) : null}
                {extra.error !== null ? (
                  <ErrorView error={extra.error} onRetry={() => void loadMore()} />
                ) : null}
              </div>
            </>
          )
        }
      </Load>
    </section>
  );
}

interface ProjectAnomaly {
  readonly id: string;
  readonly monitorId: string;
  readonly column: string;
  readonly segment: string;
  readonly state: AnomalyState;
  readonly severity: Severity;
  readonly firstBucket: number;
  readonly lastBucket: number;
  readonly bucketCount: number;
  readonly summary: string;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
}

interface MonitorSummary {
  readonly id: string;
  readonly name: string;
  readonly config: { readonly analyzer: { readonly type: string } };
}

/** A project anomaly in the feed's shape, so both pages share the table and its links. */
function asFeedAnomaly(
  a: ProjectAnomaly,
  project: Project,
  monitors: ReadonlyMap<string, MonitorSummary>,
): FeedAnomaly {
  const monitor = monitors.get(a.monitorId);
  return {
    id: a.id,
    projectId: project.id,
    projectName: project.name,
    monitorId: a.monitorId,
    monitorName: monitor?.name ?? a.monitorId,
    analyzer: monitor?.config.analyzer.type ?? "",
    column: a.column === "" ? null : a.column,
    segment: a.segment,
    severity: a.severity,
    state: a.state,
    firstBucket: a.firstBucket,
    lastBucket: a.lastBucket,
    // The project anomaly has no window end; one bucket length after the last bucket is exact for hourly and UTC
    // projects (a daily bucket across a daylight-saving change is an hour off, which the window still covers).
    windowEnd: a.lastBucket + bucketMs(project.frequency),
    value: null,
    summary: a.summary,
    openedAt: a.openedAt,
    resolvedAt: a.resolvedAt,
  };
}

export function ProjectAnomaliesPage() {
  const { project } = useProject();
  const [params, setParams] = useSearchParams();
  const { organization } = useSession();
  const state = stateFilter(params);
  const severity = severityFilter(params);
  const monitor = params.get("monitor") ?? "";
  const [limit, setLimit] = useState(PAGE * 2);
  const base = `/api/v1/projects/${enc(project.id)}`;
  const anomalies = useApi<{ anomalies: ProjectAnomaly[] }>(`${base}/anomalies`, {
    state: state === "all" ? undefined : state,
    monitor,
    limit,
  });
  const monitors = useApi<{ monitors: MonitorSummary[] }>(`${base}/monitors`);
  const { apply, record } = useChanges();
  const role = organization(project.organizationId)?.role;
  // "Load more" asks again with a larger limit: keep the rows on screen meanwhile, so the page does not jump.
  const filterKey = `${state}\u0000${monitor}`;
  const previous = useRef<{ readonly key: string; readonly data: { anomalies: ProjectAnomaly[] } } | null>(
    null,
  );
  if (anomalies.result.state === "ready") previous.current = { key: filterKey, data: anomalies.result.data };
  if (anomalies.result.state === "error") previous.current = null;
  const anomaliesResult =
    anomalies.result.state === "loading" && previous.current !== null && previous.current.key === filterKey
      ? ({ state: "ready", data: previous.current.data } as const)
      : anomalies.result;
  const monitorById = useMemo(
    () => new Map((monitors.result.data?.monitors ?? []).map((m) => [m.id, m])),
    [monitors.result],
  );
  return (
    <section aria-labelledby="anomalies-title" className="alerts-page">
      <div className="page-header">
        <h2 id="anomalies-title">Anomalies</h2>
        <Link to={`/orgs/${enc(project.organizationId)}/alerts?project=${enc(project.id)}`}>
          All projects' alerts
        </Link>
      </div>
      <div className="toolbar" role="group" aria-label="Filters">
        <StateAndSeverityFilters />
        <label className="select-label">
          Monitor
          <select
            value={monitor}
            onChange={(e) => setParams(withParams(params, { monitor: e.target.value }))}
          >
            <option value="">All monitors</option>
            {(monitors.result.data?.monitors ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
            {monitor !== "" && monitors.result.state === "ready" && !monitorById.has(monitor) ? (
              <option value={monitor}>{monitor}</option>
            ) : null}
          </select>
        </label>
      </div>
      {monitors.result.state === "error" ? (
        <ErrorView error={monitors.result.error} onRetry={monitors.reload} />
      ) : null}
      <Load result={anomaliesResult} onRetry={anomalies.reload} what="Loading anomalies">
        {({ anomalies: list }) => {
          const rows = apply(list.map((a) => asFeedAnomaly(a, project, monitorById))).filter(
            (a) => severity === undefined || a.severity === severity,
          );
          return rows.length === 0 ? (
            <EmptyState title={emptyText(state, severity)}>
              {state === "active" || state === "open" ? (
                <>
                  The monitors found nothing that needs attention. See the{" "}
                  <Link to={`/projects/${enc(project.id)}/monitors`}>monitors</Link> this project runs, or
                  choose “All” to see resolved anomalies.
                </>
              ) : (
                "Try another state, severity or monitor."
              )}
            </EmptyState>
          ) : (
            <>
              <AnomalyTable
                anomalies={rows}
                showProject={false}
                canWrite={() => role !== "viewer"}
                onChanged={record}
              />
              <div className="mon-load-more" aria-live="polite">
                <span className="muted small">
                  {rows.length} anomal{rows.length === 1 ? "y" : "ies"} shown
                </span>
                {list.length >= limit && limit < 1000 ? (
                  <button type="button" onClick={() => setLimit((n) => Math.min(1000, n + PAGE * 2))}>
                    Load more
                  </button>
                ) : null}
              </div>
            </>
          );
        }}
      </Load>
    </section>
  );
}
