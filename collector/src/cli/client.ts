/**
 * The collector's HTTP API as the CLI sees it: fetch with the right secret
 * (the app key for query routes, the admin token for /admin), and every way a
 * call can fail turned into one of the CLI's errors: an API error body into
 * ApiError (`code: message`), no answer at all into UnreachableError.
 */
import { ApiError, CliError, UnreachableError } from './errors.js';
import type { Secret } from './settings.js';

/** Which secret a route needs (`none`: a public route such as /version). */
export type Auth = 'app' | 'admin' | 'none';

export type QueryValues = Record<string, string | number | readonly string[] | undefined>;

export interface ApiClient {
  get<T>(path: string, options: { auth: Auth; query?: QueryValues }): Promise<T>;
  post<T>(path: string, body: unknown, options: { auth: Auth }): Promise<T>;
  put<T>(path: string, body: unknown, options: { auth: Auth }): Promise<T>;
  patch<T>(path: string, body: unknown, options: { auth: Auth }): Promise<T>;
  delete<T>(path: string, options: { auth: Auth }): Promise<T>;
  /** GET whose body the caller reads as it arrives (a live stream, an export); no timeout, `signal` ends it. */
  open(path: string, options: { auth: Auth; query?: QueryValues; headers?: Record<string, string>; signal?: AbortSignal }): Promise<Response>;
}

export interface ApiClientOptions {
  /** Base URL without a trailing slash. */
  url: string;
  apiKey: () => Secret;
  adminToken: () => Secret;
  /** How long one call may take; SQL over a big table is the slow case. */
  timeoutMillis?: number;
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MILLIS = 60_000;

/** Builds `?a=1&b=2`, leaving out unset values. */
export function toQueryString(query: QueryValues | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The low-level reason fetch gave (ECONNREFUSED, ENOTFOUND, …), for the message. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function authHint(status: number, auth: Auth, secret: Secret): string | undefined {
  if ((status !== 401 && status !== 403) || auth === 'none') return undefined;
  const what = auth === 'admin' ? 'admin token' : 'API key';
  return `The ${what} came from ${secret.source}.`;
}

/** Reads an error reply; the collector sends `{error: {code, message, retryable}}`, a proxy may send anything. */
async function toApiError(response: Response, auth: Auth, secret: Secret, url: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  const hint = authHint(response.status, auth, secret);
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; retryable?: unknown } };
    if (body.error && typeof body.error.code === 'string') {
      return new ApiError(body.error.code, String(body.error.message ?? ''), {
        status: response.status,
        retryable: body.error.retryable === true,
        hint,
      });
    }
  } catch {
    // Not JSON: fall through to the generic error below.
  }
  const snippet = text.trim().slice(0, 200);
  return new ApiError(`HTTP_${response.status}`, `${response.statusText || 'error'} from ${url}${snippet ? `: ${snippet}` : ''}`, {
    status: response.status,
    hint: hint ?? 'Is that URL an X-Ray collector?',
  });
}

/**
 * @example
 * const client = createApiClient({ url: settings.url, apiKey: settings.apiKey, adminToken: settings.adminToken });
 * const page = await client.get('/api/v1/executions', { auth: 'app', query: { status: 'failed' } });
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS;

  async function call<T>(method: string, path: string, auth: Auth, init: { query?: QueryValues; body?: unknown }): Promise<T> {
    // Resolve the secret first: a missing key is a local problem, reported before any network call.
    const secret: Secret = auth === 'none' ? { value: '', source: 'none' } : auth === 'admin' ? options.adminToken() : options.apiKey();
    const url = `${options.url}${path}${toQueryString(init.query)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth !== 'none') headers.authorization = `Bearer ${secret.value}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(timeoutMillis),
      });
    } catch (error) {
      throw new UnreachableError(options.url, networkReason(error), error);
    }
    if (!response.ok) throw await toApiError(response, auth, secret, options.url);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The timeout can fire while the body is still arriving.
      throw new UnreachableError(options.url, networkReason(error), error);
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new CliError(`${options.url} answered ${method} ${path} with something that is not JSON.`, {
        hint: 'Is that URL an X-Ray collector?',
        cause: error,
      });
    }
  }

  return {
    get: (path, { auth, query }) => call('GET', path, auth, { query }),
    post: (path, body, { auth }) => call('POST', path, auth, { body }),
    put: (path, body, { auth }) => call('PUT', path, auth, { body }),
    patch: (path, body, { auth }) => call('PATCH', path, auth, { body }),
    delete: (path, { auth }) => call('DELETE', path, auth, {}),
    async open(path, { auth, query, headers, signal }) {
      const secret = auth === 'admin' ? options.adminToken() : options.apiKey();
      let response: Response;
      try {
        response = await doFetch(`${options.url}${path}${toQueryString(query)}`, {
          headers: { authorization: `Bearer ${secret.value}`, ...headers },
          signal,
        });
      } catch (error) {
        throw new UnreachableError(options.url, networkReason(error), error);
      }
      if (!response.ok) throw await toApiError(response, auth, secret, options.url);
      return response;
    },
  };
}
