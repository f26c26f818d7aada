import { makeExecutionSummary } from '../testing/fixtures';
import { type LiveState, openLiveTail } from './live-tail';

/** Just enough of EventSource to drive the tail: listeners, onopen/onerror, close. */
class FakeEventSource {
  onopen: (() => void) | null = null;
  onerror: ((event: Event | MessageEvent<string>) => void) | null = null;
  closed = false;
  private listeners = new Map<string, Array<(event: MessageEvent<string>) => void>>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: string, lastEventId = '') {
    for (const listener of this.listeners.get(type) ?? []) {
      listener({ data, lastEventId } as MessageEvent<string>);
    }
  }
}

function start(explanation = '429: This app already holds 20 live streams') {
  const sources: FakeEventSource[] = [];
  const states: LiveState[] = [];
  const received: string[] = [];
  const explained: string[] = [];
  const close = openLiveTail({
    filters: { pipeline: 'loan-approval', where: ['applicantId=A-1042'], scores: { correct: 'false' } },
    onExecutions: (rows) => received.push(...rows.map((row) => row.executionId)),
    onState: (state) => states.push(state),
    createEventSource: (url) => {
      const source = new FakeEventSource(url);
      sources.push(source);
      return source as unknown as EventSource;
    },
    explainFailure: async (url) => {
      explained.push(url);
      return explanation;
    },
    random: () => 0.5,
    now: () => 0,
  });
  return { sources, states, received, explained, close };
}

const execution = (id: string) => JSON.stringify(makeExecutionSummary({ executionId: id }));

describe('openLiveTail', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('streams with the page’s filters (no score filters) and hands on executions in batches', () => {
    const tail = start();
    const url = new URL(tail.sources[0].url, 'http://grafana.local');
    expect(url.pathname).toBe('/api/plugin-proxy/xray-decisions-app/collector/api/v1/executions/stream');
    expect(url.searchParams.get('pipeline')).toBe('loan-approval');
    expect(url.searchParams.getAll('where')).toEqual(['applicantId=A-1042']);
    expect(url.searchParams.has('score.correct')).toBe(false);
    expect(url.searchParams.has('lastEventId')).toBe(false);
    expect(tail.states).toEqual([{ kind: 'connecting' }]);

    tail.sources[0].onopen?.();
    expect(tail.states.at(-1)).toEqual({ kind: 'live' });
    tail.sources[0].emit('execution', execution('e1'), 'id-1');
    tail.sources[0].emit('execution', execution('e2'), 'id-2');
    expect(tail.received).toEqual([]);
    jest.advanceTimersByTime(100);
    expect(tail.received).toEqual(['e1', 'e2']);
    tail.close();
  });

  it('reconnects after a lost stream, resuming after the last event received', () => {
    const tail = start();
    tail.sources[0].onopen?.();
    tail.sources[0].emit('execution', execution('e1'), 'id-1');
    tail.sources[0].onerror?.(new Event('error'));
    expect(tail.sources[0].closed).toBe(true);
    expect(tail.received).toEqual(['e1']);
    expect(tail.states.at(-1)).toEqual({
      kind: 'reconnecting',
      reason: 'the stream was interrupted',
      retryAtMillis: 2000,
    });
    expect(tail.explained).toEqual([]);

    jest.advanceTimersByTime(2000);
    expect(tail.sources).toHaveLength(2);
    expect(new URL(tail.sources[1].url, 'http://grafana.local').searchParams.get('lastEventId')).toBe('id-1');
    tail.sources[1].onopen?.();
    expect(tail.states.at(-1)).toEqual({ kind: 'live' });
    tail.close();
  });

  it('says why a stream cannot be opened and backs off while it stays so', async () => {
    const tail = start();
    tail.sources[0].onerror?.(new Event('error'));
    await Promise.resolve();
    await Promise.resolve();
    expect(tail.explained).toHaveLength(1);
    expect(tail.states.at(-1)).toEqual({
      kind: 'reconnecting',
      reason: '429: This app already holds 20 live streams',
      retryAtMillis: 2000,
    });
    jest.advanceTimersByTime(2000);
    tail.sources[1].onerror?.(new Event('error'));
    await Promise.resolve();
    await Promise.resolve();
    expect(tail.states.at(-1)).toMatchObject({ kind: 'reconnecting', retryAtMillis: 4000 });
    tail.close();
    jest.advanceTimersByTime(60_000);
    expect(tail.sources).toHaveLength(2);
  });

  it('shows the collector’s own error event and the gap notice', () => {
    const tail = start();
    tail.sources[0].onopen?.();
    tail.sources[0].emit('gap', '{"replayed":10000}');
    expect(tail.states.at(-1)).toMatchObject({ kind: 'live', notice: expect.stringContaining('refresh') });
    tail.sources[0].onerror?.({
      data: '{"code":"XRAY_ERR_STORE_UNAVAILABLE","message":"Reading stored executions failed"}',
    } as MessageEvent<string>);
    expect(tail.states.at(-1)).toMatchObject({ kind: 'reconnecting', reason: 'Reading stored executions failed' });
    tail.close();
  });
});
