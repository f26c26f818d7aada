/**
 * GET /api/v1/export and `xray export` against a real collector and embedded
 * ClickHouse fed by the real SDK: every format, steps or not, filters, the
 * resume cursor, and paging in small chunks on the real engine.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import XRaySDK from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExportRepository } from '../../src/export/index.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { runCliAgainst } from '../support/run-cli.js';

const TRICKY = 'Rule "R-7", threshold 650\nsecond line';

/** RFC 4180 records (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r') continue;
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  return rows;
}

async function download(harness: Harness, query: string) {
  const response = await fetch(`${harness.url}/api/v1/export${query}`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('export', () => {
  let harness: Harness;
  let dir: string;
  const ids: string[] = [];

  beforeAll(async () => {
    harness = await startCollector();
    dir = mkdtempSync(join(tmpdir(), 'xray-export-'));
    const xray = new XRaySDK({ apiKey: harness.apiKey, endpoint: harness.url, pipeline: 'export-loan', environment: 'prod' });
    for (let i = 0; i < 5; i++) {
      const execution = xray.startExecution({ metadata: { applicantId: `A-${i}` } });
      execution.recordStep({ name: 'fetch', input: { applicantId: `A-${i}` }, output: { score: 600 + i } });
      execution.recordStep({ name: 'rules', reasoning: i === 2 ? TRICKY : 'ok' });
      execution.recordStep({ name: 'notify' });
      if (i === 4) execution.failExecution(new Error('bureau down'));
      else execution.completeExecution({ approved: i % 2 === 0 });
      ids.push(execution.executionId);
      // Distinct start times, so newest-first is this loop reversed.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await xray.shutdown()).toMatchObject({ dropped: 0, failed: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams NDJSON, one execution per line, newest first, with an estimate', async () => {
    const { status, headers, text } = await download(harness, '?pipeline=export-loan');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(headers.get('content-disposition')).toMatch(/^attachment; filename="xray-executions-.+\.ndjson"$/);
    expect(headers.get('x-xray-export-estimated-records')).toBe('5');
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((e) => e.executionId)).toEqual([...ids].reverse());
    expect(lines[0]).toMatchObject({ status: 'failed', metadata: { applicantId: 'A-4' }, stepCount: 3 });
    expect(lines[0].steps).toBeUndefined();
  });

  it('includes steps in order when asked, and applies the filters', async () => {
    const { text } = await download(harness, '?pipeline=export-loan&steps=true&format=json&status=failed');
    const body = JSON.parse(text);
    expect(body).toHaveLength(1);
    expect(body[0].executionId).toBe(ids[4]);
    expect(body[0].steps.map((s: { name: string }) => s.name)).toEqual(['fetch', 'rules', 'notify']);
    expect(JSON.parse((await download(harness, '?pipeline=nothing&format=json')).text)).toEqual([]);
  });

  it('writes CSV, one row per step, with quotes, commas and newlines intact', async () => {
    const { headers, text } = await download(harness, '?pipeline=export-loan&steps=1&format=csv');
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('x-xray-export-estimated-records')).toBe('15');
    const [header, ...rows] = parseCsv(text);
    expect(header.slice(0, 3)).toEqual(['executionId', 'executionStartTimeUnixNano', 'executionStatus']);
    expect(rows).toHaveLength(15);
    const column = (name: string) => header.indexOf(name);
    const tricky = rows.find((row) => row[column('reasoning')] === TRICKY);
    expect(tricky?.[column('executionId')]).toBe(ids[2]);
    expect(JSON.parse(rows.find((row) => row[0] === ids[1] && row[column('name')] === 'fetch')![column('output')])).toEqual({ score: 601 });
  });

  it('resumes after a cursor and refuses bad parameters', async () => {
    const all = (await download(harness, '?pipeline=export-loan')).text.trimEnd().split('\n').map((line) => JSON.parse(line));
    const cursor = Buffer.from(JSON.stringify([all[1].startTimeUnixNano, all[1].executionId])).toString('base64url');
    const rest = (await download(harness, `?pipeline=export-loan&cursor=${cursor}`)).text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(rest.map((e) => e.executionId)).toEqual(all.slice(2).map((e) => e.executionId));
    const bad = await download(harness, '?format=xml');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.code).toBe('XRAY_ERR_VALIDATION');
    expect((await download(harness, '?cursor=zzz')).status).toBe(400);
  });

  it('pages through the engine in bounded chunks without losing or repeating anything', async () => {
    const repository = createExportRepository(harness.store.backend, harness.store.executions, { executionsPerPage: 2, stepsPerChunk: 4 });
    const seen: string[] = [];
    const stepCounts: number[] = [];
    let chunks = 0;
    const filter = { fromMillis: 0, toMillis: Date.now() + 1000, pipeline: 'export-loan' };
    for await (const chunk of repository.chunks(harness.appId, filter, { steps: true })) {
      chunks++;
      expect(chunk.executions.length).toBeLessThanOrEqual(2);
      for (const execution of chunk.executions) {
        seen.push(execution.execution_id);
        stepCounts.push(chunk.steps!.get(execution.execution_id)!.length);
      }
    }
    expect(seen).toEqual([...ids].reverse());
    expect(stepCounts).toEqual([3, 3, 3, 3, 3]);
    // 4 steps per chunk at most: one execution (3 steps) per chunk.
    expect(chunks).toBe(5);
  });

  it('xray export writes the file only when complete and reports what it wrote', async () => {
    const out = join(dir, 'steps.csv');
    const { code, stdout, stderr } = await runCliAgainst(harness, ['export', '--format', 'csv', '--steps', '--pipeline', 'export-loan', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Exported 15 steps \\(\\d+\\.\\d KB\\) to ${out.replace(/[.]/g, '\\.')}\\n$`));
    expect(parseCsv(readFileSync(out, 'utf8'))).toHaveLength(16);
    expect(readdirSync(dir)).toEqual(['steps.csv']);
    expect(existsSync(join(dir, '.steps.csv.partial'))).toBe(false);
  });
});
