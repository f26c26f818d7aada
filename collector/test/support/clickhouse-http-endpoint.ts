/**
 * TEST SUPPORT ONLY: a small ClickHouse-HTTP-compatible endpoint in front of
 * the embedded engine (chDB), so `@clickhouse/client` (the server backend's
 * code path) runs against real ClickHouse SQL in tests. No ClickHouse server
 * is needed. Not for production: no TLS, no streaming, one process.
 *
 * How a request runs. Each HTTP request gets its own chDB connection, opened on
 * the given Session's data directory (`new Session(session.path)`: same
 * directory, so the engine is shared, not re-bound) and closed when the request
 * ends. A connection carries its own current database, settings and query
 * parameters, so, as on a real server, nothing one request sets leaks into the
 * next, and requests can run concurrently. On that connection:
 *   1. `USE <database>`                       if `database` / X-ClickHouse-Database
 *   2. `SET param_x = '…', <setting> = '…'`   URL query parameters and settings
 *   3. the query, with `default_format` (else TabSeparated) as output format
 * The result is buffered whole, then sent (like `wait_end_of_query=1`), so an
 * error always comes back as a proper error response and never cuts off a body.
 *
 * Why `SET param_x` rather than `Session.queryBindAsync`: `param_x` in the URL
 * is already text in ClickHouse's escaped form (the client sends `it\'s`,
 * `['a\'b']`), and the server parses that text per the declared `{x:Type}`.
 * `queryBindAsync` escapes a string value again (`it\'s` arrives as the
 * literal text `it\'s`, and an Array(String) containing `\'` fails with code
 * 130). `SET param_x = '<text>'` hands the text to the engine unchanged, so it
 * parses it as the server would.
 *
 * Supported:
 *  - GET /ping (and HEAD): `Ok.\n`. GET / with no query: `Ok.\n`.
 *  - GET or POST /: the query in the `query` URL parameter, the body, or both
 *    (then: query + '\n' + body, as the server does; this is how the client's
 *    `INSERT INTO t (cols) FORMAT JSONEachRow` + rows arrives). GET runs with
 *    `readonly=2` unless the request sets `readonly`, as on the server.
 *  - `param_<name>`: query parameters, parsed by the engine per declared type.
 *  - `database` (or X-ClickHouse-Database), `default_format` (or
 *    X-ClickHouse-Format), `query_id` (or X-ClickHouse-Query-Id).
 *  - Every other URL parameter is a setting (`SET name = 'value'`); the
 *    engine rejects unknown ones (code 115), as the server does. Values are
 *    passed as strings, which the engine parses per setting type.
 *  - Auth as the server reads it: X-ClickHouse-User/X-ClickHouse-Key headers,
 *    else HTTP Basic, else `user`/`password` URL parameters; default user
 *    `default` with an empty password. Checked against `opts` (default:
 *    `default`, no password). Mismatch: code 516 AUTHENTICATION_FAILED with
 *    HTTP 403 (the server's mapping for 516; /ping needs no auth, as on the
 *    server).
 *  - One statement per request, as on the server: a second statement after
 *    `;` is refused with code 62 (chDB itself would run both).
 *  - Request bodies with Content-Encoding gzip, deflate or br. Responses
 *    compressed (br, gzip or deflate, per Accept-Encoding) when
 *    `enable_http_compression=1`.
 *  - Errors: the engine's `Code: N. DB::Exception: … (NAME)` text as the body,
 *    the X-ClickHouse-Exception-Code header, and the HTTP status the server
 *    maps that code to (400 / 401 / 403 / 404 / 500 …).
 *  - Response headers: X-ClickHouse-Query-Id, X-ClickHouse-Format (the
 *    query's trailing FORMAT clause, else the default format),
 *    X-ClickHouse-Timezone, X-ClickHouse-Summary.
 *
 * Not supported:
 *  - `session_id` and `role`, multipart/form-data bodies (external tables,
 *    the client's `use_multipart_params`), `compress`/`decompress` (the
 *    native compression format), zstd. These fail with code 48 NOT_IMPLEMENTED
 *    rather than being ignored.
 *  - Binary request bodies (RowBinary, Native, Parquet …): the body becomes
 *    part of the SQL text, so it must be UTF-8; anything else fails with
 *    code 48. Binary *output* formats are fine.
 *  - Streaming and progress headers (`send_progress_in_http_headers` is
 *    accepted as a setting but nothing is sent before the result is complete).
 *  - X-ClickHouse-Summary: only `result_rows`, `result_bytes` and `elapsed_ns`
 *    are real; the read/written counters are "0" (chDB does not report them
 *    for a plain query).
 *  - Ignored: `quota_key`, `stacktrace`, `buffer_size`, `wait_end_of_query`,
 *    `session_timeout`, `session_check`, `client_protocol_version`,
 *    `close_session`.
 *  - Engine command-line options given to the Session (`connectionArgs`) are
 *    not repeated on the per-request connections.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gzipSync, gunzipSync, inflateSync } from 'node:zlib';
import { Session } from 'chdb';

export interface ClickHouseHttpEndpointOptions {
  /** Accepted user name (default `default`). */
  user?: string;
  /** Accepted password (default empty). */
  password?: string;
}

export interface ClickHouseHttpEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** HTTP requests received so far (all paths, including failed ones). */
  readonly requests: number;
  /** Stops listening, waits for requests in flight, closes their connections. Does not close the Session. */
  close(): Promise<void>;
}

/** A failure to report as ClickHouse would. */
class EndpointError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string) {
    super(message);
  }
}

/** URL parameters the server consumes itself instead of treating them as settings. */
const IGNORED_PARAMS = new Set([
  'user', 'password', 'quota_key', 'stacktrace', 'buffer_size', 'wait_end_of_query',
  'session_timeout', 'session_check', 'client_protocol_version', 'close_session',
]);

/** HTTP status per exception code, as in ClickHouse's exceptionCodeToHTTPStatus. */
const HTTP_STATUS_BY_CODE = new Map<number, number>([
  ...[36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321]
    .map((code): [number, number] => [code, 400]),
  [194, 401],
  ...[192, 193, 516, 512, 497].map((code): [number, number] => [code, 403]),
  ...[60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511].map((code): [number, number] => [code, 404]),
  [159, 408], [381, 411], [229, 413], [779, 415], [48, 501], [209, 503], [76, 503], [439, 503],
]);

const notImplemented = (what: string) => new EndpointError(48, 'NOT_IMPLEMENTED', `${what} is not supported by the test endpoint`);

/** A single-quoted ClickHouse string literal holding `value` exactly. */
function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

const isTrue = (value: string | null) => value !== null && value !== '' && value !== '0' && value.toLowerCase() !== 'false';

function decodeBody(raw: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return raw;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(raw);
    case 'deflate':
      return inflateSync(raw);
    case 'br':
      return brotliDecompressSync(raw);
    default:
      throw notImplemented(`Content-Encoding '${encoding}'`);
  }
}

/** The response codec the server would pick from Accept-Encoding, limited to what node:zlib offers on Node 20. */
function responseCodec(acceptEncoding: string | undefined): 'br' | 'gzip' | 'deflate' | undefined {
  const accepted = (acceptEncoding ?? '').toLowerCase();
  return (['br', 'gzip', 'deflate'] as const).find((codec) => accepted.includes(codec));
}

function compress(body: Buffer, codec: 'br' | 'gzip' | 'deflate'): Buffer {
  if (codec === 'br') return brotliCompressSync(body);
  return codec === 'gzip' ? gzipSync(body) : deflateSync(body);
}

/** Credentials the way the server reads them; throws 516 on a mix of methods. */
function readCredentials(req: IncomingMessage, url: URL): { user: string; password: string } {
  const headerUser = req.headers['x-clickhouse-user'];
  const headerKey = req.headers['x-clickhouse-key'];
  const authorization = req.headers.authorization;
  const inParams = url.searchParams.has('user') || url.searchParams.has('password');
  const mixed = (methods: string) =>
    new EndpointError(516, 'AUTHENTICATION_FAILED', `Invalid authentication: it is not allowed to use ${methods} simultaneously`);
  if (typeof headerUser === 'string' || typeof headerKey === 'string') {
    if (authorization !== undefined) throw mixed('X-ClickHouse HTTP headers and Authorization HTTP header');
    if (inParams) throw mixed('X-ClickHouse HTTP headers and authentication via parameters');
    return { user: String(headerUser ?? ''), password: String(headerKey ?? '') };
  }
  if (authorization !== undefined) {
    if (inParams) throw mixed('Authorization HTTP header and authentication via parameters');
    const match = /^Basic\s+(.*)$/i.exec(authorization);
    if (!match) {
      throw new EndpointError(516, 'AUTHENTICATION_FAILED', `Invalid authentication: '${authorization.split(' ')[0]}' HTTP Authorization scheme is not supported`);
    }
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { user: url.searchParams.get('user') ?? 'default', password: url.searchParams.get('password') ?? '' };
}

/** The trailing `FORMAT name` of a query, if any (best effort; only used for a response header). */
function trailingFormat(sql: string): string | undefined {
  if (/^\s*INSERT\b/i.test(sql)) return undefined;
  return /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i.exec(sql)?.[1];
}

/** Code and text of an engine failure in ClickHouse's wire form. */
function describeError(error: unknown, version: string): { code: number; text: string } {
  if (error instanceof EndpointError) {
    return { code: error.code, text: `Code: ${error.code}. DB::Exception: ${error.message}. (${error.codeName}) (version ${version})` };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { clickhouseCode?: number }).clickhouseCode ?? Number(/^Code: (\d+)\./.exec(message)?.[1] ?? NaN);
  if (Number.isNaN(code)) return { code: 1001, text: `Code: 1001. DB::Exception: ${message}. (STD_EXCEPTION) (version ${version})` };
  return { code, text: /\(version [^)]*\)\s*$/.test(message) ? message : `${message} (version ${version})` };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Starts the endpoint on 127.0.0.1 (random port) over `session`'s data
 * directory. The caller keeps owning `session`: close the endpoint first, then
 * the session.
 */
export async function createClickHouseHttpEndpoint(
  session: Session,
  opts: ClickHouseHttpEndpointOptions = {},
): Promise<ClickHouseHttpEndpoint> {
  const expectedUser = opts.user ?? 'default';
  const expectedPassword = opts.password ?? '';

  const runOnOwnConnection = async <T>(work: (connection: Session) => Promise<T>): Promise<T> => {
    if (!session.open) throw new EndpointError(1001, 'STD_EXCEPTION', 'the chDB session behind the test endpoint is closed');
    const connection = new Session(session.path);
    try {
      return await work(connection);
    } finally {
      connection.close();
    }
  };

  const [version, timezone] = await runOnOwnConnection(async (connection) =>
    (await connection.queryAsync('SELECT version(), timezone()', { format: 'TabSeparated' })).text().trim().split('\t'));

  async function handleQuery(req: IncomingMessage, res: ServerResponse, url: URL, queryId: string): Promise<void> {
    const body = decodeBody(await readBody(req), req.headers['content-encoding']);

    const credentials = readCredentials(req, url);
    if (credentials.user !== expectedUser || credentials.password !== expectedPassword) {
      throw new EndpointError(516, 'AUTHENTICATION_FAILED',
        `${credentials.user}: Authentication failed: password is incorrect, or there is no user with such name`);
    }
    if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) throw notImplemented('multipart/form-data');

    const search = url.searchParams;
    const queryParam = search.get('query') ?? '';
    if (queryParam === '' && body.length === 0 && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    let bodyText: string;
    try {
      bodyText = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      throw notImplemented('A request body that is not UTF-8 text (binary input formats)');
    }
    const sql = queryParam === '' ? bodyText : bodyText === '' ? queryParam : `${queryParam}\n${bodyText}`;
    if (sql.trim() === '') throw new EndpointError(62, 'SYNTAX_ERROR', 'Empty query');

    const assignments: string[] = [];
    for (const [name, value] of search) {
      if (name === '' || name === 'query' || name === 'query_id' || name === 'database' || name === 'default_format') continue;
      if (IGNORED_PARAMS.has(name)) continue;
      if (name === 'session_id' || name === 'role') throw notImplemented(`'${name}'`);
      if (name === 'compress' || name === 'decompress') {
        if (isTrue(value)) throw notImplemented(`'${name}'`);
        continue;
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new EndpointError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
      // `param_x` becomes `SET param_x = '<text as sent>'` (see the header); anything else is a setting.
      assignments.push(`${name} = ${stringLiteral(value)}`);
    }
    // As on the server: GET and HEAD are read-only (`readonly=2`) unless the request says otherwise.
    if ((req.method === 'GET' || req.method === 'HEAD') && !search.has('readonly')) assignments.push(`readonly = '2'`);

    const database = headerValue(req, 'x-clickhouse-database') ?? search.get('database') ?? '';
    const defaultFormat = headerValue(req, 'x-clickhouse-format') ?? search.get('default_format') ?? 'TabSeparated';

    const result = await runOnOwnConnection(async (connection) => {
      await refuseMultiStatements(connection, queryParam !== '' ? queryParam : bodyText);
      if (database !== '') await connection.queryAsync(`USE ${quoteIdentifier(database)}`);
      if (assignments.length > 0) await connection.queryAsync(`SET ${assignments.join(', ')}`);
      return connection.queryAsync(sql, { format: defaultFormat });
    });

    const summary = {
      read_rows: '0', read_bytes: '0', written_rows: '0', written_bytes: '0', total_rows_to_read: '0',
      result_rows: String(result.rowsRead), result_bytes: String(result.bytesRead),
      elapsed_ns: String(Math.round(result.elapsed * 1e9)),
    };
    const format = trailingFormat(sql) ?? defaultFormat;
    send(req, res, url, 200, Buffer.from(result.bytes()), {
      'Content-Type': /^JSON/i.test(format) ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8',
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Timezone': timezone,
      'X-ClickHouse-Summary': JSON.stringify(summary),
    });
  }

  let requests = 0;
  const inFlight = new Set<Promise<void>>();

  const server = createServer((req, res) => {
    requests += 1;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const queryId = url.searchParams.get('query_id') || headerValue(req, 'x-clickhouse-query-id') || randomUUID();
    const done = (async () => {
      try {
        if (url.pathname === '/ping') {
          req.resume();
          res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
        } else if (url.pathname === '/') {
          await handleQuery(req, res, url, queryId);
        } else {
          req.resume();
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' })
            .end(`There is no handle ${url.pathname}\n\nUse / or /ping for health checks.\n`);
        }
      } catch (error) {
        const { code, text } = describeError(error, version);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        send(req, res, url, HTTP_STATUS_BY_CODE.get(code) ?? 500, Buffer.from(`${text}\n`), {
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Query-Id': queryId,
          'X-ClickHouse-Exception-Code': String(code),
        });
      }
    })();
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await closed;
    },
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The server's max_query_size default: the part of a request it parses as SQL. */
const MAX_QUERY_SIZE = 262_144;

/**
 * chDB runs every statement of a text separated by `;`; the server runs one
 * and refuses a second with code 62 ("Multi-statements are not allowed").
 * The engine's own parser (formatQuery, with the text as a bound value)
 * decides, as on the server. INSERT data after FORMAT is not SQL and is not
 * looked at (formatQuery stops there, as the server does).
 */
async function refuseMultiStatements(connection: Session, sql: string): Promise<void> {
  if (Buffer.byteLength(sql) > MAX_QUERY_SIZE) return;
  try {
    await connection.queryBindAsync('SELECT formatQuery({q:String})', { q: sql }, { format: 'TabSeparated' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = /Syntax error \(Multi-statements are not allowed\)[^\n]*?(?=\. : In scope|$)/.exec(message);
    if (detail) throw new EndpointError(62, 'SYNTAX_ERROR', detail[0]);
  }
}

/** Writes a buffered response, compressed when the request enabled HTTP compression. */
function send(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  status: number,
  body: Buffer,
  headers: Record<string, string>,
): void {
  const codec = isTrue(url.searchParams.get('enable_http_compression')) ? responseCodec(req.headers['accept-encoding']) : undefined;
  const payload = codec ? compress(body, codec) : body;
  res.writeHead(status, {
    ...headers,
    ...(codec ? { 'Content-Encoding': codec } : {}),
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}
