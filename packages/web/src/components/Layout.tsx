// The frame around every signed-in page: the product bar with the organization switcher and main navigation,
// and, on project pages, the project's header and tabs.
import { useEffect } from "react";
import type { ReactNode } from "react";
import {
  Link,
  NavLink,
  Outlet,
  useLocation,
  useNavigate,
  useOutletContext,
  useParams,
  useSearchParams,
} from "react-router";
import { enc } from "../api/client";
import { useApi } from "../api/hooks";
import type { Project } from "../api/types";
import { useSession } from "../session";
import { Load } from "./States";

/** The organization a page is about: from /orgs/:orgId, else the remembered one. */
export function useOrgId(): string | undefined {
  const { orgId } = useParams();
  const { defaultOrganization } = useSession();
  return orgId ?? defaultOrganization?.id;
}

function OrgSwitcher({ current }: { readonly current: string | undefined }) {
  const { session, rememberOrganization } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const orgs = session?.organizations ?? [];
  if (orgs.length === 0) return null;
  return (
    <label className="org-switcher">
      <span className="visually-hidden">Organization</span>
      <select
        value={current ?? ""}
        onChange={(event) => {
          const next = event.target.value;
          rememberOrganization(next);
          // Stay on the same kind of page in the other organization when the page is organization-scoped.
          const match = /^\/orgs\/[^/]+(\/.*)?$/.exec(location.pathname);
          navigate(
            match !== null ? `/orgs/${enc(next)}${match[1] ?? "/projects"}` : `/orgs/${enc(next)}/projects`,
          );
        }}
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name} ({o.role})
          </option>
        ))}
      </select>
    </label>
  );
}

export function AppShell({ orgId, children }: { readonly orgId?: string; readonly children?: ReactNode }) {
  const { session, signOut, defaultOrganization, rememberOrganization } = useSession();
  const navigate = useNavigate();
  const current = orgId ?? defaultOrganization?.id;
  useEffect(() => {
    if (
      orgId !== undefined &&
      orgId !== defaultOrganization?.id &&
      session?.organizations.some((o) => o.id === orgId)
    )
      rememberOrganization(orgId);
  }, [orgId, defaultOrganization, session, rememberOrganization]);
  const base = current === undefined ? "" : `/orgs/${enc(current)}`;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={`${base}/projects`} className="brand" aria-label="Sightglass home">
          <span className="brand-dot" aria-hidden="true" />
          Sightglass
        </Link>
        <OrgSwitcher current={current} />
        <nav aria-label="Main" className="mainnav">
          <NavLink to={`${base}/projects`}>Projects</NavLink>
          <NavLink to={`${base}/alerts`}>Alerts</NavLink>
          <NavLink to={`${base}/settings/channels`}>Channels</NavLink>
          <NavLink to={`${base}/settings/api-keys`}>API keys</NavLink>
          <NavLink to={`${base}/settings/members`}>Members</NavLink>
        </nav>
        <div className="user">
          <span className="muted">{session?.user.email}</span>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              void signOut().then(() => navigate("/login"));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children ?? <Outlet />}
      </main>
    </div>
  );
}

/** Organization-scoped pages (/orgs/:orgId/…). */
export function OrgLayout() {
  const { orgId } = useParams();
  return <AppShell {...(orgId !== undefined ? { orgId } : {})} />;
}

export interface ProjectContext {
  readonly project: Project;
  readonly reload: () => void;
}

const TABS = [
  { path: "", label: "Overview" },
  { path: "/performance", label: "Performance" },
  { path: "/segments", label: "Segments" },
  { path: "/compare", label: "Compare" },
  { path: "/monitors", label: "Monitors" },
  { path: "/anomalies", label: "Anomalies" },
] as const;

const FREQUENCY_LABEL = { hour: "hourly", day: "daily", week: "weekly" } as const;

/** Keeps the shared view parameters (window, segment, baseline) when moving between a project's tabs. */
export function sharedParams(params: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const key of ["range", "start", "end", "segment", "baseline"]) {
    const value = params.get(key);
    if (value !== null) kept.set(key, value);
  }
  const text = kept.toString();
  return text === "" ? "" : `?${text}`;
}

/** Project pages (/projects/:projectId/…): loads the project once for the header and every tab. */
export function ProjectLayout() {
  const { projectId = "" } = useParams();
  const [params] = useSearchParams();
  const { result, reload } = useApi<Project>(`/api/v1/projects/${enc(projectId)}`);
  const orgId = result.state === "ready" ? result.data.organizationId : undefined;
  return (
    <AppShell {...(orgId !== undefined ? { orgId } : {})}>
      <Load result={result} onRetry={reload} what="Loading project">
        {(project) => (
          <>
            <div className="project-header">
              <nav aria-label="Breadcrumb" className="breadcrumb">
                <Link to={`/orgs/${enc(project.organizationId)}/projects`}>Projects</Link> /{" "}
                <span aria-current="page">{project.name}</span>
              </nav>
              <h1>
                {project.name}{" "}
                <span className="muted small">
                  {FREQUENCY_LABEL[project.frequency]} · {project.timeZone}
                </span>
              </h1>
              <nav aria-label="Project" className="tabs">
                {TABS.map((tab) => (
                  <NavLink
                    key={tab.path}
                    end={tab.path === ""}
                    to={`/projects/${enc(project.id)}${tab.path}${sharedParams(params)}`}
                  >
                    {tab.label}
                  </NavLink>
                ))}
              </nav>
            </div>
            <Outlet context={{ project, reload } satisfies ProjectContext} />
          </>
        )}
      </Load>
    </AppShell>
  );
}

/** Project tabs receive the project loaded by ProjectLayout. */
export function useProject(): ProjectContext {
  return useOutletContext<ProjectContext>();
}
