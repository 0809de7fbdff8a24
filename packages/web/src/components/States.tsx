// What a page shows while waiting, when there is nothing yet, and when something failed: always a sentence
// saying what is going on and what to do next.
import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import type { Loadable } from "../api/hooks";

export function Loading({ what = "Loading" }: { readonly what?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      {what}…
    </div>
  );
}

export function EmptyState({ title, children }: { readonly title: string; readonly children?: ReactNode }) {
  return (
    <div className="state state-empty" role="status">
      <h3>{title}</h3>
      {children !== undefined ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

/** Advice for the common failures; the server's own message is always shown too. */
function advice(error: Error): string {
  if (!(error instanceof ApiError))
    return "Reload the page; if it keeps happening, check the browser console.";
  if (error.status === 0) return "Check that the Sightglass server is running and reachable, then retry.";
  if (error.status === 401) return "Your session ended. Sign in again.";
  if (error.status === 403) return "Your role does not allow this. Ask an organization admin.";
  if (error.status === 404) return "It may have been deleted, or the link is wrong.";
  if (error.status === 429) return "Too many requests. Wait a few seconds and retry.";
  if (error.status >= 500) return "The server failed. Retry; the server log has details for the request id.";
  return "Correct the request and try again.";
}

export function ErrorView({ error, onRetry }: { readonly error: Error; readonly onRetry?: () => void }) {
  const requestId = error instanceof ApiError ? error.body?.requestId : undefined;
  return (
    <div className="state state-error" role="alert">
      <strong>{error.message}</strong>
      <p>
        {advice(error)}
        {requestId !== undefined ? <span className="muted"> (request {requestId})</span> : null}
      </p>
      {onRetry !== undefined ? (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** Renders a Loadable: the loading and error states, or `children(data)`. */
export function Load<T>({
  result,
  onRetry,
  what,
  children,
}: {
  readonly result: Loadable<T>;
  readonly onRetry?: () => void;
  readonly what?: string;
  readonly children: (data: T) => ReactNode;
}) {
  if (result.state === "loading") return <Loading {...(what !== undefined ? { what } : {})} />;
  if (result.state === "error")
    return <ErrorView error={result.error} {...(onRetry !== undefined ? { onRetry } : {})} />;
  return <>{children(result.data)}</>;
}
