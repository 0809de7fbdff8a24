// The organization's projects at a glance: open anomalies by severity, how fresh the last profile is, and the
// volume trend — what a platform team scans first.
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { Project, ProjectHealth, Severity } from "../api/types";
import { Sparkline } from "../components/Sparkline";
import { EmptyState, ErrorView, Load } from "../components/States";
import { formatAge, formatCount } from "../lib/format";
import { useSession } from "../session";

const SEVERITIES: readonly Severity[] = ["critical", "error", "warning", "info"];
const FRESH_LIMIT: Record<Project["frequency"], number> = {
  hour: 3 * 3_600_000,
  day: 2 * 86_400_000,
  week: 8 * 86_400_000,
};

export function SeverityBadges({ bySeverity }: { readonly bySeverity: Partial<Record<Severity, number>> }) {
  const shown = SEVERITIES.filter((s) => (bySeverity[s] ?? 0) > 0);
  if (shown.length === 0) return <span className="badge badge-ok">Healthy</span>;
  return (
    <>
      {shown.map((s) => (
        <span key={s} className={`badge badge-${s}`}>
          {bySeverity[s]} {s}
        </span>
      ))}
    </>
  );
}

function CreateProject({
  orgId,
  onCreated,
}: {
  readonly orgId: string;
  readonly onCreated: (id: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [frequency, setFrequency] = useState<Project["frequency"]>("day");
  const [timeZone, setTimeZone] = useState("UTC");
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const project = await api.post<Project>(`/api/v1/organizations/${enc(orgId)}/projects`, {
        name,
        frequency,
        timeZone,
      });
      onCreated(project.id);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  }
  if (!open) {
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        New project
      </button>
    );
  }
  return (
    <form className="form inline-form card" onSubmit={(e) => void submit(e)} aria-label="New project">
      <label>
        Name
        <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <label>
        Batch frequency
        <select value={frequency} onChange={(e) => setFrequency(e.target.value as Project["frequency"])}>
          <option value="hour">Hourly</option>
          <option value="day">Daily</option>
          <option value="week">Weekly</option>
        </select>
      </label>
      <label>
        Time zone (IANA)
        <input value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={busy}>
        Create
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error !== null ? <ErrorView error={error} /> : null}
    </form>
  );
}

export function ProjectsPage() {
  const { orgId = "" } = useParams();
  const { organization } = useSession();
  const navigate = useNavigate();
  const [filter, setFilter] = useState("");
  const projects = useApi<{ projects: Project[] }>("/api/v1/projects", { organization: orgId });
  const health = useApi<{ projects: ProjectHealth[] }>("/api/v1/project-health", { organization: orgId });
  const healthById = useMemo(
    () => new Map((health.result.data?.projects ?? []).map((h) => [h.projectId, h])),
    [health.result],
  );
  const role = organization(orgId)?.role;
  return (
    <section aria-labelledby="projects-title">
      <div className="page-header">
        <h1 id="projects-title">Projects</h1>
        {role === "admin" || role === "member" ? (
          <CreateProject orgId={orgId} onCreated={(id) => navigate(`/projects/${enc(id)}`)} />
        ) : null}
      </div>
      {health.result.state === "error" ? (
        <ErrorView error={health.result.error} onRetry={health.reload} />
      ) : null}
      <Load result={projects.result} onRetry={projects.reload} what="Loading projects">
        {({ projects: list }) =>
          list.length === 0 ? (
            <EmptyState title="No projects yet">
              Create one with “New project”, then send it profiles with <code>sightglass upload</code> or the
              whylogs writer, using the project id as the dataset id.
            </EmptyState>
          ) : (
            <>
              <label className="search">
                <span className="visually-hidden">Filter projects</span>
                <input
                  type="search"
                  placeholder="Filter projects…"
                  value={filter}
                  onChange={(e) => setFilter(e.target.value)}
                />
              </label>
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Project</th>
                    <th scope="col">Health</th>
                    <th scope="col">Last profile</th>
                    <th scope="col">Volume (rows per bucket)</th>
                  </tr>
                </thead>
                <tbody>
                  {list
                    .filter((p) => `${p.name} ${p.id}`.toLowerCase().includes(filter.toLowerCase()))
                    .map((p) => {
                      const h = healthById.get(p.id);
                      const stale =
                        h?.lastUploadAt !== undefined &&
                        h.lastUploadAt !== null &&
                        Date.now() - h.lastUploadAt > FRESH_LIMIT[p.frequency];
                      return (
                        <tr key={p.id}>
                          <td>
                            <Link to={`/projects/${enc(p.id)}`} className="strong">
                              {p.name}
                            </Link>
                            <div className="muted small">
                              {p.id} · {p.frequency}
                            </div>
                          </td>
                          <td>{h === undefined ? "…" : <SeverityBadges bySeverity={h.bySeverity} />}</td>
                          <td className={stale ? "warn" : undefined}>
                            {h === undefined ? "…" : formatAge(h.lastUploadAt)}
                            {stale ? " (late)" : ""}
                          </td>
                          <td>
                            {h === undefined ? null : (
                              <span className="spark-cell">
                                <Sparkline
                                  points={h.volume.map((v) => v.rows)}
                                  width={140}
                                  label={`Rows per bucket of ${p.name}`}
                                />
                                <span className="muted small">
                                  {formatCount(h.volume.at(-1)?.rows ?? null)} latest
                                </span>
                              </span>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                </tbody>
              </table>
            </>
          )
        }
      </Load>
    </section>
  );
}
