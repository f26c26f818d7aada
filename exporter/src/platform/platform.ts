/**
 * What the SDK needs from its runtime, so the core never imports a Node
 * built-in: the browser entry passes a platform built on `fetch`, Web Crypto
 * and a plain call stack; the Node entry one built on `node:http`, `zlib`,
 * `crypto` and AsyncLocalStorage.
 */

/** One POST of OTLP bytes. */
export interface HttpRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  readonly timeoutMillis: number;
}

/** What came back; `header` is case-insensitive. */
export interface HttpResponse {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: Uint8Array;
}

/** Carries the running `ctx.step` through async work, like AsyncLocalStorage. */
export interface ScopeStore<T> {
  run<R>(scope: T, fn: () => R): R;
  getStore(): T | undefined;
}

export interface Platform {
  /** Environment variables (empty in a browser). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Sends one request; rejects only for network failures (with a `code` such as ECONNREFUSED when known). */
  send(request: HttpRequest): Promise<HttpResponse>;
  /** gzip, or undefined where the runtime cannot compress. */
  readonly gzip: ((bytes: Uint8Array) => Promise<Uint8Array>) | undefined;
  /** Lowercase hex HMAC-SHA256, or undefined where signing is not offered. */
  readonly hmacSha256Hex: ((secret: string, parts: Uint8Array[]) => Promise<string>) | undefined;
  /** Runs `fn` soon, after the current call stack. */
  defer(fn: () => void): void;
  /** A timer that never keeps the process alive. */
  setUnrefTimeout(fn: () => void, millis: number): () => void;
  /** The store for the running `ctx.step`, shared by every client on this platform. */
  readonly stepScope: ScopeStore<unknown>;
  /** Called once with a function that exports what is pending when the page goes away (browser only). */
  onPageHide?(flush: () => void): void;
}
