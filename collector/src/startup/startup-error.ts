/**
 * Start-up failures as operators should meet them: one or two lines naming
 * the problem and the fix, and an exit code per kind of failure so a
 * supervisor (systemd, Kubernetes, a script) can tell "fix the config" from
 * "something else holds the port" without reading the text.
 */

/** Exit codes of `npm start` / `node collector/dist/main.js`, documented in README.md. */
export const STARTUP_EXIT = {
  /** Anything not classified below (a bug, or an unexpected environment); the stack is printed. */
  unexpected: 1,
  /** An environment variable has a value the collector cannot use. */
  config: 2,
  /** The port cannot be bound: in use, not permitted, or the host is not an address of this machine. */
  port: 3,
  /** Another process (another collector) holds the embedded ClickHouse data folder. */
  dataDirInUse: 4,
  /** ClickHouse could not be opened or reached, or a migration failed. */
  store: 5,
} as const;

export type StartupFailureKind = keyof typeof STARTUP_EXIT;

/** A start-up failure already explained: `message` is what to print, `kind` picks the exit code. */
export class StartupError extends Error {
  readonly kind: StartupFailureKind;
  readonly exitCode: number;

  constructor(kind: StartupFailureKind, message: string, options?: { cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'StartupError';
    this.kind = kind;
    this.exitCode = STARTUP_EXIT[kind];
  }
}
