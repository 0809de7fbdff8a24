// One error type for everything the CLI reports to a user. `exitCode` is what the process exits with; the
// message says what was wrong, where, and what to do.

/** 2: the command line was wrong. 3: an input could not be read or was malformed. 4: an output could not be written. */
export type CliErrorKind = "usage" | "input" | "output" | "network";

const EXIT_CODES: Record<CliErrorKind, number> = { usage: 2, input: 3, output: 4, network: 5 };

export interface CliErrorDetails {
  /** The file (or URL) concerned. */
  readonly source?: string;
  /** 1-based physical line in that file, where known. */
  readonly line?: number;
  readonly cause?: unknown;
}

export class CliError extends Error {
  readonly kind: CliErrorKind;
  readonly source: string | undefined;
  readonly line: number | undefined;

  constructor(kind: CliErrorKind, message: string, details: CliErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "CliError";
    this.kind = kind;
    this.source = details.source;
    this.line = details.line;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** Why a file could not be opened or read, in words ("no such file" rather than ENOENT). */
export function fileErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return e instanceof Error ? e.message : String(e);
}

/** A CliError for a file that cannot be opened or read. */
export function unreadable(path: string, e: unknown): CliError {
  return new CliError("input", `cannot read ${path}: ${fileErrorReason(e)}`, { source: path, cause: e });
}
