/**
 * The CLI's failures, each with its exit code: a bad command line exits 2
 * (the convention of getopt tools, so scripts can tell "you called me wrong"
 * from "the collector said no"); anything that went wrong talking to the
 * collector exits 1. main.ts is the only place that prints them.
 */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong: unknown command or flag, a flag value that does not parse. */
export class UsageError extends Error {
  /** The command whose usage to point at, when known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** A failure with a message meant for people, and an optional hint on what to do next. */
export class CliError extends Error {
  readonly hint: string | undefined;

  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'CliError';
    this.hint = options?.hint;
  }
}

/** The collector answered with an error body (`{error: {code, message, retryable}}`). */
export class ApiError extends CliError {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { status: number; retryable?: boolean; hint?: string }) {
    super(message, { hint: options.hint });
    this.name = 'ApiError';
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}

/** Nothing answered at the collector's URL (refused, unknown host, timed out). */
export class UnreachableError extends CliError {
  readonly url: string;

  constructor(url: string, reason: string, cause?: unknown) {
    super(`Cannot reach the X-Ray collector at ${url} (${reason}).`, {
      hint: 'Start it with `npm start` in the X-Ray repository, or point --url / XRAY_URL at a running collector.',
      cause,
    });
    this.name = 'UnreachableError';
    this.url = url;
  }
}
