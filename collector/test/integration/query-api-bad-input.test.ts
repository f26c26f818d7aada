/**
 * Every bad input to the query API is a 400 (or Fastify's own 404/414, in
 * the registry's shape) with a stable code, never a 503, a 500 or an empty
 * 200: out-of-range and malformed times, unix seconds where milliseconds are
 * expected, unknown statuses, a reversed window, unknown parameters on every
 * route, too-long ids, bad URL encoding, bad JSON. A real collector on a
 * real embedded ClickHouse; a table of cases, each with its expected status
 * and code, plus the edges that must succeed (ids of 256 characters, the
 * shared duration grammar's `1w`, buckets wider than the window).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

interface Case {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
  admin?: boolean;
  status: number;
  code: string;
  /** Text the message must contain. */
  message?: string;
}

const DAY = 86_400_000;
const E = '/api/v1/executions';
const LONG_ID_257 = 'x'.repeat(257);

const QUERY_ROUTES = [
  E,
  '/api/v1/steps',
  '/api/v1/stats/summary',
  '/api/v1/stats/failure-rate',
  '/api/v1/stats/durations',
  '/api/v1/stats/top-failing-steps',
  '/api/v1/pipelines',
];

const CASES: Case[] = [
  // Times out of ClickHouse's range answered 503 before; they are the caller's mistake.
  { name: 'from far beyond 2262 as milliseconds', path: `${E}?from=999999999999999`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'outside the supported range' },
  { name: 'to in the year 2262 after DateTime64(9) ends', path: `${E}?to=2262-12-31T00:00:00Z`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'outside the supported range' },
  { name: 'from in the year -271821', path: `${E}?from=-271821-04-20T00:00:00Z`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'from in the year +275760', path: `${E}?from=%2B275760-09-13T00:00:00Z`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'a 20-digit from', path: `${E}?from=99999999999999999999`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'outside the supported range' },
  { name: 'from before 1970', path: `${E}?from=1969-12-31T23:59:59Z`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'outside the supported range' },
  { name: 'stats with an out-of-range from', path: '/api/v1/stats/summary?from=999999999999999', status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'failure rate with an out-of-range to', path: '/api/v1/stats/failure-rate?to=2262-04-12', status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'from in unix seconds', path: `${E}?from=1714564800`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'looks like unix seconds' },
  { name: 'to in unix seconds on steps', path: '/api/v1/steps?to=1714564800', status: 400, code: 'XRAY_ERR_VALIDATION', message: 'looks like unix seconds' },
  { name: 'a time that is not a time', path: `${E}?from=yesterday`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'is not an ISO 8601 time' },
  { name: 'an impossible date', path: `${E}?from=2024-02-30`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'not a valid date' },
  { name: 'an RFC 2822 date (not ISO 8601)', path: `${E}?from=Wed%2C%2001%20May%202024%2012%3A00%3A00%20GMT`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  // A reversed or empty window answered 200 and empty before.
  { name: 'from after to', path: `${E}?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'must be before to' },
  { name: 'from equal to to', path: `${E}?from=2024-05-01&to=2024-05-01`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'must be before to' },
  { name: 'from in the future with the default to', path: `${E}?from=2200-01-01`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'the default: now' },
  { name: 'stats from after to', path: '/api/v1/stats/durations?from=1714600000000&to=1714500000000', status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'pipelines from after to', path: '/api/v1/pipelines?from=2024-05-02&to=2024-05-01', status: 400, code: 'XRAY_ERR_VALIDATION' },
  // Unknown statuses answered 200 and empty before.
  { name: 'an unknown execution status', path: `${E}?status=weird`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'expected one of completed, failed, unfinished' },
  { name: 'an unknown step status', path: '/api/v1/steps?status=FAILED', status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'an empty from', path: `${E}?from=`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'from given twice', path: `${E}?from=1714564800000&from=1714564900000`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'a badly encoded time', path: `${E}?from=%E0%A4%A`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  // Limits and intervals.
  { name: 'a limit that is not a number', path: `${E}?limit=abc`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'a negative limit', path: `${E}?limit=-5`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'a limit above 500', path: `${E}?limit=501`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'an interval below the rollup resolution', path: '/api/v1/stats/failure-rate?interval=30s', status: 400, code: 'XRAY_ERR_VALIDATION', message: 'at least 1m' },
  { name: 'an interval in years', path: '/api/v1/stats/failure-rate?interval=1y', status: 400, code: 'XRAY_ERR_VALIDATION', message: '1w' },
  { name: 'an interval above 366 days', path: '/api/v1/stats/durations?interval=60w', status: 400, code: 'XRAY_ERR_VALIDATION', message: 'at most 366d' },
  { name: 'a bad cursor', path: `${E}?cursor=not-a-cursor`, status: 400, code: 'XRAY_ERR_BAD_CURSOR' },
  // Unknown parameters, on every route (the single-execution route ignored them before).
  ...QUERY_ROUTES.map((path) => ({ name: `an unknown parameter on ${path}`, path: `${path}?bogus=1`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'bogus' })),
  { name: 'an unknown parameter on one execution', path: `${E}/some-id?bogus=1`, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'bogus' },
  { name: 'an unknown parameter on /version', path: '/version?bogus=1', status: 400, code: 'XRAY_ERR_VALIDATION', message: 'bogus' },
  { name: 'an unknown parameter on an admin route', path: '/api/v1/admin/apps?bogus=1', admin: true, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'bogus' },
  // Ids: up to the schema's 256 characters are looked up; longer is a 400, absurdly long Fastify's 414, in our shape.
  { name: 'an unknown id of 256 characters', path: `${E}/${'x'.repeat(256)}`, status: 404, code: 'XRAY_ERR_NOT_FOUND' },
  { name: 'an id of 257 characters', path: `${E}/${LONG_ID_257}`, status: 400, code: 'XRAY_ERR_VALIDATION' },
  { name: 'an id of 5000 characters', path: `${E}/${'x'.repeat(5000)}`, status: 414, code: 'XRAY_ERR_URL_TOO_LONG' },
  // Fastify's own errors, in the registry's shape.
  { name: 'bad percent-encoding in the path', path: `${E}/%E0%A4%A`, status: 400, code: 'XRAY_ERR_BAD_URL' },
  { name: 'a lone percent sign in the path', path: `${E}/abc%`, status: 400, code: 'XRAY_ERR_BAD_URL' },
  { name: 'no such route', path: '/api/v1/nothing-here', status: 404, code: 'XRAY_ERR_ROUTE_NOT_FOUND' },
  { name: 'no such route outside the API', path: '/favicon.ico', status: 404, code: 'XRAY_ERR_ROUTE_NOT_FOUND' },
  { name: 'a body that is not JSON', method: 'POST', path: '/api/v1/admin/apps', body: '{"appId": ', admin: true, status: 400, code: 'XRAY_ERR_VALIDATION', message: 'not valid JSON' },
  { name: 'an unknown body field', method: 'POST', path: '/api/v1/admin/apps', body: '{"appId":"a1","bogus":1}', admin: true, status: 400, code: 'XRAY_ERR_VALIDATION' },
];

describe('query API: bad input', () => {
  let harness: Harness;
  let longId: string;

  beforeAll(async () => {
    harness = await startCollector();
    longId = `exec-${'i'.repeat(251)}`;
    const execution = executionSpans({ executionId: longId, pipeline: 'bad-input-pipeline', steps: [{ name: 'only_step' }] });
    const response = await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]));
    expect(response.status).toBe(200);
  });
  afterAll(async () => harness?.close());

  async function call(testCase: Pick<Case, 'method' | 'path' | 'body' | 'admin'>): Promise<{ status: number; headers: Headers; body: any }> {
    const headers: Record<string, string> = { authorization: `Bearer ${testCase.admin ? harness.adminToken : harness.apiKey}` };
    if (testCase.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${harness.url}${testCase.path}`, { method: testCase.method ?? 'GET', headers, body: testCase.body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }

  it(`has at least 40 cases`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('%s: answers its status and code', async (_name, testCase) => {
    const { status, headers, body } = await call(testCase);
    expect({ status, code: body?.error?.code }).toEqual({ status: testCase.status, code: testCase.code });
    expect(headers.get('x-xray-error-code')).toBe(testCase.code);
    expect(body.error.retryable).toBe(false);
    expect(typeof body.error.message).toBe('string');
    if (testCase.message) expect(body.error.message).toContain(testCase.message);
  });

  it('answers an execution whose id has 256 characters', async () => {
    expect(longId).toHaveLength(256);
    const { status, body } = await call({ path: `${E}/${encodeURIComponent(longId)}` });
    expect(status).toBe(200);
    expect(body.execution.executionId).toBe(longId);
    expect(body.steps.map((step: { name: string }) => step.name)).toEqual(['only_step']);
  });

  it('accepts the shared duration grammar in interval, 1w included', async () => {
    const { status, body } = await call({ path: '/api/v1/stats/failure-rate?interval=1w' });
    expect(status).toBe(200);
    expect(body.intervalSeconds).toBe(604_800);
  });

  it('reads a time without a zone as UTC and milliseconds from 0 as milliseconds', async () => {
    const { status, body } = await call({ path: '/api/v1/stats/summary?from=0&to=2024-05-01T12:00:00' });
    expect(status).toBe(200);
    expect(body.from).toBe('1970-01-01T00:00:00.000Z');
    expect(body.to).toBe('2024-05-01T12:00:00.000Z');
  });

  it('keeps every bucket inside the window when the interval is wider than it (interval=90d)', async () => {
    const to = Date.now() + 1;
    const from = to - 10 * DAY;
    for (const route of ['failure-rate', 'durations']) {
      const { status, body } = await call({ path: `/api/v1/stats/${route}?from=${from}&to=${to}&interval=90d` });
      expect(status).toBe(200);
      const times: string[] =
        route === 'failure-rate'
          ? body.series.flatMap((series: { points: { time: string }[] }) => series.points.map((point) => point.time))
          : body.points.map((point: { time: string }) => point.time);
      expect(times.length).toBeGreaterThan(0);
      for (const time of times) {
        expect(Date.parse(time)).toBeGreaterThanOrEqual(from);
        expect(Date.parse(time)).toBeLessThan(to);
      }
    }
  });

  it('documents GET /version in the OpenAPI document and answers it without a key', async () => {
    const spec = (await (await fetch(`${harness.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/version');
    const response = await fetch(`${harness.url}/version`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ collector: expect.stringMatching(/^\d+\.\d+\.\d+/), api: 'v1' });
  });

  it('uses one default window of 7 days for lists and stats', async () => {
    const before = Date.now();
    const summary = await call({ path: '/api/v1/stats/summary' });
    const window = Date.parse(summary.body.to) - Date.parse(summary.body.from);
    expect(window).toBe(7 * DAY);
    expect(Date.parse(summary.body.to)).toBeGreaterThanOrEqual(before);
  });
});
