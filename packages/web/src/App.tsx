// Every URL of the UI. Each view deep-links: its state (window, segment, baseline, filters) lives in the path
// and the query string.
import { Navigate, Route, Routes, useLocation } from "react-router";
import type { ReactNode } from "react";
import { AppShell, OrgLayout, ProjectLayout } from "./components/Layout";
import { EmptyState, Loading } from "./components/States";
import { useSession } from "./session";
import { LoginPage, SetupPage } from "./pages/LoginPage";
import { ProjectsPage } from "./pages/ProjectsPage";
import { OverviewPage } from "./pages/OverviewPage";
import { ColumnPage } from "./pages/ColumnPage";
import { ComparePage } from "./pages/ComparePage";
import { PerformancePage } from "./pages/PerformancePage";
import { SegmentsPage } from "./pages/SegmentsPage";
import { MonitorsPage, MonitorEditPage } from "./pages/MonitorsPage";
import { AlertsPage, ProjectAnomaliesPage } from "./pages/AlertsPage";
import { ApiKeysPage, ChannelsPage, MembersPage } from "./pages/SettingsPages";
import { enc } from "./api/client";

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
