/**
 * What a decoder made of one body, as a string two decoders can be compared
 * by: every value with its type (bigint, -0, NaN and key order included),
 * which spans share a resource or scope object, or the error it threw.
 * Anything thrown that is not an OtlpDecodeError is a bug and is rethrown.
 */
import { OtlpDecodeError, type DecodeResult } from '../../../src/otlp/index.js';

function canonical(value: unknown, shared: Map<object, number>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonical(item, shared)).join(',')}]`;
      const proto = Object.getPrototypeOf(value) === Object.prototype ? '' : '<not a plain object>';
      const entries = Object.keys(value).map(
        (key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key], shared)}`,
      );
      return `${proto}{${entries.join(',')}}`;
    }
    default:
      return `<${typeof value}>`;
  }
}

function objectIndex(shared: Map<object, number>, object: object): number {
  let index = shared.get(object);
  if (index === undefined) {
    index = shared.size;
    shared.set(object, index);
  }
  return index;
}

export function describeResult(result: DecodeResult): string {
  const shared = new Map<object, number>();
  const spans = result.spans.map(
    (span) => `${canonical(span, shared)} resource#${objectIndex(shared, span.resource)} scope#${objectIndex(shared, span.scope)}`,
  );
  return [`rejected ${result.rejectedSpans}`, ...result.rejectionMessages, ...spans].join('\n');
}

export type Outcome = { ok: string } | { error: string };

/** Decodes `body`; `errorText` picks what of an OtlpDecodeError's message must match. */
export function outcomeOf(decode: () => DecodeResult, errorText: (message: string) => string): Outcome {
  try {
    return { ok: describeResult(decode()) };
  } catch (error) {
    if (error instanceof OtlpDecodeError) return { error: errorText(error.message) };
    throw error;
  }
}
