/**
 * Why a profile operation failed:
 * - `invalid-argument`: a caller passed something unusable (bad option, bad schema, wrong input shape);
 * - `missing-column`: a batch lacks a column the profile was configured to read (segment, timestamp, or a
 *   performance column); `column` names it;
 * - `bad-magic`: the bytes are not a profile in any format this reader knows;
 * - `truncated`: the bytes end before a structure they declare;
 * - `malformed`: the bytes are complete but inconsistent (bad protobuf, unknown metric index, broken sketch);
 * - `unsupported`: valid input using a feature Sightglass does not implement;
 * - `incompatible`: two profiles or metrics cannot be merged;
 * - `segment-limit`: a segmented profile would exceed its configured segment count;
 * - `write-failed`: a profile writer (file, upload) failed; the data is kept for a retry;
 * - `locked`: another live writer holds a resource that takes one at a time (an HttpProfileWriter's spool).
 */
export type ProfileErrorKind =
  | "invalid-argument"
  | "missing-column"
  | "bad-magic"
  | "truncated"
  | "malformed"
  | "unsupported"
  | "incompatible"
  | "segment-limit"
  | "write-failed"
  | "locked";

export interface ProfileErrorDetails {
  /** Byte offset in the input where the problem was found (decoders only). */
  readonly offset?: number;
  /** Column the problem concerns, when there is one. */
  readonly column?: string;
  /** Metric path (`namespace/component`) the problem concerns, when there is one. */
  readonly path?: string;
  /** 0-based index, in the batch passed to the call that threw, of the record the problem concerns. */
  readonly row?: number;
  readonly cause?: unknown;
}

/** The one error type thrown by `@sightglass/profile`; `kind` says what went wrong, `offset` where. */
export class ProfileError extends Error {
  readonly kind: ProfileErrorKind;
  readonly offset: number | undefined;
  readonly column: string | undefined;
  readonly path: string | undefined;
  readonly row: number | undefined;
  /** The message without its location suffix, for callers that say where in their own terms (file and line). */
  readonly reason: string;

  constructor(kind: ProfileErrorKind, message: string, details: ProfileErrorDetails = {}) {
    const where: string[] = [];
    if (details.column !== undefined) where.push(`column ${JSON.stringify(details.column)}`);
    if (details.path !== undefined) where.push(`metric ${details.path}`);
    if (details.offset !== undefined) where.push(`byte ${details.offset}`);
    if (details.row !== undefined) where.push(`row ${details.row}`);
    super(where.length > 0 ? `${message} (${where.join(", ")})` : message, { cause: details.cause });
    this.name = "ProfileError";
    this.kind = kind;
    this.offset = details.offset;
    this.column = details.column;
    this.path = details.path;
    this.row = details.row;
    this.reason = message;
  }
}
