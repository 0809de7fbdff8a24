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
