import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedEvent, DecodedSpan } from '../../../src/contracts/spans.js';
import {
  MAX_STEP_COST_USD,
  NO_STEPS_IN_BATCH,
  RequestRowMapper,
  executionIdOf,
  isExecutionRoot,
  spanToExecutionRow,
  spanToStepRow,
  spansToRows,
} from '../../../src/model/span-to-rows.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const ROOT_SPAN_ID = 'b7ad6b7169203331';
/** 2024-11-22T00:00:00Z in unix nanoseconds. */
const T0 = 1_732_233_600_000_000_000n;
const MS = 1_000_000n;

let spanCounter = 0;

/** A DecodedSpan with sensible defaults: a child of ROOT_SPAN_ID lasting 5 ms. */
function span(overrides: Partial<DecodedSpan> = {}): DecodedSpan {
  spanCounter += 1;
  return {
    traceId: TRACE_ID,
    spanId: spanCounter.toString(16).padStart(16, '0'),
    parentSpanId: ROOT_SPAN_ID,
    name: `step-${spanCounter}`,
    kind: 1,
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + 5n * MS,
    attributes: {},
    events: [],
    status: { code: 0, message: '' },
    resource: {},
    scope: { name: 'test', version: '1.0.0' },
    ...overrides,
  };
}

/** A root span (no parent) with the given attributes. */
function rootSpan(attributes: Attributes = {}, overrides: Partial<DecodedSpan> = {}): DecodedSpan {
  return span({ spanId: ROOT_SPAN_ID, parentSpanId: '', name: 'root-span', attributes, ...overrides });
}

function exceptionEvent(attributes: Attributes): DecodedEvent {
  return { name: 'exception', timeUnixNano: T0 + MS, attributes };
}

describe('model/span-to-rows', () => {
  describe('isExecutionRoot', () => {
    it('treats a span without a parent as the execution', () => {
      expect(isExecutionRoot(span({ parentSpanId: '' }))).toBe(true);
      expect(isExecutionRoot(span({ parentSpanId: 'aaaaaaaaaaaaaaaa' }))).toBe(false);
    });

    it('lets xray.execution.root mark a span with a parent as the execution', () => {
      expect(isExecutionRoot(span({ attributes: { 'xray.execution.root': true } }))).toBe(true);
      expect(isExecutionRoot(span({ attributes: { 'xray.execution.root': 'true' } }))).toBe(true);
    });

    it('lets xray.execution.root = false make a parentless span a step', () => {
      expect(isExecutionRoot(span({ parentSpanId: '', attributes: { 'xray.execution.root': false } }))).toBe(false);
    });
  });

  describe('executionIdOf', () => {
    it('uses xray.execution.id when present', () => {
      expect(executionIdOf(span({ attributes: { 'xray.execution.id': 'exec-1' } }))).toBe('exec-1');
    });

    it('falls back to the trace id when the attribute is missing or empty', () => {
      expect(executionIdOf(span())).toBe(TRACE_ID);
      expect(executionIdOf(span({ attributes: { 'xray.execution.id': '' } }))).toBe(TRACE_ID);
    });
  });

  describe('spanToExecutionRow', () => {
    it('maps the identity, times and service of a root span', () => {
      const root = rootSpan(
        { 'xray.execution.id': 'exec-1', 'xray.pipeline': 'loan-approval' },
        { startTimeUnixNano: T0 + 123_456_789n, endTimeUnixNano: T0 + 1_623_456_789n, resource: { 'service.name': 'checkout' } },
      );
      const row = spanToExecutionRow('app-a', root, NO_STEPS_IN_BATCH);
      expect(row).toMatchObject({
        app_id: 'app-a',
        execution_id: 'exec-1',
        trace_id: TRACE_ID,
        root_span_id: ROOT_SPAN_ID,
        pipeline: 'loan-approval',
        service_name: 'checkout',
        start_time: '2024-11-22 00:00:00.123456789',
        end_time: '2024-11-22 00:00:01.623456789',
        duration_ms: 1500,
      });
    });

    it('uses the span name as pipeline when xray.pipeline is missing', () => {
      expect(spanToExecutionRow('a', rootSpan({}, { name: 'GET /orders' }), NO_STEPS_IN_BATCH).pipeline).toBe('GET /orders');
    });

    it('takes the environment from xray.environment before the resource', () => {
      const resource = { 'deployment.environment.name': 'staging' };
      expect(spanToExecutionRow('a', rootSpan({ 'xray.environment': 'prod' }, { resource }), NO_STEPS_IN_BATCH).environment).toBe('prod');
      expect(spanToExecutionRow('a', rootSpan({}, { resource }), NO_STEPS_IN_BATCH).environment).toBe('staging');
    });

    it('reads the older deployment.environment resource attribute last', () => {
      const resource = { 'deployment.environment': 'legacy' };
      expect(spanToExecutionRow('a', rootSpan({}, { resource }), NO_STEPS_IN_BATCH).environment).toBe('legacy');
      expect(spanToExecutionRow('a', rootSpan(), NO_STEPS_IN_BATCH).environment).toBe('');
    });

    it('takes the status from xray.execution.status over the OTel status', () => {
      const declared = rootSpan({ 'xray.execution.status': 'completed' }, { status: { code: 2, message: 'boom' } });
      expect(spanToExecutionRow('a', declared, NO_STEPS_IN_BATCH).status).toBe('completed');
      const declaredFailed = rootSpan({ 'xray.execution.status': 'failed' });
      expect(spanToExecutionRow('a', declaredFailed, NO_STEPS_IN_BATCH).status).toBe('failed');
    });

    it('derives failed from OTel status code 2 and completed otherwise', () => {
      expect(spanToExecutionRow('a', rootSpan({}, { status: { code: 2, message: 'boom' } }), NO_STEPS_IN_BATCH).status).toBe('failed');
      expect(spanToExecutionRow('a', rootSpan({}, { status: { code: 1, message: '' } }), NO_STEPS_IN_BATCH).status).toBe('completed');
      expect(spanToExecutionRow('a', rootSpan(), NO_STEPS_IN_BATCH).status).toBe('completed');
    });

    it('keeps an execution whose root only recorded a handled exception completed, like a step (regression)', () => {
      const handled = rootSpan({}, { events: [exceptionEvent({ 'exception.message': 'retried and recovered' })] });
      expect(spanToExecutionRow('a', handled, NO_STEPS_IN_BATCH)).toMatchObject({ status: 'completed', error_message: 'retried and recovered' });
      expect(spanToStepRow('a', span({ events: [exceptionEvent({ 'exception.message': 'x' })] })).status).toBe('completed');
    });

    it('takes the error message from the exception event, else from the error status', () => {
      const withEvent = rootSpan(
        {},
        { status: { code: 2, message: 'status text' }, events: [exceptionEvent({ 'exception.message': 'event text' })] },
      );
      expect(spanToExecutionRow('a', withEvent, NO_STEPS_IN_BATCH).error_message).toBe('event text');
      expect(spanToExecutionRow('a', rootSpan({}, { status: { code: 2, message: 'status text' } }), NO_STEPS_IN_BATCH).error_message).toBe(
        'status text',
      );
      expect(spanToExecutionRow('a', rootSpan(), NO_STEPS_IN_BATCH).error_message).toBe('');
    });

    /** The execution rows RequestRowMapper makes of `spans`, in one request, with the step rows it passed on. */
    function mapRequest(spans: DecodedSpan[]): { executions: ReturnType<RequestRowMapper['finish']>; steps: number } {
      let steps = 0;
      const mapper = new RequestRowMapper('a', () => (steps += 1));
      for (const s of spans) mapper.add(s);
      return { executions: mapper.finish(), steps };
    }

    it('prefers declared step and error counts over the steps of the batch', () => {
      const declared = rootSpan({ 'xray.execution.step_count': 7, 'xray.execution.error_count': 3 });
      const mapped = mapRequest([span({ status: { code: 2, message: 'x' } }), declared]);
      expect(mapped.executions).toMatchObject([{ step_count: 7, error_count: 3 }]);
      expect(spanToExecutionRow('a', declared, { steps: 1, failed: 1 })).toMatchObject({ step_count: 7, error_count: 3 });
    });

    it('counts the steps of the batch, and the failed ones, when the sender declares no counts', () => {
      const mapped = mapRequest([
        span(),
        rootSpan(),
        span({ status: { code: 2, message: 'x' } }),
        span({ attributes: { 'xray.step.status': 'failed' } }),
        // Another execution's step, in the same request: not this root's.
        span({ traceId: 'f'.repeat(32), status: { code: 2, message: 'x' } }),
      ]);
      expect(mapped.steps).toBe(4);
      expect(mapped.executions).toMatchObject([{ execution_id: TRACE_ID, step_count: 3, error_count: 2 }]);
    });

    it('counts nothing for a root whose steps travel in other requests', () => {
      expect(mapRequest([rootSpan()]).executions).toMatchObject([{ step_count: 0, error_count: 0 }]);
      expect(spanToExecutionRow('a', rootSpan(), NO_STEPS_IN_BATCH)).toMatchObject({ step_count: 0, error_count: 0 });
    });

    it('keeps dropped steps, metadata and outcome as columns', () => {
      const row = spanToExecutionRow(
        'a',
        rootSpan({
          'xray.execution.dropped_steps': 4,
          'xray.execution.metadata': '{"user":"u1"}',
          'xray.execution.outcome': '"approved"',
        }),
        NO_STEPS_IN_BATCH,
      );
      expect(row).toMatchObject({ dropped_steps: 4, metadata: '{"user":"u1"}', final_outcome: '"approved"' });
    });

    it('stringifies the remaining attributes and leaves out the ones that are columns', () => {
      const row = spanToExecutionRow(
        'a',
        rootSpan({
          'xray.execution.id': 'exec-1',
          'xray.execution.root': true,
          'xray.app.id': 'spoofed',
          'xray.pipeline': 'p',
          'xray.environment': 'e',
          'xray.execution.status': 'completed',
          'xray.execution.metadata': '{}',
          'xray.execution.outcome': '1',
          'xray.execution.step_count': 1,
          'xray.execution.error_count': 0,
          'xray.execution.dropped_steps': 0,
          'http.method': 'GET',
          'retries': 3,
          'cached': false,
          'tags': ['a', 'b'],
          'nested': { k: 1 },
          'nothing': null,
        }),
        NO_STEPS_IN_BATCH,
      );
      expect(row.attributes).toEqual({
        'http.method': 'GET',
        retries: '3',
        cached: 'false',
        tags: '["a","b"]',
        nested: '{"k":1}',
      });
    });
  });

  describe('spanToStepRow', () => {
    it('keeps only what the user sent beyond the typed columns in attributes: no input/output mime types (regression)', () => {
      const step = span({
        attributes: {
          'input.value': '{"a":1}',
          'input.mime_type': 'application/json',
          'output.value': 'ok',
          'output.mime_type': 'text/plain',
          'customer.tier': 'gold',
        },
      });
      const row = spanToStepRow('app-a', step, 0);
      expect(row.attributes).toEqual({ 'customer.tier': 'gold' });
      expect(row.input).toBe('{"a":1}');
      expect(row.output).toBe('ok');
    });

    it('maps the identity and times of a step span', () => {
      const step = span({
        spanId: 'cccccccccccccccc',
        name: 'score',
        attributes: { 'xray.execution.id': 'exec-1' },
        startTimeUnixNano: T0 + 1n,
        endTimeUnixNano: T0 + 2_000_001n,
      });
      expect(spanToStepRow('app-a', step)).toMatchObject({
        app_id: 'app-a',
        execution_id: 'exec-1',
        trace_id: TRACE_ID,
        span_id: 'cccccccccccccccc',
        parent_span_id: ROOT_SPAN_ID,
        name: 'score',
        start_time: '2024-11-22 00:00:00.000000001',
        end_time: '2024-11-22 00:00:00.002000001',
        duration_ms: 2,
      });
    });

    it('uses xray.step.sequence when present and 0 otherwise (readers order those by start time)', () => {
      expect(spanToStepRow('a', span({ attributes: { 'xray.step.sequence': 4 } })).sequence).toBe(4);
      expect(spanToStepRow('a', span()).sequence).toBe(0);
    });

    it('takes the status from xray.step.status, else failed for OTel error status, else completed', () => {
      expect(spanToStepRow('a', span({ attributes: { 'xray.step.status': 'skipped' } })).status).toBe('skipped');
      expect(spanToStepRow('a', span({ status: { code: 2, message: '' } })).status).toBe('failed');
      expect(spanToStepRow('a', span({ status: { code: 1, message: '' } })).status).toBe('completed');
    });

    it('takes error type, message and stack from the last exception event', () => {
      const step = span({
        status: { code: 2, message: 'status text' },
        events: [
          exceptionEvent({ 'exception.type': 'FirstError', 'exception.message': 'first' }),
          { name: 'log', timeUnixNano: T0, attributes: { 'exception.message': 'not an exception event' } },
          exceptionEvent({ 'exception.type': 'TypeError', 'exception.message': 'x is undefined', 'exception.stacktrace': 'at f()' }),
        ],
      });
      expect(spanToStepRow('a', step)).toMatchObject({
        error_type: 'TypeError',
        error_message: 'x is undefined',
        error_stack: 'at f()',
      });
    });

    it('falls back to the status message when the exception event has no message', () => {
      const step = span({
        status: { code: 2, message: 'status text' },
        events: [exceptionEvent({ 'exception.type': 'Timeout' })],
      });
      expect(spanToStepRow('a', step)).toMatchObject({ error_type: 'Timeout', error_message: 'status text', error_stack: '' });
    });

    it('reports the error status message when there is no exception event', () => {
      expect(spanToStepRow('a', span({ status: { code: 2, message: 'deadline' } }))).toMatchObject({
        error_type: '',
        error_message: 'deadline',
        error_stack: '',
      });
    });

    it('reports no error for a span with neither an exception event nor an error status', () => {
      expect(spanToStepRow('a', span({ status: { code: 0, message: 'ignored' } }))).toMatchObject({
        error_type: '',
        error_message: '',
        error_stack: '',
      });
    });

    it('reads model, provider and tokens from gen_ai.* attributes', () => {
      const row = spanToStepRow(
        'a',
        span({
          attributes: {
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.provider.name': 'openai',
            'gen_ai.system': 'old-name',
            'gen_ai.usage.input_tokens': 1200,
            'gen_ai.usage.output_tokens': '34',
          },
        }),
        0,
      );
      expect(row).toMatchObject({ model: 'gpt-4o-2024-08-06', provider: 'openai', input_tokens: 1200, output_tokens: 34 });
      expect(row.attributes).toEqual({});
    });

    it('falls back to the request model and gen_ai.system', () => {
      const row = spanToStepRow('a', span({ attributes: { 'gen_ai.request.model': 'claude', 'gen_ai.system': 'anthropic' } }));
      expect(row).toMatchObject({ model: 'claude', provider: 'anthropic', input_tokens: 0, output_tokens: 0 });
    });

    it('clamps token counts to UInt32 and ignores negative or non-numeric ones', () => {
      const row = spanToStepRow(
        'a',
        span({ attributes: { 'gen_ai.usage.input_tokens': -5, 'gen_ai.usage.output_tokens': 2 ** 40 } }),
        0,
      );
      expect(row).toMatchObject({ input_tokens: 0, output_tokens: 0xffffffff });
      expect(spanToStepRow('a', span({ attributes: { 'gen_ai.usage.input_tokens': 'many' } })).input_tokens).toBe(0);
    });

    it('reads xray.step.cost_usd and never stores a negative cost', () => {
      expect(spanToStepRow('a', span({ attributes: { 'xray.step.cost_usd': 0.0123 } })).cost_usd).toBe(0.0123);
      expect(spanToStepRow('a', span({ attributes: { 'xray.step.cost_usd': -1 } })).cost_usd).toBe(0);
      expect(spanToStepRow('a', span()).cost_usd).toBe(0);
    });

    it('ignores a cost beyond any step (1e308 would add up to Infinity, which no reply can carry)', () => {
      for (const value of [1e308, '1e300', MAX_STEP_COST_USD * 2]) {
        const row = spanToStepRow('a', span({ attributes: { 'xray.step.cost_usd': value } }));
        expect([row.cost_usd, row.cost_source], String(value)).toEqual([0, '']);
      }
      expect(spanToStepRow('a', span({ attributes: { 'xray.step.cost_usd': MAX_STEP_COST_USD } })).cost_usd).toBe(MAX_STEP_COST_USD);
    });

    it('marks a cost the sender gave as reported, and none as ""', () => {
      expect(spanToStepRow('a', span({ attributes: { 'xray.step.cost_usd': 0 } })).cost_source).toBe('reported');
      expect(spanToStepRow('a', span({ attributes: { 'xray.step.cost_usd': 0.5 } })).cost_source).toBe('reported');
      expect(spanToStepRow('a', span({ attributes: { 'gen_ai.usage.input_tokens': 5 } })).cost_source).toBe('');
    });

    it('reads input.value, output.value and reasoning as text', () => {
      const row = spanToStepRow(
        'a',
        span({ attributes: { 'input.value': '{"amount":10}', 'output.value': 'approved', 'xray.step.reasoning': 'low risk' } }),
        0,
      );
      expect(row).toMatchObject({ input: '{"amount":10}', output: 'approved', reasoning: 'low risk' });
    });

    it('JSON-encodes a non-string input.value rather than dropping it', () => {
      expect(spanToStepRow('a', span({ attributes: { 'input.value': 42 } })).input).toBe('42');
      expect(spanToStepRow('a', span())).toMatchObject({ input: '', output: '', reasoning: '' });
    });

    it('stringifies the remaining attributes and leaves out the ones that are columns', () => {
      const row = spanToStepRow(
        'a',
        span({
          attributes: {
            'xray.execution.id': 'e',
            'xray.app.id': 'spoofed',
            'xray.pipeline': 'p',
            'xray.environment': 'env',
            'xray.step.status': 'completed',
            'xray.step.reasoning': 'r',
            'xray.step.sequence': 1,
            'xray.step.cost_usd': 1,
            'input.value': 'i',
            'output.value': 'o',
            'input.mime_type': 'text/plain',
            'db.rows': 12,
            'ratio': 0.5,
            'ok': true,
            'ids': [1, 2, 3],
          },
        }),
        0,
      );
      expect(row.attributes).toEqual({
        'db.rows': '12',
        ratio: '0.5',
        ok: 'true',
        ids: '[1,2,3]',
      });
    });
  });

  describe('spansToRows', () => {
    it('splits a batch into one execution row and its step rows', () => {
      const rows = spansToRows('app-a', [rootSpan({ 'xray.pipeline': 'p' }), span(), span()]);
      expect(rows.executions).toHaveLength(1);
      expect(rows.steps).toHaveLength(2);
      expect(rows.executions[0]).toMatchObject({ execution_id: TRACE_ID, step_count: 2, error_count: 0 });
    });

    it('takes the app id from the argument, never from xray.app.id', () => {
      const rows = spansToRows('app-from-key', [
        rootSpan({ 'xray.app.id': 'someone-else' }),
        span({ attributes: { 'xray.app.id': 'someone-else' } }),
      ]);
      expect(rows.executions[0].app_id).toBe('app-from-key');
      expect(rows.steps[0].app_id).toBe('app-from-key');
    });

    it('stores the same sequence for an unnumbered step whatever it travels with (regression: the fallback restarted per request)', () => {
      const a = (offsetMs: bigint, name: string) =>
        span({ name, startTimeUnixNano: T0 + offsetMs * MS, endTimeUnixNano: T0 + (offsetMs + 1n) * MS, attributes: { 'xray.execution.id': 'A' } });
      const together = spansToRows('a', [a(30n, 'a3'), a(10n, 'a1'), a(20n, 'a2')]).steps;
      const split = [...spansToRows('a', [a(30n, 'a3')]).steps, ...spansToRows('a', [a(20n, 'a2'), a(10n, 'a1')]).steps];
      const byName = (rows: { name: string; sequence: number }[]) => Object.fromEntries(rows.map((row) => [row.name, row.sequence]));
      expect(byName(split)).toEqual(byName(together));
      expect(byName(together)).toEqual({ a1: 0, a2: 0, a3: 0 });
    });

    it('keeps a sender-declared sequence', () => {
      const rows = spansToRows('a', [
        span({ name: 'late', startTimeUnixNano: T0, attributes: { 'xray.step.sequence': 5 } }),
        span({ name: 'early', startTimeUnixNano: T0 + MS }),
      ]);
      const sequences = Object.fromEntries(rows.steps.map((step) => [step.name, step.sequence]));
      expect(sequences).toEqual({ late: 5, early: 0 });
    });

    it('counts only the steps of the same execution for step_count and error_count', () => {
      const rows = spansToRows('a', [
        rootSpan({ 'xray.execution.id': 'A' }),
        span({ attributes: { 'xray.execution.id': 'A' }, status: { code: 2, message: 'x' } }),
        span({ attributes: { 'xray.execution.id': 'A' } }),
        span({ attributes: { 'xray.execution.id': 'B' }, status: { code: 2, message: 'x' } }),
      ]);
      expect(rows.executions).toHaveLength(1);
      expect(rows.executions[0]).toMatchObject({ execution_id: 'A', step_count: 2, error_count: 1 });
      expect(rows.steps).toHaveLength(3);
    });

    it('counts zero steps for a root that arrives alone', () => {
      expect(spansToRows('a', [rootSpan()]).executions[0]).toMatchObject({ step_count: 0, error_count: 0 });
    });

    it('gives steps in the same batch as their root the root pipeline and environment', () => {
      const rows = spansToRows('a', [
        span({ name: 'untagged' }),
        rootSpan({ 'xray.pipeline': 'loan-approval', 'xray.environment': 'prod' }),
      ]);
      expect(rows.steps[0]).toMatchObject({ name: 'untagged', pipeline: 'loan-approval', environment: 'prod' });
    });

    it('keeps the pipeline and environment a step declares itself', () => {
      const rows = spansToRows('a', [
        rootSpan({ 'xray.pipeline': 'loan-approval', 'xray.environment': 'prod' }),
        span({ attributes: { 'xray.pipeline': 'sub', 'xray.environment': 'canary' } }),
      ]);
      expect(rows.steps[0]).toMatchObject({ pipeline: 'sub', environment: 'canary' });
    });

    it('leaves pipeline and environment empty on steps whose root is not in the batch', () => {
      const rows = spansToRows('a', [span()]);
      expect(rows.executions).toEqual([]);
      expect(rows.steps[0]).toMatchObject({ pipeline: '', environment: '' });
    });

    it('gives the same rows whatever the order of the spans', () => {
      const spans = [
        rootSpan({ 'xray.pipeline': 'p' }),
        span({ spanId: '1111111111111111', startTimeUnixNano: T0 + 2n * MS, endTimeUnixNano: T0 + 3n * MS }),
        span({ spanId: '2222222222222222', startTimeUnixNano: T0 + MS, endTimeUnixNano: T0 + 3n * MS }),
      ];
      const forward = spansToRows('a', spans);
      const backward = spansToRows('a', [...spans].reverse());
      const bySpan = (rows: typeof forward) => [...rows.steps].sort((x, y) => x.span_id.localeCompare(y.span_id));
      expect(bySpan(backward)).toEqual(bySpan(forward));
      expect(backward.executions).toEqual(forward.executions);
    });

    it('returns no rows for no spans', () => {
      expect(spansToRows('a', [])).toEqual({ executions: [], steps: [] });
    });
  });
});
