import { toTraceFrame } from './trace-frame';
import { makeExecution, makeStep, T0_MILLIS } from '../testing/fixtures';

function column(frame: ReturnType<typeof toTraceFrame>, name: string) {
  return frame.fields.find((field) => field.name === name)!.values;
}

describe('trace-frame', () => {
  it('is a trace frame with the root span first and steps under it', () => {
    const execution = makeExecution({ traceId: 't1', rootSpanId: 'root', status: 'failed', pipeline: 'loan' });
    const steps = [
      makeStep({ spanId: 's1', name: 'fetch', startMs: 5, durationMs: 20, reasoning: 'because' }),
      makeStep({
        spanId: 's2',
        parentSpanId: 's1',
        name: 'score',
        status: 'failed',
        error: { type: 'RangeError', message: 'bad', stack: 'at x' },
      }),
    ];
    const frame = toTraceFrame(execution, steps);
    expect(frame.meta?.preferredVisualisationType).toBe('trace');
    expect(frame.fields.map((field) => field.name)).toEqual(
      expect.arrayContaining([
        'traceID',
        'spanID',
        'parentSpanID',
        'operationName',
        'serviceName',
        'serviceTags',
        'startTime',
        'duration',
        'logs',
        'tags',
        'statusCode',
      ])
    );
    expect(column(frame, 'spanID')).toEqual(['root', 's1', 's2']);
    expect(column(frame, 'parentSpanID')).toEqual([undefined, 'root', 's1']);
    expect(column(frame, 'operationName')).toEqual(['loan', 'fetch', 'score']);
    expect(column(frame, 'startTime')[1]).toBeCloseTo(T0_MILLIS + 5);
    expect(column(frame, 'duration')[1]).toBe(20);
    expect(column(frame, 'statusCode')).toEqual([2, 1, 2]);
    expect(column(frame, 'tags')[1]).toEqual(
      expect.arrayContaining([{ key: 'xray.step.reasoning', value: 'because' }])
    );
    expect(column(frame, 'logs')[2][0].fields).toEqual(
      expect.arrayContaining([
        { key: 'exception.type', value: 'RangeError' },
        { key: 'exception.message', value: 'bad' },
      ])
    );
  });

  it('works before the root span arrived', () => {
    const frame = toTraceFrame(null, [makeStep({ spanId: 's1', executionId: 'e9' })]);
    expect(column(frame, 'spanID')).toEqual(['s1']);
    expect(column(frame, 'traceID')).toEqual(['e9']);
  });
});
