// Loading server data into components: one request per distinct URL, cancelled when the component leaves or the
// URL changes, with loading / error / data states the pages render explicitly.
import { useCallback, useEffect, useRef, useState } from "react";
import { api, withQuery } from "./client";
import type { ApiError } from "./client";

export type Loadable<T> =
  | { readonly state: "loading"; readonly data?: undefined; readonly error?: undefined }
  | { readonly state: "error"; readonly error: ApiError | Error; readonly data?: undefined }
  | { readonly state: "ready"; readonly data: T; readonly error?: undefined };

export interface Resource<T> {
  readonly result: Loadable<T>;
  /** Fetches again (after a change the page made, or from a "Retry" button). */
  readonly reload: () => void;
}

/**
 * GETs `path` with `query`; a null path means "not yet" (e.g. waiting for another answer) and stays loading.
 * Keeps the previous data while a reload is in flight so charts do not flash.
 */
export function useApi<T>(
  path: string | null,
  query?: Record<string, string | number | boolean | undefined | null>,
): Resource<T> {
  const url = path === null ? null : withQuery(path, query);
  const [generation, setGeneration] = useState(0);
  const [result, setResult] = useState<Loadable<T>>({ state: "loading" });
  // The URL the shown data came from: a reload of the same URL keeps it on screen, a new URL does not.
  const shownUrl = useRef<string | null>(null);
  useEffect(() => {
    if (url === null) {
      setResult({ state: "loading" });
      return;
    }
    const controller = new AbortController();
    if (shownUrl.current !== url) setResult({ state: "loading" });
    api.get<T>(url, undefined, controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        shownUrl.current = url;
        setResult({ state: "ready", data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        shownUrl.current = null;
        setResult({ state: "error", error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => controller.abort();
  }, [url, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { result, reload };
}
