// The one error type the analysis package throws: a kind to branch on, and where the problem is (a column, a
// field path in a configuration such as `constraints[3].min`), so a message can point at the offending input.

export type AnalysisErrorKind =
  /** A function argument is out of its domain (a threshold outside (0, 1), a negative size, …). */
  | "invalid-argument"
  /** A declarative configuration (constraints, drift options loaded from JSON/YAML) is malformed. */
  | "invalid-config";

export interface AnalysisErrorDetails {
  /** The column the problem concerns. */
  readonly column?: string;
  /** Path of the offending field in a configuration document, e.g. `constraints[3].quantile`. */
  readonly path?: string;
  readonly cause?: unknown;
}

export class AnalysisError extends Error {
  readonly kind: AnalysisErrorKind;
  readonly column: string | undefined;
  readonly path: string | undefined;

  constructor(kind: AnalysisErrorKind, message: string, details: AnalysisErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "AnalysisError";
    this.kind = kind;
    this.column = details.column;
    this.path = details.path;
  }
}
