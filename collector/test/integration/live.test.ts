/**
 * GET /api/v1/executions/stream against a real collector and embedded
 * ClickHouse: executions arrive as they are stored, filtered, scoped to the
 * key's app; a reconnect with Last-Event-ID resumes exactly after the last
 * event; streams per app are capped; idle streams get heartbeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { runCliAgainst } from '../support/run-cli.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { openSse } from '../support/sse-client.js';
import type { SseMessage, SseStream } from '../support/sse-client.js';

const isExecution = (message: SseMessage) => message.type === 'execution';

describe('live tail', () => {
  let harness: Harness;
  let otherKey: string;
  const streams: SseStream[] = [];

  async function stream(query = '', headers: Record<string, string> = {}, key = harness.apiKey): Promise<SseStream> {
    const opened = await openSse(`${harness.url}/api/v1/executions/stream${query}`, { authorization: `Bearer ${key}`, ...headers });
    streams.push(opened);
    if (opened.status === 200) {
      // The stream is subscribed once its opening comment arrives.
      await opened.collect((message) => message.type === 'comment' && message.data.startsWith('stream open'));
    }
    return opened;
  }

  async function send(pipeline: string, options: { key?: string; failed?: boolean; reasoning?: string } = {}): Promise<string> {
    const execution = executionSpans({ pipeline, failed: options.failed, steps: [{ name: 'decide', reasoning: options.reasoning, failed: options.failed }] });
    const response = await postJson(harness.url, options.key ?? harness.apiKey, jsonRequest([execution.root, ...execution.steps]));
    expect(response.status).toBe(200);
    return execution.executionId;
  }

  beforeAll(async () => {
    harness = await startCollector({ live: { maxStreamsPerApp: 3, heartbeatMillis: 200 } });
    otherKey = await harness.createApp('live-other');
  });
  afterAll(async () => {
    for (const opened of streams) opened.close();
    // fetch may leave a spare connection that never carried a request; Node keeps such a socket until its
    // headers timeout, which would hold up close() for a minute. Every request here has been answered.
    harness?.xray.app.server.closeAllConnections();
    await harness?.close();
  });

  it('pushes each stored execution that matches the filters, and only the key app’s', async () => {
    const failedOnly = await stream('?pipeline=live-loan&status=failed');
    await send('live-loan', { key: otherKey, failed: true });
    await send('live-loan');
    await send('live-other-pipeline', { failed: true });
    const wanted = await send('live-loan', { failed: true });

    const [event] = (await failedOnly.collect(isExecution)).filter(isExecution);
    const body = JSON.parse(event.data);
    expect(body).toMatchObject({ executionId: wanted, pipeline: 'live-loan', status: 'failed', stepCount: 1 });
    expect(event.id).toMatch(/^\d+-[A-Za-z0-9_-]+$/);
    failedOnly.close();
  });

  it('filters on step reasoning words like the list does', async () => {
    const byWords = await stream('?q=quokka%20threshold');
    await send('live-words', { reasoning: 'nothing to see' });
    const wanted = await send('live-words', { reasoning: 'Below the quokka threshold' });
    const events = (await byWords.collect(isExecution)).filter(isExecution);
    expect(events.map((e) => JSON.parse(e.data).executionId)).toEqual([wanted]);
    byWords.close();
  });

  it('resumes after Last-Event-ID with exactly what was stored meanwhile, then follows live', async () => {
    const first = await stream('?pipeline=live-resume');
    const id1 = await send('live-resume');
    const [event1] = (await first.collect(isExecution)).filter(isExecution);
    expect(JSON.parse(event1.data).executionId).toBe(id1);
    first.close();

    const id2 = await send('live-resume');
    const id3 = await send('live-resume');
    await send('live-elsewhere');

    const resumed = await openSse(`${harness.url}/api/v1/executions/stream?pipeline=live-resume`, {
      authorization: `Bearer ${harness.apiKey}`,
      'last-event-id': event1.id!,
    });
    streams.push(resumed);
    const replay = await resumed.collect((m) => m.type === 'comment' && m.data.startsWith('replayed'));
    expect(replay.filter(isExecution).map((e) => JSON.parse(e.data).executionId)).toEqual([id2, id3]);
    expect(replay.at(-1)!.data).toBe('replayed 2 events, following live');

    const id4 = await send('live-resume');
    const [live] = (await resumed.collect(isExecution)).filter(isExecution);
    expect(JSON.parse(live.data).executionId).toBe(id4);
    resumed.close();

    // The same resume through the query parameter, for clients that cannot set headers.
    const viaQuery = await openSse(`${harness.url}/api/v1/executions/stream?pipeline=live-resume&lastEventId=${encodeURIComponent(event1.id!)}`, {
      authorization: `Bearer ${harness.apiKey}`,
    });
    streams.push(viaQuery);
    const again = await viaQuery.collect((m) => m.type === 'comment' && m.data.startsWith('replayed'));
    expect(again.filter(isExecution).map((e) => JSON.parse(e.data).executionId)).toEqual([id2, id3, id4]);
    viaQuery.close();
  });

  it('is followed by xray tail, which replays from --after and then follows live', async () => {
    const first = await send('live-cli', { failed: true });
    let stdout = '';
    const done = runCliAgainst(
      harness,
      ['tail', '--pipeline', 'live-cli', '--after', `1-${Buffer.from('0').toString('base64url')}`, '--max-events', '2'],
      (all) => (stdout = all),
    );
    // The replayed execution shows first; the second arrives live.
    for (let attempt = 0; attempt < 200 && !stdout.includes(first); attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
    const second = await send('live-cli');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^TIME +ID +PIPELINE/);
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +${first}  live-cli +test +failed +1 +1 +`));
    expect(lines[2]).toContain(`${second}  live-cli         test     completed     1      0`);
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const idle = await stream('?pipeline=nothing-ever');
    const message = await idle.next();
    expect(message).toEqual({ type: 'comment', data: 'heartbeat' });
    idle.close();
  });

  it('caps open streams per app with 429, without touching other apps', async () => {
    // Let the server notice the streams closed above.
    for (let attempt = 0; attempt < 50 && harness.xray.app.server.listening; attempt++) {
      const opened = await Promise.all([stream(), stream(), stream()]).catch(() => undefined);
      if (opened?.every((s) => s.status === 200)) break;
      for (const s of opened ?? []) s.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const refused = await stream();
    expect(refused.status).toBe(429);
    expect(refused.errorBody.error.code).toBe('XRAY_ERR_LIVE_TOO_MANY_STREAMS');
    expect(refused.headers.get('retry-after')).toBe('2');
    const other = await stream('', {}, otherKey);
    expect(other.status).toBe(200);
    other.close();
  });

  it('refuses a Last-Event-ID it did not issue, and unknown parameters', async () => {
    for (const s of streams) s.close();
    const bad = await openSse(`${harness.url}/api/v1/executions/stream`, { authorization: `Bearer ${otherKey}`, 'last-event-id': 'not-an-id' });
    expect(bad.status).toBe(400);
    expect(bad.errorBody.error.code).toBe('XRAY_ERR_LIVE_BAD_EVENT_ID');
    const unknown = await openSse(`${harness.url}/api/v1/executions/stream?from=1`, { authorization: `Bearer ${otherKey}` });
    expect(unknown.status).toBe(400);
    expect(unknown.errorBody.error.code).toBe('XRAY_ERR_VALIDATION');
    const anonymous = await openSse(`${harness.url}/api/v1/executions/stream`, {});
    expect(anonymous.status).toBe(401);
  });
});
