/**
 * Admin SQL, tried as an attacker would, against the real collector on both
 * backends (embedded chDB, and @clickhouse/client through the ClickHouse-HTTP
 * test endpoint). Each attack must be answered 400 with its code, and after
 * each one no table, row count, key, setting or file may have changed and no
 * network call may have been made. Legitimate statements still work.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSql, startCollector } from '../../support/collector-harness.js';
import type { BackendKind, Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

const OUT_DIR = mkdtempSync(join(tmpdir(), 'xray-sql-attack-'));
const OUT = join(OUT_DIR, 'out.txt');
const RELATIVE_OUT = 'xray-sql-attack-out.txt';

/** An HTTP server standing for "the network": any request it gets is a failed test. */
let networkHits = 0;
const network = createServer((req, res) => {
  networkHits += 1;
  res.end('1\n');
});
let NET = '';

/** Attack strings; `${NET}` is 127.0.0.1:<port of the server above>. */
const attacks = (): [string, string][] => [
  ['multi-statement', 'SELECT 1; DROP TABLE steps'],
  ['multi-statement, no space', 'SELECT 1;DROP TABLE steps;'],
  ['line comment hiding the semicolon', 'SELECT 1 -- comment\n; DROP TABLE steps'],
  ['block comment then second statement', "SELECT 1 /* ; */ ; INSERT INTO api_keys (key_hash, key_prefix, app_id, name, version) VALUES ('h', 'xr_forged00', 'default', 'x', 1)"],
  ['statement in a leading line comment', '-- SELECT 1\nDROP TABLE steps'],
  ['statement after a leading block comment', '/* SELECT */ CREATE TABLE pwn (a UInt8) ENGINE = Memory'],
  ['single-quoted semicolon then a statement', "SELECT 'a;b'; DROP TABLE apps"],
  ['escaped quote trick', "SELECT 'a\\\\'; DROP TABLE apps"],
  ['double-quoted identifier then a statement', 'SELECT 1 AS "x;"; TRUNCATE TABLE steps'],
  ['backquoted identifier then a statement', 'SELECT 1 AS `a``;`; TRUNCATE TABLE steps'],
  ['heredoc string then a statement', 'SELECT $$;$$; DROP TABLE apps'],
  ['INSERT via WITH and FORMAT with inline data', "WITH 1 AS x INSERT INTO apps (app_id, name, version) FORMAT TSV\npwned\tpwned\t1"],
  ['INSERT forging a key', "INSERT INTO api_keys (key_hash, key_prefix, app_id, name, version) VALUES ('h', 'xr_forged00', 'default', 'x', 1)"],
  ['INSERT … SELECT', 'INSERT INTO api_keys SELECT * FROM api_keys'],
  ['INSERT with JSON inline data', 'INSERT INTO apps FORMAT JSONEachRow {"app_id":"pwn","name":"pwn","version":1}'],
  ['SELECT with FORMAT and trailing data', 'SELECT 1 FORMAT TSV\n1\n2'],
  ['SETTINGS readonly = 0', 'SELECT 1 SETTINGS readonly = 0'],
  ['SETTINGS lifting the row cap', "SELECT * FROM numbers(10) SETTINGS max_result_rows = 0, result_overflow_mode = 'throw'"],
  ['SETTINGS lifting the time cap', 'SELECT * FROM numbers(10) SETTINGS max_execution_time = 0'],
  ['SETTINGS on the last SELECT of a UNION', 'SELECT 1 UNION ALL SELECT 2 SETTINGS readonly = 0'],
  ['SET readonly', 'SET readonly = 0'],
  ['SET a limit', 'SET max_memory_usage = 0'],
  ['USE', 'USE system'],
  ['file() table function', "SELECT * FROM file('/etc/passwd', 'LineAsString')"],
  ['file() scalar function', "SELECT file('/etc/passwd')"],
  ['FILE() in capitals', "select * from FILE('/etc/passwd', 'LineAsString')"],
  ['file() in a subquery', "SELECT * FROM (SELECT * FROM file('/etc/passwd', 'LineAsString'))"],
  ['file() in WITH', "WITH (SELECT count() FROM file('/etc/passwd', 'LineAsString')) AS n SELECT n"],
  ['DESCRIBE of file()', "DESCRIBE TABLE file('/etc/passwd', 'LineAsString')"],
  ['url() table function', `SELECT * FROM url('http://${NET}/', 'LineAsString')`],
  ['url() in an IN subquery', `SELECT 1 WHERE 1 IN (SELECT 1 FROM url('http://${NET}/', 'CSV', 'a UInt8'))`],
  ['url() in a JOIN', `SELECT * FROM executions AS e JOIN url('http://${NET}/', 'CSV', 'a UInt8') AS u ON 1`],
  ['s3()', `SELECT * FROM s3('http://${NET}/bucket/key', 'CSV', 'a UInt8')`],
  ['remote()', `SELECT * FROM remote('${NET}', system.one)`],
  ['remoteSecure()', `SELECT * FROM remoteSecure('${NET}', system.one)`],
  ['cluster()', "SELECT * FROM cluster('default', system.one)"],
  ['mysql()', `SELECT * FROM mysql('${NET}', 'db', 't', 'u', 'p')`],
  ['postgresql()', `SELECT * FROM postgresql('${NET}', 'db', 't', 'u', 'p')`],
  ['executable()', "SELECT * FROM executable('id', 'TSV', 'x String')"],
  ['hdfs()', `SELECT * FROM hdfs('hdfs://${NET}/x', 'TSV', 'a String')`],
  ['input()', "SELECT * FROM input('x String')"],
  ['jdbc()', "SELECT * FROM jdbc('jdbc:mysql://x', 'db', 't')"],
  ['odbc()', "SELECT * FROM odbc('DSN=x', 't')"],
  ['azureBlobStorage()', `SELECT * FROM azureBlobStorage('http://${NET}', 'c', 'b', 'CSV')`],
  ['dictionary()', "SELECT * FROM dictionary('d')"],
  ['dictGet()', "SELECT dictGet('d', 'a', toUInt64(1))"],
  ['merge()', "SELECT * FROM merge('system', '.*')"],
  ['EXPLAIN TABLE OVERRIDE with mysql()', `EXPLAIN TABLE OVERRIDE mysql('${NET}', 'd', 't', 'u', 'p') PARTITION BY x`],
  ['INTO OUTFILE', `SELECT 1 INTO OUTFILE '${OUT}'`],
  ['INTO OUTFILE relative, TRUNCATE', `SELECT 1 INTO OUTFILE '${RELATIVE_OUT}' TRUNCATE`],
  ['INTO OUTFILE APPEND', `SELECT 1 INTO OUTFILE '${OUT}' APPEND`],
  ['INTO OUTFILE with FORMAT', `SELECT * FROM api_keys INTO OUTFILE '${OUT}' FORMAT CSV`],
  ['SHOW … INTO OUTFILE', `SHOW TABLES INTO OUTFILE '${OUT}'`],
  ['EXPLAIN … INTO OUTFILE', `EXPLAIN AST SELECT 1 INTO OUTFILE '${OUT}'`],
  ['SETTINGS on an EXPLAIN\'s query', 'EXPLAIN SELECT count() FROM steps SETTINGS readonly = 0'],
  ['SETTINGS after EXPLAIN options', 'EXPLAIN indexes = 1 SELECT count() FROM steps SETTINGS max_execution_time = 0'],
  ['SETTINGS after an EXPLAIN\'s FORMAT', 'EXPLAIN indexes = 1 SELECT 1 FORMAT TSV SETTINGS readonly = 0'],
  ['a query setting posing as an EXPLAIN option', 'EXPLAIN readonly = 0 SELECT count() FROM steps'],
  ['EXPLAIN of an INSERT', 'EXPLAIN PIPELINE INSERT INTO apps SELECT * FROM apps'],
  ['SYSTEM', 'SYSTEM STOP MERGES'],
  ['SYSTEM FLUSH', 'SYSTEM FLUSH LOGS'],
  ['KILL', 'KILL QUERY WHERE 1'],
  ['ATTACH', 'ATTACH TABLE pwn (a UInt8) ENGINE = Memory'],
  ['DETACH', 'DETACH TABLE steps'],
  ['OPTIMIZE', 'OPTIMIZE TABLE steps FINAL'],
  ['CREATE TABLE', 'CREATE TABLE pwn (a UInt8) ENGINE = Memory'],
  ['CREATE TABLE on a file', `CREATE TABLE pwn ENGINE = File(TSV, '${OUT}') AS SELECT 1`],
  ['CREATE FUNCTION', 'CREATE FUNCTION pwn AS (x) -> x'],
  ['DROP', 'DROP TABLE steps'],
  ['ALTER', 'ALTER TABLE steps DELETE WHERE 1'],
  ['DELETE', 'DELETE FROM steps WHERE 1'],
  ['RENAME', 'RENAME TABLE steps TO steps_old'],
  ['TRUNCATE', 'TRUNCATE TABLE steps'],
  ['GRANT', 'GRANT ALL ON *.* TO default'],
  ['BACKUP', `BACKUP TABLE steps TO File('${OUT}')`],
  ['an alias that would print its own EXPLAIN AST lines', 'SELECT 1 AS `x\n    Function numbers`'],
  ['unbound query parameter', 'SELECT {x:String}'],
  ['sleep', 'SELECT sleep(3)'],
];

function listFiles(dir: string, within = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [relative(within, path) + '/', ...listFiles(path, within)] : [relative(within, path)];
  });
}

interface Snapshot {
  tables: unknown;
  keys: unknown;
  settings: unknown;
  metadataFiles: string[];
  cwd: string[];
  outDir: string[];
}

async function snapshot(harness: Harness): Promise<Snapshot> {
  return {
    // audit_log grows by design (each attack is itself recorded): its table must stay, its row count may not.
    tables: await harness.sql(
      `SELECT database, name, engine, if(name = 'audit_log', NULL, total_rows) AS total_rows FROM system.tables
       WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') ORDER BY database, name`,
    ),
    keys: await harness.sql('SELECT key_hash, key_prefix, app_id, revoked, version FROM api_keys FINAL ORDER BY key_hash'),
    settings: await harness.sql('SELECT name, value FROM system.settings WHERE changed ORDER BY name'),
    // Table definitions and databases live here: any DDL changes this listing (parts come and go with merges, so not those).
    metadataFiles: listFiles(join(harness.dataDir, 'clickhouse', 'metadata')),
    cwd: readdirSync(process.cwd()).sort(),
    outDir: readdirSync(OUT_DIR).sort(),
  };
}


beforeAll(async () => {
  await new Promise<void>((resolve) => network.listen(0, '127.0.0.1', resolve));
  NET = `127.0.0.1:${(network.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => network.close(() => resolve()));
  rmSync(OUT_DIR, { recursive: true, force: true });
  rmSync(RELATIVE_OUT, { force: true });
});

describe.each<BackendKind>(['embedded', 'server'])('admin SQL sandbox (%s backend)', (backend) => {
  let harness: Harness;

  beforeAll(async () => {
    // No rollup passes: the snapshot compares every table's rows, and a pass folding rows is a write this test did not make.
    harness = await startCollector({ backend, sqlLimits: { maxRows: 100, maxExecutionSeconds: 5 }, rollups: { intervalMillis: 0 } });
    const execution = executionSpans({ pipeline: 'sandbox', steps: [{ name: 'a' }, { name: 'b' }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('has at least 40 attacks', () => {
    expect(attacks().length).toBeGreaterThanOrEqual(40);
  });

  it.each(attacks())('refuses %s and changes nothing', async (_name, sql) => {
    const before = await snapshot(harness);
    const hitsBefore = networkHits;
    const { status, body } = await adminSql(harness, sql);
    expect({ status, code: body.error?.code }).toEqual({ status: 400, code: 'XRAY_ERR_SQL_REJECTED' });
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(await snapshot(harness)).toEqual(before);
    expect(existsSync(OUT)).toBe(false);
    expect(existsSync(RELATIVE_OUT)).toBe(false);
    expect(networkHits).toBe(hitsBefore);
  });

  it('still authenticates only the keys it issued', async () => {
    const response = await postJson(harness.url, 'xr_forged00' + 'A'.repeat(32), jsonRequest([]));
    expect(response.status).toBe(401);
  });

  it.each([
    ['a count over the stored steps', 'SELECT count() AS n FROM steps FINAL', (rows: any[]) => expect(Number(rows[0].n)).toBe(2)],
    ['WITH … SELECT with a comment and a trailing semicolon', 'WITH 2 AS two /* why */ SELECT two * 21 AS answer; -- done', (rows: any[]) => expect(rows).toEqual([{ answer: 42 }])],
    // ORDER BY after a UNION ALL orders only its last SELECT in ClickHouse, so the union is ordered from outside.
    ['a UNION', 'SELECT x FROM (SELECT 1 AS x UNION ALL SELECT 2 AS x) ORDER BY x', (rows: any[]) => expect(rows.map((row) => row.x)).toEqual([1, 2])],
    ['SHOW TABLES', 'SHOW TABLES', (rows: any[]) => expect(rows.map((row) => row.name)).toContain('executions')],
    ['DESCRIBE', 'DESCRIBE TABLE steps', (rows: any[]) => expect(rows.map((row) => row.name)).toContain('app_id')],
    ['EXISTS', 'EXISTS TABLE api_keys', (rows: any[]) => expect(rows).toEqual([{ result: 1 }])],
    ['EXPLAIN', 'EXPLAIN SELECT count() FROM steps', (rows: any[]) => expect(rows.length).toBeGreaterThan(0)],
    [
      'EXPLAIN indexes = 1 (an EXPLAIN option, not a SETTINGS clause)',
      "EXPLAIN indexes = 1 SELECT app_id FROM steps WHERE app_id = 'default'",
      (rows: any[]) => expect(rows.map((row) => String(row.explain).trim())).toContain('PrimaryKey'),
    ],
    ['a string holding a semicolon and a comment marker', "SELECT 'a; DROP TABLE steps -- x' AS s", (rows: any[]) => expect(rows).toEqual([{ s: 'a; DROP TABLE steps -- x' }])],
    ['an allowed generator', "SELECT a FROM generateRandom('a UInt8') LIMIT 3", (rows: any[]) => expect(rows).toHaveLength(3)],
  ])('runs %s', async (_name, sql, check) => {
    const { status, body } = await adminSql(harness, sql);
    expect(status).toBe(200);
    expect(body.truncated).toBe(false);
    check(body.rows);
  });

  it('cuts a large result at the row cap inside ClickHouse and says so', async () => {
    const cut = await adminSql(harness, 'SELECT number FROM numbers(1e10)');
    expect(cut.status).toBe(200);
    expect(cut.body).toMatchObject({ truncated: true });
    expect(cut.body.rows).toHaveLength(100);
    expect(cut.body.rows[0]).toEqual({ number: 0 });

    const exact = await adminSql(harness, 'SELECT number FROM numbers(100)');
    expect(exact.body).toMatchObject({ truncated: false });
    expect(exact.body.rows).toHaveLength(100);
  });

  it('stops a statement at the time limit with its own code', async () => {
    const { status, body } = await adminSql(harness, 'SELECT number % 1000003 AS k, count() AS n FROM numbers(1e11) GROUP BY k');
    expect({ status, code: body.error?.code }).toEqual({ status: 400, code: 'XRAY_ERR_SQL_LIMIT_EXCEEDED' });
  });
});

describe('admin SQL as a separate ClickHouse user (server backend)', () => {
  it('runs every admin SQL query through the configured user, not the collector\'s own', async () => {
    const harness = await startCollector({ backend: 'server', sqlUser: true });
    try {
      const before = harness.sqlUserRequests!();
      const { status, body } = await adminSql(harness, 'SELECT count() AS n FROM apps FINAL');
      expect(status).toBe(200);
      expect(Number(body.rows[0].n)).toBeGreaterThanOrEqual(1);
      // formatQuery, EXPLAIN AST, the table-function list (first use) and the statement itself.
      expect(harness.sqlUserRequests!() - before).toBeGreaterThanOrEqual(3);
    } finally {
      await harness.close();
    }
  });
});
