// Every URL of the UI. Each view deep-links: its state (window, segment, baseline, filters) lives in the path
// and the query string.
import { Navigate, Route, Routes, useLocation } from "react-router";
import { Suspense, lazy } from "react";
import type { ComponentType, ReactNode } from "react";
import { AppShell, OrgLayout, ProjectLayout } from "./components/Layout";
import { EmptyState, Loading } from "./components/States";
import { useSession } from "./session";
import { LoginPage, SetupPage } from "./pages/LoginPage";
import { ProjectsPage } from "./pages/ProjectsPage";
import { enc } from "./api/client";

// Views load on first visit: signing in or listing projects does not wait for the charting library and the
// editors (the first screen's script is a fraction of the whole).
const OverviewPage = lazyPage(() => import("./pages/OverviewPage"), "OverviewPage");
const ColumnPage = lazyPage(() => import("./pages/ColumnPage"), "ColumnPage");
const ComparePage = lazyPage(() => import("./pages/ComparePage"), "ComparePage");
const PerformancePage = lazyPage(() => import("./pages/PerformancePage"), "PerformancePage");
const SegmentsPage = lazyPage(() => import("./pages/SegmentsPage"), "SegmentsPage");
const MonitorsPage = lazyPage(() => import("./pages/MonitorsPage"), "MonitorsPage");
const MonitorEditPage = lazyPage(() => import("./pages/MonitorsPage"), "MonitorEditPage");
const AlertsPage = lazyPage(() => import("./pages/AlertsPage"), "AlertsPage");
const ProjectAnomaliesPage = lazyPage(() => import("./pages/AlertsPage"), "ProjectAnomaliesPage");
const ApiKeysPage = lazyPage(() => import("./pages/SettingsPages"), "ApiKeysPage");
const MembersPage = lazyPage(() => import("./pages/SettingsPages"), "MembersPage");
const ChannelsPage = lazyPage(() => import("./pages/SettingsPages"), "ChannelsPage");

function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K): ComponentType {
  const Page = lazy(async (): Promise<{ default: ComponentType }> => ({ default: (await load())[name] }));
  return function LazyPage() {
    return (
      <Suspense fallback={<Loading what="Loading the page" />}>
        <Page />
      </Suspense>
    );
  };
}

/** Signed-in pages: sends anyone else to the login page, coming back here afterwards. */
function RequireSession({ children }: { readonly children: ReactNode }) {
  const { session, checking } = useSession();
  const location = useLocation();
  if (checking) return <Loading what="Checking your session" />;
  if (session === null) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

function Home() {
  const { defaultOrganization } = useSession();
  if (defaultOrganization === null) {
    return (
      <AppShell>
        <EmptyState title="You are not a member of any organization">
          Ask an administrator of your Sightglass server to add you to one.
        </EmptyState>
      </AppShell>
    );
  }
  return <Navigate to={`/orgs/${enc(defaultOrganization.id)}/projects`} replace />;
}

function NotFound() {
  return (
    <AppShell>
      <EmptyState title="There is no page at this address">
        Check the link, or start again from the <a href="/">projects list</a>.
      </EmptyState>
    </AppShell>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/setup" element={<SetupPage />} />
      <Route
        path="/"
        element={
          <RequireSession>
            <Home />
          </RequireSession>
        }
      />
      <Route
        path="/orgs/:orgId"
        element={
          <RequireSession>
            <OrgLayout />
          </RequireSession>
        }
      >
        <Route index element={<Navigate to="projects" replace />} />
        <Route path="projects" element={<ProjectsPage />} />
        <Route path="alerts" element={<AlertsPage />} />
        <Route path="settings/api-keys" element={<ApiKeysPage />} />
        <Route path="settings/members" element={<MembersPage />} />
        <Route path="settings/channels" element={<ChannelsPage />} />
      </Route>
      <Route
        path="/projects/:projectId"
        element={
          <RequireSession>
            <ProjectLayout />
          </RequireSession>
        }
      >
        <Route index element={<OverviewPage />} />
        <Route path="columns/:column" element={<ColumnPage />} />
        <Route path="performance" element={<PerformancePage />} />
        <Route path="segments" element={<SegmentsPage />} />
        <Route path="compare" element={<ComparePage />} />
        <Route path="monitors" element={<MonitorsPage />} />
        <Route path="monitors/new" element={<MonitorEditPage />} />
        <Route path="monitors/:monitorId" element={<MonitorEditPage />} />
        <Route path="anomalies" element={<ProjectAnomaliesPage />} />
      </Route>
      <Route
        path="*"
        element={
          <RequireSession>
            <NotFound />
          </RequireSession>
        }
      />
    </Routes>
  );
}
