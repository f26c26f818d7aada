/**
 * The test-only ClickHouse HTTP endpoint, driven by the real
 * @clickhouse/client over HTTP against the embedded engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ClickHouseError, createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseHttpEndpoint } from '../support/clickhouse-http-endpoint.js';
import type { ClickHouseHttpEndpoint } from '../support/clickhouse-http-endpoint.js';

const USER = 'xray';
const PASSWORD = 'p@ss:w0rd';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One plain HTTP request, to look at the wire format the client hides. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// Strings that break naive escaping on the way in (JSONEachRow body) or out (query parameters).
const TRICKY = `it's "quoted" \\ back\\slash \\n not-a-newline`;
const UNICODE = 'ünïcødé 😀 中文';

const ROWS = [
  {
    id: '1',
    name: TRICKY,
    note: 'line1\nline2\ttab\r\nend',
    ts: '2024-01-02 03:04:05.123456789',
    attrs: { "k'ey": 'v"al', 'new\nline': UNICODE, 'back\\slash': '' },
    tags: ['a', "b'c", 'd\\e'],
  },
  {
    id: '2',
    name: UNICODE,
    note: '',
    ts: '2024-06-30 23:59:59.000000001',
    attrs: {},
    tags: [],
  },
  {
    id: '18446744073709551615',
    name: 'max',
    note: 'UInt64 max',
    ts: '1970-01-01 00:00:00.000000000',
    attrs: { only: 'one' },
    tags: ['x'],
  },
];

describe('ClickHouse HTTP test endpoint over chDB', () => {
  let dataDir: string;
  let session: Session;
  let endpoint: ClickHouseHttpEndpoint;
  let client: ClickHouseClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xray-ch-http-'));
    session = new Session(dataDir);
    endpoint = await createClickHouseHttpEndpoint(session, { user: USER, password: PASSWORD });
    client = createClient({
      url: endpoint.url,
      username: USER,
      password: PASSWORD,
      // Sent as a URL setting on every request, as the collector's server backend does.
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
  });

  afterAll(async () => {
    await client?.close();
    await endpoint?.close();
    session?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers ping, both /ping and SELECT', async () => {
    expect(await client.ping()).toEqual({ success: true });
    expect(await client.ping({ select: true })).toEqual({ success: true });
    const res = await rawRequest(`${endpoint.url}/ping`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('Ok.\n');
  });

  it('creates a MergeTree table, inserts JSONEachRow rows and reads them back unchanged', async () => {
    await client.command({
      query: `CREATE TABLE events (
        id UInt64, name String, note String, ts DateTime64(9),
        attrs Map(String, String), tags Array(String)
      ) ENGINE = MergeTree ORDER BY id`,
    });
    const inserted = await client.insert({ table: 'events', values: ROWS, format: 'JSONEachRow' });
    expect(inserted.executed).toBe(true);

    const rs = await client.query({ query: 'SELECT * FROM events ORDER BY id', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual(ROWS);
  });

  it('binds query_params of String, UInt64, DateTime64(9) and Array(String) as the server does', async () => {
    const sql = `SELECT id, name, tags FROM events
      WHERE name = {name:String} AND id >= {minId:UInt64} AND ts >= {since:DateTime64(9)}
        AND hasAny(tags, {tags:Array(String)})
      ORDER BY id`;
    const run = async (params: Record<string, unknown>) =>
      (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json();

    const base = { name: TRICKY, minId: 1, since: '2024-01-02 03:04:05.123456789', tags: ["b'c", 'zzz'] };
    expect(await run(base)).toEqual([{ id: '1', name: TRICKY, tags: ROWS[0].tags }]);
    // One nanosecond later excludes the row: DateTime64(9) keeps full precision.
    expect(await run({ ...base, since: '2024-01-02 03:04:05.12345679' })).toEqual([]);
    // A bigint beyond 2^53 binds exactly.
    const max = { name: 'max', since: '1970-01-01 00:00:00', tags: ['x'] };
    expect(await run({ ...max, minId: 18446744073709551615n }))
      .toEqual([{ id: '18446744073709551615', name: 'max', tags: ['x'] }]);
    expect(await run({ ...max, minId: 18446744073709551614n })).toHaveLength(1);
    expect(await run({ ...base, name: UNICODE, minId: 0, since: '2024-01-01 00:00:00', tags: [] })).toEqual([]);
  });

  it('round-trips parameter values that need escaping, including inside arrays and maps', async () => {
    const rs = await client.query({
      query: `SELECT {s:String} AS s, {a:Array(String)} AS a, {m:Map(String, String)} AS m,
        toString({u:UInt64}) AS u, toUnixTimestamp64Milli({d:DateTime64(3)}) AS d, {n:Nullable(String)} AS n`,
      query_params: {
        s: `${TRICKY}\n\t${UNICODE}`,
        a: ["x'y", 'back\\slash', 'new\nline', UNICODE],
        m: { "k'": 'v\\', tab: '\t' },
        u: 18446744073709551615n,
        d: new Date('2024-01-02T03:04:05.123Z'),
        n: null,
      },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{
      s: `${TRICKY}\n\t${UNICODE}`,
      a: ["x'y", 'back\\slash', 'new\nline', UNICODE],
      m: { "k'": 'v\\', tab: '\t' },
      u: '18446744073709551615',
      d: '1704164645123',
      n: null,
    }]);
  });

  it('keeps query parameters of concurrent requests apart', async () => {
    const values = Array.from({ length: 16 }, (_, i) => `value-${i}-'${'\\'.repeat(i % 3)}`);
    const results = await Promise.all(values.map(async (v) =>
      (await client.query({ query: 'SELECT {v:String} AS v', query_params: { v }, format: 'JSONEachRow' })).json()));
    expect(results).toEqual(values.map((v) => [{ v }]));
  });

  it('surfaces SQL errors as ClickHouseError with the engine code', async () => {
    const syntax = await client.query({ query: 'SELEC 1' }).catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(ClickHouseError);
    expect(syntax).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });

    await expect(client.query({ query: 'SELECT * FROM no_such_table' }))
      .rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    await expect(client.query({ query: 'SELECT {missing:UInt8}' }))
      .rejects.toMatchObject({ code: '456', type: 'UNKNOWN_QUERY_PARAMETER' });
    await expect(client.query({ query: 'SELECT {n:UInt8}', query_params: { n: 'not a number' } }))
      .rejects.toMatchObject({ code: '457' });
    await expect(client.insert({ table: 'events', values: [{ id: 'x' }], format: 'JSONEachRow' }))
      .rejects.toBeInstanceOf(ClickHouseError);
  });

  it('applies settings per request only', async () => {
    await client.command({ query: 'CREATE TABLE scratch (id UInt64, s String) ENGINE = MergeTree ORDER BY id' });
    await expect(client.command({
      query: "INSERT INTO scratch VALUES (1, 'x')",
      clickhouse_settings: { readonly: '1' },
    })).rejects.toMatchObject({ code: '164', type: 'READONLY' });
    // The next request starts from the default settings again.
    await client.command({ query: "INSERT INTO scratch VALUES (1, 'x')" });

    const rs = await client.query({
      query: "SELECT toString(getSetting('max_threads')) AS t, toString(getSetting('readonly')) AS r",
      clickhouse_settings: { max_threads: 3 },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ t: '3', r: '0' }]);
    await expect(client.query({ query: 'SELECT 1', clickhouse_settings: { no_such_setting: 1 } as never }))
      .rejects.toMatchObject({ code: '115' });
  });

  it('runs exec and command, with and without parameters', async () => {
    await client.command({
      query: 'INSERT INTO scratch SELECT {id:UInt64}, {s:String}',
      query_params: { id: 2, s: TRICKY },
    });
    const result = await client.exec({ query: 'SELECT id, s FROM scratch ORDER BY id FORMAT JSONEachRow' });
    const chunks: Buffer[] = [];
    for await (const chunk of result.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(
      `${JSON.stringify({ id: '1', s: 'x' })}\n${JSON.stringify({ id: '2', s: TRICKY })}\n`);
    expect(result.query_id).toMatch(/.+/);
    expect(result.response_headers['x-clickhouse-query-id']).toBe(result.query_id);
  });

  it('rejects a wrong password with code 516', async () => {
    const wrong = createClient({ url: endpoint.url, username: USER, password: 'wrong' });
    try {
      const error = await wrong.query({ query: 'SELECT 1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClickHouseError);
      expect(error).toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
      await expect(wrong.command({ query: 'DROP TABLE events' })).rejects.toMatchObject({ code: '516' });
      expect((await wrong.ping({ select: true })).success).toBe(false);
    } finally {
      await wrong.close();
    }
    const unknownUser = createClient({ url: endpoint.url, username: 'default', password: PASSWORD });
    try {
      await expect(unknownUser.query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516' });
    } finally {
      await unknownUser.close();
    }
    // The table survived the rejected DROP.
    const rs = await client.query({ query: 'SELECT count() AS n FROM events', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: '3' }]);
  });

  it('uses the database setting of the client', async () => {
    await client.command({ query: 'CREATE DATABASE other' });
    const other = createClient({ url: endpoint.url, username: USER, password: PASSWORD, database: 'other' });
    try {
      await other.command({ query: 'CREATE TABLE t (n UInt8) ENGINE = MergeTree ORDER BY n' });
      await other.insert({ table: 't', values: [{ n: 7 }], format: 'JSONEachRow' });
      const rs = await other.query({ query: 'SELECT currentDatabase() AS db, n FROM t', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ db: 'other', n: 7 }]);
    } finally {
      await other.close();
    }
    const rs = await client.query({ query: 'SELECT n FROM other.t', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: 7 }]);
  });

  it('works with request and response compression in the client', async () => {
    const compressed = createClient({
      url: endpoint.url,
      username: USER,
      password: PASSWORD,
      compression: { request: true, response: true },
    });
    try {
      await compressed.command({ query: 'CREATE TABLE zipped (s String) ENGINE = MergeTree ORDER BY s' });
      await compressed.insert({ table: 'zipped', values: [{ s: UNICODE }, { s: TRICKY }], format: 'JSONEachRow' });
      const rs = await compressed.query({ query: 'SELECT s FROM zipped ORDER BY s', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ s: TRICKY }, { s: UNICODE }].sort((a, b) => (a.s < b.s ? -1 : 1)));
    } finally {
      await compressed.close();
    }
  });

  it('speaks the HTTP wire format: gzip both ways, headers, error bodies, read-only GET', async () => {
    const ok = await rawRequest(`${endpoint.url}/?enable_http_compression=1&query_id=raw-1`, {
      method: 'POST',
      headers: { Authorization: basicAuth(USER, PASSWORD), 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip' },
      body: gzipSync(Buffer.from(`SELECT 'héllo' AS x FORMAT JSONEachRow`)),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-encoding']).toBe('gzip');
    expect(ok.headers['x-clickhouse-query-id']).toBe('raw-1');
    expect(ok.headers['x-clickhouse-format']).toBe('JSONEachRow');
    expect(JSON.parse(String(ok.headers['x-clickhouse-summary']))).toMatchObject({ result_rows: '1' });
    expect(gunzipSync(ok.body).toString('utf8')).toBe('{"x":"héllo"}\n');

    // Query start in the URL, rest in the body; X-ClickHouse headers for auth; default format.
    const split = await rawRequest(`${endpoint.url}/?query=${encodeURIComponent('SELECT 1 +')}&default_format=CSV`, {
      method: 'POST',
      headers: { 'X-ClickHouse-User': USER, 'X-ClickHouse-Key': PASSWORD },
      body: '41 AS answer',
    });
    expect(split.status).toBe(200);
    expect(split.headers['x-clickhouse-format']).toBe('CSV');
    expect(split.body.toString()).toBe('42\n');

    const bad = await rawRequest(`${endpoint.url}/`, {
      method: 'POST',
      headers: { Authorization: basicAuth(USER, PASSWORD) },
      body: 'SELEC 1',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['x-clickhouse-exception-code']).toBe('62');
    expect(bad.body.toString()).toMatch(/^Code: 62\. DB::Exception: .*\(SYNTAX_ERROR\)/s);

    const denied = await rawRequest(`${endpoint.url}/?query=SELECT%201`, { headers: { Authorization: basicAuth(USER, 'nope') } });
    expect(denied.status).toBe(403);
    expect(denied.headers['x-clickhouse-exception-code']).toBe('516');

    const readOnlyGet = await rawRequest(
      `${endpoint.url}/?query=${encodeURIComponent("INSERT INTO scratch VALUES (9, 'get')")}`,
      { headers: { Authorization: basicAuth(USER, PASSWORD) } },
    );
    expect(readOnlyGet.headers['x-clickhouse-exception-code']).toBe('164');

    const unsupported = await rawRequest(`${endpoint.url}/?query=SELECT%201&session_id=abc`, {
      headers: { Authorization: basicAuth(USER, PASSWORD) },
    });
    expect(unsupported.status).toBe(501);
    expect(unsupported.headers['x-clickhouse-exception-code']).toBe('48');
  });

  describe('is as strict as a real server', () => {
    it('refuses a second statement with code 62 and runs neither', async () => {
      await client.command({ query: 'CREATE TABLE multi_guard (a UInt8) ENGINE = Memory' });
      const attempt = client.command({ query: 'SELECT 1; DROP TABLE multi_guard' });
      await expect(attempt).rejects.toMatchObject({ code: '62' });
      const rows = await (await client.query({ query: "EXISTS TABLE multi_guard", format: 'JSONEachRow' })).json();
      expect(rows).toEqual([{ result: 1 }]);
      await client.command({ query: 'SELECT 1;' });
    });

    it('honours readonly = 1 from the settings channel: writes, DDL and SET are refused (code 164)', async () => {
      const readonly = { readonly: '1' } as const;
      for (const query of ['CREATE TABLE ro_guard (a UInt8) ENGINE = Memory', 'SET max_threads = 1']) {
        await expect(client.command({ query, clickhouse_settings: readonly })).rejects.toMatchObject({ code: '164' });
      }
      const rows = await (await client.query({ query: "EXISTS TABLE ro_guard", format: 'JSONEachRow' })).json();
      expect(rows).toEqual([{ result: 0 }]);
    });

    it('honours max_result_rows with result_overflow_mode break (cut) and throw (code 396)', async () => {
      const cut = await client.query({
        query: 'SELECT number FROM numbers(1000000)',
        format: 'JSONEachRow',
        clickhouse_settings: { max_result_rows: '10', result_overflow_mode: 'break', readonly: '1' },
      });
      const rows = await cut.json<{ number: number }>();
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.length).toBeLessThan(1000000);
      const thrown = client.query({ query: 'SELECT number FROM numbers(1000000)', format: 'JSONEachRow', clickhouse_settings: { max_result_rows: '10' } });
      await expect(thrown.then((result) => result.json())).rejects.toMatchObject({ code: '396' });
    });

    it('honours max_execution_time (code 159)', async () => {
      const slow = client.query({
        query: 'SELECT count() FROM numbers(1e11)',
        format: 'JSONEachRow',
        clickhouse_settings: { max_execution_time: 1 },
      });
      await expect(slow.then((result) => result.json())).rejects.toMatchObject({ code: '159' });
    });
  });

  describe('deduplication settings reach the engine as sent (issue 13)', () => {
    const count = async (table: string) =>
      Number(((await (await client.query({ query: `SELECT toString(count()) AS n FROM ${table}`, format: 'JSONEachRow' })).json()) as { n: string }[])[0].n);
    const insert = (table: string, token: string, settings: Record<string, number> = {}) =>
      client.insert({
        table,
        values: [{ id: 1, s: 'a' }, { id: 2, s: 'b' }],
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: token, ...settings },
      });

    it('drops an insert whose token the table has seen, plain or async, and stores a new token', async () => {
      await client.command({
        query: 'CREATE TABLE dedup (id UInt64, s String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100',
      });
      await insert('dedup', 'first');
      await insert('dedup', 'first');
      expect(await count('dedup')).toBe(2);
      const asyncInsert = { async_insert: 1, wait_for_async_insert: 1, async_insert_deduplicate: 1 };
      await insert('dedup', 'second', asyncInsert);
      await insert('dedup', 'second', asyncInsert);
      expect(await count('dedup')).toBe(4);
      await insert('dedup', 'third');
      expect(await count('dedup')).toBe(6);
    });

    it('stores every copy where ClickHouse would: a table with no deduplication window', async () => {
      await client.command({ query: 'CREATE TABLE no_window (id UInt64, s String) ENGINE = MergeTree ORDER BY id' });
      await insert('no_window', 'same');
      await insert('no_window', 'same');
      expect(await count('no_window')).toBe(4);
    });
  });

  it('counts requests', () => {
    expect(endpoint.requests).toBeGreaterThan(40);
  });
});
