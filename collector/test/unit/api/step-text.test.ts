import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { step } from '../../../src/api/schemas.js';
import { renumberedStep, searchedStepOf } from '../../../src/api/step-text.js';
import { createPick, createRandom } from '../../support/seeded-random.js';
import { makeStep, nanosAt } from '../cli/fixtures.js';

type Step = z.input<typeof step>;
/** A step's text as the reply store keeps it: the step schema's serialization (as the route's and the reply builder's serializers write it). */
const serialize = serializerCompiler({ schema: step, method: 'GET', url: '/api/v1/steps', httpStatus: '200' }) as (value: Step) => string;

const base: Step = {
  ...makeStep({ spanId: 's-1', name: 'score', sequence: 3, input: '{"amount":12}', output: '{"ok":true}', reasoning: 'score below threshold' }),
  costSource: '',
};

/** What search reads of a step, from the parsed text (the reference). */
function expected(value: Step) {
  const parsed = JSON.parse(serialize(value)) as z.infer<typeof step>;
  return {
    spanId: parsed.spanId,
    startTimeUnixNano: parsed.startTimeUnixNano,
    sequence: parsed.sequence,
    fields: { reasoning: parsed.reasoning, error_message: parsed.error?.message ?? '', input: parsed.input, output: parsed.output },
  };
}

/** What search read, as a plain object: each field asked for, as the matcher and the snippet ask. */
function read(text: string) {
  const { fields, sequenceAt: _at, ...key } = searchedStepOf(Buffer.from(text));
  return { ...key, fields: { reasoning: fields.reasoning, error_message: fields.error_message, input: fields.input, output: fields.output } };
}

describe('step-text', () => {
  it('reads the sort key, sequence and searched fields of a step', () => {
    expect(read(serialize(base))).toEqual({
      spanId: 's-1',
      startTimeUnixNano: nanosAt(0),
      sequence: 3,
      fields: { reasoning: 'score below threshold', error_message: '', input: '{"amount":12}', output: '{"ok":true}' },
    });
  });

  it("reads the step's own members, not look-alikes inside values or attributes", () => {
    const tricky: Step = {
      ...base,
      name: '","spanId":"forged',
      input: ',"reasoning":"not this","output":"nor this",\\"error\\":{"message":"no"}',
      output: '\\',
      reasoning: 'a "quoted" word\\ and a line\nbreak ✓ 😀',
      error: { type: '","message":"forged', message: 'limit "exceeded"\\n', stack: '"message":"x"' },
      attributes: { spanId: 'a', reasoning: 'b', message: 'c', input: 'd', 'error': 'e' },
    };
    expect(read(serialize(tricky))).toEqual(expected(tricky));
    const namedLikeKeys: Step = { ...base, executionId: 'spanId', name: 'startTimeUnixNano', pipeline: 'input', environment: 'output', status: 'reasoning', error: { type: 'message', message: 'm', stack: '' } };
    expect(read(serialize(namedLikeKeys))).toEqual(expected(namedLikeKeys));
    expect(read(serialize(tricky)).fields.error_message).toBe('limit "exceeded"\\n');
  });

  it('reads what JSON.parse reads, and renumbers as the serializer writes sequence 0, for 2,000 random steps', () => {
    const next = createRandom(20261207);
    const pick = createPick(next);
    const pieces = ['word', ' ', '"', '\\', '\\"', '\n', '\t', '\u0000', '\u2028', 'é', '日本', '😀', ',"reasoning":"', '"error":{', '{"message":"', '}', ',', ':', 'null'];
    const text = () => Array.from({ length: Math.floor(next() * 8) }, () => pick(pieces)).join('');
    for (let i = 0; i < 2000; i++) {
      const value: Step = {
        ...base,
        spanId: text() || 's',
        sequence: Math.floor(next() * 100_000),
        name: text(),
        startTimeUnixNano: String(Math.floor(next() * 1e18)),
        input: text(),
        output: text(),
        reasoning: text(),
        error: next() < 0.3 ? { type: text(), message: text(), stack: text() } : null,
        attributes: next() < 0.5 ? { [text()]: text(), message: text(), reasoning: text() } : {},
      };
      expect(read(serialize(value)), serialize(value)).toEqual(expected(value));
      // Renumbered: the text of the same step with sequence 0.
      const bytes = Buffer.from(serialize(value));
      expect(renumberedStep(bytes, searchedStepOf(bytes)).toString('utf8')).toBe(serialize({ ...value, sequence: 0 }));
    }
  });

  it('refuses a text that is not a stored step', () => {
    expect(() => searchedStepOf(Buffer.from('{"spanId":"s"}'))).toThrow(SyntaxError);
    expect(() => searchedStepOf(Buffer.from('{"spanId":"s,"sequence":1'))).toThrow(SyntaxError);
    expect(() => searchedStepOf(Buffer.from('{"spanId":"s","sequence":1,"startTimeUnixNano":"1"}')).fields.reasoning).toThrow(SyntaxError);
    expect(() => searchedStepOf(Buffer.from('{"spanId":"s","sequence":1,"startTimeUnixNano":"1","reasoning":"r"}')).fields.error_message).toThrow(SyntaxError);
  });
});
