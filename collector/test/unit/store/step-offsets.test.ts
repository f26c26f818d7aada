/**
 * Where each step stands in a stored detail reply's bytes (store/reply-store.ts
 * stepOffsets): every step's bytes parse to that step, for replies made by
 * the route's own serializer from steps whose strings hold the characters
 * that could mislead a walk of the text (quotes, backslashes, brackets,
 * braces, commas, a `"steps":[` of their own). Real replies (with their
 * execution and scores) are read this way in step-search-index.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { detailSerializer } from '../../../src/api/execution-detail.js';
import { stepOffsets } from '../../../src/store/reply-store.js';

const TRICKY = ['', 'plain', '"steps":[{"a":1}]', 'a\\"b', '\\', '}]},{', '[[[', '{"x":"}"}', 'emoji 😀 and é', '\n\t\u0000'];

function stepOf(i: number) {
  const text = TRICKY[i % TRICKY.length]!;
  return {
    executionId: `e-${text}`,
    spanId: `s${i}`,
    parentSpanId: 'root',
    sequence: i,
    name: `step ${text}`,
    pipeline: 'p',
    environment: '',
    status: 'completed',
    startTime: '2026-01-01T00:00:00.000Z',
    endTime: '2026-01-01T00:00:00.001Z',
    startTimeUnixNano: String(1_767_225_600_000_000_000n + BigInt(i)),
    durationMs: 1,
    input: JSON.stringify({ steps: [text], nested: { '"steps":[': [text] } }),
    output: text,
    reasoning: `because ${text}`,
    error: i % 3 === 0 ? { type: 'E', message: text, stack: `at ${text}` } : null,
    model: '',
    provider: '',
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    costSource: '' as const,
    attributes: { [`k${text}`]: text, steps: '[' },
  };
}

describe('stepOffsets', () => {
  const serialize = detailSerializer();
  for (const count of [0, 1, 2, 13]) {
    {
      it(`finds each of ${count} steps`, () => {
        const steps = Array.from({ length: count }, (_, i) => stepOf(i));
        const json = serialize({ execution: null, steps, scores: [] });
        const bytes = Buffer.from(json);
        const at = stepOffsets(bytes)!;
        expect(at).toHaveLength(count + 1);
        expect(String.fromCharCode(bytes[at[count]!]!)).toBe(']');
        const parsed = JSON.parse(json) as { steps: unknown[] };
        for (let i = 0; i < count; i++) {
          const text = bytes.toString('utf8', at[i], i === count - 1 ? at[i + 1] : at[i + 1]! - 1);
          expect(JSON.parse(text)).toEqual(parsed.steps[i]);
        }
      });
    }
  }

  it('answers undefined for a text without a top-level steps array', () => {
    expect(stepOffsets(Buffer.from('{"execution":{"steps":[{"a":1}]},"scores":[]}'))).toBeUndefined();
    expect(stepOffsets(Buffer.from('{"note":"\\"steps\\":[{}]"}'))).toBeUndefined();
    expect(stepOffsets(Buffer.from('{"stepsX":[{}],"step":[{}]}'))).toBeUndefined();
  });
});
