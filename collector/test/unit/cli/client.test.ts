import { describe, expect, it } from 'vitest';
import { createApiClient, toQueryString } from '../../../src/cli/client.js';
import { ApiError, CliError, UnreachableError } from '../../../src/cli/errors.js';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(reply: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fn = async (url: string | URL | Request, init?: RequestInit) => {
    const call = { url: String(url), init: init ?? {} };
    calls.push(call);
    return reply(call);
  };
  return { fetch: fn as typeof fetch, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function client(fetchFn: typeof fetch) {
  return createApiClient({
    url: 'http://collector:4318',
    apiKey: () => ({ value: 'xr_app', source: 'XRAY_API_KEY' }),
    adminToken: () => ({ value: 'xradm_admin', source: '--admin-token' }),
    fetch: fetchFn,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('client', () => {
  describe('createApiClient', () => {
    it('sends the app key to query routes, with the query string, and returns the JSON', async () => {
      const { fetch, calls } = fakeFetch(() => json(200, { executions: [], nextCursor: null }));
      const body = await client(fetch).get('/api/v1/executions', { auth: 'app', query: { status: 'failed', q: undefined, limit: 5 } });
      expect(body).toEqual({ executions: [], nextCursor: null });
      expect(calls[0].url).toBe('http://collector:4318/api/v1/executions?status=failed&limit=5');
      expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer xr_app');
    });

    it('sends the admin token and a JSON body to admin routes', async () => {
      const { fetch, calls } = fakeFetch(() => json(200, { rows: [], truncated: false }));
      await client(fetch).post('/api/v1/admin/sql', { sql: 'SELECT 1' }, { auth: 'admin' });
      expect(calls[0].init.method).toBe('POST');
      expect(calls[0].init.body).toBe('{"sql":"SELECT 1"}');
      expect(calls[0].init.headers).toMatchObject({ authorization: 'Bearer xradm_admin', 'content-type': 'application/json' });
    });

    it('turns an error body into ApiError with its code and message', async () => {
      const { fetch } = fakeFetch(() => json(400, { error: { code: 'XRAY_ERR_SQL_REJECTED', message: 'Only one read-only statement', retryable: false } }));
      const error = await rejection(client(fetch).post('/api/v1/admin/sql', { sql: 'DROP TABLE steps' }, { auth: 'admin' }));
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: 'XRAY_ERR_SQL_REJECTED', message: 'Only one read-only statement', status: 400, hint: undefined });
    });

    it('says where the rejected secret came from on 401 and 403', async () => {
      const { fetch } = fakeFetch(() => json(401, { error: { code: 'XRAY_ERR_AUTH_INVALID_KEY', message: 'unknown or revoked', retryable: false } }));
      const error = await rejection(client(fetch).get('/api/v1/executions', { auth: 'app' }));
      expect(error).toMatchObject({ code: 'XRAY_ERR_AUTH_INVALID_KEY', hint: 'The API key came from XRAY_API_KEY.' });
    });

    it('reports a reply that is not an X-Ray error by its HTTP status', async () => {
      const { fetch } = fakeFetch(() => new Response('<h1>Bad Gateway</h1>', { status: 502, statusText: 'Bad Gateway' }));
      const error = await rejection(client(fetch).get('/api/v1/executions', { auth: 'app' }));
      expect(error).toMatchObject({ code: 'HTTP_502', status: 502 });
      expect((error as ApiError).message).toContain('Bad Gateway from http://collector:4318');
    });

    it('reports a success that is not JSON', async () => {
      const { fetch } = fakeFetch(() => new Response('hello', { status: 200 }));
      const error = await rejection(client(fetch).get('/api/v1/executions', { auth: 'app' }));
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toMatch(/not JSON/);
    });

    it('turns a refused connection into UnreachableError telling to start the collector', async () => {
      const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      const { fetch } = fakeFetch(() => Promise.reject(refused));
      const error = await rejection(client(fetch).get('/api/v1/executions', { auth: 'app' }));
      expect(error).toBeInstanceOf(UnreachableError);
      expect((error as UnreachableError).message).toBe('Cannot reach the X-Ray collector at http://collector:4318 (ECONNREFUSED).');
      expect((error as UnreachableError).hint).toMatch(/npm start/);
    });

    it('asks for the secret before any network call', async () => {
      const { fetch, calls } = fakeFetch(() => json(200, {}));
      const api = createApiClient({
        url: 'http://collector:4318',
        apiKey: () => {
          throw new CliError('No API key');
        },
        adminToken: () => ({ value: 't', source: 's' }),
        fetch,
      });
      await expect(api.get('/api/v1/executions', { auth: 'app' })).rejects.toThrow('No API key');
      expect(calls).toHaveLength(0);
    });
  });

  describe('toQueryString', () => {
    it('leaves out unset and empty values and encodes the rest', () => {
      expect(toQueryString({ a: 'x y', b: undefined, c: '', d: 3 })).toBe('?a=x+y&d=3');
      expect(toQueryString({})).toBe('');
    });
  });
});
