// The one error type request handlers throw on purpose. Each maps to an HTTP status and a stable `code` that
// clients can branch on; `message` says what was wrong and where, in words a user can act on.

export type ApiErrorCode =
  | "bad-request"
  | "invalid-profile"
  | "unauthenticated"
  | "forbidden"
  | "csrf"
  | "not-found"
  | "conflict"
  | "payload-too-large"
  | "rate-limited"
  | "unavailable";

const STATUS: Record<ApiErrorCode, number> = {
  "bad-request": 400,
  "invalid-profile": 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf: 403,
  "not-found": 404,
  conflict: 409,
  "payload-too-large": 413,
  "rate-limited": 429,
  unavailable: 503,
};

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  /** Extra machine-readable facts (offending field, byte offset, retry delay). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.statusCode = STATUS[code];
    this.details = details;
  }
}

export function notFound(what: string): ApiError {
  return new ApiError("not-found", `${what} not found`);
}

/** Thrown by the server's own set-up (configuration, database connection, migrations). */
export class ServerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ServerError";
  }
}
