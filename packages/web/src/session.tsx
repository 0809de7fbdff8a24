// The signed-in user and the organization being looked at. The organization comes from the URL when the page
// has one (/orgs/:orgId/…, or a project's organization), else the last one chosen (localStorage).
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { api, onUnauthenticated, setCsrfToken } from "./api/client";
import type { ApiError } from "./api/client";
import type { Organization, Session } from "./api/types";

const LAST_ORG = "sightglass.organization";

interface SessionState {
  readonly session: Session | null;
  /** True until the first GET /api/v1/auth/session answered. */
  readonly checking: boolean;
  readonly signIn: (email: string, password: string) => Promise<void>;
  readonly completeSetup: (token: string, password: string, name?: string) => Promise<void>;
  readonly signOut: () => Promise<void>;
  readonly refresh: () => Promise<void>;
  /** The organization to show when the URL names none. */
  readonly defaultOrganization: Organization | null;
  readonly rememberOrganization: (orgId: string) => void;
  readonly organization: (orgId: string | undefined) => Organization | undefined;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [lastOrg, setLastOrg] = useState<string | null>(() => localStorage.getItem(LAST_ORG));

  const accept = useCallback((next: Session | null) => {
    setCsrfToken(next?.csrfToken);
    setSession(next);
  }, []);

  const refresh = useCallback(async () => {
    try {
      // `optional`: the server answers 204 (no body) rather than a 401 the browser would log as an error.
      accept((await api.get<Session | undefined>("/api/v1/auth/session", { optional: true })) ?? null);
    } catch (error) {
      if ((error as ApiError).status !== 401) throw error;
      accept(null);
    }
  }, [accept]);

  useEffect(() => {
    refresh()
      .catch(() => accept(null))
      .finally(() => setChecking(false));
    return onUnauthenticated(() => accept(null));
  }, [refresh, accept]);

  const value = useMemo<SessionState>(() => {
    const orgs = session?.organizations ?? [];
    return {
      session,
      checking,
      signIn: async (email, password) =>
        accept(await api.post<Session>("/api/v1/auth/login", { email, password })),
      completeSetup: async (token, password, name) =>
        accept(
          await api.post<Session>("/api/v1/auth/setup", {
            token,
            password,
            ...(name !== undefined && name !== "" ? { name } : {}),
          }),
        ),
      signOut: async () => {
        try {
          await api.post("/api/v1/auth/logout");
        } finally {
          accept(null);
        }
      },
      refresh,
      defaultOrganization: orgs.find((o) => o.id === lastOrg) ?? orgs[0] ?? null,
      rememberOrganization: (orgId) => {
        localStorage.setItem(LAST_ORG, orgId);
        setLastOrg(orgId);
      },
      organization: (orgId) => orgs.find((o) => o.id === orgId),
    };
  }, [session, checking, lastOrg, refresh, accept]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === null) throw new Error("useSession outside SessionProvider");
  return state;
}
