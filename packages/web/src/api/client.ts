// The one way the UI talks to the server: JSON over fetch with the session cookie, the session's CSRF token on
// every state change, and errors turned into ApiError carrying the server's code and message.
import type { ApiErrorBody } from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: ApiErrorBody["error"],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

let csrfToken: string | undefined;
const unauthenticatedListeners = new Set<() => void>();

/** Remembers the CSRF token of the signed-in session (from login, setup or GET /api/v1/auth/session). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session expired or was signed out elsewhere. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text === "" ? path : `${path}${path.includes("?") ? "&" : "?"}${text}`;
}

/** A body sent as given (e.g. a YAML document) rather than serialized as JSON. */
interface RawBody {
  readonly text: string;
  readonly contentType: string;
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  raw?: RawBody,
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (raw !== undefined) headers["content-type"] = raw.contentType;
  else if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  const payload = raw !== undefined ? raw.text : body !== undefined ? JSON.stringify(body) : undefined;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(payload !== undefined ? { body: payload } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network", "The server cannot be reached. Check that it is running, then retry.");
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const error = (parsed as ApiErrorBody | undefined)?.error;
    if (response.status === 401 && !path.startsWith("/api/v1/auth/")) {
      for (const listener of unauthenticatedListeners) listener();
    }
    throw new ApiError(
      response.status,
      error?.code ?? "http",
      error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      error,
    );
  }
  return parsed as T;
}

export const api = {
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return request<T>("GET", withQuery(path, query), undefined, signal);
  },
  post<T>(path: string, body?: unknown): Promise<T> {
    return request<T>("POST", path, body ?? {});
  },
  put<T>(path: string, body: unknown): Promise<T> {
    return request<T>("PUT", path, body);
  },
  patch<T>(path: string, body: unknown): Promise<T> {
    return request<T>("PATCH", path, body);
  },
  delete<T>(path: string): Promise<T> {
    return request<T>("DELETE", path);
  },
  /** Sends `text` as the body with its own content type (YAML monitor documents). */
  send<T>(method: "POST" | "PUT", path: string, text: string, contentType: string): Promise<T> {
    return request<T>(method, path, undefined, undefined, { text, contentType });
  },
};

/** Path segment encoding for ids and names that may hold any character (column names do). */
export const enc = encodeURIComponent;
